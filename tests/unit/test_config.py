"""Config loading: paths, defaults, overrides and clear errors for malformed YAML."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from segment_lib.config import Config, load_config
from segment_lib.errors import ConfigError, SegmentLibError
from segment_lib.params import DEFAULT_TIER_EFFORT, DEFAULT_TOLERANCE, Params

ROOT = Path(__file__).resolve().parents[2]

SOURCES = """
data:
  dir: data
  sources:
    customers: {path: customers.csv, columns: {customer_id: 客户编号}}
    transactions: {path: tx.csv}
    reps: {path: reps.xlsx, sheet: 销售人员}
    geo_units: geo.csv
    splits: {path: splits.csv}
"""


def write(tmp_path: Path, text: str, name: str = "cfg.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_demo_config_loads_with_paths_relative_to_yaml():
    cfg = load_config(ROOT / "config" / "demo.yaml")
    assert cfg.run_name == "demo"
    assert cfg.as_of == pd.Timestamp("2025-12-31")
    assert cfg.current_split == "traditional"
    assert cfg.data_dir == (ROOT / "data" / "demo").resolve()
    assert cfg.sources["customers"].path == (ROOT / "data" / "demo" / "customers.parquet").resolve()
    assert cfg.sources["customers"].encoding == "auto"
    assert cfg.reports.dir == (ROOT / "reports").resolve()
    assert cfg.reports["notebooks"][0] == "00_overview"  # dict-style access works too
    assert cfg.demo.n_customers == 20000 and cfg.demo["seed"] == 7
    assert cfg.params.tiering.method == "kmeans"


def test_sample_export_config_loads():
    cfg = load_config(ROOT / "config" / "sample_export.yaml")
    assert cfg.sources["reps"].sheet == "销售人员"
    assert cfg.sources["customers"].columns["customer_id"] == "客户编号"
    assert cfg.demo is None


def test_defaults_and_source_fields(tmp_path):
    p = write(tmp_path, SOURCES)
    cfg = load_config(p)
    assert cfg.run_name == "cfg" and cfg.title == "cfg"
    assert cfg.as_of is None and cfg.current_split is None
    assert cfg.future_dates == "error"
    assert cfg.sources["geo_units"].path == (tmp_path / "data" / "geo.csv").resolve()  # shorthand
    assert cfg.sources["reps"].sheet == "销售人员"
    assert cfg.sources["customers"].date_format is None
    assert cfg.params == Params() and cfg.params.rebalance.tolerance == DEFAULT_TOLERANCE
    assert isinstance(cfg, Config)


def test_missing_file_is_config_error(tmp_path):
    with pytest.raises(ConfigError, match="config file not found") as e:
        load_config(tmp_path / "nope.yaml")
    assert "nope.yaml" in str(e.value)
    assert isinstance(e.value, SegmentLibError)


def test_invalid_yaml(tmp_path):
    p = write(tmp_path, "as_of: [2025\n  broken: {")
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_config(p)


def test_unknown_top_level_key_suggests(tmp_path):
    p = write(tmp_path, "as_off: 2025-12-31\n")
    with pytest.raises(ConfigError, match=r"as_off.*did you mean 'as_of'"):
        load_config(p)


def test_unknown_table_suggests(tmp_path):
    p = write(tmp_path, SOURCES.replace("transactions:", "transaction:"))
    with pytest.raises(ConfigError, match=r"data\.sources\.transaction: unknown table.*did you mean 'transactions'"):
        load_config(p)


def test_unknown_source_key_suggests(tmp_path):
    p = write(tmp_path, SOURCES.replace("{path: tx.csv}", "{path: tx.csv, colums: {}}"))
    with pytest.raises(ConfigError, match=r"data\.sources\.transactions\.colums.*did you mean 'columns'"):
        load_config(p)


def test_as_of_not_a_date(tmp_path):
    p = write(tmp_path, "as_of: 2025-13-45\n")
    with pytest.raises(ConfigError, match=r"as_of: '2025-13-45' is not a date"):
        load_config(p)


def test_unknown_canonical_column_suggests(tmp_path):
    p = write(tmp_path, SOURCES.replace("customer_id: 客户编号", "custmer_id: 客户编号"))
    with pytest.raises(ConfigError, match=r"columns\.custmer_id.*did you mean 'customer_id'"):
        load_config(p)


def test_reversed_mapping_detected(tmp_path):
    p = write(tmp_path, SOURCES.replace("customer_id: 客户编号", "客户编号: customer_id"))
    with pytest.raises(ConfigError, match="looks reversed"):
        load_config(p)


def test_only_transactions_or_customers_are_needed(tmp_path):
    assert "splits" not in load_config(write(tmp_path, SOURCES.replace("    splits: {path: splits.csv}\n", ""))).sources
    p = write(tmp_path, "data:\n  sources:\n    reps: {path: reps.csv}\n")
    with pytest.raises(ConfigError, match=r"data\.sources: give transactions \(for tiering\) or customers"):
        load_config(p)


def test_bad_encoding_and_suffix_and_sheet(tmp_path):
    with pytest.raises(ConfigError, match=r"data\.sources\.transactions\.encoding: unknown encoding 'gbkk'"):
        load_config(write(tmp_path, SOURCES.replace("{path: tx.csv}", "{path: tx.csv, encoding: gbkk}")))
    with pytest.raises(ConfigError, match=r"transactions\.path: cannot read 'tx.json'"):
        load_config(write(tmp_path, SOURCES.replace("tx.csv", "tx.json")))
    with pytest.raises(ConfigError, match=r"reps\.sheet"):
        load_config(write(tmp_path, SOURCES.replace("sheet: 销售人员", "sheet: [1, 2]")))


def test_future_dates_policy_validated(tmp_path):
    p = write(tmp_path, SOURCES.replace("  dir: data\n", "  dir: data\n  future_dates: dorp\n"))
    with pytest.raises(ConfigError, match=r"data\.future_dates.*did you mean 'drop'"):
        load_config(p)


def test_with_overrides_copies_and_deep_merges():
    cfg = load_config(ROOT / "config" / "demo.yaml")
    new = cfg.with_overrides(as_of="2025-06-30", current_split="other",
                             params={"tiering": {"n_tiers": 4}}, **{"params.rebalance.tolerance": 0.2})
    assert new.as_of == pd.Timestamp("2025-06-30")
    assert new.current_split == "other"
    assert new.params.to_dict()["tiering"] == {"method": "kmeans", "n_tiers": 4,
                                               "labels": ["VIP", "Key", "Regular", "Dormant"]}
    assert new.params.tiering.n_tiers == 4 and new.params.tiering.labels == ["VIP", "Key", "Regular", "Dormant"]
    assert new.params.rebalance.tolerance == 0.2
    # original untouched
    assert cfg.as_of == pd.Timestamp("2025-12-31")
    assert cfg.params.tiering.n_tiers == "auto"
    assert cfg.params.rebalance.tolerance == 0.10
    with pytest.raises(ConfigError, match=r"params.tiering.n_tier: unknown key 'n_tier'; did you mean 'n_tiers'"):
        cfg.with_overrides(**{"params.tiering.n_tier": 3})
    with pytest.raises(ConfigError, match="did you mean 'as_of'"):
        cfg.with_overrides(asof="2025-01-01")
    with pytest.raises(ConfigError, match="not a date"):
        cfg.with_overrides(as_of="soon")


def test_to_dict_round_trip(tmp_path):
    cfg = load_config(ROOT / "config" / "sample_export.yaml")
    again = Config.from_dict(cfg.to_dict(), base_dir=tmp_path)
    assert again.sources == cfg.sources
    assert again.as_of == cfg.as_of and again.params == cfg.params


def test_reports_language(tmp_path):
    from segment_lib.config import load_config
    from segment_lib.errors import ConfigError

    base = "as_of: 2025-12-31\ndata: {sources: {}}\n"
    p = tmp_path / "c.yaml"
    p.write_text(base)
    assert load_config(p).reports.language == "en"
    p.write_text(base + "reports: {language: zh}\n")
    assert load_config(p).reports.language == "zh"
    p.write_text(base + "reports: {language: fr}\n")
    with pytest.raises(ConfigError, match="reports.language"):
        load_config(p)


@pytest.mark.parametrize("params, message", [
    ({"tiering": {"n_tier": 4}}, r"params\.tiering\.n_tier: unknown key 'n_tier'; did you mean 'n_tiers'\?"),
    ({"tierng": {"n_tiers": 4}}, r"params\.tierng: unknown section 'tierng'; did you mean 'tiering'\?"),
    ({"rebalance": {"tolerence": 0.2}}, r"params\.rebalance\.tolerence: .*did you mean 'tolerance'"),
    ({"regions": {"tier_efort": {"VIP": 2}}}, r"params\.regions\.tier_efort: .*did you mean 'tier_effort'"),
    ({"geo": {"extra_edge": []}}, r"params\.geo\.extra_edge: .*did you mean 'extra_edges'"),
    ({"overview": {"revenue_month": 6}}, r"params\.overview\.revenue_month: .*did you mean 'revenue_months'"),
    ({"engine": {"nme": "dask"}}, r"params\.engine: unknown key"),
    ({"rebalance": {"tolerance": "ten percent"}}, r"params\.rebalance\.tolerance: expected a number, got str"),
    ({"regions": {"show_ids": "yes"}}, r"params\.regions\.show_ids: expected true or false"),
    ({"tiering": {"method": "kmean"}}, r"params\.tiering\.method: 'kmean' is not one of .*did you mean 'kmeans'"),
    ({"regions": {"tier_effort": {"VIP": -1}}}, r"params\.regions\.tier_effort\.VIP: expected a number >= 0"),
    ({"geo": {"extra_edges": [["HI"]]}}, r"params\.geo\.extra_edges\[0\]: expected a pair"),
    ({"rebalance": {"tolerance": -0.1}}, r"params\.rebalance\.tolerance: must be at least 0"),
])
def test_params_typos_and_types_fail_with_the_dotted_key(tmp_path, params, message):
    p = write(tmp_path, SOURCES + "\n" + yaml.safe_dump({"params": params}, allow_unicode=True))
    with pytest.raises(ConfigError, match=message):
        load_config(p)


def test_params_defaults_live_in_one_place():
    from segment_lib.params import RebalanceParams, RegionsParams

    assert RebalanceParams().tolerance == DEFAULT_TOLERANCE
    assert RegionsParams().tier_effort == DEFAULT_TIER_EFFORT
    # every params default is typed and documented
    from dataclasses import fields

    from segment_lib import params as pm
    for cls in (pm.OverviewParams, pm.TieringParams, pm.RegionsParams, pm.RebalanceParams, pm.GeoParams):
        for f in fields(cls):
            assert f.metadata["doc"] and f.metadata["types"], (cls.__name__, f.name)
