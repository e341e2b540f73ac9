"""The shipments API: shipments as each reader sees them (list, detail, lines, events,
discrepancies) and every action of their journey, through ``shipments.services`` and
``shipments.receipts``; reads through ``shipments.queries`` only (docs/shipments.md, "API").

An invisible shipment or discrepancy is absent (404); a visible one the caller may not act on
is refused (403); bad input names its field or JSON path (400); a stale or missing version, or
a state the step does not start from, is a conflict (409).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, F, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from clearinghouse.core.api import VisibleViewSet, expected_version
from clearinghouse.core.errors import DomainError, StaleEdit
from clearinghouse.core.filters import ID_MAX
from clearinghouse.core.services import require
from clearinghouse.needs.models import Need
from clearinghouse.parties.models import Organisation
from clearinghouse.planning.queries import plans_for
from clearinghouse.pledges.models import Pledge
from clearinghouse.security.models import visible_reference

from .. import queries, receipts, services
from ..filtersets import DiscrepancyFilterSet, ShipmentFilterSet
from ..models import Discrepancy, DiscrepancyState, Shipment
from .serializers import (
    DelaySerializer,
    DepartSerializer,
    DiscrepancySerializer,
    EventSerializer,
    LineSerializer,
    MakeSerializer,
    ReceiveSerializer,
    ResolveSerializer,
    ShipmentDetailSerializer,
    ShipmentSerializer,
    SplitSerializer,
    StepSerializer,
)

# A sub-collection of one shipment is one whole array: no pages, no filters.
PART = {"filter_backends": [], "pagination_class": None}


def _version(request: Request, data: dict, record: Any) -> int:
    """The version the caller read (body or If-Match); missing, a conflict as for an edit."""
    version = data.get("version")
    if version is None:
        version = expected_version(request)
    if version is None or not 0 < version <= ID_MAX:
        raise StaleEdit(type(record)._meta.verbose_name, version, record.version)
    return version


def _form(kind: type[serializers.Serializer], request: Request, perm: str,
          record: Any) -> dict:
    """The action's input, once the caller may take it: a visible record that is not the
    caller's to act on is refused (403) before its input is read."""
    require(request.user, perm, record)
    form = kind(data=request.data)
    form.is_valid(raise_exception=True)
    return dict(form.validated_data)


def _hidden_owners(user: Any, shipment_ids: Iterable[int]) -> dict[int, int]:
    """Shipment id -> its donor, for the shipments whose donor is anonymous to ``user``."""
    rows = queries.shipments(user).filter(pk__in=list(shipment_ids), shown_donor_id__isnull=True)
    return dict(rows.values_list("pk", "owner_id"))


def _history_masks(user: Any, shipment_id: int, fields: Iterable[str]) -> dict:
    owner = _hidden_owners(user, [shipment_id]).get(shipment_id)
    if owner is None:
        return {}
    return {"hidden_fields": frozenset(fields), "hidden_org_id": owner}


class ShipmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, VisibleViewSet):
    """Shipments: the adopted plan's allocations on the move. Seen only by the parties to their
    movement until verified and past the embargo; the donor and origin are null where the donor
    is anonymous to you. Filters: ``state``, ``hub``, ``region``, ``receiving_unit``,
    ``donor``, ``need``, ``late``."""

    model = Shipment
    serializer_class = ShipmentSerializer
    filterset_class = ShipmentFilterSet

    def get_queryset(self) -> QuerySet[Shipment]:
        opened = (Discrepancy.objects.filter(line__shipment=OuterRef("pk"),
                                             state=DiscrepancyState.OPEN)
                  .order_by().values("line__shipment").annotate(n=Count("pk")).values("n"))
        return (queries.shipments(self.request.user)
                .select_related("hub", "region", "receiving_unit")
                .annotate(open_discrepancies=Coalesce(
                    Subquery(opened, output_field=IntegerField()), 0)))

    # -- what a reader is shown -----------------------------------------------------------------

    def line_rows(self, shipment_ids: list[int]) -> QuerySet:
        user = self.request.user
        return queries.lines(user, shipment_ids).annotate(
            shown_need_id=visible_reference("need_id", Need, user),
            shown_pledge_id=visible_reference("pledge_id", Pledge, user),
            shown_fund_id=visible_reference("fund_id", Pledge, user),
            shipment_classification=F("shipment__classification"))

    def context(self, rows: list[Shipment], detail: bool = False) -> dict:
        user = self.request.user
        ids = [s.pk for s in rows]
        by_shipment = defaultdict(list)
        for line in self.line_rows(ids):
            by_shipment[line.shipment_id].append(line)
        donors = {s.shown_donor_id for s in rows if s.shown_donor_id}
        found = self.get_serializer_context() | {
            "lines": by_shipment,
            "donor_names": dict(Organisation.objects.filter(pk__in=donors)
                                .values_list("pk", "name")),
            "plans": set(plans_for(user).filter(pk__in={s.plan_id for s in rows})
                         .values_list("pk", flat=True)),
            "hidden_owners": {s.pk: s.owner_id for s in rows if s.shown_donor_id is None},
        }
        if detail:
            shipment = rows[0]
            found["events"] = self.events(shipment)
            found["discrepancies"] = self.discrepancies(shipment).filter(
                state=DiscrepancyState.OPEN)
        return found

    def events(self, shipment: Shipment) -> QuerySet:
        return queries.events(self.request.user, shipment).annotate(
            shipment_classification=F("shipment__classification"))

    def discrepancies(self, shipment: Shipment) -> QuerySet:
        return queries.discrepancies(self.request.user).filter(line__shipment_id=shipment.pk)

    def read(self, shipment: Shipment, code: int = status.HTTP_200_OK) -> Response:
        shipment = self.reload(shipment)
        body = ShipmentDetailSerializer(shipment, context=self.context([shipment], True)).data
        return Response(body, status=code)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        body = ShipmentSerializer(page, many=True, context=self.context(page)).data
        return self.get_paginated_response(body)

    @extend_schema(responses=ShipmentDetailSerializer)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """One shipment with its lines, steps and open discrepancies."""
        shipment = self.get_object()
        return Response(ShipmentDetailSerializer(
            shipment, context=self.context([shipment], True)).data)

    def history_masks(self, shipment: Shipment) -> dict:
        return _history_masks(self.request.user, shipment.pk,
                              ("owner", "origin", "created_by"))

    # -- the parts of one shipment --------------------------------------------------------------

    @extend_schema(responses=LineSerializer(many=True))
    @action(detail=True, methods=["get"], **PART)
    def lines(self, request: Request, pk: str | None = None) -> Response:
        """The shipment's lines: planned, shipped and counted."""
        shipment = self.get_object()
        return Response(LineSerializer(self.line_rows([shipment.pk]), many=True,
                                       context=self.get_serializer_context()).data)

    @extend_schema(responses=EventSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="events", url_name="events", **PART)
    def steps(self, request: Request, pk: str | None = None) -> Response:
        """Every step of the shipment, in order."""
        shipment = self.get_object()
        context = self.get_serializer_context() | {
            "hidden_owners": {shipment.pk: shipment.owner_id}
            if shipment.shown_donor_id is None else {}}
        return Response(EventSerializer(self.events(shipment), many=True,
                                        context=context).data)

    @extend_schema(responses=DiscrepancySerializer(many=True))
    @action(detail=True, methods=["get"], url_path="discrepancies", url_name="discrepancies",
            **PART)
    def differences(self, request: Request, pk: str | None = None) -> Response:
        """Every discrepancy of the shipment, open and resolved."""
        shipment = self.get_object()
        context = self.get_serializer_context() | {
            "hidden_owners": {shipment.pk: shipment.owner_id}
            if shipment.shown_donor_id is None else {}}
        return Response(DiscrepancySerializer(self.discrepancies(shipment), many=True,
                                              context=context).data)

    # -- the writes -----------------------------------------------------------------------------

    @extend_schema(request=MakeSerializer, responses={201: ShipmentSerializer(many=True)})
    @action(detail=False, methods=["post"], pagination_class=None, filter_backends=[])
    def make(self, request: Request) -> Response:
        """Make shipments from the adopted plan (coordinators): what it moves and no shipment
        carries yet, one per donor, origin, hub, week and destination."""
        data = _form(MakeSerializer, request, "shipments.make_shipments", None)
        plan = None
        if data.get("plan") is not None:
            plan = plans_for(request.user).filter(pk=data["plan"]).first()
            if plan is None:  # absent as any record one does not see: no such plan
                raise DomainError("plan", "Shipments are made from the adopted plan only.")
        made = services.make_shipments(request.user, plan)
        rows = list(self.get_queryset().filter(pk__in=[s.pk for s in made]))
        body = ShipmentSerializer(rows, many=True, context=self.context(rows)).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=SplitSerializer, responses={201: ShipmentDetailSerializer})
    @action(detail=True, methods=["post"])
    def split(self, request: Request, pk: str | None = None) -> Response:
        """Move part of a shipment not yet departed onto a new one (the sender or a
        coordinator): ``quantities`` by line id. 400 naming ``quantities.<line>`` if a line
        holds less."""
        shipment = self.get_object()
        data = _form(SplitSerializer, request, "shipments.change_shipment", shipment)
        new = services.split_shipment(request.user, shipment, _version(request, data, shipment),
                                      data["quantities"])
        return self.read(new, status.HTTP_201_CREATED)

    @extend_schema(request=DelaySerializer, responses=ShipmentDetailSerializer)
    @action(detail=True, methods=["post"])
    def delay(self, request: Request, pk: str | None = None) -> Response:
        """Tell that a shipment not yet at its hub reaches it on ``hub_on`` instead (the
        sender, a coordinator or the hub's logistics officers)."""
        shipment = self.get_object()
        data = _form(DelaySerializer, request, "shipments.delay_shipment", shipment)
        done = services.delay(request.user, shipment, _version(request, data, shipment),
                              data["hub_on"], data["note"])
        return self.read(done)

    @extend_schema(request=ReceiveSerializer, responses=ShipmentDetailSerializer)
    @action(detail=True, methods=["post"])
    def receive(self, request: Request, pk: str | None = None) -> Response:
        """The receiving unit's count of every line that left (its logistics officers): any
        difference opens a discrepancy. 400 naming ``counts.<line>.<field>``."""
        shipment = self.get_object()
        data = _form(ReceiveSerializer, request, "shipments.receive_shipment", shipment)
        done = receipts.receive(request.user, shipment, _version(request, data, shipment),
                                data["counts"], on=data.get("happened_on"), note=data["note"])
        return self.read(done)

    @extend_schema(request=StepSerializer, responses=ShipmentDetailSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request: Request, pk: str | None = None) -> Response:
        """The receiving unit confirms its count: the goods accepted now count as delivered."""
        shipment = self.get_object()
        data = _form(StepSerializer, request, "shipments.verify_shipment", shipment)
        done = receipts.verify(request.user, shipment, _version(request, data, shipment),
                               on=data.get("happened_on"), note=data["note"])
        return self.read(done)


# The steps of the journey, each by the party who takes it: POST /shipments/{id}/{step}/.
STEPS = {"ready": "the sender or a coordinator", "depart": "the sender or a coordinator",
         "arrive_at_hub": "the hub's logistics officers",
         "hand_over": "the receiving unit's logistics officers",
         "cancel": "the sender or a coordinator, before it leaves"}


def _step_endpoint(name: str, who: str):
    form = DepartSerializer if name == "depart" else StepSerializer

    def endpoint(self: ShipmentViewSet, request: Request, pk: str | None = None) -> Response:
        shipment = self.get_object()
        data = _form(form, request, f"shipments.{name}_shipment", shipment)
        done = services.take_step(request.user, shipment, name,
                                  _version(request, data, shipment),
                                  on=data.get("happened_on"), place=data["place"],
                                  note=data["note"], shipped=data.get("shipped"))
        return self.read(done)

    endpoint.__name__ = name
    endpoint.__doc__ = (f"Record the step '{name.replace('_', ' ')}' ({who}). 409 if the "
                        "shipment's state or your version forbids it; 400 naming "
                        "``happened_on`` for a day in the future or before the step before.")
    return extend_schema(request=form, responses=ShipmentDetailSerializer)(
        action(detail=True, methods=["post"], url_path=name.replace("_", "-"))(endpoint))


for _name, _who in STEPS.items():
    setattr(ShipmentViewSet, _name, _step_endpoint(_name, _who))


class DiscrepancyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, VisibleViewSet):
    """Differences between what left and what was accepted, of the shipments you see; open
    until the sending donor or a coordinator resolves them. Filters: ``state``, ``kind``,
    ``shipment``."""

    model = Discrepancy
    serializer_class = DiscrepancySerializer
    filterset_class = DiscrepancyFilterSet
    query = staticmethod(queries.discrepancies)

    def get_serializer(self, *args: Any, **kwargs: Any) -> DiscrepancySerializer:
        if args:  # a discrepancy or a page of them: whose donors are anonymous, in one read
            rows = list(args[0]) if kwargs.get("many") else [args[0]]
            owners = _hidden_owners(self.request.user, {d.line.shipment_id for d in rows})
            kwargs["context"] = self.get_serializer_context() | {"hidden_owners": owners}
            args = (rows if kwargs.get("many") else rows[0], *args[1:])
        return super().get_serializer(*args, **kwargs)

    def history_masks(self, d: Discrepancy) -> dict:
        return _history_masks(self.request.user, d.line.shipment_id,
                              ("resolved_by", "resolution_note"))

    @extend_schema(request=ResolveSerializer, responses=DiscrepancySerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        """Close the discrepancy: replaced, written off or found (the sending donor or a
        coordinator). 409 if it is resolved already or your version is stale."""
        d = self.get_object()
        data = _form(ResolveSerializer, request, "shipments.resolve_discrepancy", d)
        done = receipts.resolve(request.user, d, _version(request, data, d),
                                data["resolution"], data["note"])
        return Response(self.get_serializer(self.reload(done)).data)
