"""Pages of needs: the list and its exports, the detail page, forms and lifecycle actions.

Every read goes through ``queries.needs(user)`` (an invisible need is a 404); every write through
the services (needs/services.py), which apply the rules and the lifecycle; buttons are shown by
the same rules (``rules.has_perm``, which lets no superuser through). What other apps show of a
need (its coverage and pledges, what the adopted plan brings it) are panels they register
(core/panels.py).
"""

import rules
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from clearinghouse.core import words
from clearinghouse.core.bulk import Bulk
from clearinghouse.core.history import history_entries
from clearinghouse.core.listing import Column, Listing, attr, id_column
from clearinghouse.core.panels import panels_for
from clearinghouse.core.views import (
    action_page,
    edit_page,
    form_page,
    lifecycle_buttons,
    present_history,
    save_form,
    visible_or_404,
)
from clearinghouse.core.web import classify

from . import queries, services
from .filtersets import NeedFilterSet
from .forms import NeedForm
from .models import NEED_LIFECYCLE, PLEDGEABLE_STATES, Need

# Actions that cannot be undone: the button leads to a confirmation page first.
NEED_IRREVERSIBLE = frozenset({"cancel", "deliver"})


def _what(need: Need) -> str:
    return need.item_type.name if need.item_type_id else (
        f"any of {need.family.name}" if need.family_id else "")


class NeedListing(Listing):
    name = "needs"
    noun = ("need", "needs")
    title = caption = "Needs"
    filterset_class = NeedFilterSet
    export_url_name = "needs:export"
    labels = {"area": "Capability area", "item_type": "Item type",
              "family": "Compatibility family", "required_by_after": "Required by, from",
              "required_by_before": "Required by, until", "owner": "Owner"}
    columns = (
        id_column("needs:detail"),
        Column("Item or family", _what),
        Column("Quantity", attr("quantity"), sort="quantity"),
        Column("Priority", lambda n: n.get_priority_display(), sort="priority"),
        Column("Required by", attr("required_by"), sort="required_by"),
        Column("Region", attr("region.name")),
        Column("State", lambda n: n.get_state_display(), sort="state"),
        Column("Classification", lambda n: n.get_classification_display()),
    )

    query = staticmethod(queries.needs)

    def bulk(self, request: HttpRequest, records: list, rows: QuerySet) -> dict | None:
        return NEED_BULK.for_listing(request, records, rows)


def _described(need: Need) -> str:
    whole = bool(need.item_type_id and need.item_type.indivisible)
    return (f"Need {need.pk}: {words.number(need.quantity, whole=whole)} × {_what(need)}, "
            f"{need.get_priority_display()}"
            + (f", for {need.region.name}" if need.region_id else ""))


# Coordinators validate submitted needs, and open validated ones to donors, many at a time.
NEED_BULK = Bulk(
    model=Need, machine=NEED_LIFECYCLE,
    actions={"validate": "Validate", "open": "Open to donors"},
    rows=queries.needs, act=services.act_on_need, describe=_described, listing=NeedListing,
    shortcuts=(("needs awaiting validation", "?state=submitted"),
               ("validated needs not yet open to donors", "?state=validated")),
    matching=("validate", "open"),
)


@login_required
@require_http_methods(["GET", "POST"])
def need_bulk(request: HttpRequest) -> HttpResponse:
    return NEED_BULK.view(request)


@login_required
def need_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    need = visible_or_404(queries.needs(user), user, pk)
    panels, shown = panels_for("needs.need", need, user)
    can_edit = rules.has_perm("needs.change_need", user, need)
    can_pledge = need.state in PLEDGEABLE_STATES and rules.has_perm("pledges.add_pledge", user)
    context = {
        "need": need,
        "panels": panels,
        "actions": lifecycle_buttons(user, need, NEED_LIFECYCLE, "needs", NEED_IRREVERSIBLE),
        "edit_url": reverse("needs:edit", args=[need.pk]) if can_edit else "",
        "extra_links": [
            ("Pledge against this need", f"{reverse('pledges:create')}?need={need.pk}")
        ] if can_pledge else [],
        "history": present_history(Need, history_entries(need, user.clearance), user),
        "version": need.version,
    }
    return render(request, "needs/need_detail.html", classify(context, [need], shown))


@login_required
@require_http_methods(["GET", "POST"])
def need_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not rules.has_perm("needs.add_need", user):
        raise PermissionDenied("You may not add a need.")
    form = NeedForm(request.POST or None, user=user)
    done, status = save_form(request, form, lambda data, _: services.create_need(user, data),
                             lambda need: f"Need {need.pk} saved as a draft.")
    return done or form_page(request, form, "needs/need_form.html", status=status)


@login_required
@require_http_methods(["GET", "POST"])
def need_edit(request: HttpRequest, pk: int) -> HttpResponse:
    need = visible_or_404(queries.needs(request.user), request.user, pk)
    return edit_page(request, need, NeedForm, services.update_need)


@login_required
@require_http_methods(["GET", "POST"])
def need_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    need = visible_or_404(queries.needs(request.user), request.user, pk)
    return action_page(request, need, NEED_LIFECYCLE, action, services.act_on_need,
                       NEED_IRREVERSIBLE)

