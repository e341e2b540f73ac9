"""Hub closures: entered by the hub's own logistics officers or a coordinator, through
``logistics.services`` and the API; bad input refused by field with nothing changed; a hub one
does not see is absent (404), one one may not close is refused (403)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from clearinghouse.core.errors import DomainError
from clearinghouse.logistics import services
from clearinghouse.logistics.models import HubClosure
from clearinghouse.parties.models import OrganisationKind
from clearinghouse.planning.snapshot import fingerprint
from clearinghouse.security.roles import Classification, Role

from ..factories import HubFactory, OrgOfKindFactory, UserFactory, in_days

pytestmark = pytest.mark.django_db


@pytest.fixture
def hub():
    """A RESTRICTED hub released to the coordinator and, by name, to one donor."""
    return HubFactory(code="rze", name="Hub Rzeszow", classification=Classification.RESTRICTED)


def officer(org, role=Role.LOGISTICS_OFFICER):
    return UserFactory(organisation=org, roles=[role], clearance=Classification.RESTRICTED)


@pytest.fixture
def hub_officer(hub):
    return officer(hub.owner)


@pytest.fixture
def other_operator():
    """A logistics officer of another hub's operator, who is shown this hub by name."""
    return officer(OrgOfKindFactory(kind=OrganisationKind.HUB_OPERATOR, code="OTHER"))


def new(api, user, hub_id, starts, ends, reason="runway works"):
    return api.as_(user).post("/api/hub-closures/", {
        "hub": hub_id, "starts_on": starts.isoformat(), "ends_on": ends.isoformat(),
        "reason": reason}, format="json")


def test_the_hubs_officer_closes_it_through_the_api(api, hub, hub_officer, donor_org):
    hub.released_to.add(donor_org)
    reply = new(api, hub_officer, hub.pk, in_days(7), in_days(20))
    assert reply.status_code == 201, reply.content
    body = reply.json()
    assert (body["hub"], body["hub_name"], body["starts_on"], body["ends_on"], body["reason"]) \
        == (hub.pk, "Hub Rzeszow", in_days(7).isoformat(), in_days(20).isoformat(),
            "runway works")
    closure = HubClosure.objects.get(pk=body["id"])
    # Released exactly as its hub: whoever sees the hub sees when it is closed.
    assert closure.owner_id == hub.owner_id
    assert closure.classification == hub.classification
    assert (closure.release_coordinator, closure.release_recipient,
            closure.release_all_donors) == (True, False, False)
    assert list(closure.released_to.all()) == [donor_org]
    entry = closure.history.get()
    assert entry.history_type == "+" and entry.history_user == hub_officer


def test_a_coordinator_closes_any_hub_and_the_plans_before_are_stale(api, hub, coordinator):
    before = fingerprint(coordinator)
    reply = new(api, coordinator, hub.pk, in_days(1), in_days(1))  # one day
    assert reply.status_code == 201, reply.content
    assert fingerprint(coordinator) != before


def test_a_closure_ending_before_it_starts_is_refused_by_ends_on(api, hub, hub_officer):
    reply = new(api, hub_officer, hub.pk, in_days(10), in_days(9))
    assert reply.status_code == 400
    assert list(reply.json()) == ["ends_on"]
    assert not HubClosure.objects.exists()
    with pytest.raises(DomainError) as refused:
        services.add_closure(hub_officer, hub, in_days(10), in_days(9), "x")
    assert refused.value.field == "ends_on"
    assert not HubClosure.objects.exists()


@pytest.mark.parametrize(("body", "field"), [
    ({"starts_on": "not a day"}, "starts_on"),
    ({"ends_on": ""}, "ends_on"),
    ({"reason": "x" * 201}, "reason"),
    ({"hub": "rze"}, "hub"),
    ({"hub": 2**70}, "hub"),
])
def test_bad_input_is_refused_by_field(api, hub, hub_officer, body, field):
    data = {"hub": hub.pk, "starts_on": in_days(1).isoformat(),
            "ends_on": in_days(2).isoformat(), "reason": "works"} | body
    reply = api.as_(hub_officer).post("/api/hub-closures/", data, format="json")
    assert reply.status_code == 400 and field in reply.json(), reply.content
    assert not HubClosure.objects.exists()


def test_the_service_checks_its_input_without_the_api(hub, hub_officer):
    with pytest.raises(DomainError) as refused:
        services.add_closure(hub_officer, hub, "2026-01-01", in_days(2))
    assert refused.value.field == "starts_on"
    with pytest.raises(DomainError) as refused:
        services.add_closure(hub_officer, hub, in_days(1), in_days(2), "y" * 201)
    assert refused.value.field == "reason"
    assert not HubClosure.objects.exists()


def test_who_may_not_close_a_hub_they_see_is_refused_403(api, hub, other_operator, donor,
                                                         donor_org, planner):
    hub.released_to.add(other_operator.organisation, donor_org)
    auditor = UserFactory(organisation=OrgOfKindFactory(kind=OrganisationKind.OVERSIGHT),
                          roles=[Role.AUDITOR], clearance=Classification.RESTRICTED)
    # The hub's operator's user without the logistics officer role may not close it either.
    clerk = officer(hub.owner, role=Role.TRAINING_OFFICER)
    for user in (other_operator, donor, auditor, clerk):
        reply = new(api, user, hub.pk, in_days(1), in_days(2))
        assert reply.status_code == 403, (user, reply.content)
        with pytest.raises(PermissionDenied):
            services.add_closure(user, hub, in_days(1), in_days(2))
    assert not HubClosure.objects.exists()


def test_a_hub_one_does_not_see_is_absent_not_forbidden(api, hub, planner, donor):
    for user in (planner, donor):
        reply = new(api, user, hub.pk, in_days(1), in_days(2))
        assert reply.status_code == 404
        assert "Rzeszow" not in reply.content.decode()
        with pytest.raises(Http404):
            services.add_closure(user, hub, in_days(1), in_days(2))
    # Nor does a hub that does not exist answer anything else.
    assert new(api, planner, 10**9, in_days(1), in_days(2)).status_code == 404
    assert not HubClosure.objects.exists()


def test_closures_are_read_by_whoever_sees_the_hub(api, hub, hub_officer, donor, donor_org,
                                                   planner):
    closure = services.add_closure(hub_officer, hub, in_days(3), in_days(4), "strike")
    other = services.add_closure(hub_officer, HubFactory(owner=hub.owner), in_days(3),
                                 in_days(4), "strike")
    listed = api.as_(hub_officer).get("/api/hub-closures/", {"hub": hub.pk}).json()
    assert [c["id"] for c in listed["results"]] == [closure.pk]
    assert api.as_(planner).get(f"/api/hub-closures/{closure.pk}/").status_code == 404
    assert api.as_(planner).get("/api/hub-closures/").json()["count"] == 0
    assert api.as_(donor).get(f"/api/hub-closures/{closure.pk}/").status_code == 404
    # Released to the donor later, the hub's closures made before stay as they were released.
    hub.released_to.add(donor_org)
    assert api.as_(donor).get(f"/api/hub-closures/{closure.pk}/").status_code == 404
    assert other.pk not in [c["id"] for c in listed["results"]]


def test_the_officer_moves_and_lifts_a_closure_under_its_version(api, hub, hub_officer,
                                                                 other_operator):
    closure = services.add_closure(hub_officer, hub, in_days(3), in_days(4), "strike")
    url = f"/api/hub-closures/{closure.pk}/"
    client = api.as_(hub_officer)
    body = {"version": closure.version, "starts_on": in_days(5).isoformat(),
            "ends_on": in_days(4).isoformat(), "reason": "strike"}
    reply = client.put(url, body, format="json")
    assert reply.status_code == 400 and list(reply.json()) == ["ends_on"]
    reply = client.put(url, body | {"ends_on": in_days(6).isoformat()}, format="json")
    assert reply.status_code == 200, reply.content
    assert reply.json()["version"] == closure.version + 1
    stale = client.put(url, body | {"ends_on": in_days(8).isoformat()}, format="json")
    assert stale.status_code == 409 and "version" in stale.json()
    closure.refresh_from_db()
    assert (closure.starts_on, closure.ends_on) == (in_days(5), in_days(6))
    # Another operator's officer, shown the hub, may not lift it.
    hub.released_to.add(other_operator.organisation)
    closure.released_to.add(other_operator.organisation)
    assert api.as_(other_operator).delete(url, {"version": closure.version},
                                          format="json").status_code == 403
    client = api.as_(hub_officer)
    assert client.delete(url, {"version": 1}, format="json").status_code == 409
    assert client.delete(url, {"version": closure.version}, format="json").status_code == 204
    assert not HubClosure.objects.filter(pk=closure.pk).exists()
    assert closure.history.latest().history_type == "-"


def test_the_coordinator_lifts_a_hubs_closure_the_planner_cannot(hub, hub_officer,
                                                                  coordinator, planner):
    closure = services.add_closure(hub_officer, hub, in_days(3), in_days(4))
    with pytest.raises(Http404):  # the planner does not see the hub
        services.lift_closure(planner, closure, closure.version)
    services.lift_closure(coordinator, closure, closure.version)
    assert not HubClosure.objects.exists()
