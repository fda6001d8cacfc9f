"""Exercise checks: every reference solution passes its own check; wrong answers get hints."""

from __future__ import annotations

import pytest

from idic_lab.exercises import check, exact, get_exercise, list_exercises, numeric, one_of, same_set

ALL_IDS = list(list_exercises()["id"])


def test_every_notebook_with_exercises_has_at_least_three():
    counts = list_exercises().groupby("notebook").size()
    assert (counts >= 3).all(), counts.to_dict()


@pytest.mark.parametrize("exercise_id", ALL_IDS)
def test_reference_solution_passes_its_own_check(exercise_id):
    exercise = get_exercise(exercise_id)
    result = check(exercise_id, exercise.solution())
    assert result.correct, str(result)


@pytest.mark.parametrize("exercise_id", ALL_IDS)
def test_placeholder_answer_is_not_correct_and_does_not_raise(exercise_id):
    result = check(exercise_id, ...)
    assert not result.correct
    assert "No answer yet" in result.message


# Written questions show their model answer after a try on purpose (tests/test_exercise_design.py).
@pytest.mark.parametrize("exercise_id", [i for i in ALL_IDS if get_exercise(i).kind != "written"])
def test_wrong_answer_gets_hint_without_the_solution(exercise_id):
    exercise = get_exercise(exercise_id)
    expected = exercise.solution()
    choices = getattr(exercise.compare, "choices", None)
    if choices:
        wrong = next(c for c in choices if c.lower() != str(expected).lower())
    else:
        wrong = _a_wrong_answer(expected)
    result = check(exercise_id, wrong)
    assert not result.correct
    assert "Hint:" in result.message
    assert str(expected) not in result.message


def _a_wrong_answer(expected):
    if isinstance(expected, bool):
        return not expected
    if isinstance(expected, (int, float)):
        return expected * 3 + 17
    if isinstance(expected, str):
        return "certainly not " + expected
    return ["an item that does not belong"]


def test_unknown_exercise_lists_known_ids():
    with pytest.raises(KeyError, match="known exercise ids: .*00.1"):
        check("99.9", 1)


def test_numeric_gives_the_direction_for_check_to_show_on_first_tries():
    compare = numeric(rel_tol=0.01)
    assert compare(100.5, 100)[:2] == (True, "well done.")
    assert compare(120, 100)[2] == "too high"
    assert compare(80, 100)[2] == "too low"
    assert compare("abc", 100)[0] is False
    assert compare(True, 1)[0] is False


def test_exact_one_of_and_same_set_normalise_text():
    assert exact()("  Differentiate ", "differentiate")[0]
    assert not one_of(["a", "b"])("c", "a")[0]
    assert "Answer with one of" in one_of(["a", "b"])("c", "a")[1]
    assert same_set()(["B", "a"], ["a", "b"])[0]
    assert same_set()(["a"], ["a", "b"])[1] == "1 item(s) missing and 0 item(s) that do not belong."
