"""Value rules: ABC (Pareto) classes on revenue and fixed threshold rules (optionally per group).

``"abc"``: A = the smallest set of top customers making ``cutoffs[0]`` (80 %) of revenue, B up to
``cutoffs[1]`` (95 %), C the rest (and every customer without positive revenue).  Equal revenue
never splits across classes.
``"threshold"``: the first rule a customer meets wins; the last rule is the fallback.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ModelInputError
from .inputs import _require


# -- ABC ------------------------------------------------------------------------------------
def _abc_classes(value: np.ndarray, cutoffs: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Class index (0 = A) and revenue share before each customer (in the descending order)."""
    v = np.clip(np.nan_to_num(value.astype(float)), 0, None)
    total = v.sum()
    n_cls = len(cutoffs) + 1
    if total <= 0:
        return np.full(len(v), n_cls - 1, dtype=np.int64), np.ones(len(v))
    order = np.argsort(-v, kind="stable")
    vs = v[order]
    before = (np.cumsum(vs) - vs) / total
    # equal revenue never splits: every tied customer gets the share before the first of them
    first_of_tie = np.r_[True, vs[1:] != vs[:-1]]
    grp = np.cumsum(first_of_tie) - 1
    before = before[first_of_tie][grp]
    cls = np.searchsorted(np.asarray(cutoffs, dtype=float), before, side="right")
    cls = np.where(vs > 0, cls, n_cls - 1)
    out_cls = np.empty(len(v), dtype=np.int64)
    out_share = np.empty(len(v))
    out_cls[order] = cls
    out_share[order] = before
    return out_cls, out_share


def _revenue(X: pd.DataFrame) -> np.ndarray:
    return pd.to_numeric(X["monetary_total"], errors="coerce").fillna(0).to_numpy(dtype=float)


def fit_abc(X: pd.DataFrame, cutoffs: Sequence[float]) -> dict[str, Any]:
    """ABC classes of all rows: ``tier``, ``share`` (revenue share before each customer),
    ``n_tiers`` and ``min_value`` (smallest revenue still in each class but the last, used by
    :func:`predict_abc` on new data)."""
    _require(X, ("monetary_total",))
    cut = [float(c) for c in cutoffs]
    if not cut or any(not 0 < c < 1 for c in cut) or cut != sorted(cut):
        raise ModelInputError(f"abc_cutoffs must be increasing shares in (0, 1), got {cutoffs}")
    v = _revenue(X)
    if not (v > 0).any():
        raise ModelInputError("ABC needs revenue: no customer has a positive monetary_total "
                              "(no transactions in the look-back window?)")
    tier, share = _abc_classes(v, cut)
    n_tiers = len(cut) + 1
    vc = np.clip(v, 0, None)
    min_value = [float(vc[(tier == c)].min()) if (tier == c).any() else np.inf for c in range(n_tiers - 1)]
    return {"tier": tier, "share": share, "n_tiers": n_tiers, "min_value": min_value}


def predict_abc(X: pd.DataFrame, min_value: Sequence[float], n_tiers: int) -> np.ndarray:
    """ABC class of new rows from the fitted per-class minimum revenue (no re-ranking)."""
    v = np.clip(pd.to_numeric(X["monetary_total"], errors="coerce").fillna(0).to_numpy(float), 0, None)
    t = np.full(len(v), n_tiers - 1, dtype=np.int64)
    for c in range(n_tiers - 2, -1, -1):
        t[(v >= min_value[c]) & (v > 0)] = c
    return t


# -- threshold rules ------------------------------------------------------------------------
def _normalise_rules(thresholds: Any) -> dict[str, list[dict[str, Any]]]:
    if thresholds is None:
        raise ModelInputError(
            "method='threshold' needs thresholds, e.g. [{'label': 'VIP', 'min': {'monetary_total': 1e5}}, "
            "{'label': 'Regular'}] or a dict {industry: rules, 'default': rules}"
        )
    if isinstance(thresholds, Mapping):
        rules = {str(k): list(v) for k, v in thresholds.items()}
    else:
        rules = {"default": list(thresholds)}
    label_orders = {k: [str(r.get("label")) for r in v] for k, v in rules.items()}
    first = next(iter(label_orders.values()))
    for k, v in label_orders.items():
        if v != first:
            raise ModelInputError(
                f"threshold rule sets must use the same labels in the same order; '{k}' has {v}, expected {first}"
            )
        if not v:
            raise ModelInputError(f"threshold rule set '{k}' is empty")
    return rules


def rule_features(rules: Mapping[str, list[dict[str, Any]]]) -> list[str]:
    """Sorted feature columns the rule sets use."""
    return sorted({c for rs in rules.values() for r in rs for k in ("min", "max") for c in (r.get(k) or {})})


def _apply_rules(X: pd.DataFrame, rules: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    """Tier index (position of the first rule met; last rule is the fallback) and met flag."""
    n = len(X)
    tier = np.full(n, len(rules) - 1, dtype=np.int64)
    met = np.zeros(n, dtype=bool)
    for i in range(len(rules) - 1, -1, -1):  # loop over rules, not customers
        r = rules[i]
        ok = np.ones(n, dtype=bool)
        for key, op in (("min", np.greater_equal), ("max", np.less_equal)):
            for col, thr in (r.get(key) or {}).items():
                if col not in X.columns:
                    raise ModelInputError(f"threshold rule '{r.get('label')}' uses unknown feature '{col}'")
                v = pd.to_numeric(X[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
                ok &= op(np.nan_to_num(v, nan=np.inf if key == "max" else -np.inf), float(thr))
        tier[ok] = i
        met |= ok
    return tier, met


def apply_threshold(X: pd.DataFrame, rules: Mapping[str, list[dict[str, Any]]],
                    group_by: str | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tier, rule-met flag and rule set used (group value or "default") for each row."""
    n = len(X)
    tier = np.zeros(n, dtype=np.int64)
    met = np.zeros(n, dtype=bool)
    rule_set = np.full(n, "default", dtype=object)
    if group_by is not None and set(rules) - {"default"}:
        _require(X, (group_by,))
        g = X[group_by].astype("string").fillna("(missing)").to_numpy(dtype=object)
        known = np.isin(g, list(rules))
        rule_set = np.where(known, g, "default")
        if not (rule_set != "default").all() and "default" not in rules:
            miss = sorted(set(g[~known]))[:5]
            raise ModelInputError(f"no threshold rules for {group_by} {miss} and no 'default' rules")
    elif "default" not in rules:
        raise ModelInputError("threshold rules per group need group_by (or a 'default' rule set)")
    for key in np.unique(rule_set):  # loop over rule sets
        idx = np.flatnonzero(rule_set == key)
        tt, mm = _apply_rules(X.iloc[idx], rules[key])
        tier[idx], met[idx] = tt, mm
    return tier, met, rule_set


def _rule_text(rule: Mapping[str, Any], lang: str | None = None) -> str:
    from ..i18n import t

    parts = [f"{c} ≥ {v:g}" for c, v in (rule.get("min") or {}).items()]
    parts += [f"{c} ≤ {v:g}" for c, v in (rule.get("max") or {}).items()]
    if not parts:
        return t("tiering.reason.meets_none", lang)
    return t("tiering.reason.meets", lang, parts=t("tiering.reason.and", lang).join(parts))
