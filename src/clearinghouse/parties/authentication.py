"""The API's token authentication against the hashed keys (models.ApiToken)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from rest_framework import authentication, exceptions


class ApiTokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>`` against the digests; an expired or revoked key, or one
    of an inactive user, is refused like an unknown one."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        from .models import ApiToken, digest  # not at import: DRF loads this with its settings

        token = (ApiToken.objects.live().select_related("user")
                 .filter(key_digest=digest(key)).first())
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token.")
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token
