"""Threads (internal): one OpenMP / BLAS thread for a block of work; a step beside on the second core.

``threadpoolctl.threadpool_limits`` scans every loaded shared library each time it is entered
(about 5 ms); the tier fits enter it dozens of times per run.  :func:`one_thread` keeps one
``ThreadpoolController`` and scans again only when modules were imported since (a new module can
bring a new BLAS or OpenMP library).  Same limits, same results.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from typing import Any

_CONTROLLER: list[Any] = []  # [controller, number of modules when it scanned]


def one_thread(user_api: str | None = None) -> contextlib.AbstractContextManager:
    """Context manager: one thread for ``user_api`` ("blas", "openmp"; None: both) inside the block."""
    from threadpoolctl import ThreadpoolController

    if not _CONTROLLER or _CONTROLLER[1] != len(sys.modules):
        _CONTROLLER[:] = [ThreadpoolController(), len(sys.modules)]
    return _CONTROLLER[0].limit(limits=1, user_api=user_api)


# --- a step beside the caller's own work --------------------------------------------------------------
# :func:`beside` starts an independent step of a big computation on a second thread (NumPy, Arrow and
# DuckDB release the GIL in their loops) and returns the call that waits for its result.  Small data
# run the step at once: a thread would cost more than it saves, and errors stay where they were.

#: Rows from which a step runs beside the caller's own work (1M customers, 10M transactions: yes;
#: the demo data: no).
BESIDE_MIN_ROWS = 1_000_000


def beside(n_rows: int, fn: Callable[..., Any], *args: Any) -> Callable[[], Any]:
    """Start ``fn(*args)`` on a second thread when ``n_rows`` >= :data:`BESIDE_MIN_ROWS`, else call
    it now (an error is then raised here); returns a call that gives its result or raises its error."""
    if n_rows < BESIDE_MIN_ROWS:
        out = fn(*args)
        return lambda: out
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="beside")
    fut = pool.submit(fn, *args)
    pool.shutdown(wait=False)  # the thread ends with the step
    return fut.result
