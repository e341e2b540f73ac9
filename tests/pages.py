"""Every page of the site, as the tests that scan them all find them (tests/test_plain_words.py,
tests/browser/test_pages.py): the URL patterns walked, ids filled from a small world with an
adopted plan (tests/planning/world.py), and a reader of each role."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from clearinghouse.planning import services
from clearinghouse.planning.models import Plan
from clearinghouse.security.roles import Classification, Role
from clearinghouse.shipments import services as shipment_services
from tests.factories import (
    FamilyFactory,
    ItemTypeFactory,
    NeedFactory,
    OrgOfKindFactory,
    PledgeFactory,
    StockPositionFactory,
    UserFactory,
)
from tests.planning.world import run_worker

# Routes that are not pages to read: writes, downloads, steps of the sign-in.
NOT_PAGES = re.compile(
    r"(:act$|:make$|:resolve$|:adopt$|:cancel$|:rerun$|:read$|:read-all$|export|csv$|"
    r"^logout$|^display$|"
    r"^accounts:(verify|enrol|remove|recovery-codes)$|:status$|^schema$)")


def pages(ids: dict[str, int]) -> dict[str, str]:
    """Every page's route name and an address, its ids filled from ``ids`` by the route's
    name (``"pledges/stock-detail"``) or namespace (``"needs"``), a list of ids giving a page
    for each; the API and the admin left out."""
    found = {}

    def walk(patterns, prefix: str, namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                space = ":".join(filter(None, (namespace, p.namespace)))
                walk(p.url_patterns, prefix + str(p.pattern), space)
            elif isinstance(p, URLPattern):
                name = ":".join(filter(None, (namespace, p.name)))
                if (not p.name or NOT_PAGES.search(name)
                        or prefix.startswith(("api/", "admin/"))):
                    continue
                key = name.replace(":", "/") if name.replace(":", "/") in ids else namespace
                pattern = prefix + str(p.pattern)
                choices = ids.get(key, 1)
                for n, pk in enumerate(choices if isinstance(choices, list) else [choices]):
                    path = re.sub(r"<(?:\w+:)?(\w+)>",
                                  lambda m, key=key, pk=pk: str(ids.get(f"{key}.{m.group(1)}",
                                                                        pk)), pattern)
                    found.setdefault(name if n == 0 else f"{name} ({n + 1})", "/" + path)

    walk(get_resolver().url_patterns, "", "")
    return found


def page_addresses(world, plan: Plan) -> dict[str, str]:
    """Every page, with the world's records in its address: needs and pledges of an item
    and of a compatibility family."""
    position = StockPositionFactory(owner=world.deu.owner, item_type=world.shells)
    family = FamilyFactory(name="Any 155 mm shell")
    ItemTypeFactory(name="155 mm shell, other make", family=family)
    family_need = NeedFactory(owner=world.critical.owner, item_type=None, family=family,
                              quantity=Decimal("12.5"), release_all_donors=True)
    family_pledge = PledgeFactory(owner=world.deu.owner, need=family_need,
                                  item_type=family.items.first(), quantity=Decimal(4))
    # A named donor's shipment and an anonymous one (the world's Polish pledge).
    made = sorted(shipment_services.make_shipments(world.coordinator),
                  key=lambda s: (s.anonymous, s.pk))
    return pages({"shipments": [made[0].pk, made[-1].pk],
                  "needs": [world.critical.pk, family_need.pk],
                  "pledges": [world.deu.pk, family_pledge.pk],
                  "pledges/stock-detail": position.pk, "planning": plan.pk,
                  "planning.other": plan.pk, "parties": world.deu.owner_id,
                  "catalogue": world.shells.pk})


@pytest.fixture
def adopted(world, django_capture_on_commit_callbacks) -> Plan:
    """The world's plan, solved by the real worker and adopted by its coordinator."""
    with django_capture_on_commit_callbacks(execute=True):
        plan = services.run_plan(world.coordinator, "Spring plan", horizon=26)
    run_worker()
    plan.refresh_from_db()
    services.adopt_plan(world.coordinator, plan, plan.version)
    return Plan.objects.get(pk=plan.pk)


def readers(world, one_per_role: bool = False) -> list:
    """A reader of each role: the world's, an auditor and an administrator (with
    ``one_per_role``, the world's second donor and second logistics officer left out)."""
    auditor = UserFactory(organisation=OrgOfKindFactory(kind="oversight"), roles=[Role.AUDITOR],
                          clearance=Classification.CONFIDENTIAL)
    admin = UserFactory(organisation=OrgOfKindFactory(kind="platform"),
                        roles=[Role.ADMINISTRATOR], is_staff=True, is_superuser=True)
    if one_per_role:
        return [world.coordinator, world.planner, world.deu_rep, world.hub_operator, auditor,
                admin]
    return [world.coordinator, world.planner, world.deu_rep, world.pol_rep,
            world.hub_operator, world.east_unit, auditor, admin]
