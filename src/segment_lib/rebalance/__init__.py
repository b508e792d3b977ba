"""Rebalancing: optimised region splits, account moves, ensembles, what-if and re-adjustment.

Core functions take plain inputs (geo_units, unit_load, current, region_capacity, ...);
:func:`inputs_from_dataset` builds them from a Dataset, tiers and tier effort weights.
See ``docs/rebalance.md`` for which solver runs when and why; :mod:`.baselines` holds the
"re-cluster from scratch" baselines the proposals are compared with.
"""

from .accounts import balanced_territories, rebalance_accounts
from .baselines import ReclusterResult, balanced_recluster, compare_baselines, comparison_lines
from .adapters import HybridRules, RebalanceInputs, inputs_from_dataset, loads_over_time
from .ensemble import EnsembleResult, run_ensemble
from .split import SplitProposal, propose_split, recluster_unconstrained, split_metrics
from . import tables
from .whatif import RebalanceState, WhatIf, best_single_moves, readjust_over_time, what_if_move

__all__ = [
    "EnsembleResult", "HybridRules", "RebalanceInputs", "RebalanceState", "ReclusterResult", "SplitProposal", "WhatIf",
    "balanced_recluster", "balanced_territories", "compare_baselines", "comparison_lines", "best_single_moves", "inputs_from_dataset", "loads_over_time", "propose_split",
    "readjust_over_time", "rebalance_accounts", "recluster_unconstrained", "run_ensemble", "split_metrics", "tables",
    "what_if_move",
]
