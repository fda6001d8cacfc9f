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

import pandas as pd

from idic_lab.identify._text import normalise_text

__all__ = ["PII_COLUMNS", "privacy_view", "pseudonymise", "pseudonymise_table"]

PII_COLUMNS: tuple[str, ...] = ("name", "email", "phone", "address", "birth_date")
"""Canonical customer columns that identify a person."""


def _check_salt(salt: str) -> None:
    if not isinstance(salt, str) or len(salt.strip()) < 8:
        raise ValueError("salt must be a secret string of at least 8 characters (keep it out of any export)")


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
    """
    _check_salt(salt)
    key = salt.encode("utf-8")

    def one(value) -> str:
        text = value.strftime("%Y-%m-%d") if isinstance(value, pd.Timestamp) else normalise_text(value)
        return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()[:length]

    present = values.notna()
    out = pd.Series(pd.NA, index=values.index, dtype="str", name=values.name)
    if present.any():
        out[present] = [one(v) for v in values[present]]
    return out


def pseudonymise_table(
    table: pd.DataFrame, *, salt: str, columns: Sequence[str] = PII_COLUMNS
) -> pd.DataFrame:
    """A copy of ``table`` with every PII column present replaced by its pseudonym."""
    out = table.copy()
    for column in columns:
        if column in out.columns:
            out[column] = pseudonymise(out[column], salt=salt)
    return out


def privacy_view(
    table: pd.DataFrame, *, show_pii: bool = False, salt: str, columns: Sequence[str] = PII_COLUMNS
) -> pd.DataFrame:
    """The table as a notebook may display it: PII pseudonymised unless ``show_pii``.

    Use this for every table that shows people, so an exported report
    carries no names, e-mails or phone numbers by default.
    """
    return table.copy() if show_pii else pseudonymise_table(table, salt=salt, columns=columns)
