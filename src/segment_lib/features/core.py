"""The single-machine feature code shared by every engine: customer list, pandas/NumPy aggregation,
derived columns.

The feature rules are documented in :mod:`segment_lib.features`.  Every engine (this module's
NumPy aggregation, DuckDB in :mod:`~segment_lib.features.sql`, Dask in
:mod:`~segment_lib.features.dask`) starts from :func:`customer_frame`, produces the same per-customer
aggregates and ends with :func:`finish_features`, so all of them return the same table (tested).
"""

from __future__ import annotations

import glob as _glob
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._arrow import index_of
from .._threads import beside
from .._memory import release
from ..contract import Dataset
from ..errors import ModelInputError
from ..params import DEFAULT_LOOKBACK_DAYS

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


_PER_DAY = {"ns": 86_400 * 10**9, "us": 86_400 * 10**6, "ms": 86_400_000, "s": 86_400}


def _days(s: pd.Series) -> np.ndarray:
    """Calendar days since epoch as float (NaN for missing)."""
    d, nat = _day_numbers(s)
    f = d.astype(float)
    f[nat] = np.nan
    return f


def _day_numbers(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Calendar days since epoch as int64 and where the date is missing (its day number is then
    meaningless): :func:`_days` without the float copy, for 10M-row columns."""
    v = s if pd.api.types.is_datetime64_any_dtype(s.dtype) else pd.to_datetime(s, errors="coerce")
    if getattr(v.dt, "tz", None) is not None:  # the local calendar day
        v = v.dt.tz_localize(None)
    a = v.to_numpy()
    unit = np.datetime_data(a.dtype)[0]
    if unit in _PER_DAY:  # integer floor division of the stored ticks (floors before 1970 too)
        i = a.view(np.int64)
        return i // _PER_DAY[unit], i == np.iinfo(np.int64).min  # (NaT)
    out = a.astype("datetime64[D]")
    return out.astype(np.int64), np.isnat(out)


def analysis_date(as_of: Any, data_as_of: Any = None) -> pd.Timestamp:
    """The analysis date of a feature run: the explicit ``as_of``, else the data's own (``Dataset.as_of``,
    resolved once by :func:`segment_lib.io.load_dataset`; or ``as_of`` in a dict of tables / the config).

    Never derived here from the transactions or the clock: without a date this raises ModelInputError.
    """
    if as_of is None:
        as_of = data_as_of
    if as_of is None:
        raise ModelInputError(
            "the analysis date (as_of) is not known: pass as_of=..., or give a Dataset whose as_of is set "
            "(io.load_dataset resolves it: the config's as_of, else the latest transaction date)")
    return pd.Timestamp(as_of).normalize()


def check_lookback(lookback_days: Any, as_of: Any = None, first_date: Any = None) -> int:
    """``lookback_days`` as an int, ModelInputError unless it is at least 2; ``"all"`` is the days from
    ``first_date`` (the first transaction) to ``as_of`` (:func:`segment_lib.params.lookback_window`)."""
    if isinstance(lookback_days, str):
        if lookback_days.strip().lower() != "all" or as_of is None:
            raise ModelInputError(f"lookback_days must be an integer >= 2 or 'all' (with a known as_of and "
                                  f"transactions in memory), got {lookback_days!r}")
        from ..params import lookback_window

        return lookback_window("all", as_of, first_date)
    if lookback_days is None or isinstance(lookback_days, bool) or int(lookback_days) < 2:
        raise ModelInputError(f"lookback_days must be an integer >= 2, got {lookback_days!r}")
    return int(lookback_days)


PathLike = str | os.PathLike | Sequence[str | os.PathLike]


def parquet_paths(p: PathLike) -> list[str]:
    """The Parquet files named by a file, a directory (searched recursively), a glob or a list of them."""
    items = [p] if isinstance(p, (str, os.PathLike)) else list(p)
    out: list[str] = []
    for it in items:
        s = str(it)
        if Path(s).is_dir():
            out += sorted(str(x) for x in Path(s).rglob("*.parquet"))
        elif any(ch in s for ch in "*?["):
            found = sorted(_glob.glob(s, recursive=True))
            if not found:
                raise ModelInputError(f"no Parquet files match {s}")
            out += found
        else:
            if not Path(s).is_file():
                raise ModelInputError(f"Parquet file not found: {s}")
            out.append(s)
    if not out:
        raise ModelInputError(f"no Parquet files in {p}")
    return out


def _resolve(data: Any, who: str = "customer_features", tables_hint: str = "",
             expects: str = "a Dataset, a dict of tables or a transactions DataFrame",
             allow_frame: bool = True) -> tuple[Any, Any, Any, Any]:
    """(customers, transactions, interactions, as_of) of a Dataset, a DemoData, a dict of tables or (when
    ``allow_frame``) a bare transactions DataFrame; ``who``/``tables_hint``/``expects`` word the errors."""
    if isinstance(data, Dataset):
        return data.customers, data.transactions, data.interactions, data.as_of
    if hasattr(data, "dataset") and isinstance(getattr(data, "dataset"), Dataset):  # DemoData
        d = data.dataset
        return d.customers, d.transactions, d.interactions, d.as_of
    if isinstance(data, Mapping):
        if "transactions" not in data:
            raise ModelInputError(f"{who} needs a 'transactions' table{tables_hint}")
        return data.get("customers"), data["transactions"], data.get("interactions"), data.get("as_of")
    if allow_frame and isinstance(data, pd.DataFrame):
        return None, data, None, None
    raise ModelInputError(f"{who} expects {expects}, got {type(data).__name__}")


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


# (customer ids, transactions, interactions or None, as_of, lookback_days, nan_amounts) -> aggregates
Aggregate = Callable[..., dict]


def in_memory_features(data: Any, as_of: Any, lookback_days: int, nan_amounts: str,
                       aggregate: Aggregate) -> pd.DataFrame:
    """Features of tables held in memory, with ``aggregate`` computing the per-customer aggregates
    (:func:`aggregate_pandas` or the DuckDB one); see :func:`segment_lib.features.customer_features`."""
    customers, tx, inter, ds_as_of = _resolve(data)
    if tx is None:
        raise ModelInputError("no transactions table given")
    _check_columns(tx, "transactions", ("customer_id", "date", "amount"))
    as_of = analysis_date(as_of, ds_as_of)
    lookback_days = check_lookback(lookback_days, as_of, pd.to_datetime(tx["date"]).min() if len(tx) else None)
    as_of_day = _as_day(as_of)

    if customers is None or len(customers) == 0:
        ids = pd.Index(pd.unique(tx["customer_id"].astype("string").dropna())).sort_values()
        customers = pd.DataFrame({"customer_id": ids.astype("string")})
    else:
        _check_columns(customers, "customers", ("customer_id",))
    cust, created, cust_ids = customer_frame(customers, as_of_day)
    agg = aggregate(cust_ids, tx, inter, as_of, lookback_days, nan_amounts)
    out = finish_features(cust, cust_ids, created, agg, as_of, lookback_days)
    del agg
    release()  # the per-transaction temporaries (see segment_lib._memory)
    return out


def pandas_features(data: Any, as_of: Any = None, lookback_days: int | str = DEFAULT_LOOKBACK_DAYS,
                    nan_amounts: str = "raise") -> pd.DataFrame:
    """The ``"pandas"`` engine: NumPy ``bincount`` / ``ufunc.at`` on integer customer codes."""
    return in_memory_features(data, as_of, lookback_days, nan_amounts, aggregate_pandas)


def finish_features(cust: pd.DataFrame, ids: pd.Index, created: np.ndarray, agg: dict,
                    as_of: pd.Timestamp, lookback_days: int) -> pd.DataFrame:
    """Final feature table from the per-customer aggregates of any engine: derived columns,
    attributes carried from ``customers`` and ``attrs`` (as_of, lookback_days)."""
    out = _finalize(ids, created, agg, _as_day(as_of), lookback_days)
    for col in CARRIED_ATTRIBUTES:
        if col in cust.columns:
            out[col] = cust[col].to_numpy()
    set_attrs(out, as_of, lookback_days)
    return out


def set_attrs(out: pd.DataFrame, as_of: Any, lookback_days: int) -> None:
    """The feature table's ``attrs``: ``as_of`` as an ISO date text (``pd.Timestamp(attrs["as_of"])``
    reads it; JSON-serialisable, so ``to_parquet`` works) and ``lookback_days``."""
    out.attrs["as_of"] = pd.Timestamp(as_of).strftime("%Y-%m-%d")
    out.attrs["lookback_days"] = int(lookback_days)


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


def order_codes(tx: pd.DataFrame, sel: np.ndarray) -> np.ndarray | None:
    """Integer code of each selected row's order (``order_id``; a row without one is its own order),
    or None when the transactions have no order ids (every row is then an order)."""
    if "order_id" not in tx.columns or tx["order_id"].isna().all():
        return None
    codes, _ = pd.factorize(tx["order_id"].to_numpy()[sel] if sel is not None else tx["order_id"].to_numpy(),
                            use_na_sentinel=True)
    codes = codes.astype(np.int64)
    missing = codes < 0
    if missing.any():
        codes[missing] = codes.max() + 1 + np.arange(int(missing.sum()))
    return codes


def aggregate_pandas(
    cust_ids: pd.Index,
    tx: pd.DataFrame,
    inter: pd.DataFrame | None,
    as_of: pd.Timestamp,
    lookback: int,
    nan_amounts: str,
) -> dict[str, np.ndarray]:
    """Per-customer transaction / interaction aggregates in NumPy (the keys :func:`finish_features` reads)."""
    as_of_day = _as_day(as_of)
    n = len(cust_ids)
    code = _codes(cust_ids, tx["customer_id"])
    day, nat = _day_numbers(tx["date"])
    amount = tx["amount"].to_numpy(dtype=float, na_value=np.nan)
    sel = (code >= 0) & (day <= as_of_day)
    if nat.any():
        sel &= ~nat
    del nat
    bad = sel & np.isnan(amount)
    if bad.any():
        if nan_amounts == "raise":
            raise _nan_error(tx, bad)
        sel &= ~bad
    order = order_codes(tx, sel)
    if not sel.all():  # (the usual case needs no copies of 10M-row columns)
        code, day, amount = code[sel], day[sel], amount[sel]

    pos = amount > 0
    cp = code[pos]

    def n_orders(mask: np.ndarray, codes: np.ndarray | None = None) -> np.ndarray:
        """Orders per customer among the rows of ``mask``: rows, or distinct order ids when given
        (``codes``: ``code[mask]`` when the caller has it)."""
        if order is None:
            return np.bincount(code[mask] if codes is None else codes, minlength=n).astype(np.int64)
        width = np.int64(order.max() + 1) if len(order) else np.int64(1)
        pairs = np.unique(code[mask].astype(np.int64) * width + order[mask])
        return np.bincount(pairs // width, minlength=n).astype(np.int64)

    neg = amount < 0
    start = as_of_day - lookback
    half = as_of_day - lookback // 2
    w = day > start
    recent = day > half

    agg: dict[str, np.ndarray] = {}
    wp = w & pos

    def orders_and_days() -> None:
        """Order counts and first / last purchase day (the other sums do not depend on them)."""
        agg["orders_lifetime"] = n_orders(pos, cp)
        first = np.full(n, _BIG, dtype=np.int64)
        last = np.full(n, -_BIG, dtype=np.int64)
        dp = day[pos]
        np.minimum.at(first, cp, dp)
        np.maximum.at(last, cp, dp)
        del dp
        agg["first_day"], agg["last_day"] = first, last
        agg["frequency"] = n_orders(wp)

    orders_done = beside(len(code), orders_and_days)  # (big data: on a second thread)
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
        iday, inat = _day_numbers(inter["opened_at"])
        isel = (icode >= 0) & (iday <= as_of_day) & (iday > start) & ~inat
        n_int = np.bincount(icode[isel], minlength=n).astype(np.int64)
        if "is_complaint" in inter.columns:
            comp = inter["is_complaint"].astype("boolean").fillna(False).to_numpy(dtype=bool)
            n_cmp = np.bincount(icode[isel & comp], minlength=n).astype(np.int64)
    agg["n_interactions"], agg["n_complaints"] = n_int, n_cmp
    orders_done()
    return agg



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
        "customer_id": _text_array(cust_ids),
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


def _text_array(ids: pd.Index) -> pd.api.extensions.ExtensionArray:
    """``ids`` as a pandas ``string`` array: the ids' own Arrow array when they are one already (1M ids:
    no round trip through a million Python strings), else converted."""
    if isinstance(ids.dtype, pd.StringDtype) and ids.dtype == pd.StringDtype():
        return ids.array
    return pd.array(np.asarray(ids, dtype=object), dtype="string")


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
