"""The banded min-cost flow of :func:`~segment_lib.rebalance.baselines.balanced_recluster`, solved fast.

Problem (one assignment step of size-constrained k-means): account ``i`` sends ``units[i]``
to clusters at integer unit cost ``C[i, j]``; cluster ``j`` receives between ``lo[j]`` and
``hi[j]`` units.  :func:`full_flow` solves it with OR-Tools ``SimpleMinCostFlow`` on every
account -> cluster arc (n x k arcs).

:class:`BandFlow` returns **the same flow** with far fewer arcs.  Between two rounds of the
k-means loop the centres move little, so the previous round's cluster prices (dual potentials)
tell, for almost every account, which single cluster it goes to.  Each round it

1. keeps only the arcs whose reduced cost ``C[i, j] - price[j]`` is within a margin of the
   account's best; accounts left with one arc are fixed there (their units leave the bands), and
   the others go into a small OR-Tools flow;
2. proves the result is *the* optimum of the full problem (:func:`unique_optimum`): the
   residual graph of the full problem, condensed to the clusters (the sink and the split
   accounts, at most a few, handled one by one), has no cycle of cost <= 0 other than the
   trivial "push a unit to a cluster and back" cycles.  No negative cycle = optimal; no zero
   cycle either = the only optimal flow, so the full solve would return exactly this flow;
3. otherwise widens the margin and retries, and finally solves the full problem.

So the output is identical, flow for flow, to :func:`full_flow` (tests compare them); only the
time changes.
"""

from __future__ import annotations

import numpy as np

_COST_SCALE = 1e6  # int64 costs, unit cost <= 1e6; flow <= ~1e7 -> no overflow
_MAX_SPLIT = 8  # accounts split between clusters the proof handles (a basic optimum has at most k-1)
_MARGINS = (0.003, 0.03)  # arc margins tried, as shares of the cost scale, before the full problem


def flow_costs(cost: np.ndarray) -> np.ndarray:
    """Integer unit costs of the flow: ``cost`` scaled so its maximum is 1e6, rounded."""
    return np.round(cost / (cost.max() or 1.0) * _COST_SCALE).astype(np.int64)


def _solve(units: np.ndarray, tails: np.ndarray, heads: np.ndarray, costs: np.ndarray, k: int,
           lo: np.ndarray, hi: np.ndarray) -> np.ndarray | None:
    """OR-Tools min-cost flow on the given account -> cluster arcs (``tails`` index ``units``);
    the flow on each of those arcs, or None when the bands cannot be met."""
    from ortools.graph.python import min_cost_flow

    n = len(units)
    total = int(units.sum())
    if lo.sum() > total or hi.sum() < total or np.any(hi < lo):
        return None
    sink = n + k
    mcf = min_cost_flow.SimpleMinCostFlow()
    arcs = mcf.add_arcs_with_capacity_and_unit_cost(
        np.r_[tails, n + np.arange(k)], np.r_[n + heads, np.full(k, sink)],
        np.r_[units[tails], hi - lo].astype(np.int64), np.r_[costs, np.zeros(k, dtype=np.int64)])
    mcf.set_nodes_supplies(np.arange(n + k + 1), np.r_[units, -lo, -(total - lo.sum())].astype(np.int64))
    if mcf.solve() != mcf.OPTIMAL:
        return None
    return mcf.flows(arcs[: len(tails)])


def full_flow(units: np.ndarray, C: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray | None:
    """The n x k optimal flow on every arc (graph as in ``k_means_constrained``: account -> cluster
    at cost ``C``, cluster demand ``lo``, cluster -> sink capacity ``hi - lo``), or None."""
    n, k = C.shape
    f = _solve(units, np.repeat(np.arange(n), k), np.tile(np.arange(k), n), C.ravel(), k, lo, hi)
    return None if f is None else f.reshape(n, k)


def _minplus(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a[:, :, None] + b[None, :, :]).min(axis=1)


def unique_optimum(units: np.ndarray, C: np.ndarray, flow: np.ndarray, lo: np.ndarray,
                   hi: np.ndarray) -> tuple[bool, np.ndarray | None]:
    """Whether ``flow`` is the one and only optimal flow of the full problem, and cluster prices.

    The residual graph is condensed to the k clusters: an account wholly in cluster j gives the
    edge j -> l the cost ``C[i, l] - C[i, j]`` (the cheapest such account per pair).  The
    accounts split between clusters, and the sink, are "pass-through" nodes visited at most once
    per cycle, entered from one cluster and left to another (entering and leaving by the same
    cluster is the trivial cycle "push a unit along an arc and back", which changes nothing):
    a split account is entered from a cluster it has flow in at ``-C[s, j]`` and left to another
    at ``C[s, l]``; the sink is entered from a cluster below its band's top and left to one
    above its bottom, at no cost.  Every simple non-trivial residual cycle of the full graph is
    one of these walks, so "no walk of cost <= 0" proves optimality (no negative cycle) and
    uniqueness (no zero cycle).  Returns (proved, prices) -- prices (k values, shortest
    distances from a virtual root over the whole-account edges) are None when the whole-account
    edges alone close a negative cycle.
    """
    k = C.shape[1]
    live = units > 0
    npos = (flow > 0).sum(axis=1)
    whole = np.flatnonzero(live & (npos == 1))
    split = np.flatnonzero(live & (npos > 1))
    lab = flow.argmax(axis=1)
    w = np.full((k, k), np.inf)
    lw = lab[whole]
    red = C[whole] - C[whole, lw][:, None]
    order = np.argsort(lw, kind="stable")
    starts = np.searchsorted(lw[order], np.arange(k + 1))
    for j in range(k):
        if starts[j + 1] > starts[j]:
            w[j] = red[order[starts[j]:starts[j + 1]]].min(axis=0)
    w[np.arange(k), np.arange(k)] = np.inf
    others = ~np.eye(k, dtype=bool)
    to_sink = flow.sum(axis=0) - lo  # flow on each cluster -> sink arc
    passes = [np.where(np.outer(to_sink < hi - lo, to_sink > 0) & others, 0.0, np.inf)]  # the sink
    for s in split:
        t = np.full((k, k), np.inf)
        into = flow[s] > 0
        t[into] = C[s][None, :] - C[s, into][:, None]
        passes.append(np.where(others, t, np.inf))
    # every walk, pass-through nodes revisited or not: a negative one means flow is not optimal
    every = _closure(np.minimum.reduce([w, *passes]))
    if np.any(np.diag(every) < 0):
        return False, None
    prices = np.minimum(0.0, every.min(axis=0))
    path = _closure(w)  # whole-account walks only: a cycle of cost 0 there is a second optimum
    if np.any(np.diag(path) <= 0) or len(split) > _MAX_SPLIT:
        return False, prices
    np.fill_diagonal(path, 0.0)
    np.fill_diagonal(every, 0.0)
    hops = [_minplus(t, path) for t in passes]  # enter from row, leave, walk to column

    def cycle_free(first: int, walk: np.ndarray, used: tuple[int, ...]) -> bool:
        if np.min(walk + every.T) > 0:  # no way back to the start at cost <= 0, even revisiting
            return True
        if np.min(np.diag(walk)) <= 0:
            return False
        return all(cycle_free(first, _minplus(walk, hops[s]), used + (s,))
                   for s in range(first + 1, len(hops)) if s not in used)

    return all(cycle_free(f, hops[f], (f,)) for f in range(len(hops))), prices


def _closure(w: np.ndarray) -> np.ndarray:
    """Cheapest walks between every pair (Floyd-Warshall); the diagonal ends as the cheapest
    cycle through each node (``w``'s diagonal is infinite)."""
    d = w.copy()
    for m in range(len(d)):
        d = np.minimum(d, d[:, m:m + 1] + d[m:m + 1, :])
    return d


class BandFlow:
    """The flows of one k-means run (fixed ``units``, ``lo``, ``hi``; costs change every round),
    each identical to :func:`full_flow`'s, solved on a few arcs when the previous round's prices
    allow (see the module docstring).  ``full`` / ``reduced`` count how each round was solved."""

    def __init__(self, units: np.ndarray, lo: np.ndarray, hi: np.ndarray):
        self.units = np.asarray(units, dtype=np.int64)
        self.lo, self.hi = np.asarray(lo, dtype=np.int64), np.asarray(hi, dtype=np.int64)
        self.prices: np.ndarray | None = None
        self._last: tuple[np.ndarray, np.ndarray | None] | None = None
        self.full = self.reduced = 0

    def reset(self) -> None:
        """Forget the prices (a new start: the previous ones say nothing about it)."""
        self.prices, self._last = None, None

    def solve(self, cost: np.ndarray) -> np.ndarray | None:
        """The optimal n x k flow for unit costs ``flow_costs(cost)``, or None (bands unmet)."""
        C = flow_costs(cost)
        if self._last is not None and np.array_equal(C, self._last[0]):  # same problem, same answer
            return self._last[1]
        flow = self._fresh(C)
        self._last = (C, flow)
        return flow

    def _fresh(self, C: np.ndarray) -> np.ndarray | None:
        if self.prices is not None:
            for margin in _MARGINS:
                flow = self._reduced(C, margin * _COST_SCALE)
                if flow is None:
                    continue
                proved, prices = unique_optimum(self.units, C, flow, self.lo, self.hi)
                if proved:
                    self.prices, self.reduced = prices, self.reduced + 1
                    return flow
                if prices is not None:  # optimal, but not the only optimum: only the full solve says which
                    break
        flow = full_flow(self.units, C, self.lo, self.hi)
        self.full += 1
        self.prices = None if flow is None else unique_optimum(self.units, C, flow, self.lo, self.hi)[1]
        return flow

    def _reduced(self, C: np.ndarray, margin: float) -> np.ndarray | None:
        """Optimal flow over the arcs within ``margin`` of each account's best reduced cost."""
        n, k = C.shape
        red = C - self.prices
        keep = red <= red.min(axis=1, keepdims=True) + margin
        one = keep.sum(axis=1) == 1
        fixed_at = keep[one].argmax(axis=1)
        fixed = np.bincount(fixed_at, weights=self.units[one], minlength=k).astype(np.int64)
        lo, hi = np.maximum(self.lo - fixed, 0), self.hi - fixed
        free = np.flatnonzero(~one)
        rows, cols = np.nonzero(keep[free])
        f = _solve(self.units[free], rows, cols, C[free[rows], cols], k, lo, hi)
        if f is None:
            return None
        flow = np.zeros((n, k), dtype=np.int64)
        flow[np.flatnonzero(one), fixed_at] = self.units[one]
        flow[free[rows], cols] = f
        return flow
