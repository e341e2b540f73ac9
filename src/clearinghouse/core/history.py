"""History entries (who, when, before and after) from django-simple-history."""

from collections.abc import Callable
from typing import Any

TYPES = {"+": "created", "~": "changed", "-": "deleted"}
INTERNAL = {"history_id", "history_date", "history_change_reason", "history_type",
            "history_user", "history_user_id", "history_relation", "id"}


def history_entries(record: Any, clearance: int | None = None,
                    **masks: Any) -> list[dict[str, Any]]:
    """The history of ``record``, oldest first, masked for the reader (see ``describe``).

    For a reader of ``clearance``, an entry from when the record was classified above it is
    left out, and the values from then are withheld from the next entry ("withheld"): a record
    downgraded since never shows what it said while the reader could not see it."""
    rows = record.history.select_related("history_user__organisation")
    rows = list(rows.order_by("history_date", "history_id"))
    if not rows:  # a record made in bulk without history rows (a shipment's discrepancies)
        return []
    pairs = zip([None, *rows[:-1]], rows, strict=True)
    entries = []
    for previous, row in pairs:
        if _above(row, clearance):
            continue
        withheld = previous is not None and _above(previous, clearance)
        entry = describe(row, None if withheld else previous, **masks)
        if withheld:
            entry["withheld"] = True
        entries.append(entry)
    return entries


def _above(row: Any, clearance: int | None) -> bool:
    level = getattr(row, "classification", None)
    return clearance is not None and level is not None and level > clearance


def describe(
    row: Any, previous: Any | None, hidden_fields: frozenset[str] = frozenset(),
    hidden_org_id: int | None = None,
    references: dict[str, Callable[[Any], bool]] | None = None, many_to_many: bool = True,
) -> dict[str, Any]:
    """One history entry: what changed from ``previous`` (None for the first) to ``row``.

    ``hidden_fields`` are left out and users of ``hidden_org_id`` shown as "anonymous" (an
    anonymous donor stays anonymous in the history too, DESIGN.md rule 3); a field in
    ``references`` shows a related record's id only where its check says the reader sees it.
    ``many_to_many=False`` skips those fields' changes (a query each) for feeds of many entries.
    """
    fields = [f for f in row.tracked_fields
              if f.name not in INTERNAL and f.name not in hidden_fields]
    if previous is None:
        changes = [{"field": f.name, "before": None, "after": _value(row, f.attname)}
                   for f in fields]
    else:
        changes = [
            {"field": f.name, "before": _value(previous, f.attname),
             "after": _value(row, f.attname)}
            for f in fields if getattr(previous, f.attname) != getattr(row, f.attname)
        ]
        # Many-to-many values are through rows; keep the related records' ids.
        targets = {f.name: f.m2m_reverse_field_name() for f in row._history_m2m_fields
                   if many_to_many and f.name not in hidden_fields}
        if targets:
            delta = row.diff_against(previous, included_fields=set(targets))
            changes += [
                {"field": c.field, "before": sorted(r[targets[c.field]] for r in c.old),
                 "after": sorted(r[targets[c.field]] for r in c.new)}
                for c in delta.changes
            ]
    for change in changes:
        seen = (references or {}).get(change["field"])
        if seen:
            for side in ("before", "after"):
                if change[side] is not None and not seen(change[side]):
                    change[side] = None
    user = row.history_user
    hide_user = user is not None and hidden_org_id is not None and (
        user.organisation_id == hidden_org_id
    )
    return {
        "id": row.history_id,
        "when": row.history_date,
        "type": TYPES.get(row.history_type, row.history_type),
        "who": None if user is None else ("anonymous" if hide_user else user.username),
        "organisation": None if user is None or hide_user else _org(user),
        "changes": changes,
    }


def _org(user):
    return user.organisation.name if user.organisation_id else None


def _value(row, attname):
    return _plain(getattr(row, attname))


def _plain(value):
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)
