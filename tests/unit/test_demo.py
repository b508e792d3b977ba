"""The demo generator is deterministic and plants the structure the docs promise."""

import pandas as pd
import pytest

from segment_lib import demo
from segment_lib.contract import TABLES


@pytest.fixture(scope="module")
def small():
    return demo.generate(n_customers=3000, seed=11)


def test_same_seed_gives_identical_tables(small):
    again = demo.generate(n_customers=3000, seed=11)
    for name in TABLES:
        pd.testing.assert_frame_equal(small.dataset.table(name), again.dataset.table(name))
    pd.testing.assert_frame_equal(small.truth, again.truth)


def test_other_seed_gives_other_data(small):
    other = demo.generate(n_customers=3000, seed=12)
    assert not small.dataset.transactions["amount"].equals(other.dataset.transactions["amount"])


def test_nothing_after_as_of_and_ids_unique(small):
    ds = small.dataset
    assert ds.transactions["date"].max() <= ds.as_of
    assert ds.interactions["opened_at"].max() <= ds.as_of
    assert ds.interactions["first_response_at"].max() <= ds.as_of
    assert ds.surveys["date"].max() <= ds.as_of
    assert ds.customers["customer_id"].is_unique
    assert ds.transactions["transaction_id"].is_unique
    assert ds.reps["rep_id"].is_unique
    assert set(ds.transactions["customer_id"]) <= set(ds.customers["customer_id"])
    assert set(ds.customers["owner_rep_id"]) <= set(ds.reps["rep_id"])


def test_planted_overload_and_service_gap(small):
    meta = small.truth_meta
    loads = meta["realised_mean_rep_load"]
    assert loads["East"] == pytest.approx(1.5, abs=0.15)
    for r, v in loads.items():
        if r != "East":
            assert v == pytest.approx(0.8, abs=0.12), r
    ds = small.dataset
    region_of = ds.reps.set_index("rep_id")["region_id"]
    inter = ds.interactions.dropna(subset=["first_response_at"])
    hours = (inter["first_response_at"] - inter["opened_at"]).dt.total_seconds() / 3600
    med = hours.groupby(inter["rep_id"].map(region_of).to_numpy()).median()
    assert med.idxmax() == "East"
    csat = ds.surveys.groupby(ds.surveys["rep_id"].map(region_of).to_numpy())["csat"].mean()
    assert csat.idxmin() == "East"
    assert csat.drop("East").min() - csat["East"] > 0.4


def test_planted_tiers_are_distinct(small):
    ds, truth = small.dataset, small.truth
    window = ds.transactions[ds.transactions["date"] > ds.as_of - pd.Timedelta(days=365)]
    spend = window.groupby("customer_id")["amount"].sum().reindex(truth["customer_id"], fill_value=0)
    med = spend.groupby(truth["true_tier"].to_numpy()).median()
    assert med["VIP"] > 5 * med["Key"] > 5 * med["Regular"]
    assert med["Dormant"] == 0
    shares = truth["true_tier"].value_counts(normalize=True)
    assert shares["VIP"] == pytest.approx(0.05, abs=0.015)


def test_planted_ownership_structure(small):
    ds, truth = small.dataset, small.truth
    n_owners = ds.ownership.groupby("customer_id").size()
    multi = set(n_owners[n_owners > 1].index)
    assert multi == set(truth.loc[truth["has_owner_conflict"], "customer_id"])
    assert truth["is_cross_region"].mean() == pytest.approx(0.05 * 0.98, abs=0.02)
    # cross-region customers really have orders booked in another region
    unit_region = ds.splits[ds.splits["split"] == "traditional"].set_index("geo_unit_id")["region_id"]
    tx = ds.transactions.merge(ds.customers[["customer_id", "geo_unit_id"]], on="customer_id", suffixes=("", "_home"))
    away = tx["geo_unit_id"].map(unit_region) != tx["geo_unit_id_home"].map(unit_region)
    assert set(tx.loc[away, "customer_id"]) == set(truth.loc[truth["is_cross_region"], "customer_id"])


def test_write_demo_roundtrip(tmp_path):
    out = demo.write_demo(tmp_path / "demo", n_customers=500, seed=3)
    truth, meta = demo.read_truth(out)
    assert len(truth) == 500 and meta["seed"] == 3
    cust = pd.read_parquet(out / "customers.parquet")
    assert len(cust) == 500
    # rewriting replaces atomically and leaves no temp directories behind
    demo.write_demo(tmp_path / "demo", n_customers=400, seed=3)
    assert len(pd.read_parquet(out / "customers.parquet")) == 400
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo"]


def test_too_small_is_refused():
    with pytest.raises(ValueError, match="at least 200"):
        demo.generate(n_customers=50)
