"""Needs: behavioural needs features, needs-based segmentation (Gaussian mixtures) and segment profiles."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from idic_lab._threads import single_threaded
from idic_lab.diagnostics import warn
from idic_lab.schema import SchemaError
from idic_lab.differentiate._common import _check_customer_map, _choice, _examples, _frame, _number, _numeric, _whole
from idic_lab.differentiate._summary import _check_transactions


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

    @single_threaded
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

    @single_threaded
    def predict(self, features: pd.DataFrame) -> pd.Series:
        """Segment of each customer in ``features`` (same columns as in :meth:`fit`)."""
        self._fitted()
        _feature_columns(features, self.columns_)
        z = self.scaler_.transform(features[self.columns_].astype("float64"))
        raw = self.model_.predict(z)
        return pd.Series([self._relabel.get(int(v), 0) for v in raw], index=features.index, name="segment")

    @single_threaded
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


