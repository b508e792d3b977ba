"""Helpers notebooks use to look good for a non-technical reader, and to record headline numbers.

Typical notebook use::

    from segment_lib import report
    report.setup()
    report.title("tiering")                # <key>.title and <key>.intro of segment_lib.i18n
    report.actions(view.actions)           # the "What to do" box, first
    report.section("tiering.tiers")        # heading + explanation from the catalogue
    report.kpis({"Customers": 20000, "Revenue (12 months)": 1.2e8})
    report.findings(["The top 18% of customers bring 80% of revenue."])
    report.table(df, caption="Customers per region")
    report.show(fig)                       # a Figure from segment_lib.plots.*
    report.warnings_box(dataset.warnings)
    with report.appendix():                # one collapsed "For analysts" <details> at the end
        report.table(k_scores)
    report.record_metrics(metrics_path, n_customers=20000, top_share_80=0.18)

Everything displayed is plain HTML with inline styles or PNG images, so it looks the same in
JupyterLab and in the exported offline HTML report, and is byte-for-byte reproducible
(no random ids, no timestamps).
"""

from __future__ import annotations

import html
import io
import json
import math
import os
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from numbers import Integral, Real
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import i18n, plots
from .fmt import fmt_pct, fmt_value  # noqa: F401  (report.fmt_value / fmt_pct: headline numbers)
from .i18n import t

# Palette for boxes (kept in one place so notebooks and the index page agree).
_BOX = {
    "finding": ("#F0F6FB", "#2F6690"),
    "warning": ("#FFF8E6", "#D1803C"),
    "ok": ("#EFF7F0", "#3A7D44"),
    "note": ("#F5F7FA", "#9AA5B1"),
}
_FONT = ("font-family: 'Noto Sans CJK SC', 'Noto Sans', 'Segoe UI', 'Helvetica Neue', Arial, sans-serif;")

_table_counter = 0
_capture: list[str] | None = None  # markup collected inside ``with appendix():``


def _display(obj: Any) -> None:
    from IPython.display import display

    display(obj)


def _html(markup: str) -> None:
    if _capture is not None:
        _capture.append(markup)
        return
    from IPython.display import HTML

    _display(HTML(markup))


def setup(dpi: int = 110) -> None:
    """Prepare a report notebook: house chart style, CJK font, pandas display options.

    Safe to call more than once.  Figures shown with :func:`show` are rendered as PNG at ``dpi``.
    """
    global _table_counter
    _table_counter = 0
    from ._exit import skip_final_collections

    skip_final_collections()  # the kernel exits without the final collections (papermill waits for it)
    plots.apply_style()
    import matplotlib

    matplotlib.rcParams["savefig.dpi"] = dpi
    matplotlib.rcParams["figure.max_open_warning"] = 0
    pd.set_option("display.max_columns", 30)
    pd.set_option("display.max_rows", 60)
    pd.set_option("display.width", 140)
    pd.set_option("display.float_format", lambda x: f"{x:,.2f}")
    try:  # inline figures as PNG (a Figure left as the last expression still renders)
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("png")
    except Exception:  # pragma: no cover - outside IPython
        pass


# --------------------------------------------------------------------------------------------
# Text boxes
# --------------------------------------------------------------------------------------------

def _inline_markup(text: str) -> str:
    """Escape ``text`` and turn ``**bold**`` into <strong>."""
    esc = html.escape(str(text), quote=False)
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", esc)


def _box_html(kind: str, title: str | None, lines: Sequence[str], icon: str = "") -> str:
    bg, border = _BOX[kind]
    items = "".join(f'<li style="margin:0.25em 0;">{_inline_markup(s)}</li>' for s in lines)
    head = (f'<div style="font-weight:700;font-size:1.05em;color:{border};margin-bottom:0.35em;">'
            f"{icon}{html.escape(title)}</div>") if title else ""
    body = f'<ul style="margin:0;padding-left:1.3em;">{items}</ul>' if items else ""
    return (f'<div class="sl-box sl-{kind}" style="{_FONT}background:{bg};border-left:5px solid {border};'
            f'border-radius:6px;padding:0.8em 1.1em;margin:0.8em 0;color:#243B53;font-size:0.98em;'
            f'line-height:1.5;max-width:60em;">{head}{body}</div>')


def findings(lines: Iterable[str], title: str | None = None) -> None:
    """Show a highlighted box of plain-language findings (``**bold**`` is allowed); the title
    defaults to "Key findings" in the report's language."""
    _html(_box_html("finding", title or t("common.key_findings"), list(lines)))


def actions(lines: Iterable[str], title: str | None = None) -> None:
    """The "What to do" box (行动建议) at the top of a report: numbered actions with their numbers."""
    lines = list(lines) or [t("common.no_actions")]
    bg, border = "#EFF7F0", "#3A7D44"
    items = "".join(f'<li style="margin:0.3em 0;">{_inline_markup(s)}</li>' for s in lines)
    _html(f'<div class="sl-box sl-actions" style="{_FONT}background:{bg};border:2px solid {border};'
          f'border-radius:8px;padding:0.8em 1.2em;margin:0.8em 0 1.2em 0;color:#243B53;font-size:1.02em;'
          f'line-height:1.55;max-width:60em;"><div style="font-weight:700;font-size:1.15em;color:{border};'
          f'margin-bottom:0.35em;">✔ {html.escape(title or t("common.what_to_do"))}</div>'
          f'<ol style="margin:0;padding-left:1.4em;">{items}</ol></div>')


def title(key: str, **fields: Any) -> None:
    """The report's title (``<key>.title``) and its one-paragraph introduction (``<key>.intro``,
    filled with ``fields``)."""
    intro = f"{key}.intro"
    para = (f'<p style="{_FONT}max-width:60em;color:#334E68;">{_inline_markup(t(intro, **fields))}</p>'
            if intro in i18n.MESSAGES else "")
    _html(f'<h1 class="sl-title" style="{_FONT}">{html.escape(t(key + ".title"))}</h1>{para}')


def section(key: str, **fields: Any) -> None:
    """A section heading (``<key>.title``) and, when the catalogue has one, its explanation
    (``<key>.text``, ``**bold**`` allowed), in the report's language."""
    text = f"{key}.text"
    para = (f'<p style="{_FONT}max-width:60em;color:#334E68;line-height:1.5;">'
            f"{_inline_markup(t(text, **fields))}</p>" if text in i18n.MESSAGES else "")
    _html(f'<h2 class="sl-section" style="{_FONT}">{html.escape(t(key + ".title", **fields))}</h2>{para}')


class appendix:
    """``with report.appendix(): ...``: everything displayed inside goes into one collapsed
    "For analysts" section (an HTML ``<details>`` element, closed by default, that survives the
    offline export because it is a single output)."""

    def __enter__(self) -> "appendix":
        global _capture
        self._outer, _capture = _capture, []
        return self

    def __exit__(self, *exc: Any) -> None:
        global _capture
        body, _capture = "".join(_capture or []), self._outer
        if exc[0] is not None:
            return
        _html(f'<details class="sl-appendix" style="{_FONT}margin:2em 0 1em 0;border-top:2px solid #D9E2EC;'
              f'padding-top:0.6em;max-width:70em;"><summary style="cursor:pointer;font-weight:700;'
              f'font-size:1.15em;color:#334E68;">{html.escape(t("common.analyst_appendix"))}'
              f'<span style="font-weight:400;font-size:0.8em;color:#829AB1;margin-left:0.8em;">'
              f'{html.escape(t("common.analyst_appendix_hint"))}</span></summary>{body}</details>')


def note(text: str, title: str | None = None) -> None:
    """Show a quiet grey box, e.g. "how to read this chart"."""
    _html(_box_html("note", title, [text]))


def warnings_box(warnings: Iterable[str] | None, title: str | None = None, max_items: int = 15) -> None:
    """Show data warnings (e.g. ``dataset.warnings``) in an amber box, or a green "no issues" box."""
    title = title or t("common.data_warnings")
    warnings = [str(w) for w in (warnings or [])]
    if not warnings:
        _html(_box_html("ok", t("common.data_ok_title"), [t("common.data_ok")]))
        return
    shown = warnings[:max_items]
    if len(warnings) > max_items:
        shown.append(t("common.more_warnings", n=len(warnings) - max_items))
    n = len(warnings)
    _html(_box_html("warning", f"{title} ({n})", shown, icon="⚠ "))


def kpis(values: Mapping[str, Any], notes: Mapping[str, str] | None = None) -> None:
    """Show headline numbers as tiles: ``{"Customers": 20000, "Top-20% share": "81%"}``.

    Numbers are formatted with :func:`fmt_value`; pass strings to control formatting.
    ``notes`` adds a small grey line under a tile.
    """
    notes = notes or {}
    tiles = []
    for k, v in values.items():
        sub = notes.get(k)
        sub_html = (f'<div style="font-size:0.78em;color:#829AB1;margin-top:0.2em;">{html.escape(sub)}</div>'
                    if sub else "")
        tiles.append(
            '<div style="flex:1 1 8.5em;min-width:8em;max-width:16em;background:#FFFFFF;border:1px solid #D9E2EC;'
            'border-radius:8px;padding:0.7em 0.9em;box-shadow:0 1px 2px rgba(16,42,67,0.06);">'
            f'<div style="font-size:0.8em;color:#627D98;text-transform:uppercase;letter-spacing:0.03em;">'
            f"{html.escape(str(k))}</div>"
            f'<div style="font-size:1.55em;font-weight:700;color:#102A43;margin-top:0.15em;">'
            f"{html.escape(fmt_value(v))}</div>{sub_html}</div>"
        )
    _html(f'<div class="sl-kpis" style="{_FONT}display:flex;flex-wrap:wrap;gap:0.8em;margin:0.8em 0;'
          f'max-width:60em;">{"".join(tiles)}</div>')


# --------------------------------------------------------------------------------------------
# Tables and figures
# --------------------------------------------------------------------------------------------

def _pretty(name: Any) -> str:
    s = str(name)
    return s.replace("_", " ") if s.isascii() else s


def table(
    df: pd.DataFrame,
    caption: str | None = None,
    precision: int = 2,
    percent: Sequence[str] | None = None,
    max_rows: int = 30,
    pretty_headers: bool = True,
    bars: Sequence[str] | None = None,
) -> None:
    """Show ``df`` as a clean, striped table.

    Integers get thousands separators, floats ``precision`` decimals, columns in ``percent``
    (default: columns whose name ends in "share") are shown as percentages, columns in ``bars``
    get an in-cell bar.  A RangeIndex is hidden.  At most ``max_rows`` rows are shown, with a
    note saying how many were left out.
    """
    global _table_counter
    _table_counter += 1
    n = len(df)
    shown = df.head(max_rows).copy()
    for c in shown.columns:  # data names (provinces, regions, tiers) in the reader's language
        if shown[c].dtype == object or pd.api.types.is_string_dtype(shown[c]):
            shown[c] = shown[c].map(i18n.name)
    if percent is None:
        percent = [c for c in shown.columns if str(c).endswith("share")]
    formats: dict[Any, Any] = {}
    for c in shown.columns:
        s = shown[c]
        if c in percent:
            formats[c] = lambda x, p=max(precision - 1, 0): "–" if pd.isna(x) else f"{x * 100:.{p}f}%"
        elif pd.api.types.is_bool_dtype(s):
            formats[c] = lambda x: "–" if pd.isna(x) else (t("common.yes") if x else t("common.no"))
        elif pd.api.types.is_integer_dtype(s):
            formats[c] = lambda x: "–" if pd.isna(x) else f"{int(x):,}"
        elif pd.api.types.is_float_dtype(s):
            formats[c] = lambda x, p=precision: "–" if pd.isna(x) else f"{x:,.{p}f}"
        elif pd.api.types.is_datetime64_any_dtype(s):
            formats[c] = lambda x: "–" if pd.isna(x) else (
                x.strftime("%Y-%m-%d") if (x.hour, x.minute, x.second) == (0, 0, 0) else x.strftime("%Y-%m-%d %H:%M"))
    styler = shown.style.format(formats, na_rep="–")
    styler.set_uuid(f"sl{_table_counter}")
    if pretty_headers:
        styler.format_index(_pretty, axis=1)
    if isinstance(shown.index, pd.RangeIndex):
        styler.hide(axis="index")
    for c in bars or []:
        if c in shown.columns:
            styler.bar(subset=[c], color="#BCD4E6", vmin=0)
    num_cols = [c for c in shown.columns if pd.api.types.is_numeric_dtype(shown[c])]
    text_cols = [c for c in shown.columns if c not in num_cols]
    if text_cols:
        styler.set_properties(subset=text_cols, **{"text-align": "left"})
        short = [c for c in text_cols if shown[c].astype(str).str.len().max() <= 16]
        if short:  # names and short labels stay on one line (no one-character-per-line CJK wrapping)
            styler.set_properties(subset=short, **{"white-space": "nowrap"})
    if num_cols:
        styler.set_properties(subset=num_cols, **{"text-align": "right", "font-variant-numeric": "tabular-nums"})
    styler.set_table_styles([
        {"selector": "", "props": f"{_FONT} border-collapse:collapse;margin:0.6em 0 1em 0;font-size:0.92em;"
                                  "color:#243B53;"},
        {"selector": "caption", "props": "caption-side:top;text-align:left;font-weight:700;font-size:1.05em;"
                                         "padding:0 0 0.4em 0;color:#102A43;"},
        {"selector": "th", "props": "background:#F0F4F8;color:#334E68;font-weight:600;text-align:left;"
                                    "padding:0.45em 0.8em;border-bottom:2px solid #BCCCDC;min-width:4.5em;"
                                    "vertical-align:bottom;"},
        {"selector": "td", "props": "padding:0.4em 0.8em;border-bottom:1px solid #E4E7EB;"},
        {"selector": "tbody tr:nth-child(even)", "props": "background:#FAFBFC;"},
    ])
    if caption:
        styler.set_caption(html.escape(caption))
    markup = f'<div class="sl-table" style="overflow-x:auto;max-width:100%;">{styler.to_html()}</div>'
    if n > max_rows:
        markup += (f'<div style="{_FONT}font-size:0.82em;color:#829AB1;margin:-0.6em 0 1em 0;">'
                   f"{html.escape(t('common.rows_shown', shown=max_rows, total=n))}</div>")
    _html(markup)


def figure_png(fig, dpi: int | None = None) -> bytes:
    """Render a Figure to PNG bytes reproducibly (no software/date metadata)."""
    import matplotlib

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi or matplotlib.rcParams["savefig.dpi"], facecolor="white",
                metadata={"Software": None})
    return buf.getvalue()


def show(fig, caption: str | None = None, dpi: int | None = None) -> None:
    """Display a Figure once as an embedded PNG (optionally with a caption) and free it."""
    from IPython.display import Image

    data = figure_png(fig, dpi)
    titles = [t for t in ([fig._suptitle.get_text()] if getattr(fig, "_suptitle", None) else [])
              + [ax.get_title(loc) for ax in fig.axes for loc in ("left", "center")] if t]
    alt = caption or "; ".join(dict.fromkeys(titles)) or t("common.chart")
    try:
        import matplotlib.pyplot as plt

        plt.close(fig)  # if it came from pyplot, stop the inline backend from showing it again
    except Exception:  # pragma: no cover
        pass
    if _capture is not None:
        import base64

        _html(f'<img src="data:image/png;base64,{base64.b64encode(data).decode()}" alt="{html.escape(alt)}" '
              'style="max-width:100%;">')
    else:
        _display(Image(data=data, format="png", alt=alt))
    if caption:
        _html(f'<div style="{_FONT}font-size:0.88em;color:#627D98;margin:-0.2em 0 1.2em 0;max-width:60em;">'
              f"{_inline_markup(caption)}</div>")


# --------------------------------------------------------------------------------------------
# Metrics
# --------------------------------------------------------------------------------------------

def _clean(v: Any) -> Any:
    """JSON-safe value with floats rounded to 6 significant digits and NaN/inf as null."""
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, Integral):
        return int(v)
    if isinstance(v, Real):
        x = float(v)
        if not math.isfinite(x):
            return None
        return float(f"{x:.6g}")
    if isinstance(v, (pd.Timestamp, np.datetime64)):
        return pd.Timestamp(v).isoformat()
    if isinstance(v, Mapping):
        return {str(k): _clean(x) for k, x in v.items()}
    if isinstance(v, pd.Series):
        return {str(k): _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, np.ndarray, pd.Index)):
        return [_clean(x) for x in list(v)]
    if v is None or v is pd.NA:
        return None
    if isinstance(v, (str, Path)):
        return str(v)
    raise TypeError(f"record_metrics: cannot store value of type {type(v).__name__}: {v!r}")


def record_metrics(path: str | os.PathLike | None, **values: Any) -> None:
    """Merge ``values`` into the JSON file at ``path`` (no-op when ``path`` is None).

    Floats are rounded to 6 significant digits, NaN becomes null, numpy/pandas scalars become
    plain JSON; keys are written sorted so the file is deterministic.  Returns None (so a
    notebook cell ending with it shows nothing).
    """
    if path is None:
        return
    path = Path(path)
    current: dict[str, Any] = {}
    if path.exists() and path.stat().st_size > 0:
        current = json.loads(path.read_text(encoding="utf-8"))
    current.update({k: _clean(v) for k, v in values.items()})
    text = json.dumps(current, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".metrics-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)
