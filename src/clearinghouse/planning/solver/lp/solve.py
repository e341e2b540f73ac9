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
from dataclasses import dataclass, field

import highspy
import numpy as np

from ..build.instance import Instance
from ..build.model import ROW_KINDS, Layout, Model, layout, model_of, row_limits
from ..build.purchase import Purchases, aggregate, disaggregate, offer_supplies, purchases
from ..build.supply import (
    Columns,
    Supplies,
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


def _within(value: float, bound: float, gap: float) -> bool:
    """Whether ``value`` is within ``gap`` of ``bound`` (relative)."""
    return bound - float(value) <= gap * max(bound, 1e-12)


def _too_large(inst: Instance, columns: int, t0: float, with_greedy: bool) -> PlanResult:
    greedy = solve_greedy(inst)
    res = PlanResult(inst, greedy.cols, greedy.quantity, Status.ERROR, float(inst.total_weight))
    res.note = (f"the model would have {columns:,} columns, more than the {MAX_COLUMNS:,} this "
                "solver builds; this is the greedy plan, bounded only by full coverage")
    res.greedy_value = greedy.value if with_greedy else None
    res.stats = {"columns_estimated": columns}
    res.seconds = time.perf_counter() - t0
    return res


@dataclass
class Built:
    """What the build stage made of the instance for this solve. Re-plans lower ``upper`` in
    place (replan.py); the rest stays."""

    pairs: Supplies  # pledges and (fund, offer) pairs, as the contract has them
    count: int  # feasible columns
    complete: bool  # every column in the master (else column generation)
    sup: Supplies  # the master's supplies: ``pairs``, or purchases by offer
    purchases: Purchases | None  # purchases by offer (build/purchase.py), when priced
    lay: Layout
    limit: np.ndarray  # each row's limit (the master's scaling)
    upper: np.ndarray  # each row's upper bound, the fixed allocations taken out
    fixed_value: float  # the fixed allocations' value
    fixed: Columns  # the fixed allocations' columns

    @property
    def buys(self) -> bool:
        """Whether the master buys by offer (its columns are then flows, not the plan's)."""
        return self.purchases is not None and len(self.purchases.fund) > 0


@dataclass
class Limits:
    """The solve's clock and targets."""

    t0: float  # when the solve (or the re-plan) started
    time_limit: float
    gap: float

    @property
    def deadline(self) -> float:
        """When the solve must end."""
        return self.t0 + self.time_limit

    @property
    def reserve(self) -> float:
        """The time kept for crossover, rounding and repair: at most ``RESERVE``."""
        return min(0.25 * self.time_limit, RESERVE)


@dataclass
class Generation:
    """The LP's solvers: the master (with its basis), and, when priced, the pricer and the
    transportation subproblem."""

    master: Master
    pricer: Pricer | None
    per_iteration: int  # pairs priced in per iteration
    use_transport: bool  # columns from the subproblem (``TRANSPORT_PAIRS`` on)
    transport: Transport | None = None  # the Lagrangian subproblem (transport.py)


@dataclass
class LastLP:
    """The last LP solved: its solution, duals and buys, and what it proves."""

    bound: float = np.inf
    lp_bound: float | None = None  # the bound, once an LP was solved
    ok: bool = False  # an LP solution is held
    projected: bool = False  # the LP is the last one, cut down to the new limits
    x: np.ndarray | None = None  # the last LP solution
    y: np.ndarray | None = None  # and its duals
    buys: np.ndarray = field(default_factory=lambda: np.zeros(0))  # purchases by offer


@dataclass
class _Round:
    """One loop of :meth:`Planner.lp`: the method, the last optimal master (x, y, buys) and
    its HiGHS solution (for crossover after a later master failed), the seconds."""

    method: str
    last: tuple | None = None
    solution: highspy.HighsSolution | None = None
    solve_s: float = 0.0  # the last master's solve
    last_s: float = 0.0  # the last optimal master's
    iterations: int = 0
    pricing: float = 0.0


class Planner:
    """One instance's solve, kept so that it can be re-planned warm (replan.py). Its state, in
    parts: ``built`` (the model's pieces), ``limits`` (time and gap), ``gen`` (the master LP
    with its basis, the pricer, the subproblem), ``last`` (the last LP and its bound); then
    the greedy plan and the statistics."""

    def __init__(self, inst: Instance, time_limit: float = DEFAULT_TIME_LIMIT,
                 gap: float = DEFAULT_GAP, with_greedy: bool = True,
                 progress: Callable[[str, int], None] | None = None,
                 sup: Supplies | None = None, columns: int | None = None):
        self.limits = Limits(time.perf_counter(), time_limit, gap)
        self.say = progress or (lambda phase, percent: None)
        self.inst, self.with_greedy = inst, with_greedy
        self.built = self._build(inst, sup, columns)
        self.stats: dict = {"columns_feasible": self.built.count}
        self.gen = self._generation(inst, self.built)
        self.last = LastLP()
        self.greedy: PlanResult | None = None

    @staticmethod
    def _build(inst: Instance, sup: Supplies | None, columns: int | None) -> Built:
        pairs = supplies(inst) if sup is None else sup
        count = count_columns(inst, pairs) if columns is None else columns
        complete = count <= FULL_COLUMNS
        if complete:
            master_sup, pur = pairs, None
        else:  # priced: purchases by offer (purchase.py)
            pur = purchases(inst, pairs)
            master_sup = offer_supplies(inst, pairs, pur)
        lay = layout(inst, pur)
        limit, upper, fixed_value = row_limits(inst, lay)
        return Built(pairs, count, complete, master_sup, pur, lay, limit, upper, fixed_value,
                     fixed_columns(inst).columns)

    @staticmethod
    def _generation(inst: Instance, b: Built) -> Generation:
        master = Master(inst, b.lay, b.limit, b.upper)
        pricer = None if b.complete else Pricer(inst, b.sup, b.lay, b.upper)
        # Pairs priced in per iteration: interior point time grows faster than the master,
        # so about its rows.
        per_iteration = max(2 * b.lay.rows, 5000)
        use_transport = pricer is not None and len(pricer.pair_u) >= TRANSPORT_PAIRS
        return Generation(master, pricer, per_iteration, use_transport)

    # The parts tests, benchmarks and re-plans read by name.
    @property
    def master(self) -> Master:
        """``gen.master``."""
        return self.gen.master

    @property
    def pricer(self) -> Pricer | None:
        """``gen.pricer``."""
        return self.gen.pricer

    @property
    def transport(self) -> Transport | None:
        """``gen.transport``."""
        return self.gen.transport

    @property
    def pairs(self) -> Supplies:
        """``built.pairs``."""
        return self.built.pairs

    @property
    def sup(self) -> Supplies:
        """``built.sup``."""
        return self.built.sup

    @property
    def purchases(self) -> Purchases | None:
        """``built.purchases``."""
        return self.built.purchases

    @property
    def lay(self) -> Layout:
        """``built.lay``."""
        return self.built.lay

    @property
    def upper(self) -> np.ndarray:
        """``built.upper``."""
        return self.built.upper

    @property
    def fixed(self) -> Columns:
        """``built.fixed``."""
        return self.built.fixed

    @property
    def fixed_value(self) -> float:
        """``built.fixed_value``."""
        return self.built.fixed_value

    @property
    def x_lp(self) -> np.ndarray | None:
        """``last.x``."""
        return self.last.x

    @property
    def y_lp(self) -> np.ndarray | None:
        """``last.y``."""
        return self.last.y

    @property
    def lp_bound(self) -> float | None:
        """``last.lp_bound``."""
        return self.last.lp_bound

    def run(self) -> PlanResult:
        """The first solve."""
        t = time.perf_counter()
        if self.with_greedy or not self.built.complete:
            self.say("the greedy plan, for comparison", 20)
            self.greedy = solve_greedy(self.inst)
        self.stats["greedy_s"] = time.perf_counter() - t
        t = time.perf_counter()
        self.say(f"building the model ({self.built.count:,} feasible columns)", 22)
        bound = self._first_columns()
        self.stats["build_s"] = time.perf_counter() - t
        self.say("solving the LP relaxation (the bound)", 25)
        self.lp(warm=False, bound=bound)
        self.say("rounding to whole units and repairing", 50)
        return self.finish()

    def _first_columns(self) -> float:
        """The first master's columns: every column when the model is built whole; else the
        greedy plan's, and each supply's and need's best at zero prices. Returns a bound
        already proven (the subproblem's at zero prices), or infinity."""
        if self.built.complete:
            self.master.add(free_columns(self.inst, self.built.sup))
            return np.inf
        if self.greedy is not None:
            free = select(self.greedy.cols, ~self.greedy.cols.fixed)
            self.master.add(aggregate(self.inst, self.built.sup, free))
        zero = np.zeros(self.built.lay.rows)
        best = self.gen.pricer.price(zero, top=1, weeks=1, limit=self.gen.per_iteration)
        self._add(best)
        if not self.gen.use_transport:
            return np.inf
        # and the subproblem's at zero prices (and its bound), through each pair's two best
        # hubs: the LP in fewer masters than through its best hub only
        tol = 0.05 * self.limits.gap * float(self.inst.total_weight)
        sub = self._subproblem(zero, best, tol, hubs=2)
        self._add(sub)
        return sub.bound + self.built.fixed_value

    def _add(self, priced: Priced) -> int:
        cols = make_columns(self.inst, self.built.sup, priced.supply, priced.need, priced.hub,
                            priced.ship)
        return self.master.add(cols)

    def _subproblem(self, y: np.ndarray, priced: Priced | None, tol: float,
                    hubs: int = 1) -> Priced:
        """The Lagrangian bound at ``y`` by the transportation subproblem (transport.py), within
        ``tol``, and its columns. A new subproblem (the first, or limits or pairs changed by
        a re-plan) starts from the master's pairs and ``priced``'s."""
        pricer, gen = self.gen.pricer, self.gen
        if gen.transport is None or not gen.transport.fits(pricer):
            gen.transport = pricer.transport()
            seed = pricer.pairs_of(self.master.cols.supply, self.master.cols.need)
            if priced is not None:
                seed = np.union1d(seed, pricer.pairs_of(priced.supply, priced.need))
            seed = seed[seed >= 0]
        else:  # its working sets stand
            seed = np.zeros(0, np.int64)
        return pricer.lagrangian(y, gen.transport, seed,
                                 self.limits.deadline - self.limits.reserve, tol, hubs=hubs)

    def _closed(self, value: float) -> bool:
        """Whether the bound is within a quarter of the gap of the master's ``value``."""
        bound = self.last.bound
        return bool(np.isfinite(bound)
                    and bound - value <= 0.25 * self.limits.gap * max(bound, 1e-12))

    def _time_left(self) -> float:
        """The time left for the LP: the reserve is kept."""
        return self.limits.deadline - self.limits.reserve - time.perf_counter()

    def lp(self, warm: bool, bound: float = np.inf) -> None:
        """Solve the master (warm: from its basis, after a change) and, unless it holds every
        column, generate columns until the bound is within a quarter of the gap, or until
        less time is left than the last master took (each is larger), or a master fails
        (out of time): then the last one stands, its solution kept for crossover.
        ``bound``: one already proven for this instance (the subproblem's at zero prices)."""
        t, last = time.perf_counter(), self.last
        # a re-plan's changes only take away (a pledge, hub-weeks): the last LP solution,
        # cut down to the new limits, is a plan, and its bound still holds
        previous = (last.x, last.buys, last.bound) if warm and last.ok else None
        last.projected = False
        last.bound, last.ok = bound, False
        rnd = _Round(self._method(warm))
        self._generate(rnd, warm)
        self._keep(rnd)
        left = self._time_left()
        if last.ok and rnd.method == "ipm":
            self._to_vertex(rnd, left)
        last.lp_bound = last.bound if last.ok else None
        if last.ok and not self.built.complete and left > 0:
            self._near(rnd.last[1], self.limits.reserve)
        if previous is not None and not last.ok:
            # a warm LP that runs out of time would otherwise leave only the greedy plan, far
            # below
            last.x, last.buys, last.bound = previous
            last.ok = last.projected = True
            self.stats["lp_fallback"] = "the last plan's LP, cut down to the new limits"
        self.stats.update(lp_s=time.perf_counter() - t, lp_iterations=rnd.iterations,
                          pricing_s=rnd.pricing, lp_method=rnd.method)

    def _method(self, warm: bool) -> str:
        """The master's first method: primal simplex for the whole model, dual simplex from
        the basis for a re-plan, interior point for the first masters of column generation
        (and for a re-plan whose first solve stopped before its crossover: no basis)."""
        complete = self.built.complete
        method = ("dual" if warm else "primal") if complete or warm else "ipm"
        if warm and not complete and not self.master.has_basis:
            method = "ipm"
        return method

    def _generate(self, rnd: _Round, warm: bool) -> None:
        """The loop: solve the master, price, add the columns that price out, until the bound
        closes the gap, time runs short, or a master fails (``rnd`` keeps the last optimal)."""
        master, last = self.master, self.last
        while True:
            left = self._time_left()
            if rnd.last is not None and left < rnd.solve_s:  # each master is larger
                self.stats["lp_stopped"] = "time"
                break
            rnd.iterations += 1
            status = self._solve_master(rnd, left)
            if status == highspy.HighsModelStatus.kModelEmpty:  # no column at all
                rnd.last = (np.zeros(0), np.zeros(self.built.lay.rows), np.zeros(0))
                last.bound = self.built.fixed_value
                break
            if status != highspy.HighsModelStatus.kOptimal:
                self.stats["lp_status"] = master.h.modelStatusToString(status)
                break
            rnd.last = (master.x(), master.y(), master.buys())
            rnd.solution = master.solution() if rnd.method == "ipm" else None
            rnd.last_s = rnd.solve_s
            value = master.value() + self.built.fixed_value
            if self.built.complete:
                last.bound = value
                break
            p = time.perf_counter()
            new = self._price(rnd.last[1], value, warm)
            rnd.pricing += time.perf_counter() - p
            if self._closed(value):
                break
            if self._time_left() < rnd.solve_s:
                self.stats["lp_stopped"] = "time"  # the next would not be solved in time
                break
            if sum(self._add(q) for q in new) == 0:
                break
            if warm and rnd.method != "ipm":
                rnd.method = "primal"  # columns added: the basis stays primal feasible

    def _solve_master(self, rnd: _Round, left: float) -> highspy.HighsModelStatus:
        """One master solve by ``rnd.method``; a warm re-plan's dual simplex gets a share of
        the time limit, then interior point (and a crossover after it) takes over."""
        master = self.master
        s0 = time.perf_counter()
        if rnd.method == "dual":
            status = master.solve(rnd.method, min(left, DUAL_SHARE * self.limits.time_limit))
            if status not in (highspy.HighsModelStatus.kOptimal,
                              highspy.HighsModelStatus.kModelEmpty):
                rnd.method = "ipm"
                status = master.solve(rnd.method, self._time_left())
        else:
            status = master.solve(rnd.method, left)
        rnd.solve_s = time.perf_counter() - s0
        return status

    def _price(self, y: np.ndarray, value: float, warm: bool) -> list[Priced]:
        """The columns that price out at the master's duals ``y``, and the bound they prove."""
        last, gen = self.last, self.gen
        new: list[Priced] = []
        priced = None
        if warm or not gen.use_transport:
            # the master's own prices: below TRANSPORT_PAIRS all it takes, and in a
            # re-plan they find its few new columns cheaply
            priced = gen.pricer.price(y, limit=gen.per_iteration)
            last.bound = min(last.bound, priced.bound + self.built.fixed_value)
            new.append(priced)
        if gen.use_transport and not self._closed(value):
            # The subproblem's bound is far tighter than the pricer's, and its pairs
            # are the columns the master wants (priced columns alone stay short).
            sub = self._subproblem(y, priced, 0.05 * self.limits.gap * value)
            last.bound = min(last.bound, sub.bound + self.built.fixed_value)
            new.append(sub)
        return new

    def _keep(self, rnd: _Round) -> None:
        """The last optimal master stands: columns added for one that failed or never ran
        are dropped, and its solution, duals and buys are kept."""
        last, master = self.last, self.master
        last.ok = rnd.last is not None
        if last.ok and len(master) > len(rnd.last[0]):
            master.truncate(len(rnd.last[0]))
        last.x = None if rnd.last is None else rnd.last[0]
        last.y = None if rnd.last is None else rnd.last[1]
        last.buys = np.zeros(0) if rnd.last is None else rnd.last[2]

    def _to_vertex(self, rnd: _Round, left: float) -> None:
        """From the interior point to a vertex: crossover, which may take three quarters of
        the reserve (rounding from an interior point costs more), or, without the time or a
        solution, what is almost zero made zero (every row still holds)."""
        last, master, reserve = self.last, self.master, self.limits.reserve
        if rnd.solution is not None and left + 0.75 * reserve > 0.25 * rnd.last_s:
            c = time.perf_counter()
            if master.crossover(left + 0.75 * reserve, rnd.solution):
                last.x, last.buys = master.x(), master.buys()
            self.stats["crossover_s"] = time.perf_counter() - c
        else:
            scale = master.col_scale[: len(last.x)]
            last.x = np.where(last.x > 1e-6 * scale, last.x, 0.0)

    def _near(self, y: np.ndarray, reserve: float) -> None:
        """Columns nearly as good as the LP's at duals ``y``, for the repair MIPs to move
        whole units around full hub-weeks (the gap closes with them, not without). Some of
        them price out: primal simplex from the basis takes them in, so that the basis a
        re-plan starts from is dual feasible again (else its dual simplex runs long)."""
        master = self.master
        added = self._add(self.gen.pricer.price(y, top=3, weeks=2, tol=-NEAR))
        left = self.limits.deadline - reserve - time.perf_counter()
        if added and master.has_basis and left > 0:
            s0 = time.perf_counter()
            if master.solve("primal", left) == highspy.HighsModelStatus.kOptimal:
                self.last.x, self.last.buys = master.x(), master.buys()
            self.stats["lp_near_s"] = time.perf_counter() - s0
        elif added:
            # no time to take them in: a re-plan's dual simplex from this basis ran out of
            # time where interior point from scratch finished
            master.has_basis = False

    def _fill_room(self, model: Model, x: np.ndarray,
                   held: int) -> tuple[Columns, Model, np.ndarray]:
        """Whole units leave room the fractional LP did not (a hub-week too full for one more
        vehicle in the LP is free in the plan), and columns that would use it price out at no
        LP dual. Priced at the plan's own room instead (a row too full for another unit costs
        more than any column is worth, any other nothing), they are added and filled.
        ``x`` holds the master's ``held`` columns, then the fixed ones."""
        added = self._add(self.gen.pricer.price(self._room_prices(model, x), top=3, weeks=3))
        if not added:
            return model.cols, model, x
        cols = concat(self.master.columns(), self.built.fixed)
        grown = model_of(self.inst, self.built.pairs, cols)
        x = np.concatenate([x[:held], np.zeros(added), x[held:]])
        return cols, grown, fill(grown, x)

    def _room_prices(self, model: Model, x: np.ndarray) -> np.ndarray:
        """Prices of the master's rows at plan ``x``: prohibitive where a row has no room for
        one more unit of any column it holds, else zero (rows no column uses have room)."""
        lay, a = self.built.lay, model.matrix
        slack = model.row_upper - a @ x
        column = np.repeat(np.arange(model.shape[1]), np.diff(a.indptr))  # of each entry
        unit = np.where(model.integer[column], a.data, 1e-9)  # one more unit, per entry
        smallest = np.full(model.shape[0], np.inf)
        np.minimum.at(smallest, a.indices, unit)
        full = slack < np.where(np.isfinite(smallest), smallest, 0.0) - 1e-9
        hub_week = model.row_kind == ROW_KINDS.index("hub_week")
        T1 = self.inst.horizon + 1
        row = np.where(hub_week, lay.hub_week(model.row_key // T1, model.row_key % T1),
                       np.arange(model.shape[0]))  # needs, pledges, offers, funds: as laid out
        y = np.zeros(lay.rows)
        y[row[full]] = 1e6 * max(float(self.inst.total_weight), 1.0)
        return y

    def finish(self) -> PlanResult:
        """Round and repair the master's LP solution into a plan; status and gap."""
        cols, model, held = self._held_model()
        cols, model, x, status, bound = self._plan_from_lp(cols, model, held)
        greedy = self.greedy if self.with_greedy else None
        if (x is None or self.last.projected) and self.greedy is None:
            # a re-plan skips greedy, but needs a fallback
            greedy = self.greedy = solve_greedy(self.inst)
        res = self._chosen(cols, model, x, status, bound, greedy)
        self._say_status(res)
        res.stats = dict(self.stats)
        res.greedy_value = greedy.value if greedy is not None else None
        res.seconds = time.perf_counter() - self.limits.t0
        return res

    def _held_model(self) -> tuple[Columns, Model, np.ndarray]:
        """The plan's columns (the master's, purchases back to (fund, offer) columns, then the
        fixed ones), their model, and the last LP's quantities on the master's."""
        inst, last, built = self.inst, self.last, self.built
        held = np.zeros(len(self.master))
        if last.ok:
            held[: len(last.x)] = last.x
        cols = self.master.columns()
        if built.purchases is not None:
            cols, held = disaggregate(inst, built.pairs, built.purchases, cols, held, last.buys)
        cols = concat(cols, built.fixed)
        model = model_of(inst, built.pairs, cols)
        rows, ncols = model.shape
        self.stats.update(rows=rows, columns=ncols, nonzeros=int(model.matrix.nnz))
        return cols, model, held

    def _plan_from_lp(self, cols: Columns, model: Model, held: np.ndarray) -> tuple[
            Columns, Model, np.ndarray | None, Status, float]:
        """The plan the last LP gives (None without one): the LP itself, or rounded and
        repaired; with its status and the bound."""
        last, built, gap, stats = self.last, self.built, self.limits.gap, self.stats
        bound = float(self.inst.total_weight)  # coverage 1.0 bounds every plan
        if not last.ok:
            status = (Status.TIME_LIMIT if stats.get("lp_status") == "Time limit reached"
                      else Status.ERROR)
            return cols, model, None, status, bound
        bound = min(last.bound, bound)
        x_lp = np.concatenate([held, built.fixed.lower])
        if last.projected:
            x_lp = within_rows(model, x_lp)
        if not model.integer.any():  # the LP is the plan (the last one's, filled up)
            if last.projected:
                return cols, model, fill(model, x_lp), Status.TIME_LIMIT, bound
            return cols, model, x_lp, Status.OPTIMAL, bound
        t = time.perf_counter()
        x, dual, status = round_and_repair(model, x_lp, bound, gap, self.limits.deadline, stats)
        stats["repair_s"] = time.perf_counter() - t
        if dual is not None and built.complete:  # else it bounds the columns held only
            bound = min(bound, dual)
        if (not built.complete and not built.buys
                and not _within(x @ model.cols.unit_value, bound, gap)):
            # the repair proves its plan best over the columns held, not over all
            cols, model, x = self._fill_room(model, x, len(held))
        return cols, model, x, status, bound

    def _chosen(self, cols: Columns, model: Model, x: np.ndarray | None, status: Status,
                bound: float, greedy: PlanResult | None) -> PlanResult:
        """The plan returned: the solver's, or the greedy one where that is better (then
        said in its note), or none."""
        inst, lp_bound = self.inst, self.last.lp_bound
        res = None
        if x is not None:
            res = PlanResult(inst, cols, clean(model, x), status, bound, lp_bound=lp_bound)
        if greedy is not None and (res is None or res.value < greedy.value - 1e-9):
            res = PlanResult(inst, greedy.cols, greedy.quantity, status, bound,
                             lp_bound=lp_bound)
            res.note = "the solver returned no better plan; this is the greedy plan"
        if res is None:
            res = PlanResult(inst, cols, np.zeros(model.shape[1]), Status.ERROR, bound,
                             lp_bound=lp_bound)
        return res

    def _say_status(self, res: PlanResult) -> None:
        """The status says what the bound proves about the plan returned."""
        projected, gap = self.last.projected, self.limits.gap
        if not (res.status == Status.OPTIMAL or res.note or projected):
            return
        if res.gap <= 1e-9:
            res.status = Status.OPTIMAL
        elif res.gap <= gap + 1e-9:
            res.status = Status.GAP_LIMIT
        elif projected:  # the LP ran out of time
            res.status = Status.TIME_LIMIT
        elif res.status != Status.TIME_LIMIT:
            res.status = Status.ERROR

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
    planner.limits.t0 = t0
    return planner.run()
