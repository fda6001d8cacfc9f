"""Exercises of notebook 06 (the CRM maturity assessment of the fictional example company)."""

from __future__ import annotations

from functools import cache

from idic_lab.exercises import Exercise, Mistake, get_exercise, numeric, one_of, register, written
from idic_lab.frameworks import example_responses, revise_answers, score_assessment

NOTEBOOK = "06_maturity_assessment.ipynb"
IDIC_STAGES = ["Identify", "Differentiate", "Interact", "Customize"]
#: Exercise 06.2: the item whose reality score changes, and its new score.
WHAT_IF_ITEM, WHAT_IF_SCORE = "ID04", 5


@cache
def _example():
    return score_assessment(example_responses())


@cache
def _revised():
    return score_assessment(revise_answers(example_responses(), reality={WHAT_IF_ITEM: WHAT_IF_SCORE}))


def _idic_stage(assessment, stage: str) -> float:
    rows = assessment.components
    return float(rows.loc[(rows["model"] == "IDIC") & (rows["name"] == stage), "reality"].iloc[0])


def _weakest_idic_stage() -> str:
    scores = {stage: _idic_stage(_example(), stage) for stage in IDIC_STAGES}
    return min(scores, key=scores.get)


def _idic_rise() -> float:
    return float(_revised().models.loc["IDIC", "reality"] - _example().models.loc["IDIC", "reality"])


def _item_rise() -> float:
    items = example_responses()
    return float(WHAT_IF_SCORE - items.loc[items["item_id"] == WHAT_IF_ITEM, "reality"].mean())


def _identify_rise() -> float:
    return _idic_stage(_revised(), "Identify") - _idic_stage(_example(), "Identify")


register(
    Exercise(
        id="06.1",
        notebook=NOTEBOOK,
        question=(
            "Of IDIC's four stages (not its supporting conditions), which one does the example company really "
            "do least well, by its reality score?"
        ),
        solution=_weakest_idic_stage,
        compare=one_of(IDIC_STAGES),
        hint=(
            "A stage's score is the mean reality of the items tagged to it or to its sub-stages; compare the four "
            "stages of the IDIC model on reality, not on intention or on the gap."
        ),
    )
)
register(
    Exercise(
        id="06.2",
        notebook=NOTEBOOK,
        question=(
            f"What if the company built a single customer view, so that item {WHAT_IF_ITEM} (staff see a customer's "
            f"whole history) were really done at {WHAT_IF_SCORE}? By how much would IDIC's model reality score "
            "rise (in points on the 1-5 scale)?"
        ),
        solution=_idic_rise,
        compare=numeric(rel_tol=0.01),
        hint=(
            "Follow the change up the levels: the item moves the component it is tagged to by its share of that "
            "component's items, and the model score is the mean of the model's main components, so the component "
            "moves the model by its share again."
        ),
        mistakes=(
            Mistake(lambda: 100 * _idic_rise(),
                    "That looks like a percentage; the answer is a change in points on the 1-5 scale."),
            Mistake(_item_rise, "That is how much the item itself rises; the model score averages many items."),
            Mistake(_identify_rise,
                    "That is how much the Identify stage rises; the model score is the mean of all its main "
                    "components, stages and supporting conditions alike."),
            Mistake(lambda: float(_revised().models.loc["IDIC", "reality"]),
                    "That is the new score itself; the question asks how much it rises."),
        ),
    )
)
register(
    Exercise(
        id="06.3",
        notebook=NOTEBOOK,
        question=(
            "In QCi's assessments an assessor, not the company itself, gives the scores. Why must an assessor-led "
            "score rest on evidence (documents, data, observed practice), and what does the evidence section of "
            "this notebook add to a self-assessment?"
        ),
        solution=lambda: get_exercise("06.3").model_answer,  # the model answer makes every point
        compare=written(
            {
                "self-scores tend to be optimistic": ("optimis", "overrat", "too high", "higher than", "bias"),
                "evidence can be checked": ("check", "verif", "measur", "data", "document"),
                "scores become comparable and defensible": ("compar", "defen", "trust", "credib", "consistent"),
            }
        ),
        hint=(
            "Think about who gives the score, what they might want the score to be, and what a manager who "
            "doubts the score would ask to see."
        ),
        model_answer=(
            "Respondents judge their own firm and tend to be optimistic: they rate what the systems could do or "
            "what they intend, not what is done, so self-scores are often too high. An assessor must show the "
            "evidence behind each score (a document, a report, data measured from the customer records, a "
            "practice observed) so that anyone can check it; that makes scores consistent between assessors and "
            "companies, comparable over time, and defensible when a manager doubts them. The evidence section does "
            "the same for a self-assessment: measured facts such as data completeness or a missing control group "
            "show where a self-score is higher than the data support, and those items are discussed before the "
            "score is trusted."
        ),
    )
)
