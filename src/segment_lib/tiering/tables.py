"""Manager-facing findings and tables, already formatted: money as ¥402.1M (one formatter,
:func:`segment_lib.fmt.money_text`), shares as fractions for ``report.table``'s percent columns,
integers as integers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..fmt import money_text
from ..params import DEFAULT_LOOKBACK_DAYS
from .evidence import Migration
from .labels import tier_names
from .model import TierModel
from .rfm import segment_table


def summary_lines(profile: pd.DataFrame, model: TierModel | None = None, migration: Migration | None = None,
                  stability: pd.DataFrame | None = None, lookback_days: int = DEFAULT_LOOKBACK_DAYS,
                  currency: str = "¥") -> list[str]:
    """Plain-language findings for a sales manager (markdown ``**bold**`` allowed).

    ``profile`` from :func:`tier_profile`; optional model (for how k was chosen), migration and
    stability tables.  One line per tier: size, revenue share, typical behaviour.
    """
    lines = []
    if model is not None:
        how = ("chosen from the data" if model.n_tiers == "auto" and model.method in ("kmeans", "gmm", "clv")
               else f"method {model.method}")
        lines.append(f"Customers fall into **{model.n_tiers_} tiers** ({how}); tier 1 is the most valuable.")
    for _, r in profile.iterrows():  # one line per tier
        rec = "never bought" if pd.isna(r["recency_days"]) else f"last bought ~{r['recency_days']:.0f} days ago"
        lines.append(
            f"**{r['tier_label']}**: {int(r['n_customers']):,} customers ({r['customer_share']:.0%}) bring "
            f"**{max(r['revenue_share'], 0.0):.0%}** of revenue; on average they buy {r['frequency']:.1f}× in "
            f"{lookback_days} days, spend {money_text(r['monetary_total'], currency)}, "
            f"{rec}" + (f"; {r['dormancy_rate']:.0%} have not bought for 180+ days" if r["dormancy_rate"] > 0.2 else "")
            + ".")
    if migration is not None:
        s = migration.summary.set_index("direction")["n_customers"]
        n = max(int(s.sum()), 1)
        lines.append(f"Since the earlier date (judged with today's tier definitions) **{int(s.get('up', 0)):,} "
                     f"customers moved up** and **{int(s.get('down', 0)):,} moved down** a tier "
                     f"({(int(s.get('up', 0)) + int(s.get('down', 0))) / n:.1%} of customers); "
                     f"{int(s.get('new', 0)):,} are new. Downgrades are the first accounts to call.")
    if stability is not None and len(stability):
        ari = float(stability.loc[stability["scope"] == "overall", "ari_mean"].iloc[0])
        word = "very stable" if ari >= 0.9 else "stable" if ari >= 0.75 else "not stable: treat with care"
        lines.append(f"The tiers are {word} when the data is resampled (agreement {ari:.2f} on a 0–1 scale).")
    return lines


def profile_report_table(profile: pd.DataFrame, lookback_days: int = DEFAULT_LOOKBACK_DAYS, currency: str = "¥",
                         detail: bool = False) -> pd.DataFrame:
    """The :func:`tier_profile` table in manager words.

    Money as compact text (¥402.1M), shares as fractions in columns ending "share" / "rate"
    (shown as percentages by ``report.table(percent=...)``; tiny negative revenue shares from
    returns are clipped to 0 so no "-0%" appears), counts as integers, averages rounded.
    Columns: Tier, Customers, Customer share, Revenue, Revenue share, Spend per customer,
    Orders in <lookback> days, Last bought (days ago), Dormant share, Complaints per customer and
    CSAT (when present); with ``detail=True`` also Average order, One-time share, New share (left
    out by default so the table fits a report page without scrolling).
    """
    p = profile.sort_values("tier")
    out = pd.DataFrame({
        "Tier": p["tier_label"].astype(str).to_numpy(),
        "Customers": p["n_customers"].astype("int64").to_numpy(),
        "Customer share": p["customer_share"].to_numpy(dtype=float),
        "Revenue": [money_text(v, currency) for v in p["revenue"]],
        "Revenue share": np.clip(p["revenue_share"].to_numpy(dtype=float), 0, None),
        "Spend per customer": [money_text(v, currency) for v in p["monetary_total"]],
        f"Orders in {lookback_days} days": p["frequency"].round(1).to_numpy(dtype=float),
        "Last bought (days ago)": p["recency_days"].round(0).astype("Int64").to_numpy(),
        "Dormant share": p["dormancy_rate"].to_numpy(dtype=float),
    })
    if detail:
        out.insert(6, "Average order", [money_text(v, currency) for v in p["monetary_avg"]])
        if "one_time_share" in p.columns:
            out["One-time share"] = p["one_time_share"].to_numpy(dtype=float)
        if "new_share" in p.columns:
            out["New share"] = p["new_share"].to_numpy(dtype=float)
    if "complaints_per_customer" in p.columns:
        out["Complaints per customer"] = p["complaints_per_customer"].round(2).to_numpy(dtype=float)
    if "csat_mean" in p.columns:
        out["CSAT (1–5)"] = p["csat_mean"].round(2).to_numpy(dtype=float)
    return out


PROFILE_PERCENT = ("Customer share", "Revenue share", "Dormant share", "One-time share", "New share")


def k_scores_report_table(model: TierModel) -> pd.DataFrame:
    """``model.k_scores_`` for a reader: one row per candidate number of tiers, the chosen one
    marked, indices rounded to 2 decimals, Calinski–Harabasz / inertia / BIC as whole numbers,
    the spend ratio as "15.3×" ("no spend below" when the next tier spends nothing)."""
    s = getattr(model, "k_scores_", None)
    if s is None or not len(s):
        return pd.DataFrame()
    chosen = int(model.n_tiers_)
    out = pd.DataFrame({"Tiers": s["k"].astype("int64").to_numpy(),
                        "Chosen": np.where(s["k"].to_numpy() == chosen, "✓", "")})
    if "silhouette" in s:
        out["Silhouette (higher is better)"] = s["silhouette"].round(2).to_numpy(dtype=float)
    if "davies_bouldin" in s:
        out["Davies–Bouldin (lower is better)"] = s["davies_bouldin"].round(2).to_numpy(dtype=float)
    if "calinski_harabasz" in s:
        out["Calinski–Harabasz (higher is better)"] = s["calinski_harabasz"].round(0).astype("Int64").to_numpy()
    if "bic" in s:
        out["BIC (lower is better)"] = s["bic"].round(0).astype("Int64").to_numpy()
    if "inertia" in s:
        out["Inertia"] = s["inertia"].round(0).astype("Int64").to_numpy()
    if "min_tier_share" in s:
        out["Smallest tier share"] = s["min_tier_share"].to_numpy(dtype=float)
    if "value_ratio_min" in s:
        out["Spend vs next tier (lowest)"] = [
            "–" if not np.isfinite(v) and not np.isinf(v) else "no spend below" if np.isinf(v) else f"{v:.1f}×"
            for v in s["value_ratio_min"].to_numpy(dtype=float)]
    if "stability" in s:
        out["Stability (0–1)"] = s["stability"].round(2).to_numpy(dtype=float)
    if "revenue_spearman" in s:
        out["Correlation with next-period revenue"] = s["revenue_spearman"].round(2).to_numpy(dtype=float)
    return out


def stability_report_table(stability: pd.DataFrame) -> pd.DataFrame:
    """:func:`tier_stability` for a reader: Tier ("All customers" first), Customers (integer),
    "Agreement (mean)" and "Agreement (worst 5%)" on a 0–1 scale — the adjusted Rand index for
    all customers, the Jaccard overlap of the tier before and after for each tier — and Resamples."""
    s = stability.reset_index(drop=True)
    overall = (s["scope"] == "overall").to_numpy()
    return pd.DataFrame({
        "Tier": np.where(overall, "All customers", s["tier_label"].astype(str).to_numpy()),
        "Customers": s["n_customers"].astype("int64").to_numpy(),
        "Agreement (mean)": np.where(overall, s["ari_mean"], s["jaccard_mean"]).round(3),
        "Agreement (worst 5%)": np.where(overall, s["ari_p05"], s["jaccard_p05"]).round(3),
        "Resamples": s["n_boot"].astype("int64").to_numpy(),
    })


def segment_rule_table(model_or_segments: Any = None) -> pd.DataFrame:
    """The RFM segment rules for a reader: Segment, R score, FM score ("3–4" or "5"), Tier, Meaning."""
    if isinstance(model_or_segments, TierModel):
        t = model_or_segments.segment_table_
        names = list(model_or_segments.tier_names_)
    else:
        t = segment_table(model_or_segments)
        names = tier_names(int(t["tier"].max()) + 1) if len(t) else []

    def rng(a: pd.Series, b: pd.Series) -> list[str]:
        return [f"{x}" if x == y else f"{x}–{y}" for x, y in zip(a, b)]

    return pd.DataFrame({
        "Segment": t["segment"].astype(str).to_numpy(),
        "R score": rng(t["r_min"], t["r_max"]),
        "FM score": rng(t["fm_min"], t["fm_max"]),
        "Tier": [names[i] if 0 <= i < len(names) else str(i) for i in t["tier"].astype(int)],
        "Meaning": t["description"].astype(str).to_numpy(),
    })


def moves_report_table(migration: Migration, explanations: pd.DataFrame | None = None,
                       order: pd.DataFrame | None = None) -> pd.DataFrame:
    """Downgraded customers for a call list: Customer, Tier before, Tier now, Why (today's explanation).

    ``order``: the call list of :func:`~segment_lib.tiering.first_to_call` (ranked by revenue at
    risk); its rows replace the migration's downgrades, in that order."""
    d = (order if order is not None else migration.downgrades)[["customer_id", "label_from", "label_to"]]
    if explanations is not None and len(d):
        d = d.merge(explanations[["customer_id", "explanation"]], on="customer_id", how="left")
    out = d.rename(columns={"customer_id": "Customer", "label_from": "Tier before", "label_to": "Tier now",
                            "explanation": "Why (today)"})
    return out.reset_index(drop=True)
