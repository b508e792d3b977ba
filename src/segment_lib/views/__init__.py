"""What each report shows, computed from the run's context: one module per report notebook.

``build(ctx)`` takes the :class:`~segment_lib.pipeline.RunContext` and returns a small dataclass
holding every table, model result, finding and headline metric the notebook displays, so the
notebook only opens the context, calls ``build`` and displays (notebooks never compute).
"""

from . import overview, rebalance, regions, tiering

__all__ = ["overview", "rebalance", "regions", "tiering"]
