"""Exact region assignment with OR-Tools CP-SAT (small instances, with a proven bound).

Model
-----
* ``x[u, r]`` boolean: unit u belongs to region r; each unit in exactly one region;
  locked units fixed to their current region.
* balance: ``lo_r <= sum_u load_u x[u, r] + fixed_r <= hi_r`` (loads scaled to integers);
  in *soft* mode a per-mille slack ``s`` (same for all regions, relative to the target) is
  added and minimised first — that gives the closest split when the band is infeasible.
* contiguity: single-commodity flow per region.  Exactly one root ``y[u, r]`` per region,
  chosen among the team's *current* units (the first of them still in the region), so a
  team keeps part of its territory and labels cannot swap; nothing flows into the root;
  every other member consumes one unit of flow, which may only travel along arcs whose
  both ends are in the region.  (A
  parent/depth formulation was tried and found feasible solutions far more slowly.)
* objective: ``Problem.move_cost`` of moved units (revenue share + small workload and unit shares) + ``w_compact * cut edges / edges
  (+ w_dist * anchor)`` scaled to integers; default weights make it lexicographic (the same function :meth:`Problem.objective` computes).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from ._problem import DEFAULT_WEIGHTS, Problem

SCALE = 1_000_000


def wall_cap(work_limit: float) -> float:
    """Default wall-clock safety net for a solver call with a deterministic ``work_limit``: generous
    (5x, at least 60 s) so it only ends runs that are stuck, never a normal run on a busy machine."""
    return max(60.0, 5.0 * float(work_limit))


def configure_solver(solver: "cp_model.CpSolver", *, work_limit: float, seed: int = 0, workers: int = 1,
                     wall_limit: float | None = None) -> None:
    """Reproducible CP-SAT settings, shared by every CP-SAT call in :mod:`segment_lib.rebalance`.

    * ``max_deterministic_time = work_limit``: CP-SAT's own work counter (roughly seconds of one
      unloaded core), so where a search stops does not depend on machine load;
    * ``random_seed = seed``;
    * ``num_workers = workers`` (default 1: a single worker is deterministic by construction and on
      the demo proves the optimum faster than 2 racing workers, 3.5 s vs 6-7 s); with more workers
      ``interleave_search`` is switched on, which makes the parallel search deterministic;
    * ``max_time_in_seconds = wall_limit`` (default :func:`wall_cap`) only as a safety net.  A run
      that hits it is no longer reproducible; :class:`ExactResult` says so (``hit_wall_limit``).
    """
    solver.parameters.max_deterministic_time = float(work_limit)
    solver.parameters.max_time_in_seconds = float(wall_limit if wall_limit is not None else wall_cap(work_limit))
    solver.parameters.random_seed = int(seed)
    solver.parameters.num_workers = max(1, int(workers))
    if int(workers) > 1:
        solver.parameters.interleave_search = True


@dataclass
class ExactResult:
    status: str  # OPTIMAL, FEASIBLE, INFEASIBLE, UNKNOWN
    assign: np.ndarray | None
    objective: float | None  # in Problem.objective units
    bound: float | None
    gap: float | None
    slack: float | None  # soft mode: relative band widening needed (0 when feasible)
    seconds: float
    work: float = 0.0  # CP-SAT deterministic time used (load-independent)
    hit_wall_limit: bool = False  # stopped by the wall-clock safety net: result may not reproduce


def region_roots(p: Problem) -> np.ndarray | None:
    """Root unit per region: the region's largest current unit by load (locked units first).

    Rooting every region at a unit it already owns (and keeping that unit) makes the regions
    labelled teams: a team cannot be relabelled onto the far side of the country, and the
    contiguity flow has a fixed source, which removes all symmetry.  None without a complete
    current split (then roots are free variables).
    """
    if (p.current < 0).any() or len(set(p.current.tolist())) != p.k:
        return None
    roots = np.empty(p.k, dtype=int)
    for r in range(p.k):
        members = np.flatnonzero(p.current == r)
        key = p.load[members] + np.where(p.locked[members], p.load.sum() + 1.0, 0.0)
        roots[r] = int(members[np.argmax(key)])
    return roots


def solve_exact(
    p: Problem,
    *,
    time_limit: float = 10.0,
    soft: bool = False,
    hint: np.ndarray | None = None,
    workers: int = 1,
    seed: int = 0,
    fix_roots: bool | str = True,
    wall_limit: float | None = None,
    open_above: np.ndarray | None = None,
) -> ExactResult:
    """Solve the assignment exactly (or to the work limit) with CP-SAT.

    ``time_limit`` is a *deterministic* budget (CP-SAT ``max_deterministic_time``, about seconds
    of one unloaded core), so the same inputs give the same answer on an idle or a busy machine;
    ``wall_limit`` (default :func:`wall_cap`) is a wall-clock safety net only.  See
    :func:`configure_solver`.

    ``fix_roots``: True — every region's contiguity flow is rooted at one of the team's *current*
    units (a variable among them), so each team keeps part of today's territory and cannot be
    relabelled onto the far side of the country; "largest" — rooted at (and keeping) its largest
    current unit (:func:`region_roots`); False — any unit may be a root (lowest-index member).
    ``open_above`` (bool per region, soft mode): regions without an upper bound — those whose fixed
    load alone exceeds the band, which no change of units can fix.
    """
    t0 = time.perf_counter()
    n, k = p.n, p.k
    total = p.total_load or 1.0
    lscale = SCALE / total
    load_i = np.round(p.load * lscale).astype(int)
    fixed_i = np.round(p.fixed_load * lscale).astype(int)
    lo, hi = p.bounds
    lo_i = np.ceil(lo * lscale - 1e-6).astype(int)
    hi_i = np.floor(hi * lscale + 1e-6).astype(int)
    t_i = np.maximum(1, np.round(p.target * lscale).astype(int))
    roots = region_roots(p) if fix_roots == "largest" else None

    m = cp_model.CpModel()
    x = {(u, r): m.new_bool_var(f"x{u}_{r}") for u in range(n) for r in range(k)}
    for u in range(n):
        m.add_exactly_one(x[u, r] for r in range(k))
        if p.locked[u]:
            m.add(x[u, int(p.current[u])] == 1)
        if p.allowed is not None:  # compactness guard
            for r in np.flatnonzero(~p.allowed[u]):
                m.add(x[u, int(r)] == 0)
    if roots is not None:
        for r in range(k):
            m.add(x[int(roots[r]), r] == 1)

    s = None
    if soft:
        s = m.new_int_var(0, 10_000, "slack_permille")
    for r in range(k):
        expr = sum(int(load_i[u]) * x[u, r] for u in range(n)) + int(fixed_i[r])
        if soft:
            if open_above is None or not open_above[r]:
                m.add(expr <= int(hi_i[r]) + s * max(1, int(t_i[r]) // 1000))
            m.add(expr >= int(lo_i[r]) - s * max(1, int(t_i[r]) // 1000))
        else:
            m.add(expr <= int(hi_i[r]))
            m.add(expr >= int(lo_i[r]))

    # contiguity via single-commodity flow: the root of region r sends one unit of flow to every
    # other member; flow travels only on arcs whose both ends are in r.
    arcs = [(int(a), int(b)) for a, b in p.edges] + [(int(b), int(a)) for a, b in p.edges]
    out_arcs: dict[int, list[int]] = {u: [] for u in range(n)}
    in_arcs: dict[int, list[int]] = {u: [] for u in range(n)}
    for i, (a, b) in enumerate(arcs):
        out_arcs[a].append(i)
        in_arcs[b].append(i)
    cap_f = max(1, n - k)
    cand = None  # root candidates per region: its current units (a team keeps one of them)
    if roots is None and fix_roots and (p.current >= 0).all() and len(set(p.current.tolist())) == k:
        cand = [np.flatnonzero(p.current == r).tolist() for r in range(k)]
    for r in range(k):
        pool = [int(roots[r])] if roots is not None else (cand[r] if cand is not None else list(range(n)))
        y = {u: m.new_bool_var(f"y{u}_{r}") for u in pool}
        if roots is not None:
            m.add(y[int(roots[r])] == 1)
        m.add_exactly_one(y.values())
        f = [m.new_int_var(0, cap_f, f"f{i}_{r}") for i in range(len(arcs))]
        for i, (a, b) in enumerate(arcs):
            m.add(f[i] <= cap_f * x[a, r])
            m.add(f[i] <= cap_f * x[b, r])
        for j, u in enumerate(pool):
            m.add_implication(y[u], x[u, r])
            m.add(sum(f[i] for i in in_arcs[u]) == 0).only_enforce_if(y[u])  # nothing flows into the root
            for v in pool[:j]:
                m.add_implication(y[u], x[v, r].Not())  # root = first candidate still in the region
        for u in range(n):
            inflow = sum(f[i] for i in in_arcs[u])
            outflow = sum(f[i] for i in out_arcs[u])
            if u in y:
                m.add(inflow - outflow >= x[u, r] - n * y[u])
            else:
                m.add(inflow - outflow == x[u, r])

    # objective: the same function as Problem.objective, scaled to integers
    cost = p.move_cost
    w_cmp = p.weights.get("compactness", DEFAULT_WEIGHTS["compactness"])
    w_dist = p.weights.get("distance", DEFAULT_WEIGHTS["distance"])
    n_edges = max(len(p.edges), 1)
    terms = []
    for u in range(n):
        cu = int(p.current[u])
        if cu >= 0:
            c = int(round(SCALE * cost[u]))
            if c:
                terms.append(c * (1 - x[u, cu]))
    if p.anchor is not None and w_dist > 0:
        for u in range(n):
            for r in range(k):
                c = int(round(SCALE * w_dist * p.anchor[u, r]))
                if c:
                    terms.append(c * x[u, r])
    ecoef = int(round(SCALE * w_cmp / n_edges))
    if ecoef:
        for a, b in p.edges:
            z = m.new_bool_var(f"cut{a}_{b}")
            for r in range(k):
                m.add(z >= x[int(a), r] - x[int(b), r])
            terms.append(ecoef * z)
    base = sum(terms) if terms else 0
    big = SCALE * 10 * (1 + int(float(cost.sum()) + w_cmp + w_dist))
    m.minimize(big * s + base if soft else base)

    if hint is not None:
        ok_hint = roots is None or all(hint[int(roots[r])] == r for r in range(k))
        ok_hint = ok_hint and (cand is None or all((hint[cand[r]] == r).any() for r in range(k)))
        if ok_hint:
            for u in range(n):
                for r in range(k):
                    m.add_hint(x[u, r], int(hint[u] == r))

    solver = cp_model.CpSolver()
    configure_solver(solver, work_limit=time_limit, seed=seed, workers=workers, wall_limit=wall_limit)
    st = solver.solve(m)
    name = solver.status_name(st)
    secs = time.perf_counter() - t0
    work = float(solver.response_proto.deterministic_time)
    hit_wall = (name not in ("OPTIMAL", "INFEASIBLE") and work < 0.99 * float(time_limit)
                and solver.wall_time >= 0.99 * solver.parameters.max_time_in_seconds)
    if st not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return ExactResult(name, None, None, None, None, None, secs, work, hit_wall)
    assign = np.array([next(r for r in range(k) if solver.value(x[u, r])) for u in range(n)], dtype=int)
    obj = p.objective(assign)
    bound_raw = solver.best_objective_bound
    slack = None
    if soft:
        slack = solver.value(s) / 1000.0
        # bound on the base objective is only meaningful once the slack level is proven
        bound_raw = bound_raw - big * solver.value(s)
    bound = max(0.0, bound_raw / SCALE)
    bound = min(bound, obj)
    gap = 0.0 if name == "OPTIMAL" else (obj - bound) / obj if obj > 0 else 0.0
    if name == "OPTIMAL":
        bound = obj
    return ExactResult(name, assign, obj, bound, float(gap), slack, secs, work, hit_wall)


def exact_is_small(p: Problem, max_units: int) -> bool:
    """Whether CP-SAT should be tried: unit count and model size are both small."""
    return p.n <= max_units and p.n * p.k * max(len(p.edges), 1) <= 200 * 10 * 600 and not math.isnan(p.total_load)
