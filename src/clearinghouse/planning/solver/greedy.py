"""The first-come-first-served plan: what a spreadsheet would have done.

Needs in order of priority (weight, highest first) then due week; each is filled from the
earliest-ready compatible supply (pledges before purchases on a tie), through the route that
arrives first among the hub weeks with capacity left, until the need is full or nothing fits.
Fixed allocations are kept and use their quantities and capacity first.
"""

from __future__ import annotations

import numpy as np

from .instance import Instance
from .result import EPS, PlanResult
from .supply import Columns, compatible_pairs, fixed_columns, supplies, take, unit_values


def solve_greedy(inst: Instance) -> PlanResult:
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
    hubs = np.arange(len(inst.hub_ids))
    for n in need_order:
        n = int(n)
        region = inst.need_region[n]
        dw_all = inst.delivery_weeks[:, region] if len(hubs) else np.zeros(0, np.int64)
        for s in si[starts[n] : starts[n + 1]]:
            s = int(s)
            item = sup.item[s]
            ppu = inst.item_ppu[item]
            indiv = bool(inst.item_indivisible[item])
            rw_all = inst.route_weeks[sup.depot[s]]
            ok_h = hubs[(rw_all >= 0) & (dw_all >= 0)]
            while need_left[n] > EPS:
                p, o, f = sup.pledge[s], sup.offer[s], sup.fund[s]
                if p >= 0:
                    avail = pledge_left[p]
                else:
                    avail = min(offer_left[o], fund_left[f] / inst.offer_price[o])
                want = min(need_left[n], avail)
                if indiv:
                    want = np.floor(want + 1e-9)
                if want <= EPS:
                    break
                min_cap = ppu if indiv else EPS
                best = None  # (arrival, hub, week)
                for h in ok_h:
                    first = max(int(sup.ready[s] + rw_all[h]), 1)
                    last = T - int(dw_all[h])
                    if first > last:
                        continue
                    weeks = np.arange(first, last + 1)
                    fits = inst.hub_open[h, weeks]
                    if ppu > 0:
                        fits &= cap_left[h, weeks] >= min_cap
                    if not fits.any():
                        continue
                    w = int(weeks[np.argmax(fits)])
                    t = w + int(dw_all[h])
                    if best is None or t < best[0]:
                        best = (t, int(h), w)
                if best is None:
                    break
                t, h, w = best
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
                if p >= 0:
                    pledge_left[p] -= q
                else:
                    offer_left[o] -= q
                    fund_left[f] -= q * inst.offer_price[o]
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
    return PlanResult(inst, cols, quantity, "greedy", bound=inst.total_weight)
