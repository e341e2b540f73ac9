"""The pledge-level LP: its rows, a matrix over any set of columns, and the pricing of columns
not built.

A column is one (supply, need, hub, ship week). Small instances list them all
(:func:`build_model`). Listing them does not scale (docs/solver.md has the counts) and few are
ever used, so for large ones the master LP (lp/solve.py) holds a few and ``lp.pricing.Pricer``
finds, for its duals, the most valuable among all the others with numpy: per (need, item, hub)
a suffix maximum over ship weeks gives the best week for every week a supply may reach the hub;
per compatible (supply, need) pair, the best hub.

Rows (all ``<=``): need quantity, pledge quantity, offer max quantity, fund budget, hub-week
capacity in pallets. In a :class:`Model` fixed allocations are columns with lower = upper =
their quantity; the master LP takes them out of the rows' limits instead (:func:`row_limits`).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp

from .instance import Instance
from .purchase import Purchases, flow_class
from .supply import Columns, Supplies, all_columns, fixed_columns, select, supplies, take

ROW_KINDS = ("need", "pledge", "offer", "fund", "hub_week")
INF = highspy.kHighsInf


def new_highs() -> highspy.Highs:
    """A silent Highs object (its licence banner goes to fd 1, which may carry a plan)."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # pragma: no cover - no fd 1
        return highspy.Highs()
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()
            h.setOptionValue("output_flag", False)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    return h


def max_lp(cost: np.ndarray, matrix: sp.csc_matrix, row_upper: np.ndarray,
           col_upper: np.ndarray | None = None) -> highspy.HighsLp:
    """max cost x over 0 <= x <= col_upper (unbounded by default), matrix x <= row_upper."""
    rows, cols = matrix.shape
    lp = highspy.HighsLp()
    lp.num_row_, lp.num_col_ = rows, cols
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = np.asarray(cost, float)
    lp.col_lower_ = np.zeros(cols)
    lp.col_upper_ = np.full(cols, highspy.kHighsInf) if col_upper is None else col_upper
    lp.row_lower_ = np.full(rows, -highspy.kHighsInf)
    lp.row_upper_ = np.asarray(row_upper, float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = matrix.data.astype(float)
    return lp


@dataclass(frozen=True)
class Model:
    """The model over a set of columns: its matrix, rows' limits and kinds, and which columns
    are integral."""
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
        """(rows, columns)."""
        return self.matrix.shape


def build_model(inst: Instance) -> Model:
    """Every feasible column (then the fixed ones)."""
    sup = supplies(inst)
    return model_of(inst, sup, all_columns(inst, sup))


def model_of(inst: Instance, sup: Supplies, cols: Columns) -> Model:
    """The model over ``cols`` only (hub-week rows for the hub-weeks they use)."""
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



@dataclass(frozen=True)
class Layout:
    """Row offsets: needs, pledges, offers, funds, hub-weeks (hub * T + week - 1), then, when
    purchases are by offer (purchase.py), one row per offer and readiness class."""

    needs: int
    pledges: int
    offers: int
    funds: int
    hubs: int
    weeks: int
    purchases: Purchases | None = None

    @property
    def pledge0(self) -> int:
        """The first pledge row."""
        return self.needs

    @property
    def offer0(self) -> int:
        """The first offer row."""
        return self.pledge0 + self.pledges

    @property
    def fund0(self) -> int:
        """The first fund budget row."""
        return self.offer0 + self.offers

    @property
    def hub0(self) -> int:
        """The first hub-week row."""
        return self.fund0 + self.funds

    @property
    def class0(self) -> int:
        """The first offer-and-class row (purchases by offer)."""
        return self.hub0 + self.hubs * self.weeks

    @property
    def rows(self) -> int:
        """The number of rows."""
        return self.class0 + (self.purchases.classes if self.purchases is not None else 0)

    def hub_week(self, hub: np.ndarray, week: np.ndarray) -> np.ndarray:
        """The rows of (hub, week) pairs."""
        return self.hub0 + hub * self.weeks + week - 1


def layout(inst: Instance, purchases: Purchases | None = None) -> Layout:
    """The rows of ``inst``'s master LP (with purchases by offer when given)."""
    return Layout(
        len(inst.need_ids), len(inst.pledge_ids), len(inst.offer_ids), len(inst.fund_ids),
        len(inst.hub_ids), inst.horizon, purchases,
    )


def row_limits(inst: Instance, lay: Layout | None = None) -> tuple[np.ndarray, np.ndarray, float]:
    """Each row's limit, its upper bound once the fixed allocations are taken out, and the
    fixed allocations' value. A class row's limit is its offer's (for scaling); its bound 0."""
    lay = layout(inst) if lay is None else lay
    fx = fixed_columns(inst).columns
    pur = lay.purchases
    classes = pur.class_offer if pur is not None else np.zeros(0, np.int64)
    limit = np.concatenate([
        inst.need_qty, inst.pledge_qty, inst.offer_max, inst.fund_amount,
        inst.hub_capacity[:, 1:].ravel(), inst.offer_max[classes],
    ]).astype(float)
    upper = limit.copy()
    upper[lay.class0:] = 0.0
    if len(fx):  # fixed purchases name their fund: they use its budget and the offer directly
        rows, cols, vals = coefficients(inst, lay, fx)
        np.subtract.at(upper, rows, vals * fx.lower[cols])
    # fixed allocations were checked to fit within a relative 1e-9; never a negative limit
    return limit, np.maximum(upper, 0.0), float(np.sum(fx.lower * fx.unit_value))


def coefficients(
    inst: Instance, lay: Layout, cols: Columns
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, column, value) of the matrix entries of ``cols``, sorted by column. A purchase
    with a fund uses the offer's row and the fund's budget; an offer's flow (fund -1) its
    class row."""
    m = len(cols)
    isp = cols.pledge >= 0
    flow = ~isp & (cols.fund < 0)
    ppu = inst.item_ppu[cols.item]
    rows = np.zeros((m, 4), dtype=np.int64)
    vals = np.zeros((m, 4))
    rows[:, 0], vals[:, 0] = cols.need, 1.0
    rows[:, 1] = np.where(isp, lay.pledge0 + cols.pledge, lay.offer0 + cols.offer)
    if flow.any():
        rows[flow, 1] = lay.class0 + flow_class(inst, lay.purchases, select(cols, flow))
    vals[:, 1] = 1.0
    rows[:, 2] = np.where(isp | flow, 0, lay.fund0 + cols.fund)
    vals[:, 2] = np.where(isp | flow, 0.0, take(inst.offer_price, cols.offer))
    rows[:, 3] = np.where(ppu > 0, lay.hub_week(cols.hub, cols.ship), 0)
    vals[:, 3] = np.where(ppu > 0, ppu, 0.0)
    keep = (vals != 0).ravel()
    col = np.repeat(np.arange(m), 4)
    return rows.ravel()[keep], col[keep], vals.ravel()[keep]
