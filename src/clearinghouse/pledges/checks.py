"""The rules a pledge must satisfy whatever entry point it comes through."""

from django.core.exceptions import ValidationError

from clearinghouse.needs.models import PLEDGEABLE_STATES, Need

from .models import Pledge, PledgeKind, StockPosition

GOODS = (PledgeKind.STOCK, PledgeKind.PROCUREMENT)


def check_pledge(user, pledge: Pledge, funding_items: list) -> None:
    """Raise a ValidationError naming each field that breaks a rule of DESIGN.md."""
    errors: dict[str, str] = {}
    kind, item, donor = pledge.kind, pledge.item_type, pledge.owner

    def refuse(field: str, message: str) -> None:
        errors.setdefault(field, message)

    if kind in GOODS:
        if item is None:
            refuse("item_type", "A pledge of goods names the item type.")
        if pledge.quantity is None or pledge.quantity <= 0:
            refuse("quantity", "The quantity must be positive.")
        elif item is not None and item.indivisible and pledge.quantity != int(pledge.quantity):
            refuse("quantity", f"{item} is indivisible: the quantity must be whole.")
    elif pledge.quantity is not None:
        refuse("quantity", f"A {kind} pledge has no quantity of goods.")
    if kind == PledgeKind.FUNDING:
        if pledge.amount_eur is None or pledge.amount_eur <= 0:
            refuse("amount_eur", "A funding pledge states a positive amount in EUR.")
        if item is not None:
            refuse("item_type", "A funding pledge limits its items through funding_items.")
        lethal = [i.name for i in funding_items if i.lethal]
        if lethal and (pledge.funding_non_lethal_only or donor.non_lethal_only):
            refuse("funding_items", f"Lethal items cannot be funded here: {', '.join(lethal)}.")
        if donor.non_lethal_only and not pledge.funding_non_lethal_only:
            refuse(
                "funding_non_lethal_only",
                f"{donor} may fund only non-lethal goods: mark the funding non-lethal only.",
            )
    else:
        if pledge.amount_eur is not None:
            refuse("amount_eur", "Only a funding pledge states an amount in EUR.")
        if funding_items:
            refuse("funding_items", "Only a funding pledge limits the items it buys.")
    if kind == PledgeKind.TRAINING:
        if not pledge.places or pledge.places <= 0:
            refuse("places", "A training pledge offers a positive number of places.")
        if not pledge.course:
            refuse("course", "A training pledge names its course.")
        if pledge.need_id:
            refuse("need", "Training places are matched to trainee requirements, not needs.")
    elif pledge.places is not None:
        refuse("places", "Only a training pledge offers places.")
    if item is not None and item.lethal and donor.non_lethal_only:
        refuse("item_type", f"{donor} may give only non-lethal goods; {item} is lethal.")
    if pledge.need_id:
        _check_need(user, pledge, funding_items, refuse)
    if kind == PledgeKind.STOCK and item is not None and "quantity" not in errors:
        _check_stock(pledge, refuse)
    elif kind != PledgeKind.STOCK:
        pledge.stock_position, pledge.below_target, pledge.below_target_by = None, False, None
    if errors:
        raise ValidationError(errors)


def _check_need(user, pledge: Pledge, funding_items: list, refuse) -> None:
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


def _check_stock(pledge: Pledge, refuse) -> None:
    position = StockPosition.objects.filter(owner=pledge.owner, item_type=pledge.item_type).first()
    if position is None:
        refuse(
            "stock_position",
            f"Record your stock position of {pledge.item_type} before pledging from stock.",
        )
        return
    free = position.quantity_held - position.committed(exclude_pledge_id=pledge.pk)
    if pledge.quantity > free:
        refuse("quantity", f"Only {free:g} of {pledge.item_type} are held and not yet pledged.")
        return
    remaining = free - pledge.quantity
    pledge.stock_position = position
    pledge.below_target = remaining < position.target_minimum
    pledge.below_target_by = position.target_minimum - remaining if pledge.below_target else None
