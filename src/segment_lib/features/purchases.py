"""The repeat-purchase summary per customer as of a date: the input of the CLV model
(:mod:`segment_lib.tiering.clv`, BG/NBD and Gamma–Gamma).

Rules
-----
* **One purchase per customer-day.** Orders (rows with ``amount > 0``, as in the feature rules) on
  the same calendar day are one purchase whose value is their sum: the BG/NBD model counts purchase
  occasions, and several order lines of one visit are one occasion.
* ``repeat_purchases`` (BG/NBD's *x*): purchase days after the first one, up to ``as_of``.
* ``purchase_span_days`` (*t_x*): days from the first to the last purchase day.
* ``days_since_first`` (*T*): days from the first purchase day to ``as_of``.
* ``repeat_spend_avg`` (Gamma–Gamma's *m̄*): mean value of the repeat purchase days (the first
  purchase is left out, as in Fader, Hardie & Lee 2005); 0 without repeat purchases.
* All history up to ``as_of`` counts (no look-back window).  Returns (negative amounts) are not
  purchases and do not reduce the purchase values.  Customers without any purchase get
  ``repeat_purchases`` 0, ``repeat_spend_avg`` 0 and missing (NaN) span / age; the CLV model gives
  them no expected value.

Computed with NumPy on integer customer codes (one sort of the customer-day keys); the tables
are in memory for every engine of :func:`segment_lib.features.customer_features`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._arrow import index_of
from ..errors import ModelInputError
from .core import (
    _as_day,
    _check_columns,
    _days,
    _resolve,
    analysis_date,
    customer_frame,
)

__all__ = ["SUMMARY_COLUMNS", "add_purchase_summary", "purchase_summary"]

SUMMARY_COLUMNS: tuple[str, ...] = ("repeat_purchases", "purchase_span_days", "days_since_first",
                                    "repeat_spend_avg")


def purchase_summary(data: Any, as_of: Any = None, customer_ids: Any = None) -> pd.DataFrame:
    """One row per customer: customer_id and :data:`SUMMARY_COLUMNS` as of ``as_of`` (rules above).

    ``data``: a Dataset, a dict of tables or a transactions DataFrame (as for ``customer_features``).
    ``customer_ids``: the customers to report, in this order (default: the customers existing at
    ``as_of``, as in ``customer_features``; or the distinct ids of the transactions).
    """
    customers, tx, _, ds_as_of = _resolve(data)
    _check_columns(tx, "transactions", ("customer_id", "date", "amount"))
    as_of_day = _as_day(analysis_date(as_of, ds_as_of))
    if customer_ids is not None:
        ids = pd.Index(pd.Series(customer_ids).astype("string"))
    elif customers is not None and len(customers):
        _, _, ids = customer_frame(customers, as_of_day)
    else:
        ids = pd.Index(pd.unique(tx["customer_id"].astype("string").dropna())).sort_values()
    n = len(ids)
    code = index_of(tx["customer_id"], ids)
    day = _days(tx["date"])
    amount = tx["amount"].to_numpy(dtype=float, na_value=np.nan)
    sel = (code >= 0) & (day <= as_of_day) & (amount > 0)  # NaN day / amount -> False
    code, day, amount = code[sel], day[sel].astype(np.int64), amount[sel]
    x = np.zeros(n, dtype=np.int64)
    span = np.full(n, np.nan)
    age = np.full(n, np.nan)
    spend = np.zeros(n)
    if len(code):
        d0 = int(day.min())
        width = int(day.max()) - d0 + 1
        key, inv = np.unique(code * width + (day - d0), return_inverse=True)  # sorted: customer, then day
        value = np.bincount(inv, weights=amount)  # value of each customer-day
        kc = key // width
        kd = key % width + d0
        n_days = np.bincount(kc, minlength=n)
        has = n_days > 0
        first_pos = np.r_[0, np.flatnonzero(np.diff(kc)) + 1]  # first purchase day of each buyer
        last_pos = np.r_[first_pos[1:] - 1, len(key) - 1]
        buyers = kc[first_pos]
        x[has] = n_days[has] - 1
        span[buyers] = kd[last_pos] - kd[first_pos]
        age[buyers] = as_of_day - kd[first_pos]
        total = np.bincount(kc, weights=value, minlength=n)
        rep = np.zeros(n)
        rep[buyers] = total[buyers] - value[first_pos]
        np.divide(rep, x, out=spend, where=x > 0)
    return pd.DataFrame({"customer_id": pd.array(np.asarray(ids, dtype=object), dtype="string"),
                         "repeat_purchases": x, "purchase_span_days": span, "days_since_first": age,
                         "repeat_spend_avg": spend})


def add_purchase_summary(features: pd.DataFrame, data: Any) -> pd.DataFrame:
    """``features`` (from ``customer_features``) with the :data:`SUMMARY_COLUMNS` of the same date
    (``features.attrs["as_of"]``) joined by customer_id; ``attrs`` kept.  Existing summary columns
    are replaced."""
    if "as_of" not in features.attrs:
        raise ModelInputError("the feature table has no analysis date (attrs['as_of']); build it with "
                              "segment_lib.features.customer_features")
    ids = features["customer_id"].astype("string")
    s = purchase_summary(data, features.attrs["as_of"], customer_ids=ids)
    out = features.drop(columns=[c for c in SUMMARY_COLUMNS if c in features.columns])
    for c in SUMMARY_COLUMNS:
        out[c] = s[c].to_numpy()
    out.attrs = dict(features.attrs)
    return out
