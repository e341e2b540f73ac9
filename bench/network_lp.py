"""The LP over every column at once, as a time-expanded network aggregated by item.

Research code kept beside its benchmark (bench/network.py): the solver does not use it
(docs/solver.md, "The aggregated network", has the measured figures).

A pledge-level column (supply, need, hub, ship week) goes depot -> hub -> region -> need. Its
value depends only on the need and the arrival week, its hub-week capacity only on the item,
so most supplies need not keep their identity beyond their depot:

- a **depot chain** per (item, depot) of the pledges free of restrictions and the purchases
  (each buy ``b[f, o]`` enters at its offer's depot in the week it is ready), one node per
  week, carries to the next week (goods wait at the depot), route flows out to the hubs;
- a **hub node** per (item, hub, ship week) with flows out to each region's arrival week;
- a **region chain** per (item, region), one node per arrival week; a need takes from it
  in its due week or later (late, at its late value). Carries to later weeks let goods that
  arrive early wait for the due week: arriving early is never worth less, so the optimum is
  the pledge-level one;
- pledges restricted to regions keep their identity to the region: one column per (pledge,
  hub, ship week, region); pledges restricted to needs keep it to the need (their
  pledge-level columns).

It has about a hundredth of the pledge-level columns at generated scale 10 (docs/solver.md).
The LP's value is the bound, its duals are optimal for the pledge-level LP (a pooled pledge's
price is its depot node's in its ready week, an offer class's its node's in the class's week),
and its flows, decomposed into paths (:func:`decompose`), are pledge-level columns with that
value.

Measured against column generation (bench/network.py), it loses: the time expansion makes
its rows many times the master's, and interior point on them is far slower than column
generation's LP. So the solver does not use it; it stays, tested equal to the pledge-level LP
(tests/bench/test_network.py), for that comparison.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from clearinghouse.planning.solver.build.instance import Instance
from clearinghouse.planning.solver.build.model import Layout, max_lp, new_highs
from clearinghouse.planning.solver.build.supply import (
    Columns,
    Supplies,
    expand_ranges,
    free_columns,
    make_columns,
    need_items,
    select,
    unit_values,
)

EPS = 1e-9


@dataclass
class NetworkLP:
    status: str
    value: float
    y: np.ndarray  # duals in the pledge-level Layout's rows
    cols: Columns  # the flows decomposed into pledge-level columns (of ``sup``)
    x: np.ndarray
    buys: np.ndarray  # in purchase.Purchases order
    shape: tuple[int, int]
    seconds: float


@dataclass(frozen=True)
class Network:
    """The aggregated LP in natural units, and where each kind of column starts."""

    matrix: sp.csc_matrix
    cost: np.ndarray
    row_upper: np.ndarray
    row_scale: np.ndarray
    parts: dict  # kind -> dict of arrays (``col``: its first column)

    @property
    def shape(self) -> tuple[int, int]:
        return self.matrix.shape


class _Builder:
    """Columns as (row, value) entries in natural units."""

    def __init__(self, rows: int):
        self.rows, self.cols = rows, 0
        self.r, self.c, self.v, self.cost = [], [], [], []

    def add_rows(self, n: int) -> int:
        self.rows += int(n)
        return self.rows - int(n)

    def add_cols(self, cost: np.ndarray, *entries) -> int:
        first, n = self.cols, len(cost)
        self.cols += n
        self.cost.append(np.asarray(cost, float))
        for row, val in entries:
            self.r.append(np.asarray(row, np.int64))
            self.c.append(first + np.arange(n))
            self.v.append(np.broadcast_to(np.asarray(val, float), (n,)))
        return first

    def matrix(self) -> sp.csc_matrix:
        m = sp.csc_matrix(
            (np.concatenate(self.v), (np.concatenate(self.r), np.concatenate(self.c))),
            shape=(self.rows, self.cols),
        )
        m.sum_duplicates()
        m.eliminate_zeros()
        return m


def _usable(inst: Instance, hub_open: np.ndarray, item, h, s) -> np.ndarray:
    return hub_open[h, s] & ((inst.hub_capacity[h, s] > 0) | (inst.item_ppu[item] == 0))


def _item_units(inst: Instance) -> np.ndarray:
    """Per item, the unit its flows are counted in: 1 when indivisible, else the mean
    quantity of the needs it fits (fuel in litres, shells in rounds)."""
    kn, ki = need_items(inst)
    total = np.bincount(ki, inst.need_qty[kn], minlength=len(inst.item_ids))
    count = np.bincount(ki, minlength=len(inst.item_ids))
    unit = np.divide(total, count, out=np.ones(len(total)), where=count > 0)
    return np.where(inst.item_indivisible, 1.0, np.maximum(unit, 1.0))


def build_network(inst: Instance, sup: Supplies, lay: Layout, upper: np.ndarray,
                  hub_open: np.ndarray) -> Network:
    T, H, R, D = inst.horizon, len(inst.hub_ids), len(inst.region_ids), len(inst.depot_ids)
    pur, ppu, n_items = lay.purchases, inst.item_ppu, len(inst.item_ids)
    b = _Builder(lay.class0)  # needs, pledges, offers, funds, hub-weeks: the Layout's rows

    # supplies: pooled in depot chains, restricted to regions, restricted to needs
    pl = np.nonzero(sup.pledge >= 0)[0]
    need_r = inst.pledge_need_restricted[sup.pledge[pl]]
    region_r = ~need_r & ~inst.pledge_region_ok[sup.pledge[pl]].all(axis=1)
    pooled = pl[~need_r & ~region_r]
    nb = len(pur.fund) if pur is not None else 0
    b_off = pur.offer if nb else np.zeros(0, np.int64)
    src_item = np.r_[sup.item[pooled], inst.offer_item[b_off]].astype(np.int64)
    src_ready = np.r_[sup.ready[pooled], pur.ready if nb else []].astype(np.int64)
    src_qty = np.r_[upper[lay.pledge0 + sup.pledge[pooled]], np.zeros(nb)]
    key = src_item * D + np.r_[sup.depot[pooled], inst.offer_depot[b_off]].astype(np.int64)
    ch_key, src_chain = np.unique(key, return_inverse=True)
    ch_item, ch_depot = ch_key // D, ch_key % D
    ch_start = np.full(len(ch_key), T + 1, dtype=np.int64)
    np.minimum.at(ch_start, src_chain, np.maximum(src_ready, 1))
    ch_len = np.maximum(T - ch_start + 1, 0)
    depot0 = b.add_rows(ch_len.sum())
    ch_off = depot0 + np.r_[0, np.cumsum(ch_len)[:-1]].astype(np.int64)

    def node(c, w):
        return ch_off[c] + w - ch_start[c]

    row_upper = np.zeros(b.rows)
    row_upper[: lay.class0] = upper[: lay.class0]
    live = src_ready <= T
    np.add.at(row_upper, node(src_chain[live], src_ready[live]), src_qty[live])
    c, w = expand_ranges(ch_start, np.full(len(ch_key), T - 1))
    b.add_cols(np.zeros(len(c)), (node(c, w), 1.0), (node(c, w + 1), -1.0))
    bc = src_chain[len(pooled):]
    ok = pur.ready <= T if nb else np.zeros(0, bool)
    buy0 = b.add_cols(np.zeros(nb), (lay.offer0 + b_off, 1.0),
                      (lay.fund0 + (pur.fund if nb else b_off), inst.offer_price[b_off]),
                      (np.where(ok, node(bc, np.minimum(src_ready[len(pooled):], T)), 0),
                       np.where(ok, -1.0, 0.0)))

    # region chains (item, region) that some need takes from; takes in the due week or later
    kn, ki = need_items(inst)
    reg_key, k_reg = np.unique(ki * R + inst.need_region[kn], return_inverse=True)
    reg_item, reg_region = reg_key // R, reg_key % R
    reg0 = b.add_rows(len(reg_key) * T)

    def rnode(rc, t):
        return reg0 + rc * T + t - 1

    rc, t = expand_ranges(np.ones(len(reg_key), np.int64), np.full(len(reg_key), T - 1))
    b.add_cols(np.zeros(len(rc)), (rnode(rc, t), 1.0), (rnode(rc, t + 1), -1.0))
    k, t = expand_ranges(np.clip(inst.need_due[kn], 1, T), np.full(len(kn), T))
    val = unit_values(inst, kn[k], t)
    k, t, val = k[val > 0], t[val > 0], val[val > 0]
    take0 = b.add_cols(val, (kn[k], 1.0), (rnode(k_reg[k], t), 1.0))

    # hub nodes (item, hub, ship week) of the items taken; flows out to region chains
    items_used = np.unique(reg_item)
    item_pos = np.full(n_items, -1, dtype=np.int64)
    item_pos[items_used] = np.arange(len(items_used))
    hub0 = b.add_rows(len(items_used) * H * T)

    def hnode(i, h, s):
        return hub0 + (item_pos[i] * H + h) * T + s - 1

    dw = inst.delivery_weeks[:, reg_region].T  # (region chains, H)
    gr, gh = np.nonzero(dw >= 0)
    a, gs = expand_ranges(np.ones(len(gr), np.int64), T - dw[gr, gh])
    gr, gh = gr[a], gh[a]
    ok = _usable(inst, hub_open, reg_item[gr], gh, gs)
    gr, gh, gs = gr[ok], gh[ok], gs[ok]
    # the arcs, not the route flows, take the hub's capacity: its row then meets few nodes
    # (interior point 3x faster at generated scale 1); what a hub node takes in beyond what
    # it sends on is sent nowhere, for no value
    arc0 = b.add_cols(np.zeros(len(gr)), (hnode(reg_item[gr], gh, gs), 1.0),
                      (rnode(gr, gs + dw[gr, gh]), -1.0),
                      (lay.hub_week(gh, gs), ppu[reg_item[gr]]))

    # route flows from depot chains to the hub nodes of items taken
    rw = inst.route_weeks[ch_depot]  # (chains, H)
    cr, hr = np.nonzero((rw >= 0) & (item_pos[ch_item] >= 0)[:, None])
    a, rs = expand_ranges(ch_start[cr] + rw[cr, hr], np.full(len(cr), T))
    cr, hr = cr[a], hr[a]
    ok = _usable(inst, hub_open, ch_item[cr], hr, rs)
    cr, hr, rs = cr[ok], hr[ok], rs[ok]
    route0 = b.add_cols(np.zeros(len(cr)), (node(cr, rs - rw[cr, hr]), 1.0),
                        (hnode(ch_item[cr], hr, rs), -1.0))

    # pledges restricted to regions: (pledge, hub, ship week, region) into the region chain
    rp = pl[region_r]
    rwp = inst.route_weeks[sup.depot[rp]]
    j, ph = np.nonzero(rwp >= 0)
    a, ps = expand_ranges(np.maximum(sup.ready[rp[j]] + rwp[j, ph], 1), np.full(len(j), T))
    j, ph = np.repeat(j[a], R), np.repeat(ph[a], R)
    ps, pr = np.repeat(ps, R), np.tile(np.arange(R), len(a))
    pu = rp[j]
    reg_index = np.full(n_items * R, -1, dtype=np.int64)
    reg_index[reg_key] = np.arange(len(reg_key))
    prc = reg_index[sup.item[pu] * R + pr]
    pdw = inst.delivery_weeks[ph, pr]
    ok = (inst.pledge_region_ok[sup.pledge[pu], pr] & (prc >= 0) & (pdw >= 0)
          & (ps + pdw <= T) & _usable(inst, hub_open, sup.item[pu], ph, ps))
    pu, ph, ps, prc, pdw = pu[ok], ph[ok], ps[ok], prc[ok], pdw[ok]
    path0 = b.add_cols(np.zeros(len(pu)), (lay.pledge0 + sup.pledge[pu], 1.0),
                       (lay.hub_week(ph, ps), ppu[sup.item[pu]]), (rnode(prc, ps + pdw), -1.0))

    # pledges restricted to needs: their pledge-level columns
    direct = _direct_columns(inst, sup, pl[need_r], hub_open)
    direct0 = b.add_cols(direct.unit_value, (direct.need, 1.0),
                         (lay.pledge0 + direct.pledge, 1.0),
                         (lay.hub_week(direct.hub, direct.ship), ppu[direct.item]))

    row_upper = np.r_[row_upper, np.zeros(b.rows - len(row_upper))]
    unit = _item_units(inst)
    row_scale = np.ones(b.rows)
    lim = upper[: lay.class0]
    row_scale[: lay.class0] = np.where(lim > 0, lim, 1.0)
    row_scale[depot0:reg0] = np.repeat(unit[ch_item], ch_len)
    row_scale[reg0:hub0] = np.repeat(unit[reg_item], T)
    row_scale[hub0:] = np.repeat(unit[items_used], H * T)
    parts = {
        "sources": dict(supply=np.r_[pooled, _offer_supply(sup, b_off)].astype(np.int64),
                        chain=src_chain, ready=src_ready, qty=src_qty, n_pooled=len(pooled),
                        col=buy0),
        "chains": dict(start=ch_start, off=ch_off),
        "routes": dict(chain=cr, hub=hr, ship=rs, dispatch=rs - rw[cr, hr], col=route0,
                       node=hnode(ch_item[cr], hr, rs) - hub0),
        "hubs": dict(count=len(items_used) * H * T),
        "arcs": dict(chain=gr, arrival=gs + dw[gr, gh], col=arc0,
                     node=hnode(reg_item[gr], gh, gs) - hub0),
        "regions": dict(count=len(reg_key)),
        "paths": dict(supply=pu, hub=ph, ship=ps, chain=prc, arrival=ps + pdw, col=path0),
        "takes": dict(need=kn[k], chain=k_reg[k], week=t, col=take0),
        "direct": dict(cols=direct, col=direct0),
    }
    return Network(b.matrix(), np.concatenate(b.cost), row_upper, row_scale, parts)


def _offer_supply(sup: Supplies, offers: np.ndarray) -> np.ndarray:
    """The index in ``sup`` of each offer's flows."""
    flows = np.nonzero((sup.pledge < 0) & (sup.fund < 0))[0]
    by_offer = np.full(int(sup.offer.max(initial=0)) + 1, -1, dtype=np.int64)
    by_offer[sup.offer[flows]] = flows
    return by_offer[offers] if len(offers) else np.zeros(0, np.int64)


def _direct_columns(inst: Instance, sup: Supplies, idx: np.ndarray,
                    hub_open: np.ndarray) -> Columns:
    sub = Supplies(**{f: getattr(sup, f)[idx] for f in Supplies.__dataclass_fields__})
    cols = free_columns(inst, sub)
    cols = select(cols, hub_open[cols.hub, cols.ship])
    return replace(cols, supply=idx[cols.supply])


def solve_network(inst: Instance, sup: Supplies, lay: Layout, upper: np.ndarray,
                  hub_open: np.ndarray | None = None, time_limit: float = 60.0,
                  options: dict | None = None) -> NetworkLP:
    """The aggregated LP of ``sup`` (pledges, then offer flows: purchase.offer_supplies) with
    the rows' limits ``upper`` (fixed allocations taken out), by interior point and crossover
(``options``: other HiGHS options, such as another ``solver``)."""
    t0 = time.perf_counter()
    hub_open = inst.hub_open if hub_open is None else hub_open
    net = build_network(inst, sup, lay, upper, hub_open)
    a = sp.diags(1.0 / net.row_scale) @ net.matrix
    col_scale = 1.0 / np.maximum(abs(a).max(axis=0).toarray().ravel(), 1e-12)
    a = sp.csc_matrix(a @ sp.diags(col_scale))
    lp = max_lp(net.cost * col_scale, a, net.row_upper / net.row_scale)
    h = new_highs()
    h.passModel(lp)
    h.setOptionValue("solver", "ipm")
    h.setOptionValue("time_limit", float(max(time_limit, 0.01)))
    for name, value in (options or {}).items():
        h.setOptionValue(name, value)
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    sol = h.getSolution()
    x = np.maximum(np.asarray(sol.col_value), 0.0) * col_scale
    yr = np.maximum(np.asarray(sol.row_dual), 0.0) / net.row_scale
    y = layout_duals(inst, sup, lay, net, yr)
    src = net.parts["sources"]
    buys = x[src["col"] : src["col"] + len(src["qty"]) - src["n_pooled"]]
    cols, q = decompose(inst, sup, net, x)
    return NetworkLP(status, float(net.cost @ x), y, cols, q, buys, net.shape,
                     time.perf_counter() - t0)


def layout_duals(inst: Instance, sup: Supplies, lay: Layout, net: Network,
                 yr: np.ndarray) -> np.ndarray:
    """The network's duals as the pledge-level LP's: a pooled pledge's is its depot node's in
    its ready week, an offer class's its offer's node's in the class's week (node prices only
    fall with the week, as carries require, so every pledge-level column prices right)."""
    T = inst.horizon
    src, ch = net.parts["sources"], net.parts["chains"]

    def price(c, w):  # of chain c's node in week w
        return yr[ch["off"][c] + w - ch["start"][c]]

    y = np.zeros(lay.rows)
    y[: lay.class0] = yr[: lay.class0]
    n = src["n_pooled"]
    ok = src["ready"][:n] <= T
    c, w = src["chain"][:n][ok], src["ready"][:n][ok]
    y[lay.pledge0 + sup.pledge[src["supply"][:n][ok]]] = price(c, w)
    pur = lay.purchases
    if pur is not None and pur.classes:
        # a class's chain is its buys' chain
        chain = np.zeros(pur.classes, dtype=np.int64)
        chain[pur.klass] = src["chain"][n:]
        ok = np.nonzero(pur.class_ready <= T)[0]
        y[lay.class0 + ok] = price(chain[ok], pur.class_ready[ok])
    return y


def _starts(length: np.ndarray) -> np.ndarray:
    """Where each group's line starts on one global line (groups laid end to end)."""
    return np.r_[0.0, np.cumsum(length)[:-1]] if len(length) else np.zeros(0)


def _intervals(group: np.ndarray, key: np.ndarray, amount: np.ndarray,
               base: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Intervals of ``amount`` laid on their group's line from its ``base``, by ``key``."""
    idx = np.lexsort((key, group))
    a, g = amount[idx], group[idx]
    before = np.cumsum(a) - a
    first = np.r_[True, g[1:] != g[:-1]] if len(g) else np.zeros(0, bool)
    start = np.maximum.accumulate(np.where(first, before, 0.0)) if len(g) else before
    lo = np.empty(len(a))
    lo[idx] = base[g] + before - start
    return lo, lo + amount


def _overlay(lo1, hi1, lo2, hi2):
    """(i, j, lo, hi) for each overlap of interval i of the first set with j of the second
    (each set disjoint)."""
    order = np.nonzero(hi2 > lo2)[0]  # empty ones would unsort the ends
    order = order[np.argsort(lo2[order], kind="stable")]
    l2, h2 = lo2[order], hi2[order]
    k0 = np.searchsorted(h2, lo1, "right")
    k1 = np.searchsorted(l2, hi1, "left")
    i, k = expand_ranges(k0, k1 - 1)
    lo, hi = np.maximum(lo1[i], l2[k]), np.minimum(hi1[i], h2[k])
    keep = hi - lo > EPS * np.maximum(1.0, np.abs(hi))
    return i[keep], order[k[keep]], lo[keep], hi[keep]


def _stage(n_groups, in_group, in_key, in_amount, out_group, out_key, out_amount):
    """Inflows and outflows of each group's node laid on one line each, both from the start:
    their intervals (ordered by key: first come, first served)."""
    length = np.maximum(np.bincount(in_group, in_amount, n_groups),
                        np.bincount(out_group, out_amount, n_groups))
    base = _starts(length)
    return (_intervals(in_group, in_key, in_amount, base),
            _intervals(out_group, out_key, out_amount, base))


def decompose(inst: Instance, sup: Supplies, net: Network, x: np.ndarray
              ) -> tuple[Columns, np.ndarray]:
    """The network's flows ``x`` as pledge-level columns and their quantities: through each
    depot chain, hub node and region chain, first come first served (carries only run forward
    in time, so the earlier inflows always cover the earlier outflows). Flows that lead
    nowhere (the LP's tolerance, or goods sent for no value) are dropped."""
    p = net.parts
    src, rt, arc, path, tk = (p[k] for k in ("sources", "routes", "arcs", "paths", "takes"))
    n = src["n_pooled"]
    qty = src["qty"].copy()
    qty[n:] = x[src["col"] : src["col"] + len(qty) - n]

    def flow(part, size):
        return x[part["col"] : part["col"] + size]

    f_rt, f_arc = flow(rt, len(rt["chain"])), flow(arc, len(arc["chain"]))
    f_path, f_take = flow(path, len(path["chain"])), flow(tk, len(tk["chain"]))
    # depot chains: sources by ready week, route flows by dispatch week
    (s_lo, s_hi), (r_lo, r_hi) = _stage(len(p["chains"]["start"]), src["chain"], src["ready"],
                                        qty, rt["chain"], rt["dispatch"], f_rt)
    i, e, lo, hi = _overlay(s_lo, s_hi, r_lo, r_hi)
    ok = src["ready"][i] <= rt["dispatch"][e]  # else the LP's tolerance
    i, e, lo, hi = i[ok], e[ok], lo[ok] - r_lo[e[ok]], hi[ok] - r_lo[e[ok]]
    # hub nodes: route flows in, arcs out
    (h_lo, _), (a_lo, a_hi) = _stage(p["hubs"]["count"], rt["node"], np.arange(len(f_rt)),
                                     f_rt, arc["node"], np.arange(len(f_arc)), f_arc)
    j, g, lo, hi = _overlay(h_lo[e] + lo, h_lo[e] + hi, a_lo, a_hi)
    i, e, lo, hi = i[j], e[j], lo - a_lo[g], hi - a_lo[g]
    # region chains: arcs and regional pledges' paths in by arrival week, takes out by week
    n_arc = len(f_arc)
    (g_lo, _), (t_lo, t_hi) = _stage(
        p["regions"]["count"], np.r_[arc["chain"], path["chain"]],
        np.r_[arc["arrival"], path["arrival"]], np.r_[f_arc, f_path],
        tk["chain"], tk["week"], f_take)
    piece_lo = np.r_[g_lo[g] + lo, g_lo[n_arc:]]
    piece_hi = np.r_[g_lo[g] + hi, g_lo[n_arc:] + f_path]
    arrival = np.r_[arc["arrival"][g], path["arrival"]]
    supply = np.r_[src["supply"][i], path["supply"]]
    hub_ = np.r_[rt["hub"][e], path["hub"]]
    ship = np.r_[rt["ship"][e], path["ship"]]
    j, k, lo, hi = _overlay(piece_lo, piece_hi, t_lo, t_hi)
    ok = arrival[j] <= tk["week"][k]
    j, k, amount = j[ok], k[ok], (hi - lo)[ok]
    d = p["direct"]
    dq = flow(d, len(d["cols"]))
    used = dq > EPS
    cols = make_columns(inst, sup, np.r_[supply[j], d["cols"].supply[used]],
                        np.r_[tk["need"][k], d["cols"].need[used]],
                        np.r_[hub_[j], d["cols"].hub[used]], np.r_[ship[j], d["cols"].ship[used]])
    amount = np.r_[amount, dq[used]]
    # one column per (supply, need, hub, week)
    W = (len(inst.hub_ids) + 1) * (inst.horizon + 2)
    key = (cols.supply * len(inst.need_ids) + cols.need) * W + cols.hub * (inst.horizon + 2) \
        + cols.ship
    uniq, first, inv = np.unique(key, return_index=True, return_inverse=True)
    return select(cols, first), np.bincount(inv, amount, len(uniq))
