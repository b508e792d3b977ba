"""Plain-language text of the rebalance report, in the report's language (:mod:`segment_lib.i18n`).

Revenue shares are of TOTAL revenue when ``total_revenue`` is given (the solver's own shares are of
the revenue that may move: core accounts stay with their reps).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from .. import i18n
from ..fmt import finite, money_text, pct_text, signed_pct_text, times_text
from ..i18n import name, t


def _share(moved: float | None, total: float | None, fallback: float | None) -> float | None:
    return (moved or 0.0) / total if total and total > 0 else finite(fallback)


def proposal_lines(proposal: Any, total_revenue: float | None = None) -> list[str]:
    """Manager summary of a :class:`~segment_lib.rebalance.SplitProposal`: balance (or, with no current
    split, the proposal's balance alone), what moves (workload share; revenue in money and as a share of
    total revenue, or a note when there is no revenue data), units repaired out of detached pieces,
    compactness before -> after, and whether the band is met."""
    m = proposal.metrics
    tol = pct_text(m["tolerance"])
    has_today = not getattr(proposal, "current", pd.Series(dtype=object)).empty
    if has_today:
        lines = [t("rebalance.finding.balance", before=times_text(m["balance_before"]),
                   after=times_text(m["balance_after"]))]
        common = dict(n=len(proposal.moves), accounts=int(round(m["moved_accounts"])),
                      load=pct_text(m.get("moved_load_share", float("nan")), 1))
        moved = finite(m.get("moved_revenue"))
        total = finite(total_revenue) or finite(m.get("revenue_total"))
        if moved is None:
            lines.append(t("rebalance.finding.moved_no_revenue", **common))
        else:
            movable = finite(m.get("revenue_movable"))
            lines.append(t("rebalance.finding.moved", **common, money=money_text(moved),
                           share=pct_text(_share(moved, total, m.get("moved_revenue_share")), 1),
                           total=money_text(total), movable=pct_text(moved / movable if movable else None, 1)))
        n_rep = int(m.get("repaired_units") or 0)
        if n_rep:
            lines.append(t("rebalance.finding.repaired_one" if n_rep == 1 else "rebalance.finding.repaired_many",
                           n=n_rep))
        over = proposal.regions.loc[proposal.regions["ratio_before"] > 1.0, "region_id"].tolist()
        if over:
            lines.append(t("rebalance.finding.over", list=i18n.join(name(str(r)) for r in over)))
        before, after = finite(m.get("dispersion_km_before")), finite(m.get("dispersion_km_after"))
        if before is not None and after is not None:
            km = dict(before=f"{before:,.0f}", after=f"{after:,.0f}")
            if m.get("compactness_guard"):
                lines.append(t("rebalance.finding.compact_guard", **km, stretch=float(m["compactness_stretch"])))
            else:
                lines.append(t("rebalance.finding.compact", **km))
    else:
        lines = [t("rebalance.finding.balance_new", after=times_text(m["balance_after"]))]
    if proposal.feasible:
        lines.append(t("rebalance.finding.ok", tol=tol))
    else:
        lines.append(t("rebalance.finding.closest", tol=tol, dev=signed_pct_text(m["max_deviation_after"])))
    return lines


def comparison_lines(table: pd.DataFrame, scale: float = 1.0) -> list[str]:
    """Plain-language lines for :func:`~segment_lib.rebalance.compare_baselines`; ``scale`` turns the
    table's shares of movable revenue into shares of total revenue (movable ÷ total)."""
    p, b, k = (table.iloc[i] for i in range(3))
    inside = t("rebalance.word.within" if p["within_tolerance"] else "rebalance.word.outside")
    if not np.isfinite(p["moved_revenue_share"]):  # no revenue data: compare balance and contiguity only
        return [t("rebalance.base.no_revenue", inside=inside, dev=pct_text(p["max_deviation"], 1))]
    lines = [t("rebalance.base.proposed", share=pct_text(p["moved_revenue_share"] * scale, 1),
               inside=t("rebalance.word.within" if p["within_tolerance"] else "rebalance.word.outside"),
               dev=pct_text(p["max_deviation"], 1))]
    if not np.isfinite(b["moved_revenue_share"]):
        why = table.attrs.get("balanced_error")
        lines.append(t("rebalance.base.recluster_fail", reason=i18n.render(why) if why is not None
                       else str(b["note"]).removeprefix("not possible: ")))
    else:
        lines.append(t("rebalance.base.recluster", share=pct_text(b["moved_revenue_share"] * scale, 1),
                       verdict=t("rebalance.word.more" if b["moved_revenue_share"] > p["moved_revenue_share"]
                                 else "rebalance.word.less"),
                       n=int(b["units_split"] or 0),
                       keeps=t("rebalance.word.keeps" if b["contiguous"] else "rebalance.word.not_keeps")))
    lines.append(t("rebalance.base.nearest", share=pct_text(k["moved_revenue_share"] * scale, 1),
                   dev=pct_text(k["max_deviation"])))
    return lines


def ensemble_sentences(pct: dict, n_samples: int, epsilon: float, current: dict, current_valid: bool,
                       steps: int) -> list[str]:
    """Where today's split sits among ``n_samples`` valid alternatives (the real number drawn)."""
    out = [t("rebalance.ens.balance", pct=pct_text(pct["balance"]), n=int(n_samples), eps=pct_text(epsilon)),
           t("rebalance.ens.compact", pct=pct_text(pct["cut_edges"]))]
    if not current_valid:
        out.append(t("rebalance.ens.outside", dev=signed_pct_text(current["max_deviation"], 0)))
    if n_samples < steps:
        out.append(t("rebalance.ens.stopped", n=int(n_samples), steps=int(steps)))
    return out


def actions(proposal: Any, single_moves: pd.DataFrame, total_revenue: float | None, infeasible: str | None,
            max_moves: int = 3) -> list[str]:
    """Three to five actions: which units to move to whom (largest revenue first), the total, the one
    best single move; or what to do when the band cannot be met."""
    m, mv = proposal.metrics, proposal.moves
    tol = pct_text(m["tolerance"])
    out = []
    for _, r in mv.head(max_moves).iterrows():
        out.append(t("rebalance.action.move", unit_name=name(str(r["geo_unit_id"])), src=name(str(r["from_region"])),
                     dst=name(str(r["to_region"])), accounts=int(round(r["accounts"])), money=money_text(r["revenue"])))
    share = pct_text(_share(finite(m.get("moved_revenue")), total_revenue, m["moved_revenue_share"]), 1)
    if len(mv) > max_moves:
        rest = mv.iloc[max_moves:]
        out.append(t("rebalance.action.more_moves", n=len(rest), money=money_text(rest["revenue"].sum()), share=share))
    elif len(mv):
        out.append(t("rebalance.action.total", share=share, money=money_text(m.get("moved_revenue"))))
    else:
        out.append(t("rebalance.action.none", tol=tol))
    if len(single_moves) and len(mv):
        s = single_moves.iloc[0]
        out.append(t("rebalance.action.single", unit_name=name(str(s["geo_unit_id"])), src=name(str(s["from_region"])),
                     dst=name(str(s["to_region"])), before=times_text(s["balance_before"]),
                     after=times_text(s["balance_after"])))
    if infeasible or not proposal.feasible:
        out.append(t("rebalance.action.infeasible", tol=tol))
    return out[:5]


def solver_note(proposal: Any, source: str, notes: list[str]) -> str:
    """The analyst appendix line on how the split was found."""
    gap = proposal.gap
    return t("rebalance.appendix.solver", solver=proposal.solver, status=proposal.status,
             gap=t("rebalance.appendix.gap", gap=pct_text(gap, 1)) if gap is not None and math.isfinite(gap) else "",
             source=source, notes=" ".join(notes))
