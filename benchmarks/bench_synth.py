"""Benchmark of the synthetic CRM world: generation time and table sizes.

Run: ``.venv/bin/python benchmarks/bench_synth.py``. The issue's target is
5,000 customers in under 5 s; this prints the best of three runs for a few
sizes, side by side.
"""

from __future__ import annotations

import time

from idic_lab.synth import make_crm_world


def main() -> None:
    print(f"{'customers':>10} {'best of 3 (s)':>14} {'records':>9} {'lines':>9} {'interactions':>13}")
    for n in (1_000, 5_000, 20_000):
        times = []
        for seed in range(3):
            start = time.perf_counter()
            world = make_crm_world(n_customers=n, seed=seed)
            times.append(time.perf_counter() - start)
        print(f"{n:>10,} {min(times):>14.2f} {len(world.customers):>9,} {len(world.transactions):>9,} "
              f"{len(world.interactions):>13,}")


if __name__ == "__main__":
    main()
