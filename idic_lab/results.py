"""Headline results that a notebook records for the index page and tests.

A notebook calls :func:`record` for each figure worth reporting (a count, a
fitted parameter, a metric). When the notebook runs through
:func:`idic_lab.report.run_notebook` (``make run``, the tests, the CLI), the
runner sets the environment variable ``IDIC_LAB_RESULTS`` to
``<executed notebook>.results.json`` and every call rewrites that file, so
even a notebook that fails half-way leaves the figures it reached. Run
interactively, the values are only kept in memory (see :func:`recorded`).

Tests and reports read these files instead of scraping cell outputs.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from idic_lab.diagnostics import warn

RESULTS_ENV_VAR = "IDIC_LAB_RESULTS"

_recorded: dict[str, Any] = {}


def record(key: str, value: Any) -> Any:
    """Record a headline figure under ``key`` and return ``value`` unchanged.

    Parameters
    ----------
    key : str
        A short, stable name such as ``"cdnow.n_customers"``.
    value : number, str, bool, date, list or dict of these
        The figure. NumPy and pandas scalars are converted to plain Python;
        dict and Series keys must be strings or whole numbers (written as
        text). Non-finite floats and missing values (NaN, ±inf, NaT, pd.NA)
        are stored as ``null``, with an
        :class:`~idic_lab.diagnostics.IdicLabWarning`: a headline figure that
        is NaN is usually a silent wrong answer (an empty or degenerate
        computation). ``None`` is stored as ``null`` without a warning.

    Returns
    -------
    The value passed in, so a call can sit inside an expression.

    Raises
    ------
    ValueError
        For a key that is not a non-empty string.
    TypeError
        For a value that is not a figure (a table, a set, bytes …) or a
        dict key that is neither text nor a whole number.
    """
    if not isinstance(key, str) or not key.strip():
        raise ValueError(f"results.record: key must be a non-empty string such as 'cdnow.n_customers', got "
                         f"{key!r} ({type(key).__name__}).")
    missing: list[str] = []
    converted = _to_json_value(value, key, key, missing)
    if missing:
        shown = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
        warn(f"results.record: {len(missing)} value(s) recorded under {key!r} are missing or not finite "
             f"(NaN, inf, NaT) and are stored as null: {shown}. A headline figure that is NaN usually comes from "
             "an empty or degenerate computation; check it before reporting it.")
    _recorded[key] = converted
    target = os.environ.get(RESULTS_ENV_VAR)
    if target:
        _write(Path(target), _recorded)
    return value


def record_all(figures: Mapping[str, Any], *, prefix: str = "") -> dict[str, Any]:
    """Record every figure of a mapping (e.g. a stage result's ``headline()``) in one call.

    Each ``key: value`` is recorded as ``prefix + key`` with :func:`record`;
    ``prefix`` is usually the stage and topic with a trailing dot, e.g.
    ``"interact.channels."``. Returns ``figures`` unchanged.
    """
    if not isinstance(figures, Mapping):
        raise TypeError(f"results.record_all: figures must be a mapping of name to figure (a result's headline()), "
                        f"got {type(figures).__name__}.")
    if not isinstance(prefix, str):
        raise TypeError(f"results.record_all: prefix must be text such as 'interact.channels.', got {prefix!r}.")
    for key, value in figures.items():
        record(f"{prefix}{key}", value)
    return figures


def recorded() -> dict[str, Any]:
    """Return a copy of the figures recorded so far in this process."""
    return dict(_recorded)


def clear() -> None:
    """Forget the figures recorded in this process (the file is left as is)."""
    _recorded.clear()


def load_results(path: str | Path) -> dict[str, Any]:
    """Read a ``.results.json`` file; a missing file gives an empty dict.

    Raises
    ------
    ValueError
        If the file is not UTF-8 JSON holding an object; the message names the file.
    """
    path = Path(path)
    if not path.exists():
        return {}
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ValueError(f"results file {path.name}: not UTF-8 text (byte {exc.start}: {exc.reason}), so not "
                         "written by idic_lab.results; run the notebook again to rewrite it.") from exc
    except json.JSONDecodeError as exc:
        raise ValueError(f"results file {path.name}: not valid JSON ({exc.msg} at line {exc.lineno}, column "
                         f"{exc.colno}); the file may be cut off. Run the notebook again to rewrite it.") from exc
    if not isinstance(values, dict):
        raise ValueError(f"results file {path.name}: expected a JSON object {{key: value}}, found a JSON "
                         f"{type(values).__name__}; run the notebook again to rewrite it.")
    return values


def results_path_for(executed_notebook: str | Path) -> Path:
    """Where the figures of an executed notebook are written."""
    executed_notebook = Path(executed_notebook)
    return executed_notebook.with_name(executed_notebook.stem + ".results.json")


def _write(path: Path, values: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(values, indent=2, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)  # atomic: a reader never sees half a file


def _to_json_value(value: Any, key: str, where: str, missing: list[str]) -> Any:
    """``value`` as plain JSON; the places of missing or non-finite values are appended to ``missing``."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if math.isfinite(value):
            return value
        missing.append(f"{where}={value}")
        return None
    if value is pd.NaT or value is pd.NA or isinstance(value, np.datetime64) and np.isnat(value):
        missing.append(f"{where}={value}")
        return None
    if isinstance(value, (pd.Timestamp, np.datetime64, _dt.date)):  # datetime is a date too
        return pd.Timestamp(value).isoformat() if not type(value) is _dt.date else value.isoformat()
    if isinstance(value, (Mapping, pd.Series)):
        return _mapping(value, key, where, missing)
    if isinstance(value, (Sequence, np.ndarray)) and not isinstance(value, (bytes, bytearray)):
        return [_to_json_value(v, key, f"{where}[{i}]", missing) for i, v in enumerate(value)]
    advice = ("record sorted(...) of it: a set has no order" if isinstance(value, (set, frozenset)) else
              "decode bytes to text first" if isinstance(value, (bytes, bytearray)) else
              "record a summary figure, not a whole table")
    raise TypeError(
        f"results.record: the value for {key!r} is a {type(value).__name__}; "
        f"record numbers, strings, dates, or lists/dicts of them ({advice})"
    )


def _mapping(value: Mapping | pd.Series, key: str, where: str, missing: list[str]) -> dict[str, Any]:
    """A dict or Series with text keys; whole-number keys become text, other keys are refused."""
    out: dict[str, Any] = {}
    for k, v in value.items():
        if isinstance(k, (bool, np.bool_)) or not isinstance(k, (str, int, np.integer)):
            raise TypeError(f"results.record: the value for {key!r} has the key {k!r} ({type(k).__name__}) at "
                            f"{where}; keys must be text (or whole numbers). Convert them, e.g. with "
                            "{str(k): v for k, v in ...}, so that two keys cannot merge unnoticed.")
        name = str(k)
        if name in out:
            raise ValueError(f"results.record: the value for {key!r} has two keys written as {name!r} at {where} "
                             "(e.g. 1 and '1'); make the keys distinct.")
        out[name] = _to_json_value(v, key, f"{where}.{name}", missing)
    return out


# --- The report's vocabulary --------------------------------------------------
# A client report's index page is built from these keys only, so every stage
# notebook states its findings, problems, data scope and cleaning the same way.
FINDINGS_KEY = "report.findings"
PROBLEMS_KEY = "report.problems"
DATA_KEY_PREFIX = "report.data."
CLEANING_KEY_PREFIX = "report.cleaning."


def record_finding(sentence: str, *, stage: str, rank: int = 5) -> str:
    """Record one finding, a whole sentence with its numbers already formatted.

    ``rank`` orders findings on the index (1 = most important); the index
    shows the best-ranked five to eight of all stages. Format numbers with
    :mod:`idic_lab.formatting` so that no raw float reaches a client.
    """
    _check_sentence(sentence, "record_finding")
    if not isinstance(rank, int) or isinstance(rank, bool) or not 1 <= rank <= 9:
        raise ValueError(f"results.record_finding: rank must be a whole number from 1 to 9, got {rank!r}.")
    _append(FINDINGS_KEY, {"stage": str(stage), "rank": rank, "text": sentence})
    return sentence


def record_problem(sentence: str, *, stage: str) -> str:
    """Record a problem the client must know (a model that failed, data that could not be used).

    Problems are shown on the index above the findings, in plain words.
    """
    _check_sentence(sentence, "record_problem")
    _append(PROBLEMS_KEY, {"stage": str(stage), "text": sentence})
    return sentence


def record_data(table: str, *, rows: int, customers: int | None = None, start: Any = None, end: Any = None,
                file: str | Path | None = None) -> None:
    """Record what data a stage worked on: rows, customers and period of one table.

    ``file`` is shown by name only (never a full local path).
    """
    record(f"{DATA_KEY_PREFIX}{table}", {
        "rows": int(rows), "customers": None if customers is None else int(customers),
        "start": None if start is None else pd.Timestamp(start).date().isoformat(),
        "end": None if end is None else pd.Timestamp(end).date().isoformat(),
        "file": None if file is None else Path(file).name,
    })


def record_cleaning(table: str, report: Any, *, file: str | Path | None = None) -> None:
    """Record a :class:`idic_lab.schema.CleaningReport` for the index's cleaning counts."""
    record(f"{CLEANING_KEY_PREFIX}{table}", {
        "file": None if file is None else Path(file).name,
        "rows_in": int(report.rows_in), "rows_out": int(report.rows_out),
        "dropped": {str(k): int(v) for k, v in report.dropped.items()},
        "changed": {str(k): int(v) for k, v in report.changed.items()},
    })


def _check_sentence(sentence: Any, function: str) -> None:
    if not isinstance(sentence, str) or not sentence.strip():
        raise ValueError(f"results.{function}: expected a sentence (non-empty text), got {sentence!r}.")


def _append(key: str, item: dict[str, Any]) -> None:
    items = list(_recorded.get(key, []))
    if item not in items:  # a cell run twice records once
        items.append(item)
    record(key, items)
