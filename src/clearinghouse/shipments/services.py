"""The shipments domain's verbs: make shipments from the adopted plan, split them, and move
them leg by leg (docs/shipments.md). Each is one transaction; each refuses bad input by field
and changes nothing then. Receipts, verification and discrepancies are in ``receipts.py``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from clearinghouse.core.errors import DomainError
from clearinghouse.core.lifecycle import save_versioned, transition, transition_all
from clearinghouse.core.notices import notice, notify
from clearinghouse.core.services import require
from clearinghouse.core.words import day, number
from clearinghouse.logistics.models import Route
from clearinghouse.parties.models import Organisation, OrganisationKind, Region, User
from clearinghouse.planning.models import Allocation, Plan, PlanState
from clearinghouse.pledges.models import PLEDGE_LIFECYCLE, Pledge, PledgeState
from clearinghouse.security.roles import Audience, Role

from .models import (
    SHIPMENT_LIFECYCLE,
    EventKind,
    Shipment,
    ShipmentEvent,
    ShipmentLine,
    ShipmentState,
)

S = ShipmentState
TINY = Decimal("0.0005")
STEP_EVENT = {"ready": EventKind.READY, "depart": EventKind.DEPARTED,
              "arrive_at_hub": EventKind.AT_HUB, "hand_over": EventKind.HANDED_OVER,
              "cancel": EventKind.CANCELLED}
STEP_DAY = {"depart": "departed_on", "arrive_at_hub": "at_hub_on",
            "hand_over": "handed_over_on"}


def quantity(value: float | Decimal) -> Decimal:
    """A stored quantity: three decimal places, as every quantity of the record."""
    return Decimal(str(round(float(value), 3)))


# -- making shipments from the adopted plan ----------------------------------------------------

def receiving_unit(region: Region) -> Organisation | None:
    """The recipient unit that takes custody in ``region``: the one with logistics officers
    (the first by name), else the first unit stationed there."""
    units = list(Organisation.objects.filter(kind=OrganisationKind.RECIPIENT_UNIT, region=region)
                 .order_by("name").prefetch_related("users"))
    staffed = [u for u in units
               if any(Role.LOGISTICS_OFFICER in (x.roles or []) for x in u.users.all())]
    return (staffed or units or [None])[0]


def _source(a: Allocation) -> tuple[Pledge, str, object]:
    """The pledge (or fund) paying for ``a``, its origin depot and the item it moves."""
    if a.pledge_id:
        return a.pledge, a.pledge.origin_depot, a.pledge.item_type
    return a.fund, a.offer.origin_depot, a.offer.item_type


def _taken(allocation_ids) -> dict[int, Decimal]:
    """Quantity of each allocation already on a shipment that is not cancelled."""
    rows = (ShipmentLine.objects.filter(allocation_id__in=allocation_ids)
            .exclude(shipment__state=S.CANCELLED).order_by()
            .values("allocation_id").annotate(total=Sum("quantity")))
    return {r["allocation_id"]: r["total"] for r in rows}


@transaction.atomic
def make_shipments(user: User, plan: Plan | None = None, *,
                   on: date | None = None) -> list[Shipment]:
    """Shipments for what the adopted plan moves and no shipment carries yet, one per donor,
    origin, hub, week of handling and destination. Shipments of earlier plans that have not
    left their depot are cancelled (the new plan decides again); those on the move are kept
    and carried by the new plan's fixed allocations. ``on``: the day they were made (today
    unless given, never later)."""
    require(user, "shipments.make_shipments")
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise DomainError("on", "Shipments are made today or were made before: not later.")
    plan = plan or Plan.objects.filter(state=PlanState.ADOPTED).first()
    if plan is None or plan.state != PlanState.ADOPTED:
        raise DomainError("plan", "Shipments are made from the adopted plan only.")
    _cancel_superseded(user, plan)
    allocations = list(Allocation.objects.filter(plan=plan).select_related(
        "pledge__item_type", "fund", "offer__item_type", "need__region", "hub"))
    _carry_moving(allocations)
    taken = _taken([a.pk for a in allocations])
    groups: dict[tuple, list[tuple[Allocation, Decimal]]] = defaultdict(list)
    for a in allocations:
        left = quantity(a.quantity) - taken.get(a.pk, Decimal(0))
        if left > TINY:
            source, origin, _ = _source(a)
            key = (source.owner_id, source.anonymous, origin, a.hub_id, a.ship_week,
                   a.arrival_week, a.need.region_id)
            groups[key].append((a, left))
    lead = {(r.origin, r.hub_id): r.weeks for r in Route.objects.all()}
    units: dict[int, Organisation | None] = {}
    made = []
    for (owner, anonymous, origin, hub, ship_week, arrival_week, region), parts in sorted(
            groups.items(), key=lambda kv: (kv[0][4], kv[0][3], kv[0][0], kv[0][2])):
        if region not in units:
            units[region] = receiving_unit(parts[0][0].need.region)
        hub_on = plan.week_start(ship_week)
        made.append(_create(user, plan, parts, owner=owner, anonymous=anonymous, origin=origin,
                            hub=hub, region=region, unit=units[region], hub_on=hub_on, on=on,
                            arrival_on=plan.week_start(arrival_week),
                            ready_on=hub_on - timedelta(weeks=lead.get((origin, hub), 0))))
    return made


def _create(user: User, plan: Plan, parts: list[tuple[Allocation, Decimal]], **at) -> Shipment:
    sources = [_source(a) for a, _ in parts]
    shipment = Shipment.objects.create(
        owner_id=at["owner"], plan=plan, hub_id=at["hub"], origin=at["origin"],
        region_id=at["region"], receiving_unit=at["unit"], anonymous=at["anonymous"],
        # The sender's records set the level: a shipment its own donor could not read would
        # stop at the depot. The needs it serves stay behind their own classification.
        classification=max(s.classification for s, _, _ in sources),
        release_coordinator=True, release_recipient=True, planned_hub_on=at["hub_on"],
        planned_arrival_on=at["arrival_on"], expected_ready_on=at["ready_on"],
        expected_hub_on=at["hub_on"], expected_arrival_on=at["arrival_on"], created_by=user)
    ShipmentLine.objects.bulk_create([
        ShipmentLine(shipment=shipment, allocation=a, pledge_id=a.pledge_id, fund_id=a.fund_id,
                     offer_id=a.offer_id, need_id=a.need_id, item_type=item, quantity=left)
        for (a, left), (_, _, item) in zip(parts, sources, strict=True)])
    _event(shipment, EventKind.PLANNED, user, at["on"], place=at["origin"],
           note=f"Made from {plan.name}.")
    return shipment


def _cancel_superseded(user: User, plan: Plan) -> None:
    """Shipments of earlier plans that have not left their depot: cancelled."""
    stale = list(Shipment.objects.select_for_update().filter(
        state__in=(S.PLANNED, S.READY)).exclude(plan=plan).order_by("pk"))
    if not stale:
        return
    transition_all(stale, SHIPMENT_LIFECYCLE, "cancel", user)
    today = timezone.localdate()
    ShipmentEvent.objects.bulk_create([
        ShipmentEvent(shipment=s, kind=EventKind.CANCELLED, happened_on=today, user=user,
                      organisation_id=user.organisation_id,
                      note=f"Replaced by the shipments of {plan.name}.") for s in stale])


def _carry_moving(allocations: list[Allocation]) -> None:
    """Point the lines on the move at the new plan's fixed allocations that carry them (same
    source, need and hub), so that nothing on the move is shipped twice."""
    fixed = [a for a in allocations if a.fixed]
    if not fixed:
        return
    moving = (ShipmentLine.objects.filter(shipment__state__in=(
        S.DEPARTED, S.AT_HUB, S.HANDED_OVER, S.RECEIVED, S.VERIFIED))
        .exclude(allocation__in=fixed).select_related("shipment"))
    free = {a.pk: quantity(a.quantity) for a in fixed}
    by_key = defaultdict(list)
    for a in fixed:
        by_key[(a.pledge_id, a.fund_id, a.need_id, a.hub_id)].append(a)
    changed = []
    for line in moving:
        for a in by_key.get((line.pledge_id, line.fund_id, line.need_id, line.shipment.hub_id),
                            []):
            carried = line.shipped if line.shipped is not None else line.quantity
            if free[a.pk] + TINY >= carried:
                free[a.pk] -= carried
                line.allocation = a
                changed.append(line)
                break
    ShipmentLine.objects.bulk_update(changed, ["allocation"])


# -- planning a shipment by hand and splitting one ---------------------------------------------

@transaction.atomic
def split_shipment(user: User, shipment: Shipment, version: int | None,
                   quantities: dict[int, Decimal]) -> Shipment:
    """Move ``quantities`` (line id → units) of a shipment not yet departed onto a new one,
    with the same route and dates (it may then be delayed on its own)."""
    require(user, "shipments.change_shipment", shipment)
    if shipment.state not in (S.PLANNED, S.READY):
        raise DomainError("state", "Only a shipment that has not left its depot is split.")
    lines = {line.pk: line for line in shipment.lines.select_related("item_type")}
    moved = _quantities(quantities, lines, "quantities", upper="quantity")
    if not any(q > 0 for q in moved.values()):
        raise DomainError("quantities", "Name at least one line and a quantity to move.")
    if all(moved.get(pk, 0) >= line.quantity for pk, line in lines.items()):
        raise DomainError("quantities", "Leave something on the shipment: a split moves part "
                                        "of it.")
    save_versioned(shipment, version)
    new = Shipment.objects.get(pk=shipment.pk)
    new.pk, new.id, new.version, new.state = None, None, 1, S.PLANNED
    new.created_by = user
    new.save()
    for pk, qty in moved.items():
        if qty <= 0:
            continue
        line = lines[pk]
        line.quantity -= qty
        ShipmentLine.objects.create(shipment=new, allocation_id=line.allocation_id,
                                    pledge_id=line.pledge_id, fund_id=line.fund_id,
                                    offer_id=line.offer_id, need_id=line.need_id,
                                    item_type_id=line.item_type_id, quantity=qty)
    ShipmentLine.objects.bulk_update(lines.values(), ["quantity"])
    ShipmentLine.objects.filter(shipment=shipment, quantity__lte=0).delete()
    _event(new, EventKind.PLANNED, user, timezone.localdate(), place=new.origin,
           note=f"Split from shipment {shipment.pk}.")
    return new


def _quantities(given, lines: dict, field: str, upper: str) -> dict[int, Decimal]:
    """``given`` (line id → quantity) checked against ``lines``: known lines, not negative,
    whole for indivisible items, at most the line's ``upper`` field."""
    if not isinstance(given, dict):
        raise DomainError(field, "Give a quantity per line, by line id.")
    found = {}
    for key, raw in given.items():
        try:
            pk = int(key)
            qty = Decimal(str(raw))
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise DomainError(f"{field}.{key}", "Give a line id and a number.") from exc
        if pk not in lines:
            raise DomainError(f"{field}.{key}", f"This shipment has no line {key}.")
        line = lines[pk]
        if not qty.is_finite() or qty < 0:
            raise DomainError(f"{field}.{key}", "A quantity is zero or more.")
        if qty != qty.to_integral_value() and line.item_type.indivisible:
            raise DomainError(f"{field}.{key}",
                              f"{line.item_type} comes in whole units only.")
        most = getattr(line, upper)
        if qty > most:
            raise DomainError(f"{field}.{key}", f"Line {pk} ({line.item_type}) holds "
                                                f"{number(most)}; {number(qty)} is more.")
        found[pk] = qty
    return found


# -- the steps of the journey ------------------------------------------------------------------

def _check_day(shipment: Shipment, on: date | None) -> date:
    """The day of a step: given or today; never in the future nor before the step before."""
    today = timezone.localdate()
    on = on or today
    if on > today:
        raise DomainError("happened_on", "A step is recorded once it has happened: the day "
                                         "cannot be in the future.")
    # The steps taken so far; not the "planned" event (a step may be recorded after the fact,
    # dated before the shipment was made) nor a delay (dated when it was told).
    last = (shipment.events.exclude(kind__in=(EventKind.SLIPPED, EventKind.PLANNED))
            .order_by("-happened_on", "-pk").first())
    if last and on < last.happened_on:
        raise DomainError("happened_on", f"The shipment was {last.get_kind_display()} on "
                                         f"{day(last.happened_on)}; a later step cannot be "
                                         "dated before it.")
    return on


def _event(shipment: Shipment, kind: str, user: User, on: date, place: str = "",
           note: str = "", quantities: dict | None = None) -> ShipmentEvent:
    return ShipmentEvent.objects.create(
        shipment=shipment, kind=kind, happened_on=on, place=place[:150], user=user,
        organisation_id=user.organisation_id, note=note[:500],
        quantities={str(k): str(v.normalize()) for k, v in (quantities or {}).items()})


STEP_PLACE = {"ready": "origin", "depart": "origin", "arrive_at_hub": "hub",
              "hand_over": "hub", "cancel": "origin"}


@transaction.atomic
def take_step(user: User, shipment: Shipment, action: str, version: int | None, *,
              on: date | None = None, place: str = "", note: str = "",
              shipped: dict | None = None) -> Shipment:
    """One step of the journey (ready, depart, arrive_at_hub, hand_over, cancel) by the party
    that takes it. Departing may ship less than planned per line (``shipped``, line id →
    units): the rest returns to its pledge for the next plan."""
    if action not in STEP_EVENT:
        raise DomainError("action", f"Unknown step '{action}' for a shipment.")
    require(user, f"shipments.{action}_shipment", shipment)
    shipment = Shipment.objects.select_for_update().get(pk=shipment.pk)
    SHIPMENT_LIFECYCLE.check(shipment.state, action)
    on = _check_day(shipment, on)
    changes = {STEP_DAY[action]: on} if action in STEP_DAY else {}
    sent = None
    if action == "depart":
        sent = _depart_lines(shipment, shipped)
    shipment = transition(shipment, SHIPMENT_LIFECYCLE, action, version, **changes)
    if action == "arrive_at_hub":
        _shift(shipment, hub_on=on)
    where = place or {"origin": shipment.origin, "hub": shipment.hub.name}[STEP_PLACE[action]]
    _event(shipment, STEP_EVENT[action], user, on, place=where, note=note, quantities=sent)
    if action == "depart":
        _ship_pledges(user, shipment)
        _tell_departure(shipment)
    return shipment


def _tell_departure(shipment: Shipment) -> None:
    """The hub and the receiving unit learn what is coming (their logistics officers only)."""
    link = reverse("shipments:detail", args=[shipment.pk])
    parties = Organisation.objects.filter(pk__in={shipment.hub.owner_id,
                                                  shipment.receiving_unit_id} - {None})
    notify(notice(shipment, f"Shipment {shipment.pk} has left its depot: expected at "
                            f"{shipment.hub} on {day(shipment.expected_hub_on)}, in "
                            f"{shipment.region} by {day(shipment.expected_arrival_on)}.",
                  kind="shipment_departed", organisation=org, role=Role.LOGISTICS_OFFICER,
                  link=link) for org in parties)


def _depart_lines(shipment: Shipment, shipped: dict | None) -> dict[int, Decimal]:
    lines = {line.pk: line for line in shipment.lines.select_related("item_type")}
    sent = ({pk: line.quantity for pk, line in lines.items()} if shipped is None
            else {pk: Decimal(0) for pk in lines} | _quantities(shipped, lines, "shipped",
                                                                upper="quantity"))
    if not any(q > 0 for q in sent.values()):
        raise DomainError("shipped", "Nothing would leave: cancel the shipment instead.")
    for pk, line in lines.items():
        line.shipped = sent[pk]
    ShipmentLine.objects.bulk_update(lines.values(), ["shipped"])
    return sent


def _ship_pledges(user: User, shipment: Shipment) -> None:
    """The pledges whose goods left their depot are shipped (funds stay allocated: the money
    is spent, not shipped)."""
    ids = shipment.lines.filter(pledge__isnull=False, shipped__gt=0).values("pledge_id")
    moving = list(Pledge.objects.select_for_update().filter(
        pk__in=ids, state=PledgeState.ALLOCATED).order_by("pk"))
    transition_all(moving, PLEDGE_LIFECYCLE, "ship", user)


def _shift(shipment: Shipment, hub_on: date) -> None:
    """Expected dates from a new day at the hub: the hub → region leg keeps its length."""
    leg = shipment.planned_arrival_on - shipment.planned_hub_on
    lead = shipment.expected_hub_on - shipment.expected_ready_on
    Shipment.objects.filter(pk=shipment.pk).update(
        expected_hub_on=hub_on, expected_arrival_on=hub_on + leg,
        **({"expected_ready_on": hub_on - lead}
           if shipment.state in (S.PLANNED, S.READY) else {}))
    shipment.refresh_from_db()


@transaction.atomic
def delay(user: User, shipment: Shipment, version: int | None, hub_on: date,
          note: str = "") -> Shipment:
    """Tell that a shipment not yet at its hub will reach it on ``hub_on`` instead: the
    expected dates move, the coordinator and the receiving unit are told, and the plan is not
    changed (a re-plan from the ground does that)."""
    require(user, "shipments.delay_shipment", shipment)
    if shipment.state not in (S.PLANNED, S.READY, S.DEPARTED):
        raise DomainError("state", "Only a shipment not yet at its hub is delayed.")
    if not isinstance(hub_on, date):
        raise DomainError("hub_on", "Give the day it is now expected at the hub.")
    if hub_on < timezone.localdate():
        raise DomainError("hub_on", "The new day at the hub cannot be in the past.")
    if hub_on == shipment.expected_hub_on:
        raise DomainError("hub_on", f"The shipment is already expected on {day(hub_on)}.")
    save_versioned(shipment, version)
    before = shipment.expected_hub_on
    _shift(shipment, hub_on)
    _event(shipment, EventKind.SLIPPED, user, timezone.localdate(), place=shipment.hub.name,
           note=note or f"Expected at the hub on {day(hub_on)} (was {day(before)}).")
    link = reverse("shipments:detail", args=[shipment.pk])
    text = (f"Shipment {shipment.pk} is now expected at {shipment.hub} on {day(hub_on)} "
            f"(was {day(before)}); it arrives by {day(shipment.expected_arrival_on)}.")
    told = [notice(shipment, text, kind="shipment_delayed", audience=Audience.COORDINATOR,
                   role=Role.COORDINATOR, link=link)]
    # Each party's people who follow the movement: the sender's representatives, the hub's
    # and the unit's logistics officers.
    parties = {shipment.owner_id: Role.DONOR_REPRESENTATIVE,
               shipment.hub.owner_id: Role.LOGISTICS_OFFICER,
               shipment.receiving_unit_id: Role.LOGISTICS_OFFICER}
    for org in Organisation.objects.filter(pk__in=set(parties) - {None, user.organisation_id}):
        told.append(notice(shipment, text, kind="shipment_delayed", organisation=org,
                           role=parties[org.pk], link=link))
    notify(told)
    return shipment
