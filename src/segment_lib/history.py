"""Headline numbers across runs: a small SQLite history in the reports folder, and the index's trends.

Every published run records its numeric metrics (``metrics.json``: notebook -> metric -> value) in
``reports/history.sqlite``, keyed by run name and analysis date (``as_of``); re-running the same run
for the same date replaces its rows.  A quarterly re-run (``segment-lib run --as-of 2025-03-31``,
then ``--as-of 2025-06-30`` ...) keeps one report folder per run name but a point per date here, so
the index can show each headline metric over the dates (:func:`trends`: an inline SVG sparkline and
the change since the previous date).  Everything is deterministic: no clock values enter a chart.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

__all__ = ["HISTORY_FILE", "attach_trends", "points", "record", "sparkline_svg", "trends"]

HISTORY_FILE = "history.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS metrics (
    run_name TEXT NOT NULL,
    as_of    TEXT NOT NULL,
    notebook TEXT NOT NULL,
    metric   TEXT NOT NULL,
    value    REAL NOT NULL,
    PRIMARY KEY (run_name, as_of, notebook, metric)
)
"""


def _connect(reports_dir: str | Path) -> sqlite3.Connection:
    con = sqlite3.connect(str(Path(reports_dir) / HISTORY_FILE), timeout=30)
    con.execute(_SCHEMA)
    return con


def _number(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v) if math.isfinite(float(v)) else None


def record(reports_dir: str | Path, run_name: str, as_of: str | None, metrics: dict[str, dict[str, Any]]) -> int:
    """Store the numeric metrics of one run (replacing that run's earlier rows for the same date).

    ``as_of``: ``YYYY-MM-DD`` (runs without a date are not recorded); returns the rows written."""
    if not as_of:
        return 0
    rows = [(run_name, as_of, nb, k, _number(v)) for nb, m in sorted(metrics.items()) for k, v in sorted(m.items())]
    rows = [r for r in rows if r[4] is not None]
    with closing(_connect(reports_dir)) as con, con:
        con.execute("DELETE FROM metrics WHERE run_name = ? AND as_of = ?", (run_name, as_of))
        con.executemany("INSERT INTO metrics VALUES (?, ?, ?, ?, ?)", rows)
    return len(rows)


def points(reports_dir: str | Path, run_name: str) -> dict[tuple[str, str], list[tuple[str, float]]]:
    """(notebook, metric) -> [(as_of, value), ...] by date, for one run name ({} without a history)."""
    if not (Path(reports_dir) / HISTORY_FILE).is_file():
        return {}
    with closing(_connect(reports_dir)) as con:
        rows = con.execute("SELECT notebook, metric, as_of, value FROM metrics WHERE run_name = ? "
                           "ORDER BY notebook, metric, as_of", (run_name,)).fetchall()
    out: dict[tuple[str, str], list[tuple[str, float]]] = {}
    for nb, k, d, v in rows:
        out.setdefault((nb, k), []).append((d, float(v)))
    return out


def sparkline_svg(values: list[float], current: int, title: str, width: int = 96, height: int = 22) -> str:
    """A small inline SVG line of ``values`` (equally spaced, oldest left) with point ``current`` marked."""
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1.0
    pad = 3.0
    n = len(values)
    xs = [pad + (width - 2 * pad) * (i / (n - 1) if n > 1 else 0.5) for i in range(n)]
    ys = [height - pad - (height - 2 * pad) * ((v - lo) / span if hi > lo else 0.5) for v in values]
    pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys))
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="1.6" class="pt"/>' for x, y in zip(xs, ys))
    cx, cy = xs[current], ys[current]
    from html import escape

    return (f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
            f'<polyline points="{pts}" fill="none" class="line"/>{dots}'
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3" class="now"/></svg>')


def trends(reports_dir: str | Path, run: dict[str, Any], keys: dict[str, list[str]],
           change_text: Callable[[str, float, float], str], lang: str = "en") -> dict[str, dict[str, dict]]:
    """notebook -> metric -> {"svg", "change", "n"} for the ``keys`` (notebook -> metric names) of one
    run manifest, when the history holds at least two dates for that metric.

    ``change_text(metric, now, before)`` formats the change (e.g. "+2.1 pt"); the text names the
    previous date ("+2.1 pt since 2025-06-30")."""
    from .i18n import t

    hist = points(reports_dir, run["run_name"])
    out: dict[str, dict[str, dict]] = {}
    for nb, metrics in keys.items():
        for k in metrics:
            pts = hist.get((nb, k), [])
            if len(pts) < 2:
                continue
            dates = [d for d, _ in pts]
            cur = dates.index(run["as_of"]) if run.get("as_of") in dates else len(pts) - 1
            title = t("trend.points", lang, n=len(pts), first=dates[0], last=dates[-1])
            if cur > 0:
                change = t("trend.change", lang, change=change_text(k, pts[cur][1], pts[cur - 1][1]),
                           date=dates[cur - 1].replace("-", "\u2011"))  # a date never wraps
            else:
                change = t("trend.first", lang)
            out.setdefault(nb, {})[k] = {"svg": sparkline_svg([v for _, v in pts], cur, title),
                                         "change": change, "n": len(pts)}
    return out


def attach_trends(reports_dir: str | Path, runs: list[dict[str, Any]], headline: Callable[[dict], list],
                  change_text: Callable[[str, float, float], str]) -> list[dict[str, Any]]:
    """Give every report card of ``runs`` (run manifests) its ``trends`` (see :func:`trends`) for the
    metrics ``headline(card metrics)`` picks (``[(key, value), ...]``)."""
    for run in runs:
        keys = {r["name"]: [k for k, _ in headline(r.get("metrics") or {})] for r in run.get("reports", [])}
        tr = trends(reports_dir, run, keys, change_text, lang=run.get("language") or "en")
        for r in run.get("reports", []):
            r["trends"] = tr.get(r["name"], {})
    return runs
