"""Tests of the logistics app (hubs, routes, deliveries). Who sees and changes hubs is checked
across roles in tests/security/; the demo's logistics data in tests/demo/test_logistics.py."""
