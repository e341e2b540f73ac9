"""Trackers and forecasts (docs/shipments.md, Pages): when each shipment is expected now, a
need's delivery forecast, and the needs a slip, a hub closure or a short receipt affects.

A forecast reads only what ``queries`` gives the reader: the movement of a shipment the reader
may not see never enters it. What every reader of a need may know (the quantity delivered by
verified receipts, and lost) comes from ``receipts``, as a total.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

from django.db.models import Count, Max, Sum
from django.utils import timezone

from clearinghouse.core.words import day, number
from clearinghouse.logistics.models import HubClosure, Route
from clearinghouse.needs.models import Need
from clearinghouse.parties.models import User

from . import queries
from .models import OPEN_STATES, Receipt, Shipment, ShipmentState
from .receipts import delivered, lost

S = ShipmentState
BEFORE_HUB = (S.PLANNED, S.READY, S.DEPARTED)


@dataclass
class Forecast:
    """When a shipment is expected at its hub and in its region now, and on what that rests."""

    hub_on: date | None
    arrival_on: date | None
    basis: str
    late: bool  # expected after the plan's arrival


def leads(shipments: list[Shipment]) -> dict[tuple[str, int], int]:
    """Weeks from depot to hub of each (origin, hub) of ``shipments``: one query."""
    hubs = {s.hub_id for s in shipments}
    return {(r.origin, r.hub_id): r.weeks
            for r in Route.objects.filter(hub_id__in=hubs).only("origin", "hub_id", "weeks")}


def forecast(shipment: Shipment, lead_weeks: dict | None = None,
             today: date | None = None) -> Forecast:
    """Expected arrival from the shipment's state and route: not yet departed, from its
    expected dates (and no earlier than it could still leave today); departed, from its
    departure and the depot → hub leg (and no earlier than a delay told); at the hub or handed
    over, from its day at the hub and the hub → region leg; received, the day it arrived. A
    step not yet taken is never forecast before today."""
    today = today or timezone.localdate()
    s = shipment
    leg = s.planned_arrival_on - s.planned_hub_on  # hub → region, as planned
    if lead_weeks is not None and (s.origin, s.hub_id) in lead_weeks:
        lead = timedelta(weeks=lead_weeks[(s.origin, s.hub_id)])
    else:
        lead = s.expected_hub_on - s.expected_ready_on
    if s.state == S.CANCELLED:
        return Forecast(None, None, "cancelled: it will not arrive", False)
    if s.state in (S.RECEIVED, S.VERIFIED):
        on = s.received_on or s.expected_arrival_on
        return Forecast(s.at_hub_on, on, "arrived", on > s.planned_arrival_on)
    if s.state in (S.PLANNED, S.READY):
        hub_on = max(s.expected_hub_on, today + lead)
        basis = ("from its expected dates" if hub_on == s.expected_hub_on
                 else "it has not left its depot: from today and the legs")
    elif s.state == S.DEPARTED:
        hub_on = max((s.departed_on or s.expected_ready_on) + lead, s.expected_hub_on, today)
        basis = "from its departure and the legs"
    else:  # at the hub, handed over
        hub_on = s.at_hub_on or s.expected_hub_on
        basis = "from its day at the hub and the leg to the region"
    arrival = max(hub_on + leg, today)  # not yet received: never before today
    return Forecast(hub_on, arrival, basis, arrival > s.planned_arrival_on)


# -- the need's tracker (a panel of the need's page) ---------------------------------------------

@dataclass
class Tracked:
    shipment: Shipment
    forecast: Forecast
    quantity: Decimal
    shipped: Decimal | None
    late_for_need: bool


def need_tracker(need: Need, user: User) -> dict:
    """The need page's panel: what verified receipts delivered and what was lost (every
    reader of the need); the shipments for it and the delivery forecast only for a reader
    who sees their movement (``queries.for_need`` gives the others nothing)."""
    got = delivered([need.pk]).get(need.pk, Decimal(0))
    gone = lost([need.pk]).get(need.pk, Decimal(0))
    rows = list(queries.for_need(user, need.pk).order_by("expected_arrival_on", "id"))
    amounts: dict[int, list] = defaultdict(lambda: [Decimal(0), None])
    for line in queries.lines(user, [s.pk for s in rows]).filter(need_id=need.pk):
        amounts[line.shipment_id][0] += line.quantity
        if line.shipped is not None:
            amounts[line.shipment_id][1] = (amounts[line.shipment_id][1] or 0) + line.shipped
    weeks = leads(rows)
    tracked = []
    for s in rows:
        f = forecast(s, weeks)
        tracked.append(Tracked(s, f, *amounts[s.pk], late_for_need=bool(
            f.arrival_on and f.arrival_on > need.required_by)))
    coming = [t.forecast.arrival_on for t in tracked
              if t.shipment.state in OPEN_STATES and t.forecast.arrival_on]
    expected = max(coming, default=None)
    return {"delivered": got, "lost": gone, "tracked": tracked, "expected": expected,
            "late": bool(expected and expected > need.required_by),
            "shown": rows}


# -- the needs affected by what happened on the ground -------------------------------------------

@dataclass
class Affected:
    need: Need
    reasons: list[str] = field(default_factory=list)
    shipments: set[int] = field(default_factory=set)


def _what(need: Need) -> str:
    return need.item_type.name if need.item_type_id else f"any of {need.family.name}"


def affected_needs(user: User) -> list[Affected]:
    """Needs whose delivery slipped (a shipment expected after its planned arrival, said too
    when that is after the need's required-by date the plan met), whose shipments pass a hub
    while it is closed, or whose goods were received short with the case still open; each
    with why in words. Only what ``user`` sees (coordinators and auditors). A plan that
    already arrived late is the plan's gap, not the ground's: it is not listed here."""
    today = timezone.localdate()
    open_rows = list(queries.shipments(user).filter(state__in=OPEN_STATES))
    weeks = leads(open_rows)
    forecasts = {s.pk: forecast(s, weeks, today) for s in open_rows}
    by_need: dict[int, Affected] = {}
    lines = list(queries.lines(user, [s.pk for s in open_rows]).values_list(
        "shipment_id", "need_id"))
    needs_of: dict[int, set[int]] = defaultdict(set)
    for shipment_id, need_id in lines:
        needs_of[shipment_id].add(need_id)
    open_cases = list(queries.discrepancies(user, open_only=True))
    need_ids = {n for ids in needs_of.values() for n in ids} | {d.line.need_id
                                                                for d in open_cases}
    needs = {n.pk: n for n in Need.objects.visible_to(user).filter(pk__in=need_ids)
             .select_related("item_type", "family", "region")}

    def note(need_id: int, shipment_id: int, text: str) -> None:
        if need_id in needs:
            entry = by_need.setdefault(need_id, Affected(needs[need_id]))
            entry.reasons.append(text)
            entry.shipments.add(shipment_id)

    closures = _closures(user, open_rows, forecasts)
    for s in open_rows:
        f = forecasts[s.pk]
        for need_id in sorted(needs_of[s.pk]):
            need = needs.get(need_id)
            if need is None:
                continue
            if f.late and s.state != S.RECEIVED:
                past_due = (f.arrival_on > need.required_by >= s.planned_arrival_on)
                note(need_id, s.pk, f"Shipment {s.pk} is expected on {day(f.arrival_on)}, "
                                    f"{_slip(f.arrival_on - s.planned_arrival_on)} after the "
                                    f"planned {day(s.planned_arrival_on)}"
                                    + (f", after the need's required-by date "
                                       f"{day(need.required_by)}." if past_due else "."))
            for c in closures.get(s.pk, []):
                note(need_id, s.pk, f"Shipment {s.pk} is expected at {s.hub.name} on "
                                    f"{day(f.hub_on)}, while the hub is closed from "
                                    f"{day(c.starts_on)} to {day(c.ends_on)}"
                                    + (f" ({c.reason})." if c.reason else "."))
    for d in open_cases:
        whole = bool(d.line.item_type.indivisible)
        note(d.line.need_id, d.line.shipment_id,
             f"Shipment {d.line.shipment_id} was received with "
             f"{number(d.quantity, whole=whole)} × {d.line.item_type.name} "
             f"{d.get_kind_display().lower()} ({d.get_reason_display()}); the case is open.")
    return sorted(by_need.values(), key=lambda a: (a.need.required_by, a.need.pk))


def _slip(delta: timedelta) -> str:
    days = delta.days
    if days % 7 == 0:
        weeks = days // 7
        return f"{weeks} week{'s' if weeks != 1 else ''}"
    return f"{days} day{'s' if days != 1 else ''}"


def _closures(user: User, rows: list[Shipment],
              forecasts: dict[int, Forecast]) -> dict[int, list[HubClosure]]:
    """The closures of its hub on the day each shipment not yet at its hub is expected
    there (as forecast now)."""
    waiting = {s.pk: (s.hub_id, forecasts[s.pk].hub_on) for s in rows if s.state in BEFORE_HUB}
    if not waiting:
        return {}
    days = [on for _, on in waiting.values()]
    found = list(HubClosure.objects.visible_to(user).filter(
        hub_id__in={hub for hub, _ in waiting.values()}, ends_on__gte=min(days),
        starts_on__lte=max(days)))
    return {pk: [c for c in found if c.hub_id == hub and c.starts_on <= on <= c.ends_on]
            for pk, (hub, on) in waiting.items()}




def plan_deliveries(plan, user: User) -> dict:
    """The plan page's panel: its shipments the reader sees, by state, and the units they
    carry: shipped, accepted by verified receipts, lost on the way (counted in SQL)."""
    mine = queries.shipments(user).filter(plan=plan)
    states = dict(mine.order_by().values_list("state").annotate(n=Count("pk")))
    level = mine.aggregate(level=Max("classification"))["level"]
    lines = queries.lines(user, mine.values("pk"))
    units = lines.aggregate(planned=Sum("quantity"), shipped=Sum("shipped"))
    verified = Receipt.objects.filter(line__in=lines.filter(
        shipment__state=ShipmentState.VERIFIED).values("pk"))
    counted = verified.aggregate(accepted=Sum("accepted"), short=Sum("short"),
                                 damaged=Sum("damaged"), wrong=Sum("wrong_item"))
    return {
        "plan": plan,
        "states": [(label, states[code]) for code, label in ShipmentState.choices
                   if states.get(code)],
        "total": sum(states.values()),
        "planned_units": units["planned"] or 0, "shipped_units": units["shipped"] or 0,
        "accepted_units": counted["accepted"] or 0,
        "lost_units": sum((counted[k] or 0) for k in ("short", "damaged", "wrong")),
        "shown": [] if level is None else [SimpleNamespace(classification=level)],
    }
