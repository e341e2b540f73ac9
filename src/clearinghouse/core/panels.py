"""Sections that a higher layer adds to a lower layer's detail page (docs/layers.md).

A need's page shows how covered it is and the pledges against it (the pledges app) and what the
adopted plan brings it (planning); an item type's page counts the needs and pledges of it. The
page's own app may not import those apps, so each registers a :class:`Panel` from its
``AppConfig.ready()``, and the page renders whatever is registered for it, in order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Max, QuerySet


@dataclass(frozen=True)
class Panel:
    """``context(record, user)`` returns what ``template`` shows (as ``panel.<name>``), and
    under ``"shown"`` the records or tallies it shows, which raise the page's banner."""

    template: str
    context: Callable[[Any, AbstractBaseUser], dict]
    order: int = 0


_PANELS: dict[str, list[Panel]] = {}


def register(page: str, panel: Panel) -> None:
    """Add ``panel`` to ``page`` (``"app_label.model_name"`` of the record the page shows)."""
    panels = _PANELS.setdefault(page, [])
    if panel not in panels:
        panels.append(panel)
        panels.sort(key=lambda p: p.order)


def panels_for(page: str, record: Any, user: AbstractBaseUser) -> tuple[list[dict], list]:
    """The panels of ``page`` for ``record`` as ``user`` sees it, and what they show."""
    shown, rendered = [], []
    for panel in _PANELS.get(page, []):
        context = panel.context(record, user)
        shown.extend(context.pop("shown", []))
        rendered.append({"template": panel.template, **context})
    return rendered, shown


def tallied(*tallies: dict | None) -> list:
    """What counts shown in a panel raise the banner to: the most classified record counted
    (each tally a ``{"count", "highest"}`` aggregate)."""
    return [SimpleNamespace(classification=t["highest"])
            for t in tallies if t and t["highest"] is not None]


def tally(rows: QuerySet) -> dict:
    """``{"count", "highest"}``: how many of ``rows``, and the highest classification among
    them (a count is an aggregate of those records: it is shown at their level)."""
    return rows.aggregate(count=Count("pk"), highest=Max("classification"))
