"""Geography helpers: haversine distances, the geo-unit adjacency graph, contiguity, compactness."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km between points given in degrees (vectorised, broadcasts)."""
    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(x, dtype=float)) for x in (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def adjacency_graph(geo_units: pd.DataFrame, extra_edges: list[tuple[str, str]] | None = None) -> nx.Graph:
    """Undirected graph of geo units from the ``neighbors`` column (';'-separated ids).

    Node attributes: ``lat``, ``lon``, ``population`` (0 when missing), ``name``.
    ``extra_edges`` adds links that are not land borders (e.g. a sea link to an island).
    Unknown neighbour ids are ignored here; :mod:`segment_lib.io` reports them as warnings.
    """
    g = nx.Graph()
    ids = set(geo_units["geo_unit_id"].astype(str))
    for row in geo_units.itertuples(index=False):
        pop = getattr(row, "population", np.nan)
        g.add_node(
            str(row.geo_unit_id),
            lat=float(row.lat),
            lon=float(row.lon),
            population=0.0 if pd.isna(pop) else float(pop),
            name=str(getattr(row, "name", row.geo_unit_id)),
        )
    if "neighbors" in geo_units.columns:
        for uid, nb in zip(geo_units["geo_unit_id"].astype(str), geo_units["neighbors"]):
            if pd.isna(nb) or not str(nb).strip():
                continue
            for v in str(nb).split(";"):
                v = v.strip()
                if v and v in ids and v != uid:
                    g.add_edge(uid, v)
    for a, b in extra_edges or []:
        g.add_edge(str(a), str(b))
    return g
