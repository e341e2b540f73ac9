"""The logistics domain's verbs: hub closures, entered by the hub's own logistics officers or
by a coordinator (docs/shipments.md, "Hub closures"). Each is one transaction and checks the
rules; bad input is refused by field and nothing is changed.

A closure is movement data of its hub: it is owned by the hub's operator and released exactly
as the hub is, so whoever sees the hub sees when it is closed, and no one else. Every later
plan's snapshot reads the closures, so a new or changed closure makes the plans solved before
it stale (their fingerprint changes).
"""

from __future__ import annotations

from datetime import date

import rules
from django.db import transaction
from django.http import Http404

from clearinghouse.core.errors import DomainError, StaleEdit
from clearinghouse.core.lifecycle import save_versioned
from clearinghouse.core.services import require
from clearinghouse.parties.models import User

from .models import Hub, HubClosure

REASON_LENGTH = HubClosure._meta.get_field("reason").max_length


def _seen(user: User, hub: Hub | int) -> Hub:
    """``hub`` (a hub or its id) as ``user`` sees it; absent (404) when not visible to them."""
    found = Hub.objects.visible_to(user).filter(pk=getattr(hub, "pk", hub)).first()
    if found is None:
        raise Http404("No such hub.")
    return found


def _checked(starts_on: object, ends_on: object, reason: object) -> tuple[date, date, str]:
    """The closure's days and reason, refused by field: days are dates, the last day closed is
    on or after the first, the reason fits."""
    if not isinstance(starts_on, date):
        raise DomainError("starts_on", "Give the first day the hub is closed.")
    if not isinstance(ends_on, date):
        raise DomainError("ends_on", "Give the last day the hub is closed.")
    if ends_on < starts_on:
        raise DomainError("ends_on", "A closure ends on or after the day it starts.")
    reason = "" if reason is None else str(reason)
    if len(reason) > REASON_LENGTH:
        raise DomainError("reason", f"Keep the reason to {REASON_LENGTH} characters.")
    return starts_on, ends_on, reason.strip()


def _seen_closure(user: User, closure: HubClosure | int) -> HubClosure:
    """``closure`` locked for the edit, if ``user`` sees it and its hub; else absent (404)."""
    found = (HubClosure.objects.visible_to(user).select_for_update().select_related("hub")
             .filter(pk=getattr(closure, "pk", closure)).first())
    if found is None or not Hub.objects.visible_to(user).filter(pk=found.hub_id).exists():
        raise Http404("No such closure.")
    return found


def may_add_closure(user: User, hub: Hub) -> bool:
    """Whether ``user`` may close ``hub`` (the hub page shows its form only then)."""
    return rules.has_perm("logistics.add_hubclosure", user, hub)


@transaction.atomic
def add_closure(user: User, hub: Hub | int, starts_on: date, ends_on: date,
                reason: str = "") -> HubClosure:
    """Close ``hub`` from ``starts_on`` to ``ends_on`` (the last day closed), for ``reason``:
    a coordinator, or a logistics officer of the hub's operator. 404 for a hub the user does
    not see, 403 for one they may not close."""
    hub = _seen(user, hub)
    require(user, "logistics.add_hubclosure", hub)
    starts_on, ends_on, reason = _checked(starts_on, ends_on, reason)
    closure = HubClosure(
        hub=hub, starts_on=starts_on, ends_on=ends_on, reason=reason, owner_id=hub.owner_id,
        classification=hub.classification, release_coordinator=hub.release_coordinator,
        release_recipient=hub.release_recipient, release_all_donors=hub.release_all_donors)
    closure._history_user = user
    closure.save()
    closure.released_to.set(hub.released_to.all())
    return closure


@transaction.atomic
def change_closure(user: User, closure: HubClosure, version: int | None, starts_on: date,
                   ends_on: date, reason: str = "") -> HubClosure:
    """Move or re-word a closure (the version read, else 409)."""
    closure = _seen_closure(user, closure)
    require(user, "logistics.change_hubclosure", closure)
    closure.starts_on, closure.ends_on, closure.reason = _checked(starts_on, ends_on, reason)
    closure._history_user = user
    save_versioned(closure, version)
    return closure


@transaction.atomic
def lift_closure(user: User, closure: HubClosure, version: int | None) -> None:
    """The hub is open again on those days: the closure goes (its history keeps it)."""
    closure = _seen_closure(user, closure)
    require(user, "logistics.delete_hubclosure", closure)
    if version != closure.version:
        raise StaleEdit(HubClosure._meta.verbose_name, version, closure.version)
    closure._history_user = user
    closure.delete()
