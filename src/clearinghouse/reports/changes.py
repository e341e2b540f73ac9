"""The change feed: the history of every record a reader may see, newest first, filtered by
person, record type and dates (the auditor's start page shows its latest entries; the feed page
and its exports, reports/feed.py, all of it).

The feed is one UNION over the history tables of the record types below, each restricted to
the records the reader sees now (``visible_to``) and to history entries at or below its
clearance; a page (or an export's chunk) of it is then described in a fixed number of queries
per record type, however many entries it holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import CharField, Count, Max, Model, OuterRef, QuerySet, Subquery, Value
from django.urls import reverse

from clearinghouse.core.history import describe
from clearinghouse.core.views import present_history
from clearinghouse.needs.models import PLEDGEABLE_STATES, Need
from clearinghouse.parties.models import User
from clearinghouse.planning.models import Plan, PlanRule
from clearinghouse.pledges.models import DONOR_REVEALING, Pledge, StockPosition, SupplierOffer
from clearinghouse.security.models import Controlled
from clearinghouse.security.roles import Classification

HISTORY_LIMIT = 30
CHUNK = 500


@dataclass(frozen=True)
class Kind:
    """A record type of the feed: its code in addresses, its name, and its page (if any)."""

    code: str
    label: str
    model: type[Model]
    detail: str | None = None


KINDS = (
    Kind("need", "Need", Need, "needs:detail"),
    Kind("pledge", "Pledge", Pledge, "pledges:detail"),
    Kind("stock", "Stock position", StockPosition, "pledges:stock-detail"),
    Kind("offer", "Supplier offer", SupplierOffer),
    Kind("plan", "Plan", Plan, "planning:detail"),
    Kind("rule", "Plan rule", PlanRule),
)
BY_CODE = {k.code: k for k in KINDS}


@dataclass(frozen=True)
class Filters:
    """What the feed is narrowed to; ``None`` is "any"."""

    person: User | None = None
    kind: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None

    def kinds(self) -> tuple[Kind, ...]:
        return (BY_CODE[self.kind],) if self.kind else KINDS


def _entries_of(kind: Kind, user: User, filters: Filters) -> QuerySet:
    """The history rows of ``kind`` the reader may see, narrowed by ``filters``."""
    historical = kind.model.history.model
    rows = historical.objects.filter(
        id__in=kind.model.objects.visible_to(user).values("pk"),
        # An entry from when the record was more classified than the reader's clearance
        # stays out, even though the record is visible now.
        classification__lte=user.clearance,
    )
    if filters.person is not None:
        rows = rows.filter(history_user=filters.person)
    if filters.since is not None:
        rows = rows.filter(history_date__date__gte=filters.since)
    if filters.until is not None:
        rows = rows.filter(history_date__date__lte=filters.until)
    return rows.order_by()


def entry_keys(user: User, filters: Filters = Filters()) -> QuerySet:
    """The feed's entries as (feed_kind, history_id, history_date), newest first: one query, to be
    paged or iterated."""
    parts = [
        _entries_of(kind, user, filters)
        .annotate(feed_kind=Value(kind.code, output_field=CharField()))
        .values("feed_kind", "history_id", "history_date")
        for kind in filters.kinds()
    ]
    first, *rest = parts
    union = first.union(*rest, all=True) if rest else first
    return union.order_by("-history_date", "-history_id", "feed_kind")


def feed_level(user: User, filters: Filters = Filters()) -> int:
    """The classification of the most classified entry of the feed: one aggregate per record
    type, no entry read (an export's marking)."""
    levels = [
        _entries_of(kind, user, filters).aggregate(level=Max("classification"))["level"]
        for kind in filters.kinds()
    ]
    return max((lv for lv in levels if lv is not None), default=Classification.PUBLIC)


def describe_entries(user: User, keys: list[dict]) -> list[dict]:
    """The entries named by ``keys`` (from ``entry_keys``), in that order, readable: who, when,
    the record, its type and link, and what changed with field labels and readable values."""
    wanted: dict[str, list[int]] = {}
    for key in keys:
        wanted.setdefault(key["feed_kind"], []).append(key["history_id"])
    found = {}
    for code, ids in wanted.items():
        for entry in _describe_kind(BY_CODE[code], user, ids):
            found[code, entry["id"]] = entry
    return [found[k["feed_kind"], k["history_id"]] for k in keys
            if (k["feed_kind"], k["history_id"]) in found]


def _describe_kind(kind: Kind, user: User, ids: list[int]) -> list[dict]:
    """Entries ``ids`` of ``kind``'s history, each against the entry before it: a query for
    the rows, one for those before, one per reference field and the names of present_history."""
    historical = kind.model.history.model
    previous = (
        historical.objects.filter(id=OuterRef("id"), history_date__lt=OuterRef("history_date"))
        .order_by("-history_date", "-history_id").values("history_id")[:1]
    )
    rows = list(
        historical.objects.filter(history_id__in=ids)
        .select_related("history_user__organisation")
        .annotate(previous_id=Subquery(previous))
    )
    before = {
        h.history_id: h for h in historical.objects.filter(
            history_id__in=[r.previous_id for r in rows if r.previous_id])
    }
    references = _references(kind.model, user, [*rows, *before.values()])
    shown_donor = {}
    if kind.model is Pledge:
        shown_donor = dict(
            Pledge.objects.visible_to(user).filter(pk__in={r.id for r in rows})
            .values_list("pk", "shown_donor_id")
        )
    detail = reverse(kind.detail, args=[0]) if kind.detail else None
    entries = []
    for r in rows:
        earlier = before.get(r.previous_id)
        withheld = earlier is not None and earlier.classification > user.clearance
        if withheld:
            # The record was once above the reader's clearance: its values from then stay
            # hidden; the entry lists the fields as they are now, the earlier ones withheld.
            earlier = None
        masks = {}
        if kind.model is Pledge and shown_donor.get(r.id) is None:
            # An anonymous donor stays anonymous in the feed too (DESIGN.md, rule 3).
            masks = {"hidden_fields": frozenset(DONOR_REVEALING), "hidden_org_id": r.owner_id}
        entry = describe(r, earlier, many_to_many=False, references=references, **masks)
        if withheld:
            entry["withheld"] = True
        entry |= {"kind": kind.label, "kind_code": kind.code, "record": r.id,
                  "url": detail.replace("/0/", f"/{r.id}/") if detail else None,
                  "classification": r.classification}
        entries.append(entry)
    return present_history(kind.model, entries, user)


def _references(model: type[Model], user: User, rows: list) -> dict:
    """For each field of ``model`` pointing to a controlled record: a check whether the reader
    sees the record an entry names (one query per such field), so that no entry reveals even
    the id of a record the reader may not see."""
    checks = {}
    for field in model._meta.concrete_fields:
        target = field.related_model if field.is_relation else None
        if target is None or not issubclass(target, Controlled):
            continue
        ids = {getattr(r, field.attname) for r in rows} - {None}
        seen = set(target.objects.visible_to(user).filter(pk__in=ids)
                   .values_list("pk", flat=True)) if ids else set()
        checks[field.name] = seen.__contains__
    return checks


def iterate_entries(user: User, filters: Filters) -> Iterator[dict]:
    """Every entry of the feed, newest first, described a chunk at a time: memory and queries
    per chunk stay flat whatever the feed's length."""
    batch: list[dict] = []
    for key in entry_keys(user, filters).iterator(chunk_size=CHUNK):
        batch.append(key)
        if len(batch) == CHUNK:
            yield from describe_entries(user, batch)
            batch = []
    if batch:
        yield from describe_entries(user, batch)


def auditor_page(user: User) -> dict:
    """The auditor's section of the start page: the latest changes it may see."""
    entries = describe_entries(user, list(entry_keys(user)[:HISTORY_LIMIT]))
    level = max((e["classification"] for e in entries), default=Classification.PUBLIC)
    needs = Need.objects.visible_to(user)
    open_needs = needs.filter(state__in=PLEDGEABLE_STATES).aggregate(
        n=Count("pk"), level=Max("classification"))
    return {
        "entries": entries,
        "open_needs": open_needs["n"],
        "level": max(level, open_needs["level"] or 0),
    }
