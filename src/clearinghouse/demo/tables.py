"""Fixed tables of the demo scenario: regions, parties, coalitions, families, hubs and logins.

Everything here is independent of the seed and the scale; the catalogue is in ``items.py``.
"""

from clearinghouse.security.roles import Classification, Role

#: One documented password for every demo login (README and the command's login table).
DEMO_PASSWORD = "clearinghouse-demo"

# (code, name, three-letter abbreviation for unit codes)
REGIONS = (
    ("kyiv", "Kyiv", "KYI"),
    ("kharkiv", "Kharkiv", "KHA"),
    ("dnipro", "Dnipro", "DNI"),
    ("odesa", "Odesa", "ODE"),
    ("zaporizhzhia", "Zaporizhzhia", "ZAP"),
)

RECIPIENT = ("UKR", "Ukraine")
# Receiving units per region: (code suffix, name pattern).
UNIT_KINDS = (
    ("AD", "{region} air-defence group"),
    ("ART", "{region} artillery brigade"),
    ("LOG", "{region} logistics base"),
)
TRAINING_UNIT = ("UKR-TRAINING", "Joint Training Command", "kyiv")

COORDINATOR = ("NSATU", "NATO Security Assistance and Training for Ukraine (NSATU)")
OVERSIGHT = ("OVERSIGHT", "Coalition Oversight Office")
PLATFORM = ("PLATFORM", "Clearinghouse Platform Operations")
TRUST_FUND = ("CAP-TF", "NATO CAP Trust Fund for Ukraine (non-lethal)")
EU_CODE = "EU"



def _codes(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Alliance status of every donor nation, in one table: NATO members and EU members are allies,
# everyone else a partner. Keyed by ISO 3166 alpha-3.
NATO = _codes(
    "ALB BEL BGR CAN HRV CZE DNK EST FIN FRA DEU GRC HUN ISL ITA LVA LTU LUX MNE NLD MKD NOR "
    "POL PRT ROU SVK SVN ESP SWE TUR GBR USA"
)
EU_MEMBERS = _codes(
    "AUT BEL BGR HRV CYP CZE DNK EST FIN FRA DEU GRC HUN IRL ITA LVA LTU LUX MLT NLD POL PRT "
    "ROU SVK SVN ESP SWE"
)


def alliance_status(iso3: str) -> str:
    return "ally" if iso3 in NATO or iso3 in EU_MEMBERS else "partner"


# Donor nations not in the Kiel data, to bring the coalition to about fifty. They carry no GDP:
# the bundled release gives none for them and the demo invents no figures.
EXTRA_DONORS = (
    ("ALB", "Albania"),  # NATO members missing from data_explorer.csv
    ("MNE", "Montenegro"),
    ("MKD", "North Macedonia"),
    ("JOR", "Jordan"),  # partners that attended the first contact-group meeting (Ramstein, 2022)
    ("KEN", "Kenya"),
    ("MAR", "Morocco"),
    ("QAT", "Qatar"),
)

# Donors that give only non-lethal goods in practice (policy, not the model's non_lethal_only
# flag, which only the trust fund carries): used to choose what they pledge.
NON_LETHAL_IN_PRACTICE = _codes("AUT IRL MLT CYP CHE JPN KOR TWN HUN JOR KEN MAR QAT")
# Humanitarian aid only in the Kiel data: donors in the registry, no pledges in the scenario.
NO_PLEDGES = frozenset({"CHN", "IND"})

# (code, name)
AREAS = (
    ("air-defence", "Air defence"),
    ("artillery", "Artillery"),
    ("armour", "Armour"),
    ("drones", "Drones"),
    ("demining", "Demining"),
    ("maritime", "Maritime"),
    ("air-force", "Air force"),
    ("it", "IT"),
    ("medical", "Medical"),
    ("fuel-logistics", "Fuel and logistics"),
)

# The capability coalitions of 2024 with their lead nations (ISO alpha-3). Medical and fuel and
# logistics had no capability coalition of their own: those areas have none here either.
COALITIONS = (
    ("Integrated Air and Missile Defence Coalition", "air-defence", ("DEU", "FRA"),
     "Layered air defence for cities and critical infrastructure; interceptor supply."),
    ("Artillery Coalition", "artillery", ("FRA", "USA"),
     "155 mm systems and ammunition; from Soviet calibres to NATO standards."),
    ("Armour Coalition", "armour", ("POL",),
     "Tanks and infantry fighting vehicles: repair, spare parts and sustainment."),
    ("Drone Coalition", "drones", ("LVA", "GBR"),
     "One million drones; joint procurement from Ukrainian and allied industry."),
    ("Demining Coalition", "demining", ("LTU", "ISL"),
     "Humanitarian and military demining: equipment, training and standards."),
    ("Maritime Capability Coalition", "maritime", ("GBR", "NOR"),
     "Black Sea security: mine countermeasures, riverine and coastal forces."),
    ("Air Force Capability Coalition", "air-force", ("DNK", "NLD", "USA"),
     "F-16 aircraft, pilots, maintainers, munitions and airfield infrastructure."),
    ("IT Coalition", "it", ("EST", "LUX"),
     "Communications, IT infrastructure and cyber defence of the armed forces."),
)

# (code, name, area, description)
FAMILIES = (
    ("proj-155", "155 mm NATO projectiles", "artillery",
     "Fit every 155 mm NATO howitzer (JBMoU ballistics)."),
    ("how-155", "155 mm NATO howitzers", "artillery", "Fire every 155 mm NATO projectile."),
    ("proj-152", "152 mm projectiles", "artillery", "Soviet-standard 152 mm artillery."),
    ("proj-122", "122 mm projectiles", "artillery", "For D-30 and 2S1 howitzers."),
    ("proj-105", "105 mm howitzer projectiles", "artillery", "For M101, M119/L119 and Mod 56."),
    ("rkt-122", "122 mm artillery rockets", "artillery", "For BM-21 Grad and RM-70."),
    ("mlrs-227", "227 mm MLRS munitions (GMLRS, ATACMS)", "artillery",
     "Fired from M270 and HIMARS."),
    ("patriot-int", "Patriot interceptors (PAC-2/PAC-3)", "air-defence",
     "For Patriot batteries."),
    ("nasams-msl", "NASAMS missiles (AMRAAM)", "air-defence", "For NASAMS launchers."),
    ("iris-t-msl", "IRIS-T SLM missiles", "air-defence", "For IRIS-T SLM launchers."),
    ("tank-120", "120 mm smoothbore tank rounds", "armour", "For Leopard 2 and M1 Abrams."),
    ("tank-125", "125 mm tank rounds", "armour", "For T-72, PT-91 and M-84."),
    ("diesel", "Diesel fuel (F-54 / EN 590)", "fuel-logistics", "Interchangeable diesel grades."),
    ("jet-fuel", "Jet fuel (F-34 / F-35)", "fuel-logistics", "Kerosene-type aviation fuel."),
    ("ifak", "Individual first-aid kits", "medical", "NATO and Ukrainian standard kits."),
)

# Logistics hubs: (code, name, operator code, operator name, country, weekly capacity in pallets
# at scale 1). Capacities are sized a little below the traffic that the routes of
# demo/logistics.py bring to each hub, so that the plan must choose what goes through first.
HUBS = (
    ("rzeszow", "Rzeszów-Jasionka hub", "HUB-RZE", "Rzeszów Hub Operations", "POL", 1000),
    ("lublin", "Lublin rail hub", "HUB-LUB", "Lublin Rail Logistics", "POL", 250),
    ("przemysl", "Przemyśl transfer hub", "HUB-PRZ", "Przemyśl Transfer Station", "POL", 350),
    ("suceava", "Suceava hub", "HUB-SUC", "Suceava Logistics Centre", "ROU", 150),
    ("constanta", "Constanța port hub", "HUB-CND", "Constanța Port Logistics", "ROU", 350),
    ("kosice", "Košice hub", "HUB-KSC", "Košice Logistics Base", "SVK", 150),
    ("grafenwoehr", "Grafenwöhr staging area", "HUB-GRF", "Grafenwöhr Staging", "DEU", 500),
    ("leipzig", "Leipzig air cargo hub", "HUB-LEJ", "Leipzig Air Cargo Handling", "DEU", 350),
)

# Logins: (username, first, last, role, organisation code, clearance, is_superuser).
USERS = (
    ("coordinator", "Camille", "Laurent", Role.COORDINATOR, COORDINATOR[0],
     Classification.CONFIDENTIAL, False),
    ("auditor", "Anna", "Virtanen", Role.AUDITOR, OVERSIGHT[0], Classification.CONFIDENTIAL,
     False),
    ("admin", "Pat", "Operator", Role.ADMINISTRATOR, PLATFORM[0], Classification.PUBLIC, True),
    ("ukr-planner", "Olena", "Kovalenko", Role.RECIPIENT_PLANNER, RECIPIENT[0],
     Classification.RESTRICTED, False),
    # Logistics officers take custody of what they move: cleared for the most sensitive cargo
    # the demo ships (a shipment is classified at the highest of its pledges and needs).
    ("hub-rzeszow", "Marek", "Nowak", Role.LOGISTICS_OFFICER, "HUB-RZE",
     Classification.CONFIDENTIAL, False),
    ("hub-lublin", "Piotr", "Zieliński", Role.LOGISTICS_OFFICER, "HUB-LUB",
     Classification.CONFIDENTIAL, False),
    ("hub-przemysl", "Agnieszka", "Kowalczyk", Role.LOGISTICS_OFFICER, "HUB-PRZ",
     Classification.CONFIDENTIAL, False),
    ("hub-suceava", "Andrei", "Popescu", Role.LOGISTICS_OFFICER, "HUB-SUC",
     Classification.CONFIDENTIAL, False),
    ("hub-constanta", "Elena", "Ionescu", Role.LOGISTICS_OFFICER, "HUB-CND",
     Classification.CONFIDENTIAL, False),
    ("hub-kosice", "Martin", "Horváth", Role.LOGISTICS_OFFICER, "HUB-KSC",
     Classification.CONFIDENTIAL, False),
    ("hub-grafenwoehr", "Stefan", "Wagner", Role.LOGISTICS_OFFICER, "HUB-GRF",
     Classification.CONFIDENTIAL, False),
    ("hub-leipzig", "Julia", "Schmidt", Role.LOGISTICS_OFFICER, "HUB-LEJ",
     Classification.CONFIDENTIAL, False),
    # The receiving units: each region's logistics base takes custody at hand-over
    # (shipments.services.receiving_unit picks the unit with logistics officers).
    ("log-kyiv", "Andriy", "Melnyk", Role.LOGISTICS_OFFICER, "UKR-KYI-LOG",
     Classification.CONFIDENTIAL, False),
    ("log-kharkiv", "Iryna", "Bondarenko", Role.LOGISTICS_OFFICER, "UKR-KHA-LOG",
     Classification.CONFIDENTIAL, False),
    ("log-dnipro", "Serhiy", "Tkachenko", Role.LOGISTICS_OFFICER, "UKR-DNI-LOG",
     Classification.CONFIDENTIAL, False),
    ("log-odesa", "Nataliia", "Kravchenko", Role.LOGISTICS_OFFICER, "UKR-ODE-LOG",
     Classification.CONFIDENTIAL, False),
    ("log-zaporizhzhia", "Dmytro", "Oliinyk", Role.LOGISTICS_OFFICER, "UKR-ZAP-LOG",
     Classification.CONFIDENTIAL, False),
    ("ukr-training", "Taras", "Shevchenko", Role.TRAINING_OFFICER, TRAINING_UNIT[0],
     Classification.RESTRICTED, False),
    ("deu-rep", "Jonas", "Becker", Role.DONOR_REPRESENTATIVE, "DEU", Classification.RESTRICTED,
     False),
    ("usa-rep", "Emily", "Carter", Role.DONOR_REPRESENTATIVE, "USA", Classification.RESTRICTED,
     False),
    ("gbr-rep", "Oliver", "Hughes", Role.DONOR_REPRESENTATIVE, "GBR", Classification.RESTRICTED,
     False),
    ("pol-rep", "Katarzyna", "Wójcik", Role.DONOR_REPRESENTATIVE, "POL",
     Classification.RESTRICTED, False),
    ("nld-rep", "Sanne", "de Vries", Role.DONOR_REPRESENTATIVE, "NLD",
     Classification.RESTRICTED, False),
    ("fra-rep", "Hugo", "Moreau", Role.DONOR_REPRESENTATIVE, "FRA", Classification.RESTRICTED,
     False),
    ("eu-rep", "Lucia", "Rossi", Role.DONOR_REPRESENTATIVE, EU_CODE, Classification.RESTRICTED,
     False),
    ("captf-rep", "Ingrid", "Larsen", Role.DONOR_REPRESENTATIVE, TRUST_FUND[0],
     Classification.RESTRICTED, False),
)

JUSTIFICATIONS = (
    "Replace combat losses in the {region} sector.",
    "Sustain operations in the {region} sector for the next three months.",
    "Equip a new brigade forming in the {region} region.",
    "Protect critical infrastructure around {region}.",
    "Raise readiness before the winter season ({region}).",
    "Counter the current rate of attacks on {region}.",
    "Close a capability gap reported by units in {region}.",
)
