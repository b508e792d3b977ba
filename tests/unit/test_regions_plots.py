"""Region charts and report tables: smoke tests on the small fixture."""

import pandas as pd
from matplotlib.figure import Figure

from segment_lib import regions
from segment_lib.plots import regions as rplots
from segment_lib.regions.tables import _fmt_ci

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


def test_report_tables_compact_intervals_and_money():
    ds = _dataset()
    cmp, evs = regions.compare_splits(ds, TIERS, min_responses=2, fit_model=False, return_evaluations=True)
    ev = evs["now"]
    t = regions.region_report_table(ev)
    s = regions.service_report_table(ev)
    assert list(t["Region"]) == list(s["Region"])
    cells = [v for c in ("Satisfaction, 1–5", "NPS") for v in t[c]] + [v for c in s.columns[1:] for v in s[c]]
    for v in cells:
        if v != "–":
            assert " " not in v, v  # only no-break spaces: never wraps inside a cell
            assert "(" in v and ("–" in v or "\u00a0to\u00a0" in v), v
    assert _fmt_ci([3.734], [3.71], [3.752]) == ["3.73\u00a0(3.71–3.75)"]
    assert _fmt_ci([0.081], [0.077], [0.085], pct=True) == ["8.1%\u00a0(7.7–8.5%)"]
    assert _fmt_ci([-15.2], [-17.1], [-13.0], nd=0) == ["\u221215\u00a0(\u221217\u00a0to\u00a0\u221213)"]
    f = regions.fairness_report_table(ev)
    assert all(str(v).startswith("¥") for v in f["Revenue"])
