"""Filters for needs, shared by the API and the pages."""

import django_filters as df
from django.db.models import Q, QuerySet

from clearinghouse.catalogue.models import CapabilityArea, CompatibilityFamily, ItemType
from clearinghouse.parties.models import Organisation, OrganisationKind, Region

from .models import Need, NeedState, Priority


class NeedFilterSet(df.FilterSet):
    q = df.CharFilter(method="search", label="Search")
    # Needs are owned by the recipient and its units: only they are offered.
    owner = df.ModelChoiceFilter(queryset=Organisation.objects.filter(kind__in=(
        OrganisationKind.RECIPIENT, OrganisationKind.RECIPIENT_UNIT)))
    state = df.MultipleChoiceFilter(choices=NeedState.choices, distinct=False)
    priority = df.MultipleChoiceFilter(choices=Priority.choices, distinct=False)
    region = df.ModelChoiceFilter(queryset=Region.objects.all(), to_field_name="code")
    area = df.ModelChoiceFilter(
        queryset=CapabilityArea.objects.all(), to_field_name="code", method="in_area"
    )
    item_type = df.ModelChoiceFilter(queryset=ItemType.objects.all())
    family = df.ModelChoiceFilter(queryset=CompatibilityFamily.objects.all(), to_field_name="code")
    required_by_after = df.DateFilter(field_name="required_by", lookup_expr="gte")
    required_by_before = df.DateFilter(field_name="required_by", lookup_expr="lte")
    ordering = df.OrderingFilter(
        fields=("priority", "required_by", "quantity", "state", "id", "created_at")
    )

    class Meta:
        model = Need
        fields = []

    def search(self, queryset: QuerySet[Need], name: str, value: str) -> QuerySet[Need]:
        """Needs whose justification, item type, family or region mentions ``value``."""
        return queryset.filter(
            Q(justification__icontains=value)
            | Q(item_type__name__icontains=value)
            | Q(family__name__icontains=value)
            | Q(region__name__icontains=value)
        )

    def in_area(
        self, queryset: QuerySet[Need], name: str, value: CapabilityArea
    ) -> QuerySet[Need]:
        """Needs of an item type or family in the capability area ``value``."""
        return queryset.filter(Q(item_type__area=value) | Q(family__area=value))
