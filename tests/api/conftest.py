"""Fixtures of the API tests: the planning world (tests/planning/world.py) for the planning API."""

from tests.planning.world import world  # noqa: F401 (a fixture, found by pytest here)
