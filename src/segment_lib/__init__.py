"""segment_lib: customer tiering and region-split analysis for CRM data.

The data flow runs one way: ``config`` -> ``io`` (read, map, validate into a
:class:`~segment_lib.contract.Dataset`) -> ``features`` -> ``tiering`` ->
``regions`` -> ``rebalance`` -> ``report``/``runner``.  See ``docs/architecture.md``.
"""

__version__ = "0.1.0"

from ._memory import prefer_system_allocator as _prefer_system_allocator

_prefer_system_allocator()  # Arrow buffers from the system allocator (see segment_lib._memory)
