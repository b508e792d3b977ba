"""The Dask engine: features, tier assignment and tier fitting on a cluster give the single-machine results.

Moved out of ``tests/unit`` (they start LocalClusters; the notebook test runs papermill).  The one-machine
engines (pandas, DuckDB, Parquet) are tested in ``tests/unit/test_engines.py``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal
from sklearn.metrics import adjusted_rand_score

from segment_lib import demo
from segment_lib.errors import ModelInputError
from segment_lib.features import (
    assign_tiers,
    close_clients,
    customer_features,
    dask_customer_features,
    get_client,
)
from segment_lib.tiering import TierModel




@pytest.fixture(scope="module")
def client():
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None)
    c = Client(cluster, set_as_default=False)
    yield c
    c.close()
    cluster.close()


# --- features ----------------------------------------------------------------------------------------
def test_dask_features_equal_pandas(engine_ref, engine_data, client):
    out = dask_customer_features(engine_data.dataset, client=client, npartitions=5)
    assert_frame_equal(engine_ref, out)
    assert out.attrs["lookback_days"] == 365


def test_dask_features_from_parquet_and_other_window(engine_data, engine_parquet_dir, client):
    ds = engine_data.dataset
    as_of = pd.Timestamp("2025-06-30")
    exp = customer_features(ds, as_of=as_of, lookback_days=120)
    out = dask_customer_features(
        {"customers": ds.customers, "transactions": str(engine_parquet_dir / "tx"),
         "interactions": engine_parquet_dir / "interactions.parquet"},
        as_of, 120, client=client, npartitions=3)
    assert_frame_equal(exp, out)


def test_assign_tiers_equal_single_machine_and_sample_fit_close_to_full_fit(engine_ref, client):
    # a model fitted on a seeded half sample (what pipeline.fit_tiers does under Dask) ...
    sample = engine_ref.sample(n=4000, random_state=0).sort_index().reset_index(drop=True)
    model = TierModel(random_state=0, n_tiers="auto").fit(sample)
    tiers = assign_tiers(engine_ref, model, client)
    # ... predicted per partition on the cluster -> exactly model.predict on one machine
    assert list(tiers.columns) == ["customer_id", "tier", "tier_label"]
    assert (tiers["tier"].to_numpy() == model.predict(engine_ref)).all()
    assert tiers["customer_id"].equals(engine_ref["customer_id"])
    assert set(tiers["tier_label"]) <= set(model.tier_names_)
    # fitted on a half sample vs fitted on everything
    full = TierModel(random_state=0, n_tiers="auto").fit(engine_ref)
    assert model.n_tiers_ == full.n_tiers_
    assert adjusted_rand_score(full.labels_, tiers["tier"]) >= 0.98


def test_assign_tiers_is_duck_typed(engine_ref, client):
    """Only model.predict and model.tier_names_ are used: no dependency on segment_lib.tiering."""

    class ByFrequency:
        tier_names_ = ["buyer", "idle"]

        def predict(self, X):
            return np.where(X["frequency"].to_numpy() > 0, 0, 1)

    tiers = assign_tiers(engine_ref, ByFrequency(), client)
    assert (tiers["tier"].to_numpy() == np.where(engine_ref["frequency"] > 0, 0, 1)).all()
    assert (tiers["tier_label"] == np.where(engine_ref["frequency"] > 0, "buyer", "idle")).all()


def test_dask_end_to_end_lazy_features(engine_data, engine_ref, client):
    lazy = dask_customer_features(engine_data.dataset, client=client, npartitions=4, compute=False)
    model = TierModel(random_state=0, n_tiers=4).fit(engine_ref)
    tiers = assign_tiers(lazy, model, client)
    assert (tiers["tier"].to_numpy() == model.predict(engine_ref)).all()
    assert tiers["customer_id"].equals(engine_ref["customer_id"])


def test_customer_features_dask_engine(engine_data, engine_ref, client):
    out = customer_features(engine_data.dataset, engine={"name": "dask", "npartitions": 2}, client=client)
    assert_frame_equal(engine_ref, out)


def test_fit_tiers_one_machine_and_dask(engine_ref, client):
    from segment_lib.pipeline import fit_tiers

    one = fit_tiers(engine_ref, "pandas", n_tiers=4, random_state=0)
    assert (one.labels_ == TierModel(n_tiers=4, random_state=0).fit(engine_ref).labels_).all()
    dk = fit_tiers(engine_ref, {"name": "dask", "sample_size": 4000}, n_tiers=4, random_state=0)
    assert dk.fit_sample_size_ == 4000 and len(dk.labels_) == len(engine_ref)
    assert (dk.labels_ == dk.predict(engine_ref)).all()
    assert dk.tiers_["customer_id"].equals(engine_ref["customer_id"])
    assert adjusted_rand_score(one.labels_, dk.labels_) >= 0.98
    # rfm needs quantiles over everyone: fitted on all rows even with the dask engine
    rfm = fit_tiers(engine_ref, "dask", method="rfm")
    assert (rfm.labels_ == TierModel(method="rfm").fit(engine_ref).labels_).all()


def test_fit_tiers_dask_with_positional_and_id_y(engine_data, engine_ref, client):
    from segment_lib.features import next_period_revenue
    from segment_lib.pipeline import fit_tiers

    y = next_period_revenue(engine_data.dataset, pd.Timestamp("2025-09-30"))  # id-indexed
    a = fit_tiers(engine_ref, {"name": "dask", "sample_size": 3000}, n_tiers="auto",
                  random_state=0, k_range=(2, 5), y=y)
    b = fit_tiers(engine_ref, {"name": "dask", "sample_size": 3000}, n_tiers="auto",
                  random_state=0, k_range=(2, 5), y=y.reindex(engine_ref["customer_id"]).to_numpy())
    assert "revenue_spearman" in a.k_scores_.columns
    pd.testing.assert_frame_equal(a.k_scores_, b.k_scores_)


def test_existing_cluster_by_address(engine_data, engine_ref, client):
    """config params.engine {name: dask, address: ...} connects to a running scheduler."""
    addr = client.scheduler.address
    out = customer_features(engine_data.dataset, engine={"name": "dask", "address": addr, "npartitions": 3})
    assert_frame_equal(engine_ref, out)
    c2 = get_client({"name": "dask", "address": addr})
    assert c2.scheduler.address == addr
    close_clients()  # closes our connection only; the cluster keeps running
    assert client.status == "running"
    assert client.submit(lambda: 1).result() == 1


def test_dask_needs_the_analysis_date(engine_data, client):
    ds = engine_data.dataset
    with pytest.raises(ModelInputError, match="analysis date"):
        dask_customer_features({"customers": ds.customers, "transactions": ds.transactions}, client=client)


def test_dask_customers_from_parquet_and_empty_partitions(tmp_path, client):
    d = demo.generate(n_customers=300, seed=2).dataset
    d.customers.to_parquet(tmp_path / "c.parquet", index=False)
    exp = customer_features(d)
    out = dask_customer_features(
        {"customers": str(tmp_path / "c.parquet"), "transactions": d.transactions, "interactions": d.interactions,
         "as_of": d.as_of}, client=client, npartitions=40)
    assert_frame_equal(exp, out)


# --- notebooks against a Dask cluster (issue 7) ---------------------------------------------------
def test_tiering_notebook_on_dask_equals_pandas(tmp_path):
    """notebooks/01_tiering.ipynb runs unchanged with ``params = {"engine": <a Dask mapping>}`` and records
    the same headline metrics as the single-machine (pandas) run."""
    import json
    from pathlib import Path

    import papermill as pm
    import yaml

    from segment_lib.demo import write_demo

    root = Path(__file__).resolve().parents[2]
    write_demo(tmp_path / "demo", n_customers=1000, seed=7)
    cfg = yaml.safe_load((root / "config" / "demo.yaml").read_text(encoding="utf-8"))
    cfg["data"]["dir"] = str(tmp_path / "demo")
    cfg["reports"]["dir"] = str(tmp_path / "reports")
    cfg_path = tmp_path / "demo.yaml"
    cfg_path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")

    def run(name, engine):
        metrics = tmp_path / f"metrics_{name}.json"
        pm.execute_notebook(str(root / "notebooks" / "01_tiering.ipynb"), str(tmp_path / f"01_{name}.ipynb"),
                            parameters={"config_path": str(cfg_path), "metrics_path": str(metrics),
                                        "params": {"engine": engine}},
                            kernel_name="python3", cwd=str(root / "notebooks"), progress_bar=False)
        return json.loads(metrics.read_text(encoding="utf-8"))

    try:
        ref_m = run("pandas", "pandas")
        dask_m = run("dask", {"name": "dask", "processes": False, "n_workers": 1})
    finally:
        close_clients()  # the notebook's in-process LocalCluster ends with its kernel
    assert ref_m["tiering_chosen_k"] == 4
    assert set(dask_m) == set(ref_m)
    for key, v in ref_m.items():
        if isinstance(v, float):
            assert dask_m[key] == pytest.approx(v, rel=1e-9, abs=1e-12), key
        else:
            assert dask_m[key] == v, key
    executed = (tmp_path / "01_dask.ipynb").read_text(encoding="utf-8")
    assert "'name': 'dask'" in executed or '\\"name\\": \\"dask\\"' in executed  # the parameter reached the kernel


def test_run_tiers_same_on_every_engine(engine_data, client):
    """The run's tiers (pipeline.run_tiers) do not depend on where the features are computed."""
    from segment_lib.params import parse_params
    from segment_lib.pipeline import run_tiers

    ds = engine_data.dataset
    out = {}
    for name, engine in [("pandas", "pandas"), ("duckdb", "duckdb"),
                         ("dask", {"name": "dask", "address": client.scheduler.address})]:
        params = parse_params({"engine": engine, "tiering": {"method": "kmeans", "n_tiers": "auto"}})
        feats = customer_features(ds, engine=params.engine)
        out[name] = run_tiers(feats, params)
    close_clients()
    pd.testing.assert_series_equal(out["pandas"].labels, out["dask"].labels)
    pd.testing.assert_series_equal(out["pandas"].labels, out["duckdb"].labels)
    assert out["pandas"].fingerprint == out["dask"].fingerprint == out["duckdb"].fingerprint


def test_dask_counts_distinct_orders(client):
    """Order lines (order_id): frequency counts distinct orders on Dask as on pandas."""
    rs = np.random.RandomState(3)
    n = 400
    tx = pd.DataFrame({"customer_id": pd.array([f"C{i}" for i in rs.randint(0, 40, n)], dtype="string"),
                       "order_id": pd.array([f"O{i}" for i in rs.randint(0, 120, n)], dtype="string"),
                       "date": pd.Timestamp("2025-01-01") + pd.to_timedelta(rs.randint(0, 300, n), unit="D"),
                       "amount": rs.normal(50, 40, n)})
    customers = pd.DataFrame({"customer_id": pd.array(sorted(tx["customer_id"].unique()), dtype="string")})
    tables = {"customers": customers, "transactions": tx, "as_of": pd.Timestamp("2025-12-31")}
    want = customer_features(tables)
    got = customer_features(tables, engine="dask", client=client)
    assert (want["frequency"] < tx.groupby("customer_id").size().reindex(want["customer_id"]).to_numpy()).any()
    assert_frame_equal(got[want.columns], want, check_dtype=False)
