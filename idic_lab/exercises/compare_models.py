"""Exercises of notebook 05 (the CRM models side by side)."""

from __future__ import annotations

from functools import cache

from idic_lab.exercises import Exercise, Mistake, get_exercise, numeric, one_of, register, written
from idic_lab.frameworks import BusinessProfile, lab_map, rank_models

NOTEBOOK = "05_compare_models.ipynb"
_SHORT_NAMES = ["IDIC", "QCi", "Buttle", "Payne & Frow", "Gartner", "ICRM"]

#: Exercise 05.2: a B2B firm with few accounts, frequent contact, linked data and growth as its goal.
PROFILE_05_2 = BusinessProfile(market="B2B", n_customers=250, contact_frequency="high", data_maturity="high",
                               goal="growth")
#: Exercise 05.3: the notebook's default business, sold to firms instead of consumers.
PROFILE_05_3 = BusinessProfile(market="B2B", n_customers=60_000, contact_frequency="low", data_maturity="medium",
                               goal="retention")


#: Exercise 05.1: the default business after a what-if: frequent contact and linked, analysed data.
PROFILE_05_1_AFTER = BusinessProfile(market="B2C", n_customers=60_000, contact_frequency="high",
                                     data_maturity="high", goal="retention")


def _score(profile: BusinessProfile, model: str = "IDIC") -> float:
    ranking = rank_models(profile)
    return float(ranking.loc[ranking["model"] == model, "score"].iloc[0])


def _idic_lead_over_icrm() -> float:
    return _score(PROFILE_05_1_AFTER) - _score(PROFILE_05_1_AFTER, "ICRM")


def _idic_score() -> float:
    ranking = rank_models(PROFILE_05_2)
    return float(ranking.loc[ranking["model"] == "IDIC", "score"].iloc[0])


def _idic_rules_applying() -> float:
    ranking = rank_models(PROFILE_05_2)
    return float(ranking.loc[ranking["model"] == "IDIC", "reasons"].iloc[0].count(";") + 1)


def _first_for_b2b_default() -> str:
    return str(rank_models(PROFILE_05_3).iloc[0]["model"])


def _practised(model: str) -> tuple[int, int]:
    practice = lab_map()
    rows = practice[practice["model"] == model]
    done = rows.loc[rows["status"] == "available", "component"].nunique()
    return int(done), int(rows["component"].nunique())


def _payne_frow_practised_share() -> float:
    done, total = _practised("Payne & Frow")
    return done / total


register(
    Exercise(
        id="05.1",
        notebook=NOTEBOOK,
        question=(
            "What if the notebook's default business (B2C, 60,000 customers, rare contact, medium data maturity, "
            "retention) met its customers often and linked and analysed its customer data (contact frequency "
            "high, data maturity high)? How many points would IDIC then score above the ICRM loop?"
        ),
        solution=_idic_lead_over_icrm,
        compare=numeric(rel_tol=0, abs_tol=0.01),
        hint=(
            "Score both models for the changed business, then take the difference: the rule on rare contact no "
            "longer takes IDIC's point away, and rules on frequent contact and good data may add points to either."
        ),
        mistakes=(
            Mistake(lambda: _score(PROFILE_05_1_AFTER),
                    "That is IDIC's new score; the question asks how far it is above the ICRM loop's."),
        ),
    )
)
register(
    Exercise(
        id="05.2",
        notebook=NOTEBOOK,
        question=(
            "A B2B supplier with 250 accounts, frequent contact, high data maturity and growth as its goal: how "
            "many points does the decision guide give IDIC?"
        ),
        solution=_idic_score,
        compare=numeric(rel_tol=0, abs_tol=0.01),
        hint=(
            "Each rule whose condition the business meets adds its points, and some rules take points away; the "
            "number of customers counts through its size band (few, many, mass)."
        ),
        mistakes=(
            Mistake(_idic_rules_applying,
                    "That is the number of rules that apply to IDIC; the score adds up their points, and a rule "
                    "can be worth more than one point."),
        ),
    )
)
register(
    Exercise(
        id="05.3",
        notebook=NOTEBOOK,
        question=(
            "What if the notebook's default business (60,000 customers, rare contact, medium data maturity, "
            "retention) sold to firms (B2B) instead of consumers? Which model would the guide rank first?"
        ),
        solution=_first_for_b2b_default,
        compare=one_of(_SHORT_NAMES),
        hint=(
            "Only the market answer changes: take away the points the B2C rules gave, add the points of the B2B "
            "rules, and compare the totals again."
        ),
    )
)
register(
    Exercise(
        id="05.4",
        notebook=NOTEBOOK,
        question=(
            "What share of Payne & Frow's components (sub-elements included) does this lab put into practice? "
            "(a fraction between 0 and 1)"
        ),
        solution=_payne_frow_practised_share,
        compare=numeric(rel_tol=0.01, share=True),
        hint=(
            "A share of the model's components has all of its components as the denominator, practised or not; "
            "a component practised by several lab sections still counts once."
        ),
        mistakes=(
            Mistake(lambda: _practised("Payne & Frow")[0] / (_practised("Payne & Frow")[1]
                                                            - _practised("Payne & Frow")[0]),
                    "That divides the practised components by the unpractised ones; a share divides by all of "
                    "the model's components."),
        ),
    )
)
register(
    Exercise(
        id="05.5",
        notebook=NOTEBOOK,
        question=(
            "A retailer's CRM team argues: 'The crosswalk shows that QCi covers all ten capabilities and IDIC "
            "only nine, so QCi is the better model and we should drop IDIC.' What is wrong with this argument?"
        ),
        solution=lambda: get_exercise("05.5").model_answer,  # the model answer makes every point
        compare=written(
            {
                "coverage is not evidence of better results": ("empiric", "evidence", "no study", "results",
                                                               "perform", "effective"),
                "the best model depends on the business and its goal": ("depend", "goal", "profile", "fit"),
                "the models do different jobs and can be combined": ("job", "audit", "assess", "combin",
                                                                     "purpose", "together"),
            }
        ),
        hint=(
            "Ask what the crosswalk counts, what it does not measure, and what each of the two models was built "
            "to do."
        ),
        model_answer=(
            "The crosswalk counts which capabilities a model mentions, not whether firms that use it get better "
            "results: no study compares firms using QCi with firms using IDIC on performance, so coverage is no "
            "evidence of effectiveness. Which model fits depends on the business and its goal (market, number of "
            "customers, how often it meets them, its data). The two do different jobs: QCi is built to audit and "
            "assess the whole of customer management, IDIC to organise the work with the customers themselves, "
            "so a retailer can use them together rather than drop one."
        ),
    )
)
