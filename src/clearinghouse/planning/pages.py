"""The ask list page and its CSV export: the adopted plan's gaps (or a chosen plan's, for those
who see plans), over the needs the reader sees."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.urls import path

from clearinghouse.core.exports import CSV_TYPE, csv_lines
from clearinghouse.core.listing import Column, page_size
from clearinghouse.core.web import classify
from clearinghouse.security.roles import Audience, audiences

from .asks import asks_for, totals_by_item
from .models import Plan, PlanState

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


def _plan_for(request) -> Plan | None:
    """``?plan=`` for those who see plans; otherwise the adopted plan."""
    chosen = request.GET.get("plan")
    if chosen:
        if Audience.COORDINATOR not in audiences(request.user) or not chosen.isdigit():
            raise Http404
        try:
            return Plan.objects.visible_to(request.user).get(pk=int(chosen))
        except Plan.DoesNotExist as exc:
            raise Http404 from exc
    # Non-coordinators see no Plan record; the adopted plan's gaps are shown by need.
    return Plan.objects.filter(state=PlanState.ADOPTED).defer("instance").first()


@login_required
def ask_list(request):
    plan = _plan_for(request)
    asks = asks_for(plan, request.user) if plan else []
    # by page, as every list (demo scale 10: 6.9 MB in one page); the totals over them all
    page = Paginator(asks, page_size(request)).get_page(request.GET.get("page"))
    context = {"plan": plan, "asks": page.object_list, "page_obj": page, "count": len(asks),
               "totals": totals_by_item(asks),
               "full": Audience.COORDINATOR in audiences(request.user)}
    return render(request, "planning/ask_list.html",
                  classify(context, [a.need for a in asks]))


@login_required
def ask_list_csv(request):
    plan = _plan_for(request)
    asks = asks_for(plan, request.user) if plan else []
    reply = StreamingHttpResponse(csv_lines(ASK_COLUMNS, asks), content_type=CSV_TYPE)
    reply["Content-Disposition"] = 'attachment; filename="ask-list.csv"'
    return reply


urlpatterns = [
    path("asks/", ask_list, name="asks"),
    path("asks.csv", ask_list_csv, name="asks-csv"),
]
