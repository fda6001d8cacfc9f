"""A consultant's one command: client files in, an HTML report with the code hidden out.

Runs ``idic-lab run --params client.yaml --hide-code`` on notebooks 01, 02 and
06 with a client's own exports (German column names, day-first dates): the
customer files and transactions of ``tests/notebook_cases/c01_identify.py``
and ``c02_differentiate.py``, and an assessment whose evidence comes from
the results that 01 and 02 recorded in the same run.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import yaml

from idic_lab.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _case(stem: str, name: str):
    spec = importlib.util.spec_from_file_location(f"case_{stem}", ROOT / "tests" / "notebook_cases" / f"c{stem}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return dict(module.CASES)[name]


@pytest.mark.notebook
def test_client_report_in_one_command(tmp_path: Path):
    out = tmp_path / "reports" / "acme"
    for folder in ("crm", "shop"):
        (tmp_path / folder).mkdir()
    params = {
        "01_identify": {**_case("01_identify", "client_files_german_columns")(tmp_path / "crm"), "run_febrl": False},
        "02_differentiate": _case("02_differentiate", "client_export_german_columns")(tmp_path / "shop"),
        "06_maturity_assessment": {
            "client_name": "Acme GmbH (fictional)",
            # 06 runs after 01 and 02 and reads what they measured as evidence
            "stage_results": [str(out / "01_identify.results.json"), str(out / "02_differentiate.results.json")],
        },
    }
    params_file = tmp_path / "acme.yaml"
    params_file.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")

    code = main(["run", "--notebooks", str(ROOT / "notebooks"), "--out", str(out), "--only", "0[126]_*",
                 "--params", str(params_file), "--hide-code", "--title", "Acme: customer management report"])

    assert code == 0
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Acme: customer management report" in index
    pages = sorted(out.glob("*.html"))
    assert [p.name for p in pages] == ["01_identify.html", "02_differentiate.html", "06_maturity_assessment.html",
                                       "index.html"]
    for page in pages[:-1]:
        text = page.read_text(encoding="utf-8")
        assert page.name in index
        # the parameters cell's type comments and the imports exist only as code
        assert "# str:" not in text and "import pandas as pd" not in text, f"{page.name} shows code"
        for pii in ("Anna Berg", "anna.berg@example.de", "+49 30 1234567", "علی کریمی"):
            assert pii not in text, f"{page.name} shows personal data: {pii}"
    identify_results = json.loads((out / "01_identify.results.json").read_text())
    assert identify_results["identify.n_customers"] == 8
    assessment = (out / "06_maturity_assessment.html").read_text(encoding="utf-8")
    assert "Acme GmbH (fictional)" in assessment
