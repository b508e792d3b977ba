"""The overview report (00_overview): customers, revenue concentration and trend, data quality."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .. import summary
from ..report import fmt_pct as pct_text, fmt_value as value_text


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
    findings: list[str]
    meaning: list[str]
    warnings: list[str]
    current_split: str
    metrics: dict[str, Any] = field(default_factory=dict)
    headline: list[str] = field(default_factory=list)


def build(ctx) -> OverviewView:
    """Everything 00_overview shows (``params.overview`` sets the windows and the Pareto target)."""
    ds, p = ctx.dataset, ctx.params.overview
    months, target = p.revenue_months, p.pareto_target
    days = None if months else ctx.lookback_days
    window = (f"last {months} months" if months else
              "all history" if ctx.params.lookback_days == "all" else f"last {days} days")
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
    kpis = {
        "Customers": len(ds.customers),
        f"Revenue, {window}": revenue["revenue"].sum(),
        "Reps": len(ds.reps),
        "Regions": n_regions,
        f"Top customers for {target:.0%} of revenue": pct_text(top_share),
    }
    if not geography:  # transactions only: no reps, no regions
        kpis.pop("Reps"), kpis.pop("Regions")
    findings = [
        f"**{pct_text(top_share)}** of customers bring **{target:.0%}** of revenue "
        f"({window}): a small group of customers matters most.",
        (f"The largest region is **{biggest['region_id']}** with {biggest['customers']:,} customers "
         f"({biggest['share']:.0%} of all)." if geography else
         "The data has no regions (no geo_units, reps and splits), so the region reports are not part of this run."),
        f"Revenue in the last 12 months is {value_text(growth['current'])}, "
        + (f"**{growth['growth']:+.1%}** against the 12 months before." if grew
           else "not enough history to compare with the year before."),
        f"Analysis date: {ds.as_of:%Y-%m-%d}. {len(ds.warnings)} data warning(s), listed below.",
    ]
    if not ctx.tiers.available:  # e.g. every customer bought alike: said here, the tiering report is not run
        findings.append(f"No customer tiers could be made: {ctx.tiers.reason}.")
    meaning = [
        f"The top **{pct_text(top_share)}** of customers bring **{target:.0%}** of revenue.",
        f"Concentration index (Gini): {gini:.2f} (0 = everyone spends the same, 1 = one customer is everything).",
        f"{int((revenue['revenue'] <= 0).sum()):,} customers had no net revenue ({window}).",
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
        quality=summary.data_quality(ds), kpis=kpis, kpi_notes={"Regions": f"current split: {ds.current_split}"} if geography else {},
        findings=findings, meaning=meaning, warnings=list(ds.warnings), current_split=str(ds.current_split),
        metrics=metrics,
        headline=["n_customers", "revenue_12m", "top_share_80", "revenue_growth_12m", "n_regions", "n_warnings"],
    )
