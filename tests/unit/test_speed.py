"""The speed work of issue 14 keeps results: cached distances, early rejection of k, cached id lookups,
the clean-text fast path, and the runner's parallel settings."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score

from segment_lib import _arrow, notebook_pool
from segment_lib.errors import ConfigError
from segment_lib.io.convert import _to_text
from segment_lib.tiering import TierModel
from segment_lib.tiering.selection import _distances, fit_threads, score_ks, select_k, silhouette_from_distances


def test_silhouette_from_cached_distances_equals_sklearn():
    rs = np.random.RandomState(0)
    Z = rs.randn(600, 3)
    Z[:200] += 3
    for k in (2, 3, 5):
        lab = KMeans(k, n_init=1, random_state=0).fit_predict(Z)
        lab[0] = k  # a one-point cluster counts 0, as in scikit-learn
        assert silhouette_from_distances(_distances(Z), lab) == pytest.approx(silhouette_score(Z, lab), abs=1e-9)


def _planted(n=3000, seed=0):
    rs = np.random.RandomState(seed)
    tier = rs.choice(3, n, p=[0.1, 0.3, 0.6])
    return pd.DataFrame({
        "customer_id": [f"C{i}" for i in range(n)],
        "recency_days": np.where(tier == 0, 10, np.where(tier == 1, 90, 400)) + rs.randint(0, 20, n),
        "frequency": np.where(tier == 0, 40, np.where(tier == 1, 8, 1)) + rs.randint(0, 3, n),
        "monetary_total": np.where(tier == 0, 50000.0, np.where(tier == 1, 5000.0, 200.0)) * rs.uniform(0.8, 1.2, n),
    })


def test_early_rejection_skips_only_inadmissible_k_and_keeps_the_choice():
    X = _planted(1500)
    m = TierModel(n_tiers="auto", random_state=0).fit(X)
    Z = m.scaler_.transform(m._matrix(X))
    kw = dict(method="kmeans", scaled=m._scaled, random_state=0, n_stability=3)
    with fit_threads(len(Z)):
        full = score_ks(Z, X, range(2, 6), None, **kw)
        fast = score_ks(Z, X, range(2, 6), None, reject={"min_tier_share": 0.01, "min_value_ratio": 2.0,
                                                          "min_silhouette": 0.25}, **kw)
    skipped = fast["stability_skipped"].to_numpy()
    cheap_fail = ((full["min_tier_share"] < 0.01) | (full["value_ratio_min"] < 2.0)
                  | (full["silhouette"] < 0.25)).to_numpy()
    assert skipped.tolist() == cheap_fail.tolist() and skipped.any()
    assert fast.loc[~skipped, "stability"].tolist() == full.loc[~skipped, "stability"].tolist()
    assert fast["stability"][skipped].isna().all()
    assert select_k(fast)[0] == select_k(full)[0] == m.n_tiers_ == 3


def test_final_fit_reuses_the_selection_fit_when_it_saw_every_row():
    X = _planted(2000)
    auto = TierModel(n_tiers="auto", random_state=0).fit(X)
    fixed = TierModel(n_tiers=auto.n_tiers_, random_state=0).fit(X)
    assert np.array_equal(auto.labels_, fixed.labels_)


def test_cached_id_lookup_equals_fresh_and_is_read_only(monkeypatch):
    monkeypatch.setattr(_arrow, "CACHE_MIN_ROWS", 10)
    _arrow._CACHE.clear()
    keys = pd.Index(pd.array([f"C{i}" for i in range(50)], dtype="string[pyarrow]"))
    vals = pd.Series(pd.array([f"C{i}" for i in np.random.RandomState(1).randint(0, 60, 400)],
                              dtype="string[pyarrow]"))
    ref = keys.get_indexer(vals)
    first = _arrow.index_of(vals, keys)
    with pytest.raises(ValueError):  # shared with the cache: nobody can change it
        first[:] = 7
    assert len(_arrow._CACHE) == 1
    again = _arrow.index_of(vals, keys)
    assert again is first and np.array_equal(again, ref) and again.dtype == np.int32
    changed = vals.copy()
    changed.iloc[0] = "C59"  # new values: a new lookup, not the cached one
    assert _arrow.index_of(changed, keys)[0] == -1


def test_clean_text_fast_path_equals_the_cleaning_steps():
    dirty = pd.Series(pd.array([" a", "b ", "", None, "12.0", "x\u3000", "ok"], dtype="string[pyarrow]"))
    assert _to_text(dirty, is_id=True).tolist() == ["a", "b", pd.NA, pd.NA, "12", "x", "ok"]
    clean = pd.Series(pd.array(["a", "b", None], dtype="string[pyarrow]"), index=[2, 3, 4])
    out = _to_text(clean, is_id=True)
    assert out.tolist() == ["a", "b", pd.NA] and list(out.index) == [2, 3, 4] and str(out.dtype) == "string"


def test_runner_jobs_and_longest_first(tmp_path, monkeypatch):
    monkeypatch.delenv("SEGMENT_LIB_JOBS", raising=False)
    assert notebook_pool.jobs_for(8, 4) == 4 and notebook_pool.jobs_for(1, 4) == 1
    monkeypatch.setenv("SEGMENT_LIB_JOBS", "1")
    assert notebook_pool.jobs_for(None, 4) == 1
    monkeypatch.setenv("SEGMENT_LIB_JOBS", "two")
    with pytest.raises(ConfigError, match="SEGMENT_LIB_JOBS"):
        notebook_pool.jobs_for(None, 4)
    with pytest.raises(ConfigError, match="at least 1"):
        notebook_pool.jobs_for(0, 4)
    manifest = tmp_path / "run.json"
    assert notebook_pool.expected_seconds(manifest) == {}
    manifest.write_text(json.dumps({"volatile": {"notebook_seconds": {"03_rebalance": 9.5, "00_overview": 1}}}))
    assert notebook_pool.expected_seconds(manifest) == {"03_rebalance": 9.5, "00_overview": 1.0}


def test_runner_starts_the_longest_notebook_first_and_numbers_by_start(tmp_path, monkeypatch):
    from segment_lib import notebook_exec

    started: list[str] = []
    monkeypatch.setattr(notebook_exec, "notebook_parameters", lambda *a, **k: {})
    monkeypatch.setattr(notebook_exec, "_execute", lambda nb, out, params, cwd, timeout, km=None: started.append(nb.stem))
    names = ["00_overview", "01_tiering", "02_regions", "03_rebalance"]
    # no previous run of this name: the newest other run in the reports folder gives the order
    (tmp_path / "older").mkdir()
    (tmp_path / "older" / "run.json").write_text(json.dumps(
        {"volatile": {"notebook_seconds": {"03_rebalance": 8.2, "01_tiering": 5.1, "02_regions": 4.8,
                                           "00_overview": 3.5}}}))
    expected = notebook_pool.expected_seconds(tmp_path / "demo" / "run.json")
    assert expected["03_rebalance"] == 8.2
    messages: list[str] = []
    notebook_pool.execute_all(names, tmp_path, tmp_path, tmp_path / "c.yaml", None, None, None, None, 2,
                              expected, {}, messages.append)
    # submitted (and so started: the pool's queue is first in, first out) longest first, numbered so
    assert set(started) == set(names)
    assert {m for m in messages if m.startswith("notebook ")} == {
        "notebook 1/4: 03_rebalance …", "notebook 2/4: 01_tiering …", "notebook 3/4: 02_regions …",
        "notebook 4/4: 00_overview …"}


def test_warm_kernels_one_per_slot_then_one_per_notebook_to_come(tmp_path):
    kernels = notebook_pool.WarmKernels(tmp_path, None, jobs=1, notebooks=2)
    first = kernels.take()  # taking it starts the kernel of the second notebook
    second = kernels.take()
    try:
        assert first is not None and second is not None and first is not second
        assert first.is_alive() and second.is_alive()
        assert kernels.take() is None  # two notebooks, two kernels: papermill starts any further one
    finally:
        for km in (first, second):
            if km is not None:
                km.shutdown_kernel(now=True)
    spare = notebook_pool.WarmKernels(tmp_path, None, jobs=2, notebooks=2)
    spare.close()  # kernels no notebook took are shut down
    assert spare.take() is None


def test_warm_kernels_for_skipped_notebooks_are_not_kept(tmp_path, monkeypatch):
    """Reports skipped for missing data get no kernel: the surplus is shut down, none is started for them."""
    monkeypatch.setenv("SEGMENT_LIB_FORK_KERNELS", "0")  # ordinary kernels start at once
    kernels = notebook_pool.WarmKernels(tmp_path, None, jobs=2, notebooks=4)
    started = list(kernels._spare)  # kernels being started (futures)
    kernels.expect(1)  # three of the four reports cannot run
    try:
        assert len(kernels._spare) == 1 and (started[1].cancelled() or not started[1].result().is_alive())
        km = kernels.take()
        assert km is started[0].result() and kernels.take() is None  # no kernel started for the skipped ones
    finally:
        km.shutdown_kernel(now=True)
        kernels.close()
    monkeypatch.setenv("SEGMENT_LIB_FORK_KERNELS", "1")  # forked kernels start once the context is ready
    kernels = notebook_pool.WarmKernels(tmp_path, None, jobs=2, notebooks=4)
    assert kernels._spare == []
    kernels.expect(1)
    kernels.context_ready(None)
    try:
        assert len(kernels._spare) == 1
        km = kernels.take()
        assert km is not None and km.is_alive() and kernels.take() is None
    finally:
        km.shutdown_kernel(now=True)
        kernels.close()

def test_one_thread_limits_like_threadpoolctl_and_restores():
    import sklearn.cluster  # noqa: F401 - loads OpenMP
    from threadpoolctl import threadpool_info

    from segment_lib._threads import one_thread

    before = {(i["internal_api"], i["filepath"]): i["num_threads"] for i in threadpool_info()}
    for api in (None, "blas"):
        with one_thread(api):
            inside = {(i["internal_api"], i["filepath"]): i["num_threads"] for i in threadpool_info()}
        limited = {k for k in inside if api is None or k[0] in {"openblas", "mkl", "blis", "flexiblas"}}
        assert limited and all(inside[k] == 1 for k in limited)
        assert {(i["internal_api"], i["filepath"]): i["num_threads"] for i in threadpool_info()} == before


def test_long_lived_objects_frozen_during_a_run_and_released_after(monkeypatch):
    import gc

    from segment_lib._exit import LongLived

    assert gc.get_freeze_count() == 0
    kept = LongLived()
    kept.keep()
    try:
        assert gc.get_freeze_count() > 0  # the collector skips what was alive
    finally:
        kept.release()
    assert gc.get_freeze_count() == 0  # a caller's session collects it again
    gc.freeze()  # a process that freezes objects itself is left alone: no freeze, no unfreeze
    try:
        other = LongLived()
        calls: list[str] = []
        monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
        monkeypatch.setattr(gc, "unfreeze", lambda: calls.append("unfreeze"))
        other.keep()
        other.release()
        monkeypatch.undo()
        assert calls == [] and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
