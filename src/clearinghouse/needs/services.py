"""The needs domain's verbs; each one transaction, each obeying the lifecycle and the rules."""

from datetime import date

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from clearinghouse.core.errors import DomainError
from clearinghouse.core.lifecycle import save_versioned, transition
from clearinghouse.core.notices import notice, notify
from clearinghouse.core.services import apply_fields, require, set_releasability
from clearinghouse.core.words import day, number
from clearinghouse.parties.models import User
from clearinghouse.security.roles import Audience, Role

from .models import NEED_LIFECYCLE, Need, NeedState

EDITABLE_FIELDS = (
    "item_type", "family", "quantity", "priority", "required_by", "region", "justification",
    "classification", "release_recipient", "release_all_donors",
)


def _check_required_by(need: Need, today: date | None = None) -> None:
    today = today or timezone.localdate()
    if need.required_by and need.required_by < today:
        raise DomainError(
            "required_by", f"The required-by date {need.required_by} is in the past."
        )


@transaction.atomic
def create_need(user: User, data: dict) -> Need:
    """A recipient planner enters a need for its own organisation, as a draft."""
    require(user, "needs.add_need")
    need = Need(owner=user.organisation, release_recipient=True)
    apply_fields(need, data, EDITABLE_FIELDS, writer=user)
    need.full_clean()
    need.save()
    set_releasability(need, data)
    return need


@transaction.atomic
def update_need(user: User, need: Need, data: dict, version: int | None) -> Need:
    require(user, "needs.change_need", need)
    apply_fields(need, data, EDITABLE_FIELDS, writer=user)
    need.full_clean()
    if need.state == NeedState.SUBMITTED:
        _check_required_by(need)
    save_versioned(need, version)
    set_releasability(need, data)
    return need


@transaction.atomic
def act_on_need(user: User, need: Need, action: str, version: int | None = None) -> Need:
    """Apply a lifecycle action (submit, validate, open, cancel, ...) to a need."""
    if action not in NEED_LIFECYCLE.transitions:
        raise DomainError("action", f"Unknown action '{action}' for a need.")
    require(user, f"needs.{action}_need", need)
    changes = {}
    if action == "submit":
        _check_required_by(need)
    if action == "open":
        # Opening a need publishes it to the donors who may pledge against it.
        changes["release_all_donors"] = True
    need = transition(need, NEED_LIFECYCLE, action, version, **changes)
    if action in ("validate", "open"):  # tell its planners; an opened need, the donors too
        what = (f"{number(need.quantity, whole=need.whole_units_only)} × "
                f"{need.item_type or need.family}, {need.get_priority_display()} priority, "
                f"by {day(need.required_by)}")
        link = reverse("needs:detail", args=[need.pk])
        told = [notice(need, f"Your need {need.pk} ({what}) was "
                             f"{'validated' if action == 'validate' else 'opened to donors'}.",
                       kind=f"need_{action}", organisation=need.owner,
                       role=Role.RECIPIENT_PLANNER, link=link)]
        if action == "open":
            told.append(notice(need, f"A new need you could pledge against: {what}.",
                               kind="need_new", audience=Audience.ALL_DONORS,
                               role=Role.DONOR_REPRESENTATIVE, link=link))
        notify(told)
    return need


def submit_need(user: User, need: Need, version: int | None = None) -> Need:
    return act_on_need(user, need, "submit", version)


def validate_need(user: User, need: Need, version: int | None = None) -> Need:
    return act_on_need(user, need, "validate", version)


def open_need(user: User, need: Need, version: int | None = None) -> Need:
    return act_on_need(user, need, "open", version)


def cancel_need(user: User, need: Need, version: int | None = None) -> Need:
    return act_on_need(user, need, "cancel", version)
