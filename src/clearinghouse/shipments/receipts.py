"""Receipts, verification and discrepancies (docs/shipments.md).

The receiving unit counts every line it took over: accepted, short, damaged, wrong item, which
add up to what left the depot; any difference carries a reason and opens a discrepancy that
goes back to the sender and the coordinator. Goods count as delivered only once the unit has
verified its count: needs and pledges follow from verified receipts alone.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Sum
from django.urls import reverse
from django.utils import timezone

from clearinghouse.core.errors import DomainError
from clearinghouse.core.lifecycle import transition, transition_all
from clearinghouse.core.notices import notice, notify
from clearinghouse.core.services import require
from clearinghouse.core.words import number
from clearinghouse.needs.models import NEED_LIFECYCLE, Need, NeedState
from clearinghouse.parties.models import User
from clearinghouse.pledges.models import PLEDGE_LIFECYCLE, Pledge, PledgeState
from clearinghouse.security.roles import Audience, Role

from .models import (
    DISCREPANCY_LIFECYCLE,
    SHIPMENT_LIFECYCLE,
    Discrepancy,
    DiscrepancyKind,
    EventKind,
    Receipt,
    ReceiptReason,
    Resolution,
    Shipment,
    ShipmentLine,
    ShipmentState,
)
from .services import TINY, _check_day, _event

COUNTS = ("accepted", "short", "damaged", "wrong_item")
DIFFERENCES = {"short": DiscrepancyKind.SHORT, "damaged": DiscrepancyKind.DAMAGED,
               "wrong_item": DiscrepancyKind.WRONG_ITEM}


def _count(line: ShipmentLine, raw, field: str) -> dict:
    """One line's count, checked: numbers, not negative, whole where the item is, adding up
    to what was shipped, with a reason from the list where anything differs."""
    if not isinstance(raw, dict):
        raise DomainError(field, "Give the line's count: accepted, and any short, damaged or "
                                 "wrong item.")
    unknown = sorted(set(raw) - {*COUNTS, "reason", "note"})
    if unknown:
        raise DomainError(f"{field}.{unknown[0]}", f"'{unknown[0]}' is not part of a count.")
    found: dict = {}
    for key in COUNTS:
        try:
            value = Decimal(str(raw.get(key, 0) or 0))
        except ArithmeticError as exc:
            raise DomainError(f"{field}.{key}", "Give a number.") from exc
        if not value.is_finite() or value < 0:
            raise DomainError(f"{field}.{key}", "A count is zero or more.")
        if value != value.to_integral_value() and line.item_type.indivisible:
            raise DomainError(f"{field}.{key}", f"{line.item_type} is counted in whole units.")
        found[key] = value
    total, shipped = sum(found.values()), line.shipped or Decimal(0)
    if total > shipped + TINY:
        raise DomainError(f"{field}.accepted",
                          f"{number(total)} counted on line {line.pk} ({line.item_type}) but "
                          f"{number(shipped)} were shipped: a count cannot exceed what left.")
    if total < shipped - TINY:
        raise DomainError(f"{field}.short",
                          f"{number(total)} counted on line {line.pk} ({line.item_type}) of "
                          f"{number(shipped)} shipped: count what is missing as short.")
    reason = raw.get("reason") or ""
    differs = any(found[k] > 0 for k in DIFFERENCES)
    if differs and reason not in ReceiptReason.values:
        raise DomainError(f"{field}.reason", "Say why the count differs: choose a reason from "
                                             "the list.")
    if not differs and reason:
        reason = ""  # nothing differs: nothing to explain
    note = str(raw.get("note") or "")
    if len(note) > 500:
        raise DomainError(f"{field}.note", "Keep the note to 500 characters.")
    if reason == ReceiptReason.OTHER and not note.strip():
        raise DomainError(f"{field}.note", "Say in the note what happened.")
    return found | {"reason": reason, "note": note}


@transaction.atomic
def receive(user: User, shipment: Shipment, version: int | None, counts: dict, *,
            on: date | None = None, note: str = "") -> Shipment:
    """The receiving unit's count of every line that left the depot (line id → count). Any
    difference opens a discrepancy, told to the sender and the coordinator."""
    require(user, "shipments.receive_shipment", shipment)
    shipment = Shipment.objects.select_for_update().get(pk=shipment.pk)
    SHIPMENT_LIFECYCLE.check(shipment.state, "receive")
    on = _check_day(shipment, on)
    lines = {line.pk: line for line in shipment.lines.select_related("item_type")
             if (line.shipped or 0) > 0}
    if not isinstance(counts, dict):
        raise DomainError("counts", "Give a count per line, by line id.")
    given = {}
    for key, raw in counts.items():
        if not str(key).isdigit() or int(key) not in lines:
            raise DomainError(f"counts.{key}", f"This shipment carries no line {key}.")
        given[int(key)] = _count(lines[int(key)], raw, f"counts.{key}")
    missing = sorted(set(lines) - set(given))
    if missing:
        raise DomainError(f"counts.{missing[0]}", f"Count line {missing[0]} "
                                                  f"({lines[missing[0]].item_type}) too.")
    shipment = transition(shipment, SHIPMENT_LIFECYCLE, "receive", version, received_on=on)
    Receipt.objects.bulk_create([
        Receipt(line=lines[pk], received_by=user, received_on=on, **count)
        for pk, count in given.items()])
    opened = [Discrepancy(line=lines[pk], kind=kind, quantity=count[key],
                          reason=count["reason"], note=count["note"])
              for pk, count in given.items() for key, kind in DIFFERENCES.items()
              if count[key] > 0]
    Discrepancy.objects.bulk_create(opened)
    _event(shipment, EventKind.RECEIVED, user, on, place=str(shipment.receiving_unit or ""),
           note=note, quantities={pk: c["accepted"] for pk, c in given.items()})
    if opened:
        _tell_discrepancies(shipment, opened)
    return shipment


def _tell_discrepancies(shipment: Shipment, opened: list[Discrepancy]) -> None:
    link = reverse("shipments:detail", args=[shipment.pk])
    parts = "; ".join(
        f"{number(d.quantity, whole=d.line.item_type.indivisible)} × {d.line.item_type} "
        f"{d.get_kind_display()} ({d.get_reason_display()})" for d in opened)
    text = f"Shipment {shipment.pk} was received with differences: {parts}."
    notify(notice(shipment, text, kind="shipment_discrepancy", audience=Audience.COORDINATOR,
                  role=Role.COORDINATOR, link=link),
           notice(shipment, text, kind="shipment_discrepancy", organisation=shipment.owner,
                  role=Role.DONOR_REPRESENTATIVE, link=link))


@transaction.atomic
def verify(user: User, shipment: Shipment, version: int | None, *,
           on: date | None = None, note: str = "") -> Shipment:
    """The receiving unit confirms its count: the goods accepted now count as delivered, and
    needs and pledges follow."""
    require(user, "shipments.verify_shipment", shipment)
    shipment = Shipment.objects.select_for_update().get(pk=shipment.pk)
    SHIPMENT_LIFECYCLE.check(shipment.state, "verify")
    on = _check_day(shipment, on)
    shipment = transition(shipment, SHIPMENT_LIFECYCLE, "verify", version,
                          verified_at=timezone.now())
    _event(shipment, EventKind.VERIFIED, user, on, place=str(shipment.receiving_unit or ""),
           note=note)
    lines = shipment.lines.all()
    settle(user, {line.need_id for line in lines}, {line.pledge_id for line in lines} - {None})
    return shipment


@transaction.atomic
def resolve(user: User, discrepancy: Discrepancy, version: int | None, resolution: str,
            note: str = "") -> Discrepancy:
    """Close a discrepancy: replaced (the donor sends more; a re-plan carries it), written
    off, or found (the goods turned up: they are accepted)."""
    require(user, "shipments.resolve_discrepancy", discrepancy)
    if resolution not in Resolution.values:
        raise DomainError("resolution", "Choose how it was resolved: replaced, written off or "
                                        "found.")
    if len(note) > 500:
        raise DomainError("resolution_note", "Keep the note to 500 characters.")
    discrepancy = transition(discrepancy, DISCREPANCY_LIFECYCLE, "resolve", version,
                             resolution=resolution, resolution_note=note, resolved_by=user,
                             resolved_at=timezone.now())
    line = discrepancy.line
    if resolution == Resolution.FOUND:
        Receipt.objects.filter(line=line).update(accepted=F("accepted") + discrepancy.quantity)
        if line.shipment.state == ShipmentState.VERIFIED:
            settle(user, {line.need_id}, {line.pledge_id} - {None})
    return discrepancy


# -- what verified receipts mean for needs and pledges -----------------------------------------

def delivered(need_ids) -> dict[int, Decimal]:
    """Units accepted by verified receipts, by need."""
    rows = (Receipt.objects.filter(line__need_id__in=need_ids,
                                   line__shipment__state=ShipmentState.VERIFIED)
            .order_by().values("line__need_id").annotate(total=Sum("accepted")))
    return {r["line__need_id"]: r["total"] for r in rows}


def lost(need_ids) -> dict[int, Decimal]:
    """Units shipped but not accepted by verified receipts, and not found since, by need: what
    the adopted plan counted and the need did not get."""
    rows = (Discrepancy.objects.filter(line__need_id__in=need_ids,
                                       line__shipment__state=ShipmentState.VERIFIED)
            .exclude(resolution=Resolution.FOUND).order_by()
            .values("line__need_id").annotate(total=Sum("quantity")))
    return {r["line__need_id"]: r["total"] for r in rows}


def settle(user: User, need_ids: set[int], pledge_ids: set[int]) -> None:
    """Needs covered by verified receipts become delivered; a covered need that lost goods on
    the way is only partly covered again; pledges whose every shipped unit was verified
    become delivered."""
    needs = list(Need.objects.select_for_update().filter(pk__in=need_ids).order_by("pk"))
    got, gone = delivered(need_ids), lost(need_ids)
    done = [n for n in needs if n.state in NEED_LIFECYCLE["deliver"].sources
            and got.get(n.pk, 0) >= n.quantity - TINY]
    short = [n for n in needs if n not in done and n.state == NeedState.COVERED
             and gone.get(n.pk, 0) > 0]
    transition_all(done, NEED_LIFECYCLE, "deliver", user)
    transition_all(short, NEED_LIFECYCLE, "cover_partly", user)
    pledges = list(Pledge.objects.select_for_update().filter(
        pk__in=pledge_ids, state=PledgeState.SHIPPED).order_by("pk"))
    verified = dict(ShipmentLine.objects.filter(
        pledge_id__in=pledge_ids, shipment__state=ShipmentState.VERIFIED).order_by()
        .values("pledge_id").annotate(total=Sum("shipped")).values_list("pledge_id", "total"))
    transition_all([p for p in pledges if verified.get(p.pk, 0) >= (p.quantity or 0) - TINY],
                   PLEDGE_LIFECYCLE, "deliver", user)

