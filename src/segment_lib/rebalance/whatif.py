"""What-if moves with incremental metric updates, and quarterly re-adjustment."""

from __future__ import annotations

from dataclasses import dataclass, replace

import networkx as nx
import numpy as np
import pandas as pd

from ..errors import InfeasibleSplitError, ModelInputError
from ..params import DEFAULT_TOLERANCE
from ._problem import Problem, build_problem
from .split import build_assign, propose_split


@dataclass(frozen=True)
class RebalanceState:
    """A split plus the running totals needed to score a move without recomputing everything.

    Build it with :meth:`from_inputs`; :func:`what_if_move` returns a new state.
    ``accounts`` (optional) has customer_id, geo_unit_id, load, revenue, follows_unit and an
    optional ``region_override`` column filled by account moves.
    """

    problem: Problem
    assign: np.ndarray
    region_load: np.ndarray
    region_accounts: np.ndarray
    moved_revenue: float
    cut_edges: int
    accounts: pd.DataFrame | None = None

    @classmethod
    def from_inputs(cls, geo_units, unit_load, current, region_capacity=None, *, split=None,
                    accounts: pd.DataFrame | None = None, **kw) -> RebalanceState:
        """State of ``split`` (default: ``current``); disruption is measured against ``current``."""
        p = build_problem(geo_units, unit_load, current, region_capacity, **kw)
        a = build_assign(p, split if split is not None else current)
        acc_n = np.bincount(a, weights=p.accounts, minlength=p.k)
        acc = None
        if accounts is not None:
            acc = accounts.copy()
            acc["customer_id"] = acc["customer_id"].astype(str)
            acc = acc.set_index("customer_id", drop=False)
            if "region_override" not in acc.columns:
                acc["region_override"] = None
        return cls(p, a, p.region_load(a), acc_n, p.moved_revenue(a), p.cut_edges(a), acc)

    def metrics(self) -> dict:
        p = self.problem
        ratio = self.region_load / p.capacity
        over = np.maximum(0.0, ratio - 1.0)
        return {
            "balance": float(ratio.max() / ratio.mean()),
            "max_ratio": float(ratio.max()),
            "max_deviation": float(np.max(np.abs(self.region_load / p.target - 1))),
            "regions_outside_tolerance": int((np.abs(self.region_load / p.target - 1) > p.tolerance + 1e-12).sum()),
            # accounts served by over-capacity regions, weighted by how far over they are: a proxy for
            # satisfaction risk (overloaded regions respond slower and score lower)
            "satisfaction_exposure": float((self.region_accounts * over).sum()),
            "moved_revenue": float(self.moved_revenue),
            "cut_edges": int(self.cut_edges),
        }

    def region_table(self) -> pd.DataFrame:
        p = self.problem
        return pd.DataFrame({"region_id": p.regions, "load": self.region_load, "capacity": p.capacity,
                             "ratio": self.region_load / p.capacity, "accounts": self.region_accounts})

    @property
    def split(self) -> pd.Series:
        p = self.problem
        return pd.Series(np.array(p.regions, dtype=object)[self.assign], index=pd.Index(p.units, name="geo_unit_id"),
                         name="region_id")


@dataclass
class WhatIf:
    """Result of :func:`what_if_move`: deltas (metric, before, after, delta), the new state, validity."""

    deltas: pd.DataFrame
    state: RebalanceState
    contiguous: bool
    note: str


def what_if_move(state: RebalanceState, item: str, to_region: str) -> WhatIf:
    """Move one geo unit (or one account, when ``item`` is a customer_id in ``state.accounts``) to
    ``to_region`` and report metric deltas.  Only the two regions involved are updated (O(degree)
    for a unit, plus one BFS of the losing region for the contiguity check)."""
    p = state.problem
    if to_region not in p.regions:
        raise ModelInputError(f"unknown region {to_region!r}; regions are {p.regions}")
    b = p.regions.index(to_region)
    before = state.metrics()
    rl = state.region_load.copy()
    ra = state.region_accounts.copy()
    uidx = {u: i for i, u in enumerate(p.units)}
    if item in uidx:
        u = uidx[item]
        a = int(state.assign[u])
        if p.locked[u]:
            raise InfeasibleSplitError(f"unit {item} is locked to {p.regions[a]}", closest=state)
        if a == b:
            return WhatIf(_deltas(before, before), state, True, "no change: already there")
        assign = state.assign.copy()
        assign[u] = b
        rl[a] -= p.load[u]
        rl[b] += p.load[u]
        ra[a] -= p.accounts[u]
        ra[b] += p.accounts[u]
        cur = p.current[u]
        moved = state.moved_revenue + (p.revenue[u] if cur == a else 0.0) - (p.revenue[u] if cur == b else 0.0)
        nb = np.fromiter(p.graph.neighbors(u), dtype=int)
        cut = state.cut_edges + int((state.assign[nb] == a).sum()) - int((state.assign[nb] == b).sum())
        rest = np.flatnonzero(assign == a)
        contiguous = len(rest) > 0 and nx.is_connected(p.graph.subgraph(rest.tolist())) and (
            len(nb) > 0 and bool((assign[nb] == b).any()))
        new = replace(state, assign=assign, region_load=rl, region_accounts=ra, moved_revenue=moved, cut_edges=cut)
        note = f"unit {item}: {p.regions[a]} → {to_region}"
    elif state.accounts is not None and item in state.accounts.index:
        acc = state.accounts
        row = acc.loc[item]
        home = row["region_override"]
        if home is None or pd.isna(home):
            home = p.regions[int(state.assign[uidx[str(row["geo_unit_id"])]])]
        a = p.regions.index(str(home))
        if a == b:
            return WhatIf(_deltas(before, before), state, True, "no change: already there")
        rl[a] -= float(row["load"])
        rl[b] += float(row["load"])
        ra[a] -= 1
        ra[b] += 1
        acc = acc.copy()
        acc.loc[item, "region_override"] = to_region
        moved = state.moved_revenue + float(row.get("revenue", 0.0))
        new = replace(state, region_load=rl, region_accounts=ra, moved_revenue=moved, accounts=acc)
        contiguous = True
        note = f"account {item}: {p.regions[a]} → {to_region} (becomes a cross-region account)"
    else:
        raise ModelInputError(f"{item!r} is neither a geo unit nor a known account")
    return WhatIf(_deltas(before, new.metrics()), new, bool(contiguous), note)


def _deltas(before: dict, after: dict) -> pd.DataFrame:
    rows = [{"metric": k, "before": before[k], "after": after[k], "delta": after[k] - before[k]} for k in before]
    return pd.DataFrame(rows)


def readjust_over_time(
    geo_units: pd.DataFrame,
    loads_by_date: pd.DataFrame,
    current: pd.Series,
    region_capacity: pd.Series,
    *,
    revenue_by_date: pd.DataFrame | None = None,
    extra_edges: list[tuple[str, str]] | None = None,
    locked_units: list[str] | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    time_limit: float = 10.0,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Quarterly re-adjustment: follow the load drift and repair the split with the smallest change.

    ``loads_by_date``: DataFrame indexed by geo_unit_id, one column per as-of date (unit load at
    that date); ``revenue_by_date`` likewise (optional).  At every date the split in force
    (the previous date's result) is checked; if any region is outside ±tolerance,
    :func:`propose_split` starts from it and moves as little revenue as possible.

    Returns (drift, changes): drift has as_of, region_id, load, capacity, ratio, ratio_after
    (after re-adjustment), within_tolerance; changes has as_of, geo_unit_id, from_region,
    to_region, load, revenue, status.
    """
    split = pd.Series(current).astype(str)
    split.index = split.index.astype(str)
    drift, changes = [], []
    for as_of in loads_by_date.columns:
        load = loads_by_date[as_of]
        rev = revenue_by_date[as_of] if revenue_by_date is not None else None
        status = "ok"
        try:
            res = propose_split(geo_units, load, split, region_capacity, unit_revenue=rev,
                                extra_edges=extra_edges, locked_units=locked_units, tolerance=tolerance,
                                time_limit=time_limit, seed=seed, enforce_capacity=False,
                                weights={"distance": 0.0, "compactness": 0.02})
        except InfeasibleSplitError as e:
            res, status = e.closest, "closest (tolerance not met)"
        in_band = not (res.regions["deviation_after"].abs() > tolerance).any()
        before_ok = (np.abs(res.regions["load_before"] / res.regions["target"] - 1) <= tolerance + 1e-12).all()
        if before_ok:
            res_regions = res.regions.assign(load_after=res.regions["load_before"],
                                             ratio_after=res.regions["ratio_before"])
            moves = res.moves.iloc[0:0]
            status = "within tolerance: no change"
        else:
            res_regions, moves = res.regions, res.moves
            split = res.split.astype(str)
            status = "re-adjusted" if in_band else status
        for r in res_regions.itertuples(index=False):
            drift.append({"as_of": as_of, "region_id": r.region_id, "load": r.load_before, "capacity": r.capacity,
                          "ratio": r.ratio_before, "ratio_after": r.ratio_after,
                          "within_tolerance": bool(abs(r.load_before / r.target - 1) <= tolerance + 1e-12)})
        for m in moves.itertuples(index=False):
            changes.append({"as_of": as_of, "geo_unit_id": m.geo_unit_id, "from_region": m.from_region,
                            "to_region": m.to_region, "load": m.load, "revenue": m.revenue, "status": status})
        if moves.empty:
            changes.append({"as_of": as_of, "geo_unit_id": None, "from_region": None, "to_region": None,
                            "load": 0.0, "revenue": 0.0, "status": status})
    return pd.DataFrame(drift), pd.DataFrame(changes)


def best_single_moves(inputs, *, tolerance: float = DEFAULT_TOLERANCE, top: int = 10) -> pd.DataFrame:
    """Score every boundary move (unit → neighbouring region) from the current split with
    :func:`what_if_move` and return the ``top`` that improve balance most.

    ``inputs`` is a :class:`~segment_lib.rebalance.RebalanceInputs`.  Columns: geo_unit_id,
    from_region, to_region, balance_before, balance_after, max_ratio_after, moved_revenue,
    keeps_contiguity.
    """
    st = RebalanceState.from_inputs(**inputs.split_kwargs(), tolerance=tolerance)
    p = st.problem
    rows = []
    for u in range(p.n):
        a = int(st.assign[u])
        for b in sorted({int(st.assign[v]) for v in p.graph.neighbors(u)} - {a}):
            if p.locked[u]:
                continue
            w = what_if_move(st, p.units[u], p.regions[b])
            d = w.deltas.set_index("metric")
            rows.append({"geo_unit_id": p.units[u], "from_region": p.regions[a], "to_region": p.regions[b],
                         "balance_before": d.at["balance", "before"], "balance_after": d.at["balance", "after"],
                         "max_ratio_after": d.at["max_ratio", "after"], "moved_revenue": d.at["moved_revenue", "after"],
                         "keeps_contiguity": w.contiguous})
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    return out.sort_values(["keeps_contiguity", "balance_after"], ascending=[False, True]).head(top).reset_index(drop=True)
