"""Customer-level preparation shared by all splits of one dataset (:func:`_prepare` -> :class:`_Prep`).

Ids become integer positions once (``customer``, ``geo unit``, ``rep``); tiers become effort
weights (:func:`segment_lib.measures.customer_effort`: an untiered customer counts with effort 1.0,
listed in the warnings); revenue is :func:`segment_lib.measures.customer_revenue` over
``window_days`` before the analysis date; owner claims, service history, today's loads, the
per-rep service table and the load model are computed here, once.

The analysis date is the explicit ``as_of`` argument, else ``dataset.as_of`` (io resolves it once
when loading); without either, :class:`~segment_lib.errors.ModelInputError`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from .. import measures
from .._arrow import index_of
from .._memory import release
from .._threads import beside
from ..contract import Dataset
from ..errors import DataContractError, ModelInputError
from ..i18n import Note
from ..params import DEFAULT_LOOKBACK_DAYS
from .service import _fit_load_models, _rep_service_table
from .base import _Prep
from .splits import _encode_split


@dataclass(frozen=True)
class PrepOptions:
    """The split-independent settings of :func:`evaluate_split` (see there); used by :func:`_prepare`."""

    as_of: Any = None
    core_tiers: Sequence[str] | None = None
    window_days: int = DEFAULT_LOOKBACK_DAYS
    dormant_days: int = 180
    fit_model: bool = True
    min_responses: int = 30
    n_boot: int = 1000
    random_state: Any = 0


PREP_KEYS = tuple(f.name for f in fields(PrepOptions))


# ---------------------------------------------------------------------------
# Id lookups
# ---------------------------------------------------------------------------


def _ids(s: pd.Series) -> pd.Series:
    return s.astype("string")


def _index_of(index: pd.Index, values) -> np.ndarray:
    """Position of each value in ``index`` (-1 when absent): :func:`segment_lib._arrow.index_of`."""
    return index_of(values, index)


def _lookup(index: pd.Index, values: pd.Series, table: str, column: str, allow_missing: bool = False) -> np.ndarray:
    """:func:`_index_of`, raising :class:`DataContractError` for ids that are not in ``index``."""
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


# ---------------------------------------------------------------------------
# Steps of _prepare
# ---------------------------------------------------------------------------


def _analysis_date(ds: Dataset, as_of) -> pd.Timestamp:
    if as_of is None:
        as_of = ds.as_of
    if as_of is None or pd.isna(as_of):
        raise ModelInputError("the region evaluation needs the analysis date: pass as_of=... or set as_of on the "
                              "dataset (io.load_dataset resolves it from the config or the latest transaction)")
    return pd.Timestamp(as_of)


def _entity_ids(ds: Dataset) -> tuple[pd.Index, pd.Index, pd.Index, np.ndarray]:
    """Customer, geo-unit and rep ids (as text) and each customer's unit position."""
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
    return cust_ids, unit_ids, rep_ids, cust_unit


def _tiers_and_effort(tiers, tier_effort, cust_ids: pd.Index, core_tiers, warnings: list[str]):
    """(tier label per customer, effort per customer, core flag, effort table, core tier labels)."""
    if not isinstance(tiers, pd.Series):
        raise ModelInputError("tiers must be a pandas Series customer_id -> tier label")
    ce = measures.customer_effort(tiers, cust_ids, tier_effort)
    if ce.note:
        warnings.append(ce.note)
    if ce.n_extra:
        warnings.append(f"{ce.n_extra:,} tier rows name customers that are not in the customer table (ignored)")
    te = ce.weights
    tier = np.where(ce.untiered, "(no tier)", ce.tier.to_numpy(dtype=object))
    if core_tiers is None:  # the most demanding tier, when there is more than one tier
        present = set(pd.unique(ce.tier.to_numpy()[~ce.untiered])) if len(ce.tier) else set()
        core_tiers = [max(te, key=te.get)] if len(te) > 1 and len(present) > 1 else []
    # one factorisation for every consumer (load models, fairness): categories in order of appearance
    codes, names = pd.factorize(tier)
    tier_cat = pd.Categorical.from_codes(codes, categories=pd.Index(np.asarray(names, dtype=object)).astype(str))
    core = np.isin(codes, np.flatnonzero(tier_cat.categories.isin([str(c) for c in core_tiers])))
    return tier_cat, ce.effort.to_numpy(dtype=float), core, te, core_tiers


def _transactions(ds: Dataset, cust_ids, unit_ids, cust_unit, as_of, window_days, dormant_days, warnings):
    """Revenue in the window, dormancy, and for the cross-region check the transactions up to as_of
    booked in a known unit other than the customer's own (only those can lie in another region under
    any split) with the total positive amount booked in known units:
    (revenue, dormant, tx_cust, tx_unit, tx_amount, booked)."""
    tx = ds.transactions
    tx_cust = _lookup(cust_ids, tx["customer_id"], "transactions", "customer_id")
    revenue = measures.customer_revenue(tx, as_of, window_days, customer_ids=cust_ids,
                                        customer_codes=tx_cust).to_numpy(dtype=float)
    tx_date = pd.to_datetime(tx["date"]).to_numpy()
    tx_amount = tx["amount"].to_numpy(dtype=float, na_value=0.0)
    upto = tx_date <= as_of.to_datetime64()
    recent = upto & (tx_date > (as_of - pd.Timedelta(days=dormant_days)).to_datetime64()) & (tx_amount > 0)
    dormant = np.bincount(tx_cust[recent], minlength=len(cust_ids)) == 0
    if "geo_unit_id" in tx.columns:
        tx_unit = _index_of(unit_ids, tx["geo_unit_id"])
        bad = (tx_unit < 0) & tx["geo_unit_id"].notna().to_numpy()
        if bad.any():
            warnings.append(f"{int(bad.sum()):,} transactions are booked in unknown geo units (ignored for "
                            "cross-region checks)")
    else:
        tx_unit = np.full(len(tx), -1)
    keep = upto & (tx_unit >= 0)
    booked = float(np.sum(tx_amount, where=keep & (tx_amount > 0)))
    keep &= (tx_cust >= 0) & (tx_unit != cust_unit[np.maximum(tx_cust, 0)])
    return revenue, dormant, tx_cust[keep], tx_unit[keep], tx_amount[keep], booked


def _owner_claims(ds: Dataset, cust_ids, rep_ids):
    """Owner claims (customer, rep) without duplicates, in table order, and which claim is primary
    (``customers.owner_rep_id`` when it is among the claims, else the customer's first claim)."""
    n_c = len(cust_ids)
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
    if "owner_rep_id" in ds.customers.columns:
        primary_rep = _index_of(rep_ids, ds.customers["owner_rep_id"])
    is_primary = primary_rep[claim_cust] == claim_rep
    # customers whose owner_rep_id is not among the claims: first claim is primary
    has_primary = np.bincount(claim_cust[is_primary], minlength=n_c) > 0
    order = np.argsort(claim_cust, kind="stable")
    cc = claim_cust[order]
    first_of_cust = np.r_[True, cc[1:] != cc[:-1]] if len(cc) else np.array([], bool)
    fallback = np.zeros(len(cc), bool)
    fallback[order[first_of_cust]] = True
    return claim_cust, claim_rep, is_primary | (fallback & ~has_primary[claim_cust])


def _capacity(ds: Dataset, rep_ids) -> np.ndarray:
    capacity = ds.reps["capacity"].to_numpy(dtype=float, na_value=np.nan)
    badcap = ~(capacity > 0)
    if badcap.any():
        from ..io.readers import FIRST_DATA_ROW
        from ..io.validate import CAPACITY_RULE

        # the rule and row numbers of io validation (header = row 1), for datasets built in memory
        raise DataContractError(f"{int(badcap.sum())} values out of range: {CAPACITY_RULE}", file="reps",
                                column="capacity", rows=(np.flatnonzero(badcap) + FIRST_DATA_ROW)[:20].tolist(),
                                values=rep_ids[badcap][:20].tolist(),
                                hint="remove reps who serve no customers, or give them their real capacity")
    return capacity


def _interactions(ds: Dataset, cust_ids, rep_ids, as_of, start):
    """Contacts opened in the window, sorted by response time (every grouped quantile then needs only
    an integer sort): (customer, rep, first-response hours, complaint flag)."""
    it = ds.interactions
    if len(it):
        opened = pd.to_datetime(it["opened_at"]).to_numpy()
        it = it.loc[(opened <= as_of.to_datetime64()) & (opened > start)]
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
    o = np.argsort(int_hours, kind="stable")
    return int_cust[o], int_rep[o], int_hours[o], int_complaint[o]


def _surveys(ds: Dataset, cust_ids, rep_ids, as_of, start, primary_of_cust):
    """Survey answers in the window: (customer, rep, CSAT, NPS); an answer without a rep goes to the
    customer's primary owner.  CSAT outside 1-5 is a :class:`DataContractError`."""
    sv = ds.surveys
    if len(sv):
        sd = pd.to_datetime(sv["date"]).to_numpy()
        sv = sv.loc[(sd <= as_of.to_datetime64()) & (sd > start)]
        sv_cust = _lookup(cust_ids, sv["customer_id"], "surveys", "customer_id")
        sv_csat = (sv["csat"].to_numpy(dtype=float, na_value=np.nan) if "csat" in sv.columns
                   else np.full(len(sv), np.nan))
        sv_nps = (sv["nps"].to_numpy(dtype=float, na_value=np.nan) if "nps" in sv.columns
                  else np.full(len(sv), np.nan))
        sv_rep = _index_of(rep_ids, sv["rep_id"]) if "rep_id" in sv.columns else np.full(len(sv), -1)
        sv_rep = np.where(sv_rep >= 0, sv_rep, primary_of_cust[sv_cust])
    else:
        sv_cust = sv_rep = np.zeros(0, dtype=np.int64)
        sv_csat = sv_nps = np.zeros(0)
    ok_csat = sv_csat[~np.isnan(sv_csat)]
    if ok_csat.size and (ok_csat.min() < 1 or ok_csat.max() > 5):
        raise DataContractError("CSAT answers must be on the 1-5 scale", file="surveys", column="csat",
                                values=np.unique(ok_csat[(ok_csat < 1) | (ok_csat > 5)])[:10].tolist())
    return sv_cust, sv_rep, sv_csat, sv_nps


# ---------------------------------------------------------------------------
# _prepare
# ---------------------------------------------------------------------------


def _prepare(dataset: Dataset, tiers: pd.Series, tier_effort: Mapping[str, float] | None = None,
             options: PrepOptions | None = None, **kwargs) -> _Prep:
    """Everything split-independent, once per dataset (``kwargs``: fields of :class:`PrepOptions`)."""
    o = options or PrepOptions(**kwargs)
    ds = dataset
    warnings: list[str] = []
    as_of = _analysis_date(ds, o.as_of)
    cust_ids, unit_ids, rep_ids, cust_unit = _entity_ids(ds)
    n_c = len(cust_ids)
    tier, effort, core, te, core_tiers = _tiers_and_effort(tiers, tier_effort, cust_ids, o.core_tiers, warnings)
    unit_workload, effort = _unit_workload(ds, cust_unit, effort, warnings)
    churned = (ds.customers["churned"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
               if "churned" in ds.customers.columns and ds.customers["churned"].notna().any() else None)
    # the transactions' part runs beside the rest up to the load models (big data: on a second thread)
    tx_warnings: list[str] = []
    tx_part = beside(len(ds.transactions), _transactions, ds, cust_ids, unit_ids, cust_unit, as_of,
                      o.window_days, o.dormant_days, tx_warnings)
    try:
        claim_cust, claim_rep, is_primary = _owner_claims(ds, cust_ids, rep_ids)
        primary_of_cust = np.full(n_c, -1)
        primary_of_cust[claim_cust[is_primary]] = claim_rep[is_primary]
        capacity = _capacity(ds, rep_ids)
        population = (ds.geo_units["population"].to_numpy(dtype=float, na_value=np.nan)
                      if "population" in ds.geo_units.columns else np.full(len(unit_ids), np.nan))
        units_with_customers = np.bincount(cust_unit, minlength=len(unit_ids))

        # service history in the window
        start = (as_of - pd.Timedelta(days=o.window_days)).to_datetime64()
        int_cust, int_rep, int_hours, int_complaint = _interactions(ds, cust_ids, rep_ids, as_of, start)
        n_int = np.bincount(int_cust, minlength=n_c).astype(float)
        sv_cust, sv_rep, sv_csat, sv_nps = _surveys(ds, cust_ids, rep_ids, as_of, start, primary_of_cust)

        # current split (today's organisation) and today's load per rep: every claim counts
        cur_unit_region = cur_rep_region = cur_regions = None
        if ds.current_split is not None and ds.current_split in set(ds.splits["split"].astype(str)):
            cur_unit_region, cur_rep_region, cur_regions, _ = _encode_split(
                ds, unit_ids, rep_ids, ds.split(ds.current_split), ds.rep_regions(ds.current_split),
                ds.current_split, units_with_customers, on_unassigned="warn", warnings=[])
    except Exception:
        tx_part()  # the transactions' error first, as when the steps run one after the other
        raise
    revenue, dormant, tx_cust, tx_unit, tx_amount, booked = tx_part()
    warnings += tx_warnings
    release()  # the per-transaction and per-contact temporaries (see segment_lib._memory)
    wl = np.bincount(claim_rep, weights=effort[claim_cust], minlength=len(rep_ids))
    if unit_workload is not None and cur_unit_region is not None:
        wl = wl + unit_workload_per_rep(unit_workload, cur_unit_region, cur_rep_region, capacity)
    cur_load = pd.Series(wl / capacity, index=rep_ids, name="load_ratio")

    rep_service = _rep_service_table(
        rep_ids,
        (cur_regions[cur_rep_region].to_numpy(dtype=object) if cur_regions is not None
         else ds.reps["region_id"].astype(str).to_numpy()),
        cur_load, sv_csat, sv_rep, int_hours, int_rep,
        unassigned=(cur_rep_region < 0) if cur_regions is not None else None)
    effects, sentences, results = pd.DataFrame(), [], {}
    if o.fit_model:
        effects, sentences, results = _fit_load_models(
            ds.customers, tier, cur_load, sv_cust=sv_cust, sv_rep=sv_rep, sv_csat=sv_csat, sv_nps=sv_nps,
            int_cust=int_cust, int_rep=int_rep, int_hours=int_hours, random_state=o.random_state,
            warnings=warnings)

    params = {"window_days": o.window_days, "dormant_days": o.dormant_days, "tier_effort": te,
              "core_tiers": list(core_tiers), "min_responses": o.min_responses, "n_boot": o.n_boot,
              "random_state": o.random_state}
    return _Prep(ds=ds, as_of=as_of, cust_ids=cust_ids, unit_ids=unit_ids, rep_ids=rep_ids, cust_unit=cust_unit,
                 tier=tier, effort=effort, core=core, revenue=revenue, n_int=n_int, dormant=dormant,
                 claim_cust=claim_cust, claim_rep=claim_rep, claim_primary=is_primary, capacity=capacity,
                 population=population, units_with_customers=units_with_customers,
                 cur_unit_region=cur_unit_region, cur_rep_region=cur_rep_region, cur_regions=cur_regions,
                 int_cust=int_cust, int_hours=int_hours, int_complaint=int_complaint, sv_cust=sv_cust,
                 sv_csat=sv_csat, sv_nps=sv_nps, tx_cust=tx_cust, tx_unit=tx_unit, tx_amount=tx_amount, tx_booked=booked,
                 rep_service=rep_service, effects=effects, effect_sentences=sentences, effect_results=results,
                 cur_load=cur_load, warnings=warnings, params=params, churned=churned, unit_workload=unit_workload)


def _unit_workload(ds: Dataset, cust_unit: np.ndarray, effort: np.ndarray, warnings: list[str]):
    """(workload per unit or None, effort per customer).  Where ``geo_units.workload`` is given it is
    the unit's whole workload: the unit's customers keep their revenue, service and owners but add no
    workload of their own (otherwise a unit would count twice)."""
    gu = ds.geo_units
    if "workload" not in gu.columns or not gu["workload"].notna().any():
        return None, effort
    w = gu["workload"].to_numpy(dtype=float, na_value=np.nan)
    given = np.isfinite(w)
    covered = given[cust_unit] if len(cust_unit) else np.zeros(0, dtype=bool)
    if covered.any():
        warnings.append(Note("regions.note.unit_workload", n=int(covered.sum())))
    return np.where(given, w, 0.0), np.where(covered, 0.0, effort)


def unit_workload_per_rep(unit_workload: np.ndarray, unit_region: np.ndarray, rep_region: np.ndarray,
                          capacity: np.ndarray) -> np.ndarray:
    """Each region's unit workload shared among its reps in proportion to their capacity."""
    k = int(max(unit_region.max(initial=-1), rep_region.max(initial=-1))) + 1
    ok = unit_region >= 0
    reg_w = np.bincount(unit_region[ok], weights=unit_workload[ok], minlength=k)
    staffed = rep_region >= 0
    reg_cap = np.bincount(rep_region[staffed], weights=capacity[staffed], minlength=k)
    share = np.where(staffed, capacity / np.where(reg_cap[np.maximum(rep_region, 0)] > 0,
                                                  reg_cap[np.maximum(rep_region, 0)], 1.0), 0.0)
    return np.where(staffed, reg_w[np.maximum(rep_region, 0)] * share, 0.0)
