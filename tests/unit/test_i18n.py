"""The message catalogue (both languages, same fields), money and names in the reader's language."""

from __future__ import annotations

import string

import pytest

from segment_lib import fmt, i18n


@pytest.fixture(autouse=True)
def _reset():
    yield
    i18n.configure(language="en")
    i18n.set_language(None)


def _fields(template: str) -> set[str]:
    """Format fields; the unit-name fields ({unit}, {units}, {Unit}, {Units}) count as one (Chinese has
    no plural or capitals, and t() fills them itself)."""
    return {"unit" if f.lower() in ("unit", "units") else f
            for _, f, _, _ in string.Formatter().parse(template) if f}


def test_every_template_has_both_languages_with_the_same_fields():
    assert len(i18n.MESSAGES) > 250
    for key, entry in i18n.MESSAGES.items():
        assert set(entry) == set(i18n.LANGUAGES), f"{key}: languages {sorted(entry)}"
        assert all(entry[lang].strip() for lang in i18n.LANGUAGES), f"{key}: empty template"
        assert _fields(entry["en"]) == _fields(entry["zh"]), f"{key}: {_fields(entry['en'])} vs {_fields(entry['zh'])}"
        if key.endswith((".title", ".text", ".caption")) or key.startswith(("tiering.col", "regions.col")):
            assert any("\u4e00" <= ch <= "\u9fff" for ch in entry["zh"]) or entry["zh"] == entry["en"], key


def test_t_fills_unit_names_and_fails_clearly():
    i18n.configure(language="en", unit_name="county")
    assert i18n.t("rebalance.moves.caption") == "Counties that change region"
    i18n.configure(language="zh", unit_name={"en": "county", "zh": "县"})
    assert i18n.t("rebalance.moves.caption") == "更换大区的县"
    i18n.configure(language="en", unit_name={"en": "zip code", "zh": "邮编区"})
    assert i18n.unit_forms()["units"] == "zip codes"
    with pytest.raises(KeyError, match="no message 'nope'"):
        i18n.t("nope")


def test_money_follows_currency_and_language():
    i18n.configure(language="en", currency="USD")
    assert fmt.money_text(25_300_000) == "$25.3M"
    assert fmt.money_text(-1234) == "\u2212$1.2k"
    i18n.configure(language="zh")
    assert fmt.money_text(487_000_000) == "¥4.87亿"
    assert fmt.money_text(25_300_000) == "¥2,530万"
    assert fmt.money_text(12_345) == "¥1.2万"
    assert fmt.money_text(950, "GBP") == "£950"
    assert fmt.money_text(float("nan")) == "–"
    assert fmt.count_text(5666) == "5,666"


def test_names_built_in_and_configured():
    i18n.configure(language="zh", labels={"XX": "新区", "HA": {"en": "Henan province", "zh": "河南省"}})
    assert i18n.name("GD") == "广东" and i18n.name("East") == "华东" and i18n.name("VIP") == "VIP客户"
    assert i18n.name("XX") == "新区" and i18n.name("HA") == "河南省"
    assert i18n.name("C000123") == "C000123" and i18n.name(3) == 3
    i18n.configure(language="en")
    assert i18n.name("华东") == "East" and i18n.name("GD") == "Guangdong"


def test_config_reading_settings(tmp_path):
    from segment_lib.config import load_config
    from segment_lib.errors import ConfigError
    from segment_lib.testing import DEMO_CONFIG

    text = DEMO_CONFIG.read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("currency: CNY", "currency: dollars"), encoding="utf-8")
    with pytest.raises(ConfigError, match="reports.currency"):
        load_config(bad)
    ok = tmp_path / "ok.yaml"
    ok.write_text(text.replace("currency: CNY", "currency: usd\n  labels: {HA: 河南}")
                  .replace("extra_edges: [[HI, GD]]", "extra_edges: [[HI, GD]]\n    unit_name: county"),
                  encoding="utf-8")
    cfg = load_config(ok)
    assert cfg.reports.currency == "USD" and cfg.reports.labels == {"HA": "河南"}
    assert cfg.params.geo.unit_name == "county"
