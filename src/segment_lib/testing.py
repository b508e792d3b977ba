"""Helpers for tests: a small demo dataset with its own config, and one cached report run.

``tests/notebooks`` and ``tests/browser`` both need executed reports; :func:`small_reports`
builds them once per process (module-level cache) so a full ``pytest`` run executes the
notebooks only once.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO_CONFIG = REPO_ROOT / "config" / "demo.yaml"
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
SMALL_N = 2000
SMALL_SEED = 7

_cache: dict[tuple, Path] = {}


def small_config(base: Path, n_customers: int = SMALL_N, seed: int = SMALL_SEED,
                 reports_dir: Path | None = None, language: str | None = None) -> Path:
    """Write a demo of ``n_customers`` into ``base/data`` and a config for it; returns the config path.

    The config is ``config/demo.yaml`` with the data folder, reports folder and demo size changed.
    """
    from .demo import write_demo

    base = Path(base)
    data = base / "data"
    if not (data / "demo.json").exists():
        write_demo(data, n_customers=n_customers, seed=seed)
    raw = yaml.safe_load(DEMO_CONFIG.read_text(encoding="utf-8"))
    raw["data"]["dir"] = str(data)
    raw["reports"]["dir"] = str(reports_dir or base / "reports")
    raw["demo"] = {"n_customers": n_customers, "seed": seed}
    cfg = base / "config.yaml"
    if language:  # the same data, reports in another language (its own config and reports folder)
        raw["reports"]["language"] = language
        raw["reports"]["dir"] = str(base / f"reports_{language}")
        raw["run_name"] = f"{raw['run_name']}_{language}"
        cfg = base / f"config_{language}.yaml"
    cfg.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return cfg


def small_reports(base: Path, notebooks: list[str] | None = None, language: str | None = None) -> Path:
    """Run every notebook in ``notebooks/`` (or ``notebooks``) on the small demo; cached per process.

    Returns the run folder (``<base>/reports/demo``).
    """
    from .runner import available_notebooks, run_reports

    names = tuple(notebooks or available_notebooks(NOTEBOOKS_DIR))
    key = (str(base), names, language)
    if key not in _cache:
        cfg = small_config(base, language=language)
        timeout = int(os.environ.get("SEGMENT_LIB_CELL_TIMEOUT", "900"))
        _cache[key] = run_reports(cfg, notebooks=list(names), notebooks_dir=NOTEBOOKS_DIR, timeout=timeout)
    return _cache[key]


def transactions_only_export(folder: Path) -> Path:
    """A store's export as users have it (GBK, Chinese headers, zero-padded member ids, integer YYYYMMDD
    dates; 600 rows, 59 customers) and a config mapping its three columns with ``lookback_days: all`` and ``reports.currency: USD``;
    returns the config path."""
    import numpy as np
    import pandas as pd

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rs = np.random.RandomState(0)
    ids = rs.randint(1, 60, 600)
    days = pd.Timestamp("2024-07-01") + pd.to_timedelta(rs.randint(0, 540, 600), unit="D")
    df = pd.DataFrame({"会员编号": [f"{i:06d}" for i in ids], "下单日期": days.strftime("%Y%m%d").astype(int),
                       "实付金额": np.round(rs.gamma(2, 50, 600) * (1 + (ids < 10) * 5), 2)})
    df.to_csv(folder / "tx.csv", index=False, encoding="gbk")
    cfg = folder / "cfg.yaml"
    cfg.write_text("""
data:
  sources:
    transactions:
      path: tx.csv
      columns: {customer_id: 会员编号, date: 下单日期, amount: 实付金额}
reports: {currency: USD}
params:
  lookback_days: all
  tiering: {stability_boot: 1}
""", encoding="utf-8")
    return cfg
