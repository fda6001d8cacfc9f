"""CRM maturity assessment across the models: questionnaire, scoring, gaps, evidence.

The questionnaire (``idic_lab/data/assessment_questionnaire.csv``; see
``datasets/README.md``) has one row per item. Each item is a statement in
our own words about a customer-management practice, tagged to the
components of the models it evidences (``"qci:win_back; buttle:..."``).
As in QCi's assessment, each item is scored twice on a 1-5 scale:

* **intention** — how far the firm means to do it (policy, plans);
* **reality** — how far it is really done, day to day.

Scoring rules (all unweighted means, so they can be checked by hand):

* item: intention, reality, ``gap = intention - reality`` and
  ``priority = importance x max(gap, 0)`` (importance 1-3 from the
  questionnaire);
* component: mean over the items tagged to the component *or to any of its
  sub-components*;
* capability: mean over the items tagged to at least one component that
  maps to the capability (each item counted once);
* model: mean of its top-level component scores.

Maturity levels cut the 1-5 range into five equal bands (see
:func:`maturity_levels`).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from idic_lab.diagnostics import warn
from idic_lab.formatting import percent
from idic_lab.frameworks._models import CAPABILITIES, LAB_SECTIONS, FrameworkError, Model, _as_models, _did_you_mean
from idic_lab.results import load_results
from idic_lab.schema import SchemaError, check_frame, column_mapping, read_file

__all__ = [
    "EVIDENCE_FACTS",
    "EXAMPLE_CLIENT",
    "Assessment",
    "AssessmentInputs",
    "EvidenceFact",
    "assessment_inputs",
    "check_responses",
    "collect_facts",
    "evidence_from_data",
    "example_facts",
    "example_responses",
    "gap_analysis",
    "load_questionnaire",
    "load_responses",
    "maturity_level",
    "maturity_levels",
    "measured_evidence",
    "questionnaire_template",
    "recommendations",
    "record_assessment",
    "revise_answers",
    "score_assessment",
]

DATA = Path(__file__).resolve().parents[1] / "data"
QUESTIONNAIRE_FILE = DATA / "assessment_questionnaire.csv"
EXAMPLE_RESPONSES_FILE = DATA / "assessment_example_responses.csv"
EXAMPLE_FACTS_FILE = DATA / "assessment_example_facts.json"

EXAMPLE_CLIENT = "Harbour & Pine Home Goods (fictional)"
"""The name of the bundled fictional example company (teaching mode only)."""
CLIENT_PLACEHOLDER = "the client"
_MODES = ("teaching", "client")

_TABLE = "assessment"
_SCORES = ("intention", "reality")

# --------------------------------------------------------------------------
# Maturity levels
# --------------------------------------------------------------------------

_LEVELS = (
    (1, "ad hoc", "Done by some people some of the time, if at all; no shared method or owner."),
    (2, "emerging", "Recognised as needed and tried in places; results depend on individuals."),
    (3, "defined", "A common, written way of working is used across the firm."),
    (4, "managed", "Done routinely, measured, and corrected when the measures slip."),
    (5, "optimised", "Continuously tested and improved; a model for others."),
)


def maturity_levels() -> pd.DataFrame:
    """The five maturity levels with their score bands and descriptors.

    The 1-5 range is cut into five equal bands of width 0.8: level 1 is
    ``[1.0, 1.8)``, level 2 ``[1.8, 2.6)``, level 3 ``[2.6, 3.4)``, level 4
    ``[3.4, 4.2)`` and level 5 ``[4.2, 5.0]``.
    """
    return pd.DataFrame(
        [
            {"level": lvl, "name": name, "from": 1 + 0.8 * (lvl - 1), "to": 1 + 0.8 * lvl, "descriptor": text}
            for lvl, name, text in _LEVELS
        ]
    )


def maturity_level(score: float) -> int:
    """Maturity level (1-5) of a score on the 1-5 scale (see :func:`maturity_levels`).

    Parameters
    ----------
    score : float
        A mean score from 1 to 5.

    Returns
    -------
    int

    Raises
    ------
    ValueError
        For a missing (None/NaN) or infinite score, or one outside 1-5: a
        component without answered items has no score, hence no level (its
        tables show level 0 and ``n_items`` 0).
    TypeError
        For a score that is not a number.
    """
    if score is None or (isinstance(score, float) and np.isnan(score)):
        raise ValueError(f"maturity_level: score is missing ({score!r}), so there is no maturity level; a "
                         "component or model without answered items has no score (tables show level 0).")
    if isinstance(score, (bool, np.bool_)) or not isinstance(score, (int, float, np.integer, np.floating)):
        raise TypeError(f"maturity_level: score must be a number from 1 to 5, found {type(score).__name__} "
                        f"{score!r}.")
    if not np.isfinite(score) or not 1 - 1e-9 <= float(score) <= 5 + 1e-9:
        raise ValueError(f"maturity_level: score must be a number from 1 to 5 (the answer scale), found {score!r}.")
    return _level(float(score))


def _level(score: float) -> int:
    return int(min(5, 1 + np.floor((score - 1) / 0.8 + 1e-9)))


def _levels(scores: pd.Series) -> pd.Series:
    """Levels of mean scores; 0 marks "not scored" (no answered item)."""
    return scores.map(lambda v: 0 if pd.isna(v) else _level(float(v))).astype("int64")


# --------------------------------------------------------------------------
# Questionnaire
# --------------------------------------------------------------------------


@cache
def _questionnaire_cached(path: str) -> pd.DataFrame:
    return _read_questionnaire(Path(path))


def load_questionnaire(path: str | Path | None = None) -> pd.DataFrame:
    """The maturity questionnaire, checked against the bundled models.

    Parameters
    ----------
    path : str or Path, optional
        Default: the bundled questionnaire.

    Returns
    -------
    DataFrame
        One row per item: ``item_id``, ``area`` (a capability), ``question``,
        ``components`` (tuple of ``"model:component"`` keys), ``importance``
        (1-3), ``lab`` (tuple of lab-section ids), ``evidence`` (a fact of
        :data:`EVIDENCE_FACTS` or ``""``). A new copy on every call.

    Raises
    ------
    FrameworkError
        On a file that is missing, empty, not UTF-8 text or not CSV; on
        repeated item ids, unknown components, capabilities, lab sections or
        evidence facts, or importance outside 1-3.
    """
    if path is None:  # the bundled file never changes: read it once
        return _questionnaire_cached(str(QUESTIONNAIRE_FILE)).copy()
    if not isinstance(path, (str, Path)):
        raise TypeError(f"load_questionnaire: path must be a file path (or None for the bundled questionnaire), "
                        f"found {type(path).__name__}.")
    return _read_questionnaire(Path(path))


def _split(value: Any) -> tuple[str, ...]:
    if not isinstance(value, str):
        return ()
    return tuple(part.strip() for part in value.split(";") if part.strip())


def _read_questionnaire(path: Path) -> pd.DataFrame:
    where = f"Questionnaire '{path.name}'"
    if not path.is_file():
        raise FrameworkError(f"{where}: no such file at {path.resolve()}")
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise FrameworkError(f"{where} ({path}): not UTF-8 text (byte {exc.start}: {exc.reason}); save it as "
                             "UTF-8 CSV.") from exc
    except pd.errors.EmptyDataError as exc:
        raise FrameworkError(f"{where} ({path}): the file is empty; expected a CSV with the columns item_id, "
                             "area, question, components, importance, lab, evidence.") from exc
    except pd.errors.ParserError as exc:
        raise FrameworkError(f"{where} ({path}): not a readable CSV ({exc}); check quoting and separators.") from exc
    needed = ["item_id", "area", "question", "components", "importance", "lab", "evidence"]
    missing = [c for c in needed if c not in raw.columns]
    if missing:
        raise FrameworkError(f"{where}: missing column(s) {missing}; found {list(raw.columns)}")
    if raw.empty:
        raise FrameworkError(f"{where}: expected one row per item, found no rows (only the header).")
    repeated = raw["item_id"][raw["item_id"].duplicated()].tolist()
    if repeated:
        raise FrameworkError(f"{where}: item id(s) {repeated} appear more than once; each item needs its own id")
    keys = _component_keys()
    rows = []
    for _, row in raw.iterrows():
        here = f"{where}, item {row['item_id']!r}"
        comps = _split(row["components"])
        if not comps:
            raise FrameworkError(f"{here}: tagged to no component")
        unknown = [c for c in comps if c not in keys]
        if unknown:
            close = difflib.get_close_matches(unknown[0], list(keys), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise FrameworkError(f"{here}: unknown component {unknown[0]!r} (expected 'model:component').{hint}")
        if row["area"] not in CAPABILITIES:
            raise FrameworkError(f"{here}: area {row['area']!r} is not a capability of the taxonomy")
        if row["importance"] not in ("1", "2", "3"):
            raise FrameworkError(f"{here}: importance must be 1, 2 or 3, found {row['importance']!r}")
        lab = _split(row["lab"])
        bad_lab = [s for s in lab if s not in LAB_SECTIONS]
        if bad_lab:
            raise FrameworkError(f"{here}: unknown lab section {bad_lab[0]!r}")
        if row["evidence"] and row["evidence"] not in EVIDENCE_FACTS:
            raise FrameworkError(f"{here}: unknown evidence fact {row['evidence']!r}; known: {', '.join(EVIDENCE_FACTS)}")
        rows.append(
            {
                "item_id": row["item_id"],
                "area": row["area"],
                "question": row["question"],
                "components": comps,
                "importance": int(row["importance"]),
                "lab": lab,
                "evidence": row["evidence"],
            }
        )
    return pd.DataFrame(rows)


def _component_keys(models: Mapping[str, Model] | None = None) -> dict[str, Any]:
    models = _as_models(models)
    return {comp.key: comp for model in models.values() for comp in model.components}


def questionnaire_template(path: str | Path, *, respondent: str = "") -> Path:
    """Write the questionnaire as a CSV for a client to fill in.

    Columns: ``item_id``, ``area``, ``question``, ``intention``, ``reality``
    (empty: write a whole number 1-5 in each), ``respondent`` and
    ``comment``. Read the filled file with :func:`load_responses`; the
    ``area`` and ``question`` columns may stay.

    Parameters
    ----------
    path : str or Path
        Where to write the CSV (folders are created).
    respondent : str
        Pre-filled respondent name (optional).

    Returns
    -------
    Path
        The file written.
    """
    if not isinstance(path, (str, Path)):
        raise TypeError(f"questionnaire_template: path must be a file path such as 'answers.csv', found "
                        f"{type(path).__name__}.")
    if not isinstance(respondent, str):
        raise TypeError(f"questionnaire_template: respondent must be text (a name), found {respondent!r}.")
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"questionnaire_template: {path.resolve()} is a folder; give a file name inside it, "
                         f"e.g. {str(path / 'maturity_answers.csv')!r}.")
    path.parent.mkdir(parents=True, exist_ok=True)
    questions = load_questionnaire()
    template = pd.DataFrame(
        {
            "item_id": questions["item_id"],
            "area": questions["area"],
            "question": questions["question"],
            "intention": "",
            "reality": "",
            "respondent": respondent,
            "comment": "",
        }
    )
    template.to_csv(path, index=False)
    return path


# --------------------------------------------------------------------------
# Responses
# --------------------------------------------------------------------------


def _error(column: str, expected: str, found: str, bad: pd.Series, n_rows: int, advice: str = "") -> SchemaError:
    shown = "; ".join(f"row {i}: {v!r}" for i, v in bad.head(5).items())
    message = (
        f"Table '{_TABLE}', column '{column}': expected {expected}, but {len(bad)} of {n_rows} rows "
        f"{found}. Examples: {shown}."
    )
    if advice:
        message += f" {advice}"
    return SchemaError(message, table=_TABLE, column=column, n_bad=len(bad), n_rows=n_rows,
                       examples=list(bad.head(5).items()))


def _score_column(values: pd.Series, column: str, n_rows: int) -> pd.Series:
    text = values.astype("str").str.strip().mask(values.isna())
    text = text.mask(text == "")
    missing = text.isna()
    if missing.any():
        raise _error(column, "a whole number 1 to 5 in every row", "are empty", values[missing], n_rows,
                     "Score every item, or delete the rows of unanswered items and pass allow_missing=True.")
    if pd.api.types.is_bool_dtype(values) or values.map(lambda v: isinstance(v, (bool, np.bool_))).any():
        flags = values.map(lambda v: isinstance(v, (bool, np.bool_)))
        raise _error(column, "a whole number 1 to 5", "are True/False, not scores", values[flags], n_rows,
                     "Write the score as a digit from 1 to 5.")
    numbers = pd.to_numeric(text, errors="coerce")
    not_numbers = numbers.isna()
    if not_numbers.any():
        raise _error(column, "a whole number 1 to 5", "contain text that is not a number (wrong type)",
                     values[not_numbers], n_rows, "Write the score as a digit, e.g. 3, not a word.")
    infinite = ~np.isfinite(numbers.to_numpy(dtype="float64"))
    if infinite.any():
        raise _error(column, "a whole number 1 to 5", "are infinite", values[infinite], n_rows,
                     "Write the score as a digit from 1 to 5.")
    fractional = numbers % 1 != 0
    if fractional.any():
        raise _error(column, "a whole number 1 to 5", "are not whole numbers", values[fractional], n_rows,
                     "Round to the nearest whole score.")
    outside = (numbers < 1) | (numbers > 5)
    if outside.any():
        raise _error(column, "a whole number 1 to 5", "are outside 1 to 5", values[outside], n_rows,
                     "The scale is 1 = ad hoc ... 5 = optimised; fix those answers.")
    return numbers.astype("int64")


def _mapped(responses: pd.DataFrame, columns: Any) -> pd.DataFrame:
    """``responses`` with the client's column names mapped onto the canonical ones (a new frame)."""
    check_frame(responses, f"Table '{_TABLE}'")
    mapping = column_mapping(columns)
    canonical = ["item_id", *_SCORES, "respondent", "comment"]
    unknown = [k for k in mapping if k not in canonical]
    if unknown:
        raise SchemaError(
            f"Table '{_TABLE}': columns maps unknown canonical name(s) {unknown}; the canonical names are "
            f"{', '.join(canonical)}.{_did_you_mean(unknown[0], canonical)} Write columns={{canonical: your column}}.",
            table=_TABLE, column=unknown[0], n_rows=len(responses),
        )
    absent = {k: v for k, v in mapping.items() if v not in responses.columns}
    if absent:
        raise SchemaError(
            f"Table '{_TABLE}': columns maps {absent}, but the table has no column {list(absent.values())[0]!r}; its "
            f"columns are {[str(c) for c in responses.columns]}.",
            table=_TABLE, column=next(iter(absent)), n_rows=len(responses),
        )
    frame = responses.rename(columns={v: k for k, v in mapping.items()})
    repeated = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
    if repeated:
        raise SchemaError(
            f"Table '{_TABLE}': expected each column once, found {repeated} more than once ({len(frame)} rows), "
            "after mapping your column names. Drop or rename the repeated columns.",
            table=_TABLE, column=repeated[0], n_rows=len(frame),
        )
    return frame


def _as_questionnaire(questionnaire: Any) -> pd.DataFrame:
    """The questionnaire argument: the bundled one by default, else a table with its columns."""
    if questionnaire is None:
        return load_questionnaire()
    needed = ["item_id", "area", "question", "components", "importance", "lab", "evidence"]
    if not isinstance(questionnaire, pd.DataFrame) or any(c not in questionnaire.columns for c in needed):
        raise TypeError(f"questionnaire: expected the table of load_questionnaire() (columns {', '.join(needed)}), "
                        f"found {type(questionnaire).__name__}.")
    if questionnaire.empty:
        raise ValueError("questionnaire: expected at least one item, found an empty table; use load_questionnaire().")
    return questionnaire


def check_responses(
    responses: pd.DataFrame,
    *,
    columns: Mapping[str, str] | None = None,
    questionnaire: pd.DataFrame | None = None,
    allow_missing: bool = False,
) -> pd.DataFrame:
    """Check a table of answers and return a clean, typed copy.

    Parameters
    ----------
    responses : DataFrame
        One row per item (per respondent): ``item_id``, ``intention``,
        ``reality``; optional ``respondent`` and ``comment``; other columns
        are kept. Never modified.
    columns : dict, optional
        ``{canonical: your column}``, e.g. ``{"reality": "Ist"}``.
    questionnaire : DataFrame, optional
        Default: :func:`load_questionnaire`.
    allow_missing : bool
        If False (default) every questionnaire item must be answered. If
        True, unanswered items are left out (they are listed in
        :attr:`Assessment.missing_items`) and components without any answered
        item get no score.

    Returns
    -------
    DataFrame
        ``item_id`` (str), ``intention`` and ``reality`` (int64 1-5),
        ``respondent`` (str; ``""`` if absent), ``comment`` and other columns.

    Raises
    ------
    SchemaError
        Naming table ``'assessment'``, the column, what was expected, what
        was found and how many rows: a required column missing (a single
        ``score`` column, as in the generic contract, is not enough: this
        questionnaire needs both intention and reality), an empty table,
        empty, non-numeric, fractional or out-of-range scores, unknown item
        ids, an item answered twice by the same respondent, or unanswered
        items (unless ``allow_missing``).
    """
    if not isinstance(responses, pd.DataFrame):
        raise SchemaError(f"Table '{_TABLE}': expected a pandas DataFrame with the columns item_id, intention, "
                          f"reality, found {type(responses).__name__}.", table=_TABLE)
    if not isinstance(allow_missing, (bool, np.bool_)):
        raise TypeError(f"allow_missing: expected True or False, found {allow_missing!r}.")
    frame = _mapped(responses, columns)
    needed = ["item_id", *_SCORES]
    absent = [c for c in needed if c not in frame.columns]
    if absent:
        extra = (" The file has a single 'score' column: this questionnaire needs two scores per item, "
                 "'intention' and 'reality' (see questionnaire_template)." if "score" in frame.columns else "")
        raise SchemaError(
            f"Table '{_TABLE}', column '{absent[0]}': expected the columns {needed}, but {absent} "
            f"are missing. Columns found: {[str(c) for c in frame.columns]}.{extra} If your file names "
            f"them differently, pass columns={{'reality': '<your column>', ...}}.",
            table=_TABLE, column=absent[0], n_rows=len(frame),
        )
    n_rows = len(frame)
    if n_rows == 0:
        raise SchemaError(f"Table '{_TABLE}' is empty: expected one row per item (item_id, intention, reality), "
                          "found 0 rows. Fill in the answers of questionnaire_template().",
                          table=_TABLE, n_bad=0, n_rows=0)
    ids = frame["item_id"].astype("str").str.strip().mask(frame["item_id"].isna())
    if ids.isna().any() or (ids == "").any():
        bad = frame["item_id"][ids.isna() | (ids == "")]
        raise _error("item_id", "an item id in every row", "are empty", bad, n_rows)
    questionnaire = _as_questionnaire(questionnaire)
    known = list(questionnaire["item_id"])
    unknown = ~ids.isin(known)
    if unknown.any():
        guesses = []
        for bad in dict.fromkeys(ids[unknown].tolist()):  # each unknown id once, in order
            close = difflib.get_close_matches(bad, known, n=1) or difflib.get_close_matches(bad.upper(), known, n=1)
            if close:
                guesses.append(f"{bad!r} -> {close[0]!r}")
        hint = f" Closest known ids: {', '.join(guesses[:5])}." if guesses else ""
        raise _error("item_id", f"item ids of the questionnaire ({known[0]} … {known[-1]})",
                     "are unknown item ids", frame["item_id"][unknown], n_rows,
                     f"Use the ids of questionnaire_template().{hint}")
    out = frame.copy()
    out["item_id"] = ids
    for column in _SCORES:
        out[column] = _score_column(frame[column], column, n_rows)
    if "respondent" in out.columns:
        out["respondent"] = out["respondent"].fillna("").astype("str").str.strip()
    else:
        out["respondent"] = ""
    doubled = out.duplicated(["item_id", "respondent"], keep=False)
    if doubled.any():
        pairs = out.loc[doubled, ["item_id", "respondent"]].drop_duplicates()
        shown = ", ".join(f"{i!r} by {r or '(no respondent)'!r}" for i, r in pairs.head(5).itertuples(index=False))
        raise SchemaError(
            f"Table '{_TABLE}', columns 'item_id' + 'respondent': expected each item once per respondent, but "
            f"{int(doubled.sum())} of {n_rows} rows repeat an answer ({len(pairs)} item(s): {shown}). Keep one "
            "answer per item and respondent, or give each respondent's name in a 'respondent' column.",
            table=_TABLE, column="item_id", n_bad=int(doubled.sum()), n_rows=n_rows,
        )
    unanswered = [i for i in known if i not in set(out["item_id"])]
    if unanswered and not allow_missing:
        raise SchemaError(
            f"Table '{_TABLE}', column 'item_id': expected all {len(known)} items of the questionnaire, "
            f"but {len(unanswered)} are not answered (found {out['item_id'].nunique()} of {len(known)}). "
            f"Missing: {', '.join(unanswered[:10])}{' …' if len(unanswered) > 10 else ''}. Answer them, or "
            "pass allow_missing=True to score only the answered items.",
            table=_TABLE, column="item_id", n_bad=len(unanswered), n_rows=n_rows,
        )
    first = ["item_id", *_SCORES, "respondent"]
    return out[first + [c for c in out.columns if c not in first]].reset_index(drop=True)


def load_responses(
    source: str | Path | pd.DataFrame,
    *,
    columns: Mapping[str, str] | str | None = None,
    allow_missing: bool = False,
    encoding: str | None = None,
) -> pd.DataFrame:
    """Read (CSV/TSV/Parquet/Excel via :func:`idic_lab.schema.read_file`) and check answers.

    Parameters
    ----------
    source : str, Path or DataFrame
        The answers file (or a table already read).
    columns, allow_missing
        As in :func:`check_responses`.
    encoding : str, optional
        Text encoding of a CSV file, e.g. ``"cp1252"`` (default: that of :func:`~idic_lab.schema.read_file`).

    Returns
    -------
    DataFrame
        As :func:`check_responses`.

    Raises
    ------
    FileNotFoundError
        If there is no file at ``source``.
    SchemaError
        If the file cannot be read (encoding, empty, not a table) or its
        answers break the rules of :func:`check_responses`; the message
        names the file.
    """
    if isinstance(source, pd.DataFrame):
        return check_responses(source, columns=columns, allow_missing=allow_missing)
    if not isinstance(source, (str, Path)):
        raise TypeError(f"load_responses: source must be a file path or a DataFrame, found {type(source).__name__}.")
    path = Path(source)
    frame = _read_answers(path, encoding)
    try:
        return check_responses(frame, columns=columns, allow_missing=allow_missing)
    except SchemaError as exc:
        raise exc.in_file(path) from exc


def _read_answers(path: Path, encoding: str | None) -> pd.DataFrame:
    """The answers file as read by :func:`idic_lab.schema.read_file`, with errors that name the file."""
    problem = None
    try:
        return read_file(path, encoding=encoding)
    except UnicodeError as exc:
        problem = (f"is not {encoding or 'utf-8'} text ({exc}). Save it as UTF-8 CSV, or pass the file's "
                   "encoding, e.g. encoding='cp1252' or 'utf-16'")
    except pd.errors.EmptyDataError:
        problem = "is empty. Expected a header item_id, intention, reality and one row per item"
    except pd.errors.ParserError as exc:
        problem = f"is not a readable table ({' '.join(str(exc).split())}). Check the separator and quoting"
    except LookupError as exc:
        problem = f"cannot be read: {exc}. Pass a known encoding such as 'utf-8' or 'cp1252'"
    raise SchemaError(f"File {path.name}: the answers file {problem}.", table=_TABLE)


def example_responses() -> pd.DataFrame:
    """The bundled answers of a fictional company, Harbour & Pine Home Goods.

    A B2C homeware retailer (14 stores and a web shop) invented for teaching:
    its managers mean well (high intention) but much is not done yet (lower
    reality), especially in customer data, retention and measurement.
    """
    return load_responses(EXAMPLE_RESPONSES_FILE)


def revise_answers(
    responses: pd.DataFrame,
    *,
    reality: Mapping[str, float] | None = None,
    intention: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """What if some answers were different? A copy with some items' scores replaced.

    Parameters
    ----------
    responses : DataFrame
        Answers with ``item_id``, ``intention`` and ``reality`` (e.g.
        :func:`example_responses`). Never modified.
    reality, intention : dict, optional
        ``{item_id: new score}`` (1-5); the score is set for every respondent
        who answered the item.

    Returns
    -------
    DataFrame
        The answers with the new scores, ready for :func:`score_assessment`.
    """
    if not isinstance(responses, pd.DataFrame):
        raise TypeError(f"revise_answers: responses must be a DataFrame of answers (item_id, intention, reality), "
                        f"found {type(responses).__name__}.")
    missing = [c for c in ("item_id", "intention", "reality") if c not in responses.columns]
    if missing:
        raise ValueError(f"revise_answers: responses has no column {', '.join(missing)}; expected item_id, "
                         "intention and reality.")
    revised = responses.copy()
    for column, changes in (("reality", reality), ("intention", intention)):
        if changes is None:
            continue
        if not isinstance(changes, Mapping):
            raise TypeError(f"revise_answers: {column} must be a dict {{item_id: score}}, e.g. {{'ID04': 5}}, "
                            f"found {type(changes).__name__}.")
        for item, score in changes.items():
            rows = revised["item_id"] == item
            if not rows.any():
                known = sorted(map(str, revised["item_id"].unique()))
                raise ValueError(f"revise_answers: {column}: no answer to item {item!r}."
                                 f"{_did_you_mean(str(item), known)}")
            if isinstance(score, (bool, np.bool_)) or not isinstance(score, (int, float, np.integer, np.floating)) \
                    or not 1 <= float(score) <= 5:
                raise ValueError(f"revise_answers: {column}: the score of {item!r} must be a number from 1 to 5, "
                                 f"found {score!r}.")
            revised[column] = revised[column].astype("float64")
            revised.loc[rows, column] = float(score)
    return revised


# --------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Assessment:
    """The scored assessment at every level.

    Attributes
    ----------
    items : DataFrame
        One row per answered item: ``item_id``, ``area``, ``question``,
        ``importance``, ``intention``, ``reality`` (means over respondents),
        ``gap``, ``priority``, ``level``, ``n_respondents``, ``lab``,
        ``evidence``, ``components``.
    components : DataFrame
        One row per component of every model: ``model``, ``model_id``,
        ``component``, ``name``, ``kind``, ``parent``, ``top_level``,
        ``n_items``, ``intention``, ``reality``, ``gap``, ``level``.
    capabilities : DataFrame
        Index: capability; ``n_items``, ``intention``, ``reality``, ``gap``, ``level``.
    models : DataFrame
        Index: model short name; ``n_components`` (top level, scored),
        ``intention``, ``reality``, ``gap``, ``level``.
    missing_items : tuple of str
        Questionnaire items without an answer (only with ``allow_missing``).
    """

    items: pd.DataFrame
    components: pd.DataFrame
    capabilities: pd.DataFrame
    models: pd.DataFrame
    missing_items: tuple[str, ...] = field(default=())


def _summary(frame: pd.DataFrame) -> pd.Series:
    intention, reality = frame["intention"].mean(), frame["reality"].mean()
    return pd.Series({"n_items": len(frame), "intention": intention, "reality": reality, "gap": intention - reality})


def score_assessment(
    responses: pd.DataFrame,
    *,
    questionnaire: pd.DataFrame | None = None,
    models: Mapping[str, Model] | None = None,
    allow_missing: bool = False,
) -> Assessment:
    """Score answers up to item, component, capability and model level.

    Parameters
    ----------
    responses : DataFrame
        Answers (checked with :func:`check_responses`; several respondents
        are averaged per item). Never modified.
    questionnaire : DataFrame, optional
        Default: :func:`load_questionnaire`.
    models : dict of Model, optional
        Default: all bundled models.
    allow_missing : bool
        See :func:`check_responses`.

    Returns
    -------
    Assessment

    Notes
    -----
    See the module docstring for the rules. ``level`` is
    :func:`maturity_level` of the *reality* score (what is really done).
    """
    questionnaire = _as_questionnaire(questionnaire)
    models = _as_models(models)
    checked = check_responses(responses, questionnaire=questionnaire, allow_missing=allow_missing)
    per_item = checked.groupby("item_id", sort=False).agg(
        intention=("intention", "mean"), reality=("reality", "mean"), n_respondents=("respondent", "size")
    )
    items = questionnaire.merge(per_item, left_on="item_id", right_index=True, how="inner")
    items = items.assign(
        gap=items["intention"] - items["reality"],
        priority=items["importance"] * (items["intention"] - items["reality"]).clip(lower=0),
        level=_levels(items["reality"]),
    )
    items = items[["item_id", "area", "question", "importance", "intention", "reality", "gap", "priority",
                   "level", "n_respondents", "lab", "evidence", "components"]].reset_index(drop=True)
    missing = tuple(i for i in questionnaire["item_id"] if i not in set(items["item_id"]))
    tags = items[["item_id", "components"]].explode("components").rename(columns={"components": "key"})
    components = _component_scores(items, tags, models)
    assessment = Assessment(
        items=items,
        components=components,
        capabilities=_capability_scores(items, tags, models),
        models=_model_scores(components, models),
        missing_items=missing,
    )
    _warn_unscored(assessment)
    return assessment


def _warn_unscored(assessment: Assessment) -> None:
    """Whole models or capabilities without an answered item have no score: say so instead of a silent NaN."""
    models = assessment.models.index[assessment.models["reality"].isna()].tolist()
    caps = assessment.capabilities.index[assessment.capabilities["reality"].isna()].tolist()
    if models or caps:
        parts = ([f"{len(models)} model(s) ({', '.join(map(str, models))})"] if models else []) + \
                ([f"{len(caps)} capabilit(ies) ({', '.join(caps)})"] if caps else [])
        why = (f"{len(assessment.missing_items)} questionnaire items are unanswered: answer them"
               if assessment.missing_items else
               "No item of the questionnaire is tagged to them (through the models scored): add items")
        warn(f"score_assessment: {' and '.join(parts)} have no answered item, so they get no score (NaN, level "
             f"0). {why[0].upper()}{why[1:]}, or read these rows as 'not assessed'.")


def _descendants(model: Model, component_id: str) -> list[str]:
    found, todo = [component_id], [component_id]
    while todo:
        children = [c.id for c in model.children(todo.pop())]
        found += children
        todo += children
    return found


def _component_scores(items: pd.DataFrame, tags: pd.DataFrame, models: Mapping[str, Model]) -> pd.DataFrame:
    scores = items.set_index("item_id")[["intention", "reality"]]
    rows = []
    for model in models.values():
        for comp in model.components:
            keys = {f"{model.id}:{c}" for c in _descendants(model, comp.id)}
            item_ids = tags.loc[tags["key"].isin(keys), "item_id"].unique()
            summary = _summary(scores.loc[item_ids])
            rows.append({"model": model.short_name, "model_id": model.id, "component": comp.id,
                         "name": comp.name, "kind": comp.kind, "parent": comp.parent or "",
                         "top_level": comp.parent is None, **summary.to_dict()})
    table = pd.DataFrame(rows)
    table["n_items"] = table["n_items"].astype("int64")
    table["level"] = _levels(table["reality"])
    return table


def _capability_scores(items: pd.DataFrame, tags: pd.DataFrame, models: Mapping[str, Model]) -> pd.DataFrame:
    caps_of = {key: comp.capabilities for key, comp in _component_keys(models).items()}
    pairs = tags.assign(capability=tags["key"].map(caps_of)).explode("capability")
    pairs = pairs.dropna(subset=["capability"]).drop_duplicates(["item_id", "capability"])
    scores = items.set_index("item_id")[["intention", "reality"]]
    rows = {cap: _summary(scores.loc[pairs.loc[pairs["capability"] == cap, "item_id"]]) for cap in CAPABILITIES}
    table = pd.DataFrame(rows).T
    table["n_items"] = table["n_items"].astype("int64")
    table["level"] = _levels(table["reality"])
    table.index.name = "capability"
    return table


def _model_scores(components: pd.DataFrame, models: Mapping[str, Model]) -> pd.DataFrame:
    top = components[components["top_level"] & (components["n_items"] > 0)]
    table = top.groupby("model", sort=False).agg(
        n_components=("component", "size"), intention=("intention", "mean"), reality=("reality", "mean")
    )
    table = table.reindex([m.short_name for m in models.values()])
    table["n_components"] = table["n_components"].fillna(0).astype("int64")
    table["gap"] = table["intention"] - table["reality"]
    table["level"] = _levels(table["reality"])
    return table


# --------------------------------------------------------------------------
# Gaps and recommendations
# --------------------------------------------------------------------------


def _check_assessment(assessment: Any, function: str) -> Assessment:
    if not isinstance(assessment, Assessment):
        raise TypeError(f"{function}: expected the Assessment returned by score_assessment(responses), found "
                        f"{type(assessment).__name__}.")
    return assessment


def _check_top(top: Any, *, allow_none: bool) -> int | None:
    if top is None and allow_none:
        return None
    if isinstance(top, (bool, np.bool_)) or not isinstance(top, (int, np.integer)) or top < 1:
        raise ValueError(f"top: expected a whole number >= 1{' or None (all)' if allow_none else ''}, found {top!r}.")
    return int(top)


def gap_analysis(assessment: Assessment, *, top: int | None = None) -> pd.DataFrame:
    """Items ranked by ``priority = importance x max(intention - reality, 0)``.

    Ties are broken by lower reality first, then questionnaire order. Items
    with no positive gap are left out (nothing to close).

    Parameters
    ----------
    assessment : Assessment
        From :func:`score_assessment`.
    top : int, optional
        Keep only the first ``top`` gaps (>= 1); default all.

    Returns
    -------
    DataFrame
        ``rank``, ``item_id``, ``area``, ``question``, ``importance``,
        ``intention``, ``reality``, ``gap``, ``priority``. Empty, with an
        :class:`~idic_lab.diagnostics.IdicLabWarning`, when no item has a
        positive gap.
    """
    assessment = _check_assessment(assessment, "gap_analysis")
    top = _check_top(top, allow_none=True)
    items = assessment.items.assign(_order=range(len(assessment.items)))
    ranked = items[items["priority"] > 0].sort_values(["priority", "reality", "_order"], ascending=[False, True, True],
                                                      kind="stable")
    if ranked.empty:
        warn(f"gap_analysis: none of the {len(items)} answered items has a positive gap (reality is at or above "
             "intention everywhere), so there is nothing to rank. Look at the lowest reality scores instead, "
             "e.g. assessment.items.sort_values('reality').")
    if top is not None:
        ranked = ranked.head(top)
    ranked = ranked[["item_id", "area", "question", "importance", "intention", "reality", "gap", "priority"]]
    ranked.insert(0, "rank", range(1, len(ranked) + 1))
    return ranked.reset_index(drop=True)


_NON_DATA_ADVICE = {
    "strategy": "a strategy workshop with the leadership team: name the customer groups to win, keep and grow",
    "organisation, people and culture": "an organisation review: accountabilities, training and incentives for customer outcomes",
    "processes": "map the customer process end to end, give it an owner and measure it",
    "data and technology": "a systems review: which systems hold customer data and how they connect",
    "value proposition": "a proposition review per target group against competitors",
}


def recommendations(assessment: Assessment, *, top: int = 10) -> pd.DataFrame:
    """What to fix first: the top gaps, each with the lab analysis that addresses it.

    Parameters
    ----------
    assessment : Assessment
        From :func:`score_assessment`.
    top : int
        How many gaps (>= 1).

    Returns
    -------
    DataFrame
        ``rank``, ``item_id``, ``question``, ``priority``, ``action`` (what
        to do) and ``lab`` (notebook and analysis, with its status, or
        "no lab analysis" for organisational topics).
    """
    assessment = _check_assessment(assessment, "recommendations")
    top = _check_top(top, allow_none=False)
    gaps = gap_analysis(assessment, top=top)
    labs = assessment.items.set_index("item_id")["lab"]
    rows = []
    for _, gap in gaps.iterrows():
        sections = [LAB_SECTIONS[s] for s in labs[gap["item_id"]]]
        if sections:
            lab = "; ".join(f"{s.notebook}: {s.title}" + (" (planned)" if s.status == "planned" else "")
                            for s in sections)
            action = f"Measure it from the client's data: {sections[0].title} ({sections[0].notebook})."
        else:
            lab = "no lab analysis (organisational topic)"
            action = _NON_DATA_ADVICE.get(gap["area"], "discuss with the owners of this practice") + "."
            action = action[0].upper() + action[1:]
        rows.append({"rank": gap["rank"], "item_id": gap["item_id"], "question": gap["question"],
                     "priority": gap["priority"], "action": action, "lab": lab})
    return pd.DataFrame(rows, columns=["rank", "item_id", "question", "priority", "action", "lab"])


# --------------------------------------------------------------------------
# Evidence from data
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceFact:
    """A fact measured from the client's data and how it maps to a 1-5 range.

    Attributes
    ----------
    name : str
        Fact name, e.g. ``"data_completeness"``.
    meaning : str
        What it measures.
    kind : {"share_high", "share_low", "flag"}
        ``share_high``: a share where higher is better; ``share_low``: lower
        is better; ``flag``: true/false.
    thresholds : tuple of float
        For shares: the cut points for levels 5, 4, 3, 2 (else 1).
    results_key : str
        Key in a ``<notebook>.results.json`` file holding the value; for a
        flag, a key *prefix*: any key with it means the analysis ran on the
        client's data, so the fact is True (absence proves nothing).
    """

    name: str
    meaning: str
    kind: str
    thresholds: tuple[float, ...] = ()
    results_key: str = ""

    def implied_range(self, value: Any) -> tuple[int, int]:
        """The self-scores (reality) that agree with ``value``.

        A share maps to a level by its thresholds and agrees with that level
        ±1; a true flag agrees with 3-5, a false flag with 1-2.

        Raises
        ------
        ValueError
            For a flag that is not True/False, or a share that is not a
            finite number from 0 to 1.
        """
        value = self.checked(value)
        if self.kind == "flag":
            return (3, 5) if value else (1, 2)
        cuts = self.thresholds
        passes = [value >= c for c in cuts] if self.kind == "share_high" else [value <= c for c in cuts]
        level = 5 - passes.index(True) if any(passes) else 1
        return max(1, level - 1), min(5, level + 1)

    def checked(self, value: Any, where: str = "") -> bool | float:
        """``value`` as this fact's type: True/False for a flag, a share in [0, 1] otherwise."""
        source = f" (from {where})" if where else ""
        if self.kind == "flag":
            if isinstance(value, (bool, np.bool_)):
                return bool(value)
            raise ValueError(f"fact {self.name!r}{source}: expected True or False ({self.meaning}), found {value!r}. "
                             "Write true/false, not text such as 'no'.")
        number = value if not isinstance(value, (bool, np.bool_)) else None
        if not isinstance(number, (int, float, np.integer, np.floating)) or not np.isfinite(number) \
                or not 0 <= float(number) <= 1:
            raise ValueError(f"fact {self.name!r}{source}: expected a share from 0 to 1 ({self.meaning}), found "
                             f"{value!r}. Give it as a fraction, e.g. 0.85 for 85 %.")
        return float(number)


EVIDENCE_FACTS: Mapping[str, EvidenceFact] = {
    f.name: f
    for f in (
        EvidenceFact("data_completeness", "share of contact fields filled and valid (01_identify audit)",
                     "share_high", (0.95, 0.85, 0.70, 0.50), "identify.completeness"),
        EvidenceFact("duplicate_rate", "share of customer records that are duplicates (01_identify)",
                     "share_low", (0.01, 0.03, 0.07, 0.15), "identify.duplicate_rate"),
        EvidenceFact("value_per_customer", "value is measured per customer (02_differentiate ran on the data)",
                     "flag", (), "differentiate."),
        EvidenceFact("lifetime_value", "lifetime value is estimated per customer", "flag", (), "differentiate.clv"),
        EvidenceFact("needs_segments", "needs-based segments exist", "flag", (), "differentiate.needs"),
        EvidenceFact("campaign_control_group", "campaigns have a control group", "flag", (), "interact.uplift"),
        EvidenceFact("retention_measured", "retention or churn is measured per customer", "flag", (), "interact.retention"),
        EvidenceFact("satisfaction_drivers", "survey data with satisfaction drivers exist", "flag", (), "interact.key_drivers"),
    )
}
"""The facts :func:`evidence_from_data` understands, and where it finds them."""


def collect_facts(
    *,
    results_files: Iterable[str | Path] = (),
    facts: Mapping[str, Any] | None = None,
    skip_missing: bool = False,
) -> dict[str, Any]:
    """Gather measured facts from stage-notebook results files and a dict.

    Parameters
    ----------
    results_files : iterable of path
        ``<notebook>.results.json`` files written by :mod:`idic_lab.results`
        when the stage notebooks ran on the client's data. A missing file
        raises FileNotFoundError, unless ``skip_missing``.
    facts : dict, optional
        Facts known otherwise, by name (see :data:`EVIDENCE_FACTS`); they
        override what the files say.
    skip_missing : bool
        If True, a results file that does not exist (a stage that was not
        run) is skipped: its facts stay *not measured*. Never a reason to
        use example facts instead.

    Returns
    -------
    dict
        ``{fact name: value}`` for the facts found, in the order of
        :data:`EVIDENCE_FACTS`; shares as floats in [0, 1], flags as bools.

    Raises
    ------
    ValueError
        For a results file that is not UTF-8 JSON holding an object (the
        message names the file), a share outside 0-1 or not a number, or an
        unknown fact name (the message lists the known ones).
    """
    if isinstance(results_files, (str, Path)):  # one file given on its own
        results_files = [results_files]
    if not isinstance(skip_missing, (bool, np.bool_)):
        raise TypeError(f"collect_facts: skip_missing must be True or False, found {skip_missing!r}.")
    found: dict[str, Any] = {}
    for path in results_files:
        path = Path(path)
        if skip_missing and not path.exists():
            continue
        values = _results_json(path)
        for fact in EVIDENCE_FACTS.values():
            if fact.kind == "flag":
                if any(key.startswith(fact.results_key) for key in values):
                    found[fact.name] = True
            elif values.get(fact.results_key) is not None:
                found[fact.name] = fact.checked(values[fact.results_key], f"{path.name}, key {fact.results_key!r}")
    found.update(_checked_facts(facts, "collect_facts"))
    return {name: found[name] for name in EVIDENCE_FACTS if name in found}


def _results_json(path: Path) -> dict[str, Any]:
    """A ``<notebook>.results.json`` file as a dict; errors name the file and say what to do."""
    if not path.is_file():
        raise FileNotFoundError(f"No results file at {path.resolve()}: run the stage notebook first, or remove it "
                                "from the list.")
    return load_results(path)  # its errors name the file and say: run the notebook again


def _checked_facts(facts: Any, function: str) -> dict[str, Any]:
    """Facts given by name, each checked against its kind (flag or share)."""
    if facts is None:
        return {}
    if not isinstance(facts, Mapping):
        raise TypeError(f"{function}: facts must be a dict {{fact name: value}}, e.g. "
                        f"{{'campaign_control_group': False}}, found {type(facts).__name__}.")
    checked = {}
    for name, value in facts.items():
        if name not in EVIDENCE_FACTS:
            raise ValueError(f"{function}: unknown fact {name!r}; known facts: {', '.join(EVIDENCE_FACTS)}."
                             f"{_did_you_mean(str(name), EVIDENCE_FACTS)}")
        checked[name] = EVIDENCE_FACTS[name].checked(value)
    return checked


def example_facts() -> dict[str, Any]:
    """Facts 'measured' for the fictional example company (see :func:`example_responses`)."""
    return dict(json.loads(EXAMPLE_FACTS_FILE.read_text(encoding="utf-8"))["facts"])


def evidence_from_data(assessment: Assessment, facts: Mapping[str, Any]) -> pd.DataFrame:
    """Measured facts beside the self-scores of the items they bear on.

    Parameters
    ----------
    assessment : Assessment
    facts : dict
        ``{fact name: value}``, e.g. from :func:`collect_facts`.

    Returns
    -------
    DataFrame
        One row per (fact, item), in the order of :data:`EVIDENCE_FACTS` and
        then of the questionnaire: ``fact``, ``value``, ``item_id``,
        ``question``, ``reality`` (self-score), ``data_suggest`` (the range of
        reality scores that agree with the fact), ``agrees`` and ``verdict``.
        Empty (with these columns) when no fact bears on an answered item.

    Raises
    ------
    ValueError
        For an unknown fact (the message lists the known ones), a flag that
        is not True/False, or a share that is not a finite number in 0-1.
    """
    columns = ["fact", "value", "item_id", "question", "reality", "data_suggest", "agrees", "verdict"]
    assessment = _check_assessment(assessment, "evidence_from_data")
    checked = _checked_facts(facts, "evidence_from_data")
    rows = []
    items = assessment.items
    for name in (n for n in EVIDENCE_FACTS if n in checked):  # a fixed order, whatever the dict's order
        value = checked[name]
        low, high = EVIDENCE_FACTS[name].implied_range(value)
        for _, item in items[items["evidence"] == name].iterrows():
            reality = float(item["reality"])
            if reality > high:
                verdict = "disagree: the self-score is higher than the data support"
            elif reality < low:
                verdict = "disagree: the data show more than the self-score credits"
            else:
                verdict = "agree"
            rows.append({"fact": name, "value": value, "item_id": item["item_id"], "question": item["question"],
                         "reality": reality, "data_suggest": f"{low}-{high}", "agrees": verdict == "agree",
                         "verdict": verdict})
    return pd.DataFrame(rows, columns=columns)


def measured_evidence(facts: Mapping[str, Any]) -> pd.DataFrame:
    """Every fact the assessment understands, measured or not, with the maturity it suggests.

    The table a client sees when there are no questionnaire answers: what the
    data showed, and which self-assessment items each fact would check.

    Parameters
    ----------
    facts : dict
        ``{fact name: value}``, e.g. from :func:`collect_facts`; facts not in
        it are listed as *not measured* (a stage that was not run).

    Returns
    -------
    DataFrame
        One row per fact of :data:`EVIDENCE_FACTS`, in that order: ``fact``,
        ``meaning``, ``measured`` (True/False), ``value`` (the share or flag,
        None when not measured), ``data_suggest`` (the reality scores 1-5 the
        value agrees with, or ``"not measured"``) and ``items`` (the
        questionnaire items it bears on, comma-separated).

    Raises
    ------
    ValueError
        For an unknown fact (the message lists the known ones), a flag that
        is not True/False, or a share that is not a finite number in 0-1.
    """
    checked = _checked_facts(facts, "measured_evidence")
    questionnaire = load_questionnaire()
    rows = []
    for name, fact in EVIDENCE_FACTS.items():
        items = questionnaire.loc[questionnaire["evidence"] == name, "item_id"].tolist()
        measured = name in checked
        low, high = fact.implied_range(checked[name]) if measured else (None, None)
        value = checked[name] if measured else None
        shown = ("not measured" if not measured else ("yes" if value else "no") if fact.kind == "flag"
                 else percent(value, 1))
        rows.append({"fact": name, "meaning": fact.meaning, "measured": measured, "value": value, "shown": shown,
                     "data_suggest": f"{low}-{high}" if measured else "not measured", "items": ", ".join(items)})
    columns = ["fact", "meaning", "measured", "value", "shown", "data_suggest", "items"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["value"] = pd.Series([row["value"] for row in rows], dtype=object)  # None stays None, not NaN
    return frame


@dataclass(frozen=True)
class AssessmentInputs:
    """What notebook 06 assesses: answers (or none), the company's name and the measured facts.

    Attributes
    ----------
    responses : DataFrame or None
        Checked answers (:func:`load_responses`); None in client mode without
        a responses file (only measured evidence is shown then).
    client_name : str
        The name shown in titles.
    facts : dict
        Measured facts (:func:`collect_facts`), or the example's facts for
        the fictional example company in teaching mode.
    missing_results : tuple of str
        Names of results files given but not found (stages not run): their
        facts are *not measured*.
    example : bool
        True when the bundled fictional example (answers and facts) is used.
    """

    responses: pd.DataFrame | None
    client_name: str
    facts: dict[str, Any]
    missing_results: tuple[str, ...]
    example: bool

    def summary(self) -> str:
        """One line: whose answers, how many, and how many facts were measured."""
        facts = f"{len(self.facts)} of {len(EVIDENCE_FACTS)} facts measured"
        if self.responses is None:
            return f"{self.client_name}: no questionnaire answers given, so only the measured evidence is shown; {facts}"
        n_resp = self.responses["respondent"].nunique()
        return (f"{self.client_name}: {len(self.responses)} answers from {n_resp} respondent(s); {facts}"
                + (" (the example's own facts)" if self.example else ""))


def assessment_inputs(
    *,
    mode: str = "teaching",
    responses_file: str | Path | None = "",
    client_name: str = "",
    stage_results: Iterable[str | Path] = (),
    measured_facts: Mapping[str, Any] | None = None,
    allow_missing: bool = False,
) -> AssessmentInputs:
    """The answers, name and facts notebook 06 works on, by mode.

    * Teaching mode without any client input (no answers, results files or
      facts): the bundled fictional example company, its answers and its
      example facts (:func:`example_responses`, :func:`example_facts`).
    * Teaching mode with client input, or client mode: the client's answers
      when ``responses_file`` is given, and only measured facts
      (:func:`collect_facts`). A results file that does not exist (a stage
      that was not run) leaves its facts *not measured*.
    * Client mode never uses the example: without ``responses_file``
      ``responses`` is None and only the measured evidence is shown.

    Parameters
    ----------
    mode : {"teaching", "client"}
    responses_file : str or Path, optional
        The answers file (:func:`load_responses`); empty: none.
    client_name : str, optional
        Name shown in titles. Empty: the example's name when the example is
        used, else ``"the client"``. In client mode the example's name is
        refused (it would put a fictional company on the client's report).
    stage_results : list of path, optional
        ``<notebook>.results.json`` files of the stage notebooks.
    measured_facts : dict, optional
        Facts known otherwise, by name (see :data:`EVIDENCE_FACTS`).
    allow_missing : bool
        As in :func:`load_responses`.

    Raises
    ------
    ValueError
        For an unknown mode, the example's name in client mode, and from
        :func:`load_responses` and :func:`collect_facts`.
    """
    if mode not in _MODES:
        raise ValueError(f"assessment_inputs: mode must be 'teaching' (the fictional example without answers) or "
                         f"'client' (only the client's answers and measured facts), got {mode!r}.")
    if not isinstance(client_name, str):
        raise TypeError(f"assessment_inputs: client_name must be text, found {type(client_name).__name__} "
                        f"{client_name!r}.")
    if isinstance(stage_results, (str, Path)):
        stage_results = [stage_results] if str(stage_results) else []
    stage_results = [Path(p) for p in stage_results]
    name = client_name.strip()
    if mode == "client" and name == EXAMPLE_CLIENT:
        raise ValueError(f"assessment_inputs: client_name is the bundled fictional example's name ({EXAMPLE_CLIENT!r}) "
                         "in client mode; give the client's own name, or leave client_name empty for "
                         f"'{CLIENT_PLACEHOLDER}'.")
    example = mode == "teaching" and not (responses_file or stage_results or measured_facts)
    if example:
        return AssessmentInputs(example_responses(), name or EXAMPLE_CLIENT, example_facts(), (), True)
    responses = load_responses(responses_file, allow_missing=allow_missing) if responses_file else None
    if responses is None and mode == "teaching":
        responses = example_responses()  # teaching: the example's answers beside the facts given
        name = name or EXAMPLE_CLIENT
    facts = collect_facts(results_files=stage_results, facts=measured_facts, skip_missing=True)
    missing = tuple(p.name for p in stage_results if not p.exists())
    return AssessmentInputs(responses, name or CLIENT_PLACEHOLDER, facts, missing, False)


# --------------------------------------------------------------------------
# What notebook 06 records
# --------------------------------------------------------------------------

_STAGE_06 = "06_maturity_assessment"


def record_assessment(
    inputs: AssessmentInputs,
    assessment: Assessment | None = None,
    *,
    top: int = 10,
    stage: str = _STAGE_06,
) -> dict[str, Any]:
    """Record what notebook 06 states: headline figures, two findings and a problem for the report.

    Parameters
    ----------
    inputs : AssessmentInputs
        From :func:`assessment_inputs`.
    assessment : Assessment, optional
        From :func:`score_assessment`; None when there are no answers (only
        the client's name, the answer count and the facts are recorded).
    top : int
        How many gaps the notebook shows (>= 1).
    stage : str
        The notebook the findings belong to.

    Returns
    -------
    dict
        The figures recorded, by key (``assessment.*`` and ``report.client``).
    """
    from idic_lab import results  # the results store of this process

    if not isinstance(inputs, AssessmentInputs):
        raise TypeError(f"record_assessment: inputs must be the AssessmentInputs returned by assessment_inputs(...), "
                        f"found {type(inputs).__name__}.")
    if assessment is not None:
        _check_assessment(assessment, "record_assessment")
    top = _check_top(top, allow_none=False)
    figures: dict[str, Any] = {
        "assessment.client": inputs.client_name,
        "report.client": inputs.client_name,  # the name on the report's index
        "assessment.n_answers": 0 if inputs.responses is None else len(inputs.responses),
        "assessment.facts": inputs.facts,
    }
    if assessment is not None:
        models, caps, items = assessment.models.round(2), assessment.capabilities.round(2), assessment.items
        evidence = evidence_from_data(assessment, inputs.facts) if inputs.facts else pd.DataFrame(
            columns=["agrees", "verdict"])
        recommended = recommendations(assessment, top=top)
        figures.update({
            "assessment.n_items": int(len(items) + len(assessment.missing_items)),
            "assessment.respondents": int(items["n_respondents"].max()),
            "assessment.model_reality": models["reality"],
            "assessment.model_intention": models["intention"],
            "assessment.model_gap": models["gap"],
            "assessment.model_level": models["level"],
            "assessment.capability_reality": caps["reality"],
            "assessment.capability_intention": caps["intention"],
            "assessment.capability_gap": caps["gap"],
            "assessment.idic_stage_reality": {
                r.name: round(float(r.reality), 2) for r in assessment.components.itertuples()
                if r.model_id == "idic" and r.kind == "stage" and r.n_items > 0},
            "assessment.top_gaps": gap_analysis(assessment, top=top)["item_id"].tolist(),
            "assessment.top_gaps_with_lab": int((~recommended["lab"].str.startswith("no lab")).sum()),
            "assessment.evidence_disagreements": int((~evidence["agrees"].astype(bool)).sum()),
            "assessment.evidence_higher": int(evidence["verdict"].str.contains("higher").sum()),
            "assessment.evidence_lower": int(evidence["verdict"].str.contains("more than").sum()),
        })
        _record_findings(inputs, assessment, evidence, stage)
    for key, value in figures.items():
        results.record(key, value)
    return figures


def _record_findings(inputs: AssessmentInputs, assessment: Assessment, evidence: pd.DataFrame, stage: str) -> None:
    from idic_lab import results
    from idic_lab.formatting import count, number

    caps = assessment.capabilities.dropna(subset=["reality"])
    if len(caps):
        weakest = caps.sort_values(["reality", "gap"], ascending=[True, False], kind="stable").iloc[0]
        widest = caps.sort_values(["gap", "reality"], ascending=[False, True], kind="stable").iloc[0]
        results.record_finding(f"{inputs.client_name}'s weakest capability is {weakest.name}: done at "
                               f"{number(weakest['reality'], 1)} on a 1–5 scale (maturity level "
                               f"{int(weakest['level'])}).", stage=stage, rank=4)
        results.record_finding(f"The widest gap between intention and reality is in {widest.name}: intended at "
                               f"{number(widest['intention'], 1)}, done at {number(widest['reality'], 1)} (1–5).",
                               stage=stage, rank=5)
    higher = evidence[evidence["verdict"].str.contains("higher")] if len(evidence) else evidence
    if len(higher):
        shown = ", ".join(f"{row.item_id} ({row.fact})" for row in higher.itertuples())
        results.record_problem(f"{count(len(higher))} self-scores are higher than the measured data support: {shown}. "
                               "Discuss these items with the respondents before trusting their scores.", stage=stage)
