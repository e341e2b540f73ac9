"""The API's JSON parser (a module of its own: DRF's settings import it while DRF loads)."""

from __future__ import annotations

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

# No body of this API nests deeper (a what-if's changes are the deepest, at 4).
MAX_DEPTH = 32


class JSONParser(parsers.JSONParser):
    """DRF's, refusing as bad input (400) a body nested deeper than ``MAX_DEPTH``, which would
    otherwise exhaust the stack in the decoder or in what handles it later (a 500)."""

    def parse(self, stream: Any, media_type: str | None = None,
              parser_context: dict | None = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the body is nested too deeply.") from None
        if _depth(data) > MAX_DEPTH:
            raise ParseError(f"The body is nested deeper than {MAX_DEPTH} levels.")
        return data


def _depth(data: Any) -> int:
    """How deep lists and objects nest in ``data`` (without recursion)."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, list):
            deepest = max(deepest, depth)
            if depth <= MAX_DEPTH:
                stack.extend((v, depth + 1) for v in value)
    return deepest
