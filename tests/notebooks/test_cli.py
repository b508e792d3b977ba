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
