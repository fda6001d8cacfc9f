"""Bad inputs for the data contracts (idic_lab.schema): validate, clean, read_file, read_table …"""

from __future__ import annotations

import pandas as pd

from battery.harness import Case, answered, cleaned, parametrize, refused, run_case
from idic_lab import schema


def _transactions(**overrides):
    base = {"customer_id": ["a", "b", "c"], "date": ["2024-01-01", "2024-01-02", "2024-01-03"],
            "amount": [10.0, 20.0, 30.0]}
    return pd.DataFrame(base | overrides)


CASES = [
    Case("transactions: negative amount refused by validate", "schema.validate",
         lambda: schema.validate("transactions", _transactions(amount=[10.0, -5.0, 3.0])),
         refused(r"amount.*1 of 3 rows", mentions=("transactions", "amount")), targets=("table:transactions",)),
    Case("transactions: negative amount dropped by clean with a count", "schema.clean",
         lambda: schema.clean("transactions", _transactions(amount=[10.0, -5.0, 3.0])),
         cleaned(r"return", 1), targets=("table:transactions",)),
    Case("column mapping as JSON text", "schema.column_mapping",
         lambda: schema.column_mapping('{"customer_id": "Kunde"}'),
         answered(lambda m: m == {"customer_id": "Kunde"})),
]


@parametrize(CASES)
def test_case(case: Case):
    run_case(case)
