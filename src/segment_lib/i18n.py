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

# ---- take-away files, trends across runs, maps (export.py, history.py, runner index, plots/maps.py) ----
MESSAGES.update({
    "export.sheet.tiers": {"en": "Tiers", "zh": "客户分层"},
    "export.sheet.first_to_call": {"en": "First to call", "zh": "优先联系"},
    "export.sheet.scorecard": {"en": "Region scorecard", "zh": "大区评分"},
    "export.sheet.proposed": {"en": "Proposed split", "zh": "建议划分"},
    "export.col.rank": {"en": "Rank", "zh": "排名"},
    "export.col.customer_id": {"en": "Customer", "zh": "客户编号"},
    "export.col.name": {"en": "Name", "zh": "客户名称"},
    "export.col.phone": {"en": "Phone", "zh": "电话"},
    "export.col.geo_unit_id": {"en": "Area", "zh": "地区"},
    "export.col.region_id": {"en": "Region", "zh": "大区"},
    "export.col.tier": {"en": "Tier", "zh": "层级"},
    "export.col.reason": {"en": "Why", "zh": "原因"},
    "export.col.tier_before": {"en": "Tier before", "zh": "原层级"},
    "export.col.tier_now": {"en": "Tier now", "zh": "现层级"},
    "export.col.revenue_at_risk": {"en": "Revenue at risk", "zh": "风险收入"},
    "export.col.split": {"en": "Split", "zh": "划分方案"},
    "export.col.n_units": {"en": "Areas", "zh": "地区数"},
    "export.col.workload": {"en": "Workload", "zh": "工作量"},
    "export.col.capacity": {"en": "Capacity", "zh": "产能"},
    "export.col.load_ratio": {"en": "Load ÷ capacity", "zh": "负载/产能"},
    "export.col.contiguous": {"en": "Contiguous", "zh": "连片"},
    "export.col.n_components": {"en": "Pieces", "zh": "分块数"},
    "export.col.csat": {"en": "Satisfaction", "zh": "满意度"},
    "export.col.nps": {"en": "NPS", "zh": "NPS"},
    "export.col.complaint_rate": {"en": "Complaint rate", "zh": "投诉率"},
    "export.col.median_response_h": {"en": "Median first response (h)", "zh": "首次响应中位数（小时）"},
    "export.col.p90_response_h": {"en": "Slowest 10% first response (h)", "zh": "最慢10%首次响应（小时）"},
    "export.col.dormancy_rate": {"en": "Dormant share", "zh": "沉睡客户占比"},
    "export.col.churn_rate": {"en": "Churn rate", "zh": "流失率"},
    "export.col.moved": {"en": "Moves", "zh": "是否调整"},
    "export.col.from_region": {"en": "Region today", "zh": "当前大区"},
    "export.link.workbook": {"en": "Tables for Excel", "zh": "Excel 表格"},
    "export.link.comparison": {"en": "Split comparison (CSV)", "zh": "划分方案对比（CSV）"},
    "export.link.proposed": {"en": "Proposed split (CSV)", "zh": "建议划分（CSV）"},
    "export.downloads": {"en": "Take-away files", "zh": "下载文件"},
    "trend.title": {"en": "Over the runs", "zh": "历次运行趋势"},
    "trend.change": {"en": "{change} since {date}", "zh": "较{date}{change}"},
    "trend.first": {"en": "first run", "zh": "首次运行"},
    "trend.points": {"en": "{n} runs, {first} to {last}", "zh": "{n} 次运行，{first} 至 {last}"},
    "map.regions": {"en": "Regions of split '{split}' (label: load ÷ capacity)",
                    "zh": "区域划分：{split}（标注：负载/产能）"},
    "map.load": {"en": "Load ÷ capacity by region", "zh": "各大区负载/产能"},
    "map.csat": {"en": "Satisfaction by region", "zh": "各大区客户满意度"},
    "map.current": {"en": "Current split", "zh": "当前划分"},
    "map.proposed": {"en": "Proposed split", "zh": "建议划分"},
    "map.moved": {"en": "moves", "zh": "调整"},
    "map.no_data": {"en": "no data", "zh": "无数据"},
    "map.source": {"en": "Boundaries: {source}", "zh": "边界数据：{source}"},
})


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
