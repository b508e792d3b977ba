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
    assert got.dtype == np.int64
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
