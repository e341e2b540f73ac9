"""Database → instance: the snapshot a plan is solved over (``shared/clearing`` contract).

Everything is read through ``visible_to(user)``, the user being the coordinator who runs the
plan. Ids in the instance carry a prefix (``N12`` need, ``P7`` pledge, ``F3`` fund, ``O5``
offer, ``I9`` item) so that a plan maps back to records without ambiguity. The fingerprint
records the version of every record read: a plan whose records changed since is stale.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from clearinghouse.catalogue.models import ItemType
from clearinghouse.core.words import day
from clearinghouse.logistics.models import Delivery, Hub, HubClosure, Route
from clearinghouse.needs.models import Need, NeedState, Priority
from clearinghouse.pledges.models import Pledge, PledgeKind, PledgeState, SupplierOffer

from . import road
from .ground import ground
from .models import Plan, PlanRule, PlanState, RuleKind

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from clearinghouse.parties.models import User

PLANNED_NEED_STATES = (NeedState.VALIDATED, NeedState.OPEN, NeedState.PARTLY_COVERED,
                       NeedState.COVERED)
PLANNED_PLEDGE_STATES = (PledgeState.ACCEPTED, PledgeState.ALLOCATED)
MOVING_PLEDGE_STATES = (PledgeState.SHIPPED, PledgeState.DELIVERED)
PRIORITY_WEIGHTS = {"critical": 8, "high": 4, "medium": 2, "low": 1}
PREFIX = {"need": "N", "pledge": "P", "fund": "F", "offer": "O", "item": "I"}


def ref(kind: str, pk: int) -> str:
    return f"{PREFIX[kind]}{pk}"


def pk_of(ident: str) -> int:
    return int(ident[1:])


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_of(start: date, day: date) -> int:
    """The week (1-based) in which ``day`` falls, counted from ``start``; 1 at the earliest."""
    return max((day - start).days // 7 + 1, 1)


def _num(value) -> float:
    f = float(value)
    return int(f) if f.is_integer() else f


@dataclass
class Snapshot:
    instance: dict
    fingerprint: dict
    # Records left out, and why (shown with the plan: a coordinator should know).
    left_out: list[str] = field(default_factory=list)


def fingerprint(user: User) -> dict:
    """The version of every record a snapshot for ``user`` reads now."""
    def versions(qs: QuerySet) -> dict[str, int]:
        return {str(pk): v for pk, v in qs.values_list("pk", "version")}

    adopted = Plan.objects.visible_to(user).filter(state=PlanState.ADOPTED).first()
    return {
        "needs": versions(Need.objects.visible_to(user).filter(state__in=PLANNED_NEED_STATES)),
        "pledges": versions(Pledge.objects.visible_to(user).filter(
            state__in=PLANNED_PLEDGE_STATES + MOVING_PLEDGE_STATES)),
        "offers": versions(SupplierOffer.objects.visible_to(user)),
        "hubs": versions(Hub.objects.visible_to(user)),
        "routes": versions(Route.objects.visible_to(user)),
        "deliveries": versions(Delivery.objects.visible_to(user)),
        "closures": versions(HubClosure.objects.visible_to(user)),
        "rules": versions(PlanRule.objects.visible_to(user).filter(active=True)),
        "adopted": adopted.pk if adopted else None,
    } | ({"shipments": ground().versions(user)} if ground() else {})


def changes_since(old: dict, new: dict) -> list[str]:
    """What differs between two fingerprints, readably ("pledge 12 changed")."""
    found = []
    for kind in sorted(set(old) | set(new)):
        a, b = old.get(kind), new.get(kind)
        if kind == "adopted":
            if a != b:
                found.append(f"the adopted plan is now {b or 'none'} (was {a or 'none'})")
            continue
        a, b = a or {}, b or {}
        noun = kind.rstrip("s") if kind != "deliveries" else "delivery"
        for pk in sorted(set(a) | set(b), key=int):
            if pk not in b:
                found.append(f"{noun} {pk} no longer planned (withdrawn, cancelled or hidden)")
            elif pk not in a:
                found.append(f"{noun} {pk} is new")
            elif a[pk] != b[pk]:
                found.append(f"{noun} {pk} changed")
    return found


def take_snapshot(user: User, start: date | None = None, horizon: int = 52,
                  name: str = "") -> Snapshot:
    """The instance of a plan from week ``start`` (its Monday; today's by default) for
    ``horizon`` weeks, read as ``user`` sees the records, with its fingerprint and the records
    left out (and why)."""
    start = monday(start or date.today())
    left_out: list[str] = []
    needs, pledges = _read_needs(user), _read_pledges(user)
    offers = list(SupplierOffer.objects.visible_to(user))
    hubs = list(Hub.objects.visible_to(user))
    rules = list(PlanRule.objects.visible_to(user).filter(active=True))

    need_qty = {n.pk: float(n.quantity) for n in needs}
    pledge_qty = {p.pk: float(p.quantity or 0) for p in pledges}
    hub_code = {h.pk: h.code for h in hubs}
    spent: dict[int, float] = defaultdict(float)  # by fund: EUR of goods already bought
    moved: set[int] = set()  # pledges with goods on the move
    facts: dict[str, tuple[str, str, float]] = {}  # goods on the road: donor, item, pallets
    fixed = (_on_the_ground(user, start, need_qty, pledge_qty, spent, moved, hub_code,
                            {p.pk: p for p in pledges}, offers, facts)
             + _pins(rules, start, hub_code, left_out))
    need_rows = _need_rows(needs, need_qty, start)
    planned_needs = {pk_of(r["id"]) for r in need_rows}
    fixed = _still_planned(fixed, planned_needs, {p.pk for p in pledges}, left_out)
    hub_rows, network = _hub_rows(user, hubs, start, horizon), _network(user, set(hub_code))
    left_out += road.fit_hubs(
        hub_rows, fixed, {k: v[2] for k, v in facts.items()},
        {(d["hub"], d["region"]): d["weeks"] for d in network["deliveries"]},
        {r["id"]: r["region"] for r in need_rows}, horizon)
    supply = _supplying(pledges, moved)
    pledge_rows = _pledge_rows(supply, pledge_qty, start, needs, planned_needs,
                               _forbidden(rules), left_out) + road.supply_rows(
        fixed, {k: v[0] for k, v in facts.items()}, {k: v[1] for k, v in facts.items()})
    network["routes"] += road.routes(fixed)
    offer_rows = [_offer_row(o, start) for o in offers]
    instance = _header(name, start, horizon) | {
        "items": _item_rows(need_rows + pledge_rows + offer_rows),
        "hubs": hub_rows,
        **network,
        "needs": need_rows,
        "pledges": pledge_rows,
        "funds": _fund_rows(pledges, start, spent),
        "offers": offer_rows,
        "fixed": fixed,
    }
    return Snapshot(instance, fingerprint(user), left_out)


def _read_needs(user: User) -> list[Need]:
    """The needs a plan may serve: validated and not yet delivered."""
    return list(
        Need.objects.visible_to(user).filter(state__in=PLANNED_NEED_STATES)
        .select_related("region", "family", "item_type")
    )


def _read_pledges(user: User) -> list[Pledge]:
    """The pledges and funds a plan may use (accepted, allocated), and those on the move."""
    return list(
        Pledge.objects.visible_to(user)
        .filter(state__in=PLANNED_PLEDGE_STATES + MOVING_PLEDGE_STATES)
        .select_related("owner", "item_type").prefetch_related("allowed_regions", "funding_items")
    )


def _pins(rules: list[PlanRule], start: date, hub_code: dict[int, str],
          left_out: list[str]) -> list[dict]:
    """The pinned allocations, fixed in the plan; those whose hub is no longer visible or whose
    week is past are left out."""
    pins = []
    for rule in rules:
        if rule.kind != RuleKind.PIN:
            continue
        if rule.hub_id in hub_code and rule.ship_on >= start:
            pins.append({"pledge": ref("pledge", rule.pledge_id),
                         "need": ref("need", rule.need_id), "hub": hub_code[rule.hub_id],
                         "ship_week": week_of(start, rule.ship_on),
                         "quantity": _num(rule.quantity)})
        else:
            left_out.append(f"pin {rule.pk}: its hub or week is no longer plannable")
    return pins


def _forbidden(rules: list[PlanRule]) -> dict[int, set[int]]:
    """The needs each pledge must never serve, by pledge."""
    forbidden: dict[int, set[int]] = defaultdict(set)
    for rule in rules:
        if rule.kind == RuleKind.FORBID:
            forbidden[rule.pledge_id].add(rule.need_id)
    return forbidden


def _need_rows(needs: list[Need], need_qty: dict[int, float], start: date) -> list[dict]:
    """A row for each need still asking for something once the movement is counted."""
    rows = []
    for n in needs:
        if need_qty[n.pk] <= 1e-9:
            continue
        row = {"id": ref("need", n.pk), "quantity": _num(need_qty[n.pk]),
               "priority": Priority(n.priority).label,
               "due_week": week_of(start, n.required_by), "region": n.region.code}
        if n.item_type_id:
            row["item"] = ref("item", n.item_type_id)
        else:
            row["family"] = n.family.code
        rows.append(row)
    return rows


def _still_planned(fixed: list[dict], planned_needs: set[int], planned_pledges: set[int],
                   left_out: list[str]) -> list[dict]:
    """The fixed allocations whose need and pledge are both in the plan; the others left out."""
    kept = []
    for f in fixed:
        source = road.source_of(f.get("pledge") or f["fund"]) or {}
        pk = source.get("pledge_id") or source.get("fund_id")
        if pk_of(f["need"]) in planned_needs and pk in planned_pledges:
            kept.append(f)
        else:
            left_out.append(f"fixed allocation of pledge {pk} to need "
                            f"{f['need'][1:]}: the need or the pledge is no longer planned")
    return kept


def _supplying(pledges: list[Pledge], moved: set[int]) -> list[Pledge]:
    """The pledges still to plan: those not shipped, and the shipped ones with goods on the
    move (what they still give, after what left, is theirs to plan again). A pledge marked
    shipped or delivered with no shipment recorded gives nothing more."""
    return [p for p in pledges if p.state not in MOVING_PLEDGE_STATES or p.pk in moved]


def _fund_rows(pledges: list[Pledge], start: date, spent: dict[int, float]) -> list[dict]:
    """A row for each fund not yet on the move that states an amount, less what it paid for
    goods already past their hub."""
    rows = []
    for p in pledges:
        if p.kind != PledgeKind.FUNDING or p.state in MOVING_PLEDGE_STATES or not p.amount_eur:
            continue
        left = float(p.amount_eur) - spent.get(p.pk, 0.0)
        if left <= 1e-6:
            continue
        row = {"id": ref("fund", p.pk), "donor": p.owner.code, "amount_eur": _num(left),
               "available_week": week_of(start, p.earliest_availability)}
        if p.funding_non_lethal_only:
            row["non_lethal_only"] = True
        limited = [ref("item", i.pk) for i in p.funding_items.all()]
        if limited:
            row["items"] = limited
        rows.append(row)
    return rows


def _pledge_rows(pledges: list[Pledge], pledge_qty: dict[int, float], start: date,
                 needs: list[Need], planned_needs: set[int], forbidden: dict[int, set[int]],
                 left_out: list[str]) -> list[dict]:
    """A row for each pledge of goods that can reach a hub and serve some planned need."""
    rows = []
    for p in pledges:
        row = _goods_row(p, pledge_qty[p.pk], start, left_out)
        if row is not None and _limit_needs(row, p, needs, planned_needs, forbidden, left_out):
            rows.append(row)
    return rows


def _goods_row(pledge: Pledge, quantity: float, start: date, left_out: list[str]) -> dict | None:
    """The row of a pledge of goods still giving something; None for any other pledge, and for
    one without an origin depot (left out: no route reaches a hub from nowhere)."""
    if pledge.kind not in (PledgeKind.STOCK, PledgeKind.PROCUREMENT) or not pledge.item_type_id:
        return None
    if quantity <= 1e-9:
        return None
    if not pledge.origin_depot:
        left_out.append(f"pledge {pledge.pk}: no origin depot, so no route to a hub")
        return None
    row = {"id": ref("pledge", pledge.pk), "donor": pledge.owner.code,
           "item": ref("item", pledge.item_type_id), "quantity": _num(quantity),
           "available_week": week_of(start, pledge.earliest_availability),
           "origin": pledge.origin_depot}
    regions = [r.code for r in pledge.allowed_regions.all()]
    if regions:
        row["regions"] = regions
    return row


def _limit_needs(row: dict, pledge: Pledge, needs: list[Need], planned_needs: set[int],
                 forbidden: dict[int, set[int]], left_out: list[str]) -> bool:
    """Name in ``row`` the needs the pledge may serve if it is limited (its earmark, less the
    forbidden needs); False, with the reason left out, when it can serve none."""
    earmark = None
    if pledge.need_id:
        if pledge.need_id not in planned_needs:
            left_out.append(f"pledge {pledge.pk}: earmarked for need {pledge.need_id}, not planned")
            return False
        earmark = {pledge.need_id}
    if pledge.pk in forbidden:
        fitting = earmark or _fitting_needs(pledge, needs, row.get("regions", []))
        earmark = (fitting - forbidden[pledge.pk]) & planned_needs
        if not earmark:
            left_out.append(f"pledge {pledge.pk}: forbidden for every need it could serve")
            return False
    if earmark is not None:
        row["needs"] = [ref("need", pk) for pk in sorted(earmark)]
    return True


def _offer_row(offer: SupplierOffer, start: date) -> dict:
    """The row of a supplier's offer."""
    return {"id": ref("offer", offer.pk), "supplier": offer.supplier,
            "item": ref("item", offer.item_type_id),
            "unit_price_eur": _num(offer.unit_price_eur), "max_quantity": _num(offer.max_quantity),
            "available_week": week_of(start, offer.available_from),
            "lead_weeks": offer.lead_weeks, "origin": offer.origin_depot}


def _item_rows(rows: list[dict]) -> list[dict]:
    """A row for each item the needs, pledges and offers name, and for every item of a family
    a need asks for, in the order of their ids."""
    item_ids = {pk_of(r["item"]) for r in rows if "item" in r}
    families = {r["family"] for r in rows if "family" in r}
    items = ItemType.objects.filter(pk__in=item_ids) | ItemType.objects.filter(
        family__code__in=families)
    item_rows = []
    for it in items.select_related("family").distinct().order_by("pk"):
        row = {"id": ref("item", it.pk), "pallets_per_unit": _num(it.pallets_per_unit or 0),
               "indivisible": it.indivisible, "lethal": it.lethal}
        if it.family_id:
            row["family"] = it.family.code
        item_rows.append(row)
    return item_rows


def _hub_rows(user: User, hubs: list[Hub], start: date, horizon: int) -> list[dict]:
    """A row for each hub: its weekly capacity and the weeks of the horizon it is closed."""
    closed: dict[int, set[int]] = defaultdict(set)
    end = start + timedelta(weeks=horizon)
    for c in HubClosure.objects.visible_to(user).filter(hub__in={h.pk for h in hubs},
                                                        ends_on__gte=start, starts_on__lt=end):
        first = week_of(start, c.starts_on)
        last = min(week_of(start, c.ends_on), horizon)
        closed[c.hub_id].update(range(first, last + 1))
    rows = []
    for h in hubs:
        row = {"id": h.code, "capacity_pallets": h.weekly_capacity_pallets}
        if closed[h.pk]:
            row["closed_weeks"] = sorted(closed[h.pk])
        rows.append(row)
    return rows


def _network(user: User, hub_ids: set[int]) -> dict[str, list[dict]]:
    """The routes from depots to the hubs and the deliveries from the hubs to the regions."""
    routes = Route.objects.visible_to(user).filter(hub__in=hub_ids).select_related("hub")
    deliveries = (Delivery.objects.visible_to(user).filter(hub__in=hub_ids)
                  .select_related("hub", "region"))
    return {
        "routes": [{"origin": r.origin, "hub": r.hub.code, "weeks": r.weeks} for r in routes],
        "deliveries": [{"hub": d.hub.code, "region": d.region.code, "weeks": d.weeks}
                       for d in deliveries],
    }


def _header(name: str, start: date, horizon: int) -> dict:
    """The instance's format, name, calendar and weights."""
    return {
        "format": "clearinghouse-instance/1",
        "name": name or f"Snapshot of {day(start)}",
        "start_date": start.isoformat(),
        "horizon_weeks": horizon,
        "priority_weights": PRIORITY_WEIGHTS,
        "late_factor": 0.9,
    }


def _fitting_needs(pledge, needs, regions) -> set[int]:
    family = pledge.item_type.family_id
    return {
        n.pk for n in needs
        if (n.item_type_id == pledge.item_type_id or (family and n.family_id == family))
        and (not regions or n.region.code in regions)
    }


def _on_the_ground(user, start, need_qty, pledge_qty, spent, moved, hub_code, sources, offers,
                   facts) -> list[dict]:
    """Goods that left their depot (the registered ``Ground``; docs/shipments.md). Those not
    yet at their hub are ``fixed`` in the plan as a supply of their own (``road.py``: their
    donor, item and pallets per unit go into ``facts``); those at the hub or beyond, or
    handled before week 1, use no more capacity and reduce what their need still asks (by
    what was accepted, once verified: a short receipt asks again). Either way they are out of
    what their pledge (or fund) still gives: what never left (a split, a cancelled shipment)
    stays with it."""
    offer = {o.pk: o for o in offers}
    fixed = []
    for m in ground().movements(user) if ground() else []:
        source = sources.get(m.pledge_id or m.fund_id)
        if m.pledge_id and m.pledge_id in pledge_qty:
            pledge_qty[m.pledge_id] -= m.quantity
            moved.add(m.pledge_id)
        if m.fund_id and m.offer_id in offer:
            spent[m.fund_id] += m.quantity * float(offer[m.offer_id].unit_price_eur)
        if m.through_hub or m.hub_on < start or m.hub_id not in hub_code or source is None:
            if m.need_id in need_qty:
                need_qty[m.need_id] -= m.quantity if m.accepted is None else m.accepted
            continue
        item = source.item_type if m.pledge_id else offer[m.offer_id].item_type
        ident = road.source_id(m.pledge_id, m.fund_id, m.offer_id)
        facts[ident] = (source.owner.code, ref("item", item.pk), float(item.pallets_per_unit))
        fixed.append({"pledge": ident, "need": ref("need", m.need_id),
                      "hub": hub_code[m.hub_id], "ship_week": week_of(start, m.hub_on),
                      "quantity": _num(m.quantity)})
    return fixed


def item_names(plan: Plan) -> dict[int, str]:
    """Names of the items in ``plan``'s snapshot, by id."""
    pks = [pk_of(i["id"]) for i in plan.instance["items"]]
    return dict(ItemType.objects.filter(pk__in=pks).values_list("pk", "name"))


_IDS = re.compile(r"\b(?:(need|pledge|fund|offer|item) )?([NPFOI])(\d+)\b")
_NOUN = {"N": "need", "P": "pledge", "F": "fund", "O": "offer", "I": "item"}


def readable(text: str, item_names: dict[int, str]) -> str:
    """The solver's words with the snapshot's ids as people say them: ``need 12``, the item's
    name (the solver only knows ``N12`` and ``I9``)."""
    def name(found: re.Match) -> str:
        kind, pk = found[2], int(found[3])
        if kind == "I":
            return item_names.get(pk, f"item {pk}")
        return f"{_NOUN[kind]} {pk}"

    return _IDS.sub(name, text or "")
