"""How the API shows organisations, regions and the signed-in user."""

from rest_framework import serializers

from ..models import Organisation, Region, User


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ("id", "code", "name")


class OrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = (
            "id", "code", "name", "kind", "iso3", "alliance_status", "gdp_eur", "gdp_year",
            "gdp_source", "non_lethal_only", "parent", "region", "version",
        )


class MeSerializer(serializers.ModelSerializer):
    organisation = OrganisationSerializer(read_only=True)

    class Meta:
        model = User
        fields = ("id", "username", "first_name", "last_name", "organisation", "roles",
                  "clearance")
