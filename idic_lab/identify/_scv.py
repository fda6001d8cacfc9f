"""Identify stage: the single customer view.

After linkage, records that belong to one person are grouped into one
*customer*. This module

* stacks several source files into one customers table (:func:`stack_sources`),
* resolves identities in it (:func:`resolve_customers`),
* builds the crosswalk from record ids to customer keys (:func:`crosswalk`),
* applies it to transactions and interactions (:func:`apply_crosswalk`),
* builds one golden record per customer by survivorship rules
  (:func:`golden_records`),
* shows what duplicates did to the customer count, segments and value
  (:func:`duplicate_impact`), and compares acquisition sources
  (:func:`source_quality`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from idic_lab.identify._audit import CONTACT_FIELDS, _filled
from idic_lab.identify._linkage import (
    CUSTOMER_BLOCKING,
    CUSTOMER_FIELDS,
    LinkageResult,
    link_records,
)

__all__ = [
    "SURVIVORSHIP_RULES",
    "load_customer_files",
    "Resolution",
    "apply_crosswalk",
    "crosswalk",
    "crosswalk_from_identity",
    "duplicate_impact",
    "golden_records",
    "resolve_customers",
    "rfm_segments",
    "simple_clv",
    "source_quality",
    "stack_sources",
]

SURVIVORSHIP_RULES: Mapping[str, str] = {
    "name": "most_complete",
    "email": "most_recent",
    "phone": "most_recent",
    "address": "most_recent",
    "birth_date": "most_frequent",
    "source": "earliest",
    "signup_date": "earliest",
}
"""Default rule per field: people move and change numbers (most recent
contact data wins), the fullest record usually spells the name best, the
birth date is voted on, and the customer was acquired by the first source."""

_RULES = ("most_recent", "earliest", "most_complete", "most_frequent", "source_priority")


# --------------------------------------------------------------------------
# Sources and resolution
# --------------------------------------------------------------------------


def stack_sources(
    sources: Mapping[str, pd.DataFrame], *, id_column: str = "customer_id", qualify_ids: bool = False
) -> pd.DataFrame:
    """Stack customer files from several systems into one customers table.

    Parameters
    ----------
    sources : dict of {source name: DataFrame}
        Canonical customers tables (see :func:`idic_lab.schema.validate`).
    id_column : str
        The record id column in every source.
    qualify_ids : bool
        Prefix every id with its source (``"web:1001"``). Needed when two
        systems use the same id for different people.

    Returns
    -------
    DataFrame
        All records with a ``source`` column (the dict key), unique ids.

    Raises
    ------
    ValueError
        If a source is empty, if two sources share no contact field to match
        on, or if ids collide across sources and ``qualify_ids`` is False.
    """
    if not sources:
        raise ValueError("stack_sources: give at least one source, e.g. {'web': web_customers}")
    for name, frame in sources.items():
        if frame.empty:
            raise ValueError(f"stack_sources: source {name!r} is empty (0 rows)")
        if id_column not in frame.columns:
            raise KeyError(f"stack_sources: source {name!r} has no id column {id_column!r}")
    _check_common_fields(sources)
    frames = []
    for name, frame in sources.items():
        frame = frame.copy()
        frame[id_column] = frame[id_column].astype("str")
        if qualify_ids:
            frame[id_column] = name + ":" + frame[id_column]
        # A source column inside the file (e.g. a CRM export of several
        # channels) is kept; the dict key fills only its gaps.
        own = frame["source"] if "source" in frame.columns else pd.Series(pd.NA, index=frame.index)
        frame["source"] = own.where(_filled(own), name).astype("str")
        frames.append(frame)
    stacked = pd.concat(frames, ignore_index=True)
    _check_id_collisions(stacked, id_column)
    return stacked


def load_customer_files(
    paths: Sequence[str | Path],
    *,
    columns: Mapping[str, str] | str | None = None,
    source_names: Sequence[str] = (),
    date_format: str | None = None,
    dayfirst: bool = False,
    qualify_ids: bool = False,
) -> pd.DataFrame:
    """Read, validate and stack a client's customer exports.

    Parameters
    ----------
    paths : list of str or Path
        CSV/TSV/Parquet/Excel files (read with :func:`idic_lab.schema.read_file`).
    columns : dict or JSON str, optional
        ``{canonical: client column}``; mapped columns missing from a file are
        ignored for that file (each system exports different fields).
    source_names : list of str, optional
        One name per file; default: the file names without extension.
    date_format, dayfirst
        Passed to :func:`idic_lab.schema.validate`.
    qualify_ids : bool
        See :func:`stack_sources`.

    Returns
    -------
    DataFrame
        Canonical customers table with a ``source`` column.
    """
    from idic_lab.schema import column_mapping, read_file, validate  # the contract layer

    paths = [Path(p) for p in paths]
    if not paths:
        raise ValueError("load_customer_files: give at least one file")
    names = list(source_names) or [p.name.split(".")[0] for p in paths]
    if len(names) != len(paths):
        raise ValueError(f"load_customer_files: {len(paths)} files but {len(names)} source names")
    mapping = column_mapping(columns)
    sources = {}
    for name, path in zip(names, paths):
        raw = read_file(path)
        present = {canonical: client for canonical, client in mapping.items() if client in raw.columns}
        sources[name] = validate("customers", raw, columns=present, date_format=date_format or None, dayfirst=dayfirst)
    return stack_sources(sources, qualify_ids=qualify_ids)


def _usable_fields(frame: pd.DataFrame) -> set[str]:
    return {f for f in CUSTOMER_FIELDS if f in frame.columns and _filled(frame[f]).any()}


def _check_common_fields(sources: Mapping[str, pd.DataFrame]) -> None:
    names = list(sources)
    for a_pos, a in enumerate(names):
        for b in names[a_pos + 1:]:
            if not _usable_fields(sources[a]) & _usable_fields(sources[b]):
                raise ValueError(
                    f"sources {a!r} and {b!r} have no common field to match on "
                    f"({a!r}: {sorted(_usable_fields(sources[a])) or 'none'}; "
                    f"{b!r}: {sorted(_usable_fields(sources[b])) or 'none'}); "
                    f"map at least one of {list(CUSTOMER_FIELDS)} in both"
                )


def _check_id_collisions(stacked: pd.DataFrame, id_column: str) -> None:
    repeated = stacked[stacked[id_column].duplicated(keep=False)]
    if repeated.empty:
        return
    across = repeated.groupby(id_column)["source"].nunique()
    across = across[across > 1]
    if len(across):
        examples = ", ".join(repr(i) for i in across.index[:3])
        raise ValueError(
            f"stack_sources: {len(across)} customer id(s) occur in more than one source (e.g. {examples}); "
            "pass qualify_ids=True to prefix each id with its source name"
        )
    examples = ", ".join(repr(i) for i in repeated[id_column].unique()[:3])
    raise ValueError(f"stack_sources: customer ids repeat within a source (e.g. {examples}); ids must be unique")


@dataclass(frozen=True)
class Resolution:
    """The outcome of :func:`resolve_customers`.

    Attributes
    ----------
    linkage : LinkageResult
        Scored candidate pairs and the fitted model.
    crosswalk : DataFrame
        ``record_id`` → ``customer_key`` (see :func:`crosswalk`).
    fields : dict
        The fields compared; ``skipped`` lists canonical fields left out
        because they are absent or empty.
    blocking : tuple of tuples
        The blocking keys used.
    """

    linkage: LinkageResult
    crosswalk: pd.DataFrame
    fields: Mapping[str, str]
    skipped: tuple[str, ...]
    blocking: tuple[tuple[str, ...], ...] = ()

    @property
    def n_records(self) -> int:
        return len(self.crosswalk)

    @property
    def n_customers(self) -> int:
        return int(self.crosswalk["customer_key"].nunique())

    @property
    def duplicate_rate(self) -> float:
        """Share of records that are redundant copies: 1 − customers / records."""
        return 1 - self.n_customers / self.n_records


def resolve_customers(
    customers: pd.DataFrame,
    *,
    id_column: str = "customer_id",
    fields: Mapping[str, str] | None = None,
    blocking: Sequence[Sequence[str]] | None = None,
    threshold: float = 0.5,
) -> Resolution:
    """Find the records that are the same person and group them into customers.

    Parameters
    ----------
    customers : DataFrame
        Canonical customers table (one row per record, unique ``id_column``),
        possibly stacked from several sources.
    fields : dict, optional
        ``{column: kind}``; default: the canonical contact fields present and
        not entirely empty (:data:`CUSTOMER_FIELDS`).
    blocking : list of lists, optional
        Default: the keys of :data:`CUSTOMER_BLOCKING` whose columns exist.
    threshold : float
        Match probability for a link.

    Returns
    -------
    Resolution
    """
    if customers.empty:
        raise ValueError("resolve_customers: the customers table is empty (0 rows)")
    if not customers[id_column].is_unique:
        raise ValueError(f"resolve_customers: {id_column!r} must be unique (one row per record)")
    records = customers.set_index(customers[id_column].astype("str"), drop=False)
    if fields is None:
        usable = _usable_fields(records)
        fields = {f: kind for f, kind in CUSTOMER_FIELDS.items() if f in usable}
        if not fields:
            raise ValueError(f"resolve_customers: none of the fields {list(CUSTOMER_FIELDS)} has any value")
    skipped = tuple(f for f in CUSTOMER_FIELDS if f not in fields)
    if blocking is None:
        blocking = [rule for rule in CUSTOMER_BLOCKING if all(p.partition("|")[0] in fields for p in rule)]
    result = link_records(records, fields=fields, blocking=blocking, threshold=threshold)
    walk = crosswalk(records.index, result.links)
    return Resolution(result, walk, dict(fields), skipped, tuple(tuple(rule) for rule in blocking))


def crosswalk(record_ids: Sequence[str] | pd.Index, links: pd.DataFrame, *, prefix: str = "C") -> pd.DataFrame:
    """Group linked records into customers (connected components of the links).

    Parameters
    ----------
    record_ids : sequence of str
        Every record id, linked or not (an unlinked record is a customer).
    links : DataFrame
        ``id_1``, ``id_2`` of the pairs judged to be the same person.
    prefix : str
        Customer keys are ``prefix`` + a 6-digit number, numbered in the
        order of each customer's smallest record id (stable for the same data).

    Returns
    -------
    DataFrame
        ``record_id``, ``customer_key``, ``n_records`` (records of that customer).
    """
    ids = pd.Index(pd.Series(record_ids, dtype="str"))
    if not ids.is_unique:
        raise ValueError("crosswalk: record ids must be unique")
    left, right = ids.get_indexer(links["id_1"].astype("str")), ids.get_indexer(links["id_2"].astype("str"))
    if (left < 0).any() or (right < 0).any():
        raise ValueError("crosswalk: the links contain record ids that are not among record_ids")
    graph = coo_matrix((np.ones(len(left)), (left, right)), shape=(len(ids), len(ids)))
    _, component = connected_components(graph, directed=False)
    table = pd.DataFrame({"record_id": ids.to_numpy(), "component": component})
    first_id = table.groupby("component")["record_id"].min().sort_values()
    number = pd.Series(np.arange(1, len(first_id) + 1), index=first_id.index)
    table["customer_key"] = [f"{prefix}{n:06d}" for n in number.loc[table["component"]].to_numpy()]
    table["n_records"] = table.groupby("customer_key")["record_id"].transform("size").astype(np.int64)
    return table[["record_id", "customer_key", "n_records"]]


def crosswalk_from_identity(identity: pd.Series, *, prefix: str = "T") -> pd.DataFrame:
    """The *true* crosswalk from a known record → person mapping (synthetic data).

    Parameters
    ----------
    identity : Series
        Indexed by record id, values person ids (``world.truth.identity``).
    prefix : str
        Prefix of the customer keys, numbered as in :func:`crosswalk`.

    Returns
    -------
    DataFrame
        ``record_id``, ``customer_key``, ``n_records``, like :func:`crosswalk`.
    """
    if not isinstance(identity, pd.Series) or identity.empty:
        raise ValueError("crosswalk_from_identity: expected a non-empty Series record id -> person id")
    if identity.isna().any():
        raise ValueError(f"crosswalk_from_identity: {int(identity.isna().sum())} record(s) have no person id")
    frame = pd.DataFrame({"id_1": identity.index.astype("str"), "person": identity.astype("str").to_numpy()})
    first = frame.groupby("person")["id_1"].transform("min")
    links = pd.DataFrame({"id_1": first, "id_2": frame["id_1"]})
    return crosswalk(frame["id_1"], links[links["id_1"] != links["id_2"]], prefix=prefix)


def apply_crosswalk(
    table: pd.DataFrame, walk: pd.DataFrame, *, id_column: str = "customer_id", unmapped: str = "raise"
) -> pd.DataFrame:
    """Replace record ids by customer keys in transactions, interactions, …

    Parameters
    ----------
    table : DataFrame
        Any table with ``id_column`` holding record ids.
    walk : DataFrame
        From :func:`crosswalk`.
    unmapped : {"raise", "keep"}
        What to do with ids the crosswalk does not know: raise (default,
        nothing is dropped silently) or keep them as their own customers.

    Returns
    -------
    DataFrame
        A copy where ``id_column`` holds customer keys and ``record_id`` the
        original id.
    """
    if unmapped not in ("raise", "keep"):
        raise ValueError(f"unmapped must be 'raise' or 'keep', got {unmapped!r}")
    if id_column not in table.columns:
        raise KeyError(f"apply_crosswalk: the table has no column {id_column!r}")
    mapping = pd.Series(walk["customer_key"].to_numpy(), index=walk["record_id"].to_numpy())
    record_ids = table[id_column].astype("str")
    keys = record_ids.map(mapping)
    missing = keys.isna()
    if missing.any() and unmapped == "raise":
        examples = record_ids[missing].unique()[:5].tolist()
        raise ValueError(
            f"apply_crosswalk: {int(missing.sum())} of {len(table)} rows have a {id_column} the crosswalk "
            f"does not know (e.g. {examples}); pass unmapped='keep' to keep them as their own customers"
        )
    out = table.copy()
    out["record_id"] = record_ids
    out[id_column] = keys.fillna(record_ids)
    return out


# --------------------------------------------------------------------------
# Golden records
# --------------------------------------------------------------------------


def _record_order(records: pd.DataFrame, rule: str, source_priority: Sequence[str]) -> pd.Index:
    """Record labels sorted so that the preferred record of each customer comes first."""
    helper = pd.DataFrame(index=records.index)
    helper["n_filled"] = sum(_filled(records[c]).astype(int) for c in records.columns if c in SURVIVORSHIP_RULES)
    rank = {s: n for n, s in enumerate(source_priority)}
    source = records["source"] if "source" in records.columns else pd.Series("", index=records.index)
    helper["source_rank"] = source.map(rank).fillna(len(rank)).to_numpy()
    signup = records["signup_date"] if "signup_date" in records.columns else pd.Series(pd.NaT, index=records.index)
    helper["signup"] = pd.to_datetime(signup)
    helper["record"] = records["record_id"].to_numpy()
    by, ascending = {
        "most_recent": (["signup", "n_filled", "source_rank"], [False, False, True]),
        "earliest": (["signup", "source_rank"], [True, True]),
        "most_complete": (["n_filled", "source_rank", "signup"], [False, True, False]),
        "most_frequent": (["n_filled", "source_rank"], [False, True]),
        "source_priority": (["source_rank", "signup", "n_filled"], [True, False, False]),
    }[rule]
    return helper.sort_values(by + ["record"], ascending=ascending + [True], na_position="last").index


def _most_frequent(values: pd.Series, keys: pd.Series, tie_order: pd.Index) -> pd.Series:
    frame = pd.DataFrame({"key": keys, "value": values}).loc[tie_order]
    frame = frame[_filled(frame["value"])]
    frame["votes"] = frame.groupby(["key", "value"])["value"].transform("size")
    # Stable sort: among equally frequent values the preferred record wins.
    winners = frame.sort_values("votes", ascending=False, kind="stable").groupby("key")["value"].first()
    return winners


def golden_records(
    customers: pd.DataFrame,
    walk: pd.DataFrame,
    *,
    id_column: str = "customer_id",
    rules: Mapping[str, str] | None = None,
    source_priority: Sequence[str] = (),
) -> pd.DataFrame:
    """One golden record per customer, field by field by survivorship rules.

    Parameters
    ----------
    customers : DataFrame
        The records (canonical customers columns, ``source`` and
        ``signup_date`` used by the rules when present).
    walk : DataFrame
        From :func:`crosswalk`.
    rules : dict, optional
        ``{field: rule}`` overriding :data:`SURVIVORSHIP_RULES`. Rules:
        ``most_recent`` (latest ``signup_date``), ``earliest``,
        ``most_complete`` (record with most fields filled),
        ``most_frequent`` (value most records agree on), ``source_priority``
        (first source in ``source_priority`` that has a value). Each rule
        falls back to the next record when the preferred one is empty.
    source_priority : list of str
        Most trusted source first; also breaks ties in the other rules.

    Returns
    -------
    DataFrame
        Indexed by ``customer_key``: the surviving fields, ``n_records`` and
        ``sources`` (the sources that contributed records, ``+``-joined).
    """
    rules = {**SURVIVORSHIP_RULES, **(rules or {})}
    unknown = {f: r for f, r in rules.items() if r not in _RULES}
    if unknown:
        raise ValueError(f"golden_records: unknown survivorship rule(s) {unknown}; use one of {_RULES}")
    records = apply_crosswalk(customers, walk, id_column=id_column).reset_index(drop=True)
    keys = records[id_column]
    golden = pd.DataFrame(index=pd.Index(sorted(keys.unique()), name="customer_key"))
    for field, rule in rules.items():
        if field not in records.columns:
            continue
        order = _record_order(records, rule, source_priority)
        if rule == "most_frequent":
            golden[field] = _most_frequent(records[field], keys, order)
        else:
            ordered = records.loc[order]
            golden[field] = ordered[field].where(_filled(ordered[field])).groupby(ordered[id_column]).first()
    golden["n_records"] = keys.value_counts()
    if "source" in records.columns:
        golden["sources"] = records.groupby(id_column)["source"].agg(lambda s: "+".join(sorted(set(s.dropna()))))
    return golden


# --------------------------------------------------------------------------
# What duplicates do to the numbers; acquisition sources
# --------------------------------------------------------------------------


def rfm_segments(
    transactions: pd.DataFrame, *, observation_end: str, active_days: int = 180, id_column: str = "customer_id"
) -> pd.DataFrame:
    """Recency, frequency, monetary value and a rule-based segment per customer.

    Segments combine purchase count (``one-time`` 1, ``repeat`` 2–3,
    ``loyal`` 4+) with recency (``active`` if the last purchase is at most
    ``active_days`` before ``observation_end``, else ``lapsed``). Fixed rules,
    not quantiles, so that two versions of the same data (before and after
    merging duplicates) are cut the same way.

    Returns
    -------
    DataFrame
        Indexed by customer: ``recency_days``, ``frequency``, ``monetary``, ``segment``.
    """
    end = pd.Timestamp(observation_end)
    window = transactions[transactions["date"] <= end]
    if window.empty:
        raise ValueError(f"rfm_segments: no transactions on or before {end.date()}")
    grouped = window.groupby(id_column)
    table = pd.DataFrame(
        {
            "recency_days": (end - grouped["date"].max()).dt.days,
            "frequency": grouped.size(),
            "monetary": grouped["amount"].sum(),
        }
    )
    loyalty = pd.cut(table["frequency"], [0, 1, 3, np.inf], labels=["one-time", "repeat", "loyal"]).astype("str")
    activity = np.where(table["recency_days"] <= active_days, "active", "lapsed")
    table["segment"] = loyalty + ", " + activity
    return table


def simple_clv(
    transactions: pd.DataFrame,
    *,
    observation_end: str,
    annual_discount_rate: float = 0.10,
    id_column: str = "customer_id",
) -> tuple[pd.Series, float]:
    """A simple customer lifetime value: yearly spend times a retention multiple.

    The retention model of Gupta & Lehmann (2003): a customer who spends
    ``a`` a year and stays each year with probability ``r`` is worth
    ``a · r / (1 + d − r)`` (infinite horizon, discount rate ``d``). ``a`` is
    the customer's spend in the window per year; ``r`` is estimated from the
    data: the share of the customers buying in the first half of the window
    who buy again in the second half, converted to a yearly rate. Deliberately
    simple (no purchase model; see notebook 02 for BG/NBD and Gamma-Gamma),
    so that "before" and "after" merging duplicates are valued the same way.

    Parameters
    ----------
    transactions : DataFrame
        ``id_column``, ``date``, ``amount``.
    observation_end : str
        Last day of the window; the window starts at the first transaction.
    annual_discount_rate : float
        ``d``, e.g. 0.10.

    Returns
    -------
    (Series, float)
        CLV per buying customer, and the yearly retention rate ``r`` used.
    """
    if not 0 <= annual_discount_rate < 1:
        raise ValueError(f"annual_discount_rate must be in [0, 1), got {annual_discount_rate}")
    end = pd.Timestamp(observation_end)
    window = transactions[transactions["date"] <= end + pd.Timedelta(days=1) - pd.Timedelta("1ns")]
    if window.empty:
        raise ValueError(f"simple_clv: no transactions on or before {end.date()}")
    start = window["date"].min().normalize()
    days = max((end - start).days + 1, 2)
    middle = start + pd.Timedelta(days=days / 2)
    first = set(window.loc[window["date"] < middle, id_column])
    second = set(window.loc[window["date"] >= middle, id_column])
    half_retention = len(first & second) / len(first) if first else 0.0
    retention = float(min(half_retention ** (365.25 / (days / 2)), 0.99))
    yearly = window.groupby(id_column)["amount"].sum() / (days / 365.25)
    clv = yearly * retention / (1 + annual_discount_rate - retention)
    return clv.rename("clv"), retention


def duplicate_impact(
    transactions: pd.DataFrame,
    walk: pd.DataFrame,
    *,
    observation_end: str,
    active_days: int = 180,
    id_column: str = "customer_id",
    unmapped: str = "raise",
    true_walk: pd.DataFrame | None = None,
    annual_discount_rate: float = 0.10,
) -> pd.DataFrame:
    """Customer count, segments and value per customer before and after merging duplicates.

    "Before" treats every record id as a customer (what a CRM system with
    duplicates reports); "after" uses the customer keys of the crosswalk;
    with ``true_walk`` (e.g. :func:`crosswalk_from_identity` of a synthetic
    world) a third column ``truth`` shows the right answer. ``unmapped`` is
    passed to :func:`apply_crosswalk` (transactions whose id is not in the
    customer file). Transactions should be cleaned first
    (:func:`idic_lab.schema.clean`): rows without a customer id are refused.

    Returns
    -------
    DataFrame
        Rows are metrics (customer records, buying customers, repeat-buyer
        share, yearly retention, revenue and simple CLV per buying customer
        (:func:`simple_clv`), share of each segment of :func:`rfm_segments`);
        columns ``before``, ``after``, (``truth``,) ``change`` (after − before).
    """
    if id_column not in transactions.columns:
        raise KeyError(f"duplicate_impact: the transactions have no column {id_column!r}")
    if transactions[id_column].isna().any():
        raise ValueError(
            f"duplicate_impact: {int(transactions[id_column].isna().sum())} of {len(transactions)} transactions "
            f"have no {id_column}; clean them first (idic_lab.schema.clean counts them)"
        )
    views = {"before": (transactions, len(walk))}
    views["after"] = (
        apply_crosswalk(transactions, walk, id_column=id_column, unmapped=unmapped), walk["customer_key"].nunique()
    )
    if true_walk is not None:
        views["truth"] = (
            apply_crosswalk(transactions, true_walk, id_column=id_column, unmapped=unmapped),
            true_walk["customer_key"].nunique(),
        )
    columns, segment_shares = {}, {}
    for name, (frame, n_customers) in views.items():
        rfm = rfm_segments(frame, observation_end=observation_end, active_days=active_days, id_column=id_column)
        clv, retention = simple_clv(
            frame, observation_end=observation_end, annual_discount_rate=annual_discount_rate, id_column=id_column
        )
        columns[name] = {
            "customer records (all)": float(n_customers),
            "buying customers": float(len(rfm)),
            "repeat-buyer share": float((rfm["frequency"] > 1).mean()),
            "yearly retention": retention,
            "revenue per buying customer": float(rfm["monetary"].mean()),
            "simple CLV per buying customer": float(clv.mean()),
        }
        segment_shares[name] = rfm["segment"].value_counts(normalize=True)
    segments = sorted(set().union(*(shares.index for shares in segment_shares.values())))
    for name in columns:
        for segment in segments:
            columns[name][f"segment share: {segment}"] = float(segment_shares[name].get(segment, 0.0))
    table = pd.DataFrame(columns)
    table["change"] = table["after"] - table["before"]
    return table


def source_quality(
    customers: pd.DataFrame,
    walk: pd.DataFrame,
    *,
    transactions: pd.DataFrame | None = None,
    id_column: str = "customer_id",
) -> pd.DataFrame:
    """Compare acquisition sources: completeness, duplicates and later value.

    Returns
    -------
    DataFrame
        Indexed by source: ``records``; ``completeness`` (mean filled
        contact fields); ``duplicate_rate`` (share of the source's records
        that belong to a customer with more than one record);
        ``customers_acquired`` (customers whose earliest record comes from
        this source) and, with transactions, ``buyer_share`` (share of the
        source's records with any purchase), ``revenue_per_record`` and
        ``revenue_per_customer_acquired``.
    """
    if "source" not in customers.columns:
        raise KeyError("source_quality: the customers table has no 'source' column")
    records = apply_crosswalk(customers, walk, id_column=id_column).merge(
        walk[["record_id", "n_records"]], on="record_id", how="left"
    )
    contact = [f for f in CONTACT_FIELDS if f in records.columns]
    records["filled_contact"] = sum(_filled(records[f]).astype(float) for f in contact) / len(CONTACT_FIELDS)
    grouped = records.groupby("source")
    table = pd.DataFrame(
        {
            "records": grouped.size(),
            "completeness": grouped["filled_contact"].mean(),
            "duplicate_rate": grouped["n_records"].apply(lambda n: float((n > 1).mean())),
        }
    )
    first_source = golden_records(customers, walk, id_column=id_column, rules={"source": "earliest"})["source"]
    table["customers_acquired"] = first_source.value_counts().reindex(table.index, fill_value=0)
    if transactions is not None:
        revenue_by_record = transactions.groupby(transactions[id_column].astype("str"))["amount"].sum()
        records["revenue"] = records["record_id"].map(revenue_by_record).fillna(0.0)
        table["buyer_share"] = records.groupby("source")["revenue"].apply(lambda r: float((r > 0).mean()))
        table["revenue_per_record"] = records.groupby("source")["revenue"].mean()
        revenue_by_customer = records.groupby(id_column)["revenue"].sum()
        acquired_revenue = revenue_by_customer.groupby(first_source.reindex(revenue_by_customer.index)).sum()
        table["revenue_per_customer_acquired"] = acquired_revenue.reindex(table.index) / table["customers_acquired"]
    return table
