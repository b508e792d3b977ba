"""Manager-facing report tables (formatted for the report; numbers stay in the tidy tables of
:class:`~segment_lib.regions.SplitEvaluation`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import stats
from ..fmt import money_text
from .evaluate import SplitEvaluation

_NB = "\u00a0"  # no-break space: an estimate and its interval never wrap onto separate lines


def _range(a: str, b: str, low_negative: bool) -> str:
    """ "3.71–3.75", or "-17 to -13" when the low end is negative (a dash next to a minus misleads)."""
    return f"{a}{_NB}to{_NB}{b}" if low_negative else f"{a}–{b}"


def _fmt_ci(est, lo, hi, nd=2, pct=False) -> list[str]:
    """Compact "estimate (low–high)" cells that do not wrap: "3.73 (3.71–3.75)", "8.1% (7.7–8.5%)"."""
    out = []
    for e, a, b in zip(est, lo, hi):
        if not np.isfinite(e):
            out.append("–")
        elif pct:
            out.append(f"{e:.1%}{_NB}({_range(f'{a * 100:.1f}', f'{b:.1%}', a < 0)})" if np.isfinite(a)
                       else f"{e:.1%}")
        else:
            out.append(f"{e:.{nd}f}{_NB}({_range(f'{a:.{nd}f}', f'{b:.{nd}f}', a < 0)})" if np.isfinite(a)
                       else f"{e:.{nd}f}")
    return [v.replace("-", "\u2212") for v in out]  # true minus signs, which do not break lines either


def region_report_table(evaluation: SplitEvaluation) -> pd.DataFrame:
    """One row per region (most loaded first): load and satisfaction, intervals as "est (low–high)".

    Response times, complaints and dormancy are in :func:`service_report_table` (one table with
    every interval would be too wide to read without wrapping).
    """
    pr = evaluation.per_region
    sv = evaluation.service.set_index("region_id").loc[pr["region_id"]]
    return pd.DataFrame({
        "Region": pr["region_id"].to_numpy(),
        "Reps": pr["n_reps"].to_numpy(),
        "Customers": pr["n_customers"].to_numpy(),
        "Load / capacity": [f"{v:.2f}×" if np.isfinite(v) else "no reps" for v in pr["load_ratio"]],
        "Reps over capacity": [f"{v:.0%}" if np.isfinite(v) else "–" for v in pr["share_reps_over"]],
        "CSAT, 1–5": _fmt_ci(sv["csat"], sv["csat_low"], sv["csat_high"]),
        "NPS": _fmt_ci(sv["nps"], sv["nps_low"], sv["nps_high"], nd=0),
        "Note": np.where(pr["flagged"].to_numpy(), "over capacity", "") + sv["warning"].to_numpy(),
    })


def service_report_table(evaluation: SplitEvaluation) -> pd.DataFrame:
    """Per region (same order as :func:`region_report_table`): first-response times, complaint and
    dormancy rates, each "est (low–high)" with its 95% interval."""
    pr = evaluation.per_region
    sv = evaluation.service.set_index("region_id").loc[pr["region_id"]]
    return pd.DataFrame({
        "Region": pr["region_id"].to_numpy(),
        "First response, median (h)": _fmt_ci(sv["median_response_h"], sv["median_response_low"],
                                              sv["median_response_high"], nd=1),
        "First response, slowest 10% (h)": _fmt_ci(sv["p90_response_h"], sv["p90_response_low"],
                                                   sv["p90_response_high"], nd=1),
        "Complaint rate": _fmt_ci(sv["complaint_rate"], sv["complaint_low"], sv["complaint_high"], pct=True),
        "Dormant customers": _fmt_ci(sv["dormancy_rate"], sv["dormancy_low"], sv["dormancy_high"], pct=True),
    })


def ownership_report_table(evaluation: SplitEvaluation, show_ids: bool = False) -> pd.DataFrame:
    """Ownership checks with counts and shares (fractions); ids only when ``show_ids`` (personal-data rule)."""
    o = evaluation.ownership
    t = pd.DataFrame({
        "Check": o["what"].to_numpy(),
        "Count": o["count"].to_numpy(),
        "Share": o["share"].to_numpy(dtype=float),
        "Revenue share": o["revenue_share"].to_numpy(dtype=float),
    })
    if show_ids:
        t["Examples"] = o["ids"].str.slice(0, 120).to_numpy()
    return t


def comparison_report_table(comparison: pd.DataFrame) -> pd.DataFrame:
    """The split comparison in manager words, best score first."""
    c = comparison.sort_values("score", ascending=False)
    return pd.DataFrame({
        "Split": c["split"].to_numpy(),
        "Score (0-100)": c["score"].round(0).astype(int).to_numpy(),
        "Busiest region": [f"{r}{_NB}{v:.2f}×" if np.isfinite(v) else f"{r} (no reps)"
                           for r, v in zip(c["most_loaded_region"], c["region_load_max"])],
        "Regions over capacity": c["n_flagged_regions"].to_numpy(),
        "Reps over capacity": [f"{v:.0%}" for v in c["share_reps_over_capacity"]],
        "Rep load spread (CV)": c["rep_load_cv"].round(2).to_numpy(),
        "Customers moved": [f"{v:.1%}" if np.isfinite(v) else "–" for v in c["share_moved"]],
        "Core customers moved": c["n_core_moved"].to_numpy(),
        "Distance to centre, km": c["compactness_km"].round(0).astype(int).to_numpy(),
        "Regions not connected": c["n_noncontiguous_regions"].to_numpy(),
    })


def fairness_report_table(evaluation: SplitEvaluation) -> pd.DataFrame:
    """Per region: spread of rep target attainment under a flat target vs the fair target."""
    f = evaluation.fairness
    g = f.groupby("region_id")
    t = pd.DataFrame({
        "Reps": g.size(),
        "Revenue": g["revenue"].sum(),
        "Flat target": g["flat_target"].sum(),
        "Fair target": g["target"].sum(),
        "Attainment, flat": g["revenue"].sum() / g["flat_target"].sum(),
        "Attainment, fair": g["revenue"].sum() / g["target"].sum(),
        "Spread between reps, flat (CV)": g["attainment_flat"].agg(stats.cv),
        "Spread between reps, fair (CV)": g["attainment_fair"].agg(stats.cv),
    }).reset_index().rename(columns={"region_id": "Region"})
    t = t.sort_values("Attainment, flat", ascending=False).reset_index(drop=True)
    for c in ("Revenue", "Flat target", "Fair target"):
        t[c] = [money_text(v) for v in t[c]]
    return t
