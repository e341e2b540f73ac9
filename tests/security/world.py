"""A small world for the security tests: one user per role of DESIGN.md, one record per kind.

Every name is distinctive ("Arcadia", "Depot Zeta-7", ...) so that a leak can be found by
searching a response for it; no name is a substring of another.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from clearinghouse.needs.models import NeedState
from clearinghouse.parties.models import OrganisationKind
from clearinghouse.pledges.models import PledgeKind
from clearinghouse.security.roles import Classification, Role
from tests.factories import (
    AreaFactory,
    HubFactory,
    ItemTypeFactory,
    NeedFactory,
    OrganisationFactory,
    OrgOfKindFactory,
    PledgeFactory,
    RecipientFactory,
    RegionFactory,
    StockPositionFactory,
    UserFactory,
)

C = Classification

# Distinctive names of the donors and of the anonymous pledge's origin depot.
DONOR_A, DONOR_B, DONOR_C = "Arcadia", "Borduria", "Cascadia"
ANON_DEPOT = "Depot Zeta-7"

# role key -> (organisation key, roles, superuser). Every user is cleared RESTRICTED.
ROLE_USERS = {
    "coordinator": ("coordination", [Role.COORDINATOR], False),
    "auditor": ("oversight", [Role.AUDITOR], False),
    "planner": ("recipient", [Role.RECIPIENT_PLANNER], False),
    "donor_a": ("donor_a", [Role.DONOR_REPRESENTATIVE], False),
    "donor_b": ("donor_b", [Role.DONOR_REPRESENTATIVE], False),
    "logistics": ("hub_operator", [Role.LOGISTICS_OFFICER], False),
    "training": ("training_command", [Role.TRAINING_OFFICER], False),
    "admin": ("platform", [Role.ADMINISTRATOR], True),
}
CLEARANCE = C.RESTRICTED

# Which model each column of the matrix is, and the owning organisation of its record.
KINDS = {
    "pledge_a": ("pledge", "donor_a"),
    "pledge_b": ("pledge", "donor_b"),
    "anon_a": ("pledge", "donor_a"),
    "confidential": ("pledge", "donor_a"),
    "need_named_c": ("need", "recipient"),
    "need_open": ("need", "recipient"),
    "stock_a": ("stock", "donor_a"),
    "hub": ("hub", "hub_operator"),
    "named_to_me": ("stock", "donor_c"),
}


@dataclass
class World:
    orgs: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    records: dict = field(default_factory=dict)
    # role key -> the stock position of donor C released by name to that role's organisation
    named: dict = field(default_factory=dict)

    def record(self, column: str, role: str):
        return self.named[role] if column == "named_to_me" else self.records[column]

    def item_name(self, column: str, role: str) -> str:
        return self.record(column, role).item_type.name


def _orgs() -> dict:
    region = RegionFactory(code="kharkiv", name="Kharkiv")
    recipient = RecipientFactory(code="UKR", name="Ukraine", iso3="UKR")
    kind = OrganisationKind
    return {
        "coordination": OrgOfKindFactory(kind=kind.COORDINATOR, code="COORD", name="Coordination"),
        "oversight": OrgOfKindFactory(kind=kind.OVERSIGHT, code="OVS", name="Oversight Office"),
        "recipient": recipient,
        "training_command": OrgOfKindFactory(
            kind=kind.RECIPIENT_UNIT, code="UKR-TC", name="Training Command",
            parent=recipient, region=region,
        ),
        "donor_a": OrganisationFactory(code="ARC", name=DONOR_A, iso3="ARC"),
        "donor_b": OrganisationFactory(code="BOR", name=DONOR_B, iso3="BOR"),
        "donor_c": OrganisationFactory(code="CAS", name=DONOR_C, iso3="CAS"),
        "hub_operator": OrgOfKindFactory(kind=kind.HUB_OPERATOR, code="HUBOP", name="Hubco"),
        "platform": OrgOfKindFactory(kind=kind.PLATFORM, code="PLAT", name="Platform Ops"),
    }


def _item(column: str):
    area = AreaFactory(code="security-tests")  # get_or_create: one area for every item
    return ItemTypeFactory(name=f"Widget-{column}", area=area)


def build_world() -> World:
    """Organisations, one user per role, and the records of the matrix's columns."""
    w = World(orgs=_orgs())
    for role, (org, roles, superuser) in ROLE_USERS.items():
        w.users[role] = UserFactory(
            username=f"u-{role}", organisation=w.orgs[org], roles=roles, clearance=CLEARANCE,
            is_superuser=superuser,
        )
    o = w.orgs
    everyone = {"release_coordinator": True, "release_recipient": True, "release_all_donors": True}
    coordinator_only = {"release_recipient": False, "release_all_donors": False}
    w.records["pledge_a"] = PledgeFactory(
        owner=o["donor_a"], item_type=_item("pledge_a"), classification=C.RESTRICTED,
        origin_depot="Depot Alpha-1", **coordinator_only,
    )
    w.records["pledge_b"] = PledgeFactory(
        owner=o["donor_b"], item_type=_item("pledge_b"), classification=C.RESTRICTED,
        origin_depot="Depot Beta-1", **coordinator_only,
    )
    w.records["anon_a"] = PledgeFactory(
        owner=o["donor_a"], item_type=_item("anon_a"), classification=C.COALITION,
        anonymous=True, origin_depot=ANON_DEPOT, kind=PledgeKind.STOCK, **everyone,
    )
    w.records["confidential"] = PledgeFactory(
        owner=o["donor_a"], item_type=_item("confidential"), classification=C.CONFIDENTIAL,
        **everyone,
    )
    w.records["need_named_c"] = NeedFactory(
        owner=o["recipient"], item_type=_item("need_named_c"), classification=C.COALITION,
        state=NeedState.VALIDATED, release_recipient=False, release_all_donors=False,
        released_to=[o["donor_c"]],
    )
    w.records["need_open"] = NeedFactory(
        owner=o["recipient"], item_type=_item("need_open"), classification=C.COALITION,
        state=NeedState.OPEN, **everyone,
    )
    w.records["stock_a"] = StockPositionFactory(
        owner=o["donor_a"], item_type=_item("stock_a"), classification=C.RESTRICTED,
    )
    w.records["hub"] = HubFactory(
        owner=o["hub_operator"], code="rzeszow", name="Hub Rzeszow",
        classification=C.RESTRICTED,
    )
    for role, (org, _, _) in ROLE_USERS.items():
        w.named[role] = StockPositionFactory(
            owner=o["donor_c"], item_type=_item(f"named-{role}"), classification=C.RESTRICTED,
            release_coordinator=False, released_to=[o[org]],
        )
    _attribute_history(w)
    return w


def _attribute_history(w: World) -> None:
    """Record who made each record: a user of the owning organisation, as through the API."""
    authors = {"donor_a": "donor_a", "donor_b": "donor_b", "recipient": "planner",
               "hub_operator": "logistics"}
    for column, (_, owner) in KINDS.items():
        if column == "named_to_me" or owner not in authors:
            continue
        record = w.records[column]
        record.history.update(history_user=w.users[authors[owner]])
    # The anonymous pledge is also changed later by its donor.
    anon = w.records["anon_a"]
    anon._history_user = w.users["donor_a"]
    anon.quantity = Decimal("12")
    anon.save()
