"""Logistics reference data as a user sees it: hubs are where cargo gathers, so each is seen
only by those it is released to."""

from __future__ import annotations

from django.db.models import QuerySet

from clearinghouse.parties.models import User

from .models import Hub, HubClosure


def hubs(user: User) -> QuerySet[Hub]:
    """The hubs ``user`` sees, with the organisations each is released to."""
    return Hub.objects.visible_to(user).prefetch_related("released_to")


def closures(user: User) -> QuerySet[HubClosure]:
    """The closures ``user`` sees, of hubs they see."""
    return (HubClosure.objects.visible_to(user)
            .filter(hub__in=Hub.objects.visible_to(user).values("pk"))
            .select_related("hub").prefetch_related("released_to"))
