"""A deterministic synthetic instance shaped like the demo, for benchmarks and tests.

At scale 1: about 800 needs and 2,500 pledges over 160 items (vehicles, guns, launchers and
missiles indivisible; ammunition, fuel and medical supplies divisible), 8 hubs, 52 weeks, 50
donors, four funds and 30 supplier offers. ``scale`` multiplies needs, pledges, offers, fund
amounts and hub capacity; items, hubs, depots, regions and weeks stay. With ``contested`` (the
default) pledges cover about 0.9 of what is needed and hub capacity binds in about a third of
hub-weeks; without it supply and capacity are ample.
"""

from __future__ import annotations

import numpy as np

T = 52
N_HUBS = 8
N_DEPOTS = 60
N_REGIONS = 5
N_DONORS = 50
PRIORITIES = ("critical", "high", "medium", "low")
PRIORITY_MIX = (0.15, 0.35, 0.35, 0.15)
# (kind, how many items, items per family, pallets per unit range, need quantity range,
#  indivisible, lethal, how often needed)
KINDS = (
    ("vehicle", 36, 4, (8.0, 30.0), (2, 40), True, True, 1.0),
    ("gun", 20, 4, (2.0, 12.0), (2, 36), True, True, 1.0),
    ("launcher", 14, 2, (4.0, 20.0), (1, 12), True, True, 0.6),
    ("missile", 18, 3, (0.5, 3.0), (4, 120), True, True, 1.2),
    ("ammo", 40, 5, (0.002, 0.05), (500, 30000), False, True, 2.5),
    ("kit", 12, 3, (0.5, 2.0), (20, 400), True, False, 0.6),
    ("medical", 12, 4, (0.001, 0.01), (500, 20000), False, False, 1.0),
    ("fuel", 8, 0, (0.0002, 0.0005), (50000, 2000000), False, False, 0.5),
)


def generate_instance(scale: float = 1.0, seed: int = 0, contested: bool = True) -> dict:
    """A valid ``clearinghouse-instance/1`` dict; the same (scale, seed, contested) gives the
    same instance."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    rng = np.random.default_rng([seed, int(round(scale * 1000)), int(contested)])
    items, lo_q, hi_q, ppu, popular = [], [], [], [], []
    for kind, count, per_family, (p0, p1), (q0, q1), indiv, lethal, often in KINDS:
        for k in range(count):
            item = {
                "id": f"{kind}-{k:02d}",
                "pallets_per_unit": round(float(rng.uniform(p0, p1)), 4),
                "indivisible": indiv,
                "lethal": lethal,
            }
            if per_family:
                item["family"] = f"{kind}-family-{k // per_family}"
            items.append(item)
            lo_q.append(q0)
            hi_q.append(q1)
            ppu.append(item["pallets_per_unit"])
            popular.append(often * rng.lognormal(0.0, 0.6))
    n_items = len(items)
    lo_q, hi_q, ppu = np.array(lo_q, float), np.array(hi_q, float), np.array(ppu)
    indiv = np.array([it["indivisible"] for it in items])
    popular = np.array(popular) / np.sum(popular)

    regions = [f"region-{r}" for r in range(N_REGIONS)]
    depots = [f"depot-{d:02d}" for d in range(N_DEPOTS)]
    hub_ids = [f"hub-{h}" for h in range(N_HUBS)]
    # as in the demo: a depot ships to its two to four nearest hubs (0-4 weeks by distance),
    # every hub delivers to every region (0-2 weeks)
    hub_xy = rng.uniform(0, 1, size=(N_HUBS, 2))
    routes = []
    for depot in depots:
        dist = np.hypot(*(hub_xy - rng.uniform(-1.5, 1, size=2)).T)
        near = np.argsort(dist)[: int(rng.choice([2, 3, 4], p=[0.55, 0.3, 0.15]))]
        routes += [{"origin": depot, "hub": hub_ids[h],
                    "weeks": int(min(4, dist[h] * 1.5 + (rng.random() < 0.2)))}
                   for h in sorted(near)]
    region_xy = rng.uniform(1, 2, size=(N_REGIONS, 2))
    deliveries = [{"hub": hub, "region": regions[r],
                   "weeks": int(min(2, np.hypot(*(hub_xy[h] - region_xy[r])) * 1.2))}
                  for h, hub in enumerate(hub_ids) for r in range(N_REGIONS)]

    # needs: quantities log-uniform in the item's range, whole units everywhere
    n_needs = max(1, int(round(800 * scale)))
    need_item = rng.choice(n_items, size=n_needs, p=popular)
    need_q = np.round(np.exp(rng.uniform(np.log(lo_q[need_item]), np.log(hi_q[need_item]))))
    by_family = rng.random(n_needs) < 0.2
    prio = rng.choice(len(PRIORITIES), size=n_needs, p=PRIORITY_MIX)
    due = rng.integers(2, T + 27, size=n_needs)  # as in the demo: some due beyond the horizon
    need_region = rng.integers(0, N_REGIONS, size=n_needs)
    needs = []
    for n in range(n_needs):
        i = int(need_item[n])
        need = {"id": f"need-{n:05d}", "quantity": float(max(need_q[n], 1.0)),
                "priority": PRIORITIES[prio[n]], "due_week": int(due[n]),
                "region": regions[need_region[n]]}
        if by_family[n] and "family" in items[i]:
            need["family"] = items[i]["family"]
        else:
            need["item"] = items[i]["id"]
        needs.append(need)

    # pledges: per item about `share` of the need for it, split over pledges
    share = 0.9 if contested else 2.0
    needed = np.bincount(need_item, weights=need_q, minlength=n_items)
    n_pledges = max(1, int(round(2500 * scale)))
    pledge_item = rng.choice(n_items, size=n_pledges, p=popular)
    count = np.bincount(pledge_item, minlength=n_items)
    # items nobody needs are still pledged (a typical need's worth)
    per_item = np.where(needed > 0, share * needed / np.maximum(count, 1), np.sqrt(lo_q * hi_q))
    mean_q = per_item[pledge_item]
    pledge_q = mean_q * rng.lognormal(-0.18, 0.6, size=n_pledges)
    pledge_q = np.where(indiv[pledge_item], np.maximum(np.round(pledge_q), 1),
                        np.maximum(np.ceil(pledge_q), 1))
    donor_depot = rng.integers(0, N_DEPOTS, size=N_DONORS)
    donor = rng.integers(0, N_DONORS, size=n_pledges)
    ready = rng.integers(1, 44, size=n_pledges)
    need_ids_by_item: dict[int, list[int]] = {}
    for n in range(n_needs):
        need_ids_by_item.setdefault(int(need_item[n]), []).append(n)
    pledges = []
    for p in range(n_pledges):
        i = int(pledge_item[p])
        pledge = {"id": f"pledge-{p:05d}", "donor": f"donor-{donor[p]:02d}",
                  "item": items[i]["id"], "quantity": float(pledge_q[p]),
                  "available_week": int(ready[p]), "origin": depots[donor_depot[donor[p]]]}
        roll = rng.random()
        if roll < 0.08:
            picked = rng.choice(N_REGIONS, size=int(rng.integers(1, 4)), replace=False)
            pledge["regions"] = [regions[r] for r in sorted(picked)]
        elif roll < 0.38 and i in need_ids_by_item:  # pledged against a need, as many are
            pledge["needs"] = [needs[int(rng.choice(need_ids_by_item[i]))]["id"]]
        pledges.append(pledge)

    # hub capacity: about the pallets pledged per week over the hubs, uneven across hubs/weeks
    pallets = float(np.sum(pledge_q * ppu[pledge_item]))
    per_week = pallets / (N_HUBS * (T - 6)) * (1.4 if contested else 8.0)
    hubs = []
    for hub in hub_ids:
        base = per_week * rng.uniform(0.5, 1.5)
        weekly = np.round(base * rng.uniform(0.6, 1.4, size=T), 1)
        entry = {"id": hub, "capacity_pallets": [float(c) for c in weekly]}
        if rng.random() < 0.5:
            start = int(rng.integers(4, T - 4))
            entry["closed_weeks"] = list(range(start, start + int(rng.integers(1, 4))))
        hubs.append(entry)

    funds = [
        {"id": "fund-ukraine", "donor": "donor-00", "amount_eur": 4e8 * scale, "available_week": 1},
        {"id": "fund-nonlethal", "donor": "donor-01", "amount_eur": 5e7 * scale,
         "available_week": 6, "non_lethal_only": True},
        {"id": "fund-ammo", "donor": "donor-02", "amount_eur": 2e8 * scale, "available_week": 10,
         "items": [it["id"] for it in items if it["id"].startswith("ammo")]},
        {"id": "fund-late", "donor": "donor-03", "amount_eur": 1e8 * scale, "available_week": 26},
    ]
    for f in funds:
        f["amount_eur"] = float(round(f["amount_eur"]))
    price_per_pallet = 1e5  # order of magnitude: a pallet of shells, of a vehicle's share
    offers = []
    for o in range(max(1, int(round(30 * scale)))):
        i = int(rng.choice(n_items, p=popular))
        offers.append({
            "id": f"offer-{o:04d}", "supplier": f"supplier-{o % 12:02d}", "item": items[i]["id"],
            "unit_price_eur": float(round(price_per_pallet * ppu[i] * rng.uniform(0.5, 2.0), 2)),
            "max_quantity": float(max(1, round(0.3 * hi_q[i] * rng.uniform(0.5, 2.0)))),
            "available_week": int(rng.integers(1, 20)), "lead_weeks": int(rng.integers(2, 13)),
            "origin": depots[int(rng.integers(0, N_DEPOTS))],
        })
    return {
        "format": "clearinghouse-instance/1",
        "name": f"synthetic scale {scale:g} seed {seed}" + ("" if contested else " (ample)"),
        "start_date": "2025-01-06",
        "horizon_weeks": T,
        "late_factor": 0.9,
        "items": items,
        "hubs": hubs,
        "routes": routes,
        "deliveries": deliveries,
        "needs": needs,
        "pledges": pledges,
        "funds": funds,
        "offers": offers,
    }
