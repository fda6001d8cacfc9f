"""What notebook 02 records: the analysis window, value concentration and the stage's recorded results."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from idic_lab.differentiate._common import TIME_UNITS, _UNIT_NAMES, _as_date, _choice, _frame
from idic_lab.differentiate._purchase import PurchaseModelCheck
from idic_lab.differentiate._rfm import _values, gini, lorenz_curve, lorenz_points, top_share
from idic_lab.differentiate._summary import CalibrationHoldout, _check_summary
from idic_lab.differentiate._validation import _check_split, at_risk
from idic_lab.differentiate._value import ValueGroups, _check_value_columns


# --------------------------------------------------------------------------
# What the notebook records (one call per result, no bookkeeping in its cells)
# --------------------------------------------------------------------------

STAGE = "02_differentiate"


@dataclass(frozen=True)
class AnalysisWindow:
    """Result of :func:`analysis_window`: the dates a value analysis runs on.

    Attributes
    ----------
    start : Timestamp
        The day of the first purchase.
    last_purchase : Timestamp
        The day of the last purchase.
    end : Timestamp
        The observation end (given, or the last purchase day).
    calibration_end : Timestamp
        The calibration end (given, or the middle of the window).
    time_unit : str
        The models' time unit.
    purchases, customers : int
        Rows and distinct customers of the transactions.
    file : str or None
        The client file's name for the report (None for bundled data).
    """

    start: pd.Timestamp
    last_purchase: pd.Timestamp
    end: pd.Timestamp
    calibration_end: pd.Timestamp
    time_unit: str
    purchases: int
    customers: int
    file: str | None = None

    @property
    def end_text(self) -> str:
        """The observation end as an ISO date."""
        return self.end.date().isoformat()

    @property
    def calibration_end_text(self) -> str:
        """The calibration end as an ISO date."""
        return self.calibration_end.date().isoformat()

    def describe(self, source: str) -> str:
        """One line for the notebook: source, purchases, customers, period, calibration and unit."""
        return (f"{source}: {self.purchases:,} purchases by {self.customers:,} customers, {self.start.date()} to "
                f"{self.last_purchase.date()}; calibration to {self.calibration_end_text}, observation to "
                f"{self.end_text}; time unit {self.time_unit} ({TIME_UNITS[self.time_unit]:g} days)")

    def record(self) -> None:
        """Record the data the stage worked on (rows, customers, period) for the report."""
        from idic_lab.results import record, record_data

        record("differentiate.n_customers", self.customers)
        record_data("transactions", rows=self.purchases, customers=self.customers, start=self.start,
                    end=self.end_text, file=self.file)


def analysis_window(
    transactions: pd.DataFrame,
    *,
    observation_end: str | pd.Timestamp = "",
    calibration_end: str | pd.Timestamp = "",
    time_unit: str = "W",
    file: str | None = None,
) -> AnalysisWindow:
    """The observation and calibration ends of a value analysis, with empty ones filled in.

    Parameters
    ----------
    transactions : DataFrame
        Canonical purchases (``customer_id``, ``date``).
    observation_end : str or Timestamp
        Last day of the observation window; empty: the last purchase day.
    calibration_end : str or Timestamp
        Last day of the calibration period; empty: the middle of the window
        (from the first purchase day to the observation end).
    time_unit : {"D", "W", "M", "Q"}
    file : str, optional
        The client file the purchases came from (only its name is kept).

    Returns
    -------
    AnalysisWindow
    """
    time_unit = _choice(time_unit, "time_unit", tuple(TIME_UNITS))
    _frame(transactions, "transactions", "canonical transactions from load_inputs or idic_lab.schema.clean")
    missing = [c for c in ("customer_id", "date") if c not in transactions.columns]
    if missing:
        raise ValueError(
            f"transactions: expected the columns customer_id and date, found no {', '.join(missing)} among "
            f"{list(transactions.columns)}. Load them with load_inputs or idic_lab.schema.clean."
        )
    dates = pd.to_datetime(transactions["date"], errors="coerce")
    if dates.notna().sum() == 0:
        raise ValueError(f"transactions: expected purchases with dates, found {len(transactions)} rows and no date.")
    first, last = dates.min().normalize(), dates.max().normalize()
    end = _as_date(observation_end, "observation_end").normalize() if str(observation_end).strip() else last
    if end < first:
        raise ValueError(f"observation_end={end.date()}: expected a day on or after the first purchase, {first.date()}.")
    cal_end = (_as_date(calibration_end, "calibration_end").normalize() if str(calibration_end).strip()
               else (first + (end - first) / 2).normalize())
    from pathlib import Path

    return AnalysisWindow(start=first, last_purchase=last, end=end, calibration_end=cal_end, time_unit=time_unit,
                          purchases=len(transactions), customers=int(transactions["customer_id"].nunique()),
                          file=None if not file else Path(file).name)


@dataclass(frozen=True)
class ValueConcentration:
    """Result of :func:`value_concentration`: how concentrated value is.

    Attributes
    ----------
    share : float
        The top share of customers looked at (0.2: the top 20 %).
    top_share : float
        Their share of the total value.
    gini : float
        The Gini coefficient of the values.
    top_total, total : float
        Their value and everybody's.
    customers : int
    curve : DataFrame
        The Lorenz curve (:func:`lorenz_curve`).
    points : dict
        The curve at 21 customer shares (:func:`lorenz_points`), for the report's chart.
    """

    share: float
    top_share: float
    gini: float
    top_total: float
    total: float
    customers: int
    curve: pd.DataFrame = field(repr=False)
    points: dict = field(repr=False, default_factory=dict)

    @property
    def against_rule(self) -> str:
        """``"more"`` or ``"less"`` than the 80 % of the Pareto rule of thumb (for the top 20 %)."""
        return "more" if self.top_share > 0.8 else "less"

    @property
    def top_to_rest(self) -> float:
        """The top customers' value per unit of the others' (2: twice as much as all the others together)."""
        rest = self.total - self.top_total
        return float(self.top_total / rest) if rest > 0 else float("inf")

    def sentence(self) -> str:
        """The line the notebook prints under the Lorenz curve."""
        return (f"The top {self.share:.0%} of customers bring {self.top_share:.1%} of the spend, {self.against_rule} "
                f"than the 80 % of the Pareto rule (the cross); Gini {self.gini:.3f}.")

    def record(self, *, currency: str = "") -> None:
        """Record the figures, the index chart and the finding."""
        from idic_lab import formatting as fmt
        from idic_lab.results import record, record_finding

        record("differentiate.top20_share", round(self.top_share, 4))
        record("differentiate.gini", round(self.gini, 4))
        record("differentiate.top20_vs_pareto_rule", self.against_rule)
        record("differentiate.top20_to_rest", round(self.top_to_rest, 4))
        record("report.chart.value_concentration", self.points)
        record_finding(f"The top {fmt.percent(self.share)} of customers bring {fmt.percent(self.top_share)} of the spend "
                       f"({fmt.money(self.top_total, currency)} of {fmt.money(self.total, currency)}), "
                       f"{self.against_rule} than the 80 % of the Pareto rule of thumb; Gini {fmt.number(self.gini, 2)}.",
                       stage=STAGE, rank=2)


def value_concentration(values: pd.Series | Sequence[float] | np.ndarray, share: float = 0.2) -> ValueConcentration:
    """Top-share, Gini and Lorenz curve of customer values in one result.

    Parameters
    ----------
    values : Series or array
        One value per customer (e.g. total spend), >= 0.
    share : float
        The top share of customers, in (0, 1).

    Returns
    -------
    ValueConcentration
    """
    numbers = _values(values, "values")
    top = top_share(numbers, share)
    n_top = math.ceil(float(share) * numbers.size - 1e-9)
    return ValueConcentration(share=float(share), top_share=float(top), gini=float(gini(numbers)),
                              top_total=float(np.sort(numbers)[::-1][:n_top].sum()), total=float(numbers.sum()),
                              customers=len(numbers), curve=lorenz_curve(numbers), points=lorenz_points(numbers, 21))


def _key(name: str) -> str:
    return name.lower().replace("/", "_").replace("-", "_")


def _nested(table: pd.DataFrame, column: str, digits: int | None = 4) -> dict[str, dict[str, Any]]:
    """{tier: {segment: value}} of a strategy matrix column."""
    out: dict[str, dict[str, Any]] = {}
    for row in table.itertuples(index=False):
        value = getattr(row, column)
        if digits is not None:
            value = round(float(value), digits)
        out.setdefault(str(row.tier), {})[str(row.segment)] = value
    return out


_NOT_GIVEN = object()


def record_results(
    *,
    summary: pd.DataFrame | None = None,
    split: CalibrationHoldout | None = None,
    models: Sequence[Any] | None = None,
    checks: Mapping[str, PurchaseModelCheck] | None = None,
    errors: pd.DataFrame | None = None,
    tracking: pd.DataFrame | None = None,
    conditional: pd.DataFrame | None = None,
    clv_model: Any = _NOT_GIVEN,
    pyramid: pd.DataFrame | None = None,
    groups: ValueGroups | None = None,
    groups_with_cost: ValueGroups | None = None,
    segmentation: Any = None,
    profiles: pd.DataFrame | None = None,
    stability: pd.DataFrame | None = None,
    ari: float | None = None,
    matrix: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Record the headline figures of the Differentiate notebook's results, one call per cell.

    Each argument given records its figures under ``differentiate.*`` (the
    keys the report, the client export and the lesson tests read); the
    others are skipped.

    Parameters
    ----------
    summary : DataFrame
        A BTYD summary (:func:`rfm_summary`): median frequency and share of
        one-time buyers.
    split : CalibrationHoldout
        From :func:`calibration_holdout_split`: its counts (:meth:`CalibrationHoldout.report`).
    models : sequence
        Fitted models (BG/NBD, Pareto/NBD, Gamma-Gamma): their parameters
        (and Gamma-Gamma's frequency-spend correlation).
    checks : dict
        From :func:`check_purchase_models`: which models are usable.
    errors : DataFrame
        From :func:`holdout_validation`: MAE, RMSE and aggregate error.
    tracking : DataFrame
        From :func:`tracking_table`: cumulative repeat purchases at the
        calibration end and at the observation end, actual and per forecast.
    conditional : DataFrame
        From :func:`conditional_expectations`: mean holdout purchases by
        calibration frequency.
    clv_model : str or None
        The model :func:`choose_clv_model` chose (None: none).
    pyramid : DataFrame
        From :func:`value_pyramid`: shares of actual and potential value per tier.
    groups, groups_with_cost : ValueGroups
        From :func:`value_groups` without and with a cost to serve (with
        ``summary``: the share of one-time buyers among the below-zero ones).
    segmentation : NeedsSegmentation
        The fitted segmentation: its k.
    profiles : DataFrame
        From :func:`segment_profiles`: the segments' names.
    stability : DataFrame
        From :meth:`NeedsSegmentation.stability`: mean and lowest ARI.
    ari : float
        Agreement with planted segments.
    matrix : DataFrame
        From :func:`strategy_matrix`: the strategy per cell and why.

    Returns
    -------
    dict
        The figures recorded, by key.
    """
    from idic_lab.results import record

    figures: dict[str, Any] = {}

    def put(key: str, value: Any) -> None:
        figures[f"differentiate.{key}"] = record(f"differentiate.{key}", value)

    if summary is not None:
        _check_summary(summary)
        put("summary.median_frequency", float(summary["frequency"].median()))
        put("summary.share_one_time", round(float((summary["frequency"] == 0).mean()), 4))
        if "monetary_value" in summary.columns and (summary["frequency"] == 0).any():
            put("summary.one_time_monetary_max", float(summary.loc[summary["frequency"] == 0, "monetary_value"].max()))
    if split is not None:
        put("split", {str(k): int(v) for k, v in _check_split(split).report().items()})
    for model in models or ():
        for name, value in model.params_.items():
            put(f"{_key(model.name)}.{name}", round(float(value), 4))
        if getattr(model, "correlation_", None) is not None:
            put(f"{_key(model.name)}.correlation", round(float(model.correlation_), 4))
    if checks is not None:
        put("models_usable", {name: bool(check.usable) for name, check in checks.items()})
    if errors is not None:
        for model_name, row in errors.iterrows():
            for metric in ("mae", "rmse", "aggregate_error_pct"):
                put(f"holdout.{_key(str(model_name))}.{metric}", round(float(row[metric]), 4))
    if tracking is not None:
        calibration_end = pd.Timestamp(tracking.attrs.get("calibration_end", tracking.index[0]))
        at_calibration_end = tracking.loc[tracking.index <= calibration_end]
        for label, rows in (("calibration_end", at_calibration_end), ("end", tracking)):
            if len(rows):
                put(f"tracking.{label}", {str(c): round(float(v), 4) for c, v in rows.iloc[-1].items()})
    if conditional is not None:
        put("conditional", {str(c): {str(i): round(float(v), 4) for i, v in conditional[c].items()}
                            for c in conditional.columns})
    if clv_model is not _NOT_GIVEN:
        put("clv.model", clv_model)
    if pyramid is not None:
        put("pyramid.share_of_actual_value", pyramid["share_of_future_value"].round(4).to_dict())
        put("pyramid.share_of_potential_value", pyramid["share_of_potential_value"].round(4).to_dict())
        put("pyramid.share_of_customers", pyramid["share_of_customers"].round(4).to_dict())
    if groups is not None:
        put("value_groups.customers", groups.counts["customers"].to_dict())
        put("value_groups.share_of_actual_value", groups.counts["share_of_future_value"].round(4).to_dict())
        put("value_groups.share_of_potential_value", groups.counts["share_of_potential_value"].round(4).to_dict())
    if groups_with_cost is not None:
        put("value_groups.customers_with_cost", groups_with_cost.counts["customers"].to_dict())
        if summary is not None:
            below = groups_with_cost.labels.index[groups_with_cost.labels == "below zero"]
            frequency = summary["frequency"].reindex(below)
            put("value_groups.below_zero_one_time_share",
                round(float((frequency == 0).mean()), 4) if len(below) else None)
    if segmentation is not None:
        put("needs.k", int(segmentation.k_))
    if profiles is not None:
        put("needs.segments", {str(i): str(n) for i, n in profiles["name"].items()})
        if "items_per_order" in profiles.columns:
            put("needs.items_per_order", {str(n): round(float(v), 4)
                                          for n, v in zip(profiles["name"], profiles["items_per_order"])})
    if stability is not None:
        put("needs.stability_ari_mean", round(float(stability["ari"].mean()), 4))
        put("needs.stability_ari_min", round(float(stability["ari"].min()), 4))
    if ari is not None:
        put("needs.ari", round(float(ari), 4))
    if matrix is not None:
        put("strategy.table", _nested(matrix, "strategy", digits=None))
        for column in ("development_per_customer", "tier_development_per_customer", "spend_per_purchase",
                       "purchases_per_customer", "future_value_per_customer"):
            put(f"strategy.{column}", _nested(matrix, column))
        by_segment = matrix.groupby("segment", observed=True)[["customers", "future_value"]].sum()
        put("strategy.segment_future_value_per_customer",
            (by_segment["future_value"] / by_segment["customers"]).round(4).to_dict())
    return figures


def record_clv(
    value: pd.DataFrame,
    summary: pd.DataFrame,
    *,
    model: str,
    horizon: int,
    time_unit: str,
    annual_discount_rate: float,
    currency: str = "",
) -> pd.Series:
    """Record the CLV figures and findings of a customer value table; return who is at risk.

    Records the total actual (future) value, the number of repeat customers
    who have probably stopped buying (:func:`at_risk`), the mean P(alive)
    of the ten customers of highest actual value, and two findings.

    Returns
    -------
    Series
        :func:`at_risk` per customer (True: probably stopped buying).
    """
    from idic_lab import formatting as fmt
    from idic_lab.results import record, record_finding

    _check_value_columns(value)
    risk = at_risk(value, summary)
    total_future = float(value["future_value"].sum())
    record("differentiate.clv.total_future_value", round(total_future, 2))
    record("differentiate.clv.at_risk", int(risk.sum()))
    top = value.assign(_id=value.index.astype("str")).sort_values(
        ["future_value", "_id"], ascending=[False, True], kind="stable").head(10)
    record("differentiate.clv.top10_mean_p_alive", round(float(top["p_alive"].mean()), 4))
    record("differentiate.clv.top10_min_frequency", float(summary["frequency"].reindex(top.index).min()))
    record_finding(f"By the {model} model (chosen on its holdout error), the {fmt.count(len(value))} customers are "
                   f"expected to bring {fmt.money(total_future, currency)} over the next {horizon} "
                   f"{_UNIT_NAMES[time_unit]} (discounted at {fmt.percent(annual_discount_rate)} a year).",
                   stage=STAGE, rank=3)
    record_finding(f"{fmt.count(risk.sum())} repeat customers ({fmt.percent(risk.mean())} of all customers) have probably "
                   f"stopped buying (P(alive) below 50 % by the {model} model); they spent "
                   f"{fmt.money(value.loc[risk, 'past_value'].sum(), currency)} so far.", stage=STAGE, rank=4)
    return risk
