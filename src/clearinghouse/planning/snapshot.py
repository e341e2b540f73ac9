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

from clearinghouse.catalogue.models import ItemType
from clearinghouse.logistics.models import Delivery, Hub, HubClosure, Route
from clearinghouse.needs.models import Need, NeedState, Priority
from clearinghouse.pledges.models import Pledge, PledgeKind, PledgeState, SupplierOffer

from .models import Allocation, Plan, PlanRule, PlanState, RuleKind

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


def fingerprint(user) -> dict:
    """The version of every record a snapshot for ``user`` reads now."""
    def versions(qs):
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
    }


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


def take_snapshot(user, start: date | None = None, horizon: int = 52, name: str = "") -> Snapshot:
    start = monday(start or date.today())
    left_out: list[str] = []
    needs = list(
        Need.objects.visible_to(user).filter(state__in=PLANNED_NEED_STATES)
        .select_related("region", "family", "item_type")
    )
    pledges = list(
        Pledge.objects.visible_to(user)
        .filter(state__in=PLANNED_PLEDGE_STATES + MOVING_PLEDGE_STATES)
        .select_related("owner", "item_type").prefetch_related("allowed_regions", "funding_items")
    )
    offers = list(SupplierOffer.objects.visible_to(user))
    hubs = list(Hub.objects.visible_to(user))
    hub_ids = {h.pk for h in hubs}
    hub_code = {h.pk: h.code for h in hubs}
    rules = list(PlanRule.objects.visible_to(user).filter(active=True))

    need_qty = {n.pk: float(n.quantity) for n in needs}
    pledge_qty = {p.pk: float(p.quantity or 0) for p in pledges}
    fixed = _moving(user, start, pledges, need_qty, pledge_qty, hub_ids)
    for rule in rules:
        if rule.kind == RuleKind.PIN and rule.hub_id in hub_code and rule.ship_on >= start:
            fixed.append({"pledge": ref("pledge", rule.pledge_id),
                          "need": ref("need", rule.need_id), "hub": hub_code[rule.hub_id],
                          "ship_week": week_of(start, rule.ship_on),
                          "quantity": _num(rule.quantity)})
        elif rule.kind == RuleKind.PIN:
            left_out.append(f"pin {rule.pk}: its hub or week is no longer plannable")
    forbidden = defaultdict(set)
    for rule in rules:
        if rule.kind == RuleKind.FORBID:
            forbidden[rule.pledge_id].add(rule.need_id)

    need_rows = []
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
        need_rows.append(row)
    planned_needs = {pk_of(r["id"]) for r in need_rows}
    planned_pledges = {p.pk for p in pledges}
    kept = []
    for f in fixed:
        if pk_of(f["need"]) in planned_needs and pk_of(f["pledge"]) in planned_pledges:
            kept.append(f)
        else:
            left_out.append(f"fixed allocation of pledge {f['pledge'][1:]} to need "
                            f"{f['need'][1:]}: the need or the pledge is no longer planned")
    fixed = kept
    fixed_pledges = {pk_of(f["pledge"]) for f in fixed}

    pledge_rows, fund_rows = [], []
    for p in pledges:
        moving = p.state in MOVING_PLEDGE_STATES
        if moving and p.pk not in fixed_pledges:
            continue
        if p.kind == PledgeKind.FUNDING:
            if moving or not p.amount_eur:
                continue
            row = {"id": ref("fund", p.pk), "donor": p.owner.code, "amount_eur": _num(p.amount_eur),
                   "available_week": week_of(start, p.earliest_availability)}
            if p.funding_non_lethal_only:
                row["non_lethal_only"] = True
            limited = [ref("item", i.pk) for i in p.funding_items.all()]
            if limited:
                row["items"] = limited
            fund_rows.append(row)
            continue
        if p.kind not in (PledgeKind.STOCK, PledgeKind.PROCUREMENT) or not p.item_type_id:
            continue
        if pledge_qty[p.pk] <= 1e-9:
            continue
        if not p.origin_depot:
            left_out.append(f"pledge {p.pk}: no origin depot, so no route to a hub")
            continue
        row = {"id": ref("pledge", p.pk), "donor": p.owner.code,
               "item": ref("item", p.item_type_id), "quantity": _num(pledge_qty[p.pk]),
               "available_week": week_of(start, p.earliest_availability), "origin": p.origin_depot}
        regions = [r.code for r in p.allowed_regions.all()]
        if regions:
            row["regions"] = regions
        earmark = None
        if p.need_id:
            if p.need_id not in planned_needs:
                left_out.append(f"pledge {p.pk}: earmarked for need {p.need_id}, not planned")
                continue
            earmark = {p.need_id}
        if p.pk in forbidden:
            allowed = (earmark or _fitting_needs(p, needs, regions)) - forbidden[p.pk]
            earmark = allowed & planned_needs
            if not earmark:
                left_out.append(f"pledge {p.pk}: forbidden for every need it could serve")
                continue
        if earmark is not None:
            row["needs"] = [ref("need", pk) for pk in sorted(earmark)]
        pledge_rows.append(row)

    offer_rows = [
        {"id": ref("offer", o.pk), "supplier": o.supplier, "item": ref("item", o.item_type_id),
         "unit_price_eur": _num(o.unit_price_eur), "max_quantity": _num(o.max_quantity),
         "available_week": week_of(start, o.available_from), "lead_weeks": o.lead_weeks,
         "origin": o.origin_depot}
        for o in offers
    ]
    item_ids = {pk_of(r["item"]) for r in need_rows + pledge_rows + offer_rows if "item" in r}
    families = {r["family"] for r in need_rows if "family" in r}
    items = ItemType.objects.filter(pk__in=item_ids) | ItemType.objects.filter(
        family__code__in=families)
    item_rows = []
    for it in items.select_related("family").distinct().order_by("pk"):
        row = {"id": ref("item", it.pk), "pallets_per_unit": _num(it.pallets_per_unit or 0),
               "indivisible": it.indivisible, "lethal": it.lethal}
        if it.family_id:
            row["family"] = it.family.code
        item_rows.append(row)

    closed = defaultdict(set)
    end = start + timedelta(weeks=horizon)
    for c in HubClosure.objects.visible_to(user).filter(hub__in=hub_ids, ends_on__gte=start,
                                                        starts_on__lt=end):
        first = week_of(start, c.starts_on)
        last = min(week_of(start, c.ends_on), horizon)
        closed[c.hub_id].update(range(first, last + 1))
    hub_rows = []
    for h in hubs:
        row = {"id": h.code, "capacity_pallets": h.weekly_capacity_pallets}
        if closed[h.pk]:
            row["closed_weeks"] = sorted(closed[h.pk])
        hub_rows.append(row)
    routes = Route.objects.visible_to(user).filter(hub__in=hub_ids).select_related("hub")
    deliveries = (Delivery.objects.visible_to(user).filter(hub__in=hub_ids)
                  .select_related("hub", "region"))
    instance = {
        "format": "clearinghouse-instance/1",
        "name": name or f"Snapshot of {start.isoformat()}",
        "start_date": start.isoformat(),
        "horizon_weeks": horizon,
        "priority_weights": PRIORITY_WEIGHTS,
        "late_factor": 0.9,
        "items": item_rows,
        "hubs": hub_rows,
        "routes": [{"origin": r.origin, "hub": r.hub.code, "weeks": r.weeks} for r in routes],
        "deliveries": [{"hub": d.hub.code, "region": d.region.code, "weeks": d.weeks}
                       for d in deliveries],
        "needs": need_rows,
        "pledges": pledge_rows,
        "funds": fund_rows,
        "offers": offer_rows,
        "fixed": fixed,
    }
    return Snapshot(instance, fingerprint(user), left_out)


def _fitting_needs(pledge, needs, regions) -> set[int]:
    family = pledge.item_type.family_id
    return {
        n.pk for n in needs
        if (n.item_type_id == pledge.item_type_id or (family and n.family_id == family))
        and (not regions or n.region.code in regions)
    }


def _moving(user, start, pledges, need_qty, pledge_qty, hub_ids) -> list[dict]:
    """Allocations of the adopted plan whose pledge is shipped: ``fixed`` in every later plan.

    Those already through their hub before week 1 use no more capacity: they only reduce what
    their need still asks for and what their pledge still gives.
    """
    moving = {p.pk for p in pledges if p.state in MOVING_PLEDGE_STATES}
    if not moving:
        return []
    fixed = []
    rows = (Allocation.objects.visible_to(user)
            .filter(plan__state=PlanState.ADOPTED, pledge__in=moving)
            .select_related("plan", "hub"))
    for a in rows:
        ship_on = a.plan.week_start(a.ship_week)
        if ship_on < start or a.need_id not in need_qty or a.hub_id not in hub_ids:
            need_qty[a.need_id] = need_qty.get(a.need_id, 0.0) - a.quantity
            pledge_qty[a.pledge_id] -= a.quantity
            continue
        fixed.append({"pledge": ref("pledge", a.pledge_id), "need": ref("need", a.need_id),
                      "hub": a.hub.code, "ship_week": week_of(start, ship_on),
                      "quantity": _num(a.quantity)})
    return fixed


def item_names(plan) -> dict[int, str]:
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
