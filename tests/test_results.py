"""idic_lab.results: headline figures written beside an executed notebook."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from idic_lab import results
from idic_lab.diagnostics import IdicLabWarning


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
    with pytest.warns(IdicLabWarning, match=r"under 'nan' are missing or not finite .* stored as null"):
        results.record("nan", float("nan"))  # stored as null, but no longer silently
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


def test_nested_non_finite_values_are_named_in_the_warning():
    with pytest.warns(IdicLabWarning, match=r"2 value\(s\) recorded under 'scores'.*scores\.b=inf, scores\.c\[1\]=nan"):
        results.record("scores", {"a": 1.0, "b": np.inf, "c": [2.0, np.nan]})
    assert results.recorded()["scores"] == {"a": 1.0, "b": None, "c": [2.0, None]}


def test_none_is_an_explicit_null_without_warning():
    results.record("nothing", None)  # warnings are errors in this test run
    assert results.recorded() == {"nothing": None}


def test_dates_and_series_with_whole_number_keys():
    import datetime as dt

    results.record("day", dt.date(2024, 1, 2))
    results.record("counts", pd.Series([3, 4], index=[1, 2]))
    assert results.recorded() == {"day": "2024-01-02", "counts": {"1": 3, "2": 4}}


@pytest.mark.parametrize(
    "value, error, match",
    [
        ({1.5: 2}, TypeError, r"has the key 1.5 \(float\) at odd; keys must be text"),
        ({1: 2, "1": 3}, ValueError, r"two keys written as '1'"),
        ({"a", "b"}, TypeError, r"is a set; .*sorted"),
        (b"raw", TypeError, r"is a bytes; .*decode"),
    ],
)
def test_values_that_are_not_figures_are_refused(value, error, match):
    with pytest.raises(error, match=match):
        results.record("odd", value)


@pytest.mark.parametrize(
    "content, match",
    [
        (b'{"a": 1,', r"results file bad.results.json: not valid JSON .*line 1.*Run the notebook again"),
        (b"\xff\xfe{\x00}\x00", r"results file bad.results.json: not UTF-8 text"),
        (b"[1, 2]", r"results file bad.results.json: expected a JSON object .*found a JSON list"),
    ],
)
def test_broken_results_files_are_named(tmp_path, content, match):
    path = tmp_path / "bad.results.json"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=match):
        results.load_results(path)


def test_record_all_records_a_headline_in_one_call_with_a_prefix():
    results.clear()
    headline = {"share": 0.25, "n": 3}
    assert results.record_all(headline, prefix="interact.channels.") is headline
    assert results.recorded() == {"interact.channels.share": 0.25, "interact.channels.n": 3}
    with pytest.raises(TypeError, match="figures must be a mapping"):
        results.record_all([("a", 1)])
    with pytest.raises(TypeError, match="prefix must be text"):
        results.record_all({}, prefix=3)
    results.clear()
