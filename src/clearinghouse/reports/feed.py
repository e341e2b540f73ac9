"""The change feed's page and its exports (reports/changes.py reads it): for auditors and
coordinators, who read what a coordinator may read (DESIGN.md); anyone else is refused (403)."""

from __future__ import annotations

from collections.abc import Iterator

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from clearinghouse.core.exports import Marking, export_response, user_name
from clearinghouse.core.listing import Column, export_query, filters_in_words, page_size
from clearinghouse.parties.models import User
from clearinghouse.security.roles import Classification, Role, has_role

from . import changes


def may_read_feed(user: User) -> bool:
    """Auditors and coordinators: the feed is the oversight of every record's history."""
    return has_role(user, Role.AUDITOR, Role.COORDINATOR)


class PersonField(forms.ModelChoiceField):
    def label_from_instance(self, user: User) -> str:
        name = user.get_full_name() or user.username
        return f"{name} ({user.organisation.name})" if user.organisation_id else name


class FeedForm(forms.Form):
    """The feed's filters; every one optional."""

    person = PersonField(
        queryset=User.objects.select_related("organisation").order_by("username"),
        to_field_name="username", required=False, empty_label="anyone", label="Person",
    )
    kind = forms.ChoiceField(
        choices=[("", "any"), *((k.code, k.label) for k in changes.KINDS)], required=False,
        label="Record type",
    )
    since = forms.DateField(required=False, label="From",
                            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    until = forms.DateField(required=False, label="Until",
                            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def clean(self) -> dict:
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "The end of the period comes before its start.")
        return data

    def filters(self) -> changes.Filters:
        data = self.cleaned_data
        return changes.Filters(person=data.get("person"), kind=data.get("kind") or None,
                               since=data.get("since"), until=data.get("until"))


def _form(request: HttpRequest) -> FeedForm:
    if not may_read_feed(request.user):
        raise PermissionDenied("The change feed is for auditors and coordinators.")
    data = request.GET.copy()
    for param in ("page", "page_size"):
        data.pop(param, None)
    return FeedForm(data)


@login_required
def feed_page(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    valid = form.is_valid()
    user = request.user
    keys = changes.entry_keys(user, form.filters()) if valid else []
    paginator = Paginator(keys, page_size(request))
    page = paginator.get_page(request.GET.get("page"))
    entries = changes.describe_entries(user, list(page.object_list)) if valid else []
    count = paginator.count
    query = export_query(request)
    context = {
        "form": form, "invalid": not valid, "entries": entries, "page_obj": page,
        "count": count, "count_label": f"{count:,} change{'' if count == 1 else 's'}",
        "export_csv": reverse("changes-export", args=["csv"]) + query,
        "export_xlsx": reverse("changes-export", args=["xlsx"]) + query,
        "classification": max((e["classification"] for e in entries),
                              default=Classification.PUBLIC),
    }
    return render(request, "reports/feed.html", context, status=200 if valid else 400)


def _line(column: str):
    return lambda row: row[column]


COLUMNS = tuple(Column(label, _line(key)) for label, key in (
    ("When", "when"), ("Who", "who"), ("Organisation", "organisation"),
    ("Record type", "kind"), ("Record", "record"), ("Change", "type"), ("Field", "field"),
    ("Before", "before"), ("After", "after"), ("Classification", "marking"),
))


def export_lines(entries: Iterator[dict]) -> Iterator[dict]:
    """One line per changed field (an entry that changed none: one line without a field), so a
    spreadsheet can filter and sort by field."""
    for entry in entries:
        common = {"when": entry["when"], "who": entry["who"] or "system",
                  "organisation": entry["organisation"], "kind": entry["kind"],
                  "record": entry["record"], "type": entry["type"],
                  "marking": Classification(entry["classification"]).label}
        changed = entry["changes"] or [{"field": None, "before": None, "after": None}]
        for change in changed:
            before = None if entry["type"] == "created" else change["before"]
            yield common | {"field": change["field"], "before": before, "after": change["after"]}


@login_required
def feed_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404("No such export format.")
    form = _form(request)
    if not form.is_valid():
        errors = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in form.errors.items())
        return HttpResponse(f"Invalid filter: {errors}\n", status=400,
                            content_type="text/plain; charset=utf-8")
    filters = form.filters()
    marking = Marking(level=changes.feed_level(request.user, filters), title="Change feed",
                      user=user_name(request.user), filters=filters_in_words(form))
    rows = export_lines(changes.iterate_entries(request.user, filters))
    name = f"changes-{timezone.localdate().isoformat()}"
    return export_response(fmt, name, COLUMNS, rows, marking)
