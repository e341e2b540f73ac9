"""The fixed part of the scenario, the same for every seed and scale: regions, organisations,
users, the catalogue and the hubs (whose capacity ``scenario.build`` scales), built in memory
as unsaved model instances."""

from dataclasses import dataclass, field
from decimal import Decimal

from clearinghouse.catalogue.models import (
    CapabilityArea,
    CapabilityCoalition,
    CompatibilityFamily,
    ItemType,
)
from clearinghouse.logistics.models import Hub
from clearinghouse.parties.models import Organisation, OrganisationKind, Region, User
from clearinghouse.security.roles import Classification

from . import reference, tables
from .items import DEMO_ESTIMATE, ITEMS, KIEL, Item, unit_value

K = OrganisationKind
GDP_SOURCE = reference.RELEASE.citation("data_explorer.csv", "gdp")


@dataclass
class Registry:
    regions: dict[str, Region] = field(default_factory=dict)  # by code
    orgs: dict[str, Organisation] = field(default_factory=dict)  # by code, parents first
    users: dict[str, User] = field(default_factory=dict)  # by username
    areas: dict[str, CapabilityArea] = field(default_factory=dict)
    families: dict[str, CompatibilityFamily] = field(default_factory=dict)
    items: dict[str, ItemType] = field(default_factory=dict)  # by name
    specs: dict[str, Item] = field(default_factory=dict)  # catalogue rows by item name
    coalitions: list[CapabilityCoalition] = field(default_factory=list)
    coalition_leads: list[tuple[CapabilityCoalition, Organisation]] = field(default_factory=list)
    hubs: list[Hub] = field(default_factory=list)
    donors: list[Organisation] = field(default_factory=list)
    military_eur_bn: dict[str, Decimal] = field(default_factory=dict)  # Kiel, by donor code
    total_eur_bn: dict[str, Decimal] = field(default_factory=dict)
    holders: dict[str, list[str]] = field(default_factory=dict)  # item name -> donor codes
    leads_by_area: dict[str, list[Organisation]] = field(default_factory=dict)

    def rep_of(self, org: Organisation) -> User | None:
        """The demo login that speaks for ``org``, if any (recorded as history user)."""
        return next((u for u in self.users.values() if u.organisation is org), None)


def build_registry() -> Registry:
    reg = Registry()
    _parties(reg)
    _users(reg)
    _catalogue(reg)
    _hubs(reg)
    return reg


def _org(reg: Registry, code: str, name: str, kind: str, **extra) -> Organisation:
    org = Organisation(code=code, name=name, kind=kind, **extra)
    reg.orgs[code] = org
    return org


def _parties(reg: Registry) -> None:
    for code, name, _abbr in tables.REGIONS:
        reg.regions[code] = Region(code=code, name=name)
    recipient = _org(reg, *tables.RECIPIENT, K.RECIPIENT, iso3=tables.RECIPIENT[0])
    _org(reg, *tables.COORDINATOR, K.COORDINATOR)
    _org(reg, *tables.OVERSIGHT, K.OVERSIGHT)
    _org(reg, *tables.PLATFORM, K.PLATFORM)
    for donor in reference.donors():
        if donor.is_organisation:
            org = _org(reg, donor.iso, donor.name, K.DONOR_ORGANISATION)
        else:
            # The model keeps GDP in whole euros; the file's figure is EUR bn to 1e-9 precision.
            org = _org(
                reg, donor.iso, donor.name, K.DONOR_NATION, iso3=donor.iso,
                alliance_status=tables.alliance_status(donor.iso),
                gdp_eur=None if donor.gdp_eur is None else donor.gdp_eur.quantize(Decimal(1)),
                gdp_year=donor.gdp_year, gdp_source=GDP_SOURCE if donor.gdp_eur else "",
            )
        reg.military_eur_bn[org.code] = donor.military_eur_bn
        reg.total_eur_bn[org.code] = donor.total_eur_bn
        reg.donors.append(org)
    for iso, name in tables.EXTRA_DONORS:  # no GDP: the demo invents no figures
        reg.donors.append(_org(reg, iso, name, K.DONOR_NATION, iso3=iso,
                               alliance_status=tables.alliance_status(iso)))
    reg.donors.append(_org(reg, *tables.TRUST_FUND, K.DONOR_ORGANISATION, non_lethal_only=True))
    for _code, _name, op_code, op_name, _iso, _cap in tables.HUBS:
        _org(reg, op_code, op_name, K.HUB_OPERATOR)
    # Units last: they point at the recipient, which must be inserted before them.
    for code, name, abbr in tables.REGIONS:
        for suffix, pattern in tables.UNIT_KINDS:
            _org(reg, f"UKR-{abbr}-{suffix}", pattern.format(region=name), K.RECIPIENT_UNIT,
                 parent=recipient, region=reg.regions[code])
    code, name, region = tables.TRAINING_UNIT
    _org(reg, code, name, K.RECIPIENT_UNIT, parent=recipient, region=reg.regions[region])


def _users(reg: Registry) -> None:
    for username, first, last, role, org_code, clearance, superuser in tables.USERS:
        reg.users[username] = User(
            username=username, first_name=first, last_name=last, roles=[str(role)],
            organisation=reg.orgs[org_code], clearance=clearance, is_staff=True,
            is_superuser=superuser, email=f"{username}@demo.clearinghouse.invalid",
        )


def _catalogue(reg: Registry) -> None:
    admin = reg.users["admin"]
    for code, name in tables.AREAS:
        reg.areas[code] = CapabilityArea(code=code, name=name)
    for name, area, leads, roadmap in tables.COALITIONS:
        coalition = CapabilityCoalition(name=name, area=reg.areas[area], roadmap=roadmap)
        coalition._history_user = admin
        reg.coalitions.append(coalition)
        for iso in leads:
            reg.coalition_leads.append((coalition, reg.orgs[iso]))
            reg.leads_by_area.setdefault(area, []).append(reg.orgs[iso])
    for code, name, area, description in tables.FAMILIES:
        reg.families[code] = CompatibilityFamily(
            code=code, name=name, area=reg.areas[area], description=description
        )
    kiel_values = reference.unit_values()
    for spec in ITEMS:
        item = ItemType(
            name=spec.name, nsn=spec.nsn, supply_class=spec.supply_class,
            area=reg.areas[spec.area], family=reg.families.get(spec.family),
            unit_of_issue=spec.unit, indivisible=spec.indivisible,
            unit_mass_kg=Decimal(spec.mass_kg), pallets_per_unit=Decimal(spec.pallets),
            unit_value_eur=unit_value(spec, kiel_values),
            value_source=reference.UNIT_VALUE_SOURCE if spec.value == KIEL else DEMO_ESTIMATE,
            lethal=spec.lethal, crew_course=spec.course,
        )
        item._history_user = admin
        reg.items[spec.name] = item
        reg.specs[spec.name] = spec
    # Who holds which system, from the systems each donor has given (Kiel weapons.csv).
    by_name = {org.name: org.code for org in reg.donors}
    for system in reference.weapon_systems():
        code = by_name.get(system.donor)
        if code and system.name in reg.items:
            holders = reg.holders.setdefault(system.name, [])
            if code not in holders:
                holders.append(code)


def _hubs(reg: Registry) -> None:
    coordinator = reg.users["coordinator"]
    for code, name, op_code, _op_name, iso, capacity in tables.HUBS:
        # Where cargo gathers is sensitive: RESTRICTED, releasable to the coordinator only.
        hub = Hub(
            code=code, name=name, owner=reg.orgs[op_code], country_iso3=iso,
            weekly_capacity_pallets=capacity, classification=Classification.RESTRICTED,
            release_coordinator=True, release_recipient=False, release_all_donors=False,
        )
        hub._history_user = coordinator
        reg.hubs.append(hub)
