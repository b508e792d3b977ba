"""Manager-facing findings and tables, already formatted: money as ¥402.1M (one formatter,
:func:`segment_lib.fmt.money_text`), shares as fractions for ``report.table``'s percent columns,
integers as integers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..fmt import money_text, pct_text
from ..i18n import language, name, t
from ..i18n import t as t_
from ..params import DEFAULT_LOOKBACK_DAYS
from .evidence import Migration
from .labels import tier_names
from .model import TierModel
from .rfm import segment_table


def stability_figure(stability: pd.DataFrame | None) -> float:
    """The one stability figure of the run's tiers: the overall agreement of :func:`tier_stability`
    (NaN when not measured).  Findings, actions and the appendix all quote this number."""
    if stability is None or not len(stability):
        return float("nan")
    overall = stability.loc[stability["scope"] == "overall", "ari_mean"]
    return float(overall.iloc[0]) if len(overall) else float("nan")


def summary_lines(profile: pd.DataFrame, model: TierModel | None = None, migration: Migration | None = None,
                  stability: pd.DataFrame | None = None, lookback_days: int = DEFAULT_LOOKBACK_DAYS,
                  currency: str | None = None, since: Any = None) -> list[str]:
    """Plain-language findings for a sales manager (markdown ``**bold**`` allowed), in the report's
    language (:mod:`segment_lib.i18n`).

    ``profile`` from :func:`tier_profile`; optional model, migration and stability tables; ``since``:
    the earlier date of the migration.  One line per tier: size, revenue share, typical behaviour.
    """
    lines = []
    if model is not None:
        lines.append(t("tiering.finding.count", k=model.n_tiers_, best=name(str(profile["tier_label"].iloc[0]))))
    for _, r in profile.iterrows():  # one line per tier
        rec = (t("tiering.finding.never") if pd.isna(r["recency_days"])
               else t("tiering.finding.recency", days=r["recency_days"]))
        dormant = (t("tiering.finding.dormant", share=pct_text(r["dormancy_rate"])) if r["dormancy_rate"] > 0.2
                   else "")
        lines.append(t("tiering.finding.tier", tier=name(str(r["tier_label"])), n=int(r["n_customers"]),
                       share=pct_text(r["customer_share"]), revenue=pct_text(max(r["revenue_share"], 0.0)),
                       freq=r["frequency"], days=lookback_days, money=money_text(r["monetary_total"], currency),
                       recency=rec, dormant=dormant))
    if migration is not None:
        s = migration.summary.set_index("direction")["n_customers"]
        n = max(int(s.sum()), 1)
        up, down = int(s.get("up", 0)), int(s.get("down", 0))
        lines.append(t("tiering.finding.moves", date=f"{pd.Timestamp(since):%Y-%m-%d}" if since is not None else "–",
                       up=up, down=down, share=pct_text((up + down) / n, 1), new=int(s.get("new", 0))))
    ari = stability_figure(stability)
    if np.isfinite(ari):
        word = t("tiering.stable.very" if ari >= 0.9 else "tiering.stable.ok" if ari >= 0.75 else "tiering.stable.no")
        lines.append(t("tiering.finding.stable", word=word, agree=f"{ari:.2f}"))
    return lines


def profile_report_table(profile: pd.DataFrame, lookback_days: int = DEFAULT_LOOKBACK_DAYS, currency: str | None = None,
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
        t("tiering.col.tier"): p["tier_label"].astype(str).to_numpy(),
        t("tiering.col.customers"): p["n_customers"].astype("int64").to_numpy(),
        t("tiering.col.customer_share"): p["customer_share"].to_numpy(dtype=float),
        t("tiering.col.revenue"): [money_text(v, currency) for v in p["revenue"]],
        t("tiering.col.revenue_share"): np.clip(p["revenue_share"].to_numpy(dtype=float), 0, None),
        t("tiering.col.spend"): [money_text(v, currency) for v in p["monetary_total"]],
        t("tiering.col.orders", days=lookback_days): p["frequency"].round(1).to_numpy(dtype=float),
        t("tiering.col.last_bought"): p["recency_days"].round(0).astype("Int64").to_numpy(),
        t("tiering.col.dormant"): p["dormancy_rate"].to_numpy(dtype=float),
    })
    if detail:
        out.insert(6, t("tiering.col.avg_order"), [money_text(v, currency) for v in p["monetary_avg"]])
        if "one_time_share" in p.columns:
            out[t("tiering.col.one_time")] = p["one_time_share"].to_numpy(dtype=float)
        if "new_share" in p.columns:
            out[t("tiering.col.new")] = p["new_share"].to_numpy(dtype=float)
    if "complaints_per_customer" in p.columns:
        out[t("tiering.col.complaints")] = p["complaints_per_customer"].round(2).to_numpy(dtype=float)
    if "csat_mean" in p.columns:
        out[t("tiering.col.csat")] = p["csat_mean"].round(2).to_numpy(dtype=float)
    return out


def profile_percent() -> list[str]:
    """The percentage columns of :func:`profile_report_table`, in the report's language."""
    return [t(f"tiering.col.{k}") for k in ("customer_share", "revenue_share", "dormant", "one_time", "new")]


PROFILE_PERCENT = ("Customer share", "Revenue share", "Dormant share", "One-time share", "New share")


def k_scores_report_table(model: TierModel) -> pd.DataFrame:
    """``model.k_scores_`` for a reader: one row per candidate number of tiers, the chosen one
    marked, indices rounded to 2 decimals, Calinski–Harabasz / inertia / BIC as whole numbers,
    the spend ratio as "15.3×" ("no spend below" when the next tier spends nothing)."""
    s = getattr(model, "k_scores_", None)
    if s is None or not len(s):
        return pd.DataFrame()
    chosen = int(model.n_tiers_)
    out = pd.DataFrame({t("tiering.col.k"): s["k"].astype("int64").to_numpy(),
                        t("tiering.col.chosen"): np.where(s["k"].to_numpy() == chosen, "✓", "")})
    for col, key, kind in (("silhouette", "silhouette", 2), ("davies_bouldin", "db", 2),
                           ("calinski_harabasz", "ch", 0), ("bic", "bic", 0), ("inertia", "inertia", 0)):
        if col in s:
            out[t(f"tiering.col.{key}")] = (s[col].round(2).to_numpy(dtype=float) if kind
                                            else s[col].round(0).astype("Int64").to_numpy())
    if "min_tier_share" in s:
        out[t("tiering.col.smallest")] = s["min_tier_share"].to_numpy(dtype=float)
    if "value_ratio_min" in s:
        out[t("tiering.col.ratio")] = [
            "–" if not np.isfinite(v) and not np.isinf(v) else t("tiering.col.no_spend_below") if np.isinf(v)
            else f"{v:.1f}×" for v in s["value_ratio_min"].to_numpy(dtype=float)]
    if "stability" in s:
        out[t("tiering.col.screen_stability")] = s["stability"].round(2).to_numpy(dtype=float)
    if "revenue_spearman" in s:
        out[t("tiering.col.spearman")] = s["revenue_spearman"].round(2).to_numpy(dtype=float)
    return out


def stability_report_table(stability: pd.DataFrame) -> pd.DataFrame:
    """:func:`tier_stability` for a reader: Tier ("All customers" first), Customers (integer),
    "Agreement (mean)" and "Agreement (worst 5%)" on a 0–1 scale — the adjusted Rand index for
    all customers, the Jaccard overlap of the tier before and after for each tier — and Resamples."""
    s = stability.reset_index(drop=True)
    overall = (s["scope"] == "overall").to_numpy()
    return pd.DataFrame({
        t("tiering.col.tier"): np.where(overall, t("tiering.all_customers"), s["tier_label"].astype(str).to_numpy()),
        t("tiering.col.customers"): s["n_customers"].astype("int64").to_numpy(),
        t("tiering.col.agree_mean"): np.where(overall, s["ari_mean"], s["jaccard_mean"]).round(3),
        t("tiering.col.agree_p05"): np.where(overall, s["ari_p05"], s["jaccard_p05"]).round(3),
        t("tiering.col.resamples"): s["n_boot"].astype("int64").to_numpy(),
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
        t_("tiering.col.segment"): t["segment"].astype(str).to_numpy(),
        t_("tiering.col.r_score"): rng(t["r_min"], t["r_max"]),
        t_("tiering.col.fm_score"): rng(t["fm_min"], t["fm_max"]),
        t_("tiering.col.tier"): [names[i] if 0 <= i < len(names) else str(i) for i in t["tier"].astype(int)],
        t_("tiering.col.meaning"): t["description"].astype(str).to_numpy(),
    })


def moves_report_table(migration: Migration, explanations: pd.DataFrame | None = None,
                       order: pd.DataFrame | None = None, *, before: pd.DataFrame | None = None,
                       now: pd.DataFrame | None = None, currency: str | None = None) -> pd.DataFrame:
    """Downgraded customers as a call list, ranked by revenue at risk: customers who left the top tiers
    first, then by their spend in the earlier period (``before``: the features at the earlier date),
    then by id (``order``: the list of :func:`~segment_lib.tiering.first_to_call`, same ranking, kept
    as given).  Columns: Customer, Tier before, Tier now and, with the feature tables, the spend and
    orders of both periods and the days since the last purchase; in English also "Why (today)" from
    ``explanations``."""
    d = (order if order is not None else migration.downgrades)[["customer_id", "tier_from", "label_from",
                                                                 "label_to"]].copy()
    d["customer_id"] = d["customer_id"].astype(str)

    def col(feats: pd.DataFrame | None, c: str) -> pd.Series:
        if feats is None or c not in feats.columns:
            return pd.Series(np.nan, index=d.index)
        f = feats.assign(customer_id=feats["customer_id"].astype(str)).drop_duplicates("customer_id")
        return d["customer_id"].map(f.set_index("customer_id")[c]).astype(float)

    d["spend_before"], d["spend_now"] = col(before, "monetary_total"), col(now, "monetary_total")
    d["orders_before"], d["orders_now"] = col(before, "frequency"), col(now, "frequency")
    d["recency"] = col(now, "recency_days")
    if order is None:
        d = d.sort_values(["tier_from", "spend_before", "customer_id"], ascending=[True, False, True],
                          na_position="last", kind="stable")
    out = pd.DataFrame({t("tiering.col.customer"): d["customer_id"].to_numpy(),
                        t("tiering.col.tier_before"): d["label_from"].astype(str).to_numpy(),
                        t("tiering.col.tier_now"): d["label_to"].astype(str).to_numpy()})
    if before is not None:
        out[t("tiering.col.spend_before")] = [money_text(v, currency) for v in d["spend_before"]]
        out[t("tiering.col.orders_before")] = d["orders_before"].round(0).astype("Int64").to_numpy()
    if now is not None:
        out[t("tiering.col.spend_now")] = [money_text(v, currency) for v in d["spend_now"]]
        out[t("tiering.col.orders_now")] = d["orders_now"].round(0).astype("Int64").to_numpy()
        out[t("tiering.col.last_bought")] = d["recency"].round(0).astype("Int64").to_numpy()
    if explanations is not None and len(d) and language() == "en":
        why = explanations.assign(customer_id=explanations["customer_id"].astype(str)).drop_duplicates("customer_id")
        out["Why (today)"] = d["customer_id"].map(why.set_index("customer_id")["explanation"]).to_numpy()
    return out.reset_index(drop=True)
