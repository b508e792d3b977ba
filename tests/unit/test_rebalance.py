"""Tests for segment_lib.rebalance (small instances; the 3,000-unit timing lives in bench/)."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from segment_lib.errors import InfeasibleSplitError, ModelInputError
from segment_lib.geo import adjacency_graph
from segment_lib.rebalance import (
    RebalanceState, propose_split, readjust_over_time, rebalance_accounts, recluster_unconstrained,
    run_ensemble, split_metrics, what_if_move,
)
from segment_lib.rebalance._problem import build_problem
from segment_lib.rebalance.baselines import balanced_recluster, compare_baselines
from segment_lib.rebalance.heuristic import solve_heuristic

PROV = Path(__file__).resolve().parents[2] / "src" / "segment_lib" / "data" / "china_provinces.csv"


def grid(w: int, h: int, regions: int = 4, seed: int = 0, lumpy: bool = False):
    g = nx.grid_2d_graph(w, h)
    ids = {n: f"G{n[0]:02d}_{n[1]:02d}" for n in g.nodes}
    rows = []
    for n in g.nodes:
        nb = ";".join(ids[m] for m in g.neighbors(n))
        rows.append({"geo_unit_id": ids[n], "lat": 30 + n[1] * 0.5, "lon": 110 + n[0] * 0.5, "neighbors": nb})
    gu = pd.DataFrame(rows)
    rng = np.random.default_rng(seed)
    load = pd.Series(rng.uniform(5, 15, len(gu)) if not lumpy else rng.choice([1.0, 30.0], len(gu)),
                     index=gu["geo_unit_id"])
    # current: vertical strips (contiguous), first strip overloaded by construction of capacity
    cols = np.array([int(u[1:3]) for u in gu["geo_unit_id"]])
    cur = pd.Series([f"R{min(c * regions // w, regions - 1) + 1}" for c in cols], index=gu["geo_unit_id"])
    return gu, load, cur


def provinces():
    df = pd.read_csv(PROV) if PROV.exists() else pd.read_csv(Path("/work/shared/data/china_provinces.csv"))
    gu = df.rename(columns={"province_id": "geo_unit_id"})[["geo_unit_id", "lat", "lon", "neighbors"]]
    cur = df.set_index("province_id")["traditional_region_en"]
    load = df.set_index("province_id")["population_10k_2020"].astype(float)
    rl = load.groupby(cur).sum()
    cap = rl / 0.8
    cap["East"] = rl["East"] / 1.5  # East-heavy: 1.5x capacity, others 0.8x
    return gu, load, cur, cap


def test_provinces_east_heavy_balanced_contiguous_and_less_disruptive_than_kmeans():
    gu, load, cur, cap = provinces()
    res = propose_split(gu, load, cur, cap, extra_edges=[("HI", "GD")], tolerance=0.10, time_limit=8,
                        weights={"distance": 0.0, "compactness": 0.02})
    assert res.metrics["balance_before"] > 1.6
    assert res.feasible and res.regions["contiguous"].all()
    assert (res.regions["deviation_after"].abs() <= 0.10 + 1e-9).all()
    assert res.solver == "cp-sat" and res.bound is not None and res.bound <= res.objective + 1e-9
    km = recluster_unconstrained(gu, load, cur, seed=0)
    km_m = split_metrics(km, gu, load, cur, cap, extra_edges=[("HI", "GD")])
    assert res.metrics["moved_revenue_share"] < km_m["moved_revenue_share"]
    # every move is listed with load and revenue
    assert set(res.moves.columns) >= {"geo_unit_id", "from_region", "to_region", "accounts", "revenue"}
    assert len(res.moves) == res.metrics["moved_units"]


def test_island_without_link_is_infeasible_with_closest():
    gu, load, cur, cap = provinces()
    with pytest.raises(InfeasibleSplitError) as ei:
        propose_split(gu, load, cur, cap, tolerance=0.25, time_limit=3, method="heuristic")
    assert "HI" in ei.value.reason and "extra_edges" in ei.value.reason
    assert ei.value.closest is not None and ei.value.closest.regions["contiguous"].all()


def test_exact_bound_and_heuristic_gap_on_4x4_grid():
    gu, load, cur = grid(4, 4, regions=4, seed=1)
    cap = pd.Series({"R1": 1.0, "R2": 1.4, "R3": 1.2, "R4": 1.0})
    cap = cap * load.sum() / cap.sum() * 1.1
    res = propose_split(gu, load, cur, cap, tolerance=0.15, method="exact", time_limit=10)
    assert res.status == "OPTIMAL" and res.gap == 0.0 and res.bound == pytest.approx(res.objective)
    p = build_problem(gu, load, cur, cap, tolerance=0.15)
    h, _ = solve_heuristic(p, seed=0, time_limit=3)
    assert p.is_contiguous(h) and p.violation(h).sum() == 0
    gap = (p.objective(h) - res.bound) / p.objective(h)
    assert 0 <= gap <= 0.5, gap  # heuristic is never better than the proven bound, and not far off


def test_tolerance_too_tight_gives_closest_and_reason():
    # 16 lumpy units (1 or 30 each): ±0.1% is impossible.  CP-SAT proves it and its soft model gives
    # the closest contiguous split directly (2 s limit; the old widening loop took 23 s and returned a
    # worse split, ±47%).  The heuristic path (no proof) must also return a contiguous closest split.
    gu, load, cur = grid(4, 4, regions=4, seed=2, lumpy=True)
    with pytest.raises(InfeasibleSplitError) as ei:
        propose_split(gu, load, cur, None, tolerance=0.001, time_limit=2)
    e = ei.value
    assert "±0%" in e.reason or "0.1%" in e.reason or "proved" in e.reason
    assert e.closest.regions["contiguous"].all()
    need, met = e.closest.metrics["min_tolerance_needed"], e.closest.metrics.get("tolerance_met")
    assert met is not None and 0.001 < met <= need + 1e-3  # closest meets the proven minimal band
    assert met == pytest.approx(e.closest.metrics["max_deviation_after"])
    with pytest.raises(InfeasibleSplitError) as eh:
        propose_split(gu, load, cur, None, tolerance=0.001, time_limit=0.5, method="heuristic")
    h = eh.value.closest
    assert "not proven" in eh.value.reason and h.regions["contiguous"].all()
    assert h.metrics["tolerance_met"] >= need - 2e-3  # no heuristic beats the proof
    assert h.metrics["tolerance_met"] == pytest.approx(h.metrics["max_deviation_after"])


def test_capacity_below_workload_is_infeasible():
    gu, load, cur = grid(4, 4, regions=2, seed=3)
    cap = pd.Series({"R1": load.sum() * 0.3, "R2": load.sum() * 0.3})
    with pytest.raises(InfeasibleSplitError) as ei:
        propose_split(gu, load, cur, cap, tolerance=0.2, time_limit=3)
    assert "exceeds total capacity" in ei.value.reason
    assert ei.value.closest.feasible


def test_locked_units_stay():
    gu, load, cur = grid(4, 4, regions=2, seed=4)
    cap = pd.Series({"R1": 1.0, "R2": 2.0}) * load.sum()
    locked = [u for u in cur.index if cur[u] == "R2"][:3]
    res = propose_split(gu, load, cur, cap, tolerance=0.1, locked_units=locked, time_limit=5)
    assert all(res.split[u] == cur[u] for u in locked)


def test_what_if_incremental_matches_recompute():
    gu, load, cur = grid(4, 4, regions=2, seed=5)
    st = RebalanceState.from_inputs(gu, load, cur, unit_revenue=load)
    unit = next(u for u in cur.index if cur[u] == "R1" and u.startswith("G01"))
    w = what_if_move(st, unit, "R2")
    new_split = cur.copy()
    new_split[unit] = "R2"
    ref = RebalanceState.from_inputs(gu, load, cur, split=new_split, unit_revenue=load)
    m = w.deltas.set_index("metric")["after"]
    for k, v in ref.metrics().items():
        assert m[k] == pytest.approx(v)
    assert w.contiguous


def test_rebalance_accounts_moves_cheapest_and_honours_locks():
    acc = pd.DataFrame({
        "customer_id": ["a", "b", "c", "d", "e"],
        "rep_id": ["r1", "r1", "r1", "r1", "r2"],
        "load": [4.0, 2.0, 1.0, 1.0, 1.0],
        "revenue": [100.0, 50.0, 5.0, 1.0, 10.0],
        "locked": [True, False, False, False, False],
    })
    moves, reps = rebalance_accounts(acc, pd.Series({"r1": 6.0, "r2": 5.0}))
    assert "a" not in set(moves["customer_id"])
    assert set(moves["customer_id"]) == {"c", "d"}  # 2 load units at revenue 6, cheaper than b (50)
    assert (reps["load_after"] <= reps["capacity"] + 1e-9).all()


def test_rebalance_accounts_integral_never_over_capacity_when_possible():
    # the flow relaxation may split account b between r2 (room 1) and r3 (room 2); rounding it could
    # leave a rep an account over capacity — the exact assignment sends it wholly to r3
    acc = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "rep_id": ["r1", "r1", "r1", "r3"],
                        "load": [2.0, 2.0, 2.0, 1.0], "revenue": [10.0, 10.0, 10.0, 1.0]})
    moves, reps = rebalance_accounts(acc, pd.Series({"r1": 4.0, "r2": 1.0, "r3": 3.0}))
    assert reps.attrs["status"] == "OPTIMAL" and len(moves) == 1 and moves["to_rep"].iloc[0] == "r3"
    assert (reps["overflow"] == 0).all()
    rng = np.random.default_rng(0)
    for _ in range(10):  # fractional tier efforts, 5% spare capacity overall
        n, r = 60, 6
        a = pd.DataFrame({"customer_id": [f"c{i}" for i in range(n)],
                          "rep_id": [f"r{x}" for x in rng.integers(0, r, n)],
                          "load": rng.choice([4, 2, 1, 0.3], n), "revenue": rng.uniform(1, 100, n)})
        cap = pd.Series({f"r{j}": a["load"].sum() / r * 1.05 for j in range(r)})
        _, reps = rebalance_accounts(a, cap, time_limit=5)
        assert reps.attrs["status"] in ("OPTIMAL", "NO-MOVES-NEEDED")
        assert (reps["load_after"] <= reps["capacity"] + 1e-9).all()


def test_ensemble_percentile_seeded():
    gu, load, cur = grid(6, 6, regions=3, seed=6)
    cap = pd.Series({"R1": 1.0, "R2": 1.0, "R3": 1.0}) * 0 + pd.Series({"R1": 0.6, "R2": 1.2, "R3": 1.2})
    e1 = run_ensemble(gu, load, cur, cap, steps=60, seed=3)
    e2 = run_ensemble(gu, load, cur, cap, steps=60, seed=3)
    assert len(e1.samples) == 60
    pd.testing.assert_frame_equal(e1.samples, e2.samples)
    assert 0.0 <= e1.percentiles["balance"] <= 1.0
    assert e1.percentiles["balance"] > 0.8  # the overloaded strip split is unusually unbalanced
    assert "less balanced than" in e1.sentences[0]
    # every sample is a valid plan: the same ±epsilon band for every region (not just the redrawn pair)
    assert (e1.samples["max_deviation"] <= 0.25 + 1e-9).all()


@pytest.fixture(scope="module")
def demo_inputs():
    from segment_lib import demo
    from segment_lib.rebalance import inputs_from_dataset
    d = demo.generate(n_customers=5000, seed=7)
    tiers = d.truth.set_index("customer_id")["true_tier"]
    return inputs_from_dataset(d.dataset, tiers, extra_edges=[("HI", "GD")])


@pytest.fixture(scope="module")
def demo_proposal(demo_inputs):
    return propose_split(**demo_inputs.split_kwargs())  # default parameters


def test_demo_default_split_balanced_contiguous_and_proven_optimal(demo_proposal):
    res = demo_proposal
    assert res.metrics["balance_before"] > 1.5
    assert res.feasible and res.regions["contiguous"].all()
    assert (res.regions["deviation_after"].abs() <= 0.10 + 1e-9).all()
    assert res.solver == "cp-sat" and res.status == "OPTIMAL" and res.gap == 0.0
    # every team keeps at least one of its current provinces (no relabelling across the country)
    assert set(res.split[res.current == res.split].unique()) == set(res.regions["region_id"])
    assert res.metrics["moved_revenue_share"] < 0.30


def test_demo_ensemble_samples_all_valid(demo_inputs):
    e = run_ensemble(**demo_inputs.ensemble_kwargs(), steps=100, epsilon=0.25, seed=0)
    assert (e.samples["max_deviation"] <= 0.25 + 1e-9).all()
    assert not e.meta["current_valid"] and e.percentiles["balance"] == 1.0


@pytest.fixture(scope="module")
def demo_balanced(demo_inputs):
    return balanced_recluster(demo_inputs.recluster_accounts(), demo_inputs.region_capacity, tolerance=0.10,
                              geo_units=demo_inputs.geo_units, extra_edges=demo_inputs.extra_edges)


def test_demo_moves_less_revenue_than_balanced_recluster(demo_inputs, demo_proposal, demo_balanced):
    """Issue 6 must-show: within ±10%, contiguous (HI–GD link), and less revenue moved than a balanced
    re-clustering from scratch (size-constrained k-means of the accounts, default 10 restarts)."""
    res, bal = demo_proposal, demo_balanced
    # proposal: every region within ±10% and connected — checked independently of the library's flags
    t = res.regions.set_index("region_id")
    assert ((t["load_after"] / t["target"] - 1).abs() <= 0.10 + 1e-9).all()
    g = adjacency_graph(demo_inputs.geo_units, [("HI", "GD")])
    for r in t.index:
        assert nx.is_connected(g.subgraph(res.split.index[res.split == r].tolist())), r
    assert res.split["HI"] == res.split["GD"]
    # baseline: solves the same balance problem (recomputed from its account assignment)
    a = bal.assignment
    load_after = a.groupby("region_id")["load"].sum().reindex(t.index)
    target = a["load"].sum() * t["capacity"] / t["capacity"].sum()
    assert ((load_after / target - 1).abs() <= 0.10 + 1e-9).all() and bal.metrics["within_tolerance"]
    assert (a.loc[~a["movable"], "region_id"] == a.loc[~a["movable"], "current_region"]).all()
    moved_share = a.loc[a["region_id"] != a["current_region"], "revenue"].sum() / a["revenue"].sum()
    assert moved_share == pytest.approx(bal.metrics["moved_revenue_share"])
    # both numbers (proposal: CP-SAT optimum, 27.1%; balanced re-clustering: 51.4%, seeded)
    assert res.metrics["moved_revenue_share"] == pytest.approx(0.271, abs=0.005)
    assert bal.metrics["moved_revenue_share"] == pytest.approx(0.514, abs=0.02)
    assert res.metrics["moved_revenue_share"] < bal.metrics["moved_revenue_share"]
    # the same revenue base: regional accounts that follow their unit
    assert a["revenue"].sum() == pytest.approx(demo_inputs.unit_revenue.sum())


def test_compare_baselines_table(demo_inputs, demo_proposal, demo_balanced):
    df = compare_baselines(demo_inputs, demo_proposal, balanced=demo_balanced)
    assert list(df["method"].str.split().str[0]) == ["proposed", "balanced", "plain"]
    assert set(df.columns) >= {"moved_revenue_share", "balance", "max_deviation", "within_tolerance", "contiguous"}
    assert df["within_tolerance"].tolist()[:2] == [True, True]
    assert df.loc[0, "contiguous"] and not df.loc[1, "contiguous"]
    # plain KMeans is a reference only (documented, not asserted against): it leaves a region far over target
    assert not df.loc[2, "within_tolerance"]


def test_balanced_recluster_unequal_capacity_weights_and_fixed_accounts():
    rng = np.random.default_rng(1)
    n = 600
    acc = pd.DataFrame({"customer_id": [f"c{i}" for i in range(n)], "lat": rng.uniform(20, 45, n),
                        "lon": rng.uniform(100, 125, n), "load": rng.choice([4.0, 2.0, 1.0, 0.3], n),
                        "revenue": rng.uniform(1, 100, n)})
    acc["current_region"] = np.where(acc["lon"] < 108, "W", np.where(acc["lat"] < 32, "S", "N"))
    acc["movable"] = rng.random(n) > 0.1
    cap = pd.Series({"W": 1.0, "S": 2.0, "N": 3.0})
    r1 = balanced_recluster(acc, cap, tolerance=0.05, n_init=3, random_state=4)
    r2 = balanced_recluster(acc, cap, tolerance=0.05, n_init=3, random_state=4)
    pd.testing.assert_frame_equal(r1.assignment, r2.assignment)
    a = r1.assignment
    la = a.groupby("region_id")["load"].sum().reindex(cap.index)
    target = acc["load"].sum() * cap / cap.sum()
    assert ((la / target - 1).abs() <= 0.05 + 1e-9).all() and r1.metrics["within_tolerance"]
    assert (a.loc[~a["movable"], "region_id"] == a.loc[~a["movable"], "current_region"]).all()
    with pytest.raises(ModelInputError):
        balanced_recluster(acc.drop(columns="lat"), cap)


def test_readjust_over_time_repairs_drift():
    gu, load, cur = grid(5, 5, regions=2, seed=7)
    cap = pd.Series({"R1": 1.0, "R2": 1.0}) * load.sum()
    grow = load.copy()
    grow[cur == "R1"] *= 1.6
    loads = pd.DataFrame({"2025-03-31": load, "2025-06-30": grow})
    drift, changes = readjust_over_time(gu, loads, cur, cap, tolerance=0.1, time_limit=3)
    assert set(drift["as_of"]) == {"2025-03-31", "2025-06-30"}
    q2 = drift[drift["as_of"] == "2025-06-30"]
    assert (q2["ratio_after"].max() / q2["ratio_after"].mean()) < (q2["ratio"].max() / q2["ratio"].mean())
    assert (changes["status"] == "re-adjusted").any()


def test_demo_split_is_reproducible(demo_inputs, demo_proposal):
    """CP-SAT runs on a deterministic work limit with a fixed seed and one worker, and its warm start
    has no wall-clock-bounded step: a second run gives the same split and the same work count, however
    busy the machine is (checked by hand with a busy loop on the other core)."""
    again = propose_split(**demo_inputs.split_kwargs())
    assert again.split.equals(demo_proposal.split)
    assert again.status == demo_proposal.status == "OPTIMAL"
    assert again.metrics["exact_work"] == demo_proposal.metrics["exact_work"] < 20  # measured 4.77
    assert not any("safety limit" in n for n in again.notes)


def test_solver_settings_are_load_independent():
    from ortools.sat.python import cp_model

    from segment_lib.rebalance.exact import configure_solver

    s = cp_model.CpSolver()
    configure_solver(s, work_limit=20, seed=3)
    assert s.parameters.max_deterministic_time == 20 and s.parameters.random_seed == 3
    assert s.parameters.num_workers == 1 and s.parameters.max_time_in_seconds >= 60
    configure_solver(s, work_limit=5, workers=2)
    assert s.parameters.interleave_search


def test_ensemble_cut_short_by_its_time_limit_says_so():
    """The wall-clock limit is only a safety net; when it does cut the chain, the report says so."""
    from segment_lib import demo as demo_mod
    from segment_lib.rebalance import run_ensemble

    ds = demo_mod.generate(n_customers=400, seed=1).dataset
    prov = ds.geo_units
    load = pd.Series(1.0, index=prov["geo_unit_id"]) + prov.set_index("geo_unit_id")["population"] / 1e4
    current = ds.split("traditional")
    res = run_ensemble(prov, load, current, epsilon=0.5, steps=100_000, time_limit=3.0, seed=0,
                       extra_edges=[("HI", "GD")])
    assert res.meta["steps"] < res.meta["steps_requested"] == 100_000
    assert any("stopped after" in s for s in res.sentences)
