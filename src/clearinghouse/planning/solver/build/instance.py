"""Load, validate and convert a clearing instance (``clearinghouse-instance/1``).

Validation is JSON Schema first (a copy of the contract's schema lives in ``schemas/``), then
semantic checks; every error is an :class:`InstanceError` naming the JSON path. The result is an
:class:`Instance`: plain numpy arrays and index maps, ready for the model builders.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np

DEFAULT_WEIGHTS = {"critical": 8.0, "high": 4.0, "medium": 2.0, "low": 1.0}
DEFAULT_LATE_FACTOR = 0.9
# Tolerance used when checking fixed allocations against limits.
TOL = 1e-9
# The schemas live in the solver package (``schemas/``, package data), one level above this stage.
SOLVER_PACKAGE = __package__.rpartition(".")[0]


class InstanceError(ValueError):
    """An invalid instance; ``path`` is the JSON path of the offending value."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@cache
def load_schema(name: str) -> dict:
    """One of the contract's schemas: ``"instance"`` or ``"plan"``."""
    schema = resources.files(SOLVER_PACKAGE).joinpath(f"schemas/{name}.schema.json")
    text = schema.read_text("utf-8")
    return json.loads(text)


def _schema_path(error: jsonschema.ValidationError) -> str:
    path = "$"
    for part in error.absolute_path:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def validate_schema(data: Any, name: str = "instance") -> None:
    """Raise :class:`InstanceError` for the most relevant schema violation, if any."""
    schema = load_schema(name)
    cls = jsonschema.validators.validator_for(schema)
    error = jsonschema.exceptions.best_match(cls(schema).iter_errors(data))
    if error is not None:
        raise InstanceError(_schema_path(error), error.message)


@dataclass(frozen=True, eq=False)
class Instance:
    """A validated instance as arrays. Weeks are 1-based; week-indexed arrays have T+1 columns."""

    raw: dict
    name: str
    horizon: int
    late_factor: float
    weights: dict[str, float]
    # items
    item_ids: list[str]
    item_family: np.ndarray  # int, -1 for none
    family_ids: list[str]
    item_ppu: np.ndarray
    item_indivisible: np.ndarray
    item_lethal: np.ndarray
    # hubs: capacity (H, T+1), 0 where closed; open_ (H, T+1) bool
    hub_ids: list[str]
    hub_capacity: np.ndarray
    hub_open: np.ndarray
    # legs: -1 where there is none
    depot_ids: list[str]
    region_ids: list[str]
    route_weeks: np.ndarray  # (D, H)
    delivery_weeks: np.ndarray  # (H, R)
    # needs
    need_ids: list[str]
    need_item: np.ndarray  # -1 if the need names a family
    need_family: np.ndarray  # -1 if the need names an item
    need_qty: np.ndarray
    need_weight: np.ndarray
    need_due: np.ndarray
    need_region: np.ndarray
    # pledges
    pledge_ids: list[str]
    pledge_item: np.ndarray
    pledge_qty: np.ndarray
    pledge_ready: np.ndarray
    pledge_depot: np.ndarray
    pledge_region_ok: np.ndarray  # (P, R) bool; all True when unrestricted
    pledge_need_restricted: np.ndarray  # (P,) bool
    pledge_need_allowed: np.ndarray  # sorted keys p * N + n of allowed restricted pairs
    # funds and offers
    fund_ids: list[str]
    fund_amount: np.ndarray
    fund_available: np.ndarray
    fund_item_ok: np.ndarray  # (F, I) bool
    offer_ids: list[str]
    offer_item: np.ndarray
    offer_price: np.ndarray
    offer_max: np.ndarray
    offer_ready: np.ndarray  # available_week + lead_weeks (without the fund's week)
    offer_available: np.ndarray
    offer_depot: np.ndarray
    # fixed allocations (pledge or fund+offer; -1 where not applicable)
    fixed_pledge: np.ndarray
    fixed_fund: np.ndarray
    fixed_offer: np.ndarray
    fixed_need: np.ndarray
    fixed_hub: np.ndarray
    fixed_ship: np.ndarray
    fixed_qty: np.ndarray
    index: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def total_weight(self) -> float:
        """The sum of the needs' priority weights: the value of full coverage."""
        return float(self.need_weight.sum())


def load_instance(path: str | Path) -> Instance:
    """Read, validate and convert an instance file."""
    try:
        data = json.loads(Path(path).read_text("utf-8"))
    except json.JSONDecodeError as exc:
        raise InstanceError("$", f"not valid JSON: {exc}") from exc
    return parse_instance(data)


def _index(entries: list[dict], key: str, path: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for i, entry in enumerate(entries):
        ident = entry[key]
        if ident in out:
            raise InstanceError(f"{path}[{i}].{key}", f"duplicate id {ident!r}")
        out[ident] = i
    return out


def _ref(idx: dict[str, int], value: str, path: str, what: str) -> int:
    if value not in idx:
        raise InstanceError(path, f"unknown {what} {value!r}")
    return idx[value]


def parse_instance(data: Any) -> Instance:
    """Validate a decoded instance (schema, then semantics) and convert it to arrays.

    The steps: the JSON Schema; the scalars (horizon, weights, late factor); then each section
    in the contract's order, which indexes its ids (duplicates are errors), resolves and checks
    its references to the sections before it, and becomes arrays; last, the fixed allocations
    checked against every limit. The first error found is raised, naming its JSON path.
    """
    validate_schema(data, "instance")
    T = int(data["horizon_weeks"])
    weights = _weights(data)
    index: dict[str, dict[str, int]] = {}
    fields: dict[str, Any] = {}
    fields.update(_items(data, index))
    fields.update(_hubs(data, T, index))
    fields.update(_routes(data, index, hubs=len(fields["hub_ids"])))
    fields.update(_deliveries(data, index, hubs=len(fields["hub_ids"])))
    fields.update(_needs(data, weights, index))
    fields.update(_pledges(data, index))
    fields.update(_funds(data, index, fields["item_lethal"]))
    fields.update(_offers(data, index))
    fields.update(_fixed(data, index))
    inst = Instance(
        raw=data,
        name=str(data.get("name", "")),
        horizon=T,
        late_factor=float(data.get("late_factor", DEFAULT_LATE_FACTOR)),
        weights=weights,
        **fields,
        index={k: index[k] for k in INDEXED},
    )
    _check_fixed(inst)
    return inst


# The ids an Instance indexes (``Instance.index``); families are indexed while parsing only.
INDEXED = ("item", "hub", "need", "pledge", "fund", "offer", "region", "depot")


def _weights(data: dict) -> dict[str, float]:
    """The priority weights: the defaults, overridden by the instance's."""
    weights = dict(DEFAULT_WEIGHTS)
    weights.update({k: float(v) for k, v in data.get("priority_weights", {}).items()})
    return weights


def _items(data: dict, index: dict[str, dict[str, int]]) -> dict[str, Any]:
    """Items and their families (indexed in sorted order)."""
    items = data["items"]
    index["item"] = _index(items, "id", "$.items")
    family_ids = sorted({it["family"] for it in items if "family" in it})
    index["family"] = family_idx = {f: i for i, f in enumerate(family_ids)}
    return dict(
        item_ids=[it["id"] for it in items],
        item_family=np.array([family_idx.get(it.get("family"), -1) for it in items],
                             dtype=np.int64),
        family_ids=family_ids,
        item_ppu=np.array([float(it["pallets_per_unit"]) for it in items], dtype=float),
        item_indivisible=np.array([bool(it.get("indivisible", False)) for it in items],
                                  dtype=bool),
        item_lethal=np.array([bool(it.get("lethal", True)) for it in items], dtype=bool),
    )


def _hubs(data: dict, T: int, index: dict[str, dict[str, int]]) -> dict[str, Any]:
    """Hubs: weekly capacity (one figure, or one per week of the horizon) and closed weeks
    (capacity 0 there); week 0 is never open."""
    hubs = data["hubs"]
    index["hub"] = _index(hubs, "id", "$.hubs")
    H = len(hubs)
    cap = np.zeros((H, T + 1), dtype=float)
    open_ = np.ones((H, T + 1), dtype=bool)
    open_[:, 0] = False
    for h, hub in enumerate(hubs):
        c = hub["capacity_pallets"]
        if isinstance(c, list):
            if len(c) != T:
                raise InstanceError(
                    f"$.hubs[{h}].capacity_pallets",
                    f"{len(c)} weekly capacities given, horizon_weeks is {T}",
                )
            cap[h, 1:] = c
        else:
            cap[h, 1:] = float(c)
        for k, w in enumerate(hub.get("closed_weeks", [])):
            if w > T:
                path = f"$.hubs[{h}].closed_weeks[{k}]"
                raise InstanceError(path, f"week {w} beyond horizon {T}")
            open_[h, w] = False
    cap[~open_] = 0.0
    return dict(hub_ids=[h["id"] for h in hubs], hub_capacity=cap, hub_open=open_)


def _routes(data: dict, index: dict[str, dict[str, int]], hubs: int) -> dict[str, Any]:
    """Depots (named by routes, pledges and offers, sorted) and the fastest route per (depot,
    hub); a depot no route leaves is valid, and what is ready there can go nowhere."""
    routes = data["routes"]
    depot_ids = sorted({r["origin"] for r in routes}
                       | {x["origin"] for x in (*data["pledges"], *data.get("offers", []))})
    index["depot"] = depot_idx = {d: i for i, d in enumerate(depot_ids)}
    route_weeks = np.full((len(depot_ids), hubs), -1, dtype=np.int64)
    for k, r in enumerate(routes):
        h = _ref(index["hub"], r["hub"], f"$.routes[{k}].hub", "hub")
        d = depot_idx[r["origin"]]
        w = int(r["weeks"])
        if route_weeks[d, h] < 0 or w < route_weeks[d, h]:
            route_weeks[d, h] = w
    return dict(depot_ids=depot_ids, route_weeks=route_weeks)


def _deliveries(data: dict, index: dict[str, dict[str, int]], hubs: int) -> dict[str, Any]:
    """Regions (named by deliveries, needs and pledges' conditions, sorted) and the fastest
    delivery per (hub, region); a region no delivery reaches is valid, and unreachable."""
    deliveries = data["deliveries"]
    region_ids = sorted({d["region"] for d in deliveries} | {n["region"] for n in data["needs"]}
                        | {r for p in data["pledges"] for r in p.get("regions", ())})
    index["region"] = region_idx = {r: i for i, r in enumerate(region_ids)}
    delivery_weeks = np.full((hubs, len(region_ids)), -1, dtype=np.int64)
    for k, dl in enumerate(deliveries):
        h = _ref(index["hub"], dl["hub"], f"$.deliveries[{k}].hub", "hub")
        r = region_idx[dl["region"]]
        w = int(dl["weeks"])
        if delivery_weeks[h, r] < 0 or w < delivery_weeks[h, r]:
            delivery_weeks[h, r] = w
    return dict(region_ids=region_ids, delivery_weeks=delivery_weeks)


def _needs(data: dict, weights: dict[str, float],
           index: dict[str, dict[str, int]]) -> dict[str, Any]:
    """Needs: an item or a family, a known priority, a region (reachable or not)."""
    needs = data["needs"]
    index["need"] = _index(needs, "id", "$.needs")
    N = len(needs)
    need_item = np.full(N, -1, dtype=np.int64)
    need_family = np.full(N, -1, dtype=np.int64)
    need_weight = np.zeros(N, dtype=float)
    for n, need in enumerate(needs):
        p = f"$.needs[{n}]"
        if "item" in need:
            need_item[n] = _ref(index["item"], need["item"], f"{p}.item", "item")
        else:
            need_family[n] = _ref(index["family"], need["family"], f"{p}.family", "family")
        if need["priority"] not in weights:
            raise InstanceError(f"{p}.priority", f"unknown priority {need['priority']!r}")
        need_weight[n] = weights[need["priority"]]
        _ref(index["region"], need["region"], f"{p}.region", "region")
    return dict(
        need_ids=[x["id"] for x in needs],
        need_item=need_item,
        need_family=need_family,
        need_qty=np.array([float(x["quantity"]) for x in needs], dtype=float),
        need_weight=need_weight,
        need_due=np.array([int(x["due_week"]) for x in needs], dtype=np.int64),
        need_region=np.array([index["region"][x["region"]] for x in needs], dtype=np.int64),
    )


def _pledges(data: dict, index: dict[str, dict[str, int]]) -> dict[str, Any]:
    """Pledges: an item, a depot (with a route or not), their region and need restrictions."""
    pledges = data["pledges"]
    index["pledge"] = _index(pledges, "id", "$.pledges")
    P, N, R = len(pledges), len(index["need"]), len(index["region"])
    pledge_item = np.zeros(P, dtype=np.int64)
    pledge_depot = np.zeros(P, dtype=np.int64)
    region_ok = np.ones((P, R), dtype=bool)
    need_restricted = np.zeros(P, dtype=bool)
    allowed: list[int] = []
    for i, pl in enumerate(pledges):
        p = f"$.pledges[{i}]"
        pledge_item[i] = _ref(index["item"], pl["item"], f"{p}.item", "item")
        pledge_depot[i] = _ref(index["depot"], pl["origin"], f"{p}.origin", "depot")
        if "regions" in pl:
            region_ok[i] = False
            for k, r in enumerate(pl["regions"]):
                region_ok[i, _ref(index["region"], r, f"{p}.regions[{k}]", "region")] = True
        if "needs" in pl:
            need_restricted[i] = True
            for k, nid in enumerate(pl["needs"]):
                allowed.append(i * N + _ref(index["need"], nid, f"{p}.needs[{k}]", "need"))
    return dict(
        pledge_ids=[x["id"] for x in pledges],
        pledge_item=pledge_item,
        pledge_qty=np.array([float(x["quantity"]) for x in pledges], dtype=float),
        pledge_ready=np.array([int(x["available_week"]) for x in pledges], dtype=np.int64),
        pledge_depot=pledge_depot,
        pledge_region_ok=region_ok,
        pledge_need_restricted=need_restricted,
        pledge_need_allowed=np.unique(np.array(allowed, dtype=np.int64)),
    )


def _funds(data: dict, index: dict[str, dict[str, int]],
           item_lethal: np.ndarray) -> dict[str, Any]:
    """Funds: which items each may buy (its ``items``, and ``non_lethal_only``)."""
    funds = data.get("funds", [])
    index["fund"] = _index(funds, "id", "$.funds")
    fund_item_ok = np.ones((len(funds), len(index["item"])), dtype=bool)
    for f, fund in enumerate(funds):
        if "items" in fund:
            fund_item_ok[f] = False
            for k, it in enumerate(fund["items"]):
                fund_item_ok[f, _ref(index["item"], it, f"$.funds[{f}].items[{k}]", "item")] = True
        if fund.get("non_lethal_only", False):
            fund_item_ok[f] &= ~item_lethal
    return dict(
        fund_ids=[x["id"] for x in funds],
        fund_amount=np.array([float(x["amount_eur"]) for x in funds], dtype=float),
        fund_available=np.array([int(x["available_week"]) for x in funds], dtype=np.int64),
        fund_item_ok=fund_item_ok,
    )


def _offers(data: dict, index: dict[str, dict[str, int]]) -> dict[str, Any]:
    """Offers: an item, a depot (with a route or not); ready ``lead_weeks`` after
    ``available_week`` (the buying fund's week comes on top, in build/supply.py)."""
    offers = data.get("offers", [])
    index["offer"] = _index(offers, "id", "$.offers")
    O_ = len(offers)
    offer_item = np.zeros(O_, dtype=np.int64)
    offer_depot = np.zeros(O_, dtype=np.int64)
    for o, off in enumerate(offers):
        p = f"$.offers[{o}]"
        offer_item[o] = _ref(index["item"], off["item"], f"{p}.item", "item")
        offer_depot[o] = _ref(index["depot"], off["origin"], f"{p}.origin", "depot")
    offer_available = np.array([int(x.get("available_week", 1)) for x in offers], dtype=np.int64)
    return dict(
        offer_ids=[x["id"] for x in offers],
        offer_item=offer_item,
        offer_price=np.array([float(x["unit_price_eur"]) for x in offers], dtype=float),
        offer_max=np.array([float(x["max_quantity"]) for x in offers], dtype=float),
        offer_ready=offer_available + np.array([int(x["lead_weeks"]) for x in offers],
                                               dtype=np.int64),
        offer_available=offer_available,
        offer_depot=offer_depot,
    )


def _fixed(data: dict, index: dict[str, dict[str, int]]) -> dict[str, Any]:
    """Fixed allocations: a pledge, or a fund and an offer; a need, a hub, a ship week. Their
    limits are checked once the instance is whole (:func:`_check_fixed`)."""
    fixed = data.get("fixed", [])
    K = len(fixed)
    fx = {k: np.full(K, -1, dtype=np.int64) for k in ("pledge", "fund", "offer", "need", "hub")}
    fixed_ship = np.array([int(a["ship_week"]) for a in fixed], dtype=np.int64)
    fixed_qty = np.array([float(a["quantity"]) for a in fixed], dtype=float)
    for k, a in enumerate(fixed):
        p = f"$.fixed[{k}]"
        if "pledge" in a:
            fx["pledge"][k] = _ref(index["pledge"], a["pledge"], f"{p}.pledge", "pledge")
        else:
            fx["fund"][k] = _ref(index["fund"], a["fund"], f"{p}.fund", "fund")
            fx["offer"][k] = _ref(index["offer"], a["offer"], f"{p}.offer", "offer")
        fx["need"][k] = _ref(index["need"], a["need"], f"{p}.need", "need")
        fx["hub"][k] = _ref(index["hub"], a["hub"], f"{p}.hub", "hub")
    return dict(
        fixed_pledge=fx["pledge"],
        fixed_fund=fx["fund"],
        fixed_offer=fx["offer"],
        fixed_need=fx["need"],
        fixed_hub=fx["hub"],
        fixed_ship=fixed_ship,
        fixed_qty=fixed_qty,
    )


def _check_fixed(inst: Instance) -> None:
    """Each fixed allocation must be feasible on its own, and all of them together."""
    from .supply import fixed_columns, take  # local: supply imports this module

    cols = fixed_columns(inst)
    for k in range(len(inst.fixed_qty)):
        p = f"$.fixed[{k}]"
        if cols.problem[k]:
            raise InstanceError(p, cols.problem[k])
        given = inst.raw["fixed"][k].get("arrival_week")
        if given is not None and given != int(cols.arrival[k]):
            raise InstanceError(
                f"{p}.arrival_week",
                f"arrival week {given} does not match ship week + delivery ({cols.arrival[k]})",
            )
        if inst.item_indivisible[cols.item[k]] and inst.fixed_qty[k] != round(inst.fixed_qty[k]):
            raise InstanceError(f"{p}.quantity", "indivisible item moved in a fractional quantity")

    def over(keys: np.ndarray, amounts: np.ndarray, limits: np.ndarray, what: str) -> None:
        mask = keys >= 0
        used = np.bincount(keys[mask], weights=amounts[mask], minlength=len(limits))
        bad = np.nonzero(used > limits * (1 + TOL) + TOL)[0]
        if len(bad):
            k = int(np.nonzero(keys == bad[0])[0][-1])
            raise InstanceError(
                f"$.fixed[{k}].quantity",
                f"fixed allocations exceed the {what} ({used[bad[0]]:g} > {limits[bad[0]]:g})",
            )

    q = inst.fixed_qty
    over(inst.fixed_need, q, inst.need_qty, "need's quantity")
    over(inst.fixed_pledge, q, inst.pledge_qty, "pledge's quantity")
    over(inst.fixed_offer, q, inst.offer_max, "offer's max_quantity")
    price = take(inst.offer_price, inst.fixed_offer)
    over(inst.fixed_fund, q * price, inst.fund_amount, "fund's amount_eur")
    T1 = inst.horizon + 1
    hw = np.where(inst.fixed_hub >= 0, inst.fixed_hub * T1 + inst.fixed_ship, -1)
    over(hw, q * inst.item_ppu[cols.item], inst.hub_capacity.ravel(), "hub's weekly capacity")
