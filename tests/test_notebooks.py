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

from idic_lab.report import comparable_results, run_notebook

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
    """Defaults and every named case; the first case (the CI set) runs twice, see below."""
    runs = []
    for notebook in NOTEBOOKS:
        runs.append(pytest.param(notebook, None, False, id=f"{notebook.stem}-defaults"))
        for position, (name, make) in enumerate(_cases_for(notebook)):
            runs.append(pytest.param(notebook, make, position == 0, id=f"{notebook.stem}-{name}"))
    return runs


def _other_machine() -> dict[str, str]:
    """Kernel environment that behaves like another machine.

    Another hash seed reorders sets of strings. Switching off numpy's
    CPU-specific code paths changes which quicksort runs, and with it the
    order of tied values in any unstable sort, as on a machine with another
    CPU (the cause of a reference failure on a fresh machine).
    """
    try:
        from numpy._core._multiarray_umath import __cpu_dispatch__ as dispatched
    except ImportError:  # another numpy layout: the hash seed still differs
        dispatched = []
    return {"PYTHONHASHSEED": "1", "NPY_DISABLE_CPU_FEATURES": " ".join(dispatched)}


KERNELS = ({"PYTHONHASHSEED": "0"}, _other_machine())


def _same(a, b, rel: float = 1e-9) -> bool:
    """Equal, floats to a relative 1e-9 (vector code may round the last bit differently)."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or abs(a - b) <= rel * max(abs(a), abs(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k], rel) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y, rel) for x, y in zip(a, b))
    return a == b


def _checked_outputs(executed: Path) -> list[tuple[str, list[str]]]:
    """Text of every output of the cells tagged nbval-check-output (source, outputs)."""
    nb = nbformat.read(executed, as_version=4)
    checked = []
    for cell in nb.cells:
        if cell.cell_type != "code" or "nbval-check-output" not in cell.metadata.get("tags", []):
            continue
        texts: list[str] = []
        streaming = False  # a print may arrive in one chunk or several: consecutive stream text is one output
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                if streaming:
                    texts[-1] += output.get("text", "")
                else:
                    texts.append(output.get("text", ""))
                streaming = True
                continue
            streaming = False
            data = output.get("data", {})
            texts += [str(data[k]) for k in ("text/plain", "text/html") if k in data]
        checked.append((cell.source, texts))
    return checked


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


def _run_checked(notebook: Path, executed: Path, parameters: dict, environment: dict | None = None):
    return _assert_clean(notebook, run_notebook(notebook, executed, parameters=parameters, environment=environment))


def _assert_clean(notebook: Path, run):
    assert run.ok, f"{notebook.name} failed: {run.error} (executed copy: {run.executed})"
    assert not run.warnings, f"warnings in {notebook.name}: {run.warnings[:5]}"
    assert run.results, f"{notebook.name} recorded no headline figures (idic_lab.results.record)"
    return run


@pytest.mark.notebook
@pytest.mark.parametrize("notebook, make_parameters, twice", _runs())
def test_notebook_runs(notebook: Path, make_parameters: ParameterMaker | None, twice: bool, tmp_path: Path, request):
    """Every parameter set runs clean; the CI set runs in two kernels that behave like two
    machines and must give the same recorded figures (wall-clock times aside) and the same
    checked tables."""
    if make_parameters is None:  # the defaults: one execution shared with the lesson tests
        _assert_clean(notebook, request.getfixturevalue("default_run")(notebook.stem))
        return
    parameters = make_parameters(tmp_path)
    if not twice:
        _run_checked(notebook, tmp_path / notebook.name, parameters)
        return
    first, second = (
        _run_checked(notebook, tmp_path / f"kernel{i}" / notebook.name, parameters, environment)
        for i, environment in enumerate(KERNELS)
    )
    a, b = comparable_results(first.results), comparable_results(second.results)
    differing = sorted(k for k in a.keys() | b.keys() if not _same(a.get(k), b.get(k)))
    assert not differing, (
        f"{notebook.name}: recorded figures differ between kernels {KERNELS}: "
        + "; ".join(f"{k}: {a.get(k)!r} vs {b.get(k)!r}" for k in differing[:5])
    )
    tables_a, tables_b = _checked_outputs(first.executed), _checked_outputs(second.executed)
    assert tables_a, f"{notebook.name}: no cell tagged nbval-check-output produced output"
    for (source, out_a), (_, out_b) in zip(tables_a, tables_b):
        assert out_a == out_b, f"{notebook.name}: checked output of {source[:60]!r} differs between kernels"


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
