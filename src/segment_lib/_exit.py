"""Garbage collection in the processes of a report run (issue 14): a quicker exit, a lighter run.

When Python exits it runs its garbage collector over every object still alive, module by module;
with scikit-learn, SciPy and matplotlib loaded that takes 0.3-0.7 s of CPU in every report kernel
(papermill waits for it before the notebook counts as done) and in the runner.  Freezing the heap
at exit (``gc.freeze``, run by ``atexit`` before the modules are torn down) skips those passes;
objects still freed by reference counting are unaffected, and ``atexit`` / ``weakref.finalize``
clean-ups (temporary folders, open kernels) still run.  Python does not promise to finalise
objects left in reference cycles at exit anyway.

:class:`LongLived` does the same during a run: the libraries, the data and the context live until the
run ends, yet every full collection walked them again (the 20k demo: four in the runner before the
notebooks start, 0.25 s, and one at the end, 0.13 s).  What is alive at each :meth:`LongLived.keep`
is frozen; :meth:`LongLived.release` unfreezes it all, so a caller's session collects it as usual.
A process that already freezes objects itself is left alone.
"""

from __future__ import annotations

import atexit
import gc

_armed = False


def skip_final_collections() -> None:
    """Freeze the heap at interpreter exit (once per process)."""
    global _armed
    if not _armed:
        atexit.register(gc.freeze)
        _armed = True


class LongLived:
    """Freeze what is alive at each :meth:`keep` until :meth:`release` (see the module docstring)."""

    def __init__(self) -> None:
        self._active = gc.get_freeze_count() == 0  # the caller freezes objects itself: leave it alone

    def keep(self) -> None:
        if self._active:
            gc.freeze()

    def release(self) -> None:
        if self._active:
            gc.unfreeze()
            self._active = False
