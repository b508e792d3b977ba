"""Executing one report notebook with papermill: the parameters it receives, the kernel's environment
(hash seed, language, threads) and failures as :class:`~segment_lib.errors.NotebookExecutionError` naming the
cell.  Used by :mod:`segment_lib.runner` (one at a time) and :mod:`segment_lib.notebook_pool` (side by side)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat

from .errors import NotebookExecutionError

KERNEL_NAME = "python3"


def _declares(nb_path: Path, name: str) -> bool:
    import papermill as pm

    return name in pm.inspect_notebook(str(nb_path))


def notebook_parameters(nb_path: Path, config_path: Path, metrics_path: Path | None,
                        context_path: Path | None = None, as_of: str | None = None) -> dict[str, Any]:
    """Parameters to inject into ``nb_path``: those of the run parameters its cell declares
    (``as_of`` only when the run overrides the config's analysis date)."""
    import papermill as pm

    declared = set(pm.inspect_notebook(str(nb_path)).keys())
    values = {"config_path": str(config_path),
              "metrics_path": None if metrics_path is None else str(metrics_path),
              "context_path": None if context_path is None else str(context_path)}
    if as_of is not None:
        values["as_of"] = str(as_of)
    return {k: v for k, v in values.items() if k in declared or k == "config_path"}


# --------------------------------------------------------------------------------------------
# Executing
# --------------------------------------------------------------------------------------------

_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@contextlib.contextmanager
def _kernel_env(language: str | None = None, threads: int | None = None) -> Iterator[None]:
    """Fixed hash seed (set/dict-of-str order) and the report language for kernels we start;
    ``threads``: OpenMP / BLAS threads per kernel when kernels run side by side (unless the
    user set them)."""
    keys = {"PYTHONHASHSEED": "0"}
    if threads:
        keys.update({v: str(threads) for v in _THREAD_VARS})
    old = {k: os.environ.get(k) for k in [*keys, "SEGMENT_LIB_LANGUAGE"]}
    for k, v in keys.items():
        os.environ.setdefault(k, v)
    if language:
        os.environ["SEGMENT_LIB_LANGUAGE"] = language
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _original_cell_number(nb_path: Path, source: str | None) -> int | None:
    """1-based position, in the notebook file, of the cell whose source is ``source``."""
    if not source:
        return None
    nb = nbformat.read(nb_path, as_version=4)
    for i, c in enumerate(nb.cells, 1):
        if c.cell_type == "code" and c.source.strip() == source.strip():
            return i
    return None


def execute_notebook(nb_path: Path, out_path: Path, parameters: dict[str, Any],
                     cwd: Path | None = None, timeout: int | None = None,
                     language: str | None = None) -> nbformat.NotebookNode:
    """Execute ``nb_path`` into ``out_path`` with papermill; failures become NotebookExecutionError.

    ``language`` ("en" or "zh") is handed to the kernel as ``SEGMENT_LIB_LANGUAGE`` and decides the
    language of chart labels (:func:`segment_lib.plots.label`).
    """
    with _kernel_env(language):
        return _execute(nb_path, out_path, parameters, cwd, timeout)


KERNEL_ARGS = ["--IPKernelApp.log_level=CRITICAL"]  # the kernel's start-up chatter ("running over TCP") is not for managers


def _execute(nb_path: Path, out_path: Path, parameters: dict[str, Any], cwd: Path | None,
             timeout: int | None, km: Any = None) -> nbformat.NotebookNode:
    """:func:`execute_notebook` without touching the environment (the caller set it up once:
    several of these run at the same time in :func:`run_reports`).  ``km``: a kernel already
    started for this notebook (:class:`~segment_lib.notebook_pool.WarmKernels`; the caller shuts it
    down), else papermill starts one."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    name = nb_path.stem
    try:
        return pm.execute_notebook(
            str(nb_path), str(out_path), parameters=parameters, kernel_name=KERNEL_NAME,
            cwd=str(cwd or nb_path.parent), progress_bar=False, log_output=False,
            execution_timeout=timeout, extra_arguments=KERNEL_ARGS, **({"km": km} if km is not None else {}),
            # written once at the end (and on a failure, with the error), not twice per cell: nobody
            # reads the half-run notebook of a run, and each write re-serialises every image so far
            request_save_on_cell_execute=False,
        )
    except PapermillExecutionError as exc:
        cell = _original_cell_number(nb_path, exc.source)
        first = next((ln.strip() for ln in (exc.source or "").splitlines() if ln.strip()), "")
        where = f"cell {cell}" if cell is not None else f"cell index {exc.cell_index}"
        err = NotebookExecutionError(
            f"notebook {name} failed in {where} (In [{exc.exec_count}]: {first[:80]}): "
            f"{exc.ename}: {exc.evalue}"
        )
        err.notebook, err.cell, err.cell_index = name, cell, exc.cell_index
        err.ename, err.evalue = exc.ename, exc.evalue
        raise err from exc
    except Exception as exc:  # kernel died, timeout, missing kernel, ...
        err = NotebookExecutionError(f"notebook {name} could not be executed: {type(exc).__name__}: {exc}")
        err.notebook, err.cell, err.cell_index, err.ename, err.evalue = name, None, None, type(exc).__name__, str(exc)
        raise err from exc
