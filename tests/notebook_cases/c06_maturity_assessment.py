"""Parameter sets for notebooks/06_maturity_assessment.ipynb.

* ``ci_example_top5`` — the bundled example, five gaps only; needs no files.
* ``other_company_with_results`` — a responses file of our own: a fictional B2B
  firm, two respondents and other scores, plus a small
  ``01_identify.results.json`` with measured completeness and duplicate rate.
* ``partial_answers`` — the same firm answering only 45 items, scored with
  ``allow_missing=True``.
* ``client_without_answers`` — a client run without a questionnaire: only the
  measured evidence of the stage results (01 ran, 02 did not: its results file
  is missing), never the fictional example's answers or name.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from idic_lab.frameworks import load_questionnaire


def _answers(tmp_path: Path, n_items: int | None = None) -> Path:
    ids = load_questionnaire()["item_id"].tolist()[:n_items]
    rows = []
    for respondent, shift in (("sales director", 0), ("service lead", 1)):
        for i, item in enumerate(ids):
            intention = 3 + (i + shift) % 3  # 3, 4, 5
            reality = 1 + (i * 7 + shift) % 5  # 1..5, a different pattern per respondent
            rows.append({"item_id": item, "intention": intention, "reality": min(reality, 5),
                         "respondent": respondent, "comment": ""})
    path = tmp_path / "fjordline_answers.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def _results_file(tmp_path: Path) -> Path:
    path = tmp_path / "01_identify.results.json"
    path.write_text(json.dumps({"identify.completeness": 0.93, "identify.duplicate_rate": 0.21,
                                "identify.n_customers": 812}), encoding="utf-8")
    return path


def client_without_answers(tmp_path: Path) -> dict:
    return {"mode": "client", "stage_results": [str(_results_file(tmp_path)),
                                                str(tmp_path / "02_differentiate.results.json")]}


CASES = [
    # First: needs no files (tests/reference/refresh.py runs the first case for nbval).
    ("ci_example_top5", lambda tmp_path: {"top_n": 5}),
    (
        "other_company_with_results",
        lambda tmp_path: {
            "responses_file": str(_answers(tmp_path)),
            "client_name": "Fjordline Industrial Supplies (fictional)",
            "stage_results": [str(_results_file(tmp_path))],
            "measured_facts": {"campaign_control_group": True},
            "top_n": 5,
        },
    ),
    (
        "partial_answers",
        lambda tmp_path: {
            "responses_file": str(_answers(tmp_path, 45)),
            "client_name": "Fjordline Industrial Supplies (fictional)",
            "allow_missing": True,
        },
    ),
    ("client_without_answers", client_without_answers),
]
