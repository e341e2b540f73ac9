"""Detail pages, forms and lifecycle actions: an item type's facts and what is asked and
offered of it, counted over the needs and pledges the user sees."""

from types import SimpleNamespace

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max
from django.shortcuts import get_object_or_404, render
from django.urls import path

from clearinghouse.core.web import classify
from clearinghouse.needs.models import Need
from clearinghouse.pledges.models import Pledge

from .models import ItemType


def _tally(rows) -> dict:
    found = rows.aggregate(count=Count("pk"), highest=Max("classification"))
    return found


@login_required
def item_detail(request, pk: int):
    item = get_object_or_404(
        ItemType.objects.visible_to(request.user).select_related("area", "family"), pk=pk
    )
    user = request.user
    needs = _tally(Need.objects.visible_to(user).filter(item_type=item))
    family_needs = (_tally(Need.objects.visible_to(user).filter(family=item.family_id))
                    if item.family_id else None)
    pledges = _tally(Pledge.objects.visible_to(user).filter(item_type=item))
    context = {"item": item, "needs": needs, "family_needs": family_needs, "pledges": pledges}
    # The counts are aggregates of records: the banner rises to the most classified counted.
    counted = [SimpleNamespace(classification=t["highest"])
               for t in (needs, family_needs, pledges) if t and t["highest"] is not None]
    classify(context, counted)
    return render(request, "catalogue/itemtype_detail.html", context)


urlpatterns = [path("<int:pk>/", item_detail, name="detail")]
