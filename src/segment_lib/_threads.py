"""One OpenMP / BLAS thread for a block of work (internal).

``threadpoolctl.threadpool_limits`` scans every loaded shared library each time it is entered
(about 5 ms); the tier fits enter it dozens of times per run.  :func:`one_thread` keeps one
``ThreadpoolController`` and scans again only when modules were imported since (a new module can
bring a new BLAS or OpenMP library).  Same limits, same results.
"""

from __future__ import annotations

import contextlib
import sys
from typing import Any

_CONTROLLER: list[Any] = []  # [controller, number of modules when it scanned]


def one_thread(user_api: str | None = None) -> contextlib.AbstractContextManager:
    """Context manager: one thread for ``user_api`` ("blas", "openmp"; None: both) inside the block."""
    from threadpoolctl import ThreadpoolController

    if not _CONTROLLER or _CONTROLLER[1] != len(sys.modules):
        _CONTROLLER[:] = [ThreadpoolController(), len(sys.modules)]
    return _CONTROLLER[0].limit(limits=1, user_api=user_api)
