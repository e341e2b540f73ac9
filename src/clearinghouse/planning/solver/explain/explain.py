"""The facts behind the reasons in ``unmet``, computed with numpy for all uncovered needs at once.

A *supply* is a pledge or a (fund, offer) purchase; every fund x offer pair is one, even where the
fund's rules forbid the item (that is a restriction to report, not a missing supply). Supply keys:
pledge ``p`` is ``p``, purchase ``(f, o)`` is ``P + f * O + o``.

For every (supply, need) pair whose item fits, :func:`analyse` sets one bit per thing that keeps
the supply from adding on-time units to the need in the plan:

- ``RESTRICTED``: the pledge's regions or earmarked needs, or the fund's rules, exclude the need;
- ``NO_ROUTE``: no route leads from the supply's depot to a hub that delivers to the need's
  region (or no hub delivers there at all): it can never arrive;
- ``LATE``: it cannot arrive by the due week (readiness + route + delivery, within the horizon),
  whatever the hubs;
- ``HUB``: every on-time hub week it could use (were it ready in time) is full, closed or
  without capacity;
- ``TAKEN``: the pledge is used up, partly by other needs;
- ``BUDGET``: the purchase is used up: the fund's money is spent or the offer's max reached.

The last three are limits shared with other needs. Such a limit is *weak* for a pair when what
uses it is worth less (per unit, per pallet or per euro) than this need on time, and it can be
moved: then the optimum would hand it over were it not for the pair's other blocks, so a weak
bit is dropped when the pair has another one (and kept when it is all there is).

A pledge used up by the need itself, on time, is marked ``SKIP``: it already gives all it has.
Units the need holds late are blocked only by time and hubs (no more supply is needed for them).
A pair with mask 0 is supply the plan could still have used (only possible through indivisible
units, a time limit or a greedy plan).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..build.instance import Instance
from ..build.supply import join, need_items, take
from ..result import PlanResult

RESTRICTED, LATE, HUB, TAKEN, BUDGET, NO_ROUTE = 1, 2, 4, 8, 16, 32
SKIP = -1
BIG = 1 << 30  # "never": no path within the horizon
REL = 1e-6  # relative tolerance on plan quantities (LP solutions carry noise)
POPCOUNT = np.array([bin(i).count("1") for i in range(64)], dtype=np.int8)
# restriction kinds (bits of Analysis.rkind)
BY_REGION, BY_EARMARK, BY_FUND = 1, 2, 4


@dataclass
class Network:
    """Tables of what can move when, and of the room the plan leaves in the hubs."""

    hub_left: np.ndarray  # (H, T+2) pallets still free per hub week; 0 in week 0 and T+1
    hub_open: np.ndarray  # (H, T+2)
    hub_static: np.ndarray  # (H, T+2) open with capacity > 0
    fastest: np.ndarray  # (D, R) fewest weeks from depot to region over any hub (BIG: none)
    item_spare_cls: np.ndarray  # (I,) row of last_spare for the item
    last_spare: np.ndarray  # (C, H, T+1) last week <= w with room for one more unit, else -1
    min_route: np.ndarray  # (H,) shortest route from any depot (BIG: none)
    nearest_depot: np.ndarray  # (H,) the depot with that route


@dataclass
class Analysis:
    """The facts of :func:`analyse` for the uncovered needs, with the lookups :mod:`.unmet` uses."""
    inst: Instance
    net: Network
    # supplies (pledges, then every fund x offer)
    sup_item: np.ndarray
    sup_depot: np.ndarray
    sup_ready: np.ndarray
    offer_left: np.ndarray
    fund_left: np.ndarray
    fund_spent: np.ndarray  # per purchase f * O + o: the fund cannot pay one more unit
    offer_full: np.ndarray  # per purchase: the offer's max_quantity is reached
    # who got what, by resource (pledge p -> p, fund f -> P + f, offer o -> P + F + o)
    res_ptr: np.ndarray
    res_need: np.ndarray
    res_unit_value: np.ndarray
    # pairs of fitting (supply, need) for the needs analysed, grouped by need
    need_ptr: np.ndarray  # pairs of need n are need_ptr[n]:need_ptr[n + 1]
    key: np.ndarray
    mask: np.ndarray
    rkind: np.ndarray
    arrival: np.ndarray  # earliest possible arrival (BIG: none within the horizon)
    avail: np.ndarray  # units it could still add on time once unblocked (left + own late units)
    reach: np.ndarray  # units it could add with every block lifted (avail, or all of a supply
    # used up by others)

    def n_pledges(self) -> int:
        """The number of pledges (supply keys below it are pledges)."""
        return len(self.inst.pledge_ids)

    def purchase(self, k: int) -> tuple[int, int]:
        """(fund, offer) of purchase key ``k``."""
        j = k - len(self.inst.pledge_ids)
        n_off = len(self.inst.offer_ids)
        return j // n_off, j % n_off

    def takers(self, resources: np.ndarray, exclude: int) -> tuple[np.ndarray, np.ndarray]:
        """Needs (other than ``exclude``) served by these (distinct) resources, best unit value
        first."""
        start, stop = self.res_ptr[resources], self.res_ptr[resources + 1]
        cnt = stop - start
        idx = np.repeat(start - np.cumsum(cnt) + cnt, cnt) + np.arange(cnt.sum())
        need, val = self.res_need[idx], self.res_unit_value[idx]
        keep = need != exclude
        need, val = need[keep], val[keep]
        order = np.lexsort((need, -val))
        need, val = need[order], val[order]
        first = np.sort(np.unique(need, return_index=True)[1])
        return need[first], val[first]


def network(inst: Instance, hub_used: np.ndarray) -> Network:
    """The tables for a plan using ``hub_used`` pallets per hub week (flat, H x (T+1))."""
    T = inst.horizon
    H, D = len(inst.hub_ids), len(inst.depot_ids)
    cap = np.zeros((H, T + 2))
    cap[:, : T + 1] = inst.hub_capacity
    open_ = np.zeros((H, T + 2), dtype=bool)
    open_[:, : T + 1] = inst.hub_open
    left = np.zeros((H, T + 2))
    left[:, : T + 1] = inst.hub_capacity - hub_used.reshape(H, T + 1)
    # time is routes and deliveries alone: closed and full hub weeks are the hubs' part
    rw = np.where(inst.route_weeks >= 0, inst.route_weeks, BIG).reshape(D, H)
    dw = np.where(inst.delivery_weeks >= 0, inst.delivery_weeks, BIG)
    fastest = (rw[:, :, None] + dw[None, :, :]).min(axis=1) if H else np.full((D, 0), BIG)

    # room for one more unit: any for ppu 0, a whole unit for indivisible items, a little else
    ppu = inst.item_ppu
    thr = np.where(ppu == 0, -np.inf, np.where(inst.item_indivisible, ppu * (1 - 1e-9), 0.0))
    values, spare_cls = np.unique(thr, return_inverse=True)
    tiny = REL * (1 + cap)
    spare = np.where(
        np.isinf(values)[:, None, None],
        open_[None],
        open_[None] & (left[None] > np.maximum(values[:, None, None], tiny[None])),
    )[:, :, : T + 1]
    return Network(
        hub_left=np.maximum(left, 0.0),
        hub_open=open_,
        hub_static=open_ & (cap > 0),
        fastest=np.minimum(fastest, BIG),
        item_spare_cls=spare_cls.reshape(-1).astype(np.int64),
        last_spare=np.maximum.accumulate(np.where(spare, np.arange(T + 1), -1), axis=-1),
        min_route=rw.min(axis=0) if D else np.full(H, BIG),
        nearest_depot=rw.argmin(axis=0) if D else np.zeros(H, dtype=np.int64),
    )


@dataclass
class Slot:
    """Where and when new supply for a need could pass (see :func:`supply_slot`)."""

    hub: int
    depot: int
    ready_by: int
    first_ship: int
    last_ship: int
    delivery: int
    room: float  # units the hub can take in those weeks (inf for goods without pallets)


def supply_slot(inst: Instance, net: Network, n: int, qty: float, ppu: float) -> Slot | None:
    """Where ``qty`` new units for need ``n`` (``ppu`` pallets each) could be ready, and by
    when: the hub and ready week (at the depot nearest that hub) with room for all of them in
    the weeks left before the due week, the latest such week; if no hub has room enough, the
    most room. None when no route can arrive in time."""
    it = inst.need_item[n]
    indivisible = it >= 0 and bool(inst.item_indivisible[it])
    T = inst.horizon
    dw, rw = inst.delivery_weeks[:, inst.need_region[n]], net.min_route
    hi = min(int(inst.need_due[n]), T) - dw  # last on-time ship week per hub
    weeks = np.arange(T + 2)[None, :]
    window = (weeks <= hi[:, None]) & ((dw >= 0) & (rw < BIG))[:, None]
    room = net.hub_left / ppu if ppu > 0 else np.where(net.hub_open, np.inf, 0.0)
    room = np.where(window, np.floor(room + 1e-9) if indivisible else room, 0.0)
    after = np.cumsum(room[:, ::-1], axis=1)[:, ::-1]  # room from week a to the due week
    h_ok, a_ok = np.nonzero(window & (weeks - rw[:, None] >= 1))  # a: the first ship week
    if len(h_ok) == 0:
        return None
    ready, space = a_ok - rw[h_ok], after[h_ok, a_ok]
    fits = space >= qty * (1 - 1e-9)
    best = np.lexsort((space, ready, fits)) if fits.any() else np.lexsort((ready, space))
    j = best[-1]
    h = int(h_ok[j])
    return Slot(
        hub=h,
        depot=int(net.nearest_depot[h]),
        ready_by=int(ready[j]),
        first_ship=int(a_ok[j]),
        last_ship=int(hi[h]),
        delivery=int(dw[h]),
        room=float(space[j]),
    )


def _find(keys: np.ndarray, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Position of each query in the sorted unique ``keys``, and whether it is there."""
    if len(keys) == 0:
        return np.zeros(len(query), dtype=np.int64), np.zeros(len(query), dtype=bool)
    pos = np.minimum(np.searchsorted(keys, query), len(keys) - 1)
    return pos, keys[pos] == query


def _latest_start(
    inst: Instance, net: Network, sup_item: np.ndarray, sup_depot: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per supply a row c, and best[c, region, u]: the latest week by which goods of that supply's
    item at its depot must be ready to pass a hub week with room and arrive by week u (<1: none).
    Rows are the distinct (room class, depot) of the supplies, so the table stays small."""
    T = inst.horizon
    cls = net.item_spare_cls[sup_item]
    D = max(len(inst.depot_ids), 1)
    uniq, combo = np.unique(cls * D + sup_depot, return_inverse=True)
    c, d = uniq // D, uniq % D
    u = np.arange(T + 1)
    best = np.full((len(uniq), len(inst.region_ids), T + 1), -BIG, dtype=np.int64)
    for h in range(len(inst.hub_ids)):
        rw, dw = inst.route_weeks[d, h], inst.delivery_weeks[h]
        hi = u[None, :] - dw[:, None]  # (R, T+1)
        spare = net.last_spare[c, h][:, np.clip(hi, 0, T)]  # (C, R, T+1)
        ok = (rw >= 0)[:, None, None] & ((dw >= 0)[:, None] & (hi >= 1))[None] & (spare >= 1)
        np.maximum(best, np.where(ok, spare - rw[:, None, None], -BIG), out=best)
    return combo.reshape(-1), best


def _best_others(
    res: np.ndarray, need: np.ndarray, eff: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per resource: the best ``eff`` among its uses, the need having it, and the best among
    the other needs (-inf where none)."""
    order = np.lexsort((-eff, res))
    r, nd, e = res[order], need[order], eff[order]
    top, top_need, second = np.full(size, -np.inf), np.full(size, -1), np.full(size, -np.inf)
    first = np.r_[True, r[1:] != r[:-1]] if len(r) else np.zeros(0, dtype=bool)
    top[r[first]], top_need[r[first]] = e[first], nd[first]
    idx = np.nonzero(nd != top_need[r])[0]
    first = np.r_[True, r[idx[1:]] != r[idx[:-1]]] if len(idx) else np.zeros(0, dtype=bool)
    second[r[idx[first]]] = e[idx[first]]
    return top, top_need, second


def _others(best: tuple, res: np.ndarray, need: np.ndarray) -> np.ndarray:
    top, top_need, second = best
    return np.where(top_need[res] == need, second[res], top[res])


def _range_min(table: np.ndarray) -> np.ndarray:
    """Sparse table: out[l, h, w] = min of table[h, w : w + 2**l] (inf past the end)."""
    levels = [table]
    while 2 ** len(levels) <= table.shape[1]:
        prev, s = levels[-1], 2 ** (len(levels) - 1)
        nxt = np.full_like(prev, np.inf)
        nxt[:, : prev.shape[1] - s] = np.minimum(prev[:, :-s], prev[:, s:])
        levels.append(nxt)
    return np.stack(levels)


def _hub_weak(inst: Instance, cheap: np.ndarray, k, n, start, sup_depot, sup_item) -> np.ndarray:
    """Whether some on-time hub week open to (supply k, need n), shipping from week ``start``
    on, holds goods worth less per pallet than need n on time (``cheap``: sparse range-min table
    of the value per pallet of the movable goods per hub week)."""
    T, R = inst.horizon, len(inst.region_ids)
    ppu = inst.item_ppu[sup_item[k]]
    worth = np.where(ppu > 0, inst.need_weight[n] / inst.need_qty[n] / np.maximum(ppu, 1e-300), 0)
    # the cheapest goods over the windows depend on (depot, region, last week, start) only
    last = np.minimum(inst.need_due[n], T)
    key = ((sup_depot[k] * R + inst.need_region[n]) * (T + 1) + last) * (T + 2) + start
    uniq, inv = np.unique(key, return_inverse=True)
    start, rest = uniq % (T + 2), uniq // (T + 2)
    last, rest = rest % (T + 1), rest // (T + 1)
    region, depot = rest % R, rest // R
    low = np.full(len(uniq), np.inf)
    level = np.zeros(T + 2, dtype=np.int64)
    level[1:] = np.floor(np.log2(np.arange(1, T + 2)))
    for h in range(len(inst.hub_ids)):
        rw, dw = inst.route_weeks[depot, h], inst.delivery_weeks[h, region]
        lo = np.maximum(start + rw, 1)
        hi = last - dw
        ok = (rw >= 0) & (dw >= 0) & (hi >= lo)
        lo, hi = lo[ok], hi[ok]
        lvl = level[hi - lo + 1]
        low[ok] = np.minimum(
            low[ok], np.minimum(cheap[lvl, h, lo], cheap[lvl, h, hi - (1 << lvl) + 1])
        )
    return low[inv.reshape(-1)] < worth * (1 - 1e-9)


@dataclass
class _Facts:
    """What the pairs are judged against: the plan's use of every limit, and the supplies."""

    inst: Instance
    net: Network
    cheap: np.ndarray  # range-min table of the value per pallet of movable goods per hub week
    best_p: tuple  # _best_others per pledge, by unit value
    best_f: np.ndarray  # best value per euro spent per fund
    best_o: np.ndarray  # best unit value per offer
    keys: np.ndarray  # sorted supply key * N + need of the plan's allocations
    given_sum: np.ndarray
    late_sum: np.ndarray
    pledge_used: np.ndarray
    sup_item: np.ndarray
    sup_depot: np.ndarray
    sup_ready: np.ndarray
    sup_left: np.ndarray
    sup_size: np.ndarray
    step: np.ndarray
    exhausted: np.ndarray
    fund_spent: np.ndarray  # per purchase
    offer_full: np.ndarray
    fund_ok: np.ndarray
    latest: tuple  # _latest_start


CHUNK = 1 << 20  # pairs judged at once (bounds the memory)


def analyse(res: PlanResult, needs: np.ndarray) -> Analysis:
    """The (supply, need) pairs of ``needs`` (indices) and what blocks each in the plan ``res``."""
    inst = res.inst
    T, T1 = inst.horizon, inst.horizon + 1
    N, P = len(inst.need_ids), len(inst.pledge_ids)
    F, O_ = len(inst.fund_ids), len(inst.offer_ids)
    H = len(inst.hub_ids)

    # what the plan uses; fixed goods cannot move, so they count as worth everything
    c, q = res.cols, res.quantity
    m = q > 1e-12
    q = q[m]
    cp, cf, co, cn = c.pledge[m], c.fund[m], c.offer[m], c.need[m]
    ch, cs, ci, cv = c.hub[m], c.ship[m], c.item[m], c.unit_value[m]
    worth = np.where(c.fixed[m], np.inf, cv)
    isp = cp >= 0
    price = take(inst.offer_price, co)
    pledge_used = np.bincount(cp[isp], q[isp], P)
    offer_used = np.bincount(co[~isp], q[~isp], O_)
    fund_used = np.bincount(cf[~isp], (q * price)[~isp], F)
    cppu = inst.item_ppu[ci]
    net = network(inst, np.bincount(ch * T1 + cs, q * cppu, H * T1))
    cheap = np.full((H, T + 2), np.inf)
    heavy = cppu > 0
    np.minimum.at(cheap, (ch[heavy], cs[heavy]), worth[heavy] / cppu[heavy])

    # resources -> needs served (for naming who took a supply)
    res_of = np.concatenate([np.where(isp, cp, P + cf), np.where(isp, -1, P + F + co)])
    rows = np.concatenate([np.arange(len(q)), np.arange(len(q))])
    ok = res_of >= 0
    res_of, rows = res_of[ok], rows[ok]
    order = np.argsort(res_of, kind="stable")
    res_of, rows = res_of[order], rows[order]
    per_eur = worth / np.where(isp, 1.0, price)

    # supplies
    f_all, o_all = np.repeat(np.arange(F), O_), np.tile(np.arange(O_), F)
    lead = inst.offer_ready - inst.offer_available
    offer_left = inst.offer_max - offer_used
    fund_left = inst.fund_amount - fund_used
    sup_item = np.concatenate([inst.pledge_item, inst.offer_item[o_all]])
    sup_depot = np.concatenate([inst.pledge_depot, inst.offer_depot[o_all]])
    ready = np.maximum(inst.fund_available[f_all], inst.offer_available[o_all]) + lead[o_all]
    o_price = inst.offer_price[o_all]
    size = np.concatenate([inst.pledge_qty, inst.offer_max[o_all]])
    step = np.where(inst.item_indivisible[sup_item], 1 - 1e-6, REL * (1 + size))
    sup_left = np.concatenate(
        [inst.pledge_qty - pledge_used, np.minimum(offer_left[o_all], fund_left[f_all] / o_price)]
    )
    sup_left = np.maximum(sup_left, 0.0)

    # per (supply key, need): units given, and of those late
    keys, inv = np.unique(np.where(isp, cp, P + cf * O_ + co) * N + cn, return_inverse=True)
    facts = _Facts(
        inst=inst,
        net=net,
        cheap=_range_min(cheap),
        best_p=_best_others(cp[isp], cn[isp], worth[isp], P),
        best_f=_best_others(cf[~isp], cn[~isp], per_eur[~isp], F)[0],
        best_o=_best_others(co[~isp], cn[~isp], worth[~isp], O_)[0],
        keys=keys,
        given_sum=np.bincount(inv, q, len(keys)),
        late_sum=np.bincount(inv, q * (c.arrival[m] > inst.need_due[cn]), len(keys)),
        pledge_used=pledge_used,
        sup_item=sup_item,
        sup_depot=sup_depot,
        sup_ready=np.concatenate([inst.pledge_ready, ready]),
        sup_left=sup_left,
        sup_size=np.concatenate(
            [inst.pledge_qty, np.minimum(inst.offer_max[o_all], inst.fund_amount[f_all] / o_price)]
        ),
        step=step,
        exhausted=sup_left < step,
        fund_spent=fund_left[f_all] < o_price * step[P:],
        offer_full=offer_left[o_all] < step[P:],
        fund_ok=inst.fund_item_ok[f_all, inst.offer_item[o_all]],
        latest=_latest_start(inst, net, sup_item, sup_depot),
    )

    # pairs (supply, need) whose item fits, grouped by need, judged a chunk of needs at a time
    todo = np.zeros(N, dtype=bool)
    todo[needs] = True
    ni, it = need_items(inst)
    keep = todo[ni]
    ni, it = ni[keep], it[keep]
    order = np.argsort(ni, kind="stable")
    ni, it = ni[order], it[order]
    per_row = np.bincount(sup_item, minlength=len(inst.item_ids))[it]
    cum = np.cumsum(per_row)
    first_row = np.r_[True, ni[1:] != ni[:-1]] if len(ni) else np.zeros(0, dtype=bool)
    cuts = [0]
    for r in np.nonzero(first_row)[0][1:]:
        if cum[r - 1] - (cum[cuts[-1] - 1] if cuts[-1] else 0) >= CHUNK:
            cuts.append(int(r))
    cuts.append(len(ni))
    parts = [_judge(facts, ni[a:b], it[a:b]) for a, b in zip(cuts[:-1], cuts[1:], strict=True)]
    cols = {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}
    return Analysis(
        inst=inst,
        net=net,
        sup_item=sup_item,
        sup_depot=sup_depot,
        sup_ready=facts.sup_ready,
        offer_left=offer_left,
        fund_left=fund_left,
        fund_spent=facts.fund_spent,
        offer_full=facts.offer_full,
        res_ptr=np.searchsorted(res_of, np.arange(P + F + O_ + 1)),
        res_need=cn[rows],
        res_unit_value=cv[rows],
        need_ptr=np.searchsorted(cols.pop("need"), np.arange(N + 1)),
        **cols,
    )


def _judge(fx: _Facts, ni: np.ndarray, it: np.ndarray) -> dict[str, np.ndarray]:
    """The pairs of the (need, item) rows ``ni, it`` (sorted by need) and their masks."""
    inst, net = fx.inst, fx.net
    T, N, P = inst.horizon, len(inst.need_ids), len(inst.pledge_ids)
    F, O_ = len(inst.fund_ids), len(inst.offer_ids)
    a, k = join(it, fx.sup_item)
    n = ni[a]
    del a
    is_p = k < P
    region, due = inst.need_region[n], inst.need_due[n]
    value = inst.need_weight[n] / inst.need_qty[n]  # per unit on time

    rkind = np.zeros(len(k), dtype=np.int8)
    if P:
        pp = np.where(is_p, k, 0)
        rkind |= (is_p & ~inst.pledge_region_ok[pp, region]) * np.int8(BY_REGION)
        sub = np.nonzero(is_p & inst.pledge_need_restricted[pp])[0]
        _, listed = _find(inst.pledge_need_allowed, pp[sub] * N + n[sub])
        rkind[sub[~listed]] |= np.int8(BY_EARMARK)
    if F and O_:
        rkind |= (~is_p & ~fx.fund_ok[np.maximum(k - P, 0)]) * np.int8(BY_FUND)

    # time, and room in the hubs: for late supply, would there be room were it ready in time?
    rdy = np.clip(fx.sup_ready[k], 1, T + 1)
    last = np.minimum(due, T)
    lag = net.fastest[fx.sup_depot[k], region]
    arrival = np.where(rdy + lag <= T, rdy + lag, BIG)
    no_route = lag >= BIG
    late = (arrival > due) & ~no_route
    combo, best = fx.latest
    room_by = best[combo[k], region, last]
    hub = np.where(late, (room_by < 1) & (1 + lag <= last), room_by < rdy) & ~no_route
    del rdy, last, lag, room_by, region, due

    # shared limits used up: pledges by other needs, purchases by anyone
    pos, found = _find(fx.keys, k * N + n)
    given = np.where(found, fx.given_sum[pos], 0.0) if len(fx.keys) else np.zeros(len(k))
    own_late = np.where(found, fx.late_sum[pos], 0.0) if len(fx.keys) else np.zeros(len(k))
    del pos, found
    ex = fx.exhausted[k]
    pk = np.where(is_p, k, -1)
    others = take(fx.pledge_used, pk) - given
    # units the need holds late need no more of the supply: only time and hubs keep them late
    retime = own_late >= fx.step[k]
    taken = is_p & ex & ~retime & (others > REL * (1 + take(inst.pledge_qty, pk)))
    budget = ~is_p & ex & ~retime
    hard = (rkind > 0) * RESTRICTED + late * LATE + no_route * NO_ROUTE

    # strong or weak (see the module's docstring)
    strong_taken = taken.copy()
    if P:
        strong_taken &= _others(fx.best_p, np.maximum(pk, 0), n) >= value * (1 - 1e-9)
    strong_budget = np.zeros(len(k), dtype=bool)
    if F and O_:
        bk = np.where(is_p, 0, k - P)
        f, o = bk // O_, bk % O_
        strong_budget = budget & (
            (fx.fund_spent[bk] & (fx.best_f[f] >= value / inst.offer_price[o] * (1 - 1e-9)))
            | (fx.offer_full[bk] & (fx.best_o[o] >= value * (1 - 1e-9)))
        )
    strong_hub = hub.copy()
    check = np.nonzero(hub & ((hard > 0) | taken | budget))[0]
    if len(check):
        start = np.where(late[check], 1, fx.sup_ready[k[check]])
        weak_hub = _hub_weak(inst, fx.cheap, k[check], n[check], start, fx.sup_depot, fx.sup_item)
        strong_hub[check] = ~weak_hub
    strong = strong_hub * HUB + strong_taken * TAKEN + strong_budget * BUDGET
    weak = (hub & ~strong_hub) * HUB + (taken & ~strong_taken) * TAKEN
    weak += (budget & ~strong_budget) * BUDGET
    mask = hard + strong
    mask = np.where(mask == 0, weak, mask).astype(np.int8)
    # nothing left to add (all of it already on time for this need): not a way to close the gap
    mask[ex & ~retime & ~taken & ~budget] = SKIP
    avail = fx.sup_left[k] + own_late
    return {
        "need": n,
        "key": k,
        "mask": mask,
        "rkind": rkind,
        "arrival": arrival,
        "avail": avail,
        "reach": np.where(ex & ~retime, np.maximum(fx.sup_size[k], avail), avail),
    }
