"""Tier naming: the methods, default feature columns and tier names (tier 0 = best)."""

from __future__ import annotations

import numpy as np

from collections.abc import Sequence
from typing import Any

from ..errors import ModelInputError

DEFAULT_FEATURES: tuple[str, ...] = ("recency_days", "frequency", "monetary_total")
METHODS = ("kmeans", "gmm", "rfm", "abc", "threshold", "clv")

#: default tier names by number of tiers (tier 0 first)
DEFAULT_LABELS: dict[int, list[str]] = {
    2: ["Active", "Inactive"],
    3: ["A", "B", "C"],
    4: ["VIP", "Key", "Regular", "Dormant"],
}
#: Chinese tier names (``labels="zh"``)
ZH_LABELS: dict[int, list[str]] = {
    2: ["活跃客户", "沉睡客户"],
    3: ["重点客户", "普通客户", "沉睡客户"],
    4: ["VIP客户", "重点客户", "普通客户", "沉睡客户"],
}


def tier_names(k: int, labels: Any = None) -> list[str]:
    """Names of ``k`` tiers (tier 0 first): ``labels`` list, ``"zh"`` or ``None`` (defaults)."""
    if isinstance(labels, str):
        if labels.lower() == "zh":
            return list(ZH_LABELS.get(k, [f"第{i + 1}层客户" for i in range(k)]))
        if labels.lower() in ("en", "default"):
            labels = None
        else:
            raise ModelInputError(f"labels must be a list of names or 'zh', got {labels!r}")
    if labels is None:
        return list(DEFAULT_LABELS.get(k, [f"Tier {i + 1}" for i in range(k)]))
    labels = [str(x) for x in labels]
    if len(labels) != k:
        raise ModelInputError(f"{len(labels)} labels given ({labels}) but there are {k} tiers")
    if len(set(labels)) != k:
        raise ModelInputError(f"tier labels must be distinct, got {labels}")
    return labels


def method_tier_names(method: str, k: int, labels: Any, auto: bool,
                      rule_labels: Sequence[str] | None = None) -> tuple[list[str], str | None]:
    """Names of a fitted model's ``k`` tiers and a warning (or None).

    threshold: the rule labels unless ``labels`` is given; abc without ``labels``: A, B, C, ...;
    otherwise :func:`tier_names`.  When ``auto`` chose a k that does not match a given list of
    labels, the configured names are kept by rank when there are fewer tiers than names (best and
    worst names always kept, the ones between spread evenly: 4 names, 3 tiers -> VIP, Regular,
    Dormant), so every report of a run speaks of the configured tiers; with more tiers than names,
    generic names ("Tier 1", ...) are used.  The warning says which.
    """
    if method == "threshold":
        names = [str(x) for x in (rule_labels or [])]
        return (tier_names(k, labels) if labels is not None else names), None
    if method == "abc" and labels is None:
        return [chr(ord("A") + i) for i in range(k)], None
    try:
        return tier_names(k, labels), None
    except ModelInputError as e:
        if auto and labels is not None and not isinstance(labels, str):
            given = [str(x) for x in labels]
            if k < len(given) and len(set(given)) == len(given):
                pos = np.round(np.arange(k) * (len(given) - 1) / max(k - 1, 1)).astype(int)
                names = [given[p] for p in pos]
                return names, (f"{len(given)} tier names are configured but the evidence chose {k} tiers; "
                               f"the tiers are named {', '.join(names)}")
            return [f"Tier {i + 1}" for i in range(k)], f"{e}; auto chose k={k}, so generic names are used"
        raise
