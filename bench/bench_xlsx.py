"""Reading a large order-lines workbook: the calamine reader (what io.read_table uses) against openpyxl.

    python bench/bench_xlsx.py [--rows 540k] [--out /tmp/online_retail.xlsx] [--openpyxl]

Writes a seeded UK-style order-lines workbook (InvoiceNo, StockCode, Description, Quantity, InvoiceDate,
UnitPrice, CustomerID, Country; ~2% cancellations, ~25% lines without a customer) once, then times
``segment_lib.io.read_table`` (calamine) and, with ``--openpyxl``, ``pandas.read_excel(engine="openpyxl")``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from common import parse_size  # noqa: E402 - bench/ is on sys.path


def write_workbook(path: Path, rows: int, seed: int = 0) -> None:
    from openpyxl import Workbook

    rs = np.random.RandomState(seed)
    n_inv = rows // 20
    inv = rs.randint(0, n_inv, rows)
    cust = np.where(rs.rand(n_inv) < 0.25, np.nan, rs.randint(12000, 18500, n_inv).astype(float))[inv]
    cancel = rs.rand(n_inv)[inv] < 0.02
    qty = rs.randint(1, 25, rows) * np.where(cancel, -1, 1)
    day = pd.Timestamp("2024-12-01") + pd.to_timedelta(rs.randint(0, 540 * 24 * 60, n_inv)[inv], unit="min")
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Online Retail")
    ws.append(["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID",
               "Country"])
    price = np.round(rs.gamma(2, 2, rows), 2)
    for i in range(rows):
        ws.append([("C" if cancel[i] else "") + str(536365 + inv[i]), f"{85000 + i % 4000}", "ITEM",
                   int(qty[i]), day[i].to_pydatetime(), float(price[i]),
                   None if np.isnan(cust[i]) else float(cust[i]), "United Kingdom"])
    wb.save(path)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", default="540k")
    ap.add_argument("--out", default="/tmp/online_retail.xlsx")
    ap.add_argument("--openpyxl", action="store_true", help="also time the openpyxl fallback")
    a = ap.parse_args()
    rows, path = parse_size(a.rows), Path(a.out)
    if not path.is_file():
        t0 = time.perf_counter()
        write_workbook(path, rows)
        print(f"wrote {rows:,} lines to {path} ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t0:.1f}s")
    from segment_lib.io import read_table

    t0 = time.perf_counter()
    df = read_table(path, sheet="Online Retail")
    print(f"read_table (calamine): {len(df):,} rows in {time.perf_counter() - t0:.1f}s")
    if a.openpyxl:
        t0 = time.perf_counter()
        df = pd.read_excel(path, sheet_name="Online Retail", engine="openpyxl")
        print(f"pandas.read_excel(engine='openpyxl'): {len(df):,} rows in {time.perf_counter() - t0:.1f}s")


if __name__ == "__main__":
    main()
