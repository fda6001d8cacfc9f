"""Every notebook: its structure follows DESIGN.md, and it runs through papermill.

Each notebook runs with its defaults and with every named parameter set in
``tests/notebook_cases/c<notebook stem>.py`` (a list ``CASES`` of
``(name, make_parameters(tmp_path) -> dict)``), at least one of which is a
small, fast CI set.
"""

from __future__ import annotations

import ast
import importlib.util
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest

from idic_lab.report import run_notebook

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CASES_DIR = Path(__file__).parent / "notebook_cases"

ParameterMaker = Callable[[Path], dict]


def _cases_for(notebook: Path) -> list[tuple[str, ParameterMaker]]:
    module_path = CASES_DIR / f"c{notebook.stem}.py"
    if not module_path.exists():
        return []
    spec = importlib.util.spec_from_file_location(f"notebook_cases.c{notebook.stem}", module_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.CASES)


def _runs() -> list:
    runs = []
    for notebook in NOTEBOOKS:
        runs.append(pytest.param(notebook, None, id=f"{notebook.stem}-defaults"))
        for name, make in _cases_for(notebook):
            runs.append(pytest.param(notebook, make, id=f"{notebook.stem}-{name}"))
    return runs


def _parameters_cells(nb) -> list:
    return [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]


def test_notebooks_exist():
    names = {nb.stem for nb in NOTEBOOKS}
    assert "00_start_here" in names


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.stem for n in NOTEBOOKS])
def test_notebook_structure(notebook: Path):
    nb = nbformat.read(notebook, as_version=4)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", "kernelspec must be python3"
    tagged = _parameters_cells(nb)
    assert len(tagged) == 1, f"want exactly one cell tagged 'parameters', found {len(tagged)}"
    tree = ast.parse(tagged[0].source)
    for statement in tree.body:
        assert isinstance(statement, (ast.Assign, ast.AnnAssign)), (
            f"parameters cell may only assign literals, found: {ast.unparse(statement)}"
        )
        ast.literal_eval(statement.value)  # raises if not a literal
    for line in tagged[0].source.splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            assert "#" in line, f"parameter without a comment (type and meaning): {line!r}"
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        assert not cell.get("outputs"), "commit notebooks without outputs"
        is_exercise = "exercise" in " ".join(cell.metadata.get("tags", [])).lower()
        if not is_exercise:
            defines = [
                n for n in ast.walk(ast.parse(cell.source))
                if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
            ]
            assert not defines, "logic belongs in idic_lab, not in notebook cells"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.stem for n in NOTEBOOKS])
def test_notebook_has_a_ci_parameter_set(notebook: Path):
    assert _cases_for(notebook), f"add tests/notebook_cases/c{notebook.stem}.py with at least one CASE"


@pytest.mark.notebook
@pytest.mark.parametrize("notebook, make_parameters", _runs())
def test_notebook_runs(notebook: Path, make_parameters: ParameterMaker | None, tmp_path: Path):
    parameters = make_parameters(tmp_path) if make_parameters else {}
    run = run_notebook(notebook, tmp_path / notebook.name, parameters=parameters)
    assert run.ok, f"{notebook.name} failed: {run.error} (executed copy: {run.executed})"
    assert not run.warnings, f"warnings in {notebook.name}: {run.warnings[:5]}"
    assert run.results, f"{notebook.name} recorded no headline figures (idic_lab.results.record)"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.stem for n in NOTEBOOKS])
def test_notebook_has_an_nbval_reference(notebook: Path):
    """Rounded summary tables are checked against a reference run (tests/reference/refresh.py)."""
    reference = ROOT / "tests" / "reference" / notebook.name
    assert reference.exists(), f"run: .venv/bin/python tests/reference/refresh.py {notebook.stem}"
    checked = [c for c in nbformat.read(reference, as_version=4).cells
               if "nbval-check-output" in c.metadata.get("tags", []) and c.get("outputs")]
    assert checked, f"{reference.name}: tag at least one rounded summary table 'nbval-check-output'"
    source_cells = {c.source for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "code"}
    stale = [c.source[:60] for c in checked if c.source not in source_cells]
    assert not stale, f"{reference.name} is older than the notebook (refresh it): {stale}"


def test_lab_sections_marked_available_are_the_notebooks_that_exist():
    from idic_lab.frameworks import LAB_SECTIONS

    existing = {nb.stem for nb in NOTEBOOKS}
    for section in LAB_SECTIONS.values():
        assert (section.status == "available") == (section.notebook in existing), section
