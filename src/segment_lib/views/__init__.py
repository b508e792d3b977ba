"""What each report shows, computed from the run's context: one module per report notebook.

``build(ctx)`` takes the :class:`~segment_lib.pipeline.RunContext` and returns a small dataclass
holding every table, model result, finding and headline metric the notebook displays, so the
notebook only opens the context, calls ``build`` and displays (notebooks never compute).
"""

import importlib
from dataclasses import dataclass
from typing import Any

_VIEWS = ("overview", "rebalance", "regions", "tiering")

__all__ = ["overview", "rebalance", "regions", "tiering", "REQUIREMENTS", "Requirement", "unmet"]


@dataclass(frozen=True)
class Requirement:
    """What a report needs: a readable name, the tables, and whether it needs the run's tiers."""

    title: str
    tables: tuple[str, ...]
    tiers: bool = False
    staffed: bool = False  # every region of the current split needs reps (their capacity is the target)


#: notebook -> what it needs; the runner runs a notebook only when the data has it (others are listed on
#: the index page with the reason).  Regions and rebalance run without transactions (accounts weigh 1).
REQUIREMENTS: dict[str, Requirement] = {
    "00_overview": Requirement("Overview", ("transactions",)),
    "01_tiering": Requirement("Tiering", ("transactions",), tiers=True),
    "02_regions": Requirement("Regions", ("customers", "geo_units", "reps", "splits")),
    "03_rebalance": Requirement("Rebalance", ("customers", "geo_units", "reps", "splits"), staffed=True),
}


def __getattr__(name: str) -> Any:
    """``views.rebalance`` etc. are imported on first use: a notebook imports only its own view's
    libraries (the rebalance view's OR-Tools and gerrychain stay out of the overview's kernel)."""
    if name in _VIEWS:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def unmet(notebook: str, dataset, tiers=None) -> str | None:
    """Why ``notebook`` cannot run on ``dataset`` ("Regions needs geo_units, reps and splits"), or None.
    ``tiers``: the run's :class:`~segment_lib.pipeline.RunTiers` when known."""
    req = REQUIREMENTS.get(notebook)
    if req is None:
        return None
    missing = dataset.missing(req.tables)
    if missing:
        return f"{req.title} needs {_and(missing)}"
    empty = dataset.unstaffed_regions() if req.staffed else []
    if empty:
        return (f"{req.title} needs reps in every region of split '{dataset.current_split}' "
                f"(no reps: {', '.join(map(str, empty))})")
    if req.tiers and tiers is not None and not tiers.available:
        return f"{req.title} needs tiers, and there are none: {tiers.reason}"
    return None
