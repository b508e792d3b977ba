"""io: readers, encodings, mapping, validation errors (file, column, rows, fix) and warnings.

Row convention checked throughout: header = row 1, first data row = row 2.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from segment_lib.config import load_config
from segment_lib.contract import TABLES
from segment_lib.errors import ConfigError, DataContractError
from segment_lib.io import (
    apply_mapping,
    dataset_from_frames,
    detect_encoding,
    load_dataset,
    read_table,
    validate_table,
)

ROOT = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------- tiny fixtures
def frames() -> dict[str, pd.DataFrame]:
    """A tiny valid dataset with canonical columns (3 geo units, 2 regions, 2 reps, 4 customers)."""
    return {
        "customers": pd.DataFrame({"customer_id": ["C1", "C2", "C3", "C4"], "geo_unit_id": ["A", "A", "B", "C"],
                                   "owner_rep_id": ["R1", "R1", "R2", "R2"]}),
        "transactions": pd.DataFrame({"customer_id": ["C1", "C2", "C3", "C4", "C1"],
                                      "date": ["2025-01-05", "2025-02-01", "2025-03-01", "2025-04-01", "2025-05-01"],
                                      "amount": ["100", "200.5", "50", "75", "30"]}),
        "reps": pd.DataFrame({"rep_id": ["R1", "R2"], "region_id": ["N", "S"], "capacity": [10, 12]}),
        "geo_units": pd.DataFrame({"geo_unit_id": ["A", "B", "C"], "lat": [30.0, 31.0, 25.0],
                                   "lon": [120.0, 121.0, 113.0], "neighbors": ["B", "A;C", "B"]}),
        "splits": pd.DataFrame({"split": ["cur"] * 3, "geo_unit_id": ["A", "B", "C"], "region_id": ["N", "N", "S"]}),
    }


def build(**changes) -> object:
    t = frames()
    opts = {k: changes.pop(k) for k in ("as_of", "current_split", "future_dates") if k in changes}
    opts.setdefault("as_of", "2025-12-31")
    for name, df in changes.items():
        if df is None:
            t.pop(name, None)
        else:
            t[name] = df
    return dataset_from_frames(**t, **opts)


CONFIG = """
as_of: 2025-12-31
current_split: cur
data:
  sources:
    customers: {path: customers.csv, columns: {customer_id: 客户编号, geo_unit_id: 省份, owner_rep_id: 负责人工号, name: 客户名称}}
    transactions: {path: tx.csv, columns: {customer_id: 客户编号, date: 下单日期, amount: 金额}}
    reps: {path: reps.csv}
    geo_units: {path: geo.csv}
    splits: {path: splits.csv}
"""


def write_export(tmp_path: Path, customers_encoding: str = "gbk", tx_text: str | None = None) -> Path:
    """The tiny dataset as files with Chinese headers; returns the config path."""
    t = frames()
    cust = t["customers"].rename(columns={"customer_id": "客户编号", "geo_unit_id": "省份", "owner_rep_id": "负责人工号"})
    cust["客户名称"] = ["北京华信", "上海恒达", "广州东方", "深圳新科"]
    cust.to_csv(tmp_path / "customers.csv", index=False, encoding=customers_encoding)
    if tx_text is None:
        tx = t["transactions"].rename(columns={"customer_id": "客户编号", "date": "下单日期", "amount": "金额"})
        tx.to_csv(tmp_path / "tx.csv", index=False, encoding="utf-8-sig")
    else:
        (tmp_path / "tx.csv").write_text(tx_text, encoding="utf-8-sig")
    t["reps"].to_csv(tmp_path / "reps.csv", index=False)
    t["geo_units"].to_csv(tmp_path / "geo.csv", index=False)
    t["splits"].to_csv(tmp_path / "splits.csv", index=False)
    p = tmp_path / "cfg.yaml"
    p.write_text(CONFIG, encoding="utf-8")
    return p


def err(fn, *args, **kwargs) -> DataContractError:
    with pytest.raises(DataContractError) as e:
        fn(*args, **kwargs)
    return e.value


# --------------------------------------------------------------------------- happy paths
def test_valid_frames_build_typed_dataset():
    ds = build()
    assert ds.current_split == "cur"
    assert ds.as_of == pd.Timestamp("2025-12-31")
    assert str(ds.customers["customer_id"].dtype) == "string"
    assert ds.transactions["amount"].dtype == "float64"
    assert ds.transactions["date"].dtype == "datetime64[ns]"
    assert ds.transactions["amount"].sum() == pytest.approx(455.5)
    assert list(ds.customers.columns) == TABLES["customers"].column_names  # optional columns added
    assert ds.interactions.empty and list(ds.interactions.columns) == TABLES["interactions"].column_names
    assert ds.split().to_dict() == {"A": "N", "B": "N", "C": "S"}
    assert ds.warnings == []


def test_sample_export_loads_end_to_end():
    ds = load_dataset(ROOT / "config" / "sample_export.yaml")
    assert len(ds.customers) == 300
    assert ds.customers["customer_id"].iloc[0] == "100001"  # numeric ids become "100001", not "100001.0"
    assert set(ds.geo_units["geo_unit_id"]) >= {"北京", "上海", "海南"} and len(ds.geo_units) == 31
    assert set(ds.split()) == {"华北", "东北", "华东", "华中", "华南", "西南", "西北"}
    assert len(ds.reps) == 21 and ds.reps["hire_date"].notna().all()
    assert ds.transactions["amount"].min() < 0  # returns kept
    assert ds.interactions["is_complaint"].dtype == "boolean" and ds.interactions["is_complaint"].any()
    assert ds.surveys["csat"].between(1, 5).all()
    assert any("negative amounts" in w for w in ds.warnings)
    assert any("have no owner" in w for w in ds.warnings)
    assert ds.sources["customers"].endswith("customers.csv")


def test_gbk_and_bom_csvs_load_via_config(tmp_path):
    ds = load_dataset(write_export(tmp_path))
    assert list(ds.customers["name"]) == ["北京华信", "上海恒达", "广州东方", "深圳新科"]
    assert ds.transactions["customer_id"].tolist()[0] == "C1"  # BOM not glued to the first header


@pytest.mark.parametrize("encoding, expected", [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"),
                                                ("gb18030", "gb18030")])
def test_detect_encoding(encoding, expected):
    text = "客户编号,省份,负责人\n1001,北京,张伟\n1002,广东,李娜\n" * 3
    decoded, used = detect_encoding(text.encode(encoding))
    assert used == expected
    assert decoded.lstrip("\ufeff") == text


def test_gbk_with_few_chinese_characters_is_not_misread(tmp_path):
    # only the header is Chinese: charset detectors tend to call this a single-byte code page
    p = tmp_path / "c.csv"
    body = "客户编号,省份,负责人\n" + "".join(f"{i},BJ,R{i % 7}\n" for i in range(2000))
    p.write_bytes(body.encode("gbk"))
    assert read_table(p).columns.tolist() == ["客户编号", "省份", "负责人"]


def test_explicit_encoding_gbk(tmp_path):
    p = tmp_path / "c.csv"
    p.write_bytes("客户编号,省份\n1,北京\n".encode("gbk"))
    assert read_table(p, encoding="gbk")["省份"].tolist() == ["北京"]


def test_undecodable_mixed_file_names_byte_and_line(tmp_path):
    p = tmp_path / "mixed.csv"
    good = "客户编号,省份,负责人\n" + "".join(f"{i},北京,张伟\n" for i in range(5))
    p.write_bytes(good.encode("utf-8") + "9,广东,李娜\n".encode("gbk"))
    e = err(read_table, p)
    msg = str(e)
    assert e.file == "mixed.csv" and "[mixed.csv]" in msg
    assert f"byte {len(good.encode('utf-8')) + 2}" in msg and "line 7" in msg
    assert "UTF-8" in msg and "encoding: gbk" in msg


def test_wrong_explicit_encoding_names_line(tmp_path):
    p = tmp_path / "c.csv"
    p.write_bytes(b"id,name\n1,ok\n" + "2,北京\n".encode("gbk"))
    msg = str(err(read_table, p, encoding="utf-8"))
    assert "line 3" in msg and "byte 15" in msg and "Fix:" in msg


def test_tsv_semicolon_and_skip_rows(tmp_path):
    (tmp_path / "a.tsv").write_text("a\tb\n1\t2\n", encoding="utf-8")
    assert read_table(tmp_path / "a.tsv").columns.tolist() == ["a", "b"]
    (tmp_path / "b.csv").write_text("a;b\n1;2\n", encoding="utf-8")
    assert read_table(tmp_path / "b.csv")["b"].tolist() == ["2"]
    (tmp_path / "c.csv").write_text("客户导出 2025-12-31\n a , b \n1,2\n\n3,4\n", encoding="utf-8")
    df = read_table(tmp_path / "c.csv", skip_rows=1)
    assert df.columns.tolist() == ["a", "b"]  # stripped headers
    assert df.index.tolist() == [3, 4]  # spreadsheet rows: title=1, header=2, data from 3; blank line skipped


def test_excel_sheet_and_numeric_ids(tmp_path):
    p = tmp_path / "reps.xlsx"
    with pd.ExcelWriter(p) as xw:
        pd.DataFrame({"说明": ["导出"]}).to_excel(xw, sheet_name="说明", index=False)
        pd.DataFrame({"工号": [1001, 1002], "大区": ["华东", "华北"], "产能": [20, 25.5],
                      "入职日期": pd.to_datetime(["2020-01-01", "2021-06-30"])}).to_excel(xw, sheet_name="销售人员", index=False)
    df = read_table(p, sheet="销售人员")
    m = apply_mapping(df, {"rep_id": "工号", "region_id": "大区", "capacity": "产能", "hire_date": "入职日期"}, "reps")
    typed, _ = validate_table(m, "reps")
    assert typed["rep_id"].tolist() == ["1001", "1002"]
    assert typed["hire_date"].tolist() == list(pd.to_datetime(["2020-01-01", "2021-06-30"]))
    assert read_table(p, sheet=1).shape == (2, 4)
    e = err(read_table, p, sheet="销售")
    assert "销售人员" in str(e) and "说明" in str(e) and e.file == "reps.xlsx"


def test_parquet_int_and_float_ids(tmp_path):
    p = tmp_path / "c.parquet"
    pd.DataFrame({"customer_id": [1001, 1002], "geo_unit_id": [1.0, np.nan]}).to_parquet(p)
    df = read_table(p)
    assert df["customer_id"].dtype.kind == "i"
    typed, _ = validate_table(df.assign(geo_unit_id=[1.0, 2.0]), "customers")
    assert typed["customer_id"].tolist() == ["1001", "1002"]
    assert typed["geo_unit_id"].tolist() == ["1", "2"]


def test_id_strings_like_1001_0_normalised():
    df = pd.DataFrame({"customer_id": ["1001.0", " 1002 ", "C-3"], "geo_unit_id": ["A", "A", "A"]})
    typed, _ = validate_table(df, "customers")
    assert typed["customer_id"].tolist() == ["1001", "1002", "C-3"]


def test_amount_and_date_formats_tolerated():
    df = pd.DataFrame({"customer_id": ["1"] * 4, "date": ["2025/3/4", "2025年3月5日", "2025-03-06 10:30", "20250307"],
                       "amount": ["1,234.50", "¥99", " -5 ", "1e3"]})
    typed, w = validate_table(df, "transactions")
    assert typed["amount"].tolist() == [1234.5, 99.0, -5.0, 1000.0]
    assert typed["date"].dt.day.tolist() == [4, 5, 6, 7]
    assert any("1 negative amounts" in x for x in w)


# --------------------------------------------------------------------------- mapping errors
def test_chinese_headers_map():
    df = pd.DataFrame({"客户编号": ["1"], "省份": ["北京"], "备注": ["x"]})
    m = apply_mapping(df, {"customer_id": "客户编号", "geo_unit_id": "省份"}, "customers", "c.csv")
    assert m.columns.tolist() == ["customer_id", "geo_unit_id"]  # unmapped extras dropped


def test_wrong_mapping_header_names_found_columns_and_close_match():
    df = pd.DataFrame({"客户编号": ["1"], "省份": ["北京"]})
    e = err(apply_mapping, df, {"customer_id": "客户编码", "geo_unit_id": "省份"}, "customers", "customers.csv")
    msg = str(e)
    assert e.file == "customers.csv" and e.column == "客户编码"
    assert "found columns: 客户编号, 省份" in msg
    assert "data.sources.customers.columns.customer_id" in msg and "`customer_id: 客户编号`" in msg


def test_missing_required_column_suggests_mapping():
    df = pd.DataFrame({"客户编号": ["1"], "省份": ["北京"], "负责人": ["张伟"]})
    e = err(apply_mapping, df, {}, "customers", "customers.csv")
    msg = str(e)
    assert e.column == "customer_id"
    assert "customer_id, geo_unit_id missing" in msg
    assert "found columns: 客户编号, 省份, 负责人" in msg
    assert "`customer_id: 客户编号`" in msg and "`geo_unit_id: 省份`" in msg


def test_wrong_mapping_via_config(tmp_path):
    cfg = write_export(tmp_path)
    cfg.write_text(CONFIG.replace("amount: 金额", "amount: 总金额"), encoding="utf-8")
    e = err(load_dataset, cfg)
    assert e.file == "tx.csv" and "总金额" in str(e) and "`amount: 金额`" in str(e)


def test_missing_source_file_is_config_error(tmp_path):
    cfg = write_export(tmp_path)
    (tmp_path / "reps.csv").unlink()
    with pytest.raises(ConfigError, match=r"data\.sources\.reps\.path: file not found"):
        load_dataset(cfg)


# --------------------------------------------------------------------------- validation errors
def test_non_numeric_amount_names_rows_and_values(tmp_path):
    tx = "客户编号,下单日期,金额\nC1,2025-01-01,10\nC2,2025-01-02,abc\nC3,2025-01-03,5\nC4,2025-01-04,n/a元\n"
    e = err(load_dataset, write_export(tmp_path, tx_text=tx))
    assert e.file == "tx.csv" and e.column == "amount"
    assert e.rows == [3, 5]  # header = row 1
    assert e.values == ["abc", "n/a元"]
    assert "[tx.csv] column 'amount': 2 values that are not numbers (rows 3, 5)" in str(e)
    assert "Fix:" in str(e)


def test_unparseable_dates():
    df = pd.DataFrame({"customer_id": ["1", "2", "3"], "date": ["2025-01-01", "2025-02-30", "soon"], "amount": [1, 2, 3]})
    e = err(validate_table, df, "transactions", "tx.csv")
    assert e.column == "date" and e.rows == [3, 4] and e.values == ["2025-02-30", "soon"]
    assert "date_format" in str(e)


def test_date_format_from_config(tmp_path):
    df = pd.DataFrame({"customer_id": ["1", "2"], "date": ["03/04/2025", "31/12/2025"], "amount": [1, 2]})
    typed, _ = validate_table(df, "transactions", date_format="%d/%m/%Y")
    assert typed["date"].tolist() == list(pd.to_datetime(["2025-04-03", "2025-12-31"]))


def test_year_typo_is_reported_not_crashing():
    df = pd.DataFrame({"customer_id": ["1", "2"], "date": ["2025-01-01", "3025-01-01"], "amount": [1, 2]})
    e = err(validate_table, df, "transactions", "tx.csv")
    assert e.rows == [3] and e.values == ["3025-01-01"]


def test_duplicate_keys():
    c = frames()["customers"]
    c.loc[3, "customer_id"] = "C2"
    e = err(build, customers=c)
    assert e.file == "customers" and e.column == "customer_id"
    assert e.rows == [3, 5] and e.values == ["C2"] and "duplicate key" in str(e)


def test_duplicate_composite_key_in_splits():
    s = pd.concat([frames()["splits"], pd.DataFrame({"split": ["cur"], "geo_unit_id": ["A"], "region_id": ["S"]})])
    e = err(build, splits=s)
    assert e.column == "split, geo_unit_id" and e.rows == [2, 5] and e.values == ["cur/A"]


def test_empty_ids():
    c = frames()["customers"]
    c.loc[1, "customer_id"] = None
    c.loc[2, "customer_id"] = "  "
    e = err(build, customers=c)
    assert e.column == "customer_id" and e.rows == [3, 4] and "empty ids" in str(e)


def test_nan_amount_is_an_error():
    t = frames()["transactions"]
    t.loc[2, "amount"] = None
    e = err(build, transactions=t)
    assert e.column == "amount" and e.rows == [4] and "not treated as 0" in str(e)


@pytest.mark.parametrize("table, column, value, target", [
    ("transactions", "customer_id", "C9", "customers"),
    ("customers", "geo_unit_id", "Z", "geo_units"),
    ("customers", "owner_rep_id", "R9", "reps"),
    ("splits", "geo_unit_id", "Q", "geo_units"),
])
def test_unknown_foreign_keys(table, column, value, target):
    df = frames()[table]
    df.loc[1, column] = value
    e = err(build, **{table: df})
    assert e.file == table and e.column == column and e.rows == [3] and e.values == [value]
    assert f"not in {target}" in str(e)


def test_unknown_rep_in_interactions():
    inter = pd.DataFrame({"customer_id": ["C1", "C2"], "rep_id": ["R1", "R7"],
                          "opened_at": ["2025-03-01 09:00", "2025-03-02 10:00"]})
    e = err(build, interactions=inter)
    assert e.column == "rep_id" and e.rows == [3] and e.values == ["R7"]


@pytest.mark.parametrize("table, column, values, bad_rows", [
    ("reps", "capacity", [10, -1], [3]),
    ("surveys", "csat", [0, 5], [2]),
    ("surveys", "nps", [10, 11], [3]),
])
def test_ranges(table, column, values, bad_rows):
    if table == "surveys":
        df = pd.DataFrame({"customer_id": ["C1", "C2"], "date": ["2025-01-01"] * 2, column: values})
    else:
        df = frames()["reps"].assign(capacity=values)
    e = err(build, **{table: df})
    assert e.column == column and e.rows == bad_rows and "out of range" in str(e)


def test_future_dates_error_drop_and_warn():
    t = frames()["transactions"]
    t.loc[4, "date"] = "2026-02-01"
    e = err(build, transactions=t)
    assert e.column == "date" and e.rows == [6] and e.values == ["2026-02-01"] and "as_of 2025-12-31" in str(e)
    ds = build(transactions=t, future_dates="drop")
    assert len(ds.transactions) == 4 and any("dropped" in w for w in ds.warnings)
    # same-day timestamps are not "future"
    t.loc[4, "date"] = "2025-12-31 18:00"
    assert len(build(transactions=t).transactions) == 5
    c = frames()["customers"].assign(created_at=["2020-01-01", "2027-01-01", None, None])
    ds = build(customers=c)
    assert any("created_at" in w and "after as_of" in w and "rows 3" in w for w in ds.warnings)


def test_as_of_defaults_to_latest_transaction():
    ds = build(as_of=None)
    assert ds.as_of == pd.Timestamp("2025-05-01")
    assert any("as_of not set" in w for w in ds.warnings)


def test_partial_geography_warns_and_no_core_table_errors():
    ds = build(splits=None)
    assert any("need geo_units, reps and splits; missing: splits" in w for w in ds.warnings)
    assert not ds.has_geography and ds.current_split is None
    e = err(build, customers=None, transactions=None)
    assert "no transactions and no customers" in str(e)


def test_unknown_current_split():
    e = err(build, current_split="curr")
    assert e.file == "splits" and "current_split 'curr'" in str(e) and "'cur'" in str(e)


def test_bool_column_and_bad_bool():
    inter = pd.DataFrame({"customer_id": ["C1", "C2", "C3"], "rep_id": ["R1", "R1", "R2"],
                          "opened_at": ["2025-03-01"] * 3, "is_complaint": ["是", "否", "maybe"]})
    e = err(build, interactions=inter)
    assert e.column == "is_complaint" and e.rows == [4] and e.values == ["maybe"]
    ds = build(interactions=inter.assign(is_complaint=["是", "否", None]))
    assert ds.interactions["is_complaint"].tolist() == [True, False, pd.NA]


def test_malformed_csv_row(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("a,b\n1,2\n3,4,5\n", encoding="utf-8")
    e = err(read_table, p)
    assert e.file == "bad.csv" and "line 3" in str(e)


def test_empty_file(tmp_path):
    (tmp_path / "e.csv").write_bytes(b"")
    assert "empty" in str(err(read_table, tmp_path / "e.csv"))


# --------------------------------------------------------------------------- warnings
def test_soft_warnings():
    f = frames()
    f["transactions"].loc[0, "amount"] = "-20"
    f["geo_units"] = pd.concat([f["geo_units"], pd.DataFrame({"geo_unit_id": ["D"], "lat": [20.0], "lon": [110.0],
                                                              "neighbors": ["C;X"]})], ignore_index=True)
    f["geo_units"].loc[0, "neighbors"] = "B;C"  # A->C but C does not list A
    f["customers"].loc[3, "owner_rep_id"] = None
    f["customers"].loc[2, "owner_rep_id"] = "R1"  # R2 now owns nobody
    f["interactions"] = pd.DataFrame({"customer_id": ["C1"], "rep_id": ["R1"], "opened_at": ["2025-03-01 10:00"],
                                      "first_response_at": ["2025-03-01 09:00"]})
    ds = dataset_from_frames(**f, as_of="2025-12-31")
    text = "\n".join(ds.warnings)
    assert "[transactions] column 'amount': 1 negative amounts" in text
    assert "split 'cur' leaves 1 geo units without a region: D" in text
    assert "neighbours name unknown geo units: X" in text
    assert "one-way" in text and "A->C" in text and "D->C" in text
    assert "[customers] column 'owner_rep_id': 1 customers have no owner" in text
    assert "reps own no customers: R2" in text
    assert "[interactions] column 'first_response_at': 1 tickets have the first response before" in text
    f["transactions"] = f["transactions"][f["transactions"]["customer_id"] != "C2"]
    text = "\n".join(dataset_from_frames(**f, as_of="2025-12-31").warnings)
    assert "[customers] column 'customer_id': 1 customers have no transactions" in text


def test_ownership_conflicts_warned():
    own = pd.DataFrame({"customer_id": ["C1", "C1", "C2", "C3", "C4", "C4"], "rep_id": ["R1", "R2", "R1", "R2", "R2", "R2"]})
    ds = build(ownership=own)
    text = "\n".join(ds.warnings)
    assert "1 repeated owner claims dropped (rows 7)" in text
    assert "1 customers have more than one owner" in text
    assert len(ds.owners()) == 5


# --------------------------------------------------------------------------- demo round trip
def test_demo_parquet_layout_loads(tmp_path):
    from segment_lib import demo

    out = demo.write_demo(tmp_path / "demo", n_customers=500, seed=3)
    cfg = load_config(ROOT / "config" / "demo.yaml")
    text = (ROOT / "config" / "demo.yaml").read_text(encoding="utf-8").replace("../data/demo", str(out))
    (tmp_path / "demo.yaml").write_text(text, encoding="utf-8")
    ds = load_dataset(tmp_path / "demo.yaml")
    assert len(ds.customers) == 500 and ds.current_split == cfg.current_split
    assert str(ds.transactions["customer_id"].dtype) == "string"


# --------------------------------------------------------------------------- speed
def test_validation_is_vectorised():
    n = 300_000
    rng = np.random.default_rng(0)
    tx = pd.DataFrame({"customer_id": rng.choice(["C1", "C2", "C3", "C4"], n),
                       "date": pd.Series(pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 700, n), "D"))
                       .dt.strftime("%Y-%m-%d"),
                       "amount": rng.normal(100, 30, n).round(2).astype(str),
                       "transaction_id": np.arange(n).astype(str)})
    t0 = time.perf_counter()
    ds = build(transactions=tx)
    assert len(ds.transactions) == n
    assert time.perf_counter() - t0 < 5.0


def test_tables_checked_on_two_threads_give_the_sequential_result(monkeypatch):
    """Big data: tables are checked side by side, results read in contract order -- the same dataset,
    warnings in the same order, and the first error in contract order (customers before transactions)."""
    import segment_lib.io.load as load_mod

    f = frames()
    f["transactions"].loc[1, "amount"] = "-5"  # a soft warning
    seq = dataset_from_frames(**f, as_of="2025-12-31")
    monkeypatch.setattr(load_mod, "PARALLEL_MIN_ROWS", 0)
    par = dataset_from_frames(**f, as_of="2025-12-31")
    assert par.warnings == seq.warnings and any("negative amounts" in w for w in par.warnings)
    for name in ("customers", "transactions", "reps", "geo_units", "splits"):
        pd.testing.assert_frame_equal(getattr(par, name), getattr(seq, name))
    bad = frames()
    bad["customers"].loc[0, "customer_id"] = None  # an error in customers ...
    bad["transactions"].loc[0, "date"] = "not a date"  # ... and one in transactions
    with pytest.raises(DataContractError) as e:
        dataset_from_frames(**bad, as_of="2025-12-31")
    assert e.value.file == "customers" and e.value.column == "customer_id"


def test_long_foreign_key_lookups_made_ahead_on_the_threads_are_the_cross_checks_lookups(monkeypatch):
    """With two threads, the foreign-key lookups of long tables run as soon as both tables are checked:
    the cross checks then find them in the lookup cache, and the dataset, warnings and errors stay."""
    import segment_lib._arrow as arrow_mod
    import segment_lib.io.load as load_mod

    f = frames()
    seq = dataset_from_frames(**f, as_of="2025-12-31")
    monkeypatch.setattr(load_mod, "PARALLEL_MIN_ROWS", 0)
    monkeypatch.setattr(load_mod, "CACHE_MIN_ROWS", 0)
    monkeypatch.setattr(arrow_mod, "CACHE_MIN_ROWS", 0)
    monkeypatch.setattr(arrow_mod, "_CACHE", {})
    made = []
    real = arrow_mod.index_of
    monkeypatch.setattr(load_mod, "index_of", lambda v, k: made.append(len(v)) or real(v, k))
    par = dataset_from_frames(**f, as_of="2025-12-31")
    assert made and len(arrow_mod._CACHE) >= len(made)  # made ahead, kept for the cross checks
    assert par.warnings == seq.warnings
    for name in ("customers", "transactions", "reps", "geo_units", "splits"):
        pd.testing.assert_frame_equal(getattr(par, name), getattr(seq, name))
    bad = frames()
    bad["transactions"].loc[0, "customer_id"] = "NOPE"  # an unknown customer: the foreign-key error
    with pytest.raises(DataContractError) as e:
        dataset_from_frames(**bad, as_of="2025-12-31")
    assert e.value.file == "transactions" and e.value.column == "customer_id"
