"""Shared benchmark helpers: timing, peak memory, baselines ratio, machine description, data sizes.

Peak memory
-----------
:class:`Stage` samples the process's resident set size (``psutil``) every 20 ms on a background
thread while the block runs and reports ``peak_rss_mb`` (absolute, includes the data already
loaded) and ``extra_mb`` (peak minus the resident size when the block started).  ``ru_maxrss``
of one process only ever grows, so it cannot give per-stage peaks; :func:`run_child` reads the
whole child run's peak with ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` instead.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))


def parse_size(s: str) -> int:
    """'10k' -> 10_000, '1M' -> 1_000_000, '2.5m' -> 2_500_000, '1234' -> 1234."""
    s = str(s).strip().lower().replace("_", "")
    mult = {"k": 1_000, "m": 1_000_000}.get(s[-1:], 1)
    return int(float(s[:-1] if mult > 1 else s) * mult)


def fmt_size(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1_000 and n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


class PeakRSS:
    """Highest resident set size (bytes) seen while the block runs, sampled every ``interval`` s."""

    def __init__(self, interval: float = 0.02) -> None:
        import psutil

        self.proc = psutil.Process(os.getpid())
        self.interval = interval

    def __enter__(self) -> PeakRSS:
        self.base = self.proc.memory_info().rss
        self.peak = self.base
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(self.interval)

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._t.join()
        self.peak = max(self.peak, self.proc.memory_info().rss)

    @property
    def extra_mb(self) -> float:
        return (self.peak - self.base) / 2**20

    @property
    def peak_mb(self) -> float:
        return self.peak / 2**20


@dataclass
class Stage:
    """One timed block: ``with Stage("features") as st: ...``; then ``st.seconds``, ``st.peak_rss_mb``."""

    name: str
    seconds: float = float("nan")
    peak_rss_mb: float = float("nan")
    extra_mb: float = float("nan")
    info: dict[str, Any] = field(default_factory=dict)

    cpu_seconds: float = float("nan")  # CPU time of the process (all threads): steadier on a shared machine

    def __enter__(self) -> Stage:
        self._mem = PeakRSS().__enter__()
        self._t0 = time.perf_counter()
        self._c0 = time.process_time()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.seconds = time.perf_counter() - self._t0
        self.cpu_seconds = time.process_time() - self._c0
        self._mem.__exit__(*exc)
        self.peak_rss_mb = self._mem.peak_mb
        self.extra_mb = self._mem.extra_mb

    def as_dict(self) -> dict[str, Any]:
        return {"seconds": round(self.seconds, 3), "cpu_seconds": round(self.cpu_seconds, 3),
                "peak_rss_mb": round(self.peak_rss_mb),
                "extra_mb": round(self.extra_mb), **self.info}


def timed(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, float]:
    """(result, seconds) of one call."""
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


def ratio(baseline_s: float | None, ours_s: float | None) -> float | None:
    """baseline / ours (>1 = the library is faster); None when either is missing."""
    if baseline_s is None or ours_s is None or not ours_s or ours_s != ours_s or baseline_s != baseline_s:
        return None
    return round(baseline_s / ours_s, 2)


def machine() -> dict[str, Any]:
    """Cores, memory, Python and package versions of this machine."""
    import importlib.metadata as md

    import psutil

    pk = {}
    for name in ("segment_lib", "numpy", "pandas", "scikit-learn", "duckdb", "dask", "distributed", "pyarrow",
                 "ortools", "gerrychain", "papermill", "nbconvert", "statsmodels", "scipy"):
        try:
            pk[name] = md.version(name)
        except md.PackageNotFoundError:
            pk[name] = None
    return {"load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
            "cores_logical": os.cpu_count(), "cores_physical": psutil.cpu_count(logical=False),
            "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "python": platform.python_version(), "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(), "packages": pk}


def run_child(args: list[str], timeout: float | None = None, env: dict | None = None) -> tuple[dict, float]:
    """Run ``python <args>`` as a child that prints one JSON object on its last stdout line.

    Returns (that object, the child's peak RSS in MB from ``getrusage(RUSAGE_CHILDREN)``).  The
    children run one after another, so the RUSAGE_CHILDREN maximum after each is the max over
    all children so far; the caller runs the sizes in increasing order, so it is the latest one.
    """
    proc = subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})}, cwd=ROOT)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if proc.returncode != 0:
        raise RuntimeError(f"child {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    lines = [ln for ln in proc.stdout.strip().splitlines() if ln.startswith("{")]
    if not lines:
        raise RuntimeError(f"child {' '.join(args)} printed no JSON:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return json.loads(lines[-1]), peak


def fit_exponent(sizes: list[float], values: list[float]) -> float | None:
    """Slope of log(value) against log(size) (least squares); None with fewer than 2 usable points."""
    import numpy as np

    pts = [(s, v) for s, v in zip(sizes, values) if s and v and v > 0 and v == v]
    if len(pts) < 2:
        return None
    x = np.log([p[0] for p in pts])
    y = np.log([p[1] for p in pts])
    return round(float(np.polyfit(x, y, 1)[0]), 2)
