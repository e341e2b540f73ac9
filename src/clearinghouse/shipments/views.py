"""Shipment pages (docs/shipments.md, Pages): the list (each donor's tracker of its own
consignments), a shipment's page with the steps its reader may take, the discrepancies, and
the needs affected by what happened on the ground.

Reads go through ``queries`` (and ``tracking`` over them), writes through ``services`` and
``receipts``; a shipment the reader may not see is absent (404), a step it may not take is
refused (403), and bad input is shown on its field with nothing changed.
"""

from __future__ import annotations

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import capfirst
from django.views.decorators.http import require_POST

from clearinghouse.core.errors import DomainError, StaleEdit
from clearinghouse.core.listing import Column, Listing, attr, id_column
from clearinghouse.core.views import refusal_text, visible_or_404
from clearinghouse.core.web import classify
from clearinghouse.needs.models import Need
from clearinghouse.parties.models import User
from clearinghouse.planning import queries as plan_queries
from clearinghouse.planning.models import PlanState
from clearinghouse.security.roles import Role, has_role

from . import queries, receipts, services, tracking
from .forms import DONE, STEPS, ResolveForm, StepForm
from .listfilters import ShipmentListFilter, shown_hubs, shown_regions
from .models import SHIPMENT_LIFECYCLE, DiscrepancyState, Shipment, ShipmentState

S = ShipmentState
ANONYMOUS = "anonymous"
NOT_SHOWN = "not shown"


def donor_name(shipment: Shipment) -> str:
    return ANONYMOUS if shipment.shown_donor_id is None else shipment.owner.name


def _to(shipment: Shipment) -> str:
    unit = f", {shipment.receiving_unit.name}" if shipment.receiving_unit_id else ""
    return f"{shipment.region.name}{unit}"


class ShipmentListing(Listing):
    name = "shipments"
    noun = ("shipment", "shipments")
    title = caption = "Shipments"
    template_name = "shipments/shipment_list.html"
    filterset_class = ShipmentListFilter
    export_url_name = "shipments:export"
    labels = {"state": "State"}
    offered = {"donor": queries.shown_donors, "hub": shown_hubs, "region": shown_regions}
    columns = (
        id_column("shipments:detail"),
        Column("Donor", donor_name,
               css=lambda s: "muted" if s.shown_donor_id is None else ""),
        Column("From", lambda s: s.shown_origin or NOT_SHOWN),
        Column("Hub", attr("hub.name")),
        Column("To", _to),
        Column("Expected at the hub", attr("expected_hub_on"), sort="expected_hub_on"),
        Column("Expected arrival", attr("expected_arrival_on"), sort="expected_arrival_on"),
        Column("State", lambda s: capfirst(s.get_state_display()), sort="state"),
        Column("Late", lambda s: s.late, text=lambda s: "late" if s.late else "",
               css=lambda s: "flag" if s.late else ""),
    )

    query = staticmethod(queries.shipments)

    def page(self, request: HttpRequest) -> HttpResponse:
        request.can_make = rules.has_perm("shipments.make_shipments", request.user)
        request.sees_affected = has_role(request.user, Role.COORDINATOR, Role.AUDITOR)
        return super().page(request)


@login_required
@require_POST
def make(request: HttpRequest) -> HttpResponse:
    """Make shipments from the adopted plan (coordinators)."""
    if not rules.has_perm("shipments.make_shipments", request.user):
        raise PermissionDenied("Shipments are made from the plan by the coordinators.")
    try:
        made = services.make_shipments(request.user)
    except ValidationError as error:
        messages.error(request, f"No shipment made: {refusal_text(error)}")
    else:
        messages.success(request, f"{len(made)} shipment{'' if len(made) == 1 else 's'} made "
                                  "from the adopted plan." if made else
                                  "Nothing left to ship: every allocation of the adopted plan "
                                  "is on a shipment.")
    return HttpResponseRedirect(reverse("shipments:list"), status=303)


# -- a shipment's page --------------------------------------------------------------------------

def steps_for(user: User, shipment: Shipment) -> list[str]:
    """The steps ``user`` may take on ``shipment`` now: allowed by its state and the rules."""
    found = [a for a in SHIPMENT_LIFECYCLE.allowed_actions(shipment.state)
             if rules.has_perm(f"shipments.{a}_shipment", user, shipment)]
    if shipment.state in (S.PLANNED, S.READY, S.DEPARTED) and rules.has_perm(
            "shipments.delay_shipment", user, shipment):
        found.append("delay")
    if shipment.state in (S.PLANNED, S.READY) and rules.has_perm(
            "shipments.change_shipment", user, shipment):
        found.append("split")
    return sorted(found, key=list(STEPS).index)


def _event_rows(user: User, shipment: Shipment, names: dict[int, str]) -> list[dict]:
    """The events in words; an anonymous donor's people, organisation, depot and what they
    wrote (a place or a note may name them) are not shown to a reader who may not know the
    donor."""
    hidden = shipment.shown_donor_id is None
    rows = []
    for e in queries.events(user, shipment):
        by_donor = hidden and e.organisation_id == shipment.owner_id
        place = e.place
        if hidden and place and (by_donor or place == shipment.origin):
            place = "the donor's depot"
        amounts = [(names.get(int(k), f"line {k}"), v) for k, v in (e.quantities or {}).items()
                   if str(k).isdigit()]
        rows.append({"event": e, "kind": capfirst(e.get_kind_display()), "on": e.happened_on,
                     "who": "the donor" if by_donor else (e.user.get_full_name()
                                                          or e.user.username),
                     "organisation": "" if by_donor else e.organisation.name,
                     "place": place, "amounts": amounts, "note": "" if by_donor else e.note})
    return rows


def _detail(request: HttpRequest, shipment: Shipment, bound: StepForm | ResolveForm | None = None,
            status: int = 200) -> HttpResponse:
    user = request.user
    lines = list(queries.lines(user, [shipment.pk]))
    for x in lines:
        x.counted = getattr(x, "receipt", None)  # none before the count
        x.differs = (x.counted.short + x.counted.damaged + x.counted.wrong_item
                     if x.counted else None)
    seen_needs = set(Need.objects.visible_to(user).filter(
        pk__in={x.need_id for x in lines}).values_list("pk", flat=True))
    names = {x.pk: f"{x.item_type.name} (line {x.pk})" for x in lines}
    steps = []
    for step in steps_for(user, shipment):
        if isinstance(bound, StepForm) and bound.step == step:
            steps.append(bound)
        else:
            steps.append(StepForm(step, lines, initial={"version": shipment.version}))
    cases = list(queries.shipment_discrepancies(user, shipment))
    for d in cases:
        d.form = None
        if d.state == DiscrepancyState.OPEN and rules.has_perm(
                "shipments.resolve_discrepancy", user, d):
            d.form = (bound if isinstance(bound, ResolveForm) and bound.discrepancy.pk == d.pk
                      else ResolveForm(d, initial={"version": d.version}))
    context = {
        "shipment": shipment, "donor": donor_name(shipment),
        "origin": shipment.shown_origin or NOT_SHOWN, "forecast": tracking.forecast(shipment),
        "lines": lines, "seen_needs": seen_needs, "events": _event_rows(user, shipment, names),
        "discrepancies": cases, "steps": steps, "open_step": getattr(bound, "step", None),
        "receipts": [x for x in lines if x.counted is not None],
    }
    return render(request, "shipments/shipment_detail.html", classify(context, [shipment]),
                  status=status)


@login_required
def shipment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    shipment = visible_or_404(queries.shipments(request.user), request.user, pk)
    return _detail(request, shipment)


@login_required
@require_POST
def shipment_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One step of the shipment through its service; refused on the field named, nothing
    changed, the page shown again with the form open."""
    user = request.user
    shipment = visible_or_404(queries.shipments(user), user, pk)
    if action not in STEPS:
        raise Http404("No such step.")
    if not rules.has_perm(_perm(action), user, shipment):
        raise PermissionDenied("You may not take this step on this shipment.")
    if action not in steps_for(user, shipment):  # the shipment moved on since the form
        messages.error(request, f"Not done: shipment {shipment.pk} is now "
                                f"{shipment.get_state_display()}; this step is not open to it.")
        return HttpResponseRedirect(reverse("shipments:detail", args=[shipment.pk]), status=303)
    lines = list(queries.lines(user, [shipment.pk]))
    form = StepForm(action, lines, request.POST)
    if not form.is_valid():
        return _detail(request, shipment, form, status=400)
    try:
        _apply(user, shipment, action, form)
    except PermissionDenied:
        raise
    except StaleEdit:
        shipment = visible_or_404(queries.shipments(user), user, pk)
        form = StepForm(action, lines, request.POST)
        form.is_valid()
        form.add_error(None, "Not done: someone changed this shipment since you opened it. "
                             "It is shown as it is now: check it and try again.")
        form.data = form.data.copy()
        form.data["version"] = str(shipment.version)
        return _detail(request, shipment, form, status=409)
    except ValidationError as error:
        _refuse(form, error)
        return _detail(request, shipment, form, status=400)
    messages.success(request, f"Shipment {shipment.pk}: {DONE[action]}.")
    return HttpResponseRedirect(reverse("shipments:detail", args=[shipment.pk]), status=303)


def _perm(action: str) -> str:
    return {"delay": "shipments.delay_shipment", "split": "shipments.change_shipment"}.get(
        action, f"shipments.{action}_shipment")


def _refuse(form: StepForm | ResolveForm, error: ValidationError) -> None:
    if isinstance(error, DomainError):
        form.refuse(error.field, refusal_text(error))
    elif hasattr(error, "error_dict"):
        for field, texts in error.message_dict.items():
            form.refuse(field, " ".join(texts))
    else:
        form.add_error(None, refusal_text(error))


def _apply(user: User, shipment: Shipment, action: str, form: StepForm) -> None:
    d, version = form.cleaned_data, form.cleaned_data["version"]
    on, note = d.get("happened_on"), d.get("note") or ""
    if action == "delay":
        services.delay(user, shipment, version, d["hub_on"], note=note)
    elif action == "split":
        services.split_shipment(user, shipment, version, form.per_line("move"))
    elif action == "receive":
        receipts.receive(user, shipment, version, form.counts(), on=on, note=note)
    elif action == "verify":
        receipts.verify(user, shipment, version, on=on, note=note)
    else:
        shipped = form.per_line("shipped") if action == "depart" else None
        services.take_step(user, shipment, action, version, on=on, note=note, shipped=shipped)


# -- discrepancies ------------------------------------------------------------------------------

@login_required
@require_POST
def resolve(request: HttpRequest, pk: int) -> HttpResponse:
    """Settle a discrepancy (the coordinator or the sending donor); back where it was asked
    from, or that page again with the refusal on its field."""
    user = request.user
    case = visible_or_404(queries.discrepancies(user), user, pk)
    if not rules.has_perm("shipments.resolve_discrepancy", user, case):
        raise PermissionDenied("A discrepancy is settled by the sender or the coordinators.")
    form = ResolveForm(case, request.POST)
    from_list = request.POST.get("from") == "list"
    shipment = visible_or_404(queries.shipments(user), user, case.line.shipment_id)
    if form.is_valid():
        try:
            receipts.resolve(user, case, form.cleaned_data["version"],
                             form.cleaned_data["resolution"],
                             form.cleaned_data["resolution_note"])
        except StaleEdit as error:
            form.add_error(None, "Not done: someone settled or changed this discrepancy since "
                                 "you opened it. Check it and try again.")
            form.data = form.data.copy()
            form.data["version"] = str(error.current)
        except ValidationError as error:
            _refuse(form, error)
        else:
            messages.success(request, f"Discrepancy {case.pk} resolved.")
            back = (reverse("shipments:discrepancies") if from_list
                    else reverse("shipments:detail", args=[shipment.pk]))
            return HttpResponseRedirect(back, status=303)
    if from_list:
        return _discrepancy_page(request, form, status=400)
    return _detail(request, shipment, form, status=400)


def _discrepancy_page(request: HttpRequest, bound: ResolveForm | None = None,
                      status: int = 200) -> HttpResponse:
    user = request.user
    cases = list(queries.discrepancies(user).order_by("state", "-opened_at", "id")[:500])
    shown = {s.pk: s for s in queries.shipments(user).filter(
        pk__in={d.line.shipment_id for d in cases})}
    for d in cases:
        d.shipment = shown.get(d.line.shipment_id)
        d.donor = donor_name(d.shipment) if d.shipment else ""
        d.form = None
        if d.state == DiscrepancyState.OPEN and rules.has_perm(
                "shipments.resolve_discrepancy", user, d):
            d.form = (bound if bound is not None and bound.discrepancy.pk == d.pk
                      else ResolveForm(d, initial={"version": d.version}))
    context = {"cases": cases,
               "open_count": sum(d.state == DiscrepancyState.OPEN for d in cases)}
    return render(request, "shipments/discrepancies.html",
                  classify(context, [d.shipment for d in cases if d.shipment]), status=status)


@login_required
def discrepancies(request: HttpRequest) -> HttpResponse:
    return _discrepancy_page(request)


# -- needs affected by the ground ---------------------------------------------------------------

@login_required
def affected(request: HttpRequest) -> HttpResponse:
    """Needs a slip, a hub closure or a short receipt affects (coordinators; auditors read)."""
    user = request.user
    if not has_role(user, Role.COORDINATOR, Role.AUDITOR):
        raise PermissionDenied("The needs affected on the ground are for the coordinators "
                               "and auditors.")
    rows = tracking.affected_needs(user)
    adopted = plan_queries.adopted_plan()
    later = []
    if adopted is not None and adopted.adopted_at is not None:
        later = list(plan_queries.plans(user).filter(
            created_at__gt=adopted.adopted_at,
            state__in=(PlanState.SOLVED, PlanState.QUEUED, PlanState.RUNNING))
            .defer("instance").order_by("-created_at")[:5])
    context = {"rows": rows, "adopted": adopted, "later": later,
               "can_run": adopted is not None and rules.has_perm("planning.add_plan", user)}
    return render(request, "shipments/affected.html",
                  classify(context, [r.need for r in rows]))

