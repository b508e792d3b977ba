"""Evidence for a fitted tiering: bootstrap stability, tier profiles, migration between dates and
plain-words explanations per customer.

These functions take feature tables that already carry their analysis date (``X.attrs["as_of"]``
and ``X.attrs["lookback_days"]`` from :func:`segment_lib.features.customer_features`); they never
resolve a date themselves.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score

from ..errors import ModelInputError
from ..params import DEFAULT_LOOKBACK_DAYS
from ..fmt import money_series
from .. import i18n
from .inputs import _ids, _require, _sample_idx
from .model import TierModel
from .rfm import rfm_segments_fitted
from .rules import _rule_text, apply_threshold


def tier_stability(model: TierModel, X: pd.DataFrame, n_boot: int = 20, sample_size: int | None = 20000,
                   random_state: int = 0) -> pd.DataFrame:
    """Bootstrap stability of a fitted tiering (seeded).

    On a seeded sample of ``X`` (``sample_size`` rows), the model is refitted ``n_boot`` times on
    bootstrap resamples with the same number of tiers, and each refit's tiers are compared with
    the original fitted tiers: adjusted Rand index overall, and per tier the Jaccard overlap of
    "customers in tier t" before and after (tiers are value-ordered, so tier t matches tier t).

    Returns rows ``scope="overall"`` (tier NaN) and ``scope="tier"`` with columns scope, tier,
    tier_label, n_customers, ari_mean, ari_p05, jaccard_mean, jaccard_p05, n_boot.
    Values near 1 mean the tiers reproduce; below ~0.75 treat the tier as not reliable.
    """
    model._check_fitted()
    X = X.reset_index(drop=True)
    rs = np.random.RandomState(random_state)
    idx = _sample_idx(len(X), sample_size, rs)
    S = X.iloc[idx].reset_index(drop=True)
    base = model.predict(S)
    params = model.get_params()
    # tiers are compared by value rank, so names play no part; with "auto" k the labels list may not
    # match the chosen k (the model then uses generic names) and would make every refit fail
    params.update(labels=None)
    if model.method in ("kmeans", "gmm", "clv"):
        params.update(n_tiers=int(model.n_tiers_) if not getattr(model, "models_", None) else model.n_tiers)
    k = model.n_tiers_
    aris, jac = [], []
    for b in range(int(n_boot)):  # bootstrap refits
        bi = rs.randint(0, len(S), len(S))
        m = TierModel(**{**params, "random_state": random_state + b + 1})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                m.fit(S.iloc[bi])
                pred = m.predict(S)
            except ModelInputError:
                continue
        aris.append(adjusted_rand_score(base, pred))
        jac.append([_jaccard(base == t, pred == t) for t in range(k)])
    aris_a = np.asarray(aris) if aris else np.array([np.nan])
    jac_a = np.asarray(jac) if jac else np.full((1, k), np.nan)
    sizes = np.bincount(base, minlength=k)
    rows = [{"scope": "overall", "tier": np.nan, "tier_label": "all", "n_customers": len(S),
             "ari_mean": float(np.mean(aris_a)), "ari_p05": float(np.nanpercentile(aris_a, 5)),
             "jaccard_mean": np.nan, "jaccard_p05": np.nan, "n_boot": len(aris)}]
    for t in range(k):
        rows.append({"scope": "tier", "tier": t, "tier_label": model.tier_names_[t] if t < len(model.tier_names_) else str(t),
                     "n_customers": int(sizes[t]), "ari_mean": np.nan, "ari_p05": np.nan,
                     "jaccard_mean": float(np.nanmean(jac_a[:, t])),
                     "jaccard_p05": float(np.nanpercentile(jac_a[:, t], 5)), "n_boot": len(aris)})
    return pd.DataFrame(rows)


def _jaccard(a: np.ndarray, b: np.ndarray) -> float:
    u = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / u) if u else np.nan


def _tier_frame(tiers: Any, names: Sequence[str] | None = None) -> pd.DataFrame:
    """Normalise tiers given as TierModel, tiers_ DataFrame or Series customer_id -> label."""
    if isinstance(tiers, TierModel):
        tiers._check_fitted()
        return tiers.tiers_[["customer_id", "tier", "tier_label"]]
    if isinstance(tiers, pd.DataFrame):
        _require(tiers, ("customer_id", "tier_label"))
        t = tiers.copy()
        if "tier" not in t.columns:
            order = list(names) if names is not None else sorted(t["tier_label"].astype(str).unique())
            t["tier"] = pd.Series(t["tier_label"].astype(str)).map({n: i for i, n in enumerate(order)})
        return t[["customer_id", "tier", "tier_label"]]
    if isinstance(tiers, pd.Series):
        lab = tiers.astype(str)
        order = list(names) if names is not None else sorted(lab.unique())
        return pd.DataFrame({"customer_id": tiers.index.astype(str), "tier": lab.map({n: i for i, n in enumerate(order)}).to_numpy(),
                             "tier_label": lab.to_numpy()})
    raise ModelInputError("tiers must be a fitted TierModel, its tiers_ DataFrame or a Series customer_id -> label")


def tier_profile(X: pd.DataFrame, tiers: Any, surveys: pd.DataFrame | None = None,
                 dormant_days: int = 180) -> pd.DataFrame:
    """One row per tier: who they are and what they are worth.

    Columns: tier, tier_label, n_customers, customer_share, revenue (sum of net monetary_total in
    the window), revenue_share, recency_days (mean; never-bought excluded), frequency (mean),
    monetary_total (mean), monetary_avg (mean), dormancy_rate (share not buying for more than
    ``dormant_days`` days, never-bought included), one_time_share, new_share,
    complaints_per_customer, and when ``surveys`` (canonical surveys table) is given:
    csat_mean, nps_mean, n_surveys (answers up to the features' as_of date).
    """
    t = _tier_frame(tiers)
    df = X.reset_index(drop=True).copy()
    df["customer_id"] = _ids(df).to_numpy()
    df = df.merge(t, on="customer_id", how="inner")
    rec = pd.to_numeric(df["recency_days"], errors="coerce")
    df["_dormant"] = rec.isna() | (rec > dormant_days)
    g = df.groupby(["tier", "tier_label"], sort=True)
    out = g.agg(
        n_customers=("customer_id", "size"),
        revenue=("monetary_total", "sum"),
        recency_days=("recency_days", "mean"),
        frequency=("frequency", "mean"),
        monetary_total=("monetary_total", "mean"),
        monetary_avg=("monetary_avg", "mean"),
        dormancy_rate=("_dormant", "mean"),
    ).reset_index()
    for col, src in (("one_time_share", "is_one_time"), ("new_share", "is_new")):
        if src in df.columns:
            out[col] = g[src].mean().to_numpy()
    if "n_complaints" in df.columns:
        out["complaints_per_customer"] = g["n_complaints"].mean().to_numpy()
    out.insert(3, "customer_share", out["n_customers"] / out["n_customers"].sum())
    tot = out["revenue"].sum()
    out.insert(5, "revenue_share", out["revenue"] / tot if tot else np.nan)
    if surveys is not None and len(surveys) and "customer_id" in surveys.columns:
        s = surveys.copy()
        as_of = X.attrs.get("as_of")
        if as_of is not None and "date" in s.columns:
            s = s[pd.to_datetime(s["date"]) <= pd.Timestamp(as_of)]
        s["customer_id"] = s["customer_id"].astype("string")
        s = s.merge(t[["customer_id", "tier"]], on="customer_id", how="inner")
        agg = {"n_surveys": ("customer_id", "size")}
        if "csat" in s.columns:
            agg["csat_mean"] = ("csat", "mean")
        if "nps" in s.columns:
            agg["nps_mean"] = ("nps", "mean")
        sv = s.groupby("tier").agg(**agg)
        out = out.merge(sv, left_on="tier", right_index=True, how="left")
    return out.sort_values("tier").reset_index(drop=True)


@dataclass
class Migration:
    """Tier migration between two dates.

    counts: from-label x to-label matrix of customer counts (incl. "(new)" row / "(gone)" column)
    shares: the same, as shares of each from-row
    moves: one row per customer: customer_id, tier_from, tier_to, label_from, label_to,
           direction in {"up", "down", "same", "new", "gone"}
    summary: one row per direction with n_customers and share
    """

    counts: pd.DataFrame
    shares: pd.DataFrame
    moves: pd.DataFrame
    summary: pd.DataFrame

    @property
    def upgrades(self) -> pd.DataFrame:
        return self.moves[self.moves["direction"] == "up"]

    @property
    def downgrades(self) -> pd.DataFrame:
        return self.moves[self.moves["direction"] == "down"]


def tier_migration(tiers_a: Any, tiers_b: Any, names: Sequence[str] | None = None) -> Migration:
    """Transition matrix and move list from tiering ``a`` (earlier) to ``b`` (later).

    Both are fitted TierModels, their ``tiers_`` DataFrames, or Series customer_id -> label
    (then ``names`` gives the label order, best first).  "up" means a better (smaller) tier
    index in ``b``; compare tierings with the same number of tiers and labels.

    To see who moved between two dates, do not fit two models (their tier definitions
    differ, so most customers seem to move): use :func:`tier_migration_between`, which
    predicts both dates with one fitted model.
    """
    a = _tier_frame(tiers_a, names)
    b = _tier_frame(tiers_b, names)
    m = a.merge(b, on="customer_id", how="outer", suffixes=("_from", "_to"))
    m = m.rename(columns={"tier_label_from": "label_from", "tier_label_to": "label_to"})
    fa = m["tier_from"].isna()
    fb = m["tier_to"].isna()
    d = np.where(fa, "new", np.where(fb, "gone", np.where(
        m["tier_to"].fillna(0) < m["tier_from"].fillna(0), "up",
        np.where(m["tier_to"].fillna(0) > m["tier_from"].fillna(0), "down", "same"))))
    m["direction"] = d
    m["label_from"] = m["label_from"].astype("string").fillna("(new)")
    m["label_to"] = m["label_to"].astype("string").fillna("(gone)")
    if names is None:
        la = a.drop_duplicates("tier").sort_values("tier")["tier_label"].astype(str).tolist()
        lb = b.drop_duplicates("tier").sort_values("tier")["tier_label"].astype(str).tolist()
        names = list(dict.fromkeys(la + lb))
    rows = list(names) + (["(new)"] if fa.any() else [])
    cols = list(names) + (["(gone)"] if fb.any() else [])
    counts = pd.crosstab(m["label_from"], m["label_to"]).reindex(index=rows, columns=cols, fill_value=0)
    counts.index.name, counts.columns.name = "from", "to"
    shares = counts.div(counts.sum(axis=1).replace(0, np.nan), axis=0)
    summ = m["direction"].value_counts().reindex(["up", "down", "same", "new", "gone"], fill_value=0)
    summary = pd.DataFrame({"direction": summ.index, "n_customers": summ.to_numpy()})
    summary["share"] = summary["n_customers"] / max(len(m), 1)
    moves = m[["customer_id", "tier_from", "tier_to", "label_from", "label_to", "direction"]]
    moves = moves.sort_values(["direction", "customer_id"]).reset_index(drop=True)
    return Migration(counts=counts, shares=shares, moves=moves, summary=summary)


def tier_migration_between(model: TierModel, features_before: pd.DataFrame,
                           features_after: pd.DataFrame | None = None) -> Migration:
    """Tier moves between two dates judged with **one** fitted model (like with like).

    ``model`` is fitted at the later date (``as_of``); the earlier date's feature table
    (``customer_features(ds, as_of=earlier)``) is *predicted* with that same model, so both
    dates use the same tier definitions: the same scaler and cluster centres (kmeans / gmm),
    the same R/F/M cut points (rfm), the same revenue cut-offs (abc), the same rules
    (threshold).  A move therefore means the customer's own behaviour changed, not that the
    tiers were drawn differently.  (Refitting a second model at the earlier date and comparing
    the two, :func:`tier_migration` on two models, mixes both effects: on the 20,000-customer
    demo it reported 14,399 downgrades, this reports ~2%.)

    ``features_after``: the later feature table; None uses the model's own fitted tiers.
    Customers only in the later table are "new", only in the earlier one "gone".
    Returns a :class:`Migration` (counts, shares, moves, summary) with the model's tier names.
    """
    model._check_fitted()
    names = list(model.tier_names_)
    lab = np.asarray(names, dtype=object)

    def frame(X: pd.DataFrame) -> pd.DataFrame:
        X = X.reset_index(drop=True)
        t = model.predict(X)
        return pd.DataFrame({"customer_id": _ids(X).astype("string").to_numpy(), "tier": t,
                             "tier_label": lab[t]})

    before = frame(features_before)
    after = model.tiers_[["customer_id", "tier", "tier_label"]] if features_after is None else frame(features_after)
    return tier_migration(before, after, names=names)


def first_to_call(migration: Migration, features_before: pd.DataFrame) -> pd.DataFrame:
    """Downgraded customers ranked by revenue at risk: whom to call first.

    Revenue at risk is what the customer spent in the lookback window before the earlier date
    (``monetary_total`` of ``features_before``), the business that goes if the decline goes on.
    Order: customers who left the best tiers first (``tier_from`` ascending), then revenue at risk
    (highest first), then the customer id.  Returns customer_id, tier_from, tier_to, label_from,
    label_to, revenue_at_risk.
    """
    d = migration.downgrades[["customer_id", "tier_from", "tier_to", "label_from", "label_to"]].copy()
    before = features_before.reset_index(drop=True)
    spend = pd.Series(pd.to_numeric(before.get("monetary_total"), errors="coerce").to_numpy(dtype=float),
                      index=_ids(before).astype(str).to_numpy())
    d["revenue_at_risk"] = spend.reindex(d["customer_id"].astype(str).to_numpy()).fillna(0.0).clip(lower=0).to_numpy()
    d = d.sort_values(["tier_from", "revenue_at_risk", "customer_id"], ascending=[True, False, True])
    return d.reset_index(drop=True)


def _fmt_num(v: pd.Series | np.ndarray, nd: int = 0) -> pd.Series:
    s = pd.Series(np.asarray(v, dtype=float)).round(nd)
    return (s.astype("Int64").astype(str) if nd == 0 else s.astype(str)).astype("string")


def explain_tiers(model: TierModel, X: pd.DataFrame, customer_ids: Sequence[str] | None = None,
                  currency: str | None = None, lang: str | None = None) -> pd.DataFrame:
    """Plain-words reason for each customer's tier.

    * clustering: the customer's frequency, spend and recency next to the typical (median) values
      of the next better tier (of the next lower tier for the best tier), plus the distances to
      the own and that tier's centre in the model space (``margin`` > 0: clearly closer to own);
    * rfm: the R/F/M scores and the segment rule met;
    * abc: the cumulative revenue share the customer falls in;
    * threshold: the rule met (and the rule set used, e.g. the industry's);
    * clv: expected purchases and value over the horizon, the tier's lower value bound and the
      probability the customer is still buying (the chance of a first purchase if none yet).

    Money is written with :func:`segment_lib.fmt.money_text` (¥23.9k, ¥402.1M), as in the tables; the
    sentences are in ``lang`` (default: the run's language, :func:`segment_lib.i18n.language`).
    Returns customer_id, tier, tier_label, compared_with, margin, explanation.
    """
    model._check_fitted()
    X = X.reset_index(drop=True)
    ids = _ids(X)
    if customer_ids is not None:
        keep = ids.isin(pd.Index(customer_ids).astype(str)).to_numpy()
        X = X.loc[keep].reset_index(drop=True)
        ids = ids[keep].reset_index(drop=True)
    if len(X) == 0:  # nobody to explain (e.g. no one moved down a tier)
        return pd.DataFrame({"customer_id": pd.Series(dtype="string"), "tier": pd.Series(dtype="int64"),
                             "tier_label": pd.Series(dtype="string"), "compared_with": pd.Series(dtype="string"),
                             "margin": pd.Series(dtype=float), "explanation": pd.Series(dtype="string")})
    t = model.predict(X)
    names = np.asarray(model.tier_names_, dtype=object)
    k = len(names)
    lab = pd.Series(names[t], dtype="string")
    L = int(X.attrs.get("lookback_days", DEFAULT_LOOKBACK_DAYS))
    out = pd.DataFrame({"customer_id": ids.to_numpy(), "tier": t, "tier_label": lab.to_numpy()})
    out["compared_with"] = pd.Series(pd.NA, index=out.index, dtype="string")
    out["margin"] = np.nan
    method = model.method
    if method in ("kmeans", "gmm") and not getattr(model, "models_", None):
        other = np.where(t > 0, t - 1, np.minimum(t + 1, k - 1))
        c = model.centers_.set_index("tier")
        freq = pd.to_numeric(X.get("frequency"), errors="coerce").fillna(0)
        mon = pd.to_numeric(X.get("monetary_total"), errors="coerce").fillna(0)
        rec = pd.to_numeric(X.get("recency_days"), errors="coerce")
        o_f = c["frequency"].reindex(other).to_numpy() if "frequency" in c else np.full(len(t), np.nan)
        o_m = c["monetary_total"].reindex(other).to_numpy() if "monetary_total" in c else np.full(len(t), np.nan)
        o_r = c["recency_days"].reindex(other).to_numpy() if "recency_days" in c else np.full(len(t), np.nan)
        on = pd.Series(names[other], dtype="string")
        rec_txt = i18n.t_rows("tiering.reason.last_bought", lang, n=_fmt_num(rec.fillna(-1))).where(
            rec.notna().to_numpy(), i18n.t("tiering.reason.never_bought", lang))
        txt = i18n.t_rows("tiering.reason.cluster", lang, tier=lab, freq=_fmt_num(freq), days=L, other=on,
                          other_freq=_fmt_num(o_f), money=money_series(mon, currency, lang),
                          other_money=money_series(o_m, currency, lang), recency=rec_txt,
                          other_recency=_fmt_num(pd.Series(o_r).fillna(-1)))
        # distances in model space to own vs compared tier centre
        Z = model._scaled(X)
        cent = _tier_centres_z(model, k)
        d_own = np.linalg.norm(Z - cent[t], axis=1)
        d_oth = np.linalg.norm(Z - cent[other], axis=1)
        out["compared_with"] = on.to_numpy()
        out["margin"] = d_oth - d_own
        out["explanation"] = txt.to_numpy()
    elif method == "rfm":
        seg = rfm_segments_fitted(X, model.rfm_sorted_, model.rfm_bins, model.rfm_segments, ids=ids)
        tab = model.segment_table_.set_index("segment")
        rule = ("R " + tab["r_min"].astype(str) + "–" + tab["r_max"].astype(str) + ", FM "
                + tab["fm_min"].astype(str) + "–" + tab["fm_max"].astype(str))
        seg_rule = seg["segment"].map(rule).fillna(i18n.t("tiering.reason.no_rule", lang)).astype("string")
        out["explanation"] = i18n.t_rows("tiering.reason.rfm", lang, tier=lab, segment=seg["segment"],
                                    r=seg["r_score"].astype(str), f=seg["f_score"].astype(str),
                                    m=seg["m_score"].astype(str), rule=seg_rule).to_numpy()
    elif method == "abc":
        v = pd.to_numeric(X["monetary_total"], errors="coerce").fillna(0)
        fitted = model.tiers_.set_index("customer_id")["revenue_share_before"]
        share = pd.Series(fitted.reindex(ids.to_numpy()).to_numpy())
        cut = list(model.abc_cutoffs)
        bounds = [0.0] + cut + [1.0]
        band = pd.Series([f"{bounds[i] * 100:.0f}–{bounds[i + 1] * 100:.0f}%" for i in t], dtype="string")
        out["explanation"] = i18n.t_rows("tiering.reason.abc", lang, tier=lab, money=money_series(v, currency, lang),
                                         days=L, share=_fmt_num(share * 100, 1), band=band).to_numpy()
        none = v.to_numpy() <= 0
        out.loc[none, "explanation"] = i18n.t_rows("tiering.reason.abc_none", lang, tier=lab[none],
                                                   days=L).to_numpy()
    elif method == "clv" and not getattr(model, "models_", None):
        out["explanation"] = _clv_text(model, X, t, lab, currency, lang)
    elif method == "threshold":
        _, met, rule_set = apply_threshold(X, model.rules_, model.group_by)
        texts = {}
        for key, rules in model.rules_.items():
            for i, r in enumerate(rules):
                texts[(key, i)] = _rule_text(r, lang)
        rt = pd.Series([texts.get((rs_, ti), "") for rs_, ti in zip(rule_set, t)], dtype="string")
        out["explanation"] = i18n.t_rows("tiering.reason.threshold", lang, tier=lab, rule=rt,
                                    rule_set=pd.Series(rule_set, dtype="string")).to_numpy()
    else:  # grouped clustering: explain within each group's model
        parts = []
        g = X[model.group_by].astype("string").fillna("(missing)")
        for key, sub in model.models_.items():
            idx = np.flatnonzero((g == key).to_numpy())
            if len(idx):
                e = explain_tiers(sub, X.iloc[idx], currency=currency, lang=lang)
                e["explanation"] = e["explanation"] + i18n.t("tiering.reason.within", lang, group=model.group_by,
                                                             key=key)
                e.index = idx
                parts.append(e)
        return pd.concat(parts).sort_index().reset_index(drop=True)
    return out


def _clv_text(model: TierModel, X: pd.DataFrame, tier: np.ndarray, lab: pd.Series, currency: str | None,
              lang: str | None = None) -> np.ndarray:
    """Plain-words CLV explanation per row (see :func:`explain_tiers`)."""
    p = model.clv_.predict(X)
    low = np.asarray(model.clv_min_value_, dtype=float)[tier]
    bound = i18n.t_rows("tiering.reason.clv_bound", lang, tier=lab, money=money_series(low, currency, lang)).where(
        tier < len(model.tier_names_) - 1, "")
    alive = p["probability_alive"]
    chance = i18n.t_rows("tiering.reason.clv_alive", lang, p=_fmt_num(alive * 100)).where(
        alive.notna().to_numpy(), i18n.t("tiering.reason.clv_none", lang))
    txt = i18n.t_rows("tiering.reason.clv", lang, tier=lab, n=_fmt_num(p["expected_purchases"], 1),
                 money=money_series(p["predicted_clv"], currency, lang), months=f"{model.clv_horizon_months:g}",
                 bound=bound, chance=chance)
    return txt.to_numpy()


def _tier_centres_z(model: TierModel, k: int) -> np.ndarray:
    est = model.estimator_
    raw = est.cluster_centers_ if hasattr(est, "cluster_centers_") else est.means_
    cent = np.empty_like(raw)
    cent[model.cluster_to_tier_] = raw
    return cent[:k]
