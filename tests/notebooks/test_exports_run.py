"""`segment-lib run` on a transactions-only export (issue 11): the overview and tiering reports are
written, the region reports are listed on the index with the tables they need, exit code 0.
(The one papermill run of the issue-11 tests; everything else builds the views directly.)"""

import json

from segment_lib.cli import main
from segment_lib.testing import NOTEBOOKS_DIR, transactions_only_export


def test_transactions_only_run(tmp_path, capsys):
    cfg = transactions_only_export(tmp_path)
    assert main(["validate", "--config", str(cfg)]) == 0
    out = capsys.readouterr().out
    assert "reports that can run: Overview, Tiering" in out
    assert "not run: Regions needs customers, geo_units, reps and splits" in out
    assert main(["run", "--config", str(cfg), "--notebooks-dir", str(NOTEBOOKS_DIR),
                 "--reports-dir", str(tmp_path / "reports")]) == 0
    run = tmp_path / "reports" / "cfg"
    assert (run / "00_overview.html").is_file() and (run / "01_tiering.html").is_file()
    assert not (run / "02_regions.html").exists() and (run / "tables.xlsx").is_file()
    manifest = json.loads((run / "run.json").read_text(encoding="utf-8"))
    assert [s["name"] for s in manifest["skipped"]] == ["02_regions", "03_rebalance"]
    index = (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
    assert "not run: Regions needs customers, geo_units, reps and splits" in index
    overview = (run / "00_overview.html").read_text(encoding="utf-8")
    assert "Revenue, all history" in overview and "The data has no regions" in overview
    # reports.currency: USD -> every amount in dollars, none in yuan
    tiering = (run / "01_tiering.html").read_text(encoding="utf-8")
    for page in (overview, tiering):
        assert "$" in page and "¥" not in page
    # ... in the take-away workbook too: its tiers sheet is written by the runner's own process
    import pandas as pd

    reasons = pd.read_excel(run / "tables.xlsx", sheet_name=None, engine="calamine")
    text = " ".join(str(v) for df in reasons.values() for v in df.to_numpy().ravel())
    assert "$" in text and "¥" not in text
    # no geography in this export: no empty geo unit / region columns in the workbook
    for df in reasons.values():
        assert not any(df[c].isna().all() for c in df.columns), list(df.columns)
