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


_GRAPHS: dict[tuple, nx.Graph] = {}
_GRAPH_COLUMNS = ("geo_unit_id", "lat", "lon", "population", "name", "neighbors")


def shared_adjacency_graph(geo_units: pd.DataFrame, extra_edges: list[tuple[str, str]] | None = None) -> nx.Graph:
    """:func:`adjacency_graph`, built once per content of ``geo_units`` and ``extra_edges`` and shared
    **frozen** (read-only, ``nx.freeze``): io's contiguity checks and the region evaluation of the same
    data read one graph (3,000 units: ~0.1 s a build).  Callers that add edges copy it first."""
    import hashlib

    cols = [c for c in _GRAPH_COLUMNS if c in geo_units.columns]
    rows = pd.util.hash_pandas_object(geo_units[cols], index=False).to_numpy()
    key = (tuple(cols), hashlib.blake2b(rows.tobytes(), digest_size=16).digest(),
           tuple((str(a), str(b)) for a, b in (extra_edges or [])))
    g = _GRAPHS.pop(key, None)
    if g is None:
        g = nx.freeze(adjacency_graph(geo_units, extra_edges))
        while len(_GRAPHS) >= 4:  # a few datasets at a time
            _GRAPHS.pop(next(iter(_GRAPHS)))
    _GRAPHS[key] = g  # most recently used last
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


def _text_codes(s: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """``s`` compared as text: (code per element, -1 when missing; the distinct labels, sorted).

    Categoricals are decoded through their categories only (fast for a million customers).
    """
    if isinstance(s.dtype, pd.CategoricalDtype):
        cat = s.array
        cat_codes, labels = pd.factorize(pd.Series(np.asarray(cat.categories, dtype=object)).astype(str), sort=True)
        codes = np.asarray(cat.codes, dtype=np.int64)
        if len(cat_codes) == 0:
            return np.full(len(codes), -1, dtype=np.int64), pd.Index(labels)
        return np.where(codes >= 0, cat_codes[np.maximum(codes, 0)], -1).astype(np.int64), pd.Index(labels)
    codes, labels = pd.factorize(s.astype(str), sort=True)
    return np.asarray(codes, dtype=np.int64), pd.Index(labels)


def _recode(codes: np.ndarray, labels: pd.Index, onto: pd.Index) -> np.ndarray:
    """Codes over ``labels`` as positions in ``onto``: -1 stays missing, -2 for labels ``onto`` lacks."""
    pos = onto.get_indexer(labels)
    pos = np.where(pos >= 0, pos, -2)
    if len(pos) == 0:
        return np.where(codes >= 0, -2, -1)
    return np.where(codes >= 0, pos[np.maximum(codes, 0)], -1)


def _match_codes(ac: np.ndarray, al: pd.Index, bc: np.ndarray, bl: pd.Index) -> np.ndarray:
    """The matching of :func:`match_region_labels` on codes: position in ``al`` for every label of ``bl``
    (-2: matches nothing, -3: the label was not in the overlap table)."""
    from scipy.optimize import linear_sum_assignment

    ok = (bc >= 0) & (ac >= 0)
    ct = np.bincount(bc[ok] * len(al) + ac[ok], minlength=len(bl) * len(al)).reshape(len(bl), len(al))
    rows, cols = np.flatnonzero(ct.sum(axis=1) > 0), np.flatnonzero(ct.sum(axis=0) > 0)  # as pd.crosstab
    ct = ct[np.ix_(rows, cols)]
    # overlap counts are integers: a bonus below 1 in total only breaks ties, in favour of same names
    same = bl.to_numpy(dtype=object)[rows][:, None] == al.to_numpy(dtype=object)[cols][None, :]
    bonus = 0.5 / (min(len(rows), len(cols)) + 1)
    r, c = linear_sum_assignment(-(ct + bonus * same))
    out = np.full(len(bl), -3, dtype=np.int64)
    own = al.get_indexer(bl[rows])  # leftover labels keep their own name ...
    taken = np.zeros(len(al), dtype=bool)
    taken[cols[c]] = True
    out[rows] = np.where((own >= 0) & ~taken[np.maximum(own, 0)], own, np.where(own >= 0, -2, -4))
    out[rows[r]] = cols[c]
    return out


def match_region_labels(region_a: pd.Series, region_b: pd.Series) -> pd.Series:
    """Map labels of ``region_b`` onto labels of ``region_a`` by largest customer overlap.

    Both are Series customer_id -> region_id.  Returns a Series (b label -> a label) from a
    one-to-one assignment that maximises the number of customers keeping their label
    (Hungarian algorithm); among assignments with the same overlap, labels that keep their own
    name are preferred.  b labels left over keep their own name, unless that name is an a label
    already matched to another b label: then they map to None (they match nothing, so their
    customers count as moved).  Use it when a proposal renames regions ("R1", "R2", …) so that
    renaming alone is not counted as disruption.
    """
    bc, bl = _text_codes(region_b)
    ac, al = _text_codes(region_a.reindex(region_b.index))
    m = _match_codes(ac, al, bc, bl)
    keep = m != -3
    al_o = al.to_numpy(dtype=object)
    vals = [al_o[k] if k >= 0 else (lab if k == -4 else None) for k, lab in zip(m[keep], bl[keep])]
    return pd.Series(vals, index=pd.Index(bl[keep]), name="matched_region", dtype=object)


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
    rep_id, ``revenue``: non-negative weight; negative values count as 0).  Regions and owners
    are compared as text.  A customer is *moved* when its region or its owner differs between
    A and B (a missing region counts as a change; a missing owner on one side and a present one
    on the other counts as a change, missing on both sides does not).  With ``match_labels`` the
    region labels of B are first matched to A by :func:`match_region_labels`.

    Returns a dict: ``n_customers``, ``share_region_changed``, ``share_owner_changed``,
    ``share_moved`` (region or owner), ``revenue_share_region_changed``,
    ``revenue_share_owner_changed``, ``revenue_share_moved`` (revenue-weighted shares; NaN
    when total revenue is 0 or not given).
    """
    idx = region_a.index
    if not region_b.index.equals(idx):
        region_b = region_b.reindex(idx)
    ac, al = _text_codes(region_a)
    bc, bl = _text_codes(region_b)
    if match_labels:
        m = _match_codes(ac, al, bc, bl)
        b_in_a = np.where(bc >= 0, m[np.maximum(bc, 0)] if len(m) else -2, -1)
    else:
        b_in_a = _recode(bc, bl, al)
    reg = (ac < 0) | (b_in_a < 0) | (ac != b_in_a)
    if owner_a is not None and owner_b is not None:
        oc, ol = _text_codes(owner_a if owner_a.index.equals(idx) else owner_a.reindex(idx))
        pc, pl = _text_codes(owner_b if owner_b.index.equals(idx) else owner_b.reindex(idx))
        pc = _recode(pc, pl, ol)
        na, nb = oc == -1, pc == -1
        own = (na != nb) | (~na & ~nb & (oc != pc))
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


# ---------------------------------------------------------------------------
# Adjacency from an edge list or from coordinates (point-only units)
# ---------------------------------------------------------------------------


def _unit_xyz(lat, lon) -> np.ndarray:
    la, lo = np.radians(np.asarray(lat, dtype=float)), np.radians(np.asarray(lon, dtype=float))
    return np.c_[np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)]


def point_adjacency(lat, lon, method: str = "delaunay", *, k: int = 6,
                    trim_factor: float = 3.0) -> tuple[np.ndarray, dict]:
    """Neighbour links between point-only units (index pairs ``i < j``) and a summary.

    ``method="delaunay"``: the Delaunay triangulation (:class:`scipy.spatial.Delaunay`) of the
    points in a local equirectangular projection; ``"knn"``: each point linked to its ``k`` nearest
    points (:class:`scipy.spatial.cKDTree` on unit vectors).  Links longer than ``trim_factor`` ×
    the median link length (haversine km) are dropped — they cross empty land or sea — except the
    links of a minimum spanning tree of the untrimmed graph, which keep the graph connected.

    Returns ``(edges, info)`` with info keys ``method``, ``n_links``, ``n_trimmed``,
    ``median_km``, ``max_km`` (longest kept link), ``connected``.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components, minimum_spanning_tree
    from scipy.spatial import Delaunay, QhullError, cKDTree

    lat, lon = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
    n = len(lat)
    if method not in ("delaunay", "knn"):
        raise ValueError(f"method must be 'delaunay' or 'knn', got {method!r}")
    pairs: set[tuple[int, int]] = set()
    if n <= 3:
        pairs = {(i, j) for i in range(n) for j in range(i + 1, n)}
    else:
        xy = np.c_[lon * np.cos(np.radians(np.nanmean(lat))), lat]
        if method == "delaunay":
            try:
                simplices = Delaunay(xy, qhull_options="QJ").simplices
                for a, b in ((0, 1), (1, 2), (0, 2)):
                    e = np.sort(simplices[:, [a, b]], axis=1)
                    pairs.update(map(tuple, e.tolist()))
            except QhullError:  # all points on a line: fall back to nearest neighbours
                method = "knn"
        if method == "knn":
            kk = min(max(int(k), 1) + 1, n)
            _, nn = cKDTree(_unit_xyz(lat, lon)).query(_unit_xyz(lat, lon), k=kk)
            for i, row in enumerate(np.atleast_2d(nn)):
                pairs.update((min(i, int(j)), max(i, int(j))) for j in row if int(j) != i and int(j) < n)
    e = np.array(sorted(pairs), dtype=int).reshape(-1, 2)
    if len(e) == 0:
        return e, {"method": method, "n_links": 0, "n_trimmed": 0, "median_km": float("nan"),
                   "max_km": float("nan"), "connected": n <= 1}
    d = haversine_km(lat[e[:, 0]], lon[e[:, 0]], lat[e[:, 1]], lon[e[:, 1]])
    # spanning tree over the links (plus nearest-point links between separate knn groups)
    m = coo_matrix((d + 1e-9, (e[:, 0], e[:, 1])), shape=(n, n))
    n_comp, comp = connected_components(m, directed=False)
    if n_comp > 1:  # knn groups far apart: link each group to its nearest point elsewhere
        extra = []
        for c in range(1, n_comp):
            inside = np.flatnonzero(comp == c)
            outside = np.flatnonzero(comp != c)
            dd, jj = cKDTree(_unit_xyz(lat[outside], lon[outside])).query(_unit_xyz(lat[inside], lon[inside]))
            best = int(np.argmin(dd))
            a, b = int(inside[best]), int(outside[jj[best]])
            extra.append((min(a, b), max(a, b)))
        e = np.unique(np.vstack([e, np.array(extra, dtype=int)]), axis=0)
        d = haversine_km(lat[e[:, 0]], lon[e[:, 0]], lat[e[:, 1]], lon[e[:, 1]])
        m = coo_matrix((d + 1e-9, (e[:, 0], e[:, 1])), shape=(n, n))
    mst = minimum_spanning_tree(m).tocoo()
    in_tree = {(min(a, b), max(a, b)) for a, b in zip(mst.row.tolist(), mst.col.tolist())}
    median = float(np.median(d))
    keep = (d <= trim_factor * median) | np.array([(int(a), int(b)) in in_tree for a, b in e])
    info = {"method": method, "n_links": int(keep.sum()), "n_trimmed": int((~keep).sum()), "median_km": median,
            "max_km": float(d[keep].max()), "connected": True}
    return e[keep], info


def neighbors_column(unit_ids, edges: list[tuple[str, str]] | np.ndarray) -> pd.Series:
    """The ``neighbors`` column (';'-joined ids, sorted) of ``unit_ids`` from undirected id pairs."""
    ids = [str(u) for u in unit_ids]
    nb: dict[str, set[str]] = {u: set() for u in ids}
    for a, b in edges:
        a, b = str(a), str(b)
        if a != b and a in nb and b in nb:
            nb[a].add(b)
            nb[b].add(a)
    return pd.Series([";".join(sorted(nb[u])) for u in ids], dtype="string")
