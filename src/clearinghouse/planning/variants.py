"""What-if changes applied to a snapshot: the instance of a plan variant.

A change is a small JSON object; a list of them is stored with the what-if plan so that it can
be read, compared and re-run. Bad changes are refused naming their JSON path.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import NoReturn

from clearinghouse.core.errors import DomainError

KINDS = {
    "withdraw_donor": "withdraw every pledge and fund of a donor",
    "withdraw_pledge": "withdraw one pledge or fund",
    "close_hub": "close a hub for some weeks",
    "add_pledge": "add a hypothetical pledge",
    "set_priority": "change a need's priority",
}


def _fail(path: str, message: str) -> NoReturn:
    raise DomainError(path, message)


def _int(change: dict, key: str, path: str, low: int, high: int) -> int:
    value = change.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        _fail(f"{path}.{key}", f"must be a whole number from {low} to {high}")
    return value


def apply_changes(instance: dict, changes: list) -> dict:
    """A copy of ``instance`` with ``changes`` applied; the original is left as it was.

    Each change is applied in turn by the function of its kind (``_APPLY``); pledges and funds
    already on the move (fixed) cannot be withdrawn.
    """
    if not isinstance(changes, list) or not changes:
        _fail("changes", "a what-if needs at least one change")
    out = copy.deepcopy(instance)
    fixed = {f.get("pledge") for f in out.get("fixed", [])} | {
        f.get("fund") for f in out.get("fixed", [])}
    for i, change in enumerate(changes):
        if not isinstance(change, dict) or change.get("kind") not in KINDS:
            _fail(f"changes[{i}].kind", f"must be one of {', '.join(KINDS)}")
        _APPLY[change["kind"]](out, change, i, fixed)
    return out


def _withdraw_donor(out: dict, change: dict, i: int, fixed: set) -> None:
    """Take out every pledge and fund of the donor, but those on the move."""
    donor = change.get("donor")
    donors = {p["donor"] for p in out["pledges"] + out.get("funds", [])}
    if donor not in donors:
        _fail(f"changes[{i}].donor", "no pledge or fund of this donor is in the plan")

    def kept(row: dict) -> bool:
        return row["donor"] != donor or row["id"] in fixed

    out["pledges"] = [p for p in out["pledges"] if kept(p)]
    out["funds"] = [f for f in out.get("funds", []) if kept(f)]


def _withdraw_pledge(out: dict, change: dict, i: int, fixed: set) -> None:
    """Take out one pledge or fund, unless it is on the move."""
    pid = change.get("pledge")
    if pid in fixed:
        _fail(f"changes[{i}].pledge", "this pledge is already on the move (fixed)")
    ids = {p["id"] for p in out["pledges"] + out.get("funds", [])}
    if pid not in ids:
        _fail(f"changes[{i}].pledge", "no such pledge or fund in the plan")
    out["pledges"] = [p for p in out["pledges"] if p["id"] != pid]
    out["funds"] = [f for f in out.get("funds", []) if f["id"] != pid]


def _close_hub(out: dict, change: dict, i: int, fixed: set) -> None:
    """Close a hub from one week to another (both included), on top of its closed weeks."""
    path, horizon = f"changes[{i}]", out["horizon_weeks"]
    hub = next((h for h in out["hubs"] if h["id"] == change.get("hub")), None)
    if hub is None:
        _fail(f"{path}.hub", "no such hub in the plan")
    first = _int(change, "from_week", path, 1, horizon)
    last = _int(change, "to_week", path, first, horizon)
    closed = set(hub.get("closed_weeks", [])) | set(range(first, last + 1))
    hub["closed_weeks"] = sorted(closed)


def _add_pledge(out: dict, change: dict, i: int, fixed: set) -> None:
    """Add a hypothetical pledge (id ``H`` and the change's number from 1) of an item of the
    plan, at a depot some route leaves."""
    path = f"changes[{i}]"
    items = {it["id"] for it in out["items"]}
    if change.get("item") not in items:
        _fail(f"{path}.item", "no such item in the plan")
    qty = change.get("quantity")
    if isinstance(qty, bool) or not isinstance(qty, (int, float)) or qty <= 0:
        _fail(f"{path}.quantity", "must be a positive number")
    origins = {r["origin"] for r in out["routes"]}
    if change.get("origin") not in origins:
        _fail(f"{path}.origin", "no route leaves this depot")
    out["pledges"].append({
        "id": f"H{i + 1}", "donor": str(change.get("donor") or "hypothetical"),
        "item": change["item"], "quantity": qty, "origin": change["origin"],
        "available_week": _int(change, "available_week", path, 1, out["horizon_weeks"]),
    })


def _set_priority(out: dict, change: dict, i: int, fixed: set) -> None:
    """Give a need another of the plan's priorities."""
    path = f"changes[{i}]"
    need = next((n for n in out["needs"] if n["id"] == change.get("need")), None)
    if need is None:
        _fail(f"{path}.need", "no such need in the plan")
    if change.get("priority") not in out["priority_weights"]:
        _fail(f"{path}.priority", f"must be one of {', '.join(out['priority_weights'])}")
    need["priority"] = change["priority"]


# Each kind of change (KINDS): the function applying one (instance, change, its index, the
# fixed pledges and funds); it refuses a bad change naming its JSON path.
_APPLY: dict[str, Callable[[dict, dict, int, set], None]] = {
    "withdraw_donor": _withdraw_donor,
    "withdraw_pledge": _withdraw_pledge,
    "close_hub": _close_hub,
    "add_pledge": _add_pledge,
    "set_priority": _set_priority,
}


def describe_change(change: dict, names: dict[str, dict[str, str]] | None = None,
                    when: Callable[[int, bool], str] | None = None) -> str:
    """A change in the users' words: donors, hubs and items by ``names`` (by the snapshot's
    codes: ``{"donors": {...}, "hubs": {...}, "items": {...}}``), weeks by ``when`` (the first
    day of a week of the plan, or its last: ``when(week, True)``); without them, the
    snapshot's own codes."""
    names = names or {}

    def named(kind: str, code) -> str:
        return names.get(kind, {}).get(code, str(code))

    def week(number, end: bool = False) -> str:
        return when(number, end) if when and isinstance(number, int) else f"week {number}"

    kind = change.get("kind")
    if kind == "withdraw_donor":
        return f"{named('donors', change['donor'])} withdraws all its pledges"
    if kind == "withdraw_pledge":
        return f"pledge {str(change['pledge']).lstrip('PF')} withdrawn"
    if kind == "close_hub":
        return (f"hub {named('hubs', change['hub'])} closed from {week(change['from_week'])} "
                f"to {week(change['to_week'], True)}" if when else
                f"hub {change['hub']} closed weeks {change['from_week']}–{change['to_week']}")
    if kind == "add_pledge":
        qty = change["quantity"]
        return (f"a hypothetical pledge of {qty:,g} × {named('items', change['item'])} at "
                f"{change['origin']}, ready from {week(change['available_week'])}")
    if kind == "set_priority":
        return f"need {str(change['need']).lstrip('N')} becomes {change['priority']}"
    return str(change)
