"""Spend and value: the Gamma-Gamma spend model, customer lifetime value, the value table, tiers, pyramid and value groups."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from idic_lab.diagnostics import warn
from idic_lab.formatting import plain as _plain_value
from idic_lab.differentiate._common import (
    ModelFitError,
    _UNIT_NAMES,
    _as_date,
    _check_customer_map,
    _check_series,
    _choice,
    _examples,
    _frame,
    _lifetimes,
    _number,
    _numeric,
    _plain_parameters,
    _require_value_columns,
    _unit_days,
    collect_doubts,
)
from idic_lab.differentiate._purchase import (
    PURCHASE_MODELS,
    _BTYDModel,
    _GG_MAX_CORRELATION,
    _GG_MIN_REPEAT_BUYERS,
    _check_fit_options,
    _edge_parameters,
    BGNBDModel,
)
from idic_lab.differentiate._kernels import (
    bgnbd_alive_denominator,
    bgnbd_discounted_purchases,
    fit_gamma_gamma,
    unique_rows,
)
from idic_lab.differentiate._summary import (
    _check_same_unit,
    _check_summary,
    _check_transactions,
    _summary_fix,
    rfm_summary,
)


class GammaGammaModel:
    """The Gamma-Gamma model of spend per purchase (Fader & Hardie 2013; Colombo & Jiang 1999).

    A customer's purchase values are gamma distributed (shape ``p``) around
    her own mean; the customers' rate parameters are gamma distributed
    (``q``, ``v``). The model assumes spend is independent of purchase
    frequency: :meth:`fit` reports the frequency-monetary correlation and
    warns when it is far from 0. Spend per purchase has no time unit, so the
    model takes summaries in any unit.

    Parameters
    ----------
    penalizer : float
        L2 penalty (lifetimes' ``penalizer_coef``).
    max_iter : int, optional
        Maximum optimizer iterations.
    """

    name = "Gamma-Gamma"
    _meanings = {
        "p": "shape of each customer's spend distribution",
        "q": "shape of the distribution of customers' spend rates",
        "v": "scale of the distribution of customers' spend rates (population mean spend p*v/(q-1))",
    }

    def __init__(self, *, penalizer: float = 0.0, max_iter: int | None = None) -> None:
        self.penalizer = penalizer
        self.max_iter = max_iter

    def fit(self, summary: pd.DataFrame) -> GammaGammaModel:
        """Fit on the repeat buyers of a BTYD summary.

        Customers with ``frequency == 0`` have no repeat purchase value and are
        left out (counted in ``n_dropped_``).

        Returns
        -------
        self
            With ``params_``, ``n_customers_`` (repeat buyers used),
            ``n_dropped_`` (non-repeat buyers left out), ``correlation_``
            (Pearson correlation of frequency and monetary value among repeat
            buyers; near 0 supports the model; NaN when every repeat buyer
            has the same frequency, where it is undefined) and ``fitter_`` (a
            lifetimes ``GammaGammaFitter`` with these parameters, built on
            first use: the fit itself runs in numpy, checked against lifetimes).

        Raises
        ------
        ValueError
            Fewer than 3 repeat buyers, repeat buyers with monetary value
            <= 0, or a summary that is not a BTYD summary.
        ModelFitError
            Spend that does not vary, an optimizer that does not converge,
            or a fit without a finite population mean spend (q <= 1).

        Warns
        -----
        IdicLabWarning
            Fewer than 30 repeat buyers, a frequency-spend correlation
            beyond +-0.3, or parameters at the edge of their range.
        """
        _check_fit_options(self.penalizer, self.max_iter)
        data = _check_summary(summary, monetary=True)
        repeat = data[(data["frequency"] > 0).to_numpy()]
        n_dropped = len(data) - len(repeat)
        bad = repeat["monetary_value"] <= 0
        if bad.any():
            raise ValueError(
                f"Gamma-Gamma: expected monetary_value > 0 for repeat buyers (spend per purchase), found "
                f"{int(bad.sum())} of {len(repeat)} rows <= 0 (e.g. customers {_examples(repeat.index, bad)}). "
                "Gamma-Gamma needs positive spend: drop free or zero-value purchases, or leave those customers out."
            )
        if len(repeat) < 3:
            raise ValueError(
                f"Gamma-Gamma: expected at least 3 repeat buyers (frequency > 0) to estimate its 3 parameters, found "
                f"{len(repeat)} among {len(data)} customers. Use the mean spend per purchase instead, or more data "
                "(a longer observation window)."
            )
        if repeat["monetary_value"].min() == repeat["monetary_value"].max():
            spend = float(repeat["monetary_value"].iloc[0])
            raise ModelFitError(
                f"Gamma-Gamma: expected spend per purchase that varies between repeat buyers, found the same "
                f"monetary_value ({_plain_value(spend)}) for all {len(repeat):,} of them: there is no spread to model. Use "
                f"{_plain_value(spend)} as every customer's expected spend."
            )
        correlation = (
            float(np.corrcoef(repeat["frequency"].to_numpy(), repeat["monetary_value"].to_numpy())[0, 1])
            if repeat["frequency"].min() < repeat["frequency"].max() else float("nan")
        )
        try:
            # lifetimes' objective, start and tolerance, with an analytic gradient (see _kernels). One row per
            # repeat buyer: mean spends are nearly all distinct, so patterns with weights would not shrink them.
            values, self._mean_nll = fit_gamma_gamma(
                repeat["frequency"].to_numpy(dtype="float64"), repeat["monetary_value"].to_numpy(dtype="float64"),
                np.ones(len(repeat)), float(self.penalizer), self.max_iter,
            )
        except Exception as exc:
            few = (
                f" With fewer than {_GG_MIN_REPEAT_BUYERS} repeat buyers the spend distribution can rarely be "
                "estimated: use the mean spend per purchase instead."
                if len(repeat) < _GG_MIN_REPEAT_BUYERS else ""
            )
            raise ModelFitError(
                f"Gamma-Gamma did not converge on {len(repeat):,} repeat buyers: the optimiser found no stable fit. "
                f"Try a small penalizer (e.g. penalizer=0.001) or check for extreme spend values.{few}"
            ) from None
        params = pd.Series(values, index=["p", "q", "v"], dtype="float64")
        if not (np.isfinite(params.to_numpy()).all() and (params.to_numpy() > 0).all()):
            raise ModelFitError(
                f"Gamma-Gamma did not converge: parameters {_plain_parameters(params)}. Try a small penalizer "
                "(e.g. penalizer=0.001) or check for extreme spend values."
            )
        if params["q"] <= 1:
            raise ModelFitError(
                f"Gamma-Gamma fitted q = {_plain_value(params['q'])} <= 1 on {len(repeat):,} repeat buyers: the population mean "
                "spend p*v/(q-1) is not finite, so the expected spend of customers without repeat purchases is "
                "meaningless. Try a small penalizer (e.g. penalizer=0.001) or check for extreme spend values."
            )
        self._lifetimes_fitter = None
        self.params_ = params.rename(self.name)
        self.n_customers_ = len(repeat)
        self.n_dropped_ = n_dropped
        self.correlation_ = correlation
        self._warn_if_doubtful()
        return self

    _lifetimes_fitter: Any = None

    @property
    def fitter_(self) -> Any:
        """A lifetimes ``GammaGammaFitter`` carrying ``params_``, built on first use (for code written for lifetimes)."""
        if not hasattr(self, "params_"):
            raise AttributeError("fitter_: the Gamma-Gamma model is not fitted yet; call .fit(summary) first.")
        if self._lifetimes_fitter is None:
            fitter = _lifetimes().GammaGammaFitter(penalizer_coef=float(self.penalizer))
            fitter.params_ = pd.Series(self.params_.to_numpy(dtype="float64"), index=["p", "q", "v"])
            fitter._negative_log_likelihood_ = self._mean_nll
            self._lifetimes_fitter = fitter
        return self._lifetimes_fitter

    @fitter_.setter
    def fitter_(self, fitter: Any) -> None:
        self._lifetimes_fitter = fitter

    def _warn_if_doubtful(self) -> None:
        n = self.n_customers_
        if n < _GG_MIN_REPEAT_BUYERS:
            warn(
                f"Gamma-Gamma fitted on only {n} repeat buyers (fewer than {_GG_MIN_REPEAT_BUYERS}): its 3 parameters "
                "and the expected spend per customer are unstable. Read them with care, or use the mean spend per "
                "purchase."
            )
        if abs(self.correlation_) > _GG_MAX_CORRELATION:  # False for NaN
            warn(
                f"Gamma-Gamma assumes spend per purchase does not depend on purchase frequency, but among the {n} "
                f"repeat buyers their correlation is {self.correlation_:.2f} (beyond +-{_GG_MAX_CORRELATION}): "
                "expected spend, and the CLV built on it, are biased. Use the customers' own mean spend, or model "
                "spend by frequency group."
            )
        edge = _edge_parameters(self.params_)
        if edge:
            warn(
                f"Gamma-Gamma fitted on {n} repeat buyers, but {', '.join(edge)} ran to the edge of the optimiser's "
                "range (meaning 0 or infinity): the expected spend is unusable for CLV on this data. Try a small "
                "penalizer (e.g. penalizer=0.001) or check for extreme spend values."
            )

    def _fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise ValueError("GammaGammaModel is not fitted yet: call .fit(summary) first.")

    def expected_spend(self, summary: pd.DataFrame) -> pd.Series:
        """Expected value of a future purchase per customer (population mean for non-repeat buyers)."""
        self._fitted()
        data = _check_summary(summary, monetary=True)
        p, q, v = (float(self.params_[k]) for k in ("p", "q", "v"))
        x, m = data["frequency"].to_numpy(), data["monetary_value"].to_numpy()
        # Fader & Hardie (2013), eq. 5: a weighted mean of the population mean and the customer's own mean.
        values = (p * v + p * x * m) / (p * x + q - 1)
        return pd.Series(values, index=summary.index, name="expected_spend")

    @property
    def population_mean_spend(self) -> float:
        """Mean spend per purchase across customers, p*v/(q-1)."""
        self._fitted()
        p, q, v = (float(self.params_[k]) for k in ("p", "q", "v"))
        return p * v / (q - 1)

    def params_table(self) -> pd.DataFrame:
        """Parameters with their meaning (for a notebook)."""
        self._fitted()
        return pd.DataFrame({"value": self.params_, "meaning": [self._meanings[p] for p in self.params_.index]})


# --------------------------------------------------------------------------
# CLV and the customer value table
# --------------------------------------------------------------------------


def fit_spend_checked(summary: pd.DataFrame) -> tuple[GammaGammaModel | None, list[str]]:
    """Fit the Gamma-Gamma spend model; its failure or doubts come back as problem sentences, not errors or warnings.

    Returns
    -------
    (GammaGammaModel or None, list of str)
        The fitted model (None if it could not be fitted) and the problems,
        each with what to do; without a spend model CLV cannot be computed.
    """
    try:
        with collect_doubts() as doubts:
            model = GammaGammaModel().fit(summary)
    except ValueError as exc:  # ModelFitError, or too few repeat buyers for its parameters
        return None, [f"{exc} Without a spend model, customer lifetime value (CLV) cannot be computed here; use "
                      "current value and recency (RFM) instead."]
    return model, list(doubts)


def _per_unit_discount(annual_discount_rate: Any, time_unit: str, period: float = 1.0) -> float:
    """The discount rate of one period of ``period`` time units, from the annual rate (a year of 365.25 days)."""
    rate = _number(annual_discount_rate, "annual_discount_rate", low=0, example="0.10 for 10 % a year")
    return (1 + rate) ** (period * _unit_days(time_unit) / 365.25) - 1


def _check_horizon(horizon: Any) -> int:
    return int(_number(horizon, "horizon", low=1, whole=True, example="52 (weeks)"))


def _check_models(model: Any, spend_model: Any) -> None:
    if not isinstance(model, _BTYDModel):
        raise TypeError(
            f"model: expected a fitted BGNBDModel or ParetoNBDModel, found {type(model).__name__}. Fit one with "
            "BGNBDModel().fit(summary)."
        )
    model._fitted()
    if not isinstance(spend_model, GammaGammaModel):
        raise TypeError(
            f"spend_model: expected a fitted GammaGammaModel, found {type(spend_model).__name__}. Fit one with "
            "GammaGammaModel().fit(summary)."
        )
    spend_model._fitted()


def _check_clv_unit(model: _BTYDModel, summary: pd.DataFrame, time_unit: Any) -> str:
    """``time_unit`` if the model and the summary are in it (unknown units are accepted)."""
    _unit_days(time_unit)
    if model.time_unit_ is not None and model.time_unit_ != time_unit:
        raise ValueError(
            f"time_unit={time_unit!r}, but the {model.name} model was fitted in {model.time_unit_!r} "
            f"({_UNIT_NAMES[model.time_unit_]}): expected the same unit, since its parameters are rates per time "
            f"unit. Pass time_unit={model.time_unit_!r} (and a horizon in {_UNIT_NAMES[model.time_unit_]}), or "
            f"refit the model on rfm_summary(..., time_unit={time_unit!r})."
        )
    _check_same_unit(summary, time_unit, f"the CLV (time_unit={time_unit!r})", _summary_fix(time_unit))
    return time_unit


def customer_lifetime_value(
    model: _BTYDModel,
    spend_model: GammaGammaModel,
    summary: pd.DataFrame,
    *,
    horizon: int,
    annual_discount_rate: float,
    time_unit: str,
    period: float = 1,
) -> pd.Series:
    """Discounted expected value of each customer's purchases over the next ``horizon`` periods.

    CLV = expected spend per purchase x sum over periods k = 1..horizon of
    (expected purchases in period k) / (1 + d)^k, where a period is
    ``period`` time units long and d is the annual discount rate converted
    to one period, d = (1 + annual)^(period x unit / 365.25) - 1.

    ``lifetimes``' ``customer_lifetime_value(..., time=12, discount_rate=m,
    freq="D")`` (12 steps of 30 days, a monthly rate ``m``) is
    ``horizon=12, period=30, time_unit="D"`` with ``annual_discount_rate =
    (1 + m) ** (365.25 / 30) - 1``; the tests check that both agree.

    For the BG/NBD model the sum is computed on the distinct (frequency, T)
    pairs of the summary (the expected purchases of Fader, Hardie & Lee
    2005, eq. 10, depend on recency only through P(alive)), and with many
    periods by an interpolation whose cost does not grow with the number
    of periods (see ``_kernels.bgnbd_discounted_purchases``): a daily
    horizon of a year costs about what twelve monthly periods cost.

    Parameters
    ----------
    model : BGNBDModel or ParetoNBDModel
        A fitted purchase model (its parameters are per ``time_unit``).
    spend_model : GammaGammaModel
        A fitted spend model.
    summary : DataFrame
        BTYD summary at the start of the horizon (with ``monetary_value``).
    horizon : int
        Number of periods ahead (>= 1), e.g. 52 weeks.
    annual_discount_rate : float
        E.g. 0.10 for 10 % a year (>= 0).
    time_unit : {"D", "W", "M", "Q"}
        Must be the unit the model was fitted in and the unit of the summary
        (``summary.attrs["time_unit"]``); a mix is refused. A model or
        summary of unknown unit is taken to be in this unit.
    period : float
        Length of one period in time units (> 0); 1 (the default) makes
        every time unit a period, 30 with days gives lifetimes' months.

    Returns
    -------
    Series
        ``clv`` per customer, in the currency of ``amount``.
    """
    _check_models(model, spend_model)
    horizon = _check_horizon(horizon)
    period = _number(period, "period", low=0, low_open=True, example="30 (days per month)")
    d = _per_unit_discount(annual_discount_rate, _check_clv_unit(model, summary, time_unit), period)
    spend = spend_model.expected_spend(summary).to_numpy()
    if isinstance(model, BGNBDModel):
        discounted = _bgnbd_discounted(model, summary, horizon, period, d)
    else:
        previous = np.zeros(len(summary))
        discounted = np.zeros(len(summary))
        for k in range(1, horizon + 1):  # a loop over periods; every step is vectorized over customers
            cumulative = model.expected_purchases(summary, k * period).to_numpy()
            discounted += (cumulative - previous) / (1 + d) ** k
            previous = cumulative
    return pd.Series(discounted * spend, index=summary.index, name="clv")


def _bgnbd_discounted(model: BGNBDModel, summary: pd.DataFrame, horizon: int, period: float, d: float) -> np.ndarray:
    """Discounted expected purchases per customer over ``horizon`` periods (BG/NBD, no loop over customers)."""
    data = model._checked(summary)
    x, tx, T = (data[c].to_numpy() for c in ("frequency", "recency", "T"))
    (pair_x, pair_T), _, pair = unique_rows([x, T])
    params = model.params_[list(model._param_names)].to_numpy(dtype="float64")
    per_pair = bgnbd_discounted_purchases(params, pair_x, pair_T, period=period, horizon=horizon, discount=d)
    values = per_pair[pair] / bgnbd_alive_denominator(params, x, tx, T)
    return model._finite(values, summary.index, "discounted expected purchases").to_numpy()


def _past_value(transactions: pd.DataFrame, summary: pd.DataFrame) -> tuple[pd.Series, int]:
    """Spend per summary customer up to the summary's observation end, and the rows after it left out."""
    frame = _check_transactions(transactions)
    end = summary.attrs.get("observation_end")
    later = np.zeros(len(frame), dtype=bool)
    if end is not None:
        later = (frame["date"] >= _as_date(end, "summary.attrs['observation_end']") + pd.Timedelta(days=1)).to_numpy()
    current = frame.loc[~later].groupby("customer_id", sort=True)["amount"].sum()
    absent = ~summary.index.astype("str").isin(current.index)
    if absent.any():
        raise ValueError(
            f"transactions: expected a purchase of every customer of the summary, found none for "
            f"{int(absent.sum())} of {len(summary)} customers (e.g. {_examples(summary.index, absent)})"
            f"{f' up to the observation end {end}' if end is not None else ''}. Pass the transactions the summary "
            "was built from."
        )
    return current.reindex(summary.index.astype("str")).to_numpy(), int(later.sum())


def _given_past_value(transactions: Any, past_value: Any, summary: pd.DataFrame) -> np.ndarray:
    """Checked past value per summary customer (one of transactions and past_value is given)."""
    if transactions is not None:
        raise ValueError("past_value: expected transactions=None when past_value is given (one source of past spend).")
    if not isinstance(past_value, pd.Series):
        raise TypeError(f"past_value: expected a Series of spend per customer_id, found {type(past_value).__name__}.")
    values = past_value.reindex(summary.index)
    if values.isna().any() or not np.isfinite(values.to_numpy(dtype="float64", na_value=np.nan)).all():
        bad = values.isna() | ~np.isfinite(values.to_numpy(dtype="float64", na_value=np.nan))
        raise ValueError(
            f"past_value: expected a finite spend for every customer of the summary, found {int(bad.sum())} of "
            f"{len(summary)} missing or not finite (e.g. {_examples(summary.index, bad.to_numpy())})."
        )
    return values.to_numpy(dtype="float64")


def customer_value_table(
    transactions: pd.DataFrame,
    model: _BTYDModel,
    spend_model: GammaGammaModel,
    summary: pd.DataFrame,
    *,
    horizon: int,
    annual_discount_rate: float,
    time_unit: str,
    past_value: pd.Series | None = None,
) -> pd.DataFrame:
    """Past, actual, lifetime and potential value per customer, in Peppers & Rogers' terms.

    The vocabulary used throughout the lab (tables, plots and notebooks):

    * **past value** (``past_value``): what the customer has spent so far,
      up to the observation end (historical, already earned);
    * **actual value** (``future_value``): Peppers & Rogers' *actual* (or
      current) value, the discounted value the customer is expected to bring
      over the horizon if we keep treating her as now (the CLV of the purchase
      and spend models);
    * **lifetime value** (``lifetime_value``): past value + actual value;
    * **potential value** (``potential_value``): the *unrealised* part of the
      strategic value, what the customer could bring *on top of* her actual
      value with another strategy. Measured here as one part of it, the extra
      future value if she were certainly still active (what retention could
      win): future_value x (1 - p_alive) / p_alive. It is already the gap
      "strategic minus actual"; strategic value = actual + potential.

    Parameters
    ----------
    transactions : DataFrame
        The purchases the summary was built from. Purchases after the
        summary's observation end (``summary.attrs["observation_end"]``) are
        left out of the past value and counted in
        ``attrs["rows_after_observation_end"]``.
    model, spend_model, summary, horizon, annual_discount_rate, time_unit
        As in :func:`customer_lifetime_value` (the units must agree).
    past_value : Series, optional
        Spend per customer up to the observation end, indexed like
        ``summary``, instead of ``transactions`` (pass ``None`` there): what
        :meth:`idic_lab.warehouse.WarehouseSummary.past_value` computes in
        DuckDB or Spark when the lines do not fit in pandas.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id``, in the order of the summary:
        ``past_value``, ``expected_purchases`` (over the horizon; a count,
        not a probability), ``p_alive``, ``expected_spend`` (per purchase),
        ``future_value`` (actual value), ``lifetime_value`` and
        ``potential_value`` as above.

    Raises
    ------
    ValueError
        Bad parameters, units that differ, or a summary customer without any
        purchase in ``transactions``.
    """
    _check_models(model, spend_model)
    horizon = _check_horizon(horizon)
    _per_unit_discount(annual_discount_rate, _check_clv_unit(model, summary, time_unit))
    if past_value is None:
        past, n_later = _past_value(transactions, summary)
    else:
        past, n_later = _given_past_value(transactions, past_value, summary), 0
    out = pd.DataFrame(index=summary.index)
    out["past_value"] = past
    out["expected_purchases"] = model.expected_purchases(summary, horizon)
    out["p_alive"] = model.p_alive(summary)
    out["expected_spend"] = spend_model.expected_spend(summary)
    out["future_value"] = customer_lifetime_value(
        model, spend_model, summary, horizon=horizon, annual_discount_rate=annual_discount_rate, time_unit=time_unit
    )
    out["lifetime_value"] = out["past_value"] + out["future_value"]
    p = out["p_alive"].clip(lower=1e-9)
    out["potential_value"] = out["future_value"] * (1 - p) / p
    out.attrs.update({"time_unit": time_unit, "horizon": horizon, "rows_after_observation_end": n_later})
    return out


def value_table(
    transactions: pd.DataFrame,
    *,
    observation_end: str | pd.Timestamp,
    horizon: int,
    annual_discount_rate: float,
    time_unit: str = "W",
    customer_map: pd.Series | None = None,
    purchase_model: str = "BG/NBD",
) -> pd.DataFrame:
    """Fit a purchase model (BG/NBD by default) and Gamma-Gamma on all purchases; return :func:`customer_value_table`.

    The short way to customer value when the fit itself is not the point
    (e.g. to cross value with needs segments).

    Parameters
    ----------
    transactions : DataFrame
        Canonical purchases; never modified.
    observation_end, time_unit
        As in :func:`rfm_summary`.
    horizon, annual_discount_rate
        As in :func:`customer_lifetime_value`.
    customer_map : Series, optional
        Record id -> customer key (e.g. Identify's crosswalk or the synthetic
        world's ``truth.identity``): value per person, not per record.
        Records not in the map keep their own id.
    purchase_model : {"BG/NBD", "Pareto/NBD"}
        The purchase model, e.g. the one :func:`choose_clv_model` chose.

    Returns
    -------
    DataFrame
        As :func:`customer_value_table`.
    """
    purchase_model = _choice(purchase_model, "purchase_model", tuple(PURCHASE_MODELS))
    _check_horizon(horizon)
    _per_unit_discount(annual_discount_rate, time_unit)
    mapping = _check_customer_map(customer_map)
    if mapping is not None:
        _frame(transactions, "transactions", "canonical transactions from idic_lab.schema.clean")
        if "customer_id" in transactions.columns and not pd.api.types.is_float_dtype(transactions["customer_id"]):
            ids = transactions["customer_id"].astype("str")
            transactions = transactions.assign(customer_id=ids.map(mapping).fillna(ids).to_numpy())
    summary = rfm_summary(transactions, observation_end=observation_end, time_unit=time_unit)
    return customer_value_table(
        transactions, PURCHASE_MODELS[purchase_model]().fit(summary), GammaGammaModel().fit(summary), summary,
        horizon=horizon, annual_discount_rate=annual_discount_rate, time_unit=time_unit,
    )


PYRAMID_TIERS: tuple[tuple[str, float], ...] = (
    ("Platinum", 0.05),
    ("Gold", 0.20),
    ("Iron", 0.50),
    ("Lead", 1.00),
)
"""Value tiers (Zeithaml, Rust & Lemon 2001) and the cumulative share of customers each reaches."""


def _check_tiers(tiers: Any) -> tuple[list[str], np.ndarray]:
    """Names and cumulative shares of value tiers (increasing, ending at 1)."""
    example = "e.g. [('Platinum', 0.05), ('Gold', 0.2), ('Iron', 0.5), ('Lead', 1.0)]"
    try:
        pairs = [(name, float(share)) for name, share in tiers]
    except (TypeError, ValueError):
        raise TypeError(f"tiers: expected a sequence of (name, cumulative share) pairs, {example}; found {tiers!r}.") from None
    names = [str(name) for name, _ in pairs]
    shares = np.array([share for _, share in pairs])
    if (not pairs or not np.isfinite(shares).all() or shares[0] <= 0 or abs(shares[-1] - 1) > 1e-12
            or (np.diff(shares) <= 0).any()):
        raise ValueError(f"tiers: expected increasing cumulative shares in (0, 1] ending at 1, {example}; found {shares.tolist()}.")
    if len(set(names)) < len(names):
        raise ValueError(f"tiers: expected different tier names, found {names}.")
    return names, shares


def value_tiers(values: pd.Series, tiers: Sequence[tuple[str, float]] = PYRAMID_TIERS) -> pd.Series:
    """Assign each customer to a tier by rank of ``values`` (highest first).

    Customers are ranked by value, ties broken by customer id (the index,
    ascending), so the tiers have their exact sizes and the same customers
    on every machine. When every customer has the same value the tiers rank
    by id alone: a warning says so.

    Parameters
    ----------
    values : Series
        One finite value per customer, indexed by customer id (negative
        values are ranked like any other).
    tiers : sequence of (name, cumulative share)
        From the top; the last share must be 1.

    Returns
    -------
    Series
        Ordered categorical of tier names, in the order of ``values``.
    """
    names, shares = _check_tiers(tiers)
    numbers = _check_series(values, "values", "e.g. value_table['future_value']")
    if numbers.nunique() == 1:
        warn(
            f"value_tiers: all {len(numbers):,} customers have the same value ({_plain_value(numbers.iloc[0])}): the tiers cannot "
            "rank them and follow the customer ids only. Rank by a value that differs between customers."
        )
    order = pd.DataFrame({"value": numbers.to_numpy(), "id": values.index.astype("str")})
    order = order.sort_values(["value", "id"], ascending=[False, True], kind="stable")
    rank = np.empty(len(order))
    rank[order.index.to_numpy()] = np.arange(1, len(order) + 1) / len(order)
    codes = np.searchsorted(shares, rank - 1e-12)
    return pd.Series(pd.Categorical.from_codes(codes, categories=names, ordered=True), index=values.index, name="tier")


_PYRAMID_COLUMNS = ("past_value", "future_value", "potential_value", "p_alive")


def value_pyramid(
    value_table: pd.DataFrame,
    *,
    rank_by: str = "future_value",
    tiers: Sequence[tuple[str, float]] = PYRAMID_TIERS,
) -> pd.DataFrame:
    """The customer value pyramid: actual versus potential value per tier.

    Parameters
    ----------
    value_table : DataFrame
        From :func:`customer_value_table`.
    rank_by : str
        Numeric column that orders customers into tiers (default the
        predicted future value, Peppers & Rogers' actual value); ties are
        broken by customer id.
    tiers : sequence of (name, cumulative share)

    Returns
    -------
    DataFrame
        Per tier with customers, from the top: ``customers``,
        ``share_of_customers``, ``past_value``, ``future_value`` (actual
        value), ``potential_value`` (potential value: what another strategy
        could add), their shares, and
        ``mean_p_alive``. Tiers too small to hold a customer are left out
        with a warning; a value column that sums to 0 gets shares of 0 and a
        warning.
    """
    _require_value_columns(value_table, _PYRAMID_COLUMNS, "from customer_value_table")
    numeric = [c for c in value_table.columns if _numeric(value_table[c])]
    if not isinstance(rank_by, str) or rank_by not in numeric:
        raise ValueError(f"rank_by={rank_by!r}: expected a numeric column of the value table, one of {numeric}.")
    for column in dict.fromkeys([*_PYRAMID_COLUMNS, rank_by]):
        _check_series(value_table[column], f"value_table['{column}']", "from customer_value_table")
    negative = [c for c in _PYRAMID_COLUMNS[:3] if (value_table[c] < 0).any()]
    if negative:
        bad = value_table[negative[0]] < 0
        raise ValueError(
            f"value_table: expected values >= 0 in {', '.join(negative)}, found {int(bad.sum())} of "
            f"{len(value_table)} rows negative in {negative[0]} (e.g. customers {_examples(value_table.index, bad)}). "
            "Build the table with customer_value_table from cleaned transactions."
        )
    tier = value_tiers(value_table[rank_by], tiers)
    grouped = value_table.assign(tier=tier).groupby("tier", observed=True, sort=True)
    table = grouped.agg(
        customers=("future_value", "size"),
        past_value=("past_value", "sum"),
        future_value=("future_value", "sum"),
        potential_value=("potential_value", "sum"),
        mean_p_alive=("p_alive", "mean"),
    )
    empty = [name for name in tier.cat.categories if name not in table.index]
    if empty:
        warn(
            f"value_pyramid: with {len(value_table)} customers the tier(s) {empty} hold no customer and are left out "
            "of the pyramid. Use more customers or wider tiers."
        )
    table.insert(1, "share_of_customers", table["customers"] / table["customers"].sum())
    for column in ("past_value", "future_value", "potential_value"):
        total = float(table[column].sum())
        if total > 0:
            table[f"share_of_{column}"] = table[column] / total
        else:
            warn(f"value_pyramid: {column} is 0 for all {len(value_table)} customers: its shares are set to 0.")
            table[f"share_of_{column}"] = 0.0
    return table


VALUE_GROUPS: Mapping[str, str] = {
    "most valuable": "MVC: the highest actual value; retain them (recognise, protect, keep service high)",
    "most growable": "MGC: the largest potential value (what another strategy could add); grow them",
    "migrator": "between the groups: some value and some upside; serve well at standard cost",
    "below zero": "BZ: cost more to serve than their actual plus potential value; serve cheaply or let go",
}
"""Peppers & Rogers' value groups of customers, in the order of :func:`value_groups`."""


@dataclass
class ValueGroups:
    """Result of :func:`value_groups`.

    Attributes
    ----------
    labels : Series
        The group of each customer (ordered categorical, categories in the
        order of :data:`VALUE_GROUPS`), indexed like the value table.
    counts : DataFrame
        Per group: ``customers``, ``share_of_customers``, ``future_value``
        (actual value, sum), ``share_of_future_value``, ``potential_value``
        (sum), ``share_of_potential_value``; one row per group of
        :data:`VALUE_GROUPS` (0 customers included), except "below zero"
        when no cost to serve was given.
    cost_known : bool
        Whether a cost to serve was given (below-zero customers assessed).
    note : str
        One sentence on what the groups mean here, e.g. that below-zero
        customers need cost data.
    """

    labels: pd.Series
    counts: pd.DataFrame
    cost_known: bool
    note: str


def _check_value_columns(value_table: Any) -> None:
    """A value table with actual (``future_value``) and ``potential_value`` columns, or a clear error."""
    _require_value_columns(value_table, ("future_value", "potential_value"), "from customer_value_table or value_table")


def value_groups(
    value_table: pd.DataFrame,
    *,
    top_share: float = 0.2,
    growable_share: float = 0.2,
    cost_to_serve: float | pd.Series | None = None,
) -> ValueGroups:
    """Most valuable, most growable, migrator and below-zero customers (Peppers & Rogers).

    * **Most valuable customers** (MVC): the ``top_share`` of customers with
      the highest actual value (``future_value``, net of the cost to serve
      when given); ties broken by customer id.
    * **Most growable customers** (MGC): of the others, the
      ``growable_share`` of all customers with the largest potential value
      (``potential_value``, which is already the gap between strategic and
      actual value).
    * **Below-zero customers** (BZ): customers whose actual plus potential
      value does not cover the cost to serve them over the same horizon
      (``future_value + potential_value - cost_to_serve < 0``). Without
      cost data nobody can be called below zero: with ``cost_to_serve=None``
      the group is left out and :attr:`ValueGroups.note` says so.
    * **Migrators**: everybody else.

    Parameters
    ----------
    value_table : DataFrame
        From :func:`customer_value_table` (``future_value``,
        ``potential_value``), indexed by customer.
    top_share, growable_share : float
        Shares of all customers in (0, 1); together at most 1.
    cost_to_serve : float, Series or None
        Cost of serving a customer over the horizon of the value table, in
        the currency of the values (one number for everybody, or a Series per
        customer id covering every customer). None: no cost data.

    Returns
    -------
    ValueGroups
        Labels per customer and counts per group.
    """
    _check_value_columns(value_table)
    actual = _check_series(value_table["future_value"], "value_table['future_value']", "from customer_value_table")
    potential = _check_series(value_table["potential_value"], "value_table['potential_value']",
                              "from customer_value_table")
    top_share = _number(top_share, "top_share", low=0, low_open=True, example="0.2")
    growable_share = _number(growable_share, "growable_share", low=0, example="0.2")
    if top_share >= 1 or top_share + growable_share > 1:
        raise ValueError(
            f"top_share={top_share:g}, growable_share={growable_share:g}: expected shares of customers with "
            "top_share below 1 and top_share + growable_share at most 1, e.g. 0.2 and 0.2."
        )
    if cost_to_serve is None:
        cost = pd.Series(0.0, index=value_table.index)
    elif isinstance(cost_to_serve, pd.Series):
        cost = _check_series(cost_to_serve, "cost_to_serve", "cost per customer over the horizon")
        absent = ~value_table.index.isin(cost.index)
        if absent.any():
            raise ValueError(
                f"cost_to_serve: expected a cost for every customer of the value table, found none for "
                f"{int(absent.sum())} of {len(value_table)} (e.g. {_examples(value_table.index, absent)})."
            )
        cost = cost.reindex(value_table.index)
    else:
        cost = pd.Series(_number(cost_to_serve, "cost_to_serve", low=0, example="5.0 per customer over the horizon"),
                         index=value_table.index)
    n = len(value_table)
    ids = value_table.index.astype("str")
    net = actual - cost

    def ranked(values: pd.Series) -> np.ndarray:
        order = pd.DataFrame({"value": values.to_numpy(), "id": ids}).sort_values(
            ["value", "id"], ascending=[False, True], kind="stable")
        return order.index.to_numpy()

    labels = np.full(n, "migrator", dtype=object)
    if cost_to_serve is not None:
        labels[(net + potential).to_numpy() < 0] = "below zero"
    n_top = int(round(top_share * n))
    top = ranked(net)[:n_top]
    labels[top] = "most valuable"
    n_grow = int(round(growable_share * n))
    others = [i for i in ranked(potential) if labels[i] != "most valuable"]
    labels[others[:n_grow]] = "most growable"
    names = list(VALUE_GROUPS)
    series = pd.Series(pd.Categorical(labels, categories=names, ordered=True), index=value_table.index,
                       name="value_group")
    frame = pd.DataFrame({"future_value": actual.to_numpy(), "potential_value": potential.to_numpy(),
                          "group": labels})
    shown = names if cost_to_serve is not None else [name for name in names if name != "below zero"]
    counts = frame.groupby("group", sort=False).agg(
        customers=("future_value", "size"), future_value=("future_value", "sum"),
        potential_value=("potential_value", "sum"))
    counts.index = counts.index.astype("str")
    counts = counts.reindex(shown, fill_value=0)
    counts["customers"] = counts["customers"].astype("int64")
    counts.index.name = "value_group"
    counts.insert(1, "share_of_customers", counts["customers"] / n)
    for column in ("future_value", "potential_value"):
        total = float(frame[column].sum())
        counts.insert(counts.columns.get_loc(column) + 1, f"share_of_{column}",
                      counts[column] / total if total else 0.0)
    if cost_to_serve is None:
        note = ("Below-zero customers need cost data: without a cost to serve per customer nobody can be shown to "
                "cost more than they bring, so the group is not assessed (pass cost_to_serve).")
    else:
        note = (f"Below zero: actual plus potential value below the cost to serve "
                f"({_plain_value(float(cost.mean()))} per customer on average over the horizon).")
    return ValueGroups(labels=series, counts=counts, cost_known=cost_to_serve is not None, note=note)


