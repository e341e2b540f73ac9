"""The ask list for the next contact-group meeting: what the plan could not cover, and what a
donor would have to offer, by when, to close each gap.

Built from a plan's gaps over the needs the reader sees. Only coordinators and auditors read
the solver's own words (they name hubs, depots and other records); everyone else reads the
reason codes and the ask itself: item, quantity, region, and the week it must be ready.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from clearinghouse.needs.models import Need
from clearinghouse.parties.models import User

from .models import Plan
from .queries import gaps_for, reasons_for, sees_everything
from .snapshot import item_names, readable

REASONS = {
    "no_compatible_supply": "nothing offered fits",
    "taken_by_higher_value": "taken by needs of higher value",
    "too_late": "offered, but ready too late",
    "hub_capacity": "hub capacity used up",
    "restricted": "restricted by region, earmark or fund rules",
    "budget": "funds or supplier offers exhausted",
    "no_route": "no route to its region",
    "other": "not enough supply in time",
}


@dataclass
class Ask:
    need: Need
    missing: float
    late: float
    codes: list[str]
    ready_by: date | None
    explained: list[str] = field(default_factory=list)  # coordinators only

    @property
    def quantity(self) -> float:
        return self.missing + self.late

    @property
    def what(self) -> str:
        n = self.need
        return str(n.item_type) if n.item_type_id else f"any {n.family}"

    @property
    def reasons(self) -> str:
        return "; ".join(REASONS.get(c, c) for c in self.codes)


def asks_for(plan: Plan, user: User) -> list[Ask]:
    """One ask per gap of ``plan`` whose need ``user`` sees, the most important first."""
    full = sees_everything(user)
    names = item_names(plan) if full else {}
    gaps = gaps_for(user, plan).filter(need__in=Need.objects.visible_to(user)).select_related(
        "need__item_type", "need__family", "need__region")
    out = []
    for gap in gaps:
        codes, weeks, explained = [], [], []
        for reason in reasons_for(user, gap.reasons):
            code = reason.get("code")
            if code and code not in codes:
                codes.append(code)
            ask = reason.get("ask") if isinstance(reason.get("ask"), dict) else {}
            week = ask.get("ready_by_week")
            if isinstance(week, int) and week >= 1:
                weeks.append(week)
            if full:
                said = (reason.get("message"), reason.get("would_close"))
                explained.append(readable(" Would close: ".join(filter(None, said)), names))
        ready_by = plan.week_start(min(weeks)) if weeks else None
        out.append(Ask(gap.need, gap.missing, gap.late, codes, ready_by, explained))
    out.sort(key=lambda a: (a.need.priority, a.need.required_by, a.need.pk))
    return out


def totals_by_item(asks: list[Ask]) -> list[tuple[str, float, int]]:
    """(item, units asked, needs) per item or family, the largest first."""
    units, count = defaultdict(float), defaultdict(int)
    for a in asks:
        units[a.what] += a.quantity
        count[a.what] += 1
    return sorted(((w, units[w], count[w]) for w in units), key=lambda t: (-t[1], t[0]))
