"""Engines on one machine: DuckDB on Parquet (out-of-core) gives exactly the pandas results.

The Dask engine is tested in ``tests/integration/test_dask_engines.py``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from segment_lib.errors import ConfigError, ModelInputError
from segment_lib.features import customer_features, parquet_features, partition_of
from segment_lib.params import parse_engine




# --- engine specification -----------------------------------------------------------------------
def test_parse_engine():
    assert parse_engine(None).name == "pandas"
    assert parse_engine("duckdb-parquet").name == "parquet"
    s = parse_engine({"name": "dask", "address": "tcp://10.0.0.1:8786", "npartitions": 8})
    assert (s.name, s.address, s.npartitions) == ("dask", "tcp://10.0.0.1:8786", 8)
    with pytest.raises(ConfigError, match="unknown engine"):
        parse_engine("spark")
    with pytest.raises(ConfigError, match="adress"):
        parse_engine({"name": "dask", "adress": "tcp://x"})


# --- out-of-core ---------------------------------------------------------------------------------
def test_parquet_equals_pandas(engine_ref, engine_parquet_dir, engine_data, tmp_path):
    out = parquet_features(engine_parquet_dir / "tx", engine_parquet_dir / "customers.parquet",
                                   engine_parquet_dir / "interactions.parquet", as_of=engine_data.dataset.as_of,
                                   memory_limit="200MB", temp_directory=tmp_path, threads=2)
    assert_frame_equal(engine_ref, out)


def test_parquet_equals_pandas_other_window_and_glob(engine_data, engine_parquet_dir):
    ds = engine_data.dataset
    as_of = pd.Timestamp("2025-06-30")
    exp = customer_features(ds, as_of=as_of, lookback_days=90)
    out = customer_features(
        {"transactions": str(engine_parquet_dir / "tx" / "*.parquet"), "customers": ds.customers,
         "interactions": engine_parquet_dir / "interactions.parquet"},
        as_of=as_of, lookback_days=90, engine={"name": "parquet", "memory_limit": "300MB"})
    assert_frame_equal(exp, out)


def test_parquet_without_customers(engine_data, engine_parquet_dir):
    tx = engine_data.dataset.transactions
    as_of = engine_data.dataset.as_of
    exp = customer_features({"transactions": tx}, as_of)
    out = parquet_features(engine_parquet_dir / "tx", as_of=as_of)
    assert_frame_equal(exp, out)


def test_as_of_is_never_guessed(engine_data, engine_parquet_dir):
    """The analysis date is the explicit one or the dataset's (io resolved it once); no engine derives
    it from the transactions."""
    tx = engine_data.dataset.transactions
    for engine in ("pandas", "duckdb"):
        with pytest.raises(ModelInputError, match="analysis date"):
            customer_features({"transactions": tx}, engine=engine)
    with pytest.raises(ModelInputError, match="analysis date"):
        parquet_features(engine_parquet_dir / "tx")
    with pytest.raises(ModelInputError, match="analysis date"):
        customer_features({"transactions": engine_parquet_dir / "tx"}, engine="parquet")
    with pytest.raises(ModelInputError, match="analysis date"):  # before any cluster is started
        customer_features({"customers": engine_data.dataset.customers, "transactions": tx}, engine="dask")
    # the dataset's as_of is used when none is given
    assert pd.Timestamp(customer_features(engine_data.dataset).attrs["as_of"]) == engine_data.dataset.as_of


def test_parquet_nan_amounts(tmp_path):
    tx = pd.DataFrame({"customer_id": ["A", "B", "B"], "date": pd.to_datetime(["2025-01-01"] * 3),
                       "amount": [10.0, np.nan, 5.0]})
    tx.to_parquet(tmp_path / "t.parquet")
    as_of = pd.Timestamp("2025-01-01")
    with pytest.raises(ModelInputError, match="1 transaction"):
        parquet_features(tmp_path / "t.parquet", as_of=as_of)
    out = parquet_features(tmp_path / "t.parquet", as_of=as_of, nan_amounts="drop")
    assert_frame_equal(out, customer_features({"transactions": tx}, as_of, nan_amounts="drop"))


def test_parquet_missing_file(tmp_path):
    with pytest.raises(ModelInputError, match="not found"):
        parquet_features(tmp_path / "nope.parquet")


# --- Dask partitioning key (pure pandas, no cluster) ----------------------------------------------
def test_partition_of_is_stable():
    ids = pd.Series(["C1", "C2", "C3", "C1"], dtype="string")
    p = partition_of(ids, 7)
    assert p[0] == p[3] and ((0 <= p) & (p < 7)).all()
    assert (partition_of(ids.astype(object), 7) == p).all()


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


def test_parquet_engine_on_loaded_dataset_equals_pandas(engine_data, engine_ref):
    """params.engine 'parquet' with a Dataset already in memory (the notebooks) runs DuckDB on the frames."""
    assert_frame_equal(engine_ref, customer_features(engine_data.dataset, engine={"name": "parquet", "memory_limit": "1GB"}))
