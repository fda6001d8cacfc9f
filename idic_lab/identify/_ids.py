"""Identify stage: record ids as text, checked once for every function of the stage.

Record ids travel between tables (customers, transactions, crosswalk, true
links), so they are compared as text. A float id is the usual accident: a
column with gaps read as numbers turns ``1001`` into ``1001.0``, and ids above
2**53 lose digits, so two customers silently share one id. Missing ids would
become the text ``"nan"`` and merge every anonymous row into one record.
Both are refused here, with the count and a fix.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:\.\d+)?[eE][+-]?\d+$")
_FLOAT_EXACT = 2.0**53
_DIGITS = re.compile(r"^\d+$")


def _examples(labels: Sequence, values: Sequence, limit: int = 5) -> str:
    pairs = [f"{label!r}: {value!r}" for label, value in list(zip(labels, values))[:limit]]
    return ", ".join(pairs)


def _float_text(value: float) -> str | None:
    """Text of a whole float below 2**53, else None (not a usable id)."""
    if not np.isfinite(value) or value != np.floor(value) or abs(value) >= _FLOAT_EXACT:
        return None
    return str(int(value))


def _one_id(value) -> str | None:
    """One id as text; None when it cannot be an id (missing, imprecise float, scientific notation)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (float, np.floating)):
        return None if np.isnan(value) else _float_text(float(value))
    if isinstance(value, (bool, np.bool_)):
        return None
    text = str(value)
    if not text.strip() or _SCIENTIFIC.match(text.strip()):
        return None
    return text


def _fast_text(series: pd.Series) -> pd.Series | None:
    """The common cases without a Python call per id: all text, or all integers; else None."""
    kind = pd.api.types.infer_dtype(series, skipna=False)
    if kind == "integer":
        return series.astype("str").astype(object)
    if kind != "string":
        return None
    text = series.astype("str")
    stripped = text.str.strip()
    usable = stripped.ne("") & ~stripped.str.match(_SCIENTIFIC.pattern)
    return text.astype(object).where(usable.to_numpy(), None)


def id_text(values: pd.Series | pd.Index | Sequence, *, what: str) -> pd.Series:
    """Ids as ``str``; whole floats lose their ``.0``; unusable ids are refused.

    Parameters
    ----------
    values : Series, Index or sequence
        The ids.
    what : str
        Where they come from, for messages (e.g. ``"resolve_customers: customer_id"``).

    Returns
    -------
    Series of str
        Same length and order as ``values`` (a fresh RangeIndex).

    Raises
    ------
    ValueError
        If any id is missing or blank, a bool, a float with a fraction or
        above 2**53 (digits lost), or text in scientific notation.
    """
    if isinstance(values, str):
        raise TypeError(f"{what}: expected a sequence of ids, found the single string {values!r}")
    if isinstance(values, pd.Series):
        series, labels = pd.Series(values.to_numpy(dtype=object), dtype=object), values.index
    else:
        raw = values.to_numpy(dtype=object) if isinstance(values, pd.Index) else list(values)
        series = pd.Series(raw, dtype=object)
        labels = pd.RangeIndex(len(series))
    text = _fast_text(series)
    if text is None:
        text = series.map(_one_id)
    bad = text.isna().to_numpy()
    if bad.any():
        raise ValueError(_bad_id_message(series[bad], labels[bad], len(series), what))
    return text.astype("str")


def _bad_id_message(bad: pd.Series, labels: Sequence, n_rows: int, what: str) -> str:
    missing = bad.map(lambda v: v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))
                      or (isinstance(v, str) and not v.strip()))
    examples = _examples(list(labels), list(bad))
    if missing.all():
        return (
            f"{what}: {len(bad)} of {n_rows} ids are missing or blank (e.g. {examples}); every record "
            "needs an id. Drop those rows first (e.g. table.dropna(subset=[<id column>])) or give them ids."
        )
    return (
        f"{what}: {len(bad)} of {n_rows} ids are not usable as ids (e.g. {examples}): expected text or whole "
        "numbers, found missing values, bools, floats with a fraction or above 2**53 (digits lost), or "
        "scientific notation such as '1.2E+15'. Read the ids as text, e.g. "
        "pd.read_csv(path, dtype={'customer_id': str}) or idic_lab.schema.read_file, which keeps them as text."
    )


def id_order(ids: pd.Series) -> np.ndarray:
    """Positions that sort the text ids: numerically when all are digits, else as text (stable)."""
    values = ids.to_numpy(dtype=object)
    if len(values) and all(_DIGITS.match(v) for v in values):
        keys = [(len(v.lstrip("0")), v.lstrip("0"), v) for v in values]
    else:
        keys = list(values)
    return np.array(sorted(range(len(values)), key=keys.__getitem__), dtype=np.int64)


def id_rank(ids: pd.Series) -> np.ndarray:
    """Rank of every id in :func:`id_order` (0 = first)."""
    rank = np.empty(len(ids), dtype=np.int64)
    rank[id_order(ids)] = np.arange(len(ids))
    return rank


def repeated_ids_message(ids: pd.Series, what: str) -> str | None:
    """A message when text ids repeat (counting ``1`` and ``"1"`` as one), else None."""
    repeated = ids[ids.duplicated(keep=False)]
    if repeated.empty:
        return None
    examples = list(dict.fromkeys(repeated))[:5]
    return (
        f"{what}: ids must be unique (one row per record), but {repeated.nunique()} id(s) occur more than "
        f"once, in {len(repeated)} of {len(ids)} rows (e.g. {examples}; ids are compared as text, so 1 and "
        "'1' are the same id). Remove the repeated rows (table.drop_duplicates(subset=[<id column>])) or "
        "give each record its own id."
    )
