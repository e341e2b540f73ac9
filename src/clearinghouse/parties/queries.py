"""Organisations as a user sees them (reference data: every signed-in user)."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Organisation, User


def organisations(user: User) -> QuerySet[Organisation]:
    """The organisations ``user`` sees."""
    return Organisation.objects.visible_to(user)
