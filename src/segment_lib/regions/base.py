"""The per-dataset arrays every region computation shares (:class:`_Prep`, built by
:func:`segment_lib.regions.prepare._prepare`); a leaf of the package, so no module here imports in a circle."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..contract import Dataset


@dataclass
class _Prep:
    ds: Dataset
    as_of: pd.Timestamp
    cust_ids: pd.Index
    unit_ids: pd.Index
    rep_ids: pd.Index
    cust_unit: np.ndarray
    tier: pd.Categorical  # tier label per customer ('(no tier)' for untiered ones)
    effort: np.ndarray
    core: np.ndarray
    revenue: np.ndarray
    n_int: np.ndarray
    dormant: np.ndarray
    claim_cust: np.ndarray
    claim_rep: np.ndarray
    claim_primary: np.ndarray
    capacity: np.ndarray
    population: np.ndarray
    units_with_customers: np.ndarray
    cur_unit_region: np.ndarray | None
    cur_rep_region: np.ndarray | None
    cur_regions: pd.Index | None
    int_cust: np.ndarray
    int_hours: np.ndarray
    int_complaint: np.ndarray
    sv_cust: np.ndarray
    sv_csat: np.ndarray
    sv_nps: np.ndarray
    tx_cust: np.ndarray  # transactions up to as_of booked in a known unit other than the customer's own
    tx_unit: np.ndarray
    tx_amount: np.ndarray
    rep_service: pd.DataFrame
    effects: pd.DataFrame
    effect_sentences: list[str]
    effect_results: dict
    cur_load: pd.Series
    warnings: list[str]
    params: dict = field(default_factory=dict)
    churned: np.ndarray | None = None  # per customer 1.0 / 0.0, NaN when unknown; None without the column
    unit_workload: np.ndarray | None = None  # per unit (geo_units.workload, 0 where not given); None: no column
    tx_booked: float = 0.0  # positive amount of all transactions up to as_of booked in a known unit
    graphs: dict = field(default_factory=dict)  # extra edges -> unit adjacency graph (split-independent)
    shared: dict = field(default_factory=dict)  # split-independent results the split steps compute on first use

    def primary_owner(self) -> np.ndarray:
        """Today's primary owner (rep position) of every customer, -1 for customers without an owner."""
        prim = np.full(len(self.cust_ids), -1)
        prim[self.claim_cust[self.claim_primary]] = self.claim_rep[self.claim_primary]
        return prim
