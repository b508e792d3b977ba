"""The files a run leaves to take away (workbook, CSV plans), their links, and trends across runs."""

from __future__ import annotations

import json
import shutil

import openpyxl
import pandas as pd
import yaml

from segment_lib import history


def test_workbook_has_four_sheets_without_personal_data(small_run):
    wb = openpyxl.load_workbook(small_run / "tables.xlsx", read_only=True)
    assert wb.sheetnames == ["Tiers", "First to call", "Region scorecard", "Proposed split"]
    head = {ws.title: [c.value for c in next(ws.iter_rows(max_row=1))] for ws in wb.worksheets}
    assert head["Tiers"] == ["Customer", "Area", "Region", "Tier", "Why"]
    assert head["First to call"] == ["Rank", "Customer", "Area", "Region", "Tier before", "Tier now",
                                     "Revenue at risk", "Why"]
    assert head["Region scorecard"][:8] == ["Split", "Region", "Areas", "Workload", "Capacity", "Load ÷ capacity",
                                            "Contiguous", "Pieces"]
    assert "Satisfaction" in head["Region scorecard"]
    assert head["Proposed split"] == ["Area", "Region", "Moves", "Region today"]
    tiers = pd.DataFrame(list(wb["Tiers"].iter_rows(min_row=2, values_only=True)), columns=head["Tiers"])
    metrics = json.loads((small_run / "metrics.json").read_text(encoding="utf-8"))
    assert len(tiers) == sum(metrics["01_tiering"]["tiering_tier_sizes"].values())
    assert tiers["Why"].notna().all()
    calls = pd.DataFrame(list(wb["First to call"].iter_rows(min_row=2, values_only=True)), columns=head["First to call"])
    assert len(calls) == metrics["01_tiering"]["tiering_downgrades"]
    assert calls["Rank"].tolist() == list(range(1, len(calls) + 1))
    # the sample's names/phones never reach the file by default
    raw = (small_run / "tables.xlsx").read_bytes()
    assert b"phone" not in raw.lower()


def test_plans_as_csv_match_the_reports(small_run):
    comp_raw = (small_run / "split_comparison.csv").read_bytes()
    assert comp_raw.startswith(b"\xef\xbb\xbf")
    comp = pd.read_csv(small_run / "split_comparison.csv", encoding="utf-8-sig")
    assert list(comp.columns[:8]) == ["split", "region_id", "n_units", "workload", "capacity", "load_ratio",
                                      "contiguous", "n_components"]
    assert "csat" in comp.columns
    assert set(comp["split"]) == {"traditional", "proposal_a"}
    assert (comp.groupby("split")["n_units"].sum() == 31).all()
    assert ((comp["workload"] / comp["capacity"] - comp["load_ratio"]).abs() < 1e-9).all()
    metrics = json.loads((small_run / "metrics.json").read_text(encoding="utf-8"))
    east = comp[(comp["split"] == "traditional") & (comp["region_id"] == metrics["02_regions"]["most_loaded_region"])]
    assert abs(float(east["load_ratio"].iloc[0]) - metrics["02_regions"]["most_loaded_load_ratio"]) < 1e-4
    plan = pd.read_csv(small_run / "proposed_split.csv", encoding="utf-8-sig")
    assert list(plan.columns) == ["geo_unit_id", "region_id", "moved", "from_region"]
    assert len(plan) == 31 and plan["moved"].sum() == metrics["03_rebalance"]["rebalance_moved_units"]
    assert (plan["moved"] == (plan["region_id"] != plan["from_region"])).all()


def test_reports_and_index_link_the_files(small_run):
    pages = {p.stem: p.read_text(encoding="utf-8") for p in small_run.glob("*.html")}
    for name, page in pages.items():
        assert 'href="tables.xlsx"' in page, name
    assert 'href="split_comparison.csv"' in pages["02_regions"]
    assert 'href="proposed_split.csv"' in pages["03_rebalance"]
    assert "proposed_split.csv" not in pages["00_overview"]
    index = (small_run.parent / "index.html").read_text(encoding="utf-8")
    assert 'href="demo/tables.xlsx"' in index and 'href="demo/proposed_split.csv"' in index
    # the boundary maps, not the dot map (report.show puts the chart titles in the alt text)
    assert "Satisfaction by region" in pages["02_regions"]


def test_quarterly_runs_as_of_show_a_trend_on_the_index(small_run, tmp_path):
    """``segment-lib run --as-of`` at three earlier quarter ends (the data as it was then) plus the
    session's run at 2025-12-31: four points in the history, a trend on the index."""
    from segment_lib.cli import main
    from segment_lib.testing import NOTEBOOKS_DIR

    reports = tmp_path / "reports"
    shutil.copytree(small_run.parent, reports)
    cfg = yaml.safe_load((small_run.parent.parent / "config.yaml").read_text(encoding="utf-8"))
    cfg["reports"]["dir"] = str(reports)
    cfg["params"].setdefault("tiering", {})["n_tiers"] = 4  # a fixed k keeps this test quick
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    quarters = ["2025-03-31", "2025-06-30", "2025-09-30"]
    for q in quarters:
        assert main(["run", "--config", str(path), "--notebooks", "00_overview", "--as-of", q,
                     "--notebooks-dir", str(NOTEBOOKS_DIR)]) == 0
    run = json.loads((reports / "demo" / "run.json").read_text(encoding="utf-8"))
    assert run["as_of"] == "2025-09-30"
    pts = history.points(reports, "demo")[("00_overview", "n_transactions")]
    assert [d for d, _ in pts] == [*quarters, "2025-12-31"]
    values = [v for _, v in pts]
    assert values == sorted(values) and len(set(values)) == 4  # rows after each as_of were left out
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert index.count('<svg class="spark"') >= 4 and "4 runs, 2025-03-31 to 2025-12-31" in index
    assert "since 2025\u201106\u201130" in index
