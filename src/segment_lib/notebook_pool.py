"""Executing the notebooks of one run side by side (used by :func:`segment_lib.runner.run_reports`).

The notebooks of a run are independent: each opens the run's saved context and writes its own
executed notebook and metrics file, so they can run at the same time and the published reports do
not depend on the order.  ``jobs_for`` decides how many run at once, ``expected_seconds`` reads the
previous run's timings so the slowest notebook starts first, ``execute_all`` runs them (threads, each
driving its own kernel; each kernel on one OpenMP / BLAS thread when several run).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import ConfigError, NotebookExecutionError

Progress = Callable[[str], None]


def jobs_for(jobs: int | None, n_notebooks: int) -> int:
    """Notebooks run side by side: ``jobs``, else ``$SEGMENT_LIB_JOBS``, else the usable cores."""
    if jobs is None and os.environ.get("SEGMENT_LIB_JOBS"):
        try:
            jobs = int(os.environ["SEGMENT_LIB_JOBS"])
        except ValueError:
            raise ConfigError(f"SEGMENT_LIB_JOBS must be a whole number, got {os.environ['SEGMENT_LIB_JOBS']!r}") \
                from None
    if jobs is None:
        jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if jobs < 1:
        raise ConfigError(f"jobs must be at least 1, got {jobs}")
    return max(1, min(int(jobs), n_notebooks))


def expected_seconds(manifest: Path) -> dict[str, float]:
    """Each notebook's seconds in the previous run of the same name (to start the longest first);
    without one (a first run, a new run name), the newest other run in the same reports folder."""
    others = sorted((p for p in manifest.parent.parent.glob("*/run.json")
                     if p.parent.name != manifest.parent.name and not p.parent.name.startswith(".")),
                    key=_mtime, reverse=True)
    for path in [manifest, *others]:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return {str(k): float(v) for k, v in data["volatile"]["notebook_seconds"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue
    return {}


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


class WarmKernels:
    """Kernels started before their notebooks, so a notebook does not wait for its kernel to start.

    Where possible kernels are forked from a template process (:mod:`segment_lib.kernel_fork`) that
    starts at once and imports the libraries while the runner loads the data; when the run's context
    is saved (:meth:`context_ready`) the template reads it and one kernel per slot is forked (in
    milliseconds, with the context in memory).  Otherwise ordinary kernels start at once, one per
    slot, while the context is built.  Each time a notebook takes a kernel, another is started for a
    notebook still to come.  Kernels start in a background thread (the caller never waits for one
    before it needs it) with the environment, working folder and arguments papermill would give them
    (:func:`~segment_lib.notebook_exec._kernel_env`); :meth:`stop` shuts one down in the background;
    :meth:`close` shuts down those left over, stops the template and waits for every kernel to exit.
    """

    def __init__(self, nb_dir: Path, language: str | None, jobs: int, notebooks: int):
        from concurrent.futures import ThreadPoolExecutor

        from . import kernel_fork
        from .notebook_exec import _kernel_env

        with _kernel_env(language, threads=1 if jobs > 1 else None):
            self._env = dict(os.environ)
        self._nb_dir, self._left, self._spare = nb_dir, notebooks, []
        self._lock = threading.Lock()
        self._starter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kernel-start")
        self._stopper = ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="kernel-stop")
        self._stops: list[Any] = []
        self._template = None
        self._jobs, self._started = jobs, False
        if kernel_fork.enabled() and notebooks > 0:
            try:
                self._template = kernel_fork.Template(self._env, nb_dir)
            except OSError:  # pragma: no cover - cannot start a process: kernels start the usual way
                self._template = None
        if self._template is None:  # ordinary kernels take a second to start: start them now
            self.context_ready(None)

    def context_ready(self, context_path: Path | None) -> None:
        """The run's context is saved (None: the notebooks do not use one): forked kernels start now,
        after the template has read the context (they inherit it in memory).  Ordinary kernels
        started at once."""
        with self._lock:
            if self._started:
                return
            self._started = True
            if context_path is not None and self._template is not None:
                self._starter.submit(self._preload, context_path)
            for _ in range(min(self._jobs, self._left)):
                self._start()

    def _preload(self, context_path: Path) -> None:
        try:
            self._template.preload(context_path)
        except RuntimeError:  # each kernel reads the context itself
            pass

    def _start(self) -> None:
        self._spare.append(self._starter.submit(self._new))

    def _new(self) -> Any:
        from . import kernel_fork
        from .notebook_exec import KERNEL_ARGS, KERNEL_NAME

        km = kernel_fork.kernel_manager(KERNEL_NAME, self._template)
        km.start_kernel(cwd=str(self._nb_dir), env=self._env, extra_arguments=list(KERNEL_ARGS))
        return km

    @staticmethod
    def _stop(fut: Any) -> None:
        if fut.cancel():  # not started yet
            return
        try:
            fut.result().shutdown_kernel(now=True)
        except Exception:  # noqa: BLE001 - a kernel that failed to start has nothing to stop
            pass

    def expect(self, notebooks: int) -> None:
        """The run executes ``notebooks`` notebooks after all (the others' data is missing): no kernel
        is started for the skipped ones, and those already started beyond that are shut down."""
        with self._lock:
            self._left = notebooks
            while len(self._spare) > notebooks:
                self._stop(self._spare.pop())

    def take(self) -> Any:
        """A started kernel for the next notebook (None: none left or it failed to start; papermill
        then starts one)."""
        if not self._started:
            self.context_ready(None)
        with self._lock:
            if not self._spare:
                return None
            fut = self._spare.pop(0)
            self._left -= 1
            if self._left > len(self._spare):
                self._start()
        try:
            return fut.result()
        except Exception:  # noqa: BLE001 - papermill starts a kernel itself and reports what fails
            return None

    def stop(self, km: Any) -> None:
        """Shut down a kernel whose notebook has run, in the background (``close`` waits for it)."""
        self._stops.append(self._stopper.submit(km.shutdown_kernel, now=False))

    def close(self) -> None:
        """Shut down the kernels not taken and stop the template (kernels taken are their notebooks')."""
        with self._lock:
            spare, self._spare = self._spare, []
            self._started = True  # nothing starts after this
            self._left = 0
            for fut in spare:
                fut.cancel()
        if self._template is not None:  # a kernel still waiting for it fails at once
            self._template.close()
        for fut in spare:
            self._stop(fut)
        self._starter.shutdown(wait=True)
        for fut in self._stops:  # the notebooks' kernels: every one has exited when this returns
            fut.exception()
        self._stopper.shutdown(wait=True)


def execute_all(names: list[str], nb_dir: Path, build: Path, config_path: Path, context_path: Path | None,
                as_of: str | None, timeout: int | None, language: str | None, jobs: int, expected: dict[str, float],
                timings: dict[str, float], progress: Progress,
                on_done: Callable[[str, Any], None] | None = None,
                kernels: WarmKernels | None = None) -> dict[str, Any]:
    """Execute every notebook (``jobs`` at a time, longest expected first); name -> executed
    notebook, or the NotebookExecutionError it raised (the caller reports the first in order).
    ``on_done(name, notebook)`` runs as soon as a notebook succeeded, in a thread of its own (the
    runner exports the notebook's HTML there while the next notebook already runs); every call has
    finished, its errors raised, when this returns.  ``kernels``: started kernels to use first (each
    is shut down in the background once its notebook has run: ``kernels.close()`` waits for them)."""
    from concurrent.futures import Future, ThreadPoolExecutor

    from .notebook_exec import _execute, _kernel_env, notebook_parameters

    exports: list[Future] = []
    after = ThreadPoolExecutor(max_workers=1, thread_name_prefix="notebook-done")

    def one(i: int, name: str) -> Any:  # i: the notebook's place in the start order
        progress(f"notebook {i}/{len(names)}: {name} …")
        t0 = time.perf_counter()
        nb_path = nb_dir / f"{name}.ipynb"
        params = notebook_parameters(nb_path, config_path, build / "_metrics" / f"{name}.json", context_path, as_of)
        km = kernels.take() if kernels is not None else None
        try:
            out = _execute(nb_path, build / f"{name}.ipynb", params, nb_dir, timeout, km=km)
        except NotebookExecutionError as exc:
            return exc
        finally:
            if km is not None:  # in the background: a kernel slow to exit must not hold up the next notebook
                kernels.stop(km)
        timings[name] = time.perf_counter() - t0
        progress(f"  {name} done in {timings[name]:.1f}s")
        if on_done is not None:
            exports.append(after.submit(on_done, name, out))
        return out

    order = sorted(range(len(names)), key=lambda i: -expected.get(names[i], 0.0))  # stable: ties keep order
    results: dict[str, Any] = {}
    with after, _kernel_env(language, threads=1 if jobs > 1 else None):
        if jobs == 1:
            for i in range(len(names)):
                results[names[i]] = one(i + 1, names[i])
                if isinstance(results[names[i]], NotebookExecutionError):
                    break  # the rest would not be published
            for n in names:
                results.setdefault(n, None)
        else:
            with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="notebook") as pool:
                futures = {names[i]: pool.submit(one, place + 1, names[i]) for place, i in enumerate(order)}
                for n in names:
                    results[n] = futures[n].result()
        for f in exports:
            f.result()
    return results
