"""What a reader may not see of a pledge's history: one rule for the API and the pages."""

from clearinghouse.needs.models import Need

from .models import DONOR_REVEALING, StockPosition


def history_masks(user, pledge) -> dict:
    """Keyword arguments of ``core.history.history_entries`` for ``pledge`` as ``user`` sees it.

    ``pledge`` comes from ``Pledge.objects.visible_to(user)`` (it carries ``shown_donor_id``).
    """
    masks = {"references": {
        "need": lambda pk: Need.objects.visible_to(user).filter(pk=pk).exists(),
        "stock_position": lambda pk: StockPosition.objects.visible_to(user).filter(
            pk=pk).exists(),
    }}
    if pledge.shown_donor_id is None:
        masks |= {"hidden_fields": frozenset(DONOR_REVEALING), "hidden_org_id": pledge.owner_id}
    return masks
