"""Pricing: the most valuable columns for given duals, over every feasible column, without
listing them (see model.py for the rows)."""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp

from ..build.instance import Instance
from ..build.model import Layout, max_lp, new_highs
from ..build.purchase import offer_limits
from ..build.supply import Supplies, compatible_pairs, entry_weeks, need_items, take, unit_values
from .transport import Transport, top_per_key

NEG = -np.inf
CHUNK = 250_000  # pairs priced at a time: bounds the temporary arrays on large instances
FLOW_CHUNK = 10_000  # offers' pairs: each prices every (hub, week) of its own
HUB_CHUNK = 20_000  # pairs whose every hub's best week is looked for at a time (bounds memory)


def supply_limits(inst: Instance, sup: Supplies, lay: Layout, upper: np.ndarray) -> np.ndarray:
    """Most units each supply can give: its pledge's, its offer's and its fund's, or (an
    offer's flows, fund -1) what the offer and all its funds allow."""
    pledge = take(upper[lay.pledge0 : lay.offer0], sup.pledge)
    price = np.maximum(take(inst.offer_price, sup.offer), 1e-300)
    offer_upper, fund_upper = upper[lay.offer0 : lay.fund0], upper[lay.fund0 : lay.hub0]
    buy = np.minimum(take(offer_upper, sup.offer), take(fund_upper, sup.fund) / price)
    if lay.purchases is not None:
        by_offer = offer_limits(inst, lay.purchases, offer_upper, fund_upper)
        buy = np.where(sup.fund < 0, take(by_offer, sup.offer), buy)
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
        self._flow_classes()
        self.set_upper(upper)
        self.set_open(inst.hub_open)

    def _flow_classes(self) -> None:
        """For each offer's flows (purchase.py): the class row each (hub, ship week) draws
        on, -1 where none is ready in time; their pairs are priced week by week."""
        inst, sup, T = self.inst, self.sup, self.T
        flows = np.nonzero((sup.pledge < 0) & (sup.fund < 0))[0]
        self.flow_row = np.full(len(sup), -1, dtype=np.int64)
        self.flow_row[flows] = np.arange(len(flows))
        self.klass = np.full((len(flows), self.H, T + 2), -1, dtype=np.int64)
        if len(flows) and self.H:
            o = sup.offer[flows]
            rw = inst.route_weeks[inst.offer_depot[o]]  # (flows, H)
            tau = np.arange(T + 2)[None, None, :] - rw[:, :, None]
            k = self.lay.purchases.class_of(np.broadcast_to(o[:, None, None], tau.shape).ravel(),
                                            tau.ravel()).reshape(tau.shape)
            self.klass = np.where(rw[:, :, None] >= 0, k, -1)
        self.pair_flow = self.flow_row[self.pair_u] >= 0

    def set_upper(self, upper: np.ndarray) -> None:
        """New row upper bounds (a re-plan's change)."""
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
        self.pair_flow = self.pair_flow[alive]

    def drop_supplies(self, gone: np.ndarray) -> None:
        """Forget the pairs of supplies that are gone (a withdrawn pledge)."""
        keep = ~gone[self.pair_u]
        self.pair_u, self.pair_k = self.pair_u[keep], self.pair_k[keep]
        self.pair_flow = self.pair_flow[keep]

    def duals(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(per need, per supply, per hub and ship week 0..T+1) prices from row duals; an
        offer's flows pay their class row's (:meth:`flow_prices`) instead of a supply's."""
        inst, sup, lay, T = self.inst, self.sup, self.lay, self.T
        sigma = np.where(
            sup.pledge >= 0,
            take(y[lay.pledge0 : lay.offer0], sup.pledge),
            take(y[lay.offer0 : lay.fund0], sup.offer)
            + take(inst.offer_price, sup.offer) * take(y[lay.fund0 : lay.hub0], sup.fund),
        )
        sigma[(sup.pledge < 0) & (sup.fund < 0)] = 0.0
        mu = np.zeros((self.H, T + 2))
        mu[:, 1 : T + 1] = y[lay.hub0 : lay.class0].reshape(self.H, T)
        return y[: lay.needs], sigma, mu

    def flow_prices(self, y: np.ndarray, u: np.ndarray) -> np.ndarray:
        """(len(u), H, T+2): what supply ``u``'s flows pay per (hub, ship week), its class
        row's dual (infinite where no purchase is ready in time); 0 for other supplies."""
        out = np.zeros((len(u), self.H, self.T + 2))
        row = self.flow_row[u]
        f = row >= 0
        if f.any():
            yc = np.append(y[self.lay.class0 :], np.inf)  # class -1: never in time
            out[f] = yc[self.klass[row[f]]]
        return out

    def price(self, y: np.ndarray, top: int = 3, weeks: int = 2, tol: float = 1e-9,
              limit: int | None = None) -> Priced:
        """Columns with a positive reduced cost: for each supply and each need its ``top``
        best pairs (at most ``limit`` pairs in all, the best), each through its best hub in
        its ``weeks`` best ship weeks there (the runner-up weeks let the master move goods
        around full hub-weeks in fewer iterations)."""
        lay = self.lay
        best_r, best_h, g = self.best(y)
        need_q = self.upper[: lay.needs]
        bound = float(self.upper @ y) + self._relaxed(best_r, need_q) + self._buys(y)
        hit = np.nonzero(best_r * need_q[self.kn[self.pair_k]] > tol)[0]
        keep = np.zeros(len(hit), dtype=bool)
        r = best_r[hit]
        for key in (self.pair_u[hit], self.kn[self.pair_k[hit]]):
            keep[top_per_key(r, key, top)] = True
        p = hit[keep]
        if limit is not None and len(p) > limit:
            p = p[np.argsort(-best_r[p], kind="stable")[:limit]]
        return self.columns(y, p, best_h, g, weeks, bound=bound, violated=len(hit))

    def columns(self, y: np.ndarray, p: np.ndarray, best_h: np.ndarray, g: np.ndarray,
                weeks: int, bound: float = np.inf, violated: int = 0, hubs: int = 1) -> Priced:
        """Pairs ``p`` as columns: each through its best hub (``best_h``, from :meth:`best`
        at ``y``, with its table ``g``) in its ``weeks`` best ship weeks there, and with
        ``hubs`` > 1 also in its best week through each of its next best hubs."""
        T = self.T
        u, k, h = self.pair_u[p].astype(np.int64), self.pair_k[p], best_h[p].astype(np.int64)
        e = self.entry[u, h]
        # the best weeks at the best hub, the earliest of equal ones first
        gk = g[k, h] - self.flow_prices(y, u)[np.arange(len(p)), h]  # (pairs, T+2)
        gk[np.arange(T + 2)[None, :] < e[:, None]] = NEG
        best = np.argsort(-gk, axis=1, kind="stable")[:, :weeks]
        ship = [np.where(np.take_along_axis(gk, best[:, [j]], 1)[:, 0] > NEG, best[:, j], -1)
                for j in range(best.shape[1])]
        w = np.concatenate(ship) if ship else np.zeros(0, np.int64)
        reps = len(ship)
        ok = w > 0
        n = np.tile(self.kn[k], reps)
        cols = [(np.tile(u, reps)[ok], n[ok], np.tile(h, reps)[ok], w[ok])]
        if hubs > 1:
            cols.append(self._through_hubs(y, p, g, hubs))
        return Priced(*(np.concatenate(c) for c in zip(*cols, strict=True)),
                      bound=bound, violated=violated)

    def _through_hubs(self, y: np.ndarray, p: np.ndarray, g: np.ndarray,
                      hubs: int) -> tuple[np.ndarray, ...]:
        """(supply, need, hub, ship) of pairs ``p`` in their best (earliest) week through
        each of their ``hubs`` best hubs."""
        T, out = self.T, []
        for a in range(0, len(p), HUB_CHUNK):
            q = p[a : a + HUB_CHUNK]
            u, k = self.pair_u[q].astype(np.int64), self.pair_k[q]
            gk = g[k] - self.flow_prices(y, u)  # (pairs, H, T+2)
            gk[np.arange(T + 2)[None, None, :] < self.entry[u][:, :, None]] = NEG
            w = np.argmax(gk, axis=2)
            v = np.take_along_axis(gk, w[:, :, None], 2)[:, :, 0]
            h = np.argsort(-v, axis=1, kind="stable")[:, :hubs]
            w, v = np.take_along_axis(w, h, 1), np.take_along_axis(v, h, 1)
            ok = (v > NEG) & (w > 0)
            out.append((np.broadcast_to(u[:, None], h.shape)[ok],
                        np.broadcast_to(self.kn[k][:, None], h.shape)[ok], h[ok], w[ok]))
        if not out:
            return tuple(np.zeros(0, np.int64) for _ in range(4))
        return tuple(np.concatenate(c) for c in zip(*out, strict=True))

    def pairs_of(self, supply: np.ndarray, need: np.ndarray) -> np.ndarray:
        """The pair index of each (supply, need); -1 where it is no pair (a supply has one
        item, so a (supply, need) is at most one pair)."""
        if not len(self.pair_u):
            return np.full(len(supply), -1, dtype=np.int64)
        n = max(len(self.inst.need_ids), 1)
        key = self.pair_u.astype(np.int64) * n + self.kn[self.pair_k]
        order = np.argsort(key, kind="stable")
        key = key[order]
        want = supply.astype(np.int64) * n + need
        pos = np.minimum(np.searchsorted(key, want), len(key) - 1)
        return np.where(key[pos] == want, order[pos], -1)

    def transport(self) -> Transport:
        """A transportation subproblem over the pairs and limits as they are now."""
        return Transport(self.pair_u, self.kn[self.pair_k], self.supply_upper,
                         self.upper[: self.lay.needs])

    def lagrangian(self, y: np.ndarray, transport: Transport, seed: np.ndarray,
                   deadline: float, tol: float, weeks: int = 2, top: int = 2,
                   hubs: int = 1) -> Priced:
        """The bound at ``y``'s hub-week, purchase and fund prices with the supplies' and
        needs' own prices at their best (the transportation subproblem, transport.py), and as
        columns the pairs its solution uses plus, per supply and per need, the ``top`` best of
        those its duals price within 1e-3 of their value (``violated``: its rounds), through
        ``hubs`` hubs each (:meth:`columns`)."""
        y0 = y.copy()
        y0[: self.lay.offer0] = 0.0  # need and pledge rows: kept in the subproblem
        G, best_h, g = self.best(y0)
        res = transport.solve(G, seed, deadline, tol)
        bound = float(self.upper @ y0) + res.value + self._buys(y0)
        p = np.nonzero((res.x > 1e-9) & (G > 0))[0]
        if top:
            r = G - transport.u[transport.pair_u] - transport.v[transport.pair_n]
            ok = np.nonzero((G > 0) & (r > -1e-3 * G))[0]
            near = np.union1d(top_per_key(r[ok], self.pair_u[ok], top),
                              top_per_key(r[ok], self.kn[self.pair_k[ok]], top))
            p = np.union1d(p, ok[near])
        return self.columns(y0, p, best_h, g, weeks, bound=bound, violated=res.rounds,
                            hubs=hubs)

    def best(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each pair's best reduced cost and its hub (per unit), and the (need-item, hub,
        ship week) table of values net of the hub-week prices it was found from."""
        T, H = self.T, self.H
        pi, sigma, mu = self.duals(y)
        g = self.value - self.ppu_k[:, None, None] * mu[None]
        G = _first_best(g, T)[0]
        hubs = np.arange(H)
        m = len(self.pair_u)
        best_r = np.full(m, NEG)
        best_h = np.zeros(m, dtype=np.int16)
        plain = np.nonzero(~self.pair_flow)[0]
        for a in range(0, len(plain), CHUNK):
            p = plain[a : a + CHUNK]
            u, k = self.pair_u[p], self.pair_k[p]
            rc = G[k[:, None], hubs, self.entry[u]] - (pi[self.kn[k]] + sigma[u])[:, None]
            h = np.argmax(rc, axis=1)
            best_h[p] = h
            best_r[p] = rc[np.arange(len(u)), h]
        flows = np.nonzero(self.pair_flow)[0]
        for a in range(0, len(flows), FLOW_CHUNK):  # the class row's price varies by week
            p = flows[a : a + FLOW_CHUNK]
            u, k = self.pair_u[p], self.pair_k[p]
            rc = (g[k] - self.flow_prices(y, u)).reshape(len(p), -1) - pi[self.kn[k]][:, None]
            j = np.argmax(rc, axis=1)
            best_h[p] = j // (T + 2)
            best_r[p] = rc[np.arange(len(p)), j]
        return best_r, best_h, g

    def _buys(self, y: np.ndarray) -> float:
        """What buys and carries of positive reduced cost could add (none at the master's
        optimum; any duals then still give a bound), each within what its offer and fund
        allow."""
        pur, lay, inst = self.lay.purchases, self.lay, self.inst
        if pur is None or not len(pur.fund):
            return 0.0
        yc = y[lay.class0 :]
        price = inst.offer_price[pur.offer]
        rc = yc[pur.klass] - y[lay.offer0 + pur.offer] - price * y[lay.fund0 + pur.fund]
        offer_upper = self.upper[lay.offer0 + pur.offer]
        most = np.minimum(offer_upper, self.upper[lay.fund0 + pur.fund] / np.maximum(price, 1e-300))
        src, dst = pur.carries()
        carry = np.maximum(yc[dst] - yc[src], 0.0)
        return float(np.maximum(rc, 0.0) @ most
                     + carry @ self.upper[lay.offer0 + pur.class_offer[src]])

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
    lp = max_lp(r, a, np.r_[supply_upper[us], need_upper[ns]])
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
