"""Tamper-evident history: every history entry is a link of one global hash chain.

Each entry (a row of any django-simple-history table, many-to-many history rows included) gets
a ``ChainLink``: its place ``seq``, the hash of the entry before it and its own hash, an
HMAC-SHA256 keyed with ``settings.AUDIT_KEY`` over a canonical serialisation of the entry as
the database holds it (model, history id, every recorded field with date, user and type) and
the previous hash. ``core/audit.py`` walks the chain; docs/audit.md says what it detects.

Apps use :class:`History` in place of ``HistoricalRecords``: its tables' ``save()`` (single
saves and deletes) and ``bulk_create()`` (``bulk_create_with_history``,
``bulk_update_with_history``, many-to-many history) link each new entry inside the writing
transaction, with the chain head locked, so concurrent writers append in one order.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, router, transaction
from simple_history.models import HistoricalRecords

GENESIS = "0" * 64
IN_CHUNK = 900  # SQLite's historical limit on query parameters is 999


# --- what is hashed ----------------------------------------------------------------------------


def label(model: type[models.Model]) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def is_history(model: type[models.Model]) -> bool:
    """A history table, of a record (pk ``history_id``) or of a many-to-many field
    (``m2m_history_id``); works on migration-state models too."""
    return model._meta.pk is not None and model._meta.pk.name in ("history_id",
                                                                  "m2m_history_id")


def is_m2m(model: type[models.Model]) -> bool:
    return model._meta.pk.name == "m2m_history_id"


def field_names(model: type[models.Model]) -> list[str]:
    return sorted(f.attname for f in model._meta.concrete_fields)


def field_set_digest(model_label: str, names: Sequence[str]) -> str:
    return hashlib.sha256(f"{model_label}:{','.join(names)}".encode()).hexdigest()[:16]


def canonical(value: Any) -> Any:
    """A value as JSON that reads the same whichever database returned it."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # 12.50 and 12.5 alike
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.isoformat(timespec="microseconds")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    if isinstance(value, uuid.UUID):
        return str(value)
    return str(value)


def payload(model_label: str, row: models.Model, names: Sequence[str]) -> bytes:
    # A hashed field the table no longer has cannot match: the entry shows as edited.
    values = [[n, canonical(getattr(row, n)) if hasattr(row, n) else "<missing field>"]
              for n in names]
    data = [model_label, canonical(row.pk), values]
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode()


def entry_hash(prev_hash: str, body: bytes, key: str | None = None) -> str:
    key = settings.AUDIT_KEY if key is None else key
    return hmac.new(key.encode(), prev_hash.encode() + b"\n" + body, hashlib.sha256).hexdigest()


def describe_entry(model: type[models.Model], row: models.Model) -> dict[str, Any]:
    """The record, date, user and type an entry is about (its parent's for a many-to-many
    history row): what a link repeats so that a deleted entry can still be named."""
    if is_m2m(model):
        parent = getattr(row, "history", None)
        if parent is None:
            return {"record_id": "", "entry_date": None, "user_id": None, "kind": ""}
        row = parent
    return {"record_id": str(row.id), "entry_date": row.history_date,
            "user_id": row.history_user_id, "kind": row.history_type}


# --- appending ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tables:
    """The chain's models: the live ones, or a migration's (core/migrations/0002)."""

    head: Any
    link: Any
    field_set: Any
    content_type: Any


def live_tables() -> Tables:
    from django.contrib.contenttypes.models import ContentType

    from .models import ChainHead, ChainLink, FieldSet

    return Tables(ChainHead, ChainLink, FieldSet, ContentType)


def content_type_id(tables: Tables, model: type[models.Model], using: str) -> int:
    manager = tables.content_type.objects.db_manager(using)
    if hasattr(manager, "get_for_model"):
        return manager.get_for_model(model, for_concrete_model=False).pk
    found, _ = manager.get_or_create(app_label=model._meta.app_label,
                                     model=model._meta.model_name)
    return found.pk


def lock_head(tables: Tables, using: str) -> Any:
    """The head row, locked until the writing transaction ends. Made on first use (the demo's
    reset and test flushes empty the table) at the last link: a head deleted by hand must not
    stop every write, and says no more than a head moved back (docs/audit.md, --expect)."""
    rows = tables.head.objects.using(using).select_for_update()
    head = rows.filter(pk=1).first()
    if head is None:
        last = tables.link.objects.using(using).order_by("-seq").first()
        try:
            with transaction.atomic(using=using):
                tables.head.objects.using(using).create(
                    pk=1, seq=last.seq if last else 0, hash=last.hash if last else GENESIS)
        except IntegrityError:
            pass  # another writer made it first
        head = rows.get(pk=1)
    return head


def append(model: type[models.Model], rows: Iterable[models.Model], using: str,
           tables: Tables | None = None) -> int:
    """Link ``rows`` (entries of ``model`` as read from the database, in their order) at the
    end of the chain; the caller holds a transaction. Returns how many were linked."""
    rows = list(rows)
    if not rows:
        return 0
    tables = tables or live_tables()
    model_label, names = label(model), field_names(model)
    digest = field_set_digest(model_label, names)
    tables.field_set.objects.using(using).bulk_create(
        [tables.field_set(digest=digest, model=model_label, names=",".join(names))],
        ignore_conflicts=True)
    ct = content_type_id(tables, model, using)
    head = lock_head(tables, using)
    links, seq, prev = [], head.seq, head.hash
    for row in rows:
        seq += 1
        digest_hash = entry_hash(prev, payload(model_label, row, names))
        links.append(tables.link(seq=seq, content_type_id=ct, entry_id=row.pk,
                                 field_set=digest, prev_hash=prev, hash=digest_hash,
                                 **describe_entry(model, row)))
        prev = digest_hash
    tables.link.objects.using(using).bulk_create(links, batch_size=500)
    tables.head.objects.using(using).filter(pk=1).update(seq=seq, hash=prev)
    return len(links)


def fetch(model: type[models.Model], ids: Sequence[Any], using: str) -> list[models.Model]:
    """Entries of ``model`` as the database holds them (what the walk will read), in the order
    of ``ids``."""
    found: dict[Any, models.Model] = {}
    query = model._base_manager.using(using)
    if is_m2m(model):
        query = query.select_related("history")
    for start in range(0, len(ids), IN_CHUNK):
        found.update((r.pk, r) for r in query.filter(pk__in=ids[start:start + IN_CHUNK]))
    return [found[i] for i in ids]


def link_new(model: type[models.Model], ids: Sequence[Any], using: str) -> None:
    if any(i is None for i in ids):
        raise RuntimeError(f"{label(model)}: the database did not return the new entries' ids; "
                           "the history chain needs PostgreSQL or SQLite >= 3.35.")
    append(model, fetch(model, ids, using), using)


# --- the history tables' base ------------------------------------------------------------------


class ChainedQuerySet(models.QuerySet):
    def bulk_create(self, objs: Iterable[models.Model], *args: Any,
                    **kwargs: Any) -> list[models.Model]:
        with transaction.atomic(using=self.db, savepoint=False):
            created = super().bulk_create(objs, *args, **kwargs)
            link_new(self.model, [o.pk for o in created], self.db)
        return created


class ChainedHistory(models.Model):
    """The base of every history table: each new entry joins the chain as it is written."""

    objects = ChainedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        adding = self._state.adding
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using, savepoint=False):
            super().save(*args, **kwargs)
            if adding:
                link_new(type(self), [self.pk], using)


class History(HistoricalRecords):
    """``HistoricalRecords`` whose entries are chained: what every app uses."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("bases", [ChainedHistory])
        kwargs.setdefault("m2m_bases", [ChainedHistory])
        super().__init__(*args, **kwargs)
