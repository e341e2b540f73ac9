"""The planning API: run, what-if, adopt and compare plans; read their allocations and gaps as
each reader may see them; pin and forbid. Every write calls ``planning.services``."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, Count, F, FloatField, Min, QuerySet, Sum, Value, When
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from clearinghouse.core.api import (
    HISTORY_ACTION,
    ActionSerializer,
    HistoryEntrySerializer,
    Restricted,
    VisibleViewSet,
    expected_version,
)
from clearinghouse.core.history import history_entries
from clearinghouse.core.views import visible_or_404
from clearinghouse.needs.filtersets import NeedFilterSet
from clearinghouse.needs.models import Need
from clearinghouse.parties.models import Organisation
from clearinghouse.pledges.models import Pledge
from clearinghouse.security.models import visible_reference

from .. import services
from ..compare import compare
from ..filtersets import AllocationFilterSet, GapFilterSet, PlanFilterSet, PlanRuleFilterSet
from ..models import Allocation, Gap, Plan, PlanRule
from ..queries import (
    LARGE,
    allocations_for,
    ask_plan,
    coverage_for,
    gaps_for,
    plans_for,
    sees_everything,
)
from .serializers import (
    AllocationSerializer,
    ComparisonSerializer,
    GapSerializer,
    NeedCoverage,
    NeedCoverageSerializer,
    NewPlanRuleSerializer,
    PlanRuleSerializer,
    PlanSerializer,
    RunPlanSerializer,
    WhatIfSerializer,
)


class PlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, VisibleViewSet):
    """Plans: one solve of the clearing optimiser over a snapshot. Coordinators and auditors see
    every plan in full; the recipient side, the sending donors and the hub operators see the
    adopted plan, thin (its figures are aggregates over records they may not see)."""

    model = Plan
    serializer_class = PlanSerializer
    filterset_class = PlanFilterSet

    def get_queryset(self) -> QuerySet[Plan]:
        user = self.request.user
        return (
            plans_for(user).defer(*LARGE).select_related("created_by", "adopted_by")
            .annotate(shown_base_id=visible_reference("base_id", Plan, user))
        )

    def _read(self, plan: Plan, code: int = status.HTTP_200_OK) -> Response:
        data = PlanSerializer(self.reload(plan), context=self.get_serializer_context()).data
        return Response(data, status=code)

    @extend_schema(request=RunPlanSerializer, responses={202: PlanSerializer})
    def create(self, request: Request) -> Response:
        """Snapshot what you see now and queue the solve (coordinators). 202: it is queued."""
        form = RunPlanSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        plan = services.run_plan(request.user, **form.service_arguments())
        return self._read(plan, status.HTTP_202_ACCEPTED)

    @extend_schema(request=WhatIfSerializer, responses={202: PlanSerializer})
    @action(detail=True, methods=["post"], url_path="what-if")
    def what_if(self, request: Request, pk: str | None = None) -> Response:
        """A variant of this plan's snapshot with ``changes``, solved beside it (coordinators)."""
        base = self.get_object()
        form = WhatIfSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        plan = services.run_what_if(request.user, base, form.validated_data["changes"],
                                    form.validated_data.get("name", ""))
        return self._read(plan, status.HTTP_202_ACCEPTED)

    @extend_schema(request=ActionSerializer, responses=PlanSerializer)
    @action(detail=True, methods=["post"])
    def adopt(self, request: Request, pk: str | None = None) -> Response:
        """Make the plan's allocations binding (coordinators). 409 if its version or state
        forbids it; 400 naming ``plan`` if its snapshot is stale."""
        plan = self.get_object()
        return self._read(services.adopt_plan(request.user, plan, expected_version(request)))

    @extend_schema(request=ActionSerializer, responses=PlanSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Stop a queued or running plan (coordinators): it fails, saying who cancelled it.
        409 if it is no longer queued or running, or your version is stale."""
        plan = self.get_object()
        return self._read(services.cancel_plan(request.user, plan, expected_version(request)))

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["get"])
    def instance(self, request: Request, pk: str | None = None) -> Response:
        """The snapshot the plan was solved over (a clearinghouse-instance/1 document): movement
        data, so for coordinators and auditors only."""
        plan = self.get_object()
        if not sees_everything(request.user):
            raise Http404
        return Response(Plan.objects.values_list("instance", flat=True).get(pk=plan.pk))

    @extend_schema(
        responses=ComparisonSerializer,
        parameters=[OpenApiParameter("other_id", int, OpenApiParameter.PATH,
                                     description="The plan compared with this one.")],
    )
    @action(detail=True, methods=["get"], url_path=r"compare/(?P<other_id>\d+)")
    def compare(
        self, request: Request, pk: str | None = None, other_id: str | None = None
    ) -> Response:
        """Need by need, what ``other`` gains or loses against this plan, over the needs you
        see. Both plans must be visible to you in full."""
        full = Plan.objects.visible_to(request.user)
        base = visible_or_404(full, request.user, pk)
        other = visible_or_404(full, request.user, other_id)
        needs = set(Need.objects.visible_to(request.user).values_list("pk", flat=True))
        return Response(compare(base, other, visible_needs=needs))

    @extend_schema(responses=HistoryEntrySerializer(many=True))
    @action(detail=True, methods=["get"], **HISTORY_ACTION)
    def history(self, request: Request, pk: str | None = None) -> Response:
        """Every change of the plan (its figures too): for those who see it in full."""
        plan = visible_or_404(Plan.objects.visible_to(request.user).defer(*LARGE),
                              request.user, pk)
        return Response(history_entries(plan, request.user.clearance))


class PlanPartViewSet(Restricted, mixins.ListModelMixin, viewsets.GenericViewSet):
    """What belongs to one plan (``plan_pk`` in the URL): 404 if the plan is not visible."""

    def plan(self) -> Plan:
        if not hasattr(self, "_plan"):
            plans = plans_for(self.request.user).defer(*LARGE)
            self._plan = visible_or_404(plans, self.request.user, self.kwargs["plan_pk"])
        return self._plan

    def fake(self) -> bool:
        return getattr(self, "swagger_fake_view", False)


# The columns of an allocation row as the reader sees it; rows equal in all of them are summed.
SHOWN = ("plan_id", "shown_pledge_id", "shown_fund_id", "shown_offer_id", "shown_need_id",
         "shown_donor_id", "movement_visible", "shown_hub_id", "shown_hub_code",
         "shown_ship_week", "shown_arrival_week", "shown_fixed")


# An allocation's value is the need's priority weight times the share it covers: it tells of
# the need, so it is shown only to those who see the need.
SHOWN_VALUE = Case(When(shown_need_id__isnull=False, then=F("value")), default=Value(None),
                   output_field=FloatField())


class AllocationViewSet(PlanPartViewSet):
    """The plan's allocations you may see (coordinators: all; others: the adopted plan's that
    concern them). Pledge, fund, offer and need are null where not visible to you, the donor
    where anonymous to you; hub, weeks and dates only where you may see the movement."""

    serializer_class = AllocationSerializer
    filterset_class = AllocationFilterSet

    def get_queryset(self) -> QuerySet[Allocation]:
        if self.fake():
            return Allocation.objects.none()
        return allocations_for(self.request.user, self.plan())

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # Coordinators and auditors see every column, so each allocation is a row of its own
        # (with its id, to pin it), even two the solver made alike.
        keys = (*SHOWN, "id") if sees_everything(request.user) else SHOWN
        rows = (
            self.filter_queryset(self.get_queryset()).order_by().values(*keys)
            .annotate(total_quantity=Sum("quantity"), total_value=Sum(SHOWN_VALUE),
                      first_id=Min("id"), rows=Count("id"))
            .order_by("shown_need_id", "shown_pledge_id", "shown_fund_id", "shown_offer_id",
                      "shown_hub_id", "shown_ship_week", "first_id")
        )
        page = self.paginate_queryset(rows)
        donors = {r["shown_donor_id"] for r in page if r["shown_donor_id"]}
        names = dict(Organisation.objects.filter(pk__in=donors).values_list("pk", "name"))
        context = self.get_serializer_context() | {"plan": self.plan(), "donor_names": names}
        return self.get_paginated_response(AllocationSerializer(page, many=True,
                                                                context=context).data)


class GapViewSet(PlanPartViewSet):
    """Needs the plan leaves uncovered or late, why, and what would close them. Coordinators and
    auditors see every gap with the solver's reasons; others the adopted plan's gaps of needs
    they see, each reason as its code, a generic message and what would close it."""

    serializer_class = GapSerializer
    filterset_class = GapFilterSet

    def get_queryset(self) -> QuerySet[Gap]:
        if self.fake():
            return Gap.objects.none()
        return gaps_for(self.request.user, self.plan())


class AskListView(Restricted, generics.ListAPIView):
    """The ask list for the next contact-group meeting: the adopted plan's gaps over the needs
    you see, the most important first, with what would close each (masked as in
    ``/plans/{id}/gaps/``). Coordinators and auditors may pick another plan with ``?plan=``."""

    serializer_class = GapSerializer

    @extend_schema(parameters=[OpenApiParameter("plan", int, description="A plan you see "
                                                "in full (coordinators and auditors).")])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Gap]:
        if getattr(self, "swagger_fake_view", False):  # the schema's look at the view
            return Gap.objects.none()
        user = self.request.user
        plan = ask_plan(user, self.request.query_params.get("plan"))
        if plan is None:
            return Gap.objects.none().restricted_for(user)
        return (gaps_for(user, plan).filter(need__in=Need.objects.visible_to(user).values("pk"))
                .order_by("need__priority", "need__required_by", "need_id"))


class PlanRuleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, VisibleViewSet):
    """Standing instructions to every later plan: keep (pin) an allocation, or never give a
    pledge to a need (forbid). Coordinators create and lift them."""

    model = PlanRule
    serializer_class = PlanRuleSerializer
    filterset_class = PlanRuleFilterSet

    def get_queryset(self) -> QuerySet[PlanRule]:
        user = self.request.user
        return (
            super().get_queryset().select_related("created_by")
            .annotate(shown_pledge_id=visible_reference("pledge_id", Pledge, user),
                      shown_need_id=visible_reference("need_id", Need, user))
        )

    def history_masks(self, rule: PlanRule) -> dict:
        user = self.request.user
        masks = {"references": {
            "pledge": lambda pk: Pledge.objects.visible_to(user).filter(pk=pk).exists(),
            "need": lambda pk: Need.objects.visible_to(user).filter(pk=pk).exists(),
        }}
        if not sees_everything(user):
            masks["hidden_fields"] = frozenset({"hub", "ship_on"})
        return masks

    @extend_schema(request=NewPlanRuleSerializer, responses={201: PlanRuleSerializer})
    def create(self, request: Request) -> Response:
        """Pin an allocation (``allocation``) or forbid a pair (``pledge`` and ``need``)."""
        form = NewPlanRuleSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        data = form.validated_data
        if data["kind"] == "pin":
            rule = services.pin_allocation(request.user, data["allocation"], data["note"])
        else:
            rule = services.forbid_pair(request.user, data["pledge"], data["need"], data["note"])
        body = PlanRuleSerializer(self.reload(rule), context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=ActionSerializer, responses=PlanRuleSerializer)
    @action(detail=True, methods=["post"])
    def lift(self, request: Request, pk: str | None = None) -> Response:
        """Lift the rule: later plans no longer obey it. 409 if your version is stale."""
        rule = services.lift_rule(request.user, self.get_object(), expected_version(request))
        body = PlanRuleSerializer(self.reload(rule), context=self.get_serializer_context()).data
        return Response(body)


class CoverageViewSet(Restricted, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      viewsets.GenericViewSet):
    """How covered each need you see is: what the adopted plan brings it by its required-by
    date and after, the pledges no plan uses yet, and what is missing, each counted over what
    you may see (docs/planning.md, "Coverage"). Filters as ``/api/needs/``; the id is the
    need's."""

    model = Need
    serializer_class = NeedCoverageSerializer
    filterset_class = NeedFilterSet

    def get_queryset(self) -> QuerySet[Need]:
        return Need.objects.visible_to(self.request.user).order_by("priority", "required_by",
                                                                   "id")

    def get_serializer(self, *args: Any, **kwargs: Any) -> NeedCoverageSerializer:
        if args:  # a need or a page of them: each with its coverage, in one read
            many = kwargs.get("many", False)
            needs = list(args[0]) if many else [args[0]]
            found = coverage_for(needs, self.request.user)
            rows = [NeedCoverage(n, found[n.pk]) for n in needs]
            args = (rows if many else rows[0], *args[1:])
        return super().get_serializer(*args, **kwargs)
