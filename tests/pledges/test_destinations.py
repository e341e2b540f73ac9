"""Where a pledge goes: the pledge page's panel (registered by planning, planning/destinations.py)
shows its donor and the coordination staff the needs, regions, quantities and arrival months of
the pledge in the adopted plan; another donor who may see the pledge learns none of it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clearinghouse.core import words
from clearinghouse.planning.models import Plan
from clearinghouse.security.roles import Classification
from tests.conftest import banner, client_for
from tests.factories import (
    ItemTypeFactory,
    NeedFactory,
    PledgeFactory,
    RegionFactory,
    allocate,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def going(donor_org, recipient):
    """A pledge released to all donors, allocated to a need in Kharkiv the donors see and to
    one in Odesa only the coordinator sees."""
    shells = ItemTypeFactory(name="155 mm shell", indivisible=True)
    seen = NeedFactory(owner=recipient, item_type=shells, region=RegionFactory(name="Kharkiv"))
    unseen = NeedFactory(owner=recipient, item_type=shells, region=RegionFactory(name="Odesa"),
                         release_all_donors=False, release_coordinator=True,
                         classification=Classification.COALITION)
    pledge = PledgeFactory(owner=donor_org, item_type=shells, quantity=100, state="allocated",
                           release_coordinator=True, release_all_donors=True,
                           classification=Classification.COALITION)
    allocate(pledge, seen, quantity=59.9999996)
    allocate(pledge, unseen, quantity=40)
    return pledge, seen, unseen


def panel(page: str) -> str:
    start = page.find('id="destinations-title"')
    return "" if start < 0 else page[start:page.index("</section>", start)]


def arrival() -> str:
    return words.month(Plan.objects.get().week_start(2))


def test_its_donor_sees_where_it_goes_without_the_needs_it_may_not_see(donor, going):
    pledge, seen, unseen = going
    page = client_for(donor).get(f"/pledges/{pledge.pk}/").content.decode()
    found = panel(page)
    assert f'href="/needs/{seen.pk}/"' in found and "Kharkiv" in found
    assert ">60<" in found  # whole units of an indivisible item
    assert arrival() in found
    # The need not released to the donor: the donor's own quantity and month, no need, no region.
    assert f"/needs/{unseen.pk}/" not in found and "Odesa" not in found
    assert "a need not released to you" in found and ">40<" in found
    assert 'id="destinations-total">100<' in found


def test_the_coordinator_sees_every_need_and_region(coordinator, going):
    pledge, seen, unseen = going
    found = panel(client_for(coordinator).get(f"/pledges/{pledge.pk}/").content.decode())
    assert f"/needs/{seen.pk}/" in found and f"/needs/{unseen.pk}/" in found
    assert "Kharkiv" in found and "Odesa" in found and arrival() in found


def test_another_donor_who_sees_the_pledge_learns_nothing_of_where_it_goes(other_donor, going):
    pledge, seen, _ = going
    reply = client_for(other_donor).get(f"/pledges/{pledge.pk}/")
    assert reply.status_code == 200  # released to all donors: the pledge itself is visible
    page = reply.content.decode()
    assert panel(page) == "" and "Where this pledge goes" not in page
    assert "Kharkiv" not in page and f"/needs/{seen.pk}/" not in page


def test_without_an_adopted_plan_the_donor_is_told_so(donor, donor_org):
    pledge = PledgeFactory(owner=donor_org, release_coordinator=True)
    found = panel(client_for(donor).get(f"/pledges/{pledge.pk}/").content.decode())
    assert "No plan has been adopted yet" in found


def test_a_need_above_the_owners_clearance_raises_no_banner_and_shows_nothing(donor, going):
    pledge, _, _ = going
    secret = NeedFactory(item_type=pledge.item_type, region=RegionFactory(name="Secret city"),
                         classification=Classification.CONFIDENTIAL)
    allocate(pledge, secret, quantity=5)
    reply = client_for(donor).get(f"/pledges/{pledge.pk}/")
    assert "Secret city" not in reply.content.decode()
    assert banner(reply) == Classification.COALITION


def test_the_panel_reads_a_fixed_number_of_queries_whatever_its_rows(donor, going, recipient):
    pledge, seen, _ = going
    client = client_for(donor)
    address = f"/pledges/{pledge.pk}/"
    client.get(address)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(address).status_code == 200
        return len(queries)

    before = count()
    for _ in range(6):
        allocate(pledge, NeedFactory(owner=recipient, item_type=pledge.item_type), quantity=1)
    assert count() == before
