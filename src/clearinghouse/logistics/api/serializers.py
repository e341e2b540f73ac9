"""How the API shows hubs and their closures; the inputs of a closure's writes."""

from rest_framework import serializers

from clearinghouse.core.filters import ID_MAX
from clearinghouse.core.serializers import CONTROL_FIELDS, ControlledSerializer

from ..models import Hub, HubClosure


class HubSerializer(ControlledSerializer):
    operator = serializers.PrimaryKeyRelatedField(source="owner", read_only=True)

    class Meta:
        model = Hub
        fields = ("id", "code", "name", "operator", "country_iso3", "weekly_capacity_pallets",
                  *CONTROL_FIELDS, "version")


class HubClosureSerializer(ControlledSerializer):
    """Days on which a hub handles nothing; released as its hub is."""

    hub_name = serializers.CharField(source="hub.name", read_only=True)
    operator = serializers.PrimaryKeyRelatedField(source="owner", read_only=True)

    class Meta:
        model = HubClosure
        fields = ("id", "hub", "hub_name", "operator", "starts_on", "ends_on", "reason",
                  *CONTROL_FIELDS, "version")
        read_only_fields = fields


class NewClosureSerializer(serializers.Serializer):
    """A closure to add: the hub's logistics officers or a coordinator. A hub you do not see is
    absent (404); one you may not close is refused (403)."""

    hub = serializers.IntegerField(min_value=1, max_value=ID_MAX, help_text="The hub's id.")
    starts_on = serializers.DateField(help_text="The first day closed.")
    ends_on = serializers.DateField(help_text="The last day closed, on or after the first.")
    reason = serializers.CharField(required=False, allow_blank=True, default="",
                                   max_length=HubClosure._meta.get_field("reason").max_length)


class ClosureChangeSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, max_value=ID_MAX,
                                       help_text="The version you read; a stale one gets 409.")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    reason = serializers.CharField(required=False, allow_blank=True, default="",
                                   max_length=HubClosure._meta.get_field("reason").max_length)
