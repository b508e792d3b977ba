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


# ---------------------------------------------------------------------------
# Contiguity, compactness, disruption (regions area)
# ---------------------------------------------------------------------------


def _as_assignment(split: pd.Series | dict) -> pd.Series:
    s = pd.Series(split) if isinstance(split, dict) else split
    s = s.copy()
    s.index = s.index.astype(str)
    return s.astype(str)


def contiguity(
    split: pd.Series | dict,
    graph: nx.Graph | None = None,
    *,
    geo_units: pd.DataFrame | None = None,
    extra_edges: list[tuple[str, str]] | None = None,
) -> pd.DataFrame:
    """Contiguity of every region of a split over the geo-unit adjacency graph.

    Parameters
    ----------
    split: Series geo_unit_id -> region_id.
    graph: adjacency graph (see :func:`adjacency_graph`); built from ``geo_units`` when omitted.
    extra_edges: links that count as adjacency although they are no land border
        (e.g. ``[("HI", "GD")]``, the Hainan–Guangdong sea link).

    Returns
    -------
    DataFrame, one row per region: ``region_id``, ``n_units``, ``n_components`` (connected
    components of the sub-graph induced by the region's units), ``contiguous`` (bool,
    ``n_components == 1``), ``detached_units`` (';'-joined units outside the largest component).
    Units of the split that are not in the graph count as isolated components.
    """
    if graph is None:
        if geo_units is None:
            raise ValueError("contiguity needs a graph or geo_units")
        graph = adjacency_graph(geo_units, extra_edges)
    elif extra_edges:
        graph = graph.copy()
        graph.add_edges_from((str(a), str(b)) for a, b in extra_edges)
    s = _as_assignment(split)
    rows = []
    for region, units in s.groupby(s, sort=True):
        nodes = list(units.index)
        sub = graph.subgraph([u for u in nodes if u in graph])
        comps = sorted((sorted(c) for c in nx.connected_components(sub)), key=lambda c: (-len(c), c[0]))
        comps += [[u] for u in nodes if u not in graph]
        detached = [u for c in comps[1:] for u in c]
        rows.append(
            {
                "region_id": region,
                "n_units": len(nodes),
                "n_components": len(comps),
                "contiguous": len(comps) == 1,
                "detached_units": ";".join(detached),
            }
        )
    return pd.DataFrame(rows, columns=["region_id", "n_units", "n_components", "contiguous", "detached_units"])


def weighted_centre(lat, lon, weights) -> tuple[float, float]:
    """Weighted geographic centre (lat, lon) in degrees: mean of 3-D unit vectors, projected back.

    For points a few hundred km apart this equals the weighted mean of lat/lon to within
    a fraction of a km; it is also correct across the antimeridian.
    """
    lat, lon, w = (np.asarray(x, dtype=float) for x in (lat, lon, weights))
    if w.sum() <= 0:
        w = np.ones_like(lat)
    la, lo = np.radians(lat), np.radians(lon)
    x = np.sum(w * np.cos(la) * np.cos(lo))
    y = np.sum(w * np.cos(la) * np.sin(lo))
    z = np.sum(w * np.sin(la))
    return float(np.degrees(np.arctan2(z, np.hypot(x, y)))), float(np.degrees(np.arctan2(y, x)))


def compactness(
    split: pd.Series | dict,
    geo_units: pd.DataFrame,
    weights: pd.Series | None = None,
) -> pd.DataFrame:
    """Customer-weighted compactness of every region, in km.

    ``compactness_km`` of a region = sum_u w_u * d(u, c) / sum_u w_u, where ``w_u`` is the
    number of customers (or any weight) in geo unit ``u``, ``d`` the haversine distance and
    ``c`` the weighted centre of the region (:func:`weighted_centre`).  Units with weight 0
    do not count; a region whose units all have weight 0 is measured with equal weights.
    Lower is more compact.

    Returns one row per region: ``region_id``, ``n_units``, ``weight``, ``centre_lat``,
    ``centre_lon``, ``compactness_km``, ``max_km`` (farthest weighted unit from the centre).
    """
    s = _as_assignment(split)
    gu = geo_units.assign(geo_unit_id=geo_units["geo_unit_id"].astype(str)).set_index("geo_unit_id")
    missing = s.index.difference(gu.index)
    if len(missing):
        from .errors import DataContractError

        raise DataContractError("split names geo units that are not in geo_units", file="splits",
                                column="geo_unit_id", values=list(missing), hint="fix the unit ids or add the units")
    w = pd.Series(1.0, index=s.index) if weights is None else weights.reindex(s.index).fillna(0.0).astype(float)
    df = pd.DataFrame({"region_id": s.values, "lat": gu.loc[s.index, "lat"].to_numpy(float),
                       "lon": gu.loc[s.index, "lon"].to_numpy(float), "w": w.to_numpy(float)}, index=s.index)
    rows = []
    for region, g in df.groupby("region_id", sort=True):
        ww = g["w"].to_numpy()
        if ww.sum() <= 0:
            ww = np.ones_like(ww)
        clat, clon = weighted_centre(g["lat"], g["lon"], ww)
        d = haversine_km(g["lat"].to_numpy(), g["lon"].to_numpy(), clat, clon)
        rows.append({"region_id": region, "n_units": len(g), "weight": float(g["w"].sum()),
                     "centre_lat": clat, "centre_lon": clon,
                     "compactness_km": float(np.sum(ww * d) / np.sum(ww)),
                     "max_km": float(d[ww > 0].max())})
    return pd.DataFrame(rows)


def match_region_labels(region_a: pd.Series, region_b: pd.Series) -> pd.Series:
    """Map labels of ``region_b`` onto labels of ``region_a`` by largest customer overlap.

    Both are Series customer_id -> region_id.  Returns a Series (b label -> a label) from a
    one-to-one assignment that maximises the number of customers keeping their label
    (Hungarian algorithm); b labels left over keep their own name.  Use it when a proposal
    renames regions ("R1", "R2", …) so that renaming alone is not counted as disruption.
    """
    from scipy.optimize import linear_sum_assignment

    ct = pd.crosstab(region_b.astype(str), region_a.reindex(region_b.index).astype(str))
    r, c = linear_sum_assignment(-ct.to_numpy())
    mapping = {b: b for b in ct.index}
    mapping.update({ct.index[i]: ct.columns[j] for i, j in zip(r, c)})
    return pd.Series(mapping, name="matched_region")


def disruption(
    region_a: pd.Series,
    region_b: pd.Series,
    owner_a: pd.Series | None = None,
    owner_b: pd.Series | None = None,
    revenue: pd.Series | None = None,
    *,
    match_labels: bool = False,
) -> dict[str, float]:
    """How much moving from split A to split B disrupts customers.

    All inputs are Series indexed by customer_id (``region_*``: region_id, ``owner_*``:
    rep_id, ``revenue``: non-negative weight; negative values count as 0).  A customer is
    *moved* when its region or its owner differs between A and B (a missing owner on one
    side and a present one on the other counts as a change).  With ``match_labels`` the
    region labels of B are first matched to A by :func:`match_region_labels`.

    Returns a dict: ``n_customers``, ``share_region_changed``, ``share_owner_changed``,
    ``share_moved`` (region or owner), ``revenue_share_region_changed``,
    ``revenue_share_owner_changed``, ``revenue_share_moved`` (revenue-weighted shares; NaN
    when total revenue is 0 or not given).
    """
    idx = region_a.index
    if not region_b.index.equals(idx):
        region_b = region_b.reindex(idx)
    rb = region_b.astype(str)
    if match_labels:
        rb = rb.map(match_region_labels(region_a, region_b))
    reg = (region_a.astype(str).to_numpy() != rb.to_numpy())
    if owner_a is not None and owner_b is not None:
        oa = owner_a.reindex(idx).astype(object).to_numpy()
        ob = owner_b.reindex(idx).astype(object).to_numpy()
        na, nb = pd.isna(oa), pd.isna(ob)
        own = np.where(na & nb, False, np.where(na | nb, True, oa != ob)).astype(bool)
    else:
        own = np.zeros(len(idx), dtype=bool)
    moved = reg | own
    n = len(idx)
    out = {"n_customers": float(n),
           "share_region_changed": float(reg.mean()) if n else float("nan"),
           "share_owner_changed": float(own.mean()) if n else float("nan"),
           "share_moved": float(moved.mean()) if n else float("nan")}
    if revenue is not None:
        r = np.clip(revenue.reindex(idx).fillna(0.0).to_numpy(float), 0, None)
        tot = r.sum()
        for k, m in (("region_changed", reg), ("owner_changed", own), ("moved", moved)):
            out[f"revenue_share_{k}"] = float(r[m].sum() / tot) if tot > 0 else float("nan")
    else:
        for k in ("region_changed", "owner_changed", "moved"):
            out[f"revenue_share_{k}"] = float("nan")
    return out
