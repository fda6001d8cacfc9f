"""Exercise checks: feedback on a student's answer without giving it away.

Each notebook ends with exercises. A student computes an answer and calls
``check("02.1", answer)``; the reply says whether it is right and, when it is
not, gives a hint (and, for numbers, whether the answer is too high or too
low) but never the expected value.

Exercises are defined next to the stage they belong to, in the submodules of
this package (``start_here``, ``differentiate``, …); each calls
:func:`register`. A reference solution is a function that computes the
expected answer from the bundled data, so the answers stay right when a data
set or a method changes; the test suite runs every reference solution
through its own check.
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
    "CheckResult",
    "Exercise",
    "check",
    "exact",
    "get_exercise",
    "list_exercises",
    "numeric",
    "one_of",
    "register",
    "same_set",
]

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
        Shown with a wrong answer; must not contain the answer.
    """

    id: str
    notebook: str
    question: str
    solution: Callable[[], Any]
    compare: Callable[[Any, Any], tuple[bool, str]]
    hint: str
    tags: tuple[str, ...] = field(default=())


_REGISTRY: dict[str, Exercise] = {}


def register(exercise: Exercise) -> Exercise:
    """Add an exercise to the registry (ids must be unique)."""
    if exercise.id in _REGISTRY:
        raise ValueError(f"exercise id {exercise.id!r} is registered twice")
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
    expected = exercise.solution()
    correct, feedback = exercise.compare(answer, expected)
    if correct:
        return CheckResult(exercise_id, True, feedback or "well done.")
    message = " ".join(part for part in (feedback, f"Hint: {exercise.hint}") if part)
    return CheckResult(exercise_id, False, message)


# --- comparators ---------------------------------------------------------


def numeric(*, rel_tol: float = 0.01, abs_tol: float = 0.0) -> Callable[[Any, Any], tuple[bool, str]]:
    """Compare numbers within a relative or absolute tolerance.

    Wrong answers are told whether they are too high or too low.
    """

    def compare(answer: Any, expected: Any) -> tuple[bool, str]:
        try:
            value = float(np.asarray(answer, dtype=float))
        except (TypeError, ValueError):
            return False, f"Expected a single number, got {type(answer).__name__}."
        if not np.isfinite(value):
            return False, "The answer is not a finite number."
        tolerance = max(abs_tol, rel_tol * abs(float(expected)))
        if abs(value - float(expected)) <= tolerance:
            return True, "well done."
        direction = "too high" if value > expected else "too low"
        return False, f"Your answer is {direction}."

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
