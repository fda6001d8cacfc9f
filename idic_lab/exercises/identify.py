"""Exercises of notebook 01 (Identify): blocking, evidence, how many customers there really are, sources."""

from __future__ import annotations

from functools import cache

from idic_lab.datasets import load_dataset
from idic_lab.exercises import Exercise, numeric, one_of, register
from idic_lab.identify import (
    FEBRL_FIELDS,
    blocking_summary,
    crosswalk,
    link_febrl,
    resolve_customers,
    source_quality,
)
from idic_lab.schema import clean

NOTEBOOK = "01_identify.ipynb"
_EVIDENCE_CHOICES = ["given_name", "surname", "postcode", "date_of_birth", "soc_sec_id"]
_SOURCES = ["web_signup", "store", "purchased_list"]


@cache
def _postcode_blocking() -> tuple[int, float]:
    data = load_dataset("febrl4")
    summary = blocking_summary(
        data.records, data.records_b, blocking=[["postcode"]], kinds=FEBRL_FIELDS, true_links=data.true_links
    )
    row = summary.loc["any key (union)"]
    return int(row["pairs"]), float(row["pairs_completeness"])


@cache
def _febrl3_customers() -> int:
    data, result = link_febrl("febrl3")
    return int(crosswalk(data.records.index, result.links)["customer_key"].nunique())


@cache
def _strongest_evidence() -> str:
    _, result = link_febrl("febrl4")
    table = result.model.weights_table()
    top_level = table.loc[table.groupby("field")["level"].idxmax()].set_index("field")
    return str(top_level.loc[_EVIDENCE_CHOICES, "weight_bits"].idxmax())


@cache
def _least_buying_source() -> str:
    world = load_dataset("synthetic", n_customers=2000, seed=42)
    transactions, _ = clean("transactions", world.transactions, observation_end=world.observation_end)
    walk = resolve_customers(world.customers).crosswalk
    quality = source_quality(world.customers, walk, transactions=transactions)
    return str(quality["buyer_share"].idxmin())


register(
    Exercise(
        id="01.1",
        notebook=NOTEBOOK,
        question=(
            "Block FEBRL4 on the postcode alone (blocking=[['postcode']]). "
            "How many candidate pairs does that leave to compare?"
        ),
        solution=lambda: _postcode_blocking()[0],
        compare=numeric(rel_tol=0, abs_tol=0.5),
        hint="Use blocking_summary(a, b, blocking=[['postcode']], kinds=FEBRL_FIELDS) and read the 'pairs' column.",
    )
)
register(
    Exercise(
        id="01.2",
        notebook=NOTEBOOK,
        question=(
            "With the postcode-only blocking of 01.1, what share of FEBRL4's true links is still "
            "among the candidate pairs (pairs completeness, between 0 and 1)?"
        ),
        solution=lambda: _postcode_blocking()[1],
        compare=numeric(rel_tol=0, abs_tol=0.0005),
        hint=(
            "Pass true_links=data.true_links to blocking_summary. A typo in the postcode "
            "puts two records of one person into different blocks."
        ),
    )
)
register(
    Exercise(
        id="01.3",
        notebook=NOTEBOOK,
        question=(
            "FEBRL3 holds 5,000 person records. After unsupervised deduplication with "
            "link_febrl('febrl3'), how many distinct persons (customers) are there?"
        ),
        solution=_febrl3_customers,
        compare=numeric(rel_tol=0, abs_tol=0.5),
        hint=(
            "Group the linked records with crosswalk(data.records.index, result.links) and count the "
            "distinct customer keys; an unlinked record is a customer of its own."
        ),
    )
)
register(
    Exercise(
        id="01.4",
        notebook=NOTEBOOK,
        question=(
            "In the Fellegi–Sunter model fitted on FEBRL4, exact agreement on which of these fields "
            "carries the most evidence (highest weight in bits)?"
        ),
        solution=_strongest_evidence,
        compare=one_of(_EVIDENCE_CHOICES),
        hint=(
            "Look at result.model.weights_table() at each field's top level. A field that almost "
            "every candidate pair agrees on (because blocking put them together) proves little."
        ),
    )
)
register(
    Exercise(
        id="01.5",
        notebook=NOTEBOOK,
        question=(
            "In the default synthetic world (2,000 persons, seed 42), which acquisition source has the "
            "lowest share of records that ever buy anything: 'web_signup', 'store' or 'purchased_list'?"
        ),
        solution=_least_buying_source,
        compare=one_of(_SOURCES),
        hint="Read the buyer_share column of source_quality(customers, walk, transactions=transactions).",
    )
)
