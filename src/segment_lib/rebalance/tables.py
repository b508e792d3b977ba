"""Manager-facing tables of the rebalance report: integers as integers, money as ¥5.1M, ratios
as "1.07×", deviations as "+9.7%".  Library code returns the raw tables; these only format."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..fmt import money_text


def _times(v: Any) -> str:
    return f"{float(v):.2f}×" if v is not None and np.isfinite(float(v)) else "–"


def _yes(v: Any) -> str:
    return "yes" if bool(v) else "no"


def _ints(s: pd.Series) -> np.ndarray:
    return pd.to_numeric(s, errors="coerce").round(0).astype("Int64").to_numpy()


def regions_table(regions: pd.DataFrame, tolerance: float | None = None) -> pd.DataFrame:
    """``SplitProposal.regions`` for a reader: Team, Capacity, Workload today / proposed / target
    (whole effort units), Load today / proposed ("0.94×"), Proposed vs target ("+9.7%"),
    Within ±tol, Connected."""
    r = regions
    band = f"Within ±{tolerance:.0%}" if tolerance is not None else "Within band"
    out = pd.DataFrame({
        "Team": r["region_id"].astype(str).to_numpy(),
        "Capacity": _ints(r["capacity"]),
        "Workload today": _ints(r["load_before"]),
        "Workload proposed": _ints(r["load_after"]),
        "Target workload": _ints(r["target"]) if "target" in r else None,
        "Load today": [_times(v) for v in r["ratio_before"]],
        "Load proposed": [_times(v) for v in r["ratio_after"]],
        "Proposed vs target": [f"{v:+.1%}".replace("-", "\u2212") for v in r["deviation_after"]]
        if "deviation_after" in r else None,
        band: [_yes(v) for v in r["within_tolerance"]],
        "Connected": [_yes(v) for v in r["contiguous"]],
    })
    return out.dropna(axis=1, how="all")


def moves_table(moves: pd.DataFrame, currency: str = "¥") -> pd.DataFrame:
    """``SplitProposal.moves`` for a reader: Province, From, To, Workload, Accounts, Revenue (¥)."""
    m = moves
    return pd.DataFrame({
        "Province": m["geo_unit_id"].astype(str).to_numpy(),
        "From": m["from_region"].astype(str).to_numpy(),
        "To": m["to_region"].astype(str).to_numpy(),
        "Workload": _ints(m["load"]),
        "Accounts": _ints(m["accounts"]),
        "Revenue": [money_text(v, currency) for v in m["revenue"]],
    })


def single_moves_table(moves: pd.DataFrame, currency: str = "¥") -> pd.DataFrame:
    """``best_single_moves`` for a reader: Province, From, To, Balance today / after ("1.67×"),
    Busiest team after ("1.24×"), Revenue moved (¥), Teams stay connected."""
    m = moves
    return pd.DataFrame({
        "Province": m["geo_unit_id"].astype(str).to_numpy(),
        "From": m["from_region"].astype(str).to_numpy(),
        "To": m["to_region"].astype(str).to_numpy(),
        "Balance today": [_times(v) for v in m["balance_before"]],
        "Balance after": [_times(v) for v in m["balance_after"]],
        "Busiest team after": [_times(v) for v in m["max_ratio_after"]],
        "Revenue moved": [money_text(v, currency) for v in m["moved_revenue"]],
        "Teams stay connected": [_yes(v) for v in m["keeps_contiguity"]],
    })


def baselines_table(comparison: pd.DataFrame) -> pd.DataFrame:
    """``compare_baselines`` for a reader: Method, Revenue moved (fraction, shown as %), Balance
    ("1.10×"), Worst team vs target (fraction; pass both fractions to report.table percent=), Within band, Connected, Provinces split, Note."""
    c = comparison
    return pd.DataFrame({
        "Method": c["method"].astype(str).to_numpy(),
        "Revenue moved": c["moved_revenue_share"].to_numpy(dtype=float),
        "Balance (busiest ÷ average)": [_times(v) for v in c["balance"]],
        "Worst team vs target": c["max_deviation"].to_numpy(dtype=float),
        "Within band": [_yes(v) for v in c["within_tolerance"]],
        "Connected": [_yes(v) for v in c["contiguous"]],
        "Provinces split": _ints(c["units_split"]),
        "Note": c["note"].astype(str).to_numpy() if "note" in c else "",
    })
