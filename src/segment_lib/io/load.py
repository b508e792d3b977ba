"""Building the :class:`~segment_lib.contract.Dataset`: :func:`load_dataset` (every source of a config)
and :func:`dataset_from_frames` (in-memory canonical frames).

The analysis date is resolved here, once: the config's / caller's ``as_of``, else the latest
transaction date (with a warning).  Everything downstream reads ``Dataset.as_of``.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pandas as pd

from .._arrow import CACHE_MIN_ROWS, index_of
from .._memory import release
from ..config import Config, ConfigError, load_config
from ..contract import CORE_TABLES, TABLES, Dataset, empty_table
from ..errors import DataContractError
from ..i18n import Note
from ..params import GeoParams
from .adjacency import resolve_adjacency
from .geography import geography_checks
from .mapping import apply_mapping
from .readers import read_sql, read_table
from .validate import _arrow_text, _check_future, _cross_checks, _split_checks, _validate_numbered, _warn


def _build(
    raw: dict[str, tuple[pd.DataFrame, str, str | None]],
    as_of: pd.Timestamp | None,
    current_split: str | None,
    future_dates: str,
    sources: dict[str, str],
    geo: GeoParams | None = None,
    extra_edges: list[tuple[str, str]] | None = None,
) -> Dataset:
    """raw: table -> (canonically named frame, file label, date_format)."""
    _check_core(raw)
    tables: dict[str, pd.DataFrame] = {}
    files: dict[str, str] = {name: name for name in TABLES}
    present: dict[str, set[str]] = {name: set() for name in TABLES}
    warnings: list[str] = []
    given: set[str] = set()
    checked = _validate_all(raw)
    for name, spec in TABLES.items():
        if name not in raw:
            tables[name] = empty_table(name)
            continue
        df, file, fmt = raw[name]
        files[name] = file
        present[name] = set(df.columns)
        tables[name], w = checked[name]()  # raises the table's error, tables in contract order
        warnings += w
        if tables[name].empty:  # a header without rows: the table is treated as missing
            warnings.append(_warn(file, None, "empty_table"))
        else:
            given.add(name)
    _check_core({t: raw[t] for t in given}, empty=[t for t in raw if t not in given], files=files)
    as_of, w = _analysis_date(tables, files, as_of, given)
    warnings += w
    for name in given:
        tables[name], w = _check_future(tables[name], TABLES[name], files[name], as_of, future_dates, present[name])
        warnings += w
    if "customers" not in given:  # the customers are the distinct ids of the transactions
        ids = pd.unique(tables["transactions"]["customer_id"].dropna())
        tables["customers"] = empty_table("customers").reindex(range(len(ids)))
        tables["customers"]["customer_id"] = pd.array(ids, dtype="string")
        tables["customers"] = tables["customers"].sort_values("customer_id", kind="stable")
        files["customers"] = f"customers (the {len(ids):,} customer ids of {files['transactions']})"
        sources = {**sources, "customers": f"derived from {files['transactions']}"}
    warnings += _cross_checks(tables, files, present, given | {"customers"})
    tables["geo_units"], notes, w = resolve_adjacency(tables["geo_units"], tables["adjacency"], geo,
                                                      files["geo_units"])
    warnings += w
    current = None
    if "splits" in given:
        current, w = _split_checks(tables, files, current_split)
        warnings += w
    edges = extra_edges if extra_edges is not None else (geo.edges() if geo is not None else None)
    warnings += geography_checks(tables, files, given, current, edges)
    tables = {name: t.reset_index(drop=True) for name, t in tables.items()}
    return Dataset(
        customers=tables["customers"], transactions=tables["transactions"], reps=tables["reps"],
        geo_units=tables["geo_units"], splits=tables["splits"], interactions=tables["interactions"],
        surveys=tables["surveys"], split_reps=tables["split_reps"], ownership=tables["ownership"],
        adjacency=tables["adjacency"], as_of=as_of, current_split=current, warnings=warnings, notes=notes,
        sources=sources, provided=frozenset(given),
    )


PARALLEL_MIN_ROWS = 1_000_000  # rows over all tables from which they are checked on two threads (1M: -0.7 s)


def _validate_all(raw: dict[str, tuple[pd.DataFrame, str, str | None]]) -> dict:
    """Each table checked on its own (:func:`_validate_numbered`): name -> a call returning its
    result (or raising its error).  Big datasets are checked side by side on two threads (the Arrow,
    NumPy and DuckDB work releases the GIL); small ones when the call is made.  The caller makes the
    calls in contract order, so the first error and the warnings are those of a run one table after
    the other."""
    from concurrent.futures import ThreadPoolExecutor
    from functools import partial

    calls = {n: partial(_validate_numbered, raw[n][0], TABLES[n], raw[n][1], raw[n][2]) for n in TABLES if n in raw}
    if len(calls) < 2 or sum(len(raw[n][0]) for n in calls) < PARALLEL_MIN_ROWS:
        return calls  # small data: threads would cost more than they save
    with ThreadPoolExecutor(max_workers=2) as pool:  # longest first
        futures = {n: pool.submit(calls[n]) for n in sorted(calls, key=lambda n: -len(raw[n][0]))}
        # then the long foreign-key lookups, each once both its tables are checked (a worker would
        # otherwise idle while the longest table is checked); the cross checks, features and regions
        # read them from the lookup cache (segment_lib._arrow)
        for name, fk in _long_lookups(raw):
            pool.submit(_lookup_when_checked, futures, name, fk)
    return {n: futures[n].result for n in calls}


def _long_lookups(raw: dict) -> list:
    """(table, foreign key) of the lookups :func:`_cross_checks` makes that the id-lookup cache keeps,
    those whose tables are checked first (the shorter ones) first."""
    out = []
    for name, spec in TABLES.items():
        if name not in raw or len(raw[name][0]) < CACHE_MIN_ROWS:
            continue
        out += [(name, fk) for fk in spec.foreign_keys if fk.table in raw and fk.column in raw[name][0].columns]
    return sorted(out, key=lambda x: max(len(raw[x[0]][0]), len(raw[x[1].table][0])))


def _lookup_when_checked(futures: dict, name: str, fk) -> None:
    """The cross checks' lookup of ``name.fk.column`` in its target, made ahead (best effort: a table's
    own error is raised by the caller, in contract order)."""
    try:
        t, _ = futures[name].result()
        k, _ = futures[fk.table].result()
    except Exception:  # noqa: BLE001 - reported where the table's result is read
        return
    if fk.column in t.columns and fk.target in k.columns and _arrow_text(t[fk.column], k[fk.target]):
        index_of(t[fk.column], k[fk.target])


def _check_core(raw: dict, empty: list[str] | None = None, files: dict[str, str] | None = None) -> None:
    """A dataset needs transactions (tiering) or customers (regions)."""
    if any(t in raw for t in CORE_TABLES):
        return
    if empty and any(t in empty for t in CORE_TABLES):
        t = next(t for t in CORE_TABLES if t in empty)
        raise DataContractError("the table has a header but no data rows", file=(files or {}).get(t, t),
                                hint="export the table again with its rows")
    raise DataContractError(
        "no transactions and no customers: every report needs one of them",
        file=", ".join(raw) or "data.sources",
        hint="add `transactions` (customer id, date, amount) to data.sources in the config (or pass it as a frame)",
    )


def _analysis_date(tables: dict[str, pd.DataFrame], files: dict[str, str], as_of: pd.Timestamp | None,
                   given: set[str]) -> tuple[pd.Timestamp, list[str]]:
    """The given as_of, else the latest transaction date (else the latest ticket / survey date, else
    today), with a warning saying which date was chosen and when it lies after today."""
    if as_of is not None:
        return as_of, []
    today = pd.Timestamp.today().normalize()
    for table, col, what in (("transactions", "date", "transaction"), ("interactions", "opened_at", "ticket"),
                             ("surveys", "date", "survey")):
        if table not in given:
            continue
        latest = tables[table][col].max()
        if pd.isna(latest):
            continue
        day = latest.normalize()
        w = [Note(f"data.warn.as_of_latest_{table}", day=f"{day:%Y-%m-%d}")]
        if day > today:
            n = int((tables[table][col] >= today + pd.Timedelta(days=1)).sum())
            w.append(_warn(files[table], col, "after_today", n=n, today=f"{today:%Y-%m-%d}", day=f"{day:%Y-%m-%d}"))
        return day, w
    return today, [Note("data.warn.as_of_today", today=f"{today:%Y-%m-%d}")]


def load_dataset(config: Config | str | Path, *, future_dates: str | None = None) -> Dataset:
    """Read, map and validate every source of ``config`` into a :class:`Dataset`.

    ``config`` may be a :class:`Config` or a path to a YAML file.  Raises ConfigError when a source
    file does not exist (naming the config key), DataContractError for data problems; soft issues are
    in ``Dataset.warnings``.  ``future_dates`` overrides ``data.future_dates`` (error | warn | drop).
    """
    cfg = config if isinstance(config, Config) else load_config(config)
    if not cfg.sources:
        where = f" ({cfg.path})" if cfg.path else ""
        raise ConfigError(f"data.sources: the config{where} lists no data sources")
    raw: dict[str, tuple[pd.DataFrame, str, str | None]] = {}
    sources: dict[str, str] = {}
    optional = _optional_columns(cfg.sources)
    for name, src in cfg.sources.items():
        if src.sql is not None:
            df = read_sql(src.sql, src.label)
            sources[name] = src.sql["url"].split("@")[-1]
        else:
            if not src.path.is_file():
                hint = (" Generate the demo data first (`segment-lib demo-data`)." if cfg.demo is not None else "")
                raise ConfigError(f"{src.key}.path: file not found: {src.path}.{hint}")
            df = read_table(src.path, encoding=src.encoding, sheet=src.sheet, skip_rows=src.skip_rows)
            sources[name] = str(src.path)
        file = df.attrs.get("file", src.label)
        if getattr(src, "layout", "long") == "wide":
            df, columns = wide_to_long(df, src.columns, file), None
        else:
            columns = src.columns
        raw[name] = (apply_mapping(df, columns, name, file, optional=optional.get(name, set())), file,
                     src.date_format)
    ds = _build(raw, cfg.as_of, cfg.current_split, future_dates or cfg.future_dates, sources, cfg.params.geo)
    del raw
    release()  # the read frames and the checks' temporaries (see segment_lib._memory)
    return ds


def _optional_columns(tables) -> dict[str, set[str]]:
    """Required columns a dataset does not need: a customer's geo unit when there is no geography."""
    return {} if "geo_units" in tables else {"customers": {"geo_unit_id"}}


def wide_to_long(df: pd.DataFrame, columns: dict[str, str] | None, file: str) -> pd.DataFrame:
    """A wide plan table (``geo_unit_id`` + one column per plan, named by its header) as the long
    ``splits`` table (split, geo_unit_id, region_id).  ``columns`` may map ``geo_unit_id`` to its
    header; every other column is a plan.  Empty cells mean "no region in that plan"."""
    id_col = (columns or {}).get("geo_unit_id", "geo_unit_id")
    if id_col not in df.columns:
        raise DataContractError(f"wide plan table: no unit id column '{id_col}'", file=file, column=id_col,
                                hint="map it with columns: {geo_unit_id: <header>} (layout: wide)")
    plans = [c for c in df.columns if c != id_col]
    if not plans:
        raise DataContractError("wide plan table has no plan columns besides the unit id", file=file,
                                hint="add one column per plan, named by the plan")
    long = df.melt(id_vars=[id_col], value_vars=plans, var_name="split", value_name="region_id")
    long = long[long["region_id"].notna() & (long["region_id"].astype(str).str.strip() != "")]
    long = long.rename(columns={id_col: "geo_unit_id"})[["split", "geo_unit_id", "region_id"]]
    long["split"] = long["split"].astype(str)
    return long.reset_index(drop=True)


def dataset_from_frames(
    *,
    as_of: pd.Timestamp | str | None = None,
    current_split: str | None = None,
    future_dates: str = "error",
    geo: GeoParams | None = None,
    extra_edges: list[tuple[str, str]] | None = None,
    **tables: pd.DataFrame,
) -> Dataset:
    """Validate in-memory canonical frames (``customers=df, transactions=df, ...``) into a Dataset.

    Frames must already use canonical column names; extra columns are dropped.  Errors name the
    table as the file and rows as ``position + 2`` (header = row 1, like the file readers).
    """
    raw: dict[str, tuple[pd.DataFrame, str, str | None]] = {}
    for name, df in tables.items():
        if name not in TABLES:
            close = difflib.get_close_matches(name, list(TABLES), n=1)
            raise DataContractError(f"unknown table '{name}'", file=name,
                                    hint=f"use one of {', '.join(TABLES)}" + (f" (did you mean '{close[0]}'?)" if close else ""))
        if df is None:
            continue
        df = df.reset_index(drop=True)
        opt = _optional_columns({k for k, v in tables.items() if v is not None}).get(name, set())
        raw[name] = (apply_mapping(df, None, name, name, optional=opt), name, None)
    ts = None if as_of is None else pd.Timestamp(as_of).normalize()
    return _build(raw, ts, current_split, future_dates, {n: "in-memory" for n in raw}, geo, extra_edges)
