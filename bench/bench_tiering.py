"""Benchmark: customer features + tiering for N customers / 10 N transactions.

    .venv/bin/python bench/bench_tiering.py                      # 1,000,000 customers, 10,000,000 transactions
    .venv/bin/python bench/bench_tiering.py --n-customers 100000 # smaller
    .venv/bin/python bench/bench_tiering.py --engine duckdb
    .venv/bin/python bench/bench_tiering.py --n-customers 235000 --clv   # also time the CLV model

Transactions are generated directly with NumPy (four planted tiers with different rates and order
values, 2 % returns, a dormant share that stopped buying) -- the demo generator is not needed for
10 M rows.  ``customer_id`` in transactions is dictionary-encoded (a pandas Categorical over the
customer ids), as it arrives from Parquet; customers have string ids.

Reported: wall time of features and of tiering (k-means, n_tiers="auto", k in 2..8), peak resident
memory of the process (``resource.getrusage`` maxrss, includes the generated data), and the
ratio against a straightforward pandas implementation (``groupby(...).apply`` with one Python
function call per customer) measured in the same run on a seeded subsample of customers
(``--baseline-customers``, default 20,000) and extrapolated linearly to all customers -- running it
on 1 M customers would take many minutes.  The library is timed on that same subsample too,
so the subsample ratio is measured, not extrapolated.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time

import numpy as np
import pandas as pd

from segment_lib.features import customer_features
from segment_lib.tiering import TierModel

AS_OF = pd.Timestamp("2025-12-31")


def make_data(n_customers: int, tx_per_customer: float = 10.0, seed: int = 0):
    rng = np.random.default_rng(seed)
    n = n_customers
    ids = pd.array(np.char.add("C", np.char.zfill(np.arange(1, n + 1).astype(str), 8)), dtype="string")
    tier = rng.choice(4, size=n, p=[0.05, 0.15, 0.45, 0.35])
    rate = np.array([8.0, 4.0, 1.5, 1.0])[tier] * rng.gamma(10, 0.1, n)  # relative purchase weight
    value = np.array([10000.0, 2000.0, 400.0, 400.0])[tier] * rng.lognormal(0, 0.2, n)
    m = int(n * tx_per_customer)
    p = rate / rate.sum()
    code = rng.choice(n, size=m, p=p).astype(np.int32)
    days_back = rng.uniform(0, 3 * 365, m)
    dormant = tier[code] == 3
    days_back = np.where(dormant, 380 + rng.uniform(0, 700, m), days_back)
    date = (AS_OF.to_datetime64().astype("datetime64[D]") - days_back.astype(np.int64)).astype("datetime64[ns]")
    amount = np.round(value[code] * rng.lognormal(0, 0.3, m), 2)
    ret = rng.random(m) < 0.02
    amount = np.where(ret, -np.round(amount * rng.uniform(0.1, 1, m), 2), amount)
    created = (AS_OF.to_datetime64().astype("datetime64[D]")
               - rng.uniform(30, 2400, n).astype(np.int64)).astype("datetime64[ns]")
    customers = pd.DataFrame({"customer_id": ids, "created_at": created})
    tx = pd.DataFrame({
        "customer_id": pd.Categorical.from_codes(code, categories=pd.Index(ids)),
        "date": date,
        "amount": amount,
    })
    return customers, tx, tier


def baseline_features(customers: pd.DataFrame, tx: pd.DataFrame, as_of: pd.Timestamp,
                      lookback_days: int = 365) -> pd.DataFrame:
    """The straightforward pandas way: one Python function call per customer (groupby.apply)."""
    tx = tx[tx["date"] <= as_of].assign(customer_id=lambda d: d["customer_id"].astype(str))
    start = as_of - pd.Timedelta(days=lookback_days)
    half = as_of - pd.Timedelta(days=lookback_days // 2)

    def one(g: pd.DataFrame) -> pd.Series:
        pos = g[g["amount"] > 0]
        w = g[g["date"] > start]
        wp = w[w["amount"] > 0]
        last = pos["date"].max() if len(pos) else pd.NaT
        rec = wp[wp["date"] > half]["amount"].sum()
        prev = wp[wp["date"] <= half]["amount"].sum()
        return pd.Series({
            "recency_days": (as_of - last).days if len(pos) else np.nan,
            "frequency": len(wp),
            "monetary_total": w["amount"].sum(),
            "monetary_avg": w["amount"].sum() / len(wp) if len(wp) else 0.0,
            "trend": (rec - prev) / (rec + prev) if rec + prev > 0 else 0.0,
            "orders_lifetime": len(pos),
        })

    out = tx.groupby("customer_id").apply(one, include_groups=False)
    return out.reindex(customers["customer_id"].astype(str)).fillna({"frequency": 0, "monetary_total": 0.0})


def clv_timings(customers: pd.DataFrame, tx: pd.DataFrame) -> dict:
    """Wall time of the CLV model's steps: purchase summary, BG/NBD + Gamma–Gamma fit, prediction."""
    from segment_lib.features import purchase_summary
    from segment_lib.tiering import CLVModel

    t0 = time.perf_counter()
    s = purchase_summary({"customers": customers, "transactions": tx}, AS_OF)
    t_sum = time.perf_counter() - t0
    t0 = time.perf_counter()
    m = CLVModel().fit(s)
    t_fit = time.perf_counter() - t0
    t0 = time.perf_counter()
    m.predict(s)
    t_pred = time.perf_counter() - t0
    return {"clv_summary_s": round(t_sum, 2), "clv_fit_s": round(t_fit, 2), "clv_predict_s": round(t_pred, 2),
            "clv_buyers": int(s["days_since_first"].notna().sum())}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n-customers", type=int, default=1_000_000)
    ap.add_argument("--tx-per-customer", type=float, default=10.0)
    ap.add_argument("--engine", choices=["pandas", "duckdb"], default="pandas")
    ap.add_argument("--baseline-customers", type=int, default=20_000)
    ap.add_argument("--json", default=None, help="also write the results to this JSON file")
    ap.add_argument("--clv", action="store_true", help="also time the CLV model (purchase summary, fit, predict)")
    a = ap.parse_args(argv)

    t0 = time.perf_counter()
    customers, tx, tier = make_data(a.n_customers, a.tx_per_customer)
    t_gen = time.perf_counter() - t0
    rss_data = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    t0 = time.perf_counter()
    f = customer_features({"customers": customers, "transactions": tx}, AS_OF, engine=a.engine)
    t_feat = time.perf_counter() - t0
    t0 = time.perf_counter()
    model = TierModel(method="kmeans", n_tiers="auto", random_state=0).fit(f)
    t_tier = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    from sklearn.metrics import adjusted_rand_score
    ari = adjusted_rand_score(tier, model.labels_)

    # baseline vs library on the same seeded subsample of customers
    rs = np.random.RandomState(0)
    nb = min(a.baseline_customers, a.n_customers)
    pick = np.sort(rs.choice(a.n_customers, nb, replace=False))
    sub_c = customers.iloc[pick].reset_index(drop=True)
    codes = tx["customer_id"].cat.codes.to_numpy()
    mask = np.isin(codes, pick)
    sub_tx = tx.loc[mask].reset_index(drop=True)
    sub_tx["customer_id"] = sub_tx["customer_id"].astype(str).astype("string")
    t0 = time.perf_counter()
    base = baseline_features(sub_c, sub_tx, AS_OF)
    t_base_sub = time.perf_counter() - t0
    t0 = time.perf_counter()
    lib_sub = customer_features({"customers": sub_c, "transactions": sub_tx}, AS_OF, engine=a.engine)
    t_lib_sub = time.perf_counter() - t0
    same = np.allclose(base["monetary_total"].to_numpy(float), lib_sub["monetary_total"].to_numpy(float))
    same &= np.array_equal(base["frequency"].to_numpy(float), lib_sub["frequency"].to_numpy(float))

    res = {
        "n_customers": a.n_customers,
        "n_transactions": len(tx),
        "engine": a.engine,
        "generate_s": round(t_gen, 2),
        "features_s": round(t_feat, 2),
        "tiering_s": round(t_tier, 2),
        "features_plus_tiering_s": round(t_feat + t_tier, 2),
        "chosen_k": int(model.n_tiers_),
        "ari_vs_planted": round(float(ari), 3),
        "peak_rss_mb_after_data": round(rss_data),
        "peak_rss_mb": round(peak),
        "baseline_subsample_customers": nb,
        "baseline_subsample_transactions": int(mask.sum()),
        "baseline_groupby_apply_s": round(t_base_sub, 2),
        "library_features_same_subsample_s": round(t_lib_sub, 3),
        "speedup_features_on_subsample": round(t_base_sub / max(t_lib_sub, 1e-9), 1),
        "baseline_extrapolated_full_s": round(t_base_sub * a.n_customers / nb, 1),
        "speedup_features_full_vs_extrapolated_baseline": round(t_base_sub * a.n_customers / nb / t_feat, 1),
        "baseline_matches_library": bool(same),
    }
    if a.clv:
        res.update(clv_timings(customers, tx))
    print(json.dumps(res, indent=2))
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(res, fh, indent=2)
    return res


if __name__ == "__main__":
    main(sys.argv[1:])
