"""The overview report (00_overview): customers, revenue concentration and trend, data quality."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .. import i18n, summary
from ..fmt import count_text, money_text, pct_text, signed_pct_text
from ..i18n import t


@dataclass
class OverviewView:
    by_region: pd.DataFrame
    by_industry: pd.DataFrame
    revenue: pd.DataFrame
    curve: pd.DataFrame
    monthly: pd.DataFrame
    quality: pd.DataFrame
    kpis: dict[str, Any]
    kpi_notes: dict[str, str]
    actions: list[str]
    findings: list[str]
    meaning: list[str]
    warnings: list[str]
    current_split: str
    captions: dict[str, str] = field(default_factory=dict)
    appendix: list[str] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    headline: list[str] = field(default_factory=list)


def build(ctx) -> OverviewView:
    """Everything 00_overview shows (``params.overview`` sets the windows and the Pareto target)."""
    ds, p = ctx.dataset, ctx.params.overview
    months, target = p.revenue_months, p.pareto_target
    days = None if months else ctx.lookback_days
    window = (t("overview.window.months", n=months) if months else
              t("overview.window.all") if ctx.params.lookback_days == "all" else t("overview.window.days", n=days))
    by_region = summary.customers_by_region(ds)
    by_industry = summary.customers_by_industry(ds)
    revenue = summary.customer_revenue(ds, months=months, days=days)
    curve = summary.pareto_curve(revenue["revenue"])
    top_share = summary.top_share_for(revenue["revenue"], target)
    gini = summary.gini(revenue["revenue"])
    monthly = summary.monthly_revenue(ds, months=p.history_months)
    growth = summary.revenue_growth(monthly, months=12)
    geography = ds.has_geography
    n_regions = int(ds.split().nunique()) if geography else 0
    biggest = by_region.iloc[0]
    grew = growth["growth"] == growth["growth"]
    n_customers = len(ds.customers)
    top_n = int(round(top_share * n_customers)) if top_share == top_share else 0
    rev = revenue["revenue"].to_numpy(dtype=float)
    top_money = float(np.sort(np.clip(rev, 0, None))[::-1][:top_n].sum())
    n_zero = int((revenue["revenue"] <= 0).sum())
    tgt, top_txt, region = pct_text(target), pct_text(top_share), i18n.name(biggest["region_id"])
    kpis = {
        t("overview.kpi.customers"): n_customers,
        t("overview.kpi.revenue", window=window): money_text(revenue["revenue"].sum()),
        t("overview.kpi.reps"): len(ds.reps),
        t("overview.kpi.regions"): n_regions,
        t("overview.kpi.top", target=tgt): top_txt,
    }
    if not geography:  # transactions only: no reps, no regions
        kpis.pop(t("overview.kpi.reps")), kpis.pop(t("overview.kpi.regions"))
    actions = []
    if top_n:
        actions.append(t("overview.action.top", n=top_n, share=top_txt, target=tgt, money=money_text(top_money)))
    if grew and growth["growth"] < 0:
        actions.append(t("overview.action.decline", growth=signed_pct_text(growth["growth"]),
                         money=money_text(growth["current"] - growth["previous"])))
    if n_zero:
        actions.append(t("overview.action.zero", n=n_zero, window=window, share=pct_text(n_zero / n_customers)))
    if n_regions > 1 and biggest["share"] > 1.5 / n_regions:
        actions.append(t("overview.action.region", region=region, share=pct_text(biggest["share"]),
                         n=int(biggest["customers"])))
    if ds.warnings:
        actions.append(t("overview.action.warnings", n=len(ds.warnings)))
    findings = [
        t("overview.finding.top", top=top_txt, target=tgt, window=window),
        t("overview.finding.largest", region=region, n=int(biggest["customers"]), share=pct_text(biggest["share"]))
        if geography else t("overview.finding.no_geography"),
        t("overview.finding.growth", money=money_text(growth["current"]), growth=signed_pct_text(growth["growth"]))
        if grew else t("overview.finding.no_growth", money=money_text(growth["current"])),
        t("overview.finding.date", date=f"{ds.as_of:%Y-%m-%d}", n=len(ds.warnings)),
    ]
    if not ctx.tiers.available:  # e.g. every customer bought alike: said here, the tiering report is not run
        findings.append(t("overview.finding.no_tiers", reason=ctx.tiers.reason))
    meaning = [
        t("overview.meaning.top", top=top_txt, target=tgt),
        t("overview.meaning.gini", gini=gini),
        t("overview.meaning.zero", n=n_zero, window=window),
    ]
    metrics = dict(
        n_customers=len(ds.customers), n_transactions=len(ds.transactions), n_reps=len(ds.reps),
        n_regions=n_regions, n_warnings=len(ds.warnings), revenue_12m=revenue["revenue"].sum(),
        top_share_80=top_share, gini=gini, revenue_growth_12m=growth["growth"],
        largest_region=biggest["region_id"] if geography else None,
        largest_region_share=biggest["share"] if geography else float("nan"),
    )
    return OverviewView(
        by_region=by_region, by_industry=by_industry, revenue=revenue, curve=curve, monthly=monthly,
        quality=_quality_table(summary.data_quality(ds)), kpis=kpis,
        kpi_notes={t("overview.kpi.regions"): t("overview.kpi.regions_note", split=i18n.name(ds.current_split))} if geography else {},
        actions=actions[:5], findings=findings, meaning=meaning, warnings=[i18n.render(w) for w in ds.warnings], current_split=str(i18n.name(ds.current_split)),
        metrics=metrics,
        captions={"where": (t("overview.where.caption", split=i18n.name(ds.current_split)) if geography
                            else t("overview.where.caption_none")),
                  "meaning": t("overview.meaning.title"), "trend": t("overview.trend.caption"),
                  "quality": t("overview.quality.caption"), "appendix": t("common.analyst_appendix")},
        appendix=[t("overview.appendix.gini", gini=gini),
                  t("overview.appendix.settings", window=window, target=tgt, history=p.history_months)],
        headline=["n_customers", "revenue_12m", "top_share_80", "revenue_growth_12m", "n_regions", "n_warnings"],
    )


def _quality_table(q: pd.DataFrame) -> pd.DataFrame:
    """Tables loaded, in the reader's words (status folded into the row count)."""
    return pd.DataFrame({
        t("overview.quality.table"): [t(f"overview.table.{v}") if f"overview.table.{v}" in i18n.MESSAGES else v
                                      for v in q["table"]],
        t("overview.quality.rows"): [count_text(v) if v else "–" for v in q["rows"]],
        t("overview.quality.columns"): q["columns"].to_numpy(),
    })
