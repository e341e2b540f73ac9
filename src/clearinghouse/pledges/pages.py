"""Detail pages, forms and lifecycle actions of pledges, and stock position pages.

Reads go through ``visible_to(user)`` (an invisible record is a 404); an anonymous donor is
shown as "anonymous" (``shown_donor_id`` is NULL) with its donor-revealing fields and the
"who" of its history hidden, as in the API; writes go through the services.
"""

import rules
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
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
from clearinghouse.needs.models import Need

from . import services
from .forms import PledgeForm
from .masks import history_masks
from .models import COMMITTED_STATES, PLEDGE_LIFECYCLE, Pledge, PledgeKind, StockPosition

# Actions that cannot be undone: the button leads to a confirmation page first.
PLEDGE_IRREVERSIBLE = frozenset({"decline", "withdraw", "deliver"})


def visible_pledges(user):
    return (
        Pledge.objects.visible_to(user).with_visible_references(user)
        .select_related("owner", "item_type")
    )




def offered_needs(form) -> list:
    """The needs the form offers to choose from: shown on the page, so they raise its banner."""
    field = form.fields.get("need")
    if field is None:
        return []
    return list(field.queryset.select_related(None).only("classification"))


@login_required
def pledge_detail(request, pk: int):
    user = request.user
    pledge = get_object_or_404(visible_pledges(user), pk=pk)
    donor_hidden = pledge.shown_donor_id is None
    need = None
    if pledge.shown_need_id is not None:
        need = Need.objects.visible_to(user).select_related("item_type", "family", "region").get(
            pk=pledge.shown_need_id)
    position = None
    if pledge.shown_stock_position_id is not None and not donor_hidden:
        position = StockPosition.objects.visible_to(user).get(pk=pledge.shown_stock_position_id)
    can_edit = rules.has_perm("pledges.change_pledge", user, pledge)
    context = {
        "pledge": pledge,
        "donor": pledge.shown_donor_name,
        "donor_hidden": donor_hidden,
        "funding_items": list(pledge.funding_items.all()),
        "allowed_regions": list(pledge.allowed_regions.all()),
        "released_to": [] if donor_hidden else list(pledge.released_to.all()),
        "need": need,
        "position": position,
        "actions": lifecycle_buttons(user, pledge, PLEDGE_LIFECYCLE, "pledges",
                                     PLEDGE_IRREVERSIBLE),
        "edit_url": reverse("pledges:edit", args=[pledge.pk]) if can_edit else "",
        "history": present_history(
            Pledge, history_entries(pledge, **history_masks(request.user, pledge)), user),
        "version": pledge.version,
        "GOODS": (PledgeKind.STOCK, PledgeKind.PROCUREMENT),
    }
    return render(request, "pledges/pledge_detail.html",
                  classify(context, [pledge], [need] if need else []))


@login_required
@require_http_methods(["GET", "POST"])
def pledge_create(request):
    user = request.user
    if not rules.has_perm("pledges.add_pledge", user):
        raise PermissionDenied("You may not pledge.")
    initial = {}
    need = None
    if request.method == "GET" and request.GET.get("need", "").isdigit():
        need = Need.objects.visible_to(user).filter(pk=int(request.GET["need"])).first()
        if need is not None:
            initial = {"need": need.pk, "item_type": need.item_type_id, "kind": PledgeKind.STOCK,
                       "quantity": need.quantity}
    form = PledgeForm(request.POST or None, user=user, initial=initial)
    done, status = save_form(request, form, lambda data, _: services.create_pledge(user, data),
                             lambda pledge: f"Pledge {pledge.pk} offered.")
    return done or form_page(request, form, "pledges/pledge_form.html", status=status,
                     groups=[[need] if need else [], offered_needs(form)], need=need,
                     noun="pledge")


@login_required
@require_http_methods(["GET", "POST"])
def pledge_edit(request, pk: int):
    user = request.user
    pledge = get_object_or_404(visible_pledges(user), pk=pk)
    if not rules.has_perm("pledges.change_pledge", user, pledge):
        raise PermissionDenied(f"You may not edit this pledge while it is {pledge.state}.")
    form = PledgeForm(request.POST or None, instance=pledge, user=user)
    done, status = save_form(
        request, form, lambda data, version: services.update_pledge(user, pledge, data, version),
        lambda saved: f"Pledge {saved.pk} saved.")
    if done:
        return done
    return form_page(request, form, "pledges/pledge_form.html", record=pledge, status=status,
                     groups=[offered_needs(form)], noun="pledge")


@login_required
@require_http_methods(["GET", "POST"])
def pledge_act(request, pk: int, action: str):
    pledge = get_object_or_404(visible_pledges(request.user), pk=pk)
    if action not in PLEDGE_LIFECYCLE.transitions:
        raise Http404("No such action.")
    if request.method == "GET":
        if not rules.has_perm(f"pledges.{action}_pledge", request.user, pledge):
            raise PermissionDenied(f"You may not {action} this pledge.")
        return confirm_page(request, pledge, PLEDGE_LIFECYCLE, action, "pledge",
                            "pledges/pledge_confirm.html",
                            {"pledge": pledge, "irreversible": action in PLEDGE_IRREVERSIBLE})
    return run_action(request, pledge, action, services.act_on_pledge, "pledge")


@login_required
def stock_detail(request, pk: int):
    user = request.user
    position = get_object_or_404(
        StockPosition.objects.visible_to(user).select_related("owner", "item_type"), pk=pk
    )
    # Only pledges shown with their donor: an anonymous one listed under its donor's stock
    # position would reveal the donor (as the API's ``committed``).
    pledges = list(
        Pledge.objects.visible_to(user).filter(stock_position=position,
                                               shown_donor_id__isnull=False)
        .with_visible_references(user).select_related("item_type").order_by("-id")
    )
    committed = sum((p.quantity or 0) for p in pledges if p.state in COMMITTED_STATES)
    context = {
        "position": position,
        "orders": list(position.backfill_orders.all()),
        "ordered": position.backfill_orders.aggregate(total=Sum("quantity"))["total"] or 0,
        "pledges": pledges,
        "committed": committed,
        "free": position.quantity_held - committed,
        "history": present_history(StockPosition, history_entries(position), user),
    }
    return render(request, "pledges/stockposition_detail.html",
                  classify(context, [position], pledges))


urlpatterns = [
    path("new/", pledge_create, name="create"),
    path("<int:pk>/", pledge_detail, name="detail"),
    path("<int:pk>/edit/", pledge_edit, name="edit"),
    path("<int:pk>/act/<slug:action>/", pledge_act, name="act"),
    path("stock/<int:pk>/", stock_detail, name="stock-detail"),
]
