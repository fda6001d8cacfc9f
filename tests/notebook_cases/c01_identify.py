"""Parameter sets for notebooks/01_identify.ipynb.

* ``ci_small_world`` — a small synthetic world, fast.
* ``client_files_german_columns`` — a consultant's run in client mode: two
  customer exports (shop and newsletter) with German column names, dates as
  ``dd.mm.yyyy``, a source column in one file, ids that do not collide, and a
  transactions export; duplicates with typos, diacritics and Persian letter
  variants.
* ``client_customers_only`` — client mode with the customer exports only: the
  transactions and contacts sections have nothing to work on (never the
  synthetic world's).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

_PEOPLE = [
    ("Anna Berg", "anna.berg@example.de", "+49 30 1234567", "Hauptstr. 5, Berlin", "02.04.1980"),
    ("Jonas Weber", "jonas.weber@example.de", "+49 40 7654321", "Elbchaussee 12, Hamburg", "15.08.1972"),
    ("Nguyễn Thị Ánh", "anh.nguyen@example.vn", "+84 90 1222333", "12 Lê Lợi, Huế", "15.07.1990"),
    ("علی کریمی", "ali.karimi@example.ir", "+98 912 3456789", "Tehran, Vali Asr 100", "20.11.1975"),
    ("Maria Rossi", "maria.rossi@example.it", "+39 06 5550101", "Via Roma 1, Roma", "30.01.1988"),
    ("Trần Văn Đức", "duc.tran@example.vn", "+84 28 3888999", "5 Nguyễn Huệ, Sài Gòn", "09.09.1969"),
    ("Lena Fischer", "lena.f@example.de", "+49 89 2223344", "Leopoldstr. 7, München", "11.03.1995"),
    ("Peter Schmidt", "p.schmidt@example.de", "+49 221 998877", "Domplatz 3, Köln", "23.12.1960"),
]
# Second copies: typo, no diacritics, Arabic letter variants, changed e-mail format.
_COPIES = [
    ("Ana Berg", "Anna.Berg@Example.de", "030 1234567", "Hauptstrasse 5 Berlin", "02.04.1980"),
    ("Nguyen Thi Anh", "anh.nguyen@example.vn", "", "12 Le Loi, Hue", ""),
    ("علي كريمي", "", "0912 345 6789", "Tehran Vali Asr 100", "20.11.1975"),
    ("Tran Van Duc", "duc.tran@example.vn", "+84 28 3888 999", "", "09.09.1969"),
]


def _client_files(tmp_path: Path) -> dict:
    shop = pd.DataFrame(
        {
            "Kundennummer": [f"K{n:04d}" for n in range(1, len(_PEOPLE) + 1)],
            "Vorname Nachname": [p[0] for p in _PEOPLE],
            "E-Mail": [p[1] for p in _PEOPLE],
            "Telefon": [p[2] for p in _PEOPLE],
            "Adresse": [p[3] for p in _PEOPLE],
            "Geburtsdatum": [p[4] for p in _PEOPLE],
            "Anmeldung": ["01.02.2023"] * len(_PEOPLE),
            "Quelle": ["Filiale"] * 4 + ["Webshop"] * 4,
        }
    )
    newsletter = pd.DataFrame(
        {
            "Kundennummer": [f"N{n:04d}" for n in range(1, len(_COPIES) + 1)],
            "Vorname Nachname": [c[0] for c in _COPIES],
            "E-Mail": [c[1] for c in _COPIES],
            "Telefon": [c[2] for c in _COPIES],
            "Adresse": [c[3] for c in _COPIES],
            "Geburtsdatum": [c[4] for c in _COPIES],
            "Anmeldung": ["15.06.2023"] * len(_COPIES),
        }
    )
    transactions = pd.DataFrame(
        {
            "Kundennummer": ["K0001", "N0001", "K0002", "K0003", "N0002", "K0004", "N0003", "K0005", "K0008", "N0004"],
            "Datum": ["03.02.2023", "20.06.2023", "05.03.2023", "10.03.2023", "01.07.2023",
                      "11.04.2023", "02.08.2023", "12.05.2023", "13.05.2023", "14.09.2023"],
            "Betrag": ["19.90", "25.00", "99.00", "12.50", "14.00", "40.00", "42.00", "7.99", "120.00", "33.30"],
        }
    )
    shop_path, newsletter_path = tmp_path / "kunden_shop.csv", tmp_path / "newsletter.csv"
    transactions_path = tmp_path / "umsaetze.csv"
    shop.to_csv(shop_path, index=False)
    newsletter.to_csv(newsletter_path, index=False)
    transactions.to_csv(transactions_path, index=False)
    customer_columns = {
        "customer_id": "Kundennummer", "name": "Vorname Nachname", "email": "E-Mail", "phone": "Telefon",
        "address": "Adresse", "birth_date": "Geburtsdatum", "signup_date": "Anmeldung", "source": "Quelle",
    }
    return {
        "customer_files": [str(shop_path), str(newsletter_path)],
        "source_names": ["shop", "newsletter"],
        "customer_columns": json.dumps(customer_columns),  # a JSON string, as from the command line
        "transactions_file": str(transactions_path),
        "transaction_columns": {"customer_id": "Kundennummer", "date": "Datum", "amount": "Betrag"},
        "date_format": "%d.%m.%Y",
        "source_priority": ["Filiale", "Webshop", "newsletter"],
        "run_febrl": False,
        "mode": "client",
        "currency": "EUR",
    }


def _customers_only(tmp_path: Path) -> dict:
    parameters = _client_files(tmp_path)
    for name in ("transactions_file", "transaction_columns", "date_format"):
        del parameters[name]
    parameters["customer_columns"] = json.loads(parameters["customer_columns"])  # a dict, as from YAML
    return parameters  # dotted dates (dd.mm.yyyy) are read day-first without date_format


CASES = [
    ("ci_small_world", lambda tmp_path: {"synthetic_customers": 300, "seed": 7}),
    ("client_files_german_columns", _client_files),
    ("client_customers_only", _customers_only),
]
