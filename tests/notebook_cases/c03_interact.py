"""Parameter sets for notebooks/03_interact.ipynb.

* ``ci_small`` — a small synthetic world, fewer bootstrap resamples; needs no files.
* ``client_exports_german_columns`` — a consultant's run on four client files with German column
  names: contacts with dates as ``dd.mm.yyyy`` and costs as text, a campaign whose group column
  holds labels (control = "Kontrollgruppe") with renamed pre-treatment features, a survey with
  renamed driver ratings, and a transactions export; the mappings arrive partly as JSON strings
  (as from the command line); quarterly cohorts and a monthly BG/NBD time unit. The tables are
  drawn from a synthetic world with another seed, so every figure is plausible, but the notebook
  treats them as client data (no planted truth).
* ``client_only_transactions_no_dropout`` — a client run (``mode="client"``) with only a transactions
  export (day-first dates, "£") of customers who never leave: only the retention sections run, and
  the BG/NBD model's missing dropout is stated as a problem instead of "0 at risk".
* ``client_only_campaign`` — a client run with only a campaign file: only the campaign and uplift
  sections run, never on the synthetic world.

Client cases run on the notebook as the runner prepares it for a client (``teaching`` cells and
``needs:`` sections without their input removed; see ``tests/test_interact.py``).
"""

from __future__ import annotations

import json
from pathlib import Path

from idic_lab.synth import make_crm_world

_DRIVERS = {"product_quality": "Produktqualitaet", "price_value": "Preis_Leistung", "delivery": "Lieferung",
            "customer_service": "Kundendienst", "website_app": "Webshop"}
_FEATURES = {"recency_weeks": "Wochen_seit_Kauf", "frequency": "Kaeufe", "monetary": "Bon_Mittel",
             "tenure_weeks": "Kundenalter_Wochen", "web_share": "Online_Anteil"}


def _client_exports(tmp_path: Path) -> dict:
    world = make_crm_world(1500, seed=7)
    contacts = world.interactions.rename(
        columns={"customer_id": "Kundennr", "timestamp": "Datum", "channel": "Kanal", "type": "Art",
                 "outcome": "Ergebnis", "cost": "Kosten"}
    )
    contacts["Datum"] = contacts["Datum"].dt.strftime("%d.%m.%Y")
    contacts["Kosten"] = contacts["Kosten"].map(lambda v: f"{v:.2f}")
    contacts.to_csv(tmp_path / "kontakte.csv", index=False)

    campaign = world.campaign.rename(columns={"customer_id": "Kundennr", "outcome": "Reaktion", "spend": "Umsatz",
                                              **_FEATURES})
    campaign["Gruppe"] = campaign.pop("treatment").map({1: "Mailing Fruehjahr", 0: "Kontrollgruppe"})
    campaign.to_csv(tmp_path / "kampagne.csv", index=False)

    survey = world.survey.rename(columns={"respondent_id": "Bogen", "customer_id": "Kundennr", "overall": "Gesamturteil",
                                          "nps": "Weiterempfehlung", **_DRIVERS})
    survey.to_csv(tmp_path / "umfrage.csv", index=False)

    sales = world.transactions.rename(columns={"customer_id": "Kundennr", "date": "Datum", "amount": "Betrag"})
    sales = sales[["Kundennr", "Datum", "Betrag"]].assign(Datum=sales["Datum"].dt.strftime("%d.%m.%Y"))
    sales.to_csv(tmp_path / "umsaetze.csv", index=False)
    return {
        "synthetic_customers": 500,
        "interactions_file": str(tmp_path / "kontakte.csv"),
        "interaction_columns": json.dumps({"customer_id": "Kundennr", "timestamp": "Datum", "channel": "Kanal",
                                           "type": "Art", "outcome": "Ergebnis", "cost": "Kosten"}),
        "campaign_file": str(tmp_path / "kampagne.csv"),
        "campaign_columns": {"customer_id": "Kundennr", "treatment": "Gruppe", "outcome": "Reaktion", "spend": "Umsatz"},
        "control_value": "Kontrollgruppe",
        "uplift_features": list(_FEATURES.values()),
        "survey_file": str(tmp_path / "umfrage.csv"),
        "survey_columns": json.dumps({"respondent_id": "Bogen", "customer_id": "Kundennr", "overall": "Gesamturteil",
                                      "nps": "Weiterempfehlung"}),
        "survey_drivers": list(_DRIVERS.values()),
        "transactions_file": str(tmp_path / "umsaetze.csv"),
        "transaction_columns": {"customer_id": "Kundennr", "date": "Datum", "amount": "Betrag"},
        "date_format": "%d.%m.%Y",
        "observation_end": "2025-06-29",
        "retention_unit": "Q",
        "time_unit": "M",
        "n_bootstrap": 500,
        "planned_baseline": 0.1,
        "planned_lift": 0.03,
    }


CASES = [
    ("ci_small", lambda tmp_path: {"synthetic_customers": 2000, "seed": 1, "n_bootstrap": 500}),
    ("client_exports_german_columns", _client_exports),
]


def _always_active_sales(tmp_path: Path) -> str:
    """A tailored export: 400 customers who keep buying to the end, so BG/NBD fits (almost) no dropout."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(1)
    rows = []
    for c in range(400):
        day = pd.Timestamp("2023-01-01") + pd.Timedelta(days=int(rng.integers(0, 300)))
        gap = rng.uniform(10, 120)
        while day < pd.Timestamp("2024-12-31"):
            rows.append((f"K{c:04d}", day.strftime("%d/%m/%Y"), round(float(rng.uniform(5, 50)), 2)))
            day += pd.Timedelta(days=int(rng.exponential(gap)) + 1)
    path = tmp_path / "sales.csv"
    pd.DataFrame(rows, columns=["Customer", "InvoiceDate", "Total"]).to_csv(path, index=False)
    return str(path)


def _client_only_transactions(tmp_path: Path) -> dict:
    return {"mode": "client", "transactions_file": _always_active_sales(tmp_path),
            "transaction_columns": {"customer_id": "Customer", "date": "InvoiceDate", "amount": "Total"},
            "date_format": "%d/%m/%Y", "observation_end": "2024-12-31", "currency": "£"}


def _client_only_campaign(tmp_path: Path) -> dict:
    campaign = make_crm_world(1500, seed=7).campaign
    path = tmp_path / "campaign.csv"
    campaign.to_csv(path, index=False)
    return {"mode": "client", "campaign_file": str(path), "n_bootstrap": 300, "currency": "EUR"}


CASES += [
    ("client_only_transactions_no_dropout", _client_only_transactions),
    ("client_only_campaign", _client_only_campaign),
]
