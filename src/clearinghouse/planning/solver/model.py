"""The pledge-level LP/MIP: one column per feasible (supply, need, hub, ship week).

Rows (all ``<=``): need quantity, pledge quantity, offer max quantity, fund budget, hub-week
capacity in pallets. Fixed allocations are columns with lower = upper = their quantity. Built
with numpy only: no Python loop per column or per row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .instance import Instance
from .supply import Columns, Supplies, all_columns, supplies, take

ROW_KINDS = ("need", "pledge", "offer", "fund", "hub_week")


@dataclass(frozen=True)
class Model:
    inst: Instance
    sup: Supplies
    cols: Columns
    matrix: sp.csc_matrix  # rows x columns
    row_upper: np.ndarray
    row_kind: np.ndarray  # index into ROW_KINDS
    row_key: np.ndarray  # need / pledge / offer / fund index, or hub * (T+1) + week
    integer: np.ndarray  # bool per column

    @property
    def shape(self) -> tuple[int, int]:
        return self.matrix.shape


def build_model(inst: Instance) -> Model:
    sup = supplies(inst)
    cols = all_columns(inst, sup)
    m = len(cols)
    col = np.arange(m)
    T1 = inst.horizon + 1
    ppu = inst.item_ppu[cols.item]
    price = take(inst.offer_price, cols.offer)

    blocks = []  # (kind, key per entry, column per entry, coefficient, number of keys, upper)
    blocks.append((0, cols.need, col, np.ones(m), inst.need_qty))
    has = cols.pledge >= 0
    blocks.append((1, cols.pledge[has], col[has], np.ones(has.sum()), inst.pledge_qty))
    has = cols.offer >= 0
    blocks.append((2, cols.offer[has], col[has], np.ones(has.sum()), inst.offer_max))
    blocks.append((3, cols.fund[has], col[has], price[has], inst.fund_amount))
    has = ppu > 0
    hw = cols.hub[has] * T1 + cols.ship[has]
    used, hw_row = np.unique(hw, return_inverse=True)
    blocks.append((4, hw_row, col[has], ppu[has], inst.hub_capacity.ravel()[used]))

    rows, cidx, vals, upper, kind, key = [], [], [], [], [], []
    offset = 0
    for k, r, c, v, ub in blocks:
        rows.append(r + offset)
        cidx.append(c)
        vals.append(v)
        upper.append(ub)
        kind.append(np.full(len(ub), k))
        key.append(used if k == 4 else np.arange(len(ub)))
        offset += len(ub)
    matrix = sp.csc_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cidx))), shape=(offset, m)
    )
    matrix.sum_duplicates()
    return Model(
        inst=inst,
        sup=sup,
        cols=cols,
        matrix=matrix,
        row_upper=np.concatenate(upper).astype(float),
        row_kind=np.concatenate(kind).astype(np.int64),
        row_key=np.concatenate(key).astype(np.int64),
        integer=inst.item_indivisible[cols.item],
    )
