"""The pledges domain's verbs; each one transaction, each obeying the lifecycle and the rules."""

from django.db import transaction
from django.urls import reverse

from clearinghouse.core.errors import DomainError
from clearinghouse.core.lifecycle import save_versioned, transition
from clearinghouse.core.notices import notice, notify
from clearinghouse.core.services import apply_fields, require, set_releasability
from clearinghouse.core.words import money, number
from clearinghouse.parties.models import User
from clearinghouse.security.roles import Role

from .checks import check_pledge
from .models import PLEDGE_LIFECYCLE, BackfillOrder, Pledge, StockPosition

PLEDGE_FIELDS = (
    "kind", "item_type", "quantity", "amount_eur", "funding_non_lethal_only", "places", "course",
    "earliest_availability", "origin_depot", "need", "anonymous", "classification",
    "release_recipient", "release_all_donors", "funding_items", "allowed_regions",
)
M2M = ("funding_items", "allowed_regions")
POSITION_FIELDS = ("item_type", "quantity_held", "target_minimum", "notes", "classification",
                   "release_recipient", "release_all_donors")
BACKFILL_FIELDS = ("quantity", "expected_date", "reference")


def _save_pledge(user: User, pledge: Pledge, data: dict, version: int | None) -> Pledge:
    scalar = {k: v for k, v in data.items() if k not in M2M}
    apply_fields(pledge, scalar, PLEDGE_FIELDS, writer=user)
    pledge.release_coordinator = True  # every pledge must be cleared by the coordinator
    funding_items = list(
        data["funding_items"] if "funding_items" in data
        else (pledge.funding_items.all() if pledge.pk else [])
    )
    pledge.full_clean(exclude=["stock_position", "need"])
    check_pledge(user, pledge, funding_items)
    if pledge.pk is None:
        pledge.save()
    else:
        save_versioned(pledge, version)
    for field in M2M:
        if field in data:
            getattr(pledge, field).set(data[field])
    set_releasability(pledge, data)
    return pledge


@transaction.atomic
def create_pledge(user: User, data: dict) -> Pledge:
    """A donor representative offers a pledge on behalf of its own organisation."""
    require(user, "pledges.add_pledge")
    return _save_pledge(user, Pledge(owner=user.organisation), data, None)


@transaction.atomic
def update_pledge(user: User, pledge: Pledge, data: dict, version: int | None) -> Pledge:
    require(user, "pledges.change_pledge", pledge)
    if "kind" in data and data["kind"] != pledge.kind:
        raise DomainError("kind", "The kind of a pledge cannot change; withdraw it instead.")
    return _save_pledge(user, pledge, data, version)


@transaction.atomic
def act_on_pledge(user: User, pledge: Pledge, action: str, version: int | None = None) -> Pledge:
    """Apply a lifecycle action (accept, decline, allocate, ship, deliver, withdraw)."""
    if action not in PLEDGE_LIFECYCLE.transitions:
        raise DomainError("action", f"Unknown action '{action}' for a pledge.")
    require(user, f"pledges.{action}_pledge", pledge)
    changes = {}
    if action == "accept":
        # Accepted even below the donor's stock floor, but flagged with the shortfall now.
        pledge.refresh_from_db()
        check_pledge(user, pledge, list(pledge.funding_items.all()))
        changes = {
            "stock_position": pledge.stock_position,
            "below_target": pledge.below_target,
            "below_target_by": pledge.below_target_by,
        }
    pledge = transition(pledge, PLEDGE_LIFECYCLE, action, version, **changes)
    if action in ("accept", "decline", "allocate"):  # tell the donor's representatives
        what = (f"{number(pledge.quantity, whole=pledge.item_type.indivisible)} × "
                f"{pledge.item_type}" if pledge.item_type_id and pledge.quantity is not None
                else money(pledge.amount_eur) if pledge.amount_eur is not None
                else f"{number(pledge.places, whole=True)} training places")
        notify(notice(pledge, f"Your pledge {pledge.pk} ({what}) was "
                              f"{pledge.get_state_display().lower()}.",
                      kind=f"pledge_{action}", organisation=pledge.owner,
                      role=Role.DONOR_REPRESENTATIVE,
                      link=reverse("pledges:detail", args=[pledge.pk])))
    return pledge


def accept_pledge(user: User, pledge: Pledge, version: int | None = None) -> Pledge:
    return act_on_pledge(user, pledge, "accept", version)


def decline_pledge(user: User, pledge: Pledge, version: int | None = None) -> Pledge:
    return act_on_pledge(user, pledge, "decline", version)


def withdraw_pledge(user: User, pledge: Pledge, version: int | None = None) -> Pledge:
    return act_on_pledge(user, pledge, "withdraw", version)


@transaction.atomic
def create_stock_position(user: User, data: dict) -> StockPosition:
    require(user, "pledges.add_stockposition")
    position = StockPosition(owner=user.organisation)
    apply_fields(position, data, POSITION_FIELDS, writer=user)
    position.full_clean()
    position.save()
    set_releasability(position, data)
    return position


@transaction.atomic
def update_stock_position(
    user: User, position: StockPosition, data: dict, version: int | None
) -> StockPosition:
    require(user, "pledges.change_stockposition", position)
    if "item_type" in data and data["item_type"] != position.item_type:
        raise DomainError("item_type", "A stock position's item cannot change.")
    apply_fields(position, data, POSITION_FIELDS, writer=user)
    position.full_clean()
    save_versioned(position, version)
    set_releasability(position, data)
    return position


@transaction.atomic
def add_backfill_order(user: User, data: dict) -> BackfillOrder:
    """A donor records an order replenishing one of its own (visible) stock positions."""
    data = dict(data)
    order = BackfillOrder(stock_position=data.pop("stock_position"))
    require(user, "pledges.add_backfillorder", order)
    apply_fields(order, data, BACKFILL_FIELDS, writer=user)
    _check_backfill(order)
    order.save()
    return order


@transaction.atomic
def update_backfill_order(
    user: User, order: BackfillOrder, data: dict, version: int | None
) -> BackfillOrder:
    require(user, "pledges.change_backfillorder", order)
    if "stock_position" in data and data["stock_position"] != order.stock_position:
        raise DomainError("stock_position", "A backfill order's stock position cannot change.")
    apply_fields(order, {k: v for k, v in data.items() if k != "stock_position"},
                 BACKFILL_FIELDS, writer=user)
    _check_backfill(order)
    save_versioned(order, version)
    return order


def _check_backfill(order: BackfillOrder) -> None:
    order.full_clean()
    if order.quantity <= 0:
        raise DomainError("quantity", "A backfill order's quantity must be positive.")

