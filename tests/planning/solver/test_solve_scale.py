"""The solver at scale: rounding and repair reach the gap; a model too large for memory is
not built, and the plan says so."""

from __future__ import annotations

import glob
import importlib
import json

import pytest

from clearinghouse.planning.solver import parse_instance, solve
from clearinghouse.planning.solver.build.model import build_model
from clearinghouse.planning.solver.build.supply import count_columns, supplies

from ..helpers import EXAMPLES, example

# The package exports the function ``solve``, which hides the module of the same name.
solve_module = importlib.import_module("clearinghouse.planning.solver.lp.solve")


@pytest.mark.parametrize("path", sorted(glob.glob(str(EXAMPLES / "*.json"))))
def test_the_count_bounds_the_columns_built(path):
    with open(path) as f:
        inst = parse_instance(json.load(f))
    model = build_model(inst)
    built = model.shape[1] - int(model.cols.fixed.sum())
    assert built <= count_columns(inst, supplies(inst)) <= built + 8 * inst.horizon


def test_a_model_too_large_gives_the_greedy_plan_and_says_so(monkeypatch):
    inst = parse_instance(example("priority"))
    monkeypatch.setattr(solve_module, "MAX_COLUMNS", 3)
    res = solve(inst)
    assert res.status == "error" and "columns" in res.note and "greedy" in res.note
    assert res.value == pytest.approx(res.greedy_value)
    assert res.bound == pytest.approx(inst.total_weight)
    assert res.to_plan()["status"] == "error"


def test_rounding_and_repair_reach_the_gap_on_a_contested_instance():
    from clearinghouse.planning.solver.generate import generate_instance

    inst = parse_instance(generate_instance(0.1, 3))
    res = solve(inst, time_limit=60)
    assert res.status in ("optimal", "gap_limit") and res.gap <= 1e-4
    # Every indivisible allocation is whole.
    whole = inst.item_indivisible[res.cols.item]
    q = res.quantity[whole]
    assert (abs(q - q.round()) < 1e-9).all()
    assert res.value >= res.greedy_value - 1e-9


def test_progress_is_told_phase_by_phase():
    told = []
    solve(parse_instance(example("indivisible")), progress=lambda p, pct: told.append((p, pct)))
    assert [pct for _, pct in told] == sorted(pct for _, pct in told)
    phases = " / ".join(p for p, _ in told)
    assert "LP relaxation" in phases and "repairing" in phases and "greedy" in phases
