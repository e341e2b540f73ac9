"""Re-planning from the ground (docs/shipments.md): what left its depot is fixed or counted,
what never left returns to its pledge, a short receipt asks again, and a plan whose ground
changed is stale."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from clearinghouse.logistics.models import HubClosure
from clearinghouse.needs.models import Need, NeedState
from clearinghouse.planning import services as planning
from clearinghouse.planning.queries import coverage_for
from clearinghouse.planning.snapshot import changes_since, fingerprint, take_snapshot
from clearinghouse.planning.solver import parse_instance
from clearinghouse.planning.tasks import solve_here
from clearinghouse.shipments import receipts, services
from clearinghouse.shipments.models import Shipment, ShipmentLine, ShipmentState

pytestmark = pytest.mark.django_db
S = ShipmentState


def step(user, shipment, action, **kw):
    shipment.refresh_from_db()
    return services.take_step(user, shipment, action, shipment.version, **kw)


def deu_shipment(world) -> Shipment:
    services.make_shipments(world.coordinator)
    return Shipment.objects.filter(lines__pledge=world.deu).order_by("planned_hub_on").first()


def row(instance: dict, key: str, ident: str) -> dict | None:
    return next((r for r in instance[key] if r["id"] == ident), None)


def test_goods_not_yet_at_their_hub_are_fixed_with_their_hub_and_week(world, adopted):
    shipment = step(world.deu_rep, deu_shipment(world), "depart")
    snap = take_snapshot(world.coordinator, start=shipment.expected_hub_on)
    fixed = [f for f in snap.instance["fixed"] if f.get("pledge") == f"M{world.deu.pk}"]
    shipped = {(f"N{line.need_id}", float(line.shipped)) for line in shipment.lines.all()}
    assert {(f["need"], f["quantity"]) for f in fixed} == shipped
    assert {(f["hub"], f["ship_week"]) for f in fixed} == {(world.hub.code, 1)}
    # a supply of its own, on the road: it reaches the hub at once and serves those needs only
    road = row(snap.instance, "pledges", f"M{world.deu.pk}")
    assert road["quantity"] == sum(q for _, q in shipped)
    assert road["needs"] == sorted(n for n, _ in shipped) and road["available_week"] == 1
    assert {"origin": road["origin"], "hub": world.hub.code, "weeks": 0} in snap.instance[
        "routes"]


def test_goods_on_the_road_stay_in_the_plan_when_their_hub_is_full_or_closed(world, adopted):
    shipment = step(world.deu_rep, deu_shipment(world), "depart")
    HubClosure.objects.create(hub=world.hub, owner=world.hub.owner,
                              starts_on=shipment.expected_hub_on,
                              ends_on=shipment.expected_hub_on + timedelta(days=6))
    world.hub.weekly_capacity_pallets = 1
    world.hub.save()
    snap = take_snapshot(world.coordinator, start=shipment.expected_hub_on)
    parse_instance(snap.instance)  # a valid instance: the contract's limits hold
    fixed = [f for f in snap.instance["fixed"] if f.get("pledge") == f"M{world.deu.pk}"]
    assert {f["ship_week"] for f in fixed} == {2}  # handled once the hub reopens
    hub = row(snap.instance, "hubs", world.hub.code)
    pallets = float(shipment.lines.get().shipped * world.shells.pallets_per_unit)
    assert hub["capacity_pallets"][1] == pytest.approx(pallets)  # the backlog is handled
    assert hub["capacity_pallets"][2] == 1


def test_goods_past_their_hub_reduce_pledge_and_need_and_use_no_capacity(world, adopted):
    shipment = step(world.deu_rep, deu_shipment(world), "depart")
    shipment = step(world.hub_operator, shipment, "arrive_at_hub")
    line = shipment.lines.first()
    instance = take_snapshot(world.coordinator).instance
    assert not [f for f in instance["fixed"] if f.get("pledge") == f"P{world.deu.pk}"]
    pledge = row(instance, "pledges", f"P{world.deu.pk}")
    given = float(world.deu.quantity) - float(sum(
        x.shipped for x in ShipmentLine.objects.filter(pledge=world.deu, shipped__isnull=False)))
    assert (pledge["quantity"] if pledge else 0) == pytest.approx(given)
    need = row(instance, "needs", f"N{line.need_id}")
    asked = float(Need.objects.get(pk=line.need_id).quantity - line.shipped)
    assert (need["quantity"] if need else 0) == pytest.approx(asked)


def test_what_did_not_leave_returns_to_its_pledge(world, adopted):
    shipment = deu_shipment(world)
    line = shipment.lines.get(pledge=world.deu)
    step(world.deu_rep, shipment, "depart", shipped={line.pk: line.quantity - 7})
    instance = take_snapshot(world.coordinator, start=shipment.expected_hub_on).instance
    fixed = [f for f in instance["fixed"] if f.get("pledge") == f"M{world.deu.pk}"]
    on_the_move = sum(f["quantity"] for f in fixed)
    assert on_the_move == pytest.approx(float(line.quantity) - 7)
    assert row(instance, "pledges", f"P{world.deu.pk}")["quantity"] == pytest.approx(
        float(world.deu.quantity) - on_the_move)


def test_a_short_receipt_lowers_coverage_and_asks_again(world, adopted):
    shipment = step(world.deu_rep, deu_shipment(world), "depart")
    shipment = step(world.hub_operator, shipment, "arrive_at_hub")
    shipment.receiving_unit = world.east_unit.organisation
    shipment.save()
    shipment = step(world.east_unit, shipment, "hand_over")
    line = shipment.lines.get(need=world.critical)
    need = Need.objects.get(pk=world.critical.pk)
    before = coverage_for([need], world.coordinator)[need.pk].covered
    counts = {str(x.pk): {"accepted": x.shipped} for x in shipment.lines.all()}
    counts[str(line.pk)] = {"accepted": line.shipped - 12, "damaged": 12,
                            "reason": "damaged_in_transit"}
    shipment = receipts.receive(world.east_unit, shipment, shipment.version, counts)
    assert coverage_for([need], world.coordinator)[need.pk].covered == before  # not verified
    receipts.verify(world.east_unit, shipment, shipment.version)
    assert coverage_for([need], world.coordinator)[need.pk].covered == before - 12
    need.refresh_from_db()
    assert need.state == NeedState.PARTLY_COVERED
    instance = take_snapshot(world.coordinator).instance
    asked = float(need.quantity - line.shipped + 12)
    assert row(instance, "needs", f"N{need.pk}")["quantity"] == pytest.approx(asked)


def test_a_need_is_delivered_once_verified_receipts_cover_it(world, adopted):
    services.make_shipments(world.coordinator)
    need = Need.objects.get(pk=world.critical.pk)
    today = timezone.localdate()
    for shipment in Shipment.objects.filter(lines__need=need).distinct():
        shipment.receiving_unit = world.east_unit.organisation
        shipment.save()
        sender = world.coordinator
        shipment = step(sender, shipment, "depart", on=today)
        shipment = step(world.hub_operator, shipment, "arrive_at_hub", on=today)
        shipment = step(world.east_unit, shipment, "hand_over", on=today)
        counts = {str(x.pk): {"accepted": x.shipped} for x in shipment.lines.all()}
        shipment = receipts.receive(world.east_unit, shipment, shipment.version, counts)
        assert Need.objects.get(pk=need.pk).state != NeedState.DELIVERED
        receipts.verify(world.east_unit, shipment, shipment.version)
    got = receipts.delivered([need.pk]).get(need.pk, Decimal(0))
    need.refresh_from_db()
    assert (need.state == NeedState.DELIVERED) == (got >= need.quantity)


def test_a_plan_whose_ground_changed_is_stale(world, adopted):
    shipment = step(world.deu_rep, deu_shipment(world), "depart")
    before = fingerprint(world.coordinator)
    step(world.hub_operator, shipment, "arrive_at_hub")
    assert changes_since(before, fingerprint(world.coordinator)) == [
        f"shipment {shipment.pk} changed"]


def test_a_new_plan_cancels_what_never_left_and_carries_what_moves(
        world, adopted):
    services.make_shipments(world.coordinator)
    moving = step(world.deu_rep, Shipment.objects.filter(lines__pledge=world.deu).first(),
                  "depart")
    waiting = list(Shipment.objects.filter(state=S.PLANNED))
    plan = solve_here(planning.run_plan(world.coordinator, "Second plan", horizon=26))
    plan = planning.adopt_plan(world.coordinator, plan, plan.version)
    made = services.make_shipments(world.coordinator, plan)
    assert all(Shipment.objects.get(pk=s.pk).state == S.CANCELLED for s in waiting)
    moving.refresh_from_db()
    assert moving.state == S.DEPARTED
    carried = {line.allocation.plan_id for line in moving.lines.all()}
    assert carried == {plan.pk}
    again = ShipmentLine.objects.filter(shipment__in=made, pledge=world.deu)
    total = sum(x.quantity for x in again) + sum(x.shipped for x in moving.lines.all())
    assert total <= world.deu.quantity
