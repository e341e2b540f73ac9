"""Plans, allocations, gaps and plan rules as each reader may see them; the inputs of the writes.

Masking happens on data the views annotate (``figures_shown``, ``movement_visible``,
``shown_*_id``): a serializer only leaves out what the annotation says is not for this reader.
"""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clearinghouse.core.api import VisibleRelatedField
from clearinghouse.core.serializers import MaskingSerializer
from clearinghouse.core.words import word, words
from clearinghouse.needs.models import Need, NeedState
from clearinghouse.pledges.models import Pledge

from ..models import Allocation, Gap, Plan, PlanRule, RuleKind
from ..queries import Coverage, reasons_for, sees_everything

ANONYMOUS = "anonymous"

# What a reader who sees a plan only thin (the adopted plan it takes part in) is shown.
THIN_FIELDS = ("id", "name", "kind", "kind_display", "state", "state_display", "start_date",
               "horizon_weeks", "adopted_at", "version", "figures_shown")


class PlanSerializer(MaskingSerializer, serializers.ModelSerializer):
    figures_shown = serializers.BooleanField(
        read_only=True, help_text="False where you see the plan thin: its figures are null."
    )
    ratio_to_greedy = serializers.FloatField(read_only=True, allow_null=True,
                                             help_text="Value over the greedy plan's value.")
    base = serializers.SerializerMethodField(help_text="For a what-if: the plan it varies.")
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    adopted_by = serializers.CharField(source="adopted_by.username", read_only=True,
                                       allow_null=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    status_display = serializers.SerializerMethodField(
        help_text="The solver's status in words (core/words.py); empty before the solve.")

    class Meta:
        model = Plan
        fields = (
            "id", "name", "kind", "kind_display", "state", "state_display", "phase", "progress",
            "status", "status_display", "value", "coverage",
            "bound", "lp_bound", "gap", "greedy_value", "ratio_to_greedy", "seconds", "stats",
            "note", "left_out", "error", "base", "changes", "start_date", "horizon_weeks",
            "time_limit_s", "gap_target", "created_by", "created_at", "finished_at",
            "adopted_by", "adopted_at", "version", "figures_shown",
        )
        read_only_fields = fields

    # Everything but the thin fields is blanked for a reader who sees the plan thin.
    masked = tuple(f for f in Meta.fields if f not in THIN_FIELDS)

    def get_status_display(self, plan: Plan) -> str:
        return word("solver_status", plan.status)

    def get_base(self, plan: Plan) -> int | None:
        return getattr(plan, "shown_base_id", plan.base_id)

    def to_representation(self, plan: Plan) -> dict[str, Any]:
        data = super().to_representation(plan)
        if not getattr(plan, "figures_shown", False):
            self.blank(data, self.masked)
        return data


class RunPlanSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    start = serializers.DateField(required=False, allow_null=True,
                                  help_text="Week 1 starts on this date's Monday; default today.")
    horizon_weeks = serializers.IntegerField(required=False)
    time_limit_s = serializers.FloatField(required=False)
    gap_target = serializers.FloatField(required=False)

    # Serializer field -> run_plan's keyword (its defaults apply to what is left out).
    KEYWORDS = {"name": "name", "start": "start", "horizon_weeks": "horizon",
                "time_limit_s": "time_limit", "gap_target": "gap"}

    def service_arguments(self) -> dict:
        return {self.KEYWORDS[k]: v for k, v in self.validated_data.items()}


class WhatIfSerializer(serializers.Serializer):
    changes = serializers.JSONField(
        help_text="A list of changes, each an object with a 'kind': withdraw_donor, "
                  "withdraw_pledge, close_hub, add_pledge or set_priority."
    )
    name = serializers.CharField(required=False, allow_blank=True, max_length=150)


class AllocationSerializer(serializers.Serializer):
    """An allocation as the reader sees it (rows of ``AllocationViewSet``, already masked).

    Where the reader may not see the movement, the allocations of one pledge (or fund and
    offer) to one need are one row, their quantities and values summed: how a delivery is split
    into hubs and weeks is movement data too, and so is whether it is already on the move."""

    id = serializers.SerializerMethodField(
        help_text="The allocation; null on a row that sums several (no movement shown)."
    )
    plan = serializers.IntegerField(source="plan_id")
    pledge = serializers.IntegerField(source="shown_pledge_id", allow_null=True,
                                      help_text="Null where the pledge is not visible to you.")
    donor = serializers.IntegerField(
        source="shown_donor_id", allow_null=True,
        help_text="Null where the donor is anonymous to you, or its pledge not visible.",
    )
    donor_name = serializers.SerializerMethodField()
    fund = serializers.IntegerField(source="shown_fund_id", allow_null=True)
    offer = serializers.IntegerField(source="shown_offer_id", allow_null=True)
    need = serializers.IntegerField(source="shown_need_id", allow_null=True)
    quantity = serializers.FloatField(source="total_quantity")
    value = serializers.FloatField(source="total_value", allow_null=True,
                                   help_text="Null where the need is not visible to you.")
    fixed = serializers.BooleanField(source="shown_fixed", allow_null=True,
                                     help_text="On the move or pinned; movement data.")
    movement_visible = serializers.BooleanField(
        help_text="Whether you see the hub and the weeks (DESIGN.md rule 4)."
    )
    hub = serializers.IntegerField(source="shown_hub_id", allow_null=True)
    hub_code = serializers.CharField(source="shown_hub_code", allow_null=True)
    ship_week = serializers.IntegerField(source="shown_ship_week", allow_null=True)
    arrival_week = serializers.IntegerField(source="shown_arrival_week", allow_null=True)
    ship_on = serializers.SerializerMethodField(help_text="Monday of the week the hub handles it.")
    arrive_on = serializers.SerializerMethodField(help_text="Monday of the week it arrives.")

    def get_id(self, row: dict[str, Any]) -> int | None:
        return row["first_id"] if row["movement_visible"] and row["rows"] == 1 else None

    def get_donor_name(self, row: dict[str, Any]) -> str:
        donor = row["shown_donor_id"]
        return self.context["donor_names"].get(donor, ANONYMOUS) if donor else ANONYMOUS

    def _week(self, week: int | None) -> date | None:
        return None if week is None else self.context["plan"].week_start(week)

    def get_ship_on(self, row: dict[str, Any]) -> date | None:
        return self._week(row["shown_ship_week"])

    def get_arrive_on(self, row: dict[str, Any]) -> date | None:
        return self._week(row["shown_arrival_week"])


class GapReasonSerializer(serializers.Serializer):
    """A reason (for readers other than coordinators: code, generic message, whitelisted ask)."""

    code = serializers.CharField()
    code_display = serializers.CharField(help_text="The reason in words (core/words.py).")
    message = serializers.CharField()
    would_close = serializers.JSONField(required=False, allow_null=True)
    ask = serializers.JSONField(required=False, allow_null=True)


class GapSerializer(serializers.ModelSerializer):
    reasons = serializers.SerializerMethodField()
    reasons_display = serializers.SerializerMethodField(
        help_text="Why the need is not covered on time, in one sentence of the users' words.")

    class Meta:
        model = Gap
        fields = ("id", "plan", "need", "missing", "late", "reasons", "reasons_display")
        read_only_fields = fields

    def _reasons(self, gap: Gap) -> list:
        return reasons_for(self.context["request"].user, gap.reasons)

    @extend_schema_field(GapReasonSerializer(many=True))
    def get_reasons(self, gap: Gap) -> list:
        return [dict(r, code_display=word("reason", r.get("code"))) if isinstance(r, dict)
                else r for r in self._reasons(gap)]

    def get_reasons_display(self, gap: Gap) -> str:
        codes = [r.get("code") for r in self._reasons(gap) if isinstance(r, dict)]
        said = words("reason", [c for c in codes if c])
        return f"{said[0].upper()}{said[1:]}." if said else ""


class PriorityCoverageSerializer(serializers.Serializer):
    priority = serializers.CharField()
    needs = serializers.IntegerField()
    coverage = serializers.FloatField()


class NeedComparisonSerializer(serializers.Serializer):
    need = serializers.IntegerField()
    priority = serializers.CharField()
    quantity = serializers.FloatField()
    base_allocated = serializers.FloatField()
    other_allocated = serializers.FloatField()
    base_on_time = serializers.FloatField()
    other_on_time = serializers.FloatField()
    base_value = serializers.FloatField()
    other_value = serializers.FloatField()
    delta_value = serializers.FloatField()


class ComparisonSerializer(serializers.Serializer):
    base = serializers.IntegerField()
    other = serializers.IntegerField()
    base_value = serializers.FloatField(allow_null=True)
    other_value = serializers.FloatField(allow_null=True)
    base_by_priority = PriorityCoverageSerializer(many=True)
    other_by_priority = PriorityCoverageSerializer(many=True)
    losers = serializers.IntegerField()
    gainers = serializers.IntegerField()
    needs = NeedComparisonSerializer(many=True)


# -- plan rules -------------------------------------------------------------------------------

class PlanRuleSerializer(serializers.ModelSerializer):
    pledge = serializers.IntegerField(source="shown_pledge_id", read_only=True, allow_null=True)
    need = serializers.IntegerField(source="shown_need_id", read_only=True, allow_null=True)
    hub = serializers.SerializerMethodField(help_text="Pin: movement data, coordinators only.")
    ship_on = serializers.SerializerMethodField(help_text="Pin: movement data, coordinators only.")
    created_by = serializers.CharField(source="created_by.username", read_only=True)

    class Meta:
        model = PlanRule
        fields = ("id", "kind", "pledge", "need", "hub", "ship_on", "quantity", "active", "note",
                  "created_by", "version")
        read_only_fields = fields

    def _moving(self) -> bool:
        return sees_everything(self.context["request"].user)

    def get_hub(self, rule: PlanRule) -> int | None:
        return rule.hub_id if self._moving() else None

    def get_ship_on(self, rule: PlanRule) -> date | None:
        return rule.ship_on if self._moving() else None


class NewPlanRuleSerializer(serializers.Serializer):
    """``pin`` keeps an allocation in later plans; ``forbid`` never gives a pledge to a need."""

    kind = serializers.ChoiceField(choices=RuleKind.choices)
    allocation = VisibleRelatedField(queryset=Allocation.objects.all(), required=False,
                                     help_text="Pin: the allocation to keep.")
    pledge = VisibleRelatedField(queryset=Pledge.objects.all(), required=False,
                                 help_text="Forbid: the pledge.")
    need = VisibleRelatedField(queryset=Need.objects.all(), required=False,
                               help_text="Forbid: the need it may not go to.")
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        wanted = ("allocation",) if attrs["kind"] == RuleKind.PIN else ("pledge", "need")
        missing = {f: [f"Required for a {attrs['kind']} rule."] for f in wanted
                   if attrs.get(f) is None}
        if missing:
            raise serializers.ValidationError(missing)
        return attrs


UNITS = {"max_digits": 15, "decimal_places": 3, "coerce_to_string": False, "read_only": True}


class NeedCoverage(NamedTuple):
    need: Need
    coverage: Coverage


class NeedCoverageSerializer(serializers.Serializer):
    """A need's coverage as the reader sees it (docs/planning.md, "Coverage")."""

    need = serializers.IntegerField(source="need.pk", read_only=True)
    state = serializers.ChoiceField(source="need.state", choices=NeedState.choices, read_only=True)
    required_by = serializers.DateField(source="need.required_by", read_only=True)
    quantity = serializers.DecimalField(source="coverage.quantity", **UNITS)
    covered = serializers.DecimalField(
        source="coverage.covered", **UNITS,
        help_text="Units the adopted plan brings by the required-by date.")
    late = serializers.DecimalField(
        source="coverage.late", **UNITS,
        help_text="Units the adopted plan brings after the required-by date: they cover nothing.")
    accepted = serializers.DecimalField(
        source="coverage.accepted", **UNITS,
        help_text="Goods pledges accepted, used by no plan yet.")
    pledged = serializers.DecimalField(
        source="coverage.pledged", **UNITS, help_text="Goods pledges offered, not yet accepted.")
    missing = serializers.DecimalField(source="coverage.missing", **UNITS)
    classification = serializers.IntegerField(
        read_only=True, help_text="The highest classification of the need and of the records "
                                  "counted: the level of this answer.")

    def to_representation(self, row: NeedCoverage) -> dict[str, Any]:
        data = super().to_representation(row)
        data["classification"] = max(row.need.classification, row.coverage.level or 0)
        return data
