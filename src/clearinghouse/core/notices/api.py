"""The notices API: ``/api/notices/`` lists the caller's notices (newest first, ``?unread=true``
for the unread only), ``POST /api/notices/{id}/read/`` marks one read and
``POST /api/notices/read-all/`` all of them. A notice the caller may not read is absent (404)."""

import django_filters as df
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from ..api import Restricted
from ..models import Notice
from . import inbox, mark_read


class NoticeSerializer(serializers.ModelSerializer):
    read = serializers.BooleanField(read_only=True, help_text="Whether you have read it.")
    record_type = serializers.SerializerMethodField(
        help_text="What it is about: need, pledge, plan or organisation.")
    record_id = serializers.IntegerField(source="object_id", read_only=True)

    class Meta:
        model = Notice
        fields = ("id", "kind", "text", "link", "record_type", "record_id", "created_at",
                  "read")

    def get_record_type(self, notice: Notice) -> str:
        return ContentType.objects.get_for_id(notice.content_type_id).model


class MarkSerializer(serializers.Serializer):
    read = serializers.BooleanField(required=False, default=True,
                                    help_text="true (the default): read; false: unread again.")


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notices were newly marked read.")


class NoticeFilterSet(df.FilterSet):
    unread = df.BooleanFilter(method="by_unread", label="Only the unread (true) or read (false).")

    class Meta:
        model = Notice
        fields = []

    def by_unread(self, queryset: QuerySet[Notice], name: str, value: bool) -> QuerySet[Notice]:
        return queryset.filter(read=not value)


class NoticeViewSet(Restricted, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                    viewsets.GenericViewSet):
    """Your notices: what changed for you, each shown while you may see its record."""

    serializer_class = NoticeSerializer
    filterset_class = NoticeFilterSet

    def get_queryset(self) -> QuerySet[Notice]:
        return inbox(self.request.user)

    @extend_schema(request=MarkSerializer, responses=NoticeSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        """Mark this notice read (or, with ``read: false``, unread again)."""
        notice = self.get_object()
        read = _read(request)
        mark_read(request.user, [notice.pk], read=read)
        notice.read = read
        return Response(NoticeSerializer(notice).data)

    @extend_schema(request=MarkSerializer, responses=MarkedSerializer)
    @action(detail=False, methods=["post"], url_path="read-all", filter_backends=[],
            pagination_class=None)
    def read_all(self, request: Request) -> Response:
        """Mark all your notices read (or, with ``read: false``, unread again)."""
        return Response({"marked": mark_read(request.user, read=_read(request))})


def _read(request: Request) -> bool:
    form = MarkSerializer(data=request.data)
    form.is_valid(raise_exception=True)
    return form.validated_data["read"]


router = SimpleRouter()
router.register("notices", NoticeViewSet, basename="notice")

urlpatterns = []
