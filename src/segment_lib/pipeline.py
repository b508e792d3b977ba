"""The pipeline layer: one run's data, features and tiers, computed once and shared by every report.

Everything a report needs that more than one report uses is made here, once per run:

* the typed parameters (:class:`~segment_lib.params.Params`) with a notebook's overrides applied;
* the dataset, loaded and validated once; its analysis date (``as_of``) is resolved once, in this
  order: the explicit override, the config's ``as_of``, else the latest transaction date (io);
* the customer features as of that date, on the configured engine (``params.engine``);
* **the tiers of this run** (:class:`RunTiers`): one fitted :class:`~segment_lib.tiering.TierModel`
  whose tiers the tiering, regions and rebalance reports all use.  A failure to tier is an error
  naming the cause, never a silent substitute -- except when the *data* leaves nothing to tier (no
  transactions; every customer alike; one tier): then every account weighs 1 and
  ``RunTiers.reason`` records why, which the reports show (the tiering report does not run).
* the run's window, ``params.lookback_days`` in days (``all``: from the first transaction).

The runner builds one :class:`RunContext` (:func:`build_context`), saves it in the run's build folder
(:func:`save_context`) and hands its path to every notebook, which opens it in one call::

    ctx = pipeline.open_report(config_path, context_path=context_path, params=params)

Run by hand (Jupyter, papermill, nbval) without a ``context_path``, a notebook builds the same
context itself; with parameter overrides that differ from the saved run, it builds a fresh one.
"""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import boundaries, measures
from .config import Config, load_config
from .contract import Dataset
from .errors import ModelInputError, NothingToTierError
from .params import Params, lookback_window, parse_engine

if TYPE_CHECKING:
    from .tiering import TierModel

# scikit-learn / SciPy (tiering), networkx (io) and DuckDB (features) are imported where they are
# used, so a report that opens a saved context and displays it does not pay for them (issue 14)

__all__ = ["RunContext", "RunTiers", "build_context", "fit_tiers", "no_tiers", "open_report", "run_features",
           "run_lookback", "run_tiers",
           "save_context", "load_context", "CONTEXT_FILE"]

CONTEXT_FILE = "context.pkl"
_FORMAT = 2  # bump when RunContext changes shape; an older file is rebuilt instead of read


def fit_tiers(features: pd.DataFrame, engine: Any = None, *, y: Any = None, **model_params: Any) -> TierModel:
    """A fitted :class:`TierModel` whose ``labels_`` / ``tiers_`` cover every customer, on any engine.

    * pandas / duckdb / parquet: ``TierModel(**model_params).fit(features, y)``.
    * dask, methods ``kmeans`` / ``gmm``: the model is fitted on a seeded sample of the engine's
      ``sample_size`` rows (default 200,000) and labels every customer itself
      (``TierModel(fit_sample_size=...)``); ``fit_sample_size_`` records the rows used.  The
      quantile and cumulative-share methods (rfm, abc, threshold) use all rows.
    """
    from .tiering import TierModel

    spec = parse_engine(engine)
    params = dict(model_params)
    if spec.name == "dask" and params.get("method", "kmeans") in ("kmeans", "gmm"):
        params.setdefault("fit_sample_size", int(spec.sample_size))
    return TierModel(**params).fit(features, y)


@dataclass(frozen=True)
class RunTiers:
    """The tiers of one run: the fitted model, each customer's tier name and each tier's effort weight.

    ``labels``: Series customer_id -> tier name (best tier first in ``names``).
    ``effort``: tier name -> effort weight (``params.regions.tier_effort``; names without a weight are
    mapped by rank onto the weights, see :func:`segment_lib.measures.tier_effort_weights`).
    ``source``: one sentence for the reports saying how the tiers were made.
    """

    model: TierModel | None
    labels: pd.Series
    names: list[str]
    effort: dict[str, float]
    source: str
    reason: str | None = None  # why there are no tiers (None: the tiers were made)

    @property
    def available(self) -> bool:
        return self.reason is None

    # Pickled (the runner's saved context) with the model as bytes that are unpickled on first use
    # of ``model``: the reports that only need labels and effort never import scikit-learn.
    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        if "model" in state:
            state["_model_pickle"] = pickle.dumps(state.pop("model"), protocol=pickle.HIGHEST_PROTOCOL)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)  # frozen: set the fields directly, as dataclasses' own pickling does

    def __getattr__(self, name: str) -> Any:
        if name == "model" and "_model_pickle" in self.__dict__:
            model = pickle.loads(self.__dict__.pop("_model_pickle"))  # noqa: S301 - written by save_context
            object.__setattr__(self, "model", model)
            return model
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def fingerprint(self) -> str:
        """A short hash of every customer's tier: equal fingerprints mean the very same tiers."""
        lab = self.labels.sort_index()
        text = "\n".join(f"{i}\t{v}" for i, v in zip(lab.index, lab.to_numpy()))
        return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]

    @property
    def frame(self) -> pd.DataFrame:
        """The model's ``tiers_`` table (customer_id, tier, tier_label, …)."""
        if self.model is None:
            raise ModelInputError(f"this run has no tiers: {self.reason}")
        return self.model.tiers_


ONE_TIER = "All accounts"


def no_tiers(customer_ids: Any, reason: str) -> RunTiers:
    """The run's tiers when the data leaves nothing to tier: one group, every account weighs 1, and
    the reason (shown by the reports)."""
    ids = pd.Index(pd.Series(customer_ids, dtype="string").astype(object).to_numpy(), name="customer_id")
    labels = pd.Series(ONE_TIER, index=ids, name="tier", dtype=object)
    return RunTiers(model=None, labels=labels, names=[ONE_TIER], effort={ONE_TIER: 1.0},
                    source=f"no tiers ({reason}); every account weighs 1", reason=reason)


def run_tiers(features: pd.DataFrame, params: Params) -> RunTiers:
    """Fit the run's tier model (``params.tiering``, ``params.engine``) and attach effort weights."""
    tp = params.tiering
    try:  # a failure is re-raised with the setting named, never substituted
        model = fit_tiers(features, params.engine, **tp.model_params())
    except NothingToTierError as exc:
        raise NothingToTierError(f"the run's tiers could not be made (params.tiering): {exc}") from exc
    except ModelInputError as exc:
        raise ModelInputError(f"the run's tiers could not be made (params.tiering): {exc}") from exc
    names = [str(n) for n in model.tier_names_]
    ids = model.tiers_["customer_id"].astype("string").astype(object).to_numpy()
    labels = pd.Series(np.asarray(names, dtype=object)[np.asarray(model.labels_, dtype=np.int64)],
                       index=pd.Index(ids, name="customer_id"), name="tier")
    effort = measures.tier_effort_weights(names, params.regions.tier_effort)
    source = f"{model.n_tiers_} tiers by {model.method}"
    if getattr(model, "fit_sample_size_", None):
        source += f" (fitted on a sample of {model.fit_sample_size_:,} customers)"
    return RunTiers(model=model, labels=labels, names=names, effort=effort, source=source)


def run_features(dataset: Dataset, as_of: Any, params: Params) -> pd.DataFrame:
    """Customer features as of a date on the run's engine; with ``params.tiering.method: clv`` also the
    repeat-purchase summary the CLV model needs (:func:`segment_lib.features.add_purchase_summary`)."""
    from .features import add_purchase_summary, customer_features

    feats = customer_features(dataset, as_of=as_of, lookback_days=run_lookback(params, dataset), engine=params.engine)
    return add_purchase_summary(feats, dataset) if params.tiering.method == "clv" else feats


@dataclass
class RunContext:
    """Everything the reports of one run share (see the module docstring)."""

    config: Config
    params: Params
    dataset: Dataset
    features: pd.DataFrame
    tiers: RunTiers
    _features_at: dict = field(default_factory=dict, repr=False)
    #: where views keep their take-away tables for the run's files (set by the runner; see export.keep)
    outputs_dir: str | None = field(default=None, repr=False)

    @property
    def as_of(self) -> pd.Timestamp:
        """The run's analysis date (resolved once by :func:`build_context`)."""
        return self.dataset.as_of

    @property
    def lookback_days(self) -> int:
        """The run's window in days (``params.lookback_days``; ``all`` = from the first transaction)."""
        return run_lookback(self.params, self.dataset)

    def features_at(self, as_of: Any) -> pd.DataFrame:
        """Customer features at another date (same engine), cached; e.g. for migration."""
        ts = pd.Timestamp(as_of).normalize()
        if ts == self.as_of:
            return self.features
        if ts not in self._features_at:
            self._features_at[ts] = run_features(self.dataset, ts, self.params)
        return self._features_at[ts]

    @property
    def migration_as_of(self) -> pd.Timestamp:
        """The earlier date of the tiering report's "who moved" view (``params.tiering.migration_months``)."""
        return self.as_of - pd.DateOffset(months=self.params.tiering.migration_months)


def build_context(config: Config | str | Path, params: Any = None, as_of: Any = None,
                  dataset: Dataset | None = None) -> RunContext:
    """Load, validate, compute features and fit the run's tiers, once.

    ``params``: overrides of the config's params (nested or dotted keys, checked against the
    schema); ``as_of``: the analysis date, overriding the config's.  ``dataset``: an already loaded
    dataset of this config (the runner passes the one it validated).
    """
    from .io import load_dataset

    cfg = config if isinstance(config, Config) else load_config(config)
    if as_of is not None:
        cfg = cfg.with_overrides(as_of=as_of)
    if params:
        cfg = _with_params(cfg, params)
    ds = dataset if dataset is not None else load_dataset(cfg)
    if not cfg.reports.show_personal_data:  # names and phones never reach a report unless asked for
        ds = ds.without_personal_data()
    if ds.as_of is None:
        raise ModelInputError("no analysis date: set as_of in the config or give transactions with dates")
    feats = run_features(ds, ds.as_of, cfg.params)
    if not ds.has("transactions"):
        tiers = no_tiers(feats["customer_id"], "the data has no transactions")
    else:
        try:
            tiers = run_tiers(feats, cfg.params)
        except NothingToTierError as exc:
            tiers = no_tiers(feats["customer_id"], str(exc).split(": ", 1)[-1])
    return RunContext(config=cfg, params=cfg.params, dataset=ds, features=feats, tiers=tiers)


def run_lookback(params: Params, dataset: Dataset) -> int:
    """``params.lookback_days`` in days for this dataset (``all``: first transaction to as_of)."""
    tx = dataset.transactions
    first = tx["date"].min() if len(tx) else None
    return lookback_window(params.lookback_days, dataset.as_of, first)


def save_context(ctx: RunContext, folder: str | Path) -> Path:
    """Write the context for the notebooks of a run (a pickle inside the run's build folder)."""
    path = Path(folder) / CONTEXT_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        pickle.dump({"format": _FORMAT, "context": ctx}, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return path


#: contexts read ahead by :func:`preload_context`, by (file, modification time, size)
_PRELOADED: dict[tuple[str, int, int], RunContext | None] = {}


def _context_key(p: Path) -> tuple[str, int, int]:
    st = p.stat()
    return str(p.resolve()), st.st_mtime_ns, st.st_size


def load_context(path: str | Path) -> RunContext | None:
    """The saved context, or None when the file is missing or of another format."""
    p = Path(path)
    if p.is_dir():
        p = p / CONTEXT_FILE
    if not p.is_file():
        return None
    if _PRELOADED:
        key = _context_key(p)
        if key in _PRELOADED:
            return _PRELOADED[key]
    with open(p, "rb") as fh:
        data = pickle.load(fh)  # noqa: S301 - written by this run's own runner, in its build folder
    return data["context"] if isinstance(data, dict) and data.get("format") == _FORMAT else None


def preload_context(path: str | Path) -> None:
    """Read the saved context once, ahead: :func:`load_context` of the same unchanged file in this
    process (or in a process forked from it: the report kernels of :mod:`segment_lib.kernel_fork`)
    returns it without reading the file again."""
    p = Path(path)
    if p.is_dir():
        p = p / CONTEXT_FILE
    _PRELOADED.clear()
    ctx = load_context(p)
    _PRELOADED[_context_key(p)] = ctx


def open_report(config_path: str | Path, context_path: str | Path | None = None, params: Any = None,
                as_of: Any = None) -> RunContext:
    """The one call that opens a report notebook: the run's shared context, or a fresh one.

    The saved context (``context_path``, given by the runner) is used when it belongs to the same
    config and the notebook's ``params`` / ``as_of`` overrides do not change it; otherwise the
    context is built here (:func:`build_context`).  Also sets up the report display (fonts,
    language).
    """
    from . import report

    cfg = load_config(config_path)
    configure_reading(cfg)
    report.setup()
    wanted = cfg
    if as_of is not None:
        wanted = wanted.with_overrides(as_of=as_of)
    if params:
        wanted = _with_params(wanted, params)
    geo = wanted.params.geo  # the maps' outlines (segment_lib.boundaries), relative to the config file
    boundaries.use(geo.boundaries, geo.boundary_id, base=Path(cfg.path).parent if cfg.path else None)
    if context_path is not None:
        ctx = load_context(context_path)
        if ctx is not None and ctx.config.path == cfg.path and ctx.params == wanted.params and \
                (wanted.as_of is None or wanted.as_of == ctx.as_of):
            return ctx
    return build_context(wanted)


def configure_reading(cfg: Config) -> None:
    """The reports' language, currency, data-name labels and geo unit name, from the config
    (:func:`segment_lib.i18n.configure`)."""
    from . import i18n

    i18n.configure(language=cfg.reports.language, currency=cfg.reports.currency, labels=cfg.reports.labels,
                   unit_name=cfg.params.geo.unit_name)


def _with_params(cfg: Config, params: Any) -> Config:
    if not isinstance(params, dict):
        raise ModelInputError(f"params must be a mapping such as {{'tiering': {{'n_tiers': 4}}}}, got {params!r}")
    dotted = {(k if str(k).startswith("params.") else f"params.{k}"): v for k, v in params.items() if "." in str(k)}
    nested = {k: v for k, v in params.items() if "." not in str(k)}
    out = cfg.with_overrides(params=nested) if nested else cfg
    return out.with_overrides(**dotted) if dotted else out
