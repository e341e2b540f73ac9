"""Helpers shared by the domain services."""

from __future__ import annotations

from typing import TYPE_CHECKING

import rules
from django.core.exceptions import PermissionDenied
from django.db.models import Model

from clearinghouse.security.roles import above_clearance

from .errors import DomainError

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


def fitted(model: type[Model], field: str, text: str) -> str:
    """``text`` made by the system (not typed by a user, whose input is refused when too long)
    cut to fit ``field``'s column, marked with an ellipsis where cut."""
    most = model._meta.get_field(field).max_length
    return text if len(text) <= most else text[: most - 1] + "…"


def require(user: AbstractBaseUser, perm: str, obj: Model | None = None) -> None:
    """Refuse unless ``user`` holds ``perm`` (on ``obj``) under the rules of rules.py.

    Asks the rules directly: Django grants a superuser every permission, but administrators
    change no assistance data (DESIGN.md, Writes).
    """
    if not rules.has_perm(perm, user, obj):
        action = perm.split(".", 1)[1].replace("_", " ")
        raise PermissionDenied(f"You may not {action}.")


def apply_fields(obj: Model, data: dict, allowed: tuple[str, ...], *,
                 writer: AbstractBaseUser) -> None:
    """Copy ``data`` onto ``obj``; a field outside ``allowed`` is refused by name, and so is a
    classification above the ``writer``'s clearance."""
    refusal = above_clearance(writer, data.get("classification"))
    if refusal:
        raise DomainError("classification", refusal)
    for field, value in data.items():
        if field in ("released_to", "version"):
            continue
        if field not in allowed:
            raise DomainError(field, f"'{field}' cannot be set here.")
        setattr(obj, field, value)


def set_releasability(obj: Model, data: dict) -> None:
    """Set ``obj``'s named releases from ``data``'s ``released_to``, if given."""
    if "released_to" in data:
        obj.released_to.set(data["released_to"])
