"""Differentiate: which customers are worth most, which could be worth more, and what they need.

This is the **Differentiate** stage of the IDIC model (Peppers & Rogers):
customers are ranked by value and grouped by needs, so that the firm can
treat different customers differently.

Value
    * :func:`rfm_summary` — frequency, recency, age ``T`` and monetary value
      per customer, in the Buy-Till-You-Die (BTYD) definition of Fader &
      Hardie or the marketing RFM definition, for an explicit observation end
      and time unit.
    * :func:`calibration_holdout_split` — the same summary for a calibration
      period plus what each customer did in the holdout period.
    * :func:`rfm_scores` — RFM quintile scores and named segments.
    * :func:`lorenz_curve`, :func:`gini`, :func:`top_share` — the Pareto view
      (Buttle's strategically significant customers).
    * :class:`BGNBDModel`, :class:`ParetoNBDModel`, :class:`GammaGammaModel`
      — the probability models of Fader, Hardie & Lee (2005) and Fader &
      Hardie (2013), fitted through the ``lifetimes`` package.
    * :func:`customer_lifetime_value`, :func:`customer_value_table`,
      :func:`value_pyramid` — CLV with an explicit horizon, discount rate and
      time unit; actual versus potential (strategic) value.
    * :func:`holdout_validation`, :func:`tracking_table`,
      :func:`conditional_expectations` — does the model predict the holdout?

Needs
    * :func:`needs_features`, :class:`NeedsSegmentation` — needs-based
      segments from category shares, channel use, basket size and timing.
    * :func:`strategy_matrix` — value tiers crossed with needs segments.

This is the only module of :mod:`idic_lab` that imports ``lifetimes``, and it
does so lazily through :func:`_lifetimes`, which undoes the pandas option and
the warning filter that ``lifetimes`` changes on import.
"""

from __future__ import annotations

import contextlib
import io
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

from idic_lab.schema import SchemaError, as_date, read_table

__all__ = [
    "TIME_UNITS",
    "BGNBDModel",
    "CalibrationHoldout",
    "GammaGammaModel",
    "ModelFitError",
    "NeedsSegmentation",
    "ParetoNBDModel",
    "calibration_holdout_split",
    "conditional_expectations",
    "customer_lifetime_value",
    "customer_value_table",
    "fit_purchase_models",
    "adjusted_rand",
    "gini",
    "holdout_validation",
    "load_products",
    "load_transactions",
    "lorenz_curve",
    "naive_holdout_prediction",
    "needs_features",
    "rfm_scores",
    "rfm_summary",
    "profile_zscores",
    "rfm_segment_table",
    "segment_profiles",
    "value_table",
    "value_tiers",
    "simulate_bgnbd",
    "strategy_matrix",
    "top_share",
    "tracking_table",
    "value_pyramid",
]

TIME_UNITS: Mapping[str, float] = {"D": 1.0, "W": 7.0, "M": 30.4375, "Q": 91.3125}
"""Length of each time unit in days (a month is 365.25 / 12 days, a quarter three months)."""

_UNIT_NAMES = {"D": "days", "W": "weeks", "M": "months", "Q": "quarters"}


class ModelFitError(RuntimeError):
    """A customer-base model could not be fitted; the message says what to try."""


# --------------------------------------------------------------------------
# lifetimes, imported lazily and without side effects
# --------------------------------------------------------------------------


def _lifetimes() -> ModuleType:
    """Import ``lifetimes`` and undo what its import changes.

    ``lifetimes`` sets ``pandas.options.mode.chained_assignment = None`` (a
    deprecated option on pandas 3, where reading or writing it warns) and
    calls ``warnings.simplefilter("ignore", FutureWarning)``. Both are undone
    here: the option is restored to its previous value and the warning
    filters are restored by :class:`warnings.catch_warnings`.

    Returns
    -------
    module
        The ``lifetimes`` package.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # reading the deprecated option warns on pandas 3
        try:
            saved: Any = pd.get_option("mode.chained_assignment")
            has_option = True
        except (KeyError, pd.errors.OptionError):  # the option is gone (pandas >= 4)
            saved, has_option = None, False
        try:
            import lifetimes
            import lifetimes.utils  # noqa: F401  (the module that sets the option)
        finally:
            if has_option:
                pd.set_option("mode.chained_assignment", saved)
    return lifetimes


@contextlib.contextmanager
def _quiet() -> Any:
    """Run lifetimes code without its prints and numerical warnings reaching the user."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with contextlib.redirect_stdout(io.StringIO()):
            yield


# --------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------


def _unit_days(time_unit: str) -> float:
    if time_unit not in TIME_UNITS:
        raise ValueError(
            f"time_unit={time_unit!r}: expected one of {', '.join(map(repr, TIME_UNITS))} "
            "(day, week, month of 30.4375 days, quarter of 91.3125 days)."
        )
    return TIME_UNITS[time_unit]


def _as_date(value: Any, name: str) -> pd.Timestamp:
    """A required date parameter, at midnight (see :func:`idic_lab.schema.as_date`)."""
    return as_date(value, name, required=True).normalize()


def load_transactions(
    path: str,
    *,
    columns: Mapping[str, str] | str | None = None,
    date_format: str | None = None,
    dayfirst: bool = False,
    observation_end: str | pd.Timestamp | None = None,
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
    dayfirst : bool
        Without ``date_format``: read ``01/02/2024`` as 1 February.
    observation_end : str, optional
        Rows after this date are dropped (and counted).

    Returns
    -------
    (DataFrame, CleaningReport)
        Canonical transactions and the count of dropped rows per reason.
    """
    return read_table("transactions", path, columns=columns, date_format=date_format, dayfirst=dayfirst,
                      observation_end=observation_end)


def load_products(path: str, *, columns: Mapping[str, str] | str | None = None) -> pd.DataFrame:
    """Read a client's product list: which category each product belongs to (for needs features).

    Parameters
    ----------
    path : str
        CSV/TSV/Parquet/Excel file (see :func:`idic_lab.schema.read_file`).
    columns : dict or JSON str, optional
        ``{"product_id": client column, "category": client column}``.

    Returns
    -------
    DataFrame
        ``product_id`` and ``category`` as strings, one row per product.

    Raises
    ------
    SchemaError
        If a column is missing, a product has no category, or a product id
        is listed twice with different categories (repeated identical rows
        are dropped with a count).
    """
    products, _ = read_table("products", path, columns=columns)
    return products[["product_id", "category"]].reset_index(drop=True)


def _check_transactions(transactions: pd.DataFrame) -> pd.DataFrame:
    """Checked copy of the three columns a value analysis needs."""
    if not isinstance(transactions, pd.DataFrame):
        raise TypeError(f"transactions: expected a pandas DataFrame, found {type(transactions).__name__}.")
    missing = [c for c in ("customer_id", "date", "amount") if c not in transactions.columns]
    if missing:
        raise SchemaError(
            f"Table 'transactions': expected the columns customer_id, date and amount, "
            f"found no {', '.join(missing)} among {list(transactions.columns)} ({len(transactions)} rows). "
            "Map your columns with columns={canonical: yours} in idic_lab.schema.clean.",
            table="transactions", column=missing[0], n_rows=len(transactions),
        )
    if transactions.empty:
        raise SchemaError(
            "Table 'transactions': expected at least one purchase, found 0 rows.",
            table="transactions", n_bad=0, n_rows=0,
        )
    frame = pd.DataFrame(
        {
            "customer_id": transactions["customer_id"],
            "date": transactions["date"],
            "amount": transactions["amount"],
        }
    )
    n = len(frame)
    missing_id = frame["customer_id"].isna().to_numpy()
    if missing_id.any():
        raise SchemaError(
            f"Table 'transactions', column 'customer_id': expected an id in every row, found "
            f"{int(missing_id.sum())} of {n} rows without one. Drop them with idic_lab.schema.clean.",
            table="transactions", column="customer_id", n_bad=int(missing_id.sum()), n_rows=n,
        )
    if not pd.api.types.is_datetime64_any_dtype(frame["date"]):
        raise SchemaError(
            f"Table 'transactions', column 'date': expected datetime64 values, found dtype "
            f"{frame['date'].dtype} ({n} rows). Read dates with idic_lab.schema.validate or clean.",
            table="transactions", column="date", n_rows=n,
        )
    if getattr(frame["date"].dt, "tz", None) is not None:
        frame["date"] = frame["date"].dt.tz_convert("UTC").dt.tz_localize(None)
    if frame["date"].isna().any():
        bad = int(frame["date"].isna().sum())
        raise SchemaError(
            f"Table 'transactions', column 'date': expected a date in every row, found {bad} of {n} rows missing.",
            table="transactions", column="date", n_bad=bad, n_rows=n,
        )
    if not pd.api.types.is_numeric_dtype(frame["amount"]):
        raise SchemaError(
            f"Table 'transactions', column 'amount': expected numbers, found dtype {frame['amount'].dtype} "
            f"({n} rows). Read amounts with idic_lab.schema.validate or clean.",
            table="transactions", column="amount", n_rows=n,
        )
    amount = frame["amount"].astype("float64")
    if not np.isfinite(amount.to_numpy()).all():
        bad = int((~np.isfinite(amount.to_numpy())).sum())
        raise SchemaError(
            f"Table 'transactions', column 'amount': expected finite numbers, found {bad} of {n} rows "
            "missing or infinite.",
            table="transactions", column="amount", n_bad=bad, n_rows=n,
        )
    negative = amount.lt(0).to_numpy()
    if negative.any():
        per_customer = pd.DataFrame({"c": frame["customer_id"].to_numpy(), "neg": negative}).groupby("c")["neg"].all()
        only_returns = per_customer[per_customer]
        detail = (
            f"; {len(only_returns)} customer(s) have only return lines and no purchase at all "
            f"(e.g. {', '.join(map(str, only_returns.index[:3]))})"
            if len(only_returns) else ""
        )
        raise SchemaError(
            f"Table 'transactions', column 'amount': expected amounts >= 0 (purchases), found "
            f"{int(negative.sum())} of {n} rows with a negative amount (returns){detail}. "
            "Drop returns with idic_lab.schema.clean (it counts them) before the value analysis.",
            table="transactions", column="amount", n_bad=int(negative.sum()), n_rows=n,
        )
    frame["amount"] = amount
    frame["customer_id"] = frame["customer_id"].astype("str")
    return frame


def _check_summary(summary: pd.DataFrame, *, monetary: bool = False) -> pd.DataFrame:
    """Checked float copy of frequency, recency, T (and monetary_value)."""
    needed = ["frequency", "recency", "T"] + (["monetary_value"] if monetary else [])
    if not isinstance(summary, pd.DataFrame):
        raise TypeError(f"summary: expected a DataFrame from rfm_summary, found {type(summary).__name__}.")
    missing = [c for c in needed if c not in summary.columns]
    if missing:
        raise ValueError(
            f"summary: expected the columns {', '.join(needed)} (from rfm_summary(..., definition='btyd')), "
            f"found no {', '.join(missing)} among {list(summary.columns)} ({len(summary)} rows)."
        )
    if summary.empty:
        raise ValueError("summary: expected at least one customer, found 0 rows.")
    data = summary[needed].astype("float64")
    n = len(data)
    if not np.isfinite(data.to_numpy()).all():
        bad = int((~np.isfinite(data.to_numpy())).any(axis=1).sum())
        raise ValueError(f"summary: expected finite numbers, found {bad} of {n} rows with missing or infinite values.")
    f, r, t = data["frequency"], data["recency"], data["T"]
    checks = [
        ((f < 0) | (f != np.floor(f)), "frequency to be a whole number >= 0", "other values"),
        (r < 0, "recency >= 0", "negative recency"),
        (r > t + 1e-9, "recency <= T (the last purchase cannot be after the observation end)", "recency > T"),
        ((f == 0) & (r != 0), "recency = 0 for customers without repeat purchases", "recency > 0 with frequency 0"),
    ]
    for bad, expected, found in checks:
        if bad.any():
            examples = ", ".join(map(str, summary.index[bad.to_numpy()][:3]))
            raise ValueError(
                f"summary: expected {expected}, found {found} in {int(bad.sum())} of {n} rows "
                f"(e.g. customers {examples}). Build the summary with rfm_summary(..., definition='btyd')."
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

    Raises
    ------
    SchemaError
        Empty data, missing columns, missing ids or dates, negative amounts
        (returns; the message counts customers with only returns), rows
        after the observation end (with ``after_end="error"``) or an
        observation end before the first purchase.
    """
    if definition not in ("btyd", "rfm"):
        raise ValueError(f"definition={definition!r}: expected 'btyd' or 'rfm'.")
    if after_end not in ("error", "drop"):
        raise ValueError(f"after_end={after_end!r}: expected 'error' or 'drop'.")
    _unit_days(time_unit)
    end = _as_date(observation_end, "observation_end")
    frame = _check_transactions(transactions)
    first_purchase = frame["date"].min()
    if first_purchase.normalize() > end:
        raise SchemaError(
            f"Table 'transactions': expected observation_end on or after the first purchase, found "
            f"observation_end {end.date()} before the first purchase {first_purchase.date()} "
            f"(all {len(frame)} rows are later).",
            table="transactions", column="date", n_bad=len(frame), n_rows=len(frame),
        )
    later = (frame["date"] >= end + pd.Timedelta(days=1)).to_numpy()
    if later.any() and after_end == "error":
        raise SchemaError(
            f"Table 'transactions', column 'date': expected dates up to observation_end {end.date()}, found "
            f"{int(later.sum())} of {len(frame)} rows later (last {frame['date'].max().date()}). Use "
            "calibration_holdout_split for a holdout period, after_end='drop', or clean(..., observation_end=...).",
            table="transactions", column="date", n_bad=int(later.sum()), n_rows=len(frame),
        )
    summary = _summary_from_occasions(_occasions(frame.loc[~later]), end, time_unit, definition)
    summary.attrs["rows_after_observation_end"] = int(later.sum())
    return summary


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
            f"calibration_end {cal_end.date()} must be before observation_end {obs_end.date()}: "
            "expected a holdout period of at least one day."
        )
    frame = _check_transactions(transactions)
    later = frame["date"] >= obs_end + pd.Timedelta(days=1)
    if later.any():
        raise SchemaError(
            f"Table 'transactions', column 'date': expected dates up to observation_end {obs_end.date()}, "
            f"found {int(later.sum())} of {len(frame)} rows later. Drop them with clean(..., observation_end=...).",
            table="transactions", column="date", n_bad=int(later.sum()), n_rows=len(frame),
        )
    in_cal = frame["date"] < cal_end + pd.Timedelta(days=1)
    if not in_cal.any():
        raise SchemaError(
            f"Table 'transactions': expected purchases up to calibration_end {cal_end.date()}, found none: "
            f"the first purchase is {frame['date'].min().date()} ({len(frame)} rows).",
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


def _quintile(values: pd.Series, *, higher_is_better: bool = True) -> pd.Series:
    pct = values.rank(method="average", pct=True, ascending=higher_is_better)
    return np.ceil(pct * 5).clip(1, 5).astype("int64")


def rfm_scores(summary: pd.DataFrame) -> pd.DataFrame:
    """RFM quintile scores (1-5) and a named segment for every customer.

    Parameters
    ----------
    summary : DataFrame
        From :func:`rfm_summary` with ``definition="rfm"`` (recency = time
        since the last purchase, so a *low* recency scores 5).

    Returns
    -------
    DataFrame
        The summary plus ``R``, ``F``, ``M`` (5 = best fifth), ``FM`` (the
        rounded-up mean of F and M), ``RFM`` (e.g. ``"545"``) and
        ``segment``. Ties share a score (average ranks), so the fifths can be
        uneven when many customers have the same value (e.g. one purchase).
    """
    needed = ["recency", "frequency", "monetary_value"]
    missing = [c for c in needed if c not in summary.columns]
    if missing:
        raise ValueError(
            f"rfm_scores: expected the columns {needed} from rfm_summary(..., definition='rfm'), "
            f"found no {missing} ({len(summary)} rows)."
        )
    if summary.empty:
        raise ValueError("rfm_scores: expected at least one customer, found 0 rows.")
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
    """Customers, share of customers, value and share of value per RFM segment."""
    column = value if value in scores.columns else "monetary_value"
    table = scores.groupby("segment", observed=False).agg(
        customers=("R", "size"), mean_recency=("recency", "mean"), mean_frequency=("frequency", "mean"),
        value=(column, "sum"),
    )
    table["share_of_customers"] = table["customers"] / table["customers"].sum()
    table["share_of_value"] = table["value"] / table["value"].sum()
    return table


# --------------------------------------------------------------------------
# Pareto view
# --------------------------------------------------------------------------


def _values(values: pd.Series | Sequence[float] | np.ndarray, name: str = "values") -> np.ndarray:
    array = np.asarray(values, dtype="float64").ravel()
    if array.size == 0:
        raise ValueError(f"{name}: expected at least one customer value, found 0.")
    if not np.isfinite(array).all():
        raise ValueError(f"{name}: expected finite numbers, found {int((~np.isfinite(array)).sum())} missing or infinite.")
    if (array < 0).any():
        raise ValueError(
            f"{name}: expected values >= 0 for a Pareto/Lorenz analysis, found {int((array < 0).sum())} "
            f"of {array.size} negative."
        )
    if array.sum() == 0:
        raise ValueError(f"{name}: expected some positive value, found all {array.size} values equal to 0.")
    return array


def top_share(values: pd.Series | Sequence[float] | np.ndarray, share: float = 0.2) -> float:
    """Share of total value that comes from the top ``share`` of customers.

    The top group is the ``ceil(share * n)`` customers with the highest
    values (Buttle's *strategically significant customers* are usually
    sought here: the 20 % who bring most of the value).
    """
    if not 0 < share <= 1:
        raise ValueError(f"share={share!r}: expected a fraction in (0, 1].")
    array = np.sort(_values(values))[::-1]
    n_top = math.ceil(share * array.size - 1e-9)
    return float(array[:n_top].sum() / array.sum())


def lorenz_curve(values: pd.Series | Sequence[float] | np.ndarray) -> pd.DataFrame:
    """Points of the Lorenz curve: customers sorted from the *most* valuable.

    Returns
    -------
    DataFrame
        ``customer_share`` (0 to 1) and ``value_share`` (cumulative share of
        value of the top customers), starting at (0, 0).
    """
    array = np.sort(_values(values))[::-1]
    n = array.size
    return pd.DataFrame(
        {
            "customer_share": np.arange(n + 1) / n,
            "value_share": np.concatenate([[0.0], np.cumsum(array) / array.sum()]),
        }
    )


def gini(values: pd.Series | Sequence[float] | np.ndarray) -> float:
    """Gini coefficient of customer value: 0 = all equal, close to 1 = one customer has all."""
    array = np.sort(_values(values))
    n = array.size
    ranks = np.arange(1, n + 1)
    return float((2 * (ranks * array).sum()) / (n * array.sum()) - (n + 1) / n)


# --------------------------------------------------------------------------
# BTYD models through lifetimes
# --------------------------------------------------------------------------


def _patterns(data: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Unique rows of ``columns`` with their count in ``weights``."""
    return data.groupby(columns, sort=True).size().rename("weights").reset_index()


_FIT_ADVICE = (
    "Try a small penalizer (e.g. penalizer=0.001), a coarser time unit (weeks or months instead of days), "
    "a longer calibration period, or check that the data hold enough repeat buyers."
)


class _BTYDModel:
    """Shared code of the BG/NBD and Pareto/NBD models."""

    _fitter_name = ""
    _param_names: tuple[str, ...] = ()
    name = ""

    def __init__(self, *, penalizer: float = 0.0, max_iter: int | None = None, time_unit: str | None = None) -> None:
        self.penalizer = penalizer
        self.max_iter = max_iter
        self.time_unit = time_unit

    # -- fitting ---------------------------------------------------------
    def fit(self, summary: pd.DataFrame) -> _BTYDModel:
        """Fit on a BTYD summary (unique (frequency, recency, T) rows with weights).

        Parameters
        ----------
        summary : DataFrame
            ``frequency``, ``recency``, ``T`` per customer (from
            :func:`rfm_summary` or :attr:`CalibrationHoldout.summary`).

        Returns
        -------
        self
            With ``params_`` (Series), ``n_customers_``, ``n_patterns_``,
            ``log_likelihood_`` (total) and ``fitter_`` (the lifetimes object).

        Raises
        ------
        ModelFitError
            If the optimizer does not converge (with advice what to try).
        """
        data = _check_summary(summary)
        if self.time_unit is None:
            self.time_unit = summary.attrs.get("time_unit")
        if (data["frequency"] > 0).sum() == 0:
            raise ModelFitError(
                f"{self.name}: expected some repeat buyers to learn from, found 0 of {len(data)} customers with "
                f"frequency > 0. {_FIT_ADVICE}"
            )
        patterns = _patterns(data, ["frequency", "recency", "T"])
        fitter = getattr(_lifetimes(), self._fitter_name)(penalizer_coef=self.penalizer)
        try:
            with _quiet():
                self._run_fit(fitter, patterns)
        except ModelFitError:
            raise
        except Exception as exc:  # lifetimes' ConvergenceError and numerical failures
            raise ModelFitError(
                f"{self.name} did not converge on {len(data)} customers ({type(exc).__name__}). {_FIT_ADVICE}"
            ) from None
        params = fitter.params_.astype("float64")
        if not (np.isfinite(params.to_numpy()).all() and (params.to_numpy() > 0).all()):
            raise ModelFitError(f"{self.name} did not converge: parameters {params.round(4).to_dict()}. {_FIT_ADVICE}")
        self.fitter_ = fitter
        self.params_ = params.rename(self.name)
        self.n_customers_ = len(data)
        self.n_patterns_ = len(patterns)
        self.log_likelihood_ = self._total_log_likelihood(patterns)
        return self

    def _run_fit(self, fitter: Any, patterns: pd.DataFrame) -> None:
        raise NotImplementedError

    def _total_log_likelihood(self, patterns: pd.DataFrame) -> float:
        raise NotImplementedError

    def _fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise RuntimeError(f"{type(self).__name__} is not fitted yet: call .fit(summary) first.")

    # -- predictions -------------------------------------------------------
    def expected_purchases(self, summary: pd.DataFrame, horizon: float) -> pd.Series:
        """Expected number of purchases in the next ``horizon`` time units, per customer.

        This is an *expected count* (it can exceed 1), not a probability.
        """
        self._fitted()
        data = _check_summary(summary)
        with _quiet():
            values = self.fitter_.conditional_expected_number_of_purchases_up_to_time(
                float(horizon), data["frequency"].to_numpy(), data["recency"].to_numpy(), data["T"].to_numpy()
            )
        return pd.Series(np.asarray(values, dtype="float64"), index=summary.index, name="expected_purchases")

    def p_alive(self, summary: pd.DataFrame) -> pd.Series:
        """Probability that each customer is still active at the end of the summary's period."""
        self._fitted()
        data = _check_summary(summary)
        with _quiet():
            values = self.fitter_.conditional_probability_alive(
                data["frequency"].to_numpy(), data["recency"].to_numpy(), data["T"].to_numpy()
            )
        return pd.Series(np.asarray(values, dtype="float64"), index=summary.index, name="p_alive")

    def expected_cumulative_purchases(self, t: np.ndarray | float) -> np.ndarray:
        """Unconditional expected repeat purchases of a new customer by time ``t`` after the first."""
        self._fitted()
        t = np.atleast_1d(np.asarray(t, dtype="float64"))
        out = np.zeros_like(t)
        positive = t > 0
        if positive.any():
            with _quiet():
                out[positive] = np.asarray(self.fitter_.expected_number_of_purchases_up_to_time(t[positive]), dtype="float64")
        return out

    def params_table(self) -> pd.DataFrame:
        """Parameters with their meaning (for a notebook)."""
        self._fitted()
        return pd.DataFrame({"value": self.params_, "meaning": [self._meanings[p] for p in self.params_.index]})

    _meanings: Mapping[str, str] = {}


class BGNBDModel(_BTYDModel):
    """The BG/NBD model of Fader, Hardie & Lee (2005), "Counting your customers the easy way".

    While active, a customer buys at a Poisson rate ``lambda`` (gamma
    distributed over customers, shape ``r``, rate ``alpha``); after each
    purchase she becomes inactive with probability ``p`` (beta distributed,
    ``a``, ``b``). Parameters are per time unit of the summary.

    Parameters
    ----------
    penalizer : float
        L2 penalty on the parameters (lifetimes' ``penalizer_coef``); 0 for
        the published maximum-likelihood fit.
    max_iter : int, optional
        Maximum optimizer iterations (default: the optimizer's own).
    time_unit : str, optional
        Recorded for display; taken from the summary when not given.
    """

    _fitter_name = "BetaGeoFitter"
    name = "BG/NBD"
    _meanings = {
        "r": "shape of the purchase-rate distribution",
        "alpha": "scale of the purchase-rate distribution (rate: mean rate is r/alpha per time unit)",
        "a": "beta shape a of the drop-out probability after each purchase",
        "b": "beta shape b (mean drop-out probability a/(a+b))",
    }

    def _run_fit(self, fitter: Any, patterns: pd.DataFrame) -> None:
        options = {} if self.max_iter is None else {"maxiter": int(self.max_iter)}
        fitter.fit(patterns["frequency"], patterns["recency"], patterns["T"], weights=patterns["weights"], **options)

    def _total_log_likelihood(self, patterns: pd.DataFrame) -> float:
        # lifetimes reports the weighted mean negative log-likelihood per customer.
        return float(-self.fitter_._negative_log_likelihood_ * patterns["weights"].sum())


class ParetoNBDModel(_BTYDModel):
    """The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987) as fitted by Fader, Hardie & Lee (2005).

    While active, a customer buys at a Poisson rate (gamma: ``r``,
    ``alpha``); her unobserved lifetime is exponential with a gamma
    distributed dropout rate (``s``, ``beta``). Parameters are per time unit.

    Parameters
    ----------
    penalizer, max_iter, time_unit
        As in :class:`BGNBDModel`. The optimizer (Nelder-Mead) starts from
        fixed values (all 1), so fits are deterministic.
    """

    _fitter_name = "ParetoNBDFitter"
    name = "Pareto/NBD"
    _meanings = {
        "r": "shape of the purchase-rate distribution",
        "alpha": "scale of the purchase-rate distribution (mean rate r/alpha per time unit)",
        "s": "shape of the dropout-rate distribution",
        "beta": "scale of the dropout-rate distribution (mean dropout rate s/beta per time unit)",
    }

    def _run_fit(self, fitter: Any, patterns: pd.DataFrame) -> None:
        maxiter = 2000 if self.max_iter is None else int(self.max_iter)
        fitter.fit(
            patterns["frequency"], patterns["recency"], patterns["T"], weights=patterns["weights"],
            initial_params=np.ones(4), tol=1e-8, maxiter=maxiter,
        )
        self._check_converged(fitter, patterns)

    def _scaled(self, fitter: Any, patterns: pd.DataFrame) -> tuple[np.ndarray, tuple[Any, ...]]:
        scale = fitter._scale
        params = fitter.params_.to_numpy(dtype="float64").copy()
        params[1] *= scale
        params[3] *= scale
        args = (
            patterns["frequency"].to_numpy(), patterns["recency"].to_numpy() * scale,
            patterns["T"].to_numpy() * scale, patterns["weights"].to_numpy(), self.penalizer,
        )
        return params, args

    def _check_converged(self, fitter: Any, patterns: pd.DataFrame) -> None:
        # Nelder-Mead in lifetimes reports no success flag: check that the
        # gradient of the mean log-likelihood (in log parameters) is ~ 0.
        params, args = self._scaled(fitter, patterns)
        if not (np.isfinite(params).all() and (params > 0).all()):
            raise ModelFitError(f"{self.name} did not converge: parameters left the positive range. {_FIT_ADVICE}")
        n = float(patterns["weights"].sum())
        nll = fitter._negative_log_likelihood
        factor = float(np.mean(args[3])) / n  # lifetimes divides by the mean weight; per customer instead
        h = 1e-5
        gradient = np.empty(4)
        for i in range(4):
            up, down = np.log(params), np.log(params)
            up[i] += h
            down[i] -= h
            gradient[i] = (nll(np.exp(up), *args) - nll(np.exp(down), *args)) * factor / (2 * h)
        if not np.isfinite(gradient).all():
            raise ModelFitError(
                f"{self.name} did not converge: the likelihood cannot be evaluated near the last parameters "
                f"(s = {params[2]:.3g}, beta = {params[3] / fitter._scale:.3g}; very large values mean the data "
                f"show no dropout-rate heterogeneity). {_FIT_ADVICE}"
            )
        if np.abs(gradient).max() > 1e-3:
            raise ModelFitError(
                f"{self.name} did not converge within {self.max_iter or 2000} iterations (the likelihood is still "
                f"changing, largest gradient {np.abs(gradient).max():.2g} per customer). {_FIT_ADVICE}"
            )

    def _total_log_likelihood(self, patterns: pd.DataFrame) -> float:
        params, args = self._scaled(self.fitter_, patterns)
        return float(-self.fitter_._negative_log_likelihood(params, *args) * np.mean(args[3]))


PURCHASE_MODELS: Mapping[str, type[_BTYDModel]] = {"BG/NBD": BGNBDModel, "Pareto/NBD": ParetoNBDModel}
"""The purchase models by display name."""


def fit_purchase_models(
    summary: pd.DataFrame,
    *,
    names: Sequence[str] = ("BG/NBD", "Pareto/NBD"),
    penalizer: float = 0.0,
) -> tuple[dict[str, _BTYDModel], pd.DataFrame]:
    """Fit several purchase models; a model that fails is reported, not fatal.

    Parameters
    ----------
    summary : DataFrame
        BTYD summary (e.g. :attr:`CalibrationHoldout.summary`).
    names : sequence of str
        Keys of :data:`PURCHASE_MODELS`.
    penalizer : float
        Passed to every model.

    Returns
    -------
    (dict, DataFrame)
        The fitted models by name, and a status table (``model``,
        ``status``, ``message``) listing each model, also the failed ones
        with the advice of their :class:`ModelFitError`.

    Raises
    ------
    ModelFitError
        If no model could be fitted.
    """
    fitted: dict[str, _BTYDModel] = {}
    rows = []
    for name in names:
        if name not in PURCHASE_MODELS:
            raise ValueError(f"names: expected models among {list(PURCHASE_MODELS)}, found {name!r}.")
        try:
            fitted[name] = PURCHASE_MODELS[name](penalizer=penalizer).fit(summary)
            rows.append({"model": name, "status": "fitted", "message": ""})
        except ModelFitError as exc:
            rows.append({"model": name, "status": "not converged", "message": str(exc)})
    status = pd.DataFrame(rows)
    if not fitted:
        raise ModelFitError(" | ".join(status["message"]))
    return fitted, status


class GammaGammaModel:
    """The Gamma-Gamma model of spend per purchase (Fader & Hardie 2013; Colombo & Jiang 1999).

    A customer's purchase values are gamma distributed (shape ``p``) around
    her own mean; the customers' rate parameters are gamma distributed
    (``q``, ``v``). The model assumes spend is independent of purchase
    frequency: :meth:`fit` reports the frequency-monetary correlation.

    Parameters
    ----------
    penalizer : float
        L2 penalty (lifetimes' ``penalizer_coef``).
    max_iter : int, optional
        Maximum optimizer iterations.
    """

    name = "Gamma-Gamma"
    _meanings = {
        "p": "shape of each customer's spend distribution",
        "q": "shape of the distribution of customers' spend rates",
        "v": "scale of the distribution of customers' spend rates (population mean spend p*v/(q-1))",
    }

    def __init__(self, *, penalizer: float = 0.0, max_iter: int | None = None) -> None:
        self.penalizer = penalizer
        self.max_iter = max_iter

    def fit(self, summary: pd.DataFrame) -> GammaGammaModel:
        """Fit on the repeat buyers of a BTYD summary.

        Customers with ``frequency == 0`` have no repeat purchase value and are
        left out (counted in ``n_dropped_``).

        Returns
        -------
        self
            With ``params_``, ``n_customers_`` (repeat buyers used),
            ``n_dropped_`` (non-repeat buyers left out), ``correlation_``
            (Pearson correlation of frequency and monetary value among repeat
            buyers; near 0 supports the model) and ``fitter_``.

        Raises
        ------
        ValueError
            No repeat buyers, or repeat buyers with monetary value <= 0.
        ModelFitError
            If the optimizer does not converge.
        """
        data = _check_summary(summary, monetary=True)
        repeat = data[data["frequency"] > 0]
        n_dropped = len(data) - len(repeat)
        if repeat.empty:
            raise ValueError(
                f"Gamma-Gamma: expected repeat buyers (frequency > 0), found none among {len(data)} customers."
            )
        bad = repeat["monetary_value"] <= 0
        if bad.any():
            examples = ", ".join(map(str, repeat.index[bad.to_numpy()][:3]))
            raise ValueError(
                f"Gamma-Gamma: expected monetary_value > 0 for repeat buyers (spend per purchase), found "
                f"{int(bad.sum())} of {len(repeat)} rows <= 0 (e.g. customers {examples}). Gamma-Gamma needs positive "
                "spend: drop free or zero-value purchases, or leave those customers out."
            )
        correlation = float(np.corrcoef(repeat["frequency"], repeat["monetary_value"])[0, 1]) if len(repeat) > 2 else float("nan")
        patterns = _patterns(repeat, ["frequency", "monetary_value"])
        fitter = _lifetimes().GammaGammaFitter(penalizer_coef=self.penalizer)
        options = {} if self.max_iter is None else {"maxiter": int(self.max_iter)}
        try:
            with _quiet():
                fitter.fit(patterns["frequency"], patterns["monetary_value"], weights=patterns["weights"], **options)
        except Exception as exc:
            raise ModelFitError(
                f"Gamma-Gamma did not converge on {len(repeat)} repeat buyers ({type(exc).__name__}). "
                "Try a small penalizer (e.g. penalizer=0.001) or check for extreme spend values."
            ) from None
        self.fitter_ = fitter
        self.params_ = fitter.params_.astype("float64").rename(self.name)
        self.n_customers_ = len(repeat)
        self.n_dropped_ = n_dropped
        self.correlation_ = correlation
        return self

    def expected_spend(self, summary: pd.DataFrame) -> pd.Series:
        """Expected value of a future purchase per customer (population mean for non-repeat buyers)."""
        if not hasattr(self, "params_"):
            raise RuntimeError("GammaGammaModel is not fitted yet: call .fit(summary) first.")
        data = _check_summary(summary, monetary=True)
        p, q, v = (float(self.params_[k]) for k in ("p", "q", "v"))
        x, m = data["frequency"].to_numpy(), data["monetary_value"].to_numpy()
        # Fader & Hardie (2013), eq. 5: a weighted mean of the population mean and the customer's own mean.
        values = (p * v + p * x * m) / (p * x + q - 1)
        return pd.Series(values, index=summary.index, name="expected_spend")

    @property
    def population_mean_spend(self) -> float:
        """Mean spend per purchase across customers, p*v/(q-1)."""
        p, q, v = (float(self.params_[k]) for k in ("p", "q", "v"))
        return p * v / (q - 1)

    def params_table(self) -> pd.DataFrame:
        """Parameters with their meaning (for a notebook)."""
        return pd.DataFrame({"value": self.params_, "meaning": [self._meanings[p] for p in self.params_.index]})


# --------------------------------------------------------------------------
# CLV and the customer value table
# --------------------------------------------------------------------------


def _per_unit_discount(annual_discount_rate: float, time_unit: str) -> float:
    if not (annual_discount_rate >= 0 and np.isfinite(annual_discount_rate)):
        raise ValueError(f"annual_discount_rate={annual_discount_rate!r}: expected a rate >= 0 such as 0.10.")
    return (1 + annual_discount_rate) ** (_unit_days(time_unit) / 365.25) - 1


def customer_lifetime_value(
    model: _BTYDModel,
    spend_model: GammaGammaModel,
    summary: pd.DataFrame,
    *,
    horizon: int,
    annual_discount_rate: float,
    time_unit: str,
) -> pd.Series:
    """Discounted expected value of each customer's purchases over the next ``horizon`` time units.

    CLV = expected spend per purchase x sum over periods k = 1..horizon of
    (expected purchases in period k) / (1 + d)^k, where d is the annual
    discount rate converted to one time unit, d = (1 + annual)^(unit/365.25) - 1.

    Parameters
    ----------
    model : BGNBDModel or ParetoNBDModel
        A fitted purchase model (its parameters are per ``time_unit``).
    spend_model : GammaGammaModel
        A fitted spend model.
    summary : DataFrame
        BTYD summary at the start of the horizon (with ``monetary_value``).
    horizon : int
        Number of time units ahead, e.g. 52 weeks.
    annual_discount_rate : float
        E.g. 0.10 for 10 % a year.
    time_unit : {"D", "W", "M", "Q"}
        Must be the unit the model was fitted in.

    Returns
    -------
    Series
        ``clv`` per customer, in the currency of ``amount``.
    """
    if model.time_unit is not None and model.time_unit != time_unit:
        raise ValueError(
            f"time_unit={time_unit!r}, but the model was fitted in {model.time_unit!r}: expected the same unit "
            "(the parameters are per time unit)."
        )
    if not (isinstance(horizon, (int, np.integer)) and horizon >= 1):
        raise ValueError(f"horizon={horizon!r}: expected a whole number of time units >= 1 (e.g. 52 weeks).")
    d = _per_unit_discount(annual_discount_rate, time_unit)
    previous = np.zeros(len(summary))
    discounted = np.zeros(len(summary))
    for k in range(1, int(horizon) + 1):  # a loop over periods; every step is vectorized over customers
        cumulative = model.expected_purchases(summary, k).to_numpy()
        discounted += (cumulative - previous) / (1 + d) ** k
        previous = cumulative
    spend = spend_model.expected_spend(summary).to_numpy()
    return pd.Series(discounted * spend, index=summary.index, name="clv")


def customer_value_table(
    transactions: pd.DataFrame,
    model: _BTYDModel,
    spend_model: GammaGammaModel,
    summary: pd.DataFrame,
    *,
    horizon: int,
    annual_discount_rate: float,
    time_unit: str,
) -> pd.DataFrame:
    """Current, future and lifetime value per customer, in Peppers & Rogers' terms.

    Parameters
    ----------
    transactions : DataFrame
        The purchases up to the summary's observation end (for current value).
    model, spend_model, summary, horizon, annual_discount_rate, time_unit
        As in :func:`customer_lifetime_value`.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id``: ``current_value`` (spend so far: the
        *historical* value), ``expected_purchases`` (over the horizon; a
        count, not a probability), ``p_alive``, ``expected_spend`` (per
        purchase), ``future_value`` (discounted CLV over the horizon:
        Peppers & Rogers' *actual value*, what the customer is expected to be
        worth if nothing changes), ``lifetime_value`` (current + future) and
        ``potential_value`` (the extra future value if the customer were
        certainly still active, future_value x (1 - p_alive) / p_alive: a
        measurable part of the *strategic*, unrealised value that retention
        could win).
    """
    frame = _check_transactions(transactions)
    current = frame.groupby("customer_id")["amount"].sum()
    current.index = current.index.astype("str")
    out = pd.DataFrame(index=summary.index)
    out["current_value"] = current.reindex(summary.index).fillna(0.0).to_numpy()
    out["expected_purchases"] = model.expected_purchases(summary, horizon)
    out["p_alive"] = model.p_alive(summary)
    out["expected_spend"] = spend_model.expected_spend(summary)
    out["future_value"] = customer_lifetime_value(
        model, spend_model, summary, horizon=horizon, annual_discount_rate=annual_discount_rate, time_unit=time_unit
    )
    out["lifetime_value"] = out["current_value"] + out["future_value"]
    p = out["p_alive"].clip(lower=1e-9)
    out["potential_value"] = out["future_value"] * (1 - p) / p
    return out


def value_table(
    transactions: pd.DataFrame,
    *,
    observation_end: str | pd.Timestamp,
    horizon: int,
    annual_discount_rate: float,
    time_unit: str = "W",
    customer_map: pd.Series | None = None,
) -> pd.DataFrame:
    """Fit BG/NBD and Gamma-Gamma on all purchases and return :func:`customer_value_table`.

    The short way to customer value when the fit itself is not the point
    (e.g. to cross value with needs segments).

    Parameters
    ----------
    transactions : DataFrame
        Canonical purchases; never modified.
    observation_end, time_unit
        As in :func:`rfm_summary`.
    horizon, annual_discount_rate
        As in :func:`customer_lifetime_value`.
    customer_map : Series, optional
        Record id -> customer key (e.g. Identify's crosswalk or the synthetic
        world's ``truth.identity``): value per person, not per record.

    Returns
    -------
    DataFrame
        As :func:`customer_value_table`.
    """
    if customer_map is not None:
        keys = transactions["customer_id"].astype("str").map(customer_map.astype("str"))
        transactions = transactions.assign(customer_id=keys.fillna(transactions["customer_id"].astype("str")))
    summary = rfm_summary(transactions, observation_end=observation_end, time_unit=time_unit)
    return customer_value_table(
        transactions, BGNBDModel().fit(summary), GammaGammaModel().fit(summary), summary,
        horizon=horizon, annual_discount_rate=annual_discount_rate, time_unit=time_unit,
    )


PYRAMID_TIERS: tuple[tuple[str, float], ...] = (
    ("Platinum", 0.05),
    ("Gold", 0.20),
    ("Iron", 0.50),
    ("Lead", 1.00),
)
"""Value tiers (Zeithaml, Rust & Lemon 2001) and the cumulative share of customers each reaches."""


def value_tiers(values: pd.Series, tiers: Sequence[tuple[str, float]] = PYRAMID_TIERS) -> pd.Series:
    """Assign each customer to a tier by rank of ``values`` (highest first).

    Parameters
    ----------
    values : Series
        One value per customer.
    tiers : sequence of (name, cumulative share)
        From the top; the last share must be 1.

    Returns
    -------
    Series
        Ordered categorical of tier names.
    """
    shares = [s for _, s in tiers]
    if not shares or abs(shares[-1] - 1) > 1e-12 or any(b <= a for a, b in zip(shares, shares[1:])):
        raise ValueError(f"tiers: expected increasing cumulative shares ending at 1, found {shares}.")
    rank = values.rank(method="first", ascending=False) / len(values)
    codes = np.searchsorted(np.asarray(shares), rank.to_numpy() - 1e-12)
    names = [n for n, _ in tiers]
    return pd.Series(pd.Categorical.from_codes(codes, categories=names, ordered=True), index=values.index, name="tier")


def value_pyramid(
    value_table: pd.DataFrame,
    *,
    rank_by: str = "future_value",
    tiers: Sequence[tuple[str, float]] = PYRAMID_TIERS,
) -> pd.DataFrame:
    """The customer value pyramid: actual versus potential value per tier.

    Parameters
    ----------
    value_table : DataFrame
        From :func:`customer_value_table`.
    rank_by : str
        Column that orders customers into tiers (default the predicted
        future value, Peppers & Rogers' actual value).
    tiers : sequence of (name, cumulative share)

    Returns
    -------
    DataFrame
        Per tier: ``customers``, ``share_of_customers``, ``current_value``,
        ``future_value`` (actual value), ``potential_value`` (strategic
        upside), their shares, and ``mean_p_alive``.
    """
    tier = value_tiers(value_table[rank_by], tiers)
    grouped = value_table.assign(tier=tier).groupby("tier", observed=False)
    table = grouped.agg(
        customers=("future_value", "size"),
        current_value=("current_value", "sum"),
        future_value=("future_value", "sum"),
        potential_value=("potential_value", "sum"),
        mean_p_alive=("p_alive", "mean"),
    )
    table.insert(1, "share_of_customers", table["customers"] / table["customers"].sum())
    for column in ("current_value", "future_value", "potential_value"):
        table[f"share_of_{column}"] = table[column] / table[column].sum()
    return table


# --------------------------------------------------------------------------
# Holdout validation
# --------------------------------------------------------------------------


def naive_holdout_prediction(summary: pd.DataFrame) -> pd.Series:
    """Naive baseline: every customer keeps buying at her calibration rate, frequency / T, for the holdout.

    Customers first seen on the calibration end day (T = 0) are predicted 0.
    """
    data = _check_summary(summary)
    rate = (data["frequency"] / data["T"].where(data["T"] > 0)).fillna(0.0)
    return (rate * summary["duration_holdout"]).rename("naive")


def _predictions(split: CalibrationHoldout, models: Mapping[str, _BTYDModel]) -> pd.DataFrame:
    s = split.summary
    out = pd.DataFrame({"actual": s["frequency_holdout"]})
    for name, model in models.items():
        out[name] = model.expected_purchases(s, split.duration_holdout)
    out["naive"] = naive_holdout_prediction(s)
    return out


def holdout_validation(split: CalibrationHoldout, models: Mapping[str, _BTYDModel]) -> pd.DataFrame:
    """Holdout errors of each model and of the naive baseline, side by side.

    Parameters
    ----------
    split : CalibrationHoldout
    models : dict
        ``{name: fitted model}``, e.g. ``{"BG/NBD": bg, "Pareto/NBD": pn}``.

    Returns
    -------
    DataFrame
        One row per model (plus ``naive``): ``mae`` and ``rmse`` of the
        per-customer holdout purchases, ``predicted_total``,
        ``actual_total`` and ``aggregate_error_pct`` (predicted total vs
        actual total, in %).
    """
    predictions = _predictions(split, models)
    actual = predictions["actual"]
    rows = {}
    for name in predictions.columns.drop("actual"):
        error = predictions[name] - actual
        rows[name] = {
            "mae": float(error.abs().mean()),
            "rmse": float(np.sqrt((error**2).mean())),
            "predicted_total": float(predictions[name].sum()),
            "actual_total": float(actual.sum()),
            "aggregate_error_pct": float(100 * (predictions[name].sum() - actual.sum()) / actual.sum()),
        }
    return pd.DataFrame(rows).T.rename_axis("model")


def conditional_expectations(
    split: CalibrationHoldout, models: Mapping[str, _BTYDModel], *, max_frequency: int = 7
) -> pd.DataFrame:
    """Mean holdout purchases, actual and predicted, by calibration frequency.

    Customers with ``max_frequency`` or more calibration repeat purchases are
    pooled in the last row (labelled e.g. ``"7+"``).
    """
    predictions = _predictions(split, models)
    frequency = split.summary["frequency"].clip(upper=max_frequency).astype(int)
    labels = frequency.astype(str).where(frequency < max_frequency, f"{max_frequency}+")
    table = predictions.groupby(labels.to_numpy()).mean()
    table.insert(0, "customers", predictions.groupby(labels.to_numpy()).size())
    order = [str(i) for i in range(max_frequency)] + [f"{max_frequency}+"]
    table = table.reindex([o for o in order if o in table.index])
    table.index.name = "calibration_frequency"
    return table


def tracking_table(
    transactions: pd.DataFrame,
    split: CalibrationHoldout,
    models: Mapping[str, _BTYDModel],
) -> pd.DataFrame:
    """Cumulative repeat purchases per time unit, actual versus each model.

    Each customer of the calibration summary contributes from her first
    purchase day on: the model's expected repeat purchases ``E[X(t - t0)]``
    are summed over customers grouped by first purchase day.

    Returns
    -------
    DataFrame
        Indexed by ``period_end`` (date at the end of each time unit from the
        first purchase to the observation end): ``actual`` and one column
        per model, cumulative repeat purchases; ``attrs["calibration_end"]``.
    """
    unit = TIME_UNITS[split.time_unit]
    frame = _check_transactions(transactions)
    frame = frame[frame["customer_id"].isin(split.summary.index)]
    occasions = _occasions(frame)
    occasions = occasions[occasions["day"] <= split.observation_end]
    first = occasions.groupby("customer_id")["day"].transform("min")
    repeat_days = occasions.loc[occasions["day"] > first, "day"]
    start = occasions["day"].min()
    day = pd.Timedelta(days=1)
    end_offset = float((split.observation_end - start) / day)
    n_periods = int(math.ceil((end_offset + 1) / unit - 1e-9))
    # A purchase on day d (days after start) is at time d; period j covers the days up to j * unit - 1.
    offsets = np.minimum(np.floor(np.arange(1, n_periods + 1) * unit) - 1, end_offset)
    ends = pd.DatetimeIndex(start + pd.to_timedelta(offsets, unit="D"), name="period_end")
    elapsed = np.sort(((repeat_days - start) / day).to_numpy(dtype="float64"))
    actual = np.searchsorted(elapsed, offsets, side="right")
    cohorts = occasions.groupby("customer_id")["day"].min().value_counts()
    cohort_offsets = ((cohorts.index - start) / day).to_numpy(dtype="float64")
    out = pd.DataFrame({"actual": actual.astype("float64")}, index=ends)
    elapsed_units = np.clip(offsets[None, :] - cohort_offsets[:, None], 0, None) / unit
    for name, model in models.items():
        expected = model.expected_cumulative_purchases(elapsed_units.ravel()).reshape(elapsed_units.shape)
        out[name] = (expected * cohorts.to_numpy()[:, None]).sum(axis=0)
    out.attrs["calibration_end"] = str(split.calibration_end.date())
    return out


# --------------------------------------------------------------------------
# Simulation (for parameter recovery)
# --------------------------------------------------------------------------


def simulate_bgnbd(
    n_customers: int,
    *,
    r: float,
    alpha: float,
    a: float,
    b: float,
    T: float | np.ndarray,
    seed: int,
) -> pd.DataFrame:
    """Simulate BTYD summaries from the BG/NBD model (vectorized).

    Each customer draws a purchase rate ``lambda ~ Gamma(r, rate alpha)`` and
    a drop-out probability ``p ~ Beta(a, b)``. She makes ``K ~ Geometric(p)``
    repeat purchases at most (she drops out right after the K-th), at the
    arrival times of a Poisson process with rate ``lambda``. With ``N`` the
    Poisson count in (0, T], the frequency is ``x = min(N, K)`` and the
    recency is the x-th of N uniform arrival times, drawn directly as
    ``T * Beta(x, N - x + 1)``.

    Parameters
    ----------
    n_customers : int
    r, alpha, a, b : float
        BG/NBD parameters per time unit.
    T : float or array
        Each customer's age (time units since the first purchase).
    seed : int

    Returns
    -------
    DataFrame
        ``frequency``, ``recency``, ``T`` with a ``customer_id`` index.
    """
    rng = np.random.default_rng(seed)
    T = np.broadcast_to(np.asarray(T, dtype="float64"), (n_customers,)).copy()
    lam = rng.gamma(shape=r, scale=1.0 / alpha, size=n_customers)
    p = rng.beta(a, b, size=n_customers)
    k = rng.geometric(np.clip(p, 1e-12, 1.0))
    n = rng.poisson(lam * T)
    x = np.minimum(n, k)
    recency = np.zeros(n_customers)
    has = x > 0
    recency[has] = T[has] * rng.beta(x[has], n[has] - x[has] + 1)
    index = pd.Index([f"S{i:06d}" for i in range(n_customers)], name="customer_id")
    return pd.DataFrame({"frequency": x.astype("float64"), "recency": recency, "T": T}, index=index)


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
        Without ``order_id`` an order is a customer's purchases of one day.
        Never modified.
    products : DataFrame, optional
        ``product_id`` and ``category``; gives the category shares. A
        ``category`` column in ``transactions`` is used directly.
    customer_map : Series, optional
        Record id -> customer key (e.g. Identify's crosswalk), so features
        describe people, not records. Lines whose id is not in the map keep
        their id.

    Returns
    -------
    DataFrame
        One row per customer (index ``customer_id``): ``share_<category>``,
        ``channel_<channel>``, ``items_per_order``, ``lines_per_order``,
        ``log_order_value``, ``orders_per_week``, ``weekend_share`` (those the
        columns allow) and ``n_orders`` (not a feature: how much evidence).
    """
    frame = _check_transactions(transactions)
    for column in ("order_id", "product_id", "quantity", "channel", "category"):
        if column in transactions.columns:
            frame[column] = transactions[column].to_numpy()
    if customer_map is not None:
        mapped = frame["customer_id"].map(customer_map.astype("str"))
        frame["customer_id"] = mapped.fillna(frame["customer_id"]).astype("str")
    if "category" not in frame.columns and products is not None:
        if not {"product_id", "category"} <= set(products.columns) or "product_id" not in frame.columns:
            raise ValueError(
                "needs_features: expected products with columns product_id and category, and product_id in the "
                f"transactions; found products columns {list(products.columns)}."
            )
        frame["category"] = frame["product_id"].astype("str").map(
            products.assign(product_id=products["product_id"].astype("str")).set_index("product_id")["category"]
        )
    order_key = frame["order_id"].astype("str") if "order_id" in frame.columns else frame["date"].dt.strftime("%Y-%m-%d")
    frame["order"] = frame["customer_id"] + "|" + order_key
    parts = []
    if "category" in frame.columns:
        known = frame[frame["category"].notna()]
        spend = known.pivot_table(index="customer_id", columns="category", values="amount", aggfunc="sum", fill_value=0.0)
        totals = spend.sum(axis=1)
        spend = spend.div(totals.where(totals > 0), axis=0).fillna(1.0 / spend.shape[1])
        parts.append(spend.add_prefix("share_"))
    orders = frame.groupby("order", sort=False).agg(
        customer_id=("customer_id", "first"),
        date=("date", "min"),
        amount=("amount", "sum"),
        lines=("amount", "size"),
        **({"items": ("quantity", "sum")} if "quantity" in frame.columns else {}),
        **({"channel": ("channel", "first")} if "channel" in frame.columns else {}),
    )
    if "channel" in orders.columns:
        channels = pd.crosstab(orders["customer_id"], orders["channel"].astype("str"), normalize="index")
        parts.append(channels.add_prefix("channel_"))
    by = orders.groupby("customer_id")
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
    out.index.name = "customer_id"
    out.columns.name = None
    return out


# How much and how often someone buys is value, not need: these columns describe the
# segments (profiles) but do not shape them, so the value x needs matrix crosses two
# separate views, as Peppers & Rogers keep them apart.
NOT_NEEDS_COLUMNS = ("n_orders", "log_order_value", "orders_per_week")


def _feature_columns(features: pd.DataFrame, columns: Sequence[str] | None) -> list[str]:
    if columns is None:
        columns = [c for c in features.columns if c not in NOT_NEEDS_COLUMNS]
    missing = [c for c in columns if c not in features.columns]
    if missing:
        raise ValueError(f"features: expected the columns {missing}, found {list(features.columns)}.")
    if len(columns) == 0:
        raise ValueError("features: expected at least one feature column, found none.")
    return list(columns)


class NeedsSegmentation:
    """Needs-based segments by k-means or a Gaussian mixture, with k chosen from the data.

    Features are standardised (mean 0, standard deviation 1) so that no
    feature dominates by its unit. ``k`` is chosen by the largest silhouette
    (k-means) or the smallest BIC (Gaussian mixture) over ``k_range``,
    unless given.

    Parameters
    ----------
    method : {"kmeans", "gmm"}
    k : int, optional
        Number of segments; None chooses it.
    k_range : tuple of int
        Smallest and largest k tried.
    n_init : int
        Restarts of k-means (or of the mixture's EM); the best is kept.
    random_state : int
        Seed of every random step.
    covariance_type : str
        Gaussian mixture only (``"diag"``, ``"full"``, ...).
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
    columns_, scaler_, model_, k_, selection_, labels_, n_fitted_
        ``selection_`` has one row per k tried (``silhouette``, ``inertia``
        for k-means; ``bic`` for the mixture). ``labels_`` numbers segments
        from 1 (largest) upward, for every customer. ``n_fitted_`` customers
        had ``min_orders`` or more orders and shaped the segments.
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

    def _model(self, k: int) -> Any:
        if self.method == "kmeans":
            from sklearn.cluster import KMeans

            return KMeans(n_clusters=k, n_init=self.n_init, random_state=self.random_state)
        from sklearn.mixture import GaussianMixture

        return GaussianMixture(
            n_components=k, n_init=self.n_init, random_state=self.random_state,
            covariance_type=self.covariance_type, reg_covar=self.reg_covar,
        )

    def _silhouette(self, z: np.ndarray, labels: np.ndarray) -> float:
        from sklearn.metrics import silhouette_score

        if len(np.unique(labels)) < 2:
            return float("nan")
        size = min(self.silhouette_sample, len(z))
        return float(silhouette_score(z, labels, sample_size=size, random_state=self.random_state))

    def fit(self, features: pd.DataFrame) -> NeedsSegmentation:
        """Standardise the features, choose k and fit the final model.

        Parameters
        ----------
        features : DataFrame
            From :func:`needs_features` (one row per customer).

        Returns
        -------
        self
        """
        from sklearn.preprocessing import StandardScaler

        if self.method not in ("kmeans", "gmm"):
            raise ValueError(f"method={self.method!r}: expected 'kmeans' or 'gmm'.")
        self.columns_ = _feature_columns(features, self.features)
        everyone = features[self.columns_].astype("float64")
        if not np.isfinite(everyone.to_numpy()).all():
            raise ValueError("features: expected finite numbers, found missing or infinite values.")
        enough = features["n_orders"] >= self.min_orders if "n_orders" in features.columns else True
        data = everyone.loc[enough]
        low, high = self.k_range if self.k is None else (self.k, self.k)
        if low < 1 or high < low or high >= len(data):
            raise ValueError(
                f"k_range={self.k_range!r} / k={self.k!r}: expected 1 <= k < number of customers with at "
                f"least min_orders={self.min_orders} orders ({len(data)} of {len(everyone)})."
            )
        self.n_fitted_ = len(data)
        self.scaler_ = StandardScaler().fit(data)
        z = self.scaler_.transform(data)
        rows, models = [], {}
        for k in range(low, high + 1):
            model = self._model(k).fit(z)
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
            self.k_ = int(self.selection_["silhouette"].idxmax())
        else:
            self.k_ = int(self.selection_["bic"].idxmin())
        self.model_ = models[self.k_]
        raw = self.model_.predict(self.scaler_.transform(everyone))
        # Number segments by size (1 = largest) so labels read the same across runs.
        sizes = pd.Series(raw).value_counts()
        self._relabel = {int(old): new for new, old in enumerate(sizes.index, start=1)}
        self.labels_ = pd.Series([self._relabel[int(v)] for v in raw], index=features.index, name="segment")
        return self

    def predict(self, features: pd.DataFrame) -> pd.Series:
        """Segment of each customer in ``features`` (same columns as in :meth:`fit`)."""
        if not hasattr(self, "model_"):
            raise RuntimeError("NeedsSegmentation is not fitted yet: call .fit(features) first.")
        z = self.scaler_.transform(features[self.columns_].astype("float64"))
        raw = self.model_.predict(z)
        return pd.Series([self._relabel.get(int(v), 0) for v in raw], index=features.index, name="segment")

    def stability(
        self, features: pd.DataFrame, *, n_resamples: int = 10, sample_share: float = 0.8, random_state: int = 0
    ) -> pd.DataFrame:
        """How stable are the segments? Refit on random subsamples and compare.

        Each resample fits the same method with the chosen k on a random
        ``sample_share`` of the customers with ``min_orders`` or more orders
        (without replacement, seeded),
        assigns *all* customers, and compares with :attr:`labels_` by the
        adjusted Rand index (1 = identical partition, 0 = chance).

        Returns
        -------
        DataFrame
            ``resample`` and ``ari``.
        """
        from sklearn.metrics import adjusted_rand_score
        from sklearn.preprocessing import StandardScaler

        if not hasattr(self, "model_"):
            raise RuntimeError("NeedsSegmentation is not fitted yet: call .fit(features) first.")
        data = features[self.columns_].astype("float64").to_numpy()
        eligible = (
            np.flatnonzero(features["n_orders"].to_numpy() >= self.min_orders)
            if "n_orders" in features.columns else np.arange(len(data))
        )
        rng = np.random.default_rng(random_state)
        n_sample = max(self.k_ + 1, int(round(sample_share * len(eligible))))
        rows = []
        for b in range(n_resamples):
            pick = rng.choice(eligible, size=n_sample, replace=False)
            scaler = StandardScaler().fit(data[pick])
            model = self._model(self.k_).fit(scaler.transform(data[pick]))
            labels = model.predict(scaler.transform(data))
            rows.append({"resample": b + 1, "ari": float(adjusted_rand_score(self.labels_.to_numpy(), labels))})
        return pd.DataFrame(rows)


def adjusted_rand(labels: pd.Series, truth: pd.Series) -> float:
    """Adjusted Rand index of two labelings over the customers they share (1 = same partition)."""
    from sklearn.metrics import adjusted_rand_score

    common = labels.index.intersection(truth.dropna().index)
    if len(common) == 0:
        raise ValueError(
            f"adjusted_rand: expected shared customer ids, found none ({len(labels)} labels, {len(truth)} truth values)."
        )
    return float(adjusted_rand_score(truth.loc[common].astype("str"), labels.loc[common].astype("str")))


def segment_profiles(features: pd.DataFrame, labels: pd.Series, *, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Mean of each feature per segment, with segment sizes and a short descriptive name.

    Returns
    -------
    DataFrame
        Index: segment number; ``customers``, ``share``, ``name`` (largest
        category share and channel, e.g. ``"electronics / web"``), then the
        mean of each feature. :func:`profile_zscores` turns the means into
        standard scores for a heatmap.
    """
    columns = _feature_columns(features, columns)
    data = features.loc[labels.index, columns]
    means = data.groupby(labels.to_numpy()).mean()
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
    """Segment means as standard scores of the features (for a profile heatmap)."""
    columns = [c for c in profiles.columns if c in features.columns and c != "n_orders"]
    mean, std = features[columns].mean(), features[columns].std(ddof=0).replace(0, 1.0)
    z = (profiles[columns] - mean) / std
    z.index = [f"{i}: {n}" for i, n in zip(profiles.index, profiles["name"])]
    return z


# --------------------------------------------------------------------------
# Value x needs
# --------------------------------------------------------------------------

STRATEGIES: Mapping[str, str] = {
    "retain": "most valuable now: protect the relationship, recognise them, keep service high",
    "grow": "much more value possible: win back or develop (cross-sell, reactivation offers)",
    "maintain": "moderate value and upside: serve well at standard cost",
    "reduce cost to serve": "little value now or later: move to low-cost channels, stop costly contacts",
}
"""The four strategies of the value x needs matrix and what they mean for a manager."""


def strategy_matrix(
    value_table: pd.DataFrame,
    segments: pd.Series,
    *,
    segment_names: Mapping[Any, str] | None = None,
    tiers: Sequence[tuple[str, float]] = PYRAMID_TIERS,
    retain_tiers: int = 2,
) -> pd.DataFrame:
    """Value tiers crossed with needs segments, each cell with a strategy.

    Parameters
    ----------
    value_table : DataFrame
        From :func:`customer_value_table` (``future_value``,
        ``potential_value``), indexed by customer.
    segments : Series
        Needs segment per customer (same index; customers in only one of the
        two are left out).
    segment_names : dict, optional
        Display name per segment label.
    tiers : sequence of (name, cumulative share)
        Value tiers by future value (default Platinum 5 %, Gold 15 %, Iron
        30 %, Lead 50 %).
    retain_tiers : int
        How many top tiers are "retain".

    Returns
    -------
    DataFrame
        One row per (tier, segment) cell with customers: ``customers``,
        ``future_value`` (sum), ``potential_value`` (sum),
        ``future_value_per_customer``, ``potential_per_customer``, one
        column per strategy with the number of its customers, and
        ``strategy``, the strategy of most customers in the cell. Each
        customer's strategy: *retain* in the top tiers; otherwise *grow*
        where her potential value is above the average customer's; *reduce
        cost to serve* in the lowest tier; *maintain* in between.
    """
    common = value_table.index.intersection(segments.index)
    if len(common) == 0:
        raise ValueError(
            f"strategy_matrix: expected customers present in both the value table ({len(value_table)}) and the "
            f"segments ({len(segments)}), found none in common."
        )
    values = value_table.loc[common]
    tier = value_tiers(values["future_value"], tiers)
    segment = segments.loc[common]
    if segment_names is not None:
        segment = segment.map(lambda s: segment_names.get(s, s))
    names = [n for n, _ in tiers]
    average_potential = float(values["potential_value"].mean())
    customer_strategy = np.where(
        tier.isin(names[:retain_tiers]), "retain",
        np.where(values["potential_value"] > average_potential, "grow",
                 np.where(tier == names[-1], "reduce cost to serve", "maintain")),
    )
    frame = values.assign(tier=tier, segment=segment.astype("str").to_numpy(), strategy=customer_strategy)
    keys = ["tier", "segment"]
    cells = (
        frame.groupby(keys, observed=True)
        .agg(customers=("future_value", "size"), future_value=("future_value", "sum"),
             potential_value=("potential_value", "sum"))
    )
    counts = pd.crosstab([frame["tier"], frame["segment"]], frame["strategy"]).reindex(columns=list(STRATEGIES), fill_value=0)
    cells = cells.join(counts).reset_index()
    cells["future_value_per_customer"] = cells["future_value"] / cells["customers"]
    cells["potential_per_customer"] = cells["potential_value"] / cells["customers"]
    cells["strategy"] = cells[list(STRATEGIES)].idxmax(axis=1)
    return cells
