"""Charts for manager reports: one function per chart, each returning a matplotlib Figure.

This package holds the shared look (palette, style, CJK-safe fonts); the charts live in
one module per area (``plots.overview``, ``plots.tiering``, ``plots.regions``,
``plots.rebalance``).

Fonts
-----
:func:`setup_fonts` picks an installed CJK font (Noto Sans CJK SC first) so Chinese names
render.  When none is installed it sets :data:`CJK_AVAILABLE` to ``False``; chart code then
uses English names via :func:`label` instead of showing empty boxes.

Chart functions should create figures with :func:`new_figure` (not ``plt.subplots``) so a
notebook shows each chart exactly once and nothing leaks into pyplot's global state.
"""

from __future__ import annotations

import os
from collections.abc import Sequence


import matplotlib
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from .. import i18n

#: CJK fonts in order of preference (sans first; serif and others only as a fallback).
CJK_FONT_PREFERENCE: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Heiti SC",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
    "Noto Serif CJK SC",
)

#: ``True`` once :func:`setup_fonts` found a CJK font; ``None`` before it ran.
CJK_AVAILABLE: bool | None = None
#: Name of the CJK font in use, if any.
CJK_FONT: str | None = None

#: Main colour sequence (colour-blind friendly, calm; first colour is the "primary").
PALETTE: tuple[str, ...] = (
    "#2F6690",  # blue
    "#D1803C",  # orange
    "#3A7D44",  # green
    "#B23A48",  # red
    "#7B5EA7",  # purple
    "#8C6A4F",  # brown
    "#C56BA8",  # pink
    "#6B7A8F",  # slate
    "#A3A847",  # olive
    "#3AA6B9",  # teal
)
PRIMARY = PALETTE[0]
ACCENT = PALETTE[1]
GOOD = "#3A7D44"
BAD = "#B23A48"
NEUTRAL = "#9AA5B1"
TEXT = "#243B53"

#: Fixed colours for the standard tier labels so every chart uses the same ones.
TIER_COLORS: dict[str, str] = {
    "VIP": "#2F6690",
    "Key": "#3AA6B9",
    "Regular": "#A3A847",
    "Dormant": "#9AA5B1",
}


_CJK_HINTS = ("CJK", "Hei", "Han Sans", "WenQuanYi")


def _installed_font_names() -> set[str]:
    names = {f.name for f in font_manager.fontManager.ttflist}
    if not any(h in n for n in names for h in _CJK_HINTS):
        # matplotlib caches its font list on first use; a CJK font installed afterwards (e.g. by
        # `make system-deps`) is missing from that cache.  Rebuild it once when a CJK file is on disk.
        files = font_manager.findSystemFonts()
        if any(h.replace(" ", "").lower() in os.path.basename(f).replace("-", "").lower()
               for f in files for h in ("CJK", "WenQuanYi", "HanSans")):
            font_manager.fontManager = font_manager._load_fontmanager(try_read_cache=False)
            names = {f.name for f in font_manager.fontManager.ttflist}
    return names


def setup_fonts(prefer: Sequence[str] | None = None) -> str | None:
    """Choose a CJK-capable font for matplotlib; returns its name or ``None``.

    Tries ``prefer`` (if given) then :data:`CJK_FONT_PREFERENCE`, then any installed font
    whose name contains "CJK", "Hei", "Han Sans" or "WenQuanYi".  The chosen font is put
    first in ``font.sans-serif`` (DejaVu Sans stays as fallback for Latin glyphs) and
    ``axes.unicode_minus`` is turned off so minus signs render.  Sets the module flags
    :data:`CJK_AVAILABLE` and :data:`CJK_FONT`.
    """
    global CJK_AVAILABLE, CJK_FONT
    installed = _installed_font_names()
    chosen = None
    for name in list(prefer or ()) + list(CJK_FONT_PREFERENCE):
        if name in installed:
            chosen = name
            break
    if chosen is None:
        candidates = sorted(n for n in installed if any(h in n for h in _CJK_HINTS))
        chosen = candidates[0] if candidates else None
    CJK_FONT = chosen
    CJK_AVAILABLE = chosen is not None
    sans = list(matplotlib.rcParams["font.sans-serif"])
    if chosen is not None:
        sans = [chosen] + [s for s in sans if s != chosen]
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["font.sans-serif"] = sans
    matplotlib.rcParams["axes.unicode_minus"] = False
    return chosen


def set_language(language: str | None) -> None:
    """Language of reports and chart labels (``"en"`` / ``"zh"``): see :mod:`segment_lib.i18n`."""
    i18n.set_language(language)


def language() -> str:
    """The language chart labels are written in (:func:`segment_lib.i18n.language`)."""
    return i18n.language()


def label(name_zh: str, name_en: str) -> str:
    """``name_zh`` when the language is Chinese and a CJK font is available, else ``name_en``."""
    if language() != "zh":
        return name_en
    if CJK_AVAILABLE is None:
        setup_fonts()
    return name_zh if CJK_AVAILABLE else name_en


STYLE: dict[str, object] = {
    "figure.figsize": (8.0, 4.2),
    "figure.dpi": 100,
    "savefig.dpi": 110,
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "axes.edgecolor": "#BCCCDC",
    "axes.labelcolor": TEXT,
    "axes.titlesize": 13,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.titlepad": 12,
    "axes.labelsize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#E4E7EB",
    "grid.linewidth": 0.8,
    "xtick.color": TEXT,
    "ytick.color": TEXT,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.frameon": False,
    "legend.fontsize": 10,
    "text.color": TEXT,
    "lines.linewidth": 2.2,
    "svg.hashsalt": "segment_lib",
}


def apply_style() -> None:
    """Apply the house style (palette, light grid, no top/right spines) and CJK fonts."""
    from cycler import cycler

    matplotlib.rcParams.update(STYLE)
    matplotlib.rcParams["axes.prop_cycle"] = cycler(color=list(PALETTE))
    setup_fonts()


def new_figure(nrows: int = 1, ncols: int = 1, figsize: tuple[float, float] | None = None,
               **subplot_kw) -> tuple[Figure, Axes | object]:
    """A Figure not registered with pyplot (so notebooks never show it twice) and its axes."""
    if CJK_AVAILABLE is None:
        apply_style()
    fig = Figure(figsize=figsize or matplotlib.rcParams["figure.figsize"], layout="constrained")
    axes = fig.subplots(nrows, ncols, **subplot_kw)
    return fig, axes


def thousands(x: float, _pos: int | None = None) -> str:
    """Tick formatter: 12,345."""
    return f"{x:,.0f}"


def compact_number(x: float, _pos: int | None = None) -> str:
    """Tick formatter: 1.2M, 35k, 950."""
    ax = abs(x)
    if ax >= 1e9:
        return f"{x / 1e9:.1f}B".replace(".0B", "B")
    if ax >= 1e6:
        return f"{x / 1e6:.1f}M".replace(".0M", "M")
    if ax >= 1e3:
        return f"{x / 1e3:.0f}k"
    return f"{x:.0f}"


def percent(x: float, _pos: int | None = None) -> str:
    """Tick formatter for fractions: 0.25 -> 25%."""
    return f"{x * 100:.0f}%"


THOUSANDS = FuncFormatter(thousands)
COMPACT = FuncFormatter(compact_number)
PERCENT = FuncFormatter(percent)

__all__ = [
    "ACCENT", "BAD", "CJK_AVAILABLE", "CJK_FONT", "COMPACT", "GOOD", "NEUTRAL", "PALETTE", "PERCENT",
    "PRIMARY", "STYLE", "THOUSANDS", "TIER_COLORS", "apply_style", "compact_number", "label",
    "new_figure", "percent", "setup_fonts", "thousands",
]
