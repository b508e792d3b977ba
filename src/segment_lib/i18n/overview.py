"""Messages of the overview report (00_overview)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "overview.title": {"en": "Customer overview", "zh": "客户概览"},
    "overview.intro": {
        "en": "Who our customers are, where they are, and how revenue is spread across them. This page is the "
              "starting point for the tiering, region and rebalancing reports.",
        "zh": "我们的客户是谁、分布在哪里、收入如何在客户之间分布。本页是客户分层、区域与区域调整报告的起点。"},
    # KPI tiles
    "overview.kpi.customers": {"en": "Customers", "zh": "客户数"},
    "overview.window.months": {"en": "last {n} months", "zh": "近 {n} 个月"},
    "overview.window.days": {"en": "last {n} days", "zh": "近 {n} 天"},
    "overview.window.all": {"en": "all history", "zh": "全部历史"},
    "overview.finding.no_geography": {
        "en": "The data has no regions (no geo_units, reps and splits), so the region reports are not part of this run.",
        "zh": "数据中没有区域(缺少 geo_units、reps 和 splits),因此本次不生成区域报告。"},
    "overview.finding.no_tiers": {"en": "No customer tiers could be made: {reason}.",
                                  "zh": "无法划分客户层级:{reason}。"},
    "overview.kpi.revenue": {"en": "Revenue, {window}", "zh": "{window}收入"},
    "overview.kpi.reps": {"en": "Reps", "zh": "销售人数"},
    "overview.kpi.regions": {"en": "Regions", "zh": "大区数"},
    "overview.kpi.top": {"en": "Top customers for {target} of revenue", "zh": "贡献 {target} 收入的头部客户"},
    "overview.kpi.regions_note": {"en": "current split: {split}", "zh": "当前划分:{split}"},
    # actions
    "overview.action.top": {
        "en": "Give the top **{n:,} customers** ({share} of all) a named owner and a quarterly review: they bring "
              "**{target}** of revenue ({money}).",
        "zh": "为头部 **{n:,} 位客户**(占全部客户的 {share})指定专人负责并每季度回顾:他们贡献了 **{target}** 的收入"
              "({money})。"},
    "overview.action.zero": {
        "en": "Win back or clean up the **{n:,} customers** without net revenue ({window}) "
              "({share} of all): the tiering report lists who to call first.",
        "zh": "挽回或清理{window}没有净收入的 **{n:,} 位客户**(占全部客户的 {share}):客户分层报告列出了"
              "优先联系名单。"},
    "overview.action.decline": {
        "en": "Revenue of the last 12 months is **{growth}** against the year before ({money}): review pipeline "
              "and prices with the regional managers.",
        "zh": "近 12 个月收入同比 **{growth}**({money}):请与各大区经理复盘商机储备与价格。"},
    "overview.action.region": {
        "en": "**{region}** serves {share} of all customers ({n:,}): check in the regions report that its team "
              "can carry them.",
        "zh": "**{region}** 服务全部客户的 {share}({n:,} 位):请在区域报告中确认该团队的人手是否足够。"},
    "overview.action.warnings": {
        "en": "Fix the {n:,} data warning(s) at the source (listed under Data quality) so the next run is cleaner.",
        "zh": "在源系统中修正 {n:,} 条数据提示(见“数据质量”),让下一次分析更准确。"},
    # findings
    "overview.finding.top": {
        "en": "**{top}** of customers bring **{target}** of revenue ({window}): a small group of "
              "customers matters most.",
        "zh": "**{top}** 的客户贡献了 **{target}** 的收入({window}):少数客户最为关键。"},
    "overview.finding.largest": {
        "en": "The largest region is **{region}** with {n:,} customers ({share} of all).",
        "zh": "客户最多的大区是 **{region}**,共 {n:,} 位客户(占全部的 {share})。"},
    "overview.finding.growth": {
        "en": "Revenue in the last 12 months is {money}, **{growth}** against the 12 months before.",
        "zh": "近 12 个月收入为 {money},比之前 12 个月 **{growth}**。"},
    "overview.finding.no_growth": {
        "en": "Revenue in the last 12 months is {money}; not enough history to compare with the year before.",
        "zh": "近 12 个月收入为 {money};历史数据不足,无法与上一年比较。"},
    "overview.finding.date": {
        "en": "Analysis date: {date}. {n:,} data warning(s), listed below.",
        "zh": "分析日期:{date}。共 {n:,} 条数据提示,见下文。"},
    "overview.meaning.title": {"en": "What this means", "zh": "这意味着什么"},
    "overview.meaning.top": {"en": "The top **{top}** of customers bring **{target}** of revenue.",
                             "zh": "头部 **{top}** 的客户贡献了 **{target}** 的收入。"},
    "overview.meaning.gini": {
        "en": "Concentration index: {gini:.2f} (0 = everyone spends the same, 1 = one customer is everything).",
        "zh": "集中度指数:{gini:.2f}(0 = 每位客户消费相同,1 = 全部收入来自一位客户)。"},
    "overview.meaning.zero": {"en": "{n:,} customers had no net revenue ({window}).",
                              "zh": "{n:,} 位客户{window}没有净收入。"},
    # sections
    "overview.glance.title": {"en": "At a glance", "zh": "一览"},
    "overview.quality.title": {"en": "Data quality", "zh": "数据质量"},
    "overview.quality.text": {
        "en": "How many rows each table has, and anything unusual the data checks found. Warnings do not stop "
              "the analysis, but they are worth fixing at the source.",
        "zh": "每张数据表的行数,以及数据检查发现的异常。数据提示不会中断分析,但值得在源系统中修正。"},
    "overview.quality.caption": {"en": "Tables loaded", "zh": "已读取的数据表"},
    "overview.where.title": {"en": "Where are our customers?", "zh": "客户在哪里?"},
    "overview.where.caption": {"en": "Regions of the current split ({split}).", "zh": "当前划分({split})的各大区。"},
    "overview.where.caption_none": {"en": "The data has no regions: all customers in one bar.",
                                    "zh": "数据中没有区域:全部客户显示为一条。"},
    "overview.concentration.title": {"en": "How concentrated is revenue?", "zh": "收入有多集中?"},
    "overview.concentration.text": {
        "en": "Customers are sorted from largest to smallest revenue. The curve shows which share of revenue the "
              "top customers bring; the dashed line is what it would look like if every customer spent the same.",
        "zh": "客户按收入从高到低排序。曲线表示头部客户贡献的收入占比;虚线表示每位客户消费相同时的情形。"},
    "overview.trend.title": {"en": "Revenue over time", "zh": "收入走势"},
    "overview.trend.caption": {"en": "Net revenue per month (returns deducted); the line is the 3-month average.",
                               "zh": "每月净收入(已扣除退货);折线为 3 个月移动平均。"},
    "overview.next.text": {
        "en": "**Tiering**: which customers matter most, and who to call first. **Regions**: workload, service "
              "and satisfaction per region. **Rebalancing**: a split of the {units} that evens out the workload.",
        "zh": "**客户分层**:哪些客户最重要、先联系谁。**区域**:各大区的工作量、服务与满意度。**区域调整**:"
              "让工作量更均衡的{units}划分方案。"},
    "overview.next.title": {"en": "Next", "zh": "接下来"},
    # quality table
    "overview.quality.table": {"en": "Table", "zh": "数据表"},
    "overview.quality.rows": {"en": "Rows", "zh": "行数"},
    "overview.quality.columns": {"en": "Columns", "zh": "列数"},
    "overview.quality.source": {"en": "Source", "zh": "来源"},
    "overview.appendix.gini": {"en": "Gini coefficient of revenue per customer: {gini:.3f}.",
                               "zh": "客户收入基尼系数:{gini:.3f}。"},
    "overview.table.customers": {"en": "customers", "zh": "客户"},
    "overview.table.transactions": {"en": "transactions", "zh": "交易"},
    "overview.table.interactions": {"en": "interactions", "zh": "服务工单"},
    "overview.table.surveys": {"en": "surveys", "zh": "满意度调查"},
    "overview.table.reps": {"en": "reps", "zh": "销售人员"},
    "overview.table.geo_units": {"en": "geo units", "zh": "地理单元"},
    "overview.table.splits": {"en": "splits", "zh": "区域划分方案"},
    "overview.table.adjacency": {"en": "adjacency", "zh": "相邻关系"},
    "overview.table.split_reps": {"en": "reps per split", "zh": "各方案销售分配"},
    "overview.table.ownership": {"en": "ownership", "zh": "客户归属"},
    "overview.appendix.settings": {
        "en": "Settings: revenue window {window} (params.overview.revenue_months, else params.lookback_days), concentration target "
              "{target} (pareto_target), {history} months of history in the trend chart (history_months).",
        "zh": "参数:收入窗口{window}(params.overview.revenue_months,否则 params.lookback_days),集中度目标 {target}(pareto_target),"
              "走势图显示 {history} 个月(history_months)。"},
}
