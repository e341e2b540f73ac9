from django.db.models import Count, QuerySet, Sum
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from clearinghouse.core.api import DomainViewSet, lifecycle_actions
from clearinghouse.core.summary import GroupSerializer, summarise, summary_action

from .. import queries, services
from ..filtersets import NeedFilterSet
from ..models import NEED_LIFECYCLE, Need, Priority
from .serializers import NeedSerializer

GROUPS = {
    "state": ("state", None),
    "priority": ("priority", None),
    "region": ("region__code", None),
    "area": ("item_type__area__code", "family__area__code"),
    "item_type": ("item_type__name", "family__name"),
}


def priority_names(keys: list) -> dict:
    return {k: Priority(k).label for k in keys if k is not None}


class NeedGroupSerializer(GroupSerializer):
    total_quantity = serializers.FloatField(allow_null=True)


class NeedViewSet(DomainViewSet):
    """The recipient's needs; each caller sees only the needs it may see."""

    model = Need
    serializer_class = NeedSerializer
    filterset_class = NeedFilterSet
    create_service = staticmethod(services.create_need)
    update_service = staticmethod(services.update_need)

    query = staticmethod(queries.needs)

    def get_queryset(self) -> QuerySet[Need]:
        return super().get_queryset().prefetch_related("released_to")

    @summary_action(GROUPS, NeedGroupSerializer)
    def summary(self, request: Request) -> Response:
        """Counts and quantities of the visible, filtered needs, grouped by ``group_by``."""
        rows = self.filter_queryset(self.get_queryset())
        return Response(summarise(rows, request, GROUPS, measures={
            "count": Count("id"), "total_quantity": Sum("quantity"),
        }, labels={"priority": priority_names}))


lifecycle_actions(NeedViewSet, NEED_LIFECYCLE, services.act_on_need, NeedSerializer)
