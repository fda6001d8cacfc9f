"""The SQL path (idic_lab.warehouse) equals the pandas path: schema.clean then rfm_summary.

Oracles: the pandas functions on the same data (CDNOW; the messy invoice
export with cancellations, postage lines, duplicates and missing ids, whose
cleaning counts are also known from the generator's truth). DuckDB runs in
the normal suite; Spark in local mode with one module-scoped session.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from idic_lab import datasets, differentiate as dif, schema
from idic_lab.synth import make_invoice_export
from idic_lab.warehouse import UnsupportedBySQL, compress_summary, summary_sql, warehouse_summary

END = "1998-06-30"
RETAIL_END = "2011-12-09"
DATE_FORMAT = "%d/%m/%Y %H:%M"


def _pandas_path(lines, end, *, time_unit="W", definition="btyd", **options):
    clean, report = schema.clean("transactions", lines, observation_end=end, **options)
    return dif.rfm_summary(clean, observation_end=end, time_unit=time_unit, definition=definition), report


def assert_same(got, expected_summary, expected_report):
    """Equal index, dtypes, attrs, counts; amounts to 1e-12 relative (float sums: see warehouse's notes)."""
    summary, report = got.summary, got.report
    assert report.dropped == expected_report.dropped
    assert report.changed == expected_report.changed
    assert report.notes == expected_report.notes
    assert (report.rows_in, report.rows_out) == (expected_report.rows_in, expected_report.rows_out)
    assert summary.attrs == expected_summary.attrs
    pd.testing.assert_index_equal(summary.index, expected_summary.index, exact=True)
    assert list(summary.dtypes.items()) == list(expected_summary.dtypes.items())
    money = [c for c in ("monetary_value", "total_value") if c in summary]
    exact = summary.drop(columns=money)
    pd.testing.assert_frame_equal(exact, expected_summary.drop(columns=money), check_exact=True)
    for column in money:
        np.testing.assert_allclose(summary[column], expected_summary[column], rtol=1e-12, atol=0)


@pytest.fixture(scope="module")
def cdnow():
    return datasets.load_dataset("cdnow")


@pytest.fixture(scope="module")
def export():
    return make_invoice_export(n_customers=120, seed=3)


@pytest.mark.parametrize("time_unit, definition", [("W", "btyd"), ("D", "rfm"), ("M", "btyd")])
def test_duckdb_equals_pandas_on_cdnow(cdnow, time_unit, definition):
    expected, report = _pandas_path(cdnow, END, time_unit=time_unit, definition=definition)
    got = warehouse_summary(cdnow, observation_end=END, time_unit=time_unit, definition=definition)
    assert_same(got, expected, report)


@pytest.mark.parametrize("definition", ["btyd", "rfm"])
def test_duckdb_equals_pandas_on_the_messy_export(export, definition):
    options = dict(columns=export.columns["transactions"], date_format=DATE_FORMAT)
    expected, report = _pandas_path(export.lines, RETAIL_END, definition=definition, **options)
    got = warehouse_summary(export.lines, observation_end=RETAIL_END, definition=definition, **options)
    assert_same(got, expected, report)
    assert report.dropped[schema._CANCELLED_IN_FULL] > 0 and report.changed[schema._REDUCED] > 0, "netting exercised"


def test_counts_match_the_generators_truth(export, tmp_path):
    """From a Parquet file (streamed by DuckDB), the counts are the export's known truth."""
    path = tmp_path / "orders.parquet"
    export.lines.to_parquet(path)
    got = warehouse_summary(str(path), observation_end=RETAIL_END, columns=export.columns["transactions"],
                            date_format=DATE_FORMAT)
    truth = export.truth
    assert {k: v for k, v in got.report.dropped.items() if k in truth.transactions_dropped} == \
        truth.transactions_dropped
    assert got.report.rows_out == truth.transactions_rows


def test_netting_is_last_in_first_out_and_partial():
    """Two purchases of 3 and 2 units, then a cancellation of 3: the later 2 go, the earlier loses 1."""
    lines = pd.DataFrame({
        "customer_id": ["a", "a", "a", "a", "b"],
        "order_id": ["1", "2", "C3", "4", "5"],
        "product_id": ["P1", "P1", "P1", "P2", "P1"],
        "quantity": [3, 2, -3, 1, 1],
        "amount": [30.0, 20.0, -30.0, 7.0, 5.0],
        "date": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-01-06", "2024-01-06", "2024-01-02"]),
    })
    expected, report = _pandas_path(lines, "2024-02-01")
    got = warehouse_summary(lines, observation_end="2024-02-01")
    assert_same(got, expected, report)
    assert got.report.dropped[schema._CANCELLED_IN_FULL] == 1
    assert got.report.changed[schema._REDUCED] == 1
    assert got.customers.set_index("customer_id").loc["a", "total"] == pytest.approx(20.0 + 7.0)


def test_a_duckdb_database_table(cdnow, tmp_path):
    import duckdb

    con = duckdb.connect(str(tmp_path / "shop.duckdb"))
    con.register("frame", cdnow)
    con.sql("CREATE TABLE orders AS SELECT * FROM frame")
    expected, report = _pandas_path(cdnow, END)
    assert_same(warehouse_summary("orders", observation_end=END, connection=con), expected, report)


def test_what_sql_cannot_read_is_refused_plainly(export):
    columns = export.columns["transactions"]
    with pytest.raises(UnsupportedBySQL, match="date_format"):
        warehouse_summary(export.lines, observation_end=RETAIL_END, columns=columns)
    with pytest.raises(UnsupportedBySQL, match="decimal"):
        warehouse_summary(export.lines, observation_end=RETAIL_END, columns=columns, date_format=DATE_FORMAT,
                          decimal=",")
    floats = pd.DataFrame({"customer_id": [1.0, 2.0], "date": pd.to_datetime(["2024-01-01"] * 2),
                           "amount": [1.0, 2.0]})
    with pytest.raises(UnsupportedBySQL, match="float ids"):
        warehouse_summary(floats, observation_end="2024-02-01")
    with pytest.raises(ValueError, match="engine"):
        warehouse_summary(floats, observation_end="2024-02-01", engine="polars")
    with pytest.raises(ValueError, match="observation_end"):
        warehouse_summary(floats, observation_end=19980630)


def test_summary_sql_and_compression(cdnow):
    text = summary_sql("duckdb", source="orders", column_types={"customer_id": "VARCHAR", "date": "TIMESTAMP",
                                                                "amount": "DOUBLE"}, observation_end=END)
    assert text.startswith("WITH") and "customers AS" in text
    with pytest.raises(ValueError, match="line_number"):
        summary_sql("spark", column_types={"customer_id": "string", "date": "timestamp", "amount": "double"})
    summary = warehouse_summary(cdnow, observation_end=END).summary
    patterns = compress_summary(summary)
    assert patterns["customers"].sum() == len(summary)
    assert len(patterns) < len(summary)
    assert not patterns.duplicated(["frequency", "recency", "T"]).any()


# ---------------------------------------------------------------- Spark (local mode)


@pytest.fixture(scope="module")
def spark():
    pyspark = pytest.importorskip("pyspark")  # noqa: F841  (a dev extra; .ci/run installs Java)
    from pyspark.sql import SparkSession

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module=r"pyspark(\.|$)")  # "does not yet fully support pandas >= 3"
        session = (
            SparkSession.builder.master("local[1]").appName("idic_lab-tests")
            .config("spark.sql.shuffle.partitions", "1").config("spark.ui.enabled", "false")
            .config("spark.sql.adaptive.enabled", "false").config("spark.ui.showConsoleProgress", "false")
            .getOrCreate()
        )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def test_spark_equals_pandas_on_the_messy_export(spark):
    export = make_invoice_export(n_customers=20, seed=5)
    options = dict(columns=export.columns["transactions"], date_format=DATE_FORMAT)
    expected, report = _pandas_path(export.lines, RETAIL_END, **options)
    lines = export.lines.astype({"CustomerID": "object", "InvoiceNo": "object", "StockCode": "object",
                                 "Description": "object", "InvoiceDate": "object", "Country": "object"})
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module=r"pyspark(\.|$)")  # pyspark 4's own pandas 3 deprecations
        frame = spark.createDataFrame(lines.astype(object).where(lines.notna(), None))
        frame.createOrReplaceTempView("orders")
        got = warehouse_summary("orders", observation_end=RETAIL_END, engine="spark", connection=spark, **options)
    assert_same(got, expected, report)


@pytest.mark.parametrize("data", ["cdnow", "export"])
def test_the_calibration_holdout_split_equals_pandas(data, cdnow, export):
    if data == "cdnow":
        lines, options, end, cal_end = cdnow, {}, END, "1997-09-30"
    else:
        lines, end, cal_end = export.lines, RETAIL_END, "2011-06-30"
        options = dict(columns=export.columns["transactions"], date_format=DATE_FORMAT)
    clean, _ = schema.clean("transactions", lines, observation_end=end, **options)
    expected = dif.calibration_holdout_split(clean, calibration_end=cal_end, observation_end=end, time_unit="W")
    got = warehouse_summary(lines, observation_end=end, calibration_end=cal_end, **options).split
    money = ["monetary_value", "monetary_value_holdout"]
    pd.testing.assert_frame_equal(got.summary.drop(columns=money), expected.summary.drop(columns=money),
                                  check_exact=True)
    for column in money:
        np.testing.assert_allclose(got.summary[column], expected.summary[column], rtol=1e-12, atol=0)
    assert got.summary.attrs == expected.summary.attrs
    pd.testing.assert_frame_equal(got.new_in_holdout, expected.new_in_holdout, check_exact=False, rtol=1e-12)
    assert (got.calibration_end, got.observation_end, got.time_unit) == \
        (expected.calibration_end, expected.observation_end, expected.time_unit)


def test_the_value_table_takes_the_engines_past_value(cdnow):
    clean, _ = schema.clean("transactions", cdnow, observation_end=END)
    got = warehouse_summary(cdnow, observation_end=END, calibration_end="1997-09-30")
    summary = got.summary
    model = dif.BGNBDModel().fit(summary)
    spend = dif.GammaGammaModel().fit(summary)
    options = dict(horizon=13, annual_discount_rate=0.1, time_unit="W")
    expected = dif.customer_value_table(clean, model, spend, summary, **options)
    table = dif.customer_value_table(None, model, spend, summary, past_value=got.past_value(), **options)
    pd.testing.assert_frame_equal(table, expected, check_exact=False, rtol=1e-12)
    with pytest.raises(ValueError, match="transactions=None"):
        dif.customer_value_table(clean, model, spend, summary, past_value=got.past_value(), **options)
