"""Service history with intervals (per region, per rep) and the load model.

Service (CSAT, NPS, complaints, first response, dormancy) is historical: per region it is
grouped by the customer's region in the evaluated split, per rep by the rep who handled the
contact.  The load model (:func:`segment_lib.stats.load_effect_model`) always uses today's
loads (current split), because that is the load the customers experienced.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import stats
from ..errors import ModelInputError
from ..i18n import Note
from .splits import UNASSIGNED

if TYPE_CHECKING:  # pragma: no cover
    from .base import _Prep
    from .splits import SplitLayout


def _rep_service_table(rep_ids: pd.Index, region_id: np.ndarray, cur_load: pd.Series, sv_csat, sv_rep,
                       int_hours, int_rep, unassigned: np.ndarray | None) -> pd.DataFrame:
    """Per rep, history under today's organisation: load, CSAT (normal-approximation interval), median
    first response.  ``unassigned``: reps without a region in the current split (or None)."""
    rep_codes = np.arange(len(rep_ids))
    csat_r = stats.mean_ci_normal(sv_csat, sv_rep, len(rep_ids))
    resp_r = stats.quantile_ci(np.r_[int_hours, np.full(len(rep_ids), np.nan)], np.r_[int_rep, rep_codes], 0.5,
                               presorted=True)
    resp_r = resp_r[resp_r.index >= 0]
    out = pd.DataFrame({
        "rep_id": rep_ids,
        "region_id": region_id,
        "load_ratio": cur_load.to_numpy(),
        "n_csat": csat_r["n"].reindex(rep_codes, fill_value=0).to_numpy(),
        "csat": csat_r["estimate"].reindex(rep_codes).to_numpy(),
        "csat_low": csat_r["ci_low"].reindex(rep_codes).to_numpy(),
        "csat_high": csat_r["ci_high"].reindex(rep_codes).to_numpy(),
        "n_responses": resp_r["n"].reindex(rep_codes, fill_value=0).to_numpy(),
        "median_response_h": resp_r["estimate"].reindex(rep_codes).to_numpy(),
    })
    if unassigned is not None:
        out.loc[unassigned, "region_id"] = UNASSIGNED
    return out


def _fit_load_models(customers: pd.DataFrame, tier: pd.Categorical, cur_load: pd.Series, *, sv_cust, sv_rep, sv_csat,
                     sv_nps, int_cust, int_rep, int_hours, random_state,
                     warnings: list[str]) -> tuple[pd.DataFrame, list[str], dict]:
    """Fit the load model for CSAT, NPS and log first response (outcomes with >= 10 answers).

    Returns (effects table, plain sentences, outcome -> fitted result); unfittable outcomes are
    skipped with a warning.
    """
    n_c = len(customers)
    if "industry" in customers.columns:
        ind_codes, ind_labels = pd.factorize(customers["industry"], use_na_sentinel=False)
        ind_names = pd.Series(np.asarray(ind_labels, dtype=object)).fillna("(missing)").astype(str)
        industry = pd.Categorical.from_codes(ind_codes, categories=pd.Index(ind_names.to_numpy(dtype=object)))
    else:
        industry = pd.Categorical.from_codes(np.zeros(n_c, dtype=np.int8), ["(missing)"])
    load = cur_load.to_numpy()
    specs = []
    if len(sv_cust):
        base = pd.DataFrame({"rep_id": sv_rep, "tier": tier[sv_cust], "industry": industry[sv_cust],
                             "load_ratio": np.where(sv_rep >= 0, load[np.maximum(sv_rep, 0)], np.nan)})
        specs.append(("csat", base.assign(y=sv_csat), "CSAT (1-5)", False))
        specs.append(("nps", base.assign(y=sv_nps), "NPS answer (0-10)", False))
    if len(int_cust):
        base = pd.DataFrame({"rep_id": int_rep, "tier": tier[int_cust], "industry": industry[int_cust],
                             "load_ratio": load[int_rep], "y": int_hours})
        specs.append(("first_response", base, "First-response time", True))
    rows, sentences, results = [], [], {}
    for key, d, label, log in specs:
        d = d[d["rep_id"] >= 0]
        if d["y"].notna().sum() < 10:
            continue
        try:
            res = stats.load_effect_model(d, "y", log_outcome=log, outcome_label=label, random_state=random_state)
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
    return pd.DataFrame(rows), sentences, results


def _unit_counts(p: _Prep) -> dict:
    """The discrete service measures' answer counts per geo unit, once per comparison (``p.shared``):
    key -> (levels, counts (units x levels), rows per unit), or None when the values are not discrete
    (:func:`segment_lib.stats.is_discrete`; those are grouped row by row).  A region's counts under any
    split are the sum of its units' counts, so the bootstrap of every split draws from the same counts
    a grouping of the rows would give (:func:`segment_lib.stats.counts_ci`)."""
    if "unit_counts" in p.shared:
        return p.shared["unit_counts"]
    n_u = len(p.unit_ids)
    sv_unit, it_unit = p.cust_unit[p.sv_cust], p.cust_unit[p.int_cust]
    measures = {"csat": (p.sv_csat, sv_unit), "nps": (stats.nps_scores(p.sv_nps), sv_unit),
                "complaint": (p.int_complaint, it_unit), "dormant": (p.dormant.astype(float), p.cust_unit)}
    if p.churned is not None:
        measures["churn"] = (p.churned, p.cust_unit)
    out: dict = {}
    for key, (v, unit) in measures.items():
        v = np.asarray(v, dtype=float)
        if key != "nps" and not stats.is_discrete(v):  # (NPS is always counted)
            out[key] = None
            continue
        rows = np.bincount(unit, minlength=n_u)
        keep = ~np.isnan(v)
        levels, counts = (stats._level_counts(v[keep], unit[keep].astype(np.int64), n_u) if keep.any()
                          else (np.zeros(0), np.zeros((n_u, 0), dtype=np.int64)))
        out[key] = (levels, counts, rows)
    p.shared["unit_counts"] = out
    return out


def _region_ci(uc, unit_label: np.ndarray, g: int, stat, kw: dict, vs_rest: bool = False,
               all_groups: bool = True) -> pd.DataFrame:
    """:func:`segment_lib.stats.mean_ci` / ``nps_ci`` of a measure grouped by region from its per-unit
    counts: every region (``all_groups``, as when each region is padded with a NaN answer) or the
    regions with rows, as the row grouping would index them."""
    levels, counts_u, rows_u = uc
    ok = unit_label >= 0
    counts = np.zeros((g, counts_u.shape[1]), dtype=counts_u.dtype)
    np.add.at(counts, unit_label[ok], counts_u[ok])
    index = pd.Index(np.arange(g), name="group")
    if not all_groups:
        present = np.bincount(unit_label[ok], weights=rows_u[ok], minlength=g) > 0
        counts, index = counts[present], index[present]
    if not counts.sum():
        nan = np.full(len(index), np.nan)
        return stats._frame(index, np.zeros(len(index)), nan, nan, nan)
    return stats.counts_ci(levels, counts, index, stat, kw["n_boot"], kw["level"], kw["random_state"], vs_rest)


def _service_table(p: _Prep, sp: SplitLayout, level, min_responses, warnings) -> pd.DataFrame:
    """Per region (customers grouped by their region under the split): every service measure with its
    bootstrap interval, differences vs all other regions for CSAT / NPS, a warning for few answers."""
    cust_region_l, labels, name = sp.cust_label, sp.labels, sp.name
    g = len(labels)
    codes_all = np.arange(g)
    kw = dict(n_boot=p.params["n_boot"], level=level, random_state=p.params["random_state"])
    uc = _unit_counts(p)
    unit_label = np.where(sp.unit_region < 0, g - 1 if sp.has_unassigned else -1, sp.unit_region)

    def pad(v, c):  # make every region appear (NaN rows are dropped inside the helpers)
        return np.r_[v, np.full(g, np.nan)], np.r_[c, codes_all]

    def mean(key, values, codes, vs_rest=False, all_groups=True):
        if uc[key] is not None:
            return _region_ci(uc[key], unit_label, g, stats._mean_stat, kw, vs_rest, all_groups)
        if all_groups:
            return stats.mean_ci(*pad(values, codes()), vs_rest=vs_rest, **kw)
        return stats.mean_ci(values, codes(), vs_rest=vs_rest, **kw)

    csat = mean("csat", p.sv_csat, lambda: cust_region_l[p.sv_cust], vs_rest=True)
    npsr = _region_ci(uc["nps"], unit_label, g, stats._nps_stat, kw, vs_rest=True)
    comp = mean("complaint", p.int_complaint, lambda: cust_region_l[p.int_cust])
    qs = stats.quantile_ci(*pad(p.int_hours, cust_region_l[p.int_cust]), q=[0.5, 0.9], level=level, presorted=True)
    med, p90 = qs[0.5], qs[0.9]
    dorm = mean("dormant", p.dormant.astype(float), lambda: cust_region_l, all_groups=False).reindex(codes_all)

    def col(df, c):  # a metric without any answer has no estimate columns
        return df[c].reindex(codes_all).to_numpy() if c in df.columns else np.full(g, np.nan)

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
    if p.churned is not None:  # churn: share of the region's customers (with a known flag) who left
        ch = mean("churn", p.churned, lambda: cust_region_l, vs_rest=True)
        out["n_churn"] = col(ch, "n")
        out["churn_rate"], out["churn_low"], out["churn_high"] = col(ch, "estimate"), col(ch, "ci_low"), \
            col(ch, "ci_high")
        out["churn_diff"], out["churn_diff_low"], out["churn_diff_high"] = col(ch, "diff_vs_rest"), \
            col(ch, "diff_ci_low"), col(ch, "diff_ci_high")
        out["n_churn"] = out["n_churn"].fillna(0).astype(int)
    for c in ("n_csat", "n_nps", "n_interactions", "n_responses"):
        out[c] = out[c].fillna(0).astype(int)
    for metric, n in (("CSAT", "n_csat"), ("NPS", "n_nps")):
        if out[n].sum() == 0:  # (a Note: the report writes it in its language)
            warnings.append(Note("regions.warn.no_answers" if len(p.sv_cust) else "regions.warn.no_surveys",
                                 split=name, metric=metric, days=p.params["window_days"]))
    few = (out["n_csat"] < min_responses) & (out["n_csat"].sum() > 0)
    out["warning"] = np.where(few, "only " + out["n_csat"].astype(str) + f" CSAT answers (< {min_responses}): "
                              "interval is wide, do not compare", "")
    for r in out.loc[few, "region_id"]:
        warnings.append(Note("regions.warn.few_csat", split=name, region=r, n=min_responses))
    return out
