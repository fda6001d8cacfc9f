"""Exercises of notebook 04 (Customize): basket rules, recommendation metrics, next best offer."""

from __future__ import annotations

from functools import cache

import pandas as pd

from idic_lab import customize as cz
from idic_lab.datasets import load_dataset
from idic_lab.exercises import Exercise, numeric, one_of, register

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


def _lift_ele01_ele02() -> float:
    rules = _rules()
    row = rules.loc[(rules["antecedent"] == "ELE01") & (rules["consequent"] == "ELE02")]
    return float(row["lift"].iloc[0])


def _confidence_hom02_hom01() -> float:
    rules = _rules()
    row = rules.loc[(rules["antecedent"] == "HOM02") & (rules["consequent"] == "HOM01")]
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
            "seed=0)), what is the lift of the rule ELE01 → ELE02 over all baskets?"
        ),
        solution=_lift_ele01_ele02,
        compare=numeric(rel_tol=0.01),
        hint=(
            "association_rules(world.baskets, min_support=0.002, min_confidence=0, min_lift=0) and pick the row "
            "with antecedent 'ELE01' and consequent 'ELE02'. Lift is confidence divided by the consequent's support."
        ),
    )
)
register(
    Exercise(
        id="04.2",
        notebook=NOTEBOOK,
        question=(
            "Same world: what is the confidence of the reverse rule HOM02 → HOM01 (the planted bundle is "
            "HOM01 → HOM02 with probability 0.6)? Answer as a fraction between 0 and 1."
        ),
        solution=_confidence_hom02_hom01,
        compare=numeric(rel_tol=0.01),
        hint=(
            "Confidence is support(HOM01 and HOM02) / support(HOM02). It is not the same as HOM01 → HOM02: "
            "lift is symmetric, confidence is not."
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
        hint="compare_recommenders(holdout_split(world.baskets, cutoff=...), {...}, k=5) and read the hit_rate column.",
    )
)
register(
    Exercise(
        id="04.4",
        notebook=NOTEBOOK,
        question="In the same comparison, what is the recall@5 of item-kNN? Answer as a fraction between 0 and 1.",
        solution=_knn_recall,
        compare=numeric(rel_tol=0.01),
        hint=(
            "Recall@k divides a customer's hits by the number of new products that customer bought after the "
            "cut-off, then averages over customers; precision@k divides by k instead."
        ),
    )
)
