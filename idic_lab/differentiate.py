"""Differentiate: which customers are worth most, which could be worth more, and what they need.

This is the **Differentiate** stage of the IDIC model (Peppers & Rogers):
customers are ranked by value and grouped by needs, so that the firm can
treat different customers differently.

Value
    * :func:`rfm_summary` — frequency, recency, age ``T`` and monetary value
      per customer, in the Buy-Till-You-Die (BTYD) definition of Fader &
      Hardie or the marketing RFM definition, for an explicit observation end
      and time unit.
    * :func:`calibration_holdout_split` — the same summary for a calibration
      period plus what each customer did in the holdout period.
    * :func:`rfm_scores` — RFM quintile scores and named segments.
    * :func:`lorenz_curve`, :func:`gini`, :func:`top_share` — the Pareto view
      (Buttle's strategically significant customers).
    * :class:`BGNBDModel`, :class:`ParetoNBDModel`, :class:`GammaGammaModel`
      — the probability models of Fader, Hardie & Lee (2005) and Fader &
      Hardie (2013), fitted through the ``lifetimes`` package.
    * :func:`customer_lifetime_value`, :func:`customer_value_table`,
      :func:`value_pyramid` — CLV with an explicit horizon, discount rate and
      time unit; past, actual, lifetime and potential value, and
      :func:`value_groups` (most valuable, most growable, below-zero customers).
    * :func:`holdout_validation`, :func:`tracking_table`,
      :func:`conditional_expectations` — does the model predict the holdout?

Needs
    * :func:`needs_features`, :class:`NeedsSegmentation` — needs-based
      segments from category shares, channel use, basket size and timing.
    * :func:`strategy_matrix` — value tiers crossed with needs segments.

Time units
    A BTYD summary carries its time unit in ``summary.attrs["time_unit"]``
    (with ``attrs["definition"]``, ``"btyd"`` or ``"rfm"``, and
    ``attrs["observation_end"]``). pandas keeps ``attrs`` through selection
    (``loc``, ``iloc``, boolean masks, ``head``), ``copy``, ``assign``,
    ``astype``, sorting, ``merge`` and ``pd.concat`` of summaries with the
    same unit, but *not* through ``join`` with a frame without them, a concat
    of summaries in different units, or a CSV/Parquet round trip. Every model
    records the unit it was fitted in (``time_unit_``) and every prediction,
    CLV, holdout and tracking function refuses a summary in another unit,
    naming both. A summary without a unit (built by hand, or whose attrs
    were lost) is *assumed* to be in the model's unit; a model fitted on
    such a summary has the unit of its ``time_unit`` parameter, or none, and
    then accepts summaries in any one unit: give the unit to keep the check.

Warnings
    Results that are computed but doubtful (RFM columns too tied to be split
    into five scores, a model whose parameters ran to the edge of their
    range, a Gamma-Gamma fit on few repeat buyers or on spend that rises with
    frequency) come with an :class:`idic_lab.diagnostics.IdicLabWarning`
    that gives the reason and what to do.

This is the only module of :mod:`idic_lab` that imports ``lifetimes``, and it
does so lazily through :func:`_lifetimes`, which undoes the pandas option and
the warning filter that ``lifetimes`` changes on import.
"""

from __future__ import annotations

import contextlib
import io
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

from idic_lab.diagnostics import IdicLabWarning, warn
from idic_lab.formatting import equals as _equals
from idic_lab.formatting import plain as _plain_value
from idic_lab.schema import SchemaError, as_date, check_frame, read_table

__all__ = [
    "TIME_UNITS",
    "UNIT_NAMES",
    "BGNBDModel",
    "CalibrationHoldout",
    "GammaGammaModel",
    "ModelFitError",
    "NeedsSegmentation",
    "ParetoNBDModel",
    "PurchaseModelCheck",
    "calibration_holdout_split",
    "check_purchase_model",
    "check_purchase_models",
    "collect_doubts",
    "choose_clv_model",
    "conditional_expectations",
    "customer_lifetime_value",
    "customer_value_table",
    "fit_purchase_models",
    "adjusted_rand",
    "at_risk",
    "fit_checked",
    "fit_spend_checked",
    "LeftCensoring",
    "load_inputs",
    "lorenz_points",
    "gini",
    "holdout_validation",
    "left_censoring",
    "load_products",
    "load_transactions",
    "long_silent_customers",
    "lorenz_curve",
    "naive_holdout_prediction",
    "needs_features",
    "rfm_scores",
    "rfm_summary",
    "profile_zscores",
    "rfm_segment_table",
    "segment_profiles",
    "value_table",
    "value_tiers",
    "simulate_bgnbd",
    "strategy_matrix",
    "development_potential",
    "GROW_MARGIN",
    "top_share",
    "tracking_table",
    "VALUE_GROUPS",
    "ValueGroups",
    "value_groups",
    "value_pyramid",
    "AnalysisWindow",
    "ValueConcentration",
    "analysis_window",
    "value_concentration",
    "record_results",
    "record_clv",
]

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


def load_transactions(
    path: str,
    *,
    columns: Mapping[str, str] | str | None = None,
    date_format: str | None = None,
    dayfirst: bool | None = None,
    observation_end: str | pd.Timestamp | None = None,
    encoding: str | None = None,
    non_product_codes: Sequence[str] = (),
) -> tuple[pd.DataFrame, Any]:
    """Read a client's transactions export, map its columns and clean it.

    Parameters
    ----------
    path : str
        CSV/TSV/Parquet/Excel file (see :func:`idic_lab.schema.read_file`).
    columns : dict or JSON str, optional
        ``{canonical: client column}``, e.g. ``{"date": "Datum"}``.
    date_format : str, optional
        strftime format of the dates, e.g. ``"%d.%m.%Y"``; empty: detect.
    dayfirst : bool or None
        Without ``date_format``: True reads ``01/02/2024`` as 1 February, False as
        2 January; None decides from the data (see :func:`idic_lab.schema.validate`).
    observation_end : str, optional
        Rows after this date are dropped (and counted).
    encoding : str, optional
        Text encoding of a CSV/TSV file; None detects it.
    non_product_codes : list of str
        The client's own codes of non-product lines (fees, postage ...),
        dropped and counted in addition to the built-in list.

    Returns
    -------
    (DataFrame, CleaningReport)
        Canonical transactions and the count of dropped rows per reason.
    """
    return read_table("transactions", path, columns=columns, date_format=date_format, dayfirst=dayfirst,
                      observation_end=observation_end, encoding=encoding, non_product_codes=non_product_codes)


def load_products(
    path: str, *, columns: Mapping[str, str] | str | None = None, encoding: str | None = None
) -> pd.DataFrame:
    """Read a client's product list: which category each product belongs to (for needs features).

    Parameters
    ----------
    path : str
        CSV/TSV/Parquet/Excel file (see :func:`idic_lab.schema.read_file`).
    columns : dict or JSON str, optional
        ``{"product_id": client column, "category": client column}``.
    encoding : str, optional
        Text encoding of a CSV/TSV file; None detects it.

    Returns
    -------
    DataFrame
        ``product_id`` and ``category`` as strings, one row per product, in
        the order of the file.

    Raises
    ------
    SchemaError
        If a column is missing, a product has no category, or a product id
        is listed twice with different categories (repeated identical rows
        are dropped with a count).
    """
    products, _ = read_table("products", path, columns=columns, encoding=encoding)
    return products[["product_id", "category"]].reset_index(drop=True)


def _check_transactions(transactions: pd.DataFrame) -> pd.DataFrame:
    """Checked copy of the three columns a value analysis needs.

    Functions of this stage may be called on frames that never went through
    :func:`idic_lab.schema.clean`, so everything a result depends on is
    checked here: text dates are refused (never guessed day- or
    month-first), float ids are refused (they may have lost digits), and
    missing or infinite amounts are refused with a count.
    """
    _frame(transactions, "transactions", "canonical transactions from idic_lab.schema.clean")
    missing = [c for c in ("customer_id", "date", "amount") if c not in transactions.columns]
    if missing:
        raise SchemaError(
            f"Table 'transactions': expected the columns customer_id, date and amount, "
            f"found no {', '.join(missing)} among {list(transactions.columns)} ({len(transactions)} rows). "
            "Map your columns with idic_lab.schema.clean('transactions', df, columns={canonical: yours}).",
            table="transactions", column=missing[0], n_rows=len(transactions),
        )
    if transactions.empty:
        raise SchemaError(
            "Table 'transactions': expected at least one purchase, found 0 rows.",
            table="transactions", n_bad=0, n_rows=0,
        )
    frame = pd.DataFrame(
        {
            "customer_id": transactions["customer_id"].to_numpy(),
            "date": transactions["date"].to_numpy(),
            "amount": transactions["amount"].to_numpy(),
        }
    )
    n = len(frame)
    ids = transactions["customer_id"]
    if pd.api.types.is_float_dtype(ids):
        raise SchemaError(
            f"Table 'transactions', column 'customer_id': expected ids as text or whole numbers, found float ids "
            f"(dtype {ids.dtype}, e.g. {ids.dropna().iloc[0] if ids.notna().any() else 'nan'}) in {n} rows: a float "
            "loses digits above 2**53 and two customers could merge. Read the ids as text, e.g. "
            "pd.read_csv(..., dtype={'customer_id': str}), or pass the table through "
            "idic_lab.schema.clean('transactions', df).",
            table="transactions", column="customer_id", n_bad=n, n_rows=n,
        )
    missing_id = (ids.isna() | ids.astype("str").str.strip().eq("")).to_numpy()
    if missing_id.any():
        raise SchemaError(
            f"Table 'transactions', column 'customer_id': expected an id in every row, found "
            f"{int(missing_id.sum())} of {n} rows without one. Drop them first, e.g. "
            "transactions.dropna(subset=['customer_id']) (idic_lab.schema.clean drops and counts them).",
            table="transactions", column="customer_id", n_bad=int(missing_id.sum()), n_rows=n,
        )
    dates = transactions["date"]
    if not pd.api.types.is_datetime64_any_dtype(dates):
        example = f" (e.g. {dates.dropna().iloc[0]!r})" if dates.notna().any() else ""
        raise SchemaError(
            f"Table 'transactions', column 'date': expected datetime64 values, found dtype {dates.dtype}{example} "
            f"in {n} rows. Text dates are not guessed here ('01/02/2024' is 1 February day-first but 2 January "
            "month-first): read them with idic_lab.schema.clean('transactions', df, date_format='%d/%m/%Y') "
            "or dayfirst=True (or date_format='%m/%d/%Y' for month-first files).",
            table="transactions", column="date", n_rows=n,
        )
    if getattr(dates.dt, "tz", None) is not None:
        frame["date"] = dates.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
    if frame["date"].isna().any():
        bad = int(frame["date"].isna().sum())
        raise SchemaError(
            f"Table 'transactions', column 'date': expected a date in every row, found {bad} of {n} rows missing. "
            "Drop them first, e.g. transactions.dropna(subset=['date']).",
            table="transactions", column="date", n_bad=bad, n_rows=n,
        )
    amounts = transactions["amount"]
    if not _numeric(amounts):
        raise SchemaError(
            f"Table 'transactions', column 'amount': expected numbers, found dtype {amounts.dtype} ({n} rows). "
            "Read amounts with idic_lab.schema.clean('transactions', df), which turns text such as '12.50' "
            "into numbers.",
            table="transactions", column="amount", n_rows=n,
        )
    amount = pd.Series(amounts.to_numpy(dtype="float64", na_value=np.nan))
    finite = np.isfinite(amount.to_numpy())
    if not finite.all():
        bad = int((~finite).sum())
        raise SchemaError(
            f"Table 'transactions', column 'amount': expected finite numbers, found {bad} of {n} rows "
            f"missing or infinite ({int(amount.isna().sum())} missing, {int(np.isinf(amount).sum())} infinite). "
            "Drop or fix those rows first, e.g. transactions[np.isfinite(transactions['amount'])].",
            table="transactions", column="amount", n_bad=bad, n_rows=n,
        )
    negative = amount.lt(0).to_numpy()
    if negative.any():
        per_customer = pd.DataFrame({"c": frame["customer_id"].astype("str"), "neg": negative}).groupby("c")["neg"].all()
        only_returns = per_customer[per_customer]
        detail = (
            f"; {len(only_returns)} customer(s) have only return lines and no purchase at all "
            f"(e.g. {', '.join(map(str, only_returns.index[:3]))})"
            if len(only_returns) else ""
        )
        raise SchemaError(
            f"Table 'transactions', column 'amount': expected amounts >= 0 (purchases), found "
            f"{int(negative.sum())} of {n} rows with a negative amount (returns){detail}. "
            "Drop returns with idic_lab.schema.clean('transactions', df) (it counts them) before the value "
            "analysis.",
            table="transactions", column="amount", n_bad=int(negative.sum()), n_rows=n,
        )
    frame["amount"] = amount.to_numpy()
    frame["customer_id"] = frame["customer_id"].astype("str")
    return frame


def _summary_unit(summary: pd.DataFrame) -> str | None:
    """The time unit a summary carries in ``attrs`` (None: unknown)."""
    unit = summary.attrs.get("time_unit")
    if unit is not None:
        _unit_days(unit, "summary.attrs['time_unit']")
    return unit


def _unit_text(unit: str) -> str:
    return f"{_UNIT_NAMES[unit]} ('{unit}')"


def _check_same_unit(summary: pd.DataFrame, unit: str | None, owner: str, fix: str) -> None:
    """Refuse a summary whose time unit differs from ``unit`` (an unknown unit on either side is accepted)."""
    found = _summary_unit(summary)
    if unit is None or found is None or found == unit:
        return
    factor = TIME_UNITS[unit] / TIME_UNITS[found]
    raise ValueError(
        f"summary: expected time_unit '{unit}' like {owner}, found a summary in {_unit_text(found)} "
        f"(summary.attrs['time_unit']): recency, T and the model's rates would be read in different units "
        f"and every prediction would be off by a factor of about {_plain_value(max(factor, 1 / factor))}. {fix}"
    )


def _summary_fix(unit: str) -> str:
    return (
        f"Build the summary in the model's unit, rfm_summary(..., time_unit='{unit}') or "
        f"calibration_holdout_split(..., time_unit='{unit}'), or refit the model on the summary you have."
    )


def _check_summary(summary: pd.DataFrame, *, monetary: bool = False) -> pd.DataFrame:
    """Checked float copy of frequency, recency, T (and monetary_value) of a BTYD summary."""
    needed = ["frequency", "recency", "T"] + (["monetary_value"] if monetary else [])
    _frame(summary, "summary", "from rfm_summary(..., definition='btyd')")
    if summary.attrs.get("definition") == "rfm":
        raise ValueError(
            f"summary: expected the BTYD definition (frequency = repeat purchases, recency = time from the first "
            f"to the last purchase), found a marketing RFM summary (definition='rfm', {len(summary)} rows), whose "
            "frequency counts the first purchase and whose recency is the time since the last one. Build it with "
            "rfm_summary(..., definition='btyd')."
        )
    _summary_unit(summary)
    missing = [c for c in needed if c not in summary.columns]
    if missing:
        raise ValueError(
            f"summary: expected the columns {', '.join(needed)} (from rfm_summary(..., definition='btyd')), "
            f"found no {', '.join(missing)} among {list(summary.columns)} ({len(summary)} rows)."
        )
    if summary.empty:
        raise ValueError("summary: expected at least one customer, found 0 rows. Build it with rfm_summary(...).")
    text = [c for c in needed if not _numeric(summary[c])]
    if text:
        raise ValueError(
            f"summary: expected numbers in {', '.join(text)}, found dtype {summary[text[0]].dtype} "
            f"({len(summary)} rows). Build the summary with rfm_summary(...)."
        )
    n = len(summary)
    if summary.index.has_duplicates:
        twice = summary.index[summary.index.duplicated()].unique()
        raise ValueError(
            f"summary: expected one row per customer, found {len(twice)} customer id(s) more than once "
            f"(e.g. {', '.join(map(str, twice[:3]))}) among {n} rows. Build the summary with rfm_summary(...), "
            "which has one row per customer."
        )
    data = pd.DataFrame({c: summary[c].to_numpy(dtype="float64", na_value=np.nan) for c in needed}, index=summary.index)
    finite = np.isfinite(data.to_numpy())
    if not finite.all():
        rows = ~finite.all(axis=1)
        columns = [c for c, ok in zip(needed, finite.all(axis=0)) if not ok]
        raise ValueError(
            f"summary: expected finite numbers, found {int(rows.sum())} of {n} rows with missing or infinite "
            f"values in {', '.join(columns)} (e.g. customers {_examples(summary.index, rows)}). Drop those rows, "
            f"e.g. summary[np.isfinite(summary[{columns!r}]).all(axis=1)], or rebuild it with rfm_summary(...)."
        )
    f, r, t = data["frequency"], data["recency"], data["T"]
    checks = [
        ((f < 0) | (f != np.floor(f)), "frequency to be a whole number >= 0", "other values"),
        (t < 0, "T >= 0 (the first purchase cannot be after the observation end)", "negative T"),
        (r < 0, "recency >= 0", "negative recency"),
        (r > t + 1e-9, "recency <= T (the last purchase cannot be after the observation end)", "recency > T"),
        ((f == 0) & (r != 0), "recency = 0 for customers without repeat purchases", "recency > 0 with frequency 0"),
    ]
    for bad, expected, found in checks:
        if bad.any():
            raise ValueError(
                f"summary: expected {expected}, found {found} in {int(bad.sum())} of {n} rows "
                f"(e.g. customers {_examples(summary.index, bad)}). Build the summary with "
                "rfm_summary(..., definition='btyd')."
            )
    if monetary and (data["monetary_value"] < 0).any():
        bad = data["monetary_value"] < 0
        raise ValueError(
            f"summary: expected monetary_value >= 0, found {int(bad.sum())} of {n} rows negative "
            f"(e.g. customers {_examples(summary.index, bad)}). Drop returns with "
            "idic_lab.schema.clean('transactions', df) and rebuild the summary with rfm_summary(...)."
        )
    return data


# --------------------------------------------------------------------------
# RFM summary
# --------------------------------------------------------------------------


def _occasions(frame: pd.DataFrame) -> pd.DataFrame:
    """Purchase occasions: one row per customer and calendar day, amounts summed."""
    day = frame["date"].dt.normalize()
    grouped = pd.DataFrame({"customer_id": frame["customer_id"], "day": day, "amount": frame["amount"]})
    return grouped.groupby(["customer_id", "day"], sort=True, as_index=False)["amount"].sum()


def _summary_from_occasions(
    occasions: pd.DataFrame, end: pd.Timestamp, time_unit: str, definition: str
) -> pd.DataFrame:
    unit = _unit_days(time_unit)
    by = occasions.groupby("customer_id", sort=True)
    first = by["day"].min()
    last = by["day"].max()
    count = by["day"].size().astype("int64")
    total = by["amount"].sum()
    day = pd.Timedelta(days=1)
    if definition == "btyd":
        repeats = count - 1
        is_repeat = occasions.groupby("customer_id", sort=True).cumcount().to_numpy() > 0  # sorted by day
        monetary = occasions["amount"].where(is_repeat).groupby(occasions["customer_id"]).mean().fillna(0.0)
        out = pd.DataFrame(
            {
                "frequency": repeats.astype("float64"),
                "recency": (last - first) / day / unit,
                "T": (end - first) / day / unit,
                "monetary_value": monetary.astype("float64"),
            }
        )
    else:
        out = pd.DataFrame(
            {
                "recency": (end - last) / day / unit,
                "frequency": count,
                "monetary_value": (total / count).astype("float64"),
                "total_value": total.astype("float64"),
                "T": (end - first) / day / unit,
            }
        )
    out.index = out.index.astype("str")
    out.index.name = "customer_id"
    out.attrs["time_unit"] = time_unit
    out.attrs["definition"] = definition
    out.attrs["observation_end"] = str(end.date())
    return out


def rfm_summary(
    transactions: pd.DataFrame,
    *,
    observation_end: str | pd.Timestamp,
    time_unit: str = "W",
    definition: str = "btyd",
    after_end: str = "error",
) -> pd.DataFrame:
    """Frequency, recency, age and monetary value of every customer.

    Purchases of one customer on the same calendar day are merged into one
    purchase *occasion* (their amounts summed). Vectorized: no loop over
    customers.

    Parameters
    ----------
    transactions : DataFrame
        Canonical transactions (``customer_id``, ``date``, ``amount``);
        amounts must be >= 0 (zero-value occasions count, as in CDNOW).
        Never modified.
    observation_end : str or Timestamp
        Last day of the observation window (the whole day is included).
    time_unit : {"D", "W", "M", "Q"}
        Day, week, month (30.4375 days) or quarter (91.3125 days).
    definition : {"btyd", "rfm"}
        ``"btyd"`` (Fader & Hardie, for BG/NBD, Pareto/NBD, Gamma-Gamma):
        ``frequency`` = number of *repeat* occasions, ``recency`` = time
        from the first to the last occasion, ``T`` = time from the first
        occasion to the observation end, ``monetary_value`` = mean value of
        the repeat occasions (0 without repeats). ``"rfm"`` (marketing
        scores): ``recency`` = time since the last occasion, ``frequency`` =
        all occasions (the first counts), ``monetary_value`` = mean occasion
        value, ``total_value`` = all spend, ``T`` = tenure.
    after_end : {"error", "drop"}
        What to do with rows after ``observation_end``: raise, or leave them
        out and count them in ``result.attrs["rows_after_observation_end"]``.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (str, sorted), one row per customer.
        ``attrs`` carries ``time_unit``, ``definition``,
        ``observation_end`` and ``rows_after_observation_end``; the models
        check the unit (see the module's notes on time units).

    Raises
    ------
    SchemaError
        Empty data, missing columns, missing ids or dates, text dates (read
        them with :func:`idic_lab.schema.clean` and ``date_format=`` or
        ``dayfirst=``), float ids, missing or infinite amounts, negative
        amounts (returns; the message counts customers with only returns),
        rows after the observation end (with ``after_end="error"``) or an
        observation end before the first purchase.
    ValueError
        An unknown ``time_unit``, ``definition`` or ``after_end``, or an
        ``observation_end`` that is not a date (numbers are refused).
    """
    _choice(definition, "definition", ("btyd", "rfm"))
    _choice(after_end, "after_end", ("error", "drop"))
    _unit_days(time_unit)
    end = _as_date(observation_end, "observation_end")
    frame = _check_transactions(transactions)
    first_purchase = frame["date"].min()
    if first_purchase.normalize() > end:
        raise SchemaError(
            f"Table 'transactions': expected observation_end on or after the first purchase, found "
            f"observation_end {end.date()} before the first purchase {first_purchase.date()} "
            f"(all {len(frame)} rows are later). Choose an observation_end between {first_purchase.date()} and "
            f"{frame['date'].max().date()}.",
            table="transactions", column="date", n_bad=len(frame), n_rows=len(frame),
        )
    later = (frame["date"] >= end + pd.Timedelta(days=1)).to_numpy()
    if later.any() and after_end == "error":
        raise SchemaError(
            f"Table 'transactions', column 'date': expected dates up to observation_end {end.date()}, found "
            f"{int(later.sum())} of {len(frame)} rows later (last {frame['date'].max().date()}). Use "
            "calibration_holdout_split for a holdout period, after_end='drop', or clean(..., observation_end=...).",
            table="transactions", column="date", n_bad=int(later.sum()), n_rows=len(frame),
        )
    summary = _summary_from_occasions(_occasions(frame.loc[~later]), end, time_unit, definition)
    summary.attrs["rows_after_observation_end"] = int(later.sum())
    return summary


@dataclass(frozen=True)
class CalibrationHoldout:
    """A calibration summary with what each customer did in the holdout.

    Attributes
    ----------
    summary : DataFrame
        Indexed by ``customer_id``: ``frequency``, ``recency``, ``T``,
        ``monetary_value`` (calibration, BTYD definition), then
        ``frequency_holdout`` (purchase occasions in the holdout),
        ``monetary_value_holdout`` (their mean value; 0 without any) and
        ``duration_holdout`` (holdout length in time units).
    new_in_holdout : DataFrame
        Customers whose first purchase falls in the holdout period (not in
        ``summary``: a calibration model knows nothing about them), with
        their first date, occasions and spend.
    calibration_end, observation_end : Timestamp
    time_unit : str
    """

    summary: pd.DataFrame
    new_in_holdout: pd.DataFrame
    calibration_end: pd.Timestamp
    observation_end: pd.Timestamp
    time_unit: str

    @property
    def duration_holdout(self) -> float:
        """Holdout length in time units."""
        return float((self.observation_end - self.calibration_end) / pd.Timedelta(days=1) / TIME_UNITS[self.time_unit])

    def report(self) -> pd.Series:
        """Counts for the notebook: customers, repeat buyers, holdout buyers, new in holdout."""
        s = self.summary
        return pd.Series(
            {
                "customers in calibration": len(s),
                "repeat buyers in calibration": int((s["frequency"] > 0).sum()),
                "calibration customers buying in holdout": int((s["frequency_holdout"] > 0).sum()),
                "repeat occasions in holdout": int(s["frequency_holdout"].sum()),
                "new customers first seen in holdout (not modelled)": len(self.new_in_holdout),
            },
            name="count",
        )


def calibration_holdout_split(
    transactions: pd.DataFrame,
    *,
    calibration_end: str | pd.Timestamp,
    observation_end: str | pd.Timestamp,
    time_unit: str = "W",
) -> CalibrationHoldout:
    """Split purchases into a calibration period and a holdout period.

    The calibration summary follows :func:`rfm_summary` (``"btyd"``) with
    ``observation_end=calibration_end``. In the holdout, every occasion of a
    calibration customer is a repeat occasion, and its monetary value uses
    the same definition (mean occasion value). Customers first seen in the
    holdout are reported in :attr:`CalibrationHoldout.new_in_holdout`, not
    silently dropped.

    Parameters
    ----------
    transactions : DataFrame
        Canonical transactions, never modified.
    calibration_end, observation_end : str or Timestamp
        Last day of the calibration period and of the holdout period.
    time_unit : {"D", "W", "M", "Q"}

    Returns
    -------
    CalibrationHoldout
    """
    unit = _unit_days(time_unit)
    cal_end = _as_date(calibration_end, "calibration_end")
    obs_end = _as_date(observation_end, "observation_end")
    if cal_end >= obs_end:
        raise ValueError(
            f"calibration_end={str(cal_end.date())!r}: expected a date before observation_end "
            f"{obs_end.date()} (a holdout period of at least one day), found it "
            f"{'on' if cal_end == obs_end else 'after'} the observation end. Choose an earlier calibration_end, "
            "e.g. the middle of the observation window."
        )
    frame = _check_transactions(transactions)
    later = frame["date"] >= obs_end + pd.Timedelta(days=1)
    if later.any():
        raise SchemaError(
            f"Table 'transactions', column 'date': expected dates up to observation_end {obs_end.date()}, "
            f"found {int(later.sum())} of {len(frame)} rows later (last {frame['date'].max().date()}). Leave them "
            f"out first, e.g. transactions[transactions['date'] < '{(obs_end + pd.Timedelta(days=1)).date()}'], "
            "or choose a later observation_end.",
            table="transactions", column="date", n_bad=int(later.sum()), n_rows=len(frame),
        )
    in_cal = frame["date"] < cal_end + pd.Timedelta(days=1)
    if not in_cal.any():
        raise SchemaError(
            f"Table 'transactions': expected purchases up to calibration_end {cal_end.date()}, found none: "
            f"the first purchase is {frame['date'].min().date()} (all {len(frame)} rows are later). Choose a "
            f"calibration_end between {frame['date'].min().date()} and {obs_end.date()}.",
            table="transactions", column="date", n_bad=len(frame), n_rows=len(frame),
        )
    occasions = _occasions(frame)
    cal_occ = occasions[occasions["day"] <= cal_end]
    hold_occ = occasions[occasions["day"] > cal_end]
    summary = _summary_from_occasions(cal_occ, cal_end, time_unit, "btyd")
    hold = hold_occ.groupby("customer_id")["amount"].agg(["size", "mean"])
    hold.index = hold.index.astype("str")
    known = hold.index.isin(summary.index)
    summary["frequency_holdout"] = hold["size"].reindex(summary.index).fillna(0).astype("float64")
    summary["monetary_value_holdout"] = hold["mean"].reindex(summary.index).fillna(0.0).astype("float64")
    summary["duration_holdout"] = (obs_end - cal_end) / pd.Timedelta(days=1) / unit
    new = hold_occ[hold_occ["customer_id"].isin(hold.index[~known])]
    new_table = new.groupby("customer_id").agg(
        first_date=("day", "min"), occasions=("day", "size"), spend=("amount", "sum")
    )
    new_table.index = new_table.index.astype("str")
    return CalibrationHoldout(summary, new_table, cal_end, obs_end, time_unit)


# --------------------------------------------------------------------------
# RFM scores and segments
# --------------------------------------------------------------------------

# (segment, R scores, FM scores), checked in this order; together they cover
# every cell of the 5 x 5 grid of recency score x frequency-monetary score.
RFM_SEGMENT_RULES: tuple[tuple[str, tuple[int, int], tuple[int, int]], ...] = (
    ("Champions", (4, 5), (4, 5)),
    ("Loyal", (3, 5), (3, 5)),
    ("Can't lose them", (1, 1), (4, 5)),
    ("At risk", (1, 2), (3, 5)),
    ("New customers", (4, 5), (1, 1)),
    ("Potential loyalists", (3, 5), (1, 2)),
    ("About to sleep", (2, 2), (1, 2)),
    ("Hibernating", (1, 1), (1, 2)),
)
"""Named RFM segments: (name, (lowest, highest) R score, (lowest, highest) FM score)."""


RFM_LEVELS = 5
"""Number of RFM score levels (quintiles); the segment rules are written for five."""


def _quintile(values: pd.Series, *, higher_is_better: bool = True) -> pd.Series:
    """Scores 1-5 by percentile rank; tied values share the score of their average rank.

    A column with a single value cannot rank anyone: every customer gets the
    middle score (3), not the top score that the average rank of a small
    group would give.
    """
    if values.nunique() == 1:
        return pd.Series(3, index=values.index, dtype="int64")
    pct = values.rank(method="average", pct=True, ascending=higher_is_better)
    return np.ceil(pct * RFM_LEVELS).clip(1, RFM_LEVELS).astype("int64")


def _check_rfm_input(summary: pd.DataFrame, needed: list[str]) -> pd.DataFrame:
    _frame(summary, "summary", "from rfm_summary(..., definition='rfm')")
    if summary.attrs.get("definition") == "btyd":
        raise ValueError(
            f"rfm_scores: expected a marketing RFM summary (recency = time since the last purchase), found a BTYD "
            f"summary (definition='btyd', {len(summary)} rows), whose recency runs from the first to the last "
            "purchase: its scores would rank the wrong customers as recent. Build it with "
            "rfm_summary(..., definition='rfm')."
        )
    missing = [c for c in needed if c not in summary.columns]
    if missing:
        raise ValueError(
            f"rfm_scores: expected the columns {needed} from rfm_summary(..., definition='rfm'), "
            f"found no {missing} among {list(summary.columns)} ({len(summary)} rows)."
        )
    if summary.empty:
        raise ValueError("rfm_scores: expected at least one customer, found 0 rows. Build the summary with rfm_summary.")
    if summary.index.has_duplicates:
        twice = summary.index[summary.index.duplicated()].unique()
        raise ValueError(
            f"rfm_scores: expected one row per customer, found {len(twice)} customer id(s) more than once "
            f"(e.g. {', '.join(map(str, twice[:3]))}) among {len(summary)} rows. Build the summary with rfm_summary."
        )
    for column in needed:
        values = summary[column]
        if not _numeric(values):
            raise ValueError(f"rfm_scores: expected numbers in {column}, found dtype {values.dtype} ({len(summary)} rows).")
        bad = ~np.isfinite(values.to_numpy(dtype="float64", na_value=np.nan))
        if bad.any():
            raise ValueError(
                f"rfm_scores: expected finite numbers in {column}, found {int(bad.sum())} of {len(summary)} rows "
                f"missing or infinite (e.g. customers {_examples(summary.index, bad)}). Drop those customers, e.g. "
                f"summary[np.isfinite(summary['{column}'])], or rebuild the summary with rfm_summary."
            )
    return summary


def rfm_scores(summary: pd.DataFrame) -> pd.DataFrame:
    """RFM quintile scores (1-5) and a named segment for every customer.

    Scores are percentile ranks cut into fifths (5 = best fifth). Tied
    values share the score of their average rank, so the fifths are uneven
    when many customers have the same value (e.g. one purchase). A column
    with a single value for everyone gets the middle score 3 for everyone.
    A column with fewer than five different values cannot be split into
    five levels: the scores are computed by the same rule and an
    :class:`~idic_lab.diagnostics.IdicLabWarning` names the column. When
    recency, frequency and monetary value are all the same for every
    customer (one customer, or identical customers) nothing can be ranked
    and the call is refused.

    Parameters
    ----------
    summary : DataFrame
        From :func:`rfm_summary` with ``definition="rfm"`` (recency = time
        since the last purchase, so a *low* recency scores 5). A BTYD
        summary is refused.

    Returns
    -------
    DataFrame
        The summary plus ``R``, ``F``, ``M`` (5 = best fifth), ``FM`` (the
        rounded-up mean of F and M), ``RFM`` (e.g. ``"545"``) and
        ``segment``, in the order of the summary.

    Raises
    ------
    ValueError
        Missing columns, no customers, repeated customer ids, missing or
        infinite values, a BTYD summary, or customers that are all alike.
    """
    needed = ["recency", "frequency", "monetary_value"]
    _check_rfm_input(summary, needed)
    distinct = {c: int(summary[c].nunique()) for c in needed}
    if all(n == 1 for n in distinct.values()):
        first = summary.iloc[0]
        raise ValueError(
            f"rfm_scores: expected customers who differ, found all {len(summary)} with the same recency "
            f"({_plain_value(first['recency'])}), frequency ({_plain_value(first['frequency'])}) and monetary_value "
            f"({_plain_value(first['monetary_value'])}): scores cannot rank them, and every customer would get one segment. "
            "Score a larger customer base (a longer observation window or all customers)."
        )
    few = {c: n for c, n in distinct.items() if n < RFM_LEVELS}
    if few:
        listed = ", ".join(f"{c} has {n} different value{'s' if n > 1 else ''}" for c, n in few.items())
        warn(
            f"rfm_scores: {listed} among {len(summary)} customers, fewer than the {RFM_LEVELS} score levels: tied "
            "customers share a score (a column with one value gets the middle score 3), so these scores and the "
            "segments built on them separate customers only coarsely. Use more customers or a longer observation "
            "window, or read the other scores."
        )
    out = summary.copy()
    out["R"] = _quintile(out["recency"], higher_is_better=False)
    out["F"] = _quintile(out["frequency"])
    out["M"] = _quintile(out["monetary_value"])
    out["FM"] = (out["F"] + out["M"] + 1) // 2
    out["RFM"] = out["R"].astype(str) + out["F"].astype(str) + out["M"].astype(str)
    segment = pd.Series(pd.NA, index=out.index, dtype="object")
    for name, (r_lo, r_hi), (fm_lo, fm_hi) in RFM_SEGMENT_RULES:
        hit = segment.isna() & out["R"].between(r_lo, r_hi) & out["FM"].between(fm_lo, fm_hi)
        segment[hit] = name
    out["segment"] = pd.Categorical(segment, categories=[r[0] for r in RFM_SEGMENT_RULES])
    return out


def rfm_segment_table(scores: pd.DataFrame, *, value: str = "total_value") -> pd.DataFrame:
    """Customers, share of customers, value and share of value per RFM segment.

    Parameters
    ----------
    scores : DataFrame
        From :func:`rfm_scores`.
    value : str
        Numeric column summed as the segment's value (default all spend,
        ``total_value``).

    Returns
    -------
    DataFrame
        One row per segment with customers, in the order of
        :data:`RFM_SEGMENT_RULES` (segments without customers are left out):
        ``customers``, ``mean_recency``, ``mean_frequency``, ``value``,
        ``share_of_customers``, ``share_of_value``. If the value column sums
        to 0 the value shares are 0 and a warning says so.
    """
    _frame(scores, "scores", "from rfm_scores")
    missing = [c for c in ("segment", "recency", "frequency") if c not in scores.columns]
    if missing:
        raise ValueError(
            f"scores: expected the columns segment, recency and frequency from rfm_scores, found no "
            f"{', '.join(missing)} among {list(scores.columns)} ({len(scores)} rows)."
        )
    numeric = [c for c in scores.columns if _numeric(scores[c]) and c not in ("R", "F", "M", "FM")]
    if not isinstance(value, str) or value not in numeric:
        raise ValueError(f"value={value!r}: expected a numeric column of the scores, one of {numeric}.")
    if scores.empty:
        raise ValueError("scores: expected at least one customer, found 0 rows.")
    values = scores[value].to_numpy(dtype="float64", na_value=np.nan)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        raise ValueError(
            f"scores: expected finite values >= 0 in {value}, found {int(bad.sum())} of {len(scores)} rows missing, "
            f"infinite or negative (e.g. customers {_examples(scores.index, bad)}). Build the scores from "
            "rfm_summary(..., definition='rfm') of cleaned transactions."
        )
    if scores["segment"].isna().any():
        raise ValueError(
            f"scores: expected a segment for every customer, found {int(scores['segment'].isna().sum())} of "
            f"{len(scores)} rows without one. Build the scores with rfm_scores."
        )
    table = scores.groupby("segment", observed=True, sort=True).agg(
        customers=("segment", "size"), mean_recency=("recency", "mean"), mean_frequency=("frequency", "mean"),
        value=(value, "sum"),
    )
    table["share_of_customers"] = table["customers"] / table["customers"].sum()
    total = float(table["value"].sum())
    if total > 0:
        table["share_of_value"] = table["value"] / total
    else:
        warn(f"rfm_segment_table: {value} is 0 for all {len(scores)} customers: every share_of_value is set to 0.")
        table["share_of_value"] = 0.0
    return table


# --------------------------------------------------------------------------
# Pareto view
# --------------------------------------------------------------------------


def _values(values: pd.Series | Sequence[float] | np.ndarray, name: str) -> np.ndarray:
    """Customer values as a 1-D float array: finite, >= 0 and not all 0."""
    if isinstance(values, pd.DataFrame):
        if values.shape[1] != 1:
            raise TypeError(
                f"{name}: expected one value per customer (a Series or a list), found a DataFrame with "
                f"{values.shape[1]} columns. Pass one column, e.g. df['total_value']."
            )
        values = values.iloc[:, 0]
    if isinstance(values, (str, bytes, Mapping)) or np.ndim(values) == 0:
        raise TypeError(f"{name}: expected customer values (a Series, list or array of numbers), found {type(values).__name__}.")
    raw = values.array if isinstance(values, pd.Series) else np.asarray(values)
    if pd.api.types.is_bool_dtype(raw.dtype):
        raise TypeError(f"{name}: expected numbers (customer value), found True/False values.")
    try:
        if isinstance(values, pd.Series) and pd.api.types.is_numeric_dtype(values):
            array = values.to_numpy(dtype="float64", na_value=np.nan)
        else:
            array = np.asarray(values, dtype="float64")
    except (TypeError, ValueError):
        raise TypeError(
            f"{name}: expected numbers, found values that are not numbers (e.g. {list(np.asarray(raw).ravel()[:3])})."
        ) from None
    if array.ndim != 1:
        raise TypeError(f"{name}: expected one value per customer (1-D), found an array of shape {array.shape}.")
    if array.size == 0:
        raise ValueError(f"{name}: expected at least one customer value, found 0.")
    bad = ~np.isfinite(array)
    if bad.any():
        raise ValueError(
            f"{name}: expected finite numbers, found {int(bad.sum())} of {array.size} values missing or infinite. "
            "Drop or fix them first, e.g. values[np.isfinite(values)]."
        )
    if (array < 0).any():
        raise ValueError(
            f"{name}: expected values >= 0 for a Pareto/Lorenz analysis, found {int((array < 0).sum())} "
            f"of {array.size} negative. Use spend after returns (idic_lab.schema.clean drops returns) or clip "
            "losses at 0 if that is what you mean."
        )
    if array.sum() == 0:
        raise ValueError(
            f"{name}: expected some positive value, found all {array.size} values equal to 0: there is no value "
            "to concentrate. Check that the column holds spend (e.g. total_value) and not a zero placeholder."
        )
    return array


def top_share(values: pd.Series | Sequence[float] | np.ndarray, share: float = 0.2) -> float:
    """Share of total value that comes from the top ``share`` of customers.

    The top group is the ``ceil(share * n)`` customers with the highest
    values (Buttle's *strategically significant customers* are usually
    sought here: the 20 % who bring most of the value). Which of several
    tied customers is "in" does not matter: they bring the same value.

    Raises
    ------
    ValueError, TypeError
        No values, values missing, infinite, negative or all 0, or a
        ``share`` outside (0, 1].
    """
    share = _number(share, "share", low=0, low_open=True, example="0.2")
    if share > 1:
        raise ValueError(f"share={share!r}: expected a fraction in (0, 1] such as 0.2 for the top 20 %.")
    array = np.sort(_values(values, "top_share: values"))[::-1]
    n_top = math.ceil(share * array.size - 1e-9)
    return float(array[:n_top].sum() / array.sum())


def lorenz_curve(values: pd.Series | Sequence[float] | np.ndarray) -> pd.DataFrame:
    """Points of the Lorenz curve: customers sorted from the *most* valuable.

    Returns
    -------
    DataFrame
        ``customer_share`` (0 to 1) and ``value_share`` (cumulative share of
        value of the top customers), starting at (0, 0).

    Raises
    ------
    ValueError, TypeError
        No values, or values missing, infinite, negative or all 0.
    """
    array = np.sort(_values(values, "lorenz_curve: values"))[::-1]
    n = array.size
    return pd.DataFrame(
        {
            "customer_share": np.arange(n + 1) / n,
            "value_share": np.concatenate([[0.0], np.cumsum(array) / array.sum()]),
        }
    )


def lorenz_points(values: pd.Series | Sequence[float] | np.ndarray, points: int = 21) -> dict[str, list[float]]:
    """The Lorenz curve at ``points`` evenly spaced customer shares (0, 5 %, ..., 100 % for 21), for a chart.

    Returns
    -------
    dict
        ``{"customer_share": [...], "value_share": [...]}``, shares 0-1
        rounded to 4 decimals, interpolated on :func:`lorenz_curve`.
    """
    points = int(_number(points, "points", low=2, whole=True, example="21"))
    curve = lorenz_curve(values)
    shares = np.linspace(0.0, 1.0, points)
    value = np.interp(shares, curve["customer_share"].to_numpy(), curve["value_share"].to_numpy())
    return {"customer_share": [round(float(s), 4) for s in shares], "value_share": [round(float(v), 4) for v in value]}


def gini(values: pd.Series | Sequence[float] | np.ndarray) -> float:
    """Gini coefficient of customer value: 0 = all equal, close to 1 = one customer has all.

    Raises
    ------
    ValueError, TypeError
        No values, or values missing, infinite, negative or all 0.
    """
    array = np.sort(_values(values, "gini: values"))
    n = array.size
    ranks = np.arange(1, n + 1)
    return float((2 * (ranks * array).sum()) / (n * array.sum()) - (n + 1) / n)


# --------------------------------------------------------------------------
# BTYD models through lifetimes
# --------------------------------------------------------------------------


def _patterns(data: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Unique rows of ``columns`` with their count in ``weights``."""
    return data.groupby(columns, sort=True).size().rename("weights").reset_index()


_FIT_ADVICE = (
    "Try a small penalizer (e.g. penalizer=0.001), a coarser time unit (weeks or months instead of days), "
    "a longer calibration period, or check that the data hold enough repeat buyers."
)

# A fitted parameter outside this range ran to the edge of what the optimiser
# (which works on log parameters) can represent: the likelihood is flat there
# and the value means "0" or "infinity", not an estimate.
_EDGE = (1e-6, 1e6)
# Dropout this close to 0 means the model sees no customer leave: P(alive) ~ 1.
_NO_DROPOUT = 1e-3
# Gamma-Gamma: fewer repeat buyers than this give unstable estimates; a
# frequency-spend correlation beyond this breaks its independence assumption
# (Fader & Hardie 2013 report 0.11 on CDNOW).
_GG_MIN_REPEAT_BUYERS = 30
_GG_MAX_CORRELATION = 0.3


def _check_fit_options(penalizer: Any, max_iter: Any) -> None:
    _number(penalizer, "penalizer", low=0, example="0.001")
    if max_iter is not None:
        _number(max_iter, "max_iter", low=1, whole=True, example="1000")


def _edge_parameters(params: pd.Series) -> list[str]:
    low, high = _EDGE
    return [f"{name} {_equals(value)}" for name, value in params.items() if not low <= value <= high]


class _BTYDModel:
    """Shared code of the BG/NBD and Pareto/NBD models."""

    _fitter_name = ""
    _param_names: tuple[str, ...] = ()
    name = ""

    def __init__(self, *, penalizer: float = 0.0, max_iter: int | None = None, time_unit: str | None = None) -> None:
        self.penalizer = penalizer
        self.max_iter = max_iter
        self.time_unit = time_unit

    # -- fitting ---------------------------------------------------------
    def fit(self, summary: pd.DataFrame) -> _BTYDModel:
        """Fit on a BTYD summary (unique (frequency, recency, T) rows with weights).

        Parameters
        ----------
        summary : DataFrame
            ``frequency``, ``recency``, ``T`` per customer (from
            :func:`rfm_summary` or :attr:`CalibrationHoldout.summary`).

        Returns
        -------
        self
            With ``params_`` (Series), ``time_unit_`` (the unit of the
            summary, or of the ``time_unit`` parameter; None if neither says),
            ``n_customers_``, ``n_patterns_``, ``log_likelihood_`` (total),
            ``degenerate_`` (why the fit is unusable, or ``""``) and
            ``fitter_`` (the lifetimes object).

        Raises
        ------
        ModelFitError
            No repeat buyers, fewer distinct customer patterns than
            parameters, or an optimizer that does not converge (with advice
            what to try).
        ValueError
            A summary that is not a BTYD summary, or whose time unit differs
            from the ``time_unit`` parameter.

        Warns
        -----
        IdicLabWarning
            The fit converged but is degenerate: a parameter ran to the edge
            of its range or the model sees no dropout, so its P(alive) and
            CLV are unusable on this data.
        """
        _check_fit_options(self.penalizer, self.max_iter)
        data = _check_summary(summary)
        unit = self._fit_unit(summary)
        if (data["frequency"] > 0).sum() == 0:
            raise ModelFitError(
                f"{self.name}: expected some repeat buyers to learn from, found 0 of {len(data)} customers with "
                f"frequency > 0. {_FIT_ADVICE}"
            )
        patterns = _patterns(data, ["frequency", "recency", "T"])
        if len(patterns) < len(self._param_names):
            raise ModelFitError(
                f"{self.name}: expected at least {len(self._param_names)} different (frequency, recency, T) patterns "
                f"to estimate its {len(self._param_names)} parameters, found {len(patterns)} among {len(data)} "
                "customers. Fit it on more customers (all customers, or a longer observation window)."
            )
        fitter = getattr(_lifetimes(), self._fitter_name)(penalizer_coef=float(self.penalizer))
        try:
            with _quiet():
                self._run_fit(fitter, patterns)
        except ModelFitError:
            raise
        except Exception as exc:  # lifetimes' ConvergenceError and numerical failures
            raise ModelFitError(
                f"{self.name} did not converge on {len(data):,} customers: the optimiser found no stable fit. {_FIT_ADVICE}"
            ) from None
        params = fitter.params_.astype("float64")
        if not (np.isfinite(params.to_numpy()).all() and (params.to_numpy() > 0).all()):
            raise ModelFitError(f"{self.name} did not converge: parameters {_plain_parameters(params)}. {_FIT_ADVICE}")
        self.fitter_ = fitter
        self.params_ = params.rename(self.name)
        self.time_unit_ = unit
        self.n_customers_ = len(data)
        self.n_patterns_ = len(patterns)
        self.log_likelihood_ = self._total_log_likelihood(patterns)
        self.degenerate_ = self._degenerate(data)
        if self.degenerate_:
            warn(
                f"{self.name} fitted on {len(data):,} customers, but {self.degenerate_}. The model is unusable for "
                f"P(alive) and CLV on this data. Try the other purchase model, a small penalizer "
                "(e.g. penalizer=0.001), a coarser time unit or a longer observation window."
            )
        return self

    def _fit_unit(self, summary: pd.DataFrame) -> str | None:
        """The unit of the fit: the summary's, or the ``time_unit`` parameter's (they must agree)."""
        found = _summary_unit(summary)
        if self.time_unit is None:
            return found
        _unit_days(self.time_unit)
        if found is not None and found != self.time_unit:
            raise ValueError(
                f"time_unit={self.time_unit!r}: expected the summary to be in {_unit_text(self.time_unit)}, found "
                f"a summary in {_unit_text(found)} (summary.attrs['time_unit']). Build the summary with "
                f"rfm_summary(..., time_unit={self.time_unit!r}), or leave time_unit out to fit in the summary's unit."
            )
        return self.time_unit

    def _degenerate(self, data: pd.DataFrame) -> str:
        """Why the fitted parameters cannot be used ("" if they can)."""
        reasons = []
        edge = _edge_parameters(self.params_)
        if edge:
            reasons.append(f"{', '.join(edge)} ran to the edge of the optimiser's range (meaning 0 or infinity)")
        dropout = self._no_dropout(data)
        if dropout:
            reasons.append(f"{dropout}: it sees (almost) no customer leave, so P(alive) is about 1 for everyone")
        return "; ".join(reasons)

    def _no_dropout(self, data: pd.DataFrame) -> str:
        raise NotImplementedError

    def _run_fit(self, fitter: Any, patterns: pd.DataFrame) -> None:
        raise NotImplementedError

    def _total_log_likelihood(self, patterns: pd.DataFrame) -> float:
        raise NotImplementedError

    def _fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise ValueError(f"{type(self).__name__} is not fitted yet: call .fit(summary) first.")

    def _unit_label(self) -> str:
        return "an unknown unit" if self.time_unit_ is None else _unit_text(self.time_unit_)

    def _checked(self, summary: pd.DataFrame) -> pd.DataFrame:
        """The summary's numbers, after checking that it is in the unit of the fit."""
        self._fitted()
        data = _check_summary(summary)
        if self.time_unit_ is not None:
            _check_same_unit(summary, self.time_unit_, f"the {self.name} model (fitted in {self._unit_label()})",
                             _summary_fix(self.time_unit_))
        return data

    def _finite(self, values: Any, index: pd.Index, name: str) -> pd.Series:
        out = pd.Series(np.asarray(values, dtype="float64"), index=index, name=name)
        bad = ~np.isfinite(out.to_numpy())
        if bad.any():
            raise ModelFitError(
                f"{self.name}: {name} is not finite for {int(bad.sum())} of {len(out)} customers (e.g. "
                f"{_examples(index, bad)}): the parameters ({_plain_parameters(self.params_)}) overflow the model's "
                f"formulas for them. Refit with a small penalizer (e.g. penalizer=0.001) or a coarser time unit."
            )
        return out

    # -- predictions -------------------------------------------------------
    def expected_purchases(self, summary: pd.DataFrame, horizon: float) -> pd.Series:
        """Expected number of purchases in the next ``horizon`` time units, per customer.

        This is an *expected count* (it can exceed 1), not a probability.
        The summary must be in the unit the model was fitted in (refused
        otherwise); ``horizon`` must be > 0, in that unit.
        """
        data = self._checked(summary)
        horizon = _number(horizon, "horizon", low=0, low_open=True, example="52 (time units of the model)")
        with _quiet():
            values = self.fitter_.conditional_expected_number_of_purchases_up_to_time(
                horizon, data["frequency"].to_numpy(), data["recency"].to_numpy(), data["T"].to_numpy()
            )
        return self._finite(values, summary.index, "expected_purchases")

    def p_alive(self, summary: pd.DataFrame) -> pd.Series:
        """Probability that each customer is still active at the end of the summary's period.

        The summary must be in the unit the model was fitted in (refused
        otherwise).
        """
        data = self._checked(summary)
        with _quiet():
            values = self.fitter_.conditional_probability_alive(
                data["frequency"].to_numpy(), data["recency"].to_numpy(), data["T"].to_numpy()
            )
        return self._finite(values, summary.index, "p_alive")

    def expected_cumulative_purchases(self, t: np.ndarray | float) -> np.ndarray:
        """Unconditional expected repeat purchases of a new customer by time ``t`` (>= 0, in the model's unit)."""
        self._fitted()
        try:
            t = np.atleast_1d(np.asarray(t, dtype="float64"))
        except (TypeError, ValueError):
            raise TypeError(f"t: expected times >= 0 in the model's unit, found {type(t).__name__}.") from None
        bad = ~np.isfinite(t) | (t < 0)
        if bad.any():
            raise ValueError(f"t: expected finite times >= 0 in the model's unit, found {int(bad.sum())} of {t.size} not.")
        out = np.zeros_like(t)
        positive = t > 0
        if positive.any():
            with _quiet():
                out[positive] = np.asarray(self.fitter_.expected_number_of_purchases_up_to_time(t[positive]), dtype="float64")
        return self._finite(out, pd.RangeIndex(out.size), "expected_cumulative_purchases").to_numpy()

    def params_table(self) -> pd.DataFrame:
        """Parameters with their meaning (for a notebook)."""
        self._fitted()
        return pd.DataFrame({"value": self.params_, "meaning": [self._meanings[p] for p in self.params_.index]})

    _meanings: Mapping[str, str] = {}


class BGNBDModel(_BTYDModel):
    """The BG/NBD model of Fader, Hardie & Lee (2005), "Counting your customers the easy way".

    While active, a customer buys at a Poisson rate ``lambda`` (gamma
    distributed over customers, shape ``r``, rate ``alpha``); after each
    purchase she becomes inactive with probability ``p`` (beta distributed,
    ``a``, ``b``). Parameters are per time unit of the summary.

    Parameters
    ----------
    penalizer : float
        L2 penalty on the parameters (lifetimes' ``penalizer_coef``); 0 for
        the published maximum-likelihood fit.
    max_iter : int, optional
        Maximum optimizer iterations (default: the optimizer's own).
    time_unit : str, optional
        The unit of the summaries; taken from the summary when not given.
        Recorded in ``time_unit_`` and checked by every prediction.
    """

    _fitter_name = "BetaGeoFitter"
    _param_names = ("r", "alpha", "a", "b")
    name = "BG/NBD"
    _meanings = {
        "r": "shape of the purchase-rate distribution",
        "alpha": "scale of the purchase-rate distribution (rate: mean rate is r/alpha per time unit)",
        "a": "beta shape a of the drop-out probability after each purchase",
        "b": "beta shape b (mean drop-out probability a/(a+b))",
    }

    def _run_fit(self, fitter: Any, patterns: pd.DataFrame) -> None:
        options = {} if self.max_iter is None else {"maxiter": int(self.max_iter)}
        fitter.fit(patterns["frequency"], patterns["recency"], patterns["T"], weights=patterns["weights"], **options)

    def _total_log_likelihood(self, patterns: pd.DataFrame) -> float:
        # lifetimes reports the weighted mean negative log-likelihood per customer.
        return float(-self.fitter_._negative_log_likelihood_ * patterns["weights"].sum())

    def _no_dropout(self, data: pd.DataFrame) -> str:
        a, b = float(self.params_["a"]), float(self.params_["b"])
        mean_p = a / (a + b)
        return f"the mean dropout probability after a purchase, a/(a+b) {_equals(mean_p)}, is about 0" if mean_p < _NO_DROPOUT else ""


class ParetoNBDModel(_BTYDModel):
    """The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987) as fitted by Fader, Hardie & Lee (2005).

    While active, a customer buys at a Poisson rate (gamma: ``r``,
    ``alpha``); her unobserved lifetime is exponential with a gamma
    distributed dropout rate (``s``, ``beta``). Parameters are per time unit.

    Parameters
    ----------
    penalizer, max_iter, time_unit
        As in :class:`BGNBDModel`. The optimizer (Nelder-Mead) starts from
        fixed values (all 1), so fits are deterministic.
    """

    _fitter_name = "ParetoNBDFitter"
    _param_names = ("r", "alpha", "s", "beta")
    name = "Pareto/NBD"
    _meanings = {
        "r": "shape of the purchase-rate distribution",
        "alpha": "scale of the purchase-rate distribution (mean rate r/alpha per time unit)",
        "s": "shape of the dropout-rate distribution",
        "beta": "scale of the dropout-rate distribution (mean dropout rate s/beta per time unit)",
    }

    def _run_fit(self, fitter: Any, patterns: pd.DataFrame) -> None:
        maxiter = 2000 if self.max_iter is None else int(self.max_iter)
        fitter.fit(
            patterns["frequency"], patterns["recency"], patterns["T"], weights=patterns["weights"],
            initial_params=np.ones(4), tol=1e-8, maxiter=maxiter,
        )
        self._check_converged(fitter, patterns)

    def _no_dropout(self, data: pd.DataFrame) -> str:
        rate = float(self.params_["s"] / self.params_["beta"])
        per_customer = rate * float(data["T"].mean())
        if per_customer >= _NO_DROPOUT:
            return ""
        return (
            f"the mean dropout rate s/beta {_equals(rate)} per time unit gives {_plain_value(per_customer)} expected dropouts per "
            "customer over the observed period, about 0"
        )

    def _scaled(self, fitter: Any, patterns: pd.DataFrame) -> tuple[np.ndarray, tuple[Any, ...]]:
        scale = fitter._scale
        params = fitter.params_.to_numpy(dtype="float64").copy()
        params[1] *= scale
        params[3] *= scale
        args = (
            patterns["frequency"].to_numpy(), patterns["recency"].to_numpy() * scale,
            patterns["T"].to_numpy() * scale, patterns["weights"].to_numpy(), self.penalizer,
        )
        return params, args

    def _check_converged(self, fitter: Any, patterns: pd.DataFrame) -> None:
        # Nelder-Mead in lifetimes reports no success flag: check that the
        # gradient of the mean log-likelihood (in log parameters) is ~ 0.
        params, args = self._scaled(fitter, patterns)
        if not (np.isfinite(params).all() and (params > 0).all()):
            raise ModelFitError(f"{self.name} did not converge: parameters left the positive range. {_FIT_ADVICE}")
        n = float(patterns["weights"].sum())
        nll = fitter._negative_log_likelihood
        factor = float(np.mean(args[3])) / n  # lifetimes divides by the mean weight; per customer instead
        h = 1e-5
        gradient = np.empty(4)
        for i in range(4):
            up, down = np.log(params), np.log(params)
            up[i] += h
            down[i] -= h
            gradient[i] = (nll(np.exp(up), *args) - nll(np.exp(down), *args)) * factor / (2 * h)
        if not np.isfinite(gradient).all():
            raise ModelFitError(
                f"{self.name} did not converge: the likelihood cannot be evaluated near the last parameters "
                f"(s = {_plain_value(params[2])}, beta = {_plain_value(params[3] / fitter._scale)}; very large values mean the data "
                f"show no dropout-rate heterogeneity). {_FIT_ADVICE}"
            )
        if np.abs(gradient).max() > 1e-3:
            raise ModelFitError(
                f"{self.name} did not converge within {self.max_iter or 2000} iterations (the likelihood is still "
                f"changing, largest gradient {_plain_value(np.abs(gradient).max())} per customer). {_FIT_ADVICE}"
            )

    def _total_log_likelihood(self, patterns: pd.DataFrame) -> float:
        params, args = self._scaled(self.fitter_, patterns)
        return float(-self.fitter_._negative_log_likelihood(params, *args) * np.mean(args[3]))


PURCHASE_MODELS: Mapping[str, type[_BTYDModel]] = {"BG/NBD": BGNBDModel, "Pareto/NBD": ParetoNBDModel}
"""The purchase models by display name."""


def fit_purchase_models(
    summary: pd.DataFrame,
    *,
    names: Sequence[str] = ("BG/NBD", "Pareto/NBD"),
    penalizer: float = 0.0,
    require_one: bool = True,
) -> tuple[dict[str, _BTYDModel], pd.DataFrame]:
    """Fit several purchase models; a model that fails is reported, not fatal.

    Parameters
    ----------
    summary : DataFrame
        BTYD summary (e.g. :attr:`CalibrationHoldout.summary`).
    names : sequence of str
        Keys of :data:`PURCHASE_MODELS`, each once.
    penalizer : float
        Passed to every model.
    require_one : bool
        If True (default), raise when no model could be fitted; if False,
        return an empty dict and let the status table say why (a report that
        goes on and states the failure).

    Returns
    -------
    (dict, DataFrame)
        The fitted models by name, and a status table (``model``,
        ``status``, ``message``) listing each model in the order of
        ``names``: ``"fitted"``, ``"fitted, unusable"`` (degenerate
        parameters; the model is returned and its warning repeated) or
        ``"not converged"`` (with the advice of its :class:`ModelFitError`).

    Raises
    ------
    ModelFitError
        If no model could be fitted and ``require_one`` is True.
    """
    if not isinstance(require_one, bool):
        raise TypeError(f"require_one: expected True or False, found {require_one!r}.")
    if isinstance(names, str) or not isinstance(names, Sequence) or not names:
        raise TypeError(
            f"names: expected a non-empty list of model names among {list(PURCHASE_MODELS)}, found {names!r}; "
            "write e.g. names=['BG/NBD']."
        )
    for name in names:
        if not isinstance(name, str) or name not in PURCHASE_MODELS:
            raise ValueError(f"names: expected models among {list(PURCHASE_MODELS)}, found {name!r}.")
    if len(set(names)) < len(names):
        raise ValueError(f"names: expected each model once, found {list(names)}.")
    _check_fit_options(penalizer, None)
    _check_summary(summary)
    fitted: dict[str, _BTYDModel] = {}
    rows = []
    for name in names:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                model = PURCHASE_MODELS[name](penalizer=penalizer).fit(summary)
        except ModelFitError as exc:
            rows.append({"model": name, "status": "not converged", "message": str(exc)})
            continue
        for w in caught:  # repeat them here, so they point at the caller
            warnings.warn(w.message, w.category, stacklevel=2)
        fitted[name] = model
        status = "fitted, unusable" if model.degenerate_ else "fitted"
        rows.append({"model": name, "status": status, "message": model.degenerate_})
    status = pd.DataFrame(rows, columns=["model", "status", "message"])
    if not fitted and require_one:
        raise ModelFitError(" | ".join(status["message"]))
    return fitted, status


# --------------------------------------------------------------------------
# Does a fitted purchase model admit what the data show?
# --------------------------------------------------------------------------

# P(alive) against recency: a repeat customer (2+ repeat occasions) is "long
# silent" when the time since her last purchase exceeds SILENCE_FACTOR times
# her own mean time between purchases (recency / frequency). If nobody ever
# left (Poisson purchasing, which is memoryless), a customer with x repeat
# occasions would be that silent with probability at most (1 + factor/x)^-x
# (the observation window only lowers it): about 16 % for x = 2, 5 % for
# large x. When at least twice that many (and at least 10) are long silent,
# the data show dropout, and a model whose mean P(alive) over them is still
# P_ALIVE_LIMIT or more contradicts recency. On CDNOW the published fits give
# them a mean P(alive) of about 0.2; a model that sees no dropout gives ~1.
SILENCE_FACTOR = 3.0
P_ALIVE_LIMIT = 0.8
_MIN_SILENT = 10


@dataclass(frozen=True)
class PurchaseModelCheck:
    """What :func:`check_purchase_model` found about one purchase model.

    Attributes
    ----------
    model : str
        The model's name (``"BG/NBD"``, ``"Pareto/NBD"``).
    problems : tuple of str
        Plain sentences, each saying what is wrong and what to do; empty when
        the model passes.
    fitted : bool
        False when the fit did not converge.
    mean_p_alive : float or None
        Mean P(alive) over all customers of the summary (None if not fitted).
    silent_customers : int
        Repeat customers (2+ repeat purchases) silent for more than
        ``SILENCE_FACTOR`` times their own mean time between purchases.
    silent_expected_without_dropout : float
        How many of them would be that silent at most if no customer ever left.
    silent_mean_p_alive : float or None
        The model's mean P(alive) over the long-silent customers.
    """

    model: str
    problems: tuple[str, ...]
    fitted: bool
    mean_p_alive: float | None = None
    silent_customers: int = 0
    silent_expected_without_dropout: float = 0.0
    silent_mean_p_alive: float | None = None

    @property
    def usable(self) -> bool:
        """True when the model converged and no problem was found: its P(alive) and CLV may be shown."""
        return self.fitted and not self.problems


def long_silent_customers(summary: pd.DataFrame, *, factor: float = SILENCE_FACTOR) -> tuple[pd.Series, float]:
    """Repeat customers silent far longer than their own rhythm, and how many that would be without dropout.

    Parameters
    ----------
    summary : DataFrame
        BTYD summary (``frequency``, ``recency``, ``T``).
    factor : float
        A customer with 2+ repeat occasions is long silent when ``T - recency``
        exceeds ``factor`` x ``recency / frequency`` (her mean time between
        purchases).

    Returns
    -------
    (Series of bool, float)
        The long-silent flag per customer, and the most customers that would
        be so silent if nobody ever left: the sum over the customers with
        x >= 2 of (1 + factor/x)^-x (Poisson purchasing is memoryless).
    """
    data = _check_summary(summary)
    factor = _number(factor, "factor", low=0, low_open=True, example="3")
    x, recency, age = data["frequency"], data["recency"], data["T"]
    repeat = x >= 2
    gap = recency / x.where(repeat)
    silent = (repeat & ((age - recency) > factor * gap)).rename("long_silent")
    expected = float(((1 + factor / x[repeat]) ** (-x[repeat])).sum())
    return silent, expected


def _plain_name(model: Any, name: str | None) -> str:
    if name is not None:
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"name: expected the model's name as text, e.g. 'BG/NBD', found {name!r}.")
        return name
    return getattr(model, "name", "") or "The purchase model"


def check_purchase_model(
    model: Any,
    summary: pd.DataFrame,
    *,
    name: str | None = None,
    silence_factor: float = SILENCE_FACTOR,
    p_alive_limit: float = P_ALIVE_LIMIT,
) -> PurchaseModelCheck:
    """Check a purchase model before its P(alive), at-risk counts or CLV are shown to anyone.

    Three failures are detected, each stated in plain words with what to do:

    * **non-convergence**: ``model`` is the :class:`ModelFitError` its fit
      raised (or the message of a ``"not converged"`` row of
      :func:`fit_purchase_models`' status table);
    * **parameters at a bound**: a parameter ran to the edge of the
      optimiser's range (0 or infinity), or the dropout is about 0
      (Pareto/NBD: s/beta x the mean customer age; BG/NBD: a/(a+b)) — the
      "fitted, unusable" cases of :func:`fit_purchase_models`;
    * **P(alive) that contradicts recency**: the data show dropout (at least
      twice as many, and at least 10, long-silent repeat customers as there
      would be if nobody left; see :func:`long_silent_customers`), yet the
      model's mean P(alive) over those customers is ``p_alive_limit`` or
      more.

    Parameters
    ----------
    model : BGNBDModel, ParetoNBDModel, ModelFitError or str
        A fitted purchase model, or the error / message of a fit that failed.
    summary : DataFrame
        The BTYD summary the model was fitted on (or is applied to), in its unit.
    name : str, optional
        The model's name in the sentences (default: the model's own).
    silence_factor : float
        See :func:`long_silent_customers`.
    p_alive_limit : float
        Mean P(alive) of the long-silent customers from which the model is
        taken to ignore them (between 0 and 1).

    Returns
    -------
    PurchaseModelCheck
        ``.problems`` (sentences), ``.usable`` and the figures behind them.
        Nothing is warned: show the problems on the page and record them.
    """
    p_alive_limit = _number(p_alive_limit, "p_alive_limit", low=0, low_open=True, example="0.8")
    if p_alive_limit > 1:
        raise ValueError(f"p_alive_limit: expected a probability between 0 and 1, found {p_alive_limit!r}.")
    label = _plain_name(model, name)
    if isinstance(model, (ModelFitError, str)):
        _check_summary(summary)
        reason = _short_reason(str(model))
        said = reason if reason.startswith(f"{label} did not converge") else (
            f"{label} did not converge on this data{f' ({reason})' if reason else ''}")
        return PurchaseModelCheck(label, (
            f"{said}, so it gives no P(alive) or CLV here. What to do: rely on a model that passes its checks; to make this one usable, try a coarser "
            "time unit, a longer history or a small penalizer (e.g. penalizer=0.001).",
        ), fitted=False)
    if not isinstance(model, _BTYDModel):
        raise TypeError(f"model: expected a fitted BGNBDModel or ParetoNBDModel, or the ModelFitError of its fit, "
                        f"found {type(model).__name__}.")
    data = model._checked(summary)
    problems = []
    edge = _edge_parameters(model.params_)
    if edge:
        problems.append(
            f"{label}: the fitted parameter(s) {', '.join(edge)} ran to the edge of their range (they mean 0 or "
            "infinity, not an estimate), so the fit is degenerate and its P(alive) and CLV are not usable. What to "
            "do: use a model that passes its checks, or refit with a coarser time unit or a longer history."
        )
    dropout = model._no_dropout(data)
    if dropout:
        problems.append(
            f"{label} sees no customer leave ({dropout}): it says every customer is still active, so its P(alive), "
            "at-risk counts and CLV are not usable. What to do: use a model that passes its checks; if none does, "
            "treat CLV as unreliable and use recency (RFM) to find customers at risk."
        )
    p_alive = model.p_alive(summary)
    silent, expected = long_silent_customers(summary, factor=silence_factor)
    n_silent = int(silent.sum())
    silent_mean = float(p_alive[silent.to_numpy()].mean()) if n_silent else None
    if n_silent >= max(_MIN_SILENT, 2 * expected) and silent_mean is not None and silent_mean >= p_alive_limit:
        problems.append(
            f"{label}'s P(alive) contradicts recency: {n_silent:,} repeat customers have not bought for more than "
            f"{silence_factor:g} times their own usual time between purchases (if nobody left, at most about "
            f"{expected:,.0f} would be), yet the model gives them a mean P(alive) of {silent_mean:.2f}. Its at-risk "
            "counts and CLV would overstate how many customers are still active. What to do: use a model that "
            "passes its checks; if none does, treat CLV as unreliable and use recency (RFM) to find customers at risk."
        )
    return PurchaseModelCheck(label, tuple(problems), fitted=True, mean_p_alive=float(p_alive.mean()),
                              silent_customers=n_silent, silent_expected_without_dropout=expected,
                              silent_mean_p_alive=silent_mean)


def check_purchase_models(
    models: Mapping[str, Any], fit_status: pd.DataFrame, summary: pd.DataFrame, **options: Any
) -> dict[str, PurchaseModelCheck]:
    """:func:`check_purchase_model` for every model of :func:`fit_purchase_models`, failed fits included.

    Parameters
    ----------
    models, fit_status
        The two results of :func:`fit_purchase_models`.
    summary : DataFrame
        The summary the models were fitted on.
    **options
        ``silence_factor``, ``p_alive_limit`` of :func:`check_purchase_model`.

    Returns
    -------
    dict
        ``{name: PurchaseModelCheck}`` in the order of the status table.
    """
    if not isinstance(models, Mapping):
        raise TypeError(f"models: expected the dict of fit_purchase_models, found {type(models).__name__}.")
    fit_status = _frame(fit_status, "fit_status", "the status table of fit_purchase_models")
    missing = [c for c in ("model", "status", "message") if c not in fit_status.columns]
    if missing:
        raise ValueError(f"fit_status: expected the columns model, status, message of fit_purchase_models' status "
                         f"table, found {list(fit_status.columns)}.")
    out = {}
    for row in fit_status.itertuples(index=False):
        if row.model in models:
            out[row.model] = check_purchase_model(models[row.model], summary, name=row.model, **options)
        else:
            out[row.model] = check_purchase_model(ModelFitError(row.message), summary, name=row.model)
    return out


def _short_reason(message: str) -> str:
    """The first sentence of a fit error (its advice is repeated in the check's own sentence)."""
    text = str(message).split(". Try ")[0].strip()
    return text.rstrip(".")


class GammaGammaModel:
    """The Gamma-Gamma model of spend per purchase (Fader & Hardie 2013; Colombo & Jiang 1999).

    A customer's purchase values are gamma distributed (shape ``p``) around
    her own mean; the customers' rate parameters are gamma distributed
    (``q``, ``v``). The model assumes spend is independent of purchase
    frequency: :meth:`fit` reports the frequency-monetary correlation and
    warns when it is far from 0. Spend per purchase has no time unit, so the
    model takes summaries in any unit.

    Parameters
    ----------
    penalizer : float
        L2 penalty (lifetimes' ``penalizer_coef``).
    max_iter : int, optional
        Maximum optimizer iterations.
    """

    name = "Gamma-Gamma"
    _meanings = {
        "p": "shape of each customer's spend distribution",
        "q": "shape of the distribution of customers' spend rates",
        "v": "scale of the distribution of customers' spend rates (population mean spend p*v/(q-1))",
    }

    def __init__(self, *, penalizer: float = 0.0, max_iter: int | None = None) -> None:
        self.penalizer = penalizer
        self.max_iter = max_iter

    def fit(self, summary: pd.DataFrame) -> GammaGammaModel:
        """Fit on the repeat buyers of a BTYD summary.

        Customers with ``frequency == 0`` have no repeat purchase value and are
        left out (counted in ``n_dropped_``).

        Returns
        -------
        self
            With ``params_``, ``n_customers_`` (repeat buyers used),
            ``n_dropped_`` (non-repeat buyers left out), ``correlation_``
            (Pearson correlation of frequency and monetary value among repeat
            buyers; near 0 supports the model; NaN when every repeat buyer
            has the same frequency, where it is undefined) and ``fitter_``.

        Raises
        ------
        ValueError
            Fewer than 3 repeat buyers, repeat buyers with monetary value
            <= 0, or a summary that is not a BTYD summary.
        ModelFitError
            Spend that does not vary, an optimizer that does not converge,
            or a fit without a finite population mean spend (q <= 1).

        Warns
        -----
        IdicLabWarning
            Fewer than 30 repeat buyers, a frequency-spend correlation
            beyond +-0.3, or parameters at the edge of their range.
        """
        _check_fit_options(self.penalizer, self.max_iter)
        data = _check_summary(summary, monetary=True)
        repeat = data[data["frequency"] > 0]
        n_dropped = len(data) - len(repeat)
        bad = repeat["monetary_value"] <= 0
        if bad.any():
            raise ValueError(
                f"Gamma-Gamma: expected monetary_value > 0 for repeat buyers (spend per purchase), found "
                f"{int(bad.sum())} of {len(repeat)} rows <= 0 (e.g. customers {_examples(repeat.index, bad)}). "
                "Gamma-Gamma needs positive spend: drop free or zero-value purchases, or leave those customers out."
            )
        if len(repeat) < 3:
            raise ValueError(
                f"Gamma-Gamma: expected at least 3 repeat buyers (frequency > 0) to estimate its 3 parameters, found "
                f"{len(repeat)} among {len(data)} customers. Use the mean spend per purchase instead, or more data "
                "(a longer observation window)."
            )
        if repeat["monetary_value"].nunique() == 1:
            spend = float(repeat["monetary_value"].iloc[0])
            raise ModelFitError(
                f"Gamma-Gamma: expected spend per purchase that varies between repeat buyers, found the same "
                f"monetary_value ({_plain_value(spend)}) for all {len(repeat):,} of them: there is no spread to model. Use "
                f"{_plain_value(spend)} as every customer's expected spend."
            )
        correlation = (
            float(np.corrcoef(repeat["frequency"], repeat["monetary_value"])[0, 1])
            if repeat["frequency"].nunique() > 1 else float("nan")
        )
        patterns = _patterns(repeat, ["frequency", "monetary_value"])
        fitter = _lifetimes().GammaGammaFitter(penalizer_coef=float(self.penalizer))
        options = {} if self.max_iter is None else {"maxiter": int(self.max_iter)}
        try:
            with _quiet():
                fitter.fit(patterns["frequency"], patterns["monetary_value"], weights=patterns["weights"], **options)
        except Exception as exc:
            few = (
                f" With fewer than {_GG_MIN_REPEAT_BUYERS} repeat buyers the spend distribution can rarely be "
                "estimated: use the mean spend per purchase instead."
                if len(repeat) < _GG_MIN_REPEAT_BUYERS else ""
            )
            raise ModelFitError(
                f"Gamma-Gamma did not converge on {len(repeat):,} repeat buyers: the optimiser found no stable fit. "
                f"Try a small penalizer (e.g. penalizer=0.001) or check for extreme spend values.{few}"
            ) from None
        params = fitter.params_.astype("float64")
        if not (np.isfinite(params.to_numpy()).all() and (params.to_numpy() > 0).all()):
            raise ModelFitError(
                f"Gamma-Gamma did not converge: parameters {_plain_parameters(params)}. Try a small penalizer "
                "(e.g. penalizer=0.001) or check for extreme spend values."
            )
        if params["q"] <= 1:
            raise ModelFitError(
                f"Gamma-Gamma fitted q = {_plain_value(params['q'])} <= 1 on {len(repeat):,} repeat buyers: the population mean "
                "spend p*v/(q-1) is not finite, so the expected spend of customers without repeat purchases is "
                "meaningless. Try a small penalizer (e.g. penalizer=0.001) or check for extreme spend values."
            )
        self.fitter_ = fitter
        self.params_ = params.rename(self.name)
        self.n_customers_ = len(repeat)
        self.n_dropped_ = n_dropped
        self.correlation_ = correlation
        self._warn_if_doubtful()
        return self

    def _warn_if_doubtful(self) -> None:
        n = self.n_customers_
        if n < _GG_MIN_REPEAT_BUYERS:
            warn(
                f"Gamma-Gamma fitted on only {n} repeat buyers (fewer than {_GG_MIN_REPEAT_BUYERS}): its 3 parameters "
                "and the expected spend per customer are unstable. Read them with care, or use the mean spend per "
                "purchase."
            )
        if abs(self.correlation_) > _GG_MAX_CORRELATION:  # False for NaN
            warn(
                f"Gamma-Gamma assumes spend per purchase does not depend on purchase frequency, but among the {n} "
                f"repeat buyers their correlation is {self.correlation_:.2f} (beyond +-{_GG_MAX_CORRELATION}): "
                "expected spend, and the CLV built on it, are biased. Use the customers' own mean spend, or model "
                "spend by frequency group."
            )
        edge = _edge_parameters(self.params_)
        if edge:
            warn(
                f"Gamma-Gamma fitted on {n} repeat buyers, but {', '.join(edge)} ran to the edge of the optimiser's "
                "range (meaning 0 or infinity): the expected spend is unusable for CLV on this data. Try a small "
                "penalizer (e.g. penalizer=0.001) or check for extreme spend values."
            )

    def _fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise ValueError("GammaGammaModel is not fitted yet: call .fit(summary) first.")

    def expected_spend(self, summary: pd.DataFrame) -> pd.Series:
        """Expected value of a future purchase per customer (population mean for non-repeat buyers)."""
        self._fitted()
        data = _check_summary(summary, monetary=True)
        p, q, v = (float(self.params_[k]) for k in ("p", "q", "v"))
        x, m = data["frequency"].to_numpy(), data["monetary_value"].to_numpy()
        # Fader & Hardie (2013), eq. 5: a weighted mean of the population mean and the customer's own mean.
        values = (p * v + p * x * m) / (p * x + q - 1)
        return pd.Series(values, index=summary.index, name="expected_spend")

    @property
    def population_mean_spend(self) -> float:
        """Mean spend per purchase across customers, p*v/(q-1)."""
        self._fitted()
        p, q, v = (float(self.params_[k]) for k in ("p", "q", "v"))
        return p * v / (q - 1)

    def params_table(self) -> pd.DataFrame:
        """Parameters with their meaning (for a notebook)."""
        self._fitted()
        return pd.DataFrame({"value": self.params_, "meaning": [self._meanings[p] for p in self.params_.index]})


# --------------------------------------------------------------------------
# CLV and the customer value table
# --------------------------------------------------------------------------


def fit_spend_checked(summary: pd.DataFrame) -> tuple[GammaGammaModel | None, list[str]]:
    """Fit the Gamma-Gamma spend model; its failure or doubts come back as problem sentences, not errors or warnings.

    Returns
    -------
    (GammaGammaModel or None, list of str)
        The fitted model (None if it could not be fitted) and the problems,
        each with what to do; without a spend model CLV cannot be computed.
    """
    try:
        with collect_doubts() as doubts:
            model = GammaGammaModel().fit(summary)
    except ValueError as exc:  # ModelFitError, or too few repeat buyers for its parameters
        return None, [f"{exc} Without a spend model, customer lifetime value (CLV) cannot be computed here; use "
                      "current value and recency (RFM) instead."]
    return model, list(doubts)


def _per_unit_discount(annual_discount_rate: Any, time_unit: str) -> float:
    rate = _number(annual_discount_rate, "annual_discount_rate", low=0, example="0.10 for 10 % a year")
    return (1 + rate) ** (_unit_days(time_unit) / 365.25) - 1


def _check_horizon(horizon: Any) -> int:
    return int(_number(horizon, "horizon", low=1, whole=True, example="52 (weeks)"))


def _check_models(model: Any, spend_model: Any) -> None:
    if not isinstance(model, _BTYDModel):
        raise TypeError(
            f"model: expected a fitted BGNBDModel or ParetoNBDModel, found {type(model).__name__}. Fit one with "
            "BGNBDModel().fit(summary)."
        )
    model._fitted()
    if not isinstance(spend_model, GammaGammaModel):
        raise TypeError(
            f"spend_model: expected a fitted GammaGammaModel, found {type(spend_model).__name__}. Fit one with "
            "GammaGammaModel().fit(summary)."
        )
    spend_model._fitted()


def _check_clv_unit(model: _BTYDModel, summary: pd.DataFrame, time_unit: Any) -> str:
    """``time_unit`` if the model and the summary are in it (unknown units are accepted)."""
    _unit_days(time_unit)
    if model.time_unit_ is not None and model.time_unit_ != time_unit:
        raise ValueError(
            f"time_unit={time_unit!r}, but the {model.name} model was fitted in {model.time_unit_!r} "
            f"({_UNIT_NAMES[model.time_unit_]}): expected the same unit, since its parameters are rates per time "
            f"unit. Pass time_unit={model.time_unit_!r} (and a horizon in {_UNIT_NAMES[model.time_unit_]}), or "
            f"refit the model on rfm_summary(..., time_unit={time_unit!r})."
        )
    _check_same_unit(summary, time_unit, f"the CLV (time_unit={time_unit!r})", _summary_fix(time_unit))
    return time_unit


def customer_lifetime_value(
    model: _BTYDModel,
    spend_model: GammaGammaModel,
    summary: pd.DataFrame,
    *,
    horizon: int,
    annual_discount_rate: float,
    time_unit: str,
) -> pd.Series:
    """Discounted expected value of each customer's purchases over the next ``horizon`` time units.

    CLV = expected spend per purchase x sum over periods k = 1..horizon of
    (expected purchases in period k) / (1 + d)^k, where d is the annual
    discount rate converted to one time unit, d = (1 + annual)^(unit/365.25) - 1.

    Parameters
    ----------
    model : BGNBDModel or ParetoNBDModel
        A fitted purchase model (its parameters are per ``time_unit``).
    spend_model : GammaGammaModel
        A fitted spend model.
    summary : DataFrame
        BTYD summary at the start of the horizon (with ``monetary_value``).
    horizon : int
        Number of time units ahead (>= 1), e.g. 52 weeks.
    annual_discount_rate : float
        E.g. 0.10 for 10 % a year (>= 0).
    time_unit : {"D", "W", "M", "Q"}
        Must be the unit the model was fitted in and the unit of the summary
        (``summary.attrs["time_unit"]``); a mix is refused. A model or
        summary of unknown unit is taken to be in this unit.

    Returns
    -------
    Series
        ``clv`` per customer, in the currency of ``amount``.
    """
    _check_models(model, spend_model)
    horizon = _check_horizon(horizon)
    d = _per_unit_discount(annual_discount_rate, _check_clv_unit(model, summary, time_unit))
    previous = np.zeros(len(summary))
    discounted = np.zeros(len(summary))
    for k in range(1, horizon + 1):  # a loop over periods; every step is vectorized over customers
        cumulative = model.expected_purchases(summary, k).to_numpy()
        discounted += (cumulative - previous) / (1 + d) ** k
        previous = cumulative
    spend = spend_model.expected_spend(summary).to_numpy()
    return pd.Series(discounted * spend, index=summary.index, name="clv")


def _past_value(transactions: pd.DataFrame, summary: pd.DataFrame) -> tuple[pd.Series, int]:
    """Spend per summary customer up to the summary's observation end, and the rows after it left out."""
    frame = _check_transactions(transactions)
    end = summary.attrs.get("observation_end")
    later = np.zeros(len(frame), dtype=bool)
    if end is not None:
        later = (frame["date"] >= _as_date(end, "summary.attrs['observation_end']") + pd.Timedelta(days=1)).to_numpy()
    current = frame.loc[~later].groupby("customer_id", sort=True)["amount"].sum()
    absent = ~summary.index.astype("str").isin(current.index)
    if absent.any():
        raise ValueError(
            f"transactions: expected a purchase of every customer of the summary, found none for "
            f"{int(absent.sum())} of {len(summary)} customers (e.g. {_examples(summary.index, absent)})"
            f"{f' up to the observation end {end}' if end is not None else ''}. Pass the transactions the summary "
            "was built from."
        )
    return current.reindex(summary.index.astype("str")).to_numpy(), int(later.sum())


def customer_value_table(
    transactions: pd.DataFrame,
    model: _BTYDModel,
    spend_model: GammaGammaModel,
    summary: pd.DataFrame,
    *,
    horizon: int,
    annual_discount_rate: float,
    time_unit: str,
) -> pd.DataFrame:
    """Past, actual, lifetime and potential value per customer, in Peppers & Rogers' terms.

    The vocabulary used throughout the lab (tables, plots and notebooks):

    * **past value** (``past_value``): what the customer has spent so far,
      up to the observation end (historical, already earned);
    * **actual value** (``future_value``): Peppers & Rogers' *actual* (or
      current) value, the discounted value the customer is expected to bring
      over the horizon if we keep treating her as now (the CLV of the purchase
      and spend models);
    * **lifetime value** (``lifetime_value``): past value + actual value;
    * **potential value** (``potential_value``): the *unrealised* part of the
      strategic value, what the customer could bring *on top of* her actual
      value with another strategy. Measured here as one part of it, the extra
      future value if she were certainly still active (what retention could
      win): future_value x (1 - p_alive) / p_alive. It is already the gap
      "strategic minus actual"; strategic value = actual + potential.

    Parameters
    ----------
    transactions : DataFrame
        The purchases the summary was built from. Purchases after the
        summary's observation end (``summary.attrs["observation_end"]``) are
        left out of the past value and counted in
        ``attrs["rows_after_observation_end"]``.
    model, spend_model, summary, horizon, annual_discount_rate, time_unit
        As in :func:`customer_lifetime_value` (the units must agree).

    Returns
    -------
    DataFrame
        Indexed by ``customer_id``, in the order of the summary:
        ``past_value``, ``expected_purchases`` (over the horizon; a count,
        not a probability), ``p_alive``, ``expected_spend`` (per purchase),
        ``future_value`` (actual value), ``lifetime_value`` and
        ``potential_value`` as above.

    Raises
    ------
    ValueError
        Bad parameters, units that differ, or a summary customer without any
        purchase in ``transactions``.
    """
    _check_models(model, spend_model)
    horizon = _check_horizon(horizon)
    _per_unit_discount(annual_discount_rate, _check_clv_unit(model, summary, time_unit))
    past, n_later = _past_value(transactions, summary)
    out = pd.DataFrame(index=summary.index)
    out["past_value"] = past
    out["expected_purchases"] = model.expected_purchases(summary, horizon)
    out["p_alive"] = model.p_alive(summary)
    out["expected_spend"] = spend_model.expected_spend(summary)
    out["future_value"] = customer_lifetime_value(
        model, spend_model, summary, horizon=horizon, annual_discount_rate=annual_discount_rate, time_unit=time_unit
    )
    out["lifetime_value"] = out["past_value"] + out["future_value"]
    p = out["p_alive"].clip(lower=1e-9)
    out["potential_value"] = out["future_value"] * (1 - p) / p
    out.attrs.update({"time_unit": time_unit, "horizon": horizon, "rows_after_observation_end": n_later})
    return out


def value_table(
    transactions: pd.DataFrame,
    *,
    observation_end: str | pd.Timestamp,
    horizon: int,
    annual_discount_rate: float,
    time_unit: str = "W",
    customer_map: pd.Series | None = None,
    purchase_model: str = "BG/NBD",
) -> pd.DataFrame:
    """Fit a purchase model (BG/NBD by default) and Gamma-Gamma on all purchases; return :func:`customer_value_table`.

    The short way to customer value when the fit itself is not the point
    (e.g. to cross value with needs segments).

    Parameters
    ----------
    transactions : DataFrame
        Canonical purchases; never modified.
    observation_end, time_unit
        As in :func:`rfm_summary`.
    horizon, annual_discount_rate
        As in :func:`customer_lifetime_value`.
    customer_map : Series, optional
        Record id -> customer key (e.g. Identify's crosswalk or the synthetic
        world's ``truth.identity``): value per person, not per record.
        Records not in the map keep their own id.
    purchase_model : {"BG/NBD", "Pareto/NBD"}
        The purchase model, e.g. the one :func:`choose_clv_model` chose.

    Returns
    -------
    DataFrame
        As :func:`customer_value_table`.
    """
    purchase_model = _choice(purchase_model, "purchase_model", tuple(PURCHASE_MODELS))
    _check_horizon(horizon)
    _per_unit_discount(annual_discount_rate, time_unit)
    mapping = _check_customer_map(customer_map)
    if mapping is not None:
        _frame(transactions, "transactions", "canonical transactions from idic_lab.schema.clean")
        if "customer_id" in transactions.columns and not pd.api.types.is_float_dtype(transactions["customer_id"]):
            ids = transactions["customer_id"].astype("str")
            transactions = transactions.assign(customer_id=ids.map(mapping).fillna(ids).to_numpy())
    summary = rfm_summary(transactions, observation_end=observation_end, time_unit=time_unit)
    return customer_value_table(
        transactions, PURCHASE_MODELS[purchase_model]().fit(summary), GammaGammaModel().fit(summary), summary,
        horizon=horizon, annual_discount_rate=annual_discount_rate, time_unit=time_unit,
    )


PYRAMID_TIERS: tuple[tuple[str, float], ...] = (
    ("Platinum", 0.05),
    ("Gold", 0.20),
    ("Iron", 0.50),
    ("Lead", 1.00),
)
"""Value tiers (Zeithaml, Rust & Lemon 2001) and the cumulative share of customers each reaches."""


def _check_tiers(tiers: Any) -> tuple[list[str], np.ndarray]:
    """Names and cumulative shares of value tiers (increasing, ending at 1)."""
    example = "e.g. [('Platinum', 0.05), ('Gold', 0.2), ('Iron', 0.5), ('Lead', 1.0)]"
    try:
        pairs = [(name, float(share)) for name, share in tiers]
    except (TypeError, ValueError):
        raise TypeError(f"tiers: expected a sequence of (name, cumulative share) pairs, {example}; found {tiers!r}.") from None
    names = [str(name) for name, _ in pairs]
    shares = np.array([share for _, share in pairs])
    if (not pairs or not np.isfinite(shares).all() or shares[0] <= 0 or abs(shares[-1] - 1) > 1e-12
            or (np.diff(shares) <= 0).any()):
        raise ValueError(f"tiers: expected increasing cumulative shares in (0, 1] ending at 1, {example}; found {shares.tolist()}.")
    if len(set(names)) < len(names):
        raise ValueError(f"tiers: expected different tier names, found {names}.")
    return names, shares


def value_tiers(values: pd.Series, tiers: Sequence[tuple[str, float]] = PYRAMID_TIERS) -> pd.Series:
    """Assign each customer to a tier by rank of ``values`` (highest first).

    Customers are ranked by value, ties broken by customer id (the index,
    ascending), so the tiers have their exact sizes and the same customers
    on every machine. When every customer has the same value the tiers rank
    by id alone: a warning says so.

    Parameters
    ----------
    values : Series
        One finite value per customer, indexed by customer id (negative
        values are ranked like any other).
    tiers : sequence of (name, cumulative share)
        From the top; the last share must be 1.

    Returns
    -------
    Series
        Ordered categorical of tier names, in the order of ``values``.
    """
    names, shares = _check_tiers(tiers)
    numbers = _check_series(values, "values", "e.g. value_table['future_value']")
    if numbers.nunique() == 1:
        warn(
            f"value_tiers: all {len(numbers):,} customers have the same value ({_plain_value(numbers.iloc[0])}): the tiers cannot "
            "rank them and follow the customer ids only. Rank by a value that differs between customers."
        )
    order = pd.DataFrame({"value": numbers.to_numpy(), "id": values.index.astype("str")})
    order = order.sort_values(["value", "id"], ascending=[False, True], kind="stable")
    rank = np.empty(len(order))
    rank[order.index.to_numpy()] = np.arange(1, len(order) + 1) / len(order)
    codes = np.searchsorted(shares, rank - 1e-12)
    return pd.Series(pd.Categorical.from_codes(codes, categories=names, ordered=True), index=values.index, name="tier")


_PYRAMID_COLUMNS = ("past_value", "future_value", "potential_value", "p_alive")


def value_pyramid(
    value_table: pd.DataFrame,
    *,
    rank_by: str = "future_value",
    tiers: Sequence[tuple[str, float]] = PYRAMID_TIERS,
) -> pd.DataFrame:
    """The customer value pyramid: actual versus potential value per tier.

    Parameters
    ----------
    value_table : DataFrame
        From :func:`customer_value_table`.
    rank_by : str
        Numeric column that orders customers into tiers (default the
        predicted future value, Peppers & Rogers' actual value); ties are
        broken by customer id.
    tiers : sequence of (name, cumulative share)

    Returns
    -------
    DataFrame
        Per tier with customers, from the top: ``customers``,
        ``share_of_customers``, ``past_value``, ``future_value`` (actual
        value), ``potential_value`` (potential value: what another strategy
        could add), their shares, and
        ``mean_p_alive``. Tiers too small to hold a customer are left out
        with a warning; a value column that sums to 0 gets shares of 0 and a
        warning.
    """
    _require_value_columns(value_table, _PYRAMID_COLUMNS, "from customer_value_table")
    numeric = [c for c in value_table.columns if _numeric(value_table[c])]
    if not isinstance(rank_by, str) or rank_by not in numeric:
        raise ValueError(f"rank_by={rank_by!r}: expected a numeric column of the value table, one of {numeric}.")
    for column in dict.fromkeys([*_PYRAMID_COLUMNS, rank_by]):
        _check_series(value_table[column], f"value_table['{column}']", "from customer_value_table")
    negative = [c for c in _PYRAMID_COLUMNS[:3] if (value_table[c] < 0).any()]
    if negative:
        bad = value_table[negative[0]] < 0
        raise ValueError(
            f"value_table: expected values >= 0 in {', '.join(negative)}, found {int(bad.sum())} of "
            f"{len(value_table)} rows negative in {negative[0]} (e.g. customers {_examples(value_table.index, bad)}). "
            "Build the table with customer_value_table from cleaned transactions."
        )
    tier = value_tiers(value_table[rank_by], tiers)
    grouped = value_table.assign(tier=tier).groupby("tier", observed=True, sort=True)
    table = grouped.agg(
        customers=("future_value", "size"),
        past_value=("past_value", "sum"),
        future_value=("future_value", "sum"),
        potential_value=("potential_value", "sum"),
        mean_p_alive=("p_alive", "mean"),
    )
    empty = [name for name in tier.cat.categories if name not in table.index]
    if empty:
        warn(
            f"value_pyramid: with {len(value_table)} customers the tier(s) {empty} hold no customer and are left out "
            "of the pyramid. Use more customers or wider tiers."
        )
    table.insert(1, "share_of_customers", table["customers"] / table["customers"].sum())
    for column in ("past_value", "future_value", "potential_value"):
        total = float(table[column].sum())
        if total > 0:
            table[f"share_of_{column}"] = table[column] / total
        else:
            warn(f"value_pyramid: {column} is 0 for all {len(value_table)} customers: its shares are set to 0.")
            table[f"share_of_{column}"] = 0.0
    return table


VALUE_GROUPS: Mapping[str, str] = {
    "most valuable": "MVC: the highest actual value; retain them (recognise, protect, keep service high)",
    "most growable": "MGC: the largest potential value (what another strategy could add); grow them",
    "migrator": "between the groups: some value and some upside; serve well at standard cost",
    "below zero": "BZ: cost more to serve than their actual plus potential value; serve cheaply or let go",
}
"""Peppers & Rogers' value groups of customers, in the order of :func:`value_groups`."""


@dataclass
class ValueGroups:
    """Result of :func:`value_groups`.

    Attributes
    ----------
    labels : Series
        The group of each customer (ordered categorical, categories in the
        order of :data:`VALUE_GROUPS`), indexed like the value table.
    counts : DataFrame
        Per group: ``customers``, ``share_of_customers``, ``future_value``
        (actual value, sum), ``share_of_future_value``, ``potential_value``
        (sum), ``share_of_potential_value``; one row per group of
        :data:`VALUE_GROUPS` (0 customers included), except "below zero"
        when no cost to serve was given.
    cost_known : bool
        Whether a cost to serve was given (below-zero customers assessed).
    note : str
        One sentence on what the groups mean here, e.g. that below-zero
        customers need cost data.
    """

    labels: pd.Series
    counts: pd.DataFrame
    cost_known: bool
    note: str


def _check_value_columns(value_table: Any) -> None:
    """A value table with actual (``future_value``) and ``potential_value`` columns, or a clear error."""
    _require_value_columns(value_table, ("future_value", "potential_value"), "from customer_value_table or value_table")


def value_groups(
    value_table: pd.DataFrame,
    *,
    top_share: float = 0.2,
    growable_share: float = 0.2,
    cost_to_serve: float | pd.Series | None = None,
) -> ValueGroups:
    """Most valuable, most growable, migrator and below-zero customers (Peppers & Rogers).

    * **Most valuable customers** (MVC): the ``top_share`` of customers with
      the highest actual value (``future_value``, net of the cost to serve
      when given); ties broken by customer id.
    * **Most growable customers** (MGC): of the others, the
      ``growable_share`` of all customers with the largest potential value
      (``potential_value``, which is already the gap between strategic and
      actual value).
    * **Below-zero customers** (BZ): customers whose actual plus potential
      value does not cover the cost to serve them over the same horizon
      (``future_value + potential_value - cost_to_serve < 0``). Without
      cost data nobody can be called below zero: with ``cost_to_serve=None``
      the group is left out and :attr:`ValueGroups.note` says so.
    * **Migrators**: everybody else.

    Parameters
    ----------
    value_table : DataFrame
        From :func:`customer_value_table` (``future_value``,
        ``potential_value``), indexed by customer.
    top_share, growable_share : float
        Shares of all customers in (0, 1); together at most 1.
    cost_to_serve : float, Series or None
        Cost of serving a customer over the horizon of the value table, in
        the currency of the values (one number for everybody, or a Series per
        customer id covering every customer). None: no cost data.

    Returns
    -------
    ValueGroups
        Labels per customer and counts per group.
    """
    _check_value_columns(value_table)
    actual = _check_series(value_table["future_value"], "value_table['future_value']", "from customer_value_table")
    potential = _check_series(value_table["potential_value"], "value_table['potential_value']",
                              "from customer_value_table")
    top_share = _number(top_share, "top_share", low=0, low_open=True, example="0.2")
    growable_share = _number(growable_share, "growable_share", low=0, example="0.2")
    if top_share >= 1 or top_share + growable_share > 1:
        raise ValueError(
            f"top_share={top_share:g}, growable_share={growable_share:g}: expected shares of customers with "
            "top_share below 1 and top_share + growable_share at most 1, e.g. 0.2 and 0.2."
        )
    if cost_to_serve is None:
        cost = pd.Series(0.0, index=value_table.index)
    elif isinstance(cost_to_serve, pd.Series):
        cost = _check_series(cost_to_serve, "cost_to_serve", "cost per customer over the horizon")
        absent = ~value_table.index.isin(cost.index)
        if absent.any():
            raise ValueError(
                f"cost_to_serve: expected a cost for every customer of the value table, found none for "
                f"{int(absent.sum())} of {len(value_table)} (e.g. {_examples(value_table.index, absent)})."
            )
        cost = cost.reindex(value_table.index)
    else:
        cost = pd.Series(_number(cost_to_serve, "cost_to_serve", low=0, example="5.0 per customer over the horizon"),
                         index=value_table.index)
    n = len(value_table)
    ids = value_table.index.astype("str")
    net = actual - cost

    def ranked(values: pd.Series) -> np.ndarray:
        order = pd.DataFrame({"value": values.to_numpy(), "id": ids}).sort_values(
            ["value", "id"], ascending=[False, True], kind="stable")
        return order.index.to_numpy()

    labels = np.full(n, "migrator", dtype=object)
    if cost_to_serve is not None:
        labels[(net + potential).to_numpy() < 0] = "below zero"
    n_top = int(round(top_share * n))
    top = ranked(net)[:n_top]
    labels[top] = "most valuable"
    n_grow = int(round(growable_share * n))
    others = [i for i in ranked(potential) if labels[i] != "most valuable"]
    labels[others[:n_grow]] = "most growable"
    names = list(VALUE_GROUPS)
    series = pd.Series(pd.Categorical(labels, categories=names, ordered=True), index=value_table.index,
                       name="value_group")
    frame = pd.DataFrame({"future_value": actual.to_numpy(), "potential_value": potential.to_numpy(),
                          "group": labels})
    shown = names if cost_to_serve is not None else [name for name in names if name != "below zero"]
    counts = frame.groupby("group", sort=False).agg(
        customers=("future_value", "size"), future_value=("future_value", "sum"),
        potential_value=("potential_value", "sum"))
    counts.index = counts.index.astype("str")
    counts = counts.reindex(shown, fill_value=0)
    counts["customers"] = counts["customers"].astype("int64")
    counts.index.name = "value_group"
    counts.insert(1, "share_of_customers", counts["customers"] / n)
    for column in ("future_value", "potential_value"):
        total = float(frame[column].sum())
        counts.insert(counts.columns.get_loc(column) + 1, f"share_of_{column}",
                      counts[column] / total if total else 0.0)
    if cost_to_serve is None:
        note = ("Below-zero customers need cost data: without a cost to serve per customer nobody can be shown to "
                "cost more than they bring, so the group is not assessed (pass cost_to_serve).")
    else:
        note = (f"Below zero: actual plus potential value below the cost to serve "
                f"({_plain_value(float(cost.mean()))} per customer on average over the horizon).")
    return ValueGroups(labels=series, counts=counts, cost_known=cost_to_serve is not None, note=note)


# --------------------------------------------------------------------------
# Holdout validation
# --------------------------------------------------------------------------


def naive_holdout_prediction(summary: pd.DataFrame) -> pd.Series:
    """Naive baseline: every customer keeps buying at her calibration rate, frequency / T, for the holdout.

    Customers first seen on the calibration end day (T = 0) are predicted 0.
    Rate and holdout length share the summary's unit, so no unit check is
    needed.

    Parameters
    ----------
    summary : DataFrame
        :attr:`CalibrationHoldout.summary` (with ``duration_holdout``).
    """
    data = _check_summary(summary)
    if "duration_holdout" not in summary.columns:
        raise ValueError(
            f"summary: expected the column duration_holdout of a calibration summary, found "
            f"{list(summary.columns)} ({len(summary)} rows). Use calibration_holdout_split(...).summary."
        )
    duration = _check_series(summary["duration_holdout"], "summary['duration_holdout']",
                             "from calibration_holdout_split")
    if (duration <= 0).any():
        raise ValueError(
            f"summary: expected duration_holdout > 0, found {int((duration <= 0).sum())} of {len(summary)} rows "
            "<= 0 (a holdout of no length). Use calibration_holdout_split with calibration_end before observation_end."
        )
    rate = (data["frequency"] / data["T"].where(data["T"] > 0)).fillna(0.0)
    return (rate * duration).rename("naive")


_RESERVED_NAMES = ("actual", "naive", "customers")


def _check_split(split: Any) -> CalibrationHoldout:
    """A calibration/holdout split with a holdout of positive length."""
    if not isinstance(split, CalibrationHoldout):
        raise TypeError(
            f"split: expected a CalibrationHoldout from calibration_holdout_split, found {type(split).__name__}."
        )
    _unit_days(split.time_unit, "split.time_unit")
    cal_end = _as_date(split.calibration_end, "split.calibration_end")
    obs_end = _as_date(split.observation_end, "split.observation_end")
    if cal_end >= obs_end:
        raise ValueError(
            f"split: expected calibration_end before observation_end (a holdout of at least one day), found "
            f"{cal_end.date()} and {obs_end.date()}. Build it with calibration_holdout_split and an earlier "
            "calibration_end."
        )
    _check_summary(split.summary)
    _check_same_unit(split.summary, split.time_unit, f"the split (time_unit={split.time_unit!r})",
                     "Build the split with calibration_holdout_split, which keeps both in one unit.")
    if "frequency_holdout" not in split.summary.columns:
        raise ValueError(
            f"split.summary: expected the column frequency_holdout, found {list(split.summary.columns)}. "
            "Build the split with calibration_holdout_split."
        )
    _check_series(split.summary["frequency_holdout"], "split.summary['frequency_holdout']",
                  "from calibration_holdout_split")
    return split


def _check_purchase_models(models: Any, unit: str) -> dict[str, _BTYDModel]:
    """``{name: fitted purchase model}``, every model in ``unit`` (or of unknown unit)."""
    if not isinstance(models, Mapping):
        raise TypeError(
            f"models: expected a dict {{name: fitted model}}, e.g. {{'BG/NBD': model}}, found {type(models).__name__}."
        )
    for name, model in models.items():
        if not isinstance(name, str) or name in _RESERVED_NAMES:
            raise ValueError(
                f"models: expected model names as text other than {list(_RESERVED_NAMES)} (columns of the result), "
                f"found {name!r}. Rename it, e.g. 'BG/NBD'."
            )
        if not isinstance(model, _BTYDModel):
            raise TypeError(
                f"models[{name!r}]: expected a fitted BGNBDModel or ParetoNBDModel, found {type(model).__name__}."
            )
        model._fitted()
        if model.time_unit_ is not None and model.time_unit_ != unit:
            raise ValueError(
                f"models[{name!r}]: expected a model fitted in the split's unit {_unit_text(unit)}, found one fitted "
                f"in {_unit_text(model.time_unit_)}: its rates would be read per {_UNIT_NAMES[unit][:-1]}. Fit it on "
                f"split.summary, or build the split with time_unit={model.time_unit_!r}."
            )
    return dict(models)


def _predictions(split: CalibrationHoldout, models: Mapping[str, _BTYDModel]) -> pd.DataFrame:
    s = split.summary
    out = pd.DataFrame({"actual": s["frequency_holdout"].astype("float64")})
    for name, model in models.items():
        out[name] = model.expected_purchases(s, split.duration_holdout)
    out["naive"] = naive_holdout_prediction(s)
    return out


def holdout_validation(split: CalibrationHoldout, models: Mapping[str, _BTYDModel]) -> pd.DataFrame:
    """Holdout errors of each model and of the naive baseline, side by side.

    Parameters
    ----------
    split : CalibrationHoldout
        With at least one holdout purchase by a calibration customer.
    models : dict
        ``{name: fitted model}``, e.g. ``{"BG/NBD": bg, "Pareto/NBD": pn}``,
        each fitted in the split's time unit.

    Returns
    -------
    DataFrame
        One row per model in the order given (plus ``naive``): ``mae`` and
        ``rmse`` of the per-customer holdout purchases, ``predicted_total``,
        ``actual_total`` and ``aggregate_error_pct`` (predicted total vs
        actual total, in %).

    Raises
    ------
    ValueError
        No holdout purchase at all (the aggregate error would divide by
        0), models in another time unit, or reserved model names.
    """
    split = _check_split(split)
    models = _check_purchase_models(models, split.time_unit)
    actual_total = float(split.summary["frequency_holdout"].sum())
    if actual_total <= 0:
        raise ValueError(
            f"split: expected holdout purchases to validate against, found 0 repeat occasions by the "
            f"{len(split.summary)} calibration customers between {split.calibration_end.date()} and "
            f"{split.observation_end.date()}: the errors relative to the actual total are undefined. Choose an "
            "earlier calibration_end (a longer holdout) in calibration_holdout_split."
        )
    predictions = _predictions(split, models)
    actual = predictions["actual"]
    rows = {}
    for name in predictions.columns.drop("actual"):
        error = predictions[name] - actual
        rows[name] = {
            "mae": float(error.abs().mean()),
            "rmse": float(np.sqrt((error**2).mean())),
            "predicted_total": float(predictions[name].sum()),
            "actual_total": actual_total,
            "aggregate_error_pct": float(100 * (predictions[name].sum() - actual_total) / actual_total),
        }
    return pd.DataFrame(rows).T.rename_axis("model")


def choose_clv_model(
    errors: pd.DataFrame, checks: Mapping[str, PurchaseModelCheck], *, metric: str = "mae"
) -> tuple[str | None, str]:
    """The purchase model for CLV: the lowest holdout error among the models that pass their checks.

    Parameters
    ----------
    errors : DataFrame
        From :func:`holdout_validation` (rows by model; ``naive`` is ignored).
    checks : dict
        ``{name: PurchaseModelCheck}`` from :func:`check_purchase_models`
        (on the calibration fit).
    metric : {"mae", "rmse"}
        The per-customer holdout error to compare.

    Returns
    -------
    (str or None, str)
        The chosen model's name and a sentence saying why; ``None`` and a
        problem sentence (CLV is then unreliable, not a figure to act on)
        when no model passes.
    """
    metric = _choice(metric, "metric", ("mae", "rmse"))
    errors = _frame(errors, "errors", "the table of holdout_validation")
    if metric not in errors.columns:
        raise ValueError(f"errors: expected the column {metric!r} of holdout_validation's table, found "
                         f"{list(errors.columns)}.")
    if not isinstance(checks, Mapping) or not all(isinstance(c, PurchaseModelCheck) for c in checks.values()):
        raise TypeError("checks: expected {name: PurchaseModelCheck} from check_purchase_models, found "
                        f"{type(checks).__name__}.")
    passing = [name for name, check in checks.items() if check.usable and name in errors.index]
    if not passing:
        failed = ", ".join(checks) or "none"
        return None, (
            f"No purchase model passed its checks on this data ({failed}; see the problems above), so customer "
            "lifetime value (CLV), P(alive) and at-risk counts from a model are not shown as figures to act on. "
            "Use current value and recency (RFM) instead; a longer history or a coarser time unit may make a "
            "model usable."
        )
    ranked = errors.loc[passing, metric].astype("float64").sort_values(kind="stable")
    best = str(ranked.index[0])
    others = [n for n in checks if n != best]
    why = (f"{best} is used for CLV: it has the lowest holdout error ({metric.upper()} {ranked.iloc[0]:.3f} "
           "purchases per customer)")
    if len(ranked) > 1:
        why += " of the models that pass their checks"
    elif others:
        why += f"; {', '.join(others)} did not pass {'its' if len(others) == 1 else 'their'} checks"
    return best, why + "."


def fit_checked(name: str, summary: pd.DataFrame, **options: Any) -> tuple[_BTYDModel | None, PurchaseModelCheck]:
    """Fit one purchase model and check it; a failed or doubtful fit is a problem sentence, not an error or warning.

    Parameters
    ----------
    name : {"BG/NBD", "Pareto/NBD"}
    summary : DataFrame
        BTYD summary.
    **options
        ``silence_factor``, ``p_alive_limit`` of :func:`check_purchase_model`.

    Returns
    -------
    (model or None, PurchaseModelCheck)
        The fitted model (None if it did not converge) and its check.
    """
    name = _choice(name, "name", tuple(PURCHASE_MODELS))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", IdicLabWarning)  # its doubts are the check's problems
            model = PURCHASE_MODELS[name]().fit(summary)
    except ModelFitError as exc:
        return None, check_purchase_model(exc, summary, name=name)
    return model, check_purchase_model(model, summary, **options)


def at_risk(value: pd.DataFrame, summary: pd.DataFrame, *, threshold: float = 0.5) -> pd.Series:
    """Repeat customers the model thinks have probably left: P(alive) below ``threshold``.

    Parameters
    ----------
    value : DataFrame
        From :func:`customer_value_table` (``p_alive``), of a model that passed
        :func:`check_purchase_model`.
    summary : DataFrame
        The BTYD summary (``frequency``): one-time buyers are left out, since
        the models cannot tell when they left.
    threshold : float
        P(alive) below which a customer counts as at risk (0-1).

    Returns
    -------
    Series of bool
        Per customer of ``value``.
    """
    threshold = _number(threshold, "threshold", low=0, low_open=True, example="0.5")
    if threshold > 1:
        raise ValueError(f"threshold: expected a probability between 0 and 1, found {threshold!r}.")
    value = _frame(value, "value", "the table of customer_value_table")
    if "p_alive" not in value.columns:
        raise ValueError(f"value: expected the column p_alive of customer_value_table, found {list(value.columns)}.")
    data = _check_summary(summary)
    repeat = data["frequency"].reindex(value.index).fillna(0).to_numpy() > 0
    return pd.Series(repeat & (value["p_alive"].to_numpy() < threshold), index=value.index, name="at_risk")


def load_inputs(
    *,
    mode: str,
    dataset: str = "cdnow_sample",
    transactions_file: str = "",
    transaction_columns: Mapping[str, str] | str | None = None,
    date_format: str = "",
    observation_end: str = "",
    non_product_codes: Sequence[str] = (),
) -> tuple[pd.DataFrame, Any, str]:
    """The transactions of the Differentiate stage: the client's file, or (teaching only) a bundled data set.

    Parameters
    ----------
    mode : {"teaching", "client"}
        In client mode only ``transactions_file`` is read; without it the
        stage refuses (a bundled data set is never substituted).
    dataset : str
        Bundled data set used in teaching mode when no file is given.
    transactions_file, transaction_columns, date_format, observation_end, non_product_codes
        As in :func:`load_transactions`.

    Returns
    -------
    (DataFrame, CleaningReport or None, str)
        The purchases, the cleaning report (None for a bundled data set) and
        the source's name as a page may show it (the file name, never its path).
    """
    mode = _choice(mode, "mode", ("teaching", "client"))
    if not transactions_file:
        if mode == "client":
            raise ValueError(
                "mode='client': the Differentiate stage needs the client's transactions_file; a client run never "
                "uses bundled or synthetic data. Give transactions_file (and transaction_columns) in the parameters."
            )
        from idic_lab.datasets import load_dataset

        return load_dataset(dataset), None, dataset
    transactions, cleaning = load_transactions(
        transactions_file, columns=transaction_columns or None, date_format=date_format or None,
        observation_end=observation_end or None, non_product_codes=list(non_product_codes),
    )
    from pathlib import Path

    return transactions, cleaning, Path(transactions_file).name


@dataclass(frozen=True)
class LeftCensoring:
    """What :func:`left_censoring` found: does the log start after the business did?

    Attributes
    ----------
    detected : bool
        True when the first-purchase density at the start of the log is far
        above its later level.
    window_days : int
        Length of the start window.
    start_customers : int
        Customers whose first purchase in the log falls in the start window.
    start_rate, later_rate : float
        New customers per 30 days in the start window, and the median over
        the later 30-day blocks.
    customers : Index
        The ids of the start-window customers (their T and recency may be
        understated).
    message : str
        The plain sentence for the page (empty when nothing was detected).
    """

    detected: bool
    window_days: int
    start_customers: int
    start_rate: float
    later_rate: float
    customers: pd.Index = field(repr=False)
    message: str = ""

    @property
    def excess_customers(self) -> int:
        """Start-window customers beyond the later rate: about how many bought before the log began."""
        return max(0, round(self.start_customers - self.later_rate * self.window_days / 30.0))

    def clv_note(self, value: pd.DataFrame) -> str:
        """A sentence on how many of the top 10 % by actual value were first seen in the start window ("" if none detected)."""
        if not self.detected:
            return ""
        from idic_lab import formatting as fmt

        _check_value_columns(value)
        early = value.index.isin(self.customers)
        top = value["future_value"].rank(ascending=False, method="first").to_numpy() <= max(1, len(value) // 10)
        return (f"**Left-censoring and CLV.** {fmt.percent(early[top].mean())} of the top 10 % of customers by actual "
                f"value were first seen in the log's first {self.window_days} days: their age and recency are "
                "understated, so read their CLV with care.")


def left_censoring(
    transactions: pd.DataFrame, *, window_days: int = 30, ratio: float = 2.0, min_customers: int = 20
) -> LeftCensoring:
    """Detect a log that starts after the business did (left-censoring).

    If the business existed before the first day of the file, its existing
    customers all appear "new" in the first weeks: the density of first
    purchases at the start is far above its later level. Their age ``T`` and
    recency are understated (their earlier purchases are missing), so the
    models read them as newer customers than they are, and their P(alive)
    and CLV are less reliable.

    The rule: new customers per 30 days in the first ``window_days`` of the
    log at least ``ratio`` times the median over the later 30-day blocks, and
    at least ``min_customers`` of them. A log in which nobody is new after
    the start (one acquisition cohort, like CDNOW) is not left-censored by
    this rule: the median later rate is 0 and the whole file is the cohort.

    Parameters
    ----------
    transactions : DataFrame
        Canonical purchases (``customer_id``, ``date``).
    window_days : int
        Length of the start window (>= 7).
    ratio : float
        Start rate / later rate from which the log is called left-censored (> 1).
    min_customers : int
        Fewest start-window customers for a finding (>= 1).

    Returns
    -------
    LeftCensoring
        ``detected``, the figures and a plain ``message``. Logs shorter than
        three start windows are not assessed (``detected`` False).
    """
    window_days = int(_number(window_days, "window_days", low=7, whole=True, example="30"))
    ratio = _number(ratio, "ratio", low=1, low_open=True, example="2")
    min_customers = int(_number(min_customers, "min_customers", low=1, whole=True, example="20"))
    frame = _check_transactions(transactions)
    first = frame.groupby("customer_id", sort=True)["date"].min().dt.normalize()
    start, end = first.min(), frame["date"].max().normalize()
    span = (end - start).days + 1
    window_end = start + pd.Timedelta(days=window_days)
    in_window = first < window_end
    n_start = int(in_window.sum())
    start_rate = n_start * 30.0 / window_days
    blocks = (span - window_days) // 30
    if span < 3 * window_days or blocks < 2:
        return LeftCensoring(False, window_days, n_start, start_rate, float("nan"), first.index[in_window], "")
    later = first[~in_window]
    edges = window_end + pd.to_timedelta(np.arange(blocks + 1) * 30, unit="D")
    counts = np.histogram(later.to_numpy().astype("datetime64[ns]").astype("int64"),
                          bins=edges.to_numpy().astype("datetime64[ns]").astype("int64"))[0]
    later_rate = float(np.median(counts))
    detected = later_rate > 0 and n_start >= min_customers and start_rate >= ratio * later_rate
    message = ""
    if detected:
        share = n_start / len(first)
        message = (
            f"The purchase log seems to start after the business did (left-censoring): {n_start:,} customers "
            f"({100 * share:.0f} % of all) made their first purchase in the log's first {window_days} days, "
            f"{start_rate / later_rate:.1f} times the usual rate of new customers later on ({later_rate:,.0f} per "
            f"30 days). Many of them are older customers whose earlier purchases are not in the file: their age (T) "
            "and recency are understated, so the models read them as newer than they are, and their P(alive) and "
            "CLV are less reliable than those of customers first seen later. What to do: ask the client for a "
            "longer history if one exists; until then, read the CLV of long-standing customers with care."
        )
    return LeftCensoring(bool(detected), window_days, n_start, start_rate, later_rate, first.index[in_window], message)


def conditional_expectations(
    split: CalibrationHoldout, models: Mapping[str, _BTYDModel], *, max_frequency: int = 7
) -> pd.DataFrame:
    """Mean holdout purchases, actual and predicted, by calibration frequency.

    Customers with ``max_frequency`` or more calibration repeat purchases are
    pooled in the last row (labelled e.g. ``"7+"``). Rows run from 0 up;
    frequencies without customers are left out.
    """
    split = _check_split(split)
    models = _check_purchase_models(models, split.time_unit)
    max_frequency = int(_number(max_frequency, "max_frequency", low=1, whole=True, example="7"))
    predictions = _predictions(split, models)
    frequency = split.summary["frequency"].clip(upper=max_frequency).astype(int)
    labels = frequency.astype(str).where(frequency < max_frequency, f"{max_frequency}+")
    table = predictions.groupby(labels.to_numpy()).mean()
    table.insert(0, "customers", predictions.groupby(labels.to_numpy()).size())
    order = [str(i) for i in range(max_frequency)] + [f"{max_frequency}+"]
    table = table.reindex([o for o in order if o in table.index])
    table.index.name = "calibration_frequency"
    return table


def tracking_table(
    transactions: pd.DataFrame,
    split: CalibrationHoldout,
    models: Mapping[str, _BTYDModel],
) -> pd.DataFrame:
    """Cumulative repeat purchases per time unit, actual versus each model.

    Each customer of the calibration summary contributes from her first
    purchase day on: the model's expected repeat purchases ``E[X(t - t0)]``
    are summed over customers grouped by first purchase day.

    Parameters
    ----------
    transactions : DataFrame
        The purchases the split was built from (later rows are left out).
    split : CalibrationHoldout
    models : dict
        ``{name: fitted model}``, each fitted in the split's time unit.

    Returns
    -------
    DataFrame
        Indexed by ``period_end`` (date at the end of each time unit from the
        first purchase to the observation end): ``actual`` and one column
        per model, cumulative repeat purchases; ``attrs["calibration_end"]``
        and ``attrs["time_unit"]``.

    Raises
    ------
    ValueError
        Transactions that lack customers of the split, models in another
        time unit, or reserved model names.
    """
    split = _check_split(split)
    models = _check_purchase_models(models, split.time_unit)
    unit = TIME_UNITS[split.time_unit]
    frame = _check_transactions(transactions)
    frame = frame[frame["customer_id"].isin(split.summary.index.astype("str"))]
    occasions = _occasions(frame)
    occasions = occasions[occasions["day"] <= split.observation_end]
    first_days = occasions.groupby("customer_id", sort=True)["day"].min()
    absent = ~split.summary.index.astype("str").isin(first_days.index)
    if absent.any():
        raise ValueError(
            f"transactions: expected the purchases of every customer of the split, found none for "
            f"{int(absent.sum())} of {len(split.summary)} customers (e.g. {_examples(split.summary.index, absent)}). "
            "Pass the transactions the split was built from."
        )
    first = occasions.groupby("customer_id")["day"].transform("min")
    repeat_days = occasions.loc[occasions["day"] > first, "day"]
    start = occasions["day"].min()
    day = pd.Timedelta(days=1)
    end_offset = float((split.observation_end - start) / day)
    n_periods = int(math.ceil((end_offset + 1) / unit - 1e-9))
    # A purchase on day d (days after start) is at time d; period j covers the days up to j * unit - 1.
    offsets = np.minimum(np.floor(np.arange(1, n_periods + 1) * unit) - 1, end_offset)
    ends = pd.DatetimeIndex(start + pd.to_timedelta(offsets, unit="D"), name="period_end")
    elapsed = np.sort(((repeat_days - start) / day).to_numpy(dtype="float64"))
    actual = np.searchsorted(elapsed, offsets, side="right")
    # Cohorts in date order, so the sums below add up in the same order on every machine.
    cohorts = first_days.value_counts().sort_index(kind="stable")
    cohort_offsets = ((cohorts.index - start) / day).to_numpy(dtype="float64")
    out = pd.DataFrame({"actual": actual.astype("float64")}, index=ends)
    elapsed_units = np.clip(offsets[None, :] - cohort_offsets[:, None], 0, None) / unit
    for name, model in models.items():
        expected = model.expected_cumulative_purchases(elapsed_units.ravel()).reshape(elapsed_units.shape)
        out[name] = (expected * cohorts.to_numpy()[:, None]).sum(axis=0)
    out.attrs["calibration_end"] = str(split.calibration_end.date())
    out.attrs["time_unit"] = split.time_unit
    return out


# --------------------------------------------------------------------------
# Simulation (for parameter recovery)
# --------------------------------------------------------------------------


def simulate_bgnbd(
    n_customers: int,
    *,
    r: float,
    alpha: float,
    a: float,
    b: float,
    T: float | np.ndarray,
    seed: int,
    time_unit: str | None = None,
) -> pd.DataFrame:
    """Simulate BTYD summaries from the BG/NBD model (vectorized).

    Each customer draws a purchase rate ``lambda ~ Gamma(r, rate alpha)`` and
    a drop-out probability ``p ~ Beta(a, b)``. She makes ``K ~ Geometric(p)``
    repeat purchases at most (she drops out right after the K-th), at the
    arrival times of a Poisson process with rate ``lambda``. With ``N`` the
    Poisson count in (0, T], the frequency is ``x = min(N, K)`` and the
    recency is the x-th of N uniform arrival times, drawn directly as
    ``T * Beta(x, N - x + 1)``.

    Parameters
    ----------
    n_customers : int
    r, alpha, a, b : float
        BG/NBD parameters per time unit.
    T : float or array
        Each customer's age (time units since the first purchase), >= 0;
        one value for all or one per customer.
    seed : int
    time_unit : {"D", "W", "M", "Q"}, optional
        The unit the parameters are per; recorded in
        ``attrs["time_unit"]`` so that models check it (None: unknown).

    Returns
    -------
    DataFrame
        ``frequency``, ``recency``, ``T`` with a ``customer_id`` index;
        ``attrs["definition"]`` is ``"btyd"``.
    """
    n_customers = int(_number(n_customers, "n_customers", low=1, whole=True, example="1000"))
    for name, value in {"r": r, "alpha": alpha, "a": a, "b": b}.items():
        _number(value, name, low=0, low_open=True, example="0.243 (a BG/NBD parameter)")
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed={seed!r}: expected a whole number such as 0, found a {type(seed).__name__}.")
    if time_unit is not None:
        _unit_days(time_unit)
    if isinstance(T, (str, bytes, bool, np.bool_)):
        raise TypeError(f"T={T!r}: expected an age >= 0 in time units (a number or an array), found a {type(T).__name__}.")
    try:
        T = np.broadcast_to(np.asarray(T, dtype="float64"), (n_customers,)).copy()
    except (TypeError, ValueError):
        raise ValueError(
            f"T: expected one age >= 0 or one per customer ({n_customers}), found {type(T).__name__} of shape "
            f"{np.shape(T)}."
        ) from None
    if not (np.isfinite(T).all() and (T >= 0).all()):
        bad = int((~(np.isfinite(T) & (T >= 0))).sum())
        raise ValueError(f"T: expected finite ages >= 0, found {bad} of {n_customers} missing, infinite or negative.")
    rng = np.random.default_rng(seed)
    lam = rng.gamma(shape=r, scale=1.0 / alpha, size=n_customers)
    p = rng.beta(a, b, size=n_customers)
    k = rng.geometric(np.clip(p, 1e-12, 1.0))
    n = rng.poisson(lam * T)
    x = np.minimum(n, k)
    recency = np.zeros(n_customers)
    has = x > 0
    recency[has] = T[has] * rng.beta(x[has], n[has] - x[has] + 1)
    index = pd.Index([f"S{i:06d}" for i in range(n_customers)], name="customer_id")
    out = pd.DataFrame({"frequency": x.astype("float64"), "recency": recency, "T": T}, index=index)
    out.attrs["definition"] = "btyd"
    if time_unit is not None:
        out.attrs["time_unit"] = time_unit
    return out


# --------------------------------------------------------------------------
# Needs-based segments
# --------------------------------------------------------------------------

FEATURE_GROUPS: Mapping[str, str] = {
    "share_": "categories: share of spend per product category",
    "channel_": "channel use: share of orders per channel",
    "items_per_order": "basket size: units per order",
    "lines_per_order": "basket size: different products per order",
    "log_order_value": "basket size: log of the mean order value",
    "orders_per_week": "timing: orders per week since the first order",
    "weekend_share": "timing: share of orders on Saturday or Sunday",
}
"""The needs features :func:`needs_features` can build (a prefix ends with ``_``)."""


def needs_features(
    transactions: pd.DataFrame,
    *,
    products: pd.DataFrame | None = None,
    customer_map: pd.Series | None = None,
) -> pd.DataFrame:
    """Needs features per customer: what, where, how much at once and when they buy.

    Parameters
    ----------
    transactions : DataFrame
        Canonical order lines (``customer_id``, ``date``, ``amount``; used if
        present: ``order_id``, ``product_id``, ``quantity``, ``channel``).
        Without ``order_id`` (or for lines whose ``order_id`` is missing) an
        order is a customer's purchases of one day. A missing ``channel``
        counts as the channel ``"unknown"``. Never modified.
    products : DataFrame, optional
        ``product_id`` and ``category``; gives the category shares (one
        category per product; repeated identical rows are fine). A
        ``category`` column in ``transactions`` is used directly.
    customer_map : Series, optional
        Record id -> customer key (e.g. Identify's crosswalk), so features
        describe people, not records. Lines whose id is not in the map keep
        their id.

    Returns
    -------
    DataFrame
        One row per customer (index ``customer_id``, sorted):
        ``share_<category>``, ``channel_<channel>``, ``items_per_order``,
        ``lines_per_order``, ``log_order_value``, ``orders_per_week``,
        ``weekend_share`` (those the columns allow) and ``n_orders`` (not a
        feature: how much evidence). ``attrs`` counts what was filled in:
        ``lines_without_order_id``, ``orders_without_channel``,
        ``lines_without_category``, ``customers_without_category`` (those
        the columns allow).

    Warns
    -----
    IdicLabWarning
        Lines without a product category: they are left out of the shares.
    """
    frame = _check_transactions(transactions)
    for column in ("order_id", "product_id", "quantity", "channel", "category"):
        if column in transactions.columns:
            frame[column] = transactions[column].to_numpy()
    mapping = _check_customer_map(customer_map)
    if mapping is not None:
        frame["customer_id"] = frame["customer_id"].map(mapping).fillna(frame["customer_id"]).astype("str")
    if "quantity" in frame.columns:
        quantity = frame["quantity"]
        numbers = quantity.to_numpy(dtype="float64", na_value=np.nan) if _numeric(quantity) else None
        if numbers is None or not np.isfinite(numbers).all():
            bad = len(frame) if numbers is None else int((~np.isfinite(numbers)).sum())
            fix = (
                "Read them with idic_lab.schema.clean('transactions', df), which turns text such as '2' into numbers"
                if numbers is None else
                "Drop or fix those rows first, e.g. transactions[np.isfinite(transactions['quantity'])]"
            )
            raise SchemaError(
                f"Table 'transactions', column 'quantity': expected finite numbers, found {bad} of {len(frame)} rows "
                f"that are not (dtype {quantity.dtype}). {fix}, or drop the column if basket size is not needed.",
                table="transactions", column="quantity", n_bad=bad, n_rows=len(frame),
            )
        frame["quantity"] = numbers
    if "category" not in frame.columns and products is not None:
        frame["category"] = _product_categories(frame, products)
    counts: dict[str, int] = {}
    if "order_id" in frame.columns:
        # Lines without an order id are grouped like files without order ids: one order per customer and day.
        no_order = frame["order_id"].isna().to_numpy()
        counts["lines_without_order_id"] = int(no_order.sum())
        day_key = frame["date"].dt.strftime("day %Y-%m-%d")
        order_key = frame["order_id"].astype("str").where(~no_order, day_key)
    else:
        order_key = frame["date"].dt.strftime("%Y-%m-%d")
    frame["order"] = frame["customer_id"] + "|" + order_key
    parts = []
    if "category" in frame.columns:
        parts.append(_category_shares(frame, counts))
    orders = frame.groupby("order", sort=False).agg(
        customer_id=("customer_id", "first"),
        date=("date", "min"),
        amount=("amount", "sum"),
        lines=("amount", "size"),
        **({"items": ("quantity", "sum")} if "quantity" in frame.columns else {}),
        **({"channel": ("channel", "first")} if "channel" in frame.columns else {}),
    )
    if "channel" in orders.columns:
        no_channel = orders["channel"].isna()
        counts["orders_without_channel"] = int(no_channel.sum())
        channel = orders["channel"].astype("str").where(~no_channel, "unknown")
        channels = pd.crosstab(orders["customer_id"], channel, normalize="index")
        parts.append(channels.add_prefix("channel_"))
    by = orders.groupby("customer_id", sort=True)
    basket = pd.DataFrame(index=by.size().index)
    if "items" in orders.columns:
        basket["items_per_order"] = by["items"].mean()
    basket["lines_per_order"] = by["lines"].mean()
    basket["log_order_value"] = np.log(by["amount"].mean().clip(lower=0.01))
    last_day = frame["date"].max().normalize()
    weeks = ((last_day - by["date"].min().dt.normalize()) / pd.Timedelta(days=7)) + 1 / 7
    basket["orders_per_week"] = by.size() / weeks
    basket["weekend_share"] = orders.assign(weekend=orders["date"].dt.day_of_week >= 5).groupby("customer_id")["weekend"].mean()
    basket["n_orders"] = by.size().astype("int64")
    parts.append(basket)
    out = pd.concat(parts, axis=1).fillna(0.0)
    out.index = out.index.astype("str")
    out = out.sort_index(kind="stable")
    out.index.name = "customer_id"
    out.columns.name = None
    out.attrs.update(counts)
    return out


def _product_categories(frame: pd.DataFrame, products: Any) -> pd.Series:
    """Category of each line's product (missing where the product list does not know it)."""
    _frame(products, "products", "product_id and category, e.g. from load_products")
    if not {"product_id", "category"} <= set(products.columns) or "product_id" not in frame.columns:
        raise ValueError(
            "needs_features: expected products with columns product_id and category, and product_id in the "
            f"transactions; found products columns {list(products.columns)} and transactions columns "
            f"{[c for c in frame.columns if c != 'order']}."
        )
    table = pd.DataFrame({"product_id": products["product_id"].astype("str").to_numpy(),
                          "category": products["category"].to_numpy()}).dropna().drop_duplicates()
    clash = table["product_id"][table["product_id"].duplicated()].unique()
    if len(clash):
        raise ValueError(
            f"products: expected one category per product_id, found {len(clash)} product(s) with two or more "
            f"(e.g. {', '.join(map(str, clash[:3]))}) among {len(products)} rows. Keep one category per product, "
            "e.g. products.drop_duplicates('product_id')."
        )
    return frame["product_id"].astype("str").map(table.set_index("product_id")["category"])


def _category_shares(frame: pd.DataFrame, counts: dict[str, int]) -> pd.DataFrame:
    """Share of spend per category and customer (lines without a category are counted and left out)."""
    unknown = frame["category"].isna()
    counts["lines_without_category"] = int(unknown.sum())
    if unknown.all():
        raise ValueError(
            f"needs_features: expected product categories for the lines, found none for all {len(frame)} lines: no "
            "product_id of the transactions is in the product list. Check that both use the same product ids."
        )
    known = frame[~unknown]
    spend = known.pivot_table(index="customer_id", columns="category", values="amount", aggfunc="sum", fill_value=0.0)
    totals = spend.sum(axis=1)
    # A customer whose categorised lines are all free is spread evenly over the categories.
    spend = spend.div(totals.where(totals > 0), axis=0).fillna(1.0 / spend.shape[1])
    missing = int((~frame["customer_id"].isin(spend.index)).groupby(frame["customer_id"]).all().sum())
    counts["customers_without_category"] = missing
    if counts["lines_without_category"]:
        warn(
            f"needs_features: {counts['lines_without_category']} of {len(frame)} lines have no product category "
            f"(product not in the product list, or a missing category) and are left out of the category shares; "
            f"{missing} customer(s) have no categorised line and get shares of 0. Complete the product list to "
            "include them."
        )
    return spend.add_prefix("share_")


# How much and how often someone buys is value, not need: these columns describe the
# segments (profiles) but do not shape them, so the value x needs matrix crosses two
# separate views, as Peppers & Rogers keep them apart.
NOT_NEEDS_COLUMNS = ("n_orders", "log_order_value", "orders_per_week")


def _feature_columns(features: Any, columns: Sequence[str] | None) -> list[str]:
    """Feature columns to use: given, or all but :data:`NOT_NEEDS_COLUMNS`; numeric and finite."""
    _frame(features, "features", "from needs_features")
    if features.empty:
        raise ValueError("features: expected at least one customer, found 0 rows. Build them with needs_features.")
    if features.index.has_duplicates:
        twice = features.index[features.index.duplicated()].unique()
        raise ValueError(
            f"features: expected one row per customer, found {len(twice)} customer id(s) more than once (e.g. "
            f"{', '.join(map(str, twice[:3]))}) among {len(features)} rows. Build them with needs_features."
        )
    if columns is None:
        columns = [c for c in features.columns if c not in NOT_NEEDS_COLUMNS]
    elif isinstance(columns, str) or not isinstance(columns, Sequence):
        raise TypeError(f"features/columns: expected a list of column names, found {columns!r}.")
    missing = [c for c in columns if c not in features.columns]
    if missing:
        raise ValueError(f"features: expected the columns {missing}, found {list(features.columns)}.")
    if len(columns) == 0:
        raise ValueError(
            f"features: expected at least one feature column, found none among {list(features.columns)} "
            f"(the value columns {list(NOT_NEEDS_COLUMNS)} do not count). Build them with needs_features."
        )
    for column in columns:
        values = features[column]
        if not _numeric(values):
            raise ValueError(f"features: expected numbers in {column!r}, found dtype {values.dtype} ({len(features)} rows).")
        bad = ~np.isfinite(values.to_numpy(dtype="float64", na_value=np.nan))
        if bad.any():
            raise ValueError(
                f"features: expected finite numbers in {column!r}, found {int(bad.sum())} of {len(features)} rows "
                f"missing or infinite (e.g. customers {_examples(features.index, bad)}). Drop or fill them first, "
                f"e.g. features.fillna({{{column!r}: 0}})."
            )
    return list(columns)


def _plain_parameters(params: pd.Series) -> str:
    """``r = 0.243, alpha = 4.41``: fitted parameters in a sentence (no dict, no scientific notation)."""
    return ", ".join(f"{name} {_equals(value)}" for name, value in params.items())


def _whole(value: Any, name: str, low: int, example: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}={value!r}: expected a whole number >= {low} such as {example}, found a {type(value).__name__}.")
    if value < low:
        raise ValueError(f"{name}={value!r}: expected a whole number >= {low} such as {example}.")
    return int(value)


_COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")


class NeedsSegmentation:
    """Needs-based segments by k-means or a Gaussian mixture, with k chosen from the data.

    Features are standardised (mean 0, standard deviation 1) so that no
    feature dominates by its unit; a feature that is the same for every
    customer stays 0 and shapes nothing (listed in ``constant_features_``).
    ``k`` is chosen by the largest silhouette (k-means) or the smallest BIC
    (Gaussian mixture) over ``k_range``, unless given; ties go to the
    smaller k.

    Parameters
    ----------
    method : {"kmeans", "gmm"}
    k : int, optional
        Number of segments; None chooses it.
    k_range : tuple of int
        Smallest and largest k tried (k-means needs k >= 2 to compute a
        silhouette).
    n_init : int
        Restarts of k-means (or of the mixture's EM); the best is kept.
    random_state : int
        Seed of every random step.
    covariance_type : {"full", "tied", "diag", "spherical"}
        Gaussian mixture only.
    reg_covar : float
        Gaussian mixture only: added to the variances of the standardised
        features (0.1 keeps components from collapsing on the many customers
        whose shares are exactly 0 or 1).
    features : list of str, optional
        Columns to use (default: all but the value columns
        :data:`NOT_NEEDS_COLUMNS`, which describe the segments in the profiles
        but do not shape them).
    min_orders : int
        Segments are learned from customers with at least this many orders
        (``n_orders``), then every customer is assigned to the nearest one.
        One order says little about needs: with ``min_orders=1`` the
        one-off buyers of a side category (say, a single book) form a
        spurious segment of their own.
    silhouette_sample : int
        Customers sampled (seeded) to compute the silhouette.

    Attributes
    ----------
    columns_, scaler_, model_, k_, selection_, labels_, n_fitted_, constant_features_
        ``selection_`` has one row per k tried (``silhouette``, ``inertia``
        for k-means; ``bic`` for the mixture). ``labels_`` numbers segments
        from 1 (largest; equal sizes by their first customer id) upward, for
        every customer. ``n_fitted_`` customers had ``min_orders`` or more
        orders and shaped the segments.
    """

    def __init__(
        self,
        *,
        method: str = "kmeans",
        k: int | None = None,
        k_range: tuple[int, int] = (2, 8),
        n_init: int = 10,
        random_state: int = 0,
        covariance_type: str = "diag",
        reg_covar: float = 0.1,
        features: Sequence[str] | None = None,
        min_orders: int = 2,
        silhouette_sample: int = 2000,
    ) -> None:
        self.method = method
        self.k = k
        self.k_range = k_range
        self.n_init = n_init
        self.random_state = random_state
        self.covariance_type = covariance_type
        self.reg_covar = reg_covar
        self.features = features
        self.min_orders = min_orders
        self.silhouette_sample = silhouette_sample

    def _check_options(self) -> tuple[int, int]:
        """Checked options; the range of k to try."""
        _choice(self.method, "method", ("kmeans", "gmm"))
        if self.method == "gmm":
            _choice(self.covariance_type, "covariance_type", _COVARIANCE_TYPES)
            _number(self.reg_covar, "reg_covar", low=0, example="0.1")
        _whole(self.n_init, "n_init", 1, "10")
        _whole(self.random_state, "random_state", 0, "0")
        _whole(self.min_orders, "min_orders", 1, "2")
        _whole(self.silhouette_sample, "silhouette_sample", 2, "2000")
        if self.k is not None:
            k = _whole(self.k, "k", 1, "4")
            return k, k
        try:
            low, high = (int(_whole(v, "k_range", 1, "(2, 8)")) for v in self.k_range)
        except (TypeError, ValueError):
            raise ValueError(f"k_range={self.k_range!r}: expected two whole numbers (smallest, largest k), e.g. (2, 8).") from None
        least = 2 if self.method == "kmeans" else 1
        if low < least or high < low:
            raise ValueError(
                f"k_range={self.k_range!r}: expected {least} <= smallest <= largest k, e.g. (2, 8)"
                f"{' (a silhouette needs two segments)' if least == 2 else ''}."
            )
        return low, high

    def _model(self, k: int) -> Any:
        if self.method == "kmeans":
            from sklearn.cluster import KMeans

            return KMeans(n_clusters=k, n_init=self.n_init, random_state=self.random_state)
        from sklearn.mixture import GaussianMixture

        return GaussianMixture(
            n_components=k, n_init=self.n_init, random_state=self.random_state,
            covariance_type=self.covariance_type, reg_covar=float(self.reg_covar),
        )

    def _fit_model(self, k: int, z: np.ndarray) -> Any:
        """Fit one clustering; sklearn's numerical failures and warnings become our messages."""
        from sklearn.exceptions import ConvergenceWarning

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                model = self._model(k).fit(z)
            except (ValueError, np.linalg.LinAlgError) as exc:
                raise ValueError(
                    f"NeedsSegmentation: the {self.method} model with k={k} could not be fitted on {len(z)} customers "
                    f"({type(exc).__name__}: {str(exc)[:120]}). Try a smaller k, "
                    "reg_covar=0.1 or more (Gaussian mixture), or method='kmeans'."
                ) from None
        if any(issubclass(w.category, ConvergenceWarning) for w in caught):
            warn(
                f"NeedsSegmentation: the {self.method} model with k={k} did not converge on {len(z)} customers: its "
                "segments may change with the seed. Try a larger n_init or a smaller k."
            )
        return model

    def _silhouette(self, z: np.ndarray, labels: np.ndarray) -> float:
        from sklearn.metrics import silhouette_score

        if not 2 <= len(np.unique(labels)) <= len(z) - 1:
            return float("nan")
        size = min(self.silhouette_sample, len(z))
        return float(silhouette_score(z, labels, sample_size=size, random_state=self.random_state))

    def fit(self, features: pd.DataFrame) -> NeedsSegmentation:
        """Standardise the features, choose k and fit the final model.

        Parameters
        ----------
        features : DataFrame
            From :func:`needs_features` (one row per customer).

        Returns
        -------
        self

        Raises
        ------
        ValueError, TypeError
            Unknown options, features that are missing, not numbers or not
            finite, fewer customers (or different customers) than segments,
            or features that are the same for every customer.
        """
        from sklearn.preprocessing import StandardScaler

        low, high = self._check_options()
        self.columns_ = _feature_columns(features, self.features)
        everyone = features[self.columns_].astype("float64")
        if "n_orders" in features.columns:
            enough = (features["n_orders"] >= self.min_orders).to_numpy()
        else:
            enough = np.ones(len(features), dtype=bool)
        data = everyone.loc[enough]
        self.constant_features_ = [c for c in self.columns_ if everyone[c].nunique() == 1]
        if not enough.any():
            most = int(features["n_orders"].max())
            raise ValueError(
                f"min_orders={self.min_orders}: expected customers with at least min_orders={self.min_orders} orders "
                f"({len(data)} of {len(everyone)}) to learn segments from, found none (the most is {most}). Use "
                f"min_orders={most} or lower."
            )
        # k-means needs k different points, a silhouette k < number of customers.
        distinct = len(data.drop_duplicates())
        largest = min(distinct, len(data) - 1)
        if distinct == 1 or high > largest:
            advice = (
                "The features are the same for every customer: there are no needs to segment."
                if distinct == 1 else
                f"Use k or k_range up to {largest}, a lower min_orders, or more customers."
            )
            raise ValueError(
                f"k_range={self.k_range!r} / k={self.k!r}: expected k up to the number of different customers, and "
                f"below the number of customers, with at least min_orders={self.min_orders} orders "
                f"({len(data)} of {len(everyone)}), found only {distinct} different. {advice}"
            )
        self.n_fitted_ = len(data)
        self.scaler_ = StandardScaler().fit(data)
        z = self.scaler_.transform(data)
        rows, models = [], {}
        for k in range(low, high + 1):
            model = self._fit_model(k, z)
            labels = model.predict(z)
            row = {"k": k, "silhouette": self._silhouette(z, labels)}
            if self.method == "kmeans":
                row["inertia"] = float(model.inertia_)
            else:
                row["bic"] = float(model.bic(z))
            rows.append(row)
            models[k] = model
        self.selection_ = pd.DataFrame(rows).set_index("k")
        if self.k is not None:
            self.k_ = int(self.k)
        elif self.method == "kmeans":
            self.k_ = self._best_k("silhouette", largest=True)
        else:
            self.k_ = self._best_k("bic", largest=False)
        self.model_ = models[self.k_]
        raw = self.model_.predict(self.scaler_.transform(everyone))
        self._relabel = self._order_segments(raw, features.index)
        self.labels_ = pd.Series([self._relabel[int(v)] for v in raw], index=features.index, name="segment")
        return self

    def _best_k(self, column: str, *, largest: bool) -> int:
        """The best k by ``column`` (ties and undefined values: the smaller k)."""
        scores = self.selection_[column]
        if scores.isna().all():
            raise ValueError(
                f"NeedsSegmentation: no {column} could be computed for k in {list(scores.index)}: every k gave a "
                "single segment. Give k explicitly, or use more (and more different) customers."
            )
        best = scores.max() if largest else scores.min()
        return int(scores.index[scores.to_numpy() == best][0])

    @staticmethod
    def _order_segments(raw: np.ndarray, index: pd.Index) -> dict[int, int]:
        """Segment numbers 1, 2, ... by size (largest first), equal sizes by their first customer id."""
        frame = pd.DataFrame({"raw": raw.astype("int64"), "id": index.astype("str")})
        order = frame.groupby("raw").agg(size=("id", "size"), first=("id", "min"))
        order = order.sort_values(["size", "first"], ascending=[False, True], kind="stable")
        return {int(old): new for new, old in enumerate(order.index, start=1)}

    def _fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise ValueError("NeedsSegmentation is not fitted yet: call .fit(features) first.")

    def predict(self, features: pd.DataFrame) -> pd.Series:
        """Segment of each customer in ``features`` (same columns as in :meth:`fit`)."""
        self._fitted()
        _feature_columns(features, self.columns_)
        z = self.scaler_.transform(features[self.columns_].astype("float64"))
        raw = self.model_.predict(z)
        return pd.Series([self._relabel.get(int(v), 0) for v in raw], index=features.index, name="segment")

    def stability(
        self, features: pd.DataFrame, *, n_resamples: int = 10, sample_share: float = 0.8, random_state: int = 0
    ) -> pd.DataFrame:
        """How stable are the segments? Refit on random subsamples and compare.

        Each resample fits the same method with the chosen k on a random
        ``sample_share`` of the customers with ``min_orders`` or more orders
        (without replacement, seeded),
        assigns *all* customers, and compares with :attr:`labels_` by the
        adjusted Rand index (1 = identical partition, 0 = chance).

        Parameters
        ----------
        features : DataFrame
            The features :meth:`fit` was given (same customers, same order).

        Returns
        -------
        DataFrame
            ``resample`` and ``ari``.
        """
        from sklearn.metrics import adjusted_rand_score
        from sklearn.preprocessing import StandardScaler

        self._fitted()
        _feature_columns(features, self.columns_)
        if not features.index.equals(self.labels_.index):
            raise ValueError(
                f"features: expected the {len(self.labels_)} customers the segmentation was fitted on, in the same "
                f"order, found {len(features)} rows that differ. Pass the features given to fit()."
            )
        n_resamples = _whole(n_resamples, "n_resamples", 1, "10")
        _whole(random_state, "random_state", 0, "0")
        share = _number(sample_share, "sample_share", low=0, low_open=True, example="0.8")
        if share > 1:
            raise ValueError(f"sample_share={sample_share!r}: expected a fraction in (0, 1] such as 0.8.")
        data = features[self.columns_].astype("float64").to_numpy()
        eligible = (
            np.flatnonzero(features["n_orders"].to_numpy() >= self.min_orders)
            if "n_orders" in features.columns else np.arange(len(data))
        )
        n_sample = max(self.k_ + 1, int(round(share * len(eligible))))
        if n_sample > len(eligible):
            raise ValueError(
                f"sample_share={sample_share!r}: expected subsamples of at least k + 1 = {self.k_ + 1} customers, but "
                f"only {len(eligible)} have min_orders={self.min_orders} or more orders. Use more customers."
            )
        rng = np.random.default_rng(random_state)
        rows = []
        for b in range(n_resamples):
            pick = rng.choice(eligible, size=n_sample, replace=False)
            scaler = StandardScaler().fit(data[pick])
            model = self._fit_model(self.k_, scaler.transform(data[pick]))
            labels = model.predict(scaler.transform(data))
            rows.append({"resample": b + 1, "ari": float(adjusted_rand_score(self.labels_.to_numpy(), labels))})
        return pd.DataFrame(rows)


def _check_labels(labels: Any, name: str) -> pd.Series:
    """Segment labels per customer: a Series with a unique index (missing labels dropped)."""
    if not isinstance(labels, pd.Series):
        raise TypeError(f"{name}: expected a pandas Series of segment labels indexed by customer_id, found {type(labels).__name__}.")
    if labels.index.has_duplicates:
        twice = labels.index[labels.index.duplicated()].unique()
        raise ValueError(
            f"{name}: expected one label per customer, found {len(twice)} customer id(s) more than once (e.g. "
            f"{', '.join(map(str, twice[:3]))}) among {len(labels)} labels."
        )
    return labels.dropna()


def adjusted_rand(labels: pd.Series, truth: pd.Series) -> float:
    """Adjusted Rand index of two labelings over the customers they share (1 = same partition).

    Customers without a label in either series are left out.
    """
    from sklearn.metrics import adjusted_rand_score

    found, planted = _check_labels(labels, "labels"), _check_labels(truth, "truth")
    common = found.index.intersection(planted.index)
    if len(common) == 0:
        raise ValueError(
            f"adjusted_rand: expected shared customer ids, found none ({len(labels)} labels, {len(truth)} truth values"
            f"; e.g. {', '.join(map(str, labels.index[:2]))} against {', '.join(map(str, truth.index[:2]))})."
        )
    return float(adjusted_rand_score(planted.loc[common].astype("str"), found.loc[common].astype("str")))


def segment_profiles(features: pd.DataFrame, labels: pd.Series, *, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Mean of each feature per segment, with segment sizes and a short descriptive name.

    Parameters
    ----------
    features : DataFrame
        From :func:`needs_features`.
    labels : Series
        Segment per customer (e.g. :attr:`NeedsSegmentation.labels_`); every
        labelled customer must have features. Customers without a label are
        left out.
    columns : list of str, optional
        Features to profile (default: all but the value columns).

    Returns
    -------
    DataFrame
        Index: segment number (sorted); ``customers``, ``share``, ``name``
        (largest category share and channel, e.g. ``"electronics / web"``),
        then the mean of each feature. :func:`profile_zscores` turns the
        means into standard scores for a heatmap.
    """
    columns = _feature_columns(features, columns)
    labels = _check_labels(labels, "labels")
    if labels.empty:
        raise ValueError("labels: expected a segment for at least one customer, found none.")
    unknown = ~labels.index.isin(features.index)
    if unknown.any():
        raise ValueError(
            f"labels: expected customers that have features, found {int(unknown.sum())} of {len(labels)} labelled "
            f"customers without (e.g. {_examples(labels.index, unknown)}). Use the labels of a segmentation fitted "
            "on these features."
        )
    data = features.loc[labels.index, columns]
    means = data.groupby(labels.to_numpy(), sort=True).mean()
    means.index.name = "segment"
    sizes = labels.value_counts().reindex(means.index)
    shares = [c for c in columns if c.startswith("share_")]
    channels = [c for c in columns if c.startswith("channel_")]
    names = []
    for seg in means.index:
        parts = []
        if shares:
            parts.append(means.loc[seg, shares].idxmax().removeprefix("share_"))
        if channels:
            parts.append(means.loc[seg, channels].idxmax().removeprefix("channel_"))
        names.append(" / ".join(parts) or f"segment {seg}")
    out = means.copy()
    out.insert(0, "name", names)
    out.insert(0, "share", sizes / sizes.sum())
    out.insert(0, "customers", sizes.astype("int64"))
    return out


def profile_zscores(profiles: pd.DataFrame, features: pd.DataFrame) -> pd.DataFrame:
    """Segment means as standard scores of the features (for a profile heatmap).

    A feature that is the same for every customer has no spread: its score
    is the plain difference from the mean (0).
    """
    _frame(profiles, "profiles", "from segment_profiles")
    _frame(features, "features", "from needs_features")
    if "name" not in profiles.columns:
        raise ValueError(
            f"profiles: expected the column name from segment_profiles, found {list(profiles.columns)} "
            f"({len(profiles)} rows)."
        )
    columns = [c for c in profiles.columns if c in features.columns and c != "n_orders"]
    if not columns:
        raise ValueError(
            f"profiles: expected feature columns shared with features, found none (profiles {list(profiles.columns)}, "
            f"features {list(features.columns)}). Build the profiles with segment_profiles(features, labels)."
        )
    _feature_columns(features, columns)
    mean, std = features[columns].mean(), features[columns].std(ddof=0).replace(0, 1.0)
    z = (profiles[columns] - mean) / std
    z.index = [f"{i}: {n}" for i, n in zip(profiles.index, profiles["name"])]
    return z


# --------------------------------------------------------------------------
# Value x needs
# --------------------------------------------------------------------------

STRATEGIES: Mapping[str, str] = {
    "retain": "most valuable now: protect the relationship, recognise them, keep service high",
    "grow": "much more to win from their needs: develop them (more purchases, cross-sell in their categories)",
    "maintain": "moderate value and upside: serve well at standard cost",
    "reduce cost to serve": "little value now or later: move to low-cost channels, stop costly contacts",
}
"""The four strategies of the value x needs matrix and what they mean for a manager."""

GROW_MARGIN = 0.1
"""A cell is grown when its development potential per customer is this much above its tier's (0.1: 10 % above)."""

_DEVELOPMENT_COLUMNS = ("p_alive", "expected_purchases", "expected_spend")


def _require_value_columns(value_table: Any, columns: tuple[str, ...], source: str) -> None:
    """A value table (DataFrame) holding ``columns``, or a clear error naming the missing ones."""
    _frame(value_table, "value_table", source)
    missing = [c for c in columns if c not in value_table.columns]
    if missing:
        raise ValueError(
            f"value_table: expected the columns {list(columns)} from customer_value_table, found no "
            f"{', '.join(missing)} among {list(value_table.columns)} ({len(value_table)} rows)."
        )


def development_potential(value_table: pd.DataFrame, *, loyal_purchases: float) -> pd.Series:
    """The part of potential value that developing a customer could win (share of wallet).

    Peppers & Rogers' potential value is what a customer could be worth with
    another strategy. Besides retention (``potential_value`` of
    :func:`customer_value_table`), a customer can be *developed*: she buys
    more of what she needs from us. Here that is the value of the purchases
    she makes fewer than a loyal customer, at her own expected spend per
    purchase, counted only as far as she is still active::

        P(alive) x expected spend x max(0, loyal_purchases - expected purchases)

    Spend per purchase is where needs enter: a customer whose needs are
    served by expensive baskets (e.g. electronics) adds more with each
    extra purchase than one who buys small items.

    Parameters
    ----------
    value_table : DataFrame
        From :func:`customer_value_table` (``p_alive``,
        ``expected_purchases``, ``expected_spend``).
    loyal_purchases : float
        Expected purchases over the horizon of a loyal customer (e.g. the
        median of the top value tiers), >= 0.

    Returns
    -------
    Series
        Development potential per customer (>= 0), in the currency of the
        values, indexed like ``value_table``.
    """
    _require_value_columns(value_table, _DEVELOPMENT_COLUMNS, "from customer_value_table or value_table")
    loyal_purchases = _number(loyal_purchases, "loyal_purchases", low=0, example="5.4 purchases over the horizon")
    columns = {c: _check_series(value_table[c], f"value_table['{c}']", "from customer_value_table")
               for c in _DEVELOPMENT_COLUMNS}
    gap = (loyal_purchases - columns["expected_purchases"]).clip(lower=0)
    return (columns["p_alive"] * columns["expected_spend"] * gap).rename("development_potential")


def strategy_matrix(
    value_table: pd.DataFrame,
    segments: pd.Series,
    *,
    segment_names: Mapping[Any, str] | None = None,
    tiers: Sequence[tuple[str, float]] = PYRAMID_TIERS,
    retain_tiers: int = 2,
    grow_margin: float = GROW_MARGIN,
) -> pd.DataFrame:
    """Value tiers crossed with needs segments, each cell with a strategy.

    Value decides *how much* to invest, needs decide *where growth is*:

    * the top ``retain_tiers`` tiers are **retain** in every segment;
    * below them a cell is **grow** when its customers' development
      potential (:func:`development_potential`: what they would add by
      buying as often as a loyal customer, at their own spend per purchase)
      is, per customer, more than ``grow_margin`` above the average of the
      same tier over all segments: the same value today, more to win
      tomorrow because of what these customers need;
    * otherwise **reduce cost to serve** in the lowest tier and **maintain**
      in between.

    A loyal customer's purchases are the median expected purchases of the
    retain tiers (of the top tier when ``retain_tiers`` is 0).

    Parameters
    ----------
    value_table : DataFrame
        From :func:`customer_value_table` (``future_value``,
        ``potential_value``, ``p_alive``, ``expected_purchases``,
        ``expected_spend``), indexed by customer.
    segments : Series
        Needs segment per customer (same index; customers in only one of the
        two are left out).
    segment_names : dict, optional
        Display name per segment label.
    tiers : sequence of (name, cumulative share)
        Value tiers by future value (default Platinum 5 %, Gold 15 %, Iron
        30 %, Lead 50 %).
    retain_tiers : int
        How many top tiers are "retain".
    grow_margin : float
        How far (as a share, >= 0) a cell's development potential per
        customer must exceed its tier's to be grown.

    Returns
    -------
    DataFrame
        One row per (tier, segment) cell with customers: ``customers``,
        ``future_value`` (sum), ``potential_value`` (sum),
        ``development_potential`` (sum), ``future_value_per_customer``,
        ``potential_per_customer``, ``development_per_customer``,
        ``tier_development_per_customer`` (the tier's, all segments),
        ``spend_per_purchase`` and ``purchases_per_customer`` (means of
        ``expected_spend`` and ``expected_purchases``: why development
        potential differs), one
        column per strategy with the number of customers for whom, on their
        own, the rule gives that strategy, and ``strategy``, the cell's
        strategy by the rule above. Rows are sorted by tier (top first),
        then segment. Customers in only one of the two inputs, or without a
        segment, are left out. With one segment no cell is grown: growth is
        relative to the other segments of the tier.
    """
    _check_value_columns(value_table)
    for column in ("future_value", "potential_value"):
        _check_series(value_table[column], f"value_table['{column}']", "from customer_value_table")
    names, _ = _check_tiers(tiers)
    retain_tiers = _whole(retain_tiers, "retain_tiers", 0, "2")
    if retain_tiers > len(names):
        raise ValueError(f"retain_tiers={retain_tiers}: expected at most the number of tiers, {len(names)} ({names}).")
    grow_margin = _number(grow_margin, "grow_margin", low=0, example="0.1 for 10 % above the tier")
    if segment_names is not None and not isinstance(segment_names, Mapping):
        raise TypeError(
            f"segment_names: expected a dict {{segment: name}}, e.g. profiles['name'].to_dict(), found "
            f"{type(segment_names).__name__}."
        )
    segments = _check_labels(segments, "segments")
    common = value_table.index.intersection(segments.index)
    if len(common) == 0:
        raise ValueError(
            f"strategy_matrix: expected customers present in both the value table ({len(value_table)}) and the "
            f"segments ({len(segments)}), found none in common (e.g. {', '.join(map(str, value_table.index[:2]))} "
            f"against {', '.join(map(str, segments.index[:2]))}). Use the same customer ids, e.g. value_table("
            "..., customer_map=...) for per-person value."
        )
    values = value_table.loc[common]
    tier = value_tiers(values["future_value"], tiers)
    loyal = tier.isin(names[:max(retain_tiers, 1)]).to_numpy()
    _require_value_columns(values, _DEVELOPMENT_COLUMNS, "from customer_value_table or value_table")
    loyal_purchases = float(values.loc[loyal, "expected_purchases"].median()) if loyal.any() else 0.0
    development = development_potential(values, loyal_purchases=loyal_purchases)
    segment = segments.loc[common]
    if segment_names is not None:
        segment = segment.map(lambda s: segment_names.get(s, s))
    frame = values.assign(tier=tier, segment=segment.astype("str").to_numpy(), development_potential=development)
    tier_development = frame.groupby("tier", observed=True)["development_potential"].mean()
    bar = (1 + grow_margin) * frame["tier"].map(tier_development).astype("float")
    retain = frame["tier"].isin(names[:retain_tiers]).to_numpy()
    lowest = (frame["tier"] == names[-1]).to_numpy()

    def rule(grow: np.ndarray, retain: np.ndarray, lowest: np.ndarray) -> np.ndarray:
        return np.where(retain, "retain", np.where(grow, "grow", np.where(lowest, "reduce cost to serve", "maintain")))

    frame["strategy"] = rule((frame["development_potential"] > bar).to_numpy(), retain, lowest)
    keys = ["tier", "segment"]
    cells = (
        frame.groupby(keys, observed=True)
        .agg(customers=("future_value", "size"), future_value=("future_value", "sum"),
             potential_value=("potential_value", "sum"), development_potential=("development_potential", "sum"),
             spend_per_purchase=("expected_spend", "mean"), purchases_per_customer=("expected_purchases", "mean"))
    )
    counts = pd.crosstab([frame["tier"], frame["segment"]], frame["strategy"]).reindex(columns=list(STRATEGIES), fill_value=0)
    cells = cells.join(counts).reset_index()
    cells["future_value_per_customer"] = cells["future_value"] / cells["customers"]
    cells["potential_per_customer"] = cells["potential_value"] / cells["customers"]
    cells["development_per_customer"] = cells["development_potential"] / cells["customers"]
    cells["tier_development_per_customer"] = cells["tier"].map(tier_development).astype("float").to_numpy()
    cell_tier = cells["tier"].astype("str")
    cells["strategy"] = rule(
        (cells["development_per_customer"] > (1 + grow_margin) * cells["tier_development_per_customer"]).to_numpy(),
        cell_tier.isin(names[:retain_tiers]).to_numpy(), (cell_tier == names[-1]).to_numpy(),
    )
    return cells


# --------------------------------------------------------------------------
# What the notebook records (one call per result, no bookkeeping in its cells)
# --------------------------------------------------------------------------

STAGE = "02_differentiate"


@dataclass(frozen=True)
class AnalysisWindow:
    """Result of :func:`analysis_window`: the dates a value analysis runs on.

    Attributes
    ----------
    start : Timestamp
        The day of the first purchase.
    last_purchase : Timestamp
        The day of the last purchase.
    end : Timestamp
        The observation end (given, or the last purchase day).
    calibration_end : Timestamp
        The calibration end (given, or the middle of the window).
    time_unit : str
        The models' time unit.
    purchases, customers : int
        Rows and distinct customers of the transactions.
    file : str or None
        The client file's name for the report (None for bundled data).
    """

    start: pd.Timestamp
    last_purchase: pd.Timestamp
    end: pd.Timestamp
    calibration_end: pd.Timestamp
    time_unit: str
    purchases: int
    customers: int
    file: str | None = None

    @property
    def end_text(self) -> str:
        """The observation end as an ISO date."""
        return self.end.date().isoformat()

    @property
    def calibration_end_text(self) -> str:
        """The calibration end as an ISO date."""
        return self.calibration_end.date().isoformat()

    def describe(self, source: str) -> str:
        """One line for the notebook: source, purchases, customers, period, calibration and unit."""
        return (f"{source}: {self.purchases:,} purchases by {self.customers:,} customers, {self.start.date()} to "
                f"{self.last_purchase.date()}; calibration to {self.calibration_end_text}, observation to "
                f"{self.end_text}; time unit {self.time_unit} ({TIME_UNITS[self.time_unit]:g} days)")

    def record(self) -> None:
        """Record the data the stage worked on (rows, customers, period) for the report."""
        from idic_lab.results import record, record_data

        record("differentiate.n_customers", self.customers)
        record_data("transactions", rows=self.purchases, customers=self.customers, start=self.start,
                    end=self.end_text, file=self.file)


def analysis_window(
    transactions: pd.DataFrame,
    *,
    observation_end: str | pd.Timestamp = "",
    calibration_end: str | pd.Timestamp = "",
    time_unit: str = "W",
    file: str | None = None,
) -> AnalysisWindow:
    """The observation and calibration ends of a value analysis, with empty ones filled in.

    Parameters
    ----------
    transactions : DataFrame
        Canonical purchases (``customer_id``, ``date``).
    observation_end : str or Timestamp
        Last day of the observation window; empty: the last purchase day.
    calibration_end : str or Timestamp
        Last day of the calibration period; empty: the middle of the window
        (from the first purchase day to the observation end).
    time_unit : {"D", "W", "M", "Q"}
    file : str, optional
        The client file the purchases came from (only its name is kept).

    Returns
    -------
    AnalysisWindow
    """
    time_unit = _choice(time_unit, "time_unit", tuple(TIME_UNITS))
    _frame(transactions, "transactions", "canonical transactions from load_inputs or idic_lab.schema.clean")
    missing = [c for c in ("customer_id", "date") if c not in transactions.columns]
    if missing:
        raise ValueError(
            f"transactions: expected the columns customer_id and date, found no {', '.join(missing)} among "
            f"{list(transactions.columns)}. Load them with load_inputs or idic_lab.schema.clean."
        )
    dates = pd.to_datetime(transactions["date"], errors="coerce")
    if dates.notna().sum() == 0:
        raise ValueError(f"transactions: expected purchases with dates, found {len(transactions)} rows and no date.")
    first, last = dates.min().normalize(), dates.max().normalize()
    end = _as_date(observation_end, "observation_end").normalize() if str(observation_end).strip() else last
    if end < first:
        raise ValueError(f"observation_end={end.date()}: expected a day on or after the first purchase, {first.date()}.")
    cal_end = (_as_date(calibration_end, "calibration_end").normalize() if str(calibration_end).strip()
               else (first + (end - first) / 2).normalize())
    from pathlib import Path

    return AnalysisWindow(start=first, last_purchase=last, end=end, calibration_end=cal_end, time_unit=time_unit,
                          purchases=len(transactions), customers=int(transactions["customer_id"].nunique()),
                          file=None if not file else Path(file).name)


@dataclass(frozen=True)
class ValueConcentration:
    """Result of :func:`value_concentration`: how concentrated value is.

    Attributes
    ----------
    share : float
        The top share of customers looked at (0.2: the top 20 %).
    top_share : float
        Their share of the total value.
    gini : float
        The Gini coefficient of the values.
    top_total, total : float
        Their value and everybody's.
    customers : int
    curve : DataFrame
        The Lorenz curve (:func:`lorenz_curve`).
    points : dict
        The curve at 21 customer shares (:func:`lorenz_points`), for the report's chart.
    """

    share: float
    top_share: float
    gini: float
    top_total: float
    total: float
    customers: int
    curve: pd.DataFrame = field(repr=False)
    points: dict = field(repr=False, default_factory=dict)

    @property
    def against_rule(self) -> str:
        """``"more"`` or ``"less"`` than the 80 % of the Pareto rule of thumb (for the top 20 %)."""
        return "more" if self.top_share > 0.8 else "less"

    @property
    def top_to_rest(self) -> float:
        """The top customers' value per unit of the others' (2: twice as much as all the others together)."""
        rest = self.total - self.top_total
        return float(self.top_total / rest) if rest > 0 else float("inf")

    def sentence(self) -> str:
        """The line the notebook prints under the Lorenz curve."""
        return (f"The top {self.share:.0%} of customers bring {self.top_share:.1%} of the spend, {self.against_rule} "
                f"than the 80 % of the Pareto rule (the cross); Gini {self.gini:.3f}.")

    def record(self, *, currency: str = "") -> None:
        """Record the figures, the index chart and the finding."""
        from idic_lab import formatting as fmt
        from idic_lab.results import record, record_finding

        record("differentiate.top20_share", round(self.top_share, 4))
        record("differentiate.gini", round(self.gini, 4))
        record("differentiate.top20_vs_pareto_rule", self.against_rule)
        record("differentiate.top20_to_rest", round(self.top_to_rest, 4))
        record("report.chart.value_concentration", self.points)
        record_finding(f"The top {fmt.percent(self.share)} of customers bring {fmt.percent(self.top_share)} of the spend "
                       f"({fmt.money(self.top_total, currency)} of {fmt.money(self.total, currency)}), "
                       f"{self.against_rule} than the 80 % of the Pareto rule of thumb; Gini {fmt.number(self.gini, 2)}.",
                       stage=STAGE, rank=2)


def value_concentration(values: pd.Series | Sequence[float] | np.ndarray, share: float = 0.2) -> ValueConcentration:
    """Top-share, Gini and Lorenz curve of customer values in one result.

    Parameters
    ----------
    values : Series or array
        One value per customer (e.g. total spend), >= 0.
    share : float
        The top share of customers, in (0, 1).

    Returns
    -------
    ValueConcentration
    """
    numbers = _values(values, "values")
    top = top_share(numbers, share)
    n_top = math.ceil(float(share) * numbers.size - 1e-9)
    return ValueConcentration(share=float(share), top_share=float(top), gini=float(gini(numbers)),
                              top_total=float(np.sort(numbers)[::-1][:n_top].sum()), total=float(numbers.sum()),
                              customers=len(numbers), curve=lorenz_curve(numbers), points=lorenz_points(numbers, 21))


def _key(name: str) -> str:
    return name.lower().replace("/", "_").replace("-", "_")


def _nested(table: pd.DataFrame, column: str, digits: int | None = 4) -> dict[str, dict[str, Any]]:
    """{tier: {segment: value}} of a strategy matrix column."""
    out: dict[str, dict[str, Any]] = {}
    for row in table.itertuples(index=False):
        value = getattr(row, column)
        if digits is not None:
            value = round(float(value), digits)
        out.setdefault(str(row.tier), {})[str(row.segment)] = value
    return out


_NOT_GIVEN = object()


def record_results(
    *,
    summary: pd.DataFrame | None = None,
    split: CalibrationHoldout | None = None,
    models: Sequence[Any] | None = None,
    checks: Mapping[str, PurchaseModelCheck] | None = None,
    errors: pd.DataFrame | None = None,
    tracking: pd.DataFrame | None = None,
    conditional: pd.DataFrame | None = None,
    clv_model: Any = _NOT_GIVEN,
    pyramid: pd.DataFrame | None = None,
    groups: ValueGroups | None = None,
    groups_with_cost: ValueGroups | None = None,
    segmentation: Any = None,
    profiles: pd.DataFrame | None = None,
    stability: pd.DataFrame | None = None,
    ari: float | None = None,
    matrix: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Record the headline figures of the Differentiate notebook's results, one call per cell.

    Each argument given records its figures under ``differentiate.*`` (the
    keys the report, the client export and the lesson tests read); the
    others are skipped.

    Parameters
    ----------
    summary : DataFrame
        A BTYD summary (:func:`rfm_summary`): median frequency and share of
        one-time buyers.
    split : CalibrationHoldout
        From :func:`calibration_holdout_split`: its counts (:meth:`CalibrationHoldout.report`).
    models : sequence
        Fitted models (BG/NBD, Pareto/NBD, Gamma-Gamma): their parameters
        (and Gamma-Gamma's frequency-spend correlation).
    checks : dict
        From :func:`check_purchase_models`: which models are usable.
    errors : DataFrame
        From :func:`holdout_validation`: MAE, RMSE and aggregate error.
    tracking : DataFrame
        From :func:`tracking_table`: cumulative repeat purchases at the
        calibration end and at the observation end, actual and per forecast.
    conditional : DataFrame
        From :func:`conditional_expectations`: mean holdout purchases by
        calibration frequency.
    clv_model : str or None
        The model :func:`choose_clv_model` chose (None: none).
    pyramid : DataFrame
        From :func:`value_pyramid`: shares of actual and potential value per tier.
    groups, groups_with_cost : ValueGroups
        From :func:`value_groups` without and with a cost to serve (with
        ``summary``: the share of one-time buyers among the below-zero ones).
    segmentation : NeedsSegmentation
        The fitted segmentation: its k.
    profiles : DataFrame
        From :func:`segment_profiles`: the segments' names.
    stability : DataFrame
        From :meth:`NeedsSegmentation.stability`: mean and lowest ARI.
    ari : float
        Agreement with planted segments.
    matrix : DataFrame
        From :func:`strategy_matrix`: the strategy per cell and why.

    Returns
    -------
    dict
        The figures recorded, by key.
    """
    from idic_lab.results import record

    figures: dict[str, Any] = {}

    def put(key: str, value: Any) -> None:
        figures[f"differentiate.{key}"] = record(f"differentiate.{key}", value)

    if summary is not None:
        _check_summary(summary)
        put("summary.median_frequency", float(summary["frequency"].median()))
        put("summary.share_one_time", round(float((summary["frequency"] == 0).mean()), 4))
        if "monetary_value" in summary.columns and (summary["frequency"] == 0).any():
            put("summary.one_time_monetary_max", float(summary.loc[summary["frequency"] == 0, "monetary_value"].max()))
    if split is not None:
        put("split", {str(k): int(v) for k, v in _check_split(split).report().items()})
    for model in models or ():
        for name, value in model.params_.items():
            put(f"{_key(model.name)}.{name}", round(float(value), 4))
        if getattr(model, "correlation_", None) is not None:
            put(f"{_key(model.name)}.correlation", round(float(model.correlation_), 4))
    if checks is not None:
        put("models_usable", {name: bool(check.usable) for name, check in checks.items()})
    if errors is not None:
        for model_name, row in errors.iterrows():
            for metric in ("mae", "rmse", "aggregate_error_pct"):
                put(f"holdout.{_key(str(model_name))}.{metric}", round(float(row[metric]), 4))
    if tracking is not None:
        calibration_end = pd.Timestamp(tracking.attrs.get("calibration_end", tracking.index[0]))
        at_calibration_end = tracking.loc[tracking.index <= calibration_end]
        for label, rows in (("calibration_end", at_calibration_end), ("end", tracking)):
            if len(rows):
                put(f"tracking.{label}", {str(c): round(float(v), 4) for c, v in rows.iloc[-1].items()})
    if conditional is not None:
        put("conditional", {str(c): {str(i): round(float(v), 4) for i, v in conditional[c].items()}
                            for c in conditional.columns})
    if clv_model is not _NOT_GIVEN:
        put("clv.model", clv_model)
    if pyramid is not None:
        put("pyramid.share_of_actual_value", pyramid["share_of_future_value"].round(4).to_dict())
        put("pyramid.share_of_potential_value", pyramid["share_of_potential_value"].round(4).to_dict())
        put("pyramid.share_of_customers", pyramid["share_of_customers"].round(4).to_dict())
    if groups is not None:
        put("value_groups.customers", groups.counts["customers"].to_dict())
        put("value_groups.share_of_actual_value", groups.counts["share_of_future_value"].round(4).to_dict())
        put("value_groups.share_of_potential_value", groups.counts["share_of_potential_value"].round(4).to_dict())
    if groups_with_cost is not None:
        put("value_groups.customers_with_cost", groups_with_cost.counts["customers"].to_dict())
        if summary is not None:
            below = groups_with_cost.labels.index[groups_with_cost.labels == "below zero"]
            frequency = summary["frequency"].reindex(below)
            put("value_groups.below_zero_one_time_share",
                round(float((frequency == 0).mean()), 4) if len(below) else None)
    if segmentation is not None:
        put("needs.k", int(segmentation.k_))
    if profiles is not None:
        put("needs.segments", {str(i): str(n) for i, n in profiles["name"].items()})
        if "items_per_order" in profiles.columns:
            put("needs.items_per_order", {str(n): round(float(v), 4)
                                          for n, v in zip(profiles["name"], profiles["items_per_order"])})
    if stability is not None:
        put("needs.stability_ari_mean", round(float(stability["ari"].mean()), 4))
        put("needs.stability_ari_min", round(float(stability["ari"].min()), 4))
    if ari is not None:
        put("needs.ari", round(float(ari), 4))
    if matrix is not None:
        put("strategy.table", _nested(matrix, "strategy", digits=None))
        for column in ("development_per_customer", "tier_development_per_customer", "spend_per_purchase",
                       "purchases_per_customer", "future_value_per_customer"):
            put(f"strategy.{column}", _nested(matrix, column))
        by_segment = matrix.groupby("segment", observed=True)[["customers", "future_value"]].sum()
        put("strategy.segment_future_value_per_customer",
            (by_segment["future_value"] / by_segment["customers"]).round(4).to_dict())
    return figures


def record_clv(
    value: pd.DataFrame,
    summary: pd.DataFrame,
    *,
    model: str,
    horizon: int,
    time_unit: str,
    annual_discount_rate: float,
    currency: str = "",
) -> pd.Series:
    """Record the CLV figures and findings of a customer value table; return who is at risk.

    Records the total actual (future) value, the number of repeat customers
    who have probably stopped buying (:func:`at_risk`), the mean P(alive)
    of the ten customers of highest actual value, and two findings.

    Returns
    -------
    Series
        :func:`at_risk` per customer (True: probably stopped buying).
    """
    from idic_lab import formatting as fmt
    from idic_lab.results import record, record_finding

    _check_value_columns(value)
    risk = at_risk(value, summary)
    total_future = float(value["future_value"].sum())
    record("differentiate.clv.total_future_value", round(total_future, 2))
    record("differentiate.clv.at_risk", int(risk.sum()))
    top = value.assign(_id=value.index.astype("str")).sort_values(
        ["future_value", "_id"], ascending=[False, True], kind="stable").head(10)
    record("differentiate.clv.top10_mean_p_alive", round(float(top["p_alive"].mean()), 4))
    record("differentiate.clv.top10_min_frequency", float(summary["frequency"].reindex(top.index).min()))
    record_finding(f"By the {model} model (chosen on its holdout error), the {fmt.count(len(value))} customers are "
                   f"expected to bring {fmt.money(total_future, currency)} over the next {horizon} "
                   f"{_UNIT_NAMES[time_unit]} (discounted at {fmt.percent(annual_discount_rate)} a year).",
                   stage=STAGE, rank=3)
    record_finding(f"{fmt.count(risk.sum())} repeat customers ({fmt.percent(risk.mean())} of all customers) have probably "
                   f"stopped buying (P(alive) below 50 % by the {model} model); they spent "
                   f"{fmt.money(value.loc[risk, 'past_value'].sum(), currency)} so far.", stage=STAGE, rank=4)
    return risk
