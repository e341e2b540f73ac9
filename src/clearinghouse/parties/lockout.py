"""The answer to a sign-in locked after repeated wrong passwords (django-axes): the page for
people, and for the API the JSON refusal its schema documents (429, ``detail``, Retry-After)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def lockout_response(request: HttpRequest, original_response: Any = None,
                     credentials: Any = None) -> HttpResponse:
    wait = int(settings.AXES_COOLOFF_TIME.total_seconds())
    if request.path.startswith("/api/"):
        reply = JsonResponse(
            {"detail": "Signing in is paused: too many wrong passwords were given for this "
                       f"account from here. Try again in {wait // 60} minutes."},
            status=429)
    else:
        reply = render(request, "registration/locked_out.html", status=429)
    reply["Retry-After"] = str(wait)
    return reply
