"""Supplies (pledges and fund x offer purchases) and the feasible columns, built with numpy joins.

A column is one (supply, need, hub, ship week) that respects compatibility, restrictions,
readiness, routes, the horizon and open hub weeks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .instance import Instance


def join(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All index pairs (i, j) with ``left[i] == right[j]`` (an equi-join by sorting)."""
    order = np.argsort(right, kind="stable")
    srt = right[order]
    lo = np.searchsorted(srt, left, "left")
    cnt = np.searchsorted(srt, left, "right") - lo
    li = np.repeat(np.arange(len(left)), cnt)
    starts = np.repeat(np.cumsum(cnt) - cnt, cnt)
    ri = order[np.repeat(lo, cnt) + np.arange(len(li)) - starts]
    return li, ri


def expand_ranges(start: np.ndarray, stop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each i, the values start[i]..stop[i] inclusive: (row index, value) arrays."""
    cnt = np.maximum(stop - start + 1, 0)
    rows = np.repeat(np.arange(len(start)), cnt)
    offs = np.arange(len(rows)) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    return rows, start[rows] + offs


@dataclass(frozen=True)
class Supplies:
    """Pledges and (fund, offer) purchases as one list of supplies (arrays, one entry each)."""
    pledge: np.ndarray  # -1 for purchases
    fund: np.ndarray  # -1 for pledges
    offer: np.ndarray
    item: np.ndarray
    depot: np.ndarray
    ready: np.ndarray

    def __len__(self) -> int:
        return len(self.item)


def supplies(inst: Instance) -> Supplies:
    """Every pledge, then every (fund, offer) pair whose fund may buy the offer's item."""
    P = len(inst.pledge_ids)
    F, O_ = len(inst.fund_ids), len(inst.offer_ids)
    f, o = (
        np.nonzero(inst.fund_item_ok[:, inst.offer_item])
        if F and O_
        else (
            np.zeros(0, np.int64),
            np.zeros(0, np.int64),
        )
    )
    lead = inst.offer_ready - inst.offer_available
    ready = np.maximum(inst.fund_available[f], inst.offer_available[o]) + lead[o]
    neg = np.full(P, -1, dtype=np.int64)
    return Supplies(
        pledge=np.concatenate([np.arange(P), np.full(len(f), -1)]).astype(np.int64),
        fund=np.concatenate([neg, f]).astype(np.int64),
        offer=np.concatenate([neg, o]).astype(np.int64),
        item=np.concatenate([inst.pledge_item, inst.offer_item[o]]).astype(np.int64),
        depot=np.concatenate([inst.pledge_depot, inst.offer_depot[o]]).astype(np.int64),
        ready=np.concatenate([inst.pledge_ready, ready]).astype(np.int64),
    )


def need_items(inst: Instance) -> tuple[np.ndarray, np.ndarray]:
    """(need, item) pairs: each item a need accepts (its item, or its family's items)."""
    by_item = np.nonzero(inst.need_item >= 0)[0]
    by_fam = np.nonzero(inst.need_family >= 0)[0]
    fi, it = join(inst.need_family[by_fam], inst.item_family)
    need = np.concatenate([by_item, by_fam[fi]])
    item = np.concatenate([inst.need_item[by_item], it])
    return need, item


def compatible_pairs(
    inst: Instance, sup: Supplies, restricted: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """(supply, need) pairs whose item fits; with ``restricted`` also the pledges' restrictions."""
    need, item = need_items(inst)
    si, k = join(sup.item, item)
    n = need[k]
    if restricted and len(si):
        p = sup.pledge[si]
        isp = p >= 0
        pp = np.where(isp, p, 0)
        ok = ~isp | inst.pledge_region_ok[pp, inst.need_region[n]] if len(inst.pledge_ids) else ~isp
        key = pp * len(inst.need_ids) + n
        listed = np.isin(key, inst.pledge_need_allowed)
        if len(inst.pledge_ids):
            ok &= ~isp | ~inst.pledge_need_restricted[pp] | listed
        si, n = si[ok], n[ok]
    return si, n


@dataclass(frozen=True)
class Columns:
    """Columns (supply, need, hub, ship week) as arrays, with their arrival, value and bounds."""
    supply: np.ndarray  # index into Supplies, -1 for fixed columns
    pledge: np.ndarray
    fund: np.ndarray
    offer: np.ndarray
    item: np.ndarray
    need: np.ndarray
    hub: np.ndarray
    ship: np.ndarray
    arrival: np.ndarray
    unit_value: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    fixed: np.ndarray  # bool

    def __len__(self) -> int:
        return len(self.need)


def unit_values(inst: Instance, need: np.ndarray, arrival: np.ndarray) -> np.ndarray:
    """The contract's value of one unit for ``need`` arriving in ``arrival``: weight /
    quantity, times the late factor per week late."""
    late = np.maximum(arrival - inst.need_due[need], 0)
    base = inst.need_weight[need] / inst.need_qty[need]
    return base * np.power(inst.late_factor, late.astype(float))


def free_columns(inst: Instance, sup: Supplies) -> Columns:
    """Every feasible column of ``sup`` (the fixed allocations not included)."""
    si, n = compatible_pairs(inst, sup)
    H = len(inst.hub_ids)
    si = np.repeat(si, H)
    n = np.repeat(n, H)
    h = np.tile(np.arange(H), len(si) // H if H else 0)
    rw = inst.route_weeks[sup.depot[si], h] if inst.route_weeks.size else np.zeros(0, np.int64)
    dw = inst.delivery_weeks[h, inst.need_region[n]] if H else np.zeros(0, np.int64)
    ok = (rw >= 0) & (dw >= 0)
    si, n, h, rw, dw = si[ok], n[ok], h[ok], rw[ok], dw[ok]
    first = np.maximum(sup.ready[si] + rw, 1)
    last = inst.horizon - dw
    r, s = expand_ranges(first, last)
    si, n, h, dw = si[r], n[r], h[r], dw[r]
    item = sup.item[si]
    ok = inst.hub_open[h, s] & ((inst.hub_capacity[h, s] > 0) | (inst.item_ppu[item] == 0))
    si, n, h, s, dw, item = si[ok], n[ok], h[ok], s[ok], dw[ok], item[ok]
    t = s + dw
    val = unit_values(inst, n, t)
    ok = val > 0
    si, n, h, s, t, item, val = si[ok], n[ok], h[ok], s[ok], t[ok], item[ok], val[ok]
    m = len(si)
    return Columns(
        supply=si,
        pledge=sup.pledge[si],
        fund=sup.fund[si],
        offer=sup.offer[si],
        item=item,
        need=n,
        hub=h,
        ship=s,
        arrival=t,
        unit_value=val,
        lower=np.zeros(m),
        upper=np.full(m, np.inf),
        fixed=np.zeros(m, dtype=bool),
    )


def count_columns(inst: Instance, sup: Supplies) -> int:
    """How many free columns ``free_columns`` would build, counted per (supply, need, hub)
    without building them (an upper bound: closed hub-weeks are not subtracted)."""
    si, n = compatible_pairs(inst, sup)
    H = len(inst.hub_ids)
    if not H or not len(si) or not inst.route_weeks.size:
        return 0
    rw = inst.route_weeks[sup.depot[si]]  # pairs x hubs
    dw = inst.delivery_weeks[:, inst.need_region[n]].T
    first = np.maximum(sup.ready[si][:, None] + rw, 1)
    weeks = np.where((rw >= 0) & (dw >= 0), inst.horizon - dw - first + 1, 0)
    return int(np.maximum(weeks, 0).sum())


def take(arr: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``arr[idx]`` with 0 where ``idx`` is -1 (also when ``arr`` is empty)."""
    if len(arr) == 0:
        return np.zeros(len(idx), dtype=arr.dtype)
    return np.where(idx >= 0, arr[np.maximum(idx, 0)], 0)


@dataclass(frozen=True)
class FixedColumns:
    """The fixed allocations as columns, with the problem of each that breaks a rule (empty
    when none)."""
    columns: Columns
    item: np.ndarray
    arrival: np.ndarray
    problem: list[str]


def fixed_columns(inst: Instance) -> FixedColumns:
    """The fixed allocations as columns, with a problem message for each infeasible one."""
    K = len(inst.fixed_qty)
    isp = inst.fixed_pledge >= 0
    f, o, pl = inst.fixed_fund, inst.fixed_offer, inst.fixed_pledge
    lead = inst.offer_ready - inst.offer_available
    item = np.where(isp, take(inst.pledge_item, pl), take(inst.offer_item, o))
    depot = np.where(isp, take(inst.pledge_depot, pl), take(inst.offer_depot, o))
    ready = np.where(
        isp,
        take(inst.pledge_ready, pl),
        np.maximum(take(inst.fund_available, f), take(inst.offer_available, o)) + take(lead, o),
    )
    n, h, s = inst.fixed_need, inst.fixed_hub, inst.fixed_ship
    dw = inst.delivery_weeks[h, inst.need_region[n]] if K else np.zeros(0, np.int64)
    rw = inst.route_weeks[depot, h] if K else np.zeros(0, np.int64)
    t = s + dw
    accepts = np.zeros((len(inst.need_ids), len(inst.item_ids)), dtype=bool)
    ni, ii = need_items(inst)
    accepts[ni, ii] = True
    problem: list[str] = []
    for k in range(K):
        msg = ""
        p = int(inst.fixed_pledge[k])
        if not accepts[n[k], item[k]]:
            msg = f"item {inst.item_ids[item[k]]!r} does not fit need {inst.need_ids[n[k]]!r}"
        elif p >= 0 and not inst.pledge_region_ok[p, inst.need_region[n[k]]]:
            msg = "the pledge may not serve the need's region"
        elif (
            p >= 0
            and inst.pledge_need_restricted[p]
            and not np.isin(p * len(inst.need_ids) + n[k], inst.pledge_need_allowed)
        ):
            msg = "the pledge may not serve this need"
        elif p < 0 and not inst.fund_item_ok[f[k], item[k]]:
            msg = "the fund may not buy this item"
        elif rw[k] < 0:
            msg = "no route from the supply's depot to the hub"
        elif dw[k] < 0:
            msg = "no delivery from the hub to the need's region"
        elif s[k] < ready[k] + rw[k]:
            msg = f"ship week {s[k]} is before the supply can reach the hub ({ready[k] + rw[k]})"
        elif t[k] > inst.horizon:
            msg = f"arrival week {t[k]} is beyond the horizon {inst.horizon}"
        elif not inst.hub_open[h[k], s[k]]:
            msg = f"the hub is closed in week {s[k]}"
        problem.append(msg)
    ok_idx = np.array([not m for m in problem], dtype=bool)
    t_safe = np.where(ok_idx, t, 1)
    q = inst.fixed_qty
    cols = Columns(
        supply=np.full(K, -1, dtype=np.int64),
        pledge=inst.fixed_pledge,
        fund=inst.fixed_fund,
        offer=inst.fixed_offer,
        item=item.astype(np.int64),
        need=n,
        hub=h,
        ship=s,
        arrival=t.astype(np.int64),
        unit_value=unit_values(inst, n, t_safe) if K else np.zeros(0),
        lower=q.copy(),
        upper=q.copy(),
        fixed=np.ones(K, dtype=bool),
    )
    return FixedColumns(columns=cols, item=item, arrival=t, problem=problem)


def all_columns(inst: Instance, sup: Supplies | None = None) -> Columns:
    """Free columns followed by the fixed ones."""
    sup = supplies(inst) if sup is None else sup
    a = free_columns(inst, sup)
    b = fixed_columns(inst).columns
    return Columns(
        **{
            name: np.concatenate([getattr(a, name), getattr(b, name)])
            for name in Columns.__dataclass_fields__
        }
    )


def entry_weeks(inst: Instance, sup: Supplies) -> np.ndarray:
    """(supplies, hubs): the first week each supply can be handled at each hub (it waits at
    its depot, never at the hub, so any later week will do too); T+1 where it never can."""
    T = inst.horizon
    if not len(inst.hub_ids):
        return np.full((len(sup), 0), T + 1, dtype=np.int64)
    rw = inst.route_weeks[sup.depot]
    e = np.maximum(sup.ready[:, None] + rw, 1)
    return np.where((rw >= 0) & (e <= T), e, T + 1).astype(np.int64)


def select(cols: Columns, idx: np.ndarray) -> Columns:
    """The columns at ``idx`` (an index or boolean array)."""
    return Columns(**{name: getattr(cols, name)[idx] for name in Columns.__dataclass_fields__})


def concat(*parts: Columns) -> Columns:
    """The columns of ``parts``, one after the other."""
    return Columns(
        **{
            name: np.concatenate([getattr(p, name) for p in parts])
            for name in Columns.__dataclass_fields__
        }
    )


def make_columns(
    inst: Instance, sup: Supplies, s: np.ndarray, n: np.ndarray, h: np.ndarray, w: np.ndarray
) -> Columns:
    """Free columns: supplies ``s`` to needs ``n`` through hubs ``h`` in ship weeks ``w``."""
    arrival = w + inst.delivery_weeks[h, inst.need_region[n]] if len(s) else w
    m = len(s)
    return Columns(
        supply=s, pledge=sup.pledge[s], fund=sup.fund[s], offer=sup.offer[s], item=sup.item[s],
        need=n, hub=h, ship=w, arrival=arrival, unit_value=unit_values(inst, n, arrival),
        lower=np.zeros(m), upper=np.full(m, np.inf), fixed=np.zeros(m, dtype=bool),
    )
