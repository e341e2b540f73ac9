"""Pages of the catalogue: the list of item types and its exports, an item type's page (its
facts, and the counts other apps add as panels: needs and pledges of it, over what the reader
sees)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from clearinghouse.core import words
from clearinghouse.core.listing import Column, Listing, attr, detail_link
from clearinghouse.core.panels import panels_for
from clearinghouse.core.views import visible_or_404
from clearinghouse.core.web import classify

from . import queries
from .filtersets import ItemTypeFilterSet


class ItemTypeListing(Listing):
    name = "catalogue"
    noun = ("item type", "item types")
    title = caption = "Catalogue"
    filterset_class = ItemTypeFilterSet
    export_url_name = "catalogue:export"
    labels = {"area": "Capability area", "family": "Compatibility family", "nsn": "NSN"}
    columns = (
        Column("Name", attr("name"), sort="name", href=detail_link("catalogue:detail")),
        Column("NSN", attr("nsn_display"), sort="nsn"),
        Column("Supply class", attr("supply_class"), sort="supply_class"),
        Column("Area", attr("area.name")),
        Column("Family", attr("family.name")),
        Column("Unit", lambda i: i.get_unit_of_issue_display()),
        Column("Value (EUR)", attr("unit_value_eur"), sort="unit_value_eur",
               text=lambda i: words.euros(i.unit_value_eur)),
        Column("Lethal", attr("lethal"), sort="lethal"),
    )

    query = staticmethod(queries.item_types)


@login_required
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    item = visible_or_404(queries.item_types(user), user, pk)
    panels, shown = panels_for("catalogue.itemtype", item, user)
    context = {"item": item, "panels": panels}
    return render(request, "catalogue/itemtype_detail.html", classify(context, shown))
