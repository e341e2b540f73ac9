import django_filters as df
from rest_framework import serializers

from clearinghouse.parties.api.views import ReadOnlyViewSet

from ..models import CapabilityArea, CapabilityCoalition, CompatibilityFamily, ItemType


class CapabilityAreaSerializer(serializers.ModelSerializer):
    class Meta:
        model = CapabilityArea
        fields = ("id", "code", "name")


class CapabilityCoalitionSerializer(serializers.ModelSerializer):
    class Meta:
        model = CapabilityCoalition
        fields = ("id", "name", "area", "lead_nations", "roadmap", "version")


class CompatibilityFamilySerializer(serializers.ModelSerializer):
    class Meta:
        model = CompatibilityFamily
        fields = ("id", "code", "name", "area", "description")


class ItemTypeSerializer(serializers.ModelSerializer):
    nsn = serializers.CharField(source="nsn_display", read_only=True,
                                help_text="Shown as 1005-01-123-4567.")

    class Meta:
        model = ItemType
        fields = (
            "id", "name", "nsn", "supply_class", "area", "family", "unit_of_issue",
            "indivisible", "unit_mass_kg", "pallets_per_unit", "unit_value_eur", "value_source",
            "lethal", "crew_course", "version",
        )


class ItemTypeFilterSet(df.FilterSet):
    q = df.CharFilter(field_name="name", lookup_expr="icontains", label="Search")
    area = df.ModelChoiceFilter(queryset=CapabilityArea.objects.all(), to_field_name="code")
    family = df.ModelChoiceFilter(
        queryset=CompatibilityFamily.objects.all(), to_field_name="code"
    )
    nsn = df.CharFilter(method="by_nsn")

    class Meta:
        model = ItemType
        fields = ["lethal", "indivisible", "supply_class"]

    def by_nsn(self, queryset, name, value):
        return queryset.filter(nsn=value.replace("-", "").replace(" ", ""))


class CapabilityAreaViewSet(ReadOnlyViewSet):
    model = CapabilityArea
    serializer_class = CapabilityAreaSerializer


class CapabilityCoalitionViewSet(ReadOnlyViewSet):
    model = CapabilityCoalition
    serializer_class = CapabilityCoalitionSerializer

    def get_queryset(self):
        return super().get_queryset().prefetch_related("lead_nations")


class CompatibilityFamilyViewSet(ReadOnlyViewSet):
    model = CompatibilityFamily
    serializer_class = CompatibilityFamilySerializer


class ItemTypeViewSet(ReadOnlyViewSet):
    model = ItemType
    serializer_class = ItemTypeSerializer
    filterset_class = ItemTypeFilterSet
