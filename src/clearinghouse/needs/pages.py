"""Detail pages, forms and lifecycle actions of needs.

Every read goes through ``visible_to(user)`` (an invisible need is a 404); every write goes
through the services (needs/services.py), which apply the rules and the lifecycle; buttons are
shown by the same rules (``rules.has_perm``, which lets no superuser through).
"""

import rules
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from clearinghouse.core.history import history_entries
from clearinghouse.core.pages import (
    confirm_page,
    form_page,
    lifecycle_buttons,
    present_history,
    run_action,
    save_form,
)
from clearinghouse.core.web import classify
from clearinghouse.pledges.models import Pledge

from . import services
from .coverage import coverage_for
from .forms import NeedForm
from .models import NEED_LIFECYCLE, PLEDGEABLE_STATES, Need

# Actions that cannot be undone: the button leads to a confirmation page first.
NEED_IRREVERSIBLE = frozenset({"cancel", "deliver"})


# -- needs ---------------------------------------------------------------------------------------

def visible_needs(user):
    return Need.objects.visible_to(user).select_related(
        "owner", "item_type__area", "family__area", "region"
    )


def planned_for(need, user) -> list:
    """The adopted plan's allocations to ``need`` the user sees; hub and weeks only where the
    user has need-to-know of the movement (DESIGN.md, rule 4)."""
    from clearinghouse.planning.models import Allocation, PlanState

    visible_pledges = set(Pledge.objects.visible_to(user).filter(allocations__need=need)
                          .values_list("pk", flat=True))
    rows = list(Allocation.objects.visible_to(user).with_movement(user)
                .filter(need=need, plan__state=PlanState.ADOPTED)
                .select_related("plan", "hub").order_by("arrival_week", "id"))
    for a in rows:
        a.shown_pledge_id = a.pledge_id if a.pledge_id in visible_pledges else None
        a.arrive_on = a.plan.week_start(a.arrival_week) if a.movement_visible else None
    return rows


@login_required
def need_detail(request, pk: int):
    user = request.user
    need = get_object_or_404(visible_needs(user), pk=pk)
    pledges = list(
        Pledge.objects.visible_to(user).filter(need=need)
        .select_related("owner", "item_type").order_by("-id")
    )
    can_edit = rules.has_perm("needs.change_need", user, need)
    can_pledge = need.state in PLEDGEABLE_STATES and rules.has_perm("pledges.add_pledge", user)
    context = {
        "need": need,
        "pledges": pledges,
        "planned": (planned := planned_for(need, user)),
        "planned_total": round(sum(a.quantity for a in planned), 6),
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
    done, status = save_form(request, form, lambda data, _: services.create_need(user, data),
                             lambda need: f"Need {need.pk} saved as a draft.")
    return done or form_page(request, form, "needs/need_form.html", status=status)


@login_required
@require_http_methods(["GET", "POST"])
def need_edit(request, pk: int):
    user = request.user
    need = get_object_or_404(visible_needs(user), pk=pk)
    if not rules.has_perm("needs.change_need", user, need):
        raise PermissionDenied(f"You may not edit this need while it is {need.state}.")
    form = NeedForm(request.POST or None, instance=need, user=user)
    done, status = save_form(
        request, form, lambda data, version: services.update_need(user, need, data, version),
        lambda saved: f"Need {saved.pk} saved.")
    if done:
        return done
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
        return confirm_page(request, need, NEED_LIFECYCLE, action, "need",
                            "needs/need_confirm.html",
                            {"need": need, "irreversible": action in NEED_IRREVERSIBLE})
    return run_action(request, need, action, services.act_on_need, "need")


urlpatterns = [
    path("new/", need_create, name="create"),
    path("<int:pk>/", need_detail, name="detail"),
    path("<int:pk>/edit/", need_edit, name="edit"),
    path("<int:pk>/act/<slug:action>/", need_act, name="act"),
]
