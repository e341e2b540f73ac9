"""Shipments: the adopted plan's allocations on the move, leg by leg, to goods received and
verified (DESIGN.md, Domain: Shipment; docs/shipments.md).

A shipment is one consignment of one donor from one origin through one hub to one receiving
unit, handled at the hub in one week. Its lines carry parts of allocations (an allocation may
be split across shipments). Each step of its lifecycle is an event with time, place, user and
quantities per line; the receiving unit's count per line is a receipt; any difference opens a
discrepancy that stays open until resolved.

Where and when cargo moves is a target: a shipment is seen by the parties to its movement
only (``ShipmentQuerySet.visible_to``) until it is verified and its embargo has passed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from clearinghouse.core.chain import History
from clearinghouse.core.lifecycle import StateMachine, Versioned
from clearinghouse.parties.models import User
from clearinghouse.security.models import (
    Controlled,
    ControlledQuerySet,
    VisibleQuerySet,
    visibility_q,
)
from clearinghouse.security.roles import Audience, Role, audiences, has_role


class ShipmentState(models.TextChoices):
    PLANNED = "planned", "planned"
    READY = "ready", "ready"
    DEPARTED = "departed", "departed"
    AT_HUB = "at_hub", "at the hub"
    HANDED_OVER = "handed_over", "handed over"
    RECEIVED = "received", "received"
    VERIFIED = "verified", "verified"
    CANCELLED = "cancelled", "cancelled"


S = ShipmentState
SHIPMENT_LIFECYCLE = StateMachine(
    "shipment",
    [
        ("ready", [S.PLANNED], S.READY),
        ("depart", [S.PLANNED, S.READY], S.DEPARTED),
        ("arrive_at_hub", [S.DEPARTED], S.AT_HUB),
        ("hand_over", [S.AT_HUB], S.HANDED_OVER),
        ("receive", [S.HANDED_OVER], S.RECEIVED),
        ("verify", [S.RECEIVED], S.VERIFIED),
        # Goods that have left their depot are never cancelled: they are received (short).
        ("cancel", [S.PLANNED, S.READY], S.CANCELLED),
    ],
)
# On the move: fixed in every later plan while not yet through the hub.
MOVING_STATES = (S.DEPARTED, S.AT_HUB, S.HANDED_OVER, S.RECEIVED, S.VERIFIED)
OPEN_STATES = (S.PLANNED, S.READY, S.DEPARTED, S.AT_HUB, S.HANDED_OVER, S.RECEIVED)
# The steps taken by the party taking custody (the hub, then the receiving unit).
CUSTODY = {"arrive_at_hub": "hub", "hand_over": "unit", "receive": "unit"}


class ShipmentQuerySet(ControlledQuerySet):
    def visible_to(self, user: User) -> Self:
        """Movement confidentiality (DESIGN.md, rule 4; docs/shipments.md): coordinators and
        auditors, the sending donor, and the logistics officers of the hub on the route and of
        the receiving unit, each within their clearance; anyone else only once the shipment is
        verified and its embargo has passed, and then by its own classification and
        releasability."""
        org_id = getattr(user, "organisation_id", None) if user.is_authenticated else None
        if org_id is None:
            return self.none().restricted_for(user)
        cleared = Q(classification__lte=user.clearance)
        if Audience.COORDINATOR in audiences(user):
            return self.filter(cleared).restricted_for(user)
        party = Q(owner_id=org_id)
        if has_role(user, Role.LOGISTICS_OFFICER):
            party |= Q(hub__owner_id=org_id) | Q(receiving_unit_id=org_id)
        settled = Q(state=S.VERIFIED, verified_at__lte=embargo_cutoff()) & visibility_q(
            self.model, user)
        return self.filter(cleared & party | settled).restricted_for(user)


def embargo_cutoff():
    """Verified before this moment: the shipment's movement is history, past its embargo."""
    return timezone.now() - timedelta(days=settings.CLEARINGHOUSE_MOVEMENT_EMBARGO_DAYS)


class Shipment(Controlled, Versioned):
    """One consignment. Its owner is the sending donor; its classification the highest of
    what it carries (pledges and needs)."""

    plan = models.ForeignKey("planning.Plan", on_delete=models.PROTECT, related_name="+",
                             help_text="The adopted plan it was made from.")
    hub = models.ForeignKey("logistics.Hub", on_delete=models.PROTECT, related_name="shipments")
    origin = models.CharField("origin depot", max_length=150, blank=True, default="")
    region = models.ForeignKey("parties.Region", on_delete=models.PROTECT, related_name="+",
                               help_text="The destination region.")
    receiving_unit = models.ForeignKey(
        "parties.Organisation", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text="The recipient unit that takes custody at hand-over.")
    anonymous = models.BooleanField(
        default=False, help_text="Carries an anonymous donor's pledges: the donor and its depot "
                                 "are shown only to the donor and the coordinators.")
    state = models.CharField(max_length=12, choices=ShipmentState.choices,
                             default=ShipmentState.PLANNED, editable=False)
    # The plan's dates, then what is expected now (a slip moves the expected dates only).
    planned_hub_on = models.DateField(help_text="The first day of the week the hub handles it.")
    planned_arrival_on = models.DateField()
    expected_ready_on = models.DateField()
    expected_hub_on = models.DateField()
    expected_arrival_on = models.DateField()
    departed_on = models.DateField(null=True, blank=True)
    at_hub_on = models.DateField(null=True, blank=True)
    handed_over_on = models.DateField(null=True, blank=True)
    received_on = models.DateField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ShipmentQuerySet.as_manager()
    history = History(excluded_fields=["created_at"])

    class Meta:
        ordering = ["expected_hub_on", "id"]
        indexes = [models.Index(fields=["hub", "expected_hub_on"]),
                   models.Index(fields=["state", "expected_arrival_on"]),
                   models.Index(fields=["owner", "state"])]

    def __str__(self):
        return f"Shipment {self.pk}"

    @property
    def late(self) -> bool:
        return self.expected_arrival_on > self.planned_arrival_on


class ShipmentLine(models.Model):
    """Units of one allocation in one shipment; what left the depot, and what was received.
    Seen through its shipment."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    allocation = models.ForeignKey("planning.Allocation", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   help_text="The allocation of the plan in force it carries.")
    pledge = models.ForeignKey("pledges.Pledge", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    fund = models.ForeignKey("pledges.Pledge", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    offer = models.ForeignKey("pledges.SupplierOffer", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    need = models.ForeignKey("needs.Need", on_delete=models.PROTECT, related_name="+")
    item_type = models.ForeignKey("catalogue.ItemType", on_delete=models.PROTECT,
                                  related_name="+")
    quantity = models.DecimalField(max_digits=14, decimal_places=3,
                                   help_text="Planned on this shipment.")
    shipped = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True,
                                  help_text="What left the depot (set when it departs).")

    objects = VisibleQuerySet.as_manager()

    class Meta:
        ordering = ["shipment", "id"]
        indexes = [models.Index(fields=["need"]), models.Index(fields=["pledge"])]

    def __str__(self):
        return f"Line {self.pk} of shipment {self.shipment_id}"


class EventKind(models.TextChoices):
    PLANNED = "planned", "planned"
    READY = "ready", "ready"
    DEPARTED = "departed", "departed"
    AT_HUB = "at_hub", "at the hub"
    HANDED_OVER = "handed_over", "handed over"
    RECEIVED = "received", "received"
    VERIFIED = "verified", "verified"
    CANCELLED = "cancelled", "cancelled"
    SLIPPED = "slipped", "delayed"


class ShipmentEvent(models.Model):
    """One step of a shipment: when, where, who, and the quantities per line (line id →
    quantity) it recorded. Append-only: history is the events themselves."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=EventKind.choices)
    happened_on = models.DateField()
    place = models.CharField(max_length=150, blank=True, default="")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="+")
    organisation = models.ForeignKey("parties.Organisation", on_delete=models.PROTECT,
                                     related_name="+")
    quantities = models.JSONField(default=dict, blank=True)
    note = models.CharField(max_length=500, blank=True, default="")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = VisibleQuerySet.as_manager()
    history = History()

    class Meta:
        ordering = ["shipment", "happened_on", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.shipment_id})"


class ReceiptReason(models.TextChoices):
    NOT_LOADED = "not_loaded", "not loaded at the depot"
    LOST_IN_TRANSIT = "lost_in_transit", "lost in transit"
    DAMAGED_IN_TRANSIT = "damaged_in_transit", "damaged in transit"
    DAMAGED_AT_HUB = "damaged_at_hub", "damaged at the hub"
    WRONG_ITEM_SENT = "wrong_item_sent", "a different item was sent"
    COUNT_DIFFERS = "count_differs", "the count differs from the papers"
    OTHER = "other", "other (see the note)"


class Receipt(models.Model):
    """The receiving unit's count of one line: accepted, short, damaged, wrong item."""

    line = models.OneToOneField(ShipmentLine, on_delete=models.CASCADE, related_name="receipt")
    accepted = models.DecimalField(max_digits=14, decimal_places=3)
    short = models.DecimalField(max_digits=14, decimal_places=3, default=0)
    damaged = models.DecimalField(max_digits=14, decimal_places=3, default=0)
    wrong_item = models.DecimalField(max_digits=14, decimal_places=3, default=0)
    reason = models.CharField(max_length=20, choices=ReceiptReason.choices, blank=True,
                              default="")
    note = models.CharField(max_length=500, blank=True, default="")
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    received_on = models.DateField()

    objects = VisibleQuerySet.as_manager()
    history = History()

    def __str__(self):
        return f"Receipt of line {self.line_id}"


class DiscrepancyKind(models.TextChoices):
    SHORT = "short", "short"
    DAMAGED = "damaged", "damaged"
    WRONG_ITEM = "wrong_item", "wrong item"


class DiscrepancyState(models.TextChoices):
    OPEN = "open", "open"
    RESOLVED = "resolved", "resolved"


class Resolution(models.TextChoices):
    REPLACED = "replaced", "replaced by the donor"
    WRITTEN_OFF = "written_off", "written off"
    FOUND = "found", "found and received"


DISCREPANCY_LIFECYCLE = StateMachine(
    "discrepancy", [("resolve", [DiscrepancyState.OPEN], DiscrepancyState.RESOLVED)])


class Discrepancy(Versioned):
    """A difference between what was shipped and what was accepted: the sending donor and the
    coordinator see it; it stays open until resolved. Seen through its shipment."""

    line = models.ForeignKey(ShipmentLine, on_delete=models.CASCADE,
                             related_name="discrepancies")
    kind = models.CharField(max_length=12, choices=DiscrepancyKind.choices)
    quantity = models.DecimalField(max_digits=14, decimal_places=3)
    reason = models.CharField(max_length=20, choices=ReceiptReason.choices)
    note = models.CharField(max_length=500, blank=True, default="")
    state = models.CharField(max_length=10, choices=DiscrepancyState.choices,
                             default=DiscrepancyState.OPEN, editable=False)
    resolution = models.CharField(max_length=12, choices=Resolution.choices, blank=True,
                                  default="")
    resolution_note = models.CharField(max_length=500, blank=True, default="")
    opened_at = models.DateTimeField(auto_now_add=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = VisibleQuerySet.as_manager()
    history = History(excluded_fields=["opened_at"])

    class Meta:
        ordering = ["-opened_at", "id"]
        verbose_name_plural = "discrepancies"

    def __str__(self):
        return f"Discrepancy {self.pk}"
