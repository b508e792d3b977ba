"""Mapping source headers to canonical column names (:func:`apply_mapping`) and suggesting a mapping.

``SYNONYMS`` lists common headers of Chinese / English CRM exports; they are used only to *suggest*
a mapping in error hints, never to rename silently.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping

import pandas as pd

from ..contract import DERIVED, TABLES, TableSpec
from ..errors import DataContractError

# Common headers of Chinese / English CRM exports, used only to *suggest* a mapping.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "customer_id": ("客户编号", "客户ID", "客户id", "客户编码", "客户代码", "客户号", "会员编号", "cust_id", "customer", "客户"),
    "geo_unit_id": ("省份", "省", "地区", "所在地区", "城市", "区县", "province", "region", "geo"),
    "owner_rep_id": ("负责人工号", "负责人", "客户经理", "销售代表", "归属销售", "owner", "rep"),
    "rep_id": ("工号", "员工编号", "销售编号", "处理人工号", "处理人", "负责人工号", "rep"),
    "industry": ("行业", "所属行业"),
    "created_at": ("创建日期", "创建时间", "建档日期", "注册日期"),
    "name": ("客户名称", "名称", "姓名", "名字"),
    "phone": ("电话", "手机", "联系电话", "手机号"),
    "date": ("日期", "订单日期", "交易日期", "下单日期", "下单时间", "调查日期"),
    "amount": ("金额", "订单金额", "交易金额", "销售额", "实付金额"),
    "transaction_id": ("流水号", "交易编号", "明细编号", "行号"),
    "order_id": ("订单号", "订单编号", "发票号", "invoice", "invoiceno", "invoice_no", "order", "order_no"),
    "quantity": ("数量", "件数", "qty", "quantity"),
    "unit_price": ("单价", "price", "unitprice", "unit price"),
    "interaction_id": ("工单编号", "工单号", "服务单号"),
    "opened_at": ("创建时间", "受理时间", "开始时间"),
    "first_response_at": ("首次响应时间", "响应时间"),
    "resolved_at": ("解决时间", "关闭时间", "完成时间"),
    "is_complaint": ("是否投诉", "投诉"),
    "channel": ("渠道", "来源"),
    "csat": ("满意度", "满意度评分", "CSAT"),
    "nps": ("推荐意愿", "NPS", "推荐值"),
    "region_id": ("大区", "区域", "所属大区", "销售大区"),
    "capacity": ("产能", "容量", "客户容量", "负荷上限"),
    "hire_date": ("入职日期", "入职时间"),
    "lat": ("纬度", "latitude"),
    "lon": ("经度", "longitude", "lng"),
    "population": ("人口", "人口(万)", "市场规模"),
    "neighbors": ("相邻省份", "邻接", "相邻"),
    "parent": ("上级", "所属省份"),
    "split": ("方案", "划分方案", "方案名称"),
}


def _suggestions(canonical: str, headers: list[str]) -> list[str]:
    syn = [h for h in headers if h in SYNONYMS.get(canonical, ()) or h.lower() == canonical.lower()]
    close = difflib.get_close_matches(canonical, headers, n=3, cutoff=0.5)
    for s in SYNONYMS.get(canonical, ()):
        close += difflib.get_close_matches(s, headers, n=1, cutoff=0.6)
    out: list[str] = []
    for h in syn + close:
        if h not in out:
            out.append(h)
    return out[:3]


def _sheet_hint(df: pd.DataFrame) -> str:
    """For a workbook: its sheet names and the `sheet:` setting (the data may be on another sheet)."""
    sheets = df.attrs.get("sheets")
    if not sheets:
        return ""
    label = str(df.attrs.get("file", ""))
    current = next((s for s in sheets if label.endswith(f"[{s}]")), sheets[0])
    others = [s for s in sheets if s != current]
    pick = others[0] if others else current
    return (f"; the workbook has sheet(s) {', '.join(sheets)}: if the data is on another sheet, set "
            f"`sheet: {pick}` for this source")


def apply_mapping(
    df: pd.DataFrame, mapping: Mapping[str, str] | None, table: str | TableSpec, file: str | None = None,
    optional: set[str] | frozenset[str] = frozenset(),
) -> pd.DataFrame:
    """Rename source headers to canonical names and keep only canonical columns.

    ``mapping`` is ``{canonical_name: source_header}``; canonical columns not in the mapping are
    taken from a header of the same name.  Other headers are dropped (they may hold personal data).
    A required column that can be computed from others (``contract.DERIVED``: ``amount`` from
    ``quantity`` x ``unit_price``) may be left out when those are there; ``optional`` names required
    columns that are not needed for this dataset (``customers.geo_unit_id`` without a geography).
    Raises DataContractError when a mapped header is not in the file or a required column is missing,
    listing the headers found, the closest matches and, for a workbook, its sheet names.
    """
    spec = TABLES[table] if isinstance(table, str) else table
    file = file or df.attrs.get("file") or spec.name
    mapping = dict(mapping or {})
    headers = [str(c) for c in df.columns]
    key = f"data.sources.{spec.name}.columns"
    found = ", ".join(headers) if headers else "(none)"
    sheet_hint = _sheet_hint(df)
    out: dict[str, pd.Series] = {}
    for canon, src in mapping.items():
        if canon not in spec.column_names:
            close = difflib.get_close_matches(canon, spec.column_names, n=1)
            raise DataContractError(
                f"'{canon}' is not a column of table {spec.name}", file=file, column=canon,
                hint=f"use one of {', '.join(spec.column_names)}" + (f" (did you mean '{close[0]}'?)" if close else ""),
            )
        src = str(src).strip()
        if src not in headers:
            loose = [h for h in headers if h.replace(" ", "").lower() == src.replace(" ", "").lower()]
            if loose:
                src = loose[0]
            else:
                close = difflib.get_close_matches(src, headers, n=3, cutoff=0.4) or _suggestions(canon, headers)
                raise DataContractError(
                    f"header '{src}' (mapped to {canon}) is not in the file; found columns: {found}",
                    file=file, column=src,
                    hint=(f"change `{key}.{canon}` to the real header"
                          + (f", e.g. `{canon}: {close[0]}`" if close else "") + sheet_hint),
                )
        out[canon] = df[src]
    for c in spec.column_names:
        if c not in out and c in headers:
            out[c] = df[c]
    missing = [c for c in spec.required_columns if c not in out and c not in optional
               and not all(f in out for f in DERIVED.get((spec.name, c), ("-",)))]
    if missing:
        tips = []
        for c in missing:
            sug = _suggestions(c, [h for h in headers if h not in mapping.values()])
            tips.append(f"`{c}: {sug[0]}`" if sug else f"`{c}: <header>`")
        raise DataContractError(
            f"required column{'s' if len(missing) > 1 else ''} {', '.join(missing)} missing; "
            f"found columns: {found}",
            file=file, column=missing[0],
            hint=f"map {'them' if len(missing) > 1 else 'it'} in the config under {key}, e.g. " + ", ".join(tips)
                 + (" (or map quantity and unit_price: amount = quantity x unit_price)"
                    if "amount" in missing and spec.name == "transactions" else "") + sheet_hint,
        )
    res = pd.DataFrame(out, index=df.index, copy=False)  # the source's columns, not copies (copy on write)
    res.attrs["file"] = file
    return res
