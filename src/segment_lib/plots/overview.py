"""Overview charts: customers per region / industry, revenue concentration, monthly revenue.

Each function takes a tidy table from :mod:`segment_lib.summary` and returns a Figure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .. import i18n
from ..fmt import money_axis
from . import ACCENT, NEUTRAL, PERCENT, PRIMARY, TEXT, THOUSANDS, label, new_figure


def _count_bars(counts: pd.DataFrame, group_col: str, title: str, xlabel: str, max_bars: int = 15) -> Figure:
    df = counts.head(max_bars).iloc[::-1]  # largest at the top
    height = max(2.6, 0.38 * len(df) + 1.3)
    fig, ax = new_figure(figsize=(8.0, height))
    bars = ax.barh([str(i18n.name(v)) for v in df[group_col]], df["customers"], color=PRIMARY, height=0.65)
    top = float(df["customers"].max()) if len(df) else 1.0
    for bar, n, share in zip(bars, df["customers"], df["share"]):
        ax.text(bar.get_width() + top * 0.01, bar.get_y() + bar.get_height() / 2,
                f"{int(n):,}  ({share:.0%})", va="center", fontsize=9, color=TEXT)
    ax.set_xlim(0, top * 1.22)
    ax.xaxis.set_major_formatter(THOUSANDS)
    ax.grid(axis="y", visible=False)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    if len(counts) > max_bars:
        ax.text(1.0, -0.02, label(f"仅显示最大的 {max_bars} 个(共 {len(counts)} 个)", f"showing largest {max_bars} of {len(counts)}"), transform=ax.transAxes,
                ha="right", va="top", fontsize=8, color=NEUTRAL)
    return fig


def customers_per_region(counts: pd.DataFrame) -> Figure:
    """Horizontal bars of customers per region (``summary.customers_by_region`` output)."""
    return _count_bars(counts, "region_id", label("各区域客户数", "Customers per region"),
                       label("客户数", "customers"))


def customers_per_industry(counts: pd.DataFrame) -> Figure:
    """Horizontal bars of customers per industry (``summary.customers_by_industry`` output)."""
    return _count_bars(counts, "industry", label("各行业客户数", "Customers per industry"),
                       label("客户数", "customers"))


def revenue_pareto(curve: pd.DataFrame, top_share: float | None = None, target: float = 0.8) -> Figure:
    """Revenue concentration (Pareto / Lorenz) curve from ``summary.pareto_curve``.

    Marks the point where the best ``top_share`` of customers reach ``target`` of revenue and
    draws the "every customer equal" diagonal for comparison.
    """
    fig, ax = new_figure(figsize=(7.0, 4.6))
    x = curve["customer_share"].to_numpy()
    y = curve["revenue_share"].to_numpy()
    if len(x) > 2000:  # thin the line: the eye cannot see more points, the HTML stays small
        idx = np.unique(np.linspace(0, len(x) - 1, 2000).round().astype(int))
        x, y = x[idx], y[idx]
    ax.plot([0, 1], [0, 1], color=NEUTRAL, linestyle="--", linewidth=1.2,
            label=label("若每位客户贡献相同", "if every customer were equal"))
    ax.fill_between(x, y, x, color=PRIMARY, alpha=0.08, linewidth=0)
    ax.plot(x, y, color=PRIMARY, label=label("实际收入累计占比", "actual cumulative revenue"))
    if top_share is not None and np.isfinite(top_share):
        ax.plot([top_share, top_share], [0, target], color=ACCENT, linewidth=1.2, linestyle=":")
        ax.plot([0, top_share], [target, target], color=ACCENT, linewidth=1.2, linestyle=":")
        ax.scatter([top_share], [target], color=ACCENT, zorder=5, s=40)
        ax.annotate(
            label(f"前 {top_share:.0%} 的客户贡献 {target:.0%} 的收入",
                  f"top {top_share:.0%} of customers bring {target:.0%} of revenue"),
            xy=(top_share, target), xytext=(top_share + 0.06, target - 0.16),
            fontsize=10, color=TEXT, fontweight="bold",
            arrowprops={"arrowstyle": "-", "color": ACCENT, "linewidth": 1},
        )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.xaxis.set_major_formatter(PERCENT)
    ax.yaxis.set_major_formatter(PERCENT)
    ax.set_xlabel(label("客户占比（按收入从高到低）", "share of customers (largest first)"))
    ax.set_ylabel(label("收入累计占比", "share of revenue"))
    ax.set_title(label("收入集中度", "How concentrated is revenue?"))
    ax.legend(loc="lower right")
    return fig


def monthly_revenue(monthly: pd.DataFrame) -> Figure:
    """Monthly net revenue bars with a 3-month moving average (``summary.monthly_revenue`` output)."""
    fig, ax = new_figure(figsize=(9.0, 4.0))
    months = pd.to_datetime(monthly["month"])
    rev = monthly["revenue"].to_numpy(dtype=float)
    ax.bar(months, rev, width=20, color=PRIMARY, alpha=0.85, label=label("月收入", "monthly revenue"))
    if len(rev) >= 3:
        ma = pd.Series(rev).rolling(3).mean()
        ax.plot(months, ma, color=ACCENT, label=label("3个月移动平均", "3-month average"))
    ax.yaxis.set_major_formatter(money_axis)
    ax.grid(axis="x", visible=False)
    ax.set_title(label("月度收入", "Revenue per month"))
    ax.set_ylabel(label("净收入", "net revenue"))
    top = float(np.nanmax(rev)) if len(rev) else 1.0
    ax.set_ylim(min(0.0, float(np.nanmin(rev)) if len(rev) else 0.0), top * 1.22 if top > 0 else 1.0)
    ax.legend(loc="upper left", ncols=2)
    import matplotlib.dates as mdates

    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    return fig
