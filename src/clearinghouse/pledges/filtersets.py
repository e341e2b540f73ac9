"""Filters for pledges and stock positions, shared by the API and the pages.

Every filter, search and sort by donor goes through ``shown_donor_id`` (see
``PledgeQuerySet.visible_to``) so that none can single out an anonymous donor.
"""

import django_filters as df
from django.db.models import Q, QuerySet

from clearinghouse.catalogue.models import CapabilityArea, ItemType
from clearinghouse.core.filters import IdFilter
from clearinghouse.parties.models import Organisation, OrganisationKind

from .models import BackfillOrder, Pledge, PledgeKind, PledgeState, StockPosition

DONOR_KINDS = (OrganisationKind.DONOR_NATION, OrganisationKind.DONOR_ORGANISATION)


def shown_donors(user) -> QuerySet[Organisation]:
    """The donors a page's donor filter offers: those whose pledges ``user`` sees with their
    donor shown (never every organisation, never one anonymous to the reader). Any donor is
    still accepted, and finds nothing the reader may not see."""
    return Organisation.objects.filter(
        kind__in=DONOR_KINDS, pk__in=Pledge.objects.visible_to(user).values("shown_donor_id"))


class PledgeFilterSet(df.FilterSet):
    q = df.CharFilter(method="search", label="Search")
    state = df.MultipleChoiceFilter(choices=PledgeState.choices, distinct=False)
    kind = df.MultipleChoiceFilter(choices=PledgeKind.choices, distinct=False)
    donor = df.ModelChoiceFilter(
        queryset=Organisation.objects.filter(kind__in=DONOR_KINDS), field_name="shown_donor_id",
        method="by_donor",
        label="Donor",
    )
    item_type = df.ModelChoiceFilter(queryset=ItemType.objects.all())
    area = df.ModelChoiceFilter(
        queryset=CapabilityArea.objects.all(), to_field_name="code", field_name="item_type__area"
    )
    need = IdFilter(field_name="shown_need_id", label="Need")
    free = df.BooleanFilter(
        field_name="shown_need_id", lookup_expr="isnull", label="Free (no need you can see)"
    )
    below_target = df.BooleanFilter(field_name="shown_below_target")
    anonymous = df.BooleanFilter()
    available_after = df.DateFilter(field_name="earliest_availability", lookup_expr="gte")
    available_before = df.DateFilter(field_name="earliest_availability", lookup_expr="lte")
    ordering = df.OrderingFilter(
        fields=(
            ("id", "id"), ("earliest_availability", "earliest_availability"),
            ("quantity", "quantity"), ("amount_eur", "amount_eur"), ("state", "state"),
            ("shown_donor_id", "donor"), ("created_at", "created_at"),
        )
    )

    class Meta:
        model = Pledge
        fields = []

    # ``value`` (an Organisation) is left without a hint on purpose: drf-spectacular would
    # take a hint for the filter's type and document the donor filter as a string, not an id.
    def by_donor(self, queryset: QuerySet[Pledge], name: str, value) -> QuerySet[Pledge]:
        """Pledges of the donor ``value``, never those where it is anonymous to the reader."""
        return queryset.filter(shown_donor_id=value.pk)

    def search(self, queryset: QuerySet[Pledge], name: str, value: str) -> QuerySet[Pledge]:
        """Pledges whose item, course, depot (donor shown) or donor's name mention ``value``."""
        donors = Organisation.objects.filter(name__icontains=value).values("pk")
        return queryset.filter(
            Q(item_type__name__icontains=value)
            | Q(course__icontains=value)
            | (Q(origin_depot__icontains=value) & Q(shown_donor_id__isnull=False))
            | Q(shown_donor_id__in=donors)
        )


class StockPositionFilterSet(df.FilterSet):
    q = df.CharFilter(field_name="item_type__name", lookup_expr="icontains", label="Search")
    item_type = df.ModelChoiceFilter(queryset=ItemType.objects.all())
    area = df.ModelChoiceFilter(
        queryset=CapabilityArea.objects.all(), to_field_name="code", field_name="item_type__area"
    )
    ordering = df.OrderingFilter(fields=("id", "quantity_held", "target_minimum"))

    owner = df.ModelChoiceFilter(queryset=Organisation.objects.filter(kind__in=DONOR_KINDS))

    class Meta:
        model = StockPosition
        fields = []


def _visible_positions(request) -> QuerySet[StockPosition]:
    return StockPosition.objects.visible_to(request.user)


class BackfillOrderFilterSet(df.FilterSet):
    # The choices are the positions the caller sees: an invisible one is refused exactly as
    # one that does not exist (400), never answered with an empty list that tells it exists.
    stock_position = df.ModelChoiceFilter(queryset=_visible_positions)

    class Meta:
        model = BackfillOrder
        fields = []
