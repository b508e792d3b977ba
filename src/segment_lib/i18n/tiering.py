"""Messages of the tiering report (01_tiering) and of :mod:`segment_lib.tiering.tables`."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "tiering.title": {"en": "Customer tiers", "zh": "客户分层"},
    "tiering.intro": {
        "en": "Which customers matter most, how many there are in each tier, what share of revenue each tier "
              "brings, and who moved between tiers since last quarter.",
        "zh": "哪些客户最重要、每个层级有多少客户、各层级贡献多少收入,以及上季度以来哪些客户升级或降级。"},
    # actions
    "tiering.action.call": {
        "en": "Call the **{n:,} customers who moved down a tier**, starting with the {n_top:,} who left "
              "**{tier}** ({money} spent in the earlier period): the list below is in that order.",
        "zh": "联系 **{n:,} 位降级客户**,先从离开 **{tier}** 的 {n_top:,} 位开始(之前一期消费 {money}):"
              "下方名单已按此排序。"},
    "tiering.action.call_simple": {
        "en": "Call the **{n:,} customers who moved down a tier** ({money} spent in the earlier period), "
              "largest spenders first: the list below is in that order.",
        "zh": "联系 **{n:,} 位降级客户**(之前一期消费 {money}),按消费从高到低:下方名单已按此排序。"},
    "tiering.action.protect": {
        "en": "Keep the **{n:,} {tier}** customers close (named owner, regular visits): they bring **{share}** of "
              "revenue.",
        "zh": "重点维护 **{n:,} 位{tier}**(专人负责、定期拜访):他们贡献了 **{share}** 的收入。"},
    "tiering.action.dormant": {
        "en": "Run a win-back campaign for the **{n:,} {tier}** customers ({share} of customers); drop those "
              "who do not answer from the active lists.",
        "zh": "对 **{n:,} 位{tier}**(占客户的 {share})开展唤醒活动;无回应的客户移出活跃名单。"},
    "tiering.action.upgrades": {
        "en": "Thank and grow the **{n:,} customers who moved up** a tier: they are buying more than last quarter.",
        "zh": "感谢并培养 **{n:,} 位升级客户**:他们的购买比上季度更多。"},
    "tiering.action.unstable": {
        "en": "Treat the tier borders as approximate: the tiers change noticeably when the data is resampled.",
        "zh": "层级边界仅供参考:数据重新抽样时层级变化明显。"},
    # findings
    "tiering.finding.count": {
        "en": "Customers fall into **{k} tiers**; {best} is the most valuable.",
        "zh": "客户分为 **{k} 个层级**;{best}价值最高。"},
    "tiering.finding.tier": {
        "en": "**{tier}**: {n:,} customers ({share}) bring **{revenue}** of revenue; on average they buy "
              "{freq:.1f}× in {days} days, spend {money}, {recency}{dormant}.",
        "zh": "**{tier}**:{n:,} 位客户(占 {share})贡献 **{revenue}** 的收入;平均每 {days} 天购买 {freq:.1f} 次、"
              "消费 {money},{recency}{dormant}。"},
    "tiering.finding.never": {"en": "never bought", "zh": "从未购买"},
    "tiering.finding.recency": {"en": "last bought ~{days:.0f} days ago", "zh": "最近一次购买约在 {days:.0f} 天前"},
    "tiering.finding.dormant": {"en": "; {share} have not bought for 180+ days",
                                "zh": ";{share} 已超过 180 天未购买"},
    "tiering.finding.moves": {
        "en": "Since {date} (judged with today's tier definitions) **{up:,} customers moved up** and "
              "**{down:,} moved down** a tier ({share} of customers); {new:,} are new.",
        "zh": "自 {date} 以来(按今天的层级标准衡量)**{up:,} 位客户升级**,**{down:,} 位降级**(占客户的 {share});"
              "新客户 {new:,} 位。"},
    "tiering.finding.stable": {
        "en": "The tiers are {word}: when the customers are resampled and the tiers redrawn, {agree} of the "
              "assignments agree (1 = always the same).",
        "zh": "层级划分{word}:重新抽样并重新分层时,{agree} 的归类保持一致(1 = 完全一致)。"},
    "tiering.stable.very": {"en": "very stable", "zh": "非常稳定"},
    "tiering.stable.ok": {"en": "stable", "zh": "稳定"},
    "tiering.stable.no": {"en": "not stable: treat with care", "zh": "不够稳定:请谨慎使用"},
    # sections
    "tiering.summary.title": {"en": "Summary", "zh": "摘要"},
    "tiering.tiers.title": {"en": "The tiers", "zh": "各层级"},
    "tiering.tiers.text": {
        "en": "One row per tier: how many customers, what share of revenue, and how they buy (averages over the "
              "last year). *Dormant share* is the share that has not bought for 180 days or more.",
        "zh": "每行一个层级:客户数、收入占比,以及购买行为(近一年的平均值)。“沉睡占比”为超过 180 天未购买的客户比例。"},
    "tiering.tiers.caption": {"en": "Tier profile as of {date}", "zh": "截至 {date} 的层级画像"},
    "tiering.snake.caption": {
        "en": "Each line is a tier; points above 0 are above the average customer on that measure.",
        "zh": "每条线是一个层级;高于 0 表示该指标高于平均客户。"},
    "tiering.pareto.caption": {
        "en": "Customers sorted from highest to lowest spend: the steep start is where most revenue comes from.",
        "zh": "客户按消费从高到低排序:曲线陡峭的开头就是大部分收入的来源。"},
    "tiering.moved.title": {"en": "Who moved since last quarter", "zh": "上季度以来的层级变化"},
    "tiering.moved.text": {
        "en": "Both dates are judged with the same tier definitions (today's): the customers' behaviour one "
              "quarter ago is scored against today's tiers. A move therefore means the customer bought "
              "differently, not that the tiers were redrawn.",
        "zh": "两个日期使用同一套层级标准(今天的):用今天的层级标准衡量客户一个季度前的购买行为。因此,层级变化意味着"
              "客户的购买行为变了,而不是标准变了。"},
    "tiering.moved.heat_caption": {"en": "Rows: tier on {before}; columns: tier on {after}.",
                                   "zh": "行:{before} 的层级;列:{after} 的层级。"},
    "tiering.moved.call_caption": {
        "en": "First to call: customers who moved down a tier, top tiers first, then by earlier spend",
        "zh": "优先联系名单:降级客户,先高层级,再按之前消费排序"},
    "tiering.rfm.title": {"en": "RFM segments", "zh": "RFM 客户细分"},
    "tiering.rfm.text": {
        "en": "A second, rule-based view: each customer gets a 1–5 score for how recently (R), how often (F) and "
              "how much (M) they buy, and a segment name from those scores.",
        "zh": "第二种基于规则的视角:按最近购买(R)、购买频次(F)和消费金额(M)为每位客户打 1–5 分,并据此命名细分。"},
    "tiering.rfm.caption": {"en": "How segments are named from the scores (FM = average of F and M)",
                            "zh": "细分如何由评分命名(FM = F 与 M 的平均)"},
    # tables
    "tiering.col.tier": {"en": "Tier", "zh": "层级"},
    "tiering.col.customers": {"en": "Customers", "zh": "客户数"},
    "tiering.col.customer_share": {"en": "Customer share", "zh": "客户占比"},
    "tiering.col.revenue": {"en": "Revenue", "zh": "收入"},
    "tiering.col.revenue_share": {"en": "Revenue share", "zh": "收入占比"},
    "tiering.col.spend": {"en": "Spend per customer", "zh": "客均消费"},
    "tiering.col.orders": {"en": "Orders in {days} days", "zh": "{days} 天订单数"},
    "tiering.col.last_bought": {"en": "Last bought (days ago)", "zh": "距上次购买(天)"},
    "tiering.col.dormant": {"en": "Dormant share", "zh": "沉睡占比"},
    "tiering.col.avg_order": {"en": "Average order", "zh": "客单价"},
    "tiering.col.one_time": {"en": "One-time share", "zh": "一次性客户占比"},
    "tiering.col.new": {"en": "New share", "zh": "新客户占比"},
    "tiering.col.complaints": {"en": "Complaints per customer", "zh": "客均投诉"},
    "tiering.col.csat": {"en": "Satisfaction (1–5)", "zh": "满意度(1–5)"},
    "tiering.col.customer": {"en": "Customer", "zh": "客户"},
    "tiering.col.tier_before": {"en": "Tier before", "zh": "之前层级"},
    "tiering.col.tier_now": {"en": "Tier now", "zh": "现在层级"},
    "tiering.col.spend_before": {"en": "Spend, earlier period", "zh": "之前一期消费"},
    "tiering.col.spend_now": {"en": "Spend, last period", "zh": "最近一期消费"},
    "tiering.col.orders_before": {"en": "Orders before", "zh": "之前订单数"},
    "tiering.col.orders_now": {"en": "Orders now", "zh": "现在订单数"},
    "tiering.col.segment": {"en": "Segment", "zh": "细分"},
    "tiering.col.r_score": {"en": "R score", "zh": "R 评分"},
    "tiering.col.fm_score": {"en": "FM score", "zh": "FM 评分"},
    "tiering.col.meaning": {"en": "Meaning", "zh": "含义"},
    "tiering.all_customers": {"en": "All customers", "zh": "全部客户"},
    # analyst appendix
    "tiering.appendix.method": {
        "en": "Tiers: {source}. Number of tiers: {k_note}",
        "zh": "分层方法:{source}。层级数:{k_note}"},
    "tiering.appendix.k_caption": {"en": "Scores for each candidate number of tiers",
                                   "zh": "各候选层级数的评分"},
    "tiering.appendix.k_text": {
        "en": "The chosen number is the largest one whose tiers are stable when the data is resampled, are each big "
              "enough to act on, and differ clearly in value (each tier's typical spend at least twice the next "
              "tier's). The stability column here is a quick screening check (single-restart refits), lower than "
              "the stability of the final tiers below ({agree}), which is the figure used in the report.",
        "zh": "选定的层级数是满足以下条件的最大值:重新抽样时稳定、每个层级足够大、层级之间价值差异明显(每层典型消费至少"
              "是下一层的两倍)。此处的稳定性列是快速筛查(单次初始化重拟合),低于下方最终层级的稳定性({agree}),"
              "报告正文使用的是后者。"},
    "tiering.appendix.stability_caption": {
        "en": "Stability of the final tiers: refit on resampled customers (adjusted Rand index overall, Jaccard "
              "per tier; 1 = the tiers always come out the same)",
        "zh": "最终层级的稳定性:对重新抽样的客户重拟合(整体为调整兰德指数,各层级为 Jaccard 重合度;1 = 完全一致)"},
    "tiering.col.k": {"en": "Tiers", "zh": "层级数"},
    "tiering.col.chosen": {"en": "Chosen", "zh": "选定"},
    "tiering.col.silhouette": {"en": "Silhouette (higher is better)", "zh": "轮廓系数(越高越好)"},
    "tiering.col.db": {"en": "Davies–Bouldin (lower is better)", "zh": "Davies–Bouldin 指数(越低越好)"},
    "tiering.col.ch": {"en": "Calinski–Harabasz (higher is better)", "zh": "Calinski–Harabasz 指数(越高越好)"},
    "tiering.col.bic": {"en": "BIC (lower is better)", "zh": "BIC(越低越好)"},
    "tiering.col.inertia": {"en": "Inertia", "zh": "簇内平方和(inertia)"},
    "tiering.col.smallest": {"en": "Smallest tier share", "zh": "最小层级占比"},
    "tiering.col.ratio": {"en": "Spend vs next tier (lowest)", "zh": "相邻层级消费比(最小)"},
    "tiering.col.no_spend_below": {"en": "no spend below", "zh": "下一层无消费"},
    "tiering.col.screen_stability": {"en": "Screening stability (bootstrap ARI)", "zh": "筛查稳定性(自助法 ARI)"},
    "tiering.col.spearman": {"en": "Correlation with next-period revenue", "zh": "与下期收入的相关性"},
    "tiering.col.agree_mean": {"en": "Agreement (mean)", "zh": "一致性(平均)"},
    "tiering.col.agree_p05": {"en": "Agreement (worst 5%)", "zh": "一致性(最差 5%)"},
    "tiering.col.resamples": {"en": "Resamples", "zh": "重抽样次数"},
    "tiering.appendix.holdout": {
        "en": "Holdout check: tiers drawn some months ago by several methods, judged on what customers bought since",
        "zh": "回测检验:用多种方法按数月前的数据分层,再用此后的实际购买来检验"},
    "tiering.appendix.holdout_table": {
        "en": "Each method's tiers drawn at the start of the period, judged on the revenue that followed",
        "zh": "各方法在期初划分的层级,按之后的收入检验"},
    "tiering.appendix.holdout_chart": {
        "en": "Revenue per customer after the tiers were drawn: each line should fall from tier 1 down.",
        "zh": "分层之后的客均收入:每条线都应从第 1 层往下递减。"},
    "tiering.appendix.holdout_detail": {"en": "Holdout period by method and tier", "zh": "回测期:按方法与层级"},
    "tiering.appendix.calibration": {
        "en": "Each point is a tenth of the customers; on the dashed line the prediction was exact.",
        "zh": "每个点代表十分之一的客户;落在虚线上表示预测准确。"},
    # each customer's reason for its tier (tiering.explain_tiers: the take-away workbook, the moves table);
    # fields are formatted values, one per customer (i18n.t_rows)
    "tiering.reason.cluster": {
        "en": "{tier}: buys {freq}× in {days} days ({other} typical {other_freq}), spent {money} ({other} typical "
              "{other_money}), {recency} ({other} typical {other_recency})",
        "zh": "{tier}:{days}天内购买{freq}次({other}通常{other_freq}次),消费{money}({other}通常{other_money}),"
              "{recency}({other}通常{other_recency}天)"},
    "tiering.reason.last_bought": {"en": "last bought {n} days ago", "zh": "最近一次购买在{n}天前"},
    "tiering.reason.never_bought": {"en": "never bought", "zh": "从未购买"},
    "tiering.reason.rfm": {
        "en": "{tier} / {segment}: R={r} F={f} M={m} (segment rule {rule})",
        "zh": "{tier} / {segment}:R={r} F={f} M={m}(分群规则 {rule})"},
    "tiering.reason.no_rule": {"en": "no rule", "zh": "无规则"},
    "tiering.reason.abc": {
        "en": "{tier}: spent {money} in {days} days; customers ranked above made {share}% of revenue "
              "(class band {band})",
        "zh": "{tier}:{days}天内消费{money};排名在前的客户贡献了{share}%的收入(类别区间 {band})"},
    "tiering.reason.abc_none": {"en": "{tier}: no revenue in the last {days} days",
                                "zh": "{tier}:最近{days}天没有收入"},
    "tiering.reason.threshold": {"en": "{tier}: {rule} ({rule_set} rules)", "zh": "{tier}:{rule}({rule_set}规则)"},
    "tiering.reason.meets": {"en": "meets {parts}", "zh": "满足 {parts}"},
    "tiering.reason.meets_none": {"en": "meets none of the rules above", "zh": "不满足以上任何规则"},
    "tiering.reason.and": {"en": " and ", "zh": " 且 "},
    "tiering.reason.clv": {
        "en": "{tier}: expected to buy {n}× and bring {money} in the next {months} months{bound}{chance}",
        "zh": "{tier}:预计未来{months}个月购买{n}次、带来{money}{bound}{chance}"},
    "tiering.reason.clv_bound": {"en": "; {tier} from {money}", "zh": ";{tier}的下限为{money}"},
    "tiering.reason.clv_alive": {"en": "; chance still buying {p}%", "zh": ";仍在购买的概率{p}%"},
    "tiering.reason.clv_none": {"en": "; no purchase yet", "zh": ";尚未购买"},
    "tiering.reason.within": {"en": " [within {group}={key}]", "zh": "({group}={key} 组内)"},
}
