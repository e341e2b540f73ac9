"""What the detail pages and forms of every domain share: lifecycle buttons, readable
history, actions with confirmation, and forms saved through the services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import rules
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from clearinghouse.security.models import Controlled, require_visible

from . import words
from .errors import StaleEdit
from .web import classify

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

    from .lifecycle import StateMachine


def visible_or_404(rows: QuerySet, user: AbstractBaseUser, pk: int | str) -> Any:
    """The record ``pk`` among ``rows`` (refused unless restricted to what ``user`` sees), or
    404: an invisible record is absent, never forbidden, and so is one named by a malformed id
    (an API path's ``pk`` is any text)."""
    rows = require_visible(rows, user)
    try:
        return get_object_or_404(rows, pk=pk)
    except (TypeError, ValueError, ValidationError) as exc:
        raise Http404 from exc


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    url: str
    confirm: bool

    @property
    def danger(self) -> bool:
        return self.confirm


def lifecycle_buttons(
    user: AbstractBaseUser, record: Any, machine: StateMachine, app_label: str,
    irreversible: Iterable[str],
) -> list[Action]:
    """The actions the user may take now: allowed by the state and by the rules."""
    model = type(record)._meta.model_name
    return [
        Action(name, name.replace("_", " ").capitalize(),
               reverse(f"{app_label}:act", args=[record.pk, name]), name in irreversible)
        for name in machine.allowed_actions(record.state)
        if rules.has_perm(f"{app_label}.{name}_{model}", user, record)
    ]


# Bookkeeping a reader does not need in a page's history (the API keeps it).
UNSHOWN = {"version"}


def present_history(
    model: type[Model], entries: list[dict], user: AbstractBaseUser
) -> list[dict]:
    """History entries with field labels and readable values (names instead of ids).

    The entries come from ``history_entries`` already masked for the reader; a reference to a
    controlled record is named only if the reader sees it.
    """
    fields = {f.name: f for f in model._meta.get_fields() if hasattr(f, "verbose_name")}
    wanted: dict = {}
    for entry in entries:
        for change in entry["changes"]:
            field = fields.get(change["field"])
            if field is not None and field.is_relation:
                for side in ("before", "after"):
                    for pk in _ids(change[side]):
                        wanted.setdefault(field.related_model, set()).add(pk)
    names = {}
    for target, pks in wanted.items():
        rows = target.objects.all()
        if issubclass(target, Controlled):
            rows = target.objects.visible_to(user)
        related = [f.name for f in target._meta.concrete_fields if f.is_relation]
        rows = rows.filter(pk__in=pks).select_related(*related)  # their names use them
        names[target] = {row.pk: str(row) for row in rows}

    def show(field: Any, value: Any) -> str:
        if value is None or value == [] or value == "":
            return "—"
        if field is None:
            return str(value)
        if field.is_relation:
            found = names.get(field.related_model, {})
            return ", ".join(found.get(pk, f"#{pk}") for pk in _ids(value)) or "—"
        if field.choices:
            return str(dict(field.flatchoices).get(value, value))
        if isinstance(value, bool):
            return "yes" if value else "no"
        kind = field.get_internal_type()
        if kind in ("DecimalField", "FloatField"):
            return words.number(value)
        if kind == "DateField":
            return words.day(_parsed(dt.date, value)) or str(value)
        if kind == "DateTimeField":
            return words.moment(_parsed(dt.datetime, value)) or str(value)
        return str(value)

    shown = []
    for entry in entries:
        changes = []
        for change in entry["changes"]:
            if change["field"] in UNSHOWN:
                continue
            field = fields.get(change["field"])
            label = str(field.verbose_name) if field is not None else change["field"]
            changes.append({"field": label, "before": show(field, change["before"]),
                            "after": show(field, change["after"])})
        shown.append({**entry, "changes": changes})
    return list(reversed(shown))  # newest first


def _parsed(kind: type[dt.date], value: Any) -> dt.date | None:
    """A date or a moment as history stores it (the value, or its ISO text), else None."""
    if isinstance(value, kind):
        return value
    try:
        return kind.fromisoformat(str(value))
    except ValueError:
        return None


def _ids(value) -> list:
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    found = []
    for v in values:
        try:
            found.append(int(v))
        except (TypeError, ValueError):
            continue
    return found


def parse_version(request: HttpRequest) -> int | None:
    """The ``version`` posted with a form, or None."""
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


def refusal_text(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(m for texts in error.message_dict.values() for m in texts)
    return " ".join(error.messages)


def run_action(
    request: HttpRequest, record: Any, action: str, act: Callable[..., Any], noun: str
) -> HttpResponseRedirect:
    """Apply ``action`` through the service; back to the detail page with what happened."""
    detail = reverse(f"{type(record)._meta.app_label}:detail", args=[record.pk])
    try:
        act(request.user, record, action, parse_version(request))
    except PermissionDenied:
        raise
    except StaleEdit as error:
        messages.error(request, f"Not done: someone changed this {noun} since you opened it "
                                f"(it is now version {error.current}). It is shown as it is "
                                "now: check it and try again.")
    except ValidationError as error:
        messages.error(request, f"Not done: {refusal_text(error)}")
    else:
        record.refresh_from_db()
        messages.success(request, f"{noun.capitalize()} {record.pk}: {action.replace('_', ' ')}"
                                  f" done; it is now {record.get_state_display()}.")
    return HttpResponseRedirect(detail, status=303)


def edit_page(request: HttpRequest, record: Any, form_class: type, update: Callable,
              groups: Callable[[Form], Iterable] = lambda form: ()) -> HttpResponse:
    """Edit ``record`` with ``form_class`` (only for those the rules let change it), saved by
    the service ``update(user, record, data, version)``; the form page raises its banner to
    the record and the ``groups(form)`` it offers."""
    meta, user = type(record)._meta, request.user
    noun = str(meta.verbose_name)
    if not rules.has_perm(f"{meta.app_label}.change_{meta.model_name}", user, record):
        raise PermissionDenied(f"You may not edit this {noun} while it is {record.state}.")
    form = form_class(request.POST or None, instance=record, user=user)
    done, status = save_form(
        request, form, lambda data, version: update(user, record, data, version),
        lambda saved: f"{noun.capitalize()} {saved.pk} saved.")
    return done or form_page(request, form, f"{meta.app_label}/{meta.model_name}_form.html",
                             record=record, status=status, groups=groups(form), noun=noun)


def action_page(request: HttpRequest, record: Any, machine: StateMachine, action: str,
                act: Callable, irreversible: frozenset[str]) -> HttpResponse:
    """A lifecycle action on ``record``: GET asks to confirm it (``<app>/<model>_confirm.html``;
    only for those the rules let act), POST does it through the service ``act``."""
    meta = type(record)._meta
    noun = str(meta.verbose_name)
    if action not in machine.transitions:
        raise Http404("No such action.")
    if request.method != "GET":
        return run_action(request, record, action, act, noun)
    if not rules.has_perm(f"{meta.app_label}.{action}_{meta.model_name}", request.user, record):
        raise PermissionDenied(f"You may not {action.replace('_', ' ')} this {noun}.")
    context = {
        meta.model_name: record, "irreversible": action in irreversible,
        "record": record, "action": action, "noun": noun,
        "action_label": action.replace("_", " "),
        "target": dict(meta.get_field("state").flatchoices)[machine[action].target],
        "back": reverse(f"{meta.app_label}:detail", args=[record.pk]),
    }
    return render(request, f"{meta.app_label}/{meta.model_name}_confirm.html",
                  classify(context, [record]))


def form_page(request: HttpRequest, form: Form, template: str, record: Any = None,
              status: int = 200, groups: Iterable[Iterable] = (), **extra: Any) -> HttpResponse:
    """A form page under a banner at the level of the record and of ``groups`` it shows."""
    context = {"form": form, "record": record, **extra}
    return render(request, template, classify(context, [record] if record else [], *groups),
                  status=status)


def save_form(
    request: HttpRequest, form: Form, save: Callable, done: Callable[[object], str]
) -> tuple[HttpResponseRedirect | None, int | None]:
    """Save a posted ``form`` through ``save(data, version)``, a service call.

    Returns (redirect to the saved record's detail page, None) or (None, HTTP status): 200 for a
    first view, 400 for refused input and 409 for a stale edit, the user's input kept.
    """
    if request.method != "POST":
        return None, 200
    if not form.is_valid():
        return None, 400
    try:
        record = save(form.service_data(), form.cleaned_data.get("version"))
    except StaleEdit as error:
        form.refused(error, error.current)
        return None, 409
    except ValidationError as error:
        form.refused(error)
        return None, 400
    messages.success(request, done(record))
    detail = reverse(f"{type(record)._meta.app_label}:detail", args=[record.pk])
    return HttpResponseRedirect(detail, status=303), None
