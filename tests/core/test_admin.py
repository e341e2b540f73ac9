"""The admin obeys the same lifecycle, rules and concurrency as the API."""

import pytest
from django.test import Client

from clearinghouse.needs.models import NeedState
from clearinghouse.parties.models import OrganisationKind
from clearinghouse.security.roles import Role
from tests.factories import NeedFactory, OrgOfKindFactory, UserFactory

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_lifecycle_action_is_all_or_nothing(coordinator):
    ready = NeedFactory(state=NeedState.SUBMITTED)
    not_ready = NeedFactory(state=NeedState.DRAFT)
    reply = signed_in(coordinator).post(
        "/admin/needs/need/",
        {"action": "lifecycle_validate", "_selected_action": [ready.pk, not_ready.pk]},
        follow=True,
    )
    assert "Nothing changed" in reply.content.decode()
    ready.refresh_from_db()
    assert ready.state == NeedState.SUBMITTED  # rolled back with the refused one
    reply = signed_in(coordinator).post(
        "/admin/needs/need/", {"action": "lifecycle_validate", "_selected_action": [ready.pk]},
        follow=True,
    )
    ready.refresh_from_db()
    assert ready.state == NeedState.VALIDATED
    assert ready.history.first().history_user == coordinator


def test_lifecycle_action_refused_to_a_donor(donor):
    need = NeedFactory(state=NeedState.SUBMITTED)
    reply = signed_in(donor).post(
        "/admin/needs/need/", {"action": "lifecycle_validate", "_selected_action": [need.pk]},
        follow=True,
    )
    need.refresh_from_db()
    assert need.state == NeedState.SUBMITTED
    assert "Nothing changed" in reply.content.decode()


def test_stale_admin_edit_is_refused_and_keeps_the_first():
    admin = UserFactory(
        is_superuser=True, roles=[Role.ADMINISTRATOR],
        organisation=OrgOfKindFactory(kind=OrganisationKind.PLATFORM),
    )
    hub_operator = OrgOfKindFactory(kind=OrganisationKind.HUB_OPERATOR, name="Rzeszow hub ops")
    url = f"/admin/parties/organisation/{hub_operator.pk}/change/"
    form = {"code": hub_operator.code, "name": "Renamed once", "kind": hub_operator.kind,
            "iso3": "", "alliance_status": "", "gdp_source": "", "expected_version": 1}
    first = signed_in(admin).post(url, form)
    assert first.status_code == 302
    second = signed_in(admin).post(url, {**form, "name": "Renamed twice"})
    assert second.status_code == 200
    assert "Someone else changed this record" in second.content.decode()
    hub_operator.refresh_from_db()
    assert (hub_operator.name, hub_operator.version) == ("Renamed once", 2)


def test_admin_shows_history_and_refuses_direct_edits_of_needs(coordinator):
    need = NeedFactory()
    client = signed_in(coordinator)
    assert client.get(f"/admin/needs/need/{need.pk}/history/").status_code == 200
    assert client.get("/admin/needs/need/add/").status_code == 403
    reply = client.post(f"/admin/needs/need/{need.pk}/change/", {"quantity": 1})
    assert reply.status_code == 403
    need.refresh_from_db()
    assert need.quantity == 100


def test_administrator_manages_organisations_but_no_assistance_data():
    admin = UserFactory(
        is_superuser=True, roles=[Role.ADMINISTRATOR],
        organisation=OrgOfKindFactory(kind=OrganisationKind.PLATFORM),
    )
    need = NeedFactory()
    client = signed_in(admin)
    assert client.get("/admin/parties/organisation/").status_code == 200
    assert client.get(f"/admin/needs/need/{need.pk}/change/").status_code == 302  # not found
    listing = client.get("/admin/needs/need/")
    assert listing.status_code == 200 and listing.context["cl"].result_count == 0


@pytest.mark.parametrize("lookup", ["owner__id__exact", "owner", "origin_depot__icontains",
                                    "stock_position__owner"])
def test_admin_url_lookups_cannot_single_out_an_anonymous_donor(donor, lookup):
    from tests.factories import OrganisationFactory, PledgeFactory

    giver = OrganisationFactory()
    PledgeFactory(owner=giver, anonymous=True, classification=1, release_all_donors=True,
                  origin_depot="Depot A")
    value = "Depot" if "depot" in lookup else giver.pk
    reply = signed_in(donor).get(f"/admin/pledges/pledge/?{lookup}={value}")
    assert reply.status_code == 400  # DisallowedModelAdminLookup: refused, nothing listed


def test_coordinator_may_filter_pledges_by_donor(coordinator):
    from tests.factories import OrganisationFactory, PledgeFactory

    giver = OrganisationFactory()
    PledgeFactory(owner=giver, anonymous=True)
    reply = signed_in(coordinator).get(f"/admin/pledges/pledge/?owner__id__exact={giver.pk}")
    assert reply.status_code == 200 and reply.context["cl"].result_count == 1


def test_history_of_an_invisible_record_is_absent(donor, coordinator):
    need = NeedFactory(release_all_donors=False)  # coordinator and recipient only
    version = need.history.earliest().history_id
    for url in (f"/admin/needs/need/{need.pk}/history/",
                f"/admin/needs/need/{need.pk}/history/{version}/",
                "/admin/needs/need/not-a-number/history/"):
        assert signed_in(donor).get(url).status_code == 404, url
    assert signed_in(coordinator).get(f"/admin/needs/need/{need.pk}/history/").status_code == 200
    page = signed_in(coordinator).get(f"/admin/needs/need/{need.pk}/history/{version}/")
    assert page.status_code == 200 and "Revert" not in page.content.decode()


def test_the_admin_refuses_a_classification_above_the_writers_clearance(coordinator_org):
    from clearinghouse.logistics.models import Hub
    from clearinghouse.security.roles import Classification
    from tests.factories import HubFactory

    writer = UserFactory(organisation=coordinator_org, roles=[Role.COORDINATOR],
                         clearance=Classification.RESTRICTED, is_staff=True)
    hub = HubFactory(classification=Classification.RESTRICTED)
    url = f"/admin/logistics/hub/{hub.pk}/change/"
    form = {"owner": hub.owner_id, "code": hub.code, "name": hub.name, "country_iso3": "POL",
            "weekly_capacity_pallets": 400, "classification": Classification.CONFIDENTIAL,
            "release_coordinator": "on", "expected_version": hub.version}
    reply = signed_in(writer).post(url, form)
    assert reply.status_code == 200  # the form again, with the error on its field
    assert "above your clearance" in reply.content.decode()
    assert Hub.objects.get(pk=hub.pk).classification == Classification.RESTRICTED
    form["classification"] = Classification.RESTRICTED
    form["name"] = "Renamed"
    assert signed_in(writer).post(url, form).status_code == 302
    assert Hub.objects.get(pk=hub.pk).name == "Renamed"


def test_no_admin_page_shows_an_api_key(coordinator):
    """Issue 14, finding 1: the admin listed every key in clear; with the coordinator's, an
    administrator read as the coordinator. Now only its first characters are kept."""
    from clearinghouse.parties.models import ApiToken

    token, key = ApiToken.issue(coordinator, "reports")
    admin = UserFactory(
        is_superuser=True, roles=[Role.ADMINISTRATOR],
        organisation=OrgOfKindFactory(kind=OrganisationKind.PLATFORM),
    )
    client = signed_in(admin)
    listing = client.get("/admin/parties/apitoken/").content.decode()
    assert token.start in listing and key not in listing
    page = client.get(f"/admin/parties/apitoken/{token.pk}/change/").content.decode()
    assert key not in page and key[len(token.start):] not in page
    client.post("/admin/parties/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert signed_in(coordinator).get("/admin/parties/apitoken/").status_code == 403


def test_the_administrator_lists_and_opens_accounts(coordinator):
    """Issue 14, finding 10: 'UserManager' object has no attribute 'visible_to' (500)."""
    admin = UserFactory(
        is_superuser=True, roles=[Role.ADMINISTRATOR],
        organisation=OrgOfKindFactory(kind=OrganisationKind.PLATFORM),
    )
    client = signed_in(admin)
    listing = client.get("/admin/parties/user/")
    assert listing.status_code == 200 and coordinator.username in listing.content.decode()
    assert client.get(f"/admin/parties/user/{coordinator.pk}/change/").status_code == 200


def test_a_list_column_names_no_record_the_reader_may_not_see(donor, coordinator):
    """Issue 14: the pledge list's need column named needs the reader may not see. Every
    column that points to a controlled record shows it only to those who see it."""
    from tests.factories import HubFactory, ItemTypeFactory, PledgeFactory, RouteFactory

    hidden = NeedFactory(release_all_donors=False,
                         item_type=ItemTypeFactory(name="Secret radar"))
    seen = NeedFactory(item_type=ItemTypeFactory(name="Open mortar"))
    for need in (hidden, seen):  # the pledges' own item names neither need
        PledgeFactory(owner=donor.organisation, need=need, item_type=ItemTypeFactory())
    page = signed_in(donor).get("/admin/pledges/pledge/").content.decode()
    assert "Open mortar" in page and f"Need {seen.pk}:" in page
    assert "Secret radar" not in page and f"Need {hidden.pk}:" not in page
    assert "not shown" in page
    page = signed_in(coordinator).get("/admin/pledges/pledge/").content.decode()
    assert "Secret radar" in page and "Open mortar" in page
    # The same for any such column: a route's hub the reader may not see.
    secret_hub = HubFactory(name="Hub Hidden", release_all_donors=False,
                            release_coordinator=False)
    RouteFactory(hub=secret_hub, owner=donor.organisation, release_all_donors=True)
    for name in ("Hub Open", "Hub Two"):
        RouteFactory(hub=HubFactory(name=name, release_all_donors=True), release_all_donors=True)
    page = signed_in(donor).get("/admin/logistics/route/").content.decode()
    assert "Hub Open" in page and "By hub" in page
    assert "Hub Hidden" not in page and "not shown" in page  # nor in the filter by hub


def test_a_form_offers_only_records_the_writer_may_see(coordinator_org):
    from tests.factories import HubFactory

    writer = UserFactory(organisation=coordinator_org, roles=[Role.COORDINATOR],
                         clearance=2, is_staff=True)  # RESTRICTED
    HubFactory(name="Hub Cleared", classification=2)
    HubFactory(name="Hub Above", classification=3)  # CONFIDENTIAL
    page = signed_in(writer).get("/admin/logistics/route/add/").content.decode()
    assert "Hub Cleared" in page and "Hub Above" not in page
