"""Benchmark of the Identify stage: speed and quality of identity resolution.

Run: ``.venv/bin/python benchmarks/bench_identify.py [n_customers]``, or
``.venv/bin/python benchmarks/bench_identify.py --sizes 5000 50000 630000`` for
the scaling table only. Prints

* for FEBRL4 (linking 5,000 × 5,000) and FEBRL3 (deduplicating 5,000): time
  per step, blocking figures (pairs, reduction ratio, pairs completeness),
  precision, recall and F1 of the unsupervised multi-level Fellegi–Sunter
  model, and, only if the optional ``recordlinkage`` package happens to be
  installed (idic_lab no longer needs it), its ``ECMClassifier`` on the same
  pairs with binary agreement (top level = agree) as an outside baseline;
* for the synthetic CRM world (default 5,000 persons, seed 42): the same
  quality figures, the duplicate rate found and true, and the acquisition
  source comparison.

* with ``--sizes N ...``: for each ``n_customers`` in a fresh subprocess (so
  that peak memory is this size's own), ``resolve_customers(customers,
  threshold=0.5)`` on ``make_crm_world(n_customers=N, seed=0).customers``,
  exactly as notebook 01 calls it, scored with ``evaluate_links`` against the
  truth: records, seconds to draw the world, seconds to resolve, peak RSS of
  the process (world included), candidate pairs, precision, recall, F1, and
  the reachable recall (true pairs whose records share some field besides the
  name, :func:`reachable_share`) with the F1 it would give at precision 1. The
  rows are also written to ``idic_lab/data/identify_scaling.csv`` (read by
  notebook 01), or to ``--csv PATH``; a size that fails (refused linkage,
  out of memory) is a row with its error.

The true links are used only to score, never to fit or tune.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

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
    """recordlinkage's ECM classifier on binary agreement (top level = 1, else 0); None without recordlinkage."""
    try:
        import recordlinkage
    except ImportError:
        return None
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
    baseline = _ecm_baseline(levels, FEBRL_FIELDS)
    if baseline is None:
        print("  (outside baseline skipped: the optional package recordlinkage is not installed)")
    else:
        _scores("outside baseline, recordlinkage.ECMClassifier (binary, optional package)",
                evaluate_links(baseline, data.true_links, task=task))


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


SCALING_CSV = Path(__file__).resolve().parents[1] / "idic_lab" / "data" / "identify_scaling.csv"
SCALING_COLUMNS = ("n_customers", "records", "world_seconds", "resolve_seconds", "peak_rss_mb", "candidate_pairs",
                   "precision", "recall", "f1", "reachable_recall", "reachable_f1", "error")


def reachable_share(customers: pd.DataFrame, truth: pd.DataFrame, *, name_field: str = "name") -> float:
    """Share of the true pairs whose two records both hold some field besides the name.

    The other true pairs share only a name: nothing in the records tells the
    person from a namesake, so no method can link them without also linking
    namesakes. This share is the recall a method can reach at precision 1
    (pair by pair; a third record may still join two such records).
    """
    records = customers.set_index("customer_id")
    other = [c for c in ("email", "phone", "address", "birth_date") if c in records.columns and c != name_field]
    filled = records[other].notna().to_numpy()
    index = pd.Index(records.index.astype(str))
    a = index.get_indexer(truth.iloc[:, 0].astype(str))
    b = index.get_indexer(truth.iloc[:, 1].astype(str))
    return float((filled[a] & filled[b]).any(axis=1).mean()) if len(a) else float("nan")


def measure_size(n_customers: int, estimation: str = "auto") -> dict:
    """One size, as notebook 01 runs it; meant to run alone in its own process (see :func:`bench_sizes`)."""
    from idic_lab.synth import make_crm_world

    start = time.perf_counter()
    world = make_crm_world(n_customers=n_customers, seed=0)
    customers = world.customers
    row = {"n_customers": n_customers, "records": len(customers),
           "world_seconds": round(time.perf_counter() - start, 2)}
    start = time.perf_counter()
    try:
        resolution = resolve_customers(customers, threshold=0.5, estimation=estimation)
    except (ValueError, MemoryError) as error:
        row.update(resolve_seconds=round(time.perf_counter() - start, 2), error=str(error)[:300])
    else:
        row["resolve_seconds"] = round(time.perf_counter() - start, 2)
        truth = truth_links_from_identity(world.truth.identity)
        scores = evaluate_links(resolution.linkage.links, truth, task="deduplicate")
        reachable = reachable_share(customers, truth)
        row.update(candidate_pairs=len(resolution.linkage.pairs),
                   **{k: round(scores[k], 4) for k in ("precision", "recall", "f1")},
                   reachable_recall=round(reachable, 4), reachable_f1=round(2 * reachable / (1 + reachable), 4),
                   error="")
    row["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return row


def bench_sizes(sizes: list[int], csv_path: Path, estimation: str = "auto") -> pd.DataFrame:
    """Each size in a fresh interpreter; print the table and write it to ``csv_path``."""
    rows = []
    for n in sizes:
        done = subprocess.run([sys.executable, __file__, "--one", str(n), "--estimation", estimation], capture_output=True, text=True)
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if done.returncode or not lines:
            rows.append({"n_customers": n, "error": f"exit {done.returncode}: {done.stderr.strip()[-300:]}"})
        else:
            rows.append(json.loads(lines[-1]))
        print(json.dumps(rows[-1]), flush=True)
    table = pd.DataFrame(rows).reindex(columns=list(SCALING_COLUMNS))
    print(table.to_string(index=False))
    table.to_csv(csv_path, index=False)
    print(f"written to {csv_path}")
    return table


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n_customers", nargs="?", type=int, default=5000)
    parser.add_argument("--sizes", nargs="+", type=int, help="n_customers of each scaling run (fresh process each)")
    parser.add_argument("--csv", type=Path, default=SCALING_CSV, help="where the scaling table is written")
    parser.add_argument("--estimation", default="auto", choices=("auto", "em", "random_pairs"),
                        help="how resolve_customers fits the model (default: as notebook 01, 'auto')")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            print(json.dumps(measure_size(args.one, args.estimation)))
        return
    if args.sizes:
        bench_sizes(args.sizes, args.csv, args.estimation)
        return
    bench_febrl("febrl4")
    bench_febrl("febrl3")
    bench_synthetic(args.n_customers)


if __name__ == "__main__":
    main(sys.argv[1:])
