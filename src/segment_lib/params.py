"""Typed parameters of a run (the config's ``params:`` section): one schema, every default once.

Each section is a frozen dataclass; :func:`parse_params` checks a YAML mapping against it, so a typo
fails with the dotted key and a suggestion (``params.tiering.n_tier: unknown key 'n_tier'; did you
mean 'n_tiers'?``) and a wrong type names the expected type.  The defaults below are the only
defaults of these settings in the library: functions elsewhere take their default from here
(``tolerance: float = DEFAULT_TOLERANCE``).

==========  ==================================================================================
section     keys (default)
==========  ==================================================================================
lookback_   (top-level key) the run's window in days (365) or ``all`` (all history up to as_of):
days        features (frequency, spend, trend), the overview's revenue, the regions' revenue and
            service figures, unless a section sets its own window
engine      a name (pandas, duckdb, parquet, dask) or a mapping (:class:`EngineSpec`)
overview    revenue_months (None = the run's lookback_days), pareto_target (0.8), history_months (24)
tiering     method, n_tiers, labels, group_by, k_range, rfm_segments, abc_cutoffs, thresholds,
            features (None = the TierModel default), random_state (0), stability_boot (10),
            migration_months (3), clv_horizon_months (12), discount_rate (0.10), holdout_months (6),
            holdout_methods ([kmeans, rfm, abc, clv])
regions     tier_effort (VIP 4, Key 2, Regular 1, Dormant 0.3), split (None = current), splits
            (None = all), show_ids (false), market_adjust (false), score_weights (None),
            window_days (None = the run's lookback_days), n_boot (1000), random_state (0)
rebalance   tolerance (0.10), n_regions (None), ensemble_steps (300), ensemble_epsilon (0.25),
            seed (0), time_limit (20), core_tiers ([VIP]), baseline_restarts (4),
            compactness_guard (true), compactness_stretch (4.0)
geo         extra_edges ([]): pairs of geo units that count as neighbours (sea links); unit_name
            (province): what a geo unit is called in every sentence, table and chart;
            adjacency (auto), knn_k (6), trim_factor (3.0); boundaries (None = built-in provinces
            of China): a GeoJSON of the units' outlines; boundary_id (None)
==========  ==================================================================================
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from .errors import ConfigError

__all__ = [
    "ADJACENCY_METHODS", "DEFAULT_CLV_HORIZON_MONTHS", "DEFAULT_COMPACTNESS_STRETCH", "DEFAULT_DISCOUNT_RATE",
    "DEFAULT_KNN_K", "DEFAULT_LOOKBACK_DAYS", "DEFAULT_TOLERANCE", "DEFAULT_TIER_EFFORT", "DEFAULT_TRIM_FACTOR",
    "lookback_window", "ENGINES", "EngineSpec", "GeoParams", "OverviewParams",
    "Params", "RebalanceParams", "RegionsParams", "TieringParams", "parse_engine", "parse_params",
]

# Defaults shared by several modules live here and nowhere else.
DEFAULT_TOLERANCE = 0.10  # each region's workload within ±10% of its capacity-proportional target
DEFAULT_TIER_EFFORT: dict[str, float] = {"VIP": 4.0, "Key": 2.0, "Regular": 1.0, "Dormant": 0.3}
DEFAULT_COMPACTNESS_STRETCH = 4.0  # rebalance guard, see rebalance._problem.compactness_allowed
DEFAULT_TRIM_FACTOR = 3.0  # point adjacency: links longer than 3x the median link are dropped (if not needed)
DEFAULT_KNN_K = 6
ADJACENCY_METHODS = ("auto", "given", "delaunay", "knn")
DEFAULT_CLV_HORIZON_MONTHS = 12  # CLV tiers: expected value over the next 12 months
DEFAULT_DISCOUNT_RATE = 0.10  # CLV tiers: future value discounted at 10% a year
DEFAULT_HOLDOUT_MONTHS = 6  # tiering report: tiers fitted 6 months back, judged on the 6 months since
DEFAULT_HOLDOUT_METHODS = ("kmeans", "rfm", "abc", "clv")  # methods compared on the holdout period
DEFAULT_LOOKBACK_DAYS = 365  # the run's window (params.lookback_days): an integer of days or "all"


def lookback_window(value: int | str | None, as_of: Any = None, first_date: Any = None) -> int:
    """``params.lookback_days`` as a number of days: an integer as is; ``"all"`` the days from the first
    dated row (``first_date``) to ``as_of``, both included (at least 2); None the default (365)."""
    if value is None:
        return DEFAULT_LOOKBACK_DAYS
    if isinstance(value, str):
        if value.strip().lower() != "all":
            raise ConfigError(f"params.lookback_days: expected a whole number of days or 'all', got {value!r}")
        import pandas as pd

        if as_of is None or first_date is None or pd.isna(first_date):
            return DEFAULT_LOOKBACK_DAYS if first_date is None or pd.isna(first_date) else 2
        days = (pd.Timestamp(as_of).normalize() - pd.Timestamp(first_date).normalize()).days + 1
        return max(2, int(days))
    if isinstance(value, bool) or not isinstance(value, int) or value < 2:
        raise ConfigError(f"params.lookback_days: expected a whole number of days >= 2 or 'all', got {value!r}")
    return int(value)

ENGINES = ("pandas", "duckdb", "parquet", "dask")
_ALIASES = {"duckdb-parquet": "parquet", "out-of-core": "parquet", "distributed": "dask"}


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


# ----------------------------------------------------------------------------------------------
# the sections
# ----------------------------------------------------------------------------------------------
_NUM = (int, float)


def _key(name: str, types: tuple, doc: str, default: Any = None, factory: Any = None,
         minimum: float | None = None, choices: tuple | None = None) -> Any:
    meta = {"types": types, "doc": doc, "minimum": minimum, "choices": choices}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class OverviewParams:
    """``params.overview``: the overview report."""

    revenue_months: int | None = _key("revenue_months", (int,),
                                      "window for revenue per customer in months (None: params.lookback_days)",
                                      minimum=1)
    pareto_target: float = _key("pareto_target", _NUM, "share of revenue for 'top X% of customers'", 0.8,
                                minimum=0.01)
    history_months: int = _key("history_months", (int,), "months shown in the monthly revenue chart", 24,
                               minimum=1)


@dataclass(frozen=True)
class TieringParams:
    """``params.tiering``: how the run's tiers are made (None = the TierModel default)."""

    method: str | None = _key("method", (str,), "kmeans, gmm, rfm, abc, threshold or clv",
                              choices=("kmeans", "gmm", "rfm", "abc", "threshold", "clv"))
    n_tiers: int | str | None = _key("n_tiers", (int, str), "auto or a whole number")
    labels: list | str | None = _key("labels", (list, str), "tier names best first, or zh")
    group_by: str | None = _key("group_by", (str,), "tier within each value of this column, e.g. industry")
    k_range: list | None = _key("k_range", (list,), "candidate numbers of tiers for n_tiers: auto, e.g. [2, 6]")
    rfm_segments: Any = _key("rfm_segments", (list, dict), "RFM segment rules")
    abc_cutoffs: list | None = _key("abc_cutoffs", (list,), "cumulative revenue shares, e.g. [0.8, 0.95]")
    thresholds: Any = _key("thresholds", (list, dict), "threshold rules per tier")
    features: list | None = _key("features", (list,), "feature columns used for clustering")
    random_state: int = _key("random_state", (int,), "seed of every random step", 0)
    stability_boot: int = _key("stability_boot", (int,), "refits on resampled customers for stability", 10,
                               minimum=1)
    migration_months: int = _key("migration_months", (int,), "months back for 'who moved tier'", 3, minimum=1)
    clv_horizon_months: float = _key("clv_horizon_months", _NUM, "method clv: months of future value that rank "
                                     "customers", DEFAULT_CLV_HORIZON_MONTHS, minimum=0.5)
    discount_rate: float = _key("discount_rate", _NUM, "method clv: yearly discount rate of future value",
                                DEFAULT_DISCOUNT_RATE, minimum=0.0)
    holdout_months: int = _key("holdout_months", (int,), "holdout check: tiers fitted this many months back "
                               "are compared with the revenue since", DEFAULT_HOLDOUT_MONTHS, minimum=1)
    holdout_methods: list = _key("holdout_methods", (list,), "methods compared on the holdout period",
                                 factory=lambda: list(DEFAULT_HOLDOUT_METHODS))

    MODEL_KEYS = ("method", "n_tiers", "labels", "group_by", "k_range", "rfm_segments", "abc_cutoffs",
                  "thresholds", "features", "random_state", "clv_horizon_months", "discount_rate")

    def model_params(self) -> dict[str, Any]:
        """Keyword arguments for :class:`~segment_lib.tiering.TierModel` (unset keys keep its defaults)."""
        out = {k: copy.deepcopy(getattr(self, k)) for k in self.MODEL_KEYS}
        return {k: v for k, v in out.items() if v is not None}


@dataclass(frozen=True)
class RegionsParams:
    """``params.regions``: the region-split report."""

    tier_effort: dict = _key("tier_effort", (dict,), "effort weight per tier label",
                             factory=lambda: dict(DEFAULT_TIER_EFFORT))
    split: str | None = _key("split", (str,), "split examined in detail (None: the current split)")
    splits: list | None = _key("splits", (list,), "splits compared side by side (None: all)")
    show_ids: bool = _key("show_ids", (bool,), "show customer / unit ids in the ownership table", False)
    market_adjust: bool = _key("market_adjust", (bool,), "judge regions against market size (population)",
                               False)
    score_weights: dict | None = _key("score_weights", (dict,), "composite score weights by name")
    window_days: int | None = _key("window_days", (int,),
                                   "days of revenue / service data up to the analysis date (None: params.lookback_days)",
                                   minimum=1)
    n_boot: int = _key("n_boot", (int,), "bootstrap resamples for the intervals", 1000, minimum=10)
    random_state: int = _key("random_state", (int,), "seed of every bootstrap", 0)


@dataclass(frozen=True)
class RebalanceParams:
    """``params.rebalance``: proposing a better split."""

    tolerance: float = _key("tolerance", _NUM, "each region within ±tolerance of its workload target",
                            DEFAULT_TOLERANCE, minimum=0.0)
    n_regions: int | None = _key("n_regions", (int,), "number of regions (None: keep today's)", minimum=1)
    ensemble_steps: int = _key("ensemble_steps", (int,), "ReCom steps in the ensemble of alternatives", 300,
                               minimum=1)
    ensemble_epsilon: float = _key("ensemble_epsilon", _NUM, "balance band of the ensemble", 0.25, minimum=0.0)
    seed: int = _key("seed", (int,), "seed of every random step", 0)
    time_limit: float = _key("time_limit", _NUM, "seconds for the proposal: wall-clock budget and CP-SAT work limit",
                             20, minimum=0.1)
    core_tiers: list = _key("core_tiers", (list,), "tiers whose customers stay with their rep",
                            factory=lambda: ["VIP"])
    # 4 restarts find the same best clustering as 10 on the 2,000- and 20,000-customer demos (docs/scale.md)
    baseline_restarts: int = _key("baseline_restarts", (int,), "restarts of the re-clustering baseline", 4,
                                  minimum=1)
    compactness_guard: bool = _key("compactness_guard", (bool,),
                                   "reject proposals that stretch a region across the map", True)
    compactness_stretch: float = _key(
        "compactness_stretch", _NUM, "guard: a unit may join a region whose centre is at most this many times "
        "as far as its own region's centre (half that when it does not border the region)",
        DEFAULT_COMPACTNESS_STRETCH,
        minimum=1.0)


@dataclass(frozen=True)
class GeoParams:
    """``params.geo``: the geography."""

    extra_edges: list = _key("extra_edges", (list,), "pairs of units that count as neighbours, e.g. [[HI, GD]]",
                             factory=list)
    unit_name: str | dict = _key("unit_name", (str, dict),
                                 "what a geo unit is called in the reports: province, state, county, zip, "
                                 "any word, or {en: county, zh: 县}", "province")
    adjacency: str = _key("adjacency", (str,), "which units are neighbours: auto (the data's neighbours column or "
                          "adjacency table; built by delaunay when the data has none), given, delaunay or knn",
                          "auto", choices=ADJACENCY_METHODS)
    knn_k: int = _key("knn_k", (int,), "adjacency: knn links each unit to this many nearest units", DEFAULT_KNN_K,
                      minimum=1)
    trim_factor: float = _key("trim_factor", _NUM, "delaunay / knn: drop links longer than this many times the "
                              "median link (unless needed to keep the map connected)", DEFAULT_TRIM_FACTOR,
                              minimum=1.0)
    boundaries: str | None = _key("boundaries", (str,), "GeoJSON file with the units' outlines for the maps "
                                  "(relative to the config file; None = the built-in provinces of China)")
    boundary_id: str | None = _key("boundary_id", (str,), "feature property holding the unit id "
                                   "(None = geo_unit_id, id or name)")

    def edges(self) -> list[tuple[str, str]]:
        return [(str(a), str(b)) for a, b in self.extra_edges]


_TOP_KEYS = ("engine", "lookback_days")  # params keys that are values, not sections
_SECTIONS: dict[str, type] = {"overview": OverviewParams, "tiering": TieringParams, "regions": RegionsParams,
                              "rebalance": RebalanceParams, "geo": GeoParams}


@dataclass(frozen=True)
class Params:
    """All run parameters, typed.  ``raw`` keeps what the user wrote (for the run manifest)."""

    engine: EngineSpec = field(default_factory=EngineSpec)
    lookback_days: int | str = DEFAULT_LOOKBACK_DAYS
    overview: OverviewParams = field(default_factory=OverviewParams)
    tiering: TieringParams = field(default_factory=TieringParams)
    regions: RegionsParams = field(default_factory=RegionsParams)
    rebalance: RebalanceParams = field(default_factory=RebalanceParams)
    geo: GeoParams = field(default_factory=GeoParams)
    raw: dict = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """What the user set (a deep copy), e.g. for the run manifest."""
        return copy.deepcopy(self.raw)

    def with_overrides(self, overrides: Mapping[str, Any] | None) -> Params:
        """A re-validated copy with ``overrides`` merged in: nested (``{"tiering": {"n_tiers": 4}}``) or
        dotted (``{"tiering.n_tiers": 4}``, a leading ``params.`` is allowed)."""
        if not overrides:
            return self
        raw = copy.deepcopy(self.raw)
        for key, value in overrides.items():
            parts = str(key).split(".")
            if parts[0] == "params":
                parts = parts[1:]
            if len(parts) == 1 and isinstance(value, Mapping) and parts[0] not in _TOP_KEYS:
                if not isinstance(raw.get(parts[0]), dict):
                    raw[parts[0]] = {}
                _deep_merge(raw[parts[0]], value)
                continue
            node = raw
            for p in parts[:-1]:
                if not isinstance(node.get(p), dict):
                    node[p] = {}
                node = node[p]
            node[parts[-1]] = copy.deepcopy(value)
        return parse_params(raw)


def _deep_merge(into: dict, new: Mapping) -> dict:
    for k, v in new.items():
        if isinstance(v, Mapping) and isinstance(into.get(k), dict):
            _deep_merge(into[k], v)
        else:
            into[k] = copy.deepcopy(v)
    return into


def _suggest(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(str(word), options, n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else "valid keys: " + ", ".join(options)


_TYPE_WORDS = {int: "a whole number", float: "a number", str: "a text", bool: "true or false", list: "a list",
               dict: "a mapping (key: value)"}


def _check_value(value: Any, f: Any, key: str) -> Any:
    meta = f.metadata
    types = meta["types"]
    want = "a number" if types == _NUM else " or ".join(_TYPE_WORDS[t] for t in types)
    if value is None:
        if f.default is None:  # optional setting: null means "not set"
            return None
        raise ConfigError(f"{key}: expected {want}, got null")
    ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
    if isinstance(value, tuple) and list in types:
        value, ok = list(value), True
    if not ok:
        raise ConfigError(f"{key}: expected {want}, got {type(value).__name__} {value!r}")
    if meta.get("choices") and isinstance(value, str) and value not in meta["choices"]:
        raise ConfigError(f"{key}: '{value}' is not one of {', '.join(meta['choices'])}; "
                          f"{_suggest(value, list(meta['choices']))}")
    if meta.get("minimum") is not None and isinstance(value, (int, float)) and value < meta["minimum"]:
        raise ConfigError(f"{key}: must be at least {meta['minimum']}, got {value}")
    return copy.deepcopy(value)


def _parse_section(cls: type, raw: Any, where: str) -> Any:
    if raw is None:
        return cls()
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: expected a mapping (key: value lines), got {type(raw).__name__} {raw!r}")
    known = {f.name: f for f in fields(cls)}
    values = {}
    for k, v in raw.items():
        if k not in known:
            raise ConfigError(f"{where}.{k}: unknown key '{k}'; {_suggest(str(k), list(known))}")
        values[k] = _check_value(v, known[k], f"{where}.{k}")
    return cls(**values)


def parse_params(raw: Mapping[str, Any] | None) -> Params:
    """Check the config's ``params`` mapping against the schema; raises :class:`ConfigError`."""
    if raw is None:
        return Params()
    if not isinstance(raw, Mapping):
        raise ConfigError(f"params: expected a mapping (key: value lines), got {type(raw).__name__}")
    allowed = [*_TOP_KEYS, *_SECTIONS]
    out: dict[str, Any] = {}
    lookback = raw.get("lookback_days", DEFAULT_LOOKBACK_DAYS)
    lookback_window(lookback)  # checks the value
    if isinstance(lookback, str):
        lookback = lookback.strip().lower()
    for k in raw:
        if k not in allowed:
            raise ConfigError(f"params.{k}: unknown section '{k}'; {_suggest(str(k), allowed)}")
    for name, cls in _SECTIONS.items():
        out[name] = _parse_section(cls, raw.get(name), f"params.{name}")
    methods = {f.name: f for f in fields(TieringParams)}["method"].metadata["choices"]
    bad_methods = [m for m in out["tiering"].holdout_methods if m not in methods]
    if bad_methods:
        raise ConfigError(f"params.tiering.holdout_methods: unknown method(s) {bad_methods}; "
                          f"use some of {', '.join(methods)}")
    rebal = out["rebalance"]
    if rebal.core_tiers is not None:
        out["rebalance"] = replace(rebal, core_tiers=[str(t) for t in rebal.core_tiers])
    reg = out["regions"]
    bad = {k: v for k, v in reg.tier_effort.items()
           if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0}
    if bad:
        k = next(iter(bad))
        raise ConfigError(f"params.regions.tier_effort.{k}: expected a number >= 0, got {bad[k]!r}")
    out["regions"] = replace(reg, tier_effort={str(k): float(v) for k, v in reg.tier_effort.items()})
    for i, e in enumerate(out["geo"].extra_edges):
        if not isinstance(e, (list, tuple)) or len(e) != 2:
            raise ConfigError(f"params.geo.extra_edges[{i}]: expected a pair such as [HI, GD], got {e!r}")
    return Params(engine=parse_engine(raw.get("engine")), lookback_days=lookback, raw=copy.deepcopy(dict(raw)),
                  **out)
