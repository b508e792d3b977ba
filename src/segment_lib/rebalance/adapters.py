"""Thin adapters: Dataset + tiers + tier_effort → the plain inputs of :func:`propose_split`.

Hybrid rules are applied here, before optimisation, so every solver respects them:

* **key-account team** (``key_account_tiers``): accounts of these tiers are served by a
  national key-account team regardless of region — their load and revenue are removed from
  the geo units, and the team's reps (``key_account_reps``) from the regional capacity.
* **core customers stay** (``core_tiers``, the seeds' 核心客户优先归属原销售): accounts of these
  tiers stay with their current owner rep whatever happens to their geo unit — their load is
  a *fixed load* of the owner's region and their revenue never counts as moved.
* **cross-region customers** (owner rep's region ≠ the unit's region): ``cross_region="owner"``
  keeps them with the owner (fixed load of the owner's region, like 协作客户), ``"geo"`` lets
  them follow their unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import measures
from ..contract import Dataset
from ..errors import ModelInputError
from ..i18n import Note
from ..params import DEFAULT_LOOKBACK_DAYS


@dataclass
class HybridRules:
    """Rules the optimiser respects (see module docstring)."""

    key_account_tiers: tuple[str, ...] = ()
    key_account_reps: tuple[str, ...] = ()
    core_tiers: tuple[str, ...] = ()
    cross_region: str = "geo"  # "geo" | "owner"
    locked_units: tuple[str, ...] = ()


@dataclass
class RebalanceInputs:
    """Plain inputs for :func:`propose_split` / :func:`run_ensemble` plus the account table.

    accounts: customer_id, geo_unit_id, lat, lon (the customer's, else its unit's), rep_id,
        region_id (owner's region), tier, load, revenue, follows_unit (moves with its geo unit), team ("region" | "key_account"), locked
    """

    geo_units: pd.DataFrame
    unit_load: pd.Series
    unit_revenue: pd.Series
    unit_accounts: pd.Series
    current: pd.Series
    region_capacity: pd.Series
    fixed_load: pd.Series
    accounts: pd.DataFrame
    rep_capacity: pd.Series
    extra_edges: list[tuple[str, str]] = field(default_factory=list)
    locked_units: list[str] = field(default_factory=list)
    key_account_team: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def total_revenue(self) -> float:
        """All accounts' revenue (regional, core and key-account): the denominator of moved-revenue shares."""
        return float(self.accounts["revenue"].sum()) if len(self.accounts) else 0.0

    def split_kwargs(self) -> dict:
        """Keyword arguments for :func:`propose_split`."""
        return dict(geo_units=self.geo_units, unit_load=self.unit_load, current=self.current,
                    region_capacity=self.region_capacity, unit_revenue=self.unit_revenue,
                    unit_accounts=self.unit_accounts, fixed_load=self.fixed_load,
                    extra_edges=self.extra_edges, locked_units=self.locked_units)

    def recluster_accounts(self) -> pd.DataFrame:
        """Account table for :func:`segment_lib.rebalance.baselines.balanced_recluster`.

        Regional accounts only (the key-account team is out of the regional split).  Columns:
        customer_id, geo_unit_id, lat, lon, load, revenue, current_region (the unit's current region
        for accounts that follow their unit, the owner's region otherwise), movable (follows its
        unit and the unit is not locked), follows_unit (counts in the moved-revenue denominator,
        as in :func:`propose_split`).
        """
        a = self.accounts[self.accounts["team"] == "region"]
        unit_region = a["geo_unit_id"].map(self.current)
        cur = unit_region.where(a["follows_unit"], a["region_id"])
        locked = a["geo_unit_id"].isin(set(map(str, self.locked_units)))
        return pd.DataFrame({
            "customer_id": a["customer_id"], "geo_unit_id": a["geo_unit_id"], "lat": a["lat"], "lon": a["lon"],
            "load": a["load"], "revenue": a["revenue"], "current_region": cur,
            "movable": a["follows_unit"] & ~locked, "follows_unit": a["follows_unit"],
        }).reset_index(drop=True)

    def ensemble_kwargs(self) -> dict:
        return dict(geo_units=self.geo_units, unit_load=self.unit_load, current=self.current,
                    region_capacity=self.region_capacity, unit_revenue=self.unit_revenue,
                    fixed_load=self.fixed_load, extra_edges=self.extra_edges)


def inputs_from_dataset(
    dataset: Dataset,
    tiers: pd.Series,
    tier_effort: dict[str, float] | None = None,
    *,
    split: str | None = None,
    rules: HybridRules | None = None,
    extra_edges: list[tuple[str, str]] | None = None,
    revenue_window_days: int = DEFAULT_LOOKBACK_DAYS,
    customers_as_of: pd.Timestamp | None = None,
) -> RebalanceInputs:
    """Build the rebalancing inputs from a Dataset, a tier per customer and effort weights.

    ``tiers``: Series customer_id -> tier label; ``tier_effort``: label -> effort weight (default
    :data:`segment_lib.params.DEFAULT_TIER_EFFORT`), see :func:`segment_lib.measures.customer_effort`:
    customers without a tier count with effort 1.0 and are reported in ``notes``; a label without
    a weight is a :class:`~segment_lib.errors.ConfigError`.  Revenue per account is
    :func:`segment_lib.measures.customer_revenue` over ``revenue_window_days`` before
    ``dataset.as_of``, net returns clipped at 0.  ``customers_as_of`` keeps only customers created by
    that date (used for re-adjustment over time).
    """
    rules = rules or HybridRules()
    if rules.cross_region not in ("geo", "owner"):
        raise ModelInputError("rules.cross_region must be 'geo' or 'owner'")
    notes: list[str] = []
    cur = dataset.split(split).astype(str)
    cur.index = cur.index.astype(str)
    rep_region = dataset.rep_regions(split).astype(str)
    rep_region.index = rep_region.index.astype(str)
    reps = dataset.reps.assign(rep_id=dataset.reps["rep_id"].astype(str)).set_index("rep_id")
    rep_cap = reps["capacity"].astype(float)

    c = dataset.customers
    if customers_as_of is not None and "created_at" in c.columns:
        c = c[c["created_at"].isna() | (c["created_at"] <= pd.Timestamp(customers_as_of))]
    cid = c["customer_id"].astype(str).to_numpy()
    ce = measures.customer_effort(tiers, cid, tier_effort)
    if ce.note:
        notes.append(ce.note)
    effort = ce.effort.to_numpy(dtype=float)
    gu_w = dataset.geo_units.assign(geo_unit_id=dataset.geo_units["geo_unit_id"].astype(str)).set_index("geo_unit_id")
    unit_w = (gu_w["workload"].astype(float) if "workload" in gu_w.columns and gu_w["workload"].notna().any()
              else None)
    if unit_w is not None:  # geo_units.workload is the unit's whole workload (see docs/regions.md)
        covered = c["geo_unit_id"].astype(str).map(unit_w).notna().to_numpy()
        effort = np.where(covered, 0.0, effort)
        notes.append(Note("rebalance.note.unit_workload_covered" if covered.any() else "rebalance.note.unit_workload",
                          n=int(unit_w.notna().sum()), customers=int(covered.sum())))
    rev = measures.customer_revenue(dataset.transactions, dataset.as_of, revenue_window_days, customer_ids=cid,
                                    clip_at_zero=True).to_numpy(dtype=float)
    owner = c["owner_rep_id"].astype(object).to_numpy() if "owner_rep_id" in c.columns else np.full(len(c), None)
    owner = np.array([None if pd.isna(o) else str(o) for o in owner], dtype=object)
    region_of = rep_region.to_dict()  # a dict lookup per account, not Series.get (0.14 s at 20k accounts)
    owner_region = np.array([region_of.get(o) if o is not None else None for o in owner], dtype=object)
    unit = c["geo_unit_id"].astype(str).to_numpy()
    unit_region = cur.reindex(unit).astype(object).to_numpy()
    gxy = dataset.geo_units.assign(geo_unit_id=dataset.geo_units["geo_unit_id"].astype(str)).set_index("geo_unit_id")
    lat = pd.Series(unit).map(gxy["lat"]).astype(float).to_numpy()
    lon = pd.Series(unit).map(gxy["lon"]).astype(float).to_numpy()
    if {"lat", "lon"} <= set(c.columns):
        clat, clon = c["lat"].astype(float).to_numpy(), c["lon"].astype(float).to_numpy()
        ok = np.isfinite(clat) & np.isfinite(clon)
        lat, lon = np.where(ok, clat, lat), np.where(ok, clon, lon)

    tier_s = np.where(ce.untiered, "", ce.tier.to_numpy(dtype=object)).astype(object)
    kam = np.isin(tier_s, list(rules.key_account_tiers))
    core = np.isin(tier_s, list(rules.core_tiers)) & ~kam & np.array([o is not None for o in owner_region])
    cross = np.array([(o is not None and u is not None and o != u) for o, u in zip(owner_region, unit_region)])
    stay_with_owner = core | (cross & (rules.cross_region == "owner") & ~kam)
    follows = ~kam & ~stay_with_owner
    accounts = pd.DataFrame({
        "customer_id": cid, "geo_unit_id": unit, "lat": lat, "lon": lon, "rep_id": owner, "region_id": owner_region,
        "tier": tier_s, "load": effort, "revenue": rev, "follows_unit": follows,
        "team": np.where(kam, "key_account", "region"), "locked": core,
    })
    f = accounts[follows]
    units = dataset.geo_units["geo_unit_id"].astype(str)
    unit_load = f.groupby("geo_unit_id")["load"].sum().reindex(units).fillna(0.0)
    if unit_w is not None:
        unit_load = unit_load + unit_w.reindex(units.to_numpy()).fillna(0.0).to_numpy()
    unit_rev = f.groupby("geo_unit_id")["revenue"].sum().reindex(units).fillna(0.0)
    unit_acc = f.groupby("geo_unit_id").size().reindex(units).fillna(0).astype(float)
    fixed = accounts[stay_with_owner].groupby("region_id")["load"].sum()

    kam_reps = [str(r) for r in rules.key_account_reps]
    regional_caps = rep_cap.drop(index=[r for r in kam_reps if r in rep_cap.index])
    region_capacity = regional_caps.groupby(rep_region.reindex(regional_caps.index)).sum()
    regions = sorted(set(cur.unique()))
    region_capacity = region_capacity.reindex(regions).fillna(0.0)
    if (region_capacity <= 0).any():
        raise ModelInputError(f"regions without rep capacity: {region_capacity[region_capacity <= 0].index.tolist()}")
    fixed = fixed.reindex(regions).fillna(0.0)
    kam_info = {}
    if kam.any():
        kam_cap = float(rep_cap.reindex(kam_reps).fillna(0).sum())
        kam_info = {"accounts": int(kam.sum()), "load": float(effort[kam].sum()), "revenue": float(rev[kam].sum()),
                    "capacity": kam_cap, "ratio": float(effort[kam].sum() / kam_cap) if kam_cap else float("nan")}
        notes.append(f"{int(kam.sum())} {'/'.join(rules.key_account_tiers)} accounts go to the key-account team")
    if core.any():
        notes.append(f"{int(core.sum())} core accounts ({'/'.join(rules.core_tiers)}) stay with their current rep")
    if (cross & stay_with_owner & ~core).any():
        notes.append(f"{int((cross & stay_with_owner & ~core).sum())} cross-region accounts stay with their owner")
    gu = dataset.geo_units.copy()
    gu["geo_unit_id"] = gu["geo_unit_id"].astype(str)
    return RebalanceInputs(
        geo_units=gu, unit_load=unit_load, unit_revenue=unit_rev, unit_accounts=unit_acc, current=cur,
        region_capacity=region_capacity, fixed_load=fixed, accounts=accounts, rep_capacity=rep_cap,
        extra_edges=list(extra_edges or []), locked_units=list(rules.locked_units),
        key_account_team=kam_info, notes=notes,
    )


def loads_over_time(
    dataset: Dataset, tiers: pd.Series, as_of_dates: list, tier_effort: dict[str, float] | None = None,
    **kw,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Unit load and revenue per as-of date (columns), counting customers created by each date.

    Tiers are held fixed (pass re-tiered Series per date to :func:`inputs_from_dataset` for a
    full re-tiering); revenue uses the trailing window before each date.
    """
    loads, revs = {}, {}
    for d in as_of_dates:
        ds = Dataset(**{**dataset.__dict__, "as_of": pd.Timestamp(d)})
        inp = inputs_from_dataset(ds, tiers, tier_effort, customers_as_of=pd.Timestamp(d), **kw)
        loads[pd.Timestamp(d)] = inp.unit_load + 0.0
        revs[pd.Timestamp(d)] = inp.unit_revenue
    return pd.DataFrame(loads), pd.DataFrame(revs)
