"""``unmet`` in the plan: every need not fully covered on time, what is missing, and why.

Each entry is ``{"need", "missing", "late", "reasons"}``. The reasons are the *binding* ones: for
each (supply, need) pair whose item fits, :mod:`.explain` records what keeps the supply from
adding on-time units (restriction, lateness, full hubs, used up by others, budget). A reason is
reported when some pair is blocked by it alone; when every pair is blocked by several things at
once, the causes of the least-blocked pairs are reported together. So ``hub_capacity`` never
appears unless every on-time hub week of some supply is full, and so on.

Each reason has ``code``, ``message``, ``would_close`` and, where a concrete step would close
(part of) the gap, ``ask``: a flat, machine-readable request. Every ask has ``kind``, ``need``,
``priority``, ``item`` (None for a family need), ``family``, ``region``, ``due_week`` and
``quantity`` (units), plus by kind:

- ``supply``: new goods: ``ready_by_week``, ``origin`` (depot), ``hub``, ``ship_week``,
  ``arrival_week``, ``route_weeks``, ``delivery_weeks``, ``pallets``; ``hub_room_pallets`` when
  the hub week cannot take them all. At most one supply ask per need, so supply asks with the
  same item, region and week can be summed.
- ``capacity``: ``pallets`` more handling at ``hub`` in any week ``first_week``..``last_week``.
- ``funds``: ``amount_eur`` more for ``fund`` (and ``offer_quantity`` more on ``offer``).
- ``release``: lift ``restriction`` (regions, needs, non_lethal_only, items) of ``pledge`` or
  ``fund``.

Asks of different kinds on one need are alternatives, not a sum.
"""

from __future__ import annotations

import numpy as np

from .explain import (
    BIG,
    BUDGET,
    BY_REGION,
    HUB,
    LATE,
    POPCOUNT,
    REL,
    RESTRICTED,
    TAKEN,
    Analysis,
    analyse,
)
from .result import PlanResult

LIST = 5  # names shown in a message before "and k more"
CODES = (
    (RESTRICTED, "restricted"),
    (LATE, "too_late"),
    (HUB, "hub_capacity"),
    (TAKEN, "taken_by_higher_value"),
    (BUDGET, "budget"),
)


def unmet_needs(res: PlanResult) -> list[dict]:
    """The ``unmet`` list of the plan ``res``."""
    inst = res.inst
    allocated, on_time = res.need_totals()
    tol = REL * np.maximum(inst.need_qty, 1.0)
    missing = np.maximum(inst.need_qty - allocated, 0.0)
    late = np.maximum(allocated - on_time, 0.0)
    missing[missing <= tol] = 0.0
    late[late <= tol] = 0.0
    todo = np.nonzero((missing > 0) | (late > 0))[0]
    if len(todo) == 0:
        return []
    an = analyse(res, todo)
    return [
        {
            "need": inst.need_ids[n],
            "missing": _round(missing[n]),
            "late": _round(late[n]),
            "reasons": _Need(an, int(n), float(missing[n] + late[n]), res.status).reasons(),
        }
        for n in todo
    ]


def _round(x: float) -> float:
    return float(round(float(x), 6))


def num(x: float) -> str:
    """A quantity for a message: whole numbers plain, else two decimals."""
    x = float(x)
    if abs(x - round(x)) <= 1e-6 * max(1.0, abs(x)):
        return str(int(round(x)))
    return f"{x:.2f}".rstrip("0").rstrip(".")


def names(ids: list[str], limit: int = LIST) -> str:
    if len(ids) <= limit:
        return ", ".join(ids)
    return ", ".join(ids[:limit]) + f" and {len(ids) - limit} more"


def n_units(x: float, more: bool = False) -> str:
    """'1 unit', '40 units', with ``more``: '40 more units'."""
    word = "more unit" if more else "unit"
    return f"{num(x)} {word}" if num(x) == "1" else f"{num(x)} {word}s"


def week_ranges(weeks) -> str:
    """[2, 3, 4, 7] -> '2–4, 7'."""
    return _runs(np.unique(np.asarray(weeks, dtype=np.int64)))


def _runs(w: np.ndarray) -> str:
    """week_ranges of sorted distinct weeks."""
    out: list[str] = []
    start = prev = None
    for x in w.tolist():
        if prev is not None and x == prev + 1:
            prev = x
            continue
        if start is not None:
            out.append(str(start) if start == prev else f"{start}–{prev}")
        start = prev = x
    if start is not None:
        out.append(str(start) if start == prev else f"{start}–{prev}")
    return ", ".join(out)


def _weeks_word(k: int) -> str:
    return f"{k} week" if k == 1 else f"{k} weeks"


class _Need:
    """The reasons for one uncovered need ``n`` (``gap`` units not on time)."""

    def __init__(self, an: Analysis, n: int, gap: float, status: str):
        inst = self.inst = an.inst
        self.an, self.n, self.gap, self.status = an, n, gap, status
        self.lo, self.hi = int(an.need_ptr[n]), int(an.need_ptr[n + 1])
        self.region = inst.region_ids[inst.need_region[n]]
        self.due = int(inst.need_due[n])
        it, fam = int(inst.need_item[n]), int(inst.need_family[n])
        if it >= 0:
            self.item = inst.item_ids[it]
            fam = int(inst.item_family[it])
            self.what = f"item {self.item}"
            self.ppu = float(inst.item_ppu[it])
        else:
            self.item = None
            members = np.nonzero(inst.item_family == fam)[0]
            self.what = f"family {inst.family_ids[fam]}"
            self.ppu = float(inst.item_ppu[members].max()) if len(members) else 0.0
        self.family = inst.family_ids[fam] if fam >= 0 else None
        self.supply_asked = False
        self._supply: tuple[str, dict | None] | None = None

    # -- common parts -------------------------------------------------------------------------

    def base_ask(self, kind: str, quantity: float) -> dict:
        inst, n = self.inst, self.n
        return {
            "kind": kind,
            "need": inst.need_ids[n],
            "priority": inst.raw["needs"][n]["priority"],
            "item": self.item,
            "family": self.family,
            "region": self.region,
            "due_week": self.due,
            "quantity": _round(quantity),
        }

    def supply_name(self, k: int) -> str:
        an, inst = self.an, self.inst
        if k < an.n_pledges():
            return f"pledge {inst.pledge_ids[k]}"
        f, o = an.purchase(k)
        return f"fund {inst.fund_ids[f]} via offer {inst.offer_ids[o]}"

    def reason(self, code: str, message: str, would_close: str, ask: dict | None, **extra) -> dict:
        r = {"code": code, "message": message, "would_close": would_close}
        if ask is not None:
            r["ask"] = ask
        r.update(extra)
        return r

    def supply_reason(self, code: str, message: str, **extra) -> dict:
        """A reason whose remedy is new supply (the need's one supply ask goes on the first)."""
        if self._supply is None:
            self._supply = self.supply_ask()
        text, ask = self._supply
        if self.supply_asked:
            ask = None
        self.supply_asked = self.supply_asked or ask is not None
        return self.reason(code, message, text, ask, **extra)

    def supply_ask(self) -> tuple[str, dict | None]:
        """New supply closing the gap: through a hub week with room for all of it if there is one,
        then from the depot and hub giving the latest ready week (else the most room)."""
        inst, net = self.inst, self.an.net
        T = inst.horizon
        last = min(self.due, T)
        dw = inst.delivery_weeks[:, inst.need_region[self.n]]
        min_rw = net.min_route
        weeks = np.arange(T + 2)
        usable = net.hub_static if self.ppu > 0 else net.hub_open
        ready_by = weeks[None, :] - min_rw[:, None]
        ok = usable & (dw >= 0)[:, None] & (weeks[None, :] <= last - dw[:, None]) & (ready_by >= 1)
        qty = self.gap
        pallets = qty * self.ppu
        if not ok.any():
            fastest = (min_rw + dw)[(dw >= 0) & (min_rw < BIG)]
            how = (
                f"the fastest path from a depot to region {self.region} takes "
                f"{_weeks_word(int(fastest.min()))}"
                if len(fastest)
                else f"no depot has a route to a hub delivering to region {self.region}"
            )
            return f"nothing can arrive by week {self.due} any more: {how}", None
        h_ok, w_ok = np.nonzero(ok)
        left = net.hub_left[h_ok, w_ok]
        fits = np.where((self.ppu == 0) | (left >= pallets * (1 - 1e-9)), 2, (left > 1e-9) * 1)
        best = np.lexsort((ready_by[h_ok, w_ok], np.where(fits == 2, 0, left), fits))[-1]
        h, w = int(h_ok[best]), int(w_ok[best])
        d, rb = int(net.nearest_depot[h]), int(ready_by[h, w])
        ask = self.base_ask("supply", qty)
        ask.update(
            ready_by_week=rb,
            origin=inst.depot_ids[d],
            hub=inst.hub_ids[h],
            ship_week=w,
            arrival_week=w + int(dw[h]),
            route_weeks=int(min_rw[h]),
            delivery_weeks=int(dw[h]),
            pallets=_round(pallets),
        )
        text = (
            f"{n_units(qty, more=True)} of {self.what} ready at depot {inst.depot_ids[d]} by week "
            f"{rb} (route to hub {inst.hub_ids[h]} {_weeks_word(int(min_rw[h]))}, handled there "
            f"in week {w}, delivery to region {self.region} {_weeks_word(int(dw[h]))}: "
            f"arriving week {w + int(dw[h])})"
        )
        if fits[best] < 2:
            room = float(left[best])
            ask["hub_room_pallets"] = _round(room)
            text += (
                f", with {num(pallets - room)} pallets more handling at hub {inst.hub_ids[h]} "
                f"in week {w} (it has room for {num(room)} of the {num(pallets)})"
            )
        return text, ask

    # -- the reasons --------------------------------------------------------------------------

    def reasons(self) -> list[dict]:
        an, lo, hi = self.an, self.lo, self.hi
        if hi == lo:
            return [self.no_supply()]
        mask = an.mask[lo:hi]
        pos = mask > 0
        if not pos.any():
            if (mask == 0).any():
                return [self.unused(lo + np.nonzero(mask == 0)[0])]
            return [self.shortage()]
        pc = POPCOUNT[np.where(pos, mask, 0)]
        bind = pos & (pc == pc[pos].min())
        codes = int(np.bitwise_or.reduce(mask[bind]))
        out = []
        for bit, _code in CODES:
            if codes & bit:
                sel = lo + np.nonzero(bind & ((mask & bit) > 0))[0]
                out.append(getattr(self, f"r_{bit}")(sel))
        return out

    def no_supply(self) -> dict:
        inst = self.inst
        offers = [
            inst.offer_ids[o]
            for o in range(len(inst.offer_ids))
            if self.fits(int(inst.offer_item[o]))
        ]
        msg = f"no pledge or purchasable offer of {self.what} exists"
        if offers:
            msg += f" (offers {names(offers)} have it, but there is no fund to buy it)"
        return self.supply_reason("no_compatible_supply", msg)

    def fits(self, item: int) -> bool:
        inst, n = self.inst, self.n
        if inst.need_item[n] >= 0:
            return item == inst.need_item[n]
        return bool(inst.item_family[item] == inst.need_family[n])

    def shortage(self) -> dict:
        an = self.an
        keys = an.key[self.lo : self.hi]
        given = [self.supply_name(int(k)) for k in keys]
        msg = (
            f"no more compatible supply: all of {names(given)} already goes to this need, "
            f"and nothing else of {self.what} exists"
        )
        return self.supply_reason("no_compatible_supply", msg)

    def unused(self, sel: np.ndarray) -> dict:
        an = self.an
        qty = min(float(an.avail[sel].sum()), self.gap)
        msg = (
            f"{names([self.supply_name(int(k)) for k in an.key[sel]])} could still add "
            f"{n_units(qty)} on time, but the plan (status {self.status}) leaves them: whole "
            "units of an indivisible item, or the solve stopped before the optimum"
        )
        return self.supply_reason("taken_by_higher_value", msg, needs=[])

    def r_1(self, sel: np.ndarray) -> dict:  # restricted
        an, inst = self.an, self.inst
        P = an.n_pledges()
        k, avail = an.key[sel], an.reach[sel]
        fund = np.where(k < P, -1, (k - P) // max(len(inst.offer_ids), 1))
        slot = np.where(k < P, k, P + fund)  # a fund's money serves all its offers once
        uniq, inv = np.unique(slot, return_inverse=True)
        per_slot = np.zeros(len(uniq))
        np.maximum.at(per_slot, inv.reshape(-1), avail)
        total = min(float(per_slot.sum()), self.gap)
        order = np.argsort(-avail, kind="stable")
        parts = [self.restriction(int(sel[j]), float(avail[j])) for j in order[:LIST]]
        msg = (
            f"{n_units(total)} of compatible supply that could arrive on time may not serve it: "
            + "; ".join(p[0] for p in parts)
            + (f"; and {len(sel) - LIST} more" if len(sel) > LIST else "")
        )
        _, kind, ident, donor, rule = parts[0]
        qty = min(float(avail[order[0]]), self.gap)
        allow = {
            "regions": f"allowing region {self.region}",
            "needs": f"allowing need {inst.need_ids[self.n]}",
        }.get(rule, f"allowing {self.what}")
        text = f"donor {donor} {allow} for {kind} {ident}: {n_units(qty)}"
        ask = self.base_ask("release", qty)
        ask.update({kind: ident, "donor": donor, "restriction": rule})
        extra = {}
        if (k < P).any():
            extra["pledges"] = sorted(inst.pledge_ids[p] for p in np.unique(k[k < P]))
        if (k >= P).any():
            extra["funds"] = sorted(inst.fund_ids[f] for f in np.unique(fund[k >= P]))
        return self.reason("restricted", msg, text, ask, **extra)

    def restriction(self, i: int, qty: float) -> tuple[str, str, str, str, str]:
        """(description, kind, id, donor, rule) of the restricted pair ``i``."""
        an, inst = self.an, self.inst
        k = int(an.key[i])
        if k < an.n_pledges():
            raw = inst.raw["pledges"][k]
            if int(an.rkind[i]) & BY_REGION:
                rule, what = "regions", f"only for regions {names(raw['regions'])}"
            else:
                rule, what = "needs", f"earmarked for needs {names(raw['needs'])}"
            kind, ident = "pledge", inst.pledge_ids[k]
        else:
            f, o = an.purchase(k)
            raw = inst.raw["funds"][f]
            it = int(inst.offer_item[o])
            if raw.get("non_lethal_only") and inst.item_lethal[it]:
                rule, what = "non_lethal_only", "non-lethal items only"
            else:
                rule, what = "items", f"only items {names(raw.get('items', []))}"
            what += f", so not {inst.item_ids[it]} through offer {inst.offer_ids[o]}"
            kind, ident = "fund", inst.fund_ids[f]
        text = f"{kind} {ident} (donor {raw['donor']}, {what}: {n_units(qty)})"
        return text, kind, ident, raw["donor"], rule

    def r_2(self, sel: np.ndarray) -> dict:  # too late
        an, inst = self.an, self.inst
        arr = an.arrival[sel]
        order = np.argsort(arr, kind="stable")
        sel, arr = sel[order], arr[order]
        units = an.reach[sel]
        qty = min(float(units.sum()), self.gap)
        shown = []
        for j, i in enumerate(sel[:3]):
            k = int(an.key[i])
            d = int(an.sup_depot[k])
            where = f"ready week {int(an.sup_ready[k])} at depot {inst.depot_ids[d]}"
            if not self.connected(d):
                where = f"at depot {inst.depot_ids[d]}, which has no route to region {self.region}"
            shown.append(f"{self.supply_name(k)} ({n_units(units[j])}, {where})")
        if arr[0] >= BIG:
            earliest = None
            msg = (
                f"no compatible supply can reach region {self.region} within the horizon "
                f"(week {inst.horizon}): {names(shown, 3)}"
            )
        else:
            earliest = int(arr[0])
            msg = (
                f"{n_units(qty)} of compatible supply can arrive in week {earliest} at the "
                f"earliest, after the due week {self.due}: {names(shown, 3)}"
            )
        return self.supply_reason("too_late", msg, earliest_arrival_week=earliest)

    def connected(self, depot: int) -> bool:
        inst = self.inst
        dw = inst.delivery_weeks[:, inst.need_region[self.n]]
        return bool(((inst.route_weeks[depot] >= 0) & (dw >= 0)).any())

    def r_4(self, sel: np.ndarray) -> dict:  # hub capacity
        an, inst, net = self.an, self.inst, self.an.net
        T, H = inst.horizon, len(inst.hub_ids)
        k = an.key[sel]
        qty = np.minimum(an.reach[sel], self.gap)
        rw = inst.route_weeks[an.sup_depot[k]]  # (pairs, H)
        dw = inst.delivery_weeks[:, inst.need_region[self.n]][None, :]
        # late supply: the windows it would have if it were ready in time
        ready = np.where(an.mask[sel] & LATE, 1, an.sup_ready[k])
        lo = np.maximum(ready[:, None] + rw, 1)
        hi = min(self.due, T) - dw
        p, h = np.nonzero((rw >= 0) & (dw >= 0) & (hi >= lo))
        # units that more room in hub week (h, w) would let through on time
        starts = np.bincount(h * (T + 3) + lo[p, h], qty[p], H * (T + 3))
        stops = np.bincount(h * (T + 3) + hi[0, h] + 1, qty[p], H * (T + 3))
        cover = np.cumsum((starts - stops).reshape(H, T + 3), axis=1)[:, : T + 2]
        cover *= net.hub_static
        full = {inst.hub_ids[j]: np.nonzero(cover[j] > 0)[0] for j in range(H)}
        full = {hub: w for hub, w in full.items() if len(w)}
        msg = (
            f"{n_units(min(qty.sum(), self.gap))} of {self.what} could arrive on time but every "
            "on-time hub week is full: "
            + "; ".join(f"hub {hub} weeks {_runs(w)}" for hub, w in list(full.items())[:LIST])
        )
        hubs = {hub: [int(x) for x in w] for hub, w in full.items()}
        if cover.max() <= 1e-12:  # nothing measurable to move (should not happen)
            return self.reason("hub_capacity", msg, "more handling at these hubs", None, hubs=hubs)
        j = int(np.argmax(cover[:, ::-1].ravel()))  # ties go to the latest week
        hb, wk = j // (T + 2), T + 1 - j % (T + 2)
        first = last = wk
        while first > 1 and cover[hb, first - 1] == cover[hb, wk]:
            first -= 1
        while last < T and cover[hb, last + 1] == cover[hb, wk]:
            last += 1
        qty_hw = min(float(cover[hb, wk]), self.gap)
        ppu = float(inst.item_ppu[an.sup_item[k]].max())
        room = float(net.hub_left[hb, first : last + 1].min())  # enough in any of the weeks
        pallets = max(qty_hw * ppu - room, 0.0)
        span = f"week {wk}" if first == last else f"any of weeks {first}–{last}"
        text = (
            f"{num(pallets)} pallets more handling at hub {inst.hub_ids[hb]} in {span} "
            f"(for {n_units(qty_hw)} of {self.what})"
        )
        ask = self.base_ask("capacity", qty_hw)
        ask.update(hub=inst.hub_ids[hb], first_week=first, last_week=last, pallets=_round(pallets))
        return self.reason("hub_capacity", msg, text, ask, hubs=hubs)

    def r_8(self, sel: np.ndarray) -> dict:  # taken by other needs
        an, inst = self.an, self.inst
        k = np.unique(an.key[sel])
        pledges = [inst.pledge_ids[int(p)] for p in k]
        takers, val = an.takers(k, self.n)
        mine = float(inst.need_weight[self.n] / inst.need_qty[self.n])
        shown = [
            f"{inst.need_ids[t]} ({inst.raw['needs'][t]['priority']}, {v:.3g} per unit)"
            for t, v in zip(takers[:LIST], val[:LIST], strict=True)
        ]
        msg = (
            f"{'pledge' if len(k) == 1 else 'pledges'} {names(pledges)} "
            f"({n_units(inst.pledge_qty[k].sum())}, could arrive on time) "
            f"{'goes' if len(k) == 1 else 'go'} to {names(shown) if shown else 'other needs'}"
            + (f" and {len(takers) - LIST} more" if len(takers) > LIST else "")
            + f"; this need is worth {mine:.3g} per unit on time"
        )
        return self.supply_reason(
            "taken_by_higher_value",
            msg,
            needs=[inst.need_ids[t] for t in takers[:50]],
            pledges=pledges,
        )

    def r_16(self, sel: np.ndarray) -> dict:  # budget
        an, inst = self.an, self.inst
        pairs = sorted({an.purchase(int(k)) for k in an.key[sel]})
        parts = []
        for f, o in pairs:
            indiv = bool(inst.item_indivisible[inst.offer_item[o]])
            step = 1 - 1e-6 if indiv else REL * (1 + inst.offer_max[o])
            why = []
            if an.fund_left[f] < inst.offer_price[o] * step:
                why.append(f"fund {inst.fund_ids[f]} is spent")
            if an.offer_left[o] < step:
                why.append(f"offer {inst.offer_ids[o]} sold its {num(inst.offer_max[o])}")
            parts.append(
                f"fund {inst.fund_ids[f]} could buy {inst.item_ids[inst.offer_item[o]]} through "
                f"offer {inst.offer_ids[o]} (EUR {num(inst.offer_price[o])} per unit) but "
                + " and ".join(why)
            )
        f, o = min(pairs, key=lambda fo: (inst.offer_price[fo[1]], fo))
        spent_on, _ = an.takers(np.array([an.n_pledges() + f]), self.n)
        msg = "; ".join(parts[:LIST]) + (
            f" (fund {inst.fund_ids[f]} went to {names([inst.need_ids[t] for t in spent_on])})"
            if len(spent_on)
            else ""
        )
        qty = self.gap
        item = inst.item_ids[inst.offer_item[o]]
        supplier = inst.raw["offers"][o]["supplier"]
        donor = inst.raw["funds"][f]["donor"]
        money = max(qty * float(inst.offer_price[o]) - max(float(an.fund_left[f]), 0.0), 0.0)
        more = max(qty - max(float(an.offer_left[o]), 0.0), 0.0)
        steps = []
        if money > 0:
            steps.append(
                f"EUR {num(money)} more for fund {inst.fund_ids[f]} (donor {donor}) to buy "
                f"{n_units(qty)} of {item} through offer {inst.offer_ids[o]}"
            )
        if more > 0:
            steps.append(
                f"supplier {supplier} selling {n_units(more, more=True)} of {item} on offer "
                f"{inst.offer_ids[o]} (for fund {inst.fund_ids[f]})"
            )
        ask = self.base_ask("funds", qty)
        ask.update(
            fund=inst.fund_ids[f],
            donor=donor,
            offer=inst.offer_ids[o],
            supplier=supplier,
            unit_price_eur=float(inst.offer_price[o]),
            amount_eur=_round(money),
            offer_quantity=_round(more),
        )
        funds = sorted({inst.fund_ids[f] for f, _ in pairs})
        offers = sorted({inst.offer_ids[o] for _, o in pairs})
        return self.reason("budget", msg, ", and ".join(steps), ask, funds=funds, offers=offers)
