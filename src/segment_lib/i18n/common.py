"""Messages shared by every report (boxes, tables, the page template) and built-in data names."""

from __future__ import annotations

#: default tier, industry and RFM segment names -> Chinese (provinces and regions come from
#: ``data/china_provinces.csv``)
NAMES: dict[str, str] = {
    "VIP": "VIP客户", "Key": "重点客户", "Regular": "普通客户", "Dormant": "沉睡客户",
    "Active": "活跃客户", "Inactive": "不活跃客户",
    "Manufacturing": "制造业", "Retail": "零售", "IT": "信息技术", "Healthcare": "医疗健康",
    "Logistics": "物流", "Finance": "金融",
    "Champions": "最佳客户", "Loyal": "忠诚客户", "Can't lose them": "不能失去的客户", "New": "新客户",
    "Potential loyalists": "潜在忠诚客户", "Promising": "有潜力客户", "Need attention": "需关注客户",
    "At risk": "有流失风险客户", "Hibernating": "休眠客户", "Lost": "已流失客户",
    # RFM segment descriptions (tiering.rfm.DEFAULT_RFM_SEGMENTS)
    "bought recently, buy often and spend the most": "最近购买、购买频繁且消费最多",
    "spend well and often, not in the very last weeks": "消费多且频繁,但最近几周没有购买",
    "used to be top buyers, have not bought for a long time": "曾是头部买家,已很久没有购买",
    "bought very recently, little so far": "刚刚购买,目前消费不多",
    "recent buyers with average frequency and spend": "近期购买,频次与消费中等",
    "recent buyers, small so far": "近期购买,目前消费较少",
    "average on all three, slipping": "三项均一般,正在下滑",
    "spent well in the past, not recently": "过去消费不少,近期没有购买",
    "lowest recency, frequency and spend": "最近购买、频次和消费都最低",
    "low spend, long ago (the (1, 1) cell is Lost: first match wins)": "消费少且很久以前(R=1、FM=1 归为已流失)",
    "(new)": "(新客户)", "(gone)": "(已流失)", "(unassigned)": "(未划分)", "(unknown)": "(未知)", "All customers": "全部客户",
    "(no regions in the data)": "(数据中没有区域)",
}

MESSAGES: dict[str, dict[str, str]] = {
    "common.analyst_appendix": {"en": "For analysts", "zh": "分析师附录"},
    "common.analyst_appendix_hint": {
        "en": "How the numbers were made: methods, model scores and settings (click to open).",
        "zh": "数字的来源:方法、模型评分与参数设置(点击展开)。"},
    "common.what_to_do": {"en": "What to do", "zh": "行动建议"},
    "common.key_findings": {"en": "Key findings", "zh": "主要发现"},
    "common.data_warnings": {"en": "Data warnings", "zh": "数据提示"},
    "common.data_ok_title": {"en": "Data checks passed", "zh": "数据检查通过"},
    "common.data_ok": {"en": "No data warnings: every table met the data contract.",
                       "zh": "没有数据提示:所有数据表都符合要求。"},
    "common.more_warnings": {"en": "… and {n:,} more (see the executed notebook).",
                             "zh": "……另有 {n:,} 条(见已执行的笔记本)。"},
    "common.rows_shown": {"en": "showing {shown:,} of {total:,} rows", "zh": "显示 {total:,} 行中的 {shown:,} 行"},
    "common.yes": {"en": "yes", "zh": "是"},
    "common.no": {"en": "no", "zh": "否"},
    "common.chart": {"en": "chart", "zh": "图表"},
    "common.back": {"en": "← All reports", "zh": "← 全部报告"},
    "common.run_label": {"en": "{title} · run '{run}'", "zh": "{title} · 运行 “{run}”"},
    "common.footer.generated": {"en": "generated", "zh": "生成时间"},
    "common.footer.run": {"en": "run", "zh": "运行"},
    "common.footer.seconds": {"en": "execution time", "zh": "运行时长"},
    "common.footer.config": {"en": "config", "zh": "配置文件"},
    "common.next": {"en": "Next", "zh": "接下来"},
    "common.no_actions": {"en": "Nothing urgent: keep the current plan and check again next quarter.",
                          "zh": "暂无紧急事项:维持现有安排,下季度再复查。"},
    # number words
    "common.times": {"en": "{v:.2f}×", "zh": "{v:.2f}倍"},
    "common.list_sep": {"en": ", ", "zh": "、"},
    "common.and_more": {"en": "{shown} and {n:,} more", "zh": "{shown} 等 {n:,} 个"},
}

MESSAGES.update({
    # how neighbouring units were found (io.adjacency; shown in the analyst appendix)
    "common.note.adjacency_given": {
        "en": "Neighbouring {units} come from the adjacency table ({n:,} links).",
        "zh": "相邻的{units}来自邻接表(共 {n:,} 条连接)。"},
    "common.note.adjacency_delaunay": {
        "en": "The data gives {units} as points, so neighbouring {units} were derived from their coordinates by a "
              "Delaunay triangulation: {links:,} links (median {km} km); {trimmed:,} links longer than {factor}× the "
              "median were dropped where the map stays connected without them (params.geo.adjacency: {setting}).",
        "zh": "数据中的{units}只有坐标点,因此按坐标用 Delaunay 三角剖分推算相邻关系:共 {links:,} 条连接(中位距离 "
              "{km} 公里);在不影响地图连通的前提下,去掉了 {trimmed:,} 条长于中位距离 {factor} 倍的连接"
              "(params.geo.adjacency:{setting})。"},
    "common.note.adjacency_knn": {
        "en": "The data gives {units} as points, so neighbouring {units} were derived from their coordinates by the "
              "{k} nearest {units} of each: {links:,} links (median {km} km); {trimmed:,} links longer than "
              "{factor}× the median were dropped where the map stays connected without them "
              "(params.geo.adjacency: {setting}).",
        "zh": "数据中的{units}只有坐标点,因此按坐标为每个{unit}取最近的 {k} 个作为相邻:共 {links:,} 条连接(中位距离 "
              "{km} 公里);在不影响地图连通的前提下,去掉了 {trimmed:,} 条长于中位距离 {factor} 倍的连接"
              "(params.geo.adjacency:{setting})。"},
})
#: plain labels (with units) of the headline metrics on the index cards: metric key -> (en, zh)
_METRICS = {
    "n_customers": ("customers", "客户数"),
    "revenue_12m": ("revenue, last 12 months", "近 12 个月收入"),
    "top_share_80": ("customers bringing 80% of revenue", "贡献 80% 收入的客户占比"),
    "revenue_growth_12m": ("revenue vs the year before", "收入同比"),
    "n_regions": ("regions", "大区数"),
    "n_warnings": ("data warnings", "数据提示"),
    "tiering_chosen_k": ("customer tiers", "客户层级数"),
    "tiering_revenue_share_top_tier": ("revenue share of the top tier", "最高层级收入占比"),
    "tiering_stability_ari": ("tier stability (0–1)", "层级稳定性(0–1)"),
    "tiering_upgrades": ("customers moved up", "升级客户数"),
    "tiering_downgrades": ("customers moved down (to call)", "降级客户数(待联系)"),
    "most_loaded_region": ("busiest region", "最忙大区"),
    "most_loaded_load_ratio": ("busiest region: workload ÷ capacity", "最忙大区负载/产能"),
    "most_loaded_csat_diff": ("busiest region: satisfaction vs others (points)", "最忙大区满意度差(分)"),
    "load_effect_csat": ("satisfaction change per 1.0 more load (points)", "负载每增 1.0 的满意度变化(分)"),
    "share_reps_over_capacity": ("reps over capacity", "超负荷销售占比"),
    "n_multi_owner": ("customers with several owners", "多负责人客户数"),
    "rebalance_balance_before": ("workload balance today (busiest ÷ average)", "当前均衡度(最忙 ÷ 平均)"),
    "rebalance_balance_after": ("workload balance proposed", "方案均衡度"),
    "rebalance_moved_revenue_share_of_total": ("share of total revenue that changes team", "更换团队的收入占总收入"),
    "rebalance_moved_revenue": ("revenue that changes team", "更换团队的收入"),
    "rebalance_moved_units": ("units that change region", "更换大区的地理单元数"),
    "rebalance_moved_load_share": ("share of the workload that changes team", "更换团队的工作量占比"),
    "ensemble_balance_percentile": ("alternatives more balanced than today", "比当前更均衡的备选方案占比"),
}
MESSAGES.update({f"index.metric.{k}": {"en": en, "zh": zh} for k, (en, zh) in _METRICS.items()})
MESSAGES.update({
    "index.open": {"en": "Open report →", "zh": "打开报告 →"},
    # the fixed words of reports/index.html (page words in the newest run's language, a run's words in its own)
    "index.page_title": {"en": "segment_lib reports", "zh": "segment_lib 报告"},
    "index.heading": {"en": "Customer tiering & region reports", "zh": "客户分层与区域报告"},
    "index.sub": {"en": "{n} run(s) · open a card to read a report; each report works offline.",
                  "zh": "共 {n} 次运行 · 点击卡片阅读报告;每份报告均可离线打开。"},
    "index.empty": {"en": "No reports yet. Run", "zh": "还没有报告。请运行"},
    "index.run": {"en": "run", "zh": "运行"},
    "index.as_of": {"en": "Analysis date", "zh": "分析日期"},
    "index.latest": {"en": "latest data", "zh": "最新数据"},
    "index.current_split": {"en": "Current split", "zh": "当前划分"},
    "index.config": {"en": "Config", "zh": "配置文件"},
    "index.not_run": {"en": "not run", "zh": "未运行"},
    "index.notebooks": {"en": "Executed notebooks for analysts", "zh": "供分析师查看的已执行笔记本"},
    "index.data_used": {"en": "Data used ({rows} rows in {tables} tables)", "zh": "所用数据({tables} 张表,共 {rows} 行)"},
    "index.data_warnings": {"en": "{n} data warning(s)", "zh": "{n} 条数据提示"},
    "index.col.table": {"en": "table", "zh": "表"},
    "index.col.rows": {"en": "rows", "zh": "行数"},
    "index.col.columns": {"en": "columns", "zh": "列数"},
    "index.col.source": {"en": "source file", "zh": "源文件"},
})
