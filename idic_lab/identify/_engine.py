"""Identify stage: the vectorised pair engine (blocking joins and agreement levels).

Everything here works on whole arrays, never pair by pair in Python:

* **Blocking** turns every blocking key into integer codes (one per distinct
  key value, shared by both sources) and builds the pairs of each block with
  index arithmetic: ``n (n − 1) / 2`` pairs for a block of ``n`` records when
  deduplicating, ``n_left · n_right`` when linking. The union over keys keeps
  each pair once. A pair costs 8 bytes (two ``int32`` positions).
* **Comparison** looks every field up by *value code*: the script-aware
  features of a value (normalised text, words sorted, consonant skeleton,
  Arabic script or not, e-mail local part, year of a date) are computed once
  per distinct value, equal values are decided by comparing codes, and the
  rest go to rapidfuzz's C++ scorers (Jaro–Winkler, Damerau–Levenshtein) in
  one call per field, each distinct value pair scored once.

The levels are the ones :func:`idic_lab.identify.compare_pairs` documents;
tests/test_identify_engine.py checks them against the levels of the earlier
per-pair implementation on FEBRL3, FEBRL4 and the synthetic world.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler
from rapidfuzz.process import cpdist

from idic_lab.identify._text import _ARABIC_BLOCK, consonant_skeleton

_NUMBERS = re.compile(r"\d+")
SKELETON_DISCOUNT = 0.97  # a consonant skeleton says less than the full name
_SCORE_DISTINCT_FROM = 10_000  # below this many pairs, de-duplicating value pairs costs more than it saves


# --------------------------------------------------------------------------
# Blocking
# --------------------------------------------------------------------------


def key_codes(parts_left: Sequence[np.ndarray], parts_right: Sequence[np.ndarray] | None) -> tuple[np.ndarray, np.ndarray]:
    """Integer code of a (multi-part) blocking key per record; -1 where any part is missing.

    Both sources share one code book, so equal keys have equal codes on both sides.
    """
    n_left = len(parts_left[0])
    combined = np.zeros(n_left + (len(parts_right[0]) if parts_right is not None else 0), dtype=np.int64)
    missing = np.zeros(len(combined), dtype=bool)
    for n, left in enumerate(parts_left):
        values = left if parts_right is None else np.concatenate([left, parts_right[n]])
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        missing |= codes < 0
        combined = combined * (len(uniques) + 1) + codes + 1
        if n < len(parts_left) - 1:  # keep the product small: renumber after each part
            combined = pd.factorize(combined)[0].astype(np.int64)
    combined = np.where(missing, -1, combined)
    return combined[:n_left], combined[n_left:] if parts_right is not None else combined


def _blocks(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions sorted by key (missing keys dropped), and the start and size of each block."""
    present = np.flatnonzero(codes >= 0)
    order = present[np.argsort(codes[present], kind="stable")]
    sorted_codes = codes[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]]) if len(order) else np.array([], int)
    sizes = np.diff(np.r_[starts, len(order)])
    return order, starts, sizes


def count_pairs(codes_left: np.ndarray, codes_right: np.ndarray | None) -> int:
    """Exact number of pairs a key makes: Σ n(n−1)/2 (deduplicate) or Σ n_left·n_right (link)."""
    if codes_right is None:
        _, _, sizes = _blocks(codes_left)
        return int((sizes.astype(np.int64) * (sizes - 1) // 2).sum())
    left = pd.Series(codes_left[codes_left >= 0]).value_counts()
    right = pd.Series(codes_right[codes_right >= 0]).value_counts()
    both = left.index.intersection(right.index)
    return int((left.loc[both].to_numpy(np.int64) * right.loc[both].to_numpy(np.int64)).sum())


def _expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For items with ``counts`` partners: the item of every partner slot and its rank 0..count−1."""
    counts = counts.astype(np.int64)
    total = int(counts.sum())
    owner = np.repeat(np.arange(len(counts)), counts)
    first_slot = np.cumsum(counts) - counts
    rank = np.arange(total, dtype=np.int64) - first_slot[owner]
    return owner, rank


def block_pairs(codes_left: np.ndarray, codes_right: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Positions ``(i, j)`` of the pairs that share a key code.

    Deduplicating (``codes_right=None``) gives each unordered pair once with
    ``i < j``; linking gives every left × right pair of each block.
    """
    if codes_right is None:
        order, starts, sizes = _blocks(codes_left)
        block_end = np.repeat(starts + sizes, sizes)  # for each sorted slot, the end of its block
        partners = block_end - np.arange(len(order)) - 1  # the later members of the same block
        slot, rank = _expand(partners)
        i, j = order[slot], order[slot + 1 + rank]
        return np.minimum(i, j), np.maximum(i, j)
    order_left, starts_left, sizes_left = _blocks(codes_left)
    order_right, starts_right, sizes_right = _blocks(codes_right)
    block_codes_right = codes_right[order_right[starts_right]]
    block_of_left = np.searchsorted(block_codes_right, codes_left[order_left])
    block_of_left = np.minimum(block_of_left, max(len(block_codes_right) - 1, 0))
    found = (len(block_codes_right) > 0) & (block_codes_right[block_of_left] == codes_left[order_left]) \
        if len(block_codes_right) else np.zeros(len(order_left), bool)
    partners = np.where(found, sizes_right[block_of_left] if len(sizes_right) else 0, 0)
    slot, rank = _expand(partners)
    return order_left[slot], order_right[starts_right[block_of_left[slot]] + rank]


def union_pairs(pairs: Sequence[tuple[np.ndarray, np.ndarray]], n_right: int) -> tuple[np.ndarray, np.ndarray]:
    """The union of several pair lists, each pair once (sorted by ``i``, then ``j``)."""
    if not pairs:
        return np.array([], np.int64), np.array([], np.int64)
    codes = np.concatenate([i.astype(np.int64) * n_right + j for i, j in pairs])
    codes.sort()  # a sort and a neighbour comparison: several times faster than np.unique here
    codes = codes[np.r_[True, codes[1:] != codes[:-1]]] if len(codes) else codes
    return codes // n_right, codes % n_right


def position_dtype(n: int):
    """``int32`` positions when they fit (8 bytes per pair), ``int64`` beyond 2³¹ records."""
    return np.int32 if n < 2**31 - 1 else np.int64


# --------------------------------------------------------------------------
# Scorers on aligned arrays
# --------------------------------------------------------------------------


_CHUNK = 500_000  # pairs per scorer call: rapidfuzz copies its inputs, so memory stays flat at any size


def _chunked(left: np.ndarray, right: np.ndarray, dtype, **scorer) -> np.ndarray:
    out = np.empty(len(left), dtype=dtype)
    for start in range(0, len(left), _CHUNK):
        stop = start + _CHUNK
        out[start:stop] = cpdist(left[start:stop], right[start:stop], dtype=dtype, workers=-1, **scorer)
    return out


def jaro_winkler(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Jaro–Winkler similarity of aligned strings (Winkler 1990), float64, via rapidfuzz."""
    return _chunked(left, right, np.float64, scorer=JaroWinkler.similarity)


def damerau_levenshtein_upto2(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Damerau–Levenshtein distance (Damerau 1964) of aligned strings, capped at 2 (all the levels need)."""
    return _chunked(left, right, np.int32, scorer=DamerauLevenshtein.distance, score_cutoff=1)


def _per_distinct_pair(score, codes_left: np.ndarray, codes_right: np.ndarray, *features) -> np.ndarray:
    """``score(*features_left, *features_right)`` for aligned value codes, each distinct code pair once."""
    if len(codes_left) >= _SCORE_DISTINCT_FROM:
        width = int(max(codes_right.max(initial=0), 0)) + 1
        inverse, distinct = pd.factorize(codes_left.astype(np.int64) * width + codes_right)
        if len(distinct) < 0.7 * len(codes_left):
            return _per_distinct_pair(score, distinct // width, distinct % width, *features)[inverse]
    return score(*[f[codes_left] for f in features], *[f[codes_right] for f in features])


# --------------------------------------------------------------------------
# Per-value features and agreement levels
# --------------------------------------------------------------------------


class Values:
    """The distinct normalised values of one field, with per-value features computed once.

    ``codes_left`` / ``codes_right`` give each record's value code (-1 = missing).
    """

    def __init__(self, left: np.ndarray, right: np.ndarray | None):
        both = left if right is None else np.concatenate([left, right])
        codes, uniques = pd.factorize(pd.array(both, dtype=object) if both.dtype != object else both,
                                      use_na_sentinel=True)
        self.text = np.asarray(uniques, dtype=object)
        self.codes_left = codes[: len(left)]
        self.codes_right = codes[len(left):] if right is not None else self.codes_left
        self._cache: dict[str, np.ndarray] = {}

    def feature(self, name: str) -> np.ndarray:
        if name not in self._cache:
            self._cache[name] = VALUE_FEATURES[name](self.text)
        return self._cache[name]


def _shared_codes(first: list, second: list) -> tuple[np.ndarray, np.ndarray]:
    """Codes of two lists of strings from one code book (equal strings, equal codes)."""
    codes = pd.factorize(np.array(first + second, dtype=object))[0]
    return codes[: len(first)], codes[len(first):]


def _map(function):
    return lambda text: np.array([function(v) for v in text], dtype=object)


VALUE_FEATURES = {
    "sorted_words": _map(lambda v: " ".join(sorted(v.split()))),
    "arabic": lambda text: np.array([bool(_ARABIC_BLOCK.search(v)) for v in text], dtype=bool),
    "skeleton": _map(consonant_skeleton),
    "local_part": _map(lambda v: v.split("@")[0]),
    # The numbers in an address (house, flat, postcode) or in a mailbox name (anna.berg82): two
    # spellings of one address or mailbox keep them, neighbours and namesakes differ in them.
    "numbers": _map(lambda v: " ".join(_NUMBERS.findall(v.split("@")[0]))),
    "year": lambda text: pd.factorize(np.array([v[:4] for v in text], dtype=object))[0],
    "month_day": lambda text: _shared_codes([v[4:6] + "|" + v[6:8] for v in text], [v[6:8] + "|" + v[4:6] for v in text])[0],
    "day_month": lambda text: _shared_codes([v[4:6] + "|" + v[6:8] for v in text], [v[6:8] + "|" + v[4:6] for v in text])[1],
    "eight_long": lambda text: np.array([len(v) == 8 for v in text], dtype=bool),
}
"""Features of one normalised value that the levels need (computed once per distinct value)."""


def _name_score(text_l, words_l, arabic_l, skeleton_l, text_r, words_r, arabic_r, skeleton_r) -> np.ndarray:
    """Best of Jaro–Winkler as written, on sorted words, and 0.97 × on skeletons across scripts."""
    best = np.maximum(jaro_winkler(text_l, text_r), jaro_winkler(words_l, words_r))
    across = (arabic_l != arabic_r) & (skeleton_l != "") & (skeleton_r != "")
    if across.any():
        skeleton = SKELETON_DISCOUNT * jaro_winkler(skeleton_l[across], skeleton_r[across])
        best[across] = np.maximum(best[across], skeleton)
    return best


def _same_numbers(values: Values, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Whether the values at codes ``a`` and ``b`` hold the same numbers (both none counts as the same)."""
    numbers = pd.factorize(values.feature("numbers"))[0] if len(values.text) else np.zeros(0, dtype=np.int64)
    return numbers[a] == numbers[b]


def _similarity_levels(similarity: np.ndarray, close: float, somewhat: float) -> np.ndarray:
    return np.select([similarity >= 1.0, similarity >= close, similarity >= somewhat], [3, 2, 1], 0)


def field_levels(kind: str, values: Values, pos_left: np.ndarray, pos_right: np.ndarray, *,
                 close: float, somewhat: float) -> np.ndarray:
    """Agreement levels (int8) of one field for the pairs at record positions ``pos_left``/``pos_right``.

    ``close`` and ``somewhat`` are the Jaro–Winkler cut-offs of the levels
    (see :func:`idic_lab.identify.compare_pairs`).
    """
    code_l, code_r = values.codes_left[pos_left], values.codes_right[pos_right]
    levels = np.full(len(code_l), -1, dtype=np.int8)
    present = (code_l >= 0) & (code_r >= 0)
    equal = present & (code_l == code_r)
    differ = present & ~equal
    a, b = code_l[differ], code_r[differ]
    text = values.text
    if kind == "exact":
        levels[equal], levels[differ] = 1, 0
    elif kind in ("name", "string", "address"):
        levels[equal] = 3
        if kind == "name":
            features = (text, values.feature("sorted_words"), values.feature("arabic"), values.feature("skeleton"))
            similarity = _per_distinct_pair(_name_score, a, b, *features)
        else:
            similarity = _per_distinct_pair(jaro_winkler, a, b, text)
        levels[differ] = _similarity_levels(similarity, close, somewhat)
        if kind == "address":  # another house number is another address, however similar the text
            levels[differ] = np.minimum(levels[differ], np.where(_same_numbers(values, a, b), 3, 1))
    elif kind in ("code", "phone"):
        levels[equal] = 2
        levels[differ] = np.where(_per_distinct_pair(damerau_levenshtein_upto2, a, b, text) <= 1, 1, 0)
    elif kind == "email":
        levels[equal] = 3
        one_typo = _per_distinct_pair(damerau_levenshtein_upto2, a, b, text) <= 1
        local = values.feature("local_part")
        similar_local = _per_distinct_pair(jaro_winkler, a, b, local) >= close
        # anna.berg82 and anna.berg83 are two mailboxes (namesakes number theirs), not one typo
        levels[differ] = np.where(_same_numbers(values, a, b), np.select([one_typo, similar_local], [2, 1], 0), 0)
    elif kind == "date":
        levels[equal] = 3
        one_typo = _per_distinct_pair(damerau_levenshtein_upto2, a, b, text) <= 1
        year = values.feature("year")
        same_year = year[a] == year[b]
        eight = values.feature("eight_long")
        swapped = eight[a] & eight[b] & same_year & (values.feature("month_day")[a] == values.feature("day_month")[b])
        levels[differ] = np.select([one_typo | swapped, same_year], [2, 1], 0)
    else:
        raise ValueError(f"unknown field kind {kind!r}")
    return levels
