"""The transaction cleaning and the RFM/BTYD summary as SQL, for logs that outgrow pandas.

The models of the Differentiate stage need one row per customer (frequency,
recency, T, monetary value), never the invoice lines. This module writes the
cleaning rules of :func:`idic_lab.schema.clean` (``'transactions'``) and the
summary of :func:`idic_lab.differentiate.rfm_summary` **once** as SQL text and
runs it on

* **DuckDB** (the embedded default): a pandas DataFrame, a Parquet or CSV file
  or glob (streamed, larger than memory), or a table of a DuckDB database;
* **Spark**: a table name or a DataFrame of a SparkSession (local mode in the
  tests, a cluster unchanged).

Only the per-customer summary and the counts per cleaning reason come back to
pandas. The result equals the pandas path (``schema.clean`` then
``rfm_summary``): same index, dtypes, ``attrs``, counts per reason and notes;
the money columns to about 1e-13 relative (see below).

Why plain SQL with a small dialect table rather than Ibis or sqlglot: the
query uses a common subset of both engines (window functions, ``GROUP BY``);
a few functions differ (regular expressions, day differences, date parsing,
finiteness) and are listed in :data:`DIALECTS`.
The text printed by :func:`summary_sql` is what a consultant pastes into a
client's Spark notebook, with no extra library on the cluster.

How the rules that are not row-by-row become set operations:

* exact duplicates: ``GROUP BY`` every column;
* cancellations netted against the most recent earlier purchases of the same
  customer and product: a last-in-first-out stack per (customer, product).
  Its height after each event is the prefix sum of purchases (+) and
  cancellations (-) reflected at zero, ``S_k = P_k - min(0, min_{j<=k} P_j)``
  (Skorokhod's reflection; Harrison, 1985, *Brownian Motion and Stochastic
  Flow Systems*, ch. 2). A purchase keeps ``max(0, min_{k>=i} S_k - S_{i-1})``
  of its units: the stack never falls below it afterwards. Window sums and
  minima compute both.
* amounts are summed as ``DECIMAL(38, 18)`` (exact), so the result does not
  depend on how a cluster partitions the data. pandas' grouped float sums
  depend on its summation order; the two agree to about 1e-13 relative (the
  last bits of ``monetary_value`` and ``total_value``), every other column and
  every count exactly. This is the one place where the SQL path is not bit for
  bit equal to pandas, and the tests check the bound.

Two smaller limits, said here rather than hidden: ids and descriptions are
stripped of ASCII whitespace (Python's ``strip`` also removes Unicode spaces
such as U+00A0), and when cancellations are netted by money (no quantity and
product columns) the prefix sums may leave a reduced amount a few units in the
last place away from pandas' running subtraction (whole quantities net
exactly).

Where the SQL cannot reproduce a pandas rule (text dates without a
``date_format``, text numbers, decimal commas, float customer ids, time-zone
aware timestamps, ``drop_returns=False``) :class:`UnsupportedBySQL` says so.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from idic_lab import schema
from idic_lab.schema import SchemaError

__all__ = [
    "DIALECTS",
    "ENGINES",
    "UnsupportedBySQL",
    "WarehouseSummary",
    "compress_summary",
    "summary_sql",
    "warehouse_summary",
    "WarehouseInputs",
    "load_warehouse_inputs",
    "not_run_sentence",
]

ENGINES = ("duckdb", "spark")

_TIME_UNITS = {"D": 1.0, "W": 7.0, "M": 30.4375, "Q": 91.3125}  # as differentiate.TIME_UNITS
_DECIMAL = "DECIMAL(38, 18)"
_TOLERANCE = 1e-9  # relative: as the pandas netting (schema._net_cancellations)


class UnsupportedBySQL(ValueError):
    """The source needs a pandas reading rule that the SQL path does not reproduce exactly."""


@dataclass(frozen=True)
class Dialect:
    """The few functions that differ between the engines (everything else is common SQL)."""

    name: str
    quote: str
    full_match: str  # {x}, {p}: the whole text matches the regular expression
    replace_all: str  # {x}, {p}, {r}
    group_ref: str  # how a replacement names group 1
    day_number: str  # {x}: days since 1970-01-01 of a timestamp's calendar day
    parse_date: str  # {x}, {f}: text to timestamp, NULL when unreadable
    finite: str  # {x}
    backslash_escapes: bool  # string literals treat '\\' as an escape

    def literal(self, text: str) -> str:
        """A SQL string literal holding exactly ``text``."""
        body = text.replace("\\", "\\\\") if self.backslash_escapes else text
        if self.backslash_escapes:
            body = body.replace("'", "\\'")
        else:
            body = body.replace("'", "''")
        return f"'{body}'"

    def column(self, name: str) -> str:
        """A quoted identifier."""
        q = self.quote
        return q + str(name).replace(q, q + q) + q


DIALECTS: Mapping[str, Dialect] = {
    "duckdb": Dialect(
        name="duckdb", quote='"',
        full_match="regexp_full_match({x}, {p})",
        replace_all="regexp_replace({x}, {p}, {r}, 'g')",
        group_ref="\\1",
        day_number="date_diff('day', DATE '1970-01-01', CAST({x} AS DATE))",
        parse_date="try_strptime({x}, {f})",
        finite="isfinite({x})",
        backslash_escapes=False,
    ),
    "spark": Dialect(
        name="spark", quote="`",
        full_match="({x} RLIKE {p})",
        replace_all="regexp_replace({x}, {p}, {r})",
        group_ref="$1",
        day_number="datediff(CAST({x} AS DATE), DATE '1970-01-01')",
        parse_date="try_to_timestamp({x}, {f})",
        finite="(NOT isnan({x}) AND abs({x}) < double('Infinity'))",
        backslash_escapes=True,
    ),
}
"""The dialect table: one entry per engine (see :class:`Dialect`)."""

# strftime directives a client's date_format may use, and Java's (Spark) patterns for them.
_JAVA_DATE = {"%d": "d", "%m": "M", "%Y": "yyyy", "%y": "yy", "%H": "H", "%M": "m", "%S": "s", "%%": "%"}


def _java_date_format(date_format: str) -> str:
    """``'%d/%m/%Y %H:%M'`` -> ``'d/M/yyyy H:m'`` (Spark's parser); other directives are refused."""
    out = []
    for token in re.split(r"(%.)", date_format):
        if token.startswith("%") and len(token) == 2:
            if token not in _JAVA_DATE:
                raise UnsupportedBySQL(
                    f"date_format={date_format!r}: the Spark path translates only {', '.join(_JAVA_DATE)}, "
                    f"found {token!r}. Store the dates as a timestamp column in the table instead."
                )
            out.append(_JAVA_DATE[token])
        elif token:
            out.append("'" + token.replace("'", "''") + "'" if re.search(r"[A-Za-z]", token) else token)
    return "".join(out)


def _with_regex(dialect: Dialect, pattern: str) -> str:
    """A full-match pattern as the engine wants it (Java's RLIKE searches, so anchor it)."""
    return dialect.literal(f"^(?:{pattern})$" if dialect.name == "spark" else pattern)


# --------------------------------------------------------------------------
# The source: which canonical columns it has and of which kind
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Source:
    """What the SQL needs to know of the client's table: names and broad types."""

    relation: str  # a table name, view name or table function (read_parquet(...))
    columns: Mapping[str, str]  # canonical -> client column
    kinds: Mapping[str, str]  # client column -> 'text' | 'integer' | 'float' | 'timestamp' | 'tz' | 'other'
    position: str  # SQL expression of the file order


def _kind(type_name: str) -> str:
    t = type_name.lower()
    if "with time zone" in t or t in ("timestamptz", "timestamp_tz"):
        return "tz"
    if t.startswith(("timestamp", "date", "datetime")):
        return "timestamp"
    if t.startswith(("varchar", "string", "text", "char")):
        return "text"
    if t.startswith(("tinyint", "smallint", "integer", "int", "bigint", "hugeint", "long", "short", "byte", "ubigint",
                     "uinteger", "usmallint", "utinyint")):
        return "integer"
    if t.startswith(("double", "float", "real", "decimal")):
        return "float"
    if t.startswith("bool"):
        return "integer"
    return "other"


def _mapping(kinds: Mapping[str, str], columns: Any) -> dict[str, str]:
    """``{canonical: client}`` for the canonical transaction columns the source has."""
    spec = schema.TABLES["transactions"]
    given = schema.column_mapping(columns) if columns else {}
    unknown = [c for c in given if c not in spec.columns]
    if unknown:
        raise SchemaError(
            f"Table 'transactions', column {unknown[0]!r}: columns= maps canonical names to your column names, "
            f"but {unknown[0]!r} is not a column of 'transactions'. Valid: {', '.join(spec.columns)}.",
            table="transactions", column=unknown[0],
        )
    absent = [client for client in given.values() if client not in kinds]
    if absent:
        raise SchemaError(
            f"Table 'transactions': columns= names {absent[0]!r}, but the source has no such column. "
            f"Available columns: {list(kinds)}.",
            table="transactions",
        )
    mapped = dict(given)
    for name in spec.columns:
        if name not in mapped and name in kinds and name not in given.values():
            mapped[name] = name
    return mapped


def _check_supported(source: _Source, date_format: str | None, decimal: str, drop_returns: bool) -> None:
    """Refuse, with the reason, what only the pandas reader does."""
    if decimal != ".":
        raise UnsupportedBySQL(
            f"decimal={decimal!r}: the SQL path reads numbers stored as numbers only; store amounts as a "
            "numeric column (DOUBLE/DECIMAL) or use the pandas path, idic_lab.schema.clean(...)."
        )
    if not drop_returns:
        raise UnsupportedBySQL(
            "drop_returns=False: the pandas path then refuses negative amounts in validate; the SQL path "
            "supports only drop_returns=True (returns dropped and counted)."
        )
    cols = source.columns
    missing = [c for c in ("customer_id", "date") if c not in cols]
    if "amount" not in cols and not {"quantity", "unit_price"} <= set(cols):
        missing.append("amount")
    if missing:
        raise SchemaError(
            f"Table 'transactions': expected the columns customer_id, date and amount (or quantity and "
            f"unit_price), found no {', '.join(missing)} among {list(source.kinds)}. Map your columns with "
            "columns={canonical: yours}.",
            table="transactions", column=missing[0],
        )
    for name in ("customer_id", "order_id", "product_id"):
        if name in cols and source.kinds[cols[name]] == "float":
            raise UnsupportedBySQL(
                f"Table 'transactions', column {name!r} ({cols[name]!r}): float ids are not read by the SQL path "
                "(a float loses digits above 2**53). Store the ids as text or integers."
            )
    for name in ("amount", "quantity", "unit_price", "cancellation"):
        if name in cols and source.kinds[cols[name]] not in ("integer", "float"):
            raise UnsupportedBySQL(
                f"Table 'transactions', column {name!r} ({cols[name]!r}): expected a numeric column, found "
                f"{source.kinds[cols[name]]}. The SQL path does not read numbers written as text (the pandas "
                "reader does, with decimal=); cast the column to DOUBLE or DECIMAL in the table."
            )
    kind = source.kinds[cols["date"]]
    if kind == "tz":
        raise UnsupportedBySQL(
            f"Table 'transactions', column 'date' ({cols['date']!r}): time-zone aware timestamps are not "
            "converted by the SQL path; store them as UTC timestamps without a time zone."
        )
    if kind == "text" and not date_format:
        raise UnsupportedBySQL(
            f"Table 'transactions', column 'date' ({cols['date']!r}) holds text: the SQL path does not guess "
            "day-first or month-first. Give date_format= (e.g. '%d/%m/%Y %H:%M') or store a timestamp column."
        )
    if kind not in ("text", "timestamp"):
        raise UnsupportedBySQL(
            f"Table 'transactions', column 'date' ({cols['date']!r}): expected a timestamp, date or text column, "
            f"found {kind}."
        )


# --------------------------------------------------------------------------
# The SQL text
# --------------------------------------------------------------------------


def _id_text(d: Dialect, source: _Source, name: str) -> str:
    """An id as stripped text, float-like '17850.0' made whole, blank as NULL (schema._read_ids)."""
    raw = d.column(source.columns[name])
    if source.kinds[source.columns[name]] == "integer":
        return f"CAST({raw} AS STRING)" if d.name == "spark" else f"CAST({raw} AS VARCHAR)"
    text = _strip(d, f"CAST({raw} AS STRING)")
    whole = d.replace_all.format(x=text, p=d.literal(r"^(-?[0-9]+)\.0+$"), r=d.literal(d.group_ref))
    return f"NULLIF(CASE WHEN {text} LIKE '%.%' THEN {whole} ELSE {text} END, '')"


_WHITESPACE = " \t\n\r\x0b\x0c"  # what RE2's and Java's \s match; Python's strip() also removes Unicode spaces


def _strip(d: Dialect, expression: str) -> str:
    """Leading and trailing whitespace removed (SQL's trim() alone removes only spaces)."""
    if d.name == "spark":
        return f"trim(BOTH {d.literal(_WHITESPACE)} FROM {expression})"
    return f"trim({expression}, {d.literal(_WHITESPACE)})"


def _text(d: Dialect, expression: str) -> str:
    return f"NULLIF({_strip(d, f'CAST({expression} AS STRING)')}, '')"


def _in_list(values: Sequence[str], d: Dialect) -> str:
    return "(" + ", ".join(d.literal(v) for v in sorted(values)) + ")" if values else "(NULL)"


def _lines_sql(
    d: Dialect, source: _Source, *, date_format: str | None, end: pd.Timestamp | None,
    drop_cancellations: bool, codes: frozenset[str], pattern: str | None,
) -> tuple[str, list[str]]:
    """The CTEs that give every line a drop reason (NULL: kept) and its netted amount.

    Returns the SQL of the CTE list (ending in ``lines``) and the reasons, in
    the order ``clean`` applies and reports them.
    """
    cols = source.columns
    c = d.column
    all_client = list(source.kinds)
    has = set(cols)
    reasons = ["missing customer_id", "exact duplicate row"]
    ctes = []
    flags = _change_flags(d, source)
    ctes.append(
        f"raw AS (SELECT *, {source.position + ' AS _pos, ' if source.position else ''}"
        f"{_id_text(d, source, 'customer_id')} AS _cid"
        + "".join(f", {expression} AS {flag}" for flag, expression in flags.items())
        + f" FROM {source.relation})"
    )
    group = ", ".join([c(name) for name in all_client] + list(flags))
    ctes.append(f"present AS (SELECT * FROM raw WHERE _cid IS NOT NULL)")
    ctes.append(
        f"distinct_lines AS (SELECT {group}, MIN(_pos) AS _pos, MIN(_cid) AS _cid, COUNT(*) AS _n "
        f"FROM present GROUP BY {group})"
    )
    carried = "".join(f", {flag}" for flag in flags)
    # Typed canonical columns.
    if "amount" in has:
        amount = f"CAST({c(cols['amount'])} AS DOUBLE)"
    else:
        amount = f"(CAST({c(cols['quantity'])} AS DOUBLE) * CAST({c(cols['unit_price'])} AS DOUBLE))"
    if source.kinds[cols["date"]] == "timestamp":
        date = f"CAST({c(cols['date'])} AS TIMESTAMP)"
    else:
        fmt = _java_date_format(date_format) if d.name == "spark" else date_format
        date = d.parse_date.format(x=c(cols["date"]), f=d.literal(fmt))
    quantity = f"CAST({c(cols['quantity'])} AS DOUBLE)" if "quantity" in has else "CAST(NULL AS DOUBLE)"
    product = f"upper({_text(d, c(cols['product_id']))})" if "product_id" in has else "CAST(NULL AS STRING)"
    product_key = _id_text(d, source, "product_id") if "product_id" in has else "''"
    described = f"({_text(d, c(cols['description']))} IS NOT NULL)" if "description" in has else "FALSE"
    if "description" in has:
        words = d.replace_all.format(x=_text(d, c(cols["description"])), p=d.literal(r"\s+"), r="' '")
        by_text = f"COALESCE({d.full_match.format(x=words, p=_with_regex(d, '(?i)' + schema._NON_PRODUCT_TEXT.pattern))}, FALSE)"
    else:
        by_text = "FALSE"
    ctes.append(
        f"typed AS (SELECT _pos, _cid, {amount} AS _amount, {date} AS _date, {quantity} AS _quantity, "
        f"{product} AS _product, {product_key} AS _pkey, {described} AS _described, {by_text} AS _by_text"
        + (f", {_text(d, c(cols['order_id']))} AS _order" if "order_id" in has else ", CAST(NULL AS STRING) AS _order")
        + (f", CAST({c(cols['cancellation'])} AS DOUBLE) AS _flag" if "cancellation" in has else ", CAST(NULL AS DOUBLE) AS _flag")
        + f"{carried}, _n FROM distinct_lines)"
    )
    # Non-product lines (schema._non_product_mask).
    if {"product_id", "description"} & has:
        reasons.append(schema._NON_PRODUCT_REASON)
        short = schema._SHORT_CODE
        long_codes = {x for x in schema.NON_PRODUCT_CODES if len(x) > short} | set(codes)
        letters = {x for x in schema.NON_PRODUCT_CODES if len(x) <= short} - set(codes)
        ctes.append(
            "catalogue AS (SELECT COALESCE(AVG(CASE WHEN length(_product) <= "
            f"{short} THEN 1.0 ELSE 0.0 END), 1.0) < 0.5 AS _letters_are_codes "
            "FROM (SELECT DISTINCT _product FROM typed WHERE _product IS NOT NULL) p)"
        )
        non_product = (
            f"(COALESCE(_product IN {_in_list(long_codes, d)}, FALSE) OR _by_text OR "
            f"(_letters_are_codes AND COALESCE(_product IN {_in_list(letters, d)}, FALSE) AND NOT _described))"
        )
        ctes.append(f"checked AS (SELECT typed.*, {non_product} AS _non_product FROM typed CROSS JOIN catalogue)")
    else:
        ctes.append("checked AS (SELECT typed.*, FALSE AS _non_product FROM typed)")
    reasons.append("unparseable date")
    ctes.append(
        "staged AS (SELECT checked.*, CASE WHEN _non_product THEN "
        f"{d.literal(schema._NON_PRODUCT_REASON)} WHEN _date IS NULL THEN 'unparseable date' END AS _early "
        "FROM checked)"
    )
    netting = drop_cancellations and ("order_id" in has or "cancellation" in has)
    if netting:
        reasons += [schema._CANCELLED_IN_FULL, schema._NETTED, schema._UNMATCHED]
        ctes += _netting_ctes(d, source, pattern)
    else:
        ctes.append(
            "netted AS (SELECT staged.*, CAST(NULL AS STRING) AS _netting, FALSE AS _reduced, "
            "FALSE AS _partial, _amount AS _net_amount, _quantity AS _net_quantity FROM staged)"
        )
    reasons += ["missing or non-finite amount", "return (negative amount)", "zero amount"]
    late = ""
    if "quantity" in has:
        reasons.append("zero or negative quantity")
        late += " WHEN _net_quantity <= 0 THEN 'zero or negative quantity'"
    if end is not None:
        reasons.append("after observation end")
        cut = end + pd.Timedelta(days=1) if end == end.normalize() else end
        compare = ">=" if end == end.normalize() else ">"
        late += f" WHEN _date {compare} TIMESTAMP '{cut.strftime('%Y-%m-%d %H:%M:%S.%f')}' THEN 'after observation end'"
    ctes.append(
        f"lines AS (SELECT _pos, _cid, _date, _net_amount, _reduced, _partial, _pkey, _order{carried}, _n, "
        "CASE WHEN _early IS NOT NULL THEN _early WHEN _netting IS NOT NULL THEN _netting "
        f"WHEN _net_amount IS NULL OR NOT {d.finite.format(x='_net_amount')} THEN 'missing or non-finite amount' "
        "WHEN _net_amount < 0 THEN 'return (negative amount)' WHEN _net_amount = 0 THEN 'zero amount'"
        f"{late} END AS _reason FROM netted)"
    )
    return ",\n".join(ctes), reasons


def _netting_ctes(d: Dialect, source: _Source, pattern: str | None) -> list[str]:
    """Cancellations netted last-in-first-out per (customer, product) with window sums (see the module notes)."""
    has = set(source.columns)
    marks = []
    if pattern is not None and "order_id" in has:
        marks.append(f"COALESCE({d.full_match.format(x='_order', p=_with_regex(d, '(?i)' + pattern))}, FALSE)")
    if "cancellation" in has:
        marks.append("COALESCE(_flag = 1, FALSE)")
    cancel = " OR ".join(marks) or "FALSE"
    by_units = "quantity" in has and "product_id" in has
    basis = "_quantity" if by_units else "_amount"
    finite = d.finite.format(x=basis)
    window = "PARTITION BY _cid, _pkey ORDER BY _date, _is_cancel, _pos"
    running = "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"
    return [
        f"marked AS (SELECT staged.*, ({cancel}) AS _cancel, CASE WHEN ({cancel}) THEN 1 ELSE 0 END AS _is_cancel, "
        f"{basis} AS _basis FROM staged WHERE _early IS NULL)",
        "cancel_keys AS (SELECT DISTINCT _cid AS _kc, _pkey AS _kp FROM marked WHERE _cancel AND _pkey IS NOT NULL)",
        "involved AS (SELECT marked.* FROM marked JOIN cancel_keys ON _cid = _kc AND _pkey = _kp)",
        "events AS (SELECT involved.*, CASE "
        f"WHEN NOT _cancel AND _basis > 0 AND {finite} THEN _basis "
        f"WHEN _cancel AND {finite} AND abs(_basis) > 0 THEN -abs(_basis) ELSE 0 END AS _x FROM involved)",
        f"prefix0 AS (SELECT events.*, SUM(_x) OVER ({window} {running}) AS _p FROM events)",
        f"prefix AS (SELECT prefix0.*, _p - LEAST(0, MIN(_p) OVER ({window} {running})) AS _s FROM prefix0)",
        f"stack AS (SELECT prefix.*, COALESCE(LAG(_s) OVER ({window}), 0) AS _s_before, "
        f"MIN(_s) OVER ({window} ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS _s_after FROM prefix)",
        "settled AS (SELECT stack.*, "
        "CASE WHEN _x > 0 THEN _x - GREATEST(0, LEAST(_x, _s_after - _s_before)) ELSE 0 END AS _taken, "
        "CASE WHEN _x < 0 THEN _s_before - _s ELSE 0 END AS _took FROM stack)",
        "judged AS (SELECT _pos AS _jpos, "
        f"CASE WHEN _x > 0 AND _taken > {_TOLERANCE} * abs(_basis) AND _x - _taken <= {_TOLERANCE} * abs(_basis) "
        f"THEN {d.literal(schema._CANCELLED_IN_FULL)} "
        f"WHEN _cancel AND _took > {_TOLERANCE} * abs(_basis) THEN {d.literal(schema._NETTED)} "
        f"WHEN _cancel THEN {d.literal(schema._UNMATCHED)} END AS _jreason, "
        f"(_x > 0 AND _taken > {_TOLERANCE} * abs(_basis) AND _x - _taken > {_TOLERANCE} * abs(_basis)) AS _jreduced, "
        f"(_cancel AND _took > {_TOLERANCE} * abs(_basis) AND abs(_basis) - _took > {_TOLERANCE} * abs(_basis)) "
        "AS _jpartial, CASE WHEN _x > 0 THEN (_basis - _taken) / _basis ELSE 1.0 END AS _share FROM settled)",
        "netted AS (SELECT marked.*, CASE WHEN _jreason IS NOT NULL THEN _jreason "
        f"WHEN _cancel THEN {d.literal(schema._UNMATCHED)} END AS _netting, "
        "COALESCE(_jreduced, FALSE) AS _reduced, COALESCE(_jpartial, FALSE) AS _partial, "
        "CASE WHEN _jreduced THEN _amount * _share ELSE _amount END AS _net_amount, "
        "CASE WHEN _jreduced THEN _quantity * _share ELSE _quantity END AS _net_quantity "
        "FROM marked LEFT JOIN judged ON _pos = _jpos "
        "UNION ALL SELECT staged.*, FALSE, 0, CAST(NULL AS DOUBLE), CAST(NULL AS STRING), FALSE, FALSE, "
        "_amount, _quantity FROM staged WHERE _early IS NOT NULL)",
    ]


def _summary_select(d: Dialect, split_day: int | None = None) -> str:
    """Per customer: first and last day, occasions, total and repeat spend.

    With ``split_day`` (days since 1970-01-01 of the calibration end) also the
    same for the calibration period and the holdout's occasions and spend.
    """
    day = d.day_number.format(x="_date")
    exact = f"CAST(SUM(CAST({{x}} AS {_DECIMAL})) AS DOUBLE)"
    split = ""
    if split_day is not None:
        cal = f"_day <= {int(split_day)}"
        split = (
            f", MIN(CASE WHEN {cal} THEN _day END) AS cal_first_day, MAX(CASE WHEN {cal} THEN _day END) AS cal_last_day, "
            f"SUM(CASE WHEN {cal} THEN 1 ELSE 0 END) AS cal_occasions, "
            f"{exact.format(x=f'CASE WHEN {cal} AND _day > _first THEN _spend END')} AS cal_repeat_total, "
            f"SUM(CASE WHEN {cal} THEN 0 ELSE 1 END) AS holdout_occasions, "
            f"{exact.format(x=f'CASE WHEN NOT ({cal}) THEN _spend END')} AS holdout_total"
        )
    return (
        f"occasions AS (SELECT _cid, {day} AS _day, {exact.format(x='_net_amount')} AS _spend "
        f"FROM lines WHERE _reason IS NULL GROUP BY _cid, {day}),\n"
        "firsts AS (SELECT occasions.*, MIN(_day) OVER (PARTITION BY _cid) AS _first FROM occasions),\n"
        "customers AS (SELECT _cid AS customer_id, MIN(_day) AS first_day, MAX(_day) AS last_day, "
        f"COUNT(*) AS occasions, {exact.format(x='_spend')} AS total, "
        f"{exact.format(x='CASE WHEN _day > _first THEN _spend END')} AS repeat_total{split} "
        "FROM firsts GROUP BY _cid)\n"
    )


def summary_sql(
    engine: str = "spark",
    *,
    source: str = "transactions",
    columns: Mapping[str, str] | None = None,
    column_types: Mapping[str, str] | None = None,
    observation_end: str | pd.Timestamp | None = None,
    date_format: str | None = None,
    drop_cancellations: bool = True,
    non_product_codes: Sequence[str] = (),
    cancellation_prefix: str | None = "C",
    line_number: str | None = None,
) -> str:
    """The SQL text of the cleaning and the per-customer summary, to run in a client's warehouse.

    The query returns one row per customer (``customer_id``, ``first_day``,
    ``last_day`` as days since 1970-01-01, ``occasions``, ``total``,
    ``repeat_total``): a consultant runs it in the client's Spark or DuckDB
    and takes away only that table. :func:`warehouse_summary` runs it for
    you and turns it into ``rfm_summary``'s table.

    Parameters
    ----------
    engine : {"spark", "duckdb"}
    source : str
        The table (or view) of invoice lines, e.g. ``"sales.orders"``.
    columns : dict
        ``{canonical: client column}`` as in :func:`idic_lab.schema.clean`.
    column_types : dict
        ``{client column: SQL type}`` of every column of the table (what
        ``DESCRIBE`` shows): the rules depend on them.
    observation_end, date_format, drop_cancellations, non_product_codes, cancellation_prefix
        As in :func:`idic_lab.schema.clean`.
    line_number : str, optional
        A column numbering the lines uniquely in file order. DuckDB numbers
        them itself; Spark needs it (its generated ids change when a query
        part is recomputed): e.g. a view
        ``SELECT *, monotonically_increasing_id() AS line_no FROM t``
        checkpointed once, or use :func:`warehouse_summary`, which does that.

    Returns
    -------
    str
    """
    d = _dialect(engine)
    if not column_types:
        raise ValueError(
            "column_types: expected {client column: SQL type} of every column of the source (what DESCRIBE "
            "prints), e.g. {'CustomerID': 'STRING', 'InvoiceDate': 'TIMESTAMP', 'Amount': 'DOUBLE'}."
        )
    kinds = {str(k): _kind(str(v)) for k, v in column_types.items()}
    if d.name == "spark" and not line_number:
        raise ValueError(
            "line_number: expected the name of a column numbering the lines uniquely (Spark's generated ids "
            "change between the parts of one query); or run warehouse_summary(table, engine='spark'), which "
            "numbers them once."
        )
    position = d.column(line_number) if line_number else _position(d)
    src = _Source(source, _mapping(kinds, columns), kinds, position)
    end = schema.as_date(observation_end, "observation_end")
    _check_supported(src, date_format, ".", True)
    ctes, _ = _lines_sql(
        d, src, date_format=date_format, end=end, drop_cancellations=drop_cancellations,
        codes=schema._non_product_codes(non_product_codes),
        pattern=_prefix_pattern(cancellation_prefix),
    )
    return f"WITH {ctes},\n{_summary_select(d)}SELECT * FROM customers"


def _prefix_pattern(prefix: Any) -> str | None:
    compiled = schema._cancellation_pattern(prefix)
    return None if compiled is None else compiled.pattern


def _position(d: Dialect) -> str:
    return "" if d.name == "spark" else "row_number() OVER ()"  # Spark: numbered once by the runner


def _dialect(engine: Any) -> Dialect:
    if engine not in DIALECTS:
        raise ValueError(f"engine={engine!r}: expected one of {', '.join(ENGINES)}.")
    return DIALECTS[engine]


# --------------------------------------------------------------------------
# Running it
# --------------------------------------------------------------------------


@dataclass
class WarehouseSummary:
    """The summary computed in the engine, with its cleaning report.

    Attributes
    ----------
    summary : DataFrame
        As :func:`idic_lab.differentiate.rfm_summary` (index ``customer_id``).
    report : CleaningReport
        As :func:`idic_lab.schema.clean` (counts per reason).
    customers : DataFrame
        The raw per-customer aggregates (first and last purchase day,
        occasions, total spend): what the lab needs instead of the lines.
    engine : str
    split : CalibrationHoldout or None
        With ``calibration_end``: as
        :func:`idic_lab.differentiate.calibration_holdout_split`.
    """

    summary: pd.DataFrame
    report: schema.CleaningReport
    customers: pd.DataFrame
    engine: str
    split: Any = None

    def summary_as(self, *, time_unit: str, definition: str) -> pd.DataFrame:
        """The summary in another time unit or definition (from the same aggregates: no second query)."""
        _choice(definition, "definition", ("btyd", "rfm"))
        if time_unit not in _TIME_UNITS:
            raise ValueError(f"time_unit={time_unit!r}: expected one of {', '.join(_TIME_UNITS)}.")
        end = schema.as_date(self.summary.attrs["observation_end"])
        return _summary(self.customers, end, time_unit, definition)

    def past_value(self) -> pd.Series:
        """Spend per customer up to the observation end (the past value of the value table)."""
        return pd.Series(self.customers["total"].to_numpy(dtype="float64"), index=self.summary.index,
                         name="past_value")


class _Runner:
    """Runs SQL text on one engine and returns pandas frames."""

    def __init__(self, engine: str, source: Any, connection: Any):
        self.dialect = _dialect(engine)
        self.engine = engine
        self.connection = connection
        self._view = "idic_source"
        if engine == "duckdb":
            self.source = self._duckdb_source(source)
        else:
            self.source = self._spark_source(source)

    def _duckdb_source(self, source: Any) -> str:
        import duckdb

        if self.connection is None:
            self.connection = duckdb.connect()
        con = self.connection
        if isinstance(source, pd.DataFrame):
            con.register(self._view, source)
            return self._view
        if isinstance(source, Path) or (isinstance(source, str) and re.search(r"\.(parquet|csv|tsv|txt)(\.gz)?$|[*?]", source, re.I)):
            text = str(source)
            reader = "read_parquet" if re.search(r"\.parquet$", text, re.I) else "read_csv"
            if not any(ch in text for ch in "*?") and not Path(text).exists():
                raise FileNotFoundError(f"source={text!r}: no such file.")
            return f"{reader}({self.dialect.literal(text)})"
        if isinstance(source, str):
            return source
        raise TypeError(
            f"source: expected a pandas DataFrame, a Parquet/CSV path or glob, or a table name of the DuckDB "
            f"connection, found {type(source).__name__}."
        )

    def _spark_source(self, source: Any) -> str:
        from pyspark.sql import DataFrame as SparkFrame, SparkSession

        if self.connection is None:
            self.connection = SparkSession.getActiveSession()
        if self.connection is None:
            raise ValueError("engine='spark': expected a SparkSession (spark=...) or an active one, found none.")
        from pyspark.sql.functions import monotonically_increasing_id

        if isinstance(source, pd.DataFrame):
            source = self.connection.createDataFrame(source)
        if isinstance(source, str):
            source = self.connection.table(source)
        if not isinstance(source, SparkFrame):
            raise TypeError(
                f"source: expected a Spark table name or a Spark DataFrame, found {type(source).__name__}."
            )
        self._types = {f.name: f.dataType.simpleString() for f in source.schema.fields}
        # The line numbers must not change between the parts of the query (the id is not deterministic
        # across recomputations), so the numbered lines are materialised once.
        numbered = source.withColumn("_pos", monotonically_increasing_id()).localCheckpoint()
        numbered.createOrReplaceTempView(self._view)
        return self._view

    def column_types(self) -> dict[str, str]:
        if self.engine == "duckdb":
            rows = self.connection.sql(f"DESCRIBE SELECT * FROM {self.source}").fetchall()
            return {str(r[0]): str(r[1]) for r in rows}
        return dict(self._types)

    def materialize(self, name: str, sql: str) -> None:
        """Compute a query once and keep it (DuckDB: a temporary table; Spark: a checkpointed view)."""
        if self.engine == "duckdb":
            self.connection.sql(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")
        else:
            self.connection.sql(sql).localCheckpoint().createOrReplaceTempView(name)

    def frame(self, sql: str) -> pd.DataFrame:
        if self.engine == "duckdb":
            return self.connection.sql(sql).df()
        with warnings.catch_warnings():  # pyspark 4 warns that it does not yet fully support pandas 3
            warnings.filterwarnings("ignore", message="PySpark does not yet fully support", category=FutureWarning)
            return self.connection.sql(sql).toPandas()


def warehouse_summary(
    source: Any,
    *,
    observation_end: str | pd.Timestamp | None,
    engine: str = "duckdb",
    connection: Any = None,
    columns: Mapping[str, str] | str | None = None,
    time_unit: str = "W",
    definition: str = "btyd",
    date_format: str | None = None,
    decimal: str = ".",
    drop_cancellations: bool = True,
    drop_returns: bool = True,
    non_product_codes: Sequence[str] = (),
    cancellation_prefix: str | None = "C",
    calibration_end: str | pd.Timestamp | None = None,
) -> WarehouseSummary:
    """Clean invoice lines and summarise them per customer inside DuckDB or Spark.

    Equal to ``rfm_summary(clean('transactions', df, ...)[0], ...)`` with
    the same options, but only per-customer rows leave the engine.

    Parameters
    ----------
    source : DataFrame, str or Spark DataFrame
        DuckDB: a pandas DataFrame, a Parquet/CSV path or glob
        (``"orders/*.parquet"``, streamed), or a table of ``connection``.
        Spark: a table name (``"sales.orders"``) or a Spark DataFrame.
    observation_end : str, Timestamp or None
        Last day of the observation window; later lines are dropped and
        counted as in :func:`idic_lab.schema.clean`. ``None`` (or ``""``):
        no cut, and the summary ends on the last purchase day, as
        :func:`idic_lab.differentiate.analysis_window` does.
    engine : {"duckdb", "spark"}
    connection : duckdb connection or SparkSession, optional
        Default: a new in-memory DuckDB, or the active SparkSession.
    columns, date_format, decimal, drop_cancellations, drop_returns, non_product_codes, cancellation_prefix
        As in :func:`idic_lab.schema.clean`. A text date column needs
        ``date_format`` (the SQL path never guesses the order of day and
        month); ``decimal`` must be ``"."`` and ``drop_returns`` True.
    time_unit, definition
        As in :func:`idic_lab.differentiate.rfm_summary`.
    calibration_end : str or Timestamp, optional
        Also split the purchases as
        :func:`idic_lab.differentiate.calibration_holdout_split` does
        (``WarehouseSummary.split``).

    Returns
    -------
    WarehouseSummary

    Raises
    ------
    UnsupportedBySQL
        When the source needs a pandas reading rule the SQL does not
        reproduce (the message names it and the fix).
    SchemaError
        Missing columns, or no line left after cleaning.
    """
    _choice(definition, "definition", ("btyd", "rfm"))
    if time_unit not in _TIME_UNITS:
        raise ValueError(f"time_unit={time_unit!r}: expected one of {', '.join(_TIME_UNITS)}.")
    end = schema.as_date(observation_end, "observation_end")
    schema._check_flags(drop_cancellations=drop_cancellations, drop_returns=drop_returns)
    codes = schema._non_product_codes(non_product_codes)
    pattern = _prefix_pattern(cancellation_prefix)
    runner = _Runner(_choice(engine, "engine", ENGINES), source, connection)
    kinds = {name: _kind(t) for name, t in runner.column_types().items()}
    mapped = _mapping(kinds, columns)
    nets = drop_cancellations and bool({"order_id", "cancellation"} & set(mapped))
    # The file order matters only for netting (ties at one moment); numbering lines costs a pass in DuckDB.
    position = _position(runner.dialect) if nets or runner.engine == "spark" else "0"
    src = _Source(runner.source, mapped, kinds, position)
    _check_supported(src, date_format, decimal, bool(drop_returns))
    ctes, reasons = _lines_sql(
        runner.dialect, src, date_format=date_format, end=end, drop_cancellations=drop_cancellations,
        codes=codes, pattern=pattern,
    )
    # The reasons, counts and summary read the cleaned lines several times: they are computed once, with only
    # the columns the rest needs (DuckDB spills the table to disk beyond its memory limit).
    flags = "".join(f", {flag}" for flag in _change_flags(runner.dialect, src))
    runner.materialize(
        "idic_lines", f"WITH {ctes} SELECT _cid, _date, _net_amount, _reason, _reduced, _partial, _n{flags} FROM lines"
    )
    rows_in = runner.frame(f"SELECT COUNT(*) AS n FROM {runner.source}")["n"].iloc[0]
    ctes = "lines AS (SELECT * FROM idic_lines)"
    totals = ", ".join(
        ["COUNT(*) AS distinct_rows", "SUM(_n) AS present_rows",
         "SUM(CASE WHEN _date IS NOT NULL THEN 1 ELSE 0 END) AS dated_rows",
         "SUM(CASE WHEN _reduced THEN 1 ELSE 0 END) AS reduced_rows",
         "SUM(CASE WHEN _partial THEN 1 ELSE 0 END) AS partial_rows"]
        + [f"SUM(CASE WHEN _reason IS NULL THEN {flag} ELSE 0 END) AS {flag}" for flag in _change_flags(runner.dialect, src)]
    )
    counts_sql = (
        f"WITH {ctes},\n"
        "counted AS (SELECT COALESCE(_reason, 'kept') AS reason, COUNT(*) AS n_rows FROM lines "
        "GROUP BY COALESCE(_reason, 'kept')) SELECT * FROM counted"
    )
    counts = dict(runner.frame(counts_sql).itertuples(index=False, name=None))
    row = runner.frame(f"WITH {ctes} SELECT {totals} FROM lines").iloc[0]
    counts.update({
        "rows in": rows_in, "present": row["present_rows"], "distinct": row["distinct_rows"], "dates present": row["dated_rows"],
        "changed: reduced": row["reduced_rows"], "note: partial": row["partial_rows"],
        **{f"{flag[1:].split('_', 1)[0]} {flag[1:].split('_', 1)[1]}": row[flag] for flag in _change_flags(runner.dialect, src)},
    })
    report = _report(counts, reasons, src, date_format, drop_cancellations, codes)
    cal_end = schema.as_date(calibration_end, "calibration_end")
    if end is None:
        last_day = runner.frame(
            f"WITH {ctes},\nlast_line AS (SELECT MAX({runner.dialect.day_number.format(x='_date')}) AS last_day "
            "FROM lines WHERE _reason IS NULL) SELECT * FROM last_line"
        )["last_day"].iloc[0]
        end = _days(pd.Series([last_day]))[0]
    if cal_end is not None and cal_end >= end:
        raise ValueError(
            f"calibration_end={str(cal_end.date())!r}: expected a date before observation_end {end.date()} "
            "(a holdout period of at least one day)."
        )
    split_day = None if cal_end is None else int((cal_end.normalize() - pd.Timestamp("1970-01-01")).days)
    customers = runner.frame(f"WITH {ctes},\n{_summary_select(runner.dialect, split_day)}SELECT * FROM customers")
    customers = customers.sort_values("customer_id", kind="stable").reset_index(drop=True)
    summary = _summary(customers, end, time_unit, definition)
    split = None if cal_end is None else _split(customers, cal_end, end, time_unit)
    return WarehouseSummary(summary=summary, report=report, customers=customers, engine=engine, split=split)


def _choice(value: Any, name: str, choices: Sequence[str]) -> str:
    if value not in choices:
        raise ValueError(f"{name}={value!r}: expected one of {', '.join(map(repr, choices))}.")
    return value


def _change_flags(d: Dialect, source: _Source) -> dict[str, str]:
    """Per text id column: 1 where validate strips whitespace or makes a float-like id whole (schema._conform_id)."""
    flags = {}
    text_type = "STRING" if d.name == "spark" else "VARCHAR"
    for name in ("customer_id", "order_id", "product_id"):
        client = source.columns.get(name)
        if client is None or source.kinds[client] != "text":
            continue
        raw = f"CAST({d.column(client)} AS {text_type})"
        stripped = _strip(d, raw)
        whole = d.full_match.format(x=stripped, p=_with_regex(d, r"-?[0-9]+\.0+"))
        flags[f"_stripped_{name}"] = f"CASE WHEN {raw} <> {stripped} THEN 1 ELSE 0 END"
        flags[f"_whole_{name}"] = f"CASE WHEN {stripped} LIKE '%.0%' AND {whole} THEN 1 ELSE 0 END"
    return flags


def _report(
    counts: Mapping[str, int], reasons: list[str], source: _Source, date_format: str | None,
    drop_cancellations: bool, codes: frozenset[str],
) -> schema.CleaningReport:
    """The CleaningReport clean() would give, from the engine's counts."""
    n = lambda key: int(counts.get(key, 0) or 0)  # noqa: E731
    report = schema.CleaningReport("transactions", rows_in=n("rows in"))
    cols = source.columns
    if n("rows in") == 0:
        raise SchemaError("Table 'transactions': expected at least one row, found 0.", table="transactions")
    if "amount" not in cols:
        report.notes.append(f"amount computed as {cols['quantity']} × {cols['unit_price']} (no amount column)")
    if not ({"product_id", "description"} & set(cols)):
        report.notes.append("non-product lines not checked: no product_id or description column")
    if n("dates present") == 0 and n("distinct") > 0:
        raise SchemaError(
            f"Table 'transactions', column 'date': date_format={date_format!r} reads none of the dates; "
            "check the format.", table="transactions", column="date",
        )
    if source.kinds[cols["date"]] == "text":
        report.notes.append(f"date read with format {date_format!r}")
    netting = drop_cancellations and ("order_id" in cols or "cancellation" in cols)
    if drop_cancellations and not netting:
        report.notes.append("cancellations not checked: no order_id (or cancellation flag) column")
    derived = {"missing customer_id": n("rows in") - n("present"), "exact duplicate row": n("present") - n("distinct")}
    for reason in reasons:
        report.dropped[reason] = derived.get(reason, n(reason))
        if reason == schema._CANCELLED_IN_FULL:
            report.changed[schema._REDUCED] = n("changed: reduced")
    if netting and n("note: partial"):
        unit = "quantity" if {"quantity", "product_id"} <= set(cols) else "amount"
        report.notes.append(
            f"{n('note: partial')} cancellation line(s) cancelled more {unit} than the "
            "earlier purchases of the same customer and product held; the rest was not netted"
        )
    for name in ("customer_id", "order_id", "product_id"):
        if n(f"stripped {name}"):
            report.changed[f"{name} whitespace stripped"] = n(f"stripped {name}")
        if n(f"whole {name}"):
            report.changed[f"{name} float-like ids made whole (17850.0 -> '17850')"] = n(f"whole {name}")
    report.rows_out = n("kept")
    if report.rows_out == 0:
        raise SchemaError(
            f"Table 'transactions': cleaning dropped all {report.rows_in:,} rows, expected some to remain; "
            f"most were dropped as {schema._largest_reasons(report)}.\n{report}",
            table="transactions", n_bad=report.rows_in, n_rows=report.rows_in,
        )
    return report


def _summary(customers: pd.DataFrame, end: pd.Timestamp, time_unit: str, definition: str) -> pd.DataFrame:
    """rfm_summary's table from the per-customer aggregates (same arithmetic, same dtypes)."""
    index = pd.Index(customers["customer_id"].astype("str").to_numpy(), dtype="str", name="customer_id")
    epoch = pd.Timestamp("1970-01-01")
    first = epoch + pd.to_timedelta(customers["first_day"].to_numpy(dtype="int64"), unit="D")
    last = epoch + pd.to_timedelta(customers["last_day"].to_numpy(dtype="int64"), unit="D")
    first_day = pd.Series(first, index=index)
    last_day = pd.Series(last, index=index)
    if first_day.min() > end:
        raise SchemaError(
            f"Table 'transactions': expected observation_end on or after the first purchase, found "
            f"observation_end {end.date()} before the first purchase {first_day.min().date()}.",
            table="transactions", column="date",
        )
    unit = _TIME_UNITS[time_unit]
    day = pd.Timedelta(days=1)
    count = pd.Series(customers["occasions"].to_numpy(dtype="int64"), index=index)
    total = pd.Series(customers["total"].to_numpy(dtype="float64"), index=index)
    if definition == "btyd":
        repeats = pd.Series(customers["repeat_total"].to_numpy(dtype="float64", na_value=np.nan), index=index)
        monetary = (repeats / (count - 1).where(count > 1)).fillna(0.0)
        out = pd.DataFrame(
            {
                "frequency": (count - 1).astype("float64"),
                "recency": (last_day - first_day) / day / unit,
                "T": (end - first_day) / day / unit,
                "monetary_value": monetary.astype("float64"),
            }
        )
    else:
        out = pd.DataFrame(
            {
                "recency": (end - last_day) / day / unit,
                "frequency": count,
                "monetary_value": (total / count).astype("float64"),
                "total_value": total.astype("float64"),
                "T": (end - first_day) / day / unit,
            }
        )
    out.index.name = "customer_id"
    out.attrs["time_unit"] = time_unit
    out.attrs["definition"] = definition
    out.attrs["observation_end"] = str(end.date())
    out.attrs["rows_after_observation_end"] = 0
    return out


def _days(values: pd.Series) -> pd.Series:
    """Days since 1970-01-01 as Timestamps."""
    return pd.Timestamp("1970-01-01") + pd.to_timedelta(values.to_numpy(dtype="int64"), unit="D")


def _split(customers: pd.DataFrame, cal_end: pd.Timestamp, end: pd.Timestamp, time_unit: str) -> Any:
    """calibration_holdout_split's result from the per-customer aggregates."""
    from idic_lab.differentiate import CalibrationHoldout

    known = customers["cal_occasions"].to_numpy(dtype="int64") > 0
    if not known.any():
        raise SchemaError(
            f"Table 'transactions': expected purchases up to calibration_end {cal_end.date()}, found none. Choose "
            f"a later calibration_end.", table="transactions", column="date",
        )
    cal = customers.loc[known]
    calibration = pd.DataFrame({
        "customer_id": cal["customer_id"], "first_day": cal["cal_first_day"], "last_day": cal["cal_last_day"],
        "occasions": cal["cal_occasions"], "total": np.nan, "repeat_total": cal["cal_repeat_total"],
    })
    summary = _summary(calibration, cal_end, time_unit, "btyd")
    summary.attrs.pop("rows_after_observation_end", None)
    holdout = pd.Series(cal["holdout_occasions"].to_numpy(dtype="int64"), index=summary.index)
    spend = pd.Series(cal["holdout_total"].to_numpy(dtype="float64", na_value=np.nan), index=summary.index)
    summary["frequency_holdout"] = holdout.astype("float64")
    summary["monetary_value_holdout"] = (spend / holdout.where(holdout > 0)).fillna(0.0).astype("float64")
    summary["duration_holdout"] = (end - cal_end) / pd.Timedelta(days=1) / _TIME_UNITS[time_unit]
    new = customers.loc[~known]
    new_table = pd.DataFrame(
        {"first_date": _days(new["first_day"]), "occasions": new["occasions"].to_numpy(dtype="int64"),
         "spend": new["total"].to_numpy(dtype="float64")},
        index=pd.Index(new["customer_id"].astype("str").to_numpy(), dtype="str", name="customer_id"),
    )
    return CalibrationHoldout(summary, new_table, cal_end, end, time_unit)


def compress_summary(summary: pd.DataFrame) -> pd.DataFrame:
    """One row per distinct (frequency, recency, T) with the number of customers who share it.

    The BTYD likelihoods depend on a customer only through (x, t_x, T)
    (Fader, Hardie & Lee, 2005), so this table, far smaller than the
    customer list, is all a purchase model needs; ``monetary_value`` is
    averaged per pattern (weighted by customers).

    Parameters
    ----------
    summary : DataFrame
        From :func:`warehouse_summary` or ``rfm_summary(..., definition='btyd')``.

    Returns
    -------
    DataFrame
        Columns ``frequency``, ``recency``, ``T``, ``monetary_value``,
        ``customers``; sorted by the first three.
    """
    if not isinstance(summary, pd.DataFrame):
        raise TypeError(f"summary: expected a DataFrame from warehouse_summary, found {type(summary).__name__}.")
    needed = ["frequency", "recency", "T", "monetary_value"]
    missing = [c for c in needed if c not in summary.columns]
    if missing or summary.attrs.get("definition") == "rfm":
        raise ValueError(
            f"summary: expected a BTYD summary with columns {', '.join(needed)}, found columns "
            f"{list(summary.columns)} (definition {summary.attrs.get('definition')!r}). Build it with "
            "definition='btyd'."
        )
    grouped = summary.groupby(["frequency", "recency", "T"], sort=True)
    out = grouped.agg(monetary_value=("monetary_value", "mean"), customers=("monetary_value", "size")).reset_index()
    out["customers"] = out["customers"].astype("int64")
    out.attrs = dict(summary.attrs)
    return out


# --------------------------------------------------------------------------
# Notebook 02 with a SQL engine
# --------------------------------------------------------------------------


@dataclass
class WarehouseInputs:
    """What notebook 02 needs when the lines stay in DuckDB or Spark: aggregates only.

    Attributes
    ----------
    result : WarehouseSummary
        Summary, calibration/holdout split, cleaning report, per-customer aggregates.
    window : AnalysisWindow
        As :func:`idic_lab.differentiate.analysis_window` (filled in the same way).
    source : str
        The file or table name, for the report.
    engine : str
    """

    result: WarehouseSummary
    window: Any
    source: str
    engine: str

    @property
    def summary(self) -> pd.DataFrame:
        """The BTYD summary at the observation end."""
        return self.result.summary

    @property
    def split(self) -> Any:
        """The calibration/holdout split."""
        return self.result.split

    @property
    def report(self) -> schema.CleaningReport:
        """The cleaning counts per reason."""
        return self.result.report

    def past_value(self) -> pd.Series:
        """Spend per customer up to the observation end."""
        return self.result.past_value()


def not_run_sentence(section: str, engine: str) -> str:
    """The line a notebook shows for a section that needs the invoice lines, which a SQL engine keeps."""
    return (f"**Not run with engine {engine!r}:** {section} needs the individual invoice lines, which stay in "
            f"{'DuckDB' if engine == 'duckdb' else 'Spark'}; only per-customer aggregates were loaded.")


def load_warehouse_inputs(
    *,
    engine: str,
    transactions_file: str | Path = "",
    transactions_table: str = "",
    transaction_columns: Mapping[str, str] | str | None = None,
    date_format: str | None = None,
    observation_end: str | pd.Timestamp = "",
    calibration_end: str | pd.Timestamp = "",
    time_unit: str = "W",
    non_product_codes: Sequence[str] = (),
    connection: Any = None,
) -> WarehouseInputs:
    """The summaries of notebook 02 computed by DuckDB (``transactions_file``) or Spark (``transactions_table``).

    Empty ``observation_end`` and ``calibration_end`` are filled in as
    :func:`idic_lab.differentiate.analysis_window` does (the last purchase
    day; the middle of the window).

    Parameters
    ----------
    engine : {"duckdb", "spark"}
    transactions_file : str or Path
        DuckDB: a Parquet or CSV file (or glob) of invoice lines.
    transactions_table : str
        Spark: a table of the active SparkSession (e.g. ``"sales.orders"``);
        DuckDB: a table of ``connection``.
    transaction_columns, date_format, non_product_codes
        As in :func:`idic_lab.schema.clean`.
    observation_end, calibration_end, time_unit
        As in :func:`idic_lab.differentiate.analysis_window`.
    connection : duckdb connection or SparkSession, optional

    Returns
    -------
    WarehouseInputs
    """
    from idic_lab.differentiate import AnalysisWindow

    _choice(engine, "engine", ENGINES)
    file, table = str(transactions_file or "").strip(), str(transactions_table or "").strip()
    if bool(file) == bool(table):
        raise ValueError(
            f"engine={engine!r}: expected exactly one of transactions_file (a Parquet/CSV file DuckDB streams) and "
            f"transactions_table (a table of the engine), found {'both' if file else 'neither'}."
        )
    if engine == "spark" and connection is None:
        from pyspark.sql import SparkSession

        connection = SparkSession.getActiveSession() or SparkSession.builder.getOrCreate()
    options = dict(engine=engine, connection=connection, columns=transaction_columns or None,
                   date_format=date_format or None, non_product_codes=non_product_codes, time_unit=time_unit)
    source = file or table
    end = schema.as_date(observation_end, "observation_end")
    cal_end = schema.as_date(calibration_end, "calibration_end")
    without_cut = None
    if end is None or cal_end is None:
        first = warehouse_summary(source, observation_end=end, **options)
        without_cut = first.report if end is None else None  # clean(...) without an end: no 'after' reason
        end = end or schema.as_date(first.summary.attrs["observation_end"])
        start = _days(first.customers["first_day"]).min()
        cal_end = cal_end or (start + (end - start) / 2).normalize()
    result = warehouse_summary(source, observation_end=end, calibration_end=cal_end, **options)
    if without_cut is not None:
        result.report = without_cut
    customers = result.customers
    window = AnalysisWindow(
        start=_days(customers["first_day"]).min(), last_purchase=_days(customers["last_day"]).max(),
        end=end.normalize(), calibration_end=cal_end.normalize(), time_unit=time_unit,
        purchases=result.report.rows_out, customers=len(customers), file=Path(file).name if file else None,
    )
    return WarehouseInputs(result=result, window=window, source=Path(file).name if file else table, engine=engine)
