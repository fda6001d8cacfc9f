"""A consultant's one command: client files in, an HTML report with the code hidden out.

Runs ``idic-lab run --params client.yaml --hide-code`` on every notebook with
a client's own exports (German column names, day-first dates): the client
cases of ``tests/notebook_cases/`` for each stage, and an assessment whose
evidence comes from the results that the stage notebooks recorded in the
same run. The teaching notebooks 00 and 05 are not part of the report, 02's
needs segments are left out (no product list given) instead of running on
the synthetic world, and no page shows course text or synthetic content.
(Needs the notebooks' ``teaching``/``needs:`` tags and ``idic_lab`` metadata.)
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
    stages = {
        "01_identify": "client_files_german_columns",
        "02_differentiate": "client_export_german_columns",
        "03_interact": "client_exports_german_columns",
        "04_customize": "client_export_german_columns",
    }
    params = {}
    for stem, case in stages.items():
        (tmp_path / stem).mkdir()
        params[stem] = _case(stem, case)(tmp_path / stem)
    params["01_identify"]["run_febrl"] = False
    # no product list: 02's needs segments must be left out, not run on the synthetic world
    del params["02_differentiate"]["products_file"], params["02_differentiate"]["product_columns"]
    params["06_maturity_assessment"] = {
        "client_name": "Acme GmbH (fictional)",
        # 06 runs after the stage notebooks and reads what they measured as evidence
        "stage_results": [str(out / f"{stem}.results.json") for stem in stages],
    }
    params_file = tmp_path / "acme.yaml"
    params_file.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")

    code = main(["run", "--notebooks", str(ROOT / "notebooks"), "--out", str(out),
                 "--params", str(params_file), "--hide-code", "--title", "Acme: customer management report"])

    assert code == 0
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Acme: customer management report" in index
    pages = sorted(out.glob("*.html"))
    assert [p.name for p in pages] == [f"{stem}.html" for stem in stages] + ["06_maturity_assessment.html",
                                                                            "index.html"]
    for page in pages[:-1]:
        text = page.read_text(encoding="utf-8")
        assert page.name in index
        # the parameters cell's type comments and the imports exist only as code
        assert "# str:" not in text and "import pandas as pd" not in text, f"{page.name} shows code"
        for pii in ("Anna Berg", "anna.berg@example.de", "+49 30 1234567", "علی کریمی"):
            assert pii not in text, f"{page.name} shows personal data: {pii}"
        for course_or_synthetic in ("Learning objectives", "Exercise", "✗ Not yet", "Consultants: set", "planted",
                                    "Harbour &amp; Pine", "Harbour & Pine", "synthetic world", "Traceback"):
            assert course_or_synthetic not in text, f"{page.name} shows {course_or_synthetic!r}"
    # the teaching notebooks are listed as not run; 02's needs segments as left out for want of products_file
    for teaching in ("00_start_here", "05_compare_models"):
        assert teaching not in [p.stem for p in pages]
    assert "not run" in index and "products_file" in index
    assert "not run: needs" in (out / "02_differentiate.html").read_text(encoding="utf-8")
    identify_results = json.loads((out / "01_identify.results.json").read_text())
    assert identify_results["identify.n_customers"] == 8
    assessment = (out / "06_maturity_assessment.html").read_text(encoding="utf-8")
    assert "Acme GmbH (fictional)" in assessment
    facts = json.loads((out / "06_maturity_assessment.results.json").read_text())["assessment.facts"]
    assert facts["duplicate_rate"] == identify_results["identify.duplicate_rate"]
    assert facts["value_per_customer"] and facts["lifetime_value"] and facts["campaign_control_group"]
