"""The bad-input battery: one row per case — the input, the call, and the expected class.

Each ``tests/battery/test_<area>.py`` holds a list ``CASES`` of :class:`Case`
rows. A case is a name, the public function or table it exercises
(``target``), a zero-argument ``call`` that builds the input and makes the
call, and one of four expected classes (DESIGN.md, "Tests"):

* :func:`refused` — a clear error: ``ValueError``/``TypeError`` (``SchemaError``
  is a ``ValueError``; ``FileNotFoundError`` for a missing file) whose
  message matches a pattern and mentions the table or parameter and column
  by name;
* :func:`cleaned` — a counted cleaning step: the report counts ``rows``
  under ``reason``;
* :func:`warned` — a warning of our own (:class:`IdicLabWarning`) with its reason;
* :func:`answered` — the right answer, checked by a function.

No case may let any other warning through (a ``RuntimeWarning`` from a
division by zero is the sign of a silent wrong answer), and no other kind of
exception (``KeyError``, ``IndexError``, ``ZeroDivisionError`` …) counts as a
clear error.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from idic_lab.diagnostics import IdicLabWarning

# FileNotFoundError is the conventional error for a missing file; ours name the absolute path.
CLEAR_ERRORS = (ValueError, TypeError, FileNotFoundError)
# Errors that subclass ValueError but are not written by us.
_FOREIGN_VALUE_ERRORS = ("JSONDecodeError", "UnicodeDecodeError", "UnicodeError", "LinAlgError")


@dataclass(frozen=True)
class Expectation:
    kind: str  # "refused" | "cleaned" | "warned" | "answered"
    check: Callable[[Callable[[], Any]], None]
    description: str


@dataclass(frozen=True)
class Case:
    """One row of the battery."""

    name: str
    target: str  # "schema.clean", "differentiate.rfm_scores", "table:campaign" …
    call: Callable[[], Any]
    expect: Expectation
    targets: Sequence[str] = field(default_factory=tuple)  # further functions or tables it covers

    def __str__(self) -> str:  # the id pytest shows
        return self.name

    @property
    def covers(self) -> set[str]:
        return {self.target, *self.targets}


def _foreign_warnings(caught: list[warnings.WarningMessage]) -> list[str]:
    return [f"{w.category.__name__}: {w.message}" for w in caught if not issubclass(w.category, IdicLabWarning)]


def _run(call: Callable[[], Any]) -> tuple[Any, BaseException | None, list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            return call(), None, caught
        except Exception as exc:  # noqa: BLE001 - the battery classifies every exception
            return None, exc, caught


def refused(match: str, *, mentions: Sequence[str] = (), error: type[BaseException] | tuple = CLEAR_ERRORS) -> Expectation:
    """A clear error whose message matches ``match`` (regex) and contains every word of ``mentions``."""

    def check(call: Callable[[], Any]) -> None:
        result, exc, caught = _run(call)
        assert exc is not None, f"expected a clear error matching {match!r}, but the call returned {result!r:.200}"
        name = type(exc).__name__
        assert isinstance(exc, error) and name not in _FOREIGN_VALUE_ERRORS, (
            f"expected ValueError/TypeError (FileNotFoundError) written by idic_lab, got {name}: {exc}"
        )
        message = str(exc)
        assert re.search(match, message, flags=re.S), f"message does not match {match!r}:\n{message}"
        for word in mentions:
            assert word in message, f"message does not mention {word!r}:\n{message}"
        assert len(message) >= 40, f"message too short to act on: {message!r}"
        assert not _foreign_warnings(caught), f"other warnings escaped: {_foreign_warnings(caught)}"

    return Expectation("refused", check, f"refused: {match}")


def cleaned(reason: str, rows: int, *, report: Callable[[Any], Any] = lambda result: result[1],
            changed: bool = False) -> Expectation:
    """A counted cleaning step: ``report(result).dropped[reason] == rows`` (or ``.changed``)."""

    def check(call: Callable[[], Any]) -> None:
        result, exc, caught = _run(call)
        assert exc is None, f"expected a counted cleaning step, got {type(exc).__name__}: {exc}"
        counts = report(result).changed if changed else report(result).dropped
        matching = {r: n for r, n in counts.items() if re.search(reason, r)}
        assert matching, f"no reason matching {reason!r} in {dict(counts)}"
        assert sum(matching.values()) == rows, f"counted {matching}, expected {rows} rows"
        assert not _foreign_warnings(caught), f"other warnings escaped: {_foreign_warnings(caught)}"

    return Expectation("cleaned", check, f"cleaned: {reason} x{rows}")


def warned(match: str, *, then: Callable[[Any], Any] | None = None) -> Expectation:
    """An :class:`IdicLabWarning` matching ``match``; ``then(result)`` may check the result too."""

    def check(call: Callable[[], Any]) -> None:
        result, exc, caught = _run(call)
        assert exc is None, f"expected a warning matching {match!r}, got {type(exc).__name__}: {exc}"
        ours = [str(w.message) for w in caught if issubclass(w.category, IdicLabWarning)]
        assert any(re.search(match, m, flags=re.S) for m in ours), (
            f"no IdicLabWarning matching {match!r}; ours: {ours}; others: {_foreign_warnings(caught)}"
        )
        assert not _foreign_warnings(caught), f"other warnings escaped: {_foreign_warnings(caught)}"
        if then is not None:
            assert then(result) is not False, "the result after the warning is wrong"

    return Expectation("warned", check, f"warned: {match}")


def answered(check_result: Callable[[Any], Any], description: str = "the right answer") -> Expectation:
    """The right answer: ``check_result(result)`` returns ``True``/``None`` (or asserts)."""

    def check(call: Callable[[], Any]) -> None:
        result, exc, caught = _run(call)
        assert exc is None, f"expected {description}, got {type(exc).__name__}: {exc}"
        assert check_result(result) is not False, f"wrong answer ({description}): {result!r:.300}"
        assert not _foreign_warnings(caught), f"other warnings escaped: {_foreign_warnings(caught)}"

    return Expectation("answered", check, description)


def run_case(case: Case) -> None:
    """Run one row of the battery."""
    case.expect.check(case.call)


def parametrize(cases: Sequence[Case]):
    """``@parametrize(CASES)`` on a test taking ``case``; ids are the case names (unique)."""
    names = [c.name for c in cases]
    repeated = {n for n in names if names.count(n) > 1}
    assert not repeated, f"case names must be unique: {sorted(repeated)}"
    return pytest.mark.parametrize("case", cases, ids=names)
