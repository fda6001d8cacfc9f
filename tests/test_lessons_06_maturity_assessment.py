"""What the text of 06_maturity_assessment says about its default output (the fictional example), checked."""

from __future__ import annotations

import pytest

from idic_lab.frameworks import CAPABILITIES, load_model, load_questionnaire, maturity_level

pytestmark = pytest.mark.notebook

STEM = "06_maturity_assessment"


@pytest.fixture(scope="module")
def results(default_run):
    run = default_run(STEM)
    assert run.ok, run.error
    return run.results


def test_the_questionnaire(results):
    assert results["assessment.n_items"] == 60 == results["assessment.n_answers"], "'60 items' (What we did)"
    questionnaire = load_questionnaire()
    per_area = questionnaire.groupby("area").size()
    assert set(per_area.index) == set(CAPABILITIES), "one area per capability of the shared list"
    assert per_area.idxmax() == "customer insight and analytics"
    first_models = {key.split(":")[0] for key in questionnaire["components"].iloc[0]}
    assert len(first_models) == 4, "the first item evidences components of four models"
    assert "strategy" in questionnaire["question"].iloc[0]


def test_level_bands():
    assert maturity_level(2.5) == 2 and maturity_level(3.5) == 4


def test_one_respondent(results):
    assert results["assessment.respondents"] == 1


def test_every_model_tells_the_same_story(results):
    gap, level = results["assessment.model_gap"], results["assessment.model_level"]
    assert min(gap.values()) > 1, "intention more than one point above reality in every model"
    assert set(level.values()) == {2}, "every model at level 2"
    assert max(gap, key=gap.get) == "Payne & Frow"
    assert [m for m in level] == [load_model(i).short_name for i in ("idic", "qci", "buttle", "payne_frow",
                                                                       "gartner", "icrm")]


def test_capabilities(results):
    reality, gap = results["assessment.capability_reality"], results["assessment.capability_gap"]
    intention = results["assessment.capability_intention"]
    assert all(maturity_level(v) == 2 for v in reality.values()), "every capability at level 2"
    assert min(reality, key=reality.get) == "measurement"
    assert max(gap, key=gap.get) == "lifecycle and retention"
    assert max(intention, key=intention.get) == "data and technology"
    assert max(reality, key=reality.get) == "data and technology"
    assert sorted(gap, key=gap.get, reverse=True).index("data and technology") <= 2, "among the widest gaps"


def test_gap_ranking(results):
    assert results["assessment.top_gaps"][0] == "LC02", "predicting churn comes first"
    assert results["assessment.top_gaps_with_lab"] == len(results["assessment.top_gaps"]) == 10


def test_evidence(results):
    facts = results["assessment.facts"]
    assert facts["data_completeness"] < 0.75, "the customer records are far from complete"
    assert facts["campaign_control_group"] is False
    assert results["assessment.evidence_disagreements"] == results["assessment.evidence_higher"] == 3
    assert results["assessment.evidence_lower"] == 0


def test_printed_disagreements_are_the_recorded_ones(default_run, results):
    import nbformat

    printed = "".join(o.get("text", "") for c in nbformat.read(default_run(STEM).executed, as_version=4).cells
                      for o in c.get("outputs", []))
    assert f"self-scores checked against data, {results['assessment.evidence_disagreements']} disagree" in printed
    assert "ID03 (data_completeness), DT04 (data_completeness), ME01 (campaign_control_group)" in str(
        results.get("report.problems"))
