"""Number formatting for report tables (plain text, no HTML): one place for every module."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd


def money_text(v: Any, currency: str = "¥") -> str:
    """Compact money for a table cell: ¥402.1M, ¥23.9k, ¥950; negatives as −¥1.2k (a true
    minus sign, which does not break lines); amounts that round to zero as ¥0 (never "−¥0");
    missing or non-numeric values as "–"."""
    try:
        x = float(v)
    except (TypeError, ValueError):
        return "–"
    if not math.isfinite(x):
        return "–"
    a = abs(x)
    txt = (f"{a / 1e9:.1f}B" if a >= 1e9 else f"{a / 1e6:.1f}M" if a >= 1e6 else
           f"{a / 1e3:.1f}k" if a >= 1e3 else f"{a:.0f}")
    return ("\u2212" if x < 0 and txt != "0" else "") + currency + txt


def money_series(values: Any, currency: str = "¥") -> pd.Series:
    """:func:`money_text` for every value of an array or Series, as a pandas ``string`` Series
    (keeps the index of a Series input, else a RangeIndex), for building sentences column-wise."""
    index = values.index if isinstance(values, pd.Series) else None
    return pd.Series([money_text(v, currency) for v in list(values)], index=index, dtype="string")
