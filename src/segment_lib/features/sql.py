"""The SQL engines: DuckDB on in-memory frames (``"duckdb"``) and DuckDB directly on Parquet files,
out-of-core (``"parquet"``), sharing one aggregate query (:func:`transaction_aggregate_sql`).

Both follow the same rules as the pandas engine (:mod:`segment_lib.features`) and return the same table
(tested).  The out-of-core engine never loads the transactions into pandas: DuckDB reads the Parquet
files itself with a ``memory_limit`` and spills to a ``temp_directory`` beyond it; only the
per-customer aggregates (one row per customer) are held in pandas.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .._arrow import index_of
from ..errors import ConfigError, ModelInputError
from ..params import DEFAULT_LOOKBACK_DAYS
from .core import (
    _AGG_FLOAT,
    _AGG_INT,
    _BIG,
    PathLike,
    _as_day,
    _days,
    _nan_error,
    analysis_date,
    check_lookback,
    customer_frame,
    finish_features,
    in_memory_features,
    parquet_paths,
)


def transaction_aggregate_sql(base: str, start: int, half_day: int, orders: bool = False) -> str:
    """The per-customer transaction aggregates in SQL (DuckDB), over ``base``.

    ``base`` is a query with columns ``pos`` (customer position), ``day`` (days since the epoch,
    rows after as_of already removed) and ``amount``; ``start`` is the first day *outside* the
    window and ``half_day`` the day splitting it for the trend.  Shared by the in-memory DuckDB
    engine and the out-of-core Parquet engine (:func:`parquet_features`), so both follow the
    same rules as the pandas engine.  ``orders``: ``base`` also has ``oid`` (the order id, never NULL)
    and orders are counted as distinct order ids instead of rows.
    """
    n = "count(DISTINCT oid)" if orders else "count(*)"
    return f"""
        SELECT pos,
          {n} FILTER (WHERE amount > 0) AS orders_lifetime,
          min(day) FILTER (WHERE amount > 0) AS first_day,
          max(day) FILTER (WHERE amount > 0) AS last_day,
          {n} FILTER (WHERE amount > 0 AND day > {start}) AS frequency,
          sum(amount) FILTER (WHERE day > {start}) AS net_w,
          sum(amount) FILTER (WHERE amount > 0 AND day > {start}) AS gross_w,
          sum(-amount) FILTER (WHERE amount < 0 AND day > {start}) AS returns_w,
          sum(amount) FILTER (WHERE amount > 0 AND day > {half_day}) AS gross_recent,
          sum(amount) FILTER (WHERE amount > 0 AND day > {start} AND day <= {half_day}) AS gross_prev
        FROM ({base}) GROUP BY pos
        """


def aggregate_duckdb(
    cust_ids: pd.Index,
    tx: pd.DataFrame,
    inter: pd.DataFrame | None,
    as_of: pd.Timestamp,
    lookback: int,
    nan_amounts: str,
) -> dict[str, np.ndarray]:
    """Per-customer aggregates by DuckDB over the in-memory frames (same keys as the pandas engine)."""
    import duckdb

    n = len(cust_ids)
    con = duckdb.connect()
    try:
        con.execute("SET threads TO 2")
        cust = pd.DataFrame({"customer_id": np.asarray(cust_ids, dtype=object), "pos": np.arange(n)})
        t = pd.DataFrame({
            "customer_id": tx["customer_id"].astype(str).to_numpy(dtype=object)
            if not isinstance(tx["customer_id"].dtype, pd.CategoricalDtype) else tx["customer_id"].astype(str),
            "date": pd.to_datetime(tx["date"], errors="coerce"),
            "amount": tx["amount"].astype(float),
        })
        orders = "order_id" in tx.columns and bool(tx["order_id"].notna().any())
        if orders:  # a line without an order id is its own order
            oid = tx["order_id"].astype("string")
            t["oid"] = oid.fillna("#row" + pd.Series(np.arange(len(tx)), index=oid.index).astype(str)).to_numpy(
                dtype=object)
        con.register("cust", cust)
        con.register("tx", t)
        as_of_s = as_of.strftime("%Y-%m-%d")
        half = lookback // 2
        base = f"""
            SELECT c.pos, date_diff('day', DATE '1970-01-01', CAST(t.date AS DATE)) AS day,
                   t.amount, t.customer_id{", t.oid" if orders else ""}
            FROM tx t JOIN cust c USING (customer_id)
            WHERE CAST(t.date AS DATE) <= DATE '{as_of_s}'
        """
        nbad = con.execute(f"SELECT count(*) FROM ({base}) WHERE amount IS NULL OR isnan(amount)").fetchone()[0]
        if nbad:
            if nan_amounts == "raise":
                amt = tx["amount"].to_numpy(dtype=float, na_value=np.nan)
                d = _days(tx["date"])
                known = index_of(tx["customer_id"], cust_ids) >= 0
                raise _nan_error(tx, np.isnan(amt) & (d <= _as_day(as_of)) & known)
            base += " AND t.amount IS NOT NULL AND NOT isnan(t.amount)"
        as_day = _as_day(as_of)
        start = as_day - lookback
        hday = as_day - half
        res = con.execute(transaction_aggregate_sql(base, start, hday, orders)).df()
        agg: dict[str, np.ndarray] = {}
        pos = res["pos"].to_numpy(dtype=np.int64)
        for col in _AGG_INT[:2]:
            a = np.zeros(n, dtype=np.int64)
            a[pos] = res[col].to_numpy(dtype=np.int64)
            agg[col] = a
        for col, fill in (("first_day", _BIG), ("last_day", -_BIG)):
            a = np.full(n, fill, dtype=np.int64)
            v = res[col].to_numpy(dtype=float, na_value=np.nan)
            ok = ~np.isnan(v)
            a[pos[ok]] = v[ok].astype(np.int64)
            agg[col] = a
        for col in _AGG_FLOAT:
            a = np.zeros(n, dtype=float)
            a[pos] = res[col].fillna(0.0).to_numpy(dtype=float)
            agg[col] = a

        n_int = np.zeros(n, dtype=np.int64)
        n_cmp = np.zeros(n, dtype=np.int64)
        if inter is not None and len(inter) > 0 and {"customer_id", "opened_at"} <= set(inter.columns):
            it = pd.DataFrame({
                "customer_id": inter["customer_id"].astype(str).to_numpy(dtype=object),
                "opened_at": pd.to_datetime(inter["opened_at"], errors="coerce"),
                "is_complaint": (inter["is_complaint"].astype("boolean").fillna(False).to_numpy(dtype=bool)
                                 if "is_complaint" in inter.columns else np.zeros(len(inter), dtype=bool)),
            })
            con.register("it", it)
            r2 = con.execute(f"""
                SELECT c.pos, count(*) AS n_int, count(*) FILTER (WHERE i.is_complaint) AS n_cmp
                FROM it i JOIN cust c USING (customer_id)
                WHERE CAST(i.opened_at AS DATE) <= DATE '{as_of_s}'
                  AND date_diff('day', DATE '1970-01-01', CAST(i.opened_at AS DATE)) > {start}
                GROUP BY c.pos
            """).df()
            p2 = r2["pos"].to_numpy(dtype=np.int64)
            n_int[p2] = r2["n_int"].to_numpy(dtype=np.int64)
            n_cmp[p2] = r2["n_cmp"].to_numpy(dtype=np.int64)
        agg["n_interactions"], agg["n_complaints"] = n_int, n_cmp
        return agg
    finally:
        con.close()


def duckdb_features(data: Any, as_of: Any = None, lookback_days: int | str = DEFAULT_LOOKBACK_DAYS,
                    nan_amounts: str = "raise") -> pd.DataFrame:
    """The ``"duckdb"`` engine: the aggregation as one SQL ``GROUP BY`` over the in-memory frames."""
    return in_memory_features(data, as_of, lookback_days, nan_amounts, aggregate_duckdb)


# ----------------------------------------------------------------------------------------------
# out-of-core: DuckDB directly on Parquet
# ----------------------------------------------------------------------------------------------
def _sql_list(paths: list[str]) -> str:
    return "[" + ", ".join("'" + x.replace("'", "''") + "'" for x in paths) + "]"


def parquet_sources(data: Any) -> dict[str, Any]:
    """Transactions / customers / interactions locations (and the config's ``as_of``) from a Config,
    a config YAML path, a dict or Parquet path(s)."""
    if isinstance(data, Mapping):
        if "transactions" not in data:
            raise ModelInputError("engine 'parquet' needs a 'transactions' Parquet path")
        return dict(data)
    from ..config import Config, load_config

    if isinstance(data, (str, os.PathLike)) and str(data).endswith((".yaml", ".yml")):
        data = load_config(data)
    if isinstance(data, Config):
        out: dict[str, Any] = {"as_of": data.as_of}
        for t in ("transactions", "customers", "interactions"):
            src = data.source(t)
            if src is None:
                continue
            if src.path is None or src.path.suffix.lower() != ".parquet":
                raise ConfigError(f"{src.key}.path: engine 'parquet' reads Parquet files only, got {src.label}")
            if src.columns and any(k != v for k, v in src.columns.items()):
                raise ConfigError(f"{src.key}.columns: engine 'parquet' needs canonical column names in the file "
                                  "(convert once with io.load_dataset + to_parquet)")
            out[t] = src.path
        return out
    if isinstance(data, (str, os.PathLike, list, tuple)):
        return {"transactions": data}
    raise ModelInputError("engine 'parquet' needs Parquet paths (a dict, a Config or a config YAML path), "
                          f"got {type(data).__name__}")


def parquet_features(
    transactions: PathLike,
    customers: PathLike | pd.DataFrame | None = None,
    interactions: PathLike | None = None,
    as_of: Any = None,
    lookback_days: int | str = DEFAULT_LOOKBACK_DAYS,
    *,
    nan_amounts: str = "raise",
    memory_limit: str | None = "4GB",
    temp_directory: str | os.PathLike | None = None,
    threads: int | None = None,
) -> pd.DataFrame:
    """Customer features computed by DuckDB directly on Parquet files (out-of-core).

    Parameters
    ----------
    transactions: a Parquet file, a directory of Parquet files, a glob (``"tx/*.parquet"``) or a list;
        canonical columns ``customer_id``, ``date``, ``amount`` (others are not read).
    customers: Parquet path(s) or a DataFrame with ``customer_id`` (and optionally ``created_at``,
        ``industry``, ``geo_unit_id``); None = the distinct customer ids of the transactions.
    interactions: Parquet path(s) with ``customer_id``, ``opened_at`` (optional ``is_complaint``).
    as_of: the analysis date (required: it is not derived from the files; ModelInputError without it).
    lookback_days, nan_amounts: as in :func:`~segment_lib.features.customer_features`.
    memory_limit: DuckDB memory limit (``"4GB"``); beyond it DuckDB spills to ``temp_directory``.
    temp_directory: spill directory (default: a fresh temporary directory, removed afterwards).
    threads: DuckDB threads (default: DuckDB's choice, all cores).

    Returns the same table as ``customer_features`` (tested equal on the demo data).  Transactions
    are never loaded into pandas; only the per-customer aggregates (one row per customer) are.
    """
    import tempfile

    import duckdb

    lookback = check_lookback(lookback_days)
    tx_src = f"read_parquet({_sql_list(parquet_paths(transactions))})"
    as_of = analysis_date(as_of)
    tmp = None
    if temp_directory is None:
        tmp = tempfile.TemporaryDirectory(prefix="segment_lib_duckdb_")
        temp_directory = tmp.name
    con = duckdb.connect()
    try:
        if memory_limit:
            con.execute(f"SET memory_limit = '{memory_limit}'")
        con.execute(f"SET temp_directory = '{str(temp_directory)}'")
        con.execute("SET preserve_insertion_order = false")
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        as_day = _as_day(as_of)

        if customers is None:
            ids = con.execute(f"SELECT DISTINCT CAST(customer_id AS VARCHAR) AS customer_id FROM {tx_src} "
                              "WHERE customer_id IS NOT NULL").df()["customer_id"]
            customers = pd.DataFrame({"customer_id": pd.Index(ids.astype("string")).sort_values()})
        elif not isinstance(customers, pd.DataFrame):
            customers = pd.read_parquet(parquet_paths(customers))
        if "customer_id" not in customers.columns:
            raise ModelInputError("customers table lacks column(s) ['customer_id']; canonical columns are needed")
        cust, created, ids = customer_frame(customers, as_day)
        n = len(ids)
        con.register("cust", pd.DataFrame({"customer_id": np.asarray(ids, dtype=object),
                                           "pos": np.arange(n, dtype=np.int64)}))
        start, hday = as_day - lookback, as_day - lookback // 2
        orders = "order_id" in set(con.execute(f"SELECT * FROM {tx_src} LIMIT 0").df().columns)
        oid = (", coalesce(CAST(t.order_id AS VARCHAR), '#row' || CAST(row_number() OVER () AS VARCHAR)) AS oid"
               if orders else "")
        base = f"""SELECT c.pos, date_diff('day', DATE '1970-01-01', CAST(t.date AS DATE)) AS day,
                          CAST(t.amount AS DOUBLE) AS amount{oid}
                   FROM {tx_src} t JOIN cust c ON CAST(t.customer_id AS VARCHAR) = c.customer_id
                   WHERE CAST(t.date AS DATE) <= DATE '{as_of:%Y-%m-%d}'"""
        nbad = con.execute(f"SELECT count(*) FROM ({base}) WHERE amount IS NULL OR isnan(amount)").fetchone()[0]
        if nbad:
            if nan_amounts == "raise":
                ex = con.execute(f"SELECT DISTINCT c.customer_id FROM ({base}) b JOIN cust c USING (pos) "
                                 "WHERE b.amount IS NULL OR isnan(b.amount) LIMIT 5").df()["customer_id"].tolist()
                raise ModelInputError(
                    f"{nbad} transaction(s) up to as_of have a missing (NaN) amount (customers {ex}). "
                    "Fix the source data, or pass nan_amounts='drop' to ignore those rows.")
            base = f"SELECT * FROM ({base}) WHERE amount IS NOT NULL AND NOT isnan(amount)"
        res = con.execute(transaction_aggregate_sql(base, start, hday, orders)).fetchnumpy()
        pos = np.asarray(res["pos"], dtype=np.int64)
        agg: dict[str, np.ndarray] = {}
        for col in ("orders_lifetime", "frequency"):
            a = np.zeros(n, dtype=np.int64)
            a[pos] = np.asarray(res[col], dtype=np.int64)
            agg[col] = a
        for col, fill in (("first_day", _BIG), ("last_day", -_BIG)):
            a = np.full(n, fill, dtype=np.int64)
            v = np.ma.filled(np.ma.asarray(res[col]).astype(float), np.nan)
            ok = ~np.isnan(v)
            a[pos[ok]] = v[ok].astype(np.int64)
            agg[col] = a
        for col in ("net_w", "gross_w", "returns_w", "gross_recent", "gross_prev"):
            a = np.zeros(n, dtype=float)
            a[pos] = np.ma.filled(np.ma.asarray(res[col]).astype(float), 0.0)
            agg[col] = a
        n_int = np.zeros(n, dtype=np.int64)
        n_cmp = np.zeros(n, dtype=np.int64)
        if interactions is not None:
            it_src = f"read_parquet({_sql_list(parquet_paths(interactions))})"
            cols = set(con.execute(f"SELECT * FROM {it_src} LIMIT 0").df().columns)
            if {"customer_id", "opened_at"} <= cols:
                comp = ("coalesce(CAST(i.is_complaint AS BOOLEAN), false)" if "is_complaint" in cols else "false")
                r2 = con.execute(f"""
                    SELECT c.pos, count(*) AS n_int, count(*) FILTER (WHERE {comp}) AS n_cmp
                    FROM {it_src} i JOIN cust c ON CAST(i.customer_id AS VARCHAR) = c.customer_id
                    WHERE date_diff('day', DATE '1970-01-01', CAST(i.opened_at AS DATE)) BETWEEN {start + 1} AND {as_day}
                    GROUP BY c.pos""").fetchnumpy()
                p2 = np.asarray(r2["pos"], dtype=np.int64)
                n_int[p2] = np.asarray(r2["n_int"], dtype=np.int64)
                n_cmp[p2] = np.asarray(r2["n_cmp"], dtype=np.int64)
        agg["n_interactions"], agg["n_complaints"] = n_int, n_cmp
    finally:
        con.close()
        if tmp is not None:
            tmp.cleanup()
    return finish_features(cust, ids, created, agg, as_of, lookback)
