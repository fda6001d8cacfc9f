"""Numbers as a client reads them, and the report vocabulary of idic_lab.results."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from idic_lab import formatting, results


@pytest.mark.parametrize(("call", "expected"), [
    (lambda: formatting.number(28880.4), "28,880"),
    (lambda: formatting.number(1234.56, 1), "1,234.6"),
    (lambda: formatting.count(540455), "540,455"),
    (lambda: formatting.percent(0.675, 1), "67.5 %"),
    (lambda: formatting.percent(0.2), "20 %"),
    (lambda: formatting.money(28880.4, "£"), "£28,880"),
    (lambda: formatting.money(-3.2, "EUR", 2), "-3.20 EUR"),
    (lambda: formatting.money(-0.001, "£"), "£0"),
    (lambda: formatting.money(12), "12"),
])
def test_formatting(call, expected):
    assert call() == expected


@pytest.mark.parametrize("bad", [math.nan, math.inf, "abc", None])
def test_formatting_refuses_what_a_client_must_not_see(bad):
    with pytest.raises((ValueError, TypeError), match="formatting.number"):
        formatting.number(bad)


def test_count_refuses_fractions():
    with pytest.raises(ValueError, match="not a whole number"):
        formatting.count(2.5)


def test_shown_ids_pseudonymise_in_client_mode_only():
    table = pd.DataFrame({"customer_id": ["12346", "12347", "12346"], "value": [1, 2, 3]})
    assert formatting.shown_ids(table, mode="teaching", salt="s3cret-salt") is table
    shown = formatting.shown_ids(table, mode="client", salt="s3cret-salt")
    assert not shown["customer_id"].isin(table["customer_id"]).any()
    assert shown["customer_id"].iloc[0] == shown["customer_id"].iloc[2] != shown["customer_id"].iloc[1]
    indexed = formatting.shown_ids(table.set_index("customer_id"), mode="client", salt="s3cret-salt")
    assert list(indexed.index) == list(shown["customer_id"])
    with pytest.raises(ValueError, match="mode must be"):
        formatting.shown_ids(table, mode="demo", salt="s3cret-salt")


def test_report_vocabulary_records_findings_once():
    results.clear()
    try:
        results.record_finding("The top 20 % of customers bring 68 % of revenue.", stage="02_differentiate", rank=1)
        results.record_finding("The top 20 % of customers bring 68 % of revenue.", stage="02_differentiate", rank=1)
        results.record_problem("BG/NBD did not converge.", stage="02_differentiate")
        results.record_data("transactions", rows=10, customers=3, start="2010-12-01", end="2011-12-09",
                            file="/tmp/secret/path/export.csv")
        recorded = results.recorded()
        assert len(recorded[results.FINDINGS_KEY]) == 1
        assert recorded[results.PROBLEMS_KEY] == [{"stage": "02_differentiate", "text": "BG/NBD did not converge."}]
        assert recorded["report.data.transactions"]["file"] == "export.csv"
        with pytest.raises(ValueError, match="rank"):
            results.record_finding("x", stage="02", rank=0)
        with pytest.raises(ValueError, match="sentence"):
            results.record_problem("  ", stage="02")
    finally:
        results.clear()


@pytest.mark.parametrize(("value", "shown", "equation"), [
    (0.2431, "0.2431", "= 0.2431"),
    (12345.6, "12,346", "= 12,346"),
    (1.9e-9, "0.0000", "< 0.0001"),
    (-3e-7, "-0.0000", "> -0.0001"),
    (0, "0", "= 0"),
    (4.24e4, "42,400", "= 42,400"),
])
def test_plain_numbers_in_sentences_never_use_scientific_notation(value, shown, equation):
    assert formatting.plain(value) == shown
    assert formatting.equals(value) == equation
