"""The optimal plan with HiGHS (``highspy``): the LP relaxation for the bound, then, when some
items are indivisible, the LP rounded to whole units and repaired.

The LP is the pledge-level one of build/model.py. Up to ``FULL_COLUMNS`` feasible columns it is
built whole and solved by primal simplex (faster than dual or interior point on the demo).
Beyond, by column generation, with purchases by offer (build/purchase.py): the master LP starts
from the greedy plan's columns and the best column of each supply and need at zero prices,
then takes the columns that price out (pricing.Pricer) until the Lagrangian bound is within a
quarter of the gap of the master's value. From ``TRANSPORT_PAIRS`` (supply, need) pairs on,
the columns and the bound come from the transportation subproblem instead (transport.py: need
and pledge rows kept, far tighter than the pricer's bound on large instances), also solved at zero
prices for the first master, each of its pairs through its two best hubs; a re-plan still
prices first, and solves the subproblem only when that leaves the gap open. Interior point
without crossover solves the masters (cold or warm, simplex took many times as long), and one
crossover at the end gives the vertex that rounding wants and the basis that warm re-plans
(replan.py) start from. A master that fails (out of time) is dropped with its new columns,
and the last one stands. docs/solver.md has the measured figures behind these choices.

Rounding and repair are in rounding.py. The gap is always measured against the LP bound, or
the MIP's dual bound when the model held every column. Greedy is the fallback when HiGHS has
nothing usable.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import highspy
import numpy as np

from ..build.instance import Instance
from ..build.model import layout, model_of, row_limits
from ..build.purchase import aggregate, disaggregate, offer_supplies, purchases
from ..build.supply import (
    concat,
    count_columns,
    fixed_columns,
    free_columns,
    make_columns,
    select,
    supplies,
)
from ..repair.greedy import solve_greedy
from ..repair.rounding import clean, fill, round_and_repair, within_rows
from ..result import PlanResult, Status
from .master import Master
from .pricing import Priced, Pricer
from .transport import Transport

DEFAULT_GAP = 1e-4
DEFAULT_TIME_LIMIT = 60.0
# Up to this many feasible columns the model is built whole (the demo at scale 1 is).
FULL_COLUMNS = 400_000
# Above this many feasible columns even pricing them is too slow: the greedy plan is returned,
# and the status says so (generated scale 10 is well below).
MAX_COLUMNS = 2_000_000_000
# From this many (supply, need) pairs on, columns come from the transportation subproblem
# (transport.py); below, from the pricer at the master's prices. Above it the subproblem
# closes the gap much sooner; below, the pricer converges as fast, and re-plans from its
# master are faster.
TRANSPORT_PAIRS = 100_000
# Columns whose reduced cost is within this of zero (in value per need's whole quantity) join
# the repair after the LP.
NEAR = 0.05
# Enough for crossover, the near columns and the repair on the largest instance measured;
# any more kept from column generation would cost it its second master.
RESERVE = 20.0
# A warm re-plan's dual simplex gets this share of the time limit, then interior point the rest
# (on a large master a hub closure can keep the dual simplex going without an end where
# interior point finishes); elsewhere the dual simplex ends well within that share.
DUAL_SHARE = 0.15


def _too_large(inst: Instance, columns: int, t0: float, with_greedy: bool) -> PlanResult:
    greedy = solve_greedy(inst)
    res = PlanResult(inst, greedy.cols, greedy.quantity, Status.ERROR, float(inst.total_weight))
    res.note = (f"the model would have {columns:,} columns, more than the {MAX_COLUMNS:,} this "
                "solver builds; this is the greedy plan, bounded only by full coverage")
    res.greedy_value = greedy.value if with_greedy else None
    res.stats = {"columns_estimated": columns}
    res.seconds = time.perf_counter() - t0
    return res


class Planner:
    """One instance's solve, kept so that it can be re-planned warm (replan.py): the master LP
    (with its basis), the pricer, and the limits."""

    def __init__(self, inst: Instance, time_limit: float = DEFAULT_TIME_LIMIT,
                 gap: float = DEFAULT_GAP, with_greedy: bool = True,
                 progress: Callable[[str, int], None] | None = None, sup=None,
                 columns: int | None = None):
        self.t0 = time.perf_counter()
        self.say = progress or (lambda phase, percent: None)
        self.inst, self.time_limit, self.gap, self.with_greedy = inst, time_limit, gap, with_greedy
        self.pairs = supplies(inst) if sup is None else sup  # pledges and (fund, offer) pairs
        self.count = count_columns(inst, self.pairs) if columns is None else columns
        self.complete = self.count <= FULL_COLUMNS  # every column in the master
        self.stats: dict = {"columns_feasible": self.count}
        if self.complete:
            self.sup, self.purchases = self.pairs, None
        else:  # priced: purchases by offer (purchase.py)
            self.purchases = purchases(inst, self.pairs)
            self.sup = offer_supplies(inst, self.pairs, self.purchases)
        self.lay = layout(inst, self.purchases)
        limit, self.upper, self.fixed_value = row_limits(inst, self.lay)
        self.fixed = fixed_columns(inst).columns
        self.master = Master(inst, self.lay, limit, self.upper)
        self.pricer = None if self.complete else Pricer(inst, self.sup, self.lay, self.upper)
        # Pairs priced in per iteration: interior point time grows faster than the master,
        # so about its rows.
        self.per_iteration = max(2 * self.lay.rows, 5000)
        self.greedy: PlanResult | None = None
        self.bound = np.inf
        self.lp_bound: float | None = None
        self.lp_ok = False
        self.projected = False  # the LP is the last one, cut down to the new limits
        self.x_lp = self.y_lp = None  # the last LP solution and its duals
        self.buys = np.zeros(0)  # and its buys (purchases by offer)
        self.transport: Transport | None = None  # the Lagrangian subproblem (transport.py)
        self.use_transport = (self.pricer is not None
                              and len(self.pricer.pair_u) >= TRANSPORT_PAIRS)

    @property
    def deadline(self) -> float:
        return self.t0 + self.time_limit

    @property
    def reserve(self) -> float:
        """The time kept for crossover, rounding and repair: at most ``RESERVE``."""
        return min(0.25 * self.time_limit, RESERVE)

    def run(self) -> PlanResult:
        """The first solve."""
        t = time.perf_counter()
        if self.with_greedy or not self.complete:
            self.say("the greedy plan, for comparison", 20)
            self.greedy = solve_greedy(self.inst)
        self.stats["greedy_s"] = time.perf_counter() - t
        t = time.perf_counter()
        self.say(f"building the model ({self.count:,} feasible columns)", 22)
        bound = np.inf
        if self.complete:
            self.master.add(free_columns(self.inst, self.sup))
        else:  # the greedy plan's columns, and each supply's and need's best at zero prices
            if self.greedy is not None:
                free = select(self.greedy.cols, ~self.greedy.cols.fixed)
                self.master.add(aggregate(self.inst, self.sup, free))
            zero = np.zeros(self.lay.rows)
            best = self.pricer.price(zero, top=1, weeks=1, limit=self.per_iteration)
            self._add(best)
            if self.use_transport:
                # and the subproblem's at zero prices (and its bound), through each pair's
                # two best hubs: the LP in fewer masters than through its best hub only
                tol = 0.05 * self.gap * float(self.inst.total_weight)
                sub = self._subproblem(zero, best, tol, hubs=2)
                self._add(sub)
                bound = sub.bound + self.fixed_value
        self.stats["build_s"] = time.perf_counter() - t
        self.say("solving the LP relaxation (the bound)", 25)
        self.lp(warm=False, bound=bound)
        self.say("rounding to whole units and repairing", 50)
        return self.finish()

    def _add(self, priced: Priced) -> int:
        cols = make_columns(self.inst, self.sup, priced.supply, priced.need, priced.hub,
                            priced.ship)
        return self.master.add(cols)

    def _subproblem(self, y: np.ndarray, priced: Priced | None, tol: float,
                    hubs: int = 1) -> Priced:
        """The Lagrangian bound at ``y`` by the transportation subproblem (transport.py), within
        ``tol``, and its columns. A new subproblem (the first, or limits or pairs changed by
        a re-plan) starts from the master's pairs and ``priced``'s."""
        pricer = self.pricer
        if self.transport is None or not self.transport.fits(pricer):
            self.transport = pricer.transport()
            seed = pricer.pairs_of(self.master.cols.supply, self.master.cols.need)
            if priced is not None:
                seed = np.union1d(seed, pricer.pairs_of(priced.supply, priced.need))
            seed = seed[seed >= 0]
        else:  # its working sets stand
            seed = np.zeros(0, np.int64)
        return pricer.lagrangian(y, self.transport, seed, self.deadline - self.reserve, tol,
                                 hubs=hubs)

    def _closed(self, value: float) -> bool:
        """Whether the bound is within a quarter of the gap of the master's ``value``."""
        return bool(np.isfinite(self.bound)
                    and self.bound - value <= 0.25 * self.gap * max(self.bound, 1e-12))

    def lp(self, warm: bool, bound: float = np.inf) -> None:
        """Solve the master (warm: from its basis, after a change) and, unless it holds every
        column, generate columns until the bound is within a quarter of the gap, or until
        less time is left than the last master took (each is larger), or a master fails
        (out of time): then the last one stands, its solution kept for crossover.
        ``bound``: one already proven for this instance (the subproblem's at zero prices)."""
        t, master = time.perf_counter(), self.master
        reserve = self.reserve

        def time_left() -> float:  # for the LP: the reserve is kept
            return self.deadline - reserve - time.perf_counter()

        # a re-plan's changes only take away (a pledge, hub-weeks): the last LP solution,
        # cut down to the new limits, is a plan, and its bound still holds
        previous = (self.x_lp, self.buys, self.bound) if warm and self.lp_ok else None
        self.projected = False
        self.bound, self.lp_ok, iterations, pricing = bound, False, 0, 0.0
        method = ("dual" if warm else "primal") if self.complete or warm else "ipm"
        if warm and not self.complete and not master.has_basis:
            method = "ipm"  # the first solve stopped before its crossover: no basis to use
        last, solve_s, last_s = None, 0.0, 0.0  # the last optimal master: (x, y, buys)
        solution = None  # and its HiGHS solution, for crossover after a later one failed
        while True:
            left = time_left()
            if last is not None and left < solve_s:  # each master is larger than the last
                self.stats["lp_stopped"] = "time"
                break
            iterations += 1
            s0 = time.perf_counter()
            if method == "dual":  # a warm re-plan: from the last basis, for a share of the time
                status = master.solve(method, min(left, DUAL_SHARE * self.time_limit))
                if status not in (highspy.HighsModelStatus.kOptimal,
                                  highspy.HighsModelStatus.kModelEmpty):
                    method = "ipm"  # and a crossover after it
                    status = master.solve(method, time_left())
            else:
                status = master.solve(method, left)
            solve_s = time.perf_counter() - s0
            if status == highspy.HighsModelStatus.kModelEmpty:  # no column at all
                last = (np.zeros(0), np.zeros(self.lay.rows), np.zeros(0))
                self.bound = self.fixed_value
                break
            if status != highspy.HighsModelStatus.kOptimal:
                self.stats["lp_status"] = master.h.modelStatusToString(status)
                break
            last = (master.x(), master.y(), master.buys())
            solution, last_s = (master.solution() if method == "ipm" else None), solve_s
            value = master.value() + self.fixed_value
            if self.complete:
                self.bound = value
                break
            p = time.perf_counter()
            new: list[Priced] = []
            priced = None
            if warm or not self.use_transport:
                # the master's own prices: below TRANSPORT_PAIRS all it takes, and in a
                # re-plan they find its few new columns cheaply
                priced = self.pricer.price(last[1], limit=self.per_iteration)
                self.bound = min(self.bound, priced.bound + self.fixed_value)
                new.append(priced)
            if self.use_transport and not self._closed(value):
                # The subproblem's bound is far tighter than the pricer's, and its pairs
                # are the columns the master wants (priced columns alone stay short).
                sub = self._subproblem(last[1], priced, 0.05 * self.gap * value)
                self.bound = min(self.bound, sub.bound + self.fixed_value)
                new.append(sub)
            pricing += time.perf_counter() - p
            if self._closed(value):
                break
            if time_left() < solve_s:
                self.stats["lp_stopped"] = "time"  # the next would not be solved in time
                break
            if sum(self._add(q) for q in new) == 0:
                break
            if warm and method != "ipm":
                method = "primal"  # columns added: the basis stays primal feasible
        self.lp_ok = last is not None
        if self.lp_ok and len(master) > len(last[0]):
            # columns added for a master that failed or never ran: the last one stands
            master.truncate(len(last[0]))
        self.x_lp = None if last is None else last[0]
        self.y_lp = None if last is None else last[1]
        self.buys = np.zeros(0) if last is None else last[2]
        left = time_left()
        if self.lp_ok and method == "ipm":
            # crossover takes a fraction of an interior solve; it may take three quarters of
            # the reserve, as rounding from an interior point costs more (the LP rounded down
            # from it lost much of its value)
            if solution is not None and left + 0.75 * reserve > 0.25 * last_s:
                c = time.perf_counter()
                if master.crossover(left + 0.75 * reserve, solution):
                    self.x_lp, self.buys = master.x(), master.buys()
                self.stats["crossover_s"] = time.perf_counter() - c
            else:  # an interior point: what is almost zero is zero (every row still holds)
                scale = master.col_scale[: len(self.x_lp)]
                self.x_lp = np.where(self.x_lp > 1e-6 * scale, self.x_lp, 0.0)
        self.lp_bound = self.bound if self.lp_ok else None
        if self.lp_ok and not self.complete and left > 0:
            self._near(last[1], reserve)
        if previous is not None and not self.lp_ok:
            # a warm LP that runs out of time would otherwise leave only the greedy plan, far
            # below
            self.x_lp, self.buys, self.bound = previous
            self.lp_ok = self.projected = True
            self.stats["lp_fallback"] = "the last plan's LP, cut down to the new limits"
        self.stats.update(lp_s=time.perf_counter() - t, lp_iterations=iterations,
                          pricing_s=pricing, lp_method=method)

    def _near(self, y: np.ndarray, reserve: float) -> None:
        """Columns nearly as good as the LP's at duals ``y``, for the repair MIPs to move
        whole units around full hub-weeks (the gap closes with them, not without). Some of
        them price out: primal simplex from the basis takes them in, so that the basis a
        re-plan starts from is dual feasible again (else its dual simplex runs long)."""
        master = self.master
        added = self._add(self.pricer.price(y, top=3, weeks=2, tol=-NEAR))
        left = self.deadline - reserve - time.perf_counter()
        if added and master.has_basis and left > 0:
            s0 = time.perf_counter()
            if master.solve("primal", left) == highspy.HighsModelStatus.kOptimal:
                self.x_lp, self.buys = master.x(), master.buys()
            self.stats["lp_near_s"] = time.perf_counter() - s0
        elif added:
            # no time to take them in: a re-plan's dual simplex from this basis ran out of
            # time where interior point from scratch finished
            master.has_basis = False

    def finish(self) -> PlanResult:
        """Round and repair the master's LP solution into a plan; status and gap."""
        inst, stats, gap = self.inst, self.stats, self.gap
        held = np.zeros(len(self.master))
        if self.lp_ok:
            held[: len(self.x_lp)] = self.x_lp
        cols = self.master.columns()
        if self.purchases is not None:  # back to (fund, offer) columns
            cols, held = disaggregate(inst, self.pairs, self.purchases, cols, held, self.buys)
        cols = concat(cols, self.fixed)
        model = model_of(inst, self.pairs, cols)
        rows, ncols = model.shape
        stats.update(rows=rows, columns=ncols, nonzeros=int(model.matrix.nnz))
        trivial = float(inst.total_weight)  # coverage 1.0 bounds every plan
        status, x, bound = Status.ERROR, None, trivial
        if self.lp_ok:
            bound = min(self.bound, trivial)
            x_lp = np.concatenate([held, self.fixed.lower])
            if self.projected:
                x_lp = within_rows(model, x_lp)
            if not model.integer.any():  # the LP is the plan (the last one's, filled up)
                status, x = Status.OPTIMAL, x_lp
                if self.projected:
                    status, x = Status.TIME_LIMIT, fill(model, x_lp)
            else:
                t = time.perf_counter()
                x, dual, status = round_and_repair(model, x_lp, bound, gap, self.deadline,
                                                    stats)
                stats["repair_s"] = time.perf_counter() - t
                if dual is not None and self.complete:  # else it bounds the columns held only
                    bound = min(bound, dual)
        elif stats.get("lp_status") == "Time limit reached":
            status = Status.TIME_LIMIT
        greedy = self.greedy if self.with_greedy else None
        if (x is None or self.projected) and self.greedy is None:
            # a re-plan skips greedy, but needs a fallback
            greedy = self.greedy = solve_greedy(inst)
        note, res = "", None
        if x is not None:
            res = PlanResult(inst, cols, clean(model, x), status, bound, lp_bound=self.lp_bound)
        if greedy is not None and (res is None or res.value < greedy.value - 1e-9):
            note = "the solver returned no better plan; this is the greedy plan"
            res = PlanResult(inst, greedy.cols, greedy.quantity, status, bound,
                             lp_bound=self.lp_bound)
        if res is None:
            res = PlanResult(inst, cols, np.zeros(ncols), Status.ERROR, bound,
                             lp_bound=self.lp_bound)
        # The status says what the bound proves about the plan returned.
        if res.status == Status.OPTIMAL or note or self.projected:
            if res.gap <= 1e-9:
                res.status = Status.OPTIMAL
            elif res.gap <= gap + 1e-9:
                res.status = Status.GAP_LIMIT
            elif self.projected:  # the LP ran out of time
                res.status = Status.TIME_LIMIT
            elif res.status != Status.TIME_LIMIT:
                res.status = Status.ERROR
        res.note = note
        res.stats = dict(stats)
        res.greedy_value = greedy.value if greedy is not None else None
        res.seconds = time.perf_counter() - self.t0
        return res


def solve(
    inst: Instance,
    time_limit: float = DEFAULT_TIME_LIMIT,
    gap: float = DEFAULT_GAP,
    with_greedy: bool = True,
    progress: Callable[[str, int], None] | None = None,
) -> PlanResult:
    """The optimal plan of ``inst`` (within ``gap``), with the LP bound and the greedy value.

    ``progress(phase, percent)`` is told each phase as it starts (the plan's page shows it).
    """
    t0 = time.perf_counter()
    (progress or (lambda phase, percent: None))("counting the columns", 10)
    sup = supplies(inst)
    columns = count_columns(inst, sup)
    if columns > MAX_COLUMNS:
        return _too_large(inst, columns, t0, with_greedy)
    planner = Planner(inst, time_limit, gap, with_greedy, progress, sup=sup, columns=columns)
    planner.t0 = t0
    return planner.run()
