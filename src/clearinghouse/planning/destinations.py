"""Where a donor's pledges go in the adopted plan, and what it should offer next.

Read for a donor as it may see them (DESIGN.md, who sees what): the allocations of its own
pledges and funds (``queries.allocations_for``: the need only where the donor sees it, the
arrival only where it may see the movement), and the gaps of the adopted plan over the needs it
sees (``queries.gaps_for``). Each read is a fixed number of queries, whatever the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import BooleanField, Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone

from clearinghouse.catalogue.models import ItemType
from clearinghouse.core import words
from clearinghouse.needs.models import Need, NeedState
from clearinghouse.parties.models import User
from clearinghouse.pledges.models import Pledge, StockPosition

from .models import Allocation, Plan
from .queries import adopted_plan, allocations_for, gaps_for, sees_everything

# Gaps a donor is asked to close: needs open to pledges and not yet covered.
ASKED_STATES = (NeedState.OPEN, NeedState.PARTLY_COVERED)
DESTINATION_LIMIT = 25
OFFER_LIMIT = 8
NOT_RELEASED = "a need not released to you"


@dataclass
class Destination:
    """One allocation of a pledge or fund as its reader may see it."""

    pledge_id: int | None
    pledge_url: str | None
    item: str
    whole: bool
    quantity: float
    need_id: int | None
    need_url: str | None
    need_what: str
    region: str | None
    arrives: str | None  # a month ("Mar 2027"), only where the movement may be seen
    on_time: bool


def _what(need: Need) -> str:
    if need.item_type_id:
        return need.item_type.name
    return f"any {need.family.name}" if need.family_id else ""


def _rows(user: User, plan: Plan, rows: QuerySet[Allocation]) -> list[Destination]:
    """Destinations of ``rows`` (allocations of ``allocations_for(user, plan)``), two queries:
    the allocations with what they name, and the needs among them ``user`` sees."""
    rows = list(rows.select_related("pledge__item_type", "offer__item_type",
                                    "need__item_type", "need__family", "need__region"))
    seen = {a.shown_need_id for a in rows if a.shown_need_id is not None}
    pledge_url = reverse("pledges:detail", args=[0])
    need_url = reverse("needs:detail", args=[0])
    found = []
    for a in rows:
        goods = a.offer.item_type if a.offer_id else (a.pledge.item_type if a.pledge_id else None)
        visible = a.shown_need_id in seen
        shown_pledge = a.shown_pledge_id or a.shown_fund_id
        found.append(Destination(
            pledge_id=shown_pledge,
            pledge_url=pledge_url.replace("/0/", f"/{shown_pledge}/") if shown_pledge else None,
            item=goods.name if goods else "",
            whole=bool(goods.indivisible) if goods else False,
            quantity=a.quantity,
            need_id=a.shown_need_id if visible else None,
            need_url=need_url.replace("/0/", f"/{a.shown_need_id}/") if visible else None,
            need_what=_what(a.need) if visible else NOT_RELEASED,
            region=a.need.region.name if visible and a.need.region_id else None,
            arrives=(words.month(plan.week_start(a.shown_arrival_week))
                     if a.movement_visible and a.shown_arrival_week else None),
            on_time=a.on_time,
        ))
    return found


def _shown_needs(user: User, rows: list[Destination]) -> list:
    """The needs named on a page raise its banner (one query)."""
    pks = {r.need_id for r in rows if r.need_id}
    return list(Need.objects.visible_to(user).filter(pk__in=pks).only("classification"))


def pledge_allocations(pledge: Pledge, user: User) -> dict:
    """The pledge page's panel: where ``pledge`` goes in the adopted plan. Only its donor,
    coordinators and auditors see it: another donor who sees the pledge (released to all
    donors) does not learn which needs and regions it serves."""
    if not (sees_everything(user) or user.organisation_id == pledge.owner_id):
        return {"allowed": False, "shown": []}
    plan = adopted_plan()
    if plan is None:
        return {"allowed": True, "plan": None, "rows": [], "shown": []}
    rows = _rows(user, plan, allocations_for(user, plan).filter(Q(pledge=pledge) | Q(fund=pledge))
                 .order_by("arrival_week", "need_id", "pk"))
    # A total only of one item: a fund buys several, and their units do not add up.
    one_item = len({r.item for r in rows}) == 1
    return {"allowed": True, "plan": plan, "rows": rows,
            "total": sum(r.quantity for r in rows) if one_item else None,
            "whole": all(r.whole for r in rows), "shown": _shown_needs(user, rows)}


def donor_destinations(user: User, limit: int = DESTINATION_LIMIT) -> dict:
    """The donor start page's "where my pledges go": the allocations of the pledges and funds of
    ``user``'s organisation in the adopted plan, soonest arrival first, ``limit`` of them."""
    plan = adopted_plan()
    org = user.organisation_id
    if plan is None or org is None:
        return {"plan": None, "rows": [], "total": 0, "shown": []}
    mine = allocations_for(user, plan).filter(Q(pledge__owner_id=org) | Q(fund__owner_id=org))
    total = mine.count()
    rows = _rows(user, plan, mine.order_by("arrival_week", "pledge_id", "fund_id", "pk")[:limit])
    return {"plan": plan, "rows": rows, "total": total, "shown": _shown_needs(user, rows)}


@dataclass
class Offer:
    """A gap of the adopted plan the donor could close: what, how many, by when, why."""

    need_id: int
    need_url: str
    pledge_url: str
    what: str
    whole: bool
    quantity: float
    by: str
    why: str
    priority: str


def offer_next(user: User, limit: int = OFFER_LIMIT) -> dict:
    """The donor start page's "what to offer next": the gaps of the adopted plan over the needs
    ``user`` sees and is asked to give to, those of items its organisation holds stock of or
    has pledged before first, then the most urgent (priority, then required-by date)."""
    plan = adopted_plan()
    org = user.organisation
    if plan is None or org is None:
        return {"plan": None, "rows": [], "total": 0, "shown": []}
    gaps = gaps_for(user, plan).filter(
        need__in=Need.objects.visible_to(user).filter(state__in=ASKED_STATES).values("pk"))
    if org.non_lethal_only:
        # A fund that may give only non-lethal goods is not asked for lethal ones.
        non_lethal = ItemType.objects.filter(family=OuterRef("need__family"), lethal=False)
        gaps = gaps.filter(Q(need__item_type__lethal=False)
                           | Q(need__item_type__isnull=True) & Exists(non_lethal))
    stocked = StockPosition.objects.visible_to(user).filter(owner=org).values("item_type")
    pledged = Pledge.objects.visible_to(user).filter(owner=org, item_type__isnull=False)
    stocked_families = ItemType.objects.filter(pk__in=stocked, family__isnull=False)
    pledged_families = ItemType.objects.filter(pk__in=pledged.values("item_type"),
                                               family__isnull=False)

    def fits(items: QuerySet, families: QuerySet) -> Case:
        return Case(When(Q(need__item_type__in=items) | Q(need__family__in=families.values(
            "family")), then=Value(True)), default=Value(False), output_field=BooleanField())

    gaps = gaps.annotate(in_stock=fits(stocked, stocked_families),
                         pledged_before=fits(pledged.values("item_type"), pledged_families))
    total = gaps.count()
    chosen = list(gaps.select_related("need__item_type", "need__family").defer("reasons").order_by(
        "-in_stock", "-pledged_before", "need__priority", "need__required_by", "need_id")[:limit])
    today = timezone.localdate()
    need_url = reverse("needs:detail", args=[0])
    create = reverse("pledges:create")
    rows = [Offer(
        need_id=g.need_id, need_url=need_url.replace("/0/", f"/{g.need_id}/"),
        pledge_url=f"{create}?need={g.need_id}", what=_what(g.need),
        whole=bool(g.need.item_type.indivisible) if g.need.item_type_id else True,
        quantity=g.missing + g.late, by=_by(g.need.required_by, today),
        why=("you hold stock of it" if g.in_stock else
             "you have pledged it before" if g.pledged_before else "among the most urgent"),
        priority=g.need.get_priority_display(),
    ) for g in chosen]
    return {"plan": plan, "rows": rows, "total": total, "shown": [g.need for g in chosen]}


def _by(required_by: date | None, today: date) -> str:
    """By when the goods are needed: never a date already past."""
    if required_by is None or required_by < today:
        return "as soon as possible"
    return words.day(required_by)

