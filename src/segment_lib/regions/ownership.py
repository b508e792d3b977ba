"""Who owns which customer under a split, and the ownership checks.

Owner claims come from ``Dataset.owners()`` (a customer with two claims has an ownership
conflict).  Under the evaluated split a claim is **kept** when its rep is staffed in the
split and either (a) the rep's region is the customer's region, or (b) the claim was
already outside the customer's region under the current split (an existing problem the
split does not cause; it stays listed), or (c) ``keep_core_owner`` is set and the customer
is in a core tier (the seeds' rule "核心客户优先归属原销售").  Customers who lose all their
claims are handed to the reps of their new region by *water-filling* (:func:`_water_fill`):
each rep is filled up to a common load level L (load = tier-weighted accounts / capacity), so
the hand-over evens out load inside the region; customers are taken in customer-table order.
For the current split nothing moves and the evaluation describes today's organisation.
Customers without any owner today stay without one in every split (listed by the
``without_owner`` check, their effort counted in the region's workload but in no rep's), so
that a split is not credited or blamed for fixing a data gap.

Workload counts every kept claim in full (both claimants of a conflict customer serve it),
revenue goes to the primary owner only (``customers.owner_rep_id`` when it is among the
claims, else the first claim), interactions are split evenly among a customer's owners.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from .base import _Prep
    from .splits import SplitLayout


def _water_fill(kept: np.ndarray, cap: np.ndarray, pool: float) -> np.ndarray:
    """Quotas q_r >= 0 with sum q = pool that raise the lowest loads (kept/cap) to a common level."""
    if pool <= 0 or len(cap) == 0:
        return np.zeros(len(cap))
    b = kept / cap
    o = np.argsort(b, kind="stable")
    bs, ks, cs = b[o], kept[o], cap[o]
    lev = (pool + np.cumsum(ks)) / np.cumsum(cs)
    valid = lev >= bs
    m = np.flatnonzero(valid)[-1]
    level = lev[m]
    return np.maximum(level * cap - kept, 0.0)


@dataclass
class Owners:
    """Owner claims under a split (internal): final claims ``fc`` (customer) / ``fr`` (rep), the primary
    owner per customer (-1 = none), the new owner of handed-over customers (-1 = not handed over)."""

    fc: np.ndarray
    fr: np.ndarray
    primary: np.ndarray
    new_owner: np.ndarray
    moved_owner: np.ndarray
    n_owners: np.ndarray

    @property
    def without_owner(self) -> np.ndarray:
        return self.primary < 0


@dataclass
class _Claims:
    """The split-independent side of the owner claims (once per comparison, ``_Prep.shared``): each
    claim's geo unit, whether it was already outside the customer's region under the current split,
    its customer's effort; which customers have claims."""

    unit: np.ndarray
    outside_cur: np.ndarray
    effort: np.ndarray
    had_claims: np.ndarray


def _claims(p: _Prep) -> _Claims:
    if "claims" not in p.shared:
        cc, cr = p.claim_cust, p.claim_rep
        unit = p.cust_unit[cc]
        if p.cur_unit_region is not None:
            outside_cur = p.cur_rep_region[cr] != p.cur_unit_region[unit]
        else:
            outside_cur = np.ones(len(cc), bool)
        p.shared["claims"] = _Claims(unit=unit, outside_cur=outside_cur, effort=p.effort[cc],
                                     had_claims=np.bincount(cc, minlength=len(p.cust_ids)) > 0)
    return p.shared["claims"]


def assign_owners(p: _Prep, sp: SplitLayout, keep_core_owner: bool) -> Owners:
    """Keep the claims the rules keep, hand the rest over by water-filling (module docstring)."""
    n_c, n_r = len(p.cust_ids), len(p.rep_ids)
    rep_region, cust_region = sp.rep_region, sp.cust_region
    cc, cr = p.claim_cust, p.claim_rep
    cl = _claims(p)
    claim_rep_region = rep_region[cr]
    keep = ~(claim_rep_region != sp.unit_region[cl.unit])  # (the claim's customer's region, via its unit)
    keep |= cl.outside_cur
    if keep_core_owner:
        keep |= p.core[cc]
    keep &= claim_rep_region >= 0  # staffed in the split
    kept_claims = np.bincount(cc[keep], minlength=n_c)
    # pool: customers without a kept claim
    region_reps = [np.flatnonzero(rep_region == k) for k in range(len(sp.regions))]
    n_reps_region = np.array([len(x) for x in region_reps] + ([0] if sp.has_unassigned else []))
    pool = np.flatnonzero((kept_claims == 0) & cl.had_claims & (cust_region >= 0))
    pool = pool[n_reps_region[cust_region[pool]] > 0]
    kept_load = np.bincount(cr[keep], weights=cl.effort[keep], minlength=n_r)
    new_owner = np.full(n_c, -1)
    if len(pool):
        preg = cust_region[pool]
        o = np.argsort(preg, kind="stable")
        pool, preg = pool[o], preg[o]
        bounds = np.searchsorted(preg, np.arange(len(sp.regions) + 1))
        for k in range(len(sp.regions)):
            a, b = bounds[k], bounds[k + 1]
            if a == b:
                continue
            reps_k = region_reps[k]
            e = p.effort[pool[a:b]]
            q = _water_fill(kept_load[reps_k], p.capacity[reps_k], float(e.sum()))
            cq = np.cumsum(q)
            mid = np.cumsum(e) - e / 2
            pick = np.minimum(np.searchsorted(cq, mid, side="right"), len(reps_k) - 1)
            new_owner[pool[a:b]] = reps_k[pick]
    moved_owner = new_owner >= 0
    # final claims: kept + new
    fc = np.r_[cc[keep], np.flatnonzero(moved_owner)]
    fr = np.r_[cr[keep], new_owner[moved_owner]]
    fprim = np.r_[p.claim_primary[keep], np.ones(int(moved_owner.sum()), bool)]
    n_owners = np.bincount(fc, minlength=n_c)
    # primary owner: kept primary, else first kept claim, else new
    primary = np.full(n_c, -1)
    first_any = np.full(n_c, -1)
    rev_order = np.arange(len(fc))[::-1]
    first_any[fc[rev_order]] = fr[rev_order]
    primary[:] = first_any
    primary[fc[fprim]] = fr[fprim]
    return Owners(fc=fc, fr=fr, primary=primary, new_owner=new_owner, moved_owner=moved_owner, n_owners=n_owners)


def _distinct(codes: np.ndarray, n: int) -> np.ndarray:
    """Sorted distinct values >= 0 of ``codes`` (< n): ``np.unique`` by counting, O(n) instead of a sort."""
    return np.flatnonzero(np.bincount(codes[codes >= 0], minlength=n))


def ownership_checks(p: _Prep, sp: SplitLayout, own: Owners, no_rep_regions: list[str],
                     max_ids: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The seven ownership checks (one row each) and their detail (one row per check and id)."""
    n_c = len(p.cust_ids)
    cust_region, rep_region, unit_region = sp.cust_region, sp.rep_region, sp.unit_region
    fc, fr = own.fc, own.fr
    tot_rev = np.clip(p.revenue, 0, None).sum()
    rows, detail = [], []

    def add(check, what, ids, share_of, rev=None):
        ids = pd.Index(ids, dtype="string")
        rows.append({"check": check, "count": len(ids),
                     "share": len(ids) / share_of if share_of else float("nan"),
                     "revenue_share": (float(rev / tot_rev) if (rev is not None and tot_rev > 0) else float("nan")),
                     "what": what, "ids": ";".join(ids[:max_ids].tolist())})
        detail.append(pd.DataFrame({"check": pd.Categorical.from_codes(np.zeros(len(ids), dtype=np.int8), [check]),
                                    "id": ids}))

    rev_pos = np.clip(p.revenue, 0, None)
    # 1. multiple owners (claims in the data, split-independent)
    n_claims = np.bincount(p.claim_cust, minlength=n_c)
    multi = np.flatnonzero(n_claims > 1)
    add("multi_owner", "customers claimed by more than one rep", p.cust_ids[multi], n_c, rev_pos[multi].sum())
    # 2. owner outside the customer's region (under this split)
    out_claim = (rep_region[fr] != cust_region[fc]) & (cust_region[fc] >= 0)
    oc = _distinct(fc[out_claim], n_c)
    add("owner_outside_region", "customers with an owner rep staffed in another region", p.cust_ids[oc], n_c,
        rev_pos[oc].sum())
    # 3. cross-region buyers: orders booked in a unit of another region
    tx_reg, home_reg = unit_region[p.tx_unit], cust_region[p.tx_cust]  # (rows booked outside the home unit)
    away = (tx_reg != home_reg) & (tx_reg >= 0) & (home_reg >= 0)
    cross = _distinct(p.tx_cust[away], n_c)
    add("cross_region_buyer", "customers with orders booked in another region", p.cust_ids[cross], n_c,
        np.clip(p.tx_amount[away], 0, None).sum() * (tot_rev / max(p.tx_booked, 1e-12)))
    rows[-1]["what"] += " (revenue share = share of all booked revenue that is booked away)"
    # 4. customers without an owner
    wo = np.flatnonzero(own.without_owner)
    add("without_owner", "customers left without an owner rep", p.cust_ids[wo], n_c, rev_pos[wo].sum())
    # 5. orphan geo units
    add("orphan_unit", "geo units without a region", p.unit_ids[sp.orphan], len(p.unit_ids))
    # 6. regions without reps
    add("region_without_rep", "regions that no rep is staffed in", no_rep_regions, len(sp.regions))
    # 7. core customers not with their original rep
    prim0 = p.primary_owner()
    moved_core = np.flatnonzero(p.core & (prim0 >= 0) & (own.primary != prim0))
    add("core_not_with_original_rep", "core-tier customers whose owner changes (rule: core customers stay with "
        "their original rep)", p.cust_ids[moved_core], max(int(p.core.sum()), 1), rev_pos[moved_core].sum())
    det = pd.concat(detail, ignore_index=True) if detail else pd.DataFrame(columns=["check", "id"])
    det["check"] = det["check"].astype(str)
    return pd.DataFrame(rows), det
