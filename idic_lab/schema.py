"""Data contracts: the canonical tables used by every IDIC stage.

This is the data-contract layer of :mod:`idic_lab`. Every stage (Identify,
Differentiate, Interact, Customize) works on tidy pandas DataFrames with the
canonical columns below; a client's export is mapped onto them with
``columns={canonical: client_column}``, never by editing the client's file.

=============  ================================  ==========================================
table          required                          optional
=============  ================================  ==========================================
transactions   customer_id, date, amount         order_id, product_id, quantity,
                                                 unit_price, channel
customers      customer_id                       name, email, phone, address, birth_date,
                                                 source, signup_date
interactions   customer_id, timestamp, channel   type, outcome, cost
campaign       customer_id, treatment, outcome   spend (+ pre-treatment features, kept)
survey         respondent_id, overall            nps, customer_id (+ driver ratings, kept)
baskets        order_id, product_id              customer_id, date, quantity
assessment     item_id, score                    respondent, comment
=============  ================================  ==========================================

Three entry points:

* :func:`validate` checks a table and returns a new, typed copy (ids as
  strings, dates as ``datetime64``, numbers as numbers). It never drops
  rows: anything wrong raises :class:`SchemaError` with a message that names
  the table, the column, what was expected, what was found, how many rows are
  affected, examples and what to do.
* :func:`clean` drops the rows that CRM analyses conventionally leave out
  (missing ids, exact duplicates, cancellations, returns, zero amounts,
  unreadable dates, rows after the observation end), counts every reason in
  a :class:`CleaningReport`, and then validates the rest.
* :func:`read_file` reads a client's CSV/TSV/Parquet export without losing
  leading zeros in ids.

Conventions worth knowing:

* Row numbers in messages are the frame's index labels (for a default index,
  the row positions), so ``df.loc[...]`` finds them.
* Ids are strings: ``17850.0`` becomes ``"17850"``, ``"00017"`` stays
  ``"00017"``, surrounding whitespace is removed.
* Dates are read with explicit formats only (see :func:`validate`); time-zone
  aware dates are converted to UTC and then made naive, so all tables compare
  on one clock.
* Missing means ``NaN``/``None``/``NaT`` or a blank string.
"""

from __future__ import annotations

import difflib
import html
import re
from itertools import islice
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date as _date
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

__all__ = [
    "COLUMN_KINDS",
    "TABLES",
    "CleaningReport",
    "ColumnSpec",
    "SchemaError",
    "TableSpec",
    "as_date",
    "clean",
    "column_mapping",
    "describe",
    "list_tables",
    "read_file",
    "read_table",
    "validate",
]

# --------------------------------------------------------------------------
# The error
# --------------------------------------------------------------------------


class SchemaError(ValueError):
    """A table does not meet its data contract.

    The message is written for a student: it names the table, the column,
    what was expected, what was found, how many rows are affected (of how
    many), up to five examples and what to do. The same facts are available
    as attributes for code that wants to react to them.

    Attributes
    ----------
    table : str or None
        The table kind, e.g. ``"transactions"``.
    column : str or None
        The canonical column concerned, if any.
    n_bad : int or None
        How many rows break the rule.
    n_rows : int or None
        How many rows the table has.
    examples : list
        Up to five ``(row label, value)`` pairs.
    """

    def __init__(
        self,
        message: str,
        *,
        table: str | None = None,
        column: str | None = None,
        n_bad: int | None = None,
        n_rows: int | None = None,
        examples: list[tuple[Any, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.table = table
        self.column = column
        self.n_bad = n_bad
        self.n_rows = n_rows
        self.examples = examples or []

    def in_file(self, path: str | Path) -> SchemaError:
        """The same error with the file it came from in front of the message."""
        return SchemaError(
            f"File {Path(path).name}: {self}", table=self.table, column=self.column,
            n_bad=self.n_bad, n_rows=self.n_rows, examples=self.examples,
        )


# --------------------------------------------------------------------------
# The contracts as data
# --------------------------------------------------------------------------

COLUMN_KINDS: tuple[str, ...] = ("id", "date", "number", "integer", "binary", "text", "category")
"""The kinds of column a contract knows."""


@dataclass(frozen=True)
class ColumnSpec:
    """One canonical column: its name, kind, meaning and allowed range.

    Parameters
    ----------
    name : str
        Canonical column name.
    kind : str
        One of :data:`COLUMN_KINDS`.
    meaning : str
        One line for students, shown by :func:`describe`.
    low, high : float, optional
        Allowed range of a numeric column (``None`` = unbounded).
    low_inclusive : bool
        Whether ``low`` itself is allowed (``False`` for "> 0").
    advice : str
        What to do when values fall outside the range.
    """

    name: str
    kind: str
    meaning: str
    low: float | None = None
    high: float | None = None
    low_inclusive: bool = True
    advice: str = ""

    @property
    def rule(self) -> str:
        """The allowed range in words, e.g. ``"> 0"`` or ``"0 to 10"``."""
        if self.low is not None and self.high is not None:
            return f"{_number_text(self.low)} to {_number_text(self.high)}"
        if self.low is not None:
            return f"{'>=' if self.low_inclusive else '>'} {_number_text(self.low)}"
        if self.high is not None:
            return f"<= {_number_text(self.high)}"
        return ""

    @property
    def type_text(self) -> str:
        """Kind and range for display, e.g. ``"integer 0 to 10"``."""
        names = {"id": "id (text)", "binary": "0/1", "category": "category (text)"}
        return f"{names.get(self.kind, self.kind)} {self.rule}".strip()

    def out_of_range(self, numbers: pd.Series) -> pd.Series:
        """Boolean mask of non-missing values outside the allowed range."""
        bad = pd.Series(False, index=numbers.index)
        if self.low is not None:
            bad |= numbers.lt(self.low) if self.low_inclusive else numbers.le(self.low)
        if self.high is not None:
            bad |= numbers.gt(self.high)
        return bad & numbers.notna()


@dataclass(frozen=True)
class TableSpec:
    """The contract of one canonical table.

    Attributes
    ----------
    name : str
        Table kind, e.g. ``"transactions"``.
    required, optional : tuple of str
        Canonical column names.
    id_column : str
        The column that identifies what a row is about.
    unique_key : tuple of str
        Columns whose combination must be unique (empty: no rule). Columns
        of the key that are optional and absent are left out of the check.
    column_specs : tuple of ColumnSpec
        Kind, meaning and range of every canonical column.
    summary : str
        What one row of the table is.
    """

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    id_column: str
    unique_key: tuple[str, ...] = ()
    column_specs: tuple[ColumnSpec, ...] = ()
    summary: str = ""

    @property
    def columns(self) -> tuple[str, ...]:
        """All canonical columns, required first."""
        return self.required + self.optional

    def column(self, name: str) -> ColumnSpec:
        """The :class:`ColumnSpec` of a canonical column."""
        return next(spec for spec in self.column_specs if spec.name == name)

    def kind(self, name: str) -> str:
        """The kind of a canonical column, e.g. ``"date"``."""
        return self.column(name).kind

    @property
    def time_column(self) -> str | None:
        """The column that says when a row happened (``date``/``timestamp``)."""
        return next((c for c in ("date", "timestamp") if c in self.columns), None)


def _col(name: str, kind: str, meaning: str, **range_: Any) -> ColumnSpec:
    return ColumnSpec(name, kind, meaning, **range_)


_CLEAN_ADVICE = "use clean(...) to drop them with a count per reason"
_CUSTOMER = _col("customer_id", "id", "customer identifier")


def _table(
    name: str,
    summary: str,
    required: list[ColumnSpec],
    optional: list[ColumnSpec],
    id_column: str,
    unique_key: tuple[str, ...] = (),
) -> TableSpec:
    return TableSpec(
        name=name,
        required=tuple(c.name for c in required),
        optional=tuple(c.name for c in optional),
        id_column=id_column,
        unique_key=unique_key,
        column_specs=tuple(required + optional),
        summary=summary,
    )


TABLES: Mapping[str, TableSpec] = MappingProxyType(
    {
        "transactions": _table(
            "transactions",
            "one purchase (an order or an order line)",
            [
                _col("customer_id", "id", "who bought"),
                _col("date", "date", "when the purchase happened"),
                _col(
                    "amount", "number", "money value of the purchase", low=0, low_inclusive=False,
                    advice="Negative amounts are returns and zero amounts are free or cancelled "
                    f"lines; {_CLEAN_ADVICE}.",
                ),
            ],
            [
                _col("order_id", "id", "order or invoice number (Online Retail: 'C…' = cancellation)"),
                _col("product_id", "id", "product or SKU bought"),
                _col(
                    "quantity", "number", "units bought", low=0, low_inclusive=False,
                    advice=f"Zero or negative quantities are usually returns; {_CLEAN_ADVICE}, "
                    "or fix them in the export.",
                ),
                _col("unit_price", "number", "price of one unit", low=0),
                _col("channel", "category", "sales channel (web, store, phone …)"),
            ],
            id_column="customer_id",
        ),
        "customers": _table(
            "customers",
            "one customer (the customer master / CRM record)",
            [_col("customer_id", "id", "customer identifier, one row per customer")],
            [
                _col("name", "text", "full name"),
                _col("email", "text", "e-mail address"),
                _col("phone", "text", "phone number"),
                _col("address", "text", "postal address"),
                _col("birth_date", "date", "date of birth"),
                _col("source", "category", "how the customer was acquired (campaign, referral …)"),
                _col("signup_date", "date", "when the customer registered or first bought"),
            ],
            id_column="customer_id",
            unique_key=("customer_id",),
        ),
        "interactions": _table(
            "interactions",
            "one contact between the company and a customer",
            [
                _CUSTOMER,
                _col("timestamp", "date", "when the contact happened"),
                _col("channel", "category", "contact channel (email, call centre, web …)"),
            ],
            [
                _col("type", "category", "kind of contact (complaint, offer, service …)"),
                _col("outcome", "category", "result of the contact (resolved, bought …)"),
                _col("cost", "number", "cost of the contact", low=0),
            ],
            id_column="customer_id",
        ),
        "campaign": _table(
            "campaign",
            "one customer in a campaign test (other columns = pre-treatment features, kept)",
            [
                _CUSTOMER,
                _col("treatment", "binary", "1 = received the campaign, 0 = control group"),
                _col("outcome", "number", "response after the campaign: 0/1 (e.g. bought) or a value"),
            ],
            [_col("spend", "number", "money spent in the outcome window", low=0)],
            id_column="customer_id",
        ),
        "survey": _table(
            "survey",
            "one survey respondent (other numeric columns = driver ratings, kept)",
            [
                _col("respondent_id", "id", "respondent identifier, one row per respondent"),
                _col("overall", "number", "overall satisfaction rating (any scale)"),
            ],
            [
                _col(
                    "nps", "integer", "likelihood to recommend (Net Promoter question)", low=0, high=10,
                    advice="The NPS question is answered on a 0-10 scale; rescale or fix those answers.",
                ),
                _col("customer_id", "id", "link to the customers table"),
            ],
            id_column="respondent_id",
            unique_key=("respondent_id",),
        ),
        "baskets": _table(
            "baskets",
            "one product in one basket (market-basket data)",
            [
                _col("order_id", "id", "basket or order identifier"),
                _col("product_id", "id", "product in the basket"),
            ],
            [
                _CUSTOMER,
                _col("date", "date", "when the basket was bought"),
                _col("quantity", "number", "units of the product", low=0, low_inclusive=False,
                     advice=f"Zero or negative quantities are usually returns; {_CLEAN_ADVICE}."),
            ],
            id_column="order_id",
        ),
        "products": _table(
            "products",
            "one product of the client's catalogue (for needs features and offers)",
            [
                _col("product_id", "id", "product or SKU, one row per product"),
                _col("category", "category", "department, product group or category"),
            ],
            [_col("list_price", "number", "list price of one unit", low=0)],
            id_column="product_id",
            unique_key=("product_id",),
        ),
        "assessment": _table(
            "assessment",
            "one answer to a CRM maturity question",
            [
                _col("item_id", "id", "question (item) of the maturity questionnaire"),
                _col("score", "number", "maturity rating", low=1, high=5,
                     advice="Scores use a 1-5 scale (1 = ad hoc, 5 = optimised); fix those answers."),
            ],
            [
                _col("respondent", "text", "who answered"),
                _col("comment", "text", "free-text remark"),
            ],
            id_column="item_id",
            unique_key=("item_id", "respondent"),
        ),
    }
)


def list_tables() -> list[str]:
    """Names of the canonical tables, e.g. ``["transactions", "customers", ...]``."""
    return list(TABLES)


def describe(kind: str) -> pd.DataFrame:
    """The contract of one table as a small DataFrame for notebooks.

    Parameters
    ----------
    kind : str
        A table name from :func:`list_tables`.

    Returns
    -------
    DataFrame
        Columns ``column``, ``required`` (bool), ``type`` and ``meaning``.
    """
    spec = _spec(kind)
    return pd.DataFrame(
        {
            "column": [c.name for c in spec.column_specs],
            "required": [c.name in spec.required for c in spec.column_specs],
            "type": [c.type_text for c in spec.column_specs],
            "meaning": [c.meaning for c in spec.column_specs],
        }
    )


def _spec(kind: str) -> TableSpec:
    if isinstance(kind, str) and kind in TABLES:
        return TABLES[kind]
    close = difflib.get_close_matches(str(kind), list(TABLES), n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    raise SchemaError(
        f"Unknown table kind {kind!r}: expected one of {', '.join(TABLES)}.{hint}",
        table=str(kind),
    )


# --------------------------------------------------------------------------
# Message helpers
# --------------------------------------------------------------------------


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _show(value: Any) -> str:
    """A value as a student would type it (no ``np.float64(...)`` noise)."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return "missing"
    if isinstance(value, pd.Timestamp):
        return str(value)
    return repr(value)


def _row(label: Any) -> str:
    return str(label.item() if isinstance(label, np.generic) else label)


def _examples(bad: pd.Series, limit: int = 5) -> str:
    shown = "; ".join(f"row {_row(i)}: {_show(v)}" for i, v in bad.head(limit).items())
    return f"Examples: {shown}."


def _suggest(name: str, candidates: list[Any]) -> list[str]:
    """Close matches of ``name`` among column names, ignoring case and '_'."""
    def norm(text: Any) -> str:
        return re.sub(r"[\s_\-]", "", str(text).lower())

    by_norm = {norm(c): str(c) for c in candidates}
    return [by_norm[m] for m in difflib.get_close_matches(norm(name), list(by_norm), n=3, cutoff=0.6)]


@dataclass(frozen=True)
class _Where:
    """Which table/column a check is about, to phrase errors consistently."""

    table: str
    column: str
    client: str | None
    n_rows: int

    def error(self, expected: str, found: str, bad: pd.Series, advice: str = "") -> SchemaError:
        your = f" (your column {self.client!r})" if self.client else ""
        message = (
            f"Table '{self.table}', column '{self.column}'{your}: expected {expected}, "
            f"but {len(bad)} of {self.n_rows} rows {found}. {_examples(bad)}"
        )
        if advice:
            message += f" {advice}"
        return SchemaError(
            message,
            table=self.table,
            column=self.column,
            n_bad=len(bad),
            n_rows=self.n_rows,
            examples=list(bad.head(5).items()),
        )


# --------------------------------------------------------------------------
# Column mapping and table-level checks
# --------------------------------------------------------------------------


def _map_columns(
    spec: TableSpec, df: pd.DataFrame, columns: Mapping[str, Any] | None
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Rename client columns to canonical names; return the frame and {canonical: client}."""
    if not isinstance(df, pd.DataFrame):
        raise SchemaError(
            f"Table '{spec.name}': expected a pandas DataFrame, found {type(df).__name__}. "
            "Read the file first, e.g. df = read_file('export.csv').",
            table=spec.name,
        )
    repeated = df.columns[df.columns.duplicated()].unique().tolist()
    if repeated:
        raise SchemaError(
            f"Table '{spec.name}': expected unique column names, found {repeated} more than "
            "once. Rename or drop the repeated columns first.",
            table=spec.name,
        )
    if columns is not None and not isinstance(columns, Mapping):
        raise SchemaError(
            f"Table '{spec.name}': columns= expected a dict {{canonical: your column}}, found "
            f"{type(columns).__name__}, e.g. columns={{'customer_id': 'CustomerID'}}.",
            table=spec.name,
        )
    mapping = dict(columns or {})
    for canonical, client in mapping.items():
        _check_mapping_pair(spec, df, canonical, client)
    targets = pd.Series(list(mapping.values()), dtype=object)
    if targets.duplicated().any():
        twice = targets[targets.duplicated()].iloc[0]
        keys = [k for k, v in mapping.items() if v == twice]
        raise SchemaError(
            f"Table '{spec.name}': your column {twice!r} is mapped to several canonical columns "
            f"{keys}; expected each client column to be used once. Copy it first if you really "
            "need it twice.",
            table=spec.name,
        )
    renamed = df.rename(columns={client: canonical for canonical, client in mapping.items()})
    doubled = renamed.columns[renamed.columns.duplicated()].unique().tolist()
    if doubled:
        raise SchemaError(
            f"Table '{spec.name}', column {doubled[0]!r}: expected it once, but after mapping "
            f"columns={mapping} the frame has it twice (your frame already has a column named "
            f"{doubled[0]!r}). Drop or rename that column, e.g. df.drop(columns=[{doubled[0]!r}]).",
            table=spec.name,
            column=str(doubled[0]),
        )
    return renamed, {k: str(v) for k, v in mapping.items() if k != v}


def _derive_line_amount(spec: TableSpec, frame: pd.DataFrame, origin: dict[str, str]) -> tuple[pd.DataFrame, bool]:
    """Order-line exports (e.g. Online Retail) have quantity and unit price but no amount.

    Then ``amount = quantity × unit_price``; errors on it name both client columns.
    """
    if spec.name != "transactions" or "amount" in frame.columns:
        return frame, False
    if not {"quantity", "unit_price"} <= set(frame.columns):
        return frame, False
    quantity, unit_price = _read_numbers(frame["quantity"])[0], _read_numbers(frame["unit_price"])[0]
    origin["amount"] = f"{origin.get('quantity', 'quantity')} × {origin.get('unit_price', 'unit_price')}"
    return frame.assign(amount=quantity.to_numpy(dtype="float64") * unit_price.to_numpy(dtype="float64")), True


def _check_mapping_pair(spec: TableSpec, df: pd.DataFrame, canonical: str, client: Any) -> None:
    if canonical not in spec.columns:
        swapped = (
            f" The mapping goes {{canonical: your column}}; did you mean {{{client!r}: {canonical!r}}}?"
            if client in spec.columns
            else ""
        )
        raise SchemaError(
            f"Table '{spec.name}', column {canonical!r}: columns= maps canonical names to your "
            f"column names, but {canonical!r} is not a column of '{spec.name}'. Valid canonical "
            f"columns: {', '.join(spec.columns)}.{swapped}",
            table=spec.name,
            column=str(canonical),
        )
    if client not in df.columns:
        close = _suggest(str(client), list(df.columns))
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise SchemaError(
            f"Table '{spec.name}', column {canonical!r}: columns= maps it to {client!r}, but the "
            f"frame has no column {client!r}. Available columns: {[str(c) for c in df.columns]}.{hint}",
            table=spec.name,
            column=canonical,
        )


def _check_not_empty(spec: TableSpec, frame: pd.DataFrame) -> None:
    if len(frame) == 0:
        raise SchemaError(
            f"Table '{spec.name}' is empty: expected at least one row, found 0 rows "
            f"(columns: {[str(c) for c in frame.columns]}). Check the file and any filters "
            "applied before this step.",
            table=spec.name,
            n_bad=0,
            n_rows=0,
        )


def _check_required_present(spec: TableSpec, frame: pd.DataFrame) -> None:
    missing = [c for c in spec.required if c not in frame.columns]
    if not missing:
        return
    found = [str(c) for c in frame.columns]
    pairs = {m: (_suggest(m, found) or ["<your column>"])[0] for m in missing}
    raise SchemaError(
        f"Table '{spec.name}', column '{missing[0]}': expected the required column(s) "
        f"{missing}, but they are missing. Columns found: {found}. If your data names them "
        f"differently, map them with columns={pairs}.",
        table=spec.name,
        column=missing[0],
        n_rows=len(frame),
    )


def _check_unique(spec: TableSpec, frame: pd.DataFrame) -> None:
    key = [c for c in spec.unique_key if c in frame.columns]
    if not key:
        return
    doubled = frame.duplicated(subset=key, keep=False)
    if not doubled.any():
        return
    groups = frame.loc[doubled, key].groupby(key, sort=False, dropna=False)
    shown = [
        f"{' / '.join(map(_show, value))} (rows {', '.join(map(_row, group.index))})"
        for value, group in islice(groups, 5)
    ]
    n_keys = groups.ngroups
    name = " + ".join(key)
    identity = (
        " Several records for one id are an identity question (Identify stage): merge them "
        "into one single customer view, or keep one with df.drop_duplicates('customer_id'). "
        "clean() does not drop them because choosing the surviving record is a decision."
        if spec.name == "customers"
        else " Keep one row per key (e.g. df.drop_duplicates(...)) after checking why they repeat."
    )
    raise SchemaError(
        f"Table '{spec.name}', column '{name}': expected each {name} once, but {n_keys} "
        f"value(s) appear more than once ({int(doubled.sum())} of {len(frame)} rows). "
        f"Examples: {'; '.join(shown)}.{identity}",
        table=spec.name,
        column=name,
        n_bad=int(doubled.sum()),
        n_rows=len(frame),
        examples=list(frame.loc[doubled, key[0]].head(5).items()),
    )


# --------------------------------------------------------------------------
# Reading values of each kind
# --------------------------------------------------------------------------


def _as_text(values: pd.Series) -> pd.Series:
    """Values as stripped strings (``str`` dtype); blanks become missing."""
    text = values.astype("str").str.strip()
    return text.mask(text == "")


def _present(values: pd.Series) -> pd.Series:
    """Mask of values that are neither missing nor blank."""
    if pd.api.types.is_datetime64_any_dtype(values) or pd.api.types.is_numeric_dtype(values):
        return values.notna()
    return _as_text(values).notna()


def _is_numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def _read_ids(values: pd.Series) -> tuple[pd.Series, int, int]:
    """Ids as stripped strings; float-like ids lose their '.0'.

    Returns the ids and how many were whitespace-stripped / made whole.
    """
    raw = values.astype("str")
    stripped = raw.str.strip()
    # "17850.0" is what a float id (a column with gaps read as numbers) looks
    # like; the trailing ".0" is an artefact, while leading zeros are real.
    whole = stripped.str.replace(r"^(-?\d+)\.0+$", r"\1", regex=True)
    n_stripped = int(((raw != stripped) & raw.notna()).sum())
    n_whole = int(((whole != stripped) & stripped.notna()).sum())
    return whole.mask(whole == ""), n_stripped, n_whole


def _plain_numbers(numbers: pd.Series) -> pd.Series:
    """Numbers as numpy int64 (no gaps) or float64, never nullable dtypes."""
    if pd.api.types.is_bool_dtype(numbers):
        numbers = numbers.astype("float64") if numbers.isna().any() else numbers.astype("int64")
    if pd.api.types.is_integer_dtype(numbers) and not numbers.isna().any():
        return numbers.astype("int64")
    return pd.Series(numbers.to_numpy(dtype="float64", na_value=np.nan), index=numbers.index)


def _read_numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers and a mask of non-missing values that are not numbers."""
    if _is_numeric(values) or pd.api.types.is_bool_dtype(values):
        return _plain_numbers(values), pd.Series(False, index=values.index)
    text = _as_text(values)
    numbers = pd.to_numeric(text, errors="coerce")
    return _plain_numbers(numbers), text.notna() & numbers.isna()


_BINARY_WORDS = {"0": 0, "1": 1, "0.0": 0, "1.0": 1, "false": 0, "true": 1}


def _read_binary(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """0/1 values (from 0/1, '0'/'1', True/False) and a mask of other values."""
    text = _as_text(values).str.lower()
    numbers = text.map(_BINARY_WORDS)
    return _plain_numbers(numbers), text.notna() & numbers.isna()


# Explicit formats only: pandas warns when it has to guess a format, and a
# guess can silently swap day and month.
_ISO = "ISO8601"
_COMPACT = "%Y%m%d"
_DAY_FIRST = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y")
_MONTH_FIRST = ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y")


def _date_formats(dayfirst: bool) -> tuple[str, ...]:
    return (_ISO, _COMPACT, *(_DAY_FIRST if dayfirst else _MONTH_FIRST))


class _DateReading(NamedTuple):
    dates: pd.Series  # datetime64, naive; NaT where missing or unreadable
    format: str | None  # the format used (None: already datetimes)
    unread: pd.Series  # mask of present values that could not be read
    n_tz: int  # values converted from a time zone to naive UTC


def _read_dates(values: pd.Series, date_format: str | None, dayfirst: bool) -> _DateReading:
    """Read dates with the candidate format that reads the most values.

    Ties go to the earlier format, so when a format reads every value it is
    the first such format in the list (the rule :func:`validate` documents).
    """
    no_bad = pd.Series(False, index=values.index)
    if pd.api.types.is_datetime64_any_dtype(values):
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            naive = values.dt.tz_convert("UTC").dt.tz_localize(None)
            return _DateReading(naive, None, no_bad, int(values.notna().sum()))
        return _DateReading(values, None, no_bad, 0)
    numeric = _is_numeric(values)
    text = _as_text(values)
    if numeric:  # 19970101 or 19970101.0 -> "19970101"
        text = text.str.replace(r"\.0+$", "", regex=True)
    present = text.notna()
    if date_format:
        formats: tuple[str, ...] = (date_format,)
    else:
        formats = (_COMPACT,) if numeric else _date_formats(dayfirst)
    best = _DateReading(pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]"), None, present, 0)
    n_best, n_present = 0, int(present.sum())
    for fmt in formats:
        parsed = pd.to_datetime(text, format=fmt, errors="coerce", utc=True).dt.tz_localize(None)
        n_read = int(parsed.notna().sum())
        if n_read > n_best:
            best, n_best = _DateReading(parsed, fmt, present & parsed.isna(), 0), n_read
        if n_read == n_present:
            break
    return best


def _date_advice(values: pd.Series, reading: _DateReading, date_format: str | None, dayfirst: bool) -> str:
    if date_format:
        return (
            f"Check that date_format={date_format!r} matches your file (codes: "
            f"https://strftime.org), fix those values, or {_CLEAN_ADVICE}."
        )
    if _is_numeric(values):
        return (
            "Numbers are read as yyyymmdd dates (19970101). Numbers like 44197 are Excel serial "
            "dates: convert them with pd.to_datetime(x, unit='D', origin='1899-12-30')."
        )
    n_read = int(reading.dates.notna().sum())
    closest = (
        f"The closest known format, {reading.format!r}, reads {n_read} of "
        f"{int(_present(values).sum())} values. "
        if reading.format
        else ""
    )
    day_first = None if dayfirst else _read_dates(values, None, True)
    if day_first is not None and day_first.unread.sum() < reading.unread.sum():
        return (
            f"{closest}Your dates look day-first (31/12/2024): pass dayfirst=True "
            f"(or date_format={day_first.format!r})."
        )
    return (
        f"{closest}Pass date_format= matching your file, e.g. date_format='%d/%m/%Y' "
        f"(codes: https://strftime.org), or {_CLEAN_ADVICE}."
    )


def _date_error(where: _Where, values: pd.Series, reading: _DateReading, opts: _Options) -> SchemaError:
    if opts.date_format:
        expected = f"dates in date_format={opts.date_format!r}"
    else:
        shown = ", ".join(f"'{f}'" for f in _date_formats(opts.dayfirst))
        expected = f"dates in one of the known formats ({shown}; dayfirst={opts.dayfirst})"
    advice = _date_advice(values, reading, opts.date_format, opts.dayfirst)
    return where.error(expected, "could not be read as dates", values[reading.unread], advice)


# --------------------------------------------------------------------------
# Conforming columns (shared by validate and clean)
# --------------------------------------------------------------------------


@dataclass
class _Options:
    date_format: str | None
    dayfirst: bool
    changes: dict[str, int] = field(default_factory=dict)


def _conform_id(values: pd.Series, where: _Where, col: ColumnSpec, opts: _Options) -> pd.Series:
    ids, n_stripped, n_whole = _read_ids(values)
    if n_stripped:
        opts.changes[f"{col.name} whitespace stripped"] = n_stripped
    if n_whole:
        opts.changes[f"{col.name} float-like ids made whole (17850.0 -> '17850')"] = n_whole
    return ids


def _conform_date(values: pd.Series, where: _Where, col: ColumnSpec, opts: _Options) -> pd.Series:
    reading = _read_dates(values, opts.date_format, opts.dayfirst)
    if reading.unread.any():
        raise _date_error(where, values, reading, opts)
    if reading.n_tz:
        opts.changes[f"{col.name} converted from its time zone to UTC (naive)"] = reading.n_tz
    return reading.dates


def _conform_number(values: pd.Series, where: _Where, col: ColumnSpec, opts: _Options) -> pd.Series:
    numbers, not_numbers = _read_numbers(values)
    if not_numbers.any():
        bad = values[not_numbers]
        commas = bad.astype("str").str.contains(r"^\s*-?\d+,\d+\s*$", regex=True).any()
        advice = (
            "Decimal commas (12,50) must be converted first: read the file with "
            "pd.read_csv(..., decimal=',') or use df[col].str.replace(',', '.')."
            if commas
            else "Fix or remove those values (wrong type: text in a number column)."
        )
        raise where.error("a number", "contain text that is not a number (wrong type)", bad, advice)
    if col.kind == "integer":
        fractional = numbers.notna() & (numbers % 1 != 0)
        if fractional.any():
            raise where.error(f"a whole number {col.rule}", "are not whole numbers", values[fractional])
        if not numbers.isna().any():
            numbers = numbers.astype("int64")
    return numbers


def _conform_binary(values: pd.Series, where: _Where, col: ColumnSpec, opts: _Options) -> pd.Series:
    numbers, other = _read_binary(values)
    if other.any():
        raise where.error(
            "0/1 (or True/False)",
            "are not binary",
            values[other],
            "Code the campaign group as 1 = treated, 0 = control, e.g. "
            "(df['group'] == 'offer').astype(int).",
        )
    return numbers


def _conform_text(values: pd.Series, where: _Where, col: ColumnSpec, opts: _Options) -> pd.Series:
    return _as_text(values)


_CONFORMERS: dict[str, Callable[[pd.Series, _Where, ColumnSpec, _Options], pd.Series]] = {
    "id": _conform_id,
    "date": _conform_date,
    "number": _conform_number,
    "integer": _conform_number,
    "binary": _conform_binary,
    "text": _conform_text,
    "category": _conform_text,
}


def _missing_advice(col: ColumnSpec) -> str:
    if col.kind in ("id", "date"):
        return f"They cannot be analysed; {_CLEAN_ADVICE}."
    return f"Fill them or drop those rows, e.g. df.dropna(subset=[{col.name!r}])."


def _conform_column(
    spec: TableSpec, frame: pd.DataFrame, name: str, origin: dict[str, str], opts: _Options
) -> pd.Series:
    col = spec.column(name)
    values = frame[name]
    where = _Where(spec.name, name, origin.get(name), len(frame))
    result = _CONFORMERS[col.kind](values, where, col, opts)
    if name in spec.required and result.isna().any():
        missing = result.isna()
        raise where.error("a value in every row", "are missing", values[missing], _missing_advice(col))
    outside = col.out_of_range(result) if col.kind in ("number", "integer") else None
    if outside is not None and outside.any():
        found = f"are outside {col.rule}" if " to " in col.rule else f"are not {col.rule}"
        raise where.error(f"a number {col.rule}", found, result[outside], col.advice)
    return result


def _conform(
    spec: TableSpec, frame: pd.DataFrame, origin: dict[str, str], opts: _Options
) -> pd.DataFrame:
    """Type every canonical column, check the unique key, order the columns."""
    _check_not_empty(spec, frame)
    _check_required_present(spec, frame)
    present = [c for c in spec.columns if c in frame.columns]
    typed = {name: _conform_column(spec, frame, name, origin, opts) for name in present}
    extras = frame[[c for c in frame.columns if c not in spec.columns]]
    out = pd.concat([pd.DataFrame(typed, index=frame.index), extras], axis=1)
    _check_unique(spec, out)
    return out


def validate(
    kind: str,
    df: pd.DataFrame,
    *,
    columns: Mapping[str, str] | None = None,
    date_format: str | None = None,
    dayfirst: bool = False,
    allow_zero_amounts: bool = False,
) -> pd.DataFrame:
    """Check a table against its contract and return a typed copy.

    Parameters
    ----------
    kind : str
        Table kind, one of :func:`list_tables`.
    df : DataFrame
        The data; never modified.
    columns : dict, optional
        ``{canonical: your_column}``, e.g. ``{"customer_id": "Kundennr"}``.
    date_format : str, optional
        strftime format of all date columns, e.g. ``"%d.%m.%Y"``.
    dayfirst : bool
        Without ``date_format``: read ``01/02/2024`` as 1 February.
    allow_zero_amounts : bool
        Transactions only: accept ``amount == 0`` (free items or promotions
        that still count as purchase occasions, as in CDNOW, whose 80
        zero-value rows Fader & Hardie keep). Negative amounts stay errors.

    Returns
    -------
    DataFrame
        A new frame with the index of ``df``: the required columns, then the
        optional ones that are present, then your other columns unchanged.
        Ids are ``str``; dates ``datetime64`` (naive; time-zone aware dates
        are converted to UTC); numbers ``int64`` or ``float64`` (``float64``
        where an optional column has gaps); ``treatment`` is 0/1 ``int64``.

    Raises
    ------
    SchemaError
        On an unknown kind or mapping, an empty table, a missing required
        column, missing values in a required column, values of the wrong
        type, values out of range (amount > 0, quantity > 0, unit_price,
        cost and spend >= 0, nps 0-10 whole numbers, score 1-5, treatment
        0/1) or repeated keys (customers.customer_id, survey.respondent_id,
        assessment item_id + respondent).

    Notes
    -----
    Without ``date_format`` dates are read with the first of these explicit
    formats that reads every value: ISO 8601, ``%Y%m%d`` (e.g. CDNOW's
    19970101, also as integers), then ``%d/%m/%Y %H:%M:%S``,
    ``%d/%m/%Y %H:%M``, ``%d/%m/%Y``, ``%d.%m.%Y``, ``%d-%m-%Y`` if
    ``dayfirst`` else ``%m/%d/%Y %H:%M:%S``, ``%m/%d/%Y %H:%M``,
    ``%m/%d/%Y``. Nothing is guessed, so day and month are never swapped
    silently. Optional columns may have gaps, but values present must follow
    the same rules as in required columns.
    """
    spec = _spec(kind)
    if allow_zero_amounts:
        spec = _with_zero_amounts_allowed(spec)
    frame, origin = _map_columns(spec, df, columns)
    frame, _ = _derive_line_amount(spec, frame, origin)
    return _conform(spec, frame, origin, _Options(date_format, dayfirst))


def _with_zero_amounts_allowed(spec: TableSpec) -> TableSpec:
    if spec.name != "transactions":
        raise SchemaError(
            f"Table '{spec.name}': allow_zero_amounts applies to transactions only.",
            table=spec.name,
        )
    columns = tuple(
        replace(col, low_inclusive=True) if col.name == "amount" else col for col in spec.column_specs
    )
    return replace(spec, column_specs=columns)


# --------------------------------------------------------------------------
# Cleaning
# --------------------------------------------------------------------------


@dataclass
class CleaningReport:
    """What :func:`clean` dropped and changed, with a count per reason.

    Attributes
    ----------
    table : str
        Table kind.
    rows_in, rows_out : int
        Rows before and after cleaning.
    dropped : dict
        ``reason -> rows dropped``, in the order the rules were applied;
        every rule that was checked is listed, also with 0.
    changed : dict
        ``reason -> rows changed`` (e.g. ``"customer_id whitespace stripped"``).
    notes : list of str
        Other facts worth knowing (date format used, checks skipped).
    """

    table: str
    rows_in: int
    rows_out: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    changed: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def total_dropped(self) -> int:
        """Rows dropped for all reasons together."""
        return sum(self.dropped.values())

    def to_frame(self) -> pd.DataFrame:
        """One row per reason: columns ``reason``, ``action`` and ``rows``."""
        rows = [(r, "dropped", n) for r, n in self.dropped.items()]
        rows += [(r, "changed", n) for r, n in self.changed.items()]
        return pd.DataFrame(rows, columns=["reason", "action", "rows"]).astype({"rows": "int64"})

    def __str__(self) -> str:
        lines = [
            f"Cleaning '{self.table}': {self.rows_in} rows in, {self.rows_out} rows out "
            f"({self.total_dropped} dropped)"
        ]
        lines += [f"  dropped {n:>7}  {r}" for r, n in self.dropped.items()]
        lines += [f"  changed {n:>7}  {r}" for r, n in self.changed.items()]
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = (
            f"<p><b>Cleaning '{html.escape(self.table)}'</b>: {self.rows_in} rows in, "
            f"{self.rows_out} rows out ({self.total_dropped} dropped)</p>"
        )
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
        return head + self.to_frame().to_html(index=False) + (f"<ul>{notes}</ul>" if notes else "")


def _drop(frame: pd.DataFrame, mask: pd.Series, reason: str, report: CleaningReport) -> pd.DataFrame:
    """Drop the rows in ``mask`` and count them under ``reason``."""
    drop = mask.to_numpy(dtype=bool)
    report.dropped[reason] = int(drop.sum())
    return frame.loc[~drop]


# Online Retail (UCI) marks a cancelled invoice by a "C" before the invoice
# number; requiring digits after it keeps ids such as "CA-2016-1521" intact.
_CANCELLATION = r"^[Cc]\d+$"


def _drop_transaction_lines(
    frame: pd.DataFrame, report: CleaningReport, drop_cancellations: bool, drop_returns: bool
) -> pd.DataFrame:
    if drop_cancellations and "order_id" in frame.columns:
        cancelled = _as_text(frame["order_id"]).str.match(_CANCELLATION).fillna(False)
        frame = _drop(frame, cancelled, "cancellation", report)
    elif drop_cancellations:
        report.notes.append("cancellations not checked: no order_id column")
    amount = _read_numbers(frame["amount"])[0].to_numpy()  # text is left for validate to report
    if drop_returns:
        negative = amount < 0
        frame = _drop(frame, pd.Series(negative), "return (negative amount)", report)
        amount = amount[~negative]
    return _drop(frame, pd.Series(amount == 0), "zero amount", report)


def _drop_unreadable_dates(
    spec: TableSpec, frame: pd.DataFrame, origin: dict[str, str], opts: _Options, report: CleaningReport
) -> pd.DataFrame:
    """Drop required dates that the majority format cannot read; keep the parsed dates."""
    for name in (c for c in spec.required if spec.kind(c) == "date"):
        values = frame[name]
        reading = _read_dates(values, opts.date_format, opts.dayfirst)
        if reading.dates.notna().sum() == 0 and _present(values).any():
            # Not one readable value: a format problem, not a few bad rows.
            raise _date_error(_Where(spec.name, name, origin.get(name), len(frame)), values, reading, opts)
        if reading.format:
            report.notes.append(f"{name} read with format {reading.format!r}")
        if reading.n_tz:
            report.changed[f"{name} converted from its time zone to UTC (naive)"] = reading.n_tz
        frame = frame.assign(**{name: reading.dates})
        frame = _drop(frame, frame[name].isna(), f"unparseable {name}", report)
    return frame


def as_date(value: Any, name: str = "observation_end", *, required: bool = False) -> pd.Timestamp | None:
    """A date parameter (``observation_end``, ``calibration_end`` …) as a naive Timestamp.

    Strings must be ISO dates (``"1998-06-30"``, optionally with a time);
    ``datetime.date``, ``datetime.datetime``, ``numpy.datetime64`` and
    Timestamps are taken as they are. Numbers are refused: pandas would read
    ``19980630`` as nanoseconds after 1970, a silent wrong date. Time-zone
    aware values are converted to UTC and made naive, like the tables.

    Parameters
    ----------
    value : str, date, datetime, Timestamp or None
        The parameter's value; ``None`` or ``""`` means not given.
    name : str
        The parameter's name, for messages.
    required : bool
        Raise instead of returning ``None`` when no value is given.

    Returns
    -------
    Timestamp or None

    Raises
    ------
    ValueError
        If the value is missing (and required), a number, a bool or not a date.
    """
    example = "an ISO date such as '1998-06-30' or a pandas Timestamp"
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValueError(f"{name} is required: expected {example}, found {value!r}.")
        return None
    if isinstance(value, (bool, int, float, np.integer, np.floating)):
        raise ValueError(
            f"{name}={value!r}: expected {example}, found a {type(value).__name__}. "
            f"Write it as a string, e.g. {name}='1998-06-30' (a number would be read as "
            "nanoseconds after 1970)."
        )
    try:
        date = pd.to_datetime(value.strip(), format="ISO8601") if isinstance(value, str) else pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ValueError(f"{name}={value!r}: expected {example}.") from exc
    if date is pd.NaT or pd.isna(date):
        raise ValueError(f"{name}={value!r}: expected {example}, found a missing date.")
    return date.tz_convert("UTC").tz_localize(None) if date.tz is not None else date


def _drop_after_end(
    spec: TableSpec, frame: pd.DataFrame, end: pd.Timestamp, opts: _Options, report: CleaningReport
) -> pd.DataFrame:
    name = spec.time_column
    if name is None or name not in frame.columns:
        report.notes.append(f"observation_end not applied: '{spec.name}' has no date/timestamp column")
        return frame
    dates = _read_dates(frame[name], opts.date_format, opts.dayfirst).dates
    # A date without a time means "up to the end of that day": a purchase at
    # 14:00 on the last day is inside the observation window.
    if end == end.normalize():
        after = dates.ge(end + pd.Timedelta(days=1))
    else:
        after = dates.gt(end)
    return _drop(frame, after, "after observation end", report)


def clean(
    kind: str,
    df: pd.DataFrame,
    *,
    columns: Mapping[str, str] | None = None,
    date_format: str | None = None,
    dayfirst: bool = False,
    observation_end: str | pd.Timestamp | None = None,
    drop_cancellations: bool = True,
    drop_returns: bool = True,
) -> tuple[pd.DataFrame, CleaningReport]:
    """Drop the conventional problem rows with a count per reason, then validate.

    Rules, in this order (each listed in the report, also when it finds 0):

    1. ``"missing <id>"`` — a required id column is missing or blank.
    2. ``"exact duplicate row"`` — all columns equal to an earlier row.
    3. transactions only: ``"cancellation"`` — ``order_id`` is ``C`` +
       digits (the Online Retail convention for a cancelled invoice, e.g.
       ``C536379``); ``"return (negative amount)"``; ``"zero amount"``.
    4. ``"unparseable <date>"`` — a required date that is missing or that the
       format reading most values (``date_format`` if given, else the list in
       :func:`validate`) cannot read. If no value at all can be read,
       :class:`SchemaError` is raised instead: that is a format problem.
    5. ``"after observation end"`` — the ``date``/``timestamp`` is later than
       ``observation_end``. An end without a time of day (``"1997-09-30"``)
       includes that whole day.

    Parameters
    ----------
    kind, df, columns, date_format, dayfirst
        As in :func:`validate`.
    observation_end : str or Timestamp, optional
        Last moment of the observation window, an ISO date such as
        ``"1998-06-30"``. Nothing depends on "today".
    drop_cancellations : bool
        Apply the cancellation rule (transactions).
    drop_returns : bool
        Drop negative amounts (transactions). With ``False`` they stay and
        :func:`validate` reports them as an error.

    Returns
    -------
    (DataFrame, CleaningReport)
        The validated frame (index labels of ``df`` kept) and the counts.

    Raises
    ------
    SchemaError
        For any problem the rules do not cover (e.g. text in ``amount``,
        repeated customer ids in ``customers`` — merging records is an
        Identify-stage decision), or when the rules drop every row.
    """
    spec = _spec(kind)
    frame, origin = _map_columns(spec, df, columns)
    frame, derived = _derive_line_amount(spec, frame, origin)
    _check_not_empty(spec, frame)
    _check_required_present(spec, frame)
    end = as_date(observation_end, "observation_end")
    opts = _Options(date_format, dayfirst)
    report = CleaningReport(spec.name, rows_in=len(frame))
    if derived:
        report.notes.append(f"amount computed as {origin['amount']} (no amount column)")
    for name in (c for c in spec.required if spec.kind(c) == "id"):
        frame = _drop(frame, ~_present(frame[name]), f"missing {name}", report)
    frame = _drop(frame, frame.duplicated(), "exact duplicate row", report)
    if spec.name == "transactions":
        frame = _drop_transaction_lines(frame, report, drop_cancellations, drop_returns)
    frame = _drop_unreadable_dates(spec, frame, origin, opts, report)
    if end is not None:
        frame = _drop_after_end(spec, frame, end, opts, report)
    if frame.empty:
        raise SchemaError(
            f"Table '{spec.name}': cleaning dropped all {report.rows_in} rows, expected some to "
            f"remain.\n{report}",
            table=spec.name, n_bad=report.rows_in, n_rows=report.rows_in,
        )
    out = _conform(spec, frame, origin, opts)
    report.changed.update(opts.changes)
    report.rows_out = len(out)
    return out, report


# --------------------------------------------------------------------------
# Reading client files
# --------------------------------------------------------------------------

_TEXT_SEPARATORS = {".csv": ",", ".txt": ",", ".tsv": "\t"}
_EXCEL = (".xlsx", ".xls")
_COMPRESSIONS = (".gz", ".bz2", ".zip", ".xz", ".zst")
_SUPPORTED = (*_TEXT_SEPARATORS, ".parquet", *_EXCEL)


def _extension(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if len(suffixes) > 1 and suffixes[-1] in _COMPRESSIONS:  # export.csv.gz
        return suffixes[-2]
    return suffixes[-1] if suffixes else ""


def _sniff_separator(path: Path, encoding: str, *, default: str) -> str:
    """The separator of the header line: German and French exports often use ';' (decimal commas)."""
    import gzip
    import bz2
    import lzma

    openers = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
    opener = openers.get(path.suffix.lower())
    if opener is None and path.suffix.lower() in _COMPRESSIONS:
        return default  # zip / zstd: let pandas read them with the default
    with (opener or open)(path, "rt", encoding=encoding, errors="replace") as handle:
        header = handle.readline()
    counts = {candidate: header.count(candidate) for candidate in (",", ";", "\t", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] > counts.get(default, 0) else default


def read_file(
    path: str | Path,
    *,
    sep: str | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
) -> pd.DataFrame:
    """Read a client's export as a DataFrame, ready for ``validate(..., columns=...)``.

    Text files (``.csv``, ``.txt``, ``.tsv``, optionally compressed, e.g.
    ``.csv.gz``) are read with every column as strings, so ids keep leading
    zeros and never turn into floats; :func:`validate` then converts the
    canonical columns. Parquet files keep their stored types. Excel files
    (``.xlsx``, ``.xls``; needs ``openpyxl``) are read as strings too.

    Parameters
    ----------
    path : str or Path
        The file.
    sep : str, optional
        Column separator of text files; default: the one the header line uses
        most of ``,`` ``;`` tab ``|`` (``,`` when none).
    encoding : str
        Text encoding of text files, e.g. ``"latin-1"`` for older exports.
    sheet : str or int, optional
        Excel sheet name or position (default: the first sheet).

    Returns
    -------
    DataFrame

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path`` (the message shows the absolute path).
    ValueError
        If the extension is not supported (the message lists the supported ones).
    """
    path = Path(path).expanduser()
    encoding = encoding or "utf-8"
    if not path.is_file():
        raise FileNotFoundError(f"No file at {path.resolve()} (current folder: {Path.cwd()}).")
    extension = _extension(path)
    if extension in _TEXT_SEPARATORS:
        sep = sep or _sniff_separator(path, encoding, default=_TEXT_SEPARATORS[extension])
        return pd.read_csv(path, sep=sep, dtype=str, encoding=encoding)
    if extension == ".parquet":
        return pd.read_parquet(path)
    if extension in _EXCEL:
        return pd.read_excel(path, sheet_name=0 if sheet is None else sheet, dtype=str)
    raise ValueError(
        f"Cannot read {path.name}: expected one of the extensions {', '.join(_SUPPORTED)} "
        f"(optionally compressed: {', '.join(_COMPRESSIONS)}), found {extension or 'no extension'!r}. "
        "Export the data as CSV or Parquet, or read it with pandas yourself and pass the DataFrame."
    )



# --------------------------------------------------------------------------
# Column mappings and client files, for every stage
# --------------------------------------------------------------------------


def column_mapping(columns: Mapping[str, Any] | str | None, *, parameter: str = "columns") -> dict[str, str]:
    """A ``{canonical: client column}`` mapping given as a dict or a JSON string.

    Notebook parameters and parameter files carry mappings as JSON text, e.g.
    ``'{"customer_id": "Kundennr"}'``; functions take dicts. Every stage reads
    mappings through this one function.

    Parameters
    ----------
    columns : dict, str or None
        The mapping; ``None``, ``""`` or ``{}`` mean no mapping.
    parameter : str
        The parameter's name, for messages (e.g. ``"transaction_columns"``).

    Returns
    -------
    dict
        Canonical names to client column names, both as strings.

    Raises
    ------
    SchemaError
        If the text is not JSON, not a JSON object, or a value is not a
        column name (a string or number).
    """
    example = "'{\"customer_id\": \"Kundennr\", \"date\": \"Datum\"}'"
    if columns is None or (isinstance(columns, str) and not columns.strip()):
        return {}
    if isinstance(columns, str):
        import json

        try:
            columns = json.loads(columns)
        except json.JSONDecodeError as exc:
            raise SchemaError(
                f"{parameter}: expected a JSON object such as {example}, found {columns!r} "
                f"({exc.msg} at character {exc.pos}). Use double quotes around names."
            ) from exc
    if not isinstance(columns, Mapping):
        raise SchemaError(
            f"{parameter}: expected a dict {{canonical: your column}} or a JSON object such as "
            f"{example}, found {type(columns).__name__} {columns!r}."
        )
    bad = {k: v for k, v in columns.items() if not isinstance(v, (str, int)) or isinstance(v, bool)}
    if bad:
        raise SchemaError(
            f"{parameter}: expected each value to be one column name, found {bad!r}. "
            "Map one canonical column to one of your columns at a time."
        )
    return {str(k): str(v) for k, v in columns.items()}


def read_table(
    kind: str,
    path: str | Path,
    *,
    columns: Mapping[str, Any] | str | None = None,
    date_format: str | None = None,
    dayfirst: bool = False,
    observation_end: Any = None,
    clean_rows: bool = True,
    encoding: str | None = None,
    **clean_options: Any,
) -> tuple[pd.DataFrame, CleaningReport]:
    """Read a client's export of one contract table: read, map, clean (or only validate).

    Every stage's loader is this function plus, at most, stage-specific
    steps; errors name the file.

    Parameters
    ----------
    kind : str
        Table kind, one of :func:`list_tables`.
    path : str or Path
        CSV/TSV/Parquet/Excel file (see :func:`read_file`).
    columns : dict or JSON str, optional
        ``{canonical: your column}`` (see :func:`column_mapping`).
    date_format, dayfirst
        As in :func:`validate`; ``""`` means not given.
    observation_end : str or Timestamp, optional
        As in :func:`clean` (only with ``clean_rows``).
    clean_rows : bool
        ``True``: :func:`clean` (drop problem rows with a count per reason).
        ``False``: :func:`validate` only; any problem row is an error.
    encoding : str, optional
        Text encoding of the file (default: detected, see :func:`read_file`).
    **clean_options
        Passed on to :func:`clean` (``drop_cancellations``, ``drop_returns``).

    Returns
    -------
    (DataFrame, CleaningReport)
        The canonical table and what was dropped or changed (with
        ``clean_rows=False`` nothing is dropped).

    Raises
    ------
    SchemaError
        From reading, mapping or the contract, with the file's name in front.
    """
    path = Path(path)
    mapping = column_mapping(columns)
    raw = read_file(path, encoding=encoding)
    fmt = date_format or None
    try:
        if clean_rows:
            return clean(kind, raw, columns=mapping, date_format=fmt, dayfirst=dayfirst,
                         observation_end=observation_end or None, **clean_options)
        frame = validate(kind, raw, columns=mapping, date_format=fmt, dayfirst=dayfirst)
    except SchemaError as exc:
        raise exc.in_file(path) from exc
    report = CleaningReport(_spec(kind).name, rows_in=len(raw), rows_out=len(frame))
    report.notes.append("validated only: no rows dropped")
    return frame, report
