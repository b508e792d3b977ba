"""The estimator: :class:`TierModel` (scikit-learn contract; tier 0 = best)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.cluster import KMeans
from sklearn.preprocessing import RobustScaler, StandardScaler

from .._memory import release
from ..errors import ModelInputError, NothingToTierError
from ..params import DEFAULT_CLV_HORIZON_MONTHS, DEFAULT_DISCOUNT_RATE
from .clv import CLVModel
from .inputs import _align_y, _feature_values, _ids, _is_id_indexed, _require, _sample_idx, check_counts
from .labels import DEFAULT_FEATURES, METHODS, method_tier_names
from .rfm import fit_rfm, rfm_segments_fitted
from .rules import _normalise_rules, apply_threshold, fit_abc, predict_abc, rule_features
from .selection import MIN_SILHOUETTE, fit_threads, make_estimator, order_clusters, score_ks, select_k

__all__ = ["TierModel", "_align_y", "_is_id_indexed"]

_CLUSTER_METHODS = ("kmeans", "gmm")
#: per-customer predictions of method "clv", kept in ``tiers_`` and ``centers_``
CLV_COLUMNS = ("predicted_clv", "expected_purchases", "probability_alive")


class TierModel(BaseEstimator):
    """Tier customers from the feature table (scikit-learn style; tier 0 = best).

    Parameters
    ----------
    method: "kmeans", "gmm", "rfm", "abc", "threshold" or "clv".
    n_tiers: "auto" (kmeans / gmm / clv: chosen by :func:`select_k` over ``k_range``) or an int.
        For "rfm" the tiers come from the segment table, for "abc" from ``abc_cutoffs``,
        for "threshold" from the rules.
    k_range: (min_k, max_k) inclusive, for ``n_tiers="auto"``.
    labels: tier names, best first (list), ``"zh"`` for Chinese names, or None for defaults
        (4 tiers: VIP / Key / Regular / Dormant; 3: A / B / C).  When ``auto`` picks a k that
        does not match ``len(labels)``, generic names are used and a note goes to ``warnings_``.
    features: feature columns for clustering (default recency_days, frequency, monetary_total).
    group_by: a column of the feature table (e.g. "industry", or a region column the caller
        joined on); tiers are then fitted separately within each group.
    random_state: seed for every random step (samples, k-means++, GMM init, bootstraps).
    silhouette_sample: rows for the silhouette score (seeded sample).
    selection_sample: rows on which each candidate k is fitted and scored (seeded sample;
        the final model is fitted on all rows).
    n_stability: bootstrap refits per candidate k for the stability criterion (0 = skip).
    stability_sample: rows (seeded sample of the selection sample) on which the bootstrap refits
        run and are compared (None = the whole selection sample).
    min_stability: stability threshold in the k rule.
    scaler: "robust" (median / IQR) or "standard".
    log_transform: apply log1p to count / money / day features.
    recency_cap_days: recency cap (and fill for never-bought customers); default 730.
    n_init: k-means / GMM restarts.
    rfm_bins, rfm_ties, rfm_segments: see :func:`rfm_scores` and :func:`rfm_segments`.
    abc_cutoffs: cumulative revenue shares closing A, B, ... (default (0.8, 0.95)).
    thresholds: rules for method="threshold"; list ``[{"label", "min": {...}, "max": {...}}]``
        (best first, last = fallback) or ``{group value: rules, "default": rules}`` with group_by.
    clv_horizon_months, discount_rate: method="clv": customers are tiered by their predicted value
        (:class:`~segment_lib.tiering.clv.CLVModel`, BG/NBD + Gamma–Gamma fitted on the purchase
        summary columns of ``X``, see :func:`segment_lib.features.add_purchase_summary`) over the
        next ``clv_horizon_months``, discounted at ``discount_rate`` a year; the cut points between
        tiers come from k-means on log(1 + predicted value), k chosen like for "kmeans" (with a
        list of ``labels``, at most that many tiers).
    fit_sample_size: kmeans / gmm only: when set and the table has more rows, the model is fitted
        on a seeded sample of that many rows (``np.random.RandomState(random_state).choice``,
        sorted; a positional ``y`` is subset alongside, a ``y`` indexed by customer_id is aligned)
        and ``labels_`` / ``tiers_`` are then predicted for every row (``fit_sample_size_`` = the
        rows fitted on; None when the model was fitted on all rows).  ``centers_`` and ``k_scores_``
        describe the sample.  rfm / abc / threshold always fit on all rows.

    Fitted attributes
    -----------------
    tiers_ (DataFrame: customer_id, tier, tier_label, [group], method-specific columns),
    labels_ (ndarray of tier ints), n_tiers_, tier_names_, k_scores_ (DataFrame, auto only),
    k_reason_, centers_ (typical original feature values per tier), scaler_, estimator_,
    feature_names_in_, models_ (per group), warnings_, fit_sample_size_ (sample rows or None).
    """

    def __init__(
        self,
        method: str = "kmeans",
        n_tiers: int | str = "auto",
        k_range: tuple[int, int] = (2, 8),
        labels: Any = None,
        features: Sequence[str] = DEFAULT_FEATURES,
        group_by: str | None = None,
        random_state: int = 0,
        silhouette_sample: int = 5000,
        selection_sample: int = 50000,
        n_stability: int = 5,
        stability_sample: int | None = 20000,
        min_stability: float = 0.8,
        min_tier_share: float = 0.01,
        min_value_ratio: float = 2.0,
        scaler: str = "standard",
        log_transform: bool = True,
        recency_cap_days: float = 730.0,
        n_init: int = 4,
        rfm_bins: int = 5,
        rfm_ties: str = "min",
        rfm_segments: Any = None,
        abc_cutoffs: Sequence[float] = (0.8, 0.95),
        thresholds: Any = None,
        fit_sample_size: int | None = None,
        clv_horizon_months: float = DEFAULT_CLV_HORIZON_MONTHS,
        discount_rate: float = DEFAULT_DISCOUNT_RATE,
    ) -> None:
        self.method = method
        self.n_tiers = n_tiers
        self.k_range = k_range
        self.labels = labels
        self.features = features
        self.group_by = group_by
        self.random_state = random_state
        self.silhouette_sample = silhouette_sample
        self.selection_sample = selection_sample
        self.n_stability = n_stability
        self.stability_sample = stability_sample
        self.min_stability = min_stability
        self.min_tier_share = min_tier_share
        self.min_value_ratio = min_value_ratio
        self.scaler = scaler
        self.log_transform = log_transform
        self.recency_cap_days = recency_cap_days
        self.n_init = n_init
        self.rfm_bins = rfm_bins
        self.rfm_ties = rfm_ties
        self.rfm_segments = rfm_segments
        self.abc_cutoffs = abc_cutoffs
        self.thresholds = thresholds
        self.fit_sample_size = fit_sample_size
        self.clv_horizon_months = clv_horizon_months
        self.discount_rate = discount_rate

    # -- public API ------------------------------------------------------------------------
    def fit(self, X: pd.DataFrame, y: pd.Series | np.ndarray | None = None) -> TierModel:
        """Fit on the feature table; ``y`` (optional) = next-period revenue per row or per customer_id."""
        if self.method not in METHODS:
            raise ModelInputError(f"method must be one of {METHODS}, got {self.method!r}")
        if not isinstance(X, pd.DataFrame):
            raise ModelInputError("TierModel.fit expects the feature DataFrame from customer_features")
        if len(X) == 0:
            raise NothingToTierError("no customers to tier (the feature table is empty)")
        check_counts(X)
        X = X.reset_index(drop=True)
        self.warnings_: list[str] = []
        size = self._sample_size()
        if size is not None and self.method in _CLUSTER_METHODS and len(X) > size:
            self._fit_sample(X, y, size)
        else:
            self.fit_sample_size_ = None
            self._fit_all(X, y)
        release()  # the fits' temporaries (see segment_lib._memory)
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Tier index (0 = best) for each row of a feature table, using the fitted model."""
        self._check_fitted()
        X = X.reset_index(drop=True)
        if len(X) == 0:  # e.g. nobody moved down a tier: nothing to predict
            return np.zeros(0, dtype=np.int64)
        if getattr(self, "models_", None):
            _require(X, (self.group_by,))
            g = X[self.group_by].astype("string").fillna("(missing)")
            out = np.full(len(X), -1, dtype=np.int64)
            unknown = sorted(set(g.unique()) - set(self.models_))
            if unknown:
                raise ModelInputError(
                    f"group(s) {unknown[:5]} of '{self.group_by}' were not seen in fit; refit including them"
                )
            for key, m in self.models_.items():  # loop over groups, not customers
                idx = np.flatnonzero((g == key).to_numpy())
                if len(idx):
                    out[idx] = m.predict(X.iloc[idx])
            return out
        return self._predict_one(X)

    def fit_predict(self, X: pd.DataFrame, y: Any = None) -> np.ndarray:
        """Fit, then return ``labels_``."""
        return self.fit(X, y).labels_

    def predict_labels(self, X: pd.DataFrame) -> pd.Series:
        """Tier names for the rows of ``X`` (Series indexed by customer_id)."""
        t = self.predict(X)
        names = np.asarray(self.tier_names_, dtype=object)
        return pd.Series(names[t], index=pd.Index(_ids(X), name="customer_id"), name="tier_label")

    # -- internals -------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "labels_"):
            raise ModelInputError("this TierModel is not fitted yet; call fit() first")

    def _sample_size(self) -> int | None:
        if self.fit_sample_size is None:
            return None
        try:
            size = int(self.fit_sample_size)
        except (TypeError, ValueError):
            raise ModelInputError(
                f"fit_sample_size must be None or a positive integer, got {self.fit_sample_size!r}") from None
        if size < 1:
            raise ModelInputError(f"fit_sample_size must be None or a positive integer, got {size}")
        return size

    def _fit_all(self, X: pd.DataFrame, y: Any) -> None:
        if self.group_by is not None and self.method != "threshold":
            self._fit_groups(X, y)
        else:
            self._fit_one(X, y)

    def _fit_sample(self, X: pd.DataFrame, y: Any, size: int) -> TierModel:
        """Fit on a seeded sample of ``size`` rows, then predict ``labels_`` / ``tiers_`` for all rows."""
        pick = np.sort(np.random.RandomState(self.random_state).choice(len(X), size=size, replace=False))
        yy = y  # a Series indexed by customer_id is aligned by customer; a positional y is subset
        if y is not None and not (isinstance(y, pd.Series) and _is_id_indexed(y)):
            yy = _align_y(y, X)[pick]
        self._fit_all(X.iloc[pick].reset_index(drop=True), yy)
        self.fit_sample_size_ = len(pick)
        self.labels_ = self.predict(X)
        t = pd.DataFrame({"customer_id": _ids(X).to_numpy(), "tier": self.labels_})
        t["customer_id"] = t["customer_id"].astype("string")
        t["tier_label"] = pd.array(np.asarray(self.tier_names_, dtype=object)[self.labels_], dtype="string")
        if self.group_by is not None and self.group_by in X.columns:
            t[self.group_by] = X[self.group_by].astype("string").fillna("(missing)").to_numpy()
        self.tiers_ = t
        return self

    def _fit_groups(self, X: pd.DataFrame, y: Any) -> None:
        _require(X, (self.group_by,))
        g = X[self.group_by].astype("string").fillna("(missing)")
        self.models_ = {}
        parts, scores, centers = [], [], []
        labels = np.full(len(X), -1, dtype=np.int64)
        for key in sorted(g.unique()):  # loop over groups
            idx = np.flatnonzero((g == key).to_numpy())
            sub = clone(self).set_params(group_by=None, fit_sample_size=None)
            yy = None
            if y is not None:
                yy = y.iloc[idx] if isinstance(y, pd.Series) and not _is_id_indexed(y) else y
                if isinstance(yy, np.ndarray):
                    yy = yy[idx]
            try:
                sub.fit(X.iloc[idx], yy)
            except ModelInputError as e:
                raise ModelInputError(f"group {self.group_by}={key!r}: {e}") from e
            self.models_[key] = sub
            labels[idx] = sub.labels_
            parts.append(sub.tiers_.assign(**{self.group_by: key}))
            if getattr(sub, "k_scores_", None) is not None:
                scores.append(sub.k_scores_.assign(**{self.group_by: key}))
            centers.append(sub.centers_.assign(**{self.group_by: key}))
            self.warnings_ += [f"{key}: {w}" for w in sub.warnings_]
        ks = {m.n_tiers_ for m in self.models_.values()}
        self.n_tiers_ = max(ks)
        names = {tuple(m.tier_names_) for m in self.models_.values()}
        self.tier_names_ = list(max(names, key=len))
        if len(ks) > 1:
            self.warnings_.append(f"groups have different numbers of tiers: {sorted(ks)}")
        order = np.argsort(np.concatenate([np.flatnonzero((g == k).to_numpy()) for k in sorted(g.unique())]))
        self.tiers_ = pd.concat(parts, ignore_index=True).iloc[order].reset_index(drop=True)
        self.labels_ = labels
        self.k_scores_ = pd.concat(scores, ignore_index=True) if scores else None
        self.centers_ = pd.concat(centers, ignore_index=True)
        self.k_reason_ = "; ".join(f"{k}: {m.k_reason_}" for k, m in self.models_.items())
        self.feature_names_in_ = np.asarray(self.features, dtype=object)

    def _fit_one(self, X: pd.DataFrame, y: Any) -> None:
        self.models_ = {}
        self.k_scores_ = None
        self.k_reason_ = ""
        self.scaler_ = None
        self.estimator_ = None
        method = self.method
        extra: dict[str, Any] = {}
        rule_labels = None
        if method in _CLUSTER_METHODS:
            _require(X, tuple(self.features))
            self.feature_names_in_ = np.asarray(self.features, dtype=object)
            tier = self._fit_cluster(X, y)
        elif method == "rfm":
            self.feature_names_in_ = np.asarray(DEFAULT_FEATURES, dtype=object)
            r = fit_rfm(X, self.rfm_bins, self.rfm_ties, self.rfm_segments)
            self.rfm_sorted_, self.segment_table_, self.n_tiers_ = r["sorted_keys"], r["segment_table"], r["n_tiers"]
            tier, extra = r["tier"], r["extra"]
        elif method == "clv":
            V = self._fit_clv(X)
            self.feature_names_in_ = np.asarray(self._clv_inputs(), dtype=object)
            tier = self._fit_cluster(V, y)
            extra = {c: V[c].to_numpy() for c in CLV_COLUMNS}
            self.clv_min_value_ = [float(V["predicted_clv"][tier == t].min()) if (tier == t).any() else np.nan
                                   for t in range(self.n_tiers_)]
        elif method == "abc":
            self.feature_names_in_ = np.asarray(["monetary_total"], dtype=object)
            a = fit_abc(X, self.abc_cutoffs)
            tier, self.n_tiers_, self.abc_min_value_ = a["tier"], a["n_tiers"], a["min_value"]
            extra["revenue_share_before"] = a["share"]
        else:  # threshold
            self.rules_ = _normalise_rules(self.thresholds)
            rule_labels = [str(r.get("label")) for r in next(iter(self.rules_.values()))]
            self.n_tiers_ = len(rule_labels)
            tier, _, rule_set = apply_threshold(X, self.rules_, self.group_by)
            self.feature_names_in_ = np.asarray(rule_features(self.rules_), dtype=object)
            extra["rule_set"] = rule_set
        names, warning = method_tier_names(method, self.n_tiers_, self.labels, self.n_tiers == "auto", rule_labels)
        if warning:
            self.warnings_.append(warning)
        self.tier_names_ = names
        self.labels_ = np.asarray(tier, dtype=np.int64)
        t = pd.DataFrame({"customer_id": _ids(X).to_numpy(), "tier": self.labels_})
        t["customer_id"] = t["customer_id"].astype("string")
        t["tier_label"] = pd.array(np.asarray(names, dtype=object)[self.labels_], dtype="string")
        for c, v in extra.items():
            t[c] = v
        self.tiers_ = t
        self.centers_ = self._centers(X.assign(**extra) if method == "clv" else X, self.labels_)

    def _cluster_features(self) -> Sequence[str]:
        return ("predicted_clv",) if self.method == "clv" else self.features

    def _matrix(self, X: pd.DataFrame) -> np.ndarray:
        return _feature_values(X, self._cluster_features(), float(self.recency_cap_days), self.log_transform)

    @staticmethod
    def _clv_inputs() -> tuple[str, ...]:
        from ..features import SUMMARY_COLUMNS

        return SUMMARY_COLUMNS

    def _fit_clv(self, X: pd.DataFrame) -> pd.DataFrame:
        """Fit the CLV model (``clv_``) on the purchase summary of ``X``; its predictions per row."""
        self.clv_ = CLVModel(self.clv_horizon_months, self.discount_rate, random_state=self.random_state)
        self.clv_.fit(X)
        self.warnings_ += self.clv_.warnings_
        return self.clv_.predict(X)

    def _scaled(self, X: pd.DataFrame) -> np.ndarray:
        return self.scaler_.transform(self._matrix(X))

    def _fit_cluster(self, X: pd.DataFrame, y: Any) -> np.ndarray:
        A = self._matrix(X)
        if not np.isfinite(A).all():
            raise ModelInputError("features contain infinite values")
        if self.scaler not in ("robust", "standard"):
            raise ModelInputError(f"scaler must be 'robust' or 'standard', got {self.scaler!r}")
        scaler = RobustScaler() if self.scaler == "robust" else StandardScaler()
        Z = scaler.fit_transform(A)
        self.scaler_ = scaler
        n_distinct = _n_distinct_rows(Z)
        if n_distinct < 2:
            raise NothingToTierError(
                f"all {len(X)} customers have identical features {list(self._cluster_features())} "
                "(no transactions in the window?) -- there is nothing to split into tiers; "
                "check the as_of date / look-back window or use method='threshold'"
            )
        fitted: dict[int, Any] = {}
        if self.n_tiers == "auto":
            k = self._auto_k(Z, X, y, n_distinct, fitted)
        else:
            k = self._fixed_k(n_distinct)
        est = fitted.get(k)
        if est is not None and fitted.get("_all_rows"):
            with fit_threads(len(Z)):
                raw = est.predict(Z)  # the selection fit of this k used every row: the very same model
        else:
            if est is not None and self.method == "kmeans":
                # warm start from the selection sample's centres: one restart instead of n_init
                est = KMeans(n_clusters=k, init=est.cluster_centers_, n_init=1, random_state=self.random_state)
            else:
                est = make_estimator(self.method, k, self.random_state, self.n_init)
            with warnings.catch_warnings(), fit_threads(len(Z)):
                warnings.simplefilter("ignore")
                raw = est.fit(Z).predict(Z) if self.method == "gmm" else est.fit_predict(Z)
        self.estimator_ = est
        self.n_tiers_ = k
        self.cluster_to_tier_ = order_clusters(X, raw, k, float(self.recency_cap_days), self._scaled)
        return self.cluster_to_tier_[raw]

    def _auto_k(self, Z: np.ndarray, X: pd.DataFrame, y: Any, n_distinct: int,
                fitted: dict | None = None) -> int:
        """k chosen by :func:`select_k` from ``k_scores_`` on a seeded selection sample."""
        lo, hi = (int(v) for v in self.k_range)
        if lo < 2 or hi < lo:
            raise ModelInputError(f"k_range must be (min_k >= 2, max_k >= min_k), got {self.k_range}")
        hi = min(hi, n_distinct - 1 if n_distinct > 2 else 2, len(X) - 1)
        if self.method == "clv" and isinstance(self.labels, (list, tuple)) and len(self.labels) >= lo:
            # one value dimension can be cut ever finer and stay "admissible": with configured tier
            # names the names set the finest split, so every tier keeps a configured name
            capped = len(self.labels) < hi
            hi = min(hi, len(self.labels))
        else:
            capped = False
        if hi < lo:
            raise NothingToTierError(f"only {n_distinct} distinct customers: cannot choose k in {tuple(self.k_range)}")
        sel = _sample_idx(len(X), self.selection_sample, np.random.RandomState(self.random_state))
        yy = _align_y(y, X) if y is not None else None
        with fit_threads(len(sel)):
            self.k_scores_ = score_ks(
                Z[sel], X.iloc[sel], range(lo, hi + 1), None if yy is None else yy[sel], method=self.method,
                scaled=self._scaled, random_state=self.random_state, n_init=self.n_init,
                silhouette_sample=self.silhouette_sample, stability_sample=self.stability_sample,
                n_stability=self.n_stability, recency_cap=float(self.recency_cap_days),
                reject={"min_tier_share": self.min_tier_share, "min_value_ratio": self.min_value_ratio,
                        "min_silhouette": MIN_SILHOUETTE}, fitted=fitted)
        if fitted is not None:
            fitted["_all_rows"] = len(sel) == len(X)
        k, self.k_reason_ = select_k(self.k_scores_, self.min_stability, self.min_tier_share, self.min_value_ratio,
                                     MIN_SILHOUETTE)
        if capped:
            self.k_reason_ += f" (candidates up to {hi}: the number of configured tier names)"
        return k

    def _fixed_k(self, n_distinct: int) -> int:
        try:
            k = int(self.n_tiers)
        except (TypeError, ValueError):
            raise ModelInputError(f"n_tiers must be 'auto' or an integer, got {self.n_tiers!r}") from None
        if k < 1:
            raise ModelInputError(f"n_tiers must be >= 1, got {k}")
        if k > n_distinct:
            raise NothingToTierError(
                f"n_tiers={k} but only {n_distinct} customers have distinct features; use n_tiers <= {n_distinct}"
            )
        self.k_reason_ = f"k={k} fixed by n_tiers"
        return k

    def _predict_one(self, X: pd.DataFrame) -> np.ndarray:
        m = self.method
        if m in _CLUSTER_METHODS:
            _require(X, tuple(self.features))
            return self.cluster_to_tier_[self.estimator_.predict(self._scaled(X))]
        if m == "clv":
            return self.cluster_to_tier_[self.estimator_.predict(self._scaled(self.clv_.predict(X)))]
        if m == "rfm":
            return rfm_segments_fitted(X, self.rfm_sorted_, self.rfm_bins, self.rfm_segments)["segment_tier"].to_numpy()
        if m == "abc":
            return predict_abc(X, self.abc_min_value_, self.n_tiers_)
        return apply_threshold(X, self.rules_, self.group_by)[0]

    def _centers(self, X: pd.DataFrame, tier: np.ndarray) -> pd.DataFrame:
        """Typical (median) original values per tier of the R/F/M columns present."""
        cols = [c for c in ("recency_days", "frequency", "monetary_total", "monetary_avg") if c in X.columns]
        cols += [c for c in (*self.features, *CLV_COLUMNS) if c in X.columns and c not in cols]
        df = pd.DataFrame({c: pd.to_numeric(X[c], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
                           for c in cols})
        df["tier"] = tier
        out = df.groupby("tier").median().reindex(range(self.n_tiers_))
        out.insert(0, "n_customers", df.groupby("tier").size().reindex(range(self.n_tiers_), fill_value=0))
        out = out.reset_index()
        out.insert(1, "tier_label", [self.tier_names_[i] for i in out["tier"]])
        return out


def _n_distinct_rows(Z: np.ndarray, enough: int = 1000, prefix: int = 50_000) -> int:
    """Number of distinct rows of ``Z`` (rounded to 12 decimals), by hashing (O(n), not a sort).

    Only compared with tier counts: when the first ``prefix`` rows already hold ``enough`` distinct
    rows that count is returned (a lower bound, far above any k), so 1M customers hash 50k rows."""
    def count(A: np.ndarray) -> int:
        R = np.round(A, 12) + 0.0  # + 0.0 turns -0.0 into 0.0, as np.unique's comparisons would
        return int(len(pd.DataFrame(R).drop_duplicates()))

    if len(Z) > prefix:
        head = count(Z[:prefix])
        if head >= enough:
            return head
    return count(Z)
