"""List pages and exports: organisations (reference data every signed-in user sees)."""


from clearinghouse.core.listing import Column, Listing, attr, detail_link

from .filtersets import OrganisationFilterSet
from .models import Organisation


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

    def queryset(self, user):
        return Organisation.objects.visible_to(user)


urlpatterns = OrganisationListing.urls()
