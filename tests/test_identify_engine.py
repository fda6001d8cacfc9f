"""The vectorised pair engine gives the same pairs and levels as the per-pair engine it replaced.

tests/data/linkage_levels_before.npz holds the candidate pairs and agreement
levels computed by the recordlinkage-based engine (commit d9e9b29, script
tests/data/freeze_linkage_levels.py) on FEBRL4, FEBRL3 and the synthetic
world (Persian and Vietnamese names included), for the blocked pairs and for
20,000 random pairs that reach the low levels.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from idic_lab.datasets import load_dataset
from idic_lab.identify import CUSTOMER_FIELDS, FEBRL_BLOCKING, FEBRL_FIELDS
from idic_lab.identify import blocking_summary, candidate_pairs, compare_pairs, normalise_email
from idic_lab.identify._engine import block_pairs, count_pairs, key_codes

FROZEN = np.load(Path(__file__).parent / "data" / "linkage_levels_before.npz")

# The default customer keys when the frozen pairs were computed (d9e9b29); the defaults have
# changed since (near-linear keys), the engine must still give the same pairs for these.
FROZEN_CUSTOMER_BLOCKING = (
    ("email",), ("phone",), ("birth_date",), ("name|skeleton",), ("name|first_token", "address|first3"),
)


# Addresses were compared as plain strings then (the "address" kind came later, see
# test_address_levels_*); the string comparison itself is unchanged.
FROZEN_CUSTOMER_FIELDS = {**CUSTOMER_FIELDS, "address": "string"}


def _case(name):
    if name == "synthetic":
        world = load_dataset("synthetic", n_customers=3000, seed=0)
        return world.customers.set_index("customer_id"), None, FROZEN_CUSTOMER_FIELDS, FROZEN_CUSTOMER_BLOCKING
    data = load_dataset(name)
    return data.records, data.records_b, FEBRL_FIELDS, FEBRL_BLOCKING


def _frozen_levels_now(expected, left, other, frame, fields):
    """The frozen levels with the one deliberate change since: e-mails whose mailbox names hold
    different numbers (anna.berg82 / anna.berg83) are no longer "one typo" or "similar" but 0."""
    expected = expected.copy()
    for k, (column, kind) in enumerate(fields.items()):
        if kind != "email":
            continue
        numbers = normalise_email(left[column]).str.split("@").str[0].str.findall(r"\d+").str.join(" ")
        other_numbers = numbers if other is left else (
            normalise_email(other[column]).str.split("@").str[0].str.findall(r"\d+").str.join(" "))
        a = numbers.reindex(frame["id_1"]).to_numpy(dtype=object)
        b = other_numbers.reindex(frame["id_2"]).to_numpy(dtype=object)
        below_exact = (expected[:, k] >= 0) & (expected[:, k] < 3)
        expected[below_exact & (a != b), k] = 0
    return expected


@pytest.mark.parametrize("name", ["febrl4", "febrl3", "synthetic"])
def test_pairs_and_levels_equal_the_frozen_per_pair_engine(name):
    left, right, fields, blocking = _case(name)
    other = right if right is not None else left
    pairs = candidate_pairs(left, right, blocking=blocking, kinds=fields)
    np.testing.assert_array_equal(pd.Index(left.index).get_indexer(pairs["id_1"]), FROZEN[f"{name}/blocked/i"])
    np.testing.assert_array_equal(pd.Index(other.index).get_indexer(pairs["id_2"]), FROZEN[f"{name}/blocked/j"])
    for label in ("blocked", "random"):
        frame = pd.DataFrame({"id_1": left.index[FROZEN[f"{name}/{label}/i"]],
                              "id_2": other.index[FROZEN[f"{name}/{label}/j"]]})
        levels = compare_pairs(left, right, frame, fields=fields)[list(fields)].to_numpy()
        expected = _frozen_levels_now(FROZEN[f"{name}/{label}/levels"], left, other, frame, fields)
        differ = np.flatnonzero((levels != expected).any(axis=1))
        assert not len(differ), (label, frame.iloc[differ[:5]], levels[differ[:5]], expected[differ[:5]])
        assert len(np.unique(expected)) == 5  # the frozen levels reach missing, 0, 1, 2 and 3


def _brute_force(codes_left, codes_right):
    if codes_right is None:
        return {(i, j) for i in range(len(codes_left)) for j in range(i + 1, len(codes_left))
                if codes_left[i] >= 0 and codes_left[i] == codes_left[j]}
    return {(i, j) for i in range(len(codes_left)) for j in range(len(codes_right))
            if codes_left[i] >= 0 and codes_left[i] == codes_right[j]}


@pytest.mark.parametrize("seed", range(5))
def test_block_pairs_and_their_count_match_brute_force(seed):
    rng = np.random.default_rng(seed)
    left = rng.choice(np.array(["a", "b", "c", None, "d"], dtype=object), 40)
    right = rng.choice(np.array(["b", "c", "e", None], dtype=object), 30)
    second = rng.choice(np.array(["x", "y", None], dtype=object), 40)
    for parts_left, parts_right in (([left], None), ([left], [right]), ([left, second], None)):
        codes_left, codes_right = key_codes(parts_left, parts_right)
        codes_right = codes_right if parts_right is not None else None
        i, j = block_pairs(codes_left, codes_right)
        expected = _brute_force(codes_left, codes_right)
        assert sorted(zip(i.tolist(), j.tolist())) == sorted(expected)
        assert count_pairs(codes_left, codes_right) == len(expected)
    # a multi-part key agrees only when every part agrees (missing parts never agree)
    codes, _ = key_codes([left, second], None)
    i, j = block_pairs(codes, None)
    assert all(left[a] == left[b] and second[a] == second[b] and left[a] is not None and second[a] is not None
               for a, b in zip(i, j))


def test_size_guard_counts_the_real_pairs_and_names_the_key():
    records = pd.DataFrame({"city": ["Rome"] * 100 + ["Oslo"] * 3, "zip": [str(k) for k in range(103)]},
                           index=[f"r{k}" for k in range(103)])
    # 100·99/2 + 3 = 4,953 pairs: the limit 4,953 passes, 4,952 refuses (the old guard counted 100² + 9)
    assert len(candidate_pairs(records, blocking=[["city"]], max_pairs_per_key=4953)) == 4953
    with pytest.raises(ValueError, match=r"city would make 4,953 candidate pairs, more than the limit of 4,952 per "
                                         r"key; its largest block \('rome'\) alone holds 100 records"):
        candidate_pairs(records, blocking=[["zip"], ["city"]], max_pairs_per_key=4952)
    with pytest.raises(ValueError, match="max_pairs_per_key"):
        candidate_pairs(records, blocking=[["city"]], max_pairs_per_key=0)
    linked = records.rename(index=lambda k: "b" + k)
    with pytest.raises(ValueError, match="would make 10,009 candidate pairs"):  # 100·100 + 3·3 when linking
        candidate_pairs(records, linked, blocking=[["city"]], max_pairs_per_key=10_000)


def test_blocking_summary_union_and_completeness_agree_with_the_pairs():
    data = load_dataset("febrl4")
    summary = blocking_summary(data.records, data.records_b, blocking=FEBRL_BLOCKING, kinds=FEBRL_FIELDS,
                               true_links=data.true_links)
    pairs = candidate_pairs(data.records, data.records_b, blocking=FEBRL_BLOCKING, kinds=FEBRL_FIELDS)
    assert summary.loc["any key (union)", "pairs"] == len(pairs)
    found = pairs.merge(data.true_links, left_on=["id_1", "id_2"], right_on=["rec_id_1", "rec_id_2"])
    assert summary.loc["any key (union)", "pairs_completeness"] == len(found) / len(data.true_links)
    assert summary["pairs"].iloc[:-1].sum() >= len(pairs)


def test_scoring_in_chunks_gives_the_same_levels(monkeypatch):
    from idic_lab.identify import _engine

    left, right, fields, _ = _case("synthetic")
    frame = pd.DataFrame({"id_1": left.index[FROZEN["synthetic/random/i"]], "id_2": left.index[FROZEN["synthetic/random/j"]]})
    monkeypatch.setattr(_engine, "_CHUNK", 997)  # 20 chunks, the last one partial
    levels = compare_pairs(left, right, frame, fields=fields)[list(fields)].to_numpy()
    np.testing.assert_array_equal(levels, _frozen_levels_now(FROZEN["synthetic/random/levels"], left, left, frame, fields))


def _levels_of(kind, pairs):
    left = pd.DataFrame({"v": [a for a, _ in pairs]}, index=[f"a{i}" for i in range(len(pairs))])
    right = pd.DataFrame({"v": [b for _, b in pairs]}, index=[f"b{i}" for i in range(len(pairs))])
    frame = pd.DataFrame({"id_1": left.index, "id_2": right.index})
    return compare_pairs(left, right, frame, fields={"v": kind})["v"].tolist()


def test_address_levels_see_street_types_as_one_spelling_and_another_number_as_another_house():
    levels = _levels_of("address", [
        ("136 Forest Avenue, Fairhaven", "136 Forest Ave. Fairhaven"),  # one address, two spellings
        ("136 Forest Avenue, Fairhaven", "136 Forets Avenue, Fairhaven"),  # a typo
        ("136 Forest Avenue, Fairhaven", "137 Forest Avenue, Fairhaven"),  # the neighbours
        ("136 Forest Avenue, Fairhaven", "12 Harbour Lane, Riverton"),
    ])
    assert levels == [3, 2, 1, 0]
    # as a plain string the neighbours would be "close", the second spelling only close too
    assert _levels_of("string", [("136 Forest Avenue, Fairhaven", "137 Forest Avenue, Fairhaven"),
                                 ("136 Forest Avenue, Fairhaven", "136 Forest Ave. Fairhaven")]) == [2, 2]


def test_email_levels_tell_a_typo_from_a_namesakes_numbered_mailbox():
    levels = _levels_of("email", [
        ("anna.wilson80@outlook.com", "anna.wiloon80@outlook.com"),  # a typo: one person
        ("anna.wilson80@outlook.com", "anna.wilson81@outlook.com"),  # two mailboxes: namesakes
        ("anna.wilson@web.de", "anna.wilson@yahoo.com"),  # the same name at two providers
        ("anna.wilson80@web.de", "anna.wilson@yahoo.com"),
    ])
    assert levels == [2, 0, 1, 0]
