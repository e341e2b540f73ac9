"""The pledge-level LP: its rows, a matrix over any set of columns, and the pricing of columns
not built.

A column is one (supply, need, hub, ship week). Small instances list them all
(:func:`build_model`). Listing them does not scale (2M at generated scale 1 with the demo's
routes, 200M at scale 10) and few are ever used, so for large ones the master LP (solve.py)
holds a few and :class:`Pricer` finds, for its duals, the most valuable among all the others
with numpy: per (need, item, hub) a suffix maximum over ship weeks gives the best week for every
week a supply may reach the hub; per compatible (supply, need) pair, the best hub.

Rows (all ``<=``): need quantity, pledge quantity, offer max quantity, fund budget, hub-week
capacity in pallets. In a :class:`Model` fixed allocations are columns with lower = upper =
their quantity; the master LP takes them out of the rows' limits instead (:func:`row_limits`).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, replace

import highspy
import numpy as np
import scipy.sparse as sp

from .instance import Instance
from .supply import (
    Columns,
    Supplies,
    all_columns,
    compatible_pairs,
    concat,
    entry_weeks,
    fixed_columns,
    make_columns,
    need_items,
    select,
    supplies,
    take,
    unit_values,
)

ROW_KINDS = ("need", "pledge", "offer", "fund", "hub_week")


def new_highs() -> highspy.Highs:
    """A silent Highs object (its licence banner goes to fd 1, which may carry a plan)."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # pragma: no cover - no fd 1
        return highspy.Highs()
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()
            h.setOptionValue("output_flag", False)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    return h


@dataclass(frozen=True)
class Model:
    inst: Instance
    sup: Supplies
    cols: Columns
    matrix: sp.csc_matrix  # rows x columns
    row_upper: np.ndarray
    row_kind: np.ndarray  # index into ROW_KINDS
    row_key: np.ndarray  # need / pledge / offer / fund index, or hub * (T+1) + week
    integer: np.ndarray  # bool per column

    @property
    def shape(self) -> tuple[int, int]:
        return self.matrix.shape


def build_model(inst: Instance) -> Model:
    """Every feasible column (then the fixed ones)."""
    sup = supplies(inst)
    return model_of(inst, sup, all_columns(inst, sup))


def model_of(inst: Instance, sup: Supplies, cols: Columns) -> Model:
    """The model over ``cols`` only (hub-week rows for the hub-weeks they use)."""
    m = len(cols)
    col = np.arange(m)
    T1 = inst.horizon + 1
    ppu = inst.item_ppu[cols.item]
    price = take(inst.offer_price, cols.offer)

    blocks = []  # (kind, key per entry, column per entry, coefficient, number of keys, upper)
    blocks.append((0, cols.need, col, np.ones(m), inst.need_qty))
    has = cols.pledge >= 0
    blocks.append((1, cols.pledge[has], col[has], np.ones(has.sum()), inst.pledge_qty))
    has = cols.offer >= 0
    blocks.append((2, cols.offer[has], col[has], np.ones(has.sum()), inst.offer_max))
    blocks.append((3, cols.fund[has], col[has], price[has], inst.fund_amount))
    has = ppu > 0
    hw = cols.hub[has] * T1 + cols.ship[has]
    used, hw_row = np.unique(hw, return_inverse=True)
    blocks.append((4, hw_row, col[has], ppu[has], inst.hub_capacity.ravel()[used]))

    rows, cidx, vals, upper, kind, key = [], [], [], [], [], []
    offset = 0
    for k, r, c, v, ub in blocks:
        rows.append(r + offset)
        cidx.append(c)
        vals.append(v)
        upper.append(ub)
        kind.append(np.full(len(ub), k))
        key.append(used if k == 4 else np.arange(len(ub)))
        offset += len(ub)
    matrix = sp.csc_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cidx))), shape=(offset, m)
    )
    matrix.sum_duplicates()
    return Model(
        inst=inst,
        sup=sup,
        cols=cols,
        matrix=matrix,
        row_upper=np.concatenate(upper).astype(float),
        row_kind=np.concatenate(kind).astype(np.int64),
        row_key=np.concatenate(key).astype(np.int64),
        integer=inst.item_indivisible[cols.item],
    )


NEG = -np.inf
CHUNK = 250_000  # pairs priced at a time: bounds the temporary arrays at scale 10


@dataclass(frozen=True)
class Layout:
    """Row offsets: needs, pledges, offers, funds, then hub-weeks (hub * T + week - 1)."""

    needs: int
    pledges: int
    offers: int
    funds: int
    hubs: int
    weeks: int

    @property
    def pledge0(self) -> int:
        return self.needs

    @property
    def offer0(self) -> int:
        return self.pledge0 + self.pledges

    @property
    def fund0(self) -> int:
        return self.offer0 + self.offers

    @property
    def hub0(self) -> int:
        return self.fund0 + self.funds

    @property
    def rows(self) -> int:
        return self.hub0 + self.hubs * self.weeks

    def hub_week(self, hub: np.ndarray, week: np.ndarray) -> np.ndarray:
        return self.hub0 + hub * self.weeks + week - 1


def layout(inst: Instance) -> Layout:
    return Layout(
        len(inst.need_ids), len(inst.pledge_ids), len(inst.offer_ids), len(inst.fund_ids),
        len(inst.hub_ids), inst.horizon,
    )


def row_limits(inst: Instance) -> tuple[np.ndarray, np.ndarray, float]:
    """Each row's limit, its upper bound once the fixed allocations are taken out, and the
    fixed allocations' value."""
    lay = layout(inst)
    fx = fixed_columns(inst).columns
    limit = np.concatenate([
        inst.need_qty, inst.pledge_qty, inst.offer_max, inst.fund_amount,
        inst.hub_capacity[:, 1:].ravel(),
    ]).astype(float)
    upper = limit.copy()
    if len(fx):
        rows, cols, vals = coefficients(inst, lay, fx)
        np.subtract.at(upper, rows, vals * fx.lower[cols])
    # fixed allocations were checked to fit within a relative 1e-9; never a negative limit
    return limit, np.maximum(upper, 0.0), float(np.sum(fx.lower * fx.unit_value))


def coefficients(
    inst: Instance, lay: Layout, cols: Columns
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, column, value) of the matrix entries of ``cols``, sorted by column."""
    m = len(cols)
    isp = cols.pledge >= 0
    ppu = inst.item_ppu[cols.item]
    rows = np.zeros((m, 4), dtype=np.int64)
    vals = np.zeros((m, 4))
    rows[:, 0], vals[:, 0] = cols.need, 1.0
    rows[:, 1] = np.where(isp, lay.pledge0 + cols.pledge, lay.offer0 + cols.offer)
    vals[:, 1] = 1.0
    rows[:, 2] = np.where(isp, 0, lay.fund0 + cols.fund)
    vals[:, 2] = np.where(isp, 0.0, take(inst.offer_price, cols.offer))
    rows[:, 3] = np.where(ppu > 0, lay.hub_week(cols.hub, cols.ship), 0)
    vals[:, 3] = np.where(ppu > 0, ppu, 0.0)
    keep = (vals != 0).ravel()
    col = np.repeat(np.arange(m), 4)
    return rows.ravel()[keep], col[keep], vals.ravel()[keep]


def supply_limits(inst: Instance, sup: Supplies, lay: Layout, upper: np.ndarray) -> np.ndarray:
    """Most units each supply can give: its pledge's, or its offer's and its fund's."""
    pledge = take(upper[lay.pledge0 : lay.offer0], sup.pledge)
    price = np.maximum(take(inst.offer_price, sup.offer), 1e-300)
    buy = np.minimum(
        take(upper[lay.offer0 : lay.fund0], sup.offer),
        take(upper[lay.fund0 : lay.hub0], sup.fund) / price,
    )
    return np.where(sup.pledge >= 0, pledge, buy)


@dataclass
class Priced:
    """One pricing pass: columns worth adding, and what the duals prove."""

    supply: np.ndarray
    need: np.ndarray
    hub: np.ndarray
    ship: np.ndarray
    bound: float  # Lagrangian: no plan's value (fixed part excluded) exceeds it
    violated: int  # pairs with a column of positive reduced cost


def _first_best(g: np.ndarray, T: int) -> tuple[np.ndarray, np.ndarray]:
    """Over the last axis (ship weeks 0..T+1): the maximum over weeks >= e, and the first week
    reaching it (the earliest arrival among equal values), for every e."""
    G = np.maximum.accumulate(g[..., ::-1], axis=-1)[..., ::-1]
    weeks = np.arange(T + 2, dtype=np.int16)
    first = np.where((g == G) & (G > NEG), weeks, np.int16(T + 1))
    first = np.minimum.accumulate(first[..., ::-1], axis=-1)[..., ::-1]
    return G, first


class Pricer:
    """Best columns for given duals, over every feasible column, without listing them."""

    def __init__(self, inst: Instance, sup: Supplies, lay: Layout, upper: np.ndarray):
        self.inst, self.sup, self.lay = inst, sup, lay
        self.T, self.H = inst.horizon, len(inst.hub_ids)
        self.kn, self.ki = need_items(inst)  # need-item pairs ("k")
        self.ppu_k = inst.item_ppu[self.ki]
        self.entry = entry_weeks(inst, sup)  # (S, H)
        si, n = compatible_pairs(inst, sup)  # restrictions applied; sorted by supply
        n_items = max(len(inst.item_ids), 1)
        kk = self.kn * n_items + self.ki
        order = np.argsort(kk)
        pos = np.searchsorted(kk[order], n * n_items + sup.item[si])
        self.pair_u = si.astype(np.int32)
        self.pair_k = order[pos].astype(np.int32) if len(si) else np.zeros(0, np.int32)
        self.set_upper(upper)
        self.set_open(inst.hub_open)

    def set_upper(self, upper: np.ndarray) -> None:
        self.upper = upper
        self.supply_upper = supply_limits(self.inst, self.sup, self.lay, upper)

    def set_open(self, hub_open: np.ndarray) -> None:
        """Which hub-weeks may handle goods; rebuilds the value table and drops the pairs that
        have no feasible column at all."""
        inst, T, H = self.inst, self.T, self.H
        self.hub_open = hub_open.copy()
        s = np.arange(T + 2)
        kr = inst.need_region[self.kn]
        dw = inst.delivery_weeks[:, kr].T if H else np.zeros((len(self.kn), 0), np.int64)
        t = s[None, None, :] + dw[:, :, None]  # (K, H, T+2)
        value = unit_values(inst, self.kn[:, None, None], t)
        openw = np.zeros((H, T + 2), dtype=bool)
        openw[:, 1 : T + 1] = hub_open[:, 1:]
        cap = np.zeros((H, T + 2))
        cap[:, 1 : T + 1] = inst.hub_capacity[:, 1:]
        fits = openw[None] & ((cap[None] > 0) | (self.ppu_k[:, None, None] == 0))
        ok = fits & (dw[:, :, None] >= 0) & (t <= T) & (value > 0)
        self.value = np.where(ok, value, NEG)
        G = _first_best(self.value, T)[0]
        alive = np.zeros(len(self.pair_u), dtype=bool)
        hubs = np.arange(H)
        for a in range(0, len(alive), CHUNK):
            u, k = self.pair_u[a : a + CHUNK], self.pair_k[a : a + CHUNK]
            alive[a : a + CHUNK] = (G[k[:, None], hubs, self.entry[u]] > NEG).any(axis=1)
        self.pair_u, self.pair_k = self.pair_u[alive], self.pair_k[alive]

    def drop_supplies(self, gone: np.ndarray) -> None:
        """Forget the pairs of supplies that are gone (a withdrawn pledge)."""
        keep = ~gone[self.pair_u]
        self.pair_u, self.pair_k = self.pair_u[keep], self.pair_k[keep]

    def duals(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(per need, per supply, per hub and ship week 0..T+1) prices from row duals."""
        inst, sup, lay, T = self.inst, self.sup, self.lay, self.T
        sigma = np.where(
            sup.pledge >= 0,
            take(y[lay.pledge0 : lay.offer0], sup.pledge),
            take(y[lay.offer0 : lay.fund0], sup.offer)
            + take(inst.offer_price, sup.offer) * take(y[lay.fund0 : lay.hub0], sup.fund),
        )
        mu = np.zeros((self.H, T + 2))
        mu[:, 1 : T + 1] = y[lay.hub0 :].reshape(self.H, T)
        return y[: lay.needs], sigma, mu

    def price(self, y: np.ndarray, top: int = 3, weeks: int = 2, tol: float = 1e-9,
              limit: int | None = None) -> Priced:
        """Columns with a positive reduced cost: for each supply and each need its ``top``
        best pairs (at most ``limit`` pairs in all, the best), each through its best hub in
        its ``weeks`` best ship weeks there (the runner-up weeks let the master move goods
        around full hub-weeks sooner: 4 iterations instead of 8 at generated scale 1)."""
        T, H, lay = self.T, self.H, self.lay
        pi, sigma, mu = self.duals(y)
        g = self.value - self.ppu_k[:, None, None] * mu[None]
        G, first = _first_best(g, T)
        hubs = np.arange(H)
        m = len(self.pair_u)
        best_r = np.full(m, NEG)
        best_h = np.zeros(m, dtype=np.int16)
        for a in range(0, m, CHUNK):
            u, k = self.pair_u[a : a + CHUNK], self.pair_k[a : a + CHUNK]
            rc = G[k[:, None], hubs, self.entry[u]] - (pi[self.kn[k]] + sigma[u])[:, None]
            h = np.argmax(rc, axis=1)
            best_h[a : a + CHUNK] = h
            best_r[a : a + CHUNK] = rc[np.arange(len(u)), h]
        need_q = self.upper[: lay.needs]
        bound = float(self.upper @ y) + self._relaxed(best_r, need_q)
        hit = np.nonzero(best_r * need_q[self.kn[self.pair_k]] > tol)[0]
        keep = np.zeros(len(hit), dtype=bool)
        r = best_r[hit]
        for key in (self.pair_u[hit], self.kn[self.pair_k[hit]]):
            order = np.lexsort((-r, key))
            ks = key[order]
            start = np.r_[0, np.nonzero(np.diff(ks))[0] + 1] if len(ks) else ks
            rank = np.arange(len(ks)) - np.repeat(start, np.diff(np.r_[start, len(ks)]))
            keep[order[rank < top]] = True
        p = hit[keep]
        if limit is not None and len(p) > limit:
            p = p[np.argsort(-best_r[p], kind="stable")[:limit]]
        u, k, h = self.pair_u[p].astype(np.int64), self.pair_k[p], best_h[p].astype(np.int64)
        e = self.entry[u, h]
        ship = [first[k, h, e].astype(np.int64)]
        if weeks > 1 and len(p):
            gk = g[k, h]  # (pairs, T+2)
            gk[np.arange(T + 2)[None, :] < e[:, None]] = NEG
            alt = np.argsort(-gk, axis=1, kind="stable")[:, 1:weeks]
            ship += [np.where(np.take_along_axis(gk, alt[:, [j]], 1)[:, 0] > NEG, alt[:, j], -1)
                     for j in range(alt.shape[1])]
        w = np.concatenate(ship)
        reps = len(ship)
        ok = w > 0
        n = np.tile(self.kn[k], reps)
        return Priced(np.tile(u, reps)[ok], n[ok], np.tile(h, reps)[ok], w[ok],
                      bound=bound, violated=len(hit))

    def _relaxed(self, best_r: np.ndarray, need_q: np.ndarray) -> float:
        """Most that columns of positive reduced cost can add: the best of keeping only the
        supply rows, only the need rows, or both (a small transportation LP)."""
        pos = best_r > 0
        if not pos.any():
            return 0.0
        u, k, r = self.pair_u[pos], self.pair_k[pos], best_r[pos]
        n = self.kn[k]
        by_u = np.zeros(len(self.sup))
        np.maximum.at(by_u, u, r)
        by_n = np.zeros(len(need_q))
        np.maximum.at(by_n, n, r)
        best = min(float(self.supply_upper @ by_u), float(need_q @ by_n))
        if len(r) <= 50_000:
            best = min(best, _transport_bound(u, n, r, self.supply_upper, need_q))
        return best


def _transport_bound(u, n, r, supply_upper, need_upper) -> float:
    """An upper bound on max sum r x over x >= 0 with each supply's and need's total within
    its limit: the cost of a dual solution of that LP, made exactly feasible."""
    key = u.astype(np.int64) * len(need_upper) + n
    order = np.lexsort((-r, key))
    first = order[np.unique(key[order], return_index=True)[1]]
    u, n, r = u[first], n[first], r[first]
    us, ui = np.unique(u, return_inverse=True)
    ns, ni = np.unique(n, return_inverse=True)
    m, rows = len(r), len(us) + len(ns)
    a = sp.csc_matrix(
        (np.ones(2 * m), (np.r_[ui, len(us) + ni], np.r_[np.arange(m), np.arange(m)])),
        shape=(rows, m),
    )
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = m, rows
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = r
    lp.col_lower_ = np.zeros(m)
    lp.col_upper_ = np.full(m, highspy.kHighsInf)
    lp.row_lower_ = np.full(rows, -highspy.kHighsInf)
    lp.row_upper_ = np.r_[supply_upper[us], need_upper[ns]]
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data
    h = new_highs()
    h.passModel(lp)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return np.inf
    d = np.maximum(np.asarray(h.getSolution().row_dual), 0.0)
    # raise supply prices wherever the LP's duals leave a pair short (tolerances)
    short = np.maximum(r - d[ui] - d[len(us) + ni], 0.0)
    extra = np.zeros(len(us))
    np.maximum.at(extra, ui, short)
    return float(lp.row_upper_ @ d + supply_upper[us] @ extra)


INF = highspy.kHighsInf


class Master:
    """The LP over the columns generated so far, kept in one Highs object between solves.

    Rows as in :class:`Layout`, limits net of the fixed allocations. Scaled for HiGHS (the
    raw model spans 2e-4 to 6e6 in the matrix and 1e-8 to 8 in the costs; HiGHS warned and
    simplex crawled): a row's unit is its limit, a divisible column's its need's quantity.
    """

    def __init__(self, inst: Instance, lay: Layout, limit: np.ndarray, upper: np.ndarray):
        self.inst, self.lay = inst, lay
        self.h = new_highs()
        self.h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.h.setOptionValue("run_crossover", "off")
        self.row_scale = np.where(limit > 0, limit, 1.0)
        self.h.addRows(lay.rows, np.full(lay.rows, -INF), upper / self.row_scale, 0,
                       np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0))
        none = np.zeros(0, np.int64)
        self.cols = make_columns(inst, supplies(inst), none, none, none, none)  # none yet
        self.col_scale = np.zeros(0)
        self.keys = np.zeros(0, np.int64)  # sorted, for dedupe
        self.closed = np.zeros(0, dtype=bool)  # columns held at zero (a closed hub-week)
        self.solved = False
        self.has_basis = False  # after simplex or crossover, not after interior point alone

    def __len__(self) -> int:
        return len(self.cols)

    def _key(self, cols: Columns) -> np.ndarray:
        inst = self.inst
        k = cols.supply * len(inst.need_ids) + cols.need
        return (k * max(len(inst.hub_ids), 1) + cols.hub) * (inst.horizon + 2) + cols.ship

    def add(self, cols: Columns) -> int:
        """Add the columns not held yet; return how many."""
        keys, first = np.unique(self._key(cols), return_index=True)
        pos = np.minimum(np.searchsorted(self.keys, keys), max(len(self.keys) - 1, 0))
        new = ~(self.keys[pos] == keys) if len(self.keys) else np.ones(len(keys), dtype=bool)
        cols = select(cols, first[new])
        m = len(cols)
        if m == 0:
            return 0
        # free columns: whatever bounds they came with (a greedy plan's are its quantities)
        cols = replace(cols, lower=np.zeros(m), upper=np.full(m, np.inf))
        rows, col, val = coefficients(self.inst, self.lay, cols)
        # divisible columns in units of their need's quantity (litres, rounds); indivisible
        # ones in whole units, so that a MIP can be run on this very model
        scale = np.where(self.inst.item_indivisible[cols.item], 1.0,
                         self.inst.need_qty[cols.need])
        val = val * scale[col] / self.row_scale[rows]
        starts = np.searchsorted(col, np.arange(m)).astype(np.int32)
        self.h.addCols(m, cols.unit_value * scale, np.zeros(m), np.full(m, INF), len(val),
                       starts, rows.astype(np.int32), val)
        self.cols = concat(self.cols, cols)
        self.col_scale = np.concatenate([self.col_scale, scale])
        self.keys = np.union1d(self.keys, keys[new])
        self.closed = np.concatenate([self.closed, np.zeros(m, dtype=bool)])
        return m

    def solve(self, method: str, time_limit: float) -> highspy.HighsModelStatus:
        """``ipm`` (no crossover), ``primal`` or ``dual`` simplex (warm from the last basis)."""
        h = self.h
        # HiGHS's time limit counts from the object's first run, not this one's
        h.setOptionValue("time_limit", h.getRunTime() + max(float(time_limit), 0.01))
        h.setOptionValue("solver", "ipm" if method == "ipm" else "simplex")
        h.setOptionValue("simplex_strategy", 4 if method == "primal" else 1)
        # presolve off keeps the basis (there is none before the first solve)
        h.setOptionValue("presolve", "on" if method == "ipm" or not self.solved else "off")
        h.run()
        self.solved = True
        status = h.getModelStatus()
        self.has_basis = method != "ipm" and status == highspy.HighsModelStatus.kOptimal
        return status

    def crossover(self) -> bool:
        """From an interior point to a vertex (and a basis for warm starts)."""
        self.has_basis = self.h.crossover(self.h.getSolution()) == highspy.HighsStatus.kOk
        return self.has_basis

    def value(self) -> float:
        return float(self.h.getInfo().objective_function_value)

    def x(self) -> np.ndarray:
        if len(self) == 0:
            return np.zeros(0)
        return np.maximum(np.asarray(self.h.getSolution().col_value), 0.0) * self.col_scale

    def y(self) -> np.ndarray:
        return np.maximum(np.asarray(self.h.getSolution().row_dual), 0.0) / self.row_scale

    def set_row_upper(self, rows: np.ndarray, upper: np.ndarray) -> None:
        rows = np.asarray(rows, dtype=np.int32)
        self.h.changeRowsBounds(len(rows), rows, np.full(len(rows), -INF),
                                np.asarray(upper, float) / self.row_scale[rows])

    def close(self, mask: np.ndarray) -> None:
        """Hold the columns of ``mask`` at zero."""
        idx = np.nonzero(mask & ~self.closed)[0].astype(np.int32)
        self.closed |= mask
        self.h.changeColsBounds(len(idx), idx, np.zeros(len(idx)), np.zeros(len(idx)))

    def columns(self) -> Columns:
        """The columns held, their upper bounds zero where closed."""
        return replace(self.cols, upper=np.where(self.closed, 0.0, self.cols.upper))
