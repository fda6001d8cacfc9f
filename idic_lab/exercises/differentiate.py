"""Exercises of notebook 02 (Differentiate): concentration, expected purchases, P(alive), value x needs."""

from __future__ import annotations

from functools import cache

import pandas as pd

from idic_lab import differentiate as dif
from idic_lab.datasets import load_dataset
from idic_lab.exercises import Exercise, Mistake, numeric, register, written

NOTEBOOK = "02_differentiate.ipynb"
CALIBRATION_END = "1997-09-30"
OBSERVATION_END = "1998-06-30"
HOLDOUT_WEEKS = 39
CUSTOMER = "1516"
# The notebook's defaults for the needs half.
SYNTHETIC_CUSTOMERS, SEED, HORIZON, DISCOUNT = 5000, 0, 52, 0.10


@cache
def _split() -> dif.CalibrationHoldout:
    return dif.calibration_holdout_split(
        load_dataset("cdnow_sample"), calibration_end=CALIBRATION_END, observation_end=OBSERVATION_END, time_unit="W"
    )


@cache
def _bgnbd() -> dif.BGNBDModel:
    return dif.BGNBDModel().fit(_split().summary)


@cache
def _spend() -> pd.Series:
    summary = dif.rfm_summary(load_dataset("cdnow_sample"), observation_end=OBSERVATION_END, definition="rfm")
    return summary["total_value"]


def _top_share(share: float) -> float:
    return dif.top_share(_spend(), share)


def _expected(weeks: int) -> float:
    summary = _split().summary
    return float(_bgnbd().expected_purchases(summary.loc[[CUSTOMER]], weeks).iloc[0])


def _p_alive_1516() -> float:
    return float(_bgnbd().p_alive(_split().summary.loc[[CUSTOMER]]).iloc[0])


def _likely_inactive() -> pd.Series:
    return _bgnbd().p_alive(_split().summary) < 0.5


def _likely_inactive_among_repeat_buyers() -> float:
    inactive = _likely_inactive()
    return float(inactive[_split().summary["frequency"] > 0].mean())


@cache
def _needs_inputs() -> tuple[pd.DataFrame, pd.Series]:
    """The notebook's default value table and needs segments of the synthetic world."""
    from idic_lab.schema import clean

    world = load_dataset("synthetic", n_customers=SYNTHETIC_CUSTOMERS, seed=SEED)
    lines, _ = clean("transactions", world.transactions, observation_end=world.observation_end)
    features = dif.needs_features(lines, products=world.products, customer_map=world.truth.identity)
    segmentation = dif.NeedsSegmentation(method="kmeans", random_state=SEED).fit(features)
    value = dif.value_table(lines, customer_map=world.truth.identity, observation_end=world.observation_end,
                            horizon=HORIZON, annual_discount_rate=DISCOUNT, time_unit="W")
    return value, segmentation.labels_


def _grow_cells(margin: float) -> int:
    value, segments = _needs_inputs()
    return int((dif.strategy_matrix(value, segments, grow_margin=margin)["strategy"] == "grow").sum())


_MODEL_ANSWER_05 = (
    "Their actual value is the same, but their potential value is not. Electronics / web customers buy "
    "rarely but spend much per purchase, because electronics are expensive; fashion / app customers "
    "already buy often, in small baskets. So an electronics customer who bought as often as a loyal "
    "customer would add far more than a fashion customer: the development potential (a share-of-wallet "
    "gap) is larger. Before spending, test a growth campaign on a random part of the cell with a holdout, "
    "check that the customers respond and that the extra margin exceeds the cost of the offer."
)


register(
    Exercise(
        id="02.1",
        notebook=NOTEBOOK,
        question=(
            "The notebook measures the share of spend of the top 20 % of CDNOW customers. What share of the total "
            "spend (all purchases up to 1998-06-30) comes from the top 10 % of customers? Answer as a fraction "
            "between 0 and 1."
        ),
        solution=lambda: _top_share(0.1),
        compare=numeric(rel_tol=0.005, share=True),
        hint=(
            "Rank the customers by everything they spent over the whole window, keep the best tenth of them, "
            "and divide their spend by the spend of all customers."
        ),
        mistakes=(
            Mistake(lambda: _top_share(0.2), "That is the share of the top fifth of the customers, as in the "
                                             "notebook; the question asks about the top tenth."),
            Mistake(lambda: 0.1, "That is the share of customers in the top group, not their share of the spend."),
        ),
    )
)
register(
    Exercise(
        id="02.2",
        notebook=NOTEBOOK,
        question=(
            "Fit BG/NBD on the 39-week calibration period (weeks). How many purchases does it expect customer "
            f"'{CUSTOMER}' to make in the {HOLDOUT_WEEKS} weeks after the calibration end?"
        ),
        solution=lambda: _expected(HOLDOUT_WEEKS),
        compare=numeric(rel_tol=0.01),
        hint=(
            "The fitted model turns a customer's frequency, recency and age into an expected number of purchases "
            "over a stretch of time you choose: take the stretch the holdout covers. A count of purchases can be "
            "far above 1."
        ),
        mistakes=(
            Mistake(_p_alive_1516, "That is the probability that the customer is still active, not the number of "
                                   "purchases the model expects from her."),
            Mistake(lambda: _expected(52), "That is the expectation for a whole year; the question asks for the "
                                           "weeks of the holdout."),
        ),
    )
)
register(
    Exercise(
        id="02.3",
        notebook=NOTEBOOK,
        question=(
            "With the same BG/NBD fit, take the customers who made at least one repeat purchase in the calibration "
            "period. What share of them is more likely inactive than active at the calibration end "
            "(P(alive) < 0.5)? Answer as a fraction between 0 and 1."
        ),
        solution=_likely_inactive_among_repeat_buyers,
        compare=numeric(rel_tol=0.01, share=True),
        hint=(
            "Every calibration customer gets a probability of still being active. Keep only those with a repeat "
            "purchase, count those below one half and divide by the repeat buyers. In BG/NBD a customer without "
            "repeat purchases counts as alive, which is why the question leaves them out."
        ),
        mistakes=(
            Mistake(lambda: int(_likely_inactive()[_split().summary["frequency"] > 0].sum()),
                    "That is a number of customers; the question asks for their share of the repeat buyers."),
            Mistake(lambda: float(_likely_inactive().mean()),
                    "That divides by all calibration customers, including the one-time buyers the model counts as "
                    "alive; the question asks about the repeat buyers only."),
        ),
    )
)
register(
    Exercise(
        id="02.4",
        notebook=NOTEBOOK,
        question=(
            "What if: in the notebook's value x needs table a cell is grown when its development potential per "
            "customer is more than 10 % above its tier's. With no margin at all (any cell above its tier's average "
            "is grown), how many cells of the default table are 'grow'?"
        ),
        solution=lambda: _grow_cells(0.0),
        compare=numeric(rel_tol=0, abs_tol=0.5),
        hint=(
            "Rebuild the table with a margin of zero and count the cells whose strategy is to grow. Cells that sat "
            "just below the bar of 10 % above their tier now pass it."
        ),
        mistakes=(
            Mistake(lambda: _grow_cells(dif.GROW_MARGIN), "That is the count with the default margin of 10 %; the "
                                                          "question removes the margin."),
        ),
    )
)
register(
    Exercise(
        id="02.5",
        notebook=NOTEBOOK,
        question=(
            "In the default strategy table, Iron customers of the electronics / web segment are to be grown while "
            "Iron customers of the fashion / app segment, worth about the same today, are to be maintained. "
            "Explain why their needs make the difference, and say what you would check before spending money on "
            "growing them."
        ),
        solution=lambda: _MODEL_ANSWER_05,
        compare=written({
            "spend per purchase differs with the need": ("spend", "basket"),
            "how often they buy": ("often", "frequen", "fewer purchases", "more purchases"),
            "potential value, not actual value": ("potential",),
            "test that they respond and that it pays": ("test", "respon", "campaign", "holdout"),
        }),
        hint=(
            "Both groups are worth about the same today, so look at what each extra purchase would bring and at "
            "how far each group is from buying as often as a loyal customer. Then ask what a growth offer costs "
            "and how you would know it works."
        ),
        model_answer=_MODEL_ANSWER_05,
    )
)
