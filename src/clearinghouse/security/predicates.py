"""Predicates for `rules`: who may do what (DESIGN.md, Writes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import rules
from django.db.models import Model

from .roles import Role, has_role

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser


@rules.predicate
def is_coordinator(user: AbstractBaseUser | AnonymousUser) -> bool:
    return has_role(user, Role.COORDINATOR)


@rules.predicate
def is_donor_representative(user: AbstractBaseUser | AnonymousUser) -> bool:
    org = getattr(user, "organisation", None)
    return has_role(user, Role.DONOR_REPRESENTATIVE) and org is not None and org.is_donor


@rules.predicate
def is_recipient_planner(user: AbstractBaseUser | AnonymousUser) -> bool:
    org = getattr(user, "organisation", None)
    return has_role(user, Role.RECIPIENT_PLANNER) and org is not None and org.is_recipient_side


@rules.predicate
def owns(user: AbstractBaseUser, record: Model | None) -> bool:
    """Whether ``record`` belongs to the user's organisation."""
    return record is not None and user.organisation_id == record.owner_id
