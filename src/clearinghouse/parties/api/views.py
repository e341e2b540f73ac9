from drf_spectacular.utils import extend_schema
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle

from clearinghouse.core.api import ReadOnlyViewSet

from ..filtersets import OrganisationFilterSet
from ..models import Organisation, Region
from .serializers import MeSerializer, OrganisationSerializer, RegionSerializer


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
def me(request: Request) -> Response:
    """The signed-in user: organisation, roles and clearance."""
    return Response(MeSerializer(request.user).data)


class TokenView(ObtainAuthToken):
    """``POST username, password`` → the caller's API token. Signs in with Django's own
    request, so that an account locked after failed sign-ins answers 429 here as on every
    other path; and limits the rate per address (DRF's view is unthrottled)."""

    throttle_classes = [AnonRateThrottle]

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "request": self.request._request}
