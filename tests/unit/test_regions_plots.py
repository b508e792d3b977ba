"""Region charts and the report tier source: smoke tests on the small fixture and the demo."""

import pandas as pd
import pytest
from matplotlib.figure import Figure

from segment_lib import regions
from segment_lib.plots import regions as rplots

from test_regions import TIERS, _dataset  # same directory (pytest prepends it to sys.path)


def test_charts_return_figures():
    ds = _dataset()
    cmp, evs = regions.compare_splits(ds, TIERS, min_responses=2, fit_model=False, return_evaluations=True)
    ev = evs["now"]
    for fig in (rplots.region_map(ev), rplots.load_vs_capacity(ev), rplots.satisfaction_vs_load(ev),
                rplots.satisfaction_vs_load(ev, "response"), rplots.split_comparison(cmp)):
        assert isinstance(fig, Figure)
    gap = regions.evaluate_split(ds, TIERS, pd.Series({"A": "N", "B": "N", "C": "S", "E": "S"}, name="gap"),
                                 on_unassigned="warn", fit_model=False, min_responses=2)
    assert isinstance(rplots.region_map(gap), Figure)
    assert isinstance(rplots.load_vs_capacity(gap), Figure)


def test_value_rule_tiers_hand_computed():
    t = regions.value_rule_tiers(_dataset(), shares=(0.25, 0.25))
    # buyers in the last 365 days by revenue: C6 200, C1 100, C2 50, C5 30, C3 20 -> ranks 1..5
    assert t["C6"] == "VIP" and t["C1"] == "Key" and t["C2"] == "Regular"
    assert t["C4"] == "Dormant"


@pytest.mark.slow
def test_report_tiers_from_tier_model_find_east():
    from segment_lib.demo import generate

    d = generate(n_customers=3000, seed=11)
    tiers, how = regions.tiers_for_report(d.dataset, {"method": "kmeans"})
    assert set(tiers.unique()) <= set(regions.DEFAULT_TIER_EFFORT)
    ev = regions.evaluate_split(d.dataset, tiers)
    assert ev.per_region["region_id"].iloc[0] == "East"
    e = ev.effects.set_index("outcome")
    assert e.loc["csat", "ci_high"] < 0


def test_report_tables_compact_intervals_and_money():
    ds = _dataset()
    cmp, evs = regions.compare_splits(ds, TIERS, min_responses=2, fit_model=False, return_evaluations=True)
    ev = evs["now"]
    t = regions.region_report_table(ev)
    s = regions.service_report_table(ev)
    assert list(t["Region"]) == list(s["Region"])
    cells = [v for c in ("CSAT, 1–5", "NPS") for v in t[c]] + [v for c in s.columns[1:] for v in s[c]]
    for v in cells:
        if v != "–":
            assert " " not in v, v  # only no-break spaces: never wraps inside a cell
            assert "(" in v and ("–" in v or "\u00a0to\u00a0" in v), v
    assert regions._fmt_ci([3.734], [3.71], [3.752]) == ["3.73\u00a0(3.71–3.75)"]
    assert regions._fmt_ci([0.081], [0.077], [0.085], pct=True) == ["8.1%\u00a0(7.7–8.5%)"]
    assert regions._fmt_ci([-15.2], [-17.1], [-13.0], nd=0) == ["\u221215\u00a0(\u221217\u00a0to\u00a0\u221213)"]
    f = regions.fairness_report_table(ev)
    assert all(str(v).startswith("¥") for v in f["Revenue"])
