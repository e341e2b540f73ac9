import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from clearinghouse.parties.models import OrganisationKind
from clearinghouse.security.roles import Classification, Role

from .factories import OrganisationFactory, OrgOfKindFactory, RecipientFactory, UserFactory
from .planning.world import world  # noqa: F401 (the planning world, a fixture for every folder)


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """The API's rate limits count in the cache, across tests: each test starts at zero."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """The factories hash a password for every user; PBKDF2 would dominate the suite's time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def client_for(user) -> Client:
    """A client signed in as ``user`` that answers server errors with a 500 page."""
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def shown(reply) -> list[int]:
    """The pks of the rows a list page shows, in order."""
    assert reply.status_code == 200, reply.status_code
    return [row["pk"] for row in reply.context["rows"]]


def table(reply) -> str:
    """A list page's table (the filter form lists every organisation and item by name)."""
    text = reply.content.decode()
    return text[text.index("<table"):text.index("</table>")]


def banner(reply) -> int:
    """The level of a page's classification banner."""
    return int(re.search(r'class="banner level-(\d)"', reply.content.decode()).group(1))


@pytest.fixture
def api():
    """An API client; ``api.as_(user)`` signs a user in."""

    class Client(APIClient):
        def as_(self, user):
            self.force_authenticate(user)
            return self

    return Client()


@pytest.fixture
def recipient():
    return RecipientFactory(code="UKR", name="Ukraine", iso3="UKR")


@pytest.fixture
def coordinator_org():
    return OrgOfKindFactory(kind=OrganisationKind.COORDINATOR, code="COORD", name="Coordination")


@pytest.fixture
def donor_org():
    return OrganisationFactory(code="DEU", name="Germany", iso3="DEU")


@pytest.fixture
def planner(recipient):
    return UserFactory(
        organisation=recipient, roles=[Role.RECIPIENT_PLANNER], clearance=Classification.RESTRICTED
    )


@pytest.fixture
def coordinator(coordinator_org):
    return UserFactory(
        organisation=coordinator_org, roles=[Role.COORDINATOR],
        clearance=Classification.CONFIDENTIAL,
    )


@pytest.fixture
def donor(donor_org):
    return UserFactory(
        organisation=donor_org, roles=[Role.DONOR_REPRESENTATIVE],
        clearance=Classification.RESTRICTED,
    )


@pytest.fixture
def other_donor():
    """Sweden's donor, cleared RESTRICTED: a reader of what other donors released."""
    return UserFactory(organisation=OrganisationFactory(code="SWE", name="Sweden", iso3="SWE"),
                       clearance=Classification.RESTRICTED)
