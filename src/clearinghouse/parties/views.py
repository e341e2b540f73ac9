"""Pages of organisations (reference data every signed-in user sees): the list and its
exports, an organisation's page."""
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from clearinghouse.core.listing import Column, Listing, attr, detail_link
from clearinghouse.core.views import visible_or_404

from . import queries
from .filtersets import OrganisationFilterSet


class OrganisationListing(Listing):
    name = "organisations"
    noun = ("organisation", "organisations")
    title = caption = "Organisations"
    filterset_class = OrganisationFilterSet
    export_url_name = "parties:export"
    labels = {"non_lethal_only": "Non-lethal goods only", "code": "Code"}
    columns = (
        Column("Code", attr("code"), sort="code", href=detail_link("parties:detail")),
        Column("Name", attr("name"), sort="name", href=detail_link("parties:detail")),
        Column("Kind", lambda o: o.get_kind_display(), sort="kind"),
        Column("Ally or partner", lambda o: o.get_alliance_status_display(),
               sort="alliance_status"),
        Column("GDP (EUR)", attr("gdp_eur"), sort="gdp_eur"),
        Column("GDP year", attr("gdp_year"), text=lambda o: str(o.gdp_year or "")),
        Column("GDP source", attr("gdp_source")),
    )

    query = staticmethod(queries.organisations)


@login_required
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    organisation = visible_or_404(
        queries.organisations(user).select_related("parent", "region"), user, pk)
    return render(request, "parties/organisation_detail.html", {"organisation": organisation})
