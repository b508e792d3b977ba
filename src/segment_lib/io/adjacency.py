"""Which geo units are neighbours: one ``geo_units.neighbors`` column, whatever the data gave.

Sources, in this order (``params.geo.adjacency``):

* ``given`` / ``auto``: the ``geo_units.neighbors`` column and / or the ``adjacency`` edge list
  (``unit_a``, ``unit_b``, undirected); both are merged.
* ``delaunay`` / ``knn``: built from the unit coordinates (:func:`segment_lib.geo.point_adjacency`),
  long links trimmed, the map kept connected.  ``auto`` does this when the data has no links at all
  (point-only units such as zip codes or stores).

The result is written into ``geo_units.neighbors`` so every later step (regions, rebalance, maps)
reads one column.  A note for the reports says where the links came from; units left without any
neighbour are a warning that names them.
"""

from __future__ import annotations

import re

import pandas as pd

from .. import geo as geo_mod
from ..i18n import Note
from ..params import GeoParams

__all__ = ["resolve_adjacency"]

_SEP = re.compile(r"[;；,，、\s]+")  # the separators io.validate accepts in a neighbors column


def _given_edges(geo: pd.DataFrame, adjacency: pd.DataFrame) -> list[tuple[str, str]]:
    edges: list[tuple[str, str]] = []
    if "neighbors" in geo.columns:
        nb = geo[["geo_unit_id", "neighbors"]].dropna()
        for uid, text in zip(nb["geo_unit_id"].astype(str), nb["neighbors"].astype(str)):
            edges += [(uid, v) for v in _SEP.split(text) if v]
    if adjacency is not None and not adjacency.empty:
        edges += list(zip(adjacency["unit_a"].astype(str), adjacency["unit_b"].astype(str)))
    return edges


def resolve_adjacency(geo: pd.DataFrame, adjacency: pd.DataFrame | None, params: GeoParams | None,
                      file: str = "geo_units") -> tuple[pd.DataFrame, list[str], list[str]]:
    """(geo_units with a complete ``neighbors`` column, notes for the reports, warnings)."""
    params = params or GeoParams()
    ids = geo["geo_unit_id"].astype(str)
    given = _given_edges(geo, adjacency)
    method = params.adjacency
    notes: list[str] = []
    if method == "auto":
        method = "given" if given or len(geo) <= 1 else "delaunay"
    if method == "given":
        edges = given
        if adjacency is not None and not adjacency.empty:
            notes.append(Note("common.note.adjacency_given", n=len(adjacency)))
    else:
        e, info = geo_mod.point_adjacency(geo["lat"].to_numpy(float), geo["lon"].to_numpy(float), method,
                                          k=params.knn_k, trim_factor=params.trim_factor)
        edges = [(ids.iloc[a], ids.iloc[b]) for a, b in e]
        notes.append(Note("common.note.adjacency_delaunay" if info["method"] == "delaunay"
                          else "common.note.adjacency_knn", k=params.knn_k, links=int(info["n_links"]),
                          km=f"{info['median_km']:.0f}", trimmed=int(info["n_trimmed"]),
                          factor=f"{params.trim_factor:g}", setting=params.adjacency))
    out = geo.copy()
    out["neighbors"] = geo_mod.neighbors_column(ids, edges).to_numpy()
    linked = {str(a) for e in params.edges() for a in e}
    lonely = [u for u, nb in zip(ids, out["neighbors"]) if not nb and u not in linked]
    warnings = []
    if lonely and len(ids) > 1:
        shown = ", ".join(lonely[:20]) + (f" … ({len(lonely)} in all)" if len(lonely) > 20 else "")
        warnings.append(Note("data.warn.lonely_units", file=file, n=len(lonely), units=shown))
    out["neighbors"] = out["neighbors"].astype("string")
    return out, notes, warnings

