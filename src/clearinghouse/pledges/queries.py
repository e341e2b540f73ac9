"""Pledges and stock positions as a user sees them: one read for the lists, the detail pages,
the exports and the API; what the pledges the reader sees bring needs before any plan uses
them (DESIGN.md, rule 5); what a reader may not see of a pledge's history; the panels this
app adds to the need and item pages (core/panels.py)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Func, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from clearinghouse.catalogue.models import ItemType
from clearinghouse.core.panels import tallied, tally
from clearinghouse.needs.models import Need
from clearinghouse.parties.models import User

from .models import (
    DONOR_REVEALING,
    BackfillOrder,
    Pledge,
    PledgeKind,
    PledgeState,
    StockPosition,
)


def pledges(user: User) -> QuerySet[Pledge]:
    """The pledges ``user`` sees, the donor and references masked where hidden from them
    (``shown_donor_id``, ``shown_need_id``...)."""
    return (Pledge.objects.visible_to(user).with_visible_references(user)
            .select_related("owner", "item_type"))


def stock_positions(user: User) -> QuerySet[StockPosition]:
    """The stock positions ``user`` sees, with ``committed`` over the pledges they see."""
    return (StockPosition.objects.visible_to(user).select_related("owner", "item_type")
            .with_committed(user))


def backfill_orders_count() -> Func:
    """The number of backfill orders of each stock position (an annotation)."""
    orders = (BackfillOrder.objects.filter(stock_position=OuterRef("pk")).order_by()
              .values("stock_position").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(orders), 0)


def history_masks(user: User, pledge: Pledge) -> dict:
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


# -- what the pledges bring needs, not yet planned -----------------------------------------------

# Goods count towards a need's quantity; funding and training are not quantities of the item.
GOODS = (PledgeKind.STOCK, PledgeKind.PROCUREMENT)
# The pledges no adopted plan uses yet, in the order they fill a need after what it plans.
UNPLANNED = {
    "accepted": (PledgeState.ACCEPTED,),
    "pledged": (PledgeState.OFFERED,),
}


def pledged_by_need(
    user: User, needs: Iterable[int] | QuerySet | None = None
) -> QuerySet[Pledge, dict]:
    """Goods pledges ``user`` sees summed per need: a ``values()`` queryset of ``need_id``,
    ``accepted`` and ``pledged`` (offered; NULL where none) and ``level``, the highest
    classification among them (any state). ``needs``: need ids or a queryset of them.

    The pledges' part of a need's coverage (``planning.queries.Coverage``); what the adopted
    plan brings comes first.
    """
    rows = Pledge.objects.visible_to(user).filter(kind__in=GOODS)
    if needs is not None:
        rows = rows.filter(need__in=needs)
    return rows.order_by().values("need_id").annotate(
        **{part: Sum("quantity", filter=Q(state__in=states))
           for part, states in UNPLANNED.items()},
        level=Max("classification"),
    )


# -- panels on the pages of other apps -----------------------------------------------------------

def need_pledges(need: Need, user: User) -> dict:
    """The pledges against ``need`` that ``user`` sees, newest first."""
    rows = list(Pledge.objects.visible_to(user).filter(need=need)
                .select_related("owner", "item_type").order_by("-id"))
    return {"pledges": rows, "shown": rows}


def item_tally(item: ItemType, user: User) -> dict:
    """The item page's count of the pledges of ``item`` that ``user`` sees."""
    found = tally(Pledge.objects.visible_to(user).filter(item_type=item))
    return {"pledges": found, "shown": tallied(found)}
