"""API plumbing: pagination and errors as JSON that name the field."""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import page_not_found
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from clearinghouse.security.models import require_visible

from .errors import IllegalTransition, StaleEdit
from .history import history_entries
from .lifecycle import StateMachine

# The history of one record is one whole array: no pages, and the list's filters do not apply
# (they would hide the record itself).
HISTORY_ACTION = {"filter_backends": [], "pagination_class": None}


class ChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    before = serializers.JSONField(allow_null=True)
    after = serializers.JSONField(allow_null=True)


class HistoryEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    when = serializers.DateTimeField()
    type = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    who = serializers.CharField(allow_null=True)
    organisation = serializers.CharField(allow_null=True)
    changes = ChangeSerializer(many=True)
    withheld = serializers.BooleanField(
        required=False, help_text="The values before this change are not shown: the record was "
        "classified above the reader's clearance then.")


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Domain refusals become 400 (bad input) or 409 (stale edit, illegal state), by field."""
    if isinstance(exc, (StaleEdit, IllegalTransition)):
        return Response(exc.message_dict, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict")
            else {"non_field_errors": exc.messages}
        )
        exc = ValidationError(detail)
    elif isinstance(exc, DjangoPermissionDenied):
        return Response({"detail": str(exc) or "Permission denied."}, status=403)
    return drf_exception_handler(exc, context)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's 404 for an address no route matches (``/api/needs/0.5/``): under ``/api/`` the
    JSON refusal the schema documents, elsewhere the page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)


class VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """A related record the caller can see; an invisible one is reported as absent."""

    def get_queryset(self) -> QuerySet:
        request = self.context.get("request")
        return self.queryset.model.objects.visible_to(request.user) if request else self.queryset


class ActionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, help_text="The version you read; a stale one is refused with 409."
    )


def expected_version(request: Request) -> int | None:
    """The version the caller edited: ``version`` in the body or an ``If-Match`` header."""
    raw = request.data.get("version") if hasattr(request.data, "get") else None
    if raw is None:
        raw = request.headers.get("If-Match", "").strip('W/"') or None
    if raw is None:
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise ValidationError({"version": ["A whole number is required."]}) from None


class Restricted:
    """For DRF's generic views: every list and every object they read passes
    ``filter_queryset``, which refuses rows not restricted to what the caller sees."""

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        return super().filter_queryset(require_visible(queryset, self.request.user))


class VisibleViewSet(Restricted, viewsets.GenericViewSet):
    """Reads only what ``visible_to(user)`` allows: an invisible record is a 404, never a 403.

    ``query`` (the app's ``queries.py``: user -> rows) gives the rows; by default the model's
    ``visible_to(user)``.
    """

    model = None
    query = None

    def get_queryset(self) -> QuerySet:
        user = self.request.user
        return self.query(user) if self.query else self.model.objects.visible_to(user)

    def history_masks(self, record: Any) -> dict:
        """Keyword arguments of ``history_entries`` that mask what this reader may not see."""
        return {}

    @extend_schema(responses=HistoryEntrySerializer(many=True))
    @action(detail=True, methods=["get"], **HISTORY_ACTION)
    def history(self, request: Request, pk: str | None = None) -> Response:
        """Every change of the record: who, when, before and after."""
        record = self.get_object()
        return Response(history_entries(record, self.request.user.clearance,
                                        **self.history_masks(record)))

    def reload(self, record: Model) -> Model:
        """The record as the caller sees it, with the queryset's annotations (the list's
        filters in the query string do not apply)."""
        return require_visible(self.get_queryset(), self.request.user).get(pk=record.pk)


class ReadOnlyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, VisibleViewSet):
    """Reference data, kept in the admin; read by every signed-in user it is visible to."""


class VersionedWrites:
    """Create and update through the domain's services; read back as the caller sees it."""

    create_service = update_service = None

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        record = type(self).create_service(self.request.user, serializer.validated_data)
        serializer.instance = self.reload(record)

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        data = dict(serializer.validated_data)
        data.pop("version", None)
        record = type(self).update_service(
            self.request.user, serializer.instance, data, expected_version(self.request)
        )
        serializer.instance = self.reload(record)


class DomainViewSet(
    VersionedWrites, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
    mixins.UpdateModelMixin, VisibleViewSet,
):
    """Reads what the caller may see; creates and edits through the domain's services."""


def lifecycle_actions(
    viewset: type[VisibleViewSet], machine: StateMachine, act: Callable[..., Model],
    read_serializer: type[serializers.BaseSerializer],
) -> type[VisibleViewSet]:
    """Add ``POST /{id}/{action}/`` for each transition of ``machine``, calling ``act``."""
    for name in machine.transitions:
        def endpoint(self, request: Request, pk: str | None = None, _name: str = name) -> Response:
            record = self.get_object()
            done = act(request.user, record, _name, expected_version(request))
            return Response(read_serializer(self.reload(done), context={"request": request}).data)

        endpoint.__name__ = name
        endpoint.__doc__ = (
            f"Move the record from {', '.join(sorted(machine[name].sources))} to "
            f"'{machine[name].target}'. 409 if its state or version forbids it."
        )
        decorated = extend_schema(request=ActionSerializer, responses=read_serializer)(
            action(detail=True, methods=["post"], url_path=name.replace("_", "-"))(endpoint)
        )
        setattr(viewset, name, decorated)
    return viewset
