"""Lifecycles as explicit state machines and optimistic concurrency for every edit.

Services call :func:`transition` (or :func:`transition_all` for many locked rows) and
:func:`save_versioned`; nothing else writes ``state`` or ``version``, so every entry point
(API, admin, CLI, demo) obeys the same lifecycle.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models
from simple_history.utils import bulk_update_with_history

from .errors import IllegalTransition, StaleEdit

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str


class StateMachine:
    def __init__(self, model_label: str, transitions: Iterable[tuple[str, Iterable[str], str]]):
        self.model_label = model_label
        self.transitions = {
            action: Transition(action, frozenset(sources), target)
            for action, sources, target in transitions
        }

    def __getitem__(self, action: str) -> Transition:
        return self.transitions[action]

    def check(self, current: str, action: str) -> Transition:
        step = self.transitions[action]
        if current not in step.sources:
            raise IllegalTransition(self.model_label, current, action, step.target, step.sources)
        return step

    def allowed_actions(self, current: str) -> list[str]:
        return [a for a, t in self.transitions.items() if current in t.sources]


class Versioned(models.Model):
    """A record edited under optimistic concurrency: each save bumps ``version``."""

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True


def save_versioned(
    obj: Versioned, expected_version: int | None, update_fields: Iterable[str] | None = None
) -> None:
    """Save ``obj`` only if its stored version is still ``expected_version``.

    The claim is one conditional UPDATE (compare and set), atomic on SQLite and PostgreSQL, so
    of two concurrent edits read at the same version exactly one succeeds; the winner then saves
    through the ORM inside the caller's transaction so that history records the change.
    """
    model = type(obj)
    label = model._meta.verbose_name
    if expected_version is None:
        current = model.objects.filter(pk=obj.pk).values_list("version", flat=True).first()
        raise StaleEdit(label, None, current or 0)
    claimed = model.objects.filter(pk=obj.pk, version=expected_version).update(
        version=expected_version + 1
    )
    if not claimed:
        current = model.objects.filter(pk=obj.pk).values_list("version", flat=True).first()
        raise StaleEdit(label, expected_version, current or 0)
    obj.version = expected_version + 1
    if update_fields is not None:
        update_fields = [*update_fields, "version"]
    obj.save(update_fields=update_fields)


def transition(
    obj: Versioned, machine: StateMachine, action: str, expected_version: int | None = None,
    **changes: Any,
) -> Versioned:
    """Move ``obj`` along ``action`` (setting ``changes`` too); refuse an illegal or stale move.

    ``obj`` is reloaded after the row is claimed, so fields edited by others since the caller
    read it are never written back.
    """
    model = type(obj)
    label = model._meta.verbose_name
    state, version = model.objects.filter(pk=obj.pk).values_list("state", "version").get()
    if expected_version is not None and expected_version != version:
        raise StaleEdit(label, expected_version, version)
    step = machine.check(state, action)
    claimed = model.objects.filter(pk=obj.pk, state=state, version=version).update(
        version=version + 1
    )
    if not claimed:
        raise StaleEdit(label, version, version + 1)
    obj.refresh_from_db()
    obj.state = step.target
    for field, value in changes.items():
        setattr(obj, field, value)
    obj.save()
    return obj


def transition_all(
    objs: list[Versioned], machine: StateMachine, action: str, user: AbstractBaseUser
) -> None:
    """Move each of ``objs`` along ``action`` at once, as ``user``: one UPDATE and one batch of
    history rows per 500 instead of five queries each (adopting a plan at demo scale 10 moves
    11,000 records). The caller holds the rows locked (``select_for_update``) and read them
    in this transaction, so none can have changed since; an illegal move refuses them all."""
    if not objs:
        return
    for obj in objs:
        obj.state = machine.check(obj.state, action).target
        obj.version += 1
    bulk_update_with_history(objs, type(objs[0]), ["state", "version"], batch_size=500,
                             default_user=user)
