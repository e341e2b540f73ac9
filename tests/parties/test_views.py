"""The organisations list (filters, search, sort) and an organisation's page."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.conftest import client_for
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def test_organisations_list_filters_sort_and_detail(donor, recipient):
    OrganisationFactory(code="FIN", name="Finland", iso3="FIN", alliance_status="ally",
                        gdp_eur=Decimal("280000000000"), gdp_year=2023, gdp_source="IMF WEO")
    OrganisationFactory(code="CHE", name="Switzerland", iso3="CHE", alliance_status="partner")
    client = client_for(donor)
    reply = client.get("/organisations/", {"alliance_status": "partner"})
    assert [r["cells"][1].text for r in reply.context["rows"]] == ["Switzerland"]
    reply = client.get("/organisations/", {"q": "fin"})
    cells = [c.text for c in reply.context["rows"][0]["cells"]]
    assert cells == ["FIN", "Finland", "Donor nation", "Ally", "280,000,000,000", "2023",
                     "IMF WEO"]
    names = [r["cells"][1].text for r in client.get(
        "/organisations/", {"ordering": "-name"}).context["rows"]]
    assert names == sorted(names, reverse=True)
    fin = reply.context["rows"][0]["pk"]
    detail = client.get(reverse("parties:detail", args=[fin]))
    assert detail.status_code == 200 and "IMF WEO" in detail.content.decode()
    assert client.get(reverse("parties:detail", args=[987654])).status_code == 404
