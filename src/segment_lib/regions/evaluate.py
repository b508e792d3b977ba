"""Judge one region split: :func:`evaluate_split` -> :class:`SplitEvaluation`.

The split-independent work is done once by :func:`~segment_lib.regions.prepare._prepare`; the steps
here are: encode the split (:mod:`.splits`), decide the owners (:mod:`.ownership`), then the
per-rep and per-region tables, service (:mod:`.service`), ownership checks, geometry, disruption
against the reference split (:func:`segment_lib.geo.disruption`), fair targets (:mod:`.fairness`)
and the one-row summary.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import geo as geo_mod
from .. import stats
from ..contract import Dataset
from ..errors import ConfigError, DataContractError
from ..params import DEFAULT_LOOKBACK_DAYS, DEFAULT_TOLERANCE
from .fairness import DEFAULT_FAIRNESS_WEIGHTS, _fairness
from .ownership import Owners, assign_owners, ownership_checks
from .base import _Prep
from .prepare import PrepOptions, _prepare, unit_workload_per_rep
from .service import _service_table
from .splits import UNASSIGNED, SplitLayout, _reference_codes, layout


@dataclass
class SplitEvaluation:
    """Everything :func:`evaluate_split` measures for one split (tidy DataFrames).

    per_rep: one row per staffed rep: ``rep_id``, ``region_id``, ``capacity``, ``n_customers``,
        ``workload`` (tier-weighted accounts), ``load_ratio`` (workload / capacity),
        ``over_capacity``, ``n_new_customers`` (handed over by this split), ``interactions``
        (last ``window_days``), ``revenue`` (last ``window_days``, primary owner), service
        columns from history (``n_csat``, ``csat``, ``median_response_h``).
    per_region: one row per region, sorted by ``load_ratio`` descending: ``region_id``,
        ``n_units``, ``n_reps``, ``n_customers``, ``workload`` (customers' tier effort plus
        ``geo_units.workload`` of the region's units), ``capacity``, ``load_ratio``,
        ``rep_load_mean``, ``rep_load_max``, ``share_reps_over``, ``interactions``, ``revenue``,
        ``market_size``, ``revenue_share``, ``market_share``, ``revenue_index``
        (revenue share / market share), ``workload_index`` (workload share / market share),
        ``customers_per_rep``, ``rank`` (1 = most loaded), ``flagged`` (load ratio above
        1 + ``tolerance``).
    service: one row per region: ``n_csat``, ``csat`` (+ ``csat_low``/``csat_high``),
        ``csat_diff`` vs all other regions (+ interval), ``n_nps``, ``nps`` (+ interval,
        ``nps_diff`` + interval), ``n_interactions``, ``complaint_rate`` (+ interval),
        ``n_responses``, ``median_response_h``/``p90_response_h`` (+ intervals),
        ``dormancy_rate`` (+ interval), with a ``churned`` column also ``n_churn``, ``churn_rate``
        (+ interval) and ``churn_diff`` vs all other regions (+ interval), ``warning`` (too few
        answers, else "").
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


@dataclass(frozen=True)
class EvaluationOptions:
    """The split-specific settings of :func:`evaluate_split` (see there for their meaning)."""

    market_adjust: bool = False
    reference: str | pd.Series | None = "current"
    on_unassigned: str = "error"
    keep_core_owner: bool = False
    extra_edges: Sequence[tuple[str, str]] | None = None
    tolerance: float = DEFAULT_TOLERANCE
    fairness_weights: tuple[float, float] = DEFAULT_FAIRNESS_WEIGHTS
    min_responses: int = 30
    level: float = 0.95
    max_ids: int = 50

    def check(self) -> None:
        if self.on_unassigned not in ("error", "warn"):
            raise ConfigError("on_unassigned must be 'error' or 'warn'")
        if abs(sum(self.fairness_weights) - 1.0) > 1e-9:
            raise ConfigError("fairness_weights must add up to 1 (e.g. (0.6, 0.4))")


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
    tolerance: float = DEFAULT_TOLERANCE,
    fairness_weights: tuple[float, float] = DEFAULT_FAIRNESS_WEIGHTS,
    window_days: int = DEFAULT_LOOKBACK_DAYS,
    dormant_days: int = 180,
    min_responses: int = 30,
    n_boot: int = 1000,
    level: float = 0.95,
    fit_model: bool = True,
    max_ids: int = 50,
    as_of=None,
    _prep: _Prep | None = None,
) -> SplitEvaluation:
    """Evaluate one region split.

    Parameters
    ----------
    dataset: the validated :class:`~segment_lib.contract.Dataset`.
    tiers: Series customer_id -> tier label (truth, rule or cluster tiers).  Labels need an
        effort weight; customers without a tier count with effort 1.0 (listed warning; see
        :func:`segment_lib.measures.customer_effort`).
    split: a split name in ``dataset.splits`` (default: the current split), a Series
        geo_unit_id -> region_id, or a DataFrame with ``geo_unit_id``/``region_id``.
    tier_effort: effort weight per tier label (``params.regions.tier_effort``); default
        :data:`segment_lib.params.DEFAULT_TIER_EFFORT`.
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
    tolerance: a region is flagged (over capacity) when its load ratio exceeds ``1 + tolerance``;
        default :data:`segment_lib.params.DEFAULT_TOLERANCE` (config ``params.rebalance.tolerance``).
    fairness_weights: (region, tier) shares of a rep's fair target; default (0.6, 0.4).
    window_days, dormant_days: revenue / service window and dormancy horizon (days before as_of).
    min_responses, n_boot, level: service intervals (fewer CSAT answers than ``min_responses``
        are flagged).  fit_model: fit the load model.  max_ids: ids listed per ownership check.
    as_of: analysis date; default ``dataset.as_of`` (:class:`ModelInputError` when neither is set).

    The split-independent settings (``as_of``, ``core_tiers``, ``window_days``, ``dormant_days``,
    ``fit_model``, ``min_responses``, ``n_boot``, ``random_state``) form a
    :class:`~segment_lib.regions.prepare.PrepOptions`, the rest an :class:`EvaluationOptions`.

    Raises :class:`DataContractError` for unknown geo units or reps in the split, units with
    customers left without a region (unless ``on_unassigned='warn'``), unknown ids in the
    tables; :class:`ConfigError` for tier labels without an effort weight.
    """
    opts = EvaluationOptions(market_adjust=market_adjust, reference=reference, on_unassigned=on_unassigned,
                             keep_core_owner=keep_core_owner, extra_edges=extra_edges, tolerance=tolerance,
                             fairness_weights=fairness_weights, min_responses=min_responses, level=level,
                             max_ids=max_ids)
    opts.check()
    p = _prep or _prepare(dataset, tiers, tier_effort, PrepOptions(
        as_of=as_of, core_tiers=core_tiers, window_days=window_days, dormant_days=dormant_days,
        fit_model=fit_model, min_responses=min_responses, n_boot=n_boot, random_state=random_state))
    return _evaluate(p, split, rep_regions, opts)


def _evaluate(p: _Prep, split, rep_regions, opts: EvaluationOptions) -> SplitEvaluation:
    warnings = list(p.warnings)
    sp = layout(p, split, rep_regions, opts.on_unassigned, warnings)
    own = assign_owners(p, sp, opts.keep_core_owner)
    per_rep = _per_rep_table(p, sp, own)
    per_region, pop_reg = _per_region_table(p, sp, per_rep, opts.tolerance)
    no_rep_regions = per_region.loc[(per_region["n_reps"] == 0) & (per_region["region_id"] != UNASSIGNED),
                                    "region_id"].tolist()
    if no_rep_regions:
        warnings.append(f"split '{sp.name}': regions without reps: {', '.join(no_rep_regions)} — their customers "
                        "have no owner and their load ratio is infinite")
    service = _service_table(p, sp, opts.level, opts.min_responses, warnings)
    service = service.set_index("region_id").loc[per_region["region_id"]].reset_index()
    own_table, own_detail = ownership_checks(p, sp, own, no_rep_regions, opts.max_ids)
    geometry, units, edges = _geometry(p, sp, opts.extra_edges, warnings)
    assignment = pd.DataFrame({
        "customer_id": p.cust_ids,
        "region_id": pd.Categorical.from_codes(sp.cust_label, categories=sp.labels),
        "owner_rep_id": pd.Categorical.from_codes(own.primary, categories=p.rep_ids),
        "moved_owner": own.moved_owner,
    })
    disruption = _disruption(p, assignment, opts.reference)
    fairness = _fairness(p, per_rep, sp.rep_region, sp.regions, own.primary, pop_reg, opts.market_adjust,
                         opts.fairness_weights)
    summary = _summary_row(p, sp, per_rep, per_region, geometry, own_table, disruption, fairness, len(warnings))
    params = dict(p.params, split=sp.name, market_adjust=opts.market_adjust, keep_core_owner=opts.keep_core_owner,
                  tolerance=opts.tolerance, fairness_weights=tuple(opts.fairness_weights), level=opts.level,
                  extra_edges=edges, disruption=disruption)
    return SplitEvaluation(split=sp.name, per_rep=per_rep, per_region=per_region, service=service,
                           ownership=own_table, ownership_detail=own_detail, geometry=geometry, fairness=fairness,
                           effects=p.effects, effect_sentences=list(p.effect_sentences), summary=summary,
                           assignment=assignment, rep_service=p.rep_service, units=units, warnings=warnings,
                           params=params)


# ---------------------------------------------------------------------------
# Steps of _evaluate
# ---------------------------------------------------------------------------


def _per_rep_table(p: _Prep, sp: SplitLayout, own: Owners) -> pd.DataFrame:
    """One row per staffed rep: workload of every kept claim, revenue of primary-owned customers,
    interactions shared among owners, today's service history."""
    n_r = len(p.rep_ids)
    fc, fr, primary = own.fc, own.fr, own.primary
    workload = np.bincount(fr, weights=p.effort[fc], minlength=n_r)
    if p.unit_workload is not None:  # geo_units.workload: shared among the region's reps by capacity
        workload = workload + unit_workload_per_rep(p.unit_workload, sp.unit_region, sp.rep_region, p.capacity)
    n_cust_rep = np.bincount(fr, minlength=n_r)
    inter_rep = np.bincount(fr, weights=p.n_int[fc] / own.n_owners[fc], minlength=n_r)
    has_p = primary >= 0
    rev_rep = np.bincount(primary[has_p], weights=p.revenue[has_p], minlength=n_r)
    new_rep = np.bincount(own.new_owner[own.moved_owner], minlength=n_r)
    in_split = sp.rep_region >= 0
    load = workload / p.capacity
    rs = p.rep_service.set_index("rep_id")
    per_rep = pd.DataFrame({
        "rep_id": p.rep_ids,
        "region_id": np.where(in_split, sp.regions.to_numpy(dtype=object)[np.maximum(sp.rep_region, 0)], None),
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
        raise DataContractError(f"split '{sp.name}' staffs no rep in any of its regions", file="split_reps",
                                hint="map reps to the split's regions (split_reps or reps.region_id)")
    return per_rep


def _per_region_table(p: _Prep, sp: SplitLayout, per_rep: pd.DataFrame,
                      tolerance: float) -> tuple[pd.DataFrame, np.ndarray]:
    """One row per region (most loaded first) and the market size (population) per region label."""
    g, labels, cl = sp.n_labels, sp.labels, sp.cust_label
    cnt = np.bincount(cl, minlength=g)
    wl_reg = np.bincount(cl, weights=p.effort, minlength=g)
    in_split = sp.rep_region >= 0
    cap_reg = np.bincount(sp.rep_region[in_split], weights=p.capacity[in_split], minlength=g)
    rev_reg = np.bincount(cl, weights=p.revenue, minlength=g)
    int_reg = np.bincount(cl, weights=p.n_int, minlength=g)
    pop_unit = np.nan_to_num(p.population)
    ur = np.where(sp.unit_region < 0, g - 1, sp.unit_region) if sp.has_unassigned else sp.unit_region
    pop_reg = np.bincount(ur[ur >= 0], weights=pop_unit[ur >= 0], minlength=g)
    if p.unit_workload is not None:
        wl_reg = wl_reg + np.bincount(ur[ur >= 0], weights=p.unit_workload[ur >= 0], minlength=g)
    n_units = np.bincount(ur[ur >= 0], minlength=g)
    pr = per_rep.groupby("region_id")["load_ratio"].agg(["mean", "max", "count"])
    pr_over = per_rep.groupby("region_id")["over_capacity"].mean()
    n_reps = pr["count"].reindex(labels, fill_value=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        load_reg = np.where(cap_reg > 0, wl_reg / np.where(cap_reg > 0, cap_reg, 1),
                            np.where(wl_reg > 0, np.inf, np.nan))
        rev_share = rev_reg / rev_reg.sum() if rev_reg.sum() else np.full(g, np.nan)
        mkt_share = pop_reg / pop_reg.sum() if pop_reg.sum() else np.full(g, np.nan)
        wl_share = wl_reg / wl_reg.sum() if wl_reg.sum() else np.full(g, np.nan)
        per_region = pd.DataFrame({
            "region_id": labels,
            "n_units": n_units,
            "n_reps": n_reps.to_numpy(dtype=int),
            "n_customers": cnt,
            "workload": wl_reg,
            "capacity": cap_reg,
            "load_ratio": load_reg,
            "rep_load_mean": pr["mean"].reindex(labels).to_numpy(),
            "rep_load_max": pr["max"].reindex(labels).to_numpy(),
            "share_reps_over": pr_over.reindex(labels).to_numpy(dtype=float),
            "interactions": int_reg,
            "revenue": rev_reg,
            "market_size": pop_reg,
            "revenue_share": rev_share,
            "market_share": mkt_share,
            "revenue_index": rev_share / mkt_share,
            "workload_index": wl_share / mkt_share,
            "customers_per_rep": cnt / np.maximum(n_reps.to_numpy(), 1),
        })
    per_region["flagged"] = per_region["load_ratio"] > 1 + tolerance
    per_region = per_region.sort_values(["load_ratio", "region_id"], ascending=[False, True],
                                        na_position="last").reset_index(drop=True)
    per_region["rank"] = np.arange(1, len(per_region) + 1)
    return per_region, pop_reg


def _geometry(p: _Prep, sp: SplitLayout, extra_edges, warnings: list[str]):
    """(contiguity + compactness per region, the unit table for maps, the extra edges used)."""
    ds = p.ds
    ur = sp.unit_region
    split_units = pd.Series(sp.regions.to_numpy(dtype=object)[ur[ur >= 0]], index=p.unit_ids[ur >= 0])
    known_units = set(p.unit_ids)
    edges = [(str(a), str(b)) for a, b in (extra_edges or [])]
    bad_edges = [e for e in edges if e[0] not in known_units or e[1] not in known_units]
    if bad_edges:
        warnings.append(f"extra edges with unknown geo units ignored: {bad_edges}")
    edges = [e for e in edges if e not in bad_edges]
    key = tuple(edges)
    if key not in p.graphs:  # the same graph for every split of a comparison
        p.graphs[key] = geo_mod.shared_adjacency_graph(ds.geo_units, edges)
    gph = p.graphs[key]
    contig = geo_mod.contiguity(split_units, gph)
    comp = geo_mod.compactness(split_units, ds.geo_units,
                               pd.Series(p.units_with_customers.astype(float), index=p.unit_ids))
    geometry = contig.merge(comp.drop(columns="n_units"), on="region_id", how="outer")
    gu = ds.geo_units
    units = pd.DataFrame({
        "geo_unit_id": p.unit_ids,
        "name": gu["name"].astype("object").to_numpy() if "name" in gu.columns else p.unit_ids.to_numpy(),
        "region_id": np.where(ur >= 0, sp.regions.to_numpy(dtype=object)[np.maximum(ur, 0)], None),
        "lat": gu["lat"].to_numpy(dtype=float), "lon": gu["lon"].to_numpy(dtype=float),
        "n_customers": p.units_with_customers,
        "neighbors": gu["neighbors"].astype("object").to_numpy() if "neighbors" in gu.columns else None,
    })
    return geometry, units, edges


def _disruption(p: _Prep, assignment: pd.DataFrame, reference) -> dict:
    """:func:`segment_lib.geo.disruption` (labels matched) of the split against the reference split;
    {} without a reference."""
    if reference is None:
        return {}
    ref = _reference_codes(p, reference)
    if ref is None:
        return {}
    ref_reg, ref_labels, ref_owner = ref
    idx = p.cust_ids
    return geo_mod.disruption(
        pd.Series(pd.Categorical.from_codes(ref_reg, categories=ref_labels), index=idx),
        pd.Series(assignment["region_id"].array, index=idx),
        pd.Series(pd.Categorical.from_codes(ref_owner, categories=p.rep_ids), index=idx),
        pd.Series(assignment["owner_rep_id"].array, index=idx),
        pd.Series(p.revenue, index=idx),
        match_labels=True,
    )


def _summary_row(p: _Prep, sp: SplitLayout, per_rep, per_region, geometry, own, disruption, fairness,
                 n_warnings: int) -> pd.DataFrame:
    """The one-row summary of a split (the columns of :func:`compare_splits`)."""
    n_c = len(p.cust_ids)
    bal = stats.balance(per_rep["load_ratio"].to_numpy())
    real = per_region[per_region["region_id"] != UNASSIGNED]
    bal_r = stats.balance(real["load_ratio"].replace(np.inf, np.nan).to_numpy())
    w = geometry["weight"].fillna(0).to_numpy()
    comp_mean = float(np.average(geometry["compactness_km"], weights=w)) if w.sum() > 0 else float("nan")
    own_counts = own.set_index("check")["count"]
    nan = float("nan")
    return pd.DataFrame([{
        "split": sp.name,
        "n_regions": len(sp.regions),
        "n_reps": len(per_rep),
        "n_customers": n_c,
        "rep_load_mean": float(per_rep["load_ratio"].mean()),
        "rep_load_max_mean": bal["max_mean"],
        "rep_load_cv": bal["cv"],
        "rep_load_gini": bal["gini"],
        "share_reps_over_capacity": bal["share_over"],
        "region_load_max": float(real["load_ratio"].max()) if len(real) else nan,
        "region_load_cv": bal_r["cv"],
        "region_load_max_mean": bal_r["max_mean"],
        "most_loaded_region": real["region_id"].iloc[0] if len(real) else None,
        "n_flagged_regions": int(real["flagged"].sum()),
        "n_noncontiguous_regions": int((~geometry["contiguous"].astype(bool)).sum()),
        "share_noncontiguous": float((~geometry["contiguous"].astype(bool)).mean()) if len(geometry) else nan,
        "compactness_km": comp_mean,
        "share_moved": disruption.get("share_moved", nan),
        "share_region_changed": disruption.get("share_region_changed", nan),
        "share_owner_changed": disruption.get("share_owner_changed", nan),
        "revenue_share_moved": disruption.get("revenue_share_moved", nan),
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
        "n_warnings": n_warnings,
    }])
