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

import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from idic_lab.diagnostics import warn
from idic_lab.identify._audit import CONTACT_FIELDS, _filled
from idic_lab.identify._ids import id_order, id_rank, id_text, repeated_ids_message
from idic_lab.identify._linkage import (
    CUSTOMER_BLOCKING,
    CUSTOMER_FIELDS,
    LinkageResult,
    _check_pair_columns,
    _check_threshold,
    link_records,
)
from idic_lab.schema import SchemaError, as_date, column_mapping, read_file, validate

__all__ = [
    "SURVIVORSHIP_RULES",
    "load_customer_files",
    "Resolution",
    "apply_crosswalk",
    "crosswalk",
    "crosswalk_from_identity",
    "duplicate_impact",
    "DuplicateImpact",
    "duplicate_effect",
    "golden_records",
    "resolve_customers",
    "rfm_segments",
    "simple_clv",
    "source_quality",
    "SourceComparison",
    "compare_sources",
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
    if not isinstance(sources, Mapping):
        raise TypeError(
            f"stack_sources: sources must be a dict {{source name: customers table}}, e.g. "
            f"{{'web': web_customers, 'store': store_customers}}, found {type(sources).__name__}"
        )
    if not sources:
        raise ValueError("stack_sources: give at least one source, e.g. {'web': web_customers}")
    for name, frame in sources.items():
        _check_table(frame, f"stack_sources: source {name!r}")
        if len(frame) == 0:
            raise ValueError(f"stack_sources: source {name!r} is empty (0 rows)")
        _require_columns(frame, [id_column], f"stack_sources: source {name!r}", "id_column")
    _check_common_fields(sources)
    frames = []
    for name, frame in sources.items():
        frame = frame.reset_index(drop=True)  # the row labels of each file mean nothing once stacked
        frame[id_column] = id_text(frame[id_column], what=f"stack_sources: source {name!r}, column {id_column!r}")
        if qualify_ids:
            frame[id_column] = f"{name}:" + frame[id_column]
        # A source column inside the file (e.g. a CRM export of several
        # channels) is kept; the dict key fills only its gaps.
        own = frame["source"] if "source" in frame.columns else pd.Series(pd.NA, index=frame.index)
        frame["source"] = own.where(_filled(own), str(name)).astype("str")
        frames.append(frame)
    stacked = pd.concat(frames, ignore_index=True)
    _check_id_collisions(stacked[id_column], np.repeat(list(map(str, sources)), [len(f) for f in frames]), id_column)
    return stacked


def load_customer_files(
    paths: Sequence[str | Path],
    *,
    columns: Mapping[str, str] | str | None = None,
    source_names: Sequence[str] = (),
    date_format: str | None = None,
    dayfirst: bool | None = None,
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
    paths = [Path(p) for p in _as_list(paths, "paths")]
    if not paths:
        raise ValueError("load_customer_files: give at least one file, e.g. ['crm_export.csv']")
    names = [str(n) for n in _as_list(source_names, "source_names")] or [p.name.split(".")[0] for p in paths]
    if len(names) != len(paths):
        raise ValueError(
            f"load_customer_files: {len(paths)} files but {len(names)} source names {names}; give one name per "
            "file, in the same order, or none (the file names are used)"
        )
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(
            f"load_customer_files: the source names {repeated} occur more than once ({names}); each file needs "
            "its own name, e.g. source_names=['web', 'store']"
        )
    mapping = column_mapping(columns)
    sources = {}
    for name, path in zip(names, paths):
        raw = _read_customer_file(path)
        present = {canonical: client for canonical, client in mapping.items() if client in raw.columns}
        try:
            sources[name] = validate("customers", raw, columns=present, date_format=date_format or None,
                                     dayfirst=dayfirst)
        except SchemaError as exc:
            raise (exc if path.name in str(exc) else exc.in_file(path)) from None
    return stack_sources(sources, qualify_ids=qualify_ids)


def _as_list(values, parameter: str) -> list:
    """A parameter that takes a list; one str or Path is a list of one."""
    if isinstance(values, (str, Path)):
        return [values] if str(values) else []
    if values is None:
        return []
    if not isinstance(values, Sequence):
        raise TypeError(f"{parameter}: expected a list, e.g. ['a.csv', 'b.csv'], found {type(values).__name__}")
    return list(values)


def _read_customer_file(path: Path) -> pd.DataFrame:
    """read_file, with every failure named by its file (empty, unreadable, corrupt, missing)."""
    try:
        return read_file(path)
    except SchemaError as exc:
        raise (exc if path.name in str(exc) else exc.in_file(path)) from None
    except Exception as exc:  # noqa: BLE001 - any reader failure becomes one clear message naming the file
        if type(exc) in (ValueError, TypeError) and path.name in str(exc):
            raise
        raise ValueError(
            f"load_customer_files: cannot read the customer file {path.name} ({path}): {type(exc).__name__}: "
            f"{str(exc).rstrip('.')}. Check that the file exists, is not empty and is a CSV/TSV/Parquet/Excel export; "
            "for a text file in another encoding, read it with idic_lab.schema.read_file(path, encoding=...) "
            "and pass the table to stack_sources."
        ) from exc


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


def _check_id_collisions(ids: pd.Series, files: np.ndarray, id_column: str) -> None:
    """Refuse ids that repeat, naming whether they repeat across the given sources or within one."""
    repeated = pd.DataFrame({"id": ids.to_numpy(), "file": files})[ids.duplicated(keep=False).to_numpy()]
    if repeated.empty:
        return
    across = repeated.groupby("id")["file"].nunique()
    across = across[across > 1]
    if len(across):
        examples = ", ".join(repr(i) for i in across.index[:3])
        raise ValueError(
            f"stack_sources: {len(across)} customer id(s) occur in more than one source (e.g. {examples}); "
            "pass qualify_ids=True to prefix each id with its source name"
        )
    raise ValueError(repeated_ids_message(ids, f"stack_sources: column {id_column!r} within a source"))


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

    @property
    def doubts(self) -> tuple[str, ...]:
        """Why the resolution should not be trusted without review, in plain words (empty: no doubt).

        The reasons of :attr:`LinkageResult.doubts`: no candidate pairs, a
        model fit that did not converge or learnt weights of the wrong sign.
        A collapsed fit is refused (ValueError), never returned.
        """
        return tuple(self.linkage.doubts)


def resolve_customers(
    customers: pd.DataFrame,
    *,
    id_column: str = "customer_id",
    fields: Mapping[str, str] | None = None,
    blocking: Sequence[Sequence[str]] | None = None,
    threshold: float = 0.5,
    estimation: str = "auto",
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
    estimation : {"auto", "em", "random_pairs"}
        How the Fellegi–Sunter model is fitted; see :func:`link_records`.

    Returns
    -------
    Resolution
        One record gives one customer and no links; when blocking finds no
        candidate pairs, every record is its own customer (with a warning).

    Raises
    ------
    ValueError
        When the fitted model has collapsed (see :func:`link_records`).
    """
    _check_table(customers, "resolve_customers: customers")
    if len(customers) == 0:
        raise ValueError("resolve_customers: the customers table is empty (0 rows)")
    _check_threshold(threshold)
    _require_columns(customers, [id_column], "resolve_customers: customers", "id_column")
    ids = id_text(customers[id_column], what=f"resolve_customers: column {id_column!r}")
    repeated = repeated_ids_message(ids, f"resolve_customers: column {id_column!r}")
    if repeated:
        raise ValueError(repeated)
    records = customers.copy()
    records.index = pd.Index(ids.to_numpy(), dtype="str")
    if fields is None:
        usable = _usable_fields(records)
        fields = {f: kind for f, kind in CUSTOMER_FIELDS.items() if f in usable}
        if not fields:
            raise ValueError(
                f"resolve_customers: none of the fields {list(CUSTOMER_FIELDS)} has any value in the "
                f"{len(customers)} records (columns: {list(customers.columns)}); map at least one of them, e.g. "
                "validate('customers', table, columns={'name': 'Full name'})"
            )
    skipped = tuple(f for f in CUSTOMER_FIELDS if f not in fields)
    if blocking is None:
        blocking = [rule for rule in CUSTOMER_BLOCKING if all(p.partition("|")[0] in fields for p in rule)]
        if not blocking:
            raise ValueError(
                f"resolve_customers: none of the default blocking keys {[list(r) for r in CUSTOMER_BLOCKING]} "
                f"can be built from the fields {list(fields)}; give your own, e.g. "
                f"blocking={[[f] for f in fields]}"
            )
    result = link_records(records, fields=fields, blocking=blocking, threshold=threshold, estimation=estimation)
    walk = crosswalk(records.index, result.links)
    return Resolution(result, walk, dict(fields), skipped, tuple(tuple(rule) for rule in blocking))


def crosswalk(record_ids: Sequence[str] | pd.Index, links: pd.DataFrame, *, prefix: str = "C") -> pd.DataFrame:
    """Group linked records into customers (connected components of the links).

    Parameters
    ----------
    record_ids : sequence of str
        Every record id, linked or not (an unlinked record is a customer).
        Ids are compared as text (whole floats lose their ``.0``).
    links : DataFrame
        ``id_1``, ``id_2`` of the pairs judged to be the same person.
    prefix : str
        Customer keys are ``prefix`` + a 6-digit number, numbered in the
        order of each customer's smallest record id (ids made only of digits
        in numeric order), so the same data always get the same keys.

    Returns
    -------
    DataFrame
        ``record_id``, ``customer_key``, ``n_records`` (records of that
        customer), sorted by ``record_id`` in the same order.
    """
    if not isinstance(prefix, str):
        raise TypeError(f"crosswalk: prefix must be a str such as 'C', found {type(prefix).__name__} {prefix!r}")
    ids = id_text(record_ids, what="crosswalk: record_ids")
    repeated = repeated_ids_message(ids, "crosswalk: record_ids")
    if repeated:
        raise ValueError(repeated)
    _check_pair_columns(links, "crosswalk: links")
    index = pd.Index(ids.to_numpy())
    left = index.get_indexer(id_text(links["id_1"], what="crosswalk: links id_1"))
    right = index.get_indexer(id_text(links["id_2"], what="crosswalk: links id_2"))
    unknown = (left < 0) | (right < 0)
    if unknown.any():
        examples = links.loc[unknown, ["id_1", "id_2"]].head(5).to_numpy().tolist()
        raise ValueError(
            f"crosswalk: {int(unknown.sum())} of {len(links)} links contain record ids that are not among "
            f"record_ids ({len(ids)} ids; e.g. {examples}); pass every record id of the linked table"
        )
    graph = coo_matrix((np.ones(len(left)), (left, right)), shape=(len(ids), len(ids)))
    _, component = connected_components(graph, directed=False)
    rank = id_rank(ids)
    # Number the customers by their smallest record id, not by the graph's labels.
    first_rank = pd.Series(rank).groupby(component).min()
    number = pd.Series(np.arange(1, len(first_rank) + 1), index=first_rank.sort_values(kind="stable").index)
    table = pd.DataFrame({
        "record_id": ids.to_numpy(),
        "customer_key": [f"{prefix}{n:06d}" for n in number.loc[component].to_numpy()],
    })
    table["n_records"] = table.groupby("customer_key")["record_id"].transform("size").astype(np.int64)
    return table.iloc[np.argsort(rank, kind="stable")].reset_index(drop=True)


def _identity_series(identity: pd.Series | pd.DataFrame, function: str) -> pd.Series:
    """A record -> person mapping as a Series of text person ids indexed by text record ids."""
    if isinstance(identity, pd.DataFrame):
        if identity.shape[1] < 2:
            raise ValueError(
                f"{function}: a DataFrame identity needs two columns, record id then person id; found "
                f"{list(identity.columns)}"
            )
        identity = identity.set_index(identity.columns[0])[identity.columns[1]]
    if not isinstance(identity, pd.Series):
        raise TypeError(
            f"{function}: expected a Series record id -> person id (e.g. world.truth.identity) or a two-column "
            f"DataFrame, found {type(identity).__name__}"
        )
    if identity.empty:
        raise ValueError(f"{function}: expected a non-empty Series record id -> person id, found 0 rows")
    missing = identity.isna()
    if missing.any():
        raise ValueError(
            f"{function}: {int(missing.sum())} of {len(identity)} record(s) have no person id "
            f"(e.g. {identity.index[missing][:5].tolist()}); every record needs its person, or drop those records"
        )
    records = id_text(identity.index, what=f"{function}: record ids (the index)")
    repeated = repeated_ids_message(records, f"{function}: record ids (the index)")
    if repeated:
        raise ValueError(repeated)
    persons = id_text(identity, what=f"{function}: person ids")
    return pd.Series(persons.to_numpy(), index=pd.Index(records.to_numpy()), name="person")


def crosswalk_from_identity(identity: pd.Series | pd.DataFrame, *, prefix: str = "T") -> pd.DataFrame:
    """The *true* crosswalk from a known record → person mapping (synthetic data).

    Parameters
    ----------
    identity : Series or DataFrame
        Indexed by record id, values person ids (``world.truth.identity``),
        or a frame whose first column is the record id and second the person id.
    prefix : str
        Prefix of the customer keys, numbered as in :func:`crosswalk`.

    Returns
    -------
    DataFrame
        ``record_id``, ``customer_key``, ``n_records``, like :func:`crosswalk`.
    """
    persons = _identity_series(identity, "crosswalk_from_identity")
    frame = pd.DataFrame({"id_2": persons.index, "person": persons.to_numpy(), "rank": id_rank(persons.index.to_series())})
    first = frame.sort_values("rank", kind="stable").groupby("person")["id_2"].first()
    links = frame.assign(id_1=frame["person"].map(first))
    return crosswalk(frame["id_2"], links.loc[links["id_1"] != links["id_2"], ["id_1", "id_2"]], prefix=prefix)


def _walk_mapping(walk: pd.DataFrame, function: str, parameter: str = "walk") -> pd.Series:
    """The crosswalk as a Series text record id -> customer key, after checking its shape."""
    if not isinstance(walk, pd.DataFrame):
        raise TypeError(f"{function}: {parameter} must be a crosswalk DataFrame (from crosswalk(...)), found "
                        f"{type(walk).__name__}")
    missing = [c for c in ("record_id", "customer_key") if c not in walk.columns]
    if missing:
        raise ValueError(
            f"{function}: {parameter} needs the columns record_id and customer_key, found {list(walk.columns)}; "
            "build it with crosswalk(...) or resolve_customers(...).crosswalk"
        )
    records = id_text(walk["record_id"], what=f"{function}: {parameter}.record_id")
    repeated = repeated_ids_message(records, f"{function}: {parameter}.record_id")
    if repeated:
        raise ValueError(repeated + " A crosswalk maps each record to one customer.")
    keys = walk["customer_key"]
    if keys.isna().any():
        raise ValueError(
            f"{function}: {int(keys.isna().sum())} of {len(walk)} rows of {parameter} have no customer_key; "
            "build the crosswalk with crosswalk(...)"
        )
    return pd.Series(keys.to_numpy(), index=pd.Index(records.to_numpy()))


def apply_crosswalk(
    table: pd.DataFrame, walk: pd.DataFrame, *, id_column: str = "customer_id", unmapped: str = "raise"
) -> pd.DataFrame:
    """Replace record ids by customer keys in transactions, interactions, …

    Parameters
    ----------
    table : DataFrame
        Any table with ``id_column`` holding record ids (no missing ids).
    walk : DataFrame
        From :func:`crosswalk`.
    unmapped : {"raise", "keep"}
        What to do with ids the crosswalk does not know: raise (default,
        nothing is dropped silently; the message counts them) or keep them
        as their own customers.

    Returns
    -------
    DataFrame
        A copy where ``id_column`` holds customer keys and ``record_id`` the
        original id (as text), rows in the order given.
    """
    if unmapped not in ("raise", "keep"):
        raise ValueError(f"apply_crosswalk: unmapped must be 'raise' or 'keep', got {unmapped!r}")
    _check_table(table, "apply_crosswalk: table")
    _require_columns(table, [id_column], "apply_crosswalk: table", "id_column")
    if "record_id" in table.columns:
        raise ValueError(
            "apply_crosswalk: the table already has a 'record_id' column (was the crosswalk applied already?); "
            "apply it to the table with record ids, or rename that column first, e.g. "
            "table.rename(columns={'record_id': 'source_record_id'})"
        )
    mapping = _walk_mapping(walk, "apply_crosswalk")
    record_ids = id_text(table[id_column], what=f"apply_crosswalk: table column {id_column!r}")
    keys = record_ids.map(mapping)
    missing = keys.isna()
    if missing.any() and unmapped == "raise":
        examples = record_ids[missing].unique()[:5].tolist()
        raise ValueError(
            f"apply_crosswalk: {int(missing.sum())} of {len(table)} rows have a {id_column} the crosswalk "
            f"does not know ({record_ids[missing].nunique()} distinct ids, e.g. {examples}); pass "
            "unmapped='keep' to keep them as their own customers"
        )
    out = table.copy()
    out["record_id"] = record_ids.to_numpy()
    out[id_column] = keys.fillna(record_ids).to_numpy()
    return out


def _check_table(table, what: str) -> None:
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"{what}: expected a DataFrame, found {type(table).__name__}")


def _require_columns(table: pd.DataFrame, columns: Sequence[str], what: str, parameter: str | None = None) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        hint = f" (set {parameter}= to the column holding the ids)" if parameter else ""
        raise ValueError(
            f"{what}: expected the column(s) {missing}{hint}, found the columns {list(table.columns)}; "
            "map the client's columns first, e.g. idic_lab.schema.validate(kind, table, columns={...})"
        )


# --------------------------------------------------------------------------
# Golden records
# --------------------------------------------------------------------------


def _order_helper(records: pd.DataFrame, source_priority: Sequence[str]) -> pd.DataFrame:
    """The sort keys of the survivorship rules, per record (computed once for all fields)."""
    helper = pd.DataFrame(index=records.index)
    helper["n_filled"] = sum(_filled(records[c]).astype(int) for c in records.columns if c in SURVIVORSHIP_RULES)
    rank = {s: n for n, s in enumerate(source_priority)}
    source = records["source"] if "source" in records.columns else pd.Series("", index=records.index)
    helper["source_rank"] = source.map(rank).fillna(len(rank)).to_numpy()
    signup = records["signup_date"] if "signup_date" in records.columns else None
    # Text signup dates were refused before; a column that is not dates here holds only blanks.
    usable = signup is not None and pd.api.types.is_datetime64_any_dtype(signup)
    helper["signup"] = signup if usable else pd.Series(pd.NaT, index=records.index, dtype="datetime64[ns]")
    helper["record"] = records["_record_rank"].to_numpy()
    return helper


def _record_order(helper: pd.DataFrame, rule: str) -> np.ndarray:
    """Record positions sorted so that the preferred record of each customer comes first."""
    by, ascending = {
        "most_recent": (["signup", "n_filled", "source_rank"], [False, False, True]),
        "earliest": (["signup", "source_rank"], [True, True]),
        "most_complete": (["n_filled", "source_rank", "signup"], [False, True, False]),
        "most_frequent": (["n_filled", "source_rank"], [False, True]),
        "source_priority": (["source_rank", "signup", "n_filled"], [True, False, False]),
    }[rule]
    ordered = helper.sort_values(by + ["record"], ascending=ascending + [True], na_position="last", kind="stable")
    return ordered.index.to_numpy()


def _first_filled(values: pd.Series, customer: np.ndarray, n_customers: int, order: np.ndarray) -> pd.Series:
    """Per customer, the value of the first record in ``order`` that has one (missing when none has).

    Vectorised: the first filled position per customer is a ``minimum.at``
    over the ordered records, not a group-by per customer.
    """
    filled = _filled(values).to_numpy()
    kept = values.where(filled)
    ordered_customer = customer[order]
    steps = np.arange(len(order))
    filled = filled[order]
    first = np.full(n_customers, len(order))
    np.minimum.at(first, ordered_customer[filled], steps[filled])
    # A customer without any filled value takes its first record, whose value is missing.
    first_any = np.full(n_customers, len(order))
    np.minimum.at(first_any, ordered_customer, steps)
    first = np.where(first < len(order), first, first_any)
    picked = kept.iloc[order[first]]
    # One row per customer through groupby.first: its dtype and missing value (None in an object column).
    return picked.groupby(np.arange(n_customers)).first()


def _most_frequent(values: pd.Series, keys: pd.Series, tie_order: np.ndarray) -> pd.Series:
    frame = pd.DataFrame({"key": keys, "value": values}).iloc[tie_order]
    frame = frame[_filled(frame["value"])]
    frame["votes"] = frame.groupby(["key", "value"])["value"].transform("size")
    # Stable sort: among equally frequent values the preferred record wins.
    winners = frame.sort_values("votes", ascending=False, kind="stable").groupby("key")["value"].first()
    return winners


def _source_lists(sources: pd.Series, customer: np.ndarray, n_customers: int) -> np.ndarray:
    """Per customer, its distinct filled sources as text, sorted and ``+``-joined (``""`` when none).

    Each customer's set of sources is a bit mask (one bit per distinct
    source, in text order); the few distinct masks are spelled out once.
    """
    filled = _filled(sources).to_numpy()
    codes, distinct = pd.factorize(sources[filled].astype("str").to_numpy(dtype=object))
    in_text_order = sorted(range(len(distinct)), key=distinct.__getitem__)
    names = np.asarray(distinct, dtype=object)[in_text_order]
    rank = np.empty(len(distinct), dtype=np.int64)
    rank[in_text_order] = np.arange(len(distinct))
    codes = rank[codes]
    words = np.zeros((n_customers, max(1, -(-len(names) // 64))), dtype=np.uint64)
    bit = np.left_shift(np.uint64(1), (codes % 64).astype(np.uint64))
    np.bitwise_or.at(words, (customer[filled], codes // 64), bit)
    masks, which = np.unique(words, axis=0, return_inverse=True)
    bits = np.unpackbits(masks.astype("<u8").view(np.uint8), axis=1, bitorder="little").astype(bool)[:, : len(names)]
    spelled = np.array(["+".join(names[row]) for row in bits], dtype=object)
    return spelled[which.reshape(-1)]


def _as_aggregated(column: pd.Series, values: np.ndarray):
    """``values`` in the dtype pandas gives a group-by aggregation of ``column`` (str stays str, object object).

    Uses the cast pandas' own ``groupby.agg`` applies; the tests compare the
    result with a real aggregation, so a pandas release that changes it is caught.
    """
    cast = getattr(column.array, "_cast_pointwise_result", None)
    return cast(values) if cast is not None else pd.array(values)


def _customers_of(records: pd.DataFrame) -> tuple[pd.Index, np.ndarray]:
    """The customer keys, sorted (the golden records' index), and each record's position among them."""
    keys = records["_customer_key"]
    golden_index = pd.Index(sorted(keys.unique()), name="customer_key")
    return golden_index, golden_index.get_indexer(keys)


def _golden_fields(
    records: pd.DataFrame, rules: Mapping[str, str], source_priority: Sequence[str], golden_index: pd.Index,
    customer: np.ndarray,
) -> pd.DataFrame:
    """The surviving value of each field of ``rules`` per customer of ``golden_index``."""
    keys = records["_customer_key"]
    helper = _order_helper(records, source_priority)
    orders: dict[str, np.ndarray] = {}
    golden = pd.DataFrame(index=golden_index)
    for field, rule in rules.items():
        if field not in records.columns:
            continue
        if rule not in orders:
            orders[rule] = _record_order(helper, rule)
        if rule == "most_frequent":
            golden[field] = _most_frequent(records[field], keys, orders[rule])
        else:
            first = _first_filled(records[field], customer, len(golden_index), orders[rule])
            golden[field] = first.set_axis(golden_index)
    return golden


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
    rules = _survivorship_rules(customers, rules)
    source_priority = _source_priority(source_priority)
    records = _records_with_keys(customers, walk, id_column, "golden_records")
    golden_index, customer = _customers_of(records)
    golden = _golden_fields(records, {f: r for f, r in rules.items() if f in customers.columns}, source_priority,
                            golden_index, customer)
    golden["n_records"] = np.bincount(customer, minlength=len(golden_index)).astype(np.int64)
    if "source" in records.columns:
        lists = _source_lists(records["source"], customer, len(golden_index))
        golden["sources"] = pd.Series(_as_aggregated(records["source"], lists), index=golden_index)
    return golden


def _survivorship_rules(customers: pd.DataFrame, rules: Mapping[str, str] | None) -> dict[str, str]:
    """The default rules with the caller's overrides; refuse unknown rules and fields."""
    _check_table(customers, "golden_records: customers")
    if rules is not None and not isinstance(rules, Mapping):
        raise TypeError(
            f"golden_records: rules must be a dict {{field: rule}}, e.g. {{'email': 'source_priority'}}, found "
            f"{type(rules).__name__}; rules are {_RULES}"
        )
    unknown = {f: r for f, r in {**SURVIVORSHIP_RULES, **(rules or {})}.items() if r not in _RULES}
    if unknown:
        raise ValueError(f"golden_records: unknown survivorship rule(s) {unknown}; use one of {_RULES}")
    absent = [f for f in (rules or {}) if f not in customers.columns]
    if absent:
        raise ValueError(
            f"golden_records: rules name field(s) {absent} that are not columns of the customers table "
            f"(columns: {list(customers.columns)}); check the spelling or leave them out of rules"
        )
    return {**SURVIVORSHIP_RULES, **(rules or {})}


def _source_priority(source_priority: Sequence[str]) -> list[str]:
    if isinstance(source_priority, str) or not isinstance(source_priority, Sequence):
        raise TypeError(
            f"golden_records: source_priority must be a list of source names, most trusted first, e.g. "
            f"['store', 'web_signup'], found {type(source_priority).__name__} {source_priority!r:.60}"
        )
    return [str(s) for s in source_priority]


def _records_with_keys(customers: pd.DataFrame, walk: pd.DataFrame, id_column: str, function: str) -> pd.DataFrame:
    """The customer records (fresh row labels) with ``_customer_key`` and ``_record_rank`` columns."""
    _check_table(customers, f"{function}: customers")
    _require_columns(customers, [id_column], f"{function}: customers", "id_column")
    mapping = _walk_mapping(walk, function)
    ids = id_text(customers[id_column], what=f"{function}: customers column {id_column!r}")
    repeated = repeated_ids_message(ids, f"{function}: customers column {id_column!r}")
    if repeated:
        raise ValueError(repeated)
    keys = ids.map(mapping)
    if keys.isna().any():
        examples = ids[keys.isna()][:5].tolist()
        raise ValueError(
            f"{function}: {int(keys.isna().sum())} of {len(ids)} customer records are not in the crosswalk "
            f"(e.g. {examples}); build the crosswalk from these same customers, e.g. "
            "walk = resolve_customers(customers).crosswalk"
        )
    signup = customers["signup_date"] if "signup_date" in customers.columns else None
    if signup is not None and not pd.api.types.is_datetime64_any_dtype(signup) and _filled(signup).any():
        raise ValueError(
            f"{function}: signup_date must hold dates, found {signup.dtype} values (e.g. "
            f"{signup[_filled(signup)].head(3).tolist()}); text dates are not guessed (01/02/2023 may be 1 February "
            "or 2 January). Convert them first: idic_lab.schema.validate('customers', table, date_format='%d/%m/%Y')"
        )
    records = customers.reset_index(drop=True)
    return records.assign(_customer_key=keys.to_numpy(), _record_rank=id_rank(ids))


# --------------------------------------------------------------------------
# What duplicates do to the numbers; acquisition sources
# --------------------------------------------------------------------------


def _check_transactions(
    transactions: pd.DataFrame, id_column: str, function: str, columns: Sequence[str] = ("date", "amount")
) -> None:
    """Refuse transactions whose ids, dates or amounts would silently distort the numbers."""
    _check_table(transactions, f"{function}: transactions")
    _require_columns(transactions, [id_column, *columns], f"{function}: transactions")
    n = len(transactions)
    missing_ids = transactions[id_column].isna() | ~_filled(transactions[id_column])
    if missing_ids.any():
        raise ValueError(
            f"{function}: {int(missing_ids.sum())} of {n} transactions have no {id_column}; clean them first "
            f"(idic_lab.schema.clean counts them) or drop them: transactions.dropna(subset=[{id_column!r}])"
        )
    if "date" in columns:
        _check_dates(transactions["date"], function)
    if "amount" in columns:
        _check_amounts(transactions["amount"], function)


def _check_dates(dates: pd.Series, function: str) -> None:
    n = len(dates)
    if not pd.api.types.is_datetime64_any_dtype(dates):
        raise ValueError(
            f"{function}: transactions column 'date' must hold dates, found {dates.dtype} values (e.g. "
            f"{dates.head(3).tolist()}); text dates are not guessed (01/02/2023 may be 1 February or 2 January). "
            "Convert them first: idic_lab.schema.clean('transactions', table, date_format='%d/%m/%Y')"
        )
    if getattr(dates.dt, "tz", None) is not None:
        raise ValueError(
            f"{function}: transactions column 'date' is time-zone aware ({dates.dt.tz}), but observation_end "
            "is a plain date; convert the dates first, e.g. table['date'] = table['date'].dt.tz_convert(None)"
        )
    if dates.isna().any():
        raise ValueError(
            f"{function}: {int(dates.isna().sum())} of {n} transactions have no date; drop them first "
            "(idic_lab.schema.clean counts them), e.g. transactions.dropna(subset=['date'])"
        )


def _check_amounts(amounts: pd.Series, function: str) -> None:
    n = len(amounts)
    if not pd.api.types.is_numeric_dtype(amounts) or pd.api.types.is_bool_dtype(amounts):
        raise ValueError(
            f"{function}: transactions column 'amount' must hold numbers, found {amounts.dtype} values (e.g. "
            f"{amounts.head(3).tolist()}); convert them first, e.g. idic_lab.schema.clean('transactions', table)"
        )
    values = amounts.to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(values)
    if bad.any():
        raise ValueError(
            f"{function}: {int(bad.sum())} of {n} transactions have a missing or infinite amount (e.g. "
            f"{amounts[bad].head(3).tolist()}); they cannot be summed. Drop them first, e.g. "
            "transactions[np.isfinite(transactions['amount'])]"
        )


def _window(transactions: pd.DataFrame, end: pd.Timestamp, function: str) -> pd.DataFrame:
    """The transactions on or before the observation end (the whole end day); refuse an empty window."""
    if len(transactions) == 0:
        raise ValueError(f"{function}: the transactions table is empty (0 rows); there is nothing to measure")
    window = transactions[transactions["date"] < end.normalize() + pd.Timedelta(days=1)]
    if window.empty:
        raise ValueError(
            f"{function}: none of the {len(transactions)} transactions is on or before observation_end="
            f"{end.date()} (the earliest is {transactions['date'].min().date()}); choose a later observation_end"
        )
    return window


def _sorted_by_id(table: pd.DataFrame | pd.Series) -> pd.DataFrame | pd.Series:
    """Rows in id order (digit-only ids numerically), whatever the ids' types."""
    order = id_order(id_text(table.index, what="customer ids"))
    return table.iloc[order]


def _check_active_days(active_days) -> None:
    if isinstance(active_days, bool) or not isinstance(active_days, numbers.Integral) or active_days < 0:
        raise ValueError(f"active_days must be a whole number of days >= 0, e.g. 180, found {active_days!r}")


def rfm_segments(
    transactions: pd.DataFrame, *, observation_end: str, active_days: int = 180, id_column: str = "customer_id"
) -> pd.DataFrame:
    """Recency, frequency, monetary value and a rule-based segment per customer.

    Segments combine purchase count (``one-time`` 1, ``repeat`` 2–3,
    ``loyal`` 4+) with recency (``active`` if the last purchase is at most
    ``active_days`` before ``observation_end``, else ``lapsed``). Fixed rules,
    not quantiles, so that two versions of the same data (before and after
    merging duplicates) are cut the same way.

    Parameters
    ----------
    transactions : DataFrame
        ``id_column``, ``date`` (dates, not text), ``amount`` (finite numbers).
    observation_end : str
        ISO date (``"2023-12-31"``) or Timestamp; transactions after it are left out.
    active_days : int
        Days since the last purchase up to which a customer is ``active``.

    Returns
    -------
    DataFrame
        Indexed by customer (sorted by id): ``recency_days``, ``frequency``,
        ``monetary``, ``segment``.
    """
    end = as_date(observation_end, "observation_end", required=True)
    _check_active_days(active_days)
    _check_transactions(transactions, id_column, "rfm_segments")
    return _rfm(_window(transactions, end, "rfm_segments"), end, active_days, id_column)


def _rfm(window: pd.DataFrame, end: pd.Timestamp, active_days: int, id_column: str) -> pd.DataFrame:
    grouped = window.groupby(id_column, sort=False)
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
    return _sorted_by_id(table)


def _check_discount_rate(annual_discount_rate) -> None:
    if isinstance(annual_discount_rate, bool) or not isinstance(annual_discount_rate, numbers.Real):
        raise TypeError(
            f"annual_discount_rate must be a number in [0, 1), e.g. 0.10 for 10 %, found "
            f"{type(annual_discount_rate).__name__} {annual_discount_rate!r}"
        )
    if not 0 <= annual_discount_rate < 1:
        raise ValueError(f"annual_discount_rate must be in [0, 1), e.g. 0.10 for 10 %, got {annual_discount_rate}")


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
        ``id_column``, ``date`` (dates), ``amount`` (finite numbers).
    observation_end : str
        Last day of the window (ISO date); the window starts at the first transaction.
    annual_discount_rate : float
        ``d``, e.g. 0.10.

    Returns
    -------
    (Series, float)
        CLV per buying customer (sorted by id), and the yearly retention rate ``r`` used.

    Warns
    -----
    IdicLabWarning
        When no first-half buyer buys again (``r`` = 0: every CLV is 0) or
        every one does (``r`` capped at 0.99): the data cannot estimate ``r``.
    """
    _check_discount_rate(annual_discount_rate)
    end = as_date(observation_end, "observation_end", required=True)
    _check_transactions(transactions, id_column, "simple_clv")
    window = _window(transactions, end, "simple_clv")
    clv, retention, half_retention, n_first = _clv(window, end, annual_discount_rate, id_column)
    doubt = _retention_doubt(half_retention, n_first)
    if doubt:
        warn(f"simple_clv: {doubt}")
    return clv, retention


def _clv(window: pd.DataFrame, end: pd.Timestamp, rate: float, id_column: str) -> tuple[pd.Series, float, float, int]:
    """CLV per customer, yearly retention, the half-window retention and the first-half buyers it rests on."""
    start = window["date"].min().normalize()
    days = max((end - start).days + 1, 2)
    middle = start + pd.Timedelta(days=days / 2)
    first = set(window.loc[window["date"] < middle, id_column])
    second = set(window.loc[window["date"] >= middle, id_column])
    half_retention = len(first & second) / len(first) if first else 0.0
    retention = float(min(half_retention ** (365.25 / (days / 2)), 0.99))
    yearly = window.groupby(id_column, sort=False)["amount"].sum() / (days / 365.25)
    clv = yearly * retention / (1 + rate - retention)
    return _sorted_by_id(clv.rename("clv")), retention, half_retention, len(first)


def _retention_doubt(half_retention: float, n_first: int) -> str | None:
    """Why the estimated retention says nothing about the customers, or None."""
    if half_retention == 0:
        return (
            f"none of the {n_first} customer(s) who bought in the first half of the window bought again in the "
            "second half, so the yearly retention is estimated as 0 and every CLV is 0. The window is too short "
            "or the data too few to estimate retention: give a longer transaction history or a later observation_end."
        )
    if half_retention == 1:
        return (
            f"all {n_first} customer(s) who bought in the first half of the window bought again in the second "
            "half, so the yearly retention is 1, capped at 0.99: every CLV is about 100 years of spend. "
            "The data are too few to estimate retention."
        )
    return None


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
    (:func:`idic_lab.schema.clean`): rows without a customer id, date or
    finite amount are refused.

    Returns
    -------
    DataFrame
        Rows are metrics (customer records, buying customers, repeat-buyer
        share, yearly retention, revenue and simple CLV per buying customer
        (:func:`simple_clv`), share of each segment of :func:`rfm_segments`,
        segments sorted by name); columns ``before``, ``after``, (``truth``,)
        ``change`` (after − before).

    Warns
    -----
    IdicLabWarning
        When retention cannot be estimated in any view (no repeat buyer
        anywhere) or is capped in one: the CLV rows then compare nothing.
    """
    if unmapped not in ("raise", "keep"):
        raise ValueError(f"duplicate_impact: unmapped must be 'raise' or 'keep', got {unmapped!r}")
    end = as_date(observation_end, "observation_end", required=True)
    _check_active_days(active_days)
    _check_discount_rate(annual_discount_rate)
    _check_transactions(transactions, id_column, "duplicate_impact")
    _window(transactions, end, "duplicate_impact")
    _walk_mapping(walk, "duplicate_impact", "walk")
    if true_walk is not None:
        _walk_mapping(true_walk, "duplicate_impact", "true_walk")
    views = {"before": (transactions, len(walk))}
    views["after"] = (
        apply_crosswalk(transactions, walk, id_column=id_column, unmapped=unmapped), walk["customer_key"].nunique()
    )
    if true_walk is not None:
        views["truth"] = (
            apply_crosswalk(transactions, true_walk, id_column=id_column, unmapped=unmapped),
            true_walk["customer_key"].nunique(),
        )
    columns, segment_shares, doubts = {}, {}, {}
    for name, (frame, n_customers) in views.items():
        window = _window(frame, end, "duplicate_impact")
        rfm = _rfm(window, end, active_days, id_column)
        clv, retention, half_retention, n_first = _clv(window, end, annual_discount_rate, id_column)
        doubts[name] = (half_retention, _retention_doubt(half_retention, n_first))
        columns[name] = {
            "customer records (all)": float(n_customers),
            "buying customers": float(len(rfm)),
            "repeat-buyer share": float((rfm["frequency"] > 1).mean()),
            "yearly retention": retention,
            "revenue per buying customer": float(rfm["monetary"].mean()),
            "simple CLV per buying customer": float(clv.mean()),
        }
        segment_shares[name] = rfm["segment"].value_counts(normalize=True)
    _warn_retention(doubts)
    segments = sorted(set().union(*(shares.index for shares in segment_shares.values())))
    for name in columns:
        for segment in segments:
            columns[name][f"segment share: {segment}"] = float(segment_shares[name].get(segment, 0.0))
    table = pd.DataFrame(columns)
    table["change"] = table["after"] - table["before"]
    return table


@dataclass(frozen=True)
class DuplicateImpact:
    """What duplicate records do to the figures of a CRM report (:func:`duplicate_effect`)."""

    table: pd.DataFrame

    def headline(self) -> dict[str, float | int]:
        """Customers counted by record, and the change duplicates make to the repeat-buyer share and to CLV."""
        table = self.table
        return {"customers_before": int(table.loc["customer records (all)", "before"]),
                "repeat_share_change": round(float(table.loc["repeat-buyer share", "change"]), 4),
                "clv_per_customer_change": round(float(table.loc["simple CLV per buying customer", "change"]), 2)}

    def finding(self) -> str:
        """One sentence for the report: the repeat-buyer share counted by record and after merging."""
        from idic_lab.formatting import percent

        before, after = self.table.loc["repeat-buyer share", ["before", "after"]]
        return (f"Counted by customer record, {percent(before)} of buyers bought more than once; "
                f"after merging duplicate records, {percent(after)} did.")


def duplicate_effect(
    transactions: pd.DataFrame,
    walk: pd.DataFrame,
    *,
    observation_end: str,
    active_days: int = 180,
    id_column: str = "customer_id",
    unmapped: str = "raise",
    true_walk: pd.DataFrame | None = None,
    annual_discount_rate: float = 0.10,
) -> DuplicateImpact:
    """:func:`duplicate_impact` as a stage result: the before/after table, its headline figures and a finding.

    Parameters
    ----------
    transactions, walk, observation_end, active_days, id_column, unmapped, true_walk, annual_discount_rate
        As in :func:`duplicate_impact`.

    Returns
    -------
    DuplicateImpact
    """
    return DuplicateImpact(duplicate_impact(
        transactions, walk, observation_end=observation_end, active_days=active_days, id_column=id_column,
        unmapped=unmapped, true_walk=true_walk, annual_discount_rate=annual_discount_rate))


def _warn_retention(doubts: Mapping[str, tuple[float, str | None]]) -> None:
    """Warn when no view can estimate retention, or when one caps it (its CLV is meaningless)."""
    if all(half == 0 for half, _ in doubts.values()):
        warn("duplicate_impact: the CLV rows compare nothing, in every view: " + doubts["before"][1])
    for name, (half, doubt) in doubts.items():
        if half == 1:
            warn(f"duplicate_impact: the '{name}' CLV is not meaningful: {doubt}")


_UNKNOWN_SOURCE = "(no source)"


def source_quality(
    customers: pd.DataFrame,
    walk: pd.DataFrame,
    *,
    transactions: pd.DataFrame | None = None,
    id_column: str = "customer_id",
) -> pd.DataFrame:
    """Compare acquisition sources: completeness, duplicates and later value.

    Records without a source are grouped as ``"(no source)"``. Transactions
    of ids that are not customer records count for no source.

    Returns
    -------
    DataFrame
        Indexed by source (sorted): ``records``; ``completeness`` (mean filled
        contact fields); ``duplicate_rate`` (share of the source's records
        that belong to a customer with more than one record);
        ``customers_acquired`` (customers whose earliest record comes from
        this source) and, with transactions, ``buyer_share`` (share of the
        source's records with any purchase), ``revenue_per_record`` and
        ``revenue_from_customers_acquired`` (all revenue of the customers
        the source acquired, whichever record they bought under; a total,
        so a source that acquired nobody has 0, not an undefined average).
    """
    _check_table(customers, "source_quality: customers")
    if "source" not in customers.columns:
        raise ValueError(
            f"source_quality: the customers table has no 'source' column (columns: {list(customers.columns)}); "
            "stack the files with stack_sources({'web': web, 'store': store}) or load_customer_files(...), "
            "which add it, or map the client's column: validate('customers', table, columns={'source': ...})"
        )
    customers = customers.assign(source=customers["source"].where(_filled(customers["source"]), _UNKNOWN_SOURCE)
                                 .astype("str"))
    if transactions is not None:
        _check_transactions(transactions, id_column, "source_quality", columns=("amount",))
    records = _records_with_keys(customers, walk, id_column, "source_quality")
    first_source = _golden_fields(records, {"source": "earliest"}, [], *_customers_of(records))["source"]
    records["n_records"] = records["_customer_key"].map(records["_customer_key"].value_counts())
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
    table["customers_acquired"] = first_source.value_counts().reindex(table.index, fill_value=0)
    if transactions is not None:
        ids = id_text(transactions[id_column], what=f"source_quality: transactions column {id_column!r}")
        # Grouping on the text array, not an object copy of it, is 2x faster at millions of transactions.
        revenue_by_record = transactions["amount"].groupby(ids.array).sum()
        record_ids = id_text(records[id_column], what="source_quality: customers")
        records["revenue"] = record_ids.map(revenue_by_record).fillna(0.0).to_numpy()
        table["buyer_share"] = records.groupby("source")["revenue"].apply(lambda r: float((r > 0).mean()))
        table["revenue_per_record"] = records.groupby("source")["revenue"].mean()
        revenue_by_customer = records.groupby("_customer_key")["revenue"].sum()
        acquired_revenue = revenue_by_customer.groupby(first_source.reindex(revenue_by_customer.index)).sum()
        table["revenue_from_customers_acquired"] = acquired_revenue.reindex(table.index, fill_value=0.0)
    return table


@dataclass(frozen=True)
class SourceComparison:
    """Acquisition sources compared: :func:`source_quality` plus revenue per customer acquired.

    Attributes
    ----------
    table : DataFrame
        :func:`source_quality`'s columns and, with transactions,
        ``revenue_per_customer_acquired`` (NaN for a source that acquired
        nobody: there is no average to take).
    """

    table: pd.DataFrame

    def worst(self) -> dict[str, str]:
        """The worst source on each comparison: lowest completeness, highest duplicate rate, lowest later value."""
        table = self.table
        worst = {"completeness": str(table["completeness"].idxmin()),
                 "duplicate_rate": str(table["duplicate_rate"].idxmax())}
        if "revenue_per_customer_acquired" in table.columns and table["revenue_per_customer_acquired"].notna().any():
            worst["revenue_per_customer_acquired"] = str(table["revenue_per_customer_acquired"].idxmin())
        return worst

    def headline(self) -> dict:
        """What the notebook records: the worst source per comparison and the compared values per source."""
        columns = [c for c in ("completeness", "duplicate_rate", "buyer_share", "revenue_per_customer_acquired")
                   if c in self.table]
        values = {c: {str(k): (None if pd.isna(v) else round(float(v), 4)) for k, v in self.table[c].items()}
                  for c in columns}
        return {"worst": self.worst(), **values}


def compare_sources(
    customers: pd.DataFrame,
    walk: pd.DataFrame,
    *,
    transactions: pd.DataFrame | None = None,
    id_column: str = "customer_id",
) -> SourceComparison:
    """Compare acquisition sources on completeness, duplicates and what their customers spent later.

    Parameters are those of :func:`source_quality`.

    Returns
    -------
    SourceComparison
        ``table`` adds ``revenue_per_customer_acquired`` to
        :func:`source_quality` when transactions are given: the revenue of
        the customers a source brought in first, per such customer.
    """
    table = source_quality(customers, walk, transactions=transactions, id_column=id_column)
    if "revenue_from_customers_acquired" in table.columns:
        acquired = table["customers_acquired"].where(table["customers_acquired"] > 0)
        table["revenue_per_customer_acquired"] = table["revenue_from_customers_acquired"] / acquired
    return SourceComparison(table=table)
