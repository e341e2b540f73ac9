"""How the API shows organisations, regions and the signed-in user."""

from rest_framework import serializers

from ..models import ApiToken, Organisation, Region, User


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


class ApiTokenSerializer(serializers.ModelSerializer):
    """A key as its owner sees it in the list: never the key itself."""

    class Meta:
        model = ApiToken
        fields = ("id", "name", "start", "created_at", "expires_at", "last_used_at",
                  "revoked_at")


class MakeTokenSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False, default="",
                                 help_text="What the key is for.")
    days = serializers.IntegerField(min_value=1, max_value=365, required=False,
                                    help_text="How long it is valid (default 30 days).")


class NewTokenSerializer(serializers.Serializer):
    """A key just made: shown this once; only its digest is kept."""

    id = serializers.IntegerField()
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()
