"""Fellegi–Sunter estimation that stays right as the records grow.

Plain EM on the candidate pairs (:meth:`FellegiSunter.fit`) learns both
classes from the pairs blocking kept. At a few thousand records those pairs
are mostly duplicates and clear non-matches; at tens of thousands the
namesakes that a name key brings together outnumber the duplicates, and EM
may settle on "same name" as its match class (agreement on e-mail, phone or
birth date then counts *against* a match). This module estimates the three
parts of the model separately, each from data that cannot be confused:

* ``u`` (how often non-matches agree) from **random record pairs**, which
  are almost all non-matches whatever the size, and, for exact agreement,
  from the value frequencies (Σ p²) so that rare agreement is not rounded to
  zero (Enamorado, Fifield & Imai, 2019; the Splink approach, Linacre et al.,
  2022);
* ``m`` (how often matches agree) by EM with ``u`` held fixed, *inside* the
  pairs that agree exactly on one identifying field (the same e-mail, phone,
  birth date), leaving that field out: in such a block most pairs are
  duplicates, and the few that are not look like random pairs on the other
  fields, which the fixed ``u`` describes (Winkler, 1988);
* the prior, the probability that two *random* records match, from the
  expected matches among the candidate pairs (a one-parameter EM), so that a
  pair's probability is the same whether blocking proposed it with many
  namesakes or few.

Agreement on a common name is weaker evidence than on a rare one: the
``term_frequencies_`` of the name fields replace the average ``u`` of exact
agreement by the frequency of the shared value (Winkler, 1989;
:func:`term_frequency_bits`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = ["shared_mailbox_records"]

RANDOM_PAIRS = 200_000
"""Random record pairs compared to estimate ``u`` (fewer when there are fewer pairs)."""

_IDENTIFYING_KINDS = ("email", "phone", "date", "code")
_TRAINING_KINDS = _IDENTIFYING_KINDS + ("name", "address", "string", "exact")
_MIN_BLOCK_PAIRS = 20
_NAME_BUILT_KINDS = ("email",)
_NAME_AGREES = 2  # name levels "close" and "exact": the namesake u applies


def _skeletons(values: pd.Series) -> pd.Series:
    """Consonant skeleton of each name (Persian and Latin spellings share it): the key of name frequencies."""
    from idic_lab.identify._text import consonant_skeleton

    keys = values.dropna().map(consonant_skeleton)
    return keys.where(keys.ne(""), pd.NA).reindex(values.index)
_PSEUDO_PAIRS = 1.0
_MIN_MATCH_SHARE = 0.5  # a training block must hold mostly duplicates (see fit_on_records)


def _n_levels(kind: str) -> int:
    """Number of agreement levels :func:`compare_pairs` gives a field of this kind (0 … top)."""
    return {"name": 4, "string": 4, "address": 4, "code": 3, "phone": 3, "date": 4, "email": 4, "exact": 2}[kind]


def random_pair_positions(n_left: int, n_right: int | None, size: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Positions of ``size`` random record pairs (distinct records when deduplicating).

    All pairs are returned when there are no more than ``size`` of them.
    """
    rng = np.random.default_rng(seed)
    if n_right is None:
        possible = n_left * (n_left - 1) // 2
        if possible <= size:
            i, j = np.triu_indices(n_left, k=1)
            return i.astype(np.int64), j.astype(np.int64)
        i = rng.integers(0, n_left, size)
        j = (i + rng.integers(1, n_left, size)) % n_left  # never the same record
        return np.minimum(i, j), np.maximum(i, j)
    possible = n_left * n_right
    if possible <= size:
        i, j = np.divmod(np.arange(possible, dtype=np.int64), n_right)
        return i, j
    return rng.integers(0, n_left, size), rng.integers(0, n_right, size)


def value_frequencies(values: pd.Series) -> pd.Series:
    """Share of the non-missing records holding each (normalised) value."""
    present = values.dropna()
    return present.value_counts(normalize=True) if len(present) else pd.Series(dtype=float)


def exact_agreement_share(left: pd.Series, right: pd.Series | None) -> float:
    """Probability that two random records with a value agree on it exactly: Σ p_left·p_right."""
    freq_left = value_frequencies(left)
    if right is None:
        counts = left.dropna().value_counts().to_numpy(dtype=float)
        n = counts.sum()
        return float((counts * (counts - 1)).sum() / (n * (n - 1))) if n > 1 else 0.0
    freq_right = value_frequencies(right)
    common = freq_left.index.intersection(freq_right.index)
    return float((freq_left.loc[common].to_numpy() * freq_right.loc[common].to_numpy()).sum())


def u_from_random_pairs(random_levels: pd.DataFrame, kinds: Mapping[str, str],
                        exact_shares: Mapping[str, float]) -> dict[str, np.ndarray]:
    """P(level | non-match) per field from the levels of random pairs.

    The top level (exact agreement) is the value-frequency share Σ p² (or the
    random pairs' share, whichever is larger, for name fields whose top level
    also admits word-order and script variants); the lower levels share the
    rest in the proportions of the random pairs, with one pseudo-pair each so
    that no level is impossible.
    """
    u = {}
    for f, kind in kinds.items():
        size = _n_levels(kind)
        codes = random_levels[f].to_numpy(dtype=np.int64)
        counts = np.bincount(codes[codes >= 0], minlength=size)[:size].astype(float) + _PSEUDO_PAIRS
        shares = counts / counts.sum()
        top = exact_shares.get(f, shares[-1])
        if kind == "name":
            top = max(top, shares[-1])
        top = min(max(top, 1e-12), 0.5)
        lower = shares[:-1] / shares[:-1].sum() * (1 - top)
        u[f] = np.append(lower, top)
    return u


def _log_ratio(codes: np.ndarray, m: list[np.ndarray], u: list[np.ndarray], skip: int | None = None) -> np.ndarray:
    out = np.zeros(len(codes))
    for k in range(codes.shape[1]):
        if k == skip:
            continue
        present = codes[:, k] >= 0
        level = codes[present, k]
        out[present] += np.log(m[k][level]) - np.log(u[k][level])
    return out


def pair_log_ratio(codes: np.ndarray, m: list[np.ndarray], u: list[np.ndarray], conditional=None,
                   skip: int | None = None) -> np.ndarray:
    """Σ log(m/u) per pattern, with the namesake ``u`` where the name agrees (see :func:`namesake_u`).

    ``conditional`` is ``(k, min_level, u_given)``: for patterns whose field
    ``k`` is at ``min_level`` or above, the other fields use ``u_given[q]``
    instead of ``u[q]`` (``None`` entries keep ``u``).
    """
    out = _log_ratio(codes, m, u, skip)
    if conditional is None:
        return out
    k_name, min_level, u_given = conditional
    agrees = codes[:, k_name] >= min_level
    for q, given in enumerate(u_given):
        if given is None or q == skip:
            continue
        rows = agrees & (codes[:, q] >= 0)
        level = codes[rows, q]
        out[rows] += np.log(u[q][level]) - np.log(given[level])
    return out


def namesake_positions(keys_left: np.ndarray, keys_right: np.ndarray | None, size: int,
                       seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Positions of ``size`` random pairs of records that share a name key (distinct records when deduplicating)."""
    rng = np.random.default_rng(seed)
    left = pd.Series(keys_left).dropna()
    right = pd.Series(keys_right).dropna() if keys_right is not None else left
    groups_left = left.groupby(left.to_numpy()).indices
    groups_right = right.groupby(right.to_numpy()).indices if keys_right is not None else groups_left
    names = [g for g in groups_left if g in groups_right]
    members_left = [left.index.to_numpy()[groups_left[g]] for g in names]
    members_right = [right.index.to_numpy()[groups_right[g]] for g in names]
    if keys_right is None:
        weights = np.array([len(a) * (len(a) - 1) / 2 for a in members_left], dtype=float)
    else:
        weights = np.array([len(a) * len(b) for a, b in zip(members_left, members_right)], dtype=float)
    if not len(weights) or weights.sum() == 0:
        return np.array([], dtype=np.int64), np.array([], dtype=np.int64)
    chosen = rng.choice(len(names), size=min(size, int(weights.sum())), p=weights / weights.sum())
    i, j = np.empty(len(chosen), dtype=np.int64), np.empty(len(chosen), dtype=np.int64)
    for slot, g in enumerate(chosen):
        a, b = members_left[g], members_right[g]
        first = rng.integers(len(a))
        if keys_right is None:
            second = (first + rng.integers(1, len(a))) % len(a)
            i[slot], j[slot] = min(a[first], a[second]), max(a[first], a[second])
        else:
            i[slot], j[slot] = a[first], b[rng.integers(len(b))]
    return i, j


def namesake_u(levels: pd.DataFrame, kinds: Mapping[str, str], name_field: str, min_level: int,
               u: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """P(level | non-match, the names agree) for fields built from names (e-mails), from random namesake pairs.

    Namesakes build their e-mail addresses from the same name, so a merely
    similar e-mail is common among them and no evidence of one person;
    random pairs of *all* records would call it rare. The top level keeps the
    value-frequency share of :func:`u_from_random_pairs` (a few namesake pairs
    are duplicates and would inflate it); the lower levels share the rest in
    the namesake pairs' proportions. Pairs that agree exactly on an
    identifying field are left out (most are duplicates). Other fields (phone,
    address, birth date) do not depend on the name and keep the ``u`` of all
    random pairs; the duplicates among namesake pairs would only blur them.
    """
    agree = levels[name_field].to_numpy() >= min_level
    for f, kind in kinds.items():  # leave out likely duplicates: exact agreement on an identifier
        if kind in _IDENTIFYING_KINDS:
            agree &= levels[f].to_numpy() < _n_levels(kind) - 1
    agree = levels[agree]
    given = {}
    for f, kind in kinds.items():
        if kind not in _NAME_BUILT_KINDS or len(agree) < 100:
            continue
        size = _n_levels(kind)
        codes = agree[f].to_numpy(dtype=np.int64)
        counts = np.bincount(codes[codes >= 0], minlength=size)[: size - 1].astype(float) + _PSEUDO_PAIRS
        top = u[f][-1]
        given[f] = np.append(counts / counts.sum() * (1 - top), top)
    return given


def _posterior(log_odds: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(log_odds, -700, 700)))


def m_in_block(codes: np.ndarray, counts: np.ndarray, block_field: int, m_start: list[np.ndarray],
               u: list[np.ndarray], conditional=None, *, max_iter: int = 500, tol: float = 1e-6) -> tuple[list[np.ndarray], float, bool]:
    """EM for ``m`` (``u`` fixed) on the patterns of one training block, leaving its own field out.

    Returns the m per field (the block field's entry is its start), the
    expected number of matches in the block, and whether EM converged.
    """
    m = [level.copy() for level in m_start]
    share = 0.5
    moved = np.inf
    for _ in range(max_iter):
        log_odds = np.log(share) - np.log1p(-share) + pair_log_ratio(codes, m, u, conditional, skip=block_field)
        weights = counts * _posterior(log_odds)
        new = []
        for k, start in enumerate(m_start):
            if k == block_field:
                new.append(m[k])
                continue
            present = codes[:, k] >= 0
            totals = np.bincount(codes[present, k], weights=weights[present], minlength=len(start))[: len(start)]
            totals = totals + _PSEUDO_PAIRS * start  # a pseudo-pair of the start keeps every level possible
            new.append(totals / totals.sum())
        share_new = float(np.clip(weights.sum() / counts.sum(), 1e-9, 1 - 1e-9))
        moved = max(max(np.abs(a - b).max() for a, b in zip(new, m)), abs(share_new - share))
        m, share = new, share_new
        if moved < tol:
            break
    return m, float(weights.sum()), bool(moved < tol)


def prior_from_candidates(codes: np.ndarray, counts: np.ndarray, m: list[np.ndarray], u: list[np.ndarray],
                          n_possible: int, conditional=None, *, max_iter: int = 1000, tol: float = 1e-10) -> tuple[float, float, bool]:
    """Probability that two random records match, and the expected matches among the candidate pairs.

    A one-parameter EM: the prior λ is the expected number of matches among
    the candidate pairs divided by all possible pairs (pairs blocking did not
    propose are taken as non-matches).
    """
    log_ratio = pair_log_ratio(codes, m, u, conditional)
    prior = float(np.clip(counts.sum() * 0.01 / n_possible, 1e-15, 0.5))
    expected = 0.0
    for _ in range(max_iter):
        expected = float((counts * _posterior(np.log(prior) - np.log1p(-prior) + log_ratio)).sum())
        new = float(np.clip(expected / n_possible, 1e-15, 0.5))
        if abs(np.log(new) - np.log(prior)) < tol:
            prior = new
            return prior, expected, True
        prior = new
    return prior, expected, False


def training_fields(kinds: Mapping[str, str]) -> list[str]:
    """Fields whose exact-agreement pairs train ``m``: identifying fields first, then the others."""
    return sorted(kinds, key=lambda f: (_TRAINING_KINDS.index(kinds[f]) if kinds[f] in _TRAINING_KINDS else 99))


def term_frequency_bits(values_1: np.ndarray, values_2: np.ndarray, frequencies: pd.Series,
                        average_top_u: float, at_top: np.ndarray) -> np.ndarray:
    """Extra bits for exact agreement on a rare value (negative on a common one).

    For a pair agreeing on value ``v``, ``log2(u_top / p_v)``: the average
    chance ``u_top`` that random records agree is replaced by the chance
    ``p_v`` that a random record holds ``v`` (Winkler, 1989). Variants that
    reached the top level without being equal use the commoner of the two.
    """
    p_1 = pd.Series(values_1).map(frequencies).to_numpy(dtype=float, na_value=np.nan)
    p_2 = pd.Series(values_2).map(frequencies).to_numpy(dtype=float, na_value=np.nan)
    p = np.fmax(p_1, p_2)
    usable = at_top & np.isfinite(p) & (p > 0)
    bits = np.zeros(len(at_top))
    bits[usable] = np.log2(average_top_u / p[usable])
    return bits


def _add_block(sums: list[np.ndarray], weights: np.ndarray, block_field: int, m_block: list[np.ndarray],
               matches: float) -> None:
    """Add one training block's m of the other fields, weighted by its expected matches."""
    if matches <= 0:
        return
    for q in range(len(sums)):
        if q != block_field:
            sums[q] += matches * m_block[q]
    weights += np.where(np.arange(len(sums)) == block_field, 0.0, matches)


def m_from_training_blocks(patterns: np.ndarray, counts: np.ndarray, fields: Mapping[str, str],
                           u: list[np.ndarray], conditional=None) -> tuple[list[np.ndarray], bool]:
    """``m`` per field from the blocks of pairs that agree exactly on one field (see :func:`m_in_block`).

    Each block estimates the other fields' ``m``; the estimates are averaged
    weighted by the block's expected matches. A block whose pairs are mostly
    not duplicates (fewer than half, by its own EM) is left out unless no
    block holds mostly duplicates: at a million records a birth
    date is shared by thousands, and the strangers that blocking paired on
    it for a second reason (the same initial) differ from random pairs,
    which the fixed ``u`` assumes, so they would leak into ``m``.

    Returns ``(m, converged)``; a field no block estimates keeps its start
    (0.9 on the top level).
    """
    names = list(fields)
    sizes = [_n_levels(fields[f]) for f in names]
    start = []
    for size in sizes:
        level = np.full(size, 0.1 / (size - 1))
        level[-1] = 0.9
        start.append(level)
    sums = [np.zeros(size) for size in sizes]
    weights = np.zeros(len(names))
    converged = True
    strangers_blocks = []
    for f in training_fields(fields):
        k = names.index(f)
        in_block = patterns[:, k] == sizes[k] - 1
        if counts[in_block].sum() < _MIN_BLOCK_PAIRS:
            continue
        already = weights > 0
        already[k] = True
        if fields[f] not in _IDENTIFYING_KINDS and already.all():
            continue  # weaker blocks only for fields that no identifying block has estimated
        m_block, matches, ok = m_in_block(patterns[in_block], counts[in_block], k, start, u, conditional)
        if matches < _MIN_MATCH_SHARE * counts[in_block].sum():
            strangers_blocks.append((k, m_block, matches, ok))  # the premise fails: mostly strangers
            continue
        converged &= ok
        _add_block(sums, weights, k, m_block, matches)
    if not weights.any():  # no block of duplicates at all: the strangers' blocks are all there is
        for k, m_block, matches, ok in strangers_blocks:
            converged &= ok
            _add_block(sums, weights, k, m_block, matches)
    m = [sums[q] / weights[q] if weights[q] > 0 else start[q] for q in range(len(names))]
    return m, bool(converged)


def fit_on_records(model, left: pd.DataFrame, right: pd.DataFrame | None, levels: pd.DataFrame,
                   fields: Mapping[str, str], *, random_pairs: int | None = None, seed: int = 0):
    """Fit ``model`` (a :class:`FellegiSunter`) with u from random pairs, m from exact-identifier blocks.

    Sets the fitted attributes as :meth:`FellegiSunter.fit` does, plus
    ``prior_share_`` (probability that two random records match, the prior
    of every candidate pair), ``term_frequencies_`` and ``estimation_``.
    """
    from idic_lab.identify._linkage import _level_codes, _normalised, compare_pairs

    fields = dict(fields)
    names = list(fields)
    other = right if right is not None else left
    n_possible = len(left) * len(right) if right is not None else len(left) * (len(left) - 1) // 2
    size = RANDOM_PAIRS if random_pairs is None else random_pairs
    i, j = random_pair_positions(len(left), len(right) if right is not None else None, size, seed)
    used_left, used_right = np.unique(i), np.unique(j)
    random_ids = pd.DataFrame({"id_1": left.index[i], "id_2": other.index[j]})
    subset_left = left.iloc[used_left if right is not None else np.union1d(used_left, used_right)]
    subset_right = other.iloc[used_right] if right is not None else None
    random_levels = compare_pairs(subset_left, subset_right, random_ids, fields=fields)
    normalised_left = {f: _normalised(left[f], k, f) for f, k in fields.items()}
    normalised_right = {f: _normalised(other[f], k, f) for f, k in fields.items()} if right is not None else None
    exact = {f: exact_agreement_share(normalised_left[f], normalised_right[f] if right is not None else None)
             for f in fields}
    u_by_field = u_from_random_pairs(random_levels, fields, exact)
    u = [u_by_field[f] for f in names]
    name_fields = [f for f in names if fields[f] == "name"]
    skeletons = {f: (_skeletons(normalised_left[f]), _skeletons(normalised_right[f]) if right is not None else None)
                 for f in name_fields}
    conditional = None
    if name_fields:
        name_field = name_fields[0]
        keys_left, keys_right = skeletons[name_field]
        a, b = namesake_positions(keys_left.to_numpy(dtype=object, na_value=None),
                                  keys_right.to_numpy(dtype=object, na_value=None) if keys_right is not None else None,
                                  size // 2, seed + 1)
        if len(a):
            used = np.unique(a) if right is not None else np.union1d(a, b)
            namesake_ids = pd.DataFrame({"id_1": left.index[a], "id_2": other.index[b]})
            namesake_levels = compare_pairs(left.iloc[used], other.iloc[np.unique(b)] if right is not None else None,
                                            namesake_ids, fields=fields)
            given = namesake_u(namesake_levels, fields, name_field, _NAME_AGREES, u_by_field)
            if given:
                conditional = (names.index(name_field), _NAME_AGREES, [given.get(f) for f in names])

    codes_all = _level_codes(levels, names, "FellegiSunter.fit")
    patterns, counts = np.unique(codes_all, axis=0, return_counts=True)
    counts = counts.astype(float)
    sizes = [_n_levels(fields[f]) for f in names]
    patterns = np.minimum(patterns, np.array(sizes) - 1)
    m, converged = m_from_training_blocks(patterns, counts, fields, u, conditional)
    prior, expected, ok = prior_from_candidates(patterns, counts, m, u, n_possible, conditional)
    converged &= ok

    model.fields_ = names
    model.m_ = dict(zip(names, m))
    model.u_ = dict(zip(names, u))
    model.prior_share_ = prior
    model.match_share_ = expected / counts.sum()
    model.converged_ = bool(converged)
    model.n_iter_ = 0
    model.n_pairs_ = int(counts.sum())
    model.estimation_ = "random pairs"
    model.n_random_pairs_ = len(random_ids)
    model.conditional_u_ = conditional
    model.term_frequencies_ = {
        f: (value_frequencies(keys_left) if keys_right is None
            else value_frequencies(pd.concat([keys_left, keys_right], ignore_index=True)))
        for f, (keys_left, keys_right) in skeletons.items()
    }
    model.doubts_ = tuple(model._doubts(patterns, 0.0 if converged else np.inf))
    return model


def shared_mailbox_records(n_families: int = 40, family_size: int = 6, n_duplicated: int = 100,
                           seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Records on which EM over the candidate pairs collapses: families sharing a mailbox, and duplicates.

    Each family's members are different people with one shared e-mail
    address; each duplicated person has two records with the same name and
    phone but different e-mails. Blocked on e-mail or phone, the family pairs
    outnumber the duplicate pairs several times, as namesakes outnumbered
    duplicates at 74,000 customers in issue 13, and EM takes "same mailbox"
    for its match class. A small, fast demonstration of the refusal in
    :func:`link_records` and of ``estimation="random_pairs"``.

    Returns
    -------
    records : DataFrame
        ``name``, ``email``, ``phone``, indexed by record id.
    true_links : DataFrame
        ``rec_id_1``, ``rec_id_2`` of the duplicate pairs.
    """
    for name, value in (("n_families", n_families), ("family_size", family_size), ("n_duplicated", n_duplicated)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < (2 if name == "family_size" else 1):
            raise ValueError(f"shared_mailbox_records: {name} must be a whole number >= "
                             f"{2 if name == 'family_size' else 1}, found {value!r}")
    rng = np.random.default_rng(seed)
    consonants, vowels = list("bcdfghklmnprstvz"), list("aeiou")

    def word() -> str:
        return "".join(rng.choice(consonants, 4)) + str(rng.choice(vowels)) + "".join(rng.choice(consonants, 3))

    def phone() -> str:
        return f"0{rng.integers(10**9, 10**10)}"

    rows = [{"name": f"{word()} {word()}", "email": f"family{g}@example.de", "phone": phone()}
            for g in range(n_families) for _ in range(family_size)]
    links = []
    for p in range(n_duplicated):
        name, number = f"{word()} {word()}", phone()
        links.append((f"r{len(rows):05d}", f"r{len(rows) + 1:05d}"))
        rows += [{"name": name, "email": f"{word()}{p}@example.de", "phone": number},
                 {"name": name, "email": f"{word()}{p}@mail.de", "phone": number}]
    records = pd.DataFrame(rows, index=pd.Index([f"r{i:05d}" for i in range(len(rows))], name="record_id"))
    return records, pd.DataFrame(links, columns=["rec_id_1", "rec_id_2"])
