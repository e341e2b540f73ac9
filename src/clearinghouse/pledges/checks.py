"""The rules a pledge must satisfy whatever entry point it comes through."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError

from clearinghouse.core.words import number
from clearinghouse.needs.models import PLEDGEABLE_STATES, Need

from .models import Pledge, PledgeKind, StockPosition

if TYPE_CHECKING:
    from clearinghouse.catalogue.models import ItemType
    from clearinghouse.parties.models import User

GOODS = (PledgeKind.STOCK, PledgeKind.PROCUREMENT)

# Records a field's refusal; a field keeps the first one it gets.
_Refuse = Callable[[str, str], None]


def check_pledge(user: User, pledge: Pledge, funding_items: list[ItemType]) -> None:
    """Raise a ValidationError naming each field that breaks a rule of DESIGN.md.

    The checks run in this order (goods, funding, training, lethal goods, the need, stock) and
    a field keeps the first refusal it gets. A pledge from stock that passes is linked to its
    donor's stock position; any other kind of pledge is unlinked from one.
    """
    errors: dict[str, str] = {}

    def refuse(field: str, message: str) -> None:
        errors.setdefault(field, message)

    kind = pledge.kind
    _check_goods(pledge, refuse)
    if kind == PledgeKind.FUNDING:
        _check_funding(pledge, funding_items, refuse)
    else:
        _check_not_funding(pledge, funding_items, refuse)
    _check_training(pledge, refuse)
    _check_lethal_item(pledge, refuse)
    if pledge.need_id:
        _check_need(user, pledge, funding_items, refuse)
    if kind == PledgeKind.STOCK and pledge.item_type is not None and "quantity" not in errors:
        _check_stock(pledge, refuse)
    elif kind != PledgeKind.STOCK:
        pledge.stock_position, pledge.below_target, pledge.below_target_by = None, False, None
    if errors:
        raise ValidationError(errors)


def _check_goods(pledge: Pledge, refuse: _Refuse) -> None:
    """A pledge of goods names its item and a positive quantity (whole if the item is
    indivisible); any other pledge has no quantity of goods."""
    item = pledge.item_type
    if pledge.kind not in GOODS:
        if pledge.quantity is not None:
            refuse("quantity", f"A {pledge.kind} pledge has no quantity of goods.")
        return
    if item is None:
        refuse("item_type", "A pledge of goods names the item type.")
    if pledge.quantity is None or pledge.quantity <= 0:
        refuse("quantity", "The quantity must be positive.")
    elif item is not None and item.indivisible and pledge.quantity != int(pledge.quantity):
        refuse("quantity", f"{item} is indivisible: the quantity must be whole.")


def _check_funding(pledge: Pledge, funding_items: list[ItemType], refuse: _Refuse) -> None:
    """A funding pledge states a positive amount, limits its items only through
    ``funding_items``, and funds no lethal goods when it or its donor is non-lethal only."""
    donor = pledge.owner
    if pledge.amount_eur is None or pledge.amount_eur <= 0:
        refuse("amount_eur", "A funding pledge states a positive amount in EUR.")
    if pledge.item_type is not None:
        refuse("item_type", "A funding pledge limits its items through funding_items.")
    lethal = [i.name for i in funding_items if i.lethal]
    if lethal and (pledge.funding_non_lethal_only or donor.non_lethal_only):
        refuse("funding_items", f"Lethal items cannot be funded here: {', '.join(lethal)}.")
    if donor.non_lethal_only and not pledge.funding_non_lethal_only:
        refuse(
            "funding_non_lethal_only",
            f"{donor} may fund only non-lethal goods: mark the funding non-lethal only.",
        )


def _check_not_funding(pledge: Pledge, funding_items: list[ItemType], refuse: _Refuse) -> None:
    """Only a funding pledge states an amount in EUR or limits the items it buys."""
    if pledge.amount_eur is not None:
        refuse("amount_eur", "Only a funding pledge states an amount in EUR.")
    if funding_items:
        refuse("funding_items", "Only a funding pledge limits the items it buys.")


def _check_training(pledge: Pledge, refuse: _Refuse) -> None:
    """A training pledge offers places on a named course and serves no need; only it offers
    places."""
    if pledge.kind != PledgeKind.TRAINING:
        if pledge.places is not None:
            refuse("places", "Only a training pledge offers places.")
        return
    if not pledge.places or pledge.places <= 0:
        refuse("places", "A training pledge offers a positive number of places.")
    if not pledge.course:
        refuse("course", "A training pledge names its course.")
    if pledge.need_id:
        refuse("need", "Training places are matched to trainee requirements, not needs.")


def _check_lethal_item(pledge: Pledge, refuse: _Refuse) -> None:
    """A donor that is non-lethal only gives no lethal item."""
    item, donor = pledge.item_type, pledge.owner
    if item is not None and item.lethal and donor.non_lethal_only:
        refuse("item_type", f"{donor} may give only non-lethal goods; {item} is lethal.")


def _check_need(user: User, pledge: Pledge, funding_items: list[ItemType],
                refuse: _Refuse) -> None:
    """The need exists for ``user``, takes pledges, and the pledge's item or funded items
    fit it (non-lethal funding not for lethal goods)."""
    need = Need.objects.visible_to(user).filter(pk=pledge.need_id).select_related(
        "item_type", "family"
    ).first()
    if need is None:
        # Same words whether it does not exist or is not visible: never reveal it.
        refuse("need", f"No need {pledge.need_id} to pledge against.")
        return
    if need.state not in PLEDGEABLE_STATES:
        refuse("need", f"Need {need.pk} is '{need.state}': it takes no pledges.")
    if pledge.kind == PledgeKind.FUNDING:
        lethal_need = need.item_type.lethal if need.item_type else need.family.items.filter(
            lethal=True
        ).exists()
        if lethal_need and (pledge.funding_non_lethal_only or pledge.owner.non_lethal_only):
            refuse("need", f"Need {need.pk} is for lethal goods; this funding is non-lethal only.")
        if funding_items and not any(_fits(i, need) for i in funding_items):
            refuse("funding_items", f"None of the funded items fits need {need.pk}.")
    elif pledge.item_type is not None and not _fits(pledge.item_type, need):
        refuse("item_type", f"{pledge.item_type} does not fit need {need.pk}.")


def _fits(item, need: Need) -> bool:
    """The item is the one asked for or compatible with it (same compatibility family)."""
    if need.item_type_id == item.pk:
        return True
    family = need.family_id or (need.item_type.family_id if need.item_type else None)
    return family is not None and item.family_id == family


def _check_stock(pledge: Pledge, refuse: _Refuse) -> None:
    """The donor holds the quantity, not yet pledged, in its recorded stock position; the
    pledge is linked to the position and marked if it takes the stock below target."""
    position = StockPosition.objects.filter(owner=pledge.owner, item_type=pledge.item_type).first()
    if position is None:
        refuse(
            "stock_position",
            f"Record your stock position of {pledge.item_type} before pledging from stock.",
        )
        return
    free = position.quantity_held - position.committed(exclude_pledge_id=pledge.pk)
    if pledge.quantity > free:
        refuse("quantity",
               f"Only {number(free)} of {pledge.item_type} are held and not yet pledged.")
        return
    remaining = free - pledge.quantity
    pledge.stock_position = position
    pledge.below_target = remaining < position.target_minimum
    pledge.below_target_by = position.target_minimum - remaining if pledge.below_target else None
