"""Same-run RFM baseline: what a data scientist gets from pymc-marketing's ``rfm_segments``.

This module re-implements the *steps* of pymc-marketing 0.19.2 ``clv.utils.rfm_segments`` (as its
documentation and source describe them), in our own words and structure, with plain pandas.  It is not
pymc-marketing's code and contains none of it; it exists so that ``bench/run_all.py`` (stage ``rfm``)
can time segment_lib's ``customer_features`` + ``rfm_scores`` + ``rfm_segments`` against the same
work done the library way, on the same transactions in the same process, without installing
pymc-marketing (which pulls in PyMC / PyTensor / xarray).

Steps (default arguments of the library: daily time unit, scaler 1, transactions sorted first):

1. sort the transactions by customer, date and amount; truncate every date to its day; drop rows
   after the end of the observation period (``as_of``, itself truncated to the day);
2. sum the amounts of each customer's purchases made on the same day (one row per customer-day);
3. per customer: ``frequency`` = number of purchase days, ``recency`` = days from the last purchase
   day to the end of the period, ``monetary_value`` = mean spend per purchase day (this is the
   library's ``rfm_summary(include_first_transaction=True)``: the first purchase counts, T is dropped);
4. score each of recency, frequency and monetary value into quartiles with ``pd.qcut(q=4,
   duplicates="drop")``: 1..4 (recency reversed, 4 = most recent); if repeated values leave fewer than
   four bins, the labels shrink to 1..3 or 1..2, as the library does;
5. concatenate the three digits (recency, frequency, monetary) into a score such as ``"344"`` and look
   it up in the library's default segment table (five named segments, the rest ``"Other"``).

Checked once against the real function (pymc-marketing 0.19.2 wheel from PyPI, ``clv/utils.py``
imported from the unpacked wheel in a throwaway script outside this repository) on the demo's
transactions (``segment_lib.demo.generate(5000, seed=7)``, ``as_of`` = 2025-12-31): identical
frequency, recency, monetary value, score and segment for every customer.  See docs/scale.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Default segment table of pymc-marketing 0.19.2 (``_default_rfm_segment_config``): each segment and
# the recency/frequency/monetary quartile digits that belong to it.  Scores absent here are "Other".
SEGMENT_SCORES: dict[str, tuple[str, ...]] = {
    "Premium Customer": ("333", "334", "343", "344", "433", "434", "443", "444"),
    "Repeat Customer": ("143", "232", "233", "234", "243", "244", "332"),
    "Top Spender": ("124", "133", "134", "144", "224", "313", "314", "323", "324", "413", "414",
                    "423", "424"),
    "At Risk Customer": ("122", "123", "132", "212", "214", "222", "223", "312", "322", "412", "422"),
    "Inactive Customer": ("111", "112", "113", "114", "211", "311", "411"),
}
OTHER = "Other"


def _score_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for segment, scores in SEGMENT_SCORES.items():  # later segments win, as in the library
        lookup.update(dict.fromkeys(scores, segment))
    return lookup


def summarize(tx: pd.DataFrame, customer: str, date: str, amount: str, as_of) -> pd.DataFrame:
    """Steps 1-3: one row per customer with ``frequency``, ``recency`` (days) and ``monetary_value``."""
    end = pd.Timestamp(as_of).floor("D")
    t = tx[[customer, date, amount]].sort_values([customer, date, amount])
    t[date] = pd.to_datetime(t[date]).dt.floor("D")
    t = t[t[date] <= end]
    daily = t.groupby([customer, date], sort=False, as_index=False)[amount].sum()
    per = daily.groupby(customer, sort=False).agg(
        frequency=(date, "size"), last=(date, "max"), monetary_value=(amount, "mean"))
    out = pd.DataFrame({
        "customer_id": per.index,
        "frequency": per["frequency"].to_numpy(dtype=float),
        "recency": ((end - per["last"]) / np.timedelta64(1, "D")).to_numpy(dtype=float),
        "monetary_value": per["monetary_value"].fillna(0.0).to_numpy(dtype=float),
    })
    return out


def _quartile_digits(values: pd.Series, best_is_low: bool) -> pd.Series:
    """Step 4 for one measure: quartile digit as text, fewer digits when ties merge quartiles."""
    for top in (4, 3, 2):
        labels = list(range(top, 0, -1)) if best_is_low else list(range(1, top + 1))
        try:
            return pd.qcut(values, q=4, labels=labels, duplicates="drop").astype(str)
        except ValueError:  # labels do not match the number of bins left after dropping duplicates
            continue
    raise ValueError(f"cannot split {values.name!r} into at least 2 quantile bins (all values equal?)")


def rfm_segments(tx: pd.DataFrame, customer: str, date: str, amount: str, as_of) -> pd.DataFrame:
    """Steps 1-5: the summary plus ``rfm_score`` and ``segment`` per customer."""
    out = summarize(tx, customer, date, amount, as_of)
    out["rfm_score"] = (_quartile_digits(out["recency"], best_is_low=True)
                        + _quartile_digits(out["frequency"], best_is_low=False)
                        + _quartile_digits(out["monetary_value"], best_is_low=False))
    out["segment"] = out["rfm_score"].map(_score_lookup()).fillna(OTHER)
    return out
