"""The permission matrix of DESIGN.md (rule 4, movement data) for shipments, their lines,
events, receipts and discrepancies, through the shipments API and the shipment's page. Rows are
the users of tests/security/world.py (one per role, all cleared RESTRICTED) and the logistics
officer of the receiving unit; the shipments are added here, without a solve, all through the
world's hub to the open need's region, where the training command (a recipient unit) takes
custody:

    ship_a        donor A's pledge (coordinator only), received, not yet verified
    ship_settled  donor A's, verified and past the movement embargo
    ship_anon     donor A's anonymous pledge, received, not yet verified
    anon_settled  donor A's anonymous pledge, verified and past the embargo
    ship_b        donor B's pledge, received, not yet verified

Each has one line with a receipt, a short discrepancy (open), and its steps: departed (by the
donor's user, at its depot, with a note naming both), at the hub, handed over, received.

Cells: "-" absent (404 on every address, never 403; in no list, count or filter), "M" the full
movement with the donor and its depot, "H" the full movement with the donor hidden (no answer
about the shipment names the donor, its depot or its users). The training officer of the
receiving unit holds no logistics role: like the recipient planner it sees no shipment until
verified and past the embargo.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from clearinghouse.needs.models import Need
from clearinghouse.planning.models import Plan, PlanState
from clearinghouse.security.roles import Classification, Role
from clearinghouse.shipments.models import (
    Discrepancy,
    EventKind,
    Receipt,
    Shipment,
    ShipmentEvent,
    ShipmentLine,
    ShipmentState,
)
from tests.factories import UserFactory

from .world import ANON_DEPOT, DONOR_A, ROLE_USERS

MATRIX = """
role \\ shipment | ship_a | ship_settled | ship_anon | anon_settled | ship_b
coordinator      | M      | M            | M         | M            | M
auditor          | M      | M            | M         | M            | M
planner          | -      | M            | -         | H            | -
donor_a          | M      | M            | M         | M            | -
donor_b          | -      | -            | -         | -            | M
logistics        | M      | M            | H         | H            | M
training         | -      | M            | -         | H            | -
admin            | -      | -            | -         | -            | -
unit_logistics   | M      | M            | H         | H            | M
"""


def _parse(text: str):
    lines = [[c.strip() for c in line.split("|")] for line in text.strip().splitlines()]
    columns = lines[0][1:]
    cells = {(line[0], col): cell for line in lines[1:]
             for col, cell in zip(columns, line[1:], strict=True)}
    return [line[0] for line in lines[1:]], columns, cells


ROLES, COLUMNS, CELLS = _parse(MATRIX)
HUB = "Hub Rzeszow"
# column -> (pledge of the world, origin depot, verified past the embargo). Each depot is named
# once, so that a depot found in an answer tells which shipment leaked.
SHIPMENTS = {
    "ship_a": ("pledge_a", "Depot Alpha-1", False),
    "ship_settled": ("pledge_a", "Depot Alpha-9", True),
    "ship_anon": ("anon_a", ANON_DEPOT, False),
    "anon_settled": ("anon_a", "Depot Zeta-9", True),
    "ship_b": ("pledge_b", "Depot Beta-1", False),
}
PARTS = ("", "lines/", "events/", "discrepancies/")

pytestmark = pytest.mark.django_db


@pytest.fixture
def shipments(world) -> dict:
    """The matrix's shipments (and the receiving unit's logistics officer), by column."""
    r, o, users = world.records, world.orgs, world.users
    unit = o["training_command"]
    users["unit_logistics"] = UserFactory(
        username="u-unit_logistics", organisation=unit, roles=[Role.LOGISTICS_OFFICER],
        clearance=Classification.RESTRICTED)
    need = r["need_open"]
    need.region = unit.region
    need.save()
    plan = Plan.objects.create(owner=o["coordination"], name="Plan Adopted-1",
                               state=PlanState.ADOPTED, start_date=date(2025, 1, 6),
                               instance={}, created_by=users["coordinator"])
    settled_at = timezone.now() - timedelta(days=settings.CLEARINGHOUSE_MOVEMENT_EMBARGO_DAYS + 1)
    today = timezone.localdate()
    made = {}
    for column, (pledge_key, depot, settled) in SHIPMENTS.items():
        pledge = r[pledge_key]
        sender = users["donor_a" if pledge.owner_id == o["donor_a"].pk else "donor_b"]
        shipment = Shipment.objects.create(
            owner=pledge.owner, plan=plan, hub=r["hub"], origin=depot, region=unit.region,
            receiving_unit=unit, anonymous=pledge.anonymous,
            classification=max(pledge.classification, need.classification),
            release_coordinator=True, release_recipient=True,
            state=ShipmentState.VERIFIED if settled else ShipmentState.RECEIVED,
            planned_hub_on=today - timedelta(days=40), planned_arrival_on=today - timedelta(33),
            expected_ready_on=today - timedelta(days=47), expected_hub_on=today - timedelta(40),
            expected_arrival_on=today - timedelta(days=33), created_by=users["coordinator"],
            verified_at=settled_at if settled else None)
        shipment._history_user = sender  # a later change by the donor: its history names it
        shipment.departed_on = today - timedelta(days=45)
        shipment.save()
        line = ShipmentLine.objects.create(
            shipment=shipment, pledge=pledge, need=need, item_type=pledge.item_type,
            quantity=Decimal("10"), shipped=Decimal("10"))
        steps = ((EventKind.DEPARTED, 45, depot, sender, f"Loaded at {depot} by "
                  f"{pledge.owner.name}"),
                 (EventKind.AT_HUB, 40, HUB, users["logistics"], ""),
                 (EventKind.HANDED_OVER, 35, HUB, users["unit_logistics"], ""),
                 (EventKind.RECEIVED, 33, unit.name, users["unit_logistics"], "Two short"))
        for kind, days_ago, place, user, note in steps:
            ShipmentEvent.objects.create(
                shipment=shipment, kind=kind, happened_on=today - timedelta(days=days_ago),
                place=place, user=user, organisation=user.organisation, note=note,
                quantities={str(line.pk): "10"})
        Receipt.objects.create(line=line, accepted=Decimal("8"), short=Decimal("2"),
                               reason="lost_in_transit", received_by=users["unit_logistics"],
                               received_on=today - timedelta(days=33))
        discrepancy = Discrepancy.objects.create(line=line, kind="short", quantity=Decimal("2"),
                                                 reason="lost_in_transit", note="Two short")
        made[column] = (shipment, line, discrepancy)
    return made


def cells():
    return [pytest.param(role, col, id=f"{role}-{col}") for role in ROLES for col in COLUMNS]


def secrets(shipment: Shipment) -> list[str]:
    """What names the shipment's donor: its name, its depot, its user who sent it."""
    sender = "u-donor_a" if shipment.owner.name == DONOR_A else "u-donor_b"
    return [shipment.owner.name, shipment.origin, sender]


def leaked(text: str, words) -> list[str]:
    return [w for w in words if w and w.lower() in text.lower()]


def test_the_matrix_is_complete_and_well_formed():
    assert [*ROLE_USERS, "unit_logistics"] == ROLES
    assert list(SHIPMENTS) == COLUMNS
    assert {CELLS[r, c] for r in ROLES for c in COLUMNS} <= {"-", "M", "H"}
    # The donor is hidden only on the anonymous donor's shipments, and never from the parties
    # who see donors: coordinators, auditors, the donor itself.
    assert {c for (r, c), v in CELLS.items() if v == "H"} == {"ship_anon", "anon_settled"}
    assert all(CELLS[r, c] != "H" for r in ("coordinator", "auditor", "donor_a") for c in COLUMNS)
    # No one outside the movement sees a shipment before it is verified and its embargo passed.
    for column in ("ship_a", "ship_anon", "ship_b"):
        assert CELLS["planner", column] == CELLS["training", column] == "-"


@pytest.mark.parametrize(("role", "column"), cells())
def test_shipments_through_the_api(world, shipments, reader, role, column):
    cell, (shipment, line, discrepancy) = CELLS[role, column], shipments[column]
    client = reader.as_(world.users[role])
    base = f"/api/shipments/{shipment.pk}/"
    problems = []

    def expect(what, ok, detail=""):
        if not ok:
            problems.append(f"{what}: {detail}")

    answers = []
    for part in PARTS:
        reply = client.get(base + part)
        answers.append(reply)
        expect(f"GET {part or 'detail'}", reply.status_code == (404 if cell == "-" else 200),
               reply.status_code)
        expect(f"{part or 'detail'} not cached", "no-store" in reply.get("Cache-Control", ""))
    listed = client.get("/api/shipments/", {"page_size": 500})
    ids = [s["id"] for s in listed.json()["results"]]
    expect("listed", (shipment.pk in ids) is (cell != "-"), ids)
    found = client.get("/api/discrepancies/", {"page_size": 500}).json()["results"]
    expect("discrepancy listed", (discrepancy.pk in [d["id"] for d in found]) is (cell != "-"))
    one = client.get(f"/api/discrepancies/{discrepancy.pk}/")
    answers.append(one)
    expect("discrepancy detail", one.status_code == (404 if cell == "-" else 200),
           one.status_code)
    history = client.get(base + "history/")
    answers.append(history)
    expect("history", history.status_code == (404 if cell == "-" else 200), history.status_code)

    if cell == "-":
        for reply in answers:
            expect("404 body", not leaked(reply.content.decode(), secrets(shipment) + [HUB]),
                   leaked(reply.content.decode(), secrets(shipment) + [HUB]))
        expect("list", shipment.origin not in listed.content.decode(), "names the depot")
    else:
        body = answers[0].json()
        expect("marked", body["classification"] == shipment.classification)
        expect("movement", (body["hub"], body["hub_name"], body["expected_hub_on"]) == (
            shipment.hub_id, HUB, shipment.expected_hub_on.isoformat()), body["hub_name"])
        expect("lines", [(x["id"], x["shipped"], x["receipt"]["short"]) for x in body["lines"]]
               == [(line.pk, 10.0, 2.0)], body["lines"])
        expect("events", [e["kind"] for e in body["events"]] == [
            "departed", "at_hub", "handed_over", "received"])
        expect("open discrepancies", [d["id"] for d in body["discrepancies"]] == [
            discrepancy.pk])
        shown = (body["donor"], body["donor_name"], body["origin"])
        if cell == "M":
            expect("donor", shown == (shipment.owner_id, shipment.owner.name, shipment.origin),
                   shown)
        else:
            expect("donor hidden", shown == (None, "anonymous", None), shown)
            departed = answers[2].json()[0]
            expect("departed step", (departed["user"], departed["organisation"],
                                     departed["place"], departed["note"]) == (None,) * 4,
                   departed)
            for reply in answers:
                words = leaked(reply.content.decode(), secrets(shipment))
                expect(f"leak in {reply.request['PATH_INFO']}", not words, words)
            text = listed.content.decode()
            expect("list leak", shipment.origin not in text, "names the depot")
    assert not problems, f"{role} × {column} should be {cell!r}:\n  " + "\n  ".join(problems)


# The writes a reader may attempt on a shipment it sees (by role; a donor on its own only).
SENDER = {"split", "ready", "depart", "cancel", "delay"}
PERMITTED = {"coordinator": SENDER, "donor_a": SENDER, "donor_b": SENDER,
             "logistics": {"arrive-at-hub", "delay"},
             "unit_logistics": {"hand-over", "receive", "verify"}}
WRITES = ("split", "ready", "depart", "arrive-at-hub", "hand-over", "cancel", "delay",
          "receive", "verify")


@pytest.mark.parametrize(("role", "column"), cells())
def test_actions_on_shipments_are_absent_or_refused(world, shipments, reader, role, column):
    """Writes: an invisible shipment or discrepancy is absent (404); a visible one answers 403
    unless the reader is the party who takes that step, and then the shipment's state or a
    stale version refuses the probe (400 naming ``state``, or 409): nothing changes."""
    cell, (shipment, line, discrepancy) = CELLS[role, column], shipments[column]
    client = reader.as_(world.users[role])
    before = (shipment.state, shipment.version, discrepancy.state, discrepancy.version,
              ShipmentEvent.objects.count(), Shipment.objects.count())
    stale = shipment.version + 5
    bodies = {"split": {"quantities": {str(line.pk): 1}},
              "delay": {"hub_on": (timezone.localdate() + timedelta(days=30)).isoformat()},
              "receive": {"counts": {str(line.pk): {"accepted": 10}}}}
    own = shipment.owner_id == getattr(world.users[role].organisation, "pk", None)
    allowed = PERMITTED.get(role, set()) if own or not role.startswith("donor") else set()
    for write in WRITES:
        reply = client.post(f"/api/shipments/{shipment.pk}/{write}/",
                            {"version": stale, **bodies.get(write, {})}, format="json")
        expected = {404} if cell == "-" else {400, 409} if write in allowed else {403}
        assert reply.status_code in expected, (write, reply.status_code, reply.content)
        if reply.status_code == 400:
            assert list(reply.json()) == ["state"], reply.content
    resolve = client.post(f"/api/discrepancies/{discrepancy.pk}/resolve/",
                          {"version": discrepancy.version + 5, "resolution": "found"},
                          format="json")
    may_resolve = role == "coordinator" or (role.startswith("donor") and own)
    assert resolve.status_code == (404 if cell == "-" else 409 if may_resolve else 403)
    make = client.post("/api/shipments/make/", {}, format="json")
    assert make.status_code == (201 if role == "coordinator" else 403)
    assert make.status_code == 403 or make.json() == []  # the adopted plan has nothing left
    shipment.refresh_from_db()
    discrepancy.refresh_from_db()
    assert (shipment.state, shipment.version, discrepancy.state, discrepancy.version,
            ShipmentEvent.objects.count(), Shipment.objects.count()) == before


@pytest.mark.parametrize("role", ROLES)
def test_counts_and_filters_follow_the_row(world, shipments, reader, role):
    """The list's count and its filters by hub, need, state and donor find exactly what the
    row shows: a hidden donor found by no filter."""
    client = reader.as_(world.users[role])
    seen = {c for c in COLUMNS if CELLS[role, c] != "-"}

    def found(**query) -> set[str]:
        rows = client.get("/api/shipments/", {"page_size": 500, **query}).json()["results"]
        by_id = {shipments[c][0].pk: c for c in COLUMNS}
        return {by_id[r["id"]] for r in rows}

    assert client.get("/api/shipments/").json()["count"] == len(seen)
    assert found() == seen
    assert found(hub=world.records["hub"].pk) == seen
    # By need: only among the needs the reader sees (the hub's operator does not see it).
    need = world.records["need_open"]
    knows = Need.objects.visible_to(world.users[role]).filter(pk=need.pk).exists()
    assert found(need=need.pk) == (seen if knows else set())
    assert found(state="received") == {c for c in seen if not SHIPMENTS[c][2]}
    donor_a = world.orgs["donor_a"].pk
    assert found(donor=donor_a) == {c for c in seen if CELLS[role, c] == "M"
                                    and shipments[c][0].owner_id == donor_a}
    opened = client.get("/api/discrepancies/", {"state": "open"}).json()["count"]
    assert opened == len(seen)


@pytest.mark.parametrize(("role", "column"), cells())
def test_the_shipment_page(world, shipments, admin_client_for, role, column):
    """The shipment's page: 404 where the shipment is absent, naming nothing of it; 200 where
    visible, never naming a hidden donor, its depot or its users."""
    cell, (shipment, _, _) = CELLS[role, column], shipments[column]
    reply = admin_client_for(world.users[role]).get(f"/shipments/{shipment.pk}/")
    text = reply.content.decode()
    if cell == "-":
        assert reply.status_code == 404
        assert not leaked(text, secrets(shipment) + [HUB])
        return
    assert reply.status_code == 200
    if cell == "H":
        assert not leaked(text, secrets(shipment)), leaked(text, secrets(shipment))
