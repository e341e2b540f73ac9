"""Helpers shared by the domain services."""

import rules
from django.core.exceptions import PermissionDenied

from .errors import DomainError


def require(user, perm: str, obj=None) -> None:
    """Refuse unless ``user`` holds ``perm`` (on ``obj``) under the rules of rules.py.

    Asks the rules directly: Django grants a superuser every permission, but administrators
    change no assistance data (DESIGN.md, Writes).
    """
    if not rules.has_perm(perm, user, obj):
        action = perm.split(".", 1)[1].replace("_", " ")
        raise PermissionDenied(f"You may not {action}.")


def apply_fields(obj, data: dict, allowed: tuple[str, ...]) -> None:
    """Copy ``data`` onto ``obj``; a field outside ``allowed`` is refused by name."""
    for field, value in data.items():
        if field in ("released_to", "version"):
            continue
        if field not in allowed:
            raise DomainError(field, f"'{field}' cannot be set here.")
        setattr(obj, field, value)


def set_releasability(obj, data: dict) -> None:
    if "released_to" in data:
        obj.released_to.set(data["released_to"])
