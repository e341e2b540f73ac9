"""The users' words: the one place that turns codes into words and numbers into text.

Pages (through the ``words`` template library), exports and the API's display fields all
read from here, so a status, a reason or a quantity reads the same everywhere:

- ``word(kind, code)``: a solver status, a reason a need is not covered, an audience, ...;
- ``number(value, whole=...)``: grouped thousands, no trailing zeros, whole units for what
  comes in whole units, at most two decimals otherwise;
- ``percent(fraction)``: 0.407 as "41%", never "100%" for what is not all;
- ``day(date)`` and ``month(date)``: "25 Dec 2026", "Dec 2026";
- ``GLOSSARY``: what a newcomer needs explained, shown on the help page and as the title of
  each term the pages link to it.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.formats import number_format

# Codes to words, by kind. A kind's codes are what the solver, the contract or a lifecycle
# writes; the words are what the users read.
WORDS: dict[str, dict[str, str]] = {
    # Why part of a need is not covered (the clearing contract's reason codes).
    "reason": {
        "no_compatible_supply": "nothing offered fits",
        "taken_by_higher_value": "what was offered went to more urgent needs",
        "too_late": "offered, but ready too late",
        "hub_capacity": "the hubs are full that week",
        "restricted": "the offers' conditions exclude it",
        "budget": "the funds or supplier offers ran out",
        "no_route": "no route to its region",
        "other": "not enough offered in time",
    },
    # How sure the solver is of a plan (plan schema ``status``).
    "solver_status": {
        "optimal": "the best plan possible",
        "gap_limit": "within a hair of the best plan possible",
        "time_limit": "stopped at its time limit before proving the plan near the best",
        "error": "the solver failed; this is the first-come plan",
        "greedy": "first come, first served",
    },
    "audience": {
        "coordinator": "the coordination command",
        "recipient": "the recipient",
        "all_donors": "all donors",
    },
}


def word(kind: str, code: Any) -> str:
    """The users' word for ``code`` of ``kind``; an unknown code reads as itself, its
    underscores turned to spaces (never a crash, never a raw code)."""
    if code is None or code == "":
        return ""
    code = str(code)
    return WORDS.get(kind, {}).get(code) or code.replace("_", " ")


def words(kind: str, codes: list[str] | tuple[str, ...]) -> str:
    """Several codes of ``kind`` as one phrase: "nothing offered fits; no route to its region"."""
    seen = []
    for code in codes:
        said = word(kind, code)
        if said and said not in seen:
            seen.append(said)
    return "; ".join(seen)


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        found = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None
    return found if found.is_finite() else None


def number(value: Any, whole: bool = False, places: int | None = None) -> str:
    """``value`` as the pages show numbers: 12,000 · 2,100,001 · 0.25; "–" for none.

    ``whole`` rounds to whole units (an item that comes in whole units); otherwise at most
    ``places`` decimals (by default two, and none from 1,000 up), trailing zeros dropped.
    """
    found = _decimal(value)
    if found is None:
        return "–"
    if whole:
        places = 0
    elif places is None:
        places = 0 if abs(found) >= 1000 else 2
    step = Decimal(1).scaleb(-places)
    found = found.quantize(step, rounding=ROUND_HALF_UP)
    if found == found.to_integral_value():
        return number_format(int(found), force_grouping=True)
    integer, _, fraction = format(found.normalize(), "f").partition(".")
    sign = "-" if integer.startswith("-") else ""
    return f"{sign}{number_format(abs(int(integer)), force_grouping=True)}.{fraction}"


def percent(fraction: Any) -> str:
    """``fraction`` (0.407) as a whole percentage ("41%"); what is not none reads at least
    "under 1%" and what is not all at most "99%"."""
    found = _decimal(fraction)
    if found is None:
        return "–"
    share = float(found) * 100
    if 0 < share < 1:
        return "under 1%"
    shown = math.floor(share + 0.5)
    if shown >= 100 and share < 100:
        shown = 99
    return f"{number_format(shown, force_grouping=True)}%"


def euros(value: Any) -> str:
    """An amount's figure: 1,250,000 or 1,200.50 (cents, both digits, only when there are
    some)."""
    found = _decimal(value)
    if found is None:
        return "–"
    shown = number(found, places=2)
    whole, dot, cents = shown.partition(".")
    return f"{whole}.{cents.ljust(2, '0')}" if dot else shown


def money(value: Any) -> str:
    """An amount in euros: "EUR 1,250,000", "EUR 1,200.50"."""
    found = _decimal(value)
    return "–" if found is None else f"EUR {euros(found)}"


def day(value: dt.date | dt.datetime | None) -> str:
    """A date as people write it: 25 Dec 2026."""
    if value is None:
        return ""
    return f"{value.day} {value:%b %Y}"


def month(value: dt.date | dt.datetime | None) -> str:
    """A month: Dec 2026."""
    return "" if value is None else f"{value:%b %Y}"


def moment(value: dt.datetime | None) -> str:
    """A time of day on a date, in the site's time zone: 25 Dec 2026, 14:05 UTC."""
    if value is None:
        return ""
    from django.utils import timezone

    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{day(value)}, {value:%H:%M %Z}".rstrip()


# Terms a newcomer would not know, as the help page explains them (anchors: the keys).
GLOSSARY: dict[str, tuple[str, str]] = {
    "need": ("Need", "What the recipient asks for: an item (or any item of a compatibility "
             "family), how many, for which region, by when, and how urgently."),
    "pledge": ("Pledge", "What a donor offers: goods from its stocks, new procurement, money or "
               "training places. The coordination command accepts or declines each one."),
    "compatibility family": (
        "Compatibility family", "Items that can stand in for each other (all 155 mm NATO "
        "projectiles, say): a need for the family is met by any of them."),
    "coverage": ("Coverage", "The share of a need, or of all needs, that the plan brings to "
                 "the region by the date it is required."),
    "on time": ("On time", "Ready at the region by the need's required-by date; what comes "
                "later counts as late and is worth less."),
    "plan": ("Plan", "Who sends what, from where, through which hub, arriving when, for every "
             "need at once, worked out from a snapshot of the needs and pledges."),
    "what-if": ("What-if", "A copy of a plan run again with one thing changed (a pledge "
                "withdrawn, a hub closed), to see what that would do; it is never adopted."),
    "adopted plan": ("Adopted plan", "The plan the coordination command works to. Adopting a "
                     "plan allocates its pledges; the one before is superseded."),
    "greedy plan": ("First-come plan", "The plan a spreadsheet would give: each pledge to the "
                    "first need it fits, in order of arrival. The optimised plan is measured "
                    "against it."),
    "plan value": ("Plan value", "One number the planner makes as large as it can: each unit "
                   "arriving on time is worth its need's priority weight shared over the "
                   "need's quantity, so a need fully covered on time is worth its weight; late "
                   "units are worth less."),
    "bound": ("Best possible", "A value no plan can exceed, proven by the planner. The closer "
              "a plan's value to it, the surer we are that no better plan was missed."),
    "gap": ("Gap", "Either what a need still lacks, or, for a plan, how far its value may be "
            "from the best possible (1% means at most 1% better is possible)."),
    "ask list": ("Ask list", "What the adopted plan leaves uncovered or late, and what an offer "
                 "would have to be to close each gap: the list for the contact-group "
                 "meeting."),
    "capability area": ("Capability area", "A domain of assistance (air defence, artillery, "
                        "demining, ...) that needs and coalitions are grouped by."),
    "hub": ("Hub", "A logistics hub where donors' goods are gathered and handed over; each "
            "handles so many pallets a week."),
    "classification": ("Classification", "How sensitive a record is (unclassified, "
                       "restricted, confidential, secret); nobody sees a record above their "
                       "clearance."),
    "releasable to": ("Releasable to", "Besides the owner, who may see a record: the "
                      "coordination command, the recipient, all donors, or named "
                      "organisations."),
    "stock position": ("Stock position", "What a donor holds of an item, and the floor below "
                       "which it will not go; it bounds what the donor can give from stock."),
    "indivisible": ("Whole units", "An item that comes only in whole units (a vehicle, a "
                    "missile): quantities of it are whole numbers."),
}
