"""Edge cases of the optimal solve: nothing to allocate, and the greedy fallback."""

import importlib

import pytest

from clearinghouse.planning.solver import parse_instance, solve
from clearinghouse.planning.solver.model import build_model

from .helpers import edited, validate_plan


def contested() -> dict:
    """The critical need takes any F155 item; greedy gives it the only A the high need fits."""

    def edit(d):
        d["items"][1]["family"] = "F155"
        d["needs"] = [
            {
                "id": "N1",
                "family": "F155",
                "quantity": 5,
                "priority": "critical",
                "due_week": 10,
                "region": "R",
            },
            {
                "id": "N2",
                "item": "A",
                "quantity": 5,
                "priority": "high",
                "due_week": 10,
                "region": "R",
            },
        ]
        d["pledges"][1].update(quantity=5, available_week=2)

    return edited("family", edit)


def test_optimal_beats_greedy():
    res = solve(parse_instance(contested()))
    assert res.status == "optimal"
    assert res.value == pytest.approx(12.0)
    assert res.greedy_value == pytest.approx(8.0)


def test_no_supply_gives_an_empty_valid_plan():
    res = solve(parse_instance(edited("priority", lambda d: d.update(pledges=[]))))
    assert res.status == "optimal" and res.value == 0.0 and res.bound == 0.0
    plan = res.to_plan()
    validate_plan(plan)
    assert {u["need"] for u in plan["unmet"]} == {"N1", "N2"}
    assert all(u["reasons"][0]["code"] == "no_compatible_supply" for u in plan["unmet"])


def test_model_rows_and_columns():
    model = build_model(parse_instance(edited("hub-capacity", lambda d: None)))
    rows, cols = model.shape
    # 2 pledges x 2 needs x ship weeks 2..9 (arrival <= 10)
    assert cols == 2 * 2 * 8
    # 2 need rows, 2 pledge rows, 8 hub-week rows
    assert rows == 2 + 2 + 8


def test_falls_back_to_greedy_when_highs_returns_nothing(monkeypatch):
    # the package's ``solve`` attribute is the function; the module is in sys.modules
    solve_module = importlib.import_module("clearinghouse.planning.solver.solve")
    monkeypatch.setattr(solve_module, "_solution", lambda h, n: None)
    res = solve_module.solve(parse_instance(contested()))
    assert res.status == "error"  # greedy is 8, the LP bound 12
    assert "greedy" in res.note
    assert res.value == pytest.approx(res.greedy_value)
    validate_plan(res.to_plan())
