"""TierModel and evidence: hand-computed RFM / ABC fixtures, demo recovery, determinism, bad input."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from segment_lib.errors import ModelInputError
from segment_lib.features import customer_features
from segment_lib.tiering import (
    TierModel,
    explain_tiers,
    rfm_scores,
    rfm_segments,
    select_k,
    tier_migration,
    tier_profile,
    tier_stability,
)


@pytest.fixture(scope="module")
def demo():
    from segment_lib.demo import generate

    d = generate(5000, seed=7)
    f = customer_features(d.dataset)
    truth = d.truth.set_index("customer_id").reindex(f["customer_id"])["true_tier_rank"].to_numpy()
    return d, f, truth


@pytest.fixture(scope="module")
def auto_model(demo):
    return TierModel(method="kmeans", n_tiers="auto", random_state=0).fit(demo[1])


def rfm_fixture() -> pd.DataFrame:
    # ties: C02/C03 recency 10; C03/C04/C06/C09 frequency 1 (one-time buyers); C03/C04 and C02/C10 money
    return pd.DataFrame({
        "customer_id": [f"C{i:02d}" for i in range(1, 11)],
        "recency_days": [5, 10, 10, 40, 60, 200, 400, np.nan, 2, 90],
        "frequency": [20, 10, 1, 1, 5, 1, 0, 0, 1, 8],
        "monetary_total": [5000, 3000, 100, 100, 800, 50, 0, 0, 300, 3000.0],
    })


# hand-computed with score = 1 + floor(5 * (rank_min - 1) / 10)
EXPECTED = {
    #       R  F  M  segment
    "C01": (5, 5, 5, "Champions"),
    "C02": (4, 5, 4, "Loyal"),
    "C03": (4, 2, 2, "Potential loyalists"),
    "C04": (3, 2, 2, "Need attention"),
    "C05": (3, 4, 4, "Loyal"),
    "C06": (2, 2, 2, "Hibernating"),
    "C07": (1, 1, 1, "Lost"),
    "C08": (1, 1, 1, "Lost"),  # never bought: least recent
    "C09": (5, 2, 3, "Potential loyalists"),
    "C10": (2, 4, 4, "At risk"),
}


def test_rfm_scores_hand_computed():
    seg = rfm_segments(rfm_scores(rfm_fixture())).set_index("customer_id")
    for cid, (r, f, m, name) in EXPECTED.items():
        assert (seg.loc[cid, "r_score"], seg.loc[cid, "f_score"], seg.loc[cid, "m_score"]) == (r, f, m), cid
        assert seg.loc[cid, "segment"] == name, cid
    # ties share a score under the default rule
    assert seg.loc["C02", "r_score"] == seg.loc["C03", "r_score"]
    assert seg.loc[["C03", "C04", "C06", "C09"], "f_score"].nunique() == 1


def test_rfm_ties_first_splits_by_row_order():
    s = rfm_scores(rfm_fixture(), ties="first").set_index("customer_id")
    assert s.loc[["C03", "C04", "C06", "C09"], "f_score"].tolist() == [2, 2, 3, 3]


def test_rfm_model_tiers_predict_and_custom_table():
    X = rfm_fixture()
    m = TierModel(method="rfm").fit(X)
    t = m.tiers_.set_index("customer_id")
    assert t.loc["C01", "tier_label"] == "VIP" and t.loc["C02", "tier_label"] == "Key"
    assert t.loc["C07", "tier_label"] == "Dormant"
    np.testing.assert_array_equal(m.predict(X), m.labels_)
    custom = [{"segment": "Top", "r": [4, 5], "fm": [3, 5], "tier": 0},
              {"segment": "Rest", "r": [1, 5], "fm": [1, 5], "tier": 1}]
    m2 = TierModel(method="rfm", rfm_segments=custom, labels=["重点客户", "普通客户"]).fit(X)
    t2 = m2.tiers_.set_index("customer_id")
    assert t2.loc["C01", "segment"] == "Top" and t2.loc["C01", "tier_label"] == "重点客户"
    assert t2.loc["C03", "segment"] == "Rest"
    e = explain_tiers(m, X).set_index("customer_id")
    assert "Champions" in e.loc["C01", "explanation"] and "R=5" in e.loc["C01", "explanation"]


def test_abc_hand_computed_with_ties():
    X = pd.DataFrame({"customer_id": list("abcdef"), "monetary_total": [50, 30, 10, 5, 5, 0.0]})
    m = TierModel(method="abc").fit(X)
    # shares before: a 0, b .5, c .8, d .9, e .9 (tie with d), f no revenue
    assert m.tiers_["tier_label"].tolist() == ["A", "A", "B", "B", "B", "C"]
    np.testing.assert_array_equal(m.predict(X), m.labels_)
    e = explain_tiers(m, X, currency="USD", lang="en")["explanation"]
    assert e[1] == "A: spent $30 in 365 days; customers ranked above made 50.0% of revenue (class band 0–80%)"
    assert e[5] == "C: no revenue in the last 365 days"
    zh = explain_tiers(m, X, currency="USD", lang="zh")["explanation"]
    assert zh[1] == "A:365天内消费$30;排名在前的客户贡献了50.0%的收入(类别区间 0–80%)"
    assert zh[5] == "C:最近365天没有收入"


def test_threshold_per_industry():
    X = pd.DataFrame({"customer_id": list("abcd"), "industry": ["IT", "IT", "Retail", "Retail"],
                      "monetary_total": [150.0, 90, 90, 10], "frequency": [5, 5, 5, 0]})
    rules = {"IT": [{"label": "重点客户", "min": {"monetary_total": 100}},
                    {"label": "普通客户", "min": {"frequency": 1}}, {"label": "沉睡客户"}],
             "default": [{"label": "重点客户", "min": {"monetary_total": 80}},
                         {"label": "普通客户", "min": {"frequency": 1}}, {"label": "沉睡客户"}]}
    m = TierModel(method="threshold", thresholds=rules, group_by="industry").fit(X)
    assert m.tiers_["tier_label"].tolist() == ["重点客户", "普通客户", "重点客户", "沉睡客户"]
    e = explain_tiers(m, X)
    assert "monetary_total ≥ 100" in e.loc[0, "explanation"] and "IT rules" in e.loc[0, "explanation"]
    zh = explain_tiers(m, X, lang="zh")
    assert zh.loc[0, "explanation"] == "重点客户:满足 monetary_total ≥ 100(IT规则)"


def test_demo_recovers_truth_at_k4(demo):
    _, f, truth = demo
    for method in ("kmeans", "gmm"):
        m = TierModel(method=method, n_tiers=4, random_state=0).fit(f)
        assert adjusted_rand_score(truth, m.labels_) >= 0.9, method
        assert m.tier_names_ == ["VIP", "Key", "Regular", "Dormant"]


def test_auto_picks_planted_k(demo, auto_model):
    _, _, truth = demo
    assert auto_model.n_tiers_ == 4, auto_model.k_reason_
    ks = auto_model.k_scores_
    assert {"silhouette", "davies_bouldin", "calinski_harabasz", "stability", "value_ratio_min"} <= set(ks.columns)
    assert adjusted_rand_score(truth, auto_model.labels_) >= 0.9
    # the internal index alone would drift to k=2: that is why the rule is not "max silhouette"
    assert int(ks.loc[ks["silhouette"].idxmax(), "k"]) == 2


def test_deterministic(demo, auto_model):
    f = demo[1]
    m2 = TierModel(method="kmeans", n_tiers="auto", random_state=0).fit(f)
    np.testing.assert_array_equal(auto_model.labels_, m2.labels_)
    pd.testing.assert_frame_equal(auto_model.k_scores_, m2.k_scores_)
    np.testing.assert_array_equal(auto_model.predict(f), auto_model.labels_)


def test_select_k_rule():
    s = pd.DataFrame({"k": [2, 3, 4, 5], "silhouette": [0.8, 0.7, 0.7, 0.6], "stability": [1, 1, 0.95, 0.99],
                      "min_tier_share": [0.3, 0.2, 0.05, 0.05], "value_ratio_min": [np.inf, 10, 8, 1.0]})
    assert select_k(s)[0] == 4
    s.loc[2, "stability"] = 0.5
    assert select_k(s)[0] == 3


def test_stability_when_auto_k_differs_from_the_labels(demo):
    """Four names given, auto picks fewer tiers: the configured names are kept by rank (best and
    worst always), and the stability refits still run (they compare value ranks, not names)."""
    _, f, _ = demo
    m = TierModel(n_tiers="auto", k_range=(2, 3), labels=["VIP", "Key", "Regular", "Dormant"], random_state=0).fit(f)
    assert m.n_tiers_ in (2, 3)
    assert m.tier_names_ == (["VIP", "Dormant"] if m.n_tiers_ == 2 else ["VIP", "Regular", "Dormant"])
    big = TierModel(n_tiers="auto", k_range=(5, 5), labels=["VIP", "Key", "Regular", "Dormant"], random_state=0).fit(f)
    assert big.tier_names_[0] == "Tier 1"  # more tiers than names: generic names, with a warning
    st = tier_stability(m, f, n_boot=3, sample_size=2000, random_state=0)
    overall = st.loc[st.scope == "overall"].iloc[0]
    assert overall["n_boot"] == 3 and overall["ari_mean"] > 0.8


def test_evidence(demo, auto_model):
    d, f, _ = demo
    st = tier_stability(auto_model, f, n_boot=4, sample_size=3000, random_state=0)
    assert st.loc[st.scope == "overall", "ari_mean"].iloc[0] > 0.9
    assert (st.loc[st.scope == "tier", "jaccard_mean"] > 0.8).all()
    prof = tier_profile(f, auto_model, surveys=d.dataset.surveys)
    assert prof["revenue_share"].iloc[0] > 0.5 and prof["n_customers"].sum() == len(f)
    assert prof["dormancy_rate"].iloc[-1] > 0.95 and "csat_mean" in prof
    e = explain_tiers(auto_model, f, customer_ids=f["customer_id"][:50])
    assert len(e) == 50 and e["explanation"].str.contains("typical").all()
    from segment_lib.fmt import money_text  # the one money formatter, as in the tables

    spent = f.set_index("customer_id")["monetary_total"].reindex(e["customer_id"]).to_numpy()
    assert all(f"spent {money_text(v)} (" in x for v, x in zip(spent, e["explanation"]))
    zh = explain_tiers(auto_model, f, customer_ids=f["customer_id"][:50], lang="zh")  # Chinese reports
    assert zh["explanation"].str.contains("天内购买").all() and not zh["explanation"].str.contains(
        "buys|typical|spent|bought|days").any()
    assert all(f"消费{money_text(v, lang='zh')}(" in x for v, x in zip(spent, zh["explanation"]))
    f0 = customer_features(d.dataset, as_of="2025-09-30")
    m0 = TierModel(n_tiers=4).fit(f0)
    mig = tier_migration(m0, auto_model)
    assert mig.counts.to_numpy().sum() == len(mig.moves)
    assert np.allclose(mig.shares.sum(axis=1).dropna(), 1)
    assert set(mig.moves["direction"]) <= {"up", "down", "same", "new", "gone"}
    assert (mig.upgrades["tier_to"] < mig.upgrades["tier_from"]).all()


def test_group_by_and_chinese_labels(demo):
    _, f, truth = demo
    m = TierModel(n_tiers=4, group_by="industry", labels="zh").fit(f)
    assert set(m.tiers_["tier_label"]) == {"VIP客户", "重点客户", "普通客户", "沉睡客户"}
    assert adjusted_rand_score(truth, m.labels_) >= 0.9
    np.testing.assert_array_equal(m.predict(f), m.labels_)
    assert (m.tiers_["customer_id"].to_numpy() == f["customer_id"].to_numpy()).all()


def test_next_period_revenue_criterion(demo):
    from segment_lib.features import next_period_revenue

    d, _, _ = demo
    f0 = customer_features(d.dataset, as_of="2025-09-30")
    y = next_period_revenue(d.dataset, "2025-09-30", days=90)
    m = TierModel(n_tiers="auto", n_stability=2).fit(f0, y)
    assert "revenue_spearman" in m.k_scores_ and m.k_scores_["revenue_spearman"].max() > 0.5


# ---- bad input -----------------------------------------------------------------------------
def _flat(n=20, **vals):
    base = {"customer_id": [f"c{i}" for i in range(n)], "recency_days": np.nan, "frequency": 0,
            "monetary_total": 0.0}
    base.update(vals)
    return pd.DataFrame(base)


def test_no_transactions_clear_error():
    f = _flat()
    for method in ("kmeans", "gmm"):
        with pytest.raises(ModelInputError, match="identical"):
            TierModel(method=method).fit(f)
    with pytest.raises(ModelInputError, match="revenue"):
        TierModel(method="abc").fit(f)
    # RFM documents its degenerate result: everyone ties at the bottom -> Lost
    m = TierModel(method="rfm").fit(f)
    assert set(m.tiers_["segment"]) == {"Lost"}


def test_identical_customers():
    with pytest.raises(ModelInputError, match="identical"):
        TierModel(n_tiers=3).fit(_flat(recency_days=3.0, frequency=2, monetary_total=50.0))


def test_k_larger_than_distinct():
    f = _flat(6, recency_days=[1, 1, 5, 5, 9, 9.0], frequency=[1, 1, 2, 2, 3, 3],
              monetary_total=[1, 1, 2, 2, 3, 3.0])
    with pytest.raises(ModelInputError, match="distinct"):
        TierModel(n_tiers=4).fit(f)
    m = TierModel(n_tiers="auto", n_stability=0).fit(f)  # auto caps k_range at the distinct count
    assert m.n_tiers_ <= 2


def test_other_bad_inputs():
    with pytest.raises(ModelInputError, match="empty"):
        TierModel().fit(_flat(0))
    with pytest.raises(ModelInputError, match="method"):
        TierModel(method="dbscan").fit(_flat())
    with pytest.raises(ModelInputError, match="lacks"):
        TierModel().fit(pd.DataFrame({"customer_id": ["a"], "frequency": [1]}))
    with pytest.raises(ModelInputError, match="labels"):
        TierModel(n_tiers=4, labels=["a", "b"]).fit(rfm_fixture())
    with pytest.raises(ModelInputError, match="not fitted"):
        TierModel().predict(rfm_fixture())


def test_summary_and_charts(demo, auto_model):
    from segment_lib.plots import tiering as charts
    from segment_lib.tiering import summary_lines

    d, f, _ = demo
    prof = tier_profile(f, auto_model)
    lines = summary_lines(prof, auto_model)
    assert len(lines) == 1 + auto_model.n_tiers_ and "VIP" in lines[1]
    figs = [charts.k_selection(auto_model.k_scores_, auto_model.n_tiers_),
            charts.snake_plot(f, auto_model.tiers_), charts.pareto_by_tier(f, auto_model.tiers_),
            charts.migration_heatmap(tier_migration(auto_model, auto_model).counts),
            charts.rfm_segments_bar(TierModel(method="rfm").fit(f).tiers_, f)]
    assert all(fig.axes for fig in figs)


def test_migration_between_dates_uses_one_model(demo, auto_model):
    """Moves are judged with the model fitted at as_of; the earlier date is *predicted*.

    Planted: VIP / Key / Regular behave the same all year; dormant customers stopped 380-900
    days before as_of, so those who stopped 380-457 days before still bought in the window of
    the date one quarter earlier: they are the real Regular -> Dormant moves.
    """
    from segment_lib.tiering import tier_migration_between

    d, f, _ = demo
    as_of = pd.Timestamp(d.dataset.as_of)
    prev_as_of = as_of - pd.DateOffset(months=3)
    f_prev = customer_features(d.dataset, as_of=prev_as_of)
    mig = tier_migration_between(auto_model, f_prev)
    s = mig.summary.set_index("direction")["n_customers"]
    n = len(f)
    assert auto_model.n_tiers_ == 4
    assert (s["up"] + s["down"]) / n < 0.10  # measured 2.9% (38 up, 106 down)
    assert s["down"] / n < 0.05
    # the same table when the later features are predicted explicitly
    mig2 = tier_migration_between(auto_model, f_prev, f)
    assert mig2.summary.equals(mig.summary)
    # real stoppers: truth Dormant whose last purchase is between a year and a year + a quarter ago
    last = pd.to_datetime(f.set_index("customer_id")["last_purchase"])
    gap = (as_of - last).dt.days
    truth = d.truth.set_index("customer_id")["true_tier"].reindex(gap.index)
    stoppers = gap.index[(truth == "Dormant").to_numpy() & gap.between(385, 450).to_numpy()]
    assert len(stoppers) >= 30
    down = set(mig.downgrades["customer_id"].astype(str))
    assert np.mean([c in down for c in stoppers]) > 0.8
    # and most downgrades are such stoppers (the rest are boundary customers of stationary tiers)
    dn = mig.downgrades.merge(d.truth[["customer_id", "true_tier"]].astype({"customer_id": "string"}),
                              on="customer_id")
    assert (dn["true_tier"] == "Dormant").mean() > 0.6  # measured 80%
    # the earlier date was predicted with the same model: same labels, same number of tiers
    assert list(mig.counts.columns[:4]) == list(auto_model.tier_names_)


def test_migration_between_rfm_and_abc_keep_cut_points(demo):
    from segment_lib.tiering import tier_migration_between

    d, f, _ = demo
    f_prev = customer_features(d.dataset, as_of=pd.Timestamp(d.dataset.as_of) - pd.DateOffset(months=3))
    for method in ("abc", "rfm"):
        m = TierModel(method=method).fit(f)
        mig = tier_migration_between(m, f_prev)
        # identical features on both dates -> nobody moves (cut points are the fitted ones)
        same = tier_migration_between(m, f, f)
        assert (same.moves["direction"] == "same").all()
        assert mig.summary["n_customers"].sum() == len(f)
    # abc: a customer's class depends on the fitted revenue cut-offs, not on a re-ranking
    m = TierModel(method="abc").fit(f)
    doubled = f.assign(monetary_total=f["monetary_total"] * 2)
    mig = tier_migration_between(m, f, doubled)
    assert (mig.moves["direction"].isin(["same", "up"])).all() and (mig.moves["direction"] == "up").any()


def test_report_tables_for_managers(demo, auto_model):
    from segment_lib.fmt import money_text
    from segment_lib.tiering import (k_scores_report_table, profile_report_table,
                                     segment_rule_table, stability_report_table)

    d, f, _ = demo
    prof = profile_report_table(tier_profile(f, auto_model))
    assert all(v.startswith("¥") or v.startswith("\u2212¥") for v in prof["Revenue"])
    assert (prof["Revenue share"] >= 0).all()  # no "-0%" for the dormant tier
    assert money_text(402084506.6) == "¥402.1M" and money_text(23948) == "¥23.9k" and money_text(-0.4) == "¥0"
    st = stability_report_table(tier_stability(auto_model, f, n_boot=2))
    assert st["Tier"].iloc[0] == "All customers" and st["Customers"].dtype == np.int64
    ks = k_scores_report_table(auto_model)
    assert (ks["Chosen"] == "✓").sum() == 1 and str(ks["Tiers"].dtype) == "int64"
    assert segment_rule_table(None)["R score"].iloc[1] == "3–4"


# ---- fit on a seeded sample (fit_sample_size) -----------------------------------------------
def test_fit_sample_size_labels_every_row_deterministically(demo):
    _, f, truth = demo
    m = TierModel(n_tiers=4, random_state=0, fit_sample_size=1500).fit(f)
    assert m.fit_sample_size_ == 1500 and len(m.labels_) == len(f) == len(m.tiers_)
    assert (m.tiers_["customer_id"].to_numpy() == f["customer_id"].to_numpy()).all()
    np.testing.assert_array_equal(m.predict(f), m.labels_)
    np.testing.assert_array_equal(m.tiers_["tier"].to_numpy(), m.labels_)
    assert list(m.tiers_["tier_label"]) == [m.tier_names_[t] for t in m.labels_]
    assert adjusted_rand_score(truth, m.labels_) >= 0.9
    # the sample: np.random.RandomState(random_state).choice(len(X), size, replace=False), sorted
    pick = np.sort(np.random.RandomState(0).choice(len(f), size=1500, replace=False))
    ref = TierModel(n_tiers=4, random_state=0).fit(f.iloc[pick])
    np.testing.assert_array_equal(ref.predict(f), m.labels_)
    again = TierModel(n_tiers=4, random_state=0, fit_sample_size=1500).fit(f)
    np.testing.assert_array_equal(again.labels_, m.labels_)
    pd.testing.assert_frame_equal(again.tiers_, m.tiers_)


def test_fit_sample_size_at_least_rows_is_a_full_fit(demo):
    _, f, _ = demo
    full = TierModel(method="gmm", n_tiers=3).fit(f)
    m = TierModel(method="gmm", n_tiers=3, fit_sample_size=len(f)).fit(f)
    np.testing.assert_array_equal(m.labels_, full.labels_)
    pd.testing.assert_frame_equal(m.tiers_, full.tiers_)
    pd.testing.assert_frame_equal(m.centers_, full.centers_)
    assert m.fit_sample_size_ is None  # fitted on all rows


def test_fit_sample_size_group_by_and_value_rules(demo):
    _, f, _ = demo
    m = TierModel(n_tiers=3, group_by="industry", fit_sample_size=2000).fit(f)
    assert list(m.tiers_.columns) == ["customer_id", "tier", "tier_label", "industry"]
    assert (m.tiers_["industry"].to_numpy() == f["industry"].astype(str).to_numpy()).all()
    np.testing.assert_array_equal(m.predict(f), m.labels_)
    for method in ("rfm", "abc"):  # quantiles / cumulative shares need every row: sample ignored
        full = TierModel(method=method).fit(f)
        s = TierModel(method=method, fit_sample_size=100).fit(f)
        pd.testing.assert_frame_equal(s.tiers_, full.tiers_)
        assert s.fit_sample_size_ is None
    with pytest.raises(ModelInputError, match="fit_sample_size"):
        TierModel(fit_sample_size=0).fit(f)


def test_fit_sample_size_is_an_estimator_param():
    from sklearn.base import clone

    m = TierModel(method="gmm", fit_sample_size=1000)
    assert m.get_params()["fit_sample_size"] == 1000 and TierModel().get_params()["fit_sample_size"] is None
    c = clone(m)
    assert c.fit_sample_size == 1000 and c.method == "gmm" and not hasattr(c, "fit_sample_size_")
    assert clone(m.set_params(fit_sample_size=None)).fit_sample_size is None
