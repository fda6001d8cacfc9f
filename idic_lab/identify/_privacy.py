"""Identify stage: pseudonymisation of personal data before anything leaves the lab.

A pseudonym is a keyed hash (HMAC-SHA256) of the *normalised* value with a
secret salt: the same person gets the same pseudonym in every table (so
analyses still join), different projects with different salts cannot be
joined, and without the salt nobody can test guesses ("is this the hash of
anna@example.com?"). Keep the salt out of the exported report.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

import numpy as np
import pandas as pd

from idic_lab.identify._text import _as_series, normalise_text

__all__ = ["PII_COLUMNS", "privacy_view", "pseudonymise", "pseudonymise_table"]

PII_COLUMNS: tuple[str, ...] = ("name", "email", "phone", "address", "birth_date")
"""Canonical customer columns that identify a person."""


def _check_salt(salt: str) -> None:
    if not isinstance(salt, str):
        raise TypeError(
            f"salt must be a secret string of at least 8 characters (keep it out of any export), "
            f"found {type(salt).__name__}"
        )
    if len(salt.strip()) < 8:
        found = "an empty string" if not salt.strip() else f"{len(salt.strip())} characters"
        raise ValueError(
            f"salt must be a secret string of at least 8 characters (keep it out of any export), found {found}; "
            "choose a long random phrase, e.g. secrets.token_hex(16)"
        )


def _check_length(length) -> None:
    if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or not 8 <= length <= 64:
        raise ValueError(
            f"pseudonymise: length is the number of hex characters kept, a whole number from 8 to 64 "
            f"(16 = 64 bits, the default), found {length!r}; shorter pseudonyms would collide"
        )


def _is_blank(value) -> bool:
    return isinstance(value, str) and not value.strip()


def pseudonymise(values: pd.Series, *, salt: str, length: int = 16) -> pd.Series:
    """Salted hash of each value (deterministic for one salt; missing stays missing).

    Parameters
    ----------
    values : Series
        Names, e-mails, phones, ids … Values are normalised first (case,
        spaces, diacritics), so "Anna Berg" and "anna  berg" share a pseudonym.
    salt : str
        Secret key, at least 8 characters.
    length : int
        Hex characters kept (16 = 64 bits: collisions are negligible below
        billions of values).

    Returns
    -------
    Series of str
        Missing and blank values stay missing (they would otherwise all
        share one pseudonym and look like one person).
    """
    _check_salt(salt)
    _check_length(length)
    values = _as_series(values, "pseudonymise")
    key = salt.encode("utf-8")

    present = values.notna() & ~values.map(_is_blank).astype(bool)
    out = pd.Series(pd.NA, index=values.index, dtype="str", name=values.name)
    if present.any():
        out[present] = _pseudonyms(values[present], key, length)
    return out


def _pseudonym(value, key: bytes, length: int) -> str:
    text = value.strftime("%Y-%m-%d") if isinstance(value, pd.Timestamp) else normalise_text(value)
    return hmac.digest(key, text.encode("utf-8"), hashlib.sha256).hex()[:length]


def _pseudonyms(values: pd.Series, key: bytes, length: int) -> np.ndarray:
    """The pseudonym of each value, hashing each distinct value once when equal values have equal text.

    Text and date columns qualify; an object column may hold 1 and True,
    equal as values but not as text, so it is hashed value by value.
    """
    dtype = values.dtype
    if dtype != object and (pd.api.types.is_string_dtype(dtype) or pd.api.types.is_datetime64_any_dtype(dtype)):
        codes, uniques = pd.factorize(values)
        return np.array([_pseudonym(v, key, length) for v in uniques], dtype=object)[codes]
    return np.array([_pseudonym(v, key, length) for v in values], dtype=object)


def pseudonymise_table(
    table: pd.DataFrame, *, salt: str, columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """A copy of ``table`` with its PII columns replaced by their pseudonyms.

    Parameters
    ----------
    table : DataFrame
        Any table.
    salt : str
        Secret key, at least 8 characters.
    columns : list of str, optional
        The columns to pseudonymise; every one must exist (a misspelt
        column would leak). Default: those of :data:`PII_COLUMNS` present.
    """
    return _pseudonymised(table, salt, columns, "pseudonymise_table")


def _pii_columns(table: pd.DataFrame, columns: Sequence[str] | None, function: str) -> list[str]:
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"{function}: expected a DataFrame, found {type(table).__name__}")
    if columns is None:
        return [c for c in PII_COLUMNS if c in table.columns]
    if isinstance(columns, str) or not isinstance(columns, Sequence):
        raise TypeError(
            f"{function}: columns must be a list of column names, e.g. ['name', 'email'], found "
            f"{type(columns).__name__} {columns!r:.60}"
        )
    absent = [c for c in columns if c not in table.columns]
    if absent:
        raise ValueError(
            f"{function}: the columns {absent} are not in the table (columns: {list(table.columns)}); a misspelt "
            "column would leave personal data in clear text. Name existing columns, or omit columns= for the "
            f"default {list(PII_COLUMNS)}"
        )
    return list(columns)


def _pseudonymised(table: pd.DataFrame, salt: str, columns: Sequence[str] | None, function: str) -> pd.DataFrame:
    _check_salt(salt)
    out = table.copy() if isinstance(table, pd.DataFrame) else table
    for column in _pii_columns(table, columns, function):
        out[column] = pseudonymise(out[column], salt=salt)
    return out


def privacy_view(
    table: pd.DataFrame, *, show_pii: bool = False, salt: str, columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """The table as a notebook may display it: PII pseudonymised unless ``show_pii``.

    Use this for every table that shows people, so an exported report
    carries no names, e-mails or phone numbers by default. ``show_pii`` must
    be a bool: a string such as ``"no"`` would count as true and show
    everything, so it is refused. ``columns`` as in :func:`pseudonymise_table`.
    A missing value in a pseudonymised column reads ``"—"`` (a reader of the
    report sees "not known", not ``NaN``).
    """
    if not isinstance(show_pii, (bool, np.bool_)):
        raise TypeError(
            f"privacy_view: show_pii must be True or False, found {type(show_pii).__name__} {show_pii!r}; "
            "in a parameter file write show_pii: false"
        )
    if show_pii:
        _pii_columns(table, columns, "privacy_view")
        return table.copy()
    view = _pseudonymised(table, salt, columns, "privacy_view")
    for column in _pii_columns(table, columns, "privacy_view"):
        view[column] = view[column].astype(object).where(view[column].notna(), MISSING_MARK)
    return view


MISSING_MARK = "—"
"""How :func:`privacy_view` shows a missing value in a pseudonymised column."""
