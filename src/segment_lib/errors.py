"""One error family for the whole library.

Every error a user can cause is a :class:`SegmentLibError`; the CLI turns it into
one clear message and a non-zero exit code.  Data errors say which file, column
and rows are wrong and what to do about it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class SegmentLibError(Exception):
    """Base class of every error raised on purpose by segment_lib."""


class ConfigError(SegmentLibError):
    """The YAML configuration is missing, malformed or names unknown things."""


def _format_rows(rows: Sequence[Any] | None, limit: int = 10) -> str:
    if rows is None or len(rows) == 0:
        return ""
    shown = ", ".join(str(r) for r in list(rows)[:limit])
    more = f" … and {len(rows) - limit} more" if len(rows) > limit else ""
    return f"{shown}{more}"


class DataContractError(SegmentLibError):
    """A table breaks the data contract.

    Attributes
    ----------
    file: the source file (or table name when the data came from memory)
    column: the offending column, if one
    rows: spreadsheet row numbers as a user sees them (header = row 1, first data row = 2), if known
    hint: what the user should do
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        column: str | None = None,
        rows: Sequence[Any] | None = None,
        values: Sequence[Any] | None = None,
        hint: str | None = None,
    ) -> None:
        self.file = file
        self.column = column
        self.rows = list(rows) if rows is not None else []
        self.values = list(values) if values is not None else []
        self.hint = hint
        parts = []
        if file:
            parts.append(f"[{file}]")
        if column:
            parts.append(f"column '{column}':")
        parts.append(message)
        text = " ".join(parts)
        if self.rows:
            text += f" (rows {_format_rows(self.rows)})"
        if self.values:
            text += f" (values {_format_rows(self.values)})"
        if hint:
            text += f". Fix: {hint}"
        super().__init__(text)


class InfeasibleSplitError(SegmentLibError):
    """A requested split cannot be met; ``closest`` holds the best feasible answer found."""

    def __init__(self, reason: str, closest: Any = None) -> None:
        self.reason = reason
        self.closest = closest
        super().__init__(reason)


class ModelInputError(SegmentLibError):
    """Inputs to a model (tiering, statistics, optimisation) are degenerate or inconsistent."""


class NothingToTierError(ModelInputError):
    """The data leaves nothing to split into tiers (no customers, identical features, too few distinct
    customers): the run then weighs every account 1 and the reports say why."""


class NotebookExecutionError(SegmentLibError):
    """A report notebook failed; the message names the notebook and the cell."""
