"""Independent steps of one big computation side by side on the machine's second core (internal).

:func:`beside` starts a step on a second thread when the data are big enough (NumPy, Arrow and
DuckDB release the GIL in their loops) and returns the call that waits for its result.  Small
data run the step at once: a thread would cost more than it saves, and errors stay where they were.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
