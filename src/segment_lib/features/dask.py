"""The Dask engine: customer features and tier assignment on a cluster, partitioned by customer.

Customers get a partition number ``hash(customer_id) mod P`` (:func:`partition_of`, process-independent);
transactions and interactions get the same key and are shuffled on it, so partition *i* of every table
holds all rows of the same customers, and the unchanged pandas feature code
(:func:`~segment_lib.features.core.pandas_features`) runs per partition
(:func:`dask_customer_features`).  Results are put back in the customers' original order, so they equal
the single-machine table (tested).

Tiers: :func:`assign_tiers` predicts every partition with one already fitted model (fitting, e.g. on a
seeded sample, is the caller's job: :func:`segment_lib.pipeline.fit_tiers`).  The model is duck-typed:
only ``model.predict(frame)`` and ``model.tier_names_`` are used, so this module does not depend on
:mod:`segment_lib.tiering`.

``dask`` / ``distributed`` are imported only when a function here runs.
"""

from __future__ import annotations

import os
import threading
from dataclasses import fields
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ModelInputError
from ..params import DEFAULT_LOOKBACK_DAYS, EngineSpec, parse_engine
from .core import (CARRIED_ATTRIBUTES, _resolve, analysis_date, check_lookback, pandas_features, parquet_paths,
                   set_attrs)

_PART = "_seg_part"
_POS = "_seg_pos"
_CLIENTS: dict[Any, Any] = {}
_LOCK = threading.Lock()


def get_client(engine: Any = None, **kwargs: Any) -> Any:
    """A ``dask.distributed.Client`` for the engine spec: connects to ``address`` or starts a
    LocalCluster (reused across calls in this process; :func:`close_clients` shuts them down).

    ``kwargs`` override the spec (``address=``, ``n_workers=``, ``processes=`` ...).
    """
    from dask.distributed import Client, LocalCluster

    spec = parse_engine(engine if engine is not None else "dask")
    if kwargs:
        spec = EngineSpec(**{**{f.name: getattr(spec, f.name) for f in fields(EngineSpec)}, **kwargs})
    key = spec.address or ("local", spec.n_workers, spec.threads_per_worker, spec.processes)
    with _LOCK:
        c = _CLIENTS.get(key)
        if c is not None and c.status == "running":
            return c
        if spec.address:
            c = Client(spec.address, set_as_default=False)
        else:
            cluster = LocalCluster(n_workers=spec.n_workers, threads_per_worker=spec.threads_per_worker,
                                   processes=spec.processes, dashboard_address=None)
            c = Client(cluster, set_as_default=False)
        _CLIENTS[key] = c
        return c


def close_clients() -> None:
    """Close every client (and LocalCluster) started by :func:`get_client`."""
    with _LOCK:
        for c in _CLIENTS.values():
            cluster = getattr(c, "cluster", None)
            c.close()
            if cluster is not None:
                cluster.close()
        _CLIENTS.clear()


def _n_threads(client: Any) -> int:
    try:
        return max(1, sum(client.nthreads().values()))
    except Exception:  # noqa: BLE001
        return 2


def partition_of(customer_id: pd.Series, npartitions: int) -> np.ndarray:
    """Partition number of each customer id: a stable (process-independent) hash modulo ``npartitions``."""
    h = pd.util.hash_pandas_object(customer_id.astype("string"), index=False, categorize=True).to_numpy()
    return (h % np.uint64(npartitions)).astype(np.int64)


def _is_dask(x: Any) -> bool:
    return type(x).__module__.startswith("dask")


def _to_dask(df: Any, npartitions: int) -> Any:
    import dask.dataframe as dd

    if df is None or _is_dask(df):
        return df
    if isinstance(df, (str, os.PathLike, list, tuple)):
        return dd.read_parquet(parquet_paths(df))
    return dd.from_pandas(df, npartitions=max(1, min(npartitions, len(df) // 50_000 + 1)), sort=False)


def _keyed(ddf: Any, npartitions: int, pos: bool = False) -> Any:
    """Add the customer-hash partition key and shuffle so partition ``i`` holds key ``i``."""

    def add_key(p: pd.DataFrame) -> pd.DataFrame:
        p = p.assign(**{_PART: partition_of(p["customer_id"], npartitions)})
        return p

    meta = ddf._meta.assign(**{_PART: np.int64(0)})
    k = ddf.map_partitions(add_key, meta=meta)
    return k.set_index(_PART, divisions=list(range(npartitions + 1)))


def _partition_features(c: pd.DataFrame, t: pd.DataFrame, i: pd.DataFrame | None, as_of: pd.Timestamp,
                        lookback: int, nan_amounts: str, meta: pd.DataFrame) -> pd.DataFrame:
    if len(c) == 0:
        return meta.iloc[:0].copy()
    c = c.reset_index(drop=True)
    t = t.reset_index(drop=True)
    tables = {"customers": c.drop(columns=[_POS]), "transactions": t}
    if i is not None:
        tables["interactions"] = i.reset_index(drop=True)
    f = pandas_features(tables, as_of, lookback, nan_amounts=nan_amounts)
    pos = pd.Series(c[_POS].to_numpy(), index=pd.Index(c["customer_id"].astype("string")))
    f[_POS] = pos.reindex(pd.Index(f["customer_id"])).to_numpy(dtype=np.int64)
    f.attrs = {}
    return f


def dask_customer_features(
    data: Any,
    as_of: Any = None,
    lookback_days: int | str = DEFAULT_LOOKBACK_DAYS,
    *,
    nan_amounts: str = "raise",
    client: Any = None,
    address: str | None = None,
    npartitions: int | None = None,
    compute: bool = True,
    engine: Any = None,
) -> Any:
    """Customer features on Dask: the pandas feature code per customer-hash partition.

    ``data``: a Dataset / demo data, or a dict with ``transactions`` and optionally ``customers``,
    ``interactions`` (pandas DataFrames, dask DataFrames or Parquet paths) and ``as_of``.
    Customers are required (with ``customer_id``).  ``as_of``: the explicit date, else the data's
    (``Dataset.as_of`` / ``"as_of"``); ModelInputError when neither is given.
    ``client``: a ``dask.distributed.Client``; else :func:`get_client` for ``engine`` (an engine spec)
    or ``address`` (scheduler) or a LocalCluster, started only once the inputs are checked.
    ``npartitions``: hash partitions (default 2 x worker threads).

    Returns (``compute=True``) exactly what ``customer_features(..., engine="pandas")`` returns;
    with ``compute=False`` a dask DataFrame of the features (plus ``_seg_pos``, the customer's
    position) partitioned by customer hash, for :func:`assign_tiers`.
    """
    customers, tx, inter, ds_as_of = _resolve(
        data, "dask engine", " (DataFrame, dask DataFrame or Parquet path)",
        "a Dataset or a dict of tables / Parquet paths", allow_frame=False)
    if customers is None:
        raise ModelInputError("dask engine needs the customers table (customer_id)")
    lookback = check_lookback(lookback_days)
    as_of = analysis_date(as_of, ds_as_of)
    if client is None:
        client = get_client(engine if engine is not None else
                            ({"name": "dask", "address": address} if address else "dask"))
    n = int(npartitions or max(2, 2 * _n_threads(client)))
    tx_d = _to_dask(tx, n)

    cust_d = _to_dask(customers, n)
    if not _is_dask(customers) and not isinstance(customers, (str, os.PathLike, list, tuple)):
        cust_pd = customers.reset_index(drop=True)
        cust_d = _to_dask(cust_pd.assign(**{_POS: np.arange(len(cust_pd), dtype=np.int64)}), n)
    else:  # position = order of the partitions, then rows
        cust_d = cust_d.assign(**{_POS: 1}).assign(**{_POS: lambda d: d[_POS].cumsum() - 1})
    inter_d = _to_dask(inter, n) if inter is not None and (not hasattr(inter, "__len__") or len(inter)) else None
    tx_cols = [c for c in ("customer_id", "date", "amount", "order_id") if c in tx_d.columns]
    tx_d = tx_d[tx_cols]
    if inter_d is not None:
        inter_d = inter_d[[c for c in ("customer_id", "opened_at", "is_complaint") if c in inter_d.columns]]

    # meta from a one-customer local run
    head = cust_d._meta
    probe = head.reindex(range(1)) if len(head) == 0 else head.head(1)
    probe = probe.assign(customer_id=pd.array(["__probe__"], dtype="string"))
    if _POS in probe.columns:
        probe[_POS] = 0
    if "created_at" in probe.columns:
        probe["created_at"] = pd.NaT
    meta = _partition_features(probe, tx_d._meta, None if inter_d is None else inter_d._meta, as_of, lookback,
                               nan_amounts, pd.DataFrame()).iloc[:0]

    ck, tk = _keyed(cust_d, n), _keyed(tx_d, n)
    parts = [ck, tk] + ([_keyed(inter_d, n)] if inter_d is not None else [])

    def run(c, t, i=None):
        return _partition_features(c, t, i, as_of, lookback, nan_amounts, meta)

    import dask.dataframe as dd

    feats = dd.map_partitions(run, *parts, meta=meta, align_dataframes=False)
    if not compute:
        return feats
    out = client.compute(feats).result()
    return _restore(out, customers if isinstance(customers, pd.DataFrame) else None, as_of, lookback)


def _restore(out: pd.DataFrame, customers: pd.DataFrame | None, as_of: pd.Timestamp, lookback: int) -> pd.DataFrame:
    """Original customer order, RangeIndex and dtypes of the single-machine engine."""
    out = out.sort_values(_POS, kind="stable").drop(columns=[_POS]).reset_index(drop=True)
    out["customer_id"] = out["customer_id"].astype("string")
    for col in CARRIED_ATTRIBUTES:  # finish_features copies them as plain arrays
        if col in out.columns:
            out[col] = out[col].to_numpy()
    set_attrs(out, as_of, lookback)
    return out


def assign_tiers(features: Any, model: Any, client: Any = None) -> pd.DataFrame:
    """Tiers of every customer predicted on Dask with one already fitted model.

    ``features``: the pandas feature table, or the dask DataFrame from
    ``dask_customer_features(..., compute=False)``.  ``model``: anything fitted with
    ``predict(frame) -> integer tier array`` and ``tier_names_`` (e.g. a fitted
    :class:`~segment_lib.tiering.TierModel`); nothing is fitted here.  ``client``: a
    ``dask.distributed.Client`` (default: :func:`get_client` for a LocalCluster).

    Returns a DataFrame ``customer_id``, ``tier``, ``tier_label`` in the order of ``features``.
    Because every partition is predicted by the same model, the tiers equal ``model.predict(features)``
    on one machine (tested).
    """
    import dask.dataframe as dd

    if client is None:
        client = get_client("dask")
    if _is_dask(features):
        fd = features
        if _POS not in fd.columns:
            fd = fd.assign(**{_POS: 1}).assign(**{_POS: lambda d: d[_POS].cumsum() - 1})
    else:
        pdf = features.reset_index(drop=True)
        fd = dd.from_pandas(pdf.assign(**{_POS: np.arange(len(pdf), dtype=np.int64)}),
                            npartitions=max(2, 2 * _n_threads(client)), sort=False)
    names = np.asarray(model.tier_names_, dtype=object)
    meta = pd.DataFrame({"customer_id": pd.array([], dtype="string"), "tier": np.array([], dtype=np.int64),
                         "tier_label": pd.array([], dtype="string"), _POS: np.array([], dtype=np.int64)})

    def predict(p: pd.DataFrame) -> pd.DataFrame:
        if len(p) == 0:
            return meta.copy()
        t = model.predict(p.drop(columns=[_POS]).reset_index(drop=True))
        return pd.DataFrame({"customer_id": p["customer_id"].astype("string").to_numpy(), "tier": t.astype(np.int64),
                             "tier_label": pd.array(names[t], dtype="string"),
                             _POS: p[_POS].to_numpy(dtype=np.int64)})

    res = client.compute(fd.map_partitions(predict, meta=meta)).result()
    res = res.sort_values(_POS, kind="stable").drop(columns=[_POS]).reset_index(drop=True)
    res["customer_id"] = res["customer_id"].astype("string")
    return res
