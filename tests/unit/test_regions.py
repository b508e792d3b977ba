"""segment_lib.regions on a small hand-computed fixture, on bad split inputs, and on the demo data."""

import numpy as np
import pandas as pd
import pytest

from segment_lib import regions
from segment_lib.contract import Dataset
from segment_lib.errors import ConfigError, DataContractError, ModelInputError

AS_OF = pd.Timestamp("2025-12-31")


def _dataset() -> Dataset:
    """4 units on a line A-B-C-D (+ E without customers); N = A, B and S = C, D, E.

    Reps R1, R2 in N (capacity 10), R3 in S (capacity 5).  C5 (in S) is owned by R1 (outside),
    C2 is claimed by R1 and R2.  Tiers: C1 VIP, C2 Regular, C3 Regular, C4 Dormant, C5 Key, C6 VIP.
    """
    geo_units = pd.DataFrame({"geo_unit_id": list("ABCDE"), "lat": 0.0, "lon": [0.0, 1.0, 2.0, 3.0, 4.0],
                              "population": [10.0, 10.0, 20.0, 20.0, 0.0],
                              "neighbors": ["B", "A;C", "B;D", "C;E", "D"]})
    splits = pd.concat([
        pd.DataFrame({"split": "now", "geo_unit_id": list("ABCDE"), "region_id": ["N", "N", "S", "S", "S"]}),
        pd.DataFrame({"split": "prop", "geo_unit_id": list("ABCDE"), "region_id": ["N", "S", "S", "S", "S"]}),
    ], ignore_index=True)
    reps = pd.DataFrame({"rep_id": ["R1", "R2", "R3"], "region_id": ["N", "N", "S"], "capacity": [10.0, 10.0, 5.0]})
    customers = pd.DataFrame({"customer_id": [f"C{i}" for i in range(1, 7)],
                              "geo_unit_id": ["A", "A", "B", "B", "C", "D"],
                              "owner_rep_id": ["R1", "R1", "R2", "R2", "R1", "R3"],
                              "industry": ["x", "y", "x", "y", "x", "y"]})
    ownership = pd.concat([customers[["customer_id", "owner_rep_id"]].rename(columns={"owner_rep_id": "rep_id"}),
                           pd.DataFrame({"customer_id": ["C2"], "rep_id": ["R2"]})], ignore_index=True)
    d = pd.Timestamp
    transactions = pd.DataFrame({
        "customer_id": ["C1", "C2", "C3", "C3", "C5", "C6"],
        "date": [d("2025-10-01"), d("2025-10-01"), d("2025-03-01"), d("2024-01-01"), d("2025-10-01"), d("2025-10-01")],
        "amount": [100.0, 50.0, 20.0, 10.0, 30.0, 200.0],
        "geo_unit_id": ["A", "C", "B", "B", "C", "D"],
    })
    t0 = d("2025-11-01 09:00")
    interactions = pd.DataFrame({
        "customer_id": ["C1", "C2", "C5", "C6", "C6"], "rep_id": ["R1", "R1", "R1", "R3", "R3"],
        "opened_at": [t0] * 5,
        "first_response_at": [t0 + pd.Timedelta(hours=h) for h in (2, 4, 10, 6, 8)],
        "is_complaint": [False, True, False, True, False],
    })
    surveys = pd.DataFrame({"customer_id": ["C1", "C2", "C3", "C5", "C6"], "date": [d("2025-11-05")] * 5,
                            "csat": [5.0, 4.0, 5.0, 2.0, 3.0], "nps": [10.0, 9.0, 8.0, 3.0, 6.0],
                            "rep_id": ["R1", "R1", "R2", "R1", "R3"]})
    return Dataset(customers=customers, transactions=transactions, reps=reps, geo_units=geo_units, splits=splits,
                   interactions=interactions, surveys=surveys, ownership=ownership, as_of=AS_OF, current_split="now")


TIERS = pd.Series(["VIP", "Regular", "Regular", "Dormant", "Key", "VIP"], index=[f"C{i}" for i in range(1, 7)])


def _ev(**kw):
    kw.setdefault("min_responses", 2)
    kw.setdefault("fit_model", False)
    return regions.evaluate_split(_dataset(), TIERS, **kw)


def test_workload_hand_computed():
    ev = _ev()
    r = ev.per_rep.set_index("rep_id")
    # R1: C1 4 + C2 1 + C5 2; R2: C2 1 (second claim) + C3 1 + C4 0.3; R3: C6 4
    assert r["workload"].to_dict() == pytest.approx({"R1": 7.0, "R2": 2.3, "R3": 4.0})
    assert r["load_ratio"].to_dict() == pytest.approx({"R1": 0.7, "R2": 0.23, "R3": 0.8})
    assert r.loc["R1", "revenue"] == pytest.approx(180.0)  # C1 100 + C2 50 + C5 30 (primary owner)
    assert r.loc["R2", "revenue"] == pytest.approx(20.0)   # C3 in window; the 2024 order is not
    g = ev.per_region.set_index("region_id")
    assert g.loc["N", "workload"] == pytest.approx(6.3) and g.loc["N", "capacity"] == 20
    assert g.loc["S", "load_ratio"] == pytest.approx(6.0 / 5.0)
    assert ev.per_region["region_id"].iloc[0] == "S"  # most loaded first
    assert g.loc["S", "flagged"] and not g.loc["N", "flagged"]
    assert g.loc["N", "market_share"] == pytest.approx(20 / 60)
    s = ev.summary.iloc[0]
    loads = np.array([0.7, 0.23, 0.8])
    assert s["rep_load_max_mean"] == pytest.approx(0.8 / loads.mean())
    assert s["rep_load_cv"] == pytest.approx(loads.std() / loads.mean())
    assert s["share_reps_over_capacity"] == 0
    assert s["most_loaded_region"] == "S"


def test_service_hand_computed():
    sv = _ev().service.set_index("region_id")
    assert sv.loc["N", "csat"] == pytest.approx(14 / 3)
    assert sv.loc["S", "csat"] == pytest.approx(2.5)
    assert sv.loc["N", "csat_diff"] == pytest.approx(14 / 3 - 2.5)
    assert sv.loc["N", "nps"] == pytest.approx(200 / 3)
    assert sv.loc["S", "nps"] == pytest.approx(-100)
    assert sv.loc["N", "median_response_h"] == pytest.approx(3.0)
    assert sv.loc["N", "p90_response_h"] == pytest.approx(3.8)
    assert sv.loc["S", "median_response_h"] == pytest.approx(8.0)
    assert sv.loc["S", "p90_response_h"] == pytest.approx(9.6)
    assert sv.loc["N", "complaint_rate"] == pytest.approx(0.5)
    assert sv.loc["S", "complaint_rate"] == pytest.approx(1 / 3)
    assert sv.loc["N", "dormancy_rate"] == pytest.approx(0.5)  # C3 (order > 180 days ago), C4 (none)
    assert sv.loc["S", "dormancy_rate"] == 0
    assert (sv["warning"] == "").all()


def test_too_few_responses_warning():
    ev = _ev(min_responses=30)
    assert ev.service["warning"].str.contains("only").all()
    assert any("fewer than 30 CSAT answers" in w for w in ev.warnings)


def test_ownership_checks_hand_computed():
    ev = _ev()
    o = ev.ownership.set_index("check")
    assert o.loc["multi_owner", "count"] == 1 and o.loc["multi_owner", "ids"] == "C2"
    assert o.loc["owner_outside_region", "ids"] == "C5"
    assert o.loc["cross_region_buyer", "ids"] == "C2"
    assert o.loc["cross_region_buyer", "revenue_share"] == pytest.approx(50 / 410)
    assert o.loc["without_owner", "count"] == 0
    assert o.loc["orphan_unit", "count"] == 0
    assert o.loc["region_without_rep", "count"] == 0
    assert o.loc["core_not_with_original_rep", "count"] == 0
    assert set(ev.ownership_detail["check"]) == {"multi_owner", "owner_outside_region", "cross_region_buyer"}


def test_proposal_reassigns_and_measures_disruption():
    ev = _ev(split="prop")
    r = ev.per_rep.set_index("rep_id")
    # B moves to S: C3, C4 leave R2 for R3; C5 keeps its (already outside) owner R1; C2 keeps both claims
    assert r["workload"].to_dict() == pytest.approx({"R1": 7.0, "R2": 1.0, "R3": 5.3})
    assert r.loc["R3", "n_new_customers"] == 2
    a = ev.assignment.set_index("customer_id")
    assert a.loc["C3", "owner_rep_id"] == "R3" and a.loc["C3", "moved_owner"]
    d = ev.params["disruption"]
    assert d["share_region_changed"] == pytest.approx(2 / 6)
    assert d["share_owner_changed"] == pytest.approx(2 / 6)
    assert d["revenue_share_moved"] == pytest.approx(20 / 400)
    assert ev.summary["share_moved"].iloc[0] == pytest.approx(2 / 6)


def test_core_customers_rule():
    ds = _dataset()
    # move A (C1 is VIP, owned by R1 in N) to S
    split = pd.Series({"A": "S", "B": "N", "C": "S", "D": "S", "E": "S"}, name="moveA")
    ev = regions.evaluate_split(ds, TIERS, split, fit_model=False, min_responses=2)
    o = ev.ownership.set_index("check")
    assert o.loc["core_not_with_original_rep", "ids"] == "C1"
    ev2 = regions.evaluate_split(ds, TIERS, split, fit_model=False, min_responses=2, keep_core_owner=True)
    o2 = ev2.ownership.set_index("check")
    assert o2.loc["core_not_with_original_rep", "count"] == 0
    assert "C1" in o2.loc["owner_outside_region", "ids"].split(";")


def test_water_fill():
    from segment_lib.regions.ownership import _water_fill

    assert _water_fill(np.array([2.0, 0.0]), np.array([10.0, 10.0]), 4.0) == pytest.approx([1.0, 3.0])
    assert _water_fill(np.array([8.0, 0.0]), np.array([10.0, 10.0]), 2.0) == pytest.approx([0.0, 2.0])
    assert _water_fill(np.array([1.0]), np.array([5.0]), 0.0) == pytest.approx([0.0])


def test_fairness_targets_hand_computed():
    f = _ev().fairness.set_index("rep_id")
    assert f["flat_target"].to_dict() == pytest.approx({"R1": 160.0, "R2": 160.0, "R3": 80.0})
    assert f["region_target"].to_dict() == pytest.approx({"R1": 100.0, "R2": 100.0, "R3": 200.0})
    assert f["tier_target"].to_dict() == pytest.approx({"R1": 215.0, "R2": 35.0, "R3": 150.0})
    assert f["target"].to_dict() == pytest.approx({"R1": 146.0, "R2": 74.0, "R3": 180.0})
    # market-adjusted: region baseline = population share (N 20/60, S 40/60)
    fm = _ev(market_adjust=True).fairness.set_index("rep_id")
    assert fm.loc["R3", "region_target"] == pytest.approx(400 * 40 / 60)


def test_geometry_in_evaluation():
    ev = _ev(split=pd.Series({"A": "N", "B": "S", "C": "N", "D": "S", "E": "S"}, name="zigzag"))
    g = ev.geometry.set_index("region_id")
    assert not g.loc["N", "contiguous"] and not g.loc["S", "contiguous"]
    assert ev.summary["n_noncontiguous_regions"].iloc[0] == 2


# --- bad split inputs --------------------------------------------------------------------------


def test_unknown_geo_unit_is_an_error():
    with pytest.raises(DataContractError, match="not in geo_units"):
        _ev(split=pd.Series({"A": "N", "B": "N", "C": "S", "D": "S", "E": "S", "Z": "S"}))


def test_unassigned_unit_with_customers_is_an_error_or_listed():
    s = pd.Series({"A": "N", "B": "N", "C": "S", "E": "S"}, name="gap")
    with pytest.raises(DataContractError, match="without a region"):
        _ev(split=s)
    ev = _ev(split=s, on_unassigned="warn")
    assert any("have no region" in w for w in ev.warnings)
    g = ev.per_region.set_index("region_id")
    assert g.loc[regions.UNASSIGNED, "n_customers"] == 1
    assert ev.ownership.set_index("check").loc["orphan_unit", "ids"] == "D"
    assert ev.ownership.set_index("check").loc["without_owner", "count"] == 1  # C6's rep is not in its region
    # C6 leaves region S for "(unassigned)": a move, even though "(unassigned)" could be matched to S
    assert ev.params["disruption"]["share_region_changed"] == pytest.approx(1 / 6)
    assert ev.params["disruption"]["revenue_share_region_changed"] == pytest.approx(200 / 400)


def test_unassigned_unit_without_customers_is_listed():
    ev = _ev(split=pd.Series({"A": "N", "B": "N", "C": "S", "D": "S"}, name="noE"))
    assert ev.ownership.set_index("check").loc["orphan_unit", "ids"] == "E"
    assert any("E" in w and "no region" in w for w in ev.warnings)


def test_unknown_rep_is_an_error():
    with pytest.raises(DataContractError, match="not in the reps table"):
        _ev(split="now", rep_regions=pd.Series({"R1": "N", "R9": "S"}))


def test_region_without_rep_is_listed():
    ev = _ev(split=pd.Series({"A": "N", "B": "N", "C": "S", "D": "W", "E": "S"}, name="w"))
    o = ev.ownership.set_index("check")
    assert o.loc["region_without_rep", "ids"] == "W"
    assert o.loc["without_owner", "ids"] == "C6"
    assert np.isinf(ev.per_region.set_index("region_id").loc["W", "load_ratio"])
    assert ev.per_region["region_id"].iloc[0] == "W"
    assert any("without reps" in w for w in ev.warnings)


def test_duplicate_unit_in_split_table():
    df = pd.DataFrame({"geo_unit_id": ["A", "A"], "region_id": ["N", "S"]})
    with pytest.raises(DataContractError, match="twice"):
        _ev(split=df)


def test_unknown_split_name_and_tier_problems():
    with pytest.raises(DataContractError):
        _ev(split="nope")
    with pytest.raises(ConfigError, match="effort"):
        regions.evaluate_split(_dataset(), TIERS.replace("Key", "Gold"), fit_model=False)
    ev = regions.evaluate_split(_dataset(), TIERS.drop("C6"), fit_model=False, min_responses=2)
    assert any("1 customers have no tier" in w and "effort 1.0" in w for w in ev.warnings)
    # an untiered customer counts with effort 1.0 (measures.UNTIERED_EFFORT): S = C5 2 + C6 1
    assert ev.per_region.set_index("region_id").loc["S", "workload"] == pytest.approx(3.0)


def test_analysis_date_is_explicit_or_the_datasets():
    ds = _dataset()
    ds.as_of = None
    with pytest.raises(ModelInputError, match="analysis date"):
        regions.evaluate_split(ds, TIERS, fit_model=False, min_responses=2)
    ev = regions.evaluate_split(ds, TIERS, fit_model=False, min_responses=2, as_of=AS_OF)
    assert ev.per_rep.set_index("rep_id").loc["R2", "revenue"] == pytest.approx(20.0)  # the 2024 order is out
    # an explicit date overrides the dataset's: on 2025-06-30 only C3's March order is in the window
    from segment_lib.regions.prepare import _prepare

    early = _prepare(_dataset(), TIERS, fit_model=False, as_of=pd.Timestamp("2025-06-30"))
    assert early.as_of == pd.Timestamp("2025-06-30") and early.revenue.tolist() == [0, 0, 20, 0, 0, 0]


def test_over_capacity_flag_uses_the_tolerance():
    # S runs at 1.2x its capacity: flagged with the default tolerance (0.10), not with 0.25
    assert _ev().per_region.set_index("region_id").loc["S", "flagged"]
    ev = _ev(tolerance=0.25)
    assert not ev.per_region["flagged"].any() and ev.params["tolerance"] == 0.25


def test_compare_splits_and_score():
    ds = _dataset()
    cmp = regions.compare_splits(ds, TIERS, fit_model=False, min_responses=2)
    assert list(cmp["split"]) == ["now", "prop"]
    assert cmp["share_moved"].iloc[0] == 0
    assert ((cmp["score"] >= 0) & (cmp["score"] <= 100)).all()
    pen = cmp.filter(like="penalty_")
    w = regions.DEFAULT_WEIGHTS
    manual = 100 * (1 - sum(w[k] * pen[f"penalty_{k}"] for k in w) / sum(w.values()))
    assert np.allclose(cmp["score"], manual)
    only_balance = regions.compare_splits(ds, TIERS, weights={k: 0 for k in w} | {"balance": 1}, fit_model=False,
                                          min_responses=2)
    assert np.allclose(only_balance["score"], 100 * (1 - np.minimum(only_balance["rep_load_cv"] / 0.5, 1)))
    with pytest.raises(ConfigError):
        regions.compare_splits(ds, TIERS, weights={"beauty": 1}, fit_model=False)


def test_findings_put_overloaded_region_first():
    lines = regions.region_findings(_ev())
    assert lines[0].startswith("**S**")
    assert "1.20× capacity" in lines[0]


# --- demo data ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo():
    from segment_lib.demo import generate

    return generate(n_customers=5000, seed=7)


@pytest.fixture(scope="module")
def demo_eval(demo):
    tiers = demo.truth.set_index("customer_id")["true_tier"]
    return regions.evaluate_split(demo.dataset, tiers, extra_edges=[("HI", "GD")], random_state=0)


def test_demo_overloaded_region_flagged_first(demo, demo_eval):
    east = demo.truth_meta["overloaded_region"]
    pr = demo_eval.per_region
    assert pr["region_id"].iloc[0] == east and pr["flagged"].iloc[0]
    assert pr["flagged"].sum() == 1
    assert pr["load_ratio"].iloc[0] == pytest.approx(1.5, abs=0.1)
    assert regions.region_findings(demo_eval)[0].startswith(f"**{east}**")
    sv = demo_eval.service.set_index("region_id")
    assert sv.loc[east, "csat_diff_high"] < 0
    assert sv.loc[east, "median_response_h"] > sv.drop(index=east)["median_response_h"].max()


def test_demo_load_effect_negative_with_ci_excluding_zero(demo_eval):
    e = demo_eval.effects.set_index("outcome")
    assert e.loc["csat", "estimate"] < 0 and e.loc["csat", "ci_high"] < 0
    assert e.loc["nps", "ci_high"] < 0
    assert e.loc["first_response", "ci_low"] > 0
    assert e.loc["csat", "n_clusters"] >= 20


def test_demo_planted_ownership_problems_all_found(demo, demo_eval):
    t = demo.truth
    det = demo_eval.ownership_detail
    found = {c: set(det.loc[det["check"] == c, "id"]) for c in det["check"].unique()}
    assert found["multi_owner"] == set(t.loc[t["has_owner_conflict"], "customer_id"])
    assert found["cross_region_buyer"] == set(t.loc[t["is_cross_region"], "customer_id"])
    assert found["owner_outside_region"] == set(t.loc[t["owner_outside_region"], "customer_id"])


def test_demo_compare_splits(demo):
    tiers = demo.truth.set_index("customer_id")["true_tier"]
    cmp = regions.compare_splits(demo.dataset, tiers, extra_edges=[("HI", "GD")])
    assert list(cmp["split"])[0] == demo.dataset.current_split
    assert cmp.set_index("split").loc["proposal_a", "share_moved"] > 0
    assert cmp["n_noncontiguous_regions"].eq(0).all()


def test_unowned_customers_stay_listed_and_current_split_moves_nobody():
    ds = _dataset()
    ds.ownership = ds.ownership[ds.ownership["customer_id"] != "C4"]
    ds.customers.loc[ds.customers["customer_id"] == "C4", "owner_rep_id"] = None
    ev = regions.evaluate_split(ds, TIERS, fit_model=False, min_responses=2)
    assert ev.ownership.set_index("check").loc["without_owner", "ids"] == "C4"
    assert ev.summary["share_moved"].iloc[0] == 0
    assert ev.per_rep.set_index("rep_id").loc["R2", "workload"] == pytest.approx(2.0)  # C4's 0.3 is in no rep's
    assert ev.per_region.set_index("region_id").loc["N", "workload"] == pytest.approx(6.3)


def test_fast_disruption_matches_geo_disruption(demo):
    from segment_lib import geo

    tiers = demo.truth.set_index("customer_id")["true_tier"]
    ds = demo.dataset
    cur = regions.evaluate_split(ds, tiers, fit_model=False)
    # a proposal that also renames the regions: renaming must not count as a move
    s = ds.split("proposal_a").map(lambda r: f"new-{r}").rename("renamed")
    reps = ds.rep_regions().map(lambda r: f"new-{r}")
    ev = regions.evaluate_split(ds, tiers, s, fit_model=False, rep_regions=reps)
    a0 = cur.assignment.set_index("customer_id")
    a1 = ev.assignment.set_index("customer_id")
    from segment_lib.regions.prepare import _prepare

    rev = pd.Series(_prepare(ds, tiers, fit_model=False).revenue, index=a0.index)
    expected = geo.disruption(a0["region_id"].astype(str), a1["region_id"].astype(str),
                              a0["owner_rep_id"].astype(object), a1["owner_rep_id"].astype(object), rev,
                              match_labels=True)
    got = ev.params["disruption"]
    for k, v in expected.items():
        assert got[k] == pytest.approx(v), k
    assert 0 < got["share_region_changed"] < 0.5
