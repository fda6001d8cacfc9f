"""Benchmark of the Identify stage: speed and quality of identity resolution.

Run: ``.venv/bin/python benchmarks/bench_identify.py``. Prints, for FEBRL4
(linking 5,000 × 5,000), FEBRL3 (deduplicating 5,000) and the synthetic CRM
world (if available): time per step, candidate pairs, reduction ratio, pairs
completeness, precision, recall and F1. The true links are used only to score.
"""

from __future__ import annotations

import time

from idic_lab.datasets import load_dataset
from idic_lab.identify import (
    FEBRL_BLOCKING,
    FEBRL_FIELDS,
    FellegiSunter,
    blocking_summary,
    candidate_pairs,
    compare_pairs,
    evaluate_links,
    resolve_customers,
    truth_links_from_identity,
)


def _timed(label: str, function, *args, **kwargs):
    start = time.perf_counter()
    value = function(*args, **kwargs)
    print(f"  {label:<28}{time.perf_counter() - start:7.2f} s")
    return value


def bench_febrl(name: str) -> None:
    data = load_dataset(name)
    task = data.task
    print(f"{name} ({task}: {len(data.records):,}" + (f" x {len(data.records_b):,}" if data.records_b is not None else "") + " records)")
    start = time.perf_counter()
    pairs = _timed("blocking", candidate_pairs, data.records, data.records_b, blocking=FEBRL_BLOCKING, kinds=FEBRL_FIELDS)
    levels = _timed("comparison", compare_pairs, data.records, data.records_b, pairs, fields=FEBRL_FIELDS)
    model = _timed("EM fit", FellegiSunter().fit, levels)
    links = levels.loc[model.predict_proba(levels) >= 0.5, ["id_1", "id_2"]]
    total = time.perf_counter() - start
    print(f"  {'total (block+compare+fit)':<28}{total:7.2f} s")
    summary = blocking_summary(data.records, data.records_b, blocking=FEBRL_BLOCKING, kinds=FEBRL_FIELDS, true_links=data.true_links)
    print(summary.round(6).to_string())
    scores = evaluate_links(links, data.true_links, task=task)
    print("  " + ", ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}" for k, v in scores.items()))


def bench_synthetic(n_customers: int = 2000, seed: int = 42) -> None:
    try:
        from idic_lab.synth import make_crm_world
    except ImportError:
        print("synthetic world: idic_lab.synth not available, skipped")
        return
    world = make_crm_world(n_customers=n_customers, seed=seed)
    customers = world.customers
    print(f"synthetic world ({len(customers):,} records, {n_customers:,} persons)")
    resolution = _timed("resolve_customers", resolve_customers, customers)
    truth = truth_links_from_identity(world.truth.identity)
    scores = evaluate_links(resolution.linkage.links, truth, task="deduplicate")
    summary = blocking_summary(
        customers.set_index("customer_id", drop=False), blocking=[list(r) for r in _customer_rules(resolution)],
        kinds=resolution.fields, true_links=truth,
    )
    print(summary.round(6).to_string())
    print("  " + ", ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}" for k, v in scores.items()))
    print(f"  persons {n_customers:,}; customers found {resolution.n_customers:,}")


def _customer_rules(resolution):
    from idic_lab.identify import CUSTOMER_BLOCKING

    return [rule for rule in CUSTOMER_BLOCKING if all(p.partition("|")[0] in resolution.fields for p in rule)]


if __name__ == "__main__":
    bench_febrl("febrl4")
    bench_febrl("febrl3")
    bench_synthetic()
