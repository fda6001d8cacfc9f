"""The consultant's YAML with ``engine: duckdb``: notebook 02 summarises a Parquet export inside DuckDB.

The oracle is the pandas path on the same export: the results file records
the same cleaning counts and the same BTYD summary, and the page says which
sections need the invoice lines and were not run with this engine.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from idic_lab import differentiate as dif
from idic_lab import schema
from idic_lab.cli import main
from idic_lab.results import load_results
from idic_lab.synth import make_invoice_export

ROOT = Path(__file__).resolve().parents[1]
END = "2011-12-09"


def _write_params(folder: Path, parameters: dict) -> Path:
    path = folder / "client.yaml"
    path.write_text(yaml.safe_dump(parameters, allow_unicode=True), encoding="utf-8")
    return path


def _run_02(folder: Path, export, source: dict) -> Path:
    """Notebook 02 through the consultant's command on the export, read from ``source``; the report folder."""
    parameters = {"common": {
        **source, "observation_end": END, "transaction_columns": export.columns["transactions"],
        "date_format": "%d/%m/%Y %H:%M", "currency": "£", "salt": "retail-client-2026-secret",
    }}
    out = folder / "report"
    code = main(["run", "--notebooks", str(ROOT / "notebooks"), "--only", "02_*", "--out", str(out),
                 "--params", str(_write_params(folder, parameters)), "--hide-code"])
    assert code == 0
    return out


def test_engine_parameters_are_checked_before_anything_runs(tmp_path, capsys):
    (tmp_path / "orders.parquet").write_bytes(b"PAR1")
    params = _write_params(tmp_path, {"common": {"transactions_file": "orders.parquet", "engine": "spark"}})
    with pytest.raises(SystemExit) as caught:
        main(["run", "--notebooks", str(ROOT / "notebooks"), "--only", "02_*", "--out", str(tmp_path / "out"),
              "--params", str(params)])
    assert caught.value.code == 2
    assert "engine 'spark' reads a table of the Spark session; give transactions_table" in capsys.readouterr().err
    params = _write_params(tmp_path, {"common": {"transactions_file": "orders.parquet", "engine": "polars"}})
    with pytest.raises(SystemExit):
        main(["run", "--notebooks", str(ROOT / "notebooks"), "--only", "02_*", "--out", str(tmp_path / "out"),
              "--params", str(params)])
    assert "02_differentiate.engine: expected one of 'pandas', 'duckdb', 'spark', found 'polars'" in \
        capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.notebook
def test_notebook_02_runs_on_a_parquet_export_with_duckdb(tmp_path):
    export = make_invoice_export(n_customers=300, seed=3)
    lines = export.lines.copy()
    export.lines.to_parquet(tmp_path / "orders.parquet")
    out = _run_02(tmp_path, export, {"transactions_file": "orders.parquet", "engine": "duckdb"})
    results = load_results(out / "02_differentiate.results.json")
    clean, report = schema.clean("transactions", lines, columns=export.columns["transactions"],
                                 date_format="%d/%m/%Y %H:%M", observation_end=END)
    cleaning = results["report.cleaning.transactions"]
    assert cleaning["dropped"] == report.dropped
    assert cleaning["rows_out"] == report.rows_out == export.truth.transactions_rows
    page = (out / "02_differentiate.html").read_text(encoding="utf-8")
    assert "Not run with engine &#x27;duckdb&#x27;" in page or "Not run with engine 'duckdb'" in page
    assert "left censoring" in page
    assert "Left of the calibration end" not in page  # no reading of the tracking chart that was not drawn
    summary = dif.rfm_summary(clean, observation_end=END)
    rfm = dif.rfm_summary(clean, observation_end=END, definition="rfm")
    assert results["differentiate.n_customers"] == len(summary)
    assert results["differentiate.summary.median_frequency"] == pytest.approx(summary["frequency"].median())
    assert results["differentiate.top20_share"] == pytest.approx(dif.top_share(rfm["total_value"], 0.2), abs=5e-5)  # recorded to 4 decimals
    assert results["differentiate.gini"] == pytest.approx(dif.gini(rfm["total_value"]), abs=5e-5)


@pytest.mark.notebook
def test_notebook_02_runs_on_a_spark_table(tmp_path):
    # engine "spark" with a table of the session: here Spark SQL's own file-table name for a Parquet file,
    # in the local session the kernel starts (on a cluster the active session is used unchanged).
    pytest.importorskip("pyspark")
    export = make_invoice_export(n_customers=120, seed=4)
    export.lines.to_parquet(tmp_path / "orders.parquet")
    out = _run_02(tmp_path, export, {"engine": "spark", "transactions_table": f"parquet.`{tmp_path / 'orders.parquet'}`"})
    results = load_results(out / "02_differentiate.results.json")
    clean, report = schema.clean("transactions", export.lines, columns=export.columns["transactions"],
                                 date_format="%d/%m/%Y %H:%M", observation_end=END)
    assert results["report.cleaning.transactions"]["rows_out"] == report.rows_out
    assert results["differentiate.n_customers"] == len(dif.rfm_summary(clean, observation_end=END))
    page = (out / "02_differentiate.html").read_text(encoding="utf-8")
    assert "Not run with engine &#x27;spark&#x27;" in page or "Not run with engine 'spark'" in page


def test_a_warehouse_table_makes_a_client_run():
    # Without this, a Spark table alone ran 02 in teaching mode with CDNOW's 1998 window.
    from idic_lab.report import is_client_run

    assert is_client_run({"common": {"engine": "spark", "transactions_table": "sales.orders"}})
    assert not is_client_run({"common": {"engine": "spark", "transactions_table": ""}})
