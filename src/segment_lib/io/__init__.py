"""Read CRM exports, map their headers to canonical columns, validate them into a :class:`Dataset`.

Pipeline per source: :func:`read_table` (CSV/TSV with encoding detection, Parquet, Excel) or :func:`read_sql` (a query) ->
:func:`apply_mapping` (source headers -> canonical names) -> :func:`validate_table` (types, required
values, keys, ranges) -> cross-table checks (foreign keys, splits, neighbours, ownership) in
:func:`load_dataset` / :func:`dataset_from_frames`.

Row numbers
-----------
Every error and warning names rows **as a spreadsheet user sees them**: the header is row 1, so the
first data row is row 2 (0-based position ``i`` -> row ``i + 2``; with ``skip_rows: k`` title lines
above the header, ``i + k + 2``).  In Excel this is the row number in the margin; in a CSV it is the
line number, as long as the file has no blank lines or cells spanning several lines.  In-memory
frames (:func:`dataset_from_frames`) use the same convention: row ``r`` is ``df.iloc[r - 2]``.
:func:`read_table` returns frames whose index (named ``"row"``) already holds these numbers.

Hard problems raise :class:`~segment_lib.errors.DataContractError` (file, column, rows, values, fix);
soft problems become strings in ``Dataset.warnings``, each naming the file, the column and a count.
Everything is vectorised: a million-row transactions file validates in a few seconds.

Modules
-------
:mod:`~segment_lib.io.readers` (files, encodings, Excel, SQL queries), :mod:`~segment_lib.io.mapping` (headers ->
canonical names), :mod:`~segment_lib.io.convert` (cell types), :mod:`~segment_lib.io.validate` (one table,
then the cross-table checks), :mod:`~segment_lib.io.geography` (what the region reports need) and
:mod:`~segment_lib.io.load` (building the Dataset: every table optional, customers derived from the
transactions when absent, the analysis date).  Import the public
names from ``segment_lib.io``.
"""

from __future__ import annotations

from .adjacency import resolve_adjacency
from .load import dataset_from_frames, load_dataset, wide_to_long
from .mapping import SYNONYMS, apply_mapping
from .readers import FIRST_DATA_ROW, ROW_INDEX, detect_encoding, read_sql, read_table
from .validate import validate_table

__all__ = [
    "read_table",
    "read_sql",
    "apply_mapping",
    "validate_table",
    "load_dataset",
    "dataset_from_frames",
    "resolve_adjacency",
    "wide_to_long",
    "detect_encoding",
    "ROW_INDEX",
    "FIRST_DATA_ROW",
    "SYNONYMS",
]
