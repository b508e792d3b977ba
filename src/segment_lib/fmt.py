"""Number formatting for reports (plain text, no HTML): one place for every module.

Money follows the run's settings (:mod:`segment_lib.i18n`): the currency of ``reports.currency``
(default CNY) and, in Chinese, 万 (10⁴) and 亿 (10⁸) instead of k/M/B.
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd

from . import i18n

_MINUS = "\u2212"  # a true minus sign, which does not break lines


def _symbol(currency: str | None) -> str:
    """Symbol for an ISO code (CNY -> ¥) or a symbol given as is (¥, $); None: the run's currency."""
    if currency is None:
        return i18n.currency_symbol()
    c = str(currency)
    return i18n.currency_symbol(c) if len(c) == 3 and c.isalpha() and c.isupper() else c


def finite(v: Any) -> float | None:
    """A finite float, or None (missing figures are left out of sentences, never shown as "nan")."""
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def compact_text(v: Any, lang: str | None = None) -> str:
    """A large number in few characters: 402.1M / 4.02亿, 23.9k / 2.4万, 950 (no sign handling)."""
    a = abs(float(v))
    if (lang or i18n.language()) == "zh":
        if a >= 1e8:
            return f"{a / 1e8:,.2f}亿"
        if a >= 1e4:
            return f"{a / 1e4:,.0f}万" if a >= 1e7 else f"{a / 1e4:,.1f}万"
        return f"{a:,.0f}"
    return (f"{a / 1e9:.1f}B" if a >= 1e9 else f"{a / 1e6:.1f}M" if a >= 1e6 else
            f"{a / 1e3:.1f}k" if a >= 1e3 else f"{a:.0f}")


def money_text(v: Any, currency: str | None = None, lang: str | None = None) -> str:
    """Compact money for a cell or a sentence: ¥402.1M, $23.9k, £950 (English) or ¥4.02亿, ¥2.4万
    (Chinese); negatives as −¥1.2k; amounts that round to zero as ¥0 (never "−¥0"); missing or
    non-numeric values as "–".  ``currency``: ISO code or symbol (default: ``reports.currency``)."""
    x = finite(v)
    if x is None:
        return "–"
    txt = compact_text(x, lang)
    return (_MINUS if x < 0 and txt.strip("0.") else "") + _symbol(currency) + txt


def money_series(values: Any, currency: str | None = None, lang: str | None = None) -> pd.Series:
    """:func:`money_text` for every value of an array or Series, as a pandas ``string`` Series
    (keeps the index of a Series input, else a RangeIndex), for building sentences column-wise."""
    index = values.index if isinstance(values, pd.Series) else None
    return pd.Series([money_text(v, currency, lang) for v in list(values)], index=index, dtype="string")


def money_axis(x: float, _pos: int | None = None) -> str:
    """Matplotlib tick formatter for money in the run's currency and language."""
    return money_text(x) if x else _symbol(None) + "0"


def count_text(v: Any) -> str:
    """A count with thousands separators: 5,666 ("–" when missing)."""
    x = finite(v)
    return "–" if x is None else f"{round(x):,}"


def pct_text(v: Any, digits: int = 0) -> str:
    """0.183 -> "18%" ("–" when missing); negatives with a true minus sign."""
    x = finite(v)
    return "–" if x is None else f"{x * 100:.{digits}f}%".replace("-", _MINUS)


def signed_pct_text(v: Any, digits: int = 1) -> str:
    """0.097 -> "+9.7%", −0.05 -> "−5.0%"."""
    x = finite(v)
    return "–" if x is None else f"{x * 100:+.{digits}f}%".replace("-", _MINUS)


def times_text(v: Any, digits: int = 2) -> str:
    """A ratio: "1.07×" ("–" when missing)."""
    x = finite(v)
    return "–" if x is None else f"{x:.{digits}f}×"


def fmt_value(v: Any, precision: int = 1) -> str:
    """Human formatting for headline numbers: 20,000 · 1.23M · 0.25 -> as is (use fmt_pct)."""
    if isinstance(v, str):
        return v
    if v is None or (isinstance(v, Real) and not math.isfinite(float(v))):
        return "–"
    if isinstance(v, (bool, np.bool_)):
        return i18n.t("common.yes") if v else i18n.t("common.no")
    if isinstance(v, Integral):
        return f"{int(v):,}"
    x = float(v)
    ax = abs(x)
    if ax >= 1e9:
        return f"{x / 1e9:,.{precision}f}B"
    if ax >= 1e6:
        return f"{x / 1e6:,.{precision}f}M"
    if ax >= 1e4:
        return f"{x:,.0f}"
    return f"{x:,.{max(precision, 2) if ax < 10 else precision}f}"


def fmt_pct(v: float, precision: int = 0) -> str:
    """0.183 -> '18%'."""
    if v is None or not math.isfinite(float(v)):
        return "–"
    return f"{float(v) * 100:.{precision}f}%"
