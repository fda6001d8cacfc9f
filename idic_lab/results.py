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

import json
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

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
        non-finite floats are stored as ``null``.

    Returns
    -------
    The value passed in, so a call can sit inside an expression.
    """
    if not isinstance(key, str) or not key.strip():
        raise ValueError(f"results.record: key must be a non-empty string, got {key!r}")
    _recorded[key] = _to_json_value(value, key)
    target = os.environ.get(RESULTS_ENV_VAR)
    if target:
        _write(Path(target), _recorded)
    return value


def recorded() -> dict[str, Any]:
    """Return a copy of the figures recorded so far in this process."""
    return dict(_recorded)


def clear() -> None:
    """Forget the figures recorded in this process (the file is left as is)."""
    _recorded.clear()


def load_results(path: str | Path) -> dict[str, Any]:
    """Read a ``.results.json`` file; a missing file gives an empty dict."""
    path = Path(path)
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def results_path_for(executed_notebook: str | Path) -> Path:
    """Where the figures of an executed notebook are written."""
    executed_notebook = Path(executed_notebook)
    return executed_notebook.with_name(executed_notebook.stem + ".results.json")


def _write(path: Path, values: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(values, indent=2, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)  # atomic: a reader never sees half a file


def _to_json_value(value: Any, key: str) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return pd.Timestamp(value).isoformat()
    if isinstance(value, Mapping):
        return {str(k): _to_json_value(v, key) for k, v in value.items()}
    if isinstance(value, pd.Series):
        return {str(k): _to_json_value(v, key) for k, v in value.items()}
    if isinstance(value, (Sequence, np.ndarray)):
        return [_to_json_value(v, key) for v in value]
    raise TypeError(
        f"results.record: the value for {key!r} is a {type(value).__name__}; "
        "record numbers, strings, dates, or lists/dicts of them "
        "(record a summary figure, not a whole table)"
    )
