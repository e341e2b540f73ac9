"""A first, simple account of the needs a plan leaves uncovered (``unmet`` in the plan).

Each need not fully covered on time gets its missing and late units and at least one reason
(the schema requires one). The reasons come from simple checks of the instance and of which
limits the plan exhausts; they are indicative, not the full binding-constraint analysis that
issue 5 asks for (that is still to be built).
"""

from __future__ import annotations

import numpy as np

from .result import PlanResult
from .supply import compatible_pairs, free_columns, join, need_items, supplies, take

REL = 1e-7


def unmet_needs(res: PlanResult) -> list[dict]:
    inst = res.inst
    N = len(inst.need_ids)
    allocated, on_time = res.need_totals()
    tol = REL * np.maximum(inst.need_qty, 1.0)
    missing = np.maximum(inst.need_qty - allocated, 0.0)
    late = np.maximum(allocated - on_time, 0.0)
    todo = np.nonzero((missing > tol) | (late > tol))[0]
    if len(todo) == 0:
        return []

    sup = supplies(inst)
    ni, it = need_items(inst)
    item_supply = np.concatenate([inst.pledge_item, inst.offer_item])
    fit = np.zeros(N, dtype=bool)
    fit[ni[join(it, item_supply)[0]]] = True
    allowed = np.zeros(N, dtype=bool)
    allowed[compatible_pairs(inst, sup)[1]] = True
    free = free_columns(inst, sup)
    reachable = np.zeros(N, dtype=bool)
    reachable[free.need] = True

    c, q = res.cols, res.quantity
    T1 = inst.horizon + 1
    used_p = np.bincount(c.pledge[c.pledge >= 0], q[c.pledge >= 0], len(inst.pledge_ids))
    buy = c.offer >= 0
    used_o = np.bincount(c.offer[buy], q[buy], len(inst.offer_ids))
    spent = q * take(inst.offer_price, c.offer)
    used_f = np.bincount(c.fund[buy], spent[buy], len(inst.fund_ids))
    pallets = q * inst.item_ppu[c.item]
    used_hw = np.bincount(c.hub * T1 + c.ship, pallets, inst.hub_capacity.size)
    cap = inst.hub_capacity.ravel()
    p_full = used_p >= inst.pledge_qty * (1 - REL)
    o_full = used_o >= inst.offer_max * (1 - REL)
    price_min = inst.offer_price.min() if len(inst.offer_price) else 0.0
    f_full = inst.fund_amount - used_f < price_min * (1 - REL) + 1e-9
    left_hw = cap - used_hw

    out = []
    for n in todo:
        n = int(n)
        what = (
            f"item {inst.item_ids[inst.need_item[n]]}"
            if inst.need_item[n] >= 0
            else f"family {inst.family_ids[inst.need_family[n]]}"
        )
        region = inst.region_ids[inst.need_region[n]]
        due = int(inst.need_due[n])
        short = f"{missing[n]:g} units of {what}"
        reasons = []
        if not fit[n]:
            reasons.append(
                {
                    "code": "no_compatible_supply",
                    "message": f"no pledge or offer of {what}",
                    "would_close": f"{short} pledged, arriving in {region} by week {due}",
                }
            )
        elif not allowed[n]:
            reasons.append(
                {
                    "code": "restricted",
                    "message": f"every supply of {what} is restricted (region, earmark or fund "
                    "rules) away from this need",
                    "would_close": f"{short} without restrictions, arriving in {region} "
                    f"by week {due}",
                }
            )
        elif not reachable[n]:
            reasons.append(
                {
                    "code": "too_late",
                    "message": f"no compatible supply can reach {region} within the horizon",
                    "would_close": f"{short} ready at a depot with a route to {region} "
                    f"in time to arrive by week {due}",
                }
            )
        else:
            mine = free.need == n
            sup_idx = free.supply[mine]
            p, o, f = sup.pledge[sup_idx], sup.offer[sup_idx], sup.fund[sup_idx]
            hw = free.hub[mine] * T1 + free.ship[mine]
            ppu = inst.item_ppu[free.item[mine]]
            step = np.where(inst.item_indivisible[free.item[mine]], ppu, REL * (1 + cap[hw]))
            hw_full = (ppu > 0) & (left_hw[hw] < step)
            on_time = free.arrival[mine] <= due
            full_weeks = np.unique(hw[hw_full & (on_time if late[n] > tol[n] else True)] % T1)
            if len(full_weeks):
                reasons.append(
                    {
                        "code": "hub_capacity",
                        "message": "hub capacity exhausted in weeks "
                        + ", ".join(str(int(w)) for w in full_weeks[:10]),
                        "would_close": f"hub capacity for {max(missing[n], late[n]):g} units "
                        f"of {what} in those weeks",
                    }
                )
            if late[n] > tol[n]:
                reasons.append(
                    {
                        "code": "too_late",
                        "message": f"{late[n]:g} units arrive after the due week {due}; "
                        f"earliest possible arrival week {int(free.arrival[mine].min())}",
                    }
                )
            if missing[n] > tol[n]:
                taken = (p >= 0) & p_full[np.maximum(p, 0)] if len(inst.pledge_ids) else p < -1
                if len(inst.offer_ids):
                    taken |= (o >= 0) & o_full[np.maximum(o, 0)]
                if taken.any():
                    others = {
                        inst.need_ids[k]
                        for k in np.unique(c.need[np.isin(c.supply, sup_idx[taken]) & (q > 0)])
                        if k != n
                    }
                    names = ", ".join(sorted(others)[:5])
                    reasons.append(
                        {
                            "code": "taken_by_higher_value" if names else "no_compatible_supply",
                            "message": f"compatible supply is allocated to {names}"
                            if names
                            else "all compatible supply is already allocated to this need",
                            "would_close": f"{short} more, arriving in {region} by week {due}",
                        }
                    )
                if len(inst.fund_ids) and ((f >= 0) & f_full[np.maximum(f, 0)]).any():
                    reasons.append(
                        {
                            "code": "budget",
                            "message": "the funds that may buy for this need are spent",
                            "would_close": f"funding for {short}",
                        }
                    )
                if not any(r["code"] != "too_late" for r in reasons):
                    reasons.append(
                        {
                            "code": "taken_by_higher_value",
                            "message": "the compatible supply goes to needs of higher value",
                            "would_close": f"{short} more, arriving in {region} by week {due}",
                        }
                    )
        out.append(
            {
                "need": inst.need_ids[n],
                "missing": float(missing[n]) if missing[n] > tol[n] else 0.0,
                "late": float(late[n]) if late[n] > tol[n] else 0.0,
                "reasons": reasons,
            }
        )
    return out
