"""Exercises of notebook 02 (Differentiate): Pareto, expected purchases, P(alive), holdout errors."""

from __future__ import annotations

from functools import cache

from idic_lab import differentiate as dif
from idic_lab.datasets import load_dataset
from idic_lab.exercises import Exercise, numeric, one_of, register

NOTEBOOK = "02_differentiate.ipynb"
CALIBRATION_END = "1997-09-30"
OBSERVATION_END = "1998-06-30"
_MODEL_CHOICES = ["BG/NBD", "Pareto/NBD", "naive"]


@cache
def _split() -> dif.CalibrationHoldout:
    return dif.calibration_holdout_split(
        load_dataset("cdnow_sample"), calibration_end=CALIBRATION_END, observation_end=OBSERVATION_END, time_unit="W"
    )


@cache
def _bgnbd() -> dif.BGNBDModel:
    return dif.BGNBDModel().fit(_split().summary)


@cache
def _top20_share() -> float:
    summary = dif.rfm_summary(load_dataset("cdnow_sample"), observation_end=OBSERVATION_END, definition="rfm")
    return dif.top_share(summary["total_value"], 0.2)


def _expected_1516() -> float:
    summary = _split().summary
    return float(_bgnbd().expected_purchases(summary.loc[["1516"]], 39).iloc[0])


def _share_likely_inactive() -> float:
    return float((_bgnbd().p_alive(_split().summary) < 0.5).mean())


@cache
def _best_model() -> str:
    split = _split()
    models = {"BG/NBD": _bgnbd(), "Pareto/NBD": dif.ParetoNBDModel().fit(split.summary)}
    return str(dif.holdout_validation(split, models)["mae"].idxmin())


register(
    Exercise(
        id="02.1",
        notebook=NOTEBOOK,
        question=(
            "In the CDNOW sample (all purchases up to 1998-06-30), what share of the total spend comes "
            "from the top 20 % of customers? Answer as a fraction between 0 and 1."
        ),
        solution=_top20_share,
        compare=numeric(rel_tol=0.005),
        hint=(
            "Build rfm_summary(..., definition='rfm') and pass its total_value column to top_share. "
            "Rank customers by their whole spend, not by the mean value of a purchase."
        ),
    )
)
register(
    Exercise(
        id="02.2",
        notebook=NOTEBOOK,
        question=(
            "Fit BG/NBD on the 39-week calibration period (weeks). How many purchases does it expect "
            "customer '1516' to make in the 39 weeks after the calibration end?"
        ),
        solution=_expected_1516,
        compare=numeric(rel_tol=0.01),
        hint=(
            "Use model.expected_purchases(split.summary.loc[['1516']], 39). The answer is a number of "
            "purchases, not a probability: it can be far above 1."
        ),
    )
)
register(
    Exercise(
        id="02.3",
        notebook=NOTEBOOK,
        question=(
            "With the same BG/NBD fit, what share of the 2,357 customers is more likely inactive than active "
            "at the calibration end (P(alive) < 0.5)? Answer as a fraction between 0 and 1."
        ),
        solution=_share_likely_inactive,
        compare=numeric(rel_tol=0.01),
        hint=(
            "model.p_alive(split.summary) gives one probability per customer; take the mean of (p < 0.5). "
            "In BG/NBD a customer without repeat purchases is counted as alive."
        ),
    )
)
register(
    Exercise(
        id="02.4",
        notebook=NOTEBOOK,
        question=(
            "Which prediction of the holdout purchases has the lowest per-customer mean absolute error on the "
            "CDNOW sample: 'BG/NBD', 'Pareto/NBD' or 'naive'?"
        ),
        solution=_best_model,
        compare=one_of(_MODEL_CHOICES),
        hint="Look at the mae column of holdout_validation(split, models); lower is better.",
    )
)
