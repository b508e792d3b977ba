"""The reports index page (``reports/index.html``): one section per run, one card per report with its
headline metrics in plain words, their trend over the runs' dates and the take-away files."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from .i18n import t

TEMPLATES_DIR = Path(__file__).with_name("templates")


def _atomic_write(path: Path, text: str) -> Path:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    return path


# --------------------------------------------------------------------------------------------
# Publishing
# --------------------------------------------------------------------------------------------

def _load_runs(reports_dir: Path) -> list[dict[str, Any]]:
    runs = []
    for p in sorted(reports_dir.glob("*/run.json")):
        if p.parent.name.startswith("."):
            continue
        try:
            runs.append(json.loads(p.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return runs


_SECTION_PREFIXES = ("overview_", "tiering_", "regions_", "rebalance_")


_MONEY_METRICS = ("revenue_12m", "rebalance_moved_revenue")


def _metric_label(key: str, language: str | None = None) -> str:
    """The plain label (with units) of a headline metric in ``language`` (``index.metric.<key>`` of
    :mod:`segment_lib.i18n`); other keys: no section prefix, no ``n_``, spaces for underscores."""
    from . import i18n

    if f"index.metric.{key}" in i18n.MESSAGES:
        return i18n.t(f"index.metric.{key}", lang=language if language in i18n.LANGUAGES else "en")
    for p in _SECTION_PREFIXES:
        if key.startswith(p):
            key = key[len(p):]
            break
    if key.startswith("n_"):
        key = key[2:]
    return key.replace("_", " ")


def _is_share(key: str) -> bool:
    return any(w in key for w in ("share", "percentile", "growth", "pct"))


def _metric_value(v: Any, key: str = "", language: str | None = None, currency: str | None = None) -> str:
    from . import i18n
    from .fmt import fmt_pct, fmt_value, money_text

    if key in _MONEY_METRICS and isinstance(v, (int, float)):
        return money_text(v, currency or "CNY", lang=language if language in i18n.LANGUAGES else "en")
    if isinstance(v, str):
        return str(i18n.name(v, language if language in i18n.LANGUAGES else "en"))
    if isinstance(v, float) and _is_share(key):
        s = fmt_pct(v, 1 if abs(v) < 0.1 else 0)
        return ("+" + s) if "growth" in key and v > 0 else s
    return fmt_value(v)


def _param_value(v: Any) -> str:
    """Config params for people: lists joined with commas, dicts as ``k v``."""
    if isinstance(v, dict):
        return ", ".join(f"{k} {_param_value(x)}" for k, x in v.items())
    if isinstance(v, (list, tuple)):
        return ", ".join(_param_value(x) for x in v)
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def headline_metrics(metrics: dict[str, Any], limit: int = 6) -> list[tuple[str, Any]]:
    """The (key, value) pairs a report card shows: the keys listed in ``metrics["headline"]`` in
    that order if the notebook recorded such a list, else the first scalar metrics by name."""
    def scalar(v: Any) -> bool:
        return isinstance(v, str) or (isinstance(v, (int, float)) and not isinstance(v, bool))

    keys = metrics.get("headline")
    if not isinstance(keys, list):
        keys = sorted(metrics)
    return [(k, metrics[k]) for k in keys if k in metrics and k != "headline" and scalar(metrics[k])][:limit]


def _files_title(lang: str | None = None) -> str:
    from .i18n import t

    return t("export.downloads", lang)


def _change_text(key: str, now: float, before: float) -> str:
    """The change of a metric between two runs: points for shares, else relative (or absolute)."""
    from .fmt import fmt_value

    if now == before:
        return "±0"
    if _is_share(key):
        return f"{(now - before) * 100:+.1f} pt"
    if before and abs(before) > 1e-12:
        return f"{(now - before) / abs(before):+.1%}"
    return ("+" if now - before >= 0 else "") + fmt_value(now - before)


def render_index(runs: list[dict[str, Any]], footer_html: str = "") -> str:
    """The reports/index.html page: one section per run, one card per report (with each headline
    metric's trend over the run's dates when ``runs`` carry ``trends``, see :func:`write_index`)."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["metric_label"] = _metric_label
    env.filters["t"] = lambda key, lang=None: t(key, lang if lang in ("en", "zh") else "en")
    env.filters["tf"] = lambda key, lang=None, **fields: t(key, lang if lang in ("en", "zh") else "en", **fields)
    env.filters["metric_value"] = _metric_value
    env.filters["headline"] = headline_metrics
    env.filters["param_value"] = _param_value
    tpl = env.get_template("index.html.j2")
    return tpl.render(runs=runs, footer=footer_html,
                      css=(TEMPLATES_DIR / "index.css").read_text(encoding="utf-8"))


def write_index(reports_dir: Path, footer_html: str = "") -> Path:
    """(Re)write ``reports_dir/index.html`` from every ``*/run.json``; atomic replace."""
    reports_dir = Path(reports_dir)
    from .history import attach_trends

    runs = attach_trends(reports_dir, _load_runs(reports_dir), headline_metrics, _change_text)
    markup = render_index(runs, footer_html)
    return _atomic_write(reports_dir / "index.html", markup)


