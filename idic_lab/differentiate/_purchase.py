"""Purchase models (BG/NBD, Pareto/NBD): fitting, degenerate-fit detection and the checks that a fitted model is usable."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from idic_lab.diagnostics import warn
from idic_lab.formatting import equals as _equals
from idic_lab.formatting import plain as _plain_value
from idic_lab.differentiate._common import (
    ModelFitError,
    _examples,
    _frame,
    _lifetimes,
    _number,
    _plain_parameters,
    _quiet,
    _unit_days,
)
from idic_lab.differentiate._kernels import (
    bgnbd_conditional_expected,
    bgnbd_p_alive,
    bgnbd_unconditional,
    fit_bgnbd,
    sorted_patterns,
)
from idic_lab.differentiate._summary import _check_same_unit, _check_summary, _summary_fix, _summary_unit, _unit_text


# --------------------------------------------------------------------------
# BTYD models: BG/NBD in numpy (checked against lifetimes), Pareto/NBD through lifetimes
# --------------------------------------------------------------------------


def _patterns(data: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Unique rows of ``columns`` with their count in ``weights``, sorted by the columns.

    Hash based (no ``groupby``); the rows and their order are those of
    ``data.groupby(columns, sort=True).size()``.
    """
    values, weights = sorted_patterns([data[c].to_numpy() for c in columns])
    out = pd.DataFrame(dict(zip(columns, values)))
    out["weights"] = weights.astype("int64")
    return out


_FIT_ADVICE = (
    "Try a small penalizer (e.g. penalizer=0.001), a coarser time unit (weeks or months instead of days), "
    "a longer calibration period, or check that the data hold enough repeat buyers."
)

# A fitted parameter outside this range ran to the edge of what the optimiser
# (which works on log parameters) can represent: the likelihood is flat there
# and the value means "0" or "infinity", not an estimate.
_EDGE = (1e-6, 1e6)
# Dropout this close to 0 means the model sees no customer leave: P(alive) ~ 1.
_NO_DROPOUT = 1e-3
# Gamma-Gamma: fewer repeat buyers than this give unstable estimates; a
# frequency-spend correlation beyond this breaks its independence assumption
# (Fader & Hardie 2013 report 0.11 on CDNOW).
_GG_MIN_REPEAT_BUYERS = 30
_GG_MAX_CORRELATION = 0.3


def _check_fit_options(penalizer: Any, max_iter: Any) -> None:
    _number(penalizer, "penalizer", low=0, example="0.001")
    if max_iter is not None:
        _number(max_iter, "max_iter", low=1, whole=True, example="1000")


def _edge_parameters(params: pd.Series) -> list[str]:
    low, high = _EDGE
    return [f"{name} {_equals(value)}" for name, value in params.items() if not low <= value <= high]


class _BTYDModel:
    """Shared code of the BG/NBD and Pareto/NBD models."""

    _fitter_name = ""
    _param_names: tuple[str, ...] = ()
    name = ""

    def __init__(self, *, penalizer: float = 0.0, max_iter: int | None = None, time_unit: str | None = None) -> None:
        self.penalizer = penalizer
        self.max_iter = max_iter
        self.time_unit = time_unit

    # -- fitting ---------------------------------------------------------
    def fit(self, summary: pd.DataFrame) -> _BTYDModel:
        """Fit on a BTYD summary (unique (frequency, recency, T) rows with weights).

        Parameters
        ----------
        summary : DataFrame
            ``frequency``, ``recency``, ``T`` per customer (from
            :func:`rfm_summary` or :attr:`CalibrationHoldout.summary`).

        Returns
        -------
        self
            With ``params_`` (Series), ``time_unit_`` (the unit of the
            summary, or of the ``time_unit`` parameter; None if neither says),
            ``n_customers_``, ``n_patterns_``, ``log_likelihood_`` (total),
            ``degenerate_`` (why the fit is unusable, or ``""``) and
            ``fitter_`` (the lifetimes object; for BG/NBD, which is fitted in
            numpy, one carrying its parameters, built on first use).

        Raises
        ------
        ModelFitError
            No repeat buyers, fewer distinct customer patterns than
            parameters, or an optimizer that does not converge (with advice
            what to try).
        ValueError
            A summary that is not a BTYD summary, or whose time unit differs
            from the ``time_unit`` parameter.

        Warns
        -----
        IdicLabWarning
            The fit converged but is degenerate: a parameter ran to the edge
            of its range or the model sees no dropout, so its P(alive) and
            CLV are unusable on this data.
        """
        _check_fit_options(self.penalizer, self.max_iter)
        data = _check_summary(summary)
        unit = self._fit_unit(summary)
        if (data["frequency"] > 0).sum() == 0:
            raise ModelFitError(
                f"{self.name}: expected some repeat buyers to learn from, found 0 of {len(data)} customers with "
                f"frequency > 0. {_FIT_ADVICE}"
            )
        patterns = _patterns(data, ["frequency", "recency", "T"])
        if len(patterns) < len(self._param_names):
            raise ModelFitError(
                f"{self.name}: expected at least {len(self._param_names)} different (frequency, recency, T) patterns "
                f"to estimate its {len(self._param_names)} parameters, found {len(patterns)} among {len(data)} "
                "customers. Fit it on more customers (all customers, or a longer observation window)."
            )
        try:
            with _quiet():
                params, fitter = self._fit_patterns(patterns)
        except ModelFitError:
            raise
        except Exception as exc:  # lifetimes' ConvergenceError, BFGS without success and numerical failures
            raise ModelFitError(
                f"{self.name} did not converge on {len(data):,} customers: the optimiser found no stable fit. {_FIT_ADVICE}"
            ) from None
        params = params.astype("float64")
        if not (np.isfinite(params.to_numpy()).all() and (params.to_numpy() > 0).all()):
            raise ModelFitError(f"{self.name} did not converge: parameters {_plain_parameters(params)}. {_FIT_ADVICE}")
        self._set_fitter(fitter)
        self.params_ = params.rename(self.name)
        self.time_unit_ = unit
        self.n_customers_ = len(data)
        self.n_patterns_ = len(patterns)
        self.log_likelihood_ = self._total_log_likelihood(patterns)
        self.degenerate_ = self._degenerate(data)
        if self.degenerate_:
            warn(
                f"{self.name} fitted on {len(data):,} customers, but {self.degenerate_}. The model is unusable for "
                f"P(alive) and CLV on this data. Try the other purchase model, a small penalizer "
                "(e.g. penalizer=0.001), a coarser time unit or a longer observation window."
            )
        return self

    def _fit_unit(self, summary: pd.DataFrame) -> str | None:
        """The unit of the fit: the summary's, or the ``time_unit`` parameter's (they must agree)."""
        found = _summary_unit(summary)
        if self.time_unit is None:
            return found
        _unit_days(self.time_unit)
        if found is not None and found != self.time_unit:
            raise ValueError(
                f"time_unit={self.time_unit!r}: expected the summary to be in {_unit_text(self.time_unit)}, found "
                f"a summary in {_unit_text(found)} (summary.attrs['time_unit']). Build the summary with "
                f"rfm_summary(..., time_unit={self.time_unit!r}), or leave time_unit out to fit in the summary's unit."
            )
        return self.time_unit

    def _degenerate(self, data: pd.DataFrame) -> str:
        """Why the fitted parameters cannot be used ("" if they can)."""
        reasons = []
        edge = _edge_parameters(self.params_)
        if edge:
            reasons.append(f"{', '.join(edge)} ran to the edge of the optimiser's range (meaning 0 or infinity)")
        dropout = self._no_dropout(data)
        if dropout:
            reasons.append(f"{dropout}: it sees (almost) no customer leave, so P(alive) is about 1 for everyone")
        return "; ".join(reasons)

    def _no_dropout(self, data: pd.DataFrame) -> str:
        raise NotImplementedError

    def _fit_patterns(self, patterns: pd.DataFrame) -> tuple[pd.Series, Any]:
        """Parameters fitted on the weighted patterns, and the lifetimes fitter (None when fitted here)."""
        fitter = getattr(_lifetimes(), self._fitter_name)(penalizer_coef=float(self.penalizer))
        self._run_fit(fitter, patterns)
        return fitter.params_, fitter

    def _set_fitter(self, fitter: Any) -> None:
        self.fitter_ = fitter

    def _run_fit(self, fitter: Any, patterns: pd.DataFrame) -> None:
        raise NotImplementedError

    def _total_log_likelihood(self, patterns: pd.DataFrame) -> float:
        raise NotImplementedError

    def _fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise ValueError(f"{type(self).__name__} is not fitted yet: call .fit(summary) first.")

    def _unit_label(self) -> str:
        return "an unknown unit" if self.time_unit_ is None else _unit_text(self.time_unit_)

    def _checked(self, summary: pd.DataFrame) -> pd.DataFrame:
        """The summary's numbers, after checking that it is in the unit of the fit."""
        self._fitted()
        data = _check_summary(summary)
        if self.time_unit_ is not None:
            _check_same_unit(summary, self.time_unit_, f"the {self.name} model (fitted in {self._unit_label()})",
                             _summary_fix(self.time_unit_))
        return data

    def _finite(self, values: Any, index: pd.Index, name: str) -> pd.Series:
        out = pd.Series(np.asarray(values, dtype="float64"), index=index, name=name)
        bad = ~np.isfinite(out.to_numpy())
        if bad.any():
            raise ModelFitError(
                f"{self.name}: {name} is not finite for {int(bad.sum())} of {len(out)} customers (e.g. "
                f"{_examples(index, bad)}): the parameters ({_plain_parameters(self.params_)}) overflow the model's "
                f"formulas for them. Refit with a small penalizer (e.g. penalizer=0.001) or a coarser time unit."
            )
        return out

    # -- predictions -------------------------------------------------------
    def expected_purchases(self, summary: pd.DataFrame, horizon: float) -> pd.Series:
        """Expected number of purchases in the next ``horizon`` time units, per customer.

        This is an *expected count* (it can exceed 1), not a probability.
        The summary must be in the unit the model was fitted in (refused
        otherwise); ``horizon`` must be > 0, in that unit.
        """
        data = self._checked(summary)
        horizon = _number(horizon, "horizon", low=0, low_open=True, example="52 (time units of the model)")
        values = self._expected(horizon, data["frequency"].to_numpy(), data["recency"].to_numpy(), data["T"].to_numpy())
        return self._finite(values, summary.index, "expected_purchases")

    def _expected(self, horizon: float, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
        with _quiet():
            return self.fitter_.conditional_expected_number_of_purchases_up_to_time(horizon, x, tx, T)

    def _alive(self, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
        with _quiet():
            return self.fitter_.conditional_probability_alive(x, tx, T)

    def _cumulative(self, t: np.ndarray) -> np.ndarray:
        with _quiet():
            return self.fitter_.expected_number_of_purchases_up_to_time(t)

    def p_alive(self, summary: pd.DataFrame) -> pd.Series:
        """Probability that each customer is still active at the end of the summary's period.

        The summary must be in the unit the model was fitted in (refused
        otherwise).
        """
        data = self._checked(summary)
        values = self._alive(data["frequency"].to_numpy(), data["recency"].to_numpy(), data["T"].to_numpy())
        return self._finite(values, summary.index, "p_alive")

    def expected_cumulative_purchases(self, t: np.ndarray | float) -> np.ndarray:
        """Unconditional expected repeat purchases of a new customer by time ``t`` (>= 0, in the model's unit)."""
        self._fitted()
        try:
            t = np.atleast_1d(np.asarray(t, dtype="float64"))
        except (TypeError, ValueError):
            raise TypeError(f"t: expected times >= 0 in the model's unit, found {type(t).__name__}.") from None
        bad = ~np.isfinite(t) | (t < 0)
        if bad.any():
            raise ValueError(f"t: expected finite times >= 0 in the model's unit, found {int(bad.sum())} of {t.size} not.")
        out = np.zeros_like(t)
        positive = t > 0
        if positive.any():
            out[positive] = np.asarray(self._cumulative(t[positive]), dtype="float64")
        return self._finite(out, pd.RangeIndex(out.size), "expected_cumulative_purchases").to_numpy()

    def params_table(self) -> pd.DataFrame:
        """Parameters with their meaning (for a notebook)."""
        self._fitted()
        return pd.DataFrame({"value": self.params_, "meaning": [self._meanings[p] for p in self.params_.index]})

    _meanings: Mapping[str, str] = {}


class BGNBDModel(_BTYDModel):
    """The BG/NBD model of Fader, Hardie & Lee (2005), "Counting your customers the easy way".

    While active, a customer buys at a Poisson rate ``lambda`` (gamma
    distributed over customers, shape ``r``, rate ``alpha``); after each
    purchase she becomes inactive with probability ``p`` (beta distributed,
    ``a``, ``b``). Parameters are per time unit of the summary.

    Parameters
    ----------
    penalizer : float
        L2 penalty on the parameters (lifetimes' ``penalizer_coef``); 0 for
        the published maximum-likelihood fit.
    max_iter : int, optional
        Maximum optimizer iterations (default: the optimizer's own).
    time_unit : str, optional
        The unit of the summaries; taken from the summary when not given.
        Recorded in ``time_unit_`` and checked by every prediction.
    """

    _fitter_name = "BetaGeoFitter"
    _param_names = ("r", "alpha", "a", "b")
    name = "BG/NBD"
    _meanings = {
        "r": "shape of the purchase-rate distribution",
        "alpha": "scale of the purchase-rate distribution (rate: mean rate is r/alpha per time unit)",
        "a": "beta shape a of the drop-out probability after each purchase",
        "b": "beta shape b (mean drop-out probability a/(a+b))",
    }

    _lifetimes_fitter: Any = None

    def _fit_patterns(self, patterns: pd.DataFrame) -> tuple[pd.Series, Any]:
        # lifetimes' objective, start and tolerance (see _kernels), with an analytic gradient instead of autograd.
        params, self._mean_nll = fit_bgnbd(
            patterns["frequency"].to_numpy(dtype="float64"), patterns["recency"].to_numpy(dtype="float64"),
            patterns["T"].to_numpy(dtype="float64"), patterns["weights"].to_numpy(dtype="float64"),
            float(self.penalizer), self.max_iter,
        )
        return pd.Series(params, index=list(self._param_names)), None

    def _set_fitter(self, fitter: Any) -> None:
        self._lifetimes_fitter = None  # built again from the new parameters when asked for

    @property
    def fitter_(self) -> Any:
        """A lifetimes ``BetaGeoFitter`` carrying ``params_``, built on first use (for code written for lifetimes).

        The model itself fits and predicts without lifetimes; the tests check
        that both give the same numbers.
        """
        if not hasattr(self, "params_"):
            raise AttributeError("fitter_: the BG/NBD model is not fitted yet; call .fit(summary) first.")
        if self._lifetimes_fitter is None:
            fitter = _lifetimes().BetaGeoFitter(penalizer_coef=float(self.penalizer))
            fitter.params_ = pd.Series(self.params_.to_numpy(dtype="float64"), index=list(self._param_names))
            fitter.predict = fitter.conditional_expected_number_of_purchases_up_to_time
            fitter._negative_log_likelihood_ = self._mean_nll
            self._lifetimes_fitter = fitter
        return self._lifetimes_fitter

    @fitter_.setter
    def fitter_(self, fitter: Any) -> None:
        self._lifetimes_fitter = fitter

    def _total_log_likelihood(self, patterns: pd.DataFrame) -> float:
        # the weighted mean negative log-likelihood per customer (as lifetimes reports it), times the customers.
        return float(-self._mean_nll * patterns["weights"].sum())

    def _values(self) -> np.ndarray:
        return self.params_[list(self._param_names)].to_numpy(dtype="float64")

    def _expected(self, horizon: float, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
        return bgnbd_conditional_expected(self._values(), horizon, x, tx, T)

    def _alive(self, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
        return bgnbd_p_alive(self._values(), x, tx, T)

    def _cumulative(self, t: np.ndarray) -> np.ndarray:
        return bgnbd_unconditional(self._values(), t)

    def _no_dropout(self, data: pd.DataFrame) -> str:
        a, b = float(self.params_["a"]), float(self.params_["b"])
        mean_p = a / (a + b)
        return f"the mean dropout probability after a purchase, a/(a+b) {_equals(mean_p)}, is about 0" if mean_p < _NO_DROPOUT else ""


class ParetoNBDModel(_BTYDModel):
    """The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987) as fitted by Fader, Hardie & Lee (2005).

    While active, a customer buys at a Poisson rate (gamma: ``r``,
    ``alpha``); her unobserved lifetime is exponential with a gamma
    distributed dropout rate (``s``, ``beta``). Parameters are per time unit.

    Parameters
    ----------
    penalizer, max_iter, time_unit
        As in :class:`BGNBDModel`. The optimizer (Nelder-Mead) starts from
        fixed values (all 1), so fits are deterministic.
    """

    _fitter_name = "ParetoNBDFitter"
    _param_names = ("r", "alpha", "s", "beta")
    name = "Pareto/NBD"
    _meanings = {
        "r": "shape of the purchase-rate distribution",
        "alpha": "scale of the purchase-rate distribution (mean rate r/alpha per time unit)",
        "s": "shape of the dropout-rate distribution",
        "beta": "scale of the dropout-rate distribution (mean dropout rate s/beta per time unit)",
    }

    def _run_fit(self, fitter: Any, patterns: pd.DataFrame) -> None:
        maxiter = 2000 if self.max_iter is None else int(self.max_iter)
        fitter.fit(
            patterns["frequency"], patterns["recency"], patterns["T"], weights=patterns["weights"],
            initial_params=np.ones(4), tol=1e-8, maxiter=maxiter,
        )
        self._check_converged(fitter, patterns)

    def _no_dropout(self, data: pd.DataFrame) -> str:
        rate = float(self.params_["s"] / self.params_["beta"])
        per_customer = rate * float(data["T"].mean())
        if per_customer >= _NO_DROPOUT:
            return ""
        return (
            f"the mean dropout rate s/beta {_equals(rate)} per time unit gives {_plain_value(per_customer)} expected dropouts per "
            "customer over the observed period, about 0"
        )

    def _scaled(self, fitter: Any, patterns: pd.DataFrame) -> tuple[np.ndarray, tuple[Any, ...]]:
        scale = fitter._scale
        params = fitter.params_.to_numpy(dtype="float64").copy()
        params[1] *= scale
        params[3] *= scale
        args = (
            patterns["frequency"].to_numpy(), patterns["recency"].to_numpy() * scale,
            patterns["T"].to_numpy() * scale, patterns["weights"].to_numpy(), self.penalizer,
        )
        return params, args

    def _check_converged(self, fitter: Any, patterns: pd.DataFrame) -> None:
        # Nelder-Mead in lifetimes reports no success flag: check that the
        # gradient of the mean log-likelihood (in log parameters) is ~ 0.
        params, args = self._scaled(fitter, patterns)
        if not (np.isfinite(params).all() and (params > 0).all()):
            raise ModelFitError(f"{self.name} did not converge: parameters left the positive range. {_FIT_ADVICE}")
        n = float(patterns["weights"].sum())
        nll = fitter._negative_log_likelihood
        factor = float(np.mean(args[3])) / n  # lifetimes divides by the mean weight; per customer instead
        h = 1e-5
        gradient = np.empty(4)
        for i in range(4):
            up, down = np.log(params), np.log(params)
            up[i] += h
            down[i] -= h
            gradient[i] = (nll(np.exp(up), *args) - nll(np.exp(down), *args)) * factor / (2 * h)
        if not np.isfinite(gradient).all():
            raise ModelFitError(
                f"{self.name} did not converge: the likelihood cannot be evaluated near the last parameters "
                f"(s = {_plain_value(params[2])}, beta = {_plain_value(params[3] / fitter._scale)}; very large values mean the data "
                f"show no dropout-rate heterogeneity). {_FIT_ADVICE}"
            )
        if np.abs(gradient).max() > 1e-3:
            raise ModelFitError(
                f"{self.name} did not converge within {self.max_iter or 2000} iterations (the likelihood is still "
                f"changing, largest gradient {_plain_value(np.abs(gradient).max())} per customer). {_FIT_ADVICE}"
            )

    def _total_log_likelihood(self, patterns: pd.DataFrame) -> float:
        params, args = self._scaled(self.fitter_, patterns)
        return float(-self.fitter_._negative_log_likelihood(params, *args) * np.mean(args[3]))


PURCHASE_MODELS: Mapping[str, type[_BTYDModel]] = {"BG/NBD": BGNBDModel, "Pareto/NBD": ParetoNBDModel}
"""The purchase models by display name."""


def fit_purchase_models(
    summary: pd.DataFrame,
    *,
    names: Sequence[str] = ("BG/NBD", "Pareto/NBD"),
    penalizer: float = 0.0,
    require_one: bool = True,
) -> tuple[dict[str, _BTYDModel], pd.DataFrame]:
    """Fit several purchase models; a model that fails is reported, not fatal.

    Parameters
    ----------
    summary : DataFrame
        BTYD summary (e.g. :attr:`CalibrationHoldout.summary`).
    names : sequence of str
        Keys of :data:`PURCHASE_MODELS`, each once.
    penalizer : float
        Passed to every model.
    require_one : bool
        If True (default), raise when no model could be fitted; if False,
        return an empty dict and let the status table say why (a report that
        goes on and states the failure).

    Returns
    -------
    (dict, DataFrame)
        The fitted models by name, and a status table (``model``,
        ``status``, ``message``) listing each model in the order of
        ``names``: ``"fitted"``, ``"fitted, unusable"`` (degenerate
        parameters; the model is returned and its warning repeated) or
        ``"not converged"`` (with the advice of its :class:`ModelFitError`).

    Raises
    ------
    ModelFitError
        If no model could be fitted and ``require_one`` is True.
    """
    if not isinstance(require_one, bool):
        raise TypeError(f"require_one: expected True or False, found {require_one!r}.")
    if isinstance(names, str) or not isinstance(names, Sequence) or not names:
        raise TypeError(
            f"names: expected a non-empty list of model names among {list(PURCHASE_MODELS)}, found {names!r}; "
            "write e.g. names=['BG/NBD']."
        )
    for name in names:
        if not isinstance(name, str) or name not in PURCHASE_MODELS:
            raise ValueError(f"names: expected models among {list(PURCHASE_MODELS)}, found {name!r}.")
    if len(set(names)) < len(names):
        raise ValueError(f"names: expected each model once, found {list(names)}.")
    _check_fit_options(penalizer, None)
    _check_summary(summary)
    fitted: dict[str, _BTYDModel] = {}
    rows = []
    for name in names:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                model = PURCHASE_MODELS[name](penalizer=penalizer).fit(summary)
        except ModelFitError as exc:
            rows.append({"model": name, "status": "not converged", "message": str(exc)})
            continue
        for w in caught:  # repeat them here, so they point at the caller
            warnings.warn(w.message, w.category, stacklevel=2)
        fitted[name] = model
        status = "fitted, unusable" if model.degenerate_ else "fitted"
        rows.append({"model": name, "status": status, "message": model.degenerate_})
    status = pd.DataFrame(rows, columns=["model", "status", "message"])
    if not fitted and require_one:
        raise ModelFitError(" | ".join(status["message"]))
    return fitted, status


# --------------------------------------------------------------------------
# Does a fitted purchase model admit what the data show?
# --------------------------------------------------------------------------

# P(alive) against recency: a repeat customer (2+ repeat occasions) is "long
# silent" when the time since her last purchase exceeds SILENCE_FACTOR times
# her own mean time between purchases (recency / frequency). If nobody ever
# left (Poisson purchasing, which is memoryless), a customer with x repeat
# occasions would be that silent with probability at most (1 + factor/x)^-x
# (the observation window only lowers it): about 16 % for x = 2, 5 % for
# large x. When at least twice that many (and at least 10) are long silent,
# the data show dropout, and a model whose mean P(alive) over them is still
# P_ALIVE_LIMIT or more contradicts recency. On CDNOW the published fits give
# them a mean P(alive) of about 0.2; a model that sees no dropout gives ~1.
SILENCE_FACTOR = 3.0
P_ALIVE_LIMIT = 0.8
_MIN_SILENT = 10


@dataclass(frozen=True)
class PurchaseModelCheck:
    """What :func:`check_purchase_model` found about one purchase model.

    Attributes
    ----------
    model : str
        The model's name (``"BG/NBD"``, ``"Pareto/NBD"``).
    problems : tuple of str
        Plain sentences, each saying what is wrong and what to do; empty when
        the model passes.
    fitted : bool
        False when the fit did not converge.
    mean_p_alive : float or None
        Mean P(alive) over all customers of the summary (None if not fitted).
    silent_customers : int
        Repeat customers (2+ repeat purchases) silent for more than
        ``SILENCE_FACTOR`` times their own mean time between purchases.
    silent_expected_without_dropout : float
        How many of them would be that silent at most if no customer ever left.
    silent_mean_p_alive : float or None
        The model's mean P(alive) over the long-silent customers.
    """

    model: str
    problems: tuple[str, ...]
    fitted: bool
    mean_p_alive: float | None = None
    silent_customers: int = 0
    silent_expected_without_dropout: float = 0.0
    silent_mean_p_alive: float | None = None

    @property
    def usable(self) -> bool:
        """True when the model converged and no problem was found: its P(alive) and CLV may be shown."""
        return self.fitted and not self.problems


def long_silent_customers(summary: pd.DataFrame, *, factor: float = SILENCE_FACTOR) -> tuple[pd.Series, float]:
    """Repeat customers silent far longer than their own rhythm, and how many that would be without dropout.

    Parameters
    ----------
    summary : DataFrame
        BTYD summary (``frequency``, ``recency``, ``T``).
    factor : float
        A customer with 2+ repeat occasions is long silent when ``T - recency``
        exceeds ``factor`` x ``recency / frequency`` (her mean time between
        purchases).

    Returns
    -------
    (Series of bool, float)
        The long-silent flag per customer, and the most customers that would
        be so silent if nobody ever left: the sum over the customers with
        x >= 2 of (1 + factor/x)^-x (Poisson purchasing is memoryless).
    """
    data = _check_summary(summary)
    factor = _number(factor, "factor", low=0, low_open=True, example="3")
    x, recency, age = data["frequency"], data["recency"], data["T"]
    repeat = x >= 2
    gap = recency / x.where(repeat)
    silent = (repeat & ((age - recency) > factor * gap)).rename("long_silent")
    expected = float(((1 + factor / x[repeat]) ** (-x[repeat])).sum())
    return silent, expected


def _plain_name(model: Any, name: str | None) -> str:
    if name is not None:
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"name: expected the model's name as text, e.g. 'BG/NBD', found {name!r}.")
        return name
    return getattr(model, "name", "") or "The purchase model"


def check_purchase_model(
    model: Any,
    summary: pd.DataFrame,
    *,
    name: str | None = None,
    silence_factor: float = SILENCE_FACTOR,
    p_alive_limit: float = P_ALIVE_LIMIT,
) -> PurchaseModelCheck:
    """Check a purchase model before its P(alive), at-risk counts or CLV are shown to anyone.

    Three failures are detected, each stated in plain words with what to do:

    * **non-convergence**: ``model`` is the :class:`ModelFitError` its fit
      raised (or the message of a ``"not converged"`` row of
      :func:`fit_purchase_models`' status table);
    * **parameters at a bound**: a parameter ran to the edge of the
      optimiser's range (0 or infinity), or the dropout is about 0
      (Pareto/NBD: s/beta x the mean customer age; BG/NBD: a/(a+b)) — the
      "fitted, unusable" cases of :func:`fit_purchase_models`;
    * **P(alive) that contradicts recency**: the data show dropout (at least
      twice as many, and at least 10, long-silent repeat customers as there
      would be if nobody left; see :func:`long_silent_customers`), yet the
      model's mean P(alive) over those customers is ``p_alive_limit`` or
      more.

    Parameters
    ----------
    model : BGNBDModel, ParetoNBDModel, ModelFitError or str
        A fitted purchase model, or the error / message of a fit that failed.
    summary : DataFrame
        The BTYD summary the model was fitted on (or is applied to), in its unit.
    name : str, optional
        The model's name in the sentences (default: the model's own).
    silence_factor : float
        See :func:`long_silent_customers`.
    p_alive_limit : float
        Mean P(alive) of the long-silent customers from which the model is
        taken to ignore them (between 0 and 1).

    Returns
    -------
    PurchaseModelCheck
        ``.problems`` (sentences), ``.usable`` and the figures behind them.
        Nothing is warned: show the problems on the page and record them.
    """
    p_alive_limit = _number(p_alive_limit, "p_alive_limit", low=0, low_open=True, example="0.8")
    if p_alive_limit > 1:
        raise ValueError(f"p_alive_limit: expected a probability between 0 and 1, found {p_alive_limit!r}.")
    label = _plain_name(model, name)
    if isinstance(model, (ModelFitError, str)):
        _check_summary(summary)
        reason = _short_reason(str(model))
        said = reason if reason.startswith(f"{label} did not converge") else (
            f"{label} did not converge on this data{f' ({reason})' if reason else ''}")
        return PurchaseModelCheck(label, (
            f"{said}, so it gives no P(alive) or CLV here. What to do: rely on a model that passes its checks; to make this one usable, try a coarser "
            "time unit, a longer history or a small penalizer (e.g. penalizer=0.001).",
        ), fitted=False)
    if not isinstance(model, _BTYDModel):
        raise TypeError(f"model: expected a fitted BGNBDModel or ParetoNBDModel, or the ModelFitError of its fit, "
                        f"found {type(model).__name__}.")
    data = model._checked(summary)
    problems = []
    edge = _edge_parameters(model.params_)
    if edge:
        problems.append(
            f"{label}: the fitted parameter(s) {', '.join(edge)} ran to the edge of their range (they mean 0 or "
            "infinity, not an estimate), so the fit is degenerate and its P(alive) and CLV are not usable. What to "
            "do: use a model that passes its checks, or refit with a coarser time unit or a longer history."
        )
    dropout = model._no_dropout(data)
    if dropout:
        problems.append(
            f"{label} sees no customer leave ({dropout}): it says every customer is still active, so its P(alive), "
            "at-risk counts and CLV are not usable. What to do: use a model that passes its checks; if none does, "
            "treat CLV as unreliable and use recency (RFM) to find customers at risk."
        )
    p_alive = model.p_alive(summary)
    silent, expected = long_silent_customers(summary, factor=silence_factor)
    n_silent = int(silent.sum())
    silent_mean = float(p_alive[silent.to_numpy()].mean()) if n_silent else None
    if n_silent >= max(_MIN_SILENT, 2 * expected) and silent_mean is not None and silent_mean >= p_alive_limit:
        problems.append(
            f"{label}'s P(alive) contradicts recency: {n_silent:,} repeat customers have not bought for more than "
            f"{silence_factor:g} times their own usual time between purchases (if nobody left, at most about "
            f"{expected:,.0f} would be), yet the model gives them a mean P(alive) of {silent_mean:.2f}. Its at-risk "
            "counts and CLV would overstate how many customers are still active. What to do: use a model that "
            "passes its checks; if none does, treat CLV as unreliable and use recency (RFM) to find customers at risk."
        )
    return PurchaseModelCheck(label, tuple(problems), fitted=True, mean_p_alive=float(p_alive.mean()),
                              silent_customers=n_silent, silent_expected_without_dropout=expected,
                              silent_mean_p_alive=silent_mean)


def check_purchase_models(
    models: Mapping[str, Any], fit_status: pd.DataFrame, summary: pd.DataFrame, **options: Any
) -> dict[str, PurchaseModelCheck]:
    """:func:`check_purchase_model` for every model of :func:`fit_purchase_models`, failed fits included.

    Parameters
    ----------
    models, fit_status
        The two results of :func:`fit_purchase_models`.
    summary : DataFrame
        The summary the models were fitted on.
    **options
        ``silence_factor``, ``p_alive_limit`` of :func:`check_purchase_model`.

    Returns
    -------
    dict
        ``{name: PurchaseModelCheck}`` in the order of the status table.
    """
    if not isinstance(models, Mapping):
        raise TypeError(f"models: expected the dict of fit_purchase_models, found {type(models).__name__}.")
    fit_status = _frame(fit_status, "fit_status", "the status table of fit_purchase_models")
    missing = [c for c in ("model", "status", "message") if c not in fit_status.columns]
    if missing:
        raise ValueError(f"fit_status: expected the columns model, status, message of fit_purchase_models' status "
                         f"table, found {list(fit_status.columns)}.")
    out = {}
    for row in fit_status.itertuples(index=False):
        if row.model in models:
            out[row.model] = check_purchase_model(models[row.model], summary, name=row.model, **options)
        else:
            out[row.model] = check_purchase_model(ModelFitError(row.message), summary, name=row.model)
    return out


def _short_reason(message: str) -> str:
    """The first sentence of a fit error (its advice is repeated in the check's own sentence)."""
    text = str(message).split(". Try ")[0].strip()
    return text.rstrip(".")


