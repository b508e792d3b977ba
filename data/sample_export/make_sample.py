"""Generate the small "real-looking CRM export" in this folder (deterministic, numpy seed).

    python data/sample_export/make_sample.py

It imitates what a Chinese CRM / ERP hands over: Chinese headers, mixed encodings and formats, extra
columns nobody asked for, an Excel workbook with a notes sheet first.  ``config/sample_export.yaml``
maps it onto the canonical tables.

files                 format                         notes
customers.csv         GBK, comma                     客户编号 numeric ids, 创建日期 like 2021/3/7, ~5% without owner
transactions.csv      UTF-8 with BOM                 金额 with thousands separators, ~3% returns (negative)
interactions.csv      UTF-8                          是否投诉 是/否, timestamps to the minute
surveys.tsv           UTF-8, tab-separated           满意度 1-5, 推荐意愿 0-10
reps.xlsx             Excel, sheet 销售人员           sheet 说明 (notes) comes first
geo_units.csv         UTF-8                          the 31 provinces, ids are Chinese names, neighbours ';'
splits.csv            UTF-8                          方案 traditional: 省份 -> 大区 (华北, 东北, ...)

Geo unit ids are Chinese province names (北京 ...), region ids Chinese region names (华东 ...).
Customers lean towards the East (华东) region, whose reps are therefore overloaded.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
PROVINCES = HERE.parent / "china_provinces.csv"
SEED = 20251231
N_CUSTOMERS = 300
AS_OF = pd.Timestamp("2025-12-31")

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高")
GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "霞", "平", "刚", "丽"]
INDUSTRIES = ["制造业", "零售", "批发贸易", "医疗健康", "教育", "互联网", "物流", "建筑", "餐饮", "金融"]
NAME_WORDS = ["华信", "恒达", "东方", "新科", "鼎盛", "金桥", "宏远", "瑞丰", "永安", "百川", "天成", "博雅", "中联", "汇通"]
NAME_KINDS = ["贸易有限公司", "科技有限公司", "实业有限公司", "商贸有限公司", "医疗器械有限公司", "餐饮管理有限公司"]
CHANNELS = ["电话", "微信", "邮件", "上门"]


def main(out: Path = HERE) -> None:
    rng = np.random.default_rng(SEED)
    prov = pd.read_csv(PROVINCES)
    code_to_zh = dict(zip(prov["province_id"], prov["name_zh"]))

    # geo units and the traditional split --------------------------------------------------
    geo = pd.DataFrame({
        "省份": prov["name_zh"],
        "英文名": prov["name_en"],
        "纬度": prov["lat"],
        "经度": prov["lon"],
        "人口(万)": prov["population_10k_2020"],
        "相邻省份": prov["neighbors"].fillna("").map(
            lambda s: ";".join(code_to_zh[c] for c in s.split(";") if c)),
    })
    geo.to_csv(out / "geo_units.csv", index=False, encoding="utf-8")
    splits = pd.DataFrame({"方案": "traditional", "省份": prov["name_zh"], "大区": prov["traditional_region_zh"]})
    splits.to_csv(out / "splits.csv", index=False, encoding="utf-8")

    # reps: 3 per region, 21 in total --------------------------------------------------------
    regions = list(dict.fromkeys(prov["traditional_region_zh"]))
    rep_region = np.repeat(regions, 3)
    n_reps = len(rep_region)
    reps = pd.DataFrame({
        "工号": [f"E{i:03d}" for i in range(1, n_reps + 1)],
        "姓名": [SURNAMES[i % len(SURNAMES)] + GIVEN[(7 * i) % len(GIVEN)] for i in range(n_reps)],
        "大区": rep_region,
        "产能": rng.choice([20.0, 25.0, 30.0], n_reps),
        "入职日期": [dt.datetime(2015, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 3650, n_reps)],
    })

    # customers: weighted by population, with the East over-represented ----------------------
    w = prov["population_10k_2020"].to_numpy(float) * np.where(prov["traditional_region_en"] == "East", 1.6, 1.0)
    pidx = rng.choice(len(prov), N_CUSTOMERS, p=w / w.sum())
    cust_region = prov["traditional_region_zh"].to_numpy()[pidx]
    # owner: a random rep of the customer's region
    slot = rng.integers(0, 3, N_CUSTOMERS)
    region_pos = np.array([regions.index(r) for r in cust_region])
    owner = reps["工号"].to_numpy()[region_pos * 3 + slot].astype(object)
    no_owner = rng.random(N_CUSTOMERS) < 0.05
    owner[no_owner] = ""
    owner_name = reps.set_index("工号")["姓名"].reindex(owner).fillna("").to_numpy()
    created = pd.Timestamp("2018-01-01") + pd.to_timedelta(rng.integers(0, 2800, N_CUSTOMERS), unit="D")
    customers = pd.DataFrame({
        "客户编号": np.arange(100001, 100001 + N_CUSTOMERS),
        "客户名称": [prov["name_zh"].iloc[p] + NAME_WORDS[rng.integers(len(NAME_WORDS))]
                 + NAME_KINDS[rng.integers(len(NAME_KINDS))] for p in pidx],
        "省份": prov["name_zh"].to_numpy()[pidx],
        "行业": rng.choice(INDUSTRIES, N_CUSTOMERS),
        "负责人": owner_name,
        "负责人工号": owner,
        "创建日期": [f"{d.year}/{d.month}/{d.day}" for d in created],
        "电话": [f"1{rng.integers(30, 90)}{rng.integers(0, 10**8):08d}" for _ in range(N_CUSTOMERS)],
        "备注": rng.choice(["", "", "", "老客户", "重点跟进", "需回访"], N_CUSTOMERS),
    })
    customers.to_csv(out / "customers.csv", index=False, encoding="gbk")

    # transactions: a few big accounts, many small ones ----------------------------------------
    value = rng.lognormal(0, 1.0, N_CUSTOMERS)
    n_orders = rng.poisson(2 + 6 * value / value.mean())
    cid = np.repeat(customers["客户编号"].to_numpy(), n_orders)
    n = len(cid)
    created_ns = np.repeat(created.to_numpy(), n_orders)
    start = np.maximum(created_ns, np.datetime64("2024-01-01")).astype("datetime64[D]")
    span = (AS_OF.to_datetime64().astype("datetime64[D]") - start).astype(int)
    day = start + (rng.random(n) * (span + 1)).astype(int).astype("timedelta64[D]")
    amount = np.round(np.repeat(value, n_orders) * rng.lognormal(7.5, 0.6, n), 2)
    returns = rng.random(n) < 0.03
    amount[returns] = -np.round(amount[returns] * rng.uniform(0.1, 1.0, returns.sum()), 2)
    order = np.argsort(day, kind="stable")
    tx = pd.DataFrame({
        "订单编号": [f"SO{i:06d}" for i in range(1, n + 1)],
        "客户编号": cid[order],
        "下单日期": pd.to_datetime(day[order]).strftime("%Y-%m-%d"),
        "金额": [f"{a:,.2f}" for a in amount[order]],
        "币种": "CNY",
    })
    tx.to_csv(out / "transactions.csv", index=False, encoding="utf-8-sig")

    # interactions: East tickets wait longer ---------------------------------------------------
    n_int = 500
    ic = rng.integers(0, N_CUSTOMERS, n_int)
    opened = (pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 364 * 24 * 60, n_int), unit="min"))
    east = cust_region[ic] == "华东"
    wait_h = rng.gamma(2.0, np.where(east, 6.0, 3.0))
    first = opened + pd.to_timedelta(np.round(wait_h * 60), unit="min")
    resolved = first + pd.to_timedelta(rng.integers(30, 5 * 24 * 60, n_int), unit="min")
    handler = np.where(owner[ic] != "", owner[ic], reps["工号"].to_numpy()[region_pos[ic] * 3])
    unresolved = rng.random(n_int) < 0.05
    inter = pd.DataFrame({
        "工单编号": [f"GD{i:05d}" for i in range(1, n_int + 1)],
        "客户编号": customers["客户编号"].to_numpy()[ic],
        "处理人工号": handler,
        "创建时间": opened.strftime("%Y-%m-%d %H:%M"),
        "首次响应时间": first.strftime("%Y-%m-%d %H:%M"),
        "解决时间": np.where(unresolved, "", resolved.strftime("%Y-%m-%d %H:%M")),
        "是否投诉": np.where(rng.random(n_int) < np.where(east, 0.25, 0.1), "是", "否"),
        "渠道": rng.choice(CHANNELS, n_int),
    }).sort_values("创建时间", kind="stable")
    inter.to_csv(out / "interactions.csv", index=False, encoding="utf-8")

    # surveys: lower scores where the wait was long ---------------------------------------------
    answered = rng.random(n_int) < 0.6
    base = 4.6 - 0.05 * wait_h[answered]
    csat = np.clip(np.round(base + rng.normal(0, 0.6, answered.sum())), 1, 5).astype(int)
    nps = np.clip(np.round(2 * csat + rng.normal(0, 1.2, answered.sum())), 0, 10).astype(int)
    sv = pd.DataFrame({
        "客户编号": customers["客户编号"].to_numpy()[ic[answered]],
        "调查日期": (resolved[answered].normalize() + pd.Timedelta(days=1)).strftime("%Y-%m-%d"),
        "满意度": csat,
        "推荐意愿": nps,
        "工号": handler[answered],
    })
    sv = sv[pd.to_datetime(sv["调查日期"]) <= AS_OF]
    sv.to_csv(out / "surveys.tsv", index=False, sep="\t", encoding="utf-8")

    # reps workbook: a notes sheet first, then the table ------------------------------------------
    with pd.ExcelWriter(out / "reps.xlsx", engine="openpyxl") as xw:
        pd.DataFrame({"说明": ["销售人员名单（导出自CRM）", "产能 = 可服务的加权客户数"]}).to_excel(
            xw, sheet_name="说明", index=False)
        reps.to_excel(xw, sheet_name="销售人员", index=False)
        fixed = dt.datetime(2025, 12, 31)
        xw.book.properties.created = fixed
        xw.book.properties.modified = fixed


if __name__ == "__main__":
    main()
