"""Execution engines for customer features and tier assignment, from one machine to a cluster.

The feature *rules* live in :mod:`segment_lib.features`; this module only decides **where** they run.

=================  =====================================================================================
engine             what it does / when to use it
=================  =====================================================================================
``"pandas"``       NumPy aggregation in memory (:func:`~segment_lib.features.customer_features`).
                   Default; fastest up to the size that fits comfortably in RAM (measured: 1 M
                   customers / 10 M transactions in a few seconds, see ``docs/scale.md``).
``"duckdb"``       the same aggregation as one SQL ``GROUP BY`` over in-memory frames.
``"parquet"``      **out-of-core**: DuckDB reads the Parquet files itself (``read_parquet``) with a
                   ``memory_limit`` and a ``temp_directory`` to spill to, so transaction files larger
                   than memory still work (:func:`parquet_features`).  Only the per-customer result
                   (one row per customer) is held in pandas.
``"dask"``         **distributed**: customers are partitioned by a hash of ``customer_id``;
                   transactions and interactions are shuffled on the same key so each partition holds
                   all rows of its customers, and the *same* pandas feature function runs per
                   partition (:func:`dask_customer_features`).  Tiers: :class:`TierModel` is fitted
                   on a seeded sample and predicts per partition (:func:`dask_assign_tiers`).
=================  =====================================================================================

Engine specification (:func:`parse_engine`), as a string or as config ``params.engine``::

    params:
      engine: {name: dask, address: "tcp://scheduler:8786"}   # existing cluster
      # engine: {name: dask}                                  # LocalCluster on this machine
      # engine: {name: parquet, memory_limit: 4GB, temp_directory: /scratch/duckdb}

All engines return exactly the table :func:`~segment_lib.features.customer_features` returns
(same columns, dtypes, order of customers; tested).
"""

from __future__ import annotations

import glob as _glob
import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .contract import Dataset
from .errors import ConfigError, ModelInputError

ENGINES = ("pandas", "duckdb", "parquet", "dask")
_ALIASES = {"duckdb-parquet": "parquet", "out-of-core": "parquet", "distributed": "dask"}
_PART = "_seg_part"
_POS = "_seg_pos"


# ----------------------------------------------------------------------------------------------
# engine specification
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EngineSpec:
    """Where features and tiers are computed (see the module docstring).

    name: "pandas", "duckdb", "parquet" (DuckDB on Parquet files, out-of-core) or "dask".
    address: Dask scheduler address (``tcp://host:8786``); None starts / reuses a LocalCluster.
    n_workers, threads_per_worker, processes: LocalCluster settings (ignored with ``address``).
    npartitions: number of customer-hash partitions for Dask (default: 2 x total worker threads,
        at least 2).
    memory_limit: DuckDB ``SET memory_limit`` (e.g. "4GB") for "parquet".
    temp_directory: DuckDB spill directory for "parquet" (default: a temp dir).
    threads: DuckDB threads (default: all cores).
    sample_size: rows on which the tier model is fitted under Dask (seeded sample).
    """

    name: str = "pandas"
    address: str | None = None
    n_workers: int | None = None
    threads_per_worker: int | None = None
    processes: bool = True
    npartitions: int | None = None
    memory_limit: str | None = None
    temp_directory: str | None = None
    threads: int | None = None
    sample_size: int = 200_000
    options: dict[str, Any] = field(default_factory=dict)


def parse_engine(spec: Any = None) -> EngineSpec:
    """Normalise an engine given as None, a name, a dict (config ``params.engine``) or an EngineSpec.

    Raises :class:`ConfigError` naming the bad key / value.
    """
    if spec is None:
        return EngineSpec()
    if isinstance(spec, EngineSpec):
        return spec
    if isinstance(spec, str):
        spec = {"name": spec}
    if not isinstance(spec, Mapping):
        raise ConfigError(f"params.engine must be a name or a mapping like {{name: dask, address: ...}}, got {spec!r}")
    d = dict(spec)
    name = str(d.pop("name", "pandas")).lower()
    name = _ALIASES.get(name, name)
    if name not in ENGINES:
        raise ConfigError(f"params.engine.name: unknown engine {name!r}; use one of {', '.join(ENGINES)}")
    known = {f.name for f in fields(EngineSpec)} - {"name", "options"}
    bad = sorted(set(d) - known)
    if bad:
        raise ConfigError(f"params.engine: unknown key(s) {bad}; allowed: {sorted(known)}")
    return EngineSpec(name=name, **d)


def compute_features(
    data: Any,
    as_of: Any = None,
    lookback_days: int = 365,
    engine: Any = None,
    nan_amounts: str = "raise",
    *,
    client: Any = None,
) -> pd.DataFrame:
    """Customer features with the chosen engine (same output for every engine).

    ``data`` is what :func:`~segment_lib.features.customer_features` accepts; for
    ``engine="parquet"`` it may also be a :class:`~segment_lib.config.Config` (or YAML path) whose
    sources are Parquet files, or a dict ``{"transactions": path, "customers": path_or_frame,
    "interactions": path}``.  ``client``: an existing ``dask.distributed.Client`` (Dask only).
    """
    from .features import customer_features

    try:
        spec = parse_engine(engine)
    except ConfigError as e:  # a bad engine argument is a bad model input here
        raise ModelInputError(str(e)) from None
    if spec.name in ("pandas", "duckdb"):
        return customer_features(data, as_of, lookback_days, engine=spec.name, nan_amounts=nan_amounts)
    if spec.name == "parquet":
        if isinstance(data, Dataset) or isinstance(getattr(data, "dataset", None), Dataset):
            # tables already in memory (a loaded Dataset): nothing to stream from disk, so the same
            # DuckDB aggregation runs on the frames (identical result, tested)
            return customer_features(data, as_of, lookback_days, engine="duckdb", nan_amounts=nan_amounts)
        src = _parquet_sources(data)
        return parquet_features(src["transactions"], src.get("customers"), src.get("interactions"),
                                as_of=as_of if as_of is not None else src.get("as_of"),
                                lookback_days=lookback_days, nan_amounts=nan_amounts,
                                memory_limit=spec.memory_limit, temp_directory=spec.temp_directory,
                                threads=spec.threads)
    return dask_customer_features(data, as_of, lookback_days, nan_amounts=nan_amounts,
                                  client=client or get_client(spec), npartitions=spec.npartitions)


# ----------------------------------------------------------------------------------------------
# out-of-core: DuckDB directly on Parquet
# ----------------------------------------------------------------------------------------------
PathLike = str | os.PathLike | Sequence[str | os.PathLike]


def _paths(p: PathLike) -> list[str]:
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


def _sql_list(paths: list[str]) -> str:
    return "[" + ", ".join("'" + x.replace("'", "''") + "'" for x in paths) + "]"


def _parquet_sources(data: Any) -> dict[str, Any]:
    """Transactions / customers / interactions locations from a Config, YAML path or dict."""
    if isinstance(data, Mapping):
        if "transactions" not in data:
            raise ModelInputError("engine 'parquet' needs a 'transactions' Parquet path")
        return dict(data)
    from .config import Config, load_config

    if isinstance(data, (str, os.PathLike)) and str(data).endswith((".yaml", ".yml")):
        data = load_config(data)
    if isinstance(data, Config):
        out: dict[str, Any] = {"as_of": data.as_of}
        for t in ("transactions", "customers", "interactions"):
            src = data.source(t)
            if src is None:
                continue
            if src.path.suffix.lower() != ".parquet":
                raise ConfigError(f"{src.key}.path: engine 'parquet' reads Parquet files only, got {src.path.name}")
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
    lookback_days: int = 365,
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
    as_of, lookback_days, nan_amounts: as in :func:`~segment_lib.features.customer_features`
        (``as_of`` None = the last transaction date).
    memory_limit: DuckDB memory limit (``"4GB"``); beyond it DuckDB spills to ``temp_directory``.
    temp_directory: spill directory (default: a fresh temporary directory, removed afterwards).
    threads: DuckDB threads (default: DuckDB's choice, all cores).

    Returns the same table as ``customer_features`` (tested equal on the demo data).  Transactions
    are never loaded into pandas; only the per-customer aggregates (one row per customer) are.
    """
    import tempfile

    import duckdb

    from .features import _BIG, _as_day, customer_frame, finish_features, transaction_aggregate_sql

    if lookback_days is None or int(lookback_days) < 2:
        raise ModelInputError(f"lookback_days must be an integer >= 2, got {lookback_days!r}")
    lookback = int(lookback_days)
    tx_src = f"read_parquet({_sql_list(_paths(transactions))})"
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
        if as_of is None:
            mx = con.execute(f"SELECT max(CAST(date AS DATE)) FROM {tx_src}").fetchone()[0]
            if mx is None:
                raise ModelInputError("as_of is required when there are no transactions")
            as_of = mx
        as_of = pd.Timestamp(as_of).normalize()
        as_day = _as_day(as_of)

        if customers is None:
            ids = con.execute(f"SELECT DISTINCT CAST(customer_id AS VARCHAR) AS customer_id FROM {tx_src} "
                              "WHERE customer_id IS NOT NULL").df()["customer_id"]
            customers = pd.DataFrame({"customer_id": pd.Index(ids.astype("string")).sort_values()})
        elif not isinstance(customers, pd.DataFrame):
            customers = pd.read_parquet(_paths(customers))
        if "customer_id" not in customers.columns:
            raise ModelInputError("customers table lacks column(s) ['customer_id']; canonical columns are needed")
        cust, created, ids = customer_frame(customers, as_day)
        n = len(ids)
        con.register("cust", pd.DataFrame({"customer_id": np.asarray(ids, dtype=object),
                                           "pos": np.arange(n, dtype=np.int64)}))
        start, hday = as_day - lookback, as_day - lookback // 2
        base = f"""SELECT c.pos, date_diff('day', DATE '1970-01-01', CAST(t.date AS DATE)) AS day,
                          CAST(t.amount AS DOUBLE) AS amount
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
        res = con.execute(transaction_aggregate_sql(base, start, hday)).fetchnumpy()
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
            it_src = f"read_parquet({_sql_list(_paths(interactions))})"
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


# ----------------------------------------------------------------------------------------------
# Dask
# ----------------------------------------------------------------------------------------------
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
        return dd.read_parquet(_paths(df))
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
    from .features import customer_features

    if len(c) == 0:
        return meta.iloc[:0].copy()
    c = c.reset_index(drop=True)
    t = t.reset_index(drop=True)
    tables = {"customers": c.drop(columns=[_POS]), "transactions": t}
    if i is not None:
        tables["interactions"] = i.reset_index(drop=True)
    f = customer_features(tables, as_of, lookback, engine="pandas", nan_amounts=nan_amounts)
    pos = pd.Series(c[_POS].to_numpy(), index=pd.Index(c["customer_id"].astype("string")))
    f[_POS] = pos.reindex(pd.Index(f["customer_id"])).to_numpy(dtype=np.int64)
    f.attrs = {}
    return f


def _resolve_tables(data: Any) -> tuple[Any, Any, Any, Any]:
    if isinstance(data, Dataset):
        return data.customers, data.transactions, data.interactions, data.as_of
    if hasattr(data, "dataset") and isinstance(getattr(data, "dataset"), Dataset):
        d = data.dataset
        return d.customers, d.transactions, d.interactions, d.as_of
    if isinstance(data, Mapping):
        if "transactions" not in data:
            raise ModelInputError("dask engine needs a 'transactions' table (DataFrame, dask DataFrame or Parquet path)")
        return data.get("customers"), data["transactions"], data.get("interactions"), data.get("as_of")
    raise ModelInputError("dask engine expects a Dataset or a dict of tables / Parquet paths, "
                          f"got {type(data).__name__}")


def dask_customer_features(
    data: Any,
    as_of: Any = None,
    lookback_days: int = 365,
    *,
    nan_amounts: str = "raise",
    client: Any = None,
    address: str | None = None,
    npartitions: int | None = None,
    compute: bool = True,
) -> Any:
    """Customer features on Dask: the pandas feature code per customer-hash partition.

    ``data``: a Dataset / demo data, or a dict with ``transactions`` and optionally ``customers``,
    ``interactions`` (pandas DataFrames, dask DataFrames or Parquet paths) and ``as_of``.
    Customers are required (with ``customer_id``).  ``client``: a ``dask.distributed.Client``;
    else ``address`` (scheduler) or a LocalCluster via :func:`get_client`.
    ``npartitions``: hash partitions (default 2 x worker threads).

    Returns (``compute=True``) exactly what ``customer_features(..., engine="pandas")`` returns;
    with ``compute=False`` a dask DataFrame of the features (plus ``_seg_pos``, the customer's
    position) partitioned by customer hash, for :func:`dask_assign_tiers`.
    """
    if client is None:
        client = get_client({"name": "dask", "address": address} if address else "dask")
    customers, tx, inter, ds_as_of = _resolve_tables(data)
    if customers is None:
        raise ModelInputError("dask engine needs the customers table (customer_id)")
    if lookback_days is None or int(lookback_days) < 2:
        raise ModelInputError(f"lookback_days must be an integer >= 2, got {lookback_days!r}")
    lookback = int(lookback_days)
    n = int(npartitions or max(2, 2 * _n_threads(client)))
    if as_of is None:
        as_of = ds_as_of
    tx_d = _to_dask(tx, n)
    if as_of is None:
        as_of = client.compute(tx_d["date"].max()).result()
    as_of = pd.Timestamp(as_of).normalize()

    cust_d = _to_dask(customers, n)
    if not _is_dask(customers) and not isinstance(customers, (str, os.PathLike, list, tuple)):
        cust_pd = customers.reset_index(drop=True)
        cust_d = _to_dask(cust_pd.assign(**{_POS: np.arange(len(cust_pd), dtype=np.int64)}), n)
    else:  # position = order of the partitions, then rows
        cust_d = cust_d.assign(**{_POS: 1}).assign(**{_POS: lambda d: d[_POS].cumsum() - 1})
    inter_d = _to_dask(inter, n) if inter is not None and (not hasattr(inter, "__len__") or len(inter)) else None
    tx_cols = [c for c in ("customer_id", "date", "amount") if c in tx_d.columns]
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
    from .features import CARRIED_ATTRIBUTES

    out = out.sort_values(_POS, kind="stable").drop(columns=[_POS]).reset_index(drop=True)
    out["customer_id"] = out["customer_id"].astype("string")
    for col in CARRIED_ATTRIBUTES:  # features.customer_features copies them as plain arrays
        if col in out.columns:
            out[col] = out[col].to_numpy()
    out.attrs["as_of"] = as_of
    out.attrs["lookback_days"] = lookback
    return out


def dask_assign_tiers(
    features: Any,
    model: Any = None,
    *,
    client: Any = None,
    sample_size: int = 200_000,
    random_state: int = 0,
    **model_params: Any,
) -> tuple[Any, pd.DataFrame]:
    """Fit :class:`~segment_lib.tiering.TierModel` on a seeded sample, predict every partition on Dask.

    ``features``: the pandas feature table, or the dask DataFrame from
    ``dask_customer_features(..., compute=False)``.  ``model``: an already fitted TierModel
    (then nothing is fitted), else ``TierModel(random_state=random_state, **model_params)`` is fitted
    on ``sample_size`` seeded rows (all rows when there are fewer).

    Returns (model, DataFrame customer_id, tier, tier_label) in the order of ``features``.
    Because prediction uses the same fitted model on every partition, the tiers equal
    ``model.predict(features)`` on one machine (tested).
    """
    import dask.dataframe as dd

    from .tiering import TierModel

    if client is None:
        client = get_client("dask")
    n_threads = _n_threads(client)
    if _is_dask(features):
        fd = features
        if _POS not in fd.columns:
            fd = fd.assign(**{_POS: 1}).assign(**{_POS: lambda d: d[_POS].cumsum() - 1})
        total = None
    else:
        pdf = features.reset_index(drop=True)
        total = len(pdf)
        fd = dd.from_pandas(pdf.assign(**{_POS: np.arange(total, dtype=np.int64)}),
                            npartitions=max(2, 2 * n_threads), sort=False)
    if model is None:
        if total is not None:
            sample = pdf if total <= sample_size else pdf.sample(n=sample_size, random_state=random_state).sort_index()
        else:
            total = int(client.compute(fd.shape[0]).result())
            frac = min(1.0, sample_size / max(total, 1))
            sample = client.compute(fd.sample(frac=frac, random_state=random_state)).result()
            sample = sample.sort_values(_POS).drop(columns=[_POS]).reset_index(drop=True)
        model = TierModel(random_state=random_state, **model_params).fit(sample.drop(columns=[_POS], errors="ignore"))
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
    return model, res


def fit_tiers(features: pd.DataFrame, engine: Any = None, *, client: Any = None, y: Any = None,
              **model_params: Any) -> Any:
    """A fitted :class:`~segment_lib.tiering.TierModel` whose ``labels_`` / ``tiers_`` cover every customer.

    One call for notebooks, whatever the engine (``params.engine``)::

        feats = customer_features(ds, engine=engine)
        model = engines.fit_tiers(feats, engine, method="kmeans", n_tiers="auto", random_state=0)

    * pandas / duckdb / parquet (one machine): ``TierModel(**model_params).fit(features, y)``.
    * dask, methods ``kmeans`` / ``gmm``: fitted on a seeded sample of ``sample_size`` rows
      (engine spec, default 200,000; ``y`` is subset alongside), then predicted per partition on the
      cluster (:func:`dask_assign_tiers`); ``labels_`` and ``tiers_`` are set to those predictions for
      all customers, ``fit_sample_size_`` records the sample size.  Methods ``rfm`` / ``abc`` /
      ``threshold`` need quantiles or cumulative shares over all customers and are cheap, so they are
      fitted on all rows on this machine.
    """
    from .tiering import TierModel, _align_y, _is_id_indexed

    spec = parse_engine(engine)
    method = model_params.get("method", "kmeans")
    if spec.name != "dask" or method not in ("kmeans", "gmm"):
        return TierModel(**model_params).fit(features, y)
    X = features.reset_index(drop=True)
    rs_seed = int(model_params.get("random_state", 0))
    size = int(spec.sample_size)
    if len(X) > size:
        pick = np.sort(np.random.RandomState(rs_seed).choice(len(X), size=size, replace=False))
    else:
        pick = np.arange(len(X))
    yy = y  # a Series indexed by customer_id is aligned by TierModel itself; positional y is subset
    if y is not None and not (isinstance(y, pd.Series) and _is_id_indexed(y)):
        yy = _align_y(y, X)[pick]
    model = TierModel(**model_params).fit(X.iloc[pick].reset_index(drop=True), yy)
    _, tiers = dask_assign_tiers(X, model, client=client or get_client(spec))
    model.labels_ = tiers["tier"].to_numpy(dtype=np.int64)
    t = tiers
    if model.group_by is not None and model.group_by in X.columns:
        t = t.assign(**{model.group_by: X[model.group_by].astype("string").fillna("(missing)").to_numpy()})
    model.tiers_ = t
    model.fit_sample_size_ = len(pick)
    return model
