"""Descriptive overview numbers for the first report: counts, revenue concentration, monthly revenue.

Every function takes a :class:`~segment_lib.contract.Dataset` (or a Series) and returns a tidy
DataFrame or a number; nothing prints.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import measures
from .contract import Dataset


def customer_revenue(dataset: Dataset, months: int | None = 12, days: int | None = None) -> pd.DataFrame:
    """Net revenue per customer over the ``months`` calendar months (or the ``days``) before
    ``dataset.as_of`` (all history if both are None): :func:`segment_lib.measures.customer_revenue` as a table.

    Returns columns ``customer_id``, ``revenue``: one row per customer in ``customers``,
    0 for customers without transactions in the window (returns can make it negative).
    A window needs ``dataset.as_of`` (:class:`~segment_lib.errors.ModelInputError` otherwise).
    """
    ids = dataset.customers["customer_id"]
    rev = measures.customer_revenue(dataset.transactions, dataset.as_of, days, months=None if days else months,
                                    customer_ids=ids)
    return pd.DataFrame({"customer_id": ids.to_numpy(), "revenue": rev.to_numpy(dtype=float)})


def pareto_curve(revenue: pd.Series | np.ndarray) -> pd.DataFrame:
    """Cumulative revenue share against the share of customers, best customers first.

    Negative values (net returns) count as 0.  Returns columns ``customer_share`` and
    ``revenue_share``, both from 0 to 1, starting with the point (0, 0); row *i* says the
    top ``customer_share`` of customers bring ``revenue_share`` of revenue.
    """
    v = np.clip(np.asarray(revenue, dtype=float), 0.0, None)
    v = np.sort(v)[::-1]
    n = len(v)
    total = v.sum()
    cum = np.concatenate([[0.0], np.cumsum(v)])
    rev_share = cum / total if total > 0 else np.zeros(n + 1)
    cust_share = np.arange(n + 1) / max(n, 1)
    return pd.DataFrame({"customer_share": cust_share, "revenue_share": rev_share})


def top_share_for(revenue: pd.Series | np.ndarray, target: float = 0.8) -> float:
    """Smallest share of customers (best first) whose revenue reaches ``target`` of the total.

    ``top_share_for(rev, 0.8) == 0.2`` reads "the top 20% of customers bring 80% of revenue".
    Returns NaN when there is no positive revenue.
    """
    curve = pareto_curve(revenue)
    if curve["revenue_share"].iloc[-1] <= 0:
        return float("nan")
    i = int(np.searchsorted(curve["revenue_share"].to_numpy(), target - 1e-12, side="left"))
    return float(curve["customer_share"].iloc[min(i, len(curve) - 1)])


def gini(revenue: pd.Series | np.ndarray) -> float:
    """Gini coefficient of revenue, net returns (negatives) counted as 0: 0 = everyone equal, 1 = one
    customer has all.  :func:`segment_lib.measures.gini` with ``negatives="clip"``."""
    return measures.gini(revenue, negatives="clip")


def customers_by_region(dataset: Dataset, split: str | None = None) -> pd.DataFrame:
    """Customers per region of ``split`` (current split by default).

    Columns ``region_id``, ``customers``, ``share``; sorted by customers descending then region.
    Customers in geo units the split does not cover are counted under region "(unassigned)".
    """
    if dataset.splits.empty:  # no geography: one line saying so
        return _count_table(pd.Series(NO_REGIONS, index=dataset.customers.index, name="region_id"))
    mapping = dataset.split(split)
    region = dataset.customers["geo_unit_id"].map(mapping).fillna("(unassigned)")
    return _count_table(region.rename("region_id"))


NO_REGIONS = "(no regions in the data)"


def customers_by_industry(dataset: Dataset) -> pd.DataFrame:
    """Customers per industry: columns ``industry``, ``customers``, ``share`` ("(unknown)" for blanks)."""
    c = dataset.customers
    ind = c["industry"] if "industry" in c.columns else pd.Series(pd.NA, index=c.index)
    return _count_table(ind.fillna("(unknown)").rename("industry"))


def _count_table(s: pd.Series) -> pd.DataFrame:
    name = s.name
    counts = s.astype("string").value_counts().rename("customers").rename_axis(name).reset_index()
    counts = counts.sort_values(["customers", name], ascending=[False, True], kind="stable")
    counts["customers"] = counts["customers"].astype("int64")
    total = counts["customers"].sum()
    counts["share"] = counts["customers"] / total if total else 0.0
    return counts.reset_index(drop=True)


def monthly_revenue(dataset: Dataset, months: int | None = 24) -> pd.DataFrame:
    """Net revenue per calendar month for the last ``months`` months up to ``as_of``.

    Columns ``month`` (Timestamp, first day of month), ``revenue``, ``orders``,
    ``active_customers``; months without transactions appear with zeros.
    """
    tx = dataset.transactions
    if tx.empty:
        return pd.DataFrame({"month": pd.Series(dtype="datetime64[ns]"), "revenue": [], "orders": [],
                             "active_customers": []})
    end = pd.Timestamp(dataset.as_of) if dataset.as_of is not None else tx["date"].max()
    tx = tx[tx["date"] <= end]
    month = tx["date"].dt.to_period("M")
    g = tx.groupby(month, sort=True)
    out = pd.DataFrame({
        "revenue": g["amount"].sum().astype(float),
        "orders": g.size().astype("int64"),
        "active_customers": g["customer_id"].nunique().astype("int64"),
    })
    last = end.to_period("M")
    first = out.index.min() if months is None else max(out.index.min(), last - (months - 1))
    full = pd.period_range(first, last, freq="M")
    out = out.reindex(full, fill_value=0)
    out.index = full.to_timestamp()
    return out.rename_axis("month").reset_index()


def data_quality(dataset: Dataset) -> pd.DataFrame:
    """Table sizes for the report: ``table``, ``rows``, ``columns``, ``status``.

    ``status`` is "ok" or "not in the data" (every table is optional; each report needs some, see
    :data:`segment_lib.views.REQUIREMENTS`).
    """
    s = dataset.summary()
    status = np.where(s["rows"] > 0, "ok", "not in the data")
    return s.assign(status=status)[["table", "rows", "columns", "status"]]


def revenue_growth(monthly: pd.DataFrame, months: int = 12) -> dict[str, float]:
    """Revenue of the last ``months`` months against the ``months`` before (from :func:`monthly_revenue`).

    Returns ``{"current": ..., "previous": ..., "growth": current / previous - 1}``; growth is NaN
    when there is not enough history or the previous period had no revenue.
    """
    rev = monthly["revenue"].to_numpy(dtype=float)
    current = float(rev[-months:].sum()) if len(rev) else 0.0
    if len(rev) < 2 * months:
        return {"current": current, "previous": float("nan"), "growth": float("nan")}
    previous = float(rev[-2 * months:-months].sum())
    growth = current / previous - 1 if previous > 0 else float("nan")
    return {"current": current, "previous": previous, "growth": growth}
