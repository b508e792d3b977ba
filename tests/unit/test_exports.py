"""Real CRM exports of any shape (issue 11): transactions only, order lines, SQL sources, optional tables,
and validation that agrees with the reports.  Every fixture is built here, in the shape users export.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from segment_lib import pipeline, views
from segment_lib.config import Config, load_config
from segment_lib.errors import ConfigError, DataContractError, ModelInputError
from segment_lib.features import customer_features
from segment_lib.io import dataset_from_frames, load_dataset
from segment_lib.params import lookback_window, parse_params
from segment_lib.testing import transactions_only_export


def write_cfg(folder: Path, text: str) -> Path:
    p = folder / "cfg.yaml"
    p.write_text(text, encoding="utf-8")
    return p


# --------------------------------------------------------------------------- transactions only
def test_transactions_only_validates_and_runs_overview_and_tiering(tmp_path):
    cfg = load_config(transactions_only_export(tmp_path))
    ds = load_dataset(cfg)
    assert ds.customers["customer_id"].str.len().eq(6).all() and "000001" in set(ds.customers["customer_id"])
    assert ds.transactions["date"].min() >= pd.Timestamp("2024-07-01")
    assert ds.sources["customers"] == "derived from tx.csv" and not ds.has("customers")
    assert views.unmet("02_regions", ds) == "Regions needs customers, geo_units, reps and splits"
    assert views.unmet("00_overview", ds) is None and views.unmet("01_tiering", ds) is None
    ctx = pipeline.build_context(cfg, dataset=ds)
    first = ds.transactions["date"].min()
    assert ctx.lookback_days == (ds.as_of - first).days + 1 == ctx.features.attrs["lookback_days"]
    ov = views.overview.build(ctx)
    assert "Revenue, all history" in ov.kpis and "Regions" not in ov.kpis
    assert ov.captions["where"] == "The data has no regions: all customers in one bar."  # (not "split (None)")
    assert ov.metrics["revenue_12m"] == pytest.approx(ds.transactions["amount"].sum())
    tv = views.tiering.build(ctx)
    assert tv.metrics["tiering_chosen_k"] >= 2


def test_lookback_days_param():
    assert parse_params({"lookback_days": "all"}).lookback_days == "all"
    assert parse_params({}).lookback_days == 365
    with pytest.raises(ConfigError, match="params.lookback_days"):
        parse_params({"lookback_days": 1})
    with pytest.raises(ConfigError, match="did you mean 'lookback_days'"):
        parse_params({"lookback_day": 90})
    assert lookback_window("all", "2025-12-31", "2025-12-01") == 31
    assert parse_params({"lookback_days": 90}).with_overrides({"lookback_days": "all"}).lookback_days == "all"


# --------------------------------------------------------------------------- order lines
def order_lines_workbook(folder: Path) -> Path:
    """A UK-style order-lines workbook: several lines per invoice, C-invoices cancel, guest orders."""
    rows = [  # invoice, customer, date, qty, price
        ("536365", "17850", "2024-12-01 08:26", 6, 2.55), ("536365", "17850", "2024-12-01 08:26", 8, 3.39),
        ("536366", "17850", "2024-12-01 08:28", 6, 1.85),
        ("C536379", "17850", "2024-12-01 09:41", -1, 27.50),  # cancellation
        ("536370", "12583", "2024-12-01 08:45", 24, 3.75), ("536370", "12583", "2024-12-01 08:45", 12, 0.85),
        ("536371", None, "2024-12-01 09:00", 80, 2.55), ("536371", None, "2024-12-01 09:00", 2, 5.00),  # guest
        ("536372", "13047", "2024-12-02 09:01", 2, 1.85),
    ]
    df = pd.DataFrame(rows, columns=["InvoiceNo", "CustomerID", "InvoiceDate", "Quantity", "UnitPrice"])
    with pd.ExcelWriter(folder / "online_retail.xlsx") as xw:
        pd.DataFrame({"about": ["export of 2024-12-02"]}).to_excel(xw, sheet_name="Notes", index=False)
        df.to_excel(xw, sheet_name="Online Retail", index=False)
    return folder / "online_retail.xlsx"


ORDER_LINES = """
as_of: 2024-12-31
data:
  sources:
    transactions:
      path: online_retail.xlsx
      sheet: Online Retail
      columns: {customer_id: CustomerID, date: InvoiceDate, order_id: InvoiceNo, quantity: Quantity, unit_price: UnitPrice}
"""


def test_order_lines_distinct_invoices_net_amount_guest_rows(tmp_path):
    order_lines_workbook(tmp_path)
    ds = load_dataset(write_cfg(tmp_path, ORDER_LINES))
    guest = [w for w in ds.warnings if "without a customer id" in w]
    assert guest and "2 rows" in guest[0] and "amount 214.00" in guest[0] and "rows 8, 9" in guest[0]
    expected = {"17850": (2, 6 * 2.55 + 8 * 3.39 + 6 * 1.85 - 27.5), "12583": (1, 24 * 3.75 + 12 * 0.85),
                "13047": (1, 3.7)}
    pq = tmp_path / "tx.parquet"
    ds.transactions.to_parquet(pq)
    for engine in ("pandas", "duckdb", "parquet"):
        data = {"transactions": str(pq), "as_of": ds.as_of} if engine == "parquet" else ds
        f = customer_features(data, engine=engine).set_index("customer_id")
        for cid, (freq, net) in expected.items():
            assert f.loc[cid, "frequency"] == freq and f.loc[cid, "orders_lifetime"] == freq, engine
            assert f.loc[cid, "monetary_total"] == pytest.approx(net), engine


def test_order_lines_hints(tmp_path):
    order_lines_workbook(tmp_path)
    # the invoice number mapped as the line id: the hint recommends order_id, not leaving it unmapped
    wrong = ORDER_LINES.replace("order_id: InvoiceNo", "transaction_id: InvoiceNo")
    with pytest.raises(DataContractError, match="map it as order_id instead") as e:
        load_dataset(write_cfg(tmp_path, wrong))
    assert "leave transaction_id unmapped" not in str(e.value)
    # headers of another sheet: the error names the workbook's sheets and suggests `sheet:`
    with pytest.raises(DataContractError) as e:
        load_dataset(write_cfg(tmp_path, ORDER_LINES.replace("      sheet: Online Retail\n", "")))
    assert "Notes, Online Retail" in str(e.value) and "`sheet: Online Retail`" in str(e.value)
    # every row without a customer id: an error, not an empty dataset
    t = pd.DataFrame({"customer_id": [None, None], "date": ["2024-01-01"] * 2, "amount": [1.0, 2.0]})
    with pytest.raises(DataContractError, match="all 2 rows have an empty customer id"):
        dataset_from_frames(transactions=t, as_of="2024-12-31")


# --------------------------------------------------------------------------- SQL
def test_sqlite_crm_database(tmp_path):
    con = sqlite3.connect(tmp_path / "crm.sqlite")
    con.executescript("""
        CREATE TABLE kunden (kid TEXT, ort TEXT);
        INSERT INTO kunden VALUES ('K1', 'A'), ('K2', 'B'), ('K3', 'B');
        CREATE TABLE orders (oid INTEGER, kid TEXT, tag TEXT, summe REAL, storno INTEGER);
        INSERT INTO orders VALUES (1, 'K1', '2025-01-03', 120.5, 0), (2, 'K2', '2025-02-03', 80, 0),
                                  (3, 'K2', '2025-03-01', 30, 1), (4, 'K3', '2025-03-02', 55, 0);
    """)
    con.commit()
    con.close()
    text = """
as_of: 2025-03-31
data:
  sources:
    customers:
      sql: {url: crm.sqlite, table: kunden}
      columns: {customer_id: kid}
    transactions:
      sql: {url: crm.sqlite, query: "SELECT oid, kid AS kunde, tag, summe FROM orders WHERE storno = 0"}
      columns: {customer_id: kunde, date: tag, amount: summe, transaction_id: oid}
"""
    cfg = load_config(write_cfg(tmp_path, text))
    assert cfg.sources["transactions"].sql["url"] == f"sqlite:///{tmp_path / 'crm.sqlite'}"
    ds = load_dataset(cfg)
    assert len(ds.transactions) == 3 and ds.transactions["amount"].sum() == pytest.approx(255.5)
    assert list(ds.customers["customer_id"]) == ["K1", "K2", "K3"] and ds.has("customers")
    with pytest.raises(DataContractError, match="the query failed: no such table: nope"):
        load_dataset(write_cfg(tmp_path, text.replace("table: kunden", "query: SELECT * FROM nope")))
    with pytest.raises(ConfigError, match="give a query"):
        load_config(write_cfg(tmp_path, text.replace("table: kunden", "")))


# --------------------------------------------------------------------------- validation = reports
@pytest.fixture(scope="module")
def small():
    from segment_lib.demo import generate

    d = generate(n_customers=200, seed=3).dataset
    names = ["customers", "transactions", "reps", "geo_units", "splits", "interactions", "surveys", "ownership"]
    return d, {t: d.table(t) for t in names if not d.table(t).empty}


FAST = Config.from_dict({"params": {"regions": {"n_boot": 20}, "tiering": {"stability_boot": 1},
                                    "rebalance": {"ensemble_steps": 5, "time_limit": 0.2, "baseline_restarts": 1}}})


def frames_ds(small, **changes):
    d, base = small
    t = {**base, **changes}
    return dataset_from_frames(as_of=d.as_of, current_split=d.current_split,
                               **{k: v for k, v in t.items() if v is not None})


def test_csat_only_surveys_leave_nps_out(small):
    ds = frames_ds(small, surveys=small[1]["surveys"].drop(columns=["nps"]))
    rv = views.regions.build(pipeline.build_context(FAST, dataset=ds))
    assert any("no NPS answers" in w and "NPS is left out" in w for w in rv.warnings)
    from segment_lib import i18n  # and in a Chinese report
    assert any("本报告不含 NPS" in i18n.render(w, "zh") for w in rv.evaluation.warnings)
    assert rv.evaluation.service["nps"].isna().all() and rv.evaluation.service["csat"].notna().any()


def test_region_without_reps(small):
    import matplotlib

    matplotlib.use("Agg")
    from segment_lib.plots import regions as charts

    sp = small[1]["splits"]
    ds = frames_ds(small, splits=sp.assign(region_id=sp["region_id"].mask(sp["geo_unit_id"].eq("XJ"), "Far West")))
    assert any("1 region(s) have no reps: Far West" in w for w in ds.warnings)
    assert "no reps: Far West" in views.unmet("03_rebalance", ds)
    rv = views.regions.build(pipeline.build_context(FAST, dataset=ds))
    row = rv.region_table.set_index(rv.region_table.columns[0]).loc["Far West"]
    assert "no reps" in row.astype(str).tolist()
    for fig in (charts.load_vs_capacity(rv.evaluation), charts.split_comparison(rv.comparison)):
        assert all(np.isfinite(ax.get_xlim()).all() for ax in fig.axes)


def test_validation_errors_name_the_problem(small):
    reps = small[1]["reps"]
    with pytest.raises(DataContractError, match="capacity must be greater than 0") as e:
        frames_ds(small, reps=reps.assign(capacity=reps["capacity"].where(reps.index != 2, 0)))
    assert e.value.rows == [4]  # spreadsheet row: header = 1
    with pytest.raises(DataContractError, match="leaves 1 geo unit\\(s\\) with customers without a region: BJ"):
        frames_ds(small, splits=small[1]["splits"].query("geo_unit_id != 'BJ'"))
    empty = small[1]["transactions"].iloc[:0]
    ds = frames_ds(small, transactions=empty)
    assert any("no data rows" in w for w in ds.warnings) and not ds.has("transactions")
    with pytest.raises(DataContractError, match="header but no data rows"):
        dataset_from_frames(transactions=empty, as_of="2025-01-01")


def test_no_transactions_every_account_weighs_one(small):
    ds = frames_ds(small, transactions=None)
    ctx = pipeline.build_context(FAST, dataset=ds)
    assert not ctx.tiers.available and "no transactions" in ctx.tiers.reason
    assert "needs transactions" in views.unmet("01_tiering", ds)
    rv = views.regions.build(ctx)
    assert "every account weighs 1" in rv.context_note
    from segment_lib import export

    tt = export.tier_table(ctx)  # the take-away workbook's tiers sheet says why there are none
    assert len(tt) == len(ds.customers) and tt["reason"].str.contains("no transactions").all()


def test_single_tier_data_is_said_not_crashed(small):
    tx = small[1]["transactions"].drop_duplicates("customer_id").assign(amount=100.0, date=small[0].as_of)
    ctx = pipeline.build_context(FAST.with_overrides(params={"tiering": {"n_tiers": 3}}),
                                 dataset=frames_ds(small, transactions=tx))
    assert not ctx.tiers.available and "distinct" in ctx.tiers.reason
    assert "Tiering needs tiers" in views.unmet("01_tiering", ctx.dataset, ctx.tiers)
    assert any("No customer tiers could be made" in f for f in views.overview.build(ctx).findings)
    with pytest.raises(ModelInputError, match="this run has no tiers"):
        views.tiering.build(ctx)


def test_future_latest_date_warns(small):
    tx = pd.DataFrame({"customer_id": ["1", "2"], "date": ["2024-01-01", "2030-01-01"], "amount": [1.0, 2.0]})
    ds = dataset_from_frames(transactions=tx)
    assert any("after today" in w and "2030-01-01" in w for w in ds.warnings)


def test_float_counts_and_to_parquet(small, tmp_path):
    from segment_lib.tiering import TierModel

    f = customer_features(small[0])
    f.to_parquet(tmp_path / "f.parquet")
    assert pd.Timestamp(pd.read_parquet(tmp_path / "f.parquet").attrs["as_of"]) == small[0].as_of
    with pytest.raises(ModelInputError, match="'frequency' counts orders .* whole numbers"):
        TierModel().fit(f.assign(frequency=f["frequency"] / 2 + 0.25))


def test_personal_data_hidden_unless_asked(small):
    ctx = pipeline.build_context(FAST, dataset=frames_ds(small))
    assert ctx.dataset.customers["name"].isna().all() and small[0].customers["name"].notna().any()
    shown = pipeline.build_context(FAST.with_overrides(reports=FAST.reports.__class__(
        dir=FAST.reports.dir, show_personal_data=True)), dataset=frames_ds(small))
    assert shown.dataset.customers["name"].notna().any()
