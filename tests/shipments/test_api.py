"""Every action of a shipment's journey through the API, with its rules: made from the adopted
plan, split, moved leg by leg by the party who takes each step, received, verified, its
discrepancies resolved. Bad input is refused naming its field or JSON path, with nothing
changed; a visible shipment one may not act on is refused (403), an invisible one is absent
(404, never 403)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from clearinghouse.pledges.models import Pledge, PledgeState
from clearinghouse.shipments import services
from clearinghouse.shipments.models import (
    Discrepancy,
    Receipt,
    Shipment,
    ShipmentEvent,
    ShipmentLine,
)

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def made(world, adopted) -> dict[str, Shipment]:
    """The adopted plan's shipments: Germany's to the east (a unit with a logistics officer),
    Poland's anonymous one to the east, Germany's to the west (no receiving unit)."""
    shipments = services.make_shipments(world.coordinator)
    east = world.east_unit.organisation_id

    def one(owner, unit):
        return next(s for s in shipments if s.owner_id == owner and s.receiving_unit_id == unit
                    and s.lines.filter(pledge__isnull=False).exists())

    return {"deu": one(world.deu.owner_id, east), "pol": one(world.pol.owner_id, east),
            "west": one(world.deu.owner_id, None)}


def url(shipment, step=""):
    return f"/api/shipments/{shipment.pk}/" + (f"{step}/" if step else "")


def post(api, user, shipment, step, body=None, **extra):
    shipment.refresh_from_db()
    data = {"version": shipment.version} | (body or {})
    return api.as_(user).post(url(shipment, step), data | extra, format="json")


def snapshot(shipment) -> tuple:
    """Everything a refused action must leave as it was."""
    s = Shipment.objects.get(pk=shipment.pk)
    lines = list(ShipmentLine.objects.filter(shipment=s).values_list("quantity", "shipped"))
    return (s.state, s.version, s.expected_hub_on, lines,
            ShipmentEvent.objects.filter(shipment=s).count(),
            Receipt.objects.filter(line__shipment=s).count(),
            Discrepancy.objects.filter(line__shipment=s).count(), Shipment.objects.count())


def to_handed_over(api, world, shipment):
    assert post(api, world.deu_rep, shipment, "depart").status_code == 200
    assert post(api, world.hub_operator, shipment, "arrive-at-hub").status_code == 200
    assert post(api, world.east_unit, shipment, "hand-over").status_code == 200


# -- making shipments --------------------------------------------------------------------------

def test_the_coordinator_makes_shipments_from_the_adopted_plan(world, adopted, api):
    for user in (world.deu_rep, world.hub_operator, world.east_unit, world.planner):
        assert api.as_(user).post("/api/shipments/make/", {}, format="json").status_code == 403
    assert not Shipment.objects.exists()
    reply = api.as_(world.coordinator).post("/api/shipments/make/", {}, format="json")
    assert reply.status_code == 201, reply.content
    rows = reply.json()
    assert len(rows) == Shipment.objects.count() >= 3
    assert {r["state"] for r in rows} == {"planned"}
    assert all(r["lines"] and r["state_display"] == "planned" for r in rows)
    again = api.as_(world.coordinator).post("/api/shipments/make/", {"plan": adopted.pk},
                                            format="json")
    assert again.status_code == 201 and again.json() == []  # nothing left to ship
    unknown = api.as_(world.coordinator).post("/api/shipments/make/", {"plan": 10**9},
                                              format="json")
    assert unknown.status_code == 400 and list(unknown.json()) == ["plan"]


# -- reading -----------------------------------------------------------------------------------

def test_the_donor_reads_its_shipments_lines_events_marked_and_not_cached(world, made, api):
    client = api.as_(world.deu_rep)
    listed = client.get("/api/shipments/")
    assert listed.status_code == 200
    assert "no-store" in listed["Cache-Control"]
    ids = {r["id"] for r in listed.json()["results"]}
    assert made["deu"].pk in ids and made["west"].pk in ids and made["pol"].pk not in ids
    assert client.get(url(made["pol"])).status_code == 404
    reply = client.get(url(made["deu"]))
    assert "no-store" in reply["Cache-Control"]
    body = reply.json()
    line = made["deu"].lines.get()
    assert (body["donor"], body["donor_name"], body["origin"], body["hub_name"]) == (
        world.deu.owner_id, "Germany", "DEU depot 1", "Rzeszow")
    assert (body["classification"], body["classification_display"]) == (2, "RESTRICTED")
    assert body["lines"] == [{
        "id": line.pk, "shipment": made["deu"].pk, "item_type": world.shells.pk,
        "item_type_name": "155 mm shell", "indivisible": False, "need": world.critical.pk,
        "pledge": world.deu.pk, "fund": None, "quantity": float(line.quantity),
        "shipped": None, "receipt": None, "classification": 2,
        "classification_display": "RESTRICTED"}]
    assert [e["kind"] for e in body["events"]] == ["planned"]
    assert body["discrepancies"] == [] and body["open_discrepancies"] == 0
    assert body["actions"] == ["ready", "depart", "cancel", "split", "delay"]
    for part in ("lines", "events", "discrepancies"):
        got = client.get(url(made["deu"], part))
        assert got.status_code == 200 and "no-store" in got["Cache-Control"]
        assert client.get(url(made["pol"], part)).status_code == 404
    assert client.get(url(made["deu"], "lines")).json() == body["lines"]


def test_an_anonymous_donor_stays_hidden_from_the_hub_and_the_unit(world, made, api):
    pol = made["pol"]
    for user in (world.hub_operator, world.east_unit):
        client = api.as_(user)
        reply = client.get(url(pol))
        body = reply.json()
        assert (body["donor"], body["donor_name"], body["origin"]) == (None, "anonymous", None)
        assert body["events"][0]["place"] is None
        for answer in (reply, client.get("/api/shipments/"), client.get(url(pol, "events"))):
            text = answer.content.decode()
            assert "Poland" not in text and "POL depot" not in text
        # Neither a filter nor the history names the donor.
        by_donor = client.get("/api/shipments/", {"donor": world.pol.owner_id}).json()
        assert by_donor["count"] == 0
        history = client.get(url(pol, "history")).content.decode()
        assert "POL depot" not in history and str(world.pol_rep.username) not in history
    for user in (world.pol_rep, world.coordinator):
        body = api.as_(user).get(url(pol)).json()
        assert (body["donor_name"], body["origin"]) == ("Poland", "POL depot 1")


def test_a_recipient_user_without_the_logistics_role_sees_no_movement(world, made, api):
    client = api.as_(world.planner)
    assert client.get("/api/shipments/").json()["count"] == 0
    for shipment in made.values():
        assert client.get(url(shipment)).status_code == 404
        # Acting on an invisible shipment is absent too, never forbidden.
        assert post(api, world.planner, shipment, "depart").status_code == 404
    assert api.as_(world.planner).get("/api/discrepancies/").json()["count"] == 0


def test_filters_by_state_hub_need_and_late(world, made, api):
    client = api.as_(world.coordinator)

    def ids(**query):
        return {r["id"] for r in client.get("/api/shipments/", query).json()["results"]}

    assert ids(hub=world.hub.pk) == set(Shipment.objects.values_list("pk", flat=True))
    assert ids(hub=world.hub.pk + 1000) == set()
    assert made["west"].pk in ids(need=world.low.pk) and made["deu"].pk not in ids(
        need=world.low.pk)
    assert ids(state="departed") == set()
    services.delay(world.coordinator, made["deu"], made["deu"].version,
                   made["deu"].expected_hub_on + timedelta(weeks=2))
    assert ids(late="true") == {made["deu"].pk}
    assert made["deu"].pk not in ids(late="false")
    assert ids(state=["planned", "departed"]) == ids()
    assert client.get("/api/shipments/", {"need": "x"}).status_code == 400


# -- the journey -------------------------------------------------------------------------------

def test_the_journey_through_the_api_each_step_by_its_party(world, made, api):
    deu = made["deu"]
    line = deu.lines.get()
    reply = post(api, world.deu_rep, deu, "depart",
                 {"happened_on": TODAY.isoformat(), "place": "Rail yard",
                  "shipped": {str(line.pk): 45}})
    assert reply.status_code == 200, reply.content
    body = reply.json()
    assert (body["state"], body["departed_on"], body["lines"][0]["shipped"]) == (
        "departed", TODAY.isoformat(), 45.0)
    assert body["events"][-1]["place"] == "Rail yard"
    assert body["events"][-1]["quantities"] == {str(line.pk): "45"}
    assert Pledge.objects.get(pk=world.deu.pk).state == PledgeState.SHIPPED
    assert post(api, world.hub_operator, deu, "arrive-at-hub").json()["state"] == "at_hub"
    assert post(api, world.east_unit, deu, "hand-over").json()["state"] == "handed_over"
    counts = {str(line.pk): {"accepted": 40, "short": 3, "damaged": 2,
                             "reason": "damaged_in_transit", "note": "crates crushed"}}
    reply = post(api, world.east_unit, deu, "receive", {"counts": counts})
    assert reply.status_code == 200, reply.content
    body = reply.json()
    assert body["state"] == "received" and body["open_discrepancies"] == 2
    assert body["lines"][0]["receipt"] | {"received_on": None} == {
        "accepted": 40.0, "short": 3.0, "damaged": 2.0, "wrong_item": 0.0,
        "reason": "damaged_in_transit", "reason_display": "damaged in transit",
        "note": "crates crushed", "received_on": None}
    assert {d["kind_display"] for d in body["discrepancies"]} == {"short", "damaged"}
    assert post(api, world.east_unit, deu, "verify").json()["state"] == "verified"
    # The sender and the coordinator see the discrepancies, and the sender resolves one.
    for user in (world.deu_rep, world.coordinator):
        found = api.as_(user).get("/api/discrepancies/", {"shipment": deu.pk}).json()
        assert found["count"] == 2
    short = Discrepancy.objects.get(line=line, kind="short")
    client = api.as_(world.deu_rep)
    history = client.get(f"/api/discrepancies/{short.pk}/history/")
    assert history.status_code == 200 and history.json() == []  # opened in bulk
    assert client.get(f"/api/discrepancies/{short.pk}/").json()["actions"] == ["resolve"]
    reply = client.post(f"/api/discrepancies/{short.pk}/resolve/",
                        {"version": short.version, "resolution": "written_off",
                         "note": "lost"}, format="json")
    assert reply.status_code == 200, reply.content
    assert (reply.json()["state"], reply.json()["resolution_display"]) == ("resolved",
                                                                          "written off")
    again = client.post(f"/api/discrepancies/{short.pk}/resolve/",
                        {"version": short.version + 1, "resolution": "found"}, format="json")
    assert again.status_code == 409 and "state" in again.json()
    open_now = api.as_(world.coordinator).get("/api/discrepancies/", {"state": "open"}).json()
    assert [d["kind"] for d in open_now["results"]] == ["damaged"]


def test_custody_recorded_by_the_wrong_party_is_refused_and_changes_nothing(world, made,
                                                                            api):
    deu = made["deu"]
    before = snapshot(deu)
    assert post(api, world.hub_operator, deu, "depart").status_code == 403
    assert post(api, world.east_unit, deu, "ready").status_code == 403
    assert snapshot(deu) == before
    assert post(api, world.deu_rep, deu, "depart").status_code == 200
    before = snapshot(deu)
    # A donor marking its goods at the hub; the unit doing the hub's part.
    for user in (world.deu_rep, world.east_unit, world.coordinator):
        reply = post(api, user, deu, "arrive-at-hub")
        assert reply.status_code == 403, (user, reply.content)
    assert snapshot(deu) == before
    assert post(api, world.hub_operator, deu, "arrive-at-hub").status_code == 200
    before = snapshot(deu)
    for user in (world.hub_operator, world.deu_rep):  # the hub handing over to itself
        assert post(api, user, deu, "hand-over").status_code == 403
    assert snapshot(deu) == before
    assert post(api, world.east_unit, deu, "hand-over").status_code == 200
    line = deu.lines.get()
    counts = {str(line.pk): {"accepted": float(line.shipped)}}
    before = snapshot(deu)
    for user in (world.hub_operator, world.deu_rep, world.coordinator):  # the hub receiving
        assert post(api, user, deu, "receive", {"counts": counts}).status_code == 403
    assert snapshot(deu) == before


def test_an_event_out_of_order_or_misdated_is_refused_by_field(world, made, api):
    deu = made["deu"]
    before = snapshot(deu)
    reply = post(api, world.hub_operator, deu, "arrive-at-hub")  # not departed yet
    assert reply.status_code == 409 and list(reply.json()) == ["state"]
    reply = post(api, world.deu_rep, deu, "depart",
                 {"happened_on": (TODAY + timedelta(days=1)).isoformat()})
    assert reply.status_code == 400 and list(reply.json()) == ["happened_on"]
    reply = post(api, world.deu_rep, deu, "depart", {"happened_on": "yesterday"})
    assert reply.status_code == 400 and list(reply.json()) == ["happened_on"]
    assert snapshot(deu) == before
    post(api, world.deu_rep, deu, "depart", {"happened_on": TODAY.isoformat()})
    before = snapshot(deu)
    reply = post(api, world.hub_operator, deu, "arrive-at-hub",
                 {"happened_on": (TODAY - timedelta(days=1)).isoformat()})
    assert reply.status_code == 400 and list(reply.json()) == ["happened_on"]
    reply = post(api, world.deu_rep, deu, "cancel")  # goods that left are never cancelled
    assert reply.status_code == 409 and list(reply.json()) == ["state"]
    assert snapshot(deu) == before


def test_received_more_than_shipped_is_refused_naming_the_count(world, made, api):
    deu = made["deu"]
    to_handed_over(api, world, deu)
    line = deu.lines.get()
    before = snapshot(deu)
    too_many = {str(line.pk): {"accepted": float(line.shipped) + 1}}
    reply = post(api, world.east_unit, deu, "receive", {"counts": too_many})
    assert reply.status_code == 400
    assert list(reply.json()) == [f"counts.{line.pk}.accepted"]
    assert "cannot exceed what left" in reply.json()[f"counts.{line.pk}.accepted"][0]
    for counts, path in (
        ({}, f"counts.{line.pk}"),  # a line left uncounted
        ({str(line.pk): {"accepted": 1, "short": float(line.shipped) - 1}},
         f"counts.{line.pk}.reason"),
        ({str(line.pk): {"accepted": -1}}, f"counts.{line.pk}.accepted"),
        ({str(line.pk): {"accepted": "many"}}, f"counts.{line.pk}.accepted"),
        ({"999999": {"accepted": 1}}, "counts.999999"),
        ([1, 2], "counts"),
    ):
        reply = post(api, world.east_unit, deu, "receive", {"counts": counts})
        assert reply.status_code == 400 and list(reply.json()) == [path], reply.content
    assert snapshot(deu) == before


def test_a_split_larger_than_the_line_is_refused_and_a_fitting_one_moves_units(world, made,
                                                                             api):
    deu = made["deu"]
    line = deu.lines.get()
    before = snapshot(deu)
    for quantities, path in (({str(line.pk): float(line.quantity) + 1}, f"quantities.{line.pk}"),
                             ({str(line.pk): float(line.quantity)}, "quantities"),
                             ({"abc": 1}, "quantities.abc"),
                             ("ten", "quantities")):
        reply = post(api, world.deu_rep, deu, "split", {"quantities": quantities})
        assert reply.status_code == 400 and list(reply.json()) == [path], reply.content
    assert post(api, world.hub_operator, deu, "split",
                {"quantities": {str(line.pk): 5}}).status_code == 403
    assert snapshot(deu) == before
    reply = post(api, world.deu_rep, deu, "split", {"quantities": {str(line.pk): 5}})
    assert reply.status_code == 201, reply.content
    new = reply.json()
    assert new["id"] != deu.pk and new["lines"][0]["quantity"] == 5.0
    line.refresh_from_db()
    assert line.quantity == Decimal("45")


def test_stale_or_missing_versions_are_conflicts(world, made, api):
    deu = made["deu"]
    before = snapshot(deu)
    client = api.as_(world.deu_rep)
    stale = client.post(url(deu, "depart"), {"version": deu.version - 1 or 99}, format="json")
    assert stale.status_code == 409 and list(stale.json()) == ["version"]
    missing = client.post(url(deu, "ready"), {}, format="json")
    assert missing.status_code == 409 and list(missing.json()) == ["version"]
    huge = client.post(url(deu, "split"), {"quantities": {"1": 1}}, format="json",
                       HTTP_IF_MATCH=str(2**70))
    assert huge.status_code == 409 and list(huge.json()) == ["version"]
    huge = client.post(url(deu, "split"), {"version": 2**70, "quantities": {"1": 1}},
                       format="json")
    assert huge.status_code == 400 and list(huge.json()) == ["version"]
    assert snapshot(deu) == before
    by_header = client.post(url(deu, "ready"), {}, format="json",
                            HTTP_IF_MATCH=str(deu.version))
    assert by_header.status_code == 200 and by_header.json()["state"] == "ready"


def test_the_hub_delays_a_shipment_and_a_day_in_the_past_is_refused(world, made, api):
    deu = made["deu"]
    before = snapshot(deu)
    reply = post(api, world.hub_operator, deu, "delay",
                 {"hub_on": (TODAY - timedelta(days=1)).isoformat()})
    assert reply.status_code == 400 and list(reply.json()) == ["hub_on"]
    assert post(api, world.east_unit, deu, "delay",
                {"hub_on": TODAY.isoformat()}).status_code == 403
    reply = post(api, world.hub_operator, deu, "delay", {"hub_on": "9999-12-30"})
    assert reply.status_code == 400 and list(reply.json()) == ["hub_on"]
    assert snapshot(deu) == before
    later = deu.expected_hub_on + timedelta(days=10)
    reply = post(api, world.hub_operator, deu, "delay", {"hub_on": later.isoformat(),
                                                         "note": "queue at the border"})
    assert reply.status_code == 200, reply.content
    body = reply.json()
    assert (body["expected_hub_on"], body["late"]) == (later.isoformat(), True)
    assert body["events"][-1]["kind_display"] == "delayed"


def test_discrepancies_are_resolved_only_by_the_sender_or_a_coordinator(world, made, api):
    deu = made["deu"]
    to_handed_over(api, world, deu)
    line = deu.lines.get()
    post(api, world.east_unit, deu, "receive", {"counts": {str(line.pk): {
        "accepted": float(line.shipped) - 1, "short": 1, "reason": "lost_in_transit"}}})
    d = Discrepancy.objects.get(line=line)
    address = f"/api/discrepancies/{d.pk}/resolve/"
    body = {"version": d.version, "resolution": "found"}
    for user in (world.hub_operator, world.east_unit, world.pol_rep, world.planner):
        reply = api.as_(user).post(address, body, format="json")
        # The hub and the unit see it (403); another donor and the planner do not (404).
        expected = 403 if user in (world.hub_operator, world.east_unit) else 404
        assert reply.status_code == expected, (user, reply.status_code)
    bad = api.as_(world.coordinator).post(address, body | {"resolution": "lost"},
                                          format="json")
    assert bad.status_code == 400 and list(bad.json()) == ["resolution"]
    assert Discrepancy.objects.get(pk=d.pk).state == "open"
    reply = api.as_(world.coordinator).post(address, body, format="json")
    assert reply.status_code == 200 and reply.json()["resolution"] == "found"
    assert Receipt.objects.get(line=line).accepted == line.shipped


def test_an_anonymous_donors_own_resolution_stays_anonymous_to_the_unit(world, made, api):
    pol = made["pol"]
    line = pol.lines.get()
    for user, step in ((world.pol_rep, "depart"), (world.hub_operator, "arrive-at-hub"),
                       (world.east_unit, "hand-over")):
        note = "from POL depot 1" if user == world.pol_rep else ""
        assert post(api, user, pol, step, {"note": note}).status_code == 200
    line.refresh_from_db()
    post(api, world.east_unit, pol, "receive", {"counts": {str(line.pk): {
        "accepted": float(line.shipped) - 2, "short": 2, "reason": "count_differs"}}})
    d = Discrepancy.objects.get(line=line)
    api.as_(world.pol_rep).post(f"/api/discrepancies/{d.pk}/resolve/", {
        "version": d.version, "resolution": "replaced", "note": "Poland sends 2 more"},
        format="json")
    unit = api.as_(world.east_unit)
    seen = unit.get(f"/api/discrepancies/{d.pk}/").json()
    assert (seen["resolved_by"], seen["resolution_note"]) == (None, None)
    events = unit.get(url(pol, "events")).json()
    departed = next(e for e in events if e["kind"] == "departed")
    assert (departed["user"], departed["organisation"], departed["note"], departed["place"]) \
        == (None, None, None, None)
    for answer in (unit.get(f"/api/discrepancies/{d.pk}/history/"),
                   unit.get(url(pol)), unit.get(url(pol, "events"))):
        text = answer.content.decode()
        assert "Poland" not in text and "POL depot" not in text, text
    assert api.as_(world.coordinator).get(
        f"/api/discrepancies/{d.pk}/").json()["resolution_note"] == "Poland sends 2 more"
