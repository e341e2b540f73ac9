"""The receiving unit's start: what is coming to it and what it must do next; nothing for
anyone else's unit."""

import pytest

from clearinghouse.parties.models import OrganisationKind
from clearinghouse.security.roles import Role
from clearinghouse.shipments import services
from clearinghouse.shipments.models import Shipment
from tests.factories import OrgOfKindFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_unit_sees_what_comes_to_it_and_what_to_do(world, adopted, client):
    services.make_shipments(world.coordinator)
    shipment = Shipment.objects.filter(receiving_unit=world.east_unit.organisation).first()
    services.take_step(world.coordinator, shipment, "depart", shipment.version)
    shipment.refresh_from_db()
    services.take_step(world.hub_operator, shipment, "arrive_at_hub", shipment.version)
    client.force_login(world.east_unit)
    page = client.get("/").content.decode()
    assert "Shipments coming to us" in page
    assert f"Shipment {shipment.pk}</a>" in page and "at the hub: take it over" in page
    other = OrgOfKindFactory(kind=OrganisationKind.RECIPIENT_UNIT, parent=world.east_unit
                             .organisation.parent, region=world.east_unit.organisation.region)
    client.force_login(UserFactory(organisation=other, roles=[Role.LOGISTICS_OFFICER]))
    page = client.get("/").content.decode()
    assert "Nothing is on its way to us." in page and f"Shipment {shipment.pk}<" not in page
    client.force_login(world.hub_operator)
    assert "Shipments coming to us" not in client.get("/").content.decode()
