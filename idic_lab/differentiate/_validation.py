"""Does the model predict? Holdout validation, model choice by holdout error, at-risk customers, left censoring, tracking and simulation."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from idic_lab.diagnostics import IdicLabWarning
from idic_lab.differentiate._common import (
    ModelFitError,
    TIME_UNITS,
    _UNIT_NAMES,
    _as_date,
    _check_series,
    _choice,
    _examples,
    _frame,
    _number,
    _unit_days,
)
from idic_lab.differentiate._purchase import PURCHASE_MODELS, PurchaseModelCheck, _BTYDModel, check_purchase_model
from idic_lab.differentiate._summary import (
    CalibrationHoldout,
    _check_same_unit,
    _check_summary,
    _check_transactions,
    _occasions,
    _unit_text,
    load_transactions,
)
from idic_lab.differentiate._value import _check_value_columns


# --------------------------------------------------------------------------
# Holdout validation
# --------------------------------------------------------------------------


def naive_holdout_prediction(summary: pd.DataFrame) -> pd.Series:
    """Naive baseline: every customer keeps buying at her calibration rate, frequency / T, for the holdout.

    Customers first seen on the calibration end day (T = 0) are predicted 0.
    Rate and holdout length share the summary's unit, so no unit check is
    needed.

    Parameters
    ----------
    summary : DataFrame
        :attr:`CalibrationHoldout.summary` (with ``duration_holdout``).
    """
    data = _check_summary(summary)
    if "duration_holdout" not in summary.columns:
        raise ValueError(
            f"summary: expected the column duration_holdout of a calibration summary, found "
            f"{list(summary.columns)} ({len(summary)} rows). Use calibration_holdout_split(...).summary."
        )
    duration = _check_series(summary["duration_holdout"], "summary['duration_holdout']",
                             "from calibration_holdout_split")
    if (duration <= 0).any():
        raise ValueError(
            f"summary: expected duration_holdout > 0, found {int((duration <= 0).sum())} of {len(summary)} rows "
            "<= 0 (a holdout of no length). Use calibration_holdout_split with calibration_end before observation_end."
        )
    rate = (data["frequency"] / data["T"].where(data["T"] > 0)).fillna(0.0)
    return (rate * duration).rename("naive")


_RESERVED_NAMES = ("actual", "naive", "customers")


def _check_split(split: Any) -> CalibrationHoldout:
    """A calibration/holdout split with a holdout of positive length."""
    if not isinstance(split, CalibrationHoldout):
        raise TypeError(
            f"split: expected a CalibrationHoldout from calibration_holdout_split, found {type(split).__name__}."
        )
    _unit_days(split.time_unit, "split.time_unit")
    cal_end = _as_date(split.calibration_end, "split.calibration_end")
    obs_end = _as_date(split.observation_end, "split.observation_end")
    if cal_end >= obs_end:
        raise ValueError(
            f"split: expected calibration_end before observation_end (a holdout of at least one day), found "
            f"{cal_end.date()} and {obs_end.date()}. Build it with calibration_holdout_split and an earlier "
            "calibration_end."
        )
    _check_summary(split.summary)
    _check_same_unit(split.summary, split.time_unit, f"the split (time_unit={split.time_unit!r})",
                     "Build the split with calibration_holdout_split, which keeps both in one unit.")
    if "frequency_holdout" not in split.summary.columns:
        raise ValueError(
            f"split.summary: expected the column frequency_holdout, found {list(split.summary.columns)}. "
            "Build the split with calibration_holdout_split."
        )
    _check_series(split.summary["frequency_holdout"], "split.summary['frequency_holdout']",
                  "from calibration_holdout_split")
    return split


def _check_purchase_models(models: Any, unit: str) -> dict[str, _BTYDModel]:
    """``{name: fitted purchase model}``, every model in ``unit`` (or of unknown unit)."""
    if not isinstance(models, Mapping):
        raise TypeError(
            f"models: expected a dict {{name: fitted model}}, e.g. {{'BG/NBD': model}}, found {type(models).__name__}."
        )
    for name, model in models.items():
        if not isinstance(name, str) or name in _RESERVED_NAMES:
            raise ValueError(
                f"models: expected model names as text other than {list(_RESERVED_NAMES)} (columns of the result), "
                f"found {name!r}. Rename it, e.g. 'BG/NBD'."
            )
        if not isinstance(model, _BTYDModel):
            raise TypeError(
                f"models[{name!r}]: expected a fitted BGNBDModel or ParetoNBDModel, found {type(model).__name__}."
            )
        model._fitted()
        if model.time_unit_ is not None and model.time_unit_ != unit:
            raise ValueError(
                f"models[{name!r}]: expected a model fitted in the split's unit {_unit_text(unit)}, found one fitted "
                f"in {_unit_text(model.time_unit_)}: its rates would be read per {_UNIT_NAMES[unit][:-1]}. Fit it on "
                f"split.summary, or build the split with time_unit={model.time_unit_!r}."
            )
    return dict(models)


def _predictions(split: CalibrationHoldout, models: Mapping[str, _BTYDModel]) -> pd.DataFrame:
    s = split.summary
    out = pd.DataFrame({"actual": s["frequency_holdout"].astype("float64")})
    for name, model in models.items():
        out[name] = model.expected_purchases(s, split.duration_holdout)
    out["naive"] = naive_holdout_prediction(s)
    return out


def holdout_validation(split: CalibrationHoldout, models: Mapping[str, _BTYDModel]) -> pd.DataFrame:
    """Holdout errors of each model and of the naive baseline, side by side.

    Parameters
    ----------
    split : CalibrationHoldout
        With at least one holdout purchase by a calibration customer.
    models : dict
        ``{name: fitted model}``, e.g. ``{"BG/NBD": bg, "Pareto/NBD": pn}``,
        each fitted in the split's time unit.

    Returns
    -------
    DataFrame
        One row per model in the order given (plus ``naive``): ``mae`` and
        ``rmse`` of the per-customer holdout purchases, ``predicted_total``,
        ``actual_total`` and ``aggregate_error_pct`` (predicted total vs
        actual total, in %).

    Raises
    ------
    ValueError
        No holdout purchase at all (the aggregate error would divide by
        0), models in another time unit, or reserved model names.
    """
    split = _check_split(split)
    models = _check_purchase_models(models, split.time_unit)
    actual_total = float(split.summary["frequency_holdout"].sum())
    if actual_total <= 0:
        raise ValueError(
            f"split: expected holdout purchases to validate against, found 0 repeat occasions by the "
            f"{len(split.summary)} calibration customers between {split.calibration_end.date()} and "
            f"{split.observation_end.date()}: the errors relative to the actual total are undefined. Choose an "
            "earlier calibration_end (a longer holdout) in calibration_holdout_split."
        )
    predictions = _predictions(split, models)
    actual = predictions["actual"]
    rows = {}
    for name in predictions.columns.drop("actual"):
        error = predictions[name] - actual
        rows[name] = {
            "mae": float(error.abs().mean()),
            "rmse": float(np.sqrt((error**2).mean())),
            "predicted_total": float(predictions[name].sum()),
            "actual_total": actual_total,
            "aggregate_error_pct": float(100 * (predictions[name].sum() - actual_total) / actual_total),
        }
    return pd.DataFrame(rows).T.rename_axis("model")


def choose_clv_model(
    errors: pd.DataFrame, checks: Mapping[str, PurchaseModelCheck], *, metric: str = "mae"
) -> tuple[str | None, str]:
    """The purchase model for CLV: the lowest holdout error among the models that pass their checks.

    Parameters
    ----------
    errors : DataFrame
        From :func:`holdout_validation` (rows by model; ``naive`` is ignored).
    checks : dict
        ``{name: PurchaseModelCheck}`` from :func:`check_purchase_models`
        (on the calibration fit).
    metric : {"mae", "rmse"}
        The per-customer holdout error to compare.

    Returns
    -------
    (str or None, str)
        The chosen model's name and a sentence saying why; ``None`` and a
        problem sentence (CLV is then unreliable, not a figure to act on)
        when no model passes.
    """
    metric = _choice(metric, "metric", ("mae", "rmse"))
    errors = _frame(errors, "errors", "the table of holdout_validation")
    if metric not in errors.columns:
        raise ValueError(f"errors: expected the column {metric!r} of holdout_validation's table, found "
                         f"{list(errors.columns)}.")
    if not isinstance(checks, Mapping) or not all(isinstance(c, PurchaseModelCheck) for c in checks.values()):
        raise TypeError("checks: expected {name: PurchaseModelCheck} from check_purchase_models, found "
                        f"{type(checks).__name__}.")
    passing = [name for name, check in checks.items() if check.usable and name in errors.index]
    if not passing:
        failed = ", ".join(checks) or "none"
        return None, (
            f"No purchase model passed its checks on this data ({failed}; see the problems above), so customer "
            "lifetime value (CLV), P(alive) and at-risk counts from a model are not shown as figures to act on. "
            "Use current value and recency (RFM) instead; a longer history or a coarser time unit may make a "
            "model usable."
        )
    ranked = errors.loc[passing, metric].astype("float64").sort_values(kind="stable")
    best = str(ranked.index[0])
    others = [n for n in checks if n != best]
    why = (f"{best} is used for CLV: it has the lowest holdout error ({metric.upper()} {ranked.iloc[0]:.3f} "
           "purchases per customer)")
    if len(ranked) > 1:
        why += " of the models that pass their checks"
    elif others:
        why += f"; {', '.join(others)} did not pass {'its' if len(others) == 1 else 'their'} checks"
    return best, why + "."


def fit_checked(name: str, summary: pd.DataFrame, **options: Any) -> tuple[_BTYDModel | None, PurchaseModelCheck]:
    """Fit one purchase model and check it; a failed or doubtful fit is a problem sentence, not an error or warning.

    Parameters
    ----------
    name : {"BG/NBD", "Pareto/NBD"}
    summary : DataFrame
        BTYD summary.
    **options
        ``silence_factor``, ``p_alive_limit`` of :func:`check_purchase_model`.

    Returns
    -------
    (model or None, PurchaseModelCheck)
        The fitted model (None if it did not converge) and its check.
    """
    name = _choice(name, "name", tuple(PURCHASE_MODELS))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", IdicLabWarning)  # its doubts are the check's problems
            model = PURCHASE_MODELS[name]().fit(summary)
    except ModelFitError as exc:
        return None, check_purchase_model(exc, summary, name=name)
    return model, check_purchase_model(model, summary, **options)


def at_risk(value: pd.DataFrame, summary: pd.DataFrame, *, threshold: float = 0.5) -> pd.Series:
    """Repeat customers the model thinks have probably left: P(alive) below ``threshold``.

    Parameters
    ----------
    value : DataFrame
        From :func:`customer_value_table` (``p_alive``), of a model that passed
        :func:`check_purchase_model`.
    summary : DataFrame
        The BTYD summary (``frequency``): one-time buyers are left out, since
        the models cannot tell when they left.
    threshold : float
        P(alive) below which a customer counts as at risk (0-1).

    Returns
    -------
    Series of bool
        Per customer of ``value``.
    """
    threshold = _number(threshold, "threshold", low=0, low_open=True, example="0.5")
    if threshold > 1:
        raise ValueError(f"threshold: expected a probability between 0 and 1, found {threshold!r}.")
    value = _frame(value, "value", "the table of customer_value_table")
    if "p_alive" not in value.columns:
        raise ValueError(f"value: expected the column p_alive of customer_value_table, found {list(value.columns)}.")
    data = _check_summary(summary)
    repeat = data["frequency"].reindex(value.index).fillna(0).to_numpy() > 0
    return pd.Series(repeat & (value["p_alive"].to_numpy() < threshold), index=value.index, name="at_risk")


def load_inputs(
    *,
    mode: str,
    dataset: str = "cdnow_sample",
    transactions_file: str = "",
    transaction_columns: Mapping[str, str] | str | None = None,
    date_format: str = "",
    observation_end: str = "",
    non_product_codes: Sequence[str] = (),
) -> tuple[pd.DataFrame, Any, str]:
    """The transactions of the Differentiate stage: the client's file, or (teaching only) a bundled data set.

    Parameters
    ----------
    mode : {"teaching", "client"}
        In client mode only ``transactions_file`` is read; without it the
        stage refuses (a bundled data set is never substituted).
    dataset : str
        Bundled data set used in teaching mode when no file is given.
    transactions_file, transaction_columns, date_format, observation_end, non_product_codes
        As in :func:`load_transactions`.

    Returns
    -------
    (DataFrame, CleaningReport or None, str)
        The purchases, the cleaning report (None for a bundled data set) and
        the source's name as a page may show it (the file name, never its path).
    """
    mode = _choice(mode, "mode", ("teaching", "client"))
    if not transactions_file:
        if mode == "client":
            raise ValueError(
                "mode='client': the Differentiate stage needs the client's transactions_file; a client run never "
                "uses bundled or synthetic data. Give transactions_file (and transaction_columns) in the parameters."
            )
        from idic_lab.datasets import load_dataset

        return load_dataset(dataset), None, dataset
    transactions, cleaning = load_transactions(
        transactions_file, columns=transaction_columns or None, date_format=date_format or None,
        observation_end=observation_end or None, non_product_codes=list(non_product_codes),
    )
    from pathlib import Path

    return transactions, cleaning, Path(transactions_file).name


@dataclass(frozen=True)
class LeftCensoring:
    """What :func:`left_censoring` found: does the log start after the business did?

    Attributes
    ----------
    detected : bool
        True when the first-purchase density at the start of the log is far
        above its later level.
    window_days : int
        Length of the start window.
    start_customers : int
        Customers whose first purchase in the log falls in the start window.
    start_rate, later_rate : float
        New customers per 30 days in the start window, and the median over
        the later 30-day blocks.
    customers : Index
        The ids of the start-window customers (their T and recency may be
        understated).
    message : str
        The plain sentence for the page (empty when nothing was detected).
    """

    detected: bool
    window_days: int
    start_customers: int
    start_rate: float
    later_rate: float
    customers: pd.Index = field(repr=False)
    message: str = ""

    @property
    def excess_customers(self) -> int:
        """Start-window customers beyond the later rate: about how many bought before the log began."""
        return max(0, round(self.start_customers - self.later_rate * self.window_days / 30.0))

    def clv_note(self, value: pd.DataFrame) -> str:
        """A sentence on how many of the top 10 % by actual value were first seen in the start window ("" if none detected)."""
        if not self.detected:
            return ""
        from idic_lab import formatting as fmt

        _check_value_columns(value)
        early = value.index.isin(self.customers)
        top = value["future_value"].rank(ascending=False, method="first").to_numpy() <= max(1, len(value) // 10)
        return (f"**Left-censoring and CLV.** {fmt.percent(early[top].mean())} of the top 10 % of customers by actual "
                f"value were first seen in the log's first {self.window_days} days: their age and recency are "
                "understated, so read their CLV with care.")


def left_censoring(
    transactions: pd.DataFrame, *, window_days: int = 30, ratio: float = 2.0, min_customers: int = 20
) -> LeftCensoring:
    """Detect a log that starts after the business did (left-censoring).

    If the business existed before the first day of the file, its existing
    customers all appear "new" in the first weeks: the density of first
    purchases at the start is far above its later level. Their age ``T`` and
    recency are understated (their earlier purchases are missing), so the
    models read them as newer customers than they are, and their P(alive)
    and CLV are less reliable.

    The rule: new customers per 30 days in the first ``window_days`` of the
    log at least ``ratio`` times the median over the later 30-day blocks, and
    at least ``min_customers`` of them. A log in which nobody is new after
    the start (one acquisition cohort, like CDNOW) is not left-censored by
    this rule: the median later rate is 0 and the whole file is the cohort.

    Parameters
    ----------
    transactions : DataFrame
        Canonical purchases (``customer_id``, ``date``).
    window_days : int
        Length of the start window (>= 7).
    ratio : float
        Start rate / later rate from which the log is called left-censored (> 1).
    min_customers : int
        Fewest start-window customers for a finding (>= 1).

    Returns
    -------
    LeftCensoring
        ``detected``, the figures and a plain ``message``. Logs shorter than
        three start windows are not assessed (``detected`` False).
    """
    window_days = int(_number(window_days, "window_days", low=7, whole=True, example="30"))
    ratio = _number(ratio, "ratio", low=1, low_open=True, example="2")
    min_customers = int(_number(min_customers, "min_customers", low=1, whole=True, example="20"))
    frame = _check_transactions(transactions)
    first = frame.groupby("customer_id", sort=True)["date"].min().dt.normalize()
    start, end = first.min(), frame["date"].max().normalize()
    span = (end - start).days + 1
    window_end = start + pd.Timedelta(days=window_days)
    in_window = first < window_end
    n_start = int(in_window.sum())
    start_rate = n_start * 30.0 / window_days
    blocks = (span - window_days) // 30
    if span < 3 * window_days or blocks < 2:
        return LeftCensoring(False, window_days, n_start, start_rate, float("nan"), first.index[in_window], "")
    later = first[~in_window]
    edges = window_end + pd.to_timedelta(np.arange(blocks + 1) * 30, unit="D")
    counts = np.histogram(later.to_numpy().astype("datetime64[ns]").astype("int64"),
                          bins=edges.to_numpy().astype("datetime64[ns]").astype("int64"))[0]
    later_rate = float(np.median(counts))
    detected = later_rate > 0 and n_start >= min_customers and start_rate >= ratio * later_rate
    message = ""
    if detected:
        share = n_start / len(first)
        message = (
            f"The purchase log seems to start after the business did (left-censoring): {n_start:,} customers "
            f"({100 * share:.0f} % of all) made their first purchase in the log's first {window_days} days, "
            f"{start_rate / later_rate:.1f} times the usual rate of new customers later on ({later_rate:,.0f} per "
            f"30 days). Many of them are older customers whose earlier purchases are not in the file: their age (T) "
            "and recency are understated, so the models read them as newer than they are, and their P(alive) and "
            "CLV are less reliable than those of customers first seen later. What to do: ask the client for a "
            "longer history if one exists; until then, read the CLV of long-standing customers with care."
        )
    return LeftCensoring(bool(detected), window_days, n_start, start_rate, later_rate, first.index[in_window], message)


def conditional_expectations(
    split: CalibrationHoldout, models: Mapping[str, _BTYDModel], *, max_frequency: int = 7
) -> pd.DataFrame:
    """Mean holdout purchases, actual and predicted, by calibration frequency.

    Customers with ``max_frequency`` or more calibration repeat purchases are
    pooled in the last row (labelled e.g. ``"7+"``). Rows run from 0 up;
    frequencies without customers are left out.
    """
    split = _check_split(split)
    models = _check_purchase_models(models, split.time_unit)
    max_frequency = int(_number(max_frequency, "max_frequency", low=1, whole=True, example="7"))
    predictions = _predictions(split, models)
    frequency = split.summary["frequency"].clip(upper=max_frequency).astype(int)
    labels = frequency.astype(str).where(frequency < max_frequency, f"{max_frequency}+")
    table = predictions.groupby(labels.to_numpy()).mean()
    table.insert(0, "customers", predictions.groupby(labels.to_numpy()).size())
    order = [str(i) for i in range(max_frequency)] + [f"{max_frequency}+"]
    table = table.reindex([o for o in order if o in table.index])
    table.index.name = "calibration_frequency"
    return table


def tracking_table(
    transactions: pd.DataFrame,
    split: CalibrationHoldout,
    models: Mapping[str, _BTYDModel],
) -> pd.DataFrame:
    """Cumulative repeat purchases per time unit, actual versus each model.

    Each customer of the calibration summary contributes from her first
    purchase day on: the model's expected repeat purchases ``E[X(t - t0)]``
    are summed over customers grouped by first purchase day.

    Parameters
    ----------
    transactions : DataFrame
        The purchases the split was built from (later rows are left out).
    split : CalibrationHoldout
    models : dict
        ``{name: fitted model}``, each fitted in the split's time unit.

    Returns
    -------
    DataFrame
        Indexed by ``period_end`` (date at the end of each time unit from the
        first purchase to the observation end): ``actual`` and one column
        per model, cumulative repeat purchases; ``attrs["calibration_end"]``
        and ``attrs["time_unit"]``.

    Raises
    ------
    ValueError
        Transactions that lack customers of the split, models in another
        time unit, or reserved model names.
    """
    split = _check_split(split)
    models = _check_purchase_models(models, split.time_unit)
    unit = TIME_UNITS[split.time_unit]
    frame = _check_transactions(transactions)
    frame = frame[frame["customer_id"].isin(split.summary.index.astype("str"))]
    occasions = _occasions(frame)
    occasions = occasions[occasions["day"] <= split.observation_end]
    first_days = occasions.groupby("customer_id", sort=True)["day"].min()
    absent = ~split.summary.index.astype("str").isin(first_days.index)
    if absent.any():
        raise ValueError(
            f"transactions: expected the purchases of every customer of the split, found none for "
            f"{int(absent.sum())} of {len(split.summary)} customers (e.g. {_examples(split.summary.index, absent)}). "
            "Pass the transactions the split was built from."
        )
    first = occasions.groupby("customer_id")["day"].transform("min")
    repeat_days = occasions.loc[occasions["day"] > first, "day"]
    start = occasions["day"].min()
    day = pd.Timedelta(days=1)
    end_offset = float((split.observation_end - start) / day)
    n_periods = int(math.ceil((end_offset + 1) / unit - 1e-9))
    # A purchase on day d (days after start) is at time d; period j covers the days up to j * unit - 1.
    offsets = np.minimum(np.floor(np.arange(1, n_periods + 1) * unit) - 1, end_offset)
    ends = pd.DatetimeIndex(start + pd.to_timedelta(offsets, unit="D"), name="period_end")
    elapsed = np.sort(((repeat_days - start) / day).to_numpy(dtype="float64"))
    actual = np.searchsorted(elapsed, offsets, side="right")
    # Cohorts in date order, so the sums below add up in the same order on every machine.
    cohorts = first_days.value_counts().sort_index(kind="stable")
    cohort_offsets = ((cohorts.index - start) / day).to_numpy(dtype="float64")
    out = pd.DataFrame({"actual": actual.astype("float64")}, index=ends)
    elapsed_units = np.clip(offsets[None, :] - cohort_offsets[:, None], 0, None) / unit
    for name, model in models.items():
        expected = model.expected_cumulative_purchases(elapsed_units.ravel()).reshape(elapsed_units.shape)
        out[name] = (expected * cohorts.to_numpy()[:, None]).sum(axis=0)
    out.attrs["calibration_end"] = str(split.calibration_end.date())
    out.attrs["time_unit"] = split.time_unit
    return out


# --------------------------------------------------------------------------
# Simulation (for parameter recovery)
# --------------------------------------------------------------------------


def simulate_bgnbd(
    n_customers: int,
    *,
    r: float,
    alpha: float,
    a: float,
    b: float,
    T: float | np.ndarray,
    seed: int,
    time_unit: str | None = None,
) -> pd.DataFrame:
    """Simulate BTYD summaries from the BG/NBD model (vectorized).

    Each customer draws a purchase rate ``lambda ~ Gamma(r, rate alpha)`` and
    a drop-out probability ``p ~ Beta(a, b)``. She makes ``K ~ Geometric(p)``
    repeat purchases at most (she drops out right after the K-th), at the
    arrival times of a Poisson process with rate ``lambda``. With ``N`` the
    Poisson count in (0, T], the frequency is ``x = min(N, K)`` and the
    recency is the x-th of N uniform arrival times, drawn directly as
    ``T * Beta(x, N - x + 1)``.

    Parameters
    ----------
    n_customers : int
    r, alpha, a, b : float
        BG/NBD parameters per time unit.
    T : float or array
        Each customer's age (time units since the first purchase), >= 0;
        one value for all or one per customer.
    seed : int
    time_unit : {"D", "W", "M", "Q"}, optional
        The unit the parameters are per; recorded in
        ``attrs["time_unit"]`` so that models check it (None: unknown).

    Returns
    -------
    DataFrame
        ``frequency``, ``recency``, ``T`` with a ``customer_id`` index;
        ``attrs["definition"]`` is ``"btyd"``.
    """
    n_customers = int(_number(n_customers, "n_customers", low=1, whole=True, example="1000"))
    for name, value in {"r": r, "alpha": alpha, "a": a, "b": b}.items():
        _number(value, name, low=0, low_open=True, example="0.243 (a BG/NBD parameter)")
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed={seed!r}: expected a whole number such as 0, found a {type(seed).__name__}.")
    if time_unit is not None:
        _unit_days(time_unit)
    if isinstance(T, (str, bytes, bool, np.bool_)):
        raise TypeError(f"T={T!r}: expected an age >= 0 in time units (a number or an array), found a {type(T).__name__}.")
    try:
        T = np.broadcast_to(np.asarray(T, dtype="float64"), (n_customers,)).copy()
    except (TypeError, ValueError):
        raise ValueError(
            f"T: expected one age >= 0 or one per customer ({n_customers}), found {type(T).__name__} of shape "
            f"{np.shape(T)}."
        ) from None
    if not (np.isfinite(T).all() and (T >= 0).all()):
        bad = int((~(np.isfinite(T) & (T >= 0))).sum())
        raise ValueError(f"T: expected finite ages >= 0, found {bad} of {n_customers} missing, infinite or negative.")
    rng = np.random.default_rng(seed)
    lam = rng.gamma(shape=r, scale=1.0 / alpha, size=n_customers)
    p = rng.beta(a, b, size=n_customers)
    k = rng.geometric(np.clip(p, 1e-12, 1.0))
    n = rng.poisson(lam * T)
    x = np.minimum(n, k)
    recency = np.zeros(n_customers)
    has = x > 0
    recency[has] = T[has] * rng.beta(x[has], n[has] - x[has] + 1)
    index = pd.Index([f"S{i:06d}" for i in range(n_customers)], name="customer_id")
    out = pd.DataFrame({"frequency": x.astype("float64"), "recency": recency, "T": T}, index=index)
    out.attrs["definition"] = "btyd"
    if time_unit is not None:
        out.attrs["time_unit"] = time_unit
    return out


