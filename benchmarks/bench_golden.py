"""Benchmark of what notebook 01 does after resolving: golden records, the source comparison, the audits.

Run::

    .venv/bin/python benchmarks/bench_golden.py --customers 65000 --seed 7 --data /tmp/golden_100k
    .venv/bin/python benchmarks/bench_golden.py --customers 630000 --seed 0 --data /tmp/golden_1m --old none

The first run of a ``--data`` prefix draws ``make_crm_world(n_customers, seed)``, resolves it with
``resolve_customers(customers, threshold=0.5)`` (as notebook 01 does) and keeps the customers, the
crosswalk and the cleaned transactions as parquet files beside the prefix; later runs reuse them.
Each measured call runs in a fresh subprocess (wall and CPU seconds: CPU time is steadier when the
machine is shared), so that its peak RSS (printed with the RSS after
loading the data, the difference being the function's own) is its own:

* ``golden_records(customers, walk, source_priority=[...])`` as notebook 01 calls it;
* ``compare_sources(customers, walk)`` (a client run without transactions) and with transactions;
* with ``--cells``, the other calls of notebook 01 on the same records: ``audit_tables``,
  ``audit_columns``, ``completeness``, ``likely_duplicates``, ``pseudonymise_table`` of the golden records
  (the golden records included; the export cell of the teaching run).

``--old golden,compare`` also measures the per-customer implementation these replaced (kept as the
oracle in ``tests/test_scv_vectorised.py``; for ``pseudonymise_golden`` the value-by-value
pseudonyms of the same golden records), side by side in the same run; it takes about 0.45 ms per
customer per function (~46 s at 100k records), so leave it out at 1M records unless there is time.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SOURCE_PRIORITY = ["store", "web_signup", "purchased_list"]  # notebook 01's default


def _paths(prefix: str) -> dict[str, Path]:
    return {part: Path(f"{prefix}_{part}.parquet") for part in ("customers", "walk", "transactions")}


def prepare(n_customers: int, seed: int, prefix: str) -> None:
    """Draw and resolve the world once; keep what the measured functions read."""
    paths = _paths(prefix)
    if all(path.exists() for path in paths.values()):
        return
    from idic_lab.identify import resolve_customers
    from idic_lab.synth import make_crm_world

    start = time.perf_counter()
    world = make_crm_world(n_customers=n_customers, seed=seed)
    drawn = time.perf_counter() - start
    start = time.perf_counter()
    resolution = resolve_customers(world.customers, threshold=0.5)
    print(f"prepared {len(world.customers):,} records: world drawn in {drawn:.1f} s, resolved in "
          f"{time.perf_counter() - start:.1f} s into {resolution.n_customers:,} customers", flush=True)
    world.customers.to_parquet(paths["customers"])
    resolution.crosswalk.to_parquet(paths["walk"])
    world.transactions.dropna(subset=["customer_id"]).to_parquet(paths["transactions"])


def _calls(implementation: str):
    """name -> function(customers, walk, transactions) for one implementation."""
    from idic_lab import identify as idf

    if implementation == "old":
        sys.path.insert(0, str(ROOT / "tests"))
        from test_scv_vectorised import _oracle_golden_records, _oracle_pseudonymise, _oracle_source_quality

        golden, quality = _oracle_golden_records, _oracle_source_quality

        def pseudonymised(table, salt):
            return table.assign(**{c: _oracle_pseudonymise(table[c], salt=salt)
                                   for c in idf.PII_COLUMNS if c in table.columns})
    else:
        golden, quality, pseudonymised = idf.golden_records, idf.source_quality, idf.pseudonymise_table
        if implementation == "new":
            def quality(c, w, transactions=None):
                return idf.compare_sources(c, w, transactions=transactions).table
    return {
        "golden": lambda c, w, t: golden(c, w, source_priority=SOURCE_PRIORITY),
        "compare": lambda c, w, t: quality(c, w),
        "compare_tx": lambda c, w, t: quality(c, w, transactions=t),
        "audit_tables": lambda c, w, t: idf.audit_tables({"customers": c}),
        "audit_columns": lambda c, w, t: idf.audit_columns(c),
        "completeness": lambda c, w, t: idf.completeness(c),
        "likely_duplicates": lambda c, w, t: idf.likely_duplicates(c),
        "pseudonymise_golden": lambda c, w, t: pseudonymised(
            idf.golden_records(c, w, source_priority=SOURCE_PRIORITY).reset_index(), salt="bench-golden-salt"),
    }


def _cpu_seconds() -> float:
    """User + system CPU time of this process: steadier than wall time on a shared machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(prefix: str, implementation: str, name: str) -> dict:
    """One call in this (fresh) process: seconds, RSS after loading and peak RSS in MB."""
    paths = _paths(prefix)
    customers = pd.read_parquet(paths["customers"])
    walk = pd.read_parquet(paths["walk"])
    transactions = pd.read_parquet(paths["transactions"]) if name == "compare_tx" else None
    loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    call = _calls(implementation)[name]
    start, cpu_start = time.perf_counter(), _cpu_seconds()
    result = call(customers, walk, transactions)
    seconds, cpu = time.perf_counter() - start, _cpu_seconds() - cpu_start
    return {"implementation": implementation, "function": name, "records": len(customers),
            "seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2), "rss_loaded_mb": round(loaded), "peak_rss_mb":
            round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024), "rows_out": len(result)
            if hasattr(result, "__len__") else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=65000, help="n_customers of the world (65000 ~ 100k records)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", default="/tmp/idic_bench_golden", help="prefix of the kept parquet files")
    parser.add_argument("--old", default="golden,compare", help="functions to measure the old way too "
                        "(golden, compare, compare_tx, pseudonymise_golden), or 'none'")
    parser.add_argument("--cells", action="store_true", help="also the other client-path calls of notebook 01")
    parser.add_argument("--measure", nargs=2, metavar=("IMPLEMENTATION", "FUNCTION"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.data, *args.measure)))
        return
    prepare(args.customers, args.seed, args.data)
    runs = [("new", "golden"), ("new", "compare"), ("new", "compare_tx")]
    runs += [("old", name) for name in args.old.split(",") if name and args.old != "none"]
    if args.cells:
        runs += [("cells", name) for name in
                 ("audit_tables", "audit_columns", "completeness", "likely_duplicates", "pseudonymise_golden")]
    print(f"{'implementation':<15}{'function':<22}{'records':>10}{'seconds':>10}{'CPU s':>8}"
          f"{'RSS loaded MB':>15}{'peak RSS MB':>13}")
    for implementation, name in runs:
        out = subprocess.run([sys.executable, __file__, "--data", args.data, "--measure", implementation, name],
                             capture_output=True, text=True)
        if out.returncode != 0:
            print(f"{implementation:<15}{name:<22} failed: {out.stderr.strip().splitlines()[-1]}", flush=True)
            continue
        row = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{implementation:<15}{name:<22}{row['records']:>10,}{row['seconds']:>10.2f}{row['cpu_seconds']:>8.2f}"
              f"{row['rss_loaded_mb']:>15,}{row['peak_rss_mb']:>13,}", flush=True)


if __name__ == "__main__":
    main()
