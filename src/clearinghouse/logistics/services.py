"""Logistics verbs. Each is one transaction; each refuses bad input by field, changing nothing.

A minimal ``add_closure`` for the hub page (docs/shipments.md, "The hub's job and the
timeline"): the fuller service and its rules come with the API work of issue 16.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction

from clearinghouse.core.errors import DomainError
from clearinghouse.parties.models import User
from clearinghouse.security.predicates import is_coordinator
from clearinghouse.security.roles import Role, has_role

from .models import Hub, HubClosure


def may_add_closure(user: User, hub: Hub) -> bool:
    """A coordinator, or a logistics officer of the hub's operator (the hub tells its own
    closures); auditors and administrators change nothing."""
    if not user.is_authenticated or user.organisation_id is None:
        return False
    if is_coordinator(user):
        return True
    return has_role(user, Role.LOGISTICS_OFFICER) and user.organisation_id == hub.owner_id


@transaction.atomic
def add_closure(user: User, hub: Hub, starts_on: date, ends_on: date,
                reason: str = "") -> HubClosure:
    """Close ``hub`` from ``starts_on`` to ``ends_on`` (the last day closed). The closure is
    owned by the hub's operator and released as the hub is: those who see the hub see it."""
    if not may_add_closure(user, hub):
        raise PermissionDenied("You may not close this hub.")
    if starts_on is None:
        raise DomainError("starts_on", "Give the first day closed.")
    if ends_on is None:
        raise DomainError("ends_on", "Give the last day closed.")
    if ends_on < starts_on:
        raise DomainError("ends_on", "A closure ends on or after the day it starts.")
    reason = (reason or "").strip()
    if len(reason) > HubClosure._meta.get_field("reason").max_length:
        raise DomainError("reason", "Say why in 200 characters or fewer.")
    closure = HubClosure(
        hub=hub, starts_on=starts_on, ends_on=ends_on, reason=reason, owner_id=hub.owner_id,
        classification=hub.classification, release_coordinator=True,
        release_recipient=hub.release_recipient, release_all_donors=hub.release_all_donors)
    closure._history_user = user
    closure.save()
    closure.released_to.set(hub.released_to.all())
    return closure
