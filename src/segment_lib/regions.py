"""Region split evaluation: workload, service with intervals, the load model, ownership, geometry, comparison.

A *split* maps geo units to regions (``Dataset.split(name)``) and reps to regions
(``Dataset.rep_regions(name)``).  :func:`evaluate_split` judges one split, :func:`compare_splits`
puts several side by side, :func:`region_findings` turns an evaluation into plain sentences.

Who owns which customer under a split
-------------------------------------
Owner claims come from ``Dataset.owners()`` (a customer with two claims has an ownership
conflict).  Under the evaluated split a claim is **kept** when its rep is staffed in the
split and either (a) the rep's region is the customer's region, or (b) the claim was
already outside the customer's region under the current split (an existing problem the
split does not cause; it stays listed), or (c) ``keep_core_owner`` is set and the customer
is in a core tier (the seeds' rule "核心客户优先归属原销售").  Customers who lose all their
claims are handed to the reps of their new region by *water-filling*: each rep is filled
up to a common load level L (load = tier-weighted accounts / capacity), so the hand-over
evens out load inside the region; customers are taken in customer-table order.  For the
current split nothing moves and the evaluation describes today's organisation.  Customers
without any owner today stay without one in every split (listed by the ``without_owner``
check, their effort counted in the region's workload but in no rep's), so that a split is
not credited or blamed for fixing a data gap.

Workload counts every kept claim in full (both claimants of a conflict customer serve
it), revenue goes to the primary owner only (``customers.owner_rep_id`` when it is among
the claims, else the first claim), interactions are split evenly among a customer's owners.

Service (CSAT, NPS, complaints, first response, dormancy) is historical: per region it is
grouped by the customer's region in the evaluated split, per rep by the rep who handled
the contact.  The load model (:func:`segment_lib.stats.load_effect_model`) always uses
today's loads (current split), because that is the load the customers experienced.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import geo as geo_mod
from . import stats
from ._arrow import index_of
from .contract import Dataset
from .errors import ConfigError, DataContractError, ModelInputError
from .fmt import money_text

DEFAULT_TIER_EFFORT: dict[str, float] = {"VIP": 4.0, "Key": 2.0, "Regular": 1.0, "Dormant": 0.3}

#: Composite-score weights of :func:`compare_splits` (see ``PENALTY_SCALES`` and docs/regions.md).
DEFAULT_WEIGHTS: dict[str, float] = {
    "balance": 0.30,      # rep load coefficient of variation
    "overload": 0.25,     # share of reps over capacity
    "disruption": 0.15,   # share of customers changing region or owner vs the current split
    "ownership": 0.10,    # share of customers with an owner outside their region or no owner
    "compactness": 0.10,  # customer-weighted mean distance to region centre
    "contiguity": 0.10,   # share of regions that are not one connected piece
}
#: A penalty is min(metric / scale, 1): the metric value that counts as "as bad as it gets".
PENALTY_SCALES: dict[str, float] = {
    "balance": 0.5,
    "overload": 1.0,
    "disruption": 0.5,
    "ownership": 0.2,
    "compactness": 1000.0,
    "contiguity": 1.0,
}
#: Fair assessment: share of a rep's target from the region baseline and from the tier mix.
DEFAULT_FAIRNESS_WEIGHTS = (0.6, 0.4)

UNASSIGNED = "(unassigned)"


# ---------------------------------------------------------------------------
# Result container
# ---------------------------------------------------------------------------


@dataclass
class SplitEvaluation:
    """Everything :func:`evaluate_split` measures for one split (tidy DataFrames).

    per_rep: one row per staffed rep: ``rep_id``, ``region_id``, ``capacity``, ``n_customers``,
        ``workload`` (tier-weighted accounts), ``load_ratio`` (workload / capacity),
        ``over_capacity``, ``n_new_customers`` (handed over by this split), ``interactions``
        (last ``window_days``), ``revenue`` (last ``window_days``, primary owner), service
        columns from history (``n_csat``, ``csat``, ``median_response_h``).
    per_region: one row per region, sorted by ``load_ratio`` descending: ``region_id``,
        ``n_units``, ``n_reps``, ``n_customers``, ``workload``, ``capacity``, ``load_ratio``,
        ``rep_load_mean``, ``rep_load_max``, ``share_reps_over``, ``interactions``, ``revenue``,
        ``market_size``, ``revenue_share``, ``market_share``, ``revenue_index``
        (revenue share / market share), ``workload_index`` (workload share / market share),
        ``customers_per_rep``, ``rank`` (1 = most loaded), ``flagged`` (load ratio above
        1 + ``tolerance``).
    service: one row per region: ``n_csat``, ``csat`` (+ ``csat_low``/``csat_high``),
        ``csat_diff`` vs all other regions (+ interval), ``n_nps``, ``nps`` (+ interval,
        ``nps_diff`` + interval), ``n_interactions``, ``complaint_rate`` (+ interval),
        ``n_responses``, ``median_response_h``/``p90_response_h`` (+ intervals),
        ``dormancy_rate`` (+ interval), ``warning`` (too few answers, else "").
    ownership: one row per check: ``check``, ``count``, ``share`` (of customers, or of geo
        units / regions for those checks), ``revenue_share``, ``what``, ``ids`` (';'-joined, the
        first ``max_ids``).  detail: ``ownership_detail`` one row per (check, id).
    geometry: one row per region: contiguity and compactness columns (see :mod:`segment_lib.geo`).
    fairness: one row per rep: ``revenue``, ``flat_target`` (capacity share of total),
        ``region_target``, ``tier_target``, ``target`` (weighted), ``attainment_flat``,
        ``attainment_fair``.
    effects: load-model coefficients for the load term (CSAT, log first response, NPS);
        ``effect_sentences``: the same in plain words.
    summary: a one-row DataFrame (see :func:`compare_splits` for the columns).
    assignment: one row per customer: ``customer_id``, ``region_id``, ``owner_rep_id``
        (primary owner under the split), ``moved_owner`` (bool).
    rep_service: one row per rep, history under today's organisation: ``rep_id``, ``region_id``,
        ``load_ratio`` (today), ``n_csat``, ``csat`` (+ normal-approximation 95% interval, cheap for
        thousands of reps), ``n_responses``, ``median_response_h``.
    units: one row per geo unit: ``geo_unit_id``, ``name``, ``region_id`` (None = unassigned),
        ``lat``, ``lon``, ``n_customers``, ``neighbors`` (for maps).
    warnings: listed soft problems (unassigned units without customers, few answers, …).
    """

    split: str
    per_rep: pd.DataFrame
    per_region: pd.DataFrame
    service: pd.DataFrame
    ownership: pd.DataFrame
    ownership_detail: pd.DataFrame
    geometry: pd.DataFrame
    fairness: pd.DataFrame
    effects: pd.DataFrame
    effect_sentences: list[str]
    summary: pd.DataFrame
    assignment: pd.DataFrame
    rep_service: pd.DataFrame
    units: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    params: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------
# Preparation shared by all splits of one dataset
# ---------------------------------------------------------------------------


@dataclass
class _Prep:
    ds: Dataset
    as_of: pd.Timestamp
    cust_ids: pd.Index
    unit_ids: pd.Index
    rep_ids: pd.Index
    cust_unit: np.ndarray
    tier: np.ndarray
    effort: np.ndarray
    core: np.ndarray
    revenue: np.ndarray
    n_int: np.ndarray
    dormant: np.ndarray
    claim_cust: np.ndarray
    claim_rep: np.ndarray
    claim_primary: np.ndarray
    capacity: np.ndarray
    population: np.ndarray
    units_with_customers: np.ndarray
    cur_unit_region: np.ndarray | None
    cur_rep_region: np.ndarray | None
    cur_regions: pd.Index | None
    int_cust: np.ndarray
    int_hours: np.ndarray
    int_complaint: np.ndarray
    sv_cust: np.ndarray
    sv_csat: np.ndarray
    sv_nps: np.ndarray
    tx_cust: np.ndarray
    tx_unit: np.ndarray
    tx_amount: np.ndarray
    rep_service: pd.DataFrame
    effects: pd.DataFrame
    effect_sentences: list[str]
    effect_results: dict
    cur_load: pd.Series
    warnings: list[str]
    params: dict


def _ids(s: pd.Series) -> pd.Series:
    return s.astype("string")


def _index_of(index: pd.Index, values) -> np.ndarray:
    """Position of each value in ``index`` (-1 when absent): :func:`segment_lib._arrow.index_of`."""
    return index_of(values, index)


def _lookup(index: pd.Index, values: pd.Series, table: str, column: str, allow_missing: bool = False) -> np.ndarray:
    codes = _index_of(index, values)
    bad = codes < 0
    if bad.any() and not allow_missing:
        v = values[bad]
        bad_vals = v[v.notna()].astype(str).unique().tolist()
        if bad_vals:
            rows = (np.flatnonzero(bad & values.notna().to_numpy()) + 1)[:20].tolist()
            raise DataContractError(f"unknown ids in '{column}'", file=table, column=column,
                                    rows=rows, values=bad_vals[:20], hint="every id must exist in its parent table")
    return codes


def _tier_effort_from(tier_effort: Mapping[str, float] | None, dataset: Dataset) -> dict:
    if tier_effort is not None:
        return {str(k): float(v) for k, v in tier_effort.items()}
    return dict(DEFAULT_TIER_EFFORT)


def _prepare(
    dataset: Dataset,
    tiers: pd.Series,
    tier_effort: Mapping[str, float] | None = None,
    *,
    core_tiers: Sequence[str] | None = None,
    window_days: int = 365,
    dormant_days: int = 180,
    fit_model: bool = True,
    min_responses: int = 30,
    n_boot: int = 1000,
    random_state=0,
) -> _Prep:
    ds = dataset
    warnings: list[str] = []
    as_of = pd.Timestamp(ds.as_of) if ds.as_of is not None else None
    if as_of is None:
        dates = ds.transactions["date"] if len(ds.transactions) else pd.Series([pd.Timestamp.today()])
        as_of = pd.Timestamp(dates.max()).normalize()
        warnings.append(f"no as-of date given; using the last transaction date {as_of.date()}")
    cust = ds.customers
    cust_ids = pd.Index(_ids(cust["customer_id"]), name="customer_id")
    if cust_ids.has_duplicates:
        dup = cust_ids[cust_ids.duplicated()].unique().tolist()
        raise DataContractError("duplicate customer ids", file="customers", column="customer_id", values=dup[:20])
    unit_ids = pd.Index(_ids(ds.geo_units["geo_unit_id"]), name="geo_unit_id")
    rep_ids = pd.Index(_ids(ds.reps["rep_id"]), name="rep_id")
    cust_unit = _lookup(unit_ids, cust["geo_unit_id"], "customers", "geo_unit_id")
    if (cust_unit < 0).any():
        raise DataContractError("customers without a geo unit", file="customers", column="geo_unit_id",
                                rows=(np.flatnonzero(cust_unit < 0) + 1)[:20].tolist(),
                                hint="give every customer a geo_unit_id")

    # --- tiers and effort ------------------------------------------------------------
    if not isinstance(tiers, pd.Series):
        raise ModelInputError("tiers must be a pandas Series customer_id -> tier label")
    t = tiers.copy()
    t.index = pd.Index(t.index.astype(str))
    if t.index.has_duplicates:
        raise ModelInputError("tiers has duplicate customer ids")
    te = _tier_effort_from(tier_effort, ds)
    labels = pd.Series(t.astype("object")).dropna().astype(str)
    unknown = sorted(set(labels.unique()) - set(te))
    if unknown:
        raise ConfigError(f"tier labels {unknown} have no effort weight; add them to params.regions.tier_effort "
                          f"(known: {sorted(te)})")
    tier = labels.reindex(cust_ids).to_numpy(dtype=object)
    missing = pd.isna(tier)
    effort_map = pd.Series(te, dtype=float)
    effort = pd.Series(tier).map(effort_map).to_numpy(dtype=float, copy=True)
    if missing.any():
        fill = float(np.nanmean(effort)) if (~missing).any() else 1.0
        effort[missing] = fill
        warnings.append(f"{int(missing.sum()):,} customers have no tier; they count with the average effort "
                        f"{fill:.2f}")
        tier = np.where(missing, "(no tier)", tier)
    extra = t.index.difference(cust_ids)
    if len(extra):
        warnings.append(f"{len(extra):,} tier rows name customers that are not in the customer table (ignored)")
    if core_tiers is None:
        core_tiers = [max(te, key=te.get)] if te else []
    core = np.isin(tier.astype(str), list(core_tiers))

    # --- revenue, activity ----------------------------------------------------------------
    tx = ds.transactions
    tx_cust = _lookup(cust_ids, tx["customer_id"], "transactions", "customer_id")
    tx_date = pd.to_datetime(tx["date"]).to_numpy()
    tx_amount = tx["amount"].to_numpy(dtype=float, na_value=0.0)
    upto = tx_date <= as_of.to_datetime64()
    win = upto & (tx_date > (as_of - pd.Timedelta(days=window_days)).to_datetime64())
    n_c = len(cust_ids)
    revenue = np.bincount(tx_cust[win], weights=tx_amount[win], minlength=n_c)
    recent = upto & (tx_date > (as_of - pd.Timedelta(days=dormant_days)).to_datetime64()) & (tx_amount > 0)
    dormant = np.bincount(tx_cust[recent], minlength=n_c) == 0
    if "geo_unit_id" in tx.columns:
        tx_unit = _index_of(unit_ids, tx["geo_unit_id"])
        bad = (tx_unit < 0) & tx["geo_unit_id"].notna().to_numpy()
        if bad.any():
            warnings.append(f"{int(bad.sum()):,} transactions are booked in unknown geo units (ignored for "
                            "cross-region checks)")
    else:
        tx_unit = np.full(len(tx), -1)
    keep_tx = upto & (tx_unit >= 0)
    tx_cust_x, tx_unit_x, tx_amount_x = tx_cust[keep_tx], tx_unit[keep_tx], tx_amount[keep_tx]

    # --- owner claims ---------------------------------------------------------------------
    owners = ds.owners()
    claim_cust = _lookup(cust_ids, owners["customer_id"], "ownership", "customer_id")
    claim_rep = _lookup(rep_ids, owners["rep_id"], "ownership", "rep_id")
    ok = (claim_cust >= 0) & (claim_rep >= 0)
    claim_cust, claim_rep = claim_cust[ok], claim_rep[ok]
    pair = claim_cust.astype(np.int64) * (len(rep_ids) + 1) + claim_rep
    _, first_idx = np.unique(pair, return_index=True)
    first_idx = np.sort(first_idx)
    claim_cust, claim_rep = claim_cust[first_idx], claim_rep[first_idx]
    primary_rep = np.full(n_c, -1)
    if "owner_rep_id" in cust.columns:
        primary_rep = _index_of(rep_ids, cust["owner_rep_id"])
    is_primary = primary_rep[claim_cust] == claim_rep
    # customers whose owner_rep_id is not among the claims: first claim is primary
    has_primary = np.bincount(claim_cust[is_primary], minlength=n_c) > 0
    order = np.argsort(claim_cust, kind="stable")
    cc = claim_cust[order]
    first_of_cust = np.r_[True, cc[1:] != cc[:-1]] if len(cc) else np.array([], bool)
    fallback = np.zeros(len(cc), bool)
    fallback[order[first_of_cust]] = True
    is_primary = is_primary | (fallback & ~has_primary[claim_cust])

    capacity = ds.reps["capacity"].to_numpy(dtype=float, na_value=np.nan)
    badcap = ~(capacity > 0)
    if badcap.any():
        raise DataContractError("rep capacity must be a positive number", file="reps", column="capacity",
                                rows=(np.flatnonzero(badcap) + 1)[:20].tolist(),
                                values=rep_ids[badcap][:20].tolist(), hint="set the tier-weighted accounts each rep can serve")
    population = (ds.geo_units["population"].to_numpy(dtype=float, na_value=np.nan)
                  if "population" in ds.geo_units.columns else np.full(len(unit_ids), np.nan))
    units_with_customers = np.bincount(cust_unit, minlength=len(unit_ids))

    # --- service history ------------------------------------------------------------------
    start = (as_of - pd.Timedelta(days=window_days)).to_datetime64()
    it = ds.interactions
    if len(it):
        opened = pd.to_datetime(it["opened_at"]).to_numpy()
        iw = (opened <= as_of.to_datetime64()) & (opened > start)
        it = it.loc[iw]
        int_cust = _lookup(cust_ids, it["customer_id"], "interactions", "customer_id")
        int_rep = _lookup(rep_ids, it["rep_id"], "interactions", "rep_id")
        if "first_response_at" in it.columns:
            int_hours = ((pd.to_datetime(it["first_response_at"]) - pd.to_datetime(it["opened_at"]))
                         .dt.total_seconds().to_numpy(dtype=float, na_value=np.nan, copy=True) / 3600.0)
            int_hours[int_hours < 0] = np.nan
        else:
            int_hours = np.full(len(it), np.nan)
        int_complaint = (it["is_complaint"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
                         if "is_complaint" in it.columns else np.full(len(it), np.nan))
    else:
        int_cust = int_rep = np.zeros(0, dtype=np.int64)
        int_hours = int_complaint = np.zeros(0)
    # sort contacts by response time once: every grouped quantile then needs only an integer sort
    o = np.argsort(int_hours, kind="stable")
    int_cust, int_rep, int_hours, int_complaint = int_cust[o], int_rep[o], int_hours[o], int_complaint[o]
    n_int = np.bincount(int_cust, minlength=n_c).astype(float)
    sv = ds.surveys
    if len(sv):
        sd = pd.to_datetime(sv["date"]).to_numpy()
        sv = sv.loc[(sd <= as_of.to_datetime64()) & (sd > start)]
        sv_cust = _lookup(cust_ids, sv["customer_id"], "surveys", "customer_id")
        sv_csat = (sv["csat"].to_numpy(dtype=float, na_value=np.nan) if "csat" in sv.columns
                   else np.full(len(sv), np.nan))
        sv_nps = (sv["nps"].to_numpy(dtype=float, na_value=np.nan) if "nps" in sv.columns
                  else np.full(len(sv), np.nan))
        if "rep_id" in sv.columns:
            sv_rep = _index_of(rep_ids, sv["rep_id"])
        else:
            sv_rep = np.full(len(sv), -1)
        # answers without a rep: the customer's primary owner
        prim_of_cust = np.full(n_c, -1)
        prim_of_cust[claim_cust[is_primary]] = claim_rep[is_primary]
        sv_rep = np.where(sv_rep >= 0, sv_rep, prim_of_cust[sv_cust])
    else:
        sv_cust = sv_rep = np.zeros(0, dtype=np.int64)
        sv_csat = sv_nps = np.zeros(0)
    ok_csat = sv_csat[~np.isnan(sv_csat)]
    if ok_csat.size and (ok_csat.min() < 1 or ok_csat.max() > 5):
        raise DataContractError("CSAT answers must be on the 1-5 scale", file="surveys", column="csat",
                                values=np.unique(ok_csat[(ok_csat < 1) | (ok_csat > 5)])[:10].tolist())

    # current split (today's organisation)
    cur_unit_region = cur_rep_region = cur_regions = None
    if ds.current_split is not None and ds.current_split in set(ds.splits["split"].astype(str)):
        cur_unit_region, cur_rep_region, cur_regions, _ = _encode_split(
            ds, unit_ids, rep_ids, ds.split(ds.current_split), ds.rep_regions(ds.current_split),
            ds.current_split, units_with_customers, on_unassigned="warn", warnings=[])
    # today's load per rep: every claim counts
    wl = np.bincount(claim_rep, weights=effort[claim_cust], minlength=len(rep_ids))
    cur_load = pd.Series(wl / capacity, index=rep_ids, name="load_ratio")

    # per-rep service (history; split-independent)
    rep_codes = np.arange(len(rep_ids))
    csat_r = stats.mean_ci_normal(sv_csat, sv_rep, len(rep_ids))
    resp_r = stats.quantile_ci(np.r_[int_hours, np.full(len(rep_ids), np.nan)], np.r_[int_rep, rep_codes], 0.5,
                               presorted=True)
    resp_r = resp_r[resp_r.index >= 0]
    rep_service = pd.DataFrame({
        "rep_id": rep_ids,
        "region_id": (cur_regions[cur_rep_region].to_numpy(dtype=object) if cur_regions is not None
                      else ds.reps["region_id"].astype(str).to_numpy()),
        "load_ratio": cur_load.to_numpy(),
        "n_csat": csat_r["n"].reindex(rep_codes, fill_value=0).to_numpy(),
        "csat": csat_r["estimate"].reindex(rep_codes).to_numpy(),
        "csat_low": csat_r["ci_low"].reindex(rep_codes).to_numpy(),
        "csat_high": csat_r["ci_high"].reindex(rep_codes).to_numpy(),
        "n_responses": resp_r["n"].reindex(rep_codes, fill_value=0).to_numpy(),
        "median_response_h": resp_r["estimate"].reindex(rep_codes).to_numpy(),
    })
    if cur_regions is not None:
        rep_service.loc[cur_rep_region < 0, "region_id"] = UNASSIGNED

    # --- the load model --------------------------------------------------------------------
    effects = pd.DataFrame()
    sentences: list[str] = []
    results: dict = {}
    if fit_model:
        if "industry" in cust.columns:
            ind_codes, ind_labels = pd.factorize(cust["industry"], use_na_sentinel=False)
            ind_names = pd.Series(np.asarray(ind_labels, dtype=object)).fillna("(missing)").astype(str)
            industry = pd.Categorical.from_codes(ind_codes, categories=pd.Index(ind_names.to_numpy(dtype=object)))
        else:
            industry = pd.Categorical.from_codes(np.zeros(n_c, dtype=np.int8), ["(missing)"])
        t_codes, t_labels = pd.factorize(pd.Series(tier, copy=False))
        tier_cat = pd.Categorical.from_codes(t_codes, categories=pd.Index(t_labels).astype(str))
        specs = []
        if len(sv_cust):
            base = pd.DataFrame({"rep_id": sv_rep, "tier": tier_cat[sv_cust], "industry": industry[sv_cust],
                                 "load_ratio": np.where(sv_rep >= 0, cur_load.to_numpy()[np.maximum(sv_rep, 0)], np.nan)})
            specs.append(("csat", base.assign(y=sv_csat), "CSAT (1-5)", False))
            specs.append(("nps", base.assign(y=sv_nps), "NPS answer (0-10)", False))
        if len(int_cust):
            base = pd.DataFrame({"rep_id": int_rep, "tier": tier_cat[int_cust], "industry": industry[int_cust],
                                 "load_ratio": cur_load.to_numpy()[int_rep], "y": int_hours})
            specs.append(("first_response", base, "First-response time", True))
        rows = []
        for key, d, label, log in specs:
            d = d[d["rep_id"] >= 0]
            if d["y"].notna().sum() < 10:
                continue
            try:
                res = stats.load_effect_model(d, "y", log_outcome=log, outcome_label=label,
                                              random_state=random_state)
            except ModelInputError as e:
                warnings.append(f"load model for {label} not fitted: {e}")
                continue
            results[key] = res
            rows.append({"outcome": key, "label": label, **{k: res.effect[k] for k in
                        ("estimate", "std_error", "ci_low", "ci_high", "p_value", "n_obs", "n_clusters",
                         "step", "step_effect", "step_ci_low", "step_ci_high", "log_outcome")},
                         "sentence": res.sentence})
            sentences.append(res.sentence)
            warnings.extend(f"{label}: {w}" for w in res.warnings)
        effects = pd.DataFrame(rows)

    params = {"window_days": window_days, "dormant_days": dormant_days, "tier_effort": te,
              "core_tiers": list(core_tiers), "min_responses": min_responses, "n_boot": n_boot,
              "random_state": random_state}
    return _Prep(ds=ds, as_of=as_of, cust_ids=cust_ids, unit_ids=unit_ids, rep_ids=rep_ids, cust_unit=cust_unit,
                 tier=tier.astype(str), effort=effort, core=core, revenue=revenue, n_int=n_int, dormant=dormant,
                 claim_cust=claim_cust, claim_rep=claim_rep, claim_primary=is_primary, capacity=capacity,
                 population=population, units_with_customers=units_with_customers,
                 cur_unit_region=cur_unit_region, cur_rep_region=cur_rep_region, cur_regions=cur_regions,
                 int_cust=int_cust, int_hours=int_hours, int_complaint=int_complaint, sv_cust=sv_cust,
                 sv_csat=sv_csat, sv_nps=sv_nps, tx_cust=tx_cust_x, tx_unit=tx_unit_x, tx_amount=tx_amount_x,
                 rep_service=rep_service, effects=effects, effect_sentences=sentences, effect_results=results,
                 cur_load=cur_load, warnings=warnings, params=params)


# ---------------------------------------------------------------------------
# Split encoding and validation
# ---------------------------------------------------------------------------


def _normalise_split(dataset: Dataset, split, rep_regions) -> tuple[str, pd.Series, pd.Series]:
    if split is None:
        split = dataset.current_split
        if split is None:
            raise DataContractError("no split given and the dataset has no current split", file="splits",
                                    hint="pass split='name' or set current_split in the config")
    if isinstance(split, str):
        s = dataset.split(split)
        rr = dataset.rep_regions(split) if rep_regions is None else rep_regions
        return split, s, rr
    if isinstance(split, pd.DataFrame):
        if not {"geo_unit_id", "region_id"} <= set(split.columns):
            raise DataContractError("a split table needs columns geo_unit_id and region_id", file="splits")
        name = str(split["split"].iloc[0]) if "split" in split.columns and len(split) else "custom"
        dup = split["geo_unit_id"].astype(str).duplicated(keep=False)
        if dup.any():
            raise DataContractError("a geo unit is assigned twice", file="splits", column="geo_unit_id",
                                    values=split.loc[dup, "geo_unit_id"].astype(str).unique().tolist(),
                                    hint="give every geo unit exactly one region")
        split = split.set_index("geo_unit_id")["region_id"].rename(name)
    if isinstance(split, Mapping):
        split = pd.Series(split, name="custom")
    if not isinstance(split, pd.Series):
        raise DataContractError(f"cannot read a split from {type(split).__name__}", file="splits",
                                hint="pass a split name, a Series geo_unit_id -> region_id, or a DataFrame")
    name = str(split.name) if split.name is not None else "custom"
    if split.index.has_duplicates:
        raise DataContractError("a geo unit is assigned twice", file="splits", column="geo_unit_id",
                                values=split.index[split.index.duplicated()].astype(str).unique().tolist())
    rr = rep_regions if rep_regions is not None else dataset.reps.set_index("rep_id")["region_id"]
    return name, split, rr


def _encode_split(ds, unit_ids, rep_ids, split: pd.Series, rep_regions: pd.Series, name: str,
                  units_with_customers, on_unassigned: str, warnings: list[str]):
    s = split.copy()
    s.index = pd.Index(s.index.astype(str))
    unknown = s.index.difference(unit_ids)
    if len(unknown):
        raise DataContractError(f"split '{name}' names geo units that are not in geo_units", file="splits",
                                column="geo_unit_id", values=sorted(unknown.tolist()),
                                hint="fix the unit ids or add the units to geo_units")
    s = s.astype("object").where(s.notna(), None)
    assigned = s.dropna().astype(str)
    regions = pd.Index(sorted(assigned.unique()), name="region_id")
    unit_region = np.full(len(unit_ids), -1)
    unit_region[unit_ids.get_indexer(assigned.index)] = regions.get_indexer(assigned.to_numpy())
    orphan = np.flatnonzero(unit_region < 0)
    if len(orphan):
        with_c = orphan[units_with_customers[orphan] > 0]
        if len(with_c) and on_unassigned == "error":
            raise DataContractError(
                f"split '{name}' leaves {len(with_c)} geo units with customers without a region",
                file="splits", column="region_id", values=unit_ids[with_c].tolist(),
                hint="assign every geo unit to a region, or pass on_unassigned='warn'")
        warnings.append(f"split '{name}': {len(orphan)} geo units have no region "
                        f"({', '.join(unit_ids[orphan][:10].tolist())}"
                        f"{'…' if len(orphan) > 10 else ''}); "
                        f"{int(units_with_customers[orphan].sum()):,} customers in them are counted as '{UNASSIGNED}'")
    # reps
    rr = rep_regions.copy()
    rr.index = pd.Index(rr.index.astype(str))
    unknown_r = rr.index.difference(rep_ids)
    if len(unknown_r):
        raise DataContractError(f"split '{name}' staffs reps that are not in the reps table", file="split_reps",
                                column="rep_id", values=sorted(unknown_r.tolist()), hint="fix the rep ids")
    if rr.index.has_duplicates:
        raise DataContractError(f"split '{name}' staffs a rep in two regions", file="split_reps", column="rep_id",
                                values=rr.index[rr.index.duplicated()].unique().tolist())
    rr = rr.astype("object").where(rr.notna(), None).dropna().astype(str)
    rep_region = np.full(len(rep_ids), -1)
    codes = regions.get_indexer(rr.to_numpy())
    rep_region[rep_ids.get_indexer(rr.index)] = codes
    idle = rr.index[codes < 0]
    if len(idle):
        warnings.append(f"split '{name}': {len(idle)} reps are staffed in regions the split does not have "
                        f"({', '.join(sorted(set(rr[codes < 0])))}); they get no customers")
    unstaffed = rep_ids[~rep_ids.isin(rr.index)]
    if len(unstaffed):
        warnings.append(f"split '{name}': {len(unstaffed)} reps are not staffed in any region; "
                        "their customers are handed over")
    return unit_region, rep_region, regions, orphan


def _water_fill(kept: np.ndarray, cap: np.ndarray, pool: float) -> np.ndarray:
    """Quotas q_r >= 0 with sum q = pool that raise the lowest loads (kept/cap) to a common level."""
    if pool <= 0 or len(cap) == 0:
        return np.zeros(len(cap))
    b = kept / cap
    o = np.argsort(b, kind="stable")
    bs, ks, cs = b[o], kept[o], cap[o]
    lev = (pool + np.cumsum(ks)) / np.cumsum(cs)
    valid = lev >= bs
    m = np.flatnonzero(valid)[-1]
    level = lev[m]
    return np.maximum(level * cap - kept, 0.0)


# ---------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------


def evaluate_split(
    dataset: Dataset,
    tiers: pd.Series,
    split: str | pd.Series | pd.DataFrame | None = None,
    tier_effort: Mapping[str, float] | None = None,
    market_adjust: bool = False,
    random_state=0,
    *,
    rep_regions: pd.Series | None = None,
    reference: str | pd.Series | None = "current",
    on_unassigned: str = "error",
    keep_core_owner: bool = False,
    core_tiers: Sequence[str] | None = None,
    extra_edges: Sequence[tuple[str, str]] | None = None,
    tolerance: float = 0.10,
    fairness_weights: tuple[float, float] = DEFAULT_FAIRNESS_WEIGHTS,
    window_days: int = 365,
    dormant_days: int = 180,
    min_responses: int = 30,
    n_boot: int = 1000,
    level: float = 0.95,
    fit_model: bool = True,
    max_ids: int = 50,
    _prep: _Prep | None = None,
) -> SplitEvaluation:
    """Evaluate one region split.

    Parameters
    ----------
    dataset: the validated :class:`~segment_lib.contract.Dataset`.
    tiers: Series customer_id -> tier label (truth, rule or cluster tiers).  Labels need an
        effort weight; customers without a tier count with the average effort (listed warning).
    split: a split name in ``dataset.splits`` (default: the current split), a Series
        geo_unit_id -> region_id, or a DataFrame with ``geo_unit_id``/``region_id``.
    tier_effort: effort weight per tier label (``params.regions.tier_effort``); default
        :data:`DEFAULT_TIER_EFFORT`.
    market_adjust: judge regions against their market size (``geo_units.population``):
        fairness targets use market share instead of the region's own revenue share.
    random_state: seed of every bootstrap.
    rep_regions: Series rep_id -> region_id staffing the split (default from ``split_reps`` /
        ``reps.region_id``).
    reference: split to measure disruption against ("current", a name, a Series, or None).
    on_unassigned: "error" (default) raises :class:`DataContractError` when geo units holding
        customers have no region; "warn" counts their customers as region "(unassigned)".
    keep_core_owner: core-tier customers keep their original owner even when the split puts
        them in another region (they then show as "owner outside region").
    core_tiers: labels of the core tiers (default: the label with the largest effort weight).
    extra_edges: adjacency links that are not land borders (e.g. ``[("HI", "GD")]``).
    tolerance: a region is flagged when its load ratio exceeds ``1 + tolerance``.
    fairness_weights: (region, tier) shares of a rep's fair target; default (0.6, 0.4).

    Raises :class:`DataContractError` for unknown geo units or reps in the split, units with
    customers left without a region (unless ``on_unassigned='warn'``), unknown ids in the
    tables; :class:`ConfigError` for tier labels without an effort weight.
    """
    if on_unassigned not in ("error", "warn"):
        raise ConfigError("on_unassigned must be 'error' or 'warn'")
    if abs(sum(fairness_weights) - 1.0) > 1e-9:
        raise ConfigError("fairness_weights must add up to 1 (e.g. (0.6, 0.4))")
    p = _prep or _prepare(dataset, tiers, tier_effort, core_tiers=core_tiers, window_days=window_days,
                          dormant_days=dormant_days, fit_model=fit_model, min_responses=min_responses,
                          n_boot=n_boot, random_state=random_state)
    ds = p.ds
    warnings = list(p.warnings)
    name, split_s, rr = _normalise_split(ds, split, rep_regions)
    unit_region, rep_region, regions, orphan = _encode_split(
        ds, p.unit_ids, p.rep_ids, split_s, rr, name, p.units_with_customers, on_unassigned, warnings)
    n_c, n_r = len(p.cust_ids), len(p.rep_ids)
    has_unassigned = bool((unit_region[p.cust_unit] < 0).any())
    region_labels = regions.append(pd.Index([UNASSIGNED])) if has_unassigned else regions
    g = len(region_labels)
    cust_region = unit_region[p.cust_unit]
    cust_region_l = np.where(cust_region < 0, g - 1, cust_region) if has_unassigned else cust_region

    # --- owner claims under the split ---------------------------------------------------
    cc, cr = p.claim_cust, p.claim_rep
    staffed = rep_region[cr] >= 0
    outside_new = rep_region[cr] != cust_region[cc]
    if p.cur_unit_region is not None:
        outside_cur = p.cur_rep_region[cr] != p.cur_unit_region[p.cust_unit[cc]]
    else:
        outside_cur = np.ones(len(cc), bool)
    keep = staffed & (~outside_new | outside_cur | (keep_core_owner & p.core[cc]))
    kept_claims = np.bincount(cc[keep], minlength=n_c)
    # pool: customers without a kept claim
    region_reps = [np.flatnonzero(rep_region == k) for k in range(len(regions))]
    n_reps_region = np.array([len(x) for x in region_reps] + ([0] if has_unassigned else []))
    had_claims = np.bincount(cc, minlength=n_c) > 0
    pool = np.flatnonzero((kept_claims == 0) & had_claims & (cust_region >= 0))
    pool = pool[n_reps_region[cust_region[pool]] > 0]
    kept_load = np.bincount(cr[keep], weights=p.effort[cc[keep]], minlength=n_r)
    new_owner = np.full(n_c, -1)
    if len(pool):
        preg = cust_region[pool]
        o = np.argsort(preg, kind="stable")
        pool, preg = pool[o], preg[o]
        bounds = np.searchsorted(preg, np.arange(len(regions) + 1))
        for k in range(len(regions)):
            a, b = bounds[k], bounds[k + 1]
            if a == b:
                continue
            reps_k = region_reps[k]
            e = p.effort[pool[a:b]]
            q = _water_fill(kept_load[reps_k], p.capacity[reps_k], float(e.sum()))
            cq = np.cumsum(q)
            mid = np.cumsum(e) - e / 2
            pick = np.minimum(np.searchsorted(cq, mid, side="right"), len(reps_k) - 1)
            new_owner[pool[a:b]] = reps_k[pick]
    moved_owner = new_owner >= 0
    # final claims: kept + new
    fc = np.r_[cc[keep], np.flatnonzero(moved_owner)]
    fr = np.r_[cr[keep], new_owner[moved_owner]]
    fprim = np.r_[p.claim_primary[keep], np.ones(int(moved_owner.sum()), bool)]
    n_owners = np.bincount(fc, minlength=n_c)
    # primary owner: kept primary, else first kept claim, else new
    primary = np.full(n_c, -1)
    first_any = np.full(n_c, -1)
    rev_order = np.arange(len(fc))[::-1]
    first_any[fc[rev_order]] = fr[rev_order]
    primary[:] = first_any
    primary[fc[fprim]] = fr[fprim]
    without_owner = (primary < 0)

    # --- per rep ---------------------------------------------------------------------------
    workload = np.bincount(fr, weights=p.effort[fc], minlength=n_r)
    n_cust_rep = np.bincount(fr, minlength=n_r)
    inter_rep = np.bincount(fr, weights=p.n_int[fc] / n_owners[fc], minlength=n_r)
    has_p = primary >= 0
    rev_rep = np.bincount(primary[has_p], weights=p.revenue[has_p], minlength=n_r)
    new_rep = np.bincount(new_owner[moved_owner], minlength=n_r)
    in_split = rep_region >= 0
    load = workload / p.capacity
    rs = p.rep_service.set_index("rep_id")
    per_rep = pd.DataFrame({
        "rep_id": p.rep_ids,
        "region_id": np.where(in_split, regions.to_numpy(dtype=object)[np.maximum(rep_region, 0)], None),
        "capacity": p.capacity,
        "n_customers": n_cust_rep,
        "workload": workload,
        "load_ratio": load,
        "over_capacity": load > 1.0,
        "n_new_customers": new_rep,
        "interactions": inter_rep,
        "revenue": rev_rep,
        "n_csat": rs["n_csat"].to_numpy(),
        "csat": rs["csat"].to_numpy(),
        "median_response_h": rs["median_response_h"].to_numpy(),
    })[in_split].reset_index(drop=True)
    if not in_split.any():
        raise DataContractError(f"split '{name}' staffs no rep in any of its regions", file="split_reps",
                                hint="map reps to the split's regions (split_reps or reps.region_id)")

    # --- per region -------------------------------------------------------------------------
    cnt = np.bincount(cust_region_l, minlength=g)
    wl_reg = np.bincount(cust_region_l, weights=p.effort, minlength=g)
    cap_reg = np.bincount(rep_region[in_split], weights=p.capacity[in_split], minlength=g)
    rev_reg = np.bincount(cust_region_l, weights=p.revenue, minlength=g)
    int_reg = np.bincount(cust_region_l, weights=p.n_int, minlength=g)
    pop_unit = np.nan_to_num(p.population)
    ur = np.where(unit_region < 0, g - 1, unit_region) if has_unassigned else unit_region
    pop_reg = np.bincount(ur[ur >= 0], weights=pop_unit[ur >= 0], minlength=g)
    n_units = np.bincount(ur[ur >= 0], minlength=g)
    pr = per_rep.groupby("region_id")["load_ratio"].agg(["mean", "max", "count"])
    pr_over = per_rep.groupby("region_id")["over_capacity"].mean()
    with np.errstate(divide="ignore", invalid="ignore"):
        load_reg = np.where(cap_reg > 0, wl_reg / np.where(cap_reg > 0, cap_reg, 1), np.where(wl_reg > 0, np.inf, np.nan))
        rev_share = rev_reg / rev_reg.sum() if rev_reg.sum() else np.full(g, np.nan)
        mkt_share = pop_reg / pop_reg.sum() if pop_reg.sum() else np.full(g, np.nan)
        wl_share = wl_reg / wl_reg.sum() if wl_reg.sum() else np.full(g, np.nan)
        per_region = pd.DataFrame({
            "region_id": region_labels,
            "n_units": n_units,
            "n_reps": pr["count"].reindex(region_labels, fill_value=0).to_numpy(dtype=int),
            "n_customers": cnt,
            "workload": wl_reg,
            "capacity": cap_reg,
            "load_ratio": load_reg,
            "rep_load_mean": pr["mean"].reindex(region_labels).to_numpy(),
            "rep_load_max": pr["max"].reindex(region_labels).to_numpy(),
            "share_reps_over": pr_over.reindex(region_labels).to_numpy(dtype=float),
            "interactions": int_reg,
            "revenue": rev_reg,
            "market_size": pop_reg,
            "revenue_share": rev_share,
            "market_share": mkt_share,
            "revenue_index": rev_share / mkt_share,
            "workload_index": wl_share / mkt_share,
            "customers_per_rep": cnt / np.maximum(pr["count"].reindex(region_labels, fill_value=0).to_numpy(), 1),
        })
    per_region["flagged"] = per_region["load_ratio"] > 1 + tolerance
    per_region = per_region.sort_values(["load_ratio", "region_id"], ascending=[False, True],
                                        na_position="last").reset_index(drop=True)
    per_region["rank"] = np.arange(1, len(per_region) + 1)
    no_rep_regions = per_region.loc[(per_region["n_reps"] == 0) & (per_region["region_id"] != UNASSIGNED),
                                    "region_id"].tolist()
    if no_rep_regions:
        warnings.append(f"split '{name}': regions without reps: {', '.join(no_rep_regions)} — their customers "
                        "have no owner and their load ratio is infinite")

    # --- service per region -------------------------------------------------------------------
    service = _service_table(p, cust_region_l, region_labels, level, min_responses, warnings, name)
    service = service.set_index("region_id").loc[per_region["region_id"]].reset_index()

    # --- ownership checks ---------------------------------------------------------------------
    own, own_detail = _ownership_checks(p, name, cust_region, rep_region, regions, unit_region, orphan,
                                        fc, fr, primary, without_owner, no_rep_regions, max_ids)

    # --- geometry -------------------------------------------------------------------------------
    split_units = pd.Series(regions.to_numpy(dtype=object)[unit_region[unit_region >= 0]],
                            index=p.unit_ids[unit_region >= 0])
    known_units = set(p.unit_ids)
    edges = [(str(a), str(b)) for a, b in (extra_edges or [])]
    bad_edges = [e for e in edges if e[0] not in known_units or e[1] not in known_units]
    if bad_edges:
        warnings.append(f"extra edges with unknown geo units ignored: {bad_edges}")
    edges = [e for e in edges if e not in bad_edges]
    gph = geo_mod.adjacency_graph(ds.geo_units, edges)
    contig = geo_mod.contiguity(split_units, gph)
    comp = geo_mod.compactness(split_units, ds.geo_units,
                               pd.Series(p.units_with_customers.astype(float), index=p.unit_ids))
    geometry = contig.merge(comp.drop(columns="n_units"), on="region_id", how="outer")
    gu = ds.geo_units
    units = pd.DataFrame({
        "geo_unit_id": p.unit_ids,
        "name": gu["name"].astype("object").to_numpy() if "name" in gu.columns else p.unit_ids.to_numpy(),
        "region_id": np.where(unit_region >= 0, regions.to_numpy(dtype=object)[np.maximum(unit_region, 0)], None),
        "lat": gu["lat"].to_numpy(dtype=float), "lon": gu["lon"].to_numpy(dtype=float),
        "n_customers": p.units_with_customers,
        "neighbors": gu["neighbors"].astype("object").to_numpy() if "neighbors" in gu.columns else None,
    })

    # --- disruption vs reference ------------------------------------------------------------------
    assignment = pd.DataFrame({
        "customer_id": p.cust_ids,
        "region_id": pd.Categorical.from_codes(cust_region_l, categories=region_labels),
        "owner_rep_id": pd.Categorical.from_codes(primary, categories=p.rep_ids),
        "moved_owner": moved_owner,
    })
    disruption = {}
    if reference is not None:
        ref = _reference_codes(p, reference)
        if ref is not None:
            disruption = _disruption_codes(ref[0], ref[1], cust_region_l, region_labels, ref[2], primary,
                                           p.revenue)

    # --- fairness ---------------------------------------------------------------------------------
    fairness = _fairness(p, per_rep, rep_region, regions, primary, pop_reg, market_adjust, fairness_weights)

    # --- summary -------------------------------------------------------------------------------------
    bal = stats.balance(per_rep["load_ratio"].to_numpy())
    real = per_region[per_region["region_id"] != UNASSIGNED]
    bal_r = stats.balance(real["load_ratio"].replace(np.inf, np.nan).to_numpy())
    w = geometry["weight"].fillna(0).to_numpy()
    comp_mean = float(np.average(geometry["compactness_km"], weights=w)) if w.sum() > 0 else float("nan")
    own_counts = own.set_index("check")["count"]
    summary = pd.DataFrame([{
        "split": name,
        "n_regions": len(regions),
        "n_reps": len(per_rep),
        "n_customers": n_c,
        "rep_load_mean": float(per_rep["load_ratio"].mean()),
        "rep_load_max_mean": bal["max_mean"],
        "rep_load_cv": bal["cv"],
        "rep_load_gini": bal["gini"],
        "share_reps_over_capacity": bal["share_over"],
        "region_load_max": float(real["load_ratio"].max()) if len(real) else float("nan"),
        "region_load_cv": bal_r["cv"],
        "region_load_max_mean": bal_r["max_mean"],
        "most_loaded_region": real["region_id"].iloc[0] if len(real) else None,
        "n_flagged_regions": int(real["flagged"].sum()),
        "n_noncontiguous_regions": int((~geometry["contiguous"].astype(bool)).sum()),
        "share_noncontiguous": float((~geometry["contiguous"].astype(bool)).mean()) if len(geometry) else float("nan"),
        "compactness_km": comp_mean,
        "share_moved": disruption.get("share_moved", float("nan")),
        "share_region_changed": disruption.get("share_region_changed", float("nan")),
        "share_owner_changed": disruption.get("share_owner_changed", float("nan")),
        "revenue_share_moved": disruption.get("revenue_share_moved", float("nan")),
        "n_multi_owner": int(own_counts.get("multi_owner", 0)),
        "n_owner_outside_region": int(own_counts.get("owner_outside_region", 0)),
        "n_cross_region_buyers": int(own_counts.get("cross_region_buyer", 0)),
        "n_without_owner": int(own_counts.get("without_owner", 0)),
        "n_orphan_units": int(own_counts.get("orphan_unit", 0)),
        "n_regions_without_reps": int(own_counts.get("region_without_rep", 0)),
        "n_core_moved": int(own_counts.get("core_not_with_original_rep", 0)),
        "share_owner_problem": float(((own_counts.get("owner_outside_region", 0)
                                       + own_counts.get("without_owner", 0)) / max(n_c, 1))),
        "attainment_cv_flat": stats.cv(fairness["attainment_flat"].to_numpy()),
        "attainment_cv_fair": stats.cv(fairness["attainment_fair"].to_numpy()),
        "n_warnings": len(warnings),
    }])
    params = dict(p.params, split=name, market_adjust=market_adjust, keep_core_owner=keep_core_owner,
                  tolerance=tolerance, fairness_weights=tuple(fairness_weights), level=level,
                  extra_edges=edges, disruption=disruption)
    return SplitEvaluation(split=name, per_rep=per_rep, per_region=per_region, service=service, ownership=own,
                           ownership_detail=own_detail, geometry=geometry, fairness=fairness, effects=p.effects,
                           effect_sentences=list(p.effect_sentences), summary=summary, assignment=assignment,
                           rep_service=p.rep_service, units=units, warnings=warnings, params=params)


def _reference_split(p: _Prep, reference) -> pd.Series | None:
    """The reference split as a Series geo_unit_id (str) -> region_id: a split name ("current" means the
    dataset's current split) or a Series; None when there is no current split to refer to."""
    if isinstance(reference, str):
        ref = p.ds.current_split if reference == "current" else reference
        if ref is None:
            return None
        sp = p.ds.split(ref)
    else:
        sp = reference
    sp = sp.copy()
    sp.index = sp.index.astype(str)
    return sp


def _reference_codes(p: _Prep, reference) -> tuple[np.ndarray, pd.Index, np.ndarray] | None:
    """(region code per customer, region labels, primary owner code per customer) of the reference split."""
    sp = _reference_split(p, reference)
    if sp is None:
        return None
    reg = sp.reindex(p.unit_ids).astype("object").fillna(UNASSIGNED).astype(str)
    codes_u, labels = pd.factorize(reg, sort=True)
    prim = np.full(len(p.cust_ids), -1)
    prim[p.claim_cust[p.claim_primary]] = p.claim_rep[p.claim_primary]
    return codes_u[p.cust_unit], pd.Index(labels), prim


def _disruption_codes(ref_reg, ref_labels, new_reg, new_labels, ref_owner, new_owner, revenue) -> dict:
    """:func:`segment_lib.geo.disruption` with ``match_labels=True`` on integer codes (same formulas)."""
    from scipy.optimize import linear_sum_assignment

    a, b = len(ref_labels), len(new_labels)
    ct = np.bincount(new_reg * a + ref_reg, minlength=a * b).reshape(b, a)
    r, c = linear_sum_assignment(-ct)
    # new label -> ref code (matched), or -1 - new code (unmatched: never equal to a ref code)
    m = -1 - np.arange(b)
    m[r] = c
    # identical names always match when the split keeps its labels
    reg_changed = m[new_reg] != ref_reg
    na, nb = ref_owner < 0, new_owner < 0
    own_changed = np.where(na & nb, False, np.where(na | nb, True, ref_owner != new_owner))
    moved = reg_changed | own_changed
    rv = np.clip(revenue, 0, None)
    tot = rv.sum()
    out = {"n_customers": float(len(ref_reg)), "share_region_changed": float(reg_changed.mean()),
           "share_owner_changed": float(own_changed.mean()), "share_moved": float(moved.mean())}
    for k, msk in (("region_changed", reg_changed), ("owner_changed", own_changed), ("moved", moved)):
        out[f"revenue_share_{k}"] = float(rv[msk].sum() / tot) if tot > 0 else float("nan")
    return out


def _reference_assignment(p: _Prep, reference) -> pd.DataFrame | None:
    """Customer region and primary owner under the reference split (today's owners)."""
    s = _reference_split(p, reference)
    if s is None:
        return None
    reg = s.reindex(p.unit_ids).to_numpy(dtype=object)[p.cust_unit]
    prim = np.full(len(p.cust_ids), -1)
    prim[p.claim_cust[p.claim_primary]] = p.claim_rep[p.claim_primary]
    return pd.DataFrame({"region_id": pd.Series(reg, dtype=object).fillna(UNASSIGNED).to_numpy(),
                         "owner_rep_id": np.where(prim >= 0, p.rep_ids.to_numpy(dtype=object)[np.maximum(prim, 0)],
                                                  None)}, index=p.cust_ids)


def _service_table(p: _Prep, cust_region_l, labels: pd.Index, level, min_responses, warnings, name) -> pd.DataFrame:
    g = len(labels)
    codes_all = np.arange(g)
    kw = dict(n_boot=p.params["n_boot"], level=level, random_state=p.params["random_state"])

    def pad(v, c):  # make every region appear (NaN rows are dropped inside the helpers)
        return np.r_[v, np.full(g, np.nan)], np.r_[c, codes_all]

    sv_reg = cust_region_l[p.sv_cust]
    it_reg = cust_region_l[p.int_cust]
    csat = stats.mean_ci(*pad(p.sv_csat, sv_reg), vs_rest=True, **kw)
    npsr = stats.nps_ci(*pad(p.sv_nps, sv_reg), vs_rest=True, **kw)
    comp = stats.mean_ci(*pad(p.int_complaint, it_reg), **kw)
    qs = stats.quantile_ci(*pad(p.int_hours, it_reg), q=[0.5, 0.9], level=level, presorted=True)
    med, p90 = qs[0.5], qs[0.9]
    dorm = stats.mean_ci(p.dormant.astype(float), cust_region_l, **kw).reindex(codes_all)

    def col(df, c):
        return df[c].reindex(codes_all).to_numpy()

    out = pd.DataFrame({
        "region_id": labels,
        "n_csat": col(csat, "n"), "csat": col(csat, "estimate"), "csat_low": col(csat, "ci_low"),
        "csat_high": col(csat, "ci_high"), "csat_diff": col(csat, "diff_vs_rest"),
        "csat_diff_low": col(csat, "diff_ci_low"), "csat_diff_high": col(csat, "diff_ci_high"),
        "n_nps": col(npsr, "n"), "nps": col(npsr, "estimate"), "nps_low": col(npsr, "ci_low"),
        "nps_high": col(npsr, "ci_high"), "nps_diff": col(npsr, "diff_vs_rest"),
        "nps_diff_low": col(npsr, "diff_ci_low"), "nps_diff_high": col(npsr, "diff_ci_high"),
        "n_interactions": col(comp, "n"), "complaint_rate": col(comp, "estimate"),
        "complaint_low": col(comp, "ci_low"), "complaint_high": col(comp, "ci_high"),
        "n_responses": col(med, "n"), "median_response_h": col(med, "estimate"),
        "median_response_low": col(med, "ci_low"), "median_response_high": col(med, "ci_high"),
        "p90_response_h": col(p90, "estimate"), "p90_response_low": col(p90, "ci_low"),
        "p90_response_high": col(p90, "ci_high"),
        "dormancy_rate": col(dorm, "estimate"), "dormancy_low": col(dorm, "ci_low"),
        "dormancy_high": col(dorm, "ci_high"),
    })
    for c in ("n_csat", "n_nps", "n_interactions", "n_responses"):
        out[c] = out[c].fillna(0).astype(int)
    few = (out["n_csat"] < min_responses)
    out["warning"] = np.where(few, "only " + out["n_csat"].astype(str) + f" CSAT answers (< {min_responses}): "
                              "interval is wide, do not compare", "")
    for r in out.loc[few, "region_id"]:
        warnings.append(f"split '{name}': region {r} has fewer than {min_responses} CSAT answers")
    return out


def _ownership_checks(p: _Prep, name, cust_region, rep_region, regions, unit_region, orphan, fc, fr, primary,
                      without_owner, no_rep_regions, max_ids):
    n_c = len(p.cust_ids)
    tot_rev = np.clip(p.revenue, 0, None).sum()
    rows, detail = [], []

    def add(check, what, ids, share_of, rev=None):
        ids = pd.Index(ids, dtype="string")
        rows.append({"check": check, "count": len(ids),
                     "share": len(ids) / share_of if share_of else float("nan"),
                     "revenue_share": (float(rev / tot_rev) if (rev is not None and tot_rev > 0) else float("nan")),
                     "what": what, "ids": ";".join(ids[:max_ids].tolist())})
        detail.append(pd.DataFrame({"check": pd.Categorical.from_codes(np.zeros(len(ids), dtype=np.int8), [check]),
                                    "id": ids}))

    rev_pos = np.clip(p.revenue, 0, None)
    # 1. multiple owners (claims in the data, split-independent)
    n_claims = np.bincount(p.claim_cust, minlength=n_c)
    multi = np.flatnonzero(n_claims > 1)
    add("multi_owner", "customers claimed by more than one rep", p.cust_ids[multi], n_c, rev_pos[multi].sum())
    # 2. owner outside the customer's region (under this split)
    out_claim = (rep_region[fr] != cust_region[fc]) & (cust_region[fc] >= 0)
    oc = np.unique(fc[out_claim])
    add("owner_outside_region", "customers with an owner rep staffed in another region", p.cust_ids[oc], n_c,
        rev_pos[oc].sum())
    # 3. cross-region buyers: orders booked in a unit of another region
    tx_reg = unit_region[p.tx_unit]
    away = (tx_reg != cust_region[p.tx_cust]) & (tx_reg >= 0) & (cust_region[p.tx_cust] >= 0)
    cross = np.unique(p.tx_cust[away])
    add("cross_region_buyer", "customers with orders booked in another region", p.cust_ids[cross], n_c,
        np.clip(p.tx_amount[away], 0, None).sum() * (tot_rev / max(np.clip(p.tx_amount, 0, None).sum(), 1e-12)))
    rows[-1]["what"] += " (revenue share = share of all booked revenue that is booked away)"
    # 4. customers without an owner
    wo = np.flatnonzero(without_owner)
    add("without_owner", "customers left without an owner rep", p.cust_ids[wo], n_c, rev_pos[wo].sum())
    # 5. orphan geo units
    add("orphan_unit", "geo units without a region", p.unit_ids[orphan], len(p.unit_ids))
    # 6. regions without reps
    add("region_without_rep", "regions that no rep is staffed in", no_rep_regions, len(regions))
    # 7. core customers not with their original rep
    prim0 = np.full(n_c, -1)
    prim0[p.claim_cust[p.claim_primary]] = p.claim_rep[p.claim_primary]
    moved_core = np.flatnonzero(p.core & (prim0 >= 0) & (primary != prim0))
    add("core_not_with_original_rep", "core-tier customers whose owner changes (rule: core customers stay with "
        "their original rep)", p.cust_ids[moved_core], max(int(p.core.sum()), 1), rev_pos[moved_core].sum())
    det = pd.concat(detail, ignore_index=True) if detail else pd.DataFrame(columns=["check", "id"])
    det["check"] = det["check"].astype(str)
    return pd.DataFrame(rows), det


def _fairness(p: _Prep, per_rep, rep_region, regions, primary, pop_reg, market_adjust, weights) -> pd.DataFrame:
    """Per-rep targets: flat (capacity share) vs fair = w_region * region baseline + w_tier * tier mix."""
    w_reg, w_tier = weights
    rep_codes = p.rep_ids.get_indexer(per_rep["rep_id"])
    total = float(per_rep["revenue"].sum())
    cap = per_rep["capacity"].to_numpy(float)
    reg = rep_region[rep_codes]
    g = len(regions)
    cap_reg = np.bincount(reg, weights=cap, minlength=g)
    if market_adjust and np.nansum(pop_reg[:g]) > 0:
        base = pop_reg[:g] / pop_reg[:g].sum()
    else:
        rv = np.bincount(reg, weights=per_rep["revenue"].to_numpy(float), minlength=g)
        base = rv / rv.sum() if rv.sum() else np.full(g, 1.0 / g)
    region_target = total * base[reg] * cap / np.where(cap_reg[reg] > 0, cap_reg[reg], 1)
    # tier target: what an average rep earns with this tier mix
    has = primary >= 0
    tcode, tiers = pd.factorize(pd.Series(p.tier, copy=False))
    tmean = np.bincount(tcode, weights=p.revenue, minlength=len(tiers)) / np.maximum(
        np.bincount(tcode, minlength=len(tiers)), 1)
    exp_rev = np.bincount(primary[has], weights=tmean[tcode[has]], minlength=len(p.rep_ids))[rep_codes]
    tier_target = total * exp_rev / exp_rev.sum() if exp_rev.sum() else np.zeros(len(cap))
    flat = total * cap / cap.sum()
    target = w_reg * region_target + w_tier * tier_target
    rev = per_rep["revenue"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return pd.DataFrame({
            "rep_id": per_rep["rep_id"].to_numpy(), "region_id": per_rep["region_id"].to_numpy(),
            "revenue": rev, "flat_target": flat, "region_target": region_target, "tier_target": tier_target,
            "target": target, "attainment_flat": rev / flat, "attainment_fair": rev / target,
        })


# ---------------------------------------------------------------------------
# Comparison
# ---------------------------------------------------------------------------


def composite_score(summary: pd.DataFrame, weights: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Add penalty columns, ``score`` (0..100, higher is better) and ``score_rank`` to split summaries.

    penalty_k = min(metric_k / PENALTY_SCALES[k], 1) with metrics: balance = rep_load_cv,
    overload = share_reps_over_capacity, disruption = share_moved (0 for the reference split),
    ownership = share_owner_problem, compactness = compactness_km, contiguity = share_noncontiguous.
    score = 100 * (1 - sum_k w_k penalty_k / sum_k w_k).  Fixed scales (not relative to the
    other splits) make a split's score independent of which other splits are compared.
    """
    w = dict(DEFAULT_WEIGHTS)
    if weights:
        unknown = set(weights) - set(DEFAULT_WEIGHTS)
        if unknown:
            raise ConfigError(f"unknown score weights {sorted(unknown)}; use {sorted(DEFAULT_WEIGHTS)}")
        w.update({k: float(v) for k, v in weights.items()})
    if sum(w.values()) <= 0 or min(w.values()) < 0:
        raise ConfigError("score weights must be non-negative and not all zero")
    metric = {"balance": "rep_load_cv", "overload": "share_reps_over_capacity", "disruption": "share_moved",
              "ownership": "share_owner_problem", "compactness": "compactness_km",
              "contiguity": "share_noncontiguous"}
    out = summary.copy()
    tot = np.zeros(len(out))
    for k, c in metric.items():
        pen = np.clip(out[c].fillna(0).to_numpy(float) / PENALTY_SCALES[k], 0, 1)
        out[f"penalty_{k}"] = pen
        tot += w[k] * pen
    out["score"] = 100 * (1 - tot / sum(w.values()))
    out["score_rank"] = out["score"].rank(ascending=False, method="min").astype(int)
    return out


def compare_splits(
    dataset: Dataset,
    tiers: pd.Series,
    splits: Sequence[str] | Mapping[str, object] | None = None,
    weights: Mapping[str, float] | None = None,
    *,
    tier_effort: Mapping[str, float] | None = None,
    return_evaluations: bool = False,
    random_state=0,
    **evaluate_kwargs,
):
    """Evaluate several splits side by side.

    ``splits``: names in ``dataset.splits`` (default: all of them, current first), or a mapping
    name -> split (a name, a Series geo_unit_id -> region_id, or a tuple (split, rep_regions)).
    ``weights``: composite-score weights (keys of :data:`DEFAULT_WEIGHTS`; missing keys keep
    their default).  Other keyword arguments go to :func:`evaluate_split`.

    Returns a DataFrame, one row per split: the summary columns of :func:`evaluate_split`
    (load balance, flagged regions, geometry, disruption vs the current split, ownership
    counts, attainment spread) plus ``penalty_*``, ``score`` (0..100, higher is better) and
    ``score_rank``.  With ``return_evaluations`` also a dict name -> :class:`SplitEvaluation`.
    The customer-level preparation and the load model run once for all splits.
    """
    if splits is None:
        names = dataset.split_names
        if dataset.current_split in names:
            names = [dataset.current_split] + [n for n in names if n != dataset.current_split]
        items = [(n, n, None) for n in names]
    elif isinstance(splits, Mapping):
        items = []
        for n, v in splits.items():
            if isinstance(v, tuple):
                items.append((str(n), v[0], v[1]))
            else:
                items.append((str(n), v, None))
    else:
        items = [(str(n), n, None) for n in splits]
    if not items:
        raise DataContractError("no splits to compare", file="splits")
    prep_keys = ("core_tiers", "window_days", "dormant_days", "fit_model", "min_responses", "n_boot")
    prep = _prepare(dataset, tiers, tier_effort, random_state=random_state,
                    **{k: evaluate_kwargs[k] for k in prep_keys if k in evaluate_kwargs})
    evals = {}
    for name, s, rr in items:
        if isinstance(s, pd.Series):
            s = s.rename(name)
        ev = evaluate_split(dataset, tiers, s, tier_effort, random_state=random_state, rep_regions=rr,
                            _prep=prep, **evaluate_kwargs)
        ev.split = name
        ev.summary["split"] = name
        evals[name] = ev
    table = composite_score(pd.concat([e.summary for e in evals.values()], ignore_index=True), weights)
    return (table, evals) if return_evaluations else table


# ---------------------------------------------------------------------------
# Plain-language findings
# ---------------------------------------------------------------------------


def _ci(lo, hi, fmt="{:+.2f}") -> str:
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "no interval"
    return f"95% CI {fmt.format(lo)} to {fmt.format(hi)}"


def region_findings(evaluation: SplitEvaluation, max_regions: int = 3) -> list[str]:
    """Plain-language findings, most urgent first (overloaded regions lead).

    Example: "East: reps at 1.5× capacity (other regions 0.8×); CSAT 0.52 lower than the other
    regions (95% CI -0.58 to -0.46); median first response 4.1 h vs 1.5 h."
    """
    ev = evaluation
    out: list[str] = []
    pr = ev.per_region[ev.per_region["region_id"] != UNASSIGNED]
    sv = ev.service.set_index("region_id")
    flagged = pr[pr["flagged"]]
    for _, r in flagged.head(max_regions).iterrows():
        rid = r["region_id"]
        others = pr[pr["region_id"] != rid]
        other_load = float(others["workload"].sum() / others["capacity"].sum()) if others["capacity"].sum() else np.nan
        s = f"**{rid}**: reps at {r['load_ratio']:.1f}× capacity (other regions {other_load:.1f}×)"
        if rid in sv.index:
            q = sv.loc[rid]
            if np.isfinite(q["csat_diff"]):
                word = "lower" if q["csat_diff"] < 0 else "higher"
                s += (f"; CSAT {abs(q['csat_diff']):.2f} {word} than the other regions "
                      f"({_ci(q['csat_diff_low'], q['csat_diff_high'])})")
            if np.isfinite(q["nps_diff"]):
                word = "lower" if q["nps_diff"] < 0 else "higher"
                s += f"; NPS {abs(q['nps_diff']):.0f} points {word} ({_ci(q['nps_diff_low'], q['nps_diff_high'], '{:+.0f}')})"
            rest = ev.service[ev.service["region_id"] != rid]
            if np.isfinite(q["median_response_h"]) and len(rest):
                rm = float(np.nanmedian(rest["median_response_h"]))
                s += f"; median first response {q['median_response_h']:.1f} h vs {rm:.1f} h elsewhere"
            if q["warning"]:
                s += f" ({q['warning']})"
        out.append(s + ".")
    if flagged.empty and len(pr):
        top = pr.iloc[0]
        out.append(f"No region is over capacity; the busiest is {top['region_id']} at {top['load_ratio']:.2f}× capacity.")
    under = pr[pr["load_ratio"] < 0.7]
    if len(under):
        out.append("Spare capacity in " + ", ".join(f"{r} ({v:.1f}×)" for r, v in
                                                    zip(under["region_id"], under["load_ratio"])) + ".")
    for sent in ev.effect_sentences:
        out.append("Does workload hurt service? " + sent)
    sm = ev.summary.iloc[0]
    out.append(f"Rep workload balance: busiest rep at {sm['rep_load_max_mean']:.1f}× the average load; "
               f"{sm['share_reps_over_capacity']:.0%} of reps are over capacity (Gini {sm['rep_load_gini']:.2f}).")
    own = ev.ownership.set_index("check")
    n = int(sm["n_customers"])
    bits = []
    if own.loc["multi_owner", "count"]:
        bits.append(f"{own.loc['multi_owner', 'count']:,} customers ({own.loc['multi_owner', 'share']:.1%}) "
                    "have more than one owner rep")
    if own.loc["owner_outside_region", "count"]:
        bits.append(f"{own.loc['owner_outside_region', 'count']:,} have an owner in another region")
    if own.loc["cross_region_buyer", "count"]:
        bits.append(f"{own.loc['cross_region_buyer', 'count']:,} buy across regions "
                    f"({own.loc['cross_region_buyer', 'revenue_share']:.1%} of revenue is booked in another region)")
    if own.loc["without_owner", "count"]:
        bits.append(f"{own.loc['without_owner', 'count']:,} have no owner")
    if bits:
        out.append("Ownership: " + "; ".join(bits) + f" (of {n:,} customers).")
    if own.loc["core_not_with_original_rep", "count"]:
        out.append(f"{own.loc['core_not_with_original_rep', 'count']:,} core customers would change owner under "
                   f"this split (rule: core customers stay with their original rep).")
    if own.loc["orphan_unit", "count"] or own.loc["region_without_rep", "count"]:
        out.append(f"Split gaps: {own.loc['orphan_unit', 'count']} geo units without a region, "
                   f"{own.loc['region_without_rep', 'count']} regions without a rep.")
    nc = ev.geometry[~ev.geometry["contiguous"].astype(bool)]
    if len(nc):
        out.append("Not one connected piece: " + "; ".join(
            f"{r} ({k} parts; detached: {d})" for r, k, d in zip(nc["region_id"], nc["n_components"],
                                                                 nc["detached_units"])) + ".")
    else:
        out.append("Every region is one connected piece of territory.")
    dis = ev.params.get("disruption") or {}
    if dis and dis.get("share_moved", 0) > 0:
        out.append(f"Compared with the current split, {dis['share_moved']:.1%} of customers "
                   f"({dis['revenue_share_moved']:.1%} of revenue) change region or owner.")
    few = ev.service[ev.service["warning"] != ""]
    if len(few):
        out.append("Too few survey answers to judge: " + ", ".join(few["region_id"]) + ".")
    return out


# ---------------------------------------------------------------------------
# Tier source for the region report
# ---------------------------------------------------------------------------


def value_rule_tiers(dataset: Dataset, tier_effort: Mapping[str, float] | None = None,
                     window_days: int = 365, shares: tuple[float, float] = (0.05, 0.15)) -> pd.Series:
    """Fallback tiers from simple value rules (no model), labels taken from ``tier_effort``.

    With the effort labels ordered by weight (e.g. VIP > Key > Regular > Dormant): customers
    without a positive purchase in the last ``window_days`` get the lowest label; of the
    buyers, the top ``shares[0]`` by net revenue in the window get the highest label, the
    next ``shares[1]`` the second, the rest the third.  With fewer than 4 labels the middle
    labels are dropped in that order.  Returns a Series customer_id -> label.
    """
    te = _tier_effort_from(tier_effort, dataset)
    labels = sorted(te, key=te.get, reverse=True)
    as_of = pd.Timestamp(dataset.as_of) if dataset.as_of is not None else pd.Timestamp(dataset.transactions["date"].max())
    tx = dataset.transactions
    d = pd.to_datetime(tx["date"])
    w = (d <= as_of) & (d > as_of - pd.Timedelta(days=window_days))
    cust = pd.Index(_ids(dataset.customers["customer_id"]))
    codes = _index_of(cust, tx.loc[w, "customer_id"])
    amt = tx.loc[w, "amount"].to_numpy(dtype=float, na_value=0.0)
    ok = codes >= 0
    rev = np.bincount(codes[ok], weights=amt[ok], minlength=len(cust))
    buyer = np.bincount(codes[ok & (amt > 0)], minlength=len(cust)) > 0
    out = np.full(len(cust), labels[-1], dtype=object)
    if buyer.any():
        r = pd.Series(rev[buyer]).rank(ascending=False, method="first").to_numpy() / buyer.sum()
        mid = labels[2] if len(labels) > 3 else labels[min(1, len(labels) - 1)]
        lab = np.where(r <= shares[0], labels[0],
                       np.where(r <= shares[0] + shares[1], labels[1] if len(labels) > 2 else labels[0], mid))
        out[buyer] = lab
    return pd.Series(out, index=cust, name="tier")


def tiers_for_report(dataset: Dataset, tiering_params: Mapping | None = None,
                     tier_effort: Mapping[str, float] | None = None, random_state: int = 0,
                     engine: Any = None) -> tuple[pd.Series, str]:
    """Tiers for the region report: the library's ``TierModel`` when possible, else value rules.

    ``tiering_params`` are the config's ``params.tiering`` (``method``, ``k_range``, …); ``n_tiers``
    and ``labels`` are overridden by the effort labels (best = heaviest), because rep capacity is
    counted in effort-weighted accounts of exactly those tiers.  TierModel tier names that have no effort weight are mapped by rank onto the effort labels
    (best tier -> heaviest label, worst -> lightest, spread evenly in between).  When the
    tiering module is missing or fails, :func:`value_rule_tiers` is used.  ``engine`` (config
    ``params.engine``: pandas | duckdb | parquet | a dask mapping, see :mod:`segment_lib.engines`)
    is where the features are computed and the tier model is applied
    (``customer_features(..., engine=engine)``, ``engines.fit_tiers``).  Returns
    (Series customer_id -> label, a sentence saying which source was used).
    """
    te = _tier_effort_from(tier_effort, dataset)
    labels = sorted(te, key=te.get, reverse=True)
    params = dict(tiering_params or {})
    try:
        from .engines import fit_tiers
        from .features import customer_features
        from .tiering import TierModel

        allowed = set(TierModel().get_params())
        kw = {k: v for k, v in params.items() if k in allowed}
        kw.setdefault("random_state", random_state)
        # capacity is measured in effort-weighted accounts, so the report needs exactly the effort labels
        kw["n_tiers"], kw["labels"] = len(labels), labels
        X = customer_features(dataset, engine=engine)
        model = fit_tiers(X, engine, **kw)
        idx = np.asarray(model.labels_)
        names = list(model.tier_names_)
        ids = pd.Index(_ids(X["customer_id"]))
        if set(names) <= set(te):
            lab = np.asarray(names, dtype=object)[idx]
            how = f"TierModel(method={model.method!r}) with {model.n_tiers_} tiers"
        else:
            k = len(names)
            pos = np.round(np.arange(k) * (len(labels) - 1) / max(k - 1, 1)).astype(int)
            lab = np.asarray(labels, dtype=object)[pos[idx]]
            how = (f"TierModel(method={model.method!r}) with {k} tiers, mapped by rank onto the effort labels "
                   f"{labels}")
        return pd.Series(lab, index=ids, name="tier"), how
    except Exception as e:  # noqa: BLE001 - any failure falls back to the documented value rules
        t = value_rule_tiers(dataset, te)
        return t, f"value rules (top 5% / next 15% of 12-month revenue, no purchase = lowest) because the " \
                  f"tier model was not available ({type(e).__name__}: {e})"


# ---------------------------------------------------------------------------
# Manager-facing tables (formatted for the report; numbers stay in the tidy tables above)
# ---------------------------------------------------------------------------


_NB = "\u00a0"  # no-break space: an estimate and its interval never wrap onto separate lines


def _range(a: str, b: str, low_negative: bool) -> str:
    """ "3.71–3.75", or "-17 to -13" when the low end is negative (a dash next to a minus misleads)."""
    return f"{a}{_NB}to{_NB}{b}" if low_negative else f"{a}–{b}"


def _fmt_ci(est, lo, hi, nd=2, pct=False) -> list[str]:
    """Compact "estimate (low–high)" cells that do not wrap: "3.73 (3.71–3.75)", "8.1% (7.7–8.5%)"."""
    out = []
    for e, a, b in zip(est, lo, hi):
        if not np.isfinite(e):
            out.append("–")
        elif pct:
            out.append(f"{e:.1%}{_NB}({_range(f'{a * 100:.1f}', f'{b:.1%}', a < 0)})" if np.isfinite(a)
                       else f"{e:.1%}")
        else:
            out.append(f"{e:.{nd}f}{_NB}({_range(f'{a:.{nd}f}', f'{b:.{nd}f}', a < 0)})" if np.isfinite(a)
                       else f"{e:.{nd}f}")
    return [v.replace("-", "\u2212") for v in out]  # true minus signs, which do not break lines either


def region_report_table(evaluation: SplitEvaluation) -> pd.DataFrame:
    """One row per region (most loaded first): load and satisfaction, intervals as "est (low–high)".

    Response times, complaints and dormancy are in :func:`service_report_table` (one table with
    every interval would be too wide to read without wrapping).
    """
    pr = evaluation.per_region
    sv = evaluation.service.set_index("region_id").loc[pr["region_id"]]
    return pd.DataFrame({
        "Region": pr["region_id"].to_numpy(),
        "Reps": pr["n_reps"].to_numpy(),
        "Customers": pr["n_customers"].to_numpy(),
        "Load / capacity": [f"{v:.2f}×" if np.isfinite(v) else "no reps" for v in pr["load_ratio"]],
        "Reps over capacity": [f"{v:.0%}" if np.isfinite(v) else "–" for v in pr["share_reps_over"]],
        "CSAT, 1–5": _fmt_ci(sv["csat"], sv["csat_low"], sv["csat_high"]),
        "NPS": _fmt_ci(sv["nps"], sv["nps_low"], sv["nps_high"], nd=0),
        "Note": np.where(pr["flagged"].to_numpy(), "over capacity", "") + sv["warning"].to_numpy(),
    })


def service_report_table(evaluation: SplitEvaluation) -> pd.DataFrame:
    """Per region (same order as :func:`region_report_table`): first-response times, complaint and
    dormancy rates, each "est (low–high)" with its 95% interval."""
    pr = evaluation.per_region
    sv = evaluation.service.set_index("region_id").loc[pr["region_id"]]
    return pd.DataFrame({
        "Region": pr["region_id"].to_numpy(),
        "First response, median (h)": _fmt_ci(sv["median_response_h"], sv["median_response_low"],
                                              sv["median_response_high"], nd=1),
        "First response, slowest 10% (h)": _fmt_ci(sv["p90_response_h"], sv["p90_response_low"],
                                                   sv["p90_response_high"], nd=1),
        "Complaint rate": _fmt_ci(sv["complaint_rate"], sv["complaint_low"], sv["complaint_high"], pct=True),
        "Dormant customers": _fmt_ci(sv["dormancy_rate"], sv["dormancy_low"], sv["dormancy_high"], pct=True),
    })


def ownership_report_table(evaluation: SplitEvaluation, show_ids: bool = False) -> pd.DataFrame:
    """Ownership checks with counts and shares (fractions); ids only when ``show_ids`` (personal-data rule)."""
    o = evaluation.ownership
    t = pd.DataFrame({
        "Check": o["what"].to_numpy(),
        "Count": o["count"].to_numpy(),
        "Share": o["share"].to_numpy(dtype=float),
        "Revenue share": o["revenue_share"].to_numpy(dtype=float),
    })
    if show_ids:
        t["Examples"] = o["ids"].str.slice(0, 120).to_numpy()
    return t


def comparison_report_table(comparison: pd.DataFrame) -> pd.DataFrame:
    """The split comparison in manager words, best score first."""
    c = comparison.sort_values("score", ascending=False)
    return pd.DataFrame({
        "Split": c["split"].to_numpy(),
        "Score (0-100)": c["score"].round(0).astype(int).to_numpy(),
        "Busiest region": [f"{r}{_NB}{v:.2f}×" for r, v in zip(c["most_loaded_region"], c["region_load_max"])],
        "Regions over capacity": c["n_flagged_regions"].to_numpy(),
        "Reps over capacity": [f"{v:.0%}" for v in c["share_reps_over_capacity"]],
        "Rep load spread (CV)": c["rep_load_cv"].round(2).to_numpy(),
        "Customers moved": [f"{v:.1%}" if np.isfinite(v) else "–" for v in c["share_moved"]],
        "Core customers moved": c["n_core_moved"].to_numpy(),
        "Distance to centre, km": c["compactness_km"].round(0).astype(int).to_numpy(),
        "Regions not connected": c["n_noncontiguous_regions"].to_numpy(),
    })


def fairness_report_table(evaluation: SplitEvaluation) -> pd.DataFrame:
    """Per region: spread of rep target attainment under a flat target vs the fair target."""
    f = evaluation.fairness
    g = f.groupby("region_id")
    t = pd.DataFrame({
        "Reps": g.size(),
        "Revenue": g["revenue"].sum(),
        "Flat target": g["flat_target"].sum(),
        "Fair target": g["target"].sum(),
        "Attainment, flat": g["revenue"].sum() / g["flat_target"].sum(),
        "Attainment, fair": g["revenue"].sum() / g["target"].sum(),
        "Spread between reps, flat (CV)": g["attainment_flat"].agg(stats.cv),
        "Spread between reps, fair (CV)": g["attainment_fair"].agg(stats.cv),
    }).reset_index().rename(columns={"region_id": "Region"})
    t = t.sort_values("Attainment, flat", ascending=False).reset_index(drop=True)
    for c in ("Revenue", "Flat target", "Fair target"):
        t[c] = [money_text(v) for v in t[c]]
    return t


def headline_metrics(evaluation: SplitEvaluation, comparison: pd.DataFrame | None = None,
                     prefix: str = "") -> dict:
    """Headline numbers of the region report (for ``report.record_metrics``), keys optionally prefixed.

    ``headline`` lists the keys to show first on the index page (same convention as 00_overview).
    """
    ev = evaluation
    pr = ev.per_region[ev.per_region["region_id"] != UNASSIGNED]
    top = pr.iloc[0]
    sv = ev.service.set_index("region_id").loc[top["region_id"]]
    s = ev.summary.iloc[0]
    out = {
        "split": ev.split,
        "most_loaded_region": top["region_id"],
        "most_loaded_load_ratio": float(top["load_ratio"]),
        "n_flagged_regions": int(pr["flagged"].sum()),
        "most_loaded_csat_diff": float(sv["csat_diff"]),
        "most_loaded_csat_diff_ci_high": float(sv["csat_diff_high"]),
        "rep_load_cv": float(s["rep_load_cv"]),
        "rep_load_gini": float(s["rep_load_gini"]),
        "share_reps_over_capacity": float(s["share_reps_over_capacity"]),
        "n_multi_owner": int(s["n_multi_owner"]),
        "n_owner_outside_region": int(s["n_owner_outside_region"]),
        "n_cross_region_buyers": int(s["n_cross_region_buyers"]),
        "n_noncontiguous_regions": int(s["n_noncontiguous_regions"]),
    }
    if len(ev.effects):
        e = ev.effects.set_index("outcome")
        for k in e.index:
            out[f"load_effect_{k}"] = float(e.loc[k, "estimate"])
            out[f"load_effect_{k}_ci_low"] = float(e.loc[k, "ci_low"])
            out[f"load_effect_{k}_ci_high"] = float(e.loc[k, "ci_high"])
    if comparison is not None and len(comparison):
        best = comparison.sort_values("score", ascending=False).iloc[0]
        out["best_split"] = best["split"]
        out["best_split_score"] = float(best["score"])
    res = {f"{prefix}{k}": v for k, v in out.items()}
    res["headline"] = [f"{prefix}{k}" for k in ("most_loaded_region", "most_loaded_load_ratio",
                                                 "most_loaded_csat_diff", "load_effect_csat",
                                                 "share_reps_over_capacity", "n_multi_owner") if k in out]
    return res
