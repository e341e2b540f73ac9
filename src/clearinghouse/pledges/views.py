"""Pages of pledges and stock positions: the lists and their exports, detail pages, forms and
lifecycle actions.

Reads go through ``queries.py`` (an invisible record is a 404); an anonymous donor is shown as
"anonymous" (``shown_donor_id`` is NULL) with no link, title, class or data attribute that
could reveal it, its donor-revealing fields and the "who" of its history hidden, as in the API;
writes go through the services.
"""

import rules
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import DecimalField, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from clearinghouse.core import words
from clearinghouse.core.bulk import Bulk
from clearinghouse.core.history import history_entries
from clearinghouse.core.listing import (
    Column,
    Listing,
    attr,
    detail_link,
    display,
    id_column,
)
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
from clearinghouse.needs.models import Need
from clearinghouse.parties.models import User

from . import queries, services
from .filtersets import PledgeFilterSet, StockPositionFilterSet, shown_donors
from .forms import PledgeForm
from .models import COMMITTED_STATES, PLEDGE_LIFECYCLE, Pledge, PledgeKind, StockPosition

ANONYMOUS = "anonymous"
MONEY = DecimalField(max_digits=20, decimal_places=2)
# Actions that cannot be undone: the button leads to a confirmation page first.
PLEDGE_IRREVERSIBLE = frozenset({"decline", "withdraw", "deliver"})


def donor_name(pledge: Pledge) -> str:
    return ANONYMOUS if pledge.shown_donor_id is None else pledge.owner.name


def donor_link(pledge: Pledge) -> str | None:
    return None if pledge.shown_donor_id is None else detail_link("parties:detail")(pledge.owner)


def _item(pledge) -> str:
    if pledge.kind == "training" and pledge.course:
        return pledge.course
    return pledge.item_type.name if pledge.item_type_id else ""


def _quantity(pledge):
    if pledge.kind == "funding":
        return pledge.amount_eur
    if pledge.kind == "training" and pledge.places is not None:
        return pledge.places
    return pledge.quantity


def _quantity_text(pledge) -> str:
    value = _quantity(pledge)
    if value is None:
        return ""
    if pledge.kind == "funding":
        return words.money(value)
    if pledge.kind == "training":
        return f"{display(value)} places"
    return display(value)


def _need_link(pledge):
    if pledge.shown_need_id is None:
        return None
    return reverse("needs:detail", args=[pledge.shown_need_id])


class PledgeListing(Listing):
    name = "pledges"
    noun = ("pledge", "pledges")
    title = caption = "Pledges"
    filterset_class = PledgeFilterSet
    export_url_name = "pledges:export"
    labels = {"donor": "Donor", "area": "Capability area", "need": "Need (ID)",
              "available_after": "Available from", "available_before": "Available until"}
    offered = {"donor": shown_donors}
    columns = (
        id_column("pledges:detail"),
        Column("Donor", donor_name, sort="donor", href=donor_link,
               css=lambda p: "muted" if p.shown_donor_id is None else ""),
        Column("Kind", lambda p: p.get_kind_display()),
        Column("Item", _item),
        Column("Quantity or amount", _quantity, text=_quantity_text, sort="quantity"),
        Column("Earliest availability", attr("earliest_availability"),
               sort="earliest_availability"),
        Column("Need", attr("shown_need_id"), href=_need_link,
               text=lambda p: str(p.shown_need_id or "")),
        Column("State", lambda p: p.get_state_display(), sort="state"),
        Column("Below target", attr("shown_below_target"),
               text=lambda p: "below target" if p.shown_below_target else "",
               css=lambda p: "flag" if p.shown_below_target else ""),
    )

    query = staticmethod(queries.pledges)

    def bulk(self, request: HttpRequest, records: list, rows: QuerySet) -> dict | None:
        return PLEDGE_BULK.for_listing(request, records, rows)


def _described(pledge: Pledge) -> str:
    if pledge.kind == PledgeKind.FUNDING:
        what = _quantity_text(pledge)
    elif pledge.kind == PledgeKind.TRAINING:
        what = f"{_quantity_text(pledge)} on {_item(pledge) or 'a course'}"
    else:
        what = f"{_quantity_text(pledge)} × {_item(pledge)}"
    return f"Pledge {pledge.pk}: {donor_name(pledge)}, {what}"


# Coordinators accept or decline offered pledges many at a time.
PLEDGE_BULK = Bulk(
    model=Pledge, machine=PLEDGE_LIFECYCLE, actions={"accept": "Accept", "decline": "Decline"},
    rows=queries.pledges, act=services.act_on_pledge, describe=_described,
    listing=PledgeListing, shortcuts=(("pledges awaiting acceptance", "?state=offered"),),
    matching=("accept",),
)


@login_required
@require_http_methods(["GET", "POST"])
def pledge_bulk(request: HttpRequest) -> HttpResponse:
    return PLEDGE_BULK.view(request)


class StockPositionListing(Listing):
    name = "stock-positions"
    noun = ("stock position", "stock positions")
    title = caption = "Stock positions"
    filterset_class = StockPositionFilterSet
    export_url_name = "pledges:stock-export"
    labels = {"owner": "Donor", "area": "Capability area", "item_type": "Item type"}
    columns = (
        id_column("pledges:stock-detail"),
        Column("Donor", attr("owner.name"), href=lambda s: detail_link("parties:detail")(s.owner)),
        Column("Item", attr("item_type.name")),
        Column("Held", attr("quantity_held"), sort="quantity_held"),
        Column("Target minimum", attr("target_minimum"), sort="target_minimum"),
        Column("Committed", attr("committed")),
        Column("Backfill orders", attr("backfill_orders_count")),
    )

    @staticmethod
    def query(user: User) -> QuerySet[StockPosition]:
        return queries.stock_positions(user).annotate(
            backfill_orders_count=queries.backfill_orders_count())


def offered_needs(form: PledgeForm) -> list:
    """The needs the form offers to choose from: shown on the page, so they raise its banner."""
    field = form.fields.get("need")
    if field is None:
        return []
    return list(field.queryset.select_related(None).only("classification"))


@login_required
def pledge_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    pledge = visible_or_404(queries.pledges(user), user, pk)
    donor_hidden = pledge.shown_donor_id is None
    need = None
    if pledge.shown_need_id is not None:
        need = Need.objects.visible_to(user).select_related("item_type", "family", "region").get(
            pk=pledge.shown_need_id)
    position = None
    if pledge.shown_stock_position_id is not None and not donor_hidden:
        position = StockPosition.objects.visible_to(user).get(pk=pledge.shown_stock_position_id)
    can_edit = rules.has_perm("pledges.change_pledge", user, pledge)
    # Where it goes in the adopted plan (planning's panel): its donor and coordinators only.
    panels, shown = panels_for("pledges.pledge", pledge, user)
    context = {
        "pledge": pledge,
        "panels": panels,
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
            Pledge, history_entries(pledge, user.clearance,
                            **queries.history_masks(request.user, pledge)), user),
        "version": pledge.version,
        "GOODS": (PledgeKind.STOCK, PledgeKind.PROCUREMENT),
    }
    return render(request, "pledges/pledge_detail.html",
                  classify(context, [pledge], [need] if need else [], shown))


@login_required
@require_http_methods(["GET", "POST"])
def pledge_create(request: HttpRequest) -> HttpResponse:
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
def pledge_edit(request: HttpRequest, pk: int) -> HttpResponse:
    pledge = visible_or_404(queries.pledges(request.user), request.user, pk)
    return edit_page(request, pledge, PledgeForm, services.update_pledge,
                     groups=lambda form: [offered_needs(form)])


@login_required
@require_http_methods(["GET", "POST"])
def pledge_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    pledge = visible_or_404(queries.pledges(request.user), request.user, pk)
    return action_page(request, pledge, PLEDGE_LIFECYCLE, action, services.act_on_pledge,
                       PLEDGE_IRREVERSIBLE)


@login_required
def stock_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    position = visible_or_404(queries.stock_positions(user), user, pk)
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
        "history": present_history(StockPosition, history_entries(position, user.clearance), user),
    }
    return render(request, "pledges/stockposition_detail.html",
                  classify(context, [position], pledges))

