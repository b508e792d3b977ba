"""Hand-computed fixtures for the contiguity / compactness / disruption helpers in segment_lib.geo."""

import numpy as np
import pandas as pd
import pytest

from segment_lib import geo
from segment_lib.errors import DataContractError

KM_PER_DEG = 2 * np.pi * geo.EARTH_RADIUS_KM / 360  # at the equator


def _line_units():
    # A - B - C - D on the equator, one degree apart
    return pd.DataFrame({"geo_unit_id": list("ABCD"), "lat": 0.0, "lon": [0.0, 1.0, 2.0, 3.0],
                         "neighbors": ["B", "A;C", "B;D", "C"]})


def test_contiguity_components_and_extra_edges():
    units = _line_units()
    split = pd.Series({"A": "N", "B": "N", "C": "S", "D": "N"})
    c = geo.contiguity(split, geo_units=units).set_index("region_id")
    assert c.loc["N", "n_components"] == 2 and not c.loc["N", "contiguous"]
    assert c.loc["N", "detached_units"] == "D"
    assert c.loc["S", "contiguous"] and c.loc["S", "n_units"] == 1
    c2 = geo.contiguity(split, geo_units=units, extra_edges=[("D", "B")]).set_index("region_id")
    assert c2.loc["N", "contiguous"]


def test_contiguity_island_like_hainan():
    units = pd.DataFrame({"geo_unit_id": ["GD", "GX", "HI"], "lat": [23.1, 22.8, 20.0], "lon": [113.3, 108.3, 110.3],
                          "neighbors": ["GX", "GD", ""]})
    split = pd.Series({"GD": "South", "GX": "South", "HI": "South"})
    assert not geo.contiguity(split, geo_units=units)["contiguous"].iloc[0]
    assert geo.contiguity(split, geo_units=units, extra_edges=[("HI", "GD")])["contiguous"].iloc[0]


def test_compactness_equal_weights():
    units = _line_units()
    split = pd.Series({"A": "N", "C": "N", "B": "S", "D": "S"})
    c = geo.compactness(split, units).set_index("region_id")
    # A and C around centre lon 1: each 1 degree away
    assert c.loc["N", "centre_lon"] == pytest.approx(1.0)
    assert c.loc["N", "compactness_km"] == pytest.approx(KM_PER_DEG, rel=1e-9)


def test_compactness_customer_weighted():
    units = _line_units()
    split = pd.Series({"A": "N", "C": "N", "B": "S", "D": "S"})
    w = pd.Series({"A": 3.0, "C": 1.0, "B": 1.0, "D": 0.0})
    c = geo.compactness(split, units, w).set_index("region_id")
    # 3-D mean of unit vectors at lon 0 (x3) and lon 2: centre lon = atan2(sin 2°, 3 + cos 2°)
    clon = np.degrees(np.arctan2(np.sin(np.radians(2)), 3 + np.cos(np.radians(2))))
    assert c.loc["N", "centre_lon"] == pytest.approx(clon)
    expected = (3 * clon + 1 * (2 - clon)) / 4 * KM_PER_DEG
    assert c.loc["N", "compactness_km"] == pytest.approx(expected, rel=1e-9)
    # zero-weight unit D does not count: S is centred on B
    assert c.loc["S", "compactness_km"] == pytest.approx(0.0, abs=1e-6)


def test_compactness_unknown_unit():
    with pytest.raises(DataContractError):
        geo.compactness(pd.Series({"Z": "N"}), _line_units())


def test_disruption_hand_computed():
    idx = ["c1", "c2", "c3", "c4"]
    ra = pd.Series(["N", "N", "S", "S"], index=idx)
    rb = pd.Series(["N", "S", "S", "S"], index=idx)
    oa = pd.Series(["r1", "r2", "r3", "r4"], index=idx)
    ob = pd.Series(["r1", "r2", "r3", "r5"], index=idx)
    rev = pd.Series([10.0, 20.0, 30.0, 40.0], index=idx)
    d = geo.disruption(ra, rb, oa, ob, rev)
    assert d["share_region_changed"] == 0.25
    assert d["share_owner_changed"] == 0.25
    assert d["share_moved"] == 0.5
    assert d["revenue_share_region_changed"] == pytest.approx(0.2)
    assert d["revenue_share_owner_changed"] == pytest.approx(0.4)
    assert d["revenue_share_moved"] == pytest.approx(0.6)
    # renaming regions is not disruption when labels are matched
    renamed = rb.map({"N": "R1", "S": "R2"})
    d2 = geo.disruption(ra, renamed, oa, ob, rev, match_labels=True)
    assert d2["share_region_changed"] == 0.25
    d3 = geo.disruption(ra, renamed)
    assert d3["share_region_changed"] == 1.0 and np.isnan(d3["revenue_share_moved"])


def test_disruption_missing_owner_counts_as_change():
    idx = ["c1", "c2"]
    r = pd.Series(["N", "N"], index=idx)
    d = geo.disruption(r, r, pd.Series(["r1", None], index=idx), pd.Series(["r1", "r2"], index=idx))
    assert d["share_owner_changed"] == 0.5


def test_label_matching_prefers_own_names_and_never_maps_two_labels_onto_one():
    idx = ["c1", "c2", "c3"]
    ra = pd.Series(["N", "S", "S"], index=idx)
    rb = pd.Series(["N", "S", "(unassigned)"], index=idx)  # c3 leaves S; "(unassigned)" ties with S on overlap
    assert geo.match_region_labels(ra, rb).to_dict() == {"(unassigned)": "(unassigned)", "N": "N", "S": "S"}
    d = geo.disruption(ra, rb, match_labels=True)
    assert d["share_region_changed"] == pytest.approx(1 / 3)
    # a leftover label whose name is taken by another match matches nothing
    ra = pd.Series(["A", "A", "B"], index=idx)
    rb = pd.Series(["B", "B", "C"], index=idx)  # B -> A (2 customers), C -> B (1); nothing left over
    assert geo.match_region_labels(ra, rb).to_dict() == {"B": "A", "C": "B"}
    rb = pd.Series(["B", "B", "A"], index=["c1", "c2", "c3"])
    m = geo.match_region_labels(pd.Series(["A", "A", "A"], index=idx), rb)
    assert m.to_dict() == {"A": None, "B": "A"}
    assert geo.disruption(pd.Series(["A", "A", "A"], index=idx), rb, match_labels=True)["share_region_changed"] == (
        pytest.approx(1 / 3))


def test_disruption_categorical_and_na_owners_equal_plain_text():
    idx = [f"c{i}" for i in range(6)]
    ra = pd.Series(["N", "N", "S", "S", "S", "N"], index=idx)
    rb = pd.Series(["R1", "R2", "R2", "R2", "R1", "R1"], index=idx)
    oa = pd.Series(["r1", None, "r3", "r4", None, "r6"], index=idx, dtype="string")  # pd.NA for missing
    ob = pd.Series(["r1", "r2", "r3", "r9", None, "r6"], index=idx, dtype="string")
    rev = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], index=idx)
    plain = geo.disruption(ra, rb, oa.astype(object), ob.astype(object), rev, match_labels=True)
    cat = geo.disruption(ra.astype("category"), rb.astype("category"), oa.astype("category"),
                         ob.astype("category"), rev, match_labels=True)
    na = geo.disruption(ra, rb, oa, ob, rev, match_labels=True)
    assert plain == cat == na
    assert plain["share_owner_changed"] == pytest.approx(2 / 6)  # c1 gains an owner, c3 changes; c4 none->none
