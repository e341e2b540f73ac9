"""Filters for plans, allocations, gaps and plan rules, shared by the API and the pages.

Allocations and rules are filtered by the ``shown_*`` references the API annotates (NULL where
the reader may not see the record, or its donor, or the movement): a filter by an invisible
pledge, an anonymous donor or a hub the reader may not know finds nothing. Nothing sorts by
hub or week (allocations come in one fixed order of what the reader sees), so an order cannot
reveal movement data either.
"""

import django_filters as df

from clearinghouse.core.filters import IdFilter

from .models import Allocation, Gap, Plan, PlanKind, PlanRule, PlanState, RuleKind


class PlanFilterSet(df.FilterSet):
    state = df.MultipleChoiceFilter(choices=PlanState.choices, distinct=False)
    kind = df.MultipleChoiceFilter(choices=PlanKind.choices, distinct=False)
    ordering = df.OrderingFilter(fields=("id", "created_at", "adopted_at"))

    class Meta:
        model = Plan
        fields = []


class AllocationFilterSet(df.FilterSet):
    need = IdFilter(field_name="shown_need_id", label="Need")
    pledge = IdFilter(field_name="shown_pledge_id", label="Pledge")
    fund = IdFilter(field_name="shown_fund_id", label="Fund")
    donor = IdFilter(field_name="shown_donor_id", label="Donor")
    hub = IdFilter(field_name="shown_hub_id", label="Hub (where you see movement)")
    fixed = df.BooleanFilter(field_name="shown_fixed", label="Fixed (where you see movement)")

    class Meta:
        model = Allocation
        fields = []


class GapFilterSet(df.FilterSet):
    need = IdFilter(field_name="need_id", label="Need")
    ordering = df.OrderingFilter(fields=(("need_id", "need"), ("missing", "missing"),
                                         ("late", "late")))

    class Meta:
        model = Gap
        fields = []


class PlanRuleFilterSet(df.FilterSet):
    kind = df.ChoiceFilter(choices=RuleKind.choices)
    active = df.BooleanFilter()
    pledge = IdFilter(field_name="shown_pledge_id", label="Pledge")
    need = IdFilter(field_name="shown_need_id", label="Need")
    ordering = df.OrderingFilter(fields=("id",))

    class Meta:
        model = PlanRule
        fields = []
