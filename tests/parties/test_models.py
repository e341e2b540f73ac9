"""Organisations and users refuse what their models' validation forbids, naming the field:
donor nations' fields and cited GDP, recipient units, alliance status, roles that fit."""

import pytest
from django.core.exceptions import ValidationError

from clearinghouse.parties.models import Organisation, OrganisationKind, User
from tests.factories import OrganisationFactory, RecipientFactory, RegionFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"iso3": ""}, "iso3"),
        ({"iso3": "de"}, "iso3"),
        ({"alliance_status": ""}, "alliance_status"),
        ({"gdp_eur": -1, "gdp_year": 2024, "gdp_source": "x"}, "gdp_eur"),
        ({"gdp_eur": 4_000_000_000_000}, "gdp_year"),
        ({"gdp_eur": 4_000_000_000_000, "gdp_year": 2024}, "gdp_source"),
        ({"code": "de u"}, "code"),
    ],
)
def test_donor_nation_rules(over, field):
    org = OrganisationFactory.build(**over)
    with pytest.raises(ValidationError) as refused:
        org.full_clean()
    assert field in refused.value.message_dict


def test_donor_nation_with_cited_gdp_is_valid():
    org = OrganisationFactory.build(gdp_eur=4_300_000_000_000, gdp_year=2024,
                                    gdp_source="Kiel Institute, Ukraine Support Tracker")
    org.full_clean()


def test_recipient_unit_belongs_to_the_recipient_in_a_region():
    unit = Organisation(code="UNIT-1", name="1st brigade", kind=OrganisationKind.RECIPIENT_UNIT)
    with pytest.raises(ValidationError) as refused:
        unit.full_clean()
    assert {"parent", "region"} <= set(refused.value.message_dict)
    unit.parent, unit.region = RecipientFactory(), RegionFactory()
    unit.full_clean()


def test_partner_status_only_for_donor_nations():
    org = RecipientFactory.build(alliance_status="ally")
    with pytest.raises(ValidationError) as refused:
        org.full_clean()
    assert "alliance_status" in refused.value.message_dict


def test_user_roles_must_be_known():
    user = User(username="x", roles=["coordinator", "general"])
    user.set_password("a-long-password-1")
    with pytest.raises(ValidationError) as refused:
        user.full_clean()
    assert "general" in refused.value.message_dict["roles"][0]


@pytest.mark.parametrize(
    ("kind", "role", "fits"),
    [("coordinator", "coordinator", True), ("donor_nation", "coordinator", False),
     ("oversight", "auditor", True), ("recipient", "auditor", False),
     ("donor_organisation", "donor_representative", True),
     ("recipient", "donor_representative", False), ("platform", "administrator", True)],
)
def test_a_role_must_fit_the_users_organisation(kind, role, fits):
    from clearinghouse.security.roles import audiences, has_role
    from tests.factories import OrgOfKindFactory

    user = User(username="x", roles=[role], organisation=OrgOfKindFactory(kind=kind))
    user.set_password("a-long-password-1")
    if fits:
        user.full_clean()
    else:
        with pytest.raises(ValidationError) as refused:
            user.full_clean()
        assert role in refused.value.message_dict["roles"][0]
    # A misfit role grants nothing, even if stored by a path that skipped validation.
    assert has_role(user, role) is fits
    if role in ("coordinator", "auditor"):
        assert ("coordinator" in audiences(user)) is fits
