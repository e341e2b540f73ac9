"""Every step of a shipment and every rule on it: who may take it, in which order, with what
quantities; a refusal names the field and changes nothing (docs/shipments.md)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from clearinghouse.core.errors import DomainError, IllegalTransition, StaleEdit
from clearinghouse.core.models import Notice
from clearinghouse.planning.models import Allocation
from clearinghouse.pledges.models import Pledge, PledgeState
from clearinghouse.security.roles import Role
from clearinghouse.shipments import services
from clearinghouse.shipments.models import (
    EventKind,
    Shipment,
    ShipmentEvent,
    ShipmentLine,
    ShipmentState,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
S = ShipmentState
TODAY = timezone.localdate


def snapshot(shipment: Shipment) -> tuple:
    """What a refused step must leave as it was."""
    shipment.refresh_from_db()
    return (shipment.state, shipment.version, shipment.expected_hub_on,
            list(shipment.lines.values_list("quantity", "shipped")),
            shipment.events.count())


@pytest.fixture
def made(world, adopted) -> list[Shipment]:
    return services.make_shipments(world.coordinator)


@pytest.fixture
def german(world, made) -> Shipment:
    """A shipment of Germany's shells (its own pledge, not a fund's purchase)."""
    return next(s for s in made if s.lines.filter(pledge=world.deu).exists())


def step(user, shipment, action, **kw):
    shipment.refresh_from_db()
    return services.take_step(user, shipment, action, shipment.version, **kw)


# -- making shipments --------------------------------------------------------------------------

def test_shipments_carry_every_allocation_once_grouped_by_donor_origin_hub_week_and_region(
        world, adopted, made):
    allocations = Allocation.objects.filter(plan=adopted)
    for a in allocations:
        carried = sum(ShipmentLine.objects.filter(allocation=a).values_list("quantity", flat=True))
        assert float(carried) == pytest.approx(a.quantity, abs=1e-3)
    keys = [(s.owner_id, s.origin, s.hub_id, s.planned_hub_on, s.region_id) for s in made]
    assert len(keys) == len(set(keys))
    for s in made:
        assert s.state == S.PLANNED and s.events.get().kind == EventKind.PLANNED
        assert s.receiving_unit == world.east_unit.organisation or s.region.code != "east"
    assert services.make_shipments(world.coordinator) == []


def test_only_a_coordinator_makes_shipments_and_only_from_the_adopted_plan(world):
    with pytest.raises(PermissionDenied):
        services.make_shipments(world.deu_rep)
    with pytest.raises(DomainError) as refused:
        services.make_shipments(world.coordinator)  # nothing adopted yet
    assert refused.value.field == "plan"


# -- splitting ---------------------------------------------------------------------------------

def test_a_split_moves_units_to_a_new_shipment_and_never_adds_any(world, german):
    line = german.lines.get(pledge=world.deu)
    before = line.quantity
    new = services.split_shipment(world.deu_rep, german, german.version, {line.pk: 10})
    line.refresh_from_db()
    assert line.quantity == before - 10
    assert new.lines.get().quantity == 10 and new.hub_id == german.hub_id
    assert line.quantity + new.lines.get().quantity == before


@pytest.mark.parametrize(("quantities", "field"), [
    ({"line": 10**6}, "quantities.line"),      # more than the line holds
    ({"line": -1}, "quantities.line"),
    ({"line": "many"}, "quantities.line"),
    ({"999999": 1}, "quantities.999999"),
    ({"line": "all"}, "quantities"),           # nothing would be left
    ({}, "quantities"),
])
def test_a_bad_split_is_refused_by_field_and_changes_nothing(world, german, quantities, field):
    line = german.lines.get(pledge=world.deu)
    given = {(line.pk if k == "line" else k): (line.quantity if v == "all" else v)
             for k, v in quantities.items()}
    field = field.replace("line", str(line.pk))
    before = snapshot(german)
    with pytest.raises(DomainError) as refused:
        services.split_shipment(world.deu_rep, german, german.version, given)
    assert refused.value.field == field
    assert snapshot(german) == before
    assert Shipment.objects.count() == len(Shipment.objects.all())


def test_only_the_sender_or_a_coordinator_splits_and_only_before_departure(world, german):
    line = german.lines.get(pledge=world.deu)
    for stranger in (world.pol_rep, world.hub_operator, world.east_unit):
        with pytest.raises(PermissionDenied):
            services.split_shipment(stranger, german, german.version, {line.pk: 1})
    german = step(world.deu_rep, german, "depart")
    with pytest.raises(DomainError) as refused:
        services.split_shipment(world.coordinator, german, german.version, {line.pk: 1})
    assert refused.value.field == "state"


# -- the journey ---------------------------------------------------------------------------------

def test_each_custody_step_is_taken_by_the_party_taking_custody(world, german):
    german = step(world.deu_rep, german, "ready")
    with pytest.raises(PermissionDenied):
        step(world.hub_operator, german, "depart")
    german = step(world.deu_rep, german, "depart")
    for wrong in (world.deu_rep, world.coordinator, world.east_unit):
        with pytest.raises(PermissionDenied):
            step(wrong, german, "arrive_at_hub")
    german = step(world.hub_operator, german, "arrive_at_hub")
    trainer = UserFactory(organisation=world.east_unit.organisation,
                          roles=[Role.TRAINING_OFFICER])
    for wrong in (world.hub_operator, world.coordinator, trainer):
        with pytest.raises(PermissionDenied):
            step(wrong, german, "hand_over")
    german = step(world.east_unit, german, "hand_over")
    kinds = list(german.events.values_list("kind", flat=True))
    assert kinds == ["planned", "ready", "departed", "at_hub", "handed_over"]
    event = german.events.get(kind="at_hub")
    assert event.user == world.hub_operator and event.place == german.hub.name
    assert german.at_hub_on == TODAY() and german.expected_hub_on == TODAY()


def test_a_step_out_of_order_is_refused_and_changes_nothing(world, german):
    before = snapshot(german)
    with pytest.raises(IllegalTransition):
        step(world.hub_operator, german, "arrive_at_hub")  # it has not departed
    assert snapshot(german) == before
    german = step(world.deu_rep, german, "depart")
    with pytest.raises(IllegalTransition):
        step(world.deu_rep, german, "cancel")  # goods that left are never cancelled


def test_a_step_dated_in_the_future_or_before_the_last_is_refused(world, german):
    with pytest.raises(DomainError) as refused:
        step(world.deu_rep, german, "depart", on=TODAY() + timedelta(days=1))
    assert refused.value.field == "happened_on"
    german = step(world.deu_rep, german, "depart", on=TODAY() - timedelta(days=2))
    before = snapshot(german)
    with pytest.raises(DomainError) as refused:
        step(world.hub_operator, german, "arrive_at_hub", on=TODAY() - timedelta(days=3))
    assert refused.value.field == "happened_on" and "departed on" in str(refused.value)
    assert snapshot(german) == before


def test_a_stale_step_is_refused(world, german):
    version = german.version
    services.delay(world.deu_rep, german, version, TODAY() + timedelta(days=30))
    with pytest.raises(StaleEdit):
        services.take_step(world.deu_rep, german, "depart", version)


def test_departing_ships_part_and_the_rest_stays_with_the_pledge(world, german):
    line = german.lines.get(pledge=world.deu)
    german = step(world.deu_rep, german, "depart", shipped={line.pk: line.quantity - 5})
    line.refresh_from_db()
    assert line.shipped == line.quantity - 5
    event = german.events.get(kind="departed")
    assert Decimal(event.quantities[str(line.pk)]) == line.shipped
    assert Pledge.objects.get(pk=world.deu.pk).state == PledgeState.SHIPPED


@pytest.mark.parametrize("shipped", [{"line": "more"}, {"line": -2}, {"line": 0}])
def test_departing_more_than_planned_or_nothing_is_refused(world, german, shipped):
    line = german.lines.get(pledge=world.deu)
    value = {"more": line.quantity + 1}.get(shipped["line"], shipped["line"])
    before = snapshot(german)
    with pytest.raises(DomainError) as refused:
        step(world.deu_rep, german, "depart", shipped={line.pk: value})
    assert refused.value.field in (f"shipped.{line.pk}", "shipped")
    assert snapshot(german) == before
    assert Pledge.objects.get(pk=world.deu.pk).state == PledgeState.ALLOCATED


def test_whole_units_only_for_an_indivisible_item(world, made):
    kits = next(s for s in made if s.lines.filter(item_type=world.kit).exists())
    line = kits.lines.get()
    with pytest.raises(DomainError) as refused:
        services.take_step(world.deu_rep, kits, "depart", kits.version,
                           shipped={line.pk: Decimal("0.5")})
    assert "whole units" in str(refused.value)


def test_cancel_before_departure_by_the_sender_only(world, german):
    with pytest.raises(PermissionDenied):
        step(world.pol_rep, german, "cancel")
    german = step(world.deu_rep, german, "cancel", note="Depot flooded")
    assert german.state == S.CANCELLED
    assert german.events.get(kind="cancelled").note == "Depot flooded"


# -- delays ----------------------------------------------------------------------------------------

def test_a_delay_moves_the_expected_dates_and_tells_the_parties(world, german):
    leg = german.planned_arrival_on - german.planned_hub_on
    new_day = german.expected_hub_on + timedelta(days=9)
    german = services.delay(world.hub_operator, german, german.version, new_day, "Border queue")
    assert german.expected_hub_on == new_day
    assert german.expected_arrival_on == new_day + leg and german.late
    assert german.events.get(kind="slipped").note == "Border queue"
    told = set(Notice.objects.filter(kind="shipment_delayed").values_list(
        "audience", "organisation_id"))
    assert ("coordinator", None) in told and ("", world.deu_rep.organisation_id) in told
    assert ("", world.hub_operator.organisation_id) not in told  # the hub told it


@pytest.mark.parametrize("days", [-1, 0])
def test_a_delay_into_the_past_or_to_the_same_day_is_refused(world, german, days):
    day = TODAY() + timedelta(days=days) if days < 0 else german.expected_hub_on
    before = snapshot(german)
    with pytest.raises(DomainError) as refused:
        services.delay(world.coordinator, german, german.version, day)
    assert refused.value.field == "hub_on"
    assert snapshot(german) == before
    assert not ShipmentEvent.objects.filter(kind="slipped").exists()


def test_no_delay_once_at_the_hub_nor_by_the_receiving_unit(world, german):
    with pytest.raises(PermissionDenied):
        services.delay(world.east_unit, german, german.version, TODAY() + timedelta(days=30))
    german = step(world.deu_rep, german, "depart")
    german = step(world.hub_operator, german, "arrive_at_hub")
    with pytest.raises(DomainError):
        services.delay(world.coordinator, german, german.version, TODAY() + timedelta(days=30))


def test_notices_of_a_shipment_reach_only_those_who_follow_its_movement(world, german):
    from clearinghouse.core.notices import inbox

    german.receiving_unit = world.east_unit.organisation
    german.save()
    german = step(world.deu_rep, german, "depart")
    services.delay(world.deu_rep, german, german.version, TODAY() + timedelta(days=20))
    trainer = UserFactory(organisation=world.east_unit.organisation,
                          roles=[Role.TRAINING_OFFICER])
    for reader in (world.hub_operator, world.east_unit, world.coordinator):
        kinds = set(inbox(reader).values_list("kind", flat=True))
        assert "shipment_delayed" in kinds, reader
    assert {"shipment_departed"} <= set(inbox(world.east_unit).values_list("kind", flat=True))
    for outsider in (trainer, world.planner, world.pol_rep):
        assert not inbox(outsider).filter(kind__startswith="shipment").exists(), outsider
