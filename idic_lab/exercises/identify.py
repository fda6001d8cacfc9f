"""Exercises of notebook 01 (Identify): the matching threshold, what a bought list's customers are worth,
counting persons after deduplication, and why blocking makes some agreement worthless as evidence."""

from __future__ import annotations

from functools import cache

from idic_lab.datasets import load_dataset
from idic_lab.exercises import Exercise, Mistake, numeric, register, written
from idic_lab.identify import compare_sources, crosswalk, link_febrl, resolve_customers
from idic_lab.schema import clean

NOTEBOOK = "01_identify.ipynb"
STRICT_THRESHOLD = 0.9995


@cache
def _world():
    world = load_dataset("synthetic", n_customers=2000, seed=42)
    transactions, _ = clean("transactions", world.transactions, observation_end=world.observation_end)
    return world, transactions


@cache
def _resolution(threshold: float):
    return resolve_customers(_world()[0].customers, threshold=threshold)


def _duplicate_rate(threshold: float) -> float:
    return float(_resolution(threshold).duplicate_rate)


@cache
def _sources():
    world, transactions = _world()
    return compare_sources(world.customers, _resolution(0.5).crosswalk, transactions=transactions).table


def _list_to_web(column: str) -> float:
    table = _sources()
    return float(table.loc["purchased_list", column] / table.loc["web_signup", column])


@cache
def _febrl3_persons() -> int:
    data, result = link_febrl("febrl3")
    return int(crosswalk(data.records.index, result.links)["customer_key"].nunique())


def _febrl3_records() -> int:
    return int(len(load_dataset("febrl3").records))


_LIST_MODEL_ANSWER = (
    "The price per name hides three costs. The list's records are the least complete, so many listed "
    "people cannot be reached by e-mail or phone and are hard to recognise when they buy. The largest "
    "share of its records are duplicates: people the firm already has, or that the vendor sold twice, "
    "which must be found and merged and otherwise get contacted twice. And its customers spend far less "
    "later, since most listed people never buy. Divided per customer acquired, not per name, the list "
    "is expensive; it is only worth buying if the revenue per customer acquired covers that cost."
)


register(
    Exercise(
        id="01.1",
        notebook=NOTEBOOK,
        question=(
            f"A cautious manager asks for a stricter match: merge two records only at a match probability of "
            f"{STRICT_THRESHOLD} or more. In the default synthetic world (2,000 persons, seed 42), what share of "
            "the customer records are then duplicates of another record (the duplicate rate, a fraction)?"
        ),
        solution=lambda: _duplicate_rate(STRICT_THRESHOLD),
        compare=numeric(rel_tol=0.005, share=True),
        hint=(
            "A stricter threshold merges fewer pairs, so fewer records count as extra copies of a customer. "
            "The duplicate rate counts the extra records (records minus customers) per record."
        ),
        mistakes=(
            Mistake(lambda: _duplicate_rate(0.5),
                    "That is the duplicate rate at the default threshold of 0.5; the question changes the threshold."),
            Mistake(lambda: float(_resolution(STRICT_THRESHOLD).n_records - _resolution(STRICT_THRESHOLD).n_customers),
                    "That is the number of extra records, a count; the question asks for their share of all records."),
        ),
    )
)
register(
    Exercise(
        id="01.2",
        notebook=NOTEBOOK,
        question=(
            "In the default synthetic world, the customers the purchased list brought in first spent, on average, "
            "what fraction of what a customer first found through the web sign-up spent? "
            "(Revenue per customer acquired, list divided by web sign-up.)"
        ),
        solution=lambda: _list_to_web("revenue_per_customer_acquired"),
        compare=numeric(rel_tol=0.01, share=True),
        hint=(
            "Compare customers, not records: a source's revenue per record is diluted by its duplicates and by "
            "contacts who never buy. Take the revenue of the customers each source acquired, per customer acquired."
        ),
        mistakes=(
            Mistake(lambda: _list_to_web("revenue_per_record"),
                    "That compares revenue per record, not per customer acquired: records are not customers."),
            Mistake(lambda: _list_to_web("revenue_from_customers_acquired"),
                    "That compares the sources' total revenue; the question asks per customer acquired."),
        ),
    )
)
register(
    Exercise(
        id="01.3",
        notebook=NOTEBOOK,
        question=(
            "FEBRL3 holds 5,000 person records. After the unsupervised deduplication of FEBRL3, how many distinct "
            "persons (customers) are there?"
        ),
        solution=_febrl3_persons,
        compare=numeric(rel_tol=0, abs_tol=0.5),
        hint=(
            "Group the linked records into customers: records joined by a chain of links are one person, and a "
            "record without any link is a person of its own. Then count the groups."
        ),
        mistakes=(
            Mistake(lambda: 2000,
                    "2,000 is how many persons FEBRL3 was generated from (the truth); the question asks how many "
                    "the unsupervised matching found, mistakes included."),
            Mistake(_febrl3_records,
                    "That is the number of records; after deduplication every group of linked records is one person."),
        ),
    )
)
register(
    Exercise(
        id="01.4",
        notebook=NOTEBOOK,
        question=(
            "The marketing manager wants to buy another address list: it costs only a few cents per name. "
            "Using the source comparison, argue in a few sentences what such a list really costs the firm."
        ),
        solution=lambda: _LIST_MODEL_ANSWER,
        compare=written({
            "incomplete records: fewer ways to reach and recognise people": ("complete", "missing", "empty"),
            "duplicates: the same person bought twice, cleaning cost, double contacts": ("duplicat", "twice", "copies"),
            "low later value: its customers spend less, many never buy": ("revenue", "spend", "value", "never buy"),
            "judge the cost per customer, not per name or record": ("per customer", "per buying", "per acquired"),
        }),
        hint=(
            "A name on a list is not a customer. Think about what each listed record is missing, how many listed "
            "records are people the firm already knows, and what the customers a list brings in go on to spend."
        ),
        model_answer=_LIST_MODEL_ANSWER,
    )
)
