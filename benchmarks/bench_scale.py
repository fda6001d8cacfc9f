"""Transactions to CLV at scale: idic_lab's public API against lifetimes' plain pipeline (issue 12, item 1).

Run: ``.venv/bin/python benchmarks/bench_scale.py --rows 1e6 1e7``.

For each size a synthetic BG/NBD purchase log (string customer ids, daily
dates, several lines per purchase occasion, about ten lines per customer)
is generated once and cached as Parquet (``--cache``, default
``/tmp/idic_bench_scale``). Each pipeline then runs in a fresh Python
process that reads the log and times, step by step,

* lifetimes: ``summary_data_from_transaction_data`` (days), ``BetaGeoFitter``,
  ``GammaGammaFitter`` on the repeat buyers, and
  ``GammaGammaFitter.customer_lifetime_value`` over 12 months (steps of 30
  days, 1 % a month);
* idic_lab: ``rfm_summary(time_unit="D")``, ``BGNBDModel().fit``,
  ``GammaGammaModel().fit`` and ``customer_lifetime_value(horizon=12,
  period=30, time_unit="D")`` with the annual rate equal to 1 % a month;
  then, outside the timed pipeline, the same CLV over 365 daily periods.

It prints the seconds per step, the total, each process's peak resident
memory (``ru_maxrss``, including the log itself, whose size alone is shown
too), the ratios, and the largest relative difference of the seven
parameters and of the per-customer CLV between the two pipelines.
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

import numpy as np
import pandas as pd

START = pd.Timestamp("2024-01-01")
DAYS = 730  # two years of purchases
END = (START + pd.Timedelta(days=DAYS - 1)).strftime("%Y-%m-%d")
MONTHLY_RATE = 0.01
ANNUAL_RATE = (1 + MONTHLY_RATE) ** (365.25 / 30) - 1  # 1 % per 30 days, as lifetimes discounts
TRUTH = {"r": 0.9, "alpha": 25.0, "a": 0.8, "b": 6.0}  # per day
LINES_PER_OCCASION = 0.2  # extra lines per purchase occasion (Poisson)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _simulate(n_customers: int, seed: int) -> pd.DataFrame:
    """A BG/NBD purchase log (Fader, Hardie & Lee 2005) as invoice lines, sorted by date."""
    rng = np.random.default_rng(seed)
    first = rng.integers(0, DAYS * 3 // 4, n_customers)
    age = (DAYS - 1 - first).astype("float64")
    lam = rng.gamma(TRUTH["r"], 1 / TRUTH["alpha"], n_customers)
    p = rng.beta(TRUTH["a"], TRUTH["b"], n_customers)
    most = rng.geometric(np.clip(p, 1e-12, 1))  # repeat purchases before she drops out
    arrivals = rng.poisson(lam * age)
    x = np.minimum(arrivals, most)
    # The first x of `arrivals` uniform arrival times in (0, age]: spacings of exponentials (order statistics).
    owner = np.repeat(np.arange(n_customers), x)
    gaps = rng.exponential(size=len(owner))
    sums = np.cumsum(gaps)
    ends = np.cumsum(x)
    starts = ends - x
    before = np.where(starts > 0, sums[np.maximum(starts - 1, 0)], 0.0) if len(sums) else np.zeros(n_customers)
    partial = sums - np.repeat(before, x)  # running sum within each customer
    tail = np.zeros(n_customers)
    tail[x > 0] = partial[ends[x > 0] - 1] + rng.gamma(arrivals[x > 0] - x[x > 0] + 1.0)
    times = age[owner] * partial / tail[owner]
    customer = np.concatenate([np.arange(n_customers), owner])
    day = np.concatenate([first, first[owner] + np.minimum(np.floor(times), age[owner]).astype("int64")])
    lines = 1 + rng.poisson(LINES_PER_OCCASION, len(customer))
    customer, day = np.repeat(customer, lines), np.repeat(day, lines)
    spend = rng.gamma(4.0, 1 / rng.gamma(6.0, 1 / 120.0, n_customers))  # Gamma-Gamma mean spend per customer
    amount = np.round(rng.gamma(3.0, spend[customer] / 3.0) + 0.01, 2)
    order = np.argsort(day, kind="stable")
    names = pd.array([f"C{i:08d}" for i in rng.permutation(n_customers)], dtype="str")
    return pd.DataFrame({
        "customer_id": names[customer[order]],
        "date": START + pd.to_timedelta(day[order], unit="D"),
        "amount": amount[order],
    })


def _log_path(rows: int, cache: Path) -> Path:
    path = cache / f"bgnbd_log_{rows}.parquet"
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        per_customer = len(_simulate(20_000, 1)) / 20_000
        log = _simulate(int(round(rows / per_customer)), 7)
        log.to_parquet(path, index=False)
        print(f"generated {len(log):,} rows in {path}", flush=True)
    return path


def _run_lifetimes(log: pd.DataFrame, times: dict) -> tuple[dict, pd.Series]:
    from idic_lab.differentiate import _lifetimes

    lifetimes = _lifetimes()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        summary = lifetimes.utils.summary_data_from_transaction_data(
            log, "customer_id", "date", monetary_value_col="amount", observation_period_end=END, freq="D"
        )
        times["summary"] = time.perf_counter() - start
        start = time.perf_counter()
        bgf = lifetimes.BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
        times["BG/NBD fit"] = time.perf_counter() - start
        start = time.perf_counter()
        repeat = summary[summary["frequency"] > 0]
        ggf = lifetimes.GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
        times["Gamma-Gamma fit"] = time.perf_counter() - start
        start = time.perf_counter()
        clv = ggf.customer_lifetime_value(bgf, summary["frequency"], summary["recency"], summary["T"],
                                          summary["monetary_value"], time=12, discount_rate=MONTHLY_RATE, freq="D")
        times["CLV 12 x 30 days"] = time.perf_counter() - start
    params = {**bgf.params_.to_dict(), **ggf.params_.to_dict()}
    clv.index = clv.index.astype("str")
    return params, clv


def _run_idic(log: pd.DataFrame, times: dict) -> tuple[dict, pd.Series]:
    from idic_lab import differentiate as dif

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        summary = dif.rfm_summary(log, observation_end=END, time_unit="D")
        times["summary"] = time.perf_counter() - start
        start = time.perf_counter()
        model = dif.BGNBDModel().fit(summary)
        times["BG/NBD fit"] = time.perf_counter() - start
        start = time.perf_counter()
        spend = dif.GammaGammaModel().fit(summary)
        times["Gamma-Gamma fit"] = time.perf_counter() - start
        start = time.perf_counter()
        clv = dif.customer_lifetime_value(model, spend, summary, horizon=12, period=30,
                                          annual_discount_rate=ANNUAL_RATE, time_unit="D")
        times["CLV 12 x 30 days"] = time.perf_counter() - start
        times["peak"] = _peak_mb()
        start = time.perf_counter()
        dif.customer_lifetime_value(model, spend, summary, horizon=365, period=1,
                                    annual_discount_rate=ANNUAL_RATE, time_unit="D")
        times["CLV 365 x 1 day"] = time.perf_counter() - start
    for w in caught:
        print(f"idic_lab warned: {w.message}", file=sys.stderr)
    params = {**model.params_.to_dict(), **spend.params_.to_dict()}
    return params, clv


def _child(pipeline: str, path: Path, out: Path) -> None:
    """One pipeline in this (fresh) process; timings and parameters to ``out``.json, CLV to ``out``.parquet."""
    log = pd.read_parquet(path)
    times: dict = {"load peak": _peak_mb(), "rows": len(log)}
    run = _run_lifetimes if pipeline == "lifetimes" else _run_idic
    params, clv = run(log, times)
    times.setdefault("peak", _peak_mb())
    clv.rename("clv").to_frame().to_parquet(out.with_suffix(".parquet"))
    out.with_suffix(".json").write_text(json.dumps({"times": times, "params": params}))


def _measure(pipeline: str, path: Path) -> tuple[dict, dict, pd.Series]:
    out = path.with_name(f"{path.stem}_{pipeline}")
    subprocess.run([sys.executable, __file__, "--child", pipeline, str(path), str(out)], check=True)
    result = json.loads(out.with_suffix(".json").read_text())
    return result["times"], result["params"], pd.read_parquet(out.with_suffix(".parquet"))["clv"]


STEPS = ["summary", "BG/NBD fit", "Gamma-Gamma fit", "CLV 12 x 30 days"]


def _report(rows: int, cache: Path) -> None:
    path = _log_path(rows, cache)
    theirs, their_params, their_clv = _measure("lifetimes", path)
    ours, our_params, our_clv = _measure("idic_lab", path)
    print(f"\n{theirs['rows']:,} rows, {len(our_clv):,} customers ({path})")
    print(f"{'step':<22}{'lifetimes s':>12}{'idic_lab s':>12}{'speed-up':>10}")
    for step in STEPS:
        print(f"{step:<22}{theirs[step]:>12.3f}{ours[step]:>12.3f}{theirs[step] / ours[step]:>9.1f}x")
    total_theirs, total_ours = sum(theirs[s] for s in STEPS), sum(ours[s] for s in STEPS)
    print(f"{'total':<22}{total_theirs:>12.3f}{total_ours:>12.3f}{total_theirs / total_ours:>9.1f}x")
    print(f"{'peak RSS MB':<22}{theirs['peak']:>12.0f}{ours['peak']:>12.0f}{ours['peak'] / theirs['peak']:>9.2f}"
          f"  (ours / theirs; after reading the log: {theirs['load peak']:.0f} / {ours['load peak']:.0f} MB)")
    daily = ours["CLV 365 x 1 day"]
    print(f"idic_lab CLV over 365 daily periods: {daily:.3f} s = {daily / ours['CLV 12 x 30 days']:.2f} x the "
          "12-month CLV step")
    gaps = {k: abs(our_params[k] / their_params[k] - 1) for k in their_params}
    print("parameters (lifetimes):", ", ".join(f"{k} {v:.6g}" for k, v in their_params.items()))
    print("max relative difference, parameters:", f"{max(gaps.values()):.1e}",
          f"({max(gaps, key=gaps.get)})")
    mine, theirs_clv = our_clv.sort_index(), their_clv.sort_index()
    if not mine.index.equals(theirs_clv.index):
        print("CLV: the customers differ between the two pipelines!")
        return
    ratio = np.abs(mine.to_numpy() / theirs_clv.to_numpy() - 1)
    print(f"max relative difference, per-customer CLV: {np.nanmax(ratio):.1e} "
          f"(mean CLV {theirs_clv.mean():.2f} vs {mine.mean():.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", nargs="+", type=float, default=[1e6, 1e7], help="log sizes, e.g. 1e6 1e7")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/idic_bench_scale"), help="where the logs are kept")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return
    for rows in args.rows:
        _report(int(rows), args.cache)


if __name__ == "__main__":
    main()
