"""The optimal plan with HiGHS (``highspy``): the LP relaxation for the bound, then the MIP when
some items are indivisible. Greedy is the fallback when HiGHS returns nothing usable."""

from __future__ import annotations

import os
import sys
import time

import highspy
import numpy as np

from .greedy import solve_greedy
from .instance import Instance
from .model import Model, build_model
from .result import PlanResult

DEFAULT_GAP = 1e-4
DEFAULT_TIME_LIMIT = 60.0


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


def _highs(model: Model, integer: bool, time_limit: float, gap: float) -> highspy.Highs:
    h = _new_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", max(float(time_limit), 0.01))
    h.setOptionValue("mip_rel_gap", float(gap))
    m = model.matrix
    lp = highspy.HighsLp()
    lp.num_col_ = m.shape[1]
    lp.num_row_ = m.shape[0]
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = model.cols.unit_value.astype(float)
    lp.col_lower_ = model.cols.lower.astype(float)
    lp.col_upper_ = np.where(np.isinf(model.cols.upper), highspy.kHighsInf, model.cols.upper)
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


def solve(
    inst: Instance,
    time_limit: float = DEFAULT_TIME_LIMIT,
    gap: float = DEFAULT_GAP,
    with_greedy: bool = True,
) -> PlanResult:
    """The optimal plan of ``inst`` (within ``gap``), with the LP bound and the greedy value."""
    t0 = time.perf_counter()
    model = build_model(inst)
    build_s = time.perf_counter() - t0
    t1 = time.perf_counter()
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
            left = time_limit - (time.perf_counter() - t0)
            t1 = time.perf_counter()
            h = _highs(model, integer=True, time_limit=left, gap=gap)
            stats["mip_s"] = time.perf_counter() - t1
            ms = h.getModelStatus()
            info = h.getInfo()
            x = _solution(h, ncols)
            if np.isfinite(info.mip_dual_bound):
                bound = min(bound, info.mip_dual_bound)
            if ms == highspy.HighsModelStatus.kOptimal:
                status = "optimal"
            elif ms == highspy.HighsModelStatus.kTimeLimit:
                status = "time_limit"
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
