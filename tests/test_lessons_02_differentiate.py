"""What notebook 02 (Differentiate) says about its default output, checked on the recorded results.

Each test names the text it checks (the start of a markdown cell) and asserts
the claim on the figures the default run recorded. A change to the data, the
methods or the defaults that breaks a lesson fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from idic_lab import differentiate as dif

pytestmark = pytest.mark.notebook

NOTEBOOK = Path(__file__).parents[1] / "notebooks" / "02_differentiate.ipynb"
PUBLISHED = {  # Fader, Hardie & Lee (2005); Fader & Hardie (2013): the CDNOW sample in weeks
    "bg_nbd": {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426},
    "pareto_nbd": {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669},
    "gamma_gamma": {"p": 6.25, "q": 3.74, "v": 15.44},
}


@pytest.fixture(scope="module")
def run(default_run):
    run = default_run("02_differentiate")
    assert run.ok, run.error
    return run


@pytest.fixture(scope="module")
def results(run) -> dict:
    return run.results


def _markdown(start: str) -> str:
    """The one markdown cell starting with ``start``, on one line (a claim may wrap in the cell)."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    found = [c.source for c in notebook.cells if c.cell_type == "markdown" and c.source.startswith(start)]
    assert len(found) == 1, start
    return " ".join(found[0].split())


def _printed(run) -> str:
    notebook = nbformat.read(run.executed, as_version=4)
    return "\n".join(o.get("text", "") if isinstance(o.get("text", ""), str) else "".join(o["text"])
                     for c in notebook.cells for o in c.get("outputs", []) if o.get("output_type") == "stream")


def test_the_data_line_quotes_the_recorded_counts(run, results):
    printed = _printed(run)
    data = results["report.data.transactions"]
    assert f"{data['rows']:,} purchases by {results['differentiate.n_customers']:,} customers" in printed
    assert "calibration to 1997-09-30, observation to 1998-06-30" in printed


def test_most_customers_never_came_back(results):
    text = _markdown("**Reading it.** In the CDNOW sample most customers never came back")
    assert "the median frequency is 0" in text and results["differentiate.summary.median_frequency"] == 0
    assert "more than half of the customers made a single purchase occasion" in text
    assert results["differentiate.summary.share_one_time"] > 0.5
    assert "the monetary value is 0 too" in text and results["differentiate.summary.one_time_monetary_max"] == 0


def test_top20_against_the_pareto_rule(run, results):
    text = _markdown("**Reading it.** In the CDNOW sample the top 20 %")
    top20 = results["differentiate.top20_share"]
    assert "**less** than the 80 %" in text and top20 < 0.8, "the cross lies above the curve"
    assert results["differentiate.top20_vs_pareto_rule"] == "less"
    assert "about two thirds" in text and 0.6 < top20 < 0.72
    assert "more than twice the spend of the other four together" in text
    assert results["differentiate.top20_to_rest"] > 2
    assert "Gini above 0.6" in text and results["differentiate.gini"] > 0.6
    assert f"bring {top20:.1%} of the spend, less than the 80 %" in _printed(run)


def test_the_cdnow_sample_is_a_cohort_and_few_came_back(results):
    text = _markdown("The CDNOW sample is a cohort")
    split = results["differentiate.split"]
    assert "nobody is first seen in the holdout" in text
    assert split["new customers first seen in holdout (not modelled)"] == 0
    from idic_lab.datasets import load_dataset

    first = load_dataset("cdnow_sample").groupby("customer_id")["date"].min()
    assert first.max() <= __import__("pandas").Timestamp("1997-03-31"), "first purchases in the first quarter of 1997"
    assert "Fewer than half of the customers bought again within the calibration period" in text
    assert split["repeat buyers in calibration"] < split["customers in calibration"] / 2
    assert "fewer still bought in the holdout" in text
    assert split["calibration customers buying in holdout"] < split["repeat buyers in calibration"]


def test_the_models_reproduce_the_published_fit(results):
    text = _markdown("On the CDNOW sample every model passes its checks")
    assert all(results["differentiate.models_usable"].values())
    assert "agree with the published values above to the second decimal" in text
    for model, params in PUBLISHED.items():
        for name, value in params.items():
            assert abs(results[f"differentiate.{model}.{name}"] - value) < 0.005, (model, name)
    assert "weak (below 0.3)" in text and abs(results["differentiate.gamma_gamma.correlation"]) < 0.3
    published = _markdown("The models are fitted on the unique")
    for params in PUBLISHED.values():
        for name, value in params.items():
            symbol = {"alpha": "α", "beta": "β"}.get(name, name)
            assert re.search(rf"{symbol} = {value}\b", published), name


def test_tracking_both_models_end_a_little_below_the_actual_line(results):
    text = _markdown("On the CDNOW sample both models follow the actual line")
    end = results["differentiate.tracking.end"]
    assert "end the holdout a little below it" in text
    for model in ("BG/NBD", "Pareto/NBD"):
        assert 0.9 * end["actual"] < end[model] < end["actual"], model
        error = results[f"differentiate.holdout.{model.lower().replace('/', '_')}.aggregate_error_pct"]
        assert "about a tenth fewer repeat purchases" in text and -15 < error < -8, model


def test_naive_overpredicts_most_for_frequent_buyers(results):
    text = _markdown("**Reading it.** The naive forecast ignores that customers drop out")
    table = results["differentiate.conditional"]
    actual, naive = table["actual"], table["naive"]
    over = {row: naive[row] - actual[row] for row in actual}
    assert "most of all for the frequent buyers" in text
    assert max(over, key=over.get) == list(actual)[-1] and over[list(actual)[-1]] > 0
    assert "Customers with no repeat purchase in calibration still buy a little in the holdout" in text
    assert actual["0"] > 0 and table["BG/NBD"]["0"] > 0 and table["Pareto/NBD"]["0"] > 0
    assert "the naive forecast (0 for them) cannot" in text and naive["0"] == 0
    assert results["differentiate.holdout.naive.mae"] > max(
        results["differentiate.holdout.bg_nbd.mae"], results["differentiate.holdout.pareto_nbd.mae"])


def test_the_top_ten_are_repeat_buyers_likely_alive(results):
    text = _markdown("In the CDNOW sample every one of the ten made repeat purchases")
    assert "mean P(alive) is above 0.9" in text and results["differentiate.clv.top10_mean_p_alive"] > 0.9
    assert results["differentiate.clv.top10_min_frequency"] >= 1


def test_pyramid(results):
    text = _markdown("**Reading it.** The pyramid ranks customers by actual value")
    assert "The top two tiers (a fifth of the customers) carry most of the actual value" in text
    customers = results["differentiate.pyramid.share_of_customers"]
    assert customers["Platinum"] + customers["Gold"] == pytest.approx(0.2, abs=0.001)
    actual = results["differentiate.pyramid.share_of_actual_value"]
    assert actual["Platinum"] + actual["Gold"] > 0.5
    potential = results["differentiate.pyramid.share_of_potential_value"]
    assert "The potential value sits lower down" in text
    assert potential["Iron"] + potential["Lead"] > actual["Iron"] + actual["Lead"]
    assert potential["Iron"] + potential["Lead"] > 0.5


def test_value_groups(results):
    text = _markdown("**Reading it.** In the default run the most valuable")
    actual = results["differentiate.value_groups.share_of_actual_value"]
    potential = results["differentiate.value_groups.share_of_potential_value"]
    customers = results["differentiate.value_groups.customers"]
    assert "about four fifths of the actual value" in text and 0.75 <= actual["most valuable"] <= 0.85
    assert "most growable customers hold more of the potential value" in text
    assert potential["most growable"] > potential["most valuable"]
    assert customers["most valuable"] == round(0.2 * sum(customers.values()))
    assert "no below-zero group" in text and "below zero" not in customers
    cost = _markdown("**Reading it.** With that cost more than half of the customers fall below zero")
    with_cost = results["differentiate.value_groups.customers_with_cost"]
    assert with_cost["below zero"] > sum(with_cost.values()) / 2
    assert "mostly one-time buyers" in cost and results["differentiate.value_groups.below_zero_one_time_share"] > 0.5


def test_needs_segments_found_again(results):
    assert "k-means chooses k = 4" in _markdown("On the synthetic world k-means chooses")
    assert results["differentiate.needs.k"] == 4
    from idic_lab.synth import SEGMENTS

    assert len(SEGMENTS) == 4, "the number of needs segments planted"
    names = set(results["differentiate.needs.segments"].values())
    assert names == {"fashion / app", "electronics / web", "home / store", "sports / store"}
    baskets = results["differentiate.needs.items_per_order"]
    assert "sports goods in the store with the largest baskets" in _markdown("On the synthetic world the four segments")
    assert max(baskets, key=baskets.get) == "sports / store"
    text = _markdown("On the synthetic world the segments are stable")
    assert "stable (mean ARI above 0.9)" in text and results["differentiate.needs.stability_ari_mean"] > 0.9
    assert "agree closely with the planted ones (ARI above 0.8)" in text and results["differentiate.needs.ari"] > 0.8


def test_needs_change_the_strategy_within_a_tier(results):
    """Issue 10, item 1: the value x needs table differs between segments, for the reasons the text gives."""
    table = results["differentiate.strategy.table"]
    assert any(len(set(row.values())) > 1 for row in table.values()), "at least two segments differ in one tier"
    text = _markdown("**What happened to your prediction.**")
    assert "The two customers do not get the same strategy" in text
    assert "In the Iron tier the electronics / web cell is grown and the fashion / app cell is maintained" in text
    assert table["Iron"]["electronics / web"] == "grow" and table["Iron"]["fashion / app"] == "maintain"
    assert "in the Lead tier electronics / web is grown while the other segments are served at lower cost" in text
    assert table["Lead"]["electronics / web"] == "grow"
    assert all(s == "reduce cost to serve" for seg, s in table["Lead"].items() if seg != "electronics / web")
    assert "the top two tiers are retained in every segment" in text
    assert set(table["Platinum"].values()) == set(table["Gold"].values()) == {"retain"}
    # why: same value today, fewer purchases, more spend per purchase, hence more development potential
    value = results["differentiate.strategy.future_value_per_customer"]["Iron"]
    assert abs(value["electronics / web"] - value["fashion / app"]) < 0.2 * value["fashion / app"], "worth about the same"
    spend = results["differentiate.strategy.spend_per_purchase"]
    purchases = results["differentiate.strategy.purchases_per_customer"]
    development = results["differentiate.strategy.development_per_customer"]
    tier = results["differentiate.strategy.tier_development_per_customer"]
    assert "In the Iron tier electronics / web customers buy less often than fashion / app customers" in text
    assert purchases["Iron"]["electronics / web"] < purchases["Iron"]["fashion / app"]
    assert "in both tiers they spend more per purchase" in text
    for row in ("Iron", "Lead"):
        assert spend[row]["electronics / web"] > spend[row]["fashion / app"], row
        assert development[row]["electronics / web"] > (1 + dif.GROW_MARGIN) * tier[row]["electronics / web"], row
        assert development[row]["fashion / app"] <= (1 + dif.GROW_MARGIN) * tier[row]["fashion / app"], row
    rule = _markdown("## 10. Value × needs")
    assert "more than 10 % above its tier's average" in rule and dif.GROW_MARGIN == 0.1
    assert "the median of the top two tiers" in rule


def test_segments_differ_in_value_per_customer(results):
    text = _markdown("**What happened to your prediction.**")
    per_customer = results["differentiate.strategy.segment_future_value_per_customer"]
    assert "the home / store and electronics / web segments hold the most actual value per customer" in text
    top_two = sorted(per_customer, key=per_customer.get, reverse=True)[:2]
    assert set(top_two) == {"home / store", "electronics / web"}
