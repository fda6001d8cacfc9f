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

The pair machinery is the ``recordlinkage`` toolkit (de Bruin): its
``Index``/``Block`` builds the candidate pairs (the union over the keys) and
its ``Compare`` computes the comparison vectors; this module adds the
script-aware keys and agreement levels. Its ``ECMClassifier`` only handles
binary agreement (agree / disagree), so the classifier here is a
multi-level Fellegi–Sunter model with missing values as "no evidence".
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import jellyfish
import numpy as np
import pandas as pd
import recordlinkage
from recordlinkage.index import Block

from idic_lab.identify._text import (
    consonant_skeleton,
    name_similarity,
    normalise_email,
    normalise_name,
    normalise_phone,
    _pairwise,
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

FIELD_KINDS = ("name", "string", "code", "exact", "date", "email", "phone")
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
    "address": "string",
    "birth_date": "date",
}
"""Comparison fields of the canonical ``customers`` table."""

CUSTOMER_BLOCKING: tuple[tuple[str, ...], ...] = (
    ("email",),
    ("phone",),
    ("birth_date",),
    ("name|skeleton",),
    ("name|first_token", "address|first3"),
)
"""Blocking keys for the canonical ``customers`` table."""

# Similarity cut-offs of the agreement levels (Jaro–Winkler); chosen once on
# general grounds (0.92 ≈ one typo in a medium-length name), not tuned on labels.
_CLOSE, _SOMEWHAT = 0.92, 0.80
_MAX_PAIRS_PER_KEY = 5_000_000


# --------------------------------------------------------------------------
# Preparation and blocking
# --------------------------------------------------------------------------


def _check_frame(records: pd.DataFrame, role: str) -> None:
    if not isinstance(records, pd.DataFrame):
        raise TypeError(f"{role}: expected a DataFrame of records, got {type(records).__name__}")
    if records.empty:
        raise ValueError(f"{role} is empty: there are no records to resolve")
    if not records.index.is_unique:
        dupes = records.index[records.index.duplicated()].unique()[:5].tolist()
        raise ValueError(f"{role}: record ids (the index) must be unique; repeated ids: {dupes}")


def _normalised(values: pd.Series, kind: str) -> pd.Series:
    if kind == "email":
        return normalise_email(values)
    if kind == "phone":
        return normalise_phone(values)
    if kind == "date" and pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.strftime("%Y%m%d").astype("str").where(values.notna(), pd.NA)
    text = normalise_name(values)
    if kind in {"code", "date"}:
        text = text.str.replace(" ", "", regex=False)
    return text


_KEY_TRANSFORMS = {
    "soundex": lambda v: jellyfish.soundex(v) if v.isascii() else consonant_skeleton(v),
    "metaphone": lambda v: jellyfish.metaphone(v) if v.isascii() else consonant_skeleton(v),
    "first1": lambda v: v[:1],
    "first3": lambda v: v[:3],
    "first_token": lambda v: v.split()[0],
    "year": lambda v: v[:4],
    "skeleton": consonant_skeleton,
}


def _block_key(records: pd.DataFrame, spec: str, kinds: Mapping[str, str]) -> pd.Series:
    column, _, transform = spec.partition("|")
    if column not in records.columns:
        raise KeyError(f"blocking key {spec!r}: no column {column!r} (columns: {list(records.columns)})")
    values = _normalised(records[column], kinds.get(column, "string"))
    if not transform:
        return values
    if transform not in _KEY_TRANSFORMS:
        raise ValueError(f"blocking key {spec!r}: unknown transform {transform!r}; use one of {sorted(_KEY_TRANSFORMS)}")
    function = _KEY_TRANSFORMS[transform]
    keys = values.dropna().map(function)
    return keys.where(keys.ne(""), pd.NA).reindex(values.index)


@contextmanager
def _quiet_recordlinkage() -> Iterator[None]:
    """Silence the pandas deprecation notes that recordlinkage 0.16 triggers.

    recordlinkage 0.16 still passes ``inplace=`` and ``copy=`` keywords that
    pandas 3.1 deprecates (``Pandas4Warning``). They do not change results;
    only warnings raised from inside recordlinkage are ignored, ours stay loud.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"recordlinkage(\.|$)")
        warnings.filterwarnings("ignore", category=FutureWarning, module=r"recordlinkage(\.|$)")
        yield


def _key_frame(frame: pd.DataFrame, rules: Sequence[Sequence[str]], kinds: Mapping[str, str]) -> pd.DataFrame:
    """One column per part of every blocking rule (normalised, transformed), indexed by position."""
    columns = {
        f"r{r}_{n}": _block_key(frame, spec, kinds).to_numpy(dtype=object, na_value=None)
        for r, rule in enumerate(rules)
        for n, spec in enumerate(rule)
    }
    return pd.DataFrame(columns, index=pd.RangeIndex(len(frame)))


def _check_block_sizes(keys_left: pd.DataFrame, keys_right: pd.DataFrame, on: list[str], rule: Sequence[str]) -> None:
    """Refuse a key that would compare more pairs than :data:`_MAX_PAIRS_PER_KEY`."""
    sizes_left = keys_left[on].dropna().value_counts()
    sizes_right = keys_right[on].dropna().value_counts()
    common = sizes_left.index.intersection(sizes_right.index)
    expected = int((sizes_left.loc[common].to_numpy() * sizes_right.loc[common].to_numpy()).sum()) if len(common) else 0
    if expected > _MAX_PAIRS_PER_KEY:
        raise ValueError(
            f"blocking key {' + '.join(rule)} would compare {expected:,} pairs (limit "
            f"{_MAX_PAIRS_PER_KEY:,}); combine it with another key or use a finer transform"
        )


def _as_rules(rules: Sequence[Sequence[str]] | Sequence[str]) -> list[tuple[str, ...]]:
    if isinstance(rules, str) or not len(rules):
        raise ValueError("blocking: give a non-empty list of keys, e.g. [['postcode'], ['surname|soundex']]")
    return [(rule,) if isinstance(rule, str) else tuple(rule) for rule in rules]


def candidate_pairs(
    left: pd.DataFrame,
    right: pd.DataFrame | None = None,
    *,
    blocking: Sequence[Sequence[str]],
    kinds: Mapping[str, str] | None = None,
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
        ``skeleton`` (Persian/Latin consonant key). Values are normalised
        first (case, diacritics, script variants); missing values never agree.
    kinds : dict, optional
        ``{column: kind}`` as in :func:`compare_pairs`, so e-mails and phones
        are normalised the way they are compared.

    Returns
    -------
    DataFrame
        Columns ``id_1`` and ``id_2`` (record ids of left and right).
    """
    positions = _candidate_positions(left, right, _as_rules(blocking), kinds or {})
    ids_right = (right if right is not None else left).index
    return pd.DataFrame({"id_1": left.index[positions["i"]], "id_2": ids_right[positions["j"]]})


def _candidate_positions(left, right, rules, kinds) -> pd.DataFrame:
    """Positions ``i`` (left) and ``j`` (right) of the candidate pairs; ``i < j`` when deduplicating."""
    _check_frame(left, "left source" if right is not None else "records")
    if right is not None:
        _check_frame(right, "right source")
    keys_left = _key_frame(left, rules, kinds)
    keys_right = _key_frame(right, rules, kinds) if right is not None else keys_left
    indexer = recordlinkage.Index()
    for r, rule in enumerate(rules):
        on = [f"r{r}_{n}" for n in range(len(rule))]
        _check_block_sizes(keys_left, keys_right, on, rule)
        indexer.add(Block(left_on=on, right_on=on))
    with _quiet_recordlinkage():
        pairs = indexer.index(keys_left, keys_right if right is not None else None)
    i = pairs.get_level_values(0).to_numpy(dtype=np.int64)
    j = pairs.get_level_values(1).to_numpy(dtype=np.int64)
    if right is None:  # recordlinkage returns each unordered pair once; put the earlier record first
        i, j = np.minimum(i, j), np.maximum(i, j)
    order = np.lexsort((j, i))
    return pd.DataFrame({"i": i[order], "j": j[order]})


def blocking_summary(
    left: pd.DataFrame,
    right: pd.DataFrame | None = None,
    *,
    blocking: Sequence[Sequence[str]],
    kinds: Mapping[str, str] | None = None,
    true_links: pd.DataFrame | None = None,
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
    n_left = len(left)
    all_pairs = n_left * len(right) if right is not None else n_left * (n_left - 1) // 2
    truth = _truth_set(true_links, dedup=right is None) if true_links is not None else None
    rows, per_rule = [], []
    for rule in rules:
        frame = candidate_pairs(left, right, blocking=[rule], kinds=kinds)
        per_rule.append(frame)
        rows.append(_blocking_row(" + ".join(rule), frame, all_pairs, truth, right is None))
    union = pd.concat(per_rule, ignore_index=True).drop_duplicates()
    rows.append(_blocking_row("any key (union)", union, all_pairs, truth, right is None))
    return pd.DataFrame(rows).set_index("blocking_key")


def _blocking_row(name, pairs, all_pairs, truth, dedup) -> dict:
    row = {"blocking_key": name, "pairs": len(pairs), "reduction_ratio": 1 - len(pairs) / max(all_pairs, 1)}
    if truth is not None:
        found = _pair_set(pairs["id_1"], pairs["id_2"], dedup) & truth
        row["pairs_completeness"] = len(found) / max(len(truth), 1)
    return row


# --------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------


def _levels_from_similarity(similarity: np.ndarray) -> np.ndarray:
    levels = np.select([similarity >= 1.0, similarity >= _CLOSE, similarity >= _SOMEWHAT], [3, 2, 1], 0)
    return np.where(np.isnan(similarity), -1, levels)


def _edit_level(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """2 = equal, 1 = one typo or transposition, 0 = different, -1 = missing."""
    distance = _pairwise(jellyfish.damerau_levenshtein_distance, left, right)
    levels = np.select([distance == 0, distance <= 1], [2, 1], 0)
    return np.where(np.isnan(distance), -1, levels)


def _date_level(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """3 = same date, 2 = one typo or day/month swapped, 1 = same year, 0 = different."""

    def score(a: str, b: str) -> float:
        if a == b:
            return 3
        if jellyfish.damerau_levenshtein_distance(a, b) <= 1:
            return 2
        if len(a) == len(b) == 8 and a[:4] == b[:4] and a[4:6] == b[6:8] and a[6:8] == b[4:6]:
            return 2
        return 1 if a[:4] == b[:4] else 0

    levels = _pairwise(score, left, right)
    return np.where(np.isnan(levels), -1, levels)


def _email_level(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """3 = same mailbox, 2 = one typo apart, 1 = similar local part, 0 = different.

    A mailbox belongs to one person, so a single typo (one edit or
    transposition in the whole address) is strong evidence; a merely similar
    local part (``marco.costa57`` / ``marco.costa12``) is weak evidence, since
    namesakes build their addresses from the same name.
    """

    def score(a: str, b: str) -> float:
        if a == b:
            return 3
        if jellyfish.damerau_levenshtein_distance(a, b) <= 1:
            return 2
        local_a, local_b = a.split("@")[0], b.split("@")[0]
        return 1 if jellyfish.jaro_winkler_similarity(local_a, local_b) >= _CLOSE else 0

    levels = _pairwise(score, left, right)
    return np.where(np.isnan(levels), -1, levels)


def _exact_level(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    missing = pd.isna(left) | pd.isna(right)
    return np.where(missing, -1, (left == right).astype(int))


def _compare_field(kind: str, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    if kind == "name":
        return _levels_from_similarity(_pairwise(name_similarity, left, right))
    if kind == "string":
        return _levels_from_similarity(_pairwise(jellyfish.jaro_winkler_similarity, left, right))
    if kind in {"code", "phone"}:
        return _edit_level(left, right)
    if kind == "date":
        return _date_level(left, right)
    if kind == "email":
        return _email_level(left, right)
    return _exact_level(left, right)


def _check_fields(left: pd.DataFrame, right: pd.DataFrame | None, fields: Mapping[str, str]) -> None:
    _check_frame(left, "left source" if right is not None else "records")
    if right is not None:
        _check_frame(right, "right source")
    if not fields:
        raise ValueError("fields: give at least one {column: kind} to compare")
    for column, kind in fields.items():
        if kind not in FIELD_KINDS:
            raise ValueError(f"field {column!r}: unknown kind {kind!r}; use one of {FIELD_KINDS}")
        for role, frame in (("left source", left), ("right source", right)):
            if frame is None:
                continue
            if column not in frame.columns:
                raise KeyError(f"field {column!r} is not a column of the {role} (columns: {list(frame.columns)})")
            if frame[column].isna().all() or frame[column].astype("str").str.strip().eq("").all():
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
    pos_left = left.index.get_indexer(pairs["id_1"])
    pos_right = other.index.get_indexer(pairs["id_2"])
    if (pos_left < 0).any() or (pos_right < 0).any():
        raise KeyError("compare_pairs: some pairs name record ids that are not in the sources")
    out = pd.DataFrame({"id_1": pairs["id_1"].to_numpy(), "id_2": pairs["id_2"].to_numpy()})
    if out.empty:
        return out.assign(**{column: pd.Series(dtype=np.int8) for column in fields})

    # Normalise each record once (not once per pair), then let recordlinkage's
    # Compare line the values up pair by pair and call our level functions.
    def normalised(frame: pd.DataFrame) -> pd.DataFrame:
        columns = {c: _normalised(frame[c], k).to_numpy(dtype=object, na_value=None) for c, k in fields.items()}
        return pd.DataFrame(columns, index=pd.RangeIndex(len(frame)))

    values_left = normalised(left)
    values_right = normalised(other) if right is not None else values_left
    comparer = recordlinkage.Compare()
    for column, kind in fields.items():
        comparer.compare_vectorized(_level_feature, column, column, kind, label=column)
    position_pairs = pd.MultiIndex.from_arrays([pos_left, pos_right])
    with _quiet_recordlinkage():
        features = comparer.compute(position_pairs, values_left, values_right).reindex(position_pairs)
    for column in fields:
        out[column] = features[column].to_numpy(dtype=np.int8)
    return out


def _level_feature(left: pd.Series, right: pd.Series, kind: str) -> np.ndarray:
    """Agreement levels of one field for aligned left/right values (a recordlinkage feature)."""
    return _compare_field(kind, left.to_numpy(dtype=object), right.to_numpy(dtype=object))


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
        Estimated share of candidate pairs that are matches (the prior λ).
    n_iter_ : int
        EM iterations run.

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
        """Estimate ``m``, ``u`` and the match share from unlabelled level columns."""
        fields = [c for c in levels.columns if c not in ("id_1", "id_2")]
        if levels.empty or not fields:
            raise ValueError("FellegiSunter.fit: need at least one candidate pair and one level column")
        patterns = levels[fields].value_counts().reset_index()
        counts = patterns.pop("count").to_numpy(dtype=float)
        codes = patterns.to_numpy(dtype=np.int64)
        n_levels = np.maximum(codes.max(axis=0) + 1, 2)
        m_prior, u_prior = self._priors(n_levels)
        m, u = m_prior, u_prior
        share = self.initial_match_share
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
        return self

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

    def _codes(self, levels: pd.DataFrame) -> np.ndarray:
        missing = [f for f in self.fields_ if f not in levels.columns]
        if missing:
            raise KeyError(f"level columns missing: {missing} (the model was fitted on {self.fields_})")
        codes = np.array(levels[self.fields_].to_numpy(dtype=np.int64), copy=True)
        for k, field_name in enumerate(self.fields_):
            too_high = codes[:, k] >= len(self.m_[field_name])
            codes[too_high, k] = len(self.m_[field_name]) - 1
        return codes

    def match_weight(self, levels: pd.DataFrame) -> pd.Series:
        """Match weight in bits: prior log2-odds plus the sum of log2(m/u) over fields."""
        m = [self.m_[f] for f in self.fields_]
        u = [self.u_[f] for f in self.fields_]
        prior = np.log2(self.match_share_) - np.log2(1 - self.match_share_)
        weight = prior + self._log_ratio(self._codes(levels), m, u) / np.log(2)
        return pd.Series(weight, index=levels.index, name="match_weight")

    def predict_proba(self, levels: pd.DataFrame) -> pd.Series:
        """Posterior probability that each pair is a match."""
        weight = self.match_weight(levels).to_numpy()
        return pd.Series(1.0 / (1.0 + np.exp2(-np.clip(weight, -1000, 1000))), index=levels.index, name="probability")

    def weights_table(self) -> pd.DataFrame:
        """``m``, ``u`` and the weight log2(m/u) of every field and level (for teaching)."""
        rows = [
            {"field": f, "level": level, "m": m, "u": u, "weight_bits": np.log2(m / u)}
            for f in self.fields_
            for level, (m, u) in enumerate(zip(self.m_[f], self.u_[f]))
        ]
        return pd.DataFrame(rows)


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
    """

    pairs: pd.DataFrame
    model: FellegiSunter
    threshold: float
    task: str
    n_possible_pairs: int
    fields: Mapping[str, str] = field(default_factory=dict)

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

    Returns
    -------
    LinkageResult
    """
    if not 0 < threshold < 1:
        raise ValueError(f"threshold is a match probability strictly between 0 and 1, got {threshold}")
    _check_fields(left, right, fields)
    pairs = candidate_pairs(left, right, blocking=blocking, kinds=fields)
    if pairs.empty:
        raise ValueError("blocking found no candidate pairs: no two records agree on any blocking key")
    levels = compare_pairs(left, right, pairs, fields=fields)
    model = model if model is not None else FellegiSunter()
    if not hasattr(model, "m_"):
        model.fit(levels)
    scored = levels.assign(match_weight=model.match_weight(levels), probability=model.predict_proba(levels))
    n_left = len(left)
    possible = n_left * len(right) if right is not None else n_left * (n_left - 1) // 2
    task = "deduplicate" if right is None else "link"
    return LinkageResult(scored, model, threshold, task, possible, dict(fields))


def _pair_set(ids_1, ids_2, dedup: bool) -> set[tuple]:
    if dedup:
        return {(a, b) if a <= b else (b, a) for a, b in zip(ids_1, ids_2)}
    return set(zip(ids_1, ids_2))


def _truth_set(true_links: pd.DataFrame, dedup: bool) -> set[tuple]:
    columns = [c for c in ("rec_id_1", "rec_id_2") if c in true_links.columns]
    if len(columns) < 2:
        columns = list(true_links.columns[:2])
    return _pair_set(true_links[columns[0]], true_links[columns[1]], dedup)


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
    """
    if task not in ("deduplicate", "link"):
        raise ValueError(f"task must be 'deduplicate' or 'link', got {task!r}")
    dedup = task == "deduplicate"
    predicted = _pair_set(links["id_1"], links["id_2"], dedup)
    truth = _truth_set(true_links, dedup)
    tp = len(predicted & truth)
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
    """Boolean Series aligned with ``pairs``: True where the pair is a true link."""
    truth = _truth_set(true_links, task == "deduplicate")
    flags = [p in truth for p in _pair_list(pairs["id_1"], pairs["id_2"], task == "deduplicate")]
    return pd.Series(flags, index=pairs.index, dtype=bool, name="true_link")


def precision_recall_table(result: LinkageResult, true_links: pd.DataFrame) -> pd.DataFrame:
    """Precision and recall at every match-weight threshold (for the PR plot).

    Recall counts all true links, including those blocking never proposed,
    so the curve shows the real ceiling.

    Returns
    -------
    DataFrame
        ``threshold_weight``, ``probability``, ``precision``, ``recall``, ``f1``
        (one row per distinct weight, highest first).
    """
    dedup = result.task == "deduplicate"
    truth = _truth_set(true_links, dedup)
    pairs = result.pairs.sort_values("match_weight", ascending=False, kind="stable")
    is_true = np.array([p in truth for p in _pair_list(pairs["id_1"], pairs["id_2"], dedup)], dtype=float)
    true_positives = np.cumsum(is_true)
    predicted = np.arange(1, len(pairs) + 1)
    table = pd.DataFrame(
        {
            "threshold_weight": pairs["match_weight"].to_numpy(),
            "probability": pairs["probability"].to_numpy(),
            "precision": true_positives / predicted,
            "recall": true_positives / max(len(truth), 1),
        }
    )
    # Tied weights are one threshold: keep the last row of each tie.
    table = table.drop_duplicates("threshold_weight", keep="last").reset_index(drop=True)
    total = table["precision"] + table["recall"]
    table["f1"] = np.where(total > 0, 2 * table["precision"] * table["recall"] / total.where(total > 0, 1), 0.0)
    return table


def _pair_list(ids_1, ids_2, dedup: bool) -> list[tuple]:
    if dedup:
        return [(a, b) if a <= b else (b, a) for a, b in zip(ids_1, ids_2)]
    return list(zip(ids_1, ids_2))
