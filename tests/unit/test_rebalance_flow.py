"""The banded min-cost flow of the re-clustering baseline: the fast path returns the very flow the
full OR-Tools solve returns (segment_lib.rebalance._flow)."""

from __future__ import annotations

import numpy as np

from segment_lib.rebalance._flow import BandFlow, flow_costs, full_flow, unique_optimum


def _kmeans_rounds(xy, units, lo, hi, k, seed, rounds=12):
    """Costs of a k-means-like sequence of rounds; each flow from BandFlow and from the full solve."""
    rng = np.random.default_rng(seed)
    centres = xy[rng.choice(len(xy), k, replace=False)]
    bf = BandFlow(units, lo, hi)
    pairs = []
    for _ in range(rounds):
        cost = ((xy[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        fast, full = bf.solve(cost), full_flow(units, flow_costs(cost), lo, hi)
        pairs.append((fast, full))
        if full is None:
            break
        w = full.sum(axis=0)
        centres = np.where(w[:, None] > 0, (full.T @ xy) / np.maximum(w, 1)[:, None], centres)
    return bf, pairs


def _bands(units, k, tol, rng):
    share = rng.uniform(0.5, 1.5, k)
    target = units.sum() * share / share.sum()
    return np.ceil(target * (1 - tol)).astype(np.int64), np.floor(target * (1 + tol)).astype(np.int64)


def test_fast_flow_is_the_full_flow_and_uses_the_fast_path():
    rng = np.random.default_rng(3)
    n, k = 1500, 6
    xy = rng.normal(size=(n, 2)) * [400, 250]
    units = rng.choice([30, 100, 200, 400], n)
    lo, hi = _bands(units, k, 0.1, rng)
    bf, pairs = _kmeans_rounds(xy, units, lo, hi, k, seed=1)
    for fast, full in pairs:
        assert (fast is None and full is None) or np.array_equal(fast, full)
    assert bf.reduced >= len(pairs) // 2  # most rounds solved on few arcs


def test_ties_fall_back_to_the_full_solve():
    # accounts on a coarse grid, many identical: optima are not unique, the full solve decides
    rng = np.random.default_rng(5)
    n, k = 800, 4
    xy = rng.integers(0, 6, size=(n, 2)).astype(float) * 100
    units = np.full(n, 100)
    lo, hi = _bands(units, k, 0.05, rng)
    bf, pairs = _kmeans_rounds(xy, units, lo, hi, k, seed=2, rounds=6)
    for fast, full in pairs:
        assert (fast is None and full is None) or np.array_equal(fast, full)
    assert bf.full >= 1


def test_unique_optimum_sees_second_optima_and_non_optimal_flows():
    units = np.array([10, 10])
    lo, hi = np.array([10, 10]), np.array([10, 10])
    same = np.array([[0, 5], [0, 5]])  # two identical accounts: swapping them costs nothing
    flow = full_flow(units, same, lo, hi)
    assert unique_optimum(units, same, flow, lo, hi)[0] is False
    apart = np.array([[0, 5], [5, 0]])
    best = full_flow(units, apart, lo, hi)
    assert np.array_equal(best, [[10, 0], [0, 10]])
    assert unique_optimum(units, apart, best, lo, hi)[0] is True
    worse = np.array([[0, 10], [10, 0]])  # the crossed assignment: a negative cycle, no prices
    assert unique_optimum(units, apart, worse, lo, hi) == (False, None)
