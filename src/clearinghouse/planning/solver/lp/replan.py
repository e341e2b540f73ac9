"""Warm re-plans: solve once, keep the master LP (its HiGHS object and basis), then apply one
change at a time and solve again from where it was.

A change is a few bounds on the same model (``changeRowsBounds`` / ``changeColsBounds``), then
dual simplex from the last basis (still dual feasible after bounds change; interior point
takes over after a share of the time limit, solve.DUAL_SHARE), column generation again if the
model is priced, and rounding and repair as in the first solve: a fraction of a cold solve's
time (bench/clearing.py prints both; docs/solver.md has the figures).

Changes accumulate: each re-plan starts from the one before. Each only takes something away,
so the last bound still holds; when the LP finds nothing in its time, the last LP solution, cut
down to the new limits, is rounded instead (solve.Planner.lp).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterable
from dataclasses import replace

import numpy as np

from ..build.instance import Instance
from ..repair.greedy import solve_greedy
from ..result import PlanResult
from .solve import DEFAULT_GAP, DEFAULT_TIME_LIMIT, Planner


class Replanner:
    """``Replanner(inst).result`` is the first plan; :meth:`withdraw_pledge` and
    :meth:`close_hub` each return the plan after one more change, like :func:`solve`."""

    def __init__(self, inst: Instance, time_limit: float = DEFAULT_TIME_LIMIT,
                 gap: float = DEFAULT_GAP, with_greedy: bool = True):
        self.planner = Planner(inst, time_limit, gap, with_greedy)
        self.result = self.planner.run()

    @property
    def inst(self) -> Instance:
        """The instance with every change so far."""
        return self.planner.inst

    def withdraw_pledge(self, pledge: str, greedy: bool = False) -> PlanResult:
        """The pledge ``pledge`` is withdrawn: what of it is not already moving (fixed
        allocations stay) is no longer available."""
        inst, pl = self.inst, self.planner
        if pledge not in inst.index["pledge"]:
            raise ValueError(f"unknown pledge {pledge!r}")
        p = inst.index["pledge"][pledge]
        row = pl.lay.pledge0 + p
        moving = float(inst.pledge_qty[p] - pl.upper[row])  # what fixed allocations use
        qty = inst.pledge_qty.copy()
        qty[p] = moving
        raw = copy.copy(inst.raw)
        raw["pledges"] = list(raw["pledges"])
        raw["pledges"][p] = {**raw["pledges"][p], "quantity": moving}
        self._start(replace(inst, raw=raw, pledge_qty=qty))
        pl.upper[row] = 0.0
        pl.master.set_row_upper(np.array([row]), np.array([0.0]))
        if pl.pricer is not None:
            pl.pricer.set_upper(pl.upper)
            pl.pricer.drop_supplies(pl.sup.pledge == p)
        return self._solve(greedy)

    def close_hub(self, hub: str, weeks: Iterable[int], greedy: bool = False) -> PlanResult:
        """The hub ``hub`` handles nothing in ``weeks``."""
        inst, pl = self.inst, self.planner
        if hub not in inst.index["hub"]:
            raise ValueError(f"unknown hub {hub!r}")
        h = inst.index["hub"][hub]
        weeks = sorted({int(w) for w in weeks})
        if any(not 1 <= w <= inst.horizon for w in weeks):
            raise ValueError(f"weeks must be within 1..{inst.horizon}")
        moving = (inst.fixed_hub == h) & np.isin(inst.fixed_ship, weeks)
        if moving.any():
            k = int(np.nonzero(moving)[0][0])
            raise ValueError(f"fixed allocation {k} ships through {hub!r} in week "
                             f"{int(inst.fixed_ship[k])}: it cannot close then")
        hub_open, capacity = inst.hub_open.copy(), inst.hub_capacity.copy()
        hub_open[h, weeks] = False
        capacity[h, weeks] = 0.0
        raw = copy.copy(inst.raw)
        raw["hubs"] = list(raw["hubs"])
        closed = sorted(set(raw["hubs"][h].get("closed_weeks", [])) | set(weeks))
        raw["hubs"][h] = {**raw["hubs"][h], "closed_weeks": closed}
        edited = replace(inst, raw=raw, hub_open=hub_open, hub_capacity=capacity)
        cols = pl.master.cols
        self._start(edited)
        rows = pl.lay.hub_week(np.full(len(weeks), h), np.array(weeks, dtype=np.int64))
        pl.upper[rows] = 0.0
        pl.master.set_row_upper(rows, np.zeros(len(rows)))
        pl.master.close((cols.hub == h) & np.isin(cols.ship, weeks))
        if pl.pricer is not None:
            pl.pricer.inst = edited
            pl.pricer.set_upper(pl.upper)
            pl.pricer.set_open(hub_open)
        return self._solve(greedy)

    def _start(self, edited: Instance) -> None:
        pl = self.planner
        pl.limits.t0 = time.perf_counter()
        pl.inst = edited
        pl.master.inst = edited
        pl.stats = {"columns_feasible": pl.built.count}

    def _solve(self, greedy: bool) -> PlanResult:
        pl = self.planner
        t = time.perf_counter()
        # the first plan's greedy plan may not fit the changed instance: drop it, or redo it
        pl.greedy = solve_greedy(pl.inst) if greedy else None
        pl.stats["greedy_s"] = time.perf_counter() - t
        pl.lp(warm=True)
        self.result = pl.finish()
        return self.result
