"""The hub's page, its closures, the day's manifest (printable and CSV) and the timeline
(docs/shipments.md, "The hub's job and the timeline"). A hub the reader may not see is 404."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from clearinghouse.core.exports import CSV_TYPE, Marking, csv_lines, user_name
from clearinghouse.core.listing import Column
from clearinghouse.core.words import day
from clearinghouse.logistics import services as logistics
from clearinghouse.logistics.models import Hub
from clearinghouse.logistics.queries import hubs
from clearinghouse.parties.models import User
from clearinghouse.security.roles import Classification

from . import hub as board
from .timeline import timeline as draw_timeline

WEEK_CHOICES = [(n, f"{n} week{'s' if n > 1 else ''}") for n in range(1, board.MOST_WEEKS + 1)]


class WeeksForm(forms.Form):
    weeks = forms.TypedChoiceField(label="Weeks shown", choices=WEEK_CHOICES, coerce=int,
                                   initial=board.DEFAULT_WEEKS)


class ClosureForm(forms.Form):
    starts_on = forms.DateField(label="First day closed",
                                widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label="Last day closed",
                              widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label="Reason", max_length=200, required=False)

    def clean(self) -> dict:
        data = super().clean()
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", "A closure ends on or after the day it starts.")
        return data


def hub_for(user: User, pk: int) -> Hub:
    found = hubs(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def weeks_asked(request: HttpRequest) -> tuple[int, WeeksForm]:
    form = WeeksForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form.cleaned_data["weeks"], form
    return board.DEFAULT_WEEKS, form


@login_required
def hub_page(request: HttpRequest, pk: int) -> HttpResponse:
    hub = hub_for(request.user, pk)
    may_close = logistics.may_add_closure(request.user, hub)
    form = ClosureForm()
    if request.method == "POST":
        if not may_close:
            raise PermissionDenied("You may not close this hub.")
        form = ClosureForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                logistics.add_closure(request.user, hub, data["starts_on"], data["ends_on"],
                                      data["reason"])
            except ValidationError as refused:
                for name, errors in refused.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                messages.success(request, f"{hub.name} is closed from {day(data['starts_on'])} "
                                          f"to {day(data['ends_on'])}.")
                return redirect("shipments:hub", pk=hub.pk)
    weeks, weeks_form = weeks_asked(request)
    shown = board.summary(request.user, hub, weeks)
    context = shown | {
        "board": shown, "weeks_form": weeks_form, "closure_form": form, "may_close": may_close,
        "closures": board.closures_with_effects(request.user, hub)}
    context["classification"] = context["level"]
    status = 400 if request.method == "POST" else 200
    return render(request, "shipments/hub_detail.html", context, status=status)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Http404 from None


@login_required
def manifest_print(request: HttpRequest, pk: int, on: str) -> HttpResponse:
    """The day's manifest on one page to print: the marking, the hub, the day, the reader."""
    hub = hub_for(request.user, pk)
    when = _day(on)
    moves = board.manifest(request.user, hub, when)
    level = max(board.level(moves), hub.classification)
    return render(request, "shipments/manifest_print.html", {
        "hub": hub, "on": when, "iso": when.isoformat(), "moves": moves,
        "now": timezone.now(), "classification": level,
        "classification_label": Classification(level).label})


def _movement(m: board.Move) -> str:
    return {(True, True): "arrives and leaves", (True, False): "arrives",
            (False, True): "leaves"}.get((bool(m.arrives), bool(m.leaves)), "")


MANIFEST_COLUMNS = (
    Column("Shipment", lambda r: r[0].pk),
    Column("Movement", lambda r: _movement(r[0])),
    Column("State", lambda r: r[0].state),
    Column("Donor", lambda r: r[0].donor),
    Column("Origin", lambda r: r[0].origin),
    Column("Destination region", lambda r: r[0].region),
    Column("Receiving unit", lambda r: r[0].unit),
    Column("Item", lambda r: r[1].item),
    Column("Quantity", lambda r: r[1].quantity),
    Column("Pallets", lambda r: r[1].pallets),
    Column("Expected arrival", lambda r: r[0].arrival_on),
    Column("Late", lambda r: r[0].late),
    Column("Classification", lambda r: Classification(r[0].classification).label),
)


@login_required
def manifest_csv(request: HttpRequest, pk: int, on: str) -> StreamingHttpResponse:
    """The day's manifest as CSV, one row a line, under the marking of its most classified
    shipment (never below the hub's)."""
    hub = hub_for(request.user, pk)
    when = _day(on)
    moves = board.manifest(request.user, hub, when)
    marking = Marking(level=max(board.level(moves), hub.classification),
                      title=f"Manifest of {hub.name} for {day(when)}",
                      user=user_name(request.user))
    rows = [(m, line) for m in moves for line in m.lines]
    reply = StreamingHttpResponse(csv_lines(MANIFEST_COLUMNS, rows, marking),
                                  content_type=CSV_TYPE)
    reply["Content-Disposition"] = f'attachment; filename="manifest-{hub.pk}-{on}.csv"'
    return reply


@login_required
def timeline(request: HttpRequest) -> HttpResponse:
    context = draw_timeline(request.user, request.GET.get("by", "need"), request.GET.get("page"))
    return render(request, "shipments/timeline.html", context)
