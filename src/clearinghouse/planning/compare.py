"""Figures of a plan (coverage by priority and capability area) and the need-by-need comparison
of two plans (a what-if beside the plan it varies)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache

from .models import Plan, PlanState
from .snapshot import pk_of

PRIORITIES = ("critical", "high", "medium", "low")
# States in which a plan's allocations are stored and never change again.
SETTLED = (PlanState.SOLVED, PlanState.ADOPTED, PlanState.SUPERSEDED)


@dataclass
class NeedLine:
    need_id: int
    priority: str
    quantity: float
    weight: float
    allocated: float = 0.0
    on_time: float = 0.0
    value: float = 0.0

    @property
    def coverage(self) -> float:
        return min(self.value / self.weight, 1.0) if self.weight else 1.0

    @property
    def late(self) -> float:
        return max(self.allocated - self.on_time, 0.0)

    @property
    def missing(self) -> float:
        return max(self.quantity - self.allocated, 0.0)


# Float noise of the solver: a need is covered in full when at most this share is short.
FULL = 1e-6


@dataclass
class Story:
    """What a plan does for a group of needs (a priority, a capability area, all): how many
    needs it covers in full on time, in part, not at all; how many units arrive on time, late,
    not at all; and its coverage (value over weight, the plan's own measure)."""

    label: str
    needs: int = 0
    full: int = 0
    partly: int = 0
    none: int = 0
    quantity: float = 0.0
    on_time: float = 0.0
    late: float = 0.0
    missing: float = 0.0
    weight: float = 0.0
    value: float = 0.0

    def add(self, line: NeedLine) -> None:
        self.needs += 1
        if line.on_time >= line.quantity * (1 - FULL):
            self.full += 1
        elif line.allocated > line.quantity * FULL:
            self.partly += 1
        else:
            self.none += 1
        self.quantity += line.quantity
        self.on_time += min(line.on_time, line.quantity)
        self.late += min(line.late, max(line.quantity - line.on_time, 0.0))
        self.missing += line.missing
        self.weight += line.weight
        self.value += line.value

    def share(self, part: str) -> float:
        """``part`` (on_time, late, missing) as a fraction of the units asked."""
        return getattr(self, part) / self.quantity if self.quantity else 0.0

    @property
    def on_time_share(self) -> float:
        return self.share("on_time")

    @property
    def late_share(self) -> float:
        return self.share("late")

    @property
    def missing_share(self) -> float:
        return self.share("missing")

    @property
    def coverage(self) -> float:
        return min(self.value / self.weight, 1.0) if self.weight else 1.0

    @property
    def bar(self) -> list[tuple[str, float]]:
        """(part, percent of the width) for a stacked bar."""
        return [(part, round(100 * self.share(part), 2))
                for part in ("on_time", "late", "missing") if self.share(part) > 0]


def story(lines: Iterable[NeedLine], group: dict[int, str] | None = None,
          order: Iterable[str] = ()) -> list[Story]:
    """A ``Story`` per group of needs (``group``: need id -> its group's label; by priority
    when None), the groups in ``order`` first, then by label."""
    found: dict[str, Story] = {}
    for line in lines:
        label = line.priority if group is None else group.get(line.need_id)
        if label is None:
            continue
        found.setdefault(label, Story(label)).add(line)
    first = [found.pop(k) for k in (PRIORITIES if group is None else order) if k in found]
    return first + [found[k] for k in sorted(found)]


def overall(lines: Iterable[NeedLine]) -> Story:
    told = Story("all")
    for line in lines:
        told.add(line)
    return told


def need_lines(plan: Plan) -> dict[int, NeedLine]:
    """Per need of the plan's snapshot: units allocated, on time, and the value they give.

    A solved plan's snapshot and allocations never change: its lines are worked out once per
    process (keyed by the plan's id and creation time), and each caller gets its own copy."""
    if plan.state not in SETTLED:
        return _lines(plan.pk)
    return {pk: replace(line) for pk, line in _settled_lines(plan.pk, plan.created_at).items()}


@lru_cache(maxsize=8)
def _settled_lines(plan_id: int, created_at: object) -> dict[int, NeedLine]:
    return _lines(plan_id)


def _lines(plan_id: int) -> dict[int, NeedLine]:
    plan = Plan.objects.only("instance").get(pk=plan_id)
    inst = plan.instance
    weights = inst["priority_weights"]
    lines = {
        pk_of(n["id"]): NeedLine(pk_of(n["id"]), n["priority"], float(n["quantity"]),
                                 float(weights[n["priority"]]))
        for n in inst["needs"]
    }
    due = {pk_of(n["id"]): n["due_week"] for n in inst["needs"]}
    rows = plan.allocations.values_list("need_id", "quantity", "arrival_week", "value")
    for need_id, qty, arrival, value in rows:
        line = lines.get(need_id)
        if line is None:
            continue
        line.allocated += qty
        line.on_time += qty if arrival <= due[need_id] else 0.0
        line.value += value
    for line in lines.values():
        # Sums of LP quantities carry float noise (19.9999999997): shown as 20, not 20.000.
        line.allocated, line.on_time = round(line.allocated, 6), round(line.on_time, 6)
    return lines


def by_priority(lines: Iterable[NeedLine]) -> list[dict]:
    """Coverage (value over weight) per priority, in the order of the priorities."""
    weight, value, count = defaultdict(float), defaultdict(float), defaultdict(int)
    for line in lines:
        weight[line.priority] += line.weight
        value[line.priority] += line.value
        count[line.priority] += 1
    order = [p for p in PRIORITIES if p in weight] + sorted(set(weight) - set(PRIORITIES))
    return [{"priority": p, "needs": count[p],
             "coverage": value[p] / weight[p] if weight[p] else 1.0} for p in order]


def compare(base: Plan, other: Plan, visible_needs: set[int] | None = None) -> dict:
    """What each need loses or gains in ``other`` against ``base``; only ``visible_needs``."""
    a, b = need_lines(base), need_lines(other)
    keep = set(a) | set(b)
    if visible_needs is not None:
        keep &= visible_needs
    rows = []
    for pk in sorted(keep):
        la, lb = a.get(pk), b.get(pk)
        va, vb = (la.value if la else 0.0), (lb.value if lb else 0.0)
        rows.append({
            "need": pk, "priority": (la or lb).priority, "quantity": (la or lb).quantity,
            "base_allocated": la.allocated if la else 0.0,
            "other_allocated": lb.allocated if lb else 0.0,
            "base_on_time": la.on_time if la else 0.0,
            "other_on_time": lb.on_time if lb else 0.0,
            "base_value": va, "other_value": vb, "delta_value": vb - va,
        })
    rows.sort(key=lambda r: (r["delta_value"], r["need"]))
    return {
        "base": base.pk, "other": other.pk,
        "base_value": base.value, "other_value": other.value,
        "base_by_priority": by_priority(a[pk] for pk in keep if pk in a),
        "other_by_priority": by_priority(b[pk] for pk in keep if pk in b),
        "losers": sum(1 for r in rows if r["delta_value"] < -1e-9),
        "gainers": sum(1 for r in rows if r["delta_value"] > 1e-9),
        "needs": rows,
    }
