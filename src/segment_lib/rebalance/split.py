"""``propose_split``: a contiguous, capacity-balanced, minimally disruptive region split."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans

from ..errors import InfeasibleSplitError, ModelInputError
from ..i18n import Note
from ..params import DEFAULT_COMPACTNESS_STRETCH, DEFAULT_TOLERANCE, RebalanceParams
from ._problem import Problem, build_problem, compactness_allowed, link_islands, repair_contiguity
from .exact import exact_is_small, solve_exact, wall_cap
from .heuristic import match_labels, solve_heuristic

EXACT_MAX_UNITS = 40  # auto: CP-SAT after a quick heuristic warm start (deterministic work limit)
AUTO_EXACT_MAX_UNITS = 200  # auto: heuristic, then CP-SAT in the rest of the time (wall-clock), best wins


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
    def moved(self) -> pd.Series:
        """geo_unit_id -> True when the unit changes region (False without a current split)."""
        if self.current.empty:
            return pd.Series(False, index=self.split.index, name="moved")
        return (self.split != self.current.reindex(self.split.index)).rename("moved")

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
    disp_b = p.dispersion_km(cur_assign)
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
        "dispersion_km_before": disp_b,
        "dispersion_km": p.dispersion_km(assign),
    })
    moved = np.flatnonzero((assign != p.current) & (p.current >= 0))
    moves = pd.DataFrame({
        "geo_unit_id": [units[i] for i in moved],
        "from_region": [regions[p.current[i]] for i in moved],
        "to_region": [regions[assign[i]] for i in moved],
        "load": p.load[moved],
        "accounts": p.accounts[moved],
        "revenue": p.revenue[moved] if p.has_revenue else np.full(len(moved), np.nan),
        "detached_today": np.isin(moved, p.repaired if p.repaired is not None else []),
    }).sort_values(["revenue", "load"], ascending=False, ignore_index=True)
    rev_total = float(p.revenue_total if p.revenue_total is not None else p.revenue.sum())
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
        "moved_load": float(p.load[moved].sum()),
        "moved_load_share": float(p.load[moved].sum() / (p.total_load or 1.0)),
        "moved_revenue": float(p.revenue[moved].sum()) if p.has_revenue else None,
        "moved_revenue_share": float(p.revenue[moved].sum() / rev_total) if p.has_revenue and rev_total > 0 else None,
        "revenue_total": rev_total if p.has_revenue else None,
        "revenue_movable": float(p.revenue.sum()) if p.has_revenue else None,
        "repaired_units": int(len(p.repaired)) if p.repaired is not None else 0,
        "cut_edges_before": p.cut_edges(cur_assign),
        "cut_edges_after": p.cut_edges(assign),
        "dispersion_km_before": float(np.average(disp_b, weights=np.maximum(lb, 1e-9))) if has_cur else None,
        "dispersion_km_after": float(np.average(p.dispersion_km(assign), weights=np.maximum(la, 1e-9))),
        "compactness_guard": p.allowed is not None,
        "compactness_stretch": p.stretch,
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
    time_limit: float = RebalanceParams.time_limit,
    exact_max_units: int = EXACT_MAX_UNITS,
    enforce_capacity: bool = True,
    seed: int = 0,
    wall_time_limit: float | None = None,
    compactness_guard: bool = True,
    compactness_stretch: float = DEFAULT_COMPACTNESS_STRETCH,
    total_revenue: float | None = None,
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
    time_limit: the budget in seconds.  It bounds the wall-clock time of the whole search for a
        feasible ask (heuristic, then CP-SAT on small instances, see docs/rebalance.md).  For
        CP-SAT it is also the *deterministic* work limit (``max_deterministic_time``, about seconds
        of one unloaded core): with the fixed seed and a single worker the same inputs give the
        same split whenever the work limit, not the clock, ends the search.
    wall_time_limit: wall-clock limit of the search (default ``time_limit``); a CP-SAT run that
        hits it is noted in ``notes`` because it may not reproduce.  The result is never worse
        than the heuristic's plan: when CP-SAT's plan scores worse, the heuristic's is returned.
    compactness_guard / compactness_stretch: a unit may only join a region whose centre lies
        within ``compactness_stretch`` × that region's typical unit distance today (see
        :func:`segment_lib.rebalance._problem.compactness_allowed`); needs a complete current split.
    total_revenue: all revenue (including accounts that never move) — the denominator of
        ``moved_revenue_share``; default the sum of ``unit_revenue``.

    A current split whose regions are in several pieces is first repaired: each region keeps its
    largest piece and detached pieces join a neighbouring region (they count as moved).
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
    wall = float(wall_time_limit if wall_time_limit is not None else time_limit)
    deadline = t0 + wall

    def make(tol: float) -> Problem:
        q = build_problem(
            geo_units, unit_load, current, region_capacity, unit_revenue=unit_revenue,
            unit_accounts=unit_accounts, fixed_load=fixed_load, extra_edges=extra_edges,
            locked_units=locked_units, n_regions=n_regions, tolerance=tol, weights=weights,
        )
        return _prepare(q, compactness_guard, compactness_stretch, total_revenue)

    p = make(tolerance)
    kw = dict(method=method, time_limit=time_limit, exact_max_units=exact_max_units, seed=seed,
              deadline=deadline)

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
            p_wide = make(tol)
            budget = min(time_limit, max(2.0, time_limit / 4))
            cand = _solve(p_wide, method="heuristic", time_limit=budget, exact_max_units=0, seed=seed,
                          deadline=time.perf_counter() + budget)
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


def _prepare(p: Problem, guard: bool, stretch: float, total_revenue: float | None) -> Problem:
    """Repair a non-contiguous current split (start plan) and set the compactness guard."""
    if total_revenue is not None and p.has_revenue:
        p.revenue_total = max(float(total_revenue), float(p.revenue.sum()))
    if (p.current >= 0).any() and not p.is_contiguous(np.where(p.current >= 0, p.current, 0)) \
            and len(p.components()) == 1:
        p.start, detached = repair_contiguity(p)
        p.repaired = np.array(detached, dtype=int)
        if not p.is_contiguous(p.start):
            p.start = None
    if guard:
        p.allowed = compactness_allowed(p, stretch)
        if p.allowed is not None:
            p.stretch = float(stretch)
            if p.start is not None:
                p.allowed[np.arange(p.n), p.start] = True
    return p


def _solve(p: Problem, *, method: str, time_limit: float, exact_max_units: int, seed: int,
           deadline: float | None = None) -> SplitProposal:
    t0 = time.perf_counter()
    deadline = deadline if deadline is not None else t0 + time_limit
    notes: list[str] = []
    if p.repaired is not None and len(p.repaired):
        notes.append(Note("rebalance.note.repaired", n=len(p.repaired),
                          ids=", ".join(p.units[u] for u in p.repaired[:10]) + (" …" if len(p.repaired) > 10 else "")))
    use_exact = method == "exact" or (method == "auto" and p.n <= exact_max_units)
    # mid-sized instances (auto): the full heuristic in half the budget, then CP-SAT in the rest,
    # warm-started by it; the better plan wins, so the answer is never worse than the heuristic's
    both = method == "auto" and not use_exact and exact_is_small(p, AUTO_EXACT_MAX_UNITS)
    budget = max(0.1, deadline - t0)
    # heuristic first: it is the answer for large instances and a warm start (hint) for CP-SAT
    h_time = budget if not (use_exact or both) else (budget / 2 if both else min(budget / 4, 3.0))
    # before CP-SAT the heuristic is only a warm start: no wall-clock-bounded short-burst polish
    # (how many bursts fit into a second depends on machine load, and so would the hint); the
    # greedy repair is deterministic and normally ends long before its deadline
    h_assign, info = solve_heuristic(p, seed=seed, time_limit=h_time,
                                     polish_seconds=0.0 if use_exact else None)
    h_obj = p.objective(h_assign)
    h_ok = p.violation(h_assign).sum() <= 1e-9 and p.is_contiguous(h_assign)
    extra = {"heuristic_objective": h_obj, "heuristic_feasible": bool(h_ok), "burst_steps": info.get("burst_steps", 0)}
    if info.get("note"):
        notes.append(info["note"])
    if not (use_exact or both) or (both and deadline - time.perf_counter() < 1.0):
        return _result(p, h_assign, "gerrychain-heuristic", "HEURISTIC", seconds=time.perf_counter() - t0,
                       notes=notes + [f"heuristic started from the {info.get('start')}"], extra=extra)

    def ex_kw() -> dict:  # CP-SAT gets what is left of the wall-clock budget (at least 1 s)
        return dict(time_limit=time_limit, hint=h_assign, seed=seed,
                    wall_limit=min(wall_cap(time_limit), max(1.0, deadline - time.perf_counter())))

    ex = solve_exact(p, fix_roots=True, **ex_kw())
    if ex.status == "INFEASIBLE" and (p.current >= 0).all():
        # keeping part of every team's current territory is too strict: free the roots and retry
        ex = solve_exact(p, fix_roots=False, **ex_kw())
        notes.append("no balanced split lets every team keep one of its current units; roots freed")
    extra["exact_seconds"] = ex.seconds
    extra["exact_work"] = ex.work
    if ex.hit_wall_limit:
        notes.append("CP-SAT stopped at the wall-clock limit before its work limit: this answer "
                     "may differ between runs (raise time_limit)")
    if ex.assign is not None and h_ok and (
            not (p.violation(ex.assign).sum() <= 1e-9 and p.is_contiguous(ex.assign))
            or p.objective(ex.assign) > h_obj + 1e-12):
        notes.append("CP-SAT's plan was not better than the heuristic's within the time limit; the heuristic's "
                     "plan is returned")
        return _result(p, h_assign, "gerrychain-heuristic", "HEURISTIC", seconds=time.perf_counter() - t0,
                       notes=notes, extra=extra)
    if ex.assign is not None:
        if h_ok and ex.bound is not None:
            extra["heuristic_gap"] = (h_obj - ex.bound) / h_obj if h_obj > 0 else 0.0
        return _result(p, ex.assign, "cp-sat", ex.status, bound=ex.bound, gap=ex.gap,
                       seconds=time.perf_counter() - t0, notes=notes, extra=extra)
    if ex.status == "INFEASIBLE":
        pinned = p.fixed_load > p.bounds[1] + 1e-9  # fixed load alone above the band: units cannot fix it
        soft = solve_exact(p, soft=True, fix_roots=False, open_above=pinned, **ex_kw())
        if pinned.any():
            notes.append("accounts that stay with their reps already exceed the band in "
                         + ", ".join(f"{p.regions[r]} ({p.fixed_load[r] / p.target[r]:.2f}× its target)"
                                     for r in np.flatnonzero(pinned))
                         + ": moving geo units cannot fix that, so the closest split balances the other regions")
        best = soft.assign if soft.assign is not None else h_assign
        if soft.assign is not None and not pinned.any() and p.penalised(h_assign) < p.penalised(soft.assign) \
                and not h_ok:
            best = h_assign
        r = _result(p, best, "cp-sat (soft balance)" if best is soft.assign else "gerrychain-heuristic",
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
