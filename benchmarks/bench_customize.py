"""Benchmark of the Customize stage: basket rules and recommenders, side by side.

Run: ``.venv/bin/python benchmarks/bench_customize.py``. Prints, best of
three runs each,

* basket rules (pairs and triples) on synthetic worlds of 5,000 and 20,000
  customers, with the recall of the planted bundles among the top rules;
* the same on the Groceries data (../shared/datasets/groceries.csv) when it
  is there;
* item-kNN against the popularity baseline on a time holdout: fit and
  recommend time, precision@10, recall@10 and hit rate.
"""

from __future__ import annotations

import time
from pathlib import Path

from idic_lab import customize as cz
from idic_lab.synth import make_crm_world

GROCERIES = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "groceries.csv"


def _best_of(runs: int, function, *args, **kwargs):
    best, value = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        value = function(*args, **kwargs)
        best = min(best, time.perf_counter() - start)
    return best, value


def _rules(label: str, baskets, bundles=None, **options) -> None:
    seconds, rules = _best_of(3, cz.association_rules, baskets, **options)
    line = f"  {label:<34}{baskets['order_id'].nunique():>8,} baskets {seconds:>7.3f} s {len(rules):>7,} rules"
    if bundles is not None:
        recovery = cz.bundle_recovery(rules, bundles)
        line += f"   planted bundles in the top {recovery.attrs['top']} pair rules: {recovery.attrs['recall']:.2f}"
    print(line)


def main() -> None:
    print("basket rules (min_support 0.002, min_confidence 0.1, up to triples)")
    for n in (5_000, 20_000):
        world = make_crm_world(n_customers=n, seed=0)
        _rules(f"synthetic world, {n:,} customers", world.baskets, world.truth.bundles,
               min_support=0.002, min_confidence=0.1, max_size=3)
    if GROCERIES.is_file():
        groceries = cz.read_basket_lines(GROCERIES)
        _rules("Groceries (min_support 0.001, conf 0.5)", groceries, min_support=0.001, min_confidence=0.5, max_size=3)
    else:
        print(f"  Groceries skipped: {GROCERIES} not found")

    world = make_crm_world(n_customers=5_000, seed=0)
    split = cz.holdout_split(world.baskets, cutoff="2025-03-31")
    print(f"\nrecommenders, 5,000 customers, cut-off 2025-03-31, k=10 ({split.report()['evaluated_customers']:,} evaluated)")
    for name, model in (("item-kNN", cz.ItemKNNRecommender()), ("popularity", cz.PopularityRecommender())):
        fit_s, fitted = _best_of(3, model.fit, split.train)
        customers = split.relevant["customer_id"].unique()
        rec_s, recommendations = _best_of(3, fitted.recommend, customers, k=10)
        scores = cz.evaluate_recommendations(recommendations, split.relevant, k=10)
        print(f"  {name:<12} fit {fit_s:6.3f} s  recommend {rec_s:6.3f} s  " +
              "  ".join(f"{key} {value:.3f}" for key, value in scores.items()))


if __name__ == "__main__":
    main()
