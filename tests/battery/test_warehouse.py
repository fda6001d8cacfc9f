"""Bad and awkward inputs for the SQL path (idic_lab.warehouse), run on DuckDB.

Every case compares with what the pandas path does or refuses: the same
counts per reason, or a clear error where SQL does not reproduce a pandas
reading rule.
"""

from __future__ import annotations

import pandas as pd

from battery.harness import Case, answered, cleaned, parametrize, refused, run_case
from idic_lab import warehouse as wh


def _lines(**overrides):
    base = {"customer_id": ["a", "a", "b", "b", "c"],
            "date": pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-02", "2024-01-02", "2024-01-03"]),
            "amount": [10.0, 20.0, 5.0, 5.0, 7.0]}
    return pd.DataFrame(base | overrides)


def _summary(lines, **options):
    return wh.warehouse_summary(lines, observation_end="2024-02-01", **options)


CASES = [
    Case("warehouse_summary: exact duplicates dropped and counted", "warehouse.warehouse_summary",
         lambda: _summary(_lines()), cleaned("exact duplicate row", 1, report=lambda r: r.report)),
    Case("warehouse_summary: blank and missing ids dropped and counted", "warehouse.warehouse_summary",
         lambda: _summary(_lines(customer_id=["a", " ", None, "b", "c"])),
         cleaned("missing customer_id", 2, report=lambda r: r.report)),
    Case("warehouse_summary: returns and zero amounts counted apart", "warehouse.warehouse_summary",
         lambda: _summary(_lines(amount=[10.0, -20.0, 0.0, 5.0, 7.0])),
         cleaned("return|zero amount", 2, report=lambda r: r.report)),
    Case("warehouse_summary: lines after the observation end", "warehouse.warehouse_summary",
         lambda: wh.warehouse_summary(_lines(), observation_end="2024-01-02"),
         cleaned("after observation end", 2, report=lambda r: r.report)),
    Case("warehouse_summary: text dates without date_format are not guessed", "warehouse.warehouse_summary",
         lambda: _summary(_lines(date=["01/02/2024"] * 5)),
         refused(r"does not guess.*date_format=", mentions=("date",), error=wh.UnsupportedBySQL)),
    Case("warehouse_summary: text amounts are left to the pandas reader", "warehouse.warehouse_summary",
         lambda: _summary(_lines(amount=["10", "20", "5", "5", "7"])),
         refused(r"numeric column.*cast the column", mentions=("amount",), error=wh.UnsupportedBySQL)),
    Case("warehouse_summary: a mapped column the source lacks", "warehouse.warehouse_summary",
         lambda: _summary(_lines(), columns={"customer_id": "Kunde"}),
         refused(r"no such column.*Available columns", mentions=("Kunde",))),
    Case("warehouse_summary: unknown engine", "warehouse.warehouse_summary",
         lambda: _summary(_lines(), engine="polars"), refused(r"engine='polars'.*'duckdb', 'spark'")),
    Case("warehouse_summary: a Parquet path that does not exist", "warehouse.warehouse_summary",
         lambda: _summary("/nonexistent/orders.parquet"), refused(r"no such file", error=FileNotFoundError)),
    Case("summary_sql: Spark without a line number column", "warehouse.summary_sql",
         lambda: wh.summary_sql("spark", column_types={"customer_id": "string", "date": "timestamp",
                                                       "amount": "double"}),
         refused(r"line_number.*warehouse_summary")),
    Case("summary_sql: the SQL text for a DuckDB table", "warehouse.summary_sql",
         lambda: wh.summary_sql("duckdb", source="orders", column_types={"customer_id": "VARCHAR", "date": "DATE",
                                                                         "amount": "DOUBLE"}),
         answered(lambda text: "FROM orders" in text and "customers AS" in text, "a query over the table")),
    Case("compress_summary: an RFM summary is refused", "warehouse.compress_summary",
         lambda: wh.compress_summary(_summary(_lines(), definition="rfm").summary),
         refused(r"BTYD summary.*definition='btyd'")),
    Case("compress_summary: one row per pattern with its count", "warehouse.compress_summary",
         lambda: wh.compress_summary(_summary(_lines(date=pd.to_datetime(
             ["2024-01-01", "2024-01-08", "2024-01-02", "2024-01-02", "2024-01-02"]))).summary),
         answered(lambda t: t["customers"].sum() == 3 and len(t) == 2, "3 customers in 2 patterns")),
    Case("load_warehouse_inputs: both a file and a table", "warehouse.load_warehouse_inputs",
         lambda: wh.load_warehouse_inputs(engine="duckdb", transactions_file="a.parquet", transactions_table="t"),
         refused(r"exactly one of transactions_file.*found both")),
    Case("not_run_sentence: names the section and the engine", "warehouse.not_run_sentence",
         lambda: wh.not_run_sentence("the tracking chart", "spark"),
         answered(lambda text: "tracking chart" in text and "Spark" in text, "a plain sentence")),
]


@parametrize(CASES)
def test_case(case: Case):
    run_case(case)
