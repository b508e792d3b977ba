"""The YAML configuration: data sources, column mapping, report settings and parameters.

A configuration file looks like ``config/demo.yaml``::

    run_name: demo                 # default: the YAML file name without extension
    title: "..."                   # default: run_name
    as_of: 2025-12-31              # analysis date; default: latest transaction date
    current_split: traditional     # default: the first split in the splits table
    data:
      dir: ../data/demo            # relative to this YAML file; default: the YAML's folder
      future_dates: error          # error | warn | drop  (transactions/interactions after as_of)
      sources:
        customers:
          path: customers.csv      # relative to data.dir; .csv .tsv .txt .parquet .xlsx .xls
          encoding: auto           # auto (utf-8 / utf-8-sig / gb18030 ...) or any Python codec
          sheet: 0                 # Excel only: sheet name or 0-based index
          skip_rows: 0             # lines above the header row (titles in Excel exports)
          date_format: "%Y/%m/%d"  # optional strptime format for this source's date columns
          layout: long             # splits only: wide = geo_unit_id + one column per plan (header = plan)
          columns:                 # canonical_name: source header (headers may be Chinese)
            customer_id: 客户编号
            geo_unit_id: 省份
        transactions:              # or a SQL query instead of a file (SQLAlchemy URL; a plain path is SQLite)
          sql: {url: crm.sqlite, query: "SELECT cust, day, total FROM orders"}
          columns: {customer_id: cust, date: day, amount: total}

Only ``transactions`` or ``customers`` is needed: each report runs on the tables it needs (see
:data:`segment_lib.views.REQUIREMENTS`).
    demo: {n_customers: 20000, seed: 7}
    reports: {dir: ../reports, notebooks: [00_overview], show_personal_data: false}  # true: names, phones in reports
    params:                        # typed: see segment_lib.params (unknown keys fail with a suggestion)
      tiering: {method: kmeans}

Everything malformed raises :class:`~segment_lib.errors.ConfigError` whose message starts with the
dotted key at fault (``data.sources.customers.columns.custmer_id: ...``) and, for misspelled keys,
suggests the closest valid one.  Source files are *not* required to exist at load time (the demo
data may be generated later); :func:`segment_lib.io.load_dataset` checks them.
"""

from __future__ import annotations

import codecs
import re
import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from .contract import CORE_TABLES, TABLES
from .errors import ConfigError
from .params import Params, parse_params

__all__ = [
    "Config",
    "DemoConfig",
    "ReportsConfig",
    "SourceConfig",
    "load_config",
    "parse_as_of",
    "READABLE_SUFFIXES",
]

READABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".parquet", ".pq", ".xlsx", ".xlsm", ".xls")
FUTURE_DATE_POLICIES = ("error", "warn", "drop")


def _suggest(word: str, options: list[str] | tuple[str, ...]) -> str:
    """' Did you mean 'x'?' or a list of the valid options."""
    close = difflib.get_close_matches(str(word), [str(o) for o in options], n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    return "valid keys: " + ", ".join(str(o) for o in options)


def _check_keys(d: Mapping[str, Any], allowed: list[str] | tuple[str, ...], where: str) -> None:
    for k in d:
        if k not in allowed:
            key = f"{where}.{k}" if where else str(k)
            raise ConfigError(f"{key}: unknown key '{k}'; {_suggest(k, allowed)}")


def _as_mapping(value: Any, key: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"{key}: expected a mapping (key: value lines), got {type(value).__name__} {value!r}")
    return dict(value)


def parse_as_of(value: Any, key: str = "as_of") -> pd.Timestamp | None:
    """Parse an as-of date (date, datetime, 'YYYY-MM-DD' string or Timestamp); None stays None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or isinstance(value, (int, float)):
        raise ConfigError(f"{key}: {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2025-12-31")
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{key}: {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2025-12-31") from exc
    if pd.isna(ts):
        raise ConfigError(f"{key}: {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2025-12-31")
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts.normalize()


class _ItemAccess:
    """Lets a config dataclass also be read like a dict (``cfg.reports['dir']``)."""

    def __getitem__(self, key: str) -> Any:
        if key not in {f.name for f in fields(self)}:  # type: ignore[arg-type]
            raise KeyError(key)
        return getattr(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default


@dataclass(frozen=True)
class SourceConfig(_ItemAccess):
    """Where one canonical table comes from and how its headers map to canonical columns."""

    table: str
    path: Path | None
    columns: dict[str, str] = field(default_factory=dict)  # canonical -> source header
    encoding: str = "auto"
    sheet: str | int | None = None
    date_format: str | None = None
    skip_rows: int = 0
    layout: str = "long"  # splits only: "wide" = one column per plan besides geo_unit_id
    sql: dict[str, str] | None = None  # {url: SQLAlchemy URL, query: SELECT ...} instead of a path

    KEYS = ("path", "sql", "columns", "encoding", "sheet", "date_format", "skip_rows", "layout")

    @property
    def key(self) -> str:
        """Dotted config key of this source, for messages."""
        return f"data.sources.{self.table}"

    @property
    def label(self) -> str:
        """What the source is, for messages and the data summary: the file name or the SQL database."""
        if self.sql is not None:
            return f"SQL {self.sql['url'].rsplit('/', 1)[-1]}"
        return self.path.name if self.path is not None else self.table


LANGUAGES = ("en", "zh")


@dataclass(frozen=True)
class ReportsConfig(_ItemAccess):
    dir: Path
    notebooks: list[str] = field(default_factory=lambda: ["00_overview", "01_tiering", "02_regions", "03_rebalance"])
    show_personal_data: bool = False  # names / phones (contract Column.private) reach reports only if true
    language: str = "en"  # every word of the reports: "en" or "zh" (charts fall back to English without a CJK font)
    currency: str = "CNY"  # ISO code of every amount (CNY, USD, GBP, EUR, ...)
    labels: dict = field(default_factory=dict)  # data name -> reader's name, e.g. {HA: 河南} or {HA: {en: Henan, zh: 河南}}

    KEYS = ("dir", "notebooks", "show_personal_data", "language", "currency", "labels")


@dataclass(frozen=True)
class DemoConfig(_ItemAccess):
    n_customers: int = 20000
    seed: int = 7

    KEYS = ("n_customers", "seed")


TOP_KEYS = ("run_name", "title", "as_of", "current_split", "data", "demo", "reports", "params")
DATA_KEYS = ("dir", "sources", "future_dates")


@dataclass(frozen=True)
class Config(_ItemAccess):
    """A loaded configuration.  All paths are absolute.

    Attributes
    ----------
    run_name, title: names used by the report runner.
    as_of: analysis date (``pd.Timestamp``) or None (io then uses the latest transaction date).
    current_split: name of the split in force, or None (io then uses the first split).
    data_dir: folder the source paths are relative to.
    sources: table name -> :class:`SourceConfig`.
    future_dates: what io does with transactions/interactions dated after ``as_of``
        ("error" (default), "warn", "drop").
    demo: :class:`DemoConfig` or None when the config has no ``demo`` section.
    reports: :class:`ReportsConfig`.
    params: :class:`~segment_lib.params.Params`, typed sections (``cfg.params.tiering.n_tiers``).
    path: the YAML file (None for configs built in memory).
    """

    run_name: str
    title: str
    as_of: pd.Timestamp | None
    current_split: str | None
    data_dir: Path
    sources: dict[str, SourceConfig]
    reports: ReportsConfig
    demo: DemoConfig | None = None
    params: Params = field(default_factory=Params)
    future_dates: str = "error"
    path: Path | None = None

    # ------------------------------------------------------------------ building
    @classmethod
    def from_dict(
        cls, raw: Mapping[str, Any] | None, base_dir: str | Path = ".", path: str | Path | None = None
    ) -> Config:
        """Build a Config from a parsed YAML mapping; relative paths are resolved against ``base_dir``."""
        raw = _as_mapping(raw, "(top level)")
        _check_keys(raw, TOP_KEYS, "")
        base = Path(base_dir).expanduser().resolve()

        run_name = raw.get("run_name")
        if run_name is None:
            run_name = Path(path).stem if path else "run"
        if not isinstance(run_name, (str, int)) or not str(run_name).strip():
            raise ConfigError(f"run_name: expected a non-empty name, got {run_name!r}")
        run_name = str(run_name)
        title = raw.get("title")
        title = run_name if title is None else str(title)
        as_of = parse_as_of(raw.get("as_of"))
        current_split = raw.get("current_split")
        if current_split is not None:
            if isinstance(current_split, (Mapping, list)):
                raise ConfigError(f"current_split: expected a split name, got {current_split!r}")
            current_split = str(current_split)

        data = _as_mapping(raw.get("data"), "data")
        _check_keys(data, DATA_KEYS, "data")
        data_dir = _resolve(data.get("dir", "."), base, "data.dir")
        future = str(data.get("future_dates", "error"))
        if future not in FUTURE_DATE_POLICIES:
            raise ConfigError(
                f"data.future_dates: '{future}' is not one of {', '.join(FUTURE_DATE_POLICIES)}; "
                f"{_suggest(future, FUTURE_DATE_POLICIES)}"
            )
        sources_raw = _as_mapping(data.get("sources"), "data.sources")
        sources = {name: _parse_source(name, spec, data_dir) for name, spec in sources_raw.items()}
        if sources and not any(t in sources for t in CORE_TABLES):
            raise ConfigError(
                f"data.sources: give transactions (for tiering) or customers (for regions); found only "
                f"{', '.join(sources)}; add an entry such as `transactions: {{path: transactions.csv}}`"
            )

        demo = None
        if "demo" in raw and raw["demo"] is not None:
            d = _as_mapping(raw["demo"], "demo")
            _check_keys(d, DemoConfig.KEYS, "demo")
            demo = DemoConfig(
                n_customers=_int(d.get("n_customers", 20000), "demo.n_customers", minimum=1),
                seed=_int(d.get("seed", 7), "demo.seed"),
            )

        rep = _as_mapping(raw.get("reports"), "reports")
        _check_keys(rep, ReportsConfig.KEYS, "reports")
        notebooks = rep.get("notebooks", ReportsConfig.__dataclass_fields__["notebooks"].default_factory())
        if isinstance(notebooks, str):
            notebooks = [notebooks]
        if not isinstance(notebooks, list) or not all(isinstance(n, str) for n in notebooks):
            raise ConfigError(f"reports.notebooks: expected a list of notebook names, got {notebooks!r}")
        show = rep.get("show_personal_data", False)
        if not isinstance(show, bool):
            raise ConfigError(f"reports.show_personal_data: expected true or false, got {show!r}")
        language = rep.get("language", "en")
        if language not in LANGUAGES:
            raise ConfigError(f"reports.language: expected one of {', '.join(LANGUAGES)}, got {language!r}")
        currency = rep.get("currency", "CNY")
        if not (isinstance(currency, str) and re.fullmatch(r"[A-Za-z]{3}", currency)):
            raise ConfigError(f"reports.currency: expected an ISO currency code such as CNY, USD, GBP or EUR, "
                              f"got {currency!r}")
        labels = rep.get("labels") or {}
        if not isinstance(labels, dict) or not all(
                isinstance(v, (str, int, float)) or (isinstance(v, dict) and set(v) <= set(LANGUAGES))
                for v in labels.values()):
            raise ConfigError("reports.labels: expected a mapping of data names to the names readers see, "
                              f"e.g. {{HA: 河南}} or {{HA: {{en: Henan, zh: 河南}}}}, got {labels!r}")
        reports = ReportsConfig(dir=_resolve(rep.get("dir", "reports"), base, "reports.dir"),
                                notebooks=list(notebooks), show_personal_data=show, language=language,
                                currency=currency.upper(), labels={str(k): v for k, v in labels.items()})

        params = parse_params(_as_mapping(raw.get("params"), "params"))
        return cls(
            run_name=run_name,
            title=title,
            as_of=as_of,
            current_split=current_split,
            data_dir=data_dir,
            sources=sources,
            reports=reports,
            demo=demo,
            params=params,
            future_dates=future,
            path=Path(path).resolve() if path else None,
        )

    # ------------------------------------------------------------------ helpers
    def source(self, table: str) -> SourceConfig | None:
        """The source of ``table`` or None when the config does not list it."""
        if table not in TABLES:
            raise ConfigError(f"data.sources: unknown table '{table}'; {_suggest(table, list(TABLES))}")
        return self.sources.get(table)

    def with_overrides(self, **overrides: Any) -> Config:
        """A copy with some settings changed; the original is untouched.

        Keyword names are top-level fields (``as_of``, ``current_split``, ``run_name``, ``title``,
        ``future_dates``) or ``params`` (a dict deep-merged into the existing params).  Dotted names
        reach into params: ``cfg.with_overrides(**{"params.tiering.n_tiers": 4})``.

        >>> cfg.with_overrides(as_of="2025-06-30", params={"tiering": {"n_tiers": 4}})  # doctest: +SKIP
        """
        changes: dict[str, Any] = {}
        params = self.params
        allowed = ["as_of", "current_split", "run_name", "title", "future_dates", "params", "demo", "reports"]
        for key, value in overrides.items():
            if key.startswith("params."):
                params = params.with_overrides({key: value})
            elif key == "params":
                params = params.with_overrides(_as_mapping(value, "params"))
            elif key == "as_of":
                changes["as_of"] = parse_as_of(value)
            elif key == "future_dates":
                if value not in FUTURE_DATE_POLICIES:
                    raise ConfigError(f"future_dates: '{value}' is not one of {', '.join(FUTURE_DATE_POLICIES)}")
                changes[key] = value
            elif key in allowed:
                changes[key] = value
            else:
                raise ConfigError(f"{key}: cannot override unknown setting '{key}'; {_suggest(key, allowed)}")
        changes["params"] = params
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """A plain, YAML-serialisable view (paths as strings), e.g. for logging a run."""
        return {
            "run_name": self.run_name,
            "title": self.title,
            "as_of": None if self.as_of is None else self.as_of.strftime("%Y-%m-%d"),
            "current_split": self.current_split,
            "data": {
                "dir": str(self.data_dir),
                "future_dates": self.future_dates,
                "sources": {
                    n: {k: (str(v) if isinstance(v, Path) else v)
                        for k, v in {"path": s.path, "sql": None if s.sql is None else dict(s.sql),
                                     "columns": dict(s.columns), "encoding": s.encoding,
                                     "sheet": s.sheet, "date_format": s.date_format,
                                     "skip_rows": s.skip_rows, "layout": s.layout}.items()
                        if not (k in ("path", "sql") and v is None)}
                    for n, s in self.sources.items()
                },
            },
            "demo": None if self.demo is None else {"n_customers": self.demo.n_customers, "seed": self.demo.seed},
            "reports": {"dir": str(self.reports.dir), "notebooks": list(self.reports.notebooks),
                        "show_personal_data": self.reports.show_personal_data,
                        "language": self.reports.language, "currency": self.reports.currency,
                        "labels": dict(self.reports.labels)},
            "params": self.params.to_dict(),
        }


class _SafeLoader(yaml.SafeLoader):
    """yaml.SafeLoader that leaves dates as text, so an impossible date such as 2025-13-45 becomes a
    ConfigError naming its key (``as_of``) instead of a bare ValueError from the YAML parser."""


_SafeLoader.add_constructor("tag:yaml.org,2002:timestamp", _SafeLoader.construct_yaml_str)


def load_config(path: str | Path) -> Config:
    """Read a YAML config safely (``yaml.SafeLoader``, dates kept as text); paths inside are relative to the YAML file.

    Raises :class:`ConfigError` for a missing/unreadable file, invalid YAML, unknown keys (with a
    close-match suggestion), unknown table or column names, an ``as_of`` that is not a date, etc.
    """
    p = Path(path).expanduser()
    if not p.is_file():
        hint = ""
        if p.parent.is_dir():
            close = difflib.get_close_matches(p.name, [c.name for c in p.parent.glob("*.y*ml")], n=1)
            if close:
                hint = f"; did you mean '{p.parent / close[0]}'?"
        raise ConfigError(f"config file not found: {p.resolve()}{hint}")
    try:
        raw = yaml.load(p.read_text(encoding="utf-8-sig"), Loader=_SafeLoader)  # safe_load semantics
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{p}: the config file is not UTF-8 (byte {exc.start}); save it as UTF-8") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{p}: invalid YAML: {exc}") from exc
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{p}: the top level must be a mapping (key: value lines), got {type(raw).__name__}")
    try:
        return Config.from_dict(raw, base_dir=p.resolve().parent, path=p)
    except ConfigError as exc:
        raise ConfigError(f"{p.name}: {exc}") from exc


# ---------------------------------------------------------------------- internals
def _resolve(value: Any, base: Path, key: str) -> Path:
    if not isinstance(value, (str, Path)) or not str(value).strip():
        raise ConfigError(f"{key}: expected a path, got {value!r}")
    p = Path(str(value)).expanduser()
    return (p if p.is_absolute() else base / p).resolve()


def _int(value: Any, key: str, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{key}: expected a whole number, got {value!r}")
    if minimum is not None and value < minimum:
        raise ConfigError(f"{key}: must be at least {minimum}, got {value}")
    return int(value)


def _parse_source(name: Any, spec: Any, data_dir: Path) -> SourceConfig:
    name = str(name)
    if name not in TABLES:
        raise ConfigError(f"data.sources.{name}: unknown table '{name}'; {_suggest(name, list(TABLES))}")
    key = f"data.sources.{name}"
    if isinstance(spec, (str, Path)):  # shorthand `customers: customers.csv`
        spec = {"path": spec}
    spec = _as_mapping(spec, key)
    _check_keys(spec, SourceConfig.KEYS, key)
    sql = None
    if "sql" in spec:
        if "path" in spec:
            raise ConfigError(f"{key}: give either path or sql, not both")
        sql = _parse_sql(spec["sql"], data_dir, f"{key}.sql")
        path = None
    elif "path" not in spec:
        raise ConfigError(f"{key}.path: missing; every source needs a file path, e.g. `path: {name}.csv`, "
                          f"or a query, e.g. `sql: {{url: crm.sqlite, query: SELECT * FROM {name}}}`")
    else:
        path = _resolve(spec["path"], data_dir, f"{key}.path")
    if path is not None and path.suffix.lower() not in READABLE_SUFFIXES:
        raise ConfigError(
            f"{key}.path: cannot read '{path.name}' (suffix '{path.suffix}'); "
            f"use one of {', '.join(READABLE_SUFFIXES)}"
        )

    tspec = TABLES[name]
    columns_raw = _as_mapping(spec.get("columns"), f"{key}.columns")
    canon = tspec.column_names
    unknown = [str(k) for k in columns_raw if str(k) not in canon]
    if unknown:
        # Perhaps the mapping is written the wrong way round (source: canonical)?
        if all(str(v) in canon for v in columns_raw.values()):
            raise ConfigError(
                f"{key}.columns: the mapping looks reversed; write `canonical_name: source header`, "
                f"e.g. `{next(iter(columns_raw.values()))}: {next(iter(columns_raw))}`"
            )
        k = unknown[0]
        raise ConfigError(
            f"{key}.columns.{k}: '{k}' is not a column of table {name}; {_suggest(k, canon)} "
            f"(columns of {name}: {', '.join(canon)})"
        )
    columns: dict[str, str] = {}
    for k, v in columns_raw.items():
        if v is None or isinstance(v, (Mapping, list)) or not str(v).strip():
            raise ConfigError(f"{key}.columns.{k}: expected the source column header, got {v!r}")
        columns[str(k)] = str(v).strip()
    dup = pd.Series(list(columns.values()))
    if dup.duplicated().any():
        twice = dup[dup.duplicated()].iloc[0]
        names = [k for k, v in columns.items() if v == twice]
        raise ConfigError(f"{key}.columns: source header '{twice}' is mapped to several columns: {', '.join(names)}")

    encoding = str(spec.get("encoding", "auto")).strip()
    if encoding.lower() != "auto":
        try:
            codecs.lookup(encoding)
        except LookupError as exc:
            raise ConfigError(
                f"{key}.encoding: unknown encoding '{encoding}'; use auto, utf-8, utf-8-sig, gbk or gb18030"
            ) from exc
    else:
        encoding = "auto"
    sheet = spec.get("sheet")
    if sheet is not None and (isinstance(sheet, bool) or not isinstance(sheet, (str, int))):
        raise ConfigError(f"{key}.sheet: expected a sheet name or 0-based index, got {sheet!r}")
    date_format = spec.get("date_format")
    if date_format is not None:
        if not isinstance(date_format, str) or "%" not in date_format:
            raise ConfigError(f"{key}.date_format: expected a strptime format such as '%Y/%m/%d', got {date_format!r}")
    skip_rows = _int(spec.get("skip_rows", 0), f"{key}.skip_rows", minimum=0)
    layout = str(spec.get("layout", "long"))
    if layout not in ("long", "wide"):
        raise ConfigError(f"{key}.layout: expected long or wide, got {layout!r}")
    if layout == "wide" and name != "splits":
        raise ConfigError(f"{key}.layout: only the splits table can be wide (one column per plan)")
    if layout == "wide" and set(columns) - {"geo_unit_id"}:
        raise ConfigError(f"{key}.columns: a wide plan table maps only geo_unit_id (every other column is a plan)")
    return SourceConfig(table=name, path=path, columns=columns, encoding=encoding, sheet=sheet,
                        date_format=date_format, skip_rows=skip_rows, sql=sql, layout=layout)


SQL_KEYS = ("url", "query", "table")


def _parse_sql(spec: Any, data_dir: Path, key: str) -> dict[str, str]:
    """``sql: {url: ..., query: ...}`` (or ``table:`` instead of a query).  The url is a SQLAlchemy URL
    (``postgresql://user@host/db``) or the path of a SQLite file (relative to data.dir), the default."""
    spec = _as_mapping(spec, key)
    _check_keys(spec, SQL_KEYS, key)
    url = spec.get("url")
    if not isinstance(url, (str, Path)) or not str(url).strip():
        raise ConfigError(f"{key}.url: expected a SQLAlchemy URL or a SQLite file path, e.g. `url: crm.sqlite`, "
                          f"got {url!r}")
    url = str(url).strip()
    if "://" not in url:  # a SQLite file: the embedded default
        url = f"sqlite:///{_resolve(url, data_dir, key + '.url')}"
    elif url.startswith("sqlite:///") and url != "sqlite:///:memory:" and not Path(url[10:]).is_absolute():
        url = f"sqlite:///{_resolve(url[10:], data_dir, key + '.url')}"
    query, table = spec.get("query"), spec.get("table")
    if (query is None) == (table is None):
        raise ConfigError(f"{key}: give a query (`query: SELECT ... FROM ...`) or a table name (`table: ...`)")
    if table is not None:
        if not isinstance(table, str) or not table.replace("_", "").replace(".", "").isalnum():
            raise ConfigError(f"{key}.table: expected a table name, got {table!r}")
        query = f"SELECT * FROM {table}"
    if not isinstance(query, str) or not query.strip():
        raise ConfigError(f"{key}.query: expected a SELECT statement, got {query!r}")
    return {"url": url, "query": query.strip()}
