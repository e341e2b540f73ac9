"""How the API shows the catalogue."""

from rest_framework import serializers

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
