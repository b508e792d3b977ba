"""Plain-language findings and the headline numbers of the region report."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import i18n
from ..fmt import pct_text, times_text
from ..i18n import name, t
from .evaluate import SplitEvaluation
from .splits import UNASSIGNED


def _num(v: float, fmt: str = "{:+.2f}") -> str:
    return fmt.format(v).replace("-", "\u2212")


def effect_sentence(row) -> str:
    """One row of ``SplitEvaluation.effects`` in plain words (the report's language): the change in
    the outcome when a rep goes from full load (1.0×) to 1.5× capacity, with its 95% range."""
    outcome = t(f"regions.effect.{row['outcome']}") if f"regions.effect.{row['outcome']}" in i18n.MESSAGES \
        else str(row.get("label", row["outcome"]))
    b, lo, hi, step = (float(row[k]) for k in ("step_effect", "step_ci_low", "step_ci_high", "step"))
    sure = "" if (lo > 0 or hi < 0) else t("regions.effect.unsure")
    if bool(row.get("log_outcome", False)):
        return t("regions.effect.times", outcome=outcome, to=1 + step, size=abs(b) * 100,
                 word=t("regions.word.longer" if b > 0 else "regions.word.shorter"),
                 low=_num(lo * 100, "{:+.0f}%"), high=_num(hi * 100, "{:+.0f}%"), sure=sure)
    return t("regions.effect.points", outcome=outcome, to=1 + step, size=abs(b),
             word=t("regions.word.lower" if b < 0 else "regions.word.higher"), low=_num(lo), high=_num(hi), sure=sure)


def effect_sentences(evaluation: SplitEvaluation) -> list[str]:
    """:func:`effect_sentence` of every fitted load model of the evaluation."""
    e = evaluation.effects
    return [effect_sentence(r) for _, r in e.iterrows()] if len(e) else []


def region_findings(evaluation: SplitEvaluation, max_regions: int = 3) -> list[str]:
    """Plain-language findings in the report's language, most urgent first (overloaded regions lead).

    Example: "East: reps at 1.50× capacity (other regions 0.80×); satisfaction 0.52 lower than the
    other regions (95% range −0.58 to −0.46); median first response 4.1 h vs 1.5 h elsewhere."
    """
    ev = evaluation
    out: list[str] = []
    pr = ev.per_region[ev.per_region["region_id"] != UNASSIGNED]
    sv = ev.service.set_index("region_id")
    flagged = pr[pr["flagged"]]
    for _, r in flagged.head(max_regions).iterrows():
        rid = r["region_id"]
        others = pr[pr["region_id"] != rid]
        other_load = float(others["workload"].sum() / others["capacity"].sum()) if others["capacity"].sum() else np.nan
        s = t("regions.finding.flagged", region=name(rid), load=times_text(r["load_ratio"]),
              other=times_text(other_load))
        if rid in sv.index:
            q = sv.loc[rid]
            if np.isfinite(q["csat_diff"]):
                s += t("regions.finding.csat", diff=abs(q["csat_diff"]),
                       word=t("regions.word.lower" if q["csat_diff"] < 0 else "regions.word.higher"),
                       low=_num(q["csat_diff_low"]), high=_num(q["csat_diff_high"]))
            if np.isfinite(q["nps_diff"]):
                s += t("regions.finding.nps", diff=abs(q["nps_diff"]),
                       word=t("regions.word.lower" if q["nps_diff"] < 0 else "regions.word.higher"),
                       low=_num(q["nps_diff_low"], "{:+.0f}"), high=_num(q["nps_diff_high"], "{:+.0f}"))
            rest = ev.service[ev.service["region_id"] != rid]
            if np.isfinite(q["median_response_h"]) and len(rest):
                s += t("regions.finding.response", here=q["median_response_h"],
                       rest=float(np.nanmedian(rest["median_response_h"])))
        out.append(s + ("。" if i18n.language() == "zh" else "."))
    if flagged.empty and len(pr):
        top = pr.iloc[0]
        out.append(t("regions.finding.none_over", region=name(top["region_id"]), load=times_text(top["load_ratio"])))
    under = pr[pr["load_ratio"] < 0.7]
    if len(under):
        out.append(t("regions.finding.spare", list=i18n.join(
            f"{name(r)} ({times_text(v, 1)})" for r, v in zip(under["region_id"], under["load_ratio"]))))
    for sent in effect_sentences(ev):
        out.append(t("regions.finding.effect", sentence=sent))
    sm = ev.summary.iloc[0]
    out.append(t("regions.finding.reps", max=sm["rep_load_max_mean"], share=pct_text(sm["share_reps_over_capacity"])))
    own = ev.ownership.set_index("check")
    n = int(sm["n_customers"])
    bits = []
    if own.loc["multi_owner", "count"]:
        bits.append(t("regions.own.multi", n=int(own.loc["multi_owner", "count"]),
                      share=pct_text(own.loc["multi_owner", "share"], 1)))
    if own.loc["owner_outside_region", "count"]:
        bits.append(t("regions.own.outside", n=int(own.loc["owner_outside_region", "count"])))
    if own.loc["cross_region_buyer", "count"]:
        bits.append(t("regions.own.cross", n=int(own.loc["cross_region_buyer", "count"]),
                      share=pct_text(own.loc["cross_region_buyer", "revenue_share"], 1)))
    if own.loc["without_owner", "count"]:
        bits.append(t("regions.own.without", n=int(own.loc["without_owner", "count"])))
    if bits:
        out.append(t("regions.finding.ownership", bits=("；" if i18n.language() == "zh" else "; ").join(bits), n=n))
    if own.loc["core_not_with_original_rep", "count"]:
        out.append(t("regions.finding.core", n=int(own.loc["core_not_with_original_rep", "count"])))
    if own.loc["orphan_unit", "count"] or own.loc["region_without_rep", "count"]:
        out.append(t("regions.finding.gaps", units_n=int(own.loc["orphan_unit", "count"]),
                     regions_n=int(own.loc["region_without_rep", "count"])))
    nc = ev.geometry[~ev.geometry["contiguous"].astype(bool)]
    if len(nc):
        out.append(t("regions.finding.pieces", list=i18n.join(
            t("regions.finding.piece", region=name(r), k=k, detached=i18n.join(name(x) for x in str(d).split(";")))
            for r, k, d in zip(nc["region_id"], nc["n_components"], nc["detached_units"]))))
    else:
        out.append(t("regions.finding.connected"))
    dis = ev.params.get("disruption") or {}
    if dis and dis.get("share_moved", 0) > 0:
        out.append(t("regions.finding.disruption", share=pct_text(dis["share_moved"], 1),
                     revenue=pct_text(dis["revenue_share_moved"], 1)))
    few = ev.service[ev.service["warning"] != ""]
    if len(few):
        out.append(t("regions.finding.few", list=i18n.join(name(r) for r in few["region_id"])))
    return out


def headline_metrics(evaluation: SplitEvaluation, comparison: pd.DataFrame | None = None,
                     prefix: str = "") -> dict:
    """Headline numbers of the region report (for ``report.record_metrics``), keys optionally prefixed.

    ``headline`` lists the keys to show first on the index page (same convention as 00_overview).
    """
    ev = evaluation
    pr = ev.per_region[ev.per_region["region_id"] != UNASSIGNED]
    top = pr.iloc[0]
    sv = ev.service.set_index("region_id").loc[top["region_id"]]
    s = ev.summary.iloc[0]
    out = {
        "split": ev.split,
        "most_loaded_region": top["region_id"],
        "most_loaded_load_ratio": float(top["load_ratio"]),
        "n_flagged_regions": int(pr["flagged"].sum()),
        "most_loaded_csat_diff": float(sv["csat_diff"]),
        "most_loaded_csat_diff_ci_high": float(sv["csat_diff_high"]),
        "rep_load_cv": float(s["rep_load_cv"]),
        "rep_load_gini": float(s["rep_load_gini"]),
        "share_reps_over_capacity": float(s["share_reps_over_capacity"]),
        "n_multi_owner": int(s["n_multi_owner"]),
        "n_owner_outside_region": int(s["n_owner_outside_region"]),
        "n_cross_region_buyers": int(s["n_cross_region_buyers"]),
        "n_noncontiguous_regions": int(s["n_noncontiguous_regions"]),
    }
    if len(ev.effects):
        e = ev.effects.set_index("outcome")
        for k in e.index:
            out[f"load_effect_{k}"] = float(e.loc[k, "estimate"])
            out[f"load_effect_{k}_ci_low"] = float(e.loc[k, "ci_low"])
            out[f"load_effect_{k}_ci_high"] = float(e.loc[k, "ci_high"])
    if comparison is not None and len(comparison):
        best = comparison.sort_values("score", ascending=False).iloc[0]
        out["best_split"] = best["split"]
        out["best_split_score"] = float(best["score"])
    res = {f"{prefix}{k}": v for k, v in out.items()}
    res["headline"] = [f"{prefix}{k}" for k in ("most_loaded_region", "most_loaded_load_ratio",
                                                 "most_loaded_csat_diff", "load_effect_csat",
                                                 "share_reps_over_capacity", "n_multi_owner") if k in out]
    return res
