"""Figures of a plan (coverage by priority and capability area) and the need-by-need comparison
of two plans (a what-if beside the plan it varies)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from .models import Plan
from .snapshot import pk_of

PRIORITIES = ("critical", "high", "medium", "low")


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


def need_lines(plan: Plan) -> dict[int, NeedLine]:
    """Per need of the plan's snapshot: units allocated, on time, and the value they give."""
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
