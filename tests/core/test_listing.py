"""What every list page shares (core/listing.py): sign-in, pagination that keeps the filters,
bad filter input shown on every list, the export links, and queries bounded whatever the page size.

Each list's own columns, filters and visibility are tested in its app's test_views.py (and
tests/pledges/test_lists.py)."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from clearinghouse.needs.models import NeedState
from clearinghouse.pledges.models import PledgeKind
from tests.conftest import client_for, shown
from tests.factories import NeedFactory, PledgeFactory, RegionFactory, StockPositionFactory

pytestmark = pytest.mark.django_db


def test_lists_require_sign_in():
    for name in ("needs:list", "pledges:list", "pledges:stock-list", "parties:list",
                 "catalogue:list"):
        reply = Client().get(reverse(name))
        assert reply.status_code == 302 and "/accounts/login/" in reply["Location"]
        reply = Client().get(reverse(name.replace("list", "export"), args=["csv"]))
        assert reply.status_code == 302


def test_pagination_keeps_filters_and_caps_the_page_size(recipient, coordinator):
    region = RegionFactory(code="odesa", name="Odesa")
    made = [NeedFactory(owner=recipient, region=region, quantity=Decimal(i + 1)) for i in range(5)]
    NeedFactory(owner=recipient, state=NeedState.DRAFT)  # filtered out
    client = client_for(coordinator)
    first = client.get("/needs/", {"state": "open", "ordering": "quantity", "page_size": 2})
    assert shown(first) == [made[0].pk, made[1].pk]
    text = first.content.decode()
    assert "5 needs" in text and "Page 1 of 3" in text
    nxt = re.search(r'<a href="([^"]+)" rel="next">', text).group(1).replace("&amp;", "&")
    for kept in ("state=open", "ordering=quantity", "page_size=2", "page=2"):
        assert kept in nxt
    assert shown(client.get("/needs/" + nxt)) == [made[2].pk, made[3].pk]
    assert shown(client.get("/needs/", {"state": "open", "ordering": "quantity",
                                        "page_size": 2, "page": 99})) == [made[4].pk]
    capped = client.get("/needs/", {"page_size": 100000})
    assert capped.context["page_obj"].paginator.per_page == 200
    assert client.get("/needs/", {"page_size": "lots", "page": "x"}).status_code == 200
    # The export links carry the filters and sort, not the page.
    export = re.search(r'href="(/needs/export\.csv/[^"]*)"', text).group(1).replace("&amp;", "&")
    assert "state=open" in export and "ordering=quantity" in export and "page=" not in export


def test_bad_filter_input_on_every_list(coordinator):
    client = client_for(coordinator)
    for url, params in (("/pledges/", {"donor": "x"}), ("/pledges/", {"need": "x"}),
                        ("/pledges/stock/", {"item_type": "x"}),
                        ("/organisations/", {"kind": "pirate"}),
                        ("/catalogue/", {"area": "nowhere"})):
        reply = client.get(url, params)
        assert reply.status_code == 200 and 'class="errorlist"' in reply.content.decode(), url


def test_export_links_are_a_clear_pair(coordinator):
    text = client_for(coordinator).get("/pledges/", {"kind": "stock"}).content.decode()
    assert '<a href="/pledges/export.csv/?kind=stock" download>Export CSV</a>' in text
    assert '<a href="/pledges/export.xlsx/?kind=stock" download>Export XLSX</a>' in text


@pytest.mark.parametrize("url", ["/needs/", "/pledges/", "/pledges/stock/", "/organisations/",
                                 "/catalogue/"])
def test_query_count_does_not_grow_with_the_page_size(coordinator, recipient, donor_org, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(4):
        need = NeedFactory(owner=recipient)
        PledgeFactory(owner=donor_org, need=need, kind=PledgeKind.STOCK)
        StockPositionFactory(owner=donor_org)
    client = client_for(coordinator)
    counts = []
    for size in (1, 4):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, {"page_size": size}).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
