"""All benchmarks in one command (`make bench`): every stage at 10k / 100k / 1M customers, with baselines.

    .venv/bin/python bench/run_all.py                       # 10k, 100k, 1M customers (~10 tx each)
    .venv/bin/python bench/run_all.py --sizes 10k,100k      # quicker
    .venv/bin/python bench/run_all.py --include-10m         # adds 10M customers if memory allows
    .venv/bin/python bench/run_all.py --profile-size 1M     # pyinstrument profile of features->regions

Per customer-count size, one child process (so sizes do not share memory) generates data with NumPy
(regions: ``bench_regions.make_data`` -- 3,000 geo units, 3 splits, reps, ownership, surveys,
interactions; transactions: ``bench_tiering.make_data`` -- planted tiers, ~10 per customer), writes
it as Parquet with a config, and times:

========================  =====================================================  =================================
stage                     library call                                           baseline (same run)
========================  =====================================================  =================================
load                      ``io.load_dataset`` (read, map, validate)              ``pd.read_parquet`` of each file
features                  ``features.customer_features`` (pandas engine)         ``bench_tiering.baseline_features``
                                                                                 (groupby.apply) on a subsample,
                                                                                 scaled linearly to all customers
features_parquet          ``features.parquet_features`` (DuckDB on the files)    same baseline
features_dask (<= 100k)   ``features.dask_customer_features`` (LocalCluster)     same baseline
tiering                   ``TierModel(n_tiers="auto")`` (k = 2..8)               KMeans k=2..8 on all rows +
                                                                                 silhouette on 10k rows (sklearn)
regions                   ``regions.compare_splits`` on 3 splits, 1,000 boots    ``bench_regions.naive_baseline``,
                                                                                 bootstrap scaled to 1,000
========================  =====================================================  =================================

Once per run (cost does not depend on the number of customers): optimisation on the 31 provinces
(demo data) and on the 60 x 50 = 3,000-unit grid (``bench_rebalance.make_grid``), both against
``rebalance.recluster_unconstrained`` (KMeans on coordinates); Jupyter kernel start; HTML export of one
executed notebook (``runner.export_html`` vs a plain nbconvert ``HTMLExporter``); and the whole papermill
pipeline (``runner.run_reports``, 4 notebooks, demo data at the smallest size) vs papermill + plain
nbconvert of the same notebooks.

Memory: ``peak_rss_mb`` per stage is the highest resident set size sampled every 20 ms (psutil)
during the stage, including data already in memory; ``child_peak_rss_mb`` per size is
``getrusage(RUSAGE_CHILDREN).ru_maxrss`` of the child process (see ``bench/common.py``).

Writes ``bench/results.json`` and ``bench/scaling.png`` (log-log time and peak memory against
customers, with the fitted exponent per stage), and prints a table.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import common  # noqa: E402
from common import Stage, fit_exponent, fmt_size, parse_size, ratio  # noqa: E402

SPLITS = ["current", "proposal_b", "proposal_c"]
SIZE_STAGES = ["load", "features", "features_parquet", "features_dask", "tiering", "regions", "floor", "rfm"]
FIXED_STAGES = ["opt_provinces", "opt_grid_3000", "kernel_start", "html_export", "pipeline", "empty_notebooks",
                "pipeline_demo"]


# ------------------------------------------------------------------------------------------------
# data
# ------------------------------------------------------------------------------------------------
def make_dataset(n: int, tx_per_customer: float, inter_per_customer: float, seed: int = 0):
    """Dataset with regions (bench_regions) and tier-structured transactions (bench_tiering)."""
    import bench_regions
    import bench_tiering

    ds, _ = bench_regions.make_data(n, int(inter_per_customer * n), 3000, seed=seed)
    _, tx, _ = bench_tiering.make_data(n, tx_per_customer, seed=seed)
    codes = tx["customer_id"].cat.codes.to_numpy()
    ids = ds.customers["customer_id"].astype(str).to_numpy()
    cu = ds.customers["geo_unit_id"].to_numpy(dtype=object)
    rng = np.random.default_rng(seed + 1)
    units = ds.geo_units["geo_unit_id"].to_numpy(dtype=object)
    m = len(tx)
    unit = np.where(rng.random(m) < 0.03, units[rng.integers(0, len(units), m)], cu[codes])
    ds.transactions = pd.DataFrame({
        "transaction_id": pd.array(np.char.add("T", np.arange(1, m + 1).astype(str)), dtype="string"),
        "customer_id": pd.array(ids[codes], dtype="string"),
        "date": tx["date"].to_numpy(),
        "amount": tx["amount"].to_numpy(),
        "geo_unit_id": pd.array(unit.astype(str), dtype="string"),
    })
    created = pd.Timestamp("2025-12-31") - pd.to_timedelta(rng.uniform(400, 2400, n).astype(int), unit="D")
    ds.customers["created_at"] = created
    return ds


def write_parquet(ds, out: Path) -> Path:
    """Every table as Parquet plus a config YAML; returns the config path."""
    out.mkdir(parents=True, exist_ok=True)
    names = ["customers", "transactions", "interactions", "surveys", "reps", "geo_units", "splits",
             "split_reps", "ownership"]
    lines = ["run_name: bench", "title: bench", "as_of: 2025-12-31", "current_split: current", "data:",
             "  dir: .", "  sources:"]
    for t in names:
        df = getattr(ds, t)
        if df is None or len(df) == 0:
            continue
        df.to_parquet(out / f"{t}.parquet", index=False)
        lines.append(f"    {t}: {{path: {t}.parquet}}")
    lines += ["reports:", "  dir: reports", "params: {}"]
    cfg = out / "config.yaml"
    cfg.write_text("\n".join(lines) + "\n")
    return cfg


def effort_tiers(model, feats: pd.DataFrame) -> pd.Series:
    """Tier names mapped by rank onto the effort labels (measures.tier_effort_weights, as the pipeline does),
    returned as the effort label each customer's tier weighs like."""
    from segment_lib.measures import tier_effort_weights

    weights = tier_effort_weights(model.tier_names_)
    by_weight = {v: k for k, v in tier_effort_weights().items()}
    names = np.asarray([by_weight[weights[n]] for n in model.tier_names_], dtype=object)
    lab = names[np.asarray(model.labels_)]
    return pd.Series(lab, index=pd.Index(feats["customer_id"].astype(str)), name="tier")


def same_as_pandas(other: pd.DataFrame, ref: pd.DataFrame) -> dict[str, Any]:
    """Exact equality, and the largest relative difference of the float columns (summation order)."""
    out: dict[str, Any] = {"equal_exact": bool(other.equals(ref))}
    if list(other.columns) != list(ref.columns) or len(other) != len(ref):
        out["equal_within_1e-9"] = False
        return out
    worst = 0.0
    same = True
    for c in ref.columns:
        a, b = ref[c], other[c]
        if pd.api.types.is_float_dtype(a):
            x, y = a.to_numpy(float), b.to_numpy(float)
            same &= bool(np.array_equal(np.isnan(x), np.isnan(y)))
            ok = ~np.isnan(x)
            if ok.any():
                worst = max(worst, float(np.max(np.abs(x[ok] - y[ok]) / np.maximum(np.abs(x[ok]), 1e-12))))
        else:
            same &= bool(a.equals(b))
    out["max_rel_diff_float"] = worst
    out["equal_within_1e-9"] = bool(same and worst <= 1e-9)
    return out


# ------------------------------------------------------------------------------------------------
# baselines
# ------------------------------------------------------------------------------------------------
def baseline_tiering(feats: pd.DataFrame, seed: int = 0) -> float:
    """Straightforward scikit-learn: log1p features, StandardScaler, KMeans k=2..8 on every row,
    silhouette on a 10k sample; pick the best silhouette."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score
    from sklearn.preprocessing import StandardScaler

    t0 = time.perf_counter()
    X = np.c_[feats["recency_days"].fillna(730).clip(0, 730), np.log1p(feats["frequency"]),
              np.log1p(feats["monetary_total"].clip(lower=0))]
    Z = StandardScaler().fit_transform(X)
    best = (-1.0, 2)
    for k in range(2, 9):
        lab = KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(Z)
        s = silhouette_score(Z, lab, sample_size=min(10_000, len(Z)), random_state=seed)
        best = max(best, (s, k))
    return time.perf_counter() - t0


def baseline_features(ds, n_sub: int, seed: int = 0) -> tuple[float, float, int]:
    """bench_tiering.baseline_features on a seeded customer subsample; (seconds, scaled seconds, n)."""
    import bench_tiering

    n = len(ds.customers)
    nb = min(n_sub, n)
    rs = np.random.RandomState(seed)
    pick = np.sort(rs.choice(n, nb, replace=False))
    sub_c = ds.customers.iloc[pick].reset_index(drop=True)
    keep = ds.transactions["customer_id"].isin(set(sub_c["customer_id"].astype(str)))
    sub_tx = ds.transactions.loc[keep, ["customer_id", "date", "amount"]].reset_index(drop=True)
    t0 = time.perf_counter()
    bench_tiering.baseline_features(sub_c, sub_tx, pd.Timestamp(ds.as_of))
    s = time.perf_counter() - t0
    return s, s * n / nb, nb


def floor_kernels(tmp: Path, ds, feats: pd.DataFrame) -> dict[str, Any]:
    """The same-run floor of load -> features -> tiers -> regions: a DuckDB GROUP BY for R/F/M on the
    transactions Parquet file, one scikit-learn KMeans k=4 on the customers x 3 features, and
    bincount workloads of the 3 splits over the geo units.  Returns the seconds of each part."""
    import duckdb
    from sklearn.cluster import KMeans

    out: dict[str, Any] = {}
    t0 = time.perf_counter()
    con = duckdb.connect()
    rfm = con.execute(
        "SELECT customer_id, max(date) AS last, count(*) AS n, sum(amount) AS m "
        f"FROM read_parquet('{tmp / 'transactions.parquet'}') GROUP BY customer_id").df()
    con.close()
    out["duckdb_rfm_s"] = round(time.perf_counter() - t0, 3)
    out["duckdb_rfm_rows"] = len(rfm)
    t0 = time.perf_counter()
    X = np.c_[feats["recency_days"].fillna(730).clip(0, 730), np.log1p(feats["frequency"]),
              np.log1p(feats["monetary_total"].clip(lower=0))]
    KMeans(n_clusters=4, n_init=1, random_state=0).fit(X)
    out["kmeans_s"] = round(time.perf_counter() - t0, 3)
    t0 = time.perf_counter()
    units = pd.Index(ds.geo_units["geo_unit_id"].astype(str))
    cu = units.get_indexer(ds.customers["geo_unit_id"].astype(str))
    effort = np.random.default_rng(0).choice([4.0, 2.0, 1.0, 0.3], len(cu))
    unit_load = np.bincount(cu, weights=effort, minlength=len(units))
    for name, g in ds.splits.groupby("split"):  # the 3 splits
        reg_codes, reg = pd.factorize(g["region_id"])
        unit_reg = np.full(len(units), -1)
        unit_reg[units.get_indexer(g["geo_unit_id"].astype(str))] = reg_codes
        np.bincount(unit_reg, weights=unit_load, minlength=len(reg))
    out["bincount_s"] = round(time.perf_counter() - t0, 3)
    out["note"] = ("DuckDB GROUP BY customer_id (max date, count, sum) on the Parquet file; sklearn KMeans k=4 "
                   "(n_init=1) on customers x 3; bincount loads per unit and per region for 3 splits")
    return out


def rfm_stage(ds, repeats: int = 1) -> dict[str, Any]:
    """segment_lib features + RFM segments vs the steps of pymc-marketing's ``rfm_segments``
    (bench/rfm_baseline.py, our plain-pandas re-implementation), same transactions, same process.
    Each run starts without the id lookups cached by the load (the baseline has none); with
    ``repeats`` > 1 the two alternate and the medians are compared (short runs are noisy)."""
    import rfm_baseline

    from segment_lib import _arrow
    from segment_lib.features import customer_features
    from segment_lib.tiering import rfm_scores, rfm_segments

    ours, theirs = [], []
    tx = ds.transactions[["customer_id", "date", "amount"]]
    for _ in range(repeats):
        _arrow._CACHE.clear()
        with Stage("rfm") as s:
            f = customer_features(ds)
            seg = rfm_segments(rfm_scores(f))
        ours.append(s)
        t0 = time.perf_counter()
        base = rfm_baseline.rfm_segments(tx, "customer_id", "date", "amount", ds.as_of)
        theirs.append(time.perf_counter() - t0)
    s = sorted(ours, key=lambda x: x.seconds)[len(ours) // 2]
    s.info.update(baseline_s=round(sorted(theirs)[len(theirs) // 2], 3), customers=len(seg),
                  baseline_customers=len(base), repeats=repeats,
                  baseline="steps of pymc-marketing 0.19.2 clv.utils.rfm_segments, re-implemented in pandas "
                           "(bench/rfm_baseline.py)" + (f"; medians of {repeats} alternating runs" if repeats > 1 else ""))
    out = s.as_dict()
    out["ratio"] = ratio(out.get("baseline_s"), out.get("seconds"))
    return out


# ------------------------------------------------------------------------------------------------
# child: one size
# ------------------------------------------------------------------------------------------------
def child_generate(a: argparse.Namespace) -> dict[str, Any]:
    """Generate one size's data and write it as Parquet + config into ``--gen-dir``."""
    t0 = time.perf_counter()
    ds = make_dataset(a.child_generate, a.tx_per_customer, a.interactions_per_customer)
    out: dict[str, Any] = {"generate_s": round(time.perf_counter() - t0, 2)}
    t0 = time.perf_counter()
    write_parquet(ds, Path(a.gen_dir))
    out["write_parquet_s"] = round(time.perf_counter() - t0, 2)
    out.update(n_transactions=len(ds.transactions), n_interactions=len(ds.interactions),
               n_surveys=len(ds.surveys), n_reps=len(ds.reps), n_geo_units=len(ds.geo_units))
    return out


def child_size(a: argparse.Namespace) -> dict[str, Any]:
    import resource

    import scipy.stats  # noqa: F401 - warm imports, module loading is not what we measure
    import sklearn.cluster  # noqa: F401
    import statsmodels.api  # noqa: F401

    from segment_lib import features, regions
    from segment_lib.features import customer_features
    from segment_lib.io import load_dataset
    from segment_lib.tiering import TierModel

    n = a.child_size
    res: dict[str, Any] = {"n_customers": n, "stages": {}}
    tmp = Path(tempfile.mkdtemp(prefix=f"segbench-{fmt_size(n)}-", dir=a.workdir))
    try:
        # the data are generated and written by a process of their own, so the memory the generator
        # leaves behind (allocator pools) is not counted in the stages' peak RSS
        gen, gen_peak = common.run_child([str(Path(__file__).resolve()), "--child-generate", str(n), "--gen-dir",
                                          str(tmp), "--tx-per-customer", str(a.tx_per_customer),
                                          "--interactions-per-customer", str(a.interactions_per_customer)])
        res.update(gen)
        res["generate_peak_rss_mb"] = round(gen_peak)
        cfg = tmp / "config.yaml"
        prof = None
        if a.profile:
            from pyinstrument import Profiler

            prof = Profiler(interval=0.005)
        st = res["stages"]

        # --- load
        if prof:  # the profile covers load -> features -> tiering -> regions
            prof.start()
        with Stage("load") as s:
            ds = load_dataset(cfg)
        b = {}
        if not a.skip_baselines and not prof:
            t0 = time.perf_counter()
            for f in tmp.glob("*.parquet"):
                b[f.stem] = pd.read_parquet(f)
            s.info["baseline_s"] = round(time.perf_counter() - t0, 3)
            s.info["baseline"] = "pd.read_parquet per file (no mapping / validation)"
            del b
        st["load"] = s.as_dict()

        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        t_pipe = time.perf_counter()
        # --- features
        with Stage("features") as s:
            feats = customer_features(ds)
        st["features"] = s.as_dict()
        # --- tiering
        with Stage("tiering") as s:
            model = TierModel(method="kmeans", n_tiers="auto", random_state=0).fit(feats)
        s.info.update(chosen_k=int(model.n_tiers_))
        st["tiering"] = s.as_dict()
        tiers = effort_tiers(model, feats)
        # --- regions
        with Stage("regions") as s:
            cmp = regions.compare_splits(ds, tiers, SPLITS, n_boot=1000, random_state=0)
        t_pipe = time.perf_counter() - t_pipe
        if prof:
            prof.stop()
            Path(a.profile).with_suffix(".txt").write_text(prof.output_text(unicode=True, color=False,
                                                                             show_all=False))
            Path(a.profile).with_suffix(".html").write_text(prof.output_html())
        st["regions"] = s.as_dict()
        res["features_to_regions_s"] = round(t_pipe, 2)
        res["features_to_regions_peak_rss_mb"] = round(max(st[k]["peak_rss_mb"] for k in
                                                           ("features", "tiering", "regions")))
        res["peak_rss_before_features_mb"] = round(rss_before)
        res["comparison"] = cmp[["split", "rep_load_cv", "score"]].round(4).to_dict("records") \
            if "score" in cmp.columns else None
        res["load_to_regions_s"] = round(sum(st[k]["seconds"] for k in ("load", "features", "tiering", "regions")), 2)
        res["load_to_regions_cpu_s"] = round(sum(st[k]["cpu_seconds"] for k in ("load", "features", "tiering",
                                                                                 "regions")), 2)

        # --- the floor: the bare kernels a hand-written script needs for the same four stages
        if not prof:
            runs = []
            for _ in range(3):  # the floor is ~1 s: the median of 3 runs, so one noisy run does not set the ratio
                with Stage("floor") as s:
                    s.info.update(floor_kernels(tmp, ds, feats))
                runs.append(s.as_dict())
            st["floor"] = sorted(runs, key=lambda r: r["seconds"])[1]
            st["floor"]["runs_s"] = [r["seconds"] for r in runs]
            st["floor"]["note"] += "; median of 3 runs (runs_s)"
            # times the floor (target <= 8): load -> regions seconds / floor seconds, same run
            st["floor"]["times_floor"] = ratio(res["load_to_regions_s"], st["floor"]["seconds"])
            res["times_floor"] = st["floor"]["times_floor"]
            cpu_floor = sorted(r["cpu_seconds"] for r in runs)[1]
            res["times_floor_cpu"] = ratio(res["load_to_regions_cpu_s"], cpu_floor)  # CPU time / CPU time

        # --- RFM: customer_features + rfm_scores/rfm_segments vs bench/rfm_baseline.py
        if not prof and n <= a.rfm_max_size:
            st["rfm"] = rfm_stage(ds, repeats=5 if n <= 100_000 else 1)

        # --- other feature engines (same output, checked)
        with Stage("features_parquet") as s:
            fq = features.parquet_features(tmp / "transactions.parquet", ds.customers, tmp / "interactions.parquet",
                                           as_of=ds.as_of, memory_limit=a.duckdb_memory_limit,
                                           temp_directory=tmp / "duckdb_tmp")
        s.info.update(same_as_pandas(fq, feats))
        st["features_parquet"] = s.as_dict()
        del fq
        if n <= a.dask_max_size:
            client = features.get_client({"name": "dask", "n_workers": 2, "threads_per_worker": 1,
                                          "processes": True})
            with Stage("features_dask") as s:
                fd = features.dask_customer_features(
                    {"customers": ds.customers, "transactions": str(tmp / "transactions.parquet"),
                     "interactions": str(tmp / "interactions.parquet")}, ds.as_of, client=client)
            s.info.update(same_as_pandas(fd, feats))
            s.info["note"] = "LocalCluster 2 processes x 1 thread; transactions read by the workers from Parquet"
            st["features_dask"] = s.as_dict()
            features.close_clients()
            del fd

        # --- baselines (after the library stages, so their memory does not inflate ours)
        if not a.skip_baselines:
            bs, scaled, nb = baseline_features(ds, a.baseline_customers)
            for k in ("features", "features_parquet", "features_dask"):
                if k in st:
                    st[k].update(baseline_s=round(scaled, 2), baseline_measured_s=round(bs, 2),
                                 baseline_customers=nb,
                                 baseline="bench_tiering.baseline_features (groupby.apply), "
                                          f"measured on {nb:,} customers, scaled linearly")
            st["tiering"].update(baseline_s=round(baseline_tiering(feats), 2),
                                 baseline="sklearn KMeans k=2..8 on all rows, silhouette on 10k rows")
            import bench_regions

            nboot = a.naive_boot
            nbr = bench_regions.naive_baseline(ds, tiers, SPLITS, nboot)
            scaled = nbr["measured_s"] - nbr["bootstrap_s"] + nbr["bootstrap_s"] * 1000 / max(nboot, 1)
            st["regions"].update(baseline_s=round(scaled, 2), baseline_measured_s=round(nbr["measured_s"], 2),
                                 baseline_no_bootstrap_s=round(nbr["measured_s"] - nbr["bootstrap_s"], 2),
                                 baseline=f"bench_regions.naive_baseline, {nboot} bootstrap replicates "
                                          "scaled to 1,000 (subset of the metrics)")
        for k, v in st.items():
            v["ratio"] = ratio(v.get("baseline_s"), v.get("seconds"))
        if "regions" in st and st["regions"].get("baseline_no_bootstrap_s") is not None:
            st["regions"]["ratio_vs_baseline_without_bootstrap"] = ratio(
                st["regions"]["baseline_no_bootstrap_s"], st["regions"]["seconds"])
        res["child_self_maxrss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return res


# ------------------------------------------------------------------------------------------------
# child: out-of-core size (10M): transactions written in chunks, never held in memory at once
# ------------------------------------------------------------------------------------------------
def child_ooc(a: argparse.Namespace) -> dict[str, Any]:
    """Features with DuckDB on chunked Parquet files (memory_limit), then tiering, at a size whose
    full in-memory dataset would not fit this machine."""
    import bench_tiering

    from segment_lib import features
    from segment_lib.tiering import TierModel

    n = a.child_ooc
    chunk = 1_000_000
    tmp = Path(tempfile.mkdtemp(prefix=f"segbench-ooc-{fmt_size(n)}-", dir=a.workdir))
    res: dict[str, Any] = {"n_customers": n, "mode": "out-of-core (DuckDB on Parquet)", "stages": {}}
    try:
        t0 = time.perf_counter()
        (tmp / "tx").mkdir()
        cust_parts, n_tx = [], 0
        for i, start in enumerate(range(0, n, chunk)):  # loop over chunks of a million customers
            m = min(chunk, n - start)
            c, tx, _ = bench_tiering.make_data(m, a.tx_per_customer, seed=i)
            ids = np.char.add("C", np.char.zfill(np.arange(start + 1, start + m + 1).astype(str), 8))
            c["customer_id"] = pd.array(ids, dtype="string")
            codes = tx["customer_id"].cat.codes.to_numpy()
            pd.DataFrame({"customer_id": pd.array(ids[codes], dtype="string"), "date": tx["date"].to_numpy(),
                          "amount": tx["amount"].to_numpy()}).to_parquet(tmp / "tx" / f"part-{i:03d}.parquet",
                                                                         index=False)
            n_tx += len(tx)
            cust_parts.append(c)
            del tx
        customers = pd.concat(cust_parts, ignore_index=True)
        del cust_parts
        res.update(generate_s=round(time.perf_counter() - t0, 1), n_transactions=n_tx,
                   parquet_mb=round(sum(f.stat().st_size for f in (tmp / "tx").glob("*.parquet")) / 2**20))
        with Stage("features_parquet") as s:
            feats = features.parquet_features(tmp / "tx", customers, as_of=pd.Timestamp("2025-12-31"),
                                              memory_limit=a.duckdb_memory_limit, temp_directory=tmp / "spill")
        s.info.update(memory_limit=a.duckdb_memory_limit)
        res["stages"]["features_parquet"] = s.as_dict()
        with Stage("tiering") as s:
            model = TierModel(method="kmeans", n_tiers="auto", random_state=0).fit(feats)
        s.info.update(chosen_k=int(model.n_tiers_))
        res["stages"]["tiering"] = s.as_dict()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return res


# ------------------------------------------------------------------------------------------------
# child: size-independent stages
# ------------------------------------------------------------------------------------------------
def _demo_config(tmp: Path, n: int) -> Path:
    import yaml

    from segment_lib.demo import write_demo

    data = write_demo(tmp / "demo", n_customers=n, seed=7)
    raw = yaml.safe_load((common.ROOT / "config" / "demo.yaml").read_text())
    raw["data"]["dir"] = str(data)
    raw["reports"]["dir"] = str(tmp / "reports")
    raw["run_name"] = "bench"
    p = tmp / "demo.yaml"
    p.write_text(yaml.safe_dump(raw, allow_unicode=True))
    return p


def child_fixed(a: argparse.Namespace) -> dict[str, Any]:
    import bench_rebalance

    from segment_lib import demo
    from segment_lib.rebalance import inputs_from_dataset, propose_split, recluster_unconstrained

    st: dict[str, Any] = {}
    res: dict[str, Any] = {"stages": st}

    def attempt(name: str, fn) -> None:
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - a failing stage is recorded, the others still run
            st[name] = {"error": f"{type(e).__name__}: {str(e)[:300]}"}

    def opt_provinces() -> None:
        d = demo.generate(n_customers=a.pipeline_customers, seed=7)
        ds = d.dataset
        tiers = d.truth.set_index("customer_id")["true_tier"]  # the planted tiers
        with Stage("opt_provinces") as s:
            inp = inputs_from_dataset(ds, tiers, extra_edges=[("HI", "GD")])  # as 02/03 notebooks
            prop = propose_split(**inp.split_kwargs(), tolerance=0.10, time_limit=20, seed=0)
        s.info.update(units=len(inp.geo_units), solver=prop.solver, feasible=bool(prop.feasible),
                      balance_after=round(float(prop.metrics.get("balance_after", float("nan"))), 4))
        t0 = time.perf_counter()
        recluster_unconstrained(inp.geo_units, inp.unit_load, inp.current, seed=0)
        s.info.update(baseline_s=round(time.perf_counter() - t0, 3),
                      baseline="rebalance.recluster_unconstrained (KMeans on coordinates, no constraints)")
        st["opt_provinces"] = s.as_dict()

    def opt_grid() -> None:
        gu, load, cur, cap = bench_rebalance.make_grid()
        with Stage("opt_grid_3000") as s:
            prop = propose_split(gu, load, cur, cap, tolerance=0.10, time_limit=40, seed=0)
        s.info.update(units=len(gu), solver=prop.solver, feasible=bool(prop.feasible),
                      balance_after=round(float(prop.metrics.get("balance_after", float("nan"))), 4))
        t0 = time.perf_counter()
        recluster_unconstrained(gu, load, cur, seed=0)
        s.info.update(baseline_s=round(time.perf_counter() - t0, 3),
                      baseline="rebalance.recluster_unconstrained (KMeans on coordinates, no constraints)")
        st["opt_grid_3000"] = s.as_dict()

    def kernel_start() -> None:
        from jupyter_client.manager import start_new_kernel

        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            km, kc = start_new_kernel(kernel_name="python3")
            times.append(time.perf_counter() - t0)
            kc.stop_channels()
            km.shutdown_kernel(now=True)
        st["kernel_start"] = {"seconds": round(float(np.median(times)), 3), "all_s": [round(t, 3) for t in times],
                              "note": "jupyter_client start_new_kernel until ready (median of 3)"}

    tmp = Path(tempfile.mkdtemp(prefix="segbench-fixed-", dir=a.workdir))
    try:
        attempt("opt_provinces", opt_provinces)
        attempt("opt_grid_3000", opt_grid)
        attempt("kernel_start", kernel_start)
        if not a.skip_pipeline:
            cfg_path = _demo_config(tmp, a.pipeline_customers)

            def html_and_pipeline() -> None:
                import nbformat
                import papermill as pm
                from nbconvert import HTMLExporter

                from segment_lib import runner

                nb_dir = common.ROOT / "notebooks"
                names = sorted(p.stem for p in nb_dir.glob("[0-9][0-9]_*.ipynb"))
                with Stage("pipeline") as s:
                    out = runner.run_reports(cfg_path, run_name="bench", reports_dir=tmp / "reports")
                s.info.update(notebooks=names, customers=a.pipeline_customers, output=str(out.name))
                # baseline: papermill + plain nbconvert, same notebooks and parameters
                t0 = time.perf_counter()
                executed = {}
                for name in names:
                    params = {"config_path": str(cfg_path), "metrics_path": None}
                    executed[name] = pm.execute_notebook(str(nb_dir / f"{name}.ipynb"), str(tmp / f"b_{name}.ipynb"),
                                                         parameters=params, kernel_name="python3", progress_bar=False,
                                                         cwd=str(nb_dir))
                    HTMLExporter().from_notebook_node(executed[name])
                s.info.update(baseline_s=round(time.perf_counter() - t0, 2),
                              baseline="papermill.execute_notebook + nbconvert HTMLExporter per notebook")
                st["pipeline"] = s.as_dict()
                # HTML export of one executed notebook
                name = "02_regions" if "02_regions" in names else names[-1]
                nb = nbformat.read(tmp / f"b_{name}.ipynb", as_version=4)
                with Stage("html_export") as h:
                    runner.export_html(nb, name, "bench", "")
                t0 = time.perf_counter()
                HTMLExporter().from_notebook_node(nb)
                h.info.update(notebook=name, baseline_s=round(time.perf_counter() - t0, 3),
                              baseline="nbconvert HTMLExporter() defaults (code shown, CDN assets)")
                st["html_export"] = h.as_dict()

            attempt("pipeline", html_and_pipeline)

        if not a.skip_demo_reports:
            def demo_reports() -> None:
                """The demo report set (``segment-lib run``, 20k customers) against 4 empty-notebook papermill
                runs, both as whole processes in alternation (A B A B, 3 pairs; target: within 2.5x).
                Separate processes: after a run in this process, the next papermill run here waits
                seconds for a kernel to stop (jupyter_client state), which would inflate the floor."""
                import resource
                import subprocess

                cfg20 = _demo_config(tmp / "demo20k", a.demo_customers)
                cmds = {"pipeline_demo": [sys.executable, "-m", "segment_lib.cli", "run", "--config", str(cfg20)],
                        "empty_notebooks": [sys.executable, str(common.BENCH / "empty_notebooks.py")]}
                runs: dict[str, list[tuple[float, float]]] = {k: [] for k in cmds}
                subprocess.run(cmds["pipeline_demo"], capture_output=True, check=True, cwd=common.ROOT)  # warm-up
                for _ in range(5):
                    for k, cmd in cmds.items():
                        c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                        t0 = time.perf_counter()
                        subprocess.run(cmd, capture_output=True, check=True, cwd=common.ROOT)
                        c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                        runs[k].append((time.perf_counter() - t0,
                                        c1.ru_utime + c1.ru_stime - c0.ru_utime - c0.ru_stime))
                med = {k: (float(np.median([r[0] for r in v])), float(np.median([r[1] for r in v])))
                       for k, v in runs.items()}
                pair = [x[0] / y[0] for x, y in zip(runs["pipeline_demo"], runs["empty_notebooks"])]
                # papermill now and then waits ~3.4 s for one kernel to exit (nbclient's cleanup), which
                # inflates a floor run; the ratio to the fastest floor run is the conservative one
                fastest = min(r[0] for r in runs["empty_notebooks"])
                st["empty_notebooks"] = {"seconds": round(med["empty_notebooks"][0], 2),
                                         "cpu_seconds": round(med["empty_notebooks"][1], 2),
                                         "all_s": [round(r[0], 2) for r in runs["empty_notebooks"]],
                                         "note": "papermill, 4 empty notebooks one after another, a whole process, "
                                                 "median of 3 runs alternating with the demo report set"}
                st["pipeline_demo"] = {"seconds": round(med["pipeline_demo"][0], 2),
                                       "cpu_seconds": round(med["pipeline_demo"][1], 2),
                                       "all_s": [round(r[0], 2) for r in runs["pipeline_demo"]],
                                       "customers": a.demo_customers,
                                       "times_floor": round(float(np.median(pair)), 2),
                                       "times_fastest_floor": round(med["pipeline_demo"][0] / fastest, 2),
                                       "times_floor_pairs": [round(x, 2) for x in pair],
                                       "floor": "empty_notebooks (same run, median of the pair ratios)",
                                       "note": "segment-lib run --config <20k demo>, a whole process (all four "
                                               "reports, take-away files, index), median of 3"}

            attempt("pipeline_demo", demo_reports)
        for v in st.values():
            if "seconds" in v:
                v["ratio"] = ratio(v.get("baseline_s"), v.get("seconds"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return res


# ------------------------------------------------------------------------------------------------
# parent: orchestration, table, plot
# ------------------------------------------------------------------------------------------------
def _fmt(v: Any, nd: int = 2) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return "-"
    if isinstance(v, float):
        return f"{v:,.{nd}f}"
    return f"{v:,}" if isinstance(v, int) else str(v)


def table(results: dict) -> str:
    rows = []
    for r in results["sizes"]:
        if "error" in r:
            rows.append(f"{fmt_size(r['n_customers']):>6}  ERROR {r['error'][:100]}")
            continue
        for k in SIZE_STAGES:
            v = r["stages"].get(k)
            if not v:
                continue
            rows.append(f"{fmt_size(r['n_customers']):>6}  {k:<18} {_fmt(v['seconds']):>9} {_fmt(v.get('baseline_s')):>10} "
                        f"{_fmt(v.get('ratio'), 1):>8} {_fmt(v['peak_rss_mb'], 0):>9}")
        rows.append(f"{fmt_size(r['n_customers']):>6}  {'features->regions':<18} {_fmt(r['features_to_regions_s']):>9} "
                    f"{'':>10} {'':>8} {_fmt(r['features_to_regions_peak_rss_mb'], 0):>9}")
        if r.get("times_floor") is not None:  # load -> regions against the same-run floor (target <= 8)
            peak = max(r["stages"][k]["peak_rss_mb"] for k in ("load", "features", "tiering", "regions"))
            rows.append(f"{fmt_size(r['n_customers']):>6}  {'load->regions':<18} {_fmt(r['load_to_regions_s']):>9} "
                        f"{_fmt(r['stages']['floor']['seconds']):>10} {_fmt(r['times_floor'], 1):>8} "
                        f"{_fmt(peak, 0):>9}   (baseline = floor; CPU-time ratio {r.get('times_floor_cpu')})")
    oc = results.get("out_of_core")
    if oc and "error" not in oc:
        for k, v in oc["stages"].items():
            rows.append(f"{fmt_size(oc['n_customers']):>6}  {k + ' (ooc)':<18} {_fmt(v['seconds']):>9} {'':>10} "
                        f"{'':>8} {_fmt(v['peak_rss_mb'], 0):>9}")
    for k in FIXED_STAGES:
        v = results.get("fixed", {}).get("stages", {}).get(k)
        if v is None:
            continue
        if "error" in v:
            rows.append(f"{'once':>6}  {k:<18} ERROR {v['error'][:90]}")
            continue
        if k == "pipeline_demo" and v.get("times_floor") is not None:  # (baseline = the empty notebooks)
            empty = results["fixed"]["stages"].get("empty_notebooks", {}).get("seconds")
            rows.append(f"{'once':>6}  {k:<18} {_fmt(v['seconds']):>9} {_fmt(empty):>10} "
                        f"{_fmt(v['times_floor'], 1):>8} {'':>9}   (x empty notebooks, median of the pairs; "
                        f"{_fmt(v.get('times_fastest_floor'), 2)}x the fastest floor run; target <= 2.5)")
            continue
        rows.append(f"{'once':>6}  {k:<18} {_fmt(v['seconds']):>9} {_fmt(v.get('baseline_s')):>10} "
                    f"{_fmt(v.get('ratio'), 1):>8} {_fmt(v.get('peak_rss_mb'), 0):>9}")
    head = f"{'size':>6}  {'stage':<18} {'seconds':>9} {'baseline':>10} {'ratio':>8} {'peak MB':>9}"
    ex = results.get("exponents", {})
    tail = ["", "fitted exponents (log time / log customers): "
            + ", ".join(f"{k} {v['time']}" for k, v in ex.items() if v.get("time") is not None),
            "fitted exponents (log peak memory / log customers): "
            + ", ".join(f"{k} {v['memory']}" for k, v in ex.items() if v.get("memory") is not None)]
    return "\n".join([head, "-" * len(head), *rows, *tail])


def exponents(results: dict) -> dict:
    ok = [r for r in results["sizes"] if "error" not in r]
    out = {}
    for k in SIZE_STAGES + ["features_to_regions"]:
        xs, ts, ms = [], [], []
        for r in ok:
            if k == "features_to_regions":
                xs.append(r["n_customers"]); ts.append(r["features_to_regions_s"])
                ms.append(r["features_to_regions_peak_rss_mb"])
            elif k in r["stages"]:
                xs.append(r["n_customers"]); ts.append(r["stages"][k]["seconds"]); ms.append(r["stages"][k]["peak_rss_mb"])
        big = [i for i, x in enumerate(xs) if x >= 100_000]  # small sizes are dominated by fixed costs
        out[k] = {"time": fit_exponent(xs, ts), "memory": fit_exponent(xs, ms),
                  "time_100k_up": fit_exponent([xs[i] for i in big], [ts[i] for i in big]) if len(big) >= 2 else None}
    return out


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ok = [r for r in results["sizes"] if "error" not in r]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8))
    ex = results["exponents"]
    for k in SIZE_STAGES + ["features_to_regions"]:
        pts = [(r["n_customers"], r["features_to_regions_s"] if k == "features_to_regions" else r["stages"][k]["seconds"],
                r["features_to_regions_peak_rss_mb"] if k == "features_to_regions" else r["stages"][k]["peak_rss_mb"])
               for r in ok if k == "features_to_regions" or k in r["stages"]]
        if not pts:
            continue
        x, t, m = zip(*pts)
        style = dict(marker="o", lw=2.5 if k == "features_to_regions" else 1.2)
        axes[0].plot(x, t, label=f"{k} (exp {ex[k]['time']})", **style)
        axes[1].plot(x, m, label=f"{k} (exp {ex[k]['memory']})", **style)
    xs = [r["n_customers"] for r in ok]
    if len(xs) >= 2:
        lo, hi = min(xs), max(xs)
        ref_t = [r["features_to_regions_s"] for r in ok if r["n_customers"] == lo][0]
        axes[0].plot([lo, hi], [ref_t, ref_t * hi / lo], "k:", lw=1, label="linear reference")
    axes[0].axhline(60, color="red", ls="--", lw=0.8)
    axes[1].axhline(6 * 1024, color="red", ls="--", lw=0.8)
    for ax, yl, title in ((axes[0], "seconds", "Time per stage"), (axes[1], "peak RSS (MB)", "Peak memory per stage")):
        ax.set_xscale("log"); ax.set_yscale("log"); ax.set_xlabel("customers (~10 transactions each)")
        ax.set_ylabel(yl); ax.set_title(title); ax.grid(True, which="both", alpha=0.3); ax.legend(fontsize=7)
    m = results["machine"]
    fig.suptitle(f"segment_lib scaling - {m['cores_logical']} cores, {m['memory_gb']} GB, Python {m['python']} "
                 "(red: 60 s / 6 GB targets)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10k,100k,1M", help="comma-separated customer counts (10k, 1M, ...)")
    ap.add_argument("--include-10m", action="store_true", help="add 10M customers when memory allows (>= 20 GB free)")
    ap.add_argument("--tx-per-customer", type=float, default=10.0)
    ap.add_argument("--interactions-per-customer", type=float, default=2.0)
    ap.add_argument("--baseline-customers", type=int, default=10_000)
    ap.add_argument("--naive-boot", type=int, default=3)
    ap.add_argument("--dask-max-size", type=parse_size, default=100_000)
    ap.add_argument("--duckdb-memory-limit", default="2GB")
    ap.add_argument("--pipeline-customers", type=parse_size, default=10_000)
    ap.add_argument("--skip-baselines", action="store_true")
    ap.add_argument("--skip-demo-reports", action="store_true", help="skip the 20k demo report set vs empty notebooks")
    ap.add_argument("--demo-customers", type=parse_size, default=20_000)
    ap.add_argument("--rfm-max-size", type=parse_size, default=1_000_000,
                    help="largest size at which the RFM stage (vs bench/rfm_baseline.py) runs")
    ap.add_argument("--skip-pipeline", action="store_true")
    ap.add_argument("--skip-fixed", action="store_true", help="skip optimisation / kernel / HTML / pipeline stages")
    ap.add_argument("--profile-size", type=parse_size, default=None,
                    help="only profile features->regions at this size with pyinstrument (bench/profile_<size>.txt/.html)")
    ap.add_argument("--workdir", default=None, help="where generated Parquet goes (default: system temp)")
    ap.add_argument("--out", default=str(common.BENCH / "results.json"))
    ap.add_argument("--plot", default=str(common.BENCH / "scaling.png"))
    ap.add_argument("--child-size", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--child-generate", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--gen-dir", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--child-fixed", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--child-ooc", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--profile", default=None, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)

    if a.child_generate:
        print(json.dumps(child_generate(a), default=str))
        return {}
    if a.child_size:
        print(json.dumps(child_size(a), default=str))
        return {}
    if a.child_ooc:
        print(json.dumps(child_ooc(a), default=str))
        return {}
    if a.child_fixed:
        print(json.dumps(child_fixed(a), default=str))
        return {}

    passthrough = ["--tx-per-customer", str(a.tx_per_customer), "--interactions-per-customer",
                   str(a.interactions_per_customer), "--baseline-customers", str(a.baseline_customers),
                   "--naive-boot", str(a.naive_boot), "--dask-max-size", str(a.dask_max_size),
                   "--duckdb-memory-limit", a.duckdb_memory_limit, "--pipeline-customers", str(a.pipeline_customers),
                   "--rfm-max-size", str(a.rfm_max_size)]
    if a.workdir:
        Path(a.workdir).mkdir(parents=True, exist_ok=True)
        passthrough += ["--workdir", a.workdir]
    if a.skip_baselines:
        passthrough.append("--skip-baselines")
    if a.skip_pipeline:
        passthrough.append("--skip-pipeline")
    if a.skip_demo_reports:
        passthrough.append("--skip-demo-reports")
    passthrough += ["--demo-customers", str(a.demo_customers)]
    me = str(Path(__file__).resolve())

    if a.profile_size:
        prof = common.BENCH / f"profile_{fmt_size(a.profile_size)}"
        r, peak = common.run_child([me, "--child-size", str(a.profile_size), "--profile", str(prof),
                                    "--skip-baselines", "--dask-max-size", "0", *passthrough])
        print(prof.with_suffix(".txt").read_text())
        print(f"features->regions {r['features_to_regions_s']} s; profile in {prof}.txt / .html")
        return r

    import psutil

    sizes = sorted({parse_size(s) for s in a.sizes.split(",") if s.strip()})
    ooc_sizes = []
    if a.include_10m:
        # the full in-memory 1M run peaks at ~5.5 GB (data generation + baselines): 10M needs ~55 GB
        if psutil.virtual_memory().available >= 60 * 2**30:
            sizes.append(10_000_000)
        elif psutil.virtual_memory().available >= 12 * 2**30:
            ooc_sizes.append(10_000_000)
            print("10M: not enough memory for the in-memory stages; running the out-of-core features "
                  "(DuckDB on chunked Parquet) and tiering only", flush=True)
        else:
            print("skipping 10M: less than 12 GB of memory available", flush=True)
    results: dict[str, Any] = {"machine": common.machine(), "started": time.strftime("%Y-%m-%d %H:%M:%S"),
                               "settings": {k: v for k, v in vars(a).items() if not k.startswith("child")},
                               "memory_method": "stage peak: psutil RSS sampled every 20 ms (includes data held); "
                                                "child_peak_rss_mb: getrusage(RUSAGE_CHILDREN).ru_maxrss",
                               "sizes": []}
    t_all = time.perf_counter()
    def child(flag: str, n: int) -> dict:
        """One size in its own process (sizes share no memory); errors are recorded, not raised."""
        t0 = time.perf_counter()
        try:
            r, peak = common.run_child([me, flag, str(n), *passthrough])
            r["child_peak_rss_mb"] = round(peak)
        except Exception as e:  # noqa: BLE001
            r = {"n_customers": n, "error": str(e)[-2000:]}
        r["wall_s"] = round(time.perf_counter() - t0, 1)
        return r

    for n in sizes:
        print(f"size {fmt_size(n)} ...", flush=True)
        r = child("--child-size", n)
        results["sizes"].append(r)
        print(f"  done in {r['wall_s']} s" + (f" (features->regions {r.get('features_to_regions_s')} s)"
                                             if "error" not in r else f" ERROR {r['error'][-300:]}"), flush=True)
    for n in ooc_sizes:
        print(f"size {fmt_size(n)} out-of-core ...", flush=True)
        r = child("--child-ooc", n)
        results["out_of_core"] = r
        print(f"  done in {r['wall_s']} s", flush=True)
    if not a.skip_fixed:
        print("size-independent stages (optimisation, kernel start, HTML, pipeline) ...", flush=True)
        try:
            results["fixed"], _ = common.run_child([me, "--child-fixed", *passthrough])
        except Exception as e:  # noqa: BLE001
            results["fixed"] = {"error": str(e)[-2000:], "stages": {}}
    results["exponents"] = exponents(results)
    results["total_wall_s"] = round(time.perf_counter() - t_all, 1)
    targets = [r for r in results["sizes"] if r.get("n_customers") == 1_000_000 and "error" not in r]
    if targets:
        r = targets[0]
        results["target_1m"] = {"features_to_regions_s": r["features_to_regions_s"], "limit_s": 60,
                                "peak_rss_mb": r["features_to_regions_peak_rss_mb"], "limit_mb": 6144,
                                "met": r["features_to_regions_s"] < 60 and r["features_to_regions_peak_rss_mb"] < 6144}
    Path(a.out).write_text(json.dumps(results, indent=2, default=str))
    print()
    print(table(results))
    try:
        plot(results, Path(a.plot))
        print(f"\nwrote {a.out} and {a.plot} in {results['total_wall_s']} s")
    except Exception as e:  # noqa: BLE001
        print(f"\nwrote {a.out}; plot failed: {e}")
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
