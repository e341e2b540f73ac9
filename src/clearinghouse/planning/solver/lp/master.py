"""The master LP of column generation: the columns generated so far, in one Highs object."""

from __future__ import annotations

from dataclasses import replace

import highspy
import numpy as np

from ..build.instance import Instance
from ..build.model import INF, Layout, coefficients, new_highs
from ..build.supply import Columns, concat, make_columns, select, supplies


class Master:
    """The LP over the columns generated so far, kept in one Highs object between solves.

    Rows as in :class:`Layout`, limits net of the fixed allocations. Scaled for HiGHS (the
    raw model's matrix and costs span many orders of magnitude; HiGHS warned and simplex
    crawled): a row's unit is its limit, a divisible column's its need's quantity.

    With purchases by offer (``lay.purchases``) it first holds, never priced, every buy
    ``b[f, o]`` (offer row, fund row, class row) and every carry between an offer's classes,
    each in units of its offer's quantity.
    """

    def __init__(self, inst: Instance, lay: Layout, limit: np.ndarray, upper: np.ndarray):
        self.inst, self.lay = inst, lay
        self.h = new_highs()
        self.h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.h.setOptionValue("run_crossover", "off")
        self.row_scale = np.where(limit > 0, limit, 1.0)
        self.h.addRows(lay.rows, np.full(lay.rows, -INF), upper / self.row_scale, 0,
                       np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0))
        self.static, self.buy_scale = 0, np.zeros(0)
        if lay.purchases is not None:
            self._add_buys(inst, lay)
        none = np.zeros(0, np.int64)
        self.cols = make_columns(inst, supplies(inst), none, none, none, none)  # none yet
        self.col_scale = np.zeros(0)
        self.keys = np.zeros(0, np.int64)  # sorted, for dedupe
        self.closed = np.zeros(0, dtype=bool)  # columns held at zero (a closed hub-week)
        self.solved = False
        self.has_basis = False  # after simplex or crossover, not after interior point alone

    def _add_buys(self, inst: Instance, lay: Layout) -> None:
        pur = lay.purchases
        nb = len(pur.fund)
        src, dst = pur.carries()
        nz = len(src)
        scale = np.concatenate([inst.offer_max[pur.offer], inst.offer_max[pur.class_offer[src]]])
        scale = np.where(scale > 0, scale, 1.0)
        b = np.arange(nb)
        rows = np.concatenate([lay.offer0 + pur.offer, lay.fund0 + pur.fund,
                               lay.class0 + pur.klass, lay.class0 + src, lay.class0 + dst])
        cols = np.concatenate([b, b, b, nb + np.arange(nz), nb + np.arange(nz)])
        vals = np.concatenate([np.ones(nb), inst.offer_price[pur.offer], -np.ones(nb),
                               np.ones(nz), -np.ones(nz)])
        vals = vals * scale[cols] / self.row_scale[rows]
        order = np.argsort(cols, kind="stable")
        rows, cols, vals = rows[order], cols[order], vals[order]
        m = nb + nz
        starts = np.searchsorted(cols, np.arange(m)).astype(np.int32)
        self.h.addCols(m, np.zeros(m), np.zeros(m), np.full(m, INF), len(vals), starts,
                       rows.astype(np.int32), vals)
        self.static, self.buy_scale = m, scale[:nb]

    def buys(self) -> np.ndarray:
        """The buys' quantities in the last solution (purchase.Purchases order)."""
        nb = len(self.buy_scale)
        if not nb or not self.solved:
            return np.zeros(nb)
        return np.maximum(np.asarray(self.h.getSolution().col_value[:nb]), 0.0) * self.buy_scale

    def __len__(self) -> int:
        return len(self.cols)

    def _key(self, cols: Columns) -> np.ndarray:
        inst = self.inst
        k = cols.supply * len(inst.need_ids) + cols.need
        return (k * max(len(inst.hub_ids), 1) + cols.hub) * (inst.horizon + 2) + cols.ship

    def add(self, cols: Columns) -> int:
        """Add the columns not held yet; return how many."""
        keys, first = np.unique(self._key(cols), return_index=True)
        pos = np.minimum(np.searchsorted(self.keys, keys), max(len(self.keys) - 1, 0))
        new = ~(self.keys[pos] == keys) if len(self.keys) else np.ones(len(keys), dtype=bool)
        cols = select(cols, first[new])
        m = len(cols)
        if m == 0:
            return 0
        # free columns: whatever bounds they came with (a greedy plan's are its quantities)
        cols = replace(cols, lower=np.zeros(m), upper=np.full(m, np.inf))
        rows, col, val = coefficients(self.inst, self.lay, cols)
        # divisible columns in units of their need's quantity (litres, rounds); indivisible
        # ones in whole units, so that a MIP can be run on this very model
        scale = np.where(self.inst.item_indivisible[cols.item], 1.0,
                         self.inst.need_qty[cols.need])
        val = val * scale[col] / self.row_scale[rows]
        starts = np.searchsorted(col, np.arange(m)).astype(np.int32)
        self.h.addCols(m, cols.unit_value * scale, np.zeros(m), np.full(m, INF), len(val),
                       starts, rows.astype(np.int32), val)
        self.cols = concat(self.cols, cols)
        self.col_scale = np.concatenate([self.col_scale, scale])
        self.keys = np.union1d(self.keys, keys[new])
        self.closed = np.concatenate([self.closed, np.zeros(m, dtype=bool)])
        return m

    def solve(self, method: str, time_limit: float) -> highspy.HighsModelStatus:
        """``ipm`` (no crossover), ``primal`` or ``dual`` simplex (warm from the last basis)."""
        h = self.h
        # HiGHS's time limit counts from the object's first run, not this one's
        h.setOptionValue("time_limit", h.getRunTime() + max(float(time_limit), 0.01))
        h.setOptionValue("solver", "ipm" if method == "ipm" else "simplex")
        # dual: the parallel one (PAMI), faster than the serial one on warm re-plans
        h.setOptionValue("simplex_strategy", {"primal": 4, "dual": 3}.get(method, 1))
        # presolve off keeps the basis (there is none before the first solve)
        h.setOptionValue("presolve", "on" if method == "ipm" or not self.solved else "off")
        h.run()
        self.solved = True
        status = h.getModelStatus()
        self.has_basis = method != "ipm" and status == highspy.HighsModelStatus.kOptimal
        return status

    def solution(self) -> highspy.HighsSolution:
        """The last solution, kept for :meth:`crossover` after a later solve failed."""
        return self.h.getSolution()

    def truncate(self, n: int) -> None:
        """Drop every column after the first ``n`` (those added for a master that failed)."""
        m = len(self)
        if n >= m:
            return
        self.h.deleteCols(m - n, np.arange(self.static + n, self.static + m, dtype=np.int32))
        self.cols = select(self.cols, np.arange(n))
        self.col_scale, self.closed = self.col_scale[:n], self.closed[:n]
        self.keys = np.unique(self._key(self.cols))
        self.has_basis = False

    def crossover(self, time_limit: float, solution: highspy.HighsSolution | None = None
                  ) -> bool:
        """From an interior point (the last one, or ``solution``) to a vertex (and a basis
        for warm starts). When crossover stops short ("warning", dual infeasibilities left),
        primal simplex from its basis finishes it, quickly; else rounding would face an
        interior point (far more fractional columns)."""
        h = self.h
        status = h.crossover(h.getSolution() if solution is None else solution)
        self.has_basis = status == highspy.HighsStatus.kOk
        if not self.has_basis and h.getBasis().valid:
            self.solve("primal", time_limit)
        return self.has_basis

    def value(self) -> float:
        """The master's objective (without the fixed allocations)."""
        return float(self.h.getInfo().objective_function_value)

    def x(self) -> np.ndarray:
        """The master's solution, unscaled."""
        if len(self) == 0:
            return np.zeros(0)
        value = np.asarray(self.h.getSolution().col_value)[self.static :]
        return np.maximum(value, 0.0) * self.col_scale

    def y(self) -> np.ndarray:
        """The master's row duals, unscaled."""
        return np.maximum(np.asarray(self.h.getSolution().row_dual), 0.0) / self.row_scale

    def set_row_upper(self, rows: np.ndarray, upper: np.ndarray) -> None:
        """New upper bounds for ``rows`` (a re-plan's change)."""
        rows = np.asarray(rows, dtype=np.int32)
        self.h.changeRowsBounds(len(rows), rows, np.full(len(rows), -INF),
                                np.asarray(upper, float) / self.row_scale[rows])

    def close(self, mask: np.ndarray) -> None:
        """Hold the columns of ``mask`` at zero."""
        idx = np.nonzero(mask & ~self.closed)[0].astype(np.int32)
        self.closed |= mask
        idx += self.static
        self.h.changeColsBounds(len(idx), idx, np.zeros(len(idx)), np.zeros(len(idx)))

    def columns(self) -> Columns:
        """The columns held, their upper bounds zero where closed."""
        return replace(self.cols, upper=np.where(self.closed, 0.0, self.cols.upper))
