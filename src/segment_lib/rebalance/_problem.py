"""Internal: the normalised rebalancing problem (arrays + graph) and the shared metrics.

Everything solver-facing works on integer unit indices 0..n-1 and region indices 0..k-1;
the public functions translate back to geo_unit_id / region_id labels.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd

from ..errors import ModelInputError
from ..params import DEFAULT_TOLERANCE
from ..geo import adjacency_graph, haversine_km

# Objective weights.  Moved revenue share is the goal (balance and contiguity are hard
# constraints); compactness (cut-edge share) is a tie-break whose weight is so small that it can
# never outweigh moving 0.1% of revenue; the home-base distance term is off by default (regions
# are anchored by their root unit instead, see exact.region_roots).
# "load" and "units" (moved workload share, moved unit share) are tie-breaks that keep moves few
# when revenue is missing or sits in accounts that do not move.
DEFAULT_WEIGHTS = {"revenue": 1.0, "compactness": 0.001, "distance": 0.0, "balance": 100.0, "load": 0.002,
                   "units": 0.0005}


@dataclass
class Problem:
    """A rebalancing instance on plain arrays.

    ``load``/``revenue``/``accounts`` are per unit; ``fixed_load`` per region is workload that
    stays with a region whatever the split does (core customers, cross-region accounts kept by
    their owner).  ``target`` is the capacity-proportional share of the total workload.
    """

    units: list[str]
    regions: list[str]
    graph: nx.Graph  # nodes are unit indices 0..n-1
    lat: np.ndarray
    lon: np.ndarray
    load: np.ndarray
    revenue: np.ndarray
    accounts: np.ndarray
    capacity: np.ndarray
    fixed_load: np.ndarray
    current: np.ndarray  # region index per unit, -1 when the unit had no region
    locked: np.ndarray  # bool per unit
    tolerance: float
    weights: dict[str, float] = field(default_factory=dict)
    edges: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=int))
    anchor: np.ndarray | None = None  # n x k normalised distance of unit to each region's home base
    allowed: np.ndarray | None = None  # n x k bool: compactness guard (None = every region allowed)
    start: np.ndarray | None = None  # contiguous start plan (today's split, repaired), None = current
    repaired: np.ndarray | None = None  # units of detached pieces of today's regions (moved by the repair)
    stretch: float | None = None  # compactness guard factor (None = no guard)
    has_revenue: bool = True  # False: no revenue data, disruption is measured by workload
    revenue_total: float | None = None  # all revenue (incl. accounts that do not move), for shares

    def guard_ok(self, assign: np.ndarray) -> bool:
        """Whether every unit sits in a region the compactness guard allows."""
        return self.allowed is None or bool(self.allowed[np.arange(self.n), assign].all())

    def anchor_cost(self, assign: np.ndarray) -> float:
        """Load-weighted distance of units to their region's home base (1.0 = today's average)."""
        if self.anchor is None:
            return 0.0
        return float(self.anchor[np.arange(self.n), assign].sum())

    @property
    def n(self) -> int:
        return len(self.units)

    @property
    def k(self) -> int:
        return len(self.regions)

    @property
    def total_load(self) -> float:
        return float(self.load.sum() + self.fixed_load.sum())

    @property
    def target(self) -> np.ndarray:
        return self.total_load * self.capacity / self.capacity.sum()

    @property
    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        t = self.target
        return t * (1 - self.tolerance), t * (1 + self.tolerance)

    def region_load(self, assign: np.ndarray) -> np.ndarray:
        return np.bincount(assign, weights=self.load, minlength=self.k) + self.fixed_load

    def cut_edges(self, assign: np.ndarray) -> int:
        if len(self.edges) == 0:
            return 0
        return int((assign[self.edges[:, 0]] != assign[self.edges[:, 1]]).sum())

    @property
    def move_cost(self) -> np.ndarray:
        """Objective cost of moving each unit: weighted shares of revenue, workload and units."""
        w = self.weights
        rev_total = float(self.revenue.sum()) or 1.0
        load_total = float(self.load.sum()) or 1.0
        return (w.get("revenue", 1.0) * self.revenue / rev_total
                + w.get("load", DEFAULT_WEIGHTS["load"]) * self.load / load_total
                + w.get("units", DEFAULT_WEIGHTS["units"]) / max(self.n, 1))

    def moved_revenue(self, assign: np.ndarray) -> float:
        moved = (assign != self.current) & (self.current >= 0)
        return float(self.revenue[moved].sum())

    def violation(self, assign: np.ndarray) -> np.ndarray:
        """Relative amount by which each region misses its ±tolerance band (0 when inside)."""
        lo, hi = self.bounds
        rl = self.region_load(assign)
        t = self.target
        return np.maximum(0.0, np.maximum(rl - hi, lo - rl)) / np.where(t > 0, t, 1.0)

    def max_deviation(self, assign: np.ndarray) -> float:
        t = self.target
        return float(np.max(np.abs(self.region_load(assign) / np.where(t > 0, t, 1.0) - 1.0)))

    def objective(self, assign: np.ndarray) -> float:
        """Weighted disruption + compactness: the quantity CP-SAT minimises (balance is a constraint)."""
        n_edges = max(len(self.edges), 1)
        moved = (assign != self.current) & (self.current >= 0)
        return (
            float(self.move_cost[moved].sum())
            + self.weights.get("compactness", DEFAULT_WEIGHTS["compactness"]) * self.cut_edges(assign) / n_edges
            + self.weights.get("distance", DEFAULT_WEIGHTS["distance"]) * self.anchor_cost(assign)
        )

    def penalised(self, assign: np.ndarray) -> float:
        """Objective plus a large penalty per unit of tolerance violation (heuristic score)."""
        return self.objective(assign) + self.weights.get("balance", 100.0) * float(self.violation(assign).sum())

    def is_contiguous(self, assign: np.ndarray) -> bool:
        for r in range(self.k):
            nodes = np.flatnonzero(assign == r)
            if len(nodes) == 0 or not nx.is_connected(self.graph.subgraph(nodes.tolist())):
                return False
        return True

    def contiguous_by_region(self, assign: np.ndarray) -> np.ndarray:
        out = np.zeros(self.k, dtype=bool)
        for r in range(self.k):
            nodes = np.flatnonzero(assign == r)
            out[r] = len(nodes) > 0 and nx.is_connected(self.graph.subgraph(nodes.tolist()))
        return out

    def dispersion_km(self, assign: np.ndarray) -> np.ndarray:
        """Load-weighted mean distance (km) of each region's units to the region's load centroid."""
        out = np.zeros(self.k)
        w = self.load + 1e-9
        for r in range(self.k):
            m = assign == r
            if not m.any():
                continue
            clat = np.average(self.lat[m], weights=w[m])
            clon = np.average(self.lon[m], weights=w[m])
            out[r] = float(np.average(haversine_km(self.lat[m], self.lon[m], clat, clon), weights=w[m]))
        return out

    def components(self) -> list[list[int]]:
        return [sorted(c) for c in nx.connected_components(self.graph)]

    def with_graph(self, graph: nx.Graph) -> Problem:
        p = Problem(**{**self.__dict__, "graph": graph})
        for k in ("anchor", "allowed", "start", "repaired", "stretch", "has_revenue", "revenue_total"):
            setattr(p, k, getattr(self, k))
        p.edges = np.array(sorted((min(a, b), max(a, b)) for a, b in graph.edges()), dtype=int).reshape(-1, 2)
        return p


def _series(x, index: list[str], name: str, default: float | None = None) -> np.ndarray:
    if x is None:
        if default is None:
            raise ModelInputError(f"{name} is required")
        return np.full(len(index), float(default))
    s = pd.Series(x)
    s.index = s.index.astype(str)
    missing = [i for i in index if i not in s.index]
    if missing and default is None:
        raise ModelInputError(f"{name} has no value for {len(missing)} units, e.g. {missing[:5]}")
    vals = s.reindex(index).astype(float).fillna(0.0 if default is None else default).to_numpy()
    if np.any(vals < 0):
        bad = [index[i] for i in np.flatnonzero(vals < 0)[:5]]
        raise ModelInputError(f"{name} must be non-negative; negative for {bad}")
    return vals


def build_problem(
    geo_units: pd.DataFrame,
    unit_load: pd.Series,
    current: pd.Series | None,
    region_capacity: pd.Series | None,
    *,
    unit_revenue: pd.Series | None = None,
    unit_accounts: pd.Series | None = None,
    fixed_load: pd.Series | None = None,
    extra_edges: list[tuple[str, str]] | None = None,
    locked_units: list[str] | tuple[str, ...] | None = None,
    n_regions: int | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    weights: dict[str, float] | None = None,
) -> Problem:
    """Validate the plain inputs and build a :class:`Problem`."""
    if not 0 <= tolerance < 1:
        raise ModelInputError(f"tolerance must be in [0, 1), got {tolerance}")
    gu = geo_units.copy()
    gu["geo_unit_id"] = gu["geo_unit_id"].astype(str)
    if gu["geo_unit_id"].duplicated().any():
        raise ModelInputError("geo_units.geo_unit_id must be unique")
    units = gu["geo_unit_id"].tolist()
    g_named = adjacency_graph(gu, extra_edges)
    unknown = [e for e in (extra_edges or []) for x in e if str(x) not in set(units)]
    if unknown:
        raise ModelInputError(f"extra_edges name unknown geo units: {unknown}")
    idx = {u: i for i, u in enumerate(units)}
    graph = nx.Graph()
    graph.add_nodes_from(range(len(units)))
    graph.add_edges_from((idx[a], idx[b]) for a, b in g_named.edges())

    load = _series(unit_load, units, "unit_load", default=0.0)
    revenue = _series(unit_revenue, units, "unit_revenue", default=0.0) if unit_revenue is not None else load.copy()
    has_revenue = unit_revenue is None or float(revenue.sum()) > 0  # None: disruption is measured by load
    if not has_revenue:  # no revenue data: keep moves few by moved workload (never a flat objective);
        # a small equal share per unit also counts units without workload
        revenue = load + 0.01 * (float(load.mean()) if len(load) and load.mean() > 0 else 1.0)
    accounts = _series(unit_accounts, units, "unit_accounts", default=0.0)

    cur = None
    if current is not None:
        cur = pd.Series(current).copy()
        cur.index = cur.index.astype(str)
        cur = cur.astype(str)
    if region_capacity is not None:
        cap = pd.Series(region_capacity).astype(float)
        cap.index = cap.index.astype(str)
        regions = cap.index.tolist()
        if n_regions is not None and n_regions != len(regions):
            raise ModelInputError(
                f"n_regions={n_regions} but region_capacity names {len(regions)} regions; "
                "give capacities for the new regions or leave n_regions unset"
            )
        capacity = cap.to_numpy()
    else:
        if n_regions is None:
            if cur is None:
                raise ModelInputError("give region_capacity, current or n_regions")
            regions = sorted(cur.dropna().unique().tolist())
        elif cur is not None and cur.nunique() == n_regions:
            regions = sorted(cur.unique().tolist())
        else:
            regions = [f"R{i + 1}" for i in range(n_regions)]
        capacity = np.full(len(regions), max(float(load.sum()), 1.0) / len(regions))
    if np.any(capacity <= 0):
        raise ModelInputError("every region needs a positive capacity")
    ridx = {r: i for i, r in enumerate(regions)}
    current_arr = np.full(len(units), -1, dtype=int)
    if cur is not None:
        current_arr = np.array([ridx.get(cur.get(u, ""), -1) for u in units], dtype=int)
    fixed = np.zeros(len(regions))
    if fixed_load is not None:
        fl = pd.Series(fixed_load).astype(float)
        fl.index = fl.index.astype(str)
        extra = [r for r in fl.index if r not in ridx and fl[r] != 0]
        if extra:
            raise ModelInputError(f"fixed_load names regions without capacity: {extra}")
        fixed = fl.reindex(regions).fillna(0.0).to_numpy()
    locked = np.zeros(len(units), dtype=bool)
    for u in locked_units or ():
        if str(u) not in idx:
            raise ModelInputError(f"locked unit {u!r} is not a geo unit")
        if current_arr[idx[str(u)]] < 0:
            raise ModelInputError(f"locked unit {u!r} has no current region to stay in")
        locked[idx[str(u)]] = True
    if len(regions) > len(units):
        raise ModelInputError(f"{len(regions)} regions but only {len(units)} geo units")
    w = dict(DEFAULT_WEIGHTS)
    w.update(weights or {})
    p = Problem(
        units=units, regions=regions, graph=graph,
        lat=gu["lat"].astype(float).to_numpy(), lon=gu["lon"].astype(float).to_numpy(),
        load=load, revenue=revenue, accounts=accounts, capacity=capacity, fixed_load=fixed,
        current=current_arr, locked=locked, tolerance=float(tolerance), weights=w, has_revenue=has_revenue,
    )
    p.anchor = _anchor(p)
    return p.with_graph(graph)


def _anchor(p: Problem) -> np.ndarray | None:
    """Distance of every unit to every region's home (load-weighted centroid of its current units).

    Normalised so that the current split scores 1.0; None when there is no complete current split.
    """
    if (p.current < 0).any() or len(set(p.current.tolist())) != p.k:
        return None
    w = p.load + 1e-9
    hl = np.array([np.average(p.lat[p.current == r], weights=w[p.current == r]) for r in range(p.k)])
    ho = np.array([np.average(p.lon[p.current == r], weights=w[p.current == r]) for r in range(p.k)])
    d = haversine_km(p.lat[:, None], p.lon[:, None], hl[None, :], ho[None, :])
    a = w[:, None] * d
    base = float(a[np.arange(p.n), p.current].sum())
    return a / base if base > 0 else None


def link_islands(p: Problem) -> tuple[Problem, list[tuple[str, str]]]:
    """Connect every component other than the largest to its nearest unit elsewhere (haversine)."""
    comps = sorted(p.components(), key=len, reverse=True)
    if len(comps) <= 1:
        return p, []
    g = p.graph.copy()
    added = []
    main = set(comps[0])
    for comp in comps[1:]:
        others = np.array(sorted(main))
        best = None
        for u in comp:
            d = haversine_km(p.lat[u], p.lon[u], p.lat[others], p.lon[others])
            j = int(np.argmin(d))
            if best is None or d[j] < best[0]:
                best = (float(d[j]), u, int(others[j]))
        _, a, b = best
        g.add_edge(a, b)
        added.append((p.units[a], p.units[b]))
        main |= set(comp)
    return p.with_graph(g), added


def repair_contiguity(p: Problem) -> tuple[np.ndarray, list[int]]:
    """A contiguous version of the current split: every region keeps its largest connected piece
    (by workload, then units); detached pieces join the neighbouring region they share the most
    borders with (the least loaded one on ties).  Returns (assignment, detached unit indices).

    Units without a current region are filled in the same way.  The result is contiguous on a
    connected graph; detached units count as moved when the proposal is measured against today.
    """
    a = p.current.copy()
    detached: list[int] = []
    for r in range(p.k):
        nodes = np.flatnonzero(p.current == r)
        if len(nodes) == 0:
            continue
        comps = list(nx.connected_components(p.graph.subgraph(nodes.tolist())))
        if len(comps) <= 1:
            continue
        keep = max(comps, key=lambda c: (float(p.load[list(c)].sum()), len(c), -min(c)))
        for c in comps:
            if c is not keep:
                detached += sorted(c)
    a[detached] = -1
    a[p.locked & (a < 0)] = -1  # a locked unit in a detached piece cannot stay: it is freed below
    load = np.bincount(a[a >= 0], weights=p.load[a >= 0], minlength=p.k) + p.fixed_load
    ratio_w = 1.0 / np.where(p.capacity > 0, p.capacity, 1.0)
    todo = set(np.flatnonzero(a < 0).tolist())
    while todo:
        best = None
        for u in sorted(todo):
            regs = [int(a[v]) for v in p.graph.neighbors(u) if a[v] >= 0]
            if not regs:
                continue
            counts = np.bincount(regs, minlength=p.k)
            r = int(max(np.flatnonzero(counts == counts.max()), key=lambda q: -load[q] * ratio_w[q]))
            key = (-int(counts.max()), load[r] * ratio_w[r], u)
            if best is None or key < best[0]:
                best = (key, u, r)
        if best is None:  # the rest touches no region (disconnected graph): nearest region by index
            for u in sorted(todo):
                a[u] = int(np.argmin(load * ratio_w))
            break
        _, u, r = best
        a[u] = r
        load[r] += p.load[u]
        todo.discard(u)
    return a, detached


def compactness_allowed(p: Problem, stretch: float) -> np.ndarray | None:
    """The compactness guard: which region each unit may join (n x k bool), None without a full
    current split.

    Every region's centre is its workload-weighted centre today.  A unit may stay in its region,
    or join region r when r's centre is at most ``stretch`` times as far from the unit as its own
    region's centre is — ``stretch / 2`` when the unit does not border r's territory today
    (distances below the median of the regions' typical unit-to-centre distance count as that
    median, so units near their own centre can still move to a close neighbour).
    A region therefore grows into its surroundings but never reaches across the map, and the units
    at the heart of a region stay in it.
    """
    if (p.current < 0).any() or len(set(p.current.tolist())) != p.k:
        return None
    w = p.load + 1e-9
    home = np.zeros((p.k, 2))
    typical = np.zeros(p.k)
    for r in range(p.k):
        m = p.current == r
        home[r] = np.average(p.lat[m], weights=w[m]), np.average(p.lon[m], weights=w[m])
        typical[r] = np.average(haversine_km(p.lat[m], p.lon[m], home[r, 0], home[r, 1]), weights=w[m])
    d = haversine_km(p.lat[:, None], p.lon[:, None], home[None, :, 0], home[None, :, 1])
    own = np.maximum(d[np.arange(p.n), p.current], float(np.median(typical)))
    borders = np.zeros((p.n, p.k), dtype=bool)  # the unit touches region r's territory today
    for a, b in p.edges:
        borders[a, p.current[b]] = borders[b, p.current[a]] = True
    limit = np.where(borders, float(stretch), float(stretch) / 2)  # reaching past a neighbour: half as far
    allowed = d <= limit * own[:, None]
    allowed[np.arange(p.n), p.current] = True
    return allowed

