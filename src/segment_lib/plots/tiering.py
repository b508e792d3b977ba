"""Tiering charts: k selection, tier profile snake plot, Pareto curve per tier, migration heatmap,
RFM segments.  One function per chart; each returns a matplotlib Figure (see :mod:`segment_lib.plots`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..i18n import name as _name
from . import COMPACT, NEUTRAL, PALETTE, PERCENT, PRIMARY, TEXT, THOUSANDS, TIER_COLORS, label, new_figure

_ZH_TIER_COLORS = {"VIP客户": "VIP", "重点客户": "Key", "普通客户": "Regular", "沉睡客户": "Dormant"}


def tier_colors(names: Sequence[str]) -> dict[str, str]:
    """A colour per tier name: the fixed colours for VIP/Key/Regular/Dormant (and the Chinese
    names), otherwise the palette in order."""
    out = {}
    for i, n in enumerate(names):
        key = _ZH_TIER_COLORS.get(str(n), str(n))
        out[str(n)] = TIER_COLORS.get(key, PALETTE[i % len(PALETTE)])
    return out


def k_selection(k_scores: pd.DataFrame, chosen_k: int | None = None) -> Figure:
    """Small multiples of every k-selection criterion (``TierModel.k_scores_``), chosen k marked."""
    panels = [("silhouette", label("轮廓系数 (越高越好)", "Silhouette (higher better)")),
              ("davies_bouldin", label("DB 指数 (越低越好)", "Davies–Bouldin (lower better)")),
              ("calinski_harabasz", label("CH 指数 (越高越好)", "Calinski–Harabasz (higher better)")),
              ("bic", label("BIC (越低越好)", "BIC (lower better)")),
              ("stability", label("稳定性: 自助法 ARI", "Stability: bootstrap ARI")),
              ("value_ratio_min", label("相邻层级消费比 (最小)", "Value ratio, neighbouring tiers (min)")),
              ("revenue_spearman", label("与下期收入的秩相关", "Rank corr. with next-period revenue")),
              ("min_tier_share", label("最小层级占比", "Smallest tier share"))]
    panels = [(c, t) for c, t in panels if c in k_scores.columns and k_scores[c].notna().any()]
    ncols = 3
    nrows = int(np.ceil(len(panels) / ncols)) or 1
    fig, axes = new_figure(nrows, ncols, figsize=(10.5, 2.9 * nrows))
    axes = np.atleast_1d(axes).ravel()
    ks = k_scores["k"].to_numpy()
    for ax, (col, title) in zip(axes, panels):
        v = k_scores[col].to_numpy(dtype=float)
        if col == "value_ratio_min":
            v = np.minimum(v, 100.0)  # inf (a tier vs. zero spend) drawn at the cap
            ax.set_yscale("log")
            ax.axhline(2.0, color=NEUTRAL, linestyle=":", linewidth=1)
        if col == "stability":
            ax.axhline(0.8, color=NEUTRAL, linestyle=":", linewidth=1)
        ax.plot(ks, v, marker="o", color=PRIMARY)
        if chosen_k is not None and chosen_k in ks:
            ax.axvline(chosen_k, color="#B23A48", linestyle="--", linewidth=1.2)
            ax.plot([chosen_k], v[ks == chosen_k], marker="o", color="#B23A48", markersize=9)
        ax.set_title(title, fontsize=10)
        ax.set_xticks(ks)
        ax.set_xlabel("k")
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    if chosen_k is not None:
        fig.suptitle(label(f"层级数选择: k = {chosen_k} (红色虚线)", f"Choosing the number of tiers: k = {chosen_k} (red)"),
                     x=0.01, ha="left", fontweight="bold", color=TEXT)
    return fig


def snake_plot(X: pd.DataFrame, tiers: pd.DataFrame,
               features: Sequence[str] = ("recency_days", "frequency", "monetary_total", "monetary_avg",
                                          "n_interactions")) -> Figure:
    """Tier profile "snake plot": mean of each standardised feature per tier.

    Features are log1p'd where skewed (all but recency, which is capped at 730 days) and
    standardised over all customers, so 0 is the average customer.  ``tiers`` is ``TierModel.tiers_``.
    """
    feats = [f for f in features if f in X.columns]
    df = X.reset_index(drop=True)
    t = tiers.reset_index(drop=True)
    Z = {}
    for f in feats:
        v = pd.to_numeric(df[f], errors="coerce").astype(float)
        if f == "recency_days":
            v = v.fillna(730).clip(0, 730)
        else:
            v = np.log1p(v.fillna(0).clip(lower=0))
        sd = v.std()
        Z[f] = (v - v.mean()) / (sd if sd > 0 else 1)
    Z = pd.DataFrame(Z)
    Z["tier"] = t["tier"].to_numpy()
    names = t.drop_duplicates("tier").set_index("tier")["tier_label"].astype(str).sort_index()
    means = Z.groupby("tier")[feats].mean().sort_index()
    colors = tier_colors(names.tolist())
    fig, ax = new_figure(figsize=(8.0, 4.4))
    pretty = {"recency_days": label("最近购买(天)", "recency (days)"), "frequency": label("购买次数", "frequency"),
              "monetary_total": label("消费总额", "spend"), "monetary_avg": label("客单价", "avg order"),
              "n_interactions": label("服务联系", "contacts"), "trend": label("趋势", "trend")}
    x = np.arange(len(feats))
    for tier, row in means.iterrows():
        nm = names.get(tier, str(tier))
        ax.plot(x, row.to_numpy(), marker="o", color=colors[nm], label=_name(nm))
    ax.axhline(0, color=NEUTRAL, linewidth=1)
    ax.set_xticks(x, [pretty.get(f, f) for f in feats])
    ax.set_ylabel(label("标准化均值 (0 = 平均客户)", "standardised mean (0 = average customer)"))
    ax.set_title(label("各层级客户画像", "How each tier buys"))
    ax.legend(loc="best")
    return fig


def pareto_by_tier(X: pd.DataFrame, tiers: pd.DataFrame) -> Figure:
    """Cumulative revenue share vs. share of customers (best first), coloured by each customer's tier."""
    m = pd.to_numeric(X["monetary_total"], errors="coerce").fillna(0).clip(lower=0).to_numpy()
    t = tiers["tier"].to_numpy()
    names = tiers.drop_duplicates("tier").set_index("tier")["tier_label"].astype(str).sort_index()
    colors = tier_colors(names.tolist())
    order = np.argsort(-m, kind="stable")
    total = m.sum()
    y = np.cumsum(m[order]) / total if total > 0 else np.zeros(len(m))
    x = np.arange(1, len(m) + 1) / max(len(m), 1)
    tt = t[order]
    fig, ax = new_figure(figsize=(7.5, 4.6))
    step = max(1, len(x) // 4000)  # thin for the eye and for HTML size
    for tier, nm in names.items():
        sel = np.flatnonzero(tt == tier)[::step]
        share = m[t == tier].sum() / total if total > 0 else 0
        ax.scatter(x[sel], y[sel], s=4, color=colors[nm],
                   label=f"{_name(nm)}: {np.mean(t == tier):.0%} " + label("客户", "of customers") + f", {share:.0%} "
                   + label("收入", "of revenue"))
    ax.plot([0, 1], [0, 1], color=NEUTRAL, linestyle="--", linewidth=1)
    ax.axhline(0.8, color=NEUTRAL, linestyle=":", linewidth=1)
    ax.xaxis.set_major_formatter(PERCENT)
    ax.yaxis.set_major_formatter(PERCENT)
    ax.set_xlabel(label("客户占比 (按消费从高到低)", "share of customers (highest spend first)"))
    ax.set_ylabel(label("累计收入占比", "cumulative share of revenue"))
    ax.set_title(label("收入集中度 (按层级着色)", "Revenue concentration by tier"))
    ax.legend(loc="lower right", markerscale=4, fontsize=9)
    return fig


def migration_heatmap(counts: pd.DataFrame, title: str | None = None) -> Figure:
    """Heatmap of a migration matrix (``Migration.counts``): cell colour = share of the row,
    text = count and share."""
    c = counts.astype(float)
    shares = c.div(c.sum(axis=1).replace(0, np.nan), axis=0).fillna(0)
    fig, ax = new_figure(figsize=(1.3 * c.shape[1] + 2.5, 0.8 * c.shape[0] + 1.8))
    im = ax.imshow(shares.to_numpy(), cmap="Blues", vmin=0, vmax=1, aspect="auto")
    ax.grid(False)
    for i in range(c.shape[0]):
        for j in range(c.shape[1]):
            s = shares.iat[i, j]
            ax.text(j, i, f"{int(c.iat[i, j]):,}\n{s:.0%}", ha="center", va="center", fontsize=9,
                    color="white" if s > 0.55 else TEXT)
    ax.set_xticks(range(c.shape[1]), [str(_name(v)) for v in c.columns])
    ax.set_yticks(range(c.shape[0]), [str(_name(v)) for v in c.index])
    ax.set_xlabel(label("之后的层级", "tier afterwards"))
    ax.set_ylabel(label("之前的层级", "tier before"))
    ax.set_title(title or label("客户层级迁移", "Tier migration"))
    fig.colorbar(im, ax=ax, format=PERCENT, shrink=0.8, label=label("占原层级比例", "share of row"))
    return fig


def rfm_segments_bar(tiers: pd.DataFrame, X: pd.DataFrame | None = None) -> Figure:
    """Customers per RFM segment (``TierModel(method="rfm").tiers_``), with revenue share when ``X`` given."""
    seg = tiers["segment"].astype(str)
    counts = seg.value_counts()
    rev = None
    if X is not None:
        m = pd.to_numeric(X["monetary_total"], errors="coerce").fillna(0).clip(lower=0).to_numpy()
        rev = pd.Series(m).groupby(seg.to_numpy()).sum()
        rev = rev / rev.sum() if rev.sum() > 0 else rev * 0
    counts = counts.iloc[::-1]
    fig, ax = new_figure(figsize=(8.0, 0.4 * len(counts) + 1.6))
    bars = ax.barh([str(_name(v)) for v in counts.index], counts.to_numpy(), color=PRIMARY, height=0.65)
    top = float(counts.max()) if len(counts) else 1.0
    for bar, name, n in zip(bars, counts.index, counts.to_numpy()):
        txt = f"{int(n):,} ({n / counts.sum():.0%})"
        if rev is not None:
            txt += label(f", 收入 {rev.get(name, 0):.0%}", f", {rev.get(name, 0):.0%} of revenue")
        ax.text(bar.get_width() + top * 0.01, bar.get_y() + bar.get_height() / 2, txt, va="center",
                fontsize=9, color=TEXT)
    ax.set_xlim(0, top * 1.45)
    ax.xaxis.set_major_formatter(THOUSANDS)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(label("客户数", "customers"))
    ax.set_title(label("RFM 客户细分", "RFM segments"))
    return fig


def holdout_by_tier(tiers: pd.DataFrame) -> Figure:
    """Mean revenue per customer in the holdout period, by tier (best first), one line per method
    (``Holdout.tiers`` from :func:`segment_lib.tiering.validate_tiers`); log scale."""
    fig, ax = new_figure(figsize=(7.5, 4.2))
    for i, (method, g) in enumerate(tiers.groupby("method", sort=False)):
        g = g.sort_values("tier")
        v = np.maximum(g["realised_mean"].to_numpy(dtype=float), 1.0)  # log scale: below 1 drawn at 1
        ax.plot(g["tier"].to_numpy() + 1, v, marker="o", color=PALETTE[i % len(PALETTE)], label=str(method))
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(COMPACT)
    k = int(tiers["tier"].max()) + 1 if len(tiers) else 1
    ax.set_xticks(range(1, k + 1))
    ax.set_xlabel(label("层级 (1 = 最高)", "tier (1 = top)"))
    ax.set_ylabel(label("之后每位客户的平均收入", "revenue per customer afterwards"))
    ax.set_title(label("各层级之后的实际收入", "What each tier bought afterwards"))
    ax.legend(loc="best", fontsize=9)
    return fig


def clv_calibration(calibration: pd.DataFrame) -> Figure:
    """Predicted vs realised mean revenue per customer in ten groups of predicted value
    (``Holdout.calibration``); log scale, points on the dashed line were predicted exactly."""
    c = calibration[calibration["n_customers"] > 0]
    p = np.maximum(c["predicted_mean"].to_numpy(dtype=float), 1.0)
    r = np.maximum(c["realised_mean"].to_numpy(dtype=float), 1.0)
    fig, ax = new_figure(figsize=(5.8, 5.0))
    lo, hi = min(p.min(), r.min()) / 1.5, max(p.max(), r.max()) * 1.5
    ax.plot([lo, hi], [lo, hi], color=NEUTRAL, linestyle="--", linewidth=1)
    ax.scatter(p, r, color=PRIMARY, s=36, zorder=3)
    for g, x, y in zip(c["group"], p, r):
        ax.annotate(str(int(g)), (x, y), textcoords="offset points", xytext=(5, -10), fontsize=8, color=TEXT)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.xaxis.set_major_formatter(COMPACT)
    ax.yaxis.set_major_formatter(COMPACT)
    ax.set_xlabel(label("预测收入 (每位客户)", "predicted revenue per customer"))
    ax.set_ylabel(label("实际收入 (每位客户)", "realised revenue per customer"))
    ax.set_title(label("客户价值模型: 预测与实际", "Value model: predicted vs realised"))
    return fig


__all__ = ["tier_colors", "k_selection", "snake_plot", "pareto_by_tier", "migration_heatmap", "rfm_segments_bar",
           "holdout_by_tier", "clv_calibration", "COMPACT"]
