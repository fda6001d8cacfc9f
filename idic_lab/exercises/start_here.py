"""Exercises of notebook 00 (start here): the data sets and the IDIC stages."""

from __future__ import annotations

from functools import cache

import pandas as pd

from idic_lab.datasets import load_dataset
from idic_lab.exercises import Exercise, Mistake, get_exercise, numeric, one_of, register, written

NOTEBOOK = "00_start_here.ipynb"
IDIC_STAGES = ["Identify", "Differentiate", "Interact", "Customize"]
#: Exercise 00.1 asks about the purchases of this calendar year.
YEAR_00_1 = 1998


@cache
def _sample() -> pd.DataFrame:
    return load_dataset("cdnow_sample")


def _in_year(year: int) -> pd.DataFrame:
    sample = _sample()
    return sample[sample["date"].dt.year == year]


def _customers_in_year(year: int = YEAR_00_1) -> int:
    return int(_in_year(year)["customer_id"].nunique())


@cache
def _purchase_days() -> pd.Series:
    return _sample().groupby("customer_id")["date"].nunique()


def _share_single_day_buyers() -> float:
    return float((_purchase_days() == 1).mean())


register(
    Exercise(
        id="00.1",
        notebook=NOTEBOOK,
        question=(
            f"How many distinct customers of the CDNOW sample bought something in {YEAR_00_1} (the last months "
            "of the observation window)?"
        ),
        solution=_customers_in_year,
        compare=numeric(rel_tol=0, abs_tol=0.5),
        hint=(
            f"Keep only the purchases dated in {YEAR_00_1}, then count each customer once, however many times "
            "they bought."
        ),
        mistakes=(
            Mistake(lambda: float(len(_in_year(YEAR_00_1))),
                    "That counts purchases (rows), not customers: one customer can have many rows."),
            Mistake(lambda: float(len(_sample())),
                    "That counts every purchase (row) of every year: keep the purchases of the year asked for, "
                    "and count customers, not rows."),
            Mistake(lambda: float(_customers_in_year(YEAR_00_1 - 1)),
                    f"That is the number of customers who bought in {YEAR_00_1 - 1} (every customer of the sample "
                    "did): check the period."),
        ),
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
        compare=numeric(rel_tol=0.01, share=True),
        hint=(
            "Count each customer's distinct purchase days (several rows on one day are one visit), then divide "
            "the number of customers with a single day by the number of all customers."
        ),
        mistakes=(
            Mistake(lambda: float((_purchase_days() == 1).sum()),
                    "That is a count of customers; a share divides it by the number of all customers."),
            Mistake(lambda: float((_sample().groupby("customer_id").size() == 1).mean()),
                    "That counts customers with a single purchase row; a customer who bought two CDs on the same "
                    "day has two rows but one purchase day."),
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
register(
    Exercise(
        id="00.4",
        notebook=NOTEBOOK,
        question=(
            "Why does the lab use a synthetic CRM world next to the real CDNOW purchases? What can a student "
            "do with it that real data never allow?"
        ),
        solution=lambda: get_exercise("00.4").model_answer,  # the model answer makes every point
        compare=written(
            {
                "the truth is known (planted)": ("known", "planted", "truth", "true"),
                "methods can be checked against it": ("check", "verif", "test", "compare", "recover"),
            }
        ),
        hint="Think of what you would need to know to tell whether a method gave the right answer.",
        model_answer=(
            "Real data never say what the right answer is: we do not know who really is a duplicate, who will "
            "buy again or what a campaign really caused. The synthetic world is generated from known processes, "
            "so the truth is planted and known, and each method of the lab can be checked against it: does "
            "identity resolution find the planted duplicates, does the uplift model recover the planted effect? "
            "Real data such as CDNOW then show how the methods behave on messy, real purchases."
        ),
    )
)
