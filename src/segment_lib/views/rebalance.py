"""The rebalance report (03_rebalance): a better split, against re-clustering and valid alternatives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .. import export
from .. import rebalance as rb
from ..errors import InfeasibleSplitError, ModelInputError
from ..fmt import pct_text
from ..i18n import render, t
from ..rebalance import text


@dataclass
class RebalanceView:
    inputs: Any
    proposal: Any
    infeasible: str | None
    ensemble: Any  # None when no valid alternative split could be drawn
    ensemble_findings: list[str]
    comparison: pd.DataFrame
    tolerance: float
    extra_edges: list
    findings: list[str]
    solver_note: str
    baseline_findings: list[str]
    regions_table: pd.DataFrame
    moves_table: pd.DataFrame
    baselines_table: pd.DataFrame
    single_moves_table: pd.DataFrame
    actions: list[str] = field(default_factory=list)
    captions: dict[str, str] = field(default_factory=dict)
    appendix_notes: list[str] = field(default_factory=list)
    n_alternatives: int = 0
    baselines_percent: list[str] = field(default_factory=list)
    alternatives_text: str = ""
    total_revenue: float = float("nan")
    metrics: dict[str, Any] = field(default_factory=dict)
    headline: list[str] = field(default_factory=list)


def _sentence(text: str) -> str:
    """A note as a sentence: capital first letter, final full stop."""
    t = str(text).strip()
    return (t[:1].upper() + t[1:] + ("" if t.endswith((".", "!", "?")) else ".")) if t else t


def _ensemble(inputs, p) -> tuple[Any, list[str]]:
    """The ensemble of valid alternatives; the balance band is widened (up to ±50%) when no seed plan
    fits the configured one, and the report says so; None when even that fails."""
    eps = p.ensemble_epsilon
    while True:
        try:
            ens = rb.run_ensemble(**inputs.ensemble_kwargs(), steps=p.ensemble_steps, epsilon=eps, seed=p.seed)
        except ModelInputError as e:
            if eps >= 0.5:
                return None, [t("rebalance.ens.none"), t("rebalance.appendix.ens_none", reason=str(e))]
            eps = min(0.5, eps * 2)
            continue
        widened = ([t("rebalance.ens.widened", eps=pct_text(eps), asked=pct_text(p.ensemble_epsilon))]
                   if eps != p.ensemble_epsilon else [])
        return ens, list(ens.sentences) + widened + [t("rebalance.ens.scorecard")]


def build(ctx) -> RebalanceView:
    """Everything 03_rebalance shows, for the run's tiers and ``params.rebalance`` / ``params.geo``."""
    p, edges = ctx.params.rebalance, ctx.params.geo.edges()
    core = tuple(p.core_tiers or ()) if len(ctx.tiers.names) > 1 else ()  # one tier: nobody is "core"
    inputs = rb.inputs_from_dataset(ctx.dataset, ctx.tiers.labels, ctx.tiers.effort,
                                    rules=rb.HybridRules(core_tiers=core), extra_edges=edges,
                                    revenue_window_days=ctx.lookback_days)
    try:
        proposal = rb.propose_split(**inputs.split_kwargs(), tolerance=p.tolerance, n_regions=p.n_regions,
                                    time_limit=p.time_limit, seed=p.seed, compactness_guard=p.compactness_guard,
                                    compactness_stretch=p.compactness_stretch,
                                    total_revenue=inputs.total_revenue)
        infeasible = None
    except InfeasibleSplitError as e:
        proposal, infeasible = e.closest, e.reason
    ens, ens_findings = _ensemble(inputs, p)
    comparison = rb.compare_baselines(inputs, proposal, tolerance=p.tolerance, n_init=p.baseline_restarts,
                                      random_state=p.seed)
    m = proposal.metrics
    # geo's metrics and compare_baselines already give revenue shares of TOTAL revenue (scale 1)
    total = float(m["revenue_total"]) if m.get("revenue_total") is not None else float(inputs.total_revenue or 0.0)
    findings = proposal.summary_lines(total) + ens_findings[:1] + (
        [t("rebalance.finding.not_possible")] if infeasible else [])
    note = text.solver_note(proposal, ctx.tiers.source, [_sentence(render(n)) for n in
                                                         [*ctx.dataset.notes, *inputs.notes, *proposal.notes]])
    singles = rb.best_single_moves(inputs, tolerance=p.tolerance, top=8)
    n_alt = int(ens.meta["steps"]) if ens is not None else 0
    export.keep(ctx, "rebalance", proposed_split=export.proposed_split(proposal))
    metrics = dict(
        tiers_fingerprint=ctx.tiers.fingerprint,
        rebalance_balance_before=m["balance_before"], rebalance_balance_after=m["balance_after"],
        rebalance_moved_revenue_share=m["moved_revenue_share"], rebalance_moved_units=m["moved_units"],
        rebalance_moved_load_share=m["moved_load_share"],
        rebalance_compactness_km_before=m["dispersion_km_before"],
        rebalance_compactness_km_after=m["dispersion_km_after"],
        rebalance_moved_revenue=m["moved_revenue"] if m.get("moved_revenue") is not None else float("nan"),
        rebalance_moved_revenue_share_of_total=(m["moved_revenue"] / total if total > 0 and m.get("moved_revenue")
                                                is not None else float("nan")),
        rebalance_feasible=proposal.feasible, rebalance_solver=proposal.solver, rebalance_gap=proposal.gap,
        ensemble_balance_percentile=ens.percentiles["balance"] if ens is not None else float("nan"),
        rebalance_balanced_recluster_moved_revenue_share=comparison.loc[1, "moved_revenue_share"],
        rebalance_balanced_recluster_within_tolerance=comparison.loc[1, "within_tolerance"],
        rebalance_kmeans_moved_revenue_share=comparison.loc[2, "moved_revenue_share"],
        rebalance_kmeans_max_deviation=comparison.loc[2, "max_deviation"],
    )
    return RebalanceView(
        inputs=inputs, proposal=proposal, infeasible=infeasible, ensemble=ens,
        ensemble_findings=ens_findings if ens is not None else ens_findings[:1],
        comparison=comparison,
        tolerance=p.tolerance, extra_edges=edges, findings=findings, solver_note=note,
        baseline_findings=rb.comparison_lines(comparison),
        regions_table=rb.tables.regions_table(proposal.regions, p.tolerance),
        moves_table=rb.tables.moves_table(proposal.moves), baselines_table=rb.tables.baselines_table(comparison),
        single_moves_table=rb.tables.single_moves_table(singles),
        actions=text.actions(proposal, singles, total, infeasible),
        captions={"load": t("rebalance.load.caption"), "moves": t("rebalance.moves.caption"),
                  "base": t("rebalance.base.caption"), "ens": t("rebalance.ens.box"),
                  "single": t("rebalance.single.caption"), "appendix": t("common.analyst_appendix")},
        appendix_notes=[note] + ([t("rebalance.appendix.not_possible", reason=infeasible)] if infeasible else [])
        + ens_findings[1:2] * (ens is None) + ([t("rebalance.appendix.ensemble", n=n_alt, steps=p.ensemble_steps,
                                    eps=pct_text(ens.meta["epsilon"]))] if ens is not None else [])
        + [t("rebalance.appendix.baselines", restarts=p.baseline_restarts)],
        n_alternatives=n_alt, total_revenue=total,
        alternatives_text=t("rebalance.alternatives.n", n=n_alt) if n_alt else t("rebalance.alternatives.none"), baselines_percent=rb.tables.baselines_percent(),
        metrics=metrics,
        headline=["rebalance_balance_before", "rebalance_balance_after", "rebalance_moved_revenue_share_of_total",
                  "rebalance_moved_revenue", "rebalance_moved_units", "rebalance_moved_load_share",
                  "ensemble_balance_percentile"],
    )
