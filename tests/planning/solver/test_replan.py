"""Warm re-plans: one change on the kept model gives the plan a cold solve of the changed
instance gives (in value, within the gap), within every limit of the changed instance."""

from __future__ import annotations

import copy
import importlib

import highspy
import pytest

from clearinghouse.planning.solver import parse_instance, solve
from clearinghouse.planning.solver.generate import generate_instance
from clearinghouse.planning.solver.lp.master import Master
from clearinghouse.planning.solver.lp.replan import Replanner

from ..helpers import example, validate_plan
from .test_properties import check_plan

GAP = 1e-4


def withdrawn(data: dict, pledge: str) -> dict:
    out = copy.deepcopy(data)
    out["pledges"] = [p for p in out["pledges"] if p["id"] != pledge]
    return out


def closed(data: dict, hub: str, weeks: list[int]) -> dict:
    out = copy.deepcopy(data)
    for h in out["hubs"]:
        if h["id"] == hub:
            h["closed_weeks"] = sorted(set(h.get("closed_weeks", [])) | set(weeks))
    return out


def busiest(res) -> tuple[str, str]:
    """The pledge with the most value allocated, and the hub handling the most units."""
    by_pledge, by_hub = {}, {}
    for a in res.allocations():
        if "pledge" in a:
            by_pledge[a["pledge"]] = by_pledge.get(a["pledge"], 0.0) + a["value"]
        by_hub[a["hub"]] = by_hub.get(a["hub"], 0.0) + a["quantity"]
    return max(by_pledge, key=by_pledge.get), max(by_hub, key=by_hub.get)


def same_value(warm, cold) -> None:
    """Both within the gap of their own bounds, so within the gap of each other's."""
    for res in (warm, cold):
        assert res.status in ("optimal", "gap_limit")
    assert abs(warm.value - cold.value) <= GAP * max(warm.bound, cold.bound) + 1e-9
    assert warm.bound >= cold.value - GAP * cold.bound  # the warm bound is a true bound


@pytest.fixture(params=["whole model", "column generation", "transportation subproblem"])
def mode(request, monkeypatch):
    solve_module = importlib.import_module("clearinghouse.planning.solver.lp.solve")
    if request.param != "whole model":
        monkeypatch.setattr(solve_module, "FULL_COLUMNS", 0)
    if request.param == "transportation subproblem":  # as at scale 10, on a small instance
        monkeypatch.setattr(solve_module, "TRANSPORT_PAIRS", 0)
    else:
        monkeypatch.setattr(solve_module, "TRANSPORT_PAIRS", 10**12)
    return request.param


def test_withdraw_then_close_matches_cold_solves(mode):
    data = generate_instance(0.05, 3)
    rp = Replanner(parse_instance(data))
    highs = rp.planner.master.h
    pledge, hub = busiest(rp.result)
    first = rp.planner.transport
    assert (first is not None) == (mode == "transportation subproblem")

    warm = rp.withdraw_pledge(pledge)
    data1 = withdrawn(data, pledge)
    same_value(warm, solve(parse_instance(data1), with_greedy=False))
    plan = warm.to_plan()
    validate_plan(plan)
    check_plan(data1, plan)  # the withdrawn pledge is not in data1: any use of it fails here
    assert warm.stats["lp_method"] in ("dual", "primal")  # simplex from the kept basis
    assert rp.planner.master.h is highs

    warm = rp.close_hub(hub, [3, 4, 5, 6])  # on top of the withdrawal
    data2 = closed(data1, hub, [3, 4, 5, 6])
    same_value(warm, solve(parse_instance(data2), with_greedy=False))
    plan = warm.to_plan()
    check_plan(data2, plan)
    assert not any(a["hub"] == hub and 3 <= a["ship_week"] <= 6 for a in plan["allocations"])
    assert rp.planner.master.h is highs
    if first is not None:  # the subproblem, when it runs again, is rebuilt for the changed
        # pairs and limits (the re-plan's own prices may have closed the gap without it)
        assert not first.fits(rp.planner.pricer)
        rp.planner._subproblem(rp.planner.y_lp, None, 0.0)
        assert rp.planner.transport is not first
        assert rp.planner.transport.fits(rp.planner.pricer)


def test_closing_a_hub_moves_goods_to_other_weeks():
    inst = parse_instance(example("hub-capacity"))
    rp = Replanner(inst)
    before = rp.result.value
    res = rp.close_hub("H", [2, 3])
    assert res.value < before
    assert all(a["ship_week"] not in (2, 3) for a in res.allocations())
    cold = solve(parse_instance(closed(example("hub-capacity"), "H", [2, 3])))
    assert res.value == pytest.approx(cold.value)


def test_a_withdrawn_pledge_keeps_what_is_already_moving():
    data = example("priority")
    data["fixed"] = [{"pledge": data["pledges"][0]["id"], "need": data["needs"][0]["id"],
                      "hub": data["hubs"][0]["id"], "ship_week": 2, "quantity": 4}]
    inst = parse_instance(data)
    rp = Replanner(inst)
    res = rp.withdraw_pledge(data["pledges"][0]["id"])
    moving = [a for a in res.allocations() if a.get("fixed")]
    assert [a["quantity"] for a in moving] == [4]
    assert res.value == pytest.approx(sum(a["value"] for a in moving))
    assert rp.inst.pledge_qty[0] == 4  # what is left of the pledge: what is moving


def test_bad_changes_are_refused():
    data = example("priority")
    data["fixed"] = [{"pledge": data["pledges"][0]["id"], "need": data["needs"][0]["id"],
                      "hub": data["hubs"][0]["id"], "ship_week": 2, "quantity": 4}]
    rp = Replanner(parse_instance(data))
    with pytest.raises(ValueError, match="unknown pledge"):
        rp.withdraw_pledge("nope")
    with pytest.raises(ValueError, match="unknown hub"):
        rp.close_hub("nope", [1])
    with pytest.raises(ValueError, match="within 1.."):
        rp.close_hub(data["hubs"][0]["id"], [0])
    with pytest.raises(ValueError, match="cannot close"):
        rp.close_hub(data["hubs"][0]["id"], [2])


def test_a_basis_the_near_columns_were_not_taken_into_is_dropped(monkeypatch):
    """With no time left to take the near columns in, the basis is not dual feasible: the
    re-plan starts by interior point (a dual simplex from it ran out of time at scale 10)."""
    solve_module = importlib.import_module("clearinghouse.planning.solver.lp.solve")
    monkeypatch.setattr(solve_module, "FULL_COLUMNS", 0)
    monkeypatch.setattr(solve_module, "TRANSPORT_PAIRS", 10**12)
    near = solve_module.Planner._near
    monkeypatch.setattr(solve_module.Planner, "_near",
                        lambda self, y, reserve: near(self, y, reserve=1e9))  # no time left
    data = generate_instance(0.05, 3)
    rp = Replanner(parse_instance(data))
    assert "lp_near_s" not in rp.planner.stats and "crossover_s" in rp.planner.stats
    assert not rp.planner.master.has_basis
    pledge, _ = busiest(rp.result)
    warm = rp.withdraw_pledge(pledge)
    assert warm.stats["lp_method"] == "ipm"
    same_value(warm, solve(parse_instance(withdrawn(data, pledge))))


def test_a_re_plan_whose_dual_simplex_stops_short_goes_on_by_interior_point(mode, monkeypatch):
    """The warm dual simplex stops short of its share of the time (as after a hub closure at
    scale 10): interior point and a crossover take over, and the plan is the cold solve's."""
    data = generate_instance(0.05, 3)
    rp = Replanner(parse_instance(data))
    pledge, hub = busiest(rp.result)
    original, methods = Master.solve, []

    def dual_stops(self, method, limit):
        methods.append(method)
        self.h.setOptionValue("simplex_iteration_limit", 1 if method == "dual" else 10**9)
        return original(self, method, limit)

    monkeypatch.setattr(Master, "solve", dual_stops)
    warm = rp.close_hub(hub, [3, 4, 5, 6])
    changed = closed(data, hub, [3, 4, 5, 6])
    assert methods[:2] == ["dual", "ipm"]
    assert warm.stats["lp_method"] == "ipm" and "crossover_s" in warm.stats
    assert "lp_fallback" not in warm.stats and "lp_status" not in warm.stats
    same_value(warm, solve(parse_instance(changed), with_greedy=False))
    assert check_plan(changed, warm.to_plan()) == pytest.approx(warm.value)


@pytest.mark.parametrize("change, divisible",
                         [("withdraw", False), ("close", False), ("close", True)])
def test_a_re_plan_whose_lp_runs_out_of_time_starts_from_the_last_plan(mode, change, divisible,
                                                                       monkeypatch):
    """The warm LP returns nothing (its time ran out, as at scale 10 after a hub closure):
    the last LP solution, cut down to the changed limits, is rounded instead of the greedy
    plan being returned, and the last bound stands (the change only took something away)."""
    data = generate_instance(0.05, 3)
    if divisible:  # then the last LP, cut down, is the plan
        data["items"] = [dict(i, indivisible=False) for i in data["items"]]
    rp = Replanner(parse_instance(data))
    before = rp.result
    pledge, hub = busiest(before)
    monkeypatch.setattr(Master, "solve",
                        lambda self, method, limit: highspy.HighsModelStatus.kTimeLimit)
    if change == "withdraw":
        res, changed = rp.withdraw_pledge(pledge), withdrawn(data, pledge)
    else:
        res, changed = rp.close_hub(hub, [3, 4, 5, 6]), closed(data, hub, [3, 4, 5, 6])
    assert res.stats["lp_fallback"] and not res.note
    # the last LP bound, or (whole model) the MIP's dual bound on the changed instance
    assert res.value - 1e-9 <= res.bound <= before.lp_bound + 1e-9
    assert res.lp_bound is None
    assert res.status == ("optimal" if res.gap <= 1e-9 else
                          "gap_limit" if res.gap <= GAP else "time_limit")
    plan = res.to_plan()
    validate_plan(plan)
    assert check_plan(changed, plan) == pytest.approx(res.value)
    cold = solve(parse_instance(changed))
    assert cold.greedy_value < res.value <= cold.bound + 1e-9
