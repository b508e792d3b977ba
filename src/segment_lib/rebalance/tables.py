"""Manager-facing tables of the rebalance report: integers as integers, money as ¥5.1M, ratios
as "1.07×", deviations as "+9.7%".  Library code returns the raw tables; these only format."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..fmt import money_text, signed_pct_text
from ..i18n import t


def _times(v: Any) -> str:
    return f"{float(v):.2f}×" if v is not None and np.isfinite(float(v)) else "–"


def _yes(v: Any) -> str:
    return t("common.yes") if bool(v) else t("common.no")


def _ints(s: pd.Series) -> np.ndarray:
    return pd.to_numeric(s, errors="coerce").round(0).astype("Int64").to_numpy()


def regions_table(regions: pd.DataFrame, tolerance: float | None = None) -> pd.DataFrame:
    """``SplitProposal.regions`` for a reader: Team, Capacity, Workload today / proposed / target
    (whole effort units), Load today / proposed ("0.94×"), Proposed vs target ("+9.7%"),
    Within ±tol, Connected."""
    r = regions
    band = t("rebalance.col.within", tol=f"{tolerance:.0%}") if tolerance is not None else t("rebalance.col.within_band")
    out = pd.DataFrame({
        t("rebalance.col.team"): r["region_id"].astype(str).to_numpy(),
        t("rebalance.col.capacity"): _ints(r["capacity"]),
        t("rebalance.col.wl_today"): _ints(r["load_before"]),
        t("rebalance.col.wl_proposed"): _ints(r["load_after"]),
        t("rebalance.col.wl_target"): _ints(r["target"]) if "target" in r else None,
        t("rebalance.col.load_today"): [_times(v) for v in r["ratio_before"]],
        t("rebalance.col.load_proposed"): [_times(v) for v in r["ratio_after"]],
        t("rebalance.col.vs_target"): [signed_pct_text(v) for v in r["deviation_after"]]
        if "deviation_after" in r else None,
        band: [_yes(v) for v in r["within_tolerance"]],
        t("rebalance.col.connected"): [_yes(v) for v in r["contiguous"]],
    })
    return out.dropna(axis=1, how="all")


def moves_table(moves: pd.DataFrame, currency: str | None = None) -> pd.DataFrame:
    """``SplitProposal.moves`` for a reader: Province, From, To, Workload, Accounts, Revenue (¥)."""
    m = moves
    return pd.DataFrame({
        t("rebalance.col.unit"): m["geo_unit_id"].astype(str).to_numpy(),
        t("rebalance.col.from"): m["from_region"].astype(str).to_numpy(),
        t("rebalance.col.to"): m["to_region"].astype(str).to_numpy(),
        t("rebalance.col.workload"): _ints(m["load"]),
        t("rebalance.col.accounts"): _ints(m["accounts"]),
        t("rebalance.col.revenue"): [money_text(v, currency) for v in m["revenue"]],
    })


def single_moves_table(moves: pd.DataFrame, currency: str | None = None) -> pd.DataFrame:
    """``best_single_moves`` for a reader: Province, From, To, Balance today / after ("1.67×"),
    Busiest team after ("1.24×"), Revenue moved (¥), Teams stay connected."""
    m = moves
    return pd.DataFrame({
        t("rebalance.col.unit"): m["geo_unit_id"].astype(str).to_numpy(),
        t("rebalance.col.from"): m["from_region"].astype(str).to_numpy(),
        t("rebalance.col.to"): m["to_region"].astype(str).to_numpy(),
        t("rebalance.col.bal_today"): [_times(v) for v in m["balance_before"]],
        t("rebalance.col.bal_after"): [_times(v) for v in m["balance_after"]],
        t("rebalance.col.busiest_after"): [_times(v) for v in m["max_ratio_after"]],
        t("rebalance.col.rev_moved"): [money_text(v, currency) for v in m["moved_revenue"]],
        t("rebalance.col.stay_connected"): [_yes(v) for v in m["keeps_contiguity"]],
    })


_METHODS = ("proposed", "recluster", "nearest")


def baselines_table(comparison: pd.DataFrame, scale: float = 1.0) -> pd.DataFrame:
    """``compare_baselines`` for a reader (rows: proposed, re-drawn from scratch, grouped by distance):
    Method, Share of revenue moved (fraction of TOTAL revenue with ``scale`` = movable ÷ total),
    Balance ("1.10×"), Worst team vs target (fraction), Within band, Connected, Units split, Note.
    :func:`baselines_percent` names the two fraction columns for ``report.table(percent=...)``."""
    c = comparison.reset_index(drop=True)
    methods = [t(f"rebalance.method.{_METHODS[i]}") if i < len(_METHODS) else str(m) for i, m in enumerate(c["method"])]
    notes = ["", t("rebalance.note.recluster"), t("rebalance.note.nearest")]
    return pd.DataFrame({
        t("rebalance.col.method"): methods,
        t("rebalance.col.rev_moved_share"): c["moved_revenue_share"].to_numpy(dtype=float) * scale,
        t("rebalance.col.balance"): [_times(v) for v in c["balance"]],
        t("rebalance.col.worst"): c["max_deviation"].to_numpy(dtype=float),
        t("rebalance.col.within_band"): [_yes(v) for v in c["within_tolerance"]],
        t("rebalance.col.connected"): [_yes(v) for v in c["contiguous"]],
        t("rebalance.col.units_split"): _ints(c["units_split"]),
        t("rebalance.col.note"): [notes[i] if i < len(notes) else "" for i in range(len(c))],
    })


def baselines_percent() -> list[str]:
    """The fraction columns of :func:`baselines_table` in the report's language."""
    return [t("rebalance.col.rev_moved_share"), t("rebalance.col.worst")]
