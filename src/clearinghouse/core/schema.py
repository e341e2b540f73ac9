"""The API schema's generator: every operation documents every answer it can give.

drf-spectacular documents the success answer of each view. The refusals come from the same
few places for every view (``core.api.exception_handler``, DRF's permission, throttle and
pagination classes), so they are added here, by what the operation has, rather than view by
view, where a new view could forget one. A view states any other answer with
``extend_schema(responses=...)``; what it states is kept.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.plumbing import ResolvedComponent, force_instance
from rest_framework.permissions import AllowAny

from .serializers import MANY

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
PAGE_PARAMETERS = {"page", "page_size"}

ERROR_COMPONENTS: dict[str, dict[str, Any]] = {
    "Detail": {
        "type": "object",
        "description": "A refusal that concerns no one field.",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    "FieldErrors": {
        "type": "object",
        "description": "Bad input. Each key names a field (``non_field_errors``: the input as a "
                       "whole) and holds what was wrong with it: messages, or for a field of "
                       "many values an object by position. A body that cannot be read at all "
                       "answers ``detail``.",
        "properties": {
            "detail": {"type": "string"},
            "non_field_errors": {"type": "array", "items": {"type": "string"}},
        },
        "additionalProperties": {
            "anyOf": [{"type": "string"}, {"type": "array"}, {"type": "object"}],
        },
        "minProperties": 1,
    },
    "Conflict": {
        "type": "object",
        "description": "The edit was refused: ``version`` if the record changed since you read "
                       "it (or no version was sent), ``state`` if its state forbids the action.",
        "properties": {
            "version": {"type": "array", "items": {"type": "string"}},
            "state": {"type": "array", "items": {"type": "string"}},
        },
        "additionalProperties": False,
        "minProperties": 1,
    },
}

DESCRIPTIONS = {
    "400": "Bad input: the field errors say which field and why.",
    "403": "Not signed in, an invalid or expired key, or the action is not yours to take "
           "(the API answers 403, never 401).",
    "404": "No such record among those you may see (an invisible record is absent), or no "
           "such page.",
    "409": "A stale version, or a state that forbids the action.",
    "429": "Too many requests: wait the seconds in Retry-After. Also a sign-in locked "
           "after repeated wrong passwords.",
}
BODIES = {"400": "FieldErrors", "403": "Detail", "404": "Detail", "409": "Conflict",
          "429": "Detail"}
RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"},
                               "description": "Seconds to wait before asking again."}}


class AutoSchema(openapi.AutoSchema):
    """Only lists page; every operation lists its refusals with the error body's schema."""

    def _get_paginator(self) -> Any:
        # Only a list pages (ListModelMixin.list, ListAPIView); an extra action answers what
        # it returns, a whole array where it returns one.
        if getattr(self.view, "action", None) not in (None, "list"):
            return None
        return super()._get_paginator()

    def _get_serializer_field_meta(self, field: Any, direction: str) -> dict[str, Any]:
        meta = super()._get_serializer_field_meta(field, direction)
        # A field the serializer may blank for some readers (``MaskingSerializer.masked``); one
        # of many values is blanked to an empty list.
        masked = getattr(field.parent, "masked", ())
        if direction == "response" and field.field_name in masked and not isinstance(field, MANY):
            meta["nullable"] = True
        return meta

    def get_operation(self, path: str, path_regex: str, path_prefix: str, method: str,
                      registry: Any) -> dict[str, Any] | None:
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        for name, schema in ERROR_COMPONENTS.items():
            registry.register_on_missing(ResolvedComponent(
                name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema))
        responses = operation["responses"]
        for code in self.refusals(operation):
            if code in responses:
                continue
            ref = {"$ref": f"#/components/schemas/{BODIES[code]}"}
            responses[code] = {
                "description": DESCRIPTIONS[code],
                "content": {"application/json": {"schema": ref}},
                **({"headers": RETRY_AFTER} if code == "429" else {}),
            }
        return operation

    def refusals(self, operation: dict[str, Any]) -> list[str]:
        """The error codes this operation can answer, from what it has."""
        parameters = operation.get("parameters", [])
        in_path = any(p["in"] == "path" for p in parameters)
        query = {p["name"] for p in parameters if p["in"] == "query"}
        codes = []
        # Bad input: a body, or a query parameter checked by a filter set.
        if "requestBody" in operation or query - PAGE_PARAMETERS:
            codes.append("400")
        if not all(isinstance(p, AllowAny) for p in self.view.get_permissions()):
            codes.append("403")
        # A record that is not there or not visible; a page past the last.
        if in_path or "page" in query:
            codes.append("404")
        if self.method in UNSAFE and in_path and self._takes_version():
            codes.append("409")
        if self.view.get_throttles():
            codes.append("429")
        return codes

    def _takes_version(self) -> bool:
        """Edits and actions that send the version read are refused with 409 when stale."""
        serializer = force_instance(self.get_request_serializer())
        return "version" in getattr(serializer, "fields", {})
