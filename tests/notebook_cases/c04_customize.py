"""Parameter sets for notebooks/04_customize.ipynb.

* ``ci_small`` — a small synthetic world, no files; runs fast (the nbval reference uses it).
* ``client_export_german_columns`` — a consultant's run: a German shop's order-line export
  (``Bonnummer``, ``Artikelnummer``, ``Kundennummer``, ``Datum`` as ``dd.mm.yyyy``, ``Menge``)
  with an exact duplicate row, and an article list with ``Warengruppe`` and ``Listenpreis``
  (decimal commas); the column mappings arrive as a JSON string and a dict. Two planted
  bundles (A1 pulls A2, B1 pulls B2) give the rules something to find.
* ``client_invoice_lines_late_product`` — a client run (``mode="client"``) on the same lines as an
  invoice export: a quarter without customer id, a postage line, unit prices on the lines (no
  product list) and a product first sold after the cut-off. Client cases run on the notebook as the
  runner prepares it for a client (see ``tests/test_customize.py``).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd


def _client_export(tmp_path: Path) -> dict:
    rng = np.random.default_rng(7)
    articles = [f"{g}{k}" for g in "ABC" for k in range(1, 7)]
    group_preference = np.array([[0.7, 0.2, 0.1], [0.1, 0.7, 0.2], [0.2, 0.1, 0.7]])
    rows, order = [], 5000
    for i in range(300):
        prefs = group_preference[i % 3]
        for _ in range(int(rng.integers(1, 7))):
            order += 1
            day = pd.Timestamp("2023-01-01") + pd.Timedelta(days=int(rng.integers(0, 365)))
            items = {f"{'ABC'[rng.choice(3, p=prefs)]}{rng.integers(1, 7)}" for _ in range(int(rng.integers(1, 4)))}
            for first, second in (("A1", "A2"), ("B1", "B2")):
                if first in items and rng.uniform() < 0.7:
                    items.add(second)
            for item in sorted(items):
                rows.append((f"BN{order}", item, f"K{i:04d}", day.strftime("%d.%m.%Y"), int(rng.integers(1, 3))))
    frame = pd.DataFrame(rows, columns=["Bonnummer", "Artikelnummer", "Kundennummer", "Datum", "Menge"])
    frame = pd.concat([frame, frame.iloc[[3]]], ignore_index=True)  # an exact duplicate line
    path = tmp_path / "bonpositionen.csv"
    frame.to_csv(path, index=False)
    catalogue = pd.DataFrame({"Artikelnummer": articles})
    catalogue["Warengruppe"] = catalogue["Artikelnummer"].str[0].map({"A": "Bücher", "B": "Spiele", "C": "Garten"})
    catalogue["Listenpreis"] = [f"{p:.2f}".replace(".", ",") for p in rng.uniform(5, 60, size=len(articles))]
    products_path = tmp_path / "artikel.csv"
    catalogue.to_csv(products_path, index=False)
    return {
        "baskets_file": str(path),
        "basket_columns": json.dumps({"order_id": "Bonnummer", "product_id": "Artikelnummer",
                                      "customer_id": "Kundennummer", "date": "Datum", "quantity": "Menge"}),
        "date_format": "%d.%m.%Y",
        "decimal": ",",  # Listenpreis 56,67
        "products_file": str(products_path),
        "product_columns": {"product_id": "Artikelnummer", "category": "Warengruppe", "list_price": "Listenpreis"},
        "min_support": 0.01,
        "cutoff": "2023-09-30",
        "k": 3,
        "contact_budget": 100,
        "contact_cost": 0.2,
        "offers_per_customer": 2,
    }


CASES = [
    ("ci_small", lambda tmp_path: {"synthetic_customers": 1500, "seed": 1}),
    ("client_export_german_columns", _client_export),
]


def _client_invoice_lines(tmp_path: Path) -> dict:
    """A client run on invoice lines as delivered: a quarter of lines without a customer id, a postage line,
    a unit-price column instead of a product list, and a product first sold after the cut-off that
    customers of the training period buy afterwards."""
    parameters = _client_export(tmp_path)
    frame = pd.read_csv(parameters["baskets_file"], dtype=str)
    rng = np.random.default_rng(3)
    frame["Einzelpreis"] = frame["Artikelnummer"].map(lambda a: f"{3 + 2 * (ord(a[0]) - 64) + int(a[1:]):.2f}")
    frame.loc[rng.uniform(size=len(frame)) < 0.25, "Kundennummer"] = ""
    late = frame.loc[pd.to_datetime(frame["Datum"], format="%d.%m.%Y") > pd.Timestamp("2023-10-15")].iloc[:40:2].copy()
    late["Artikelnummer"], late["Einzelpreis"] = "NEU1", "19.90"
    postage = frame.iloc[[0]].assign(Artikelnummer="POST", Einzelpreis="18.00")
    frame = pd.concat([frame, late, postage], ignore_index=True)
    frame.to_csv(parameters["baskets_file"], index=False)
    return {**{k: v for k, v in parameters.items() if k not in ("products_file", "product_columns", "decimal")},
            "mode": "client", "basket_price_column": "Einzelpreis", "currency": "EUR", "contact_cost": 0.05}


CASES += [("client_invoice_lines_late_product", _client_invoice_lines)]
