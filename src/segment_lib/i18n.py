"""Report language: one catalogue of message templates, each in English and Chinese.

Every word a report reader sees comes from :data:`MESSAGES` through :func:`t`::

    t("overview.kpi.customers")                    # "Customers" / "客户数"
    t("rebalance.moved", n=9, share="5.2%")        # templates use str.format fields

The language is ``reports.language`` of the config: the runner hands it to the kernel as
``$SEGMENT_LIB_LANGUAGE``; :func:`set_language` overrides it in-process.  A test checks that every
template has both languages with the same fields.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

LANGUAGES = ("en", "zh")

_LANGUAGE: str | None = None

#: key -> {"en": template, "zh": template}; keys are dotted by report/area.
MESSAGES: dict[str, dict[str, str]] = {
    "common.analyst_appendix": {"en": "For analysts", "zh": "分析师附录"},
    "common.what_to_do": {"en": "What to do", "zh": "行动建议"},
    "common.key_findings": {"en": "Key findings", "zh": "主要发现"},
    "common.data_warnings": {"en": "Data warnings", "zh": "数据提示"},
}


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


def t(key: str, lang: str | None = None, **fields: object) -> str:
    """The message ``key`` in ``lang`` (default: :func:`language`), with ``fields`` filled in."""
    try:
        entry: Mapping[str, str] = MESSAGES[key]
    except KeyError:
        raise KeyError(f"no message '{key}' in segment_lib.i18n.MESSAGES") from None
    text = entry[lang or language()]
    return text.format(**fields) if fields else text
