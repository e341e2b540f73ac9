"""The permission matrix of DESIGN.md for plans, their allocations and their gaps, through the
planning API. Rows are the users of tests/security/world.py (one per role, all cleared
RESTRICTED); the records are added here on top of that world, without a solve:

    plan_adopted  the adopted plan (coordination command's, RESTRICTED, coordinator only)
    plan_solved   a solved plan beside it, not adopted
    alloc_a       adopted: A's pledge (coordinator only) to the open need, through the hub
    alloc_anon    adopted: A's anonymous pledge (released to all) to the open need
    alloc_b       adopted: B's pledge (coordinator only) to the need released to C only
    alloc_solved  solved plan: A's pledge to the open need
    gap_open      adopted plan's gap of the open need (reasons naming depot, hub and weeks)
    gap_named     adopted plan's gap of the need released to C only
    gap_solved    solved plan's gap of the open need

The open need is in the region of the training command (a recipient unit): its training officer
sees what comes to the region, but not the movement, which only a unit's logistics officers see.

Cells. Plans: "V" in full, "thin" (name, dates, state; no figures), "-" absent (404).
Allocations: "-" absent; else the movement ("M" hub, weeks and dates shown; "V" not) and what
is shown of the source ("d" pledge and donor, "p" the pledge but the donor anonymous, "-"
neither). Gaps: "V" with the solver's reasons, "masked" (generic reasons only), "-" absent.
"""

from datetime import date

import pytest

from clearinghouse.planning.models import Allocation, Gap, Plan, PlanState
from clearinghouse.planning.queries import GENERIC_MESSAGES

from .world import ANON_DEPOT, DONOR_A, ROLE_USERS

MATRIX = """
role \\ record | plan_adopted | plan_solved | alloc_a | alloc_anon | alloc_b | alloc_solved | gap_open | gap_named | gap_solved
coordinator   | V            | V           | M d     | M d        | M d     | M d          | V        | V         | V
auditor       | V            | V           | M d     | M d        | M d     | M d          | V        | V         | V
planner       | thin         | -           | V -     | V p        | V -     | -            | masked   | masked    | -
donor_a       | thin         | -           | M d     | M d        | -       | -            | masked   | -         | -
donor_b       | thin         | -           | -       | -          | M d     | -            | masked   | -         | -
logistics     | thin         | -           | M -     | M -        | M -     | -            | -        | -         | -
training      | thin         | -           | V -     | V p        | -       | -            | masked   | -         | -
admin         | -            | -           | -       | -          | -       | -            | -        | -         | -
"""  # noqa: E501


def _parse(text: str):
    lines = [[c.strip() for c in line.split("|")] for line in text.strip().splitlines()]
    columns = lines[0][1:]
    cells = {(line[0], col): cell for line in lines[1:]
             for col, cell in zip(columns, line[1:], strict=True)}
    return [line[0] for line in lines[1:]], columns, cells


ROLES, COLUMNS, CELLS = _parse(MATRIX)
PLANS = [c for c in COLUMNS if c.startswith("plan_")]
ALLOCATIONS = [c for c in COLUMNS if c.startswith("alloc_")]
GAPS = [c for c in COLUMNS if c.startswith("gap_")]
# Each allocation has a quantity of its own, so that its row can be found where no id is shown,
# and a week of its own: rows that look the same to a reader are summed into one.
QUANTITY = {"alloc_a": 11.0, "alloc_anon": 13.0, "alloc_b": 17.0, "alloc_solved": 19.0}
WEEK = {"alloc_a": 3, "alloc_anon": 5, "alloc_b": 7, "alloc_solved": 9}
LEAKY_REASONS = [{
    "code": "hub_capacity", "message": f"hub rzeszow full in week 3; {ANON_DEPOT} waits",
    "would_close": f"7 units ready at {ANON_DEPOT} via rzeszow by week 2",
    "ask": {"item": "I1", "quantity": 7, "origin": ANON_DEPOT, "hub": "rzeszow", "region": "x"},
}]
SECRETS = ("rzeszow", ANON_DEPOT, DONOR_A)

pytestmark = pytest.mark.django_db


@pytest.fixture
def plans(world) -> dict:
    """The plans, allocations and gaps of the matrix's columns, keyed by column."""
    r, coordinator = world.records, world.users["coordinator"]
    need_open, need_named = r["need_open"], r["need_named_c"]
    need_open.region = world.orgs["training_command"].region
    need_open.save()

    def plan(name, state):
        return Plan.objects.create(
            owner=world.orgs["coordination"], name=name, state=state, start_date=date(2025, 1, 6),
            instance={"name": name}, created_by=coordinator, value=12.5, coverage=0.5,
            bound=13.0, note=f"left out: {DONOR_A}",
        )

    made = {"plan_adopted": plan("Plan Adopted-1", PlanState.ADOPTED),
            "plan_solved": plan("Plan Solved-2", PlanState.SOLVED)}
    for column, plan_key, pledge, need in (
        ("alloc_a", "plan_adopted", r["pledge_a"], need_open),
        ("alloc_anon", "plan_adopted", r["anon_a"], need_open),
        ("alloc_b", "plan_adopted", r["pledge_b"], need_named),
        ("alloc_solved", "plan_solved", r["pledge_a"], need_open),
    ):
        made[column] = Allocation.objects.create(
            plan=made[plan_key], pledge=pledge, need=need, hub=r["hub"], ship_week=WEEK[column],
            arrival_week=WEEK[column] + 1, quantity=QUANTITY[column], value=2.0,
        )
    for column, plan_key, need in (("gap_open", "plan_adopted", need_open),
                                   ("gap_named", "plan_adopted", need_named),
                                   ("gap_solved", "plan_solved", need_open)):
        made[column] = Gap.objects.create(plan=made[plan_key], need=need, missing=5, late=0,
                                          reasons=LEAKY_REASONS)
    return made


def cells(columns):
    return [pytest.param(role, col, id=f"{role}-{col}") for role in ROLES for col in columns]


def test_the_matrix_is_complete_and_well_formed():
    assert list(ROLE_USERS) == ROLES
    assert {CELLS[r, c] for r in ROLES for c in PLANS} <= {"V", "thin", "-"}
    assert {CELLS[r, c] for r in ROLES for c in GAPS} <= {"V", "masked", "-"}
    assert {CELLS[r, c] for r in ROLES for c in ALLOCATIONS} <= {
        "-", "M d", "M p", "M -", "V d", "V p", "V -"}


@pytest.mark.parametrize(("role", "column"), cells(PLANS))
def test_plans(world, plans, reader, role, column):
    cell, plan = CELLS[role, column], plans[column]
    client = reader.as_(world.users[role])
    detail = client.get(f"/api/plans/{plan.pk}/")
    assert detail.status_code == (404 if cell == "-" else 200)
    listed = {p["id"] for p in client.get("/api/plans/").json()["results"]}
    assert (plan.pk in listed) == (cell != "-")
    for part in ("allocations/", "gaps/"):
        assert client.get(f"/api/plans/{plan.pk}/{part}").status_code == (
            404 if cell == "-" else 200)
    full = cell == "V"
    assert client.get(f"/api/plans/{plan.pk}/history/").status_code == (200 if full else 404)
    instance = client.get(f"/api/plans/{plan.pk}/instance/")
    assert instance.status_code == (200 if full else 404)
    if cell == "-":
        assert plan.name not in detail.content.decode()
        return
    body = detail.json()
    assert body["name"] == plan.name and body["figures_shown"] is full
    assert (body["value"], body["bound"]) == ((12.5, 13.0) if full else (None, None))
    if not full:
        assert DONOR_A not in detail.content.decode()  # the note names what was left out


@pytest.mark.parametrize(("role", "column"), cells(ALLOCATIONS))
def test_allocations(world, plans, reader, role, column):
    cell, allocation = CELLS[role, column], plans[column]
    client = reader.as_(world.users[role])
    reply = client.get(f"/api/plans/{allocation.plan_id}/allocations/", {"page_size": 500})
    if reply.status_code == 404:
        assert cell == "-", "the plan is absent"
        return
    found = [row for row in reply.json()["results"] if row["quantity"] == allocation.quantity]
    assert len(found) == (0 if cell == "-" else 1), found
    if cell == "-":
        return
    row, (movement, source) = found[0], cell.split()
    moving = movement == "M"
    assert row["movement_visible"] is moving
    assert (row["id"], row["hub"], row["ship_week"], row["arrival_week"]) == (
        (allocation.pk, allocation.hub_id, WEEK[column], WEEK[column] + 1) if moving
        else (None, None, None, None))
    assert (row["ship_on"] is not None) is moving and (row["fixed"] is not None) is moving
    pledge = allocation.pledge
    assert row["pledge"] == (None if source == "-" else pledge.pk)
    assert row["donor"] == (pledge.owner_id if source == "d" else None)
    assert row["donor_name"] == (pledge.owner.name if source == "d" else "anonymous")

    # Filters find the row only by what is shown of it.
    by_donor = client.get(f"/api/plans/{allocation.plan_id}/allocations/",
                          {"donor": pledge.owner_id}).json()["results"]
    assert any(r["quantity"] == allocation.quantity for r in by_donor) is (source == "d")
    by_pledge = client.get(f"/api/plans/{allocation.plan_id}/allocations/",
                           {"pledge": pledge.pk}).json()["results"]
    assert any(r["quantity"] == allocation.quantity for r in by_pledge) is (source != "-")
    by_hub = client.get(f"/api/plans/{allocation.plan_id}/allocations/",
                        {"hub": allocation.hub_id}).json()["results"]
    assert any(r["quantity"] == allocation.quantity for r in by_hub) is moving
    if source != "d" and not any(CELLS[role, c].endswith("d") for c in ALLOCATIONS):
        assert DONOR_A not in reply.content.decode()


@pytest.mark.parametrize(("role", "column"), cells(GAPS))
def test_gaps(world, plans, reader, role, column):
    cell, gap = CELLS[role, column], plans[column]
    reply = reader.as_(world.users[role]).get(f"/api/plans/{gap.plan_id}/gaps/")
    if reply.status_code == 404:
        assert cell == "-", "the plan is absent"
        return
    found = [g for g in reply.json()["results"] if g["need"] == gap.need_id]
    assert len(found) == (0 if cell == "-" else 1)
    if cell == "V":  # the solver's reasons, each with its code in words beside it
        assert found[0]["reasons"] == [dict(r, code_display="the hubs are full that week")
                                       for r in LEAKY_REASONS]
    elif cell == "masked":
        assert found[0]["reasons"] == [{
            "code": "hub_capacity", "code_display": "the hubs are full that week",
            "message": GENERIC_MESSAGES["hub_capacity"],
            "would_close": "7 more units of item I1, arriving in region x",
            "ask": {"item": "I1", "quantity": 7, "region": "x"},
        }]
    if cell != "V":
        text = reply.content.decode()
        assert not [s for s in SECRETS if s in text]


@pytest.mark.parametrize("role", ROLES)
def test_row_counts(world, plans, reader, role):
    """Counts of allocations and gaps equal what the row of the matrix says is visible."""
    client = reader.as_(world.users[role])
    for plan_column in PLANS:
        plan = plans[plan_column]
        if CELLS[role, plan_column] == "-":
            continue
        for part, columns in (("allocations", ALLOCATIONS), ("gaps", GAPS)):
            expected = sum(1 for c in columns
                           if plans[c].plan_id == plan.pk and CELLS[role, c] != "-")
            count = client.get(f"/api/plans/{plan.pk}/{part}/").json()["count"]
            assert count == expected, (plan_column, part)
