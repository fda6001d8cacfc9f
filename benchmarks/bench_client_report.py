"""The consultant's command on a realistic messy export, at a realistic size.

Writes ``synth.make_invoice_export`` (Online-Retail-like: cp1252, C-invoices,
postage and fee lines, a quarter of the lines without a customer id) and the
README's YAML into a folder, runs ``idic-lab run --params client.yaml
--hide-code``, and prints the run time, the exit code and whether each stage's
cleaning counts equal the export's truth.

Run: ``.venv/bin/python benchmarks/bench_client_report.py --customers 4400 --out /tmp/retail``
(4,400 customers give about 430,000 invoice lines).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import yaml

from idic_lab.cli import main
from idic_lab.results import load_results
from idic_lab.synth import make_invoice_export


def write_client_folder(folder: Path, n_customers: int, seed: int):
    """The export as a client delivers it, and the consultant's parameter file beside it."""
    export = make_invoice_export(n_customers=n_customers, seed=seed)
    export.to_csv(folder / "online_retail_export.csv")
    parameters = {
        "common": {"transactions_file": "online_retail_export.csv", "transaction_columns": export.columns["transactions"],
                   "currency": "£", "salt": "retail-client-2026-secret"},
        "04_customize": {"baskets_file": "online_retail_export.csv", "basket_columns": export.columns["baskets"],
                         "basket_price_column": "UnitPrice"},
        "06_maturity_assessment": {"client_name": "Retail Client Ltd"},
    }
    (folder / "client.yaml").write_text(yaml.safe_dump(parameters), encoding="utf-8")
    return export


def main_benchmark() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=4400)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="an empty folder for the export and the report")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    export = write_client_folder(args.out, args.customers, args.seed)
    print(f"{export}; written in {time.perf_counter() - start:.1f} s", flush=True)
    start = time.perf_counter()
    code = main(["run", "--params", str(args.out / "client.yaml"), "--out", str(args.out / "report"), "--hide-code"])
    print(f"exit code {code} in {time.perf_counter() - start:.1f} s")
    truth = export.truth
    for stem, table, dropped, rows in [("02_differentiate", "transactions", truth.transactions_dropped, truth.transactions_rows),
                                       ("03_interact", "transactions", truth.transactions_dropped, truth.transactions_rows),
                                       ("04_customize", "baskets", truth.baskets_dropped, truth.baskets_rows)]:
        cleaning = load_results(args.out / "report" / f"{stem}.results.json").get(f"report.cleaning.{table}", {})
        same = cleaning.get("dropped") == dropped and cleaning.get("rows_out") == rows
        print(f"{stem} {table}: {cleaning.get('rows_in', 0):,} rows in, {cleaning.get('rows_out', 0):,} kept; "
              f"cleaning counts {'equal' if same else 'DIFFER FROM'} the truth")


if __name__ == "__main__":
    main_benchmark()
