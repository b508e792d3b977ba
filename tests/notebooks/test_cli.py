"""The segment-lib command line: progress lines, one-line errors, demo skip."""

import subprocess
import sys

from segment_lib.cli import main
from segment_lib.testing import small_config


def test_validate_prints_summary_and_warnings(tmp_path_factory, capsys):
    cfg = small_config(tmp_path_factory.getbasetemp() / "small_reports")
    assert main(["validate", "--config", str(cfg)]) == 0
    out = capsys.readouterr().out
    assert "loaded customers: 2,000 rows" in out
    assert "transactions" in out and "warning" in out


def test_errors_are_one_line_without_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "segment_lib.cli", "validate", "--config",
                           str(tmp_path / "missing.yaml")], capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: config file not found")
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1


def test_demo_data_skips_same_size_and_seed(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo-data", "--out", str(out), "--n-customers", "300", "--seed", "3"]) == 0
    assert (out / "customers.parquet").is_file()
    assert main(["demo-data", "--out", str(out), "--n-customers", "300", "--seed", "3"]) == 0
    assert "skipping" in capsys.readouterr().out


def test_wrong_column_mapping_is_a_clear_error_and_writes_no_report(tmp_path, capsys):
    """A config whose mapping names a header the export does not have: one clear line, no report."""
    import shutil
    from pathlib import Path

    import yaml

    root = Path(__file__).resolve().parents[2]
    data = tmp_path / "export"
    shutil.copytree(root / "data" / "sample_export", data)
    raw = yaml.safe_load((root / "config" / "sample_export.yaml").read_text(encoding="utf-8"))
    raw["data"]["dir"] = str(data)
    raw["data"]["sources"]["customers"]["columns"]["customer_id"] = "客户ID"  # the export says 客户编号
    raw["reports"] = {"dir": str(tmp_path / "reports")}
    cfg = tmp_path / "wrong.yaml"
    cfg.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")

    assert main(["run", "--config", str(cfg)]) == 1
    err = capsys.readouterr().err
    assert "customers.csv" in err and "customer_id" in err and "客户编号" in err  # file, column, what exists
    reports = tmp_path / "reports"
    assert not (reports / "index.html").exists()
    assert not any(p.suffix == ".html" for p in reports.rglob("*")) if reports.exists() else True


def test_a_typo_in_params_fails_validate_with_a_suggestion(small_cfg, tmp_path, capsys):
    """Every params key is typed: `segment-lib validate` names the dotted key and the closest valid one."""
    import yaml

    raw = yaml.safe_load(small_cfg.read_text(encoding="utf-8"))
    for section, key, right in [("tiering", "n_tier", "n_tiers"), ("rebalance", "tolerence", "tolerance"),
                                ("regions", "tier_efort", "tier_effort"), ("geo", "extra_edge", "extra_edges")]:
        bad = yaml.safe_load(yaml.safe_dump(raw))
        bad["params"].setdefault(section, {})[key] = 1
        cfg = tmp_path / f"typo_{section}.yaml"
        cfg.write_text(yaml.safe_dump(bad, allow_unicode=True), encoding="utf-8")
        assert main(["validate", "--config", str(cfg)]) == 1
        err = capsys.readouterr().err
        assert f"params.{section}.{key}: unknown key '{key}'; did you mean '{right}'?" in err, err
