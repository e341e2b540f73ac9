"""The needs as a user sees them: one read for the list, the detail page, the exports and the
API (every one through ``visible_to(user)``)."""

from __future__ import annotations

from django.db.models import QuerySet

from clearinghouse.catalogue.models import ItemType
from clearinghouse.core.panels import tallied, tally
from clearinghouse.parties.models import User

from .models import Need


def needs(user: User) -> QuerySet[Need]:
    """The needs ``user`` sees, with what their pages and rows name."""
    return Need.objects.visible_to(user).select_related(
        "owner", "item_type__area", "family__area", "region"
    )


def item_tally(item: ItemType, user: User) -> dict:
    """The item page's panel: how many needs ``user`` sees ask for ``item`` or its family, and
    the highest classification among them (the counts are aggregates of those records)."""
    visible = Need.objects.visible_to(user)
    tallies = {"needs": tally(visible.filter(item_type=item)),
               "family_needs": tally(visible.filter(family=item.family_id))
               if item.family_id else None}
    return {**tallies, "shown": tallied(*tallies.values())}

