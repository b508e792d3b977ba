"""Notebook regression tests: run every report notebook on a small demo through the runner.

- every notebook produces an offline HTML report and an executed notebook;
- headline metrics match ``metrics_snapshot.json`` (rel 1e-6 unless the snapshot says otherwise;
  regenerate with ``SEGMENT_LIB_UPDATE_SNAPSHOT=1 pytest tests/notebooks``);
- the HTML is reproducible (re-export = same page except the footer; nbval: same outputs);
- the tiering, regions and rebalance reports of one run use the same tiers;
- nbval re-executes the executed copies and compares outputs (``sanitize.cfg``);
- a failing notebook leaves the previous report intact and names the failing cell.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from segment_lib.errors import NotebookExecutionError
from segment_lib.runner import available_notebooks, export_html, remote_resources, run_reports
from segment_lib.testing import NOTEBOOKS_DIR, small_config

HERE = Path(__file__).parent
SNAPSHOT = HERE / "metrics_snapshot.json"
NOTEBOOKS = available_notebooks(NOTEBOOKS_DIR)
REL_TOL = 1e-6

FOOTER = re.compile(r'<footer class="sl-footer">.*?</footer>', re.S)
REMOTE = re.compile(r"<(script|link|img|iframe)\b[^>]*(src|href)\s*=\s*[\"']?(https?:)?//", re.I)


def test_notebooks_present():
    assert "00_overview" in NOTEBOOKS


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_report_files_and_offline(small_run, name):
    html_path = small_run / f"{name}.html"
    assert html_path.is_file() and (small_run / f"{name}.ipynb").is_file()
    page = html_path.read_text(encoding="utf-8")
    assert remote_resources(page) == []
    assert not REMOTE.search(page), REMOTE.search(page)
    assert "require.min.js" not in page and "MathJax.js" not in page
    srcs = re.findall(r"<img\b[^>]*\bsrc\s*=\s*[\"']([^\"']*)", page, re.I)
    assert all(s.startswith("data:image/") for s in srcs), [s[:40] for s in srcs if not s.startswith("data:")]
    # code is hidden and no error output leaked into the report
    assert not re.search(r'class="[^"]*jp-InputArea-editor', page)
    assert "Traceback" not in page
    body = FOOTER.sub("", page)
    assert str(small_run.parent) not in body, "absolute paths belong in the footer only"


def test_index_lists_every_report(small_run):
    index = (small_run.parent / "index.html").read_text(encoding="utf-8")
    assert remote_resources(index) == [] and not REMOTE.search(index)
    for name in NOTEBOOKS:
        assert f'href="{small_run.name}/{name}.html"' in index
    assert "customers" in index and "2,000" in index  # data summary


def _close(actual, expected, rel) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return actual == expected
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        if expected is None or actual is None:
            return expected is actual
        if math.isnan(expected) or math.isnan(actual):
            return math.isnan(expected) and math.isnan(actual)
        return math.isclose(actual, expected, rel_tol=rel, abs_tol=1e-12)
    if isinstance(expected, dict) and isinstance(actual, dict):
        return expected.keys() == actual.keys() and all(_close(actual[k], expected[k], rel) for k in expected)
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(_close(a, e, rel) for a, e in zip(actual, expected))
    return actual == expected


def test_metrics_snapshot(small_run):
    metrics = json.loads((small_run / "metrics.json").read_text(encoding="utf-8"))
    assert sorted(metrics) == NOTEBOOKS
    if os.environ.get("SEGMENT_LIB_UPDATE_SNAPSHOT"):
        snap = json.loads(SNAPSHOT.read_text(encoding="utf-8")) if SNAPSHOT.exists() else {}
        snap.update(metrics)
        SNAPSHOT.write_text(json.dumps(snap, sort_keys=True, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        pytest.skip("snapshot updated")
    snap = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    problems = []
    for nb, expected in snap.items():
        if nb.startswith("_") or nb not in metrics:
            continue  # notebook not present in this checkout
        tolerances = expected.get("_tolerance", {})
        for key, value in expected.items():
            if key == "_tolerance":
                continue
            if key not in metrics[nb]:
                problems.append(f"{nb}.{key}: missing")
            elif not _close(metrics[nb][key], value, tolerances.get(key, REL_TOL)):
                problems.append(f"{nb}.{key}: {metrics[nb][key]!r} != snapshot {value!r}")
    assert not problems, "\n".join(problems)


def test_html_export_is_reproducible(small_run):
    """A page depends only on its executed notebook: exporting it again gives the same bytes (footer
    aside).  With nbval below (re-executing gives the same outputs) this proves same inputs -> same
    pages, while the suite executes the notebooks only once through the runner."""
    run = json.loads((small_run / "run.json").read_text(encoding="utf-8"))
    files = {r["name"]: r["files"] for r in run["reports"]}  # the take-away links at the top
    for name in NOTEBOOKS:
        nb = nbformat.read(small_run / f"{name}.ipynb", as_version=4)
        again = export_html(nb, name, f"{run['title']} · run '{run['run_name']}'", "", files=files[name])
        published = (small_run / f"{name}.html").read_text(encoding="utf-8")
        assert FOOTER.sub("", again) == FOOTER.sub("", published), f"{name}.html is not reproducible"


def test_reports_of_one_run_use_the_same_tiers(small_run):
    """Tiering, regions and rebalance reports show the very same customer tiers (one fit per run)."""
    metrics = json.loads((small_run / "metrics.json").read_text(encoding="utf-8"))
    prints = {nb: m["tiers_fingerprint"] for nb, m in metrics.items() if "tiers_fingerprint" in m}
    assert sorted(prints) == ["01_tiering", "02_regions", "03_rebalance"]
    assert len(set(prints.values())) == 1, prints


def test_nbval_on_executed_copies(small_run, tmp_path):
    """nbval re-executes each executed notebook (metrics writing off) and compares its outputs."""
    from papermill.parameterize import parameterize_notebook

    copies = []
    for name in NOTEBOOKS:
        nb = nbformat.read(small_run / f"{name}.ipynb", as_version=4)
        injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
        params = {}
        exec(injected.source, {}, params)  # the values papermill injected
        params["metrics_path"] = None
        nb = parameterize_notebook(nb, params)
        out = tmp_path / f"{name}.ipynb"
        nbformat.write(nb, out)
        copies.append(str(out))
    env = dict(os.environ, PYTHONHASHSEED="0", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    # two nbval processes side by side (the rebalance notebook, the longest, alone in one)
    groups = [[c for c in copies if "rebalance" in c], [c for c in copies if "rebalance" not in c]]
    procs = [subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval",
         "--nbval-sanitize-with", str(HERE / "sanitize.cfg"), "--nbval-cell-timeout", "600",
         "--rootdir", str(tmp_path), *group],
        cwd=NOTEBOOKS_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    ) for group in groups if group]
    for proc in procs:
        out, err = proc.communicate(timeout=3600)
        assert proc.returncode == 0, out[-6000:] + err[-2000:]


def _notebook(cells: list[str]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook(metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}})
    first = nbformat.v4.new_code_cell('config_path = "x.yaml"\nmetrics_path = None',
                                      metadata={"tags": ["parameters"]})
    nb.cells = [nbformat.v4.new_markdown_cell("# Test report"), first] + [nbformat.v4.new_code_cell(c) for c in cells]
    return nb


def test_failed_notebook_keeps_previous_report(small_run, tmp_path):
    nbdir = tmp_path / "nbs"
    nbdir.mkdir()
    ok = ["from segment_lib import report\nreport.record_metrics(metrics_path, answer=42)", "print('hello')"]
    nbformat.write(_notebook(ok), nbdir / "00_ok.ipynb")
    bad = ["x = 1", "raise ValueError('planted failure')", "print('never')"]
    nbformat.write(_notebook(bad), nbdir / "01_bad.ipynb")
    cfg = small_config(small_run.parent.parent)
    reports = tmp_path / "reports"

    run = run_reports(cfg, notebooks=["00_ok"], notebooks_dir=nbdir, reports_dir=reports)
    before = {p.name: p.read_bytes() for p in run.iterdir()}
    index_before = (reports / "index.html").read_bytes()
    assert json.loads(before["metrics.json"]) == {"00_ok": {"answer": 42}}

    with pytest.raises(NotebookExecutionError) as info:
        run_reports(cfg, notebooks=["00_ok", "01_bad"], notebooks_dir=nbdir, reports_dir=reports)
    msg = str(info.value)
    assert "01_bad" in msg and "cell 4" in msg and "ValueError" in msg and "planted failure" in msg
    assert info.value.cell == 4 and info.value.ename == "ValueError"
    assert {p.name: p.read_bytes() for p in run.iterdir()} == before
    assert (reports / "index.html").read_bytes() == index_before
    assert not list(reports.glob(".building-*")) and not list(reports.glob(".old-*"))
    assert (reports / ".failed-demo" / "01_bad.ipynb").is_file()

    # a later successful run replaces the report and clears the failure copy
    run_reports(cfg, notebooks=["00_ok"], notebooks_dir=nbdir, reports_dir=reports)
    assert not (reports / ".failed-demo").exists()
