"""Fair sales targets: a flat target (capacity share) against one that respects region and tier mix.

A rep's fair target = ``w_region`` * region baseline + ``w_tier`` * tier mix, where the region
baseline shares the total by the region's revenue share (or market share with
``market_adjust``) and then by capacity inside the region, and the tier mix is what an average
rep would earn with this rep's customers (mean revenue of each customer's tier).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from .base import _Prep

#: Fair assessment: share of a rep's target from the region baseline and from the tier mix.
DEFAULT_FAIRNESS_WEIGHTS = (0.6, 0.4)


def _fairness(p: _Prep, per_rep, rep_region, regions, primary, pop_reg, market_adjust, weights) -> pd.DataFrame:
    """Per-rep targets: flat (capacity share) vs fair = w_region * region baseline + w_tier * tier mix."""
    w_reg, w_tier = weights
    rep_codes = p.rep_ids.get_indexer(per_rep["rep_id"])
    total = float(per_rep["revenue"].sum())
    cap = per_rep["capacity"].to_numpy(float)
    reg = rep_region[rep_codes]
    g = len(regions)
    cap_reg = np.bincount(reg, weights=cap, minlength=g)
    if market_adjust and np.nansum(pop_reg[:g]) > 0:
        base = pop_reg[:g] / pop_reg[:g].sum()
    else:
        rv = np.bincount(reg, weights=per_rep["revenue"].to_numpy(float), minlength=g)
        base = rv / rv.sum() if rv.sum() else np.full(g, 1.0 / g)
    region_target = total * base[reg] * cap / np.where(cap_reg[reg] > 0, cap_reg[reg], 1)
    # tier target: what an average rep earns with this tier mix
    has = primary >= 0
    tcode, tiers = p.tier.codes, p.tier.categories
    tmean = np.bincount(tcode, weights=p.revenue, minlength=len(tiers)) / np.maximum(
        np.bincount(tcode, minlength=len(tiers)), 1)
    exp_rev = np.bincount(primary[has], weights=tmean[tcode[has]], minlength=len(p.rep_ids))[rep_codes]
    tier_target = total * exp_rev / exp_rev.sum() if exp_rev.sum() else np.zeros(len(cap))
    flat = total * cap / cap.sum()
    target = w_reg * region_target + w_tier * tier_target
    rev = per_rep["revenue"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return pd.DataFrame({
            "rep_id": per_rep["rep_id"].to_numpy(), "region_id": per_rep["region_id"].to_numpy(),
            "revenue": rev, "flat_target": flat, "region_target": region_target, "tier_target": tier_target,
            "target": target, "attainment_flat": rev / flat, "attainment_fair": rev / target,
        })
