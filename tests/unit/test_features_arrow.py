"""segment_lib._arrow.index_of: the one id lookup shared by features and regions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segment_lib._arrow import index_of


@pytest.mark.parametrize("dtype", ["str", "string", "object"])
def test_index_of_equals_get_indexer(dtype):
    keys = pd.Index(["C3", "C1", "C2", "C9"])
    vals = pd.Series(["C1", "C9", "X", None, "C3", "C1"], dtype=dtype)
    got = index_of(vals, keys)
    assert got.dtype == np.int32 and not got.flags.writeable
    assert got.tolist() == [1, 3, -1, -1, 0, 1]
    exp = keys.get_indexer(vals.astype("string").fillna("__na__"))
    assert got.tolist() == exp.tolist()


def test_index_of_categorical_numbers_and_empty():
    keys = pd.Series(["a", "b", "c"], dtype="string")
    cat = pd.Series(pd.Categorical(["c", "a", None, "z", "c"]))
    assert index_of(cat, keys).tolist() == [2, 0, -1, -1, 2]
    assert index_of(pd.Series([10, 2]), pd.Index(["2", "10"])).tolist() == [1, 0]  # compared as text
    assert index_of(pd.Series([], dtype="string"), keys).tolist() == []
    assert index_of(["b"], pd.Index([], dtype="string")).tolist() == [-1]


def test_index_of_large_random_matches_pandas():
    rng = np.random.default_rng(0)
    keys = pd.Index(pd.array([f"C{i:06d}" for i in rng.permutation(5000)], dtype="str"))
    vals = pd.Series(pd.array([f"C{i:06d}" for i in rng.integers(0, 6000, 50_000)], dtype="str"))
    np.testing.assert_array_equal(index_of(vals, keys), keys.get_indexer(vals))


@pytest.mark.parametrize("n_vals", [0, 1, 7, 3000])
def test_duckdb_lookup_equals_arrow_lookup(monkeypatch, n_vals):
    """Long columns are looked up by a DuckDB hash join: the same positions as Arrow's index_in,
    including missing values, unknown values and the first position of a repeated key."""
    from segment_lib import _arrow

    rng = np.random.default_rng(n_vals)
    odd = ["", " K1", "客户一", "客户二 ", "K1\u3000"]  # empty, spaces, Chinese: compared byte for byte
    keys = pd.Series(pd.array([f"K{i}" for i in rng.permutation(400)] + ["K5", "K7"] + odd[:3], dtype="str"))
    pool = np.array([f"K{i}" for i in range(500)] + odd, dtype=object)
    raw = [None if r < 0.05 else pool[i] for r, i in zip(rng.random(n_vals), rng.integers(0, len(pool), n_vals))]
    vals = pd.Series(pd.array(raw, dtype="str"))
    _arrow._CACHE.clear()
    monkeypatch.setattr(_arrow, "DUCKDB_MIN_ROWS", 10**9)
    arrow = index_of(vals, keys)
    monkeypatch.setattr(_arrow, "DUCKDB_MIN_ROWS", 0)
    monkeypatch.setattr(_arrow, "DUCKDB_MIN_KEYS", 0)
    monkeypatch.setattr(_arrow, "CACHE_MIN_ROWS", 10**9)
    duck = index_of(vals, keys)
    assert duck.dtype == np.int32
    np.testing.assert_array_equal(duck, arrow)
    assert (duck == -1).sum() >= (vals.isna().sum())


@pytest.mark.parametrize("threshold", [0, 10**9])  # DuckDB's count(DISTINCT) and Arrow's count_distinct
def test_all_distinct_and_occurrences(monkeypatch, threshold):
    from segment_lib import _arrow

    monkeypatch.setattr(_arrow, "DUCKDB_MIN_ROWS", threshold)
    s = pd.Series(pd.array(["a", "b", None, "c", None], dtype="str"))
    assert _arrow.all_distinct(s)  # missing values are not duplicates
    assert not _arrow.all_distinct(pd.Series(pd.array(["a", "b", "a"], dtype="str")))
    assert _arrow.all_distinct(pd.Series(pd.array([], dtype="str")))
    keys = pd.Series(pd.array(["a", "b", "c", "d"], dtype="str"))
    vals = pd.Series(pd.array(["b", "b", "a", None, "x", "b"], dtype="str"))
    assert _arrow.occurrences(keys, vals).tolist() == [1, 3, 0, 0]
    assert _arrow.covered(keys, vals).tolist() == [True, True, False, False]


def test_same_values_and_aligned_tier_effort():
    from segment_lib import _arrow, measures

    a = pd.Series(pd.array(["C1", "C2", "C3"], dtype="str"))
    assert _arrow.same_values(a, pd.Index(["C1", "C2", "C3"]))
    assert not _arrow.same_values(a, pd.Index(["C1", "C3", "C2"]))
    assert not _arrow.same_values(a, pd.Index(["C1", "C2"]))
    assert not _arrow.same_values(pd.Series(["C1", None], dtype="str"), pd.Series(["C1", None], dtype="str"))
    tiers = pd.Series(["VIP", None, "Regular"], index=["C1", "C2", "C3"], dtype=object)
    te = {"VIP": 4.0, "Regular": 1.0}
    same = measures.customer_effort(tiers, pd.Index(["C1", "C2", "C3"]), te)  # aligned: no lookup
    moved = measures.customer_effort(tiers.iloc[::-1], pd.Index(["C1", "C2", "C3"]), te)
    for r in (same, moved):
        assert r.effort.tolist() == [4.0, measures.UNTIERED_EFFORT, 1.0]
        assert r.tier.tolist() == ["VIP", None, "Regular"] and r.n_untiered == 1 and r.n_extra == 0


def test_all_distinct_of_rows():
    """Multi-column keys (ownership: customer + rep) are checked as rows; rows with a missing part are exempt."""
    from segment_lib import _arrow

    a = pd.Series(pd.array(["C1", "C1", "C2", "C2", None], dtype="str"))
    b = pd.Series(pd.array(["R1", "R2", "R1", None, "R1"], dtype="str"))
    assert _arrow.all_distinct(a, b)
    b2 = pd.Series(pd.array(["R1", "R1", "R1", None, "R1"], dtype="str"))
    assert not _arrow.all_distinct(a, b2)
