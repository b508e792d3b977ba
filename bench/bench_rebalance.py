"""Benchmark: propose_split on a generated 3,000-unit grid (target < 60 s).

Run: .venv/bin/python bench/bench_rebalance.py [width height regions]
"""

from __future__ import annotations

import sys
import time

import networkx as nx
import numpy as np
import pandas as pd

from segment_lib.rebalance import propose_split


def make_grid(w: int = 60, h: int = 50, regions: int = 20, seed: int = 0):
    g = nx.grid_2d_graph(w, h)
    ids = {n: f"U{n[0]:03d}_{n[1]:03d}" for n in g.nodes}
    gu = pd.DataFrame([{"geo_unit_id": ids[n], "lat": 20 + n[1] * 0.1, "lon": 100 + n[0] * 0.1,
                        "neighbors": ";".join(ids[m] for m in g.neighbors(n))} for n in g.nodes])
    rng = np.random.default_rng(seed)
    load = pd.Series(rng.gamma(2.0, 5.0, len(gu)), index=gu["geo_unit_id"])
    # current split: a 5 x 4 block layout; the first block column is overloaded
    cols = np.array([n[0] * 5 // w for n in g.nodes])
    rows = np.array([n[1] * (regions // 5) // h for n in g.nodes])
    cur = pd.Series([f"R{c * (regions // 5) + r + 1:02d}" for c, r in zip(cols, rows)], index=gu["geo_unit_id"])
    load[cols == 0] *= 1.5
    cap = pd.Series(1.0, index=sorted(cur.unique())) * load.sum() / regions * 1.05
    return gu, load, cur, cap


def main(w: int = 60, h: int = 50, regions: int = 20) -> None:
    gu, load, cur, cap = make_grid(w, h, regions)
    t = time.perf_counter()
    res = propose_split(gu, load, cur, cap, tolerance=0.10, time_limit=40, seed=0)
    dt = time.perf_counter() - t
    m = res.metrics
    print(f"units={len(gu)} regions={regions} solver={res.solver} seconds={dt:.1f}")
    print(f"balance {m['balance_before']:.3f} -> {m['balance_after']:.3f}; within tolerance: {res.feasible}; "
          f"moved units {m['moved_units']} ({m['moved_revenue_share']:.1%} of revenue)")
    assert dt < 60, f"took {dt:.1f} s"


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:4]))
