"""Exact region assignment with OR-Tools CP-SAT (small instances, with a proven bound).

Model
-----
* ``x[u, r]`` boolean: unit u belongs to region r; each unit in exactly one region;
  locked units fixed to their current region.
* balance: ``lo_r <= sum_u load_u x[u, r] + fixed_r <= hi_r`` (loads scaled to integers);
  in *soft* mode a per-mille slack ``s`` (same for all regions, relative to the target) is
  added and minimised first — that gives the closest split when the band is infeasible.
* contiguity: single-commodity flow per region.  Exactly one root ``y[u, r]`` per region
  (the lowest-index member, to break symmetry); every non-root member consumes one unit
  of flow, which may only travel along arcs whose both ends are in the region.  (A
  parent/depth formulation was tried and found feasible solutions far more slowly.)
* objective: ``w_rev * moved revenue / total revenue + w_compact * cut edges / edges``
  scaled to integers (the same function :meth:`Problem.objective` computes).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from ._problem import Problem

SCALE = 1_000_000


@dataclass
class ExactResult:
    status: str  # OPTIMAL, FEASIBLE, INFEASIBLE, UNKNOWN
    assign: np.ndarray | None
    objective: float | None  # in Problem.objective units
    bound: float | None
    gap: float | None
    slack: float | None  # soft mode: relative band widening needed (0 when feasible)
    seconds: float


def solve_exact(
    p: Problem,
    *,
    time_limit: float = 10.0,
    soft: bool = False,
    hint: np.ndarray | None = None,
    workers: int = 2,
    seed: int = 0,
) -> ExactResult:
    """Solve the assignment exactly (or to the time limit) with CP-SAT."""
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

    m = cp_model.CpModel()
    x = {(u, r): m.new_bool_var(f"x{u}_{r}") for u in range(n) for r in range(k)}
    for u in range(n):
        m.add_exactly_one(x[u, r] for r in range(k))
        if p.locked[u]:
            m.add(x[u, int(p.current[u])] == 1)

    s = None
    if soft:
        s = m.new_int_var(0, 10_000, "slack_permille")
    for r in range(k):
        expr = sum(int(load_i[u]) * x[u, r] for u in range(n)) + int(fixed_i[r])
        if soft:
            m.add(expr <= int(hi_i[r]) + s * max(1, int(t_i[r]) // 1000))
            m.add(expr >= int(lo_i[r]) - s * max(1, int(t_i[r]) // 1000))
        else:
            m.add(expr <= int(hi_i[r]))
            m.add(expr >= int(lo_i[r]))

    # contiguity via flow: one root per region (its lowest-index member, to break symmetry);
    # every other member consumes one unit of flow that travels only inside the region.
    arcs = [(int(a), int(b)) for a, b in p.edges] + [(int(b), int(a)) for a, b in p.edges]
    out_arcs: dict[int, list[int]] = {u: [] for u in range(n)}
    in_arcs: dict[int, list[int]] = {u: [] for u in range(n)}
    for i, (a, b) in enumerate(arcs):
        out_arcs[a].append(i)
        in_arcs[b].append(i)
    for r in range(k):
        y = [m.new_bool_var(f"y{u}_{r}") for u in range(n)]
        m.add_exactly_one(y)
        f = [m.new_int_var(0, n, f"f{i}_{r}") for i in range(len(arcs))]
        for i, (a, b) in enumerate(arcs):
            m.add(f[i] <= n * x[a, r])
            m.add(f[i] <= n * x[b, r])
        for u in range(n):
            m.add_implication(y[u], x[u, r])
            inflow = sum(f[i] for i in in_arcs[u])
            outflow = sum(f[i] for i in out_arcs[u])
            m.add(inflow - outflow >= x[u, r] - n * y[u])
            for v in range(u):
                m.add_implication(y[u], x[v, r].Not())

    # objective
    rev_total = float(p.revenue.sum()) or 1.0
    w_rev = p.weights.get("revenue", 1.0)
    w_cmp = p.weights.get("compactness", 0.1)
    n_edges = max(len(p.edges), 1)
    terms = []
    for u in range(n):
        cu = int(p.current[u])
        if cu >= 0:
            c = int(round(SCALE * w_rev * p.revenue[u] / rev_total))
            if c:
                terms.append(c * (1 - x[u, cu]))
    if p.anchor is not None and p.weights.get("distance", 0.2) > 0:
        wd = p.weights.get("distance", 0.2)
        for u in range(n):
            for r in range(k):
                c = int(round(SCALE * wd * p.anchor[u, r]))
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
    big = SCALE * 10 * (1 + int(w_rev + w_cmp))
    m.minimize(big * s + base if soft else base)

    if hint is not None:
        for u in range(n):
            for r in range(k):
                m.add_hint(x[u, r], int(hint[u] == r))

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit)
    solver.parameters.num_workers = int(workers)
    solver.parameters.random_seed = int(seed)
    st = solver.solve(m)
    name = solver.status_name(st)
    secs = time.perf_counter() - t0
    if st not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return ExactResult(name, None, None, None, None, None, secs)
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
    return ExactResult(name, assign, obj, bound, float(gap), slack, secs)


def exact_is_small(p: Problem, max_units: int) -> bool:
    """Whether CP-SAT should be tried: unit count and model size are both small."""
    return p.n <= max_units and p.n * p.k * max(len(p.edges), 1) <= 40 * 12 * 120 * 2 and not math.isnan(p.total_load)
