"""Rebuild the nbval reference executions in this folder.

Run: ``.venv/bin/python tests/reference/refresh.py [stem ...]``.

Each notebook in ``notebooks/`` runs with its first CI parameter set (the
first ``CASES`` entry of ``tests/notebook_cases/c<stem>.py``, which must not
need files from ``tmp_path``) and is saved here with outputs kept only on
cells tagged ``nbval-check-output``: rounded summary tables from the shipped
data sets. ``pytest`` (with ``--nbval-lax``, see pyproject.toml) re-executes
these copies and fails if a checked output changes. Refresh only when a
change of the figures is intended, and say why in the commit.
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
from pathlib import Path

import nbformat

from idic_lab.report import run_notebook

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CHECK_TAG = "nbval-check-output"


def _ci_parameters(stem: str) -> dict:
    path = ROOT / "tests" / "notebook_cases" / f"c{stem}.py"
    spec = importlib.util.spec_from_file_location(f"c{stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    _, make = module.CASES[0]
    with tempfile.TemporaryDirectory() as tmp:
        return make(Path(tmp))


def refresh(stem: str) -> Path:
    notebook = ROOT / "notebooks" / f"{stem}.ipynb"
    target = HERE / notebook.name
    run = run_notebook(notebook, target, parameters=_ci_parameters(stem))
    if not run.ok:
        raise SystemExit(f"{notebook.name} failed: {run.error}")
    nb = nbformat.read(target, as_version=4)
    checked = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if CHECK_TAG in cell.metadata.get("tags", []):
            checked += 1  # nbval compares only cells with an execution count
        else:
            cell.outputs = []
            cell.execution_count = None
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    nbformat.write(nb, target)
    for extra in HERE.glob(f"{stem}.results.json"):
        extra.unlink()
    print(f"{target.relative_to(ROOT)}: {checked} checked cell(s)")
    return target


if __name__ == "__main__":
    stems = sys.argv[1:] or [p.stem for p in sorted((ROOT / "notebooks").glob("*.ipynb"))]
    for name in stems:
        refresh(name)
