"""Run the report notebooks with papermill and publish offline HTML reports.

``run_reports(config)`` executes each notebook (``notebooks/NN_name.ipynb``) with papermill,
exports it to HTML with the code hidden, and publishes::

    reports/
      index.html               every run: parameters, data summary, headline metrics, links
      <run>/<nb>.html          the report a manager reads (offline: images embedded, no CDN)
      <run>/<nb>.ipynb         the executed notebook, for analysts
      <run>/metrics.json       {notebook: {metric: value}} headline numbers (sorted keys)
      <run>/run.json           run manifest used to build the index
      <run>/tables.xlsx        take-away tables (segment_lib.export), plus split_comparison.csv and
                               proposed_split.csv when 02_regions / 03_rebalance ran
      history.sqlite           every run's numeric metrics by run name and as_of (segment_lib.history);
                               the index shows each headline metric over the dates

The run's data, features and tiers are computed once (:func:`segment_lib.pipeline.build_context`)
and saved in the build folder; every notebook opens that same context, so all reports of a run use
the same tiers.  Parameters injected into every notebook (its ``parameters`` cell declares them):

- ``config_path``: absolute path of the YAML config (the notebook reads its ``params`` from it);
- ``metrics_path``: where ``report.record_metrics`` writes that notebook's numbers;
- ``context_path``: the saved :class:`~segment_lib.pipeline.RunContext` of this run.

The notebooks are independent, so they execute side by side (``jobs``: one per usable core by
default, the slowest of the previous run first, each kernel on one OpenMP / BLAS thread); their
kernels are started ahead (:class:`~segment_lib.notebook_pool.WarmKernels`, the first ones while the
context is built) and each report's HTML is exported as soon as its notebook has run; the
published files do not depend on the order.

Publishing is atomic: the run is built in a hidden temporary folder inside ``reports/`` and moved
into place only when every notebook succeeded, so a failure leaves the previous report intact
and raises :class:`~segment_lib.errors.NotebookExecutionError` naming the notebook and cell.

Reproducibility: the HTML of a report depends only on the inputs; timings, dates and absolute
paths appear only in the page footer (``<footer class="sl-footer">``).
"""

from __future__ import annotations

import copy
import datetime as _dt
import html
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import nbformat

from . import __version__, notebook_pool
from .i18n import t
from .errors import ConfigError, NotebookExecutionError
from .index_page import _files_title, write_index
from .notebook_exec import _declares
from ._exit import LongLived

TEMPLATES_DIR = Path(__file__).with_name("templates")
_NB_NAME = re.compile(r"^\d\d_[A-Za-z0-9_]+$")

Progress = Callable[[str], None]


def _noop(_msg: str) -> None:
    pass


# --------------------------------------------------------------------------------------------
# Locating notebooks
# --------------------------------------------------------------------------------------------

def find_notebooks_dir(config_path: Path | None = None) -> Path:
    """The folder holding ``NN_name.ipynb`` report notebooks.

    Looked up in order: ``$SEGMENT_LIB_NOTEBOOKS``, ``./notebooks``, ``notebooks/`` next to or one
    level above the config file, and the source checkout this package runs from.
    """
    candidates: list[Path] = []
    if os.environ.get("SEGMENT_LIB_NOTEBOOKS"):
        candidates.append(Path(os.environ["SEGMENT_LIB_NOTEBOOKS"]))
    candidates.append(Path.cwd() / "notebooks")
    if config_path is not None:
        candidates += [config_path.parent / "notebooks", config_path.parent.parent / "notebooks"]
    candidates.append(Path(__file__).resolve().parents[2] / "notebooks")
    for c in candidates:
        if c.is_dir() and any(c.glob("[0-9][0-9]_*.ipynb")):
            return c.resolve()
    raise ConfigError("no report notebooks found (looked for NN_name.ipynb in: "
                      + ", ".join(str(c) for c in candidates) + "); set SEGMENT_LIB_NOTEBOOKS")


def available_notebooks(notebooks_dir: Path) -> list[str]:
    """Sorted names (without .ipynb) of the ``NN_name.ipynb`` notebooks in ``notebooks_dir``."""
    return sorted(p.stem for p in Path(notebooks_dir).glob("*.ipynb") if _NB_NAME.match(p.stem))


def _select_notebooks(requested: Sequence[str] | None, configured: Sequence[str] | None,
                      notebooks_dir: Path, progress: Progress) -> list[str]:
    present = available_notebooks(notebooks_dir)
    if requested:
        names = [Path(n).stem if n.endswith(".ipynb") else n for n in requested]
        missing = [n for n in names if n not in present]
        if missing:
            raise ConfigError(f"notebook(s) not found in {notebooks_dir}: {', '.join(missing)}; "
                              f"available: {', '.join(present) or 'none'}")
        return names
    if configured:
        names = [n for n in configured if n in present]
        for n in configured:
            if n not in present:
                progress(f"skipping {n}: {n}.ipynb not found in {notebooks_dir}")
        if not names:
            raise ConfigError(f"none of the configured notebooks ({', '.join(configured)}) exist in "
                              f"{notebooks_dir}")
        return names
    return present


# --------------------------------------------------------------------------------------------
# HTML export
# --------------------------------------------------------------------------------------------

_REMOTE_TAG = re.compile(
    r"<script\b[^>]*\bsrc\s*=\s*[\"']?(?:https?:)?//[^>]*>\s*</script>"
    r"|<link\b[^>]*\bhref\s*=\s*[\"']?(?:https?:)?//[^>]*>",
    re.IGNORECASE,
)


def remote_resources(markup: str) -> list[str]:
    """Every ``<script src=...>``/``<link href=...>`` tag in ``markup`` pointing at http(s) or //."""
    return [m.group(0) for m in _REMOTE_TAG.finditer(markup)]


def _report_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Copy of an executed notebook prepared for managers: no stderr, no empty code cells,
    cells tagged ``remove-cell``/``remove_cell`` dropped, ``remove-output`` outputs dropped."""
    nb = copy.deepcopy(nb)
    cells = []
    for c in nb.cells:
        tags = set(c.get("metadata", {}).get("tags", []))
        if tags & {"remove-cell", "remove_cell", "injected-parameters", "parameters"}:
            continue
        if c.cell_type == "code":
            if tags & {"remove-output", "remove_output"}:
                continue
            c.outputs = [o for o in c.get("outputs", [])
                         if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
            if not c.outputs:
                continue
        cells.append(c)
    nb.cells = cells
    # keep only what the HTML needs; papermill metadata holds timings and absolute paths
    nb.metadata = nbformat.from_dict({k: v for k, v in nb.metadata.items() if k in ("kernelspec", "language_info",
                                                                               "title")})
    return nb


def export_html(nb: nbformat.NotebookNode, name: str, run_label: str, footer_html: str,
                files: Sequence[dict[str, Any]] = (), back_text: str = "← All reports", lang: str = "en") -> str:
    """Offline HTML of an executed notebook with code and prompts hidden.

    ``files``: take-away files of the run linked at the top (``{"file", "label"}``, relative paths);
    ``back_text``: the link to the index; ``lang``: the page's ``lang`` attribute (browsers then pick
    Chinese fonts for zh)."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="lab",
        extra_template_paths=[str(TEMPLATES_DIR)],
        template_file="segment_report.html.j2",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        anchor_link_text="",
        language_code=lang if lang in ("en", "zh") else "en",
    )
    resources = {
        "metadata": {"name": name},
        "sl_css": (TEMPLATES_DIR / "report.css").read_text(encoding="utf-8"),
        "sl_run_label": run_label,
        "sl_footer": footer_html,
        "sl_back": back_text,
        "sl_files": list(files),
        "sl_files_title": _files_title(lang),
    }
    body, _ = exporter.from_notebook_node(_report_notebook(nb), resources=resources)
    body = _REMOTE_TAG.sub("", body)  # belt and braces: the template already loads nothing remote
    return body


def _publish(build: Path, target: Path) -> None:
    """Move the finished ``build`` folder to ``target``, replacing any previous run.

    ``os.replace`` cannot replace a non-empty folder, so the old run is first renamed aside
    (same filesystem, atomic), the new one renamed in, and the old one deleted; if the second
    rename fails the old run is put back.
    """
    old = None
    if target.exists():
        old = target.with_name(f".old-{target.name}-{os.getpid()}-{time.monotonic_ns()}")
        os.replace(target, old)
    try:
        os.replace(build, target)
    except BaseException:
        if old is not None:
            os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _data_summary(dataset) -> list[dict[str, Any]]:
    s = dataset.summary()
    return [{"table": r["table"], "rows": int(r["rows"]), "columns": int(r["columns"]),
             "source": Path(str(r["source"])).name if r["source"] else ""}
            for r in s.to_dict("records")]


def _footer(items: list[tuple[str, str]]) -> str:
    return " · ".join(f"{html.escape(k)}: {html.escape(v)}" for k, v in items)


def run_reports(
    config_path: str | os.PathLike,
    notebooks: Sequence[str] | None = None,
    run_name: str | None = None,
    progress: Progress | None = None,
    *,
    notebooks_dir: str | os.PathLike | None = None,
    reports_dir: str | os.PathLike | None = None,
    timeout: int | None = None,
    as_of: str | None = None,
    jobs: int | None = None,
) -> Path:
    """Execute the report notebooks for ``config_path`` and publish them; returns the run folder.

    ``notebooks``: names like ``["00_overview"]`` (default: the config's ``reports.notebooks``
    that exist, else every ``NN_name.ipynb``).  ``run_name`` defaults to the config's.
    ``progress`` receives one-line messages ("notebook 2/4: 01_tiering …").
    ``notebooks_dir``/``reports_dir`` override where notebooks are read / reports written
    (default: :func:`find_notebooks_dir` and the config's ``reports.dir``).
    ``timeout``: seconds allowed per cell (None = no limit).
    ``as_of``: the analysis date (``YYYY-MM-DD``), overriding the config's (e.g. quarterly re-runs);
    transactions and interactions dated after it are left out (``data.future_dates: drop``).
    ``jobs``: notebooks executed at the same time (None: ``$SEGMENT_LIB_JOBS``, else one per core,
    at most one per notebook).  The notebooks of a run are independent (each reads the saved
    context and writes its own files), so the published reports do not depend on ``jobs``.
    """
    from .config import load_config

    progress = progress or _noop
    started = time.perf_counter()
    config_path = Path(config_path).expanduser().resolve()
    cfg = load_config(config_path)
    if as_of is not None:  # the data as it was then: rows dated after as_of are left out
        cfg = cfg.with_overrides(as_of=as_of, future_dates="drop")
        as_of = pd_date(cfg.as_of)
    run = run_name or cfg.run_name
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", run):
        raise ConfigError(f"run_name '{run}' must be letters, digits, '_', '-', '.' (it names a folder)")
    nb_dir = Path(notebooks_dir).resolve() if notebooks_dir else find_notebooks_dir(config_path)
    names = _select_notebooks(notebooks, list(cfg.reports.notebooks or []), nb_dir, progress)
    out_root = Path(reports_dir).resolve() if reports_dir else Path(cfg.reports.dir)

    # kernels (and the template they are forked from) start first, while this process imports, loads
    # the data and builds the context; those of notebooks skipped for missing data are shut down
    # (``expect``), left-overs below
    warm = notebook_pool.WarmKernels(nb_dir, cfg.reports.language, notebook_pool.jobs_for(jobs, len(names)),
                                     len(names))
    long_lived = LongLived()  # what is alive now, after loading and after the context: frozen until the end
    skipped: list[dict[str, str]] = []

    def skip(reasons: dict[str, str | None]) -> list[str]:
        """The notebooks whose inputs are present; the others go to the index with the reason."""
        for n, why in reasons.items():
            if why:
                skipped.append({"name": n, "reason": why})
                progress(f"not running {n}: {why}")
        left = [n for n in names if not reasons.get(n)]
        if not left:
            raise ConfigError("no report can run on this data: " + "; ".join(x["reason"] for x in skipped))
        return left

    timings: dict[str, float] = {}
    build: Path | None = None  # the run's hidden build folder, once made
    book = None  # the workbook being started in the background (a Future)
    try:
        from . import export, history, pipeline
        from .io import load_dataset
        from .views import unmet

        # the run's language, currency and labels for what this process writes (the workbook's tier
        # reasons), as each notebook's open_report sets them in its kernel
        pipeline.configure_reading(cfg)
        long_lived.keep()
        dataset = load_dataset(cfg)
        long_lived.keep()
        for row in _data_summary(dataset):
            if row["rows"]:
                progress(f"loaded {row['table']}: {row['rows']:,} rows")
        for w in dataset.warnings:
            progress(f"data warning: {w}")
        names = skip({n: unmet(n, dataset) for n in names})
        warm.expect(len(names))
        out_root.mkdir(parents=True, exist_ok=True)
        build = Path(tempfile.mkdtemp(prefix=f".building-{run}-", dir=out_root))
        (build / "_metrics").mkdir()
        context_path = ctx = None
        if any(_declares(nb_dir / f"{n}.ipynb", "context_path") for n in names):
            t0 = time.perf_counter()
            ctx = pipeline.build_context(cfg, dataset=dataset)
            ctx.outputs_dir = str(build / "_takeaway")
            context_path = pipeline.save_context(ctx, build / "_context")
            timings["context"] = time.perf_counter() - t0
            progress(f"features and tiers: {len(ctx.features):,} customers, {ctx.tiers.source} "
                     f"({timings['context']:.1f}s)")
            names = skip({n: unmet(n, dataset, ctx.tiers) for n in names})
            warm.expect(len(names))
        warm.context_ready(context_path)  # forked kernels start now, with the context in memory
        long_lived.keep()
        n_jobs = notebook_pool.jobs_for(jobs, len(names))
        expected = notebook_pool.expected_seconds(out_root / run / "run.json")
        now = _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
        lang = cfg.reports.language
        pages: dict[str, dict[str, Any]] = {}

        def page(name: str, nb: nbformat.NotebookNode) -> None:
            """The report of a notebook that has just run (while the others still run): its links
            are the workbook and the file of the table it kept (export.links)."""
            files = export.links(export.kept(build / "_takeaway"), lang) if ctx is not None else []
            links = [{"file": f["file"], "label": f["label"]} for f in files if f["notebook"] in (None, name)]
            footer = _footer([(t("common.footer.generated", lang), now), ("segment_lib", __version__),
                              (t("common.footer.run", lang), run),
                              (t("common.footer.seconds", lang), f"{timings[name]:.1f}s"),
                              (t("common.footer.config", lang), str(config_path))])
            html_page = export_html(nb, name, t("common.run_label", lang, title=cfg.title, run=run), footer,
                                    files=links, back_text=t("common.back", lang), lang=lang)
            bad = remote_resources(html_page)
            if bad:  # pragma: no cover - guarded by the template and the substitution in export_html
                raise NotebookExecutionError(f"report {name} would load remote resources: {bad[:3]}")
            (build / f"{name}.html").write_text(html_page, encoding="utf-8")
            pages[name] = {"title": _notebook_title(nb) or name, "links": links}

        if ctx is not None:  # the tiers sheet (every customer) is written while the notebooks run
            from concurrent.futures import ThreadPoolExecutor

            one = ThreadPoolExecutor(max_workers=1, thread_name_prefix="workbook")
            book = one.submit(export.start_workbook, ctx, build / export.WORKBOOK)
            one.shutdown(wait=False)
        executed = notebook_pool.execute_all(names, nb_dir, build, config_path, context_path, as_of, timeout,
                                             lang, n_jobs, expected, timings, progress, on_done=page,
                                             kernels=warm)
        long_lived.keep()
        failure = next((executed[n] for n in names if isinstance(executed[n], NotebookExecutionError)), None)
        if failure is not None:
            name = failure.notebook
            failed = out_root / f".failed-{run}"
            shutil.rmtree(failed, ignore_errors=True)
            failed.mkdir()
            if (build / f"{name}.ipynb").exists():
                shutil.copy2(build / f"{name}.ipynb", failed / f"{name}.ipynb")
                failure.args = (f"{failure.args[0]} (executed notebook kept in {failed / (name + '.ipynb')}; "
                                f"previous report left unchanged)",)
            raise failure
        metrics: dict[str, Any] = {}
        for name in names:
            mpath = build / "_metrics" / f"{name}.json"
            metrics[name] = json.loads(mpath.read_text(encoding="utf-8")) if mpath.exists() else {}

        shutil.rmtree(build / "_metrics")
        shutil.rmtree(build / "_context", ignore_errors=True)
        files: list[dict[str, Any]] = []
        if ctx is not None:
            t0 = time.perf_counter()
            files = export.write_outputs(ctx, build, build / "_takeaway", book=book.result())
            shutil.rmtree(build / "_takeaway", ignore_errors=True)
            progress(f"take-away files: {', '.join(f['file'] for f in files)} ({time.perf_counter() - t0:.1f}s)")
        (build / "metrics.json").write_text(
            json.dumps(metrics, sort_keys=True, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

        reports = [{"name": name, "title": pages[name]["title"], "html": f"{run}/{name}.html",
                    "notebook": f"{run}/{name}.ipynb", "metrics": metrics.get(name, {}),
                    "files": pages[name]["links"]} for name in names]

        manifest = {
            "run_name": run,
            "title": cfg.title,
            "config": config_path.name,
            "as_of": None if dataset.as_of is None else str(pd_date(dataset.as_of)),
            "current_split": dataset.current_split,
            "language": cfg.reports.language,
            "currency": cfg.reports.currency,
            "params": cfg.params.to_dict(),
            "data": _data_summary(dataset),
            "warnings": list(dataset.warnings),
            "reports": reports,
            "skipped": skipped,
            "files": [{"file": f"{run}/{f['file']}", "label": f["label"]} for f in files],
            "volatile": {"generated": now, "seconds": round(time.perf_counter() - started, 1),
                         "notebook_seconds": {k: round(v, 1) for k, v in timings.items()},
                         "config_path": str(config_path), "segment_lib": __version__},
        }
        (build / "run.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False, default=str) + "\n",
                                        encoding="utf-8")
        for p in build.iterdir():
            os.chmod(p, 0o644)
        os.chmod(build, 0o755)
        _publish(build, out_root / run)
        warm.close()  # the notebooks' kernels have stopped meanwhile (shut down in the background)
    except BaseException:
        warm.close()
        long_lived.release()
        if book is not None:
            book.exception()  # wait until it stops writing into the folder removed below
        if build is not None:
            shutil.rmtree(build, ignore_errors=True)
        raise
    shutil.rmtree(out_root / f".failed-{run}", ignore_errors=True)
    history.record(out_root, run, manifest["as_of"], metrics)
    total = time.perf_counter() - started
    write_index(out_root, _footer([("generated", now), ("segment_lib", __version__),
                                   ("last run", f"{run} in {total:.1f}s")]))
    progress(f"reports written to {out_root / run} (index: {out_root / 'index.html'}) in {total:.1f}s")
    long_lived.release()
    return out_root / run


def pd_date(ts) -> str:
    """``YYYY-MM-DD`` of a timestamp-like value."""
    import pandas as pd

    return pd.Timestamp(ts).strftime("%Y-%m-%d")


def _notebook_title(nb: nbformat.NotebookNode) -> str | None:
    """The first Markdown ``# heading`` of the notebook, or the first ``<h1>`` a cell displayed
    (``report.title``)."""
    for c in nb.cells:
        if c.cell_type == "markdown":
            for line in c.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
        for o in c.get("outputs", []) if c.cell_type == "code" else []:
            m = re.search(r"<h1\b[^>]*>(.*?)</h1>", str(o.get("data", {}).get("text/html", "")), re.S)
            if m:
                return html.unescape(re.sub(r"<[^>]+>", "", m.group(1))).strip()
    return None
