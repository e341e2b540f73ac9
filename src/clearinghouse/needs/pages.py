"""Detail pages, forms and lifecycle actions of needs.

Every read goes through ``visible_to(user)`` (an invisible need is a 404); every write goes
through the services (needs/services.py), which apply the rules and the lifecycle; buttons are
shown by the same rules (``rules.has_perm``, which lets no superuser through).
"""

from dataclasses import dataclass

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from clearinghouse.core.errors import StaleEdit
from clearinghouse.core.history import history_entries
from clearinghouse.core.web import classify
from clearinghouse.pledges.models import Pledge
from clearinghouse.security.models import Controlled

from . import services
from .coverage import coverage_for
from .forms import NeedForm
from .models import NEED_LIFECYCLE, PLEDGEABLE_STATES, Need

ANONYMOUS = "anonymous"
# Actions that cannot be undone: the button leads to a confirmation page first.
NEED_IRREVERSIBLE = frozenset({"cancel", "deliver"})


# -- shared by the detail pages of needs and pledges --------------------------------------------

@dataclass(frozen=True)
class Action:
    name: str
    label: str
    url: str
    confirm: bool

    @property
    def danger(self) -> bool:
        return self.confirm


def lifecycle_buttons(user, record, machine, app_label: str, irreversible) -> list[Action]:
    """The actions the user may take now: allowed by the state and by the rules."""
    model = type(record)._meta.model_name
    return [
        Action(name, name.replace("_", " ").capitalize(),
               reverse(f"{app_label}:act", args=[record.pk, name]), name in irreversible)
        for name in machine.allowed_actions(record.state)
        if rules.has_perm(f"{app_label}.{name}_{model}", user, record)
    ]


def donor_label(pledge) -> str:
    """The donor's name, or "anonymous" where ``visible_to`` hides it (``shown_donor_id``)."""
    return pledge.owner.name if pledge.shown_donor_id is not None else ANONYMOUS


def present_history(model, entries: list[dict], user) -> list[dict]:
    """History entries with field labels and readable values (names instead of ids).

    The entries come from ``history_entries`` already masked for the reader; a reference to a
    controlled record is named only if the reader sees it.
    """
    fields = {f.name: f for f in model._meta.get_fields() if hasattr(f, "verbose_name")}
    wanted: dict = {}
    for entry in entries:
        for change in entry["changes"]:
            field = fields.get(change["field"])
            if field is not None and field.is_relation and not field.many_to_many:
                for side in ("before", "after"):
                    for pk in _ids(change[side]):
                        wanted.setdefault(field.related_model, set()).add(pk)
    names = {}
    for target, pks in wanted.items():
        rows = target.objects.all()
        if issubclass(target, Controlled):
            rows = target.objects.visible_to(user)
        names[target] = {row.pk: str(row) for row in rows.filter(pk__in=pks)}

    def show(field, value):
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
        return str(value)

    shown = []
    for entry in entries:
        changes = []
        for change in entry["changes"]:
            field = fields.get(change["field"])
            label = str(field.verbose_name) if field is not None else change["field"]
            if field is not None and field.many_to_many:
                # core.history gives the through rows' ids, not the related records': say only
                # that the set changed (its current value is on the page).
                changes.append({"field": label, "before": "earlier set",
                                "after": "changed (current value above)"})
                continue
            changes.append({"field": label, "before": show(field, change["before"]),
                            "after": show(field, change["after"])})
        shown.append({**entry, "changes": changes})
    return list(reversed(shown))  # newest first


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


def parse_version(request) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


def refusal_text(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(m for texts in error.message_dict.values() for m in texts)
    return " ".join(error.messages)


def run_action(request, record, action: str, act, noun: str):
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


def confirm_page(request, record, action: str, noun: str, template: str, context: dict):
    context = {
        **context, "record": record, "action": action, "noun": noun,
        "action_label": action.replace("_", " "),
        "target": dict(type(record)._meta.get_field("state").flatchoices)[
            machine_of(record)[action].target],
        "back": reverse(f"{type(record)._meta.app_label}:detail", args=[record.pk]),
    }
    return render(request, template, classify(context, [record]))


def machine_of(record):
    from clearinghouse.pledges.models import PLEDGE_LIFECYCLE

    return NEED_LIFECYCLE if isinstance(record, Need) else PLEDGE_LIFECYCLE


def form_page(request, form, template: str, record=None, status: int = 200, groups=(),
              **extra):
    """A form page under a banner at the level of the record and of ``groups`` it shows."""
    context = {"form": form, "record": record, **extra}
    return render(request, template, classify(context, [record] if record else [], *groups),
                  status=status)


# -- needs ---------------------------------------------------------------------------------------

def visible_needs(user):
    return Need.objects.visible_to(user).select_related(
        "owner", "item_type__area", "family__area", "region"
    )


@login_required
def need_detail(request, pk: int):
    user = request.user
    need = get_object_or_404(visible_needs(user), pk=pk)
    pledges = list(
        Pledge.objects.visible_to(user).filter(need=need)
        .select_related("owner", "item_type").order_by("-id")
    )
    for pledge in pledges:
        pledge.donor_label = donor_label(pledge)
    can_edit = rules.has_perm("needs.change_need", user, need)
    can_pledge = need.state in PLEDGEABLE_STATES and rules.has_perm("pledges.add_pledge", user)
    context = {
        "need": need,
        "pledges": pledges,
        "coverage": coverage_for([need], user)[need.pk],
        "actions": lifecycle_buttons(user, need, NEED_LIFECYCLE, "needs", NEED_IRREVERSIBLE),
        "edit_url": reverse("needs:edit", args=[need.pk]) if can_edit else "",
        "extra_links": [
            ("Pledge against this need", f"{reverse('pledges:create')}?need={need.pk}")
        ] if can_pledge else [],
        "history": present_history(Need, history_entries(need), user),
        "version": need.version,
    }
    return render(request, "needs/need_detail.html", classify(context, [need], pledges))


@login_required
@require_http_methods(["GET", "POST"])
def need_create(request):
    user = request.user
    if not rules.has_perm("needs.add_need", user):
        raise PermissionDenied("You may not add a need.")
    form = NeedForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            need = services.create_need(user, form.service_data())
        except ValidationError as error:
            form.refused(error)
        else:
            messages.success(request, f"Need {need.pk} saved as a draft.")
            return HttpResponseRedirect(reverse("needs:detail", args=[need.pk]), status=303)
    status = 400 if form.is_bound else 200
    return form_page(request, form, "needs/need_form.html", status=status)


@login_required
@require_http_methods(["GET", "POST"])
def need_edit(request, pk: int):
    user = request.user
    need = get_object_or_404(visible_needs(user), pk=pk)
    if not rules.has_perm("needs.change_need", user, need):
        raise PermissionDenied(f"You may not edit this need while it is {need.state}.")
    form = NeedForm(request.POST or None, instance=need, user=user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.update_need(user, need, form.service_data(),
                                     form.cleaned_data.get("version"))
            except StaleEdit as error:
                form.refused(error, error.current)
                status = 409
            except ValidationError as error:
                form.refused(error)
            else:
                messages.success(request, f"Need {need.pk} saved.")
                return HttpResponseRedirect(reverse("needs:detail", args=[need.pk]), status=303)
    return form_page(request, form, "needs/need_form.html", record=need, status=status,
                     noun="need")


@login_required
@require_http_methods(["GET", "POST"])
def need_act(request, pk: int, action: str):
    need = get_object_or_404(visible_needs(request.user), pk=pk)
    if action not in NEED_LIFECYCLE.transitions:
        raise Http404("No such action.")
    if request.method == "GET":
        if not rules.has_perm(f"needs.{action}_need", request.user, need):
            raise PermissionDenied(f"You may not {action.replace('_', ' ')} this need.")
        return confirm_page(request, need, action, "need", "needs/need_confirm.html",
                            {"need": need, "irreversible": action in NEED_IRREVERSIBLE})
    return run_action(request, need, action, services.act_on_need, "need")


urlpatterns = [
    path("new/", need_create, name="create"),
    path("<int:pk>/", need_detail, name="detail"),
    path("<int:pk>/edit/", need_edit, name="edit"),
    path("<int:pk>/act/<slug:action>/", need_act, name="act"),
]
