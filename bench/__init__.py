"""Benchmarks that print figures (run each module as a script)."""
