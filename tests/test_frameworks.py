"""idic_lab.frameworks: the models as data, comparison, decision guide, maturity assessment."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import yaml  # noqa: E402

from idic_lab import frameworks as fw  # noqa: E402
from idic_lab.diagnostics import IdicLabWarning  # noqa: E402
from idic_lab.plotting import (  # noqa: E402
    plot_crosswalk,
    plot_gap_ranking,
    plot_intention_reality,
    plot_maturity_radar,
    plot_model_ranking,
)
from idic_lab.schema import SchemaError  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
MODEL_DIR = ROOT / "idic_lab" / "frameworks"


# --------------------------------------------------------------------------
# The models as data
# --------------------------------------------------------------------------


@pytest.mark.parametrize("model_id", fw.MODEL_IDS)
def test_every_model_file_loads_and_every_component_maps_to_a_capability(model_id):
    model = fw.load_model(model_id)
    assert model.id == model_id
    assert model.components
    for comp in model.components:
        assert comp.capabilities and set(comp.capabilities) <= set(fw.CAPABILITIES)
        assert comp.kind in fw.KINDS
        assert comp.description and comp.source.title


def test_every_yaml_file_in_the_folder_is_a_bundled_model():
    assert sorted(p.stem for p in MODEL_DIR.glob("*.yaml")) == sorted(fw.MODEL_IDS)


def _names(model_id: str, kind: str | None = None, parent: str | None = None) -> list[str]:
    model = fw.load_model(model_id)
    return [c.id for c in model.components if (kind is None or c.kind == kind) and c.parent == parent]


def test_idic_contents():
    idic = fw.load_model("idic")
    assert _names("idic", "stage") == ["identify", "differentiate", "interact", "customize"]
    assert {c.id for c in idic.children("differentiate")} == {"differentiate_value", "differentiate_needs"}
    assert _names("idic", "supporting condition") == ["organisation", "processes", "data_information", "technology"]
    halves = list(idic.groups.values())
    assert halves == [("identify", "differentiate"), ("interact", "customize")]
    cautions = " ".join(idic.cautions).lower()
    assert "loosely defined" in cautions and "order is not fixed" in cautions


def test_qci_buttle_payne_frow_gartner_icrm_contents():
    assert _names("qci", "area") == [
        "external_environment", "analysis_planning", "proposition", "people_organisation", "information_technology",
        "process_management", "customer_management_activity", "customer_experience", "measuring_effect",
    ]
    assert _names("qci", "activity", parent="customer_management_activity") == [
        "targeting_acquisition", "enquiry_management", "welcoming", "getting_to_know", "customer_development",
        "managing_problems", "retention", "win_back",
    ]
    buttle = fw.load_model("buttle")
    assert "2nd" in buttle.edition and buttle.source.year == 2009
    assert len(buttle.of_kind("stage")) == 5 and len(buttle.of_kind("supporting condition")) == 4
    pf = fw.load_model("payne_frow")
    assert [c.id for c in pf.of_kind("stage")] == [
        "strategy_development", "value_creation", "multichannel_integration", "information_management",
        "performance_assessment",
    ]
    assert all(pf.children(c.id) for c in pf.of_kind("stage")), "every Payne & Frow process has sub-elements"
    assert "69(4)" in pf.source.published_in
    assert len(fw.load_model("gartner").components) == 8 and fw.load_model("gartner").year == 2001
    icrm = fw.load_model("icrm")
    assert [c.id for c in icrm.top_level] == ["understand", "measure", "improve", "monitor"]
    assert {c.id for c in icrm.children("improve")} == {"valuable_segments", "key_drivers"}


# --- issue 11: what a review against the public descriptions corrected ----------------


def _covers(model_id: str, capability: str) -> list[str]:
    return [c.id for c in fw.load_model(model_id).components if capability in c.capabilities]


def test_buttle_measures_in_lifecycle_management_towards_customer_profitability():
    buttle = fw.load_model("buttle")
    lifecycle = buttle.component("lifecycle_management")
    assert "measurement" in lifecycle.capabilities
    assert "customer profitability" in buttle.measures.lower()
    assert "b2b" not in buttle.fits_best.lower(), "no source supports a B2B preference"


def test_buttle_publication_history_and_strategically_significant_customers():
    buttle = fw.load_model("buttle")
    assert [s.year for s in buttle.sources.values()] == [2000, 2004, 2019, 2009]
    ssc = buttle.groups["strategically significant customers"]
    assert len(ssc) == 6 and all(buttle.component(i).parent == "portfolio_analysis" for i in ssc)
    names = " ".join(buttle.component(i).name.lower() for i in ssc)
    for kind in ("future lifetime value", "volume", "benchmark", "inspiration", "door opener", "cost magnet"):
        assert kind in names
    for i in ssc:  # each says how the lab's data can (or cannot) find them
        text = buttle.component(i).description.lower()
        assert buttle.component(i).lab or "not visible in transaction data" in text, i


def test_payne_frow_cover_customization_and_people():
    pf = fw.load_model("payne_frow")
    assert "customization" in pf.component("customer_strategy").capabilities
    assert "one-to-one" in pf.component("customer_strategy").description
    people = _covers("payne_frow", "organisation, people and culture")
    assert "shareholder_results" in people and "implementation_readiness" in people
    assert pf.component("implementation_readiness").source.year == 2006


def test_idic_differentiate_by_value_is_resource_allocation_like_buttles_portfolio_analysis():
    value = fw.load_model("idic").component("differentiate_value")
    portfolio = fw.load_model("buttle").component("portfolio_analysis")
    assert set(portfolio.capabilities) <= set(value.capabilities)
    assert "resource" in value.description.lower()
    idic = fw.load_model("idic")
    assert "strategy" in idic.focus_note and "metrics" in idic.focus_note, "the 2017 book's scope is not understated"
    conditions = idic.of_kind("supporting condition")
    assert all(c.source.author.startswith("course material") for c in conditions)
    cautions = " ".join(idic.cautions).lower()
    assert "analysis half" in cautions and "action half" in cautions and "left" in cautions or "leave" in cautions


def test_qci_reap_environment_cmat_and_no_relationship():
    qci = fw.load_model("qci")
    assert qci.component("efficiency").parent == "analysis_planning"
    planning = qci.component("analysis_planning")
    assert "REAP" in planning.description and "lifetime value" in planning.description
    assert "02.clv" in planning.lab and "02.clv" not in qci.component("measuring_effect").lab
    assert "evidence" in qci.measures and "not a self-rating" in qci.measures
    assert any("relationship" in c and "deliberately" in c for c in qci.cautions)


def test_icrm_attributed_to_elahi_heydari_with_competitive_measurement():
    icrm = fw.load_model("icrm")
    assert icrm.source.author.startswith("Elahi") and "Heydari" in icrm.source.author
    assert "competition" in icrm.component("measure").description
    assert icrm.component("competitive_measurement").parent == "measure"
    assert "our reading" in icrm.component("key_drivers").description


def test_the_capability_taxonomy_says_it_is_ours():
    from idic_lab.frameworks import _models

    source = " ".join(Path(_models.__file__).read_text(encoding="utf-8").split())
    definition = source[source.index("CAPABILITIES: tuple"):source.index("KINDS: tuple")]
    assert "our own synthesis" in definition and "not a list from any of their authors" in definition



def _write_model(tmp_path: Path, edit) -> Path:
    raw = yaml.safe_load((MODEL_DIR / "idic.yaml").read_text(encoding="utf-8"))
    edit(raw)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda raw: raw["components"][0].pop("id"), r"broken.yaml', component 1 .*missing 'id'"),
        (lambda raw: raw["components"][1].update(capabilities=["astrology"]), r"unknown capability 'astrology'"),
        (lambda raw: raw["components"][1].update(capabilities=[]), r"'capabilities' must be a non-empty list"),
        (lambda raw: raw["components"].append(dict(raw["components"][0])), r"duplicate component id 'identify'"),
        (lambda raw: raw["components"][0].update(kind="phase"), r"unknown kind 'phase'"),
        (lambda raw: raw["components"][0].update(parent="nowhere"), r"parent 'nowhere'"),
        (lambda raw: raw["components"][0].update(lab=["09.magic"]), r"unknown lab section '09.magic'"),
        (lambda raw: raw.pop("id"), r"missing 'id'"),
    ],
)
def test_malformed_model_files_are_rejected(tmp_path, edit, message):
    with pytest.raises(fw.FrameworkError, match=message):
        fw.load_model(_write_model(tmp_path, edit))


def test_missing_model_file_is_a_clear_error(tmp_path):
    with pytest.raises(fw.FrameworkError, match="no such file.*bundled models are idic"):
        fw.load_model(tmp_path / "nope.yaml")


# --------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------


def test_crosswalk_counts_components_and_shows_gaps():
    cross = fw.crosswalk()
    assert list(cross.columns) == list(fw.CAPABILITIES)
    assert list(cross.index) == [fw.load_model(m).short_name for m in fw.MODEL_IDS]
    for model_id in fw.MODEL_IDS:
        model = fw.load_model(model_id)
        assert cross.loc[model.short_name].sum() == sum(len(c.capabilities) for c in model.components)
    gaps = fw.coverage_gaps()
    assert (gaps["capabilities covered"] == (cross > 0).sum(axis=1)).all()
    # after the review against the sources (issue 11): Buttle measures, Payne & Frow customize
    # (one-to-one segmentation) and cover people; Gartner has no block for customization
    assert gaps.loc["Buttle", "gaps"] == gaps.loc["Payne & Frow", "gaps"] == "(none)"
    assert gaps.loc["Gartner", "gaps"] == "customization"
    assert "customization" in gaps.loc["ICRM", "gaps"] and "measurement" not in gaps.loc["ICRM", "gaps"]


def test_comparison_table_has_the_rows_the_issue_asks_for():
    table = fw.comparison_table()
    for row in ("origin and year", "focus", "view", "stages / areas", "supporting conditions",
                "how it measures", "where it fits best"):
        assert row in table.index
    assert list(table.columns) == ["IDIC", "QCi", "Buttle", "Payne & Frow", "Gartner", "ICRM"]
    assert "2nd edition" in table.loc["origin and year", "Buttle"]


def test_lab_map_examples_from_the_issue():
    lab = fw.lab_map()
    portfolio = lab[(lab["model"] == "Buttle") & (lab["component"] == "Customer portfolio analysis")]
    assert {"02.pareto", "02.clv"} <= set(portfolio["section"])
    win_back = lab[(lab["model"] == "QCi") & (lab["component"] == "Win-back")]
    assert set(win_back["section"]) == {"03.retention"} and set(win_back["status"]) == {"available"}
    assert (lab.loc[lab["section"] == "", "status"] == "not practised in the lab").all()


# --------------------------------------------------------------------------
# Decision guide
# --------------------------------------------------------------------------

BASE = dict(market="B2C", n_customers=50_000, contact_frequency="medium", data_maturity="medium", goal="retention")


def _scores(**changes) -> pd.Series:
    return fw.rank_models({**BASE, **changes}).set_index("model_id")["score"]


def _rule_points(attribute: str, value: str) -> pd.Series:
    rules = fw.decision_rules()
    chosen = rules[(rules["attribute"] == attribute) & (rules["value"] == value)]
    return chosen.groupby("model")["points"].sum().reindex(list(fw.MODEL_IDS), fill_value=0)


def test_score_is_the_sum_of_the_rules_met():
    expected = sum(_rule_points(a, v) for a, v in [
        ("market", "B2C"), ("size", "many"), ("contact_frequency", "medium"), ("data_maturity", "medium"),
        ("goal", "retention"),
    ])
    assert _scores().sort_index().equals(expected.sort_index().astype("int64"))


def test_changing_one_answer_moves_scores_by_exactly_its_rules():
    for attribute, old, new in [("goal", "retention", "efficiency"), ("contact_frequency", "medium", "high"),
                                ("data_maturity", "medium", "low")]:
        delta = (_scores(**{attribute: new}) - _scores(**{attribute: old})).sort_index()
        rules = (_rule_points(attribute, new) - _rule_points(attribute, old)).sort_index()
        assert delta.equals(rules.astype("int64")), attribute


def test_decision_guide_orderings_that_follow_from_the_rules():
    # An efficiency goal favours Gartner (processes, technology blocks) over IDIC.
    efficiency = _scores(goal="efficiency")
    assert efficiency["gartner"] > efficiency["idic"]
    # A small B2B firm in frequent contact that wants growth: IDIC first.
    ranking = fw.rank_models(dict(market="B2B", n_customers=200, contact_frequency="high", data_maturity="high",
                                  goal="growth"))
    assert ranking.iloc[0]["model_id"] == "idic"
    assert "frequent contacts" in ranking.iloc[0]["reasons"]
    # Acquisition: QCi (explicit targeting and acquisition activity) above IDIC.
    acquisition = _scores(goal="acquisition")
    assert acquisition["qci"] > acquisition["idic"]
    # IDIC gains when contact becomes frequent, loses when it becomes rare.
    assert _scores(contact_frequency="high")["idic"] > _scores()["idic"] > _scores(contact_frequency="low")["idic"]


def test_decision_guide_ranks_are_ordered_and_ties_follow_model_order():
    ranking = fw.rank_models(BASE)
    assert list(ranking["rank"]) == list(range(1, 7))
    assert ranking["score"].is_monotonic_decreasing
    order = {m: i for i, m in enumerate(fw.MODEL_IDS)}
    for score, group in ranking.groupby("score"):
        positions = [order[m] for m in group["model_id"]]
        assert positions == sorted(positions)


@pytest.mark.parametrize(
    "change, message",
    [({"market": "B2G"}, "market must be one of"), ({"goal": "profit"}, "goal must be one of"),
     ({"n_customers": 0}, "n_customers must be a whole number >= 1")],
)
def test_bad_profiles_are_rejected(change, message):
    with pytest.raises(ValueError, match=message):
        fw.rank_models({**BASE, **change})


# --------------------------------------------------------------------------
# Questionnaire
# --------------------------------------------------------------------------


def test_questionnaire_has_40_plus_items_each_mapped_to_existing_components():
    questions = fw.load_questionnaire()
    assert len(questions) >= 40 and questions["item_id"].is_unique
    keys = {c.key for m in fw.load_models().values() for c in m.components}
    for comps in questions["components"]:
        assert comps and set(comps) <= keys
    assert set(questions["importance"]) <= {1, 2, 3}


def test_every_component_is_evidenced_by_an_item_directly_or_through_sub_components():
    scores = fw.score_assessment(fw.example_responses()).components
    unscored = scores.loc[scores["n_items"] == 0, ["model", "component"]]
    assert unscored.empty, unscored


def test_dataset_copies_match_the_package_data():
    for name in ("assessment_questionnaire.csv", "assessment_example_responses.csv", "assessment_example_facts.json"):
        assert (ROOT / "datasets" / name).read_bytes() == (ROOT / "idic_lab" / "data" / name).read_bytes(), name


def test_questionnaire_with_unknown_component_is_rejected(tmp_path):
    raw = pd.read_csv(fw._assessment.QUESTIONNAIRE_FILE, dtype=str, keep_default_na=False)
    raw.loc[0, "components"] = "qci:win_bak"
    path = tmp_path / "q.csv"
    raw.to_csv(path, index=False)
    with pytest.raises(fw.FrameworkError, match=r"item 'ST01': unknown component 'qci:win_bak'.*'qci:win_back'"):
        fw.load_questionnaire(path)


def test_template_round_trip(tmp_path):
    path = fw.questionnaire_template(tmp_path / "sub" / "to_fill.csv", respondent="CFO")
    template = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert list(template.columns) == ["item_id", "area", "question", "intention", "reality", "respondent", "comment"]
    assert len(template) == len(fw.load_questionnaire()) and set(template["respondent"]) == {"CFO"}
    with pytest.raises(SchemaError, match="column 'intention': expected a whole number 1 to 5 in every row"):
        fw.load_responses(path)
    template["intention"], template["reality"] = "4", "2"
    template.to_csv(path, index=False)
    assert fw.load_responses(path)["reality"].eq(2).all()


# --------------------------------------------------------------------------
# Bad responses
# --------------------------------------------------------------------------


def _answers(n_rows: int | None = None) -> pd.DataFrame:
    ids = fw.load_questionnaire()["item_id"]
    frame = pd.DataFrame({"item_id": ids, "intention": 4, "reality": 2})
    return frame if n_rows is None else frame.head(n_rows)


N_ITEMS = len(fw.load_questionnaire())


def test_scores_outside_1_to_5_name_table_column_and_rows():
    bad = _answers()
    bad.loc[[3, 7], "reality"] = [0, 7]
    with pytest.raises(SchemaError, match=rf"Table 'assessment', column 'reality': expected a whole number 1 to 5, "
                                          rf"but 2 of {N_ITEMS} rows are outside 1 to 5\. Examples: row 3: 0; row 7: 7"):
        fw.check_responses(bad)


def test_text_in_a_score_column_is_a_wrong_type_error():
    bad = _answers().astype({"intention": object})
    bad.loc[5, "intention"] = "high"
    with pytest.raises(SchemaError, match=rf"column 'intention'.*1 of {N_ITEMS} rows contain text.*row 5: 'high'"):
        fw.check_responses(bad)


def test_fractional_scores_are_rejected():
    bad = _answers().astype({"reality": float})
    bad.loc[0, "reality"] = 2.5
    with pytest.raises(SchemaError, match="column 'reality'.*are not whole numbers"):
        fw.check_responses(bad)


def test_unknown_item_ids_are_named_with_a_suggestion():
    bad = _answers()
    bad.loc[2, "item_id"] = "ST99"
    with pytest.raises(SchemaError, match=rf"column 'item_id'.*1 of {N_ITEMS} rows are unknown item ids.*'ST99'"):
        fw.check_responses(bad)


def test_missing_items_raise_unless_allowed():
    partial = _answers(40)
    with pytest.raises(SchemaError, match=rf"expected all {N_ITEMS} items.*{N_ITEMS - 40} are not answered"):
        fw.check_responses(partial)
    assessment = fw.score_assessment(partial, allow_missing=True)
    assert len(assessment.items) == 40 and len(assessment.missing_items) == N_ITEMS - 40


def test_missing_columns_and_single_score_column():
    with pytest.raises(SchemaError, match="column 'intention'.*single 'score' column"):
        fw.check_responses(pd.DataFrame({"item_id": ["ST01"], "score": [3]}))
    renamed = _answers().rename(columns={"reality": "Ist", "intention": "Soll"})
    checked = fw.check_responses(renamed, columns={"reality": "Ist", "intention": "Soll"})
    assert checked["reality"].eq(2).all()


def test_repeated_answers_by_one_respondent_are_rejected():
    bad = pd.concat([_answers(), _answers(1)], ignore_index=True)
    with pytest.raises(SchemaError, match="each item once per respondent"):
        fw.check_responses(bad)


def test_inputs_are_not_mutated():
    answers = _answers().astype({"reality": object})
    before = answers.copy()
    fw.score_assessment(answers)
    pd.testing.assert_frame_equal(answers, before)


# --------------------------------------------------------------------------
# Scoring against hand-computed examples
# --------------------------------------------------------------------------


def _tiny_questionnaire() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "item_id": ["A", "B", "C"],
            "area": ["lifecycle and retention", "lifecycle and retention", "measurement"],
            "question": ["a", "b", "c"],
            "components": [("qci:retention",), ("qci:win_back", "buttle:lifecycle_management"),
                           ("qci:measuring_effect",)],
            "importance": [3, 1, 2],
            "lab": [(), (), ()],
            "evidence": ["retention_measured", "", "campaign_control_group"],
        }
    )


def _tiny() -> fw.Assessment:
    answers = pd.DataFrame(
        {"item_id": ["A", "B", "C", "A", "B", "C"], "intention": [5, 4, 3, 5, 4, 3],
         "reality": [2, 3, 3, 2, 1, 3], "respondent": ["x", "x", "x", "y", "y", "y"]}
    )
    # three items leave most models and capabilities without an answer: said, not a silent NaN
    with pytest.warns(IdicLabWarning, match=r"have no answered item, so they get no score"):
        return fw.score_assessment(answers, questionnaire=_tiny_questionnaire())


def test_item_scores_by_hand():
    items = _tiny().items.set_index("item_id")
    # B: intention (4+4)/2 = 4, reality (3+1)/2 = 2, gap 2, priority 1 x 2 = 2
    assert items.loc["B", ["intention", "reality", "gap", "priority"]].tolist() == [4, 2, 2, 2]
    # A: gap 3, importance 3 -> priority 9; C: no gap -> priority 0
    assert items.loc["A", "priority"] == 9 and items.loc["C", "priority"] == 0
    assert items.loc["A", "n_respondents"] == 2


def test_component_capability_and_model_scores_by_hand():
    scored = _tiny()
    comps = scored.components.set_index(["model_id", "component"])
    # QCi's customer management activity = its sub-components retention (A) and win-back (B)
    cma = comps.loc[("qci", "customer_management_activity")]
    assert cma["n_items"] == 2 and cma["reality"] == pytest.approx((2 + 2) / 2)
    assert cma["intention"] == pytest.approx((5 + 4) / 2)
    # lifecycle and retention: items A and B (B once although two of its components map there)
    caps = scored.capabilities
    assert caps.loc["lifecycle and retention", "n_items"] == 2
    assert caps.loc["lifecycle and retention", "reality"] == pytest.approx(2.0)
    # measurement: qci:measuring_effect (C, reality 3) and buttle:lifecycle_management, which
    # includes measuring CRM performance (B, reality 2) -> (3 + 2) / 2
    assert caps.loc["measurement", "reality"] == pytest.approx(2.5)
    # QCi model: mean of its scored top-level components: activity (reality 2), measuring effect (3)
    assert scored.models.loc["QCi", "n_components"] == 2
    assert scored.models.loc["QCi", "reality"] == pytest.approx(2.5)
    assert scored.models.loc["QCi", "level"] == 2
    assert np.isnan(scored.models.loc["IDIC", "reality"]) and scored.models.loc["IDIC", "level"] == 0


def test_gap_ranking_by_hand():
    gaps = fw.gap_analysis(_tiny())
    assert list(gaps["item_id"]) == ["A", "B"]  # C has no gap
    assert list(gaps["priority"]) == [9, 2]


@pytest.mark.parametrize("score, level", [(1, 1), (1.79, 1), (1.8, 2), (2.6, 3), (3.39, 3), (3.4, 4), (4.2, 5),
                                          (5, 5)])
def test_maturity_level_bands(score, level):
    assert fw.maturity_level(score) == level


@pytest.mark.parametrize("score", [float("nan"), None, float("inf"), 0, 5.5])
def test_maturity_level_refuses_missing_and_out_of_scale_scores(score):
    # a NaN score used to get level 0, read as a level like any other
    with pytest.raises(ValueError, match=r"maturity_level: score (is missing|must be a number from 1 to 5)"):
        fw.maturity_level(score)


def test_maturity_levels_table():
    levels = fw.maturity_levels()
    assert list(levels["level"]) == [1, 2, 3, 4, 5]
    assert levels["descriptor"].str.len().gt(20).all()


def test_recommendations_point_to_lab_analyses():
    scored = fw.score_assessment(fw.example_responses())
    recs = fw.recommendations(scored, top=10)
    assert len(recs) == 10 and recs["priority"].is_monotonic_decreasing
    with_lab = recs[recs["lab"] != "no lab analysis (organisational topic)"]
    assert with_lab["lab"].str.contains(r"0[1-4]_").all()


# --------------------------------------------------------------------------
# Evidence from data
# --------------------------------------------------------------------------


def test_evidence_flags_disagreements_by_hand():
    evidence = fw.evidence_from_data(_tiny(), {"retention_measured": False, "campaign_control_group": True})
    rows = evidence.set_index("item_id")
    # A: reality 2, no retention measurement -> range 1-2 -> agree
    assert rows.loc["A", "agrees"] and rows.loc["A", "data_suggest"] == "1-2"
    # C: reality 3, control groups exist -> range 3-5 -> agree
    assert rows.loc["C", "agrees"]
    evidence = fw.evidence_from_data(_tiny(), {"campaign_control_group": False})
    assert not evidence.iloc[0]["agrees"] and "higher than the data support" in evidence.iloc[0]["verdict"]


@pytest.mark.parametrize("value, expected", [(0.97, (4, 5)), (0.64, (1, 3)), (0.2, (1, 2)), (0.85, (3, 5))])
def test_completeness_maps_to_a_range(value, expected):
    assert fw.EVIDENCE_FACTS["data_completeness"].implied_range(value) == expected


def test_collect_facts_reads_results_files_and_dict_overrides(tmp_path):
    path = tmp_path / "01_identify.results.json"
    path.write_text(json.dumps({"identify.completeness": 0.91, "identify.duplicate_rate": 0.02,
                                "differentiate.clv.mean": 41.0}), encoding="utf-8")
    facts = fw.collect_facts(results_files=[path], facts={"duplicate_rate": 0.2})
    assert facts == {"data_completeness": 0.91, "duplicate_rate": 0.2, "value_per_customer": True,
                     "lifetime_value": True}
    with pytest.raises(FileNotFoundError, match="No results file"):
        fw.collect_facts(results_files=[tmp_path / "none.json"])
    with pytest.raises(ValueError, match="unknown fact 'happiness'"):
        fw.collect_facts(facts={"happiness": 1})


def test_example_company_evidence_shows_a_disagreement():
    evidence = fw.evidence_from_data(fw.score_assessment(fw.example_responses()), fw.example_facts())
    assert (~evidence["agrees"]).any() and evidence["agrees"].any()


# --------------------------------------------------------------------------
# Plots
# --------------------------------------------------------------------------


def test_plots_return_axes_and_need_a_polar_axes_for_the_radar():
    scored = fw.score_assessment(fw.example_responses())
    axes = [
        plot_crosswalk(fw.crosswalk()),
        plot_model_ranking(fw.rank_models(BASE)),
        plot_gap_ranking(fw.gap_analysis(scored, top=5)),
        plot_intention_reality(scored.capabilities),
        plot_maturity_radar(scored.components[scored.components["model_id"] == "idic"]),
    ]
    assert all(isinstance(ax, matplotlib.axes.Axes) for ax in axes)
    assert axes[-1].name == "polar"
    _, flat = plt.subplots()
    with pytest.raises(ValueError, match="needs a polar Axes"):
        plot_maturity_radar(scored.components[scored.components["model_id"] == "idic"], ax=flat)
    plt.close("all")


# --------------------------------------------------------------------------
# reliability: clear errors and no silent answers (issue 8)
# --------------------------------------------------------------------------


def test_unknown_model_id_suggests_the_closest():
    with pytest.raises(fw.FrameworkError, match=r"unknown model 'IDIC'.*Did you mean 'idic'\?"):
        fw.load_model("IDIC")
    with pytest.raises(ValueError, match=r"model 'idic' has no component 'identfy'.*Did you mean 'identify'\?"):
        fw.load_model("idic").component("identfy")


def test_decision_rules_filter_and_check_their_keys():
    idic_goal = fw.decision_rules(model="idic", attribute="goal")
    assert set(idic_goal["model"]) == {"idic"} and set(idic_goal["attribute"]) == {"goal"} and len(idic_goal) == 3
    assert fw.decision_rules(model="gartner", attribute="market").empty  # no such rule: an empty table, same columns
    assert list(fw.decision_rules(model="gartner", attribute="market").columns) == list(fw.decision_rules().columns)
    with pytest.raises(ValueError, match=r"attribute must be one of goal, market, size"):
        fw.decision_rules(attribute="n_customers")


def test_rank_models_accepts_numpy_customer_numbers():
    profile = fw.BusinessProfile("B2C", np.int64(60_000), "low", "medium", "retention")
    assert profile.n_customers == 60_000 and type(profile.n_customers) is int
    assert fw.rank_models(profile).equals(fw.rank_models({**profile.__dict__}))


def test_collect_facts_orders_and_checks_values(tmp_path):
    path = tmp_path / "01_identify.results.json"
    path.write_text(json.dumps({"identify.duplicate_rate": 0.04, "identify.completeness": 0.8}), encoding="utf-8")
    facts = fw.collect_facts(results_files=[path], facts={"campaign_control_group": False})
    assert list(facts) == ["data_completeness", "duplicate_rate", "campaign_control_group"]
    with pytest.raises(ValueError, match=r"fact 'duplicate_rate' \(from 01_identify.results.json, key "
                                         r"'identify.duplicate_rate'\): expected a share from 0 to 1"):
        path.write_text(json.dumps({"identify.duplicate_rate": "4%"}), encoding="utf-8")
        fw.collect_facts(results_files=[path])


def test_answers_file_errors_name_the_file(tmp_path):
    path = tmp_path / "antworten.csv"
    path.write_text("item_id,intention,reality\nST01,4,2\nST01,4,3\n", encoding="utf-8")
    with pytest.raises(SchemaError, match=r"^File antworten.csv: .*2 of 2 rows repeat an answer"):
        fw.load_responses(path, allow_missing=True)


def test_answers_with_a_json_column_mapping():
    answers = fw.example_responses().rename(columns={"reality": "Ist"})
    checked = fw.check_responses(answers, columns='{"reality": "Ist"}')
    assert checked["reality"].between(1, 5).all()


def test_gap_analysis_without_gaps_warns():
    answers = fw.example_responses()
    scored = fw.score_assessment(answers.assign(intention=answers["reality"]))
    with pytest.warns(IdicLabWarning, match=rf"none of the {len(fw.load_questionnaire())} answered items has a positive gap"):
        assert fw.gap_analysis(scored).empty


# --- issue 9: client mode never shows the fictional example; stages not run are "not measured" ---------


def test_assessment_inputs_by_mode(tmp_path):
    from idic_lab import frameworks as fw

    example = fw.assessment_inputs()
    assert example.example and example.client_name == fw.EXAMPLE_CLIENT and example.facts == fw.example_facts()
    assert len(example.responses) == len(fw.example_responses())
    results_file = tmp_path / "01_identify.results.json"
    results_file.write_text(json.dumps({"identify.completeness": 0.93, "identify.duplicate_rate": 0.21}), encoding="utf-8")
    missing = tmp_path / "02_differentiate.results.json"
    client = fw.assessment_inputs(mode="client", stage_results=[results_file, missing])
    assert client.responses is None and not client.example
    assert client.client_name == "the client"
    assert client.facts == {"data_completeness": 0.93, "duplicate_rate": 0.21}  # nothing from the example
    assert client.missing_results == ("02_differentiate.results.json",)
    assert "Harbour" not in client.summary() and "only the measured evidence" in client.summary()
    named = fw.assessment_inputs(mode="client", client_name="  Acme Ltd ", stage_results=str(results_file))
    assert named.client_name == "Acme Ltd" and named.facts["duplicate_rate"] == 0.21
    answers = tmp_path / "answers.csv"
    fw.example_responses().to_csv(answers, index=False)
    answered = fw.assessment_inputs(mode="client", responses_file=answers, client_name="Acme Ltd")
    assert len(answered.responses) == len(fw.example_responses()) and answered.facts == {}
    with pytest.raises(ValueError, match="fictional example's name"):
        fw.assessment_inputs(mode="client", client_name=fw.EXAMPLE_CLIENT)
    with pytest.raises(TypeError, match="client_name must be text"):
        fw.assessment_inputs(client_name=None)


def test_collect_facts_skips_stages_not_run_only_when_asked(tmp_path):
    from idic_lab import frameworks as fw

    missing = tmp_path / "03_interact.results.json"
    with pytest.raises(FileNotFoundError, match="run the stage notebook first"):
        fw.collect_facts(results_files=[missing])
    assert fw.collect_facts(results_files=[missing], skip_missing=True) == {}
    assert fw.collect_facts(results_files=[missing], skip_missing=True, facts={"needs_segments": False}) == \
        {"needs_segments": False}
    with pytest.raises(TypeError, match="skip_missing must be True or False"):
        fw.collect_facts(skip_missing="yes")


def test_measured_evidence_lists_every_fact_in_order():
    from idic_lab import frameworks as fw

    table = fw.measured_evidence({"value_per_customer": True, "data_completeness": 0.5})
    assert list(table["fact"]) == list(fw.EVIDENCE_FACTS)
    shown = table.set_index("fact")["shown"]
    assert shown["value_per_customer"] == "yes" and shown["data_completeness"] == "50.0 %"
    assert shown["lifetime_value"] == "not measured" and table.set_index("fact").loc["lifetime_value", "value"] is None
    assert (fw.measured_evidence({})["data_suggest"] == "not measured").all()


@pytest.mark.notebook
@pytest.mark.parametrize("stripped", [False, True], ids=["plain", "as-the-runner-strips-it"])
def test_notebook_06_client_run_without_answers_shows_only_measured_evidence(tmp_path, stripped):
    import importlib.util

    import nbformat

    from idic_lab.report import run_notebook

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location(
        "c06", root / "tests" / "notebook_cases" / "c06_maturity_assessment.py")
    cases = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cases)
    parameters = cases.client_without_answers(tmp_path)
    notebook = root / "notebooks" / "06_maturity_assessment.ipynb"
    if stripped:  # as a client run executes it: teaching cells and cells needing the (empty) answers removed
        nb = nbformat.read(notebook, as_version=4)
        nb.cells = [c for c in nb.cells if not {"teaching", "needs:responses_file"} & set(c.metadata.get("tags", []))]
        notebook = tmp_path / "client_06.ipynb"
        nbformat.write(nb, notebook)
    run = run_notebook(notebook, tmp_path / "out" / "06.ipynb", parameters=parameters)
    assert run.ok, run.error
    assert run.results["assessment.client"] == "the client" and run.results["assessment.n_answers"] == 0
    assert run.results["assessment.facts"] == {"data_completeness": 0.93, "duplicate_rate": 0.21}
    assert not [k for k in run.results if k.startswith(("assessment.model", "assessment.capability", "assessment.top"))]
    assert not run.results.get("report.findings") and not run.results.get("report.problems")
    cells = json.loads(Path(run.executed).read_text(encoding="utf-8"))["cells"]
    outputs = json.dumps([c.get("outputs", []) for c in cells], ensure_ascii=False)
    assert "Harbour" not in outputs and "fictional" not in outputs
    assert "not measured" in outputs and "02_differentiate.results.json" in outputs
    if stripped:
        shown = json.dumps([c["source"] for c in cells if c["cell_type"] == "markdown"], ensure_ascii=False)
        assert "Harbour" not in shown and "fictional" not in shown.lower()


def test_questionnaire_retagged_and_extended_after_the_review():
    items = fw.load_questionnaire().set_index("item_id")

    def tags(item_id: str) -> set[str]:
        return set(items.loc[item_id, "components"])

    # a campaign's control group measures the campaign, not the relationship under competition
    assert not any(t.startswith("icrm:") for t in tags("ME01") | tags("ME02"))
    for process_item in ("IN06", "LC01", "LC03"):  # complaints, welcome, win-back
        assert "gartner:processes" in tags(process_item)
    assert "gartner:organisational_collaboration" in tags("PR04")  # partners
    assert "qci:proposition" in tags("DV04")  # needs research
    assert "qci:analysis_planning" in tags("DV02") and "qci:measuring_effect" not in tags("DV02")
    every_tag = set().union(*items["components"].map(set))
    for added in ("qci:external_environment", "buttle:network_development", "buttle:ssc_benchmark",
                  "buttle:ssc_cost_magnet", "payne_frow:implementation_readiness", "icrm:competitive_measurement"):
        assert added in every_tag, added
    analytical = [i for i in items.index if "gartner:processes" in tags(i) and "analytical" in items.loc[i, "question"]]
    assert analytical, "Gartner's analytical and planning processes have an item"


def test_record_assessment_without_answers_records_only_name_count_and_facts():
    from idic_lab import results
    from idic_lab.frameworks import AssessmentInputs, record_assessment

    results.clear()
    inputs = AssessmentInputs(None, "the client", {"duplicate_rate": 0.2}, (), False)
    figures = record_assessment(inputs)
    assert set(figures) == {"assessment.client", "report.client", "assessment.n_answers", "assessment.facts"}
    assert results.recorded()["assessment.n_answers"] == 0
    results.clear()


def test_revise_answers_moves_the_model_score_by_the_items_share():
    from idic_lab.frameworks import example_responses, revise_answers, score_assessment

    answers = example_responses()
    before = score_assessment(answers)
    after = score_assessment(revise_answers(answers, reality={"ID04": 5}))
    assert answers.equals(example_responses()), "the answers passed in are not modified"
    identify = after.components.set_index(["model_id", "component"]).loc[("idic", "identify"), "reality"] - \
        before.components.set_index(["model_id", "component"]).loc[("idic", "identify"), "reality"]
    n_main = before.models.loc["IDIC", "n_components"]
    assert after.models.loc["IDIC", "reality"] - before.models.loc["IDIC", "reality"] == pytest.approx(identify / n_main)


def test_00_describes_qci_as_its_model_file_does():
    import nbformat

    text = " ".join(c.source for c in nbformat.read(ROOT / "notebooks" / "00_start_here.ipynb", as_version=4).cells)
    text = " ".join(text.split())
    qci = fw.load_model("qci")
    areas = [c for c in qci.of_kind("area") if c.id != "external_environment"]
    activities = qci.children("customer_management_activity")
    words = {8: "eight", 9: "nine", 10: "ten"}
    assert f"house of {words[len(areas)]} areas inside the external environment" in text
    assert f"split into {words[len(activities)]} activities" in text


def test_readiness_places_known_worlds_in_their_quadrant():
    import numpy as np
    import pandas as pd

    from idic_lab.frameworks import READINESS_QUADRANTS, readiness_test

    rng = np.random.default_rng(1)
    n = 400
    groups = pd.Series(np.arange(n) % 3)
    distinct = pd.DataFrame([rng.dirichlet(np.where(np.arange(3) == g, 40.0, 2.0)) for g in groups],
                            columns=["share_a", "share_b", "share_c"])
    alike = pd.DataFrame(rng.dirichlet([10.0, 10.0, 10.0], size=n), columns=distinct.columns)
    equal, skewed = np.full(n, 50.0), rng.pareto(1.2, n) + 1
    cases = {("low", "low"): (equal, alike, pd.Series(0, index=range(n))),
             ("high", "low"): (skewed, alike, groups), ("low", "high"): (equal, distinct, groups),
             ("high", "high"): (skewed, distinct, groups)}
    for expected, (values, features, segments) in cases.items():
        r = readiness_test(values, features, segments)
        assert (r.value_level, r.needs_level) == expected, (expected, r.summary())
        assert r.quadrant == READINESS_QUADRANTS[expected][0]
