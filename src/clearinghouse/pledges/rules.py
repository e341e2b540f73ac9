"""Who may do what to pledges, stock positions and backfill orders (DESIGN.md, Writes)."""

import rules

from clearinghouse.parties.models import User
from clearinghouse.security.predicates import is_coordinator, is_donor_representative, owns

from .models import EDITABLE_STATES, BackfillOrder, Pledge


@rules.predicate
def in_editable_state(user: User, pledge: Pledge | None) -> bool:
    return pledge is None or pledge.state in EDITABLE_STATES


@rules.predicate
def owns_position(user: User, order: BackfillOrder | None) -> bool:
    """Whether the backfill order's stock position belongs to the user's organisation."""
    return order is not None and user.organisation_id == order.stock_position.owner_id


owning_donor = is_donor_representative & owns

rules.add_perm("pledges.view_pledge", rules.is_authenticated)
rules.add_perm("pledges.add_pledge", is_donor_representative)
rules.add_perm("pledges.change_pledge", owning_donor & in_editable_state)
rules.add_perm("pledges.delete_pledge", rules.always_deny)
for action in ("accept", "decline", "allocate", "release"):
    rules.add_perm(f"pledges.{action}_pledge", is_coordinator)
# Shipped and delivered follow from the shipments (shipments.services, receipts.settle): the
# goods leaving their depot, then verified receipts; no one ships or delivers a pledge by hand.
for action in ("ship", "deliver"):
    rules.add_perm(f"pledges.{action}_pledge", rules.always_deny)
rules.add_perm("pledges.withdraw_pledge", is_coordinator | owning_donor)

rules.add_perm("pledges.view_stockposition", rules.is_authenticated)
rules.add_perm("pledges.add_stockposition", is_donor_representative)
rules.add_perm("pledges.change_stockposition", owning_donor)
rules.add_perm("pledges.delete_stockposition", rules.always_deny)
rules.add_perm("pledges.view_backfillorder", rules.is_authenticated)
rules.add_perm("pledges.add_backfillorder", is_donor_representative & owns_position)
rules.add_perm("pledges.change_backfillorder", is_donor_representative & owns_position)
rules.add_perm("pledges.delete_backfillorder", rules.always_deny)

# Supplier offers are collected and kept by the coordinator for the funds to buy from.
rules.add_perm("pledges.view_supplieroffer", rules.is_authenticated)
rules.add_perm("pledges.add_supplieroffer", is_coordinator)
rules.add_perm("pledges.change_supplieroffer", is_coordinator)
rules.add_perm("pledges.delete_supplieroffer", rules.always_deny)
