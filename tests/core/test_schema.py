"""The schema's promises, read from the schema itself (the fuzzing of test_schema_fuzz.py checks
the answers against them): only lists page, every refusal is documented, masked fields are
nullable in answers only, and the few faults fuzzing found stay fixed."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers

from clearinghouse.core.serializers import MaskingSerializer
from clearinghouse.pledges.models import Pledge

from ..factories import PledgeFactory

METHODS = {"get", "put", "post", "patch", "delete"}


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def answer_schema(operation: dict, code: str) -> dict:
    return operation["responses"][code]["content"]["application/json"]["schema"]


def test_only_lists_page(schema):
    for path, method, operation in operations(schema):
        ok = answer_schema(operation, "201" if "201" in operation["responses"] else "200") \
            if operation["responses"].keys() & {"200", "201"} else {}
        paged = ok.get("$ref", "").startswith("#/components/schemas/Paginated")
        names = {p["name"] for p in operation.get("parameters", [])}
        assert paged == ("page" in names), (method, path)
        if path.endswith(("/history/", "/summary/")):
            assert ok["type"] == "array" and not paged, path
        if path.endswith("/history/"):  # the list's filters do not apply to one record
            assert names == {"id"}, (path, names)


def test_every_operation_documents_its_refusals(schema):
    for path, method, operation in operations(schema):
        codes = set(operation["responses"])
        assert "429" in codes, (method, path)
        assert ("403" in codes) == (path != "/api/token/"), (method, path)
        if "{" in path:
            assert "404" in codes, (method, path)
        if method != "get" and method != "delete":
            assert "400" in codes, (method, path)
        body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
        ref = body.get("schema", {}).get("$ref", "")
        sends_version = ref and "version" in schema["components"]["schemas"][
            ref.rsplit("/", 1)[1]].get("properties", {})
        if "{id}" in path and sends_version:
            assert "409" in codes, (method, path)
    errors = schema["components"]["schemas"]
    assert errors["Conflict"]["additionalProperties"] is False
    assert errors["Detail"]["required"] == ["detail"]


def test_masked_fields_are_nullable_in_answers_not_in_requests(schema):
    components = schema["components"]["schemas"]
    answer, request = components["Pledge"]["properties"], components["PledgeRequest"]["properties"]
    assert answer["origin_depot"]["nullable"] is True
    assert "nullable" not in request["origin_depot"]
    assert "nullable" not in answer["released_to"]  # blanked to an empty list
    plan = components["Plan"]["properties"]
    assert plan["created_by"]["nullable"] is True and "nullable" not in plan["state"]


def test_a_serializer_may_blank_only_what_it_declares():
    class Serializer(MaskingSerializer, serializers.ModelSerializer):
        masked = ("origin_depot",)

        class Meta:
            model = Pledge
            fields = ("origin_depot", "course")

    serializer = Serializer()
    assert serializer.blank({"origin_depot": "x"}, ["origin_depot"]) == {"origin_depot": None}
    with pytest.raises(ImproperlyConfigured, match="course"):
        serializer.blank({"course": "x"}, ["course"])


@pytest.mark.django_db
def test_an_unknown_api_address_answers_json_and_a_page_address_the_page(coordinator):
    client = Client()
    client.force_login(coordinator)
    reply = client.get("/api/needs/0.5/")
    assert reply.status_code == 404 and reply.json() == {"detail": "Not found."}
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["-2.69816305342179e+172", "99999999999999999999", "1.5", "0"])
def test_an_id_filter_refuses_what_cannot_be_an_id(api, coordinator, value):
    PledgeFactory()
    reply = api.as_(coordinator).get("/api/pledges/", {"need": value})
    assert reply.status_code == 400 and "need" in reply.json()
