"""Engines: DuckDB on Parquet (out-of-core) and Dask give exactly the single-machine results."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal
from sklearn.metrics import adjusted_rand_score

from segment_lib import demo, engines
from segment_lib.errors import ConfigError, ModelInputError
from segment_lib.features import customer_features
from segment_lib.tiering import TierModel


@pytest.fixture(scope="module")
def data():
    return demo.generate(n_customers=8000, seed=11)


@pytest.fixture(scope="module")
def ref(data):
    return customer_features(data.dataset)


@pytest.fixture(scope="module")
def parquet_dir(data, tmp_path_factory):
    d = tmp_path_factory.mktemp("pq")
    ds = data.dataset
    ds.customers.to_parquet(d / "customers.parquet", index=False)
    ds.interactions.to_parquet(d / "interactions.parquet", index=False)
    tx = ds.transactions
    (d / "tx").mkdir()
    half = len(tx) // 2  # a directory of several files, as a partitioned export would be
    tx.iloc[:half].to_parquet(d / "tx" / "part-0.parquet", index=False)
    tx.iloc[half:].to_parquet(d / "tx" / "part-1.parquet", index=False)
    return d


@pytest.fixture(scope="module")
def client():
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None)
    c = Client(cluster, set_as_default=False)
    yield c
    c.close()
    cluster.close()


# --- engine specification -----------------------------------------------------------------------
def test_parse_engine():
    assert engines.parse_engine(None).name == "pandas"
    assert engines.parse_engine("duckdb-parquet").name == "parquet"
    s = engines.parse_engine({"name": "dask", "address": "tcp://10.0.0.1:8786", "npartitions": 8})
    assert (s.name, s.address, s.npartitions) == ("dask", "tcp://10.0.0.1:8786", 8)
    with pytest.raises(ConfigError, match="unknown engine"):
        engines.parse_engine("spark")
    with pytest.raises(ConfigError, match="adress"):
        engines.parse_engine({"name": "dask", "adress": "tcp://x"})


# --- out-of-core ---------------------------------------------------------------------------------
def test_parquet_equals_pandas(ref, parquet_dir, data, tmp_path):
    out = engines.parquet_features(parquet_dir / "tx", parquet_dir / "customers.parquet",
                                   parquet_dir / "interactions.parquet", as_of=data.dataset.as_of,
                                   memory_limit="200MB", temp_directory=tmp_path, threads=2)
    assert_frame_equal(ref, out)


def test_parquet_equals_pandas_other_window_and_glob(data, parquet_dir):
    ds = data.dataset
    as_of = pd.Timestamp("2025-06-30")
    exp = customer_features(ds, as_of=as_of, lookback_days=90)
    out = engines.compute_features(
        {"transactions": str(parquet_dir / "tx" / "*.parquet"), "customers": ds.customers,
         "interactions": parquet_dir / "interactions.parquet"},
        as_of=as_of, lookback_days=90, engine={"name": "parquet", "memory_limit": "300MB"})
    assert_frame_equal(exp, out)


def test_parquet_without_customers_and_as_of(data, parquet_dir):
    tx = data.dataset.transactions
    exp = customer_features({"transactions": tx})
    out = engines.parquet_features(parquet_dir / "tx")
    assert_frame_equal(exp, out)


def test_parquet_nan_amounts(tmp_path):
    tx = pd.DataFrame({"customer_id": ["A", "B", "B"], "date": pd.to_datetime(["2025-01-01"] * 3),
                       "amount": [10.0, np.nan, 5.0]})
    tx.to_parquet(tmp_path / "t.parquet")
    with pytest.raises(ModelInputError, match="1 transaction"):
        engines.parquet_features(tmp_path / "t.parquet")
    out = engines.parquet_features(tmp_path / "t.parquet", nan_amounts="drop")
    assert_frame_equal(out, customer_features({"transactions": tx}, nan_amounts="drop"))


def test_parquet_missing_file(tmp_path):
    with pytest.raises(ModelInputError, match="not found"):
        engines.parquet_features(tmp_path / "nope.parquet")


# --- dask -----------------------------------------------------------------------------------------
def test_partition_of_is_stable():
    ids = pd.Series(["C1", "C2", "C3", "C1"], dtype="string")
    p = engines.partition_of(ids, 7)
    assert p[0] == p[3] and ((0 <= p) & (p < 7)).all()
    assert (engines.partition_of(ids.astype(object), 7) == p).all()


def test_dask_features_equal_pandas(ref, data, client):
    out = engines.dask_customer_features(data.dataset, client=client, npartitions=5)
    assert_frame_equal(ref, out)
    assert out.attrs["lookback_days"] == 365


def test_dask_features_from_parquet_and_other_window(data, parquet_dir, client):
    ds = data.dataset
    as_of = pd.Timestamp("2025-06-30")
    exp = customer_features(ds, as_of=as_of, lookback_days=120)
    out = engines.dask_customer_features(
        {"customers": ds.customers, "transactions": str(parquet_dir / "tx"),
         "interactions": parquet_dir / "interactions.parquet"},
        as_of, 120, client=client, npartitions=3)
    assert_frame_equal(exp, out)


def test_dask_tiers_equal_single_machine_and_close_to_full_fit(ref, client):
    model, tiers = engines.dask_assign_tiers(ref, client=client, sample_size=4000, random_state=0,
                                             n_tiers="auto")
    # same model predicted on one machine -> identical tiers
    assert (tiers["tier"].to_numpy() == model.predict(ref)).all()
    assert tiers["customer_id"].equals(ref["customer_id"])
    assert set(tiers["tier_label"]) <= set(model.tier_names_)
    # fitted on a half sample vs fitted on everything
    full = TierModel(random_state=0, n_tiers="auto").fit(ref)
    assert model.n_tiers_ == full.n_tiers_
    assert adjusted_rand_score(full.labels_, tiers["tier"]) >= 0.98


def test_dask_end_to_end_lazy_features(data, ref, client):
    lazy = engines.dask_customer_features(data.dataset, client=client, npartitions=4, compute=False)
    model = TierModel(random_state=0, n_tiers=4).fit(ref)
    _, tiers = engines.dask_assign_tiers(lazy, model, client=client)
    assert (tiers["tier"].to_numpy() == model.predict(ref)).all()
    assert tiers["customer_id"].equals(ref["customer_id"])


def test_compute_features_dask_engine(data, ref, client):
    out = engines.compute_features(data.dataset, engine={"name": "dask", "npartitions": 2}, client=client)
    assert_frame_equal(ref, out)


def test_fit_tiers_one_machine_and_dask(ref, client):
    one = engines.fit_tiers(ref, "pandas", n_tiers=4, random_state=0)
    assert (one.labels_ == TierModel(n_tiers=4, random_state=0).fit(ref).labels_).all()
    dk = engines.fit_tiers(ref, {"name": "dask", "sample_size": 4000}, client=client, n_tiers=4, random_state=0)
    assert dk.fit_sample_size_ == 4000 and len(dk.labels_) == len(ref)
    assert (dk.labels_ == dk.predict(ref)).all()
    assert dk.tiers_["customer_id"].equals(ref["customer_id"])
    assert adjusted_rand_score(one.labels_, dk.labels_) >= 0.98
    # rfm needs quantiles over everyone: fitted on all rows even with the dask engine
    rfm = engines.fit_tiers(ref, "dask", client=client, method="rfm")
    assert (rfm.labels_ == TierModel(method="rfm").fit(ref).labels_).all()


def test_fit_tiers_dask_with_positional_and_id_y(data, ref, client):
    from segment_lib.features import next_period_revenue

    y = next_period_revenue(data.dataset, pd.Timestamp("2025-09-30"))  # id-indexed
    a = engines.fit_tiers(ref, {"name": "dask", "sample_size": 3000}, client=client, n_tiers="auto",
                          random_state=0, k_range=(2, 5), y=y)
    b = engines.fit_tiers(ref, {"name": "dask", "sample_size": 3000}, client=client, n_tiers="auto",
                          random_state=0, k_range=(2, 5), y=y.reindex(ref["customer_id"]).to_numpy())
    assert "revenue_spearman" in a.k_scores_.columns
    pd.testing.assert_frame_equal(a.k_scores_, b.k_scores_)


def test_existing_cluster_by_address(data, ref, client):
    """config params.engine {name: dask, address: ...} connects to a running scheduler."""
    addr = client.scheduler.address
    out = customer_features(data.dataset, engine={"name": "dask", "address": addr, "npartitions": 3})
    assert_frame_equal(ref, out)
    c2 = engines.get_client({"name": "dask", "address": addr})
    assert c2.scheduler.address == addr
    engines.close_clients()  # closes our connection only; the cluster keeps running
    assert client.status == "running"
    assert client.submit(lambda: 1).result() == 1


def test_parquet_engine_from_config(tmp_path):
    from segment_lib.demo import write_demo
    from segment_lib.io import load_dataset

    write_demo(tmp_path / "demo", n_customers=1500, seed=5)
    cfg = tmp_path / "c.yaml"
    cfg.write_text("run_name: t\nas_of: 2025-12-31\ncurrent_split: traditional\ndata:\n  dir: demo\n  sources:\n"
                   + "".join(f"    {t}: {{path: {t}.parquet}}\n" for t in
                             ("customers", "transactions", "interactions", "surveys", "reps", "geo_units",
                              "splits", "ownership")))
    exp = customer_features(load_dataset(cfg))
    out = customer_features(str(cfg), engine="parquet")
    assert_frame_equal(exp, out)


def test_dask_customers_from_parquet_and_empty_partitions(tmp_path, client):
    d = demo.generate(n_customers=300, seed=2).dataset
    d.customers.to_parquet(tmp_path / "c.parquet", index=False)
    exp = customer_features(d)
    out = engines.dask_customer_features(
        {"customers": str(tmp_path / "c.parquet"), "transactions": d.transactions, "interactions": d.interactions,
         "as_of": d.as_of}, client=client, npartitions=40)
    assert_frame_equal(exp, out)


# --- notebooks against a Dask cluster (issue 7) ---------------------------------------------------
def test_tiering_notebook_on_dask_equals_pandas(tmp_path):
    """notebooks/01_tiering.ipynb runs unchanged with ``engine`` = a Dask mapping and records the same
    headline metrics as the single-machine (pandas) run."""
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
                                        "engine": engine},
                            kernel_name="python3", cwd=str(root / "notebooks"), progress_bar=False)
        return json.loads(metrics.read_text(encoding="utf-8"))

    try:
        ref_m = run("pandas", "pandas")
        dask_m = run("dask", {"name": "dask", "processes": False, "n_workers": 1})
    finally:
        engines.close_clients()  # the notebook's in-process LocalCluster ends with its kernel
    assert ref_m["tiering_chosen_k"] == 4
    assert set(dask_m) == set(ref_m)
    for key, v in ref_m.items():
        if isinstance(v, float):
            assert dask_m[key] == pytest.approx(v, rel=1e-9, abs=1e-12), key
        else:
            assert dask_m[key] == v, key
    executed = (tmp_path / "01_dask.ipynb").read_text(encoding="utf-8")
    assert "'name': 'dask'" in executed or '\\"name\\": \\"dask\\"' in executed  # the parameter reached the kernel


def test_parquet_engine_on_loaded_dataset_equals_pandas(data, ref):
    """params.engine 'parquet' with a Dataset already in memory (the notebooks) runs DuckDB on the frames."""
    assert_frame_equal(ref, customer_features(data.dataset, engine={"name": "parquet", "memory_limit": "1GB"}))


def test_tiers_for_report_engine(data, client):
    from segment_lib import regions

    params = {"method": "kmeans", "n_tiers": "auto"}
    t0, how0 = regions.tiers_for_report(data.dataset, params, random_state=0)
    t1, how1 = regions.tiers_for_report(data.dataset, params, random_state=0,
                                        engine={"name": "dask", "address": client.scheduler.address})
    t2, _ = regions.tiers_for_report(data.dataset, params, random_state=0, engine="duckdb")
    engines.close_clients()
    assert how0.startswith("TierModel") and how1 == how0
    pd.testing.assert_series_equal(t0, t1)
    pd.testing.assert_series_equal(t0, t2)
