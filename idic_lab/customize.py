"""Customize: what to offer each customer — basket rules, recommendations and the next best offer.

This is the **Customize** stage of the IDIC model (Peppers & Rogers): what the
firm has learned about each customer in Identify, Differentiate and Interact
changes what it offers that customer.

Basket rules (market-basket analysis)
    * :func:`read_basket_lines` — a one-basket-per-line file (e.g. the
      Groceries data) as a ``baskets`` table; :func:`load_baskets` — a
      client's basket/transaction export with its own column names.
    * :func:`basket_matrix` — the binary basket × product matrix (sparse).
    * :func:`frequent_itemsets` — itemsets of one, two and three products
      above a minimum support, found level by level with the apriori
      property of Agrawal & Srikant (1994): an itemset can only be frequent
      if all its subsets are. Pairs are counted at once as a sparse product
      ``Xᵀ X``; triples by one more sparse product.
    * :func:`association_rules` — rules ``A → B`` with support, confidence,
      lift, leverage and conviction, filtered by minimum support, confidence
      and lift.
    * :func:`bundle_recovery` — on the synthetic world: are the planted
      bundles found, how high do they rank by lift, and how close is the
      confidence to the planted probability?

Recommendations
    * :func:`holdout_split` — a time-based holdout: purchases up to a cut-off
      date train the recommender; what each customer bought afterwards is what
      a good recommendation should have contained.
    * :class:`ItemKNNRecommender` — item-based collaborative filtering with
      cosine similarity on the customer × product matrix (Sarwar et al. 2001;
      Linden, Smith & York 2003).
    * :class:`PopularityRecommender`, :class:`SegmentPopularityRecommender` —
      baselines: the most popular products overall, or within the customer's
      needs segment (labels from
      :class:`idic_lab.differentiate.NeedsSegmentation`).
    * :func:`evaluate_recommendations`, :func:`compare_recommenders` —
      precision@k, recall@k and hit rate on the holdout (an empty holdout
      is refused: the figures would be 0/0).

Next best offer
    * :func:`acceptance_by_rank` — the share of recommendations at each rank
      that the customer bought in the holdout: an empirical stand-in for
      P(accept) until a campaign test (Interact) measures it;
      :func:`acceptance_rates` per rank and category (shrunk towards the
      rank's rate) and :func:`offer_candidates` attach it to recommendations.
    * :func:`product_margins` — margin per product, given or as list price ×
      margin rate.
    * :func:`next_best_offers` — per customer the offer with the highest
      expected value P(accept) × margin, under business constraints (not
      already bought, at most so many offers per category, a contact budget,
      a cost per contact); :func:`offer_summary` sums it up per category.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from idic_lab.diagnostics import warn
from idic_lab.formatting import plain as _plain_value
from idic_lab.schema import TABLES, SchemaError, as_date, check_frame, read_table

__all__ = [
    "BasketMatrix",
    "ConjointStudy",
    "HoldoutSplit",
    "ItemKNNRecommender",
    "PopularityRecommender",
    "SegmentPopularityRecommender",
    "acceptance_by_rank",
    "acceptance_rates",
    "association_rules",
    "basket_matrix",
    "basket_overview",
    "basket_prices",
    "attribute_importance",
    "customer_value",
    "default_cutoff",
    "estimate_part_worths",
    "preferred_bundle",
    "segment_uplift",
    "share_of_preference",
    "tailored_offers",
    "bundle_recovery",
    "compare_recommenders",
    "compare_with_planted",
    "named_needs_segments",
    "product_label",
    "tailored_headline",
    "tailored_summary",
    "with_names",
    "conjoint_study",
    "offer_profile",
    "evaluate_recommendations",
    "frequent_itemsets",
    "holdout_split",
    "load_baskets",
    "load_product_list",
    "next_best_offers",
    "offer_candidates",
    "offer_summary",
    "product_margins",
    "read_basket_lines",
]

ITEM_SEPARATOR = " + "
"""How the products of a multi-product antecedent or consequent are joined in a rules table."""


# --------------------------------------------------------------------------
# Reading and checking baskets
# --------------------------------------------------------------------------

# Byte-order marks that name their encoding (checked longest first).
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def _basket_text(path: Path, encoding: str | None) -> str:
    """The file's text: the given encoding, else a byte-order mark, utf-8 or cp1252 (older Windows exports)."""
    data = path.read_bytes()
    if encoding is None:
        encoding = next((name for bom, name in _BOMS if data.startswith(bom)), None)
    candidates = (encoding,) if encoding else ("utf-8", "cp1252")
    for candidate in candidates:
        try:
            return data.decode(candidate)
        except LookupError as exc:
            raise ValueError(
                f"read_basket_lines: encoding={candidate!r} is not a text encoding Python knows; "
                "use e.g. 'utf-8', 'cp1252', 'latin-1' or 'utf-16', or leave encoding out to detect it."
            ) from exc
        except UnicodeDecodeError as exc:
            if len(candidates) == 1:
                raise ValueError(
                    f"read_basket_lines: file {path.name} is not {candidate} text (byte {exc.start} cannot be "
                    f"read: {exc.reason}). Pass the file's encoding, e.g. encoding='cp1252' or 'utf-16', or "
                    "leave encoding out to detect it."
                ) from exc
    raise AssertionError("unreachable: cp1252 decodes almost any byte")  # pragma: no cover


def read_basket_lines(path: str | Path, *, sep: str = ",", encoding: str | None = None) -> pd.DataFrame:
    """Read a file with one basket per line (items separated by ``sep``, no header) as a ``baskets`` table.

    This is the layout of the Groceries data of Hahsler, Hornik & Reutterer
    (2006) and of many market-basket teaching sets. Line *n* (counting from
    1) becomes ``order_id`` ``"n"``; surrounding whitespace of items is
    removed; blank lines and blank items are skipped; an item listed twice in
    one line becomes one row with ``quantity`` 2.

    Parameters
    ----------
    path : str or Path
        The text file.
    sep : str
        Item separator within a line (one or more characters).
    encoding : str, optional
        Text encoding of the file; default: detected (a byte-order mark for
        utf-8 or UTF-16, else utf-8, else cp1252).

    Returns
    -------
    DataFrame
        ``order_id``, ``product_id`` (strings) and ``quantity`` (int), one row
        per product and basket, in file order.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If ``sep`` is empty, the encoding is unknown or does not fit the file.
    SchemaError
        If the file holds no item at all.
    """
    path = Path(path)
    if not isinstance(sep, str) or not sep:
        raise ValueError(f"read_basket_lines: sep must be the item separator, e.g. ',' or ';', found {sep!r}.")
    if not path.is_file():
        raise FileNotFoundError(f"read_basket_lines: no file at {path.resolve()}")
    orders: list[str] = []
    items: list[str] = []
    for number, line in enumerate(_basket_text(path, encoding).splitlines(), start=1):
        for item in line.split(sep):
            item = item.strip()
            if item:
                orders.append(str(number))
                items.append(item)
    if not items:
        raise SchemaError(
            f"Table 'baskets' read from {path}: expected lines of {sep!r}-separated items, found no item "
            "(an empty file, or another separator: pass sep=...).",
            table="baskets", column="product_id", n_rows=0,
        )
    frame = pd.DataFrame({"order_id": orders, "product_id": items})
    out = frame.groupby(["order_id", "product_id"], sort=False).size().rename("quantity").reset_index()
    return out.astype({"order_id": "string", "product_id": "string", "quantity": "int64"})


def load_baskets(
    path: str | Path,
    *,
    columns: Mapping[str, str] | str | None = None,
    date_format: str | None = None,
    dayfirst: bool | None = None,
    observation_end: str | pd.Timestamp | None = None,
    decimal: str = ".",
    encoding: str | None = None,
    sep: str | None = None,
    non_product_codes: Sequence[str] | None = None,
) -> tuple[pd.DataFrame, Any]:
    """Read a client's basket (order line) export, map its columns and clean it.

    Parameters
    ----------
    path : str or Path
        CSV/TSV/Parquet/Excel file (see :func:`idic_lab.schema.read_file`),
        one row per product in an order.
    columns : dict or JSON str, optional
        ``{canonical: client column}``, e.g. ``{"order_id": "Bonnummer",
        "product_id": "Artikel", "customer_id": "Kundennr", "date": "Datum"}``.
    date_format : str, optional
        strftime format of the dates, e.g. ``"%d.%m.%Y"``; empty: detect.
    dayfirst : bool, optional
        Without ``date_format``: ``True`` reads ``01/02/2024`` as 1 February,
        ``False`` as 2 January; ``None`` (default) refuses dates that could
        be read either way instead of guessing.
    observation_end : str, optional
        Rows after this date are dropped (and counted).
    decimal : {".", ","}
        Decimal separator of numbers such as the quantity (``","``: 12,5).
    encoding, sep : str, optional
        As in :func:`idic_lab.schema.read_file` (default: detected).
    non_product_codes : list of str, optional
        The client's own codes of non-product lines (fees, postage …),
        dropped with a count besides the built-in list.

    Returns
    -------
    (DataFrame, CleaningReport)
        The canonical ``baskets`` table and the count of dropped rows per
        reason. Lines without a customer id are kept (a basket is a basket);
        drop them for work that follows customers.
    """
    return read_table("baskets", path, columns=columns, date_format=date_format, dayfirst=dayfirst,
                      observation_end=observation_end, decimal=decimal, encoding=encoding, sep=sep,
                      non_product_codes=non_product_codes)


def basket_prices(baskets: pd.DataFrame, column: str, *, decimal: str = ".") -> pd.DataFrame:
    """A price list from the unit prices on the order lines: the median positive price of each product.

    For the next best offer when no product list with prices is given
    (e.g. an invoice-lines export with a ``UnitPrice`` column).

    Parameters
    ----------
    baskets : DataFrame
        ``product_id`` and ``column`` (numbers, or text numbers as read from a file).
    column : str
        The price column of ``baskets``, e.g. ``"UnitPrice"``.
    decimal : {".", ","}
        Decimal mark of text prices.

    Returns
    -------
    DataFrame
        ``product_id`` (sorted) and ``list_price``; products without a
        positive price are left out (``attrs["unpriced_products"]`` counts them).

    Raises
    ------
    SchemaError
        If the column is absent or holds text that is not a number.
    """
    if not isinstance(column, str) or not column:
        raise TypeError(f"column: expected the name of the price column, e.g. 'UnitPrice', found {column!r}.")
    if decimal not in (".", ","):
        raise ValueError(f"decimal={decimal!r}: expected '.' or ','.")
    frame = _check_table(baskets, "baskets", ["product_id"])
    if column not in baskets.columns:
        raise SchemaError(
            f"Table 'baskets': expected the price column {column!r}, found only {list(baskets.columns)}. Name the "
            "unit-price column of the export as it is in the file.",
            table="baskets", column=column, n_rows=len(baskets),
        )
    values = baskets[column]
    if not pd.api.types.is_numeric_dtype(values):
        text = values.astype("string").str.strip()
        if decimal == ",":
            text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        numbers = pd.to_numeric(text.replace("", pd.NA), errors="coerce")
        bad = numbers.isna() & text.replace("", pd.NA).notna()
        if bad.any():
            examples = sorted(set(values[bad.to_numpy()].astype(str)))[:3]
            raise SchemaError(
                f"Table 'baskets', column {column!r}: expected prices (numbers), found {int(bad.sum())} of "
                f"{len(values)} rows that are not, e.g. {examples}. Check decimal= (',' for 12,50).",
                table="baskets", column=column, n_bad=int(bad.sum()), n_rows=len(values),
            )
        values = numbers
    frame = frame.assign(price=pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64"))
    priced = frame.loc[np.isfinite(frame["price"]) & (frame["price"] > 0)]
    out = (priced.groupby("product_id", sort=True)["price"].median().rename("list_price").reset_index())
    out.attrs["unpriced_products"] = int(frame["product_id"].nunique() - len(out))
    return out


@dataclass(frozen=True)
class BasketOverview:
    """What the basket data hold, in a sentence and a small table of basket sizes."""

    source: str
    lines: int
    baskets: int
    customers: int
    products: int
    first: pd.Timestamp
    last: pd.Timestamp
    lines_without_customer: int
    sizes: pd.Series

    def sentence(self) -> str:
        """One line for the page: source, counts and period (Markdown)."""
        from idic_lab.formatting import count

        text = (f"**Data ({self.source}):** {count(self.lines)} lines in {count(self.baskets)} baskets of "
                f"{count(self.customers)} customers, {count(self.products)} products, {self.first:%-d %b %Y} to "
                f"{self.last:%-d %b %Y}.")
        if self.lines_without_customer:
            text += (f" {count(self.lines_without_customer)} lines without a customer id are used for the basket rules "
                     "only.")
        return text

    def size_table(self) -> pd.DataFrame:
        """Products per basket: median, mean, 90th percentile and largest, in words."""
        sizes = self.sizes
        rows = {
            "median": float(sizes.median()),
            "mean": round(float(sizes.mean()), 1),
            "90 % of baskets hold at most": float(sizes.quantile(0.9, interpolation="higher")),
            "largest basket": float(sizes.max()),
        }
        return pd.DataFrame({"products per basket": rows}).rename_axis("")


def basket_overview(baskets: pd.DataFrame, *, source: str) -> BasketOverview:
    """Counts, period and basket sizes of a canonical baskets table (for the page, not for analysis).

    Parameters
    ----------
    baskets : DataFrame
        ``order_id``, ``product_id``, ``date`` and, optionally, ``customer_id``
        (missing ids allowed: such lines count for basket rules only).
    source : str
        Where the baskets come from, e.g. ``"client file"``.
    """
    frame = _check_table(baskets, "baskets", ["order_id", "product_id", "date"])
    if not isinstance(source, str) or not source.strip():
        raise TypeError(f"source: expected a short text such as 'client file', found {source!r}.")
    customer = baskets["customer_id"] if "customer_id" in baskets.columns else pd.Series(pd.NA, index=baskets.index)
    has_customer = customer.notna().to_numpy()
    return BasketOverview(
        source=source.strip(), lines=len(frame), baskets=int(frame["order_id"].nunique()),
        customers=int(customer[has_customer].nunique()), products=int(frame["product_id"].nunique()),
        first=frame["date"].min(), last=frame["date"].max(), lines_without_customer=int((~has_customer).sum()),
        sizes=frame.groupby("order_id", sort=False).size(),
    )


def load_product_list(
    path: str | Path,
    *,
    columns: Mapping[str, str] | str | None = None,
    decimal: str = ".",
    encoding: str | None = None,
    sep: str | None = None,
) -> pd.DataFrame:
    """Read a client's product list: ``product_id``, ``category`` and, if present, ``list_price``.

    Parameters
    ----------
    path : str or Path
        CSV/TSV/Parquet/Excel file (see :func:`idic_lab.schema.read_file`).
    columns : dict or JSON str, optional
        ``{"product_id": ..., "category": ..., "list_price": ...}`` (client column names).
    decimal : {".", ","}
        Decimal separator of the prices (``","`` for 12,50 as in German or
        French exports; a ``.`` then separates thousands).
    encoding, sep : str, optional
        As in :func:`idic_lab.schema.read_file` (default: detected).

    Returns
    -------
    DataFrame
        ``product_id``, ``category`` (strings) and ``list_price`` (float, if mapped or present).

    Raises
    ------
    ValueError
        If ``product_id`` or ``category`` is missing, a product is listed
        twice, or a price is not a finite number >= 0 (the message names the file).

    Warns
    -----
    IdicLabWarning
        When cleaning drops rows (e.g. rows without a product id, exact
        duplicates); the message counts them per reason.
    """
    products, report = read_table("products", path, columns=columns, decimal=decimal, encoding=encoding, sep=sep)
    dropped = {reason: n for reason, n in report.dropped.items() if n}
    if dropped:  # only the table is returned, so the count travels in a warning
        counts = ", ".join(f"{n} {reason}" for reason, n in dropped.items())
        warn(f"load_product_list: {sum(dropped.values())} of {report.rows_in} rows of {Path(path).name} were "
             f"dropped ({counts}). Fix them in the file if those products matter.")
    kept = ["product_id", "category"] + (["list_price"] if "list_price" in products.columns else [])
    out = products[kept].reset_index(drop=True)
    if "list_price" in out.columns:
        try:
            _numbers(out["list_price"], "products", "list_price", low=0.0, what="prices",
                     advice="Fix those prices in the file, or leave the list_price column out.")
        except SchemaError as exc:
            raise exc.in_file(path) from exc
    return out


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


# Digits in scientific notation: what a spreadsheet makes of long numeric ids (the last digits are lost).
_SCIENTIFIC = r"^[+-]?\d+(?:\.\d+)?[eE][+-]?\d+$"
_EXACT_FLOAT_LIMIT = 2**53  # beyond this a float cannot hold every whole number


def _id_text(values: pd.Series, table: str, column: str) -> np.ndarray:
    """Ids as stripped strings; float ids that lost digits (or are not whole) are refused, never merged."""
    n = len(values)
    if pd.api.types.is_float_dtype(values):
        numbers = values.to_numpy(dtype="float64")
        bad = ~np.isfinite(numbers) | (numbers != np.round(numbers)) | (np.abs(numbers) >= _EXACT_FLOAT_LIMIT)
        if bad.any():
            raise SchemaError(
                f"Table '{table}', column '{column}': expected ids, found {int(bad.sum())} of {n} rows stored as "
                f"floats that are not exact whole numbers (fractional, infinite or above 2^53, where floats lose "
                f"digits and two ids can merge), e.g. {list(values[bad].head(3))}. Read the ids as text, e.g. "
                "idic_lab.schema.read_file(...) keeps every column as text.",
                table=table, column=column, n_bad=int(bad.sum()), n_rows=n,
            )
        return values.astype("int64").astype("string").to_numpy()
    text = values.astype("string").str.strip()
    # "17850.0": a float id written out as text; the ".0" is an artefact (as in idic_lab.schema).
    text = text.str.replace(r"^(-?\d+)\.0+$", r"\1", regex=True)
    scientific = text.str.fullmatch(_SCIENTIFIC).fillna(False).to_numpy(dtype=bool)
    if scientific.any():
        raise SchemaError(
            f"Table '{table}', column '{column}': expected ids, found {int(scientific.sum())} of {n} rows written "
            f"in scientific notation, e.g. {list(values[scientific].head(3))}: the last digits are lost, so "
            "different ids may look the same. Export the column as text from the source system.",
            table=table, column=column, n_bad=int(scientific.sum()), n_rows=n,
        )
    return text.to_numpy()


def _missing_advice(table: str, column: str) -> str:
    """A fix that works: clean() drops missing values only in the required columns of a contract table."""
    if table in TABLES and column in TABLES[table].required:
        return f"Drop them with idic_lab.schema.clean({table!r}, frame), which counts them, or fill them in."
    return f"Drop them first, e.g. frame.dropna(subset=[{column!r}]), or fill them in."


def _check_table(
    frame: Any,
    table: str,
    required: Sequence[str],
    advice: str = "",
    *,
    allow_empty: bool = False,
    empty_advice: str = "",
) -> pd.DataFrame:
    """The required columns of ``frame`` as a new frame; ids as strings; clear errors otherwise."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{table}: expected a pandas DataFrame, found {type(frame).__name__}; it needs the "
                        f"columns {', '.join(required)}.")
    check_frame(frame, f"Table '{table}'")
    n = len(frame)
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"Table '{table}': expected the columns {', '.join(required)}, found no {', '.join(missing)} among "
            f"{list(frame.columns)} ({n} rows). {advice or 'Map your columns with columns={canonical: yours}.'}",
            table=table, column=missing[0], n_rows=n,
        )
    if n == 0 and not allow_empty:
        raise SchemaError(f"Table '{table}': expected at least one row, found 0 rows. {empty_advice}".strip(),
                          table=table, n_bad=0, n_rows=0)
    out = pd.DataFrame(index=pd.RangeIndex(n))
    for column in required:
        values = frame[column]
        blank = values.isna().to_numpy(dtype=bool, copy=True)
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            blank = blank | values.astype("string").str.strip().fillna("").eq("").to_numpy(dtype=bool)
        if blank.any():
            rows = list(frame.index[blank][:5])
            raise SchemaError(
                f"Table '{table}', column '{column}': expected a value in every row, found {int(blank.sum())} "
                f"of {n} rows without one, e.g. rows {rows}. {_missing_advice(table, column)}",
                table=table, column=column, n_bad=int(blank.sum()), n_rows=n,
            )
        if column == "date":
            out[column] = _dates(values, table)
        elif column in ("order_id", "product_id", "customer_id"):
            out[column] = _id_text(values, table, column)
        else:
            out[column] = values.to_numpy()
    return out


def _dates(values: pd.Series, table: str) -> np.ndarray:
    if not pd.api.types.is_datetime64_any_dtype(values):
        fix = (f"Read them with idic_lab.schema.validate({table!r}, frame)" if table in TABLES
               else "Convert them with pd.to_datetime(frame['date'], format=...)")
        raise SchemaError(
            f"Table '{table}', column 'date': expected datetime64 values, found dtype {values.dtype} "
            f"({len(values)} rows). {fix}.",
            table=table, column="date", n_rows=len(values),
        )
    if getattr(values.dt, "tz", None) is not None:  # one clock for every table, as in idic_lab.schema
        values = values.dt.tz_convert("UTC").dt.tz_localize(None)
    return values.to_numpy()


def _numbers(
    values: pd.Series,
    table: str,
    column: str,
    *,
    low: float | None = None,
    high: float | None = None,
    what: str = "numbers",
    advice: str = "",
) -> pd.Series:
    """``values`` as finite float64 in [low, high]; text, NaN, ±inf and values outside are refused with a count."""
    if pd.api.types.is_bool_dtype(values):  # True/False are not amounts or probabilities
        numbers = pd.Series(np.nan, index=values.index)
    else:
        coerced = pd.to_numeric(values, errors="coerce")
        numbers = pd.Series(np.asarray(coerced.to_numpy(dtype="float64", na_value=np.nan)), index=values.index)
    bad = ~np.isfinite(numbers.to_numpy())
    if low is not None:
        bad |= numbers.to_numpy() < low
    if high is not None:
        bad |= numbers.to_numpy() > high
    if bad.any():
        span = (f"from {low:g} to {high:g}" if low is not None and high is not None
                else f">= {low:g}" if low is not None else f"<= {high:g}" if high is not None else "of any size")
        raise SchemaError(
            f"Table '{table}', column '{column}': expected {what} {span}, found {int(bad.sum())} of {len(values)} "
            f"rows otherwise, e.g. {list(values[bad].head(3))} (text, missing, infinite or out of range). "
            f"{advice}".rstrip(),
            table=table, column=column, n_bad=int(bad.sum()), n_rows=len(values),
        )
    return numbers


def _check_fraction(value: Any, name: str, *, allow_zero: bool = True) -> float:
    if not _is_number(value) or not (0 <= float(value) <= 1) or (not allow_zero and float(value) == 0):
        low = "0" if allow_zero else "above 0"
        raise ValueError(f"{name}: expected a number from {low} to 1, found {value!r}.")
    return float(value)


def _check_non_negative(value: Any, name: str) -> float:
    if not _is_number(value) or not np.isfinite(float(value)) or float(value) < 0:
        raise ValueError(f"{name}: expected a number >= 0, found {value!r} (it must be finite).")
    return float(value)


def _check_positive_int(value: Any, name: str, *, allow_none: bool = False) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name}: expected a whole number >= 1{' or None' if allow_none else ''}, found {value!r}.")
    return int(value)


def _check_bool(value: Any, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}: expected True or False, found {value!r}.")
    return bool(value)


def _lookup(values: Mapping[str, Any] | pd.Series | None, name: str) -> pd.Series | None:
    """A per-product lookup (categories, margins) as a Series with unique string ids (values unchanged)."""
    if values is None:
        return None
    if not isinstance(values, (pd.Series, Mapping)):
        raise TypeError(f"{name}: expected a pandas Series or dict indexed by product_id, found "
                        f"{type(values).__name__}.")
    series = pd.Series(dict(values), dtype=object) if isinstance(values, Mapping) else values
    index = pd.Index(_id_text(pd.Series(series.index), name, "product_id"), name="product_id")
    if index.has_duplicates:
        repeated = sorted(set(index[index.duplicated()]))[:5]
        raise ValueError(f"{name}: expected one value per product_id, found {len(repeated)} product ids more than "
                         f"once, e.g. {repeated}. Keep one value per product, e.g. "
                         f"{name}[~{name}.index.duplicated()].")
    return pd.Series(series.to_numpy(), index=index, name=series.name)


# --------------------------------------------------------------------------
# Basket matrix, frequent itemsets, rules
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class BasketMatrix:
    """A binary incidence matrix with its row and column labels.

    Attributes
    ----------
    matrix : scipy.sparse.csr_matrix
        ``matrix[i, j] = 1`` when row ``i`` (a basket or a customer) holds
        product ``j``; float64.
    rows : Index
        Row labels (order ids or customer ids), sorted.
    products : Index
        Product ids, sorted.
    """

    matrix: sparse.csr_matrix
    rows: pd.Index
    products: pd.Index


def _incidence(frame: pd.DataFrame, row: str, products: pd.Index | None = None) -> BasketMatrix:
    rows = pd.Index(np.sort(frame[row].unique()), name=row)
    if products is None:
        products = pd.Index(np.sort(frame["product_id"].unique()), name="product_id")
    r = rows.get_indexer(frame[row])
    c = products.get_indexer(frame["product_id"])
    keep = c >= 0
    matrix = sparse.csr_matrix(
        (np.ones(int(keep.sum())), (r[keep], c[keep])), shape=(len(rows), len(products)), dtype=np.float64
    )
    matrix.data[:] = 1.0  # duplicates summed by the constructor count once
    return BasketMatrix(matrix=matrix, rows=rows, products=products)


def basket_matrix(baskets: pd.DataFrame) -> BasketMatrix:
    """The binary basket × product matrix of a ``baskets`` table.

    Parameters
    ----------
    baskets : DataFrame
        ``order_id`` and ``product_id``; a product listed twice in one basket
        counts once.

    Returns
    -------
    BasketMatrix
    """
    frame = _check_table(baskets, "baskets", ["order_id", "product_id"])
    return _incidence(frame, "order_id")


def frequent_itemsets(baskets: pd.DataFrame, *, min_support: float = 0.01, max_size: int = 2) -> pd.DataFrame:
    """Itemsets bought together in at least ``min_support`` of all baskets (apriori, level by level).

    Level 1 counts each product (column sums of the basket matrix ``X``);
    level 2 counts every pair of frequent products at once as ``Xᵀ X``
    restricted to them; level 3 forms candidates from frequent pairs that
    share their first product and whose third pair is frequent too (the
    apriori pruning of Agrawal & Srikant 1994) and counts them with one more
    sparse product.

    Parameters
    ----------
    baskets : DataFrame
        ``order_id`` and ``product_id``.
    min_support : float
        Minimum share of baskets, in (0, 1].
    max_size : int
        Largest itemset: 1, 2 or 3.

    Returns
    -------
    DataFrame
        ``itemset`` (tuple of product ids, sorted), ``size``, ``count``
        (baskets) and ``support`` (share of baskets), sorted by size and then
        by support, largest first. ``attrs["n_baskets"]`` holds the number of
        baskets.
    """
    min_support = _check_fraction(min_support, "min_support", allow_zero=False)
    _check_choice(max_size, "max_size", (1, 2, 3), "1, 2 or 3")
    bm = basket_matrix(baskets)
    return _itemsets(bm, min_support, int(max_size))


def _check_choice(value: Any, name: str, choices: tuple[int, ...], text: str) -> None:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value not in choices:
        raise ValueError(f"{name}: expected {text}, found {value!r}.")


def _itemsets(bm: BasketMatrix, min_support: float, max_size: int) -> pd.DataFrame:
    x = bm.matrix.tocsc()
    n = x.shape[0]
    min_count = max(int(np.ceil(min_support * n - 1e-9)), 1)
    products = bm.products.to_numpy()
    counts = np.asarray(x.sum(axis=0)).ravel()
    frequent = np.flatnonzero(counts >= min_count)
    parts = [pd.DataFrame({"itemset": [(products[j],) for j in frequent], "size": 1, "count": counts[frequent]})]
    if max_size >= 2 and frequent.size >= 2:
        xf = x[:, frequent]
        co = sparse.triu(xf.T @ xf, k=1).tocoo()
        keep = co.data >= min_count
        a, b, c = frequent[co.row[keep]], frequent[co.col[keep]], co.data[keep]
        order = np.lexsort((b, a))
        a, b, c = a[order], b[order], c[order]
        parts.append(pd.DataFrame({"itemset": [(products[i], products[j]) for i, j in zip(a, b)], "size": 2, "count": c}))
        if max_size >= 3 and a.size >= 2:
            parts.append(_triples(x, products, a, b, min_count))
    out = pd.concat(parts, ignore_index=True)
    out["count"] = out["count"].astype("int64")
    out["support"] = out["count"] / n
    # ties broken by the itemset (tuples of product ids compare element by element)
    out = out.sort_values(["size", "count", "itemset"], ascending=[True, False, True], kind="stable")
    out = out.reset_index(drop=True)
    out.attrs["n_baskets"] = n
    return out


def _triples(x: sparse.csc_matrix, products: np.ndarray, a: np.ndarray, b: np.ndarray, min_count: int) -> pd.DataFrame:
    """Frequent triples {a, b, c} with a < b < c built from the frequent pairs (a, b) (column indices)."""
    pair_set = set(zip(a.tolist(), b.tolist()))
    # Candidates: pairs (a, b) and (a, c) with b < c, kept when (b, c) is frequent too.
    cand = [(i, j, k) for (i, j) in zip(a.tolist(), b.tolist())
            for k in b[a == i].tolist() if k > j and (j, k) in pair_set]
    empty = pd.DataFrame({"itemset": pd.Series([], dtype=object), "size": pd.Series([], dtype="int64"),
                          "count": pd.Series([], dtype="float64")})
    if not cand:
        return empty
    cand_arr = np.array(cand)
    pairs, pair_pos = np.unique(cand_arr[:, :2], axis=0, return_inverse=True)
    both = x[:, pairs[:, 0]].multiply(x[:, pairs[:, 1]]).tocsc()  # baskets holding each pair
    third = np.unique(cand_arr[:, 2])
    counts = (both.T @ x[:, third]).toarray()  # pair x third product
    c = counts[pair_pos.ravel(), np.searchsorted(third, cand_arr[:, 2])]
    keep = c >= min_count
    if not keep.any():
        return empty
    return pd.DataFrame(
        {"itemset": [tuple(products[t]) for t in cand_arr[keep]], "size": 3, "count": c[keep]}
    )


def association_rules(
    baskets: pd.DataFrame,
    *,
    min_support: float = 0.01,
    min_confidence: float = 0.1,
    min_lift: float = 1.0,
    max_size: int = 2,
) -> pd.DataFrame:
    """Association rules ``antecedent → consequent`` from frequent itemsets (Agrawal & Srikant 1994).

    For a rule ``A → B`` over ``n`` baskets:

    * **support** = share of baskets holding both A and B;
    * **confidence** = support(A ∪ B) / support(A): how often B is in a basket that holds A;
    * **lift** = confidence / support(B): how many times more often than if A and B were independent (1 = no association);
    * **leverage** = support(A ∪ B) − support(A) · support(B) (0 = independent);
    * **conviction** = (1 − support(B)) / (1 − confidence) (``inf`` when the confidence is 1:
      the rule never failed in the data, and conviction is unbounded by definition).

    Parameters
    ----------
    baskets : DataFrame
        ``order_id`` and ``product_id``.
    min_support : float
        Minimum support of the whole rule (of A ∪ B), in (0, 1].
    min_confidence : float
        Minimum confidence, in [0, 1].
    min_lift : float
        Minimum lift (>= 0); 1 keeps the positive associations.
    max_size : int
        Largest itemset of a rule: 2 (pairs) or 3 (triples, e.g. ``A + B → C``).

    Returns
    -------
    DataFrame
        ``antecedent``, ``consequent`` (product ids, several joined by
        ``" + "``), ``size``, ``count``, ``antecedent_support``,
        ``consequent_support``, ``support``, ``confidence``, ``lift``,
        ``leverage``, ``conviction``; sorted by lift, confidence and
        support (largest first), then by antecedent and consequent text, so
        tied rules always come in the same order. Lift is computed from whole
        counts, so ``A → B`` and ``B → A`` tie exactly. ``attrs["n_baskets"]``
        holds the number of baskets.

    Warns
    -----
    IdicLabWarning
        When no rule can mean anything (every basket holds one product, or
        all baskets are identical, so every lift is 1) or none passes the
        thresholds (the message says which).
    """
    min_confidence = _check_fraction(min_confidence, "min_confidence")
    min_lift = _check_non_negative(min_lift, "min_lift")
    _check_choice(max_size, "max_size", (2, 3), "2 (pairs) or 3 (triples)")
    min_support = _check_fraction(min_support, "min_support", allow_zero=False)
    bm = basket_matrix(baskets)
    itemsets = _itemsets(bm, min_support, int(max_size))
    rules = _rules_from_itemsets(itemsets, min_confidence=min_confidence, min_lift=min_lift)
    _warn_degenerate_rules(bm, itemsets, rules, min_support)
    return rules


def _warn_degenerate_rules(bm: BasketMatrix, itemsets: pd.DataFrame, rules: pd.DataFrame, min_support: float) -> None:
    """Rules that cannot exist or cannot mean anything are said so, not returned as a silent empty table."""
    n, sizes = bm.matrix.shape[0], np.asarray(bm.matrix.sum(axis=1)).ravel()
    if (sizes < 2).all():
        warn(f"association_rules: all {n} baskets hold a single product, so no two products are ever bought "
             "together and there are no rules. Check that order_id groups the lines of one purchase (not one "
             "id per line).")
    elif (np.asarray(bm.matrix.sum(axis=0)).ravel() == n).all():  # every product in every basket
        which = "the only basket holds all the products" if n == 1 else f"all {n} baskets hold the same products"
        warn(f"association_rules: {which}, so every support is 1 and every "
             "lift is 1: the rules say nothing about which products go together. Use more (and different) "
             "baskets.")
    elif rules.empty:
        pairs = itemsets.loc[itemsets["size"] == 2, "support"]
        found = (f"{len(pairs)} pairs reach min_support={min_support:g}, none passes min_confidence/min_lift"
                 if len(pairs) else f"no pair of products reaches min_support={min_support:g}")
        warn(f"association_rules: no rule found in {n} baskets: {found}. Lower min_support, min_confidence "
             "or min_lift.")


def _rules_from_itemsets(itemsets: pd.DataFrame, *, min_confidence: float, min_lift: float) -> pd.DataFrame:
    counts = dict(zip(itemsets["itemset"], itemsets["count"]))
    n = int(itemsets.attrs["n_baskets"])
    rows = []
    for itemset, count in itemsets.loc[itemsets["size"] >= 2, ["itemset", "count"]].itertuples(index=False):
        for r in range(1, len(itemset)):
            for ante in combinations(itemset, r):
                cons = tuple(i for i in itemset if i not in ante)
                rows.append((ante, cons, len(itemset), count, counts[ante], counts[cons]))
    columns = ["antecedent", "consequent", "size", "count", "_n_ante", "_n_cons"]
    rules = pd.DataFrame(rows, columns=columns).astype(
        {"size": "int64", "count": "int64", "_n_ante": "int64", "_n_cons": "int64"})
    # From whole counts, so that A -> B and B -> A get bit-identical lifts and sort the same on any machine.
    rules["antecedent_support"] = rules["_n_ante"] / n
    rules["consequent_support"] = rules["_n_cons"] / n
    rules["support"] = rules["count"] / n
    rules["confidence"] = rules["count"] / rules["_n_ante"]
    rules["lift"] = (rules["count"] * n) / (rules["_n_ante"] * rules["_n_cons"])
    rules["leverage"] = rules["support"] - rules["antecedent_support"] * rules["consequent_support"]
    rules = rules.drop(columns=["_n_ante", "_n_cons"])
    with np.errstate(divide="ignore"):
        rules["conviction"] = np.where(
            rules["confidence"] < 1, (1 - rules["consequent_support"]) / (1 - rules["confidence"]).clip(lower=1e-300), np.inf
        )
    rules = rules.loc[(rules["confidence"] >= min_confidence - 1e-12) & (rules["lift"] >= min_lift - 1e-12)]
    for side in ("antecedent", "consequent"):
        rules[side] = rules[side].map(ITEM_SEPARATOR.join).astype("string")
    rules = rules.sort_values(["lift", "confidence", "support", "antecedent", "consequent"],
                              ascending=[False, False, False, True, True], kind="stable").reset_index(drop=True)
    rules.attrs["n_baskets"] = itemsets.attrs.get("n_baskets")
    return rules


def bundle_recovery(rules: pd.DataFrame, bundles: pd.DataFrame, *, top: int | None = None) -> pd.DataFrame:
    """How the planted bundles of the synthetic world show up among the rules.

    Parameters
    ----------
    rules : DataFrame
        From :func:`association_rules` (sorted by lift).
    bundles : DataFrame
        ``antecedent``, ``consequent``, ``probability`` (``world.truth.bundles``).
    top : int, optional
        The "top rules" are the first ``top`` rules by lift; default
        ``2 × len(bundles)`` (lift is symmetric, so each bundle appears in
        both directions). Bundles are pairs, so with a ``size`` column they
        are ranked among the rules of two products only.

    Returns
    -------
    DataFrame
        One row per bundle: ``antecedent``, ``consequent``, ``probability``
        (planted), ``rank`` (1 = highest lift; missing if the rule was not
        found), ``in_top``, ``confidence``, ``lift`` and ``confidence_error``
        (found minus planted). ``attrs["recall"]`` is the share of bundles in
        the top rules.
    """
    sizes = rules["size"].to_numpy() if isinstance(rules, pd.DataFrame) and "size" in rules.columns else None
    rules = _check_table(rules, "rules", ["antecedent", "consequent", "confidence", "lift"],
                         "Pass the table returned by association_rules.",
                         empty_advice="association_rules found no rule: lower min_support or min_confidence.")
    if sizes is not None:  # bundles are pairs: rank them among the rules of two products
        rules = rules.loc[sizes == 2].reset_index(drop=True)
    rules["confidence"] = _numbers(rules["confidence"], "rules", "confidence", low=0, high=1, what="shares").to_numpy()
    bundles = _check_table(bundles, "bundles", ["antecedent", "consequent", "probability"])
    bundles["probability"] = _numbers(bundles["probability"], "bundles", "probability", low=0, high=1,
                                      what="probabilities").to_numpy()
    top = _check_positive_int(2 * len(bundles) if top is None else top, "top")
    rules = rules.assign(rank=np.arange(1, len(rules) + 1))
    out = bundles.merge(rules[["antecedent", "consequent", "rank", "confidence", "lift"]],
                        on=["antecedent", "consequent"], how="left")
    out["rank"] = out["rank"].astype("Int64")
    out["in_top"] = (out["rank"] <= top).fillna(False).astype(bool)
    out["confidence_error"] = out["confidence"] - out["probability"]
    out.attrs["recall"] = float(out["in_top"].mean())
    out.attrs["top"] = top
    return out


# --------------------------------------------------------------------------
# Recommendations
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class HoldoutSplit:
    """A time-based holdout for recommendations.

    Attributes
    ----------
    train : DataFrame
        ``customer_id``, ``product_id``, ``date`` of the purchases up to the cut-off.
    relevant : DataFrame
        ``customer_id``, ``product_id``: what each evaluated customer bought
        after the cut-off (without products bought before, when
        ``new_only``); only customers with purchases before the cut-off;
        sorted by customer and product.
    cutoff : Timestamp
        Last day of the training period.
    late_products : int
        Products first sold after the cut-off (a recommender trained before
        it cannot know them).
    late_pairs : int
        Rows of ``relevant`` with such a product: they stay in the holdout
        and count as misses for every recommender, so recall@k cannot reach
        1 (say so when reporting it).
    """

    train: pd.DataFrame
    relevant: pd.DataFrame
    cutoff: pd.Timestamp
    late_products: int = 0
    late_pairs: int = 0

    def summary(self) -> pd.DataFrame:
        """The holdout in words: one row per count, readable names (what :meth:`report` holds)."""
        labels = {
            "train_rows": "purchases up to the cut-off (training)",
            "train_customers": "customers in the training period",
            "evaluated_customers": "customers who bought something new afterwards",
            "relevant_pairs": "new purchases to predict",
            "late_products": "products first sold after the cut-off",
            "late_pairs": "purchases of those products",
        }
        report = self.report()
        return pd.DataFrame({"count": report.to_numpy()}, index=pd.Index([labels[k] for k in report.index], name="holdout"))

    def note(self) -> str:
        """A sentence on products first sold after the cut-off (empty when there are none)."""
        if not self.late_products:
            return ""
        return (f"{self.late_products:,} products were first sold after the cut-off {self.cutoff.date()}; "
                f"{self.late_pairs:,} of the {len(self.relevant):,} purchases to predict are of such products. No "
                "recommender trained before the cut-off can know them, so they count as misses for every method.")

    def report(self) -> pd.Series:
        """Counts: training rows and customers, evaluated customers, relevant pairs, and products first sold
        after the cut-off (``late_products``) with their relevant pairs (``late_pairs``)."""
        return pd.Series(
            {
                "train_rows": len(self.train),
                "train_customers": self.train["customer_id"].nunique(),
                "evaluated_customers": self.relevant["customer_id"].nunique(),
                "relevant_pairs": len(self.relevant),
                "late_products": self.late_products,
                "late_pairs": self.late_pairs,
            },
            name="holdout",
        )


def holdout_split(baskets: pd.DataFrame, *, cutoff: str | pd.Timestamp, new_only: bool = True) -> HoldoutSplit:
    """Split purchases at a cut-off date: before trains, after is what should be recommended.

    Parameters
    ----------
    baskets : DataFrame
        ``customer_id``, ``product_id`` and ``date`` (a ``baskets`` or
        ``transactions`` table).
    cutoff : str or Timestamp
        Last day of the training period (ISO date); the whole day belongs to
        training.
    new_only : bool
        Count as relevant only products the customer had not bought before
        the cut-off (use with recommenders that never recommend what was
        already bought).

    Returns
    -------
    HoldoutSplit
        Products first sold after the cut-off stay in ``relevant`` (a
        customer did buy them) and are counted in ``late_products`` and
        ``late_pairs``: no recommender trained before the cut-off can
        recommend them.

    Raises
    ------
    ValueError
        If the cut-off is not a date, or no purchase lies before or after it.

    Warns
    -----
    IdicLabWarning
        If no customer of the training period bought anything (new) after
        the cut-off: there is nothing to evaluate recommendations against.
    """
    frame = _check_table(baskets, "baskets", ["customer_id", "product_id", "date"],
                         "Recommendations need customer_id and date: map them with columns={...}.")
    new_only = _check_bool(new_only, "new_only")
    cut = as_date(cutoff, "cutoff", required=True).normalize()
    end_of_cut = cut + pd.Timedelta(days=1)
    before = frame["date"] < end_of_cut
    if not before.any() or before.all():
        first, last = frame["date"].min(), frame["date"].max()
        middle = (first + 0.8 * (last - first)).date()
        raise ValueError(
            f"cutoff={cut.date()}: expected purchases on both sides, found {int(before.sum())} of {len(frame)} rows "
            f"up to the cut-off (dates run from {first.date()} to {last.date()}). Choose a cut-off inside that "
            f"range, e.g. cutoff='{middle}' (80 % into it)."
        )
    train = frame.loc[before].reset_index(drop=True)
    after = frame.loc[~before, ["customer_id", "product_id"]].drop_duplicates()
    after = after.loc[after["customer_id"].isin(set(train["customer_id"]))]
    if new_only:
        seen = train[["customer_id", "product_id"]].drop_duplicates().assign(_seen=True)
        after = after.merge(seen, on=["customer_id", "product_id"], how="left")
        after = after.loc[after["_seen"].isna(), ["customer_id", "product_id"]]
    relevant = after.sort_values(["customer_id", "product_id"], kind="stable").reset_index(drop=True)
    known = set(train["product_id"])
    late = ~frame.loc[~before, "product_id"].isin(known)
    late_pairs = int((~relevant["product_id"].isin(known)).sum())
    if relevant.empty:
        what = "a product they had not bought before" if new_only else "anything"
        warn(f"holdout_split: none of the {train['customer_id'].nunique()} customers of the training period "
             f"bought {what} after cutoff={cut.date()} ({int((~before).sum())} rows after it): the holdout is "
             "empty, so recommendations cannot be evaluated. Choose an earlier cut-off"
             + (" or new_only=False." if new_only else "."))
    return HoldoutSplit(train=train, relevant=relevant, cutoff=cut,
                        late_products=int(frame.loc[~before, "product_id"][late].nunique()), late_pairs=late_pairs)


_UNKNOWN_CHOICES = ("error", "popular", "skip")


def _customer_ids(customers: Any) -> pd.Index:
    """Requested customer ids as unique strings, in the order given; one id may be passed on its own."""
    if isinstance(customers, (str, int, np.integer)):
        customers = [customers]
    if isinstance(customers, (pd.DataFrame, Mapping)) or not pd.api.types.is_list_like(customers):
        raise TypeError(f"customers: expected a list of customer ids (or None for all), found "
                        f"{type(customers).__name__}.")
    if isinstance(customers, (set, frozenset)):  # a set has no order of its own: use the ids' order
        customers = sorted(customers, key=str)
    ids = pd.Index(_id_text(pd.Series(list(customers), dtype=object), "customers", "customer_id"))
    return ids.drop_duplicates()


class _Recommender:
    """Shared machinery: the customer × product matrix and top-k selection."""

    exclude_purchased: bool
    batch_size: int = 2048

    def _fit_matrix(self, interactions: pd.DataFrame) -> pd.DataFrame:
        _check_bool(self.exclude_purchased, "exclude_purchased")
        frame = _check_table(interactions, "interactions", ["customer_id", "product_id"],
                             "Pass purchases with customer_id and product_id (e.g. HoldoutSplit.train).")
        bm = _incidence(frame, "customer_id")
        self.matrix_ = bm.matrix
        self.customers_ = bm.rows
        self.products_ = bm.products
        self.popularity_ = pd.Series(np.asarray(bm.matrix.sum(axis=0)).ravel(), index=bm.products, name="customers")
        return frame

    def _fitted(self) -> None:
        if not hasattr(self, "matrix_"):
            raise RuntimeError(f"{type(self).__name__}: call fit(interactions) first.")

    def _scores(self, rows: np.ndarray) -> np.ndarray:  # pragma: no cover - defined by subclasses
        raise NotImplementedError

    def recommend(
        self, customers: Sequence[str] | pd.Index | None = None, *, k: int = 10, unknown: str = "error"
    ) -> pd.DataFrame:
        """Top-``k`` products per customer.

        Parameters
        ----------
        customers : sequence of str, optional
            Customer ids (a single id may be given on its own); default every
            customer seen in ``fit``. Repeated ids are recommended for once.
        k : int
            Recommendations per customer (fewer when fewer products are left).
        unknown : {"error", "popular", "skip"}
            Customers not seen in ``fit`` (new customers, or customers whose
            first purchase is after the cut-off): ``"error"`` refuses them,
            ``"popular"`` gives them the most popular products (a stated
            cold-start fallback; their ``score`` is the number of customers
            who bought the product), ``"skip"`` leaves them out.

        Returns
        -------
        DataFrame
            ``customer_id``, ``rank`` (1 = best), ``product_id``, ``score``;
            products with a score of 0 are not recommended. Ties are broken
            by overall popularity, then by product id, so the result is
            deterministic. Customers in the order requested.
            ``attrs["unknown_customers"]`` counts the customers not seen in fit.

        Raises
        ------
        ValueError
            For customers not seen in ``fit`` with ``unknown="error"``, or
            an unknown value of ``unknown``.
        """
        self._fitted()
        k = _check_positive_int(k, "k")
        if unknown not in _UNKNOWN_CHOICES:
            raise ValueError(f"unknown: expected one of {', '.join(map(repr, _UNKNOWN_CHOICES))}, found {unknown!r}.")
        ids = self.customers_ if customers is None else _customer_ids(customers)
        rows = self.customers_.get_indexer(ids)
        new = rows < 0
        if new.any() and unknown == "error":
            examples = list(ids[new][:5])
            raise ValueError(
                f"recommend: {int(new.sum())} of {len(ids)} customers were not seen in fit, e.g. {examples}: there "
                f"is no purchase history to recommend from. Pass customers seen in fit (recommender.customers_), "
                "or unknown='popular' to give them the most popular products, or unknown='skip' to leave them out."
            )
        out = self._ranked(ids[~new], rows[~new], k)
        if new.any() and unknown == "popular":
            cold = self._popular_for(ids[new], k)
            out = pd.concat([out, cold], ignore_index=True) if len(out) else cold
            # back to the order the customers were asked for
            position = pd.Series(np.arange(len(ids)), index=ids)
            out = out.iloc[np.lexsort((out["rank"].to_numpy(), position[out["customer_id"]].to_numpy()))]
            out = out.reset_index(drop=True)
        out.attrs["unknown_customers"] = int(new.sum())
        return out

    def _order(self, scores: np.ndarray, usable: np.ndarray, k: int) -> np.ndarray:
        """Column positions of the best ``k`` usable products per row: score, then popularity, then product id."""
        # Rounded so that equal scores reached by different sums (last-bit noise) tie, and the tie rule decides.
        keyed = np.where(usable, -np.round(scores, 12), np.inf)
        shape = keyed.shape
        popularity = np.broadcast_to(-self.popularity_.to_numpy(dtype=float), shape)
        position = np.broadcast_to(np.arange(shape[1]), shape)
        return np.lexsort((position, popularity, keyed), axis=-1)[:, :k]

    def _ranked(self, ids: pd.Index, rows: np.ndarray, k: int) -> pd.DataFrame:
        parts = []
        for start in range(0, rows.size, self.batch_size):
            batch = rows[start:start + self.batch_size]
            scores = self._scores(batch)
            usable = scores > 0
            if self.exclude_purchased:
                usable &= ~(self.matrix_[batch].toarray() > 0)
            kk = min(k, scores.shape[1])
            top = self._order(scores, usable, kk)
            ok = np.take_along_axis(usable, top, axis=1)
            cust = np.repeat(ids.to_numpy()[start:start + batch.size], kk).reshape(-1, kk)
            parts.append(pd.DataFrame({
                "customer_id": cust[ok],
                "rank": np.tile(np.arange(1, kk + 1), (batch.size, 1))[ok],
                "product_id": self.products_.to_numpy()[top[ok]],
                "score": np.take_along_axis(scores, top, axis=1)[ok],
            }))
        if not parts:
            return _EMPTY_RECS.copy()
        return pd.concat(parts, ignore_index=True).astype(_RECS_TYPES)

    def _popular_for(self, ids: pd.Index, k: int) -> pd.DataFrame:
        popularity = self.popularity_.to_numpy(dtype=float)
        kk = min(k, popularity.size)
        top = self._order(popularity[None, :], (popularity > 0)[None, :], kk)[0]
        top = top[popularity[top] > 0]
        return pd.DataFrame({
            "customer_id": np.repeat(ids.to_numpy(), top.size),
            "rank": np.tile(np.arange(1, top.size + 1), len(ids)),
            "product_id": np.tile(self.products_.to_numpy()[top], len(ids)),
            "score": np.tile(popularity[top], len(ids)),
        }).astype(_RECS_TYPES)


_RECS_TYPES = {"customer_id": "string", "rank": "int64", "product_id": "string", "score": "float64"}
_EMPTY_RECS = pd.DataFrame({c: pd.Series([], dtype=t) for c, t in _RECS_TYPES.items()})


class ItemKNNRecommender(_Recommender):
    """Item-based collaborative filtering (Sarwar et al. 2001; Linden, Smith & York 2003).

    Two products are similar when the same customers bought them: the cosine
    of their columns in the binary customer × product matrix ``R``. A
    customer's score for a product is the sum of its similarities to the
    products the customer bought, ``R Sᵀ`` (restricted to each product's
    ``n_neighbors`` most similar products, if given).

    Parameters
    ----------
    n_neighbors : int, optional
        Keep only each product's most similar products; default all.
    exclude_purchased : bool
        Never recommend what the customer already bought.

    Attributes
    ----------
    similarity_ : scipy.sparse.csr_matrix
        Product × product cosine similarity, zero diagonal.
    customers_, products_ : Index
        Row and column labels.
    matrix_ : scipy.sparse.csr_matrix
        The binary customer × product matrix.
    popularity_ : Series
        Customers per product.
    """

    def __init__(self, *, n_neighbors: int | None = None, exclude_purchased: bool = True) -> None:
        self.n_neighbors = n_neighbors
        self.exclude_purchased = exclude_purchased

    def fit(self, interactions: pd.DataFrame) -> ItemKNNRecommender:
        """Learn the item-item similarities from ``customer_id``, ``product_id`` pairs."""
        n_neighbors = _check_positive_int(self.n_neighbors, "n_neighbors", allow_none=True)
        self._fit_matrix(interactions)
        r = self.matrix_.tocsc()
        norms = np.sqrt(np.asarray(r.multiply(r).sum(axis=0)).ravel())
        inv = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
        rn = r @ sparse.diags(inv)
        sim = (rn.T @ rn).tocsr()
        sim.setdiag(0.0)
        sim.eliminate_zeros()
        if n_neighbors is not None and n_neighbors < sim.shape[1]:
            sim = _keep_top_per_row(sim, n_neighbors)
        self.similarity_ = sim
        return self

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        return np.asarray((self.matrix_[rows] @ self.similarity_.T).toarray())

    def similar_products(self, product_id: str, *, k: int = 5) -> pd.Series:
        """The ``k`` products most similar to ``product_id`` (cosine), most similar first.

        Products never bought by the same customer (cosine 0) are not listed;
        ties are broken by product id.

        Parameters
        ----------
        product_id : str
            A product of the training data.
        k : int
            How many similar products to list at most.

        Returns
        -------
        Series
            Index ``product_id``, name ``cosine``. Empty, with an
            :class:`~idic_lab.diagnostics.IdicLabWarning`, for a product not
            seen in ``fit`` (e.g. first sold after the cut-off of a holdout):
            its similarities cannot be known from the training data.
        """
        self._fitted()
        k = _check_positive_int(k, "k")
        wanted = str(_id_text(pd.Series([product_id], dtype=object), "product_id", "product_id")[0])
        j = self.products_.get_indexer([wanted])[0]
        if j < 0:
            close = difflib.get_close_matches(wanted, list(self.products_), n=3)
            hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
            warn(f"similar_products: product {wanted!r} was not bought in the data passed to fit (e.g. it was "
                 f"first sold after the cut-off), so no similarity is known: the list is empty. Pick one of the "
                 f"{len(self.products_)} products in recommender.products_.{hint}")
            return pd.Series([], index=pd.Index([], dtype="string", name="product_id"), name="cosine", dtype=float)
        row = pd.Series(self.similarity_[j].toarray().ravel(), index=self.products_, name="cosine")
        row = row.drop(self.products_[j])
        row = row.loc[row > 0]
        # products_ is sorted, so a stable sort leaves tied products in id order
        return row.sort_values(ascending=False, kind="stable").head(k)


def _keep_top_per_row(sim: sparse.csr_matrix, n: int) -> sparse.csr_matrix:
    dense = sim.toarray()
    cut = np.argsort(-dense, axis=1, kind="stable")[:, n:]
    np.put_along_axis(dense, cut, 0.0, axis=1)
    return sparse.csr_matrix(dense)


class PopularityRecommender(_Recommender):
    """Baseline: the products bought by the most customers (the same list for everybody).

    Parameters
    ----------
    exclude_purchased : bool
        Never recommend what the customer already bought.

    Attributes
    ----------
    popularity_ : Series
        Customers per product.
    customers_, products_, matrix_ : as in :class:`ItemKNNRecommender`.
    """

    def __init__(self, *, exclude_purchased: bool = True) -> None:
        self.exclude_purchased = exclude_purchased

    def fit(self, interactions: pd.DataFrame) -> PopularityRecommender:
        """Count customers per product."""
        self._fit_matrix(interactions)
        return self

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        return np.tile(self.popularity_.to_numpy(dtype=float), (rows.size, 1))


class SegmentPopularityRecommender(_Recommender):
    """Baseline: the products most popular within the customer's needs segment.

    Customers without a segment label get the overall popularity.

    Parameters
    ----------
    segments : Series
        Segment label per ``customer_id`` (index, each customer once), e.g.
        ``NeedsSegmentation(...).fit(features).labels_``.
    exclude_purchased : bool
        Never recommend what the customer already bought.

    Attributes
    ----------
    segment_popularity_ : DataFrame
        Share of the segment's customers who bought each product (segments × products).
    customers_, products_, matrix_, popularity_ : as in :class:`ItemKNNRecommender`.
    """

    def __init__(self, segments: pd.Series, *, exclude_purchased: bool = True) -> None:
        self.segments = segments
        self.exclude_purchased = exclude_purchased

    def fit(self, interactions: pd.DataFrame) -> SegmentPopularityRecommender:
        """Count customers per product within each segment."""
        if not isinstance(self.segments, pd.Series):
            raise TypeError(f"segments: expected a pandas Series of labels indexed by customer_id, found "
                            f"{type(self.segments).__name__}.")
        index = pd.Index(_id_text(pd.Series(self.segments.index), "segments", "customer_id"))
        if index.has_duplicates:
            repeated = sorted(set(index[index.duplicated()]))[:5]
            raise ValueError(f"segments: expected one label per customer_id, found customers labelled more than "
                             f"once, e.g. {repeated}. Keep one label each, e.g. "
                             "segments[~segments.index.duplicated()].")
        self._fit_matrix(interactions)
        labels = pd.Series(self.segments.to_numpy(), index=index)
        label = labels.reindex(self.customers_).astype("string").fillna("(none)").to_numpy()
        codes, names = pd.factorize(label, sort=True)
        member = sparse.csr_matrix((np.ones(codes.size), (codes, np.arange(codes.size))), shape=(len(names), codes.size))
        counts = np.asarray((member @ self.matrix_).toarray())
        sizes = np.asarray(member.sum(axis=1)).ravel()
        self.segment_popularity_ = pd.DataFrame(counts / sizes[:, None], index=pd.Index(names, name="segment"),
                                                columns=self.products_)
        self._row_segment = codes
        self._overall = self.popularity_.to_numpy(dtype=float) / max(len(self.customers_), 1)
        self._has_label = label != "(none)"
        return self

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        scores = self.segment_popularity_.to_numpy()[self._row_segment[rows]]
        return np.where(self._has_label[rows][:, None], scores, self._overall[None, :])


def _holdout_table(relevant: Any) -> pd.DataFrame:
    """``relevant`` checked; an empty holdout is refused: precision and recall would be 0/0."""
    rel = _check_table(relevant, "relevant", ["customer_id", "product_id"], allow_empty=True).drop_duplicates()
    if rel.empty:
        raise ValueError(
            "relevant: expected the holdout purchases (customer_id, product_id) of at least one customer, found "
            "0 rows: precision@k and recall@k are undefined without them. Choose an earlier cut-off in "
            "holdout_split (or new_only=False) so that customers buy something after it."
        )
    return rel


def evaluate_recommendations(recommendations: pd.DataFrame, relevant: pd.DataFrame, *, k: int = 10) -> pd.Series:
    """Precision@k, recall@k and hit rate of recommendations against what customers bought later.

    For each customer with at least one relevant product (``relevant``):
    precision@k = hits / k, recall@k = hits / relevant products, hit = at
    least one hit; the figures are means over those customers. A customer
    without recommendations counts with zero hits (an empty recommendations
    table is allowed and scores 0).

    Parameters
    ----------
    recommendations : DataFrame
        ``customer_id``, ``rank``, ``product_id`` (from ``recommend``).
    relevant : DataFrame
        ``customer_id``, ``product_id`` (``HoldoutSplit.relevant``); at least one row.
    k : int
        Only ranks 1..k count.

    Returns
    -------
    Series
        ``precision_at_k``, ``recall_at_k``, ``hit_rate``, ``customers``.

    Raises
    ------
    ValueError
        If ``relevant`` is empty (an empty holdout), ``k`` is not a whole
        number >= 1, or a rank is not a whole number >= 1.
    """
    k = _check_positive_int(k, "k")
    recs = _recommendations_table(recommendations, allow_empty=True)
    rel = _holdout_table(relevant)
    recs = recs.loc[recs["rank"] <= k, ["customer_id", "product_id"]].drop_duplicates()
    hits = rel.merge(recs, on=["customer_id", "product_id"]).groupby("customer_id").size()
    per = rel.groupby("customer_id").size().rename("relevant").to_frame()
    per["hits"] = hits.reindex(per.index).fillna(0).to_numpy()
    return pd.Series(
        {
            "precision_at_k": float((per["hits"] / k).mean()),
            "recall_at_k": float((per["hits"] / per["relevant"]).mean()),
            "hit_rate": float((per["hits"] > 0).mean()),
            "customers": int(len(per)),
        },
        name=f"k={k}",
    )


def _recommendations_table(recommendations: Any, *, allow_empty: bool = False) -> pd.DataFrame:
    recs = _check_table(recommendations, "recommendations", ["customer_id", "rank", "product_id"],
                        "Pass the table returned by recommend().", allow_empty=allow_empty,
                        empty_advice="The recommender found nothing to recommend: check its training data.")
    rank = _numbers(recs["rank"], "recommendations", "rank", low=1, what="ranks",
                    advice="Pass the table returned by recommend().")
    if (rank != np.round(rank)).any():
        raise SchemaError(
            f"Table 'recommendations', column 'rank': expected whole numbers >= 1, found "
            f"{int((rank != np.round(rank)).sum())} of {len(rank)} rows with fractions. Pass the table returned "
            "by recommend().", table="recommendations", column="rank", n_rows=len(rank),
        )
    recs["rank"] = rank.astype("int64").to_numpy()
    return recs


def compare_recommenders(split: HoldoutSplit, models: Mapping[str, Any], *, k: int = 10) -> pd.DataFrame:
    """Fit each recommender on the training period and evaluate it on the holdout, side by side.

    Parameters
    ----------
    split : HoldoutSplit
        From :func:`holdout_split`, with at least one holdout purchase.
    models : dict
        ``{name: unfitted recommender}`` (objects with ``fit`` and ``recommend``).
    k : int
        Length of each list.

    Returns
    -------
    DataFrame
        One row per model, in the order given: ``precision_at_k``,
        ``recall_at_k``, ``hit_rate``, ``customers``.
    """
    if not isinstance(split, HoldoutSplit):
        raise TypeError(f"split: expected a HoldoutSplit from holdout_split, found {type(split).__name__}.")
    if not isinstance(models, Mapping):
        raise TypeError(f"models: expected a dict {{name: recommender}}, e.g. {{'item-kNN': ItemKNNRecommender()}}, "
                        f"found {type(models).__name__}.")
    if not models:
        raise ValueError("models: expected at least one {name: recommender}, found none.")
    odd = [str(name) for name, m in models.items() if not (callable(getattr(m, "fit", None))
                                                           and callable(getattr(m, "recommend", None)))]
    if odd:
        raise TypeError(f"models: expected recommenders with fit() and recommend() (e.g. ItemKNNRecommender(), "
                        f"PopularityRecommender()), found other objects for {odd}.")
    k = _check_positive_int(k, "k")
    _holdout_table(split.relevant)
    evaluated = split.relevant["customer_id"].unique()
    rows = {}
    for name, model in models.items():
        recs = model.fit(split.train).recommend(evaluated, k=k)
        rows[name] = evaluate_recommendations(recs, split.relevant, k=k)
    table = pd.DataFrame(rows).T
    table["customers"] = table["customers"].astype("int64")
    table.index.name = "model"
    return table


# --------------------------------------------------------------------------
# Next best offer
# --------------------------------------------------------------------------


def _offers_with_hits(recommendations: Any, relevant: Any) -> pd.DataFrame:
    """Recommendations of the customers in the holdout, each marked ``accepted`` if bought there."""
    recs = _recommendations_table(recommendations)
    rel = _holdout_table(relevant).assign(_hit=True)
    n_customers = recs["customer_id"].nunique()
    recs = recs.loc[recs["customer_id"].isin(set(rel["customer_id"]))]
    if recs.empty:
        raise ValueError(
            f"recommendations: none of its {n_customers} customers has a purchase in "
            f"relevant ({rel['customer_id'].nunique()} customers), so no acceptance can be measured. Recommend for "
            "the holdout's customers, e.g. model.recommend(split.relevant['customer_id'].unique())."
        )
    merged = recs.merge(rel, on=["customer_id", "product_id"], how="left")
    merged["accepted"] = merged["_hit"].notna().astype("int64")
    return merged.drop(columns="_hit")


def acceptance_by_rank(recommendations: pd.DataFrame, relevant: pd.DataFrame) -> pd.Series:
    """Share of recommendations at each rank that the customer went on to buy (holdout).

    This is an empirical purchase propensity, a stand-in for P(accept) of an
    offer: it measures what customers did *without* being contacted. A
    campaign test (Interact: uplift) measures what the offer itself adds.

    Parameters
    ----------
    recommendations : DataFrame
        ``customer_id``, ``rank``, ``product_id``, for the customers in ``relevant``.
    relevant : DataFrame
        ``customer_id``, ``product_id`` bought after the cut-off (at least one row).

    Returns
    -------
    Series
        Index ``rank`` (ascending), values in [0, 1].

    Raises
    ------
    ValueError
        If ``relevant`` is empty or none of the recommended customers is in it.
    """
    merged = _offers_with_hits(recommendations, relevant)
    return merged.groupby("rank")["accepted"].mean().rename("p_accept")


def acceptance_rates(
    recommendations: pd.DataFrame,
    relevant: pd.DataFrame,
    *,
    categories: pd.Series | None = None,
    prior_strength: float = 20.0,
) -> pd.DataFrame:
    """P(accept) per rank and category: holdout purchase rates, shrunk towards the rate of the rank.

    The rate of a (rank, category) cell with ``n`` offers and ``a`` purchases
    is ``(a + m · p_rank) / (n + m)`` with ``m = prior_strength`` and
    ``p_rank`` the rate of the rank over all categories (a beta-binomial,
    empirical-Bayes estimate): small cells move towards the rank's rate
    instead of jumping to 0 or 1.

    Parameters
    ----------
    recommendations : DataFrame
        ``customer_id``, ``rank``, ``product_id``, for the customers in ``relevant``.
    relevant : DataFrame
        ``customer_id``, ``product_id`` bought after the cut-off (at least one row).
    categories : Series or dict, optional
        Category per ``product_id`` (each product once); without it the
        rates are per rank only. Products without a category count as ``"(none)"``.
    prior_strength : float
        ``m`` above (finite, >= 0; 0 = raw rates).

    Returns
    -------
    DataFrame
        ``rank``, ``category`` (``"(all)"`` without categories), ``offers``,
        ``accepted``, ``p_accept``; sorted by rank and category.
    """
    prior_strength = _check_non_negative(prior_strength, "prior_strength")
    merged = _offers_with_hits(recommendations, relevant)
    merged["category"] = _category_of(merged["product_id"], _lookup(categories, "categories"))
    by_rank = merged.groupby("rank")["accepted"].mean()
    cells = merged.groupby(["rank", "category"]).agg(offers=("accepted", "size"), accepted=("accepted", "sum"))
    cells = cells.reset_index()
    prior = cells["rank"].map(by_rank)
    cells["p_accept"] = (cells["accepted"] + prior_strength * prior) / (cells["offers"] + prior_strength)
    return cells


def _category_of(product_id: pd.Series, categories: pd.Series | None) -> np.ndarray:
    if categories is None:
        return np.full(len(product_id), "(all)", dtype=object)
    cats = categories.astype("string")
    return cats.reindex(product_id.astype(str)).fillna("(none)").to_numpy(dtype=object)


def offer_candidates(
    recommendations: pd.DataFrame, rates: pd.DataFrame, *, categories: pd.Series | None = None
) -> pd.DataFrame:
    """Recommendations with their category and P(accept) from :func:`acceptance_rates`.

    A (rank, category) cell without a rate gets the mean rate of its rank.
    Recommendations at a rank without any rate (e.g. ``recommend(k=10)``
    with rates measured for ``k=5``) are left out, with a warning that counts them.

    Parameters
    ----------
    recommendations : DataFrame
        ``customer_id``, ``rank``, ``product_id``.
    rates : DataFrame
        ``rank``, ``category``, ``p_accept`` (probabilities in [0, 1]).
    categories : Series or dict, optional
        Category per ``product_id`` (the same as for the rates).

    Returns
    -------
    DataFrame
        ``customer_id``, ``rank``, ``product_id``, ``category``, ``p_accept``.
    """
    recs = _recommendations_table(recommendations)
    table = _check_table(rates, "rates", ["rank", "category", "p_accept"], "Pass the table of acceptance_rates.")
    table["p_accept"] = _numbers(table["p_accept"], "rates", "p_accept", low=0, high=1, what="probabilities",
                                 advice="Pass the table of acceptance_rates.").to_numpy()
    rank = _numbers(table["rank"], "rates", "rank", low=1, what="ranks")
    table["rank"] = np.round(rank).astype("int64").to_numpy()
    recs["category"] = _category_of(recs["product_id"], _lookup(categories, "categories"))
    table["category"] = table["category"].astype(str).astype(object)
    doubled = table.duplicated(["rank", "category"], keep=False)
    if doubled.any():
        cells = sorted(set(zip(table.loc[doubled, "rank"], table.loc[doubled, "category"])))[:5]
        raise SchemaError(
            f"Table 'rates': expected one row per (rank, category), found {int(doubled.sum())} of {len(table)} rows "
            f"repeating a cell, e.g. {cells}. Pass the table of acceptance_rates unchanged.",
            table="rates", column="rank", n_bad=int(doubled.sum()), n_rows=len(table),
        )
    by_rank = table.groupby("rank")["p_accept"].mean()
    unrated = ~recs["rank"].isin(by_rank.index)
    if unrated.any():
        ranks = sorted(set(recs.loc[unrated, "rank"].tolist()))
        warn(f"offer_candidates: {int(unrated.sum())} of {len(recs)} recommendations are at ranks without a "
             f"rate ({_ranks_text(ranks)}) and are left out. Measure the rates with the same k as the "
             "recommendations.")
        recs = recs.loc[~unrated].reset_index(drop=True)
    out = recs.merge(table, on=["rank", "category"], how="left")
    out["p_accept"] = out["p_accept"].astype(float).fillna(out["rank"].map(by_rank))
    out["category"] = out["category"].astype("string")
    return out


def _ranks_text(ranks: list[int]) -> str:
    shown = ", ".join(str(int(r)) for r in ranks[:10])
    return f"rank {shown}" + (" …" if len(ranks) > 10 else "")


def product_margins(
    products: pd.DataFrame,
    *,
    margin_rate: float = 0.3,
    price_column: str = "list_price",
    margins: Mapping[str, float] | pd.Series | None = None,
) -> pd.Series:
    """Margin per product: given per product, else list price × margin rate.

    Parameters
    ----------
    products : DataFrame
        ``product_id`` (each product once) and ``price_column`` (finite prices >= 0).
    margin_rate : float
        Share of the price that is margin, in [0, 1].
    price_column : str
        Column of the list price.
    margins : dict or Series, optional
        ``{product_id: margin}`` (finite, >= 0); overrides the computed margin for those products.

    Returns
    -------
    Series
        Index ``product_id``, name ``margin``.
    """
    margin_rate = _check_fraction(margin_rate, "margin_rate")
    if not isinstance(price_column, str):
        raise TypeError(f"price_column: expected the name of the price column, e.g. 'list_price', found "
                        f"{price_column!r}.")
    frame = _check_table(products, "products", ["product_id", price_column],
                         f"Give a price column (price_column={price_column!r}) or margins={{product_id: margin}}.")
    price = _numbers(frame[price_column], "products", price_column, low=0, what="prices")
    ids = pd.Index(frame["product_id"], name="product_id")
    if ids.has_duplicates:
        repeated = sorted(set(ids[ids.duplicated()]))[:5]
        raise SchemaError(
            f"Table 'products', column 'product_id': expected each product once, found {int(ids.duplicated().sum())} "
            f"of {len(ids)} rows repeating a product, e.g. {repeated}. Keep one row per product, e.g. "
            "products.drop_duplicates('product_id').",
            table="products", column="product_id", n_bad=int(ids.duplicated().sum()), n_rows=len(ids),
        )
    out = pd.Series((price * margin_rate).to_numpy(), index=ids, name="margin")
    given = _margin_lookup(margins)
    if given is not None:
        out = given.combine_first(out).rename("margin")
        out.index.name = "product_id"
    return out


def _margin_lookup(margins: Any) -> pd.Series | None:
    """Margins per product as finite floats >= 0 (a product sold at a loss is never worth offering)."""
    given = _lookup(margins, "margins")
    if given is None:
        return None
    advice = ("A margin must be a finite amount; a product sold at a loss is never worth offering: leave it out, "
              "e.g. margins[margins >= 0].")
    values = _numbers(given, "margins", "margin", low=0, what="margins", advice=advice)
    return pd.Series(values.to_numpy(), index=given.index, name="margin")


def next_best_offers(
    candidates: pd.DataFrame,
    *,
    margins: pd.Series,
    categories: pd.Series | None = None,
    purchased: pd.DataFrame | None = None,
    offers_per_customer: int = 1,
    max_per_category: int = 1,
    budget: int | None = None,
    contact_cost: float = 0.0,
) -> pd.DataFrame:
    """Choose each customer's next best offer(s) by expected value = P(accept) × margin, under constraints.

    Steps: drop candidates the customer already bought (``purchased``) and
    products without a margin (counted in a warning); compute the expected
    value; per customer keep the best offers, at most ``max_per_category``
    per category and ``offers_per_customer`` in all; drop offers whose
    expected value does not cover ``contact_cost``; rank customers by the
    expected value of their offers less the contact cost and contact the
    first ``budget``. Ties are broken by product id and customer id.

    Parameters
    ----------
    candidates : DataFrame
        ``customer_id``, ``product_id``, ``p_accept`` (in [0, 1]).
    margins : Series or dict
        Margin per ``product_id`` (:func:`product_margins`): finite, >= 0.
    categories : Series or dict, optional
        Category per ``product_id``; without it every product is its own category.
    purchased : DataFrame, optional
        ``customer_id``, ``product_id`` already bought: never offered.
    offers_per_customer : int
        Offers per contacted customer.
    max_per_category : int
        At most this many offers of one category per customer.
    budget : int, optional
        Customers that can be contacted (>= 1); default all who qualify.
    contact_cost : float
        Cost of one contact (finite, >= 0); a customer is contacted only
        when the expected value of the offers exceeds it.

    Returns
    -------
    DataFrame
        One row per offer to a contacted customer, in campaign order:
        ``priority`` (1 = contact first), ``customer_id``, ``offer_rank``,
        ``product_id``, ``category``, ``p_accept``, ``margin``,
        ``expected_value``, ``customer_value`` (expected value of the
        customer's offers less the contact cost). ``attrs`` hold
        ``eligible_customers`` and ``contacted_customers``. Empty, with an
        :class:`~idic_lab.diagnostics.IdicLabWarning` giving the reason,
        when no customer qualifies.
    """
    offers_per_customer = _check_positive_int(offers_per_customer, "offers_per_customer")
    max_per_category = _check_positive_int(max_per_category, "max_per_category")
    budget = _check_positive_int(budget, "budget", allow_none=True)
    contact_cost = _check_non_negative(contact_cost, "contact_cost")
    cand = _check_table(candidates, "candidates", ["customer_id", "product_id", "p_accept"],
                        "Build candidates from recommend() and a P(accept) per offer (offer_candidates).")
    cand["p_accept"] = _numbers(cand["p_accept"], "candidates", "p_accept", low=0, high=1,
                                what="probabilities").to_numpy()
    if margins is None:
        raise TypeError("margins: expected the margin per product_id (product_margins(products)), found None.")
    margin = _margin_lookup(margins)
    cats = _lookup(categories, "categories")
    if purchased is not None:
        seen = _check_table(purchased, "purchased", ["customer_id", "product_id"], allow_empty=True)
        seen = seen.drop_duplicates().assign(_seen=True)
        cand = cand.merge(seen, on=["customer_id", "product_id"], how="left")
        cand = cand.loc[cand["_seen"].isna()].drop(columns="_seen")
    n_open = len(cand)
    cand["margin"] = margin.reindex(cand["product_id"].astype(str)).to_numpy()
    no_margin = cand["margin"].isna()
    if no_margin.any():
        examples = sorted(set(cand.loc[no_margin, "product_id"]))[:5]
        warn(f"next_best_offers: {int(no_margin.sum())} of {len(cand)} candidates are products without a margin "
             f"(e.g. {examples}) and are left out. Give their margins (product_margins(..., margins={{...}})) "
             "or a price for them in the product list.")
        cand = cand.loc[~no_margin]
    cand["category"] = (_category_of(cand["product_id"], cats.astype("string")) if cats is not None
                        else cand["product_id"].to_numpy())
    cand["category"] = cand["category"].astype("string")
    cand["expected_value"] = cand["p_accept"] * cand["margin"]
    cand = cand.sort_values(["customer_id", "expected_value", "product_id"], ascending=[True, False, True], kind="stable")
    cand = cand.drop_duplicates(["customer_id", "product_id"])
    cand = cand.loc[cand.groupby(["customer_id", "category"]).cumcount() < max_per_category]
    cand = cand.loc[cand.groupby("customer_id").cumcount() < offers_per_customer].copy()
    cand["offer_rank"] = cand.groupby("customer_id").cumcount() + 1
    value = cand.groupby("customer_id")["expected_value"].sum() - contact_cost
    best = float(value.max()) + contact_cost if len(value) else None
    value = value.loc[value > 0]
    eligible = int(len(value))
    if eligible == 0:
        _warn_no_offer(len(candidates), n_open, len(cand), best, contact_cost)
    order = value.reset_index().sort_values(["expected_value", "customer_id"], ascending=[False, True], kind="stable")
    if budget is not None:
        order = order.head(budget)
    order = order.assign(priority=np.arange(1, len(order) + 1)).rename(columns={"expected_value": "customer_value"})
    out = order.merge(cand, on="customer_id").sort_values(["priority", "offer_rank"], kind="stable")
    out = out[["priority", "customer_id", "offer_rank", "product_id", "category", "p_accept", "margin",
               "expected_value", "customer_value"]].reset_index(drop=True)
    out.attrs["eligible_customers"] = eligible
    out.attrs["contacted_customers"] = int(len(order))
    return out


def _warn_no_offer(n_candidates: int, n_open: int, n_priced: int, best: float | None, contact_cost: float) -> None:
    if n_open == 0:
        reason = f"the customers already bought all {n_candidates} candidate products"
    elif n_priced == 0:
        reason = "no candidate product has a margin"
    else:
        reason = (f"the best customer's offers are worth {_plain_value(best)} in expected margin, which does not exceed "
                  f"the contact cost of {_plain_value(contact_cost)} (or every margin is 0)")
    warn(f"next_best_offers: no customer qualifies for an offer: {reason}. The offer list is empty; check the "
         "candidates, margins and contact_cost.")


def offer_summary(offers: pd.DataFrame) -> pd.DataFrame:
    """Offers per category: how many, mean P(accept), expected value in total and per offer.

    Parameters
    ----------
    offers : DataFrame
        From :func:`next_best_offers` (may be empty: the summary is then empty too).

    Returns
    -------
    DataFrame
        Index ``category``: ``offers``, ``mean_p_accept``, ``expected_value``,
        ``expected_value_per_offer``; largest expected value first, ties by category.
    """
    frame = _check_table(offers, "offers", ["category", "p_accept", "expected_value"],
                         "Pass the table returned by next_best_offers.", allow_empty=True)
    frame["category"] = frame["category"].astype("string")
    frame["p_accept"] = _numbers(frame["p_accept"], "offers", "p_accept", low=0, high=1,
                                 what="probabilities").to_numpy()
    frame["expected_value"] = _numbers(frame["expected_value"], "offers", "expected_value",
                                       what="expected values").to_numpy()
    out = frame.groupby("category").agg(
        offers=("p_accept", "size"), mean_p_accept=("p_accept", "mean"), expected_value=("expected_value", "sum")
    )
    out["expected_value_per_offer"] = out["expected_value"] / out["offers"]
    out = out.reset_index().sort_values(["expected_value", "category"], ascending=[False, True], kind="stable")
    return out.set_index("category")


# --------------------------------------------------------------------------
# Conjoint analysis: what each needs segment values in a modular offer
# --------------------------------------------------------------------------


def default_cutoff(baskets: pd.DataFrame, cutoff: str | pd.Timestamp | None = None) -> str:
    """The holdout cut-off as an ISO date: ``cutoff`` when given, else 80 % into the baskets' date range."""
    if cutoff:
        return str(as_date(cutoff, "cutoff").date())
    frame = _check_table(baskets, "baskets", ["date"], "Pass the baskets table (with a date column).")
    dates = pd.to_datetime(frame["date"])
    return str((dates.min() + 0.8 * (dates.max() - dates.min())).date())


def _conjoint_table(ratings: Any, attributes: Mapping[str, Sequence[str]], segment: str, rating: str) -> pd.DataFrame:
    if not isinstance(attributes, Mapping) or not attributes:
        raise TypeError("attributes: expected a dict {attribute: [levels, base level first]}, e.g. "
                        f"{{'price': ['full price', '10 % off']}}, found {attributes!r}.")
    for name, levels in attributes.items():
        if isinstance(levels, str) or len(list(levels)) < 2:
            raise ValueError(f"attributes: expected at least two levels of {name!r}, found {levels!r}.")
    frame = _check_table(ratings, "ratings", [segment, *attributes, rating],
                         "Pass one row per rated profile: the respondent's segment, the level of each attribute and the rating.")
    frame[rating] = _numbers(frame[rating], "ratings", rating, what="ratings").to_numpy()
    for name, levels in attributes.items():
        shown = frame[name].astype("string")
        unknown = ~shown.isin([str(v) for v in levels])
        if unknown.any():
            raise ValueError(f"ratings: column {name!r} holds levels not in attributes[{name!r}] "
                             f"(e.g. {shown[unknown].iloc[0]!r}); expected one of {list(levels)}.")
        frame[name] = shown
    frame[segment] = frame[segment].astype("string")
    if frame[segment].isna().any():
        raise ValueError(f"ratings: column {segment!r} has missing segments; give every respondent a segment.")
    return frame


def estimate_part_worths(
    ratings: pd.DataFrame,
    attributes: Mapping[str, Sequence[str]],
    *,
    segment: str = "segment",
    rating: str = "rating",
) -> pd.DataFrame:
    """Part-worths of a rating-based conjoint study, by least squares per segment.

    Each attribute is dummy coded (its first level is the base), the ratings
    of a segment are regressed on the dummies, and the coefficients of an
    attribute are centred to mean 0 (the base level gets minus their mean):
    a part-worth then reads "rating points above or below this attribute's
    average level" (Green & Srinivasan 1978).

    Parameters
    ----------
    ratings : DataFrame
        One row per rated profile: ``segment``, one column per attribute and ``rating``.
    attributes : dict
        Attribute → levels (base level first).
    segment, rating : str
        Column names of the respondent's segment and of the rating.

    Returns
    -------
    DataFrame
        ``segment``, ``attribute``, ``level``, ``part_worth``, ``std_error``
        (of the dummy coefficient, the base level 0), ``ratings`` (rows of the segment).

    Raises
    ------
    ValueError
        When a segment's ratings cannot separate the levels (a level never
        shown, or fewer ratings than parameters).
    """
    frame = _conjoint_table(ratings, attributes, segment, rating)
    rows = []
    for name, group in frame.groupby(segment, sort=True):
        columns, labels = [np.ones(len(group))], []
        for attribute, levels in attributes.items():
            for level in list(levels)[1:]:
                columns.append((group[attribute] == str(level)).to_numpy(dtype=float))
                labels.append((attribute, str(level)))
        x = np.column_stack(columns)
        y = group[rating].to_numpy(dtype=float)
        if len(y) <= x.shape[1] or np.linalg.matrix_rank(x) < x.shape[1]:
            raise ValueError(f"ratings: segment {name!r} has {len(y)} ratings that cannot separate the "
                             f"{x.shape[1]} parameters (a level never shown, or too few profiles); collect more "
                             "ratings or merge the segment.")
        coef, *_ = np.linalg.lstsq(x, y, rcond=None)
        residual = y - x @ coef
        sigma2 = float(residual @ residual) / (len(y) - x.shape[1])
        se = np.sqrt(np.diag(sigma2 * np.linalg.inv(x.T @ x)))
        found = dict(zip(labels, zip(coef[1:], se[1:])))
        for attribute, levels in attributes.items():
            raw = np.array([0.0] + [found[(attribute, str(v))][0] for v in list(levels)[1:]])
            errors = [0.0] + [found[(attribute, str(v))][1] for v in list(levels)[1:]]
            for level, value, error in zip(levels, raw - raw.mean(), errors):
                rows.append((str(name), attribute, str(level), float(value), float(error), len(group)))
    return pd.DataFrame(rows, columns=["segment", "attribute", "level", "part_worth", "std_error", "ratings"])


def _part_worth_table(part_worths: Any) -> pd.DataFrame:
    frame = _check_table(part_worths, "part_worths", ["segment", "attribute", "level", "part_worth"],
                         "Pass the table returned by estimate_part_worths.")
    frame["part_worth"] = _numbers(frame["part_worth"], "part_worths", "part_worth", what="part-worths").to_numpy()
    for column in ("segment", "attribute", "level"):
        frame[column] = frame[column].astype("string")
    return frame


def attribute_importance(part_worths: pd.DataFrame) -> pd.DataFrame:
    """Importance of each attribute per segment: the range of its part-worths / the sum of the ranges.

    Returns
    -------
    DataFrame
        Rows: segments; columns: attributes (in the order of the part-worths table); each row sums to 1.
    """
    frame = _part_worth_table(part_worths)
    order = list(dict.fromkeys(frame["attribute"]))
    ranges = frame.groupby(["segment", "attribute"], sort=True)["part_worth"].agg(lambda v: v.max() - v.min())
    table = ranges.unstack("attribute").reindex(columns=order)
    total = table.sum(axis=1)
    if (total <= 0).any():
        raise ValueError("part_worths: a segment whose part-worths are all equal has no attribute importance.")
    return table.div(total, axis=0)


def preferred_bundle(part_worths: pd.DataFrame) -> pd.DataFrame:
    """The level with the highest part-worth of every attribute, per segment: the segment's preferred module bundle.

    Returns
    -------
    DataFrame
        Rows: segments; columns: attributes; ties go to the level listed first.
    """
    frame = _part_worth_table(part_worths)
    order = list(dict.fromkeys(frame["attribute"]))
    frame["_position"] = np.arange(len(frame))
    best = frame.sort_values(["part_worth", "_position"], ascending=[False, True], kind="stable")
    best = best.drop_duplicates(["segment", "attribute"])
    return best.pivot(index="segment", columns="attribute", values="level").reindex(columns=order)


def share_of_preference(
    part_worths: pd.DataFrame,
    configurations: Mapping[str, Mapping[str, str]],
    *,
    weights: Mapping[str, float] | pd.Series | None = None,
    rule: str = "logit",
    scale: float = 5.0,
) -> pd.Series:
    """Simulated share of preference of a few product configurations (a market simulator).

    A configuration's utility in a segment is the sum of the segment's
    part-worths of its levels. With the **logit** rule a segment splits its
    preference as exp(utility / scale) / Σ exp(…) (``scale`` in rating
    points: smaller is closer to first choice); with **first-choice** the
    whole segment goes to its best configuration (ties split evenly).
    Segments are weighted by ``weights`` (e.g. respondents or customers per
    segment; default equal).

    Returns
    -------
    Series
        Share per configuration (sums to 1), in the order given.
    """
    frame = _part_worth_table(part_worths)
    rule = str(rule)
    if rule not in ("logit", "first-choice"):
        raise ValueError(f"rule: expected 'logit' or 'first-choice', found {rule!r}.")
    scale = _check_non_negative(scale, "scale")
    if scale == 0:
        raise ValueError("scale: expected a positive number of rating points, e.g. 5, found 0.")
    if not isinstance(configurations, Mapping) or len(configurations) < 2:
        raise ValueError("configurations: expected a dict of at least two {name: {attribute: level}}, "
                         f"found {configurations!r}.")
    worth = frame.set_index(["segment", "attribute", "level"])["part_worth"]
    segments = list(dict.fromkeys(frame["segment"]))
    utility = pd.DataFrame(0.0, index=segments, columns=list(configurations))
    for name, levels in configurations.items():
        for attribute, level in dict(levels).items():
            keys = pd.MultiIndex.from_arrays([segments, [attribute] * len(segments), [str(level)] * len(segments)])
            values = worth.reindex(keys)
            if values.isna().any():
                raise ValueError(f"configurations: {name!r} asks for {attribute}={level!r}, which the part-worths do not have.")
            utility[name] += values.to_numpy()
    if rule == "logit":
        exp = np.exp((utility.sub(utility.max(axis=1), axis=0)) / scale)
        shares = exp.div(exp.sum(axis=1), axis=0)
    else:
        best = utility.eq(utility.max(axis=1), axis=0).astype(float)
        shares = best.div(best.sum(axis=1), axis=0)
    w = (pd.Series(1.0, index=segments) if weights is None
         else pd.Series(weights, dtype=float).reindex(segments).fillna(0.0))
    if (w < 0).any() or w.sum() <= 0:
        raise ValueError("weights: expected non-negative weights per segment with a positive sum.")
    out = shares.mul(w / w.sum(), axis=0).sum()
    return out.rename("share_of_preference")


# --------------------------------------------------------------------------
# A tailored next best offer: value tier, needs segment, campaign response, conjoint preferences
# --------------------------------------------------------------------------

#: Value tiers that count as "high value" in an offer's reason.
HIGH_VALUE_TIERS = ("Platinum", "Gold")
#: Service levels a retailer offers every customer; the others (advice, warranty) cost more to serve.
BASIC_SERVICES = ("standard delivery", "free next-day delivery")


def segment_uplift(campaign: pd.DataFrame, segments: pd.Series) -> pd.DataFrame:
    """Campaign uplift per needs segment: response rate of the treated minus that of the control group.

    Parameters
    ----------
    campaign : DataFrame
        A randomised campaign: ``customer_id``, ``treatment`` (0/1), ``outcome`` (0/1).
    segments : Series
        Needs segment per customer id.

    Returns
    -------
    DataFrame
        Index: segment; ``treated``, ``control`` (customers), ``treated_rate``, ``control_rate``, ``uplift``.
    """
    frame = _check_table(campaign, "campaign", ["customer_id", "treatment", "outcome"],
                         "Pass the randomised campaign (one row per customer).")
    labels = _lookup(segments, "segments")
    frame["segment"] = frame["customer_id"].astype("string").map(labels)
    frame = frame.dropna(subset=["segment"])
    if frame.empty:
        raise ValueError("segments: none of the campaign's customers has a segment.")
    frame["treatment"] = frame["treatment"].astype(int)
    frame["outcome"] = frame["outcome"].astype(float)
    rates = frame.groupby(["segment", "treatment"])["outcome"].agg(["mean", "size"]).unstack("treatment")
    out = pd.DataFrame({"treated": rates[("size", 1)], "control": rates[("size", 0)],
                        "treated_rate": rates[("mean", 1)], "control_rate": rates[("mean", 0)]})
    out["uplift"] = out["treated_rate"] - out["control_rate"]
    out.index = out.index.astype("string")
    out.index.name = "segment"
    return out


def customer_value(baskets: pd.DataFrame, prices: pd.DataFrame) -> pd.Series:
    """Actual value per customer: what their baskets cost at list price (quantity × list price, summed)."""
    if not isinstance(baskets, pd.DataFrame):
        raise TypeError(f"baskets: expected a pandas DataFrame, found {type(baskets).__name__}.")
    known = baskets.dropna(subset=["customer_id"]) if "customer_id" in baskets.columns else baskets
    required = ["customer_id", "product_id"] + (["quantity"] if "quantity" in baskets.columns else [])
    frame = _check_table(known, "baskets", required, "Pass the baskets table.")
    price = _lookup(_check_table(prices, "prices", ["product_id", "list_price"], "Pass the product list with list_price.")
                    .set_index("product_id")["list_price"], "prices")
    quantity = frame["quantity"].astype(float) if "quantity" in frame.columns else 1.0
    amount = frame["product_id"].astype("string").map(price).astype(float).fillna(0.0) * quantity
    value = amount.groupby(frame["customer_id"].astype("string").to_numpy()).sum().sort_index(kind="stable")
    value.index.name = "customer_id"
    return value.rename("value")


def tailored_offers(
    customers: pd.DataFrame,
    part_worths: pd.DataFrame,
    *,
    candidates: pd.DataFrame | None = None,
    margins: pd.Series | None = None,
    categories: pd.Series | None = None,
    module_categories: Mapping[str, str] | None = None,
    product_names: Mapping[str, str] | pd.Series | None = None,
    min_uplift: float = 0.02,
    budget: int | None = None,
) -> pd.DataFrame:
    """A next best offer per customer from value tier, needs segment, campaign response and conjoint preferences.

    Rules, in plain words:

    * **module**: the module the customer's needs segment likes best (conjoint part-worths);
    * **service**: high-value customers (:data:`HIGH_VALUE_TIERS`) get the service their
      segment likes best; the others the best liked of :data:`BASIC_SERVICES`
      (what the firm can afford for them);
    * **price**: only segments that respond to offers (campaign uplift >= ``min_uplift``) get a
      discount: the deepest when price is that segment's most important attribute, the
      first otherwise; the others are offered full price (a discount would be given away);
    * **lead product**: the customer's best recommendation in the module's category by
      P(accept) × margin (``candidates``, ``margins``, ``categories`` of products and
      ``module_categories`` of modules), when there is one.

    Contacts are ranked by the expected gain value × segment uplift (uplift below 0 counts as 0)
    when ``customers`` has a ``value`` column, else high-value tiers first, then higher segment
    uplift; ties by customer id. ``budget`` keeps the first so many.

    Parameters
    ----------
    customers : DataFrame
        Index customer id; ``tier`` (value tier), ``segment`` (needs segment as in the part-worths),
        ``uplift`` (the segment's measured campaign uplift); optionally ``value`` (actual value).
    part_worths : DataFrame
        From :func:`estimate_part_worths`, with attributes ``module``, ``service`` and ``price``
        (price levels ordered from full price to the deepest discount).

    Returns
    -------
    DataFrame
        ``priority``, ``customer_id``, ``tier``, ``segment``, ``uplift``, ``module``, ``service``,
        ``price``, ``offer``, ``lead_product``, ``lead_product_name``, ``reason`` (and ``expected_gain``
        with a ``value`` column).
    """
    if not isinstance(customers, pd.DataFrame):
        raise TypeError(f"customers: expected a DataFrame indexed by customer id, found {type(customers).__name__}.")
    missing = [c for c in ("tier", "segment", "uplift") if c not in customers.columns]
    if missing:
        raise ValueError(f"customers: expected columns tier, segment, uplift; missing {missing}.")
    min_uplift = float(min_uplift)
    worths = _part_worth_table(part_worths)
    needed = {"module", "service", "price"} - set(worths["attribute"])
    if needed:
        raise ValueError(f"part_worths: expected the attributes module, service and price, missing {sorted(needed)}.")
    best = preferred_bundle(worths)
    importance = attribute_importance(worths)
    price_levels = list(dict.fromkeys(worths.loc[worths["attribute"] == "price", "level"]))
    frame = customers[["tier", "segment", "uplift"]].copy()
    frame.index = frame.index.astype("string")
    frame["segment"] = frame["segment"].astype("string")
    unknown = ~frame["segment"].isin(best.index)
    if unknown.any():
        raise ValueError(f"customers: segment {frame.loc[unknown, 'segment'].iloc[0]!r} has no part-worths.")
    frame["uplift"] = frame["uplift"].astype(float).fillna(0.0)
    service_worth = worths.loc[worths["attribute"] == "service"].set_index(["segment", "level"])["part_worth"]
    basic_best = {s: max(BASIC_SERVICES, key=lambda v: service_worth.get((s, v), -np.inf)) for s in best.index}
    high = frame["tier"].astype("string").isin(HIGH_VALUE_TIERS).fillna(False).to_numpy(dtype=bool)
    responds = (frame["uplift"] >= min_uplift).to_numpy()
    frame["module"] = frame["segment"].map(best["module"]).astype("string")
    frame["service"] = np.where(high, frame["segment"].map(best["service"]), frame["segment"].map(basic_best))
    price_first = frame["segment"].map(importance.idxmax(axis=1)).eq("price").to_numpy()
    frame["price"] = np.where(~responds, price_levels[0], np.where(price_first, price_levels[-1], price_levels[1]))
    frame["offer"] = frame["module"] + " + " + frame["service"] + ", " + frame["price"]
    frame["lead_product"] = pd.array([pd.NA] * len(frame), dtype="string")
    if candidates is not None and margins is not None and module_categories is not None and categories is not None:
        cand = _check_table(candidates, "candidates", ["customer_id", "product_id", "p_accept"],
                            "Pass the table returned by offer_candidates.")
        cand["customer_id"] = cand["customer_id"].astype("string")
        cand["product_id"] = cand["product_id"].astype("string")
        cand["expected_value"] = (cand["p_accept"].astype(float)
                                  * cand["product_id"].map(_margin_lookup(margins)).astype(float))
        wanted = frame["module"].map({str(k): str(v) for k, v in dict(module_categories).items()})
        cand = cand.loc[cand["product_id"].map(_lookup(categories, "categories")).astype("string").to_numpy()
                        == cand["customer_id"].map(wanted).astype("string").to_numpy()]
        cand = cand.dropna(subset=["expected_value"]).sort_values(
            ["customer_id", "expected_value", "product_id"], ascending=[True, False, True], kind="stable")
        lead = cand.drop_duplicates("customer_id").set_index("customer_id")["product_id"]
        frame["lead_product"] = lead.reindex(frame.index).astype("string")
    names = _lookup(product_names, "product_names") if product_names is not None else None
    frame["lead_product_name"] = (frame["lead_product"].map(names).astype("string") if names is not None
                                  else frame["lead_product"])
    word = np.where(high, "high value", np.where(frame["tier"].astype("string").eq("Iron").fillna(False), "mid value", "low value"))
    reaction = np.where(responds, "responds to offers", "does not respond to offers")
    frame["reason"] = (pd.Series(word, index=frame.index) + ", " + frame["segment"] + ", "
                       + pd.Series(reaction, index=frame.index) + ": " + frame["module"])
    if "value" in customers.columns:
        value = _numbers(customers["value"], "customers", "value", what="customer values").to_numpy(dtype=float)
        frame["expected_gain"] = value * np.clip(frame["uplift"].to_numpy(), 0, None)
        keys, ascending = ["expected_gain", "customer_id"], [False, True]
    else:
        frame["_rank"] = np.where(high, 0, 1)
        keys, ascending = ["_rank", "uplift", "customer_id"], [True, False, True]
    frame.index.name = "customer_id"
    out = frame.reset_index().sort_values(keys, ascending=ascending, kind="stable")
    if budget is not None:
        out = out.head(_check_positive_int(budget, "budget"))
    out = out.drop(columns=["_rank"], errors="ignore").reset_index(drop=True)
    out.insert(0, "priority", np.arange(1, len(out) + 1))
    return out


@dataclass(frozen=True)
class ConjointStudy:
    """A conjoint study's results (from :func:`conjoint_study`).

    Attributes
    ----------
    part_worths : DataFrame
        From :func:`estimate_part_worths`.
    importance : DataFrame
        From :func:`attribute_importance`.
    bundles : DataFrame
        From :func:`preferred_bundle`: the preferred module bundle per segment.
    respondents : Series
        Respondents per segment.
    left_out : int
        Respondents without a segment (left out).
    """

    part_worths: pd.DataFrame
    importance: pd.DataFrame
    bundles: pd.DataFrame
    respondents: pd.Series
    left_out: int

    def shares(self, configurations: Mapping[str, Mapping[str, str]], *, rule: str = "logit", scale: float = 5.0) -> pd.Series:
        """Share of preference of ``configurations``, segments weighted by their respondents (:func:`share_of_preference`)."""
        return share_of_preference(self.part_worths, configurations, weights=self.respondents, rule=rule, scale=scale)

    def headline(self) -> dict[str, Any]:
        """What the notebook records: the most important attribute and the preferred bundle per segment."""
        return {
            "most_important": {str(k): str(v) for k, v in self.importance.idxmax(axis=1).items()},
            "bundles": {str(k): " + ".join(map(str, row)) for k, row in self.bundles.iterrows()},
            "respondents": {str(k): int(v) for k, v in self.respondents.items()},
            "left_out": int(self.left_out),
        }


def conjoint_study(
    ratings: pd.DataFrame,
    attributes: Mapping[str, Sequence[str]],
    *,
    segments: pd.Series | None = None,
) -> ConjointStudy:
    """Part-worths, importance and the preferred bundle per segment of a rating-based conjoint survey.

    Parameters
    ----------
    ratings : DataFrame
        One row per rated profile: ``respondent_id``, ``segment`` (or ``customer_id`` with
        ``segments``), one column per attribute and ``rating``.
    attributes : dict
        Attribute → levels (base level first).
    segments : Series, optional
        Needs segment per customer id: replaces the ratings' ``segment`` column, so that the
        segments are those the firm uses for its offers; respondents without one are left out.
    """
    if not isinstance(attributes, Mapping):
        raise TypeError(f"attributes: expected a dict {{attribute: [levels]}}, found {type(attributes).__name__}.")
    who = ["customer_id"] if segments is not None else ["segment"]
    frame = _check_table(ratings, "ratings", ["respondent_id", *who, *attributes, "rating"],
                         "Pass one row per rated profile: respondent_id, customer_id (with segments) or segment, "
                         "one column per attribute and rating.")
    if segments is not None:
        frame["segment"] = frame["customer_id"].astype("string").map(_lookup(segments, "segments")).astype("string")
    missing = frame["segment"].isna()
    left_out = int(frame.loc[missing, "respondent_id"].nunique())
    frame = frame.loc[~missing]
    part_worths = estimate_part_worths(frame, attributes)
    respondents = frame.groupby("segment", sort=True)["respondent_id"].nunique()
    respondents.index = respondents.index.astype("string")
    return ConjointStudy(part_worths=part_worths, importance=attribute_importance(part_worths),
                         bundles=preferred_bundle(part_worths), respondents=respondents.rename("respondents"),
                         left_out=left_out)


def offer_profile(
    baskets: pd.DataFrame,
    prices: pd.DataFrame,
    *,
    segments: pd.Series,
    campaign: pd.DataFrame,
) -> pd.DataFrame:
    """What the tailored offer needs per customer: actual value, value tier, needs segment, segment uplift.

    Value is :func:`customer_value` (baskets at list price), tiers are
    :func:`idic_lab.differentiate.value_tiers` of it, the uplift is the
    segment's :func:`segment_uplift` in the randomised campaign. Customers
    without a segment are left out.

    Returns
    -------
    DataFrame
        Index customer id; ``value``, ``tier``, ``segment``, ``uplift``.
    """
    from idic_lab.differentiate import value_tiers

    value = customer_value(baskets, prices)
    labels = _lookup(segments, "segments")
    frame = pd.DataFrame({"value": value, "tier": value_tiers(value).astype("string")})
    frame["segment"] = frame.index.to_series().map(labels).astype("string")
    frame = frame.dropna(subset=["segment"])
    frame["uplift"] = frame["segment"].map(segment_uplift(campaign, segments)["uplift"]).astype(float)
    return frame


#: The product category of each module of the conjoint offer (the synthetic retailer's range).
MODULE_CATEGORIES = {"style pack": "fashion", "home pack": "home", "tech pack": "electronics", "sports pack": "sports"}

#: Four configurations for the market simulator of the notebook.
EXAMPLE_CONFIGURATIONS = {
    "A": {"module": "style pack", "service": "personal advice", "price": "full price"},
    "B": {"module": "home pack", "service": "free next-day delivery", "price": "10 % off"},
    "C": {"module": "tech pack", "service": "extended warranty", "price": "full price"},
    "D": {"module": "sports pack", "service": "standard delivery", "price": "20 % off"},
}


def named_needs_segments(world: Any, *, random_state: int = 0) -> pd.Series:
    """Needs segments of the synthetic world's customers, found from their purchases and named by their profile.

    Cleans ``world.transactions``, builds :func:`idic_lab.differentiate.needs_features`, fits
    :class:`idic_lab.differentiate.NeedsSegmentation` and names each segment as
    :func:`idic_lab.differentiate.segment_profiles` does (largest category / channel, e.g. ``"home / store"``).

    Returns
    -------
    Series
        Segment name per customer id.
    """
    from idic_lab import differentiate as dif
    from idic_lab.schema import clean

    for attribute in ("transactions", "products", "observation_end"):
        if not hasattr(world, attribute):
            raise TypeError(f"world: expected the synthetic world (load_dataset('synthetic')), found {type(world).__name__}.")
    lines, _ = clean("transactions", world.transactions, observation_end=world.observation_end)
    features = dif.needs_features(lines, products=world.products)
    labels = dif.NeedsSegmentation(random_state=random_state).fit(features).labels_
    names = dif.segment_profiles(features, labels)["name"]
    out = labels.map(names).astype("string")
    out.index = out.index.astype("string")
    out.index.name = "customer_id"
    return out.rename("segment")


def compare_with_planted(study: ConjointStudy, survey: Any, segments: pd.Series) -> pd.DataFrame:
    """Estimated against planted part-worths (synthetic survey): each lab segment beside the planted segment
    most of its respondents belong to.

    Returns
    -------
    DataFrame
        Rows: segment, attribute, level; ``planted_segment``, ``estimated``, ``planted``, ``error``.
        ``attrs["summary"]``: the largest absolute error and whether every preferred bundle is the planted best.
    """
    ratings = survey.ratings.drop_duplicates("respondent_id")
    lab = ratings["customer_id"].astype("string").map(_lookup(segments, "segments"))
    pairs = pd.DataFrame({"lab": lab.to_numpy(), "planted": ratings["segment"].astype("string").to_numpy()}).dropna()
    match = pairs.groupby("lab")["planted"].agg(lambda v: v.value_counts().sort_index(kind="stable").idxmax())
    estimated = study.part_worths.assign(planted_segment=lambda d: d["segment"].map(match))
    truth = survey.part_worths.rename(columns={"segment": "planted_segment", "part_worth": "planted"})
    out = estimated.merge(truth, on=["planted_segment", "attribute", "level"], how="left")
    out = out.rename(columns={"part_worth": "estimated"})
    out["error"] = out["estimated"] - out["planted"]
    best = survey.best_bundle()
    same = all((study.bundles.loc[seg].to_numpy() == best.loc[match[seg]].to_numpy()).all() for seg in study.bundles.index)
    out = out.set_index(["segment", "attribute", "level"])[["planted_segment", "estimated", "planted", "error"]]
    out.attrs["summary"] = {"max_abs_error": round(float(out["error"].abs().max()), 3),
                            "max_std_error": round(float(study.part_worths["std_error"].max()), 3),
                            "bundles_match": bool(same), "matched": {str(k): str(v) for k, v in match.items()}}
    return out


def tailored_summary(offers: pd.DataFrame, profile: pd.DataFrame) -> pd.DataFrame:
    """Contacted customers per offer, with the reason behind it: what a campaign manager reads first."""
    frame = _check_table(offers, "offers", ["offer", "reason", "customer_id"], "Pass the table returned by tailored_offers.")
    out = frame.groupby(["offer", "reason"], sort=False).size().rename("customers").reset_index()
    out["share"] = out["customers"] / len(frame)
    return out.sort_values(["customers", "offer"], ascending=[False, True], kind="stable").reset_index(drop=True)


def tailored_headline(offers: pd.DataFrame, profile: pd.DataFrame) -> dict[str, Any]:
    """What the notebook records about the tailored offers (and its tests check)."""
    frame = _check_table(offers, "offers", ["offer", "segment", "tier", "price", "service", "uplift", "reason"],
                         "Pass the table returned by tailored_offers.")
    shares = frame["offer"].value_counts(normalize=True)
    uplift = profile.groupby("segment")["uplift"].first()
    return {
        "contacted": len(frame),
        "distinct_offers": int(frame["offer"].nunique()),
        "largest_offer_share": round(float(shares.max()), 4),
        "segments_contacted": sorted(map(str, frame["segment"].unique())),
        "segments_all": sorted(map(str, profile["segment"].unique())),
        "segment_uplift": {str(k): round(float(v), 4) for k, v in uplift.items()},
        "price_by_segment": {str(k): sorted(map(str, v.unique())) for k, v in frame.groupby("segment")["price"]},
        "service_by_segment_tier": {f"{s} | {'high' if t in HIGH_VALUE_TIERS else 'other'}": sorted(map(str, v.unique()))
                                    for (s, t), v in frame.groupby(["segment", "tier"])["service"]},
        "tiers_contacted": sorted(map(str, frame["tier"].unique())),
        "with_reason": bool(frame["reason"].notna().all()),
    }


def product_label(product_id: Any, products: pd.DataFrame | None) -> str:
    """A product's description with its id ("home item 3 (HOM03)"), or the id when there is no description."""
    if products is not None and "name" in products.columns:
        names = products.set_index(products["product_id"].astype("string"))["name"]
        name = names.get(str(product_id))
        if name is not None and pd.notna(name):
            return f"{name} ({product_id})"
    return str(product_id)


def with_names(table: pd.DataFrame, products: pd.DataFrame | None) -> pd.DataFrame:
    """A table indexed by product id, re-indexed by product descriptions where the product list has them."""
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table: expected a DataFrame indexed by product id, found {type(table).__name__}.")
    out = table.copy()
    out.index = pd.Index([product_label(p, products) for p in table.index], name=table.index.name)
    return out
