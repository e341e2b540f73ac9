"""The API's surface: schema, docs, authentication, pagination, error shape."""

import pytest
from rest_framework.test import APIClient

from tests.factories import NeedFactory

pytestmark = pytest.mark.django_db


def test_openapi_schema_lists_every_resource_and_lifecycle_action(api, donor):
    reply = api.as_(donor).get("/api/schema/?format=json")
    assert reply.status_code == 200
    paths = reply.json()["paths"]
    for path in ("/api/needs/", "/api/pledges/", "/api/stock-positions/", "/api/backfill-orders/",
                 "/api/organisations/", "/api/item-types/", "/api/hubs/",
                 "/api/needs/{id}/validate/", "/api/pledges/{id}/accept/",
                 "/api/pledges/{id}/history/", "/api/pledges/summary/"):
        assert path in paths, path


def test_docs_page_is_served_without_a_cdn(api, donor):
    reply = api.as_(donor).get("/api/docs/")
    assert reply.status_code == 200
    page = reply.content.decode()
    assert "swagger" in page.lower()
    assert "cdn." not in page and "unpkg" not in page and "jsdelivr" not in page


def test_anonymous_caller_gets_401_or_403_and_no_data():
    NeedFactory()
    reply = APIClient().get("/api/needs/")
    assert reply.status_code in (401, 403)
    assert "results" not in reply.json()


def test_token_authentication(donor):
    donor.set_password("s3cret-pass")
    donor.save()
    client = APIClient()
    token = client.post("/api/token/", {"username": donor.username, "password": "s3cret-pass"})
    assert token.status_code == 200
    assert token.json()["token"].startswith("ch_")  # a new key, shown once (tokens_test.py)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    me = client.get("/api/me/").json()
    assert me["organisation"]["code"] == donor.organisation.code
    assert me["roles"] == ["donor_representative"]


def test_pagination_pages_of_50_and_page_size(api, coordinator):
    for _ in range(3):
        NeedFactory.create_batch(25)
    first = api.as_(coordinator).get("/api/needs/").json()
    assert first["count"] == 75 and len(first["results"]) == 50 and first["next"]
    small = api.as_(coordinator).get("/api/needs/?page_size=10&page=8").json()
    assert len(small["results"]) == 5


def test_bad_filter_value_is_named(api, coordinator):
    reply = api.as_(coordinator).get("/api/needs/?priority=urgent")
    assert reply.status_code == 400 and "priority" in reply.json()
    reply = api.as_(coordinator).get("/api/pledges/summary/?group_by=colour")
    assert reply.status_code == 400 and "group_by" in reply.json()


def test_malformed_json_is_a_400(api, donor):
    reply = api.as_(donor).generic("POST", "/api/pledges/", "{not json",
                                   content_type="application/json")
    assert reply.status_code == 400 and "detail" in reply.json()


def test_sorting_only_by_declared_fields(api, donor):
    from tests.factories import OrganisationFactory, PledgeFactory

    giver = OrganisationFactory()
    PledgeFactory(owner=giver, anonymous=True, classification=1, release_all_donors=True)
    reply = api.as_(donor).get("/api/pledges/?ordering=stock_position")
    assert reply.status_code == 400 and "ordering" in reply.json()
    assert api.as_(donor).get("/api/pledges/?ordering=-donor").status_code == 200


def test_schema_is_valid_openapi_without_warnings(tmp_path):
    from django.core.management import call_command

    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert "/api/needs/{id}/submit/:" in target.read_text()


@pytest.mark.parametrize("body", [
    "[" * 100_000 + "]" * 100_000,  # past the decoder's stack
    '{"a":' * 40 + "1" + "}" * 40,  # decodes, deeper than any body of the API
])
def test_a_body_nested_too_deep_is_bad_input_not_a_fault(api, donor, body):
    """Issue 14, finding 10: a RecursionError answered 500."""
    reply = api.as_(donor).generic("POST", "/api/pledges/", body, content_type="application/json")
    assert reply.status_code == 400, reply.content
    assert "nested" in reply.json()["detail"]


@pytest.mark.parametrize("path", ["regions", "capability-areas", "capability-coalitions",
                                  "compatibility-families", "organisations", "item-types"])
def test_every_reference_record_has_its_history(api, donor, path):
    """Issue 14, finding 10: /history/ of the reference data without history answered 500."""
    from clearinghouse.catalogue.models import CapabilityCoalition
    from tests.factories import AreaFactory, FamilyFactory, ItemTypeFactory, RegionFactory

    for make in (AreaFactory, FamilyFactory, ItemTypeFactory, RegionFactory):
        make()
    CapabilityCoalition.objects.create(name="Air defence coalition", area=AreaFactory())
    first = api.as_(donor).get(f"/api/{path}/").json()["results"][0]
    reply = api.as_(donor).get(f"/api/{path}/{first['id']}/history/")
    assert reply.status_code == 200, reply.content
    assert isinstance(reply.json(), list)
