"""Filters for organisations, shared by the API and the pages."""

import django_filters as df
from django.db.models import Q, QuerySet

from .models import AllianceStatus, Organisation, OrganisationKind


class OrganisationFilterSet(df.FilterSet):
    """Kind, ally or partner, codes, a search box and sorting."""

    q = df.CharFilter(method="search", label="Search")
    kind = df.ChoiceFilter(choices=OrganisationKind.choices)
    alliance_status = df.ChoiceFilter(choices=AllianceStatus.choices, label="Ally or partner")
    ordering = df.OrderingFilter(
        fields=(("code", "code"), ("name", "name"), ("kind", "kind"),
                ("alliance_status", "alliance_status"), ("gdp_eur", "gdp_eur"))
    )

    class Meta:
        model = Organisation
        fields = ["kind", "alliance_status", "iso3", "code", "non_lethal_only"]

    def search(
        self, queryset: QuerySet[Organisation], name: str, value: str
    ) -> QuerySet[Organisation]:
        """Organisations whose name or code contains ``value``, or whose ISO3 is ``value``."""
        return queryset.filter(
            Q(name__icontains=value) | Q(code__icontains=value) | Q(iso3__iexact=value)
        )
