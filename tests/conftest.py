"""Shared fixtures and paths for the test suite."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATASETS = ROOT.parent / "shared" / "datasets"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def shared_datasets() -> Path:
    """The peer data sets beside the repository; tests skip when absent."""
    if not SHARED_DATASETS.is_dir():
        pytest.skip(f"peer data sets not found at {SHARED_DATASETS} (optional robustness data)")
    return SHARED_DATASETS


@pytest.fixture(scope="session")
def default_run(tmp_path_factory):
    """``default_run(stem)``: the notebook executed once per session with its defaults.

    The lesson tests (what a notebook's text says about its default output)
    and test_notebooks' defaults run share this one execution.
    """
    from idic_lab.report import run_notebook

    runs = {}

    def run(stem: str):
        if stem not in runs:
            notebook = ROOT / "notebooks" / f"{stem}.ipynb"
            runs[stem] = run_notebook(notebook, tmp_path_factory.mktemp(f"default_{stem}") / notebook.name)
        return runs[stem]

    return run
