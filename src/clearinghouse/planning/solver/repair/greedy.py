"""The first-come-first-served plan: what a spreadsheet would have done.

Needs in order of priority (weight, highest first) then due week; each is filled from the
earliest-ready compatible supply (pledges before purchases on a tie), through the route that
arrives first among the hub weeks with capacity left, until the need is full or nothing fits.
Fixed allocations are kept and use their quantities and capacity first.
"""

from __future__ import annotations

import numpy as np

from ..build.instance import Instance
from ..build.supply import (
    Columns,
    compatible_pairs,
    entry_weeks,
    fixed_columns,
    supplies,
    take,
    unit_values,
)
from ..result import EPS, PlanResult, Status


def solve_greedy(inst: Instance) -> PlanResult:
    """The first-come-first-served plan of ``inst`` (status ``greedy``), as the module says."""
    sup = supplies(inst)
    fixed = fixed_columns(inst).columns
    T = inst.horizon
    need_left = inst.need_qty.copy()
    pledge_left = inst.pledge_qty.copy()
    offer_left = inst.offer_max.copy()
    fund_left = inst.fund_amount.copy()
    cap_left = inst.hub_capacity.copy()
    fq = fixed.lower
    np.subtract.at(need_left, fixed.need, fq)
    has = fixed.pledge >= 0
    np.subtract.at(pledge_left, fixed.pledge[has], fq[has])
    np.subtract.at(offer_left, fixed.offer[~has], fq[~has])
    spent = fq * take(inst.offer_price, fixed.offer)
    np.subtract.at(fund_left, fixed.fund[~has], spent[~has])
    np.subtract.at(cap_left, (fixed.hub, fixed.ship), fq * inst.item_ppu[fixed.item])

    si, ni = compatible_pairs(inst, sup)
    # pairs grouped by need, each need's supplies earliest-ready first, pledges first on a tie
    order = np.lexsort((si, sup.pledge[si] < 0, sup.ready[si], ni))
    si, ni = si[order], ni[order]
    starts = np.searchsorted(ni, np.arange(len(inst.need_ids) + 1))
    need_order = np.lexsort((np.arange(len(inst.need_ids)), inst.need_due, -inst.need_weight))

    out: list[tuple[int, int, int, int, int, float]] = []  # supply, need, hub, ship, arrival, q
    H = len(inst.hub_ids)
    weeks = np.arange(T + 1)
    entry = entry_weeks(inst, sup)  # (S, H); T+1 where no route
    is_pledge = sup.pledge >= 0
    p_idx, o_idx = np.maximum(sup.pledge, 0), np.maximum(sup.offer, 0)
    f_idx = np.maximum(sup.fund, 0)
    price = take(inst.offer_price, sup.offer)
    item_ppu = inst.item_ppu[sup.item]
    indivisible = inst.item_indivisible[sup.item]
    # A supply that found no hub-week with room for a region never will later (capacity left
    # only shrinks): skip it for the other needs there (trying every pair was far too slow at
    # scale; docs/solver.md).
    failed = np.zeros((len(sup), max(len(inst.region_ids), 1)), dtype=bool)

    def available(cand: np.ndarray) -> np.ndarray:
        buy = np.minimum(take(offer_left, sup.offer[cand]),
                         take(fund_left, sup.fund[cand]) / np.maximum(price[cand], 1e-300))
        return np.where(is_pledge[cand], take(pledge_left, sup.pledge[cand]), buy)

    for n in need_order:
        n = int(n)
        region = inst.need_region[n]
        cand = si[starts[n] : starts[n + 1]]
        if need_left[n] <= EPS or len(cand) == 0 or H == 0:
            continue
        cand = cand[(available(cand) > EPS) & ~failed[cand, region]]
        dw = inst.delivery_weeks[:, region]
        last = np.where(dw >= 0, T - dw, -1)
        for s in cand:
            s = int(s)
            ppu, indiv = item_ppu[s], bool(indivisible[s])
            window = (weeks[None, :] >= entry[s][:, None]) & (weeks[None, :] <= last[:, None])
            window &= inst.hub_open
            min_cap = ppu if indiv else EPS
            while need_left[n] > EPS:
                if is_pledge[s]:
                    avail = pledge_left[p_idx[s]]
                else:
                    avail = min(offer_left[o_idx[s]], fund_left[f_idx[s]] / price[s])
                want = min(need_left[n], avail)
                if indiv:
                    want = np.floor(want + 1e-9)
                if want <= EPS:
                    break
                fits = window & (cap_left >= min_cap) if ppu > 0 else window
                first = np.argmax(fits, axis=1)  # earliest week per hub (0: none)
                ok = fits[np.arange(H), first]
                if not ok.any():
                    failed[s, region] = True
                    break
                arrival = np.where(ok, first + dw, np.iinfo(np.int64).max)
                h = int(np.argmin(arrival))  # the first hub among equal arrivals
                w, t = int(first[h]), int(arrival[h])
                if unit_values(inst, np.array([n]), np.array([t]))[0] <= 0:
                    break
                q = want if ppu == 0 else min(want, cap_left[h, w] / ppu)
                if indiv:
                    q = np.floor(q + 1e-9)
                if q <= EPS:
                    break
                out.append((s, n, h, w, t, float(q)))
                need_left[n] -= q
                cap_left[h, w] -= q * ppu
                if is_pledge[s]:
                    pledge_left[p_idx[s]] -= q
                else:
                    offer_left[o_idx[s]] -= q
                    fund_left[f_idx[s]] -= q * price[s]
            if need_left[n] <= EPS:
                break

    a = np.array(out, dtype=float).reshape(-1, 6)
    s_, n_, h_, w_, t_ = (a[:, k].astype(np.int64) for k in range(5))
    q = a[:, 5]
    cols = Columns(
        supply=np.concatenate([s_, fixed.supply]),
        pledge=np.concatenate([sup.pledge[s_], fixed.pledge]),
        fund=np.concatenate([sup.fund[s_], fixed.fund]),
        offer=np.concatenate([sup.offer[s_], fixed.offer]),
        item=np.concatenate([sup.item[s_], fixed.item]),
        need=np.concatenate([n_, fixed.need]),
        hub=np.concatenate([h_, fixed.hub]),
        ship=np.concatenate([w_, fixed.ship]),
        arrival=np.concatenate([t_, fixed.arrival]),
        unit_value=np.concatenate([unit_values(inst, n_, t_), fixed.unit_value]),
        lower=np.concatenate([np.zeros(len(q)), fixed.lower]),
        upper=np.concatenate([q, fixed.upper]),
        fixed=np.concatenate([np.zeros(len(q), dtype=bool), fixed.fixed]),
    )
    quantity = np.concatenate([q, fixed.lower])
    return PlanResult(inst, cols, quantity, Status.GREEDY, bound=inst.total_weight)
