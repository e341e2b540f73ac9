"""Every example of the contract solved to its stated optimal value and LP bound."""

import pytest

from clearinghouse.planning.solver import load_instance, solve, solve_greedy

from ..helpers import EXAMPLES, validate_plan

# file: (optimal value, LP bound), from examples/README.md
EXPECTED = {
    "priority": (8.0, 8.0),
    "late": (2.6244, 2.6244),
    "hub-capacity": (11.6, 11.6),
    "non-lethal-fund": (2.0, 2.0),
    "indivisible": (4.0, 6.0),
    "family": (1.0, 1.0),
}


def test_every_example_is_listed():
    assert {p.stem for p in EXAMPLES.glob("*.json")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_value_and_bound(name):
    value, lp_bound = EXPECTED[name]
    inst = load_instance(EXAMPLES / f"{name}.json")
    res = solve(inst)
    assert res.status == "optimal"
    assert res.value == pytest.approx(value, rel=1e-6)
    assert res.lp_bound == pytest.approx(lp_bound, rel=1e-6)
    assert res.bound == pytest.approx(value, rel=1e-6)  # proven optimal: bound meets value
    assert res.gap == pytest.approx(0.0, abs=1e-6)
    plan = res.to_plan()
    validate_plan(plan)
    assert plan["value"] == pytest.approx(sum(a["value"] for a in plan["allocations"]))
    assert res.greedy_value is not None and res.greedy_value <= res.value + 1e-9
    assert solve_greedy(inst).value == pytest.approx(res.greedy_value)


def test_unmet_needs_reported():
    plan = solve(load_instance(EXAMPLES / "non-lethal-fund.json")).to_plan()
    assert [(u["need"], u["missing"]) for u in plan["unmet"]] == [("N2", 100.0)]
    assert plan["unmet"][0]["reasons"][0]["code"] == "restricted"
    plan = solve(load_instance(EXAMPLES / "hub-capacity.json")).to_plan()
    (u,) = plan["unmet"]
    assert (u["need"], u["missing"], u["late"]) == ("N2", 0.0, 10.0)
    assert {r["code"] for r in u["reasons"]} >= {"hub_capacity"}


def test_indivisible_moves_whole_units():
    res = solve(load_instance(EXAMPLES / "indivisible.json"))
    assert [a["quantity"] for a in res.allocations()] == [1.0]
    assert res.lp_bound > res.value  # the LP would move 1.5 batteries
