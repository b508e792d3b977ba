"""Reading source files as they are: CSV/TSV/TXT with encoding detection, Parquet, Excel.

:func:`read_table` returns frames whose index (named ``"row"``, :data:`ROW_INDEX`) holds the
spreadsheet row number of each record (header = row 1, first data row = row 2; see
:mod:`segment_lib.io`).  No renaming and no type casting happen here.
"""

from __future__ import annotations

import codecs
import difflib
import io as _io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataContractError

ROW_INDEX = "row"
FIRST_DATA_ROW = 2  # header is row 1


def detect_encoding(raw: bytes, file: str = "file", encoding: str = "auto") -> tuple[str, str]:
    """Decode ``raw`` bytes; return ``(text, encoding_used)``.

    ``encoding="auto"``: a UTF-8 BOM means utf-8-sig; else strict UTF-8; else the guess of
    charset-normalizer, preferring gb18030 (a superset of GBK/GB2312) for Chinese encodings.
    A file that is UTF-8 up to some point and something else after it (rows pasted from another
    export) is reported, not silently turned into mojibake.  Explicit ``gbk``/``gb2312`` decode as
    gb18030; explicit ``utf-8`` tolerates a BOM.  Raises DataContractError naming the byte offset
    and line of the first undecodable byte.
    """
    enc = (encoding or "auto").strip().lower()
    if enc != "auto":
        name = codecs.lookup(enc).name
        if name in ("gbk", "gb2312"):
            name = "gb18030"
        if name == "utf-8" and raw.startswith(codecs.BOM_UTF8):
            name = "utf-8-sig"
        try:
            return raw.decode(name), name
        except UnicodeDecodeError as exc:
            raise _decode_error(raw, exc, file, encoding) from exc
    if raw.startswith(codecs.BOM_UTF8):
        try:
            return raw.decode("utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise _decode_error(raw, exc, file, "utf-8") from exc
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise _decode_error(raw, exc, file, "utf-16") from exc
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_exc = exc
    pos = utf8_exc.start
    prefix_non_ascii = int((np.frombuffer(raw, dtype=np.uint8, count=pos) >= 0xC0).sum())  # UTF-8 lead bytes
    if prefix_non_ascii >= 8:
        # The first part is genuine UTF-8 text: the file mixes encodings.
        raise _decode_error(raw, utf8_exc, file, "utf-8", mixed=True)
    # Chinese CRM exports that are not UTF-8 are nearly always GBK/GB18030: take it when the decoded
    # text looks Chinese.  Otherwise ask charset-normalizer (it misreads files with few Chinese
    # characters as single-byte code pages, hence this order).
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is not None and _looks_chinese(text):
        return text, "gb18030"
    try:
        from charset_normalizer import from_bytes

        start = max(0, raw.rfind(b"\n", 0, pos) + 1)
        guess = from_bytes(raw[start:start + 256_000]).best()
        g = codecs.lookup(guess.encoding).name if guess is not None else None
    except Exception:  # pragma: no cover - detection is best effort
        g = None
    if g is not None and g not in ("gbk", "gb2312", "gb18030"):
        try:
            return raw.decode(g), g
        except UnicodeDecodeError:
            pass
    if text is not None:
        return text, "gb18030"
    raise _decode_error(raw, utf8_exc, file, "utf-8 or gb18030 (GBK)")


_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _looks_chinese(text: str, sample: int = 2_000_000) -> bool:
    """True when at least 90% of the non-ASCII characters are CJK ideographs or CJK/full-width punctuation."""
    head = text[:sample]
    non_ascii = len(_NON_ASCII.findall(head))
    return non_ascii > 0 and len(_CJK.findall(head)) >= 0.9 * non_ascii


def _decode_error(raw: bytes, exc: UnicodeDecodeError, file: str, encoding: str, mixed: bool = False):
    pos = exc.start
    line = raw.count(b"\n", 0, pos) + 1
    snippet = raw[pos:pos + 4]
    what = (f"the file is UTF-8 up to byte {pos} (line {line}) but not after it ({snippet!r}); "
            f"it mixes encodings, e.g. rows pasted from a GBK export") if mixed else (
        f"cannot decode the file as {encoding}: byte {pos} (line {line}) is invalid ({snippet!r})")
    return DataContractError(
        what, file=file,
        hint="open it in Excel/WPS and save as 'CSV UTF-8', or set `encoding: gbk` (or the file's real "
             "encoding) for this source in the config",
    )


def read_table(
    path: str | Path,
    encoding: str = "auto",
    sheet: str | int | None = None,
    skip_rows: int = 0,
) -> pd.DataFrame:
    """Read one source file as it is (no renaming, no type casting).

    CSV/TSV/TXT cells are read as strings (types are cast by :func:`validate_table`, which can then
    name the offending cells); Parquet and Excel keep their native types.  Header names are stripped
    of surrounding whitespace, fully empty rows are dropped, and the index (named ``"row"``) holds the
    spreadsheet row number of each record (header = row 1, see the module docstring).

    Raises DataContractError for a missing, empty, undecodable or malformed file or a missing sheet.
    """
    p = Path(path)
    file = p.name
    if not p.is_file():
        raise DataContractError(f"file not found: {p}", file=file, hint="check the path in the config")
    suffix = p.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        text, _ = detect_encoding(p.read_bytes(), file, encoding)
        lines = text[:1_000_000].split("\n", skip_rows + 1)
        header_line = lines[skip_rows] if len(lines) > skip_rows else ""
        if suffix == ".tsv":
            sep = "\t"
        else:  # exports named .csv are sometimes tab-, semicolon- or pipe-separated
            counts = {d: header_line.count(d) for d in (",", "\t", ";", "|")}
            sep = "," if counts[","] or not max(counts.values()) else max(counts, key=counts.get)
        try:
            df = pd.read_csv(_io.StringIO(text), sep=sep, dtype=str, skiprows=skip_rows, skipinitialspace=False)
        except pd.errors.EmptyDataError as exc:
            raise DataContractError("the file is empty (no header row)", file=file,
                                    hint="export the table again with its header row") from exc
        except pd.errors.ParserError as exc:
            raise DataContractError(
                f"cannot parse the file as {'tab' if sep == chr(9) else repr(sep)}-separated text: {exc}".strip(),
                file=file,
                hint="a row has more cells than the header; quote cells that contain the separator "
                     "or re-export the file",
            ) from exc
    elif suffix in (".parquet", ".pq"):
        try:
            df = pd.read_parquet(p)
        except Exception as exc:
            raise DataContractError(f"cannot read the Parquet file: {exc}", file=file,
                                    hint="re-export the file or convert it to CSV") from exc
        df = df.reset_index(drop=True)
    elif suffix in (".xlsx", ".xlsm", ".xls"):
        df = _read_excel(p, sheet, skip_rows)
        if sheet is not None:
            file = f"{file}[{sheet}]"
    else:
        raise DataContractError(f"unsupported file type '{suffix}'", file=file,
                                hint="use .csv, .tsv, .parquet, .xlsx or .xls")
    sheets = df.attrs.get("sheets")
    df.columns = [str(c).strip() for c in df.columns]
    df.index = pd.RangeIndex(FIRST_DATA_ROW + skip_rows, FIRST_DATA_ROW + skip_rows + len(df), name=ROW_INDEX)
    if len(df.columns) and all(df[c].hasnans for c in df.columns):  # (a full column: no empty row)
        filled = df.notna().any(axis=1)
        if not filled.all():
            df = df[filled]
    df.attrs["file"] = file
    if sheets is not None:
        df.attrs["sheets"] = sheets
    return df


def _read_excel(p: Path, sheet: str | int | None, skip_rows: int) -> pd.DataFrame:
    file = p.name
    engine = excel_engine() if p.suffix.lower() in (".xlsx", ".xlsm", ".xls") else None
    try:
        try:
            xf = pd.ExcelFile(p, engine=engine)
        except Exception:  # calamine could not open it: the pandas default (openpyxl / xlrd)
            if engine is None:
                raise
            engine = None
            xf = pd.ExcelFile(p)
    except ImportError as exc:
        raise DataContractError(f"cannot read {p.suffix} files: {exc}", file=file,
                                hint="save the workbook as .xlsx (or pip install xlrd for .xls)") from exc
    except Exception as exc:
        raise DataContractError(f"cannot open the workbook: {exc}", file=file,
                                hint="check that the file is a real Excel workbook and not open/locked") from exc
    with xf:
        names = [str(n) for n in xf.sheet_names]
        target: str | int = 0 if sheet is None else sheet
        if isinstance(target, str) and target not in names:
            if target.strip().isdigit() and int(target) < len(names):
                target = int(target)
            else:
                close = difflib.get_close_matches(target, names, n=1, cutoff=0.4)
                raise DataContractError(
                    f"no sheet named '{target}' (sheets: {', '.join(names)})", file=file,
                    hint=f"set `sheet: {close[0] if close else names[0]}` for this source",
                )
        if isinstance(target, int) and not 0 <= target < len(names):
            raise DataContractError(
                f"no sheet number {target}; the workbook has {len(names)} sheet(s): {', '.join(names)}",
                file=file, hint="sheet numbers start at 0; or give the sheet name",
            )
        df = pd.read_excel(xf, sheet_name=target, skiprows=skip_rows)
    df.attrs["sheets"] = names
    return df


def excel_engine() -> str | None:
    """The fast reader ``calamine`` (python-calamine, Rust) when installed, else None (pandas picks
    openpyxl for .xlsx, xlrd for .xls)."""
    try:
        import python_calamine  # noqa: F401
    except ImportError:
        return None
    return "calamine"


def read_sql(sql: dict[str, str], label: str) -> pd.DataFrame:
    """The result of ``sql["query"]`` on the database at ``sql["url"]`` (SQLAlchemy; a SQLite file by
    default), as read by :func:`read_table`: strings stay strings, row numbers count from 2 (the
    query's first row is "row 2", like a file's first data row)."""
    try:
        import sqlalchemy as sa
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise DataContractError("SQL sources need SQLAlchemy", file=label,
                                hint="pip install sqlalchemy") from exc
    url = sql["url"]
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:" and not Path(url[10:]).is_file():
        raise DataContractError(f"SQLite database not found: {url[10:]}", file=label,
                                hint="check `sql.url` (a path is read relative to data.dir)")
    try:
        engine = sa.create_engine(url)
    except Exception as exc:  # bad URL, missing driver
        raise DataContractError(f"cannot open the database {url.split('@')[-1]}: {exc}", file=label,
                                hint="check `sql.url` (a SQLAlchemy URL such as postgresql://user@host/db, "
                                     "or the path of a SQLite file) and that its driver is installed") from exc
    try:
        with engine.connect() as con:
            df = pd.read_sql_query(sa.text(sql["query"]), con)
    except Exception as exc:
        e: BaseException | None = exc  # the database's own words, without the wrappers around them
        while e is not None and getattr(e, "orig", None) is None:
            e = e.__cause__ or e.__context__
        msg = " ".join(str(e.orig if e is not None else exc).split())
        raise DataContractError(f"the query failed: {msg}", file=label,
                                hint="check `sql.query` (table and column names as in the database)") from exc
    finally:
        engine.dispose()
    df.columns = [str(c).strip() for c in df.columns]
    df.index = pd.RangeIndex(FIRST_DATA_ROW, FIRST_DATA_ROW + len(df), name=ROW_INDEX)
    df.attrs["file"] = label
    return df
