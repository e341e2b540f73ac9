"""Item types through the API: the NSN shown with dashes and filtered by; the catalogue is
read-only."""

import pytest

from tests.factories import ItemTypeFactory

pytestmark = pytest.mark.django_db


def test_item_type_api_shows_nsn_with_dashes_and_filters_by_it(api, donor):
    ItemTypeFactory(supply_class="1005", nsn="1005011234567", name="Howitzer")
    ItemTypeFactory(name="Other")
    reply = api.as_(donor).get("/api/item-types/?nsn=1005-01-123-4567").json()
    assert reply["count"] == 1 and reply["results"][0]["nsn"] == "1005-01-123-4567"


def test_catalogue_is_read_only_through_the_api(api, coordinator):
    reply = api.as_(coordinator).post("/api/item-types/", {"name": "x"}, format="json")
    assert reply.status_code == 405
