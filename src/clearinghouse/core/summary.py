"""Aggregates over what the caller sees (DESIGN.md, rule 5: computed over visible records)."""

from collections.abc import Callable

from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request


class GroupSerializer(serializers.Serializer):
    key = serializers.JSONField(allow_null=True)
    label = serializers.CharField(allow_null=True)
    count = serializers.IntegerField()


def summary_action(groups: dict[str, tuple[str, str | None]],
                   serializer: type[GroupSerializer]) -> Callable:
    """``GET /summary/``: one whole array of groups (never paged; the list's filters apply),
    grouped by ``group_by``, one of ``groups`` (the first by default)."""
    parameter = OpenApiParameter(
        "group_by", str, enum=list(groups), default=next(iter(groups)),
        description="What to group the visible, filtered records by.",
    )

    def decorate(method: Callable) -> Callable:
        method = action(detail=False, methods=["get"], pagination_class=None)(method)
        return extend_schema(responses=serializer(many=True), parameters=[parameter])(method)

    return decorate


def summarise(rows: QuerySet, request: Request, groups: dict[str, tuple[str, str | None]],
              measures: dict, labels: dict[str, Callable[[list], dict]] | None = None,
              ) -> list[dict]:
    """Group the (already visible and filtered) ``rows`` by the ``group_by`` query parameter."""
    group_by = request.query_params.get("group_by", next(iter(groups)))
    if group_by not in groups:
        raise ValidationError({"group_by": [f"Choose one of: {', '.join(groups)}."]})
    primary, fallback = groups[group_by]
    key = Coalesce(F(primary), F(fallback)) if fallback else F(primary)
    found = list(rows.order_by().annotate(key=key).values("key").annotate(**measures)
                 .order_by("key"))
    names = (labels or {}).get(group_by)
    mapping = names([r["key"] for r in found]) if names else {}
    for row in found:
        # A label is text: the key's name where ``labels`` names it, else the key as text.
        default = None if names or row["key"] is None else str(row["key"])
        row["label"] = mapping.get(row["key"], default)
    return found
