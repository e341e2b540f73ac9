"""The auditor's start page: the latest changes it may see, across needs, pledges and stock."""

from django.db.models import Count, Max, OuterRef, Subquery

from clearinghouse.core.history import describe
from clearinghouse.core.views import present_history
from clearinghouse.needs.models import PLEDGEABLE_STATES, Need
from clearinghouse.parties.models import User
from clearinghouse.pledges.models import (
    DONOR_REVEALING,
    Pledge,
    StockPosition,
)
from clearinghouse.security.roles import Classification

from .dashboards import page_url

HISTORY_LIMIT = 30
MODELS = {"Need": Need, "Pledge": Pledge, "Stock position": StockPosition}


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
    detail = page_url(detail_name, 0)
    for r in rows:
        r.record_label = label
        r.previous = before.get(r.previous_id)
        r.url = detail.replace("/0/", f"/{r.id}/")
    return rows


def auditor_page(user: User) -> dict:
    """The auditor's section: the latest changes of needs, pledges and stock it may see."""
    rows = (_history(Need, "Need", user, "needs:detail")
            + _history(Pledge, "Pledge", user, "pledges:detail")
            + _history(StockPosition, "Stock position", user, "pledges:stock-detail"))
    rows.sort(key=lambda r: (r.history_date, r.history_id), reverse=True)
    rows = rows[:HISTORY_LIMIT]
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
    # The same masks as every other history (core/history.py), with the visibility of the
    # records a pledge refers to looked up once for the whole feed.
    references = {"need": seen_needs.__contains__, "stock_position": seen_stock.__contains__}
    grouped: dict = {}
    for r in rows:
        masks = {}
        if r.record_label == "Pledge":
            masks["references"] = references
            pledge = pledges.get(r.id)
            if pledge is None or pledge.shown_donor_id is None:
                masks |= {"hidden_fields": frozenset(DONOR_REVEALING),
                          "hidden_org_id": pledge.owner_id if pledge is not None else r.owner_id}
        entry = describe(r, r.previous, many_to_many=False, **masks)
        entry |= {"kind": r.record_label, "record": r.id, "url": r.url,
                  "classification": r.classification}
        grouped.setdefault(r.record_label, []).append(entry)
    entries = [e for label, model in MODELS.items()
               for e in present_history(model, grouped.get(label, []), user)]
    entries.sort(key=lambda e: (e["when"], e["id"]), reverse=True)
    level = max((e["classification"] for e in entries), default=Classification.PUBLIC)
    needs = Need.objects.visible_to(user)
    open_needs = needs.filter(state__in=PLEDGEABLE_STATES).aggregate(
        n=Count("pk"), level=Max("classification"))
    return {
        "entries": entries,
        "open_needs": open_needs["n"],
        "level": max(level, open_needs["level"] or 0),
    }
