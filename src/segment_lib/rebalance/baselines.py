"""Baselines that :func:`propose_split` is compared with: "re-cluster from scratch".

* :func:`balanced_recluster` — what a data scientist would do without this tool: cluster the
  **accounts** on their coordinates into k regions from scratch, with every region's
  tier-weighted workload within ``±tolerance`` of its capacity-proportional target, ignoring
  contiguity and the current split; then name the clusters after the current regions
  (Hungarian matching on revenue overlap).  It solves the same balance problem as
  :func:`propose_split`, so its moved revenue is the fair "unconstrained re-clustering" figure.
* ``split.recluster_unconstrained`` — plain (unbalanced) KMeans on the provinces; a second
  reference only: it ignores balance, so its moved revenue answers a different question.
* :func:`compare_baselines` — the comparison table shown in the rebalance report.

Algorithm of :func:`balanced_recluster` (size-constrained k-means, Bradley, Bennett & Demiriz
2000 — the algorithm of the ``k_means_constrained`` package — generalised to effort weights and
unequal per-region bounds)
----------------------------------------------------------------------------------------------
``k_means_constrained.KMeansConstrained`` bounds the *number* of points per cluster with one
``size_min``/``size_max`` for all clusters.  Here every region has its own target (capacities
differ up to 4× on the demo) and accounts weigh 0.3–4 effort units, so its assignment step is
generalised the way the package's own docs suggest for weights — replicate each account in
integer effort units:

1. Coordinates: account lat/lon projected to km (equirectangular around the mean latitude).
2. Start (per restart ``i``, seeded ``random_state + i``): weighted KMeans (scikit-learn,
   ``sample_weight`` = effort); its clusters are matched to regions by revenue overlap
   (``scipy.optimize.linear_sum_assignment``), which fixes which capacity band each cluster gets.
3. Assignment step = the package's min-cost flow with weights: each account supplies
   ``round(effort · 100)`` units, unit cost = squared distance to a centre, cluster *j* takes
   between ``lo_j`` and ``hi_j`` units (its region's band minus load that cannot move), solved
   exactly with OR-Tools ``SimpleMinCostFlow``.  Update step: effort-weighted centres.  Repeat
   until the assignment is stable (``max_iter``).
4. The flow may split a few accounts between clusters (at most k−1 in a basic solution).  They
   are made integral by an exact CP-SAT assignment of those accounts within the bands (all
   accounts are re-assigned by CP-SAT, warm-started, if that is infeasible), so every region is
   within its band with whole accounts.
5. The restart with the lowest effort-weighted within-cluster squared distance (the k-means
   criterion — *not* moved revenue) is kept; its clusters are relabelled by a Hungarian matching
   on revenue overlap restricted to pairs whose load fits the region's band.

Accounts that do not follow their geo unit (core customers kept by their rep, cross-region
accounts kept by their owner, locked units) stay in their region as fixed load and never count
as moved — the same rules as :func:`propose_split`.  Moved revenue = revenue of movable accounts
whose region changes, over the revenue of all movable accounts (the denominator of
``propose_split``'s ``moved_revenue_share``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans

from ..errors import ModelInputError
from ..i18n import Note
from ..geo import adjacency_graph
from ..params import DEFAULT_TOLERANCE
from ._flow import BandFlow
from .exact import configure_solver

_SCALE = 100  # effort units per 1.0 of tier effort in the flow (0.01 precision: Dormant 0.3 -> 30)
_KM_PER_DEG = 111.2


@dataclass
class ReclusterResult:
    """Result of :func:`balanced_recluster`.

    assignment: DataFrame customer_id, geo_unit_id, current_region, region_id (new), load,
        revenue, movable, moved
    regions: one row per region: region_id, capacity, target, load_before, load_after,
        ratio_before, ratio_after, deviation_after, within_tolerance, n_accounts_after,
        n_units (geo units where the region has accounts), contiguous (those units connected)
    metrics: moved_revenue_share, moved_accounts, balance_before/after (max/mean load÷capacity),
        max_deviation_after, within_tolerance, contiguous, units_split (geo units whose accounts
        end up in more than one region), inertia_km2, iterations, restarts, seconds, status
    """

    assignment: pd.DataFrame
    regions: pd.DataFrame
    metrics: dict = field(default_factory=dict)


def _project(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    lat0 = np.radians(np.nanmean(lat))
    return np.c_[lon * np.cos(lat0) * _KM_PER_DEG, lat * _KM_PER_DEG]


def _sq_dist(xy: np.ndarray, centres: np.ndarray) -> np.ndarray:
    # dx² + dy², the same floats as ((xy - c) ** 2).sum(axis=2) without the n x k x 2 temporaries
    return (xy[:, :1] - centres[:, 0]) ** 2 + (xy[:, 1:2] - centres[:, 1]) ** 2


def _integral(units: np.ndarray, cost: np.ndarray, flow: np.ndarray, lo: np.ndarray, hi: np.ndarray,
              seed: int, time_limit: float) -> tuple[np.ndarray, str]:
    """Whole accounts: keep the flow's integral accounts, re-assign split ones exactly (CP-SAT)."""
    from ortools.sat.python import cp_model

    n, k = cost.shape
    lab = flow.argmax(axis=1)
    split = np.flatnonzero((flow > 0).sum(axis=1) > 1)
    if len(split) == 0:
        return lab, "FLOW-INTEGRAL"
    c = np.round(cost / (cost.max() or 1.0) * 1e4).astype(np.int64)

    def solve(free: np.ndarray, tl: float):
        m = cp_model.CpModel()
        fixed = np.ones(n, dtype=bool)
        fixed[free] = False
        base = np.bincount(lab[fixed], weights=units[fixed], minlength=k).astype(np.int64)
        x = {(i, j): m.new_bool_var(f"x{i}_{j}") for i in free for j in range(k)}
        for i in free:
            m.add_exactly_one(x[i, j] for j in range(k))
            for j in range(k):
                m.add_hint(x[i, j], int(lab[i] == j))
        for j in range(k):
            load_j = sum(int(units[i]) * x[i, j] for i in free) + int(base[j])
            m.add(load_j >= int(lo[j]))
            m.add(load_j <= int(hi[j]))
        m.minimize(sum(int(units[i]) * int(c[i, j]) * x[i, j] for i in free for j in range(k)))
        s = cp_model.CpSolver()
        configure_solver(s, work_limit=tl, seed=seed)  # deterministic budget, 1 worker
        st = s.solve(m)
        if st not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None, s.status_name(st)
        out = lab.copy()
        for (i, j), v in x.items():
            if s.value(v):
                out[i] = j
        return out, s.status_name(st)

    out, st = solve(split, time_limit)
    if out is None:  # rare: re-assign every account, warm-started from the rounded flow
        out, st = solve(np.arange(n), time_limit * 3)
        st = f"ALL-{st}"
    return (out, st) if out is not None else (lab, "ROUNDED-FLOW")


def balanced_recluster(
    accounts: pd.DataFrame,
    region_capacity: pd.Series,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    geo_units: pd.DataFrame | None = None,
    extra_edges: list[tuple[str, str]] | None = None,
    n_init: int = 10,
    max_iter: int = 30,
    time_limit: float = 10.0,
    random_state: int = 0,
) -> ReclusterResult:
    """Re-cluster accounts from scratch into capacity-balanced regions (no contiguity, no current split).

    Parameters
    ----------
    accounts: one row per account: customer_id, lat, lon, load (tier effort), revenue,
        current_region (region the account belongs to today); optional geo_unit_id and
        ``movable`` (bool, default True — False: the account stays in ``current_region`` as
        fixed load, e.g. core customers kept by their rep) and ``follows_unit`` (accounts whose
        revenue forms the moved-revenue denominator; default ``movable``).  ``RebalanceInputs.recluster_accounts()``
        builds this table with the same rules as :func:`propose_split`.
    region_capacity: Series region_id -> capacity; targets are capacity-proportional shares of
        the total load, bands ``target · (1 ± tolerance)``.
    geo_units, extra_edges: optional, to report which regions' geo units are connected.
    n_init: restarts (seeds ``random_state .. random_state + n_init - 1``); the lowest
        effort-weighted within-cluster squared distance wins.  10 = ``KMeansConstrained``'s
        default; single restarts land in different local optima (see docs/rebalance.md).
    max_iter: assignment / centre-update rounds per restart.
    time_limit: seconds for each CP-SAT call that makes split accounts whole.

    Returns
    -------
    :class:`ReclusterResult` (see the module docstring for the algorithm).

    Raises
    ------
    ModelInputError: missing columns, unknown regions, or bands no assignment can meet (e.g.
        fixed load alone above a band, or total load outside the sum of the bands).
    """
    t0 = time.perf_counter()
    need = {"customer_id", "lat", "lon", "load", "revenue", "current_region"}
    miss = need - set(accounts.columns)
    if miss:
        raise ModelInputError(f"accounts lacks columns {sorted(miss)}")
    if not 0 <= tolerance < 1:
        raise ModelInputError(f"tolerance must be in [0, 1), got {tolerance}")
    cap = pd.Series(region_capacity).astype(float)
    cap.index = cap.index.astype(str)
    regions = cap.index.tolist()
    k = len(regions)
    ridx = {r: i for i, r in enumerate(regions)}
    acc = accounts.reset_index(drop=True)
    cur = acc["current_region"].astype(str).map(ridx)
    if cur.isna().any():
        bad = sorted(acc.loc[cur.isna(), "current_region"].astype(str).unique())
        raise ModelInputError(f"accounts name regions without capacity: {bad}")
    cur = cur.astype(int).to_numpy()
    movable = acc["movable"].astype(bool).to_numpy() if "movable" in acc.columns else np.ones(len(acc), bool)
    load = acc["load"].astype(float).to_numpy()
    rev = acc["revenue"].astype(float).to_numpy()
    units = np.round(load * _SCALE).astype(np.int64)

    total = float(load.sum())
    target = total * cap.to_numpy() / cap.sum()
    fixed_units = np.bincount(cur[~movable], weights=units[~movable], minlength=k)
    lo = np.ceil(target * (1 - tolerance) * _SCALE - 1e-6) - fixed_units
    hi = np.floor(target * (1 + tolerance) * _SCALE + 1e-6) - fixed_units
    lo, hi = np.maximum(lo, 0).astype(np.int64), hi.astype(np.int64)
    mv = np.flatnonzero(movable)
    if np.any(hi < 0) or lo.sum() > units[mv].sum() or hi.sum() < units[mv].sum():
        raise ModelInputError(Note("rebalance.error.band_unreachable", tol=f"{tolerance:.0%}"))
    xy_all = _project(acc["lat"].astype(float).to_numpy(), acc["lon"].astype(float).to_numpy())
    if not np.isfinite(xy_all[mv]).all():
        raise ModelInputError("accounts need finite lat/lon")
    xy, u_mv, w_mv, rev_mv, cur_mv = xy_all[mv], units[mv], load[mv], rev[mv], cur[mv]

    def overlap(lab: np.ndarray) -> np.ndarray:  # cluster x region revenue overlap
        o = np.zeros((k, k))
        np.add.at(o, (lab, cur_mv), rev_mv + 1e-9)
        return o

    best = None
    flows = BandFlow(u_mv, lo, hi)  # each flow identical to the full OR-Tools solve, on fewer arcs
    for r in range(n_init):
        flows.reset()
        seed = random_state + r
        km = KMeans(n_clusters=k, n_init=1, random_state=seed).fit(xy, sample_weight=np.maximum(w_mv, 1e-9))
        rows, cols = linear_sum_assignment(-overlap(km.labels_))
        centres = np.empty((k, 2))
        centres[cols] = km.cluster_centers_[rows]  # centre j serves region j's band
        prev, it = None, 0
        for it in range(1, max_iter + 1):
            d2 = _sq_dist(xy, centres)
            flow = flows.solve(d2)
            if flow is None:
                break
            lab = flow.argmax(axis=1)
            wsum = flow.sum(axis=0)
            new_c = (flow.T @ xy) / np.maximum(wsum, 1)[:, None]
            centres = np.where(wsum[:, None] > 0, new_c, centres)
            if prev is not None and np.array_equal(lab, prev):
                break
            prev = lab
        if flow is None:
            continue
        d2 = _sq_dist(xy, centres)
        flow = flows.solve(d2)
        lab, status = _integral(u_mv, d2, flow, lo, hi, seed, time_limit)
        inertia = float((w_mv * d2[np.arange(len(lab)), lab]).sum())
        if best is None or inertia < best[0]:
            best = (inertia, lab, status, it, r)
    if best is None:
        raise ModelInputError(Note("rebalance.error.no_band_solution"))
    inertia, lab, status, iters, _ = best

    # final names: Hungarian on revenue overlap, only between clusters and regions whose band fits
    cl_units = np.bincount(lab, weights=u_mv, minlength=k)
    fits = (cl_units[:, None] >= lo[None, :]) & (cl_units[:, None] <= hi[None, :])
    score = np.where(fits, overlap(lab), -1e18)
    rows, cols = linear_sum_assignment(-score)
    relabel = np.empty(k, dtype=int)
    relabel[rows] = cols
    if not fits[rows, cols].all():  # cannot happen (identity fits), kept as a guard
        relabel = np.arange(k)
    new = cur.copy()
    new[mv] = relabel[lab]

    reg = np.array(regions, dtype=object)
    moved = (new != cur) & movable
    out = pd.DataFrame({
        "customer_id": acc["customer_id"].astype(str).to_numpy(),
        "geo_unit_id": acc["geo_unit_id"].astype(str).to_numpy() if "geo_unit_id" in acc.columns else None,
        "current_region": reg[cur], "region_id": reg[new], "load": load, "revenue": rev,
        "movable": movable, "moved": moved,
    })
    lb = np.bincount(cur, weights=load, minlength=k)
    la = np.bincount(new, weights=load, minlength=k)
    c = cap.to_numpy()
    within = (la >= target * (1 - tolerance) - 1e-6) & (la <= target * (1 + tolerance) + 1e-6)
    contiguous = np.full(k, np.nan, dtype=object)
    n_units = np.full(k, np.nan)
    units_split = None
    if "geo_unit_id" in acc.columns:
        per_unit = out.groupby("geo_unit_id")["region_id"].nunique()
        units_split = int((per_unit > 1).sum())
        n_units = out.groupby("region_id")["geo_unit_id"].nunique().reindex(regions).fillna(0).to_numpy()
        if geo_units is not None:
            g = adjacency_graph(geo_units, extra_edges)
            for j, rname in enumerate(regions):
                us = out.loc[out["region_id"] == rname, "geo_unit_id"].unique().tolist()
                contiguous[j] = bool(us) and nx.is_connected(g.subgraph(us))
    regions_df = pd.DataFrame({
        "region_id": regions, "capacity": c, "target": target, "load_before": lb, "load_after": la,
        "ratio_before": lb / c, "ratio_after": la / c, "deviation_after": la / target - 1,
        "within_tolerance": within, "n_accounts_after": np.bincount(new, minlength=k),
        "n_units": n_units, "contiguous": contiguous,
    })
    in_denom = acc["follows_unit"].astype(bool).to_numpy() if "follows_unit" in acc.columns else movable
    rev_total = float(rev[in_denom].sum()) or 1.0
    rb_, ra_ = lb / c, la / c
    metrics = {
        "tolerance": tolerance,
        "moved_revenue_share": float(rev[moved].sum() / rev_total),
        "moved_revenue": float(rev[moved].sum()),
        "moved_accounts": int(moved.sum()),
        "balance_before": float(rb_.max() / rb_.mean()),
        "balance_after": float(ra_.max() / ra_.mean()),
        "max_deviation_after": float(np.max(np.abs(la / target - 1))),
        "within_tolerance": bool(within.all()),
        "contiguous": bool(all(x is True for x in contiguous)) if geo_units is not None else None,
        "units_split": units_split,
        "inertia_km2": inertia / max(float(w_mv.sum()), 1e-9),
        "iterations": int(iters),
        "restarts": int(n_init),
        "status": status,
        "seconds": time.perf_counter() - t0,
    }
    return ReclusterResult(out, regions_df, metrics)


def compare_baselines(inputs, proposal, *, tolerance: float | None = None, n_init: int = 10,
                      random_state: int = 0, balanced: ReclusterResult | None = None) -> pd.DataFrame:
    """Proposed split vs balanced re-clustering vs plain KMeans, on the same measures.

    ``inputs``: :class:`RebalanceInputs`; ``proposal``: the :class:`SplitProposal` (or the
    ``closest`` of an infeasible request).  Returns one row per method: method, moved_revenue_share
    (on the proposal's denominator: total revenue when the proposal was given ``total_revenue``),
    balance (max/mean load÷capacity), max_deviation (worst region vs its target), within_tolerance,
    contiguous, units_split (geo units divided between regions), note.  The table carries the
    :class:`ReclusterResult` in ``attrs["balanced"]`` (pass ``balanced`` to reuse one).
    """
    from .split import recluster_unconstrained, split_metrics

    tol = proposal.metrics["tolerance"] if tolerance is None else tolerance
    kw = inputs.split_kwargs()
    bal, bal_error = balanced, None
    if bal is None:
        try:
            bal = balanced_recluster(inputs.recluster_accounts(), inputs.region_capacity, tolerance=tol,
                                     geo_units=inputs.geo_units, extra_edges=inputs.extra_edges, n_init=n_init,
                                     random_state=random_state)
        except ModelInputError as e:  # the baseline cannot reach the band: a row that says so, not a crash
            bal_error = e.args[0] if e.args else str(e)  # a Note: the report says it in its language
    nan = float("nan")
    bm = bal.metrics if bal is not None else {"moved_revenue_share": nan, "balance_after": nan,
                                               "max_deviation_after": nan, "within_tolerance": False,
                                               "contiguous": None, "units_split": None}
    km = recluster_unconstrained(kw["geo_units"], kw["unit_load"], kw["current"], unit_revenue=kw["unit_revenue"],
                                 seed=random_state)
    km_m = split_metrics(km, kw["geo_units"], kw["unit_load"], kw["current"], kw["region_capacity"],
                         unit_revenue=kw["unit_revenue"], fixed_load=kw["fixed_load"],
                         extra_edges=kw["extra_edges"], tolerance=tol)
    pm = proposal.metrics
    # every share on the proposal's denominator (total revenue when propose_split was given it)
    movable = float(pd.Series(kw["unit_revenue"]).sum())
    denom = pm.get("revenue_total") or movable
    scale = movable / denom if denom and pm.get("moved_revenue_share") is not None else nan
    def _share(v) -> float:  # None (no revenue data) counts as unknown
        return nan if v is None else float(v) * scale

    bm = {**bm, "moved_revenue_share": _share(bm["moved_revenue_share"])}
    km_m = {**km_m, "moved_revenue_share": _share(km_m["moved_revenue_share"])}
    p_share = pm["moved_revenue_share"] if pm.get("moved_revenue_share") is not None else nan
    rows = [
        {"method": "proposed split (contiguous, balanced)", "moved_revenue_share": p_share,
         "balance": pm["balance_after"], "max_deviation": pm["max_deviation_after"],
         "within_tolerance": bool(proposal.regions["within_tolerance"].all()),
         "contiguous": bool(proposal.regions["contiguous"].all()), "units_split": 0,
         "note": f"{proposal.solver} ({proposal.status})"},
        {"method": "balanced re-clustering of accounts", "moved_revenue_share": bm["moved_revenue_share"],
         "balance": bm["balance_after"], "max_deviation": bm["max_deviation_after"],
         "within_tolerance": bm["within_tolerance"], "contiguous": bm["contiguous"],
         "units_split": bm["units_split"],
         "note": "size-constrained k-means from scratch, same ±band" if bal_error is None
         else f"not possible: {bal_error}"},
        {"method": "plain KMeans of provinces", "moved_revenue_share": km_m["moved_revenue_share"],
         "balance": km_m["balance_after"], "max_deviation": km_m["max_deviation_after"],
         "within_tolerance": km_m["max_deviation_after"] <= tol + 1e-9, "contiguous": km_m["contiguous"],
         "units_split": 0, "note": "ignores balance: reference only"},
    ]
    df = pd.DataFrame(rows)
    df.attrs["balanced"], df.attrs["balanced_error"] = bal, bal_error
    return df


def comparison_lines(table: pd.DataFrame, scale: float = 1.0) -> list[str]:
    """Plain-language lines for the table of :func:`compare_baselines` (the report's language; see
    :func:`segment_lib.rebalance.text.comparison_lines`)."""
    from .text import comparison_lines as lines

    return lines(table, scale)
