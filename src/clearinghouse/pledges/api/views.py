from django.db.models import Count, DecimalField, F, QuerySet, Sum
from django.db.models.functions import Coalesce
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from clearinghouse.core.api import DomainViewSet, lifecycle_actions
from clearinghouse.core.summary import GroupSerializer, summarise, summary_action
from clearinghouse.parties.models import Organisation

from .. import queries, services
from ..filtersets import BackfillOrderFilterSet, PledgeFilterSet, StockPositionFilterSet
from ..models import (
    PLEDGE_LIFECYCLE,
    BackfillOrder,
    Pledge,
    StockPosition,
)
from ..queries import history_masks
from .serializers import (
    ANONYMOUS,
    BackfillOrderSerializer,
    PledgeSerializer,
    StockPositionSerializer,
)

MONEY = DecimalField(max_digits=20, decimal_places=2)
GROUPS = {
    "state": ("state", None),
    "kind": ("kind", None),
    "donor": ("shown_donor_id", None),
    "item_type": ("item_type__name", None),
    "area": ("item_type__area__code", None),
}


def donor_names(keys: list) -> dict:
    found = Organisation.objects.filter(pk__in=[k for k in keys if k])
    names = dict(found.values_list("pk", "name"))
    return {k: names.get(k, ANONYMOUS) for k in keys}


class PledgeGroupSerializer(GroupSerializer):
    total_quantity = serializers.FloatField(allow_null=True)
    total_value_eur = serializers.FloatField(allow_null=True)


class PledgeViewSet(DomainViewSet):
    """Pledges; an anonymous donor stays anonymous in lists, filters, sorts, counts and history."""

    model = Pledge
    serializer_class = PledgeSerializer
    filterset_class = PledgeFilterSet
    create_service = staticmethod(services.create_pledge)
    update_service = staticmethod(services.update_pledge)

    query = staticmethod(queries.pledges)

    def get_queryset(self) -> QuerySet[Pledge]:
        return super().get_queryset().prefetch_related("funding_items", "allowed_regions",
                                                       "released_to")

    def history_masks(self, pledge: Pledge) -> dict:
        return history_masks(self.request.user, pledge)

    @summary_action(GROUPS, PledgeGroupSerializer)
    def summary(self, request: Request) -> Response:
        """Counts, quantities and value in EUR of the visible, filtered pledges by ``group_by``."""
        rows = self.filter_queryset(self.get_queryset())
        value = Coalesce(F("amount_eur"), F("quantity") * F("item_type__unit_value_eur"),
                         output_field=MONEY)
        return Response(summarise(
            rows, request, GROUPS,
            measures={"count": Count("id"), "total_quantity": Sum("quantity"),
                      "total_value_eur": Sum(value, output_field=MONEY)},
            labels={"donor": donor_names},
        ))


lifecycle_actions(PledgeViewSet, PLEDGE_LIFECYCLE, services.act_on_pledge, PledgeSerializer)


class StockPositionViewSet(DomainViewSet):
    """A donor's stock of an item, its capability-target floor and its backfill orders."""

    model = StockPosition
    serializer_class = StockPositionSerializer
    filterset_class = StockPositionFilterSet
    create_service = staticmethod(services.create_stock_position)
    update_service = staticmethod(services.update_stock_position)

    query = staticmethod(queries.stock_positions)

    def get_queryset(self) -> QuerySet[StockPosition]:
        return super().get_queryset().prefetch_related("backfill_orders", "released_to")


class BackfillOrderViewSet(DomainViewSet):
    """Orders that replenish a donor's stock, seen by whoever sees the stock position."""

    model = BackfillOrder
    serializer_class = BackfillOrderSerializer
    filterset_class = BackfillOrderFilterSet
    create_service = staticmethod(services.add_backfill_order)
    update_service = staticmethod(services.update_backfill_order)

    def get_queryset(self) -> QuerySet[BackfillOrder]:
        return super().get_queryset().select_related("stock_position")
