"""Property: perturb a small valid dataset (drop optional tables / columns, empty tables, zero capacity,
units missing from a split, CSAT-only surveys, ...): either validation fails with a clear one-line
error, or every report that the data allows builds (the views' ``build``; no papermill here)."""

from __future__ import annotations

import warnings

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from segment_lib import pipeline, views  # noqa: E402
from segment_lib.config import Config  # noqa: E402
from segment_lib.errors import DataContractError  # noqa: E402
from segment_lib.io import dataset_from_frames  # noqa: E402

FAST = Config.from_dict({"params": {"regions": {"n_boot": 10}, "tiering": {"stability_boot": 1},
                                    "rebalance": {"ensemble_steps": 3, "time_limit": 0.2, "baseline_restarts": 1}}})
BUILD = {"00_overview": views.overview, "01_tiering": views.tiering, "02_regions": views.regions,
         "03_rebalance": views.rebalance}


def _perturbations(d):
    """name -> function(tables) changing the canonical frames of the small demo."""
    def drop(*names):
        return lambda t: {k: v for k, v in t.items() if k not in names}

    def change(name, fn):
        return lambda t: {**t, name: fn(t[name])}

    return {
        "no geography": drop("geo_units", "reps", "splits", "ownership"),
        "no transactions": drop("transactions"),
        "no customers": drop("customers", "ownership", "interactions", "surveys"),
        "no service data": drop("interactions", "surveys"),
        "csat only": change("surveys", lambda s: s.drop(columns=["nps"])),
        "nps only": change("surveys", lambda s: s.drop(columns=["csat"])),
        "old surveys": change("surveys", lambda s: s.assign(date=s["date"] - __import__("pandas").Timedelta(days=4000))),
        "empty surveys": change("surveys", lambda s: s.iloc[:0]),
        "empty transactions": change("transactions", lambda s: s.iloc[:0]),
        "zero capacity": change("reps", lambda r: r.assign(capacity=r["capacity"].where(r.index != 0, 0))),
        "unit missing from split": change("splits", lambda s: s.iloc[1:]),
        "region without reps": change("splits", lambda s: s.assign(
            region_id=s["region_id"].mask(s["geo_unit_id"].eq("XJ"), "Far West"))),
        "no owners": lambda t: {**{k: v for k, v in t.items() if k != "ownership"},
                                "customers": t["customers"].drop(columns=["owner_rep_id"])},
        "one purchase each": change("transactions", lambda x: x.drop_duplicates("customer_id").assign(amount=50.0)),
    }


@pytest.fixture(scope="module")
def small():
    from segment_lib.demo import generate

    d = generate(n_customers=200, seed=5).dataset
    names = ["customers", "transactions", "reps", "geo_units", "splits", "interactions", "surveys", "ownership"]
    return d, {t: d.table(t) for t in names if not d.table(t).empty}


NAMES = sorted(_perturbations(None))
GEOGRAPHY_OPS = {"no transactions", "zero capacity", "unit missing from split", "region without reps", "no owners"}


@settings(max_examples=5, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(NAMES), min_size=1, max_size=3, unique=True))
def test_validate_errors_or_every_report_builds(small, chosen):
    d, base = small
    ops = _perturbations(d)
    tables = dict(base)
    for name in chosen:
        try:
            tables = ops[name](tables)
        except KeyError:  # the table was dropped by an earlier perturbation
            continue
    try:
        ds = dataset_from_frames(as_of=d.as_of, current_split=d.current_split if "splits" in tables else None,
                                 **tables)
    except DataContractError as e:
        msg = str(e)
        assert "\n" not in msg and e.file and len(msg) < 600, msg  # one clear line naming the file
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ctx = pipeline.build_context(FAST, dataset=ds)
        for nb, view in BUILD.items():
            # the rebalance optimiser costs ~1 s: built when the perturbation touches what it reads
            if nb == "03_rebalance" and not set(chosen) & GEOGRAPHY_OPS:
                continue
            if views.unmet(nb, ds, ctx.tiers) is None:
                view.build(ctx)
