"""Forecasts: when a shipment is expected from its state and route, a need's delivery
forecast, and the needs affected by a slip, a hub closure or a short receipt."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from clearinghouse.core.words import number
from clearinghouse.logistics.models import HubClosure
from clearinghouse.shipments import receipts, services, tracking
from clearinghouse.shipments.models import Shipment, ShipmentState

pytestmark = pytest.mark.django_db
S = ShipmentState
TODAY = date(2027, 3, 1)


def shipment(**at) -> Shipment:
    """An unsaved shipment: planned at the hub on 15 Mar, in its region on 22 Mar."""
    fields = dict(origin="DEU depot 1", hub_id=1, state=S.PLANNED,
                  planned_hub_on=date(2027, 3, 15), planned_arrival_on=date(2027, 3, 22),
                  expected_ready_on=date(2027, 3, 8), expected_hub_on=date(2027, 3, 15),
                  expected_arrival_on=date(2027, 3, 22))
    return Shipment(**(fields | at))


LEAD = {("DEU depot 1", 1): 1}


def test_a_planned_shipment_is_expected_on_its_expected_dates():
    f = tracking.forecast(shipment(), LEAD, TODAY)
    assert (f.hub_on, f.arrival_on, f.late) == (date(2027, 3, 15), date(2027, 3, 22), False)


def test_a_shipment_not_yet_left_when_it_should_have_arrives_later():
    f = tracking.forecast(shipment(), LEAD, date(2027, 3, 12))  # it should have left on 8 Mar
    assert f.hub_on == date(2027, 3, 19) and f.arrival_on == date(2027, 3, 26) and f.late


def test_a_departed_shipment_is_expected_from_its_departure_and_the_legs():
    late_start = shipment(state=S.DEPARTED, departed_on=date(2027, 3, 10))
    f = tracking.forecast(late_start, LEAD, date(2027, 3, 10))
    assert f.hub_on == date(2027, 3, 17) and f.arrival_on == date(2027, 3, 24) and f.late
    early = shipment(state=S.DEPARTED, departed_on=date(2027, 3, 1))
    assert tracking.forecast(early, LEAD, TODAY).arrival_on == date(2027, 3, 22)


def test_at_the_hub_from_the_hub_day_and_the_leg_to_the_region():
    f = tracking.forecast(shipment(state=S.AT_HUB, at_hub_on=date(2027, 3, 20),
                                   departed_on=date(2027, 3, 9)), LEAD, date(2027, 3, 20))
    assert f.arrival_on == date(2027, 3, 27) and f.late


def test_received_and_cancelled():
    got = shipment(state=S.RECEIVED, received_on=date(2027, 3, 21))
    assert tracking.forecast(got, LEAD, TODAY).arrival_on == date(2027, 3, 21)
    gone = tracking.forecast(shipment(state=S.CANCELLED), LEAD, TODAY)
    assert gone.arrival_on is None and not gone.late


@pytest.fixture
def made(world, adopted):
    shipments = services.make_shipments(world.coordinator)
    Shipment.objects.filter(pk__in=[s.pk for s in shipments]).update(
        receiving_unit=world.east_unit.organisation)
    return [Shipment.objects.get(pk=s.pk) for s in shipments]


def test_the_need_forecast_follows_its_latest_shipment_and_marks_it_late(world, made):
    deu = next(s for s in made if s.owner_id == world.deu.owner_id)
    need = world.critical if deu.lines.filter(need=world.critical).exists() else \
        deu.lines.first().need
    panel = tracking.need_tracker(need, world.coordinator)
    assert panel["expected"] is not None and not panel["late"]
    services.delay(world.coordinator, deu, deu.version,
                   need.required_by + timedelta(days=7))
    panel = tracking.need_tracker(need, world.coordinator)
    assert panel["late"] and panel["expected"] > need.required_by
    # A reader who may not see the movement gets none of it.
    blind = tracking.need_tracker(need, world.planner)
    assert blind["tracked"] == [] and blind["expected"] is None and blind["shown"] == []


def test_affected_needs_name_a_slip_a_closure_and_a_short_receipt(world, made):
    deu = next(s for s in made if s.owner_id == world.deu.owner_id)
    pol = next(s for s in made if s.owner_id == world.pol.owner_id)
    assert tracking.affected_needs(world.coordinator) == []
    services.delay(world.coordinator, pol, pol.version, pol.expected_hub_on + timedelta(days=7))
    pol.refresh_from_db()
    HubClosure.objects.create(owner=world.hub.owner, hub=world.hub,
                              starts_on=pol.expected_hub_on - timedelta(days=1),
                              ends_on=pol.expected_hub_on + timedelta(days=1), reason="strike")
    today = timezone.localdate()
    deu = services.take_step(world.coordinator, deu, "depart", deu.version, on=today)
    deu = services.take_step(world.hub_operator, deu, "arrive_at_hub", deu.version, on=today)
    deu = services.take_step(world.east_unit, deu, "hand_over", deu.version)
    counts = {str(x.pk): {"accepted": x.shipped - 1, "damaged": 1,
                          "reason": "damaged_in_transit"} for x in deu.lines.all()}
    deu = receipts.receive(world.east_unit, deu, deu.version, counts)
    found = tracking.affected_needs(world.coordinator)
    reasons = " ".join(why for row in found for why in row.reasons)
    assert f"Shipment {pol.pk} is expected on" in reasons and "1 week after" in reasons
    assert "while the hub is closed" in reasons and "(strike)" in reasons
    assert f"Shipment {deu.pk} was received with 1 × 155 mm shell damaged" in reasons
    assert "2027-" not in reasons and "2026-" not in reasons
    # Only coordinators and auditors read it whole; a donor's view holds only its own.
    mine = tracking.affected_needs(world.deu_rep)
    assert all(pol.pk not in row.shipments for row in mine)


def test_the_plan_page_tells_how_far_its_shipments_got_over_what_the_reader_sees(
        world, adopted, client):
    from clearinghouse.shipments import receipts

    services.make_shipments(world.coordinator)
    shipment = Shipment.objects.filter(lines__pledge=world.deu).first()
    shipment.receiving_unit = world.east_unit.organisation
    shipment.save()
    for user, action in ((world.deu_rep, "depart"), (world.hub_operator, "arrive_at_hub"),
                         (world.east_unit, "hand_over")):
        shipment.refresh_from_db()
        services.take_step(user, shipment, action, shipment.version)
    shipment.refresh_from_db()
    line = shipment.lines.first()
    counts = {str(x.pk): {"accepted": x.shipped} for x in shipment.lines.all()}
    counts[str(line.pk)] = {"accepted": line.shipped - 2, "short": 2, "reason": "lost_in_transit"}
    shipment = receipts.receive(world.east_unit, shipment, shipment.version, counts)
    receipts.verify(world.east_unit, shipment, shipment.version)
    client.force_login(world.coordinator)
    page = client.get(f"/plans/{adopted.pk}/").content.decode()
    total = Shipment.objects.filter(plan=adopted).count()
    accepted = sum(x.shipped for x in shipment.lines.all()) - 2
    assert f"Of the {total} shipments made from this plan" in page
    assert f"<strong>{number(accepted)}</strong> were received and verified" in page
    assert '<span class="flag">2</span> were lost on the way' in page
    assert "Verified: 1" in page
