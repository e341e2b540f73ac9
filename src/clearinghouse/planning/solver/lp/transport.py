"""The Lagrangian subproblem of column generation, solved exactly: for given hub-week and
purchase prices, the most the supplies can give the needs when every (supply, need) pair takes
its best hub and ship week at those prices (``Pricer.best``), within each supply's and need's
quantity. A transportation LP; its value plus the prices' part is an upper bound on the LP for
any prices, and the pairs it uses are columns the master wants.

Why: the pricer's bound keeps the master's own supply and need prices, and those stay poor for
many rounds on large instances (many pairs price out). The subproblem with its own supply and
need prices gives a far tighter bound after the first master, and its pairs as columns bring
the master to the LP in a few rounds, where the priced columns alone stay short of the gap
(docs/solver.md, "The transportation subproblem").

Solved per connected component of the pair graph (items and families), each one LP in its own
HiGHS object (on a thread per core: HiGHS lets go of the GIL) over a working set of pairs, warm
from the last solve: primal simplex (columns added and costs changed keep its basis primal
feasible; faster than dual here), then every pair
is priced with the component's duals and the most violated join, until none is. The duals
are made exactly feasible for every pair before they are used as a bound. The working sets
stay from one set of prices to the next; a re-plan that changes any pair or limit builds a new
subproblem (:meth:`Transport.fits`).
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import highspy
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from ..build.model import new_highs

if TYPE_CHECKING:
    from .pricing import Pricer

INF = highspy.kHighsInf


@dataclass
class Solved:
    """One solve of the subproblem."""

    value: float  # an upper bound on the subproblem (the fixed-up duals' cost)
    primal: float  # the working set's optimum (a lower bound on it)
    x: np.ndarray  # per pair, in units
    rounds: int


def top_per_key(score: np.ndarray, key: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` largest ``score`` per ``key``."""
    order = np.lexsort((-score, key))
    ks = key[order]
    start = np.r_[0, np.nonzero(np.diff(ks))[0] + 1] if len(ks) else ks
    rank = np.arange(len(ks)) - np.repeat(start, np.diff(np.r_[start, len(ks)]))
    return order[rank < k]


class _Part:
    """One component: its supply and need rows, and the pairs held as columns."""

    def __init__(self, supplies: np.ndarray, needs: np.ndarray):
        self.supplies, self.needs = supplies, needs
        self.h = new_highs()
        self.h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.h.setOptionValue("simplex_strategy", 4)  # primal: warm after columns and costs
        rows = len(supplies) + len(needs)
        self.h.addRows(rows, np.full(rows, -INF), np.ones(rows), 0, np.zeros(0, np.int32),
                       np.zeros(0, np.int32), np.zeros(0))
        self.pairs = np.zeros(0, np.int64)  # the columns, as pair indices
        self.scale = np.zeros(0)
        self.solved = False
        self.dirty = False  # columns added since the last solve

    def add(self, pairs: np.ndarray, row_s: np.ndarray, row_n: np.ndarray, scale_s: np.ndarray,
            scale_n: np.ndarray, cost: np.ndarray, col_scale: np.ndarray) -> None:
        m = len(pairs)
        rows = np.stack([row_s, row_n], axis=1).ravel().astype(np.int32)
        vals = np.stack([col_scale / scale_s, col_scale / scale_n], axis=1).ravel()
        self.h.addCols(m, cost * col_scale, np.zeros(m), np.full(m, INF), 2 * m,
                       np.arange(0, 2 * m, 2, dtype=np.int32), rows, vals)
        self.pairs = np.concatenate([self.pairs, pairs])
        self.scale = np.concatenate([self.scale, col_scale])

    def solve(self, time_limit: float) -> highspy.HighsSolution:
        h = self.h
        h.setOptionValue("time_limit", h.getRunTime() + max(time_limit, 0.01))
        h.setOptionValue("presolve", "off" if self.solved else "on")
        h.run()
        self.solved = True
        return h.getSolution()


_POOL: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    """Threads for the components' LPs, one per core, kept for the process."""
    global _POOL
    if _POOL is None:
        cores = (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                 else os.cpu_count() or 1)
        _POOL = ThreadPoolExecutor(min(cores, 4), thread_name_prefix="transport")
    return _POOL


class Transport:
    """The subproblem over fixed pairs (supply ``pair_u``, need ``pair_n``), supply limits
    ``U`` and need limits ``Q`` (a change to any of them needs a new one)."""

    def __init__(self, pair_u: np.ndarray, pair_n: np.ndarray, U: np.ndarray, Q: np.ndarray):
        self.pair_u, self.pair_n = pair_u.astype(np.int64), pair_n.astype(np.int64)
        self.U, self.Q = U.copy(), Q.copy()
        self.pairs_from = pair_u  # the pricer's array these pairs are (see fits)
        supplies, needs = self.S, self.N = len(U), len(Q)
        graph = sp.coo_matrix((np.ones(len(pair_u)), (self.pair_u, supplies + self.pair_n)),
                              shape=(supplies + needs,) * 2)
        count, label = connected_components(graph, directed=False)
        self.comp = label[self.pair_u]
        # each supply's and need's row within its component
        self.row = np.full(supplies + needs, -1, dtype=np.int64)
        order = np.argsort(label, kind="stable")
        start = np.searchsorted(label[order], np.arange(count + 1))
        self.nodes = [order[start[c] : start[c + 1]] for c in range(count)]
        for nodes in self.nodes:  # supplies first (node < S), then needs
            self.row[nodes] = np.arange(len(nodes))
        self.parts: list[_Part | None] = [None] * count
        self.held = np.zeros(len(pair_u), dtype=bool)
        self.u = np.zeros(supplies)  # the last duals, per unit: supplies'
        self.v = np.zeros(needs)  # and needs'

    def fits(self, pricer: Pricer) -> bool:
        """Whether this subproblem is still the pricer's: the same pairs (a re-plan's
        ``set_open`` or ``drop_supplies`` replaces the pricer's arrays) and limits."""
        return (pricer.pair_u is self.pairs_from and np.array_equal(pricer.supply_upper, self.U)
                and np.array_equal(pricer.upper[: len(self.Q)], self.Q))

    def solve(self, G: np.ndarray, seed: np.ndarray, deadline: float, tol: float,
              per_round: int = 3, rounds: int = 30) -> Solved:
        """The subproblem for pair values ``G`` (per unit), from the pairs held so far and
        ``seed``; more join until the bound is within ``tol`` of the working set's optimum,
        or time runs out."""
        pu, pn, U, Q = self.pair_u, self.pair_n, self.U, self.Q
        G = np.maximum(G, -1.0)  # no pair is worth less than nothing (and none is -inf)
        live = (G > 0) & (U[pu] > 0) & (Q[pn] > 0)
        col_scale = np.maximum(np.minimum(U[pu], Q[pn]), 1e-12)
        add = seed[live[seed] & ~self.held[seed]]
        changed = np.ones(len(self.parts), dtype=bool)  # every held pair's cost moved
        x = np.zeros(len(G))
        done = 0
        for done in range(1, rounds + 1):  # noqa: B007 (the count is returned)
            self._add(add, G, col_scale)
            due = [c for c, part in enumerate(self.parts)
                   if part is not None and (changed[c] or part.dirty)]
            for c in due:
                part = self.parts[c]
                if changed[c] and part.solved:
                    idx = np.arange(len(part.pairs), dtype=np.int32)
                    part.h.changeColsCost(len(idx), idx, G[part.pairs] * part.scale)
                part.dirty = False
            # the components' LPs side by side (HiGHS lets go of the GIL while it runs), the
            # largest first
            due.sort(key=lambda c: -len(self.parts[c].pairs))
            solved = _pool().map(lambda c: self.parts[c].solve(deadline - time.perf_counter()),
                                 due)
            for c, sol in zip(due, solved, strict=True):
                part = self.parts[c]
                d = np.maximum(np.asarray(sol.row_dual), 0.0)
                nodes = self.nodes[c]
                isu = nodes < self.S
                scale = np.where(isu, U[np.minimum(nodes, self.S - 1)],
                                 Q[np.maximum(nodes - self.S, 0)])
                d = d / np.where(scale > 0, scale, 1.0)
                self.u[nodes[isu]] = d[isu]
                self.v[nodes[~isu] - self.S] = d[~isu]
                x[part.pairs] = np.maximum(np.asarray(sol.col_value), 0.0) * part.scale
            changed[:] = False
            primal = float(np.maximum(G, 0.0) @ x)
            short = np.where(live, G - self.u[pu] - self.v[pn], 0.0)
            value = self._fixed(short)
            bad = np.nonzero(short > 1e-9 * np.maximum(G, 1e-12))[0]
            if value - primal <= tol or not len(bad) or time.perf_counter() > deadline:
                break
            pick = np.union1d(top_per_key(short[bad], pu[bad], per_round),
                              top_per_key(short[bad], pn[bad], per_round))
            add = bad[pick]
            add = add[~self.held[add]]
            if not len(add):
                break
        return Solved(value, primal, x, done)

    def _fixed(self, short: np.ndarray) -> float:
        """The duals' cost once every pair's shortfall is paid by its supply or its need,
        whichever side is cheaper to raise for it (the duals then cover every pair)."""
        pu, pn, U, Q = self.pair_u, self.pair_n, self.U, self.Q
        on_u = U[pu] <= Q[pn]
        pos = short > 0
        du = np.zeros(self.S)
        np.maximum.at(du, pu[pos & on_u], short[pos & on_u])
        dv = np.zeros(self.N)
        np.maximum.at(dv, pn[pos & ~on_u], short[pos & ~on_u])
        return float(U @ (self.u + du) + Q @ (self.v + dv))

    def _add(self, pairs: np.ndarray, G: np.ndarray, col_scale: np.ndarray) -> None:
        if not len(pairs):
            return
        U, Q = self.U, self.Q
        self.held[pairs] = True
        comp = self.comp[pairs]
        order = np.argsort(comp, kind="stable")
        pairs, comp = pairs[order], comp[order]
        cuts = np.r_[0, np.nonzero(np.diff(comp))[0] + 1, len(comp)]
        for a, b in zip(cuts[:-1], cuts[1:], strict=True):
            c, p = int(comp[a]), pairs[a:b]
            part = self.parts[c]
            if part is None:
                nodes = self.nodes[c]
                part = self.parts[c] = _Part(nodes[nodes < self.S], nodes[nodes >= self.S])
            u, n = self.pair_u[p], self.pair_n[p]
            su, sn = U[u], Q[n]
            part.add(p, self.row[u], self.row[self.S + n], np.where(su > 0, su, 1.0),
                     np.where(sn > 0, sn, 1.0), G[p], col_scale[p])
            part.dirty = True
