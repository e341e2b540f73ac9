from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.response import Response

from clearinghouse.core.api import ReadOnlyViewSet

from ..filtersets import OrganisationFilterSet
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


class RegionViewSet(ReadOnlyViewSet):
    model = Region
    serializer_class = RegionSerializer
    filterset_fields = ["code"]


class OrganisationViewSet(ReadOnlyViewSet):
    model = Organisation
    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilterSet


@extend_schema(responses=MeSerializer)
@api_view(["GET"])
def me(request):
    """The signed-in user: organisation, roles and clearance."""
    return Response(MeSerializer(request.user).data)
