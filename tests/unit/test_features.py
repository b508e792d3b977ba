"""customer_features: hand-computed fixture, engine equality, bad input."""

import numpy as np
import pandas as pd
import pytest

from segment_lib.errors import ModelInputError
from segment_lib.features import customer_features, next_period_revenue

AS_OF = "2025-12-31"


@pytest.fixture(scope="module")
def demo_small():
    from segment_lib.demo import generate

    return generate(2000, seed=11)


@pytest.fixture()
def tables():
    cust = pd.DataFrame({
        "customer_id": pd.array(["A", "B", "C", "D", "E"], dtype="string"),
        "created_at": pd.to_datetime(["2023-01-01", "2024-01-01", "2025-10-01", "2022-01-01", "2026-02-01"]),
        "industry": pd.array(["x", "y", "x", "y", "x"], dtype="string"),
    })
    tx = pd.DataFrame({
        "customer_id": pd.array(["A", "A", "A", "B", "B", "C", "A", "D"], dtype="string"),
        "date": pd.to_datetime(["2025-12-01", "2025-06-01", "2025-03-01", "2024-06-01", "2025-11-01",
                                "2025-11-15", "2026-01-05", "2025-12-31"]),
        "amount": [100.0, 200.0, 50.0, 500.0, -100.0, 80.0, 999.0, 0.0],
    })
    inter = pd.DataFrame({
        "customer_id": pd.array(["A", "A", "B"], dtype="string"),
        "rep_id": pd.array(["R1", "R1", "R1"], dtype="string"),
        "opened_at": pd.to_datetime(["2025-05-01", "2024-01-01", "2025-12-31"]),
        "is_complaint": pd.array([True, False, None], dtype="boolean"),
    })
    return {"customers": cust, "transactions": tx, "interactions": inter}


def test_hand_computed(tables):
    f = customer_features(tables, AS_OF).set_index("customer_id")
    # E is created after as_of: left out; D (no purchases) kept
    assert list(f.index) == ["A", "B", "C", "D"]
    a = f.loc["A"]
    assert a.recency_days == 30  # 2026-01-05 is after as_of and ignored
    assert a.frequency == 3 and a.monetary_total == 350 and a.monetary_avg == pytest.approx(350 / 3)
    assert a.trend == pytest.approx((100 - 250) / 350)  # recent half: 100, previous half: 200 + 50
    assert a.tenure_days == 1095 and not a.is_new and not a.is_one_time
    assert a.n_interactions == 1 and a.n_complaints == 1  # 2024 contact is outside the window
    b = f.loc["B"]  # one purchase long ago, a return inside the window
    assert b.recency_days == 578 and b.frequency == 0 and b.monetary_total == -100
    assert b.return_share == 0 and b.is_one_time and b.orders_lifetime == 1
    assert b.n_interactions == 1 and b.n_complaints == 0  # NA complaint flag counts as not a complaint
    c = f.loc["C"]  # new customer, one-time buyer
    assert c.is_new and c.is_one_time and c.tenure_days == 91 and c.trend == 1.0
    d = f.loc["D"]  # only a zero-amount row: no purchases
    assert not d.has_purchases and np.isnan(d.recency_days) and d.frequency == 0
    assert pd.isna(d.last_purchase) and d.monetary_avg == 0 and d.trend == 0
    assert f.loc["A", "industry"] == "x"


def test_engines_identical_fixture(tables):
    a = customer_features(tables, AS_OF, engine="pandas")
    b = customer_features(tables, AS_OF, engine="duckdb")
    pd.testing.assert_frame_equal(a, b)


def test_engines_identical_demo(demo_small):
    a = customer_features(demo_small.dataset, engine="pandas")
    b = customer_features(demo_small.dataset, engine="duckdb")
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == len(demo_small.dataset.customers)


def test_categorical_ids_same_result(tables):
    t2 = dict(tables)
    t2["transactions"] = tables["transactions"].assign(
        customer_id=tables["transactions"]["customer_id"].astype("category"))
    pd.testing.assert_frame_equal(customer_features(tables, AS_OF), customer_features(t2, AS_OF))


def test_nan_amount_raises_then_drop(tables):
    tx = tables["transactions"].copy()
    tx.loc[1, "amount"] = np.nan
    t2 = {**tables, "transactions": tx}
    for engine in ("pandas", "duckdb"):
        with pytest.raises(ModelInputError, match="NaN"):
            customer_features(t2, AS_OF, engine=engine)
    f = customer_features(t2, AS_OF, nan_amounts="drop").set_index("customer_id")
    assert f.loc["A", "frequency"] == 2


def test_no_transactions_gives_all_no_purchase_rows(tables):
    t2 = {**tables, "transactions": tables["transactions"].iloc[0:0]}
    f = customer_features(t2, AS_OF)
    assert len(f) == 4 and not f["has_purchases"].any()
    pd.testing.assert_frame_equal(f, customer_features(t2, AS_OF, engine="duckdb"))


def test_bad_arguments(tables):
    with pytest.raises(ModelInputError):
        customer_features(tables, AS_OF, engine="spark")
    with pytest.raises(ModelInputError):
        customer_features({"customers": tables["customers"]}, AS_OF)
    with pytest.raises(ModelInputError, match="amount"):
        customer_features(tables["transactions"].drop(columns="amount"), AS_OF)


def test_next_period_revenue(tables):
    r = next_period_revenue(tables, "2025-11-30", days=90)
    assert r["A"] == 100 + 999 and r["C"] == 0 and r["B"] == 0
