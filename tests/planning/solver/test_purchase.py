"""Purchases by offer (purchase.py): the same LP as the (fund, offer) columns, priced right,
and matched back to funds within every limit."""

from __future__ import annotations

import numpy as np
import pytest

from clearinghouse.planning.solver import parse_instance
from clearinghouse.planning.solver.build.model import coefficients, model_of
from clearinghouse.planning.solver.build.purchase import disaggregate
from clearinghouse.planning.solver.build.supply import free_columns, make_columns
from clearinghouse.planning.solver.generate import generate_instance
from clearinghouse.planning.solver.lp.solve import FULL_COLUMNS, Planner

from ..helpers import example


def _instances():
    yield "generated", generate_instance(0.2, 3)
    yield "non-lethal-fund", example("non-lethal-fund")
    # purchases only, funds ready in different weeks: several classes per offer, carried on
    data = {**generate_instance(0.5, 5), "pledges": [], "fixed": []}
    for k, fund in enumerate(data["funds"]):
        fund["available_week"] = 1 + 9 * k
        fund["amount_eur"] = fund["amount_eur"] / 20  # budgets bind
    yield "staggered funds", data


INSTANCES = dict(_instances())


def _lp(inst, by_offer: bool) -> Planner:
    """The LP over every column, with purchases by offer or by (fund, offer) pair."""
    pl = Planner(inst, with_greedy=False, columns=FULL_COLUMNS + 1 if by_offer else 0)
    pl.master.add(free_columns(inst, pl.sup))
    assert pl.master.solve("primal", 60).name == "kOptimal"
    return pl


@pytest.mark.parametrize("name", INSTANCES)
def test_by_offer_the_lp_is_the_same_and_matches_back_to_funds(name):
    inst = parse_instance(INSTANCES[name])
    pairs, offers = _lp(inst, False), _lp(inst, True)
    assert offers.purchases.classes >= len(np.unique(offers.purchases.offer))
    value = offers.master.value()
    assert value == pytest.approx(pairs.master.value(), rel=1e-7, abs=1e-9)
    if name == "staggered funds":  # the purchases bind, else the test proves little
        assert (offers.master.buys() > 1e-6).sum() >= 2
        assert len(np.unique(offers.purchases.klass)) > len(np.unique(offers.purchases.offer))

    cols, x = disaggregate(inst, offers.pairs, offers.purchases, offers.master.columns(),
                           offers.master.x(), offers.master.buys())
    assert (cols.pledge >= 0).sum() + (cols.fund >= 0).sum() == len(cols)  # all by fund now
    # every column is a feasible (fund, offer) one: ready in time, on a route, in the horizon
    listed = free_columns(inst, offers.pairs)
    key = lambda c: set(zip(c.supply, c.need, c.hub, c.ship, strict=True))  # noqa: E731
    assert key(cols) <= key(listed)
    model = model_of(inst, offers.pairs, cols)
    slack = model.row_upper - model.matrix @ x
    assert slack.min() >= -1e-6 * max(1.0, model.row_upper.max())
    assert x @ cols.unit_value == pytest.approx(value, rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("name", INSTANCES)
def test_pricing_by_offer_finds_the_best_column_of_every_supply(name):
    inst = parse_instance(INSTANCES[name])
    pl = Planner(inst, with_greedy=False, columns=FULL_COLUMNS + 1)
    sup, lay, pricer = pl.sup, pl.lay, pl.pricer
    cols = free_columns(inst, sup)
    assert ((cols.pledge < 0) & (cols.fund < 0)).any()  # offers' flows are priced here
    rows, col, val = coefficients(inst, lay, cols)
    assert (rows >= lay.class0).sum() == (cols.pledge < 0).sum()  # one class row each
    lp = _lp(inst, True).master.value()
    rng = np.random.default_rng(1)
    for scale in (0.0, 0.01, 1.0):
        y = rng.random(lay.rows) * scale
        rc = cols.unit_value - np.bincount(col, weights=val * y[rows], minlength=len(cols))
        best = np.full(len(sup), -np.inf)
        np.maximum.at(best, cols.supply, rc)
        priced = pricer.price(y, top=10**6, weeks=1, tol=-np.inf)
        found = make_columns(inst, sup, priced.supply, priced.need, priced.hub, priced.ship)
        r2, c2, v2 = coefficients(inst, lay, found)
        rc2 = found.unit_value - np.bincount(c2, weights=v2 * y[r2], minlength=len(found))
        got = np.full(len(sup), -np.inf)
        np.maximum.at(got, found.supply, rc2)
        assert np.allclose(got, best, atol=1e-9)
        # a bound for any prices: the buys and carries they make attractive count too
        assert priced.bound >= lp - 1e-7 * max(1.0, lp)
