"""Invalid instances: an InstanceError naming the JSON path; the CLI exits 2 and writes no plan."""

import json

import pytest

from clearinghouse.planning.solver import InstanceError, parse_instance, solve
from clearinghouse.planning.solver.cli import main

from ..helpers import edited, validate_plan


def _set(path, value):
    def edit(data):
        *head, last = path
        target = data
        for part in head:
            target = target[part]
        target[last] = value

    return edit


def _fixed(**alloc):
    def edit(data):
        data["fixed"] = [alloc]

    return edit


def _closed(data):
    data["hubs"][0]["closed_weeks"] = [2]
    data["fixed"] = [{"pledge": "P1", "need": "N1", "hub": "H", "ship_week": 2, "quantity": 5}]


def _over_pledge(data):
    data["fixed"] = [
        {"pledge": "P1", "need": "N1", "hub": "H", "ship_week": 2, "quantity": 6},
        {"pledge": "P1", "need": "N2", "hub": "H", "ship_week": 3, "quantity": 6},
    ]


def _over_budget(data):
    data["needs"][0]["quantity"] = 500
    data["fixed"] = [
        {"fund": "F", "offer": "O1", "need": "N1", "hub": "H", "ship_week": 4, "quantity": 101}
    ]


CASES = [
    # (name, base example, edit, expected path, words in the message)
    (
        "schema: missing field",
        "priority",
        lambda d: d["needs"][0].pop("due_week"),
        "$.needs[0]",
        "due_week",
    ),
    ("schema: wrong format", "priority", _set(["format"], "other/1"), "$.format", ""),
    (
        "negative pledge quantity",
        "priority",
        _set(["pledges", 0, "quantity"], -5),
        "$.pledges[0].quantity",
        "",
    ),
    (
        "negative need quantity",
        "priority",
        _set(["needs", 1, "quantity"], -1),
        "$.needs[1].quantity",
        "",
    ),
    (
        "negative capacity",
        "priority",
        _set(["hubs", 0, "capacity_pallets"], -1),
        "$.hubs[0].capacity_pallets",
        "",
    ),
    (
        "unknown item in a pledge",
        "priority",
        _set(["pledges", 0, "item"], "ZZZ"),
        "$.pledges[0].item",
        "unknown item",
    ),
    (
        "unknown item in a need",
        "priority",
        _set(["needs", 1, "item"], "ZZZ"),
        "$.needs[1].item",
        "unknown item",
    ),
    (
        "unknown family",
        "family",
        _set(["needs", 0, "family"], "F999"),
        "$.needs[0].family",
        "unknown family",
    ),
    (
        "unknown hub in a route",
        "priority",
        _set(["routes", 0, "hub"], "HX"),
        "$.routes[0].hub",
        "unknown hub",
    ),
    (
        "unknown hub in a delivery",
        "priority",
        _set(["deliveries", 0, "hub"], "HX"),
        "$.deliveries[0].hub",
        "unknown hub",
    ),
    (
        "unknown need in a pledge",
        "priority",
        _set(["pledges", 0, "needs"], ["N9"]),
        "$.pledges[0].needs[0]",
        "unknown need",
    ),
    (
        "unknown priority",
        "priority",
        _set(["needs", 0, "priority"], "urgent"),
        "$.needs[0].priority",
        "unknown priority",
    ),
    ("duplicate id", "priority", _set(["needs", 1, "id"], "N1"), "$.needs[1].id", "duplicate"),
    (
        "capacity list of the wrong length",
        "priority",
        _set(["hubs", 0, "capacity_pallets"], [1, 2]),
        "$.hubs[0].capacity_pallets",
        "horizon",
    ),
    (
        "fixed: unknown pledge",
        "priority",
        _fixed(pledge="PX", need="N1", hub="H", ship_week=2, quantity=1),
        "$.fixed[0].pledge",
        "unknown pledge",
    ),
    (
        "fixed: more than the need",
        "priority",
        _fixed(pledge="P1", need="N1", hub="H", ship_week=2, quantity=11),
        "$.fixed[0].quantity",
        "need's quantity",
    ),
    (
        "fixed: more than the pledge",
        "hub-capacity",
        _over_pledge,
        "$.fixed[1].quantity",
        "pledge's quantity",
    ),
    (
        "fixed: over hub capacity",
        "hub-capacity",
        lambda d: d.update(
            fixed=[
                {"pledge": "P1", "need": "N1", "hub": "H", "ship_week": 2, "quantity": 10},
                {"pledge": "P2", "need": "N2", "hub": "H", "ship_week": 2, "quantity": 1},
            ]
        ),
        "$.fixed[1].quantity",
        "capacity",
    ),
    (
        "fixed: shipped before ready",
        "late",
        _fixed(pledge="P1", need="N1", hub="H", ship_week=3, quantity=1),
        "$.fixed[0]",
        "before",
    ),
    (
        "fixed: beyond the horizon",
        "priority",
        _fixed(pledge="P1", need="N1", hub="H", ship_week=10, quantity=1),
        "$.fixed[0]",
        "horizon",
    ),
    ("fixed: hub closed", "priority", _closed, "$.fixed[0]", "closed"),
    (
        "fixed: wrong item",
        "family",
        _fixed(pledge="P2", need="N1", hub="H", ship_week=2, quantity=1),
        "$.fixed[0]",
        "fit",
    ),
    (
        "fixed: over the fund's budget",
        "non-lethal-fund",
        _over_budget,
        "$.fixed[0].quantity",
        "amount_eur",
    ),
    (
        "fixed: fund may not buy",
        "non-lethal-fund",
        _fixed(fund="F", offer="O2", need="N2", hub="H", ship_week=4, quantity=1),
        "$.fixed[0]",
        "fund",
    ),
    (
        "fixed: fractional indivisible",
        "indivisible",
        _fixed(pledge="P1", need="N1", hub="H", ship_week=2, quantity=0.5),
        "$.fixed[0].quantity",
        "indivisible",
    ),
    (
        "fixed: wrong arrival week",
        "priority",
        _fixed(pledge="P1", need="N1", hub="H", ship_week=2, arrival_week=9, quantity=1),
        "$.fixed[0].arrival_week",
        "arrival",
    ),
]


@pytest.mark.parametrize(
    ("base", "edit", "path", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_invalid_instance(base, edit, path, words, tmp_path, capsys):
    data = edited(base, edit)
    with pytest.raises(InstanceError) as exc:
        parse_instance(data)
    assert exc.value.path == path
    assert words in exc.value.message
    src = tmp_path / "instance.json"
    src.write_text(json.dumps(data))
    out = tmp_path / "plan.json"
    assert main([str(src), "--out", str(out)]) == 2
    assert not out.exists()
    assert path in capsys.readouterr().err


def test_valid_fixed_allocation_is_kept():
    data = edited(
        "hub-capacity",
        _fixed(pledge="P2", need="N2", hub="H", ship_week=2, arrival_week=3, quantity=10),
    )
    from clearinghouse.planning.solver import solve

    res = solve(parse_instance(data))
    # N2 (high) fixed on time in week 2 pushes N1 (critical) a week late: 4 + 8 x 0.9
    assert res.value == pytest.approx(4 + 8 * 0.9)
    fixed = [a for a in res.allocations() if a.get("fixed")]
    assert fixed == [
        {
            "pledge": "P2",
            "need": "N2",
            "hub": "H",
            "ship_week": 2,
            "arrival_week": 3,
            "quantity": 10.0,
            "value": 4.0,
            "fixed": True,
        }
    ]
    assert res.greedy_value == pytest.approx(res.value)


def test_not_json(tmp_path, capsys):
    src = tmp_path / "instance.json"
    src.write_text("{nope")
    assert main([str(src), "--out", str(tmp_path / "plan.json")]) == 2
    assert not (tmp_path / "plan.json").exists()
    assert "$" in capsys.readouterr().err


# -- odd records are valid and simply unservable (issue 14, finding 4) ----------------------------

@pytest.mark.parametrize(("edit", "need", "words"), [
    (_set(["needs", 0, "region"], "RX"), "N1", "no hub delivers to region RX"),
    (_set(["pledges", 0, "origin"], "DX"), "N1", "no route from depot DX"),
    (_set(["pledges", 0, "regions"], ["R", "RX"]), None, ""),  # a condition naming RX
])
def test_a_record_no_route_serves_is_valid_and_unserved(edit, need, words):
    """The contract since issue 14: depots and regions are named by routes and deliveries; a
    pledge whose depot has no route, or a need in a region no delivery reaches, is valid and
    cannot be served. One odd record never fails the plan of everything else."""
    data = edited("priority", edit)
    plan = solve(parse_instance(data)).to_plan()
    validate_plan(plan)
    if need is None:
        assert sum(a["quantity"] for a in plan["allocations"]) == 10
        return
    assert all(a["need"] != need for a in plan["allocations"])
    unmet = next(u for u in plan["unmet"] if u["need"] == need)
    assert [r["code"] for r in unmet["reasons"]] == ["no_route"]
    assert words in unmet["reasons"][0]["message"]
