"""Fixtures for the planning app tests (the solver tests need none)."""

from .world import world  # noqa: F401 (a fixture, found by pytest here)
