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
      precision@k, recall@k and hit rate on the holdout.

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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from idic_lab.schema import SchemaError, read_table

__all__ = [
    "BasketMatrix",
    "HoldoutSplit",
    "ItemKNNRecommender",
    "PopularityRecommender",
    "SegmentPopularityRecommender",
    "acceptance_by_rank",
    "acceptance_rates",
    "association_rules",
    "basket_matrix",
    "bundle_recovery",
    "compare_recommenders",
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


def read_basket_lines(path: str | Path, *, sep: str = ",", encoding: str = "utf-8") -> pd.DataFrame:
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
        Item separator within a line.
    encoding : str
        Text encoding of the file.

    Returns
    -------
    DataFrame
        ``order_id``, ``product_id`` (strings) and ``quantity`` (int), one row
        per product and basket, in file order.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    SchemaError
        If the file holds no item at all.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"read_basket_lines: no file at {path}")
    orders: list[str] = []
    items: list[str] = []
    with path.open(encoding=encoding) as handle:
        for number, line in enumerate(handle, start=1):
            for item in line.rstrip("\r\n").split(sep):
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
    dayfirst: bool = False,
    observation_end: str | pd.Timestamp | None = None,
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
    dayfirst : bool
        Without ``date_format``: read ``01/02/2024`` as 1 February.
    observation_end : str, optional
        Rows after this date are dropped (and counted).

    Returns
    -------
    (DataFrame, CleaningReport)
        The canonical ``baskets`` table and the count of dropped rows per reason.
    """
    return read_table("baskets", path, columns=columns, date_format=date_format, dayfirst=dayfirst,
                      observation_end=observation_end)


def load_product_list(path: str | Path, *, columns: Mapping[str, str] | str | None = None) -> pd.DataFrame:
    """Read a client's product list: ``product_id``, ``category`` and, if present, ``list_price``.

    Parameters
    ----------
    path : str or Path
        CSV/TSV/Parquet/Excel file (see :func:`idic_lab.schema.read_file`).
    columns : dict or JSON str, optional
        ``{"product_id": ..., "category": ..., "list_price": ...}`` (client column names).

    Returns
    -------
    DataFrame
        ``product_id``, ``category`` (strings) and ``list_price`` (float, if mapped or present).

    Raises
    ------
    ValueError
        If ``product_id`` or ``category`` is missing, or a price cannot be read as a number.
    """
    products, _ = read_table("products", path, columns=columns)
    kept = ["product_id", "category"] + (["list_price"] if "list_price" in products.columns else [])
    return products[kept].reset_index(drop=True)


def _check_table(frame: Any, table: str, required: Sequence[str], advice: str = "") -> pd.DataFrame:
    """The required columns of ``frame`` as a new frame; ids as strings; clear errors otherwise."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{table}: expected a pandas DataFrame, found {type(frame).__name__}.")
    n = len(frame)
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"Table '{table}': expected the columns {', '.join(required)}, found no {', '.join(missing)} among "
            f"{list(frame.columns)} ({n} rows). {advice or 'Map your columns with columns={canonical: yours}.'}",
            table=table, column=missing[0], n_rows=n,
        )
    if n == 0:
        raise SchemaError(f"Table '{table}': expected at least one row, found 0 rows.", table=table, n_bad=0, n_rows=0)
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
                f"of {n} rows without one, e.g. rows {rows}. Drop them with idic_lab.schema.clean.",
                table=table, column=column, n_bad=int(blank.sum()), n_rows=n,
            )
        if column == "date":
            if not pd.api.types.is_datetime64_any_dtype(values):
                raise SchemaError(
                    f"Table '{table}', column 'date': expected datetime64 values, found dtype {values.dtype} "
                    f"({n} rows). Read dates with idic_lab.schema.validate or clean.",
                    table=table, column="date", n_rows=n,
                )
            if getattr(values.dt, "tz", None) is not None:
                values = values.dt.tz_convert("UTC").dt.tz_localize(None)
            out[column] = values.to_numpy()
        elif column in ("order_id", "product_id", "customer_id"):
            out[column] = values.astype("string").str.strip().to_numpy()
        else:
            out[column] = values.to_numpy()
    return out


def _check_fraction(value: Any, name: str, *, allow_zero: bool = True) -> float:
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if not ok or not (0 <= float(value) <= 1) or (not allow_zero and float(value) == 0):
        low = "0" if allow_zero else "above 0"
        raise ValueError(f"{name}: expected a number from {low} to 1, found {value!r}.")
    return float(value)


def _check_positive_int(value: Any, name: str, *, allow_none: bool = False) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name}: expected a whole number >= 1{' or None' if allow_none else ''}, found {value!r}.")
    return int(value)


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
    if max_size not in (1, 2, 3) or isinstance(max_size, bool):
        raise ValueError(f"max_size: expected 1, 2 or 3, found {max_size!r}.")
    bm = basket_matrix(baskets)
    return _itemsets(bm, min_support, max_size)


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
    out = out.sort_values(["size", "support", "itemset"], ascending=[True, False, True], kind="stable")
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
    * **conviction** = (1 − support(B)) / (1 − confidence) (``inf`` when the confidence is 1).

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
        ``leverage``, ``conviction``; sorted by lift, then confidence,
        largest first. ``attrs["n_baskets"]`` holds the number of baskets.
    """
    min_confidence = _check_fraction(min_confidence, "min_confidence")
    if isinstance(min_lift, bool) or not isinstance(min_lift, (int, float, np.integer, np.floating)) or min_lift < 0:
        raise ValueError(f"min_lift: expected a number >= 0, found {min_lift!r}.")
    if max_size not in (2, 3) or isinstance(max_size, bool):
        raise ValueError(f"max_size: expected 2 (pairs) or 3 (triples), found {max_size!r}.")
    itemsets = frequent_itemsets(baskets, min_support=min_support, max_size=max_size)
    return _rules_from_itemsets(itemsets, min_confidence=min_confidence, min_lift=float(min_lift))


def _rules_from_itemsets(itemsets: pd.DataFrame, *, min_confidence: float, min_lift: float) -> pd.DataFrame:
    support = dict(zip(itemsets["itemset"], itemsets["support"]))
    rows = []
    for itemset, count, sup in itemsets.loc[itemsets["size"] >= 2, ["itemset", "count", "support"]].itertuples(index=False):
        for r in range(1, len(itemset)):
            for ante in combinations(itemset, r):
                cons = tuple(i for i in itemset if i not in ante)
                rows.append((ante, cons, len(itemset), count, support[ante], support[cons], sup))
    columns = ["antecedent", "consequent", "size", "count", "antecedent_support", "consequent_support", "support"]
    rules = pd.DataFrame(rows, columns=columns)
    rules = rules.astype({"size": "int64", "count": "int64", "antecedent_support": "float64",
                          "consequent_support": "float64", "support": "float64"})
    rules["confidence"] = rules["support"] / rules["antecedent_support"]
    rules["lift"] = rules["confidence"] / rules["consequent_support"]
    rules["leverage"] = rules["support"] - rules["antecedent_support"] * rules["consequent_support"]
    with np.errstate(divide="ignore"):
        rules["conviction"] = np.where(
            rules["confidence"] < 1, (1 - rules["consequent_support"]) / (1 - rules["confidence"]).clip(lower=1e-300), np.inf
        )
    rules = rules.loc[(rules["confidence"] >= min_confidence - 1e-12) & (rules["lift"] >= min_lift - 1e-12)]
    for side in ("antecedent", "consequent"):
        rules[side] = rules[side].map(ITEM_SEPARATOR.join).astype("string")
    rules = rules.sort_values(["lift", "confidence", "antecedent", "consequent"],
                              ascending=[False, False, True, True], kind="stable").reset_index(drop=True)
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
                         "Pass the table returned by association_rules.")
    if sizes is not None:  # bundles are pairs: rank them among the rules of two products
        rules = rules.loc[sizes == 2].reset_index(drop=True)
    bundles = _check_table(bundles, "bundles", ["antecedent", "consequent", "probability"])
    top = _check_positive_int(2 * len(bundles) if top is None else top, "top")
    rules = rules.assign(rank=np.arange(1, len(rules) + 1))
    out = bundles.merge(rules[["antecedent", "consequent", "rank", "confidence", "lift"]],
                        on=["antecedent", "consequent"], how="left")
    out["rank"] = out["rank"].astype("Int64")
    out["in_top"] = (out["rank"] <= top).fillna(False).astype(bool)
    out["confidence_error"] = out["confidence"] - out["probability"].astype(float)
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
        ``new_only``); only customers with purchases before the cut-off.
    cutoff : Timestamp
        Last day of the training period.
    """

    train: pd.DataFrame
    relevant: pd.DataFrame
    cutoff: pd.Timestamp

    def report(self) -> pd.Series:
        """Counts: training rows and customers, evaluated customers, relevant pairs."""
        return pd.Series(
            {
                "train_rows": len(self.train),
                "train_customers": self.train["customer_id"].nunique(),
                "evaluated_customers": self.relevant["customer_id"].nunique(),
                "relevant_pairs": len(self.relevant),
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

    Raises
    ------
    ValueError
        If no purchase lies before or after the cut-off.
    """
    frame = _check_table(baskets, "baskets", ["customer_id", "product_id", "date"],
                         "Recommendations need customer_id and date: map them with columns={...}.")
    try:
        cut = pd.Timestamp(cutoff).normalize()
    except (ValueError, TypeError) as exc:
        raise ValueError(f"cutoff={cutoff!r}: expected an ISO date such as '2025-01-31'.") from exc
    end_of_cut = cut + pd.Timedelta(days=1)
    before = frame["date"] < end_of_cut
    if not before.any() or before.all():
        raise ValueError(
            f"cutoff={cut.date()}: expected purchases on both sides, found {int(before.sum())} of {len(frame)} rows "
            f"up to the cut-off (dates run from {frame['date'].min().date()} to {frame['date'].max().date()})."
        )
    train = frame.loc[before].reset_index(drop=True)
    after = frame.loc[~before, ["customer_id", "product_id"]].drop_duplicates()
    after = after.loc[after["customer_id"].isin(set(train["customer_id"]))]
    if new_only:
        seen = train[["customer_id", "product_id"]].drop_duplicates().assign(_seen=True)
        after = after.merge(seen, on=["customer_id", "product_id"], how="left")
        after = after.loc[after["_seen"].isna(), ["customer_id", "product_id"]]
    relevant = after.sort_values(["customer_id", "product_id"]).reset_index(drop=True)
    return HoldoutSplit(train=train, relevant=relevant, cutoff=cut)


class _Recommender:
    """Shared machinery: the customer × product matrix and top-k selection."""

    exclude_purchased: bool
    batch_size: int = 2048

    def _fit_matrix(self, interactions: pd.DataFrame) -> pd.DataFrame:
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

    def recommend(self, customers: Sequence[str] | pd.Index | None = None, *, k: int = 10) -> pd.DataFrame:
        """Top-``k`` products per customer.

        Parameters
        ----------
        customers : sequence of str, optional
            Customer ids seen in ``fit``; default all of them. Unknown ids
            raise ``KeyError``.
        k : int
            Recommendations per customer (fewer when fewer products are left).

        Returns
        -------
        DataFrame
            ``customer_id``, ``rank`` (1 = best), ``product_id``, ``score``;
            products with a score of 0 are not recommended. Ties are broken
            by overall popularity, then by product id, so the result is
            deterministic.
        """
        self._fitted()
        k = _check_positive_int(k, "k")
        ids = self.customers_ if customers is None else pd.Index([str(c) for c in customers])
        rows = self.customers_.get_indexer(ids)
        if (rows < 0).any():
            unknown = list(ids[rows < 0][:5])
            raise KeyError(f"recommend: {int((rows < 0).sum())} customers not seen in fit, e.g. {unknown}.")
        # tie-breaker: popularity, then product id (products_ is sorted)
        tie = self.popularity_.to_numpy() / (self.popularity_.to_numpy().max() + 1.0) * 1e-9
        parts = []
        for start in range(0, rows.size, self.batch_size):
            batch = rows[start:start + self.batch_size]
            scores = self._scores(batch)
            usable = scores > 0
            if self.exclude_purchased:
                bought = self.matrix_[batch].toarray() > 0
                usable &= ~bought
            ranked = np.where(usable, scores + tie, -np.inf)
            kk = min(k, ranked.shape[1])
            top = np.argsort(-ranked, axis=1, kind="stable")[:, :kk]
            top_scores = np.take_along_axis(ranked, top, axis=1)
            ok = np.isfinite(top_scores)
            cust = np.repeat(ids.to_numpy()[start:start + batch.size], kk).reshape(-1, kk)
            parts.append(pd.DataFrame({
                "customer_id": cust[ok],
                "rank": np.tile(np.arange(1, kk + 1), (batch.size, 1))[ok],
                "product_id": self.products_.to_numpy()[top[ok]],
                "score": np.take_along_axis(scores, top, axis=1)[ok],
            }))
        out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["customer_id", "rank", "product_id", "score"])
        return out.astype({"customer_id": "string", "product_id": "string", "rank": "int64", "score": "float64"})


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
        """The ``k`` products most similar to ``product_id`` (cosine), most similar first."""
        self._fitted()
        j = self.products_.get_indexer([str(product_id)])[0]
        if j < 0:
            raise KeyError(f"similar_products: product {product_id!r} not seen in fit.")
        row = pd.Series(self.similarity_[j].toarray().ravel(), index=self.products_, name="cosine")
        return row.drop(self.products_[j]).sort_values(ascending=False, kind="stable").head(k)


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
        Segment label per ``customer_id`` (index), e.g.
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
        self._fit_matrix(interactions)
        labels = self.segments.copy()
        labels.index = labels.index.astype(str)
        label = labels.reindex(self.customers_.astype(str)).astype("string").fillna("(none)").to_numpy()
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


def evaluate_recommendations(recommendations: pd.DataFrame, relevant: pd.DataFrame, *, k: int = 10) -> pd.Series:
    """Precision@k, recall@k and hit rate of recommendations against what customers bought later.

    For each customer with at least one relevant product (``relevant``):
    precision@k = hits / k, recall@k = hits / relevant products, hit = at
    least one hit; the figures are means over those customers. A customer
    without recommendations counts with zero hits.

    Parameters
    ----------
    recommendations : DataFrame
        ``customer_id``, ``rank``, ``product_id`` (from ``recommend``).
    relevant : DataFrame
        ``customer_id``, ``product_id`` (``HoldoutSplit.relevant``).
    k : int
        Only ranks 1..k count.

    Returns
    -------
    Series
        ``precision_at_k``, ``recall_at_k``, ``hit_rate``, ``customers``.
    """
    k = _check_positive_int(k, "k")
    recs = _check_table(recommendations, "recommendations", ["customer_id", "rank", "product_id"],
                        "Pass the table returned by recommend().")
    rel = _check_table(relevant, "relevant", ["customer_id", "product_id"]).drop_duplicates()
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


def compare_recommenders(split: HoldoutSplit, models: Mapping[str, Any], *, k: int = 10) -> pd.DataFrame:
    """Fit each recommender on the training period and evaluate it on the holdout, side by side.

    Parameters
    ----------
    split : HoldoutSplit
        From :func:`holdout_split`.
    models : dict
        ``{name: unfitted recommender}``.
    k : int
        Length of each list.

    Returns
    -------
    DataFrame
        One row per model: ``precision_at_k``, ``recall_at_k``, ``hit_rate``, ``customers``.
    """
    if not isinstance(split, HoldoutSplit):
        raise TypeError(f"split: expected a HoldoutSplit from holdout_split, found {type(split).__name__}.")
    if not models:
        raise ValueError("models: expected at least one {name: recommender}, found none.")
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
        ``customer_id``, ``product_id`` bought after the cut-off.

    Returns
    -------
    Series
        Index ``rank``, values in [0, 1].
    """
    recs = _check_table(recommendations, "recommendations", ["customer_id", "rank", "product_id"],
                        "Pass the table returned by recommend().")
    rel = _check_table(relevant, "relevant", ["customer_id", "product_id"]).drop_duplicates().assign(_hit=True)
    recs = recs.loc[recs["customer_id"].isin(set(rel["customer_id"]))]
    merged = recs.merge(rel, on=["customer_id", "product_id"], how="left")
    return merged["_hit"].notna().groupby(merged["rank"]).mean().rename("p_accept")


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
        ``customer_id``, ``product_id`` bought after the cut-off.
    categories : Series, optional
        Category per ``product_id``; without it the rates are per rank only.
    prior_strength : float
        ``m`` above (>= 0; 0 = raw rates).

    Returns
    -------
    DataFrame
        ``rank``, ``category`` (``"(all)"`` without categories), ``offers``,
        ``accepted``, ``p_accept``.
    """
    if isinstance(prior_strength, bool) or not isinstance(prior_strength, (int, float, np.integer, np.floating)) \
            or prior_strength < 0:
        raise ValueError(f"prior_strength: expected a number >= 0, found {prior_strength!r}.")
    recs = _check_table(recommendations, "recommendations", ["customer_id", "rank", "product_id"],
                        "Pass the table returned by recommend().")
    rel = _check_table(relevant, "relevant", ["customer_id", "product_id"]).drop_duplicates().assign(_hit=True)
    recs = recs.loc[recs["customer_id"].isin(set(rel["customer_id"]))]
    merged = recs.merge(rel, on=["customer_id", "product_id"], how="left")
    merged["accepted"] = merged["_hit"].notna().astype("int64")
    merged["category"] = _category_of(merged["product_id"], categories)
    by_rank = merged.groupby("rank")["accepted"].mean()
    cells = merged.groupby(["rank", "category"]).agg(offers=("accepted", "size"), accepted=("accepted", "sum"))
    cells = cells.reset_index()
    prior = cells["rank"].map(by_rank)
    cells["p_accept"] = (cells["accepted"] + prior_strength * prior) / (cells["offers"] + prior_strength)
    return cells


def _category_of(product_id: pd.Series, categories: pd.Series | None) -> np.ndarray:
    if categories is None:
        return np.full(len(product_id), "(all)", dtype=object)
    cats = pd.Series(categories).astype("string")
    cats.index = cats.index.astype(str)
    return cats.reindex(product_id.astype(str)).fillna("(none)").to_numpy(dtype=object)


def offer_candidates(
    recommendations: pd.DataFrame, rates: pd.DataFrame, *, categories: pd.Series | None = None
) -> pd.DataFrame:
    """Recommendations with their category and P(accept) from :func:`acceptance_rates`.

    A (rank, category) cell without a rate gets the mean rate of its rank.

    Parameters
    ----------
    recommendations : DataFrame
        ``customer_id``, ``rank``, ``product_id``.
    rates : DataFrame
        ``rank``, ``category``, ``p_accept``.
    categories : Series, optional
        Category per ``product_id`` (the same as for the rates).

    Returns
    -------
    DataFrame
        ``customer_id``, ``rank``, ``product_id``, ``category``, ``p_accept``.
    """
    recs = _check_table(recommendations, "recommendations", ["customer_id", "rank", "product_id"],
                        "Pass the table returned by recommend().")
    table = _check_table(rates, "rates", ["rank", "category", "p_accept"], "Pass the table of acceptance_rates.")
    recs["category"] = _category_of(recs["product_id"], categories)
    table["category"] = table["category"].astype(object)
    out = recs.merge(table, on=["rank", "category"], how="left")
    fallback = out["rank"].map(table.groupby("rank")["p_accept"].mean())
    out["p_accept"] = out["p_accept"].astype(float).fillna(fallback).fillna(0.0)
    out["category"] = out["category"].astype("string")
    return out


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
        ``product_id`` and ``price_column``.
    margin_rate : float
        Share of the price that is margin, in [0, 1].
    price_column : str
        Column of the list price.
    margins : dict or Series, optional
        ``{product_id: margin}``; overrides the computed margin for those products.

    Returns
    -------
    Series
        Index ``product_id``, name ``margin``.
    """
    margin_rate = _check_fraction(margin_rate, "margin_rate")
    frame = _check_table(products, "products", ["product_id", price_column],
                         f"Give a price column (price_column={price_column!r}) or margins={{product_id: margin}}.")
    price = pd.to_numeric(frame[price_column], errors="coerce")
    bad = price.isna() | (price < 0)
    if bad.any():
        raise SchemaError(
            f"Table 'products', column '{price_column}': expected prices >= 0, found {int(bad.sum())} of "
            f"{len(frame)} rows otherwise, e.g. {list(frame.loc[bad, price_column].head(3))}.",
            table="products", column=price_column, n_bad=int(bad.sum()), n_rows=len(frame),
        )
    out = pd.Series((price * margin_rate).to_numpy(), index=pd.Index(frame["product_id"], name="product_id"), name="margin")
    if margins is not None:
        given = pd.Series(margins, dtype="float64")
        given.index = given.index.astype(str)
        out = given.combine_first(out).rename("margin")
        out.index.name = "product_id"
    return out


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
    products without a margin; compute the expected value; per customer keep
    the best offers, at most ``max_per_category`` per category and
    ``offers_per_customer`` in all; drop offers whose expected value does not
    cover ``contact_cost``; rank customers by the expected value of their
    offers less the contact cost and contact the first ``budget``.

    Parameters
    ----------
    candidates : DataFrame
        ``customer_id``, ``product_id``, ``p_accept`` (in [0, 1]).
    margins : Series
        Margin per ``product_id`` (:func:`product_margins`).
    categories : Series, optional
        Category per ``product_id``; without it every product is its own category.
    purchased : DataFrame, optional
        ``customer_id``, ``product_id`` already bought: never offered.
    offers_per_customer : int
        Offers per contacted customer.
    max_per_category : int
        At most this many offers of one category per customer.
    budget : int, optional
        Customers that can be contacted; default all who qualify.
    contact_cost : float
        Cost of one contact (>= 0); a customer is contacted only when the
        expected value of the offers exceeds it.

    Returns
    -------
    DataFrame
        One row per offer to a contacted customer, in campaign order:
        ``priority`` (1 = contact first), ``customer_id``, ``offer_rank``,
        ``product_id``, ``category``, ``p_accept``, ``margin``,
        ``expected_value``, ``customer_value`` (expected value of the
        customer's offers less the contact cost). ``attrs`` hold
        ``eligible_customers`` and ``contacted_customers``.
    """
    offers_per_customer = _check_positive_int(offers_per_customer, "offers_per_customer")
    max_per_category = _check_positive_int(max_per_category, "max_per_category")
    budget = _check_positive_int(budget, "budget", allow_none=True)
    if isinstance(contact_cost, bool) or not isinstance(contact_cost, (int, float, np.integer, np.floating)) or contact_cost < 0:
        raise ValueError(f"contact_cost: expected a number >= 0, found {contact_cost!r}.")
    cand = _check_table(candidates, "candidates", ["customer_id", "product_id", "p_accept"],
                        "Build candidates from recommend() and a P(accept) per offer.")
    p = pd.to_numeric(cand["p_accept"], errors="coerce")
    bad = p.isna() | (p < 0) | (p > 1)
    if bad.any():
        raise SchemaError(
            f"Table 'candidates', column 'p_accept': expected probabilities from 0 to 1, found {int(bad.sum())} of "
            f"{len(cand)} rows otherwise, e.g. {list(cand.loc[bad, 'p_accept'].head(3))}.",
            table="candidates", column="p_accept", n_bad=int(bad.sum()), n_rows=len(cand),
        )
    cand["p_accept"] = p.astype(float)
    if purchased is not None:
        seen = _check_table(purchased, "purchased", ["customer_id", "product_id"]).drop_duplicates().assign(_seen=True)
        cand = cand.merge(seen, on=["customer_id", "product_id"], how="left")
        cand = cand.loc[cand["_seen"].isna()].drop(columns="_seen")
    margin = pd.Series(margins, dtype="float64")
    margin.index = margin.index.astype(str)
    cand["margin"] = margin.reindex(cand["product_id"].astype(str)).to_numpy()
    cand = cand.loc[cand["margin"].notna()]
    if categories is not None:
        cats = pd.Series(categories).astype("string")
        cats.index = cats.index.astype(str)
        cand["category"] = cats.reindex(cand["product_id"].astype(str)).fillna("(none)").to_numpy()
    else:
        cand["category"] = cand["product_id"]
    cand["category"] = cand["category"].astype("string")
    cand["expected_value"] = cand["p_accept"] * cand["margin"]
    cand = cand.sort_values(["customer_id", "expected_value", "product_id"], ascending=[True, False, True], kind="stable")
    cand = cand.drop_duplicates(["customer_id", "product_id"])
    cand = cand.loc[cand.groupby(["customer_id", "category"]).cumcount() < max_per_category]
    cand = cand.loc[cand.groupby("customer_id").cumcount() < offers_per_customer].copy()
    cand["offer_rank"] = cand.groupby("customer_id").cumcount() + 1
    value = cand.groupby("customer_id")["expected_value"].sum() - float(contact_cost)
    value = value.loc[value > 0]
    eligible = int(len(value))
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


def offer_summary(offers: pd.DataFrame) -> pd.DataFrame:
    """Offers per category: how many, mean P(accept), expected value in total and per offer.

    Parameters
    ----------
    offers : DataFrame
        From :func:`next_best_offers`.

    Returns
    -------
    DataFrame
        Index ``category``: ``offers``, ``mean_p_accept``, ``expected_value``,
        ``expected_value_per_offer``; largest expected value first.
    """
    frame = _check_table(offers, "offers", ["category", "p_accept", "expected_value"],
                         "Pass the table returned by next_best_offers.")
    out = frame.groupby("category").agg(
        offers=("p_accept", "size"), mean_p_accept=("p_accept", "mean"), expected_value=("expected_value", "sum")
    )
    out["expected_value_per_offer"] = out["expected_value"] / out["offers"]
    return out.sort_values("expected_value", ascending=False, kind="stable")
