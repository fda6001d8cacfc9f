"""Benchmark of the Identify stage: speed and quality of identity resolution.

Run: ``.venv/bin/python benchmarks/bench_identify.py [n_customers]``. Prints

* for FEBRL4 (linking 5,000 × 5,000) and FEBRL3 (deduplicating 5,000): time
  per step, blocking figures (pairs, reduction ratio, pairs completeness),
  precision, recall and F1 of the unsupervised multi-level Fellegi–Sunter
  model, and, only if the optional ``recordlinkage`` package happens to be
  installed (idic_lab no longer needs it), its ``ECMClassifier`` on the same
  pairs with binary agreement (top level = agree) as an outside baseline;
* for the synthetic CRM world (default 5,000 persons, seed 42): the same
  quality figures, the duplicate rate found and true, and the acquisition
  source comparison.

The true links are used only to score, never to fit or tune.
"""

from __future__ import annotations

import importlib.util
import sys
import time
import warnings

import pandas as pd

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
    source_quality,
    truth_links_from_identity,
)
from idic_lab.schema import clean


def _timed(label: str, function, *args, **kwargs):
    start = time.perf_counter()
    value = function(*args, **kwargs)
    print(f"  {label:<30}{time.perf_counter() - start:7.2f} s")
    return value


def _scores(label: str, scores: dict) -> None:
    text = ", ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}" for k, v in scores.items())
    print(f"  {label}: {text}")


def _ecm_baseline(levels: pd.DataFrame, fields) -> pd.DataFrame:
    """recordlinkage's ECM classifier on binary agreement (top level = 1, else 0); optional baseline."""
    import recordlinkage  # only when installed: see bench_febrl

    binary = pd.DataFrame(
        {f: (levels[f] == levels[f].max()).astype(int).to_numpy() for f in fields},
        index=pd.MultiIndex.from_arrays([levels["id_1"], levels["id_2"]]),
    )
    with warnings.catch_warnings():  # recordlinkage 0.16 on pandas 3.1: deprecation notes only
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        matches = recordlinkage.ECMClassifier(binarize=None).fit_predict(binary)
    return pd.DataFrame({"id_1": matches.get_level_values(0), "id_2": matches.get_level_values(1)})


def bench_febrl(name: str) -> None:
    data = load_dataset(name)
    task = data.task
    size = f"{len(data.records):,}" + (f" x {len(data.records_b):,}" if data.records_b is not None else "")
    print(f"{name} ({task}: {size} records)")
    start = time.perf_counter()
    pairs = _timed("blocking (candidate_pairs)", candidate_pairs, data.records, data.records_b,
                   blocking=FEBRL_BLOCKING, kinds=FEBRL_FIELDS)
    levels = _timed("comparison (compare_pairs)", compare_pairs, data.records, data.records_b, pairs, fields=FEBRL_FIELDS)
    model = _timed("EM fit", FellegiSunter().fit, levels)
    links = levels.loc[model.predict_proba(levels) >= 0.5, ["id_1", "id_2"]]
    print(f"  {'total (block+compare+fit)':<30}{time.perf_counter() - start:7.2f} s")
    summary = blocking_summary(data.records, data.records_b, blocking=FEBRL_BLOCKING, kinds=FEBRL_FIELDS,
                               true_links=data.true_links)
    print(summary.round(6).to_string())
    _scores("multi-level Fellegi-Sunter (ours)", evaluate_links(links, data.true_links, task=task))
    if importlib.util.find_spec("recordlinkage") is None:
        print("  (outside baseline skipped: the optional package recordlinkage is not installed)")
        return
    _scores("outside baseline, recordlinkage.ECMClassifier (binary, optional package)",
            evaluate_links(_ecm_baseline(levels, FEBRL_FIELDS), data.true_links, task=task))


def bench_synthetic(n_customers: int = 5000, seed: int = 42) -> None:
    world = load_dataset("synthetic", n_customers=n_customers, seed=seed)
    customers = world.customers
    persons = world.truth.identity.nunique()
    print(f"synthetic world (n_customers={n_customers:,}, seed={seed}: {len(customers):,} records of {persons:,} persons)")
    resolution = _timed("resolve_customers", resolve_customers, customers)
    truth = truth_links_from_identity(world.truth.identity)
    summary = blocking_summary(customers.set_index("customer_id"), blocking=resolution.blocking,
                               kinds=resolution.fields, true_links=truth)
    print(summary.round(6).to_string())
    _scores("multi-level Fellegi-Sunter (ours)", evaluate_links(resolution.linkage.links, truth, task="deduplicate"))
    print(f"  customers found {resolution.n_customers:,} (true {persons:,}); duplicate rate found "
          f"{resolution.duplicate_rate:.4f}, true {1 - persons / len(customers):.4f}")
    transactions, _ = clean("transactions", world.transactions, observation_end=world.observation_end)
    quality = source_quality(customers, resolution.crosswalk, transactions=transactions)
    print("  acquisition sources:")
    print(quality.round(3).to_string())


if __name__ == "__main__":
    bench_febrl("febrl4")
    bench_febrl("febrl3")
    bench_synthetic(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
