"""Ensemble of valid alternative splits (seeded ReCom chain) and where the current split falls."""

from __future__ import annotations

import random
import time
import warnings
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd

from ..errors import ModelInputError
from ..params import RebalanceParams
from ._problem import build_problem
from .heuristic import match_labels, seed_plan
from .split import build_assign
from .text import ensemble_sentences


@dataclass
class EnsembleResult:
    """Distribution of plan metrics over a ReCom ensemble.

    samples: one row per recorded step: step, balance (max/mean of load/capacity),
        max_deviation (worst |load/target - 1|), cut_edges, moved_revenue_share (vs current)
    current: the same metrics for the current split
    percentiles: metric -> share of samples that are strictly better than the current split
    sentences: plain-language findings
    """

    samples: pd.DataFrame
    current: dict
    percentiles: dict
    sentences: list[str] = field(default_factory=list)
    meta: dict = field(default_factory=dict)


def _capacity_recom(p, epsilon: float):
    """A ReCom proposal that keeps every region within ±``epsilon`` of its capacity-based target.

    Picks a random cut edge, merges the two regions and redraws their boundary on a random
    spanning tree (gerrychain ``bipartition_tree``) so that region A lands within its band
    ``target_A·(1±epsilon)`` (fixed load included); the draw is kept only when region B is within
    its band too.  When no edge yields a valid draw the chain stays put (a rejected step), so every
    state of the chain satisfies the same band as the seed plan.
    """
    from gerrychain import Graph
    from gerrychain.tree import bipartition_tree

    target = p.target
    lo, hi = target * (1 - epsilon), target * (1 + epsilon)

    def propose(partition, *, rng=None):
        rng = rng or random.Random(0)
        edges = list(partition["cut_edges"])
        rng.shuffle(edges)
        for u, v in edges[:10]:
            A, B = partition.assignment[u], partition.assignment[v]
            nodes = sorted(partition.parts[A] | partition.parts[B])
            sub = nx.Graph()
            sub.add_nodes_from((n, {"load": float(p.load[n]) + 1e-9}) for n in nodes)
            sub.add_edges_from(p.graph.subgraph(nodes).edges())
            tot = float(p.load[nodes].sum())
            t_a = target[A] - p.fixed_load[A]  # unit load region A should carry
            if t_a <= 0:
                continue
            eps = epsilon * target[A] / t_a
            try:
                gsub = Graph.from_networkx(sub)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    part = bipartition_tree(gsub, "load", t_a, eps, single_district_cut=True,
                                            max_attempts=30, rng=rng)
            except Exception:
                continue
            part = {gsub.original_nx_node_id_for_internal_node_id(i) for i in part}
            load_a = float(sum(p.load[n] for n in part)) + p.fixed_load[A]
            load_b = tot - (load_a - p.fixed_load[A]) + p.fixed_load[B]
            if not (lo[A] - 1e-9 <= load_a <= hi[A] + 1e-9 and lo[B] - 1e-9 <= load_b <= hi[B] + 1e-9):
                continue
            flips = {n: (A if n in part else B) for n in nodes}
            return partition.flip(flips)
        return partition

    return propose


def valid_seed_plan(p, epsilon: float, *, seed: int = 0, time_limit: float = 20.0) -> np.ndarray:
    """A contiguous plan with every region within ±epsilon of its target (gerrychain seed + repair).

    Draws gerrychain spanning-tree seed plans (``recursive_tree_part`` / ``bipartition_tree``),
    repairs residual imbalance with boundary moves, and raises :class:`ModelInputError` when no
    valid plan is found (the band is too tight for the units).
    """
    from ._problem import Problem
    from .heuristic import _Repair

    q = Problem(**{**p.__dict__, "tolerance": float(epsilon)})
    t0 = time.perf_counter()
    for attempt in range(5):
        a = match_labels(q, seed_plan(q, seed=seed + attempt, time_limit=min(10.0, time_limit / 2)))
        if q.violation(a).sum() > 1e-12 or not q.is_contiguous(a):
            rep = _Repair(q, a, time.perf_counter() + max(1.0, time_limit / 5))
            rep.run_balance_with_resplits(seed + attempt)
            a = rep.a
        if q.violation(a).sum() <= 1e-12 and q.is_contiguous(a):
            return a
        if time.perf_counter() - t0 > time_limit:
            break
    raise ModelInputError(f"no contiguous seed plan with every region within ±{epsilon:.0%} of its target was "
                          "found; widen epsilon for the ensemble")


def run_ensemble(
    geo_units: pd.DataFrame,
    unit_load: pd.Series,
    current: pd.Series,
    region_capacity: pd.Series | None = None,
    *,
    unit_revenue: pd.Series | None = None,
    fixed_load: pd.Series | None = None,
    extra_edges: list[tuple[str, str]] | None = None,
    steps: int = RebalanceParams.ensemble_steps,
    epsilon: float = RebalanceParams.ensemble_epsilon,
    seed: int = 0,
    time_limit: float = 60.0,
) -> EnsembleResult:
    """Seeded ReCom chain of valid splits; percentile of the current split against them.

    A *valid* split is contiguous with every region within ±``epsilon`` of its capacity-based
    workload target (fixed load included) — the same band for every region and every sample.
    The chain starts from a valid gerrychain spanning-tree seed plan (repaired by boundary moves
    if needed; :class:`ModelInputError` when none exists) and each step redraws two adjacent
    regions, accepting only draws that keep both in the band.  Percentiles say what share of
    the samples is strictly better than the current split on each metric, computed identically.
    """
    from gerrychain import Graph, MarkovChain, Partition

    p = build_problem(geo_units, unit_load, current, region_capacity, unit_revenue=unit_revenue,
                      fixed_load=fixed_load, extra_edges=extra_edges, tolerance=min(epsilon, 0.99))
    if len(p.components()) > 1:
        raise ModelInputError("the adjacency graph is disconnected (an island?): pass extra_edges such as "
                              "[('HI', 'GD')] before building an ensemble")
    cur = build_assign(p, current)
    t0 = time.perf_counter()
    start = valid_seed_plan(p, epsilon, seed=seed, time_limit=min(20.0, time_limit / 3))
    g = nx.Graph()
    g.add_nodes_from((u, {"load": float(p.load[u]) + 1e-9}) for u in range(p.n))
    g.add_edges_from(p.graph.edges())
    graph = Graph.from_networkx(g)
    part = Partition(graph, {u: int(start[u]) for u in range(p.n)})
    to_unit = np.array([graph.original_nx_node_id_for_internal_node_id(i) for i in range(p.n)])
    chain = MarkovChain(_capacity_recom(p, epsilon), [], lambda q, rng=None: True, part, steps, rng=seed)

    def metrics(a: np.ndarray) -> dict:
        ra = p.region_load(a) / p.capacity
        return {
            "balance": float(ra.max() / ra.mean()),
            "max_deviation": p.max_deviation(a),
            "cut_edges": p.cut_edges(a),
            "moved_revenue_share": p.moved_revenue(a) / (float(p.revenue.sum()) or 1.0),
        }

    rows = []
    for i, state in enumerate(chain):
        a = np.empty(p.n, dtype=int)
        a[to_unit] = state.assignment_vector
        rows.append({"step": i, **metrics(a)})
        if time.perf_counter() - t0 > time_limit:
            break
    samples = pd.DataFrame(rows)
    current_m = metrics(cur)
    pct = {m: float((samples[m] < current_m[m]).mean()) for m in ("balance", "max_deviation", "cut_edges")}
    current_valid = bool(current_m["max_deviation"] <= epsilon + 1e-12 and p.is_contiguous(cur))
    sentences = ensemble_sentences(pct, len(samples), epsilon, current_m, current_valid, steps)
    meta = {"steps": len(samples), "steps_requested": steps, "epsilon": epsilon, "current_valid": current_valid,
            "max_sample_deviation": float(samples["max_deviation"].max()), "seed": seed, "seconds": time.perf_counter() - t0,
            "accepted_moves": int((samples[["balance", "cut_edges"]].diff().abs().sum(axis=1) > 0).sum())}
    return EnsembleResult(samples, current_m, pct, sentences, meta)
