"""The regions report (02_regions): one split in detail and all splits side by side."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .. import export
from .. import regions as rg


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
    effort = ", ".join(f"{k} {v:g}" for k, v in ctx.tiers.effort.items())
    tiers = (f"Tiers: {ctx.tiers.source} (the same tiers as the tiering report). Effort per account by tier: {effort}. "
             if ctx.tiers.available else
             f"No tiers: {ctx.tiers.reason}, so every account weighs 1 in the workload. ")
    note = (f"Split examined: **{ev.split}**. {tiers}"
            f"Service figures cover the {ev.params['window_days']} days up to {ds.as_of:%Y-%m-%d}.")
    weights = {**rg.DEFAULT_WEIGHTS, **(p.score_weights or {})}
    metrics = rg.headline_metrics(ev, comparison)
    headline = metrics.pop("headline", [])
    metrics["tiers_fingerprint"] = ctx.tiers.fingerprint
    export.keep(ctx, "regions", split_comparison=export.split_comparison(evaluations))
    return RegionsView(
        evaluation=ev, evaluations=evaluations, comparison=comparison, findings=rg.region_findings(ev),
        effect_findings=ev.effect_sentences or ["Not enough survey or ticket data to estimate the effect of workload."],
        context_note=note, weights_note="Score weights: " + ", ".join(f"{k} {v:.0%}" for k, v in weights.items()),
        region_table=rg.region_report_table(ev), service_table=rg.service_report_table(ev),
        ownership_table=rg.ownership_report_table(ev, show_ids=p.show_ids),
        fairness_table=rg.fairness_report_table(ev), comparison_table=rg.comparison_report_table(comparison),
        warnings=list(ds.warnings) + list(ev.warnings), metrics=metrics, headline=headline,
    )
