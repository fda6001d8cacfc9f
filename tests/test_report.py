"""The runner behind `make run`: executes notebooks, exports HTML, writes the index."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from idic_lab.cli import main
from idic_lab.report import notebook_parameters, run_all, run_notebook


def _notebook(path: Path, body: str) -> Path:
    nb = nbformat.v4.new_notebook()
    parameters = nbformat.v4.new_code_cell("factor = 2  # int: multiplier")
    parameters.metadata["tags"] = ["parameters"]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# A tiny notebook"),
        parameters,
        nbformat.v4.new_code_cell(body),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


@pytest.fixture
def notebooks(tmp_path: Path) -> Path:
    folder = tmp_path / "notebooks"
    folder.mkdir()
    _notebook(folder / "10_ok.ipynb", "from idic_lab import results\nSECRET_CODE = 1\nresults.record('tiny.value', 21 * factor)")
    _notebook(folder / "20_broken.ipynb", "raise RuntimeError('the data file is missing')")
    return folder


def test_parameters_are_read_from_the_tagged_cell(notebooks):
    assert notebook_parameters(notebooks / "10_ok.ipynb") == {"factor": "2"}


@pytest.mark.notebook
def test_run_notebook_collects_results_and_time(notebooks, tmp_path):
    run = run_notebook(notebooks / "10_ok.ipynb", tmp_path / "out" / "10_ok.ipynb", parameters={"factor": 3})
    assert run.ok and run.error is None
    assert run.results == {"tiny.value": 63}
    assert run.seconds > 0
    assert (tmp_path / "out" / "10_ok.results.json").exists()


def test_unknown_parameter_is_an_error_not_ignored(notebooks, tmp_path):
    with pytest.raises(ValueError, match=r"has no parameter\(s\) \['factr'\].*declares: \['factor'\]"):
        run_notebook(notebooks / "10_ok.ipynb", tmp_path / "x.ipynb", parameters={"factr": 3})


def test_missing_notebook_is_reported(tmp_path):
    with pytest.raises(FileNotFoundError, match="notebook not found"):
        run_notebook(tmp_path / "nope.ipynb", tmp_path / "x.ipynb")


@pytest.mark.notebook
def test_run_all_writes_index_with_links_status_and_time(notebooks, tmp_path):
    out = tmp_path / "reports"
    runs = run_all(notebooks, out, echo=False)
    assert [r.status for r in runs] == ["ok", "failed"]
    assert "RuntimeError: the data file is missing" in runs[1].error
    index = (out / "index.html").read_text()
    assert 'href="10_ok.html"' in index and 'href="20_broken.html"' in index
    assert "10_ok" in index and "20_broken" in index
    assert runs[0].results == {"tiny.value": 42}
    for run in runs:
        assert run.html.exists()
    assert "SECRET_CODE" in (out / "10_ok.html").read_text()


@pytest.mark.notebook
def test_cli_hides_code_and_fails_when_a_notebook_fails(notebooks, tmp_path):
    params = tmp_path / "client.yaml"
    params.write_text("common:\n  factor: 5\n")
    out = tmp_path / "client"
    code = main(["run", "--notebooks", str(notebooks), "--out", str(out), "--params", str(params), "--hide-code"])
    assert code == 1  # the broken notebook
    page = (out / "10_ok.html").read_text()
    assert "SECRET_CODE" not in page
    assert "105" in (out / "10_ok.results.json").read_text()
    assert main(["run", "--notebooks", str(notebooks), "--out", str(out), "--only", "10_*"]) == 0


def test_cli_rejects_a_malformed_parameter_file(notebooks, tmp_path):
    params = tmp_path / "bad.yaml"
    params.write_text("- just\n- a list\n")
    with pytest.raises(SystemExit, match="must map 'common'"):
        main(["run", "--notebooks", str(notebooks), "--params", str(params)])


def test_parameter_file_paths_are_relative_to_the_file(tmp_path):
    from idic_lab.cli import _read_parameters

    (tmp_path / "orders.csv").write_text("x\n1\n")
    params = tmp_path / "client.yaml"
    params.write_text(
        "common:\n  transactions_file: orders.csv\n  date_format: '%d/%m/%Y'\n  client_name: Acme\n"
        "06_maturity_assessment:\n  stage_results: [out/01_identify.results.json]\n"
        "01_identify:\n  customer_files: [orders.csv, /abs/shop.csv]\n"
    )
    read = _read_parameters(str(params))
    assert read["common"] == {"transactions_file": str(tmp_path / "orders.csv"), "date_format": "%d/%m/%Y",
                              "client_name": "Acme"}
    assert read["06_maturity_assessment"]["stage_results"] == [str(tmp_path / "out" / "01_identify.results.json")]
    assert read["01_identify"]["customer_files"] == [str(tmp_path / "orders.csv"), "/abs/shop.csv"]


@pytest.mark.parametrize(
    "text, message",
    [
        ("common:\n  factr: 5\n", r"common.factr: no notebook of this run declares it \(did you mean 'factor'\?\)"),
        ("10_okay:\n  factor: 5\n", r"section '10_okay' is not a notebook of this run \(did you mean '10_ok'\?\)"),
        ("10_ok:\n  factor: 5\n  colour: red\n", r"10_ok.colour: 10_ok does not declare it"),
        ("common:\n  factor: [1, 2\n", r"client.yaml is not valid YAML at line 3, column 1: expected .,. or .\]."),
    ],
    ids=["misspelled common key", "unknown section", "unknown notebook key", "broken yaml"],
)
def test_parameter_file_is_checked_in_full_before_anything_runs(notebooks, tmp_path, text, message):
    params = tmp_path / "client.yaml"
    params.write_text(text)
    out = tmp_path / "out"
    with pytest.raises(SystemExit, match=message):
        main(["run", "--notebooks", str(notebooks), "--out", str(out), "--params", str(params)])
    assert not out.exists(), "nothing may run when the parameters are not understood"
