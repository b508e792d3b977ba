"""RFM: quantile scores 1-5 per dimension and a table of named segments, each in a value tier."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import ModelInputError
from .inputs import _ids, _require

#: Default RFM segment table.  ``fm`` = floor((F + M) / 2).  The first matching row wins;
#: ``tier`` maps each segment onto the 4 value tiers (0 = VIP ... 3 = Dormant).
DEFAULT_RFM_SEGMENTS: list[dict[str, Any]] = [
    {"segment": "Champions", "r": (5, 5), "fm": (4, 5), "tier": 0,
     "description": "bought recently, buy often and spend the most"},
    {"segment": "Loyal", "r": (3, 4), "fm": (4, 5), "tier": 1,
     "description": "spend well and often, not in the very last weeks"},
    {"segment": "Can't lose them", "r": (1, 2), "fm": (5, 5), "tier": 1,
     "description": "used to be top buyers, have not bought for a long time"},
    {"segment": "New", "r": (5, 5), "fm": (1, 1), "tier": 2,
     "description": "bought very recently, little so far"},
    {"segment": "Potential loyalists", "r": (4, 5), "fm": (2, 3), "tier": 2,
     "description": "recent buyers with average frequency and spend"},
    {"segment": "Promising", "r": (4, 4), "fm": (1, 1), "tier": 2,
     "description": "recent buyers, small so far"},
    {"segment": "Need attention", "r": (3, 3), "fm": (1, 3), "tier": 2,
     "description": "average on all three, slipping"},
    {"segment": "At risk", "r": (1, 2), "fm": (3, 4), "tier": 2,
     "description": "spent well in the past, not recently"},
    {"segment": "Lost", "r": (1, 1), "fm": (1, 1), "tier": 3,
     "description": "lowest recency, frequency and spend"},
    {"segment": "Hibernating", "r": (1, 2), "fm": (1, 2), "tier": 3,
     "description": "low spend, long ago (the (1, 1) cell is Lost: first match wins)"},
]

_RFM_COLUMNS = ("recency_days", "frequency", "monetary_total")


def _quantile_score(key: np.ndarray, bins: int, ties: str) -> np.ndarray:
    """Score 1..bins from an ascending key (higher key = better)."""
    n = len(key)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if ties == "min":
        r = pd.Series(key).rank(method="min").to_numpy()
    elif ties == "first":
        r = pd.Series(key).rank(method="first").to_numpy()
    else:
        raise ModelInputError(f"rfm_ties must be 'min' or 'first', got {ties!r}")
    return (1 + np.floor(bins * (r - 1) / n)).astype(np.int64)


def _score_from_sorted(sorted_key: np.ndarray, key: np.ndarray, bins: int) -> np.ndarray:
    n = len(sorted_key)
    r = np.searchsorted(sorted_key, key, side="left") + 1
    return np.clip(1 + np.floor(bins * (r - 1) / n), 1, bins).astype(np.int64)


def _rfm_keys(X: pd.DataFrame) -> dict[str, np.ndarray]:
    rec = pd.to_numeric(X["recency_days"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    rec = np.where(np.isnan(rec), np.inf, rec)  # never bought: least recent of all
    return {
        "r": -rec,
        "f": pd.to_numeric(X["frequency"], errors="coerce").fillna(0).to_numpy(dtype=float),
        "m": pd.to_numeric(X["monetary_total"], errors="coerce").fillna(0).to_numpy(dtype=float),
    }


def rfm_scores(X: pd.DataFrame, bins: int = 5, ties: str = "min") -> pd.DataFrame:
    """Quantile RFM scores 1..``bins`` (5 = best) per customer.

    R ranks ``recency_days`` ascending-is-better (never-bought customers are the least recent),
    F ranks ``frequency``, M ranks net ``monetary_total``.  With ``n`` customers and
    ``rank`` = 1 for the worst value, ``score = 1 + floor(bins * (rank - 1) / n)``.

    Tie rule: ``ties="min"`` (default) gives tied values the rank of the first of them
    (``pandas.rank(method="min")``), so equal values always get the same score and a large tie
    at the bottom (e.g. many one-time buyers with F = 1) all score at the tie's lowest quantile.
    ``ties="first"`` breaks ties by row order (``method="first"``) to get equal-sized bins,
    at the price of equal customers getting different scores.

    Returns columns customer_id, r_score, f_score, m_score, fm_score (= floor((F+M)/2)),
    rfm_code (e.g. ``"545"``).
    """
    _require(X, _RFM_COLUMNS)
    keys = _rfm_keys(X)
    r = _quantile_score(keys["r"], bins, ties)
    f = _quantile_score(keys["f"], bins, ties)
    m = _quantile_score(keys["m"], bins, ties)
    return _rfm_frame(_ids(X), r, f, m)


def _rfm_frame(ids: pd.Series, r: np.ndarray, f: np.ndarray, m: np.ndarray) -> pd.DataFrame:
    out = pd.DataFrame({"customer_id": ids.to_numpy(), "r_score": r, "f_score": f, "m_score": m})
    out["customer_id"] = out["customer_id"].astype("string")
    out["fm_score"] = (f + m) // 2
    out["rfm_code"] = _rfm_codes(np.asarray(r), np.asarray(f), np.asarray(m))
    return out


def _rfm_codes(r: np.ndarray, f: np.ndarray, m: np.ndarray) -> np.ndarray:
    """``str(r) + str(f) + str(m)`` per customer, formatted once per distinct (r, f, m) combination."""
    if len(r) == 0:
        return np.array([], dtype=object)
    base = int(max(r.max(), f.max(), m.max())) + 1
    if min(r.min(), f.min(), m.min()) < 0 or base ** 3 > 1_000_000:  # not small scores: format each row
        return np.array([f"{a}{b}{c}" for a, b, c in zip(r.tolist(), f.tolist(), m.tolist())], dtype=object)
    key = (r.astype(np.int64) * base + f) * base + m
    uniq, inv = np.unique(key, return_inverse=True)
    labels = np.array([f"{k // (base * base)}{k // base % base}{k % base}" for k in uniq.tolist()], dtype=object)
    return labels[inv]


def segment_table(segments: Any = None) -> pd.DataFrame:
    """The RFM segment table as a DataFrame (segment, r_min, r_max, fm_min, fm_max, tier, description).

    ``segments`` is a list of dicts ``{"segment", "r": [lo, hi], "fm": [lo, hi], "tier"}``
    (as written in config ``params.tiering.rfm_segments``) or a DataFrame with the output columns.
    """
    if segments is None:
        segments = DEFAULT_RFM_SEGMENTS
    if isinstance(segments, pd.DataFrame):
        t = segments.copy()
    else:
        rows = []
        for i, s in enumerate(segments):
            try:
                rows.append({"segment": str(s["segment"]), "r_min": int(s["r"][0]), "r_max": int(s["r"][1]),
                             "fm_min": int(s["fm"][0]), "fm_max": int(s["fm"][1]),
                             "tier": int(s.get("tier", 0)), "description": str(s.get("description", ""))})
            except (KeyError, TypeError, IndexError, ValueError) as e:
                raise ModelInputError(
                    f"RFM segment row {i} ({s!r}) must look like "
                    "{'segment': 'Champions', 'r': [5, 5], 'fm': [4, 5], 'tier': 0}"
                ) from e
        t = pd.DataFrame(rows)
    need = {"segment", "r_min", "r_max", "fm_min", "fm_max", "tier"}
    if not need <= set(t.columns):
        raise ModelInputError(f"RFM segment table needs columns {sorted(need)}")
    if "description" not in t.columns:
        t["description"] = ""
    return t.reset_index(drop=True)


def rfm_segments(scores: pd.DataFrame, segments: Any = None) -> pd.DataFrame:
    """Name each customer's RFM cell with the segment table (first matching row wins).

    Adds columns ``segment`` and ``segment_tier`` to ``scores`` (from :func:`rfm_scores`).
    Cells no row covers get segment ``"Other"`` and the worst tier of the table.
    """
    t = segment_table(segments)
    r = scores["r_score"].to_numpy()
    fm = scores["fm_score"].to_numpy()
    seg = np.full(len(scores), -1, dtype=np.int64)
    for i in range(len(t) - 1, -1, -1):  # loop over table rows (not customers); first row wins
        row = t.iloc[i]
        hit = (r >= row.r_min) & (r <= row.r_max) & (fm >= row.fm_min) & (fm <= row.fm_max)
        seg[hit] = i
    names = np.append(t["segment"].to_numpy(dtype=object), "Other")
    tiers = np.append(t["tier"].to_numpy(dtype=np.int64), int(t["tier"].max()))
    out = scores.copy()
    out["segment"] = pd.array(names[seg], dtype="string")
    out["segment_tier"] = tiers[seg]
    return out


# -- fitted RFM (TierModel(method="rfm")) ---------------------------------------------------
def fit_rfm(X: pd.DataFrame, bins: int, ties: str, segments: Any) -> dict[str, Any]:
    """Score and segment all rows; returns the tiers, the fitted state and the extra columns.

    Keys: ``tier`` (ndarray), ``sorted_keys`` (sorted R/F/M keys: the cut points that
    :func:`rfm_segments_fitted` scores new rows against), ``segment_table``, ``n_tiers``,
    ``extra`` (r/f/m/fm scores, rfm_code, segment for ``tiers_``).
    """
    _require(X, _RFM_COLUMNS)
    keys = _rfm_keys(X)
    sorted_keys = {d: np.sort(v) for d, v in keys.items()}
    seg = rfm_segments(rfm_scores(X, bins, ties), segments)
    table = segment_table(segments)
    return {
        "tier": seg["segment_tier"].to_numpy(),
        "sorted_keys": sorted_keys,
        "segment_table": table,
        "n_tiers": int(table["tier"].max()) + 1,
        "extra": {c: seg[c].to_numpy() for c in ("r_score", "f_score", "m_score", "fm_score", "rfm_code", "segment")},
    }


def rfm_segments_fitted(X: pd.DataFrame, sorted_keys: dict[str, np.ndarray], bins: int, segments: Any,
                        ids: pd.Series | None = None) -> pd.DataFrame:
    """:func:`rfm_segments` of new rows scored against the fitted cut points ``sorted_keys``."""
    keys = _rfm_keys(X)
    sc = {d: _score_from_sorted(sorted_keys[d], keys[d], bins) for d in "rfm"}
    return rfm_segments(_rfm_frame(_ids(X) if ids is None else ids, sc["r"], sc["f"], sc["m"]), segments)
