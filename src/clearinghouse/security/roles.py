"""Roles of DESIGN.md and the audiences a user belongs to."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser


class Role(models.TextChoices):
    COORDINATOR = "coordinator", "Coordinator"
    DONOR_REPRESENTATIVE = "donor_representative", "Donor representative"
    RECIPIENT_PLANNER = "recipient_planner", "Recipient planner"
    LOGISTICS_OFFICER = "logistics_officer", "Logistics officer"
    TRAINING_OFFICER = "training_officer", "Training officer"
    AUDITOR = "auditor", "Auditor"
    ADMINISTRATOR = "administrator", "Administrator"


class Classification(models.IntegerChoices):
    PUBLIC = 0, "PUBLIC"
    COALITION = 1, "COALITION"
    RESTRICTED = 2, "RESTRICTED"
    CONFIDENTIAL = 3, "CONFIDENTIAL"


class Audience(models.TextChoices):
    COORDINATOR = "coordinator", "Coordinator"
    RECIPIENT = "recipient", "Recipient"
    ALL_DONORS = "all_donors", "All donors"


# The kinds of organisation whose users may hold each role: a role outside its organisation
# (a donor's user made "coordinator" by mistake) grants nothing and is refused when saved.
ROLE_ORGANISATION_KINDS = {
    Role.COORDINATOR: {"coordinator"},
    Role.AUDITOR: {"oversight"},
    Role.DONOR_REPRESENTATIVE: {"donor_nation", "donor_organisation"},
    Role.RECIPIENT_PLANNER: {"recipient", "recipient_unit"},
    Role.LOGISTICS_OFFICER: {"hub_operator", "recipient_unit", "coordinator"},
    Role.TRAINING_OFFICER: {"recipient", "recipient_unit", "donor_nation", "donor_organisation"},
    Role.ADMINISTRATOR: {"platform"},
}


def has_role(user: AbstractBaseUser | AnonymousUser, *roles: str) -> bool:
    """Whether the user holds one of ``roles`` in an organisation of a kind that role fits."""
    if not user.is_authenticated:
        return False
    org = getattr(user, "organisation", None)
    kind = org.kind if org is not None else None
    held = set(getattr(user, "roles", None) or ()) & set(roles)
    return any(kind in ROLE_ORGANISATION_KINDS[role] for role in held)


def audiences(user: AbstractBaseUser | AnonymousUser) -> frozenset[str]:
    """The audiences a user belongs to; coordinators and auditors always belong to coordinator."""
    if not user.is_authenticated:
        return frozenset()
    found = set()
    org = getattr(user, "organisation", None)
    if has_role(user, Role.COORDINATOR, Role.AUDITOR):
        found.add(Audience.COORDINATOR)
    if org is not None:
        if org.is_recipient_side:
            found.add(Audience.RECIPIENT)
        if org.is_donor:
            found.add(Audience.ALL_DONORS)
    return frozenset(found)


def sees_donors(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Whether the user sees who gave an anonymous pledge (beyond its own organisation's)."""
    return Audience.COORDINATOR in audiences(user)


def above_clearance(user: AbstractBaseUser, level: int | None) -> str | None:
    """Why ``user`` may not classify a record at ``level`` (above their clearance: they would
    lose sight of their own record), or None."""
    clearance = getattr(user, "clearance", None)
    if level is None or clearance is None or level <= clearance:
        return None
    return (f"You may not classify a record above your clearance "
            f"({Classification(clearance).label}).")
