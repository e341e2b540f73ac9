"""Movement data of the scenario: routes depot → hub, deliveries hub → region, hub closures.

Lead times come from geography: great-circle distances between a depot's country and a hub,
and between a hub and a region, in whole weeks (road and rail, loading and paperwork
included). A European depot is routed to its two to four nearest hubs, the main hubs counting
nearer than they are (their pull); overseas donors ship by sea or air to the hubs that take
such cargo. The seed decides how many hubs and adds a week of slack here and there. Movement
data is RESTRICTED, owned by the hub's operator and releasable to the coordinator only
(DESIGN.md, who sees what, rule 4).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from typing import TYPE_CHECKING

from clearinghouse.logistics.models import Delivery, Hub, HubClosure, Route
from clearinghouse.parties.models import Region, User
from clearinghouse.security.roles import Classification

if TYPE_CHECKING:
    from .scenario import Scenario

MAX_ROUTE_WEEKS = 4
MAX_DELIVERY_WEEKS = 2

# Where each hub is (latitude, longitude), the overseas cargo it takes (weeks by sea or air from
# a donor outside Europe; None: neither), and its pull: distances to it count this much when
# depots choose their hubs (the main hubs, with rail, road and air links, draw cargo from afar).
HUB_SITES = {
    "rzeszow": (50.11, 22.02, 2, 0.55),  # Rzeszów-Jasionka airport, the main hub
    "lublin": (51.25, 22.57, None, 0.75),
    "przemysl": (49.78, 22.77, None, 0.6),  # broad-gauge rail transfer
    "suceava": (47.65, 26.25, None, 0.8),
    "constanta": (44.17, 28.63, 4, 0.85),  # Black Sea port
    "kosice": (48.72, 21.26, None, 0.75),
    "grafenwoehr": (49.72, 11.90, 3, 0.9),  # by sea to Bremerhaven, then rail
    "leipzig": (51.34, 12.37, 2, 1.0),  # air cargo
}

# Where the recipient's regions are received (the regional logistics bases).
REGION_SITES = {
    "kyiv": (50.45, 30.52),
    "kharkiv": (49.99, 36.23),
    "dnipro": (48.46, 35.05),
    "odesa": (46.48, 30.72),
    "zaporizhzhia": (47.84, 35.14),
}

# Where a donor's depots are, roughly (its capital, or its main logistics base). Donors outside
# Europe are "overseas": their goods reach only the hubs that take sea or air cargo.
DONOR_SITES = {
    "AUT": (48.2, 16.4), "BEL": (50.8, 4.4), "BGR": (42.7, 23.3), "HRV": (45.8, 16.0),
    "CZE": (50.1, 14.4), "DNK": (55.7, 12.6), "EST": (59.4, 24.7), "FIN": (60.2, 24.9),
    "FRA": (48.9, 2.4), "DEU": (50.9, 10.5), "GRC": (38.0, 23.7), "HUN": (47.5, 19.0),
    "IRL": (53.3, -6.3), "ITA": (41.9, 12.5), "LVA": (56.9, 24.1), "LTU": (54.7, 25.3),
    "LUX": (49.6, 6.1), "NLD": (52.4, 4.9), "NOR": (59.9, 10.8), "POL": (52.2, 21.0),
    "PRT": (38.7, -9.1), "ROU": (44.4, 26.1), "SVK": (48.1, 17.1), "SVN": (46.1, 14.5),
    "ESP": (40.4, -3.7), "SWE": (59.3, 18.1), "CHE": (46.9, 7.4), "GBR": (51.5, -0.1),
    "ALB": (41.3, 19.8), "MNE": (42.4, 19.3), "MKD": (42.0, 21.4), "EU": (50.8, 4.4),
    "CAP-TF": (49.6, 6.0),  # NSPA, Capellen
    "TUR": (39.9, 32.9),
}
OVERSEAS = frozenset({"AUS", "CAN", "CYP", "ISL", "JPN", "KOR", "NZL", "TWN", "USA", "CHN", "IND",
                      "JOR", "KEN", "MAR", "QAT", "MLT"})

# Closures in the coming weeks: (hub, weeks from now it starts, days closed, reason).
CLOSURES = (
    ("przemysl", (1, 3), 14, "Rail yard maintenance: both transfer tracks out of service"),
    ("leipzig", (2, 6), 7, "Apron resurfacing: no cargo handling"),
    ("rzeszow", (4, 10), 4, "Runway inspection and repairs"),
    ("constanta", (6, 14), 10, "Port crane overhaul"),
    ("lublin", (8, 20), 7, "Warehouse fire-safety works"),
)
PAST_CLOSURE = ("kosice", 60, 5, "Flooding of the access road")


def km(a: tuple, b: tuple) -> float:
    """Great-circle distance in kilometres between two sites (latitude, longitude, ...)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a[:2], *b[:2]))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6371 * math.asin(math.sqrt(h))


def depot_country(origin: str) -> str:
    """The donor or supplier country of a depot named "<code> ..." (e.g. "DEU depot 3")."""
    return origin.split(" ", 1)[0]


def route_weeks(distance_km: float) -> int:
    """Road or rail from a European depot: under 450 km in the week, then a week per 600 km."""
    if distance_km < 450:
        return 0
    return min(MAX_ROUTE_WEEKS, 1 + int((distance_km - 450) // 600))


def delivery_weeks(distance_km: float) -> int:
    """Hub to region: the same week under 550 km, a week more per 450 km after that."""
    if distance_km < 550:
        return 0
    return min(MAX_DELIVERY_WEEKS, 1 + int((distance_km - 550) // 450))


def _controlled(record, hub: Hub, user):
    record.owner = hub.owner
    record.classification = Classification.RESTRICTED
    record.release_coordinator, record.release_recipient = True, False
    record.release_all_donors = False
    record._history_user = user
    return record


def routes_for(origin: str, hubs: list[Hub], rng: random.Random, user: User) -> list[Route]:
    """Two to four routes from ``origin`` to the nearest hubs, lead times by distance."""
    country = depot_country(origin)
    if country in DONOR_SITES:
        site = DONOR_SITES[country]
        ranked = sorted(hubs, key=lambda h: (km(site, HUB_SITES[h.code]) * HUB_SITES[h.code][3],
                                             h.code))
        weeks = {h.code: route_weeks(km(site, HUB_SITES[h.code])) for h in hubs}
    elif country in OVERSEAS:  # only hubs that take sea or air cargo, the main ones first
        ranked = sorted((h for h in hubs if HUB_SITES[h.code][2] is not None),
                        key=lambda h: (HUB_SITES[h.code][3], h.code))
        weeks = {h.code: HUB_SITES[h.code][2] for h in ranked}
    else:
        raise ValueError(f"No site for the depot {origin!r}: add its country to logistics.py")
    chosen = ranked[:rng.choices((2, 3, 4), (55, 30, 15))[0]]
    found = []
    for hub in chosen:
        slack = 1 if rng.random() < 0.2 else 0
        route = Route(origin=origin, hub=hub, weeks=min(MAX_ROUTE_WEEKS, weeks[hub.code] + slack))
        found.append(_controlled(route, hub, user))
    return found


def deliveries(hubs: list[Hub], regions: dict[str, Region], user: User) -> list[Delivery]:
    """From every hub to every region: farther regions take longer."""
    found = []
    for hub in hubs:
        for code, region in regions.items():
            weeks = delivery_weeks(km(HUB_SITES[hub.code], REGION_SITES[code]))
            found.append(_controlled(Delivery(hub=hub, region=region, weeks=weeks), hub, user))
    return found


def closures(
    hubs: list[Hub], today: dt.date, rng: random.Random, user: User
) -> list[HubClosure]:
    """Maintenance in the coming weeks (from a Monday), and one closure in the past."""
    by_code = {h.code: h for h in hubs}
    monday = today - dt.timedelta(days=today.weekday())
    found = []
    for code, (first, last), days, reason in CLOSURES:
        if code not in by_code:
            continue
        starts = monday + dt.timedelta(weeks=rng.randint(first, last))
        closure = HubClosure(hub=by_code[code], starts_on=starts,
                             ends_on=starts + dt.timedelta(days=days - 1), reason=reason)
        found.append(_controlled(closure, by_code[code], user))
    code, days_ago, days, reason = PAST_CLOSURE
    if code in by_code:
        starts = today - dt.timedelta(days=days_ago)
        closure = HubClosure(hub=by_code[code], starts_on=starts,
                             ends_on=starts + dt.timedelta(days=days - 1), reason=reason)
        found.append(_controlled(closure, by_code[code], user))
    return found


def build_logistics(sc: Scenario, rng: random.Random) -> None:
    """Routes from every origin that a pledge or an offer names, deliveries, closures."""
    reg = sc.reg
    user = reg.users["coordinator"]
    origins = sorted({p.origin_depot for p in sc.pledges if p.origin_depot}
                     | {o.origin_depot for o in sc.offers})
    for origin in origins:
        sc.routes.extend(routes_for(origin, reg.hubs, rng, user))
    sc.deliveries.extend(deliveries(reg.hubs, reg.regions, user))
    sc.closures.extend(closures(reg.hubs, sc.today, rng, user))

