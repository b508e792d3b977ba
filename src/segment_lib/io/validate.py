"""Validation: contract dtypes, required values, keys, ranges, soft checks, dates after as_of, and the
cross-table checks (foreign keys, splits, neighbours, ownership).

Hard problems raise :class:`~segment_lib.errors.DataContractError` naming the file, column, rows,
values and a fix; soft problems are returned as warning strings naming the file, column and a count.
Rows are spreadsheet rows (header = row 1, see :mod:`segment_lib.io`).
"""

from __future__ import annotations

import difflib
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .._arrow import all_distinct, covered, index_of, occurrences
from ..contract import DTYPES, TABLES, TableSpec
from ..errors import DataContractError
from ..i18n import Note
from .convert import _to_bool, _to_date, _to_float, _to_text
from .readers import FIRST_DATA_ROW, ROW_INDEX

_MAX_VALUES = 1000  # offending values kept on an error (the message shows the first 10)

# One rule for rep capacity, checked here and (for in-memory datasets) by regions.prepare.
CAPACITY_RULE = "capacity must be greater than 0 (the tier-weighted accounts the rep can serve)"
# (table, column) -> (min, max, what) : values outside are errors; the minimum is excluded for these:
_OPEN_LOW = {("reps", "capacity")}
# (table, column) -> (min, max, what) : values outside are errors
_RANGES: dict[tuple[str, str], tuple[float | None, float | None, str]] = {
    ("reps", "capacity"): (0.0, None, CAPACITY_RULE),
    ("surveys", "csat"): (1.0, 5.0, "CSAT must be between 1 and 5"),
    ("surveys", "nps"): (0.0, 10.0, "NPS (likelihood to recommend) must be between 0 and 10"),
    ("geo_units", "lat"): (-90.0, 90.0, "latitude must be between -90 and 90"),
    ("geo_units", "lon"): (-180.0, 180.0, "longitude must be between -180 and 180"),
    ("customers", "lat"): (-90.0, 90.0, "latitude must be between -90 and 90"),
    ("customers", "lon"): (-180.0, 180.0, "longitude must be between -180 and 180"),
    ("geo_units", "population"): (0.0, None, "population / market size must not be negative"),
}
# Dates after as_of: hard (policy from config) for these, a warning for other date columns.
_FUTURE_HARD = {("transactions", "date"), ("interactions", "opened_at")}


def _rows(df: pd.DataFrame, mask: Any) -> list[int]:
    return [int(r) for r in df.index[np.asarray(mask, dtype=bool)]]


def _values(s: pd.Series) -> list[Any]:
    u = s.dropna().drop_duplicates().head(_MAX_VALUES)
    if pd.api.types.is_datetime64_any_dtype(u.dtype):
        timed = (u != u.dt.normalize()).any()
        u = u.dt.strftime("%Y-%m-%d %H:%M" if timed else "%Y-%m-%d")
    return u.tolist()


def _arrow_text(*cols: pd.Series) -> bool:
    """True when every column holds Arrow-backed text (the fast paths of ``segment_lib._arrow``)."""
    return all(isinstance(c.array, pd.arrays.ArrowStringArray) for c in cols)


def _all_distinct(s: pd.Series, *more: pd.Series) -> bool:
    """True when the non-missing values of ``s`` are all different (with ``more`` columns: the rows
    without a missing part).  Only a fast "yes": False sends the caller to the exact check."""
    cols = (s, *more)
    if _arrow_text(*cols) and (more or len(s)):
        if more and len(s) < 10_000:
            return False  # small multi-column keys: pandas' duplicated is quick enough
        return all_distinct(*cols)
    return False if more else bool(s.dropna().is_unique)


def _warn(file: str, column: str | None, key: str, **fields: Any) -> Note:
    """The data warning ``data.warn.<key>`` about ``file`` (and ``column``), in English until a report
    shows it in its language (:class:`~segment_lib.i18n.Note`)."""
    where = Note("data.where.column", file=file, column=column) if column else Note("data.where.file", file=file)
    return Note(f"data.warn.{key}", where=where, **fields)


def _numbered(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with the spreadsheet row numbers as index (kept if already there); a new frame
    sharing the columns (copy on write: the caller's frame is never changed)."""
    if df.index.name == ROW_INDEX:
        return df
    return df.set_axis(pd.RangeIndex(FIRST_DATA_ROW, FIRST_DATA_ROW + len(df), name=ROW_INDEX), axis=0)


_KIND_HINT = {
    "float": "use plain numbers (no text or units) in this column, or fix/remove those rows",
    "date": "use dates like 2025-03-31, or set `date_format` for this source in the config "
            "(e.g. date_format: '%d/%m/%Y')",
    "bool": "use 是/否, yes/no, true/false or 1/0",
}


def validate_table(
    df: pd.DataFrame,
    spec: TableSpec | str,
    file: str | None = None,
    *,
    date_format: str | None = None,
    as_of: pd.Timestamp | str | None = None,
    future_dates: str = "error",
) -> tuple[pd.DataFrame, list[str]]:
    """Cast a canonically named table to contract dtypes and check it on its own.

    Checks: types (numbers, dates, booleans), empty required values (ids, dates, amounts...),
    duplicate keys, ranges (capacity >= 0, CSAT 1-5, NPS 0-10, lat/lon), and dates after ``as_of``
    when given.  Returns ``(typed_df, warnings)``: all canonical columns in contract order (absent
    optional columns filled with NA), a fresh RangeIndex.  Raises DataContractError on the first
    hard problem.  Row numbers: header = row 1 (see module docstring).
    """
    spec = TABLES[spec] if isinstance(spec, str) else spec
    file = file or df.attrs.get("file") or spec.name
    typed, warnings = _validate_numbered(df, spec, file, date_format)
    if as_of is not None:
        typed, w = _check_future(typed, spec, file, pd.Timestamp(as_of), future_dates, set(df.columns))
        warnings += w
    return typed.reset_index(drop=True), warnings


_NULL_CHUNK = 1 << 20  # rows of the one all-missing Arrow chunk an absent text column repeats


def _absent(kind: str, index: pd.Index) -> pd.Series:
    """An absent optional column: every value missing, in the column's contract dtype.  A long text
    column repeats one all-missing Arrow chunk (8 MB, shared) instead of offsets for every row
    (10M transactions: 80 MB and 0.25 s less for an absent order_id)."""
    n = len(index)
    if DTYPES[kind] != "string" or n <= _NULL_CHUNK:
        return pd.Series(index=index, dtype=DTYPES[kind])
    one = pa.nulls(_NULL_CHUNK, pa.large_string())
    chunks = [one] * (n // _NULL_CHUNK) + ([pa.nulls(n % _NULL_CHUNK, pa.large_string())] if n % _NULL_CHUNK else [])
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(chunks, type=pa.large_string())), index=index)


def _validate_numbered(
    df: pd.DataFrame, spec: TableSpec, file: str, date_format: str | None
) -> tuple[pd.DataFrame, list[str]]:
    """validate_table without the as_of check; the result keeps the row numbers as index."""
    df = _numbered(df)
    warnings: list[str] = []
    out: dict[str, pd.Series] = {}
    for col in spec.columns:
        if col.name not in df.columns:
            out[col.name] = _absent(col.kind, df.index)
            continue
        s = df[col.name]
        if col.kind in ("id", "str"):
            out[col.name] = _to_text(s, is_id=col.kind == "id")
            continue
        if col.kind == "float":
            v, bad = _to_float(s)
            what = "values that are not numbers"
        elif col.kind == "date":
            v, bad = _to_date(s, date_format)
            what = "values that are not dates" + (f" in format {date_format}" if date_format else "")
        else:
            v, bad = _to_bool(s)
            what = "values that are not yes/no"
        if bad.any():
            raise DataContractError(
                f"{int(bad.sum())} {what}", file=file, column=col.name,
                rows=_rows(df, bad), values=_values(s[bad]), hint=_KIND_HINT[col.kind],
            )
        out[col.name] = v
    typed = pd.DataFrame(out, index=df.index, copy=False)  # the converted columns are new already
    derived: list[str] = []
    if spec.name == "transactions":
        typed, derived, w = _order_lines(typed, df, file)
        warnings += w

    # required values present
    for col in spec.columns:
        if not col.required or (col.name not in df.columns and col.name not in derived):
            continue
        empty = typed[col.name].isna()
        if empty.any():
            kind = "ids" if col.kind == "id" else "values"
            raise DataContractError(
                f"{int(empty.sum())} empty {kind} in a required column", file=file, column=col.name,
                rows=_rows(typed, empty),
                hint=(f"fill in {col.name} on those rows or delete the rows"
                      if col.name not in derived else "fill in quantity and unit_price on those rows")
                     + (" (a NaN amount is not treated as 0)" if col.name == "amount" else ""),
            )

    # keys
    key = [k for k in spec.key if k in df.columns]
    if key and len(key) == len(spec.key):
        kdf = typed[key]
        if _all_distinct(*(kdf[k] for k in key)):
            dup = pd.Series(False, index=kdf.index)  # the common case, checked without hashing twice
        else:
            dup = kdf.duplicated(keep=False) & kdf.notna().all(axis=1)
        if dup.any():
            vals = kdf[dup].astype(str).agg("/".join, axis=1) if len(key) > 1 else kdf[dup][key[0]]
            if spec.name == "ownership":
                first = kdf.duplicated(keep="first") & dup
                typed = typed[~first]
                warnings.append(_warn(file, ", ".join(key), "repeated_claims", n=int(first.sum()),
                                      rows=_fmt(_rows(kdf, first))))
            else:
                raise DataContractError(
                    f"{int(dup.sum())} rows share a duplicate key", file=file, column=", ".join(key),
                    rows=_rows(kdf, dup), values=_values(vals),
                    hint=f"each {' + '.join(key)} must appear once; remove or merge the duplicate rows"
                         + (" (if it is an order / invoice number shared by the lines of one order, map it as "
                            "order_id instead: frequency then counts distinct orders)"
                            if spec.name == "transactions" else ""),
                )

    # ranges
    for (tname, cname), (lo, hi, why) in _RANGES.items():
        if tname != spec.name or cname not in df.columns:
            continue
        v = typed[cname]
        bad = pd.Series(False, index=typed.index)
        if lo is not None:
            bad |= ((v <= lo) if (tname, cname) in _OPEN_LOW else (v < lo)).fillna(False)
        if hi is not None:
            bad |= (v > hi).fillna(False)
        if bad.any():
            raise DataContractError(
                f"{int(bad.sum())} values out of range: {why}", file=file, column=cname,
                rows=_rows(typed, bad), values=_values(v[bad]),
                hint=("remove reps who serve no customers, or give them their real capacity"
                      if (tname, cname) == ("reps", "capacity") else "correct or delete those rows"),
            )

    # soft, table-specific
    warnings += _soft_table_checks(typed, spec.name, file, set(df.columns))
    return typed, warnings


def _order_lines(typed: pd.DataFrame, df: pd.DataFrame, file: str) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Transactions given as order lines: ``amount = quantity x unit_price`` when amount is not mapped,
    and rows without a customer id (guest orders) dropped with a warning counting them and their amount
    (an error when no row has one).  Returns (typed, derived columns, warnings)."""
    derived: list[str] = []
    w: list[str] = []
    if "amount" not in df.columns and {"quantity", "unit_price"} <= set(df.columns):
        typed = typed.assign(amount=typed["quantity"] * typed["unit_price"])
        derived.append("amount")
    if "customer_id" in df.columns and len(typed):
        guest = typed["customer_id"].isna()
        if guest.all():
            raise DataContractError(
                f"all {len(typed):,} rows have an empty customer id", file=file, column="customer_id",
                rows=_rows(typed, guest), hint="map customer_id to the column that holds the customer ids")
        if guest.any():
            amount = float(typed.loc[guest, "amount"].sum(skipna=True)) if "amount" in typed else float("nan")
            typed = typed[~guest]
            w.append(_warn(file, "customer_id", "guests", n=int(guest.sum()), amount=amount,
                           rows=_fmt(_rows(guest.to_frame(), guest))))
    return typed, derived, w


def _fmt(rows: list[int], limit: int = 10) -> str:
    s = ", ".join(str(r) for r in rows[:limit])
    return s + (f" … and {len(rows) - limit} more" if len(rows) > limit else "")


def _soft_table_checks(t: pd.DataFrame, name: str, file: str, present: set[str]) -> list[str]:
    w: list[str] = []
    if name == "transactions":
        neg = t["amount"] < 0
        if neg.any():
            w.append(_warn(file, "amount", "negative", n=int(neg.sum())))
    if name == "interactions":
        for col, what in (("first_response_at", "response_before_open"), ("resolved_at", "resolved_before_open")):
            if col in present:
                before = (t[col] < t["opened_at"]).fillna(False)
                if before.any():
                    w.append(_warn(file, col, what, n=int(before.sum()), rows=_fmt(_rows(t, before))))
    if name == "surveys":
        has = [c for c in ("csat", "nps") if c in present]
        if not has:
            w.append(_warn(file, None, "no_scores"))
        else:
            none = t[has].isna().all(axis=1)
            if none.any():
                w.append(_warn(file, "/".join(has), "no_score", n=int(none.sum())))
    return w


def _check_future(
    t: pd.DataFrame, spec: TableSpec, file: str, as_of: pd.Timestamp, policy: str, present: set[str]
) -> tuple[pd.DataFrame, list[str]]:
    """Dates after the as_of day: error/warn/drop for transaction & ticket dates, a warning elsewhere."""
    w: list[str] = []
    limit = as_of.normalize() + pd.Timedelta(days=1)
    day = as_of.strftime("%Y-%m-%d")
    for col in spec.columns:
        if col.kind != "date" or col.name not in present:
            continue
        fut = (t[col.name] >= limit).fillna(False).astype(bool)
        if not fut.any():
            continue
        n = int(fut.sum())
        if (spec.name, col.name) in _FUTURE_HARD:
            if policy == "error":
                raise DataContractError(
                    f"{n} dates after as_of {day}", file=file, column=col.name,
                    rows=_rows(t, fut), values=_values(t.loc[fut, col.name]),
                    hint="correct the dates, or set as_of to the export date, or set "
                         "`data.future_dates: drop` to ignore rows after as_of",
                )
            if policy == "drop":
                t = t[~fut]
                w.append(_warn(file, col.name, "future_dropped", n=n, day=day))
                continue
        w.append(_warn(file, col.name, "future", n=n, day=day, rows=_fmt(_rows(t, fut))))
    return t, w


# ---------------------------------------------------------------------------- cross-table checks
def _isin(s: pd.Series, values: pd.Series) -> pd.Series:
    """``s.isin(values)`` that stays fast on Arrow strings when ``values`` is long and repetitive
    (pandas hashes every duplicate there: 1M repeated ids take seconds, their uniques milliseconds)."""
    if _arrow_text(s, values):
        # both Arrow strings: one hash lookup on the buffers, no pd.unique of the targets; the codes
        # are cached (segment_lib._arrow), so features and regions reuse this lookup
        return pd.Series(index_of(s, values) >= 0, index=s.index, dtype=bool)
    uniq = pd.unique(values.dropna())
    if _arrow_text(s):
        # Arrow's is_in is ~3x faster than pandas' isin on Arrow strings (10M ids: 1.7 s vs 5.7 s)
        value_set = pa.array(np.asarray(uniq, dtype=object), type=pa.large_string())
        hit = pc.is_in(pa.array(s.array).cast(pa.large_string()), value_set=value_set)
        return pd.Series(hit.to_numpy(zero_copy_only=False), index=s.index, dtype=bool)
    return s.isin(uniq).fillna(False).astype(bool)


def _present_in(keys: pd.Series, values: pd.Series) -> pd.Series:
    """``keys.isin(values)`` for distinct ``keys`` (a key column): counted from the lookup of
    ``values`` in ``keys`` that the foreign-key check of ``values`` made (see ``_arrow.covered``), so
    "customers without transactions" does not hash 10 M transaction ids a second time."""
    if _arrow_text(keys, values):
        return pd.Series(covered(keys, values), index=keys.index, dtype=bool)
    return _isin(keys, values)


def _n_repeated(keys: pd.Series, values: pd.Series) -> int:
    """How many of the distinct ``keys`` occur more than once among ``values`` (foreign-key checked)."""
    if _arrow_text(keys, values):
        return int((occurrences(keys, values) > 1).sum())
    return int((values.value_counts() > 1).sum())


def _cross_checks(tables: dict[str, pd.DataFrame], files: dict[str, str], present: dict[str, set[str]],
                  given: set[str] | None = None) -> list[str]:
    """Foreign keys (errors) and soft cross-table issues (warnings).  ``given``: the tables the data has
    (a foreign key into a table the data does not have is not checked)."""
    given = set(TABLES) if given is None else given
    w: list[str] = []
    for name, spec in TABLES.items():
        t = tables[name]
        if t.empty:
            continue
        for fk in spec.foreign_keys:
            if fk.column not in present[name] or fk.table not in given:
                continue
            target = tables[fk.table][fk.target]
            v = t[fk.column]
            unknown = v.notna() & ~_isin(v, target)
            if unknown.any():
                raise DataContractError(
                    f"{int(unknown.sum())} rows refer to {fk.target} values that are not in {fk.table} "
                    f"({files[fk.table]})", file=files[name], column=fk.column,
                    rows=_rows(t, unknown), values=_values(v[unknown]),
                    hint=f"add the missing ids to {files[fk.table]}, correct them here, or delete those rows",
                )
    geo, splits, reps, cust = tables["geo_units"], tables["splits"], tables["reps"], tables["customers"]
    # geo units in no split / missing from a split
    all_units = set(geo["geo_unit_id"])
    with_customers = set(pd.unique(cust["geo_unit_id"].dropna()))
    for name in pd.unique(splits["split"]):
        covered = set(splits.loc[splits["split"] == name, "geo_unit_id"])
        missing = sorted(all_units - covered)
        lost = [u for u in missing if u in with_customers]
        if lost:  # the region reports cannot place these customers
            raise DataContractError(
                f"split '{name}' leaves {len(lost)} geo unit(s) with customers without a region: {_fmt(lost)}",
                file=files["splits"], column="geo_unit_id",
                hint=f"add a row (split {name}, geo_unit_id, region_id) for each of them")
        if missing:
            w.append(_warn(files["splits"], "geo_unit_id", "units_without_region", split=name, n=len(missing),
                           units=_fmt(missing)))
    # neighbours
    if "neighbors" in present["geo_units"]:
        nb = geo[["geo_unit_id", "neighbors"]].dropna()
        pairs = nb.assign(nb=nb["neighbors"].str.split(r"[;；,，、\s]+", regex=True)).explode("nb")
        pairs = pairs[pairs["nb"].notna() & (pairs["nb"] != "") & (pairs["nb"] != pairs["geo_unit_id"])]
        unknown = pairs[~pairs["nb"].isin(all_units)]
        if len(unknown):
            w.append(_warn(files["geo_units"], "neighbors", "unknown_neighbours", n=len(unknown),
                           units=_fmt(sorted(set(unknown["nb"])))))
        known = pairs[pairs["nb"].isin(all_units)]
        fwd = set(zip(known["geo_unit_id"], known["nb"]))
        asym = sorted(f"{a}->{b}" for a, b in fwd if (b, a) not in fwd)
        if asym:
            w.append(_warn(files["geo_units"], "neighbors", "one_way_links", n=len(asym), links=_fmt(asym)))
    # ownership
    owners = tables["ownership"] if not tables["ownership"].empty else (
        cust.dropna(subset=["owner_rep_id"])[["customer_id", "owner_rep_id"]]
        .rename(columns={"owner_rep_id": "rep_id"}))
    has_owner_info = not tables["ownership"].empty or "owner_rep_id" in present["customers"]
    if "reps" not in given:
        pass
    elif has_owner_info:
        no_owner = ~_present_in(cust["customer_id"], owners["customer_id"])
        if no_owner.any():
            w.append(_warn(files["customers"], "owner_rep_id", "no_owner", n=int(no_owner.sum())))
        n_multi = _n_repeated(cust["customer_id"], owners["customer_id"]) if not tables["ownership"].empty else 0
        if n_multi:  # (an owner column on the customers table gives one owner a customer)
            w.append(_warn(files["ownership"], "customer_id", "many_owners", n=n_multi))
        idle = reps.loc[~_isin(reps["rep_id"], owners["rep_id"]), "rep_id"]
        if len(idle):
            w.append(_warn(files["reps"], "rep_id", "idle_reps", n=len(idle), reps=_fmt(sorted(idle))))
    else:
        w.append(_warn(files["customers"], "owner_rep_id", "no_ownership"))
    # customers without transactions
    quiet = ~_present_in(cust["customer_id"], tables["transactions"]["customer_id"])
    if "transactions" in given and quiet.any():
        w.append(_warn(files["customers"], "customer_id", "no_transactions", n=int(quiet.sum())))
    return w


def _split_checks(tables: dict[str, pd.DataFrame], files: dict[str, str], current: str | None) -> tuple[str, list[str]]:
    splits, reps, cust = tables["splits"], tables["reps"], tables["customers"]
    names = list(pd.unique(splits["split"]))
    w: list[str] = []
    if not names:
        raise DataContractError("the splits table is empty", file=files["splits"], column="split",
                                hint="add at least the current split: one row per (split, geo_unit_id, region_id)")
    if current is None:
        current = names[0]
        if len(names) > 1:
            w.append(_warn(files["splits"], "split", "no_current_split", split=current))
    elif current not in names:
        close = difflib.get_close_matches(current, [str(n) for n in names], n=1)
        raise DataContractError(
            f"current_split '{current}' is not a split in the splits table (splits: {', '.join(map(str, names))})",
            file=files["splits"], column="split",
            hint=f"set current_split to {close[0] if close else names[0]!r} in the config",
        )
    cur = splits[splits["split"] == current]
    regions = set(cur["region_id"])
    odd = reps.loc[~reps["region_id"].isin(regions), "region_id"]
    if len(odd):
        w.append(_warn(files["reps"], "region_id", "reps_outside_split", n=len(odd), split=current,
                       regions=_fmt(sorted(set(odd)))))
    lost = ~_isin(cust["geo_unit_id"], cur["geo_unit_id"])
    if lost.any():
        w.append(_warn(files["customers"], "geo_unit_id", "customers_outside_split", n=int(lost.sum()), split=current))
    sr = tables["split_reps"]
    if not sr.empty:
        regions_by_split = set(zip(splits["split"], splits["region_id"]))
        bad = [f"{a}/{b}" for a, b in zip(sr["split"], sr["region_id"]) if (a, b) not in regions_by_split]
        if bad:
            w.append(_warn(files["split_reps"], "region_id", "bad_split_reps", n=len(bad),
                           regions=_fmt(sorted(set(bad)))))
    return current, w


