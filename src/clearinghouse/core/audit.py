"""Walking the history chain (core/chain.py): the first entry edited, deleted or reordered.

The walk reads links in ``seq`` order, a chunk at a time, with the entries they point to: memory
stays flat however long the history. Checks per link, in this order, so that the first break
is named for what it is:

- a gap in ``seq``: links were deleted;
- the link's previous hash is not the hash of the link before it: it was moved (the hash it
  follows belongs to a later link: reordered) or what it followed was deleted;
- its entry is gone: deleted;
- the entry's hash, recomputed from what the database holds, differs: edited; or inserted,
  when the next link follows the link before this one;
- after the last link: the head names a later one (the end of the chain was deleted), and no
  history entry may be outside the chain (inserted).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, models, transaction

from .chain import (
    GENESIS,
    IN_CHUNK,
    Tables,
    append,
    describe_entry,
    entry_hash,
    is_history,
    is_m2m,
    label,
    live_tables,
    payload,
)

CHUNK = 2000


@dataclass
class Break:
    """The first break: what happened (``edited``, ``deleted``, ``reordered``, ``inserted``)
    to which entry, in plain words."""

    kind: str
    seq: int | None
    words: str


@dataclass
class Walk:
    entries: int
    head_hash: str
    broken: Break | None = None

    def summary(self) -> str:
        if self.broken is None:
            return (f"{self.entries:,} entries, chain intact (head {self.entries}:"
                    f"{self.head_hash[:16]})")
        return self.broken.words


def history_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models(include_auto_created=True) if is_history(m)]


# --- naming entries ----------------------------------------------------------------------------


def record_type(model: type[models.Model] | None, fallback: str) -> str:
    """"need", or "capability coalition (lead nations)" for a many-to-many history table."""
    if model is None:
        return fallback
    if is_m2m(model):
        parent = model._meta.get_field("history").related_model
        field = model.__name__.split("_", 1)[-1].replace("_", " ")
        return f"{record_type(parent, fallback)} ({field})"
    tracked = getattr(model, "instance_type", None)
    return str(tracked._meta.verbose_name) if tracked is not None else label(model)


def _who(user_id: int | None) -> str:
    if user_id is None:
        return "no signed-in user"
    name = get_user_model()._base_manager.filter(pk=user_id).values_list(
        "username", flat=True).first()
    return name or f"user #{user_id} (since deleted)"


KINDS = {"+": "created", "~": "changed", "-": "deleted"}


def name_link(link: Any) -> str:
    """Chain entry 12: need #4, history entry 57 (changed 2026-12-06 18:40:00 UTC by
    ukr-planner)"""
    ct = ContentType.objects.get_for_id(link.content_type_id)
    what = record_type(ct.model_class(), f"{ct.app_label}.{ct.model}")
    when = (link.entry_date.strftime("%Y-%m-%d %H:%M:%S UTC") if link.entry_date
            else "date unknown")
    kind = KINDS.get(link.kind, "entry")
    return (f"chain entry {link.seq}: {what} #{link.record_id or '?'}, history entry "
            f"{link.entry_id} ({kind} {when} by {_who(link.user_id)})")


# --- the walk ----------------------------------------------------------------------------------


def _rows(model: type[models.Model], using: str) -> models.QuerySet:
    rows = model._base_manager.using(using)
    return rows.select_related("history") if is_m2m(model) else rows


def _entries(links: list[Any], using: str) -> dict[tuple[int, int], models.Model]:
    wanted: dict[int, list[int]] = {}
    kinds: dict[int, type[models.Model] | None] = {}
    for link in links:
        wanted.setdefault(link.content_type_id, []).append(link.entry_id)
        if link.content_type_id not in kinds:
            kinds[link.content_type_id] = ContentType.objects.get_for_id(
                link.content_type_id).model_class()
    found: dict[tuple[int, int], models.Model] = {}
    for ct, ids in wanted.items():
        if kinds[ct] is None:
            continue  # a table since dropped: its entries show as deleted
        for start in range(0, len(ids), IN_CHUNK):
            for row in _rows(kinds[ct], using).filter(pk__in=ids[start:start + IN_CHUNK]):
                found[(ct, row.pk)] = row
    return found


def verify(chunk: int = CHUNK, progress: Callable[[int, int], None] | None = None,
           using: str = DEFAULT_DB_ALIAS, expect: tuple[int, str] | None = None) -> Walk:
    """Walk the whole chain; ``progress(done, total)`` after each chunk. ``expect`` is a head
    recorded earlier (its entry and the start of its hash): the chain must still hold it."""
    walk = _walk(chunk, progress, using)
    if walk.broken is None and expect is not None:
        seq, start = expect
        kept = live_tables().link.objects.using(using).filter(seq=seq).first()
        if kept is None or not kept.hash.startswith(start.lower()) or len(start) < 8:
            walk.broken = Break("deleted", seq, (
                f"Deleted or rewritten: the chain no longer holds the head recorded earlier "
                f"({seq}:{start}); it is intact only from what was written since."))
    return walk


def _walk(chunk: int, progress: Callable[[int, int], None] | None, using: str) -> Walk:
    tables = live_tables()
    head = tables.head.objects.using(using).filter(pk=1).first()
    total = head.seq if head else 0
    field_sets = {f.digest: f.names.split(",") if f.names else []
                  for f in tables.field_set.objects.using(using)}
    links_of = tables.link.objects.using(using).order_by("seq")
    expected, prev, prev_link, done = 1, GENESIS, None, 0
    while True:
        links = list(links_of.filter(seq__gte=expected)[:chunk])
        if not links:
            break
        entries = _entries(links, using)
        for link in links:
            broken = _check(link, expected, prev, prev_link, entries, field_sets, using)
            if broken:
                return Walk(done, prev, broken)
            expected, prev, prev_link, done = link.seq + 1, link.hash, link, done + 1
        if progress:
            progress(done, max(total, done))
    if head is not None and head.seq < done:
        return Walk(done, prev, Break("inserted", head.seq + 1, (
            f"Inserted: the chain goes on past its head (entry {head.seq}) to "
            f"{name_link(prev_link)}.")))
    if head is not None and (head.seq != done or head.hash != prev):
        after = f"after {name_link(prev_link)}" if prev_link else "from the start"
        return Walk(done, prev, Break("deleted", done + 1, (
            f"Deleted: the chain ends at entry {done} but its head names entry {head.seq}; "
            f"the entries {after} are missing.")))
    if head is None and done:
        return Walk(done, prev, Break("deleted", None, "Deleted: the chain's head is missing."))
    outside = tables.link.objects.using(using).filter(seq__lt=1).order_by("seq").first()
    if outside is not None:  # the walk starts at 1: a link numbered below is out of the chain
        return Walk(done, prev, Break("reordered", outside.seq, (
            f"Reordered: {name_link(outside)} was moved out of the chain's numbering.")))
    stray = _outside_chain(tables, using)
    if stray:
        return Walk(done, prev, stray)
    return Walk(done, prev)


def _user_deleted(entry: models.Model, link: Any) -> bool:
    return (getattr(entry, "history_user_id", 0) is None and link.user_id is not None
            and not get_user_model()._base_manager.filter(pk=link.user_id).exists())


def _links(link: Any, using: str) -> models.QuerySet:
    return link.__class__.objects.using(using)


def _check(link: Any, expected: int, prev: str, prev_link: Any, entries: dict,
           field_sets: dict[str, list[str]], using: str) -> Break | None:
    if link.seq != expected:
        after = f"after {name_link(prev_link)}" if prev_link else "at the start"
        missing = (f"chain entry {expected} is" if link.seq == expected + 1
                   else f"chain entries {expected} to {link.seq - 1} are")
        return Break("deleted", expected, (
            f"Deleted: {missing} missing, {after} and before {name_link(link)}."))
    if link.prev_hash != prev:
        followed = _links(link, using).filter(hash=link.prev_hash).first()
        if followed is not None and followed.seq > link.seq:
            return Break("reordered", link.seq, (
                f"Reordered: {name_link(link)} was written after {name_link(followed)} but "
                "now comes before it."))
        after = f"after {name_link(prev_link)}" if prev_link else "at the start"
        return Break("deleted", link.seq, (
            f"Deleted: the entry that {name_link(link)} follows is missing ({after})."))
    entry = entries.get((link.content_type_id, link.entry_id))
    if entry is None:
        return Break("deleted", link.seq, f"Deleted: {name_link(link)} is no longer stored.")
    model = type(entry)
    names = field_sets.get(link.field_set)
    same = names is not None and entry_hash(prev, payload(label(model), entry, names)) == link.hash
    if not same and names is not None and _user_deleted(entry, link):
        # Deleting an account sets its entries' user to NULL (SET_NULL): the entry is as
        # written with the user its link names.
        entry.history_user_id = link.user_id
        same = entry_hash(prev, payload(label(model), entry, names)) == link.hash
    described = describe_entry(model, entry)
    if same and all(getattr(link, k) == v for k, v in described.items()):
        return None
    following = _links(link, using).filter(seq=link.seq + 1).first()
    if following is not None and following.prev_hash == prev:
        return Break("inserted", link.seq, (
            f"Inserted: {name_link(link)} is not part of the chain written (the entry after "
            "it follows the one before it)."))
    return Break("edited", link.seq, (
        f"Edited: {name_link(link)} no longer matches its hash: its recorded fields were "
        "changed."))


def _outside_chain(tables: Tables, using: str) -> Break | None:
    """A history entry with no link (the first of the first such table): written around
    the chain."""
    stray = []
    for model in history_models():
        ct = tables.content_type.objects.db_manager(using).get_for_model(
            model, for_concrete_model=False)
        linked = tables.link.objects.using(using).filter(content_type=ct).values("entry_id")
        row = _rows(model, using).exclude(pk__in=linked).order_by("pk").first()
        if row is not None:
            stray.append((model, row))
    if not stray:
        return None
    model, row = stray[0]
    about = describe_entry(model, row)
    return Break("inserted", None, (
        f"Inserted: {record_type(model, label(model))} #{about['record_id'] or '?'}, history "
        f"entry {row.pk} is in the history but not in the chain."))


# --- sealing a history written before the chain ------------------------------------------------


def _ordered(model: type[models.Model], tables_label: str) -> Iterator[tuple]:
    """(date, history id, table, 0/1, id, model, row): a record's entry, then its
    many-to-many rows."""
    rows = model._base_manager.all()
    if is_m2m(model):
        parent = model._meta.get_field("history").related_model
        rows = rows.select_related("history").order_by("history__history_date", "history_id",
                                                        "pk")
        for row in rows.iterator(chunk_size=CHUNK):
            yield (row.history.history_date, row.history_id, label(parent), 1, row.pk, model,
                   row)
    else:
        for row in rows.order_by("history_date", "pk").iterator(chunk_size=CHUNK):
            yield (row.history_date, row.pk, tables_label, 0, 0, model, row)


def seal_existing(history: list[type[models.Model]], tables: Tables,
                  using: str = DEFAULT_DB_ALIAS) -> int:
    """Link every entry of ``history`` in history_date, then id order; only into an empty
    chain (an upgraded database), never around one: a chain already started is left alone."""
    if tables.link.objects.using(using).exists():
        return 0
    streams = [_ordered(m, label(m)) for m in history]
    merged = heapq.merge(*streams, key=lambda t: t[:5])
    sealed, batch = 0, []
    with transaction.atomic(using=using):
        for item in merged:
            if batch and batch[-1][5] is not item[5]:
                sealed += append(batch[0][5], [b[6] for b in batch], using, tables)
                batch = []
            batch.append(item)
            if len(batch) >= CHUNK:
                sealed += append(batch[0][5], [b[6] for b in batch], using, tables)
                batch = []
        if batch:
            sealed += append(batch[0][5], [b[6] for b in batch], using, tables)
    return sealed
