"""Exercises that make students think (issue 10, item 5).

* enough of them: at least four in each stage notebook 01–05, two in 06;
* none answerable by copying a number the executed notebook prints;
* typical mistakes are recognised by name, with feedback that teaches;
* no bisection: after a few numeric tries the reply points to the concept;
* hints teach the idea, not the exact call;
* written questions reveal a model answer, but only after a try;
* every stage notebook asks the student to predict before running.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from idic_lab.exercises import DIRECTED_TRIES, check, get_exercise, list_exercises, reset_attempts, reveal

ROOT = Path(__file__).resolve().parents[1]
MINIMUM_PER_NOTEBOOK = {
    "01_identify": 4, "02_differentiate": 4, "03_interact": 4, "04_customize": 4,
    "05_compare_models": 4, "06_maturity_assessment": 2,
}
STAGE_NOTEBOOKS = list(MINIMUM_PER_NOTEBOOK)
ALL = list(list_exercises()["id"])
NUMERIC = [i for i in ALL if get_exercise(i).kind == "numeric"]
WRITTEN = [i for i in ALL if get_exercise(i).kind == "written"]
# A hint names the idea; code (a call, an attribute, a keyword argument) gives the answer away.
CODE_IN_TEXT = re.compile(r"\w\(|\.\w+\(|\w+=\S|\[\[|`")


@pytest.fixture(autouse=True)
def _fresh_attempts():
    reset_attempts()
    yield
    reset_attempts()


def _notebook(stem: str):
    return nbformat.read(ROOT / "notebooks" / f"{stem}.ipynb", as_version=4)


@pytest.mark.parametrize("stem", STAGE_NOTEBOOKS)
def test_enough_exercises_in_every_stage_notebook(stem):
    ids = list(list_exercises(f"{stem}.ipynb")["id"])
    assert len(ids) >= MINIMUM_PER_NOTEBOOK[stem], f"{stem}: {ids}"


@pytest.mark.parametrize("stem", STAGE_NOTEBOOKS)
def test_every_stage_notebook_has_a_written_question(stem):
    kinds = {get_exercise(i).kind for i in list_exercises(f"{stem}.ipynb")["id"]}
    assert "written" in kinds, f"{stem}: add a written question with a model answer"


@pytest.mark.parametrize("stem", STAGE_NOTEBOOKS)
def test_every_exercise_is_asked_in_its_notebook_in_a_teaching_cell(stem):
    cells = [c for c in _notebook(stem).cells if c.cell_type == "code"]
    for exercise_id in list_exercises(f"{stem}.ipynb")["id"]:
        asking = [c for c in cells if f'check("{exercise_id}"' in c.source]
        assert asking, f"{stem}: exercise {exercise_id} is registered but never asked"
        assert all("teaching" in c.metadata.get("tags", []) for c in asking), exercise_id


@pytest.mark.parametrize("stem", STAGE_NOTEBOOKS)
def test_every_stage_notebook_asks_for_a_prediction_before_a_run(stem):
    cells = _notebook(stem).cells
    prompts = [i for i, c in enumerate(cells)
               if c.cell_type == "markdown" and c.source.lstrip().startswith("**Predict before you run")]
    assert prompts, f"{stem}: add a teaching cell starting '**Predict before you run'"
    for i in prompts:
        assert "teaching" in cells[i].metadata.get("tags", [])
        assert any(c.cell_type == "code" for c in cells[i + 1:i + 3]), "a prediction comes just before a run"


@pytest.mark.parametrize("exercise_id", ALL)
def test_hint_teaches_the_idea_not_the_call(exercise_id):
    hint = get_exercise(exercise_id).hint
    assert not CODE_IN_TEXT.search(hint), f"{exercise_id}: the hint shows code: {hint!r}"


@pytest.mark.parametrize("exercise_id", NUMERIC)
def test_numeric_exercise_recognises_a_typical_mistake(exercise_id):
    exercise = get_exercise(exercise_id)
    expected = float(exercise.solution())
    share = exercise.compare.share_mistake(expected * 100, expected) if 0 < expected < 1 else None
    assert exercise.mistakes or share, f"{exercise_id}: list the typical mistakes (Mistake) or use numeric(share=True)"
    for mistake in exercise.mistakes:
        wrong = mistake.answer()
        assert not exercise.compare(wrong, expected)[0], f"{exercise_id}: a listed mistake gives the right answer"
        result = check(exercise_id, wrong)
        assert not result and mistake.feedback in result.message
        assert f"{expected:.3g}" not in mistake.feedback


@pytest.mark.parametrize("exercise_id", [i for i in NUMERIC if 0 < float(get_exercise(i).solution()) < 1])
def test_a_percentage_for_a_fraction_is_named(exercise_id):
    expected = float(get_exercise(exercise_id).solution())
    result = check(exercise_id, expected * 100)
    assert not result and "percentage" in result.message


@pytest.mark.parametrize("exercise_id", NUMERIC)
def test_no_bisection_after_a_few_tries(exercise_id):
    expected = float(get_exercise(exercise_id).solution())
    wrong = expected * 1.7 + 13.1
    replies = [check(exercise_id, wrong).message for _ in range(DIRECTED_TRIES + 2)]
    assert "too high" in replies[0]
    assert all("too high" not in r and "too low" not in r for r in replies[DIRECTED_TRIES:])
    assert "idea" in replies[-1]


@pytest.mark.parametrize("exercise_id", WRITTEN)
def test_written_question_reveals_its_model_answer_only_after_a_try(exercise_id):
    exercise = get_exercise(exercise_id)
    assert not reveal(exercise_id), "the model answer is shown before any try"
    assert not check(exercise_id, "no idea")  # too short to count as a try
    assert not reveal(exercise_id)
    attempt = check(exercise_id, "I think it depends on the data and on what the manager wants to do with the answer.")
    assert exercise.model_answer in attempt.message
    assert reveal(exercise_id) and exercise.model_answer in reveal(exercise_id).message


@pytest.mark.parametrize("exercise_id", WRITTEN)
def test_the_model_answer_makes_every_key_point(exercise_id):
    exercise = get_exercise(exercise_id)
    result = check(exercise_id, exercise.model_answer)
    assert result, f"{exercise_id}: the model answer misses a key point: {result.message}"


def _printed_text(executed: Path) -> str:
    nb = nbformat.read(executed, as_version=4)
    parts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            data = output.get("data", {})
            parts.append(data.get("text/plain", ""))
            parts.append(data.get("text/html", ""))
            parts.append(data.get("text/markdown", ""))
    return "\n".join(p if isinstance(p, str) else "".join(p) for p in parts)


def _printed_forms(value: float) -> set[str]:
    """How a notebook could print the answer: rounded to 2–4 significant digits, as a percentage."""
    if abs(value) >= 100:
        forms = {f"{value:.4g}", f"{value:,.0f}", f"{value:.0f}"}
    else:
        forms = {f"{value:.2f}", f"{value:.3f}", f"{value:.3g}"}
    if 0 < value < 1:
        forms |= {f"{100 * value:.1f}", f"{100 * value:.0f} %", f"{100 * value:.0f}%"}
    return {f for f in forms if len(f.strip("0.%, ")) >= 2}  # "0.1"-like forms match anything


@pytest.mark.notebook
@pytest.mark.parametrize("stem", STAGE_NOTEBOOKS)
def test_no_numeric_answer_is_printed_by_its_notebook(stem, default_run):
    run = default_run(stem)
    assert run.ok, run.error
    printed = _printed_text(Path(run.executed))
    for exercise_id in list_exercises(f"{stem}.ipynb")["id"]:
        exercise = get_exercise(exercise_id)
        if exercise.kind != "numeric":
            continue
        value = float(exercise.solution())
        shown = [f for f in _printed_forms(value) if re.search(rf"(?<![\d.]){re.escape(f)}(?!\d)", printed)]
        assert not shown, f"{stem}: the answer to {exercise_id} can be copied from the output ({shown})"
