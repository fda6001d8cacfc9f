"""Exercises of notebook 00 (start here): the data sets and the IDIC stages."""

from __future__ import annotations

from functools import cache

from idic_lab.datasets import load_dataset
from idic_lab.exercises import Exercise, numeric, one_of, register

NOTEBOOK = "00_start_here.ipynb"
IDIC_STAGES = ["Identify", "Differentiate", "Interact", "Customize"]


@cache
def _sample_customers() -> int:
    return int(load_dataset("cdnow_sample")["customer_id"].nunique())


@cache
def _share_single_day_buyers() -> float:
    sample = load_dataset("cdnow_sample")
    purchase_days = sample.groupby("customer_id")["date"].nunique()
    return float((purchase_days == 1).mean())


register(
    Exercise(
        id="00.1",
        notebook=NOTEBOOK,
        question="How many distinct customers are in the CDNOW sample?",
        solution=_sample_customers,
        compare=numeric(rel_tol=0, abs_tol=0.5),
        hint="Count distinct values of customer_id, not rows: one customer has many purchases.",
    )
)
register(
    Exercise(
        id="00.2",
        notebook=NOTEBOOK,
        question=(
            "What share of the CDNOW sample's customers bought on one day only "
            "(never came back)? Answer as a fraction between 0 and 1."
        ),
        solution=_share_single_day_buyers,
        compare=numeric(rel_tol=0.01),
        hint=(
            "Group the transactions by customer_id, count the distinct purchase dates, "
            "and take the mean of (count == 1). A share is between 0 and 1, not a percentage."
        ),
    )
)
register(
    Exercise(
        id="00.3",
        notebook=NOTEBOOK,
        question=(
            "A shop ranks its customers by their expected lifetime value to decide who gets "
            "a personal account manager. Which IDIC stage is that?"
        ),
        solution=lambda: "Differentiate",
        compare=one_of(IDIC_STAGES),
        hint="Which stage sorts customers by value and by needs, before anybody contacts them?",
    )
)
