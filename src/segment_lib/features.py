"""Customer features as of a date: one row per customer, computed without per-customer loops.

:func:`customer_features` turns the canonical ``customers`` / ``transactions`` /
``interactions`` tables (see :mod:`segment_lib.contract`) into the table that
:mod:`segment_lib.tiering` clusters.  Two engines compute the per-customer
aggregates -- ``"pandas"`` (NumPy ``bincount`` / ``ufunc.at`` on integer customer
codes) and ``"duckdb"`` (one SQL ``GROUP BY``) -- and share the code that derives
the final columns, so both give the same result (tested).

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
* **Order.** An order is one transaction row with ``amount > 0`` (the contract keys
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
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._arrow import index_of
from .contract import Dataset
from .errors import ModelInputError

FEATURE_COLUMNS: tuple[str, ...] = (
    "customer_id",
    "recency_days",
    "frequency",
    "monetary_total",
    "monetary_avg",
    "tenure_days",
    "first_purchase",
    "last_purchase",
    "trend",
    "n_interactions",
    "n_complaints",
    "return_share",
    "orders_lifetime",
    "is_one_time",
    "is_new",
    "has_purchases",
)
CARRIED_ATTRIBUTES: tuple[str, ...] = ("industry", "geo_unit_id")

_AGG_INT = ("orders_lifetime", "frequency", "n_interactions", "n_complaints")
_AGG_FLOAT = ("net_w", "gross_w", "returns_w", "gross_recent", "gross_prev")
_BIG = np.iinfo(np.int64).max
_EPOCH = np.datetime64("1970-01-01", "D")


def _as_day(ts: Any) -> int:
    return int(np.datetime64(pd.Timestamp(ts).date(), "D").astype(np.int64))


def _days(s: pd.Series) -> np.ndarray:
    """Calendar days since epoch as float (NaN for missing)."""
    v = pd.to_datetime(s, errors="coerce")
    out = v.dt.floor("D").to_numpy(dtype="datetime64[D]").astype("datetime64[D]")
    f = out.astype(np.int64).astype(float)
    f[np.isnat(out)] = np.nan
    return f


def _resolve(data: Any) -> tuple[pd.DataFrame | None, pd.DataFrame, pd.DataFrame | None, Any]:
    if isinstance(data, Dataset):
        return data.customers, data.transactions, data.interactions, data.as_of
    if hasattr(data, "dataset") and isinstance(getattr(data, "dataset"), Dataset):  # DemoData
        d = data.dataset
        return d.customers, d.transactions, d.interactions, d.as_of
    if isinstance(data, Mapping):
        if "transactions" not in data:
            raise ModelInputError("customer_features needs a 'transactions' table")
        return data.get("customers"), data["transactions"], data.get("interactions"), data.get("as_of")
    if isinstance(data, pd.DataFrame):
        return None, data, None, None
    raise ModelInputError(
        f"customer_features expects a Dataset, a dict of tables or a transactions DataFrame, got {type(data).__name__}"
    )


def _check_columns(df: pd.DataFrame, table: str, cols: tuple[str, ...]) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ModelInputError(f"{table} table lacks column(s) {missing}; canonical columns are needed")


def customer_frame(customers: pd.DataFrame, as_of_day: int) -> tuple[pd.DataFrame, np.ndarray, pd.Index]:
    """The customers that exist at ``as_of_day`` (days since the epoch), their creation day and ids.

    Customers created after the as-of day are dropped; duplicate ids raise ModelInputError.
    Shared by every engine so they all start from the same customer list.
    """
    cust = customers.reset_index(drop=True)
    if "created_at" in cust.columns:
        created = _days(cust["created_at"])
        keep = ~(created > as_of_day)
        if not keep.all():
            cust = cust.loc[keep].reset_index(drop=True)
            created = created[keep]
    else:
        created = np.full(len(cust), np.nan)
    ids = pd.Index(cust["customer_id"].astype("string"))
    if ids.has_duplicates:
        dup = ids[ids.duplicated()].unique()[:10].tolist()
        raise ModelInputError(f"customers has duplicate customer_id values: {dup}")
    return cust, created, ids


def customer_features(
    dataset_or_tables: Dataset | Mapping[str, Any] | pd.DataFrame,
    as_of: Any = None,
    lookback_days: int = 365,
    engine: Literal["pandas", "duckdb", "parquet", "dask"] | Mapping[str, Any] = "pandas",
    nan_amounts: Literal["raise", "drop"] = "raise",
) -> pd.DataFrame:
    """One row per customer describing their buying and service contacts as of ``as_of``.

    Parameters
    ----------
    dataset_or_tables:
        a :class:`~segment_lib.contract.Dataset` (or an object with a ``.dataset``, such as
        demo data), a dict with ``transactions`` and optionally ``customers``,
        ``interactions`` and ``as_of``, or just a transactions DataFrame (customers are
        then the distinct ``customer_id`` values).  ``customer_id`` in transactions may be
        a categorical (dictionary-encoded) column; that is the fastest input.
    as_of:
        the reference date; defaults to the dataset's ``as_of``, else the last transaction date.
    lookback_days:
        length of the window for frequency / monetary / trend / contacts (default 365).
    engine:
        ``"pandas"`` (NumPy aggregation) or ``"duckdb"`` (SQL); results are identical.
        ``"parquet"`` (DuckDB on Parquet paths, out-of-core), ``"dask"`` or a config mapping such as
        ``{"name": "dask", "address": "tcp://..."}`` are handed to :mod:`segment_lib.engines`.
    nan_amounts:
        ``"raise"`` (default) raises :class:`ModelInputError` when a counted transaction has
        no amount; ``"drop"`` ignores those rows.

    Returns
    -------
    DataFrame with the columns listed in the module docstring, ordered like ``customers``
    (or by ``customer_id`` when only transactions are given), default RangeIndex.
    The rules for returns, customers without purchases, one-time buyers and new customers
    are in the module docstring and ``docs/tiering.md``.
    """
    if not (isinstance(engine, str) and engine in ("pandas", "duckdb")):  # "parquet", "dask", {name: dask, ...}
        from .engines import compute_features  # see segment_lib.engines / docs/scale.md

        return compute_features(dataset_or_tables, as_of, lookback_days, engine=engine, nan_amounts=nan_amounts)
    customers, tx, inter, ds_as_of = _resolve(dataset_or_tables)
    if tx is None:
        raise ModelInputError("no transactions table given")
    _check_columns(tx, "transactions", ("customer_id", "date", "amount"))
    if lookback_days is None or int(lookback_days) < 2:
        raise ModelInputError(f"lookback_days must be an integer >= 2, got {lookback_days!r}")
    lookback_days = int(lookback_days)
    if as_of is None:
        as_of = ds_as_of
    if as_of is None:
        if len(tx) == 0:
            raise ModelInputError("as_of is required when there are no transactions")
        as_of = pd.to_datetime(tx["date"]).max()
    as_of = pd.Timestamp(as_of).normalize()
    as_of_day = _as_day(as_of)

    if customers is None or len(customers) == 0:
        ids = pd.Index(pd.unique(tx["customer_id"].astype("string").dropna())).sort_values()
        customers = pd.DataFrame({"customer_id": ids.astype("string")})
    else:
        _check_columns(customers, "customers", ("customer_id",))
    cust, created, cust_ids = customer_frame(customers, as_of_day)

    if engine == "pandas":
        agg = _aggregate_pandas(cust_ids, tx, inter, as_of_day, lookback_days, nan_amounts)
    elif engine == "duckdb":
        agg = _aggregate_duckdb(cust_ids, tx, inter, as_of, lookback_days, nan_amounts)
    else:
        raise ModelInputError(f"engine must be 'pandas' or 'duckdb', got {engine!r}")

    return finish_features(cust, cust_ids, created, agg, as_of, lookback_days)


def finish_features(cust: pd.DataFrame, ids: pd.Index, created: np.ndarray, agg: dict,
                    as_of: pd.Timestamp, lookback_days: int) -> pd.DataFrame:
    """Final feature table from the per-customer aggregates of any engine: derived columns,
    attributes carried from ``customers`` and ``attrs`` (as_of, lookback_days)."""
    out = _finalize(ids, created, agg, _as_day(as_of), lookback_days)
    for col in CARRIED_ATTRIBUTES:
        if col in cust.columns:
            out[col] = cust[col].to_numpy()
    out.attrs["as_of"] = as_of
    out.attrs["lookback_days"] = lookback_days
    return out


def _codes(cust_ids: pd.Index, tx_ids: pd.Series) -> np.ndarray:
    """Position of each transaction's customer in ``cust_ids`` (-1 when unknown).

    Arrow hash lookup (:func:`segment_lib._arrow.index_of`); Categorical ids (dictionary-encoded
    Parquet) look up their categories only.
    """
    return index_of(tx_ids, cust_ids)


def _nan_error(tx: pd.DataFrame, bad: np.ndarray) -> ModelInputError:
    rows = np.flatnonzero(bad)
    custs = pd.unique(tx["customer_id"].to_numpy()[rows][:1000].astype(str))[:5].tolist()
    return ModelInputError(
        f"{len(rows)} transaction(s) up to as_of have a missing (NaN) amount "
        f"(first rows {(rows[:5] + 1).tolist()}, customers {custs}). "
        "Fix the source data, or pass nan_amounts='drop' to ignore those rows."
    )


def _aggregate_pandas(
    cust_ids: pd.Index,
    tx: pd.DataFrame,
    inter: pd.DataFrame | None,
    as_of_day: int,
    lookback: int,
    nan_amounts: str,
) -> dict[str, np.ndarray]:
    n = len(cust_ids)
    code = _codes(cust_ids, tx["customer_id"])
    day = _days(tx["date"])
    amount = tx["amount"].to_numpy(dtype=float, na_value=np.nan)
    sel = (code >= 0) & (day <= as_of_day)  # NaN day -> False
    bad = sel & np.isnan(amount)
    if bad.any():
        if nan_amounts == "raise":
            raise _nan_error(tx, bad)
        sel &= ~bad
    code, day, amount = code[sel], day[sel].astype(np.int64), amount[sel]

    pos = amount > 0
    neg = amount < 0
    start = as_of_day - lookback
    half = as_of_day - lookback // 2
    w = day > start
    recent = day > half

    agg: dict[str, np.ndarray] = {}
    cp = code[pos]
    agg["orders_lifetime"] = np.bincount(cp, minlength=n).astype(np.int64)
    first = np.full(n, _BIG, dtype=np.int64)
    last = np.full(n, -_BIG, dtype=np.int64)
    np.minimum.at(first, cp, day[pos])
    np.maximum.at(last, cp, day[pos])
    agg["first_day"], agg["last_day"] = first, last
    wp = w & pos
    agg["frequency"] = np.bincount(code[wp], minlength=n).astype(np.int64)
    agg["net_w"] = np.bincount(code[w], weights=amount[w], minlength=n)
    agg["gross_w"] = np.bincount(code[wp], weights=amount[wp], minlength=n)
    wn = w & neg
    agg["returns_w"] = np.bincount(code[wn], weights=-amount[wn], minlength=n)
    rp = wp & recent
    agg["gross_recent"] = np.bincount(code[rp], weights=amount[rp], minlength=n)
    pp = wp & ~recent
    agg["gross_prev"] = np.bincount(code[pp], weights=amount[pp], minlength=n)

    n_int = np.zeros(n, dtype=np.int64)
    n_cmp = np.zeros(n, dtype=np.int64)
    if inter is not None and len(inter) > 0 and {"customer_id", "opened_at"} <= set(inter.columns):
        icode = _codes(cust_ids, inter["customer_id"])
        iday = _days(inter["opened_at"])
        isel = (icode >= 0) & (iday <= as_of_day) & (iday > start)
        n_int = np.bincount(icode[isel], minlength=n).astype(np.int64)
        if "is_complaint" in inter.columns:
            comp = inter["is_complaint"].astype("boolean").fillna(False).to_numpy(dtype=bool)
            n_cmp = np.bincount(icode[isel & comp], minlength=n).astype(np.int64)
    agg["n_interactions"], agg["n_complaints"] = n_int, n_cmp
    return agg


def transaction_aggregate_sql(base: str, start: int, half_day: int) -> str:
    """The per-customer transaction aggregates in SQL (DuckDB), over ``base``.

    ``base`` is a query with columns ``pos`` (customer position), ``day`` (days since the epoch,
    rows after as_of already removed) and ``amount``; ``start`` is the first day *outside* the
    window and ``half_day`` the day splitting it for the trend.  Shared by the in-memory DuckDB
    engine and the out-of-core Parquet engine (:mod:`segment_lib.engines`), so both follow the
    same rules as the pandas engine.
    """
    return f"""
        SELECT pos,
          count(*) FILTER (WHERE amount > 0) AS orders_lifetime,
          min(day) FILTER (WHERE amount > 0) AS first_day,
          max(day) FILTER (WHERE amount > 0) AS last_day,
          count(*) FILTER (WHERE amount > 0 AND day > {start}) AS frequency,
          sum(amount) FILTER (WHERE day > {start}) AS net_w,
          sum(amount) FILTER (WHERE amount > 0 AND day > {start}) AS gross_w,
          sum(-amount) FILTER (WHERE amount < 0 AND day > {start}) AS returns_w,
          sum(amount) FILTER (WHERE amount > 0 AND day > {half_day}) AS gross_recent,
          sum(amount) FILTER (WHERE amount > 0 AND day > {start} AND day <= {half_day}) AS gross_prev
        FROM ({base}) GROUP BY pos
        """


def _aggregate_duckdb(
    cust_ids: pd.Index,
    tx: pd.DataFrame,
    inter: pd.DataFrame | None,
    as_of: pd.Timestamp,
    lookback: int,
    nan_amounts: str,
) -> dict[str, np.ndarray]:
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
        con.register("cust", cust)
        con.register("tx", t)
        as_of_s = as_of.strftime("%Y-%m-%d")
        half = lookback // 2
        base = f"""
            SELECT c.pos, date_diff('day', DATE '1970-01-01', CAST(t.date AS DATE)) AS day,
                   t.amount, t.customer_id
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
        res = con.execute(transaction_aggregate_sql(base, start, hday)).df()
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


def _finalize(
    cust_ids: pd.Index, created: np.ndarray, agg: dict[str, np.ndarray], as_of_day: int, lookback: int
) -> pd.DataFrame:
    has = agg["orders_lifetime"] > 0
    first = np.where(has, agg["first_day"], 0).astype(float)
    last = np.where(has, agg["last_day"], 0).astype(float)
    first[~has] = np.nan
    last[~has] = np.nan
    recency = as_of_day - last
    start = np.fmin(created, first)  # NaN-ignoring min
    tenure = as_of_day - start
    freq = agg["frequency"]
    net = agg["net_w"]
    gross = agg["gross_w"]
    with np.errstate(divide="ignore", invalid="ignore"):
        m_avg = np.where(freq > 0, net / np.maximum(freq, 1), 0.0)
        denom = agg["gross_recent"] + agg["gross_prev"]
        trend = np.where(denom > 0, (agg["gross_recent"] - agg["gross_prev"]) / np.where(denom > 0, denom, 1), 0.0)
        ret_share = np.where(gross > 0, agg["returns_w"] / np.where(gross > 0, gross, 1), 0.0)

    def to_date(d: np.ndarray) -> np.ndarray:
        out = np.full(len(d), np.datetime64("NaT"), dtype="datetime64[ns]")
        ok = ~np.isnan(d)
        out[ok] = (_EPOCH + d[ok].astype(np.int64)).astype("datetime64[ns]")
        return out

    return pd.DataFrame({
        "customer_id": pd.array(np.asarray(cust_ids, dtype=object), dtype="string"),
        "recency_days": recency,
        "frequency": freq.astype(np.int64),
        "monetary_total": net.astype(float),
        "monetary_avg": m_avg.astype(float),
        "tenure_days": tenure,
        "first_purchase": to_date(first),
        "last_purchase": to_date(last),
        "trend": trend.astype(float),
        "n_interactions": agg["n_interactions"].astype(np.int64),
        "n_complaints": agg["n_complaints"].astype(np.int64),
        "return_share": ret_share.astype(float),
        "orders_lifetime": agg["orders_lifetime"].astype(np.int64),
        "is_one_time": agg["orders_lifetime"] == 1,
        "is_new": tenure < lookback,
        "has_purchases": has,
    })


def next_period_revenue(
    dataset_or_tables: Dataset | Mapping[str, Any] | pd.DataFrame, as_of: Any, days: int = 90
) -> pd.Series:
    """Net revenue per customer in ``(as_of, as_of + days]`` (Series indexed by customer_id).

    Used as the outcome for the "does a better tier buy more next period" check in k selection:
    fit tiers at an earlier date and correlate tier rank with what happened afterwards.
    """
    customers, tx, _, _ = _resolve(dataset_or_tables)
    a = _as_day(as_of)
    d = _days(tx["date"])
    sel = (d > a) & (d <= a + days)
    amt = tx["amount"].to_numpy(dtype=float, na_value=np.nan)
    sel &= ~np.isnan(amt)
    s = pd.Series(amt[sel], index=tx["customer_id"].astype("string").to_numpy()[sel])
    rev = s.groupby(level=0).sum()
    if customers is not None and len(customers):
        rev = rev.reindex(pd.Index(customers["customer_id"].astype("string")), fill_value=0.0)
    rev.index.name = "customer_id"
    return rev.rename("next_revenue")
