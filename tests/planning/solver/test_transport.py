"""The Lagrangian subproblem by transportation (transport.py): a bound on the LP for any
prices, the LP itself at the LP's duals, and the transportation LP's value exactly."""

from __future__ import annotations

import highspy
import numpy as np
import pytest
import scipy.sparse as sp

from clearinghouse.planning.solver import parse_instance
from clearinghouse.planning.solver.build.model import new_highs
from clearinghouse.planning.solver.build.supply import free_columns
from clearinghouse.planning.solver.generate import generate_instance
from clearinghouse.planning.solver.lp.solve import FULL_COLUMNS, Planner
from clearinghouse.planning.solver.lp.transport import top_per_key

NONE = np.zeros(0, dtype=np.int64)


@pytest.fixture(scope="module")
def priced() -> Planner:
    """A priced planner (no column yet) on a small generated instance."""
    inst = parse_instance(generate_instance(0.2, 3))
    pl = Planner(inst, with_greedy=False, columns=FULL_COLUMNS + 1)
    assert pl.pricer is not None and len(pl.pricer.pair_u) > 1000
    return pl


@pytest.fixture(scope="module")
def full_lp(priced: Planner) -> Planner:
    """The LP over every column (as test_purchase.py's ``_lp``)."""
    pl = Planner(priced.inst, with_greedy=False, columns=FULL_COLUMNS + 1)
    pl.master.add(free_columns(pl.inst, pl.sup))
    assert pl.master.solve("primal", 60).name == "kOptimal"
    return pl


def _plain(pu: np.ndarray, pn: np.ndarray, G: np.ndarray, U: np.ndarray, Q: np.ndarray) -> float:
    """max G x over x >= 0, each supply's and need's total within U and Q, in one LP."""
    p = np.nonzero(G > 0)[0]
    m, S = len(p), len(U)
    cols = np.r_[np.arange(m), np.arange(m)]
    a = sp.csc_matrix((np.ones(2 * m), (np.r_[pu[p], S + pn[p]], cols)), shape=(S + len(Q), m))
    h = new_highs()
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    rows = S + len(Q)
    h.addRows(rows, np.full(rows, -highspy.kHighsInf), np.r_[U, Q], 0,
              np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0))
    h.addCols(m, G[p], np.zeros(m), np.full(m, highspy.kHighsInf), a.nnz,
              a.indptr[:-1].astype(np.int32), a.indices.astype(np.int32), a.data)
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return float(h.getInfo().objective_function_value)


def _y(pl: Planner, scale: float, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).random(pl.lay.rows) * scale


@pytest.mark.parametrize("scale", [0.0, 0.01, 1.0])
def test_the_bound_holds_for_any_prices(priced, full_lp, scale):
    lp = full_lp.master.value()
    pricer = priced.pricer
    # from no pair at all: the pairs join by rounds, and the bound holds after any of them
    sub = pricer.lagrangian(_y(priced, scale, 7), pricer.transport(), NONE, np.inf, 0.0)
    assert sub.bound >= lp - 1e-7 * max(1.0, lp)
    assert sub.violated >= 2  # it did take pairs in by rounds
    assert len(sub.supply) > 0


def test_at_the_lps_duals_the_bound_is_the_lp(priced, full_lp):
    lp = full_lp.master.value()
    pricer = priced.pricer
    y = full_lp.master.y()
    every = np.arange(len(pricer.pair_u))
    sub = pricer.lagrangian(y, pricer.transport(), every, np.inf, 0.0)
    assert sub.bound == pytest.approx(lp, rel=1e-6)
    # the need and pledge rows are the subproblem's own: their prices do not matter
    for need_pledge in (0.0, _y(priced, 1.0, 5)[: priced.lay.offer0]):
        y2 = y.copy()
        y2[: priced.lay.offer0] = need_pledge
        sub2 = pricer.lagrangian(y2, pricer.transport(), every, np.inf, 0.0)
        assert sub2.bound == pytest.approx(lp, rel=1e-6)
    # and the pricer's own bound at those duals is no tighter (it keeps their need and
    # supply prices): the subproblem never loses to it
    assert pricer.price(y).bound >= sub.bound - 1e-6 * lp


def test_the_bound_counts_the_buys_that_class_prices_make_attractive():
    # purchases only, funds ready in different weeks and binding (as in test_purchase.py)
    data = {**generate_instance(0.5, 5), "pledges": [], "fixed": []}
    for k, fund in enumerate(data["funds"]):
        fund["available_week"] = 1 + 9 * k
        fund["amount_eur"] = fund["amount_eur"] / 20
    inst = parse_instance(data)
    full = Planner(inst, with_greedy=False, columns=FULL_COLUMNS + 1)
    full.master.add(free_columns(inst, full.sup))
    assert full.master.solve("primal", 60).name == "kOptimal"
    lp = full.master.value()
    pl = Planner(inst, with_greedy=False, columns=FULL_COLUMNS + 1)
    lay, pricer = pl.lay, pl.pricer
    y = full.master.y()
    y[lay.class0 :] += 1.0  # class rows priced high: buying is worth it, flowing is not
    sub = pricer.lagrangian(y, pricer.transport(), np.arange(len(pricer.pair_u)), np.inf, 0.0)
    assert pricer._buys(y) > 0.1 * lp
    assert sub.bound >= lp - 1e-7 * max(1.0, lp)


@pytest.mark.parametrize("scale", [0.0, 0.3])
def test_the_subproblem_is_the_transportation_lp(priced, scale):
    pricer = priced.pricer
    y = _y(priced, scale, 3)
    y[: priced.lay.offer0] = 0.0  # as lagrangian() prices the pairs
    G = pricer.best(y)[0]
    t = pricer.transport()
    plain = _plain(t.pair_u, t.pair_n, G, t.U, t.Q)
    assert plain > 0
    # from no pair (working sets grown by rounds) to optimality: the duals' cost (the bound)
    # and the working set's optimum are both the LP's value
    res = t.solve(G, NONE, np.inf, 0.0, rounds=1000)
    assert res.value == pytest.approx(plain, rel=1e-6)
    assert res.primal == pytest.approx(plain, rel=1e-6)
    # the flows are a feasible solution of that value
    assert res.x.min() >= 0
    assert float(np.maximum(G, 0) @ res.x) == pytest.approx(plain, rel=1e-6)
    assert (np.bincount(t.pair_u, res.x, minlength=t.S) <= t.U * (1 + 1e-7) + 1e-9).all()
    assert (np.bincount(t.pair_n, res.x, minlength=t.N) <= t.Q * (1 + 1e-7) + 1e-9).all()
    # warm, with every cost changed: the same subproblem object gives the new optimum
    G2 = pricer.best(_y(priced, 0.1, 4) * (np.arange(priced.lay.rows) >= priced.lay.offer0))[0]
    res2 = t.solve(G2, NONE, np.inf, 0.0, rounds=1000)
    assert res2.value == pytest.approx(_plain(t.pair_u, t.pair_n, G2, t.U, t.Q), rel=1e-6)


def test_a_subproblem_is_rebuilt_when_pairs_or_limits_change():
    inst = parse_instance(generate_instance(0.2, 3))
    pl = Planner(inst, with_greedy=False, columns=FULL_COLUMNS + 1)
    pricer = pl.pricer
    t = pricer.transport()
    assert t.fits(pricer)
    upper = pl.upper.copy()
    upper[pl.lay.pledge0] = 0.0  # a pledge withdrawn
    pricer.set_upper(upper)
    assert not t.fits(pricer)
    t = pricer.transport()
    assert t.fits(pricer)
    pricer.drop_supplies(pl.sup.pledge == 0)
    assert not t.fits(pricer)
    t = pricer.transport()
    upper = upper.copy()
    upper[0] = 0.5 * upper[0]  # a need's quantity
    pricer.set_upper(upper)
    assert not t.fits(pricer)


def test_top_per_key():
    score = np.array([5.0, 1.0, 3.0, 2.0, 4.0, 0.0])
    key = np.array([0, 0, 0, 1, 1, 2])
    assert sorted(top_per_key(score, key, 2).tolist()) == [0, 2, 3, 4, 5]
    assert sorted(top_per_key(score, key, 1).tolist()) == [0, 4, 5]
    assert len(top_per_key(score[:0], key[:0], 3)) == 0


def test_columns_through_more_hubs_take_each_pairs_best_week_at_its_best_hubs(priced):
    """``hubs=2`` adds, to each pair's columns at its best hub, its best (earliest) week
    through its second best hub: the first master of scale 10 is seeded so (two masters to
    the LP instead of three)."""
    pricer, T = priced.pricer, priced.inst.horizon
    y = _y(priced, 0.01, 9)
    _, best_h, g = pricer.best(y)
    p = np.arange(0, len(pricer.pair_u), 7)
    one = pricer.columns(y, p, best_h, g, weeks=1)
    two = pricer.columns(y, p, best_h, g, weeks=1, hubs=2)
    key = {(s, n): set() for s, n in zip(pricer.pair_u[p], pricer.kn[pricer.pair_k[p]],
                                          strict=True)}
    for s, n, h, w in zip(two.supply, two.need, two.hub, two.ship, strict=True):
        key[(s, n)].add((int(h), int(w)))
    assert set(zip(one.supply, one.need, one.hub, one.ship, strict=True)) <= {
        (s, n, h, w) for (s, n), hw in key.items() for h, w in hw}
    spread = 0
    for j in p:  # each pair's best week per hub, by brute force
        u, k = int(pricer.pair_u[j]), int(pricer.pair_k[j])
        net = g[k] - pricer.flow_prices(y, np.array([u]))[0]
        per_hub = {}
        for h in range(pricer.H):
            w = [t for t in range(max(int(pricer.entry[u, h]), 1), T + 1) if net[h, t] > -np.inf]
            if w:
                top = max(net[h, t] for t in w)
                per_hub[h] = (top, min(t for t in w if net[h, t] == top))
        ranked = sorted(per_hub, key=lambda h: -per_hub[h][0])
        got = key[(u, int(pricer.kn[k]))]
        for h in ranked[:2]:
            assert (h, per_hub[h][1]) in got
        spread += len({h for h, _ in got}) == 2
    assert spread > len(p) / 2  # most pairs can go through two hubs
