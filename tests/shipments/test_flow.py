"""The journey of a shipment from the adopted plan to a verified receipt."""

from decimal import Decimal

import pytest
from django.utils import timezone

from clearinghouse.needs.models import Need
from clearinghouse.planning.models import Allocation
from clearinghouse.pledges.models import Pledge, PledgeState
from clearinghouse.shipments import receipts, services
from clearinghouse.shipments.models import Discrepancy, Shipment, ShipmentState

pytestmark = pytest.mark.django_db


def test_a_shipment_goes_from_the_plan_to_a_verified_receipt(world, adopted):
    made = services.make_shipments(world.coordinator)
    assert made
    total = sum(a.quantity for a in Allocation.objects.filter(plan=adopted))
    carried = sum(line.quantity for s in made for line in s.lines.all())
    assert float(carried) == pytest.approx(total, abs=1e-3)
    assert services.make_shipments(world.coordinator) == []  # nothing left to ship
    shipment = next(s for s in made if s.owner_id == world.deu.owner_id)
    today = timezone.localdate()
    shipment = services.take_step(world.deu_rep, shipment, "depart", shipment.version, on=today)
    assert Pledge.objects.get(pk=world.deu.pk).state == PledgeState.SHIPPED
    shipment = services.take_step(world.hub_operator, shipment, "arrive_at_hub",
                                  shipment.version, on=today)
    shipment.receiving_unit = world.east_unit.organisation
    shipment.save()
    shipment = services.take_step(world.east_unit, shipment, "hand_over", shipment.version)
    line = shipment.lines.first()
    counts = {str(line.pk): {"accepted": line.shipped - 1, "short": 1,
                             "reason": "lost_in_transit"}}
    shipment = receipts.receive(world.east_unit, shipment, shipment.version, counts)
    assert Discrepancy.objects.filter(line=line, quantity=1).exists()
    shipment = receipts.verify(world.east_unit, shipment, shipment.version)
    assert shipment.state == ShipmentState.VERIFIED
    assert receipts.delivered([line.need_id])[line.need_id] == line.shipped - Decimal(1)
    assert Need.objects.get(pk=line.need_id).state != "delivered"
    assert Shipment.objects.get(pk=shipment.pk).verified_at is not None
