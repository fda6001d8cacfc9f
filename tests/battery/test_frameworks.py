"""Bad inputs for the CRM frameworks and the maturity assessment (idic_lab.frameworks)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from battery.harness import Case, answered, parametrize, refused, run_case, warned
from idic_lab import frameworks as fw

N_ITEMS = len(fw.load_questionnaire())  # the bundled questionnaire; messages count its items

PROFILE = {"market": "B2C", "n_customers": 60_000, "contact_frequency": "low", "data_maturity": "medium",
           "goal": "retention"}


def _answers(**changes) -> pd.DataFrame:
    """The bundled example answers, with some cells changed ({row: {column: value}})."""
    frame = fw.example_responses()[["item_id", "intention", "reality", "respondent"]].astype(object)
    for row, cells in changes.items():
        for column, value in cells.items():
            frame.loc[int(row.lstrip("r")), column] = value
    return frame


def _file(name: str, content: bytes) -> Path:
    path = Path(tempfile.mkdtemp(prefix="battery_frameworks_")) / name
    path.write_bytes(content)
    return path


def _needs(groups: int, n: int = 200) -> pd.DataFrame:
    """Category shares of n customers in ``groups`` needs groups, each group buying mostly its own category."""
    rng = np.random.default_rng(0)
    labels = np.arange(n) % groups
    base = np.full((n, 4), 1.0)
    if groups > 1:
        base[np.arange(n), labels % 4] = 20.0
    shares = np.array([rng.dirichlet(row * 5) for row in base])
    return pd.DataFrame(shares, columns=[f"share_{c}" for c in "abcd"])


def _needs_groups(groups: int, n: int = 200) -> pd.Series:
    return pd.Series(np.arange(n) % groups)


def _scored(**changes) -> fw.Assessment:
    return fw.score_assessment(_answers(**changes))


def _no_gaps() -> fw.Assessment:
    answers = fw.example_responses()
    return fw.score_assessment(answers.assign(intention=answers["reality"]))


def _round_trip_template() -> pd.DataFrame:
    path = fw.questionnaire_template(Path(tempfile.mkdtemp(prefix="battery_frameworks_")) / "answers.csv")
    return pd.read_csv(path)


CASES = [
    # ---- models and comparison -----------------------------------------------------------------
    Case("load_model: an unknown id suggests the closest bundled one", "frameworks.load_model",
         lambda: fw.load_model("qcx"),
         refused(r"unknown model 'qcx'; the bundled models are idic, qci.*Did you mean 'qci'\?", mentions=("qcx",))),
    Case("load_model: a number instead of an id refused", "frameworks.load_model",
         lambda: fw.load_model(5),
         refused(r"expected a model id \(idic, qci.*found int 5", mentions=("load_model",))),
    Case("load_model: a model file that is not UTF-8 is named", "frameworks.load_model",
         lambda: fw.load_model(_file("mine.yaml", "name: Modèle\n".encode("cp1252"))),
         refused(r"mine\.yaml.*not UTF-8 text", mentions=("Model file",))),
    Case("load_models: an empty list refused (used to load all models)", "frameworks.load_models",
         lambda: fw.load_models([]),
         refused(r"expected at least one model id, found an empty list; pass None", mentions=("load_models",))),
    Case("load_models: one id given on its own is one model, not letters", "frameworks.load_models",
         lambda: fw.load_models("idic"),
         answered(lambda models: list(models) == ["idic"], "{'idic': Model}")),
    Case("list_models: the bundled ids in display order", "frameworks.list_models",
         fw.list_models, answered(lambda ids: ids == list(fw.MODEL_IDS) and ids is not fw.MODEL_IDS, "a new list")),
    Case("crosswalk: an unknown count lists the choices", "frameworks.crosswalk",
         lambda: fw.crosswalk(count="top"),
         refused(r"count must be 'components' or 'top_level', found 'top'", mentions=("crosswalk", "count"))),
    Case("components table: an empty dict of models refused", "frameworks.components_table",
         lambda: fw.components_table({}),
         refused(r"models: expected at least one model, found an empty dict", mentions=("models",))),
    Case("comparison table: a dict of non-models refused", "frameworks.comparison_table",
         lambda: fw.comparison_table({"idic": "IDIC"}),
         refused(r"expected a dict of Model objects .*for \['idic'\]", mentions=("models",))),
    Case("coverage gaps: a list of ids is loaded", "frameworks.coverage_gaps",
         lambda: fw.coverage_gaps(["idic", "qci"]),
         answered(lambda gaps: list(gaps.index) == ["IDIC", "QCi"], "two rows in the order given")),
    Case("lab map: a model id with a typo suggests the closest", "frameworks.lab_map",
         lambda: fw.lab_map(["idic", "gartnr"]),
         refused(r"unknown model 'gartnr'.*Did you mean 'gartner'\?", mentions=("gartnr",))),
    Case("business profile: a lower-case market lists the choices", "frameworks.BusinessProfile",
         lambda: fw.BusinessProfile("b2c", 100, "low", "low", "growth"),
         refused(r"market must be one of \('B2B', 'B2C'\), found 'b2c'\. Did you mean 'B2C'\?",
                 mentions=("BusinessProfile",))),
    Case("business profile: a float customer number refused", "frameworks.BusinessProfile",
         lambda: fw.BusinessProfile("B2C", 1e5, "low", "low", "growth"),
         refused(r"n_customers must be a whole number >= 1 .*found 100000.0", mentions=("n_customers",))),
    Case("rank_models: an unknown profile key lists the keys", "frameworks.rank_models",
         lambda: fw.rank_models(PROFILE | {"size": "mass"}),
         refused(r"unknown profile key\(s\) \['size'\]; the keys are market, n_customers.*derived from n_customers",
                 mentions=("rank_models",))),
    Case("rank_models: a missing profile key is named", "frameworks.rank_models",
         lambda: fw.rank_models({"market": "B2C", "n_customers": 100}),
         refused(r"the profile has no contact_frequency, data_maturity, goal", mentions=("rank_models",))),
    Case("rank_models: the ranking is a total order (score, then display order)", "frameworks.rank_models",
         lambda: fw.rank_models(PROFILE),
         answered(lambda r: r["rank"].tolist() == list(range(1, 7))
                  and all(a > b or (a == b and list(fw.MODEL_IDS).index(x) < list(fw.MODEL_IDS).index(y))
                          for (a, x), (b, y) in zip(zip(r["score"], r["model_id"]),
                                                    list(zip(r["score"], r["model_id"]))[1:])),
                  "ties by display order")),
    Case("rank_grid: an empty list of customer numbers refused", "frameworks.rank_grid",
         lambda: fw.rank_grid(n_customers=[]),
         refused(r"n_customers must hold at least one customer number", mentions=("rank_grid",))),
    Case("decision rules: an unknown model lists the model ids", "frameworks.decision_rules",
         lambda: fw.decision_rules(model="idic2"),
         refused(r"model must be one of idic, qci.*found 'idic2'\. Did you mean 'idic'\?", mentions=("decision_rules",))),
    Case("decision rules: an unknown attribute lists the attributes", "frameworks.decision_rules",
         lambda: fw.decision_rules(attribute="segment"),
         refused(r"attribute must be one of goal, market, size, contact_frequency, data_maturity",
                 mentions=("decision_rules",))),
    # ---- questionnaire and answers -------------------------------------------------------------
    Case("questionnaire: an empty file is named", "frameworks.load_questionnaire",
         lambda: fw.load_questionnaire(_file("q.csv", b"")),
         refused(r"Questionnaire 'q\.csv' \(.*\): the file is empty", mentions=("item_id",))),
    Case("questionnaire: a UTF-16 file is named, not a UnicodeDecodeError", "frameworks.load_questionnaire",
         lambda: fw.load_questionnaire(_file("q16.csv", "item_id,area\nX,strategy\n".encode("utf-16"))),
         refused(r"Questionnaire 'q16\.csv' .*not UTF-8 text", mentions=("UTF-8",))),
    Case("template: a folder instead of a file name refused", "frameworks.questionnaire_template",
         lambda: fw.questionnaire_template(tempfile.mkdtemp(prefix="battery_frameworks_")),
         refused(r"is a folder; give a file name inside it", mentions=("questionnaire_template",))),
    Case("template: written with every item once, scores empty", "frameworks.questionnaire_template",
         _round_trip_template,
         answered(lambda t: t["item_id"].is_unique and t[["intention", "reality"]].isna().all().all()
                  and len(t) == len(fw.load_questionnaire()), "one row per item")),
    Case("answers: an unknown item id lists the closest known id", "frameworks.check_responses",
         lambda: fw.check_responses(_answers(r0={"item_id": "ST1"})),
         refused(rf"1 of {N_ITEMS} rows are unknown item ids.*Closest known ids: 'ST1' -> 'ST01'",
                 mentions=("assessment", "item_id")), targets=("table:assessment",)),
    Case("answers: a score of 6 refused", "frameworks.check_responses",
         lambda: fw.check_responses(_answers(r3={"reality": 6})),
         refused(rf"1 of {N_ITEMS} rows are outside 1 to 5", mentions=("assessment", "reality"))),
    Case("answers: a word instead of a score refused", "frameworks.check_responses",
         lambda: fw.check_responses(_answers(r3={"intention": "high"})),
         refused(r"contain text that is not a number", mentions=("assessment", "intention"))),
    Case("answers: an infinite score refused as infinite", "frameworks.check_responses",
         lambda: fw.check_responses(_answers(r3={"reality": np.inf})),
         refused(rf"1 of {N_ITEMS} rows are infinite", mentions=("assessment", "reality"))),
    Case("answers: the same item twice by one respondent names both", "frameworks.check_responses",
         lambda: fw.check_responses(pd.concat([_answers(), _answers().iloc[[0]]], ignore_index=True)),
         refused(rf"2 of {N_ITEMS + 1} rows repeat an answer \(1 item\(s\): 'ST01' by 'marketing director'\)",
                 mentions=("assessment", "item_id", "respondent"))),
    Case("answers: a column mapping with an unknown canonical name lists the names", "frameworks.check_responses",
         lambda: fw.check_responses(_answers().rename(columns={"reality": "Ist"}), columns={"realty": "Ist"}),
         refused(r"unknown canonical name\(s\) \['realty'\].*Did you mean 'reality'\?", mentions=("assessment",))),
    Case("answers: allow_missing='yes' refused", "frameworks.check_responses",
         lambda: fw.check_responses(_answers(), allow_missing="yes"),
         refused(r"allow_missing: expected True or False, found 'yes'", mentions=("allow_missing",))),
    Case("answers file: a header without rows is named", "frameworks.load_responses",
         lambda: fw.load_responses(_file("answers.csv", b"item_id,intention,reality\n")),
         refused(r"answers\.csv", mentions=("item_id",))),
    Case("answers file: a score outside 1-5 names the file", "frameworks.load_responses",
         lambda: fw.load_responses(_file("answers.csv", b"item_id,intention,reality\nST01,4,9\n"), allow_missing=True),
         refused(r"^File answers\.csv: .*outside 1 to 5", mentions=("assessment", "reality"))),
    Case("example answers: every item once, scores 1-5", "frameworks.example_responses",
         fw.example_responses,
         answered(lambda r: r["item_id"].is_unique and r[["intention", "reality"]].isin(range(1, 6)).all().all(),
                  f"{N_ITEMS} valid answers")),
    # ---- scoring, gaps, levels ------------------------------------------------------------------
    Case("compare_summary: a ranking passed as the grid refused", "frameworks.compare_summary",
         lambda: fw.compare_summary(grid=fw.rank_models(fw.BusinessProfile(**PROFILE))),
         refused(r"grid must be the table returned by rank_grid.*without a 'first' column")),
    Case("compare_summary: a profile with an unknown goal refused", "frameworks.compare_summary",
         lambda: fw.compare_summary(profile={**PROFILE, "goal": "profit"}, grid=fw.rank_grid(n_customers=[300])),
         refused(r"goal", mentions=("profit",))),
    Case("compare_summary: the facts of notebook 05, as plain values", "frameworks.compare_summary",
         lambda: fw.compare_summary(profile=PROFILE),
         answered(lambda s: s["capabilities_covered"]["QCi"] == 10 and "idic_first_share" not in s
                  and s["profile_first"] in s["profile_ranking"], "plain values for every model")),
    Case("lab_coverage: an unknown model refused", "frameworks.lab_coverage",
         lambda: fw.lab_coverage(["idic", "qcx"]),
         refused(r"unknown model 'qcx'", mentions=("qcx",))),
    Case("lab_coverage: each component counted once, however many sections practise it", "frameworks.lab_coverage",
         lambda: fw.lab_coverage(),
         answered(lambda t: (t.sum(axis=1) == fw.components_table().groupby("model", sort=False).size()
                             .reindex(t.index)).all(), "one count per component")),
    Case("record_assessment: answers passed instead of the inputs refused", "frameworks.record_assessment",
         lambda: fw.record_assessment(fw.example_responses()),
         refused(r"inputs must be the AssessmentInputs returned by assessment_inputs", mentions=("DataFrame",))),
    Case("record_assessment: a gap table passed as the assessment refused", "frameworks.record_assessment",
         lambda: fw.record_assessment(fw.assessment_inputs(), fw.gap_analysis(_scored())),
         refused(r"record_assessment: expected the Assessment returned by score_assessment", mentions=("DataFrame",))),
    Case("record_assessment: top=0 refused", "frameworks.record_assessment",
         lambda: fw.record_assessment(fw.assessment_inputs(), _scored(), top=0),
         refused(r"top: expected a whole number >= 1", mentions=("0",))),
    Case("revise_answers: an unknown item is named with the closest one", "frameworks.revise_answers",
         lambda: fw.revise_answers(fw.example_responses(), reality={"ID4": 5}),
         refused(r"no answer to item 'ID4'.*Did you mean", mentions=("reality",))),
    Case("revise_answers: a score outside 1-5 refused", "frameworks.revise_answers",
         lambda: fw.revise_answers(fw.example_responses(), intention={"ID04": 6}),
         refused(r"score of 'ID04' must be a number from 1 to 5, found 6", mentions=("intention",))),
    Case("revise_answers: a list instead of {item: score} refused", "frameworks.revise_answers",
         lambda: fw.revise_answers(fw.example_responses(), reality=["ID04", 5]),
         refused(r"reality must be a dict", mentions=("list",))),
    Case("revise_answers: changes only the named item, leaves the answers unchanged", "frameworks.revise_answers",
         lambda: (fw.example_responses(), fw.revise_answers(fw.example_responses(), reality={"ID04": 5})),
         answered(lambda pair: (pair[1].loc[pair[1]["item_id"] == "ID04", "reality"] == 5).all()
                  and pair[0]["reality"].drop(pair[0].index[pair[0]["item_id"] == "ID04"]).equals(
                      pair[1]["reality"].drop(pair[1].index[pair[1]["item_id"] == "ID04"]).astype(pair[0]["reality"].dtype)),
                  "only ID04 changed")),
    Case("score: an Assessment passed as answers refused", "frameworks.score_assessment",
         lambda: fw.score_assessment(_scored()),
         refused(r"expected a pandas DataFrame with the columns item_id, intention, reality, found Assessment",
                 mentions=("assessment",)), targets=("frameworks.Assessment",)),
    Case("score: answers to one item only warn that models have no score", "frameworks.score_assessment",
         lambda: fw.score_assessment(_answers().iloc[:1], allow_missing=True),
         warned(r"model\(s\) .* have no answered item, so they get no score \(NaN, level 0\)\. " + f"{N_ITEMS - 1} questionnaire items",
                then=lambda a: a.models["level"].eq(0).any())),
    Case("maturity level: NaN refused (used to be level 0)", "frameworks.maturity_level",
         lambda: fw.maturity_level(float("nan")),
         refused(r"score is missing \(nan\), so there is no maturity level", mentions=("maturity_level",))),
    Case("maturity level: a score above the scale refused", "frameworks.maturity_level",
         lambda: fw.maturity_level(7),
         refused(r"score must be a number from 1 to 5 \(the answer scale\), found 7", mentions=("maturity_level",))),
    Case("maturity levels: five contiguous bands from 1 to 5", "frameworks.maturity_levels",
         fw.maturity_levels,
         answered(lambda t: t["from"].iloc[0] == 1 and np.allclose(t["to"].iloc[:-1], t["from"].iloc[1:])
                  and abs(t["to"].iloc[-1] - 5) < 1e-9, "bands touch")),
    Case("gaps: every gap zero warns instead of an unexplained empty table", "frameworks.gap_analysis",
         lambda: fw.gap_analysis(_no_gaps()),
         warned(rf"none of the {N_ITEMS} answered items has a positive gap", then=lambda g: g.empty)),
    Case("gaps: top=-1 refused (used to drop the last gap)", "frameworks.gap_analysis",
         lambda: fw.gap_analysis(_scored(), top=-1),
         refused(r"top: expected a whole number >= 1 or None \(all\), found -1", mentions=("top",))),
    Case("recommendations: a DataFrame instead of an Assessment refused", "frameworks.recommendations",
         lambda: fw.recommendations(fw.example_responses()),
         refused(r"expected the Assessment returned by score_assessment", mentions=("recommendations",))),
    # ---- evidence from data ----------------------------------------------------------------------
    Case("facts: a stage that was not run (missing results file) is skipped, not an error", "frameworks.collect_facts",
         lambda: fw.collect_facts(results_files=[Path(tempfile.mkdtemp()) / "02_differentiate.results.json"],
                                  skip_missing=True),
         answered(lambda facts: facts == {}, "no facts: not measured")),
    Case("measured evidence: every fact listed, the missing ones as not measured", "frameworks.measured_evidence",
         lambda: fw.measured_evidence({"duplicate_rate": 0.21}),
         answered(lambda table: len(table) == len(fw.EVIDENCE_FACTS) and table["measured"].sum() == 1
                  and table.set_index("fact").loc["duplicate_rate", "shown"] == "21.0 %"
                  and table.set_index("fact").loc["data_completeness", "data_suggest"] == "not measured",
                  "8 rows, one measured")),
    Case("measured evidence: a share given as a percentage is refused", "frameworks.measured_evidence",
         lambda: fw.measured_evidence({"duplicate_rate": 21}),
         refused(r"fact 'duplicate_rate'.*share from 0 to 1.*found 21", mentions=("0.85",))),
    Case("assessment inputs: client mode without answers has no answers, never the example", "frameworks.assessment_inputs",
         lambda: fw.assessment_inputs(mode="client"),
         answered(lambda inputs: isinstance(inputs, fw.AssessmentInputs) and inputs.responses is None
                  and inputs.client_name == "the client" and inputs.facts == {} and not inputs.example,
                  "no answers, 'the client', no facts")),
    Case("assessment inputs: the example's name in client mode is refused", "frameworks.assessment_inputs",
         lambda: fw.assessment_inputs(mode="client", client_name=fw.EXAMPLE_CLIENT),
         refused(r"bundled fictional example's name .* in client mode", mentions=("client_name",))),
    Case("assessment inputs: an unknown mode is refused", "frameworks.assessment_inputs",
         lambda: fw.assessment_inputs(mode="consultant"),
         refused(r"mode must be 'teaching' .* or 'client'.*got 'consultant'", mentions=("assessment_inputs",))),
    Case("AssessmentInputs: the summary of a client run without answers says so", "frameworks.AssessmentInputs",
         lambda: fw.assessment_inputs(mode="client").summary(),
         answered(lambda text: text.startswith("the client: no questionnaire answers given"), "a plain sentence")),
    Case("facts: a results file cut off mid-way is named", "frameworks.collect_facts",
         lambda: fw.collect_facts(results_files=[_file("01_identify.results.json", b'{"identify.completeness": 0.9,')]),
         refused(r"results file 01_identify\.results\.json: not valid JSON", mentions=("Run the notebook again",))),
    Case("facts: a results file in UTF-16 is named", "frameworks.collect_facts",
         lambda: fw.collect_facts(results_files=[_file("r.results.json", '{"a": 1}'.encode("utf-16"))]),
         refused(r"results file r\.results\.json: not UTF-8 text", mentions=("results",))),
    Case("facts: a share outside 0-1 in a results file names the file and key", "frameworks.collect_facts",
         lambda: fw.collect_facts(results_files=[_file("r.results.json", json.dumps(
             {"identify.completeness": 93}).encode())]),
         refused(r"fact 'data_completeness' \(from r\.results\.json, key 'identify\.completeness'\): expected a share "
                 r"from 0 to 1", mentions=("0.85",))),
    Case("facts: a flag given as the text 'no' refused (used to count as True)", "frameworks.collect_facts",
         lambda: fw.collect_facts(facts={"campaign_control_group": "no"}),
         refused(r"fact 'campaign_control_group': expected True or False", mentions=("campaign_control_group",))),
    Case("facts: one results file given as a string is read as one file", "frameworks.collect_facts",
         lambda: fw.collect_facts(results_files=str(_file("r.results.json", b'{"identify.duplicate_rate": 0.02}'))),
         answered(lambda facts: facts == {"duplicate_rate": 0.02}, "{'duplicate_rate': 0.02}")),
    Case("example facts: every fact valid for its kind", "frameworks.example_facts",
         fw.example_facts,
         answered(lambda facts: all(fw.EVIDENCE_FACTS[n].checked(v) == v for n, v in facts.items()), "valid")),
    Case("evidence: a NaN share refused (used to read as level 1)", "frameworks.evidence_from_data",
         lambda: fw.evidence_from_data(_scored(), {"data_completeness": float("nan")}),
         refused(r"fact 'data_completeness': expected a share from 0 to 1", mentions=("data_completeness",)),
         targets=("frameworks.EvidenceFact",)),
    Case("evidence: an unknown fact suggests the closest", "frameworks.evidence_from_data",
         lambda: fw.evidence_from_data(_scored(), {"data_complete": 0.5}),
         refused(r"unknown fact 'data_complete'; known facts: .*Did you mean 'data_completeness'\?",
                 mentions=("evidence_from_data",))),
    Case("evidence: rows in a fixed order whatever the dict's order", "frameworks.evidence_from_data",
         lambda: (fw.evidence_from_data(_scored(), {"retention_measured": False, "data_completeness": 0.9}),
                  fw.evidence_from_data(_scored(), {"data_completeness": 0.9, "retention_measured": False})),
         answered(lambda pair: pair[0].equals(pair[1]) and pair[0]["fact"].iloc[0] == "data_completeness",
                  "same table both ways")),
    # ---- readiness test (Peppers, Rogers & Dorf 1999) -------------------------------------------
    Case("readiness_test: equal values and one needs group land in the low/low quadrant", "frameworks.readiness_test",
         lambda: fw.readiness_test(np.ones(200), _needs(1), pd.Series(0, index=range(200))),
         answered(lambda r: (r.value_level, r.needs_level, r.top_share, r.gini) == ("low", "low", 0.2, 0.0),
                  "low value and needs differences")),
    Case("readiness_test: skewed values and distinct needs groups land in the high/high quadrant",
         "frameworks.readiness_test",
         lambda: fw.readiness_test(np.r_[np.full(40, 100.0), np.ones(160)], _needs(4), _needs_groups(4)),
         answered(lambda r: (r.value_level, r.needs_level) == ("high", "high") and r.n_segments == 4,
                  "high value and needs differences")),
    Case("readiness_test: without needs data the needs level is not measured", "frameworks.readiness_test",
         lambda: fw.readiness_test([5.0, 1.0, 1.0, 1.0, 1.0]),
         answered(lambda r: r.needs_level == "not measured" and r.quadrant == "" and "either" in r.approach,
                  "needs not measured")),
    Case("readiness_test: features without segments refused", "frameworks.readiness_test",
         lambda: fw.readiness_test(np.ones(200), _needs(1)),
         refused(r"give both features and segments", mentions=("readiness_test",))),
    Case("readiness_test: a threshold given as a percentage refused", "frameworks.readiness_test",
         lambda: fw.readiness_test(np.ones(10), value_threshold=50),
         refused(r"value_threshold must lie strictly between 0 and 1")),
    Case("readiness_test: negative values refused", "frameworks.readiness_test",
         lambda: fw.readiness_test([1.0, -2.0, 3.0]),
         refused(r"negative")),
    Case("readiness_test: segments with other customer ids refused", "frameworks.readiness_test",
         lambda: fw.readiness_test(np.ones(200), _needs(1), pd.Series(0, index=range(1000, 1200))),
         refused(r"share fewer than 2 customers")),
    Case("readiness_from_transactions: lines without categories leave needs not measured",
         "frameworks.readiness_from_transactions",
         lambda: fw.readiness_from_transactions(pd.DataFrame({
             "customer_id": ["a", "a", "b", "c"], "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-05",
                                                                         "2024-01-09"]),
             "amount": [10.0, 30.0, 5.0, 5.0]})),
         answered(lambda r: r.needs_level == "not measured" and r.customers == 3, "value only")),
    Case("readiness_from_transactions: a list instead of a table refused", "frameworks.readiness_from_transactions",
         lambda: fw.readiness_from_transactions([1, 2, 3]),
         refused(r"transactions must be a DataFrame")),
    Case("readiness_from_transactions: an unknown threshold name refused", "frameworks.readiness_from_transactions",
         lambda: fw.readiness_from_transactions(pd.DataFrame({"customer_id": ["a"], "date": ["2024-01-01"],
                                                              "amount": [1.0]}), value_treshold=0.5),
         refused(r"unknown option", mentions=("value_treshold",))),
    # ---- Payne & Frow's CRM strategy matrix ------------------------------------------------------
    Case("crm_strategy_position: a full file and personal contacts give individualised CRM",
         "frameworks.crm_strategy_position",
         lambda: fw.crm_strategy_position(pd.DataFrame({"email": ["a@x", "b@x"], "phone": ["1", "2"]}),
                                          pd.DataFrame({"type": ["service", "advice", "marketing"]})),
         answered(lambda p: p["quadrant"] == "individualised CRM" and p["information"] == 1.0,
                  "high information, high individualisation")),
    Case("crm_strategy_position: an empty file and mass mailings give product-based selling",
         "frameworks.crm_strategy_position",
         lambda: fw.crm_strategy_position(pd.DataFrame({"email": [None, None], "phone": [None, "2"]}),
                                          pd.DataFrame({"type": ["marketing", "marketing", "service"]})),
         answered(lambda p: p["quadrant"] == "product-based selling", "low, low")),
    Case("crm_strategy_position: a customer file without profile fields refused", "frameworks.crm_strategy_position",
         lambda: fw.crm_strategy_position(pd.DataFrame({"name": ["a"]}), pd.DataFrame({"type": ["service"]})),
         refused(r"none of the profile fields", mentions=("email", "name"))),
    Case("crm_strategy_position: a contact log without a type refused", "frameworks.crm_strategy_position",
         lambda: fw.crm_strategy_position(pd.DataFrame({"email": ["a"]}), pd.DataFrame({"channel": ["sms"]})),
         refused(r"needs a 'type' column")),
    Case("crm_strategy_position: a threshold as a percentage refused", "frameworks.crm_strategy_position",
         lambda: fw.crm_strategy_position(pd.DataFrame({"email": ["a"]}), pd.DataFrame({"type": ["service"]}),
                                          threshold=50),
         refused(r"threshold must lie strictly between 0 and 1")),
    Case("model_timeline: the six models, oldest first", "frameworks.model_timeline",
         lambda: fw.model_timeline(),
         answered(lambda t: list(t["first_published"]) == sorted(t["first_published"]) and len(t) == 6,
                  "sorted by first publication")),
    Case("model_timeline: an unknown model refused", "frameworks.model_timeline",
         lambda: fw.model_timeline(["idic", "qcx"]),
         refused(r"unknown model 'qcx'", mentions=("qcx",))),
]


@parametrize(CASES)
def test_case(case: Case):
    run_case(case)
