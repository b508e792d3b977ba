"""Messages of the rebalance report (03_rebalance) and of the rebalance text helpers
(``SplitProposal.summary_lines``, ``comparison_lines``, ensemble sentences, ``rebalance.tables``)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "rebalance.title": {"en": "Rebalancing: what to change, and how unusual today's split is",
                        "zh": "区域调整:改什么,以及当前划分有多不寻常"},
    "rebalance.intro": {
        "en": "The regions report shows which regions are overloaded. This report proposes a better split of the "
              "{units} between the regional teams — every region stays one connected area, each team's workload "
              "lands within a tolerance of its capacity share, and as little revenue as possible changes hands. It "
              "also compares today's split with {alternatives}, and shows which single moves help most.",
        "zh": "区域报告指出了哪些大区超负荷。本报告给出更好的{units}划分方案:每个大区仍连成一片,各团队工作量落在其产能份额"
              "的允许范围内,并尽量少地变动收入。同时将当前划分与{alternatives}比较,并列出最有效的单项调整。"},
    "rebalance.alternatives.n": {"en": "{n:,} valid alternatives", "zh": " {n:,} 个可行的备选方案"},
    "rebalance.alternatives.none": {"en": "valid alternatives (none could be drawn for this data)",
                                    "zh": "可行的备选方案(此数据无法抽取)"},
    # actions
    "rebalance.action.move": {
        "en": "Move **{unit_name}** from **{src}** to **{dst}** ({accounts:,} accounts, {money} revenue).",
        "zh": "将 **{unit_name}** 从 **{src}** 调至 **{dst}**({accounts:,} 位客户,收入 {money})。"},
    "rebalance.action.more_moves": {
        "en": "Then the other {n:,} {units} in the moves table ({money} revenue together); in total {share} of all "
              "revenue changes team.",
        "zh": "其余 {n:,} 个{units}见调整清单(合计收入 {money});总计 {share} 的收入更换团队。"},
    "rebalance.action.total": {
        "en": "In total {share} of all revenue ({money}) changes team; brief the receiving teams on these accounts.",
        "zh": "总计 {share} 的收入({money})更换团队;请向接手团队交接这些客户。"},
    "rebalance.action.single": {
        "en": "If only one change is possible now: move **{unit_name}** from {src} to {dst} (busiest-to-average "
              "workload {before} → {after}).",
        "zh": "如果现在只能做一项调整:将 **{unit_name}** 从 {src} 调至 {dst}(最忙团队与平均的负载比 {before} → {after})。"},
    "rebalance.action.none": {
        "en": "No {unit} needs to change region: every team is already within ±{tol} of its target.",
        "zh": "无需调整任何{unit}:各团队已在目标的 ±{tol} 以内。"},
    "rebalance.action.infeasible": {
        "en": "The ±{tol} band cannot be met with {units} alone: add capacity where teams stay over target.",
        "zh": "仅靠调整{units}无法达到 ±{tol} 的范围:请为仍超出目标的团队增加人手。"},
    # findings (SplitProposal.summary_lines)
    "rebalance.finding.balance": {
        "en": "Workload balance (busiest team's load over the average): {before} today → {after} proposed.",
        "zh": "工作量均衡度(最忙团队负载 ÷ 平均负载):当前 {before} → 方案 {after}。"},
    "rebalance.finding.balance_new": {
        "en": "Workload balance of the proposed split (busiest team's load over the average): {after}. There is no "
              "current split to compare with.",
        "zh": "建议方案的工作量均衡度(最忙团队负载 ÷ 平均负载):{after}。目前没有现有划分,无从对比。"},
    "rebalance.finding.moved": {
        "en": "{n:,} {units} change region, carrying {accounts:,} accounts and {load} of the workload; {money} of "
              "revenue moves: **{share} of total revenue** ({total}; {movable} of the revenue that may move, core "
              "accounts stay with their reps).",
        "zh": "{n:,} 个{units}更换大区,涉及 {accounts:,} 位客户、{load} 的工作量;变动收入 {money},占 **总收入的 "
              "{share}**(总收入 {total};占可调整收入的 {movable},核心客户保留原负责销售)。"},
    "rebalance.finding.moved_no_revenue": {
        "en": "{n:,} {units} change region, carrying {accounts:,} accounts and {load} of the workload; there is no "
              "revenue data, so moves are kept few by workload instead.",
        "zh": "{n:,} 个{units}更换大区,涉及 {accounts:,} 位客户、{load} 的工作量;数据中没有收入,因此按工作量尽量少调整。"},
    "rebalance.finding.repaired_one": {
        "en": "Today {n:,} {unit} lies in a detached piece of its region; it joins a neighbouring region first so "
              "that every region is one connected area (counted as moved).",
        "zh": "目前有 {n:,} 个{unit}与所属大区不相连(飞地);方案先把它并入相邻大区,让每个大区连成一片(计入调整数)。"},
    "rebalance.finding.repaired_many": {
        "en": "Today {n:,} {units} lie in detached pieces of their region; they join a neighbouring region first so "
              "that every region is one connected area (counted as moved).",
        "zh": "目前有 {n:,} 个{units}与所属大区不相连(飞地);方案先把它们并入相邻大区,让每个大区连成一片(计入调整数)。"},
    "rebalance.finding.compact": {
        "en": "Compactness (workload-weighted distance of the {units} to their region's centre): {before} km today → "
              "{after} km proposed.",
        "zh": "紧凑度(按工作量加权的{units}到所属大区中心的距离):当前 {before} 公里 → 方案 {after} 公里。"},
    "rebalance.finding.compact_guard": {
        "en": "Compactness (workload-weighted distance of the {units} to their region's centre): {before} km today → "
              "{after} km proposed (a region may not reach further than {stretch:g}× its typical distance today).",
        "zh": "紧凑度(按工作量加权的{units}到所属大区中心的距离):当前 {before} 公里 → 方案 {after} 公里"
              "(任何大区的覆盖范围都不超过其目前常规距离的 {stretch:g} 倍)。"},
    "rebalance.finding.over": {"en": "Over capacity today: {list}.", "zh": "当前超负荷的团队:{list}。"},
    "rebalance.finding.ok": {
        "en": "Every region stays connected and within ±{tol} of its capacity-based target.",
        "zh": "每个大区都连成一片,且在按产能计算的目标 ±{tol} 以内。"},
    "rebalance.finding.closest": {
        "en": "The ±{tol} band cannot be met everywhere; this is the closest split found (worst region {dev} from "
              "target).",
        "zh": "无法让所有大区都达到 ±{tol} 的范围;这是找到的最接近的方案(偏差最大的大区与目标相差 {dev})。"},
    "rebalance.finding.not_possible": {
        "en": "The split cannot meet every ask; the reason is in the For analysts section.",
        "zh": "无法满足全部要求;原因见分析师附录。"},
    "rebalance.appendix.not_possible": {"en": "Not possible as asked: {reason}", "zh": "无法按要求完成:{reason}"},
    # ensemble sentences
    "rebalance.ens.balance": {
        "en": "Today's split is less balanced than {pct} of {n:,} valid alternative splits (each connected, every "
              "region within ±{eps} of its workload target), judged by the same balance measure as above.",
        "zh": "当前划分的均衡度低于 {n:,} 个可行备选方案中的 {pct}(每个方案都连成一片、各大区在工作量目标 ±{eps} 以内),"
              "使用与上文相同的均衡度衡量。"},
    "rebalance.ens.compact": {"en": "It has longer region borders than {pct} of them.",
                              "zh": "它的大区边界比其中 {pct} 的方案更长。"},
    "rebalance.ens.outside": {
        "en": "Today's split itself is outside that band (worst region {dev} from target), so it would not qualify "
              "as a valid alternative.",
        "zh": "当前划分本身不在该范围内(偏差最大的大区与目标相差 {dev}),因此不属于可行方案。"},
    "rebalance.ens.stopped": {
        "en": "The drawing stopped after {n:,} of {steps:,} alternatives at its time limit; a rerun on a less busy "
              "machine may draw more.",
        "zh": "抽样在达到时间上限时停止,仅得到 {steps:,} 个中的 {n:,} 个备选方案;在较空闲的机器上重跑可得到更多。"},
    "rebalance.ens.widened": {
        "en": "Alternatives are drawn with every region within ±{eps} of its target (±{asked} was asked, but no "
              "valid split fits that band).",
        "zh": "备选方案按各大区在目标 ±{eps} 以内抽取(原要求 ±{asked},但没有可行方案满足)。"},
    "rebalance.ens.none": {"en": "No valid alternative splits could be drawn to compare with today's (the reason "
                                 "is in the For analysts section).",
                           "zh": "无法抽取可与当前划分比较的可行备选方案(原因见分析师附录)。"},
    "rebalance.appendix.ens_none": {"en": "No alternatives drawn: {reason}", "zh": "未能抽取备选方案:{reason}"},
    "rebalance.ens.scorecard": {
        "en": "The regions report's scorecard can still rank today's split first: it also rewards moving no "
              "customers, while this comparison looks at workload balance only.",
        "zh": "区域报告的评分卡仍可能把当前划分排第一:它还奖励“不变动客户”,而此处只比较工作量均衡。"},
    # baselines (comparison_lines)
    "rebalance.base.proposed": {
        "en": "The proposed split moves {share} of total revenue, keeps every region connected and {inside} the band "
              "(worst region {dev} from target).",
        "zh": "建议方案变动总收入的 {share},每个大区连成一片,且{inside}允许范围内(偏差最大的大区与目标相差 {dev})。"},
    "rebalance.word.within": {"en": "within", "zh": "在"},
    "rebalance.word.outside": {"en": "outside", "zh": "不在"},
    "rebalance.base.recluster": {
        "en": "Re-drawing the territories from scratch to the same balance band moves {share} ({verdict} than the "
              "proposal), splits {n:,} {units} between teams and {keeps} every team's {units} connected.",
        "zh": "按同样的均衡范围从零重新划分,会变动 {share}(比建议方案{verdict}),把 {n:,} 个{units}拆给不同团队,"
              "并且{keeps}让每个团队的{units}连成一片。"},
    "rebalance.word.more": {"en": "more", "zh": "更多"},
    "rebalance.word.less": {"en": "less", "zh": "更少"},
    "rebalance.word.keeps": {"en": "keeps", "zh": "能"},
    "rebalance.word.not_keeps": {"en": "does not keep", "zh": "不能"},
    # analyst appendix notes made while preparing the problem (i18n.Note)
    "rebalance.note.unit_workload": {
        "en": "Workload of {n:,} {units} comes from geo_units.workload.",
        "zh": "{n:,} 个{units}的工作量取自 geo_units.workload。"},
    "rebalance.note.unit_workload_covered": {
        "en": "Workload of {n:,} {units} comes from geo_units.workload ({customers:,} customers there add no "
              "workload of their own).",
        "zh": "{n:,} 个{units}的工作量取自 geo_units.workload(这些{units}中的 {customers:,} 位客户不再另计工作量)。"},
    "rebalance.note.repaired": {
        "en": "Today's split has regions in several pieces: {n:,} detached {units} ({ids}) were first joined to a "
              "neighbouring region.",
        "zh": "当前划分中有大区不连成一片:{n:,} 个分离的{units}({ids})先并入了相邻大区。"},
    "rebalance.base.no_revenue": {
        "en": "The proposed split keeps every region connected and {inside} the band (worst region {dev} from "
              "target); without revenue data the moved revenue of the alternatives cannot be compared.",
        "zh": "建议方案让每个大区连成一片,且{inside}允许范围内(偏差最大的大区与目标相差 {dev});数据中没有收入,"
              "无法比较各方案变动的收入。"},
    "rebalance.base.recluster_fail": {
        "en": "Re-drawing the territories from scratch cannot reach the same balance band here ({reason}).",
        "zh": "从零重新划分无法达到同样的均衡范围({reason})。"},
    "rebalance.base.nearest": {
        "en": "Grouping the {units} by distance alone moves {share} but ignores workload: its busiest region is "
              "{dev} away from target — it does not solve the problem, so it is shown for reference only.",
        "zh": "只按距离把{units}分组会变动 {share},但忽略工作量:最忙大区与目标相差 {dev}——它解决不了问题,仅供参考。"},
    "rebalance.method.proposed": {"en": "proposed split (connected, balanced)", "zh": "建议方案(连片、均衡)"},
    "rebalance.method.recluster": {"en": "re-drawn from scratch, same balance band", "zh": "从零重新划分(同样均衡范围)"},
    "rebalance.method.nearest": {"en": "grouped by distance only", "zh": "只按距离分组"},
    "rebalance.note.recluster": {"en": "ignores today's split and connectedness", "zh": "不考虑当前划分与连片"},
    "rebalance.note.nearest": {"en": "ignores workload: reference only", "zh": "忽略工作量:仅供参考"},
    # sections
    "rebalance.summary.title": {"en": "Manager summary", "zh": "管理摘要"},
    "rebalance.maps.title": {"en": "Current vs proposed split", "zh": "当前与建议划分"},
    "rebalance.maps.text": {
        "en": "Each {unit} in the colour of its region, today (left) and proposed (right); hatched {units} change "
              "region.",
        "zh": "每个{unit}按所属大区着色,左为当前、右为建议方案;带斜线的{units}更换大区。"},
    "rebalance.load.title": {"en": "Workload vs capacity, before and after", "zh": "调整前后的工作量与产能"},
    "rebalance.load.text": {
        "en": "Each team's workload divided by its capacity, today and proposed. The dashed line (1.0) is a team "
              "working exactly at capacity. The fair target for every team is the same share of its capacity — "
              "total workload ÷ total capacity — and the shaded band is that target ± the tolerance.",
        "zh": "各团队工作量除以产能,当前与方案对比。虚线(1.0)表示恰好满负荷。每个团队的公平目标是相同的产能占比"
              "(总工作量 ÷ 总产能),阴影带为目标 ± 允许偏差。"},
    "rebalance.load.caption": {"en": "Per team: workload in tier-weighted accounts, load = workload ÷ capacity",
                               "zh": "各团队:按层级加权的工作量,负载 = 工作量 ÷ 产能"},
    "rebalance.moves.title": {"en": "Moves", "zh": "调整清单"},
    "rebalance.moves.text": {
        "en": "Every {unit} that changes team, with the accounts and revenue it carries (largest revenue first).",
        "zh": "每个更换团队的{unit},及其涉及的客户与收入(按收入从高到低)。"},
    "rebalance.moves.caption": {"en": "{Units} that change region", "zh": "更换大区的{units}"},
    "rebalance.base.title": {"en": "Against re-drawing from scratch", "zh": "与从零重新划分比较"},
    "rebalance.base.text": {
        "en": "What if the territories were re-drawn from scratch? Grouping the accounts by location into the same "
              "number of teams, each within the same band of its capacity share, solves the same balance problem "
              "but ignores today's split and connectedness. Grouping the {units} by distance alone is shown for "
              "reference: it ignores workload, so its busiest team stays far over target.",
        "zh": "如果从零重新划分会怎样?按位置把客户分成同样数量的团队、每个团队在相同的产能份额范围内,可以解决同样的均衡"
              "问题,但不考虑当前划分与连片。只按距离把{units}分组仅供参考:它忽略工作量,最忙团队仍远超目标。"},
    "rebalance.base.caption": {"en": "Proposed split vs re-drawing from scratch", "zh": "建议方案与从零重新划分对比"},
    "rebalance.ens.title": {"en": "How unusual is the current split?", "zh": "当前划分有多不寻常?"},
    "rebalance.ens.text": {
        "en": "Today's split is compared with {alternatives}: each connected, every region near its capacity share. "
              "The red line is today's split.",
        "zh": "将当前划分与{alternatives}比较:每个方案都连成一片、各大区接近其产能份额。红线是当前划分。"},
    "rebalance.ens.box": {"en": "Against valid alternatives", "zh": "与可行备选方案比较"},
    "rebalance.single.title": {"en": "What if we move just one {unit}?", "zh": "如果只调整一个{unit}?"},
    "rebalance.single.text": {"en": "Each single move below is scored from today's split without re-planning the rest.",
                              "zh": "下列每项单独调整都以当前划分为基础评估,不重新规划其他部分。"},
    "rebalance.single.caption": {
        "en": "Best single moves from today's split (balance = busiest team's load over the average)",
        "zh": "基于当前划分的最佳单项调整(均衡度 = 最忙团队负载 ÷ 平均)"},
    # appendix
    "rebalance.appendix.solver": {
        "en": "Solver: {solver} ({status}){gap}. Tiers: {source} (the same tiers as the tiering report). {notes}",
        "zh": "求解器:{solver}({status}){gap}。层级:{source}(与客户分层报告相同)。{notes}"},
    "rebalance.appendix.gap": {"en": ", proven gap to the best possible {gap}", "zh": ",与理论最优的差距 {gap}"},
    "rebalance.appendix.ensemble": {
        "en": "Alternatives: a seeded ReCom Markov chain (gerrychain), {n:,} of {steps:,} steps, balance band ±{eps}.",
        "zh": "备选方案:带种子的 ReCom 马尔可夫链(gerrychain),{steps:,} 步中的 {n:,} 步,均衡范围 ±{eps}。"},
    "rebalance.appendix.baselines": {
        "en": "Baselines: size-constrained k-means of the accounts from scratch ({restarts} restarts) and plain "
              "KMeans of the {units}' coordinates.",
        "zh": "基线:对客户做带规模约束的 k-means 重新聚类({restarts} 次重启),以及对{units}坐标的普通 KMeans。"},
    # tables
    "rebalance.col.team": {"en": "Team", "zh": "团队"},
    "rebalance.col.capacity": {"en": "Capacity", "zh": "产能"},
    "rebalance.col.wl_today": {"en": "Workload today", "zh": "当前工作量"},
    "rebalance.col.wl_proposed": {"en": "Workload proposed", "zh": "方案工作量"},
    "rebalance.col.wl_target": {"en": "Target workload", "zh": "目标工作量"},
    "rebalance.col.load_today": {"en": "Load today", "zh": "当前负载"},
    "rebalance.col.load_proposed": {"en": "Load proposed", "zh": "方案负载"},
    "rebalance.col.vs_target": {"en": "Proposed vs target", "zh": "方案与目标偏差"},
    "rebalance.col.within": {"en": "Within ±{tol}", "zh": "在 ±{tol} 内"},
    "rebalance.col.within_band": {"en": "Within band", "zh": "在范围内"},
    "rebalance.col.connected": {"en": "Connected", "zh": "连成一片"},
    "rebalance.col.unit": {"en": "{Unit}", "zh": "{unit}"},
    "rebalance.col.from": {"en": "From", "zh": "调出"},
    "rebalance.col.to": {"en": "To", "zh": "调入"},
    "rebalance.col.workload": {"en": "Workload", "zh": "工作量"},
    "rebalance.col.accounts": {"en": "Accounts", "zh": "客户数"},
    "rebalance.col.revenue": {"en": "Revenue", "zh": "收入"},
    "rebalance.col.bal_today": {"en": "Balance today", "zh": "当前均衡度"},
    "rebalance.col.bal_after": {"en": "Balance after", "zh": "调整后均衡度"},
    "rebalance.col.busiest_after": {"en": "Busiest team after", "zh": "调整后最忙团队"},
    "rebalance.col.rev_moved": {"en": "Revenue moved", "zh": "变动收入"},
    "rebalance.col.stay_connected": {"en": "Teams stay connected", "zh": "团队仍连片"},
    "rebalance.col.method": {"en": "Method", "zh": "方法"},
    "rebalance.col.rev_moved_share": {"en": "Share of revenue moved", "zh": "变动收入占比"},
    "rebalance.col.balance": {"en": "Balance (busiest ÷ average)", "zh": "均衡度(最忙 ÷ 平均)"},
    "rebalance.col.worst": {"en": "Worst team vs target", "zh": "偏差最大团队"},
    "rebalance.col.units_split": {"en": "{Units} split", "zh": "被拆分的{units}"},
    "rebalance.col.note": {"en": "Note", "zh": "备注"},
    "rebalance.error.band_unreachable": {
        "en": "no assignment can keep every region within ±{tol} of its target (load that cannot move already "
              "exceeds a band, or the bands do not add up)",
        "zh": "无论怎样分配,都无法让每个大区都在目标的 ±{tol} 以内(不能调动的工作量已超出范围,或各范围加总不符)"},
    "rebalance.error.no_band_solution": {"en": "the balanced assignment found no solution within the bands",
                                         "zh": "均衡分配在允许范围内找不到解"},
}
