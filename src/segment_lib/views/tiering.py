"""The tiering report (01_tiering): the run's tiers, the evidence for them, who moved, RFM view."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .. import export, i18n, tiering as tr
from ..errors import ModelInputError, NothingToTierError
from ..fmt import money_text, pct_text
from ..i18n import t


@dataclass
class TieringView:
    model: Any
    features: pd.DataFrame
    profile: pd.DataFrame
    profile_table: pd.DataFrame
    stability: pd.DataFrame
    stability_table: pd.DataFrame
    k_table: pd.DataFrame | None
    k_note: str
    migration: Any
    downgrades_table: pd.DataFrame
    rfm: Any
    rfm_rules: pd.DataFrame
    findings: list[str]
    as_of: pd.Timestamp
    prev_as_of: pd.Timestamp
    source: str
    actions: list[str] = field(default_factory=list)
    captions: dict[str, str] = field(default_factory=dict)
    appendix_notes: list[str] = field(default_factory=list)
    profile_percent: list[str] = field(default_factory=tr.profile_percent)
    metrics: dict[str, Any] = field(default_factory=dict)
    headline: list[str] = field(default_factory=list)
    holdout: Any = None  # tiering.Holdout, or None when the history is too short (holdout_findings says why)
    holdout_findings: list[str] = field(default_factory=list)
    holdout_note: str = ""

    @property
    def show_calibration(self) -> bool:
        return self.holdout is not None and len(self.holdout.calibration) > 0

    @property
    def show_k_chart(self) -> bool:
        return self.model.k_scores_ is not None and self.model.group_by is None


def build(ctx) -> TieringView:
    """Everything 01_tiering shows, for the run's tiers (``ctx.tiers``; ``params.tiering``)."""
    p = ctx.params.tiering
    if not ctx.tiers.available:
        raise NothingToTierError(f"this run has no tiers: {ctx.tiers.reason}")
    feats, model = ctx.features, ctx.tiers.model
    lookback = feats.attrs["lookback_days"]
    profile = tr.tier_profile(feats, model, surveys=ctx.dataset.surveys)
    stability = tr.tier_stability(model, feats, n_boot=p.stability_boot, random_state=p.random_state)
    # who moved since an earlier date: the earlier customers are tiered with the SAME fitted model
    # (same tier definitions), so a move means the customer's own behaviour changed
    prev_as_of = ctx.migration_as_of
    migration = tr.tier_migration_between(model, ctx.features_at(prev_as_of))
    rfm = tr.TierModel(method="rfm", rfm_segments=p.rfm_segments).fit(feats)
    before = ctx.features_at(prev_as_of)
    calls = tr.first_to_call(migration, before)
    reasons = tr.explain_tiers(model, feats, calls["customer_id"])
    down = tr.moves_report_table(migration, reasons, order=calls, before=before, now=feats)
    k_note = model.k_reason_ or f"The number of tiers follows from the method ({model.method})."
    ari = tr.stability_figure(stability)
    holdout, holdout_findings = _holdout(ctx)
    holdout_note = " ".join(holdout.notes) if holdout is not None else ""
    metrics = dict(
        tiers_fingerprint=ctx.tiers.fingerprint,
        tiering_method=model.method,
        tiering_chosen_k=int(model.n_tiers_),
        tiering_tier_sizes={str(r.tier_label): int(r.n_customers) for r in profile.itertuples()},
        tiering_revenue_share_top_tier=float(profile["revenue_share"].iloc[0]),
        tiering_stability_ari=ari,
        tiering_upgrades=int((migration.moves["direction"] == "up").sum()),
        tiering_downgrades=int((migration.moves["direction"] == "down").sum()),
    )
    if holdout is not None:
        metrics.update(tiering_holdout_spearman={r.method: round(float(r.spearman), 6) for r in holdout.summary.itertuples()},
                       tiering_holdout_ordered={r.method: bool(r.ordered) for r in holdout.summary.itertuples()})
    export.keep(ctx, "tiering", first_to_call=export.call_list(ctx, calls, reasons))
    return TieringView(
        model=model, features=feats, profile=profile,
        profile_table=tr.profile_report_table(profile, lookback_days=lookback),
        stability=stability, stability_table=tr.stability_report_table(stability),
        k_table=tr.k_scores_report_table(model) if model.k_scores_ is not None else None, k_note=k_note,
        migration=migration, downgrades_table=down, rfm=rfm, rfm_rules=tr.segment_rule_table(rfm),
        findings=tr.summary_lines(profile, model, migration, stability, lookback_days=lookback, since=prev_as_of),
        as_of=ctx.as_of, prev_as_of=prev_as_of, source=ctx.tiers.source, metrics=metrics,
        holdout=holdout, holdout_findings=holdout_findings, holdout_note=holdout_note,
        headline=["tiering_chosen_k", "tiering_revenue_share_top_tier", "tiering_downgrades", "tiering_upgrades",
                  "tiering_stability_ari"],
        actions=_actions(profile, migration, before, ari),
        captions={"tiers": t("tiering.tiers.caption", date=f"{ctx.as_of:%Y-%m-%d}"),
                  "snake": t("tiering.snake.caption"), "pareto": t("tiering.pareto.caption"),
                  "heat": t("tiering.moved.heat_caption", before=f"{prev_as_of:%Y-%m-%d}", after=f"{ctx.as_of:%Y-%m-%d}"),
                  "call": t("tiering.moved.call_caption"), "rfm": t("tiering.rfm.caption"),
                  "k": t("tiering.appendix.k_caption"), "stability": t("tiering.appendix.stability_caption")}
        | {k: t(f"tiering.appendix.{k}") for k in ("holdout", "holdout_table", "holdout_chart", "holdout_detail",
                                                    "calibration")},
        appendix_notes=[t("tiering.appendix.method", source=ctx.tiers.source, k_note=k_note),
                        t("tiering.appendix.k_text", agree=f"{ari:.2f}")] + [f"{w}." for w in model.warnings_],
    )


def _actions(profile: pd.DataFrame, migration, before: pd.DataFrame, ari: float) -> list[str]:
    """Three to five actions for the top of the report, with their numbers."""
    out = []
    down = migration.downgrades
    if len(down):
        spend = before.assign(customer_id=before["customer_id"].astype(str)).drop_duplicates("customer_id") \
            .set_index("customer_id")["monetary_total"]
        ids = down["customer_id"].astype(str)
        top_tier = int(down["tier_from"].min())
        first = down[down["tier_from"] == top_tier]
        if top_tier == 0 and len(first) < len(down):
            out.append(t("tiering.action.call", n=len(down), n_top=len(first), tier=i18n.name(str(first["label_from"].iloc[0])),
                         money=money_text(ids[first.index].map(spend).sum())))
        else:
            out.append(t("tiering.action.call_simple", n=len(down), money=money_text(ids.map(spend).sum())))
    p = profile.sort_values("tier")
    top, low = p.iloc[0], p.iloc[-1]
    out.append(t("tiering.action.protect", n=int(top["n_customers"]), tier=i18n.name(str(top["tier_label"])),
                 share=pct_text(max(top["revenue_share"], 0.0))))
    if len(p) > 1 and low["dormancy_rate"] > 0.5:
        out.append(t("tiering.action.dormant", n=int(low["n_customers"]), tier=i18n.name(str(low["tier_label"])),
                     share=pct_text(low["customer_share"])))
    ups = int((migration.moves["direction"] == "up").sum())
    if ups:
        out.append(t("tiering.action.upgrades", n=ups))
    if ari == ari and ari < 0.75:
        out.append(t("tiering.action.unstable"))
    return out[:5]


def _holdout(ctx) -> tuple[Any, list[str]]:
    """The holdout check (:func:`segment_lib.tiering.validate_tiers`) of the run's method and
    ``params.tiering.holdout_methods``, with the run's number of tiers; plain-words findings."""
    p, model = ctx.params.tiering, ctx.tiers.model
    methods = list(dict.fromkeys([model.method, *p.holdout_methods]))
    try:
        h = tr.validate_tiers(ctx.dataset, ctx.as_of, p.holdout_months, methods, n_tiers=int(model.n_tiers_),
                              model_params=p.model_params(), engine=ctx.params.engine,
                              lookback_days=ctx.lookback_days)
    except ModelInputError as e:
        return None, [f"The holdout check could not run ({e})."]
    return h, h.findings()
