"""The battery as a whole: at least 100 cases, every contract table and every public function covered."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import battery
from idic_lab.schema import TABLES

STAGE_MODULES = ("schema", "identify", "differentiate", "interact", "customize", "frameworks", "warehouse")

# Public names that take no input of their own: result containers and
# records built by our functions. Each entry says why it needs no case.
NOT_INPUTS = {
    "schema.CleaningReport": "report built by clean()",
    "schema.ColumnSpec": "contract metadata, built by the package",
    "schema.TableSpec": "contract metadata, built by the package",
    "identify.IdentifyInputs": "result of identify.load_inputs",
    "identify.LinkageResult": "result of identify.link_records",
    "identify.Resolution": "result of identify.resolve_customers",
    "identify.FebrlBenchmark": "result of identify.febrl_benchmark",
    "identify.SourceComparison": "result of identify.compare_sources",
    "differentiate.CalibrationHoldout": "result of differentiate.calibration_holdout_split",
    "interact.InteractInputs": "result of interact.load_inputs",
    "customize.HoldoutSplit": "result of customize.holdout_split",
    "customize.BasketMatrix": "result of customize.basket_matrix",
    "customize.ConjointStudy": "result of customize.conjoint_study",
    "frameworks.Component": "model content read from the shipped YAML",
    "frameworks.LabSection": "model content read from the shipped YAML",
    "frameworks.Model": "model content read from the shipped YAML",
    "frameworks.Rule": "model content read from the shipped YAML",
    "frameworks.Source": "model content read from the shipped YAML",
    "frameworks.EvidenceFact": "result of frameworks.collect_facts / evidence_from_data",
    "warehouse.WarehouseSummary": "result of warehouse.warehouse_summary",
    "warehouse.WarehouseInputs": "result of warehouse.load_warehouse_inputs",
}


def _all_cases():
    cases = []
    for info in pkgutil.iter_modules(battery.__path__):
        if info.name.startswith("test_") and info.name != "test_coverage":
            module = importlib.import_module(f"battery.{info.name}")
            cases += list(getattr(module, "CASES", []))
    return cases


def _public_callables():
    names = set()
    for stage in STAGE_MODULES:
        module = importlib.import_module(f"idic_lab.{stage}")
        for name in module.__all__:
            obj = getattr(module, name)
            if not callable(obj) or (inspect.isclass(obj) and issubclass(obj, BaseException)):
                continue
            names.add(f"{stage}.{name}")
    return names


def test_battery_has_at_least_100_cases():
    assert len(_all_cases()) >= 100, f"the battery has {len(_all_cases())} cases"


def test_every_expected_class_is_used():
    kinds = {case.expect.kind for case in _all_cases()}
    assert kinds == {"refused", "cleaned", "warned", "answered"}, kinds


def test_every_contract_table_is_covered():
    covered = set().union(*(case.covers for case in _all_cases()))
    missing = [t for t in TABLES if f"table:{t}" not in covered]
    assert not missing, f"no battery case for the tables {missing}"


def test_every_public_function_of_every_stage_is_covered():
    covered = set().union(*(case.covers for case in _all_cases()))
    missing = sorted(_public_callables() - covered - set(NOT_INPUTS))
    assert not missing, f"{len(missing)} public functions have no battery case: {missing}"


def test_exemptions_name_real_public_names():
    assert set(NOT_INPUTS) <= _public_callables()
