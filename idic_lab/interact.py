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

Every function takes canonical tables (see :mod:`idic_lab.schema`) and
returns a new DataFrame; inputs are never modified.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from idic_lab import differentiate as dif
from idic_lab.schema import SchemaError, as_date, column_mapping

__all__ = [
    "CAMPAIGN_COLUMNS",
    "ClassTransformationUplift",
    "InteractInputs",
    "ResponseModel",
    "TwoModelUplift",
    "campaign_lift",
    "campaign_results",
    "channel_summary",
    "churn_risk",
    "cohort_retention",
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
    "relative_weights",
    "sample_size",
    "split_campaign",
    "test_power",
    "uplift_by_decile",
    "uplift_truth_check",
    "win_back_targets",
]

CAMPAIGN_COLUMNS = ("customer_id", "treatment", "outcome", "spend")
"""Canonical campaign columns that are never used as uplift features."""


# --------------------------------------------------------------------------
# checks shared by the stage
# --------------------------------------------------------------------------


def _frame(data: Any, table: str) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"{table}: expected a pandas DataFrame, found {type(data).__name__}.")
    if data.empty:
        raise SchemaError(f"Table '{table}': expected at least one row, found 0 rows.", table=table, n_rows=0)
    return data


def _require(data: pd.DataFrame, table: str, columns: Sequence[str], advice: str = "") -> None:
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise SchemaError(
            f"Table '{table}': expected the column(s) {', '.join(columns)}, found no {', '.join(missing)} among "
            f"{list(data.columns)} ({len(data)} rows). {advice or 'Map your columns with columns={canonical: yours}.'}",
            table=table, column=missing[0], n_rows=len(data),
        )


def _no_missing(data: pd.DataFrame, table: str, column: str) -> None:
    gaps = data[column].isna()
    if gaps.any():
        raise SchemaError(
            f"Table '{table}', column '{column}': expected a value in every row, found {int(gaps.sum())} of "
            f"{len(data)} rows missing (e.g. rows {list(data.index[gaps][:3])}).",
            table=table, column=column, n_bad=int(gaps.sum()), n_rows=len(data),
        )


def _numbers(data: pd.DataFrame, table: str, column: str) -> np.ndarray:
    _no_missing(data, table, column)
    values = pd.to_numeric(data[column], errors="coerce")
    bad = values.isna()
    if bad.any():
        raise SchemaError(
            f"Table '{table}', column '{column}': expected numbers, found {int(bad.sum())} of {len(data)} rows that "
            f"are not (e.g. {data.loc[bad, column].head(3).tolist()}).",
            table=table, column=column, n_bad=int(bad.sum()), n_rows=len(data),
        )
    return values.to_numpy(dtype="float64")


def _binary(data: pd.DataFrame, table: str, column: str, meaning: str) -> np.ndarray:
    values = _numbers(data, table, column)
    bad = ~np.isin(values, (0.0, 1.0))
    if bad.any():
        found = sorted(pd.unique(values[bad]).tolist())[:5]
        raise SchemaError(
            f"Table '{table}', column '{column}': expected 0/1 ({meaning}), found {int(bad.sum())} of {len(data)} "
            f"rows with other values, e.g. {found}. Recode the column (prepare_campaign(..., control_value=...) "
            "turns a group label into 0/1).",
            table=table, column=column, n_bad=int(bad.sum()), n_rows=len(data),
        )
    return values.astype("int64")


def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence={confidence!r}: expected a level between 0 and 1, e.g. 0.95.")
    return float(stats.norm.ppf(0.5 + confidence / 2))


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

    Returns
    -------
    DataFrame
        The validated canonical table.
    """
    from idic_lab.schema import read_file, validate

    if kind not in ("interactions", "campaign", "survey"):
        raise ValueError(f"kind={kind!r}: expected 'interactions', 'campaign' or 'survey'.")
    raw = read_file(path)
    mapping = column_mapping(columns)
    if kind == "campaign":
        return prepare_campaign(raw, columns=mapping, control_value=control_value or None)
    return validate(kind, raw, columns=mapping, date_format=date_format or None)


@dataclass(frozen=True)
class InteractInputs:
    """The tables of the Interact stage and where each one came from (see :func:`load_inputs`).

    Attributes
    ----------
    world : CRMWorld or None
        The synthetic world (with its planted truth) used for every table
        without a client file; ``None`` when every table comes from a file.
    interactions, campaign, survey, transactions : DataFrame
        The canonical tables; ``transactions`` is cleaned.
    cleaning : CleaningReport
        Rows dropped from the transactions, per reason.
    observation_end : str
        ISO date, the last observed day of the transactions.
    synthetic : Mapping[str, bool]
        Per table name: ``True`` if it comes from the synthetic world.
    """

    world: Any | None
    interactions: pd.DataFrame
    campaign: pd.DataFrame
    survey: pd.DataFrame
    transactions: pd.DataFrame
    cleaning: Any
    observation_end: str
    synthetic: Mapping[str, bool]

    def sources(self) -> pd.DataFrame:
        """Rows and source ("synthetic world" or "client file") of each table.

        Returns
        -------
        DataFrame
            Index interactions, campaign, survey, transactions; columns
            ``rows`` and ``source``.
        """
        tables = {"interactions": self.interactions, "campaign": self.campaign, "survey": self.survey,
                  "transactions": self.transactions}
        return pd.DataFrame({
            "rows": {name: len(table) for name, table in tables.items()},
            "source": {name: "synthetic world" if self.synthetic[name] else "client file" for name in tables},
        })


def load_inputs(
    *,
    interactions_file: str = "",
    interaction_columns: Mapping[str, str] | str | None = None,
    campaign_file: str = "",
    campaign_columns: Mapping[str, str] | str | None = None,
    control_value: str = "",
    survey_file: str = "",
    survey_columns: Mapping[str, str] | str | None = None,
    transactions_file: str = "",
    transaction_columns: Mapping[str, str] | str | None = None,
    date_format: str = "",
    observation_end: str = "",
    synthetic_customers: int = 5000,
    seed: int = 0,
) -> InteractInputs:
    """Load the four tables of the Interact stage from a client's files or the synthetic world.

    Each table with a file is read and mapped onto its contract (interactions,
    campaign and survey with :func:`load_table`, transactions with
    :func:`idic_lab.differentiate.load_transactions`); each table without one
    comes from the seeded synthetic world. The transactions are cleaned.

    Parameters
    ----------
    interactions_file, campaign_file, survey_file, transactions_file : str
        Client exports; empty: the synthetic world's table.
    interaction_columns, campaign_columns, survey_columns, transaction_columns : dict or JSON str, optional
        ``{canonical: client column}`` of the matching file; never modified.
    control_value : str
        Label of the control group in the campaign's treatment column; empty:
        the treatment is already 0/1.
    date_format : str
        strftime format of the client's dates (interactions, transactions);
        empty: detect.
    observation_end : str
        ISO date, last observed day. Client transactions are cut there. Empty:
        the world's end (synthetic transactions) or the last purchase (client).
    synthetic_customers : int
        People in the synthetic world.
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
        If ``observation_end`` is not a date.
    SchemaError
        If a client file breaks its table's contract (e.g. a mapped column is absent).

    Examples
    --------
    >>> inputs = load_inputs(synthetic_customers=500, seed=1)
    >>> inputs.sources()["source"].unique().tolist()
    ['synthetic world']
    """
    from idic_lab.datasets import load_dataset
    from idic_lab.schema import clean

    if observation_end:
        try:
            pd.Timestamp(observation_end)
        except (TypeError, ValueError) as error:
            raise ValueError(
                f"observation_end={observation_end!r}: expected an ISO date such as '2024-12-31', or empty."
            ) from error
    files = {"interactions": interactions_file, "campaign": campaign_file, "survey": survey_file,
             "transactions": transactions_file}
    synthetic = {name: not path for name, path in files.items()}
    world = load_dataset("synthetic", n_customers=synthetic_customers, seed=seed) if any(synthetic.values()) else None
    interactions = (load_table("interactions", interactions_file, columns=interaction_columns, date_format=date_format)
                    if interactions_file else world.interactions)
    campaign = (load_table("campaign", campaign_file, columns=campaign_columns, control_value=control_value)
                if campaign_file else world.campaign)
    survey = load_table("survey", survey_file, columns=survey_columns) if survey_file else world.survey
    if transactions_file:
        transactions, cleaning = dif.load_transactions(transactions_file, columns=transaction_columns,
                                                       date_format=date_format or None,
                                                       observation_end=observation_end or None)
        end = observation_end or str(transactions["date"].max().date())
    else:
        transactions, cleaning = clean("transactions", world.transactions, observation_end=world.observation_end)
        end = observation_end or str(world.observation_end.date())
    return InteractInputs(world=world, interactions=interactions, campaign=campaign, survey=survey,
                          transactions=transactions, cleaning=cleaning, observation_end=end,
                          synthetic=MappingProxyType(synthetic))


def prepare_campaign(
    raw: pd.DataFrame,
    *,
    columns: Mapping[str, str] | str | None = None,
    control_value: Any = None,
    id_from_row: bool = False,
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

    Returns
    -------
    DataFrame
        Validated by :func:`idic_lab.schema.validate` (treatment 0/1).

    Raises
    ------
    SchemaError
        If a mapped column is absent, ``control_value`` does not occur, or
        the table breaks its contract.
    """
    from idic_lab.schema import validate

    _frame(raw, "campaign")
    mapping = column_mapping(columns)
    frame = raw.copy()
    if control_value is not None:
        source = mapping.get("treatment", "treatment")
        _require(frame, "campaign", [source], "Name the group column with columns={'treatment': yours}.")
        labels = frame[source].astype("string").str.strip()
        control = labels == str(control_value).strip()
        if not control.any():
            found = labels.dropna().unique().tolist()[:6]
            raise SchemaError(
                f"Table 'campaign', column '{source}': expected the control label {control_value!r}, found 0 of "
                f"{len(frame)} rows with it (labels: {found}).",
                table="campaign", column="treatment", n_bad=len(frame), n_rows=len(frame),
            )
        frame["treatment"] = (~control).astype("int64").to_numpy()
        if source != "treatment":
            mapping.pop("treatment", None)
    if id_from_row:
        frame["customer_id"] = [f"row{i}" for i in range(len(frame))]
        mapping.pop("customer_id", None)
    return validate("campaign", frame, columns=mapping)


# --------------------------------------------------------------------------
# channels and cost to serve
# --------------------------------------------------------------------------


def _contacts(interactions: pd.DataFrame, cost_per_contact: Mapping[str, float] | pd.Series | None) -> pd.DataFrame:
    frame = _frame(interactions, "interactions")
    _require(frame, "interactions", ["customer_id", "channel"])
    _no_missing(frame, "interactions", "customer_id")
    _no_missing(frame, "interactions", "channel")
    out = pd.DataFrame({"customer_id": frame["customer_id"].astype("str"), "channel": frame["channel"].astype("str")})
    if cost_per_contact is not None:
        costs = pd.Series(cost_per_contact, dtype="float64")
        unknown = ~out["channel"].isin(costs.index)
        if unknown.any():
            raise SchemaError(
                f"Table 'interactions', column 'channel': expected a cost for every channel, found "
                f"{int(unknown.sum())} of {len(out)} rows in channels without one: "
                f"{sorted(out.loc[unknown, 'channel'].unique())[:5]} (costs given for {list(costs.index)}).",
                table="interactions", column="channel", n_bad=int(unknown.sum()), n_rows=len(out),
            )
        out["cost"] = out["channel"].map(costs).to_numpy()
    elif "cost" in frame.columns:
        out["cost"] = _numbers(frame, "interactions", "cost")
        if (out["cost"] < 0).any():
            n_bad = int((out["cost"] < 0).sum())
            raise SchemaError(
                f"Table 'interactions', column 'cost': expected costs >= 0, found {n_bad} of {len(out)} rows below 0.",
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
    out = out.join(per_channel).sort_index()
    out.columns.name = None
    return out


def cost_to_serve(contacts: pd.DataFrame, value: pd.Series, *, tiers: pd.Series | None = None) -> pd.DataFrame:
    """Cost to serve against value, per value tier.

    Parameters
    ----------
    contacts : DataFrame
        From :func:`customer_contacts` (``contacts`` and ``cost`` per customer).
    value : Series
        Value per customer (e.g. ``current_value`` or ``lifetime_value`` of
        :func:`idic_lab.differentiate.value_table`). Customers in ``value``
        without any contact count with 0 contacts and 0 cost; contacts of
        customers without a value are left out and counted in
        ``result.attrs["contacts_without_value"]``.
    tiers : Series, optional
        Tier per customer; default :func:`idic_lab.differentiate.value_tiers`
        of ``value`` (Platinum, Gold, Iron, Lead).

    Returns
    -------
    DataFrame
        Per tier: ``customers``, ``contacts_per_customer``,
        ``cost_per_customer``, ``value_per_customer``, ``share_of_value``,
        ``share_of_cost`` and ``cost_to_value`` (cost as a share of value).
    """
    _require(_frame(contacts, "contacts"), "contacts", ["contacts", "cost"], "Build it with customer_contacts.")
    if not isinstance(value, pd.Series) or value.empty:
        raise TypeError("value: expected a non-empty pandas Series of value per customer.")
    value = value.astype("float64")
    value.index = value.index.astype("str")
    if tiers is None:
        tiers = dif.value_tiers(value)
    else:
        tiers = tiers.copy()
        tiers.index = tiers.index.astype("str")
    per = contacts[["contacts", "cost"]].copy()
    per.index = per.index.astype("str")
    joined = pd.DataFrame({"value": value})
    joined["tier"] = tiers.reindex(value.index)  # keeps an ordered categorical in its order
    if joined["tier"].isna().any():
        n_bad = int(joined["tier"].isna().sum())
        raise ValueError(f"tiers: expected a tier for every customer in value, found {n_bad} of {len(value)} without.")
    joined = joined.join(per).fillna({"contacts": 0, "cost": 0.0})
    table = joined.groupby("tier", observed=False).agg(
        customers=("value", "size"), contacts=("contacts", "sum"), cost=("cost", "sum"), value=("value", "sum")
    )
    out = pd.DataFrame(index=table.index)
    out["customers"] = table["customers"]
    out["contacts_per_customer"] = table["contacts"] / table["customers"]
    out["cost_per_customer"] = table["cost"] / table["customers"]
    out["value_per_customer"] = table["value"] / table["customers"]
    out["share_of_value"] = table["value"] / table["value"].sum()
    out["share_of_cost"] = table["cost"] / table["cost"].sum() if table["cost"].sum() > 0 else 0.0
    out["cost_to_value"] = table["cost"] / table["value"].where(table["value"] > 0)
    out.attrs["contacts_without_value"] = int(per.loc[~per.index.isin(value.index), "contacts"].sum())
    return out


# --------------------------------------------------------------------------
# campaign tests
# --------------------------------------------------------------------------


def _campaign_arrays(campaign: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    frame = _frame(campaign, "campaign")
    _require(frame, "campaign", ["treatment", "outcome"])
    treatment = _binary(frame, "campaign", "treatment", "1 = received the campaign, 0 = control group")
    outcome = _binary(frame, "campaign", "outcome", "1 = responded, 0 = did not")
    for arm, name in ((0, "control group (treatment == 0)"), (1, "treated group (treatment == 1)")):
        if not (treatment == arm).any():
            raise SchemaError(
                f"Table 'campaign', column 'treatment': expected a {name}, found 0 of {len(frame)} rows. "
                "Without a randomised control group the effect of a campaign cannot be measured.",
                table="campaign", column="treatment", n_bad=len(frame), n_rows=len(frame),
            )
    return treatment, outcome


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
        Canonical campaign table: ``treatment`` 0/1 and ``outcome`` 0/1
        (``spend`` optional).
    confidence : float
        Level of the intervals.

    Returns
    -------
    DataFrame
        Index ``arm`` ("control", "treated"): ``customers``, ``responders``,
        ``response_rate``, ``ci_low``, ``ci_high`` and, with ``spend``,
        ``revenue`` and ``revenue_per_customer``.
    """
    treatment, outcome = _campaign_arrays(campaign)
    z = _z(confidence)
    n = np.array([(treatment == 0).sum(), (treatment == 1).sum()], dtype="float64")
    hits = np.array([outcome[treatment == 0].sum(), outcome[treatment == 1].sum()], dtype="float64")
    low, high = _wilson(hits, n, z)
    out = pd.DataFrame(
        {"customers": n.astype("int64"), "responders": hits.astype("int64"), "response_rate": hits / n,
         "ci_low": low, "ci_high": high},
        index=pd.Index(["control", "treated"], name="arm"),
    )
    if "spend" in campaign.columns:
        spend = _numbers(campaign, "campaign", "spend")
        out["revenue"] = [spend[treatment == 0].sum(), spend[treatment == 1].sum()]
        out["revenue_per_customer"] = out["revenue"] / out["customers"]
    return out


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
        Canonical campaign table (``treatment``, ``outcome`` 0/1; ``spend``
        optional).
    confidence : float
        Level of the intervals.
    method : {"normal", "bootstrap"}
        ``"normal"``: the two-proportion normal approximation (unpooled
        standard error) for the absolute lift, the log risk ratio (Katz et
        al. 1978) for the relative lift, Welch's standard error for revenue.
        ``"bootstrap"``: percentile intervals from ``n_bootstrap`` resamples
        within each arm (Efron & Tibshirani 1993), seeded.
    n_bootstrap : int
        Resamples for ``method="bootstrap"``.
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
    """
    if method not in ("normal", "bootstrap"):
        raise ValueError(f"method={method!r}: expected 'normal' or 'bootstrap'.")
    treatment, outcome = _campaign_arrays(campaign)
    z = _z(confidence)
    spend = _numbers(campaign, "campaign", "spend") if "spend" in campaign.columns else None
    y1, y0 = outcome[treatment == 1].astype("float64"), outcome[treatment == 0].astype("float64")
    n1, n0 = len(y1), len(y0)
    p1, p0 = y1.mean(), y0.mean()
    rows: dict[str, tuple[float, float, float]] = {}
    pooled = (y1.sum() + y0.sum()) / (n1 + n0)
    se_pooled = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
    p_value = float(2 * stats.norm.sf(abs(p1 - p0) / se_pooled)) if se_pooled > 0 else float("nan")
    if method == "normal":
        low1, high1 = _wilson(np.array([y1.sum()]), np.array([n1]), z)
        low0, high0 = _wilson(np.array([y0.sum()]), np.array([n0]), z)
        rows["response_rate_treated"] = (p1, float(low1[0]), float(high1[0]))
        rows["response_rate_control"] = (p0, float(low0[0]), float(high0[0]))
        se = math.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
        rows["absolute_lift"] = (p1 - p0, p1 - p0 - z * se, p1 - p0 + z * se)
        if p1 > 0 and p0 > 0:
            se_log = math.sqrt((1 - p1) / (n1 * p1) + (1 - p0) / (n0 * p0))
            ratio = p1 / p0
            rows["relative_lift"] = (ratio - 1, ratio * math.exp(-z * se_log) - 1, ratio * math.exp(z * se_log) - 1)
        else:
            rows["relative_lift"] = (p1 / p0 - 1 if p0 > 0 else float("nan"), float("nan"), float("nan"))
        if spend is not None:
            s1, s0 = spend[treatment == 1], spend[treatment == 0]
            diff = s1.mean() - s0.mean()
            se_s = math.sqrt(s1.var(ddof=1) / n1 + s0.var(ddof=1) / n0) if min(n1, n0) > 1 else float("nan")
            rows["incremental_revenue_per_customer"] = (diff, diff - z * se_s, diff + z * se_s)
    else:
        rng = np.random.default_rng(seed)
        i1 = rng.integers(0, n1, size=(int(n_bootstrap), n1))
        i0 = rng.integers(0, n0, size=(int(n_bootstrap), n0))
        b1, b0 = y1[i1].mean(axis=1), y0[i0].mean(axis=1)
        alpha = (1 - confidence) / 2

        def interval(estimate: float, draws: np.ndarray) -> tuple[float, float, float]:
            draws = draws[np.isfinite(draws)]
            return estimate, float(np.quantile(draws, alpha)), float(np.quantile(draws, 1 - alpha))

        rows["response_rate_treated"] = interval(p1, b1)
        rows["response_rate_control"] = interval(p0, b0)
        rows["absolute_lift"] = interval(p1 - p0, b1 - b0)
        with np.errstate(divide="ignore", invalid="ignore"):
            rows["relative_lift"] = interval(p1 / p0 - 1 if p0 > 0 else float("nan"), b1 / b0 - 1)
        if spend is not None:
            s1, s0 = spend[treatment == 1], spend[treatment == 0]
            rows["incremental_revenue_per_customer"] = interval(
                s1.mean() - s0.mean(), s1[i1].mean(axis=1) - s0[i0].mean(axis=1)
            )
    lift = rows["absolute_lift"]
    rows["incremental_responders"] = tuple(v * n1 for v in lift)  # type: ignore[assignment]
    if "incremental_revenue_per_customer" in rows:
        rows["incremental_revenue"] = tuple(v * n1 for v in rows["incremental_revenue_per_customer"])  # type: ignore[assignment]
    out = pd.DataFrame.from_dict(rows, orient="index", columns=["estimate", "ci_low", "ci_high"])
    out.index.name = "measure"
    out.attrs.update({"p_value": p_value, "method": method, "confidence": confidence, "n_treated": n1, "n_control": n0})
    return out


def _check_rate(value: float, name: str) -> float:
    if not isinstance(value, (int, float, np.floating, np.integer)) or not 0 < float(value) < 1:
        raise ValueError(f"{name}={value!r}: expected a rate between 0 and 1 (exclusive), e.g. 0.05.")
    return float(value)


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
    p0 = _check_rate(baseline_rate, "baseline_rate")
    p1 = _check_rate(p0 + float(minimum_lift), "baseline_rate + minimum_lift")
    if minimum_lift == 0:
        raise ValueError("minimum_lift=0: expected a lift other than zero.")
    _check_rate(alpha, "alpha")
    _check_rate(power, "power")
    if ratio <= 0:
        raise ValueError(f"ratio={ratio!r}: expected treated per control customer > 0.")
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
    p0 = _check_rate(baseline_rate, "baseline_rate")
    p1 = _check_rate(p0 + float(minimum_lift), "baseline_rate + minimum_lift")
    if n_per_arm < 2:
        raise ValueError(f"n_per_arm={n_per_arm!r}: expected at least 2 customers per arm.")
    z_a = stats.norm.ppf(1 - alpha / 2)
    p_bar = (p0 + p1) / 2
    se0 = math.sqrt(2 * p_bar * (1 - p_bar) / n_per_arm)
    se1 = math.sqrt((p0 * (1 - p0) + p1 * (1 - p1)) / n_per_arm)
    return float(stats.norm.cdf((abs(p1 - p0) - z_a * se0) / se1))


test_power.__test__ = False  # type: ignore[attr-defined]  # not a pytest test, despite the name


# --------------------------------------------------------------------------
# uplift
# --------------------------------------------------------------------------


def split_campaign(campaign: pd.DataFrame, *, test_size: float = 0.3, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split a campaign into training and held-out customers, stratified by arm and outcome.

    Parameters
    ----------
    campaign : DataFrame
        Canonical campaign table.
    test_size : float
        Share of customers held out for evaluation.
    seed : int
        Seed of the split.

    Returns
    -------
    (DataFrame, DataFrame)
        Training and test rows (copies, original index kept).
    """
    from sklearn.model_selection import train_test_split

    treatment, outcome = _campaign_arrays(campaign)
    if not 0 < test_size < 1:
        raise ValueError(f"test_size={test_size!r}: expected a share between 0 and 1.")
    strata = treatment * 2 + outcome
    counts = np.bincount(strata, minlength=4)
    stratify = strata if counts[counts > 0].min() >= 2 else treatment
    train, test = train_test_split(campaign, test_size=test_size, random_state=seed, stratify=stratify)
    return train.copy(), test.copy()


def _feature_columns(campaign: pd.DataFrame, features: Sequence[str] | None) -> list[str]:
    if features is None:
        chosen = [c for c in campaign.columns if c not in CAMPAIGN_COLUMNS and pd.api.types.is_numeric_dtype(campaign[c])
                  and not pd.api.types.is_bool_dtype(campaign[c])]
        if not chosen:
            raise SchemaError(
                f"Table 'campaign': expected numeric pre-treatment feature columns besides {', '.join(CAMPAIGN_COLUMNS)}, "
                f"found none among {list(campaign.columns)} ({len(campaign)} rows).",
                table="campaign", n_rows=len(campaign),
            )
        return chosen
    features = list(features)
    _require(campaign, "campaign", features, "Pass features= with columns of the campaign table.")
    forbidden = [c for c in features if c in CAMPAIGN_COLUMNS]
    if forbidden:
        raise ValueError(f"features: {forbidden} are not pre-treatment features (they are set by or after the campaign).")
    return features


def _design(campaign: pd.DataFrame, features: list[str]) -> np.ndarray:
    _require(campaign, "campaign", features, "Score a table with the same features the model was fitted on.")
    return np.column_stack([_numbers(campaign, "campaign", c) for c in features])


def _default_classifier(seed: int) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(
        max_iter=100, learning_rate=0.05, max_depth=2, min_samples_leaf=80, l2_regularization=1.0, random_state=seed
    )


class _UpliftBase:
    """Shared fitting checks of the uplift models."""

    def __init__(self, *, features: Sequence[str] | None = None, estimator: Any = None, seed: int = 0) -> None:
        self.features = features
        self.estimator = estimator
        self.seed = seed

    def get_params(self) -> dict[str, Any]:
        """The constructor arguments (scikit-learn convention)."""
        return {"features": self.features, "estimator": self.estimator, "seed": self.seed}

    def _new_estimator(self) -> Any:
        from sklearn.base import clone

        return _default_classifier(self.seed) if self.estimator is None else clone(self.estimator)

    def _prepare(self, campaign: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        treatment, outcome = _campaign_arrays(campaign)
        self.features_ = _feature_columns(campaign, self.features)
        for arm in (0, 1):
            if np.unique(outcome[treatment == arm]).size < 2:
                raise SchemaError(
                    f"Table 'campaign', column 'outcome': expected responders and non-responders in the "
                    f"{'treated' if arm else 'control'} group, found only outcome "
                    f"{int(outcome[treatment == arm][0])} in its {int((treatment == arm).sum())} rows.",
                    table="campaign", column="outcome", n_rows=len(campaign),
                )
        return _design(campaign, self.features_), treatment, outcome

    def _fitted(self) -> None:
        if not hasattr(self, "features_"):
            raise RuntimeError(f"{type(self).__name__} is not fitted yet: call .fit(campaign) first.")

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
        Cloned for each arm; default a small, strongly regularised histogram gradient
        boosting model (trees of depth 2, at least 80 customers per leaf): uplift
        is a small difference of two noisy rates and overfits easily.
    seed : int
        Random state of the default estimator.

    Attributes
    ----------
    features_ : list of str
    model_treated_, model_control_ : fitted classifiers
    """

    def fit(self, campaign: pd.DataFrame) -> TwoModelUplift:
        """Fit both response models on a campaign table; returns self."""
        x, treatment, outcome = self._prepare(campaign)
        self.model_treated_ = self._new_estimator().fit(x[treatment == 1], outcome[treatment == 1])
        self.model_control_ = self._new_estimator().fit(x[treatment == 0], outcome[treatment == 0])
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
        As :class:`TwoModelUplift`; ``model_`` is the fitted classifier.
    """

    def fit(self, campaign: pd.DataFrame) -> ClassTransformationUplift:
        """Fit the classifier of the transformed class; returns self."""
        x, treatment, outcome = self._prepare(campaign)
        z = (outcome == treatment).astype("int64")
        share = treatment.mean()
        weights = np.where(treatment == 1, 0.5 / share, 0.5 / (1 - share))
        estimator = self._new_estimator()
        if hasattr(estimator, "steps"):  # a Pipeline routes the weights to its last step
            self.model_ = estimator.fit(x, z, **{f"{estimator.steps[-1][0]}__sample_weight": weights})
        else:
            self.model_ = estimator.fit(x, z, sample_weight=weights)
        return self

    def _score(self, x: np.ndarray) -> np.ndarray:
        return 2 * self.model_.predict_proba(x)[:, 1] - 1


class ResponseModel(_UpliftBase):
    """The usual response model: P(response | x, treated), used as a (poor) uplift score.

    This is what most campaigns target with, and the baseline an uplift model
    must beat: it finds customers who respond, including those who would
    have responded anyway.

    Parameters, attributes
        As :class:`TwoModelUplift`; ``model_`` is the fitted classifier.
    """

    def fit(self, campaign: pd.DataFrame) -> ResponseModel:
        """Fit the response model on the treated customers; returns self."""
        x, treatment, outcome = self._prepare(campaign)
        self.model_ = self._new_estimator().fit(x[treatment == 1], outcome[treatment == 1])
        return self

    def _score(self, x: np.ndarray) -> np.ndarray:
        return self.model_.predict_proba(x)[:, 1]


def _scored(scores: pd.Series | np.ndarray, campaign: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    treatment, outcome = _campaign_arrays(campaign)
    values = np.asarray(scores, dtype="float64")
    if values.shape != (len(campaign),):
        raise ValueError(f"scores: expected one score per campaign row ({len(campaign)}), found shape {values.shape}.")
    if not np.isfinite(values).all():
        raise ValueError(f"scores: expected finite numbers, found {int((~np.isfinite(values)).sum())} missing or infinite.")
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
        One score per campaign row, higher = target first.
    campaign : DataFrame
        The (held-out) campaign rows with ``treatment`` and ``outcome``.

    Returns
    -------
    DataFrame
        ``share_targeted`` (from 0 to 1), ``gain`` and ``random``.
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
        As in :func:`qini_curve`.

    Returns
    -------
    float
    """
    curve = qini_curve(scores, campaign)
    x, d = curve["share_targeted"].to_numpy(), (curve["gain"] - curve["random"]).to_numpy()
    return float(np.sum((d[1:] + d[:-1]) / 2 * np.diff(x)))


def uplift_by_decile(scores: pd.Series | np.ndarray, campaign: pd.DataFrame, *, n_bins: int = 10) -> pd.DataFrame:
    """Observed response per arm and uplift in bins of the predicted score (highest first).

    Parameters
    ----------
    scores, campaign
        As in :func:`qini_curve`.
    n_bins : int
        Number of equally large bins (by rank; ties go to the same bin).

    Returns
    -------
    DataFrame
        Index ``bin`` (1 = highest scores): ``customers``, ``treated``,
        ``control``, ``rate_treated``, ``rate_control``, ``observed_uplift``
        and ``mean_score``.
    """
    values, treatment, outcome = _scored(scores, campaign)
    if not isinstance(n_bins, (int, np.integer)) or n_bins < 1:
        raise ValueError(f"n_bins={n_bins!r}: expected a whole number >= 1.")
    rank = pd.Series(-values).rank(method="min").to_numpy()
    bins = np.minimum(((rank - 1) * n_bins // len(values)).astype("int64") + 1, n_bins)
    frame = pd.DataFrame({"bin": bins, "t": treatment, "y": outcome, "score": values})
    frame["yt"], frame["yc"] = frame["y"] * frame["t"], frame["y"] * (1 - frame["t"])
    g = frame.groupby("bin")
    out = pd.DataFrame({"customers": g.size(), "treated": g["t"].sum()})
    out["control"] = out["customers"] - out["treated"]
    out["rate_treated"] = g["yt"].sum() / out["treated"].where(out["treated"] > 0)
    out["rate_control"] = g["yc"].sum() / out["control"].where(out["control"] > 0)
    out["observed_uplift"] = out["rate_treated"] - out["rate_control"]
    out["mean_score"] = g["score"].mean()
    return out


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
        Planted uplift per ``customer_id`` (synthetic data): adds the
        column ``"true uplift"``, the ceiling on each split.

    Returns
    -------
    DataFrame
        One row per split (index ``split``), one column per model.
    """
    if not isinstance(n_splits, (int, np.integer)) or n_splits < 1:
        raise ValueError(f"n_splits={n_splits!r}: expected a whole number >= 1.")
    rows = []
    for i in range(int(n_splits)):
        train, test = split_campaign(campaign, test_size=test_size, seed=seed + i)
        row = {name: qini_coefficient(type(model)(**model.get_params()).fit(train).predict(test), test)
               for name, model in models.items()}
        if truth is not None:
            row["true uplift"] = qini_coefficient(truth.reindex(test["customer_id"].astype("str")).fillna(0.0), test)
        rows.append(row)
    return pd.DataFrame(rows, index=pd.RangeIndex(int(n_splits), name="split"))


def uplift_truth_check(predicted: pd.Series, truth: pd.Series) -> dict[str, float]:
    """How well predicted uplift matches a planted uplift (synthetic data only).

    Parameters
    ----------
    predicted, truth : Series
        Indexed by the same customer ids; only common ids are compared.

    Returns
    -------
    dict
        ``n``, ``pearson``, ``spearman`` correlations and the ``mae``.
    """
    a, b = predicted.astype("float64").align(truth.astype("float64"), join="inner")
    if len(a) < 3:
        raise ValueError(f"predicted and truth share {len(a)} ids: expected at least 3 (index both by customer_id).")
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


def cohort_retention(
    transactions: pd.DataFrame, *, observation_end: str | pd.Timestamp, time_unit: str = "M", max_periods: int | None = None
) -> pd.DataFrame:
    """Share of each first-purchase cohort that buys again in each later period.

    Customers join the cohort of the calendar period (day, week ending
    Sunday, month, quarter) of their first purchase; period 0 is that
    period. A cell is the share of the cohort with at least one purchase in
    period *k* after it. Only periods that end on or before
    ``observation_end`` are shown; later cells are missing (not observed),
    never zero.

    Parameters
    ----------
    transactions : DataFrame
        Canonical purchases (``customer_id``, ``date``); never modified.
    observation_end : str or Timestamp
        Last observed day; purchases after it raise an error.
    time_unit : {"D", "W", "M", "Q"}
        Length of a period.
    max_periods : int, optional
        Show periods 0 .. max_periods only.

    Returns
    -------
    DataFrame
        Index ``cohort`` (period label), column ``customers`` (cohort size)
        and one column per period 0, 1, … .
    """
    if time_unit not in _PERIOD_FREQ:
        raise ValueError(f"time_unit={time_unit!r}: expected one of {', '.join(map(repr, _PERIOD_FREQ))}.")
    end = as_date(observation_end, "observation_end", required=True).normalize()
    frame = _frame(transactions, "transactions")
    _require(frame, "transactions", ["customer_id", "date"])
    _no_missing(frame, "transactions", "customer_id")
    _no_missing(frame, "transactions", "date")
    dates = pd.to_datetime(frame["date"])
    later = dates >= end + pd.Timedelta(days=1)
    if later.any():
        raise SchemaError(
            f"Table 'transactions', column 'date': expected dates up to observation_end {end.date()}, found "
            f"{int(later.sum())} of {len(frame)} rows later (last {dates.max().date()}). Clean with "
            "clean(..., observation_end=...).",
            table="transactions", column="date", n_bad=int(later.sum()), n_rows=len(frame),
        )
    freq = _PERIOD_FREQ[time_unit]
    periods = pd.PeriodIndex(dates, freq=freq)
    ordinal = periods.asi8
    end_period = pd.Period(end, freq=freq)
    last_complete = end_period.ordinal if end_period.end_time.normalize() <= end else end_period.ordinal - 1
    active = pd.DataFrame({"customer": frame["customer_id"].astype("str").to_numpy(), "period": ordinal}).drop_duplicates()
    first = active.groupby("customer")["period"].transform("min")
    active["cohort"], active["k"] = first.to_numpy(), (active["period"] - first).to_numpy()
    size = active.loc[active["k"] == 0].groupby("cohort").size()
    counts = active.groupby(["cohort", "k"]).size().unstack(fill_value=0)
    table = counts.div(size, axis=0)
    horizon = int(table.columns.max()) if max_periods is None else int(max_periods)
    table = table.reindex(columns=range(horizon + 1), fill_value=0.0)
    observed = (table.index.to_numpy()[:, None] + np.arange(horizon + 1)[None, :]) <= last_complete
    table = table.where(observed).astype("float64")
    table.insert(0, "customers", size.astype("int64"))
    table.index = pd.Index([str(pd.Period(ordinal=o, freq=freq)) for o in table.index], name="cohort")
    table.columns = ["customers", *range(horizon + 1)]
    table.attrs.update({"time_unit": time_unit, "observation_end": str(end.date()), "last_complete_period": str(
        pd.Period(ordinal=last_complete, freq=freq))})
    return table


RISK_BANDS: tuple[tuple[str, float], ...] = (("likely lost", 0.2), ("at risk", 0.5), ("active", 1.0 + 1e-9))
"""Default P(alive) bands: below 0.2 likely lost, below 0.5 at risk, else active."""


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
        Expected purchases are given for this many time units ahead.
    bands : sequence of (name, upper bound of P(alive))
        Increasing bounds; the last must exceed 1.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id``: ``orders`` (purchase occasions),
        ``time_since_last`` (time units), ``total_value``, ``p_alive``,
        ``expected_purchases`` and ``status``. ``attrs["params"]`` holds the
        fitted BG/NBD parameters.
    """
    bounds = [b for _, b in bands]
    if not bounds or any(b2 <= b1 for b1, b2 in zip(bounds, bounds[1:])) or bounds[-1] <= 1:
        raise ValueError(f"bands: expected increasing upper bounds of P(alive) ending above 1, found {bounds}.")
    summary = dif.rfm_summary(transactions, observation_end=observation_end, time_unit=time_unit)
    marketing = dif.rfm_summary(transactions, observation_end=observation_end, time_unit=time_unit, definition="rfm")
    model = dif.BGNBDModel().fit(summary)
    out = pd.DataFrame(index=summary.index)
    out["orders"] = marketing["frequency"].reindex(summary.index).astype("int64")
    out["time_since_last"] = marketing["recency"].reindex(summary.index)
    out["total_value"] = marketing["total_value"].reindex(summary.index)
    out["p_alive"] = model.p_alive(summary)
    out["expected_purchases"] = model.expected_purchases(summary, horizon)
    names = np.array([n for n, _ in bands], dtype=object)
    status = names[np.searchsorted(np.asarray(bounds), out["p_alive"].to_numpy(), side="right")]
    status = np.where(summary["frequency"].to_numpy() == 0, "one-time buyer", status)
    out["status"] = pd.Categorical(status, categories=[*names.tolist(), "one-time buyer"])
    out.attrs["params"] = model.params_.to_dict()
    return out


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
        Keep only the first ``top`` customers.

    Returns
    -------
    DataFrame
        Rows of ``risk`` sorted by ``total_value`` (then ``p_alive``), with a
        ``value_at_stake`` column (total value × (1 − P(alive))).
    """
    _require(_frame(risk, "risk"), "risk", ["status", "total_value", "p_alive"], "Build it with churn_risk.")
    status = risk["status"]
    known = set(status.cat.categories) if isinstance(status.dtype, pd.CategoricalDtype) else set(status.astype("str"))
    unknown = set(statuses) - known
    if unknown:
        raise ValueError(f"statuses: {sorted(unknown)} are not risk bands; known: {sorted(known)}.")
    chosen = risk.loc[risk["status"].isin(list(statuses))].copy()
    chosen["value_at_stake"] = chosen["total_value"] * (1 - chosen["p_alive"])
    chosen = chosen.sort_values(["total_value", "p_alive"], ascending=[False, True], kind="stable")
    return chosen if top is None else chosen.head(int(top))


# --------------------------------------------------------------------------
# satisfaction: NPS and key drivers
# --------------------------------------------------------------------------


def nps(survey: pd.DataFrame, *, column: str = "nps", confidence: float = 0.95) -> pd.Series:
    """Net Promoter Score (Reichheld 2003) with a normal-approximation confidence interval.

    Promoters answer 9–10, passives 7–8, detractors 0–6; NPS = % promoters
    − % detractors (−100 to 100). Each answer scores +1, 0 or −1, so the
    standard error is sqrt((p_P + p_D − (p_P − p_D)²) / n).

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
        raise SchemaError(f"Table 'survey', column '{column}': expected answers, found all {len(frame)} rows missing.",
                          table="survey", column=column, n_bad=len(frame), n_rows=len(frame))
    promoters, detractors = float((answers >= 9).mean()), float((answers <= 6).mean())
    score = promoters - detractors
    se = math.sqrt(max(promoters + detractors - score**2, 0.0) / n)
    return pd.Series(
        {"n": n, "n_missing": int(len(frame) - n), "promoters": promoters, "passives": 1 - promoters - detractors,
         "detractors": detractors, "nps": 100 * score, "ci_low": 100 * (score - z * se), "ci_high": 100 * (score + z * se)},
        name="nps", dtype="float64",
    )


def _survey_matrix(survey: pd.DataFrame, drivers: Sequence[str] | None, outcome: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    frame = _frame(survey, "survey")
    _require(frame, "survey", [outcome])
    if drivers is None:
        skip = {outcome, "respondent_id", "customer_id", "nps"}
        drivers = [c for c in frame.columns if c not in skip and pd.api.types.is_numeric_dtype(frame[c])
                   and not pd.api.types.is_bool_dtype(frame[c])]
    drivers = list(drivers)
    if len(drivers) < 2:
        raise SchemaError(
            f"Table 'survey': expected at least two driver rating columns, found {drivers} among {list(frame.columns)} "
            f"({len(frame)} rows). Pass drivers=[...].",
            table="survey", n_rows=len(frame),
        )
    _require(frame, "survey", drivers, "Pass drivers= with rating columns of the survey.")
    used = frame[[outcome, *drivers]].dropna()
    if len(used) <= len(drivers) + 1:
        raise SchemaError(
            f"Table 'survey': expected more complete answers than drivers + 1 ({len(drivers) + 1}), found {len(used)} "
            f"of {len(frame)} rows without gaps.",
            table="survey", n_rows=len(frame),
        )
    x = np.column_stack([_numbers(used, "survey", c) for c in drivers])
    y = _numbers(used, "survey", outcome)
    constant = [d for d, s in zip(drivers, x.std(axis=0)) if s == 0]
    if constant or y.std() == 0:
        raise SchemaError(
            f"Table 'survey': expected ratings that vary, found constant column(s) {constant or [outcome]} "
            f"({len(used)} rows).",
            table="survey", column=(constant or [outcome])[0], n_rows=len(used),
        )
    return x, y, drivers


def _correlations(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    corr = np.corrcoef(np.column_stack([x, y]), rowvar=False)
    return corr[:-1, :-1], corr[:-1, -1]


def _johnson(rxx: np.ndarray, rxy: np.ndarray) -> np.ndarray:
    """Johnson's (2000) raw relative weights from correlation matrices."""
    eigval, eigvec = np.linalg.eigh(rxx)
    if eigval.min() <= 1e-10:
        raise ValueError("key drivers: the driver ratings are perfectly collinear; drop one of the redundant drivers.")
    lam_half = eigvec @ np.diag(np.sqrt(eigval)) @ eigvec.T  # symmetric square root of Rxx
    beta = np.linalg.solve(lam_half, rxy)  # outcome regressed on the orthogonal counterparts
    return (lam_half**2) @ (beta**2)


def _lmg(rxx: np.ndarray, rxy: np.ndarray) -> np.ndarray:
    """Shapley values of R² over all subsets of drivers (Lindeman, Merenda & Gold 1980)."""
    p = len(rxy)
    if p > 15:
        raise ValueError(f"LMG over {p} drivers needs 2^{p} regressions; use relative weights for more than 15 drivers.")
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
        Raw relative weight per driver (sum = R²).
    """
    x, y, names = _survey_matrix(survey, drivers, outcome)
    rxx, rxy = _correlations(x, y)
    return pd.Series(_johnson(rxx, rxy), index=pd.Index(names, name="driver"), name="relative_weight")


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
        LMG share of R² per driver.
    """
    x, y, names = _survey_matrix(survey, drivers, outcome)
    rxx, rxy = _correlations(x, y)
    return pd.Series(_lmg(rxx, rxy), index=pd.Index(names, name="driver"), name="lmg")


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
        (mean rating) and ``rank``. ``attrs``: ``r2``, ``n``.
    """
    x, y, names = _survey_matrix(survey, drivers, outcome)
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
            "lmg": _lmg(rxx, rxy) if len(names) <= 15 else np.nan,
            "importance": weights / weights.sum(),
            "performance": x.mean(axis=0),
        },
        index=pd.Index(names, name="driver"),
    ).sort_values("relative_weight", ascending=False, kind="stable")
    out["rank"] = np.arange(1, len(out) + 1)
    out.attrs.update({"r2": r2, "n": int(len(y)), "intercept": float(coef[0])})
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
    _require(_frame(drivers, "key drivers"), "key drivers", ["importance", "performance"], "Build it with key_drivers.")
    out = drivers[["importance", "performance"]].copy()
    high_i = out["importance"] >= out["importance"].mean()
    high_p = out["performance"] >= out["performance"].mean()
    out["quadrant"] = np.select(
        [high_i & ~high_p, high_i & high_p, ~high_i & ~high_p],
        ["concentrate here", "keep up the good work", "low priority"],
        default="possible overkill",
    )
    return out
