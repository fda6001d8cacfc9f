"""The runner in a client run: leaving out instead of substituting, client pages, the checks before a run.

Fast tests on tiny notebooks built here; the few that start a kernel are
marked ``notebook``.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from idic_lab.report import (
    NotebookRun,
    check_parameters,
    client_notebook,
    client_page,
    client_problem,
    file_header,
    is_client_run,
    reduce_paths,
    run_all,
)


def _cell(kind: str, source: str, *tags: str):
    cell = nbformat.v4.new_markdown_cell(source) if kind == "md" else nbformat.v4.new_code_cell(source)
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def _write(path: Path, cells: list, parameters: str, **meta) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [cells[0], _cell("code", parameters, "parameters"), *cells[1:]]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    if meta:
        nb.metadata["idic_lab"] = meta
    nbformat.write(nb, path)
    return path


STAGE_PARAMETERS = (
    'mode = "teaching"  # str: "teaching" or "client"\n'
    'transactions_file = ""  # str: client export\n'
    'transaction_columns = {}  # dict or JSON str\n'
    'campaign_file = ""  # str: client campaign test'
)


def _stage_cells():
    return [
        _cell("md", "# Stage two: value"),
        _cell("md", "## Learning objectives\nYou will learn …", "teaching"),
        _cell("code", "from idic_lab import results\nresults.record('stage.mode', mode)"),
        _cell("md", "## Value per customer", "needs:transactions_file"),
        _cell("code", "results.record('stage.value', 1)", "needs:transactions_file"),
        _cell("md", "### Exercise\nReplace the `...`", "teaching"),
        _cell("code", "results.record('stage.exercise', 1)", "needs:transactions_file", "teaching"),
        _cell("md", "## Campaign test", "needs:campaign_file"),
        _cell("code", "results.record('stage.campaign', 1)", "needs:campaign_file"),
        _cell("md", "## Both", "needs:campaign_file", "needs:transactions_file"),
        _cell("code", "print('the end')"),
    ]


# --- which runs are client runs -----------------------------------------------------


@pytest.mark.parametrize(
    "parameters, client",
    [
        ({}, False),
        ({"common": {"seed": 3, "transactions_file": ""}}, False),
        ({"02_differentiate": {"customer_files": []}}, False),
        ({"common": {"transactions_file": "orders.csv"}}, True),
        ({"01_identify": {"customer_files": ["a.csv"]}}, True),
        ({"06_maturity_assessment": {"client_name": "Acme"}}, True),
        ({"06_maturity_assessment": {"stage_results": ["x.results.json"]}}, True),
        ({"03_interact": {"mode": "client"}}, True),
        ({"common": {"mode": "teaching"}}, False),
    ],
)
def test_a_client_run_is_one_given_client_inputs(parameters, client):
    assert is_client_run(parameters) is client


# --- leaving out, never substituting ------------------------------------------------


def test_client_notebook_removes_teaching_cells_and_sections_without_their_input():
    nb = nbformat.v4.new_notebook()
    nb.cells = _stage_cells()
    filtered, not_run = client_notebook(nb, {"transactions_file": "orders.csv", "campaign_file": ""})
    sources = [c.source for c in filtered.cells]
    assert not any("Learning objectives" in s or "Exercise" in s for s in sources)
    assert "results.record('stage.value', 1)" in sources  # its input is given
    assert "results.record('stage.exercise', 1)" not in sources  # teaching wins
    assert "results.record('stage.campaign', 1)" not in sources
    # one note per section left out, also when the sections follow each other
    notes = [s for s in sources if "not run" in s]
    assert notes == ["**Campaign test** — not run: needs `campaign_file`", "**Both** — not run: needs `campaign_file`"]
    assert not_run == [{"section": "Campaign test", "needs": ["campaign_file"]},
                       {"section": "Both", "needs": ["campaign_file"]}]
    assert sources[-1] == "print('the end')"
    assert len(nb.cells) == 11, "the original is left as it is"


def test_each_section_left_out_is_one_note_with_every_missing_input():
    nb = nbformat.v4.new_notebook()
    nb.cells = _stage_cells()
    filtered, not_run = client_notebook(nb, {})
    notes = [c.source for c in filtered.cells if "not run" in c.source]
    assert notes == ["**Value per customer** — not run: needs `transactions_file`",
                     "**Campaign test** — not run: needs `campaign_file`",
                     "**Both** — not run: needs `campaign_file`, `transactions_file`"]
    assert [entry["section"] for entry in not_run] == ["Value per customer", "Campaign test", "Both"]


def test_a_removed_run_without_its_own_heading_is_named_after_the_section_it_is_in():
    nb = nbformat.v4.new_notebook()
    nb.cells = [_cell("md", "## Retention by cohort"), _cell("code", "x = 1"),
                _cell("code", "y = 2", "needs:survey_file"), _cell("code", "z = 3")]
    filtered, not_run = client_notebook(nb, {"survey_file": "  "})
    assert [c.source for c in filtered.cells][2] == "**Part of Retention by cohort** — not run: needs `survey_file`"
    assert not_run == [{"section": "Part of Retention by cohort", "needs": ["survey_file"]}]


# --- client pages -------------------------------------------------------------------


def _failed_executed_notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    banner = _cell("md", '<span style="color:red">An Exception was encountered at cell 3</span>',
                   "papermill-error-cell-tag")
    code = _cell("code", "load('/home/consultant/acme/orders.csv')")
    code.outputs = [
        nbformat.v4.new_output("stream", name="stderr", text=(
            "/home/consultant/idic_lab/differentiate.py:88: IdicLabWarning: the model did not converge\n"
            "  warn(message)\n")),
        nbformat.v4.new_output("error", ename="SchemaError", evalue="File /home/consultant/acme/orders.csv: no column 'Betrag'",
                               traceback=["Traceback (most recent call last)", 'File "/home/consultant/x.py", line 3']),
    ]
    never_ran = _cell("md", "**Reading it.** The top tier carries most of the value.")
    nb.cells = [banner, _cell("md", "# Differentiate: value"), _cell("md", "## Exercise", "teaching"), code, never_ran]
    return nb


def test_client_page_shows_a_short_box_instead_of_a_traceback():
    nb = _failed_executed_notebook()
    problem = client_problem("SchemaError", "File /home/consultant/acme/orders.csv: no column 'Betrag'\nmore")
    run = NotebookRun("02_differentiate.ipynb", "failed", 1.0, None, error="SchemaError: ...", problem=problem)
    page = client_page(nb, run=run)
    text = json.dumps(page)
    assert "Traceback" not in text and "/home/consultant" not in text and "papermill-error" not in text
    assert "Exercise" not in text and "An Exception was encountered" not in text
    box = page.cells[0].source
    assert "Differentiate: value" in box and "could not be completed" in box
    assert "no column &#x27;Betrag&#x27;" in box and "orders.csv" in box
    assert "Check the column named in the message" in box
    stderr = page.cells[-2].outputs[0].text
    assert stderr == "IdicLabWarning: the model did not converge\n"
    # what follows the failing cell never ran: its text would describe results that do not exist
    assert "top tier" not in text and "rest of this stage was not run" in page.cells[-1].source
    assert nb.cells[-2].outputs[-1].output_type == "error", "the executed notebook keeps its traceback"


def test_client_problem_is_one_line_without_paths_with_what_to_do():
    problem = client_problem("FileNotFoundError", "No file at /srv/data/acme/kunden.csv (current folder: /work)")
    assert problem == ("The step stopped with: FileNotFoundError: No file at kunden.csv (current folder: work) — "
                       "Check that the file named in the message exists and that the parameter file gives its "
                       "right path.")
    assert "\n" not in client_problem("ValueError", "first line\nsecond line")


@pytest.mark.parametrize(
    "text, reduced",
    [
        ("File /home/a/b/orders.csv: bad", "File orders.csv: bad"),
        ("File C:\\Users\\ann\\orders.csv: bad", "File orders.csv: bad"),
        ("read '~/exports/x.parquet' now", "read 'x.parquet' now"),
        ("dates as dd/mm/yyyy or 1/2 of them", "dates as dd/mm/yyyy or 1/2 of them"),
        ("see https://example.com/a/b", "see https://example.com/a/b"),
    ],
)
def test_local_paths_are_reduced_to_file_names(text, reduced):
    assert reduce_paths(text) == reduced


# --- the parameter file is checked before anything runs -------------------------------


@pytest.fixture
def stage_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "notebooks"
    folder.mkdir()
    _write(folder / "02_value.ipynb", _stage_cells(), STAGE_PARAMETERS, needs_any=["transactions_file"])
    _write(folder / "06_assess.ipynb", [_cell("md", "# Assessment")],
           'mode = "teaching"  # str\nstage_results = []  # list[str]\nclient_name = "Fictional"  # str', needs_any=[])
    return folder


def test_missing_files_and_absent_columns_are_refused_together(stage_folder, tmp_path):
    orders = tmp_path / "orders.csv"
    orders.write_bytes("Kunde;Datum;Betrag £\n1;01/02/2024;3,50\n".encode("cp1252"))
    parameters = {
        "common": {"transactions_file": str(orders),
                   "transaction_columns": json.dumps({"customer_id": "Kunde", "amount": "Betrag", "date": "Dtum"})},
        "02_value": {"campaign_file": str(tmp_path / "nope.csv")},
        "06_assess": {"stage_results": [str(tmp_path / "out" / "02_value.results.json"),
                                        str(tmp_path / "elsewhere.results.json")]},
    }
    with pytest.raises(ValueError) as caught:
        check_parameters(sorted(stage_folder.glob("*.ipynb")), parameters, out_dir=tmp_path / "out")
    message = str(caught.value)
    assert "4 problem(s); nothing was run" in message
    assert "02_value.campaign_file: no file " in message and "nope.csv" in message
    assert ("common.transaction_columns: maps 'amount' to 'Betrag', but orders.csv has no column 'Betrag' "
            "(did you mean 'Betrag £'?)") in message
    assert "maps 'date' to 'Dtum'" in message and "(did you mean 'Datum'?)" in message
    assert "elsewhere.results.json" in message
    assert "02_value.results.json" not in message, "written by 02 earlier in the same run"
    assert not (tmp_path / "out").exists()


def test_every_file_of_a_files_list_is_checked(tmp_path):
    folder = tmp_path / "nb"
    folder.mkdir()
    _write(folder / "01_who.ipynb", [_cell("md", "# Who")],
           'customer_files = []  # list[str]\ncustomer_columns = {}  # dict', needs_any=["customer_files"])
    shop = tmp_path / "shop.csv"
    shop.write_text("Kundennummer,Name\n1,A\n", encoding="utf-8")
    web = tmp_path / "web.csv"
    web.write_text("id,Name\n1,A\n", encoding="utf-8")
    # each system exports different fields: a mapped column must be in one of the files at least
    parameters = {"01_who": {"customer_files": [str(shop), str(web), str(tmp_path / "gone.csv")],
                             "customer_columns": {"customer_id": "Kundennummer", "email": "Mail"}}}
    with pytest.raises(ValueError) as caught:
        check_parameters([folder / "01_who.ipynb"], parameters)
    message = str(caught.value)
    assert "2 problem(s)" in message
    assert "01_who.customer_files: no file " in message and "gone.csv" in message
    assert "maps 'email' to 'Mail', but shop.csv or web.csv has no column 'Mail'" in message
    parameters["01_who"]["customer_files"] = [str(shop), str(web)]
    parameters["01_who"]["customer_columns"] = {"customer_id": "Kundennummer"}
    check_parameters([folder / "01_who.ipynb"], parameters)  # all good: no error


def test_file_header_reads_only_the_header_in_the_files_encoding(tmp_path):
    text = tmp_path / "export.csv"
    text.write_bytes("InvoiceNo;Price £;Country\n".encode("cp1252") + b"536365;2,55;UK\n" * 10)
    assert file_header(text) == ["InvoiceNo", "Price £", "Country"]
    parquet = tmp_path / "export.parquet"
    pd.DataFrame({"a": [1], "Kunde": ["x"]}).to_parquet(parquet)
    assert file_header(parquet) == ["a", "Kunde"]
    excel = tmp_path / "export.xlsx"
    pd.DataFrame({"Datum": ["1.2.2024"], "Betrag": ["3"]}).to_excel(excel, index=False)
    assert file_header(excel) == ["Datum", "Betrag"]


# --- whole client runs (a kernel per notebook) -----------------------------------------


@pytest.fixture
def client_folder(stage_folder: Path) -> Path:
    _write(stage_folder / "00_intro.ipynb", [_cell("md", "# Start here"), _cell("code", "print('Anna Berg')")],
           'seed = 0  # int', audience="teaching")
    _write(stage_folder / "03_talk.ipynb", [_cell("md", "# Talk"), _cell("code", "print('synthetic campaign')")],
           'mode = "teaching"  # str\ncampaign_file = ""  # str\nsurvey_file = ""  # str',
           needs_any=["campaign_file", "survey_file"])
    return stage_folder


@pytest.mark.notebook
def test_client_run_leaves_out_what_has_no_input_and_never_substitutes(client_folder, tmp_path):
    orders = tmp_path / "orders.csv"
    orders.write_text("customer_id,date,amount\n1,2024-01-02,3.5\n", encoding="utf-8")
    out = tmp_path / "out"
    runs = run_all(client_folder, out, parameters={"common": {"transactions_file": str(orders)}},
                   hide_code=True, echo=False, progress_bar=False)
    by_name = {run.notebook: run for run in runs}
    assert [run.status for run in runs] == ["not run", "ok", "not run", "ok"]
    assert by_name["00_intro.ipynb"].needs == [] and "teaching notebook" in by_name["00_intro.ipynb"].error
    assert by_name["03_talk.ipynb"].needs == ["campaign_file", "survey_file"]
    assert not (out / "00_intro.html").exists() and not (out / "03_talk.ipynb").exists()
    stage = by_name["02_value.ipynb"]
    assert stage.results == {"stage.mode": "client", "stage.value": 1}
    assert stage.not_run == [{"section": "Campaign test", "needs": ["campaign_file"]},
                             {"section": "Both", "needs": ["campaign_file"]}]
    page = (out / "02_value.html").read_text(encoding="utf-8")
    assert "Learning objectives" not in page and "Exercise" not in page
    assert "not run: needs" in page and "campaign_file" in page
    # 06 gets the evidence this run measured (and only that)
    assessment = nbformat.read(out / "06_assess.ipynb", as_version=4)
    assert assessment.metadata.papermill.parameters["stage_results"] == [str((out / "02_value.results.json").resolve())]
    assert assessment.metadata.papermill.parameters["mode"] == "client"
    assert not list(out.glob(".*")), "no temporary files are left"
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "campaign_file" in index


@pytest.mark.notebook
def test_teaching_run_with_hidden_code_leaves_out_teaching_cells_but_runs_them(stage_folder, tmp_path):
    out = tmp_path / "out"
    runs = run_all(stage_folder, out, pattern="02_*", hide_code=True, echo=False, progress_bar=False)
    assert runs[0].ok and runs[0].results["stage.exercise"] == 1 and runs[0].results["stage.mode"] == "teaching"
    page = (out / "02_value.html").read_text(encoding="utf-8")
    assert "Learning objectives" not in page and "Campaign test" in page


@pytest.mark.notebook
def test_a_failed_stage_shows_a_box_for_the_client_and_the_traceback_for_the_consultant(tmp_path, capfd):
    folder = tmp_path / "nb"
    folder.mkdir()
    _write(folder / "02_value.ipynb",
           [_cell("md", "# Differentiate"), _cell("code", "open(transactions_file + '.missing')")],
           'transactions_file = ""  # str')
    orders = tmp_path / "acme_share" / "orders.csv"
    orders.parent.mkdir()
    orders.write_text("x\n1\n")
    out = tmp_path / "out"
    (run,) = run_all(folder, out, parameters={"common": {"transactions_file": str(orders)}}, hide_code=True,
                     echo=False, progress_bar=False)
    assert run.status == "failed" and str(tmp_path) in run.error
    assert run.problem.startswith("The step stopped with: FileNotFoundError: [Errno 2] No such file or directory: "
                                  "'orders.csv.missing' — Check that the file")
    page = (out / "02_value.html").read_text(encoding="utf-8")
    assert "Traceback" not in page and str(tmp_path) not in page and "acme_share" not in page
    assert "could not be completed" in page and "orders.csv.missing" in page
    assert "Traceback" in (out / "02_value.ipynb").read_text() or "FileNotFoundError" in (out / "02_value.ipynb").read_text()
    assert "without encryption" not in capfd.readouterr().err


def test_teaching_defaults_do_not_reach_a_client_run(tmp_path):
    """CDNOW's 1998 window is the teaching default; a client's data gets the notebook's client default."""
    from idic_lab.report import _plan

    folder = tmp_path / "nb"
    folder.mkdir()
    _write(folder / "02_value.ipynb", _stage_cells(),
           STAGE_PARAMETERS + '\nobservation_end = "1998-06-30"  # str\ncalibration_end = "1997-09-30"  # str',
           needs_any=["transactions_file"], client_defaults={"observation_end": "", "calibration_end": ""})
    orders = str(tmp_path / "orders.csv")
    [client] = _plan([folder / "02_value.ipynb"], {"common": {"transactions_file": orders}}, tmp_path, client=True)
    assert client.values["observation_end"] == "" and client.values["calibration_end"] == ""
    given = {"common": {"transactions_file": orders}, "02_value": {"calibration_end": "2011-06-30"}}
    [chosen] = _plan([folder / "02_value.ipynb"], given, tmp_path, client=True)
    assert chosen.values["calibration_end"] == "2011-06-30" and chosen.values["observation_end"] == ""
    [teaching] = _plan([folder / "02_value.ipynb"], {}, tmp_path, client=False)
    assert "observation_end" not in teaching.values, "a teaching run keeps the notebook's own defaults"


def test_a_reading_of_a_line_level_chart_is_left_out_when_a_warehouse_engine_keeps_the_lines():
    nb = nbformat.v4.new_notebook()
    reading = nbformat.v4.new_markdown_cell("**Reading it.** The tracking chart ...")
    reading.metadata["tags"] = ["needs-lines"]
    nb.cells = [nbformat.v4.new_code_cell("plot_tracking()"), reading, nbformat.v4.new_markdown_cell("next")]
    for engine, kept in ((None, True), ("pandas", True), ("duckdb", False), ("spark", False)):
        filtered, not_run = client_notebook(nb, {"engine": engine})
        assert any("tracking chart" in c.source for c in filtered.cells) is kept, engine
        assert not_run == [] and filtered.cells[-1].source == "next"
