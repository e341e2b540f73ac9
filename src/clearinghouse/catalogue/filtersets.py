"""Filters for the catalogue, shared by the API and the pages."""

import django_filters as df
from django.db.models import QuerySet

from .models import CapabilityArea, CompatibilityFamily, ItemType


class ItemTypeFilterSet(df.FilterSet):
    q = df.CharFilter(field_name="name", lookup_expr="icontains", label="Search")
    area = df.ModelChoiceFilter(queryset=CapabilityArea.objects.all(), to_field_name="code")
    family = df.ModelChoiceFilter(
        queryset=CompatibilityFamily.objects.all(), to_field_name="code"
    )
    nsn = df.CharFilter(method="by_nsn")
    ordering = df.OrderingFilter(
        fields=(("name", "name"), ("nsn", "nsn"), ("supply_class", "supply_class"),
                ("unit_value_eur", "unit_value_eur"), ("lethal", "lethal"))
    )

    class Meta:
        model = ItemType
        fields = ["lethal", "indivisible", "supply_class"]

    def by_nsn(self, queryset: QuerySet[ItemType], name: str, value: str) -> QuerySet[ItemType]:
        """Item types of an NSN, typed with or without dashes and spaces."""
        return queryset.filter(nsn=value.replace("-", "").replace(" ", ""))
