"""What the text of notebook 03 (Interact) says about its default output, asserted on the recorded results."""

from __future__ import annotations

import pandas as pd
import pytest

pytestmark = pytest.mark.notebook

STEM = "03_interact"


@pytest.fixture(scope="module")
def results(default_run):
    run = default_run(STEM)
    assert run.ok, run.error
    return run.results


def _series(value) -> pd.Series:
    return value if isinstance(value, pd.Series) else pd.Series(value)


def test_the_call_centre_carries_most_cost_with_few_contacts_and_sms_is_a_channel(results):
    table = pd.DataFrame(results["interact.channels.table"])
    assert {"sms", "call_centre", "email"} <= set(table.index)
    assert results["interact.channels.dearest_channel"] == "call_centre"
    assert table.loc["call_centre", "share_of_cost"] > 0.5, "well over half of the contact cost"
    assert 0.1 < table.loc["call_centre", "share_of_contacts"] < 0.2, "about an eighth of the contacts"
    assert table.loc["email", "share_of_contacts"] == table["share_of_contacts"].max(), "e-mail is the most used"
    assert table.loc[["email", "sms"], "share_of_cost"].sum() < 0.05, "e-mail and SMS cost almost nothing"


def test_cost_to_serve_weighs_most_on_the_lowest_tier(results):
    ratio = _series(results["interact.channels.cost_to_value_by_tier"])
    assert ratio.iloc[-1] > 2 * ratio.iloc[0], ratio  # tiers run from the top down


def test_the_campaign_raised_response_and_the_planted_mean_lies_inside_the_interval(results):
    low, high = results["interact.uplift.absolute_lift_ci"]
    assert low > 0
    assert results["interact.uplift.p_value"] < 0.001
    assert low <= results["interact.uplift.planted_mean"] <= high


def test_the_arms_intervals_do_not_overlap(results):
    intervals = pd.DataFrame(results["interact.uplift.arm_intervals"])
    assert intervals["ci_low"].max() > intervals["ci_high"].min()


def test_the_planned_test_would_be_underpowered_with_this_tests_size(results):
    planned = results["interact.uplift.planned"]
    assert results["interact.uplift.absolute_lift"] > 0.02, "its own lift was larger than the planned two points"
    assert planned["per_arm"] > planned["n_now"]
    assert planned["power_now"] < 0.8


def test_a_good_uplift_model_clearly_beats_random_targeting(results):
    study = results["interact.uplift.study"]
    qini = _series(study["qini"])
    assert study["best"] in ("two-model", "class transformation")
    assert qini["two-model"] > study["random_band"] and qini["class transformation"] > study["random_band"], \
        "both uplift models above the band random orderings of the held-out customers reach"
    assert study["best_qini"] > 2 * study["random_band"], "clearly, not just above the band"
    assert qini["response model"] == qini.min(), "the response model ranks worst of the three"
    assert study["best_qini"] < results["interact.uplift.qini_planted"], "below the planted ceiling"


def test_observed_uplift_falls_from_top_to_bottom_with_sleeping_dogs_at_the_bottom(results):
    study = results["interact.uplift.study"]
    assert study["top_decile_uplift"] > study["bottom_decile_uplift"]
    assert study["top_half_uplift"] > study["bottom_half_uplift"]
    assert study["bottom_decile_uplift"] < 0, "the last bin holds the sleeping dogs"


def test_uplift_models_track_the_planted_uplift_better_than_the_response_model(results):
    pearson = _series(results["interact.uplift.truth_pearson"])
    assert pearson["two-model"] > 0 and pearson["class transformation"] > 0
    assert pearson["response model"] < min(pearson["two-model"], pearson["class transformation"])


def test_the_best_uplift_model_stays_above_zero_in_every_split(results):
    low = _series(results["interact.uplift.qini_min_over_splits"])
    mean = _series(results["interact.uplift.qini_mean_over_splits"])
    assert low["two-model"] > 0 and low["class transformation"] > 0
    assert mean["two-model"] < mean["true uplift"] and mean["class transformation"] < mean["true uplift"]


def test_repeat_buyers_mostly_active_with_a_minority_at_risk(results):
    status = _series(results["interact.retention.status_counts"])
    repeat = status.drop("one-time buyer")
    assert repeat.idxmax() not in ("at risk", "likely lost")
    assert 0.4 < status["active"] / repeat.sum() < 0.6, "about half of the repeat buyers are active"
    assert 0 < status["at risk"] < status["likely lost"] < status["active"]


def test_p_alive_separates_alive_from_dropped_out(results):
    assert results["interact.retention.p_alive_auc"] > 0.7


def test_win_back_list_is_at_risk_and_ordered_by_value(results):
    targets = pd.DataFrame(results["interact.retention.win_back"])
    assert targets["p_alive"].between(0.2, 0.5).all()
    assert targets["total_value"].is_monotonic_decreasing


def test_nps_is_positive_and_its_interval_several_points_wide(results):
    low, high = results["interact.nps.ci"]
    assert results["interact.nps.score"] > 0 and low > 0
    assert high - low > 4
    assert results["interact.nps.n"] > 1000, "well over a thousand answers"


def test_key_drivers_quality_first_website_last_in_the_planted_order(results):
    order = results["interact.key_drivers.order"]
    assert order[0] == "product_quality" and order[-1] == "website_app"
    assert results["interact.key_drivers.matches_planted_order"] is True
