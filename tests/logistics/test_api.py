"""The hubs API: read-only reference data, each hub seen only by those it is released to."""

import pytest

from clearinghouse.logistics import queries
from clearinghouse.security.roles import Classification

from ..factories import HubFactory

pytestmark = pytest.mark.django_db


def test_a_hub_reads_with_its_operator_capacity_and_releasability(api, coordinator, donor_org):
    hub = HubFactory(code="rze", name="Rzeszów", weekly_capacity_pallets=480,
                     classification=Classification.RESTRICTED)
    hub.released_to.add(donor_org)
    body = api.as_(coordinator).get(f"/api/hubs/{hub.pk}/").json()
    assert (body["code"], body["name"], body["operator"], body["weekly_capacity_pallets"]) == (
        "rze", "Rzeszów", hub.owner_id, 480)
    assert body["released_to"] == [donor_org.pk] and body["release_coordinator"] is True


def test_a_donor_sees_only_the_hubs_released_to_it(api, donor, donor_org):
    named = HubFactory()
    named.released_to.add(donor_org)
    hidden = HubFactory()
    ids = [row["id"] for row in api.as_(donor).get("/api/hubs/").json()["results"]]
    assert ids == [named.pk]
    assert api.as_(donor).get(f"/api/hubs/{hidden.pk}/").status_code == 404
    assert list(queries.hubs(donor)) == [named]


def test_hubs_are_kept_in_the_admin_not_through_the_api(api, coordinator):
    hub = HubFactory()
    assert api.as_(coordinator).post("/api/hubs/", {"code": "x"}).status_code == 405
    assert api.as_(coordinator).patch(f"/api/hubs/{hub.pk}/", {"name": "y"}).status_code == 405


def test_a_hub_above_the_readers_clearance_is_absent_even_when_released_to_it(api, donor,
                                                                             donor_org):
    secret = HubFactory(classification=Classification.CONFIDENTIAL)
    secret.released_to.add(donor_org)
    assert api.as_(donor).get(f"/api/hubs/{secret.pk}/").status_code == 404
