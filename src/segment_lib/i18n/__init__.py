"""Report language: one catalogue of message templates, each in English and Chinese.

Every word a report reader sees comes from :data:`MESSAGES` through :func:`t`::

    t("overview.kpi.customers")                    # "Customers" / "客户数"
    t("rebalance.moved", n=9, share="5.2%")        # templates use str.format fields

The catalogue is split by report (``i18n/common.py``, ``overview.py``, ``tiering.py``,
``regions.py``, ``rebalance.py``); keys are dotted by report/area.  A test checks that every
template has both languages with the same fields.

Run settings (set once per report by :func:`configure`, which ``pipeline.open_report`` calls with
the config): the language (``reports.language``; the runner also hands it to the kernel as
``$SEGMENT_LIB_LANGUAGE``), the currency (``reports.currency``), label maps for data names
(``reports.labels``) and the name of a geo unit (``params.geo.unit_name``).  Templates may use
``{unit}``, ``{units}``, ``{Unit}`` and ``{Units}`` without passing them: they are filled from the
unit name.  :func:`name` turns data names (province codes, region, tier and industry names) into
the reader's language.
"""

from __future__ import annotations

import csv
import os
import string
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from typing import Any

from . import common, data, overview, rebalance, regions, takeaway, tiering

LANGUAGES = ("en", "zh")
CURRENCIES = {"CNY": "¥", "USD": "$", "GBP": "£", "EUR": "€", "JPY": "JP¥", "HKD": "HK$"}
DEFAULT_CURRENCY = "CNY"

#: known geo unit kinds: key -> (English singular, English plural, Chinese)
UNIT_NAMES: dict[str, tuple[str, str, str]] = {
    "province": ("province", "provinces", "省份"),
    "state": ("state", "states", "州"),
    "county": ("county", "counties", "县"),
    "city": ("city", "cities", "城市"),
    "district": ("district", "districts", "区县"),
    "zip": ("zip code", "zip codes", "邮编区"),
    "store": ("store", "stores", "门店"),
    "territory": ("territory", "territories", "片区"),
    "geo unit": ("geo unit", "geo units", "地理单元"),
}

#: key -> {"en": template, "zh": template}; keys are dotted by report/area.
MESSAGES: dict[str, dict[str, str]] = {}
for _mod in (common, data, overview, tiering, regions, rebalance, takeaway):
    _dup = set(MESSAGES) & set(_mod.MESSAGES)
    if _dup:  # pragma: no cover - guarded by the catalogue test
        raise RuntimeError(f"message keys defined twice: {sorted(_dup)}")
    MESSAGES.update(_mod.MESSAGES)

_LANGUAGE: str | None = None
_SETTINGS: dict[str, Any] = {"currency": None, "labels": {}, "unit": None}
_UNIT_FIELDS = ("unit", "units", "Unit", "Units")


def set_language(language: str | None) -> None:
    """``"en"`` or ``"zh"`` for this process; ``None`` goes back to ``$SEGMENT_LIB_LANGUAGE`` (else English)."""
    global _LANGUAGE
    if language not in (None, *LANGUAGES):
        raise ValueError(f"language must be 'en' or 'zh', got {language!r}")
    _LANGUAGE = language


def language() -> str:
    """The language reports are written in (see :func:`set_language`)."""
    lang = _LANGUAGE or os.environ.get("SEGMENT_LIB_LANGUAGE", "en")
    return lang if lang in LANGUAGES else "en"


def configure(language: str | None = None, currency: str | None = None, labels: Mapping | None = None,
              unit_name: Any = None) -> None:
    """The run's reading settings (``None`` keeps the default): see the module docstring."""
    if language is not None:
        set_language(language)
    if currency is not None and str(currency).upper() not in CURRENCIES and not str(currency).isalpha():
        raise ValueError(f"currency must be an ISO code such as CNY, USD, GBP, EUR, got {currency!r}")
    _SETTINGS["currency"] = str(currency).upper() if currency else None
    _SETTINGS["labels"] = dict(labels or {})
    _SETTINGS["unit"] = unit_name


def currency() -> str:
    """ISO code of the run's currency (``reports.currency``, default CNY)."""
    return _SETTINGS["currency"] or DEFAULT_CURRENCY


def currency_symbol(code: str | None = None) -> str:
    """¥ for CNY, $ for USD, £, €; other codes as "CHF "."""
    code = (code or currency()).upper()
    return CURRENCIES.get(code, code + "\u00a0")


def unit_forms(lang: str | None = None, unit_name: Any = None) -> dict[str, str]:
    """``{unit, units, Unit, Units}`` of the geo unit name in ``lang``.

    ``unit_name``: a known key (:data:`UNIT_NAMES`), any English word (plural by English rules), or a
    mapping ``{en: county, zh: 县}`` (optionally ``en_plural``).  Default: the configured one, else province.
    """
    lang = lang or language()
    u = unit_name if unit_name is not None else _SETTINGS["unit"]
    if u is None:
        u = "province"
    if isinstance(u, Mapping):
        en = str(u.get("en") or next(iter(u.values())))
        known = UNIT_NAMES.get(en.lower())
        plural = str(u.get("en_plural") or (known[1] if known else _plural(en)))
        zh = str(u.get("zh") or (known[2] if known else en))
    else:
        known = UNIT_NAMES.get(str(u).lower())
        en, plural, zh = known if known else (str(u), _plural(str(u)), str(u))
    if lang == "zh":
        return {"unit": zh, "units": zh, "Unit": zh, "Units": zh}
    return {"unit": en, "units": plural, "Unit": en[:1].upper() + en[1:], "Units": plural[:1].upper() + plural[1:]}


def _plural(word: str) -> str:
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word + ("es" if word.endswith(("s", "x", "ch", "sh")) else "s")


@lru_cache(maxsize=None)
def _fields(template: str) -> frozenset[str]:
    return frozenset(f for _, f, _, _ in string.Formatter().parse(template) if f)


def t(key: str, lang: str | None = None, **fields: object) -> str:
    """The message ``key`` in ``lang`` (default: :func:`language`), with ``fields`` filled in."""
    try:
        entry: Mapping[str, str] = MESSAGES[key]
    except KeyError:
        raise KeyError(f"no message '{key}' in segment_lib.i18n.MESSAGES") from None
    lang = lang or language()
    text = entry[lang]
    need = _fields(text)
    if not need:
        return text
    if need & set(_UNIT_FIELDS):
        fields = {**unit_forms(lang), **fields}
    return text.format(**fields)


def t_rows(key: str, lang: str | None = None, **fields: Any) -> Any:
    """:func:`t` for many rows at once: a pandas ``string`` Series, one message per row.  Each field
    is a sequence (one already formatted value per row, by position) or one value for every row; the
    message's fields take no format spec.  Column-wise: a million rows cost a few vector operations."""
    import pandas as pd

    def rows(v: Any) -> bool:
        return not isinstance(v, str) and hasattr(v, "__len__")

    text = MESSAGES[key][lang or language()]
    n = next((len(v) for v in fields.values() if rows(v)), 1)
    out = pd.Series([""] * n, dtype="string")
    for literal, field, spec, conv in string.Formatter().parse(text):
        if literal:
            out = out + literal
        if field is None:
            continue
        if spec or conv:
            raise ValueError(f"message {key!r}: field {{{field}}} has a format; t_rows takes formatted values")
        v = fields[field]
        out = out + (pd.Series(v, dtype="string").to_numpy() if rows(v) else str(v))
    return out


# --------------------------------------------------------------------------------------------
# Data names in the reader's language
# --------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _builtin_names() -> dict[str, dict[str, str]]:
    """Province codes / English / Chinese names and the 7 traditional regions, in both languages."""
    out: dict[str, dict[str, str]] = {"en": {}, "zh": {}}
    text = resources.files("segment_lib.data").joinpath("china_provinces.csv").read_text(encoding="utf-8")
    for r in csv.DictReader(text.splitlines()):
        for k in (r["province_id"], r["name_en"], r["name_zh"]):
            out["en"][k] = r["name_en"]
            out["zh"][k] = r["name_zh"]
        out["en"][r["traditional_region_zh"]] = r["traditional_region_en"]
        out["zh"][r["traditional_region_en"]] = r["traditional_region_zh"]
    for en, zh in common.NAMES.items():
        out["zh"].setdefault(en, zh)
        out["en"].setdefault(zh, en)
    return out


def name(value: Any, lang: str | None = None) -> Any:
    """A data name (province code, region, tier, industry, segment) in the reader's language.

    The config's ``reports.labels`` come first (``{HA: 河南}`` or ``{HA: {en: Henan, zh: 河南}}``), then
    the built-in names of the 31 provinces, 7 traditional regions, default tier, industry and RFM
    segment names; anything else is returned unchanged (so ids and non-strings pass through).
    """
    if not isinstance(value, str):
        return value
    lang = lang or language()
    custom = _SETTINGS["labels"].get(value)
    if isinstance(custom, Mapping):
        if lang in custom:
            return str(custom[lang])
    elif custom is not None:
        return str(custom)
    return _builtin_names()[lang].get(value, value)


def names(values: Any, lang: str | None = None) -> list:
    """:func:`name` of each value."""
    return [name(v, lang) for v in values]


def join(items: Any, lang: str | None = None) -> str:
    """A list in running text: "A, B, C" / "A、B、C"."""
    return ("、" if (lang or language()) == "zh" else ", ").join(str(x) for x in items)


def _note(key: str, fields: dict) -> Note:
    return Note(key, **fields)


class Note(str):
    """A catalogue sentence made before the report's language is known (e.g. while loading data):
    its text is the English one (for logs and tests); :func:`render` writes it in the report's language."""

    key: str
    fields: dict

    def __new__(cls, key: str, **fields: object) -> Note:
        obj = super().__new__(cls, t(key, lang="en", **fields))
        obj.key, obj.fields = key, dict(fields)
        return obj

    def __reduce__(self):
        return _note, (self.key, self.fields)


def render(text: Any, lang: str | None = None) -> str:
    """A :class:`Note` in the report's language (``lang``), its fields that are notes too; any other
    text unchanged."""
    if not isinstance(text, Note):
        return str(text)
    return t(text.key, lang, **{k: render(v, lang) if isinstance(v, Note) else v for k, v in text.fields.items()})


__all__ = ["CURRENCIES", "LANGUAGES", "MESSAGES", "UNIT_NAMES", "Note", "configure", "currency", "currency_symbol",
           "join", "language", "name", "names", "render", "set_language", "t", "unit_forms"]
