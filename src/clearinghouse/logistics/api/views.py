from rest_framework import serializers

from clearinghouse.core.api import ReadOnlyViewSet
from clearinghouse.core.serializers import CONTROL_FIELDS, ControlledSerializer

from ..models import Hub


class HubSerializer(ControlledSerializer):
    operator = serializers.PrimaryKeyRelatedField(source="owner", read_only=True)

    class Meta:
        model = Hub
        fields = ("id", "code", "name", "operator", "country_iso3", "weekly_capacity_pallets",
                  *CONTROL_FIELDS, "version")


class HubViewSet(ReadOnlyViewSet):
    """Logistics hubs: where cargo gathers, so seen only by those they are released to."""

    model = Hub
    serializer_class = HubSerializer

    def get_queryset(self):
        return super().get_queryset().prefetch_related("released_to")
