"""``propose_split``: a contiguous, capacity-balanced, minimally disruptive region split."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans

from ..errors import InfeasibleSplitError, ModelInputError
from ..params import DEFAULT_TOLERANCE
from ._problem import Problem, build_problem, link_islands
from .exact import solve_exact
from .heuristic import match_labels, solve_heuristic

EXACT_MAX_UNITS = 40


@dataclass
class SplitProposal:
    """Result of :func:`propose_split`.

    Attributes
    ----------
    split: Series geo_unit_id -> region_id (the proposal)
    current: Series geo_unit_id -> region_id (the input split; empty when none)
    regions: one row per region: region_id, capacity, target, load_before, load_after,
        ratio_before, ratio_after (load / capacity), deviation_after (load / target - 1),
        within_tolerance, n_units_before, n_units_after, contiguous, dispersion_km
    moves: one row per moved unit: geo_unit_id, from_region, to_region, load, accounts, revenue
    solver: which solver produced the split ("cp-sat", "gerrychain-heuristic", ...)
    status: solver status ("OPTIMAL", "FEASIBLE", "HEURISTIC")
    objective: weighted disruption + compactness (see docs/rebalance.md); lower is better
    bound: proven lower bound on the objective (exact solver only), gap = (objective-bound)/objective
    metrics: headline numbers (balance before/after, moved revenue share, cut edges, seconds...)
    notes: plain-language remarks (islands linked, solver fallbacks, ...)
    """

    split: pd.Series
    current: pd.Series
    regions: pd.DataFrame
    moves: pd.DataFrame
    solver: str
    status: str
    objective: float
    bound: float | None = None
    gap: float | None = None
    metrics: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def feasible(self) -> bool:
        return bool(self.regions["within_tolerance"].all() and self.regions["contiguous"].all())

    def summary_lines(self, total_revenue: float | None = None) -> list[str]:
        """Plain-language lines for a manager summary (the report's language); moved revenue as a
        share of ``total_revenue`` when given (see :func:`segment_lib.rebalance.text.proposal_lines`)."""
        from .text import proposal_lines

        return proposal_lines(self, total_revenue)


def _result(p: Problem, assign: np.ndarray, solver: str, status: str, *, bound=None, gap=None,
            seconds=0.0, notes=None, extra=None) -> SplitProposal:
    units, regions = p.units, p.regions
    reg = np.array(regions, dtype=object)
    split = pd.Series(reg[assign], index=pd.Index(units, name="geo_unit_id"), name="region_id")
    has_cur = (p.current >= 0).any()
    cur_assign = np.where(p.current >= 0, p.current, assign)
    current = pd.Series(reg[cur_assign], index=split.index, name="region_id") if has_cur else pd.Series(dtype=object)
    lb, la = p.region_load(cur_assign), p.region_load(assign)
    t = p.target
    lo, hi = p.bounds
    df = pd.DataFrame({
        "region_id": regions,
        "capacity": p.capacity,
        "target": t,
        "load_before": lb,
        "load_after": la,
        "ratio_before": lb / p.capacity,
        "ratio_after": la / p.capacity,
        "deviation_after": la / t - 1,
        "within_tolerance": (la >= lo - 1e-9) & (la <= hi + 1e-9),
        "n_units_before": np.bincount(cur_assign, minlength=p.k),
        "n_units_after": np.bincount(assign, minlength=p.k),
        "contiguous": p.contiguous_by_region(assign),
        "dispersion_km": p.dispersion_km(assign),
    })
    moved = np.flatnonzero((assign != p.current) & (p.current >= 0))
    moves = pd.DataFrame({
        "geo_unit_id": [units[i] for i in moved],
        "from_region": [regions[p.current[i]] for i in moved],
        "to_region": [regions[assign[i]] for i in moved],
        "load": p.load[moved],
        "accounts": p.accounts[moved],
        "revenue": p.revenue[moved],
    }).sort_values("revenue", ascending=False, ignore_index=True)
    rev_total = float(p.revenue.sum()) or 1.0
    rb, ra = lb / p.capacity, la / p.capacity
    metrics = {
        "tolerance": p.tolerance,
        "n_units": p.n,
        "n_regions": p.k,
        "balance_before": float(rb.max() / rb.mean()),
        "balance_after": float(ra.max() / ra.mean()),
        "max_ratio_before": float(rb.max()),
        "max_ratio_after": float(ra.max()),
        "max_deviation_before": float(np.max(np.abs(lb / t - 1))),
        "max_deviation_after": float(np.max(np.abs(la / t - 1))),
        "moved_units": int(len(moved)),
        "moved_accounts": float(p.accounts[moved].sum()),
        "moved_revenue": float(p.revenue[moved].sum()),
        "moved_revenue_share": float(p.revenue[moved].sum() / rev_total),
        "cut_edges_before": p.cut_edges(cur_assign),
        "cut_edges_after": p.cut_edges(assign),
        "dispersion_km_after": float(np.average(p.dispersion_km(assign), weights=np.maximum(la, 1e-9))),
        "total_load": p.total_load,
        "total_capacity": float(p.capacity.sum()),
        "seconds": float(seconds),
    }
    metrics.update(extra or {})
    return SplitProposal(split, current, df, moves, solver, status, p.objective(assign), bound, gap,
                         metrics, list(notes or []))


def propose_split(
    geo_units: pd.DataFrame,
    unit_load: pd.Series,
    current: pd.Series | None = None,
    region_capacity: pd.Series | None = None,
    *,
    unit_revenue: pd.Series | None = None,
    unit_accounts: pd.Series | None = None,
    fixed_load: pd.Series | None = None,
    extra_edges: list[tuple[str, str]] | None = None,
    locked_units: list[str] | tuple[str, ...] | None = None,
    n_regions: int | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    weights: dict[str, float] | None = None,
    method: str = "auto",
    time_limit: float = 20.0,
    exact_max_units: int = EXACT_MAX_UNITS,
    enforce_capacity: bool = True,
    seed: int = 0,
    wall_time_limit: float | None = None,
) -> SplitProposal:
    """Propose a contiguous region split with balanced workload and minimal disruption.

    Parameters
    ----------
    geo_units: DataFrame with geo_unit_id, lat, lon and neighbors (';'-separated ids).
    unit_load: Series geo_unit_id -> tier-weighted workload that moves with the unit.
    current: Series geo_unit_id -> region_id (the split to start from; disruption is measured
        against it).  Optional when ``n_regions`` is given.
    region_capacity: Series region_id -> capacity (sum of the region's rep capacities).  Targets
        are capacity-proportional shares of the total workload.  Default: equal capacities.
    unit_revenue: Series geo_unit_id -> revenue; disruption = revenue of moved units (default: load).
    unit_accounts: Series geo_unit_id -> number of accounts (reported in ``moves``).
    fixed_load: Series region_id -> workload that stays with the region whatever the split
        (core customers kept by their rep, cross-region accounts owned in place); see
        :func:`segment_lib.rebalance.inputs_from_dataset`.
    extra_edges: non-land links, e.g. ``[("HI", "GD")]``.
    locked_units: units that must stay in their current region.
    tolerance: allowed relative deviation of each region's load from its target (default
        :data:`segment_lib.params.DEFAULT_TOLERANCE`, ±10%).
    weights: {"revenue": 1.0, "compactness": 0.001, "distance": 0.0, "balance": 100.0} — objective weights
        (moved revenue share, cut-edge share; balance is the heuristic's penalty per unit of
        relative violation; the exact solver treats balance as a hard constraint).
    method: "auto" (CP-SAT when ≤ ``exact_max_units`` units, else heuristic), "exact", "heuristic".
    time_limit: budget per solver call.  For CP-SAT it is a *deterministic* work limit
        (``max_deterministic_time``, about seconds of one unloaded core): with the fixed seed and a
        single worker the same inputs give the same split on an idle or a busy machine.  The
        heuristic (large instances) uses it as wall-clock seconds.
    wall_time_limit: wall-clock safety net per CP-SAT call (default max(60 s, 5 × time_limit));
        a run that hits it is noted in ``notes`` because it may not reproduce.
    enforce_capacity: raise when total workload exceeds total capacity.
    seed: random seed for every random step.

    Raises
    ------
    InfeasibleSplitError: the request cannot be met (tolerance too tight, a unit with no
        neighbours, capacity below total workload, locks that conflict).  ``closest`` holds the
        best :class:`SplitProposal` found, and ``reason`` says what cannot be met.
    ModelInputError: malformed inputs.
    """
    t0 = time.perf_counter()
    if method not in ("auto", "exact", "heuristic"):
        raise ModelInputError(f"method must be 'auto', 'exact' or 'heuristic', got {method!r}")
    p = build_problem(
        geo_units, unit_load, current, region_capacity, unit_revenue=unit_revenue,
        unit_accounts=unit_accounts, fixed_load=fixed_load, extra_edges=extra_edges,
        locked_units=locked_units, n_regions=n_regions, tolerance=tolerance, weights=weights,
    )
    kw = dict(method=method, time_limit=time_limit, exact_max_units=exact_max_units, seed=seed,
              wall_time_limit=wall_time_limit)

    # 1. disconnected graph (an island without a link): cannot be contiguous
    comps = p.components()
    if len(comps) > 1:
        small = sorted(comps, key=len)[:-1]
        names = [", ".join(p.units[u] for u in c) for c in small]
        p2, added = link_islands(p)
        closest = _solve(p2, **kw)
        closest.notes.append(
            "closest split links " + "; ".join(f"{a}–{b}" for a, b in added) + " (nearest unit) to restore contiguity"
        )
        raise InfeasibleSplitError(
            f"geo units {'; '.join(names)} have no neighbour connecting them to the rest, so no split "
            f"with {p.k} contiguous regions exists; pass extra_edges (e.g. "
            f"{[tuple(x) for x in added]}) or lock them as their own region",
            closest=closest,
        )
    # 2. a unit heavier than any band allows
    lo, hi = p.bounds
    heavy = np.flatnonzero(p.load > hi.max() - p.fixed_load.min())
    res = _solve(p, **kw)
    res.metrics["seconds"] = time.perf_counter() - t0
    if len(heavy):
        res.notes.append(f"units {[p.units[u] for u in heavy]} alone exceed every region's upper band")
    # 3. capacity below total workload
    if enforce_capacity and p.total_load > p.capacity.sum() * (1 + 1e-9):
        over = p.total_load / p.capacity.sum() - 1
        raise InfeasibleSplitError(
            f"total workload {p.total_load:,.0f} exceeds total capacity {p.capacity.sum():,.0f} by {over:.1%}: "
            "no split can bring every region within capacity; the closest split spreads the overload "
            f"evenly (every region near {1 + over:.2f}× capacity). Add capacity or reduce effort.",
            closest=res,
        )
    if not res.feasible:
        closest, tol = res, p.tolerance
        if res.regions["contiguous"].all():
            # the answer in hand already meets the band of its own worst deviation
            closest.metrics["tolerance_met"] = float(res.metrics["max_deviation_after"])
        met_now = closest.metrics.get("tolerance_met", np.inf)
        if res.metrics.get("min_tolerance_needed") is not None and res.regions["contiguous"].all():
            # CP-SAT's soft model gave a contiguous split of minimal band width (proven when the
            # soft solve is optimal): that is the closest split, a widened heuristic run cannot beat it
            tol = 1.0
        # otherwise: look for a tighter band than the one in hand, widening the tolerance step by step
        while tol < min(1.0, met_now):
            tol = min(1.0, max(tol * 1.5, tol + 0.02))
            if tol >= met_now:
                break
            p_wide = build_problem(
                geo_units, unit_load, current, region_capacity, unit_revenue=unit_revenue,
                unit_accounts=unit_accounts, fixed_load=fixed_load, extra_edges=extra_edges,
                locked_units=locked_units, n_regions=n_regions, tolerance=tol, weights=weights,
            )
            cand = _solve(p_wide, method="heuristic", time_limit=min(time_limit, max(2.0, time_limit / 4)),
                          exact_max_units=0, seed=seed)
            if cand.feasible:
                closest = _result(p, build_assign(p, cand.split), cand.solver, "CLOSEST",
                                  seconds=time.perf_counter() - t0, notes=cand.notes, extra=cand.metrics)
                closest.metrics.update(tolerance=p.tolerance,
                                       tolerance_met=float(closest.metrics["max_deviation_after"]))
                break
        why = res.metrics.get("infeasible_reason") or (
            f"no contiguous split keeping every region within ±{p.tolerance:.0%} of its target was found "
            "within the time limit (not proven impossible)"
        )
        met = closest.metrics.get("tolerance_met")
        raise InfeasibleSplitError(
            f"{why}; closest split: worst region {closest.metrics['max_deviation_after']:+.1%} from target"
            + (f" (meets ±{met:.1%})" if met else "")
            + ". Geo units are lumpy — widen the tolerance or split large units.",
            closest=closest,
        )
    return res


def _solve(p: Problem, *, method: str, time_limit: float, exact_max_units: int, seed: int,
           wall_time_limit: float | None = None) -> SplitProposal:
    t0 = time.perf_counter()
    notes: list[str] = []
    use_exact = method == "exact" or (method == "auto" and p.n <= exact_max_units)
    # heuristic first: it is the answer for large instances and a warm start (hint) for CP-SAT
    h_time = time_limit if not use_exact else min(time_limit / 4, 3.0)
    # before CP-SAT the heuristic is only a warm start: no wall-clock-bounded short-burst polish
    # (how many bursts fit into a second depends on machine load, and so would the hint); the
    # greedy repair is deterministic and normally ends long before its deadline
    h_assign, info = solve_heuristic(p, seed=seed, time_limit=h_time,
                                     polish_seconds=None if not use_exact else 0.0)
    h_obj = p.objective(h_assign)
    h_ok = p.violation(h_assign).sum() <= 1e-9 and p.is_contiguous(h_assign)
    extra = {"heuristic_objective": h_obj, "heuristic_feasible": bool(h_ok), "burst_steps": info.get("burst_steps", 0)}
    if info.get("note"):
        notes.append(info["note"])
    if not use_exact:
        return _result(p, h_assign, "gerrychain-heuristic", "HEURISTIC", seconds=time.perf_counter() - t0,
                       notes=notes + [f"heuristic started from the {info.get('start')}"], extra=extra)

    ex_kw = dict(time_limit=time_limit, hint=h_assign, seed=seed, wall_limit=wall_time_limit)
    ex = solve_exact(p, fix_roots=True, **ex_kw)
    if ex.status == "INFEASIBLE" and (p.current >= 0).all():
        # keeping part of every team's current territory is too strict: free the roots and retry
        ex = solve_exact(p, fix_roots=False, **ex_kw)
        notes.append("no balanced split lets every team keep one of its current units; roots freed")
    extra["exact_seconds"] = ex.seconds
    extra["exact_work"] = ex.work
    if ex.hit_wall_limit:
        notes.append("CP-SAT stopped at the wall-clock safety limit before its work limit: this answer "
                     "may differ between runs (raise wall_time_limit)")
    if ex.assign is not None:
        if h_ok and ex.bound is not None:
            extra["heuristic_gap"] = (h_obj - ex.bound) / h_obj if h_obj > 0 else 0.0
        return _result(p, ex.assign, "cp-sat", ex.status, bound=ex.bound, gap=ex.gap,
                       seconds=time.perf_counter() - t0, notes=notes, extra=extra)
    if ex.status == "INFEASIBLE":
        soft = solve_exact(p, soft=True, fix_roots=False, **ex_kw)
        best = soft.assign if soft.assign is not None else h_assign
        if soft.assign is not None and p.penalised(h_assign) < p.penalised(soft.assign) and not h_ok:
            best = h_assign
        r = _result(p, best, "cp-sat (soft balance)" if soft.assign is not None else "gerrychain-heuristic",
                    "INFEASIBLE-PROVEN", seconds=time.perf_counter() - t0,
                    notes=notes + ["CP-SAT proved no contiguous split meets the band"], extra=extra)
        r.metrics["min_tolerance_needed"] = p.tolerance + (soft.slack or 0.0) if soft.assign is not None else None
        if soft.assign is not None:
            r.metrics["infeasible_reason"] = (
                f"CP-SAT proved that no contiguous split keeps every region within ±{p.tolerance:.0%} of its "
                f"target (about ±{p.tolerance + soft.slack:.1%} is needed)"
            )
        return r
    notes.append(f"CP-SAT found no solution within its work limit {time_limit:g} ({ex.status}); "
                 "heuristic answer returned")
    return _result(p, h_assign, "gerrychain-heuristic", "HEURISTIC", seconds=time.perf_counter() - t0,
                   notes=notes, extra=extra)


def build_assign(p: Problem, split: pd.Series) -> np.ndarray:
    ridx = {r: i for i, r in enumerate(p.regions)}
    s = pd.Series(split)
    s.index = s.index.astype(str)
    return np.array([ridx[str(s[u])] for u in p.units], dtype=int)


def recluster_unconstrained(
    geo_units: pd.DataFrame,
    unit_load: pd.Series,
    current: pd.Series,
    n_regions: int | None = None,
    *,
    unit_revenue: pd.Series | None = None,
    seed: int = 0,
) -> pd.Series:
    """Baseline: KMeans on coordinates (load-weighted), labels matched to the current split.

    No contiguity, balance or disruption constraint — used to show what "start from scratch"
    would cost in moved revenue.  Returns Series geo_unit_id -> region_id.
    """
    p = build_problem(geo_units, unit_load, current, None, unit_revenue=unit_revenue, n_regions=n_regions)
    xy = np.c_[p.lat, p.lon * np.cos(np.radians(p.lat.mean()))]
    km = KMeans(n_clusters=p.k, n_init=10, random_state=seed).fit(xy, sample_weight=p.load + 1e-9)
    a = match_labels(p, km.labels_.astype(int))
    return pd.Series(np.array(p.regions, dtype=object)[a], index=pd.Index(p.units, name="geo_unit_id"),
                     name="region_id")


def split_metrics(
    split: pd.Series, geo_units: pd.DataFrame, unit_load: pd.Series, current: pd.Series,
    region_capacity: pd.Series | None = None, *, unit_revenue: pd.Series | None = None,
    fixed_load: pd.Series | None = None, extra_edges: list[tuple[str, str]] | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
) -> dict:
    """Balance / disruption / compactness metrics of any split against ``current``."""
    p = build_problem(geo_units, unit_load, current, region_capacity, unit_revenue=unit_revenue,
                      fixed_load=fixed_load, extra_edges=extra_edges, tolerance=tolerance)
    a = build_assign(p, split)
    return _result(p, a, "given", "GIVEN").metrics | {"contiguous": bool(p.is_contiguous(a))}
