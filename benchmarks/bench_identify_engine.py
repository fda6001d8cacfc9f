"""Benchmark of the pair engine alone: ``candidate_pairs`` + ``compare_pairs``, old versus new.

Run: ``.venv/bin/python benchmarks/bench_identify_engine.py [n_customers ...]``
(default 67500 and 675000, about 107k and 1.07M records of
``make_crm_world(n_customers=N, seed=0).customers``).

Each measurement runs in a fresh process, so its peak RSS is its own; the
customers are generated once per size and cached as Parquet (in
``$IDIC_BENCH_CACHE``, default ``/tmp/idic_bench_identify``; generating a
million records takes several minutes). Three pipelines per size:

* **old** — the engine before the rewrite (recordlinkage's Index/Compare with
  per-pair Python scoring), taken from git at ``OLD_REF`` with ``git archive``.
  It needs the optional package recordlinkage; without it the row says so.
  Its size guard refuses the default keys from about 96k records on, which
  the row reports; **old (guard lifted)** then measures it anyway, below
  200k records only (beyond, it would need tens of GB).
* **new** — this tree's engine, default keys (:data:`CUSTOMER_BLOCKING`).
* **new (linear keys)** — this tree's engine with keys whose pair counts grow
  about linearly (``name|skeleton`` combined with the birth year, the phone's
  first digits or the address's first letters), for the sizes at which the
  default ``name|skeleton`` key alone would make hundreds of millions of pairs.

Times are wall-clock seconds on this machine; peak RSS is ``ru_maxrss`` of
the measuring process (reading the Parquet file included, reported apart).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OLD_REF = "d9e9b29"  # the last commit with the recordlinkage engine
CACHE = Path(os.environ.get("IDIC_BENCH_CACHE", "/tmp/idic_bench_identify"))
LINEAR_KEYS = (
    ("email",),
    ("phone",),
    ("birth_date",),
    ("name|skeleton", "birth_date|year"),
    ("name|skeleton", "phone|first3"),
    ("name|skeleton", "address|first3"),
)
OLD_UNGUARDED_MAX_RECORDS = 200_000


def _customers_file(n_customers: int) -> Path:
    path = CACHE / f"customers_{n_customers}_seed0.parquet"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        from idic_lab.synth import make_crm_world

        start = time.perf_counter()
        make_crm_world(n_customers=n_customers, seed=0).customers.to_parquet(path)
        print(f"  (generated {path.name} in {time.perf_counter() - start:.0f} s)", flush=True)
    return path


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(parquet: str, keys: str, lift_guard: bool) -> dict:
    """Inside the fresh process: time and peak memory of blocking + comparison."""
    import pandas as pd

    from idic_lab.identify import _linkage
    from idic_lab.identify._linkage import CUSTOMER_BLOCKING, CUSTOMER_FIELDS, candidate_pairs, compare_pairs

    customers = pd.read_parquet(parquet).set_index("customer_id")
    row = {"records": len(customers), "rss_after_reading_mb": round(_peak_mb())}
    if lift_guard:
        _linkage._MAX_PAIRS_PER_KEY = 10**12
    blocking = CUSTOMER_BLOCKING if keys == "default" else LINEAR_KEYS
    start = time.perf_counter()
    try:
        pairs = candidate_pairs(customers, blocking=blocking, kinds=CUSTOMER_FIELDS)
    except ValueError as refusal:
        return row | {"refused_after_s": round(time.perf_counter() - start, 1), "refusal": str(refusal)[:160]}
    row["blocking_s"] = round(time.perf_counter() - start, 1)
    start = time.perf_counter()
    levels = compare_pairs(customers, None, pairs, fields=CUSTOMER_FIELDS)
    row["comparison_s"] = round(time.perf_counter() - start, 1)
    row["pairs"] = len(levels)
    row["total_s"] = round(row["blocking_s"] + row["comparison_s"], 1)
    row["peak_rss_mb"] = round(_peak_mb())
    return row


def _run(code_root: Path, parquet: Path, keys: str, lift_guard: bool) -> dict:
    environment = dict(os.environ, PYTHONPATH=str(code_root))
    command = [sys.executable, __file__, "--one", str(parquet), keys, "lift" if lift_guard else "keep"]
    done = subprocess.run(command, env=environment, capture_output=True, text=True, cwd=code_root)
    if done.returncode:
        return {"error": done.stderr.strip().splitlines()[-1][:200] if done.stderr.strip() else done.returncode}
    return json.loads(done.stdout.strip().splitlines()[-1])


def _old_tree(directory: Path) -> Path | None:
    archive = subprocess.run(["git", "archive", OLD_REF, "idic_lab"], cwd=ROOT, capture_output=True)
    if archive.returncode:
        return None
    subprocess.run(["tar", "-x", "-C", str(directory)], input=archive.stdout, check=True)
    return directory


def main(sizes: list[int]) -> None:
    import importlib.util

    has_recordlinkage = importlib.util.find_spec("recordlinkage") is not None
    with tempfile.TemporaryDirectory() as scratch:
        old_root = _old_tree(Path(scratch)) if has_recordlinkage else None
        for n_customers in sizes:
            parquet = _customers_file(n_customers)
            print(f"make_crm_world(n_customers={n_customers:,}, seed=0).customers", flush=True)
            runs = []
            if old_root is None:
                why = "recordlinkage not installed" if not has_recordlinkage else f"git archive {OLD_REF} failed"
                print(f"  old: skipped ({why})")
            else:
                runs.append(("old", old_root, "default", False))
                runs.append(("old (guard lifted)", old_root, "default", True))
            runs += [("new", ROOT, "default", False), ("new (linear keys)", ROOT, "linear", False)]
            records = None
            for label, root, keys, lift in runs:
                if label == "old (guard lifted)" and (records or 0) > OLD_UNGUARDED_MAX_RECORDS:
                    print(f"  {label:<20} not run above {OLD_UNGUARDED_MAX_RECORDS:,} records (tens of GB)")
                    continue
                start = time.perf_counter()
                row = _run(root, parquet, keys, lift)
                records = row.get("records", records)
                row["process_s"] = round(time.perf_counter() - start, 1)
                print(f"  {label:<20} {json.dumps(row)}", flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--one":
        print(json.dumps(measure(sys.argv[2], sys.argv[3], sys.argv[4] == "lift")))
    else:
        main([int(a) for a in sys.argv[1:]] or [67_500, 675_000])
