"""Give memory that a big step freed back to the operating system (internal).

:func:`prefer_system_allocator` (called when segment_lib is imported) makes Arrow allocate from the
system allocator unless ``ARROW_DEFAULT_MEMORY_POOL`` chooses one: Arrow's default pool (mimalloc)
keeps freed pages, which no other allocator can reuse, while the system one returns big blocks at
once.  At 1M customers: peak 2.56 -> 2.45 GB and the load 3.7 -> 3.1 s (docs/scale.md).

NumPy temporaries of a 10M-row step are freed into glibc's heap, which keeps them (its mmap threshold
grows after the first big free), and Arrow's allocator keeps its own freed pages; neither pool can
reuse the other's memory.  At 1M customers the features step left ~270 MB and the tiering ~150 MB
that the next step could not use, which pushed the run's peak over 2.5 GB (docs/scale.md).
:func:`release` after each big step returns them: ``malloc_trim(0)`` on glibc, Arrow's
``release_unused``; a few milliseconds.  Elsewhere (macOS, musl, Windows) it does nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import sys

_LIBC: list = []


def prefer_system_allocator() -> None:
    """Arrow buffers from the system allocator, unless the user chose a pool (``ARROW_DEFAULT_MEMORY_POOL``)."""
    import os

    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    with contextlib.suppress(Exception):  # an Arrow without the call: keep its default
        import pyarrow as pa

        pa.set_memory_pool(pa.system_memory_pool())


def release() -> None:
    """Return freed heap memory to the operating system (best effort, never raises)."""
    with contextlib.suppress(Exception):  # an allocator without the call: nothing to release
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    if not sys.platform.startswith("linux"):
        return
    if not _LIBC:
        try:
            _LIBC.append(ctypes.CDLL("libc.so.6").malloc_trim)
        except (OSError, AttributeError):  # not glibc (e.g. musl): nothing to trim
            _LIBC.append(None)
    if _LIBC[0] is not None:
        _LIBC[0](0)
