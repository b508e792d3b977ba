"""Customer tiers: RFM scoring, value rules (ABC / thresholds), clustering (KMeans / GMM) and
predicted lifetime value (CLV: BG/NBD + Gamma–Gamma).

:class:`TierModel` is a scikit-learn style estimator over the table produced by
:func:`segment_lib.features.customer_features` (one row per customer).  It orders the
tiers by value (tier 0 = best), names them, and keeps the evidence for the choice of
``k``.  The evidence functions give what a sales manager needs:
:func:`tier_stability` (bootstrap ARI / Jaccard), :func:`tier_profile`,
:func:`tier_migration` / :func:`tier_migration_between` (moves judged with one fitted model) and
:func:`explain_tiers`; :mod:`.tables` turns them into report tables.

Modules
-------
``labels``     methods, default features, tier names
``inputs``     feature-table checks, customer ids, the cleaned feature matrix, y alignment, samples
``rfm``        RFM quantile scores and the segment table
``rules``      ABC classes and threshold rules
``selection``  clustering estimator, value order of clusters, k evidence (``k_scores_``), :func:`select_k`
``model``      :class:`TierModel`
``evidence``   stability, profile, migration, explanations
``tables``     findings and manager-facing tables
``clv``        BG/NBD and Gamma–Gamma by maximum likelihood, :class:`CLVModel` (predicted value)
``holdout``    :func:`validate_tiers`: tiers fitted some months back judged on the revenue since

Methods
-------
``"kmeans"`` / ``"gmm"``
    Clustering of the transformed features (default R, F, M: ``recency_days``,
    ``frequency``, ``monetary_total``): missing recency (no purchases) -> recency cap,
    recency clipped at the cap (default ``2 * lookback``), money clipped at 0, then
    ``log1p`` and a robust (median / IQR) or standard scaler.  Clusters are ordered by mean
    ``monetary_total``, then mean ``frequency``, then lower mean ``recency_days``.
    ``n_tiers="auto"`` chooses k as described in :mod:`.selection`.
``"rfm"``
    Quantile scores 1-5 per dimension (:func:`rfm_scores`) and a table of named segments
    (:data:`DEFAULT_RFM_SEGMENTS`, replaceable); each segment belongs to a value tier.
``"abc"``
    Pareto classes on ``monetary_total``: A = the smallest set of top customers making
    ``abc_cutoffs[0]`` (80 %) of revenue, B up to ``abc_cutoffs[1]`` (95 %), C the rest
    (and every customer without positive revenue).  Equal revenue never splits across classes.
``"threshold"``
    Fixed rules, optionally per group (per industry): the first rule a customer meets wins.
``"clv"``
    Predicted value over the next ``clv_horizon_months`` (:class:`CLVModel` on the purchase summary,
    :func:`segment_lib.features.add_purchase_summary`); tiers = k-means on log(1 + value), k fixed or
    chosen like for kmeans; ``tiers_`` keeps predicted_clv, expected_purchases, probability_alive.
"""

from __future__ import annotations

from .evidence import (
    Migration,
    explain_tiers,
    first_to_call,
    tier_migration,
    tier_migration_between,
    tier_profile,
    tier_stability,
)
from .clv import CLVModel
from .holdout import Holdout, validate_tiers
from .labels import DEFAULT_FEATURES, DEFAULT_LABELS, METHODS, ZH_LABELS, tier_names
from .model import TierModel
from .rfm import DEFAULT_RFM_SEGMENTS, rfm_scores, rfm_segments, segment_table
from .selection import select_k
from .tables import (
    PROFILE_PERCENT,
    profile_percent,
    stability_figure,
    k_scores_report_table,
    moves_report_table,
    profile_report_table,
    segment_rule_table,
    stability_report_table,
    summary_lines,
)

__all__ = [
    "DEFAULT_FEATURES",
    "DEFAULT_LABELS",
    "DEFAULT_RFM_SEGMENTS",
    "METHODS",
    "CLVModel",
    "Holdout",
    "PROFILE_PERCENT",
    "profile_percent",
    "stability_figure",
    "ZH_LABELS",
    "Migration",
    "TierModel",
    "explain_tiers",
    "first_to_call",
    "k_scores_report_table",
    "moves_report_table",
    "profile_report_table",
    "rfm_scores",
    "rfm_segments",
    "segment_rule_table",
    "segment_table",
    "select_k",
    "stability_report_table",
    "summary_lines",
    "tier_migration",
    "tier_migration_between",
    "tier_names",
    "tier_profile",
    "tier_stability",
    "validate_tiers",
]
