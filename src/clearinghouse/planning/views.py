"""Pages of plans: the list and run form, a plan's page with its live progress, figures,
coverage, allocations and gaps; adopt; what-if and comparison; the ask list and its CSV export.

Plans are read through ``queries.plans(user)`` (coordinators and auditors; anyone else gets
404); the ask list through ``queries.ask_plan`` and ``gaps_for``; writes go through the services.
"""

from __future__ import annotations

import re

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from clearinghouse.core.errors import StaleEdit
from clearinghouse.core.exports import CSV_TYPE, csv_lines
from clearinghouse.core.listing import Column, page_size
from clearinghouse.core.views import parse_version, refusal_text, visible_or_404
from clearinghouse.core.web import classify
from clearinghouse.needs.models import Need
from clearinghouse.parties.models import User
from clearinghouse.security.roles import Audience, audiences

from . import queries, services
from .asks import asks_for, totals_by_item
from .compare import by_priority, compare, need_lines
from .forms import CHANGE_FIELDS, RunPlanForm, WhatIfForm
from .models import Plan, PlanKind, PlanState
from .snapshot import item_names, readable
from .variants import describe_change

ACTIVE = (PlanState.QUEUED, PlanState.RUNNING)
SHOWN_ROWS = 200


@login_required
@require_http_methods(["GET", "POST"])
def plan_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    plans = list(queries.plans(user).defer("instance")[:100])
    can_run = rules.has_perm("planning.add_plan", user)
    form = RunPlanForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not can_run:
            raise PermissionDenied("You may not run a plan.")
        if form.is_valid():
            d = form.cleaned_data
            try:
                plan = services.run_plan(user, d["name"], horizon=d["horizon_weeks"],
                                         time_limit=d["time_limit_s"])
            except ValidationError as error:
                form.add_error(None, refusal_text(error))
            else:
                messages.success(request, f"Plan {plan.pk} queued: the worker solves it now.")
                return HttpResponseRedirect(reverse("planning:detail", args=[plan.pk]), status=303)
        status = 400
    context = {"plans": plans, "form": form if can_run else None}
    return render(request, "planning/plan_list.html", classify(context, plans), status=status)


def _figures(plan: Plan) -> list[tuple[str, float, float]]:
    """(label, value, percent of the bound) for the value chart."""
    top = max(x for x in (plan.bound, plan.value, plan.greedy_value, 1e-12) if x is not None)
    rows = [("Bound", plan.bound), ("This plan", plan.value), ("Greedy (first come)",
                                                                 plan.greedy_value)]
    return [(label, v, 100 * v / top) for label, v in rows if v is not None]


def _area_coverage(lines, user) -> list[dict]:
    areas = {}
    for pk, item_area, family_area in Need.objects.visible_to(user).filter(
            pk__in=list(lines)).values_list("pk", "item_type__area__name", "family__area__name"):
        areas[pk] = item_area or family_area or "—"
    weight, value = {}, {}
    for pk, line in lines.items():
        if pk in areas:
            weight[areas[pk]] = weight.get(areas[pk], 0) + line.weight
            value[areas[pk]] = value.get(areas[pk], 0) + line.value
    return [{"area": a, "coverage": value[a] / weight[a] if weight[a] else 1.0}
            for a in sorted(weight)]


def _readable_gaps(plan: Plan, visible: set[int]) -> list:
    names = item_names(plan)
    gaps = list(plan.gaps.filter(need__in=visible).select_related("need")[:SHOWN_ROWS])
    for gap in gaps:
        gap.shown = [{"code": r.get("code"), "message": readable(r.get("message"), names),
                      "would_close": readable(r.get("would_close"), names)}
                     for r in gap.reasons]
    return gaps


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    plan = visible_or_404(queries.plans(user), user, pk)
    context = {"plan": plan, "active": plan.state in ACTIVE,
               "can_cancel": _can_cancel(user, plan),
               "changes": [describe_change(c) for c in plan.changes]}
    if plan.state in (PlanState.SOLVED, PlanState.ADOPTED, PlanState.SUPERSEDED):
        lines = need_lines(plan)
        visible = set(Need.objects.visible_to(user).filter(pk__in=list(lines))
                      .values_list("pk", flat=True))
        lines = {pk: line for pk, line in lines.items() if pk in visible}
        shown = sorted(lines.values(), key=lambda ln: (ln.coverage, ln.need_id))
        context.update({
            "figures": _figures(plan),
            "by_priority": by_priority(lines.values()),
            "by_area": _area_coverage(lines, user),
            "lines": shown[:SHOWN_ROWS], "lines_total": len(shown),
            "gaps": _readable_gaps(plan, visible),
            "gaps_total": plan.gaps.filter(need__in=visible).count(),
            "can_adopt": plan.state == PlanState.SOLVED and plan.kind == PlanKind.PLAN
            and rules.has_perm("planning.adopt_plan", user, plan),
            "can_what_if": rules.has_perm("planning.add_plan", user),
        })
    return render(request, "planning/plan_detail.html", classify(context, [plan]))


def _can_cancel(user: User, plan: Plan) -> bool:
    return plan.state in ACTIVE and rules.has_perm("planning.cancel_plan", user, plan)


@login_required
def plan_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The live part of a plan's page, polled by htmx while the worker solves it."""
    plan = visible_or_404(queries.plans(request.user).defer("instance"), request.user, pk)
    response = render(request, "planning/plan_status.html",
                      {"plan": plan, "active": plan.state in ACTIVE,
                       "can_cancel": _can_cancel(request.user, plan)})
    if plan.state not in ACTIVE and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"  # solved: load the whole page with its figures
    return response


@login_required
@require_POST
def plan_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Stop a queued or running plan (coordinators)."""
    user = request.user
    plan = visible_or_404(queries.plans(user).defer("instance"), user, pk)
    try:
        services.cancel_plan(user, plan, parse_version(request))
    except StaleEdit:
        messages.error(request, "Not cancelled: the plan moved on since you opened it.")
    except ValidationError as error:
        messages.error(request, f"Not cancelled: {refusal_text(error)}")
    else:
        messages.success(request, f"Plan {plan.pk} cancelled.")
    return HttpResponseRedirect(reverse("planning:detail", args=[plan.pk]), status=303)


@login_required
@require_http_methods(["GET", "POST"])
def plan_adopt(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    plan = visible_or_404(queries.plans(user), user, pk)
    if not rules.has_perm("planning.adopt_plan", user, plan):
        raise PermissionDenied("You may not adopt a plan.")
    detail = reverse("planning:detail", args=[plan.pk])
    if request.method == "POST":
        try:
            services.adopt_plan(user, plan, parse_version(request))
        except StaleEdit as error:
            messages.error(request, f"Not adopted: the plan changed since you opened it (now "
                                    f"version {error.current}). Check it and try again.")
        except ValidationError as error:
            messages.error(request, f"Not adopted: {refusal_text(error)}")
        else:
            messages.success(request, f"Plan {plan.pk} adopted: its allocations are binding.")
        return HttpResponseRedirect(detail, status=303)
    return render(request, "planning/plan_adopt.html", classify({"plan": plan, "back": detail},
                                                                [plan]))


@login_required
@require_http_methods(["GET", "POST"])
def plan_what_if(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    base = visible_or_404(queries.plans(user), user, pk)
    if not rules.has_perm("planning.add_plan", user):
        raise PermissionDenied("You may not run a what-if.")
    names = {f"I{pk}": name for pk, name in item_names(base).items()}
    form = WhatIfForm(request.POST or None, instance=base.instance, item_names=names)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            changes = form.changes()
            try:
                plan = services.run_what_if(user, base, changes, form.cleaned_data["name"])
            except ValidationError as error:
                _place_refusal(form, changes, error)
            else:
                messages.success(request, f"What-if {plan.pk} queued beside plan {base.pk}.")
                return HttpResponseRedirect(reverse("planning:detail", args=[plan.pk]), status=303)
    context = {"base": base, "form": form}
    return render(request, "planning/plan_what_if.html", classify(context, [base]),
                  status=status)


def _place_refusal(form, changes: list, error: ValidationError) -> None:
    """Put ``changes[i].key`` refusals beside the form field that set them."""
    for key, texts in error.message_dict.items():
        found = re.fullmatch(r"changes\[(\d+)\]\.(\w+)", key)
        name = None
        if found and int(found[1]) < len(changes):
            name = CHANGE_FIELDS.get(changes[int(found[1])]["kind"], {}).get(found[2])
        for text in texts:
            form.add_error(name, text)


@login_required
def plan_compare(request: HttpRequest, pk: int, other: int) -> HttpResponse:
    user = request.user
    base = visible_or_404(queries.plans(user), user, pk)
    variant = visible_or_404(queries.plans(user), user, other)
    visible = set(Need.objects.visible_to(user).values_list("pk", flat=True))
    result = compare(base, variant, visible)
    names = {n.pk: n for n in Need.objects.visible_to(user).select_related(
        "item_type", "family", "region").filter(pk__in=[r["need"] for r in result["needs"]
                                                        if abs(r["delta_value"]) > 1e-9])}
    changed = [dict(r, record=names.get(r["need"])) for r in result["needs"]
               if abs(r["delta_value"]) > 1e-9]
    priorities = [
        {"priority": a["priority"], "base": a["coverage"],
         "other": next((b["coverage"] for b in result["other_by_priority"]
                        if b["priority"] == a["priority"]), 0.0)}
        for a in result["base_by_priority"]
    ]
    context = {"base": base, "other": variant, "result": result, "changed": changed,
               "priorities": priorities,
               "changes": [describe_change(c) for c in variant.changes]}
    return render(request, "planning/plan_compare.html", classify(context, [base, variant]))


@login_required
@require_POST
def plan_rerun(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    """Run a fresh plan (a new snapshot) with the same settings, e.g. after it went stale."""
    user = request.user
    old = visible_or_404(queries.plans(user), user, pk)
    if not rules.has_perm("planning.add_plan", user):
        raise PermissionDenied("You may not run a plan.")
    plan = services.run_plan(user, old.name, horizon=old.horizon_weeks,
                             time_limit=old.time_limit_s, gap=old.gap_target)
    messages.success(request, f"Plan {plan.pk} queued on a new snapshot.")
    return HttpResponseRedirect(reverse("planning:detail", args=[plan.pk]), status=303)


# -- the ask list ---------------------------------------------------------------------------------

ASK_COLUMNS = (
    Column("need", lambda a: a.need.pk),
    Column("priority", lambda a: a.need.get_priority_display()),
    Column("item", lambda a: a.what),
    Column("region", lambda a: str(a.need.region)),
    Column("required by", lambda a: a.need.required_by),
    Column("units missing", lambda a: a.missing),
    Column("units late", lambda a: a.late),
    Column("ready at a depot by", lambda a: a.ready_by),
    Column("why", lambda a: a.reasons),
)


@login_required
def ask_list(request: HttpRequest) -> HttpResponse:
    plan = queries.ask_plan(request.user, request.GET.get("plan"))
    asks = asks_for(plan, request.user) if plan else []
    # by page, as every list (demo scale 10: 6.9 MB in one page); the totals over them all
    page = Paginator(asks, page_size(request)).get_page(request.GET.get("page"))
    context = {"plan": plan, "asks": page.object_list, "page_obj": page, "count": len(asks),
               "totals": totals_by_item(asks),
               "full": Audience.COORDINATOR in audiences(request.user)}
    return render(request, "planning/ask_list.html",
                  classify(context, [a.need for a in asks]))


@login_required
def ask_list_csv(request: HttpRequest) -> StreamingHttpResponse:
    plan = queries.ask_plan(request.user, request.GET.get("plan"))
    asks = asks_for(plan, request.user) if plan else []
    reply = StreamingHttpResponse(csv_lines(ASK_COLUMNS, asks), content_type=CSV_TYPE)
    reply["Content-Disposition"] = 'attachment; filename="ask-list.csv"'
    return reply

