"""The catalogue as a user sees it (reference data: every signed-in user)."""

from __future__ import annotations

from django.db.models import QuerySet

from clearinghouse.parties.models import User

from .models import ItemType


def item_types(user: User) -> QuerySet[ItemType]:
    """The item types ``user`` sees, with their area and family."""
    return ItemType.objects.visible_to(user).select_related("area", "family")
