"""Fixtures shared by every test folder, each built once per test run (session scope).

- ``demo5k``: the seeded 5,000-customer demo (``demo.generate(5000, seed=7)``) with its planted truth;
  tests must not modify its tables (copy first).
- ``small_run``: the run folder of every report notebook executed once by the runner on the
  2,000-customer demo; tests/notebooks and tests/browser both read it.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def demo5k():
    from segment_lib.demo import generate

    return generate(n_customers=5000, seed=7)


@pytest.fixture(scope="session")
def small_run(tmp_path_factory):
    """Run folder with every notebook executed on the 2,000-customer demo (built once per session)."""
    from segment_lib.testing import small_reports

    return small_reports(tmp_path_factory.getbasetemp() / "small_reports")


@pytest.fixture(scope="session")
def small_cfg(tmp_path_factory):
    """Config path of the 2,000-customer demo (the same data ``small_run`` reports on)."""
    from segment_lib.testing import small_config

    return small_config(tmp_path_factory.getbasetemp() / "small_reports")


@pytest.fixture(scope="session")
def small_run_zh(tmp_path_factory):
    """The same reports as ``small_run`` with ``reports.language: zh`` (built once per session)."""
    from segment_lib.testing import small_reports

    return small_reports(tmp_path_factory.getbasetemp() / "small_reports", language="zh")


# --- the engines' shared data (tests/unit/test_engines.py and tests/integration/test_dask_engines.py) ---
@pytest.fixture(scope="session")
def engine_data():
    """The 8,000-customer demo (seed 11) every feature engine is compared on."""
    from segment_lib.demo import generate

    return generate(n_customers=8000, seed=11)


@pytest.fixture(scope="session")
def engine_ref(engine_data):
    """The pandas engine's features of ``engine_data``: the reference the other engines must equal."""
    from segment_lib.features import customer_features

    return customer_features(engine_data.dataset)


@pytest.fixture(scope="session")
def engine_parquet_dir(engine_data, tmp_path_factory):
    """``engine_data`` as Parquet: customers, interactions, and transactions as a directory of two files
    (as a partitioned export would be)."""
    d = tmp_path_factory.mktemp("pq")
    ds = engine_data.dataset
    ds.customers.to_parquet(d / "customers.parquet", index=False)
    ds.interactions.to_parquet(d / "interactions.parquet", index=False)
    tx = ds.transactions
    (d / "tx").mkdir()
    half = len(tx) // 2
    tx.iloc[:half].to_parquet(d / "tx" / "part-0.parquet", index=False)
    tx.iloc[half:].to_parquet(d / "tx" / "part-1.parquet", index=False)
    return d
