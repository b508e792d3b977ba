"""Manager-facing report tables (formatted for the report; numbers stay in the tidy tables of
:class:`~segment_lib.regions.SplitEvaluation`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import stats
from ..fmt import money_text, pct_text
from ..i18n import MESSAGES, name, t
from .evaluate import SplitEvaluation

_NB = "\u00a0"  # no-break space: an estimate and its interval never wrap onto separate lines


def _range(a: str, b: str, low_negative: bool) -> str:
    """ "3.71–3.75", or "-17 to -13" when the low end is negative (a dash next to a minus misleads)."""
    return t("regions.range", a=a, b=b).replace(" ", _NB) if low_negative else f"{a}–{b}"


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
    """One row per region (most loaded first): load, satisfaction and (with ``customers.churned``) churn,
    intervals as "est (low–high)".

    Response times, complaints and dormancy are in :func:`service_report_table` (one table with
    every interval would be too wide to read without wrapping).
    """
    pr = evaluation.per_region
    sv = evaluation.service.set_index("region_id").loc[pr["region_id"]]
    out = pd.DataFrame({
        t("regions.col.region"): pr["region_id"].to_numpy(),
        t("regions.col.reps"): pr["n_reps"].to_numpy(),
        t("regions.col.customers"): pr["n_customers"].to_numpy(),
        t("regions.col.load"): [f"{v:.2f}×" if np.isfinite(v) else t("regions.note.no_reps") for v in pr["load_ratio"]],
        t("regions.col.reps_over"): [pct_text(v) for v in pr["share_reps_over"]],
        t("regions.col.csat"): _fmt_ci(sv["csat"], sv["csat_low"], sv["csat_high"]),
        t("regions.col.nps"): _fmt_ci(sv["nps"], sv["nps_low"], sv["nps_high"], nd=0),
        t("regions.col.note"): np.where(pr["flagged"].to_numpy(), t("regions.note.over"), ""),
    })
    if "churn_rate" in sv.columns:  # customers.churned given: churn next to satisfaction
        out.insert(out.columns.get_loc(t("regions.col.note")), t("regions.col.churned"),
                   _fmt_ci(sv["churn_rate"], sv["churn_low"], sv["churn_high"], pct=True))
    return out


def service_report_table(evaluation: SplitEvaluation) -> pd.DataFrame:
    """Per region (same order as :func:`region_report_table`): first-response times, complaint and
    dormancy rates, each "est (low–high)" with its 95% interval."""
    pr = evaluation.per_region
    sv = evaluation.service.set_index("region_id").loc[pr["region_id"]]
    out = pd.DataFrame({
        t("regions.col.region"): pr["region_id"].to_numpy(),
        t("regions.col.resp_median"): _fmt_ci(sv["median_response_h"], sv["median_response_low"],
                                              sv["median_response_high"], nd=1),
        t("regions.col.resp_p90"): _fmt_ci(sv["p90_response_h"], sv["p90_response_low"],
                                                   sv["p90_response_high"], nd=1),
        t("regions.col.complaints"): _fmt_ci(sv["complaint_rate"], sv["complaint_low"], sv["complaint_high"], pct=True),
        t("regions.col.dormant"): _fmt_ci(sv["dormancy_rate"], sv["dormancy_low"], sv["dormancy_high"], pct=True),
    })
    return out


def ownership_report_table(evaluation: SplitEvaluation, show_ids: bool = False) -> pd.DataFrame:
    """Ownership checks with counts and shares (fractions); ids only when ``show_ids`` (personal-data rule)."""
    o = evaluation.ownership
    out = pd.DataFrame({
        t("regions.col.check"): [t(f"regions.check.{c}") if f"regions.check.{c}" in MESSAGES else w
                                 for c, w in zip(o["check"], o["what"])],
        t("regions.col.count"): o["count"].to_numpy(),
        t("regions.col.share"): o["share"].to_numpy(dtype=float),
        t("regions.col.revenue_share"): o["revenue_share"].to_numpy(dtype=float),
    })
    if show_ids:
        out[t("regions.col.examples")] = o["ids"].str.slice(0, 120).to_numpy()
    return out


def comparison_report_table(comparison: pd.DataFrame) -> pd.DataFrame:
    """The split comparison in manager words, best score first."""
    c = comparison.sort_values("score", ascending=False)
    return pd.DataFrame({
        t("regions.col.split"): c["split"].to_numpy(),
        t("regions.col.score"): c["score"].round(0).astype(int).to_numpy(),
        t("regions.col.busiest"): [f"{name(r)}{_NB}{v:.2f}×" if np.isfinite(v)
                                   else f"{name(r)} ({t('regions.note.no_reps')})"
                                   for r, v in zip(c["most_loaded_region"], c["region_load_max"])],
        t("regions.col.regions_over"): c["n_flagged_regions"].to_numpy(),
        t("regions.col.reps_over"): [pct_text(v) for v in c["share_reps_over_capacity"]],
        t("regions.col.spread"): c["rep_load_cv"].round(2).to_numpy(),
        t("regions.col.moved"): [pct_text(v, 1) for v in c["share_moved"]],
        t("regions.col.core_moved"): c["n_core_moved"].to_numpy(),
        t("regions.col.distance"): c["compactness_km"].round(0).astype(int).to_numpy(),
        t("regions.col.not_connected"): c["n_noncontiguous_regions"].to_numpy(),
    })


def fairness_report_table(evaluation: SplitEvaluation) -> pd.DataFrame:
    """Per region: spread of rep target attainment under a flat target vs the fair target."""
    f = evaluation.fairness
    g = f.groupby("region_id")
    cols = {k: t(f"regions.col.{k}") for k in ("region", "reps", "revenue", "flat_target", "fair_target", "att_flat",
                                                "att_fair", "spread_flat", "spread_fair")}
    out = pd.DataFrame({
        cols["reps"]: g.size(),
        cols["revenue"]: g["revenue"].sum(),
        cols["flat_target"]: g["flat_target"].sum(),
        cols["fair_target"]: g["target"].sum(),
        cols["att_flat"]: g["revenue"].sum() / g["flat_target"].sum(),
        cols["att_fair"]: g["revenue"].sum() / g["target"].sum(),
        cols["spread_flat"]: g["attainment_flat"].agg(stats.cv),
        cols["spread_fair"]: g["attainment_fair"].agg(stats.cv),
    }).reset_index().rename(columns={"region_id": cols["region"]})
    out = out.sort_values(cols["att_flat"], ascending=False).reset_index(drop=True)
    for c in ("revenue", "flat_target", "fair_target"):
        out[cols[c]] = [money_text(v) for v in out[cols[c]]]
    return out


def fairness_percent() -> list[str]:
    """The percentage columns of :func:`fairness_report_table` in the report's language."""
    return [t("regions.col.att_flat"), t("regions.col.att_fair")]


def ownership_percent() -> list[str]:
    """The percentage columns of :func:`ownership_report_table` in the report's language."""
    return [t("regions.col.share"), t("regions.col.revenue_share")]
