"""Logistics reference data as a user sees it: hubs are where cargo gathers, so each is seen
only by those it is released to."""

from __future__ import annotations

from django.db.models import QuerySet

from clearinghouse.parties.models import User

from .models import Hub


def hubs(user: User) -> QuerySet[Hub]:
    """The hubs ``user`` sees, with the organisations each is released to."""
    return Hub.objects.visible_to(user).prefetch_related("released_to")
