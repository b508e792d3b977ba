"""Messages of the regions report (02_regions), :mod:`segment_lib.regions.findings` and ``regions.tables``."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "regions.title": {"en": "Regions: workload, service and ownership", "zh": "区域:工作量、服务与客户归属"},
    "regions.intro": {
        "en": "Is any region overloaded, is service suffering there, are the ownership rules clean, and which "
              "candidate split of the territory works best? Workload counts accounts weighted by tier (a VIP "
              "customer needs more time than a dormant one) and is compared with each rep's capacity. Every "
              "satisfaction number comes with a 95% range, so small differences are not over-read.",
        "zh": "是否有大区超负荷、那里的服务是否受影响、客户归属规则是否清晰、哪种区域划分方案最好?工作量按客户层级加权"
              "计算(VIP 客户比沉睡客户需要更多时间),并与每位销售的产能比较。每个满意度数字都附 95% 区间,避免过度解读"
              "细小差异。"},
    # actions
    "regions.action.capacity": {
        "en": "Add capacity in **{region}**: its reps carry **{load}** of their capacity; about **{reps:,} more "
              "rep(s)** (or moving {share} of its workload) would bring it to full, not over.",
        "zh": "为 **{region}** 增加人手:该区销售负载为产能的 **{load}**;约需 **再增加 {reps:,} 名销售**"
              "(或转出 {share} 的工作量)才能降到满负荷以内。"},
    "regions.action.spare": {
        "en": "Use the spare capacity in **{regions}**: they could take over {units} or accounts from the busy regions.",
        "zh": "利用 **{regions}** 的富余产能:可从繁忙大区接手部分{units}或客户。"},
    "regions.action.satisfaction": {
        "en": "Look after service in **{region}**: satisfaction is {diff:.2f} points lower than in the other "
              "regions (95% range {low} to {high}).",
        "zh": "关注 **{region}** 的服务:满意度比其他大区低 {diff:.2f} 分(95% 区间 {low} 至 {high})。"},
    "regions.action.owners": {
        "en": "Settle ownership of the **{n:,} customers claimed by more than one rep** ({share} of revenue).",
        "zh": "理清 **{n:,} 位有多个负责人的客户** 的归属(涉及 {share} 的收入)。"},
    "regions.action.rebalance": {
        "en": "Review the proposed new split in the rebalancing report before the next planning round.",
        "zh": "在下一轮规划前,查看区域调整报告中的新划分方案。"},
    # findings
    "regions.finding.flagged": {
        "en": "**{region}**: reps at {load} capacity (other regions {other})",
        "zh": "**{region}**:销售负载为产能的 {load}(其他大区 {other})"},
    "regions.finding.csat": {
        "en": "; satisfaction {diff:.2f} {word} than the other regions (95% range {low} to {high})",
        "zh": ";满意度比其他大区{word} {diff:.2f} 分(95% 区间 {low} 至 {high})"},
    "regions.finding.nps": {
        "en": "; NPS {diff:.0f} points {word} (95% range {low} to {high})",
        "zh": ";NPS {word} {diff:.0f} 分(95% 区间 {low} 至 {high})"},
    "regions.finding.response": {
        "en": "; median first response {here:.1f} h vs {rest:.1f} h elsewhere",
        "zh": ";首次响应中位数 {here:.1f} 小时,其他大区 {rest:.1f} 小时"},
    "regions.word.lower": {"en": "lower", "zh": "低"},
    "regions.word.higher": {"en": "higher", "zh": "高"},
    "regions.finding.none_over": {
        "en": "No region is over capacity; the busiest is {region} at {load} capacity.",
        "zh": "没有大区超负荷;最忙的是 {region},负载为产能的 {load}。"},
    "regions.finding.spare": {"en": "Spare capacity in {list}.", "zh": "有富余产能的大区:{list}。"},
    "regions.finding.effect": {"en": "Does workload hurt service? {sentence}", "zh": "工作量是否影响服务?{sentence}"},
    "regions.finding.reps": {
        "en": "Rep workload: the busiest rep carries {max:.1f}× the average load; {share} of reps are over capacity.",
        "zh": "销售工作量:最忙的销售负载是平均的 {max:.1f} 倍;{share} 的销售超负荷。"},
    "regions.finding.ownership": {"en": "Ownership: {bits} (of {n:,} customers).",
                                  "zh": "客户归属:{bits}(共 {n:,} 位客户)。"},
    "regions.own.multi": {"en": "{n:,} customers ({share}) have more than one owner rep",
                          "zh": "{n:,} 位客户({share})有多个负责销售"},
    "regions.own.outside": {"en": "{n:,} have an owner in another region", "zh": "{n:,} 位的负责人在其他大区"},
    "regions.own.cross": {"en": "{n:,} buy across regions ({share} of revenue is booked in another region)",
                          "zh": "{n:,} 位跨区购买({share} 的收入记在其他大区)"},
    "regions.own.without": {"en": "{n:,} have no owner", "zh": "{n:,} 位没有负责人"},
    "regions.finding.core": {
        "en": "{n:,} core customers would change owner under this split (rule: core customers stay with their "
              "original rep).",
        "zh": "按此划分,{n:,} 位核心客户会更换负责人(规则:核心客户保留原负责销售)。"},
    "regions.finding.gaps": {
        "en": "Split gaps: {units_n} {units} without a region, {regions_n} regions without a rep.",
        "zh": "划分缺口:{units_n} 个{units}未划入大区,{regions_n} 个大区没有销售。"},
    "regions.finding.pieces": {"en": "Not one connected piece: {list}.", "zh": "不连成一片的大区:{list}。"},
    "regions.finding.piece": {"en": "{region} ({k} parts; detached {units}: {detached})",
                              "zh": "{region}({k} 块;分离的{units}:{detached})"},
    "regions.finding.connected": {"en": "Every region is one connected piece of territory.",
                                  "zh": "每个大区都连成一片。"},
    "regions.finding.disruption": {
        "en": "Compared with the current split, {share} of customers ({revenue} of revenue) change region or owner.",
        "zh": "与当前划分相比,{share} 的客户({revenue} 的收入)会更换大区或负责人。"},
    "regions.note.unit_workload": {
        "en": "{n:,} customers are in {units} with a workload of their own (geo_units.workload): the {unit}'s "
              "workload is used, not the customers' tier effort.",
        "zh": "{n:,} 位客户所在的{units}自带工作量(geo_units.workload):按该{unit}的工作量计算,不再按客户层级计。"},
    "regions.finding.disruption_norev": {
        "en": "Compared with the current split, {share} of customers change region or owner.",
        "zh": "与当前划分相比,{share} 的客户会更换大区或负责人。"},
    "regions.finding.more_units": {"en": " … ({n:,} in all)", "zh": " …(共 {n:,} 个)"},
    # satisfaction / churn gaps whose 95% interval excludes zero (findings.outcome_findings)
    "regions.outcome.region": {"en": "**{region}**: {bits}.", "zh": "**{region}**:{bits}。"},
    "regions.outcome.csat": {
        "en": "satisfaction {csat:.2f}, {diff:.2f} {word} than the other regions (95% range {low} to {high})",
        "zh": "满意度 {csat:.2f},比其他大区{word} {diff:.2f} 分(95% 区间 {low} 至 {high})"},
    "regions.outcome.churn": {
        "en": "{rate} of customers churned, {diff:.1f} points {word} than in the other regions (95% range {low} to "
              "{high} points)",
        "zh": "{rate} 的客户已流失,比其他大区{word} {diff:.1f} 个百分点(95% 区间 {low} 至 {high} 个百分点)"},
    "regions.outcome.no_churn_gap": {
        "en": "Churn does not differ clearly between regions (every 95% range of the gap includes zero).",
        "zh": "各大区的客户流失率没有明显差别(每个差值的 95% 区间都包含 0)。"},
    "regions.word.more": {"en": "more", "zh": "高"},
    "regions.word.fewer": {"en": "fewer", "zh": "低"},
    "regions.finding.few": {"en": "Too few survey answers to judge: {list}.", "zh": "调查答卷太少、无法判断的大区:{list}。"},
    "regions.effect.none": {"en": "Not enough survey or ticket data to estimate the effect of workload.",
                            "zh": "调查或工单数据不足,无法估计工作量的影响。"},
    "regions.effect.csat": {"en": "Satisfaction (1–5)", "zh": "满意度(1–5)"},
    "regions.effect.nps": {"en": "Recommendation score (0–10)", "zh": "推荐意愿(0–10)"},
    "regions.effect.first_response": {"en": "First-response time", "zh": "首次响应时间"},
    "regions.effect.points": {
        "en": "{outcome}: going from 1.0× to {to:.1f}× capacity goes with {size:.2f} points {word} "
              "(95% range {low} to {high}){sure}.",
        "zh": "{outcome}:负载从产能的 1.0 倍升到 {to:.1f} 倍时,平均{word} {size:.2f} 分(95% 区间 {low} 至 {high}){sure}。"},
    "regions.effect.times": {
        "en": "{outcome}: going from 1.0× to {to:.1f}× capacity goes with {size:.0f}% {word} times "
              "(95% range {low} to {high}){sure}.",
        "zh": "{outcome}:负载从产能的 1.0 倍升到 {to:.1f} 倍时,时间{word} {size:.0f}%(95% 区间 {low} 至 {high}){sure}。"},
    "regions.word.longer": {"en": "longer", "zh": "变长"},
    "regions.word.shorter": {"en": "shorter", "zh": "变短"},
    "regions.effect.unsure": {"en": " — the range includes no effect, so this is not conclusive",
                              "zh": "——区间包含“无影响”,因此不能下定论"},
    "regions.effect.title": {"en": "What the data says", "zh": "数据结论"},
    # sections
    "regions.map.title": {"en": "Where are the regions?", "zh": "大区分布"},
    "regions.map.text": {
        "en": "Left: each {unit} in the colour of its region; the label shows the region's load: workload divided by "
              "the capacity of its reps (1.00× = exactly full, red = over). Right: customer satisfaction per region "
              "(green = better). Without known outlines the {units} are drawn as dots sized by their number of "
              "customers.",
        "zh": "左图:每个{unit}按所属大区着色;标签为大区负载,即工作量除以销售产能(1.00× = 恰好满负荷,红色 = 超负荷)。"
              "右图:各大区客户满意度(绿色 = 更好)。没有边界数据时,{units}以圆点表示,大小代表客户数。"},
    "regions.load.title": {"en": "Is any region overloaded?", "zh": "是否有大区超负荷?"},
    "regions.load.text": {
        "en": "The bar is the region's total workload over its reps' total capacity; each dot is one rep. Anything "
              "right of the dashed line is more work than the team can carry.",
        "zh": "横条是大区总工作量除以销售总产能;每个点是一位销售。虚线右侧表示工作量超过团队能承担的范围。"},
    "regions.load.caption": {"en": "Regions, most loaded first: load and satisfaction (brackets: 95% range)",
                             "zh": "各大区(负载从高到低):负载与满意度(括号内为 95% 区间)"},
    "regions.service.caption": {"en": "Service per region (brackets: 95% range)",
                                "zh": "各大区服务情况(括号内为 95% 区间)"},
    "regions.effect.section.title": {"en": "Does workload hurt service?", "zh": "工作量是否影响服务?"},
    "regions.effect.section.text": {
        "en": "Each dot is a rep: their current load against the mean satisfaction their customers gave. The line "
              "compares answers of busier and less busy reps, for customers of the same tier and industry; the grey "
              "band is its 95% range.",
        "zh": "每个点是一位销售:当前负载与其客户给出的平均满意度。直线比较同一层级、同一行业客户在忙碌程度不同的销售下的"
              "评分;灰色带为 95% 区间。"},
    "regions.ownership.title": {"en": "Ownership rules", "zh": "客户归属规则"},
    "regions.ownership.text": {
        "en": "Checks from the sales team's rules: one owner per customer, the owner works in the customer's region, "
              "core customers stay with their original rep, every {unit} has a region and every region has reps. "
              "Customers who buy in other regions are listed for information (they need cross-region "
              "collaboration, not necessarily a fix).",
        "zh": "依据销售团队规则的检查:每位客户只有一位负责人、负责人在客户所在大区、核心客户保留原负责销售、每个{unit}"
              "都有所属大区、每个大区都有销售。跨区购买的客户仅供参考(需要跨区协作,不一定需要纠正)。"},
    "regions.ownership.caption": {"en": "Ownership checks", "zh": "归属检查"},
    "regions.fair.title": {"en": "Fair targets", "zh": "公平的业绩目标"},
    "regions.fair.text": {
        "en": "Regions differ in how easy they are. A flat target (revenue in proportion to capacity) punishes reps "
              "in weaker markets; the fair target combines the region's baseline (60%) with the rep's customer tier "
              "mix (40%). Attainment close to 100% everywhere means targets match what each team can really achieve.",
        "zh": "各大区的市场难度不同。统一目标(按产能分配收入)对弱市场的销售不公平;公平目标结合大区基线(60%)与销售的"
              "客户层级结构(40%)。各区完成率都接近 100%,说明目标与团队的实际能力相符。"},
    "regions.fair.caption": {
        "en": "Target attainment per region (spread = how unequal attainment is between reps of the region)",
        "zh": "各大区目标完成率(差异 = 区内销售之间完成率的不均衡程度)"},
    "regions.compare.title": {"en": "Comparing candidate splits", "zh": "候选划分方案对比"},
    "regions.compare.text": {
        "en": "Every split is judged with the same tiers and the same rules. The score (0–100, higher is better) "
              "adds up penalties for uneven rep load, reps over capacity, customers who would change region or "
              "owner, owners outside their region, spread-out regions and regions that are not one connected "
              "piece. Because it also counts disruption, today's split can score well although its workload is "
              "less even than in the rebalancing report, which judges workload balance alone.",
        "zh": "所有方案使用相同的层级和规则评估。得分(0–100,越高越好)综合扣分项:销售负载不均、销售超负荷、客户需更换"
              "大区或负责人、负责人不在本区、大区过于分散、大区不连成一片。由于得分也计入变动成本,当前方案即使工作量不如"
              "区域调整报告中均衡,得分也可能较高;区域调整报告只衡量工作量是否均衡。"},
    "regions.compare.caption": {"en": "Candidate splits, best score first", "zh": "候选划分方案(得分从高到低)"},
    "regions.warnings.title": {"en": "Data warnings", "zh": "数据提示"},
    "regions.next.title": {"en": "Next", "zh": "接下来"},
    "regions.next.text": {
        "en": "**Rebalancing** proposes splits that even out the workload; they can be compared here with the same "
              "scorecard.",
        "zh": "**区域调整** 报告给出让工作量更均衡的划分方案,可用同一评分卡在此对比。"},
    # appendix
    "regions.appendix.context": {
        "en": "Split examined: {split}. Tiers: {source} (the same tiers as the tiering report). Effort per account "
              "by tier: {effort}. Service figures cover the {days} days up to {date}.",
        "zh": "所评估的划分:{split}。层级:{source}(与客户分层报告相同)。各层级每位客户的工作量权重:{effort}。"
              "服务数据覆盖截至 {date} 的 {days} 天。"},
    "regions.appendix.weights": {"en": "Score weights: {weights}.", "zh": "得分权重:{weights}。"},
    "regions.appendix.model": {
        "en": "Workload effect: a regression of every survey answer on the rep's load ratio, controlling for the "
              "customer's tier and industry, with cluster-robust errors by rep. Estimates per 1.0 of load ratio:",
        "zh": "工作量影响:以每份答卷对销售负载做回归,控制客户层级与行业,按销售聚类稳健标准误。每 1.0 负载的估计:"},
    "regions.appendix.effects_caption": {"en": "Load models (per outcome)", "zh": "负载模型(按结果指标)"},
    # tables
    "regions.col.region": {"en": "Region", "zh": "大区"},
    "regions.col.reps": {"en": "Reps", "zh": "销售数"},
    "regions.col.customers": {"en": "Customers", "zh": "客户数"},
    "regions.col.load": {"en": "Load / capacity", "zh": "负载/产能"},
    "regions.col.reps_over": {"en": "Reps over capacity", "zh": "超负荷销售占比"},
    "regions.col.csat": {"en": "Satisfaction, 1–5", "zh": "满意度(1–5)"},
    "regions.col.nps": {"en": "NPS", "zh": "NPS"},
    "regions.col.churned": {"en": "Churned", "zh": "流失率"},
    "regions.col.note": {"en": "Note", "zh": "备注"},
    "regions.note.over": {"en": "over capacity", "zh": "超负荷"},
    "regions.note.no_reps": {"en": "no reps", "zh": "无销售"},
    "regions.col.resp_median": {"en": "First response, median (h)", "zh": "首次响应中位数(小时)"},
    "regions.col.resp_p90": {"en": "First response, slowest 10% (h)", "zh": "首次响应最慢 10%(小时)"},
    "regions.col.complaints": {"en": "Complaint rate", "zh": "投诉率"},
    "regions.col.dormant": {"en": "Dormant customers", "zh": "沉睡客户占比"},
    "regions.col.check": {"en": "Check", "zh": "检查项"},
    "regions.col.count": {"en": "Count", "zh": "数量"},
    "regions.col.share": {"en": "Share", "zh": "占比"},
    "regions.col.revenue_share": {"en": "Revenue share", "zh": "收入占比"},
    "regions.col.examples": {"en": "Examples", "zh": "示例"},
    "regions.col.split": {"en": "Split", "zh": "划分方案"},
    "regions.col.score": {"en": "Score (0–100)", "zh": "得分(0–100)"},
    "regions.col.busiest": {"en": "Busiest region", "zh": "最忙大区"},
    "regions.col.regions_over": {"en": "Regions over capacity", "zh": "超负荷大区数"},
    "regions.col.spread": {"en": "Rep load spread", "zh": "销售负载差异"},
    "regions.col.moved": {"en": "Customers moved", "zh": "变动客户占比"},
    "regions.col.core_moved": {"en": "Core customers moved", "zh": "变动核心客户数"},
    "regions.col.distance": {"en": "Distance to centre, km", "zh": "到中心距离(公里)"},
    "regions.col.not_connected": {"en": "Regions not connected", "zh": "不连片大区数"},
    "regions.col.revenue": {"en": "Revenue", "zh": "收入"},
    "regions.col.flat_target": {"en": "Flat target", "zh": "统一目标"},
    "regions.col.fair_target": {"en": "Fair target", "zh": "公平目标"},
    "regions.col.att_flat": {"en": "Attainment, flat", "zh": "完成率(统一目标)"},
    "regions.col.att_fair": {"en": "Attainment, fair", "zh": "完成率(公平目标)"},
    "regions.col.spread_flat": {"en": "Spread between reps, flat", "zh": "销售间差异(统一目标)"},
    "regions.col.spread_fair": {"en": "Spread between reps, fair", "zh": "销售间差异(公平目标)"},
    "regions.range": {"en": "{a} to {b}", "zh": "{a} 至 {b}"},
    # ownership checks (regions.ownership check keys)
    "regions.check.multi_owner": {"en": "customers claimed by more than one rep", "zh": "被多位销售认领的客户"},
    "regions.check.owner_outside_region": {"en": "customers with an owner rep staffed in another region",
                                           "zh": "负责人在其他大区的客户"},
    "regions.check.cross_region_buyer": {
        "en": "customers with orders booked in another region (revenue share = revenue booked away)",
        "zh": "有订单记在其他大区的客户(收入占比 = 记在外区的收入)"},
    "regions.check.without_owner": {"en": "customers left without an owner rep", "zh": "没有负责人的客户"},
    "regions.check.orphan_unit": {"en": "{units} without a region", "zh": "未划入大区的{units}"},
    "regions.check.region_without_rep": {"en": "regions that no rep is staffed in", "zh": "没有销售的大区"},
    "regions.check.core_not_with_original_rep": {
        "en": "core-tier customers whose owner changes (rule: core customers stay with their original rep)",
        "zh": "更换负责人的核心客户(规则:核心客户保留原负责销售)"},
    # model warnings of the split evaluation (regions.service), shown in the report's language
    "regions.warn.no_answers": {
        "en": "split '{split}': no {metric} answers in the {days} days up to the analysis date; {metric} is left "
              "out of this report",
        "zh": "划分方案 '{split}':分析日期前 {days} 天内没有 {metric} 答卷;本报告不含 {metric}"},
    "regions.warn.no_surveys": {
        "en": "split '{split}': no survey answers in the {days} days up to the analysis date; {metric} is left "
              "out of this report",
        "zh": "划分方案 '{split}':分析日期前 {days} 天内没有问卷答卷;本报告不含 {metric}"},
    "regions.warn.few_csat": {"en": "split '{split}': region {region} has fewer than {n} CSAT answers",
                              "zh": "划分方案 '{split}':大区 {region} 的 CSAT 答卷少于 {n} 份"},
}
