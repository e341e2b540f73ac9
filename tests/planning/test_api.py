"""The planning API: plans run through the API and solved by the real worker, adopted, refused
when stale, varied and compared; and what each role sees of a plan, its allocations and its
gaps (DESIGN.md, who sees what: rules 3 anonymous donors, 4 movement data, 6 absent = 404)."""

from __future__ import annotations

import json

import pytest

from clearinghouse.core.lifecycle import transition
from clearinghouse.core.words import word
from clearinghouse.needs.models import Need, NeedState
from clearinghouse.planning.models import Gap, Plan, PlanState
from clearinghouse.planning.queries import GENERIC_MESSAGES, OTHER_MESSAGE
from clearinghouse.pledges.models import PLEDGE_LIFECYCLE, Pledge
from clearinghouse.security.roles import Classification
from tests.factories import NeedFactory, OrganisationFactory, UserFactory
from tests.planning.world import run_worker

# The worker closes its connection between tasks (as a worker process should): on PostgreSQL
# that ends a test transaction, so these tests commit and are flushed after.
pytestmark = pytest.mark.django_db(transaction=True)

MOVEMENT = ("hub", "hub_code", "ship_week", "arrival_week", "ship_on", "arrive_on", "fixed")


def run_plan(api, user, capture, **body) -> dict:
    """POST /api/plans/, let the real worker solve it, and read it back."""
    with capture(execute=True):
        reply = api.as_(user).post("/api/plans/", body, format="json")
    assert reply.status_code == 202, reply.json()
    assert reply.json()["state"] == PlanState.QUEUED
    run_worker()
    plan = api.as_(user).get(f"/api/plans/{reply.json()['id']}/").json()
    assert plan["state"] == PlanState.SOLVED, plan["error"]
    return plan


def adopt(api, user, plan: dict) -> dict:
    reply = api.as_(user).post(f"/api/plans/{plan['id']}/adopt/", {"version": plan["version"]},
                               format="json")
    assert reply.status_code == 200, reply.json()
    return reply.json()


def rows(api, user, plan_id: int, **params) -> list[dict]:
    reply = api.as_(user).get(f"/api/plans/{plan_id}/allocations/",
                              {"page_size": 500, **params})
    assert reply.status_code == 200, reply.content
    body = reply.json()
    assert body["count"] == len(body["results"])
    return body["results"]


@pytest.fixture
def adopted(world, api, django_capture_on_commit_callbacks) -> dict:
    # The Polish pledge (anonymous) is released to the recipient and to all donors, so that
    # they see its goods but never its donor.
    Pledge.objects.filter(pk=world.pol.pk).update(release_recipient=True,
                                                  release_all_donors=True)
    plan = run_plan(api, world.coordinator, django_capture_on_commit_callbacks)
    return adopt(api, world.coordinator, plan)


# -- running, adopting, refusing -------------------------------------------------------------

def test_run_and_adopt_a_plan_through_the_api(world, api, django_capture_on_commit_callbacks):
    c = world.coordinator
    plan = run_plan(api, c, django_capture_on_commit_callbacks, name="March plan",
                    horizon_weeks=26, time_limit_s=30, gap_target=0.001)
    assert plan["name"] == "March plan" and plan["horizon_weeks"] == 26
    assert plan["kind"] == "plan" and plan["figures_shown"] is True
    assert plan["status"] and plan["value"] <= plan["bound"] + 1e-9
    # the codes kept, their words beside them (core/words.py)
    assert plan["status_display"] == word("solver_status", plan["status"])
    assert plan["status_display"] != plan["status"] and "_" not in plan["status_display"]
    assert plan["state_display"] and plan["kind_display"] == "plan"
    assert plan["ratio_to_greedy"] == pytest.approx(plan["value"] / plan["greedy_value"])
    assert plan["created_by"] == c.username
    listed = api.as_(c).get("/api/plans/", {"state": "solved", "kind": "plan"}).json()
    assert [p["id"] for p in listed["results"]] == [plan["id"]]
    assert api.as_(c).get("/api/plans/", {"state": "adopted"}).json()["count"] == 0

    stale = api.as_(c).post(f"/api/plans/{plan['id']}/adopt/", {"version": plan["version"] - 1},
                            format="json")
    assert stale.status_code == 409 and "version" in stale.json()
    done = api.as_(c).post(f"/api/plans/{plan['id']}/adopt/",
                           HTTP_IF_MATCH=f'"{plan["version"]}"')
    assert done.status_code == 200, done.json()
    assert done.json()["state"] == "adopted" and done.json()["adopted_by"] == c.username
    assert Need.objects.get(pk=world.critical.pk).state == NeedState.COVERED
    again = api.as_(c).post(f"/api/plans/{plan['id']}/adopt/", {"version": done.json()["version"]},
                            format="json")
    assert again.status_code == 409 and "state" in again.json()
    history = api.as_(c).get(f"/api/plans/{plan['id']}/history/").json()
    assert any(ch["field"] == "state" and ch["after"] == "adopted"
               for e in history for ch in e["changes"])


def test_bad_input_is_refused_naming_the_field(world, api):
    c = api.as_(world.coordinator)
    for body, field in (({"horizon_weeks": 0}, "horizon_weeks"),
                        ({"time_limit_s": 0}, "time_limit_s"),
                        ({"gap_target": 1.5}, "gap_target"),
                        ({"horizon_weeks": "soon"}, "horizon_weeks"),
                        ({"start": "next tuesday"}, "start")):
        reply = c.post("/api/plans/", body, format="json")
        assert reply.status_code == 400 and field in reply.json(), (body, reply.json())
    assert not Plan.objects.exists()
    assert c.get("/api/plans/", {"state": "dreaming"}).status_code == 400


def test_a_stale_snapshot_is_refused_naming_the_plan(world, api,
                                                      django_capture_on_commit_callbacks):
    plan = run_plan(api, world.coordinator, django_capture_on_commit_callbacks)
    transition(Pledge.objects.get(pk=world.pol.pk), PLEDGE_LIFECYCLE, "withdraw")
    reply = api.as_(world.coordinator).post(f"/api/plans/{plan['id']}/adopt/",
                                            {"version": plan["version"]}, format="json")
    assert reply.status_code == 400 and "plan" in reply.json()
    assert Plan.objects.get(pk=plan["id"]).state == PlanState.SOLVED


def test_what_if_and_compare(world, api, django_capture_on_commit_callbacks):
    c = api.as_(world.coordinator)
    plan = run_plan(api, world.coordinator, django_capture_on_commit_callbacks)
    bad = c.post(f"/api/plans/{plan['id']}/what-if/",
                 {"changes": [{"kind": "close_hub", "hub": "nowhere"}]}, format="json")
    assert bad.status_code == 400 and "changes[0].hub" in bad.json()
    assert c.post(f"/api/plans/{plan['id']}/what-if/", {"changes": []},
                  format="json").status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        reply = c.post(f"/api/plans/{plan['id']}/what-if/",
                       {"changes": [{"kind": "withdraw_donor", "donor": "POL"}],
                        "name": "Without Poland"}, format="json")
    assert reply.status_code == 202, reply.json()
    what_if = reply.json()
    assert (what_if["kind"], what_if["base"], what_if["name"]) == ("what_if", plan["id"],
                                                                   "Without Poland")
    run_worker()
    assert c.get(f"/api/plans/{what_if['id']}/").json()["state"] == "solved"
    result = c.get(f"/api/plans/{plan['id']}/compare/{what_if['id']}/").json()
    low = next(r for r in result["needs"] if r["need"] == world.low.pk)
    assert (low["base_allocated"], low["other_allocated"]) == (pytest.approx(70),
                                                               pytest.approx(20))
    assert result["losers"] == 1 and result["gainers"] == 0
    assert c.get(f"/api/plans/{plan['id']}/compare/987654/").status_code == 404
    # A what-if is for comparison only.
    version = c.get(f"/api/plans/{what_if['id']}/").json()["version"]
    refused = c.post(f"/api/plans/{what_if['id']}/adopt/", {"version": version}, format="json")
    assert refused.status_code == 400 and "kind" in refused.json()
    instance = c.get(f"/api/plans/{plan['id']}/instance/").json()
    assert instance["format"] == "clearinghouse-instance/1" and instance["hubs"]


def test_plan_rules_pin_forbid_and_lift(world, api, django_capture_on_commit_callbacks):
    c = api.as_(world.coordinator)
    plan = run_plan(api, world.coordinator, django_capture_on_commit_callbacks)
    forbid = {"kind": "forbid", "pledge": world.deu.pk, "need": world.low.pk, "note": "east"}
    made = c.post("/api/plan-rules/", forbid, format="json")
    assert made.status_code == 201, made.json()
    assert (made.json()["pledge"], made.json()["need"], made.json()["active"]) == (
        world.deu.pk, world.low.pk, True)
    twice = c.post("/api/plan-rules/", forbid, format="json")
    assert twice.status_code == 400 and "need" in twice.json()
    missing = c.post("/api/plan-rules/", {"kind": "forbid", "pledge": world.deu.pk},
                     format="json")
    assert missing.status_code == 400 and "need" in missing.json()
    assert c.post("/api/plan-rules/", {"kind": "pin"}, format="json").json().keys() == {
        "allocation"}
    nowhere = c.post("/api/plan-rules/", {"kind": "pin", "allocation": 987654}, format="json")
    assert nowhere.status_code == 400 and "allocation" in nowhere.json()

    allocation = next(r for r in rows(api, world.coordinator, plan["id"], need=world.critical.pk)
                      if r["pledge"] == world.deu.pk)
    pin = c.post("/api/plan-rules/", {"kind": "pin", "allocation": allocation["id"]},
                 format="json")
    assert pin.status_code == 201, pin.json()
    assert pin.json()["hub"] == world.hub.pk and pin.json()["ship_on"] == allocation["ship_on"]
    assert c.get("/api/plan-rules/", {"kind": "pin"}).json()["count"] == 1

    rule = pin.json()
    stale = c.post(f"/api/plan-rules/{rule['id']}/lift/", {"version": rule["version"] + 1},
                   format="json")
    assert stale.status_code == 409
    lifted = c.post(f"/api/plan-rules/{rule['id']}/lift/", {"version": rule["version"]},
                    format="json")
    assert lifted.status_code == 200 and lifted.json()["active"] is False
    assert c.get("/api/plan-rules/", {"active": True}).json()["count"] == 1


# -- who may do what: writes -------------------------------------------------------------------

def test_others_get_403_on_writes_and_404_on_plans_they_cannot_see(
    world, api, django_capture_on_commit_callbacks, adopted
):
    solved = run_plan(api, world.coordinator, django_capture_on_commit_callbacks)
    rule = api.as_(world.coordinator).post(
        "/api/plan-rules/", {"kind": "forbid", "pledge": world.deu.pk, "need": world.low.pk},
        format="json").json()
    for user in (world.deu_rep, world.pol_rep, world.planner, world.hub_operator,
                 world.east_unit):
        client = api.as_(user)
        assert client.post("/api/plans/", {}, format="json").status_code == 403
        # The solved plan is absent for them, whatever they ask of it.
        for path in ("", "allocations/", "gaps/", "instance/", "history/",
                     f"compare/{adopted['id']}/"):
            assert client.get(f"/api/plans/{solved['id']}/{path}").status_code == 404, path
        for path in ("adopt/", "what-if/"):
            reply = client.post(f"/api/plans/{solved['id']}/{path}",
                                {"changes": [{"kind": "withdraw_donor", "donor": "POL"}]},
                                format="json")
            assert reply.status_code == 404, path
        # The adopted plan they take part in is visible, but not theirs to change.
        assert client.post(f"/api/plans/{adopted['id']}/adopt/").status_code == 403
        assert client.post(f"/api/plans/{adopted['id']}/what-if/",
                           {"changes": [{"kind": "withdraw_donor", "donor": "POL"}]},
                           format="json").status_code == 403
        assert client.get(f"/api/plans/{adopted['id']}/instance/").status_code == 404
        assert client.get(f"/api/plan-rules/{rule['id']}/").status_code == 404
        assert client.post(f"/api/plan-rules/{rule['id']}/lift/").status_code == 404
    forbid = {"kind": "forbid", "pledge": world.deu.pk, "need": world.critical.pk}
    assert api.as_(world.deu_rep).post("/api/plan-rules/", forbid,
                                       format="json").status_code == 403
    assert Plan.objects.count() == 2 and not Plan.objects.filter(kind="what_if").exists()


# -- who sees what: plans and allocations ------------------------------------------------------

def test_the_adopted_plan_is_seen_thin_by_those_who_take_part(world, api, adopted):
    outsider = UserFactory(organisation=OrganisationFactory(code="FRA", iso3="FRA"))
    for user in (world.deu_rep, world.pol_rep, world.planner, world.hub_operator,
                 world.east_unit):
        body = api.as_(user).get(f"/api/plans/{adopted['id']}/").json()
        assert body["figures_shown"] is False and body["state"] == "adopted"
        assert body["name"] == adopted["name"]
        assert all(body[f] is None for f in ("value", "coverage", "bound", "gap", "stats",
                                            "note", "left_out", "created_by", "changes",
                                            "error", "status", "status_display"))
        assert body["state_display"] == "adopted"
        listed = api.as_(user).get("/api/plans/").json()
        assert [p["id"] for p in listed["results"]] == [adopted["id"]]
        assert api.as_(user).get(f"/api/plans/{adopted['id']}/compare/{adopted['id']}/"
                                 ).status_code == 404
    assert api.as_(outsider).get(f"/api/plans/{adopted['id']}/").status_code == 404
    assert api.as_(outsider).get(f"/api/plans/{adopted['id']}/allocations/").status_code == 404
    assert api.as_(world.coordinator).get(f"/api/plans/{adopted['id']}/").json()["value"]


def _sources(world, user_rows) -> set[str]:
    return {("deu" if r["pledge"] == world.deu.pk else "pol" if r["pledge"] == world.pol.pk
             else "fund" if r["fund"] == world.fund.pk else "hidden") for r in user_rows}


def test_who_sees_which_allocations_and_their_movement(world, api, adopted):
    plan = adopted["id"]
    every = rows(api, world.coordinator, plan)
    assert _sources(world, every) == {"deu", "pol", "fund"}
    assert all(r["movement_visible"] and r["id"] and r["hub"] == world.hub.pk
               and r["ship_week"] and r["ship_on"] for r in every)
    assert {r["donor"] for r in every} == {world.deu.owner_id, world.pol.owner_id}
    total = sum(r["quantity"] for r in every)

    # The sending donor: its own pledge and fund only, with the movement.
    deu = rows(api, world.deu_rep, plan)
    assert _sources(world, deu) == {"deu", "fund"}
    assert all(r["movement_visible"] and r["hub_code"] == "rze" and r["arrive_on"]
               and r["donor"] == world.deu.owner_id for r in deu)
    pol = rows(api, world.pol_rep, plan)
    assert _sources(world, pol) == {"pol"} and all(r["movement_visible"] for r in pol)
    assert {r["donor"] for r in pol} == {world.pol.owner_id}

    # The hub operator: everything through its hub, with movement, but no pledge or donor.
    hub = rows(api, world.hub_operator, plan)
    assert sum(r["quantity"] for r in hub) == pytest.approx(total)
    assert all(r["movement_visible"] and r["ship_week"] for r in hub)
    # It sees no pledge, no need: no donor, and no value (it would tell of the need).
    assert {(r["pledge"], r["donor"], r["need"], r["value"]) for r in hub} == {
        (None, None, None, None)}

    # The recipient planner: what goes to its needs, never the movement.
    planner = rows(api, world.planner, plan)
    assert sum(r["quantity"] for r in planner) == pytest.approx(total)
    for r in planner:
        assert r["movement_visible"] is False and r["id"] is None
        assert all(r[f] is None for f in MOVEMENT), r

    # The receiving unit in the east: movement of what arrives in the east only.
    east = rows(api, world.east_unit, plan)
    assert sum(r["quantity"] for r in east) == pytest.approx(total)
    for r in east:
        in_east = r["need"] != world.low.pk
        assert r["movement_visible"] is in_east and (r["ship_week"] is not None) is in_east


def test_without_movement_a_pledges_split_into_weeks_is_one_row(world, api, adopted):
    expected = {}
    for r in rows(api, world.coordinator, adopted["id"], need=world.low.pk):
        # The planner sees the Polish pledge (released to it); the others are not visible.
        shown = r["pledge"] if r["pledge"] == world.pol.pk else None
        expected[shown] = expected.get(shown, 0) + r["quantity"]
    planner = rows(api, world.planner, adopted["id"], need=world.low.pk)
    assert len(planner) == len(expected)
    assert {r["pledge"]: r["quantity"] for r in planner} == pytest.approx(expected)
    # Filters by movement find nothing for a reader who may not see it.
    assert rows(api, world.planner, adopted["id"], hub=world.hub.pk) == []
    assert rows(api, world.planner, adopted["id"], fixed=False) == []


def test_the_anonymous_donor_is_never_revealed(world, api, adopted):
    pol_org = world.pol.owner_id
    plan = adopted["id"]
    coordinator = rows(api, world.coordinator, plan, donor=pol_org)
    assert coordinator and {r["pledge"] for r in coordinator} == {world.pol.pk}
    for user in (world.planner, world.east_unit, world.deu_rep, world.hub_operator):
        client = api.as_(user)
        seen = rows(api, user, plan)
        assert pol_org not in {r["donor"] for r in seen}
        for r in seen:
            if r["pledge"] == world.pol.pk:
                assert r["donor"] is None and r["donor_name"] == "anonymous"
        assert rows(api, user, plan, donor=pol_org) == []
        text = client.get(f"/api/plans/{plan}/allocations/").content.decode()
        assert "Poland" not in text
    # The recipient sees the goods of the anonymous pledge: filtering by it finds them, never
    # its donor; another donor sees no allocation of it at all.
    planner = rows(api, world.planner, plan, pledge=world.pol.pk)
    assert planner and {r["donor"] for r in planner} == {None}
    assert rows(api, world.deu_rep, plan, pledge=world.pol.pk) == []
    assert rows(api, world.pol_rep, plan, donor=pol_org)


# -- who sees what: gaps -----------------------------------------------------------------------

LEAKY = [
    {"code": "hub_capacity", "message": "hub rze exhausted in weeks 3, 4 (POL depot 1)",
     "would_close": {"item": "I7", "quantity": 30, "region": "west", "arrival_week": 6,
                     "hub": "rze", "origin": "POL depot 1", "ship_week": 5},
     "ask": {"item": "I7", "family": None, "quantity": 30, "ready_by_week": 4, "region": "west",
             "origin": "POL depot 1", "hub": "rze", "need": "N999", "donor": "POL"}},
    {"code": "taken_by_higher_value", "message": "compatible supply is allocated to N999",
     "would_close": "30 units ready at POL depot 1 via rze by week 4"},
    {"code": "<b>new code</b>", "message": "a message of a code the API does not know"},
    # As the solver writes them (planning/solver/explain/unmet.py): text naming depot, hub and
    # weeks.
    {"code": "too_late", "message": "pledge P9 from POL depot 1 arrives in week 12",
     "would_close": "30 more of item I7 ready at depot POL depot 1 by week 4 (route to hub rze "
                    "1 week, handled there in week 5, delivery to region west 1 week)",
     "ask": {"kind": "supply", "need": "N999", "priority": "low", "item": "I7", "family": None,
             "region": "west", "due_week": 9, "quantity": 30.0, "ready_by_week": 4,
             "origin": "POL depot 1", "hub": "rze", "ship_week": 5, "arrival_week": 6,
             "route_weeks": 1, "delivery_weeks": 1, "pallets": 3.0},
     "earliest_arrival_week": 12},
    {"code": "hub_capacity", "message": "hub rze is full in weeks 2-5",
     "would_close": "3 pallets more handling at hub rze in any week 2 to 5",
     "ask": {"kind": "capacity", "need": "N999", "item": "I7", "region": "west", "due_week": 9,
             "quantity": 30, "hub": "rze", "pallets": 3, "first_week": 2, "last_week": 5}},
]


def codes_said(reasons: list, keep: bool = False) -> list:
    """The reasons without their ``code_display``, once it is checked to be the code's words
    (core/words.py), never the code itself."""
    for r in reasons:
        assert r["code_display"] == word("reason", r["code"]) and "_" not in r["code_display"]
    return reasons if keep else [{k: v for k, v in r.items() if k != "code_display"}
                                 for r in reasons]


def test_gaps_are_masked_for_all_but_coordinators(world, api, adopted):
    plan = Plan.objects.get(pk=adopted["id"])
    Gap.objects.filter(plan=plan, need=world.low).update(reasons=LEAKY)
    # A need above every reader's clearance but the coordinator's: its gap is absent for them.
    hidden = NeedFactory(owner=world.low.owner, item_type=world.shells, region=world.low.region,
                         classification=Classification.CONFIDENTIAL)
    Gap.objects.create(plan=plan, need=hidden, missing=5, late=0, reasons=LEAKY[:1])
    url = f"/api/plans/{plan.pk}/gaps/"

    full = api.as_(world.coordinator).get(url).json()["results"]
    assert hidden.pk in {g["need"] for g in full}
    low = next(g for g in full if g["need"] == world.low.pk)
    assert codes_said(low["reasons"]) == LEAKY and low["missing"] == pytest.approx(30)

    for user in (world.planner, world.deu_rep, world.east_unit):
        reply = api.as_(user).get(url, {"page_size": 500})
        gaps = reply.json()["results"]
        assert hidden.pk not in {g["need"] for g in gaps}
        low = next(g for g in gaps if g["need"] == world.low.pk)
        codes = [r["code"] for r in low["reasons"]]
        assert codes == ["hub_capacity", "taken_by_higher_value", "other", "too_late",
                         "hub_capacity"]
        assert [r["message"] for r in low["reasons"]] == [
            GENERIC_MESSAGES[c] if c != "other" else OTHER_MESSAGE for c in codes]
        assert all(set(r) == {"code", "code_display", "message", "would_close", "ask"}
                   for r in codes_said(low["reasons"], keep=True))
        first = low["reasons"][0]
        assert first["would_close"] == {"item": "I7", "quantity": 30, "region": "west",
                                        "arrival_week": 6}
        assert first["ask"] == {"item": "I7", "quantity": 30, "ready_by_week": 4,
                                "region": "west"}
        assert low["reasons"][1]["would_close"] is None
        late = low["reasons"][3]
        assert late["ask"] == {"kind": "supply", "priority": "low", "item": "I7",
                               "region": "west", "due_week": 9, "quantity": 30.0,
                               "ready_by_week": 4, "arrival_week": 6}
        assert late["would_close"] == "30 more units of item I7, arriving in region west by week 6"
        assert low["reasons"][4]["ask"] == {"kind": "capacity", "item": "I7", "region": "west",
                                            "due_week": 9, "quantity": 30}
        text = reply.content.decode()
        for secret in ("rze", "depot", "N999", "POL", "<b>"):
            assert secret not in text, secret
    # The hub operator sees no need, so no gap; no one else sees gaps of a plan not adopted.
    assert api.as_(world.hub_operator).get(url).json()["count"] == 0


def test_ask_list_for_everyone_over_the_needs_they_see(world, api,
                                                      django_capture_on_commit_callbacks):
    from clearinghouse.planning import services

    assert api.as_(world.deu_rep).get("/api/ask-list/").json()["results"] == []
    with django_capture_on_commit_callbacks(execute=True):
        plan = services.run_plan(world.coordinator)
    run_worker()
    plan.refresh_from_db()
    services.adopt_plan(world.coordinator, plan, plan.version)
    # A donor with nothing in the plan is asked too: the low need's gap, reasons masked.
    other = UserFactory(organisation=OrganisationFactory(code="NLD"),
                        roles=["donor_representative"])
    rows = api.as_(other).get("/api/ask-list/").json()["results"]
    assert [r["need"] for r in rows] == [world.low.pk]
    assert {r["code"] for r in rows[0]["reasons"]} <= set(GENERIC_MESSAGES) | {"other"}
    assert all(r["message"] in GENERIC_MESSAGES.values() or r["message"] == OTHER_MESSAGE
               for r in rows[0]["reasons"])
    assert "rze" not in json.dumps(rows)
    # Only those who see plans in full may pick one.
    assert api.as_(other).get(f"/api/ask-list/?plan={plan.pk}").status_code == 404
    mine = api.as_(world.coordinator).get(f"/api/ask-list/?plan={plan.pk}").json()["results"]
    assert [r["need"] for r in mine] == [world.low.pk]
    assert codes_said(mine[0]["reasons"]) == plan.gaps.get().reasons
    assert mine[0]["reasons_display"] == "What was offered went to more urgent needs."


def test_allocations_of_a_pledge_above_the_readers_clearance_are_absent(world, api, adopted):
    """Clearance first (DESIGN.md, rule 1): an allocation tells of its pledge (or fund), so a
    reader cleared below that record's classification sees nothing of it, its movement least
    of all, even as its donor, its hub or its need's owner."""
    plan = adopted["id"]
    every = rows(api, world.coordinator, plan)
    german = sum(r["quantity"] for r in every if r["pledge"] == world.deu.pk)
    assert german > 0
    readers = (world.hub_operator, world.planner, world.east_unit)
    before = {u.pk: sum(r["quantity"] for r in rows(api, u, plan)) for u in readers}
    assert _sources(world, rows(api, world.deu_rep, plan)) == {"deu", "fund"}

    Pledge.objects.filter(pk=world.deu.pk).update(classification=Classification.CONFIDENTIAL)
    assert api.as_(world.deu_rep).get(f"/api/pledges/{world.deu.pk}/").status_code == 404
    assert _sources(world, rows(api, world.deu_rep, plan)) == {"fund"}
    for reader in readers:
        after = sum(r["quantity"] for r in rows(api, reader, plan))
        assert after == pytest.approx(before[reader.pk] - german)
    # cleared high enough, the same records are seen again (the coordinator's whole plan)
    assert sum(r["quantity"] for r in rows(api, world.coordinator, plan)) == pytest.approx(
        sum(r["quantity"] for r in every))
