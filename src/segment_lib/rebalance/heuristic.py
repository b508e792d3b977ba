"""Heuristic region assignment for instances too large for CP-SAT.

Three stages, all seeded and time-limited:

1. **Start** from the current split (minimal disruption).  Without a usable current split
   (no current region for some units, or a different number of regions) a seed plan is drawn
   with gerrychain's spanning-tree bipartition (``recursive_tree_part`` when capacities are
   equal, one-sided ``bipartition_tree`` cuts at capacity-proportional targets otherwise).
2. **Repair** the balance by moving boundary units, one at a time, out of over-loaded regions
   (or into under-loaded ones); each candidate keeps its old region connected (articulation
   points are never moved) and the move with the best change in
   ``penalty * violation + disruption + compactness`` wins.  A *revert* pass then moves
   displaced units back home whenever that stays within the band.
3. **Polish** with gerrychain short bursts (``SingleMetricOptimizer.short_bursts``, random
   boundary flips, ``single_flip_contiguous``, locked units never flip), scoring the same
   penalised objective as the exact model so the two are comparable.
"""

from __future__ import annotations

import random
import time
import warnings

import networkx as nx
import numpy as np
from scipy.optimize import linear_sum_assignment

from ._problem import Problem


def _nbrs(p: Problem) -> list[np.ndarray]:
    return [np.fromiter(p.graph.neighbors(u), dtype=int) for u in range(p.n)]


def seed_plan(p: Problem, *, seed: int = 0, time_limit: float = 10.0) -> np.ndarray:
    """A contiguous, roughly capacity-balanced plan drawn from random spanning trees (gerrychain)."""
    from gerrychain import Graph
    from gerrychain.partition.initial_partition_generators import recursive_tree_part
    from gerrychain.tree import bipartition_tree

    rng = random.Random(seed)
    g = nx.Graph()
    g.add_nodes_from((u, {"load": float(p.load[u]) + 1e-9}) for u in range(p.n))
    g.add_edges_from(p.graph.edges())
    unit_total = float(p.load.sum())
    # targets for the movable part of the load (fixed load already sits in its region)
    share = p.target - p.fixed_load
    share = np.clip(share, 1e-9, None)
    share = share * unit_total / share.sum()
    t0 = time.perf_counter()
    eps = max(p.tolerance, 0.02)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        while True:
            try:
                graph = Graph.from_networkx(g)
                if np.allclose(share, share[0]):
                    a = recursive_tree_part(
                        graph, list(range(p.k)), float(share[0]), "load", eps, rng=rng,
                    )
                    assign = np.array([a[u] for u in range(p.n)], dtype=int)
                else:
                    assign = np.full(p.n, -1, dtype=int)
                    remaining = set(range(p.n))
                    for r in np.argsort(-share)[:-1]:
                        sub = g.subgraph(sorted(remaining)).copy()
                        part = bipartition_tree(
                            Graph.from_networkx(sub), "load", float(share[r]), eps,
                            single_district_cut=True, max_attempts=2000, rng=rng,
                        )
                        ids = [int(x) for x in part]
                        assign[ids] = r
                        remaining -= set(ids)
                    assign[sorted(remaining)] = int(np.argsort(-share)[-1])
                break
            except Exception:  # no balanced cut at this epsilon: loosen and retry
                eps *= 1.6
                if eps > 3 or time.perf_counter() - t0 > time_limit:
                    return _bfs_plan(p)
    return assign


def _bfs_plan(p: Problem) -> np.ndarray:
    """Fallback seed: grow regions by BFS from spread-out start units (always contiguous)."""
    assign = np.full(p.n, -1, dtype=int)
    starts = np.linspace(0, p.n - 1, p.k).astype(int)
    order = np.argsort(p.lon + 0.001 * p.lat)
    frontier = [[int(order[s])] for s in starts]
    for r, f in enumerate(frontier):
        assign[f[0]] = r
    nb = _nbrs(p)
    progress = True
    while progress:
        progress = False
        for r in range(p.k):
            new = []
            for u in frontier[r]:
                for v in nb[u]:
                    if assign[v] < 0:
                        assign[v] = r
                        new.append(int(v))
            if new:
                progress = True
            frontier[r] = new
    assign[assign < 0] = 0
    return assign


def match_labels(p: Problem, assign: np.ndarray) -> np.ndarray:
    """Relabel the parts of ``assign`` to overlap the current split as much as possible (by revenue).

    Only parts with equal capacity are interchangeable, so this is applied when all capacities
    are equal (otherwise the labels already carry their capacity targets).
    """
    if not np.allclose(p.capacity, p.capacity[0]) or (p.current < 0).all():
        return assign
    w = p.revenue + 1e-9
    overlap = np.zeros((p.k, p.k))
    m = p.current >= 0
    np.add.at(overlap, (assign[m], p.current[m]), w[m])
    rows, cols = linear_sum_assignment(-overlap)
    relabel = np.empty(p.k, dtype=int)
    relabel[rows] = cols
    return relabel[assign]


class _Repair:
    """Greedy boundary-move balance repair with incremental bookkeeping."""

    def __init__(self, p: Problem, assign: np.ndarray, deadline: float):
        self.p = p
        self.a = assign.copy()
        self.nb = _nbrs(p)
        self.rl = p.region_load(self.a)
        self.t = np.where(p.target > 0, p.target, 1.0)
        self.lo, self.hi = p.bounds
        self.deadline = deadline
        self.w_bal = p.weights.get("balance", 100.0)
        self.cost = p.move_cost
        self.w_cmp = p.weights["compactness"] / max(len(p.edges), 1)
        self.w_dist = p.weights["distance"]
        self._art: dict[int, set[int]] = {}
        self.members = [set(np.flatnonzero(self.a == r).tolist()) for r in range(p.k)]

    def viol(self, r: int, load: float) -> float:
        return max(0.0, load - self.hi[r], self.lo[r] - load) / self.t[r]

    def art(self, r: int) -> set[int]:
        if r not in self._art:
            self._art[r] = set(nx.articulation_points(self.p.graph.subgraph(self.members[r])))
        return self._art[r]

    def delta(self, u: int, b: int, spread: float) -> float:
        p, a_ = self.p, int(self.a[u])
        lu = p.load[u]
        la, lb = self.rl[a_], self.rl[b]
        dv = (self.viol(a_, la - lu) + self.viol(b, lb + lu)) - (self.viol(a_, la) + self.viol(b, lb))
        d = self.w_bal * dv
        if spread:
            da0, db0 = la / self.t[a_] - 1, lb / self.t[b] - 1
            da1, db1 = (la - lu) / self.t[a_] - 1, (lb + lu) / self.t[b] - 1
            d += spread * self.w_bal * ((da1**2 + db1**2) - (da0**2 + db0**2))
        cur = p.current[u]
        if cur == a_:
            d += self.cost[u]
        elif cur == b:
            d -= self.cost[u]
        na = int((self.a[self.nb[u]] == a_).sum())
        nbb = int((self.a[self.nb[u]] == b).sum())
        d += self.w_cmp * (na - nbb)
        if p.anchor is not None:
            d += self.w_dist * (p.anchor[u, b] - p.anchor[u, a_])
        return d

    def movable(self, u: int) -> bool:
        a_ = int(self.a[u])
        return not self.p.locked[u] and len(self.members[a_]) > 1 and u not in self.art(a_)

    def move(self, u: int, b: int) -> None:
        a_ = int(self.a[u])
        self.a[u] = b
        self.rl[a_] -= self.p.load[u]
        self.rl[b] += self.p.load[u]
        self.members[a_].discard(u)
        self.members[b].add(u)
        self._art.pop(a_, None)
        self._art.pop(b, None)

    def candidates(self, regions: set[int] | None):
        """(u, b) boundary moves touching ``regions`` (all when None)."""
        if regions is None:
            pool = range(self.p.n)
        else:
            pool = set()
            for r in regions:
                for u in self.members[r]:
                    pool.add(u)
                    pool.update(int(v) for v in self.nb[u])
        for u in pool:
            a_ = int(self.a[u])
            targets = set(int(x) for x in self.a[self.nb[u]]) - {a_}
            if not targets:
                continue
            if regions is not None and a_ not in regions:
                targets &= regions
            if self.p.allowed is not None:
                targets = {b for b in targets if self.p.allowed[u, b]}
            if targets and self.movable(u):
                for b in targets:
                    yield u, b

    def run_balance(self, max_iter: int = 100_000) -> None:
        for _ in range(max_iter):
            if time.perf_counter() > self.deadline:
                return
            v = np.array([self.viol(r, self.rl[r]) for r in range(self.p.k)])
            if v.sum() <= 1e-12:
                return
            bad = set(np.flatnonzero(v > 0).tolist())
            best = None
            for spread, regions in ((0.0, bad), (0.5, bad), (0.5, None)):
                for u, b in self.candidates(regions):
                    d = self.delta(u, b, spread)
                    if best is None or d < best[0]:
                        best = (d, u, b)
                if best is not None and best[0] < -1e-12:
                    break
                best = None
            if best is None:
                return
            self.move(best[1], best[2])

    def resplit_pair(self, A: int, B: int, rng: random.Random, tries: int = 40) -> bool:
        """ReCom-style step: merge regions A and B and redraw the boundary on random spanning trees
        (gerrychain ``bipartition_tree``) at the capacity-proportional share; keep the best draw."""
        from gerrychain import Graph
        from gerrychain.tree import bipartition_tree

        p = self.p
        nodes = sorted(self.members[A] | self.members[B])
        sub = nx.Graph()
        sub.add_nodes_from((u, {"load": float(p.load[u]) + 1e-9}) for u in nodes)
        sub.add_edges_from(p.graph.subgraph(nodes).edges())
        tot = float(p.load[nodes].sum()) + p.fixed_load[A] + p.fixed_load[B]
        t_a = max(tot * p.capacity[A] / (p.capacity[A] + p.capacity[B]) - p.fixed_load[A], 1e-9)
        graph = Graph.from_networkx(sub)
        to_unit = {i: graph.original_nx_node_id_for_internal_node_id(i) for i in graph.node_indices}
        base = p.penalised(self.a)
        best = None
        locked = [u for u in nodes if p.locked[u]]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(tries):
                if time.perf_counter() > self.deadline:
                    break
                try:
                    part = bipartition_tree(graph, "load", t_a, max(p.tolerance / 2, 0.005),
                                            single_district_cut=True, max_attempts=20, rng=rng)
                except Exception:
                    continue
                cand = self.a.copy()
                cand[nodes] = B
                cand[[to_unit[i] for i in part]] = A
                if any(cand[u] != p.current[u] for u in locked) or not p.guard_ok(cand):
                    continue
                s = p.penalised(cand)
                if best is None or s < best[0]:
                    best = (s, cand)
        if best is None or best[0] >= base - 1e-12:
            return False
        self.a = best[1]
        self.rl = p.region_load(self.a)
        self.members = [set(np.flatnonzero(self.a == r).tolist()) for r in range(p.k)]
        self._art.clear()
        return True

    def run_balance_with_resplits(self, seed: int) -> None:
        """Greedy moves; when stuck, redraw the worst adjacent pair; repeat until balanced or out of time."""
        rng = random.Random(seed)
        tried: set[tuple[int, int]] = set()
        while time.perf_counter() < self.deadline:
            self.run_balance()
            v = np.array([self.viol(r, self.rl[r]) for r in range(self.p.k)])
            if v.sum() <= 1e-12:
                return
            ratio = self.rl / self.t
            pairs = {(min(int(self.a[a]), int(self.a[b])), max(int(self.a[a]), int(self.a[b])))
                     for a, b in self.p.edges if self.a[a] != self.a[b]}
            pairs = sorted((pr for pr in pairs if pr not in tried and (v[pr[0]] > 0 or v[pr[1]] > 0)),
                           key=lambda pr: -abs(ratio[pr[0]] - ratio[pr[1]]))
            if not pairs:
                return
            for pr in pairs:
                tried.add(pr)
                if self.resplit_pair(pr[0], pr[1], rng):
                    tried.clear()
                    break

    def run_revert(self) -> None:
        """Move displaced units back to their current region while that does not hurt."""
        changed = True
        while changed and time.perf_counter() < self.deadline:
            changed = False
            moved = np.flatnonzero((self.a != self.p.current) & (self.p.current >= 0))
            for u in moved[np.argsort(-self.p.revenue[moved])]:
                b = int(self.p.current[u])
                if b in set(int(x) for x in self.a[self.nb[u]]) and self.movable(int(u)):
                    if self.delta(int(u), b, 0.0) < -1e-12:
                        self.move(int(u), b)
                        changed = True


def polish_short_bursts(
    p: Problem, assign: np.ndarray, *, seed: int, seconds: float, burst_length: int = 10
) -> tuple[np.ndarray, int]:
    """gerrychain short bursts on the penalised objective; returns (best assignment, steps run)."""
    from gerrychain import Graph, Partition
    from gerrychain.constraints import single_flip_contiguous
    from gerrychain.optimization import SingleMetricOptimizer
    from gerrychain.proposals import propose_random_flip

    if seconds <= 0 or len(p.edges) == 0:
        return assign, 0
    g = nx.Graph()
    g.add_nodes_from(range(p.n))
    g.add_edges_from(p.graph.edges())
    graph = Graph.from_networkx(g)
    part = Partition(graph, {u: int(assign[u]) for u in range(p.n)})
    to_unit = np.array([graph.original_nx_node_id_for_internal_node_id(i) for i in range(p.n)])
    locked = set(np.flatnonzero(p.locked).tolist())
    lo, hi = p.bounds
    feasible_start = p.violation(assign).sum() <= 1e-12

    def vec(part_) -> np.ndarray:
        out = np.empty(p.n, dtype=int)
        out[to_unit] = part_.assignment_vector
        return out

    deadline = time.perf_counter() + seconds

    # gerrychain's chain retries proposals until one passes every constraint and never yields in
    # between; when no valid flip exists that is an endless loop.  After the deadline every
    # constraint lets the next proposal through so the loop ends; the result is re-checked below.
    def not_locked(part_) -> bool:
        if time.perf_counter() > deadline:
            return True
        return not part_.flips or not any(graph.original_nx_node_id_for_internal_node_id(v) in locked
                                          for v in part_.flips)

    def guarded(part_) -> bool:
        if time.perf_counter() > deadline or p.allowed is None:
            return True
        return all(p.allowed[graph.original_nx_node_id_for_internal_node_id(v), int(r)]
                   for v, r in (part_.flips or {}).items())

    def contiguous_flip(part_) -> bool:
        return time.perf_counter() > deadline or bool(single_flip_contiguous(part_))

    def in_band(part_) -> bool:
        if time.perf_counter() > deadline:
            return True
        rl = p.region_load(vec(part_))
        return bool(np.all(rl >= lo - 1e-9) and np.all(rl <= hi + 1e-9))

    if not p.is_contiguous(assign):  # gerrychain refuses a start that breaks its constraints
        return assign, 0
    constraints = [not_locked, guarded, contiguous_flip] + ([in_band] if feasible_start else [])
    opt = SingleMetricOptimizer(
        propose_random_flip, constraints, part, lambda q: p.penalised(vec(q)), maximize=False, rng=seed,
    )
    steps = 0
    for _ in opt.short_bursts(burst_length, 10**9):
        steps += 1
        if time.perf_counter() > deadline:
            break
    best = vec(opt.best_part)
    valid = (not np.any(best[p.locked] != assign[p.locked]) and p.is_contiguous(best) and p.guard_ok(best)
             and (not feasible_start or p.violation(best).sum() <= 1e-12))
    if valid and p.penalised(best) < p.penalised(assign) - 1e-12:
        return best, steps
    return assign, steps


def solve_heuristic(
    p: Problem, *, seed: int = 0, time_limit: float = 20.0, polish_seconds: float | None = None,
    start: np.ndarray | None = None,
) -> tuple[np.ndarray, dict]:
    """Run start → repair → revert → short bursts; returns (assignment, info)."""
    t0 = time.perf_counter()
    info: dict = {}
    if start is None and p.start is not None:
        start, info["start"] = p.start.copy(), "current split (detached pieces joined to a neighbouring region)"
    if start is None:
        usable = (p.current >= 0).all() and len(set(p.current.tolist())) == p.k
        if usable:
            start, info["start"] = p.current.copy(), "current split"
        else:
            start = match_labels(p, seed_plan(p, seed=seed, time_limit=time_limit / 3))
            start[p.locked] = p.current[p.locked]
            info["start"] = "gerrychain spanning-tree seed plan"
    deadline = t0 + time_limit * (0.7 if polish_seconds is None else 1.0)
    rep = _Repair(p, start, deadline)
    if not p.is_contiguous(start):
        info["note"] = "start plan not contiguous; repair keeps existing components"
    rep.run_balance_with_resplits(seed)
    rep.run_revert()
    assign = rep.a
    if polish_seconds is None:
        polish_seconds = min(5.0, max(0.0, t0 + time_limit - time.perf_counter()))
    assign, steps = polish_short_bursts(p, assign, seed=seed, seconds=polish_seconds)
    rep2 = _Repair(p, assign, t0 + time_limit + 1.0)
    rep2.run_revert()
    info["burst_steps"] = steps
    info["seconds"] = time.perf_counter() - t0
    return rep2.a, info
