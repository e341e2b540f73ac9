"""The choke point: every list, detail page, export, API view and admin takes rows restricted
by ``visible_to(user)`` for that very reader, or refuses to run (docs/layers.md)."""

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from rest_framework.test import force_authenticate

import clearinghouse
from clearinghouse.core.admin import VisibleAdmin
from clearinghouse.core.api import VisibleViewSet
from clearinghouse.core.listing import Listing
from clearinghouse.needs.api.serializers import NeedSerializer
from clearinghouse.needs.filtersets import NeedFilterSet
from clearinghouse.needs.models import Need
from clearinghouse.needs.views import NeedListing
from clearinghouse.security.models import require_visible

from ..factories import NeedFactory

pytestmark = pytest.mark.django_db


def test_visible_to_marks_its_rows_for_the_reader_through_later_steps(coordinator, donor):
    rows = Need.objects.visible_to(coordinator)
    later = rows.filter(quantity__gt=0).select_related("region").order_by("-id").values("pk")
    assert require_visible(later, coordinator) is later
    with pytest.raises(ImproperlyConfigured):
        require_visible(rows, donor)  # restricted for someone else
    with pytest.raises(ImproperlyConfigured):
        require_visible(Need.objects.filter(pk__in=rows.values("pk")), coordinator)


def test_a_listing_may_not_replace_its_queryset():
    with pytest.raises(TypeError, match="declare query"):
        type("Sneaky", (Listing,), {"queryset": lambda self, user: Need.objects.all()})


def test_a_listing_whose_query_skips_visible_to_refuses_to_show_rows(coordinator, recipient):
    NeedFactory(owner=recipient)

    class Unrestricted(NeedListing):
        query = staticmethod(lambda user: Need.objects.all())

    request = RequestFactory().get("/needs/")
    request.user = coordinator
    with pytest.raises(ImproperlyConfigured, match="visible_to"):
        Unrestricted().page(request)
    with pytest.raises(ImproperlyConfigured):
        Unrestricted().export(request, "csv")


def test_an_api_view_whose_queryset_skips_visible_to_refuses_to_read(coordinator, recipient):
    NeedFactory(owner=recipient)

    class Unrestricted(VisibleViewSet):
        serializer_class = NeedSerializer
        filterset_class = NeedFilterSet

        def get_queryset(self):
            return Need.objects.all()

        def list(self, request):
            return self.filter_queryset(self.get_queryset())

    request = RequestFactory().get("/api/needs/")
    force_authenticate(request, user=coordinator)
    with pytest.raises(ImproperlyConfigured):
        Unrestricted.as_view({"get": "list"})(request)


def test_an_admin_may_not_replace_its_queryset():
    with pytest.raises(TypeError, match="visible_to"):
        type("SneakyAdmin", (VisibleAdmin,), {"get_queryset": lambda self, request: None})


def test_every_record_a_view_opens_goes_through_visible_or_404():
    """Django's and DRF's get_object_or_404 take any queryset; the views take visible_or_404,
    which takes only rows restricted for the reader."""
    package = Path(clearinghouse.__file__).resolve().parent
    found = [str(path.relative_to(package)) for path in package.rglob("*.py")
             if "get_object_or_404" in path.read_text() and path != package / "core/views.py"]
    assert found == []


def test_a_malformed_id_in_an_api_path_is_absent_not_an_error(api, coordinator):
    assert api.as_(coordinator).get("/api/plans/abc/history/").status_code == 404


def test_filtering_by_an_invisible_record_answers_as_by_one_that_does_not_exist(api, donor):
    """Issue 14, finding 11: an existence oracle (200 and empty, against 400)."""
    from ..factories import BackfillOrderFactory, OrganisationFactory, StockPositionFactory

    hidden = StockPositionFactory(owner=OrganisationFactory())
    BackfillOrderFactory(stock_position=hidden)
    missing = hidden.pk + 1000
    invisible = api.as_(donor).get("/api/backfill-orders/", {"stock_position": hidden.pk})
    absent = api.as_(donor).get("/api/backfill-orders/", {"stock_position": missing})
    assert invisible.status_code == absent.status_code == 400
    assert invisible.json() == {
        key: [m.replace(str(missing), str(hidden.pk)) for m in msgs]
        for key, msgs in absent.json().items()}


def test_every_record_filter_of_the_api_chooses_among_what_the_caller_sees():
    """The class of finding 11: a filter naming a controlled record takes its choices from
    visible_to(request.user) (a callable), never from every record."""
    import django_filters as df
    from django_filters.rest_framework import DjangoFilterBackend

    from clearinghouse.security.models import Controlled
    from clearinghouse.urls import router

    checked, unrestricted = 0, []
    for prefix, viewset, _ in router.registry:
        model = getattr(viewset, "model", None) or viewset.serializer_class.Meta.model
        # declared, or made from filterset_fields
        filterset = DjangoFilterBackend().get_filterset_class(viewset(), model.objects.none())
        for name, found in (filterset.base_filters.items() if filterset else ()):
            if isinstance(found, (df.ModelChoiceFilter, df.ModelMultipleChoiceFilter)):
                queryset = found.extra["queryset"]
                if callable(queryset):
                    checked += 1
                elif issubclass(queryset.model, Controlled):
                    unrestricted.append(f"{prefix}?{name}")
    assert unrestricted == [] and checked >= 1
