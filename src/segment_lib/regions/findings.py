"""Plain-language findings and the headline numbers of the region report."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .evaluate import SplitEvaluation
from .splits import UNASSIGNED


def _ci(lo, hi, fmt="{:+.2f}") -> str:
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "no interval"
    return f"95% CI {fmt.format(lo)} to {fmt.format(hi)}"


def _few(ids: str, n: int = 10) -> str:
    """At most ``n`` of a ';'-joined id list, with the total when longer."""
    parts = [x for x in str(ids).split(";") if x]
    return ", ".join(parts[:n]) + (f" … ({len(parts)} in all)" if len(parts) > n else "")


def outcome_findings(evaluation: SplitEvaluation, described: set | None = None) -> list[str]:
    """One sentence per region whose satisfaction (CSAT) or churn differs from the other regions with
    a 95% interval that excludes zero.  ``described``: regions whose CSAT gap is already told (by the
    overload findings); their churn gap is still told."""
    sv = evaluation.service
    sv = sv[sv["region_id"] != UNASSIGNED]
    described = described or set()
    out = []
    for _, q in sv.iterrows():
        bits = []
        lo, hi = q.get("csat_diff_low", np.nan), q.get("csat_diff_high", np.nan)
        if q["region_id"] not in described and np.isfinite(lo) and np.isfinite(hi) and (lo > 0 or hi < 0):
            word = "lower" if q["csat_diff"] < 0 else "higher"
            bits.append(f"CSAT {q['csat']:.2f}, {abs(q['csat_diff']):.2f} {word} than the other regions "
                        f"({_ci(lo, hi)})")
        lo, hi = q.get("churn_diff_low", np.nan), q.get("churn_diff_high", np.nan)
        if np.isfinite(lo) and np.isfinite(hi) and (lo > 0 or hi < 0):
            word = "more" if q["churn_diff"] > 0 else "fewer"
            bits.append(f"{q['churn_rate']:.1%} of customers churned, {abs(q['churn_diff']) * 100:.1f} points {word} "
                        f"than in the other regions ({_ci(lo * 100, hi * 100, '{:+.1f}')} points)")
        if bits:
            out.append(f"**{q['region_id']}**: " + "; ".join(bits) + ".")
    if "churn_rate" in sv.columns and not out and sv["n_churn"].sum() > 0:
        out.append("Churn does not differ clearly between regions (every 95% interval of the gap includes zero).")
    return out


def region_findings(evaluation: SplitEvaluation, max_regions: int = 3) -> list[str]:
    """Plain-language findings, most urgent first (overloaded regions lead).

    Example: "East: reps at 1.5× capacity (other regions 0.8×); CSAT 0.52 lower than the other
    regions (95% CI -0.58 to -0.46); median first response 4.1 h vs 1.5 h."
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
        s = f"**{rid}**: reps at {r['load_ratio']:.1f}× capacity (other regions {other_load:.1f}×)"
        if rid in sv.index:
            q = sv.loc[rid]
            if np.isfinite(q["csat_diff"]):
                word = "lower" if q["csat_diff"] < 0 else "higher"
                s += (f"; CSAT {abs(q['csat_diff']):.2f} {word} than the other regions "
                      f"({_ci(q['csat_diff_low'], q['csat_diff_high'])})")
            if np.isfinite(q["nps_diff"]):
                word = "lower" if q["nps_diff"] < 0 else "higher"
                s += f"; NPS {abs(q['nps_diff']):.0f} points {word} ({_ci(q['nps_diff_low'], q['nps_diff_high'], '{:+.0f}')})"
            rest = ev.service[ev.service["region_id"] != rid]
            if np.isfinite(q["median_response_h"]) and len(rest):
                rm = float(np.nanmedian(rest["median_response_h"]))
                s += f"; median first response {q['median_response_h']:.1f} h vs {rm:.1f} h elsewhere"
            if q["warning"]:
                s += f" ({q['warning']})"
        out.append(s + ".")
    if flagged.empty and len(pr):
        top = pr.iloc[0]
        out.append(f"No region is over capacity; the busiest is {top['region_id']} at {top['load_ratio']:.2f}× capacity.")
    under = pr[pr["load_ratio"] < 0.7]
    if len(under):
        out.append("Spare capacity in " + ", ".join(f"{r} ({v:.1f}×)" for r, v in
                                                    zip(under["region_id"], under["load_ratio"])) + ".")
    out += outcome_findings(ev, described=set(flagged.head(max_regions)["region_id"]))
    for sent in ev.effect_sentences:
        out.append("Does workload hurt service? " + sent)
    sm = ev.summary.iloc[0]
    out.append(f"Rep workload balance: busiest rep at {sm['rep_load_max_mean']:.1f}× the average load; "
               f"{sm['share_reps_over_capacity']:.0%} of reps are over capacity (Gini {sm['rep_load_gini']:.2f}).")
    own = ev.ownership.set_index("check")
    n = int(sm["n_customers"])
    bits = []
    if own.loc["multi_owner", "count"]:
        bits.append(f"{own.loc['multi_owner', 'count']:,} customers ({own.loc['multi_owner', 'share']:.1%}) "
                    "have more than one owner rep")
    if own.loc["owner_outside_region", "count"]:
        bits.append(f"{own.loc['owner_outside_region', 'count']:,} have an owner in another region")
    if own.loc["cross_region_buyer", "count"]:
        bits.append(f"{own.loc['cross_region_buyer', 'count']:,} buy across regions "
                    f"({own.loc['cross_region_buyer', 'revenue_share']:.1%} of revenue is booked in another region)")
    if own.loc["without_owner", "count"]:
        bits.append(f"{own.loc['without_owner', 'count']:,} have no owner")
    if bits:
        out.append("Ownership: " + "; ".join(bits) + f" (of {n:,} customers).")
    if own.loc["core_not_with_original_rep", "count"]:
        out.append(f"{own.loc['core_not_with_original_rep', 'count']:,} core customers would change owner under "
                   f"this split (rule: core customers stay with their original rep).")
    if own.loc["orphan_unit", "count"] or own.loc["region_without_rep", "count"]:
        out.append(f"Split gaps: {own.loc['orphan_unit', 'count']} geo units without a region, "
                   f"{own.loc['region_without_rep', 'count']} regions without a rep.")
    nc = ev.geometry[~ev.geometry["contiguous"].astype(bool)]
    if len(nc):
        out.append("Not one connected piece: " + "; ".join(
            f"{r} ({k} parts; detached: {_few(d)})" for r, k, d in zip(nc["region_id"], nc["n_components"],
                                                                       nc["detached_units"])) + ".")
    else:
        out.append("Every region is one connected piece of territory.")
    dis = ev.params.get("disruption") or {}
    if dis and dis.get("share_moved", 0) > 0:
        rev = dis.get("revenue_share_moved", np.nan)
        out.append(f"Compared with the current split, {dis['share_moved']:.1%} of customers "
                   + (f"({rev:.1%} of revenue) " if np.isfinite(rev) else "")
                   + "change region or owner.")
    few = ev.service[ev.service["warning"] != ""]
    if len(few):
        out.append("Too few survey answers to judge: " + ", ".join(few["region_id"]) + ".")
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
