"""The pipeline layer: one context per run (data, as_of, features, tiers), shared by every report."""

from __future__ import annotations

import pandas as pd
import pytest

from segment_lib import pipeline
from segment_lib.errors import ConfigError, ModelInputError


@pytest.fixture(scope="module")
def ctx(small_cfg):
    return pipeline.build_context(small_cfg)


def test_context_tiers_cover_every_customer_with_an_effort_weight(ctx):
    ds = ctx.dataset
    assert set(ctx.tiers.labels.index) == set(ds.customers["customer_id"].astype(str))
    assert set(ctx.tiers.labels.unique()) <= set(ctx.tiers.names)
    assert set(ctx.tiers.names) <= set(ctx.tiers.effort)
    # the demo config names four tiers; the run's model uses exactly those names, best first
    assert ctx.tiers.names == ["VIP", "Key", "Regular", "Dormant"]
    assert ctx.tiers.effort == {"VIP": 4.0, "Key": 2.0, "Regular": 1.0, "Dormant": 0.3}
    assert len(ctx.tiers.fingerprint) == 12


def test_as_of_is_resolved_once_and_carried(ctx, small_cfg):
    assert ctx.as_of == pd.Timestamp("2025-12-31") == pd.Timestamp(ctx.features.attrs["as_of"])
    other = pipeline.open_report(small_cfg, as_of="2026-03-31")
    assert other.as_of == pd.Timestamp("2026-03-31") == pd.Timestamp(other.features.attrs["as_of"])
    assert other.tiers.fingerprint != ctx.tiers.fingerprint
    assert ctx.migration_as_of == pd.Timestamp("2025-09-30")
    assert pd.Timestamp(ctx.features_at(ctx.migration_as_of).attrs["as_of"]) == ctx.migration_as_of


def test_open_report_reuses_the_saved_context(ctx, small_cfg, tmp_path, monkeypatch):
    path = pipeline.save_context(ctx, tmp_path)

    def boom(*a, **k):
        raise AssertionError("the saved context should have been used")

    monkeypatch.setattr(pipeline, "build_context", boom)
    again = pipeline.open_report(small_cfg, path)
    assert again.tiers.fingerprint == ctx.tiers.fingerprint
    assert again.params == ctx.params
    # overrides equal to the config's values keep the saved context
    assert pipeline.open_report(small_cfg, path, params={"tiering.n_tiers": "auto"}).tiers.fingerprint \
        == ctx.tiers.fingerprint


def test_overrides_rebuild_and_are_checked(ctx, small_cfg, tmp_path):
    path = pipeline.save_context(ctx, tmp_path)
    abc = pipeline.open_report(small_cfg, path, params={"tiering": {"method": "abc", "labels": None}})
    assert abc.tiers.model.method == "abc" and abc.tiers.fingerprint != ctx.tiers.fingerprint
    # tier names without an effort weight are mapped by rank onto the weights (best -> heaviest)
    assert abc.tiers.effort[abc.tiers.names[0]] == 4.0 and abc.tiers.effort[abc.tiers.names[-1]] == 0.3
    with pytest.raises(ConfigError, match=r"params\.tiering\.n_tier: unknown key 'n_tier'; did you mean 'n_tiers'"):
        pipeline.open_report(small_cfg, path, params={"tiering.n_tier": 3})
    with pytest.raises(ConfigError, match=r"params\.rebalance\.tolerance: expected a number"):
        pipeline.open_report(small_cfg, path, params={"rebalance": {"tolerance": "10%"}})


def test_a_tiering_failure_is_an_error_never_a_substitute(small_cfg):
    # four configured names but three tiers asked for: the run stops and says why
    with pytest.raises(ModelInputError, match=r"params\.tiering.*labels"):
        pipeline.build_context(small_cfg, params={"tiering": {"n_tiers": 3}})


def test_missing_saved_context_is_rebuilt(small_cfg, tmp_path, ctx):
    assert pipeline.load_context(tmp_path / "nothing-here") is None
    fresh = pipeline.open_report(small_cfg, tmp_path / "nothing-here")
    assert fresh.tiers.fingerprint == ctx.tiers.fingerprint  # deterministic: same inputs, same tiers


def test_a_report_kernel_imports_only_what_its_view_needs(ctx, small_cfg, tmp_path):
    """Opening the saved context and building the overview imports no scikit-learn, SciPy stats,
    networkx, OR-Tools or statsmodels (each of the four report kernels paid ~1.2 s for them);
    the tier model is unpickled, with scikit-learn, when a view reads it."""
    import subprocess
    import sys

    path = pipeline.save_context(ctx, tmp_path)
    code = (
        "import sys\n"
        "from segment_lib import pipeline, report, views\n"
        f"ctx = pipeline.open_report({str(small_cfg)!r}, {str(path)!r})\n"
        "views.overview.build(ctx)\n"
        "heavy = ('sklearn', 'scipy.stats', 'networkx', 'ortools', 'gerrychain', 'statsmodels', 'duckdb')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
        "print(type(ctx.tiers.model).__name__, 'sklearn' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0] == "[]"
    assert out[1] == "TierModel True"
    again = pipeline.load_context(path)
    assert again.tiers.model.n_tiers_ == ctx.tiers.model.n_tiers_
    assert again.tiers.fingerprint == ctx.tiers.fingerprint and again.tiers.names == ctx.tiers.names
