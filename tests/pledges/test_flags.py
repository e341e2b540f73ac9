"""Flags derived from a record the reader may not see are not shown (issue 14, finding 6): a
pledge's "below the donor's capability target" comes from the donor's stock position."""

import pytest

from clearinghouse.pledges.models import Pledge, PledgeKind

from ..conftest import client_for
from ..factories import ItemTypeFactory, OrganisationFactory, PledgeFactory, StockPositionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def short(donor_org):
    """A stock pledge released to all donors that takes its donor 4 below target; the stock
    position itself is the donor's alone."""
    usa = OrganisationFactory(code="USA", iso3="USA", name="United States")
    item = ItemTypeFactory(name="Howitzer")
    position = StockPositionFactory(owner=usa, item_type=item, quantity_held=10,
                                    target_minimum=8)
    pledge = PledgeFactory(owner=usa, item_type=item, kind=PledgeKind.STOCK, quantity=6,
                           stock_position=position, release_all_donors=True)
    Pledge.objects.filter(pk=pledge.pk).update(below_target=True, below_target_by=4)
    return pledge


def test_another_donor_sees_the_pledge_but_not_the_shortfall(api, donor, short):
    body = api.as_(donor).get(f"/api/pledges/{short.pk}/").json()
    assert body["stock_position"] is None
    assert body["below_target"] is None and body["below_target_by"] is None
    listed = api.as_(donor).get("/api/pledges/", {"below_target": "true"}).json()
    assert listed["count"] == 0  # the filter is no oracle either
    page = client_for(donor).get(f"/pledges/{short.pk}/").content.decode()
    assert "capability target" not in page
    assert "below target" not in client_for(donor).get("/pledges/").content.decode()


def test_the_donor_and_the_coordinator_see_the_shortfall(api, coordinator, short):
    from clearinghouse.parties.models import User
    from clearinghouse.security.roles import Classification, Role

    own = User.objects.create_user("usa-rep", organisation=short.owner, clearance=
                                   Classification.RESTRICTED,
                                   roles=[Role.DONOR_REPRESENTATIVE])
    for reader in (own, coordinator):
        body = api.as_(reader).get(f"/api/pledges/{short.pk}/").json()
        assert body["below_target"] is True and body["below_target_by"] == "4.000"
        listed = api.as_(reader).get("/api/pledges/", {"below_target": "true"}).json()
        assert [r["id"] for r in listed["results"]] == [short.pk]
        assert "by 4" in client_for(reader).get(f"/pledges/{short.pk}/").content.decode()


def test_the_admin_neither_shows_nor_filters_the_shortfall(donor, short):
    from django.test import Client

    client = Client(raise_request_exception=False)
    client.force_login(donor)
    listing = client.get("/admin/pledges/pledge/")
    assert listing.status_code == 200 and "below target" not in listing.content.decode().lower()
    assert client.get("/admin/pledges/pledge/", {"below_target__exact": "1"}).status_code in (
        302, 400)  # refused: never a list narrowed by the flag
