"""Rebalance charts: current vs proposed maps, load/capacity before-after, ensemble histogram."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..boundaries import UnitShapes, unit_shapes
from ..i18n import name as _name
from ..geo import adjacency_graph
from . import PALETTE, label, maps, new_figure


def _colors(regions) -> dict:
    return {r: PALETTE[i % len(PALETTE)] for i, r in enumerate(sorted(map(str, regions)))}


def split_maps(geo_units: pd.DataFrame, current: pd.Series, proposed: pd.Series,
               extra_edges: list[tuple[str, str]] | None = None, moved: list[str] | None = None,
               boundaries: UnitShapes | None = None) -> Figure:
    """Current vs proposed split side by side, coloured by region.

    With the units' outlines (:mod:`segment_lib.boundaries`, or ``boundaries``): filled units, each
    region named at its largest polygon, moved units hatched and named; labels never overlap.
    Else: units as lat/lon points, adjacency edges in grey, moved units ringed."""
    shapes = boundaries if boundaries is not None else unit_shapes(geo_units)
    if shapes is not None:
        return _split_choropleths(geo_units, shapes, current, proposed, moved or [])
    gu = geo_units.assign(geo_unit_id=geo_units["geo_unit_id"].astype(str)).set_index("geo_unit_id")
    g = adjacency_graph(geo_units, extra_edges)
    colors = _colors(set(current.astype(str)) | set(proposed.astype(str)))
    fig, axes = new_figure(1, 2, figsize=(12, 5.2))
    moved = set(moved or [])
    panels = ((axes[0], current, label("当前划分", "Current split"), False),
              (axes[1], proposed, label("建议划分", "Proposed split"), True))
    for ax, split, title, is_proposal in panels:
        s = split.astype(str)
        for a, b in g.edges():
            ax.plot([gu.at[a, "lon"], gu.at[b, "lon"]], [gu.at[a, "lat"], gu.at[b, "lat"]],
                    color="#cccccc", lw=0.6, zorder=1)
        for r in sorted(set(s)):
            ids = s.index[s == r]
            ax.scatter(gu.loc[ids, "lon"], gu.loc[ids, "lat"], s=60, color=colors[r], label=_name(r), zorder=2,
                       edgecolor="white", linewidth=0.5)
        if moved and is_proposal:
            ids = [u for u in moved if u in gu.index]
            ax.scatter(gu.loc[ids, "lon"], gu.loc[ids, "lat"], s=160, facecolor="none", edgecolor="black",
                       linewidth=1.2, zorder=3, label=label("调整", "moved"))
        if len(gu) <= 60:
            for u, row in gu.iterrows():
                ax.annotate(str(_name(u)), (row["lon"], row["lat"]), fontsize=6, xytext=(3, 3), textcoords="offset points")
        ax.set_title(title)
        ax.set_xlabel(label("经度", "longitude"))
        ax.set_ylabel(label("纬度", "latitude"))
    axes[1].legend(loc="lower left", fontsize=7, ncol=2, frameon=False)
    return fig


def _split_choropleths(geo_units: pd.DataFrame, shapes: UnitShapes, current: pd.Series, proposed: pd.Series,
                       moved: list[str]) -> Figure:
    colors = _colors(set(current.astype(str)) | set(proposed.astype(str)))
    names = (dict(zip(geo_units["geo_unit_id"].astype(str), geo_units["name"].astype(str)))
             if "name" in geo_units.columns else {})
    fig, axes = new_figure(1, 2, figsize=(12, 5.0))
    moved = [str(u) for u in moved]
    labels = []
    for ax, split, key in ((axes[0], current, "map.current"), (axes[1], proposed, "map.proposed")):
        s = {str(g): str(r) for g, r in split.items()}
        hatch = moved if key == "map.proposed" else []
        maps.draw_units(ax, shapes, {g: colors[r] for g, r in s.items()}, hatched=hatch)
        maps.frame(ax, shapes)
        pts = sorted(maps.region_label_points(shapes, s).items(), key=lambda kv: -kv[1][2])
        items = [{"x": x, "y": y, "text": maps.region_name(r), "kw": {"fontsize": 10, "fontweight": "bold",
                                                    "bbox": dict(boxstyle="round,pad=0.25", fc="white",
                                                                 ec=colors[r], alpha=0.85)}}
                 for r, (x, y, _a) in pts]
        items += [{"x": shapes.labels[u][0], "y": shapes.labels[u][1], "text": maps.unit_name(u, names.get(u)),
                   "kw": {"fontsize": 8, "color": "#102A43",
                          "bbox": dict(boxstyle="round,pad=0.15", fc="#FFF8E6", ec="none", alpha=0.9)}}
                  for u in sorted(hatch) if u in shapes.labels]
        labels.append((ax, items))
        ax.set_title(maps.text(key), fontsize=11.5)
    handles = maps.legend_patches(colors) + [Patch(facecolor="white", edgecolor="#102A43", hatch="////",
                                                   label=maps.text("map.moved"))]
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 9), fontsize=8.5, frameon=False)
    fig.text(0.01, 0.005, maps.text("map.source", source=shapes.source), fontsize=7, color="#9AA5B1")
    for ax, items in labels:
        maps.place_labels(ax, items)
    return fig


def target_ratio(regions: pd.DataFrame) -> float:
    """The workload / capacity every team is aimed at: its capacity-proportional share of the total
    workload, i.e. total target / total capacity (the same for every region)."""
    col = "target" if "target" in regions.columns else "load_after"
    cap = float(regions["capacity"].sum())
    return float(regions[col].sum()) / cap if cap > 0 else float("nan")


def load_capacity_bars(regions: pd.DataFrame, tolerance: float | None = None) -> Figure:
    """Load / capacity per region today and proposed (from ``SplitProposal.regions``), as plain
    side-by-side bars; the shaded band (drawn behind the bars) is the target ± tolerance, centred on
    the capacity-proportional target ratio (total workload / total capacity), and the dashed line
    is full capacity (1.0)."""
    fig, ax = new_figure(figsize=(9, 4.2))
    x = np.arange(len(regions))
    w = 0.38
    before = regions["ratio_before"].to_numpy(dtype=float)
    after = regions["ratio_after"].to_numpy(dtype=float)
    level = target_ratio(regions) if len(regions) else float("nan")
    if tolerance is not None and np.isfinite(level):
        ax.axhspan(level * (1 - tolerance), level * (1 + tolerance), color="#d9e2ec", alpha=1.0, zorder=0,
                   lw=0, label=label(f"各团队目标范围:{level:.2f} ± {tolerance:.0%}",
                               f"target range for every team: {level:.2f} ± {tolerance:.0%}"))
        ax.axhline(level, color="#829ab1", lw=1, zorder=1)
    ax.bar(x - w / 2, before, width=w, label=label("当前", "today"), color=PALETTE[1], zorder=2)
    ax.bar(x + w / 2, after, width=w, label=label("方案", "proposed"), color=PALETTE[0], zorder=2)
    box = dict(facecolor="white", edgecolor="none", pad=0.6, alpha=0.85)
    for dx, vals in ((-w / 2, before), (w / 2, after)):
        for xi, v in zip(x, vals):
            ax.text(xi + dx, v + 0.015, f"{v:.2f}", ha="center", va="bottom", fontsize=7.5, zorder=4, bbox=box)
    ax.axhline(1.0, color="black", lw=1, ls="--", zorder=3, label=label("满负荷 (1.0)", "full capacity (1.0)"))
    ax.set_xticks(x, [str(_name(v)) for v in regions["region_id"]], rotation=0)
    ax.set_ylabel(label("工作量 ÷ 产能", "workload ÷ capacity"))
    top = np.nanmax(np.r_[before, after, 1.0]) if len(regions) else 1.0
    ax.set_ylim(0, top * 1.35)  # room for the legend above the bars and their labels
    ax.set_title(label("各团队工作量与产能:当前与方案", "Workload vs capacity per team: today and proposed"))
    ax.legend(frameon=False, fontsize=8, loc="upper center", ncol=4)
    ax.grid(axis="x", visible=False)
    return fig


def ensemble_histogram(samples: pd.DataFrame, current_value: float, metric: str = "balance",
                       percentile: float | None = None) -> Figure:
    """Histogram of an ensemble metric with the current split marked."""
    fig, ax = new_figure(figsize=(8, 3.8))
    ax.hist(samples[metric], bins=30, color=PALETTE[0], alpha=0.8)
    ax.axvline(current_value, color="crimson", lw=2, label=label("当前划分", "current split"))
    ax.set_xlabel(label("均衡度(最忙大区负载 ÷ 平均)", "balance (busiest region's load over the average)")
                  if metric == "balance" else metric)
    ax.set_ylabel(label("备选方案数", "alternative splits"))
    title = label(f"当前划分与 {len(samples):,} 个可行备选方案", f"Current split vs {len(samples):,} valid alternatives")
    if percentile is not None:
        title += label(f":不如其中 {percentile:.0%}", f" — worse than {percentile:.0%}")
    ax.set_title(title)
    ax.legend(frameon=False)
    return fig


def drift_lines(drift: pd.DataFrame) -> Figure:
    """Load/capacity per region over as-of dates (from ``readjust_over_time``)."""
    fig, ax = new_figure(figsize=(8, 3.8))
    colors = _colors(drift["region_id"].unique())
    for r, d in drift.groupby("region_id"):
        ax.plot(d["as_of"].astype(str), d["ratio"], marker="o", color=colors[str(r)], label=str(_name(str(r))))
    ax.axhline(1.0, color="black", lw=1, ls="--")
    ax.set_ylabel(label("工作量 ÷ 产能", "workload / capacity"))
    ax.set_title(label("各大区负载变化", "Load drift per region"))
    ax.legend(frameon=False, fontsize=7, ncol=2)
    return fig
