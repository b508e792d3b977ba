"""Building the :class:`~segment_lib.contract.Dataset`: :func:`load_dataset` (every source of a config)
and :func:`dataset_from_frames` (in-memory canonical frames).

The analysis date is resolved here, once: the config's / caller's ``as_of``, else the latest
transaction date (with a warning).  Everything downstream reads ``Dataset.as_of``.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pandas as pd

from ..config import Config, ConfigError, load_config
from ..contract import TABLES, Dataset, empty_table
from ..errors import DataContractError
from .mapping import apply_mapping
from .readers import read_table
from .validate import _check_future, _cross_checks, _split_checks, _validate_numbered


def _build(
    raw: dict[str, tuple[pd.DataFrame, str, str | None]],
    as_of: pd.Timestamp | None,
    current_split: str | None,
    future_dates: str,
    sources: dict[str, str],
) -> Dataset:
    """raw: table -> (canonically named frame, file label, date_format)."""
    missing = [t.name for t in TABLES.values() if t.required and t.name not in raw]
    if missing:
        raise DataContractError(
            f"required table{'s' if len(missing) > 1 else ''} missing: {', '.join(missing)}",
            file=", ".join(missing), hint="add them to data.sources in the config (or pass them as frames)",
        )
    tables: dict[str, pd.DataFrame] = {}
    files: dict[str, str] = {name: name for name in TABLES}
    present: dict[str, set[str]] = {name: set() for name in TABLES}
    warnings: list[str] = []
    for name, spec in TABLES.items():
        if name not in raw:
            tables[name] = empty_table(name)
            continue
        df, file, fmt = raw[name]
        files[name] = file
        present[name] = set(df.columns)
        tables[name], w = _validate_numbered(df, spec, file, fmt)
        warnings += w
    if as_of is None:
        latest = tables["transactions"]["date"].max()
        if pd.isna(latest):
            raise DataContractError("as_of is not set and there are no transaction dates to take it from",
                                    file=files["transactions"], column="date",
                                    hint="set as_of: YYYY-MM-DD in the config")
        as_of = latest.normalize()
        warnings.append(f"as_of not set; using the latest transaction date {as_of:%Y-%m-%d}")
    for name in raw:
        tables[name], w = _check_future(tables[name], TABLES[name], files[name], as_of, future_dates, present[name])
        warnings += w
    warnings += _cross_checks(tables, files, present)
    current, w = _split_checks(tables, files, current_split)
    warnings += w
    tables = {name: t.reset_index(drop=True) for name, t in tables.items()}
    return Dataset(
        customers=tables["customers"], transactions=tables["transactions"], reps=tables["reps"],
        geo_units=tables["geo_units"], splits=tables["splits"], interactions=tables["interactions"],
        surveys=tables["surveys"], split_reps=tables["split_reps"], ownership=tables["ownership"],
        as_of=as_of, current_split=current, warnings=warnings, sources=sources,
    )


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
    for name, src in cfg.sources.items():
        if not src.path.is_file():
            hint = (" Generate the demo data first (`segment-lib demo-data`)." if cfg.demo is not None else "")
            raise ConfigError(f"{src.key}.path: file not found: {src.path}.{hint}")
        df = read_table(src.path, encoding=src.encoding, sheet=src.sheet, skip_rows=src.skip_rows)
        file = df.attrs.get("file", src.path.name)
        raw[name] = (apply_mapping(df, src.columns, name, file), file, src.date_format)
        sources[name] = str(src.path)
    return _build(raw, cfg.as_of, cfg.current_split, future_dates or cfg.future_dates, sources)


def dataset_from_frames(
    *,
    as_of: pd.Timestamp | str | None = None,
    current_split: str | None = None,
    future_dates: str = "error",
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
        raw[name] = (apply_mapping(df, None, name, name), name, None)
    ts = None if as_of is None else pd.Timestamp(as_of).normalize()
    return _build(raw, ts, current_split, future_dates, {n: "in-memory" for n in raw})
