"""The project's URLs plus bare Django list views, the baseline bench/api.py compares against.

A bare view applies the same filter (``state``), the same visibility (``visible_to``), the same
ordering and the same page size as the API, and returns ``values()`` through JsonResponse: no
serializers, no filtersets, no permissions framework.
"""

from django.http import JsonResponse
from django.urls import path

from clearinghouse.needs.models import Need
from clearinghouse.pledges.models import Pledge
from clearinghouse.urls import urlpatterns as project_urlpatterns

NEED_FIELDS = (
    "id", "owner_id", "item_type_id", "family_id", "quantity", "priority", "required_by",
    "region_id", "justification", "state", "classification", "release_coordinator",
    "release_recipient", "release_all_donors", "version", "created_at",
)
# As the caller may see them: the donor (NULL when anonymous to the caller), the need and the
# stock position (NULL when not visible); never owner_id, need_id or stock_position_id.
PLEDGE_FIELDS = (
    "id", "shown_donor_id", "kind", "item_type_id", "quantity", "amount_eur",
    "funding_non_lethal_only", "places", "course", "earliest_availability", "shown_need_id",
    "shown_stock_position_id", "anonymous", "below_target", "state", "classification",
    "release_coordinator", "release_recipient", "release_all_donors", "version", "created_at",
)


def _page(request, rows, fields):
    try:
        size = min(max(int(request.GET.get("page_size", 50)), 1), 500)
    except ValueError:
        return JsonResponse({"page_size": ["A whole number is required."]}, status=400)
    if states := request.GET.getlist("state"):
        rows = rows.filter(state__in=states)
    return JsonResponse({"count": rows.count(), "results": list(rows.values(*fields)[:size])})


def _refused():
    return JsonResponse({"detail": "Authentication credentials were not provided."}, status=403)


def bare_needs(request):
    if not request.user.is_authenticated:
        return _refused()
    return _page(request, Need.objects.visible_to(request.user), NEED_FIELDS)


def bare_pledges(request):
    user = request.user
    if not user.is_authenticated:
        return _refused()
    rows = Pledge.objects.visible_to(user).with_visible_references(user)
    return _page(request, rows, PLEDGE_FIELDS)


urlpatterns = [
    path("bench/needs/", bare_needs, name="bench-needs"),
    path("bench/pledges/", bare_pledges, name="bench-pledges"),
    *project_urlpatterns,
]
