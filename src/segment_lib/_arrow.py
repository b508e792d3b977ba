"""Arrow helpers shared by the feature and region code (internal).

``index_of(values, keys)`` is the one id lookup of the library: the position of each value in
``keys`` or -1.  pandas' ``Index.get_indexer`` on Arrow-backed strings took 7.9 s for 10 M
transaction ids against 1 M customers (docs/scale.md, profile item 3); ``pyarrow.compute.index_in``
is a C++ hash lookup on the Arrow buffers (see docs/scale.md, "After the profiling fixes").
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def _arrow_raw(x: Any):
    """``x`` (Series, Index, array, list) as Arrow strings, zero-copy when it already is."""
    import pyarrow as pa

    if isinstance(x, (pa.Array, pa.ChunkedArray)):
        return x
    s = x if isinstance(x, (pd.Series, pd.Index)) else pd.Series(x)
    if not isinstance(s.dtype, pd.StringDtype) or getattr(s.dtype, "storage", None) != "pyarrow":
        s = s.astype(pd.StringDtype("pyarrow"))
    return pa.array(s.array)  # zero-copy: the Arrow data behind the pandas string array


def _large(arr):
    import pyarrow as pa

    return arr if pa.types.is_large_string(arr.type) else arr.cast(pa.large_string())


def _arrow_strings(x: Any):
    """``x`` (Series, Index, array, list) as an Arrow ``large_string`` array / chunked array."""
    return _large(_arrow_raw(x))


def _content_key(arr) -> tuple:
    """Identity of an Arrow array's contents: its buffers' addresses, offsets and lengths.

    Arrow buffers are immutable, so two arrays with the same key hold the same values as long as
    the buffers are alive (the cache below keeps a reference to them)."""
    import pyarrow as pa

    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    return (str(arr.type),) + tuple(
        (c.offset, len(c), tuple(0 if b is None else b.address for b in c.buffers())) for c in chunks)


# Columns this long are hashed by DuckDB (both cores, parallel hash join / aggregate on the Arrow
# buffers, no copy) instead of Arrow's single-thread kernels: 10 M ids against 1 M customers 0.64 s
# instead of 1.41 s; 10 M distinct transaction ids 0.8 s instead of 2.7-3.4 s (docs/scale.md).
DUCKDB_MIN_ROWS = 500_000
# ... and a lookup goes to DuckDB only against this many keys: a smaller hash table stays in the CPU
# cache and Arrow's single thread is faster (1M ids in 100k keys: Arrow 0.03 s, DuckDB 0.06 s;
# 2M in 1M: Arrow 0.46 s, DuckDB 0.27 s).
DUCKDB_MIN_KEYS = 200_000

# Lookups of the same big id column against the same keys (features, then regions, on one
# dataset) are answered once.  Keyed by content identity; least recently used out; big lookups
# only; results kept as int32 (4 bytes an id: 40 MB for 10M transactions).
_CACHE: dict[tuple, tuple] = {}
_CACHE_SIZE = 12  # io checks ~9 big lookups on a full dataset; features and regions reuse them
CACHE_MIN_ROWS = 100_000


def index_of(values: Any, keys: Any) -> np.ndarray:
    """Position of each of ``values`` in ``keys`` (first occurrence), ``-1`` when absent or missing.

    Both are compared as strings (ids are text in the contract).  ``values`` may be a pandas
    Categorical: then only its categories are looked up and the codes are mapped, which is the
    fast path for dictionary-encoded Parquet columns.  Returns a **read-only** integer array of
    ``len(values)``: ``int32`` (``int64`` with 2**31 keys or more), so 10 M positions take 40 MB
    and a repeated lookup is answered by the cached array itself, without a copy; cast it before
    arithmetic that could leave the int32 range.  Equals ``pd.Index(keys).get_indexer(values)``
    for unique ``keys`` (tested).
    """
    if isinstance(values, (pd.Series, pd.Index)) and isinstance(values.dtype, pd.CategoricalDtype):
        cat = values.array if isinstance(values, pd.Series) else values.values
        cat_pos = index_of(pd.Index(cat.categories), keys)
        codes = np.asarray(cat.codes)
        return _frozen(np.where(codes >= 0, cat_pos[np.maximum(codes, 0)], -1).astype(cat_pos.dtype))
    if isinstance(values, pd.Categorical):
        return index_of(pd.Series(values), keys)
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:  # pragma: no cover - pyarrow is a pandas 3 dependency; plain pandas lookup
        idx = pd.Index(pd.Series(keys).astype("string"))
        return _frozen(idx.get_indexer(pd.Series(values).astype("string")).astype(np.int64))
    raw_v, raw_k = _arrow_raw(values), _arrow_raw(keys)
    key = None
    if len(raw_v) >= CACHE_MIN_ROWS:
        key = (_content_key(raw_v), _content_key(raw_k))
        hit = _CACHE.pop(key, None)
        if hit is not None:
            _CACHE[key] = hit  # most recently used last
            return hit[0]  # read-only: shared by every caller
    dtype = np.int32 if len(raw_k) < 2**31 - 1 else np.int64
    if len(raw_v) >= DUCKDB_MIN_ROWS and len(raw_k) >= DUCKDB_MIN_KEYS:
        out = _index_of_duckdb(raw_v, raw_k, dtype)
    else:
        va, vs = _large(raw_v), _large(raw_k)
        if isinstance(vs, pa.ChunkedArray):
            vs = vs.combine_chunks()
        res = pc.index_in(va, value_set=vs, skip_nulls=True).fill_null(-1)
        out = np.asarray(res.to_numpy(zero_copy_only=False), dtype=dtype)
    out = _frozen(out)
    if key is not None:
        while len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = (out, raw_v, raw_k)  # the arrays keep their buffers (and the key) alive
    return out


def same_values(a: Any, b: Any) -> bool:
    """True when ``a`` and ``b`` hold the same strings in the same order (no missing values): one
    vectorised comparison, so a lookup of a column in itself can be skipped."""
    import pyarrow.compute as pc

    ra, rb = _arrow_raw(a), _arrow_raw(b)
    if len(ra) != len(rb) or ra.null_count or rb.null_count:
        return False
    return len(ra) == 0 or bool(pc.all(pc.equal(_large(ra), _large(rb))).as_py())


def _frozen(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


def all_distinct(values: Any, *more: Any) -> bool:
    """True when the non-missing values of ``values`` (strings) are all different; with ``more``
    columns, the rows (``values``, ``*more``) without a missing part.

    Big columns: DuckDB hashes every value to 64 bits (both cores, reading the Arrow buffers
    without a copy) and NumPy sorts the hashes; different hashes prove different values, and only
    when two hashes are equal (a repeated value, or a hash collision: ~1e-6 for 10 M values) does
    an exact ``count(DISTINCT)`` decide.  10 M transaction ids: ~0.2 s and +80 MB, against 2.7-3.4 s
    for Arrow's ``count_distinct`` and ~0.9 s / +570 MB for DuckDB's ``count(DISTINCT)``
    (docs/scale.md).  Smaller columns use Arrow's ``count_distinct``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cols = [_arrow_raw(v) for v in (values, *more)]
    arr = cols[0]
    if not more:
        n = len(arr) - arr.null_count
        if n <= 1:
            return True
        if len(arr) < DUCKDB_MIN_ROWS:
            return pc.count_distinct(arr, mode="only_valid").as_py() == n
    names = [f"v{i}" for i in range(len(cols))]
    present = " AND ".join(f"{c} IS NOT NULL" for c in names)
    with _duckdb() as con:
        con.register("ids", pa.table(dict(zip(names, cols))))
        h = con.sql(f"SELECT hash({', '.join(names)}) FROM ids WHERE {present}").to_arrow_table().column(0)
        h = np.sort(h.to_numpy())
        if not (h[1:] == h[:-1]).any():
            return True
        del h
        n = con.sql(f"SELECT count(*) FROM ids WHERE {present}").fetchall()[0][0]
        return con.sql(f"SELECT count(*) FROM (SELECT DISTINCT {', '.join(names)} FROM ids WHERE {present})"
                       ).fetchall()[0][0] == n


_DUCK: dict[str, Any] = {}


class _duckdb:
    """A DuckDB cursor on one in-memory connection kept for the process (connecting costs ~20 ms
    each time); each use registers its own Arrow tables and drops them on exit."""

    def __enter__(self):
        import duckdb

        if "con" not in _DUCK:
            _DUCK["con"] = duckdb.connect()
        self.con = _DUCK["con"].cursor()  # a cursor: safe if threads look up at the same time
        return self.con

    def __exit__(self, *exc) -> None:
        self.con.close()


def _index_of_duckdb(values, keys, dtype) -> np.ndarray:
    """:func:`index_of` as a DuckDB hash join of (row, value) with (first position, key): the same
    result (nulls and unknown values -1, the first position of a repeated key)."""
    import pyarrow as pa

    rows = np.int32 if len(values) < 2**31 - 1 else np.int64
    with _duckdb() as con:
        con.register("vals", pa.table({"v": values, "r": np.arange(len(values), dtype=rows)}))
        con.register("ks", pa.table({"k": keys, "p": np.arange(len(keys), dtype=dtype)}))
        hit = con.sql("SELECT r, p FROM vals JOIN (SELECT k, min(p) AS p FROM ks GROUP BY k) ON v = k"
                          ).to_arrow_table()
    out = np.full(len(values), -1, dtype=dtype)
    out[hit.column(0).to_numpy()] = hit.column(1).to_numpy()
    return out


def occurrences(keys: Any, values: Any) -> np.ndarray:
    """How often each of the (distinct) ``keys`` occurs among ``values``: an int array of
    ``len(keys)``.  Counted from :func:`index_of` ``(values, keys)`` -- the lookup the foreign-key
    check of ``values`` already made (cached) -- instead of hashing the long ``values`` again."""
    pos = index_of(values, keys)
    return np.bincount(pos[pos >= 0], minlength=len(keys))[: len(keys)]


def covered(keys: Any, values: Any) -> np.ndarray:
    """For each of the (distinct) ``keys``, whether it occurs among ``values`` (see :func:`occurrences`)."""
    pos = index_of(values, keys)
    seen = np.zeros(len(keys) + 1, dtype=bool)
    seen[pos + 1] = True  # -1 (unknown) lands in the extra first slot
    return seen[1:]
