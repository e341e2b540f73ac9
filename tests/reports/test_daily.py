"""Each role's daily work on its start page: the donor sees where its pledges go and what to
offer next; the administrator finds what it manages."""

from datetime import timedelta

import pytest
from django.utils import timezone

from clearinghouse.core import words
from clearinghouse.needs.models import NeedState, Priority
from clearinghouse.parties.models import OrganisationKind
from clearinghouse.planning.models import Gap, Plan, PlanState
from clearinghouse.pledges.models import PledgeState
from clearinghouse.security.roles import Classification, Role
from tests.factories import (
    ItemTypeFactory,
    NeedFactory,
    OrgOfKindFactory,
    PlanFactory,
    PledgeFactory,
    RegionFactory,
    StockPositionFactory,
    UserFactory,
    allocate,
    in_days,
)

from .test_views import page_of, queries_for

pytestmark = pytest.mark.django_db


def part(page: str, table_id: str) -> str:
    start = page.find(f'id="{table_id}"')
    return "" if start < 0 else page[start:page.index("</table>", start)]


# --- where the donor's pledges go ------------------------------------------------------------


@pytest.fixture
def allocated(donor_org, other_donor, recipient):
    item = ItemTypeFactory(name="Counter-battery radar")
    need = NeedFactory(owner=recipient, item_type=item, region=RegionFactory(name="Dnipro"))
    mine = PledgeFactory(owner=donor_org, item_type=item, quantity=3, need=need,
                         state=PledgeState.ALLOCATED, release_coordinator=True)
    theirs = PledgeFactory(owner=other_donor.organisation, item_type=item, quantity=2,
                           state=PledgeState.ALLOCATED, release_all_donors=True)
    allocate(mine, need)
    allocate(theirs, NeedFactory(owner=recipient, item_type=item,
                                 region=RegionFactory(name="Sumy")))
    return mine, theirs, need


def test_the_donor_start_page_shows_where_its_pledges_go(donor, allocated):
    mine, theirs, need = allocated
    going = part(page_of(donor), "going")
    assert f'href="/pledges/{mine.pk}/"' in going and f'href="/needs/{need.pk}/"' in going
    assert "Counter-battery radar" in going and "Dnipro" in going and ">3<" in going
    assert words.month(Plan.objects.get().week_start(2)) in going
    # Another donor's allocation, even of a pledge released to all donors, is not ours.
    assert f"/pledges/{theirs.pk}/" not in going and "Sumy" not in going


def test_without_an_adopted_plan_the_donor_is_told_so(donor):
    page = page_of(donor)
    assert "Where my pledges go" in page and "No plan has been adopted yet." in page


# --- what to offer next ----------------------------------------------------------------------


@pytest.fixture
def gaps(donor_org, recipient):
    """Gaps of the adopted plan: an item the donor holds, one it pledged before, the most
    urgent other one, a less urgent one, one it may not see, one already covered."""
    plan = PlanFactory(state=PlanState.ADOPTED)
    held = ItemTypeFactory(name="Mine detector")
    StockPositionFactory(owner=donor_org, item_type=held)
    given = ItemTypeFactory(name="Field ambulance")
    PledgeFactory(owner=donor_org, item_type=given, state=PledgeState.DELIVERED,
                  release_coordinator=True)

    def gap(name, missing=10, late=0, **need):
        n = NeedFactory(owner=recipient, item_type=ItemTypeFactory(name=name), **need) \
            if name else NeedFactory(owner=recipient, **need)
        Gap.objects.create(plan=plan, need=n, missing=missing, late=late, reasons=[])
        return n

    found = {
        "urgent": gap("Interceptor", priority=Priority.CRITICAL, required_by=in_days(-3)),
        "later": gap("Sandbags", priority=Priority.LOW),
        "hidden": gap("Secret radar", priority=Priority.CRITICAL, release_all_donors=False),
        "covered": gap("Old rifle", priority=Priority.CRITICAL, state=NeedState.COVERED),
    }
    found["held"] = NeedFactory(owner=recipient, item_type=held, priority=Priority.LOW)
    found["given"] = NeedFactory(owner=recipient, item_type=given, priority=Priority.MEDIUM,
                                 required_by=in_days(40))
    Gap.objects.create(plan=plan, need=found["held"], missing=6, late=1.5, reasons=[])
    Gap.objects.create(plan=plan, need=found["given"], missing=4, late=0, reasons=[])
    return found


def test_the_donor_is_told_what_to_offer_next(donor, gaps):
    offers = part(page_of(donor), "offers")
    order = [offers.find(f"/needs/{gaps[k].pk}/") for k in ("held", "given", "urgent", "later")]
    assert -1 not in order and order == sorted(order)
    assert "you hold stock of it" in offers and "you have pledged it before" in offers
    assert "among the most urgent" in offers
    assert ">8<" in offers  # 6 missing and 1.5 late: 7.5, in whole units of the item
    assert words.day(gaps["given"].required_by) in offers
    # A required-by date already past is never the date asked for.
    assert "as soon as possible" in offers
    assert words.day(gaps["urgent"].required_by) not in offers
    # Not the need the donor may not see, nor the one covered since.
    assert f"/needs/{gaps['hidden'].pk}/" not in offers and "Secret radar" not in offers
    assert f"/needs/{gaps['covered'].pk}/" not in offers


def test_a_non_lethal_fund_is_not_asked_for_lethal_goods(gaps):
    fund = OrgOfKindFactory(kind=OrganisationKind.DONOR_ORGANISATION, non_lethal_only=True)
    user = UserFactory(organisation=fund, roles=[Role.DONOR_REPRESENTATIVE])
    lethal = gaps["later"].item_type
    lethal.lethal = True
    lethal.save()
    Gap.objects.filter(need__item_type__name="Interceptor").delete()
    safe = gaps["given"].item_type
    safe.lethal = False
    safe.save()
    offers = part(page_of(user), "offers")
    assert "Sandbags" not in offers and f"/needs/{gaps['given'].pk}/" in offers


def test_the_donor_start_page_reads_a_fixed_number_of_queries(donor, donor_org, gaps,
                                                              recipient):
    item = gaps["held"].item_type
    plan = Plan.objects.get()

    def more(n: int) -> None:
        for _ in range(n):
            need = NeedFactory(owner=recipient, item_type=item)
            Gap.objects.create(plan=plan, need=need, missing=1, late=0, reasons=[])
            allocate(PledgeFactory(owner=donor_org, item_type=item, need=need, quantity=1,
                                   state=PledgeState.ALLOCATED, release_coordinator=True))

    more(1)
    before = queries_for(donor)
    more(5)
    assert queries_for(donor) == before


# --- the administrator -----------------------------------------------------------------------


@pytest.fixture
def admin_user():
    org = OrgOfKindFactory(kind=OrganisationKind.PLATFORM, name="Platform Operations")
    return UserFactory(organisation=org, roles=[Role.ADMINISTRATOR], is_superuser=True,
                       clearance=Classification.PUBLIC)


def test_the_administrator_start_page_links_to_what_it_manages(admin_user):
    page = page_of(admin_user)
    for address in ("/admin/", "/admin/parties/user/", "/admin/parties/apitoken/",
                    "/admin/parties/organisation/", "/admin/parties/region/",
                    "/admin/catalogue/itemtype/", "/admin/logistics/hub/"):
        assert f'href="{address}"' in page, address
    assert "clearinghouse verify-audit" in page
    assert "No plan is being solved now." in page


def test_the_administrator_sees_the_workers_heartbeat(admin_user):
    PlanFactory(state=PlanState.RUNNING, heartbeat_at=timezone.now() - timedelta(seconds=20))
    state = part(page_of(admin_user).replace("<ul", "<table").replace("</ul>", "</table>"),
                 "worker-state")
    assert "Solving a plan now: it last reported" in state and "seconds ago" in state


def test_an_administrator_without_the_admin_site_gets_no_links():
    org = OrgOfKindFactory(kind=OrganisationKind.PLATFORM)
    user = UserFactory(organisation=org, roles=[Role.ADMINISTRATOR], is_staff=False)
    page = page_of(user)
    assert "/admin/parties/user/" not in page and "may not open any section" in page
