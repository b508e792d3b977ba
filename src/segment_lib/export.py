"""Take-away files of a run: one Excel workbook and the plans as CSV, next to the HTML reports.

::

    reports/<run>/tables.xlsx            sheets: tiers (every customer, with the reason), first to
                                         call, region scorecard, proposed split
    reports/<run>/split_comparison.csv   every split x region (02_regions)
    reports/<run>/proposed_split.csv     geo_unit_id, region_id, moved, from_region (03_rebalance)

Data flow: the runner sets ``ctx.outputs_dir`` on the run's :class:`~segment_lib.pipeline.RunContext`
before saving it; each view's ``build`` hands its take-away tables to :func:`keep`, which pickles
them there (nothing happens when a notebook runs by hand, without the runner).  After the
notebooks ran, the runner calls :func:`write_outputs`, which writes the files into the run's
build folder (so they are published atomically with the HTML) and returns the links the reports
and the index show.  :func:`write_workbook` also works on its own: ``write_workbook(ctx, path)``
(then only the tiers sheet, plus any ``tables`` given).

Privacy: personal columns (:attr:`segment_lib.contract.Column.private`: names, phones) appear only
when the config sets ``reports.show_personal_data: true``.  Formula injection: workbook cells are
written as typed strings (never formulas); in CSV files, text starting with ``=``, ``+``, ``-``,
``@``, tab or carriage return gets a leading apostrophe (:func:`neutralise`).  CSV files are
UTF-8 with a byte-order mark, so Excel shows Chinese text.
"""

from __future__ import annotations

import math
import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .contract import TABLES
from .i18n import MESSAGES, t

__all__ = [
    "COMPARISON_CSV",
    "PROPOSED_CSV",
    "SERVICE_COLUMNS",
    "WORKBOOK",
    "call_list",
    "keep",
    "kept",
    "neutralise",
    "proposed_split",
    "split_comparison",
    "tier_table",
    "write_csv",
    "write_outputs",
    "links",
    "write_workbook",
]

WORKBOOK = "tables.xlsx"
PROPOSED_CSV = "proposed_split.csv"
COMPARISON_CSV = "split_comparison.csv"
#: service measures copied into the split comparison when the evaluation has them
SERVICE_COLUMNS = ("csat", "nps", "complaint_rate", "median_response_h", "p90_response_h", "dormancy_rate",
                   "churn_rate")
_RISKY = ("=", "+", "-", "@", "\t", "\r")
_SHEETS = (("tiers", "export.sheet.tiers"), ("first_to_call", "export.sheet.first_to_call"),
           ("split_comparison", "export.sheet.scorecard"), ("proposed_split", "export.sheet.proposed"))
_PERCENT = {"complaint_rate", "dormancy_rate", "churn_rate"}


# ----------------------------------------------------------------------------------------------
# handing tables from the notebooks to the runner
# ----------------------------------------------------------------------------------------------

def keep(ctx: Any, section: str, **tables: pd.DataFrame) -> None:
    """Keep a view's take-away ``tables`` for the run's files (no-op outside a runner run)."""
    folder = getattr(ctx, "outputs_dir", None)
    if not folder:
        return
    path = Path(folder) / f"{section}.pkl"
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f".{path.name}.{os.getpid()}.part")  # the runner may read the folder meanwhile
    with open(part, "wb") as fh:
        pickle.dump(tables, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(part, path)


def kept(folder: str | Path | None) -> dict[str, pd.DataFrame]:
    """Every table kept in ``folder`` by :func:`keep` (name -> DataFrame)."""
    out: dict[str, pd.DataFrame] = {}
    if folder is None or not Path(folder).is_dir():
        return out
    for p in sorted(Path(folder).glob("*.pkl")):
        with open(p, "rb") as fh:
            out.update(pickle.load(fh))  # noqa: S301 - written by this run's own notebooks
    return out


# ----------------------------------------------------------------------------------------------
# the tables
# ----------------------------------------------------------------------------------------------

def _personal(ctx: Any) -> list[str]:
    """Private customer columns present in the data, when the config allows showing them."""
    if not ctx.config.reports.show_personal_data:
        return []
    cols = ctx.dataset.customers.columns
    return [c.name for c in TABLES["customers"].columns if c.private and c.name in cols]


def _customers(ctx: Any) -> pd.DataFrame:
    """customer_id, [personal columns], geo_unit_id, region_id (current split); without any geography in
    the data (e.g. a transactions-only export) the two geography columns are left out, not left empty."""
    ds = ctx.dataset
    if ds.customers["geo_unit_id"].isna().all():
        c = ds.customers[["customer_id", *_personal(ctx)]].copy()
        c["customer_id"] = c["customer_id"].astype(str)
        return c
    c = ds.customers[["customer_id", *_personal(ctx), "geo_unit_id"]].copy()
    c["customer_id"] = c["customer_id"].astype(str)
    if ds.splits.empty:  # units but no split: no region column to fill
        c["region_id"] = pd.Series(pd.NA, index=c.index, dtype="string")
        return c
    split = ds.split()
    split.index = split.index.astype(str)
    c["region_id"] = c["geo_unit_id"].astype(str).map(split)
    return c


def tier_table(ctx: Any) -> pd.DataFrame:
    """Every customer's tier with the reason (:func:`segment_lib.tiering.explain_tiers`), best tier first."""
    from .tiering import explain_tiers

    if not ctx.tiers.available:  # no tiers in this run: one group, and the reason on every row
        labels = ctx.tiers.labels
        why = pd.DataFrame({"customer_id": labels.index.astype(str), "tier": 0, "tier_label": labels.to_numpy(),
                            "explanation": f"no tiers: {ctx.tiers.reason}"})
    else:
        why = explain_tiers(ctx.tiers.model, ctx.features)[["customer_id", "tier", "tier_label", "explanation"]]
    why = why.assign(customer_id=why["customer_id"].astype(str))
    out = _customers(ctx).merge(why, on="customer_id", how="right")
    out = out.sort_values(["tier", "customer_id"], kind="stable").drop(columns="tier")
    return out.rename(columns={"tier_label": "tier", "explanation": "reason"}).reset_index(drop=True)


def call_list(ctx: Any, calls: pd.DataFrame, reasons: pd.DataFrame) -> pd.DataFrame:
    """The first-to-call list (:func:`segment_lib.tiering.first_to_call`) with rank, region and reason."""
    out = calls[["customer_id", "label_from", "label_to", "revenue_at_risk"]].copy()
    out["customer_id"] = out["customer_id"].astype(str)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    out = out.merge(_customers(ctx), on="customer_id", how="left")
    r = reasons[["customer_id", "explanation"]].assign(customer_id=reasons["customer_id"].astype(str))
    out = out.merge(r, on="customer_id", how="left")
    cols = ["rank", "customer_id", *_personal(ctx), "geo_unit_id", "region_id", "label_from", "label_to",
            "revenue_at_risk", "explanation"]
    out = out[[c for c in cols if c in out.columns]]  # (no geography: no geo columns)
    return out.rename(columns={"label_from": "tier_before", "label_to": "tier_now", "explanation": "reason"})


def split_comparison(evaluations: dict) -> pd.DataFrame:
    """One row per split and region: split, region_id, n_units, workload, capacity, load_ratio,
    contiguous, n_components and the service measures present (:data:`SERVICE_COLUMNS`)."""
    rows = []
    for name, ev in evaluations.items():
        pr = ev.per_region[["region_id", "n_units", "workload", "capacity", "load_ratio"]]
        geo = ev.geometry[["region_id", "contiguous", "n_components"]]
        svc_cols = [c for c in SERVICE_COLUMNS if c in ev.service.columns]
        part = pr.merge(geo, on="region_id", how="left").merge(ev.service[["region_id", *svc_cols]],
                                                                on="region_id", how="left")
        rows.append(part.assign(split=str(name)))
    out = pd.concat(rows, ignore_index=True)
    svc = [c for c in SERVICE_COLUMNS if c in out.columns and out[c].notna().any()]
    cols = ["split", "region_id", "n_units", "workload", "capacity", "load_ratio", "contiguous", "n_components", *svc]
    return out[cols]


def proposed_split(proposal: Any) -> pd.DataFrame:
    """geo_unit_id, region_id (proposed), moved, from_region (today's) of a proposal."""
    new = proposal.split.astype(str)
    cur = proposal.current.astype(str).reindex(new.index)  # all missing without a current split
    out = pd.DataFrame({"geo_unit_id": new.index.astype(str), "region_id": new.to_numpy(),
                        "moved": proposal.moved.reindex(new.index).to_numpy(dtype=bool),
                        "from_region": cur.to_numpy()})
    return out.sort_values(["moved", "geo_unit_id"], ascending=[False, True]).reset_index(drop=True)


# ----------------------------------------------------------------------------------------------
# writing
# ----------------------------------------------------------------------------------------------

def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@``, tab, CR first)
    gets a leading apostrophe; everything else is returned unchanged."""
    if isinstance(value, str) and value.startswith(_RISKY):
        return "'" + value
    return value


def write_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """``df`` as UTF-8-with-BOM CSV (Excel shows Chinese), text neutralised (:func:`neutralise`)."""
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            out[c] = out[c].map(neutralise)
    path = Path(path)
    out.to_csv(path, index=False, encoding="utf-8-sig")
    return path


def _width(values: list[Any], header: str) -> float:
    def w(v: Any) -> int:
        s = str(v)
        return len(s) + sum(1 for ch in s if ord(ch) > 0x2E80)  # CJK is twice as wide

    return min(60, max([w(header)] + [w(v) for v in values]) + 2)


class Workbook:
    """The run's Excel workbook, written sheet by sheet: :meth:`add` writes one take-away table,
    :meth:`close` finishes the file.  Sheet and column names are in the report language; cells are
    typed (numbers, dates, true/false, text written as text, never as a formula).  Uses xlsxwriter in
    constant-memory mode (each sheet is streamed out as it is written), so the runner writes the
    big tiers sheet while the notebooks run and adds the notebooks' tables after them."""

    def __init__(self, path: str | Path, lang: str):
        import xlsxwriter

        self.path, self.lang, self.keys = Path(path), lang, []
        self._wb = wb = xlsxwriter.Workbook(str(self.path), {
            "constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
            "strings_to_numbers": False, "nan_inf_to_errors": False})
        self._head = wb.add_format({"bold": True, "bg_color": "#E8EEF5", "border": 0, "text_wrap": True,
                                    "valign": "top"})
        self._fmts = {"pct": wb.add_format({"num_format": "0.0%"}), "ratio": wb.add_format({"num_format": "0.00"}),
                      "int": wb.add_format({"num_format": "#,##0"}), "num": wb.add_format({"num_format": "#,##0.00"}),
                      "date": wb.add_format({"num_format": "yyyy-mm-dd"})}

    def add(self, key: str, df: pd.DataFrame) -> None:
        """One sheet: ``key`` names it (:data:`_SHEETS`); sheets appear in the order added."""
        title = dict(_SHEETS)[key]
        fmts, df = self._fmts, df.reset_index(drop=True)
        ws = self._wb.add_worksheet(t(title, self.lang)[:31])
        headers = [_column_title(c, self.lang) for c in df.columns]
        kinds = [_kind(c, df[c]) for c in df.columns]
        sample = df.head(200)
        for j, (c, h) in enumerate(zip(df.columns, headers)):
            ws.set_column(j, j, _width(sample[c].tolist(), h), fmts.get(kinds[j]))
        ws.write_row(0, 0, headers, self._head)
        ws.freeze_panes(1, 0)
        cols = [df[c].tolist() for c in df.columns]
        for i in range(len(df)):
            for j, v in enumerate(cols):
                _write(ws, i + 1, j, v[i], kinds[j], fmts)
        ws.autofilter(0, 0, max(len(df), 1), max(len(df.columns) - 1, 0))
        self.keys.append(key)

    def close(self) -> Path:
        self._wb.close()
        return self.path


def start_workbook(ctx: Any, path: str | Path) -> Workbook:
    """The run's workbook with its first sheet, every customer's tier (:func:`tier_table`), written."""
    book = Workbook(path, ctx.config.reports.language)
    book.add("tiers", tier_table(ctx))
    return book


def write_workbook(ctx: Any, path: str | Path, tables: dict[str, pd.DataFrame] | None = None,
                   book: Workbook | None = None) -> Path:
    """One Excel workbook: the tiers sheet (from ``ctx``) and every other take-away table in ``tables``,
    in the order of :data:`_SHEETS`.  ``book``: one already started (:func:`start_workbook`) to finish."""
    tables = dict(tables or {})
    if book is None:
        book = Workbook(path, ctx.config.reports.language)
    if "tiers" not in book.keys:
        book.add("tiers", tables["tiers"] if "tiers" in tables else tier_table(ctx))
    for key, _title in _SHEETS:
        if key in tables and key not in book.keys:
            book.add(key, tables[key])
    return book.close()


def _column_title(col: str, lang: str) -> str:
    key = f"export.col.{col}"
    return t(key, lang) if key in MESSAGES else col


def _kind(col: str, s: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(s):
        return "bool"
    if pd.api.types.is_datetime64_any_dtype(s):
        return "date"
    if pd.api.types.is_integer_dtype(s):
        return "int"
    if pd.api.types.is_float_dtype(s):
        return "pct" if col in _PERCENT else "ratio" if col == "load_ratio" else "num"
    return "text"


def _write(ws: Any, i: int, j: int, v: Any, kind: str, fmts: dict) -> None:
    if v is None or v is pd.NA or (isinstance(v, float) and not math.isfinite(v)) or v is pd.NaT:
        ws.write_blank(i, j, None)
    elif kind == "bool" or isinstance(v, (bool, np.bool_)):
        ws.write_boolean(i, j, bool(v))
    elif kind == "date":
        ws.write_datetime(i, j, pd.Timestamp(v).to_pydatetime().replace(tzinfo=None), fmts["date"])
    elif isinstance(v, (int, float, np.integer, np.floating)):
        ws.write_number(i, j, float(v))
    else:
        ws.write_string(i, j, str(v))


def write_outputs(ctx: Any, folder: str | Path, kept_dir: str | Path | None = None,
                  book: Workbook | None = None) -> list[dict[str, str]]:
    """Write the run's take-away files into ``folder``; returns the links to show:
    ``[{"file", "label", "notebook"}]`` (notebook None: every report links it).  ``book``: the
    workbook started in ``folder`` (:func:`start_workbook`) while the notebooks ran."""
    folder, lang = Path(folder), ctx.config.reports.language
    tables = kept(kept_dir if kept_dir is not None else getattr(ctx, "outputs_dir", None))
    if "split_comparison" in tables:
        write_csv(tables["split_comparison"], folder / COMPARISON_CSV)
    if "proposed_split" in tables:
        write_csv(tables["proposed_split"], folder / PROPOSED_CSV)
    write_workbook(ctx, folder / WORKBOOK, tables, book=book)
    return links(tables, lang)


def links(tables: Any, lang: str) -> list[dict[str, str]]:
    """The take-away files of a run whose notebooks kept ``tables`` (names): ``[{"file", "label",
    "notebook"}]``, the workbook first (notebook None: every report links it; a CSV is linked from
    the notebook that keeps its table, so a report's links are known as soon as it has run)."""
    files = [{"file": WORKBOOK, "label": t("export.link.workbook", lang), "notebook": None}]
    if "split_comparison" in tables:
        files.append({"file": COMPARISON_CSV, "label": t("export.link.comparison", lang), "notebook": "02_regions"})
    if "proposed_split" in tables:
        files.append({"file": PROPOSED_CSV, "label": t("export.link.proposed", lang), "notebook": "03_rebalance"})
    return files
