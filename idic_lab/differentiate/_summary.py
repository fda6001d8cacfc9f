"""Transactions in, one row per customer out: loading, input checks, the RFM/BTYD summary and the calibration/holdout split."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from idic_lab.formatting import plain as _plain_value
from idic_lab.schema import SchemaError
from idic_lab.schema import read_table
from idic_lab.differentiate._kernels import fixed_width_text_codes, occasion_totals
from idic_lab.differentiate._common import (
    TIME_UNITS,
    _UNIT_NAMES,
    _as_date,
    _choice,
    _examples,
    _frame,
    _numeric,
    _unit_days,
)


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


@dataclass(frozen=True)
class _TransactionArrays:
    """Checked transactions as arrays, without a copy of the frame.

    ``codes`` (int, one per row) index ``ids`` (the distinct customer ids as
    text, each once); ``dates`` are datetime64 without a time zone (UTC);
    ``amounts`` are float64, finite and >= 0.
    """

    codes: np.ndarray
    ids: pd.Index
    dates: np.ndarray
    amounts: np.ndarray
    id_order: np.ndarray | None = None  # positions of ``ids`` in sorted order, when factorising found it cheaply
    sorted_ids: pd.Index | None = None  # ``ids[id_order]``, when factorising built it cheaply

    def sorted_id_positions(self) -> np.ndarray:
        """Positions of ``ids`` in sorted (text) order."""
        if self.id_order is not None:
            return self.id_order
        return np.asarray(self.ids.argsort(kind="stable"))

    def days(self) -> np.ndarray:
        """Calendar day number of each row (days since 1970-01-01, floored)."""
        unit, count = np.datetime_data(self.dates.dtype)
        per_day = {"ns": 86_400_000_000_000, "us": 86_400_000_000, "ms": 86_400_000, "s": 86_400}.get(unit)
        if per_day is None or count != 1:
            return self.dates.astype("datetime64[D]").view("int64")
        return self.dates.view("int64") // per_day  # floor division, as datetime64[D]


_TEXT = pd.StringDtype("pyarrow", na_value=np.nan)  # the dtype "str" of pandas 3


def _customer_codes(ids: pd.Series, n: int) -> tuple[np.ndarray, pd.Index, np.ndarray | None, pd.Index | None]:
    """Integer code per row, the distinct ids as text (ids equal as text share a code) and, when known, their
    sorted order and the ids in that order."""
    fast = _fixed_width_codes(ids)
    order = sorted_text = None
    if fast is not None:
        codes, uniques, order, sorted_uniques = fast
        text = pd.Index(pd.arrays.ArrowStringArray(pa.chunked_array([uniques]), dtype=_TEXT))
        sorted_text = pd.Index(pd.arrays.ArrowStringArray(pa.chunked_array([sorted_uniques]), dtype=_TEXT))
    else:
        codes, uniques = pd.factorize(ids, use_na_sentinel=True)
        text = pd.Index(uniques).astype("str")
    blank = np.asarray((text.str.len() == 0) | text.str.isspace(), dtype=bool)  # strip() leaves nothing
    missing = codes < 0
    if blank.any():
        missing |= np.isin(codes, np.flatnonzero(blank))
    if missing.any():
        raise SchemaError(
            f"Table 'transactions', column 'customer_id': expected an id in every row, found "
            f"{int(missing.sum())} of {n} rows without one. Drop them first, e.g. "
            "transactions.dropna(subset=['customer_id']) (idic_lab.schema.clean drops and counts them).",
            table="transactions", column="customer_id", n_bad=int(missing.sum()), n_rows=n,
        )
    distinct_text = pd.api.types.is_string_dtype(ids.dtype) and ids.dtype != object  # distinct strings already
    if not distinct_text and text.has_duplicates:  # e.g. the number 7 and the text "7" in one object column
        merged, text = pd.factorize(text)
        codes = merged[codes]
        text = pd.Index(text).astype("str")
        order = sorted_text = None
    return codes, text, order, sorted_text


def _fixed_width_codes(ids: pd.Series) -> tuple[np.ndarray, Any, np.ndarray, Any] | None:
    """Codes of Arrow-backed text ids without missing values and all of one length (None: not that case)."""
    if not (isinstance(ids.dtype, pd.StringDtype) and ids.dtype.storage == "pyarrow"):
        return None
    return fixed_width_text_codes(ids.array.__arrow_array__())


def _transaction_arrays(transactions: pd.DataFrame) -> _TransactionArrays:
    """Checked arrays of the three columns a value analysis needs (the frame is neither copied nor modified).

    Functions of this stage may be called on frames that never went through
    :func:`idic_lab.schema.clean`, so everything a result depends on is
    checked here: text dates are refused (never guessed day- or
    month-first), float ids are refused (they may have lost digits), and
    missing or infinite amounts are refused with a count. Ids are factorised
    once (the distinct ids are checked as text, not every row).
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
    n = len(transactions)
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
    codes, text, order, sorted_text = _customer_codes(ids, n)
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
        dates = dates.dt.tz_convert("UTC").dt.tz_localize(None)
    date_values = dates.to_numpy()
    absent = np.isnat(date_values)
    if absent.any():
        bad = int(absent.sum())
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
    amount = amounts.to_numpy(dtype="float64", na_value=np.nan)
    finite = np.isfinite(amount)
    if not finite.all():
        bad = int((~finite).sum())
        raise SchemaError(
            f"Table 'transactions', column 'amount': expected finite numbers, found {bad} of {n} rows "
            f"missing or infinite ({int(np.isnan(amount).sum())} missing, {int(np.isinf(amount).sum())} infinite). "
            "Drop or fix those rows first, e.g. transactions[np.isfinite(transactions['amount'])].",
            table="transactions", column="amount", n_bad=bad, n_rows=n,
        )
    negative = amount < 0
    if negative.any():
        returns = np.bincount(codes, weights=negative, minlength=len(text))
        only_returns = sorted(text[(returns > 0) & (returns == np.bincount(codes, minlength=len(text)))])
        detail = (
            f"; {len(only_returns)} customer(s) have only return lines and no purchase at all "
            f"(e.g. {', '.join(map(str, only_returns[:3]))})"
            if len(only_returns) else ""
        )
        raise SchemaError(
            f"Table 'transactions', column 'amount': expected amounts >= 0 (purchases), found "
            f"{int(negative.sum())} of {n} rows with a negative amount (returns){detail}. "
            "Drop returns with idic_lab.schema.clean('transactions', df) (it counts them) before the value "
            "analysis.",
            table="transactions", column="amount", n_bad=int(negative.sum()), n_rows=n,
        )
    return _TransactionArrays(codes, text, date_values, amount, order, sorted_text)


def _check_transactions(transactions: pd.DataFrame) -> pd.DataFrame:
    """Checked copy of the three columns a value analysis needs (see :func:`_transaction_arrays`)."""
    arrays = _transaction_arrays(transactions)
    return pd.DataFrame(
        {
            "customer_id": pd.Series(arrays.ids.to_numpy()[arrays.codes], dtype="str"),
            "date": arrays.dates,
            "amount": arrays.amounts,
        }
    )


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
    arrays = _transaction_arrays(transactions)
    days = arrays.days()
    end_day = int(np.datetime64(end.date(), "D").view("int64"))
    n = len(days)
    if days.min() > end_day:
        first, last = pd.Timestamp(arrays.dates.min()), pd.Timestamp(arrays.dates.max())
        raise SchemaError(
            f"Table 'transactions': expected observation_end on or after the first purchase, found "
            f"observation_end {end.date()} before the first purchase {first.date()} "
            f"(all {n} rows are later). Choose an observation_end between {first.date()} and {last.date()}.",
            table="transactions", column="date", n_bad=n, n_rows=n,
        )
    later = days > end_day
    n_later = int(later.sum())
    if n_later and after_end == "error":
        raise SchemaError(
            f"Table 'transactions', column 'date': expected dates up to observation_end {end.date()}, found "
            f"{n_later} of {n} rows later (last {pd.Timestamp(arrays.dates.max()).date()}). Use "
            "calibration_holdout_split for a holdout period, after_end='drop', or clean(..., observation_end=...).",
            table="transactions", column="date", n_bad=n_later, n_rows=n,
        )
    codes, amounts = arrays.codes, arrays.amounts
    if n_later:
        keep = ~later
        codes, days, amounts = codes[keep], days[keep], amounts[keep]
    summary = _summary_from_days(codes, arrays.ids, days, amounts, end, end_day, time_unit, definition,
                                 arrays.sorted_id_positions(), arrays.sorted_ids)
    summary.attrs["rows_after_observation_end"] = n_later
    return summary


def _summary_from_days(
    codes: np.ndarray, ids: pd.Index, days: np.ndarray, amounts: np.ndarray, end: pd.Timestamp, end_day: int,
    time_unit: str, definition: str, order: np.ndarray, sorted_ids: pd.Index | None = None,
) -> pd.DataFrame:
    """The summary of :func:`rfm_summary` from integer customer codes and day numbers (one sort, no groupby).

    ``order`` holds the positions of ``ids`` in sorted order (the summary's row order), ``sorted_ids``
    (optional) ``ids[order]``.
    """
    unit = _unit_days(time_unit)
    totals = occasion_totals(codes, len(ids), days, amounts)
    active = totals["count"][order] > 0  # False: customers whose rows all fell after the end
    if active.all():
        index = ids[order] if sorted_ids is None else sorted_ids
    else:
        order = order[active]
        index = ids[order] if sorted_ids is None else sorted_ids[active]
    count = totals["count"][order]
    first = totals["first"][order].astype("float64")
    T = (end_day - first) / unit
    if definition == "btyd":
        repeats = count - 1
        with np.errstate(invalid="ignore", divide="ignore"):
            monetary = np.where(repeats > 0, totals["repeat"][order] / repeats, 0.0)
        columns = {
            "frequency": repeats.astype("float64"),
            "recency": (totals["last"][order] - first) / unit,
            "T": T,
            "monetary_value": monetary,
        }
    else:
        total = totals["total"][order]
        columns = {
            "recency": (end_day - totals["last"][order].astype("float64")) / unit,
            "frequency": count.astype("int64"),
            "monetary_value": total / count,
            "total_value": total,
            "T": T,
        }
    out = pd.DataFrame(columns, index=pd.Index(index, name="customer_id").astype("str"))
    # The ids are distinct by construction (factorised, merged when equal as text): tell the index, so that
    # the models' duplicate check does not hash a million ids again (pandas caches is_unique in _cache).
    cache = getattr(out.index, "_cache", None)
    if isinstance(cache, dict):
        cache.setdefault("is_unique", True)
    out.attrs["time_unit"] = time_unit
    out.attrs["definition"] = definition
    out.attrs["observation_end"] = str(end.date())
    return out


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


