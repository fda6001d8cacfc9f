"""Shared pieces of the Differentiate stage: time units, errors, doubts, argument checks and the lazy lifetimes import."""

from __future__ import annotations

import contextlib
import io
import math
import warnings
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

from idic_lab.diagnostics import IdicLabWarning
from idic_lab.formatting import equals as _equals
from idic_lab.schema import as_date
from idic_lab.schema import check_frame


TIME_UNITS: Mapping[str, float] = {"D": 1.0, "W": 7.0, "M": 30.4375, "Q": 91.3125}
"""Length of each time unit in days (a month is 365.25 / 12 days, a quarter three months)."""

_UNIT_NAMES = {"D": "days", "W": "weeks", "M": "months", "Q": "quarters"}


UNIT_NAMES: Mapping[str, str] = dict(_UNIT_NAMES)
"""Plural name of each time unit, for sentences ("weeks")."""


@contextlib.contextmanager
def collect_doubts() -> Any:
    """Collect the doubts (:class:`IdicLabWarning` messages) of the fits inside the block instead of warning.

    A notebook shows them on the page as problems in plain words (and
    records them); other warnings pass through unchanged.

    Yields
    ------
    list of str
        Filled with the messages when the block ends.
    """
    found: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", IdicLabWarning)
        yield found
    for w in caught:
        if issubclass(w.category, IdicLabWarning):
            if str(w.message) not in found:
                found.append(str(w.message))
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


class ModelFitError(ValueError, RuntimeError):
    """A customer-base model could not be fitted; the message says what to try.

    A ``ValueError`` (the data do not support the model); also a
    ``RuntimeError``, as in earlier versions.
    """


# --------------------------------------------------------------------------
# lifetimes, imported lazily and without side effects
# --------------------------------------------------------------------------


def _lifetimes() -> ModuleType:
    """Import ``lifetimes`` and undo what its import changes.

    ``lifetimes`` sets ``pandas.options.mode.chained_assignment = None`` (a
    deprecated option on pandas 3, where reading or writing it warns) and
    calls ``warnings.simplefilter("ignore", FutureWarning)``. Both are undone
    here: the option is restored to its previous value and the warning
    filters are restored by :class:`warnings.catch_warnings`.

    Returns
    -------
    module
        The ``lifetimes`` package.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # reading the deprecated option warns on pandas 3
        try:
            saved: Any = pd.get_option("mode.chained_assignment")
            has_option = True
        except (KeyError, pd.errors.OptionError):  # the option is gone (pandas >= 4)
            saved, has_option = None, False
        try:
            import lifetimes
            import lifetimes.utils  # noqa: F401  (the module that sets the option)
        finally:
            if has_option:
                pd.set_option("mode.chained_assignment", saved)
    return lifetimes


@contextlib.contextmanager
def _quiet() -> Any:
    """Run lifetimes code without its prints and numerical warnings reaching the user."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with contextlib.redirect_stdout(io.StringIO()):
            yield


# --------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------


_UNIT_CHOICES = "'D' (days), 'W' (weeks), 'M' (months of 30.4375 days) or 'Q' (quarters of 91.3125 days)"


def _unit_days(time_unit: Any, name: str = "time_unit") -> float:
    if not isinstance(time_unit, str) or time_unit not in TIME_UNITS:
        raise ValueError(f"{name}={time_unit!r}: expected one of {_UNIT_CHOICES}.")
    return TIME_UNITS[time_unit]


def _choice(value: Any, name: str, choices: Sequence[str]) -> str:
    """A keyword whose value must be one of ``choices`` (the message lists them)."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name}={value!r}: expected one of {', '.join(map(repr, choices))}.")
    return value


def _number(value: Any, name: str, *, low: float = -np.inf, low_open: bool = False, whole: bool = False,
            example: str = "") -> float:
    """A finite number parameter (bools and text refused) of at least ``low`` (or above it)."""
    kind = "a whole number" if whole else "a number"
    bound = "" if low == -np.inf else f" {'>' if low_open else '>='} {low:g}"
    hint = f" such as {example}" if example else ""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name}={value!r}: expected {kind}{bound}{hint}, found a {type(value).__name__}.")
    number = float(value)
    if not math.isfinite(number) or (whole and number != math.floor(number)):
        raise ValueError(f"{name}={value!r}: expected a finite {kind[2:]}{bound}{hint}.")
    if number < low or (low_open and number == low):
        raise ValueError(f"{name}={value!r}: expected {kind}{bound}{hint}.")
    return number


def _as_date(value: Any, name: str) -> pd.Timestamp:
    """A required date parameter, at midnight (see :func:`idic_lab.schema.as_date`)."""
    return as_date(value, name, required=True).normalize()


def _frame(data: Any, name: str, source: str) -> pd.DataFrame:
    """``data`` if it is a DataFrame with plain, unique column names (see :func:`idic_lab.schema.check_frame`)."""
    return check_frame(data, name, expected=source)


def _numeric(values: pd.Series) -> bool:
    """Numbers (True/False does not count as a number here)."""
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def _examples(index: pd.Index, mask: Any, limit: int = 3) -> str:
    return ", ".join(map(str, index[np.asarray(mask, dtype=bool)][:limit]))


def _check_series(values: Any, name: str, source: str) -> pd.Series:
    """A Series of finite numbers with a unique index (customer ids)."""
    if not isinstance(values, pd.Series):
        raise TypeError(f"{name}: expected a pandas Series indexed by customer_id ({source}), "
                        f"found {type(values).__name__}.")
    if values.empty:
        raise ValueError(f"{name}: expected at least one customer, found 0 values.")
    if not _numeric(values):
        raise TypeError(f"{name}: expected numbers, found dtype {values.dtype} ({len(values)} values).")
    if values.index.has_duplicates:
        twice = values.index[values.index.duplicated()].unique()
        raise ValueError(
            f"{name}: expected one value per customer, found {len(twice)} customer id(s) more than once "
            f"(e.g. {', '.join(map(str, twice[:3]))}) among {len(values)} values. Aggregate per customer first."
        )
    numbers = values.astype("float64")
    bad = ~np.isfinite(numbers.to_numpy())
    if bad.any():
        raise ValueError(
            f"{name}: expected finite numbers, found {int(bad.sum())} of {len(values)} values missing or "
            f"infinite (e.g. customers {_examples(values.index, bad)}). Drop or fix them first, e.g. "
            f"values[np.isfinite(values)]."
        )
    return numbers


def _check_customer_map(customer_map: Any) -> pd.Series | None:
    """Record id -> customer key, as strings (records not in the map keep their id)."""
    if customer_map is None:
        return None
    if not isinstance(customer_map, pd.Series):
        raise TypeError(
            f"customer_map: expected a pandas Series (record id -> customer key), found {type(customer_map).__name__}."
        )
    index = customer_map.index.astype("str")
    if index.has_duplicates:
        twice = index[index.duplicated()].unique()
        raise ValueError(
            f"customer_map: expected each record id once, found {len(twice)} id(s) more than once "
            f"(e.g. {', '.join(map(str, twice[:3]))}) among {len(customer_map)} rows: a record cannot belong to "
            "two customers. Keep one key per record, e.g. customer_map[~customer_map.index.duplicated()]."
        )
    mapped = customer_map.dropna()
    return pd.Series(mapped.astype("str").to_numpy(), index=mapped.index.astype("str"))


def _plain_parameters(params: pd.Series) -> str:
    """``r = 0.243, alpha = 4.41``: fitted parameters in a sentence (no dict, no scientific notation)."""
    return ", ".join(f"{name} {_equals(value)}" for name, value in params.items())


def _whole(value: Any, name: str, low: int, example: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}={value!r}: expected a whole number >= {low} such as {example}, found a {type(value).__name__}.")
    if value < low:
        raise ValueError(f"{name}={value!r}: expected a whole number >= {low} such as {example}.")
    return int(value)

def _require_value_columns(value_table: Any, columns: tuple[str, ...], source: str) -> None:
    """A value table (DataFrame) holding ``columns``, or a clear error naming the missing ones."""
    _frame(value_table, "value_table", source)
    missing = [c for c in columns if c not in value_table.columns]
    if missing:
        raise ValueError(
            f"value_table: expected the columns {list(columns)} from customer_value_table, found no "
            f"{', '.join(missing)} among {list(value_table.columns)} ({len(value_table)} rows)."
        )


