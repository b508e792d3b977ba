"""Benchmark: evaluate 3 candidate splits for 1,000,000 customers, 5,000,000 interactions, 3,000 geo units.

Run:  .venv/bin/python bench/bench_regions.py [--customers 1000000] [--interactions 5000000] [--units 3000]
          [--naive-boot 10] [--skip-naive] [--json out.json]

The synthetic data is generated with numpy directly (not the demo generator): geo units
scattered over China's bounding box with 6-nearest-neighbour adjacency, three splits from
different sets of region seeds (30, 30 and 25 regions), ~7,000 reps, one owner per customer
(1.5 % with a second claim), 3 transactions and ~1 survey per customer, 5 interactions per
customer.  Generation is not timed.

Timed: ``regions.compare_splits`` on the three splits (customer-level preparation, the three
load models, all bootstrap intervals with 1,000 replicates, ownership checks, geometry,
comparison).  Peak memory is the highest resident set size sampled every 20 ms during the
call, minus the resident size before it.

The naive pandas baseline computes a subset of the same numbers the straightforward way
(merges per split, groupby per metric, and the bootstrap by resampling rows with
``DataFrame.sample`` per replicate).  Because row resampling 1,000 times on millions of rows
takes far too long, the baseline runs ``--naive-boot`` replicates and its bootstrap time is
scaled linearly to 1,000 replicates; both the measured and the scaled figures are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import PeakRSS  # noqa: E402  (bench/common.py: the shared peak-memory sampler)

from segment_lib import regions
from segment_lib.contract import Dataset

TIERS = np.array(["VIP", "Key", "Regular", "Dormant"])
TIER_P = np.array([0.05, 0.15, 0.45, 0.35])
EFFORT = np.array([4.0, 2.0, 1.0, 0.3])


def _ids(prefix: str, n: int, width: int) -> np.ndarray:
    return np.char.add(prefix, np.char.zfill(np.arange(1, n + 1).astype(str), width))


def _nearest(points: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    from scipy.spatial import cKDTree

    return cKDTree(seeds).query(points)[1]


def make_data(n_customers: int, n_interactions: int, n_units: int, seed: int = 0) -> tuple[Dataset, pd.Series]:
    from scipy.spatial import cKDTree

    rng = np.random.default_rng(seed)
    as_of = pd.Timestamp("2025-12-31")
    end = as_of.to_datetime64()
    # --- geo units with kNN adjacency
    lat = rng.uniform(20, 48, n_units)
    lon = rng.uniform(80, 128, n_units)
    pts = np.c_[lon * np.cos(np.radians(34)), lat]
    _, nn = cKDTree(pts).query(pts, k=7)
    a = np.repeat(np.arange(n_units), 6)
    b = nn[:, 1:].ravel()
    pairs = np.unique(np.sort(np.c_[a, b], axis=1), axis=0)  # symmetric
    unit_ids = _ids("U", n_units, 4)
    nb_lists = pd.DataFrame({"u": np.r_[pairs[:, 0], pairs[:, 1]], "v": unit_ids[np.r_[pairs[:, 1], pairs[:, 0]]]})
    neighbors = nb_lists.groupby("u")["v"].agg(";".join).reindex(range(n_units), fill_value="")
    population = rng.lognormal(5, 1, n_units)
    geo_units = pd.DataFrame({"geo_unit_id": unit_ids, "name": unit_ids, "lat": lat, "lon": lon,
                              "population": population, "neighbors": neighbors.to_numpy()})
    # --- three splits (Voronoi cells of region seeds)
    split_rows, unit_region = [], {}
    for name, k in (("current", 30), ("proposal_b", 30), ("proposal_c", 25)):
        seeds = pts[rng.choice(n_units, k, replace=False)]
        reg = _nearest(pts, seeds)
        unit_region[name] = (reg, seeds)
        split_rows.append(pd.DataFrame({"split": name, "geo_unit_id": unit_ids,
                                        "region_id": np.char.add(f"{name[:1].upper()}", reg.astype(str))}))
    splits = pd.concat(split_rows, ignore_index=True)
    # --- customers
    w = population / population.sum()
    cu = rng.choice(n_units, n_customers, p=w)
    tier = rng.choice(4, n_customers, p=TIER_P)
    cust_ids = _ids("C", n_customers, 7)
    reg_cur = unit_region["current"][0]
    k_cur = unit_region["current"][1].shape[0]
    cust_reg = reg_cur[cu]
    effort_reg = np.bincount(cust_reg, weights=EFFORT[tier], minlength=k_cur)
    load_target = np.where(np.arange(k_cur) == 0, 1.5, 0.85)
    n_reps_reg = np.maximum(2, np.round(effort_reg / (150 * load_target))).astype(int)
    rep_reg = np.repeat(np.arange(k_cur), n_reps_reg)
    n_reps = rep_reg.size
    rep_ids = _ids("R", n_reps, 5)
    capacity = np.round(150 * rng.uniform(0.85, 1.15, n_reps))
    start = np.r_[0, np.cumsum(n_reps_reg)[:-1]]
    owner = start[cust_reg] + (rng.random(n_customers) * n_reps_reg[cust_reg]).astype(int)
    reps = pd.DataFrame({"rep_id": rep_ids, "region_id": np.char.add("C", rep_reg.astype(str)), "capacity": capacity})
    # staffing of the proposals: each rep goes to the proposal region nearest its current region's seed
    split_reps = []
    for name in ("proposal_b", "proposal_c"):
        reg, seeds = unit_region[name]
        # reps follow their customers: the proposal region holding most of their current region's units
        ct = pd.crosstab(reg_cur, reg)
        best = ct.to_numpy().argmax(axis=1)
        rr = best[rep_reg]
        # make sure every proposal region gets at least two reps: round-robin the spare ones
        missing = np.setdiff1d(np.arange(seeds.shape[0]), rr)
        for i, m in enumerate(missing):
            rr[2 * i:2 * i + 2] = m
        split_reps.append(pd.DataFrame({"split": name, "region_id": np.char.add(name[:1].upper(), rr.astype(str)),
                                        "rep_id": rep_ids}))
    split_reps = pd.concat(split_reps, ignore_index=True)
    conflict = rng.random(n_customers) < 0.015
    second = start[cust_reg] + (rng.random(n_customers) * n_reps_reg[cust_reg]).astype(int)
    own_c = np.r_[np.arange(n_customers), np.flatnonzero(conflict)]
    own_r = np.r_[owner, second[conflict]]
    ok = ~((np.arange(own_c.size) >= n_customers) & (own_r == owner[own_c]))
    ownership = pd.DataFrame({"customer_id": pd.array(cust_ids[own_c[ok]], dtype="string"),
                              "rep_id": pd.array(rep_ids[own_r[ok]], dtype="string")})
    customers = pd.DataFrame({"customer_id": pd.array(cust_ids, dtype="string"),
                              "geo_unit_id": pd.array(unit_ids[cu], dtype="string"),
                              "owner_rep_id": pd.array(rep_ids[owner], dtype="string"),
                              "industry": pd.array(np.array(["A", "B", "C", "D"])[rng.integers(0, 4, n_customers)],
                                                   dtype="string")})
    # --- transactions: 3 per customer, 3 % booked in a random unit
    n_tx = 3 * n_customers
    tc = rng.integers(0, n_customers, n_tx)
    tu = np.where(rng.random(n_tx) < 0.03, rng.integers(0, n_units, n_tx), cu[tc])
    transactions = pd.DataFrame({
        "customer_id": pd.array(cust_ids[tc], dtype="string"),
        "date": end - (rng.uniform(0, 700, n_tx) * 86400).astype("timedelta64[s]"),
        "amount": np.round(rng.lognormal(6, 1, n_tx), 2),
        "geo_unit_id": pd.array(unit_ids[tu], dtype="string"),
    })
    # --- interactions (handled by the owner), first response slower for loaded reps
    ic = rng.integers(0, n_customers, n_interactions)
    ir = owner[ic]
    rep_load = np.bincount(owner, weights=EFFORT[tier], minlength=n_reps) / capacity
    opened = end - (rng.uniform(0, 360, n_interactions) * 86400).astype("timedelta64[s]")
    hours = np.exp(np.log(2) + 1.2 * (rep_load[ir] - 1) + rng.normal(0, 0.6, n_interactions))
    interactions = pd.DataFrame({
        "customer_id": pd.array(cust_ids[ic], dtype="string"),
        "rep_id": pd.array(rep_ids[ir], dtype="string"),
        "opened_at": opened,
        "first_response_at": opened + (hours * 3600).astype("timedelta64[s]"),
        "is_complaint": rng.random(n_interactions) < 0.03 + 0.1 * np.maximum(rep_load[ir] - 1, 0),
    })
    # --- surveys: one per customer
    sc = np.arange(n_customers)
    latent = 4.2 - 1.0 * (rep_load[owner] - 1) + rng.normal(0, 0.7, n_customers)
    surveys = pd.DataFrame({
        "customer_id": pd.array(cust_ids[sc], dtype="string"),
        "date": end - (rng.uniform(0, 300, n_customers) * 86400).astype("timedelta64[s]"),
        "csat": np.clip(np.round(latent), 1, 5),
        "nps": np.clip(np.round(2 * (latent - 4.2) + 8 + rng.normal(0, 1.2, n_customers)), 0, 10),
        "rep_id": pd.array(rep_ids[owner], dtype="string"),
    })
    ds = Dataset(customers=customers, transactions=transactions, reps=reps, geo_units=geo_units, splits=splits,
                 interactions=interactions, surveys=surveys, split_reps=split_reps, ownership=ownership,
                 as_of=as_of, current_split="current")
    tiers = pd.Series(TIERS[tier], index=cust_ids)
    return ds, tiers


def naive_baseline(ds: Dataset, tiers: pd.Series, split_names: list[str], n_boot: int, seed: int = 0) -> dict:
    """Straightforward pandas: merges per split, groupby per metric, row-resampling bootstrap."""
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    effort = tiers.map(dict(zip(TIERS, EFFORT))).rename("effort")
    as_of = ds.as_of
    boot_time = 0.0
    for name in split_names:
        sp = ds.splits[ds.splits["split"] == name][["geo_unit_id", "region_id"]]
        cust = ds.customers.merge(sp, on="geo_unit_id", how="left")
        cust = cust.merge(effort, left_on="customer_id", right_index=True, how="left")
        claims = ds.ownership.merge(cust[["customer_id", "effort", "region_id"]], on="customer_id")
        rr = ds.rep_regions(name).rename("rep_region").reset_index()
        claims = claims.merge(rr, on="rep_id", how="left")
        per_rep = claims.groupby("rep_id")["effort"].sum().to_frame("workload").join(
            ds.reps.set_index("rep_id")["capacity"])
        per_rep["load"] = per_rep["workload"] / per_rep["capacity"]
        _ = per_rep["load"].std() / per_rep["load"].mean()
        per_region = cust.groupby("region_id")["effort"].sum()
        rev = ds.transactions[ds.transactions["date"] > as_of - pd.Timedelta(days=365)]
        rev = rev.merge(cust[["customer_id", "region_id"]], on="customer_id")
        _ = rev.groupby("region_id")["amount"].sum()
        # cross-region buyers
        tx = ds.transactions.merge(sp.rename(columns={"region_id": "booked_region"}), on="geo_unit_id")
        tx = tx.merge(cust[["customer_id", "region_id"]], on="customer_id")
        _ = tx.loc[tx["booked_region"] != tx["region_id"], "customer_id"].nunique()
        # owners outside region
        _ = (claims["rep_region"] != claims["region_id"]).sum()
        # service per region
        it = ds.interactions.merge(cust[["customer_id", "region_id"]], on="customer_id")
        it["hours"] = (it["first_response_at"] - it["opened_at"]).dt.total_seconds() / 3600
        _ = it.groupby("region_id")["hours"].quantile([0.5, 0.9])
        sv = ds.surveys.merge(cust[["customer_id", "region_id"]], on="customer_id")
        _ = sv.groupby("region_id")["csat"].mean()
        # bootstrap (CSAT mean and median response per region) by resampling rows
        tb = time.perf_counter()
        for _b in range(n_boot):
            s = sv.groupby("region_id").sample(frac=1.0, replace=True, random_state=int(rng.integers(2**31)))
            _ = s.groupby("region_id")["csat"].mean()
            s = it.groupby("region_id").sample(frac=1.0, replace=True, random_state=int(rng.integers(2**31)))
            _ = s.groupby("region_id")["hours"].median()
        boot_time += time.perf_counter() - tb
        _ = per_region
    total = time.perf_counter() - t0
    return {"measured_s": total, "bootstrap_s": boot_time, "n_boot": n_boot}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--interactions", type=int, default=5_000_000)
    ap.add_argument("--units", type=int, default=3000)
    ap.add_argument("--n-boot", type=int, default=1000)
    ap.add_argument("--naive-boot", type=int, default=5)
    ap.add_argument("--skip-naive", action="store_true")
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)

    t = time.perf_counter()
    ds, tiers = make_data(args.customers, args.interactions, args.units)
    gen_s = time.perf_counter() - t
    names = ["current", "proposal_b", "proposal_c"]
    print(f"generated {len(ds.customers):,} customers, {len(ds.interactions):,} interactions, "
          f"{len(ds.transactions):,} transactions, {len(ds.surveys):,} surveys, {len(ds.geo_units):,} geo units, "
          f"{len(ds.reps):,} reps in {gen_s:.1f} s", flush=True)

    import scipy.stats  # noqa: F401  - warm imports: one-time module loading is not what we measure
    import statsmodels.api  # noqa: F401

    with PeakRSS() as mem:
        t = time.perf_counter()
        cmp = regions.compare_splits(ds, tiers, names, n_boot=args.n_boot, random_state=0)
        ours = time.perf_counter() - t
    print(f"segment_lib.regions.compare_splits (3 splits, {args.n_boot} bootstrap replicates, load models): "
          f"{ours:.2f} s, peak extra memory {mem.extra_mb:,.0f} MB", flush=True)
    print(cmp[["split", "n_regions", "rep_load_cv", "share_reps_over_capacity", "most_loaded_region",
               "share_moved", "score"]].to_string(index=False))
    out = {"n_customers": args.customers, "n_interactions": args.interactions, "n_units": args.units,
           "n_reps": len(ds.reps), "n_boot": args.n_boot, "seconds": round(ours, 2),
           "peak_extra_mb": round(mem.extra_mb), "target_s": 20.0, "within_target": ours < 20.0}
    if not args.skip_naive:
        nb = naive_baseline(ds, tiers, names, args.naive_boot)
        scaled = nb["measured_s"] - nb["bootstrap_s"] + nb["bootstrap_s"] * args.n_boot / max(args.naive_boot, 1)
        print(f"naive pandas baseline (subset of metrics): {nb['measured_s']:.1f} s measured with "
              f"{args.naive_boot} bootstrap replicates ({nb['bootstrap_s']:.1f} s of it bootstrap); "
              f"scaled to {args.n_boot} replicates: {scaled:,.0f} s", flush=True)
        no_boot = nb["measured_s"] - nb["bootstrap_s"]
        print(f"ratio baseline/ours: {scaled / ours:,.0f}x (with bootstrap scaled), "
              f"{no_boot / ours:.1f}x (baseline without any bootstrap vs ours with everything)")
        out.update(naive_measured_s=round(nb["measured_s"], 2), naive_bootstrap_s=round(nb["bootstrap_s"], 2),
                   naive_n_boot=args.naive_boot, naive_scaled_s=round(scaled, 1),
                   ratio_scaled=round(scaled / ours, 1), ratio_no_boot=round(no_boot / ours, 2))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2)
    return out


if __name__ == "__main__":
    res = main()
    sys.exit(0 if res["within_target"] else 1)
