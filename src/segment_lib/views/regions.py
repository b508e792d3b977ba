"""The regions report (02_regions): one split in detail and all splits side by side."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

import numpy as np

from .. import export, i18n, regions as rg
from ..fmt import pct_text, times_text
from ..i18n import t


@dataclass
class RegionsView:
    evaluation: Any
    evaluations: dict
    comparison: pd.DataFrame
    findings: list[str]
    effect_findings: list[str]
    context_note: str
    weights_note: str
    region_table: pd.DataFrame
    service_table: pd.DataFrame
    ownership_table: pd.DataFrame
    fairness_table: pd.DataFrame
    comparison_table: pd.DataFrame
    warnings: list[str]
    actions: list[str] = field(default_factory=list)
    captions: dict[str, str] = field(default_factory=dict)
    percent: dict[str, list[str]] = field(default_factory=dict)
    effects_table: pd.DataFrame | None = None
    model_warnings: list[str] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    headline: list[str] = field(default_factory=list)


def build(ctx) -> RegionsView:
    """Everything 02_regions shows, for the run's tiers and ``params.regions`` / ``params.geo``."""
    p, ds = ctx.params.regions, ctx.dataset
    comparison, evaluations = rg.compare_splits(
        ds, ctx.tiers.labels, p.splits, p.score_weights, tier_effort=ctx.tiers.effort, return_evaluations=True,
        random_state=p.random_state, extra_edges=ctx.params.geo.edges(), market_adjust=p.market_adjust,
        tolerance=ctx.params.rebalance.tolerance, window_days=p.window_days or ctx.lookback_days, n_boot=p.n_boot,
    )
    name = p.split or ds.current_split
    ev = evaluations[name] if name in evaluations else next(iter(evaluations.values()))
    effort = ", ".join(f"{i18n.name(k)} {v:g}" for k, v in ctx.tiers.effort.items())
    note = t("regions.appendix.context", split=ev.split, source=ctx.tiers.source, effort=effort,
             days=ev.params["window_days"], date=f"{ds.as_of:%Y-%m-%d}") + "".join(" " + i18n.render(n) for n in ds.notes)
    weights = {**rg.DEFAULT_WEIGHTS, **(p.score_weights or {})}
    metrics = rg.headline_metrics(ev, comparison)
    headline = metrics.pop("headline", [])
    metrics["tiers_fingerprint"] = ctx.tiers.fingerprint
    export.keep(ctx, "regions", split_comparison=export.split_comparison(evaluations))
    return RegionsView(
        evaluation=ev, evaluations=evaluations, comparison=comparison, findings=rg.region_findings(ev),
        effect_findings=rg.effect_sentences(ev) or [t("regions.effect.none")],
        context_note=note,
        weights_note=t("regions.appendix.weights", weights=", ".join(f"{k} {v:.0%}" for k, v in weights.items())),
        region_table=rg.region_report_table(ev), service_table=rg.service_report_table(ev),
        ownership_table=rg.ownership_report_table(ev, show_ids=p.show_ids),
        fairness_table=rg.fairness_report_table(ev), comparison_table=rg.comparison_report_table(comparison),
        # a satisfaction metric left out (no answers in the window) is said next to the data warnings
        warnings=[i18n.render(w) for w in [*ds.warnings, *(w for w in ev.warnings if getattr(w, "key", None) in
                                                           ("regions.warn.no_answers", "regions.warn.no_surveys"))]],
        metrics=metrics,
        headline=headline, model_warnings=[i18n.render(w) for w in ev.warnings],
        actions=_actions(ev), effects_table=_effects_table(ev),
        captions={k: t(f"regions.{k}.caption") for k in ("load", "service", "ownership", "fair", "compare")}
        | {"effect": t("regions.effect.title"), "appendix": t("common.analyst_appendix"),
           "model": t("regions.appendix.model"), "effects": t("regions.appendix.effects_caption")},
        percent={"ownership": rg.tables.ownership_percent(), "fair": rg.tables.fairness_percent()},
    )


def _actions(ev) -> list[str]:
    """Three to five actions with their numbers: capacity for overloaded regions, spare capacity,
    service gaps, ownership conflicts."""
    out = []
    pr = ev.per_region[ev.per_region["region_id"] != rg.UNASSIGNED]
    sv = ev.service.set_index("region_id")
    for _, r in pr[pr["flagged"]].head(2).iterrows():
        per_rep = r["capacity"] / r["n_reps"] if r["n_reps"] else np.nan
        extra = int(np.ceil((r["workload"] - r["capacity"]) / per_rep)) if per_rep == per_rep and per_rep > 0 else 0
        out.append(t("regions.action.capacity", region=i18n.name(r["region_id"]), load=times_text(r["load_ratio"]),
                     reps=max(extra, 1), share=pct_text(1 - r["capacity"] / r["workload"])))
        q = sv.loc[r["region_id"]] if r["region_id"] in sv.index else None
        if q is not None and np.isfinite(q["csat_diff"]) and q["csat_diff_high"] < 0:
            out.append(t("regions.action.satisfaction", region=i18n.name(r["region_id"]), diff=abs(q["csat_diff"]),
                         low=f"{q['csat_diff_low']:+.2f}".replace("-", "\u2212"),
                         high=f"{q['csat_diff_high']:+.2f}".replace("-", "\u2212")))
    under = pr[pr["load_ratio"] < 0.85]
    if len(under) and pr["flagged"].any():
        out.append(t("regions.action.spare", regions=i18n.join(
            f"{i18n.name(x)} ({times_text(v)})" for x, v in zip(under["region_id"], under["load_ratio"]))))
    own = ev.ownership.set_index("check")
    if own.loc["multi_owner", "count"]:
        out.append(t("regions.action.owners", n=int(own.loc["multi_owner", "count"]),
                     share=pct_text(own.loc["multi_owner", "revenue_share"], 1)))
    if pr["flagged"].any():
        out.append(t("regions.action.rebalance"))
    return out[:5]


def _effects_table(ev) -> pd.DataFrame | None:
    """The fitted load models for the analyst appendix (per 1.0 of load ratio)."""
    e = ev.effects
    if not len(e):
        return None
    cols = ["outcome", "estimate", "std_error", "ci_low", "ci_high", "p_value", "n_obs", "n_clusters"]
    return e[[c for c in cols if c in e.columns]].reset_index(drop=True)
