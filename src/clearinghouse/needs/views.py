"""List pages and exports: the needs the user may see, with the API's filters."""

from clearinghouse.core.listing import Column, Listing, attr, id_column

from .filtersets import NeedFilterSet
from .models import Need


def _what(need) -> str:
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

    def queryset(self, user):
        # As NeedViewSet.get_queryset.
        return (Need.objects.visible_to(user)
                .select_related("item_type__area", "family__area", "region"))


urlpatterns = NeedListing.urls()
