"""Exercises of notebook 05 (the CRM models side by side)."""

from __future__ import annotations

from idic_lab.exercises import Exercise, numeric, one_of, register, same_set
from idic_lab.frameworks import BusinessProfile, crosswalk, load_model, rank_models

NOTEBOOK = "05_compare_models.ipynb"
_SHORT_NAMES = ["IDIC", "QCi", "Buttle", "Payne & Frow", "Gartner", "ICRM"]

# The profile of exercise 05.4: a small B2B engineering supplier.
PROFILE_05_4 = BusinessProfile(market="B2B", n_customers=250, contact_frequency="high", data_maturity="medium",
                               goal="growth")


def _capabilities_all_cover() -> list[str]:
    table = crosswalk()
    return [c for c in table.columns if (table[c] > 0).all()]


def _qci_activities() -> int:
    return len(load_model("qci").children("customer_management_activity"))


def _most_measurement() -> str:
    return str(crosswalk()["measurement"].idxmax())


def _best_for_profile() -> str:
    return str(rank_models(PROFILE_05_4).iloc[0]["model"])


def _idic_operational_half() -> list[str]:
    idic = load_model("idic")
    return [idic.component(c).name for c in idic.groups["operational half (with the customer)"]]


register(
    Exercise(
        id="05.1",
        notebook=NOTEBOOK,
        question="Which capabilities of the taxonomy are covered by every one of the six models? (a list)",
        solution=_capabilities_all_cover,
        compare=same_set(),
        hint="In the crosswalk, look for the columns without a single 'gap' cell.",
    )
)
register(
    Exercise(
        id="05.2",
        notebook=NOTEBOOK,
        question="How many customer management activities does QCi's model list under 'customer management activity'?",
        solution=_qci_activities,
        compare=numeric(rel_tol=0, abs_tol=0.5),
        hint="Count the components whose parent is the customer management activity: model.children(...).",
    )
)
register(
    Exercise(
        id="05.3",
        notebook=NOTEBOOK,
        question="Which model has the most components mapped to measurement?",
        solution=_most_measurement,
        compare=one_of(_SHORT_NAMES),
        hint="Read the 'measurement' column of the crosswalk, counting sub-elements too.",
    )
)
register(
    Exercise(
        id="05.4",
        notebook=NOTEBOOK,
        question=(
            "A B2B supplier with 250 customers, frequent contact, medium data maturity and growth as its goal: "
            "which model does the decision guide rank first?"
        ),
        solution=_best_for_profile,
        compare=one_of(_SHORT_NAMES),
        hint="Build a BusinessProfile with these five answers and call rank_models; read the reasons too.",
    )
)
register(
    Exercise(
        id="05.5",
        notebook=NOTEBOOK,
        question="Name the stages of IDIC's operational half (the stages that need the customer to take part).",
        solution=_idic_operational_half,
        compare=same_set(),
        hint="Look at load_model('idic').groups: which half cannot be done from data inside the firm alone?",
    )
)
