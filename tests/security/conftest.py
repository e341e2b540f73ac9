import pytest
from django.test import Client

from .world import build_world


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def reader(api):
    """The API client of tests/conftest.py, reporting a server error as a 500 response."""
    api.raise_request_exception = False
    return api


@pytest.fixture
def admin_client_for():
    """``admin_client_for(user)``: a Django test client logged in as ``user`` (a 500 is kept)."""

    def make(user):
        client = Client(raise_request_exception=False)
        client.force_login(user)
        return client

    return make
