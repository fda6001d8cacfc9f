"""The marketing view of value: RFM quintile scores and segments, and the Pareto view (Lorenz curve, Gini, top share)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from idic_lab.diagnostics import warn
from idic_lab.formatting import plain as _plain_value
from idic_lab.differentiate._common import _examples, _frame, _number, _numeric


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


