"""What each role's start page shows, computed over what the reader sees (DESIGN.md, rule 5).

Every function returns a context fragment with bounded queries: a fixed number of queries
whatever the number of needs, pledges or stock positions (no query per row).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q
from django.db.models.functions import Coalesce
from django.urls import reverse

from clearinghouse.catalogue.models import ItemType
from clearinghouse.needs.coverage import Coverage, coverage_for
from clearinghouse.needs.models import PLEDGEABLE_STATES, Need, NeedState, Priority
from clearinghouse.parties.models import Organisation
from clearinghouse.pledges.models import (
    COMMITTED_STATES,
    Pledge,
    PledgeKind,
    PledgeState,
    StockPosition,
)
from clearinghouse.security.roles import Classification

ANONYMOUS = "anonymous"
ZERO = Decimal(0)
LIST_LIMIT = 25
GROUP_LIMIT = 10
QUEUE_LIMIT = 10
# Needs whose coverage the recipient follows: accepted by the coordinator, not yet delivered.
ACTIVE_NEED_STATES = (*PLEDGEABLE_STATES, NeedState.COVERED)
# Needs donors are asked to give to.
ASKED_STATES = (NeedState.OPEN, NeedState.PARTLY_COVERED)
GOODS = (PledgeKind.STOCK, PledgeKind.PROCUREMENT)


def page_url(name: str, *args, query: str = "") -> str:
    return reverse(name, args=args) + query


# --- coverage --------------------------------------------------------------------------------


@dataclass
class CoverageTotal:
    """Coverage summed over a group of needs; each need's parts are capped at its quantity so
    that the parts add up to the group's quantity (an over-pledged need fills no other one)."""

    label: str
    quantity: Decimal = ZERO
    covered: Decimal = ZERO
    accepted: Decimal = ZERO
    pledged: Decimal = ZERO
    missing: Decimal = ZERO
    count: int = 0
    rows: list = field(default_factory=list)

    def add(self, c: Coverage) -> None:
        left = c.quantity
        parts = {}
        for part in ("covered", "accepted", "pledged"):
            parts[part] = min(getattr(c, part), left)
            left -= parts[part]
        self.quantity += c.quantity
        self.covered += parts["covered"]
        self.accepted += parts["accepted"]
        self.pledged += parts["pledged"]
        self.missing += c.missing
        self.count += 1


@dataclass
class NeedLine:
    """What a start page shows of a need, read as plain values (thousands of needs at scale:
    model instances with their related records would cost more than the queries)."""

    pk: int
    quantity: Decimal
    priority: int
    required_by: object
    state: str
    classification: int
    item_type_id: int | None
    family_id: int | None
    region: str

    def get_priority_display(self) -> str:
        return Priority(self.priority).label

    def get_state_display(self) -> str:
        return NeedState(self.state).label


LINE_VALUES = {
    "what": Coalesce("item_type__name", "family__name"),
    "area": Coalesce("item_type__area__name", "family__area__name"),
    "unit_value": F("item_type__unit_value_eur"),
    "region_name": F("region__name"),
}


@dataclass
class NeedRow:
    need: NeedLine
    coverage: Coverage
    url: str | None
    what: str
    area: str
    unit_value: Decimal | None = None
    missing_value: Decimal | None = None
    value_is_cheapest: bool = False
    pledge_url: str | None = None
    stocked: bool = False


def need_rows(needs, user) -> tuple[list[NeedRow], int]:
    """Rows for ``needs`` (a queryset already visible to ``user``) with their coverage, and the
    highest classification of the pledges counted in that coverage: 3 queries."""
    values = needs.order_by().values(
        "pk", "quantity", "priority", "required_by", "state", "classification",
        "item_type_id", "family_id", **LINE_VALUES,
    )
    lines, extra = [], {}
    for v in values:
        line = NeedLine(
            pk=v["pk"], quantity=v["quantity"], priority=v["priority"],
            required_by=v["required_by"], state=v["state"], classification=v["classification"],
            item_type_id=v["item_type_id"], family_id=v["family_id"], region=v["region_name"],
        )
        lines.append(line)
        extra[line.pk] = v
    coverage = coverage_for(lines, user)
    level = (
        Pledge.objects.visible_to(user)
        .filter(need__in=needs.values("pk"), kind__in=GOODS)
        .aggregate(level=Max("classification"))["level"]
    ) if lines else None
    detail = page_url("needs:detail", 0)
    rows = [
        NeedRow(
            need=line, coverage=coverage[line.pk],
            url=detail.replace("/0/", f"/{line.pk}/"),
            what=extra[line.pk]["what"] or "—", area=extra[line.pk]["area"] or "—",
            unit_value=extra[line.pk]["unit_value"],
        )
        for line in lines
    ]
    return rows, Classification.PUBLIC if level is None else level


def group_totals(rows: list[NeedRow], key) -> list[CoverageTotal]:
    groups: dict[str, CoverageTotal] = {}
    for row in rows:
        label = key(row)
        total = groups.setdefault(label, CoverageTotal(label))
        total.add(row.coverage)
        total.rows.append(row)
    return list(groups.values())


def by_priority(rows: list[NeedRow]) -> list[CoverageTotal]:
    rows = sorted(rows, key=lambda r: (r.need.priority, r.need.required_by, r.need.pk))
    return group_totals(rows, lambda r: Priority(r.need.priority).label)


def by_area(rows: list[NeedRow]) -> list[CoverageTotal]:
    return sorted(group_totals(rows, lambda r: r.area), key=lambda t: t.label)


def need_queryset(user):
    return Need.objects.visible_to(user).select_related(
        "item_type__area", "family__area", "region", "owner"
    )


def count_by_state(queryset, states) -> tuple[list[tuple[str, int]], int, int]:
    """[(state label, count)] for every state, the total, and the highest classification."""
    rows = queryset.order_by().values("state").annotate(n=Count("pk"), level=Max("classification"))
    found = {r["state"]: r["n"] for r in rows}
    level = max((r["level"] for r in rows), default=Classification.PUBLIC)
    return [(label, found.get(value, 0)) for value, label in states.choices], sum(
        found.values()), level


# --- recipient planner -----------------------------------------------------------------------


def own_q(user) -> Q:
    """Records of the user's organisation or of its units."""
    org = user.organisation_id
    return Q(owner_id=org) | Q(owner__parent_id=org)


def recipient_page(user) -> dict:
    mine = need_queryset(user).filter(own_q(user))
    rows, pledge_level = need_rows(mine.filter(state__in=ACTIVE_NEED_STATES), user)
    todo_rows = mine.filter(state__in=(NeedState.DRAFT, NeedState.SUBMITTED))
    todo = list(todo_rows.order_by("state", "priority", "required_by", "pk")[:LIST_LIMIT])
    detail = page_url("needs:detail", 0)
    for need in todo:
        need.url = detail.replace("/0/", f"/{need.pk}/")
    states, total, level = count_by_state(mine, NeedState)
    priorities = by_priority(rows)
    listing = page_url("needs:list")
    for group in priorities:
        # Soonest required first; the rest are one click away in the needs list.
        group.shown = group.rows[:GROUP_LIMIT]
        group.more = len(group.rows) - len(group.shown)
        value = next(v for v, label in Priority.choices if label == group.label)
        group.list_url = f"{listing}?priority={value}"
    return {
        "priorities": priorities,
        "areas": by_area(rows),
        "overall": _overall(rows, "All active needs"),
        "todo": todo,
        "drafts": dict(states).get(NeedState.DRAFT.label, 0),
        "submitted": dict(states).get(NeedState.SUBMITTED.label, 0),
        "need_states": states,
        "need_total": total,
        "create_url": page_url("needs:create"),
        "level": max(level, pledge_level),
    }


def _overall(rows, label) -> CoverageTotal:
    total = CoverageTotal(label)
    for row in rows:
        total.add(row.coverage)
    return total


# --- donor representative --------------------------------------------------------------------


def pledge_queryset(user):
    return Pledge.objects.visible_to(user).select_related("item_type", "owner")


def donor_page(user) -> dict:
    org = user.organisation_id
    mine = pledge_queryset(user).filter(owner_id=org)
    states, total, pledge_level = count_by_state(mine, PledgeState)
    pledge_detail = page_url("pledges:detail", 0)
    need_detail = page_url("needs:detail", 0)
    active = list(
        mine.filter(state__in=COMMITTED_STATES).with_visible_references(user)
        .order_by("-created_at", "-pk")[:LIST_LIMIT]
    )
    for p in active:
        p.url = pledge_detail.replace("/0/", f"/{p.pk}/")
        p.need_url = (need_detail.replace("/0/", f"/{p.shown_need_id}/")
                      if p.shown_need_id else None)

    # Stock floors: committed over the pledges the reader sees with their donor (as the API).
    positions = list(
        StockPosition.objects.visible_to(user).filter(owner_id=org)
        .select_related("item_type").prefetch_related("backfill_orders")
        .with_committed(user).order_by("item_type__name")
    )
    stock_detail = page_url("pledges:stock-detail", 0)
    for s in positions:
        s.url = stock_detail.replace("/0/", f"/{s.pk}/")
        s.available = s.quantity_held - s.committed
        s.below_by = max(s.target_minimum - s.available, ZERO)
        s.backfill = list(s.backfill_orders.all())
        s.backfill_total = sum((b.quantity for b in s.backfill), ZERO)
    stocked_items = {s.item_type_id for s in positions}
    stocked_families = {s.item_type.family_id for s in positions if s.item_type.family_id}

    # What is still asked for: open or partly covered needs with something missing.
    asked = need_queryset(user).filter(state__in=ASKED_STATES)
    if user.organisation.non_lethal_only:
        # A fund that may give only non-lethal goods is not asked for lethal ones.
        non_lethal = ItemType.objects.filter(family=OuterRef("family"), lethal=False)
        asked = asked.filter(Q(item_type__lethal=False)
                             | Q(item_type__isnull=True) & Exists(non_lethal))
    rows, need_pledge_level = need_rows(asked, user)
    rows = [r for r in rows if r.coverage.missing > 0]
    create = page_url("pledges:create")
    for r in rows:
        r.stocked = (r.need.item_type_id in stocked_items
                     or (r.need.family_id is not None and r.need.family_id in stocked_families))
        r.pledge_url = f"{create}?need={r.need.pk}"
    rows.sort(key=lambda r: (not r.stocked, r.need.priority, r.need.required_by, r.need.pk))
    shown_asked = rows[:LIST_LIMIT]
    level = max(
        pledge_level, need_pledge_level,
        max((r.need.classification for r in rows), default=Classification.PUBLIC),
        max((s.classification for s in positions), default=Classification.PUBLIC),
    )
    return {
        "pledge_states": [s for s in states if s[1]],
        "pledge_total": total,
        "active_pledges": active,
        "asked": shown_asked,
        "asked_total": len(rows),
        "asked_stocked": sum(1 for r in rows if r.stocked),
        "positions": positions,
        "below_target": sum(1 for s in positions if s.below_by > 0),
        "level": level,
    }


# --- coordinator -----------------------------------------------------------------------------


def coordinator_page(user) -> dict:
    need_detail = page_url("needs:detail", 0)
    pledge_detail = page_url("pledges:detail", 0)
    to_validate = need_queryset(user).filter(state=NeedState.SUBMITTED).order_by("created_at", "pk")
    validate_stats = to_validate.aggregate(n=Count("pk"), level=Max("classification"))
    validate = list(to_validate[:QUEUE_LIMIT])
    for n in validate:
        n.url = need_detail.replace("/0/", f"/{n.pk}/")
    to_accept = (pledge_queryset(user).select_related("need").filter(state=PledgeState.OFFERED)
                 .with_visible_references(user).order_by("created_at", "pk"))
    accept_stats = to_accept.aggregate(n=Count("pk"), level=Max("classification"))
    accept = list(to_accept[:QUEUE_LIMIT])
    for p in accept:
        p.url = pledge_detail.replace("/0/", f"/{p.pk}/")
        p.donor = p.shown_donor_name
        p.need_url = (need_detail.replace("/0/", f"/{p.shown_need_id}/")
                      if p.shown_need_id else None)

    rows, pledge_level = need_rows(need_queryset(user).filter(state__in=PLEDGEABLE_STATES), user)
    family_ids = {r.need.family_id for r in rows if r.need.family_id}
    cheapest = dict(
        ItemType.objects.filter(family_id__in=family_ids).order_by().values("family_id")
        .annotate(v=Min("unit_value_eur")).values_list("family_id", "v")
    ) if family_ids else {}
    for r in rows:
        if not r.need.item_type_id:
            r.unit_value = cheapest.get(r.need.family_id)
            r.value_is_cheapest = r.unit_value is not None
        if r.unit_value is not None:
            r.missing_value = r.coverage.missing * r.unit_value
    gaps = sorted(
        (r for r in rows if r.coverage.missing > 0),
        key=lambda r: (r.need.priority, -(r.missing_value or ZERO), r.need.required_by, r.need.pk),
    )
    level = max(
        validate_stats["level"] or 0, accept_stats["level"] or 0, pledge_level,
        max((r.need.classification for r in rows), default=Classification.PUBLIC),
    )
    return {
        "validate": validate,
        "validate_total": validate_stats["n"],
        "validate_list": page_url("needs:list", query="?state=submitted"),
        "accept_list": page_url("pledges:list", query="?state=offered"),
        "accept": accept,
        "accept_total": accept_stats["n"],
        "gaps": gaps[:LIST_LIMIT],
        "gaps_total": len(gaps),
        "gaps_value": sum((r.missing_value for r in gaps if r.missing_value), ZERO),
        "priorities": by_priority(rows),
        "areas": by_area(rows),
        "overall": _overall(rows, "All open needs"),
        "level": level,
    }


# --- auditor ---------------------------------------------------------------------------------

def overview_page(user) -> dict:
    """What the user can see now: counts over visible records, with links."""
    needs = Need.objects.visible_to(user).aggregate(n=Count("pk"), level=Max("classification"))
    pledges = Pledge.objects.visible_to(user).aggregate(n=Count("pk"), level=Max("classification"))
    stock = StockPosition.objects.visible_to(user).aggregate(
        n=Count("pk"), level=Max("classification"))
    links = [
        (label, url) for label, url in (
            ("Needs", page_url("needs:list")),
            ("Pledges", page_url("pledges:list")),
            ("Stock positions", page_url("pledges:stock-list")),
            ("Organisations", page_url("parties:list")),
            ("Catalogue", page_url("catalogue:list")),
        ) if url
    ]
    counts = [("Needs", needs["n"]), ("Pledges", pledges["n"]), ("Stock positions", stock["n"])]
    return {
        "counts": counts,
        "organisations": Organisation.objects.count(),
        "links": links,
        "level": max(needs["level"] or 0, pledges["level"] or 0, stock["level"] or 0),
    }
