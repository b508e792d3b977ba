"""The rebalance report (03_rebalance): a better split, against re-clustering and valid alternatives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .. import export
from .. import rebalance as rb
from ..errors import InfeasibleSplitError, ModelInputError


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
    metrics: dict[str, Any] = field(default_factory=dict)
    headline: list[str] = field(default_factory=list)


def _ensemble(inputs, p) -> tuple[Any, list[str]]:
    """The ensemble of valid alternatives; the balance band is widened (up to ±50%) when no seed plan
    fits the configured one, and the report says so; None when even that fails."""
    eps = p.ensemble_epsilon
    while True:
        try:
            ens = rb.run_ensemble(**inputs.ensemble_kwargs(), steps=p.ensemble_steps, epsilon=eps, seed=p.seed)
        except ModelInputError as e:
            if eps >= 0.5:
                return None, [f"No valid alternative splits could be drawn to compare with today's ({e})."]
            eps = min(0.5, eps * 2)
            continue
        widened = ([f"Alternatives are drawn with every region within ±{eps:.0%} of its target "
                    f"(±{p.ensemble_epsilon:.0%} was asked, but no valid split fits that band)."]
                   if eps != p.ensemble_epsilon else [])
        return ens, list(ens.sentences) + widened


def build(ctx) -> RebalanceView:
    """Everything 03_rebalance shows, for the run's tiers and ``params.rebalance`` / ``params.geo``."""
    p, edges = ctx.params.rebalance, ctx.params.geo.edges()
    inputs = rb.inputs_from_dataset(ctx.dataset, ctx.tiers.labels, ctx.tiers.effort,
                                    rules=rb.HybridRules(core_tiers=tuple(p.core_tiers or ())), extra_edges=edges,
                                    revenue_window_days=ctx.lookback_days)
    try:
        proposal = rb.propose_split(**inputs.split_kwargs(), tolerance=p.tolerance, n_regions=p.n_regions,
                                    time_limit=p.time_limit, seed=p.seed)
        infeasible = None
    except InfeasibleSplitError as e:
        proposal, infeasible = e.closest, e.reason
    ens, ens_findings = _ensemble(inputs, p)
    comparison = rb.compare_baselines(inputs, proposal, tolerance=p.tolerance, n_init=p.baseline_restarts,
                                      random_state=p.seed)
    findings = proposal.summary_lines() + ens_findings[:1] + ([f"Not possible as asked: {infeasible}"]
                                                              if infeasible else [])
    note = (f"Solver: **{proposal.solver}** ({proposal.status})"
            + (f", proven gap to the best possible {proposal.gap:.1%}" if proposal.gap is not None else "")
            + (f". Tiers: {ctx.tiers.source} (the same tiers as the tiering report). " if ctx.tiers.available
               else f". No tiers: {ctx.tiers.reason}, so every account weighs 1. ")
            + " ".join(inputs.notes + proposal.notes))
    export.keep(ctx, "rebalance", proposed_split=export.proposed_split(proposal))
    m = proposal.metrics
    metrics = dict(
        tiers_fingerprint=ctx.tiers.fingerprint,
        rebalance_balance_before=m["balance_before"], rebalance_balance_after=m["balance_after"],
        rebalance_moved_revenue_share=m["moved_revenue_share"], rebalance_moved_units=m["moved_units"],
        rebalance_feasible=proposal.feasible, rebalance_solver=proposal.solver, rebalance_gap=proposal.gap,
        ensemble_balance_percentile=ens.percentiles["balance"] if ens is not None else float("nan"),
        rebalance_balanced_recluster_moved_revenue_share=comparison.loc[1, "moved_revenue_share"],
        rebalance_balanced_recluster_within_tolerance=comparison.loc[1, "within_tolerance"],
        rebalance_kmeans_moved_revenue_share=comparison.loc[2, "moved_revenue_share"],
        rebalance_kmeans_max_deviation=comparison.loc[2, "max_deviation"],
    )
    return RebalanceView(
        inputs=inputs, proposal=proposal, infeasible=infeasible, ensemble=ens, ensemble_findings=ens_findings,
        comparison=comparison,
        tolerance=p.tolerance, extra_edges=edges, findings=findings, solver_note=note,
        baseline_findings=rb.comparison_lines(comparison),
        regions_table=rb.tables.regions_table(proposal.regions, p.tolerance),
        moves_table=rb.tables.moves_table(proposal.moves), baselines_table=rb.tables.baselines_table(comparison),
        single_moves_table=rb.tables.single_moves_table(rb.best_single_moves(inputs, tolerance=p.tolerance, top=8)),
        metrics=metrics,
        headline=["rebalance_balance_before", "rebalance_balance_after", "rebalance_moved_revenue_share",
                  "rebalance_moved_units", "ensemble_balance_percentile", "rebalance_gap"],
    )
