"""List pages and exports: the catalogue of item types."""

from clearinghouse.core.listing import Column, Listing, attr, detail_link

from .filtersets import ItemTypeFilterSet
from .models import ItemType


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
        Column("Value (EUR)", attr("unit_value_eur"), sort="unit_value_eur"),
        Column("Lethal", attr("lethal"), sort="lethal"),
    )

    def queryset(self, user):
        return ItemType.objects.visible_to(user).select_related("area", "family")


urlpatterns = ItemTypeListing.urls()
