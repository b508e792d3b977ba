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
from ._problem import build_problem
from .heuristic import match_labels, seed_plan
from .split import build_assign


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
    """A ReCom proposal with capacity-proportional targets (unequal capacities allowed).

    Picks a random cut edge, merges the two regions and redraws their boundary on a random
    spanning tree with gerrychain's ``bipartition_tree`` so that the first region gets its
    capacity share of the pair's workload within ``epsilon``.
    """
    from gerrychain import Graph
    from gerrychain.tree import bipartition_tree

    cap = p.capacity

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
            t_a = tot * cap[A] / (cap[A] + cap[B])
            t_b = tot - t_a
            eps = epsilon * min(t_a, t_b) / t_a
            try:
                gsub = Graph.from_networkx(sub)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    part = bipartition_tree(gsub, "load", t_a, eps, single_district_cut=True,
                                            max_attempts=30, rng=rng)
            except Exception:
                continue
            part = {gsub.original_nx_node_id_for_internal_node_id(i) for i in part}
            flips = {n: (A if n in part else B) for n in nodes}
            return partition.flip(flips)
        return partition

    return propose


def run_ensemble(
    geo_units: pd.DataFrame,
    unit_load: pd.Series,
    current: pd.Series,
    region_capacity: pd.Series | None = None,
    *,
    unit_revenue: pd.Series | None = None,
    fixed_load: pd.Series | None = None,
    extra_edges: list[tuple[str, str]] | None = None,
    steps: int = 500,
    epsilon: float = 0.25,
    seed: int = 0,
    time_limit: float = 60.0,
) -> EnsembleResult:
    """Seeded ReCom chain of contiguous, capacity-balanced-ish splits; percentile of the current split.

    ``epsilon`` is the balance band of the ensemble (each redrawn pair within ±epsilon of its
    capacity-proportional share) — "valid alternatives" are contiguous plans in that band.
    The chain starts from a gerrychain spanning-tree seed plan (not from the current split,
    so the ensemble does not inherit its shape).  Percentiles say what share of the ensemble
    is strictly better than the current split on each metric.
    """
    from gerrychain import Graph, MarkovChain, Partition

    p = build_problem(geo_units, unit_load, current, region_capacity, unit_revenue=unit_revenue,
                      fixed_load=fixed_load, extra_edges=extra_edges, tolerance=min(epsilon, 0.99))
    if len(p.components()) > 1:
        raise ModelInputError("the adjacency graph is disconnected (an island?): pass extra_edges such as "
                              "[('HI', 'GD')] before building an ensemble")
    cur = build_assign(p, current)
    t0 = time.perf_counter()
    start = match_labels(p, seed_plan(p, seed=seed, time_limit=min(20.0, time_limit / 3)))
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
    sentences = [
        f"The current split is less balanced than {pct['balance']:.0%} of {len(samples)} valid alternative "
        f"splits (contiguous, each region within ±{epsilon:.0%} of its capacity share).",
        f"It is less compact (more boundary edges) than {pct['cut_edges']:.0%} of them.",
    ]
    meta = {"steps": len(samples), "epsilon": epsilon, "seed": seed, "seconds": time.perf_counter() - t0,
            "accepted_moves": int((samples[["balance", "cut_edges"]].diff().abs().sum(axis=1) > 0).sum())}
    return EnsembleResult(samples, current_m, pct, sentences, meta)
