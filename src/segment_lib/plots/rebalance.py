"""Rebalance charts: current vs proposed maps, load/capacity before-after, ensemble histogram."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from . import PALETTE, new_figure
from ..geo import adjacency_graph


def _colors(regions) -> dict:
    return {r: PALETTE[i % len(PALETTE)] for i, r in enumerate(sorted(map(str, regions)))}


def split_maps(geo_units: pd.DataFrame, current: pd.Series, proposed: pd.Series,
               extra_edges: list[tuple[str, str]] | None = None, moved: list[str] | None = None) -> Figure:
    """Current vs proposed split side by side: units as lat/lon points coloured by region,
    adjacency edges in grey, moved units ringed."""
    gu = geo_units.assign(geo_unit_id=geo_units["geo_unit_id"].astype(str)).set_index("geo_unit_id")
    g = adjacency_graph(geo_units, extra_edges)
    colors = _colors(set(current.astype(str)) | set(proposed.astype(str)))
    fig, axes = new_figure(1, 2, figsize=(12, 5.2))
    moved = set(moved or [])
    for ax, split, title in ((axes[0], current, "Current split"), (axes[1], proposed, "Proposed split")):
        s = split.astype(str)
        for a, b in g.edges():
            ax.plot([gu.at[a, "lon"], gu.at[b, "lon"]], [gu.at[a, "lat"], gu.at[b, "lat"]],
                    color="#cccccc", lw=0.6, zorder=1)
        for r in sorted(set(s)):
            ids = s.index[s == r]
            ax.scatter(gu.loc[ids, "lon"], gu.loc[ids, "lat"], s=60, color=colors[r], label=r, zorder=2,
                       edgecolor="white", linewidth=0.5)
        if moved and title.startswith("Proposed"):
            ids = [u for u in moved if u in gu.index]
            ax.scatter(gu.loc[ids, "lon"], gu.loc[ids, "lat"], s=160, facecolor="none", edgecolor="black",
                       linewidth=1.2, zorder=3, label="moved")
        if len(gu) <= 60:
            for u, row in gu.iterrows():
                ax.annotate(u, (row["lon"], row["lat"]), fontsize=6, xytext=(3, 3), textcoords="offset points")
        ax.set_title(title)
        ax.set_xlabel("longitude")
        ax.set_ylabel("latitude")
    axes[1].legend(loc="lower left", fontsize=7, ncol=2, frameon=False)
    return fig


def load_capacity_bars(regions: pd.DataFrame, tolerance: float | None = None) -> Figure:
    """Load / capacity per region before and after (from ``SplitProposal.regions``)."""
    fig, ax = new_figure(figsize=(9, 4))
    x = np.arange(len(regions))
    ax.bar(x - 0.2, regions["ratio_before"], width=0.4, label="before", color=PALETTE[1])
    ax.bar(x + 0.2, regions["ratio_after"], width=0.4, label="proposed", color=PALETTE[0])
    ax.axhline(1.0, color="black", lw=1, ls="--", label="capacity")
    if tolerance is not None and len(regions):
        level = float(regions["load_after"].sum() / regions["capacity"].sum())
        ax.axhspan(level * (1 - tolerance), level * (1 + tolerance), color="#dddddd", alpha=0.5,
                   label=f"target ±{tolerance:.0%}")
    ax.set_xticks(x, regions["region_id"].astype(str), rotation=30, ha="right")
    ax.set_ylabel("workload / capacity")
    ax.set_title("Workload vs capacity, before and after")
    ax.legend(frameon=False, fontsize=8)
    return fig


def ensemble_histogram(samples: pd.DataFrame, current_value: float, metric: str = "balance",
                       percentile: float | None = None) -> Figure:
    """Histogram of an ensemble metric with the current split marked."""
    fig, ax = new_figure(figsize=(8, 3.8))
    ax.hist(samples[metric], bins=30, color=PALETTE[0], alpha=0.8)
    ax.axvline(current_value, color="crimson", lw=2, label="current split")
    ax.set_xlabel({"balance": "balance (busiest region / average, load÷capacity)"}.get(metric, metric))
    ax.set_ylabel("alternative splits")
    title = f"Current split vs {len(samples)} valid alternatives"
    if percentile is not None:
        title += f" — worse than {percentile:.0%}"
    ax.set_title(title)
    ax.legend(frameon=False)
    return fig


def drift_lines(drift: pd.DataFrame) -> Figure:
    """Load/capacity per region over as-of dates (from ``readjust_over_time``)."""
    fig, ax = new_figure(figsize=(8, 3.8))
    colors = _colors(drift["region_id"].unique())
    for r, d in drift.groupby("region_id"):
        ax.plot(d["as_of"].astype(str), d["ratio"], marker="o", color=colors[str(r)], label=str(r))
    ax.axhline(1.0, color="black", lw=1, ls="--")
    ax.set_ylabel("workload / capacity")
    ax.set_title("Load drift per region")
    ax.legend(frameon=False, fontsize=7, ncol=2)
    return fig
