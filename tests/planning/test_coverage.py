"""A need's coverage (planning/queries.py): what the adopted plan brings it by its required-by
date and after, then the goods pledges no plan uses yet, each over what the reader sees
(DESIGN.md, rule 5). Issue 14, finding 13: the recipient's bar counted only the pledges it may
see, so a need its state called covered showed "covered 0, missing 2 of 2"."""

import pytest

from clearinghouse.planning.models import Plan, PlanState
from clearinghouse.planning.queries import coverage_for
from clearinghouse.pledges.models import PledgeState
from clearinghouse.security.roles import Classification
from tests.conftest import client_for
from tests.factories import NeedFactory, PlanFactory, PledgeFactory, allocate

pytestmark = pytest.mark.django_db


@pytest.fixture
def need(recipient, coordinator, donor_org, other_donor):
    need = NeedFactory(owner=recipient, quantity=100)
    adopted = PlanFactory(owner=coordinator.organisation, state=PlanState.ADOPTED)
    old = PlanFactory(owner=coordinator.organisation, state=PlanState.SUPERSEDED)

    def pledge(owner, qty, state=PledgeState.ALLOCATED, **kw):
        return PledgeFactory(owner=owner, need=need, item_type=need.item_type, quantity=qty,
                             state=state, **kw)

    ours = pledge(donor_org, 40)
    theirs = pledge(other_donor.organisation, 20)
    secret = pledge(other_donor.organisation, 5, classification=Classification.CONFIDENTIAL)
    allocate(ours, quantity=30, plan=adopted)
    allocate(ours, quantity=10.0000001, on_time=False, plan=adopted)  # solver noise
    allocate(theirs, plan=adopted)
    allocate(secret, plan=adopted)
    allocate(theirs, quantity=50, plan=old)  # a superseded plan covers nothing
    pledge(donor_org, 15, PledgeState.ACCEPTED)
    pledge(other_donor.organisation, 10, PledgeState.OFFERED)
    pledge(donor_org, 99, PledgeState.WITHDRAWN)
    PledgeFactory(owner=donor_org, kind="funding", item_type=None, quantity=None,
                  amount_eur=1000, need=need, state=PledgeState.ACCEPTED)
    return need


def parts(c) -> tuple:
    return (c.covered, c.late, c.accepted, c.pledged, c.missing)


def test_the_coordinator_sees_every_part(need, coordinator):
    c = coverage_for([need], coordinator)[need.pk]
    assert parts(c) == (55, 10, 15, 10, 10)
    assert c.share("covered") == 55.0


def test_the_recipient_sees_what_the_plan_brings_its_need_but_no_pledge(need, planner):
    # It sees the allocations to its needs (not the CONFIDENTIAL pledge's: above its
    # clearance), and none of the pledges.
    assert parts(coverage_for([need], planner)[need.pk]) == (50, 10, 0, 0, 40)


def test_a_donor_counts_only_its_own_allocations_and_the_pledges_it_sees(need, donor):
    assert parts(coverage_for([need], donor)[need.pk]) == (30, 10, 15, 0, 45)


def test_the_need_page_says_what_arrives_late(need, planner):
    page = client_for(planner).get(f"/needs/{need.pk}/").content.decode()
    assert '<td class="num" data-part="covered">50</td>' in page
    assert '<td class="num" data-part="late">10</td>' in page
    assert "10 of the planned units arrive after the required-by date" in page
    assert "planned late 10" in page  # the bar's label


def test_without_an_adopted_plan_nothing_is_covered(need, coordinator):
    Plan.objects.filter(state=PlanState.ADOPTED).update(state=PlanState.SUPERSEDED)
    assert parts(coverage_for([need], coordinator)[need.pk]) == (0, 0, 15, 10, 75)
    page = client_for(coordinator).get(f"/needs/{need.pk}/").content.decode()
    assert "No plan has been adopted yet" in page and "coverage-late" not in page


def test_what_is_counted_raises_the_banner(recipient, planner, donor_org):
    """A COALITION need that the plan covers from a RESTRICTED pledge the recipient may not
    see: its coverage counts that pledge's units, so the pages showing it are RESTRICTED."""
    from tests.conftest import banner

    need = NeedFactory(owner=recipient, quantity=4, classification=Classification.COALITION)
    hidden = PledgeFactory(owner=donor_org, need=need, item_type=need.item_type, quantity=4,
                           release_recipient=False, state=PledgeState.ALLOCATED)
    reader = client_for(planner)
    assert banner(reader.get(f"/needs/{need.pk}/")) == Classification.COALITION
    assert banner(reader.get("/")) == Classification.COALITION
    allocate(hidden)
    page = reader.get(f"/needs/{need.pk}/")
    assert '<td class="num" data-part="covered">4</td>' in page.content.decode()
    assert banner(page) == Classification.RESTRICTED
    assert banner(reader.get("/")) == Classification.RESTRICTED


def test_the_api_gives_each_reader_the_coverage_it_may_see(need, coordinator, planner, donor,
                                                           api):
    def read(user, url):
        api.force_authenticate(user)
        reply = api.get(url)
        assert reply.status_code == 200, reply.content
        return reply.json()

    row = read(planner, f"/api/coverage/{need.pk}/")
    assert {k: row[k] for k in ("need", "quantity", "covered", "late", "accepted", "pledged",
                                "missing")} == {"need": need.pk, "quantity": 100, "covered": 50,
                                                "late": 10, "accepted": 0, "pledged": 0,
                                                "missing": 40}
    assert row["classification"] == Classification.RESTRICTED  # the pledges counted
    listed = read(donor, "/api/coverage/?state=" + need.state)["results"]
    assert [(r["need"], r["covered"], r["accepted"]) for r in listed] == [(need.pk, 30, 15)]
    assert read(coordinator, f"/api/coverage/{need.pk}/")["covered"] == 55
    # A need the reader may not see is absent, as from /api/needs/.
    hidden = NeedFactory(release_all_donors=False)
    api.force_authenticate(donor)
    assert api.get(f"/api/coverage/{hidden.pk}/").status_code == 404
    assert hidden.pk not in [r["need"] for r in read(donor, "/api/coverage/")["results"]]
