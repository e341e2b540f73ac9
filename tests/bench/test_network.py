"""The LP as a time-expanded network aggregated by item (bench/network_lp.py): the same value as the
pledge-level LP over every column, duals that price every column right, and flows that
decompose into feasible pledge-level columns of that value."""

from __future__ import annotations

import numpy as np
import pytest

from bench.network_lp import solve_network
from clearinghouse.planning.solver import parse_instance
from clearinghouse.planning.solver.build.model import model_of
from clearinghouse.planning.solver.build.purchase import disaggregate
from clearinghouse.planning.solver.build.supply import concat, free_columns
from clearinghouse.planning.solver.generate import generate_instance
from clearinghouse.planning.solver.lp.solve import FULL_COLUMNS, Planner

from ..planning.helpers import example
from ..planning.solver.test_purchase import INSTANCES, _lp


def _with_fixed():
    data = generate_instance(0.2, 4)
    pledge = next(p for p in data["pledges"] if "needs" not in p and "regions" not in p)
    need = next(n for n in data["needs"] if n.get("item") == pledge["item"])
    hub = next(r["hub"] for r in data["routes"] if r["origin"] == pledge["origin"])
    data["fixed"] = [{"pledge": pledge["id"], "need": need["id"], "hub": hub,
                      "ship_week": 50, "quantity": 1}]
    return data


CASES = {**INSTANCES, "family": example("family"), "hub-capacity": example("hub-capacity"),
         "fixed allocation": _with_fixed()}


@pytest.mark.parametrize("name", CASES)
def test_the_network_lp_is_the_pledge_level_lp(name):
    inst = parse_instance(CASES[name])
    full = _lp(inst, True)
    lp = full.master.value() + full.fixed_value
    pl = Planner(inst, with_greedy=False, columns=FULL_COLUMNS + 1)
    net = solve_network(inst, pl.sup, pl.lay, pl.upper)
    assert net.status == "Optimal"
    assert net.value + pl.fixed_value == pytest.approx(lp, rel=1e-7, abs=1e-9)
    # restricted pledges keep their identity: these instances have both kinds
    if name == "generated":
        assert inst.pledge_need_restricted.any()
        assert (~inst.pledge_region_ok).any()
    if name == "fixed allocation":  # taken out of the limits, counted in the value
        assert len(pl.fixed) == 1 and pl.fixed_value > 0

    # its duals price every pledge-level column at most zero, so they bound the value
    priced = pl.pricer.price(net.y)
    assert priced.violated == 0
    assert priced.bound + pl.fixed_value == pytest.approx(lp, rel=1e-6, abs=1e-9)

    # its flows, decomposed, are feasible pledge-level columns with the same value
    listed = free_columns(inst, pl.sup)
    key = lambda c: set(zip(c.supply, c.need, c.hub, c.ship, strict=True))  # noqa: E731
    assert key(net.cols) <= key(listed)
    assert net.x @ net.cols.unit_value == pytest.approx(net.value, rel=1e-6, abs=1e-9)
    cols, x = disaggregate(inst, pl.pairs, pl.purchases, net.cols, net.x, net.buys)
    cols, x = concat(cols, pl.fixed), np.r_[x, pl.fixed.lower]  # with what is moving
    model = model_of(inst, pl.pairs, cols)
    slack = model.row_upper - model.matrix @ x
    assert slack.min() >= -1e-6 * max(1.0, model.row_upper.max())
    assert x @ cols.unit_value == pytest.approx(lp, rel=1e-6, abs=1e-9)


def test_a_closed_hub_carries_nothing():
    data = INSTANCES["generated"]
    inst = parse_instance(data)
    pl = Planner(inst, with_greedy=False, columns=FULL_COLUMNS + 1)
    open_ = solve_network(inst, pl.sup, pl.lay, pl.upper)
    h = int(np.bincount(open_.cols.hub, open_.x).argmax())
    hub_open = inst.hub_open.copy()
    hub_open[h, :] = False
    closed = solve_network(inst, pl.sup, pl.lay, pl.upper, hub_open=hub_open)
    assert closed.status == "Optimal"
    assert not (closed.cols.hub == h).any()
    assert closed.value < open_.value
