"""The auditor's start page: the latest changes it may see, across needs, pledges and stock."""

from decimal import Decimal

from django.db.models import Count, Max, OuterRef, Subquery

from clearinghouse.catalogue.models import CompatibilityFamily, ItemType
from clearinghouse.needs.models import PLEDGEABLE_STATES, Need
from clearinghouse.parties.models import Organisation, Region
from clearinghouse.pledges.models import (
    DONOR_REVEALING,
    Pledge,
    StockPosition,
)
from clearinghouse.security.roles import Classification

from .dashboards import ANONYMOUS, url_or_none
from .templatetags.coverage_bars import qty

HISTORY_LIMIT = 30
HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}
HISTORY_INTERNAL = {"history_id", "history_date", "history_change_reason", "history_type",
                    "history_user", "history_user_id", "history_relation", "id", "version"}


def _history(model, label, user, detail_name):
    """The latest entries of ``model``'s history on records ``user`` sees, with the entry
    before each: 2 queries."""
    historical = model.history.model
    visible = model.objects.visible_to(user)
    previous = (
        historical.objects.filter(id=OuterRef("id"), history_date__lt=OuterRef("history_date"))
        .order_by("-history_date", "-history_id").values("history_id")[:1]
    )
    rows = list(
        historical.objects.filter(id__in=visible.values("pk"))
        .select_related("history_user__organisation")
        .annotate(previous_id=Subquery(previous))
        .order_by("-history_date", "-history_id")[:HISTORY_LIMIT]
    )
    before = {
        h.history_id: h for h in historical.objects.filter(
            history_id__in=[r.previous_id for r in rows if r.previous_id])
    }
    detail = url_or_none(detail_name, 0)
    for r in rows:
        r.record_label = label
        r.previous = before.get(r.previous_id)
        r.url = detail.replace("/0/", f"/{r.id}/") if detail else None
    return rows


def _changes(row, hidden: frozenset, masked_refs: dict, names: dict) -> list[dict]:
    fields = [f for f in row.tracked_fields
              if f.name not in HISTORY_INTERNAL and f.name not in hidden]
    changes = []
    for f in fields:
        after = getattr(row, f.attname)
        before = getattr(row.previous, f.attname) if row.previous is not None else None
        if row.previous is not None and before == after:
            continue
        if row.history_type == "+" and after in (None, "", False):
            continue
        seen = masked_refs.get(f.name)
        if seen is not None:
            before = before if before in seen else None
            after = after if after in seen else None
        changes.append({"field": f.verbose_name, "before": _shown(f, before, names),
                        "after": _shown(f, after, names)})
    return changes


def _shown(f, value, names: dict):
    """A history value as a reader reads it: choice labels, names of reference data."""
    if value is None:
        return None
    if f.choices:
        return dict(f.flatchoices).get(value, value)
    target = getattr(f, "related_model", None)
    if target is not None:
        label = names.get((target, value))
        return label if label is not None else f"{target._meta.verbose_name} {value}"
    if isinstance(value, Decimal):
        return qty(value)
    return value


# Reference data (visible to every signed-in user) named in history by one query per model.
NAMED = {"owner": Organisation, "item_type": ItemType, "region": Region,
         "family": CompatibilityFamily}


def _reference_names(rows) -> dict:
    wanted: dict = {}
    for r in rows:
        for name, model in NAMED.items():
            for row in (r, r.previous):
                value = getattr(row, f"{name}_id", None) if row is not None else None
                if value is not None:
                    wanted.setdefault(model, set()).add(value)
    names = {}
    for model, ids in wanted.items():
        for pk, label in model.objects.filter(pk__in=ids).values_list("pk", "name"):
            names[(model, pk)] = label
    return names


def auditor_page(user) -> dict:
    rows = (_history(Need, "Need", user, "needs:detail")
            + _history(Pledge, "Pledge", user, "pledges:detail")
            + _history(StockPosition, "Stock position", user, "pledges:stock-detail"))
    rows.sort(key=lambda r: (r.history_date, r.history_id), reverse=True)
    rows = rows[:HISTORY_LIMIT]
    names = _reference_names(rows)
    pledge_ids = {r.id for r in rows if r.record_label == "Pledge"}
    pledges = {
        p.pk: p for p in Pledge.objects.visible_to(user).filter(pk__in=pledge_ids)
        .only("pk", "owner_id", "classification")
    }
    # A reference in a pledge's history is shown only where the reader sees what it points to.
    pledge_rows = [row for r in rows if r.record_label == "Pledge"
                   for row in (r, r.previous) if row is not None]
    need_ids = {r.need_id for r in pledge_rows if r.need_id}
    stock_ids = {r.stock_position_id for r in pledge_rows if r.stock_position_id}
    seen_needs = set(Need.objects.visible_to(user).filter(pk__in=need_ids)
                     .values_list("pk", flat=True)) if need_ids else set()
    seen_stock = set(StockPosition.objects.visible_to(user).filter(pk__in=stock_ids)
                     .values_list("pk", flat=True)) if stock_ids else set()
    entries = []
    for r in rows:
        hidden, hidden_org, masks = frozenset(), None, {}
        if r.record_label == "Pledge":
            pledge = pledges.get(r.id)
            masks = {"need": seen_needs, "stock_position": seen_stock}
            if pledge is None or pledge.shown_donor_id is None:
                hidden = frozenset(DONOR_REVEALING)
                hidden_org = pledge.owner_id if pledge is not None else r.owner_id
        who_user = r.history_user
        hide_user = who_user is not None and hidden_org is not None and (
            who_user.organisation_id == hidden_org)
        entries.append({
            "kind": r.record_label,
            "id": r.id,
            "url": r.url,
            "when": r.history_date,
            "type": HISTORY_TYPES.get(r.history_type, r.history_type),
            "who": None if who_user is None else (ANONYMOUS if hide_user else who_user.username),
            "organisation": (None if who_user is None or hide_user
                             or who_user.organisation is None else who_user.organisation.name),
            "changes": _changes(r, hidden, masks, names),
            "classification": r.classification,
        })
    level = max((e["classification"] for e in entries), default=Classification.PUBLIC)
    needs = Need.objects.visible_to(user)
    open_needs = needs.filter(state__in=PLEDGEABLE_STATES).aggregate(
        n=Count("pk"), level=Max("classification"))
    return {
        "entries": entries,
        "open_needs": open_needs["n"],
        "level": max(level, open_needs["level"] or 0),
    }


# --- everyone else ---------------------------------------------------------------------------


