"""Parameter sets for notebooks/02_differentiate.ipynb.

* ``ci_small`` — the CDNOW sample with a small synthetic world, fast.
* ``client_export_german_columns`` — a consultant's run: a transactions export
  with German column names, dates as ``dd.mm.yyyy``, amounts as text, a
  duplicate row and a return line, monthly time unit, the calibration and
  observation ends of the client's own period; the column mapping arrives as
  a JSON string (as from the command line). A product list with German
  column names gives the categories, so the needs segments are built from
  the client's data too (three planted needs groups).
* ``client_mode_messy_export_no_dropout`` — ``mode="client"`` on cp1252
  invoice lines with cancellations, postage and missing ids, where nobody
  ever leaves and the log starts years after the business: the model
  problems and the left-censoring must be recorded, with no synthetic or
  bundled content.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd


def _client_export(tmp_path: Path) -> dict:
    # Purchases simulated from the BG/NBD process (per month) and gamma spend, written
    # the way a German shop system exports them.
    rng = np.random.default_rng(3)
    n = 400
    start = pd.Timestamp("2022-01-01")
    first = start + pd.to_timedelta(rng.integers(0, 90, size=n), unit="D")
    rate = rng.gamma(0.8, 1 / 1.5, size=n)  # purchases per month while active
    drop = rng.beta(1.0, 4.0, size=n)
    mean_spend = rng.gamma(6.0, 10.0, size=n)
    # Three needs groups: each buys mostly from its own product group (articles A*, B*, C*).
    group_preference = np.array([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]])

    def article(i: int) -> str:
        group = "ABC"[rng.choice(3, p=group_preference[i % 3])]
        return f"{group}{rng.integers(1, 6)}"

    rows = []
    for i in range(n):  # building a small test file, not library code
        day, purchases = first[i], 0
        rows.append((f"K{i:05d}", day, mean_spend[i] * rng.gamma(5.0, 0.2), article(i)))
        while True:
            wait = min(float(rng.exponential(30.4375 / max(rate[i], 1e-6))), 3650.0)  # beyond the window anyway
            day = day + pd.Timedelta(days=wait)
            if day > pd.Timestamp("2023-12-31") or rng.uniform() < drop[i] and purchases > 0:
                break
            purchases += 1
            rows.append((f"K{i:05d}", day.normalize(), mean_spend[i] * rng.gamma(5.0, 0.2), article(i)))
    frame = pd.DataFrame(rows, columns=["Kundennummer", "Datum", "Betrag", "Artikelnummer"])
    frame["Datum"] = pd.to_datetime(frame["Datum"]).dt.strftime("%d.%m.%Y")
    frame["Betrag"] = frame["Betrag"].round(2).astype(str)
    frame = pd.concat([frame, frame.iloc[[5]], pd.DataFrame(
        {"Kundennummer": ["K00001"], "Datum": ["15.03.2022"], "Betrag": ["-19.90"], "Artikelnummer": ["A1"]}
    )], ignore_index=True)
    path = tmp_path / "umsaetze.csv"
    frame.to_csv(path, index=False)
    articles = pd.DataFrame({"Artikelnummer": [f"{g}{k}" for g in "ABC" for k in range(1, 6)]})
    articles["Warengruppe"] = articles["Artikelnummer"].str[0].map({"A": "Bücher", "B": "Spiele", "C": "Garten"})
    products_path = tmp_path / "artikel.csv"
    articles.to_csv(products_path, index=False)
    return {
        "transactions_file": str(path),
        "transaction_columns": json.dumps(
            {"customer_id": "Kundennummer", "date": "Datum", "amount": "Betrag", "product_id": "Artikelnummer"}
        ),
        "products_file": str(products_path),
        "product_columns": {"product_id": "Artikelnummer", "category": "Warengruppe"},
        "date_format": "%d.%m.%Y",
        "observation_end": "2023-12-31",
        "calibration_end": "2022-12-31",
        "time_unit": "M",
        "horizon": 12,
        "synthetic_customers": 800,
        "stability_resamples": 3,
    }


def _order_lines_export(tmp_path: Path) -> dict:
    """Invoice lines as an Online-Retail-style shop system writes them.

    No amount column (quantity x unit price), "C" invoices for cancellations,
    numeric customer ids written as floats, month-first timestamps, a
    semicolon-separated file. The purchases come from a small synthetic world.
    """
    from idic_lab.synth import make_crm_world

    world = make_crm_world(n_customers=600, seed=5)
    lines = world.transactions.dropna(subset=["customer_id"])
    numbers = {record: float(12000 + k) for k, record in enumerate(sorted(lines["customer_id"].unique()))}
    export = pd.DataFrame({
        "InvoiceNo": lines["order_id"],
        "StockCode": lines["product_id"],
        "Quantity": lines["quantity"],
        "InvoiceDate": (lines["date"] + pd.Timedelta(hours=10)).dt.strftime("%m/%d/%Y %H:%M"),
        "UnitPrice": lines["unit_price"],
        "CustomerID": lines["customer_id"].map(numbers),
    })
    path = tmp_path / "invoice_lines.csv"
    export.to_csv(path, index=False, sep=";")
    return {
        "transactions_file": str(path),
        "transaction_columns": {"customer_id": "CustomerID", "date": "InvoiceDate", "order_id": "InvoiceNo",
                                "product_id": "StockCode", "quantity": "Quantity", "unit_price": "UnitPrice"},
        "date_format": "%m/%d/%Y %H:%M",
        "observation_end": str(world.observation_end.date()),
        "calibration_end": "2024-09-29",
        "time_unit": "W",
        "horizon": 26,
        "synthetic_customers": 800,
        "stability_resamples": 3,
    }


def _messy_client_export(tmp_path: Path) -> dict:
    """A client run (mode="client") on invoice lines as a shop system delivers them.

    Customers never leave (no dropout: the Pareto/NBD fit runs its dropout
    rate to 0) and the log starts in 2022 although the business started in
    2019 (left-censoring). The lines carry 'C' cancellations, postage lines,
    missing customer ids, day-first timestamps and cp1252 '£' descriptions.
    """
    rng = np.random.default_rng(11)
    log_start, end = pd.Timestamp("2022-01-01"), pd.Timestamp("2023-12-31")
    n_old, n_new = 160, 80
    first = np.concatenate([
        (pd.Timestamp("2019-01-01") + pd.to_timedelta(rng.uniform(0, 1095, n_old), unit="D")).to_numpy(),
        (log_start + pd.to_timedelta(rng.uniform(0, 720, n_new), unit="D")).to_numpy(),
    ])
    rates = rng.gamma(2.0, 0.4, n_old + n_new) / 30.4375  # purchases per day, nobody ever leaves
    products = [f"{g}{k}" for g in "AB" for k in range(1, 4)]
    lines, invoice = [], 536000
    for i in range(n_old + n_new):  # building a small test file, not library code
        day = pd.Timestamp(first[i])
        while day <= end:
            if day >= log_start:
                invoice += 1
                for product in rng.choice(products, size=rng.integers(1, 3), replace=False):
                    lines.append((str(invoice), product, f"ITEM {product} £", int(rng.integers(1, 5)),
                                  day + pd.Timedelta(hours=10), round(float(rng.uniform(2, 20)), 2), 12000 + i))
                if rng.uniform() < 0.1:
                    lines.append((str(invoice), "POST", "POSTAGE", 1, day + pd.Timedelta(hours=10), 18.0, 12000 + i))
            day = day + pd.Timedelta(days=float(rng.exponential(1 / rates[i])))
    frame = pd.DataFrame(lines, columns=["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate",
                                         "UnitPrice", "CustomerID"])
    cancelled = frame.loc[frame["StockCode"] != "POST"].sample(20, random_state=1)
    frame = pd.concat([frame, cancelled.assign(InvoiceNo="C" + cancelled["InvoiceNo"], Quantity=-cancelled["Quantity"],
                                               InvoiceDate=cancelled["InvoiceDate"] + pd.Timedelta(days=2))])
    frame = frame.sort_values("InvoiceDate", kind="stable")
    frame["CustomerID"] = frame["CustomerID"].astype("Int64").astype("string")
    frame.loc[rng.uniform(size=len(frame)) < 0.2, "CustomerID"] = pd.NA
    frame["InvoiceDate"] = frame["InvoiceDate"].dt.strftime("%d/%m/%Y %H:%M")
    path = tmp_path / "invoice_lines_cp1252.csv"
    frame.to_csv(path, index=False, encoding="cp1252")
    catalogue = pd.DataFrame({"StockCode": products, "Group": [p[0] for p in products]})
    products_path = tmp_path / "catalogue.csv"
    catalogue.to_csv(products_path, index=False)
    return {
        "mode": "client",
        "transactions_file": str(path),
        "transaction_columns": {"customer_id": "CustomerID", "date": "InvoiceDate", "order_id": "InvoiceNo",
                                "product_id": "StockCode", "quantity": "Quantity", "unit_price": "UnitPrice",
                                "description": "Description"},
        "date_format": "%d/%m/%Y %H:%M",
        "currency": "£",
        "non_product_codes": ["POST"],
        "observation_end": "2023-12-31",
        "calibration_end": "2023-03-31",
        "time_unit": "W",
        "horizon": 52,
        "products_file": str(products_path),
        "product_columns": {"product_id": "StockCode", "category": "Group"},
        "stability_resamples": 2,
    }


CASES = [
    ("ci_small", lambda tmp_path: {"synthetic_customers": 1000, "seed": 1, "stability_resamples": 3}),
    ("client_export_german_columns", _client_export),
    ("client_invoice_lines_without_amount", _order_lines_export),
    ("client_mode_messy_export_no_dropout", _messy_client_export),
]
