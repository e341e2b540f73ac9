"""Property tests on small random instances: every limit of the contract holds, the value is the
sum over the allocations, optimal >= greedy and bound >= value; the same with column
generation, and after a warm re-plan."""

from __future__ import annotations

import os
from collections import defaultdict

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearinghouse.planning.solver import parse_instance, solve, solve_greedy
from clearinghouse.planning.solver.lp.replan import Replanner
from clearinghouse.planning.solver.lp.solve import FULL_COLUMNS, Planner

from ..helpers import validate_plan

TOL = 1e-6
WEIGHTS = {"critical": 8.0, "high": 4.0, "medium": 2.0, "low": 1.0}


@st.composite
def instances(draw):
    T = draw(st.integers(2, 6))
    n_items = draw(st.integers(1, 3))
    items = []
    for i in range(n_items):
        it = {"id": f"I{i}", "pallets_per_unit": draw(st.sampled_from([0, 0.5, 1, 3]))}
        if draw(st.booleans()):
            it["family"] = draw(st.sampled_from(["FA", "FB"]))
        if draw(st.booleans()):
            it["indivisible"] = True
        it["lethal"] = draw(st.booleans())
        items.append(it)
    hubs = []
    for h in range(draw(st.integers(1, 2))):
        cap = draw(
            st.one_of(
                st.sampled_from([0, 2, 5, 20]),
                st.lists(st.sampled_from([0, 1, 4, 10]), min_size=T, max_size=T),
            )
        )
        hub = {"id": f"H{h}", "capacity_pallets": cap}
        closed = draw(st.lists(st.integers(1, T), max_size=2, unique=True))
        if closed:
            hub["closed_weeks"] = closed
        hubs.append(hub)
    depots, regions = ["D0", "D1"], ["R0", "R1"]
    routes = [
        {"origin": d, "hub": h["id"], "weeks": draw(st.integers(0, 2))}
        for d in depots
        for h in hubs
        if draw(st.integers(0, 3)) > 0
    ] or [{"origin": "D0", "hub": "H0", "weeks": 1}]
    deliveries = [
        {"hub": h["id"], "region": r, "weeks": draw(st.integers(0, 2))}
        for h in hubs
        for r in regions
        if draw(st.integers(0, 3)) > 0
    ] or [{"hub": "H0", "region": "R0", "weeks": 0}]
    origins = sorted({r["origin"] for r in routes})
    dests = sorted({d["region"] for d in deliveries})
    families = sorted({it["family"] for it in items if "family" in it})
    needs = []
    for n in range(draw(st.integers(1, 4))):
        need = {
            "id": f"N{n}",
            "quantity": draw(st.sampled_from([1, 2, 3, 5, 7.5, 10])),
            "priority": draw(st.sampled_from(sorted(WEIGHTS))),
            "due_week": draw(st.integers(1, T)),
            "region": draw(st.sampled_from(dests)),
        }
        if families and draw(st.integers(0, 3)) == 0:
            need["family"] = draw(st.sampled_from(families))
        else:
            need["item"] = draw(st.sampled_from(items))["id"]
        needs.append(need)
    pledges = []
    for p in range(draw(st.integers(1, 5))):
        pl = {
            "id": f"P{p}",
            "donor": "X",
            "item": draw(st.sampled_from(items))["id"],
            "quantity": draw(st.sampled_from([1, 2, 4, 6, 2.5, 10])),
            "available_week": draw(st.integers(1, max(1, T // 2))),
            "origin": draw(st.sampled_from(origins)),
        }
        if draw(st.integers(0, 3)) == 0:
            pl["regions"] = [draw(st.sampled_from(dests))]
        if draw(st.integers(0, 3)) == 0:
            pl["needs"] = [draw(st.sampled_from(needs))["id"]]
        pledges.append(pl)
    funds, offers = [], []
    if draw(st.integers(0, 2)) > 0:
        fund = {
            "id": "F0",
            "donor": "Y",
            "amount_eur": draw(st.sampled_from([10, 35, 100])),
            "available_week": draw(st.integers(1, T)),
            "non_lethal_only": draw(st.booleans()),
        }
        if draw(st.booleans()):
            fund["items"] = [draw(st.sampled_from(items))["id"]]
        funds.append(fund)
        for o in range(draw(st.integers(1, 2))):
            offers.append(
                {
                    "id": f"O{o}",
                    "supplier": "S",
                    "item": draw(st.sampled_from(items))["id"],
                    "unit_price_eur": draw(st.sampled_from([1, 3, 10])),
                    "max_quantity": draw(st.sampled_from([2, 5, 50])),
                    "available_week": draw(st.integers(1, T)),
                    "lead_weeks": draw(st.integers(0, 2)),
                    "origin": draw(st.sampled_from(origins)),
                }
            )
    return {
        "format": "clearinghouse-instance/1",
        "horizon_weeks": T,
        "late_factor": draw(st.sampled_from([0.0, 0.5, 0.9])),
        "items": items,
        "hubs": hubs,
        "routes": routes,
        "deliveries": deliveries,
        "needs": needs,
        "pledges": pledges,
        "funds": funds,
        "offers": offers,
    }


def check_plan(data: dict, plan: dict) -> float:
    """Check every limit of the contract against the raw instance; return the recomputed value."""
    T = data["horizon_weeks"]
    lf = data.get("late_factor", 0.9)
    items = {it["id"]: it for it in data["items"]}
    hubs = {h["id"]: h for h in data["hubs"]}
    needs = {n["id"]: n for n in data["needs"]}
    pledges = {p["id"]: p for p in data["pledges"]}
    funds = {f["id"]: f for f in data.get("funds", [])}
    offers = {o["id"]: o for o in data.get("offers", [])}
    route = {}
    for r in data["routes"]:
        key = (r["origin"], r["hub"])
        route[key] = min(route.get(key, r["weeks"]), r["weeks"])
    deliv = {}
    for d in data["deliveries"]:
        key = (d["hub"], d["region"])
        deliv[key] = min(deliv.get(key, d["weeks"]), d["weeks"])
    used = defaultdict(float)
    value = 0.0
    for a in plan["allocations"]:
        q = a["quantity"]
        assert q > 0
        need = needs[a["need"]]
        if "pledge" in a:
            p = pledges[a["pledge"]]
            item, origin, ready = p["item"], p["origin"], p["available_week"]
            assert need["region"] in p.get("regions", [need["region"]])
            assert need["id"] in p.get("needs", [need["id"]])
            used["pledge", p["id"]] += q
        else:
            f, o = funds[a["fund"]], offers[a["offer"]]
            item, origin = o["item"], o["origin"]
            ready = max(f["available_week"], o.get("available_week", 1)) + o["lead_weeks"]
            assert item in f.get("items", [item])
            assert not (f.get("non_lethal_only") and items[item].get("lethal", True))
            used["offer", o["id"]] += q
            used["fund", f["id"]] += q * o["unit_price_eur"]
        it = items[item]
        assert need.get("item") == item or ("family" in need and it.get("family") == need["family"])
        hub, s, t = a["hub"], a["ship_week"], a["arrival_week"]
        assert (origin, hub) in route and (hub, need["region"]) in deliv
        assert s >= ready + route[origin, hub]
        assert t == s + deliv[hub, need["region"]] <= T
        assert s not in hubs[hub].get("closed_weeks", [])
        if it.get("indivisible"):
            assert q == round(q)
        used["need", need["id"]] += q
        used["hub", hub, s] += q * it["pallets_per_unit"]
        unit = WEIGHTS[need["priority"]] / need["quantity"] * lf ** max(0, t - need["due_week"])
        assert abs(a["value"] - q * unit) <= TOL * max(1, q * unit)
        value += q * unit
    for key, amount in used.items():
        if key[0] == "need":
            limit = needs[key[1]]["quantity"]
        elif key[0] == "pledge":
            limit = pledges[key[1]]["quantity"]
        elif key[0] == "offer":
            limit = offers[key[1]]["max_quantity"]
        elif key[0] == "fund":
            limit = funds[key[1]]["amount_eur"]
        else:
            cap = hubs[key[1]]["capacity_pallets"]
            limit = cap[key[2] - 1] if isinstance(cap, list) else cap
        assert amount <= limit * (1 + TOL) + TOL, (key, amount, limit)
    return value


@settings(
    max_examples=int(os.environ.get("PLANNING_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(instances())
def test_random_instances(data):
    inst = parse_instance(data)
    res = solve(inst, time_limit=20)
    assert res.status in ("optimal", "gap_limit")
    plan = res.to_plan()
    validate_plan(plan)
    value = check_plan(data, plan)
    assert abs(value - plan["value"]) <= TOL * max(1.0, value)
    greedy = solve_greedy(inst)
    gvalue = check_plan(data, {"allocations": greedy.allocations()})
    assert abs(gvalue - greedy.value) <= TOL * max(1.0, gvalue)
    assert res.value >= greedy.value - TOL * max(1.0, greedy.value)
    assert res.bound >= res.value - TOL * max(1.0, res.value)
    assert res.lp_bound >= res.bound - TOL * max(1.0, res.bound)
    # fixing the greedy plan's allocations keeps a feasible instance, and the plan keeps them
    fixed = [
        {
            k: a[k]
            for k in ("pledge", "fund", "offer", "need", "hub", "ship_week", "quantity")
            if k in a
        }
        for a in greedy.allocations()[:2]
    ]
    if fixed:
        data2 = {**data, "fixed": fixed}
        res2 = solve(parse_instance(data2), time_limit=20)
        plan2 = res2.to_plan()
        validate_plan(plan2)
        check_plan(data2, plan2)
        kept = sorted(
            (a["need"], a["hub"], a["ship_week"], a["quantity"])
            for a in plan2["allocations"]
            if a.get("fixed")
        )
        assert kept == sorted((a["need"], a["hub"], a["ship_week"], a["quantity"]) for a in fixed)
        assert res2.value <= res.value + TOL * max(1.0, res.value)


@settings(
    max_examples=int(os.environ.get("PLANNING_EXAMPLES", "150")) // 3,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(instances(), st.data())
def test_column_generation_and_warm_replans(data, draw):
    """Priced columns (as for large instances): a valid plan, a true bound, the full LP's
    bound within a quarter of the gap; a warm re-plan after a pledge is withdrawn: a valid
    plan of the changed instance, as good as a cold solve of it."""
    inst = parse_instance(data)
    full = solve(inst, time_limit=20)
    priced = Planner(inst, time_limit=20, columns=FULL_COLUMNS + 1)  # column generation
    res = priced.run()
    check_plan(data, res.to_plan())
    assert res.bound >= res.value - TOL * max(1.0, res.value)
    assert res.lp_bound >= full.lp_bound - TOL * max(1.0, full.lp_bound)
    assert res.lp_bound <= full.lp_bound * (1 + 0.25e-4) + TOL
    assert res.value >= full.value - 1e-4 * full.bound - TOL
    assert (res.status in ("optimal", "gap_limit")) == (res.gap <= 1e-4 + 1e-9)

    pledge = draw.draw(st.sampled_from([p["id"] for p in data["pledges"]]))
    rp = Replanner(inst, time_limit=20)
    warm = rp.withdraw_pledge(pledge)
    changed = {**data, "pledges": [p for p in data["pledges"] if p["id"] != pledge]}
    check_plan(changed, warm.to_plan())
    cold = solve(parse_instance(changed), time_limit=20)
    if warm.status in ("optimal", "gap_limit") and cold.status in ("optimal", "gap_limit"):
        assert abs(warm.value - cold.value) <= 1e-4 * max(warm.bound, cold.bound) + TOL
