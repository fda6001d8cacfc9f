"""Data contracts: the canonical tables used by every IDIC stage.

This is the data-contract layer of :mod:`idic_lab`. Every stage (Identify,
Differentiate, Interact, Customize) works on tidy pandas DataFrames with the
canonical columns below; a client's export is mapped onto them with
``columns={canonical: client_column}``, never by editing the client's file.

=============  ================================  ==========================================
table          required                          optional
=============  ================================  ==========================================
transactions   customer_id, date, amount         order_id, product_id, quantity,
                                                 unit_price, channel, description,
                                                 cancellation
customers      customer_id                       name, email, phone, address, birth_date,
                                                 source, signup_date
interactions   customer_id, timestamp, channel   type, outcome, cost
campaign       customer_id, treatment, outcome   spend (+ pre-treatment features, kept)
survey         respondent_id, overall            nps, customer_id (+ driver ratings, kept)
baskets        order_id, product_id              customer_id, date, quantity,
                                                 description, cancellation
assessment     item_id, score                    respondent, comment
=============  ================================  ==========================================

Three entry points:

* :func:`validate` checks a table and returns a new, typed copy (ids as
  strings, dates as ``datetime64``, numbers as numbers). It never drops
  rows: anything wrong raises :class:`SchemaError` with a message that names
  the table, the column, what was expected, what was found, how many rows are
  affected, examples and what to do.
* :func:`clean` drops the rows that CRM analyses conventionally leave out
  (missing ids, exact duplicates, postage/fee/adjustment lines, returns,
  zero amounts, unreadable dates, rows after the observation end), nets
  cancellations against the purchases they cancel, counts every reason in
  a :class:`CleaningReport`, and then validates the rest.
* :func:`read_file` reads a client's CSV/TSV/Parquet/Excel export without
  losing leading zeros in ids, detecting the text encoding; every error
  names the file. :func:`read_table` reads, maps and cleans in one call.

Conventions worth knowing:

* Row numbers in messages are the frame's index labels (for a default index,
  the row positions), so ``df.loc[...]`` finds them.
* Ids are strings: ``17850.0`` becomes ``"17850"``, ``"00017"`` stays
  ``"00017"``, surrounding whitespace is removed. Ids that lost digits
  (floats beyond 2**53, text such as ``1.2345E+19``) are refused, never
  merged.
* Dates are read with explicit formats only (see :func:`validate`); when
  day-first and month-first read a column equally well but differently,
  the caller must say which. Time-zone aware dates are converted to UTC and
  then made naive, so all tables compare on one clock.
* Missing means ``NaN``/``None``/``NaT`` or a blank string; ``±inf`` is never
  kept (refused by :func:`validate`, dropped with a count by :func:`clean`
  where the rule applies).
* A message suggests only fixes that work where it is raised: ``validate``
  may advise ``clean(...)``, ``clean`` never does.
"""

from __future__ import annotations

import difflib
import html
import re
from itertools import islice
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
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
    "NON_PRODUCT_CODES",
    "SchemaError",
    "TableSpec",
    "as_date",
    "check_frame",
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


# clean() drops these rows with a count; validate() may advise it, clean() never does
# (see _drop_fix, which phrases the fix for the caller).
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
                    advice="Negative amounts are returns and zero amounts are free or cancelled lines.",
                ),
            ],
            [
                _col("order_id", "id", "order or invoice number (Online Retail: 'C…' = cancellation)"),
                _col("product_id", "id", "product or SKU bought"),
                _col(
                    "quantity", "number", "units bought", low=0, low_inclusive=False,
                    advice="Zero or negative quantities are usually returns.",
                ),
                _col("unit_price", "number", "price of one unit", low=0),
                _col("channel", "category", "sales channel (web, store, phone …)"),
                _col("description", "text", "product description (recognises postage, fee and adjustment lines)"),
                _col("cancellation", "binary", "1 = the line cancels earlier purchases (instead of a 'C' invoice number)"),
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
                     advice="Zero or negative quantities are usually returns."),
                _col("description", "text", "product description (recognises postage, fee and adjustment lines)"),
                _col("cancellation", "binary", "1 = the line cancels earlier purchases (instead of a 'C' invoice number)"),
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
    required: bool = True

    @property
    def name(self) -> str:
        """The column's name in the user's frame (for code in advice)."""
        return self.client or self.column

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
# Parameters
# --------------------------------------------------------------------------


@dataclass
class _Options:
    """How values are read, and who is asking (which fixes a message may suggest)."""

    date_format: str | None
    dayfirst: bool | None
    decimal: str = "."
    context: str = "validate"  # or "clean" / "read_table": messages never advise clean(...) from inside clean
    drop_returns: bool = True
    changes: dict[str, int] = field(default_factory=dict)


def _reading_options(
    date_format: Any, dayfirst: Any, decimal: Any, *, context: str, drop_returns: bool = True
) -> _Options:
    """Check the reading parameters shared by validate, clean and read_table."""
    if date_format is not None and not isinstance(date_format, str):
        raise TypeError(
            f"date_format={date_format!r}: expected a strftime format string such as '%d.%m.%Y' "
            f"(or None for the known formats), found {type(date_format).__name__}."
        )
    if date_format and "%" not in date_format:
        raise ValueError(
            f"date_format={date_format!r}: expected strftime codes such as '%d.%m.%Y' for "
            "31.12.2024, found no '%' code (dd.mm.yyyy is written '%d.%m.%Y'; codes: https://strftime.org)."
        )
    if dayfirst is not None and not isinstance(dayfirst, (bool, np.bool_)):
        raise TypeError(
            f"dayfirst={dayfirst!r}: expected True (31/12/2024), False (12/31/2024) or None "
            f"(decide from the data, refuse when it cannot), found {type(dayfirst).__name__}."
        )
    if not isinstance(decimal, str) or decimal not in (".", ","):
        raise ValueError(
            f"decimal={decimal!r}: expected '.' (12.50) or ',' (12,50 with '.' as thousands "
            "separator, as in 1.234,50)."
        )
    return _Options(date_format or None, None if dayfirst is None else bool(dayfirst), decimal,
                    context, drop_returns)


def _check_flags(**flags: Any) -> None:
    for name, value in flags.items():
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{name}={value!r}: expected True or False, found {type(value).__name__}.")


# --------------------------------------------------------------------------
# Column mapping and table-level checks
# --------------------------------------------------------------------------


class NotAFrameError(SchemaError, TypeError):
    """The input is not a pandas DataFrame: a wrong type and a broken contract at once."""


def check_frame(data: Any, name: str, *, expected: str = "", row_levels: bool = True) -> pd.DataFrame:
    """``data`` if it is a DataFrame with one row of unique column names; the shape every stage assumes.

    Parameters
    ----------
    data : Any
        What the caller passed.
    name : str
        How messages name it, e.g. ``"Table 'transactions'"`` or ``"summary"``.
    expected : str
        What should have been passed, for the message when it is not a frame,
        e.g. ``"from rfm_summary(...)"``.
    row_levels : bool
        Allow a MultiIndex on the rows (``False`` for contract tables, whose
        messages name rows by one label).

    Returns
    -------
    DataFrame
        ``data`` itself (not copied).

    Raises
    ------
    NotAFrameError
        (a ``SchemaError`` and a ``TypeError``) if ``data`` is not a DataFrame.
    SchemaError
        On a MultiIndex header, a row MultiIndex (with ``row_levels=False``)
        or repeated column names, each with the fix.
    """
    if not isinstance(data, pd.DataFrame):
        hint = " Turn a Series into a frame with s.to_frame()." if isinstance(data, pd.Series) else ""
        what = f" ({expected})" if expected else ""
        raise NotAFrameError(f"{name}: expected a pandas DataFrame{what}, found {type(data).__name__}. "
                             f"Read a file with idic_lab.read_file('export.csv').{hint}")
    if isinstance(data.columns, pd.MultiIndex):
        raise SchemaError(
            f"{name}: expected one row of column names, found a MultiIndex of {data.columns.nlevels} levels "
            f"(e.g. {data.columns[0]!r}; {len(data)} rows). Flatten it first: "
            "df.columns = ['_'.join(map(str, c)) for c in df.columns], then map the columns you need.",
            n_rows=len(data),
        )
    if not row_levels and isinstance(data.index, pd.MultiIndex):
        raise SchemaError(
            f"{name}: expected a frame with one row label per row, found a row MultiIndex with levels "
            f"{list(data.index.names)} (row numbers in messages would be ambiguous). Turn the levels into "
            "columns first: df = df.reset_index().",
            n_rows=len(data),
        )
    repeated = sorted({str(c) for c in data.columns[data.columns.duplicated()]})
    if repeated:
        raise SchemaError(
            f"{name}: expected each column name once, found {repeated} more than once among "
            f"{[str(c) for c in data.columns]} ({len(data)} rows). Rename or drop the repeated columns, "
            "e.g. df.loc[:, ~df.columns.duplicated()].",
            column=repeated[0], n_rows=len(data),
        )
    return data


def _mapping_argument(spec: TableSpec, columns: Any) -> dict[str, Any]:
    """``columns=`` as a dict of canonical name -> client column name (str or int label)."""
    if columns is None:
        return {}
    if isinstance(columns, str):
        return column_mapping(columns)
    if not isinstance(columns, Mapping):
        raise SchemaError(
            f"Table '{spec.name}': columns= expected a dict {{canonical: your column}}, found "
            f"{type(columns).__name__}, e.g. columns={{'customer_id': 'CustomerID'}}.",
            table=spec.name,
        )
    for canonical, client in columns.items():
        if not isinstance(client, (str, int, np.integer)) or isinstance(client, (bool, np.bool_)):
            raise SchemaError(
                f"Table '{spec.name}', column {canonical!r}: columns= expected the name of one of "
                f"your columns (a string), found {type(client).__name__} {client!r}. Map one "
                "canonical column to one of your columns at a time, e.g. "
                "columns={'customer_id': 'CustomerID'}.",
                table=spec.name,
                column=str(canonical),
            )
    return dict(columns)


def _map_columns(spec: TableSpec, df: Any, columns: Any) -> tuple[pd.DataFrame, dict[str, str]]:
    """Rename client columns to canonical names; return the frame and {canonical: client}."""
    try:
        check_frame(df, f"Table '{spec.name}'", row_levels=False)
    except SchemaError as exc:
        exc.table = spec.name
        raise
    mapping = {
        canonical: _client_label(spec, df, canonical, client)
        for canonical, client in _mapping_argument(spec, columns).items()
    }
    targets = pd.Series([str(v) for v in mapping.values()], dtype=object)
    if targets.duplicated().any():
        twice = targets[targets.duplicated()].iloc[0]
        keys = [k for k, v in mapping.items() if str(v) == twice]
        raise SchemaError(
            f"Table '{spec.name}': your column {twice!r} is mapped to several canonical columns "
            f"{keys}; expected each client column to be used once. Copy it first if you really "
            f"need it twice, e.g. df[{twice + '_copy'!r}] = df[{twice!r}].",
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


def _client_label(spec: TableSpec, df: pd.DataFrame, canonical: Any, client: Any) -> Any:
    """The label of the client's column; ``"0"`` also finds a column labelled ``0``."""
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
    if client in df.columns:
        return client
    same_text = [c for c in df.columns if str(c) == str(client)]
    if len(same_text) == 1:
        return same_text[0]
    close = _suggest(str(client), list(df.columns))
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise SchemaError(
        f"Table '{spec.name}', column {canonical!r}: columns= maps it to {client!r}, but the "
        f"frame has no column {client!r}. Available columns: {[str(c) for c in df.columns]}.{hint}",
        table=spec.name,
        column=canonical,
    )


def _derive_line_amount(
    spec: TableSpec, frame: pd.DataFrame, origin: dict[str, str], opts: _Options
) -> tuple[pd.DataFrame, bool]:
    """Order-line exports (e.g. Online Retail) have quantity and unit price but no amount.

    Then ``amount = quantity × unit_price``; errors on it name both client
    columns. A missing or infinite factor gives a missing or infinite amount,
    which clean drops with a count and validate refuses.
    """
    if spec.name != "transactions" or "amount" in frame.columns:
        return frame, False
    if not {"quantity", "unit_price"} <= set(frame.columns):
        return frame, False
    factors = []
    for name in ("quantity", "unit_price"):
        numbers, not_numbers = _read_numbers(frame[name], opts.decimal)
        if not_numbers.any():  # text is refused naming the factor; ±inf and gaps carry into amount
            where = _Where(spec.name, name, origin.get(name), len(frame), required=False)
            bad = frame[name][not_numbers]
            raise where.error("a number", "contain text that is not a number (wrong type)", bad,
                              _number_advice(bad, where, opts))
        factors.append(numbers.to_numpy(dtype="float64", na_value=np.nan))
    origin["amount"] = f"{origin.get('quantity', 'quantity')} × {origin.get('unit_price', 'unit_price')}"
    with np.errstate(invalid="ignore", over="ignore"):  # inf × 0 = NaN, overflow = inf: both handled later
        amount = factors[0] * factors[1]
    return frame.assign(amount=amount), True


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


def _check_unique(spec: TableSpec, frame: pd.DataFrame, origin: dict[str, str]) -> None:
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
    yours = [origin.get(c, c) for c in key]
    dedupe = (
        f"df = df.drop_duplicates(subset={yours}) (ids that differ only by blanks or a trailing "
        "'.0', such as '1' and ' 1.0', are the same id)"
    )
    identity = (
        " Several records for one id are an identity question (Identify stage): merge them "
        f"into one single customer view, or keep the first with {dedupe}. "
        "clean does not drop them, because choosing the surviving record is a decision."
        if spec.name == "customers"
        else f" Check why they repeat, then keep one row per key, e.g. {dedupe}."
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


# A float holds integers exactly only up to 2**53; larger float ids have lost
# digits, and text in scientific notation (Excel's 1.23457E+19) never had them.
_EXACT_FLOAT = 2**53
_SCIENTIFIC = r"[+-]?(?:\d+\.?\d*|\.\d+)[eE][+-]?\d+"


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


def _imprecise_ids(values: pd.Series) -> pd.Series:
    """Mask of ids that are floats beyond 2**53 (or infinite) or written in scientific notation."""
    scientific = _as_text(values).str.fullmatch(_SCIENTIFIC, na=False).to_numpy(dtype=bool)
    if pd.api.types.is_float_dtype(values):
        big = np.abs(values.to_numpy(dtype="float64", na_value=np.nan)) > _EXACT_FLOAT
    elif values.dtype == object:
        big = np.fromiter(
            (isinstance(v, (float, np.floating)) and abs(v) > _EXACT_FLOAT for v in values), bool, len(values)
        )
    else:
        big = np.zeros(len(values), dtype=bool)
    return pd.Series(scientific | big, index=values.index)


def _plain_numbers(numbers: pd.Series) -> pd.Series:
    """Numbers as numpy int64 (no gaps, within int64) or float64, never nullable dtypes."""
    if pd.api.types.is_bool_dtype(numbers):
        numbers = numbers.astype("float64") if numbers.isna().any() else numbers.astype("int64")
    if pd.api.types.is_signed_integer_dtype(numbers) and not numbers.isna().any():
        return numbers.astype("int64")
    return pd.Series(numbers.to_numpy(dtype="float64", na_value=np.nan), index=numbers.index)


# With decimal=',' a '.' may only group thousands: 1.234,50 is 1234.5.
_THOUSANDS_DOTS = r"[+-]?\d{1,3}(?:\.\d{3})+(?:,\d*)?"


def _comma_decimals(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Text with decimal commas as text with decimal points, and a mask of unclear values ('12.5')."""
    grouped = text.str.fullmatch(_THOUSANDS_DOTS, na=False)
    text = text.mask(grouped, text.str.replace(".", "", regex=False))
    unclear = text.str.contains(".", regex=False, na=False)
    return text.str.replace(",", ".", regex=False), unclear


def _read_numbers(values: pd.Series, decimal: str = ".") -> tuple[pd.Series, pd.Series]:
    """Numbers and a mask of non-missing values that are not numbers."""
    if _is_numeric(values) or pd.api.types.is_bool_dtype(values):
        return _plain_numbers(values), pd.Series(False, index=values.index)
    text = _as_text(values)
    unclear = pd.Series(False, index=values.index)
    if decimal == ",":
        text, unclear = _comma_decimals(text)
    numbers = pd.to_numeric(text, errors="coerce").mask(unclear)
    return _plain_numbers(numbers), text.notna() & numbers.isna()


def _infinite(numbers: pd.Series) -> pd.Series:
    return pd.Series(np.isinf(numbers.to_numpy(dtype="float64", na_value=np.nan)), index=numbers.index)


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
# Dotted dates (31.12.2024) are day-first wherever they are written, so they are
# read also when dayfirst=False: there is no month-first reading to confuse them with.
_MONTH_FIRST = ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y", "%d.%m.%Y")
# A time followed by a zone: "…T10:00:00+02:00", "… 10:00Z", "… 10:00 +0200".
_ZONED = r"\d:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)$"


def _date_formats(dayfirst: bool) -> tuple[str, ...]:
    return (_ISO, _COMPACT, *(_DAY_FIRST if dayfirst else _MONTH_FIRST))


class _DateReading(NamedTuple):
    dates: pd.Series  # datetime64, naive; NaT where missing or unreadable
    format: str | None  # the format used (None: already datetimes)
    unread: pd.Series  # mask of present values that could not be read
    n_tz: int  # values converted from a time zone to naive UTC
    ambiguous: pd.Series | None = None  # rows read differently day-first and month-first
    other_format: str | None = None  # the day-first format that competed with ``format``


def _parse(text: pd.Series, fmt: str, cache: dict[str, pd.Series]) -> pd.Series:
    if fmt not in cache:
        try:
            parsed = pd.to_datetime(text, format=fmt, errors="coerce", utc=True)
        except ValueError as exc:  # e.g. "'Q' is a bad directive" in a date_format given by the user
            raise ValueError(
                f"date_format={fmt!r} cannot be used to read dates ({exc}). Write it with strftime "
                "codes, e.g. '%d.%m.%Y' for 31.12.2024 (codes: https://strftime.org)."
            ) from exc
        cache[fmt] = parsed.dt.tz_localize(None)
    return cache[fmt]


def _best_format(text: pd.Series, present: pd.Series, formats: tuple[str, ...], cache: dict) -> _DateReading:
    """The first format that reads every value, else the one that reads the most (earlier wins ties)."""
    best = _DateReading(pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]"), None, present, 0)
    n_best, n_present = 0, int(present.sum())
    for fmt in formats:
        parsed = _parse(text, fmt, cache)
        n_read = int(parsed.notna().sum())
        if n_read > n_best:
            best, n_best = _DateReading(parsed, fmt, present & parsed.isna(), 0), n_read
        if n_read == n_present:
            break
    return best


def _reads_all(text: pd.Series, present: pd.Series, formats: tuple[str, ...], cache: dict) -> _DateReading | None:
    """The first format reading every value, or None; formats failing on a sample are skipped cheaply."""
    sample = text[present].iloc[:1000]
    for fmt in formats:
        if fmt not in cache and pd.to_datetime(sample, format=fmt, errors="coerce", utc=True).isna().any():
            continue
        parsed = _parse(text, fmt, cache)
        if parsed.notna().sum() == present.sum():
            return _DateReading(parsed, fmt, present & parsed.isna(), 0)
    return None


def _either_order(text: pd.Series, present: pd.Series, cache: dict) -> _DateReading:
    """dayfirst not given: the order that reads more values; a tie with different dates is ambiguous."""
    month = _best_format(text, present, _date_formats(False), cache)
    n_month = int(month.dates.notna().sum())
    if n_month == int(present.sum()):
        # Only a day-first format reading every value could tie with it.
        day = _reads_all(text, present, _date_formats(True), cache)
        if day is None:
            return month
    else:
        day = _best_format(text, present, _date_formats(True), cache)
    n_day = int(day.dates.notna().sum())
    if month.format == day.format or n_month > n_day:
        return month
    if n_day > n_month:
        return day
    same = month.dates.eq(day.dates) | (month.dates.isna() & day.dates.isna())
    if same.all():
        return month
    return month._replace(ambiguous=~same, other_format=day.format)


def _n_zoned(text: pd.Series, reading: _DateReading) -> int:
    """How many values carried a time zone (converted to UTC, then made naive)."""
    fmt = reading.format
    if fmt is None or not (fmt == _ISO or "%z" in fmt or "%Z" in fmt):
        return 0
    return int((text.str.contains(_ZONED, regex=True, na=False) & reading.dates.notna()).sum())


def _read_dates(values: pd.Series, date_format: str | None, dayfirst: bool | None) -> _DateReading:
    """Read dates with the candidate format that reads the most values (see :func:`validate`)."""
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
    present, cache = text.notna(), {}
    if date_format:
        reading = _best_format(text, present, (date_format,), cache)
    elif numeric:
        reading = _best_format(text, present, (_COMPACT,), cache)
    elif dayfirst is None:
        reading = _either_order(text, present, cache)
    else:
        reading = _best_format(text, present, _date_formats(dayfirst), cache)
    return reading._replace(n_tz=_n_zoned(text, reading))


def _unread_fix(where: _Where, opts: _Options, n_read: int) -> str:
    """What to do with dates no format reads; clean(...) only where clean would drop them."""
    if not where.required:
        return "fix those values, or blank them (the column is optional)"
    if opts.context != "clean" and n_read > 0:
        return f"fix those values, or {_drop_fix(opts, 'the rows it cannot read')}"
    return "fix those values in the export"


def _date_advice(where: _Where, values: pd.Series, reading: _DateReading, opts: _Options) -> str:
    n_read = int(reading.dates.notna().sum())
    fix = _unread_fix(where, opts, n_read)
    if opts.date_format:
        return f"Check that date_format={opts.date_format!r} matches your file (codes: https://strftime.org); otherwise {fix}."
    if _is_numeric(values):
        return (
            "Numbers are read as yyyymmdd dates (19970101). Numbers like 44197 are Excel serial "
            "dates: convert them with pd.to_datetime(x, unit='D', origin='1899-12-30')."
        )
    closest = (
        f"The closest known format, {reading.format!r}, reads {n_read} of "
        f"{int(_present(values).sum())} values. "
        if reading.format
        else ""
    )
    if opts.dayfirst is not None:
        other = _read_dates(values, None, not opts.dayfirst)
        if other.unread.sum() < reading.unread.sum():
            looks = "day-first (31/12/2024)" if not opts.dayfirst else "month-first (12/31/2024)"
            return (
                f"{closest}Your dates look {looks}: pass dayfirst={not opts.dayfirst} "
                f"(or date_format={other.format!r})."
            )
    return (
        f"{closest}Pass date_format= matching your file, e.g. date_format='%d/%m/%Y' "
        f"(codes: https://strftime.org), or {fix}."
    )


def _date_error(where: _Where, values: pd.Series, reading: _DateReading, opts: _Options) -> SchemaError:
    if opts.date_format:
        expected = f"dates in date_format={opts.date_format!r}"
    elif opts.dayfirst is None:
        expected = (
            "dates in one of the known formats (ISO 8601 such as '2024-12-31', '%Y%m%d', "
            "day-first '%d/%m/%Y', '%d.%m.%Y', '%d-%m-%Y' or month-first '%m/%d/%Y', "
            "optionally with a time)"
        )
    else:
        shown = ", ".join(f"'{f}'" for f in _date_formats(opts.dayfirst))
        expected = f"dates in one of the known formats ({shown}; dayfirst={opts.dayfirst})"
    advice = _date_advice(where, values, reading, opts)
    return where.error(expected, "could not be read as dates", values[reading.unread], advice)


def _ambiguity_error(where: _Where, values: pd.Series, reading: _DateReading) -> SchemaError:
    """Day-first and month-first read the column equally well but differently: never guess."""
    bad = values[reading.ambiguous]
    day_format, month_format = reading.other_format, reading.format
    example = ""
    month = reading.dates.loc[reading.ambiguous].iloc[0]
    day = _read_dates(bad.iloc[:1], day_format, None).dates.iloc[0]
    if not (pd.isna(month) or pd.isna(day)):
        example = (
            f"Row {_row(bad.index[0])}, {_show(bad.iloc[0])}, is {day.day} {day.month_name()} {day.year} "
            f"day-first but {month.day} {month.month_name()} {month.year} month-first. "
        )
    return where.error(
        "dates whose order of day and month is clear",
        f"are read differently day-first ({day_format!r}) and month-first ({month_format!r}), "
        "and both orders read the column equally well",
        bad,
        f"{example}Say which order your file uses: dayfirst=True (day-first, date_format="
        f"{day_format!r}) or dayfirst=False (month-first, date_format={month_format!r}).",
    )


def _reading_or_error(where: _Where, values: pd.Series, opts: _Options) -> _DateReading:
    """The reading of a date column; a tie between day-first and month-first is refused."""
    reading = _read_dates(values, opts.date_format, opts.dayfirst)
    if reading.ambiguous is not None:
        raise _ambiguity_error(where, values, reading)
    return reading


# --------------------------------------------------------------------------
# Conforming columns (shared by validate and clean)
# --------------------------------------------------------------------------


def _id_precision_advice(where: _Where) -> str:
    return (
        "A float keeps only 15-16 significant digits, so ids such as 12345678901234567890 and "
        "12345678901234567891 become the same number and two customers would be merged. Read "
        f"CSV files with read_file(...), which keeps every column as text, or pd.read_csv(..., "
        f"dtype={{{where.name!r}: str}}); if the export itself stores the ids as numbers or shows "
        "1.2345E+19 (Excel, Parquet), export the id column as text."
    )


def _conform_id(values: pd.Series, where: _Where, col: ColumnSpec, opts: _Options) -> pd.Series:
    lost = _imprecise_ids(values)
    if lost.any():
        raise where.error(
            "ids written out in full (text or whole numbers)",
            "are floating-point numbers beyond 2**53 or written in scientific notation, so "
            "digits are lost",
            values[lost],
            _id_precision_advice(where),
        )
    ids, n_stripped, n_whole = _read_ids(values)
    if n_stripped:
        opts.changes[f"{col.name} whitespace stripped"] = n_stripped
    if n_whole:
        opts.changes[f"{col.name} float-like ids made whole (17850.0 -> '17850')"] = n_whole
    return ids


def _conform_date(values: pd.Series, where: _Where, col: ColumnSpec, opts: _Options) -> pd.Series:
    reading = _reading_or_error(where, values, opts)
    if reading.unread.any():
        raise _date_error(where, values, reading, opts)
    if reading.n_tz:
        opts.changes[f"{col.name} converted from its time zone to UTC (naive)"] = reading.n_tz
    return reading.dates


def _number_advice(bad: pd.Series, where: _Where, opts: _Options) -> str:
    text = bad.astype("str").str.strip()
    with_comma = text.str.fullmatch(r"[+-]?[\d.]*\d,\d+", na=False)
    others = " Fix the other values in the export." if not with_comma.all() else ""
    if opts.decimal == "." and with_comma.any():
        commas = text[with_comma]
        if (commas.str.len() - commas.str.rfind(",") - 1 != 3).any():  # 12,50: a decimal comma
            return ("Decimal commas (12,50) are not read by default: pass decimal=',' (a '.' then "
                    f"separates thousands, as in 1.234,50).{others}")
        return ("Values such as 1,234 may be thousands (1234) or decimals (1.234): remove the "
                f"thousands separators, e.g. df[{where.name!r}] = df[{where.name!r}].str.replace(',', ''), "
                f"or pass decimal=',' if the comma is the decimal separator.{others}")
    if opts.decimal == "," and text.str.contains(".", regex=False).any():
        return ("With decimal=',' a '.' may only separate thousands (1.234,50), so values such as "
                "12.5 are unclear: fix them in the export, or use decimal='.' if the file uses "
                "decimal points.")
    if text.str.contains(r"[£$€¥%]", regex=True).any():
        return (f"Remove currency and percent signs first, e.g. df[{where.name!r}] = "
                f"df[{where.name!r}].str.replace(r'[£$€¥%\\s]', '', regex=True).")
    return "Fix or remove those values in the export (text in a number column)."


def _infinite_advice(where: _Where, opts: _Options) -> str:
    if where.table == "transactions" and where.column == "amount" and opts.context != "clean":
        return f"Infinite amounts cannot be analysed; {_drop_fix(opts)} ('missing or non-finite amount')."
    if opts.decimal == ",":
        return "Fix them in the export (an overflow or a division by zero upstream)."
    numbers = f"pd.to_numeric(df[{where.name!r}])"
    if not where.required:
        return (f"Mark them as missing, e.g. df[{where.name!r}] = {numbers}.replace([np.inf, -np.inf], "
                "np.nan), or fix them in the export.")
    return f"Fix them in the export, or drop those rows, e.g. df = df[~np.isinf({numbers})]."


def _numbers_or_error(values: pd.Series, where: _Where, opts: _Options) -> pd.Series:
    """Finite numbers (or missing); text and ±inf are refused."""
    numbers, not_numbers = _read_numbers(values, opts.decimal)
    if not_numbers.any():
        bad = values[not_numbers]
        raise where.error("a number", "contain text that is not a number (wrong type)", bad,
                          _number_advice(bad, where, opts))
    infinite = _infinite(numbers)
    if infinite.any():
        raise where.error("a finite number", "are infinite (inf or -inf)", values[infinite],
                          _infinite_advice(where, opts))
    return numbers


def _conform_number(values: pd.Series, where: _Where, col: ColumnSpec, opts: _Options) -> pd.Series:
    numbers = _numbers_or_error(values, where, opts)
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
            f"df[{where.name!r}] = (df[{where.name!r}] == 'offer').astype(int) with your label of the "
            "treated group.",
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


def _drop_fix(opts: _Options, what: str = "them") -> str:
    """The working fix for rows clean() drops, phrased for the caller (never from inside clean)."""
    if opts.context == "read_table":
        return f"read the file with clean_rows=True to drop {what} with a count per reason"
    return _CLEAN_ADVICE.replace("them", what)


def _clean_drops_missing(table: str, col: ColumnSpec) -> bool:
    """Whether clean() drops rows missing this required column (so validate may advise it)."""
    return col.kind in ("id", "date") or (table == "transactions" and col.name == "amount")


def _missing_advice(col: ColumnSpec, where: _Where, bad: pd.Series, opts: _Options) -> str:
    if opts.context != "clean" and _clean_drops_missing(where.table, col):
        return f"They cannot be analysed; {_drop_fix(opts)}."
    name = where.name
    blanks = bad.map(lambda v: isinstance(v, str)).any()
    first = (
        f"Blank text counts as missing: df[{name!r}] = df[{name!r}].replace(r'^\\s*$', np.nan, "
        "regex=True), then drop those rows" if blanks else "Fill them or drop those rows"
    )
    return f"{first}, e.g. df = df.dropna(subset=[{name!r}])."


def _range_advice(col: ColumnSpec, where: _Where, opts: _Options) -> str:
    returns = where.table in ("transactions", "baskets") and col.name in ("amount", "quantity")
    if not returns:
        return col.advice or "Fix those values in the export, or drop those rows."
    if opts.context == "clean":
        return (f"{col.advice} They stay because drop_returns=False: pass drop_returns=True (the "
                "default) to drop them with a count, or fix them in the export.")
    zero = " Pass allow_zero_amounts=True to keep zero amounts." if col.name == "amount" else ""
    fix = _drop_fix(opts)
    return f"{col.advice} {fix[0].upper()}{fix[1:]}.{zero}"


def _conform_column(
    spec: TableSpec, frame: pd.DataFrame, name: str, origin: dict[str, str], opts: _Options
) -> pd.Series:
    col = spec.column(name)
    values = frame[name]
    where = _Where(spec.name, name, origin.get(name), len(frame), required=name in spec.required)
    result = _CONFORMERS[col.kind](values, where, col, opts)
    if where.required and result.isna().any():
        missing = result.isna()
        raise where.error("a value in every row", "are missing", values[missing],
                          _missing_advice(col, where, values[missing], opts))
    outside = col.out_of_range(result) if col.kind in ("number", "integer") else None
    if outside is not None and outside.any():
        found = f"are outside {col.rule}" if " to " in col.rule else f"are not {col.rule}"
        raise where.error(f"a number {col.rule}", found, result[outside], _range_advice(col, where, opts))
    return result


def _refuse_infinite_extras(spec: TableSpec, extras: pd.DataFrame, opts: _Options) -> None:
    """Other numeric columns (driver ratings, pre-treatment features) are kept, but never with ±inf."""
    for name in extras.columns:
        values = extras[name]
        if not _is_numeric(values):
            continue
        infinite = _infinite(values)
        if infinite.any():
            where = _Where(spec.name, str(name), None, len(extras), required=False)
            raise where.error("a finite number (one of your other columns, kept as is)",
                              "are infinite (inf or -inf)", values[infinite], _infinite_advice(where, opts))


def _conform(
    spec: TableSpec, frame: pd.DataFrame, origin: dict[str, str], opts: _Options
) -> pd.DataFrame:
    """Type every canonical column, check the unique key, order the columns."""
    _check_not_empty(spec, frame)
    _check_required_present(spec, frame)
    present = [c for c in spec.columns if c in frame.columns]
    typed = {name: _conform_column(spec, frame, name, origin, opts) for name in present}
    extras = frame[[c for c in frame.columns if c not in spec.columns]]
    _refuse_infinite_extras(spec, extras, opts)
    out = pd.concat([pd.DataFrame(typed, index=frame.index), extras], axis=1)
    _check_unique(spec, out, origin)
    return out


def validate(
    kind: str,
    df: pd.DataFrame,
    *,
    columns: Mapping[str, str] | str | None = None,
    date_format: str | None = None,
    dayfirst: bool | None = None,
    allow_zero_amounts: bool = False,
    decimal: str = ".",
) -> pd.DataFrame:
    """Check a table against its contract and return a typed copy.

    Parameters
    ----------
    kind : str
        Table kind, one of :func:`list_tables`.
    df : DataFrame
        The data; never modified. One level of unique column names and one
        row label per row (flatten a MultiIndex first).
    columns : dict or JSON str, optional
        ``{canonical: your_column}``, e.g. ``{"customer_id": "Kundennr"}``.
        A column labelled ``0`` (a file read without a header) may be
        named ``"0"``.
    date_format : str, optional
        strftime format of all date columns, e.g. ``"%d.%m.%Y"``.
    dayfirst : bool or None
        Without ``date_format``: ``True`` reads ``01/02/2024`` as 1 February,
        ``False`` as 2 January, ``None`` (default) decides from the data and
        refuses when it cannot (see Notes).
    allow_zero_amounts : bool
        Transactions only: accept ``amount == 0`` (free items or promotions
        that still count as purchase occasions, as in CDNOW, whose 80
        zero-value rows Fader & Hardie keep). Negative amounts stay errors.
    decimal : {'.', ','}
        Decimal separator of numbers given as text. With ``','`` a ``'.'``
        may only group thousands (``1.234,50`` is 1234.5).

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
        type, infinite numbers (``inf``/``-inf``, in any numeric column),
        ids that lost digits (floats beyond 2**53, scientific notation such
        as ``1.2345E+19``), dates whose day/month order is ambiguous, values
        out of range (amount > 0, quantity > 0, unit_price, cost, spend and
        list_price >= 0, nps 0-10 whole numbers, score 1-5, treatment 0/1)
        or repeated keys (customers.customer_id, survey.respondent_id,
        products.product_id, assessment item_id + respondent).
    TypeError, ValueError
        On a parameter of the wrong type or value (``dayfirst="yes"``,
        ``decimal=";"``, a ``date_format`` without ``%`` codes).

    Notes
    -----
    Dates are read with explicit formats only; nothing is guessed, so day and
    month are never swapped silently:

    * ``date_format`` given: that format only.
    * numbers (e.g. CDNOW's 19970101): ``%Y%m%d``.
    * ``dayfirst=True``: the first of ISO 8601, ``%Y%m%d``,
      ``%d/%m/%Y %H:%M:%S``, ``%d/%m/%Y %H:%M``, ``%d/%m/%Y``, ``%d.%m.%Y``,
      ``%d-%m-%Y`` that reads every value (else the one reading the most).
    * ``dayfirst=False``: the same with ``%m/%d/%Y %H:%M:%S``,
      ``%m/%d/%Y %H:%M``, ``%m/%d/%Y``, ``%d.%m.%Y`` (dotted dates are
      day-first everywhere).
    * ``dayfirst=None``: both lists are tried and the order that reads more
      values wins (``31/01/2024`` can only be day-first, ``01/31/2024`` only
      month-first). If both read equally many values and give different
      dates (every value has day and month <= 12, such as ``03/04/2024``),
      :class:`SchemaError` asks for ``dayfirst=`` or ``date_format=``.

    Time-zone aware values (``2024-01-01T10:00+02:00`` or a tz-aware dtype)
    are converted to UTC and made naive. ``validate`` returns no report, so
    it does not say how many; :func:`clean` and :func:`read_table` count them
    in ``CleaningReport.changed``. Optional columns may have gaps, but values
    present must follow the same rules as in required columns.
    """
    return _validated(kind, df, columns=columns, date_format=date_format, dayfirst=dayfirst,
                      allow_zero_amounts=allow_zero_amounts, decimal=decimal)[0]


def _validated(
    kind: str, df: Any, *, columns: Any, date_format: Any, dayfirst: Any, allow_zero_amounts: Any, decimal: Any,
    context: str = "validate",
) -> tuple[pd.DataFrame, dict[str, int]]:
    """:func:`validate`, plus the values it changed (ids stripped, time zones converted …)."""
    spec = _spec(kind)
    _check_flags(allow_zero_amounts=allow_zero_amounts)
    if allow_zero_amounts:
        spec = _with_zero_amounts_allowed(spec)
    opts = _reading_options(date_format, dayfirst, decimal, context=context)
    frame, origin = _map_columns(spec, df, columns)
    frame, _ = _derive_line_amount(spec, frame, origin, opts)
    return _conform(spec, frame, origin, opts), opts.changes


def _with_zero_amounts_allowed(spec: TableSpec) -> TableSpec:
    if spec.name != "transactions":
        raise SchemaError(
            f"Table '{spec.name}': allow_zero_amounts applies to transactions only "
            "(it lets validate keep amount == 0); leave it out for other tables.",
            table=spec.name,
        )
    columns = tuple(
        replace(col, low_inclusive=True) if col.name == "amount" else col for col in spec.column_specs
    )
    return replace(spec, column_specs=columns)


# --------------------------------------------------------------------------
# Cleaning
# --------------------------------------------------------------------------


def _largest_reasons(report: "CleaningReport", n: int = 3) -> str:
    """``'missing or non-finite amount' (16,400), 'missing customer_id' (266)``: the reasons that dropped most rows."""
    largest = sorted(((rows, reason) for reason, rows in report.dropped.items() if rows), key=lambda r: -r[0])[:n]
    return ", ".join(f"'{reason}' ({rows:,})" for rows, reason in largest) or "no single reason"


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


def _drop(frame: pd.DataFrame, mask: Any, reason: str, report: CleaningReport) -> pd.DataFrame:
    """Drop the rows in ``mask`` (positional booleans) and count them under ``reason``."""
    drop = np.asarray(mask, dtype=bool)
    report.dropped[reason] = int(drop.sum())
    return frame.loc[~drop]


# Online Retail (UCI) marks a cancelled invoice by a "C" before the invoice
# number; requiring digits after the prefix keeps ids such as "CA-2016-1521" intact.
_CANCELLED_IN_FULL = "purchase cancelled in full"
_REDUCED = "purchase reduced by a later cancellation"
_NETTED = "cancellation netted against earlier purchases"
_UNMATCHED = "cancellation without matching purchase"


def _cancellation_pattern(prefix: Any) -> re.Pattern | None:
    if prefix is None or (isinstance(prefix, str) and not prefix.strip()):
        return None
    if not isinstance(prefix, str):
        raise TypeError(
            f"cancellation_prefix={prefix!r}: expected the text in front of the number of a "
            f"cancelling invoice, e.g. 'C' for C536379, or None; found {type(prefix).__name__}."
        )
    return re.compile(rf"{re.escape(prefix.strip())}[-_/]?\d+", re.IGNORECASE)


def _cancellation_mask(
    spec: TableSpec, frame: pd.DataFrame, origin: dict[str, str], pattern: re.Pattern | None,
    report: CleaningReport,
) -> np.ndarray | None:
    """Lines that cancel earlier purchases: a prefixed order number or the flag column ``cancellation``."""
    found = np.zeros(len(frame), dtype=bool)
    checked = False
    if pattern is not None and "order_id" in frame.columns:
        found |= _as_text(frame["order_id"]).str.fullmatch(pattern, na=False).to_numpy(dtype=bool)
        checked = True
    if "cancellation" in frame.columns:
        flags, bad = _read_binary(frame["cancellation"])
        if bad.any():
            where = _Where(spec.name, "cancellation", origin.get("cancellation"), len(frame), required=False)
            raise where.error(
                "0/1 (1 = the line cancels earlier purchases)", "are not 0/1", frame["cancellation"][bad],
                "Map a column holding 1 on cancelling lines and 0 on the others, or leave 'cancellation' "
                "unmapped: order numbers starting with cancellation_prefix (default 'C') mark cancellations.",
            )
        found |= flags.fillna(0).to_numpy(dtype="float64") == 1
        checked = True
    if not checked:
        report.notes.append("cancellations not checked: no order_id (or cancellation flag) column")
        return None
    return found


def _netting_basis(spec: TableSpec, frame: pd.DataFrame, opts: _Options) -> tuple[np.ndarray, str]:
    """What a cancellation takes away: units (quantity), money (amount) or whole lines."""
    if "quantity" in frame.columns and ("product_id" in frame.columns or spec.name == "baskets"):
        values = _read_numbers(frame["quantity"], opts.decimal)[0]
        return values.to_numpy(dtype="float64", na_value=np.nan), "quantity"
    if "amount" in frame.columns:
        values = _read_numbers(frame["amount"], opts.decimal)[0]
        return values.to_numpy(dtype="float64", na_value=np.nan), "amount"
    return np.ones(len(frame)), "line"


def _netting_keys(frame: pd.DataFrame) -> pd.Series | None:
    """Who bought what: customer and product (customer alone when there is no product)."""
    if "customer_id" not in frame.columns:
        return None
    key = _read_ids(frame["customer_id"])[0]
    if "product_id" in frame.columns:
        key = key + "\x1f" + _read_ids(frame["product_id"])[0]
    return key


def _net_cancellations(
    spec: TableSpec, frame: pd.DataFrame, origin: dict[str, str], opts: _Options, report: CleaningReport,
    pattern: re.Pattern | None,
) -> pd.DataFrame:
    """Net cancellation lines against the earlier purchases they cancel.

    A cancellation takes its units (or its amount) from the earlier purchase
    lines of the same customer and product, the most recent first; a
    purchase can be reduced in part. Purchases netted to nothing are
    dropped, reduced ones kept with their quantity and amount reduced (the
    unit price stays), cancellation lines are dropped: netted ones, and
    those that find no earlier purchase.
    """
    cancel = _cancellation_mask(spec, frame, origin, pattern, report)
    if cancel is None:
        return frame
    n = len(frame)
    basis, unit = _netting_basis(spec, frame, opts)
    keys = _netting_keys(frame)
    taken = np.zeros(n)  # units (or money) taken from each purchase line
    matched = np.zeros(n, dtype=bool)  # cancellation lines that found a purchase
    leftover = 0  # cancellation lines only partly matched
    if cancel.any() and keys is not None:
        positions = np.arange(n)
        undated = np.iinfo(np.int64).max
        stamp = np.full(n, undated, dtype=np.int64)  # no date: order of the file
        time_column = spec.time_column
        if time_column in frame.columns:
            where = _Where(spec.name, time_column, origin.get(time_column), n, required=time_column in spec.required)
            reading = _reading_or_error(where, frame[time_column], opts)
            dates = reading.dates
            if not reading.unread.any() and reading.ambiguous is None:
                frame = frame.assign(**{time_column: dates})  # read once (an optional date is typed later)
                if reading.n_tz:
                    opts.changes[f"{time_column} converted from its time zone to UTC (naive)"] = reading.n_tz
            stamp = dates.to_numpy(dtype="datetime64[ns]").astype(np.int64)
            stamp[np.isnat(dates.to_numpy(dtype="datetime64[ns]"))] = undated
        key = keys.to_numpy(dtype=object)
        has_key = keys.notna().to_numpy(dtype=bool)
        amount = np.abs(basis)
        wanted = set(key[cancel & has_key])
        purchase = ~cancel & has_key & (basis > 0) & np.isfinite(basis)
        purchase &= pd.Series(key).isin(wanted).to_numpy(dtype=bool)
        order = np.lexsort((positions, stamp))
        by_key: dict[Any, list[int]] = {}
        for i in order[purchase[order]]:
            by_key.setdefault(key[i], []).append(int(i))
        left = np.where(purchase, basis, 0.0)
        for c in order[(cancel & has_key)[order]]:
            need = amount[c]
            lines = by_key.get(key[c])
            if not lines or not np.isfinite(need) or need <= 0:
                continue
            for i in reversed(lines):
                # Same moment counts as earlier; lines without a date go by file order.
                earlier = stamp[i] < stamp[c] or (stamp[i] == stamp[c] and (stamp[c] != undated or i < c))
                if (not earlier) or left[i] <= 0:
                    continue
                take = min(need, left[i])
                left[i] -= take
                taken[i] += take
                need -= take
                matched[c] = True
                if need <= 1e-9 * amount[c]:
                    break
            if matched[c] and need > 1e-9 * amount[c]:
                leftover += 1
        gone = purchase & (taken > 0) & (left <= 1e-9 * np.abs(basis))
        reduced = purchase & (taken > 0) & ~gone
    else:
        gone = reduced = np.zeros(n, dtype=bool)
        if cancel.any():
            report.notes.append("cancellations not netted: no customer_id column to match them with purchases")
    if reduced.any():
        share = np.where(reduced, (basis - taken) / np.where(basis == 0, 1, basis), 1.0)
        updates = {}
        for name in ("quantity", "amount") if unit != "line" else ():
            if name in frame.columns:
                values = _read_numbers(frame[name], opts.decimal)[0].to_numpy(dtype="float64", na_value=np.nan)
                column = frame[name].astype(object).to_numpy(copy=True)
                column[reduced] = values[reduced] * share[reduced]
                updates[name] = pd.Series(column, index=frame.index, dtype=object)
        if updates:
            frame = frame.assign(**updates)
    report.changed[_REDUCED] = int(reduced.sum())
    frame = _drop(frame, gone, _CANCELLED_IN_FULL, report)
    cancel, matched = cancel[~gone], matched[~gone]
    frame = _drop(frame, cancel & matched, _NETTED, report)
    frame = _drop(frame, (cancel & ~matched)[~(cancel & matched)], _UNMATCHED, report)
    if leftover:
        report.notes.append(
            f"{leftover} cancellation line(s) cancelled more {unit if unit != 'line' else 'lines'} than the "
            "earlier purchases of the same customer and product held; the rest was not netted"
        )
    return frame


def _drop_transaction_lines(frame: pd.DataFrame, report: CleaningReport, opts: _Options) -> pd.DataFrame:
    numbers, text = _read_numbers(frame["amount"], opts.decimal)
    amount = numbers.to_numpy(dtype="float64", na_value=np.nan)
    # Missing, blank and ±inf amounts cannot be valued; text is left for validate to report.
    unusable = ~np.isfinite(amount) & ~text.to_numpy(dtype=bool)
    frame = _drop(frame, unusable, "missing or non-finite amount", report)
    amount = amount[~unusable]
    if opts.drop_returns:
        negative = amount < 0
        frame = _drop(frame, negative, "return (negative amount)", report)
        amount = amount[~negative]
    return _drop(frame, amount == 0, "zero amount", report)


def _drop_returned_quantities(frame: pd.DataFrame, report: CleaningReport, opts: _Options) -> pd.DataFrame:
    """Quantities <= 0 are returns or cancelled lines (transactions and baskets, with drop_returns)."""
    if not opts.drop_returns or "quantity" not in frame.columns:
        return frame
    quantity = _read_numbers(frame["quantity"], opts.decimal)[0].to_numpy(dtype="float64", na_value=np.nan)
    return _drop(frame, quantity <= 0, "zero or negative quantity", report)


# Codes of order lines that are not products (Online Retail and similar
# exports): postage and carriage, bank charges, marketplace fees, discounts,
# manual adjustments, bad debt, samples, commissions. Compared
# case-insensitively with the stripped product_id; the client's own codes are
# added with non_product_codes=.
NON_PRODUCT_CODES: tuple[str, ...] = (
    "POST", "DOT", "C2", "BANK CHARGES", "AMAZONFEE", "CRUK", "D", "M", "B", "S",
)
# What such lines say in a description column (whole description, case-insensitive).
_NON_PRODUCT_TEXT = re.compile(
    r"(?:dotcom\s+)?postage(?:\s*(?:and|&)\s*packing)?|carriage|p\s*&\s*p|bank\s+charges?"
    r"|(?:amazon|ebay|marketplace|payment|card|transaction)\s+fees?|discount|manual"
    r"|adjust(?:ment)?(?:\s+bad\s+debt)?|bad\s+debt(?:\s+adjustment)?|samples?"
    r"|(?:cruk\s+)?commission",
    re.IGNORECASE,
)


def _non_product_codes(codes: Any) -> frozenset[str]:
    """The client's codes, upper-cased; a plain string is refused (it is not a list)."""
    if isinstance(codes, (str, bytes)) or not isinstance(codes, (Sequence, set, frozenset, type(None))):
        raise TypeError(
            f"non_product_codes={codes!r}: expected a list of product codes, e.g. "
            f"['POST', 'FEE'], found a {type(codes).__name__}."
        )
    extra = []
    for code in codes or ():
        if not isinstance(code, (str, int, np.integer)) or isinstance(code, (bool, np.bool_)):
            raise TypeError(
                f"non_product_codes: expected each code to be a product code (a string), "
                f"found {type(code).__name__} {code!r}."
            )
        if str(code).strip():
            extra.append(str(code).strip().upper())
    return frozenset(extra)


_SHORT_CODE = 2  # built-in codes this short may be real products in a small catalogue


def _non_product_mask(frame: pd.DataFrame, client_codes: frozenset[str]) -> np.ndarray:
    """Lines that are not products, by code or by description.

    * the client's codes and the built-in codes of three characters or more
      (``POST``, ``AMAZONFEE`` …) count by code alone;
    * a description such as "POSTAGE", "Bank Charges", "Discount" or
      "Adjust bad debt" counts whatever the code;
    * the short codes (``D``, ``M``, ``B``, ``S``, ``C2``) count only on lines
      without a description, and only when most distinct product codes of
      the table are longer than two characters: in a catalogue of real SKUs a
      short code is a bookkeeping code, in a catalogue like A1 … C6 a product.
    """
    n = len(frame)
    described = np.zeros(n, dtype=bool)
    by_text = np.zeros(n, dtype=bool)
    if "description" in frame.columns:
        # An export repeats a few thousand descriptions: test each once.
        codes, uniques = pd.factorize(frame["description"])
        text = _as_text(pd.Series(uniques, dtype=object))
        words = text.str.replace(r"\s+", " ", regex=True)
        matched = words.str.fullmatch(_NON_PRODUCT_TEXT, na=False).to_numpy(dtype=bool)
        present = text.notna().to_numpy(dtype=bool)
        described = np.where(codes >= 0, present[codes], False)
        by_text = np.where(codes >= 0, matched[codes], False)
    if "product_id" not in frame.columns:
        return by_text
    codes, uniques = pd.factorize(frame["product_id"])
    product = _as_text(pd.Series(uniques, dtype=object)).str.upper()
    long_codes = frozenset(c for c in NON_PRODUCT_CODES if len(c) > _SHORT_CODE) | client_codes
    letters = frozenset(c for c in NON_PRODUCT_CODES if len(c) <= _SHORT_CODE) - client_codes
    is_code = product.isin(long_codes).to_numpy(dtype=bool)
    distinct = product.dropna().unique()
    is_letter = np.zeros(len(product), dtype=bool)
    if len(distinct) and np.mean([len(c) <= _SHORT_CODE for c in distinct]) < 0.5:
        is_letter = product.isin(letters).to_numpy(dtype=bool)
    by_code = np.where(codes >= 0, is_code[codes], False)
    by_letter = np.where(codes >= 0, is_letter[codes], False) & ~described
    return by_code | by_letter | by_text


def _drop_non_products(frame: pd.DataFrame, report: CleaningReport, codes: frozenset[str]) -> pd.DataFrame:
    if "product_id" not in frame.columns and "description" not in frame.columns:
        report.notes.append("non-product lines not checked: no product_id or description column")
        return frame
    return _drop(frame, _non_product_mask(frame, codes), _NON_PRODUCT_REASON, report)


_NON_PRODUCT_REASON = "non-product line (postage, fees, adjustments)"


def _drop_unreadable_dates(
    spec: TableSpec, frame: pd.DataFrame, origin: dict[str, str], opts: _Options, report: CleaningReport
) -> pd.DataFrame:
    """Drop required dates that the majority format cannot read; keep the parsed dates."""
    for name in (c for c in spec.required if spec.kind(c) == "date"):
        values = frame[name]
        where = _Where(spec.name, name, origin.get(name), len(frame))
        reading = _reading_or_error(where, values, opts)
        if reading.dates.notna().sum() == 0 and _present(values).any():
            # Not one readable value: a format problem, not a few bad rows.
            raise _date_error(where, values, reading, opts)
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
    spec: TableSpec, frame: pd.DataFrame, origin: dict[str, str], end: pd.Timestamp, opts: _Options,
    report: CleaningReport,
) -> pd.DataFrame:
    name = spec.time_column
    if name is None or name not in frame.columns:
        report.notes.append(f"observation_end not applied: '{spec.name}' has no date/timestamp column")
        return frame
    where = _Where(spec.name, name, origin.get(name), len(frame), required=name in spec.required)
    dates = _reading_or_error(where, frame[name], opts).dates
    # A date without a time means "up to the end of that day": a purchase at
    # 14:00 on the last day is inside the observation window.
    if end == end.normalize():
        after = dates.ge(end + pd.Timedelta(days=1))
    else:
        after = dates.gt(end)
    return _drop(frame, after, "after observation end", report)


def _drop_duplicate_rows(spec: TableSpec, frame: pd.DataFrame, report: CleaningReport) -> pd.DataFrame:
    try:
        duplicated = frame.duplicated()
    except TypeError as exc:  # cells holding lists or dicts cannot be compared
        raise SchemaError(
            f"Table '{spec.name}': expected plain values in every cell, but a column holds lists, "
            f"dicts or other unhashable objects ({exc}). Turn them into text or separate columns first.",
            table=spec.name,
        ) from exc
    return _drop(frame, duplicated, "exact duplicate row", report)


def clean(
    kind: str,
    df: pd.DataFrame,
    *,
    columns: Mapping[str, str] | str | None = None,
    date_format: str | None = None,
    dayfirst: bool | None = None,
    observation_end: str | pd.Timestamp | None = None,
    drop_cancellations: bool = True,
    drop_returns: bool = True,
    decimal: str = ".",
    non_product_codes: Sequence[str] = (),
    cancellation_prefix: str | None = "C",
) -> tuple[pd.DataFrame, CleaningReport]:
    """Drop the conventional problem rows with a count per reason, then validate.

    Rules, in this order (each listed in the report, also when it finds 0):

    1. ``"missing <id>"`` — a required id column is missing or blank
       (transactions: ``customer_id``; baskets need only ``order_id`` and
       ``product_id``, so anonymous baskets are kept for basket work).
    2. ``"exact duplicate row"`` — all columns equal to an earlier row.
    3. transactions and baskets: ``"non-product line (postage, fees,
       adjustments)"`` — postage and carriage, bank charges, marketplace
       fees, discounts, manual adjustments, bad debt, samples and
       commissions, recognised by ``product_id`` (:data:`NON_PRODUCT_CODES`
       plus ``non_product_codes``) or by ``description`` ("POSTAGE",
       "CARRIAGE", "Bank Charges", "AMAZON FEE", "Discount", "Manual",
       "Adjust bad debt", "SAMPLES", "CRUK Commission" …). One-letter codes
       (``D``, ``M``, ``B``, ``S``) count only on lines without a
       description, and only where most product codes are longer.
    4. transactions and baskets (with ``drop_cancellations``): cancellations
       are **netted** against the purchases they cancel. A cancellation
       line has an ``order_id`` of ``cancellation_prefix`` + digits (Online
       Retail: ``C536379``) or ``cancellation == 1``. It takes its units
       (``quantity``, when there is a ``product_id``; else the ``amount``;
       baskets without quantities: whole lines) from the earlier purchase
       lines of the same ``customer_id`` and ``product_id``, the most recent
       first (the same moment counts as earlier); a purchase may be reduced
       in part. Counted: ``"purchase cancelled in full"`` (dropped: a
       customer whose purchases were all cancelled has no spend left),
       ``"purchase reduced by a later cancellation"`` (changed: quantity and
       amount reduced, unit price kept), ``"cancellation netted against
       earlier purchases"`` and ``"cancellation without matching purchase"``
       (the cancellation lines, dropped; a line only partly matched counts
       as netted and a note says how many). Lines without a customer id
       cannot be matched.
    5. transactions only: ``"missing or non-finite amount"`` — blank,
       ``NaN`` or ``±inf`` (also when ``amount`` is computed as quantity ×
       unit price and a factor is missing or infinite); ``"return (negative
       amount)"`` — a negative amount that is not a cancellation (returns,
       adjustments); ``"zero amount"`` (e.g. a zero unit price).
    6. transactions and baskets with a ``quantity`` column:
       ``"zero or negative quantity"`` (returns; with ``drop_returns``).
    7. ``"unparseable <date>"`` — a required date that is missing or that the
       format reading most values (``date_format`` if given, else the rule in
       :func:`validate`) cannot read. If no value at all can be read, or
       day-first and month-first read the dates equally well but
       differently, :class:`SchemaError` is raised instead: that is a format
       problem.
    8. ``"after observation end"`` — the ``date``/``timestamp`` is later than
       ``observation_end``. An end without a time of day (``"1997-09-30"``)
       includes that whole day. Cancellations are netted before this cut.

    ``rows_in == rows_out + total_dropped`` always holds. Values changed
    (ids stripped or made whole, dates converted from a time zone to UTC)
    are counted in ``report.changed``.

    Parameters
    ----------
    kind, df, columns, date_format, dayfirst, decimal
        As in :func:`validate`.
    observation_end : str or Timestamp, optional
        Last moment of the observation window, an ISO date such as
        ``"1998-06-30"`` (see :func:`as_date`; numbers are refused). Nothing
        depends on "today".
    drop_cancellations : bool
        Net cancellations (rule 4). With ``False`` cancellation lines are
        treated like any other line (negative ones are then returns).
    drop_returns : bool
        Drop negative amounts (transactions) and quantities <= 0
        (transactions, baskets). With ``False`` they stay and
        :func:`validate` reports them as an error.
    non_product_codes : list of str
        The client's own product codes of lines that are not products
        (fees, postage …), added to the built-in :data:`NON_PRODUCT_CODES`.
    cancellation_prefix : str or None
        What starts the ``order_id`` of a cancelling invoice (default
        ``"C"``, case-insensitive, followed by digits, optionally after
        ``-``, ``_`` or ``/``); ``None`` or ``""``: only the
        ``cancellation`` column marks cancellations.

    Returns
    -------
    (DataFrame, CleaningReport)
        The validated frame (index labels of ``df`` kept) and the counts.

    Raises
    ------
    SchemaError
        For any problem the rules do not cover (e.g. text in ``amount``,
        repeated customer ids in ``customers`` — merging records is an
        Identify-stage decision), or when the rules drop every row. The
        message says what to fix; it never suggests ``clean`` itself.
    TypeError, ValueError
        On a parameter of the wrong type or value (as in :func:`validate`;
        ``observation_end`` as in :func:`as_date`).
    """
    spec = _spec(kind)
    _check_flags(drop_cancellations=drop_cancellations, drop_returns=drop_returns)
    codes = _non_product_codes(non_product_codes)
    pattern = _cancellation_pattern(cancellation_prefix)
    opts = _reading_options(date_format, dayfirst, decimal, context="clean", drop_returns=bool(drop_returns))
    end = as_date(observation_end, "observation_end")
    frame, origin = _map_columns(spec, df, columns)
    frame, derived = _derive_line_amount(spec, frame, origin, opts)
    _check_not_empty(spec, frame)
    _check_required_present(spec, frame)
    report = CleaningReport(spec.name, rows_in=len(frame))
    if derived:
        report.notes.append(f"amount computed as {origin['amount']} (no amount column)")
    for name in (c for c in spec.required if spec.kind(c) == "id"):
        frame = _drop(frame, ~_present(frame[name]), f"missing {name}", report)
    frame = _drop_duplicate_rows(spec, frame, report)
    if spec.name in ("transactions", "baskets"):
        frame = _drop_non_products(frame, report, codes)
    frame = _drop_unreadable_dates(spec, frame, origin, opts, report)
    if spec.name in ("transactions", "baskets") and drop_cancellations:
        frame = _net_cancellations(spec, frame, origin, opts, report, pattern)
    if spec.name == "transactions":
        frame = _drop_transaction_lines(frame, report, opts)
    if spec.name in ("transactions", "baskets"):
        frame = _drop_returned_quantities(frame, report, opts)
    if end is not None:
        frame = _drop_after_end(spec, frame, origin, end, opts, report)
    if frame.empty:
        raise SchemaError(
            f"Table '{spec.name}': cleaning dropped all {report.rows_in:,} rows, expected some to "
            f"remain; most were dropped as {_largest_reasons(report)}. Check the reasons (e.g. "
            f"observation_end, date_format, the column mapping).\n{report}",
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

# Detection reads only the start of a file, so it stays cheap for exports of
# any size; a later byte that does not fit gets a clear error (see _read_text).
_SAMPLE_BYTES = 4 * 1024 * 1024
_BOMS = (  # UTF-32 first: its little-endian BOM starts like UTF-16's
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
# What a binary file that is not text starts with, and what it probably is.
_MAGIC = (
    (b"PK\x03\x04", "a zip archive (an .xlsx workbook is one)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls workbook"),
    (b"PAR1", "a Parquet file"),
    (b"%PDF", "a PDF document"),
)
_ENCODING_HINT = (
    "Pass the file's encoding, e.g. encoding='cp1252' (Windows/Excel exports, '£' and '€' signs), "
    "encoding='latin-1', encoding='utf-16' or encoding='utf-8'."
)


def _extension(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if len(suffixes) > 1 and suffixes[-1] in _COMPRESSIONS:  # export.csv.gz
        return suffixes[-2]
    return suffixes[-1] if suffixes else ""


def _file_error(path: Path, message: str) -> SchemaError:
    return SchemaError(f"File {path}: {message}")


def _sample(path: Path) -> bytes | None:
    """The first bytes of a (possibly compressed) text file; ``None`` when it cannot be peeked (zstd)."""
    import bz2
    import gzip
    import lzma
    import zipfile

    suffix = path.suffix.lower()
    try:
        if suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                members = [name for name in archive.namelist() if not name.endswith("/")]
                if len(members) != 1:
                    raise _file_error(
                        path, f"expected a zip archive holding one file, found {len(members)} files "
                        f"({members[:5]}). Unzip it and read the file you mean."
                    )
                with archive.open(members[0]) as handle:
                    return handle.read(_SAMPLE_BYTES)
        if suffix == ".zst":
            return None
        opener = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}.get(suffix, open)
        with opener(path, "rb") as handle:
            return handle.read(_SAMPLE_BYTES)
    except (OSError, EOFError, zipfile.BadZipFile, lzma.LZMAError) as exc:
        raise _file_error(
            path, f"expected a {suffix} compressed file, but it cannot be decompressed "
            f"({type(exc).__name__}: {exc}). The download may be incomplete; export it again."
        ) from exc


def _looks_utf16(sample: bytes) -> str | None:
    """UTF-16 without a BOM: in mostly-ASCII text every other byte is NUL."""
    if len(sample) < 4:
        return None
    half = len(sample) // 2
    even, odd = sample[0 : 2 * half : 2].count(0), sample[1 : 2 * half : 2].count(0)
    if odd > 0.6 * half and even == 0:
        return "utf-16-le"
    if even > 0.6 * half and odd == 0:
        return "utf-16-be"
    return None


def _detect_encoding(sample: bytes, whole: bool) -> str:
    """BOM, else UTF-16 by its NULs, else UTF-8 if the sample decodes strictly, else cp1252/latin-1."""
    import codecs

    for bom, name in _BOMS:
        if sample.startswith(bom):
            return name
    utf16 = _looks_utf16(sample)
    if utf16:
        return utf16
    try:
        # Not final unless the sample is the whole file: it may end inside a character.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=whole)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        sample.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:  # cp1252 leaves five bytes undefined; latin-1 reads any byte
        return "latin-1"


def _refuse_binary(path: Path, sample: bytes) -> None:
    """A text reader on a binary file yields garbage columns: name what the file really is."""
    if _detect_encoding(sample[:65536], whole=False).startswith(("utf-16", "utf-32")):
        return  # NUL bytes are part of UTF-16/32 text; a wrong encoding= fails on decoding instead
    what = next((name for magic, name in _MAGIC if sample.startswith(magic)), None)
    if what is None and b"\x00" not in sample[:65536]:
        return
    what = what or "a binary file (it contains NUL bytes)"
    raise _file_error(
        path, f"expected a text export ({_extension(path)}), but the file is {what}. "
        "Give it the right extension (.xlsx, .xls, .parquet) or export the table as CSV."
    )


def _check_encoding_name(encoding: Any) -> str:
    import codecs

    if not isinstance(encoding, str) or not encoding.strip():
        raise TypeError(
            f"encoding={encoding!r}: expected the name of a text encoding such as 'utf-8' or "
            "'cp1252', or None to detect it."
        )
    try:
        codecs.lookup(encoding)
    except LookupError as exc:
        raise ValueError(
            f"encoding={encoding!r} is not an encoding Python knows. {_ENCODING_HINT} "
            "Or leave encoding=None to detect it."
        ) from exc
    return encoding


def _text_encoding(path: Path, encoding: str | None) -> tuple[str, str, bytes | None]:
    """The encoding to read with, how it was chosen ("given"/"detected") and the sample read."""
    if encoding is not None:
        encoding = _check_encoding_name(encoding)
    sample = _sample(path)
    if sample:
        _refuse_binary(path, sample)
    if encoding is not None:
        return encoding, "given", sample
    if sample is None:
        return "utf-8", "default for a compressed file that cannot be sampled", sample
    if not sample:
        return "utf-8", "default for an empty file", sample
    return _detect_encoding(sample, whole=len(sample) < _SAMPLE_BYTES), "detected", sample


def _sniff_separator(sample: bytes | None, encoding: str, *, default: str) -> str:
    """The separator of the header line: German and French exports often use ';' (decimal commas)."""
    if not sample:
        return default
    lines = sample.decode(encoding, errors="replace").lstrip("\ufeff").splitlines()
    header = lines[0] if lines else ""
    candidates = (",", ";", "\t", "|")
    counts = {candidate: header.count(candidate) for candidate in candidates}
    best = max(counts, key=counts.get)
    if counts[best] == 0:
        # One column: any separator that splits no line keeps the values whole
        # (a value "1,50" in a one-column file is not two fields).
        body = lines[1:]
        return next((c for c in (default, *candidates) if not any(c in line for line in body)), default)
    return best if counts[best] > counts.get(default, 0) else default


def _bad_byte_offset(path: Path, encoding: str) -> int | None:
    """Offset of the first byte ``encoding`` cannot decode in an uncompressed file (None if unknown).

    The parser's own error counts from the start of its buffer, not of the file.
    """
    import codecs

    if path.suffix.lower() in _COMPRESSIONS:
        return None
    try:
        decoder = codecs.getincrementaldecoder(encoding)()
    except LookupError:
        return None
    offset = 0
    with path.open("rb") as handle:
        while chunk := handle.read(2**20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return offset + exc.start - len(decoder.getstate()[0])
            offset += len(chunk)
    return None


def _undecodable(path: Path, encoding: str, how: str, exc: UnicodeError) -> SchemaError:
    offset = _bad_byte_offset(path, encoding) if isinstance(exc, UnicodeDecodeError) else None
    where = f" at byte {offset} of the file" if offset is not None else ""
    reason = getattr(exc, "reason", str(exc))
    if how == "given":
        chosen = f"encoding={encoding!r} (as given)"
    elif how == "detected":
        chosen = f"{encoding} (detected from the first {_SAMPLE_BYTES // 2**20} MB; a later byte does not fit)"
    else:
        chosen = f"{encoding} ({how})"
    return _file_error(path, f"could not be decoded with {chosen}{where}: {reason}. {_ENCODING_HINT}")


_RAGGED = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _ragged(path: Path, sep: str, exc: Exception) -> SchemaError:
    found = _RAGGED.search(str(exc))
    detail = (
        f"expected {found.group(1)} fields per line (as in the header), but line {found.group(2)} "
        f"has {found.group(3)}"
        if found
        else f"the rows do not split into the header's columns ({str(exc).strip()})"
    )
    return _file_error(
        path, f"{detail} with the separator {sep!r}. A value probably contains the separator "
        "without quotes (e.g. 1,50 in a comma-separated file): quote such values in the export, "
        "or pass the right separator with sep=."
    )


def _refuse_repeated_header(path: Path, names: list[Any]) -> None:
    """pandas silently renames a repeated header 'x' to 'x.1'; refuse instead."""
    labels = [str(n).strip().lstrip("\ufeff") for n in names if not pd.isna(n)]
    repeated = sorted({n for n in labels if labels.count(n) > 1})
    if repeated:
        positions = {n: [i + 1 for i, m in enumerate(labels) if m == n] for n in repeated}
        raise _file_error(
            path, f"expected unique column names in the header, but {repeated} appear more than "
            f"once (columns {positions}). Rename the repeated columns in the export so each "
            "name says what it holds."
        )


def _read_text(path: Path, sep: str | None, encoding: str | None) -> tuple[pd.DataFrame, str]:
    encoding, how, sample = _text_encoding(path, encoding)
    sep = sep or _sniff_separator(sample, encoding, default=_TEXT_SEPARATORS[_extension(path)])
    # A separator of several characters is a regular expression: only the python engine reads it.
    options = {"sep": sep, "encoding": encoding, "dtype": str, "engine": "python" if len(sep) > 1 else "c"}
    try:
        frame = pd.read_csv(path, **options)
        header = pd.read_csv(path, header=None, nrows=1, **options).iloc[0].tolist()
    except UnicodeError as exc:
        raise _undecodable(path, encoding, how, exc) from exc
    except pd.errors.EmptyDataError as exc:
        what = "is empty (0 bytes)" if sample == b"" else "has no header line and no rows (only blank lines)"
        raise _file_error(path, f"the file {what}: expected a header line and at least one row. "
                          "Export the table again.") from exc
    except pd.errors.ParserError as exc:
        raise _ragged(path, sep, exc) from exc
    except (OSError, EOFError, ValueError) as exc:
        raise _file_error(path, f"could not be read as a {_extension(path)} file "
                          f"({type(exc).__name__}: {exc}).") from exc
    _refuse_repeated_header(path, header)
    frame.columns = [c.lstrip("\ufeff") if isinstance(c, str) else c for c in frame.columns]
    return frame, f"{encoding} ({how})"


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except ImportError:
        raise
    except Exception as exc:  # noqa: BLE001 - pyarrow raises its own classes (ArrowInvalid, OSError …)
        raise _file_error(
            path, f"could not be read as a Parquet file ({type(exc).__name__}: {exc}). The file is "
            "corrupt, incomplete or not Parquet: export it again, or as CSV."
        ) from exc


def _check_excel_container(path: Path, extension: str) -> None:
    """A workbook is a zip archive (.xlsx) or an OLE2 file (.xls); anything else is not Excel."""
    import zipfile

    with open(path, "rb") as handle:
        head = handle.read(8)
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile as exc:
            raise _file_error(path, f"expected an Excel workbook, but the {extension} file is a "
                              f"damaged zip archive ({exc}). Save it again from Excel, or as CSV.") from exc
        if "xl/workbook.xml" not in names:
            raise _file_error(path, "expected an Excel workbook, but the zip archive holds no "
                              "xl/workbook.xml (it is not an .xlsx file). Save it again from Excel, or as CSV.")
        return
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return
    what = "empty (0 bytes)" if not head else f"starts with {head!r}"
    raise _file_error(
        path, f"expected an Excel workbook ({extension}), but the file {what}: it is not a "
        "workbook. If it is a text export renamed to .xlsx, rename it to .csv; otherwise save it "
        "again from Excel."
    )


def _read_excel(path: Path, extension: str, sheet: str | int | None) -> pd.DataFrame:
    _check_excel_container(path, extension)
    engine = "openpyxl" if extension == ".xlsx" else "xlrd"
    try:
        import importlib

        importlib.import_module(engine)
    except ImportError as exc:
        raise ImportError(
            f"File {path}: reading {extension} workbooks needs the package {engine}, which is not "
            f"installed. Install it (pip install {engine}) or save the sheet as CSV."
        ) from exc
    try:
        with pd.ExcelFile(path, engine=engine) as book:
            names = book.sheet_names
            chosen = 0 if sheet is None else sheet
            if not (chosen in names or (isinstance(chosen, int) and 0 <= chosen < len(names))):
                raise _file_error(path, f"sheet={sheet!r}: expected one of the sheets {names} "
                                  f"or a position 0 to {len(names) - 1}.")
            frame = book.parse(chosen, dtype=str)
            header = book.parse(chosen, header=None, nrows=1, dtype=str)
    except SchemaError:
        raise
    except Exception as exc:  # noqa: BLE001 - openpyxl/xlrd raise many classes for damaged workbooks
        raise _file_error(path, f"could not be read as an Excel workbook ({type(exc).__name__}: "
                          f"{exc}). Save it again from Excel, or as CSV.") from exc
    _refuse_repeated_header(path, header.iloc[0].tolist() if len(header) else [])
    return frame


def _read_any(
    path: str | Path, *, sep: str | None, encoding: str | None, sheet: str | int | None
) -> tuple[pd.DataFrame, str | None]:
    """The frame and, for text files, the encoding used (for reports)."""
    if not isinstance(path, (str, Path)) and not hasattr(path, "__fspath__"):
        raise TypeError(f"path={path!r}: expected a file path (str or Path), found {type(path).__name__}.")
    if sep is not None and (not isinstance(sep, str) or not sep):
        raise TypeError(f"sep={sep!r}: expected a separator such as ',' ';' or '\\t', or None to detect it.")
    path = Path(path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"No file at {path.resolve()} (current folder: {Path.cwd()}).")
    extension = _extension(path)
    used = None
    if extension in _TEXT_SEPARATORS:
        frame, used = _read_text(path, sep, encoding)
    elif extension == ".parquet":
        frame = _read_parquet(path)
    elif extension in _EXCEL:
        frame = _read_excel(path, extension, sheet)
    else:
        raise ValueError(
            f"Cannot read {path.name}: expected one of the extensions {', '.join(_SUPPORTED)} "
            f"(optionally compressed: {', '.join(_COMPRESSIONS)}), found {extension or 'no extension'!r}. "
            "Export the data as CSV or Parquet, or read it with pandas yourself and pass the DataFrame."
        )
    if len(frame) == 0:
        raise _file_error(
            path, f"the file has a header (columns {[str(c) for c in frame.columns]}) but no rows: "
            "expected at least one row. Check the export's filters or date range."
        )
    return frame, used


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
    (``.xlsx``, ``.xls``; needs ``openpyxl`` / ``xlrd``) are read as strings too.

    The encoding of a text file is detected from its first 4 MB, the same
    way on every machine: a byte-order mark (UTF-8, UTF-16, UTF-32) wins;
    else UTF-16 without a mark (NUL bytes between ASCII letters); else
    UTF-8 if the sample decodes strictly; else ``cp1252`` (Windows/Excel,
    e.g. '£' and '€'), or ``latin-1`` where cp1252 leaves a byte undefined.
    ``encoding=`` overrides the detection. The encoding used is kept in
    ``frame.attrs["encoding"]``.

    Parameters
    ----------
    path : str or Path
        The file.
    sep : str, optional
        Column separator of text files; default: the one the header line uses
        most of ``,`` ``;`` tab ``|`` (``,`` when none).
    encoding : str, optional
        Text encoding of text files, e.g. ``"cp1252"`` for older exports;
        ``None`` detects it.
    sheet : str or int, optional
        Excel sheet name or position (default: the first sheet).

    Returns
    -------
    DataFrame

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path`` (the message shows the absolute path).
    SchemaError
        Naming the file, when it is empty or has a header but no rows, cannot
        be decoded with the (given or detected) encoding, has rows with more
        fields than the header, repeats a header name, is damaged (Excel,
        Parquet, compressed) or is a binary file with a text extension.
    ValueError
        If the extension is not supported (the message lists the supported
        ones) or ``encoding`` is unknown.
    TypeError
        If ``path``, ``sep`` or ``encoding`` has the wrong type.
    """
    frame, used = _read_any(path, sep=sep, encoding=encoding, sheet=sheet)
    if used is not None:
        frame.attrs["encoding"] = used.split(" ")[0]
    return frame


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


_CLEAN_OPTIONS = ("drop_cancellations", "drop_returns")


def read_table(
    kind: str,
    path: str | Path,
    *,
    columns: Mapping[str, Any] | str | None = None,
    date_format: str | None = None,
    dayfirst: bool | None = None,
    observation_end: Any = None,
    clean_rows: bool = True,
    encoding: str | None = None,
    decimal: str = ".",
    sep: str | None = None,
    sheet: str | int | None = None,
    non_product_codes: Sequence[str] = (),
    cancellation_prefix: str | None = "C",
    **clean_options: Any,
) -> tuple[pd.DataFrame, CleaningReport]:
    """Read a client's export of one contract table: read, map, clean (or only validate).

    Every stage's loader is this function plus, at most, stage-specific
    steps; errors about the data name the file.

    Parameters
    ----------
    kind : str
        Table kind, one of :func:`list_tables`.
    path : str or Path
        CSV/TSV/Parquet/Excel file (see :func:`read_file`).
    columns : dict or JSON str, optional
        ``{canonical: your column}`` (see :func:`column_mapping`).
    date_format, dayfirst, decimal
        As in :func:`validate`; ``date_format=""`` means not given.
    observation_end : str or Timestamp, optional
        As in :func:`clean` (only with ``clean_rows``).
    clean_rows : bool
        ``True``: :func:`clean` (drop problem rows with a count per reason).
        ``False``: :func:`validate` only; any problem row is an error.
    encoding, sep, sheet
        As in :func:`read_file` (``encoding=None`` detects it).
    non_product_codes : list of str
        As in :func:`clean`: the client's own codes of non-product lines.
    cancellation_prefix : str or None
        As in :func:`clean`: what starts the number of a cancelling invoice.
    **clean_options
        Passed on to :func:`clean`: ``drop_cancellations``, ``drop_returns``.

    Returns
    -------
    (DataFrame, CleaningReport)
        The canonical table and what was dropped or changed (with
        ``clean_rows=False`` nothing is dropped; values changed, such as
        time zones converted, are still counted). A note says which
        encoding a text file was read with.

    Raises
    ------
    SchemaError
        From reading, mapping or the contract, with the file's name in front.
    TypeError, ValueError
        On a parameter of the wrong type or value, e.g. an unknown clean
        option, or ``observation_end`` with ``clean_rows=False``.
    """
    spec = _spec(kind)
    _check_flags(clean_rows=clean_rows)
    unknown = sorted(set(clean_options) - set(_CLEAN_OPTIONS))
    if unknown:
        raise TypeError(
            f"read_table got the unknown option(s) {unknown}: expected only {list(_CLEAN_OPTIONS)} "
            "besides its named parameters (columns, date_format, dayfirst, observation_end, "
            "clean_rows, encoding, decimal, sep, sheet, non_product_codes, cancellation_prefix)."
        )
    end_given = as_date(observation_end, "observation_end") is not None
    _non_product_codes(non_product_codes)
    _cancellation_pattern(cancellation_prefix)
    if not clean_rows and (clean_options or end_given or non_product_codes):
        given = [*clean_options, *(["observation_end"] if end_given else []),
                 *(["non_product_codes"] if non_product_codes else [])]
        raise ValueError(
            f"{given} apply only with clean_rows=True (validate drops no rows); leave them out "
            "or pass clean_rows=True."
        )
    mapping = column_mapping(columns)
    raw, encoding_used = _read_any(path, sep=sep, encoding=encoding, sheet=sheet)
    path = Path(path)
    try:
        if clean_rows:
            frame, report = clean(spec.name, raw, columns=mapping, date_format=date_format or None,
                                  dayfirst=dayfirst, observation_end=observation_end, decimal=decimal,
                                  non_product_codes=non_product_codes,
                                  cancellation_prefix=cancellation_prefix, **clean_options)
        else:
            frame, changes = _validated(spec.name, raw, columns=mapping, date_format=date_format or None,
                                        dayfirst=dayfirst, allow_zero_amounts=False, decimal=decimal,
                                        context="read_table")
            report = CleaningReport(spec.name, rows_in=len(raw), rows_out=len(frame), changed=dict(changes))
            report.notes.append("validated only: no rows dropped")
    except SchemaError as exc:
        raise exc.in_file(path) from exc
    if encoding_used:
        report.notes.insert(0, f"{path.name} read as {encoding_used}")
    return frame, report
