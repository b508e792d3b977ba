"""Choosing the number of tiers for kmeans / gmm (``n_tiers="auto"``).

For each k in ``k_range`` the model is fitted on a seeded sample (``selection_sample`` rows)
and scored by :func:`score_ks` with silhouette, Davies-Bouldin and Calinski-Harabasz (all three on
the same further seeded sample of ``silhouette_sample`` rows, never O(n^2) on all rows), BIC (GMM)
or inertia (k-means), bootstrap stability (mean ARI of ``n_stability`` one-restart refits on
bootstrap resamples of a seeded ``stability_sample`` of 20,000 rows, compared on those rows), the
smallest tier share, the value ratio between neighbouring tiers and, when ``fit`` gets ``y``
(next-period revenue), the Spearman correlation of tier value with ``y``.  All are kept in
``k_scores_``.  Internal indices alone drift to k = 2 on CRM data (buyers vs. sleepers), so
:func:`select_k` takes the **largest admissible k**: stable (ARI >= 0.8), every tier >= 1 % of
customers, each tier's median spend >= 2x the next tier's, silhouette >= 0.25, and (with ``y``)
revenue correlation within 0.05 of the best k.

Also here: the clustering estimator of a method (:func:`make_estimator`) and the value order of
clusters (:func:`order_clusters`: mean ``monetary_total``, then mean ``frequency``, then lower
mean ``recency_days``).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    davies_bouldin_score,
)
from sklearn.mixture import GaussianMixture

from .inputs import _feature_values


MIN_SILHOUETTE = 0.25  # the k rule's "some cluster structure at all" threshold (select_k)
SINGLE_THREAD_ROWS = 200_000  # fits on at most this many rows run on one thread (fit_threads)


def fit_threads(n_rows: int) -> contextlib.AbstractContextManager:
    """One OpenMP / BLAS thread for fits on up to :data:`SINGLE_THREAD_ROWS` rows.

    scikit-learn's k-means spreads each small fit over every core; on a shared 2-core machine the
    threads wait on each other and a 20,000-row fit takes 5-25x longer than on one thread (measured
    in docs/scale.md).  Large fits keep every core.  The result does not depend on the threads.
    """
    if n_rows > SINGLE_THREAD_ROWS:
        return contextlib.nullcontext()
    from .._threads import one_thread

    return one_thread()


def make_estimator(method: str, k: int, seed: int, n_init: int) -> Any:
    """The unfitted clustering estimator of ``method`` with ``k`` clusters: GMM for "gmm", else k-means
    ("kmeans"; "clv" clusters the one-dimensional log predicted value)."""
    if method != "gmm":
        return KMeans(n_clusters=k, n_init=n_init, random_state=seed)
    return GaussianMixture(n_components=k, covariance_type="full", n_init=max(1, n_init // 2),
                           random_state=seed, reg_covar=1e-4)


def order_clusters(X: pd.DataFrame, raw: np.ndarray, k: int, recency_cap: float,
                   scaled: Callable[[pd.DataFrame], np.ndarray]) -> np.ndarray:
    """Map raw cluster ids to tiers ordered by value (mean monetary, frequency, -recency).

    ``scaled(X)`` gives the scaled model matrix; it is used only when ``X`` has none of the three
    columns (custom features: order by the mean of the scaled features).
    """
    cols = {}
    for c, sign in (("predicted_clv", -1), ("monetary_total", -1), ("frequency", -1), ("recency_days", 1)):
        if c in X.columns:
            v = _feature_values(X, [c], recency_cap, log=False)[:, 0]
            cols[c] = sign * np.bincount(raw, weights=v, minlength=k) / np.maximum(np.bincount(raw, minlength=k), 1)
    if not cols:
        Z = scaled(X)
        cols["score"] = -np.array([Z[raw == c].mean() if (raw == c).any() else -np.inf for c in range(k)])
    keys = [cols[c] for c in reversed(list(cols))]  # np.lexsort: last key is primary
    order = np.lexsort(keys)
    mapping = np.empty(k, dtype=np.int64)
    mapping[order] = np.arange(k)
    return mapping


def _value_ratio_min(X: pd.DataFrame, tier: np.ndarray, k: int) -> float:
    """Smallest ratio of median value between a tier and the next (value-ordered) tier: net spend
    (``monetary_total``), or the predicted value (``predicted_clv``) when ``X`` has it.

    0 / 0 counts as 1 (not separated), x / 0 with x > 0 as infinity.  NaN without either column.
    """
    col = "predicted_clv" if "predicted_clv" in X.columns else "monetary_total"
    if col not in X.columns or k < 2:
        return np.nan
    v = np.clip(pd.to_numeric(X[col], errors="coerce").fillna(0).to_numpy(float), 0, None)
    med = pd.Series(v).groupby(tier).median().reindex(range(k)).to_numpy()
    a, b = med[:-1], med[1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(b > 0, a / np.where(b > 0, b, 1), np.where(a > 0, np.inf, 1.0))
    return float(np.nanmin(r))


def score_ks(Z: np.ndarray, X: pd.DataFrame, ks: Iterable[int], y: np.ndarray | None, *,
             method: str, scaled: Callable[[pd.DataFrame], np.ndarray], random_state: int = 0,
             n_init: int = 4, silhouette_sample: int = 5000, stability_sample: int | None = 20000,
             n_stability: int = 5, recency_cap: float = 730.0, reject: dict[str, float] | None = None,
             fitted: dict[int, Any] | None = None) -> pd.DataFrame:
    """One row of evidence per candidate k (the ``k_scores_`` table); see the module docstring.

    ``Z``: scaled model matrix of the rows of ``X`` (the selection sample); ``y``: next-period
    revenue aligned with the rows, or None.  Every random step is seeded from ``random_state``.

    ``reject``: thresholds of the cheap rules of :func:`select_k` (``min_tier_share``,
    ``min_value_ratio``, ``min_silhouette``); a k that fails one of them cannot be admissible, so
    its bootstrap refits (most of the cost) are skipped: ``stability`` is NaN and ``stability_skipped``
    True for that row.  The choice of k is the same as with every refit run.
    ``fitted``: a dict that receives ``{k: fitted estimator}`` (the caller reuses the one it picks).
    """
    rows = []
    n = len(Z)
    sil_n = min(int(silhouette_sample), n)
    # one seeded metric sample for silhouette, Davies-Bouldin and Calinski-Harabasz (the same rows
    # sklearn's silhouette_score(sample_size=..., random_state=...) would draw)
    met = (np.random.RandomState(random_state).permutation(n)[:sil_n] if sil_n < n else np.arange(n))
    # bootstrap refits run on a smaller seeded sample (fixed cost at any size; docs/scale.md)
    st_n = n if stability_sample is None else min(int(stability_sample), n)
    st = (np.sort(np.random.RandomState(random_state + 7).choice(n, st_n, replace=False))
          if st_n < n else np.arange(n))
    fits = []
    for k in ks:  # every candidate k fitted first (each fit is seeded on its own) ...
        est = make_estimator(method, k, random_state, n_init)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est.fit(Z)
            lab = est.predict(Z)
        fits.append((k, est, lab))
    # ... so the silhouettes of all of them come from one pass over the metric sample's distances
    two = [i for i, (_, _, lab) in enumerate(fits) if len(np.unique(lab[met])) >= 2]
    sils = dict(zip(two, silhouettes(Z[met], [fits[i][2][met] for i in two])))
    for i, (k, est, lab) in enumerate(fits):
        row: dict[str, Any] = {"k": k}
        if i not in sils:
            row.update(silhouette=np.nan, davies_bouldin=np.nan, calinski_harabasz=np.nan)
        else:
            Zm, lm = Z[met], lab[met]
            row["silhouette"] = sils[i]
            row["davies_bouldin"] = float(davies_bouldin_score(Zm, lm))
            row["calinski_harabasz"] = float(calinski_harabasz_score(Zm, lm))
        if method == "gmm":
            row["bic"] = float(est.bic(Z))
        else:
            row["inertia"] = float(est.inertia_)
        row["min_tier_share"] = float(np.bincount(lab, minlength=k).min() / n)
        order = order_clusters(X, lab, k, recency_cap, scaled)
        row["value_ratio_min"] = _value_ratio_min(X, order[lab], k)
        if fitted is not None:
            fitted[k] = est
        if n_stability:
            failed = _fails_cheap_rules(row, reject)
            row["stability"] = (np.nan if failed else
                                _bootstrap_ari(Z[st], lab[st], k, method, random_state, int(n_stability)))
            row["stability_skipped"] = failed
        if y is not None:
            m = order[lab]
            ok = ~np.isnan(y)
            row["revenue_spearman"] = float(pd.Series(-m[ok]).corr(pd.Series(y[ok]), method="spearman"))
        rows.append(row)
    return pd.DataFrame(rows)


def _distances(Zm: np.ndarray) -> np.ndarray:
    """Euclidean distance matrix of the rows of ``Zm`` (the silhouette's, computed once)."""
    from scipy.spatial.distance import cdist

    return cdist(Zm, Zm)  # direct differences: exact, zero diagonal, ~2x faster than the dot-product form


def silhouette_from_distances(dist: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette of ``labels`` from a precomputed distance matrix.

    The same definition as :func:`sklearn.metrics.silhouette_score` (a = mean distance to the own
    cluster without the point itself, b = smallest mean distance to another cluster, s = 0 for a
    point alone in its cluster); one matrix product per k instead of recomputing the distances
    (equal to scikit-learn's within 1e-9, tested).
    """
    lab = _dense(labels)
    return _silhouette_from_sums(dist @ _onehot(lab), lab)


#: Rows of the metric sample whose distances :func:`silhouettes` holds at a time (512 x 5,000: 20 MB
#: instead of the 200 MB matrix, which on a fresh process cost more in page faults than in arithmetic).
SILHOUETTE_CHUNK = 512


def silhouettes(Zm: np.ndarray, labelings: list[np.ndarray]) -> list[float]:
    """:func:`silhouette_from_distances` of several labelings of the rows of ``Zm``, with the distances
    computed :data:`SILHOUETTE_CHUNK` rows at a time and multiplied by every labeling's one-hot matrix
    at once (the same sums, row by row: equal to the full matrix's results, tested)."""
    if not labelings:
        return []
    from scipy.spatial.distance import cdist

    dense = [_dense(lab) for lab in labelings]
    onehots = [_onehot(lab) for lab in dense]
    edges = np.cumsum([0] + [o.shape[1] for o in onehots])
    onehot = np.hstack(onehots)
    sums = np.empty((len(Zm), onehot.shape[1]))
    for a in range(0, len(Zm), SILHOUETTE_CHUNK):
        sums[a:a + SILHOUETTE_CHUNK] = cdist(Zm[a:a + SILHOUETTE_CHUNK], Zm) @ onehot
    return [_silhouette_from_sums(sums[:, edges[j]:edges[j + 1]], lab) for j, lab in enumerate(dense)]


def _dense(labels: np.ndarray) -> np.ndarray:
    """Labels as 0..k-1 in sorted order."""
    return np.unique(np.asarray(labels), return_inverse=True)[1].ravel()


def _onehot(lab: np.ndarray) -> np.ndarray:
    onehot = np.zeros((len(lab), int(lab.max()) + 1))
    onehot[np.arange(len(lab)), lab] = 1.0
    return onehot


def _silhouette_from_sums(sums: np.ndarray, lab: np.ndarray) -> float:
    """Mean silhouette from ``sums`` (n, k): each point's summed distance to each cluster."""
    n, k = sums.shape
    counts = np.bincount(lab, minlength=k).astype(float)
    own = counts[lab] - 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        a = sums[np.arange(n), lab] / own
        other = sums / counts
        other[np.arange(n), lab] = np.inf
        b = other.min(axis=1)
        sil = (b - a) / np.maximum(a, b)
    sil = np.nan_to_num(np.where(own > 0, sil, 0.0))
    return float(np.mean(sil))


def _fails_cheap_rules(row: dict[str, Any], reject: dict[str, float] | None) -> bool:
    """True when ``row`` already fails the tier-size, value-ratio or silhouette rule of :func:`select_k`."""
    if not reject:
        return False
    for col, key in (("min_tier_share", "min_tier_share"), ("value_ratio_min", "min_value_ratio"),
                     ("silhouette", "min_silhouette")):
        v, thr = row.get(col), reject.get(key)
        if thr is not None and v is not None and not np.isnan(v) and v < thr:
            return True
    return False


def _bootstrap_ari(Zs: np.ndarray, ls: np.ndarray, k: int, method: str, random_state: int,
                   n_boot: int) -> float:
    """Mean ARI between ``ls`` and one-restart refits on bootstrap resamples of ``Zs``."""
    rs = np.random.RandomState(random_state + 1000 + k)
    n = len(Zs)
    aris = []
    for b in range(n_boot):  # bootstrap refits on the stability sample
        idx = rs.randint(0, n, n)
        e2 = make_estimator(method, k, random_state + 1 + b, n_init=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            e2.fit(Zs[idx])
        aris.append(adjusted_rand_score(ls, e2.predict(Zs)))
    return float(np.mean(aris))


def select_k(scores: pd.DataFrame, min_stability: float = 0.8, min_tier_share: float = 0.01,
             min_value_ratio: float = 2.0, min_silhouette: float = MIN_SILHOUETTE,
             revenue_tolerance: float = 0.05) -> tuple[int, str]:
    """Pick k from a ``k_scores_`` table; returns (k, plain-words reason).

    A k is *admissible* when all of these hold (criteria missing from the table are skipped):

    * ``stability`` (mean bootstrap ARI) >= ``min_stability`` -- the tiers reproduce;
    * ``min_tier_share`` >= ``min_tier_share`` -- every tier is big enough to act on;
    * ``value_ratio_min`` >= ``min_value_ratio`` -- the typical (median) net spend of each tier is
      at least ``min_value_ratio`` x the next tier's, so neighbouring tiers differ in *value*
      (two tiers that both spend 0, e.g. sleepers split by how long ago they stopped, fail);
    * ``silhouette`` >= ``min_silhouette`` -- there is some cluster structure at all;
    * ``revenue_spearman`` (only when next-period revenue was given) within
      ``revenue_tolerance`` of the best k -- the tiers still rank next period's revenue.

    The choice is the **largest admissible k**: the most detailed tiering that is stable, staffed
    and value-distinct.  Silhouette / Davies-Bouldin / Calinski-Harabasz / BIC are not maximised
    directly because on CRM data they reward the coarsest split (buyers vs. sleepers, k = 2): the
    mass of customers with no purchases in the window dominates every internal index.
    If no k is admissible, the k with the best silhouette is returned and the reason says so.
    """
    s = scores.copy()
    ok = pd.Series(True, index=s.index)
    why = []
    checks = [("stability", min_stability, "stability"), ("min_tier_share", min_tier_share, "smallest tier share"),
              ("value_ratio_min", min_value_ratio, "value ratio between neighbouring tiers"),
              ("silhouette", min_silhouette, "silhouette")]
    for col, thr, text in checks:
        if col in s.columns and s[col].notna().any():
            ok &= s[col].fillna(-np.inf) >= thr
            why.append(f"{text} ≥ {thr:g}")
    if "revenue_spearman" in s.columns and s["revenue_spearman"].notna().any():
        best = s["revenue_spearman"].max()
        ok &= s["revenue_spearman"].fillna(-np.inf) >= best - revenue_tolerance
        why.append(f"next-period revenue rank correlation within {revenue_tolerance:g} of the best")
    if ok.any():
        k = int(s.loc[ok, "k"].max())
        rejected = s.loc[~ok, "k"].astype(int).tolist()
        return k, (f"k={k}: largest k with {', '.join(why)}"
                   + (f" (k not admissible: {rejected})" if rejected else ""))
    if "silhouette" in s.columns and s["silhouette"].notna().any():
        k = int(s.loc[s["silhouette"].idxmax(), "k"])
    else:
        k = int(s["k"].min())
    return k, f"k={k}: no k met all of {', '.join(why)}; fell back to the best silhouette"
