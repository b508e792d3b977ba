"""Account-level rebalancing between reps (inside a region): min-cost flow with OR-Tools."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ModelInputError
from .exact import configure_solver

_LOAD_SCALE = 100  # loads to integer flow units (0.01 effort resolution)


def rebalance_accounts(
    accounts: pd.DataFrame,
    rep_capacity: pd.Series,
    *,
    locked: pd.Series | None = None,
    allowed: pd.DataFrame | None = None,
    time_limit: float = 10.0,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Move accounts between reps so no rep exceeds capacity, disturbing as little revenue as possible.

    Parameters
    ----------
    accounts: DataFrame customer_id, rep_id (current owner), load (tier-weighted effort), revenue;
        optional bool column ``locked`` (e.g. top-tier accounts stay with their rep).
    rep_capacity: Series rep_id -> capacity in the same units as ``load``.
    locked: optional Series customer_id -> bool, OR-ed with ``accounts.locked``.
    allowed: optional DataFrame (rep_id, to_rep_id) of permitted moves (default: any rep to any rep).

    Method: a min-cost flow (OR-Tools ``SimpleMinCostFlow``) — every account supplies its load;
    it flows to its own rep at cost 0 or to another rep at cost revenue/load per unit (so the
    cost of moving an account is its revenue); rep → sink arcs carry the rep's capacity, and an
    overflow arc with a very high cost keeps the problem feasible when capacity is short.
    The flow is a relaxation (an account's load may split); its rounded answer is the warm
    start of an exact CP-SAT assignment that minimises first the overflow above capacity (zero
    whenever the capacity of the permitted receivers allows it), then moved revenue — so no rep
    ends over capacity when an integral answer exists.  ``reps.attrs["status"]`` is the CP-SAT
    status (OPTIMAL, FEASIBLE at the time limit, FLOW-ROUNDED if CP-SAT found nothing).

    Returns
    -------
    (moves, reps): moves has customer_id, from_rep, to_rep, load, revenue;
    reps has rep_id, capacity, load_before, load_after, ratio_before, ratio_after, overflow.
    """
    from ortools.graph.python import min_cost_flow

    need = {"customer_id", "rep_id", "load"}
    if missing := need - set(accounts.columns):
        raise ModelInputError(f"accounts lack columns {sorted(missing)}")
    acc = accounts.reset_index(drop=True).copy()
    acc["customer_id"] = acc["customer_id"].astype(str)
    acc["rep_id"] = acc["rep_id"].astype(str)
    acc["revenue"] = acc.get("revenue", pd.Series(0.0, index=acc.index)).astype(float).clip(lower=0)
    lk = acc.get("locked", pd.Series(False, index=acc.index)).fillna(False).astype(bool).to_numpy()
    if locked is not None:
        ls = pd.Series(locked)
        ls.index = ls.index.astype(str)
        lk = lk | acc["customer_id"].map(ls).fillna(False).astype(bool).to_numpy()
    cap = pd.Series(rep_capacity).astype(float)
    cap.index = cap.index.astype(str)
    unknown = sorted(set(acc["rep_id"]) - set(cap.index))
    if unknown:
        raise ModelInputError(f"accounts owned by reps without capacity: {unknown[:5]}")
    reps = cap.index.tolist()
    ridx = {r: i for i, r in enumerate(reps)}
    cur = acc["rep_id"].map(ridx).to_numpy()
    load_i = np.maximum(0, np.round(acc["load"].astype(float).to_numpy() * _LOAD_SCALE)).astype(np.int64)
    before = np.bincount(cur, weights=acc["load"].astype(float).to_numpy(), minlength=len(reps))

    # Only accounts of over-capacity reps need to be candidates; the rest stay (flow to own rep).
    over = before > cap.to_numpy() + 1e-9
    n_acc, n_rep = len(acc), len(reps)
    src, sink = n_acc + n_rep, n_acc + n_rep + 1
    allowed_pairs = None
    if allowed is not None:
        allowed_pairs = {(str(a), str(b)) for a, b in zip(allowed["rep_id"], allowed["to_rep_id"])}
    rev_total = float(acc["revenue"].sum()) or 1.0
    big = 10**9
    mcf = min_cost_flow.SimpleMinCostFlow()
    for i in range(n_acc):
        if load_i[i] == 0:
            continue
        mcf.add_arc_with_capacity_and_unit_cost(src, i, int(load_i[i]), 0)
        mcf.add_arc_with_capacity_and_unit_cost(i, n_acc + cur[i], int(load_i[i]), 0)
        if over[cur[i]] and not lk[i]:
            # cost per flow unit so that moving the whole account costs its revenue (scaled)
            c = int(round(1e6 * acc.at[i, "revenue"] / rev_total / load_i[i])) + 1
            for j in range(n_rep):
                if j == cur[i] or over[j]:
                    continue
                if allowed_pairs is not None and (reps[cur[i]], reps[j]) not in allowed_pairs:
                    continue
                mcf.add_arc_with_capacity_and_unit_cost(i, n_acc + j, int(load_i[i]), c)
    cap_i = np.floor(cap.to_numpy() * _LOAD_SCALE + 1e-6).astype(np.int64)
    for j in range(n_rep):
        mcf.add_arc_with_capacity_and_unit_cost(n_acc + j, sink, int(cap_i[j]), 0)
        mcf.add_arc_with_capacity_and_unit_cost(n_acc + j, sink, int(load_i.sum()), big)  # overflow
    mcf.set_node_supply(src, int(load_i.sum()))
    mcf.set_node_supply(sink, -int(load_i.sum()))
    status = mcf.solve()
    if status != mcf.OPTIMAL:
        raise ModelInputError(f"account min-cost flow failed with status {status}")
    # largest share of each account's flow decides its rep
    best_rep = cur.copy()
    best_flow = np.zeros(n_acc)
    own_flow = np.zeros(n_acc)
    for a in range(mcf.num_arcs()):
        t, h, f = mcf.tail(a), mcf.head(a), mcf.flow(a)
        if t < n_acc and n_acc <= h < n_acc + n_rep and f > 0:
            j = h - n_acc
            if j == cur[t]:
                own_flow[t] = f
            elif f > best_flow[t]:
                best_flow[t], best_rep[t] = f, j
    new = np.where(best_flow > own_flow, best_rep, cur)
    new, status = _exact_assignment(acc, lk, cur, over, reps, cap.to_numpy(), allowed_pairs, new, time_limit, seed)
    moved = np.flatnonzero(new != cur)
    moves = pd.DataFrame({
        "customer_id": acc["customer_id"].to_numpy()[moved],
        "from_rep": [reps[cur[i]] for i in moved],
        "to_rep": [reps[new[i]] for i in moved],
        "load": acc["load"].astype(float).to_numpy()[moved],
        "revenue": acc["revenue"].to_numpy()[moved],
    })
    after = np.bincount(new, weights=acc["load"].astype(float).to_numpy(), minlength=n_rep)
    out = pd.DataFrame({
        "rep_id": reps, "capacity": cap.to_numpy(), "load_before": before, "load_after": after,
        "ratio_before": before / cap.to_numpy(), "ratio_after": after / cap.to_numpy(),
        "overflow": np.maximum(0.0, after - cap.to_numpy()),
    })
    out.attrs["status"] = status
    return moves, out


def _exact_assignment(acc, lk, cur, over, reps, cap, allowed_pairs, hint, time_limit, seed):
    """Integral account → rep assignment with CP-SAT (the flow above is only its relaxation).

    Candidates: unlocked accounts of over-capacity reps, to their own rep or any permitted rep
    that is not over capacity.  Lexicographic objective: first the total overflow above capacity
    (0 whenever capacity allows), then moved revenue.  Loads are scaled to 0.01 effort units and
    capacities rounded down, so "within capacity" holds exactly.  Returns (rep index per account,
    solver status); falls back to the rounded flow when CP-SAT finds nothing in time.
    """
    from ortools.sat.python import cp_model

    load_i = np.maximum(0, np.round(acc["load"].astype(float).to_numpy() * _LOAD_SCALE)).astype(np.int64)
    cap_i = np.floor(cap * _LOAD_SCALE + 1e-6).astype(np.int64)
    cand = np.flatnonzero(over[cur] & ~lk & (load_i > 0))
    if len(cand) == 0:
        return hint, "NO-MOVES-NEEDED" if not over.any() else "LOCKED"
    n_rep = len(reps)
    receivers = [j for j in range(n_rep) if not over[j]]
    rev = acc["revenue"].to_numpy()
    rev_i = np.round(rev / (rev.max() or 1.0) * 10_000).astype(np.int64) + 1
    m = cp_model.CpModel()
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    for i in cand:
        opts = [int(cur[i])] + [j for j in receivers
                                if allowed_pairs is None or (reps[cur[i]], reps[j]) in allowed_pairs]
        for j in opts:
            x[int(i), j] = m.new_bool_var(f"x{i}_{j}")
        m.add_exactly_one(x[int(i), j] for j in opts)
        m.add_hint(x[int(i), int(cur[i])], int(hint[i] == cur[i]))
        for j in opts[1:]:
            m.add_hint(x[int(i), j], int(hint[i] == j))
    base = np.bincount(np.delete(cur, cand), weights=np.delete(load_i, cand), minlength=n_rep).astype(np.int64)
    overflow = []
    by_rep: dict[int, list] = {j: [] for j in range(n_rep)}
    for (i, j), v in x.items():
        by_rep[j].append(int(load_i[i]) * v)
    for j in range(n_rep):
        if not by_rep[j]:
            continue
        o = m.new_int_var(0, int(load_i.sum()), f"over{j}")
        m.add(sum(by_rep[j]) + int(base[j]) <= int(cap_i[j]) + o)
        overflow.append(o)
    moved_cost = sum(int(rev_i[i]) * (1 - x[int(i), int(cur[i])]) for i in cand)
    big = int(rev_i[cand].sum()) + 1
    m.minimize(big * sum(overflow) + moved_cost)
    solver = cp_model.CpSolver()
    configure_solver(solver, work_limit=time_limit, seed=seed)  # deterministic budget, 1 worker
    st = solver.solve(m)
    if st not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return hint, "FLOW-ROUNDED"
    new = cur.copy()
    for (i, j), v in x.items():
        if solver.value(v):
            new[i] = j
    return new, solver.status_name(st)


def balanced_territories(
    accounts: pd.DataFrame, rep_ids: list[str], *, slack: float = 0.1, random_state: int = 0,
) -> pd.Series:
    """Assign a region's accounts to reps from scratch: compact, equal-size groups.

    Uses k-means-constrained (``KMeansConstrained``) on account coordinates with cluster sizes
    within ±``slack`` of n/len(rep_ids); clusters are then given to the rep who already owns the
    most of their accounts (Hungarian matching).  For counts, not effort-weighted loads — use
    :func:`rebalance_accounts` afterwards to fix residual load imbalance with least disruption.
    Returns Series customer_id -> rep_id.
    """
    from k_means_constrained import KMeansConstrained
    from scipy.optimize import linear_sum_assignment

    k = len(rep_ids)
    n = len(accounts)
    if k == 0 or n < k:
        raise ModelInputError(f"need at least as many accounts ({n}) as reps ({k})")
    xy = accounts[["lat", "lon"]].astype(float).to_numpy()
    size_min = int(np.floor(n / k * (1 - slack)))
    size_max = int(np.ceil(n / k * (1 + slack)))
    km = KMeansConstrained(n_clusters=k, size_min=size_min, size_max=size_max, random_state=random_state,
                           n_init=3)
    lab = km.fit_predict(xy)
    overlap = np.zeros((k, k))
    if "rep_id" in accounts.columns:
        ridx = {r: i for i, r in enumerate(rep_ids)}
        cur = accounts["rep_id"].astype(str).map(ridx)
        m = cur.notna().to_numpy()
        np.add.at(overlap, (lab[m], cur[m].astype(int).to_numpy()), 1)
    rows, cols = linear_sum_assignment(-overlap)
    to_rep = dict(zip(rows, cols))
    return pd.Series([rep_ids[to_rep[c]] for c in lab], index=accounts["customer_id"].astype(str).to_numpy(),
                     name="rep_id")
