"""Holdout check: would the tiers drawn some months ago have pointed at the revenue that followed?

:func:`validate_tiers` fits each method on the customer features as of ``as_of − horizon`` (the
cut-off) and compares the tiers with the net revenue every customer brought in
``(cut-off, as_of]`` (:func:`segment_lib.features.next_period_revenue`):

* mean realised revenue per tier — it should fall from the top tier down (``ordered``);
* the top tier's share of the realised revenue (and of the customers);
* Spearman's rank correlation between tier rank and realised revenue (1 = perfect order;
  ties within a tier make values near 1 impossible for few tiers);
* for ``clv``: a calibration table of predicted vs realised revenue by ten groups of predicted
  value (predictions over the same horizon, undiscounted, so they are comparable with revenue).

The number of tiers is fixed (``n_tiers``, e.g. the run's chosen number) for kmeans / gmm / clv:
choosing k by the data ("auto") refits every candidate k and bootstraps, which would make the
check cost many times a tier fit; rfm / abc / threshold make their own number of tiers.  Customers
are those that exist at the cut-off (later sign-ups were never tiered).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from ..errors import ModelInputError
from ..fmt import money_text
from ..params import DEFAULT_HOLDOUT_METHODS, DEFAULT_HOLDOUT_MONTHS, DEFAULT_LOOKBACK_DAYS
from .labels import METHODS
from .model import TierModel

__all__ = ["Holdout", "validate_tiers"]

_FIXED_K = ("kmeans", "gmm", "clv")


@dataclass
class Holdout:
    """Result of :func:`validate_tiers`.

    summary: one row per method: method, n_tiers, top_tier, top_customer_share, top_revenue_share,
        top_lift (top tier's mean revenue / everyone's), spearman, ordered.
    tiers: one row per method and tier: method, tier, tier_label, n_customers, customer_share,
        realised_mean, realised_share, predicted_mean (clv only).
    calibration: clv only (else empty): group (1 = lowest predicted value), n_customers,
        predicted_mean, realised_mean.
    """

    cutoff: pd.Timestamp
    as_of: pd.Timestamp
    horizon_months: int
    n_customers: int
    realised_total: float
    summary: pd.DataFrame
    tiers: pd.DataFrame
    calibration: pd.DataFrame
    models: dict[str, TierModel] = field(default_factory=dict, repr=False)
    notes: list[str] = field(default_factory=list)

    def report_table(self) -> pd.DataFrame:
        """The methods side by side for a manager (shares as fractions: ``report.table`` percent)."""
        s = self.summary
        return pd.DataFrame({"Method": s["method"], "Tiers": s["n_tiers"], "Top tier": s["top_tier"],
                             "Top tier: customer share": s["top_customer_share"],
                             "Top tier: next revenue share": s["top_revenue_share"],
                             "Tiers in order": np.where(s["ordered"], "yes", "no"),
                             "Rank agreement": s["spearman"].round(2)})

    def tier_table(self, currency: str | None = None) -> pd.DataFrame:
        """Per method and tier: customers, realised (and for clv predicted) revenue per customer."""
        from ..fmt import money_series

        t = self.tiers
        out = pd.DataFrame({"Method": t["method"], "Tier": t["tier_label"], "Customers": t["n_customers"],
                            "Customer share": t["customer_share"],
                            "Revenue per customer afterwards": money_series(t["realised_mean"], currency),
                            "Next revenue share": t["realised_share"]})
        if "predicted_mean" in t:
            out["Predicted per customer (clv)"] = money_series(t["predicted_mean"], currency).where(
                t["predicted_mean"].notna().to_numpy(), "")
        return out

    def findings(self, currency: str | None = None) -> list[str]:
        """Plain-words lines for a manager (markdown ``**bold**``)."""
        h = f"{self.horizon_months} months"
        lines = [(f"Tiers were drawn as they would have been on **{self.cutoff:%Y-%m-%d}** and compared with what "
                  f"each of the {self.n_customers:,} customers bought in the {h} after (to {self.as_of:%Y-%m-%d}, "
                  f"{money_text(self.realised_total, currency)} in total).")]
        for r in self.summary.itertuples():
            order = ("each tier bought less on average than the one above" if r.ordered
                     else "**the tiers were not in order**: a lower tier bought more on average than one above it")
            lines.append(f"**{r.method}** ({r.n_tiers} tiers): the top tier ({r.top_tier}, {r.top_customer_share:.0%} "
                         f"of customers) brought **{r.top_revenue_share:.0%}** of the next {h}' revenue; {order}; "
                         f"rank agreement {r.spearman:.2f} (1 = perfect).")
        if len(self.summary) > 1 and self.summary["spearman"].notna().any():
            best = self.summary.loc[self.summary["spearman"].idxmax()]
            lines.append(f"Best at ranking the following period's revenue: **{best['method']}**.")
        if len(self.calibration):
            c = self.calibration
            pred = float((c["predicted_mean"] * c["n_customers"]).sum())
            real = float((c["realised_mean"] * c["n_customers"]).sum())
            lines.append(f"The value model (clv) expected {money_text(pred, currency)} for those {h}; the customers "
                         f"brought {money_text(real, currency)} ({pred / real:.0%} of it predicted)." if real > 0 else
                         f"The value model (clv) expected {money_text(pred, currency)}; the customers brought nothing.")
        return lines


def _realised(dataset: Any, cutoff: pd.Timestamp, days: int, ids: pd.Series) -> np.ndarray:
    from ..features import next_period_revenue

    rev = next_period_revenue(dataset, cutoff, days=days)
    return rev.reindex(ids.astype(str).to_numpy()).fillna(0.0).to_numpy(dtype=float)


def _params(method: str, n_tiers: int, horizon: int, base: dict) -> dict:
    p = {k: v for k, v in base.items() if k not in ("method", "n_tiers", "k_range")}
    p["method"] = method
    labels = p.get("labels")
    if method in _FIXED_K:
        p["n_tiers"] = int(n_tiers)
        if isinstance(labels, (list, tuple)) and len(labels) != int(n_tiers):
            p["labels"] = None
    elif isinstance(labels, (list, tuple)):
        p["labels"] = None  # rfm / abc make their own number of tiers: their default names
    if method == "clv":  # predict the holdout horizon, undiscounted: comparable with realised revenue
        p.update(clv_horizon_months=horizon, discount_rate=0.0)
    return p


def validate_tiers(dataset: Any, as_of: Any = None, horizon: int = DEFAULT_HOLDOUT_MONTHS,
                   methods: Sequence[str] = DEFAULT_HOLDOUT_METHODS, *, n_tiers: int = 4,
                   model_params: dict | None = None, engine: Any = None,
                   lookback_days: int | str = DEFAULT_LOOKBACK_DAYS) -> Holdout:
    """Fit each of ``methods`` at ``as_of − horizon`` months and judge it on the revenue since.

    dataset: a Dataset (or demo data / dict of tables, as for ``customer_features``);
    as_of: the end of the holdout period (default: the dataset's analysis date);
    horizon: length of the holdout period in months;
    n_tiers: the number of tiers for kmeans / gmm / clv (fixed, see the module docstring);
    lookback_days: the features' window at the cut-off (the run's ``params.lookback_days``);
    model_params: further :class:`TierModel` parameters (e.g. the run's labels, rfm_segments,
        abc_cutoffs, random_state); ``method`` / ``n_tiers`` / ``k_range`` there are ignored.
    Returns a :class:`Holdout`; a method that cannot be fitted at the cut-off (e.g. clv with too
    few repeat buyers) is left out and ``notes`` says why.  Raises :class:`ModelInputError` for an
    unknown method, a cut-off before the data, or when no method can be fitted.
    """
    from ..features import add_purchase_summary, customer_features
    from ..features.core import _resolve, analysis_date

    bad = [m for m in methods if m not in METHODS]
    if bad or not methods:
        raise ModelInputError(f"validate_tiers: unknown method(s) {bad}; use some of {METHODS}")
    if int(horizon) < 1:
        raise ModelInputError(f"validate_tiers: horizon must be at least 1 month, got {horizon}")
    end = analysis_date(as_of, _resolve(dataset)[3])
    cutoff = end - pd.DateOffset(months=int(horizon))
    days = int((end - cutoff).days)
    X = customer_features(dataset, as_of=cutoff, lookback_days=lookback_days, engine=engine)
    if not X["has_purchases"].any():
        raise ModelInputError(f"validate_tiers: no purchases up to the cut-off {cutoff:%Y-%m-%d} "
                              f"({horizon} months before {end:%Y-%m-%d}); use a shorter horizon")
    if "clv" in methods:
        X = add_purchase_summary(X, dataset)
    y = _realised(dataset, cutoff, days, X["customer_id"])
    total = float(y.sum())
    base = dict(model_params or {})
    summary, tiers, models = [], [], {}
    calibration = pd.DataFrame(columns=["group", "n_customers", "predicted_mean", "realised_mean"])
    skipped = []
    for method in methods:  # one fit per method
        try:
            m = TierModel(**_params(method, n_tiers, int(horizon), base)).fit(X)
        except ModelInputError as e:  # e.g. too few repeat buyers for clv: the other methods still count
            skipped.append(f"{method} could not be fitted at the cut-off ({e})")
            continue
        models[method] = m
        t = np.asarray(m.labels_, dtype=np.int64)
        k = int(m.n_tiers_)
        n = np.bincount(t, minlength=k)
        s = np.bincount(t, weights=y, minlength=k)
        mean = np.divide(s, n, out=np.full(k, np.nan), where=n > 0)
        share = s / total if total else np.full(k, np.nan)
        tab = pd.DataFrame({"method": method, "tier": np.arange(k), "tier_label": list(m.tier_names_[:k]),
                            "n_customers": n, "customer_share": n / len(t), "realised_mean": mean,
                            "realised_share": share})
        if method == "clv":
            pv = m.tiers_["predicted_clv"].to_numpy(dtype=float)
            tab["predicted_mean"] = np.bincount(t, weights=pv, minlength=k) / np.maximum(n, 1)
            calibration = _calibration(pv, y)
        tiers.append(tab)
        filled = mean[n > 0]
        rho = spearmanr(-t, y).statistic if len(np.unique(t)) > 1 and np.ptp(y) > 0 else np.nan
        summary.append({"method": method, "n_tiers": k, "top_tier": str(m.tier_names_[0]),
                        "top_customer_share": n[0] / len(t), "top_revenue_share": share[0],
                        "top_lift": (mean[0] / (total / len(t))) if total else np.nan,
                        "spearman": float(rho), "ordered": bool(np.all(np.diff(filled) <= 0))})
    if not models:
        raise ModelInputError("validate_tiers: no method could be fitted at the cut-off: " + "; ".join(skipped))
    notes = skipped + [f"{method}: {w}" for method, m in models.items() for w in m.warnings_]
    notes += [(f"kmeans / gmm / clv use {int(n_tiers)} tiers here (fixed: choosing the number again for the "
              "check would cost many refits); rfm and abc make their own number of tiers.")]
    return Holdout(cutoff=cutoff, as_of=end, horizon_months=int(horizon), n_customers=len(X), realised_total=total,
                   summary=pd.DataFrame(summary), tiers=pd.concat(tiers, ignore_index=True),
                   calibration=calibration, models=models, notes=notes)


def _calibration(predicted: np.ndarray, realised: np.ndarray, groups: int = 10) -> pd.DataFrame:
    """Mean predicted and realised revenue in ``groups`` equal-sized groups by predicted value."""
    rank = pd.Series(predicted).rank(method="first").to_numpy()
    g = np.minimum((rank - 1) * groups // len(rank), groups - 1).astype(np.int64)
    n = np.bincount(g, minlength=groups)
    return pd.DataFrame({"group": np.arange(1, groups + 1), "n_customers": n,
                         "predicted_mean": np.bincount(g, weights=predicted, minlength=groups) / np.maximum(n, 1),
                         "realised_mean": np.bincount(g, weights=realised, minlength=groups) / np.maximum(n, 1)})
