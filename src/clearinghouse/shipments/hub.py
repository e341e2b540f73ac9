"""The hub's job as a reader sees it (docs/shipments.md, "The hub's job and the timeline"): the
board of what comes in and goes out by day, the load per week against the hub's capacity, its
closures with the plans they make stale, and the day's manifest.

Everything is read through ``queries.shipments(user)``: a donor sees only its own shipments
through the hub, a reader who may not see a shipment finds nothing of it. Quantities and
pallets are summed in the database, one row per shipment and item; no query per row.

The day a shipment **arrives** at the hub is its expected hub day until it is there (then the
day it came); the day it **leaves** the hub toward its region is the same expected hub day: the
hub handles a consignment the day it comes (marking it at the hub sets that day), and one still
at the hub after that day is due out today, marked late.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from clearinghouse.logistics.models import Hub, HubClosure
from clearinghouse.parties.models import Organisation, User
from clearinghouse.planning.models import PlanState
from clearinghouse.planning.queries import plans_for
from clearinghouse.security.roles import Classification

from .models import ShipmentLine, ShipmentState
from .queries import shipments

S = ShipmentState
WAITING = (S.PLANNED, S.READY, S.DEPARTED)  # not yet at the hub
HELD = (*WAITING, S.AT_HUB)  # not yet gone from the hub
ANONYMOUS = "anonymous"
DEFAULT_WEEKS = 3
MOST_WEEKS = 8


def monday(on: date) -> date:
    return on - timedelta(days=on.weekday())


def pallets(per_unit: Decimal | None, units: Decimal | None) -> int:
    """Pallets for ``units`` of an item: its pallets per unit times the units, rounded up."""
    if not per_unit or not units:
        return 0
    return math.ceil(Decimal(per_unit) * Decimal(units) - Decimal("0.0005"))


@dataclass
class Line:
    """One item of one shipment, as the board and the manifest show it."""

    item: str
    quantity: Decimal
    whole: bool
    pallets: int


@dataclass
class Move:
    """One shipment coming in or going out on a day."""

    pk: int
    url: str
    code: str  # the state's code, for the code; ``state`` is its word
    state: str
    donor: str
    origin: str
    region: str
    unit: str
    hub_on: date
    arrival_on: date
    late: bool
    classification: int
    arrives: bool = False
    leaves: bool = False
    lines: list[Line] = field(default_factory=list)

    @property
    def pallets(self) -> int:
        return sum(line.pallets for line in self.lines)

    @property
    def classification_label(self) -> str:
        return Classification(self.classification).label


@dataclass
class Day:
    on: date
    key: str  # unique on a page showing several hubs: ids of its tables
    inbound: list[Move] = field(default_factory=list)
    outbound: list[Move] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)  # the reasons, where closed


@dataclass
class Week:
    starts_on: date
    pallets: int
    capacity: int
    closed_days: int
    bar: list[tuple[str, float]]

    @property
    def over(self) -> bool:
        return self.pallets > self.capacity

    @property
    def share(self) -> float:
        return self.pallets / self.capacity if self.capacity else 0.0

    @property
    def ends_on(self) -> date:
        return self.starts_on + timedelta(days=6)


def _names(user: User, ids) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(Organisation.objects.visible_to(user).filter(pk__in=ids)
                .values_list("pk", "name"))


SHIPMENT_VALUES = ("pk", "state", "shown_donor_id", "shown_origin", "region__name",
                   "receiving_unit__name", "expected_hub_on", "expected_arrival_on",
                   "planned_arrival_on", "classification")


def _moves(user: User, seen: QuerySet, *extra: str) -> list[Move]:
    """The shipments of ``seen`` (a ``shipments(user)`` queryset) with their lines summed per
    item: two queries, and one for the donors' names."""
    rows = list(seen.order_by("expected_hub_on", "pk").values(*SHIPMENT_VALUES, *extra))
    if not rows:
        return []
    lines = (ShipmentLine.objects.filter(shipment__in=seen.values("pk")).order_by()
             .values("shipment_id", "item_type__name", "item_type__indivisible",
                     "item_type__pallets_per_unit")
             .annotate(units=Sum(Coalesce("shipped", "quantity"))))
    by_shipment: dict[int, list[Line]] = defaultdict(list)
    for r in lines:
        by_shipment[r["shipment_id"]].append(Line(
            item=r["item_type__name"], quantity=r["units"], whole=r["item_type__indivisible"],
            pallets=pallets(r["item_type__pallets_per_unit"], r["units"])))
    names = _names(user, (r["shown_donor_id"] for r in rows))
    detail = reverse("shipments:detail", args=[0])
    moves = []
    for r in rows:
        move = Move(
            pk=r["pk"], url=detail.replace("/0/", f"/{r['pk']}/"),
            code=r["state"], state=S(r["state"]).label,
            donor=names.get(r["shown_donor_id"], ANONYMOUS),
            origin=r["shown_origin"] or "", region=r["region__name"],
            unit=r["receiving_unit__name"] or "", hub_on=r["expected_hub_on"],
            arrival_on=r["expected_arrival_on"],
            late=r["expected_arrival_on"] > r["planned_arrival_on"],
            classification=r["classification"],
            lines=sorted(by_shipment.get(r["pk"], []), key=lambda x: x.item))
        for name in extra:
            setattr(move, name, r[name])
        moves.append(move)
    return moves


# -- the board ---------------------------------------------------------------------------------

def closures(user: User, hub: Hub, first: date | None = None,
             last: date | None = None) -> QuerySet[HubClosure]:
    """The closures of ``hub`` the reader sees, overlapping ``first``..``last`` where given."""
    rows = HubClosure.objects.visible_to(user).filter(hub=hub)
    if first is not None:
        rows = rows.filter(ends_on__gte=first)
    if last is not None:
        rows = rows.filter(starts_on__lte=last)
    return rows.order_by("starts_on", "pk")


def _closed_days(found, first: date, last: date) -> dict[date, list[str]]:
    closed: dict[date, list[str]] = defaultdict(list)
    for c in found:
        on = max(c.starts_on, first)
        while on <= min(c.ends_on, last):
            closed[on].append(c.reason or "closed")
            on += timedelta(days=1)
    return closed


def board(user: User, hub: Hub, weeks: int = DEFAULT_WEEKS,
          today: date | None = None) -> list[Day]:
    """What comes in and goes out of ``hub`` each day from today to the end of the ``weeks``-th
    week (this week the first), as ``user`` sees it; days with nothing and open are left out.
    Inbound: expected at the hub that day and not yet there. Outbound: due to leave that day
    (its expected hub day). What is overdue (expected before today, not yet in or out) is shown
    today, marked late."""
    today = today or timezone.localdate()
    last = monday(today) + timedelta(weeks=weeks, days=-1)
    seen = shipments(user).filter(hub=hub, state__in=HELD, expected_hub_on__lte=last)
    closed = _closed_days(closures(user, hub, today, last), today, last)
    days: dict[date, Day] = {}
    for move in _moves(user, seen):
        on = max(move.hub_on, today)
        if move.hub_on < today:
            move.late = True
        day = days.setdefault(on, Day(on, f"{hub.pk}-{on.isoformat()}"))
        if move.code == S.AT_HUB:
            day.outbound.append(move)
        else:
            day.inbound.append(move)
            day.outbound.append(move)
    for on, reasons in closed.items():
        days.setdefault(on, Day(on, f"{hub.pk}-{on.isoformat()}")).closed = reasons
    return [days[on] for on in sorted(days)]


def load(user: User, hub: Hub, weeks: int = DEFAULT_WEEKS,
         today: date | None = None) -> list[Week]:
    """Pallets handled at ``hub`` each week (by the expected hub day of every shipment not
    cancelled that the reader sees) against its weekly capacity, with the days it is closed.
    The sums are made in the database per day and item; the rounding up per item in Python."""
    first = monday(today or timezone.localdate())
    last = first + timedelta(weeks=weeks, days=-1)
    seen = (shipments(user).filter(hub=hub, expected_hub_on__range=(first, last))
            .exclude(state=S.CANCELLED))
    rows = (ShipmentLine.objects.filter(shipment__in=seen.values("pk")).order_by()
            .values("shipment_id", "shipment__expected_hub_on", "item_type__pallets_per_unit")
            .annotate(units=Sum(Coalesce("shipped", "quantity"))))
    by_week: dict[date, int] = defaultdict(int)
    for r in rows:
        by_week[monday(r["shipment__expected_hub_on"])] += pallets(
            r["item_type__pallets_per_unit"], r["units"])
    closed = _closed_days(closures(user, hub, first, last), first, last)
    capacity = hub.weekly_capacity_pallets
    scale = max([capacity, *by_week.values()])
    found = []
    for n in range(weeks):
        start = first + timedelta(weeks=n)
        used = by_week.get(start, 0)
        bar = [("covered", min(used, capacity) / scale * 100)]
        if used > capacity:
            bar.append(("late", (used - capacity) / scale * 100))
        else:
            bar.append(("missing", (capacity - used) / scale * 100))
        found.append(Week(starts_on=start, pallets=used, capacity=capacity,
                          closed_days=sum(1 for d in closed if monday(d) == start),
                          bar=[(part, round(width, 1)) for part, width in bar if width > 0]))
    return found


def summary(user: User, hub: Hub, weeks: int = DEFAULT_WEEKS) -> dict:
    """What the hub page and its officers' start page show of ``hub`` (shipments/hub_board.html):
    the days, the load per week, and the classification of the most classified of them."""
    days = board(user, hub, weeks)
    shown = [m for d in days for m in (*d.inbound, *d.outbound)]
    return {"hub": hub, "days": days, "load": load(user, hub, weeks), "weeks": weeks,
            "today": timezone.localdate(), "level": max(level(shown), hub.classification)}


# -- closures and the plans they make stale ----------------------------------------------------

@dataclass
class ClosureRow:
    closure: HubClosure
    stale_plans: list[dict]
    expected: list[Move]


def closures_with_effects(user: User, hub: Hub, today: date | None = None) -> list[ClosureRow]:
    """The hub's closures that have not ended, each with the plans it makes stale (the adopted
    plan and solved plans the reader may open whose snapshot did not read this closure as it
    is now: ``planning.snapshot.fingerprint``'s ``closures``) and the shipments expected at the
    hub while it is closed."""
    today = today or timezone.localdate()
    found = list(closures(user, hub, first=today))
    if not found:
        return []
    plans = list(plans_for(user).filter(state__in=(PlanState.ADOPTED, PlanState.SOLVED))
                 .order_by("-pk").values_list("pk", "name", "state", "fingerprint__closures"))
    seen = shipments(user).filter(hub=hub, state__in=WAITING,
                                  expected_hub_on__range=(found[0].starts_on,
                                                          max(c.ends_on for c in found)))
    moves = _moves(user, seen)
    detail = reverse("planning:detail", args=[0])
    rows = []
    for c in found:
        stale = [{"pk": pk, "name": name, "adopted": state == PlanState.ADOPTED,
                  "url": detail.replace("/0/", f"/{pk}/")}
                 for pk, name, state, read in plans
                 if (read or {}).get(str(c.pk)) != c.version]
        rows.append(ClosureRow(closure=c, stale_plans=stale, expected=[
            m for m in moves if c.starts_on <= m.hub_on <= c.ends_on]))
    return rows


# -- the day's manifest ------------------------------------------------------------------------

def manifest(user: User, hub: Hub, on: date) -> list[Move]:
    """Every shipment the reader sees that arrives at ``hub`` or leaves it on ``on``, with its
    lines; ``arrives`` and ``leaves`` say which. Arrives: came that day, or is expected that day
    and not yet there. Leaves: handed over that day, or due out that day and not yet gone."""
    arrives = Q(at_hub_on=on) | Q(state__in=WAITING, expected_hub_on=on)
    leaves = Q(handed_over_on=on) | Q(state__in=HELD, expected_hub_on=on)
    seen = (shipments(user).filter(hub=hub).filter(arrives | leaves).exclude(state=S.CANCELLED)
            .annotate(arrives=ExpressionWrapper(arrives, output_field=BooleanField()),
                      leaves=ExpressionWrapper(leaves, output_field=BooleanField())))
    return _moves(user, seen, "arrives", "leaves")


def level(moves: list[Move]) -> int:
    """The classification of the most classified shipment among ``moves``."""
    return max((m.classification for m in moves), default=Classification.PUBLIC)
