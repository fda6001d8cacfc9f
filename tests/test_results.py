"""idic_lab.results: headline figures written beside an executed notebook."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from idic_lab import results


@pytest.fixture(autouse=True)
def _fresh(monkeypatch):
    monkeypatch.delenv(results.RESULTS_ENV_VAR, raising=False)
    results.clear()
    yield
    results.clear()


def test_record_returns_value_and_keeps_it_in_memory():
    assert results.record("a.count", np.int64(3)) == 3
    assert results.recorded() == {"a.count": 3}


def test_record_writes_json_when_run_by_the_runner(tmp_path, monkeypatch):
    target = tmp_path / "02.results.json"
    monkeypatch.setenv(results.RESULTS_ENV_VAR, str(target))
    results.record("share", np.float64(0.25))
    results.record("when", pd.Timestamp("1997-01-01"))
    results.record("params", {"r": 0.243, "alpha": np.float32(4.5)})
    results.record("nan", float("nan"))
    stored = json.loads(target.read_text())
    assert stored == {
        "share": 0.25,
        "when": "1997-01-01T00:00:00",
        "params": {"r": 0.243, "alpha": 4.5},
        "nan": None,
    }
    assert results.load_results(target) == stored


def test_results_path_sits_beside_the_executed_notebook(tmp_path):
    assert results.results_path_for(tmp_path / "02_differentiate.ipynb") == tmp_path / "02_differentiate.results.json"


def test_missing_results_file_is_empty(tmp_path):
    assert results.load_results(tmp_path / "none.json") == {}


@pytest.mark.parametrize("key", ["", "   ", None, 3])
def test_bad_keys_are_refused(key):
    with pytest.raises(ValueError, match="non-empty string"):
        results.record(key, 1)


def test_tables_are_refused_with_advice():
    with pytest.raises(TypeError, match="record a summary figure"):
        results.record("table", pd.DataFrame({"a": [1]}))
