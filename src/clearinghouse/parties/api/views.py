from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import api_view
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from clearinghouse.core.api import ReadOnlyViewSet

from ..filtersets import OrganisationFilterSet
from ..models import ApiToken, Organisation, Region
from .serializers import (
    ApiTokenSerializer,
    MakeTokenSerializer,
    MeSerializer,
    NewTokenSerializer,
    OrganisationSerializer,
    RegionSerializer,
    SignInSerializer,
)


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


class TokenView(APIView):
    """``POST username, password`` (and ``otp``, the code of the user's second factor, when the
    user has one or must have one) → a new API key, shown this once (only its digest is kept),
    valid ``CLEARINGHOUSE_TOKEN_DAYS``. Signs in with Django's own request, so that an account
    locked after failed sign-ins (or wrong codes) answers 429 here as on every other path; and
    limits the rate per address."""

    throttle_classes = [AnonRateThrottle]
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(request=SignInSerializer, responses={200: NewTokenSerializer})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = SignInSerializer(data=request.data, context={"request": request._request})
        form.is_valid(raise_exception=True)
        second = form.validated_data.get("second_factor", False)
        token, key = ApiToken.issue(
            form.validated_data["user"],
            "signed in with a password and a code" if second else "signed in with a password",
            second_factor=second)
        return Response(NewTokenSerializer({"token": key, "id": token.pk,
                                            "expires_at": token.expires_at}).data)


def _second_factor(request: Request) -> bool:
    """Whether the caller passed a second factor: its key was given for one, or its session
    entered one. A key made now inherits it."""
    if isinstance(request.auth, ApiToken):
        return request.auth.second_factor
    verified = getattr(request._request.user, "is_verified", None)
    return bool(verified and verified())


class ApiTokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Your own API keys: listed by name and first characters (never the key), made (the key
    shown once), revoked (``DELETE``). Another user's keys are absent (404)."""

    serializer_class = ApiTokenSerializer

    def get_queryset(self) -> QuerySet[ApiToken]:
        if getattr(self, "swagger_fake_view", False):  # the schema's look at the view
            return ApiToken.objects.none()
        return ApiToken.objects.filter(user=self.request.user)

    @extend_schema(request=MakeTokenSerializer, responses={201: NewTokenSerializer})
    def create(self, request: Request) -> Response:
        form = MakeTokenSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        token, key = ApiToken.issue(request.user, **form.validated_data,
                                    second_factor=_second_factor(request))
        return Response(NewTokenSerializer({"token": key, "id": token.pk,
                                            "expires_at": token.expires_at}).data, status=201)

    def perform_destroy(self, token: ApiToken) -> None:
        token.revoke()  # kept, revoked: the list shows when
