"""Deterministic outputs: every sort in the package and the notebooks is stable.

numpy's default quicksort dispatches to CPU-specific code, so the order of
tied values differs between machines (a reference table of the eight
largest customers listed other customers on a fresh machine). Every
``sort_values``, ``sort_index`` and ``argsort`` therefore names a stable
kind, and ties are broken by id where it matters. The notebook runs in
``test_notebooks.py`` check the outcome: two kernels that behave like two
machines give the same figures and tables.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
SORTS = {"sort_values", "sort_index", "argsort"}
STABLE = {"stable", "mergesort"}


def _unstable_sorts(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in SORTS:
            continue
        kind = next((k.value for k in node.keywords if k.arg == "kind"), None)
        if not (isinstance(kind, ast.Constant) and kind.value in STABLE):
            lines.append(node.lineno)
    return lines


SOURCES = sorted((ROOT / "idic_lab").rglob("*.py"))
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", SOURCES, ids=[str(p.relative_to(ROOT)) for p in SOURCES])
def test_package_sorts_are_stable(path: Path):
    lines = _unstable_sorts(ast.parse(path.read_text(encoding="utf-8")))
    assert not lines, f"{path.relative_to(ROOT)}: sort without kind='stable' on line(s) {lines}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.stem for n in NOTEBOOKS])
def test_notebook_sorts_are_stable(notebook: Path):
    nb = nbformat.read(notebook, as_version=4)
    for number, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            lines = _unstable_sorts(ast.parse(cell.source))
            assert not lines, f"{notebook.name} cell {number}: sort without kind='stable': {cell.source[:80]!r}"


def test_the_check_finds_an_unstable_sort():
    assert _unstable_sorts(ast.parse("df.sort_values('a').head()\nnp.argsort(x, kind='stable')")) == [1]
