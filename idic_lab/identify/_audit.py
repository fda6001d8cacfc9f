"""Identify stage: data audit — how many customers, and how well do we know them?

The audit answers the first IDIC questions before any matching: how many
rows and distinct customer ids each table holds, how complete each column is,
how many values are valid (e-mail, phone, postcode and date patterns), how
many rows are exact or likely duplicates, and how fresh the data are.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from idic_lab.identify._text import normalise_email, normalise_name, normalise_phone
from idic_lab.schema import as_date

__all__ = [
    "CONTACT_FIELDS",
    "audit_columns",
    "audit_tables",
    "completeness",
    "likely_duplicates",
]

CONTACT_FIELDS: tuple[str, ...] = ("name", "email", "phone", "address")
"""The fields that let a company reach and recognise a customer."""

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")
_PHONE_CHARS = re.compile(r"^\+?[\d\s().\-/]+$")
_POSTCODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 \-]{1,9}$")
_HAS_LETTER = re.compile(r"[^\W\d_]")
_DATE_COLUMNS = ("date", "timestamp", "birth_date", "signup_date", "date_of_birth", "last_update")


def _filled(values: pd.Series) -> pd.Series:
    """Mask of values that are present and not blank."""
    if values.dtype == object or pd.api.types.is_string_dtype(values):
        return values.notna() & values.astype("str").str.strip().ne("")
    return values.notna()


def _valid_phone(text: str) -> bool:
    digits = sum(ch.isdigit() for ch in text)
    return bool(_PHONE_CHARS.match(text)) and 7 <= digits <= 15


def _validity(column: str, values: pd.Series, observation_end: pd.Timestamp | None) -> pd.Series | None:
    """Mask of valid values among the filled ones, or None when no rule applies."""
    if column == "email":
        return values.astype("str").str.strip().str.match(_EMAIL)
    if column == "phone":
        return values.astype("str").map(_valid_phone).astype(bool)
    if column == "postcode":
        return values.astype("str").str.strip().str.match(_POSTCODE)
    if column == "name":
        return values.astype("str").str.contains(_HAS_LETTER)
    if column in _DATE_COLUMNS:
        return _valid_dates(column, values, observation_end)
    return None


def _valid_dates(column: str, values: pd.Series, observation_end: pd.Timestamp | None) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        # Compare time-zone aware dates in UTC with the plain observation end (only the check sees this).
        dates = values.dt.tz_convert(None) if getattr(values.dt, "tz", None) is not None else values
    else:
        text = values.astype("str").str.strip()
        # Only unambiguous, year-first text counts as a valid date: 01/02/1980 is never guessed.
        dates = pd.to_datetime(text, format="%Y%m%d", errors="coerce")
        dates = dates.fillna(pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True).dt.tz_convert(None))
    valid = dates.notna() & (dates >= pd.Timestamp("1900-01-01"))
    if observation_end is not None:
        valid &= dates <= observation_end
    if column in ("birth_date", "date_of_birth"):
        reference = observation_end if observation_end is not None else dates.max()
        valid &= dates <= reference - pd.DateOffset(years=14)  # customers are at least 14
    return valid


def audit_columns(table: pd.DataFrame, *, observation_end: str | None = None) -> pd.DataFrame:
    """Completeness and validity of every column of one table.

    Parameters
    ----------
    table : DataFrame
        Any table (canonical column names get validity rules: ``email``,
        ``phone``, ``postcode``, ``name`` and date columns).
    observation_end : str, optional
        ISO date; dates after it count as invalid (future dates).

    Returns
    -------
    DataFrame
        Indexed by column (in the table's order): ``filled`` (share of rows
        with a value), ``distinct`` (distinct filled values), ``valid``
        (share of filled values passing the rule; NaN marks a column no
        rule applies to, or with no filled value) and ``n_invalid``.
        Text dates count as valid only when written year first (ISO or
        ``YYYYMMDD``): ``01/02/1980`` is ambiguous and never guessed.
    """
    _check_frame(table, "audit_columns: table")
    if table.shape[1] == 0:
        raise ValueError(f"audit_columns: the table has no columns ({len(table)} rows); give a table with columns")
    end = as_date(observation_end, "observation_end")
    rows = []
    for column in table.columns:
        values = table[column]
        filled = _filled(values)
        row = {"column": column, "filled": float(filled.mean()) if len(values) else 0.0,
               "distinct": _n_distinct(values[filled]), "valid": np.nan, "n_invalid": 0}
        valid = _validity(str(column), values[filled], end) if filled.any() else None
        if valid is not None:
            row["valid"] = float(valid.mean())
            row["n_invalid"] = int((~valid).sum())
        rows.append(row)
    return pd.DataFrame(rows).set_index("column")


def _check_frame(table, what: str) -> None:
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"{what}: expected a DataFrame, found {type(table).__name__}")
    repeated = table.columns[table.columns.duplicated()].unique().tolist()
    if repeated:
        raise ValueError(
            f"{what}: column names must be unique, but {repeated} occur more than once among "
            f"{len(table.columns)} columns; rename or drop the copies"
        )


def _n_distinct(values: pd.Series) -> int:
    """Distinct values; unhashable ones (lists, dicts) are told apart by their text."""
    try:
        return int(values.nunique())
    except TypeError:
        return int(values.astype("str").nunique())


def completeness(customers: pd.DataFrame, *, fields: tuple[str, ...] = CONTACT_FIELDS) -> float:
    """Mean share of filled contact fields, 0–1.

    A field the table does not have at all counts as empty: the company
    does not know it for anyone.
    """
    _check_frame(customers, "completeness: customers")
    if isinstance(fields, str) or not isinstance(fields, Sequence) or not fields:
        raise TypeError(
            f"completeness: fields must be a non-empty list of column names, e.g. {list(CONTACT_FIELDS)}, "
            f"found {type(fields).__name__} {fields!r:.60}"
        )
    if len(customers) == 0:
        raise ValueError("completeness: the customers table is empty (0 rows); there is nothing to measure")
    shares = [float(_filled(customers[f]).mean()) if f in customers.columns else 0.0 for f in fields]
    return float(np.mean(shares))


def likely_duplicates(customers: pd.DataFrame, *, id_column: str = "customer_id") -> pd.DataFrame:
    """Records that share a normalised e-mail, phone, or name + birth date with another record.

    This is the cheap, rule-based first look before probabilistic matching:
    it finds only duplicates that agree exactly after normalisation.

    Returns
    -------
    DataFrame
        One row per rule: ``records`` involved and ``groups`` (sets of
        records sharing the key), plus a row ``"any rule"`` whose groups
        join records linked by any rule (A shares an e-mail with B, B a
        phone with C: one group).
    """
    _check_frame(customers, "likely_duplicates: customers")
    keys = {}
    if "email" in customers.columns:
        keys["same e-mail"] = normalise_email(customers["email"])
    if "phone" in customers.columns:
        keys["same phone"] = normalise_phone(customers["phone"])
    if {"name", "birth_date"} <= set(customers.columns):
        names = normalise_name(customers["name"]).map(lambda v: " ".join(sorted(v.split())), na_action="ignore")
        birth = customers["birth_date"].astype("str").where(customers["birth_date"].notna(), pd.NA)
        keys["same name + birth date"] = (names + "|" + birth).where(names.notna() & birth.notna(), pd.NA)
    if not keys:
        raise ValueError(
            "likely_duplicates: need at least one of the columns email, phone, or name + birth_date; found "
            f"{list(customers.columns)}. Map them first, e.g. validate('customers', table, columns={{'email': 'Mail'}})"
        )
    n = len(customers)
    rows, first_of_group = [], []
    for rule, key in keys.items():
        key = key.reset_index(drop=True)
        involved = (key.notna() & key.duplicated(keep=False)).to_numpy()
        rows.append({"rule": rule, "records": int(involved.sum()), "groups": int(key[involved].nunique())})
        codes, _ = pd.factorize(key)
        first = pd.Series(np.arange(n)).groupby(codes).transform("min").to_numpy()
        first_of_group.append(np.where(codes >= 0, first, np.arange(n)))
    # Records joined by any rule form one group: connected components of "shares a key with".
    links = np.concatenate(first_of_group) if first_of_group else np.arange(n)
    graph = coo_matrix((np.ones(len(links)), (np.tile(np.arange(n), len(first_of_group)), links)), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    sizes = np.bincount(component, minlength=1) if n else np.array([], dtype=int)
    in_group = sizes[component] > 1 if n else np.array([], dtype=bool)
    rows.append({"rule": "any rule", "records": int(in_group.sum()), "groups": int((sizes > 1).sum())})
    return pd.DataFrame(rows).set_index("rule")


def _n_duplicated(table: pd.DataFrame) -> int:
    """Rows that repeat an earlier row exactly; unhashable cells are compared by their text."""
    try:
        return int(table.duplicated().sum())
    except TypeError:
        return int(table.astype("str").duplicated().sum())


def _freshness(table: pd.DataFrame) -> pd.Timestamp | None:
    dates = [table[c] for c in ("date", "timestamp", "signup_date", "last_update") if c in table.columns]
    dates = [d for d in dates if pd.api.types.is_datetime64_any_dtype(d) and d.notna().any()]
    return max(d.max() for d in dates) if dates else None


def audit_tables(
    tables: Mapping[str, pd.DataFrame], *, id_column: str = "customer_id", observation_end: str | None = None
) -> pd.DataFrame:
    """One line per table: rows, distinct customers, completeness, duplicates, freshness.

    Parameters
    ----------
    tables : dict of {name: DataFrame}
        E.g. ``{"customers": ..., "transactions": ..., "interactions": ...}``.
    id_column : str
        The customer id column shared by the tables.
    observation_end : str, optional
        ISO date for the validity of dates.

    Returns
    -------
    DataFrame
        Indexed by table: ``rows``, ``customer_ids`` (distinct),
        ``completeness`` (mean filled share over all columns),
        ``validity`` (mean valid share where a rule applies),
        ``exact_duplicate_rows``, ``latest_date`` (freshness).
    """
    if not isinstance(tables, Mapping):
        raise TypeError(
            f"audit_tables: tables must be a dict {{name: DataFrame}}, e.g. {{'customers': customers}}, "
            f"found {type(tables).__name__}"
        )
    if not tables:
        raise ValueError("audit_tables: give at least one table, e.g. {'customers': customers}")
    rows = []
    for name, table in tables.items():
        _check_frame(table, f"audit_tables: table {name!r}")
        if len(table) == 0:
            raise ValueError(f"audit_tables: the table {name!r} is empty (0 rows)")
        columns = audit_columns(table, observation_end=observation_end)
        rows.append(
            {
                "table": name,
                "rows": len(table),
                "customer_ids": _n_distinct(table[id_column]) if id_column in table.columns else np.nan,
                "completeness": float(columns["filled"].mean()),
                "validity": float(columns["valid"].mean()) if columns["valid"].notna().any() else np.nan,
                "exact_duplicate_rows": _n_duplicated(table),
                "latest_date": _freshness(table),
            }
        )
    return pd.DataFrame(rows).set_index("table")
