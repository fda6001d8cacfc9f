"""Exercises of notebook 03 (Interact): campaign lift, test size, NPS, key drivers, churn risk."""

from __future__ import annotations

from functools import cache

from idic_lab import interact as it
from idic_lab.exercises import Exercise, numeric, one_of, register
from idic_lab.schema import clean
from idic_lab.synth import DRIVERS, CRMWorld, make_crm_world

NOTEBOOK = "03_interact.ipynb"
WORLD_CUSTOMERS = 5000
WORLD_SEED = 0


@cache
def _world() -> CRMWorld:
    return make_crm_world(WORLD_CUSTOMERS, seed=WORLD_SEED)


def _absolute_lift() -> float:
    return float(it.campaign_lift(_world().campaign).loc["absolute_lift", "estimate"])


def _sample_size() -> int:
    return it.sample_size(0.09, 0.01)["control"]


def _nps() -> float:
    return float(it.nps(_world().survey)["nps"])


def _second_driver() -> str:
    return str(it.key_drivers(_world().survey).index[1])


def _share_at_risk() -> float:
    world = _world()
    transactions, _ = clean("transactions", world.transactions, observation_end=world.observation_end)
    risk = it.churn_risk(transactions, observation_end=world.observation_end, time_unit="W")
    repeat = risk.loc[risk["status"] != "one-time buyer"]
    return float((repeat["status"] == "at risk").mean())


register(
    Exercise(
        id="03.1",
        notebook=NOTEBOOK,
        question=(
            "In the synthetic world (5,000 customers, seed 0), by how much does the campaign raise the response "
            "rate over the control group? Answer the absolute lift as a fraction (0.01 = one percentage point)."
        ),
        solution=_absolute_lift,
        compare=numeric(rel_tol=0.01),
        hint=(
            "Compare the response rate of the treated customers with that of the control group "
            "(campaign_lift or campaign_results); subtract, do not divide."
        ),
    )
)
register(
    Exercise(
        id="03.2",
        notebook=NOTEBOOK,
        question=(
            "A new e-mail test expects a control response rate of 9 % and should detect a lift of one percentage "
            "point (two-sided alpha 0.05, power 0.8, equal arms). How many control customers does it need?"
        ),
        solution=_sample_size,
        compare=numeric(rel_tol=0.005),
        hint=(
            "Use sample_size(baseline_rate, minimum_lift) with the lift as a fraction. Halving the lift roughly "
            "quadruples the customers needed."
        ),
    )
)
register(
    Exercise(
        id="03.3",
        notebook=NOTEBOOK,
        question="What is the Net Promoter Score of the synthetic world's survey (in points, -100 to 100)?",
        solution=_nps,
        compare=numeric(abs_tol=0.5),
        hint="Promoters answer 9-10, detractors 0-6; NPS is the percentage of promoters minus that of detractors.",
    )
)
register(
    Exercise(
        id="03.4",
        notebook=NOTEBOOK,
        question=(
            "In the key-driver analysis of the synthetic survey, which driver has the second-largest relative "
            f"weight? One of {', '.join(DRIVERS)}."
        ),
        solution=_second_driver,
        compare=one_of(DRIVERS),
        hint="Sort key_drivers(survey) by relative_weight (it already is) and read the second row, not the first.",
    )
)
register(
    Exercise(
        id="03.5",
        notebook=NOTEBOOK,
        question=(
            "Among the synthetic world's repeat buyers (one-time buyers left out), what share is 'at risk' "
            "(0.2 <= P(alive) < 0.5) at the observation end, in weeks? Answer as a fraction between 0 and 1."
        ),
        solution=_share_at_risk,
        compare=numeric(rel_tol=0.01),
        hint=(
            "Clean the transactions with the world's observation end, run churn_risk, drop the 'one-time buyer' "
            "rows and take the mean of (status == 'at risk')."
        ),
    )
)
