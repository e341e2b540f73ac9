"""The catalogue list (NSN, filters) and an item's page, counting only what the reader sees."""

from decimal import Decimal

import pytest
from django.urls import reverse

from clearinghouse.security.roles import Classification
from tests.conftest import banner, client_for, shown
from tests.factories import ItemTypeFactory, NeedFactory, PledgeFactory

pytestmark = pytest.mark.django_db
C = Classification


def test_catalogue_list_nsn_filters_and_detail_counts_what_the_user_sees(
    coordinator, other_donor, recipient, donor_org
):
    item = ItemTypeFactory(name="Mortar Tau", nsn="1015012345678", supply_class="1015",
                           lethal=True, unit_value_eur=Decimal("1200.50"))
    ItemTypeFactory(name="Blanket Rho", lethal=False)
    NeedFactory(owner=recipient, item_type=item, classification=C.COALITION)
    NeedFactory(owner=recipient, item_type=item, classification=C.RESTRICTED,
                release_all_donors=False)  # coordinator only
    PledgeFactory(owner=donor_org, item_type=item)  # coordinator only
    client = client_for(other_donor)
    reply = client.get("/catalogue/", {"q": "mortar"})
    assert [c.text for c in reply.context["rows"][0]["cells"]] == [
        "Mortar Tau", "1015-01-234-5678", "1015", item.area.name, "", "each", "1,200.50", "yes"]
    assert [r["cells"][0].text for r in client.get(
        "/catalogue/", {"lethal": "false"}).context["rows"]] == ["Blanket Rho"]
    assert shown(client.get("/catalogue/", {"nsn": "1015-01-234-5678"})) == [item.pk]
    detail = client.get(reverse("catalogue:detail", args=[item.pk])).content.decode()
    assert "1 need</a> for this item" in detail and "0 pledges" in detail
    detail = client_for(coordinator).get(reverse("catalogue:detail", args=[item.pk]))
    text = detail.content.decode()
    assert "2 needs</a> for this item" in text and "1 pledge</a>" in text
    assert banner(detail) == C.RESTRICTED
    assert client.get(reverse("catalogue:detail", args=[987654])).status_code == 404
