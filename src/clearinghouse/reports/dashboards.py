"""What each role's start page shows, computed over what the reader sees (DESIGN.md, rule 5).

Every function returns a context fragment with bounded queries: a fixed number of queries
whatever the number of needs, pledges or stock positions (no query per row). Counts, sums and
coverage over needs are computed in the database (reports/totals.py) and only the rows shown are
read, chosen there by ORDER BY and LIMIT.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Choices,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.urls import reverse

from clearinghouse.catalogue.models import ItemType
from clearinghouse.logistics.queries import hubs
from clearinghouse.needs.models import PLEDGEABLE_STATES, Need, NeedState, Priority
from clearinghouse.parties.models import Organisation, OrganisationKind, User
from clearinghouse.planning.destinations import donor_destinations, offer_next
from clearinghouse.planning.queries import Coverage, coverage_for
from clearinghouse.pledges.models import (
    COMMITTED_STATES,
    Pledge,
    PledgeState,
    StockPosition,
)
from clearinghouse.security.roles import Classification
from clearinghouse.shipments.hub import summary
from clearinghouse.shipments.unit import unit_page

from .totals import CoverageTotal, NeedCoverage, combine, leading

ANONYMOUS = "anonymous"
ZERO = Decimal(0)
LIST_LIMIT = 25
GROUP_LIMIT = 10
QUEUE_LIMIT = 10
# Needs whose coverage the recipient follows: accepted by the coordinator, not yet delivered.
ACTIVE_NEED_STATES = (*PLEDGEABLE_STATES, NeedState.COVERED)
# Needs donors are asked to give to.
ASKED_STATES = (NeedState.OPEN, NeedState.PARTLY_COVERED)


def page_url(name: str, *args, query: str = "") -> str:
    return reverse(name, args=args) + query


# --- needs shown and their coverage ----------------------------------------------------------


@dataclass
class NeedLine:
    """What a start page shows of a need, read as plain values."""

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


AREA = Coalesce("item_type__area__name", "family__area__name")
LINE_FIELDS = ("pk", "quantity", "priority", "required_by", "state", "classification",
               "item_type_id", "family_id")
LINE_VALUES = {
    "what": Coalesce("item_type__name", "family__name"),
    "area": AREA,
    "unit_value": F("item_type__unit_value_eur"),
    "region_name": F("region__name"),
}
# A need's unit value: its item's, or for a family the cheapest item of the family.
CHEAPEST = Subquery(
    ItemType.objects.filter(family=OuterRef("family")).order_by().values("family")
    .annotate(v=Min("unit_value_eur")).values("v")
)
UNIT_VALUE = Coalesce(F("item_type__unit_value_eur"), CHEAPEST)


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


def line_values(needs: QuerySet[Need], **columns: Any) -> QuerySet[Need, dict[str, Any]]:
    """The values a row shows of each of ``needs``, and ``columns`` (name: expression)."""
    return needs.order_by().values(*LINE_FIELDS, **{**LINE_VALUES, **columns})


def need_rows(
    values: Iterable[dict[str, Any]], user: User, coverage: dict | None = None
) -> list[NeedRow]:
    """Rows for ``values`` (of ``line_values``, a few needs visible to ``user``), in their
    order, with the coverage of each: from ``coverage`` (pk: Coverage), else read (1 query)."""
    values = list(values)
    lines = [
        NeedLine(
            pk=v["pk"], quantity=v["quantity"], priority=v["priority"],
            required_by=v["required_by"], state=v["state"], classification=v["classification"],
            item_type_id=v["item_type_id"], family_id=v["family_id"], region=v["region_name"],
        )
        for v in values
    ]
    if coverage is None:
        coverage = coverage_for(lines, user) if lines else {}
    detail = page_url("needs:detail", 0)
    return [
        NeedRow(
            need=line, coverage=coverage[line.pk],
            url=detail.replace("/0/", f"/{line.pk}/"),
            what=v["what"] or "—", area=v["area"] or "—", unit_value=v["unit_value"],
            stocked=bool(v.get("stocked")),
        )
        for line, v in zip(lines, values, strict=True)
    ]


def in_order(values: Iterable[dict[str, Any]], pks: list[int]) -> list[dict]:
    """``values`` (dicts with ``pk``) in the order of ``pks``."""
    position = {pk: i for i, pk in enumerate(pks)}
    return sorted(values, key=lambda v: position[v["pk"]])


def coverage_totals(
    groups: list[dict], overall: str
) -> tuple[list[CoverageTotal], list[CoverageTotal], CoverageTotal]:
    """By priority (in order), by capability area (by name) and overall, from the rows of
    ``NeedCoverage.totals`` grouped by priority and area."""
    priorities = combine(sorted(groups, key=lambda g: g["priority"]),
                         lambda g: Priority(g["priority"]).label)
    areas = combine(groups, lambda g: g["area"] or "—")
    total = combine(groups, lambda g: overall).get(overall) or CoverageTotal(overall)
    return list(priorities.values()), sorted(areas.values(), key=lambda t: t.label), total


def highest(groups: list[dict], *columns: str) -> int:
    """The highest classification in ``columns`` of ``groups``."""
    return max((g[c] for g in groups for c in columns if g[c] is not None),
               default=Classification.PUBLIC)


def need_queryset(user: User) -> QuerySet[Need]:
    """The needs ``user`` sees, with what the start pages name."""
    return Need.objects.visible_to(user).select_related(
        "item_type__area", "family__area", "region", "owner"
    )


def count_by_state(
    queryset: QuerySet, states: type[Choices]
) -> tuple[list[tuple[str, int]], int, int]:
    """[(state label, count)] for every state, the total, and the highest classification."""
    rows = queryset.order_by().values("state").annotate(n=Count("pk"), level=Max("classification"))
    found = {r["state"]: r["n"] for r in rows}
    level = max((r["level"] for r in rows), default=Classification.PUBLIC)
    return [(label, found.get(value, 0)) for value, label in states.choices], sum(
        found.values()), level


# --- recipient planner -----------------------------------------------------------------------


def own_q(user: User) -> Q:
    """Records of the user's organisation or of its units."""
    org = user.organisation_id
    return Q(owner_id=org) | Q(owner__parent_id=org)


def recipient_page(user: User) -> dict:
    """The recipient planner's section: coverage of its active needs and what to do next."""
    mine = need_queryset(user).filter(own_q(user))
    active = mine.filter(state__in=ACTIVE_NEED_STATES)
    groups = NeedCoverage(active, user, area=AREA).totals(["priority", "area"])
    priorities, areas, overall = coverage_totals(groups, "All active needs")
    # Soonest required first in each priority; the rest are one click away in the needs list.
    soonest = active.alias(rank=Window(
        RowNumber(), partition_by=F("priority"), order_by=(F("required_by").asc(), F("pk").asc()),
    )).filter(rank__lte=GROUP_LIMIT).values_list("pk", flat=True)
    rows = need_rows(line_values(active.filter(pk__in=list(soonest)))
                     .order_by("priority", "required_by", "pk"), user)
    todo_rows = mine.filter(state__in=(NeedState.DRAFT, NeedState.SUBMITTED))
    todo = list(todo_rows.order_by("state", "priority", "required_by", "pk")[:LIST_LIMIT])
    detail = page_url("needs:detail", 0)
    for need in todo:
        need.url = detail.replace("/0/", f"/{need.pk}/")
    states, total, level = count_by_state(mine, NeedState)
    listing = page_url("needs:list")
    for group in priorities:
        value = next(v for v, label in Priority.choices if label == group.label)
        group.shown = [r for r in rows if r.need.priority == value]
        group.more = group.count - len(group.shown)
        group.list_url = f"{listing}?priority={value}"
    return {
        "priorities": priorities,
        "areas": areas,
        "overall": overall,
        "todo": todo,
        "drafts": dict(states).get(NeedState.DRAFT.label, 0),
        "submitted": dict(states).get(NeedState.SUBMITTED.label, 0),
        "need_states": states,
        "need_total": total,
        "create_url": page_url("needs:create"),
        "level": max(level, highest(groups, "pledge_level", "plan_level")),
    }


# --- donor representative --------------------------------------------------------------------


def pledge_queryset(user: User) -> QuerySet[Pledge]:
    """The pledges ``user`` sees, with their item and donor."""
    return Pledge.objects.visible_to(user).select_related("item_type", "owner")


def donor_page(user: User) -> dict:
    """The donor representative's section: its pledges, its stock and the needs it could fill."""
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

    # Stock floors: committed over the pledges the reader sees with their donor (as the API);
    # counted in SQL, the positions furthest below (or nearest to) their floor listed.
    stock = StockPosition.objects.visible_to(user).filter(owner_id=org)
    ranked = stock.with_committed(user).annotate(headroom=ExpressionWrapper(
        F("quantity_held") - F("committed") - F("target_minimum"),
        output_field=DecimalField(max_digits=15, decimal_places=3)))
    floors = ranked.aggregate(n=Count("pk"), below=Count("pk", filter=Q(headroom__lt=0)),
                              level=Max("classification"))
    positions = list(
        ranked.select_related("item_type").prefetch_related("backfill_orders")
        .order_by("headroom", "item_type__name", "pk")[:LIST_LIMIT]
    )
    stock_detail = page_url("pledges:stock-detail", 0)
    for s in positions:
        s.url = stock_detail.replace("/0/", f"/{s.pk}/")
        s.available = s.quantity_held - s.committed
        s.below_by = max(s.target_minimum - s.available, ZERO)
        s.backfill = list(s.backfill_orders.all())
        s.backfill_total = sum((b.quantity for b in s.backfill), ZERO)

    # What is still asked for: open or partly covered needs with something missing, those of
    # items (or families of items) we hold stock of first.
    asked = need_queryset(user).filter(state__in=ASKED_STATES)
    if user.organisation.non_lethal_only:
        # A fund that may give only non-lethal goods is not asked for lethal ones.
        non_lethal = ItemType.objects.filter(family=OuterRef("family"), lethal=False)
        asked = asked.filter(Q(item_type__lethal=False)
                             | Q(item_type__isnull=True) & Exists(non_lethal))
    held = Q(item_type__in=stock.values("item_type")) | Q(
        family__in=stock.filter(item_type__family__isnull=False).values("item_type__family"))
    stocked = Case(When(held, then=Value(True)), default=Value(False),
                   output_field=BooleanField())
    coverage = NeedCoverage(asked, user, stocked=stocked)
    groups = coverage.totals(["stocked", "priority"])
    first = leading(sorted((((bool(g["stocked"]), g["priority"]), g["gaps"]) for g in groups),
                           key=lambda kg: (not kg[0][0], kg[0][1])), LIST_LIMIT)
    shown = coverage.gaps(
        asked.filter(reduce(or_, (Q(held if s else ~held, priority=p) for s, p in first), Q())),
        ["stocked DESC", "priority", "required_by", "pk"], LIST_LIMIT,
    ) if first else []
    pks = [pk for pk, _ in shown]
    rows = need_rows(in_order(line_values(asked.filter(pk__in=pks), stocked=stocked), pks),
                     user, dict(shown))
    create = page_url("pledges:create")
    for r in rows:
        r.pledge_url = f"{create}?need={r.need.pk}"
    # Where its pledges go in the adopted plan, and the plan's gaps it could close next.
    going, offers = donor_destinations(user), offer_next(user)
    level = max(
        pledge_level, highest(groups, "pledge_level", "plan_level", "gap_level"),
        floors["level"] if floors["level"] is not None else Classification.PUBLIC,
        max((n.classification for n in (*going["shown"], *offers["shown"])),
            default=Classification.PUBLIC),
    )
    return {
        "going": going,
        "offers": offers,
        "pledge_states": [s for s in states if s[1]],
        "pledge_total": total,
        "active_pledges": active,
        "asked": rows,
        "asked_total": sum(g["gaps"] for g in groups),
        "asked_stocked": sum(g["gaps"] for g in groups if g["stocked"]),
        "positions": positions,
        "positions_total": floors["n"],
        "below_target": floors["below"],
        "stock_list": page_url("pledges:stock-list"),
        "level": level,
    }


# --- coordinator -----------------------------------------------------------------------------

OLDEST = ("created_at", "pk")


def oldest(queryset: QuerySet) -> QuerySet:
    """The ids of the first ``QUEUE_LIMIT`` of ``queryset``, oldest first, as a subquery: the
    rows shown are then read with their related records, not the whole queue."""
    return queryset.order_by(*OLDEST).values("pk")[:QUEUE_LIMIT]


def coordinator_page(user: User) -> dict:
    """The coordinator's section: the queues to work through and the coverage of all needs."""
    need_detail = page_url("needs:detail", 0)
    pledge_detail = page_url("pledges:detail", 0)
    to_validate = Need.objects.visible_to(user).filter(state=NeedState.SUBMITTED)
    validate_stats = to_validate.aggregate(n=Count("pk"), level=Max("classification"))
    validate = list(need_queryset(user).filter(pk__in=oldest(to_validate)).order_by(*OLDEST))
    for n in validate:
        n.url = need_detail.replace("/0/", f"/{n.pk}/")
    to_accept = Pledge.objects.visible_to(user).filter(state=PledgeState.OFFERED)
    accept_stats = to_accept.aggregate(n=Count("pk"), level=Max("classification"))
    accept = list(pledge_queryset(user).filter(pk__in=oldest(to_accept))
                  .with_visible_references(user).order_by(*OLDEST))
    for p in accept:
        p.url = pledge_detail.replace("/0/", f"/{p.pk}/")
        p.donor = p.shown_donor_name
        p.need_url = (need_detail.replace("/0/", f"/{p.shown_need_id}/")
                      if p.shown_need_id else None)

    open_needs = need_queryset(user).filter(state__in=PLEDGEABLE_STATES)
    coverage = NeedCoverage(open_needs, user, area=AREA, unit_value=UNIT_VALUE)
    groups = coverage.totals(["priority", "area"])
    priorities, areas, overall = coverage_totals(groups, "All open needs")
    # The biggest gaps: by priority, then missing value (unknown counts as none).
    gaps_by_priority: dict[int, int] = {}
    for g in sorted(groups, key=lambda g: g["priority"]):
        gaps_by_priority[g["priority"]] = gaps_by_priority.get(g["priority"], 0) + g["gaps"]
    first = leading(list(gaps_by_priority.items()), LIST_LIMIT)
    shown = coverage.gaps(
        open_needs.filter(priority__in=first),
        ["priority", "COALESCE(missing_value, 0) DESC", "required_by", "pk"], LIST_LIMIT,
    ) if first else []
    pks = [pk for pk, _ in shown]
    gaps = need_rows(in_order(line_values(open_needs.filter(pk__in=pks), unit_value=UNIT_VALUE),
                              pks), user, dict(shown))
    for r in gaps:
        r.value_is_cheapest = r.need.item_type_id is None and r.unit_value is not None
        if r.unit_value is not None:
            r.missing_value = r.coverage.missing * r.unit_value
    level = max(
        validate_stats["level"] or 0, accept_stats["level"] or 0,
        highest(groups, "pledge_level", "plan_level", "level"),
    )
    return {
        "validate": validate,
        "validate_total": validate_stats["n"],
        "validate_list": page_url("needs:list", query="?state=submitted"),
        "accept_list": page_url("pledges:list", query="?state=offered"),
        "accept": accept,
        "accept_total": accept_stats["n"],
        "gaps": gaps,
        "gaps_total": sum(g["gaps"] for g in groups),
        "gaps_value": sum((g["gaps_value"] for g in groups), ZERO),
        "priorities": priorities,
        "areas": areas,
        "overall": overall,
        "level": level,
    }


# --- auditor ---------------------------------------------------------------------------------

def overview_page(user: User) -> dict:
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


# --- a hub's logistics officers --------------------------------------------------------------

def hub_officer_page(user: User) -> dict | None:
    """The board of each hub the officer's organisation runs and the officer sees (this week
    and the next two), or None where it runs none (a receiving unit's officer)."""
    boards = [summary(user, hub) for hub in hubs(user).filter(owner_id=user.organisation_id)]
    if not boards:
        return None
    return {"boards": boards, "level": max(b["level"] for b in boards)}


def unit_officer_page(user: User) -> dict | None:
    """What is coming to the officer's receiving unit, or None outside a recipient unit."""
    if user.organisation.kind != OrganisationKind.RECIPIENT_UNIT:
        return None
    return unit_page(user)
