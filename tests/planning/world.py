"""A small contested world for the planning app: one hub of limited capacity, two regions,
two donors and a fund, needs of different priorities competing for the same shells."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.management import call_command

from clearinghouse.needs.models import NeedState, Priority
from clearinghouse.parties.models import OrganisationKind
from clearinghouse.pledges.models import PledgeKind, PledgeState
from clearinghouse.security.roles import Classification, Role
from tests.factories import (
    DeliveryFactory,
    HubFactory,
    ItemTypeFactory,
    NeedFactory,
    OrganisationFactory,
    OrgOfKindFactory,
    PledgeFactory,
    RecipientFactory,
    RegionFactory,
    RouteFactory,
    SupplierOfferFactory,
    UserFactory,
    in_days,
)


@dataclass
class World:
    coordinator: object
    planner: object
    deu_rep: object
    pol_rep: object
    hub_operator: object
    east_unit: object
    hub: object
    shells: object
    kit: object
    critical: object
    low: object
    deu: object
    pol: object
    fund: object
    offer: object


def run_worker() -> None:
    """Run the real database worker until the queue is empty (in a transactional test: the
    worker closes connections between tasks, which would end a test's transaction)."""
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


@pytest.fixture
def world(db) -> World:
    coord_org = OrgOfKindFactory(kind=OrganisationKind.COORDINATOR, code="COORD")
    recipient = RecipientFactory(code="UKR", name="Ukraine", iso3="UKR")
    east = RegionFactory(code="east", name="East")
    west = RegionFactory(code="west", name="West")
    unit = OrgOfKindFactory(kind=OrganisationKind.RECIPIENT_UNIT, code="U-EAST",
                            parent=recipient, region=east)
    deu_org = OrganisationFactory(code="DEU", iso3="DEU", name="Germany")
    pol_org = OrganisationFactory(code="POL", iso3="POL", name="Poland")
    hub_org = OrgOfKindFactory(kind=OrganisationKind.HUB_OPERATOR, code="HUBOP")
    hub = HubFactory(owner=hub_org, code="rze", name="Rzeszow", weekly_capacity_pallets=10)
    RouteFactory(hub=hub, origin="DEU depot 1", weeks=1)
    RouteFactory(hub=hub, origin="POL depot 1", weeks=1)
    RouteFactory(hub=hub, origin="supplier yard", weeks=0)
    DeliveryFactory(hub=hub, region=east, weeks=1)
    DeliveryFactory(hub=hub, region=west, weeks=1)
    shells = ItemTypeFactory(name="155 mm shell", indivisible=False,
                             pallets_per_unit=Decimal("0.1"))
    kit = ItemTypeFactory(name="Demining kit", lethal=False, pallets_per_unit=Decimal("0.01"))
    critical = NeedFactory(owner=recipient, item_type=shells, quantity=Decimal("100"),
                           priority=Priority.CRITICAL, region=east, required_by=in_days(56))
    low = NeedFactory(owner=recipient, item_type=shells, quantity=Decimal("100"),
                      priority=Priority.LOW, region=west, required_by=in_days(56),
                      state=NeedState.VALIDATED)
    NeedFactory(owner=recipient, item_type=kit, quantity=Decimal("20"), region=east,
                required_by=in_days(70))
    deu = PledgeFactory(owner=deu_org, item_type=shells, quantity=Decimal("120"),
                        origin_depot="DEU depot 1", state=PledgeState.ACCEPTED,
                        earliest_availability=in_days(7))
    pol = PledgeFactory(owner=pol_org, item_type=shells, quantity=Decimal("50"),
                        origin_depot="POL depot 1", state=PledgeState.ACCEPTED, anonymous=True,
                        earliest_availability=in_days(7))
    fund = PledgeFactory(owner=deu_org, kind=PledgeKind.FUNDING, item_type=None, quantity=None,
                         amount_eur=Decimal("10000"), funding_non_lethal_only=True,
                         state=PledgeState.ACCEPTED, earliest_availability=in_days(0))
    offer = SupplierOfferFactory(owner=coord_org, item_type=kit, unit_price_eur=Decimal("500"),
                                 origin_depot="supplier yard")

    def user(org, role, clearance=Classification.RESTRICTED):
        return UserFactory(organisation=org, roles=[role], clearance=clearance)

    return World(
        coordinator=user(coord_org, Role.COORDINATOR, Classification.CONFIDENTIAL),
        planner=user(recipient, Role.RECIPIENT_PLANNER), deu_rep=user(deu_org,
        Role.DONOR_REPRESENTATIVE), pol_rep=user(pol_org, Role.DONOR_REPRESENTATIVE),
        hub_operator=user(hub_org, Role.LOGISTICS_OFFICER),
        east_unit=user(unit, Role.LOGISTICS_OFFICER), hub=hub, shells=shells, kit=kit,
        critical=critical, low=low, deu=deu, pol=pol, fund=fund, offer=offer,
    )
