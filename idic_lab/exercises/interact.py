"""Exercises of notebook 03 (Interact): campaign lift in a group, test size, NPS of a group, key drivers,
churn risk, and why an uplift model beats a response model."""

from __future__ import annotations

from functools import cache

from idic_lab import interact as it
from idic_lab.exercises import Exercise, Mistake, numeric, one_of, register, written
from idic_lab.schema import clean
from idic_lab.synth import DRIVERS, CRMWorld, make_crm_world

NOTEBOOK = "03_interact.ipynb"
WORLD_CUSTOMERS = 5000
WORLD_SEED = 0
ONLINE_SHARE = 0.75  # 03.1: customers who made (at least) this share of their purchases online
DELIVERY_RATING = 8  # 03.3: respondents who rate delivery at least this


@cache
def _world() -> CRMWorld:
    return make_crm_world(WORLD_CUSTOMERS, seed=WORLD_SEED)


def _lift(campaign, row: str = "absolute_lift") -> float:
    return float(it.campaign_lift(campaign).loc[row, "estimate"])


def _online() -> float:
    campaign = _world().campaign
    return _lift(campaign.loc[campaign["web_share"] >= ONLINE_SHARE])


def _online_relative() -> float:
    campaign = _world().campaign
    return _lift(campaign.loc[campaign["web_share"] >= ONLINE_SHARE], "relative_lift")


def _sample_size() -> int:
    return it.sample_size(0.09, 0.01)["control"]


def _sample_size_total() -> int:
    return it.sample_size(0.09, 0.01)["total"]


def _nps_delivery() -> float:
    survey = _world().survey
    return float(it.nps(survey.loc[survey["delivery"] >= DELIVERY_RATING])["nps"])


def _second_driver() -> str:
    return str(it.key_drivers(_world().survey).index[1])


def _risk():
    world = _world()
    transactions, _ = clean("transactions", world.transactions, observation_end=world.observation_end)
    return it.churn_risk(transactions, observation_end=world.observation_end, time_unit="W")


def _share_below_half(*, repeat_only: bool = True, statuses: tuple[str, ...] = ("at risk", "likely lost")) -> float:
    risk = _risk()
    if repeat_only:
        risk = risk.loc[risk["status"] != "one-time buyer"]
    return float(risk["status"].isin(statuses).mean())


register(
    Exercise(
        id="03.1",
        notebook=NOTEBOOK,
        question=(
            "In the synthetic world (5,000 customers, seed 0), take only the campaign customers who made at least "
            "three quarters of their purchases online (web_share of 0.75 or more). By how much does the e-mail raise their "
            "response rate over their control group? Answer the absolute lift as a fraction (0.01 = one point)."
        ),
        solution=_online,
        compare=numeric(rel_tol=0.01, share=True),
        hint=(
            "Keep only the mostly-online buyers in both arms first; then the lift is the response rate of the treated "
            "minus that of the control group, a difference and not a ratio."
        ),
        mistakes=(
            Mistake(lambda: _lift(_world().campaign), "That is the lift of the whole campaign: keep only the "
                    "customers who bought mostly online, in both arms."),
            Mistake(_online_relative, "That is the relative lift (a ratio minus one); the question asks for the "
                    "difference of the two response rates."),
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
            "The needed size grows with the square of the precision: half the lift needs about four times the "
            "customers. Enter the lift as a fraction, and count one arm only."
        ),
        mistakes=(
            Mistake(_sample_size_total, "That counts both arms together; the question asks for the control "
                    "group alone."),
            Mistake(lambda: it.sample_size(0.09, 0.02)["control"], "That is the size for a lift of two points, "
                    "the planned test of the notebook; one point needs about four times as many."),
        ),
    )
)
register(
    Exercise(
        id="03.3",
        notebook=NOTEBOOK,
        question=(
            "What is the Net Promoter Score (in points, -100 to 100) among the survey respondents of the "
            "synthetic world who rate delivery 8 or higher?"
        ),
        solution=_nps_delivery,
        compare=numeric(abs_tol=0.5),
        hint=(
            "Keep the respondents with a delivery rating of at least 8; among them, promoters answer 9-10 and "
            "detractors 0-6, and NPS is the percentage of promoters minus the percentage of detractors."
        ),
        mistakes=(
            Mistake(lambda: float(it.nps(_world().survey)["nps"]), "That is the NPS of all respondents; keep "
                    "only those who rate delivery 8 or higher."),
            Mistake(lambda: _nps_delivery() / 100, "NPS is given in points (percent of promoters minus percent "
                    "of detractors), not as a fraction."),
        ),
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
        hint=(
            "Relative weights share the explained variance between correlated drivers; rank the drivers by "
            "them and read the runner-up, not the winner."
        ),
    )
)
register(
    Exercise(
        id="03.5",
        notebook=NOTEBOOK,
        question=(
            "Among the synthetic world's repeat buyers (one-time buyers left out), what share is more likely gone "
            "than alive at the observation end, P(alive) below 0.5 (weeks as time unit)? Answer as a fraction "
            "between 0 and 1."
        ),
        solution=_share_below_half,
        compare=numeric(rel_tol=0.01, share=True),
        hint=(
            "Below 0.5 covers two risk bands, not one. A share also needs the right denominator: the repeat "
            "buyers only, since the model cannot judge customers who bought once."
        ),
        mistakes=(
            Mistake(lambda: _share_below_half(repeat_only=False), "That divides by every customer, one-time buyers "
                    "included; the question asks for the share among repeat buyers."),
            Mistake(lambda: _share_below_half(statuses=("at risk",)), "That counts only the 'at risk' band; "
                    "customers 'likely lost' have a P(alive) below 0.5 too."),
        ),
    )
)

_MODEL_ANSWER_06 = (
    "A response model predicts who buys after the e-mail, so it puts first the loyal regulars who buy "
    "anyway (sure things): contacting them adds nothing. An uplift model estimates the difference the "
    "contact makes, comparing treated with control customers, so it puts the persuadables first: recent, "
    "mostly online buyers. The campaign should leave out the sleeping dogs, the regulars whom the offer "
    "makes buy less (the negative uplift in the bottom deciles), and need not pay for the lost causes."
)

register(
    Exercise(
        id="03.6",
        notebook=NOTEBOOK,
        question=(
            "The response model ranks customers worse than the two uplift models on this campaign. Explain why "
            "in a few sentences, and say which customers the campaign should leave out."
        ),
        solution=lambda: _MODEL_ANSWER_06,
        compare=written({
            "a response model scores who buys, including those who buy anyway": ("anyway", "sure thing",
                                                                                  "without the"),
            "uplift is the difference the contact makes, treated against control": ("difference", "control",
                                                                                    "because of"),
            "sleeping dogs buy less when contacted and should be left out": ("sleeping dog", "buy less",
                                                                            "put off"),
        }),
        hint=(
            "Think of the four groups of Radcliffe: which of them does a model of who buys find, and which of "
            "them does the campaign actually move?"
        ),
        model_answer=_MODEL_ANSWER_06,
    )
)
