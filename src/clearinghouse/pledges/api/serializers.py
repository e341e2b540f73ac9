from typing import Any

from rest_framework import serializers

from clearinghouse.catalogue.models import ItemType
from clearinghouse.core.api import VisibleRelatedField
from clearinghouse.core.serializers import (
    CONTROL_FIELDS,
    ControlledSerializer,
    LifecycleSerializer,
    MaskingSerializer,
    VersionedSerializer,
)
from clearinghouse.needs.models import Need
from clearinghouse.parties.models import Region

from ..models import DONOR_REVEALING, PLEDGE_LIFECYCLE, BackfillOrder, Pledge, StockPosition

ANONYMOUS = "anonymous"


class PledgeSerializer(MaskingSerializer, LifecycleSerializer):
    donor = serializers.SerializerMethodField(help_text="Null where the donor is anonymous to you.")
    donor_name = serializers.SerializerMethodField()
    need = VisibleRelatedField(queryset=Need.objects.all(), required=False, allow_null=True)
    funding_items = serializers.PrimaryKeyRelatedField(
        queryset=ItemType.objects.all(), many=True, required=False
    )
    allowed_regions = serializers.SlugRelatedField(
        slug_field="code", queryset=Region.objects.all(), many=True, required=False
    )
    value_eur = serializers.DecimalField(
        max_digits=18, decimal_places=2, read_only=True, allow_null=True,
        help_text="Quantity times the item's unit value, or the amount; null for training.")
    below_target = serializers.BooleanField(
        source="shown_below_target", read_only=True, allow_null=True,
        help_text="The pledge takes its donor's stock below the capability-target minimum; "
        "null where you may not see the stock position.")
    below_target_by = serializers.DecimalField(
        source="shown_below_target_by", max_digits=14, decimal_places=3, read_only=True,
        allow_null=True, help_text="By how much; null where not below, or not yours to see.")
    machine = PLEDGE_LIFECYCLE
    app_label = "pledges"
    masked = ("need", "stock_position", *DONOR_REVEALING)

    class Meta:
        model = Pledge
        fields = (
            "id", "donor", "donor_name", "kind", "item_type", "quantity", "amount_eur",
            "funding_items", "funding_non_lethal_only", "places", "course",
            "earliest_availability", "origin_depot", "need", "allowed_regions", "anonymous",
            "stock_position", "below_target", "below_target_by", "value_eur", "state",
            *CONTROL_FIELDS, "version", "created_at", "actions",
        )
        read_only_fields = (
            "stock_position", "state", "release_coordinator", "created_at",
        )

    def _donor_hidden(self, pledge) -> bool:
        return getattr(pledge, "shown_donor_id", pledge.owner_id) is None

    def get_donor(self, pledge: Pledge) -> int | None:
        return None if self._donor_hidden(pledge) else pledge.owner_id

    def get_donor_name(self, pledge: Pledge) -> str:
        return ANONYMOUS if self._donor_hidden(pledge) else pledge.owner.name

    def to_representation(self, pledge: Pledge) -> dict[str, Any]:
        data = super().to_representation(pledge)
        # References to records the caller cannot see are shown as empty.
        self.blank(data, [f for f in ("need", "stock_position")
                          if getattr(pledge, f"shown_{f}_id", getattr(pledge, f"{f}_id")) is None])
        if self._donor_hidden(pledge):
            self.blank(data, [f for f in DONOR_REVEALING if f in data])
        return data


class BackfillOrderSerializer(VersionedSerializer):
    stock_position = VisibleRelatedField(queryset=StockPosition.objects.all())

    class Meta:
        model = BackfillOrder
        fields = ("id", "stock_position", "quantity", "expected_date", "reference", "version")


class StockPositionSerializer(ControlledSerializer):
    owner_name = serializers.CharField(source="owner.name", read_only=True)
    committed = serializers.DecimalField(
        max_digits=14, decimal_places=3, read_only=True,
        help_text="Promised by pledges not yet delivered, withdrawn or declined.",
    )
    backfill_orders = BackfillOrderSerializer(many=True, read_only=True)

    class Meta:
        model = StockPosition
        fields = (
            "id", "owner", "owner_name", "item_type", "quantity_held", "target_minimum",
            "committed", "notes", "backfill_orders", *CONTROL_FIELDS, "version",
        )
        read_only_fields = ("owner", "release_coordinator")
