"""The synthetic instance generator: deterministic, valid, shaped like the demo, solvable."""

from __future__ import annotations

import numpy as np
import pytest

from clearinghouse.planning.solver import parse_instance, solve
from clearinghouse.planning.solver.build.instance import validate_schema
from clearinghouse.planning.solver.build.supply import free_columns
from clearinghouse.planning.solver.generate import generate_instance
from clearinghouse.planning.solver.lp.solve import Planner

from ..helpers import validate_plan
from .test_properties import check_plan


def test_the_same_arguments_give_the_same_instance():
    assert generate_instance(0.05, 7) == generate_instance(0.05, 7)
    assert generate_instance(0.05, 7) != generate_instance(0.05, 8)
    assert generate_instance(0.05, 7) != generate_instance(0.05, 7, contested=False)


@pytest.mark.parametrize("contested", [True, False])
def test_it_validates_and_is_shaped_like_the_demo(contested):
    data = generate_instance(0.2, 1, contested=contested)
    validate_schema(data)
    inst = parse_instance(data)
    assert len(inst.need_ids) == 160 and len(inst.pledge_ids) == 500
    assert inst.horizon == 52 and len(inst.hub_ids) == 8 and len(inst.item_ids) == 160
    assert 0.3 < inst.item_indivisible.mean() < 0.8  # vehicles, guns...; not ammunition
    assert not inst.item_indivisible[[i.startswith("ammo") for i in inst.item_ids]].any()
    assert inst.pledge_need_restricted.any() and (~inst.pledge_region_ok).any()
    assert (inst.delivery_weeks >= 0).all()  # every hub reaches every region, as in the demo
    routes = (inst.route_weeks >= 0).sum(axis=1)
    assert routes.min() >= 2 and routes.max() <= 4  # a depot ships to 2-4 hubs
    # pledged against needed, in pallets, over the items needed by name
    needed = np.zeros(len(inst.item_ids))
    has = inst.need_item >= 0
    np.add.at(needed, inst.need_item[has], inst.need_qty[has])
    pledged = np.bincount(inst.pledge_item, inst.pledge_qty, len(inst.item_ids))
    ratio = (pledged * inst.item_ppu)[needed > 0].sum() / (needed * inst.item_ppu).sum()
    assert (0.7 < ratio < 1.2) if contested else ratio > 1.5
    # quantities of indivisible items are whole
    whole = inst.item_indivisible[inst.pledge_item]
    assert (inst.pledge_qty[whole] == inst.pledge_qty[whole].round()).all()


def _binding(data: dict) -> float:
    """The share of open hub-weeks whose capacity the LP relaxation uses up."""
    inst = parse_instance(data)
    planner = Planner(inst, with_greedy=False)
    planner.master.add(free_columns(inst, planner.sup))
    planner.lp(warm=False)
    cols, x = planner.master.cols, planner.x_lp
    used = np.zeros_like(inst.hub_capacity)
    np.add.at(used, (cols.hub, cols.ship), x * inst.item_ppu[cols.item])
    open_ = inst.hub_capacity > 0
    return float(((used >= inst.hub_capacity * (1 - 1e-6)) & open_).sum() / open_.sum())


def test_capacity_binds_in_about_a_third_of_hub_weeks_only_when_contested():
    assert 0.2 < _binding(generate_instance(0.2, 2)) < 0.5
    assert _binding(generate_instance(0.2, 2, contested=False)) < 0.05


def test_a_generated_instance_solves_within_the_gap():
    data = generate_instance(0.1, 1)
    res = solve(parse_instance(data))
    assert res.status in ("optimal", "gap_limit") and res.gap <= 1e-4
    assert res.value > res.greedy_value  # contested: the optimiser beats first come
    plan = res.to_plan()
    validate_plan(plan)
    assert check_plan(data, plan) == pytest.approx(res.value)


def test_scale_must_be_positive():
    with pytest.raises(ValueError):
        generate_instance(0, 1)
