"""Benchmark of the Interact stage: run time of each step, and uplift quality against the planted truth.

Run: ``.venv/bin/python benchmarks/bench_interact.py``. For synthetic worlds of
5,000 and 20,000 customers it prints the time of each step and the Qini
coefficient of each uplift model (mean and spread over five seeded splits)
beside the Qini of the planted uplift, the ceiling. With the Hillstrom e-mail
test beside the repository (``../shared/datasets/hillstrom.csv``) it adds the
visit lift and the uplift Qini there.
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

from idic_lab import interact as it
from idic_lab.schema import clean
from idic_lab.synth import make_crm_world

HILLSTROM = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "hillstrom.csv"


def _timed(label: str, timings: dict, func, *args, **kwargs):
    start = time.perf_counter()
    out = func(*args, **kwargs)
    timings[label] = time.perf_counter() - start
    return out


def _models(features=None) -> dict:
    return {
        "two-model": it.TwoModelUplift(features=features),
        "class transformation": it.ClassTransformationUplift(features=features),
        "response model": it.ResponseModel(features=features),
    }


def main() -> None:
    for n in (5_000, 20_000):
        timings: dict[str, float] = {}
        world = _timed("world", timings, make_crm_world, n, seed=0)
        transactions, _ = clean("transactions", world.transactions, observation_end=world.observation_end)
        _timed("channel_summary", timings, it.channel_summary, world.interactions)
        _timed("campaign_lift (bootstrap 2000)", timings, it.campaign_lift, world.campaign, method="bootstrap")
        qini = _timed("qini_by_split (3 models x 5)", timings, it.qini_by_split, world.campaign, _models(),
                      truth=world.truth.uplift)
        _timed("cohort_retention", timings, it.cohort_retention, transactions, observation_end=world.observation_end)
        _timed("churn_risk (BG/NBD)", timings, it.churn_risk, transactions, observation_end=world.observation_end)
        _timed("key_drivers", timings, it.key_drivers, world.survey)
        print(f"\n== synthetic world, {n:,} customers ({len(world.campaign):,} in the campaign)")
        print(pd.Series(timings, name="seconds").round(3).to_string())
        print(qini.agg(["mean", "std"]).T.round(4).to_string())
    if HILLSTROM.exists():
        raw = pd.read_csv(HILLSTROM)
        campaign = it.prepare_campaign(raw, columns={"treatment": "segment", "outcome": "visit"},
                                       control_value="No E-Mail", id_from_row=True)
        print("\n== Hillstrom e-mail test (visit), treatment = any e-mail")
        print(it.campaign_lift(campaign).round(4).to_string())
        features = ["recency", "history", "mens", "womens", "newbie"]
        print(it.qini_by_split(campaign, _models(features)).agg(["mean", "std"]).T.round(4).to_string())


if __name__ == "__main__":
    main()
