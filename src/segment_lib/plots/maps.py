"""Drawing units from their outlines (:mod:`segment_lib.boundaries`): fills, hatching, labels.

Shared by :func:`segment_lib.plots.regions.region_map` and
:func:`segment_lib.plots.rebalance.split_maps`.  Labels never overlap: they are placed in order of
priority (largest region first) and a label whose box would touch one already placed is left out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.patches import PathPatch

from ..boundaries import UnitShapes
from ..i18n import t
from . import NEUTRAL, TEXT, label

__all__ = ["draw_units", "frame", "place_labels", "region_label_points", "text"]

BACKGROUND = "#EEF1F4"


def text(key: str, **fields: Any) -> str:
    """An i18n message for a chart (English when Chinese is asked but no CJK font is installed)."""
    return label(t(key, "zh", **fields), t(key, "en", **fields))


def draw_units(ax: Axes, shapes: UnitShapes, colors: Mapping[str, Any], hatched: Sequence[str] = (),
               edge: str = "white", lw: float = 0.6) -> None:
    """Fill each unit of ``shapes`` with ``colors[unit]`` (units without a colour: light grey), draw the
    unmatched background features pale, and hatch the units in ``hatched``."""
    if shapes.background:
        ax.add_collection(PathCollection(shapes.background, facecolors=BACKGROUND, edgecolors="white",
                                         linewidths=lw, zorder=1))
    ids = list(shapes.paths)
    fc = [colors.get(u, "#D9DEE4") for u in ids]
    ax.add_collection(PathCollection([shapes.paths[u] for u in ids], facecolors=fc, edgecolors=edge,
                                     linewidths=lw, zorder=2))
    for u in hatched:
        if u in shapes.paths:
            ax.add_patch(PathPatch(shapes.paths[u], facecolor="none", edgecolor="#102A43", hatch="////",
                                   linewidth=1.2, zorder=3))


def frame(ax: Axes, shapes: UnitShapes, matched_only: bool = True) -> None:
    """Limits around the units (plus a margin), aspect for the mean latitude, no axes."""
    if matched_only:
        v = np.vstack([p.vertices for p in shapes.paths.values()])
        x0, y0, x1, y1 = v[:, 0].min(), v[:, 1].min(), v[:, 0].max(), v[:, 1].max()
    else:
        x0, y0, x1, y1 = shapes.bounds()
    mx, my = (x1 - x0) * 0.03, (y1 - y0) * 0.03
    ax.set_xlim(x0 - mx, x1 + mx)
    ax.set_ylim(y0 - my, y1 + my)
    ax.set_aspect(1 / np.cos(np.radians((y0 + y1) / 2)))
    ax.set_axis_off()


def region_label_points(shapes: UnitShapes, split: Mapping[str, str]) -> dict[str, tuple[float, float, float]]:
    """region -> (lon, lat, area): the label point of the region's largest polygon."""
    best: dict[str, tuple[float, float, float]] = {}
    for u, r in split.items():
        if u not in shapes.paths or r is None:
            continue
        a = shapes.areas.get(u, 0.0)
        if r not in best or a > best[r][2]:
            x, y = shapes.labels[u]
            best[r] = (x, y, a)
    return best


def place_labels(ax: Axes, items: Sequence[dict[str, Any]], pad: float = 2.0) -> list[str]:
    """Draw ``items`` (dicts with x, y, text and optional ``kw`` for ``ax.text``) in the given order,
    leaving out any whose box would overlap one already drawn; returns the texts drawn.

    Call it last, when titles, colour bars and legends are in place: the layout is run first so the
    boxes are measured where they will be drawn (labels themselves do not take part in the layout)."""
    fig = ax.figure
    if not hasattr(fig.canvas, "get_renderer"):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.execute(fig)
    renderer = fig.canvas.get_renderer()
    placed, drawn = [], []
    for it in items:
        kw = dict(ha="center", va="center", fontsize=9, color=TEXT, zorder=6)
        kw.update(it.get("kw", {}))
        artist = ax.text(it["x"], it["y"], it["text"], **kw)
        artist.set_in_layout(False)
        box = artist.get_window_extent(renderer=renderer).expanded(1.0, 1.0).padded(pad)
        if any(box.overlaps(b) for b in placed):
            artist.remove()
            continue
        placed.append(box)
        drawn.append(it["text"])
    return drawn


@lru_cache(maxsize=1)
def _province_names() -> dict[str, tuple[str, str]]:
    """code or Chinese name -> (Chinese name, English name) of the 31 provinces."""
    import csv

    from ..boundaries import DATA

    out = {}
    with open(DATA / "china_provinces.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            out[r["province_id"]] = out[r["name_zh"]] = (r["name_zh"], r["name_en"])
    return out


def unit_name(uid: str, name: str | None = None) -> str:
    """A unit's name for a map label: Chinese in Chinese reports (when a CJK font is installed),
    English otherwise; provinces of China are known by code or Chinese name, other units keep
    their ``name`` (or id)."""
    known = _province_names().get(str(uid)) or _province_names().get(str(name or ""))
    if known:
        return label(known[0], known[1])
    return str(name) if name and label("zh", "en") == "zh" else str(name or uid) if name and name.isascii() else str(uid)


def region_name(region: Any) -> str:
    """A region's name in the report's language (built-in and configured names of
    :func:`segment_lib.i18n.name`; English when no CJK font is installed)."""
    from ..i18n import name

    return label(str(name(str(region), "zh")), str(name(str(region), "en")))


def legend_patches(colors: Mapping[str, Any]) -> list:
    """Legend handles: one filled square per region."""
    from matplotlib.patches import Patch

    return [Patch(facecolor=c, edgecolor="white", label=region_name(r)) for r, c in colors.items()]


def no_data_color() -> str:
    return NEUTRAL
