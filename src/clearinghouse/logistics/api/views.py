"""The logistics API: hubs, seen only by those they are released to; their closures, entered
by the hub's own logistics officers or a coordinator through ``logistics.services``."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from clearinghouse.core.api import (
    ActionSerializer,
    ReadOnlyViewSet,
    VisibleViewSet,
    expected_version,
)

from .. import queries, services
from ..filtersets import HubClosureFilterSet
from ..models import HubClosure
from .serializers import (
    ClosureChangeSerializer,
    HubClosureSerializer,
    HubSerializer,
    NewClosureSerializer,
)

NOT_FOUND = inline_serializer("HubNotFound", {"detail": serializers.CharField()})


class HubViewSet(ReadOnlyViewSet):
    """Logistics hubs: where cargo gathers, so seen only by those they are released to."""

    serializer_class = HubSerializer
    query = staticmethod(queries.hubs)


class HubClosureViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, VisibleViewSet):
    """Days on which a hub handles nothing, seen by whoever sees the hub. Its logistics officers
    and the coordinators add, move and lift them; every plan solved before is then stale."""

    model = HubClosure
    serializer_class = HubClosureSerializer
    filterset_class = HubClosureFilterSet
    query = staticmethod(queries.closures)

    def _read(self, closure: HubClosure, code: int = status.HTTP_200_OK) -> Response:
        body = HubClosureSerializer(self.reload(closure), context=self.get_serializer_context())
        return Response(body.data, status=code)

    @extend_schema(request=NewClosureSerializer, responses={
        201: HubClosureSerializer,
        404: OpenApiResponse(NOT_FOUND, description="No such hub among those you see.")})
    def create(self, request: Request) -> Response:
        """Close a hub from ``starts_on`` to ``ends_on``. 400 naming ``ends_on`` if it ends
        before it starts; 404 for a hub you do not see; 403 for one you may not close."""
        form = NewClosureSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        closure = services.add_closure(request.user, data["hub"], data["starts_on"],
                                       data["ends_on"], data["reason"])
        return self._read(closure, status.HTTP_201_CREATED)

    @extend_schema(request=ClosureChangeSerializer, responses=HubClosureSerializer)
    def update(self, request: Request, pk: str | None = None) -> Response:
        """Move or re-word the closure. 409 if your version is stale."""
        closure = self.get_object()
        form = ClosureChangeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        closure = services.change_closure(request.user, closure, data["version"],
                                          data["starts_on"], data["ends_on"], data["reason"])
        return self._read(closure)

    @extend_schema(request=ActionSerializer, responses={204: None})
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        """Lift the closure: the hub is open on those days again. 409 if your version (in the
        body or ``If-Match``) is stale."""
        services.lift_closure(request.user, self.get_object(), expected_version(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
