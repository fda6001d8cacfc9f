"""What notebook 01's text says about its default output, checked on the recorded results of the default run.

Each test names the cell whose sentence it guards; a change to the synthetic world or the method that
breaks a lesson fails here.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.notebook

STEM = "01_identify"
SOURCES = ("purchased_list", "store", "web_signup")


@pytest.fixture(scope="module")
def results(default_run):
    run = default_run(STEM)
    assert run.ok, run.error
    return run.results


def _top_level(weights: dict) -> dict[str, float]:
    """Each field's highest agreement level (exact agreement) and its weight in bits."""
    return {field: levels[max(levels, key=int)] for field, levels in weights.items()}


def test_the_purchased_list_is_the_worst_source_on_all_three_counts(results):
    # §7 "What happened": least complete, most duplicated, least revenue per customer acquired.
    sources = results["identify.sources"]
    assert sources["worst"] == {"completeness": "purchased_list", "duplicate_rate": "purchased_list",
                                "revenue_per_customer_acquired": "purchased_list"}
    for column in ("completeness", "duplicate_rate", "revenue_per_customer_acquired"):
        assert set(sources[column]) == set(SOURCES)
    # measurably worse, not by a hair
    others = [s for s in SOURCES if s != "purchased_list"]
    assert sources["completeness"]["purchased_list"] < min(sources["completeness"][s] for s in others) - 0.05
    assert sources["duplicate_rate"]["purchased_list"] > max(sources["duplicate_rate"][s] for s in others) + 0.03
    value = sources["revenue_per_customer_acquired"]
    assert value["purchased_list"] < 0.5 * min(value[s] for s in others)
    # "partly because most listed records never buy at all"
    assert sources["buyer_share"]["purchased_list"] < 0.5


def test_synthetic_weights_disagreement_counts_against_and_some_agreement_for(results):
    # §4 teaching note after the weights table.
    for field, levels in results["identify.weight_bits"].items():
        assert levels["0"] < 0, field
        assert max(levels.values()) > 0, field


def test_exact_name_agreement_is_weak_evidence_in_the_synthetic_world(results):
    # §4 teaching note: the name's top level has the smallest weight, under 2 bits.
    top = _top_level(results["identify.weight_bits"])
    assert min(top, key=top.get) == "name"
    assert top["name"] < 2.0


def test_synthetic_matching_errs_on_the_side_of_precision(results):
    # §4 "Reading it" after the scores: precision high, recall lower.
    scores = results["identify.synthetic"]
    assert scores["precision"] >= 0.95
    assert scores["recall"] < scores["precision"] - 0.05


def test_febrl_precision_and_recall_are_close_to_one(results):
    # §4 FEBRL "Reading it": nearly every true link found, (almost) no false ones.
    for name in ("febrl4", "febrl3"):
        assert results[f"identify.{name}.precision"] >= 0.999
        assert results[f"identify.{name}.recall"] >= 0.99


def test_febrl_blocking_compares_well_under_one_percent_of_all_pairs(results):
    assert results["identify.febrl4.reduction_ratio"] > 0.99


def test_postcode_agreement_is_almost_worthless_among_the_febrl4_candidates(results):
    # §4 "What happened" after the FEBRL4 weights table (the predict-before-you-run prompt).
    top = _top_level(results["identify.febrl4.weight_bits"])
    assert min(top, key=top.get) == "postcode"
    assert top["postcode"] < 1.0
    ranked = sorted(top, key=top.get, reverse=True)
    assert ranked[0] == "soc_sec_id" and ranked[1].startswith("address")


def test_precision_recall_dots_sit_in_the_corner_and_lower_thresholds_add_little(results):
    # §4 "Reading it" after the zoomed precision-recall plot.
    for name in ("febrl4", "febrl3"):
        chosen, best = results[f"identify.{name}.recall"], results[f"identify.{name}.max_recall"]
        assert results[f"identify.{name}.precision"] >= 0.999 and chosen >= 0.99  # inside the zoom, top right
        assert 0 <= best - chosen < 0.002
    assert results["identify.febrl3.recall"] < results["identify.febrl4.recall"]


def test_merging_duplicates_raises_repeat_share_and_clv(results):
    # §6 teaching note: fewer customers after merging, a larger repeat share, a higher simple CLV.
    assert results["identify.n_customers"] < results["identify.customers_before"]
    assert results["identify.repeat_share_change"] > 0
    assert results["identify.clv_per_customer_change"] > 0


def test_printed_duplicate_rate_is_the_recorded_one(default_run, results):
    import nbformat

    nb = nbformat.read(default_run(STEM).executed, as_version=4)
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert f"duplicate rate {results['identify.duplicate_rate']:.1%}" in printed


def test_name_key_alone_grows_with_the_square_and_the_default_keys_do_not(results):
    # §4 "What changes at scale", reading of the pair counts by size.
    growth = results["identify.scale.pair_growth"]
    assert growth["name skeleton alone"] > 1.7
    assert growth["any default key (union)"] < 1.5
    assert max(g for key, g in growth.items() if key != "name skeleton alone") < 1.7


def test_collapsed_em_is_refused_and_random_pairs_find_every_duplicate(results):
    # §4 "What changes at scale", reading of the shared-mailbox demonstration.
    demo = results["identify.scale.demo"]
    assert demo["em_refused"] is True
    assert demo["precision"] == 1.0 and demo["recall"] == 1.0


def test_scaling_table_precision_stays_high_while_recall_falls():
    # §4 "What changes at scale", reading of the table measured by benchmarks/bench_identify.py.
    from importlib.resources import files

    import pandas as pd

    table = pd.read_csv(files("idic_lab") / "data" / "identify_scaling.csv").sort_values("records")
    measured = table[table["error"].isna()]
    assert len(measured) >= 2 and len(measured) == len(table)  # every size measured, none refused
    assert measured["records"].max() >= 900_000  # up to a million records
    assert (measured["precision"] > 0.98).all()
    assert measured["recall"].is_monotonic_decreasing
    # "About one duplicate pair in six shares nothing but a name"
    assert ((1 - measured["reachable_recall"]).between(0.12, 0.2)).all()
    # "within 0.07 of the reachable recall at every size"
    gap = measured["reachable_recall"] - measured["recall"]
    assert (gap.abs() <= 0.07).all(), gap.tolist()
    expected_f1 = 2 * measured["reachable_recall"] / (1 + measured["reachable_recall"])
    assert (expected_f1 - measured["reachable_f1"]).abs().max() < 1e-4


def test_most_candidate_pairs_are_duplicates_on_the_right_and_strangers_on_the_left(results):
    # §4 "Reading it" under the match-weight histogram.
    piles = results["identify.weight_piles"]
    assert piles["share_above_threshold"] > 0.5  # "in the default world most candidate pairs are duplicates"
    assert results["identify.linked_pair_share"] == pytest.approx(piles["share_above_threshold"], abs=1e-4)
    assert piles["median_true"] > 5  # "far above the dashed threshold"
    assert piles["median_false"] < -5  # "strongly negative weights"
