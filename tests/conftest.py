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
