"""Customer features as of a date: one row per customer, computed without per-customer loops.

:func:`customer_features` turns the canonical ``customers`` / ``transactions`` /
``interactions`` tables (see :mod:`segment_lib.contract`) into the table that
:mod:`segment_lib.tiering` clusters.  The rules are computed by one of four engines (backends of this
package); every engine returns the same table (same columns, dtypes and customer order; tested):

=================  =====================================================================================
engine             what it does / when to use it
=================  =====================================================================================
``"pandas"``       NumPy ``bincount`` / ``ufunc.at`` on integer customer codes, in memory
                   (:mod:`~segment_lib.features.core`).  Default; fastest up to the size that fits
                   comfortably in RAM (see ``docs/scale.md``).
``"duckdb"``       the same aggregation as one SQL ``GROUP BY`` over the in-memory frames
                   (:mod:`~segment_lib.features.sql`).
``"parquet"``      **out-of-core**: DuckDB reads the Parquet files itself with a ``memory_limit`` and a
                   ``temp_directory`` to spill to (:func:`~segment_lib.features.sql.parquet_features`).
                   Given a Dataset already in memory, the DuckDB aggregation runs on the frames.
``"dask"``         **distributed**: customers are partitioned by a hash of ``customer_id``, every table is
                   shuffled on the same key and the pandas feature code runs per partition
                   (:mod:`~segment_lib.features.dask`); :func:`~segment_lib.features.dask.assign_tiers`
                   predicts tiers per partition with a fitted model.
=================  =====================================================================================

The engine is a name or a config ``params.engine`` mapping (:func:`segment_lib.params.parse_engine`),
e.g. ``{name: dask, address: "tcp://scheduler:8786"}`` or ``{name: parquet, memory_limit: 4GB}``.

The analysis date is the explicit ``as_of``, else the dataset's ``as_of`` (resolved once by
:func:`segment_lib.io.load_dataset`); no engine derives it on its own.

Rules (also in ``docs/tiering.md``)
-----------------------------------
* **As-of cut.** Only rows with ``date <= as_of`` count (dates are compared as
  calendar days; the whole ``as_of`` day counts).  Customers whose ``created_at``
  is after ``as_of`` did not exist yet and are left out; every other customer gets
  exactly one row, including customers with no purchases at all.
* **Window.** ``frequency``, ``monetary_*``, ``trend``, ``return_share``,
  ``n_interactions`` and ``n_complaints`` use the look-back window
  ``(as_of - lookback_days, as_of]``.  ``recency_days``, ``first_purchase``,
  ``last_purchase``, ``orders_lifetime`` and ``tenure_days`` use all history up to ``as_of``.
* **Order.** With ``order_id`` (order lines): an order is one distinct ``order_id`` of the customer
  with at least one line of ``amount > 0`` (``frequency``, ``orders_lifetime``; a line without an
  order id is its own order); lines with negative amounts are returns / cancellations and count
  in the net amount.  Without ``order_id``: an order is one transaction row with ``amount > 0`` (the contract keys
  transactions by ``transaction_id``, so this is also "one positive transaction id").
  Rows with ``amount < 0`` are returns: they reduce ``monetary_total`` (net) and feed
  ``return_share`` but are not orders and do not move ``recency_days``.  Rows with
  ``amount == 0`` are ignored: they neither count as orders nor change any sum.
* **Returns / negatives.** ``monetary_total`` is the *net* amount in the window and can
  be negative when returns in the window refer to purchases before it; models clip it
  at 0.  ``return_share`` = returned amount / gross purchases in the window (0 when no
  purchases in the window; can exceed 1 when purchases from before the window are returned).
* **No purchases.** ``has_purchases`` is False, ``recency_days``, ``first_purchase`` and
  ``last_purchase`` are missing (NaN / NaT), ``frequency`` and ``monetary_*`` are 0,
  ``trend`` is 0.  :class:`~segment_lib.tiering.TierModel` fills the missing recency
  with its recency cap, i.e. treats them as the least recent customers.
* **One-time buyers.** ``is_one_time`` is True when the customer has exactly one order
  in all history up to ``as_of``.
* **New customers.** ``tenure_days`` counts from the earlier of ``created_at`` and the
  first purchase.  ``is_new`` is True when that start lies inside the look-back window
  (the customer is younger than ``lookback_days``, so their window totals are not
  comparable with older customers').  Unknown start (no ``created_at``, no purchases)
  gives NaN tenure and ``is_new`` False.
* **Trend.** With ``h = lookback_days // 2``, ``S_recent`` = gross purchases in
  ``(as_of - h, as_of]`` and ``S_previous`` = gross purchases in
  ``(as_of - lookback_days, as_of - h]``; ``trend = (S_recent - S_previous) /
  (S_recent + S_previous)`` in [-1, 1] (+1 = all buying in the recent half, -1 = stopped
  buying), 0 when both are 0.
* **NaN amounts** in the rows that count raise :class:`~segment_lib.errors.ModelInputError`
  naming how many rows and which customers (use ``nan_amounts="drop"`` to skip them).
* Transactions of customer ids that are not in ``customers`` are ignored (io validation
  normally rejects them).

Output columns
--------------
customer_id, recency_days, frequency, monetary_total, monetary_avg, tenure_days,
first_purchase, last_purchase, trend, n_interactions, n_complaints, return_share,
orders_lifetime, is_one_time, is_new, has_purchases, plus ``industry`` and
``geo_unit_id`` copied from ``customers`` when present (for ``group_by``).

Repeat-purchase summary (CLV model input)
-----------------------------------------
:func:`purchase_summary` / :func:`add_purchase_summary` (:mod:`~segment_lib.features.purchases`):
repeat_purchases, purchase_span_days, days_since_first, repeat_spend_avg per customer, one purchase
per customer-day, all history up to ``as_of`` (NumPy on the in-memory tables, any engine).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import pandas as pd

from ..contract import Dataset
from ..errors import ConfigError, ModelInputError
from ..params import DEFAULT_LOOKBACK_DAYS, EngineSpec, parse_engine
from .core import (
    CARRIED_ATTRIBUTES,
    FEATURE_COLUMNS,
    customer_frame,
    finish_features,
    next_period_revenue,
    pandas_features,
)
from .purchases import SUMMARY_COLUMNS, add_purchase_summary, purchase_summary
from .dask import assign_tiers, close_clients, dask_customer_features, get_client, partition_of
from .sql import duckdb_features, parquet_features, parquet_sources, transaction_aggregate_sql

__all__ = [
    "customer_features",
    "next_period_revenue",
    "purchase_summary",
    "add_purchase_summary",
    "SUMMARY_COLUMNS",
    "FEATURE_COLUMNS",
    "CARRIED_ATTRIBUTES",
    "customer_frame",
    "finish_features",
    "transaction_aggregate_sql",
    "parquet_features",
    "dask_customer_features",
    "assign_tiers",
    "get_client",
    "close_clients",
    "partition_of",
]


def customer_features(
    dataset_or_tables: Any,
    as_of: Any = None,
    lookback_days: int | str = DEFAULT_LOOKBACK_DAYS,
    engine: Literal["pandas", "duckdb", "parquet", "dask"] | Mapping[str, Any] | EngineSpec | None = None,
    nan_amounts: Literal["raise", "drop"] = "raise",
    *,
    client: Any = None,
) -> pd.DataFrame:
    """One row per customer describing their buying and service contacts as of ``as_of``.

    Parameters
    ----------
    dataset_or_tables:
        a :class:`~segment_lib.contract.Dataset` (or an object with a ``.dataset``, such as
        demo data), a dict with ``transactions`` and optionally ``customers``,
        ``interactions`` and ``as_of``, or just a transactions DataFrame (customers are
        then the distinct ``customer_id`` values).  ``customer_id`` in transactions may be
        a categorical (dictionary-encoded) column; that is the fastest input.  For
        ``engine="parquet"`` it may also be a :class:`~segment_lib.config.Config` (or config YAML
        path) whose sources are Parquet files, or a dict of Parquet paths; for ``"dask"`` the tables
        may be dask DataFrames or Parquet paths.
    as_of:
        the reference date; defaults to the dataset's ``as_of`` (or ``as_of`` in the dict / the
        config).  Without either, :class:`ModelInputError`: the date is never guessed here.
    lookback_days:
        length of the window for frequency / monetary / trend / contacts in days
        (default :data:`segment_lib.params.DEFAULT_LOOKBACK_DAYS`, 365), or ``"all"``: from the first
        transaction to ``as_of`` (in-memory engines).
    engine:
        None or ``"pandas"`` (NumPy aggregation), ``"duckdb"`` (SQL), ``"parquet"`` (DuckDB on
        Parquet paths, out-of-core), ``"dask"``, or a config mapping such as
        ``{"name": "dask", "address": "tcp://..."}`` (see the package docstring); results are identical.
    nan_amounts:
        ``"raise"`` (default) raises :class:`ModelInputError` when a counted transaction has
        no amount; ``"drop"`` ignores those rows.
    client:
        an existing ``dask.distributed.Client`` (Dask only; default: :func:`get_client` for the spec).

    Returns
    -------
    DataFrame with the columns listed in the package docstring, ordered like ``customers``
    (or by ``customer_id`` when only transactions are given), default RangeIndex.
    The rules for returns, customers without purchases, one-time buyers and new customers
    are in the package docstring and ``docs/tiering.md``.
    """
    try:
        spec = parse_engine(engine)
    except ConfigError as e:  # a bad engine argument is a bad model input here
        raise ModelInputError(str(e)) from None
    data = dataset_or_tables
    if spec.name == "pandas":
        return pandas_features(data, as_of, lookback_days, nan_amounts)
    if spec.name == "duckdb":
        return duckdb_features(data, as_of, lookback_days, nan_amounts)
    if spec.name == "parquet":
        if isinstance(data, Dataset) or isinstance(getattr(data, "dataset", None), Dataset):
            # tables already in memory (a loaded Dataset): nothing to stream from disk, so the same
            # DuckDB aggregation runs on the frames (identical result, tested)
            return duckdb_features(data, as_of, lookback_days, nan_amounts)
        src = parquet_sources(data)
        return parquet_features(src["transactions"], src.get("customers"), src.get("interactions"),
                                as_of=as_of if as_of is not None else src.get("as_of"),
                                lookback_days=lookback_days, nan_amounts=nan_amounts,
                                memory_limit=spec.memory_limit, temp_directory=spec.temp_directory,
                                threads=spec.threads)
    return dask_customer_features(data, as_of, lookback_days, nan_amounts=nan_amounts, client=client,
                                  engine=spec, npartitions=spec.npartitions)
