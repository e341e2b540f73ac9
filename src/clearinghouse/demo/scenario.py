"""The 2024 scenario in memory: needs, pledges, stock positions, backfill orders, supplier
offers, and the routes, deliveries and closures of the hubs.

``build(seed, scale)`` is deterministic: one ``random.Random(seed)`` drives every choice, and
dates count from ``today`` (``timezone.localdate()`` unless given). At scale 1 the recipient
has about 800 needs and the donors about 2,500 pledges; ``scale`` multiplies both (it may be
fractional for tests), the supplier offers and the hubs' weekly capacity, and leaves parties,
catalogue and hubs otherwise as they are. Nothing touches the database here: ``store.insert``
writes the result in bulk.

The scenario is contested, so that clearing matters: what is pledged and accepted covers well
under half of what is needed, much of it is not tied to a need (and 155 mm rounds fit many),
and the hubs nearest the donors are sized below their traffic, so that capacity binds in a
good share of hub-weeks. At scale 1 an optimal plan is worth a third or more above the
first-come-first-served one.
"""

import datetime as dt
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from typing import Any

from django.utils import timezone

from clearinghouse.catalogue.models import ItemType
from clearinghouse.logistics.models import Delivery, HubClosure, Route
from clearinghouse.needs.models import Need, NeedState, Priority
from clearinghouse.parties.models import Organisation, Region
from clearinghouse.pledges.models import (
    COMMITTED_STATES,
    BackfillOrder,
    Pledge,
    StockPosition,
    SupplierOffer,
)
from clearinghouse.security.roles import Classification

from . import tables
from .logistics import build_logistics
from .pledging import Pledging
from .procurement import build_offers
from .registry import Registry, build_registry

NEEDS_PER_SCALE = 800
PLEDGES_PER_SCALE = 2500
FIRST_DATE = dt.date(2025, 1, 1)  # required-by dates start here
N = NeedState
C = Classification

NEED_STATE_MIX = (
    (N.DRAFT, 5), (N.SUBMITTED, 6), (N.VALIDATED, 12), (N.OPEN, 30), (N.PARTLY_COVERED, 25),
    (N.COVERED, 10), (N.DELIVERED, 7), (N.CANCELLED, 5),
)
PRIORITY_MIX = ((Priority.CRITICAL, 15), (Priority.HIGH, 35), (Priority.MEDIUM, 35),
                (Priority.LOW, 15))
URGENT_MIX = ((Priority.CRITICAL, 35), (Priority.HIGH, 45), (Priority.MEDIUM, 15),
              (Priority.LOW, 5))
URGENT_AREAS = frozenset({"air-defence", "artillery"})
# States a need passes "open" in: it was published to all donors (needs.services.act_on_need).
WAS_OPENED = (N.OPEN, N.PARTLY_COVERED, N.COVERED, N.DELIVERED)

# The story of DESIGN.md: (item name or family code, region, quantity, priority, state,
# [(donor code, pledge kind, pledge state, quantity)]). Seven long-range air-defence batteries,
# two of them for Kyiv; interceptors; 155 mm in large quantities and howitzers; non-lethal
# demining kit, fuel and medical supplies.
PATRIOT = "Patriot air defense battery"
STORY = (
    (PATRIOT, "kyiv", 1, Priority.CRITICAL, N.COVERED, [("DEU", "stock", "allocated", 1)]),
    (PATRIOT, "kyiv", 1, Priority.CRITICAL, N.OPEN, [("ROU", "stock", "offered", 1)]),
    (PATRIOT, "kharkiv", 1, Priority.CRITICAL, N.OPEN, [("NLD", "procurement", "offered", 1)]),
    (PATRIOT, "kharkiv", 1, Priority.CRITICAL, N.VALIDATED, []),
    (PATRIOT, "dnipro", 1, Priority.CRITICAL, N.OPEN, []),
    (PATRIOT, "odesa", 1, Priority.CRITICAL, N.OPEN, [("USA", "stock", "declined", 1)]),
    (PATRIOT, "zaporizhzhia", 1, Priority.CRITICAL, N.SUBMITTED, []),
    ("patriot-int", "kyiv", 120, Priority.CRITICAL, N.PARTLY_COVERED, None),
    ("patriot-int", "kharkiv", 80, Priority.CRITICAL, N.OPEN, None),
    ("iris-t-msl", "odesa", 60, Priority.HIGH, N.PARTLY_COVERED, None),
    ("nasams-msl", "dnipro", 100, Priority.HIGH, N.OPEN, None),
    ("proj-155", "zaporizhzhia", 250000, Priority.CRITICAL, N.PARTLY_COVERED, None),
    ("proj-155", "kharkiv", 180000, Priority.CRITICAL, N.PARTLY_COVERED, None),
    ("proj-155", "dnipro", 120000, Priority.HIGH, N.OPEN, None),
    ("how-155", "kharkiv", 36, Priority.HIGH, N.PARTLY_COVERED, None),
    ("Hand-held metal mine detector", "kharkiv", 400, Priority.HIGH, N.OPEN, None),
    ("diesel", "dnipro", 5000000, Priority.HIGH, N.PARTLY_COVERED, None),
    ("ifak", "zaporizhzhia", 20000, Priority.CRITICAL, N.PARTLY_COVERED, None),
)


@dataclass
class Scenario:
    seed: int
    scale: float
    today: dt.date
    reg: Registry
    needs: list[Need] = field(default_factory=list)
    need_released: list[tuple[Need, Organisation]] = field(default_factory=list)
    positions: list[StockPosition] = field(default_factory=list)
    backfills: list[BackfillOrder] = field(default_factory=list)
    pledges: list[Pledge] = field(default_factory=list)
    pledge_items: list[tuple[Pledge, ItemType]] = field(default_factory=list)
    pledge_regions: list[tuple[Pledge, Region]] = field(default_factory=list)
    pledge_released: list[tuple[Pledge, Organisation]] = field(default_factory=list)
    offers: list[SupplierOffer] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    closures: list[HubClosure] = field(default_factory=list)


def counts_for(scale: float) -> tuple[int, int]:
    """(needs, pledges) at ``scale``."""
    return max(1, round(NEEDS_PER_SCALE * scale)), max(1, round(PLEDGES_PER_SCALE * scale))


def build(seed: int, scale: float, today: dt.date | None = None) -> Scenario:
    if scale <= 0:
        raise ValueError("scale must be positive")
    rng = random.Random(seed)
    sc = Scenario(seed, scale, today or timezone.localdate(), build_registry())
    n_needs, n_pledges = counts_for(scale)
    _build_needs(sc, rng, n_needs)
    pledging = Pledging(sc, rng)
    pledging.answer_needs(budget=n_pledges)
    pledging.free_pledges(n_pledges - len(sc.pledges))
    _stock(sc, rng, pledging)
    build_offers(sc, rng)
    build_logistics(sc, rng)
    for hub in sc.reg.hubs:  # handling capacity grows with the traffic (tables.HUBS: scale 1)
        hub.weekly_capacity_pallets = max(10, round(hub.weekly_capacity_pallets * scale))
    return sc


def pick(rng: random.Random, weighted: Iterable[tuple[Any, float]]) -> Any:
    """One of the values of ``weighted`` (value, weight) pairs, by weight."""
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


# --- needs -------------------------------------------------------------------------------------


def _build_needs(sc: Scenario, rng: random.Random, count: int) -> None:
    reg = sc.reg
    planner = reg.users["ukr-planner"]
    recipient = reg.orgs[tables.RECIPIENT[0]]
    for target, region, qty, priority, state, story in STORY[:count]:
        item = reg.items.get(target)
        need = _need(sc, rng, item, None if item else reg.families[target], Decimal(qty),
                     priority, state, region)
        need.story = story  # explicit pledges for the story's batteries (pledging.py)
        if item and item.name == PATRIOT:
            need.classification = C.RESTRICTED
    specs = [s for s in reg.specs.values() if s.need_weight > 0]
    weights = [s.need_weight for s in specs]
    regions = list(reg.regions)
    while len(sc.needs) < count:
        spec = rng.choices(specs, weights)[0]
        item = reg.items[spec.name]
        family = item.family if spec.family and rng.random() < 0.25 else None
        state = pick(rng, NEED_STATE_MIX)
        lo, hi = spec.need_qty
        qty = _round_quantity(rng.randint(lo, hi), spec.bulk, rng)
        if state == N.PARTLY_COVERED and qty < 2:
            qty = Decimal(2)  # something covered, something left, in whole units
        urgent = spec.area in URGENT_AREAS and spec.lethal
        priority = pick(rng, URGENT_MIX if urgent else PRIORITY_MIX)
        _need(sc, rng, None if family else item, family, qty, priority, state,
              rng.choice(regions))
    for need in sc.needs:
        need.owner, need._history_user = recipient, planner


def _round_quantity(raw: int, bulk: bool, rng: random.Random) -> Decimal:
    """Round to what a planner would write: 23,700 rounds, not 23,713; litres may be halves."""
    if raw >= 1000:
        step = 10 ** (len(str(raw)) - 2)
        raw = max(step, round(raw / step) * step)
    qty = Decimal(raw)
    if bulk and rng.random() < 0.2:
        qty += Decimal("0.5")
    return qty


def _need(sc: Scenario, rng, item, family, qty, priority, state, region) -> Need:
    reg = sc.reg
    if state == N.DELIVERED:  # only delivered needs were due in the past
        latest = max(FIRST_DATE, sc.today - dt.timedelta(days=7))
        required_by = FIRST_DATE + dt.timedelta(days=rng.randint(0, (latest - FIRST_DATE).days))
    else:
        required_by = max(FIRST_DATE, sc.today) + dt.timedelta(days=rng.randint(14, 540))
    roll = rng.random()
    classification = C.CONFIDENTIAL if roll < 0.04 else C.RESTRICTED if roll < 0.4 else C.COALITION
    opened = state in WAS_OPENED or (state == N.CANCELLED and rng.random() < 0.5)
    need = Need(
        item_type=item, family=family, quantity=qty, priority=priority, state=state,
        required_by=required_by, region=reg.regions[region], classification=classification,
        release_coordinator=True, release_recipient=True, release_all_donors=opened,
        justification=rng.choice(tables.JUSTIFICATIONS).format(region=reg.regions[region].name),
    )
    need.story = None
    area = (item or family).area.code
    if rng.random() < 0.05 and reg.leads_by_area.get(area):
        # Also released by name to the lead nations of the area's capability coalition.
        for lead in reg.leads_by_area[area]:
            sc.need_released.append((need, lead))
    sc.needs.append(need)
    return need


# --- stock positions: quantities that agree with pledges.checks._check_stock -------------------


def _stock(sc: Scenario, rng: random.Random, pledging: Pledging) -> None:
    """Holdings and capability-target floors for every (donor, item) a stock pledge draws on,
    and for the systems each donor is known to hold; then each stock pledge's flags.

    check_pledge computes, for a pledge on a position: free = held - (quantity of the *other*
    pledges still committed); remaining = free - quantity; below target when remaining < floor.
    For a committed pledge remaining is held - (all committed), so every committed pledge of a
    position shares one flag; a position is either below its floor or not. Holdings are sized
    so that every stock pledge, committed or not, still fits in what is free.
    """
    reg = sc.reg
    for item_name, holders in reg.holders.items():
        for code in holders:
            org = reg.orgs[code]
            if not (org.non_lethal_only or code in tables.NO_PLEDGES):
                pledging.position(org, reg.items[item_name])
    for position in pledging.positions.values():
        pledges = position.demo_pledges
        committed = sum((p.quantity for p in pledges if p.state in COMMITTED_STATES), Decimal(0))
        spent = max((p.quantity for p in pledges if p.state not in COMMITTED_STATES),
                    default=Decimal(0))
        base = committed + spent
        if base == 0:
            base = Decimal(max(2, int(pledging.typical_quantity(position.item_type) * 2)))
        held = base + _ceil(base * Decimal(rng.uniform(0.1, 1.5)))
        free = held - committed
        below = committed > 0 and rng.random() < 0.2
        if below:
            floor = free + _ceil(max(Decimal(1), free * Decimal(rng.uniform(0.1, 0.8))))
        else:
            floor = Decimal(int(free * Decimal(rng.uniform(0.2, 0.9))))
        position.quantity_held, position.target_minimum = held, floor
        for pledge in pledges:
            remaining = free if pledge.state in COMMITTED_STATES else free - pledge.quantity
            pledge.stock_position = position
            pledge.below_target = remaining < floor
            pledge.below_target_by = floor - remaining if pledge.below_target else None
        if below or rng.random() < 0.1:
            _backfill(sc, rng, position, max(Decimal(1), floor - free))
        sc.positions.append(position)


def _backfill(sc: Scenario, rng: random.Random, position: StockPosition, short: Decimal) -> None:
    """Orders that bring the holding back above its floor (one or two, after the shortfall)."""
    parts = 1 if short < 2 or rng.random() < 0.6 else 2
    total = _ceil(short * Decimal(rng.uniform(1.0, 1.5)))
    first = total if parts == 1 else _ceil(total / 2)
    for n, quantity in enumerate((first, total - first)[:parts], start=1):
        if quantity <= 0:
            continue
        order = BackfillOrder(
            stock_position=position, quantity=quantity,
            expected_date=sc.today + dt.timedelta(days=rng.randint(60, 360) * n),
            reference=f"BF-{position.owner.code}-{len(sc.backfills) + 1:05d}",
        )
        order._history_user = position._history_user
        sc.backfills.append(order)


def _ceil(value: Decimal) -> Decimal:
    return value.to_integral_value(rounding=ROUND_CEILING)

