"""Differentiate: which customers are worth most, which could be worth more, and what they need.

This is the **Differentiate** stage of the IDIC model (Peppers & Rogers):
customers are ranked by value and grouped by needs, so that the firm can
treat different customers differently.

Value
    * :func:`rfm_summary` — frequency, recency, age ``T`` and monetary value
      per customer, in the Buy-Till-You-Die (BTYD) definition of Fader &
      Hardie or the marketing RFM definition, for an explicit observation end
      and time unit.
    * :func:`calibration_holdout_split` — the same summary for a calibration
      period plus what each customer did in the holdout period.
    * :func:`rfm_scores` — RFM quintile scores and named segments.
    * :func:`lorenz_curve`, :func:`gini`, :func:`top_share` — the Pareto view
      (Buttle's strategically significant customers).
    * :class:`BGNBDModel`, :class:`ParetoNBDModel`, :class:`GammaGammaModel`
      — the probability models of Fader, Hardie & Lee (2005) and Fader &
      Hardie (2013). BG/NBD and Gamma-Gamma are fitted in numpy on
      lifetimes' objective (analytic gradients; the tests check parameters,
      predictions and CLV against ``lifetimes``), Pareto/NBD through
      ``lifetimes``.
    * :func:`customer_lifetime_value`, :func:`customer_value_table`,
      :func:`value_pyramid` — CLV with an explicit horizon, discount rate and
      time unit; past, actual, lifetime and potential value, and
      :func:`value_groups` (most valuable, most growable, below-zero customers).
    * :func:`holdout_validation`, :func:`tracking_table`,
      :func:`conditional_expectations` — does the model predict the holdout?

Needs
    * :func:`needs_features`, :class:`NeedsSegmentation` — needs-based
      segments from category shares, channel use, basket size and timing.
    * :func:`strategy_matrix` — value tiers crossed with needs segments.

Time units
    A BTYD summary carries its time unit in ``summary.attrs["time_unit"]``
    (with ``attrs["definition"]``, ``"btyd"`` or ``"rfm"``, and
    ``attrs["observation_end"]``). pandas keeps ``attrs`` through selection
    (``loc``, ``iloc``, boolean masks, ``head``), ``copy``, ``assign``,
    ``astype``, sorting, ``merge`` and ``pd.concat`` of summaries with the
    same unit, but *not* through ``join`` with a frame without them, a concat
    of summaries in different units, or a CSV/Parquet round trip. Every model
    records the unit it was fitted in (``time_unit_``) and every prediction,
    CLV, holdout and tracking function refuses a summary in another unit,
    naming both. A summary without a unit (built by hand, or whose attrs
    were lost) is *assumed* to be in the model's unit; a model fitted on
    such a summary has the unit of its ``time_unit`` parameter, or none, and
    then accepts summaries in any one unit: give the unit to keep the check.

Warnings
    Results that are computed but doubtful (RFM columns too tied to be split
    into five scores, a model whose parameters ran to the edge of their
    range, a Gamma-Gamma fit on few repeat buyers or on spend that rises with
    frequency) come with an :class:`idic_lab.diagnostics.IdicLabWarning`
    that gives the reason and what to do.

Layout
    The stage is a package; every public name is importable from here.

    * ``_common`` — time units, :class:`ModelFitError`, :func:`collect_doubts`,
      argument checks and the lazy ``lifetimes`` import.
    * ``_summary`` — loading and checking transactions, the RFM/BTYD summary
      and the calibration/holdout split.
    * ``_rfm`` — RFM scores and segments; Lorenz curve, Gini, top share.
    * ``_purchase`` — the purchase models (BG/NBD, Pareto/NBD) and the checks
      that a fitted model is usable.
    * ``_value`` — the Gamma-Gamma spend model, CLV, the value table, tiers,
      pyramid and value groups.
    * ``_validation`` — holdout validation, model choice, at-risk customers,
      left censoring, tracking and simulation.
    * ``_needs`` — needs features and needs-based segments.
    * ``_strategy`` — development potential and the strategy matrix.
    * ``_kernels`` — the numerical kernels of the value pipeline: the
      summary on integer codes, the BG/NBD and Gamma-Gamma likelihoods with
      analytic gradients, BG/NBD predictions and the discounted purchases of
      the CLV at a cost independent of the number of periods
      (``benchmarks/bench_scale.py`` measures them against ``lifetimes``).
    * ``_stage`` — what notebook 02 records (analysis window, value
      concentration, recorded results).

The package is the only part of :mod:`idic_lab` that imports ``lifetimes``,
and it does so lazily through ``_common._lifetimes``, which undoes the pandas
option and the warning filter that ``lifetimes`` changes on import.
"""

from __future__ import annotations

from idic_lab.differentiate._common import (  # noqa: F401
    ModelFitError,
    TIME_UNITS,
    UNIT_NAMES,
    _lifetimes,
    collect_doubts,
)
from idic_lab.differentiate._summary import (  # noqa: F401
    CalibrationHoldout,
    calibration_holdout_split,
    load_products,
    load_transactions,
    rfm_summary,
)
from idic_lab.differentiate._rfm import (  # noqa: F401
    RFM_LEVELS,
    RFM_SEGMENT_RULES,
    gini,
    lorenz_curve,
    lorenz_points,
    rfm_scores,
    rfm_segment_table,
    top_share,
)
from idic_lab.differentiate._purchase import (  # noqa: F401
    BGNBDModel,
    PURCHASE_MODELS,
    P_ALIVE_LIMIT,
    ParetoNBDModel,
    PurchaseModelCheck,
    SILENCE_FACTOR,
    check_purchase_model,
    check_purchase_models,
    fit_purchase_models,
    long_silent_customers,
)
from idic_lab.differentiate._value import (  # noqa: F401
    GammaGammaModel,
    PYRAMID_TIERS,
    VALUE_GROUPS,
    ValueGroups,
    customer_lifetime_value,
    customer_value_table,
    fit_spend_checked,
    value_groups,
    value_pyramid,
    value_table,
    value_tiers,
)
from idic_lab.differentiate._validation import (  # noqa: F401
    LeftCensoring,
    at_risk,
    choose_clv_model,
    conditional_expectations,
    fit_checked,
    holdout_validation,
    left_censoring,
    load_inputs,
    naive_holdout_prediction,
    simulate_bgnbd,
    tracking_table,
)
from idic_lab.differentiate._needs import (  # noqa: F401
    FEATURE_GROUPS,
    NOT_NEEDS_COLUMNS,
    NeedsSegmentation,
    adjusted_rand,
    needs_features,
    profile_zscores,
    segment_profiles,
)
from idic_lab.differentiate._strategy import (  # noqa: F401
    GROW_MARGIN,
    STRATEGIES,
    development_potential,
    strategy_matrix,
)
from idic_lab.differentiate._stage import (  # noqa: F401
    AnalysisWindow,
    STAGE,
    ValueConcentration,
    analysis_window,
    record_clv,
    record_results,
    value_concentration,
)

__all__ = [
    "TIME_UNITS",
    "UNIT_NAMES",
    "BGNBDModel",
    "CalibrationHoldout",
    "GammaGammaModel",
    "ModelFitError",
    "NeedsSegmentation",
    "ParetoNBDModel",
    "PurchaseModelCheck",
    "calibration_holdout_split",
    "check_purchase_model",
    "check_purchase_models",
    "collect_doubts",
    "choose_clv_model",
    "conditional_expectations",
    "customer_lifetime_value",
    "customer_value_table",
    "fit_purchase_models",
    "adjusted_rand",
    "at_risk",
    "fit_checked",
    "fit_spend_checked",
    "LeftCensoring",
    "load_inputs",
    "lorenz_points",
    "gini",
    "holdout_validation",
    "left_censoring",
    "load_products",
    "load_transactions",
    "long_silent_customers",
    "lorenz_curve",
    "naive_holdout_prediction",
    "needs_features",
    "rfm_scores",
    "rfm_summary",
    "profile_zscores",
    "rfm_segment_table",
    "segment_profiles",
    "value_table",
    "value_tiers",
    "simulate_bgnbd",
    "strategy_matrix",
    "development_potential",
    "GROW_MARGIN",
    "top_share",
    "tracking_table",
    "VALUE_GROUPS",
    "ValueGroups",
    "value_groups",
    "value_pyramid",
    "AnalysisWindow",
    "ValueConcentration",
    "analysis_window",
    "value_concentration",
    "record_results",
    "record_clv",
]
