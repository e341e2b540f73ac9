"""List pages and exports: pledges and stock positions the user may see.

The donor of a pledge is shown from ``shown_donor_id`` only (NULL where it is hidden from the
reader): "anonymous", with no link, title, class or data attribute that could reveal it.
"""

from django.db.models import Count, DecimalField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse

from clearinghouse.core.listing import (
    Column,
    Listing,
    attr,
    detail_link,
    display,
    id_column,
)

from .filtersets import PledgeFilterSet, StockPositionFilterSet
from .models import BackfillOrder, Pledge, StockPosition

ANONYMOUS = "anonymous"
MONEY = DecimalField(max_digits=20, decimal_places=2)


def donor_name(pledge) -> str:
    return ANONYMOUS if pledge.shown_donor_id is None else pledge.owner.name


def donor_link(pledge):
    return None if pledge.shown_donor_id is None else detail_link("parties:detail")(pledge.owner)


def _item(pledge) -> str:
    if pledge.kind == "training" and pledge.course:
        return pledge.course
    return pledge.item_type.name if pledge.item_type_id else ""


def _quantity(pledge):
    if pledge.kind == "funding":
        return pledge.amount_eur
    if pledge.kind == "training" and pledge.places is not None:
        return pledge.places
    return pledge.quantity


def _quantity_text(pledge) -> str:
    value = _quantity(pledge)
    if value is None:
        return ""
    if pledge.kind == "funding":
        return f"EUR {display(value)}"
    if pledge.kind == "training":
        return f"{display(value)} places"
    return display(value)


def _need_link(pledge):
    if pledge.shown_need_id is None:
        return None
    return reverse("needs:detail", args=[pledge.shown_need_id])


class PledgeListing(Listing):
    name = "pledges"
    noun = ("pledge", "pledges")
    title = caption = "Pledges"
    filterset_class = PledgeFilterSet
    export_url_name = "pledges:export"
    labels = {"donor": "Donor", "area": "Capability area", "need": "Need (ID)",
              "available_after": "Available from", "available_before": "Available until"}
    columns = (
        id_column("pledges:detail"),
        Column("Donor", donor_name, sort="donor", href=donor_link,
               css=lambda p: "muted" if p.shown_donor_id is None else ""),
        Column("Kind", lambda p: p.get_kind_display()),
        Column("Item", _item),
        Column("Quantity or amount", _quantity, text=_quantity_text, sort="quantity"),
        Column("Earliest availability", attr("earliest_availability"),
               sort="earliest_availability"),
        Column("Need", attr("shown_need_id"), href=_need_link,
               text=lambda p: str(p.shown_need_id or "")),
        Column("State", lambda p: p.get_state_display(), sort="state"),
        Column("Below target", attr("below_target"),
               text=lambda p: "below target" if p.below_target else "",
               css=lambda p: "flag" if p.below_target else ""),
    )

    def queryset(self, user):
        # As PledgeViewSet.get_queryset, without the prefetches no column needs.
        return (Pledge.objects.visible_to(user).select_related("owner", "item_type")
                .with_visible_references(user))


def backfill_orders_count():
    orders = (BackfillOrder.objects.filter(stock_position=OuterRef("pk")).order_by()
              .values("stock_position").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(orders), 0)


class StockPositionListing(Listing):
    name = "stock-positions"
    noun = ("stock position", "stock positions")
    title = caption = "Stock positions"
    filterset_class = StockPositionFilterSet
    export_url_name = "pledges:stock-export"
    labels = {"owner": "Donor", "area": "Capability area", "item_type": "Item type"}
    columns = (
        id_column("pledges:stock-detail"),
        Column("Donor", attr("owner.name"), href=lambda s: detail_link("parties:detail")(s.owner)),
        Column("Item", attr("item_type.name")),
        Column("Held", attr("quantity_held"), sort="quantity_held"),
        Column("Target minimum", attr("target_minimum"), sort="target_minimum"),
        Column("Committed", attr("committed")),
        Column("Backfill orders", attr("backfill_orders_count")),
    )

    def queryset(self, user):
        return (StockPosition.objects.visible_to(user).select_related("owner", "item_type")
                .with_committed(user).annotate(backfill_orders_count=backfill_orders_count()))


_stock = StockPositionListing.urls("stock/", "stock-")
urlpatterns = [*PledgeListing.urls(), *_stock]
