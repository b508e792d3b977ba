"""Cross-table checks of the geography the region reports need (internal to :mod:`segment_lib.io`):
a partial geography, regions without reps, regions that are not one connected piece.  Warnings only:
the reports show these cases as such (see ``docs/regions.md``)."""

from __future__ import annotations

import pandas as pd

from ..contract import GEOGRAPHY
from .validate import _fmt, _warn


def geography_checks(tables: dict[str, pd.DataFrame], files: dict[str, str], given: set[str],
                      current: str | None, extra_edges: list[tuple[str, str]] | None = None) -> list[str]:
    """What the region reports need and would trip on: a partial geography, regions without reps,
    regions in several pieces (warnings; the reports show them as such)."""
    have = [t for t in GEOGRAPHY if t in given]
    if not have:
        return []
    if len(have) < len(GEOGRAPHY):
        missing = [t for t in GEOGRAPHY if t not in given]
        return [_warn(", ".join(files[t] for t in have), None, "partial_geography", missing=", ".join(missing))]
    w: list[str] = []
    splits, reps = tables["splits"], tables["reps"]
    sr = tables["split_reps"]
    for name in pd.unique(splits["split"]):
        regions = set(splits.loc[splits["split"] == name, "region_id"])
        own = sr[sr["split"] == name] if not sr.empty else sr
        staffed = set(own["region_id"]) if len(own) else set(reps["region_id"])
        empty = sorted(regions - staffed)
        if empty and (name == current or len(own)):
            w.append(_warn(files["reps"], "region_id", "unstaffed", split=name, n=len(empty), regions=_fmt(empty)))
    w += contiguity_warnings(tables, files, extra_edges)
    return w


def contiguity_warnings(tables: dict[str, pd.DataFrame], files: dict[str, str],
                         extra_edges: list[tuple[str, str]] | None = None) -> list[str]:
    """Regions that are not one connected piece, naming the region and its detached units (neighbours
    from ``geo_units.neighbors`` plus ``params.geo.extra_edges``; not checked without neighbours)."""
    from .. import geo

    geo_units = tables["geo_units"]
    if geo_units["neighbors"].isna().all():
        return []
    graph = geo.shared_adjacency_graph(geo_units, extra_edges)
    w: list[str] = []
    splits = tables["splits"]
    for name in pd.unique(splits["split"]):
        mapping = splits.loc[splits["split"] == name].set_index("geo_unit_id")["region_id"]
        c = geo.contiguity(mapping, graph)
        for r in c[~c["contiguous"]].itertuples(index=False):
            w.append(_warn(files["splits"], "region_id", "not_contiguous", split=name, region=r.region_id,
                           units=_fmt(r.detached_units.split(";"))))
    return w
