"""Shipments, their lines, events, receipts and discrepancies as each reader may see them; the
inputs of the writes (docs/shipments.md, "API").

Masking happens on what the views annotate and pass: ``shown_donor_id`` and ``shown_origin``
(``queries.shipments``: NULL and empty for an anonymous donor hidden from the reader), the
``shown_*_id`` references of a line (NULL where the reader may not see the need or pledge) and
``hidden_owners`` in the context (shipment id -> its hidden donor): what that donor's users
recorded, and where at its depot, is left out of events and discrepancies.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import rules
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clearinghouse.core.filters import ID_MAX
from clearinghouse.core.serializers import CONTROL_FIELDS
from clearinghouse.security.roles import Classification

from ..models import (
    DISCREPANCY_LIFECYCLE,
    SHIPMENT_LIFECYCLE,
    Discrepancy,
    EventKind,
    ReceiptReason,
    Resolution,
    Shipment,
    ShipmentEvent,
    ShipmentState,
)

ANONYMOUS = "anonymous"
HORIZON_YEARS = 5  # the furthest a delay may move a shipment (and every date after it)
# Steps taken at the sender's depot: where they happened names the donor.
AT_ORIGIN = {EventKind.PLANNED, EventKind.READY, EventKind.DEPARTED, EventKind.CANCELLED}
NUMBERS_BY_LINE = {"type": "object", "additionalProperties": {"type": "number"},
                   "description": "Line id -> quantity."}


class Marked(serializers.Serializer):
    """Every answer carrying shipments is marked: the record's classification, in words too."""

    classification = serializers.IntegerField(read_only=True)
    classification_display = serializers.SerializerMethodField()

    def get_classification_display(self, row: Any) -> str:
        return Classification(self.level(row)).label

    def level(self, row: Any) -> int:
        return row.classification

    def to_representation(self, row: Any) -> dict[str, Any]:
        data = super().to_representation(row)
        data["classification"] = self.level(row)
        return data


class ReceiptSerializer(serializers.Serializer):
    accepted = serializers.FloatField()
    short = serializers.FloatField()
    damaged = serializers.FloatField()
    wrong_item = serializers.FloatField()
    reason = serializers.CharField(help_text="Why the count differs (empty when it does not).")
    reason_display = serializers.CharField(source="get_reason_display")
    note = serializers.CharField()
    received_on = serializers.DateField()


class LineSerializer(Marked):
    """Units of one allocation on the shipment: planned, shipped, and the unit's count."""

    id = serializers.IntegerField()
    shipment = serializers.IntegerField(source="shipment_id")
    item_type = serializers.IntegerField(source="item_type_id")
    item_type_name = serializers.CharField(source="item_type.name")
    indivisible = serializers.BooleanField(source="item_type.indivisible",
                                           help_text="Counted in whole units.")
    need = serializers.IntegerField(source="shown_need_id", allow_null=True,
                                    help_text="Null where the need is not visible to you.")
    pledge = serializers.IntegerField(source="shown_pledge_id", allow_null=True,
                                      help_text="Null where the pledge is not visible to you.")
    fund = serializers.IntegerField(source="shown_fund_id", allow_null=True)
    quantity = serializers.FloatField(help_text="Planned on this shipment.")
    shipped = serializers.FloatField(allow_null=True, help_text="What left the depot.")
    receipt = serializers.SerializerMethodField()

    def level(self, line: Any) -> int:
        return line.shipment_classification

    @extend_schema_field(ReceiptSerializer(allow_null=True))
    def get_receipt(self, line: Any) -> dict | None:
        receipt = getattr(line, "receipt", None)
        return ReceiptSerializer(receipt).data if receipt is not None else None


class EventSerializer(Marked):
    """One step. Of an anonymous donor hidden from you: who of the donor recorded it, its note
    and the place at the donor's depot are left out (null)."""

    id = serializers.IntegerField()
    shipment = serializers.IntegerField(source="shipment_id")
    kind = serializers.ChoiceField(choices=EventKind.choices)
    kind_display = serializers.CharField(source="get_kind_display")
    happened_on = serializers.DateField()
    place = serializers.CharField(allow_null=True)
    user = serializers.CharField(source="user.username", allow_null=True)
    organisation = serializers.IntegerField(source="organisation_id", allow_null=True)
    organisation_name = serializers.CharField(source="organisation.name", allow_null=True)
    quantities = serializers.DictField(child=serializers.CharField(),
                                       help_text="Line id -> the quantity this step recorded.")
    note = serializers.CharField(allow_null=True)
    recorded_at = serializers.DateTimeField()

    def level(self, event: Any) -> int:
        return event.shipment_classification

    def to_representation(self, event: ShipmentEvent) -> dict[str, Any]:
        data = super().to_representation(event)
        owner = self.context.get("hidden_owners", {}).get(event.shipment_id)
        if owner is not None:
            if event.kind in AT_ORIGIN:
                data["place"] = None
            if event.organisation_id == owner:
                data.update(user=None, organisation=None, organisation_name=None, note=None)
        return data


class DiscrepancySerializer(Marked):
    """A difference between what left and what was accepted; open until resolved."""

    id = serializers.IntegerField()
    shipment = serializers.IntegerField(source="line.shipment_id")
    line = serializers.IntegerField(source="line_id")
    item_type_name = serializers.CharField(source="line.item_type.name")
    kind = serializers.CharField()
    kind_display = serializers.CharField(source="get_kind_display")
    quantity = serializers.FloatField()
    reason = serializers.CharField()
    reason_display = serializers.CharField(source="get_reason_display")
    note = serializers.CharField()
    state = serializers.CharField()
    state_display = serializers.CharField(source="get_state_display")
    resolution = serializers.CharField()
    resolution_display = serializers.CharField(source="get_resolution_display")
    resolution_note = serializers.CharField(allow_null=True)
    resolved_by = serializers.CharField(source="resolved_by.username", allow_null=True,
                                        default=None)
    opened_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    version = serializers.IntegerField()
    actions = serializers.SerializerMethodField(help_text="What you may do with it now.")

    def level(self, d: Discrepancy) -> int:
        return d.line.shipment.classification

    def get_actions(self, d: Discrepancy) -> list[str]:
        user = self.context["request"].user
        return [a for a in DISCREPANCY_LIFECYCLE.allowed_actions(d.state)
                if rules.has_perm(f"shipments.{a}_discrepancy", user, d)]

    def to_representation(self, d: Discrepancy) -> dict[str, Any]:
        data = super().to_representation(d)
        owner = self.context.get("hidden_owners", {}).get(d.line.shipment_id)
        if owner is not None and d.resolved_by is not None \
                and d.resolved_by.organisation_id == owner:
            data.update(resolved_by=None, resolution_note=None)
        return data


# Actions on a shipment besides its lifecycle's steps, with the permission each needs.
EXTRA_ACTIONS = {"split": "change", "delay": "delay"}
EXTRA_STATES = {"split": (ShipmentState.PLANNED, ShipmentState.READY),
                "delay": (ShipmentState.PLANNED, ShipmentState.READY, ShipmentState.DEPARTED)}


class ShipmentSerializer(Marked, serializers.ModelSerializer):
    """A shipment as the reader sees it: its lines with what was planned, shipped and counted.
    The donor and its origin depot are null where the donor is anonymous to you."""
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    plan = serializers.SerializerMethodField(help_text="Null where the plan is not yours to see.")
    donor = serializers.IntegerField(source="shown_donor_id", allow_null=True, read_only=True,
                                     help_text="Null where the donor is anonymous to you.")
    donor_name = serializers.SerializerMethodField()
    origin = serializers.CharField(source="shown_origin", allow_null=True, read_only=True,
                                   help_text="The origin depot; null where the donor is "
                                             "anonymous to you (a depot names its donor).")
    hub_name = serializers.CharField(source="hub.name", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    receiving_unit_name = serializers.CharField(source="receiving_unit.name", read_only=True,
                                                allow_null=True, default=None)
    late = serializers.BooleanField(read_only=True,
                                    help_text="Expected after its planned arrival.")
    open_discrepancies = serializers.IntegerField(read_only=True)
    lines = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField(help_text="What you may do with it now.")

    class Meta:
        model = Shipment
        fields = (
            "id", "plan", "state", "state_display", "donor", "donor_name", "origin", "hub",
            "hub_name", "region", "region_name", "receiving_unit", "receiving_unit_name",
            "planned_hub_on", "planned_arrival_on", "expected_ready_on", "expected_hub_on",
            "expected_arrival_on", "departed_on", "at_hub_on", "handed_over_on", "received_on",
            "verified_at", "late", "open_discrepancies", "lines", *CONTROL_FIELDS,
            "classification_display", "version", "actions",
        )
        read_only_fields = fields

    def get_plan(self, shipment: Shipment) -> int | None:
        return shipment.plan_id if shipment.plan_id in self.context.get("plans", ()) else None

    def get_donor_name(self, shipment: Shipment) -> str:
        if shipment.shown_donor_id is None:
            return ANONYMOUS
        return self.context.get("donor_names", {}).get(shipment.shown_donor_id, "")

    @extend_schema_field(LineSerializer(many=True))
    def get_lines(self, shipment: Shipment) -> list[dict]:
        lines = self.context.get("lines", {}).get(shipment.pk, [])
        return LineSerializer(lines, many=True, context=self.context).data

    def get_actions(self, shipment: Shipment) -> list[str]:
        user = self.context["request"].user
        found = [a for a in SHIPMENT_LIFECYCLE.allowed_actions(shipment.state)
                 if rules.has_perm(f"shipments.{a}_shipment", user, shipment)]
        found += [a for a, perm in EXTRA_ACTIONS.items() if shipment.state in EXTRA_STATES[a]
                  and rules.has_perm(f"shipments.{perm}_shipment", user, shipment)]
        return found

    def to_representation(self, shipment: Shipment) -> dict[str, Any]:
        data = super().to_representation(shipment)
        if shipment.shown_donor_id is None:
            data["origin"] = None
        return data


class ShipmentDetailSerializer(ShipmentSerializer):
    """One shipment with its steps and its open discrepancies."""

    events = serializers.SerializerMethodField()
    discrepancies = serializers.SerializerMethodField(help_text="The open ones.")

    class Meta(ShipmentSerializer.Meta):
        fields = (*ShipmentSerializer.Meta.fields, "events", "discrepancies")
        read_only_fields = fields

    @extend_schema_field(EventSerializer(many=True))
    def get_events(self, shipment: Shipment) -> list[dict]:
        return EventSerializer(self.context.get("events", []), many=True,
                               context=self.context).data

    @extend_schema_field(DiscrepancySerializer(many=True))
    def get_discrepancies(self, shipment: Shipment) -> list[dict]:
        return DiscrepancySerializer(self.context.get("discrepancies", []), many=True,
                                     context=self.context).data


# -- the inputs of the writes ------------------------------------------------------------------

class Versioned(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, min_value=1, max_value=ID_MAX,
        help_text="The version you read (or send If-Match); a stale or missing one is refused "
                  "with 409.")


class MakeSerializer(serializers.Serializer):
    plan = serializers.IntegerField(required=False, min_value=1, max_value=ID_MAX,
                                    help_text="The adopted plan (default).")


class StepSerializer(Versioned):
    happened_on = serializers.DateField(required=False, help_text="Default today; never in "
                                        "the future nor before the step before.")
    place = serializers.CharField(required=False, allow_blank=True, default="", max_length=150)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


@extend_schema_field(NUMBERS_BY_LINE)
class QuantitiesField(serializers.JSONField):
    """Line id -> quantity, checked line by line by the service (``field.<line>``)."""


class DepartSerializer(StepSerializer):
    shipped = QuantitiesField(required=False, help_text="What left per line, if less than "
                              "planned: the rest returns to its pledge. Default: every line "
                              "in full.")


class SplitSerializer(Versioned):
    quantities = QuantitiesField(help_text="Line id -> units moved onto a new shipment.")


class DelaySerializer(Versioned):
    hub_on = serializers.DateField(help_text="The day it is now expected at the hub (within "
                                             f"{HORIZON_YEARS} years).")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)

    def validate_hub_on(self, value: date) -> date:
        if value > timezone.localdate() + timedelta(days=366 * HORIZON_YEARS):
            raise serializers.ValidationError(
                f"A delay of more than {HORIZON_YEARS} years is not a delay: cancel or "
                "re-plan instead.")
        return value


COUNT = {"type": "object", "properties": {
    "accepted": {"type": "number"}, "short": {"type": "number"},
    "damaged": {"type": "number"}, "wrong_item": {"type": "number"},
    "reason": {"type": "string", "enum": ReceiptReason.values,
               "description": "Why it differs: " + "; ".join(
                   f"{c}: {label}" for c, label in ReceiptReason.choices)},
    "note": {"type": "string", "maxLength": 500}}, "required": ["accepted"]}


@extend_schema_field({"type": "object", "additionalProperties": COUNT,
                      "description": "Line id -> its count: every line that left, the four "
                                     "counts adding up to what was shipped."})
class CountsField(serializers.JSONField):
    """Every line that left, by id: its count (checked by the service: counts.<line>.<field>)."""


class ReceiveSerializer(StepSerializer):
    counts = CountsField()


class ResolveSerializer(Versioned):
    resolution = serializers.ChoiceField(choices=Resolution.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)

