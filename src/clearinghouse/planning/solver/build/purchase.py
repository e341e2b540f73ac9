"""Purchases by offer, for models too large to list: one column per (offer, need, hub, week)
whichever fund pays, instead of one per (fund, offer, need, hub, week).

The funds allowed to buy through offer ``o`` fall into classes by the week their purchase is
ready, ``R(f, o) = max(f.available, o.available) + o.lead``: ``r_1 < ... < r_K``. A unit
handled at hub ``h`` in week ``s`` needs a purchase ready by ``tau = s - route(o.origin, h)``,
from any fund of class ``k <= c(tau)``. These sets are nested, so Hall's condition on their
prefixes is enough for the flows to be paid for: per offer and class one row

    flows of class k - buys b[f, o] of class k - carry z[k-1] + carry z[k] <= 0

with buys in the offer's and the fund's rows, and carries ``z >= 0`` taking what earlier funds
bought on to later flows. After the LP the flows are matched to the buys earliest deadline
first (:func:`disaggregate`), which those rows make possible, and the contract's (fund, offer)
columns come back. With many funds and offers this cuts the purchase columns from the pairs'
count to about the offers' count times their needs (docs/solver.md, "Purchases by offer").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .instance import Instance
from .supply import Columns, Supplies, concat, join, make_columns, select, take

EPS = 1e-9


@dataclass(frozen=True)
class Purchases:
    """The buys (compatible fund x offer pairs) and their classes, sorted by (offer, ready)."""

    fund: np.ndarray
    offer: np.ndarray
    ready: np.ndarray
    pair: np.ndarray  # each buy's index in the pair-level Supplies
    klass: np.ndarray  # each buy's class
    class_offer: np.ndarray
    class_ready: np.ndarray
    width: int  # key = offer * width + week

    @property
    def classes(self) -> int:
        """The number of (offer, readiness class) rows."""
        return len(self.class_offer)

    def class_of(self, offer: np.ndarray, tau: np.ndarray) -> np.ndarray:
        """The latest class of ``offer`` ready by week ``tau``; -1 where none is."""
        if not self.classes:
            return np.full(len(offer), -1, dtype=np.int64)
        key = offer * self.width + np.clip(tau, -1, self.width - 1)
        i = np.searchsorted(self.class_offer * self.width + self.class_ready, key, "right") - 1
        ok = (i >= 0) & (self.class_offer[np.maximum(i, 0)] == offer)
        return np.where(ok, i, -1)

    def carries(self) -> tuple[np.ndarray, np.ndarray]:
        """(from class, to class) for each carry: every class but an offer's last."""
        k = np.nonzero(self.class_offer[:-1] == self.class_offer[1:])[0]
        return k, k + 1


def purchases(inst: Instance, pairs: Supplies) -> Purchases:
    """The buys of the pair-level supplies (``supply.supplies``) and their classes."""
    idx = np.nonzero(pairs.fund >= 0)[0]
    width = int(max(pairs.ready.max(initial=0), inst.horizon)) + 2
    key = pairs.offer[idx] * width + pairs.ready[idx]
    order = np.argsort(key, kind="stable")
    idx, key = idx[order], key[order]
    uniq, klass = np.unique(key, return_inverse=True)
    return Purchases(
        fund=pairs.fund[idx], offer=pairs.offer[idx], ready=pairs.ready[idx], pair=idx,
        klass=klass.astype(np.int64), class_offer=uniq // width, class_ready=uniq % width,
        width=width,
    )


def offer_supplies(inst: Instance, pairs: Supplies, pur: Purchases) -> Supplies:
    """The pledges as they are, then one supply per offer that some fund may buy, ready when
    its first class is (fund = -1 marks the offer's flows)."""
    pl = pairs.pledge >= 0
    offers, first = np.unique(pur.class_offer, return_index=True)
    none = np.full(len(offers), -1, dtype=np.int64)
    return Supplies(
        pledge=np.concatenate([pairs.pledge[pl], none]),
        fund=np.concatenate([pairs.fund[pl], none]),
        offer=np.concatenate([pairs.offer[pl], offers]),
        item=np.concatenate([pairs.item[pl], inst.offer_item[offers]]),
        depot=np.concatenate([pairs.depot[pl], inst.offer_depot[offers]]),
        ready=np.concatenate([pairs.ready[pl], pur.class_ready[first]]),
    )


def flow_class(inst: Instance, pur: Purchases, cols: Columns) -> np.ndarray:
    """Each offer flow's class (the latest whose purchases are in time)."""
    tau = cols.ship - inst.route_weeks[inst.offer_depot[cols.offer], cols.hub]
    return pur.class_of(cols.offer, tau)


def offer_limits(inst: Instance, pur: Purchases, offer_upper: np.ndarray,
                 fund_upper: np.ndarray) -> np.ndarray:
    """Per offer, the most units all its funds together can buy."""
    price = np.maximum(inst.offer_price, 1e-300)
    money = np.zeros(len(inst.offer_ids))
    np.add.at(money, pur.offer, fund_upper[pur.fund])
    return np.minimum(offer_upper, money / price)


def aggregate(inst: Instance, sup: Supplies, cols: Columns) -> Columns:
    """Pair-level columns (a greedy plan's) as the offer supplies' (``offer_supplies``)."""
    by_offer = np.full(len(inst.offer_ids), -1, dtype=np.int64)
    off = np.nonzero(sup.pledge < 0)[0]
    by_offer[sup.offer[off]] = off
    s = np.where(cols.pledge >= 0, cols.pledge, take(by_offer, cols.offer))
    ok = s >= 0
    return make_columns(inst, sup, s[ok], cols.need[ok], cols.hub[ok], cols.ship[ok])


def disaggregate(inst: Instance, pairs: Supplies, pur: Purchases, cols: Columns,
                 x: np.ndarray, buys: np.ndarray) -> tuple[Columns, np.ndarray]:
    """Offer-level columns ``cols`` with values ``x`` and buys' values ``buys``, as pair-level
    columns: each offer's flows, by deadline, take the buys by readiness (northwest corner:
    each flow's share comes from buys ready in time, as the class rows guarantee). Returned
    with them, at zero, every other (fund, offer) column of a held flow through a fund the
    LP buys from, for the repair to move whole units to."""
    offer_flow = (cols.pledge < 0) & (cols.offer >= 0)
    pledge_idx = np.nonzero(~offer_flow)[0]
    f_idx = np.nonzero(offer_flow)[0]
    pos = np.nonzero(buys > EPS)[0]  # buys are sorted by (offer, ready)

    # every held flow through every fund the LP buys from, when that fund is in time
    fi, bi = join(cols.offer[f_idx], pur.offer[pos])
    tau = cols.ship[f_idx[fi]] - inst.route_weeks[inst.offer_depot[cols.offer[f_idx[fi]]],
                                                  cols.hub[f_idx[fi]]]
    ok = pur.ready[pos[bi]] <= tau
    fi, bi = fi[ok], pos[bi[ok]]
    ex = make_columns(inst, pairs, pur.pair[bi], cols.need[f_idx[fi]], cols.hub[f_idx[fi]],
                      cols.ship[f_idx[fi]])
    ex_x = np.zeros(len(ex))

    # the LP's flows, matched to its buys by cumulative position within each offer
    used = f_idx[x[f_idx] > EPS]
    cls = flow_class(inst, pur, select(cols, used))
    order = np.lexsort((cls, cols.offer[used]))
    used, cls = used[order], cls[order]
    b_end = np.cumsum(buys[pos])
    b_start = b_end - buys[pos]
    base = np.full(len(inst.offer_ids), np.nan)  # where each offer's buys start
    o_b = pur.offer[pos]
    first = np.r_[True, o_b[1:] != o_b[:-1]] if len(pos) else np.zeros(0, dtype=bool)
    base[o_b[first]] = b_start[first]
    # an offer's flows never exceed its buys but by the LP's tolerance: scaled down to them,
    # so that each offer's flows stay within its buys' span (and none without buys remain)
    n_offers = len(inst.offer_ids)
    bought = np.bincount(o_b, buys[pos], minlength=n_offers)
    flowed = np.bincount(cols.offer[used], x[used], minlength=n_offers)
    ratio = np.minimum(1.0, np.divide(bought, flowed, out=np.zeros(n_offers), where=flowed > 0))
    q = x[used] * ratio[cols.offer[used]]
    used, cls, q = used[q > EPS], cls[q > EPS], q[q > EPS]
    o_f = cols.offer[used]
    f_end = np.cumsum(q)
    start_of_offer = np.r_[True, o_f[1:] != o_f[:-1]] if len(used) else np.zeros(0, bool)
    shift = np.maximum.accumulate(np.where(start_of_offer, f_end - q, 0.0)) if len(used) else q
    f_end = f_end - shift + base[o_f]
    f_start = f_end - q
    cuts = np.unique(np.concatenate([f_start, f_end, b_start, b_end]))
    lo, hi = cuts[:-1], cuts[1:]
    mid = (lo + hi) / 2
    j = np.minimum(np.searchsorted(f_end, mid), max(len(used) - 1, 0))
    i = np.minimum(np.searchsorted(b_end, mid), max(len(pos) - 1, 0))
    keep = (hi - lo > EPS) & (len(used) > 0) & (len(pos) > 0)
    if keep.any():
        keep &= (f_start[j] <= mid) & (mid < f_end[j]) & (b_start[i] <= mid) & (mid < b_end[i])
    j, i, amount = j[keep], pos[i[keep]], (hi - lo)[keep]
    # a share from another offer or a fund not in time is the LP's rounding noise: dropped
    fit = (pur.offer[i] == o_f[j]) & (pur.klass[i] <= cls[j])
    j, i, amount = j[fit], i[fit], amount[fit]
    width = (len(inst.hub_ids) + 1) * (inst.horizon + 2)
    ex_key = (ex.supply * len(inst.need_ids) + ex.need) * width + ex.hub * (inst.horizon + 2) \
        + ex.ship
    c = used[j]
    key = (pur.pair[i] * len(inst.need_ids) + cols.need[c]) * width \
        + cols.hub[c] * (inst.horizon + 2) + cols.ship[c]
    srt = np.argsort(ex_key, kind="stable")
    at = srt[np.searchsorted(ex_key[srt], key)]
    np.add.at(ex_x, at, amount)

    out = concat(select(cols, pledge_idx), ex)
    return out, np.concatenate([x[pledge_idx], ex_x])

