"""The result of a solve (optimal or greedy) and its plan JSON (``clearinghouse-plan/1``).

The top of the solver: the plan document it writes includes the explain stage's ``unmet``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import numpy as np

from .build.instance import Instance
from .build.supply import Columns

EPS = 1e-9


class Status(enum.StrEnum):
    """What the bound proves about a plan: the contract's ``status`` (plan schema), plus
    ``GREEDY``, the greedy plan's own, which a solve never returns."""

    OPTIMAL = "optimal"  # gap 0
    GAP_LIMIT = "gap_limit"  # within the target gap
    TIME_LIMIT = "time_limit"  # out of time before the gap was reached
    ERROR = "error"  # no plan the bound vouches for (the greedy one, or none)
    GREEDY = "greedy"  # solve_greedy's plan, not a solve's


@dataclass
class PlanResult:
    """A plan: ``quantity[i]`` units on column i of ``cols`` (only the non-zero ones kept)."""

    inst: Instance
    cols: Columns
    quantity: np.ndarray
    status: Status
    bound: float
    lp_bound: float | None = None
    seconds: float = 0.0
    greedy_value: float | None = None
    note: str = ""
    stats: dict = field(default_factory=dict)

    @property
    def values(self) -> np.ndarray:
        """Each column's value: quantity times unit value."""
        return self.quantity * self.cols.unit_value

    @property
    def value(self) -> float:
        """Recomputed from the allocations (never taken from the solver's objective)."""
        return float(self.values.sum())

    @property
    def coverage(self) -> float:
        """The value over the total priority weight, within 0..1."""
        total = self.inst.total_weight
        return min(max(self.value / total, 0.0), 1.0) if total > 0 else 1.0

    @property
    def gap(self) -> float:
        """How far the value is below the bound, relative to the bound (0 when the bound is 0)."""
        if self.bound <= EPS:
            return 0.0
        return max((self.bound - self.value) / self.bound, 0.0)

    def allocations(self) -> list[dict]:
        """The plan's ``allocations``: one entry per column with a quantity, as the contract
        writes them."""
        inst, c = self.inst, self.cols
        out = []
        vals = self.values
        for i in np.nonzero(self.quantity > EPS)[0]:
            a: dict = {}
            if c.pledge[i] >= 0:
                a["pledge"] = inst.pledge_ids[c.pledge[i]]
            else:
                a["fund"] = inst.fund_ids[c.fund[i]]
                a["offer"] = inst.offer_ids[c.offer[i]]
            a["need"] = inst.need_ids[c.need[i]]
            a["hub"] = inst.hub_ids[c.hub[i]]
            a["ship_week"] = int(c.ship[i])
            a["arrival_week"] = int(c.arrival[i])
            a["quantity"] = float(self.quantity[i])
            a["value"] = float(vals[i])
            if c.fixed[i]:
                a["fixed"] = True
            out.append(a)
        return out

    def need_totals(self) -> tuple[np.ndarray, np.ndarray]:
        """Per need: units allocated, and units arriving on time."""
        N = len(self.inst.need_ids)
        c, q = self.cols, self.quantity
        allocated = np.bincount(c.need, weights=q, minlength=N)
        on_time = np.bincount(
            c.need, weights=q * (c.arrival <= self.inst.need_due[c.need]), minlength=N
        )
        return allocated, on_time

    def to_plan(self, unmet: list[dict] | None = None) -> dict:
        """The plan document (``clearinghouse-plan/1``); ``unmet`` is computed unless given."""
        plan = {
            "format": "clearinghouse-plan/1",
            "status": str(self.status),
            "value": self.value,
            "coverage": self.coverage,
            "bound": float(self.bound),
            "gap": self.gap,
            "seconds": round(self.seconds, 3),
        }
        if self.lp_bound is not None:
            plan["lp_bound"] = float(self.lp_bound)
        if self.greedy_value is not None:
            plan["greedy_value"] = float(self.greedy_value)
        if self.note:
            plan["note"] = self.note
        plan["allocations"] = self.allocations()
        if unmet is None:
            from .explain.unmet import unmet_needs

            unmet = unmet_needs(self)
        plan["unmet"] = unmet
        return plan
