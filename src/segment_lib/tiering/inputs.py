"""The feature table as model input: column checks, customer ids, the cleaned feature matrix,
next-period revenue alignment and seeded row samples.

Feature transform (kmeans / gmm): missing recency (no purchases) -> recency cap, recency clipped
at the cap, counts and money clipped at 0, then ``log1p`` of counts and money (not of recency).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ModelInputError

#: features that get log1p (skewed counts and money).  recency_days is deliberately *not* logged:
#: log1p stretches 1 vs 20 days (the same behaviour for a monthly buyer) as much as 50 vs 1000
#: days, which on the demo data cut the ARI at k=4 from 0.95 to 0.67-0.72.
_LOG_FEATURES = {"frequency", "monetary_total", "monetary_avg", "n_interactions", "n_complaints",
                 "orders_lifetime", "predicted_clv"}
_NONNEG = _LOG_FEATURES | {"recency_days", "tenure_days"}


def _require(X: pd.DataFrame, cols: Sequence[str]) -> None:
    if not isinstance(X, pd.DataFrame):
        raise ModelInputError("TierModel expects the DataFrame from segment_lib.features.customer_features")
    missing = [c for c in cols if c not in X.columns]
    if missing:
        raise ModelInputError(
            f"feature table lacks column(s) {missing}; build it with segment_lib.features.customer_features"
        )


#: count features: whole numbers (a fraction means the table was not made by customer_features)
COUNT_FEATURES = ("frequency", "orders_lifetime", "n_interactions", "n_complaints")


def check_counts(X: pd.DataFrame) -> None:
    """ModelInputError naming the column and customers when a count feature holds fractions."""
    for c in COUNT_FEATURES:
        if c not in X.columns:
            continue
        v = pd.to_numeric(X[c], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = np.isfinite(v) & (np.mod(v, 1) != 0)
        if bad.any():
            ids = _ids(X)[bad].head(5).tolist()
            raise ModelInputError(
                f"feature '{c}' counts orders / contacts and must hold whole numbers; {int(bad.sum())} customers "
                f"have fractions (e.g. {v[bad][0]:g} for customer {ids[0]}): build the table with "
                "segment_lib.features.customer_features, or round the column")


def _ids(X: pd.DataFrame) -> pd.Series:
    if "customer_id" in X.columns:
        return X["customer_id"].astype("string").reset_index(drop=True)
    return pd.Series(X.index.astype(str), dtype="string")


def _feature_values(X: pd.DataFrame, features: Sequence[str], recency_cap: float,
                    log: bool = True) -> np.ndarray:
    """Cleaned (and by default log1p) feature matrix; documented in the module docstring."""
    cols = []
    for f in features:
        v = pd.to_numeric(X[f], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        if f == "recency_days":
            v = np.clip(np.where(np.isnan(v), recency_cap, v), 0, recency_cap)
        elif f in _NONNEG:
            v = np.clip(np.nan_to_num(v, nan=0.0), 0, None)
        else:
            v = np.nan_to_num(v, nan=0.0)
        if log and f in _LOG_FEATURES:
            v = np.log1p(v)
        cols.append(v)
    return np.column_stack(cols) if cols else np.empty((len(X), 0))


def _is_id_indexed(y: pd.Series) -> bool:
    return y.index.dtype == object or pd.api.types.is_string_dtype(y.index)


def _align_y(y: Any, X: pd.DataFrame) -> np.ndarray:
    """``y`` as a float array in the row order of ``X`` (Series indexed by customer_id is aligned)."""
    if isinstance(y, pd.Series) and _is_id_indexed(y):
        return y.reindex(_ids(X).to_numpy()).to_numpy(dtype=float, na_value=np.nan)
    a = np.asarray(y, dtype=float)
    if len(a) != len(X):
        raise ModelInputError(f"y has {len(a)} values for {len(X)} customers")
    return a


def _sample_idx(n: int, size: int | None, rs: np.random.RandomState) -> np.ndarray:
    """Sorted positions of a seeded sample of ``size`` of ``n`` rows (all rows when n <= size)."""
    if size is None or n <= size:
        return np.arange(n)
    return np.sort(rs.choice(n, size=int(size), replace=False))
