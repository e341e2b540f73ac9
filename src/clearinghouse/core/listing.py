"""A reusable list page: what the user may see, filtered, searched, sorted, paged and exported.

One :class:`Listing` per list declares its ``query`` (a function of the app's ``queries.py``:
user -> the rows that user sees; rows not restricted by ``visible_to(user)`` are refused), the app's
filterset (the API's, so pages and API filter alike) and the columns. The page and its CSV and
XLSX exports (``core/exports.py``) share the columns and the filtered queryset, so an export
holds exactly the rows and columns the user sees, over all pages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import capfirst

from clearinghouse.security.models import require_visible

from . import words
from .web import classify

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django_filters import FilterSet

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# Query parameters that belong to the page, not to the filters.
PAGE_PARAMS = ("page", "page_size")


@dataclass(frozen=True)
class Column:
    """One column of a list and of its exports.

    ``value(row)`` is the raw value (str, number, date, bool or None): exported as is and shown
    formatted; ``text(row)`` overrides what the page shows; ``href(row)`` makes the cell a link;
    ``sort`` is the filterset's ``ordering`` name that sorts by this column.
    """

    label: str
    value: Callable[[Any], Any]
    sort: str | None = None
    href: Callable[[Any], str | None] | None = None
    text: Callable[[Any], str] | None = None
    css: Callable[[Any], str] | None = None

    def cell(self, row: Any) -> Cell:
        value = self.value(row)
        shown = self.text(row) if self.text else display(value)
        numeric = isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)
        classes = " ".join(c for c in ("num" if numeric else "", self.css(row) if self.css
                                       else "") if c)
        return Cell(shown, self.href(row) if self.href else None, classes)


@dataclass(frozen=True)
class Cell:
    text: str
    href: str | None
    css: str


def display(value: Any) -> str:
    """The value as the page shows it (core/words.py): numbers grouped, dates as people write
    them, booleans yes/no."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float, Decimal)):
        return words.number(value)
    if isinstance(value, dt.datetime):
        return words.moment(value)
    if isinstance(value, dt.date):
        return words.day(value)
    return str(value)


def attr(dotted: str) -> Callable[[Any], Any]:
    """``attr("item_type.name")``: follow attributes, None if one is missing."""
    parts = dotted.split(".")

    def get(row: Any) -> Any:
        for part in parts:
            row = getattr(row, part, None)
            if row is None:
                return None
        return row

    return get


def detail_link(url_name: str) -> Callable[[Any], str | None]:
    """A link to the record's detail page, when that page exists."""

    def href(row: Any) -> str | None:
        return reverse(url_name, args=[row.pk])

    return href


def id_column(detail_url_name: str) -> Column:
    """The record's id (not grouped: 2470, not 2,470), linking to its detail page."""
    return Column("ID", attr("pk"), text=lambda r: str(r.pk), sort="id",
                  href=detail_link(detail_url_name))


class Listing:
    """Subclass per list; see the module's docstring."""

    name = ""  # the list's name in URLs and export file names: "needs"
    noun = ("record", "records")  # for the count: "1 need", "12 needs"
    title = ""
    template_name = "listing.html"  # one table for every list; a listing may override it
    filterset_class = None
    columns: tuple[Column, ...] = ()
    export_url_name = ""  # "needs:export"
    caption = ""
    labels: dict[str, str] = {}  # filter name -> label, where the filterset's is unclear
    # filter name -> user -> the choices the page offers (fewer than the filter accepts)
    offered: dict[str, Callable] = {}
    query: Callable = None  # staticmethod(queries.x): user -> the rows that user sees

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "queryset" in vars(cls):
            raise TypeError(f"{cls.__name__}: declare query, never override queryset: the "
                            "rows of every list go through require_visible.")

    def queryset(self, user: AbstractBaseUser) -> QuerySet:
        """The list's rows: its query, refused unless restricted to what ``user`` sees."""
        return require_visible(self.query(user), user)

    # -- shared by the page and the exports ---------------------------------------------------

    def filterset(self, request: HttpRequest) -> FilterSet:
        data = request.GET.copy()
        for param in PAGE_PARAMS:
            data.pop(param, None)
        filterset = self.filterset_class(data, queryset=self.queryset(request.user),
                                         request=request)
        for name, field in filterset.form.fields.items():
            if name in self.labels:
                field.label = self.labels[name]
            if isinstance(field, forms.DateField):
                field.widget.input_type = "date"
            if name in self.offered:
                field.widget.choices = [("", "Any"), *((o.pk, str(o)) for o in
                                                        self.offered[name](request.user))]
            say_any(field)
        return filterset

    def rows(self, filterset: FilterSet) -> QuerySet:
        """The filtered rows, or none while a filter is invalid (never more than was asked)."""
        if not filterset.is_valid():
            return filterset.queryset.none()
        return filterset.qs

    def export_name(self) -> str:
        return f"{self.name}-{timezone.localdate().isoformat()}"

    # -- the page -----------------------------------------------------------------------------

    def page(self, request: HttpRequest) -> HttpResponse:
        filterset = self.filterset(request)
        rows = self.rows(filterset)
        paginator = Paginator(rows, page_size(request))
        page = paginator.get_page(request.GET.get("page"))
        records = list(page.object_list)
        ordering = request.GET.get("ordering", "").split(",")[0].strip()
        context = {
            "listing": self,
            "title": self.title,
            "caption": self.caption or self.title,
            "filter": filterset,
            # The search box first; the sort order is set by the column headers.
            "filter_fields": sorted((f for f in filterset.form if f.name != "ordering"),
                                    key=lambda f: f.name != "q"),
            "ordering_errors": filterset.form.errors.get("ordering"),
            "invalid": not filterset.is_valid(),
            "page_obj": page,
            "count": paginator.count,
            "count_label": f"{paginator.count:,} "
                           f"{self.noun[0] if paginator.count == 1 else self.noun[1]}",
            "headers": [header(c, ordering) for c in self.columns],
            "rows": [{"pk": r.pk, "cells": [c.cell(r) for c in self.columns]} for r in records],
            "bulk": self.bulk(request, records, rows),
            "export_query": export_query(request),
            "export_csv": reverse(self.export_url_name, args=["csv"]),
            "export_xlsx": reverse(self.export_url_name, args=["xlsx"]),
        }
        classify(context, records)
        return render(request, self.template_name, context)

    def bulk(self, request: HttpRequest, records: list, rows: QuerySet) -> dict | None:
        """The bulk actions the page offers on ``records`` (shown) and ``rows`` (all filtered):
        none unless the listing declares them (core/bulk.py)."""
        return None

    def export(self, request: HttpRequest, fmt: str) -> HttpResponse:
        from .exports import Marking, export_response, level_of, user_name

        if fmt not in ("csv", "xlsx"):
            raise Http404("No such export format.")
        filterset = self.filterset(request)
        if not filterset.is_valid():
            errors = "; ".join(f"{field}: {' '.join(msgs)}"
                               for field, msgs in filterset.errors.items())
            return HttpResponse(f"Invalid filter: {errors}\n", status=400,
                                content_type="text/plain; charset=utf-8")
        rows = filterset.qs
        marking = Marking(level=level_of(rows), title=self.title, user=user_name(request.user),
                          filters=filters_in_words(filterset.form))
        return export_response(fmt, self.export_name(), self.columns, rows, marking)

    # -- wiring -------------------------------------------------------------------------------

    @classmethod
    def urls(cls, prefix: str = "", name_prefix: str = "") -> list:
        listing = cls()

        @login_required
        def page_view(request: HttpRequest) -> HttpResponse:
            return listing.page(request)

        @login_required
        def export_view(request: HttpRequest, fmt: str) -> HttpResponse:
            return listing.export(request, fmt)

        return [
            path(prefix, page_view, name=f"{name_prefix}list"),
            path(f"{prefix}export.<str:fmt>/", export_view, name=f"{name_prefix}export"),
        ]


def say_any(field: forms.Field) -> None:
    """An unset filter reads "Any", not "---------" or "Unknown"."""
    if isinstance(field, forms.ModelChoiceField):
        field.empty_label = "Any"
    if isinstance(field, forms.NullBooleanField) or isinstance(
            field.widget, forms.NullBooleanSelect):
        field.widget.choices = (("", "Any"), ("true", "Yes"), ("false", "No"))
    elif isinstance(field, forms.ChoiceField) and not isinstance(
            field, (forms.ModelChoiceField, forms.MultipleChoiceField)):
        field.choices = [("", "Any") if value == "" else (value, label)
                         for value, label in field.choices]


def filters_in_words(form: forms.Form) -> tuple[tuple[str, str], ...]:
    """The filters a valid form applies, as (label, value in words): ("Priority", "critical"),
    ("Region", "Dnipro"), ("Sorted by", "required by, latest first"); unset ones left out."""
    found = []
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if value in (None, "", [], ()) or (hasattr(value, "exists") and not value.exists()):
            continue
        label = "Sorted by" if name == "ordering" else capfirst(str(field.label or name).strip())
        found.append((label, _value_in_words(field, value)))
    return tuple(found)


def _value_in_words(field: forms.Field, value: Any) -> str:
    if isinstance(value, (list, tuple)) or hasattr(value, "model"):
        return ", ".join(_value_in_words(field, v) for v in value)
    if isinstance(field, forms.ModelChoiceField):  # as its menu names it; never query choices
        return str(field.label_from_instance(value))
    choices = {str(k): v for k, v in getattr(field, "choices", None) or ()}
    if str(value) in choices:
        return str(choices[str(value)])
    if isinstance(value, bool):
        return "yes" if value else "no"
    return display(value)


def page_size(request: HttpRequest) -> int:
    try:
        size = int(request.GET.get("page_size", PAGE_SIZE))
    except (TypeError, ValueError):
        return PAGE_SIZE
    return max(1, min(size, MAX_PAGE_SIZE))


def export_query(request: HttpRequest) -> str:
    """The current filters and sort as a query string, without the page."""
    data = request.GET.copy()
    for param in PAGE_PARAMS:
        data.pop(param, None)
    encoded = data.urlencode()
    return f"?{encoded}" if encoded else ""


def header(column: Column, ordering: str) -> dict:
    """A column header: its label, and for a sortable one the link toggling the sort."""
    found = {"label": column.label, "sort": column.sort, "aria_sort": None, "next": None}
    if column.sort:
        if ordering == column.sort:
            found |= {"aria_sort": "ascending", "next": f"-{column.sort}"}
        elif ordering == f"-{column.sort}":
            found |= {"aria_sort": "descending", "next": column.sort}
        else:
            found |= {"aria_sort": "none", "next": column.sort}
    return found
