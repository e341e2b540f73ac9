"""Filters for shipments and discrepancies, shared by the API and the pages.

Shipments are filtered by what the reader is shown: the donor by ``shown_donor_id`` (an
anonymous donor hidden from the reader finds nothing), a need only among the needs the reader
sees. Nothing sorts by donor or origin, so an order cannot reveal an anonymous donor either;
every shipment a reader sees shows its movement, so sorting by its dates reveals nothing more.
"""

import django_filters as df
from django.db.models import F, QuerySet

from clearinghouse.core.filters import IdFilter
from clearinghouse.needs.models import Need

from .models import Discrepancy, DiscrepancyKind, DiscrepancyState, Shipment, ShipmentLine
from .models import ShipmentState as S


class ShipmentFilterSet(df.FilterSet):
    state = df.MultipleChoiceFilter(choices=S.choices, distinct=False)
    hub = IdFilter(field_name="hub_id", label="Hub")
    region = IdFilter(field_name="region_id", label="Destination region")
    receiving_unit = IdFilter(field_name="receiving_unit_id", label="Receiving unit")
    donor = IdFilter(field_name="shown_donor_id", label="Donor")
    need = IdFilter(method="carrying_need", label="Carries goods for this need")
    late = df.BooleanFilter(method="is_late", label="Expected after its planned arrival")
    ordering = df.OrderingFilter(fields=("id", "expected_hub_on", "expected_arrival_on",
                                         "planned_arrival_on"))

    class Meta:
        model = Shipment
        fields = []

    def carrying_need(self, rows: QuerySet, name: str, value: int) -> QuerySet:
        if self.request is None:
            return rows.none()
        seen = Need.objects.visible_to(self.request.user).filter(pk=value).values("pk")
        return rows.filter(pk__in=ShipmentLine.objects.filter(need__in=seen)
                           .values("shipment_id"))

    def is_late(self, rows: QuerySet, name: str, value: bool) -> QuerySet:
        if value:
            return rows.filter(expected_arrival_on__gt=F("planned_arrival_on"))
        return rows.filter(expected_arrival_on__lte=F("planned_arrival_on"))


class DiscrepancyFilterSet(df.FilterSet):
    state = df.ChoiceFilter(choices=DiscrepancyState.choices)
    kind = df.ChoiceFilter(choices=DiscrepancyKind.choices)
    shipment = IdFilter(field_name="line__shipment_id", label="Shipment")
    ordering = df.OrderingFilter(fields=("id", "opened_at"))

    class Meta:
        model = Discrepancy
        fields = []
