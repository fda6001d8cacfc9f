"""Exercises of notebook 04 (Customize): basket rules, recommendation metrics, conjoint part-worths, next best offer."""

from __future__ import annotations

from functools import cache

import pandas as pd

from idic_lab import customize as cz
from idic_lab.datasets import load_dataset
from idic_lab.exercises import Exercise, Mistake, numeric, one_of, register, written
from idic_lab.synth import make_conjoint_survey

NOTEBOOK = "04_customize.ipynb"
WORLD = {"n_customers": 2000, "seed": 0}
CUTOFF = "2025-03-31"
_MODEL_CHOICES = ["item-kNN", "popularity"]


@cache
def _world():
    return load_dataset("synthetic", **WORLD)


@cache
def _rules() -> pd.DataFrame:
    return cz.association_rules(_world().baskets, min_support=0.002, min_confidence=0.0, min_lift=0.0)


def _lift_spo01_spo02() -> float:
    rules = _rules()
    row = rules.loc[(rules["antecedent"] == "SPO01") & (rules["consequent"] == "SPO02")]
    return float(row["lift"].iloc[0])


def _confidence_of(antecedent: str, consequent: str) -> float:
    rules = _rules()
    row = rules.loc[(rules["antecedent"] == antecedent) & (rules["consequent"] == consequent)]
    return float(row["confidence"].iloc[0])


def _confidence_fas02_fas01() -> float:
    rules = _rules()
    row = rules.loc[(rules["antecedent"] == "FAS02") & (rules["consequent"] == "FAS01")]
    return float(row["confidence"].iloc[0])


@cache
def _comparison() -> pd.DataFrame:
    split = cz.holdout_split(_world().baskets, cutoff=CUTOFF)
    return cz.compare_recommenders(
        split, {"item-kNN": cz.ItemKNNRecommender(), "popularity": cz.PopularityRecommender()}, k=5
    )


def _best_hit_rate() -> str:
    return str(_comparison()["hit_rate"].idxmax())


def _knn_recall() -> float:
    return float(_comparison().loc["item-kNN", "recall_at_k"])


register(
    Exercise(
        id="04.1",
        notebook=NOTEBOOK,
        question=(
            "In the synthetic world with 2,000 customers and seed 0 (load_dataset('synthetic', n_customers=2000, "
            "seed=0)), what is the lift of the rule SPO01 → SPO02 over all baskets?"
        ),
        solution=_lift_spo01_spo02,
        compare=numeric(rel_tol=0.01),
        mistakes=(Mistake(lambda: _confidence_of("SPO01", "SPO02"),
                          "That is the confidence of the rule, how often SPO02 follows SPO01; lift compares it "
                          "with how often SPO02 is bought in any basket."),),
        hint=(
            "Count over every basket, with no minimum confidence or lift that could drop the rule. Lift is the "
            "confidence of the rule divided by the share of all baskets that hold the consequent."
        ),
    )
)
register(
    Exercise(
        id="04.2",
        notebook=NOTEBOOK,
        question=(
            "Same world: what is the confidence of the reverse rule FAS02 → FAS01 (the planted bundle is "
            "FAS01 → FAS02 with probability 0.6)? Answer as a fraction between 0 and 1."
        ),
        solution=_confidence_fas02_fas01,
        compare=numeric(rel_tol=0.01, share=True),
        mistakes=(Mistake(lambda: _confidence_of("FAS01", "FAS02"),
                          "That is the confidence of the planted direction FAS01 → FAS02; the question asks how "
                          "often FAS01 is in a basket that holds FAS02."),),
        hint=(
            "Confidence is the share of baskets with the antecedent that also hold the consequent. It depends on "
            "the direction: lift is symmetric, confidence is not."
        ),
    )
)
register(
    Exercise(
        id="04.3",
        notebook=NOTEBOOK,
        question=(
            "Same world, cut-off 2025-03-31, lists of k=5 that never repeat a purchase: which recommender has the "
            "higher hit rate on the holdout, 'item-kNN' or 'popularity'?"
        ),
        solution=_best_hit_rate,
        compare=one_of(_MODEL_CHOICES),
        hint=("Train both on the purchases up to the cut-off, suggest five products each customer has not bought, "
              "and count the customers with at least one suggestion among what they bought afterwards."),
    )
)
register(
    Exercise(
        id="04.4",
        notebook=NOTEBOOK,
        question=("In the same comparison (2,000 customers), what is the recall@5 of item-kNN? Answer as a fraction "
                  "between 0 and 1."),
        solution=_knn_recall,
        compare=numeric(rel_tol=0.01, share=True),
        mistakes=(Mistake(lambda: float(_comparison().loc["item-kNN", "precision_at_k"]),
                          "That is precision@5, hits divided by the five suggestions; recall divides by what the "
                          "customer actually bought new."),),
        hint=(
            "Recall@k divides a customer's hits by the number of new products that customer bought after the "
            "cut-off, then averages over customers; precision@k divides by k instead."
        ),
    )
)


# --- conjoint and the tailored offer -------------------------------------------------------------

SURVEY = {"n_respondents": 300, "seed": 1}


@cache
def _survey_part_worths() -> pd.DataFrame:
    survey = make_conjoint_survey(**SURVEY, world=load_dataset("synthetic", n_customers=2000, seed=1))
    return cz.estimate_part_worths(survey.ratings, survey.attributes)


def _worth(segment: str, attribute: str, level: str) -> float:
    pw = _survey_part_worths()
    row = pw.loc[(pw["segment"] == segment) & (pw["attribute"] == attribute) & (pw["level"] == level)]
    return float(row["part_worth"].iloc[0])


def _advice_over_standard() -> float:
    return _worth("Style seekers", "service", "personal advice") - _worth("Style seekers", "service", "standard delivery")


def _price_importance_families() -> float:
    return float(cz.attribute_importance(_survey_part_worths()).loc["Active families", "price"])


def _price_range_families() -> float:
    pw = _survey_part_worths()
    price = pw.loc[(pw["segment"] == "Active families") & (pw["attribute"] == "price"), "part_worth"]
    return float(price.max() - price.min())


register(
    Exercise(
        id="04.5",
        notebook=NOTEBOOK,
        question=(
            "A second conjoint survey: 300 respondents of the synthetic world with 2,000 customers and seed 1 "
            "(make_conjoint_survey(300, seed=1, world=...)), part-worths per planted segment. By how many rating "
            "points does 'personal advice' beat 'standard delivery' for the Style seekers?"
        ),
        solution=_advice_over_standard,
        compare=numeric(abs_tol=0.05),
        mistakes=(Mistake(lambda: _worth("Style seekers", "service", "personal advice"),
                          "That is the part-worth of personal advice alone, measured against the average service "
                          "level; the question compares two levels, so take the difference of their part-worths."),),
        hint=(
            "A part-worth says how many rating points a level adds to an offer, other things equal. Two levels of "
            "the same attribute are compared by the difference of their part-worths, whatever the coding."
        ),
    )
)
register(
    Exercise(
        id="04.6",
        notebook=NOTEBOOK,
        question=(
            "In the same survey, what is the importance of price for the Active families (0–1)?"
        ),
        solution=_price_importance_families,
        compare=numeric(rel_tol=0.01, share=True),
        mistakes=(Mistake(_price_range_families,
                          "That is the range of the price part-worths in rating points; importance divides it by "
                          "the sum of the ranges of all attributes of the segment."),),
        hint=(
            "An attribute matters as much as the spread between its best and worst level can move a rating, "
            "compared with the spreads of all attributes together."
        ),
    )
)

_MODEL_ANSWER_07 = (
    "A discount only pays where it changes behaviour: the segments whose campaign uplift (treated minus control "
    "response) is positive get it, while a segment the test showed to respond no better when contacted would "
    "take the discount as a gift on purchases it makes anyway, so the margin is lost. The module and the service "
    "come from what the segment values in the conjoint study, and the richer, costlier services go to high value "
    "customers, whose actual value justifies the cost to serve."
)
register(
    Exercise(
        id="04.7",
        notebook=NOTEBOOK,
        question=(
            "The tailored next best offer gives a discount only to some needs segments and the costlier services "
            "only to high-value customers. Explain in a few sentences why, using what the campaign test and the "
            "conjoint study measured."
        ),
        solution=lambda: _MODEL_ANSWER_07,
        compare=written({
            "discount only where the campaign showed an uplift": ("uplift", "respond"),
            "otherwise the discount is lost margin on purchases made anyway": ("anyway", "margin"),
            "module and service follow the conjoint preferences": ("conjoint",),
            "costly service is kept for high value, cost to serve": ("high value", "cost"),
        }),
        hint=(
            "Think of a control group: what would the customers of each segment have bought without the offer, "
            "and what does each part of the offer cost the firm?"
        ),
        model_answer=_MODEL_ANSWER_07,
    )
)
