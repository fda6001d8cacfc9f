"""Exercise checks: feedback on a student's answer without giving it away.

Each notebook ends with exercises. A student computes an answer and calls
``check("02.1", answer)``; the reply says whether it is right and, when it is
not, says which typical mistake the answer looks like (a percentage entered
for a fraction, a count for a share, rows for customers, the wrong period)
and gives a hint that teaches the idea, never the expected value nor the
exact call.

Numbers: the first wrong tries are told "too high" or "too low"; after
:data:`DIRECTED_TRIES` of them the reply points to the concept instead, so a
student cannot home in on the answer by halving the interval.

Written questions (:func:`written`) take a few sentences; after a genuine
try the reply shows the model answer and which key points the student's
text covers. :func:`reveal` shows a model answer too, but only after a try.

Exercises are defined next to the stage they belong to, in the submodules of
this package (``start_here``, ``differentiate``, …); each calls
:func:`register`. A reference solution is a function that computes the
expected answer from the bundled data, so the answers stay right when a data
set or a method changes; the test suite runs every reference solution
through its own check, and every listed mistake through the check too.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "DIRECTED_TRIES",
    "CheckResult",
    "Exercise",
    "Mistake",
    "check",
    "exact",
    "get_exercise",
    "list_exercises",
    "numeric",
    "one_of",
    "register",
    "reset_attempts",
    "reveal",
    "same_set",
    "written",
]

#: Wrong numeric tries told "too high"/"too low" before the reply turns to the concept.
DIRECTED_TRIES = 2

Comparator = Callable[[Any, Any], "CheckResult"]


@dataclass(frozen=True)
class CheckResult:
    """The verdict on one answer; truthy when correct."""

    exercise_id: str
    correct: bool
    message: str

    def __bool__(self) -> bool:
        return self.correct

    def __str__(self) -> str:
        mark = "Correct" if self.correct else "Not yet"
        return f"[{self.exercise_id}] {mark}: {self.message}"

    def _repr_html_(self) -> str:
        colour = "#1b7f3b" if self.correct else "#b34700"
        mark = "&#10004; Correct" if self.correct else "&#10008; Not yet"
        return (
            f'<div style="border-left:4px solid {colour};padding:4px 8px">'
            f"<b>{mark}</b> (exercise {self.exercise_id}): {_escape(self.message)}</div>"
        )


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer and what it tells about the student's thinking.

    Parameters
    ----------
    answer : callable
        Computes the answer the mistake gives (no arguments), from the same
        data as the solution: e.g. the number of rows where customers were
        asked for, or the figure for 52 weeks where 39 were asked for.
    feedback : str
        What the student mixed up, said so that it teaches the difference;
        must not contain the expected answer.
    """

    answer: Callable[[], Any]
    feedback: str


@dataclass(frozen=True)
class Exercise:
    """One exercise.

    Parameters
    ----------
    id : str
        ``"<notebook number>.<n>"``, e.g. ``"02.1"``.
    notebook : str
        The notebook file the exercise belongs to.
    question : str
        The task as the student reads it.
    solution : callable
        Computes the reference answer (no arguments).
    compare : callable
        ``compare(answer, expected) -> (correct, feedback)``; build it with
        :func:`numeric`, :func:`exact`, :func:`one_of` or :func:`same_set`.
    hint : str
        Shown with a wrong answer: the idea to think about, not the exact
        call; must not contain the answer.
    mistakes : tuple of Mistake
        Typical wrong answers recognised by name (numeric exercises); a
        percentage for a share is recognised by :func:`numeric` itself when
        ``share=True``.
    model_answer : str
        For written questions: shown after a genuine try (or by :func:`reveal`).
    """

    id: str
    notebook: str
    question: str
    solution: Callable[[], Any]
    compare: Callable[[Any, Any], tuple[bool, str]]
    hint: str
    tags: tuple[str, ...] = field(default=())
    mistakes: tuple[Mistake, ...] = field(default=())
    model_answer: str = ""

    @property
    def kind(self) -> str:
        """``"numeric"``, ``"written"`` or ``"choice"`` (any other comparator)."""
        return getattr(self.compare, "kind", "choice")


_REGISTRY: dict[str, Exercise] = {}
_WRONG_TRIES: dict[str, int] = {}
_TRIED: set[str] = set()


def register(exercise: Exercise) -> Exercise:
    """Add an exercise to the registry (ids must be unique)."""
    if exercise.id in _REGISTRY:
        raise ValueError(f"exercise id {exercise.id!r} is registered twice")
    if exercise.kind == "written" and not exercise.model_answer.strip():
        raise ValueError(f"written exercise {exercise.id!r} needs a model_answer")
    _REGISTRY[exercise.id] = exercise
    return exercise


@cache
def _load_all() -> None:
    # Exercise modules import the stage modules (and their data); load them
    # only when an exercise is first asked for, not at `import idic_lab`.
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


def get_exercise(exercise_id: str) -> Exercise:
    """Return the exercise with this id, or raise a KeyError listing the ids."""
    _load_all()
    try:
        return _REGISTRY[exercise_id]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise KeyError(
            f"no exercise {exercise_id!r}; known exercise ids: {known}"
        ) from None


def list_exercises(notebook: str | None = None) -> pd.DataFrame:
    """Table of exercises (id, notebook, question), optionally for one notebook."""
    _load_all()
    rows = [
        {"id": e.id, "notebook": e.notebook, "question": e.question}
        for e in sorted(_REGISTRY.values(), key=lambda e: e.id)
        if notebook is None or e.notebook == notebook
    ]
    return pd.DataFrame(rows, columns=["id", "notebook", "question"])


def check(exercise_id: str, answer: Any) -> CheckResult:
    """Check a student's answer to an exercise.

    Returns a :class:`CheckResult` that displays as a short verdict in a
    notebook and is truthy when the answer is right.
    """
    exercise = get_exercise(exercise_id)
    if answer is None or answer is Ellipsis:
        return CheckResult(exercise_id, False, "No answer yet: replace the `...` with your answer.")
    if exercise.kind == "written":
        return _check_written(exercise, answer)
    expected = exercise.solution()
    verdict = exercise.compare(answer, expected)
    correct, feedback = verdict[0], verdict[1]
    if correct:
        _TRIED.add(exercise_id)
        return CheckResult(exercise_id, True, feedback or "well done.")
    mistake = _known_mistake(exercise, answer, expected)
    if mistake is None and len(verdict) > 2 and verdict[2]:  # a number, wrong: direction, then the concept
        _TRIED.add(exercise_id)
        tries = _WRONG_TRIES[exercise_id] = _WRONG_TRIES.get(exercise_id, 0) + 1
        feedback = (
            f"Your answer is {verdict[2]}." if tries <= DIRECTED_TRIES
            else "Guessing closer will not get you there: go back to the idea behind the question."
        )
    elif mistake is not None:
        _TRIED.add(exercise_id)
        feedback = mistake
    message = " ".join(part for part in (feedback, f"Hint: {exercise.hint}") if part)
    return CheckResult(exercise_id, False, message)


def reveal(exercise_id: str) -> CheckResult:
    """Show the model answer of a written exercise, once the student has tried it."""
    exercise = get_exercise(exercise_id)
    if exercise.kind != "written":
        return CheckResult(exercise_id, False, "Only written questions have a model answer to reveal; "
                           "for this one, check(...) tells you how close you are.")
    if exercise_id not in _TRIED:
        return CheckResult(exercise_id, False, "Write your own answer first and check it with "
                           f'check("{exercise_id}", "your answer"); the model answer appears after a try.')
    return CheckResult(exercise_id, True, f"Model answer: {exercise.model_answer}")


def reset_attempts() -> None:
    """Forget every try (a fresh start, as in a new kernel)."""
    _WRONG_TRIES.clear()
    _TRIED.clear()


def _known_mistake(exercise: Exercise, answer: Any, expected: Any) -> str | None:
    """The feedback of the first listed mistake the answer matches (numbers only)."""
    if exercise.kind != "numeric":
        return None
    for mistake in exercise.mistakes:
        if exercise.compare(answer, mistake.answer())[0] and not exercise.compare(mistake.answer(), expected)[0]:
            return mistake.feedback
    share_feedback = getattr(exercise.compare, "share_mistake", None)
    return share_feedback(answer, expected) if share_feedback else None


def _check_written(exercise: Exercise, answer: Any) -> CheckResult:
    if not isinstance(answer, str):
        return CheckResult(exercise.id, False, "Answer in a few sentences, as text between quotes.")
    correct, feedback = exercise.compare(answer, exercise.solution())[:2]
    if feedback.startswith("Write"):  # too short to count as a try
        return CheckResult(exercise.id, False, feedback)
    _TRIED.add(exercise.id)
    return CheckResult(exercise.id, correct, f"{feedback} Compare with the model answer: {exercise.model_answer}")


# --- comparators ---------------------------------------------------------


def numeric(
    *, rel_tol: float = 0.01, abs_tol: float = 0.0, share: bool = False
) -> Callable[[Any, Any], tuple]:
    """Compare numbers within a relative or absolute tolerance.

    A wrong number gets its direction ("too high"/"too low") as a third
    element, which :func:`check` shows only for the first tries. With
    ``share=True`` (answers between 0 and 1) a percentage for the fraction
    and the complementary share (the other group's) are recognised.
    """

    def compare(answer: Any, expected: Any) -> tuple:
        value = _as_number(answer)
        if value is None:
            return False, f"Expected a single number, got {type(answer).__name__}.", None
        if not np.isfinite(value):
            return False, "The answer is not a finite number.", None
        if _close(value, float(expected)):
            return True, "well done.", None
        return False, "", "too high" if value > expected else "too low"

    def _close(value: float, expected: float) -> bool:
        return abs(value - expected) <= max(abs_tol, rel_tol * abs(expected))

    def share_mistake(answer: Any, expected: Any) -> str | None:
        value = _as_number(answer)
        if value is None or not share:
            return None
        if value > 1 and _close(value / 100, float(expected)):
            return ("That looks like a percentage. A share here is a fraction between 0 and 1: "
                    "45 % is written 0.45.")
        if _close(1 - value, float(expected)):
            return "That is the share of the other group: check which group the question asks about."
        return None

    compare.kind = "numeric"
    compare.share_mistake = share_mistake
    return compare


def _as_number(answer: Any) -> float | None:
    if isinstance(answer, (str, bool)):
        return None
    try:
        return float(np.asarray(answer, dtype=float))
    except (TypeError, ValueError):
        return None


def written(key_points: dict[str, Iterable[str]], *, min_words: int = 12) -> Callable[[Any, Any], tuple]:
    """A written question: the answer is text, compared with key points.

    ``key_points`` maps each point a good answer makes (said in a few words)
    to words that show it is made, e.g. ``{"recency matters": ("recen", "last
    purchase")}``; matching is by lower-case substring. An answer is counted
    as right when it makes every point; either way :func:`check` then shows
    the model answer.
    """
    points = {point: tuple(w.lower() for w in words) for point, words in key_points.items()}
    if not points:
        raise ValueError("written: give at least one key point")

    def compare(answer: Any, expected: Any) -> tuple[bool, str]:
        text = " ".join(str(answer).lower().split())
        if len(text.split()) < min_words:
            return False, f"Write at least {min_words} words in your own words first; then check again."
        made = [p for p, words in points.items() if any(w in text for w in words)]
        missed = [p for p in points if p not in made]
        said = f"Your answer makes {len(made)} of {len(points)} key points"
        if missed:
            return False, f"{said}; think again about: {'; '.join(missed)}."
        return True, f"{said}."

    compare.kind = "written"
    return compare


def exact() -> Callable[[Any, Any], tuple[bool, str]]:
    """Compare with ``==`` after normalising strings (case, spaces)."""

    def compare(answer: Any, expected: Any) -> tuple[bool, str]:
        if _normalise(answer) == _normalise(expected):
            return True, "well done."
        return False, "That is not it."

    return compare


def one_of(choices: Iterable[str]) -> Callable[[Any, Any], tuple[bool, str]]:
    """Multiple choice: the answer must be one of ``choices``."""
    valid = {_normalise(c): c for c in choices}

    def compare(answer: Any, expected: Any) -> tuple[bool, str]:
        key = _normalise(answer)
        if key not in valid:
            return False, f"Answer with one of: {', '.join(repr(c) for c in valid.values())}."
        if key == _normalise(expected):
            return True, "well done."
        return False, "That choice is not the best one."

    compare.choices = tuple(valid.values())  # lets tests pick a wrong choice
    return compare


def same_set() -> Callable[[Any, Any], tuple[bool, str]]:
    """Compare collections ignoring order and case; says how many are missing or extra."""

    def compare(answer: Any, expected: Any) -> tuple[bool, str]:
        if isinstance(answer, str) or not isinstance(answer, Iterable):
            return False, "Expected a list of items."
        given = {_normalise(a) for a in answer}
        wanted = {_normalise(e) for e in expected}
        if given == wanted:
            return True, "well done."
        missing, extra = len(wanted - given), len(given - wanted)
        return False, f"{missing} item(s) missing and {extra} item(s) that do not belong."

    return compare


def _normalise(value: Any) -> Any:
    if isinstance(value, str):
        return " ".join(value.lower().split())
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    return value


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
