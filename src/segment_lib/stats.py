"""Statistics for region evaluation: balance measures, seeded bootstrap intervals, NPS, the load-effect model.

Every interval helper works on many groups at once (one row per group in the result) and
is vectorised: no Python loop over observations.

Bootstrap methods (all percentile intervals, ``level`` = 0.95 by default)
--------------------------------------------------------------------------
* Discrete scores (CSAT 1-5, NPS categories, 0/1 rates): *exact-resampling multinomial
  bootstrap*.  A bootstrap resample of n answers is fully described by how many answers
  fall on each level, and those counts are Multinomial(n, observed shares).  Drawing the
  counts is identical in distribution to resampling rows, costs O(groups x levels x B)
  instead of O(n x B), and is seeded by ``random_state``.
* Quantiles (median, p90 of first-response hours): *exact bootstrap*.  For sorted values
  x(1) <= ... <= x(n), the bootstrap quantile (inverted-CDF definition, order statistic
  k = ceil(q n)) satisfies P(Q* <= x(j)) = P(Binomial(n, j/n) >= k); the interval ends are
  the smallest j where that probability passes alpha/2 and 1 - alpha/2 (found by a vectorised
  binary search).  No Monte Carlo error, so no seed is needed.
* Continuous means: Poisson bootstrap (each row gets a Poisson(1) weight per replicate),
  processed in chunks.  Cost O(n x B); meant for thousands, not millions, of rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import ModelInputError
from .measures import gini  # noqa: F401  (the one definition; stats.gini is re-exported)

# ---------------------------------------------------------------------------
# Balance measures
# ---------------------------------------------------------------------------


def cv(x) -> float:
    """Coefficient of variation: population standard deviation (ddof=0) / mean. NaNs dropped."""
    v = np.asarray(x, dtype=float)
    v = v[~np.isnan(v)]
    if v.size == 0 or v.mean() == 0:
        return float("nan")
    return float(v.std(ddof=0) / v.mean())


def balance(x, over: float = 1.0) -> dict[str, float]:
    """Balance of a load vector: ``max_mean`` (max / mean), ``cv``, ``gini``, ``share_over``
    (share of elements strictly above ``over``; e.g. load ratio > 1 = over capacity)."""
    v = np.asarray(x, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return {"max_mean": float("nan"), "cv": float("nan"), "gini": float("nan"), "share_over": float("nan")}
    m = v.mean()
    return {
        "max_mean": float(v.max() / m) if m else float("nan"),
        "cv": cv(v),
        "gini": gini(np.clip(v, 0, None)),
        "share_over": float((v > over).mean()),
    }


# ---------------------------------------------------------------------------
# NPS
# ---------------------------------------------------------------------------


def nps(scores) -> float:
    """Net Promoter Score in points (-100..100): % promoters (9-10) - % detractors (0-6). NaNs dropped."""
    s = np.asarray(scores, dtype=float)
    s = s[~np.isnan(s)]
    if s.size == 0:
        return float("nan")
    return float(100.0 * ((s >= 9).mean() - (s <= 6).mean()))


# ---------------------------------------------------------------------------
# Grouped bootstrap helpers
# ---------------------------------------------------------------------------


def _codes(groups, n: int) -> tuple[np.ndarray, pd.Index]:
    if groups is None:
        return np.zeros(n, dtype=np.int64), pd.Index(["all"], name="group")
    if (isinstance(groups, np.ndarray) and groups.dtype.kind in "iu" and groups.size
            and groups.min() >= 0 and groups.max() < max(4 * groups.size, 1024)):
        # small non-negative integer codes (regions, reps): sorted distinct values by counting
        present = np.bincount(groups) > 0
        return (np.cumsum(present) - 1)[groups].astype(np.int64), pd.Index(np.flatnonzero(present), name="group")
    codes, uniques = pd.factorize(pd.Series(groups).reset_index(drop=True), sort=True)
    return codes.astype(np.int64), pd.Index(uniques, name="group")


def _percentile(draws: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    import warnings

    a = (1 - level) / 2
    if not draws.size:
        return np.array([]), np.array([])
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns (empty groups) give NaN
        lo, hi = np.nanquantile(draws, [a, 1 - a], axis=0)
    return lo, hi


def _small_int_range(values: np.ndarray, max_levels: int = 1000) -> tuple[int, int] | None:
    """(min, max) when all values are integers spanning at most ``max_levels`` levels, else None."""
    if values.size == 0:
        return None
    lo, hi = float(values.min()), float(values.max())
    if hi - lo >= max_levels or not np.array_equal(values, np.floor(values)):
        return None
    return int(lo), int(hi)


def _level_counts(values: np.ndarray, codes: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct levels and a (groups x levels) count matrix, O(n) for small integer scales."""
    rng = _small_int_range(values)
    if rng is not None:
        lo, hi = rng
        L = hi - lo + 1
        flat = codes * L + (values.astype(np.int64) - lo)
        counts = np.bincount(flat, minlength=n_groups * L).reshape(n_groups, L)
        used = counts.sum(axis=0) > 0
        return np.arange(lo, hi + 1, dtype=float)[used], counts[:, used]
    levels, lv = np.unique(values, return_inverse=True)
    counts = np.bincount(codes * levels.size + lv.ravel(), minlength=n_groups * levels.size)
    return levels, counts.reshape(n_groups, levels.size)


def _multinomial_draws(counts: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """(B, G, L) bootstrap level counts for groups with observed ``counts`` (G, L)."""
    n = counts.sum(axis=1)
    p = np.where(n[:, None] > 0, counts / np.maximum(n, 1)[:, None], 1.0 / counts.shape[1])
    return rng.multinomial(n, p, size=(n_boot, counts.shape[0]))


def _frame(index: pd.Index, n, est, lo, hi, extra: dict | None = None) -> pd.DataFrame:
    df = pd.DataFrame({"n": np.asarray(n, dtype=np.int64), "estimate": est, "ci_low": lo, "ci_high": hi}, index=index)
    if extra:
        for k, v in extra.items():
            df[k] = v
    return df


def _discrete_stat_ci(values: np.ndarray, groups, stat, n_boot: int, level: float, random_state,
                      vs_rest: bool) -> pd.DataFrame:
    """``stat``: (levels, counts (..., L)) -> statistic (...); see :func:`counts_ci`."""
    values = np.asarray(values, dtype=float)
    codes, index = _codes(groups, values.size)
    keep = ~np.isnan(values)
    values, codes = values[keep], codes[keep]
    if values.size == 0:
        nan = np.full(len(index), np.nan)
        return _frame(index, np.zeros(len(index)), nan, nan, nan)
    return counts_ci(*_level_counts(values, codes, len(index)), index, stat, n_boot, level, random_state, vs_rest)


def counts_ci(levels: np.ndarray, counts: np.ndarray, index: pd.Index, stat, n_boot: int, level: float,
              random_state, vs_rest: bool) -> pd.DataFrame:
    """The multinomial bootstrap of :func:`mean_ci` / :func:`nps_ci` from the (groups x levels) answer
    counts (``stat``: ``_mean_stat`` or ``_nps_stat``): the same frame, the same draws.  For callers that
    add counts up instead of grouping rows (regions: per-unit counts summed per region of each split)."""
    rng = np.random.default_rng(random_state)
    n = counts.sum(axis=1)
    with np.errstate(all="ignore"):
        est = np.where(n > 0, stat(levels, counts), np.nan)
        draws = np.where(n[None, :] > 0, stat(levels, _multinomial_draws(counts, n_boot, rng)), np.nan)
    lo, hi = _percentile(draws, level)
    extra = None
    if vs_rest:
        rest = counts.sum(axis=0)[None, :] - counts
        nr = rest.sum(axis=1)
        with np.errstate(all="ignore"):
            est_r = np.where(nr > 0, stat(levels, rest), np.nan)
            draws_r = np.where(nr[None, :] > 0, stat(levels, _multinomial_draws(rest, n_boot, rng)), np.nan)
        dlo, dhi = _percentile(draws - draws_r, level)
        extra = {"rest_estimate": est_r, "diff_vs_rest": est - est_r, "diff_ci_low": dlo, "diff_ci_high": dhi}
    return _frame(index, n, est, lo, hi, extra)


def _mean_stat(levels, counts):
    return (counts * levels).sum(axis=-1) / counts.sum(axis=-1)


def mean_ci(
    values,
    groups=None,
    *,
    n_boot: int = 1000,
    level: float = 0.95,
    random_state=0,
    vs_rest: bool = False,
    max_levels: int = 50,
) -> pd.DataFrame:
    """Mean with a seeded bootstrap percentile interval, per group.

    Returns a DataFrame indexed by group with ``n``, ``estimate``, ``ci_low``, ``ci_high``;
    with ``vs_rest`` also ``rest_estimate``, ``diff_vs_rest`` (group minus all other groups
    pooled) and its interval ``diff_ci_low``/``diff_ci_high``.  Values with at most
    ``max_levels`` distinct values (scores, 0/1) use the exact multinomial bootstrap;
    otherwise a chunked Poisson bootstrap.  NaNs are dropped.
    """
    v = np.asarray(values, dtype=float)
    if is_discrete(v, max_levels):
        return _discrete_stat_ci(v, groups, _mean_stat, n_boot, level, random_state, vs_rest)
    return _poisson_mean_ci(v, groups, n_boot, level, random_state, vs_rest)


def is_discrete(values: np.ndarray, max_levels: int = 50) -> bool:
    """:func:`mean_ci`'s rule for the exact multinomial bootstrap: the non-NaN values are integers over
    at most ``max_levels`` levels, or take at most ``max_levels`` distinct values."""
    ok = values[~np.isnan(values)]
    return _small_int_range(ok, max_levels) is not None or np.unique(ok).size <= max_levels


def _poisson_mean_ci(v, groups, n_boot, level, random_state, vs_rest, chunk=50) -> pd.DataFrame:
    codes, index = _codes(groups, v.size)
    keep = ~np.isnan(v)
    v, codes = v[keep], codes[keep]
    g = len(index)
    n = np.bincount(codes, minlength=g)
    s = np.bincount(codes, weights=v, minlength=g)
    rng = np.random.default_rng(random_state)
    sums = np.empty((n_boot, g))
    wts = np.empty((n_boot, g))
    for b0 in range(0, n_boot, chunk):
        b1 = min(n_boot, b0 + chunk)
        w = rng.poisson(1.0, size=(b1 - b0, v.size)).astype(float)
        for b in range(b1 - b0):
            sums[b0 + b] = np.bincount(codes, weights=w[b] * v, minlength=g)
            wts[b0 + b] = np.bincount(codes, weights=w[b], minlength=g)
    with np.errstate(all="ignore"):
        est = s / n
        draws = sums / wts
    lo, hi = _percentile(draws, level)
    extra = None
    if vs_rest:
        with np.errstate(all="ignore"):
            est_r = (s.sum() - s) / (n.sum() - n)
            draws_r = (sums.sum(axis=1, keepdims=True) - sums) / (wts.sum(axis=1, keepdims=True) - wts)
        dlo, dhi = _percentile(draws - draws_r, level)
        extra = {"rest_estimate": est_r, "diff_vs_rest": est - est_r, "diff_ci_low": dlo, "diff_ci_high": dhi}
    return _frame(index, n, est, lo, hi, extra)


def mean_ci_normal(values, codes, n_groups: int, level: float = 0.95) -> pd.DataFrame:
    """Mean per integer group code (0..n_groups-1; negative codes ignored) with the normal
    approximation interval mean ± z * sd / sqrt(n) (sd with ddof=1).  For many small groups
    (e.g. thousands of reps) where a bootstrap per group would cost more than it tells."""
    from scipy.stats import norm

    v = np.asarray(values, dtype=float)
    c = np.asarray(codes)
    ok = ~np.isnan(v) & (c >= 0)
    v, c = v[ok], c[ok]
    n = np.bincount(c, minlength=n_groups)
    s1 = np.bincount(c, weights=v, minlength=n_groups)
    s2 = np.bincount(c, weights=v * v, minlength=n_groups)
    z = norm.ppf(0.5 + level / 2)
    with np.errstate(all="ignore"):
        m = s1 / n
        var = (s2 - n * m * m) / (n - 1)
        half = z * np.sqrt(np.maximum(var, 0) / n)
    return _frame(pd.RangeIndex(n_groups, name="group"), n, m, m - half, m + half)


def proportion_ci(flags, groups=None, **kwargs) -> pd.DataFrame:
    """Share of True (e.g. complaint rate, dormancy rate) per group with a bootstrap interval.

    Same output and keyword arguments as :func:`mean_ci`; NaN/NA flags are dropped.
    """
    v = pd.Series(np.asarray(flags, dtype=object)).astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    return _discrete_stat_ci(v, groups, _mean_stat, kwargs.pop("n_boot", 1000), kwargs.pop("level", 0.95),
                             kwargs.pop("random_state", 0), kwargs.pop("vs_rest", False))


def _nps_stat(levels, counts):
    prom = counts[..., levels >= 9].sum(axis=-1)
    det = counts[..., levels <= 6].sum(axis=-1)
    return 100.0 * (prom - det) / counts.sum(axis=-1)


def nps_ci(
    scores, groups=None, *, n_boot: int = 1000, level: float = 0.95, random_state=0, vs_rest: bool = False
) -> pd.DataFrame:
    """NPS (points, -100..100) per group with an exact multinomial bootstrap interval.

    Same columns as :func:`mean_ci`.  Scores outside 0..10 raise :class:`ModelInputError`.
    """
    return _discrete_stat_ci(nps_scores(scores), groups, _nps_stat, n_boot, level, random_state, vs_rest)


def nps_scores(scores) -> np.ndarray:
    """NPS answers as floats; :class:`ModelInputError` for answers outside 0..10."""
    s = np.asarray(scores, dtype=float)
    ok = s[~np.isnan(s)]
    if ok.size and (ok.min() < 0 or ok.max() > 10):
        raise ModelInputError("NPS answers must be on the 0-10 scale")
    return s


def quantile_ci(values, groups=None, q=0.5, *, level: float = 0.95, random_state=None, presorted: bool = False):
    """Quantile ``q`` per group with its exact bootstrap percentile interval.

    ``estimate`` is the usual (linear-interpolation) sample quantile; the interval is the
    exact bootstrap distribution of the inverted-CDF quantile (see module docstring), so it
    is deterministic (``random_state`` is accepted for a uniform signature and ignored).
    Returns ``n``, ``estimate``, ``ci_low``, ``ci_high`` indexed by group; with a list of
    quantiles, a dict q -> such a DataFrame (one sort serves all of them).
    ``presorted=True`` promises ``values`` are already ascending (NaN last), which saves the
    value sort when the same values are grouped several ways.
    """
    from scipy.stats import binom

    qs = [q] if np.isscalar(q) else list(q)
    v = np.asarray(values, dtype=float)
    codes, index = _codes(groups, v.size)
    g = len(index)
    if not presorted:
        o = np.argsort(v, kind="stable")
        v, codes = v[o], codes[o]
    keep = ~np.isnan(v)
    v, codes = v[keep], codes[keep]
    small = codes.astype(np.int16) if g < 2**15 else codes  # 16-bit keys: numpy uses a radix sort
    o = np.argsort(small, kind="stable")
    v, codes = v[o], codes[o]
    n = np.bincount(codes, minlength=g)
    start = np.concatenate([[0], np.cumsum(n)[:-1]])
    has = n > 0
    ng, sg = n[has], start[has]
    a = (1 - level) / 2
    out = {}
    for qq in qs:
        est = np.full(g, np.nan)
        lo = np.full(g, np.nan)
        hi = np.full(g, np.nan)
        if has.any():
            h = (ng - 1) * qq
            fl = np.floor(h).astype(np.int64)
            ce = np.minimum(fl + 1, ng - 1)
            est[has] = v[sg + fl] + (h - fl) * (v[sg + ce] - v[sg + fl])
            k = np.maximum(np.ceil(qq * ng).astype(np.int64), 1)  # order statistic of the bootstrap quantile

            def smallest_j(target: float, k=k) -> np.ndarray:
                # smallest j in 1..n with P(Binom(n, j/n) >= k) >= target (monotone in j)
                lo_j = np.ones_like(ng)
                hi_j = ng.copy()
                while np.any(lo_j < hi_j):
                    mid = (lo_j + hi_j) // 2
                    ok = binom.sf(k - 1, ng, mid / ng) >= target
                    hi_j = np.where(ok, mid, hi_j)
                    lo_j = np.where(ok, lo_j, mid + 1)
                return lo_j

            lo[has] = v[sg + smallest_j(a) - 1]
            hi[has] = v[sg + smallest_j(1 - a) - 1]
        out[qq] = _frame(index, n, est, lo, hi)
    return out[qs[0]] if np.isscalar(q) else out


# ---------------------------------------------------------------------------
# Does workload hurt satisfaction?
# ---------------------------------------------------------------------------


@dataclass
class EffectResult:
    """Result of :func:`load_effect_model`.

    ``table``: tidy coefficients (``outcome``, ``term``, ``estimate``, ``std_error``, ``ci_low``,
    ``ci_high``, ``p_value``, ``n_obs``, ``n_clusters``, ``is_load``);
    ``effect``: one row dict for the load term, plus ``step`` and the effect of one step
    (``step_effect``, ``step_ci_low``, ``step_ci_high``; for a log outcome these are relative
    changes, e.g. 0.35 = +35 %); ``sentence``: the result in plain words; ``warnings``.
    """

    table: pd.DataFrame
    effect: dict
    sentence: str
    warnings: list[str] = field(default_factory=list)
    fit: object = None


def _ols_qr(y: np.ndarray, X: np.ndarray, *, cov_type: str = "nonrobust", cov_kwds: dict | None = None):
    """statsmodels OLS results from a QR solve, without the n x p pseudo-inverse.

    ``sm.OLS(y, X).fit(method="qr")`` in statsmodels 0.15 still computes ``np.linalg.pinv(X)``
    (kept for a few covariance types that need it, statsmodels GH #8157), which was 1.5 of the
    3.3 s the load models took at 1 M customers (docs/scale.md).  This runs the same QR branch
    (params, ``normalized_cov_params = inv(R'R)``, rank, degrees of freedom) and hands the result
    to statsmodels' own ``OLSResults`` for the covariance (cluster-robust here), t / p values and
    intervals, so every number is statsmodels' (tested equal to ``fit()`` within 1e-8).  Only
    ``cov_type`` "nonrobust" and "cluster" take this path; others (the HC* estimators read the
    pseudo-inverse) and rank-deficient designs use the ordinary statsmodels ``fit()``.
    """
    # the OLS module only: statsmodels.api imports every model family (0.3 s more in each kernel)
    from statsmodels.regression.linear_model import OLS, OLSResults, RegressionResultsWrapper

    model = OLS(y, X)
    if cov_type not in ("nonrobust", "cluster"):  # the HC* estimators read model.pinv_wexog
        return model.fit(method="qr", cov_type=cov_type, cov_kwds=cov_kwds)
    Q, R = np.linalg.qr(model.wexog)
    rank = int(np.linalg.matrix_rank(R))
    if rank < model.wexog.shape[1]:
        return model.fit(cov_type=cov_type, cov_kwds=cov_kwds)  # pinv handles the rank deficiency
    model.normalized_cov_params = np.linalg.inv(R.T @ R)
    model.wexog_singular_values = np.linalg.svd(R, compute_uv=False)
    model.rank = rank
    model.effects = effects = Q.T @ model.wendog
    beta = np.linalg.solve(R, effects)
    if model._df_model is None:
        model._df_model = float(rank - model.k_constant)
    if model._df_resid is None:
        model.df_resid = model.nobs - rank
    res = OLSResults(model, beta, normalized_cov_params=model.normalized_cov_params, cov_type=cov_type,
                     cov_kwds=cov_kwds)
    return RegressionResultsWrapper(res)


def _small_ids(a: np.ndarray) -> bool:
    """True for non-empty non-negative integers below 2**24 (rep / region codes): usable as bins."""
    return a.dtype.kind in "iu" and len(a) > 0 and a.min() >= 0 and a.max() < 2**24


def _constant_within(x: pd.Series, groups: pd.Series) -> bool:
    """True when ``x`` (numbers) takes one value within each group of small integer ``groups``."""
    g = groups.to_numpy()
    if not _small_ids(g):
        return False
    v = x.to_numpy(dtype=float)
    lo = np.full(int(g.max()) + 1, np.inf)
    hi = np.full(int(g.max()) + 1, -np.inf)
    np.minimum.at(lo, g, v)
    np.maximum.at(hi, g, v)
    return bool(np.array_equal(lo[g], hi[g]))


def _cells(d: pd.DataFrame, cols: list[str]):
    """Rows of ``d`` with equal values in ``cols`` as cells: (first row of each cell, cell of each
    row, rows per cell), or None when the columns cannot be coded."""
    key = np.zeros(len(d), dtype=np.int64)
    for c in cols:
        v = d[c]
        if isinstance(v.dtype, pd.CategoricalDtype):  # its codes already (missing: -1 -> 0)
            codes, width = v.cat.codes.to_numpy().astype(np.int64) + 1, len(v.cat.categories) + 1
        elif _small_ids(v.to_numpy()):  # small ids: the values themselves
            codes, width = v.to_numpy().astype(np.int64), int(v.max()) + 1
        else:
            codes, uniq = pd.factorize(v, use_na_sentinel=False)
            width = len(uniq) + 1
        if key.max(initial=0) > np.iinfo(np.int64).max // width:
            return None  # (cannot happen for reps x tiers x industries; kept as a guard)
        key = key * width + codes
    inverse, cells = pd.factorize(key)  # cells numbered in order of first appearance, so the running
    top = np.maximum.accumulate(inverse)  # maximum of the cell numbers grows exactly at a cell's first row
    first = np.flatnonzero(np.r_[True, top[1:] != top[:-1]])
    return first, inverse, np.bincount(inverse, minlength=len(cells)).astype(float)


def _ols_cells(ybar: np.ndarray, n: np.ndarray, X: np.ndarray, groups: np.ndarray):
    """The row-level OLS with cluster-robust (CR1) errors, from cells of rows that share one design
    row: ``ybar`` the cells' mean outcome, ``n`` their row counts.

    Weighted least squares of the cell means with weights ``n`` has the row-level estimates, and
    each cell's cluster score is the sum of its rows' scores, so statsmodels' cluster sandwich of
    the WLS fit equals the rows' one; only the small-sample factor ``G/(G-1) * (N-1)/(N-K)`` is
    taken with ``N`` = rows (statsmodels would count cells).  The result is a statsmodels results
    object with that covariance (normal-based p-values and intervals, as statsmodels' cluster
    fits); tested equal to ``OLS(...).fit(cov_type="cluster")`` on the rows within 1e-10.
    """
    from statsmodels.regression.linear_model import WLS, RegressionResults, RegressionResultsWrapper
    from statsmodels.stats.sandwich_covariance import cov_cluster

    model = WLS(ybar, X, weights=n)
    res = model.fit()
    g, rows, k = len(np.unique(groups)), float(n.sum()), X.shape[1]
    cov = cov_cluster(res, groups, use_correction=False) * (g / (g - 1)) * ((rows - 1) / (rows - k))
    return RegressionResultsWrapper(RegressionResults(model, res.params, normalized_cov_params=cov,
                                                      cov_type="fixed scale", cov_kwds={"scale": 1.0},
                                                      use_t=False))


def load_effect_model(
    data: pd.DataFrame,
    outcome: str,
    *,
    load_col: str = "load_ratio",
    controls: Sequence[str] = ("tier", "industry"),
    cluster_col: str = "rep_id",
    log_outcome: bool = False,
    step: float = 0.5,
    level: float = 0.95,
    outcome_label: str | None = None,
    max_rows: int | None = 500_000,
    random_state=0,
) -> EffectResult:
    """OLS of an outcome on rep load with categorical controls and cluster-robust errors by rep.

    Model: ``y = a + b * load + sum_c C(control_c) + e`` (``y`` = log(outcome) when
    ``log_outcome``; zero/negative outcomes are dropped then), estimated with statsmodels
    OLS and a cluster-robust (CR1) covariance clustered on ``cluster_col``, because answers
    of one rep share the rep's load and are not independent.  ``controls`` are treated as
    categorical (one dummy per level, first level dropped); missing control values become an
    ``"(missing)"`` level.  Rows with missing outcome, load or cluster are dropped.  When the
    data has more than ``max_rows`` rows, rows with the same rep, load and controls (one row of
    the design) are pooled into one cell (:func:`_ols_cells`: the same estimates and cluster-robust
    intervals as the fit on every row, from far fewer rows); only when even the cells number more
    than ``max_rows`` is a seeded random subsample of rows used (recorded in ``warnings``).

    The plain-words sentence states the effect of ``step`` (default 0.5, i.e. going from
    1.0x to 1.5x capacity).  Raises :class:`ModelInputError` when load does not vary or
    fewer than 3 clusters remain.
    """
    label = outcome_label or outcome
    warnings: list[str] = []
    cols = [outcome, load_col, cluster_col, *[c for c in controls if c in data.columns]]
    missing_controls = [c for c in controls if c not in data.columns]
    if missing_controls:
        warnings.append(f"controls not in the data and left out: {', '.join(missing_controls)}")
    d = data[cols].copy()
    y = pd.to_numeric(d[outcome], errors="coerce").astype(float)
    if log_outcome:
        y = y.where(y > 0)
        y = np.log(y)
    d = d.assign(_y=y, _x=pd.to_numeric(d[load_col], errors="coerce").astype(float))
    d = d[d["_y"].notna() & d["_x"].notna() & np.isfinite(d["_x"]) & d[cluster_col].notna()]
    n_obs, weights = len(d), None
    if max_rows is not None and len(d) > max_rows:
        load_cols = [] if _constant_within(d["_x"], d[cluster_col]) else ["_x"]  # one load a rep: implied
        cells = _cells(d, [cluster_col, *load_cols, *[c for c in controls if c in d.columns]])
        if cells is not None and len(cells[0]) <= max_rows:
            first, inverse, weights = cells
            ybar = np.bincount(inverse, weights=d["_y"].to_numpy(dtype=float)) / weights
            d = d.iloc[first].assign(_y=ybar)
        else:
            d = d.sample(n=max_rows, random_state=random_state)
            n_obs = len(d)
            warnings.append(f"model fitted on a random subsample of {max_rows:,} rows")
    n_clusters = int(d[cluster_col].nunique())
    if n_obs < 10 or n_clusters < 3:
        raise ModelInputError(f"{label}: too little data for the load model ({n_obs} rows, {n_clusters} reps)")
    if d["_x"].std() == 0:
        raise ModelInputError(f"{label}: rep load does not vary, its effect cannot be estimated")
    if n_clusters < 20:
        warnings.append(f"only {n_clusters} reps: cluster-robust intervals are approximate")
    X = pd.DataFrame({"const": 1.0, load_col: d["_x"].to_numpy()}, index=d.index)
    used = [c for c in controls if c in d.columns]
    for c in used:
        if isinstance(d[c].dtype, pd.CategoricalDtype):
            cat = d[c].cat.remove_unused_categories()
            if cat.isna().any():
                cat = cat.cat.add_categories("(missing)").fillna("(missing)")
        else:
            cat = d[c].astype("object").where(d[c].notna(), "(missing)").astype(str)
        dm = pd.get_dummies(cat, prefix=c, prefix_sep="=", drop_first=True, dtype=float)
        X = pd.concat([X, dm], axis=1)
    groups = pd.factorize(d[cluster_col])[0]
    if weights is None:
        fit = _ols_qr(d["_y"].to_numpy(), X.to_numpy(), cov_type="cluster", cov_kwds={"groups": groups})
    else:
        fit = _ols_cells(d["_y"].to_numpy(), weights, X.to_numpy(dtype=float), groups)
    ci = np.asarray(fit.conf_int(alpha=1 - level))
    table = pd.DataFrame(
        {
            "outcome": label,
            "term": list(X.columns),
            "estimate": fit.params,
            "std_error": fit.bse,
            "ci_low": ci[:, 0],
            "ci_high": ci[:, 1],
            "p_value": fit.pvalues,
            "n_obs": n_obs,
            "n_clusters": n_clusters,
        }
    )
    table["is_load"] = table["term"] == load_col
    row = table.loc[table["is_load"]].iloc[0].to_dict()
    b, lo, hi = row["estimate"] * step, row["ci_low"] * step, row["ci_high"] * step
    if log_outcome:
        b, lo, hi = np.expm1(b), np.expm1(lo), np.expm1(hi)
    row.update(step=step, step_effect=float(b), step_ci_low=float(lo), step_ci_high=float(hi),
               log_outcome=log_outcome)
    pct = int(round(level * 100))
    frm = f"going from 1.0× to {1 + step:.1f}× capacity" if step == 0.5 else f"each +{step:g} of load ratio"
    excl = lo > 0 or hi < 0
    sure = "" if excl else " — the interval includes no effect, so this is not conclusive"
    if log_outcome:
        word = "longer" if b > 0 else "shorter"
        sentence = (f"{label}: {frm} goes with {abs(b) * 100:.0f}% {word} times "
                    f"({pct}% CI {lo * 100:+.0f}% to {hi * 100:+.0f}%){sure}.")
    else:
        word = "lower" if b < 0 else "higher"
        sentence = (f"{label}: {frm} goes with {abs(b):.2f} points {word} "
                    f"({pct}% CI {lo:+.2f} to {hi:+.2f}){sure}.")
    return EffectResult(table=table.reset_index(drop=True), effect=row, sentence=sentence, warnings=warnings, fit=fit)
