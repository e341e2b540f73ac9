"""Receipts, verification and discrepancies: the count adds up to what left, a difference
carries a reason and goes back to the sender, and only the receiving unit counts."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from clearinghouse.core.errors import DomainError, IllegalTransition
from clearinghouse.core.models import Notice
from clearinghouse.security.roles import Role
from clearinghouse.shipments import receipts, services
from clearinghouse.shipments.models import (
    Discrepancy,
    Receipt,
    Resolution,
    Shipment,
    ShipmentState,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
S = ShipmentState


@pytest.fixture
def handed(world, adopted) -> Shipment:
    """Germany's first shipment, handed over to the east's receiving unit."""
    services.make_shipments(world.coordinator)
    shipment = Shipment.objects.filter(lines__pledge=world.deu).order_by("pk").first()
    shipment.receiving_unit = world.east_unit.organisation
    shipment.save()
    for user, action in ((world.deu_rep, "depart"), (world.hub_operator, "arrive_at_hub"),
                         (world.east_unit, "hand_over")):
        shipment.refresh_from_db()
        shipment = services.take_step(user, shipment, action, shipment.version)
    return shipment


def full(shipment: Shipment, **line_counts) -> dict:
    counts = {str(x.pk): {"accepted": x.shipped} for x in shipment.lines.all()}
    first = str(shipment.lines.first().pk)
    counts[first] = counts[first] | line_counts
    return counts


def refused(world, shipment, counts) -> DomainError:
    with pytest.raises(DomainError) as caught:
        receipts.receive(world.east_unit, shipment, shipment.version, counts)
    shipment.refresh_from_db()
    assert shipment.state == S.HANDED_OVER
    assert not Receipt.objects.exists() and not Discrepancy.objects.exists()
    return caught.value


def test_a_full_count_opens_nothing(world, handed):
    shipment = receipts.receive(world.east_unit, handed, handed.version, full(handed))
    assert shipment.state == S.RECEIVED and not Discrepancy.objects.exists()
    assert Receipt.objects.count() == handed.lines.count()


def test_more_received_than_shipped_is_refused(world, handed):
    line = handed.lines.first()
    error = refused(world, handed, full(handed, accepted=line.shipped + 1))
    assert error.field == f"counts.{line.pk}.accepted"
    assert "cannot exceed what left" in str(error)


def test_a_count_short_of_what_left_must_say_so(world, handed):
    line = handed.lines.first()
    error = refused(world, handed, full(handed, accepted=line.shipped - 3))
    assert error.field == f"counts.{line.pk}.short"


@pytest.mark.parametrize(("extra", "field"), [
    ({"short": 2}, "reason"),                                   # no reason
    ({"short": 2, "reason": "bad luck"}, "reason"),             # not from the list
    ({"short": 2, "reason": "other"}, "note"),                  # other needs a note
    ({"short": -2}, "short"),
    ({"damaged": "lots"}, "damaged"),
    ({"colour": "green"}, "colour"),
])
def test_a_difference_needs_a_reason_from_the_list(world, handed, extra, field):
    line = handed.lines.first()
    counts = full(handed, accepted=line.shipped - 2, **extra)
    assert refused(world, handed, counts).field == f"counts.{line.pk}.{field}"


def test_every_line_that_left_is_counted_and_no_other(world, handed):
    counts = full(handed)
    first = next(iter(counts))
    assert refused(world, handed, {k: v for k, v in counts.items() if k != first}).field == (
        f"counts.{first}")
    assert refused(world, handed, counts | {"999999": {"accepted": 1}}).field == (
        "counts.999999")


def test_only_the_receiving_units_logistics_officers_receive_and_verify(world, handed):
    trainer = UserFactory(organisation=world.east_unit.organisation,
                          roles=[Role.TRAINING_OFFICER])
    for wrong in (world.hub_operator, world.coordinator, world.deu_rep, world.planner, trainer):
        with pytest.raises(PermissionDenied):
            receipts.receive(wrong, handed, handed.version, full(handed))
    shipment = receipts.receive(world.east_unit, handed, handed.version, full(handed))
    for wrong in (world.hub_operator, world.coordinator, trainer):
        with pytest.raises(PermissionDenied):
            receipts.verify(wrong, shipment, shipment.version)
    shipment = receipts.verify(world.east_unit, shipment, shipment.version)
    assert shipment.state == S.VERIFIED
    with pytest.raises(IllegalTransition):
        receipts.verify(world.east_unit, shipment, shipment.version)


def test_differences_open_discrepancies_told_to_the_sender_and_the_coordinator(world, handed):
    line = handed.lines.first()
    counts = full(handed, accepted=line.shipped - 5, short=2, damaged=3,
                  reason="damaged_in_transit", note="Two crates crushed")
    receipts.receive(world.east_unit, handed, handed.version, counts)
    found = {(d.kind, d.quantity, d.reason) for d in Discrepancy.objects.filter(line=line)}
    assert found == {("short", 2, "damaged_in_transit"), ("damaged", 3, "damaged_in_transit")}
    told = Notice.objects.filter(kind="shipment_discrepancy")
    assert {(n.audience, n.organisation_id) for n in told} == {
        ("coordinator", None), ("", world.deu_rep.organisation_id)}
    assert "damaged" in told.first().text and "short" in told.first().text


def test_a_discrepancy_is_resolved_by_the_sender_or_a_coordinator(world, handed):
    line = handed.lines.first()
    counts = full(handed, accepted=line.shipped - 4, short=4, reason="lost_in_transit")
    shipment = receipts.receive(world.east_unit, handed, handed.version, counts)
    shipment = receipts.verify(world.east_unit, shipment, shipment.version)
    case = Discrepancy.objects.get()
    for wrong in (world.pol_rep, world.hub_operator, world.east_unit, world.planner):
        with pytest.raises(PermissionDenied):
            receipts.resolve(wrong, case, case.version, Resolution.FOUND)
    with pytest.raises(DomainError) as bad:
        receipts.resolve(world.deu_rep, case, case.version, "shrugged")
    assert bad.value.field == "resolution"
    assert receipts.lost([line.need_id]) == {line.need_id: Decimal(4)}
    case = receipts.resolve(world.deu_rep, case, case.version, Resolution.FOUND, "In hangar 2")
    assert case.state == "resolved" and case.resolved_by == world.deu_rep
    assert Receipt.objects.get(line=line).accepted == line.shipped
    assert receipts.lost([line.need_id]) == {}
    with pytest.raises(IllegalTransition):
        receipts.resolve(world.coordinator, case, case.version, Resolution.WRITTEN_OFF)


def test_written_off_goods_stay_lost(world, handed):
    line = handed.lines.first()
    counts = full(handed, accepted=line.shipped - 1, wrong_item=1, reason="wrong_item_sent")
    shipment = receipts.receive(world.east_unit, handed, handed.version, counts)
    receipts.verify(world.east_unit, shipment, shipment.version)
    case = Discrepancy.objects.get()
    receipts.resolve(world.coordinator, case, case.version, Resolution.WRITTEN_OFF)
    assert receipts.lost([line.need_id]) == {line.need_id: Decimal(1)}
