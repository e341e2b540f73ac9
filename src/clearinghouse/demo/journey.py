"""A year of the demo's adopted plan, played through the services (docs/shipments.md).

Once the scenario is stored, the coordinator runs a plan that began ``PLAN_WEEKS_AGO`` weeks
ago for ``HORIZON_WEEKS`` weeks (solved in process by the worker's own task function, not
queued), adopts it and makes its shipments. Then every shipment's journey is played, as it
would have happened, by the party that records each step: the sending donor's representative
(or the coordinator, for a donor without a login) makes it ready and dispatches it, the hub's
logistics officer marks it at the hub, the receiving unit's logistics officer takes it over,
counts it and verifies the count. Each step is dated from the shipment's planned dates with a
few days' play, in order, and the journey stops at the first step still to come: today is the
cut-off. Along the way, chosen by the seed:

- some shipments arrive at their hub a week or so late, and a few leave part of their load;
- shipments due at their hub in the last days that have not arrived, and some still to leave,
  are delayed with a reason (``services.delay``: a delay is told today, to a day to come);
- one hub is closed for two weeks, from last Monday week (``HubClosure``, entered after the
  plan was adopted, as an unforeseen closure is): what it should have handled meanwhile waits
  and is delayed to the day it reopens;
- some receipts are short, damaged or of the wrong item, opening discrepancies; a few of the
  older ones are resolved by the sender or the coordinator.

Everything goes through the services, so the records are exactly theirs: events, receipts,
discrepancies, states, notices and history.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from django.db import transaction
from django.utils import timezone

from clearinghouse.core.words import day
from clearinghouse.logistics.models import Hub, HubClosure
from clearinghouse.parties.models import User
from clearinghouse.planning.models import Plan, PlanState
from clearinghouse.planning.services import adopt_plan, run_plan
from clearinghouse.planning.tasks import solve_plan
from clearinghouse.security.roles import Classification, Role
from clearinghouse.shipments import receipts
from clearinghouse.shipments.models import (
    Discrepancy,
    ReceiptReason,
    Resolution,
    Shipment,
    ShipmentState,
)
from clearinghouse.shipments.services import delay, make_shipments, take_step

PLAN_WEEKS_AGO = 38
HORIZON_WEEKS = 52
# Generous: the solve ends at its gap target, not at a time limit that a slower machine would
# hit at another point (the same seed must give the same plan).
SOLVE_LIMIT_S = 600.0
MADE_WEEKS_BEFORE = 5
CLOSURE_DAYS = 14
CLOSURE_REASON = "Loading bays flooded after a storm: no handling until the pumps are back"

S = ShipmentState
R = ReceiptReason
# The steps of a journey, in order: services.take_step's actions, then receipts' verbs.
STEPS = ("ready", "depart", "arrive_at_hub", "hand_over", "receive", "verify")
# Shares of the shipments (each drawn by the seed, shipment by shipment):
LATE_AT_HUB = 0.07  # reached its hub a week or so after the planned day
PART_LEFT = 0.03  # left part of its load at the depot
HELD = 0.35  # due at its hub in the last ten days, not arrived: delayed with a reason
SLIPS = 0.12  # to reach its hub in the coming three weeks: delayed by the sender
DIFFERS = 0.12  # a receipt with a difference on one line
RESOLVED = 0.35  # of the discrepancies over three weeks old: resolved

HELD_REASONS = (
    "Held at the border crossing: the customs papers were incomplete.",
    "Rail convoy stopped by a strike on the line; a new slot is booked.",
    "Truck broke down on the way; the load is being transferred.",
    "Escort not available this week: the convoy waits for the next one.",
)
SLIP_REASONS = (
    "Export licence still pending.",
    "Loading postponed: the transport was not available.",
    "Final inspection at the depot takes a week longer.",
)
DIFFERENCES = (
    ("short", (R.LOST_IN_TRANSIT, R.COUNT_DIFFERS, R.NOT_LOADED), 50),
    ("damaged", (R.DAMAGED_IN_TRANSIT, R.DAMAGED_AT_HUB), 40),
    ("wrong_item", (R.WRONG_ITEM_SENT,), 10),
)
DIFFERENCE_NOTES = {
    "short": "Fewer units on the pallets than on the papers.",
    "damaged": "Crates crushed; contents unusable.",
    "wrong_item": "Another variant of the item was delivered.",
}
RESOLUTION_NOTES = {
    Resolution.REPLACED: "The donor sends replacements with a later consignment.",
    Resolution.WRITTEN_OFF: "Written off after the investigation.",
    Resolution.FOUND: "Found at the hub and delivered.",
}


class Cast:
    """Who records each step: users by organisation and role."""

    def __init__(self) -> None:
        users = list(User.objects.filter(organisation__isnull=False).order_by("pk"))
        self.coordinator = next(u for u in users if u.username == "coordinator")
        self.reps: dict[int, User] = {}
        self.officers: dict[int, User] = {}
        for u in users:
            roles = u.roles or []
            if Role.DONOR_REPRESENTATIVE in roles:
                self.reps.setdefault(u.organisation_id, u)
            if Role.LOGISTICS_OFFICER in roles:
                self.officers.setdefault(u.organisation_id, u)
        self.hub_owner = dict(Hub.objects.values_list("pk", "owner_id"))

    def sender(self, s: Shipment) -> User:
        """The donor's representative, or the coordinator for a donor without one (or one not
        cleared for what the shipment carries)."""
        rep = self.reps.get(s.owner_id)
        return rep if rep is not None and rep.clearance >= s.classification else self.coordinator

    def hub(self, s: Shipment) -> User:
        return self.officers[self.hub_owner[s.hub_id]]

    def unit(self, s: Shipment) -> User:
        return self.officers[s.receiving_unit_id]


def monday(on: dt.date) -> dt.date:
    return on - dt.timedelta(days=on.weekday())


def solve_and_adopt(coordinator: User, today: dt.date) -> Plan:
    """The plan that began ``PLAN_WEEKS_AGO`` weeks ago, solved as the worker solves it, and
    adopted. Not in the caller's transaction: the worker's heartbeat writes from a thread."""
    start = monday(today) - dt.timedelta(weeks=PLAN_WEEKS_AGO)
    plan = run_plan(coordinator, name=f"Plan of {day(start)}", start=start,
                    horizon=HORIZON_WEEKS, time_limit=SOLVE_LIMIT_S, enqueue=False)
    solve_plan.call(plan.pk)
    plan.refresh_from_db()
    if plan.state != PlanState.SOLVED:
        raise RuntimeError(f"The demo's plan did not solve: {plan.state} {plan.error}")
    return adopt_plan(coordinator, plan, plan.version)


def _days(rng: random.Random, lo: int, hi: int) -> dt.timedelta:
    return dt.timedelta(days=rng.randint(lo, hi))


@dataclass
class Journey:
    """One shipment's journey as it happens (or would): the day of each step, and what befalls
    it. Only the steps up to ``stop`` and dated by today are played."""

    shipment: Shipment
    days: dict[str, dt.date]
    part_left: bool = False
    differs: bool = False
    slips: bool = False
    held: bool = False
    closed: bool = False
    stop: str | None = None  # the last step it takes for now (None: as far as today allows)

    def reached(self, today: dt.date) -> str | None:
        """The last step it takes by ``today``."""
        done = None
        for step, on in self.days.items():
            if on > today or ((self.held or self.closed) and step == "arrive_at_hub"):
                break
            done = step
            if step == self.stop:
                break
        return done


def journey_of(s: Shipment, rng: random.Random, today: dt.date) -> Journey:
    """The steps' days from the shipment's planned dates: at its hub by the planned day (a
    week or so later for some), having left its depot the route's weeks before; handed over
    within days; received when the hub → region leg is done; verified within days."""
    at_hub = s.planned_hub_on - _days(rng, 0, 2)
    if rng.random() < LATE_AT_HUB:
        at_hub = s.planned_hub_on + _days(rng, 6, 12)
    departs = min(s.expected_ready_on - _days(rng, 0, 1), at_hub - dt.timedelta(days=1))
    ready = departs - _days(rng, 1, 4)
    handed = at_hub + _days(rng, 0, 3)
    received = max(handed + dt.timedelta(days=1),
                   at_hub + (s.planned_arrival_on - s.planned_hub_on)) + _days(rng, 0, 2)
    days = {"ready": ready, "depart": departs, "arrive_at_hub": at_hub, "hand_over": handed,
            "receive": received, "verify": received + _days(rng, 0, 3)}
    j = Journey(s, days, part_left=rng.random() < PART_LEFT, differs=rng.random() < DIFFERS,
                slips=rng.random() < SLIPS)
    j.held = (today - dt.timedelta(days=10) < at_hub <= today and rng.random() < HELD)
    return j


def close_a_hub(journeys: list[Journey], today: dt.date, officers: dict[int, User]
                ) -> HubClosure:
    """Two weeks' closure from last Monday week of the hub that most shipments were to reach
    then (and with no other closure then), entered by its logistics officer; those shipments
    wait."""
    starts = monday(today) - dt.timedelta(weeks=1)
    ends = starts + dt.timedelta(days=CLOSURE_DAYS - 1)
    busy = set(HubClosure.objects.filter(starts_on__lte=ends, ends_on__gte=starts)
               .values_list("hub_id", flat=True))
    hubs = {h.pk: h for h in Hub.objects.order_by("pk")}
    due: dict[int, list[Journey]] = {pk: [] for pk in hubs if pk not in busy}
    for j in journeys:
        if j.shipment.hub_id in due and starts <= j.days["arrive_at_hub"] <= ends:
            due[j.shipment.hub_id].append(j)
    chosen = hubs[max(due, key=lambda pk: (len(due[pk]), -pk))]
    for j in due[chosen.pk]:
        j.closed, j.held = True, False
    closure = HubClosure(hub=chosen, starts_on=starts, ends_on=ends, reason=CLOSURE_REASON,
                         owner_id=chosen.owner_id, classification=Classification.RESTRICTED,
                         release_coordinator=True, release_recipient=False,
                         release_all_donors=False)
    closure._history_user = officers[chosen.owner_id]
    closure.save()
    return closure


# A shipment in each state along the way, whatever the day: if none is there by the dates,
# the one that reached it last stops there (the unit's convoy is yet to come, the count yet
# to be verified, ...).
KEPT = ("depart", "arrive_at_hub", "hand_over", "receive")


def keep_one_in_each_state(journeys: list[Journey], today: dt.date) -> None:
    for step in KEPT:
        if any(j.reached(today) == step for j in journeys):
            continue
        later = [j for j in journeys if j.stop is None and not (j.held or j.closed)
                 and _after(j.reached(today), step)]
        if later:
            last = max(later, key=lambda j: (j.days[step], j.shipment.pk))
            last.stop = step


def _after(reached: str | None, step: str) -> bool:
    return reached is not None and STEPS.index(reached) > STEPS.index(step)


class Services:
    """The steps as the demo takes them: through the services, in this process. (The
    shipments benchmark takes the same steps through the API: bench/shipments.py.)"""

    def step(self, user: User, s: Shipment, action: str, on: dt.date,
             shipped: dict | None = None, note: str = "") -> Shipment:
        return take_step(user, s, action, s.version, on=on, shipped=shipped, note=note)

    def receive(self, user: User, s: Shipment, counts: dict, on: dt.date) -> Shipment:
        return receipts.receive(user, s, s.version, counts, on=on)

    def verify(self, user: User, s: Shipment, on: dt.date) -> Shipment:
        return receipts.verify(user, s, s.version, on=on)

    def delay(self, user: User, s: Shipment, hub_on: dt.date, note: str) -> Shipment:
        return delay(user, s, s.version, hub_on, note=note)

    def resolve(self, user: User, d: Discrepancy, how: str, note: str) -> None:
        receipts.resolve(user, d, d.version, how, note)


class Player:
    """Plays the shipments' journeys up to ``today``, each step by the party that takes it,
    through ``actor`` (``Services``, or the benchmark's API client)."""

    def __init__(self, rng: random.Random, today: dt.date, cast: Cast,
                 closure: HubClosure, actor: Services) -> None:
        self.rng, self.today, self.cast, self.closure = rng, today, cast, closure
        self.actor = actor

    def play(self, j: Journey) -> Shipment:
        rng, today, cast, s, act = self.rng, self.today, self.cast, j.shipment, self.actor
        last = j.reached(today)
        for action in STEPS[:STEPS.index(last) + 1] if last else ():
            on = j.days[action]
            if action in ("ready", "depart"):
                shipped = self._part_left(s) if action == "depart" and j.part_left else None
                s = act.step(cast.sender(s), s, action, on, shipped=shipped,
                             note="Part of the load stays at the depot: not enough transport."
                             if shipped else "")
            elif action == "arrive_at_hub":
                s = act.step(cast.hub(s), s, action, on)
            elif action == "hand_over":
                s = act.step(cast.unit(s), s, action, on)
            elif action == "receive":
                s = act.receive(cast.unit(s), s, self._counts(s, j.differs), on)
            else:
                s = act.verify(cast.unit(s), s, on)
                self._resolve(s, j.days["receive"])
        reopens = self.closure.ends_on + dt.timedelta(days=1)
        if j.closed and s.expected_hub_on < reopens:  # (due on that day: it waits, not late)
            s = act.delay(cast.hub(s), s, reopens,
                          note=f"The hub is closed until {day(self.closure.ends_on)}: "
                               f"{self.closure.reason[0].lower()}{self.closure.reason[1:]}.")
        elif j.held:
            s = act.delay(cast.coordinator, s, today + _days(rng, 2, 12),
                          note=rng.choice(HELD_REASONS))
        elif (j.slips and s.state in (S.PLANNED, S.READY)
              and today < s.expected_hub_on <= today + dt.timedelta(weeks=3)):
            s = act.delay(cast.sender(s), s, s.expected_hub_on + _days(rng, 4, 14),
                          note=rng.choice(SLIP_REASONS))
        return s

    def _part_left(self, s: Shipment) -> dict[int, Decimal] | None:
        """Three quarters of the largest line leave (whole units where the item is whole)."""
        line = max(s.lines.all(), key=lambda x: (x.quantity, -x.pk))
        if line.quantity < 4:
            return None
        return {line.pk: (line.quantity * 3 / 4).to_integral_value(ROUND_FLOOR)}

    def _counts(self, s: Shipment, differs: bool) -> dict[int, dict]:
        """Every line that left, accepted; with ``differs``, part of one line is short,
        damaged or the wrong item, with a reason and a note."""
        lines = [x for x in s.lines.order_by("pk") if (x.shipped or 0) > 0]
        counts = {x.pk: {"accepted": x.shipped} for x in lines}
        odd = [x for x in lines if x.shipped >= 2]
        if differs and odd:
            rng = self.rng
            line = rng.choice(odd)
            kinds, weights = zip(*((k, w) for k, _, w in DIFFERENCES), strict=True)
            kind = rng.choices(kinds, weights)[0]
            reasons = next(r for k, r, _ in DIFFERENCES if k == kind)
            share = Decimal(str(round(rng.uniform(0.02, 0.25), 3)))
            lost = min(line.shipped - 1,
                       max(Decimal(1), (line.shipped * share).to_integral_value(ROUND_FLOOR)))
            counts[line.pk] = {"accepted": line.shipped - lost, kind: lost,
                               "reason": rng.choice(reasons), "note": DIFFERENCE_NOTES[kind]}
        return counts

    def _resolve(self, s: Shipment, received: dt.date) -> None:
        """A few discrepancies over three weeks old are settled by the sender."""
        if self.today - received < dt.timedelta(weeks=3):
            return
        for d in Discrepancy.objects.filter(line__shipment=s).order_by("pk"):
            if self.rng.random() < RESOLVED:
                how = self.rng.choice((Resolution.REPLACED, Resolution.WRITTEN_OFF,
                                       Resolution.FOUND))
                self.actor.resolve(self.cast.sender(s), d, how, RESOLUTION_NOTES[how])


def play(seed: int, advance: Callable[[int], None] = lambda n: None,
         planned: Callable[[int], None] = lambda n: None,
         actor: Services | None = None) -> dict[str, int]:
    """The plan, its shipments and their journeys; returns what was made, by kind.
    ``advance(n)`` is told the progress: three steps of the plan (solved and adopted,
    shipments made, a hub closed), then, after ``planned(number of shipments)``, one per
    shipment played. ``actor`` takes the steps (``Services`` by default, in one transaction;
    another, such as an API client in another process, commits each step on its own)."""
    today = timezone.localdate()
    rng = random.Random(seed * 1009 + 16)
    cast = Cast()
    plan = solve_and_adopt(cast.coordinator, today)
    advance(1)
    with transaction.atomic():
        # Made when the plan was adopted, before its first week: the first shipments were
        # then due to leave their depots (up to four weeks from the hub).
        made = make_shipments(cast.coordinator, plan,
                              on=plan.start_date - dt.timedelta(weeks=MADE_WEEKS_BEFORE))
        advance(1)
        journeys = [journey_of(s, rng, today) for s in made]
        closure = close_a_hub(journeys, today, cast.officers)
        keep_one_in_each_state(journeys, today)
        advance(1)
    planned(len(made))
    player = Player(rng, today, cast, closure, actor or Services())
    with transaction.atomic() if actor is None else contextlib.nullcontext():
        for j in journeys:
            player.play(j)
            advance(1)
    return {"plan allocations": plan.allocations.count(), "shipments": len(made)}
