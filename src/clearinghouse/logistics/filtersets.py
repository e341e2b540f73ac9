"""Filters for hub closures, shared by the API and (to come) the hub's pages."""

import django_filters as df

from clearinghouse.core.filters import IdFilter

from .models import HubClosure


class HubClosureFilterSet(df.FilterSet):
    hub = IdFilter(field_name="hub_id", label="Hub")
    ends_after = df.DateFilter(field_name="ends_on", lookup_expr="gte",
                               label="Closed on or after this day")
    ordering = df.OrderingFilter(fields=("starts_on", "id"))

    class Meta:
        model = HubClosure
        fields = []
