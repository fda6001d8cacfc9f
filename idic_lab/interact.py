"""Interact: which contacts cost what, which campaigns work, who stays and who is satisfied.

This is the **Interact** stage of the IDIC model (Peppers & Rogers): once
customers are identified and differentiated, the firm talks with them, and
every interaction should be cheaper, more useful and better targeted than the
last. This module measures that dialogue.

Inputs
    * :func:`load_inputs` — the four tables of the stage from a client's
      files or the synthetic world; :func:`load_table` reads one file.
Channels
    * :func:`channel_summary`, :func:`customer_contacts`, :func:`cost_to_serve`
      — contacts and cost per channel, per customer and per value tier.
Campaign tests
    * :func:`campaign_results`, :func:`campaign_lift`, :func:`sample_size`,
      :func:`test_power` — response per arm, absolute and relative lift with
      confidence intervals (two-proportion normal approximation or a seeded
      bootstrap), incremental revenue, and the size of a planned test.
Uplift
    * :class:`TwoModelUplift` (the "T-learner"), :class:`ClassTransformationUplift`
      (Jaskowski & Jaroszewicz 2012) and :class:`ResponseModel` (the usual
      response model, a baseline); :func:`qini_curve`, :func:`qini_coefficient`
      and :func:`uplift_by_decile` evaluate them on held-out customers
      (Radcliffe 2007); :func:`qini_by_split` repeats the evaluation over
      several seeded splits.
Retention
    * :func:`cohort_retention` — retention by first-purchase cohort for an
      explicit observation end and time unit; :func:`churn_risk` and
      :func:`win_back_targets` — P(alive) from the BG/NBD model of the
      Differentiate stage.
Satisfaction
    * :func:`nps` — Net Promoter Score (Reichheld 2003) with a confidence
      interval; :func:`key_drivers` with Johnson's (2000) relative weights
      and the Shapley/LMG decomposition of R² (Lindeman, Merenda & Gold
      1980); :func:`importance_performance` (Martilla & James 1977).
Monitoring
    * :func:`control_chart` — an EWMA or Shewhart individuals chart of a KPI
      over time (the "monitor" step) of a :func:`weekly_kpi`; :func:`simulate_kpi` — a seeded weekly
      KPI with a planted shift to teach it.

Every function takes canonical tables (see :mod:`idic_lab.schema`) and
returns a new DataFrame; inputs are never modified.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from idic_lab import differentiate as dif
from idic_lab._threads import single_threaded
from idic_lab.diagnostics import warn
from idic_lab.formatting import plain as _plain_value
from idic_lab.schema import SchemaError, as_date, check_frame, column_mapping

__all__ = [
    "CAMPAIGN_COLUMNS",
    "ChurnRisk",
    "ClassTransformationUplift",
    "InteractInputs",
    "ResponseModel",
    "TwoModelUplift",
    "campaign_test",
    "assess_churn_risk",
    "campaign_lift",
    "campaign_results",
    "channel_summary",
    "churn_risk",
    "cohort_retention",
    "control_chart",
    "cost_to_serve",
    "customer_contacts",
    "importance_performance",
    "key_drivers",
    "lmg_importance",
    "load_inputs",
    "load_table",
    "nps",
    "prepare_campaign",
    "qini_by_split",
    "qini_coefficient",
    "qini_curve",
    "qini_random_band",
    "relative_weights",
    "sample_size",
    "simulate_kpi",
    "split_campaign",
    "test_power",
    "uplift_study",
    "uplift_by_decile",
    "uplift_truth_check",
    "weekly_kpi",
    "win_back_targets",
    "ChannelCosts",
    "KpiMonitor",
    "PlantedShift",
    "RetentionCohorts",
    "ServiceCosts",
    "channel_costs",
    "monitor_kpi",
    "planted_shift",
    "retention_cohorts",
    "service_costs",
]

CAMPAIGN_COLUMNS = ("customer_id", "treatment", "outcome", "spend")
"""Canonical campaign columns that are never used as uplift features."""


# --------------------------------------------------------------------------
# checks shared by the stage
# --------------------------------------------------------------------------


def _choice(value: Any, name: str, choices: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name}={value!r}: expected one of {', '.join(map(repr, choices))}.")
    return value


def _real(value: Any, name: str, *, example: str) -> float:
    """A finite real number parameter (bools, text, NaN and infinity are refused)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name}={value!r}: expected a number, e.g. {example}, found a {type(value).__name__}.")
    if not math.isfinite(float(value)):
        raise ValueError(f"{name}={value!r}: expected a finite number, e.g. {example}.")
    return float(value)


def _whole(value: Any, name: str, *, minimum: int, example: str) -> int:
    """A whole-number parameter >= ``minimum`` (bools and fractions are refused)."""
    number = _real(value, name, example=example)
    if number != int(number) or number < minimum:
        raise ValueError(f"{name}={value!r}: expected a whole number >= {minimum}, e.g. {example}.")
    return int(number)


def _frame(data: Any, table: str) -> pd.DataFrame:
    """A non-empty DataFrame with plain, unique column names (see :func:`idic_lab.schema.check_frame`)."""
    check_frame(data, table)
    if data.empty:
        raise SchemaError(f"Table '{table}': expected at least one row, found 0 rows.", table=table, n_rows=0)
    return data


def _require(data: pd.DataFrame, table: str, columns: Sequence[str], advice: str = "") -> None:
    missing = [c for c in columns if c not in data.columns]
    if missing:
        default = (f"Map your columns onto the contract first: idic_lab.schema.validate('{table}', df, "
                   "columns={canonical: yours}).")
        raise SchemaError(
            f"Table '{table}': expected the column(s) {', '.join(columns)}, found no {', '.join(missing)} among "
            f"{list(data.columns)} ({len(data)} rows). {advice or default}",
            table=table, column=missing[0], n_rows=len(data),
        )


def _no_missing(data: pd.DataFrame, table: str, column: str, advice: str = "") -> None:
    gaps = data[column].isna()
    if gaps.any():
        raise SchemaError(
            f"Table '{table}', column '{column}': expected a value in every row, found {int(gaps.sum())} of "
            f"{len(data)} rows missing (e.g. rows {list(data.index[gaps][:3])}). "
            f"{advice or f'Fill them or drop those rows, e.g. df.dropna(subset=[{column!r}]).'}",
            table=table, column=column, n_bad=int(gaps.sum()), n_rows=len(data),
        )


def _numbers(data: pd.DataFrame, table: str, column: str, advice: str = "") -> np.ndarray:
    """Finite float values of a column: gaps, text and ±inf are refused with a count."""
    _no_missing(data, table, column, advice)
    raw = data[column]
    if pd.api.types.is_datetime64_any_dtype(raw) or isinstance(raw.dtype, pd.PeriodDtype):
        raise SchemaError(
            f"Table '{table}', column '{column}': expected numbers, found dates (dtype {raw.dtype}, {len(data)} rows).",
            table=table, column=column, n_bad=len(data), n_rows=len(data),
        )
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna()
    if bad.any():
        raise SchemaError(
            f"Table '{table}', column '{column}': expected numbers, found {int(bad.sum())} of {len(data)} rows that "
            f"are not (e.g. {raw.loc[bad].head(3).tolist()}). Fix the export, or read the table with "
            f"idic_lab.schema.validate('{table}', df) to see every unreadable value.",
            table=table, column=column, n_bad=int(bad.sum()), n_rows=len(data),
        )
    numbers = values.to_numpy(dtype="float64")
    infinite = ~np.isfinite(numbers)
    if infinite.any():
        raise SchemaError(
            f"Table '{table}', column '{column}': expected finite numbers, found {int(infinite.sum())} of {len(data)} "
            f"rows with ±inf (e.g. rows {list(data.index[infinite][:3])}). Drop or fix those rows, e.g. "
            f"df[np.isfinite(df[{column!r}])].",
            table=table, column=column, n_bad=int(infinite.sum()), n_rows=len(data),
        )
    return numbers


_BINARY_ADVICE = {
    "treatment": "Code the groups as 1 = treated, 0 = control; prepare_campaign(raw, control_value=<control label>) "
                 "does it for a column of group labels.",
    "outcome": "Code the response as 1 = responded, 0 = did not, e.g. "
               "campaign.assign(outcome=(campaign['outcome'] > 0).astype(int)) for 'any purchase'.",
}


def _binary(data: pd.DataFrame, table: str, column: str, meaning: str) -> np.ndarray:
    _no_missing(data, table, column)
    values = pd.to_numeric(data[column], errors="coerce").to_numpy(dtype="float64")  # text -> NaN
    bad = ~np.isin(values, (0.0, 1.0))  # text, ±inf and other numbers
    if bad.any():
        shown = [v if np.isnan(n) else float(n) for v, n in zip(data.loc[bad, column], values[bad])]  # text as given
        found = sorted(set(shown), key=str)[:5]
        raise SchemaError(
            f"Table '{table}', column '{column}': expected 0/1 ({meaning}), found {int(bad.sum())} of {len(data)} "
            f"rows with other values, e.g. {found}. {_BINARY_ADVICE.get(column, 'Recode the column as 0/1.')}",
            table=table, column=column, n_bad=int(bad.sum()), n_rows=len(data),
        )
    return values.astype("int64")


def _z(confidence: Any) -> float:
    level = _real(confidence, "confidence", example="0.95")
    if not 0 < level < 1:
        raise ValueError(f"confidence={confidence!r}: expected a level between 0 and 1, e.g. 0.95.")
    return float(stats.norm.ppf(0.5 + level / 2))


def _text_list(value: Any, name: str) -> list[str] | None:
    """A list of column names; a single string is refused (it would be read letter by letter)."""
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, (Sequence, pd.Index, np.ndarray)):
        raise TypeError(f"{name}={value!r}: expected a list of column names, e.g. {name}=['a', 'b'].")
    names = list(value)
    doubled = sorted({str(v) for v in names if names.count(v) > 1})
    if doubled:
        raise ValueError(f"{name}: expected each column once, found {doubled} more than once in {names}.")
    return names


# --------------------------------------------------------------------------
# loading a client's files
# --------------------------------------------------------------------------


def load_table(
    kind: str,
    path: str,
    *,
    columns: Mapping[str, str] | str | None = None,
    date_format: str | None = None,
    control_value: str | None = None,
    repeated: str = "error",
) -> pd.DataFrame:
    """Read a client's interactions, campaign or survey export and map it onto the contract.

    Parameters
    ----------
    kind : {"interactions", "campaign", "survey"}
        The canonical table (transactions: :func:`idic_lab.differentiate.load_transactions`).
    path : str
        CSV/TSV/Parquet/Excel file (see :func:`idic_lab.schema.read_file`).
    columns : dict or JSON str, optional
        ``{canonical: client column}``.
    date_format : str, optional
        strftime format of the dates (interactions' ``timestamp``).
    control_value : str, optional
        Campaign only: the label of the control group in the treatment
        column (see :func:`prepare_campaign`).
    repeated : {"error", "drop"}
        Campaign only: what to do with customers listed more than once (see
        :func:`prepare_campaign`).

    Returns
    -------
    DataFrame
        The validated canonical table.
    """
    from idic_lab.schema import read_file, validate

    _choice(kind, "kind", ("interactions", "campaign", "survey"))
    if kind != "campaign" and (control_value or repeated != "error"):
        raise ValueError(
            f"control_value={control_value!r}, repeated={repeated!r}: these apply to kind='campaign' only, "
            f"found kind={kind!r}. Leave them out."
        )
    raw = read_file(path)
    mapping = column_mapping(columns)
    if kind == "campaign":
        return _numeric_extras(prepare_campaign(raw, columns=mapping, control_value=control_value or None,
                                                repeated=repeated), CAMPAIGN_COLUMNS)
    table = validate(kind, raw, columns=mapping, date_format=date_format or None)
    return _numeric_extras(table, ("respondent_id", "customer_id")) if kind == "survey" else table


def _numeric_extras(table: pd.DataFrame, own: Sequence[str]) -> pd.DataFrame:
    """Columns read from a text file whose every value is a number, as numbers.

    Pre-treatment features and driver ratings are not part of the contract,
    so the reader leaves them as text; the models that pick "every numeric
    column" would then find none.
    """
    out = table.copy()
    for column in out.columns:
        if column in own or not (pd.api.types.is_object_dtype(out[column]) or
                                 pd.api.types.is_string_dtype(out[column])):
            continue
        text = out[column].astype("string").str.strip().replace("", pd.NA)
        numbers = pd.to_numeric(text, errors="coerce")
        if text.notna().any() and numbers.notna().sum() == text.notna().sum():
            out[column] = numbers.astype("float64")
    return out


@dataclass(frozen=True)
class InteractInputs:
    """The tables of the Interact stage and where each one came from (see :func:`load_inputs`).

    Attributes
    ----------
    world : CRMWorld or None
        The synthetic world (with its planted truth) used for every table
        without a client file; ``None`` when every table comes from a file.
    interactions, campaign, survey, transactions : DataFrame or None
        The canonical tables; ``transactions`` is cleaned. In client mode a
        table whose file was not given is ``None``.
    cleaning : CleaningReport or None
        Rows dropped from the transactions, per reason (``None`` without
        transactions).
    observation_end : str
        ISO date, the last observed day of the transactions (the given
        ``observation_end``, or empty in client mode without transactions).
    synthetic : Mapping[str, bool]
        Per table name: ``True`` if it comes from the synthetic world.
    mode : {"teaching", "client"}
        How the tables were loaded (see :func:`load_inputs`).
    """

    world: Any | None
    interactions: pd.DataFrame | None
    campaign: pd.DataFrame | None
    survey: pd.DataFrame | None
    transactions: pd.DataFrame | None
    cleaning: Any
    observation_end: str
    synthetic: Mapping[str, bool]
    mode: str = "teaching"
    files: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def record_scope(self, *, stage: str) -> None:
        """Record what data the stage worked on for the report (see :func:`idic_lab.results.record_data`).

        One entry per table that was loaded (rows, customers, period, file
        name), and the cleaning counts of the transactions.
        """
        from idic_lab.results import record_cleaning, record_data

        dates = {"interactions": "timestamp", "transactions": "date"}
        for name in ("interactions", "campaign", "survey", "transactions"):
            table = getattr(self, name)
            if table is None:
                continue
            customers = table["customer_id"].nunique() if "customer_id" in table.columns else None
            column = dates.get(name)
            start, end = (table[column].min(), table[column].max()) if column and len(table) else (None, None)
            record_data(name, rows=len(table), customers=customers, start=start, end=end,
                        file=self.files.get(name) or None)
        if self.cleaning is not None:
            record_cleaning("transactions", self.cleaning, file=self.files.get("transactions") or None)

    def sources(self) -> pd.DataFrame:
        """Rows and source ("synthetic world" or "client file") of each table.

        Returns
        -------
        DataFrame
            Index interactions, campaign, survey, transactions; columns
            ``rows`` (missing for a table not given) and ``source``
            ("client file", "synthetic world" or "not given").
        """
        tables = {"interactions": self.interactions, "campaign": self.campaign, "survey": self.survey,
                  "transactions": self.transactions}
        return pd.DataFrame({
            "rows": pd.Series({name: None if table is None else len(table) for name, table in tables.items()},
                              dtype="Int64"),
            "source": {name: "not given" if table is None else "synthetic world" if self.synthetic[name]
                       else "client file" for name, table in tables.items()},
        })


def load_inputs(
    *,
    mode: str = "teaching",
    interactions_file: str = "",
    interaction_columns: Mapping[str, str] | str | None = None,
    campaign_file: str = "",
    campaign_columns: Mapping[str, str] | str | None = None,
    control_value: str = "",
    campaign_repeated: str = "error",
    survey_file: str = "",
    survey_columns: Mapping[str, str] | str | None = None,
    transactions_file: str = "",
    transaction_columns: Mapping[str, str] | str | None = None,
    date_format: str = "",
    observation_end: str = "",
    non_product_codes: Sequence[str] | None = None,
    synthetic_customers: int = 5000,
    seed: int = 0,
) -> InteractInputs:
    """Load the four tables of the Interact stage from a client's files or the synthetic world.

    Each table with a file is read and mapped onto its contract (interactions,
    campaign and survey with :func:`load_table`, transactions with
    :func:`idic_lab.schema.read_table`); the transactions are cleaned. A
    table without a file comes from the seeded synthetic world in teaching
    mode, and is ``None`` in client mode: a client run never sees synthetic
    data.

    Parameters
    ----------
    mode : {"teaching", "client"}
        ``"teaching"``: tables without a file come from the synthetic world.
        ``"client"``: only the client's files are read; a table without a
        file is ``None`` and the synthetic world is never built.
    interactions_file, campaign_file, survey_file, transactions_file : str
        Client exports; empty: the synthetic world's table.
    interaction_columns, campaign_columns, survey_columns, transaction_columns : dict or JSON str, optional
        ``{canonical: client column}`` of the matching file; never modified.
    control_value : str
        Label of the control group in the campaign's treatment column; empty:
        the treatment is already 0/1.
    campaign_repeated : {"error", "drop"}
        Customers listed more than once in the campaign file: refuse, or
        drop them with a count (see :func:`prepare_campaign`).
    date_format : str
        strftime format of the client's dates (interactions, transactions);
        empty: detect.
    observation_end : str
        ISO date, last observed day. Client transactions are cut there. Empty:
        the world's end (synthetic transactions) or the last purchase (client).
    non_product_codes : list of str, optional
        The client's own product codes of non-product lines (fees, postage …)
        in the transactions, dropped with a count besides the built-in list.
    synthetic_customers : int
        People in the synthetic world (teaching mode only).
    seed : int
        Seed of the synthetic world.

    Returns
    -------
    InteractInputs
        The tables, the cleaning report, the observation end as an ISO string,
        and which tables are synthetic; ``world`` is ``None`` when every table
        comes from a client file.

    Raises
    ------
    ValueError
        If ``observation_end`` is not an ISO date (numbers are refused: they
        would be read as nanoseconds after 1970).
    SchemaError
        If a client file breaks its table's contract (e.g. a mapped column is absent).

    Examples
    --------
    >>> inputs = load_inputs(synthetic_customers=500, seed=1)
    >>> inputs.sources()["source"].unique().tolist()
    ['synthetic world']
    """
    from idic_lab.datasets import load_dataset
    from idic_lab.schema import clean, read_table

    _choice(mode, "mode", ("teaching", "client"))
    _choice(campaign_repeated, "campaign_repeated", ("error", "drop"))
    given_end = as_date(observation_end, "observation_end")
    observation_end = "" if given_end is None else str(given_end.date())
    _whole(synthetic_customers, "synthetic_customers", minimum=10, example="5000")
    _whole(seed, "seed", minimum=0, example="0")
    if isinstance(non_product_codes, str) or not isinstance(non_product_codes, (Sequence, type(None))):
        raise TypeError(f"non_product_codes={non_product_codes!r}: expected a list of product codes, e.g. "
                        "['POST', 'FEE'].")
    codes = [str(code) for code in non_product_codes or []]
    files = {"interactions": interactions_file, "campaign": campaign_file, "survey": survey_file,
             "transactions": transactions_file}
    for name, path in files.items():
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"{name}_file: expected a file path (text), found {type(path).__name__} {path!r}; "
                            "empty text means no file.")
    client = mode == "client"
    synthetic = {name: not path and not client for name, path in files.items()}
    world = load_dataset("synthetic", n_customers=synthetic_customers, seed=seed) if any(synthetic.values()) else None

    def table(name: str, read: Any) -> pd.DataFrame | None:
        if files[name]:
            return read()
        return None if client else getattr(world, name)

    interactions = table("interactions", lambda: load_table("interactions", interactions_file,
                                                            columns=interaction_columns, date_format=date_format))
    campaign = table("campaign", lambda: load_table("campaign", campaign_file, columns=campaign_columns,
                                                    control_value=control_value, repeated=campaign_repeated))
    survey = table("survey", lambda: load_table("survey", survey_file, columns=survey_columns))
    if transactions_file:
        transactions, cleaning = read_table("transactions", transactions_file, columns=transaction_columns,
                                            date_format=date_format or None,
                                            observation_end=observation_end or None,
                                            **({"non_product_codes": codes} if codes else {}))
        end = observation_end or str(transactions["date"].max().date())
    elif client:
        transactions, cleaning, end = None, None, observation_end
    else:
        transactions, cleaning = clean("transactions", world.transactions, observation_end=world.observation_end)
        end = observation_end or str(world.observation_end.date())
    return InteractInputs(world=world, interactions=interactions, campaign=campaign, survey=survey,
                          transactions=transactions, cleaning=cleaning, observation_end=end,
                          synthetic=MappingProxyType(synthetic), mode=mode,
                          files=MappingProxyType({name: str(path) for name, path in files.items() if path}))


def _repeats(ids: pd.Series, treatment: np.ndarray) -> tuple[pd.Series, pd.Series]:
    """Row masks: customers in both arms, and customers repeated within one arm."""
    per_row = pd.DataFrame({"id": ids.astype("str").to_numpy(), "t": treatment})
    arms = per_row.groupby("id", sort=True)["t"].transform("nunique").to_numpy()
    rows = per_row.groupby("id", sort=True)["t"].transform("size").to_numpy()
    return pd.Series(arms > 1, index=ids.index), pd.Series((arms == 1) & (rows > 1), index=ids.index)


def _check_one_row_per_customer(frame: pd.DataFrame, treatment: np.ndarray) -> None:
    """Refuse customers in both arms (they would be counted twice) or repeated within one arm."""
    if "customer_id" not in frame.columns:
        return
    _no_missing(frame, "campaign", "customer_id", "Every customer in a test needs an id; drop the rows without one.")
    both, repeated = _repeats(frame["customer_id"], treatment)
    if not (both.any() or repeated.any()):
        return
    ids = frame["customer_id"].astype("str")
    parts = []
    for mask, what in ((both, "in both arms"), (repeated, "more than once within one arm")):
        if mask.any():
            shown = sorted(ids[mask].unique())
            parts.append(f"{len(shown)} customers {what} ({int(mask.sum())} rows, e.g. {', '.join(shown[:3])})")
    n_bad = int((both | repeated).sum())
    raise SchemaError(
        f"Table 'campaign', column 'customer_id': expected each customer once, in one arm; found "
        f"{' and '.join(parts)} — {n_bad} of {len(frame)} rows. They would be counted twice and a customer in both "
        "arms has no clean effect. Fix the export, or drop them with a count: "
        "prepare_campaign(campaign, repeated='drop') (load_inputs(..., campaign_repeated='drop') for a file).",
        table="campaign", column="customer_id", n_bad=n_bad, n_rows=len(frame),
    )


def _check_arms(frame: pd.DataFrame, treatment: np.ndarray) -> None:
    for arm, name in ((0, "control group (treatment == 0)"), (1, "treated group (treatment == 1)")):
        if not (treatment == arm).any():
            raise SchemaError(
                f"Table 'campaign', column 'treatment': expected a {name}, found 0 of {len(frame)} rows "
                f"(all {len(frame)} have treatment {1 - arm}). Without a randomised control group and a treated "
                "group the effect of a campaign cannot be measured: include both groups of the test in the export.",
                table="campaign", column="treatment", n_bad=len(frame), n_rows=len(frame),
            )


def _drop_repeated(frame: pd.DataFrame) -> pd.DataFrame:
    """Identical repeated rows kept once; customers in both arms or with differing rows dropped; counted."""
    from idic_lab.schema import CleaningReport

    report = CleaningReport(table="campaign", rows_in=len(frame))
    identical = frame.duplicated(keep="first")
    report.dropped["identical repeated rows (one kept)"] = int(identical.sum())
    kept = frame.loc[~identical]
    both, repeated = _repeats(kept["customer_id"], kept["treatment"].to_numpy())
    report.dropped["customers in both arms (all their rows)"] = int(both.sum())
    report.dropped["customers repeated within one arm with different rows (all their rows)"] = int(repeated.sum())
    out = kept.loc[~(both | repeated)].copy()
    report.rows_out = len(out)
    out.attrs["cleaning"] = report
    return out


def prepare_campaign(
    raw: pd.DataFrame,
    *,
    columns: Mapping[str, str] | str | None = None,
    control_value: Any = None,
    id_from_row: bool = False,
    repeated: str = "error",
) -> pd.DataFrame:
    """Turn a campaign export into the canonical campaign table.

    Parameters
    ----------
    raw : DataFrame
        One row per customer in the test; never modified.
    columns : dict or JSON str, optional
        ``{canonical: client column}``, e.g. ``{"treatment": "segment",
        "outcome": "visit"}``.
    control_value : optional
        When the treatment column holds group labels (e.g. Hillstrom's
        ``"No E-Mail"``, ``"Mens E-Mail"``, ``"Womens E-Mail"``): the label
        of the control group. Every other label becomes treatment 1.
    id_from_row : bool
        Number the rows as ``customer_id`` when the export has no id.
    repeated : {"error", "drop"}
        A customer listed more than once would be counted more than once,
        and one in both arms has no clean effect. ``"error"`` refuses them;
        ``"drop"`` keeps one of identical repeated rows and drops every row
        of customers in both arms or with differing rows in one arm, with
        the counts in ``result.attrs["cleaning"]`` (a
        :class:`idic_lab.schema.CleaningReport`).

    Returns
    -------
    DataFrame
        Validated by :func:`idic_lab.schema.validate` (treatment 0/1), one
        row per customer, both arms present.

    Raises
    ------
    SchemaError
        If a mapped column is absent, ``control_value`` does not occur or a
        group label is missing, a customer is listed more than once (with
        ``repeated="error"``), an arm has no customers, or the table breaks
        its contract.
    """
    from idic_lab.schema import validate

    _choice(repeated, "repeated", ("error", "drop"))
    _frame(raw, "campaign")
    mapping = column_mapping(columns)
    frame = raw.copy()
    if control_value is not None:
        frame, mapping = _label_groups(frame, mapping, control_value)
    if id_from_row:
        frame["customer_id"] = [f"row{i}" for i in range(len(frame))]
        mapping.pop("customer_id", None)
    out = validate("campaign", frame, columns=mapping)
    if repeated == "drop":
        out = _drop_repeated(out)
        _frame(out, "campaign")
    treatment = out["treatment"].to_numpy()
    _check_one_row_per_customer(out, treatment)
    _check_arms(out, treatment)
    return out


def _label_groups(frame: pd.DataFrame, mapping: dict[str, str], control_value: Any) -> tuple[pd.DataFrame, dict[str, str]]:
    """Group labels -> treatment 0 (the control label) / 1 (every other label)."""
    source = mapping.get("treatment", "treatment")
    _require(frame, "campaign", [source], "Name the group column with columns={'treatment': yours}.")
    labels = frame[source].astype("string").str.strip()
    missing = labels.isna() | (labels == "")
    if missing.any():
        raise SchemaError(
            f"Table 'campaign', column '{source}': expected a group label in every row, found {int(missing.sum())} "
            f"of {len(frame)} rows without one (e.g. rows {list(frame.index[missing.to_numpy()][:3])}). A customer "
            "without a group cannot be counted in either arm: drop those rows or fill in their group.",
            table="campaign", column="treatment", n_bad=int(missing.sum()), n_rows=len(frame),
        )
    control = (labels == str(control_value).strip()).to_numpy(dtype=bool)
    if not control.any():
        found = sorted(labels.unique().tolist())[:6]
        raise SchemaError(
            f"Table 'campaign', column '{source}': expected the control label {control_value!r}, found 0 of "
            f"{len(frame)} rows with it (labels: {found}). Pass control_value= with one of those labels.",
            table="campaign", column="treatment", n_bad=len(frame), n_rows=len(frame),
        )
    frame["treatment"] = (~control).astype("int64")
    if source != "treatment":
        mapping = {k: v for k, v in mapping.items() if k != "treatment"}
    return frame, mapping


# --------------------------------------------------------------------------
# channels and cost to serve
# --------------------------------------------------------------------------


def _price_list(cost_per_contact: Any) -> pd.Series:
    """Channel -> cost of one contact, checked: finite numbers >= 0."""
    if not isinstance(cost_per_contact, (Mapping, pd.Series)) or len(cost_per_contact) == 0:
        raise TypeError(
            f"cost_per_contact: expected a non-empty mapping {{channel: cost of one contact}}, e.g. "
            f"{{'email': 0.05, 'phone': 6.0}}, found {cost_per_contact!r:.80}."
        )
    if isinstance(cost_per_contact, pd.Series) and cost_per_contact.index.has_duplicates:
        doubled = sorted({str(c) for c in cost_per_contact.index[cost_per_contact.index.duplicated()]})
        raise ValueError(f"cost_per_contact: expected one cost per channel, found {doubled} more than once. "
                         "Keep one price per channel.")
    costs = pd.Series(dict(cost_per_contact.items()), dtype="object")
    numbers = pd.to_numeric(costs, errors="coerce").astype("float64")
    bad = ~np.isfinite(numbers.to_numpy()) | (numbers.to_numpy() < 0)
    if bad.any():
        raise ValueError(
            f"cost_per_contact: expected a finite cost >= 0 for every channel, found {int(bad.sum())} of "
            f"{len(costs)} channels with {costs[bad].to_dict()}. Give each channel's cost as a number."
        )
    numbers.index = numbers.index.astype("str")
    return numbers


def _contacts(interactions: pd.DataFrame, cost_per_contact: Mapping[str, float] | pd.Series | None) -> pd.DataFrame:
    frame = _frame(interactions, "interactions")
    _require(frame, "interactions", ["customer_id", "channel"])
    _no_missing(frame, "interactions", "customer_id")
    _no_missing(frame, "interactions", "channel")
    out = pd.DataFrame({"customer_id": frame["customer_id"].astype("str"), "channel": frame["channel"].astype("str")})
    if cost_per_contact is not None:
        costs = _price_list(cost_per_contact)
        unknown = ~out["channel"].isin(costs.index)
        if unknown.any():
            raise SchemaError(
                f"Table 'interactions', column 'channel': expected a cost for every channel, found "
                f"{int(unknown.sum())} of {len(out)} rows in channels without one: "
                f"{sorted(out.loc[unknown, 'channel'].unique())[:5]} (costs given for {sorted(costs.index)}; "
                f"channels in the data: {sorted(out['channel'].unique())[:10]}). Add those channels to "
                "cost_per_contact.",
                table="interactions", column="channel", n_bad=int(unknown.sum()), n_rows=len(out),
            )
        out["cost"] = out["channel"].map(costs).to_numpy()
    elif "cost" in frame.columns:
        out["cost"] = _numbers(frame, "interactions", "cost",
                               "Give every contact a cost, or price the channels with cost_per_contact={channel: cost}.")
        if (out["cost"] < 0).any():
            n_bad = int((out["cost"] < 0).sum())
            raise SchemaError(
                f"Table 'interactions', column 'cost': expected costs >= 0, found {n_bad} of {len(out)} rows below 0. "
                "Fix those costs, or price the channels with cost_per_contact={channel: cost}.",
                table="interactions", column="cost", n_bad=n_bad, n_rows=len(out),
            )
    else:
        raise SchemaError(
            f"Table 'interactions': expected a 'cost' column or cost_per_contact={{channel: cost}}, found neither "
            f"among {list(frame.columns)} ({len(frame)} rows).",
            table="interactions", column="cost", n_rows=len(frame),
        )
    return out


def channel_summary(
    interactions: pd.DataFrame, *, cost_per_contact: Mapping[str, float] | pd.Series | None = None
) -> pd.DataFrame:
    """Contacts, customers reached and cost per channel.

    Parameters
    ----------
    interactions : DataFrame
        Canonical interactions (``customer_id``, ``channel`` and ``cost``).
    cost_per_contact : mapping, optional
        Channel → cost of one contact; overrides the ``cost`` column (for
        exports without costs, or to try other prices).

    Returns
    -------
    DataFrame
        Indexed by ``channel`` (most contacts first): ``contacts``,
        ``share_of_contacts``, ``customers`` (reached at least once),
        ``contacts_per_customer`` (among those reached), ``total_cost``,
        ``share_of_cost`` and ``cost_per_contact``.
    """
    contacts = _contacts(interactions, cost_per_contact)
    table = contacts.groupby("channel").agg(
        contacts=("customer_id", "size"), customers=("customer_id", "nunique"), total_cost=("cost", "sum")
    )
    table["share_of_contacts"] = table["contacts"] / table["contacts"].sum()
    table["contacts_per_customer"] = table["contacts"] / table["customers"]
    total = table["total_cost"].sum()
    table["share_of_cost"] = table["total_cost"] / total if total > 0 else 0.0
    table["cost_per_contact"] = table["total_cost"] / table["contacts"]
    order = ["contacts", "share_of_contacts", "customers", "contacts_per_customer", "total_cost", "share_of_cost",
             "cost_per_contact"]
    # groupby sorts the channels, so ties on both keys keep the alphabetical order
    return table[order].sort_values(["contacts", "total_cost"], ascending=False, kind="stable")


def customer_contacts(
    interactions: pd.DataFrame, *, cost_per_contact: Mapping[str, float] | pd.Series | None = None
) -> pd.DataFrame:
    """Contacts and cost to serve per customer, with the number of contacts in each channel.

    Parameters
    ----------
    interactions : DataFrame
        Canonical interactions.
    cost_per_contact : mapping, optional
        As in :func:`channel_summary`.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (sorted): ``contacts``, ``cost`` and one
        ``contacts_<channel>`` column per channel.
    """
    contacts = _contacts(interactions, cost_per_contact)
    per_channel = pd.crosstab(contacts["customer_id"], contacts["channel"]).add_prefix("contacts_")
    out = contacts.groupby("customer_id").agg(contacts=("channel", "size"), cost=("cost", "sum"))
    out = out.join(per_channel).sort_index(kind="stable")
    out.columns.name = None
    return out


def _per_customer_series(values: Any, name: str, *, numeric: bool) -> pd.Series:
    """A Series indexed by unique customer ids (as str); numeric ones finite."""
    if not isinstance(values, pd.Series) or values.empty:
        raise TypeError(f"{name}: expected a non-empty pandas Series indexed by customer_id, found {type(values).__name__}"
                        f"{' (empty)' if isinstance(values, pd.Series) else ''}.")
    out = values.copy()
    out.index = out.index.astype("str")
    doubled = out.index.duplicated(keep=False)
    if doubled.any():
        raise ValueError(
            f"{name}: expected one value per customer, found {int(doubled.sum())} of {len(out)} entries for "
            f"customers listed more than once (e.g. {sorted(set(out.index[doubled]))[:3]}). Sum or deduplicate them "
            f"first, e.g. {name}.groupby(level=0).sum()."
        )
    if numeric:
        numbers = pd.to_numeric(out, errors="coerce").astype("float64")
        bad = ~np.isfinite(numbers.to_numpy())
        if bad.any():
            raise ValueError(
                f"{name}: expected a finite number per customer, found {int(bad.sum())} of {len(out)} missing, "
                f"infinite or not numbers (e.g. customers {list(out.index[bad][:3])}). Drop or fix them first, "
                f"e.g. {name}[np.isfinite({name})]."
            )
        out = numbers
    return out


def _contacts_per_customer(contacts: pd.DataFrame) -> pd.DataFrame:
    """``contacts`` and ``cost`` per customer (ids as str), checked: one row each, finite, >= 0."""
    _require(_frame(contacts, "contacts"), "contacts", ["contacts", "cost"], "Build it with customer_contacts.")
    per = pd.DataFrame({c: _numbers(contacts, "contacts", c) for c in ("contacts", "cost")}, index=contacts.index)
    per.index = per.index.astype("str")
    if per.index.duplicated().any() or (per.to_numpy() < 0).any():
        raise SchemaError(
            f"Table 'contacts': expected one row per customer with contacts and cost >= 0, found "
            f"{int(per.index.duplicated(keep=False).sum())} repeated customers and {int((per < 0).any(axis=1).sum())} "
            f"negative rows of {len(per)}. Build it with customer_contacts(interactions).",
            table="contacts", n_rows=len(per),
        )
    return per


def cost_to_serve(contacts: pd.DataFrame, value: pd.Series, *, tiers: pd.Series | None = None) -> pd.DataFrame:
    """Cost to serve against value, per value tier.

    Parameters
    ----------
    contacts : DataFrame
        From :func:`customer_contacts` (``contacts`` and ``cost`` per customer).
    value : Series
        Value per customer, finite and >= 0 (e.g. ``past_value`` or
        ``lifetime_value`` of :func:`idic_lab.differentiate.value_table`).
        Customers in ``value`` without any contact count with 0 contacts and
        0 cost; contacts of customers without a value are left out and
        counted in ``result.attrs["contacts_without_value"]``.
    tiers : Series, optional
        Tier per customer; default :func:`idic_lab.differentiate.value_tiers`
        of ``value`` (Platinum, Gold, Iron, Lead), customers of equal value
        ranked by customer id.

    Returns
    -------
    DataFrame
        Per tier: ``customers``, ``contacts_per_customer``,
        ``cost_per_customer``, ``value_per_customer``, ``share_of_value``,
        ``share_of_cost`` and ``cost_to_value`` (cost as a share of value;
        missing, with a warning, for a tier whose value is 0). Tiers without
        customers are left out with a warning.
    """
    per = _contacts_per_customer(contacts)
    value = _per_customer_series(value, "value", numeric=True).sort_index(kind="stable")  # ties: by customer id
    if (value < 0).any() or value.sum() <= 0:
        raise ValueError(
            f"value: expected values >= 0 with a positive total, found {int((value < 0).sum())} negative of "
            f"{len(value)} customers and a total of {_plain_value(value.sum())}. Shares of value need positive values: "
            "use a value such as total spend or CLV, or value.clip(lower=0) if negatives are returns."
        )
    if tiers is None:
        tiers = dif.value_tiers(value)
    else:
        tiers = _per_customer_series(tiers, "tiers", numeric=False)
    joined = pd.DataFrame({"value": value})
    joined["tier"] = tiers.reindex(value.index)  # keeps an ordered categorical in its order
    if joined["tier"].isna().any():
        n_bad = int(joined["tier"].isna().sum())
        raise ValueError(
            f"tiers: expected a tier for every customer in value, found {n_bad} of {len(value)} without "
            f"(e.g. {list(joined.index[joined['tier'].isna()][:3])}). Give them a tier, or leave tiers out "
            "for the value pyramid."
        )
    joined = joined.join(per).fillna({"contacts": 0, "cost": 0.0})
    table = joined.groupby("tier", observed=False).agg(
        customers=("value", "size"), contacts=("contacts", "sum"), cost=("cost", "sum"), value=("value", "sum")
    )
    empty = table.index[table["customers"] == 0]
    if len(empty):
        warn(f"cost_to_serve: tiers {[str(t) for t in empty]} have no customers among the {len(value)} valued "
              "and are left out. Use fewer tiers, or value more customers.")
        table = table.loc[table["customers"] > 0]
    out = pd.DataFrame(index=table.index)
    out["customers"] = table["customers"]
    out["contacts_per_customer"] = table["contacts"] / table["customers"]
    out["cost_per_customer"] = table["cost"] / table["customers"]
    out["value_per_customer"] = table["value"] / table["customers"]
    out["share_of_value"] = table["value"] / table["value"].sum()
    out["share_of_cost"] = table["cost"] / table["cost"].sum() if table["cost"].sum() > 0 else 0.0
    out["cost_to_value"] = table["cost"] / table["value"].where(table["value"] > 0)
    no_value = out.index[table["value"] <= 0]
    if len(no_value):
        warn(f"cost_to_serve: tiers {[str(t) for t in no_value]} have a total value of 0, so their cost_to_value "
              "is undefined and left missing. Rank customers by a value that separates them (e.g. CLV).")
    out.attrs["contacts_without_value"] = int(per.loc[~per.index.isin(value.index), "contacts"].sum())
    return out


# --------------------------------------------------------------------------
# campaign tests
# --------------------------------------------------------------------------


def _campaign_arrays(campaign: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    frame = _frame(campaign, "campaign")
    _require(frame, "campaign", ["treatment", "outcome"])
    treatment = _binary(frame, "campaign", "treatment", "1 = received the campaign, 0 = control group")
    _check_one_row_per_customer(frame, treatment)
    _check_arms(frame, treatment)
    outcome = _binary(frame, "campaign", "outcome", "1 = responded, 0 = did not")
    return treatment, outcome


def _spend(campaign: pd.DataFrame) -> np.ndarray | None:
    """The campaign's ``spend`` (finite, >= 0), or None without the column."""
    if "spend" not in campaign.columns:
        return None
    advice = ("If a missing spend means no purchase, fill it with 0: campaign.fillna({'spend': 0}); or leave the "
              "column out: campaign.drop(columns='spend').")
    spend = _numbers(campaign, "campaign", "spend", advice)
    negative = spend < 0
    if negative.any():
        raise SchemaError(
            f"Table 'campaign', column 'spend': expected money spent >= 0, found {int(negative.sum())} of "
            f"{len(spend)} rows below 0 (e.g. {spend[negative][:3].tolist()}). Returns netted against purchases? "
            "Fix the export, or count them as no spend: campaign.assign(spend=campaign['spend'].clip(lower=0)).",
            table="campaign", column="spend", n_bad=int(negative.sum()), n_rows=len(spend),
        )
    return spend


def _wilson(successes: np.ndarray, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    p = successes / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return centre - half, centre + half


def campaign_results(campaign: pd.DataFrame, *, confidence: float = 0.95) -> pd.DataFrame:
    """Response per arm of a campaign test, with Wilson (1927) confidence intervals.

    Parameters
    ----------
    campaign : DataFrame
        Canonical campaign table: one row per customer, ``treatment`` 0/1
        with both arms present and ``outcome`` 0/1 (``spend`` >= 0
        optional).
    confidence : float
        Level of the intervals.

    Returns
    -------
    DataFrame
        Index ``arm`` ("control", "treated"): ``customers``, ``responders``,
        ``response_rate``, ``ci_low``, ``ci_high`` and, with ``spend``,
        ``revenue`` and ``revenue_per_customer``.

    Raises
    ------
    SchemaError
        If an arm is empty, a customer is listed twice, ``treatment`` or
        ``outcome`` is not 0/1, or ``spend`` is missing, negative or infinite.
    """
    treatment, outcome = _campaign_arrays(campaign)
    z = _z(confidence)
    spend = _spend(campaign)
    n = np.array([(treatment == 0).sum(), (treatment == 1).sum()], dtype="float64")
    hits = np.array([outcome[treatment == 0].sum(), outcome[treatment == 1].sum()], dtype="float64")
    low, high = _wilson(hits, n, z)
    out = pd.DataFrame(
        {"customers": n.astype("int64"), "responders": hits.astype("int64"), "response_rate": hits / n,
         "ci_low": low, "ci_high": high},
        index=pd.Index(["control", "treated"], name="arm"),
    )
    if spend is not None:
        out["revenue"] = [spend[treatment == 0].sum(), spend[treatment == 1].sum()]
        out["revenue_per_customer"] = out["revenue"] / out["customers"]
    return out


def _lift_inputs(campaign: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, tuple | None]:
    """Outcome per arm (treated, control) and spend per arm, refusing tests whose lift cannot be measured."""
    treatment, outcome = _campaign_arrays(campaign)
    spend = _spend(campaign)
    sizes = {"control": int((treatment == 0).sum()), "treated": int((treatment == 1).sum())}
    if min(sizes.values()) < 2:
        raise SchemaError(
            f"Table 'campaign', column 'treatment': expected at least 2 customers in each arm to estimate a lift, "
            f"found {sizes} of {len(treatment)} rows. Test more customers.",
            table="campaign", column="treatment", n_bad=min(sizes.values()), n_rows=len(treatment),
        )
    if outcome.min() == outcome.max():
        raise SchemaError(
            f"Table 'campaign', column 'outcome': expected responders and non-responders, found outcome "
            f"{int(outcome[0])} in all {len(outcome)} rows. A lift cannot be measured when nobody (or everybody) "
            "responds: check that outcome is the response (1 = responded), or wait for responses.",
            table="campaign", column="outcome", n_bad=len(outcome), n_rows=len(outcome),
        )
    arms = None if spend is None else (spend[treatment == 1], spend[treatment == 0])
    return outcome[treatment == 1].astype("float64"), outcome[treatment == 0].astype("float64"), arms


def _degenerate_arms(y1: np.ndarray, y0: np.ndarray) -> list[str]:
    notes = []
    for name, y in (("treated", y1), ("control", y0)):
        if y.min() == y.max():
            notes.append(f"the {name} group has {'only' if y[0] else 'no'} responders ({int(y.sum())} of {len(y)})")
    return notes


def _bootstrap_interval(estimate: float, draws: np.ndarray, alpha: float) -> tuple[float, float, float] | None:
    """Percentile interval; None when a bound falls among undefined (+inf) draws."""
    capped = np.where(np.isfinite(draws), draws, np.finfo("float64").max)
    low, high = np.quantile(capped, [alpha, 1 - alpha])
    if high >= np.finfo("float64").max / 2:
        return None
    return estimate, float(low), float(high)


def _lift_normal(y1: np.ndarray, y0: np.ndarray, spend: tuple | None, z: float) -> dict[str, tuple[float, float, float]]:
    n1, n0, p1, p0 = len(y1), len(y0), y1.mean(), y0.mean()
    rows: dict[str, tuple[float, float, float]] = {}
    low1, high1 = _wilson(np.array([y1.sum()]), np.array([n1]), z)
    low0, high0 = _wilson(np.array([y0.sum()]), np.array([n0]), z)
    rows["response_rate_treated"] = (p1, float(low1[0]), float(high1[0]))
    rows["response_rate_control"] = (p0, float(low0[0]), float(high0[0]))
    se = math.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    rows["absolute_lift"] = (p1 - p0, p1 - p0 - z * se, p1 - p0 + z * se)
    if p1 > 0 and p0 > 0:  # the log risk ratio needs responders in both arms
        se_log = math.sqrt((1 - p1) / (n1 * p1) + (1 - p0) / (n0 * p0))
        ratio = p1 / p0
        rows["relative_lift"] = (ratio - 1, ratio * math.exp(-z * se_log) - 1, ratio * math.exp(z * se_log) - 1)
    if spend is not None:
        s1, s0 = spend
        diff = s1.mean() - s0.mean()
        se_s = math.sqrt(s1.var(ddof=1) / n1 + s0.var(ddof=1) / n0)
        rows["incremental_revenue_per_customer"] = (diff, diff - z * se_s, diff + z * se_s)
    return rows


def _lift_bootstrap(y1: np.ndarray, y0: np.ndarray, spend: tuple | None, confidence: float, n_bootstrap: int,
                    seed: int) -> dict[str, tuple[float, float, float]]:
    rng = np.random.default_rng(seed)
    n1, n0, p1, p0 = len(y1), len(y0), y1.mean(), y0.mean()
    i1 = rng.integers(0, n1, size=(n_bootstrap, n1))
    i0 = rng.integers(0, n0, size=(n_bootstrap, n0))
    b1, b0 = y1[i1].mean(axis=1), y0[i0].mean(axis=1)
    alpha = (1 - confidence) / 2
    rows: dict[str, tuple[float, float, float]] = {}
    for name, estimate, draws in (("response_rate_treated", p1, b1), ("response_rate_control", p0, b0),
                                  ("absolute_lift", p1 - p0, b1 - b0)):
        rows[name] = (estimate, float(np.quantile(draws, alpha)), float(np.quantile(draws, 1 - alpha)))
    if p0 > 0:
        # a resample without control responders has an unbounded ratio: +inf, never silently left out
        ratio = np.divide(b1, b0, out=np.full(n_bootstrap, np.inf), where=b0 > 0) - 1
        interval = _bootstrap_interval(p1 / p0 - 1, ratio, alpha)
        if interval is not None:
            rows["relative_lift"] = interval
    if spend is not None:
        s1, s0 = spend
        draws = s1[i1].mean(axis=1) - s0[i0].mean(axis=1)
        rows["incremental_revenue_per_customer"] = (
            s1.mean() - s0.mean(), float(np.quantile(draws, alpha)), float(np.quantile(draws, 1 - alpha)))
    return rows


def campaign_lift(
    campaign: pd.DataFrame,
    *,
    confidence: float = 0.95,
    method: str = "normal",
    n_bootstrap: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """Absolute and relative lift of a campaign over its control group, and incremental revenue.

    Parameters
    ----------
    campaign : DataFrame
        Canonical campaign table (one row per customer, ``treatment`` and
        ``outcome`` 0/1, at least 2 customers per arm and some responders;
        ``spend`` >= 0 optional).
    confidence : float
        Level of the intervals.
    method : {"normal", "bootstrap"}
        ``"normal"``: the two-proportion normal approximation (unpooled
        standard error) for the absolute lift, the log risk ratio (Katz et
        al. 1978) for the relative lift, Welch's standard error for revenue.
        ``"bootstrap"``: percentile intervals from ``n_bootstrap`` resamples
        within each arm (Efron & Tibshirani 1993), seeded.
    n_bootstrap : int
        Resamples for ``method="bootstrap"`` (at least 100).
    seed : int
        Seed of the bootstrap.

    Returns
    -------
    DataFrame
        Index ``measure``: ``response_rate_treated``,
        ``response_rate_control``, ``absolute_lift`` (percentage points as a
        fraction), ``relative_lift`` (treated / control − 1),
        ``incremental_responders`` (absolute lift × treated customers) and,
        with ``spend``, ``incremental_revenue_per_customer`` and
        ``incremental_revenue`` (× treated customers); columns ``estimate``,
        ``ci_low``, ``ci_high``. ``attrs["p_value"]``: two-sided pooled
        two-proportion z test of no lift.

    Warns
    -----
    IdicLabWarning
        If an arm has no (or only) responders: its interval has no width,
        and ``relative_lift`` is left out when the ratio or its interval is
        undefined (the warning says which); likewise for a bootstrap
        interval whose bound falls among resamples without control
        responders.

    Raises
    ------
    SchemaError
        If the table breaks the checks of :func:`campaign_results`, an arm
        has fewer than 2 customers, or nobody (or everybody) responded.
    """
    _choice(method, "method", ("normal", "bootstrap"))
    z = _z(confidence)
    n_bootstrap = _whole(n_bootstrap, "n_bootstrap", minimum=100, example="2000")
    seed = _whole(seed, "seed", minimum=0, example="0")
    y1, y0, arms = _lift_inputs(campaign)
    n1, n0 = len(y1), len(y0)
    pooled = (y1.sum() + y0.sum()) / (n1 + n0)
    se_pooled = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))  # > 0: some but not all responded
    p_value = float(2 * stats.norm.sf(abs(y1.mean() - y0.mean()) / se_pooled))
    if method == "normal":
        rows = _lift_normal(y1, y0, arms, z)
    else:
        rows = _lift_bootstrap(y1, y0, arms, float(confidence), n_bootstrap, seed)
    _warn_degenerate_lift(y1, y0, "relative_lift" in rows, method)
    rows["incremental_responders"] = tuple(v * n1 for v in rows["absolute_lift"])  # type: ignore[assignment]
    if "incremental_revenue_per_customer" in rows:
        rows["incremental_revenue"] = tuple(v * n1 for v in rows["incremental_revenue_per_customer"])  # type: ignore[assignment]
    order = ["response_rate_treated", "response_rate_control", "absolute_lift", "relative_lift",
             "incremental_revenue_per_customer", "incremental_responders", "incremental_revenue"]
    out = pd.DataFrame.from_dict({k: rows[k] for k in order if k in rows}, orient="index",
                                 columns=["estimate", "ci_low", "ci_high"])
    out.index.name = "measure"
    out.attrs.update({"p_value": p_value, "method": method, "confidence": confidence, "n_treated": n1, "n_control": n0})
    return out


@dataclass(frozen=True)
class CampaignTest:
    """A campaign test read two ways (:func:`campaign_test`): normal-approximation and bootstrap intervals."""

    normal: pd.DataFrame
    bootstrap: pd.DataFrame
    confidence: float

    @property
    def p_value(self) -> float:
        """Two-sided p-value of "no lift" (pooled two-proportion z test)."""
        return float(self.normal.attrs["p_value"])

    def table(self) -> pd.DataFrame:
        """Both estimates side by side: columns (method, estimate/ci_low/ci_high)."""
        return pd.concat({"normal approximation": self.normal, "bootstrap": self.bootstrap}, axis=1)

    def headline(self) -> dict[str, Any]:
        """The figures a report records: lift, its interval, relative lift, p-value, incremental revenue."""
        lift = self.normal
        out = {"control_group": True,
               "absolute_lift": round(float(lift.loc["absolute_lift", "estimate"]), 4),
               "absolute_lift_ci": [round(float(v), 4) for v in lift.loc["absolute_lift", ["ci_low", "ci_high"]]],
               "relative_lift": round(float(lift.loc["relative_lift", "estimate"]), 4),
               "p_value": self.p_value}
        if "incremental_revenue" in lift.index:
            out["incremental_revenue"] = round(float(lift.loc["incremental_revenue", "estimate"]), 2)
        return out

    def finding(self) -> str:
        """One sentence for the report: did the campaign change the response rate, by how much, how surely."""
        from idic_lab.formatting import number, percent

        low, high = self.normal.loc["absolute_lift", ["ci_low", "ci_high"]]
        rates = self.normal["estimate"]
        verdict = "raised" if low > 0 else "lowered" if high < 0 else "did not measurably change"
        return (f"The campaign {verdict} the response rate: {percent(rates['response_rate_treated'], 1)} of treated "
                f"against {percent(rates['response_rate_control'], 1)} of control customers, a difference of "
                f"{number(100 * rates['absolute_lift'], 1)} points ({percent(self.confidence)} interval "
                f"{number(100 * low, 1)} to {number(100 * high, 1)}).")


def campaign_test(
    campaign: pd.DataFrame, *, confidence: float = 0.95, n_bootstrap: int = 2000, seed: int = 0
) -> CampaignTest:
    """Read a randomised campaign test: :func:`campaign_lift` by the normal approximation and by the bootstrap.

    Parameters
    ----------
    campaign : DataFrame
        Canonical campaign table (``treatment``, ``outcome``, optional ``spend``).
    confidence : float
        Level of the intervals.
    n_bootstrap, seed : int
        Resamples and seed of the bootstrap.

    Returns
    -------
    CampaignTest
    """
    normal = campaign_lift(campaign, confidence=confidence)
    boot = campaign_lift(campaign, confidence=confidence, method="bootstrap", n_bootstrap=n_bootstrap, seed=seed)
    return CampaignTest(normal=normal, bootstrap=boot, confidence=float(confidence))


def _warn_degenerate_lift(y1: np.ndarray, y0: np.ndarray, has_relative: bool, method: str) -> None:
    notes = _degenerate_arms(y1, y0)
    if notes:
        notes = [f"{'; '.join(notes)}: its rate shows no variance in the {method} interval, so the absolute lift's "
                 "interval understates the uncertainty (test more customers)"]
    if not has_relative:
        reason = ("the control group has no responders, so the ratio treated / control is unbounded" if y0.max() == 0
                  else "the treated group has no responders, so the log risk-ratio interval is undefined"
                  if y1.max() == 0 else
                  f"the {method} resamples without control responders reach the interval's upper bound")
        notes.append(f"relative_lift is left out: {reason}; read the absolute lift instead")
    if notes:
        warn(f"campaign_lift: {'. '.join(notes)}.")


def _check_rate(value: Any, name: str) -> float:
    rate = _real(value, name, example="0.05")
    if not 0 < rate < 1:
        raise ValueError(f"{name}={value!r}: expected a rate between 0 and 1 (exclusive), e.g. 0.05.")
    return rate


def _planned_rates(baseline_rate: Any, minimum_lift: Any, alpha: Any) -> tuple[float, float]:
    """Control and treated rates of a planned test (both strictly between 0 and 1, lift not 0)."""
    p0 = _check_rate(baseline_rate, "baseline_rate")
    lift = _real(minimum_lift, "minimum_lift", example="0.02 (two points)")
    if lift == 0:
        raise ValueError("minimum_lift=0: expected a lift other than zero, e.g. 0.02 (two points); a test cannot "
                         "be sized or powered for no effect.")
    p1 = p0 + lift
    if not 0 < p1 < 1:
        raise ValueError(f"baseline_rate + minimum_lift={p1!r}: expected a rate between 0 and 1 (exclusive); "
                         f"choose a smaller minimum_lift than {minimum_lift!r}.")
    _check_rate(alpha, "alpha")
    return p0, p1


def sample_size(
    baseline_rate: float, minimum_lift: float, *, alpha: float = 0.05, power: float = 0.8, ratio: float = 1.0
) -> dict[str, int]:
    """Customers needed to detect an absolute lift in a response rate (two-sided test).

    The normal-approximation formula for two proportions without continuity
    correction (Fleiss, Levin & Paik 2003, eq. 4.14), with a pooled variance
    under the null and unpooled under the alternative.

    Parameters
    ----------
    baseline_rate : float
        Expected response rate of the control group, e.g. 0.09.
    minimum_lift : float
        Smallest absolute lift worth detecting, e.g. 0.02 (two points).
    alpha : float
        Two-sided significance level.
    power : float
        Probability of detecting the lift if it is real.
    ratio : float
        Treated customers per control customer (1 = equal arms).

    Returns
    -------
    dict
        ``control``, ``treated`` and ``total`` customers (rounded up).
    """
    p0, p1 = _planned_rates(baseline_rate, minimum_lift, alpha)
    _check_rate(power, "power")
    if _real(ratio, "ratio", example="1.0") <= 0:
        raise ValueError(f"ratio={ratio!r}: expected treated per control customer > 0, e.g. 1.0 for equal arms.")
    z_a, z_b = stats.norm.ppf(1 - alpha / 2), stats.norm.ppf(power)
    p_bar = (p0 + ratio * p1) / (1 + ratio)
    numerator = z_a * math.sqrt(p_bar * (1 - p_bar) * (1 + 1 / ratio)) + z_b * math.sqrt(p0 * (1 - p0) + p1 * (1 - p1) / ratio)
    n_control = math.ceil(numerator**2 / (p1 - p0) ** 2 - 1e-9)
    n_treated = math.ceil(ratio * n_control - 1e-9)
    return {"control": n_control, "treated": n_treated, "total": n_control + n_treated}


def test_power(baseline_rate: float, minimum_lift: float, n_per_arm: int, *, alpha: float = 0.05) -> float:
    """Power of a two-sided two-proportion test with ``n_per_arm`` customers in each arm.

    Parameters
    ----------
    baseline_rate, minimum_lift, alpha
        As in :func:`sample_size`.
    n_per_arm : int
        Customers in each of the two arms.

    Returns
    -------
    float
        Probability of a significant result if the lift is real (the far
        tail is ignored, as in :func:`sample_size`).
    """
    p0, p1 = _planned_rates(baseline_rate, minimum_lift, alpha)
    n_per_arm = _whole(n_per_arm, "n_per_arm", minimum=2, example="1000 (at least 2 customers per arm)")
    z_a = stats.norm.ppf(1 - alpha / 2)
    p_bar = (p0 + p1) / 2
    se0 = math.sqrt(2 * p_bar * (1 - p_bar) / n_per_arm)
    se1 = math.sqrt((p0 * (1 - p0) + p1 * (1 - p1)) / n_per_arm)
    return float(stats.norm.cdf((abs(p1 - p0) - z_a * se0) / se1))


test_power.__test__ = False  # type: ignore[attr-defined]  # not a pytest test, despite the name


# --------------------------------------------------------------------------
# uplift
# --------------------------------------------------------------------------


def _share(value: Any, name: str) -> float:
    share = _real(value, name, example="0.3")
    if not 0 < share < 1:
        raise ValueError(f"{name}={value!r}: expected a share between 0 and 1 (exclusive), e.g. 0.3.")
    return share


def split_campaign(campaign: pd.DataFrame, *, test_size: float = 0.3, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split a campaign into training and held-out customers, stratified by arm and outcome.

    Parameters
    ----------
    campaign : DataFrame
        Canonical campaign table (one row per customer, both arms).
    test_size : float
        Share of customers held out for evaluation.
    seed : int
        Seed of the split.

    Returns
    -------
    (DataFrame, DataFrame)
        Training and test rows (copies, original index kept), each in the
        seeded random order of the split; both hold customers of both arms.

    Raises
    ------
    SchemaError
        If an arm is too small to put customers of it in both halves (the
        message gives the minimum for this ``test_size``).
    """
    from sklearn.model_selection import train_test_split

    treatment, outcome = _campaign_arrays(campaign)
    test_size = _share(test_size, "test_size")
    seed = _whole(seed, "seed", minimum=0, example="0")
    strata = treatment * 2 + outcome
    counts = np.bincount(strata, minlength=4)
    stratify = strata if counts[counts > 0].min() >= 2 else treatment
    n_classes = len(np.unique(stratify))
    n_test = math.ceil(test_size * len(campaign))
    needed = max(2, math.ceil(1 / test_size), math.ceil(1 / (1 - test_size)) + 1)  # per arm, to reach both halves
    arm_sizes = {"control": int((treatment == 0).sum()), "treated": int((treatment == 1).sum())}
    if min(arm_sizes.values()) < needed or min(n_test, len(campaign) - n_test) < n_classes:
        _refuse_split(arm_sizes, needed, test_size, len(campaign))
    train, test = train_test_split(campaign, test_size=test_size, random_state=seed, stratify=stratify)
    for half in (train, test):
        if half["treatment"].nunique() < 2:  # possible when an arm has very few customers in a stratum
            _refuse_split(arm_sizes, 2 * needed, test_size, len(campaign))
    return train.copy(), test.copy()


def _refuse_split(arm_sizes: dict[str, int], needed: int, test_size: float, n_rows: int) -> None:
    raise SchemaError(
        f"Table 'campaign', column 'treatment': expected at least {needed} customers in each arm to put some of "
        f"both arms into the training and the held-out part (test_size={test_size}), found {arm_sizes} of {n_rows} "
        "rows. Test more customers, or evaluate the campaign without a model (campaign_lift).",
        table="campaign", column="treatment", n_bad=min(arm_sizes.values()), n_rows=n_rows,
    )


def _feature_columns(campaign: pd.DataFrame, features: Sequence[str] | None) -> list[str]:
    if features is None:
        chosen = [c for c in campaign.columns if c not in CAMPAIGN_COLUMNS and pd.api.types.is_numeric_dtype(campaign[c])
                  and not pd.api.types.is_bool_dtype(campaign[c])]
        if not chosen:
            raise SchemaError(
                f"Table 'campaign': expected numeric pre-treatment feature columns besides {', '.join(CAMPAIGN_COLUMNS)}, "
                f"found none among {list(campaign.columns)} ({len(campaign)} rows). Add pre-treatment features "
                "(e.g. past spend, recency) to the export, or name them with features=[...].",
                table="campaign", n_rows=len(campaign),
            )
        return chosen
    features = _text_list(features, "features") or []
    if not features:
        raise ValueError("features=[]: expected at least one pre-treatment feature column, or None for every "
                         "numeric column besides the campaign's own.")
    _require(campaign, "campaign", features, "Pass features= with columns of the campaign table.")
    forbidden = [c for c in features if c in CAMPAIGN_COLUMNS]
    if forbidden:
        raise ValueError(f"features: {forbidden} are not pre-treatment features (they are set by or after the "
                         f"campaign); choose among {[c for c in campaign.columns if c not in CAMPAIGN_COLUMNS]}.")
    return features


def _design(campaign: pd.DataFrame, features: list[str]) -> np.ndarray:
    _require(campaign, "campaign", features, "Score a table with the same features the model was fitted on.")
    return np.column_stack([_numbers(campaign, "campaign", c) for c in features])


_LEAF = 80  # customers per leaf of the default model


def _default_classifier(seed: int) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(
        max_iter=100, learning_rate=0.05, max_depth=2, min_samples_leaf=_LEAF, l2_regularization=1.0, random_state=seed
    )


def _seeded(estimator: Any, seed: int) -> Any:
    """A clone of ``estimator`` whose unset random states (also inside a Pipeline) are ``seed``."""
    from sklearn.base import clone

    model = clone(estimator)
    unset = {k: seed for k, v in model.get_params(deep=True).items() if k.endswith("random_state") and v is None}
    return model.set_params(**unset) if unset else model


MIN_RESPONSES_PER_ARM = 5
"""Responders and non-responders each arm needs before an uplift model is fitted."""


class _UpliftBase:
    """Shared fitting checks of the uplift models."""

    _arms: tuple[str, ...] = ("treated", "control")  # the arms each fitted classifier learns from
    _per_model = False  # True: one classifier per arm; False: one classifier on the arms together

    def __init__(self, *, features: Sequence[str] | None = None, estimator: Any = None, seed: int = 0) -> None:
        self.features = features
        self.estimator = estimator
        self.seed = seed

    def get_params(self) -> dict[str, Any]:
        """The constructor arguments (scikit-learn convention)."""
        return {"features": self.features, "estimator": self.estimator, "seed": self.seed}

    def _new_estimator(self) -> Any:
        if self.estimator is None:
            return _default_classifier(self.seed)
        return _seeded(self.estimator, self.seed)

    def _prepare(self, campaign: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
        treatment, outcome = _campaign_arrays(campaign)
        _whole(self.seed, "seed", minimum=0, example="0")
        if self.estimator is not None and not (hasattr(self.estimator, "fit") and hasattr(self.estimator, "predict_proba")):
            raise TypeError(f"estimator={self.estimator!r}: expected a scikit-learn classifier with fit and "
                            "predict_proba, e.g. LogisticRegression(max_iter=1000), or None for the default model.")
        features = _feature_columns(campaign, self.features)
        for arm in (0, 1):
            arm_outcome = outcome[treatment == arm]
            responders = int(arm_outcome.sum())
            if min(responders, len(arm_outcome) - responders) < MIN_RESPONSES_PER_ARM:
                raise SchemaError(
                    f"Table 'campaign', column 'outcome': expected responders and non-responders in the "
                    f"{'treated' if arm else 'control'} group (at least {MIN_RESPONSES_PER_ARM} of each to learn "
                    f"from), found {responders} responders and {len(arm_outcome) - responders} non-responders among "
                    f"its {len(arm_outcome)} rows. Use a larger test, or measure the average effect with campaign_lift.",
                    table="campaign", column="outcome", n_bad=len(arm_outcome), n_rows=len(campaign),
                )
        x = _design(campaign, features)
        self._check_size(treatment)
        return x, treatment, outcome, features

    def _check_size(self, treatment: np.ndarray) -> None:
        """The default trees need two leaves of ``_LEAF`` customers to split at all."""
        if self.estimator is not None:
            return
        sizes = {"treated": int(treatment.sum()), "control": int((1 - treatment).sum())}
        found = ({arm: sizes[arm] for arm in self._arms} if self._per_model
                 else {" + ".join(self._arms): sum(sizes[a] for a in self._arms)})
        if min(found.values()) < 2 * _LEAF:
            raise SchemaError(
                f"Table 'campaign': {type(self).__name__} with its default model needs at least {2 * _LEAF} customers "
                f"{'in each of ' if self._per_model else 'in '}{' and '.join(found)} to split its trees (at least "
                f"{_LEAF} per leaf), found {found}; it would give every customer the same score. Use a larger "
                "test, or pass a simpler model, e.g. estimator=LogisticRegression(max_iter=1000).",
                table="campaign", column="treatment", n_bad=min(found.values()), n_rows=len(treatment),
            )

    def _fit_estimator(self, x: np.ndarray, y: np.ndarray, **fit_params: Any) -> Any:
        estimator = self._new_estimator()
        try:
            return estimator.fit(x, y, **fit_params)
        except (ValueError, TypeError) as exc:
            raise ValueError(
                f"{type(self).__name__}: the estimator {type(estimator).__name__} could not be fitted on {len(y)} "
                f"customers ({int(y.sum())} positive): {exc} Choose another estimator, or leave estimator=None."
            ) from exc

    def _finish(self, campaign: pd.DataFrame, x: np.ndarray, features: list[str]) -> None:
        """Set ``features_`` and warn if the model scores every training customer alike."""
        self.features_ = features
        self.n_train_ = len(x)
        scores = self._score(x)
        if np.ptp(scores) == 0:
            warn(f"{type(self).__name__}: the fitted model gives all {len(x)} training customers the same score "
                  f"({_plain_value(scores[0])}); it found no pattern in the features {features}. Its Qini equals random "
                  "targeting: try other features, more customers, or another estimator.")

    def _fitted(self) -> None:
        if not hasattr(self, "features_"):
            raise RuntimeError(f"{type(self).__name__} is not fitted yet: call .fit(campaign) first.")

    @single_threaded
    def predict(self, campaign: pd.DataFrame) -> pd.Series:
        """Predicted uplift (or score) per row of ``campaign``, indexed like it."""
        self._fitted()
        x = _design(_frame(campaign, "campaign"), self.features_)
        return pd.Series(self._score(x), index=campaign.index, name="uplift")

    def _score(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class TwoModelUplift(_UpliftBase):
    """Uplift as the difference of two response models (the "two-model" or T-learner approach).

    One classifier learns P(response | x) on the treated customers, another
    on the control group; the uplift of a customer is the difference of
    their predictions (Hansotia & Rukstales 2002; Künzel et al. 2019 call it
    the T-learner).

    Parameters
    ----------
    features : list of str, optional
        Pre-treatment columns; default all numeric non-canonical columns.
    estimator : scikit-learn classifier, optional
        Cloned for each arm (unset random states set to ``seed``); default a
        small, strongly regularised histogram gradient boosting model (trees
        of depth 2, at least 80 customers per leaf, so at least 160 customers
        per arm): uplift is a small difference of two noisy rates and
        overfits easily.
    seed : int
        Random state of the estimator.

    Attributes
    ----------
    features_ : list of str
    model_treated_, model_control_ : fitted classifiers

    Notes
    -----
    Fitting needs at least :data:`MIN_RESPONSES_PER_ARM` responders and
    non-responders in each arm; it warns (:class:`IdicLabWarning`) when the
    fitted model scores every training customer alike.
    """

    _per_model = True

    @single_threaded
    def fit(self, campaign: pd.DataFrame) -> TwoModelUplift:
        """Fit both response models on a campaign table; returns self."""
        x, treatment, outcome, features = self._prepare(campaign)
        self.model_treated_ = self._fit_estimator(x[treatment == 1], outcome[treatment == 1])
        self.model_control_ = self._fit_estimator(x[treatment == 0], outcome[treatment == 0])
        self._finish(campaign, x, features)
        return self

    def _score(self, x: np.ndarray) -> np.ndarray:
        return self.model_treated_.predict_proba(x)[:, 1] - self.model_control_.predict_proba(x)[:, 1]


class ClassTransformationUplift(_UpliftBase):
    """Uplift from one classifier on a transformed class (Jaskowski & Jaroszewicz 2012).

    The new class is ``z = 1`` for treated responders and control
    non-responders, ``z = 0`` otherwise. With equally large arms,
    uplift(x) = 2 P(z = 1 | x) − 1. Unequal arms are reweighted (treated rows
    by 0.5 / share treated, control rows by 0.5 / share control) so that the
    identity still holds.

    Parameters, attributes
        As :class:`TwoModelUplift` (the default model needs 160 customers in
        both arms together); ``model_`` is the fitted classifier.
    """

    @single_threaded
    def fit(self, campaign: pd.DataFrame) -> ClassTransformationUplift:
        """Fit the classifier of the transformed class; returns self."""
        x, treatment, outcome, features = self._prepare(campaign)
        z = (outcome == treatment).astype("int64")
        share = treatment.mean()
        weights = np.where(treatment == 1, 0.5 / share, 0.5 / (1 - share))
        estimator = self._new_estimator()
        if hasattr(estimator, "steps"):  # a Pipeline routes the weights to its last step
            self.model_ = self._fit_estimator(x, z, **{f"{estimator.steps[-1][0]}__sample_weight": weights})
        else:
            self.model_ = self._fit_estimator(x, z, sample_weight=weights)
        self._finish(campaign, x, features)
        return self

    def _score(self, x: np.ndarray) -> np.ndarray:
        return 2 * self.model_.predict_proba(x)[:, 1] - 1


class ResponseModel(_UpliftBase):
    """The usual response model: P(response | x, treated), used as a (poor) uplift score.

    This is what most campaigns target with, and the baseline an uplift model
    must beat: it finds customers who respond, including those who would
    have responded anyway.

    Parameters, attributes
        As :class:`TwoModelUplift` (the default model needs 160 treated
        customers); ``model_`` is the fitted classifier.
    """

    _arms = ("treated",)

    @single_threaded
    def fit(self, campaign: pd.DataFrame) -> ResponseModel:
        """Fit the response model on the treated customers; returns self."""
        x, treatment, outcome, features = self._prepare(campaign)
        self.model_ = self._fit_estimator(x[treatment == 1], outcome[treatment == 1])
        self._finish(campaign, x, features)
        return self

    def _score(self, x: np.ndarray) -> np.ndarray:
        return self.model_.predict_proba(x)[:, 1]


def _aligned_scores(scores: Any, campaign: pd.DataFrame) -> np.ndarray:
    """Scores in the row order of ``campaign``: a Series is matched by its index (rows or customer ids)."""
    if isinstance(scores, pd.Series) and not scores.index.equals(campaign.index):
        by_row = scores.index.is_unique and campaign.index.is_unique and scores.index.isin(campaign.index).all()
        if by_row and len(scores) == len(campaign):
            return scores.reindex(campaign.index).to_numpy()
        ids = campaign["customer_id"].astype("str") if "customer_id" in campaign.columns else None
        labels = scores.index.astype("str")
        if ids is not None and labels.is_unique and ids.isin(labels).all() and len(scores) == len(campaign):
            return scores.set_axis(labels).reindex(ids).to_numpy()
        raise ValueError(
            f"scores: a Series must be indexed like the campaign rows or by their customer_id, found "
            f"{int((~scores.index.isin(campaign.index)).sum())} of {len(scores)} labels that are neither. Index "
            "the scores like the campaign (model.predict(campaign) does), or pass scores.to_numpy() for scores "
            "in the campaign's row order."
        )
    return scores.to_numpy() if isinstance(scores, pd.Series) else scores


def _scored(scores: pd.Series | np.ndarray, campaign: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    treatment, outcome = _campaign_arrays(campaign)
    try:
        values = np.asarray(_aligned_scores(scores, campaign), dtype="float64")
    except (TypeError, ValueError) as exc:
        if str(exc).startswith("scores:"):
            raise
        raise TypeError(f"scores: expected numbers, one per campaign row, found {type(scores).__name__} that are "
                        f"not ({exc}).") from exc
    if values.shape != (len(campaign),):
        raise ValueError(f"scores: expected one score per campaign row ({len(campaign)}), found shape {values.shape}.")
    if not np.isfinite(values).all():
        raise ValueError(
            f"scores: expected finite numbers, found {int((~np.isfinite(values)).sum())} of {len(values)} missing or "
            "infinite. Score every customer (model.predict) or drop the unscored rows from both."
        )
    if len(values) > 1 and np.ptp(values) == 0:
        warn(f"scores: all {len(values)} scores are equal ({_plain_value(values[0])}): targeting by them is random "
              "targeting, so the Qini is 0 and every customer falls in one bin. Check the model that made them.")
    return values, treatment, outcome


def qini_curve(scores: pd.Series | np.ndarray, campaign: pd.DataFrame) -> pd.DataFrame:
    """Cumulative uplift gain when customers are targeted from the highest score down (Radcliffe 2007).

    At each share φ of customers targeted (highest scores first), the gain is
    ``R_T(φ) / N_T − R_C(φ) / N_C``: responders among the targeted treated
    customers per treated customer minus the same in the control group. At
    φ = 1 it is the overall lift; random targeting gives the straight line
    φ × overall lift. Customers with equal scores are taken together (the
    expected curve under random tie-breaking), so ties cannot flatter a
    model.

    Parameters
    ----------
    scores : Series or array
        One finite score per campaign row, higher = target first. A Series
        is matched to the rows by its index (the campaign's index or its
        customer ids); an array by position.
    campaign : DataFrame
        The (held-out) campaign rows with ``treatment`` and ``outcome``.

    Returns
    -------
    DataFrame
        ``share_targeted`` (from 0 to 1), ``gain`` and ``random``.

    Warns
    -----
    IdicLabWarning
        If every score is the same (the curve is the random line).
    """
    values, treatment, outcome = _scored(scores, campaign)
    order = np.argsort(-values, kind="stable")
    v, t, y = values[order], treatment[order], outcome[order]
    n_t, n_c = t.sum(), (1 - t).sum()
    gain = np.cumsum(y * t) / n_t - np.cumsum(y * (1 - t)) / n_c
    last_of_tie = np.r_[v[1:] != v[:-1], True]
    share = (np.flatnonzero(last_of_tie) + 1) / len(v)
    gain = gain[last_of_tie]
    overall = gain[-1]
    return pd.DataFrame({"share_targeted": np.r_[0.0, share], "gain": np.r_[0.0, gain], "random": np.r_[0.0, share] * overall})


def qini_coefficient(scores: pd.Series | np.ndarray, campaign: pd.DataFrame) -> float:
    """Area between the Qini curve and the random-targeting line (Radcliffe 2007).

    In units of response rate: 0 = no better than random targeting; the
    true uplift of the synthetic world gives the ceiling for its data.

    Parameters
    ----------
    scores, campaign
        As in :func:`qini_curve` (which warns about constant scores).

    Returns
    -------
    float
    """
    curve = qini_curve(scores, campaign)
    x, d = curve["share_targeted"].to_numpy(), (curve["gain"] - curve["random"]).to_numpy()
    return float(np.sum((d[1:] + d[:-1]) / 2 * np.diff(x)))


def qini_random_band(
    campaign: pd.DataFrame, *, n_permutations: int = 200, confidence: float = 0.95, seed: int = 0
) -> float:
    """Largest Qini coefficient random targeting reaches on these customers, at a confidence level.

    Random scores (a seeded permutation of the ranks) are scored
    ``n_permutations`` times on the same held-out customers; the band is the
    ``confidence`` quantile of their Qini coefficients. A model whose Qini
    lies above it ranks customers better than luck could on this sample
    (a one-sided permutation test).

    Parameters
    ----------
    campaign : DataFrame
        The held-out campaign rows with ``treatment`` and ``outcome``.
    n_permutations : int
        Random orderings drawn (at least 20).
    confidence : float
        Quantile of the random Qinis returned, in (0, 1).
    seed : int
        Seed of the random orderings.

    Returns
    -------
    float
    """
    n_permutations = _whole(n_permutations, "n_permutations", minimum=20, example="200")
    seed = _whole(seed, "seed", minimum=0, example="0")
    level = _real(confidence, "confidence", example="0.95")
    if not 0 < level < 1:
        raise ValueError(f"confidence={confidence!r}: expected a level between 0 and 1, e.g. 0.95.")
    treatment, _ = _campaign_arrays(_frame(campaign, "campaign"))
    rng = np.random.default_rng(seed)
    draws = [qini_coefficient(rng.permutation(len(treatment)).astype("float64"), campaign.reset_index(drop=True))
             for _ in range(n_permutations)]
    return float(np.quantile(draws, level))


@dataclass(frozen=True)
class UpliftStudy:
    """Uplift models fitted on one part of a campaign and judged on the held-out rest (:func:`uplift_study`).

    Attributes
    ----------
    train, test : DataFrame
        The learning and the held-out campaign rows.
    models : dict of name -> fitted model
    scores : dict of name -> Series
        Each model's score of the held-out customers.
    qini : Series
        Qini coefficient per model on the held-out customers.
    random_band : float
        :func:`qini_random_band` of the held-out customers.
    deciles : DataFrame
        :func:`uplift_by_decile` of the best model (by Qini).
    """

    train: pd.DataFrame
    test: pd.DataFrame
    models: dict[str, Any]
    scores: dict[str, pd.Series]
    qini: pd.Series
    random_band: float
    deciles: pd.DataFrame

    @property
    def best(self) -> str:
        """Name of the model with the highest held-out Qini."""
        return str(self.qini.idxmax())

    @property
    def features(self) -> list[str]:
        """The pre-treatment features the models learned from."""
        return list(next(iter(self.models.values())).features_)

    def curves(self) -> dict[str, pd.DataFrame]:
        """Qini curve per model on the held-out customers (for :func:`idic_lab.plotting.plot_qini`)."""
        return {name: qini_curve(score, self.test) for name, score in self.scores.items()}

    def headline(self) -> dict[str, Any]:
        """The figures the notebook records: Qini per model, the random band, the best model and its deciles."""
        uplift = self.deciles["observed_uplift"]
        return {"qini": self.qini.round(4).to_dict(), "random_band": round(self.random_band, 4), "best": self.best,
                "best_qini": round(float(self.qini.max()), 4), "train": len(self.train), "test": len(self.test),
                "top_decile_uplift": round(float(uplift.iloc[0]), 4),
                "bottom_decile_uplift": round(float(uplift.iloc[-1]), 4),
                "top_half_uplift": round(float(_half_uplift(self.deciles, top=True)), 4),
                "bottom_half_uplift": round(float(_half_uplift(self.deciles, top=False)), 4)}


def _half_uplift(deciles: pd.DataFrame, *, top: bool) -> float:
    half = deciles.iloc[: len(deciles) // 2] if top else deciles.iloc[len(deciles) // 2:]
    treated = (half["rate_treated"] * half["treated"]).sum() / half["treated"].sum()
    control = (half["rate_control"] * half["control"]).sum() / half["control"].sum()
    return float(treated - control)


def uplift_study(
    campaign: pd.DataFrame,
    *,
    features: Sequence[str] | None = None,
    test_size: float = 0.3,
    seed: int = 0,
    n_permutations: int = 200,
    confidence: float = 0.95,
) -> UpliftStudy:
    """Fit the two uplift models and the response-model baseline, and judge them on held-out customers.

    Splits the campaign (:func:`split_campaign`), fits
    :class:`TwoModelUplift`, :class:`ClassTransformationUplift` and
    :class:`ResponseModel` on the learning part, and scores the held-out part:
    the Qini coefficient of each model, the band random targeting reaches
    (:func:`qini_random_band`) and the observed uplift by decile of the best
    model's score.

    Parameters
    ----------
    campaign : DataFrame
        Canonical campaign table with pre-treatment features.
    features : list of str, optional
        Feature columns; default every numeric non-canonical column.
    test_size, seed
        As in :func:`split_campaign`; ``seed`` also seeds the models and the band.
    n_permutations, confidence
        As in :func:`qini_random_band`.

    Returns
    -------
    UpliftStudy
    """
    train, test = split_campaign(campaign, test_size=test_size, seed=seed)
    models = {"two-model": TwoModelUplift(features=features, seed=seed),
              "class transformation": ClassTransformationUplift(features=features, seed=seed),
              "response model": ResponseModel(features=features, seed=seed)}
    scores = {name: model.fit(train).predict(test) for name, model in models.items()}
    qini = pd.Series({name: qini_coefficient(score, test) for name, score in scores.items()}, name="qini")
    band = qini_random_band(test, n_permutations=n_permutations, confidence=confidence, seed=seed)
    deciles = uplift_by_decile(scores[str(qini.idxmax())], test)
    return UpliftStudy(train=train, test=test, models=models, scores=scores, qini=qini, random_band=band,
                       deciles=deciles)


def _score_bins(values: np.ndarray, n_bins: int) -> np.ndarray:
    rank = pd.Series(-values).rank(method="min").to_numpy()
    return np.minimum(((rank - 1) * n_bins // len(values)).astype("int64") + 1, n_bins)


def _bins_with_both_arms(values: np.ndarray, treatment: np.ndarray, n_bins: int) -> bool:
    frame = pd.DataFrame({"bin": _score_bins(values, n_bins), "t": treatment})
    return bool((frame.groupby("bin")["t"].nunique() == 2).all())


def uplift_by_decile(scores: pd.Series | np.ndarray, campaign: pd.DataFrame, *, n_bins: int = 10) -> pd.DataFrame:
    """Observed response per arm and uplift in bins of the predicted score (highest first).

    Parameters
    ----------
    scores, campaign
        As in :func:`qini_curve`.
    n_bins : int
        Number of equally large bins (by rank; ties go to the same bin, so
        tied scores can leave fewer bins, with a warning). Every bin needs
        customers of both arms.

    Returns
    -------
    DataFrame
        Index ``bin`` (1 = highest scores): ``customers``, ``treated``,
        ``control``, ``rate_treated``, ``rate_control``, ``observed_uplift``
        and ``mean_score``.

    Raises
    ------
    ValueError
        If ``n_bins`` exceeds the rows, or a bin would hold only one arm
        (the message gives the largest ``n_bins`` that works).
    """
    n_bins = _whole(n_bins, "n_bins", minimum=1, example="10")
    values, treatment, outcome = _scored(scores, campaign)
    if n_bins > len(values):
        raise ValueError(f"n_bins={n_bins}: expected at most one bin per customer, found {len(values)} campaign rows.")
    if not _bins_with_both_arms(values, treatment, n_bins):
        workable = next((k for k in range(n_bins - 1, 0, -1) if _bins_with_both_arms(values, treatment, k)), 1)
        raise ValueError(
            f"n_bins={n_bins}: expected treated and control customers in every bin, found bins with only one arm "
            f"among {len(values)} rows, so their observed uplift is undefined. The largest n_bins with both arms in "
            f"every bin is {workable}; use it, or more held-out customers."
        )
    frame = pd.DataFrame({"bin": _score_bins(values, n_bins), "t": treatment, "y": outcome, "score": values})
    frame["yt"], frame["yc"] = frame["y"] * frame["t"], frame["y"] * (1 - frame["t"])
    g = frame.groupby("bin", sort=True)
    out = pd.DataFrame({"customers": g.size(), "treated": g["t"].sum()})
    out["control"] = out["customers"] - out["treated"]
    out["rate_treated"] = g["yt"].sum() / out["treated"]
    out["rate_control"] = g["yc"].sum() / out["control"]
    out["observed_uplift"] = out["rate_treated"] - out["rate_control"]
    out["mean_score"] = g["score"].mean()
    if 1 < len(out) < n_bins:
        warn(f"uplift_by_decile: tied scores fill only {len(out)} of n_bins={n_bins} bins (customers with equal "
              "scores share a bin); the table has fewer rows than asked for.")
    return out


def _check_models(models: Any) -> dict[str, Any]:
    if not isinstance(models, Mapping) or not models:
        raise TypeError(f"models: expected a non-empty mapping {{name: unfitted uplift model}}, e.g. "
                        f"{{'two-model': TwoModelUplift()}}, found {models!r:.80}.")
    bad = [str(name) for name, m in models.items() if not isinstance(m, _UpliftBase)]
    if bad:
        raise TypeError(f"models: {bad} are not uplift models; use TwoModelUplift, ClassTransformationUplift or "
                        "ResponseModel (a scikit-learn classifier goes into their estimator=).")
    return dict(models)


def _check_truth(truth: Any, campaign: pd.DataFrame) -> pd.Series:
    _require(campaign, "campaign", ["customer_id"], "The planted truth is matched by customer_id.")
    truth = _per_customer_series(truth, "truth", numeric=True)
    ids = campaign["customer_id"].astype("str")
    missing = ~ids.isin(truth.index)
    if missing.any():
        raise ValueError(
            f"truth: expected a planted uplift for every campaign customer, found {int(missing.sum())} of {len(ids)} "
            f"without one (e.g. {sorted(ids[missing])[:3]}). Pass the world's truth.uplift, indexed by customer_id."
        )
    return truth


def qini_by_split(
    campaign: pd.DataFrame,
    models: Mapping[str, Any],
    *,
    n_splits: int = 5,
    test_size: float = 0.3,
    seed: int = 0,
    truth: pd.Series | None = None,
) -> pd.DataFrame:
    """Qini coefficients of several uplift models over repeated random train/test splits.

    One held-out split of a few thousand customers gives a noisy Qini; the
    spread over splits shows how far a single figure can be trusted.

    Parameters
    ----------
    campaign : DataFrame
        Canonical campaign table with the models' features.
    models : mapping of name -> unfitted uplift model
        E.g. ``{"two-model": TwoModelUplift()}``; each is cloned per split
        (via ``type(model)(**model.get_params())``), never fitted in place.
    n_splits : int
        Number of splits; split *i* uses seed ``seed + i``.
    test_size : float
        Share held out in each split.
    seed : int
        First seed.
    truth : Series, optional
        Planted uplift per ``customer_id`` (synthetic data), one finite value
        for every campaign customer: adds the column ``"true uplift"``, the
        ceiling on each split.

    Returns
    -------
    DataFrame
        One row per split (index ``split``), one column per model in the
        order of ``models``.
    """
    n_splits = _whole(n_splits, "n_splits", minimum=1, example="5")
    seed = _whole(seed, "seed", minimum=0, example="0")
    models = _check_models(models)
    truth = None if truth is None else _check_truth(truth, _frame(campaign, "campaign"))
    rows = []
    for i in range(n_splits):
        train, test = split_campaign(campaign, test_size=test_size, seed=seed + i)
        row = {name: qini_coefficient(type(model)(**model.get_params()).fit(train).predict(test), test)
               for name, model in models.items()}
        if truth is not None:
            row["true uplift"] = qini_coefficient(truth.reindex(test["customer_id"].astype("str")).to_numpy(), test)
        rows.append(row)
    return pd.DataFrame(rows, index=pd.RangeIndex(n_splits, name="split"))


def uplift_truth_check(predicted: pd.Series, truth: pd.Series) -> dict[str, float]:
    """How well predicted uplift matches a planted uplift (synthetic data only).

    Parameters
    ----------
    predicted, truth : Series
        Indexed by the same customer ids (each once, finite values); only
        common ids are compared.

    Returns
    -------
    dict
        ``n``, ``pearson``, ``spearman`` correlations and the ``mae``.

    Raises
    ------
    ValueError
        If fewer than 3 ids are shared, or either side is constant on them
        (a correlation with a constant is undefined).
    """
    a = _per_customer_series(predicted, "predicted", numeric=True)
    b = _per_customer_series(truth, "truth", numeric=True)
    a, b = a.align(b, join="inner")
    if len(a) < 3:
        raise ValueError(f"predicted and truth share {len(a)} ids: expected at least 3 (index both by customer_id).")
    constant = [name for name, s in (("predicted", a), ("truth", b)) if np.ptp(s.to_numpy()) == 0]
    if constant:
        raise ValueError(
            f"{' and '.join(constant)}: expected values that vary over the {len(a)} shared customers, found one value "
            "for all; a correlation with a constant is undefined. Check the model (it scores everyone alike)."
        )
    return {
        "n": int(len(a)),
        "pearson": float(np.corrcoef(a, b)[0, 1]),
        "spearman": float(stats.spearmanr(a, b).statistic),
        "mae": float(np.abs(a - b).mean()),
    }


# --------------------------------------------------------------------------
# retention
# --------------------------------------------------------------------------

_PERIOD_FREQ = {"D": "D", "W": "W", "M": "M", "Q": "Q"}


def _purchase_dates(frame: pd.DataFrame) -> pd.Series:
    """The ``date`` column as naive datetimes; text is refused so day and month are never swapped."""
    _require(frame, "transactions", ["customer_id", "date"])
    _no_missing(frame, "transactions", "customer_id")
    _no_missing(frame, "transactions", "date", "Drop them with idic_lab.schema.clean('transactions', df), "
                                               "which counts them.")
    dates = frame["date"]
    if not pd.api.types.is_datetime64_any_dtype(dates):
        raise SchemaError(
            f"Table 'transactions', column 'date': expected dates (datetime64), found dtype {dates.dtype} in "
            f"{len(frame)} rows (e.g. {dates.head(2).tolist()}). Text dates are not guessed here, so day and month "
            "are never swapped: read them with idic_lab.schema.validate('transactions', df, date_format='%d.%m.%Y') "
            "(your format) or dayfirst=True.",
            table="transactions", column="date", n_bad=len(frame), n_rows=len(frame),
        )
    if getattr(dates.dt, "tz", None) is not None:  # compare in UTC, like the contract's tables
        dates = dates.dt.tz_convert("UTC").dt.tz_localize(None)
    return dates


def cohort_retention(
    transactions: pd.DataFrame, *, observation_end: str | pd.Timestamp, time_unit: str = "M", max_periods: int | None = None
) -> pd.DataFrame:
    """Share of each first-purchase cohort that buys again in each later period.

    Customers join the cohort of the calendar period (day, week ending
    Sunday, month, quarter) of their first purchase; period 0 is that
    period. A cell is the share of the cohort with at least one purchase in
    period *k* after it. Only periods that end on or before
    ``observation_end`` are shown; later cells are missing (not observed),
    never zero. Periods in which nobody bought for the first time have no
    row (counted in ``attrs["periods_without_new_customers"]``).

    Parameters
    ----------
    transactions : DataFrame
        Canonical purchases (``customer_id``, ``date`` as datetimes); never
        modified. Text dates are refused (read them with
        :func:`idic_lab.schema.validate`).
    observation_end : str or Timestamp
        Last observed day (an ISO date; numbers are refused); purchases
        after it raise an error.
    time_unit : {"D", "W", "M", "Q"}
        Length of a period.
    max_periods : int, optional
        Show periods 0 .. max_periods only.

    Returns
    -------
    DataFrame
        Index ``cohort`` (period label), column ``customers`` (cohort size)
        and one column per period 0, 1, … .

    Warns
    -----
    IdicLabWarning
        If all customers form one cohort, or no cohort has a complete period
        after its first.

    Raises
    ------
    SchemaError
        Text dates, gaps, purchases after ``observation_end``, or no period
        of any cohort complete by ``observation_end``.
    """
    _choice(time_unit, "time_unit", tuple(_PERIOD_FREQ))
    if max_periods is not None:
        max_periods = _whole(max_periods, "max_periods", minimum=0, example="12")
    end = as_date(observation_end, "observation_end", required=True).normalize()
    frame = _frame(transactions, "transactions")
    dates = _purchase_dates(frame)
    later = dates >= end + pd.Timedelta(days=1)
    if later.any():
        raise SchemaError(
            f"Table 'transactions', column 'date': expected dates up to observation_end {end.date()}, found "
            f"{int(later.sum())} of {len(frame)} rows later (last {dates.max().date()}). Drop them with a count: "
            f"idic_lab.schema.clean('transactions', df, observation_end='{end.date()}').",
            table="transactions", column="date", n_bad=int(later.sum()), n_rows=len(frame),
        )
    freq = _PERIOD_FREQ[time_unit]
    ordinal = pd.PeriodIndex(dates, freq=freq).asi8
    end_period = pd.Period(end, freq=freq)
    last_complete = end_period.ordinal if end_period.end_time.normalize() <= end else end_period.ordinal - 1
    if ordinal.min() > last_complete:
        raise SchemaError(
            f"Table 'transactions', column 'date': expected at least one complete period ({time_unit}) by "
            f"observation_end {end.date()}, found the first purchase {dates.min().date()} in the period "
            f"{pd.Period(ordinal=int(ordinal.min()), freq=freq)}, which ends later. Choose a later observation_end "
            "or a shorter time_unit.",
            table="transactions", column="date", n_bad=len(frame), n_rows=len(frame),
        )
    table, size = _cohort_shares(frame["customer_id"].astype("str").to_numpy(), ordinal, max_periods)
    horizon = len(table.columns) - 1
    observed = (table.index.to_numpy()[:, None] + np.arange(horizon + 1)[None, :]) <= last_complete
    table = table.where(observed).astype("float64")
    _warn_thin_cohorts(table, size, horizon)
    gaps = int(size.index.max() - size.index.min() + 1 - len(size))
    table.insert(0, "customers", size.astype("int64"))
    table.index = pd.Index([str(pd.Period(ordinal=o, freq=freq)) for o in table.index], name="cohort")
    table.columns = ["customers", *range(horizon + 1)]
    table.attrs.update({"time_unit": time_unit, "observation_end": str(end.date()), "last_complete_period": str(
        pd.Period(ordinal=last_complete, freq=freq)), "periods_without_new_customers": gaps})
    return table


def _cohort_shares(customers: np.ndarray, ordinal: np.ndarray, max_periods: int | None) -> tuple[pd.DataFrame, pd.Series]:
    """Share of each cohort (first period) active k periods later; cohort sizes."""
    active = pd.DataFrame({"customer": customers, "period": ordinal}).drop_duplicates()
    first = active.groupby("customer")["period"].transform("min")
    active["cohort"], active["k"] = first.to_numpy(), (active["period"] - first).to_numpy()
    size = active.loc[active["k"] == 0].groupby("cohort", sort=True).size()
    counts = active.groupby(["cohort", "k"], sort=True).size().unstack(fill_value=0)
    table = counts.div(size, axis=0)
    horizon = int(table.columns.max()) if max_periods is None else max_periods
    return table.reindex(columns=range(horizon + 1), fill_value=0.0), size


def _warn_thin_cohorts(table: pd.DataFrame, size: pd.Series, horizon: int) -> None:
    if len(size) == 1:
        warn(f"cohort_retention: all {int(size.iloc[0])} customers form a single cohort, so cohorts cannot be "
              "compared; use a shorter time_unit or a longer history.")
    elif horizon >= 1 and table[1].isna().all():
        warn("cohort_retention: no cohort has a complete period after its first by observation_end, so every "
              "retention cell beyond period 0 is missing; choose a later observation_end or a shorter time_unit.")


RISK_BANDS: tuple[tuple[str, float], ...] = (("likely lost", 0.2), ("at risk", 0.5), ("active", 1.0 + 1e-9))
"""Default P(alive) bands: below 0.2 likely lost, below 0.5 at risk, else active."""


def _check_bands(bands: Any) -> tuple[list[str], list[float]]:
    example = "[('likely lost', 0.2), ('at risk', 0.5), ('active', 1.01)]"
    try:
        pairs = [(name, bound) for name, bound in bands]
    except (TypeError, ValueError) as exc:
        raise TypeError(f"bands: expected a sequence of (name, upper bound of P(alive)) pairs, e.g. {example}.") from exc
    names = [str(name) for name, _ in pairs]
    bounds = [_real(bound, f"bands[{name!r}]", example="0.5") for name, bound in pairs]
    if (not bounds or any(b2 <= b1 for b1, b2 in zip(bounds, bounds[1:])) or bounds[-1] <= 1
            or len(set(names)) < len(names) or "one-time buyer" in names):
        raise ValueError(f"bands: expected increasing upper bounds of P(alive) ending above 1, with distinct names, "
                         f"found {pairs}; e.g. {example} ('one-time buyer' is taken).")
    return names, bounds


def churn_risk(
    transactions: pd.DataFrame,
    *,
    observation_end: str | pd.Timestamp,
    time_unit: str = "W",
    horizon: float = 26,
    bands: Sequence[tuple[str, float]] = RISK_BANDS,
) -> pd.DataFrame:
    """P(alive) per customer from the BG/NBD model, with a risk band.

    BG/NBD (Fader, Hardie & Lee 2005, via :class:`idic_lab.differentiate.BGNBDModel`)
    treats a customer without repeat purchases as certainly alive; their
    band is therefore ``"one-time buyer"`` and they never appear as at risk.

    Parameters
    ----------
    transactions : DataFrame
        Canonical purchases up to ``observation_end``; never modified.
    observation_end, time_unit
        As in :func:`idic_lab.differentiate.rfm_summary`.
    horizon : float
        Expected purchases are given for this many time units ahead (> 0).
    bands : sequence of (name, upper bound of P(alive))
        Increasing bounds; the last must exceed 1.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (sorted): ``orders`` (purchase occasions),
        ``time_since_last`` (time units), ``total_value``, ``p_alive``,
        ``expected_purchases`` and ``status``. ``attrs["params"]`` holds the
        fitted BG/NBD parameters, ``attrs["degenerate"]`` why they are
        unusable ("" if they are not; see :func:`assess_churn_risk`).

    Raises
    ------
    ValueError
        If the BG/NBD model does not converge (e.g. no repeat buyers), or
        gives P(alive) that are not finite; the message says what to try.
    SchemaError
        If the transactions break their contract (text dates are refused).
    """
    return _churn_risk(transactions, observation_end=observation_end, time_unit=time_unit, horizon=horizon,
                       bands=bands)[0]


def _churn_risk(
    transactions: pd.DataFrame,
    *,
    observation_end: str | pd.Timestamp,
    time_unit: str,
    horizon: float,
    bands: Sequence[tuple[str, float]],
) -> tuple[pd.DataFrame, Any, pd.DataFrame]:
    """:func:`churn_risk`'s table, the fitted model and the BTYD summary it was fitted on."""
    names, bounds = _check_bands(bands)
    horizon = _real(horizon, "horizon", example="26")
    if horizon <= 0:
        raise ValueError(f"horizon={horizon!r}: expected a number of time units > 0, e.g. 26.")
    _purchase_dates(_frame(transactions, "transactions"))
    summary = dif.rfm_summary(transactions, observation_end=observation_end, time_unit=time_unit)
    marketing = dif.rfm_summary(transactions, observation_end=observation_end, time_unit=time_unit, definition="rfm")
    try:
        model = dif.BGNBDModel().fit(summary)
    except dif.ModelFitError as exc:
        raise ValueError(f"churn_risk: P(alive) needs a fitted BG/NBD model on the {len(summary)} customers of "
                         f"'transactions', but {exc}") from exc
    out = pd.DataFrame(index=summary.index)
    out["orders"] = marketing["frequency"].reindex(summary.index).astype("int64")
    out["time_since_last"] = marketing["recency"].reindex(summary.index)
    out["total_value"] = marketing["total_value"].reindex(summary.index)
    out["p_alive"] = model.p_alive(summary)
    out["expected_purchases"] = model.expected_purchases(summary, horizon)
    broken = ~np.isfinite(out[["p_alive", "expected_purchases"]].to_numpy()).all(axis=1)
    if broken.any():
        raise ValueError(
            f"churn_risk: the BG/NBD model gives no finite P(alive) for {int(broken.sum())} of {len(out)} customers "
            f"(e.g. {list(out.index[broken][:3])}), a sign of a degenerate fit (parameters {model.params_.round(4).to_dict()}). "
            "Try another time_unit or a longer history."
        )
    status = np.asarray(names, dtype=object)[np.searchsorted(np.asarray(bounds), out["p_alive"].to_numpy(), side="right")]
    status = np.where(summary["frequency"].to_numpy() == 0, "one-time buyer", status)
    out["status"] = pd.Categorical(status, categories=[*names, "one-time buyer"])
    out.attrs["params"] = model.params_.to_dict()
    out.attrs["degenerate"] = model.degenerate_
    return out, model, summary


@dataclass(frozen=True)
class ChurnRisk:
    """P(alive) per customer, or the plain reason why the model behind it cannot be used.

    Attributes
    ----------
    risk : DataFrame or None
        As from :func:`churn_risk`; ``None`` when the model failed.
    problem : str
        A sentence for the page and the report saying what failed and what
        to do (``""`` when the model is usable).
    """

    risk: pd.DataFrame | None
    problem: str

    @property
    def usable(self) -> bool:
        """True if P(alive) may be reported."""
        return self.risk is not None

    def _risk(self) -> pd.DataFrame:
        if self.risk is None:
            raise ValueError(f"ChurnRisk: P(alive) is not usable here ({self.problem}); check .usable first.")
        return self.risk

    @property
    def repeat_buyers(self) -> pd.DataFrame:
        """The rows of customers with at least one repeat purchase (one-time buyers left out)."""
        risk = self._risk()
        return risk.loc[risk["status"] != "one-time buyer"]

    def status_counts(self) -> pd.Series:
        """Customers per status, in the order of the bands."""
        status = self._risk()["status"]
        return status.value_counts().reindex(status.cat.categories).rename("customers")

    def headline(self) -> dict[str, Any]:
        """The figures a report records: share of repeat buyers at risk, counts per status, spend at stake."""
        at_stake = float(win_back_targets(self._risk())["value_at_stake"].sum())
        return {"share_at_risk": round(float((self.repeat_buyers["status"] == "at risk").mean()), 4),
                "status_counts": self.status_counts(), "win_back_value_at_stake": round(at_stake, 2)}

    def finding(self, currency: str = "") -> str:
        """One sentence for the report: how many repeat buyers are at risk or lost, and the spend at stake."""
        from idic_lab.formatting import count, money

        status, head = self.status_counts(), self.headline()
        return (f"{count(status['at risk'])} repeat buyers are at risk of leaving (P(alive) 0.2–0.5) and "
                f"{count(status['likely lost'])} are likely lost; the at-risk customers' past spend puts "
                f"{money(head['win_back_value_at_stake'], currency)} at stake.")


def assess_churn_risk(
    transactions: pd.DataFrame,
    *,
    observation_end: str | pd.Timestamp,
    time_unit: str = "W",
    horizon: float = 26,
    bands: Sequence[tuple[str, float]] = RISK_BANDS,
) -> ChurnRisk:
    """:func:`churn_risk`, with a plain statement instead of figures when the model fails.

    A BG/NBD model that does not converge, that fits a parameter at the edge
    of its range or sees no dropout (P(alive) about 1 for everyone), or
    whose P(alive) contradicts the customers' recency (long-silent repeat
    buyers still "certainly alive") gives at-risk counts that would mislead
    ("0 at risk, 0 likely lost"); see
    :func:`idic_lab.differentiate.check_purchase_model`. Then ``risk`` is
    ``None`` and ``problem`` says why and what to do; no warning is raised,
    so the caller shows the problem on the page.

    Parameters
    ----------
    transactions, observation_end, time_unit, horizon, bands
        As in :func:`churn_risk`.

    Returns
    -------
    ChurnRisk

    Raises
    ------
    SchemaError, ValueError
        For transactions that break their contract or bad parameters (as
        :func:`churn_risk`); a model that fails is not an error.
    """
    import warnings

    from idic_lab.diagnostics import IdicLabWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IdicLabWarning)  # a degenerate fit is reported below, in words
        try:
            risk, model, summary = _churn_risk(transactions, observation_end=observation_end, time_unit=time_unit,
                                               horizon=horizon, bands=bands)
        except ValueError as exc:
            if not isinstance(exc.__cause__, dif.ModelFitError):
                raise
            summary = dif.rfm_summary(transactions, observation_end=observation_end, time_unit=time_unit)
            risk, model = None, exc.__cause__
    check = dif.check_purchase_model(model, summary, name="BG/NBD")
    if check.usable and risk is not None:
        return ChurnRisk(risk, "")
    return ChurnRisk(None, f"At-risk counts and the win-back list are left out: {' '.join(check.problems)}")


def win_back_targets(risk: pd.DataFrame, *, statuses: Sequence[str] = ("at risk",), top: int | None = None) -> pd.DataFrame:
    """Customers worth winning back: in the given risk bands, most valuable first.

    Parameters
    ----------
    risk : DataFrame
        From :func:`churn_risk`.
    statuses : sequence of str
        Risk bands to include; ``"likely lost"`` customers are usually too
        late for a win-back offer, ``"at risk"`` ones are not.
    top : int, optional
        Keep only the first ``top`` customers (>= 1).

    Returns
    -------
    DataFrame
        Rows of ``risk`` sorted by ``total_value`` (highest first), then
        ``p_alive`` (lowest first), then customer id, with a
        ``value_at_stake`` column (total value × (1 − P(alive))).
    """
    frame = _frame(risk, "risk")
    _require(frame, "risk", ["status", "total_value", "p_alive"], "Build it with churn_risk.")
    if isinstance(statuses, str):
        statuses = [statuses]
    if top is not None:
        top = _whole(top, "top", minimum=1, example="20")
    status = frame["status"]
    known = (set(status.cat.categories) if isinstance(status.dtype, pd.CategoricalDtype)
             else set(status.dropna().astype("str")))
    unknown = set(map(str, statuses)) - known
    if unknown:
        raise ValueError(f"statuses: {sorted(unknown)} are not risk bands; known: {sorted(known)}.")
    numbers = {c: _numbers(frame, "risk", c, "Build it with churn_risk.") for c in ("total_value", "p_alive")}
    chosen = frame.assign(**numbers).loc[frame["status"].isin(list(statuses))]
    chosen = chosen.assign(value_at_stake=chosen["total_value"] * (1 - chosen["p_alive"]))
    # by id first, so that equal values and P(alive) keep the customer-id order
    chosen = chosen.sort_index(kind="stable").sort_values(["total_value", "p_alive"], ascending=[False, True],
                                                         kind="stable")
    return chosen if top is None else chosen.head(top)


# --------------------------------------------------------------------------
# satisfaction: NPS and key drivers
# --------------------------------------------------------------------------


def nps(survey: pd.DataFrame, *, column: str = "nps", confidence: float = 0.95) -> pd.Series:
    """Net Promoter Score (Reichheld 2003) with a normal-approximation confidence interval.

    Promoters answer 9–10, passives 7–8, detractors 0–6; NPS = % promoters
    − % detractors (−100 to 100). Each answer scores +1, 0 or −1, so the
    standard error is sqrt((p_P + p_D − (p_P − p_D)²) / n). The interval
    is clipped to [−100, 100].

    Parameters
    ----------
    survey : DataFrame
        With the 0–10 recommendation answers in ``column``; missing answers
        are left out and counted (``n_missing``).
    column : str
        The answer column.
    confidence : float
        Level of the interval.

    Returns
    -------
    Series
        ``n``, ``n_missing``, ``promoters``, ``passives``, ``detractors``
        (shares), ``nps``, ``ci_low``, ``ci_high`` (in NPS points).

    Warns
    -----
    IdicLabWarning
        If every answer falls in one group (or there is a single answer):
        the interval then has no width and understates the uncertainty.
    """
    frame = _frame(survey, "survey")
    _require(frame, "survey", [column], "Map the 0-10 recommendation question with columns={'nps': yours}.")
    z = _z(confidence)
    raw = pd.to_numeric(frame[column], errors="coerce")
    not_number = raw.isna() & frame[column].notna()
    answers = raw.dropna().to_numpy(dtype="float64")
    bad = not_number.sum() + ((answers < 0) | (answers > 10) | (answers != np.round(answers))).sum()
    if bad:
        raise SchemaError(
            f"Table 'survey', column '{column}': expected whole numbers 0 to 10, found {int(bad)} of {len(frame)} rows "
            "outside (rescale or fix those answers).",
            table="survey", column=column, n_bad=int(bad), n_rows=len(frame),
        )
    n = len(answers)
    if n == 0:
        raise SchemaError(f"Table 'survey', column '{column}': expected answers, found all {len(frame)} rows missing. "
                          "Map the recommendation question with columns={'nps': yours}, or skip the NPS.",
                          table="survey", column=column, n_bad=len(frame), n_rows=len(frame))
    promoters, detractors = float((answers >= 9).mean()), float((answers <= 6).mean())
    passives = float(((answers >= 7) & (answers <= 8)).mean())
    score = promoters - detractors
    se = math.sqrt(max(promoters + detractors - score**2, 0.0) / n)
    if se == 0:
        warn(f"nps: all {n} answers fall in one group (promoters {promoters:.0%}, detractors {detractors:.0%}), so "
              "the normal-approximation interval has no width and understates the uncertainty; collect more answers.")
    return pd.Series(
        {"n": n, "n_missing": int(len(frame) - n), "promoters": promoters, "passives": passives,
         "detractors": detractors, "nps": 100 * score, "ci_low": max(100 * (score - z * se), -100.0),
         "ci_high": min(100 * (score + z * se), 100.0)},
        name="nps", dtype="float64",
    )


_NOT_DRIVERS = ("respondent_id", "customer_id", "nps")


def _driver_names(frame: pd.DataFrame, drivers: Any, outcome: str) -> list[str]:
    if drivers is None:
        skip = {outcome, *_NOT_DRIVERS}
        return [c for c in frame.columns if c not in skip and pd.api.types.is_numeric_dtype(frame[c])
                and not pd.api.types.is_bool_dtype(frame[c])]
    names = _text_list(drivers, "drivers") or []
    if outcome in names:
        raise ValueError(f"drivers: the outcome {outcome!r} cannot be its own driver; leave it out of drivers={names}.")
    return names


def _survey_matrix(survey: pd.DataFrame, drivers: Sequence[str] | None, outcome: str) -> tuple[np.ndarray, np.ndarray, list[str], int]:
    """Driver ratings, outcome, driver names and the number of incomplete rows left out."""
    frame = _frame(survey, "survey")
    _require(frame, "survey", [outcome], "Map the overall rating with idic_lab.schema.validate('survey', df, "
                                         "columns={'overall': yours}), or pass outcome=.")
    drivers = _driver_names(frame, drivers, outcome)
    if len(drivers) < 2:
        raise SchemaError(
            f"Table 'survey': expected at least two driver rating columns, found {drivers} among {list(frame.columns)} "
            f"({len(frame)} rows). Pass drivers=[...] with the numeric rating columns.",
            table="survey", n_rows=len(frame),
        )
    _require(frame, "survey", drivers, "Pass drivers= with rating columns of the survey.")
    used = frame[[outcome, *drivers]].dropna()
    if len(used) <= len(drivers) + 1:
        raise SchemaError(
            f"Table 'survey': expected more complete answers than drivers + 1 ({len(drivers) + 1}), found {len(used)} "
            f"of {len(frame)} rows without gaps. Collect more answers, or pass fewer drivers=.",
            table="survey", n_rows=len(frame),
        )
    x = np.column_stack([_numbers(used, "survey", c) for c in drivers])
    y = _numbers(used, "survey", outcome)
    constant = [d for d, s in zip(drivers, x.std(axis=0)) if s == 0]
    if constant or y.std() == 0:
        raise SchemaError(
            f"Table 'survey': expected ratings that vary, found constant column(s) {constant or [outcome]} "
            f"({len(used)} complete rows). A constant rating explains nothing: leave it out of drivers=.",
            table="survey", column=(constant or [outcome])[0], n_rows=len(used),
        )
    _check_collinear(x, drivers, len(used))
    return x, y, drivers, len(frame) - len(used)


_COLLINEAR = 1e-10  # smallest eigenvalue of the driver correlations treated as exact dependence


def _check_collinear(x: np.ndarray, drivers: list[str], n_rows: int) -> None:
    """Refuse drivers that are exact linear combinations of each other, naming them."""
    eigval, eigvec = np.linalg.eigh(np.corrcoef(x, rowvar=False))
    null = eigvec[:, eigval <= _COLLINEAR]
    if null.size == 0:
        return
    involved = [d for d, loading in zip(drivers, np.abs(null).max(axis=1)) if loading > 1e-6]
    raise SchemaError(
        f"Table 'survey': expected driver ratings that are not perfectly collinear, found {involved} linearly "
        f"dependent ({len(involved)} of {len(drivers)} drivers, {n_rows} complete rows): one is a copy, rescaling or "
        "sum of the others, so their shares of R² are not defined. Drop one of the redundant drivers from drivers=.",
        table="survey", column=involved[0], n_rows=n_rows,
    )


def _correlations(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    corr = np.corrcoef(np.column_stack([x, y]), rowvar=False)
    return corr[:-1, :-1], corr[:-1, -1]


def _johnson(rxx: np.ndarray, rxy: np.ndarray) -> np.ndarray:
    """Johnson's (2000) raw relative weights from correlation matrices (Rxx checked non-singular)."""
    eigval, eigvec = np.linalg.eigh(rxx)
    lam_half = eigvec @ np.diag(np.sqrt(eigval)) @ eigvec.T  # symmetric square root of Rxx
    beta = np.linalg.solve(lam_half, rxy)  # outcome regressed on the orthogonal counterparts
    return (lam_half**2) @ (beta**2)


_LMG_MAX_DRIVERS = 15


def _lmg(rxx: np.ndarray, rxy: np.ndarray) -> np.ndarray:
    """Shapley values of R² over all subsets of drivers (Lindeman, Merenda & Gold 1980)."""
    p = len(rxy)
    if p > _LMG_MAX_DRIVERS:
        raise ValueError(f"LMG over {p} drivers needs 2^{p} regressions: expected at most {_LMG_MAX_DRIVERS} drivers. "
                         "Use relative_weights for more drivers, or pass fewer drivers=.")
    r2 = {(): 0.0}
    for size in range(1, p + 1):
        for subset in combinations(range(p), size):
            idx = list(subset)
            r2[subset] = float(rxy[idx] @ np.linalg.solve(rxx[np.ix_(idx, idx)], rxy[idx]))
    shares = np.zeros(p)
    for subset, value in r2.items():
        k = len(subset)
        for j in range(p):
            if j in subset:
                continue
            weight = math.factorial(k) * math.factorial(p - k - 1) / math.factorial(p)
            with_j = tuple(sorted((*subset, j)))
            shares[j] += weight * (r2[with_j] - value)
    return shares


def relative_weights(survey: pd.DataFrame, *, drivers: Sequence[str] | None = None, outcome: str = "overall") -> pd.Series:
    """Johnson's (2000) relative weights: each driver's share of R², despite correlated drivers.

    The drivers are replaced by their closest orthogonal counterparts
    (the symmetric square root of their correlation matrix), the outcome is
    regressed on those, and the explained variance is carried back to the
    drivers in proportion to how much each contributes to each counterpart.
    The weights add up to R².

    Parameters
    ----------
    survey : DataFrame
        One row per respondent; rows with gaps in the used columns are left out.
    drivers : list of str, optional
        Driver rating columns; default every numeric column besides
        ``respondent_id``, ``customer_id``, ``nps`` and the outcome.
    outcome : str
        The overall rating.

    Returns
    -------
    Series
        Raw relative weight per driver (sum = R²), in the order of
        ``drivers``; ``attrs``: ``n`` (complete answers used) and
        ``n_incomplete`` (rows with gaps left out).

    Raises
    ------
    SchemaError
        Too few complete answers (no more than drivers + 1), a constant
        rating, or perfectly collinear drivers (named in the message).
    """
    x, y, names, incomplete = _survey_matrix(survey, drivers, outcome)
    rxx, rxy = _correlations(x, y)
    out = pd.Series(_johnson(rxx, rxy), index=pd.Index(names, name="driver"), name="relative_weight")
    out.attrs.update({"n": len(y), "n_incomplete": incomplete})
    return out


def lmg_importance(survey: pd.DataFrame, *, drivers: Sequence[str] | None = None, outcome: str = "overall") -> pd.Series:
    """Shapley/LMG decomposition of R² (Lindeman, Merenda & Gold 1980; Grömping 2006).

    Each driver gets its increase in R² when it joins a regression, averaged
    over all orders in which the drivers could join. Exact, from the
    correlation matrix (2^p small regressions); the shares add up to R².

    Parameters
    ----------
    survey, drivers, outcome
        As in :func:`relative_weights`.

    Returns
    -------
    Series
        LMG share of R² per driver, in the order of ``drivers``; ``attrs``
        as in :func:`relative_weights`.

    Raises
    ------
    SchemaError
        As :func:`relative_weights`.
    ValueError
        More than 15 drivers (2^p regressions).
    """
    x, y, names, incomplete = _survey_matrix(survey, drivers, outcome)
    rxx, rxy = _correlations(x, y)
    out = pd.Series(_lmg(rxx, rxy), index=pd.Index(names, name="driver"), name="lmg")
    out.attrs.update({"n": len(y), "n_incomplete": incomplete})
    return out


def key_drivers(survey: pd.DataFrame, *, drivers: Sequence[str] | None = None, outcome: str = "overall") -> pd.DataFrame:
    """Key-driver analysis of satisfaction: regression plus relative importance.

    Parameters
    ----------
    survey, drivers, outcome
        As in :func:`relative_weights`.

    Returns
    -------
    DataFrame
        Per driver, most important first: ``coefficient`` (ordinary least
        squares, points of overall per rating point), ``std_coefficient``
        (standardised beta), ``correlation`` with the outcome,
        ``relative_weight`` (Johnson 2000), ``lmg`` (Shapley share of R²),
        ``importance`` (relative weight / R², sums to 1), ``performance``
        (mean rating) and ``rank``; equal weights are ordered by driver
        name. ``lmg`` is left out, with a warning, for more than 15
        drivers. ``attrs``: ``r2``, ``n`` (complete answers used),
        ``n_incomplete`` (rows with gaps left out), ``intercept``.

    Raises
    ------
    SchemaError
        As :func:`relative_weights`.
    """
    x, y, names, incomplete = _survey_matrix(survey, drivers, outcome)
    design = np.column_stack([np.ones(len(y)), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    fitted = design @ coef
    r2 = float(1 - ((y - fitted) ** 2).sum() / ((y - y.mean()) ** 2).sum())
    rxx, rxy = _correlations(x, y)
    weights = _johnson(rxx, rxy)
    out = pd.DataFrame(
        {
            "coefficient": coef[1:],
            "std_coefficient": coef[1:] * x.std(axis=0) / y.std(),
            "correlation": rxy,
            "relative_weight": weights,
            "lmg": _lmg(rxx, rxy) if len(names) <= _LMG_MAX_DRIVERS else np.nan,
            "importance": weights / weights.sum(),
            "performance": x.mean(axis=0),
        },
        index=pd.Index(names, name="driver"),
    ).sort_index(kind="stable").sort_values("relative_weight", ascending=False, kind="stable")
    if len(names) > _LMG_MAX_DRIVERS:
        out = out.drop(columns="lmg")
        warn(f"key_drivers: the lmg column is left out for {len(names)} drivers (it needs 2^{len(names)} "
              f"regressions; at most {_LMG_MAX_DRIVERS}); relative_weight gives the same kind of share.")
    out["rank"] = np.arange(1, len(out) + 1)
    out.attrs.update({"r2": r2, "n": int(len(y)), "n_incomplete": incomplete, "intercept": float(coef[0])})
    return out


def importance_performance(drivers: pd.DataFrame) -> pd.DataFrame:
    """Importance–performance quadrants (Martilla & James 1977).

    Drivers are split at the mean importance and the mean performance:
    *concentrate here* (important, rated low), *keep up the good work*
    (important, rated high), *low priority* (neither) and *possible
    overkill* (rated high, matters little).

    Parameters
    ----------
    drivers : DataFrame
        From :func:`key_drivers` (``importance`` and ``performance``).

    Returns
    -------
    DataFrame
        ``importance``, ``performance`` and ``quadrant`` per driver.
    """
    frame = _frame(drivers, "key drivers")
    _require(frame, "key drivers", ["importance", "performance"], "Build it with key_drivers.")
    if len(frame) < 2:
        raise SchemaError(
            f"Table 'key drivers': expected at least two drivers to split at their means, found {len(frame)} row. "
            "Build it with key_drivers on two or more drivers.",
            table="key drivers", n_rows=len(frame),
        )
    out = pd.DataFrame({c: _numbers(frame, "key drivers", c, "Build it with key_drivers.")
                        for c in ("importance", "performance")}, index=frame.index)
    high_i = out["importance"] >= out["importance"].mean()
    high_p = out["performance"] >= out["performance"].mean()
    out["quadrant"] = np.select(
        [high_i & ~high_p, high_i & high_p, ~high_i & ~high_p],
        ["concentrate here", "keep up the good work", "low priority"],
        default="possible overkill",
    )
    return out


# --------------------------------------------------------------------------
# monitoring (the "monitor" step of ICRM)
# --------------------------------------------------------------------------

_CHARTS = ("ewma", "individuals")


def control_chart(
    series: pd.Series, *, baseline_periods: int, sigma: float = 3.0, chart: str = "ewma", smoothing: float = 0.2
) -> pd.DataFrame:
    """Control chart of a KPI over time: which periods are out of control?

    The default is an **EWMA chart** (exponentially weighted moving average,
    Roberts 1959; Montgomery, *Introduction to Statistical Quality Control*):
    a weekly KPI such as a repeat-purchase rate or NPS rarely jumps; it
    drifts by a fraction of its week-to-week noise, and an EWMA chart finds
    such small sustained shifts within a few periods, where a Shewhart
    individuals chart (``chart="individuals"``, limits on each single value)
    often waits many periods. The individuals chart is the better choice for
    large sudden jumps and is easier to explain.

    Centre line and noise come from the first ``baseline_periods`` values
    only (a period known to be "in control"): the centre is their mean, the
    noise σ their average moving range / 1.128 (robust to a slow drift).
    EWMA: ``z_t = λ x_t + (1 − λ) z_{t−1}`` from ``z_0`` = centre, limits
    centre ± sigma · σ · sqrt(λ / (2 − λ) · (1 − (1 − λ)^(2t))).
    Individuals: limits centre ± sigma · σ on each value.

    Parameters
    ----------
    series : Series
        One KPI value per period, in time order (e.g. weekly); no missing values.
    baseline_periods : int
        Number of first periods that set the centre line and the noise (at least 5).
    sigma : float
        Width of the limits in standard deviations (3: rare false alarms).
    chart : {"ewma", "individuals"}
        Kind of chart (see above).
    smoothing : float
        λ of the EWMA in (0, 1]; 0.2 is the textbook choice (ignored by the individuals chart).

    Returns
    -------
    DataFrame
        Per period: ``value``, ``statistic`` (the EWMA or the value itself),
        ``centre``, ``lower``, ``upper``, ``baseline`` (True in the baseline)
        and ``out_of_control`` (statistic outside the limits). ``attrs`` hold
        ``chart``, ``sigma_hat``, ``out_of_control_periods`` (list of index
        labels) and ``first_signal`` (first such label or None).
    """
    if not isinstance(series, pd.Series):
        raise TypeError(f"series: expected a pandas Series of one KPI value per period, got {type(series).__name__}.")
    chart = _choice(chart, "chart", _CHARTS)
    baseline_periods = _whole(baseline_periods, "baseline_periods", minimum=5, example="26")
    width = _real(sigma, "sigma", example="3")
    if width <= 0:
        raise ValueError(f"sigma: expected a positive width of the limits in standard deviations, e.g. 3; got {sigma!r}.")
    lam = _real(smoothing, "smoothing", example="0.2")
    if not 0 < lam <= 1:
        raise ValueError(f"smoothing: expected the EWMA weight λ in (0, 1], e.g. 0.2; got {smoothing!r}.")
    try:
        values = pd.to_numeric(series, errors="raise").to_numpy(dtype="float64")
    except (TypeError, ValueError) as exc:
        raise TypeError(f"series: expected numbers (one KPI value per period), got dtype {series.dtype}.") from exc
    if not np.isfinite(values).all():
        raise ValueError(f"series: expected a value for every period, found {int((~np.isfinite(values)).sum())} "
                         "missing or infinite; drop or fill those periods first.")
    if len(values) < baseline_periods:
        raise ValueError(f"baseline_periods: expected at most the {len(values)} periods of the series, got {baseline_periods}.")
    base = values[:baseline_periods]
    centre = float(base.mean())
    sigma_hat = float(np.abs(np.diff(base)).mean() / 1.128)
    if sigma_hat == 0:
        warn(f"control_chart: the {baseline_periods} baseline values do not vary, so every change is out of control; "
             "use a longer baseline or a KPI with more customers per period.")
    if chart == "ewma":
        statistic = np.empty_like(values)
        previous = centre
        for i, x in enumerate(values):
            previous = lam * x + (1 - lam) * previous
            statistic[i] = previous
        t = np.arange(1, len(values) + 1)
        half = width * sigma_hat * np.sqrt(lam / (2 - lam) * (1 - (1 - lam) ** (2 * t)))
    else:
        statistic = values.copy()
        half = np.full(len(values), width * sigma_hat)
    out = pd.DataFrame({"value": values, "statistic": statistic, "centre": centre, "lower": centre - half,
                        "upper": centre + half}, index=series.index)
    out["baseline"] = np.arange(len(values)) < baseline_periods
    out["out_of_control"] = (out["statistic"] > out["upper"]) | (out["statistic"] < out["lower"])
    flagged = list(out.index[out["out_of_control"].to_numpy()])
    out.attrs.update({"chart": chart, "sigma": width, "smoothing": lam if chart == "ewma" else None,
                      "sigma_hat": sigma_hat, "baseline_periods": baseline_periods,
                      "out_of_control_periods": flagged, "first_signal": flagged[0] if flagged else None,
                      "name": series.name})
    return out


def simulate_kpi(
    weeks: int = 52, *, shift_week: int = 30, shift_size: float = -0.03, level: float = 0.30, noise: float = 0.015,
    seed: int = 0,
) -> pd.Series:
    """A seeded weekly KPI (e.g. a repeat-purchase rate) with one planted shift, to teach control charts.

    Weeks 1 … ``weeks`` carry ``level`` plus normal noise (sd ``noise``);
    from week ``shift_week`` on the level moves by ``shift_size``.

    Returns
    -------
    Series
        Index ``week`` (1, 2, …), the KPI; ``attrs`` hold the planted
        ``shift_week`` and ``shift_size``.
    """
    weeks = _whole(weeks, "weeks", minimum=2, example="52")
    shift_week = _whole(shift_week, "shift_week", minimum=1, example="30")
    if shift_week > weeks:
        raise ValueError(f"shift_week: expected a week between 1 and weeks = {weeks}, got {shift_week}.")
    shift, mean, sd = (_real(v, n, example=e) for v, n, e in
                       ((shift_size, "shift_size", "-0.03"), (level, "level", "0.30"), (noise, "noise", "0.015")))
    if sd < 0:
        raise ValueError(f"noise: expected a standard deviation ≥ 0, e.g. 0.015; got {noise!r}.")
    rng = np.random.default_rng(_whole(seed, "seed", minimum=0, example="0"))
    week = np.arange(1, weeks + 1)
    values = mean + rng.normal(0.0, sd, weeks) + np.where(week >= shift_week, shift, 0.0)
    out = pd.Series(values, index=pd.Index(week, name="week"), name="kpi")
    out.attrs.update({"shift_week": shift_week, "shift_size": shift})
    return out


_WEEKLY_KPIS = ("spend per buyer", "buyers", "repeat share")


def weekly_kpi(
    transactions: pd.DataFrame, *, observation_end: str | pd.Timestamp, kpi: str = "spend per buyer"
) -> pd.Series:
    """A KPI per complete calendar week (Monday to Sunday) up to ``observation_end``, to monitor over time.

    ``"spend per buyer"``: the week's spend divided by the customers who
    bought in it; ``"buyers"``: the customers who bought in the week;
    ``"repeat share"``: the share of the week's buyers who had bought in an
    earlier week. A week after the last complete one is left out; a week
    without purchases has 0 buyers (and no spend per buyer or repeat share:
    it is left out of those).

    Returns
    -------
    Series
        Index ``week`` (the Monday, ISO date), the KPI; ``attrs["kpi"]``.
    """
    kpi = _choice(kpi, "kpi", _WEEKLY_KPIS)
    end = as_date(observation_end, "observation_end", required=True).normalize()
    frame = _frame(transactions, "transactions")
    dates = _purchase_dates(frame)
    if (dates >= end + pd.Timedelta(days=1)).any():
        raise SchemaError(
            f"Table 'transactions', column 'date': expected dates up to observation_end {end.date()}, found "
            f"{int((dates > end).sum())} later rows. Drop them with a count: "
            f"idic_lab.schema.clean('transactions', df, observation_end='{end.date()}').",
            table="transactions", column="date", n_rows=len(frame),
        )
    week = pd.PeriodIndex(dates, freq="W").asi8
    end_week = pd.Period(end, freq="W")
    last = end_week.ordinal if end_week.end_time.normalize() <= end else end_week.ordinal - 1
    customers = frame["customer_id"].astype("str").to_numpy()
    keep = week <= last
    if not keep.any():
        raise SchemaError(
            f"Table 'transactions', column 'date': expected purchases in at least one complete week by "
            f"observation_end {end.date()}, found none. Choose a later observation_end.",
            table="transactions", column="date", n_rows=len(frame),
        )
    first_week = pd.Series(week).groupby(customers).transform("min").to_numpy()
    active = pd.DataFrame({"week": week, "customer": customers, "repeat": week > first_week})[keep]
    weeks = np.arange(active["week"].min(), last + 1)
    by_week = active.drop_duplicates(["week", "customer"]).groupby("week", sort=True)
    buyers = by_week.size().reindex(weeks, fill_value=0)
    if kpi == "buyers":
        values = buyers.astype("float64")
    elif kpi == "repeat share":
        values = by_week["repeat"].mean().reindex(weeks)
    else:
        amounts = _numbers(frame, "transactions", "amount")[keep]
        values = pd.Series(amounts).groupby(active["week"].to_numpy()).sum().reindex(weeks) / buyers.replace(0, np.nan)
    values = values.dropna()
    out = pd.Series(values.to_numpy(dtype="float64"), name=kpi, index=pd.Index(
        [str(pd.Period(ordinal=int(o), freq="W").start_time.date()) for o in values.index], name="week"))
    out.attrs.update({"kpi": kpi, "observation_end": str(end.date())})
    return out


# --------------------------------------------------------------------------
# stage results: what a notebook cell shows and records, computed in one call
# --------------------------------------------------------------------------

_PERIOD_NAMES = {"D": "day", "W": "week", "M": "month", "Q": "quarter"}


@dataclass(frozen=True)
class ChannelCosts:
    """Contacts and cost per channel (:func:`channel_costs`), with the figures a report records."""

    table: pd.DataFrame

    def headline(self) -> dict[str, Any]:
        """Contacts, total cost, the dearest channel per contact and the shares per channel."""
        table = self.table
        return {"n_contacts": int(table["contacts"].sum()),
                "total_cost": round(float(table["total_cost"].sum()), 2),
                "dearest_channel": str(table["cost_per_contact"].idxmax()),
                "table": table[["share_of_contacts", "share_of_cost", "cost_per_contact"]].round(4).to_dict()}

    def finding(self, currency: str = "") -> str:
        """One sentence: the channel with the largest share of cost, against its share of contacts."""
        from idic_lab.formatting import count, money, percent

        table = self.table
        dear = table["share_of_cost"].idxmax()
        return (f"The {str(dear).replace('_', ' ')} channel carries {percent(table.loc[dear, 'share_of_cost'])} of the contact cost but "
                f"{percent(table.loc[dear, 'share_of_contacts'])} of the {count(table['contacts'].sum())} contacts "
                f"({money(table.loc[dear, 'cost_per_contact'], currency, 2)} per contact).")


def channel_costs(
    interactions: pd.DataFrame, *, cost_per_contact: Mapping[str, float] | pd.Series | None = None
) -> ChannelCosts:
    """:func:`channel_summary` as a stage result: the table, its headline figures and a finding.

    Parameters
    ----------
    interactions, cost_per_contact
        As in :func:`channel_summary`.

    Returns
    -------
    ChannelCosts
    """
    return ChannelCosts(channel_summary(interactions, cost_per_contact=cost_per_contact))


@dataclass(frozen=True)
class ServiceCosts:
    """Cost to serve against value per value tier (:func:`service_costs`)."""

    table: pd.DataFrame

    @property
    def contacts_without_value(self) -> int:
        """Contacts of customers who bought nothing in the transactions (left out of the tiers)."""
        return int(self.table.attrs["contacts_without_value"])

    def headline(self) -> dict[str, Any]:
        """Cost per customer and cost as a share of value, per tier."""
        return {"cost_per_customer_by_tier": self.table["cost_per_customer"].round(3),
                "cost_to_value_by_tier": self.table["cost_to_value"].round(4)}

    def note(self) -> str:
        """One line for the page: the contacts left out because their customer has no purchases."""
        return f"{self.contacts_without_value:,} contacts belong to customers without purchases in the transactions."


def service_costs(
    interactions: pd.DataFrame,
    transactions: pd.DataFrame,
    *,
    observation_end: str | pd.Timestamp,
    time_unit: str = "W",
    cost_per_contact: Mapping[str, float] | pd.Series | None = None,
) -> ServiceCosts:
    """Cost to serve per value tier, from the contacts and the purchases (:func:`cost_to_serve`).

    The value of a customer is the total spend of
    :func:`idic_lab.differentiate.rfm_summary` up to ``observation_end``;
    tiers are :func:`idic_lab.differentiate.value_tiers` of that value.

    Parameters
    ----------
    interactions : DataFrame
        Canonical interactions (``customer_id``, ``channel``, ``cost``).
    transactions : DataFrame
        Canonical purchases (``customer_id``, ``date``, ``amount``).
    observation_end, time_unit
        As in :func:`idic_lab.differentiate.rfm_summary`.
    cost_per_contact : mapping, optional
        As in :func:`customer_contacts`.

    Returns
    -------
    ServiceCosts
    """
    contacts = customer_contacts(interactions, cost_per_contact=cost_per_contact)
    value = dif.rfm_summary(transactions, observation_end=observation_end, time_unit=time_unit,
                            definition="rfm")["total_value"]
    return ServiceCosts(cost_to_serve(contacts, value))


@dataclass(frozen=True)
class RetentionCohorts:
    """A cohort table (:func:`retention_cohorts`) and its pooled retention one period after the first purchase."""

    table: pd.DataFrame
    time_unit: str

    @property
    def period1(self) -> float:
        """Share of customers buying again one period after their first, pooled over the cohorts that reached it."""
        if 1 not in self.table.columns:
            return float("nan")
        weights = self.table["customers"].where(self.table[1].notna())
        total = float(weights.sum())
        return float((self.table[1] * weights).sum() / total) if total > 0 else float("nan")

    def headline(self) -> dict[str, Any]:
        """The pooled retention one period after the first purchase."""
        return {"period1_retention": round(self.period1, 4)}

    def summary(self) -> str:
        """One line for the page: the pooled period-1 retention and the last complete period."""
        return (f"Retention one period ({self.time_unit}) after the first purchase, all cohorts: {self.period1:.1%}; "
                f"last complete period {self.table.attrs['last_complete_period']}.")

    def finding(self) -> str:
        """One sentence for the report."""
        from idic_lab.formatting import percent

        return (f"{percent(self.period1)} of customers buy again in the {_PERIOD_NAMES[self.time_unit]} after their "
                "first purchase (all cohorts).")


def retention_cohorts(
    transactions: pd.DataFrame, *, observation_end: str | pd.Timestamp, time_unit: str = "M",
    max_periods: int | None = None,
) -> RetentionCohorts:
    """:func:`cohort_retention` as a stage result, with the pooled retention one period on.

    Parameters
    ----------
    transactions, observation_end, time_unit, max_periods
        As in :func:`cohort_retention`.

    Returns
    -------
    RetentionCohorts
        ``period1`` is missing when no cohort has reached period 1.
    """
    table = cohort_retention(transactions, observation_end=observation_end, time_unit=time_unit,
                             max_periods=max_periods)
    return RetentionCohorts(table, _choice(time_unit, "time_unit", tuple(_PERIOD_NAMES)))


@dataclass(frozen=True)
class KpiMonitor:
    """A weekly KPI and its control chart (:func:`monitor_kpi`); no chart when there are too few weeks."""

    weekly: pd.Series
    chart: pd.DataFrame | None
    min_weeks: int

    @property
    def usable(self) -> bool:
        """True if there were enough complete weeks for a baseline and a chart."""
        return self.chart is not None

    def headline(self) -> dict[str, Any]:
        """Weeks charted, baseline weeks, weeks out of control and the first signal (empty without a chart)."""
        if self.chart is None:
            return {}
        attrs = self.chart.attrs
        return {"weeks": len(self.chart), "baseline_weeks": attrs["baseline_periods"],
                "out_of_control_weeks": len(attrs["out_of_control_periods"]), "first_signal": attrs["first_signal"]}

    def summary(self) -> str:
        """One line for the page: how many weeks after the baseline are out of control, or why there is no chart."""
        if self.chart is None:
            return (f"Only {len(self.weekly):,} complete weeks: too few for a baseline and a chart (at least "
                    f"{self.min_weeks} are needed).")
        flagged = self.chart.attrs["out_of_control_periods"]
        after = len(self.chart) - self.chart.attrs["baseline_periods"]
        return (f"{len(flagged):,} of {after:,} weeks after the baseline are out of control"
                + (f", the first in the week of {flagged[0]}." if flagged else "."))


def monitor_kpi(
    transactions: pd.DataFrame, *, observation_end: str | pd.Timestamp, kpi: str = "spend per buyer",
    baseline_periods: int = 26, min_weeks: int = 10,
) -> KpiMonitor:
    """A weekly KPI (:func:`weekly_kpi`) on an EWMA control chart (:func:`control_chart`).

    The baseline is the first ``baseline_periods`` weeks, or the first half
    of the weeks when there are fewer than twice as many. With fewer than
    ``min_weeks`` complete weeks no chart is drawn (``chart`` is ``None``).

    Parameters
    ----------
    transactions, observation_end, kpi
        As in :func:`weekly_kpi`.
    baseline_periods : int
        Longest baseline, in weeks (at least 5).
    min_weeks : int
        Fewest complete weeks for a chart (at least 10: a baseline of 5 and as many to watch).

    Returns
    -------
    KpiMonitor
    """
    baseline_periods = _whole(baseline_periods, "baseline_periods", minimum=5, example="26")
    min_weeks = _whole(min_weeks, "min_weeks", minimum=10, example="10")
    weekly = weekly_kpi(transactions, observation_end=observation_end, kpi=kpi)
    chart = None
    if len(weekly) >= min_weeks:
        chart = control_chart(weekly, baseline_periods=min(baseline_periods, len(weekly) // 2))
    return KpiMonitor(weekly, chart, min_weeks)


@dataclass(frozen=True)
class PlantedShift:
    """A simulated KPI with one planted shift on an EWMA and an individuals chart (:func:`planted_shift`)."""

    simulated: pd.Series
    ewma: pd.DataFrame
    individuals: pd.DataFrame

    @property
    def shift_week(self) -> int:
        """The week the planted shift starts."""
        return int(self.simulated.attrs["shift_week"])

    def _after(self, chart: pd.DataFrame) -> int:
        return int(chart.loc[self.shift_week:, "out_of_control"].sum())

    def headline(self) -> dict[str, Any]:
        """Planted week, the EWMA's first signal and false alarms, weeks flagged after the shift by each chart."""
        first = self.ewma.attrs["first_signal"]
        return {"planted_shift_week": self.shift_week,
                "planted_first_signal": None if first is None else int(first),
                "planted_false_alarms": int(self.ewma.loc[self.ewma.index < self.shift_week, "out_of_control"].sum()),
                "planted_flagged_after_shift": {"ewma": self._after(self.ewma),
                                                "individuals": self._after(self.individuals)}}

    def summary(self) -> str:
        """One line for the page: when the EWMA first signals, and how many weeks after the shift each chart flags."""
        weeks = int((self.simulated.index >= self.shift_week).sum())
        return (f"EWMA: first signal in week {self.ewma.attrs['first_signal']}, {self._after(self.ewma)} of {weeks} "
                f"weeks after the shift flagged; individuals chart: {self._after(self.individuals)} of {weeks}.")


def planted_shift(
    weeks: int = 52, *, shift_week: int = 30, shift_size: float = -0.03, baseline_periods: int = 26, seed: int = 0
) -> PlantedShift:
    """Teach control charts: :func:`simulate_kpi` with a planted shift, on an EWMA and an individuals chart.

    Parameters
    ----------
    weeks, shift_week, shift_size, seed
        As in :func:`simulate_kpi`.
    baseline_periods : int
        Baseline of both charts; at most ``shift_week - 1`` so that the shift lies after it.

    Returns
    -------
    PlantedShift
    """
    simulated = simulate_kpi(weeks, shift_week=shift_week, shift_size=shift_size, seed=seed)
    baseline_periods = _whole(baseline_periods, "baseline_periods", minimum=5, example="26")
    if baseline_periods >= simulated.attrs["shift_week"]:
        raise ValueError(f"baseline_periods={baseline_periods}: expected fewer weeks than shift_week="
                         f"{simulated.attrs['shift_week']}, so that the baseline ends before the planted shift.")
    return PlantedShift(simulated, control_chart(simulated, baseline_periods=baseline_periods),
                        control_chart(simulated, baseline_periods=baseline_periods, chart="individuals"))
