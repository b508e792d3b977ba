"""Region split evaluation: workload, service with intervals, the load model, ownership, geometry, comparison.

A *split* maps geo units to regions (``Dataset.split(name)``) and reps to regions
(``Dataset.rep_regions(name)``).  :func:`evaluate_split` judges one split, :func:`compare_splits`
puts several side by side, :func:`region_findings` turns an evaluation into plain sentences.
The tiers come from the caller (the run's tiers: :mod:`segment_lib.pipeline`); effort weights
and revenue windows from :mod:`segment_lib.measures`.

==============  =================================================================================
module          concern
==============  =================================================================================
prepare         ids, tiers -> effort, revenue, owner claims, service history, today's loads (once
                per dataset; the analysis date is explicit or ``dataset.as_of``)
splits          reading a split (name / Series / table), encoding it, the reference split
ownership       who owns which customer under a split (kept claims, water-filling hand-over) and
                the ownership checks
service         service per region / rep with intervals, the load model
fairness        flat vs fair sales targets
evaluate        :class:`SplitEvaluation`, :func:`evaluate_split` (the steps above, then per-rep,
                per-region, geometry, disruption, summary)
compare         :func:`compare_splits`, :func:`composite_score`, :data:`DEFAULT_WEIGHTS`
findings        :func:`region_findings`, :func:`headline_metrics`
tables          manager-facing report tables
==============  =================================================================================

The rules of ownership are documented in :mod:`segment_lib.regions.ownership`, those of service
and the load model in :mod:`segment_lib.regions.service`.
"""

from __future__ import annotations

from ..params import DEFAULT_TIER_EFFORT
from .compare import DEFAULT_WEIGHTS, PENALTY_SCALES, compare_splits, composite_score
from .evaluate import EvaluationOptions, SplitEvaluation, evaluate_split
from .fairness import DEFAULT_FAIRNESS_WEIGHTS
from .findings import effect_sentences, headline_metrics, region_findings
from .prepare import PrepOptions
from .splits import UNASSIGNED
from .tables import (
    comparison_report_table,
    fairness_report_table,
    ownership_report_table,
    region_report_table,
    service_report_table,
)

__all__ = [
    "DEFAULT_FAIRNESS_WEIGHTS", "DEFAULT_TIER_EFFORT", "DEFAULT_WEIGHTS", "PENALTY_SCALES", "UNASSIGNED",
    "EvaluationOptions", "PrepOptions", "SplitEvaluation", "compare_splits", "comparison_report_table",
    "composite_score", "evaluate_split", "fairness_report_table", "headline_metrics", "ownership_report_table",
    "effect_sentences", "region_findings", "region_report_table", "service_report_table",
]
