"""Start pages per role: the right records and numbers, nothing invisible, bounded queries."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clearinghouse.needs.models import NeedState, Priority
from clearinghouse.parties.models import OrganisationKind
from clearinghouse.pledges.models import PledgeState
from clearinghouse.security.roles import Classification, Role
from tests.factories import (
    BackfillOrderFactory,
    FamilyFactory,
    ItemTypeFactory,
    NeedFactory,
    OrganisationFactory,
    OrgOfKindFactory,
    PledgeFactory,
    StockPositionFactory,
    UserFactory,
    allocate,
)

pytestmark = pytest.mark.django_db

D = Decimal


def page_of(user) -> str:
    client = Client()
    client.force_login(user)
    reply = client.get("/")
    assert reply.status_code == 200
    return reply.content.decode()


def banner(page: str) -> int:
    return int(re.search(r'data-classification="(\d)"', page).group(1))


def queries_for(user) -> int:
    client = Client()
    client.force_login(user)
    client.get("/")  # session and caches warm
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    return len(queries)


@pytest.fixture
def auditor():
    org = OrgOfKindFactory(kind=OrganisationKind.OVERSIGHT, name="Oversight Office")
    return UserFactory(organisation=org, roles=[Role.AUDITOR],
                       clearance=Classification.CONFIDENTIAL)


@pytest.fixture
def other_donor_org():
    return OrganisationFactory(name="Secretland")


# --- recipient planner -----------------------------------------------------------------------


@pytest.fixture
def planner_world(recipient, donor_org, other_donor_org):
    shells = ItemTypeFactory(name="155 mm shell")
    critical = NeedFactory(owner=recipient, item_type=shells, quantity=D("100"),
                           priority=Priority.CRITICAL)
    allocate(PledgeFactory(owner=donor_org, need=critical, item_type=shells, quantity=D("40"),
                           state=PledgeState.ALLOCATED, release_recipient=True), quantity=30)
    PledgeFactory(owner=donor_org, need=critical, item_type=shells, quantity=D("20"),
                  state=PledgeState.ACCEPTED, release_recipient=True)
    PledgeFactory(owner=other_donor_org, need=critical, item_type=shells, quantity=D("10"),
                  anonymous=True, release_recipient=True)
    # Not released to the recipient: not counted in what the planner sees.
    PledgeFactory(owner=donor_org, need=critical, item_type=shells, quantity=D("25"))
    low = NeedFactory(owner=recipient, item_type=ItemTypeFactory(name="Field stretcher"),
                      quantity=D("7"), priority=Priority.LOW)
    draft = NeedFactory(owner=recipient, item_type=ItemTypeFactory(name="Draft radio"),
                        state=NeedState.DRAFT)
    others = NeedFactory(item_type=ItemTypeFactory(name="Someone else's item"))
    secret = NeedFactory(owner=recipient, item_type=ItemTypeFactory(name="Secret sensor"),
                         classification=Classification.CONFIDENTIAL)
    return {"critical": critical, "low": low, "draft": draft, "others": others,
            "secret": secret}


def test_planner_sees_own_needs_by_priority_with_coverage(planner, planner_world):
    page = page_of(planner)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "Priority critical" in text and "Priority low" in text
    assert text.index("Priority critical") < text.index("Priority low")
    # Covered: what the adopted plan brings (30 of the pledge's 40), not the pledge's state.
    assert ("155 mm shell: covered 30, planned late 0, accepted 20, pledged 10, missing 40 of "
            "100") in page
    assert ("Field stretcher: covered 0, planned late 0, accepted 0, pledged 0, missing 7 of 7"
            in page)
    # To do: the draft; the need of another organisation and the one above clearance absent.
    assert "Draft radio" in page and "1 in draft, 0 submitted" in text
    assert "Someone else" not in page and "Secret sensor" not in page
    # The anonymous donor is not named; the planner's page names no donor at all.
    assert "Secretland" not in page
    # Totals by capability area: the group bars sum the needs.
    assert "Coverage by capability area" in page
    assert banner(page) == Classification.RESTRICTED  # the pledges counted are RESTRICTED


def test_planner_banner_without_pledges_is_the_needs_level(planner, recipient):
    NeedFactory(owner=recipient, classification=Classification.COALITION)
    assert banner(page_of(planner)) == Classification.COALITION


# --- donor representative --------------------------------------------------------------------


@pytest.fixture
def donor_world(recipient, donor_org, other_donor_org):
    held = ItemTypeFactory(name="Held howitzer round")
    position = StockPositionFactory(owner=donor_org, item_type=held, quantity_held=D("1000"),
                                    target_minimum=D("400"))
    BackfillOrderFactory(stock_position=position, quantity=D("250"), reference="BF-77")
    stocked_need = NeedFactory(owner=recipient, item_type=held, quantity=D("900"),
                               priority=Priority.LOW)
    mine = PledgeFactory(owner=donor_org, need=stocked_need, item_type=held, quantity=D("700"),
                         kind="stock", stock_position=position, state=PledgeState.ACCEPTED)
    PledgeFactory(owner=donor_org, item_type=held, quantity=D("5"), state=PledgeState.DELIVERED)
    other_need = NeedFactory(owner=recipient, item_type=ItemTypeFactory(name="Generator"),
                             quantity=D("50"), priority=Priority.CRITICAL)
    # Another donor's anonymous pledge the donor may see (goods, not the donor).
    PledgeFactory(owner=other_donor_org, need=other_need, item_type=other_need.item_type,
                  quantity=D("20"), anonymous=True, release_all_donors=True)
    # Another donor's confidential pledge: not seen, not counted.
    PledgeFactory(owner=other_donor_org, need=other_need, item_type=other_need.item_type,
                  quantity=D("25"), classification=Classification.CONFIDENTIAL,
                  release_all_donors=True)
    covered = NeedFactory(owner=recipient, item_type=ItemTypeFactory(name="Covered thing"),
                          quantity=D("10"), state=NeedState.PARTLY_COVERED)
    allocate(PledgeFactory(owner=other_donor_org, need=covered, item_type=covered.item_type,
                           quantity=D("10"), state=PledgeState.ALLOCATED,
                           release_all_donors=True))
    hidden = NeedFactory(owner=recipient, item_type=ItemTypeFactory(name="Hidden need item"),
                         release_all_donors=False)
    return {"position": position, "mine": mine, "stocked_need": stocked_need,
            "other_need": other_need, "covered": covered, "hidden": hidden}


def test_donor_sees_pledges_asks_and_stock_floors(donor, donor_world):
    page = page_of(donor)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    # My pledges by state.
    assert "Accepted: 1" in text and "Delivered: 1" in text
    assert f"Pledge {donor_world['mine'].pk}" in text
    # Still asked for: the stocked need first (though low priority), then the critical one.
    stocked, other = donor_world["stocked_need"], donor_world["other_need"]
    asks = text[text.index("Still asked for that we could give"):]
    assert asks.index(f"Need {stocked.pk} in our stock") < asks.index(f"Need {other.pk} ")
    assert ("Generator: covered 0, planned late 0, accepted 0, pledged 20, missing 30 of 50"
            in page)
    # Another donor's allocation is not this donor's to count: "Covered thing" is still
    # asked for (the need's state says partly covered; the donor sees nothing of it).
    assert "Covered thing: covered 0, planned late 0, accepted 0, pledged 0, missing 10" in page
    assert "Hidden need item" not in page  # not released to donors
    assert "Secretland" not in page  # the anonymous donor stays anonymous
    assert f'href="{reverse("pledges:create")}?need={other.pk}"' in page
    # Stock floor: 1000 held, 700 committed, 300 left under a floor of 400, backfill shown.
    assert "below target by 100" in text
    assert "250 by" in text and "BF-77" in text
    assert banner(page) == Classification.RESTRICTED


def test_other_donor_does_not_see_an_anonymous_donor(donor_org, other_donor_org, recipient):
    need = NeedFactory(owner=recipient, item_type=ItemTypeFactory(name="Shared ask"),
                       quantity=D("10"))
    PledgeFactory(owner=donor_org, need=need, item_type=need.item_type, quantity=D("4"),
                  anonymous=True, release_all_donors=True)
    reader = UserFactory(organisation=other_donor_org, roles=[Role.DONOR_REPRESENTATIVE])
    page = page_of(reader)
    assert "Shared ask: covered 0, planned late 0, accepted 0, pledged 4, missing 6 of 10" in page
    assert "Germany" not in page


# --- coordinator -----------------------------------------------------------------------------


def test_coordinator_queue_and_gaps(coordinator, recipient, donor_org):
    old = NeedFactory(owner=recipient, state=NeedState.SUBMITTED,
                      item_type=ItemTypeFactory(name="Oldest submitted"))
    new = NeedFactory(owner=recipient, state=NeedState.SUBMITTED,
                      item_type=ItemTypeFactory(name="Newest submitted"),
                      classification=Classification.CONFIDENTIAL)
    offered = PledgeFactory(owner=donor_org, anonymous=True,
                            item_type=ItemTypeFactory(name="Offered kit"))
    PledgeFactory(owner=donor_org, state=PledgeState.ACCEPTED,
                  item_type=ItemTypeFactory(name="Accepted kit"))
    NeedFactory(owner=recipient, priority=Priority.HIGH, quantity=D("10"),
                item_type=ItemTypeFactory(name="Cheap gap", unit_value_eur=D("100")))
    dear = NeedFactory(owner=recipient, priority=Priority.HIGH, quantity=D("10"),
                       item_type=ItemTypeFactory(name="Dear gap", unit_value_eur=D("9000")))
    family = FamilyFactory(name="155 mm NATO")
    ItemTypeFactory(family=family, unit_value_eur=D("3000"))
    ItemTypeFactory(family=family, unit_value_eur=D("2500"))
    fam_need = NeedFactory(owner=recipient, item_type=None, family=family, quantity=D("4"),
                           priority=Priority.CRITICAL)
    allocate(PledgeFactory(owner=donor_org, need=dear, item_type=dear.item_type,
                           quantity=D("4"), state=PledgeState.ALLOCATED))
    page = page_of(coordinator)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert text.index("Oldest submitted") < text.index("Newest submitted")
    assert f"Need {old.pk} " in text and f"Need {new.pk} " in text
    assert "Needs to validate 2" in text and "Pledges to accept 1" in text
    assert "Offered kit" in text and "Accepted kit" not in text
    assert f"Pledge {offered.pk} " in text and "Germany anonymous to others" in text
    # Gaps: critical family need first (4 × cheapest 2,500), then the dear one (6 × 9,000).
    assert "10,000 (at the family's cheapest item)" in text
    assert "54,000" in text and "1,000" in text
    gaps = text[text.index("Biggest uncovered gaps"):]
    assert gaps.index(f"Need {fam_need.pk} ") < gaps.index("Dear gap") < gaps.index("Cheap gap")
    assert "Dear gap: covered 4, planned late 0, accepted 0, pledged 0, missing 6 of 10" in page
    assert "Open needs by priority" in page and "Open needs by capability area" in page
    assert banner(page) == Classification.CONFIDENTIAL  # the confidential submitted need


def test_coordinator_banner_follows_what_is_shown(coordinator, recipient):
    NeedFactory(owner=recipient, classification=Classification.COALITION)
    assert banner(page_of(coordinator)) == Classification.COALITION


# --- auditor ---------------------------------------------------------------------------------


def test_auditor_sees_recent_changes_it_may_see(auditor, donor_org, recipient):
    pledge = PledgeFactory(owner=donor_org, item_type=ItemTypeFactory(name="Audited kit"),
                           quantity=D("12"), anonymous=True)
    pledge.quantity = D("15")
    pledge.save()
    need = NeedFactory(owner=recipient, item_type=ItemTypeFactory(name="Audited need item"))
    hidden = PledgeFactory(owner=donor_org, release_coordinator=False,
                           item_type=ItemTypeFactory(name="Unreleased kit"))
    page = page_of(auditor)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert f"Pledge {pledge.pk} changed quantity : 12 → 15" in text
    assert f"Need {need.pk} created" in text
    assert "Audited kit" in text and "Germany" in text  # auditors see donors
    assert f"Pledge {hidden.pk} " not in text and "Unreleased kit" not in text
    assert banner(page) == Classification.RESTRICTED


def test_history_hides_an_anonymous_donor_from_readers_who_may_not_see_it(
    donor_org, other_donor_org
):
    from clearinghouse.reports.changes import auditor_page

    writer = UserFactory(organisation=donor_org)
    pledge = PledgeFactory(owner=donor_org, anonymous=True, release_all_donors=True,
                           origin_depot="Depot Nord")
    pledge._history_user = writer
    pledge.quantity = D("11")
    pledge.save()
    reader = UserFactory(organisation=other_donor_org)
    entries = [e for e in auditor_page(reader)["entries"]
               if e["kind"] == "Pledge" and e["record"] == pledge.pk]
    assert entries and all(e["who"] in ("anonymous", None) for e in entries)
    shown = repr(entries)
    assert donor_org.name not in shown and "Depot Nord" not in shown
    assert writer.username not in shown


# --- everyone else ---------------------------------------------------------------------------


def test_logistics_officer_gets_a_short_overview(recipient):
    hub = OrgOfKindFactory(kind=OrganisationKind.HUB_OPERATOR, name="Hub operator")
    officer = UserFactory(organisation=hub, roles=[Role.LOGISTICS_OFFICER])
    NeedFactory(owner=recipient)  # not released to the hub: not counted
    page = page_of(officer)
    assert "What you can see now" in page
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "Needs 0" in text
    assert banner(page) == Classification.PUBLIC


# --- bounded queries -------------------------------------------------------------------------


def _add_rows(recipient, donor_org, n):
    for i in range(n):
        item = ItemTypeFactory()
        need = NeedFactory(owner=recipient, item_type=item, priority=1 + i % 4)
        NeedFactory(owner=recipient, item_type=item, state=NeedState.SUBMITTED)
        position = StockPositionFactory(owner=donor_org, item_type=item)
        BackfillOrderFactory(stock_position=position)
        p = PledgeFactory(owner=donor_org, need=need, item_type=item, kind="stock",
                          stock_position=position, anonymous=i % 2 == 0,
                          release_recipient=True)
        p.quantity += 1
        p.save()
    family = FamilyFactory()
    ItemTypeFactory(family=family)
    NeedFactory(owner=recipient, item_type=None, family=family)


@pytest.mark.parametrize("who", ["planner", "donor", "coordinator", "auditor"])
def test_query_count_does_not_grow_with_rows(who, request, recipient, donor_org):
    user = request.getfixturevalue(who)
    _add_rows(recipient, donor_org, 2)
    before = queries_for(user)
    _add_rows(recipient, donor_org, 8)
    after = queries_for(user)
    assert after == before, f"{who}: {before} queries with 2 rows, {after} with 10"


def test_a_non_lethal_fund_is_not_asked_for_lethal_goods(recipient):
    fund = OrganisationFactory(kind=OrganisationKind.DONOR_ORGANISATION, name="Trust fund",
                               iso3="", non_lethal_only=True)
    rep = UserFactory(organisation=fund, roles=[Role.DONOR_REPRESENTATIVE])
    NeedFactory(owner=recipient, item_type=ItemTypeFactory(name="Rifle round", lethal=True))
    NeedFactory(owner=recipient, item_type=ItemTypeFactory(name="Mine detector", lethal=False))
    mixed = FamilyFactory(name="Stretchers")
    ItemTypeFactory(family=mixed, lethal=False)
    NeedFactory(owner=recipient, item_type=None, family=mixed)
    page = page_of(rep)
    assert "Mine detector" in page and "Stretchers" in page
    assert "Rifle round" not in page


def test_area_totals_sum_needs_and_cap_an_over_pledged_one(planner, recipient, donor_org):
    from tests.factories import AreaFactory

    artillery = AreaFactory(code="artillery", name="Artillery")
    over = NeedFactory(owner=recipient, quantity=D("10"),
                       item_type=ItemTypeFactory(area=artillery, name="Gun A"))
    NeedFactory(owner=recipient, quantity=D("10"),
                item_type=ItemTypeFactory(area=artillery, name="Gun B"))
    PledgeFactory(owner=donor_org, need=over, item_type=over.item_type, quantity=D("15"),
                  release_recipient=True)
    page = page_of(planner)
    assert "Gun A: covered 0, planned late 0, accepted 0, pledged 15, missing 0 of 10" in page
    assert ("Artillery: covered 0, planned late 0, accepted 0, pledged 10, missing 10 of 20"
            in page)
