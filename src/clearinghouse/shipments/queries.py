"""Shipments as a user sees them (docs/shipments.md): which shipments, and of each the donor
and origin only where the reader may know the donor (rule 3). Lines, events, receipts and
discrepancies are seen through their shipment. One place for pages, API and exports.
"""

from __future__ import annotations

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When

from clearinghouse.parties.models import Organisation, User
from clearinghouse.security.roles import sees_donors

from .models import Discrepancy, DiscrepancyState, Shipment, ShipmentEvent, ShipmentLine


def shipments(user: User) -> QuerySet[Shipment]:
    """The shipments ``user`` sees, annotated ``shown_donor_id`` (NULL for an anonymous donor
    hidden from the reader) and ``shown_origin`` (empty then: a depot names its donor)."""
    rows = Shipment.objects.visible_to(user)
    if sees_donors(user):
        return rows.annotate(shown_donor_id=F("owner_id"), shown_origin=F("origin")
                             ).select_related("hub", "region", "receiving_unit", "owner")
    hidden = Q(anonymous=True) & ~Q(owner_id=getattr(user, "organisation_id", None))
    return rows.annotate(
        shown_donor_id=Case(When(hidden, then=None), default=F("owner_id"),
                            output_field=IntegerField()),
        shown_origin=Case(When(hidden, then=Value("")), default=F("origin")),
    ).select_related("hub", "region", "receiving_unit", "owner")


def lines(user: User, shipment_ids=None) -> QuerySet[ShipmentLine]:
    """Lines of the shipments ``user`` sees (of ``shipment_ids`` where given)."""
    seen = shipments(user)
    if shipment_ids is not None:
        seen = seen.filter(pk__in=shipment_ids)
    return ShipmentLine.objects.filter(shipment__in=seen.values("pk")).select_related(
        "item_type", "need", "receipt").restricted_for(user)


def events(user: User, shipment: Shipment) -> QuerySet[ShipmentEvent]:
    """The steps of one shipment ``shipments(user)`` gave."""
    return (ShipmentEvent.objects.filter(shipment__in=shipments(user).filter(pk=shipment.pk)
                                         .values("pk"))
            .select_related("user", "organisation").restricted_for(user))


def discrepancies(user: User, open_only: bool = False) -> QuerySet[Discrepancy]:
    """Discrepancies of the shipments ``user`` sees."""
    rows = Discrepancy.objects.filter(line__shipment__in=shipments(user).values("pk"))
    if open_only:
        rows = rows.filter(state=DiscrepancyState.OPEN)
    return rows.select_related("line__item_type", "line__shipment", "line__need",
                               "resolved_by").restricted_for(user)


def shown_donors(user: User) -> QuerySet[Organisation]:
    """The donors a page's donor filter offers: those of the shipments ``user`` sees with their
    donor shown (never one anonymous to the reader)."""
    return Organisation.objects.filter(
        pk__in=shipments(user).exclude(shown_donor_id=None).values("shown_donor_id")
    ).order_by("name")


def for_need(user: User, need_id: int) -> QuerySet[Shipment]:
    """The shipments ``user`` sees that carry something for the need ``need_id``."""
    return shipments(user).filter(
        pk__in=ShipmentLine.objects.filter(need_id=need_id).values("shipment_id"))


def shipment_discrepancies(user: User, shipment: Shipment) -> QuerySet[Discrepancy]:
    """The discrepancies of one shipment ``shipments(user)`` gave, open first."""
    return discrepancies(user).filter(line__shipment_id=shipment.pk).order_by(
        "state", "-opened_at", "id")
