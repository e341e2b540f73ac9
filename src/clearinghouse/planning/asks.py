"""The ask list for the next contact-group meeting, as a briefing: per gap of a plan, what is
asked (the item or family by name), how many (whole units for what comes in whole units), by
when it must be ready, where it goes, and why, in one short sentence; totals by item and by
capability area.

Built from a plan's gaps over the needs the reader sees. The reasons are read as codes only
(``queries.reasons_for``) and said in the users' words (``core/words.py``): the solver's own
text names pledges, depots, hubs and weeks, and is not a briefing.

By when: the week a supply ask says new goods must be ready at a depot, else the due week less
the fastest path from any depot to the need's region. A date already past is never asked for:
then the ask says it is too late for the required-by date, and when goods ready from the next
Monday would arrive.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from clearinghouse.core.words import day, number, words
from clearinghouse.needs.models import Need, Priority
from clearinghouse.parties.models import User

from .models import Plan
from .queries import gaps_for

# Float noise of the solver's quantities (19.0000001 units of a whole item is 19).
NOISE = 1e-6


@dataclass(frozen=True)
class ReadyBy:
    """When goods must be ready at a depot. ``deadline``: the date to be ready by to arrive on
    time (never past; ``soon`` when the plan's own date has passed but goods ready from the
    next Monday could still make it). Otherwise ``too_late_for`` (the required-by date) and,
    where a route reaches the region, the ``earliest`` date goods can be ready and when they
    would ``arrive``."""

    deadline: date | None = None
    soon: bool = False
    too_late_for: date | None = None
    earliest: date | None = None
    arrives: date | None = None

    def __str__(self) -> str:
        if self.deadline:
            return f"as soon as possible, by {day(self.deadline)}" if self.soon else day(
                self.deadline)
        if self.too_late_for is None:
            return ""
        if self.earliest is None:
            return f"too late for {day(self.too_late_for)}; no route reaches its region"
        return (f"too late for {day(self.too_late_for)}; ready by {day(self.earliest)} "
                f"arrives {day(self.arrives)}")

    @property
    def iso(self) -> str:
        """The date to be ready by, for a machine (the on-time deadline, else the earliest)."""
        found = self.deadline or self.earliest
        return found.isoformat() if found else ""


@dataclass(frozen=True)
class AskedNeed:
    """What an ask shows of its need (read as plain values: every gap of a plan is read at
    once, and model instances for each cost more than the page's budget)."""

    pk: int
    priority: int
    required_by: date
    classification: int
    item: str | None
    family: str | None
    family_code: str | None
    indivisible: bool
    area: str | None
    region: str | None
    region_code: str | None

    def get_priority_display(self) -> str:
        return str(Priority(self.priority).label)


NEED_VALUES = ("need_id", "need__priority", "need__required_by", "need__classification",
               "need__item_type__name", "need__family__name", "need__family__code",
               "need__item_type__indivisible", "need__item_type__area__name",
               "need__family__area__name", "need__region__name", "need__region__code")


@dataclass
class Ask:
    need: AskedNeed
    missing: float
    late: float
    codes: list[str]
    ready: ReadyBy
    whole: bool
    where: str = ""
    area: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def quantity(self) -> float:
        """Units to offer: what is missing or late, rounded up to whole units if need be."""
        units = self.missing + self.late
        return math.ceil(units - NOISE) if self.whole else units

    @property
    def how_many(self) -> str:
        return number(self.quantity, whole=self.whole)

    @property
    def what(self) -> str:
        n = self.need
        return n.item if n.item is not None else f"any {n.family}"

    @property
    def why(self) -> str:
        """One short sentence in the users' words: "Offered, but ready too late."."""
        said = words("reason", self.codes) or words("reason", ["other"])
        return f"{said[0].upper()}{said[1:]}."


def today() -> date:
    """The day the ask list is read (a function, so that a test may move it)."""
    return date.today()


def next_monday(on: date) -> date:
    """``on`` if a Monday, else the Monday after it."""
    return on + timedelta(days=(7 - on.weekday()) % 7)


def fastest_weeks(instance: dict) -> dict[str, int]:
    """Per region (its code in the snapshot): the fewest weeks from a depot to it, over any
    route into a hub and that hub's delivery to the region."""
    into: dict[str, int] = {}
    for route in instance.get("routes", []):
        into[route["hub"]] = min(into.get(route["hub"], route["weeks"]), route["weeks"])
    out: dict[str, int] = {}
    for d in instance.get("deliveries", []):
        if d["hub"] in into:
            weeks = into[d["hub"]] + d["weeks"]
            out[d["region"]] = min(out.get(d["region"], weeks), weeks)
    return out


def ready_by(plan: Plan, need: AskedNeed, week: int | None, fastest: int | None,
             on: date) -> ReadyBy:
    """By when goods for ``need`` must be ready: ``week`` (the plan's week, from a supply ask)
    or the due week less the ``fastest`` path; never a past date."""
    if week is None and fastest is not None:
        due = (need.required_by - plan.start_date).days // 7 + 1
        week = due - fastest
    if week is not None and week >= 1 and plan.week_start(week) >= on:
        return ReadyBy(deadline=plan.week_start(week))
    if fastest is None:
        return ReadyBy(too_late_for=need.required_by)
    earliest = next_monday(on)
    arrives = earliest + timedelta(weeks=fastest)
    if arrives <= need.required_by:  # past the plan's date, but a route is still fast enough
        return ReadyBy(deadline=earliest, soon=True)
    return ReadyBy(too_late_for=need.required_by, earliest=earliest, arrives=arrives)


def region_shown(user: User, need: AskedNeed) -> str:
    """Where the goods go, for those with need to know: the need's region is part of the need
    record, so whoever sees the need (``Need.objects.visible_to``) sees it (DESIGN.md; rule 4
    hides the movement, hubs and weeks, not the destination). Asks of needs a reader does not
    see are absent altogether."""
    return need.region or ""


def _whole_families(instance: dict) -> dict[str, bool]:
    """Per family code of the snapshot: whether every item of it comes in whole units."""
    found: dict[str, bool] = {}
    for item in instance.get("items", []):
        if item.get("family"):
            whole = bool(item.get("indivisible"))
            found[item["family"]] = found.get(item["family"], True) and whole
    return found


@lru_cache(maxsize=8)
def snapshot_facts(plan_id: int, created_at: object) -> tuple[dict, dict, dict]:
    """What the asks read of a plan's snapshot (which never changes, so it is read once per
    plan and process, keyed by its id and creation time): the fastest weeks to each region,
    which families come in whole units, and each need's region code."""
    instance = Plan.objects.values_list("instance", flat=True).get(pk=plan_id)
    return (fastest_weeks(instance), _whole_families(instance),
            {n["id"]: n.get("region") for n in instance.get("needs", [])})


def asks_for(plan: Plan, user: User, on: date | None = None) -> list[Ask]:
    """One ask per gap of ``plan`` whose need ``user`` sees, the most important first, read on
    the day ``on`` (today by default)."""
    on = on or today()
    fastest, families, region_codes = snapshot_facts(plan.pk, plan.created_at)
    # The codes and week stored beside the reasons (Gap.codes): what every reader may see.
    gaps = gaps_for(user, plan).filter(need__in=Need.objects.visible_to(user)).values_list(
        "missing", "late", "codes", "ready_by_week", *NEED_VALUES)
    out = []
    for missing, late, codes, week, pk, priority, required_by, level, item, family, \
            family_code, indivisible, item_area, family_area, region, region_code in gaps:
        need = AskedNeed(pk, priority, required_by, level, item, family, family_code,
                         bool(indivisible), item_area or family_area, region, region_code)
        when = ready_by(plan, need, week, fastest.get(region_codes.get(f"N{pk}", region_code)),
                        on)
        whole = need.indivisible if item is not None else families.get(family_code, False)
        out.append(Ask(need, missing, late, list(codes), when, whole,
                       where=region_shown(user, need), area=need.area or ""))
    out.sort(key=lambda a: (a.need.priority, a.need.required_by, a.need.pk))
    return out


@dataclass
class Total:
    label: str
    needs: int = 0
    units: float = 0.0
    whole: bool = True
    critical: int = 0

    @property
    def how_many(self) -> str:
        return number(self.units, whole=self.whole)


def totals_by_item(asks: list[Ask]) -> list[Total]:
    """Units asked and needs per item or family, the most needs first."""
    found: dict[str, Total] = {}
    for a in asks:
        total = found.setdefault(a.what, Total(a.what, whole=a.whole))
        total.needs += 1
        total.units += a.quantity
        total.critical += a.need.priority == Priority.CRITICAL
    return sorted(found.values(), key=lambda t: (-t.needs, t.label))


def totals_by_area(asks: list[Ask]) -> list[Total]:
    """Needs per capability area (units of different items do not add up), and how many of
    them critical, the most needs first."""
    found: dict[str, Total] = defaultdict(lambda: Total(""))
    for a in asks:
        total = found[a.area or "no area"]
        total.label = a.area or "no area"
        total.needs += 1
        total.critical += a.need.priority == Priority.CRITICAL
    return sorted(found.values(), key=lambda t: (-t.needs, t.label))
