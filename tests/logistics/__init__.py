"""Tests of the logistics app (hubs, routes, deliveries). Who sees and changes hubs is also
checked across roles in tests/security/; the demo's logistics data in tests/demo/."""
