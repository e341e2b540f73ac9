"""Pages of plans: the list and run form, a plan's page with its live progress, figures,
coverage, allocations and gaps; adopt; what-if and comparison; the ask list and its CSV export.

Plans are read through ``queries.plans(user)`` (coordinators and auditors; anyone else gets
404); the ask list through ``queries.ask_plan`` and ``gaps_for``; writes go through the services.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from clearinghouse.core.errors import StaleEdit
from clearinghouse.core.exports import CSV_TYPE, Marking, csv_lines, user_name
from clearinghouse.core.listing import Column, page_size
from clearinghouse.core.panels import panels_for
from clearinghouse.core.views import parse_version, refusal_text, visible_or_404
from clearinghouse.core.web import classify, highest_classification
from clearinghouse.core.words import day, words
from clearinghouse.needs.models import Need
from clearinghouse.parties.models import User
from clearinghouse.security.roles import Audience, audiences

from . import queries, services
from .asks import asks_for, totals_by_area, totals_by_item
from .compare import NeedLine, compare, need_lines, overall, story
from .forms import CHANGE_FIELDS, RunPlanForm, WhatIfForm, plan_names
from .models import Plan, PlanKind, PlanState
from .variants import describe_change

ACTIVE = (PlanState.QUEUED, PlanState.RUNNING)
DONE = (PlanState.SOLVED, PlanState.ADOPTED, PlanState.SUPERSEDED)


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
    """(label, value, percent of the largest) for the value chart."""
    top = max(x for x in (plan.bound, plan.value, plan.greedy_value, 1e-12) if x is not None)
    rows = [("Best possible", plan.bound), ("This plan", plan.value),
            ("First-come plan", plan.greedy_value)]
    return [(label, v, round(100 * v / top, 2)) for label, v in rows if v is not None]


@dataclass
class NeedRow:
    """A need of the plan as its page shows it: the plan's line, the need's names, why."""

    line: NeedLine
    what: str
    where: str
    area: str
    whole: bool
    why: str


def _need_rows(plan: Plan, user: User) -> list[NeedRow]:
    """The plan's needs ``user`` sees, least covered first, with their names and the reasons
    of their gaps in words (two queries, whatever the number of needs)."""
    lines = need_lines(plan)
    needs = Need.objects.visible_to(user).filter(pk__in=list(lines)).values_list(
        "pk", "item_type__name", "family__name", "region__name", "item_type__area__name",
        "family__area__name", "item_type__indivisible")
    codes = dict(queries.gaps_for(user, plan).values_list("need_id", "codes"))
    rows = [NeedRow(lines[pk], item or f"any {family}", region or "", item_area or family_area
                    or "no area", bool(whole), _sentence(words("reason", codes.get(pk, []))))
            for pk, item, family, region, item_area, family_area, whole in needs]
    rows.sort(key=lambda r: (r.line.coverage, r.line.need_id))
    return rows


def _sentence(text: str) -> str:
    return f"{text[0].upper()}{text[1:]}." if text else ""


def _found(rows: list[NeedRow], query: str) -> list[NeedRow]:
    """The rows a search finds: a need's number, or words of its item, region or area."""
    query = query.strip().lower().removeprefix("need ").strip()
    if not query:
        return rows
    if query.isdigit():
        return [r for r in rows if r.line.need_id == int(query)]
    return [r for r in rows if query in f"{r.what} {r.where} {r.area}".lower()]


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    plan = visible_or_404(queries.plans(user).defer("instance"), user, pk)
    names = plan_names(plan, user) if plan.changes else {}
    panels, shown = panels_for("planning.plan", plan, user)
    context = {"plan": plan, "active": plan.state in ACTIVE, "panels": panels,
               "can_cancel": _can_cancel(user, plan),
               "changes": [describe_change(c, names, _when(plan)) for c in plan.changes]}
    if plan.state in DONE:
        rows = _need_rows(plan, user)
        lines = [r.line for r in rows]
        query = request.GET.get("q", "")
        found = _found(rows, query)
        page = Paginator(found, page_size(request)).get_page(request.GET.get("page"))
        context.update({
            "figures": _figures(plan),
            "told": overall(lines),
            "by_priority": story(lines),
            "by_area": story(lines, {r.line.need_id: r.area for r in rows}),
            "rows": page.object_list, "page_obj": page, "query": query,
            "found": len(found), "needs_total": len(rows),
            "can_adopt": plan.state == PlanState.SOLVED and plan.kind == PlanKind.PLAN
            and rules.has_perm("planning.adopt_plan", user, plan),
            "can_what_if": rules.has_perm("planning.add_plan", user),
        })
    return render(request, "planning/plan_detail.html", classify(context, [plan], shown))


def _whole(need: Need | None) -> bool:
    return bool(need and need.item_type_id and need.item_type.indivisible)


def _when(plan: Plan):
    """A week of ``plan`` as a date: its Monday, or its Sunday (``end``)."""
    def told(week: int, end: bool = False) -> str:
        return day(plan.week_start(week) + timedelta(days=6 if end else 0))
    return told


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
    form = WhatIfForm(request.POST or None, plan=base, names=plan_names(base, user))
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
    weights = base.instance.get("priority_weights", {})
    changed = [dict(r, record=names.get(r["need"]), whole=_whole(names.get(r["need"])),
                    delta_coverage=r["delta_value"] / weights.get(r["priority"], 1))
               for r in result["needs"] if abs(r["delta_value"]) > 1e-9]
    priorities = [
        {"priority": a["priority"], "base": a["coverage"],
         "other": next((b["coverage"] for b in result["other_by_priority"]
                        if b["priority"] == a["priority"]), 0.0)}
        for a in result["base_by_priority"]
    ]
    said = plan_names(variant, user) if variant.changes else {}
    context = {"base": base, "other": variant, "result": result, "changed": changed,
               "priorities": priorities,
               "changes": [describe_change(c, said, _when(variant)) for c in variant.changes]}
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

# The columns of the ask list: the page, its printable view and its CSV alike, in words.
ASK_COLUMNS = (
    Column("Need", lambda a: f"Need {a.need.pk}"),
    Column("Priority", lambda a: a.need.get_priority_display()),
    Column("What", lambda a: a.what),
    Column("How many", lambda a: a.how_many),
    Column("Ready by", lambda a: str(a.ready)),
    Column("Where", lambda a: a.where),
    Column("Why", lambda a: a.why),
)
# For a machine, after the same columns: the dates and the units as values.
ASK_CSV_EXTRA = (
    Column("Ready by (ISO date)", lambda a: a.ready.iso),
    Column("Required by (ISO date)", lambda a: a.need.required_by),
    Column("Units", lambda a: a.quantity),
)


def _asks(request: HttpRequest) -> tuple[Plan | None, list]:
    plan = queries.ask_plan(request.user, request.GET.get("plan"))
    return plan, (asks_for(plan, request.user) if plan else [])


def _ask_context(request: HttpRequest, plan: Plan | None, asks: list, shown: list) -> dict:
    return {"plan": plan, "rows": [(a, [c.value(a) for c in ASK_COLUMNS]) for a in shown],
            "columns": [c.label for c in ASK_COLUMNS], "count": len(asks),
            "by_item": totals_by_item(asks), "by_area": totals_by_area(asks),
            "full": Audience.COORDINATOR in audiences(request.user),
            "query": f"?plan={plan.pk}" if plan and request.GET.get("plan") else ""}


@login_required
def ask_list(request: HttpRequest) -> HttpResponse:
    plan, asks = _asks(request)
    # by page, as every list (demo scale 10: 6.9 MB in one page); the totals over them all
    page = Paginator(asks, page_size(request)).get_page(request.GET.get("page"))
    context = _ask_context(request, plan, asks, page.object_list) | {"page_obj": page}
    return render(request, "planning/ask_list.html",
                  classify(context, [a.need for a in asks]))


@login_required
def ask_list_print(request: HttpRequest) -> HttpResponse:
    """Every ask on one page for a meeting: no navigation; the marking, the plan, the time and
    the reader's name on it."""
    plan, asks = _asks(request)
    context = _ask_context(request, plan, asks, asks) | {"now": timezone.now()}
    return render(request, "planning/ask_print.html", classify(context, [a.need for a in asks]))


@login_required
def ask_list_csv(request: HttpRequest) -> StreamingHttpResponse:
    plan, asks = _asks(request)
    marking = Marking(level=highest_classification([a.need for a in asks]),
                      title=f"Ask list of {plan}" if plan else "Ask list",
                      user=user_name(request.user))
    reply = StreamingHttpResponse(csv_lines(ASK_COLUMNS + ASK_CSV_EXTRA, asks, marking),
                                  content_type=CSV_TYPE)
    reply["Content-Disposition"] = 'attachment; filename="ask-list.csv"'
    return reply
