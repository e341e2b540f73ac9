"""How the API shows hubs."""

from rest_framework import serializers

from clearinghouse.core.serializers import CONTROL_FIELDS, ControlledSerializer

from ..models import Hub


class HubSerializer(ControlledSerializer):
    operator = serializers.PrimaryKeyRelatedField(source="owner", read_only=True)

    class Meta:
        model = Hub
        fields = ("id", "code", "name", "operator", "country_iso3", "weekly_capacity_pallets",
                  *CONTROL_FIELDS, "version")
