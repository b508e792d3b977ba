"""Single homes for measures that several reports share: inequality, revenue windows, tier effort.

* :func:`gini`: the Gini coefficient (``stats.gini`` and ``summary.gini`` are this function).
* :func:`customer_revenue`: net revenue per customer in a window before the analysis date
  (the overview, the region report and the rebalance inputs all use it).
* :func:`tier_effort_weights` and :func:`customer_effort`: how many "accounts" of rep capacity a
  customer of a tier takes (workload).  Default weights: :data:`segment_lib.params.DEFAULT_TIER_EFFORT`.

Untiered customers
------------------
A customer without a tier counts with effort :data:`UNTIERED_EFFORT` (1.0, the size of a plain
account) everywhere -- region report, rebalance inputs, demo -- and the caller lists how many
there were (:attr:`CustomerEffort.note`).  It is neither dropped (that would hide workload)
nor guessed from the tiered customers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ._arrow import all_distinct, index_of, same_values
from .errors import ConfigError, ModelInputError
from .params import DEFAULT_TIER_EFFORT

__all__ = ["UNTIERED_EFFORT", "CustomerEffort", "customer_effort", "customer_revenue", "gini",
           "tier_effort_weights"]

#: Effort of a customer without a tier (see the module docstring).
UNTIERED_EFFORT = 1.0


# ---------------------------------------------------------------------------
# Inequality
# ---------------------------------------------------------------------------


def gini(x: Any, *, negatives: str = "raise") -> float:
    """Gini coefficient: sum_ij |x_i - x_j| / (2 n^2 mean).

    0 = perfectly equal, (n-1)/n = everything on one element.  Computed from the sorted values
    as (2 * sum_i i x_(i)) / (n * sum x) - (n + 1) / n with i = 1..n.  NaNs are dropped; NaN for
    an empty input or a zero total.  ``negatives``: ``"raise"`` (a negative value is a
    :class:`ModelInputError`, e.g. loads) or ``"clip"`` (negatives count as 0, e.g. revenue
    with net returns).
    """
    if negatives not in ("raise", "clip"):
        raise ValueError("negatives must be 'raise' or 'clip'")
    v = np.asarray(x, dtype=float)
    v = v[~np.isnan(v)]
    if negatives == "clip":
        v = np.clip(v, 0.0, None)
    v = np.sort(v)
    n = v.size
    if n == 0 or v.sum() == 0:
        return float("nan")
    if (v < 0).any():
        raise ModelInputError("gini needs non-negative values")
    i = np.arange(1, n + 1)
    return float(2.0 * np.sum(i * v) / (n * v.sum()) - (n + 1) / n)


# ---------------------------------------------------------------------------
# Revenue window
# ---------------------------------------------------------------------------


def customer_revenue(
    transactions: pd.DataFrame,
    as_of: Any,
    window_days: int | None,
    *,
    months: int | None = None,
    customer_ids: Any = None,
    clip_at_zero: bool = False,
    customer_codes: np.ndarray | None = None,
) -> pd.Series:
    """Net revenue per customer over the window ``(as_of - window, as_of]``.

    transactions: table with ``customer_id``, ``date``, ``amount`` (returns are negative; a
        missing amount counts as 0).
    as_of: the analysis date (``Dataset.as_of``).  Required when there is a window.
    window_days: length of the window in days; ``months``: the window in calendar months
        instead (``pd.DateOffset``; pass ``window_days=None``).  Both None: every transaction,
        whatever its date (``as_of`` is then not used).
    customer_ids: the customers to report, in this order (0 for a customer without
        transactions in the window; transactions of other customers are ignored).  None: the
        customers with a transaction in the window, sorted by id as text.
    clip_at_zero: a customer whose net revenue is negative counts as 0.
    customer_codes: position of each transaction's customer in ``customer_ids`` (-1 = unknown),
        when the caller has it already; skips the id lookup.

    Returns a float Series ``revenue`` indexed by customer id.  Raises :class:`ModelInputError`
    for a window without an analysis date or for both ``window_days`` and ``months``.
    """
    tx = transactions
    amount = tx["amount"].to_numpy(dtype=float, na_value=0.0)
    if window_days is None and months is None:
        in_window = np.ones(len(tx), dtype=bool)
    else:
        if window_days is not None and months is not None:
            raise ModelInputError("give the revenue window in days or in months, not both")
        if as_of is None or pd.isna(as_of):
            raise ModelInputError("revenue per customer in a window needs the analysis date (as_of); "
                                  "set as_of in the config or pass it explicitly")
        end = pd.Timestamp(as_of)
        start = end - (pd.DateOffset(months=months) if months is not None else pd.Timedelta(days=window_days))
        d = pd.to_datetime(tx["date"])
        if getattr(d.dt, "tz", None) is None:  # NumPy comparisons on the datetime64 values (NaT -> False)
            v = d.to_numpy()
            in_window = (v > start.to_datetime64()) & (v <= end.to_datetime64())
        else:
            in_window = ((d > start) & (d <= end)).to_numpy(dtype=bool)
    if customer_ids is not None:
        ids = customer_ids if isinstance(customer_ids, pd.Index) else pd.Index(customer_ids)
        codes = index_of(tx["customer_id"], ids) if customer_codes is None else np.asarray(customer_codes)
        ok = in_window & (codes >= 0)
        rev = np.bincount(codes[ok], weights=amount[ok], minlength=len(ids))
        out = pd.Series(rev, index=ids, name="revenue", dtype=float)
    else:
        codes, uniques = pd.factorize(tx.loc[in_window, "customer_id"].astype(str), sort=True)
        rev = np.bincount(codes, weights=amount[in_window], minlength=len(uniques))
        out = pd.Series(rev, index=pd.Index(np.asarray(uniques, dtype=object), name="customer_id"),
                        name="revenue", dtype=float)
    return out.clip(lower=0.0) if clip_at_zero else out


# ---------------------------------------------------------------------------
# Tier effort (workload)
# ---------------------------------------------------------------------------


def tier_effort_weights(tier_names: Sequence[str] | None = None,
                        tier_effort: Mapping[str, float] | None = None) -> dict[str, float]:
    """Effort weight per tier label.

    tier_effort: the effort table (config ``params.regions.tier_effort``); default
        :data:`segment_lib.params.DEFAULT_TIER_EFFORT`.
    tier_names: the tier labels to weigh, **best tier first** (e.g. a fitted model's
        ``tier_names_``).  None: the effort table itself.  When every name has a weight, each
        keeps its own weight.  Otherwise all names are mapped *by rank* onto the effort labels
        ordered by weight (heaviest first): the best tier gets the heaviest label's weight, the
        worst the lightest, the ones in between spread evenly
        (``round(i * (n_labels - 1) / (n_tiers - 1))``).

    Returns a dict label -> weight (float), in the order of ``tier_names`` (or of the table).
    """
    te = {str(k): float(v) for k, v in (DEFAULT_TIER_EFFORT if tier_effort is None else tier_effort).items()}
    if tier_names is None:
        return te
    names = [str(n) for n in tier_names]
    if set(names) <= set(te):
        return {n: te[n] for n in names}
    if not te:
        raise ConfigError("the tier effort table is empty; set params.regions.tier_effort")
    labels = sorted(te, key=te.get, reverse=True)
    k = len(names)
    pos = np.round(np.arange(k) * (len(labels) - 1) / max(k - 1, 1)).astype(int)
    return {n: te[labels[p]] for n, p in zip(names, pos)}


@dataclass(frozen=True)
class CustomerEffort:
    """Effort per customer (see :func:`customer_effort`).

    tier: Series customer_id -> tier label (None for untiered customers), in ``customer_ids`` order.
    effort: Series customer_id -> effort weight (:data:`UNTIERED_EFFORT` for untiered customers).
    untiered: bool array, True for customers without a tier.
    weights: the effort table used (label -> weight).
    n_extra: tier rows naming customers that are not among ``customer_ids`` (ignored).
    """

    tier: pd.Series
    effort: pd.Series
    untiered: np.ndarray
    weights: dict[str, float] = field(default_factory=dict)
    n_extra: int = 0

    @property
    def n_untiered(self) -> int:
        return int(self.untiered.sum())

    @property
    def note(self) -> str | None:
        """The sentence for warnings / notes when some customers have no tier, else None."""
        n = self.n_untiered
        if not n:
            return None
        return f"{n:,} customers have no tier; they count with effort {UNTIERED_EFFORT:.1f}"


def customer_effort(tiers: pd.Series | Mapping, customer_ids: Any,
                    tier_effort: Mapping[str, float] | None = None) -> CustomerEffort:
    """Tier and effort weight of every customer in ``customer_ids`` (in that order).

    tiers: Series (or mapping) customer_id -> tier label; ids are compared as text.
    tier_effort: label -> weight (default :data:`segment_lib.params.DEFAULT_TIER_EFFORT`; use
        :func:`tier_effort_weights` first to weigh tier names that are not in the table).
    Customers without a tier count with :data:`UNTIERED_EFFORT` (1.0); the result's ``note``
    says how many.  Raises :class:`ConfigError` for tier labels without an effort weight and
    :class:`ModelInputError` for duplicate customer ids in ``tiers``.
    """
    if isinstance(tiers, Mapping) and not isinstance(tiers, pd.Series):
        tiers = pd.Series(tiers, dtype=object)
    if not isinstance(tiers, pd.Series):
        raise ModelInputError("tiers must be a pandas Series customer_id -> tier label")
    te = tier_effort_weights(None, tier_effort)
    tier_ids = pd.Index(tiers.index).astype("string")
    ids = customer_ids if isinstance(customer_ids, pd.Index) else pd.Index(customer_ids)
    aligned = same_values(ids, tier_ids) and ids.is_unique  # tiers of exactly these customers, in order
    if not aligned and not all_distinct(tier_ids):
        raise ModelInputError("tiers has duplicate customer ids")
    # labels by integer code (a handful of tiers): no per-customer string work on 1M customers
    codes, names = pd.factorize(tiers.to_numpy(dtype=object), use_na_sentinel=True)
    names = np.asarray([str(n) for n in names], dtype=object)
    unknown = sorted(set(names) - set(te))
    if unknown:
        raise ConfigError(f"tier labels {unknown} have no effort weight; add them to params.regions.tier_effort "
                          f"(known: {sorted(te)})")
    # each customer's row in tiers (ids compared as text), -1: no tier row
    pos = np.arange(len(ids)) if aligned else index_of(ids, tier_ids)
    code = np.where(pos >= 0, codes[np.maximum(pos, 0)] if len(codes) else -1, -1)
    untiered = code < 0
    tier = np.empty(len(ids), dtype=object)
    if len(names):
        tier[~untiered] = names[code[~untiered]]
    weight = np.array([te[n] for n in names], dtype=float)
    effort = np.where(untiered, UNTIERED_EFFORT, weight[np.maximum(code, 0)] if len(weight) else UNTIERED_EFFORT)
    n_extra = int(len(tier_ids) - (pos >= 0).sum()) if ids.is_unique else int(len(tier_ids.difference(ids.astype("string"))))
    return CustomerEffort(tier=pd.Series(tier, index=ids, name="tier", dtype=object),
                          effort=pd.Series(effort, index=ids, name="effort"),
                          untiered=np.asarray(untiered, dtype=bool), weights=te, n_extra=n_extra)
