"""Hand-computed fixtures for segment_lib.stats (balance, NPS, bootstrap intervals, load model)."""

import itertools

import numpy as np
import pandas as pd
import pytest

from segment_lib import stats
from segment_lib.errors import ModelInputError


def test_gini_hand_computed():
    # sum_ij |xi - xj| = 2 * (1 + 2 + 1) = 8; 2 n^2 mean = 2 * 9 * 2 = 36
    assert stats.gini([1, 2, 3]) == pytest.approx(8 / 36)
    assert stats.gini([5, 5, 5, 5]) == pytest.approx(0.0)
    assert stats.gini([0, 0, 0, 4]) == pytest.approx(0.75)  # (n-1)/n
    assert np.isnan(stats.gini([]))
    with pytest.raises(ModelInputError):
        stats.gini([-1, 2])


def test_one_gini_for_stats_and_summary():
    from segment_lib import measures, summary

    assert stats.gini is measures.gini
    x = np.random.default_rng(3).lognormal(0, 1.5, 500)
    assert summary.gini(x) == stats.gini(x) == measures.gini(x)  # bit-identical: one definition
    # revenue with net returns: summary clips negatives to 0, the load measure refuses them
    assert summary.gini([-5.0, 0.0, 0.0, 4.0]) == pytest.approx(0.75)
    assert measures.gini([-5.0, 0.0, 0.0, 4.0], negatives="clip") == pytest.approx(0.75)


def test_tier_effort_weights_by_name_or_by_rank():
    from segment_lib.measures import tier_effort_weights
    from segment_lib.params import DEFAULT_TIER_EFFORT

    assert tier_effort_weights() == DEFAULT_TIER_EFFORT
    assert tier_effort_weights(["Key", "VIP"]) == {"Key": 2.0, "VIP": 4.0}  # known names keep their weight
    # unknown names, best first, spread by rank over VIP 4 > Key 2 > Regular 1 > Dormant 0.3
    assert tier_effort_weights(["A", "B", "C"]) == {"A": 4.0, "B": 1.0, "C": 0.3}  # positions 0, 1.5 -> 2, 3
    assert tier_effort_weights(["A", "B"]) == {"A": 4.0, "B": 0.3}
    assert tier_effort_weights(["Only"]) == {"Only": 4.0}
    assert tier_effort_weights(list("ABCDEF"), {"hi": 3, "lo": 1}) == {"A": 3, "B": 3, "C": 3, "D": 1, "E": 1,
                                                                         "F": 1}


def test_customer_effort_counts_untiered_with_one():
    from segment_lib.errors import ConfigError
    from segment_lib.measures import UNTIERED_EFFORT, customer_effort

    ce = customer_effort(pd.Series({"c1": "VIP", "c3": "Dormant", "zz": "Key"}), ["c1", "c2", "c3"])
    assert ce.effort.tolist() == [4.0, UNTIERED_EFFORT, 0.3] and UNTIERED_EFFORT == 1.0
    assert ce.untiered.tolist() == [False, True, False] and ce.tier.tolist() == ["VIP", None, "Dormant"]
    assert ce.n_untiered == 1 and ce.n_extra == 1
    assert ce.note == "1 customers have no tier; they count with effort 1.0"
    assert customer_effort(pd.Series({"c1": "VIP"}), ["c1"]).note is None
    with pytest.raises(ConfigError, match="no effort weight"):
        customer_effort(pd.Series({"c1": "Gold"}), ["c1"])
    with pytest.raises(ModelInputError, match="duplicate"):
        customer_effort(pd.Series(["VIP", "Key"], index=["c1", "c1"]), ["c1"])


def test_cv_and_balance_hand_computed():
    # population sd of 1,2,3 = sqrt(2/3); mean 2
    assert stats.cv([1, 2, 3]) == pytest.approx(np.sqrt(2 / 3) / 2)
    b = stats.balance([0.5, 1.0, 1.5, 1.0])
    assert b["max_mean"] == pytest.approx(1.5)
    assert b["share_over"] == pytest.approx(0.25)
    assert b["cv"] == pytest.approx(np.sqrt(0.125) / 1.0)
    # gini of 0.5,1,1,1.5: sum|diffs| over ordered pairs = 2*(0.5+0.5+1+0+0.5+0.5) = 6; 2*16*1 = 32
    assert b["gini"] == pytest.approx(6 / 32)


def test_nps_hand_computed():
    assert stats.nps([10, 9, 8, 7, 6, 0]) == pytest.approx(0.0)
    assert stats.nps([10, 10, 9, 5]) == pytest.approx(50.0)
    assert stats.nps([np.nan, 3]) == pytest.approx(-100.0)


def test_nps_ci_rejects_bad_scale():
    with pytest.raises(ModelInputError):
        stats.nps_ci([11, 5])


def test_quantile_point_estimates():
    r = stats.quantile_ci(np.arange(1, 11), None, 0.9)
    assert r["estimate"].iloc[0] == pytest.approx(9.1)
    r = stats.quantile_ci([4, 1, 3, 2, np.nan], None, 0.5)
    assert r["estimate"].iloc[0] == pytest.approx(2.5)
    assert r["n"].iloc[0] == 4


@pytest.mark.parametrize("q", [0.5, 0.9])
def test_quantile_ci_is_the_exact_bootstrap(q):
    # enumerate every one of the 5^5 resamples of 5 values: the exact bootstrap distribution
    x = np.array([1.0, 2.0, 4.0, 8.0, 16.0])
    boots = np.array([np.quantile(x[list(c)], q, method="inverted_cdf")
                      for c in itertools.product(range(5), repeat=5)])
    vals, cnt = np.unique(boots, return_counts=True)
    cdf = np.cumsum(cnt) / cnt.sum()
    lo, hi = vals[np.searchsorted(cdf, 0.1 - 1e-12)], vals[np.searchsorted(cdf, 0.9 - 1e-12)]
    r = stats.quantile_ci(x, None, q, level=0.8)
    assert r["ci_low"].iloc[0] == lo
    assert r["ci_high"].iloc[0] == hi


def test_quantile_ci_groups_and_empty_group():
    r = stats.quantile_ci([1, 2, 3, np.nan], ["a", "a", "a", "b"], 0.5)
    assert r.loc["a", "estimate"] == 2
    assert r.loc["b", "n"] == 0 and np.isnan(r.loc["b", "estimate"])


def test_mean_ci_constant_group_and_seed():
    v = [3, 3, 3, 1, 5, 5, 1]
    g = ["a", "a", "a", "b", "b", "b", "b"]
    r1 = stats.mean_ci(v, g, random_state=1, vs_rest=True)
    r2 = stats.mean_ci(v, g, random_state=1, vs_rest=True)
    pd.testing.assert_frame_equal(r1, r2)
    assert r1.loc["a", "estimate"] == 3 and r1.loc["a", "ci_low"] == 3 and r1.loc["a", "ci_high"] == 3
    assert r1.loc["b", "estimate"] == pytest.approx(3.0)
    assert r1.loc["a", "rest_estimate"] == pytest.approx(3.0)
    assert r1.loc["a", "diff_vs_rest"] == pytest.approx(0.0)
    assert r1.loc["b", "ci_low"] < 3 < r1.loc["b", "ci_high"]


def test_multinomial_bootstrap_matches_row_resampling():
    rng = np.random.default_rng(3)
    v = rng.integers(1, 6, 400).astype(float)
    r = stats.mean_ci(v, None, n_boot=4000, random_state=0)
    idx = rng.integers(0, v.size, (4000, v.size))
    lo, hi = np.quantile(v[idx].mean(axis=1), [0.025, 0.975])
    assert r["ci_low"].iloc[0] == pytest.approx(lo, abs=0.02)
    assert r["ci_high"].iloc[0] == pytest.approx(hi, abs=0.02)


def test_poisson_bootstrap_for_continuous_values():
    rng = np.random.default_rng(0)
    v = rng.normal(10, 2, 2000)
    r = stats.mean_ci(v, None, n_boot=500)
    se = 2 / np.sqrt(2000)
    assert r["ci_low"].iloc[0] == pytest.approx(v.mean() - 1.96 * se, abs=0.03)
    assert r["ci_high"].iloc[0] == pytest.approx(v.mean() + 1.96 * se, abs=0.03)


def test_nps_ci_and_proportion_ci():
    r = stats.nps_ci([10, 10, 9, 5, 0, 8], ["a"] * 4 + ["b"] * 2)
    assert r.loc["a", "estimate"] == pytest.approx(50.0)
    assert r.loc["b", "estimate"] == pytest.approx(-50.0)
    assert -100 <= r.loc["a", "ci_low"] <= 50 <= r.loc["a", "ci_high"] <= 100
    p = stats.proportion_ci(pd.array([True, False, None, True], dtype="boolean"), ["a", "a", "b", "b"])
    assert p.loc["a", "estimate"] == 0.5 and p.loc["b", "estimate"] == 1.0 and p.loc["b", "n"] == 1


def _model_data(effect, n_reps=40, per_rep=60, seed=0):
    rng = np.random.default_rng(seed)
    load = rng.uniform(0.6, 1.6, n_reps)
    rep = np.repeat(np.arange(n_reps), per_rep)
    tier = rng.choice(["VIP", "Regular"], rep.size)
    y = 4 + effect * (load[rep] - 1) + 0.3 * (tier == "VIP") + rng.normal(0, 0.1, n_reps)[rep] + rng.normal(0, 0.5, rep.size)
    return pd.DataFrame({"rep_id": rep, "load_ratio": load[rep], "tier": tier, "industry": "x", "csat": y})


def test_load_effect_model_recovers_effect():
    res = stats.load_effect_model(_model_data(-1.0), "csat", outcome_label="CSAT")
    e = res.effect
    assert e["ci_low"] < -1.0 < e["ci_high"]
    assert e["ci_high"] < 0
    assert e["step_effect"] == pytest.approx(0.5 * e["estimate"])
    assert e["n_clusters"] == 40
    assert "lower" in res.sentence and "95% CI" in res.sentence
    assert set(res.table.columns) >= {"term", "estimate", "ci_low", "ci_high", "p_value"}


@pytest.mark.parametrize("log_outcome,categorical", [(False, False), (True, False), (False, True)])
def test_load_model_on_pooled_cells_equals_the_row_fit(log_outcome, categorical):
    """Above max_rows the rows sharing rep, load and controls are pooled into weighted cells: the same
    estimates, cluster-robust intervals and p-values as the fit on every row (1e-9), all rows counted."""
    d = _model_data(-1.0, n_reps=50, per_rep=80, seed=4)
    d["industry"] = np.where(np.arange(len(d)) % 3 == 0, "retail", None)  # a control with missing values
    d.loc[7, "csat"] = np.nan  # a dropped row
    d["hours"] = np.exp(d["csat"] / 4)
    if categorical:  # as the regions code passes them: categorical controls, integer rep codes
        d["tier"], d["industry"] = d["tier"].astype("category"), d["industry"].astype("category")
    y = "hours" if log_outcome else "csat"
    rows = stats.load_effect_model(d, y, log_outcome=log_outcome, max_rows=None)
    cells = stats.load_effect_model(d, y, log_outcome=log_outcome, max_rows=500)  # 4,000 rows, 200 cells
    assert not cells.warnings and cells.effect["n_obs"] == rows.effect["n_obs"] == len(d) - 1
    for col in ("estimate", "std_error", "ci_low", "ci_high", "p_value"):
        np.testing.assert_allclose(cells.table[col], rows.table[col], rtol=1e-9, atol=1e-12, err_msg=col)
    assert cells.sentence == rows.sentence
    few = stats.load_effect_model(d, y, log_outcome=log_outcome, max_rows=100)  # more cells than that: a sample
    assert few.effect["n_obs"] == 100 and "random subsample" in few.warnings[0]


def test_load_effect_model_log_outcome_and_null():
    d = _model_data(0.0)
    d["hours"] = np.exp(d["csat"] / 4)
    res = stats.load_effect_model(d, "hours", log_outcome=True)
    assert "%" in res.sentence
    res0 = stats.load_effect_model(d, "csat")
    assert res0.effect["ci_low"] < 0 < res0.effect["ci_high"]
    assert "not conclusive" in res0.sentence


def test_load_effect_model_degenerate_inputs():
    d = _model_data(-1.0)
    d["load_ratio"] = 1.0
    with pytest.raises(ModelInputError):
        stats.load_effect_model(d, "csat")
    with pytest.raises(ModelInputError):
        stats.load_effect_model(_model_data(-1.0, n_reps=2), "csat")


def test_quantile_ci_many_quantiles_and_presorted():
    rng = np.random.default_rng(1)
    v = rng.exponential(3, 500)
    g = rng.integers(0, 4, 500)
    both = stats.quantile_ci(v, g, [0.5, 0.9])
    o = np.argsort(v)
    pre = stats.quantile_ci(v[o], g[o], [0.5, 0.9], presorted=True)
    for q in (0.5, 0.9):
        pd.testing.assert_frame_equal(both[q], stats.quantile_ci(v, g, q))
        pd.testing.assert_frame_equal(pre[q], both[q])


def test_mean_ci_normal_hand_computed():
    r = stats.mean_ci_normal([1.0, 3.0, 5.0, np.nan, 7.0], [0, 0, 0, 0, -1], 2)
    # group 0: 1, 3, 5 -> mean 3, sd 2, half width 1.96 * 2 / sqrt(3)
    assert r.loc[0, "estimate"] == pytest.approx(3.0)
    assert r.loc[0, "ci_high"] - 3.0 == pytest.approx(1.959964 * 2 / np.sqrt(3), rel=1e-5)
    assert r.loc[1, "n"] == 0 and np.isnan(r.loc[1, "estimate"])


def test_level_counts_fast_and_general_paths_agree():
    v = np.array([1.0, 5.0, 5.0, 3.0, 1.0])
    c = np.array([0, 0, 1, 1, 1])
    lv, cnt = stats._level_counts(v, c, 2)
    assert list(lv) == [1.0, 3.0, 5.0]
    assert cnt.tolist() == [[1, 0, 1], [1, 1, 1]]
    lv2, cnt2 = stats._level_counts(v + 0.5, c, 2)  # non-integers: np.unique path
    assert list(lv2) == [1.5, 3.5, 5.5] and cnt2.tolist() == cnt.tolist()


def test_ols_qr_equals_statsmodels_fit():
    """The QR fit without the n x p pseudo-inverse gives statsmodels' numbers (1e-8), cluster-robust and plain;
    a rank-deficient design falls back to statsmodels' pinv fit."""
    import statsmodels.api as sm

    rng = np.random.default_rng(3)
    n = 3000
    X = np.column_stack([np.ones(n), rng.uniform(0.5, 2, n), (rng.random((n, 5)) < 0.3).astype(float)])
    y = X @ rng.normal(size=X.shape[1]) + rng.normal(size=n)
    g = rng.integers(0, 60, n)
    for cov_type, kw in (("cluster", {"groups": g}), ("nonrobust", None), ("HC1", None)):
        a = sm.OLS(y, X).fit(cov_type=cov_type, cov_kwds=kw)  # statsmodels default: pinv
        b = stats._ols_qr(y, X, cov_type=cov_type, cov_kwds=kw)
        for attr in ("params", "bse", "pvalues", "tvalues"):
            np.testing.assert_allclose(getattr(b, attr), getattr(a, attr), rtol=1e-8, atol=1e-10, err_msg=attr)
        np.testing.assert_allclose(b.conf_int(), a.conf_int(), rtol=1e-8, atol=1e-10)
        assert (b.nobs, b.df_resid, b.df_model, b.use_t) == (a.nobs, a.df_resid, a.df_model, a.use_t)
    Xd = np.column_stack([X, X[:, 2]])  # duplicated column
    b = stats._ols_qr(y, Xd, cov_type="cluster", cov_kwds={"groups": g})
    assert b.df_model == X.shape[1] - 1 and np.isfinite(b.params).all()


def test_load_effect_model_matches_plain_statsmodels():
    d = _model_data(-1.0)
    res = stats.load_effect_model(d, "csat")
    import statsmodels.api as sm

    X = pd.concat([pd.DataFrame({"const": 1.0, "load_ratio": d["load_ratio"]}),
                   pd.get_dummies(d["tier"], prefix="tier", prefix_sep="=", drop_first=True, dtype=float)], axis=1)
    ref = sm.OLS(d["csat"].to_numpy(), X.to_numpy()).fit(cov_type="cluster", cov_kwds={"groups": d["rep_id"].to_numpy()})
    e = res.effect
    assert e["estimate"] == pytest.approx(ref.params[1], rel=1e-8)
    assert e["std_error"] == pytest.approx(ref.bse[1], rel=1e-8)


def test_constant_within_groups():
    g = pd.Series([0, 0, 1, 2, 2])
    assert stats._constant_within(pd.Series([1.5, 1.5, 2.0, 0.7, 0.7]), g)
    assert not stats._constant_within(pd.Series([1.5, 1.6, 2.0, 0.7, 0.7]), g)
    assert not stats._constant_within(pd.Series([1.0] * 5), pd.Series(["a", "a", "b", "c", "c"]))  # not codes
