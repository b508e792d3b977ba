"""Take-away files (segment_lib.export), run history (segment_lib.history) and boundary maps."""

from __future__ import annotations

import json
import zipfile
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from segment_lib import boundaries, export, history


def _ctx(ds=None, personal=False, language="en"):
    reports = SimpleNamespace(language=language, show_personal_data=personal)
    return SimpleNamespace(config=SimpleNamespace(reports=reports), dataset=ds)


RISKY = ["=HYPERLINK(\"http://x\",\"y\")", "+86 138 0000", "-1+2", "@SUM(A1)", "\tx", "plain", "广东"]


def test_csv_is_utf8_bom_and_neutralises_formulas(tmp_path):
    df = pd.DataFrame({"text": RISKY, "n": np.arange(len(RISKY)) - 3.5})
    path = export.write_csv(df, tmp_path / "x.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False)
    assert back["text"].tolist()[:5] == ["'" + v for v in RISKY[:4]] + ["'\tx"]
    assert back["text"].tolist()[5:] == ["plain", "广东"]
    assert back["n"].tolist() == (np.arange(len(RISKY)) - 3.5).tolist()  # numbers stay numbers


def test_workbook_cells_are_text_never_formulas(tmp_path):
    import openpyxl

    tables = {"tiers": pd.DataFrame({"customer_id": ["C1", "C2"], "tier": ["VIP", "Key"], "reason": RISKY[:2]}),
              "proposed_split": pd.DataFrame({"geo_unit_id": ["=A1", "GD"], "region_id": ["-East", "South"],
                                              "moved": [True, False], "from_region": ["East", "South"]})}
    path = export.write_workbook(_ctx(), tmp_path / "t.xlsx", tables)
    with zipfile.ZipFile(path) as zf:
        xml = "".join(zf.read(n).decode("utf-8") for n in zf.namelist() if n.startswith("xl/worksheets/"))
    assert "<f>" not in xml  # no formula anywhere
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Tiers", "Proposed split"]
    ws = wb["Proposed split"]
    assert [c.value for c in ws[1]] == ["Area", "Region", "Moves", "Region today"]
    assert ws["A2"].value == "=A1" and ws["A2"].data_type == "s"
    assert ws["B2"].value == "-East" and ws["C2"].value is True
    assert wb["Tiers"]["C2"].value == RISKY[0] and wb["Tiers"]["C2"].data_type == "s"
    wb_zh = openpyxl.load_workbook(export.write_workbook(_ctx(language="zh"), tmp_path / "z.xlsx", tables))
    assert wb_zh.sheetnames == ["客户分层", "建议划分"]


def test_call_list_personal_data_only_when_allowed(demo5k):
    ds = demo5k.dataset
    ids = ds.customers["customer_id"].astype(str).head(3).tolist()
    calls = pd.DataFrame({"customer_id": ids, "label_from": "VIP", "label_to": "Key", "revenue_at_risk": [3.0, 2.0, 1.0]})
    reasons = pd.DataFrame({"customer_id": ids, "explanation": ["a", "b", "c"]})
    hidden = export.call_list(_ctx(ds), calls, reasons)
    assert list(hidden.columns) == ["rank", "customer_id", "geo_unit_id", "region_id", "tier_before", "tier_now",
                                    "revenue_at_risk", "reason"]
    shown = export.call_list(_ctx(ds, personal=True), calls, reasons)
    assert {"name", "phone"} <= set(shown.columns)
    assert shown["region_id"].notna().all() and shown["rank"].tolist() == [1, 2, 3]


def test_first_to_call_ranks_top_tier_downgrades_by_revenue_at_risk():
    from segment_lib.tiering import Migration, first_to_call

    moves = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "tier_from": [2, 0, 0, 1], "tier_to": [3, 1, 2, 2],
                          "label_from": ["R", "V", "V", "K"], "label_to": ["D", "K", "R", "R"],
                          "direction": "down"})
    mig = Migration(counts=pd.DataFrame(), shares=pd.DataFrame(), moves=moves, summary=pd.DataFrame())
    before = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "monetary_total": [900.0, 10.0, 50.0, 700.0]})
    out = first_to_call(mig, before)
    assert out["customer_id"].tolist() == ["c", "b", "d", "a"]
    assert out["revenue_at_risk"].tolist() == [50.0, 10.0, 700.0, 900.0]


def test_history_trend_over_four_quarters(tmp_path):
    for d, v, share in [("2025-03-31", 100, 0.20), ("2025-06-30", 110, 0.22), ("2025-09-30", 99, 0.25),
                        ("2025-12-31", 121, 0.24)]:
        assert history.record(tmp_path, "demo", d, {"00_overview": {"n_customers": v, "top_share_80": share,
                                                                    "largest_region": "East", "flag": True}}) == 2
    history.record(tmp_path, "demo", "2025-12-31", {"00_overview": {"n_customers": 120, "top_share_80": 0.24}})
    pts = history.points(tmp_path, "demo")
    assert [v for _, v in pts[("00_overview", "n_customers")]] == [100, 110, 99, 120]  # re-run replaced
    from segment_lib.index_page import _change_text

    run = {"run_name": "demo", "as_of": "2025-12-31"}
    tr = history.trends(tmp_path, run, {"00_overview": ["n_customers", "top_share_80", "largest_region"]}, _change_text)
    n = tr["00_overview"]["n_customers"]
    assert n["n"] == 4 and n["svg"].startswith("<svg") and n["svg"].count("<circle") == 5
    nb = "2025\u201109\u201130"  # non-breaking hyphens: the date does not wrap
    assert n["change"] == f"+21.2% since {nb}"
    assert tr["00_overview"]["top_share_80"]["change"] == f"-1.0 pt since {nb}"
    assert "largest_region" not in tr["00_overview"]
    zh = history.trends(tmp_path, run, {"00_overview": ["n_customers"]}, _change_text, lang="zh")
    assert zh["00_overview"]["n_customers"]["change"] == f"较{nb}+21.2%"
    assert history.sparkline_svg([1, 2, 3], 2, "t") == history.sparkline_svg([1, 2, 3], 2, "t")


def test_boundaries_match_codes_and_chinese_names_and_fall_back():
    codes = boundaries.unit_shapes(pd.DataFrame({"geo_unit_id": ["HA", "AH", "GD", "XJ"]}))
    assert sorted(codes.paths) == ["AH", "GD", "HA", "XJ"]
    lon, lat = codes.labels["GD"]
    assert codes.paths["GD"].contains_point((lon, lat)) and 20 < lat < 26
    names = boundaries.unit_shapes(pd.DataFrame({"geo_unit_id": ["广东", "广西壮族自治区", "河南省"]}))
    assert sorted(names.paths) == ["广东", "广西壮族自治区", "河南省"]
    assert len(names.background) == 34 - 3  # the other provinces, Taiwan, Hong Kong, Macau
    assert boundaries.unit_shapes(pd.DataFrame({"geo_unit_id": ["zip-10001", "zip-10002"]})) is None
    assert boundaries.unit_shapes(pd.DataFrame({"geo_unit_id": ["GD", "zip-10002"]})) is None  # all or none
    size = boundaries.BUILTIN.stat().st_size
    assert size < 300_000 and (boundaries.DATA / "china_provinces.LICENSE.txt").is_file()


def test_user_geojson_and_dot_map_fallback(tmp_path):
    from segment_lib.errors import ConfigError

    sq = lambda x: [[[x, 0], [x + 1, 0], [x + 1, 1], [x, 1], [x, 0]]]  # noqa: E731
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": f"U{i}"}, "geometry": {"type": "Polygon", "coordinates": sq(i)}}
        for i in range(3)]}
    path = tmp_path / "units.geojson"
    path.write_text(json.dumps(fc), encoding="utf-8")
    units = pd.DataFrame({"geo_unit_id": ["U0", "U1", "U2"]})
    s = boundaries.unit_shapes(units, path, "code")
    assert sorted(s.paths) == ["U0", "U1", "U2"] and s.labels["U1"] == pytest.approx((1.5, 0.5))
    with pytest.raises(ConfigError, match="no property 'zone'"):
        boundaries.unit_shapes(units, path, "zone")
    with pytest.raises(ConfigError, match="no file"):
        boundaries.use("missing.geojson", base=tmp_path)
    from segment_lib.plots import rebalance as pb

    cur = pd.Series(["A", "B", "B"], index=["U0", "U1", "U2"])
    new = pd.Series(["A", "A", "B"], index=["U0", "U1", "U2"])
    fig = pb.split_maps(units.assign(lat=0.5, lon=[0.5, 1.5, 2.5]), cur, new, moved=["U1"], boundaries=s)
    assert len(fig.axes[1].patches) == 1  # the moved unit hatched
    texts = [t.get_text() for t in fig.axes[1].texts]
    assert {"A", "B", "U1"} <= set(texts)
    dots = pb.split_maps(units.assign(lat=0.5, lon=[0.5, 1.5, 2.5], geo_unit_id=["z1", "z2", "z3"]),
                         cur.set_axis(["z1", "z2", "z3"]), new.set_axis(["z1", "z2", "z3"]), moved=["z2"])
    assert dots.axes[0].get_xlabel()  # the lat/lon dot map (axes shown)


def test_labels_never_overlap():
    from segment_lib.plots import maps, new_figure

    fig, ax = new_figure(figsize=(3, 3))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    drawn = maps.place_labels(ax, [{"x": 5, "y": 5, "text": "North"}, {"x": 5.1, "y": 5.1, "text": "East"},
                                   {"x": 1, "y": 9, "text": "West"}])
    assert drawn == ["North", "West"]
