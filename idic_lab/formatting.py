"""Numbers and ids as a client reads them: thousands separators, percentages, currency, pseudonyms.

Every figure a report prints in a sentence goes through these helpers, so a
page never shows ``2.888e+04`` or ``0.6749999``.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

__all__ = ["count", "equals", "money", "number", "percent", "plain", "shown_ids"]


def _finite(value: Any, function: str) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"formatting.{function}: expected a number, got {value!r}.") from None
    if not math.isfinite(value):
        raise ValueError(f"formatting.{function}: {value} is not a finite number; a report must not print it.")
    return value


def number(value: Any, digits: int = 0) -> str:
    """``28880.4`` -> ``"28,880"``; ``digits`` decimals, thousands separated by commas."""
    return f"{_finite(value, 'number'):,.{digits}f}"


def plain(value: Any) -> str:
    """A measured value inside a sentence: ``0.2431`` -> ``"0.2431"``, ``12345.6`` -> ``"12,346"``.

    Four significant digits below 1,000, whole numbers with separators above,
    ``"0.0000"`` for a magnitude below 0.0001: never scientific notation.
    Use :func:`equals` for "= x" / "< 0.0001".
    """
    value = float(value)
    if not math.isfinite(value):
        return "not a number"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if value != 0 and abs(value) < 1e-4:
        return "0.0000" if value > 0 else "-0.0000"
    return f"{value:.4g}"


def equals(value: Any) -> str:
    """``"= 0.243"``, or ``"< 0.0001"`` for a positive value too small to print (``"= 0"`` for zero)."""
    value = float(value)
    if math.isfinite(value) and 0 < abs(value) < 1e-4:
        return "< 0.0001" if value > 0 else "> -0.0001"
    return f"= {plain(value)}"


def count(value: Any) -> str:
    """A whole count with thousands separators: ``540455`` -> ``"540,455"``."""
    value = _finite(value, "count")
    if value != round(value):
        raise ValueError(f"formatting.count: {value} is not a whole number.")
    return f"{int(value):,}"


def percent(share: Any, digits: int = 0) -> str:
    """A share (0-1) as a percentage: ``0.675`` -> ``"68 %"`` (``digits=1``: ``"67.5 %"``)."""
    return f"{100 * _finite(share, 'percent'):,.{digits}f} %"


def money(value: Any, currency: str = "", digits: int = 0) -> str:
    """An amount with its currency: ``money(28880.4, "£")`` -> ``"£28,880"``, ``money(12, "EUR")`` -> ``"12 EUR"``.

    A one-character symbol goes in front, a code behind; no currency prints the bare number.
    """
    value = _finite(value, "money")
    text = f"{abs(value):,.{digits}f}"
    sign = "-" if value < 0 and float(text.replace(",", "")) != 0 else ""
    if not currency:
        return sign + text
    return f"{sign}{currency}{text}" if len(currency) == 1 else f"{sign}{text} {currency}"


def shown_ids(table: pd.DataFrame | pd.Series, *, mode: str, salt: str, column: str = "customer_id"):
    """``table`` as a page may show it: in client mode, customer ids are pseudonymised.

    The ``column`` (and an index of that name) is replaced by a stable salted
    pseudonym (``idic_lab.identify.pseudonymise``), so the same customer has
    the same pseudonym on every page of one report. In teaching mode the
    table is returned unchanged.
    """
    if mode not in ("teaching", "client"):
        raise ValueError(f"formatting.shown_ids: mode must be 'teaching' or 'client', got {mode!r}.")
    if mode == "teaching":
        return table
    from idic_lab.identify import pseudonymise

    shown = table.copy()
    if isinstance(shown, pd.DataFrame) and column in shown.columns:
        shown[column] = pseudonymise(shown[column].astype("str"), salt=salt)
    if shown.index.name == column:
        shown.index = pd.Index(pseudonymise(pd.Series(shown.index.astype("str")), salt=salt).to_numpy(), name=column)
    return shown
