"""segment_lib.report helpers and segment_lib.plots basics."""

import json

import numpy as np
import pandas as pd
import pytest

from segment_lib import plots, report
from segment_lib.plots import overview


def test_record_metrics_merges_rounds_and_sorts(tmp_path):
    p = tmp_path / "sub" / "metrics.json"
    assert report.record_metrics(None, a=1) is None
    report.record_metrics(p, zeta=1.23456789, alpha=np.int64(3))
    report.record_metrics(p, mid=np.float64(1234567.891), nan=float("nan"), flag=np.bool_(True),
                          nested={"b": 2.0000001, "a": [0.1234567, pd.Timestamp("2025-12-31")]})
    text = p.read_text()
    data = json.loads(text)
    assert data == {"alpha": 3, "flag": True, "mid": 1234570.0, "nan": None, "zeta": 1.23457,
                    "nested": {"a": [0.123457, "2025-12-31T00:00:00"], "b": 2.0}}
    assert list(data) == sorted(data)
    assert list(json.loads(text)["nested"]) == ["a", "b"]
    # rewriting the same values gives the same bytes
    report.record_metrics(p, zeta=1.23456789)
    assert p.read_text() == text


def test_table_html_is_deterministic(monkeypatch):
    shown = []
    monkeypatch.setattr(report, "_html", shown.append)
    df = pd.DataFrame({"region_id": ["East", "North"], "customers": [12000, 800], "share": [0.9375, 0.0625],
                       "revenue": [1234.5678, np.nan]})
    report.setup()
    report.table(df, caption="Customers <by> region")
    report.setup()
    report.table(df, caption="Customers <by> region")
    assert shown[0] == shown[1]
    h = shown[0]
    assert "12,000" in h and "93.8%" in h and "1,234.57" in h and "–" in h
    assert "Customers &lt;by&gt; region" in h
    assert "region id" in h  # pretty header


def test_boxes(monkeypatch):
    shown = []
    monkeypatch.setattr(report, "_html", shown.append)
    report.findings(["Top **18%** bring 80% <of> revenue"])
    report.warnings_box([])
    report.warnings_box([f"w{i}" for i in range(20)], max_items=5)
    report.kpis({"Customers": 20000, "Revenue": 1.5e8, "Share": "18%"})
    assert "<strong>18%</strong>" in shown[0] and "&lt;of&gt;" in shown[0]
    assert "Data checks passed" in shown[1]
    assert "Data warnings (20)" in shown[2] and "15 more" in shown[2]
    assert "20,000" in shown[3] and "150.0M" in shown[3] and "18%" in shown[3]


def test_fonts_and_label(monkeypatch):
    name = plots.setup_fonts()
    assert plots.CJK_AVAILABLE == (name is not None)
    monkeypatch.delenv("SEGMENT_LIB_LANGUAGE", raising=False)
    plots.set_language(None)  # an earlier report opened in this process may have set its config's language
    assert plots.language() == "en"  # English by default, like the reports' narrative
    assert plots.label("区域", "Region") == "Region"
    monkeypatch.setenv("SEGMENT_LIB_LANGUAGE", "zh")  # what the runner sets from reports.language
    assert plots.label("区域", "Region") == ("区域" if name else "Region")
    plots.set_language("en")
    assert plots.label("区域", "Region") == "Region"
    plots.set_language(None)
    with pytest.raises(ValueError, match="'en' or 'zh'"):
        plots.set_language("fr")


def test_overview_figures_render():
    from matplotlib.figure import Figure

    report.setup()
    counts = pd.DataFrame({"region_id": ["East", "North"], "customers": [3, 1], "share": [0.75, 0.25]})
    curve = pd.DataFrame({"customer_share": [0, 0.5, 1.0], "revenue_share": [0, 0.9, 1.0]})
    monthly = pd.DataFrame({"month": pd.date_range("2025-01-01", periods=6, freq="MS"),
                            "revenue": [1.0, 2, 3, 4, 5, 6]})
    def figs():
        return [overview.customers_per_region(counts),
                overview.customers_per_industry(counts.rename(columns={"region_id": "industry"})),
                overview.revenue_pareto(curve, top_share=0.4), overview.monthly_revenue(monthly)]

    # the same inputs give the same bytes (a report renders each figure once; constrained layout may
    # still move an annotation on a second draw of the *same* Figure, so build it anew)
    for f, again in zip(figs(), figs()):
        assert isinstance(f, Figure)
        png = report.figure_png(f)
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert report.figure_png(again) == png  # reproducible bytes


def test_headline_metrics_order():
    from segment_lib.index_page import headline_metrics

    m = {"b": 2, "a": 1.5, "flag": True, "sizes": {"x": 1}, "name": "East", "headline": ["name", "b", "zzz"]}
    assert headline_metrics(m) == [("name", "East"), ("b", 2)]
    del m["headline"]
    assert headline_metrics(m) == [("a", 1.5), ("b", 2), ("name", "East")]
