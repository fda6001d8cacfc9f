"""Benchmark of the Differentiate stage: our code and lifetimes side by side.

Run: ``.venv/bin/python benchmarks/bench_differentiate.py``. On the full
CDNOW log (69,659 purchases, 23,570 customers), in weeks, prints the best of
three runs of

* the BTYD summary: ``idic_lab.differentiate.rfm_summary`` (vectorised)
  against lifetimes' ``summary_data_from_transaction_data``, with the
  largest absolute difference between the two;
* the BG/NBD fit: ours on unique (frequency, recency, T) rows with weights
  against lifetimes fitted on one row per customer, with both parameter sets.
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from idic_lab import differentiate as dif
from idic_lab.datasets import load_dataset

END = "1998-06-30"


def _best_of(runs: int, function, *args, **kwargs):
    best, value = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        value = function(*args, **kwargs)
        best = min(best, time.perf_counter() - start)
    return best, value


def main() -> None:
    lifetimes = dif._lifetimes()
    transactions = load_dataset("cdnow")
    print(f"CDNOW: {len(transactions):,} purchases, {transactions['customer_id'].nunique():,} customers\n")

    ours_s, ours = _best_of(3, dif.rfm_summary, transactions, observation_end=END, time_unit="W")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs_s, theirs = _best_of(
            3, lifetimes.utils.summary_data_from_transaction_data, transactions, "customer_id", "date",
            monetary_value_col="amount", observation_period_end=END, freq="D", freq_multiplier=7,
        )
    theirs.index = theirs.index.astype(str)
    columns = ["frequency", "recency", "T", "monetary_value"]
    gap = np.abs(ours[columns].sort_index().to_numpy() - theirs[columns].sort_index().to_numpy()).max()
    print(f"{'BTYD summary':<30}{'seconds':>9}")
    print(f"{'  idic_lab rfm_summary':<30}{ours_s:>9.3f}")
    print(f"{'  lifetimes summary_data_...':<30}{theirs_s:>9.3f}   ratio {theirs_s / ours_s:.1f}x; max |difference| {gap:.1e}\n")

    fit_ours, model = _best_of(3, lambda: dif.BGNBDModel().fit(ours))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit_theirs, fitter = _best_of(
            3, lambda: lifetimes.BetaGeoFitter().fit(ours["frequency"], ours["recency"], ours["T"])
        )
    print(f"{'BG/NBD fit':<30}{'seconds':>9}   parameters (r, alpha, a, b)")
    print(f"{'  ours, unique rows + weights':<30}{fit_ours:>9.3f}   {np.round(model.params_.to_numpy(), 4)} "
          f"({model.n_patterns_:,} patterns)")
    print(f"{'  lifetimes, one row each':<30}{fit_theirs:>9.3f}   {np.round(fitter.params_.to_numpy(), 4)} "
          f"({len(ours):,} rows)   ratio {fit_theirs / fit_ours:.1f}x")


if __name__ == "__main__":
    main()
