"""The API's token authentication against the hashed keys (models.ApiToken)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from rest_framework import authentication, exceptions


class ApiTokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>`` against the digests; an expired or revoked key, or one
    of an inactive user, is refused like an unknown one; and so is a key given for a password
    alone to an account that must have a second factor (one made before that was required)."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        # Not at import: DRF loads this with its settings.
        from .models import ApiToken, digest
        from .second_factor import required_for

        token = (ApiToken.objects.live().select_related("user")
                 .filter(key_digest=digest(key)).first())
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token.")
        if not token.second_factor and required_for(token.user):
            raise exceptions.AuthenticationFailed(
                "This key was given for a password alone, and your account must have a second "
                "factor: get a new key at /api/token/ with your code (otp).")
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token
