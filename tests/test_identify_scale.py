"""Issue 13: identity resolution that stays right as the records grow, or says plainly that it is not.

The unit tests stay small (a few seconds); the sizes themselves (5k to 1M records) are measured by
``benchmarks/bench_identify.py --sizes ...``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import idic_lab.identify._estimate as estimate
from idic_lab.diagnostics import IdicLabWarning
from idic_lab.identify import (
    CUSTOMER_BLOCKING,
    CUSTOMER_FIELDS,
    candidate_pairs,
    evaluate_links,
    link_records,
    resolve_customers,
    shared_mailbox_records,
    truth_links_from_identity,
)
from idic_lab.synth import make_crm_world


def _shared_mailboxes() -> tuple[pd.DataFrame, set[tuple[str, str]]]:
    """100 families of 8 people sharing a mailbox and 300 duplicated persons: 2,800 family pairs, 300 duplicates."""
    records, links = shared_mailbox_records(n_families=100, family_size=8, n_duplicated=300)
    return records, set(map(tuple, links.to_numpy().tolist()))


def test_a_collapsed_em_fit_is_refused_and_the_random_pair_fit_recovers(monkeypatch):
    monkeypatch.setattr(estimate, "RANDOM_PAIRS", 20_000)  # fewer random pairs: a fast test
    records, duplicates = _shared_mailboxes()
    fields = {"name": "name", "email": "email", "phone": "phone"}
    with pytest.warns(IdicLabWarning, match="agreement counts against a match"), pytest.raises(
        ValueError, match=r"refused: the fitted model has collapsed.*exact agreement counts against a match on "
                          r"email \(-\d+\.\d bits\).*estimation='random_pairs'"):
        link_records(records, fields=fields, blocking=[["email"], ["phone"]], estimation="em")
    result = link_records(records, fields=fields, blocking=[["email"], ["phone"]], estimation="random_pairs")
    found = set(map(tuple, result.links[["id_1", "id_2"]].to_numpy().tolist()))
    assert found == duplicates  # every duplicate, and no two family members
    assert result.model.estimation_ == "random pairs" and result.doubts == ()


def test_em_stopped_at_its_iteration_cap_is_said_plainly():
    records, _ = _shared_mailboxes()
    from idic_lab.identify import FellegiSunter

    with pytest.warns(IdicLabWarning) as caught, pytest.raises(ValueError, match="refused: the fitted model has collapsed"):
        link_records(records, fields={"name": "name", "email": "email", "phone": "phone"},
                     blocking=[["email"], ["phone"]], model=FellegiSunter(max_iter=2))
    assert any("EM did not converge in max_iter=2" in str(w.message) for w in caught)


def test_random_pair_estimation_at_moderate_size(monkeypatch):
    monkeypatch.setattr(estimate, "RANDOM_PAIRS", 30_000)  # fewer random pairs: a fast test
    world = make_crm_world(n_customers=2000, seed=3)
    truth = truth_links_from_identity(world.truth.identity)
    robust = resolve_customers(world.customers, estimation="random_pairs")
    em = resolve_customers(world.customers, estimation="em")
    scores = {name: evaluate_links(r.linkage.links, truth, task="deduplicate") for name, r in
              (("random pairs", robust), ("em", em))}
    assert scores["random pairs"]["precision"] >= 0.99, scores
    assert scores["random pairs"]["f1"] >= scores["em"]["f1"] - 0.03, scores
    model = robust.linkage.model
    # the prior is the chance that two random records match: about duplicates / all pairs
    n = len(world.customers)
    assert model.prior_share_ == pytest.approx(len(truth) / (n * (n - 1) / 2), rel=0.5)
    weights = model.weights_table().groupby("field", sort=False)["weight_bits"]
    # agreement for, disagreement against (e-mail disagreement also holds a typo in a mailbox number: -5 bits)
    assert (weights.last() > 5).all() and (weights.first() < -4).all()


def test_default_blocking_pairs_grow_near_linearly():
    small, large = (make_crm_world(n_customers=n, seed=0).customers.set_index("customer_id") for n in (400, 1600))
    pairs = [len(candidate_pairs(c, blocking=CUSTOMER_BLOCKING, kinds=CUSTOMER_FIELDS)) for c in (small, large)]
    growth = np.log(pairs[1] / pairs[0]) / np.log(len(large) / len(small))
    assert growth < 1.4, (pairs, growth)  # the old name-skeleton key grew as records^1.98


def test_term_frequency_bits_favour_rare_names():
    frequencies = pd.Series({"nmsk": 0.01, "rr": 0.0001})
    bits = estimate.term_frequency_bits(np.array(["nmsk", "rr", "rr", None], dtype=object),
                                        np.array(["nmsk", "rr", "nmsk", "rr"], dtype=object),
                                        frequencies, 0.001, np.array([True, True, True, True]))
    assert bits[0] == pytest.approx(np.log2(0.001 / 0.01))  # a common name: less than the average
    assert bits[1] == pytest.approx(np.log2(0.001 / 0.0001))  # a rare name: more
    assert bits[2] == pytest.approx(bits[0])  # variants: the commoner of the two
    assert bits[3] == pytest.approx(bits[1])


def test_estimation_is_checked():
    records, _ = _shared_mailboxes()
    with pytest.raises(ValueError, match=r"estimation must be 'auto', 'em' or 'random_pairs', got 'splink'"):
        link_records(records, fields={"name": "name"}, blocking=[["email"]], estimation="splink")


def test_shared_mailbox_records_refuses_bad_sizes():
    records, links = shared_mailbox_records(n_families=2, family_size=3, n_duplicated=4)
    assert len(records) == 2 * 3 + 2 * 4 and len(links) == 4
    assert records.loc[links["rec_id_1"], "phone"].tolist() == records.loc[links["rec_id_2"], "phone"].tolist()
    with pytest.raises(ValueError, match="family_size must be a whole number >= 2, found 1"):
        shared_mailbox_records(family_size=1)


def test_a_training_block_of_mostly_strangers_does_not_leak_into_m(monkeypatch):
    # At a million records a birth date is shared by thousands: the candidate pairs agreeing on it are
    # mostly strangers that blocking paired for a second reason (the same initial), with names "somewhat"
    # alike more often than random pairs. Its EM then takes some strangers for duplicates.
    fields = {"name": "name", "phone": "phone", "email": "email", "birth_date": "date"}
    patterns = np.array([
        [3, 2, 3, 3], [3, 2, 0, 3], [2, 2, 3, -1], [3, 2, -1, -1],  # duplicates sharing a phone
        [3, -1, 3, 3], [2, -1, 2, 3],  # duplicates sharing a birth date
        [1, 0, 0, 3], [0, 0, 0, 3], [0, -1, 0, 3], [1, -1, -1, 3], [0, -1, -1, 3],  # strangers, same birth date
    ])
    counts = np.array([300, 6, 100, 200, 120, 30, 3000, 2000, 1500, 800, 2500], dtype=float)
    u = [np.array([0.97, 0.02, 0.007, 0.003]), np.array([0.99998, 1.5e-5, 5e-6]),
         np.array([0.9998, 1e-4, 5e-5, 5e-5]), np.array([0.98, 0.015, 0.0015, 0.0005])]
    start = [np.r_[np.full(n - 1, 0.1 / (n - 1)), 0.9] for n in (4, 3, 4, 4)]
    in_date_block = patterns[:, 3] == 3
    _, matches, _ = estimate.m_in_block(patterns[in_date_block], counts[in_date_block], 3, start, u)
    assert 150 < matches < 0.5 * counts[in_date_block].sum()  # more than the 150 duplicates: strangers taken in
    m, converged = estimate.m_from_training_blocks(patterns, counts, fields, u)
    assert converged and m[0][1] < 0.02  # "somewhat" alike names stay rare among duplicates
    monkeypatch.setattr(estimate, "_MIN_MATCH_SHARE", 0.0)  # without the guard the strangers leak in
    leaked, _ = estimate.m_from_training_blocks(patterns, counts, fields, u)
    assert leaked[0][1] > 0.1
