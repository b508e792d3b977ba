"""Customer lifetime value: BG/NBD for repeat purchases and Gamma–Gamma for spend, fitted by
maximum likelihood on the repeat-purchase summary (:func:`segment_lib.features.purchase_summary`).

Models (Fader, Hardie & Lee 2005, "Counting your customers the easy way" and "RFM and CLV")
------------------------------------------------------------------------------------------
* **BG/NBD.** While alive, a customer buys as a Poisson process with rate λ ~ Gamma(r, α); after
  every purchase they drop out for good with probability p ~ Beta(a, b).  Per customer the data is
  *x* repeat purchases, *t_x* time of the last purchase and *T* time since the first purchase.
* **Gamma–Gamma.** The value of a customer's purchases varies around their own mean, which varies
  across customers: values ~ Gamma(p, ν), ν ~ Gamma(q, γ); independent of the purchase process.
  Fitted on repeat buyers (x > 0) with their mean repeat value m̄.

Fitting: the log-likelihoods are vectorised (``scipy.special`` ``gammaln`` / ``betaln``, terms that
depend only on *x* computed once per distinct *x*), with analytic gradients, minimised by
L-BFGS-B over the log parameters from a data-based start plus seeded random starts (the best
optimum is kept).  Time runs in the unit of the data; :class:`CLVModel` works in weeks
(:data:`TIME_UNIT_DAYS`), so α is per week as in the literature.

Predictions per customer: probability alive, expected purchases in ``(T, T + t]`` (closed form
with the Gauss hypergeometric function ``scipy.special.hyp2f1``, after Euler's transformation, so
large *x* neither over- nor underflows), expected value per purchase (Gamma–Gamma posterior mean)
and CLV over a horizon: monthly expected purchases × expected value, each month discounted at
``discount_rate`` per year.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import betaln, digamma, gammaln, hyp2f1
from .._threads import one_thread

from ..errors import ModelInputError
from ..params import DEFAULT_CLV_HORIZON_MONTHS, DEFAULT_DISCOUNT_RATE

__all__ = [
    "BGNBD",
    "MONTH_DAYS",
    "TIME_UNIT_DAYS",
    "CLVModel",
    "GammaGamma",
    "customer_value",
    "expected_purchases",
    "expected_spend",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "probability_alive",
    "simulate_bgnbd",
]

MONTH_DAYS = 365.25 / 12
TIME_UNIT_DAYS = 7.0  # CLVModel's time unit: weeks
_BOUND = 15.0  # |log parameter| <= 15 during the search
_MIN_BUYERS = 10
_MAX_SPEND_CORRELATION = 0.3  # |Spearman(x, m̄)| above this: Gamma–Gamma's independence assumption is doubtful
_START_SAMPLE = 20_000  # rows on which the seeded starts are compared (then polished on all rows)


@dataclass(frozen=True)
class BGNBD:
    """Fitted BG/NBD parameters (α in the time unit of the data) and the fit's log-likelihood."""

    r: float
    alpha: float
    a: float
    b: float
    loglik: float = float("nan")
    n: int = 0


@dataclass(frozen=True)
class GammaGamma:
    """Fitted Gamma–Gamma parameters and the fit's log-likelihood (on ``n`` repeat buyers)."""

    p: float
    q: float
    gamma: float
    loglik: float = float("nan")
    n: int = 0


def _dot(u: np.ndarray, v: np.ndarray) -> float:
    """Σ u·v without BLAS: a threaded BLAS dot on a busy machine was 20× slower than this."""
    return float(np.multiply(u, v).sum())


def _arrays(*cols: Any) -> list[np.ndarray]:
    return [np.asarray(c, dtype=float) for c in cols]


def _search(fun, x0: np.ndarray, data: tuple):
    # one BLAS thread: the 4-parameter quasi-Newton steps gain nothing from threads, and a threaded
    # BLAS on a busy machine made the whole fit 2-3x slower (measured)
    with np.errstate(all="ignore"), one_thread("blas"):
        return minimize(fun, np.clip(x0, -_BOUND, _BOUND), args=data, jac=True, method="L-BFGS-B",
                        bounds=[(-_BOUND, _BOUND)] * len(x0),
                        options={"ftol": 1e-13, "gtol": 1e-9, "maxiter": 500})


def _minimise(fun, start: np.ndarray, data: Any, n: int, random_state: int, n_starts: int):
    """Best of ``n_starts`` searches (the data-based ``start`` plus seeded random ones); ``data(idx)``
    gives the likelihood's arguments for rows ``idx`` (None = all).  On more than
    :data:`_START_SAMPLE` rows the starts are compared on a seeded sample and the winner is
    polished on all rows."""
    rs = np.random.RandomState(random_state)
    starts = [start] + [start + rs.normal(0.0, 0.7, len(start)) for _ in range(max(int(n_starts), 1) - 1)]
    if len(starts) > 1:
        idx = np.sort(rs.choice(n, _START_SAMPLE, replace=False)) if n > _START_SAMPLE else None
        sub = data(idx)
        best = None
        for s in starts:  # a few seeded restarts; the best optimum wins
            res = _search(fun, s, sub)
            if np.isfinite(res.fun) and (best is None or res.fun < best.fun):
                best = res
        if best is None:
            raise ModelInputError("the likelihood search failed from every start (non-finite values)")
        if idx is None:
            return best
        start = best.x
    res = _search(fun, start, data(None))
    if not np.isfinite(res.fun):
        raise ModelInputError("the likelihood search failed (non-finite values)")
    return res


# -- BG/NBD ---------------------------------------------------------------------------------
def _bgnbd_nll(theta: np.ndarray, x, t_x, T, wt, xu, xi) -> tuple[float, np.ndarray]:
    """Mean negative log-likelihood and its gradient in the log parameters; rows are distinct
    (x, t_x, T) with weights ``wt`` (how many customers share them)."""
    r, al, a, b = np.exp(theta)
    n = wt.sum()
    cnt = np.bincount(xi, weights=wt, minlength=len(xu))
    lb = betaln(a, b)
    pos = xu > 0
    a1 = gammaln(r + xu) - gammaln(r) + r * np.log(al)
    a2 = betaln(a, b + xu) - lb
    a3 = np.full(len(xu), -np.inf)
    a3[pos] = betaln(a + 1, b + xu[pos] - 1) - lb
    rx = r + x
    lT, lt = np.log(al + T), np.log(al + t_x)
    A2 = a2[xi] - rx * lT
    A3 = a3[xi] - rx * lt
    lse = np.logaddexp(A2, A3)
    ll = _dot(cnt, a1) + _dot(wt, lse)
    w2 = wt * np.exp(A2 - lse)
    w3 = wt - w2
    s2 = np.bincount(xi, weights=w2, minlength=len(xu))
    s3 = cnt - s2
    g_r = _dot(cnt, digamma(r + xu) - digamma(r) + np.log(al)) - _dot(w2, lT) - _dot(w3, lt)
    g_al = n * r / al - _dot(w2, rx / (al + T)) - _dot(w3, rx / (al + t_x))
    psab, psabx = digamma(a + b), digamma(a + b + xu)
    g_a = _dot(s2, psab - psabx) + _dot(s3[pos], digamma(a + 1) - psabx[pos] - digamma(a) + psab)
    g_b = _dot(s2, digamma(b + xu) - psabx - digamma(b) + psab)
    g_b += _dot(s3[pos], digamma(b + xu[pos] - 1) - psabx[pos] - digamma(b) + psab)
    grad = np.array([g_r * r, g_al * al, g_a * a, g_b * b])
    return -ll / n, -grad / n


def fit_bgnbd(x: Any, t_x: Any, T: Any, random_state: int = 0, n_starts: int = 3) -> BGNBD:
    """BG/NBD by maximum likelihood on repeat purchases ``x``, recency ``t_x`` and age ``T``
    (same time unit; every customer has made a first purchase).  Seeded restarts."""
    x, t_x, T = _arrays(x, t_x, T)
    ok = np.isfinite(x) & np.isfinite(t_x) & np.isfinite(T)
    if not ok.all() or (x < 0).any() or (t_x < 0).any() or (t_x > T + 1e-9).any():
        raise ModelInputError("BG/NBD needs finite x >= 0 and 0 <= t_x <= T for every customer "
                              f"({int((~ok).sum())} missing values)")
    if (x > 0).sum() < _MIN_BUYERS:
        raise ModelInputError(f"BG/NBD needs at least {_MIN_BUYERS} customers with a repeat purchase; "
                              f"found {int((x > 0).sum())} of {len(x)} (is the history long enough?)")

    def data(idx):
        rows = np.column_stack([x, t_x, T] if idx is None else [x[idx], t_x[idx], T[idx]])
        u, wt = np.unique(rows, axis=0, return_counts=True)  # customers alike: one row, weighted
        xu, xi = np.unique(u[:, 0], return_inverse=True)
        return u[:, 0], u[:, 1], u[:, 2], wt.astype(float), xu, xi.ravel()

    rate = max(x.mean(), 1e-3) / max(T.mean(), 1e-3)
    start = np.log([1.0, 1.0 / rate, 1.0, 2.0])
    res = _minimise(_bgnbd_nll, start, data, len(x), random_state, n_starts)
    r, al, a, b = np.exp(res.x)
    return BGNBD(float(r), float(al), float(a), float(b), loglik=float(-res.fun * len(x)), n=len(x))


def probability_alive(bg: BGNBD, x: Any, t_x: Any, T: Any) -> np.ndarray:
    """P(still a customer | x, t_x, T); 1 for customers without repeat purchases (BG/NBD: dropout
    only happens right after a purchase)."""
    x, t_x, T = _arrays(x, t_x, T)
    with np.errstate(divide="ignore", invalid="ignore"):
        lg = np.log(bg.a) - np.log(np.maximum(bg.b + x - 1, 1e-300)) + (bg.r + x) * (
            np.log(bg.alpha + T) - np.log(bg.alpha + t_x))
    return np.where(x > 0, np.exp(-np.logaddexp(0.0, lg)), 1.0)


def _growth(bg: BGNBD, t: float, x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """E[purchases in (T, T + t] | alive]: the closed form without the P(alive) factor."""
    a = bg.a if abs(bg.a - 1) > 1e-6 else 1 + 1e-6  # the form has a removable 0/0 at a = 1
    c = a + bg.b + x - 1
    z = t / (bg.alpha + T + t)
    h = hyp2f1(a + bg.b - 1 - bg.r, a - 1, c, z)  # Euler transform of 2F1(r+x, b+x; c; z)
    return c / (a - 1) * (1 - (1 - z) ** (a - 1) * h)


def expected_purchases(bg: BGNBD, t: float, x: Any, t_x: Any, T: Any) -> np.ndarray:
    """Expected purchases in the next ``t`` time units of each customer (conditional on x, t_x, T)."""
    x, t_x, T = _arrays(x, t_x, T)
    return probability_alive(bg, x, t_x, T) * _growth(bg, float(t), x, T)


def simulate_bgnbd(bg: BGNBD, T: Any, random_state: int = 0) -> pd.DataFrame:
    """Seeded draws from the BG/NBD model: x, t_x for customers observed for ``T`` time units after
    their first purchase (for tests and benchmarks: parameter recovery, speed)."""
    T = np.asarray(T, dtype=float)
    rs = np.random.RandomState(random_state)
    n = len(T)
    lam = rs.gamma(bg.r, 1.0 / bg.alpha, n)
    drop = rs.beta(bg.a, bg.b, n)
    x, t_x, now = np.zeros(n), np.zeros(n), np.zeros(n)
    active = np.ones(n, dtype=bool)
    while active.any():  # one step per purchase, over all customers still buying
        i = np.flatnonzero(active)
        # dropout right after a repeat purchase (BG/NBD: never right after the first one)
        gone = (x[i] > 0) & (rs.random_sample(len(i)) < drop[i])
        nxt = now[i] + rs.exponential(1.0, len(i)) / np.maximum(lam[i], 1e-300)
        buy = ~gone & (nxt <= T[i])
        j = i[buy]
        x[j] += 1
        t_x[j] = now[j] = nxt[buy]
        active[i[~buy]] = False
    return pd.DataFrame({"x": x, "t_x": t_x, "T": T})


# -- Gamma–Gamma ----------------------------------------------------------------------------
def _gg_nll(theta: np.ndarray, x, m, xu, xi, cnt, lx, lm) -> tuple[float, np.ndarray]:
    p, q, g = np.exp(theta)
    n = len(x)
    px = p * xu
    ll_u = gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(g) + px * np.log(xu)
    pxi = p * x
    lgxm = np.log(g + x * m)
    ll = _dot(cnt, ll_u) + _dot(pxi - 1, lm) - _dot(pxi + q, lgxm)
    d_pxq = digamma(px + q)
    g_p = _dot(cnt, xu * (d_pxq - digamma(px) + np.log(xu))) + _dot(x, lm - lgxm)
    g_q = _dot(cnt, d_pxq - digamma(q) + np.log(g)) - lgxm.sum()
    g_g = n * q / g - ((pxi + q) / (g + x * m)).sum()
    return -ll / n, -np.array([g_p * p, g_q * q, g_g * g]) / n


def fit_gamma_gamma(x: Any, m: Any, random_state: int = 0, n_starts: int = 3) -> GammaGamma:
    """Gamma–Gamma by maximum likelihood on repeat buyers: ``x`` > 0 repeat purchases with mean
    value ``m`` > 0 (rows without a repeat purchase or value are left out)."""
    x, m = _arrays(x, m)
    keep = (x > 0) & (m > 0) & np.isfinite(m)
    x, m = x[keep], m[keep]
    if len(x) < _MIN_BUYERS or np.ptp(m) <= 0:
        raise ModelInputError(f"Gamma–Gamma needs at least {_MIN_BUYERS} repeat buyers with different "
                              f"mean purchase values; found {len(x)}")

    def data(idx):
        xs, ms = (x, m) if idx is None else (x[idx], m[idx])
        xu, xi = np.unique(xs, return_inverse=True)
        return xs, ms, xu, xi, np.bincount(xi).astype(float), np.log(xs), np.log(ms)

    start = np.log([2.0, 3.0, float(np.mean(m))])
    res = _minimise(_gg_nll, start, data, len(x), random_state, n_starts)
    p, q, g = np.exp(res.x)
    return GammaGamma(float(p), float(q), float(g), loglik=float(-res.fun * len(x)), n=len(x))


def expected_spend(gg: GammaGamma, x: Any, m: Any) -> np.ndarray:
    """Expected value of a future purchase (posterior mean; the population mean for x = 0).
    Needs q > 1 (otherwise the mean does not exist; see :class:`CLVModel`)."""
    x, m = _arrays(x, m)
    m = np.where(x > 0, np.nan_to_num(m), 0.0)
    return gg.p * (gg.gamma + x * m) / (gg.p * x + gg.q - 1)


# -- first purchase of registered customers who never bought -------------------------------
def _first_nll(theta: np.ndarray, d: np.ndarray, c: np.ndarray) -> float:
    r, al = np.exp(theta)
    ll = len(d) * (np.log(r) + r * np.log(al)) - (r + 1) * np.log(al + d).sum()
    return -(ll + r * (len(c) * np.log(al) - np.log(al + c).sum())) / (len(d) + len(c))


def fit_first_purchase(delay: Any, waiting: Any) -> tuple[float, float]:
    """(r, α) of the time from registration to the first purchase: exponential with a Gamma(r, α)
    rate across customers (Lomax), by maximum likelihood from the ``delay`` of the buyers and the
    ``waiting`` time (censored) of the registered customers who have not bought yet."""
    d, c = _arrays(delay, waiting)
    d, c = np.clip(d[np.isfinite(d)], 0, None), np.clip(c[np.isfinite(c)], 0, None)
    start = np.log([1.0, max(float(np.mean(d)) if len(d) else 1.0, 1e-3)])
    with np.errstate(all="ignore"), one_thread("blas"):
        res = minimize(_first_nll, start, args=(d, c), method="L-BFGS-B", bounds=[(-_BOUND, _BOUND)] * 2)
    r, al = np.exp(res.x)
    return float(r), float(al)


# -- value over a horizon -------------------------------------------------------------------
def customer_value(bg: BGNBD, spend: Any, x: Any, t_x: Any, T: Any, horizon: float, discount_rate: float,
                   unit_days: float = TIME_UNIT_DAYS) -> tuple[np.ndarray, np.ndarray]:
    """Expected purchases and discounted value over ``horizon`` time units, in monthly steps.

    Each month's expected purchases (difference of the cumulative closed form) times ``spend``
    (expected value per purchase) is discounted by ``(1 + discount_rate) ** -years`` at the
    month's end.  (x, T) pairs are evaluated once each.  Returns (purchases, value).
    """
    x, t_x, T, spend = _arrays(x, t_x, T, spend)
    step = MONTH_DAYS / unit_days
    n_steps = max(int(np.ceil(horizon / step - 1e-9)), 1)
    ends = np.minimum(np.arange(1, n_steps + 1) * step, horizon)
    pairs, inv = np.unique(np.column_stack([x, T]), axis=0, return_inverse=True)
    inv = inv.ravel()
    xu, Tu = pairs[:, 0], pairs[:, 1]
    prev = np.zeros(len(xu))
    disc_units = np.zeros(len(xu))
    for t in ends:  # one closed-form evaluation per month, on the distinct (x, T) pairs
        cur = _growth(bg, float(t), xu, Tu)
        disc_units += (cur - prev) * (1 + discount_rate) ** (-(t * unit_days) / 365.25)
        prev = cur
    alive = probability_alive(bg, x, t_x, T)
    return alive * prev[inv], alive * disc_units[inv] * spend


class CLVModel:
    """BG/NBD + Gamma–Gamma on the purchase summary (columns in days, model time in weeks).

    ``fit(summary)``: a table with :data:`segment_lib.features.SUMMARY_COLUMNS` (customers without
    purchases are left out of the fit).  ``predict(summary)``: customer_id, expected_purchases,
    probability_alive, expected_spend, predicted_clv over ``horizon_months`` (discounted at
    ``discount_rate`` per year).  Customers without a purchase yet (registered, never bought) are
    outside BG/NBD: when the table has ``tenure_days`` (days since registration) their chance of a
    first purchase within the horizon comes from :func:`fit_first_purchase` (``first_purchase_``),
    their value is that chance × the average purchase value (repeat purchases after a first one
    are left out: a conservative value), discounted at mid-horizon; probability alive is missing
    for them.  Without ``tenure_days`` their value is 0.  When the spend model has q <= 1 (no finite mean), each customer's
    own mean repeat value (the overall mean for one-time buyers) is used instead and ``warnings_``
    says so.  ``spend_frequency_correlation_``: Spearman correlation of repeat purchases and mean
    repeat value among repeat buyers (Gamma–Gamma assumes independence; CDNOW: 0.21); above 0.3 in
    absolute value ``warnings_`` says so.
    """

    def __init__(self, horizon_months: float = DEFAULT_CLV_HORIZON_MONTHS,
                 discount_rate: float = DEFAULT_DISCOUNT_RATE, random_state: int = 0, n_starts: int = 3):
        self.horizon_months = horizon_months
        self.discount_rate = discount_rate
        self.random_state = random_state
        self.n_starts = n_starts

    @staticmethod
    def _columns(summary: pd.DataFrame) -> tuple[np.ndarray, ...]:
        from ..features import SUMMARY_COLUMNS

        missing = [c for c in SUMMARY_COLUMNS if c not in summary.columns]
        if missing:
            raise ModelInputError(
                f"the CLV model needs the purchase summary columns {missing}; add them with "
                "segment_lib.features.add_purchase_summary(features, dataset)")
        x, span, age, m = (pd.to_numeric(summary[c], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
                           for c in SUMMARY_COLUMNS)
        return x, span / TIME_UNIT_DAYS, age / TIME_UNIT_DAYS, m

    def fit(self, summary: pd.DataFrame) -> CLVModel:
        h, d = float(self.horizon_months), float(self.discount_rate)
        if not h > 0 or not d >= 0:
            raise ModelInputError(f"CLV horizon must be > 0 months and discount rate >= 0, got {h}, {d}")
        x, t_x, T, m = self._columns(summary)
        b = np.isfinite(T)
        self.bgnbd_ = fit_bgnbd(x[b], t_x[b], T[b], self.random_state, self.n_starts)
        self.gamma_gamma_ = fit_gamma_gamma(x[b], m[b], self.random_state, self.n_starts)
        rep = b & (x > 0) & (m > 0)
        self.mean_spend_ = float(np.average(m[rep], weights=x[rep]))
        self.first_purchase_ = None
        tenure = self._tenure(summary)
        if tenure is not None and (~b & np.isfinite(tenure)).any():
            self.first_purchase_ = fit_first_purchase((tenure - T * TIME_UNIT_DAYS)[b] / TIME_UNIT_DAYS,
                                                      tenure[~b] / TIME_UNIT_DAYS)
        self.warnings_ = []
        gg = self.gamma_gamma_
        if max(abs(np.log([gg.p, gg.q, gg.gamma]))) >= _BOUND - 1e-6:
            self.warnings_.append("the spend model reached the edge of its search range "
                                  f"(p = {gg.p:.3g}, q = {gg.q:.3g}, γ = {gg.gamma:.3g}): customers' purchase "
                                  "values barely vary around their own mean, which is then their expected value")
        both = rep & np.isfinite(m)
        self.spend_frequency_correlation_ = float(pd.Series(x[both]).corr(pd.Series(m[both]), method="spearman"))
        if abs(self.spend_frequency_correlation_) > _MAX_SPEND_CORRELATION:
            self.warnings_.append(
                "the value per purchase goes with how often customers buy (rank correlation "
                f"{self.spend_frequency_correlation_:.2f} among repeat buyers), while the spend model assumes "
                "they are unrelated: read the predicted values as a ranking more than as exact amounts")
        if self.gamma_gamma_.q <= 1:
            self.warnings_.append(f"the spend model has q = {self.gamma_gamma_.q:.2f} <= 1 (no finite mean); "
                                  "each customer's own mean repeat purchase value is used instead")
        return self

    @staticmethod
    def _tenure(summary: pd.DataFrame) -> np.ndarray | None:
        if "tenure_days" not in summary.columns:
            return None
        return pd.to_numeric(summary["tenure_days"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)

    def predict(self, summary: pd.DataFrame, horizon_months: float | None = None,
                discount_rate: float | None = None) -> pd.DataFrame:
        if not hasattr(self, "bgnbd_"):
            raise ModelInputError("this CLVModel is not fitted yet; call fit() first")
        x, t_x, T, m = self._columns(summary)
        h = float(self.horizon_months if horizon_months is None else horizon_months)
        d = float(self.discount_rate if discount_rate is None else discount_rate)
        b = np.isfinite(T)
        n = len(x)
        buys, value = np.zeros(n), np.zeros(n)
        alive = np.full(n, np.nan)
        if self.gamma_gamma_.q > 1:
            spend = expected_spend(self.gamma_gamma_, x, m)
        else:
            spend = np.where((x > 0) & (m > 0), m, self.mean_spend_)
        spend = np.asarray(spend, dtype=float)
        if b.any():
            buys[b], value[b] = customer_value(self.bgnbd_, spend[b], x[b], t_x[b], T[b],
                                               h * MONTH_DAYS / TIME_UNIT_DAYS, d)
            alive[b] = probability_alive(self.bgnbd_, x[b], t_x[b], T[b])
        tenure = self._tenure(summary)
        if self.first_purchase_ is not None and tenure is not None:
            nb = ~b & np.isfinite(tenure)
            r0, a0 = self.first_purchase_
            hw, c = h * MONTH_DAYS / TIME_UNIT_DAYS, tenure[nb] / TIME_UNIT_DAYS
            buys[nb] = 1 - ((a0 + c) / (a0 + c + hw)) ** r0
            value[nb] = buys[nb] * spend[nb] * (1 + d) ** (-h / 24)
        ids = summary["customer_id"].astype("string").to_numpy() if "customer_id" in summary.columns else \
            np.asarray(summary.index.astype(str))
        return pd.DataFrame({"customer_id": pd.array(ids, dtype="string"), "expected_purchases": buys,
                             "probability_alive": alive, "expected_spend": spend,
                             "predicted_clv": value})

    def params_table(self) -> pd.DataFrame:
        """The fitted parameters in one table (model, parameter, value)."""
        bg, gg = self.bgnbd_, self.gamma_gamma_
        rows = [("BG/NBD", "r", bg.r), ("BG/NBD", "alpha (weeks)", bg.alpha), ("BG/NBD", "a", bg.a),
                ("BG/NBD", "b", bg.b), ("Gamma–Gamma", "p", gg.p), ("Gamma–Gamma", "q", gg.q),
                ("Gamma–Gamma", "gamma", gg.gamma)]
        return pd.DataFrame(rows, columns=["model", "parameter", "value"])
