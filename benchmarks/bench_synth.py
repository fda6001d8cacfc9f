"""Benchmark of the synthetic data: the CRM world and the messy invoice-lines export.

Run: ``.venv/bin/python benchmarks/bench_synth.py``. Targets: 5,000 customers
of the world in under 5 s; an invoice export of Online Retail's size
(~540,000 lines, 4,400 customers) in a few seconds, and reading it back
(``read_table``, cp1252, cancellations netted) in well under a minute.
Prints the best of three runs for a few sizes, side by side.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from idic_lab.schema import read_table
from idic_lab.synth import make_crm_world, make_invoice_export


def world() -> None:
    print(f"{'customers':>10} {'best of 3 (s)':>14} {'records':>9} {'lines':>9} {'interactions':>13}")
    for n in (1_000, 5_000, 20_000):
        times = []
        for seed in range(3):
            start = time.perf_counter()
            made = make_crm_world(n_customers=n, seed=seed)
            times.append(time.perf_counter() - start)
        print(f"{n:>10,} {min(times):>14.2f} {len(made.customers):>9,} {len(made.transactions):>9,} "
              f"{len(made.interactions):>13,}")


def invoice_export() -> None:
    print(f"\n{'customers':>10} {'lines':>9} {'make, best of 3 (s)':>20} {'write (s)':>10} "
          f"{'read transactions (s)':>22} {'read baskets (s)':>17} {'counts = truth':>15}")
    with tempfile.TemporaryDirectory() as folder:
        for n in (400, 4_400):
            times = []
            for seed in range(3):
                start = time.perf_counter()
                export = make_invoice_export(n_customers=n, seed=seed)
                times.append(time.perf_counter() - start)
            start = time.perf_counter()
            path = export.to_csv(Path(folder) / f"export_{n}.csv")
            written = time.perf_counter() - start
            reads, same = [], True
            for kind in ("transactions", "baskets"):
                start = time.perf_counter()
                _, report = read_table(kind, path, columns=export.columns[kind])
                reads.append(time.perf_counter() - start)
                same &= report.dropped == getattr(export.truth, f"{kind}_dropped")
            print(f"{n:>10,} {len(export.lines):>9,} {min(times):>20.2f} {written:>10.2f} {reads[0]:>22.2f} "
                  f"{reads[1]:>17.2f} {str(same):>15}")


def main() -> None:
    world()
    invoice_export()


if __name__ == "__main__":
    main()
