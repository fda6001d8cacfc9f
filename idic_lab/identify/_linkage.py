"""Identify stage: identity resolution (blocking, comparison, Fellegi–Sunter).

Record linkage answers "which records are the same person?" in three steps,
each a function here:

1. **Blocking** (:func:`candidate_pairs`): comparing every record with every
   other is quadratic (5,000 × 5,000 = 25 million pairs), so we only
   compare pairs that agree on at least one *blocking key* (same postcode,
   same date of birth, same Soundex code of the surname, …). Several keys
   are combined with OR, so one typo cannot hide a true match.
   :func:`blocking_summary` reports how many pairs each key keeps, the
   reduction ratio and, when the truth is known, the pairs completeness.
2. **Comparison** (:func:`compare_pairs`): each field of a candidate pair is
   put on an agreement level (exact / close / somewhat / different, or
   missing), using script-aware normalisation (:mod:`._text`).
3. **Classification** (:class:`FellegiSunter`): the Fellegi–Sunter model,
   fitted without labels by expectation–maximisation. For each field and
   level it learns ``m`` (how often true matches show that level) and ``u``
   (how often non-matches do); the *match weight* of a pair is the sum of
   ``log2(m/u)`` plus the prior log-odds, and the match probability follows.
   A missing value contributes nothing, instead of counting as a
   disagreement.

:func:`link_records` runs all three; :func:`evaluate_links` and
:func:`precision_recall_table` measure the result against true links.

The pair machinery is vectorised (:mod:`._engine`): blocking is a join on
integer key codes, comparison calls rapidfuzz's C++ scorers once per field
on the distinct value pairs, and the script-aware features (normalised
text, consonant skeleton) are computed per record, not per pair. The same
blocking and levels run as SQL on DuckDB or Spark (:mod:`._sql`). The
classifier is a multi-level Fellegi–Sunter model with missing values as
"no evidence" (binary agree/disagree classifiers such as recordlinkage's
ECM lose the "close" levels).
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import jellyfish
import numpy as np
import pandas as pd

from idic_lab.diagnostics import warn
from idic_lab.formatting import count as _count
from idic_lab.formatting import plain as _plain_value
from idic_lab.identify import _engine
from idic_lab.identify._ids import id_rank, id_text, repeated_ids_message
from idic_lab.identify._text import (
    _text_values,
    consonant_skeleton,
    normalise_address,
    normalise_email,
    normalise_name,
    normalise_phone,
)

__all__ = [
    "CUSTOMER_BLOCKING",
    "CUSTOMER_FIELDS",
    "FEBRL_BLOCKING",
    "FEBRL_FIELDS",
    "FIELD_KINDS",
    "FellegiSunter",
    "LinkageResult",
    "blocking_summary",
    "candidate_pairs",
    "compare_pairs",
    "evaluate_links",
    "label_pairs",
    "link_records",
    "precision_recall_table",
]

FIELD_KINDS = ("name", "string", "address", "code", "exact", "date", "email", "phone")
"""How a field is compared; see :func:`compare_pairs`."""

FEBRL_FIELDS: Mapping[str, str] = {
    "given_name": "name",
    "surname": "name",
    "street_number": "code",
    "address_1": "string",
    "address_2": "string",
    "suburb": "string",
    "postcode": "code",
    "state": "exact",
    "date_of_birth": "date",
    "soc_sec_id": "code",
}
"""Comparison fields of the FEBRL person records."""

FEBRL_BLOCKING: tuple[tuple[str, ...], ...] = (
    ("postcode",),
    ("date_of_birth",),
    ("soc_sec_id",),
    ("surname|soundex", "given_name|first1"),
)
"""Blocking keys for FEBRL: a pair is compared if it agrees on any one row."""

CUSTOMER_FIELDS: Mapping[str, str] = {
    "name": "name",
    "email": "email",
    "phone": "phone",
    "address": "address",
    "birth_date": "date",
}
"""Comparison fields of the canonical ``customers`` table."""

CUSTOMER_BLOCKING: tuple[tuple[str, ...], ...] = (
    ("email",),
    ("phone",),
    ("birth_date", "name|first1"),
    ("name|skeleton", "address|first3"),
    ("name|skeleton", "birth_date|year"),
    ("name|skeleton", "email|digits"),
    ("name|skeleton", "phone|first3"),
    ("address", "name|first1"),
    ("email|numbered_local",),
)
"""Blocking keys for the canonical ``customers`` table.

Every key holds a value that few people share (an e-mail, a phone) or pairs
a name with a second field. A name alone, or a birth date alone, is shared by
more records the more records there are: its pairs grow with the square of
the records (the name skeleton as records^1.98 in issue 13), and at tens of
thousands of records the namesakes swamp the duplicates. These keys grow
nearly linearly (``benchmarks/bench_identify.py --sizes``) and keep 82 % of
the true pairs of the synthetic customers at 20,000 persons, of the 85 % whose
records share any field besides the name (the others share only a name, which
cannot tell a person from a namesake as the records grow). The address and
the numbered mailbox name keys catch duplicates whose name was mistyped.
"""

# Similarity cut-offs of the agreement levels (Jaro–Winkler); chosen once on
# general grounds (0.92 ≈ one typo in a medium-length name), not tuned on labels.
_CLOSE, _SOMEWHAT = 0.92, 0.80
_MAX_PAIRS_PER_KEY = 5_000_000


# --------------------------------------------------------------------------
# Preparation and blocking
# --------------------------------------------------------------------------


def _check_frame(records: pd.DataFrame, role: str) -> pd.Series:
    """Refuse what cannot be a table of records; return the record ids as text."""
    if not isinstance(records, pd.DataFrame):
        raise TypeError(f"{role}: expected a DataFrame of records (one row per record), found {type(records).__name__}")
    if len(records) == 0:
        raise ValueError(f"{role} is empty (0 rows): there are no records to resolve")
    if isinstance(records.index, pd.MultiIndex):
        raise ValueError(
            f"{role}: the index has {records.index.nlevels} levels {list(records.index.names)}, but record ids "
            "are one value per row. Use one id column as the index, e.g. records.reset_index().set_index('rec_id'), "
            "or join the levels: records.index = records.index.map(lambda t: ':'.join(map(str, t)))"
        )
    repeated_columns = records.columns[records.columns.duplicated()].unique().tolist()
    if repeated_columns:
        raise ValueError(
            f"{role}: column names must be unique, but {repeated_columns} occur more than once among "
            f"{len(records.columns)} columns; rename or drop the copies"
        )
    ids = id_text(records.index, what=f"{role}: record ids (the index)")
    message = repeated_ids_message(ids, f"{role}: record ids (the index)")
    if message:
        raise ValueError(message)
    return ids


def _check_kinds(kinds: Mapping[str, str] | None, parameter: str = "kinds") -> dict[str, str]:
    if kinds is None:
        return {}
    if not isinstance(kinds, Mapping):
        raise TypeError(
            f"{parameter}: expected a dict {{column: kind}}, e.g. {{'name': 'name', 'email': 'email'}}, "
            f"found {type(kinds).__name__}; kinds are {FIELD_KINDS}"
        )
    for column, kind in kinds.items():
        if kind not in FIELD_KINDS:
            raise ValueError(f"field {column!r}: unknown kind {kind!r}; use one of {FIELD_KINDS}")
    return dict(kinds)


def _non_finite(values: pd.Series) -> pd.Series:
    """Mask of ±inf values (numbers cannot be compared as text once they are infinite)."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return pd.Series(np.isinf(values.to_numpy(dtype=float, na_value=np.nan)), index=values.index)
    if values.dtype == object:
        return values.map(lambda v: isinstance(v, (float, np.floating)) and bool(np.isinf(v))).astype(bool)
    return pd.Series(False, index=values.index)


_YEAR_FIRST = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$")


def _date_text(values: pd.Series, column: str) -> pd.Series:
    """Text dates as ``YYYYMMDD`` (kept as text so typos still compare); refuse day- or month-first text.

    ``01/02/1980`` is 1 February to a European and 2 January to an American;
    guessing would silently swap days and months, so such text is refused.
    """
    text = _text_values(values).str.strip()
    text = text.where(text.ne(""), pd.NA)
    parts = text.str.extract(_YEAR_FIRST)
    compact = text.str.fullmatch(r"\d{8}").fillna(False).astype(bool)
    year_first = parts[0].notna()
    ambiguous = text.notna() & ~compact & ~year_first
    if ambiguous.any():
        examples = text[ambiguous].unique()[:5].tolist()
        raise ValueError(
            f"field {column!r} (kind 'date'): {int(ambiguous.sum())} of {len(values)} values are dates written "
            f"as text that does not start with the year (e.g. {examples}). Day-first (31/12/1980) and "
            "month-first (12/31/1980) text cannot be told apart, so it is not guessed. Convert the column "
            f"with its format first, e.g. records[{column!r}] = pd.to_datetime(records[{column!r}], "
            "format='%d/%m/%Y'), or write the dates as YYYY-MM-DD or YYYYMMDD"
        )
    joined = parts[0] + parts[1].str.zfill(2) + parts[2].str.zfill(2)
    return text.where(compact, joined).astype("str").where(text.notna(), pd.NA)


def _normalised(values: pd.Series, kind: str, column: str = "field") -> pd.Series:
    infinite = _non_finite(values)
    if infinite.any():
        raise ValueError(
            f"field {column!r}: {int(infinite.sum())} of {len(values)} values are infinite (±inf), which "
            "cannot be compared; replace them by missing values, e.g. "
            f"records[{column!r}] = records[{column!r}].replace([np.inf, -np.inf], np.nan)"
        )
    if kind == "email":
        return normalise_email(values)
    if kind == "address":
        return normalise_address(values)
    if kind == "phone":
        return normalise_phone(values)
    if kind == "date":
        if pd.api.types.is_datetime64_any_dtype(values):  # formatted once per distinct date
            codes, uniques = pd.factorize(values)
            text = pd.Series(pd.DatetimeIndex(uniques).strftime("%Y%m%d"), dtype="str").to_numpy(dtype=object)
            return pd.Series(np.where(codes < 0, None, text[codes] if len(text) else None), index=values.index,
                             dtype="str")
        return _date_text(values, column)
    text = normalise_name(values)
    if kind == "code":
        text = text.str.replace(" ", "", regex=False)
    return text


def _numbered_local(local: str) -> str:
    return local.replace(".", "") if any(ch.isdigit() for ch in local) else ""


_KEY_TRANSFORMS = {
    "soundex": lambda v: jellyfish.soundex(v) if v.isascii() else consonant_skeleton(v),
    "metaphone": lambda v: jellyfish.metaphone(v) if v.isascii() else consonant_skeleton(v),
    "first1": lambda v: v[:1],
    "first3": lambda v: v[:3],
    "first_token": lambda v: v.split()[0],
    "year": lambda v: v[:4],
    "skeleton": consonant_skeleton,
    "digits": lambda v: "".join(ch for ch in v if ch.isdigit()),
    # A mailbox name with a number in it (anna.berg82) is nearly one person's, at any provider
    # (dots left out: Gmail ignores them, so its addresses are normalised without).
    "numbered_local": lambda v: _numbered_local(v.partition("@")[0]),
}


def _block_key(records: pd.DataFrame, spec: str, kinds: Mapping[str, str],
               normalised: dict | None = None) -> pd.Series:
    """One blocking key part per record (missing where it cannot agree).

    ``normalised`` caches each column's normalised values across the parts
    of several keys; the transform runs once per distinct value.
    """
    column, _, transform = spec.partition("|")
    if column not in records.columns:
        raise ValueError(
            f"blocking key {spec!r}: no column {column!r} in the records (columns: {list(records.columns)}); "
            "a key part is a column name, optionally with '|transform'"
        )
    if transform and transform not in _KEY_TRANSFORMS:
        raise ValueError(f"blocking key {spec!r}: unknown transform {transform!r}; use one of {sorted(_KEY_TRANSFORMS)}")
    normalised = {} if normalised is None else normalised
    if column not in normalised:
        normalised[column] = _normalised(records[column], kinds.get(column, "string"), column)
    values = normalised[column]
    if not transform:
        return values
    function = _KEY_TRANSFORMS[transform]
    codes, uniques = pd.factorize(values.to_numpy(dtype=object, na_value=None))
    keys = np.array([function(v) or None for v in uniques], dtype=object)
    return pd.Series(np.where(codes < 0, None, keys[codes] if len(keys) else None), index=values.index, dtype=object)


def _key_frame(frame: pd.DataFrame, rules: Sequence[Sequence[str]], kinds: Mapping[str, str]) -> pd.DataFrame:
    """One column per part of every blocking rule (normalised, transformed), indexed by position."""
    normalised: dict = {}
    columns = {
        f"r{r}_{n}": _block_key(frame, spec, kinds, normalised).to_numpy(dtype=object, na_value=None)
        for r, rule in enumerate(rules)
        for n, spec in enumerate(rule)
    }
    return pd.DataFrame(columns, index=pd.RangeIndex(len(frame)))


def _rule_codes(keys_left: pd.DataFrame, keys_right: pd.DataFrame | None, r: int, rule: Sequence[str]):
    """Integer key codes of blocking rule ``r`` for both sources (-1 = some part missing)."""
    on = [f"r{r}_{n}" for n in range(len(rule))]
    parts_right = [keys_right[c].to_numpy(dtype=object) for c in on] if keys_right is not None else None
    return _engine.key_codes([keys_left[c].to_numpy(dtype=object) for c in on], parts_right)


def _check_block_sizes(codes_left, codes_right, rule: Sequence[str], limit: int, keys: pd.DataFrame) -> None:
    """Refuse a key that would make more than ``limit`` pairs, counting the real pairs.

    Deduplicating, a block of ``n`` records makes ``n (n − 1) / 2`` pairs;
    linking, ``n_left · n_right``. The message names the key, its pair count,
    its largest block and what to do.
    """
    expected = _engine.count_pairs(codes_left, codes_right)
    if expected <= limit:
        return
    present = codes_left[codes_left >= 0]
    biggest = int(np.bincount(present).argmax())
    example = " + ".join(map(str, keys.iloc[int(np.flatnonzero(codes_left == biggest)[0])]))
    name = " + ".join(rule)
    raise ValueError(
        f"blocking key {name} would make {_count(expected)} candidate pairs, more than the limit of "
        f"{_count(limit)} per key; its largest block ({example!r}) alone holds "
        f"{_count(int((present == biggest).sum()))} records. Make the key finer by combining it with another "
        f"part, e.g. [{', '.join(repr(p) for p in rule)}, 'birth_date|year'], or use a finer transform; or raise "
        f"max_pairs_per_key if the memory allows (a candidate pair costs some tens of bytes)"
    )


_BLOCKING_EXAMPLE = "e.g. blocking=[['postcode'], ['surname|soundex', 'given_name|first1']]"


def _as_rules(rules: Sequence[Sequence[str]] | Sequence[str]) -> list[tuple[str, ...]]:
    if isinstance(rules, str) or not isinstance(rules, Sequence) or not len(rules):
        raise ValueError(f"blocking: give a non-empty list of keys, {_BLOCKING_EXAMPLE}; found {rules!r:.60}")
    out = []
    for rule in rules:
        parts = (rule,) if isinstance(rule, str) else tuple(rule) if isinstance(rule, Sequence) else None
        if not parts or not all(isinstance(part, str) and part.strip() for part in parts):
            raise ValueError(
                f"blocking: every key is a non-empty list of column names (or 'column|transform'), "
                f"{_BLOCKING_EXAMPLE}; found the key {rule!r:.60}"
            )
        out.append(parts)
    return out


def candidate_pairs(
    left: pd.DataFrame,
    right: pd.DataFrame | None = None,
    *,
    blocking: Sequence[Sequence[str]],
    kinds: Mapping[str, str] | None = None,
    max_pairs_per_key: int = _MAX_PAIRS_PER_KEY,
) -> pd.DataFrame:
    """Record pairs that agree on at least one blocking key.

    Parameters
    ----------
    left : DataFrame
        Records, indexed by a unique record id.
    right : DataFrame, optional
        A second source to link with ``left``; omit to deduplicate ``left``.
    blocking : list of lists of str
        Each inner list is one key; its parts must all agree (AND), and a
        pair is kept if any key agrees (OR). A part is a column name, or
        ``"column|transform"`` with transform one of ``soundex``,
        ``metaphone``, ``first1``, ``first3``, ``first_token``, ``year``,
        ``skeleton`` (Persian/Latin consonant key), ``digits`` (the digits
        of a value, e.g. of an e-mail address). Values are normalised
        first (case, diacritics, script variants); missing values never agree.
    kinds : dict, optional
        ``{column: kind}`` as in :func:`compare_pairs`, so e-mails and phones
        are normalised the way they are compared.
    max_pairs_per_key : int
        Refuse (ValueError naming the key) a key that alone would make more
        pairs than this: a too-coarse key (same first name) grows with the
        square of the records and would exhaust the memory.

    Returns
    -------
    DataFrame
        Columns ``id_1`` and ``id_2`` (record ids of left and right), each
        pair once; deduplicating, the smaller id first. Sorted by ``id_1``
        then ``id_2`` (numeric ids numerically).
    """
    positions = _candidate_positions(left, right, _as_rules(blocking), _check_kinds(kinds),
                                     max_pairs_per_key=_check_limit(max_pairs_per_key))
    ids_right = (right if right is not None else left).index
    return pd.DataFrame({"id_1": left.index[positions["i"]], "id_2": ids_right[positions["j"]]})


def _check_limit(limit) -> int:
    if isinstance(limit, bool) or not isinstance(limit, (int, np.integer)) or limit < 1:
        raise ValueError(f"max_pairs_per_key: a whole number of pairs >= 1 (default {_MAX_PAIRS_PER_KEY:,}), got {limit!r}")
    return int(limit)


def _rule_positions(left, right, rules, kinds, max_pairs_per_key: int = _MAX_PAIRS_PER_KEY):
    """Positional pairs ``(i, j)`` of every rule (deduplicating: ``i < j``), after the size guard."""
    keys_left = _key_frame(left, rules, kinds)
    keys_right = _key_frame(right, rules, kinds) if right is not None else None
    codes = [_rule_codes(keys_left, keys_right, r, rule) for r, rule in enumerate(rules)]
    for r, (rule, (codes_left, codes_right)) in enumerate(zip(rules, codes)):
        on = [f"r{r}_{n}" for n in range(len(rule))]
        _check_block_sizes(codes_left, codes_right if right is not None else None, rule, max_pairs_per_key,
                           keys_left[on])
    return [_engine.block_pairs(cl, cr if right is not None else None) for cl, cr in codes]


def _candidate_positions(left, right, rules, kinds, *, max_pairs_per_key: int = _MAX_PAIRS_PER_KEY) -> pd.DataFrame:
    """Positions ``i`` (left) and ``j`` (right) of the candidate pairs, ordered by record id.

    When deduplicating, the record with the smaller id comes first in a pair;
    pairs are sorted by the first id, then the second (numeric ids numerically).
    Positions are ``int32`` (8 bytes a pair) up to 2³¹ records.
    """
    ids_left = _check_frame(left, "left source" if right is not None else "records")
    ids_right = _check_frame(right, "right source") if right is not None else ids_left
    n_right = len(right) if right is not None else len(left)
    per_rule = _rule_positions(left, right, rules, kinds, max_pairs_per_key)
    i, j = _engine.union_pairs(per_rule, n_right)
    del per_rule
    rank_left = id_rank(ids_left)
    rank_right = id_rank(ids_right) if right is not None else rank_left
    if right is None:  # each unordered pair once; put the smaller id first
        swap = rank_left[i] > rank_left[j]
        i, j = np.where(swap, j, i), np.where(swap, i, j)
    order = np.lexsort((rank_right[j], rank_left[i]))
    dtype = _engine.position_dtype(max(len(left), n_right))
    return pd.DataFrame({"i": i[order].astype(dtype), "j": j[order].astype(dtype)})


def blocking_summary(
    left: pd.DataFrame,
    right: pd.DataFrame | None = None,
    *,
    blocking: Sequence[Sequence[str]],
    kinds: Mapping[str, str] | None = None,
    true_links: pd.DataFrame | None = None,
    max_pairs_per_key: int = _MAX_PAIRS_PER_KEY,
) -> pd.DataFrame:
    """How many pairs each blocking key keeps, and what it costs in missed matches.

    Returns
    -------
    DataFrame
        One row per key and a last row ``"any key (union)"``, with columns
        ``pairs``, ``reduction_ratio`` (1 − pairs / all possible pairs) and,
        when ``true_links`` (columns ``rec_id_1``, ``rec_id_2``) is given,
        ``pairs_completeness`` (share of true links among the pairs).
    """
    rules = _as_rules(blocking)
    kinds = _check_kinds(kinds)
    ids_left = _check_frame(left, "left source" if right is not None else "records")
    ids_right = _check_frame(right, "right source") if right is not None else ids_left
    n_left = len(left)
    all_pairs = n_left * len(right) if right is not None else n_left * (n_left - 1) // 2
    if all_pairs == 0:
        raise ValueError(
            "blocking_summary: the records hold 1 record, so there are no pairs to block and no reduction "
            "ratio; deduplication needs at least 2 records (or give a right source to link with)"
        )
    dedup = right is None
    truth = _truth_set(true_links, dedup=dedup, function="blocking_summary") if true_links is not None else None
    if truth is not None and not truth:
        warn(
            "blocking_summary: true_links is empty, so pairs completeness (the share of true links the "
            "blocking keeps) is undefined; it is reported as 0. Pass true_links=None when the truth is unknown."
        )
    n_right = len(ids_right)
    truth_codes = _truth_pair_codes(truth, ids_left, ids_right, dedup) if truth else None
    per_rule = _rule_positions(left, right, rules, kinds, _check_limit(max_pairs_per_key))
    rows = []
    for rule, (i, j) in zip(rules, per_rule):
        rows.append(_blocking_row(" + ".join(rule), i.astype(np.int64) * n_right + j, all_pairs, truth, truth_codes))
    union = np.unique(np.concatenate([i.astype(np.int64) * n_right + j for i, j in per_rule]))
    rows.append(_blocking_row("any key (union)", union, all_pairs, truth, truth_codes))
    return pd.DataFrame(rows).set_index("blocking_key")


def _truth_pair_codes(truth: set, ids_left, ids_right, dedup: bool) -> np.ndarray:
    """True pairs as positional pair codes ``i · n_right + j`` (deduplicating: ``i < j``); unknown ids dropped."""
    first, second = zip(*truth)
    i = pd.Index(ids_left).get_indexer(list(first))
    j = pd.Index(ids_right).get_indexer(list(second))
    known = (i >= 0) & (j >= 0)
    i, j = i[known].astype(np.int64), j[known].astype(np.int64)
    if dedup:
        i, j = np.minimum(i, j), np.maximum(i, j)
    return np.unique(i * len(ids_right) + j)


def _blocking_row(name, pair_codes, all_pairs, truth, truth_codes) -> dict:
    row = {"blocking_key": name, "pairs": len(pair_codes), "reduction_ratio": 1 - len(pair_codes) / all_pairs}
    if truth is not None:
        found = int(np.isin(truth_codes, pair_codes).sum()) if truth_codes is not None else 0
        row["pairs_completeness"] = found / len(truth) if truth else 0.0
    return row


# --------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------


def _compare_field(kind: str, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Agreement levels of one field for aligned arrays of normalised values (None = missing)."""
    left, right = np.asarray(left, dtype=object), np.asarray(right, dtype=object)
    values = _engine.Values(left, right)
    positions = np.arange(len(left))
    return _engine.field_levels(kind, values, positions, positions, close=_CLOSE, somewhat=_SOMEWHAT)


def _check_fields(left: pd.DataFrame, right: pd.DataFrame | None, fields: Mapping[str, str]) -> None:
    _check_frame(left, "left source" if right is not None else "records")
    if right is not None:
        _check_frame(right, "right source")
    if fields is not None and not isinstance(fields, Mapping):
        raise TypeError(
            f"fields: expected a dict {{column: kind}}, e.g. {{'name': 'name', 'email': 'email'}}, found "
            f"{type(fields).__name__} {fields!r:.60}; kinds are {FIELD_KINDS}"
        )
    if not fields:
        raise ValueError(f"fields: give at least one {{column: kind}} to compare; kinds are {FIELD_KINDS}")
    _check_kinds(fields, "fields")
    for column in fields:
        for role, frame in (("records" if right is None else "left source", left), ("right source", right)):
            if frame is None:
                continue
            if column not in frame.columns:
                raise ValueError(
                    f"field {column!r} is not a column of the {role} (columns: {list(frame.columns)}); "
                    "leave it out of `fields` or rename the column"
                )
            values = frame[column]
            if not (values.notna() & values.astype("str").str.strip().ne("")).any():
                raise ValueError(
                    f"field {column!r} is entirely missing in the {role} ({len(frame)} rows): "
                    "it cannot tell records apart; leave it out of `fields`"
                )


def compare_pairs(
    left: pd.DataFrame,
    right: pd.DataFrame | None,
    pairs: pd.DataFrame,
    *,
    fields: Mapping[str, str],
) -> pd.DataFrame:
    """Agreement level of every field for every candidate pair.

    Parameters
    ----------
    left, right : DataFrame
        The records (``right=None`` for deduplication).
    pairs : DataFrame
        Columns ``id_1``, ``id_2`` from :func:`candidate_pairs`.
    fields : dict
        ``{column: kind}``. Kinds and their levels (``-1`` = missing on
        either side, which the model treats as "no evidence"):

        * ``name`` — 3 exact, 2 close (Jaro–Winkler ≥ 0.92), 1 somewhat
          (≥ 0.80), 0 different; word order and Persian ↔ Latin tolerant;
        * ``string`` — the same levels, plain Jaro–Winkler;
        * ``address`` — as ``string``, after street-type words are abbreviated
          (``Lane`` = ``Ln.``, see :func:`normalise_address`);
        * ``code`` / ``phone`` — 2 equal, 1 one typo or transposition, 0;
        * ``date`` — 3 equal, 2 one typo or day/month swapped, 1 same year, 0;
        * ``email`` — 3 same mailbox, 2 one typo apart, 1 similar local part, 0;
        * ``exact`` — 1 equal, 0 different.

    Returns
    -------
    DataFrame
        ``id_1``, ``id_2`` and one ``int8`` level column per field.
    """
    _check_fields(left, right, fields)
    other = right if right is not None else left
    _check_pair_columns(pairs, "compare_pairs: pairs")
    pos_left = _record_positions(left.index, pairs["id_1"], "pairs: id_1")
    pos_right = _record_positions(other.index, pairs["id_2"], "pairs: id_2")
    unknown = (pos_left < 0) | (pos_right < 0)
    if unknown.any():
        examples = pairs.loc[unknown, ["id_1", "id_2"]].head(5).to_numpy().tolist()
        raise ValueError(
            f"compare_pairs: {int(unknown.sum())} of {len(pairs)} pairs name record ids that are not in the "
            f"sources' index (e.g. {examples}); build the pairs from the same records with candidate_pairs(...)"
        )
    out = pd.DataFrame({"id_1": pairs["id_1"].to_numpy(), "id_2": pairs["id_2"].to_numpy()})
    if out.empty:
        return out.assign(**{column: pd.Series(dtype=np.int8) for column in fields})

    # Normalise each record once (not once per pair); the engine then scores
    # each distinct pair of values once, in C++.
    for column, kind in fields.items():
        values_left = _normalised(left[column], kind, column).to_numpy(dtype=object, na_value=None)
        values_right = (_normalised(other[column], kind, column).to_numpy(dtype=object, na_value=None)
                        if right is not None else None)
        values = _engine.Values(values_left, values_right)
        out[column] = _engine.field_levels(kind, values, pos_left, pos_right, close=_CLOSE, somewhat=_SOMEWHAT)
    return out


def _record_positions(index: pd.Index, ids: pd.Series, what: str) -> np.ndarray:
    """Position of each id in the records' index (-1 = unknown); ids compare as text (1 and "1" agree).

    The ids are first looked up as they are (the usual case: pairs from
    candidate_pairs); only the misses are converted to text, which costs
    seconds for millions of pairs. A direct hit is the text hit too, since
    the ids are unique as text.
    """
    codes, distinct = pd.factorize(ids.to_numpy(dtype=object))  # each distinct id looked up once
    positions = pd.Index(index.to_numpy(dtype=object), dtype=object).get_indexer(distinct)
    positions = np.where(codes < 0, -1, positions[codes] if len(positions) else -1)
    missed = positions < 0
    if missed.any():
        as_text = pd.Index(id_text(index, what="records"))
        positions[missed] = as_text.get_indexer(id_text(ids[missed], what=what))
    return positions


def _check_pair_columns(pairs: pd.DataFrame, what: str) -> None:
    if not isinstance(pairs, pd.DataFrame):
        raise TypeError(f"{what}: expected a DataFrame with columns id_1 and id_2, found {type(pairs).__name__}")
    missing = [c for c in ("id_1", "id_2") if c not in pairs.columns]
    if missing:
        raise ValueError(
            f"{what}: expected the columns id_1 and id_2 (record ids of each pair), found {list(pairs.columns)}; "
            "missing: " + ", ".join(missing) + ". Rename them, e.g. pairs.rename(columns={'a': 'id_1', 'b': 'id_2'})"
        )


# --------------------------------------------------------------------------
# Fellegi–Sunter, fitted by EM
# --------------------------------------------------------------------------


class FellegiSunter:
    """Unsupervised Fellegi–Sunter model of field agreement levels, fitted by EM.

    Parameters
    ----------
    max_iter : int
        Maximum number of EM iterations.
    tol : float
        Stop when no parameter moves by more than this.
    initial_match_share : float
        Starting guess of the share of candidate pairs that are matches.
    prior_strength : float
        Weight, in pseudo-pairs per class, of a weak Dirichlet prior: matches
        mostly agree at the top level, non-matches mostly disagree. With
        thousands of pairs the data overrule it; with a handful it keeps EM
        from degenerate answers (every field "proves" a match).

    Attributes
    ----------
    fields_ : list of str
        The level columns the model was fitted on.
    m_, u_ : dict of {field: ndarray}
        P(level | match) and P(level | non-match) per field, index = level.
    match_share_ : float
        Estimated share of candidate pairs that are matches.
    prior_share_ : float
        The prior λ of every pair's match weight: ``match_share_`` after
        :meth:`fit`; the probability that two *random* records match when
        fitted from random pairs (``link_records(..., estimation=
        "random_pairs")``, see :mod:`idic_lab.identify._estimate`).
    estimation_ : str
        ``"EM on candidate pairs"`` or ``"random pairs"``.
    term_frequencies_ : dict of {field: Series}
        Only when fitted from random pairs: the share of records holding each
        name (by consonant skeleton), for the term-frequency adjustment that
        :func:`link_records` adds to exact name agreement.
    conditional_u_ : tuple or None
        Only when fitted from random pairs: the ``u`` of e-mail levels among
        namesakes, used where the names agree (see
        :func:`idic_lab.identify._estimate.namesake_u`).
    n_iter_ : int
        EM iterations run.
    doubts_ : tuple of str
        Why the fit should not be used without review (one pattern only, no
        convergence, agreement weights of the wrong sign), in plain words;
        empty for a fit without doubts. Each is also warned.

    Notes
    -----
    Fields are assumed conditionally independent given the match status (the
    classic assumption). EM runs on the distinct agreement patterns with
    their counts, so its cost does not grow with the number of pairs.
    """

    def __init__(
        self, *, max_iter: int = 200, tol: float = 1e-6, initial_match_share: float = 0.05, prior_strength: float = 20.0
    ) -> None:
        self.max_iter = max_iter
        self.tol = tol
        self.initial_match_share = initial_match_share
        self.prior_strength = prior_strength

    def fit(self, levels: pd.DataFrame) -> FellegiSunter:
        """Estimate ``m``, ``u`` and the match share from unlabelled level columns.

        Warns (:class:`~idic_lab.diagnostics.IdicLabWarning`) when the fit
        cannot be trusted: every pair shows the same agreement pattern, EM
        did not converge, or agreement on a field counts against a match.
        """
        self._check_params()
        fields = _level_fields(levels, "FellegiSunter.fit")
        if len(levels) == 0 or not fields:
            raise ValueError(
                f"FellegiSunter.fit: need at least one candidate pair and one level column, found {len(levels)} "
                f"rows and the level columns {fields}; build them with compare_pairs(...)"
            )
        codes_all = _level_codes(levels, fields, "FellegiSunter.fit")
        # Distinct agreement patterns with their counts, in a fixed (sorted) order,
        # so that EM's sums do not depend on the order of the pairs.
        patterns, counts = np.unique(codes_all, axis=0, return_counts=True)
        codes, counts = patterns.astype(np.int64), counts.astype(float)
        n_levels = np.maximum(codes.max(axis=0) + 1, 2)
        m_prior, u_prior = self._priors(n_levels)
        m, u = m_prior, u_prior
        share = self.initial_match_share
        moved = np.inf
        for self.n_iter_ in range(1, self.max_iter + 1):
            posterior = self._posterior(codes, m, u, share)
            m_new = self._level_shares(codes, counts * posterior, n_levels, m_prior, self.prior_strength)
            u_new = self._level_shares(codes, counts * (1 - posterior), n_levels, u_prior, self.prior_strength)
            share_new = float((counts * posterior).sum() / counts.sum())
            moved = max(np.abs(np.concatenate(m_new) - np.concatenate(m)).max(), abs(share_new - share))
            m, u, share = m_new, u_new, share_new
            if moved < self.tol:
                break
        self.fields_ = fields
        self.m_ = dict(zip(fields, m))
        self.u_ = dict(zip(fields, u))
        self.match_share_ = share
        self.prior_share_ = share
        self.estimation_ = "EM on candidate pairs"
        self.converged_ = bool(moved < self.tol)
        self.n_pairs_ = int(counts.sum())
        self.doubts_ = tuple(self._doubts(patterns, moved))
        for reason in self.doubts_:
            warn(f"FellegiSunter: the linkage is not trustworthy: {reason}")
        return self

    def _check_params(self) -> None:
        checks = {
            "max_iter": (self.max_iter, isinstance(self.max_iter, (int, np.integer)) and self.max_iter >= 1,
                         "a whole number >= 1"),
            "tol": (self.tol, _is_number(self.tol) and 0 < self.tol < 1, "a number in (0, 1), e.g. 1e-6"),
            "initial_match_share": (self.initial_match_share,
                                    _is_number(self.initial_match_share) and 0 < self.initial_match_share < 1,
                                    "a share strictly between 0 and 1, e.g. 0.05"),
            "prior_strength": (self.prior_strength, _is_number(self.prior_strength) and self.prior_strength > 0,
                               "a positive finite number of pseudo-pairs, e.g. 20"),
        }
        for name, (value, ok, expected) in checks.items():
            if isinstance(value, bool) or not ok:
                raise ValueError(f"FellegiSunter: {name} must be {expected}, found {value!r}")

    def _doubts(self, patterns: np.ndarray, moved: float) -> list[str]:
        """Reasons, in plain words, why this fit should not be used without review."""
        reasons = []
        if len(patterns) == 1:
            shown = ", ".join(f"{f}={level}" for f, level in zip(self.fields_, patterns[0]))
            pairs = ("there is only one candidate pair" if self.n_pairs_ == 1
                     else f"all {self.n_pairs_} candidate pairs show the same agreement pattern")
            reasons.append(
                f"{pairs} ({shown}), so the model "
                "cannot learn what separates matches from non-matches; its weights are the prior's, not the "
                "data's. Compare more fields, loosen the blocking so that pairs differ, or review the pairs by hand."
            )
        if not self.converged_:
            reasons.append(
                f"EM did not converge in max_iter={self.max_iter} iterations (the last step still moved a "
                f"parameter by {_plain_value(moved)}, more than tol={self.tol:g}); raise max_iter, e.g. FellegiSunter(max_iter=1000)."
            )
        wrong = []
        for f in self.fields_:
            weights = np.log2(self.m_[f] / self.u_[f])
            if weights[-1] < -_WRONG_SIGN_BITS or weights[0] > _WRONG_SIGN_BITS:
                wrong.append(f"{f} (full agreement {weights[-1]:+.1f} bits, disagreement {weights[0]:+.1f} bits)")
        if wrong and len(patterns) > 1:
            reasons.append(
                "agreement counts against a match (or disagreement for one) on " + "; ".join(wrong) + ". The "
                "model has probably learnt another grouping (households, same street, same list) instead of "
                "persons. Leave fields that different people share out of `fields` and the blocking keys, "
                "or review the pairs by hand."
            )
        return reasons

    @staticmethod
    def _priors(n_levels):
        """Prior m and u per field: the top level says "same", level 0 "different"."""
        m_prior, u_prior = [], []
        for size in n_levels:
            m = np.full(size, 0.1 / (size - 1))
            m[-1] = 0.9
            u = np.full(size, 0.1 / (size - 1))
            u[0] = 0.9
            m_prior.append(m)
            u_prior.append(u)
        return m_prior, u_prior

    @staticmethod
    def _level_shares(codes, weights, n_levels, prior, strength):
        shares = []
        for k, size in enumerate(n_levels):
            present = codes[:, k] >= 0
            totals = np.bincount(codes[present, k], weights=weights[present], minlength=size)
            # The prior's pseudo-counts keep every level possible (finite log(m/u))
            # and steady the estimate when there are few pairs.
            totals = totals + strength * prior[k]
            shares.append(totals / totals.sum())
        return shares

    @staticmethod
    def _log_ratio(codes, m, u):
        log_ratio = np.zeros(len(codes))
        for k in range(codes.shape[1]):
            present = codes[:, k] >= 0
            level = codes[present, k]
            log_ratio[present] += np.log(m[k][level]) - np.log(u[k][level])
        return log_ratio

    @staticmethod
    def _posterior(codes, m, u, share):
        log_odds = np.log(share) - np.log1p(-share) + FellegiSunter._log_ratio(codes, m, u)
        return 1.0 / (1.0 + np.exp(-np.clip(log_odds, -700, 700)))

    def _require_fitted(self, method: str) -> None:
        if not hasattr(self, "m_"):
            raise ValueError(
                f"FellegiSunter.{method}: the model is not fitted yet; call model.fit(levels) first "
                "(levels from compare_pairs), or let link_records fit it"
            )

    def _codes(self, levels: pd.DataFrame) -> np.ndarray:
        if not isinstance(levels, pd.DataFrame):
            raise TypeError(f"FellegiSunter: expected a DataFrame of level columns, found {type(levels).__name__}")
        missing = [f for f in self.fields_ if f not in levels.columns]
        if missing:
            raise ValueError(
                f"FellegiSunter: level columns missing: {missing}; the model was fitted on {self.fields_} and "
                f"the table has {list(levels.columns)}. Compare the same fields (compare_pairs(..., fields=...))"
            )
        codes = np.array(_level_codes(levels, self.fields_, "FellegiSunter"), copy=True)
        for k, field_name in enumerate(self.fields_):
            too_high = codes[:, k] >= len(self.m_[field_name])
            codes[too_high, k] = len(self.m_[field_name]) - 1
        return codes

    def match_weight(self, levels: pd.DataFrame) -> pd.Series:
        """Match weight in bits: prior log2-odds plus the sum of log2(m/u) over fields."""
        self._require_fitted("match_weight")
        m = [self.m_[f] for f in self.fields_]
        u = [self.u_[f] for f in self.fields_]
        share = getattr(self, "prior_share_", self.match_share_)
        prior = np.log2(share) - np.log2(1 - share)
        conditional = getattr(self, "conditional_u_", None)
        if conditional is None:
            log_ratio = self._log_ratio(self._codes(levels), m, u)
        else:
            from idic_lab.identify._estimate import pair_log_ratio

            log_ratio = pair_log_ratio(self._codes(levels), m, u, conditional)
        weight = prior + log_ratio / np.log(2)
        return pd.Series(weight, index=levels.index, name="match_weight")

    def predict_proba(self, levels: pd.DataFrame) -> pd.Series:
        """Posterior probability that each pair is a match."""
        weight = self.match_weight(levels).to_numpy()
        return pd.Series(1.0 / (1.0 + np.exp2(-np.clip(weight, -1000, 1000))), index=levels.index, name="probability")

    def weights_table(self) -> pd.DataFrame:
        """``m``, ``u`` and the weight log2(m/u) of every field and level (for teaching).

        Rows are ordered by field (in the order fitted) and level.
        """
        self._require_fitted("weights_table")
        rows = [
            {"field": f, "level": level, "m": m, "u": u, "weight_bits": np.log2(m / u)}
            for f in self.fields_
            for level, (m, u) in enumerate(zip(self.m_[f], self.u_[f]))
        ]
        return pd.DataFrame(rows)

    def weight_bits(self) -> dict[str, dict[str, float]]:
        """``{field: {level: weight in bits}}``, rounded to 3 decimals (for a results file)."""
        table = self.weights_table()
        return {str(f): {str(int(level)): round(float(w), 3) for level, w in zip(g["level"], g["weight_bits"])}
                for f, g in table.groupby("field", sort=False)}


_WRONG_SIGN_BITS = 1.0  # a field whose full agreement is worth < -1 bit (or disagreement > +1) is suspect


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and bool(np.isfinite(value))


def _level_fields(levels: pd.DataFrame, what: str) -> list[str]:
    if not isinstance(levels, pd.DataFrame):
        raise TypeError(f"{what}: expected a DataFrame of level columns (from compare_pairs), found {type(levels).__name__}")
    return [c for c in levels.columns if c not in ("id_1", "id_2", "match_weight", "probability")]


def _level_codes(levels: pd.DataFrame, fields: list[str], what: str) -> np.ndarray:
    """The level columns as int64, refusing anything that is not a whole level >= -1."""
    for f in fields:
        values = levels[f]
        if pd.api.types.is_bool_dtype(values):
            continue
        numeric = pd.to_numeric(values, errors="coerce") if not pd.api.types.is_numeric_dtype(values) else values
        array = numeric.to_numpy(dtype=float, na_value=np.nan)
        bad = ~np.isfinite(array) | (array != np.round(array)) | (array < -1)
        if bad.any():
            examples = values[bad].head(5).tolist()
            raise ValueError(
                f"{what}: level column {f!r} must hold whole agreement levels >= -1 (-1 = missing, 0 = "
                f"different, higher = closer), but {int(bad.sum())} of {len(values)} values are not "
                f"(e.g. {examples}); build the levels with compare_pairs(...) and leave missing values as -1"
            )
    return levels[fields].to_numpy(dtype=np.int64) if len(levels) else np.empty((0, len(fields)), dtype=np.int64)


# --------------------------------------------------------------------------
# The whole pipeline, and evaluation
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkageResult:
    """Scored candidate pairs of one linkage or deduplication run.

    Attributes
    ----------
    pairs : DataFrame
        ``id_1``, ``id_2``, one level column per field, ``match_weight`` and
        ``probability``.
    model : FellegiSunter
        The fitted model.
    threshold : float
        Match probability at or above which a pair is a link.
    task : str
        ``"deduplicate"`` or ``"link"``.
    n_possible_pairs : int
        Pairs without blocking (for the reduction ratio).
    fields : dict
        The fields compared.
    doubts : tuple of str
        Why the links should not be trusted without review, in plain words
        (no candidate pairs, a model fit that did not converge or learnt a
        weight of the wrong sign on a field that is not identifying); empty
        when nothing is doubtful. Each was also warned. A collapsed fit (far
        more matches than the records allow, or exact agreement on an
        identifying field counting against a match) gives no result at all:
        :func:`link_records` refuses it.
    """

    pairs: pd.DataFrame
    model: FellegiSunter
    threshold: float
    task: str
    n_possible_pairs: int
    fields: Mapping[str, str] = field(default_factory=dict)
    doubts: tuple[str, ...] = ()

    @property
    def links(self) -> pd.DataFrame:
        """The pairs classified as matches (``id_1``, ``id_2``, weight, probability)."""
        keep = self.pairs["probability"] >= self.threshold
        return self.pairs.loc[keep, ["id_1", "id_2", "match_weight", "probability"]].reset_index(drop=True)

    @property
    def reduction_ratio(self) -> float:
        """1 − candidate pairs / possible pairs."""
        return 1 - len(self.pairs) / max(self.n_possible_pairs, 1)


def link_records(
    left: pd.DataFrame,
    right: pd.DataFrame | None = None,
    *,
    fields: Mapping[str, str],
    blocking: Sequence[Sequence[str]],
    threshold: float = 0.5,
    model: FellegiSunter | None = None,
    estimation: str = "auto",
) -> LinkageResult:
    """Block, compare and classify: deduplicate ``left`` or link it with ``right``.

    Parameters
    ----------
    left, right : DataFrame
        Records indexed by unique record ids; ``right=None`` deduplicates.
    fields : dict
        ``{column: kind}``, see :func:`compare_pairs`.
    blocking : list of lists of str
        See :func:`candidate_pairs`.
    threshold : float
        Match probability needed for a link. 0.5 is the Bayes decision
        (a link is more likely than not) and needs no labels.
    model : FellegiSunter, optional
        An unfitted or fitted model; by default a new one is fitted on the
        candidate pairs (unsupervised).
    estimation : {"auto", "em", "random_pairs"}
        How a new model is fitted. ``"em"``: EM on the candidate pairs
        (:meth:`FellegiSunter.fit`). It learns u from the pairs blocking
        kept, so it is right while those are mostly duplicates and clear
        non-matches, as at a few thousand records; as records grow, namesakes
        fill the candidate pairs and EM may learn "same name" as its match
        class (then the fit is refused, see Raises). ``"random_pairs"``: u
        from random record pairs (and from random namesake pairs for e-mails,
        which are built from names), m by EM inside the pairs that agree
        exactly on an identifying field, the prior from the expected matches,
        and a term-frequency adjustment for names
        (:mod:`idic_lab.identify._estimate`); its estimates do not drift with
        size. ``"auto"`` (default, when no unfitted ``model`` is given):
        ``"em"`` below :data:`_RANDOM_PAIRS_FROM` possible pairs (about
        20,000 records to deduplicate), ``"random_pairs"`` from there on.

    Returns
    -------
    LinkageResult
        With one record to deduplicate, or when blocking finds no candidate
        pairs, the result has no pairs and no links (every record stands
        alone) and the model stays unfitted; the second case warns, since
        looser blocking keys might find pairs.

    Raises
    ------
    ValueError
        When the fitted model has collapsed (:func:`_collapse_reasons`):
        exact agreement on an identifying field (e-mail, phone, date, code)
        counts against a match, or the model declares more than twice as many
        matched pairs as there are records. Such a model describes another
        grouping than persons, and its links are not returned.

    Warns
    -----
    IdicLabWarning
        When blocking finds no pairs, or when the fitted model is doubtful
        (see :meth:`FellegiSunter.fit`, e.g. EM did not converge).
    """
    _check_threshold(threshold)
    if estimation not in ("auto", "em", "random_pairs"):
        raise ValueError(f"link_records: estimation must be 'auto', 'em' or 'random_pairs', got {estimation!r}")
    if model is not None and not isinstance(model, FellegiSunter):
        raise TypeError(f"model: expected a FellegiSunter (fitted or not) or None, found {type(model).__name__}")
    _check_fields(left, right, fields)
    pairs = candidate_pairs(left, right, blocking=blocking, kinds=fields)
    levels = compare_pairs(left, right, pairs, fields=fields)
    model_given = model is not None
    model = model if model_given else FellegiSunter()
    n_left = len(left)
    possible = n_left * len(right) if right is not None else n_left * (n_left - 1) // 2
    task = "deduplicate" if right is None else "link"
    if pairs.empty:
        doubts = ()
        if possible:
            doubts = (
                f"blocking found no candidate pairs among {possible:,} possible pairs: no two "
                f"records agree on any blocking key ({' | '.join(' + '.join(r) for r in _as_rules(blocking))}), "
                "so nothing is linked and every record stands alone. If you expected duplicates, add looser "
                "keys (e.g. 'name|first3' or 'birth_date|year').",
            )
            warn(f"link_records: {doubts[0]}")
        empty = levels.assign(match_weight=pd.Series(dtype=float), probability=pd.Series(dtype=float))
        return LinkageResult(empty, model, threshold, task, possible, dict(fields), doubts)
    fitted_here = not hasattr(model, "m_")
    if fitted_here:
        n_records = n_left if right is None else max(n_left, len(right))
        _fit(model, left, right, levels, fields, estimation if not model_given or estimation != "auto" else "em",
             n_records, task)
    weight = model.match_weight(levels) + _term_frequency_bits(model, left, right, levels, fields)
    probability = 1.0 / (1.0 + np.exp2(-np.clip(weight.to_numpy(), -1000, 1000)))
    scored = levels.assign(match_weight=weight, probability=probability)
    doubts = tuple(getattr(model, "doubts_", ()))
    if fitted_here:
        n_records = n_left if right is None else max(n_left, len(right))
        collapsed = _collapse_reasons(model, fields, len(scored), n_records, task)
        if collapsed:
            raise ValueError(
                "link_records: refused: the fitted model has collapsed, so its links would be wrong: "
                + " ".join(collapsed)
                + f" (estimation: {model.estimation_}, {len(scored):,} candidate pairs of {n_records:,} records)"
            )
    return LinkageResult(scored, model, threshold, task, possible, dict(fields), doubts)


_RANDOM_PAIRS_FROM = 200_000_000
"""From this many possible pairs on, ``estimation="auto"`` fits from random pairs (see :func:`link_records`)."""


def _fit(model, left, right, levels, fields, estimation, n_records: int, task: str) -> None:
    """Fit ``model`` on the candidate levels by the chosen estimation (see :func:`link_records`)."""
    if estimation == "auto":
        possible = len(left) * (len(right) if right is not None else (len(left) - 1) / 2)
        estimation = "random_pairs" if possible >= _RANDOM_PAIRS_FROM else "em"
    if estimation == "em":
        model.fit(levels)
        return
    from idic_lab.identify._estimate import fit_on_records

    model._check_params()
    fit_on_records(model, left, right, levels, fields)
    for reason in model.doubts_:
        warn(f"FellegiSunter: the linkage is not trustworthy: {reason}")


def _term_frequency_bits(model, left, right, levels, fields) -> pd.Series:
    """Bits added for exact agreement on a rare name (removed for a common one); zero without frequencies."""
    frequencies = getattr(model, "term_frequencies_", None) or {}
    bits = np.zeros(len(levels))
    other = right if right is not None else left
    for f, table in frequencies.items():
        if f not in levels.columns or f not in fields or not len(table):
            continue
        top = len(model.u_[f]) - 1
        at_top = levels[f].to_numpy() >= top
        if not at_top.any():
            continue
        from idic_lab.identify._estimate import term_frequency_bits

        rows = np.flatnonzero(at_top)
        pos_1 = pd.Index(id_text(left.index, what="records")).get_indexer(id_text(levels["id_1"].iloc[rows], what="id_1"))
        pos_2 = pd.Index(id_text(other.index, what="records")).get_indexer(id_text(levels["id_2"].iloc[rows], what="id_2"))
        values_1 = _normalised(left[f].iloc[pos_1], fields[f], f).map(consonant_skeleton, na_action="ignore")
        values_2 = _normalised(other[f].iloc[pos_2], fields[f], f).map(consonant_skeleton, na_action="ignore")
        values_1, values_2 = (v.to_numpy(dtype=object, na_value=None) for v in (values_1, values_2))
        bits[rows] = term_frequency_bits(values_1, values_2, table, float(model.u_[f][top]), np.ones(len(rows), bool))
    return pd.Series(bits, index=levels.index)


def _collapse_reasons(model: FellegiSunter, fields: Mapping[str, str], n_pairs: int, n_records: int,
                      task: str) -> list[str]:
    """Why a fitted model describes another grouping than persons, in plain words (empty: it does not).

    Two signs, each enough: exact agreement on an identifying field (e-mail,
    phone, date, code) counts against a match by more than one bit, or the
    model declares more than twice as many matched pairs as records (a person
    has few duplicates, so matched pairs cannot outnumber records by far).
    """
    reasons = []
    wrong = []
    for f in model.fields_:
        if fields.get(f) not in ("email", "phone", "date", "code"):
            continue
        weights = np.log2(model.m_[f] / model.u_[f])
        if weights[-1] < -_WRONG_SIGN_BITS:
            wrong.append(f"{f} ({weights[-1]:+.1f} bits)")
    if wrong:
        reasons.append(
            "exact agreement counts against a match on " + ", ".join(wrong) + ", so its \"match\" class is "
            "another grouping (same name, same household) rather than the same person."
        )
    too_many = _check_match_count(model, n_pairs, n_records, task, quiet=True)
    if too_many:
        reasons.append(too_many[0].upper() + too_many[1:])
    if reasons:
        if model.estimation_ == "EM on candidate pairs":
            reasons.append("Fit from random record pairs instead (estimation='random_pairs'), or use "
                           "blocking keys whose pairs grow with the records rather than their square (such as "
                           "CUSTOMER_BLOCKING: each name key combined with a second field), or fields that tell "
                           "people apart.")
        else:
            reasons.append("Use stricter blocking keys or fields that tell people apart, or review the pairs by hand.")
    return reasons


def _check_threshold(threshold, parameter: str = "threshold") -> float:
    """Refuse a match threshold that is not a probability strictly between 0 and 1."""
    if not _is_number(threshold) and not (isinstance(threshold, float) and np.isnan(threshold)):
        raise TypeError(
            f"{parameter} is a match probability strictly between 0 and 1 (0.5 = a link is more likely than "
            f"not), found {type(threshold).__name__} {threshold!r}"
        )
    if not 0 < threshold < 1:
        raise ValueError(
            f"{parameter} is a match probability strictly between 0 and 1 (0.5 = a link is more likely than "
            f"not), got {threshold}"
        )
    return float(threshold)


def _check_match_count(model: FellegiSunter, n_pairs: int, n_records: int, task: str, quiet: bool = False) -> str | None:
    """Warn when the model calls far more pairs matches than the records can hold; return the reason."""
    implied = model.match_share_ * n_pairs
    if implied > 2 * n_records:
        per = "records" if task == "deduplicate" else "records in the larger source"
        reason = (
            f"the model estimates that {implied:,.0f} of the "
            f"{n_pairs:,} candidate pairs ({model.match_share_:.0%}) are matches, more than twice the "
            f"{n_records:,} {per}; it has probably learnt a coarser grouping (same household, same street) "
            "than persons. Use stricter blocking keys or fields that tell people apart, or review the pairs."
        )
        if not quiet:
            warn(f"link_records: the linkage is not trustworthy: {reason}")
        return reason
    return None


def _pair_set(ids_1, ids_2, dedup: bool) -> set[tuple]:
    return set(_pair_list(ids_1, ids_2, dedup))


def _truth_set(true_links: pd.DataFrame, dedup: bool, function: str = "evaluate_links") -> set[tuple]:
    if not isinstance(true_links, pd.DataFrame):
        raise TypeError(
            f"{function}: true_links must be a DataFrame with columns rec_id_1 and rec_id_2, found "
            f"{type(true_links).__name__}"
        )
    columns = [c for c in ("rec_id_1", "rec_id_2") if c in true_links.columns]
    if len(columns) < 2:
        columns = list(true_links.columns[:2])
    if len(columns) < 2:
        raise ValueError(
            f"{function}: true_links needs two columns of record ids (rec_id_1, rec_id_2), found "
            f"{list(true_links.columns)}; build it with truth_links_from_identity(...)"
        )
    return _pair_set(true_links[columns[0]], true_links[columns[1]], dedup)


def _check_task(task: str, function: str) -> bool:
    """True for deduplication; refuse anything but the two tasks."""
    if task not in ("deduplicate", "link"):
        raise ValueError(f"{function}: task must be 'deduplicate' or 'link', got {task!r}")
    return task == "deduplicate"


def evaluate_links(links: pd.DataFrame, true_links: pd.DataFrame, *, task: str) -> dict[str, float]:
    """Precision, recall and F1 of predicted links against the true links.

    Parameters
    ----------
    links : DataFrame
        Predicted pairs, columns ``id_1``, ``id_2``.
    true_links : DataFrame
        True pairs, columns ``rec_id_1``, ``rec_id_2`` (or the first two columns).
    task : {"deduplicate", "link"}
        For deduplication the order inside a pair does not matter.

    Returns
    -------
    dict
        ``precision``, ``recall``, ``f1``, ``true_positives``,
        ``false_positives``, ``false_negatives``.

    Warns
    -----
    IdicLabWarning
        When precision (no predicted links) or recall (no true links) is
        undefined; it is reported as 0, as scikit-learn does.

    Notes
    -----
    Ids are compared as text, so ``1`` and ``"1"`` are the same record.
    """
    dedup = _check_task(task, "evaluate_links")
    _check_pair_columns(links, "evaluate_links: links")
    predicted = _pair_set(links["id_1"], links["id_2"], dedup)
    truth = _truth_set(true_links, dedup)
    tp = len(predicted & truth)
    undefined = [name for name, pairs in (("precision", predicted), ("recall", truth)) if not pairs]
    if undefined:
        why = {"precision": "there are no predicted links", "recall": "there are no true links"}
        warn(
            "evaluate_links: " + " and ".join(f"{n} is undefined ({why[n]})" for n in undefined)
            + "; reported as 0. Check that links and true_links come from the same data."
        )
    precision = tp / len(predicted) if predicted else 0.0
    recall = tp / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "true_positives": tp,
        "false_positives": len(predicted) - tp,
        "false_negatives": len(truth) - tp,
    }


def label_pairs(pairs: pd.DataFrame, true_links: pd.DataFrame, *, task: str) -> pd.Series:
    """Boolean Series aligned with ``pairs``: True where the pair is a true link.

    ``task`` is ``"deduplicate"`` (order inside a pair does not matter) or ``"link"``.
    """
    dedup = _check_task(task, "label_pairs")
    _check_pair_columns(pairs, "label_pairs: pairs")
    truth = _truth_set(true_links, dedup, "label_pairs")
    flags = [p in truth for p in _pair_list(pairs["id_1"], pairs["id_2"], dedup)]
    return pd.Series(flags, index=pairs.index, dtype=bool, name="true_link")


def precision_recall_table(result: LinkageResult, true_links: pd.DataFrame) -> pd.DataFrame:
    """Precision and recall at every match-weight threshold (for the PR plot).

    Recall counts all true links, including those blocking never proposed,
    so the curve shows the real ceiling.

    Returns
    -------
    DataFrame
        ``threshold_weight``, ``probability``, ``precision``, ``recall``, ``f1``
        (one row per distinct weight, highest first; rows of tied weights
        are one threshold, so the table does not depend on the pairs' order).

    Warns
    -----
    IdicLabWarning
        When ``true_links`` is empty: recall is undefined and reported as 0.
    """
    if not isinstance(result, LinkageResult):
        raise TypeError(
            f"precision_recall_table: result must be a LinkageResult (from link_records or "
            f"resolve_customers(...).linkage), found {type(result).__name__}"
        )
    dedup = result.task == "deduplicate"
    truth = _truth_set(true_links, dedup, "precision_recall_table")
    if not truth:
        warn("precision_recall_table: true_links is empty, so recall is undefined at every threshold; "
             "reported as 0. Check that true_links belongs to the same data.")
    pairs = result.pairs.sort_values("match_weight", ascending=False, kind="stable")
    is_true = np.array([p in truth for p in _pair_list(pairs["id_1"], pairs["id_2"], dedup)], dtype=float)
    true_positives = np.cumsum(is_true)
    predicted = np.arange(1, len(pairs) + 1)
    table = pd.DataFrame(
        {
            "threshold_weight": pairs["match_weight"].to_numpy(),
            "probability": pairs["probability"].to_numpy(),
            "precision": true_positives / predicted,
            "recall": true_positives / len(truth) if truth else np.zeros(len(pairs)),
        }
    )
    # Tied weights are one threshold: keep the last row of each tie.
    table = table.drop_duplicates("threshold_weight", keep="last").reset_index(drop=True)
    total = table["precision"] + table["recall"]
    table["f1"] = np.where(total > 0, 2 * table["precision"] * table["recall"] / total.where(total > 0, 1), 0.0)
    return table


def _pair_list(ids_1, ids_2, dedup: bool) -> list[tuple]:
    """Pairs of text ids (``1`` and ``"1"`` are one id); the smaller first when deduplicating."""
    first, second = id_text(ids_1, what="record ids (id_1 / rec_id_1)"), id_text(ids_2, what="record ids (id_2 / rec_id_2)")
    if dedup:
        return [(a, b) if a <= b else (b, a) for a, b in zip(first, second)]
    return list(zip(first, second))
