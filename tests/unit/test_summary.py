"""Hand-computed checks of segment_lib.summary (overview numbers)."""

import numpy as np
import pandas as pd
import pytest

from segment_lib import summary
from segment_lib.contract import Dataset, empty_table


def _dataset() -> Dataset:
    customers = pd.DataFrame({
        "customer_id": pd.array(["C1", "C2", "C3", "C4"], dtype="string"),
        "geo_unit_id": pd.array(["BJ", "SH", "SH", "GD"], dtype="string"),
        "industry": pd.array(["Retail", "Retail", None, "Tech"], dtype="string"),
    })
    transactions = pd.DataFrame({
        "customer_id": pd.array(["C1", "C1", "C2", "C3", "C4"], dtype="string"),
        "date": pd.to_datetime(["2025-11-03", "2025-12-20", "2025-12-01", "2025-10-15", "2023-01-01"]),
        "amount": [60.0, 20.0, 15.0, 5.0, 1000.0],
    })
    splits = pd.DataFrame({
        "split": pd.array(["trad"] * 3, dtype="string"),
        "geo_unit_id": pd.array(["BJ", "SH", "GD"], dtype="string"),
        "region_id": pd.array(["North", "East", "South"], dtype="string"),
    })
    return Dataset(customers=customers, transactions=transactions, reps=empty_table("reps"),
                   geo_units=empty_table("geo_units"), splits=splits,
                   as_of=pd.Timestamp("2025-12-31"), current_split="trad")


def test_customer_revenue_window_and_zero_fill():
    rev = summary.customer_revenue(_dataset(), months=12)
    assert rev["customer_id"].tolist() == ["C1", "C2", "C3", "C4"]
    assert rev["revenue"].tolist() == [80.0, 15.0, 5.0, 0.0]  # C4 bought only in 2023


def test_customer_revenue_single_home():
    from segment_lib import measures
    from segment_lib.errors import ModelInputError

    ds = _dataset()
    tx, as_of = ds.transactions, ds.as_of
    # days: (2025-12-31 - 45 days, 2025-12-31] holds C1's 20 and C2's 15
    r = measures.customer_revenue(tx, as_of, 45, customer_ids=ds.customers["customer_id"])
    assert r.tolist() == [20.0, 15.0, 0.0, 0.0]
    # without customer ids: the buyers in the window, sorted by id
    assert measures.customer_revenue(tx, as_of, 45).to_dict() == {"C1": 20.0, "C2": 15.0}
    # calendar months (the overview) and all history
    assert measures.customer_revenue(tx, as_of, None, months=12).to_dict() == {"C1": 80.0, "C2": 15.0, "C3": 5.0}
    assert measures.customer_revenue(tx, None, None).sum() == 1100.0
    neg = tx.assign(amount=[60.0, -90.0, 15.0, 5.0, 1000.0])
    assert measures.customer_revenue(neg, as_of, 365)["C1"] == -30.0
    assert measures.customer_revenue(neg, as_of, 365, clip_at_zero=True)["C1"] == 0.0
    with pytest.raises(ModelInputError, match="analysis date"):
        measures.customer_revenue(tx, None, 365)
    with pytest.raises(ModelInputError, match="not both"):
        measures.customer_revenue(tx, as_of, 365, months=12)


def test_pareto_curve_and_top_share():
    rev = np.array([80.0, 15.0, 5.0, 0.0])
    curve = summary.pareto_curve(rev)
    assert curve["customer_share"].tolist() == [0, 0.25, 0.5, 0.75, 1.0]
    assert np.allclose(curve["revenue_share"], [0, 0.8, 0.95, 1.0, 1.0])
    assert summary.top_share_for(rev, 0.8) == 0.25
    assert summary.top_share_for(rev, 0.9) == 0.5
    assert np.isnan(summary.top_share_for(np.zeros(3)))
    # negative net revenue counts as zero
    assert summary.top_share_for([10.0, -5.0], 0.8) == 0.5


def test_gini():
    assert summary.gini([1, 1, 1, 1]) == pytest.approx(0.0)
    assert summary.gini([0, 0, 0, 4]) == pytest.approx(0.75)  # (n-1)/n for one holder


def test_counts():
    ds = _dataset()
    reg = summary.customers_by_region(ds)
    assert reg.to_dict("list") == {"region_id": ["East", "North", "South"], "customers": [2, 1, 1],
                                   "share": [0.5, 0.25, 0.25]}
    ind = summary.customers_by_industry(ds)
    assert ind["industry"].tolist() == ["Retail", "(unknown)", "Tech"]
    assert ind["customers"].tolist() == [2, 1, 1]


def test_monthly_revenue_fills_gaps():
    m = summary.monthly_revenue(_dataset(), months=3)
    assert m["month"].dt.strftime("%Y-%m").tolist() == ["2025-10", "2025-11", "2025-12"]
    assert m["revenue"].tolist() == [5.0, 60.0, 35.0]
    assert m["orders"].tolist() == [1, 1, 2]
    assert m["active_customers"].tolist() == [1, 1, 2]


def test_data_quality_status():
    dq = summary.data_quality(_dataset())
    st = dict(zip(dq["table"], dq["status"]))
    assert st["customers"] == "ok"
    assert st["reps"] == "not in the data"
    assert st["surveys"] == "not in the data"


def test_revenue_growth():
    m = pd.DataFrame({"revenue": [1.0] * 12 + [1.5] * 12})
    g = summary.revenue_growth(m, 12)
    assert g == {"current": 18.0, "previous": 12.0, "growth": pytest.approx(0.5)}
    assert np.isnan(summary.revenue_growth(m.head(20), 12)["growth"])
