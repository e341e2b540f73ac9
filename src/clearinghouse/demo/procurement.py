"""Supplier offers: what the funds of the scenario can buy (DESIGN.md, Supplier offer).

The suppliers are fictitious, with plausible names and countries; what they sell is in the
catalogue, at a unit price near the catalogue's ``unit_value_eur`` (new production costs a
little more than the value of goods from stock). Non-lethal goods (demining kit, fuel, medical
supplies, winter clothing) are there for the trust fund that may buy nothing else; 155 mm
shells and other ammunition for the other funds. At scale 1 every line of ``SUPPLIERS`` is
one offer; a larger scale adds later tranches of random lines, and quantities scale too.
Offers are owned by the coordination command, RESTRICTED and releasable to the coordinator.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from clearinghouse.pledges.models import SupplierOffer
from clearinghouse.security.roles import Classification

from . import tables

if TYPE_CHECKING:
    from .scenario import Scenario

# Lead weeks (from the order to goods ready at the supplier's depot) by kind of goods.
AMMUNITION, FUEL, MEDICAL, KIT, DRONES = (6, 16), (1, 2), (2, 6), (3, 8), (2, 6)

# (supplier, country ISO alpha-3, ((item name, lead weeks range, max quantity at scale 1), ...))
SUPPLIERS = (
    ("Hanseatic Mine Action GmbH", "DEU", (
        ("Hand-held metal mine detector", KIT, 600),
        ("Dual-sensor mine detector (metal and GPR)", KIT, 150),
        ("EOD tool kit", KIT, 300),
    )),
    ("Baltic Demining Supply OÜ", "EST", (
        ("Demining protective suit and visor", KIT, 1500),
        ("Prodder and mine-marking kit", KIT, 3000),
        ("Hand-held metal mine detector", KIT, 400),
    )),
    ("Danube Petroleum Trading SRL", "ROU", (
        ("Diesel fuel EN 590", FUEL, 4_000_000),
        ("Jet fuel Jet A-1 (F-35)", FUEL, 1_500_000),
    )),
    ("Vistula Fuels S.A.", "POL", (
        ("Diesel fuel F-54 (NATO)", FUEL, 3_000_000),
        ("Jet fuel F-34 (JP-8)", FUEL, 1_500_000),
    )),
    ("Nordic Field Medical AS", "NOR", (
        ("Individual first-aid kit (NATO IFAK)", MEDICAL, 30_000),
        ("Combat tourniquet", MEDICAL, 40_000),
        ("Haemostatic gauze (box of 10)", MEDICAL, 8_000),
    )),
    ("Carpathian Medical Supplies Sp. z o.o.", "POL", (
        ("Individual first-aid kit (Ukrainian standard)", MEDICAL, 40_000),
        ("Folding stretcher", MEDICAL, 4_000),
        ("Antibiotics (box of 100 courses)", MEDICAL, 2_000),
    )),
    ("Rhine Surgical Systems GmbH", "DEU", (
        ("Trauma surgical set", MEDICAL, 150),
    )),
    ("Alpine Outdoor Equipment GmbH", "AUT", (
        ("Winter clothing set", KIT, 40_000),
    )),
    ("Iberian Power Systems S.L.", "ESP", (
        ("Diesel generator (60 kVA)", KIT, 200),
    )),
    ("Baltic Drone Works SIA", "LVA", (
        ("FPV strike drone with warhead", DRONES, 40_000),
        ("FPV drone airframe kit (no warhead)", DRONES, 30_000),
        ("Reconnaissance quadcopter (commercial)", DRONES, 3_000),
    )),
    ("Bohemia Munitions a.s.", "CZE", (
        ("152 mm HE-FRAG projectile OF-540", AMMUNITION, 30_000),
        ("122 mm HE-FRAG projectile OF-462", AMMUNITION, 30_000),
        ("122 mm rocket 9M22U (Grad)", AMMUNITION, 8_000),
    )),
    ("Rhineland Ordnance GmbH", "DEU", (
        ("155 mm HE projectile DM121", AMMUNITION, 40_000),
        ("35 mm anti-aircraft ammunition (Gepard)", AMMUNITION, 200_000),
        ("120 mm APFSDS round DM53", AMMUNITION, 4_000),
    )),
    ("Albion Munitions Ltd", "GBR", (
        ("155 mm HE projectile L15A4", AMMUNITION, 30_000),
    )),
    ("Keystone Ordnance Inc.", "USA", (
        ("155 mm HE projectile M795", AMMUNITION, 60_000),
        ("155 mm modular propelling charge (MACS)", AMMUNITION, 60_000),
    )),
    ("Silesian Defence Works S.A.", "POL", (
        ("Piorun missile", AMMUNITION, 300),
        ("155 mm HE projectile M795", AMMUNITION, 30_000),
    )),
    ("Adriatic Propellants d.o.o.", "SVN", (
        ("155 mm modular propelling charge (MACS)", AMMUNITION, 40_000),
    )),
)

LINES = tuple((supplier, iso, item, lead, qty)
              for supplier, iso, lines in SUPPLIERS for item, lead, qty in lines)
#: Items some supplier sells: what a fund can buy.
PURCHASABLE = frozenset(line[2] for line in LINES)
CENT, ONE = Decimal("0.01"), Decimal(1)


def origin_of(supplier: str, iso: str) -> str:
    """The supplier's depot, named like a donor's ("<country> ...") so routes can place it."""
    return f"{iso} {supplier} depot"


def _price(value: Decimal, rng: random.Random) -> Decimal:
    price = value * Decimal(str(round(rng.uniform(0.95, 1.3), 3)))
    return price.quantize(CENT if price < 100 else ONE, rounding=ROUND_HALF_UP)


def _quantity(base: int, scale: float, rng: random.Random) -> Decimal:
    """About ``base`` x ``scale``, rounded as a supplier would quote it (37,000, not 36,812)."""
    raw = base * scale * rng.uniform(0.7, 1.3)
    if raw >= 100:
        step = 10 ** (len(str(int(raw))) - 2)
        raw = round(raw / step) * step
    return Decimal(max(1, round(raw)))


def build_offers(sc: Scenario, rng: random.Random) -> None:
    """One offer per supplier line; at scale above 1, later tranches of random lines."""
    reg = sc.reg
    owner = reg.orgs[tables.COORDINATOR[0]]
    user = reg.users["coordinator"]
    extra = max(0, round(len(LINES) * (sc.scale - 1)))
    chosen = [(line, 0) for line in LINES]
    chosen += [(rng.choice(LINES), rng.randint(4, 30)) for _ in range(extra)]
    for (supplier, iso, name, (lead_lo, lead_hi), base), later in chosen:
        item = reg.items[name]
        offer = SupplierOffer(
            supplier=supplier, item_type=item, unit_price_eur=_price(item.unit_value_eur, rng),
            max_quantity=_quantity(base, min(sc.scale, 1.0), rng),
            available_from=sc.today + dt.timedelta(weeks=later, days=rng.randint(0, 42)),
            lead_weeks=rng.randint(lead_lo, lead_hi), origin_depot=origin_of(supplier, iso),
            owner=owner, classification=Classification.RESTRICTED, release_coordinator=True,
            release_recipient=False, release_all_donors=False,
        )
        offer._history_user = user
        sc.offers.append(offer)
