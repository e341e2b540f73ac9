"""Goods on the road in a snapshot (docs/shipments.md, Re-planning from the ground).

What left its depot is a fact, not a choice: the plan must carry it as it is, even where it
breaks a rule a new allocation obeys (it left before its route's lead time would allow from
week 1, it reaches a hub already full, or a hub that has since closed). The clearing contract
refuses a ``fixed`` allocation that breaks a limit, so the snapshot states the facts in the
contract's terms:

- goods on the road to a hub are a supply of their own (``M<pledge>``, or ``B<fund>x<offer>``
  for a fund's purchase), available in week 1 at the depot ``ON_THE_ROAD``, which reaches each
  of their hubs in no time, and serving only the needs they are bound for; their pledge's own
  row keeps only what never left;
- a hub week whose goods on the road need more pallets than the hub handles gets that many
  (the backlog is the hub's to clear; nothing new goes through it that week);
- goods due at a hub in a week it is closed are handled in the first open week after.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

ON_THE_ROAD = "on the road"
ROAD_PREFIXES = ("M", "B")  # supply ids of goods on the road (source_id)


@dataclass
class Road:
    """Goods on the road, as the snapshot writes them."""

    fixed: list[dict] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)


def source_id(pledge_pk: int | None, fund_pk: int | None, offer_pk: int | None) -> str:
    return f"M{pledge_pk}" if pledge_pk else f"B{fund_pk}x{offer_pk}"


def source_of(ident: str) -> dict[str, int] | None:
    """The records an allocation's supply stands for: ``P7`` and ``M7`` pledge 7, ``B3x5``
    fund 3 buying from offer 5; None for a what-if's hypothetical pledge (``H1``)."""
    if ident[0] in "PM":
        return {"pledge_id": int(ident[1:])}
    if ident[0] == "B":
        fund, offer = ident[1:].split("x")
        return {"fund_id": int(fund), "offer_id": int(offer)}
    return None


def supply_rows(fixed: Iterable[dict], donors: dict[str, str], items: dict[str, str]) -> list[
        dict]:
    """One supply row for the goods on the road of each source, exactly what its fixed
    allocations carry, for those needs only. ``donors`` and ``items``: by supply id."""
    quantity: dict[str, float] = defaultdict(float)
    needs: dict[str, set[str]] = defaultdict(set)
    for f in fixed:
        ident = f.get("pledge", "")
        if ident[:1] in ROAD_PREFIXES:
            quantity[ident] += f["quantity"]
            needs[ident].add(f["need"])
    return [{"id": ident, "donor": donors[ident], "item": items[ident],
             "quantity": round(quantity[ident], 6), "available_week": 1,
             "origin": ON_THE_ROAD, "needs": sorted(needs[ident])} for ident in sorted(quantity)]


def routes(fixed: Iterable[dict]) -> list[dict]:
    """The road's depot reaches each hub goods on the road are bound for at once."""
    hubs = sorted({f["hub"] for f in fixed if f.get("pledge", "")[:1] in ROAD_PREFIXES})
    return [{"origin": ON_THE_ROAD, "hub": hub, "weeks": 0} for hub in hubs]


def fit_hubs(hub_rows: list[dict], fixed: list[dict], pallets: dict[str, float],
             delivery: dict[tuple[str, str], int], regions: dict[str, str],
             horizon: int) -> list[str]:
    """Move goods on the road due in a closed week to the hub's next open week, and raise a
    hub week's capacity to what its goods on the road need. Goods that would then arrive
    beyond the horizon are taken out (returned, one line each, for the plan's left-out list).
    ``pallets`` per unit by supply id; ``delivery`` weeks by (hub, region); ``regions`` by
    need id."""
    by_id = {h["id"]: h for h in hub_rows}
    load: dict[tuple[str, int], float] = defaultdict(float)
    kept, dropped = [], []
    for f in fixed:
        if f.get("pledge", "")[:1] not in ROAD_PREFIXES:
            kept.append(f)
            continue
        closed = set(by_id[f["hub"]].get("closed_weeks", []))
        week = f["ship_week"]
        while week in closed:
            week += 1
        arrives = week + delivery.get((f["hub"], regions.get(f["need"], "")), 0)
        if arrives > horizon:
            dropped.append(f"goods on the road of {f['pledge']} to {f['need']}: they reach "
                           "their hub after the plan's horizon")
            continue
        f["ship_week"] = week
        load[f["hub"], week] += f["quantity"] * pallets.get(f["pledge"], 0.0)
        kept.append(f)
    fixed[:] = kept
    for (hub, week), need in load.items():
        row = by_id[hub]
        weekly = row["capacity_pallets"]
        if not isinstance(weekly, list):
            weekly = [weekly] * horizon
        if need > weekly[week - 1]:
            weekly[week - 1] = need
        row["capacity_pallets"] = weekly
    for row in hub_rows:  # one number where every week is the same
        weekly = row["capacity_pallets"]
        if isinstance(weekly, list) and len(set(weekly)) == 1:
            row["capacity_pallets"] = weekly[0]
    return dropped

