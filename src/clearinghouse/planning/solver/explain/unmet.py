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

- ``supply``: new goods ready at depot ``origin`` by ``ready_by_week``, sent to ``hub``
  (``route_weeks``), handled there in ``first_ship_week``..``last_ship_week`` (the hub has room
  for them then) and delivered (``delivery_weeks``) by the due week; ``pallets``; and
  ``hub_room_pallets`` when the hub cannot take them all. At most one supply ask per need, so
  supply asks with the same item, region and week can be summed.
- ``capacity``: ``pallets`` more handling at ``hub`` in any week ``first_week``..``last_week``
  (``closed``: the hub is closed or has no capacity then).
- ``funds``: ``amount_eur`` more for ``fund`` (and ``offer_quantity`` more on ``offer``).
- ``release``: lift ``restriction`` (regions, needs, non_lethal_only, items) of ``pledge`` or
  ``fund``.

Asks of different kinds on one need are alternatives, not a sum.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..result import PlanResult, Status
from .explain import (
    BIG,
    BUDGET,
    BY_REGION,
    HUB,
    LATE,
    NO_ROUTE,
    POPCOUNT,
    REL,
    RESTRICTED,
    TAKEN,
    Analysis,
    analyse,
    supply_slot,
)

LIST = 5  # names shown in a message before "and k more"
CODES = (
    (NO_ROUTE, "no_route"),
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


def count(x: float, word: str = "unit") -> str:
    """'1 unit', '40 units', '2 weeks'."""
    return f"{num(x)} {word}" + ("" if num(x) == "1" else "s")


def names(ids: list[str], limit: int = LIST) -> str:
    """Up to ``limit`` ids, then "and k more"."""
    if len(ids) <= limit:
        return ", ".join(ids)
    return ", ".join(ids[:limit]) + f" and {len(ids) - limit} more"


def week_ranges(weeks: Iterable[int]) -> str:
    """[2, 3, 4, 7] -> '2–4, 7'."""
    runs: list[list[int]] = []
    for w in sorted({int(x) for x in weeks}):
        if runs and w == runs[-1][1] + 1:
            runs[-1][1] = w
        else:
            runs.append([w, w])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in runs)


class _Need:
    """The reasons for one uncovered need ``n`` (``gap`` units not on time)."""

    def __init__(self, an: Analysis, n: int, gap: float, status: Status):
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
        """New supply for the whole gap, by the latest week the hubs have room for it."""
        inst, qty, ppu = self.inst, self.gap, self.ppu
        slot = supply_slot(inst, self.an.net, self.n, qty, ppu)
        if slot is None:
            fastest = int(self.an.net.fastest[:, inst.need_region[self.n]].min(initial=BIG))
            how = (
                f"the fastest path from a depot to region {self.region} takes "
                f"{count(fastest, 'week')}"
                if fastest < BIG
                else f"no depot has a route to a hub delivering to region {self.region}"
            )
            return f"nothing can arrive by week {self.due} any more: {how}", None
        h, a, last = slot.hub, slot.first_ship, slot.last_ship
        rw, dw = int(self.an.net.min_route[h]), slot.delivery
        ask = self.base_ask("supply", qty)
        ask.update(
            ready_by_week=slot.ready_by,
            origin=inst.depot_ids[slot.depot],
            hub=inst.hub_ids[h],
            route_weeks=rw,
            first_ship_week=a,
            last_ship_week=last,
            delivery_weeks=dw,
            pallets=_round(qty * ppu),
        )
        span = f"week {a}" if a == last else f"weeks {a}–{last}"
        text = (
            f"{count(qty, 'more unit')} of {self.what} ready at depot "
            f"{inst.depot_ids[slot.depot]} by week {slot.ready_by} (route to hub "
            f"{inst.hub_ids[h]} {count(rw, 'week')}, handled there in {span}, delivery to region "
            f"{self.region} {count(dw, 'week')})"
        )
        if slot.room < qty * (1 - 1e-9):
            ask["hub_room_pallets"] = _round(slot.room * ppu)
            text += (
                f", with {num((qty - slot.room) * ppu)} pallets more handling at hub "
                f"{inst.hub_ids[h]} in {span} (it has room for {num(slot.room * ppu)} of the "
                f"{num(qty * ppu)} then)"
                if ppu > 0
                else f", with hub {inst.hub_ids[h]} open in {span} (it is closed then)"
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
        for bit, code in CODES:
            if codes & bit:
                sel = lo + np.nonzero(bind & ((mask & bit) > 0))[0]
                out.append(getattr(self, code)(sel))
        return out

    def no_supply(self) -> dict:
        inst, n, oi = self.inst, self.n, self.inst.offer_item
        fit = (
            oi == inst.need_item[n]
            if inst.need_item[n] >= 0
            else (inst.item_family[oi] == inst.need_family[n])
        )
        msg = f"no pledge or purchasable offer of {self.what} exists"
        if fit.any():
            offers = [inst.offer_ids[o] for o in np.nonzero(fit)[0]]
            msg += f" (offers {names(offers)} have it, but there is no fund to buy it)"
        return self.supply_reason("no_compatible_supply", msg)

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
            f"{count(qty)} on time, but the plan (status {self.status}) leaves them: whole "
            "units of an indivisible item, or the solve stopped before the optimum"
        )
        return self.supply_reason("taken_by_higher_value", msg, needs=[])

    def restricted(self, sel: np.ndarray) -> dict:
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
            f"{count(total)} of compatible supply may not serve it: "
            + "; ".join(p[0] for p in parts)
            + (f"; and {len(sel) - LIST} more" if len(sel) > LIST else "")
        )
        _, kind, ident, donor, rule = parts[0]
        qty = min(float(avail[order[0]]), self.gap)
        allow = {
            "regions": f"allowing region {self.region}",
            "needs": f"allowing need {inst.need_ids[self.n]}",
        }.get(rule, f"allowing {self.what}")
        text = f"donor {donor} {allow} for {kind} {ident}: {count(qty)}"
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
        text = f"{kind} {ident} (donor {raw['donor']}, {what}: {count(qty)})"
        return text, kind, ident, raw["donor"], rule

    def too_late(self, sel: np.ndarray) -> dict:
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
            shown.append(f"{self.supply_name(k)} ({count(units[j])}, {where})")
        if arr[0] >= BIG:
            earliest = None
            msg = (
                f"no compatible supply can reach region {self.region} within the horizon "
                f"(week {inst.horizon}): {names(shown, 3)}"
            )
        else:
            earliest = int(arr[0])
            msg = (
                f"{count(qty)} of compatible supply arrive too late, in week {earliest} at the "
                f"earliest (due week {self.due}): {names(shown, 3)}"
            )
        return self.supply_reason("too_late", msg, earliest_arrival_week=earliest)

    def no_route(self, sel: np.ndarray) -> dict:
        """Supply that can never reach the need's region: no route from its depot to a hub
        that delivers there, or no hub delivers there at all."""
        an, inst = self.an, self.inst
        qty = min(float(an.reach[sel].sum()), self.gap)
        depots = sorted({inst.depot_ids[int(an.sup_depot[int(k)])] for k in an.key[sel]})
        if not (inst.delivery_weeks[:, inst.need_region[self.n]] >= 0).any():
            msg = (f"no hub delivers to region {self.region}: {count(qty)} of compatible supply "
                   f"cannot reach it")
            would_close = f"a delivery from a hub to region {self.region}"
        else:
            msg = (f"{count(qty)} of compatible supply cannot reach region {self.region}: no "
                   f"route from depot {names(depots, 3)} to a hub that delivers there")
            would_close = (f"a route from depot {depots[0]} to a hub that delivers to region "
                           f"{self.region}")
        return self.reason("no_route", msg, would_close, None, depots=depots)

    def connected(self, depot: int) -> bool:
        inst = self.inst
        dw = inst.delivery_weeks[:, inst.need_region[self.n]]
        return bool(((inst.route_weeks[depot] >= 0) & (dw >= 0)).any())

    def hub_capacity(self, sel: np.ndarray) -> dict:
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
        static = net.hub_static
        parts, hubs = [], {}
        for j in np.nonzero((cover > 0).any(axis=1))[0]:
            on, opened = cover[j] > 0, net.hub_open[j]
            hubs[inst.hub_ids[j]] = np.nonzero(on)[0].tolist()
            kinds = (
                (on & static[j], "full"),
                (on & opened & ~static[j], "without capacity"),
                (on & ~opened, "closed"),
            )
            said = [f"{week_ranges(np.nonzero(x)[0])} {w}" for x, w in kinds if x.any()]
            parts.append(f"hub {inst.hub_ids[j]} weeks " + ", ".join(said))
        msg = (
            f"every hub week that could get {count(min(qty.sum(), self.gap))} of {self.what} "
            "there on time is full or closed: " + "; ".join(parts[:LIST])
        )
        if cover.max() <= 1e-12:  # nothing measurable to move (should not happen)
            return self.reason("hub_capacity", msg, "more handling at these hubs", None, hubs=hubs)
        j = int(np.argmax(cover[:, ::-1].ravel()))  # ties go to the latest week
        hb, wk = j // (T + 2), T + 1 - j % (T + 2)
        same = (cover[hb] == cover[hb, wk]) & (static[hb] == static[hb, wk])
        first = last = wk
        while first > 1 and same[first - 1]:
            first -= 1
        while last < T and same[last + 1]:
            last += 1
        qty_hw = min(float(cover[hb, wk]), self.gap)
        ppu = float(inst.item_ppu[an.sup_item[k]].max())
        room = float(net.hub_left[hb, first : last + 1].min())  # enough in any of the weeks
        pallets = max(qty_hw * ppu - room, 0.0)
        span = f"week {wk}" if first == last else f"any of weeks {first}–{last}"
        closed = not static[hb, wk]
        text = (
            f"{num(pallets)} pallets more handling at hub {inst.hub_ids[hb]} in {span} "
            f"(for {count(qty_hw)} of {self.what})"
        )
        if closed:
            text = (
                f"hub {inst.hub_ids[hb]} open in {span}, handling {num(pallets)} pallets "
                f"(for {count(qty_hw)} of {self.what})"
            )
        ask = self.base_ask("capacity", qty_hw)
        ask.update(hub=inst.hub_ids[hb], first_week=first, last_week=last, pallets=_round(pallets))
        ask["closed"] = closed
        return self.reason("hub_capacity", msg, text, ask, hubs=hubs)

    def taken_by_higher_value(self, sel: np.ndarray) -> dict:
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
            f"({count(inst.pledge_qty[k].sum())}) "
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

    def budget(self, sel: np.ndarray) -> dict:
        an, inst = self.an, self.inst
        pairs = sorted({an.purchase(int(k)) for k in an.key[sel]})
        parts = []
        for f, o in pairs:
            j = f * len(inst.offer_ids) + o
            why = []
            if an.fund_spent[j]:
                why.append(f"fund {inst.fund_ids[f]} is spent")
            if an.offer_full[j]:
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
                f"{count(qty)} of {item} through offer {inst.offer_ids[o]}"
            )
        if more > 0:
            steps.append(
                f"supplier {supplier} selling {count(more, 'more unit')} of {item} on offer "
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
        text = ", and ".join(steps) or f"more money for fund {inst.fund_ids[f]}"
        return self.reason("budget", msg, text, ask, funds=funds, offers=offers)
