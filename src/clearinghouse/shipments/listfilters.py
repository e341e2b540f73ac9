"""Filters of the shipments page (the API has its own filterset).

The donor filter goes through ``shown_donor_id`` (``queries.shipments``) so that none can
single out an anonymous donor; hubs, regions and donors offered are those of the shipments
the reader sees (any is accepted, and finds nothing the reader may not see).
"""

from __future__ import annotations

import django_filters as df
from django.db.models import F, Q, QuerySet
from django.utils.text import capfirst

from clearinghouse.logistics.models import Hub
from clearinghouse.parties.models import Organisation, Region, User

from . import queries
from .models import Shipment, ShipmentState


def shown_hubs(user: User) -> QuerySet[Hub]:
    return Hub.objects.filter(pk__in=queries.shipments(user).values("hub_id")).order_by("name")


def shown_regions(user: User) -> QuerySet[Region]:
    return Region.objects.filter(
        pk__in=queries.shipments(user).values("region_id")).order_by("name")


class ShipmentListFilter(df.FilterSet):
    q = df.CharFilter(method="search", label="Search")
    state = df.MultipleChoiceFilter(
        choices=[(value, capfirst(label)) for value, label in ShipmentState.choices],
        distinct=False)
    hub = df.ModelChoiceFilter(queryset=Hub.objects.all(), label="Hub")
    donor = df.ModelChoiceFilter(queryset=Organisation.objects.all(), method="by_donor",
                                 label="Donor")
    region = df.ModelChoiceFilter(queryset=Region.objects.all(), label="Destination region")
    late = df.BooleanFilter(method="by_late", label="Late")
    ordering = df.OrderingFilter(fields=(
        ("id", "id"), ("expected_hub_on", "expected_hub_on"),
        ("expected_arrival_on", "expected_arrival_on"), ("state", "state")))

    class Meta:
        model = Shipment
        fields = []

    def by_donor(self, queryset: QuerySet, name: str, value) -> QuerySet:
        """Shipments of the donor ``value``, never those where it is anonymous to the reader."""
        return queryset.filter(shown_donor_id=value.pk)

    def by_late(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        late = Q(expected_arrival_on__gt=F("planned_arrival_on"))
        return queryset.filter(late) if value else queryset.exclude(late)

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """A shipment's number, or words of its hub, region, receiving unit, or (where the
        donor is shown) its donor or origin."""
        value = value.strip().lower().removeprefix("shipment").strip()
        if value.isdigit():
            return queryset.filter(pk=int(value))
        return queryset.filter(
            Q(hub__name__icontains=value) | Q(region__name__icontains=value)
            | Q(receiving_unit__name__icontains=value) | Q(shown_origin__icontains=value)
            | Q(shown_donor_id__in=Organisation.objects.filter(name__icontains=value)
                .values("pk")))
