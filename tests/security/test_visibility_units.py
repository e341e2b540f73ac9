"""Units of the one rule set: visibility_q / visible_to, audiences(), sees_donors(), and the
refusal of every assistance-data action to an administrator (DESIGN.md, Who sees what)."""

import pytest
import rules
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from clearinghouse.logistics.models import Hub
from clearinghouse.needs import services as need_services
from clearinghouse.needs.models import Need, NeedState
from clearinghouse.parties.models import OrganisationKind
from clearinghouse.pledges import services as pledge_services
from clearinghouse.pledges.models import Pledge, PledgeState, StockPosition
from clearinghouse.security.models import visibility_q
from clearinghouse.security.roles import Audience, Classification, Role, audiences, sees_donors
from tests.factories import (
    HubFactory,
    NeedFactory,
    OrganisationFactory,
    OrgOfKindFactory,
    PledgeFactory,
    RecipientFactory,
    RegionFactory,
    StockPositionFactory,
    UserFactory,
    in_days,
)

pytestmark = pytest.mark.django_db

C = Classification
LEVELS = list(Classification)
FACTORIES = {Need: NeedFactory, Pledge: PledgeFactory, StockPosition: StockPositionFactory,
             Hub: HubFactory}
MODELS = [pytest.param(m, id=m.__name__) for m in FACTORIES]
NO_RELEASE = {"release_coordinator": False, "release_recipient": False,
              "release_all_donors": False}


def make(model, released_to=(), **over):
    """A record of ``model`` released to no audience unless ``over`` says otherwise."""
    record = FACTORIES[model](**{**NO_RELEASE, **over})
    record.released_to.set(released_to)
    return record


def sees(user, record) -> bool:
    model = type(record)
    by_q = model.objects.filter(visibility_q(model, user), pk=record.pk).exists()
    by_manager = model.objects.visible_to(user).filter(pk=record.pk).exists()
    assert by_q == by_manager
    return by_q


def user_of(org, *roles, clearance=C.CONFIDENTIAL, **over):
    return UserFactory(organisation=org, roles=list(roles), clearance=clearance, **over)


@pytest.fixture
def recipient():
    return RecipientFactory()


@pytest.fixture
def unit(recipient):
    return OrgOfKindFactory(kind=OrganisationKind.RECIPIENT_UNIT, parent=recipient,
                            region=RegionFactory())


# -- no organisation, no data ------------------------------------------------------------------

@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("roles", [[], [Role.COORDINATOR], [Role.AUDITOR]])
def test_a_user_without_organisation_sees_nothing_even_public_and_released_to_all(model, roles):
    record = make(model, classification=C.PUBLIC, release_coordinator=True,
                  release_recipient=True, release_all_donors=True)
    nobody = user_of(None, *roles)
    assert not sees(nobody, record)
    assert not model.objects.visible_to(nobody).exists()
    # The same record is seen by a donor, so the filter, not the data, is what hides it.
    assert sees(user_of(OrganisationFactory(), Role.DONOR_REPRESENTATIVE), record)


@pytest.mark.parametrize("model", MODELS)
def test_an_unauthenticated_reader_sees_nothing(model):
    make(model, classification=C.PUBLIC, release_all_donors=True, release_recipient=True)
    assert not model.objects.visible_to(AnonymousUser()).exists()
    assert audiences(AnonymousUser()) == frozenset()


# -- clearance: equal sees, one below does not, whatever gives the need to know ----------------

GROUNDS = ["owner", "all donors", "named"]


@pytest.mark.parametrize("ground", GROUNDS)
@pytest.mark.parametrize("clearance", LEVELS, ids=lambda c: f"cleared-{c.label}")
@pytest.mark.parametrize("classification", LEVELS, ids=lambda c: f"record-{c.label}")
def test_clearance_must_reach_the_classification(classification, clearance, ground):
    reader_org = OrganisationFactory()
    owner = reader_org if ground == "owner" else OrganisationFactory()
    release = {"release_all_donors": ground == "all donors"}
    named = [reader_org] if ground == "named" else []
    record = make(Pledge, owner=owner, classification=classification, released_to=named,
                  **release)
    reader = user_of(reader_org, Role.DONOR_REPRESENTATIVE, clearance=clearance)
    assert sees(reader, record) == (clearance >= classification)


@pytest.mark.parametrize("model", MODELS)
def test_boundary_equal_clearance_sees_one_level_below_does_not(model):
    org = OrganisationFactory()
    record = make(model, owner=org, classification=C.RESTRICTED)
    assert sees(user_of(org, clearance=C.RESTRICTED), record)
    assert not sees(user_of(org, clearance=C.COALITION), record)


# -- audiences ---------------------------------------------------------------------------------

def test_coordinators_and_auditors_belong_to_the_coordinator_audience():
    coordinator = user_of(OrgOfKindFactory(kind=OrganisationKind.COORDINATOR), Role.COORDINATOR)
    auditor = user_of(OrgOfKindFactory(kind=OrganisationKind.OVERSIGHT), Role.AUDITOR)
    for user in (coordinator, auditor):
        assert audiences(user) == {Audience.COORDINATOR}
        assert sees_donors(user)
    record = make(Pledge, release_coordinator=True)  # of another donor, coordinator only
    assert sees(auditor, record) and sees(coordinator, record)
    assert not sees(user_of(OrganisationFactory(), Role.DONOR_REPRESENTATIVE), record)


@pytest.mark.parametrize("kind", [OrganisationKind.RECIPIENT, OrganisationKind.RECIPIENT_UNIT])
def test_the_recipient_and_its_units_belong_to_the_recipient_audience(recipient, unit, kind):
    org = recipient if kind == OrganisationKind.RECIPIENT else unit
    reader = user_of(org, Role.TRAINING_OFFICER)
    assert audiences(reader) == {Audience.RECIPIENT}
    assert not sees_donors(reader)
    for_recipient = make(Need, owner=RecipientFactory(), release_recipient=True)
    for_donors = make(Need, owner=RecipientFactory(), release_all_donors=True)
    assert sees(reader, for_recipient)
    assert not sees(reader, for_donors)


@pytest.mark.parametrize(
    "kind", [OrganisationKind.DONOR_NATION, OrganisationKind.DONOR_ORGANISATION]
)
def test_donor_nations_and_organisations_belong_to_all_donors(kind):
    org = OrganisationFactory(kind=kind)
    reader = user_of(org, Role.DONOR_REPRESENTATIVE)
    assert audiences(reader) == {Audience.ALL_DONORS}
    assert not sees_donors(reader)
    assert sees(reader, make(Pledge, release_all_donors=True))
    assert not sees(reader, make(Pledge, release_recipient=True, release_coordinator=True))


@pytest.mark.parametrize(
    "kind", [OrganisationKind.HUB_OPERATOR, OrganisationKind.PLATFORM]
)
def test_hub_operators_and_the_platform_belong_to_no_audience(kind):
    reader = user_of(OrgOfKindFactory(kind=kind), Role.LOGISTICS_OFFICER, Role.ADMINISTRATOR)
    assert audiences(reader) == frozenset()
    everywhere = make(Pledge, release_coordinator=True, release_recipient=True,
                      release_all_donors=True)
    assert not sees(reader, everywhere)


# -- named organisations -----------------------------------------------------------------------

@pytest.mark.parametrize("model", MODELS)
def test_a_named_organisation_sees_what_is_released_to_it_and_nothing_else(model):
    x = OrgOfKindFactory(kind=OrganisationKind.HUB_OPERATOR)
    y = OrgOfKindFactory(kind=OrganisationKind.HUB_OPERATOR)
    owner = OrganisationFactory()
    to_x = make(model, owner=owner, released_to=[x])
    to_y = make(model, owner=owner, released_to=[y])
    to_both = make(model, owner=owner, released_to=[x, y])
    make(model, owner=owner)  # released to no one: only its owner sees it
    reader = user_of(x, Role.LOGISTICS_OFFICER)
    assert set(model.objects.visible_to(reader)) == {to_x, to_both}
    assert not sees(reader, to_y)
    # Released to several: listed once, not once per name.
    assert model.objects.visible_to(user_of(y)).filter(pk=to_both.pk).count() == 1


def test_a_named_release_does_not_lift_the_clearance():
    x = OrganisationFactory()
    record = make(Need, classification=C.CONFIDENTIAL, released_to=[x])
    assert not sees(user_of(x, clearance=C.RESTRICTED), record)
    assert sees(user_of(x, clearance=C.CONFIDENTIAL), record)


def test_the_owner_sees_its_record_released_to_no_one():
    org = OrganisationFactory()
    record = make(StockPosition, owner=org)
    assert sees(user_of(org), record)
    assert not sees(user_of(OrganisationFactory()), record)


# -- administrators: no back door --------------------------------------------------------------

@pytest.fixture(params=["no organisation", "platform organisation"])
def superuser(request):
    org = (None if request.param == "no organisation"
           else OrgOfKindFactory(kind=OrganisationKind.PLATFORM))
    return user_of(org, Role.ADMINISTRATOR, is_superuser=True, is_staff=True)


@pytest.fixture
def assistance_data():
    """A need and a pledge every audience may see, at the lowest classification."""
    everyone = {"classification": C.PUBLIC, "release_coordinator": True,
                "release_recipient": True, "release_all_donors": True}
    need = NeedFactory(state=NeedState.SUBMITTED, **everyone)
    pledge = PledgeFactory(state=PledgeState.OFFERED, **everyone)
    return need, pledge


def test_a_superuser_sees_no_needs_or_pledges(superuser, assistance_data):
    for model in (Need, Pledge, StockPosition, Hub):
        assert not model.objects.visible_to(superuser).exists()
    need, pledge = assistance_data
    assert not sees(superuser, need) and not sees(superuser, pledge)


def test_a_superuser_sees_no_needs_or_pledges_in_the_api_or_admin(superuser, assistance_data,
                                                                 api, client):
    need, pledge = assistance_data
    api.as_(superuser)
    assert api.get("/api/needs/").json()["count"] == 0
    assert api.get("/api/pledges/").json()["count"] == 0
    assert api.get(f"/api/pledges/{pledge.pk}/").status_code == 404
    client.force_login(superuser)
    for url in ("/admin/needs/need/", "/admin/pledges/pledge/"):
        assert client.get(url).context["cl"].result_count == 0


@pytest.mark.parametrize(
    ("act", "perm"),
    [
        (lambda u, n, p: need_services.act_on_need(u, n, "validate"), "needs.validate_need"),
        (lambda u, n, p: need_services.act_on_need(u, n, "cancel"), "needs.cancel_need"),
        (lambda u, n, p: need_services.update_need(u, n, {"quantity": 1}, n.version),
         "needs.change_need"),
        (lambda u, n, p: pledge_services.act_on_pledge(u, p, "accept"), "pledges.accept_pledge"),
        (lambda u, n, p: pledge_services.act_on_pledge(u, p, "withdraw"),
         "pledges.withdraw_pledge"),
        (lambda u, n, p: pledge_services.update_pledge(u, p, {"quantity": 1}, p.version),
         "pledges.change_pledge"),
    ],
    ids=["validate need", "cancel need", "edit need", "accept pledge", "withdraw pledge",
         "edit pledge"],
)
def test_a_superuser_cannot_act_on_assistance_data_through_the_services(
    superuser, assistance_data, act, perm
):
    need, pledge = assistance_data
    # Django itself grants a superuser every permission: the services must not ask Django.
    assert superuser.has_perm(perm)
    assert not rules.has_perm(perm, superuser, need if perm.startswith("needs") else pledge)
    with pytest.raises(PermissionDenied):
        act(superuser, need, pledge)
    need.refresh_from_db()
    pledge.refresh_from_db()
    assert (need.state, need.version, need.quantity) == (NeedState.SUBMITTED, 1, 100)
    assert (pledge.state, pledge.version, pledge.quantity) == (PledgeState.OFFERED, 1, 10)


def test_a_superuser_cannot_create_needs_or_pledges_through_the_services(superuser):
    item = NeedFactory().item_type
    with pytest.raises(PermissionDenied):
        need_services.create_need(superuser, {"item_type": item, "quantity": 5,
                                              "required_by": in_days(30),
                                              "region": RegionFactory()})
    with pytest.raises(PermissionDenied):
        pledge_services.create_pledge(superuser, {"kind": "procurement", "item_type": item,
                                                  "quantity": 5,
                                                  "earliest_availability": in_days(30)})
    assert Need.objects.count() == 1 and not Pledge.objects.exists()
