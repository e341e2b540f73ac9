"""The optimal plan with HiGHS (``highspy``): the LP relaxation for the bound, then, when some
items are indivisible, the LP rounded down, filled greedily, and repaired by small MIPs around
it if that is not within the gap.

The LP bound is almost integral on these instances (SOLVER-NOTES): branch and bound over every
column took 20-35 s at demo scale 1 where rounding down and one greedy pass over what that
left free reach a gap of about 2e-5 in 0.5 s. If not within the gap, a MIP over the
neighbourhood of the fractional columns (the other columns of their needs and pledges;
everything else fixed; started from the best plan) repairs it, and only then the full MIP
runs, started from the best plan found. The gap is always measured against the LP bound (or
the MIP's dual bound, when it ran). Primal simplex solves these LPs 3x faster than dual here.
Greedy is the fallback when HiGHS has nothing usable.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

import highspy
import numpy as np

from .greedy import solve_greedy
from .instance import Instance
from .model import ROW_KINDS, Model, build_model
from .result import PlanResult
from .supply import count_columns, supplies

DEFAULT_GAP = 1e-4
DEFAULT_TIME_LIMIT = 60.0
# Above this many columns the pledge-level model does not fit in a few GiB (about 80 bytes a
# column while building): the greedy plan is returned, and the status says so.
MAX_COLUMNS = 12_000_000


def _new_highs() -> highspy.Highs:
    """A silent Highs object (its licence banner goes to fd 1, which may carry a plan)."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # pragma: no cover - no fd 1
        return highspy.Highs()
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()
            h.setOptionValue("output_flag", False)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    return h


def _highs(model: Model, integer: bool, time_limit: float, gap: float,
           lower: np.ndarray | None = None, upper: np.ndarray | None = None,
           start: np.ndarray | None = None, target: float | None = None) -> highspy.Highs:
    """Solve ``model`` (as an LP, or a MIP with its indivisible columns integral), optionally
    within other column bounds and from a ``start`` plan."""
    h = _new_highs()
    h.setOptionValue("output_flag", False)
    if not integer:
        h.setOptionValue("simplex_strategy", 4)  # primal
    h.setOptionValue("time_limit", max(float(time_limit), 0.01))
    h.setOptionValue("mip_rel_gap", float(gap))
    m = model.matrix
    lp = highspy.HighsLp()
    lp.num_col_ = m.shape[1]
    lp.num_row_ = m.shape[0]
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = model.cols.unit_value.astype(float)
    lower = model.cols.lower if lower is None else lower
    upper = model.cols.upper if upper is None else upper
    lp.col_lower_ = lower.astype(float)
    lp.col_upper_ = np.where(np.isinf(upper), highspy.kHighsInf, upper)
    lp.row_lower_ = np.full(m.shape[0], -highspy.kHighsInf)
    lp.row_upper_ = model.row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = m.indptr.astype(np.int32)
    lp.a_matrix_.index_ = m.indices.astype(np.int32)
    lp.a_matrix_.value_ = m.data.astype(float)
    lp.a_matrix_.num_col_ = m.shape[1]
    lp.a_matrix_.num_row_ = m.shape[0]
    status = h.passModel(lp)
    if status == highspy.HighsStatus.kError:
        raise RuntimeError("HiGHS rejected the model")
    if integer and model.integer.any():
        # Set per column on the passed model (an empty integrality array in passModel gives
        # status "Empty" silently; the model status is always checked by the caller).
        idx = np.nonzero(model.integer)[0].astype(np.int32)
        h.changeColsIntegrality(len(idx), idx, np.ones(len(idx), dtype=np.uint8))
    if target is not None:
        h.setOptionValue("objective_target", float(target))
    if start is not None:
        sol = highspy.HighsSolution()
        sol.col_value = start.astype(float).tolist()
        sol.value_valid = True
        h.setSolution(sol)
    h.run()
    return h


def _solution(h: highspy.Highs, n: int) -> np.ndarray | None:
    sol = h.getSolution()
    if not sol.value_valid:
        return None
    x = np.asarray(sol.col_value, dtype=float)
    return x if len(x) == n else None


def _clean(model: Model, x: np.ndarray) -> np.ndarray:
    """Clip to the bounds, round the indivisible columns, drop noise."""
    x = np.clip(x, model.cols.lower, model.cols.upper)
    x = np.where(model.integer, np.round(x), x)
    x[np.abs(x) < 1e-9] = 0.0
    return np.where(model.cols.fixed, model.cols.lower, x)


def _fill(model: Model, x: np.ndarray) -> np.ndarray:
    """Fill what rounding left free: columns by falling unit value, each taking what its rows
    still allow (whole units for indivisible items). One pass; every limit kept."""
    a = model.matrix
    x = x.copy()
    slack = model.row_upper - a @ x
    order = np.argsort(-model.cols.unit_value, kind="stable")
    order = order[~model.cols.fixed[order] & (model.cols.unit_value[order] > 0)]
    indptr, indices, coef = a.indptr, a.indices, a.data
    integer, upper = model.integer, model.cols.upper
    for j in order:  # a Python loop per column, but only ~0.5 s at demo scale 1
        rows, c = indices[indptr[j]:indptr[j + 1]], coef[indptr[j]:indptr[j + 1]]
        room = min(float(np.min(slack[rows] / c)) if len(rows) else np.inf, upper[j] - x[j])
        if integer[j]:
            room = np.floor(room + 1e-9)
        if room > 1e-9:
            x[j] += room
            slack[rows] -= c * room
    return x


def _neighbourhood(model: Model, x_lp: np.ndarray, kinds: tuple[str, ...]) -> np.ndarray:
    """Indivisible columns free to move: those sharing a row of ``kinds`` with a fractional one."""
    frac = model.integer & (np.abs(x_lp - np.round(x_lp)) > 1e-6)
    rows = np.unique(model.matrix[:, np.nonzero(frac)[0]].tocoo().row)
    rows = rows[np.isin(model.row_kind[rows], [ROW_KINDS.index(k) for k in kinds])]
    free = np.zeros(model.shape[1], dtype=bool)
    free[np.unique(model.matrix.tocsr()[rows].tocoo().col)] = True
    return free & model.integer & ~model.cols.fixed


def _round_and_repair(model: Model, x_lp: np.ndarray, bound: float, gap: float,
                      deadline: float, stats: dict):
    """The best integral plan found from the LP solution: (x, MIP dual bound or None, status)."""
    def value(x):
        return float((x * model.cols.unit_value).sum())

    def good(x):
        return bound <= 1e-12 or (bound - value(x)) / bound <= gap + 1e-12

    best = _clean(model, np.where(model.integer, np.floor(x_lp + 1e-6), x_lp))
    stats["rounded_value"] = value(best)
    t = time.perf_counter()
    best = _fill(model, best)
    stats["fill_s"] = time.perf_counter() - t
    # (The needs' neighbourhood alone was cheaper when it sufficed, but often did not: measured
    # 1.6-5 s and short of the gap on a re-plan; the needs' and pledges' reached it each time.)
    for kinds in (("need", "pledge"),):
        if good(best) or time.perf_counter() >= deadline:
            break
        free = _neighbourhood(model, x_lp, kinds)
        keep = model.integer & ~free
        lower = np.where(keep, best, model.cols.lower)
        upper = np.where(keep, best, model.cols.upper)
        t = time.perf_counter()
        # Stop as soon as a plan within the gap of the LP bound is found: proving the
        # neighbourhood's own optimum is not needed.
        h = _highs(model, True, deadline - t, gap, lower, upper, start=best,
                   target=bound * (1 - gap))
        stats[f"repair_{'_'.join(kinds)}_s"] = time.perf_counter() - t
        x = _solution(h, model.shape[1])
        if x is not None and value(_clean(model, x)) > value(best):
            best = _clean(model, x)
    if good(best):
        return best, None, "optimal"
    left = deadline - time.perf_counter()
    if left <= 0:
        return best, None, "time_limit"
    t = time.perf_counter()
    h = _highs(model, True, left, gap, start=best)  # branch and bound over every column
    stats["mip_s"] = time.perf_counter() - t
    x, info = _solution(h, model.shape[1]), h.getInfo()
    if x is not None and value(_clean(model, x)) > value(best):
        best = _clean(model, x)
    dual = info.mip_dual_bound if np.isfinite(info.mip_dual_bound) else None
    done = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return best, dual, "optimal" if done else "time_limit"


def _too_large(inst: Instance, columns: int, t0: float, with_greedy: bool) -> PlanResult:
    greedy = solve_greedy(inst)
    res = PlanResult(inst, greedy.cols, greedy.quantity, "error", float(inst.total_weight))
    res.note = (f"the model would have {columns:,} columns, more than the {MAX_COLUMNS:,} this "
                "solver builds; this is the greedy plan, bounded only by full coverage")
    res.greedy_value = greedy.value if with_greedy else None
    res.stats = {"columns_estimated": columns}
    res.seconds = time.perf_counter() - t0
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
    say = progress or (lambda phase, percent: None)
    t0 = time.perf_counter()
    say("counting the columns", 10)
    columns = count_columns(inst, supplies(inst))
    if columns > MAX_COLUMNS:
        return _too_large(inst, columns, t0, with_greedy)
    say(f"building the model ({columns:,} columns)", 15)
    model = build_model(inst)
    build_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    say("the greedy plan, for comparison", 20)
    greedy = solve_greedy(inst) if with_greedy else None
    greedy_s = time.perf_counter() - t1
    rows, ncols = model.shape
    stats = {
        "rows": rows,
        "columns": ncols,
        "nonzeros": int(model.matrix.nnz),
        "build_s": build_s,
        "greedy_s": greedy_s,
    }
    trivial = float(inst.total_weight)  # coverage 1.0 bounds every plan

    if ncols == 0:
        res = PlanResult(inst, model.cols, np.zeros(0), "optimal", 0.0, lp_bound=0.0, stats=stats)
        res.seconds = time.perf_counter() - t0
        res.greedy_value = greedy.value if greedy else None
        return res

    left = time_limit - (time.perf_counter() - t0)
    t1 = time.perf_counter()
    say("solving the LP relaxation (the bound)", 25)
    h = _highs(model, integer=False, time_limit=left, gap=gap)
    stats["lp_s"] = time.perf_counter() - t1
    lp_status = h.getModelStatus()
    lp_x = _solution(h, ncols)
    lp_bound = None
    if lp_status == highspy.HighsModelStatus.kOptimal:
        lp_bound = h.getInfo().objective_function_value
    status, x, bound = "error", None, trivial
    if lp_bound is not None:
        bound = min(lp_bound, trivial)
        if not model.integer.any():
            status, x = "optimal", lp_x
        else:
            t1 = time.perf_counter()
            say("rounding to whole units and repairing", 50)
            x, dual, status = _round_and_repair(model, lp_x, bound, gap, t0 + time_limit, stats)
            stats["repair_s"] = time.perf_counter() - t1
            if dual is not None:
                bound = min(bound, dual)
    elif lp_status == highspy.HighsModelStatus.kTimeLimit:
        status = "time_limit"
    stats["lp_status"] = h.modelStatusToString(lp_status)

    note = ""
    res = None
    if x is not None:
        res = PlanResult(inst, model.cols, _clean(model, x), status, bound, lp_bound=lp_bound)
    if greedy is not None and (res is None or res.value < greedy.value - 1e-9):
        note = "the solver returned no better plan; this is the greedy plan"
        res = PlanResult(inst, greedy.cols, greedy.quantity, status, bound, lp_bound=lp_bound)
    if res is None:
        res = PlanResult(inst, model.cols, np.zeros(ncols), "error", bound, lp_bound=lp_bound)
    # The status says what the bound proves about the plan returned.
    if res.status == "optimal" or note:
        if res.gap <= 1e-9:
            res.status = "optimal"
        elif res.gap <= gap + 1e-9:
            res.status = "gap_limit"
        elif res.status != "time_limit":
            res.status = "error"
    res.note = note
    res.stats = stats
    res.greedy_value = greedy.value if greedy else None
    res.seconds = time.perf_counter() - t0
    return res
