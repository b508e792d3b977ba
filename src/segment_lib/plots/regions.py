"""Region charts: offline region map, load vs capacity, satisfaction vs load, split comparison.

Each function takes results of :mod:`segment_lib.regions` and returns a matplotlib Figure.
Nothing is downloaded: maps are drawn from bundled or configured outlines (:mod:`segment_lib.boundaries`),
else as a lat/lon scatter of geo units (no tiles).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize, TwoSlopeNorm
from matplotlib.figure import Figure

from ..boundaries import UnitShapes, unit_shapes
from ..i18n import name as _name
from ..params import DEFAULT_TOLERANCE
from . import BAD, NEUTRAL, PALETTE, PERCENT, PRIMARY, TEXT, label, maps, new_figure


def _region_colors(regions: list[str]) -> dict[str, str]:
    return {r: PALETTE[i % len(PALETTE)] for i, r in enumerate(sorted(regions))}


def region_map(evaluation, show_edges: bool = True, extra_edges: list[tuple[str, str]] | None = None,
               annotate_units: bool = True, boundaries: UnitShapes | None = None) -> Figure:
    """The split on a map: from the units' outlines when they are known (:mod:`segment_lib.boundaries`:
    the built-in provinces of China or ``params.geo.boundaries``), else a dot map.

    With outlines (or ``boundaries``): left, the units filled by region with each region's name and
    load ratio (red when over the band) at its largest polygon; right, satisfaction (CSAT) per
    region, or the load ratio when there are no surveys, as a choropleth.

    Dot map: geo units at their coordinates, coloured by region and sized by customers.

    Region names sit at the customer-weighted region centre with the region's load ratio.
    ``show_edges`` draws the adjacency (land borders, plus ``extra_edges`` or the evaluation's
    own extra edges dashed); unassigned units are drawn as grey crosses.  Longitude is
    stretched by 1/cos(mean latitude) so shapes are not squashed.
    """
    shapes = boundaries if boundaries is not None else unit_shapes(evaluation.units)
    if shapes is not None:
        return _region_choropleth(evaluation, shapes)
    u = evaluation.units.copy()
    geom = evaluation.geometry.set_index("region_id")
    load = evaluation.per_region.set_index("region_id")["load_ratio"]
    regions = sorted(r for r in u["region_id"].dropna().unique())
    colors = _region_colors(regions)
    fig, ax = new_figure(figsize=(8.5, 6.8))
    pos = dict(zip(u["geo_unit_id"], zip(u["lon"], u["lat"])))
    if show_edges and "neighbors" in u.columns:
        seen = set()
        for a, nb in zip(u["geo_unit_id"], u["neighbors"]):
            if nb is None or (isinstance(nb, float) and np.isnan(nb)):
                continue
            for b in str(nb).split(";"):
                b = b.strip()
                if b in pos and (b, a) not in seen:
                    seen.add((a, b))
                    ax.plot([pos[a][0], pos[b][0]], [pos[a][1], pos[b][1]], color="#D9E2EC", lw=0.8, zorder=1)
        for a, b in (extra_edges if extra_edges is not None else evaluation.params.get("extra_edges", [])):
            if a in pos and b in pos:
                ax.plot([pos[a][0], pos[b][0]], [pos[a][1], pos[b][1]], color=NEUTRAL, lw=1.0, ls="--", zorder=1)
    n = u["n_customers"].to_numpy(float)
    size = 30 + 900 * np.sqrt(n / n.max()) if n.max() > 0 else np.full(len(u), 60.0)
    for r in regions:
        m = (u["region_id"] == r).to_numpy()
        ax.scatter(u.loc[m, "lon"], u.loc[m, "lat"], s=size[m], color=colors[r], alpha=0.75,
                   edgecolor="white", linewidth=0.8, zorder=2, label=_name(r))
    un = u["region_id"].isna().to_numpy()
    if un.any():
        ax.scatter(u.loc[un, "lon"], u.loc[un, "lat"], s=60, marker="x", color=BAD, zorder=3,
                   label=label("未分配", "unassigned"))
    if annotate_units and len(u) <= 60:
        for _, row in u.iterrows():
            ax.annotate(str(_name(row["geo_unit_id"])), (row["lon"], row["lat"]), fontsize=7, color=TEXT,
                        ha="center", va="center", zorder=4)
    for r in regions:
        if r in geom.index and np.isfinite(geom.loc[r, "centre_lat"]):
            lr = load.get(r, np.nan)
            txt = f"{_name(r)}\n{lr:.2f}×" if np.isfinite(lr) else (
                f"{_name(r)}\n" + label("无销售", "no reps") if np.isposinf(lr) else _name(r))
            ax.annotate(txt, (geom.loc[r, "centre_lon"], geom.loc[r, "centre_lat"]), xytext=(0, 16),
                        textcoords="offset points", ha="center", fontsize=10, fontweight="bold",
                        color=BAD if np.isfinite(lr) and lr > 1 + evaluation.params.get("tolerance", DEFAULT_TOLERANCE) else TEXT,
                        bbox=dict(boxstyle="round,pad=0.2", fc="white", ec=colors[r], alpha=0.85), zorder=5)
    ax.set_aspect(1 / np.cos(np.radians(u["lat"].mean())))
    ax.set_xlabel(label("经度", "longitude"))
    ax.set_ylabel(label("纬度", "latitude"))
    ax.set_title(label(f"区域划分：{_name(evaluation.split, 'zh')}（圆点大小 = 客户数，标签 = 负载/产能）",
                       f"Regions of split '{_name(evaluation.split, 'en')}' (dot size = customers, label = load / capacity)"),
                 fontsize=11)
    ax.legend(loc="lower right", fontsize=8, markerscale=0.4, ncols=2)
    return fig


def _region_choropleth(evaluation, shapes: UnitShapes) -> Figure:
    u = evaluation.units
    split = {str(g): r for g, r in zip(u["geo_unit_id"], u["region_id"]) if isinstance(r, str)}
    regions = sorted(set(split.values()))
    colors = _region_colors(regions)
    load = evaluation.per_region.set_index("region_id")["load_ratio"]
    tol = evaluation.params.get("tolerance", DEFAULT_TOLERANCE)
    svc = evaluation.service.set_index("region_id")
    csat = "csat" in svc.columns and svc["csat"].notna().any()
    fig, (ax1, ax2) = new_figure(1, 2, figsize=(12, 4.8))
    maps.draw_units(ax1, shapes, {g: colors[r] for g, r in split.items()})
    maps.frame(ax1, shapes)
    points = sorted(maps.region_label_points(shapes, split).items(), key=lambda kv: -kv[1][2])
    box = dict(boxstyle="round,pad=0.25", fc="white", alpha=0.85)

    def items(values, fmt, color_of):
        out = []
        for r, (x, y, _a) in points:
            v = values.get(r, np.nan)
            txt = f"{maps.region_name(r)}\n{fmt(v)}" if np.isfinite(v) else maps.region_name(r)
            out.append({"x": x, "y": y, "text": txt, "kw": {"fontsize": 10, "fontweight": "bold",
                                                              "color": color_of(v),
                                                              "bbox": {**box, "ec": colors[r]}}})
        return out

    ax1.set_title(maps.text("map.regions", split=_name(evaluation.split)), fontsize=11.5)
    vals = svc["csat"] if csat else load
    lo, hi = float(np.nanmin(vals)), float(np.nanmax(vals))
    if csat:
        cmap, norm = colormaps["RdYlGn"], Normalize(lo, hi if hi > lo else lo + 0.1)
    else:
        cmap = colormaps["RdYlGn_r"]
        norm = TwoSlopeNorm(1.0, min(lo, 0.99), max(hi, 1.01))
    fill = {g: cmap(norm(vals.get(r, np.nan))) if np.isfinite(vals.get(r, np.nan)) else NEUTRAL
            for g, r in split.items()}
    maps.draw_units(ax2, shapes, fill)
    maps.frame(ax2, shapes)
    fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax2, shrink=0.55, pad=0.01,
                 label=label("平均满意度 CSAT (1-5)", "mean CSAT (1-5)") if csat else
                 label("负载 / 产能", "load / capacity"))
    ax2.set_title(maps.text("map.csat" if csat else "map.load"), fontsize=11.5)
    fig.text(0.01, 0.005, maps.text("map.source", source=shapes.source), fontsize=7, color=NEUTRAL)
    maps.place_labels(ax1, items(load, lambda v: f"{v:.2f}×", lambda v: BAD if np.isfinite(v) and v > 1 + tol else TEXT))
    maps.place_labels(ax2, items(vals, (lambda v: f"{v:.2f}") if csat else (lambda v: f"{v:.2f}×"), lambda v: TEXT))
    return fig


def load_vs_capacity(evaluation) -> Figure:
    """Per region: load / capacity bar (1.0 = full), each rep as a dot; flagged regions in red."""
    pr = evaluation.per_region.iloc[::-1]
    reps = evaluation.per_rep
    fig, ax = new_figure(figsize=(8.0, max(2.8, 0.5 * len(pr) + 1.4)))
    y = np.arange(len(pr))
    finite = np.isfinite(pr["load_ratio"].to_numpy(float))
    vals = np.where(finite, pr["load_ratio"], 0.0)
    colors = [BAD if f else PRIMARY for f in pr["flagged"]]
    ax.barh(y, vals, color=colors, alpha=0.35, height=0.7)
    for i, r in enumerate(pr["region_id"]):
        rl = reps.loc[reps["region_id"] == r, "load_ratio"].to_numpy(float)
        jitter = (np.linspace(-0.22, 0.22, len(rl)) if len(rl) > 1 else np.zeros(len(rl)))
        ax.scatter(rl, i + jitter, s=14, color=colors[i], zorder=3)
        txt = f"{pr['load_ratio'].iloc[i]:.2f}×" if finite[i] else label("无销售", "no reps")
        ax.text(max(vals[i], rl.max() if len(rl) else 0) + 0.03, i, txt, va="center", fontsize=9, color=TEXT)
    ax.axvline(1.0, color=TEXT, lw=1.2, ls="--")
    ax.text(1.0, len(pr) - 0.4, label(" 满负荷", " capacity"), fontsize=8, color=TEXT, va="bottom")
    ax.set_yticks(y, [str(_name(v)) for v in pr["region_id"]])
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(label("负载 / 产能（按客户层级加权）", "workload / capacity (tier-weighted accounts)"))
    ax.set_title(label("各区域负载与产能（点 = 每位销售）", "Workload vs capacity per region (dots = reps)"))
    rl_all = reps["load_ratio"].to_numpy(float)
    xmax = np.max(np.r_[vals, rl_all[np.isfinite(rl_all)], 1.0])
    ax.set_xlim(0, xmax * 1.15)
    return fig


def satisfaction_vs_load(evaluation, outcome: str = "csat") -> Figure:
    """Per rep: mean CSAT (or median first response) against today's load, with the fitted effect.

    The line has the load-model slope (with controls, cluster-robust) and passes through the
    answer-weighted mean point; the band shows the slope's 95% interval.
    """
    rs = evaluation.rep_service
    ycol, nlab = ("csat", "n_csat") if outcome == "csat" else ("median_response_h", "n_responses")
    d = rs[np.isfinite(rs[ycol].to_numpy(float)) & (rs[nlab] > 0)]
    regions = sorted(d["region_id"].astype(str).unique())
    colors = _region_colors(regions)
    fig, ax = new_figure(figsize=(8.0, 4.8))
    nmax = max(float(d[nlab].max()), 1.0) if len(d) else 1.0
    for r in regions:
        m = d["region_id"].astype(str) == r
        ax.scatter(d.loc[m, "load_ratio"], d.loc[m, ycol], s=15 + 120 * d.loc[m, nlab] / nmax,
                   color=colors[r], alpha=0.8, edgecolor="white", label=_name(r))
    eff = evaluation.effects
    key = "csat" if outcome == "csat" else "first_response"
    if len(eff) and (eff["outcome"] == key).any() and len(d):
        e = eff.set_index("outcome").loc[key]
        w = d[nlab].to_numpy(float)
        x0 = float(np.average(d["load_ratio"], weights=w))
        xs = np.linspace(d["load_ratio"].min(), d["load_ratio"].max(), 50)
        if key == "csat":
            y0 = float(np.average(d[ycol], weights=w))
            f = lambda b: y0 + b * (xs - x0)  # noqa: E731
        else:
            y0 = float(np.exp(np.average(np.log(d[ycol]), weights=w)))
            f = lambda b: y0 * np.exp(b * (xs - x0))  # noqa: E731
        ax.fill_between(xs, f(e["ci_low"]), f(e["ci_high"]), color=TEXT, alpha=0.12, lw=0)
        ax.plot(xs, f(e["estimate"]), color=TEXT, lw=2)
    ax.axvline(1.0, color=NEUTRAL, lw=1, ls="--")
    ax.set_xlabel(label("销售负载 / 产能", "rep load / capacity"))
    if outcome == "csat":
        ax.set_ylabel(label("平均满意度 CSAT (1-5)", "mean CSAT (1-5)"))
        ax.set_title(label("负载越高，满意度越低？（点 = 每位销售）", "Does workload hurt satisfaction? (dots = reps)"))
    else:
        ax.set_ylabel(label("首次响应中位数（小时）", "median first response (hours)"))
        ax.set_title(label("负载越高，响应越慢？（点 = 每位销售）", "Does workload slow responses? (dots = reps)"))
    ax.legend(fontsize=8, ncols=2, loc="upper right" if outcome == "csat" else "upper left")  # away from the points
    return fig


def split_comparison(comparison: pd.DataFrame) -> Figure:
    """Side-by-side bars per split: score, rep load spread (CV), reps over capacity,
    busiest region's load, customers moved."""
    c = comparison.iloc[::-1]
    panels = [
        ("score", label("综合得分 (越高越好)", "score (higher = better)"), None),
        ("rep_load_cv", label("销售负载差异", "rep load spread"), None),
        ("share_reps_over_capacity", label("超负荷销售占比", "reps over capacity"), PERCENT),
        ("region_load_max", label("最忙区域 负载/产能", "busiest region load"), None),
        ("share_moved", label("变动客户占比", "customers moved"), PERCENT),
    ]
    fig, axes = new_figure(1, len(panels), figsize=(12.5, max(2.4, 0.55 * len(c) + 1.4)), sharey=True)
    y = np.arange(len(c))
    best = c["score"].idxmax() if len(c) else None
    for ax, (col, title, fmt) in zip(axes, panels):
        v = c[col].to_numpy(float)
        colors = [PRIMARY if i == best else NEUTRAL for i in c.index]
        ok = np.isfinite(v)  # an infinite load is a region without reps: no bar, the words say so
        ax.barh(y, np.where(ok, v, 0.0), color=colors, height=0.65)
        for i, x in enumerate(v):
            s = (label("无销售", "no reps") if np.isposinf(x) else "–") if not ok[i] else (
                f"{x:.0%}" if fmt is PERCENT else f"{x:.2f}" if col != "score" else f"{x:.0f}")
            ax.text(x if ok[i] else 0.0, i, " " + s, va="center", fontsize=9, color=TEXT)
        ax.set_title(title, fontsize=10)
        if fmt is not None:
            ax.xaxis.set_major_formatter(fmt)
        ax.grid(axis="y", visible=False)
        hi = float(np.max(np.r_[v[ok], 0.0]))
        ax.set_xlim(0, hi * 1.35 if hi > 0 else 1)
        if col == "region_load_max":
            ax.axvline(1.0, color=TEXT, lw=1, ls="--")
    axes[0].set_yticks(y, [str(_name(v)) for v in c["split"]])
    fig.suptitle(label("区域方案对比", "Split comparison"), x=0.01, ha="left", fontweight="bold")
    return fig
