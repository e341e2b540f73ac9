"""From the LP solution to an integral plan: rounded down, filled greedily, and repaired by
MIPs (over the LP's support, then with the fractional columns' neighbourhood, then every
column).

The LP bound is almost integral on these instances (SOLVER-NOTES): rounding down and one
greedy pass over what that left free reach the gap far sooner than branch and bound over every
column (docs/solver.md has the figures). If not within the gap: (1) a MIP over the LP's
support, whole units where indivisible, for when vehicles of many pallets fill the binding
hub-weeks (generated instances); (2) the same MIP with the needs' and pledges' neighbourhood
of the fractional columns added; (3) the MIP over every column held, from the best plan (only
up to ``MIP_COLUMNS``).
"""

from __future__ import annotations

import time
from dataclasses import replace

import highspy
import numpy as np
import scipy.sparse as sp

from ..build.model import INF, ROW_KINDS, Model, max_lp, new_highs
from ..result import Status

# The most columns a MIP over every column held may have (the demo at scale 1 fits; beyond,
# HiGHS did not keep to its time limit: docs/solver.md).
MIP_COLUMNS = 200_000
_new_highs = new_highs


def _highs(model: Model, time_limit: float, gap: float, start: np.ndarray | None = None,
           presolve: bool = True) -> highspy.Highs:
    """Solve ``model`` as a MIP with its indivisible columns integral, optionally from a
    ``start`` plan."""
    h = _new_highs()
    h.setOptionValue("output_flag", False)
    if not presolve:
        h.setOptionValue("presolve", "off")
    h.setOptionValue("time_limit", max(float(time_limit), 0.01))
    h.setOptionValue("mip_rel_gap", float(gap))
    lp = max_lp(model.cols.unit_value, model.matrix, model.row_upper,
                np.where(np.isinf(model.cols.upper), INF, model.cols.upper))
    lp.col_lower_ = model.cols.lower.astype(float)
    status = h.passModel(lp)
    if status == highspy.HighsStatus.kError:
        raise RuntimeError("HiGHS rejected the model")
    if model.integer.any():
        # Set per column on the passed model (an empty integrality array in passModel gives
        # status "Empty" silently; the model status is always checked by the caller).
        idx = np.nonzero(model.integer)[0].astype(np.int32)
        h.changeColsIntegrality(len(idx), idx, np.ones(len(idx), dtype=np.uint8))
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


def clean(model: Model, x: np.ndarray) -> np.ndarray:
    """Clip to the bounds, round the indivisible columns, drop noise."""
    x = np.clip(x, model.cols.lower, model.cols.upper)
    x = np.where(model.integer, np.round(x), x)
    x[np.abs(x) < 1e-9] = 0.0
    return np.where(model.cols.fixed, model.cols.lower, x)


def within_rows(model: Model, x: np.ndarray) -> np.ndarray:
    """``x`` within its column bounds, then each free column scaled down by the tightest of
    its rows' ratios (limit over use), so that every row holds: coefficients are non-negative
    and rows are ``<=``, so scaling down never breaks another row. Fixed columns stay."""
    a, free = model.matrix.tocsc(), ~model.cols.fixed
    x = np.where(free, np.clip(x, model.cols.lower, model.cols.upper), model.cols.lower)
    use, room = a @ np.where(free, x, 0.0), model.row_upper - a @ np.where(free, 0.0, x)
    ratio = np.where(use > np.maximum(room, 0.0), np.maximum(room, 0.0) / np.maximum(use, 1e-300),
                     1.0)
    factor = _column_min(a, ratio[a.indices])
    return np.where(free, x * np.minimum(factor, 1.0), x)


def _column_min(a: sp.csc_matrix, v: np.ndarray) -> np.ndarray:
    """Per column of ``a``, the least of ``v`` (one value per stored entry); inf if none."""
    out = np.full(a.shape[1], np.inf)
    full = np.diff(a.indptr) > 0
    if full.any():
        out[full] = np.minimum.reduceat(v, a.indptr[:-1][full])
    return out


def fill(model: Model, x: np.ndarray) -> np.ndarray:
    """Fill what rounding left free: columns by falling unit value, each taking what its rows
    still allow (whole units for indivisible items). One pass; every limit kept."""
    a = model.matrix
    x = x.copy()
    slack = model.row_upper - a @ x
    # room only shrinks as columns fill: those with none at the start never get any, so they
    # are not looped over
    with np.errstate(divide="ignore", invalid="ignore"):
        first = np.minimum(_column_min(a, slack[a.indices] / a.data), model.cols.upper - x)
    first = np.where(model.integer, np.floor(first + 1e-9), first)
    order = np.argsort(-model.cols.unit_value, kind="stable")
    order = order[~model.cols.fixed[order] & (model.cols.unit_value[order] > 0)
                  & (first[order] > 1e-9)]
    indptr, indices, coef = a.indptr, a.indices, a.data
    integer, upper = model.integer, model.cols.upper
    for j in order:  # a Python loop per column with room
        rows, c = indices[indptr[j]:indptr[j + 1]], coef[indptr[j]:indptr[j + 1]]
        room = min(float(np.min(slack[rows] / c)) if len(rows) else np.inf, upper[j] - x[j])
        if integer[j]:
            room = np.floor(room + 1e-9)
        if room > 1e-9:
            x[j] += room
            slack[rows] -= c * room
    return x


def _as_claimed(h: highspy.Highs, value: float, offset: float = 0.0) -> bool:
    """Whether the objective HiGHS reports (plus ``offset``) is the ``value`` of the plan it
    returned (see :func:`_mip`)."""
    claimed = h.getInfo().objective_function_value + offset
    return abs(claimed - value) <= 1e-7 * max(1.0, abs(value))


def _mip(model: Model, time_limit: float, gap: float, **kw) -> highspy.Highs:
    """A MIP from a start plan. HiGHS 1.16's MIP presolve with a start plan was seen to return
    the start as "optimal" with an objective it does not have (a property test found one, and
    presolve off solved it right): then it runs again without presolve."""
    t = time.perf_counter()
    h = _highs(model, time_limit, gap, **kw)
    x = _solution(h, model.shape[1])
    if x is not None and not _as_claimed(h, float(x @ model.cols.unit_value)):
        left = time_limit - (time.perf_counter() - t)
        h = _highs(model, max(left, 0.01), gap, presolve=False, **kw)
    return h


def _support_mip(model: Model, x_lp: np.ndarray, target: float, gap: float,
                 deadline: float, more: np.ndarray | None = None) -> np.ndarray | None:
    """The best plan among the columns the LP uses, and those of ``more`` (fixed allocations
    as given, every other column zero)."""
    frac = model.integer & (np.abs(x_lp - np.round(x_lp)) > 1e-6)
    cand = (x_lp > 1e-9) | frac
    cand = (cand if more is None else cand | more) & ~model.cols.fixed
    idx = np.nonzero(cand)[0]
    if len(idx) == 0:
        return None
    a = model.matrix.tocsc()
    rows = np.unique(a[:, idx].tocoo().row)
    fixed = np.where(model.cols.fixed, model.cols.lower, 0.0)
    room = model.row_upper[rows] - a[rows] @ fixed
    # scaled as the master is (units of a need's quantity for divisible columns, of a row's
    # limit for rows): unscaled, HiGHS warned of bad scaling and took longer
    col_scale = np.where(model.integer[idx], 1.0, model.inst.need_qty[model.cols.need[idx]])
    row_scale = np.where(model.row_upper[rows] > 0, model.row_upper[rows], 1.0)
    sub = (sp.diags(1 / row_scale) @ a[rows][:, idx] @ sp.diags(col_scale)).tocsc()
    lp = max_lp(model.cols.unit_value[idx] * col_scale, sub, np.maximum(room, 0.0) / row_scale)
    lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                       for i in model.integer[idx]]
    fixed_value = float(fixed @ model.cols.unit_value)
    whole = model.integer & ~frac  # the LP's whole units

    def run(presolve: bool, hold: bool, start: bool) -> np.ndarray | None:
        """``hold``: keep the LP's whole units as they are (the sub-MIP that RINS would
        run), else everything in the support may move; ``start``: from the LP rounded."""
        upper = np.where(cand, model.cols.upper, 0.0)
        if hold:
            upper = np.where(whole, np.round(x_lp), upper)
        lp.col_lower_ = np.where(hold & whole[idx], upper[idx], 0.0) / col_scale
        lp.col_upper_ = np.where(np.isinf(upper[idx]), INF, upper[idx] / col_scale)
        h = _new_highs()
        h.setOptionValue("time_limit", max(deadline - time.perf_counter(), 0.01))
        h.setOptionValue("mip_rel_gap", gap / 10)
        h.setOptionValue("objective_target", target - fixed_value)
        h.setOptionValue("presolve", "on" if presolve else "off")
        h.passModel(lp)
        if start:
            # from the LP rounded down and filled within the support: its sub-MIPs (RINS) then
            # fix more and find the plan sooner
            within = replace(model, cols=replace(model.cols, upper=upper))
            x0 = fill(within, clean(within, np.where(model.integer, np.floor(x_lp + 1e-6),
                                                     x_lp)))
            sol = highspy.HighsSolution()
            sol.col_value = (x0[idx] / col_scale).tolist()
            sol.value_valid = True
            h.setSolution(sol)
        h.run()
        got = h.getSolution()
        if not got.value_valid:
            return None
        x = fixed.copy()
        x[idx] = np.asarray(got.col_value) * col_scale
        x = clean(model, x)
        if presolve and not _as_claimed(h, float(x @ model.cols.unit_value), fixed_value):
            return None  # presolve's answer is not the plan it returned
        return x

    # With presolve and the start plan, HiGHS once claimed the target reached with the start
    # plan itself, short of it (tests/planning/solver/data keeps that MIP). With presolve but
    # no start, and the LP's whole units held, it found a plan within the gap faster than
    # without presolve, held or not (docs/solver.md); presolve off is the last resort.
    x = None
    for presolve, hold, start in ((True, False, True), (True, True, False), (False, True, True)):
        if x is None and time.perf_counter() < deadline:
            x = run(presolve, hold, start)
    return x


def _neighbourhood(model: Model, x_lp: np.ndarray, kinds: tuple[str, ...]) -> np.ndarray:
    """Indivisible columns free to move: those sharing a row of ``kinds`` with a fractional one."""
    frac = model.integer & (np.abs(x_lp - np.round(x_lp)) > 1e-6)
    rows = np.unique(model.matrix[:, np.nonzero(frac)[0]].tocoo().row)
    rows = rows[np.isin(model.row_kind[rows], [ROW_KINDS.index(k) for k in kinds])]
    free = np.zeros(model.shape[1], dtype=bool)
    free[np.unique(model.matrix.tocsr()[rows].tocoo().col)] = True
    return free & model.integer & ~model.cols.fixed


def round_and_repair(model: Model, x_lp: np.ndarray, bound: float, gap: float,
                      deadline: float, stats: dict) -> tuple[np.ndarray, float | None, Status]:
    """The best integral plan found from the LP solution: (x, MIP dual bound or None, status)."""
    def value(x):
        return float((x * model.cols.unit_value).sum())

    def good(x):
        return bound <= 1e-12 or (bound - value(x)) / bound <= gap + 1e-12

    best = clean(model, np.where(model.integer, np.floor(x_lp + 1e-6), x_lp))
    stats["rounded_value"] = value(best)
    t = time.perf_counter()
    best = fill(model, best)
    stats["fill_s"] = time.perf_counter() - t

    # 1. A MIP over the LP's support only (the columns it uses, the fractional ones in whole
    # units): as many columns as rows, so it starts fast, and moving whole vehicles within it
    # reaches the gap well before a MIP over every column held with the rest fixed; the
    # support's part that touches the fractional columns' rows alone fell short.
    if not good(best) and time.perf_counter() < deadline:
        t = time.perf_counter()
        x = _support_mip(model, x_lp, bound * (1 - gap), gap, deadline)
        stats["repair_support_s"] = time.perf_counter() - t
        if x is not None and value(x) > value(best):
            best = x
    # 2. The same with the needs' and pledges' neighbourhood of the fractional columns added
    # (every indivisible column sharing such a row with one): far faster than a MIP over
    # every column with the rest held. Not when the LP itself is short of the gap (its
    # master stopped for time): no plan over its columns reaches it, and the support MIP is
    # then close to the LP already.
    if not good(best) and good(x_lp) and time.perf_counter() < deadline:
        t = time.perf_counter()
        more = _neighbourhood(model, x_lp, ("need", "pledge"))
        x = _support_mip(model, x_lp, bound * (1 - gap), gap, deadline, more=more)
        stats["repair_need_pledge_s"] = time.perf_counter() - t
        if x is not None and value(x) > value(best):
            best = x
    # 3. Branch and bound over every column held: beyond MIP_COLUMNS HiGHS did not even keep
    # to its time limit.
    if not good(best) and model.shape[1] > MIP_COLUMNS:
        return best, None, Status.TIME_LIMIT
    if good(best):
        return best, None, Status.OPTIMAL
    left = deadline - time.perf_counter()
    if left <= 0:
        return best, None, Status.TIME_LIMIT
    t = time.perf_counter()
    h = _mip(model, left, gap, start=best)  # branch and bound over every column
    stats["mip_s"] = time.perf_counter() - t
    x, info = _solution(h, model.shape[1]), h.getInfo()
    if x is not None and value(clean(model, x)) > value(best):
        best = clean(model, x)
    dual = info.mip_dual_bound if np.isfinite(info.mip_dual_bound) else None
    done = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return best, dual, Status.OPTIMAL if done else Status.TIME_LIMIT
