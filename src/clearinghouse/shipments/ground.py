"""The planner's view of the ground (planning/ground.py): what left its depot, where it is,
and what reached its need."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from clearinghouse.parties.models import User
from clearinghouse.planning.ground import Movement

from .models import MOVING_STATES, Shipment, ShipmentLine, ShipmentState
from .receipts import lost

S = ShipmentState
THROUGH_HUB = (S.AT_HUB, S.HANDED_OVER, S.RECEIVED, S.VERIFIED)


class ShipmentsGround:
    def movements(self, user: User) -> list[Movement]:
        seen = Shipment.objects.visible_to(user).filter(state__in=MOVING_STATES)
        rows = (ShipmentLine.objects.filter(shipment__in=seen.values("pk"), shipped__gt=0)
                .values_list("need_id", "shipment__hub_id", "shipment__expected_hub_on",
                             "shipped", "shipment__state", "pledge_id", "fund_id", "offer_id",
                             "receipt__accepted"))
        return [Movement(need_id=need, hub_id=hub, hub_on=hub_on, quantity=float(shipped),
                         through_hub=state in THROUGH_HUB, pledge_id=pledge, fund_id=fund,
                         offer_id=offer,
                         accepted=float(accepted) if state == S.VERIFIED and accepted is not None
                         else None)
                for need, hub, hub_on, shipped, state, pledge, fund, offer, accepted in rows]

    def versions(self, user: User) -> dict[str, int]:
        rows = Shipment.objects.visible_to(user).filter(state__in=MOVING_STATES)
        return {str(pk): v for pk, v in rows.values_list("pk", "version")}

    def lost(self, need_ids: Iterable[int]) -> dict[int, Decimal]:
        return lost(list(need_ids))


GROUND = ShipmentsGround()
