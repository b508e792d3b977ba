"""Several splits side by side: :func:`compare_splits` and the composite score (:func:`composite_score`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .._memory import release
from ..contract import Dataset
from ..errors import ConfigError, DataContractError
from .evaluate import evaluate_split
from .prepare import PREP_KEYS, PrepOptions, _prepare

#: Composite-score weights of :func:`compare_splits` (see ``PENALTY_SCALES`` and docs/regions.md).
DEFAULT_WEIGHTS: dict[str, float] = {
    "balance": 0.30,      # rep load coefficient of variation
    "overload": 0.25,     # share of reps over capacity
    "disruption": 0.15,   # share of customers changing region or owner vs the current split
    "ownership": 0.10,    # share of customers with an owner outside their region or no owner
    "compactness": 0.10,  # customer-weighted mean distance to region centre
    "contiguity": 0.10,   # share of regions that are not one connected piece
}
#: A penalty is min(metric / scale, 1): the metric value that counts as "as bad as it gets".
PENALTY_SCALES: dict[str, float] = {
    "balance": 0.5,
    "overload": 1.0,
    "disruption": 0.5,
    "ownership": 0.2,
    "compactness": 1000.0,
    "contiguity": 1.0,
}
_METRIC = {"balance": "rep_load_cv", "overload": "share_reps_over_capacity", "disruption": "share_moved",
           "ownership": "share_owner_problem", "compactness": "compactness_km", "contiguity": "share_noncontiguous"}


def composite_score(summary: pd.DataFrame, weights: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Add penalty columns, ``score`` (0..100, higher is better) and ``score_rank`` to split summaries.

    penalty_k = min(metric_k / PENALTY_SCALES[k], 1) with metrics: balance = rep_load_cv,
    overload = share_reps_over_capacity, disruption = share_moved (0 for the reference split),
    ownership = share_owner_problem, compactness = compactness_km, contiguity = share_noncontiguous.
    score = 100 * (1 - sum_k w_k penalty_k / sum_k w_k).  Fixed scales (not relative to the
    other splits) make a split's score independent of which other splits are compared.
    """
    w = dict(DEFAULT_WEIGHTS)
    if weights:
        unknown = set(weights) - set(DEFAULT_WEIGHTS)
        if unknown:
            raise ConfigError(f"unknown score weights {sorted(unknown)}; use {sorted(DEFAULT_WEIGHTS)}")
        w.update({k: float(v) for k, v in weights.items()})
    if sum(w.values()) <= 0 or min(w.values()) < 0:
        raise ConfigError("score weights must be non-negative and not all zero")
    out = summary.copy()
    tot = np.zeros(len(out))
    for k, c in _METRIC.items():
        pen = np.clip(out[c].fillna(0).to_numpy(float) / PENALTY_SCALES[k], 0, 1)
        out[f"penalty_{k}"] = pen
        tot += w[k] * pen
    out["score"] = 100 * (1 - tot / sum(w.values()))
    out["score_rank"] = out["score"].rank(ascending=False, method="min").astype(int)
    return out


def _split_items(dataset: Dataset, splits) -> list[tuple[str, object, object]]:
    """(name, split, rep_regions) for every split to compare."""
    if splits is None:
        names = dataset.split_names
        if dataset.current_split in names:
            names = [dataset.current_split] + [n for n in names if n != dataset.current_split]
        items = [(n, n, None) for n in names]
    elif isinstance(splits, Mapping):
        items = [(str(n), v[0], v[1]) if isinstance(v, tuple) else (str(n), v, None) for n, v in splits.items()]
    else:
        items = [(str(n), n, None) for n in splits]
    if not items:
        raise DataContractError("no splits to compare", file="splits")
    return items


def compare_splits(
    dataset: Dataset,
    tiers: pd.Series,
    splits: Sequence[str] | Mapping[str, object] | None = None,
    weights: Mapping[str, float] | None = None,
    *,
    tier_effort: Mapping[str, float] | None = None,
    return_evaluations: bool = False,
    random_state=0,
    **evaluate_kwargs,
):
    """Evaluate several splits side by side.

    ``splits``: names in ``dataset.splits`` (default: all of them, current first), or a mapping
    name -> split (a name, a Series geo_unit_id -> region_id, or a tuple (split, rep_regions)).
    ``weights``: composite-score weights (keys of :data:`DEFAULT_WEIGHTS`; missing keys keep
    their default).  Other keyword arguments go to :func:`evaluate_split`.

    Returns a DataFrame, one row per split: the summary columns of :func:`evaluate_split`
    (load balance, flagged regions, geometry, disruption vs the current split, ownership
    counts, attainment spread) plus ``penalty_*``, ``score`` (0..100, higher is better) and
    ``score_rank``.  With ``return_evaluations`` also a dict name -> :class:`SplitEvaluation`.
    The customer-level preparation and the load model run once for all splits.
    """
    items = _split_items(dataset, splits)
    prep = _prepare(dataset, tiers, tier_effort, PrepOptions(
        random_state=random_state, **{k: evaluate_kwargs[k] for k in PREP_KEYS if k in evaluate_kwargs}))
    # the memory the preparation and each split free stays with the process until the end, where
    # the next split reuses it: handing it back in between made every split fault in fresh pages
    # (1M customers: -0.3 s CPU, the same peak; docs/scale.md, third round)
    evals, summaries = {}, []
    for name, s, rr in items:
        if isinstance(s, pd.Series):
            s = s.rename(name)
        ev = evaluate_split(dataset, tiers, s, tier_effort, random_state=random_state, rep_regions=rr,
                            _prep=prep, **evaluate_kwargs)
        ev.split = name
        ev.summary["split"] = name
        summaries.append(ev.summary)
        if return_evaluations:  # (else each split's per-customer tables are let go at once)
            evals[name] = ev
        del ev
    release()  # the comparison's temporaries (see segment_lib._memory)
    table = composite_score(pd.concat(summaries, ignore_index=True), weights)
    return (table, evals) if return_evaluations else table
