"""Parameter sets for notebooks/02_differentiate.ipynb.

* ``ci_small`` — the CDNOW sample with a small synthetic world, fast.
* ``client_export_german_columns`` — a consultant's run: a transactions export
  with German column names, dates as ``dd.mm.yyyy``, amounts as text, a
  duplicate row and a return line, monthly time unit, the calibration and
  observation ends of the client's own period; the column mapping arrives as
  a JSON string (as from the command line).
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
    rows = []
    for i in range(n):  # building a small test file, not library code
        day, purchases = first[i], 0
        rows.append((f"K{i:05d}", day, mean_spend[i] * rng.gamma(5.0, 0.2)))
        while True:
            day = day + pd.Timedelta(days=float(rng.exponential(30.4375 / max(rate[i], 1e-6))))
            if day > pd.Timestamp("2023-12-31") or rng.uniform() < drop[i] and purchases > 0:
                break
            purchases += 1
            rows.append((f"K{i:05d}", day.normalize(), mean_spend[i] * rng.gamma(5.0, 0.2)))
    frame = pd.DataFrame(rows, columns=["Kundennummer", "Datum", "Betrag"])
    frame["Datum"] = pd.to_datetime(frame["Datum"]).dt.strftime("%d.%m.%Y")
    frame["Betrag"] = frame["Betrag"].round(2).astype(str)
    frame = pd.concat([frame, frame.iloc[[5]], pd.DataFrame(
        {"Kundennummer": ["K00001"], "Datum": ["15.03.2022"], "Betrag": ["-19.90"]}
    )], ignore_index=True)
    path = tmp_path / "umsaetze.csv"
    frame.to_csv(path, index=False)
    return {
        "transactions_file": str(path),
        "columns": json.dumps({"customer_id": "Kundennummer", "date": "Datum", "amount": "Betrag"}),
        "date_format": "%d.%m.%Y",
        "observation_end": "2023-12-31",
        "calibration_end": "2022-12-31",
        "time_unit": "M",
        "horizon": 12,
        "synthetic_customers": 800,
        "stability_resamples": 3,
    }


CASES = [
    ("ci_small", lambda tmp_path: {"synthetic_customers": 1000, "seed": 1, "stability_resamples": 3}),
    ("client_export_german_columns", _client_export),
]
