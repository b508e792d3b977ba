"""Rebalance report helpers: the before/after chart's target band and the manager tables."""

import numpy as np
import pandas as pd

from segment_lib.plots import rebalance as rplots
from segment_lib.rebalance import tables


def _regions():
    cap = np.array([100.0, 200.0, 100.0])
    before = np.array([150.0, 150.0, 50.0])
    after = np.array([90.0, 170.0, 90.0])
    target = before.sum() * cap / cap.sum()  # 0.875 x capacity for every team
    return pd.DataFrame({"region_id": ["East", "North", "South"], "capacity": cap, "target": target,
                         "load_before": before, "load_after": after, "ratio_before": before / cap,
                         "ratio_after": after / cap, "deviation_after": after / target - 1,
                         "within_tolerance": [False, True, True], "contiguous": [True, True, True]})


def test_band_is_centred_on_the_target_ratio_and_behind_plain_bars():
    r = _regions()
    assert rplots.target_ratio(r) == 0.875
    fig = rplots.load_capacity_bars(r, 0.10)
    ax = fig.axes[0]
    band = [p for p in ax.patches if p.get_label().startswith("target range")]
    assert len(band) == 1
    bars = [p for p in ax.patches if p not in band]
    assert len(bars) == 6  # 3 today + 3 proposed, side by side, nothing stacked
    assert all(b.get_zorder() > band[0].get_zorder() for b in bars)
    xs = sorted(round(b.get_x(), 3) for b in bars)
    assert len(set(xs)) == 6  # no two bars drawn on top of each other
    lo, hi = ax.transData.inverted().transform(band[0].get_window_extent())[:, 1]
    assert np.isclose(lo, 0.875 * 0.9) and np.isclose(hi, 0.875 * 1.1)


def test_tables_are_formatted_for_managers():
    r = tables.regions_table(_regions(), 0.10)
    assert r["Capacity"].tolist() == [100, 200, 100]
    assert r["Load today"].tolist()[0] == "1.50×" and r["Within ±10%"].tolist()[0] == "no"
    m = tables.moves_table(pd.DataFrame({"geo_unit_id": ["HA"], "from_region": ["Central"], "to_region": ["North"],
                                         "load": [979.4], "accounts": [1097.0], "revenue": [5063512.07]}))
    assert m.iloc[0].tolist() == ["HA", "Central", "North", 979, 1097, "¥5.1M"]
    assert tables.money_text(-0.3) == "¥0" and tables.money_text(23948) == "¥23.9k"
