"""The CRM models side by side, and a maturity assessment across them.

This is the frameworks part of :mod:`idic_lab` (notebooks 05 and 06). The
models — IDIC (Peppers & Rogers), QCi's customer management model (Woodcock,
Stone & Foss 2003), Buttle's CRM value chain (Buttle 2009, 2nd ed.), Payne &
Frow's five processes (2005), Gartner's eight building blocks (2001) and the
ICRM loop — are data: one YAML file per model in this folder, loaded into
typed objects (:func:`load_model`). On top of them:

* comparison: :func:`comparison_table`, :func:`crosswalk` (models ×
  capabilities), :func:`coverage_gaps`, :func:`lab_map` (where each component
  is practised in this lab) and the decision guide :func:`rank_models` with
  its rules :func:`decision_rules`;
* assessment: :func:`load_questionnaire`, :func:`questionnaire_template`,
  :func:`load_responses`, :func:`score_assessment`, :func:`gap_analysis`,
  :func:`recommendations`, :func:`maturity_levels`, the notebook's inputs by
  mode (:func:`assessment_inputs`) and, from measured facts,
  :func:`evidence_from_data` and :func:`measured_evidence`.
"""

from idic_lab.frameworks._assessment import (
    EVIDENCE_FACTS,
    EXAMPLE_CLIENT,
    Assessment,
    AssessmentInputs,
    EvidenceFact,
    assessment_inputs,
    check_responses,
    collect_facts,
    evidence_from_data,
    example_facts,
    example_responses,
    gap_analysis,
    load_questionnaire,
    load_responses,
    maturity_level,
    maturity_levels,
    measured_evidence,
    questionnaire_template,
    recommendations,
    record_assessment,
    revise_answers,
    score_assessment,
)
from idic_lab.frameworks._compare import (
    DECISION_RULES,
    BusinessProfile,
    Rule,
    compare_summary,
    comparison_table,
    components_table,
    coverage_gaps,
    crosswalk,
    decision_rules,
    lab_coverage,
    lab_map,
    model_timeline,
    rank_grid,
    rank_models,
)
from idic_lab.frameworks._strategy import (
    CRM_STRATEGY_QUADRANTS,
    READINESS_QUADRANTS,
    crm_strategy_position,
    readiness_from_transactions,
    readiness_test,
)
from idic_lab.frameworks._models import (
    CAPABILITIES,
    KINDS,
    LAB_SECTIONS,
    MODEL_IDS,
    Component,
    FrameworkError,
    LabSection,
    Model,
    Source,
    list_models,
    load_model,
    load_models,
)

__all__ = [
    "CAPABILITIES",
    "CRM_STRATEGY_QUADRANTS",
    "DECISION_RULES",
    "EVIDENCE_FACTS",
    "EXAMPLE_CLIENT",
    "KINDS",
    "LAB_SECTIONS",
    "MODEL_IDS",
    "READINESS_QUADRANTS",
    "Assessment",
    "AssessmentInputs",
    "BusinessProfile",
    "Component",
    "EvidenceFact",
    "FrameworkError",
    "LabSection",
    "Model",
    "Rule",
    "Source",
    "assessment_inputs",
    "check_responses",
    "collect_facts",
    "compare_summary",
    "comparison_table",
    "components_table",
    "coverage_gaps",
    "crm_strategy_position",
    "crosswalk",
    "decision_rules",
    "evidence_from_data",
    "example_facts",
    "example_responses",
    "gap_analysis",
    "lab_coverage",
    "lab_map",
    "list_models",
    "load_model",
    "load_models",
    "load_questionnaire",
    "load_responses",
    "maturity_level",
    "maturity_levels",
    "measured_evidence",
    "model_timeline",
    "questionnaire_template",
    "rank_grid",
    "rank_models",
    "readiness_from_transactions",
    "readiness_test",
    "recommendations",
    "record_assessment",
    "revise_answers",
    "score_assessment",
]
