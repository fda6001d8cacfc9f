"""Is a business ready for one-to-one relationships? The readiness test of Peppers, Rogers & Dorf (1999).

Peppers, Rogers & Dorf (1999, *Is your company ready for one-to-one marketing?*, Harvard Business Review
77(1)) ask two questions of a business: do its customers differ much in the value they bring, and do they
differ much in what they need? The answers place the business on a two-by-two grid (their customer
differentiation matrix). :func:`readiness_test` answers both questions from data at hand: value
concentration from a value per customer (as in Differentiate), needs heterogeneity from needs segments.

The measures and the thresholds that split "low" from "high" are our operationalisation, not the
article's: the article reasons about the two kinds of difference, it does not prescribe a statistic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["CRM_STRATEGY_QUADRANTS", "PROFILE_FIELDS", "READINESS_QUADRANTS", "crm_strategy_position", "Readiness", "readiness_from_transactions", "readiness_test"]

#: (value differences, needs differences) -> (quadrant name, approach), in our words after Peppers, Rogers &
#: Dorf (1999): one-to-one pays most where customers differ in both value and needs.
READINESS_QUADRANTS: dict[tuple[str, str], tuple[str, str]] = {
    ("low", "low"): ("little to differentiate",
                     "treat customers alike and compete on efficiency and the offer; one-to-one has little to work "
                     "with"),
    ("high", "low"): ("differ in value",
                      "rank customers by value and spend the effort where the value is: keep and grow the most "
                      "valuable ones (recognition, loyalty programmes)"),
    ("low", "high"): ("differ in needs",
                      "tailor the offer and the communication to needs groups; value ranking adds little"),
    ("high", "high"): ("differ in value and needs",
                       "full one-to-one (IDIC): recognise each customer, rank by value, learn needs by interacting "
                       "and customize"),
}


@dataclass(frozen=True)
class Readiness:
    """Where a business stands on the readiness grid.

    Attributes
    ----------
    customers : int
        Customers with a value.
    top_share : float
        Share of the total value brought by the top ``top`` of customers.
    top : float
        The top share of customers used (0.2: the top 20 %).
    gini : float
        Gini coefficient of the values (0 = all equal).
    needs_between : float or None
        Share of the variance of the (standardised) needs features that lies
        between the needs segments, 0..1; None when no needs data were given.
    n_segments : int
        Number of needs segments (0 when no needs data were given).
    value_level, needs_level : str
        ``"low"`` or ``"high"``; the needs level is ``"not measured"``
        without needs data.
    value_threshold, needs_threshold : float
        The thresholds used (ours).
    """

    customers: int
    top_share: float
    top: float
    gini: float
    needs_between: float | None
    n_segments: int
    value_level: str
    needs_level: str
    value_threshold: float
    needs_threshold: float

    @property
    def quadrant(self) -> str:
        """The quadrant's name, or "" when the needs level is not measured."""
        entry = READINESS_QUADRANTS.get((self.value_level, self.needs_level))
        return entry[0] if entry else ""

    @property
    def approach(self) -> str:
        """The approach of the quadrant (without needs data: the two quadrants still possible)."""
        entry = READINESS_QUADRANTS.get((self.value_level, self.needs_level))
        if entry:
            return entry[1]
        options = [READINESS_QUADRANTS[(self.value_level, n)][0] for n in ("low", "high")]
        return f"needs not measured: either '{options[0]}' or '{options[1]}'"

    def table(self) -> pd.DataFrame:
        """The two measures, their levels and the thresholds, one row per question."""
        return pd.DataFrame(
            {
                "measure": [f"share of value from the top {self.top:.0%} of customers",
                            "share of needs variance between segments"],
                "value": [round(self.top_share, 3),
                          None if self.needs_between is None else round(self.needs_between, 3)],
                "threshold (ours)": [self.value_threshold, self.needs_threshold],
                "level": [self.value_level, self.needs_level],
            },
            index=pd.Index(["do customers differ in value?", "do customers differ in needs?"], name="question"),
        )

    def summary(self) -> dict[str, Any]:
        """Plain values for ``results.record``."""
        return {"customers": self.customers, "top_share": round(self.top_share, 4), "gini": round(self.gini, 4),
                "needs_between": None if self.needs_between is None else round(self.needs_between, 4),
                "n_segments": self.n_segments, "value_level": self.value_level, "needs_level": self.needs_level,
                "quadrant": self.quadrant}


def _fraction(value: Any, name: str, example: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number between 0 and 1, e.g. {example}, "
                        f"found {type(value).__name__}.")
    if not 0 < float(value) < 1:
        raise ValueError(f"{name} must lie strictly between 0 and 1, e.g. {example}, "
                         f"found {value!r}.")
    return float(value)


def _needs_between(features: pd.DataFrame, segments: pd.Series, columns: Sequence[str] | None) -> tuple[float, int]:
    """Between-segment share of the variance of the standardised needs features (an eta squared)."""
    if not isinstance(features, pd.DataFrame):
        raise TypeError(f"readiness_test: features must be a DataFrame (one row per customer), "
                        f"found {type(features).__name__}.")
    if not isinstance(segments, pd.Series):
        raise TypeError(f"readiness_test: segments must be a Series (customer -> needs segment), "
                        f"found {type(segments).__name__}.")
    if columns is None:
        columns = [c for c in features.columns if str(c).startswith("share_")] or list(features.columns)
    missing = [c for c in columns if c not in features.columns]
    if missing:
        raise ValueError(f"readiness_test: columns {missing} are not in features; the features have "
                         f"{', '.join(map(str, features.columns))}.")
    common = features.index.intersection(segments.dropna().index)
    if len(common) < 2:
        raise ValueError("readiness_test: features and segments share fewer than 2 customers; give segments "
                         "indexed by the same customer ids as the features.")
    data = features.loc[common, list(columns)].astype(float)
    if data.isna().any().any():
        raise ValueError("readiness_test: the needs features have missing values; fill or drop them first.")
    labels = segments.loc[common]
    data = data.loc[:, data.std(ddof=0) > 0]
    n_segments = int(labels.nunique())
    if data.shape[1] == 0 or n_segments < 2:
        return 0.0, n_segments
    z = (data - data.mean()) / data.std(ddof=0)
    means = z.groupby(labels).transform("mean")
    between = float((means**2).to_numpy().sum())
    total = float((z**2).to_numpy().sum())
    return between / total, n_segments


def readiness_test(
    values: pd.Series | Sequence[float] | np.ndarray,
    features: pd.DataFrame | None = None,
    segments: pd.Series | None = None,
    *,
    top: float = 0.2,
    value_threshold: float = 0.5,
    needs_threshold: float = 0.25,
    columns: Sequence[str] | None = None,
) -> Readiness:
    """Peppers, Rogers & Dorf's (1999) readiness test from data: do customers differ in value and in needs?

    Parameters
    ----------
    values : Series or array
        One value per customer (e.g. total spend or CLV), >= 0.
    features : DataFrame, optional
        Needs features per customer (e.g. from ``differentiate.needs_features``).
    segments : Series, optional
        Needs segment per customer (same index as ``features``). Give both or
        neither; without them the needs level is ``"not measured"``.
    top : float
        Top share of customers for the value concentration (0.2: top 20 %).
    value_threshold : float
        Customers "differ in value" when the top ``top`` bring at least this
        share of the value (default 0.5: the top fifth bring half; ours).
    needs_threshold : float
        Customers "differ in needs" when at least this share of the needs
        features' variance lies between segments (default 0.25; ours).
    columns : list of str, optional
        Needs features to use (default: the category shares ``share_*`` when
        present, else every column).

    Returns
    -------
    Readiness
        Measures, levels, quadrant and approach (``.table()``, ``.summary()``).

    Notes
    -----
    With equal values the top 20 % bring 20 % of the value and the Gini is 0;
    with a single needs segment the between-segment share is 0: such a
    business lands in the "little to differentiate" quadrant.
    """
    from idic_lab.differentiate import gini, top_share

    top = _fraction(top, "top", "0.2")
    value_threshold = _fraction(value_threshold, "value_threshold", "0.5")
    needs_threshold = _fraction(needs_threshold, "needs_threshold", "0.25")
    if (features is None) != (segments is None):
        raise ValueError("readiness_test: give both features and segments (needs data) or neither; found only "
                         f"{'features' if segments is None else 'segments'}.")
    share = top_share(values, top)
    spread = gini(values)
    customers = len(values)
    needs_between: float | None = None
    n_segments = 0
    if features is not None and segments is not None:
        needs_between, n_segments = _needs_between(features, segments, columns)
    value_level = "high" if share >= value_threshold else "low"
    if needs_between is None:
        needs_level = "not measured"
    else:
        needs_level = "high" if needs_between >= needs_threshold else "low"
    return Readiness(customers=customers, top_share=float(share), top=top, gini=float(spread),
                     needs_between=needs_between, n_segments=n_segments, value_level=value_level,
                     needs_level=needs_level, value_threshold=value_threshold, needs_threshold=needs_threshold)


def readiness_from_transactions(
    transactions: pd.DataFrame,
    products: pd.DataFrame | None = None,
    *,
    random_state: int = 0,
    **thresholds: Any,
) -> Readiness:
    """The readiness test on purchases: value = spend per customer, needs = segments of what they buy.

    Parameters
    ----------
    transactions : DataFrame
        Canonical purchase lines (``customer_id``, ``date``, ``amount``, ...),
        returns and cancellations already removed (``schema.clean``).
    products : DataFrame, optional
        ``product_id`` and ``category``. Without categories (in the lines or
        here) the needs level is ``"not measured"``: buying behaviour alone
        (how often, how much) says too little about needs.
    random_state : int
        Seed of the needs segmentation (``differentiate.NeedsSegmentation``).
    **thresholds
        ``top``, ``value_threshold``, ``needs_threshold`` of :func:`readiness_test`.

    Returns
    -------
    Readiness
    """
    from idic_lab import differentiate as dif

    if not isinstance(transactions, pd.DataFrame):
        raise TypeError(f"readiness_from_transactions: transactions must be a DataFrame of purchase lines, "
                        f"found {type(transactions).__name__}.")
    unknown = sorted(set(thresholds) - {"top", "value_threshold", "needs_threshold"})
    if unknown:
        raise TypeError(f"readiness_from_transactions: unknown option(s) {unknown}; the thresholds are top, "
                        "value_threshold and needs_threshold.")
    features = dif.needs_features(transactions, products=products)
    values = transactions.groupby("customer_id")["amount"].sum()
    if not any(str(c).startswith("share_") for c in features.columns):
        return readiness_test(values, **thresholds)
    segments = dif.NeedsSegmentation(random_state=random_state).fit(features).predict(features)
    return readiness_test(values, features, segments, **thresholds)


# --------------------------------------------------------------------------
# Payne & Frow's CRM strategy matrix
# --------------------------------------------------------------------------

#: (customer information, individualisation) -> quadrant of Payne & Frow's (2005) CRM strategy matrix.
CRM_STRATEGY_QUADRANTS: dict[tuple[str, str], str] = {
    ("low", "low"): "product-based selling",
    ("low", "high"): "managed service and support",
    ("high", "low"): "customer-based marketing",
    ("high", "high"): "individualised CRM",
}

#: The profile fields of the customer file whose completeness stands for "customer information" (ours).
PROFILE_FIELDS = ("email", "phone", "address", "birth_date")


def crm_strategy_position(customers: pd.DataFrame, interactions: pd.DataFrame, *,
                          threshold: float = 0.5) -> dict[str, Any]:
    """Place a firm on Payne & Frow's (2005) CRM strategy matrix from its customer file and contact log.

    Payne & Frow's two axes are how much the firm knows about its customers
    (customer information) and how far it individualises what it does for
    them. Which data stand for each axis is our operationalisation:

    * **customer information**: the completeness of the customer file, the
      mean share of the profile fields (:data:`PROFILE_FIELDS` present in
      ``customers``) that are filled;
    * **individualisation**: the share of contacts in ``interactions`` that
      are two-way, one customer at a time (every ``type`` but
      ``"marketing"``, which is sent to many at once).

    Parameters
    ----------
    customers : DataFrame
        The customer file, one row per record, with some of the profile fields.
    interactions : DataFrame
        The contact log with a ``type`` column.
    threshold : float
        Where "low" ends and "high" begins on both axes (ours), in (0, 1).

    Returns
    -------
    dict
        ``information``, ``individualisation`` (shares), ``information_level``,
        ``individualisation_level`` and ``quadrant``.
    """
    threshold = _fraction(threshold, "threshold", "0.5")
    for name, table in (("customers", customers), ("interactions", interactions)):
        if not isinstance(table, pd.DataFrame):
            raise TypeError(f"crm_strategy_position: {name} must be a DataFrame, found {type(table).__name__}.")
    fields = [f for f in PROFILE_FIELDS if f in customers.columns]
    if not fields:
        raise ValueError(f"crm_strategy_position: customers has none of the profile fields {', '.join(PROFILE_FIELDS)}; "
                         f"its columns are {', '.join(map(str, customers.columns))}.")
    if "type" not in interactions.columns:
        raise ValueError("crm_strategy_position: interactions needs a 'type' column (marketing, service, ...).")
    if customers.empty or interactions.empty:
        raise ValueError("crm_strategy_position: customers and interactions must each have at least one row.")
    information = float(customers[fields].notna().to_numpy().mean())
    individualisation = float((interactions["type"].astype(str) != "marketing").mean())
    levels = ["high" if share >= threshold else "low" for share in (information, individualisation)]
    return {"information": round(information, 4), "individualisation": round(individualisation, 4),
            "information_level": levels[0], "individualisation_level": levels[1],
            "quadrant": CRM_STRATEGY_QUADRANTS[(levels[0], levels[1])], "threshold": threshold}
