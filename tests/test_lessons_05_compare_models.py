"""What the text of 05_compare_models says about its default output, checked on the default run."""

from __future__ import annotations

import pytest

from idic_lab.frameworks import CAPABILITIES

pytestmark = pytest.mark.notebook

STEM = "05_compare_models"


@pytest.fixture(scope="module")
def results(default_run):
    run = default_run(STEM)
    assert run.ok, run.error
    return run.results


def test_the_models_are_built_differently(results):
    kinds = results["compare.kinds"]
    assert set(kinds["Gartner"]) == {"area"}, "Gartner lists only areas"
    assert set(kinds["QCi"]) == {"area", "activity"}, "QCi: areas with activities under one of them"
    for model in ("IDIC", "Buttle"):
        assert {"stage", "supporting condition"} <= set(kinds[model]), f"{model}: stages on supporting conditions"
    activities = {m: k.get("activity", 0) for m, k in kinds.items()}
    assert max(activities, key=activities.get) == "Payne & Frow", "Payne & Frow carries the most sub-elements"


def test_gartner_is_silent_on_customization(results):
    assert results["compare.gaps"]["Gartner"] == ["customization"]


def test_the_two_families(results):
    focus, view = results["compare.focus"], results["compare.view"]
    for model in ("IDIC", "ICRM"):
        assert (focus[model], view[model]) == ("operational", "customer"), model
    for model in ("Payne & Frow", "Gartner"):
        assert (focus[model], view[model]) == ("strategic", "organisation"), model
    for model in ("QCi", "Buttle"):
        assert focus[model] == "both" and view[model] == "both", model


def test_crosswalk_gaps(results):
    gaps = results["compare.gaps"]
    assert [m for m, g in gaps.items() if not g] == ["IDIC", "QCi", "Buttle", "Payne & Frow"], "no gap cell"
    assert max(gaps, key=lambda m: len(gaps[m])) == "ICRM", "the ICRM loop has the most gaps"
    assert {"interaction and channels", "organisation, people and culture", "data and technology"} <= set(gaps["ICRM"])
    covered = results["compare.covered_by_all"]
    assert set(covered) == {"strategy", "customer insight and analytics", "value proposition",
                            "lifecycle and retention", "measurement"}
    assert len(covered) == len(CAPABILITIES) / 2, "'half of the ten capabilities are covered by all six' (What we did)"


def test_models_listing_sub_elements_get_larger_counts(results):
    counts = results["compare.components_per_model"]
    assert sorted(counts, key=counts.get, reverse=True)[:2] in (["QCi", "Payne & Frow"], ["Payne & Frow", "QCi"])


def test_lab_map_examples(results):
    sections = results["compare.lab_sections"]
    assert {"02.pareto", "02.clv"} <= set(sections["Buttle"]["Customer portfolio analysis"])
    assert len(sections["Buttle"]["Customer portfolio analysis"]) == 3, "shown three times in the excerpt"
    assert any(s.startswith("03.retention") for s in sections["QCi"]["Win-back"])


def test_organisational_components_are_not_practised(results):
    not_practised = {c for names in results["compare.not_practised"].values() for c in names}
    for component in ("Leadership and culture", "People", "Network development", "People and organisation"):
        assert component in not_practised, component
    sections = results["compare.lab_sections"]
    for model, component in (("IDIC", "Identify"), ("IDIC", "Differentiate by value"),
                             ("IDIC", "Differentiate by needs"), ("Buttle", "Managing the customer lifecycle")):
        assert sections[model][component], f"{model} {component} is practised"


def test_negative_rules_mostly_idic(results):
    negative = results["compare.negative_rules"]
    assert {"goal=acquisition: idic", "contact_frequency=low: idic", "data_maturity=low: idic"} <= set(negative)
    owners = [rule.split(": ")[1] for rule in negative]
    assert max(set(owners), key=owners.count) == "idic"


def test_default_profile_ranking(results):
    scores = results["compare.profile_ranking"]
    ranked = list(scores)
    assert results["compare.profile_first"] == "QCi"
    assert scores["QCi"] == scores["ICRM"] == max(scores.values()), "QCi and ICRM share the top score"
    assert ranked.index("IDIC") >= len(ranked) / 2, "IDIC in the lower half"
    assert scores["Gartner"] == 0 and scores["IDIC"] == 0


def test_three_contrasting_businesses(results):
    three = results["compare.three_profiles"]
    firsts = {name.split(" (")[0]: ranking[0] for name, ranking in three.items()}
    assert firsts == {"engineering supplier": "IDIC", "insurer": "ICRM", "start-up shop": "QCi"}
    insurer = next(r for n, r in three.items() if n.startswith("insurer"))
    shop = next(r for n, r in three.items() if n.startswith("start-up"))
    assert insurer.index("IDIC") >= 3, "IDIC near the bottom for the insurer"
    assert shop[-1] == "IDIC", "IDIC last for the start-up shop"


def test_idic_versus_qci(results):
    covered = results["compare.capabilities_covered"]
    assert covered["QCi"] == covered["IDIC"] == len(CAPABILITIES), "both cover every capability"
    counts = results["compare.components_per_model"]
    assert counts["QCi"] >= 1.7 * counts["IDIC"], "nearly twice as many components"


def test_no_share_of_made_up_profiles_is_quoted(default_run, results):
    import nbformat

    assert not {"idic_first_share", "idic_last_share", "idic_above_qci_share", "mean_rank_by_goal"} & {
        k.removeprefix("compare.") for k in results}
    nb = nbformat.read(default_run(STEM).executed, as_version=4)
    text = "".join(c.source for c in nb.cells) + "".join(o.get("text", "") for c in nb.cells
                                                        for o in c.get("outputs", []))
    assert "of the profiles" not in text and "business profiles" not in text
    assert "rank_grid" not in text


def test_idic_loses_points_where_its_assumptions_fail(results):
    negative = results["compare.negative_rules"]
    assert {"contact_frequency=low: idic", "data_maturity=low: idic"} <= set(negative)


def test_readiness_of_the_teaching_data(results):
    shop, cdnow = results["compare.readiness"]["synthetic shop"], results["compare.readiness"]["CDNOW"]
    assert shop["quadrant"] == "differ in value and needs"
    assert shop["top_share"] > 0.5, "the top fifth bring well over half of the spend"
    assert shop["needs_between"] > 0.5, "more than half of the needs variance lies between segments"
    assert cdnow["value_level"] == "high" and cdnow["needs_level"] == "not measured" and cdnow["quadrant"] == ""
    assert cdnow["top_share"] > shop["top_share"], "CDNOW's value is concentrated even more"


def test_timeline(results):
    t = results["compare.timeline"]
    first = dict(zip(t["model"], t["first_published"]))
    described = dict(zip(t["model"], t["version_described"]))
    assert t["model"][0] == "IDIC" and first["IDIC"] == 1999, "IDIC is the oldest"
    assert (first["Buttle"], described["Buttle"]) == (2000, 2009)
    assert (first["Gartner"], first["QCi"], first["Payne & Frow"], first["ICRM"]) == (2001, 2003, 2005, 2005)
    assert max(described.values()) - min(first.values()) <= 10, "within about ten years"


def test_strategy_matrix_placement(results):
    position = results["compare.strategy_matrix"]
    assert position["quadrant"] == "individualised CRM"
    for axis in ("information", "individualisation"):
        assert 0.5 <= position[axis] < 0.65, f"{axis}: somewhat more than half, only just above the line"
