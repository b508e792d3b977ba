"""Messages about the user's data: the warnings of loading and validation (:mod:`segment_lib.io`).

Each warning is an :class:`~segment_lib.i18n.Note`: English where it is logged (``segment-lib validate``,
tests), the report's language where a report shows it.  ``{where}`` is the file and column it is about.
"""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "data.where.file": {"en": "[{file}] ", "zh": "[{file}] "},
    "data.where.column": {"en": "[{file}] column '{column}': ", "zh": "[{file}] 列 '{column}':"},
    "data.warn.empty_table": {"en": "{where}the table has no data rows; it is treated as missing",
                              "zh": "{where}该表没有数据行,按缺失处理"},
    "data.warn.repeated_claims": {"en": "{where}{n} repeated owner claims dropped (rows {rows})",
                                  "zh": "{where}{n} 条重复的归属记录已删除(行 {rows})"},
    "data.warn.guests": {
        "en": "{where}{n:,} rows without a customer id (e.g. guest orders) dropped, amount {amount:,.2f} (rows {rows})",
        "zh": "{where}{n:,} 行没有客户编号(如游客订单),已删除,金额 {amount:,.2f}(行 {rows})"},
    "data.warn.negative": {"en": "{where}{n} negative amounts (returns/refunds) kept; they reduce the customer's net value",
                           "zh": "{where}{n} 笔负金额(退货/退款)已保留,会减少客户的净消费额"},
    "data.warn.response_before_open": {
        "en": "{where}{n} tickets have the first response before the ticket was opened (rows {rows})",
        "zh": "{where}{n} 张工单的首次响应时间早于开单时间(行 {rows})"},
    "data.warn.resolved_before_open": {
        "en": "{where}{n} tickets have the resolution before the ticket was opened (rows {rows})",
        "zh": "{where}{n} 张工单的解决时间早于开单时间(行 {rows})"},
    "data.warn.no_scores": {"en": "{where}neither csat nor nps is mapped; satisfaction analyses will be empty",
                            "zh": "{where}没有映射 csat 或 nps 列,满意度分析将为空"},
    "data.warn.no_score": {"en": "{where}{n} answers have no score", "zh": "{where}{n} 份问卷没有评分"},
    "data.warn.future_dropped": {"en": "{where}{n} rows dated after as_of {day} dropped",
                                 "zh": "{where}{n} 行日期晚于分析日期 {day},已删除"},
    "data.warn.future": {"en": "{where}{n} dates after as_of {day} (rows {rows})",
                         "zh": "{where}{n} 个日期晚于分析日期 {day}(行 {rows})"},
    "data.warn.units_without_region": {"en": "{where}split '{split}' leaves {n} geo units without a region: {units}",
                                       "zh": "{where}划分方案 '{split}' 有 {n} 个地区没有分到大区:{units}"},
    "data.warn.unknown_neighbours": {"en": "{where}{n} neighbours name unknown geo units: {units} (ignored)",
                                     "zh": "{where}{n} 个相邻关系指向未知地区:{units}(已忽略)"},
    "data.warn.one_way_links": {"en": "{where}{n} neighbour links are one-way (treated as two-way): {links}",
                                "zh": "{where}{n} 条相邻关系是单向的(按双向处理):{links}"},
    "data.warn.no_owner": {"en": "{where}{n} customers have no owner", "zh": "{where}{n} 位客户没有负责人"},
    "data.warn.many_owners": {"en": "{where}{n} customers have more than one owner (ownership conflicts)",
                              "zh": "{where}{n} 位客户有多个负责人(归属冲突)"},
    "data.warn.idle_reps": {"en": "{where}{n} reps own no customers: {reps}",
                            "zh": "{where}{n} 位销售没有负责的客户:{reps}"},
    "data.warn.no_ownership": {
        "en": "{where}no owner column and no ownership table; ownership analyses are unavailable",
        "zh": "{where}没有负责人列,也没有归属表;无法进行归属分析"},
    "data.warn.no_transactions": {"en": "{where}{n} customers have no transactions",
                                  "zh": "{where}{n} 位客户没有交易记录"},
    "data.warn.no_current_split": {"en": "{where}current_split not set; using '{split}' (first in the file)",
                                   "zh": "{where}未设置 current_split;使用文件中的第一个方案 '{split}'"},
    "data.warn.reps_outside_split": {"en": "{where}{n} reps belong to regions that are not in split '{split}': {regions}",
                                     "zh": "{where}{n} 位销售所属的大区不在划分方案 '{split}' 中:{regions}"},
    "data.warn.customers_outside_split": {
        "en": "{where}{n} customers are in geo units without a region in split '{split}'",
        "zh": "{where}{n} 位客户所在的地区在划分方案 '{split}' 中没有大区"},
    "data.warn.bad_split_reps": {"en": "{where}{n} rep assignments name regions not in their split: {regions}",
                                 "zh": "{where}{n} 条销售分配指向不在其划分方案中的大区:{regions}"},
    "data.warn.unstaffed": {
        "en": "{where}split '{split}': {n} region(s) have no reps: {regions} (the regions report shows them as "
              "'no reps'; the rebalance report needs reps in every region and will not run)",
        "zh": "{where}划分方案 '{split}':{n} 个大区没有销售:{regions}(大区报告将其标为\"无销售\";调整方案报告需要"
              "每个大区都有销售,因此不会运行)"},
    "data.warn.not_contiguous": {
        "en": "{where}split '{split}': region {region} is not one connected area; detached: {units}",
        "zh": "{where}划分方案 '{split}':大区 {region} 不是连成一片的区域;脱离的地区:{units}"},
    "data.warn.lonely_units": {
        "en": "{file}: {n} geo unit(s) have no neighbour at all: {units}. They can only form a region of their own; "
              "add links (adjacency table, neighbors column or params.geo.extra_edges) or set "
              "params.geo.adjacency: delaunay.",
        "zh": "{file}:{n} 个地区没有任何相邻地区:{units}。它们只能单独成为一个大区;请补充相邻关系(adjacency 表、"
              "neighbors 列或 params.geo.extra_edges),或设置 params.geo.adjacency: delaunay。"},
    "data.warn.partial_geography": {
        "en": "{where}the region reports need geo_units, reps and splits; missing: {missing} (they will not run)",
        "zh": "{where}大区报告需要 geo_units、reps 和 splits 三张表;缺少:{missing}(这些报告不会运行)"},
    "data.warn.after_today": {
        "en": "{where}{n:,} dates are after today ({today}); the analysis date chosen is {day}, in the future: "
              "set as_of in the config if that is wrong",
        "zh": "{where}{n:,} 个日期晚于今天({today});选定的分析日期 {day} 在未来:如有误,请在配置中设置 as_of"},
    "data.warn.as_of_today": {"en": "as_of not set and no dated rows; using today {today}",
                              "zh": "未设置 as_of,且没有带日期的数据;使用今天 {today}"},
    "data.warn.as_of_latest_transactions": {"en": "as_of not set; using the latest transaction date {day}",
                                            "zh": "未设置 as_of;使用最近的交易日期 {day}"},
    "data.warn.as_of_latest_interactions": {"en": "as_of not set; using the latest ticket date {day}",
                                            "zh": "未设置 as_of;使用最近的工单日期 {day}"},
    "data.warn.as_of_latest_surveys": {"en": "as_of not set; using the latest survey date {day}",
                                       "zh": "未设置 as_of;使用最近的问卷日期 {day}"},
}
