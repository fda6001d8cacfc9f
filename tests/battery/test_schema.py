"""Bad inputs for the data contracts (idic_lab.schema): validate, clean, read_file, read_table …

One row per bad or awkward input: every contract table and every public
function of the schema layer. Messages from ``clean`` must never advise
``clean(...)`` (``NO_CLEAN`` in a pattern checks that).
"""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from battery.harness import Case, answered, cleaned, parametrize, refused, run_case
from idic_lab import schema

INF = float("inf")
NO_CLEAN = r"^(?!.*clean\()"  # a message that does not suggest clean(...)
_FILES = tempfile.TemporaryDirectory(prefix="idic_battery_schema_")  # removed at exit


def _file(name: str, data: bytes | str, encoding: str = "utf-8") -> Path:
    path = Path(_FILES.name) / name
    path.write_bytes(data.encode(encoding) if isinstance(data, str) else data)
    return path


def _zip(name: str, members: dict[str, str]) -> Path:
    path = Path(_FILES.name) / name
    with zipfile.ZipFile(path, "w") as archive:
        for member, text in members.items():
            archive.writestr(member, text)
    return path


def _transactions(**overrides):
    base = {"customer_id": ["a", "b", "c"], "date": ["2024-01-01", "2024-01-02", "2024-01-03"],
            "amount": [10.0, 20.0, 30.0]}
    return pd.DataFrame(base | overrides)


def _campaign(**overrides):
    return pd.DataFrame({"customer_id": ["1", "2", "3"], "treatment": [1, 0, 1], "outcome": [1, 0, 0]} | overrides)


def _survey(**overrides):
    return pd.DataFrame({"respondent_id": ["r1", "r2"], "overall": [4, 5]} | overrides)


def _interactions(**overrides):
    base = {"customer_id": ["1", "2"], "timestamp": ["2024-01-01 10:00", "2024-01-02 11:00"], "channel": ["web", "call"]}
    return pd.DataFrame(base | overrides)


def _baskets(**overrides):
    return pd.DataFrame({"order_id": ["o1", "o1", "o2"], "product_id": ["milk", "bread", "milk"]} | overrides)


def _products(**overrides):
    return pd.DataFrame({"product_id": ["p1", "p2"], "category": ["food", "toys"]} | overrides)


def _assessment(**overrides):
    return pd.DataFrame({"item_id": ["Q1", "Q2"], "score": [3, 4]} | overrides)


def _amounts(result):
    return result[0]["amount"].tolist()


CASES = [
    Case("check_frame: a Series is refused as a wrong type with the fix", "schema.check_frame",
         lambda: schema.check_frame(pd.Series([1, 2]), "summary"),
         refused(r"summary: expected a pandas DataFrame, found Series.*s\.to_frame\(\)", error=TypeError)),
    Case("check_frame: repeated column names are named", "schema.check_frame",
         lambda: schema.check_frame(pd.DataFrame([[1, 2]], columns=["cost", "cost"]), "interactions"),
         refused(r"interactions: expected each column name once, found \['cost'\]", mentions=("Rename",))),
    # ------------------------------------------------------------ transactions: amounts
    Case("transactions: negative amount refused by validate", "schema.validate",
         lambda: schema.validate("transactions", _transactions(amount=[10.0, -5.0, 3.0])),
         refused(r"amount.*1 of 3 rows.*Use clean\(", mentions=("transactions", "amount")),
         targets=("table:transactions",)),
    Case("transactions: negative amount dropped by clean with a count", "schema.clean",
         lambda: schema.clean("transactions", _transactions(amount=[10.0, -5.0, 3.0])),
         cleaned(r"return", 1), targets=("table:transactions",)),
    Case("transactions: +inf amount refused by validate", "schema.validate",
         lambda: schema.validate("transactions", _transactions(amount=[10.0, INF, 3.0])),
         refused(r"finite number.*1 of 3 rows are infinite.*row 1: inf.*clean\(", mentions=("transactions", "amount")),
         targets=("table:transactions",)),
    Case("transactions: inf, -inf and NaN amounts dropped by clean", "schema.clean",
         lambda: schema.clean("transactions", _transactions(amount=[INF, -INF, np.nan]).pipe(
             lambda df: pd.concat([df, _transactions()], ignore_index=True))),
         cleaned(r"^missing or non-finite amount$", 3), targets=("table:transactions",)),
    Case("transactions: 'inf' text in a CSV dropped by read_table", "schema.read_table",
         lambda: schema.read_table("transactions", _file("inf.csv", "customer_id,date,amount\n1,2024-01-01,inf\n2,2024-01-02,5\n")),
         cleaned(r"non-finite amount", 1), targets=("table:transactions",)),
    Case("transactions: amount = quantity × unit price with inf × 0 dropped", "schema.clean",
         lambda: schema.clean("transactions", pd.DataFrame({
             "customer_id": ["1", "2"], "date": ["2024-01-01"] * 2, "quantity": [INF, 2], "unit_price": [0.0, 1.5]})),
         cleaned(r"non-finite amount", 1), targets=("table:transactions",)),
    Case("transactions: text amounts refused by clean without advising clean", "schema.clean",
         lambda: schema.clean("transactions", _transactions(amount=["1", "abc", "3"])),
         refused(NO_CLEAN + r".*wrong type.*'abc'.*Fix", mentions=("transactions", "amount")),
         targets=("table:transactions",)),
    Case("transactions: decimal commas get decimal=',' advice", "schema.validate",
         lambda: schema.validate("transactions", _transactions(amount=["12,50", "3", "1,5"])),
         refused(r"decimal=','", mentions=("transactions", "amount")), targets=("table:transactions",)),
    Case("transactions: decimal=',' reads 1.234,50", "schema.validate",
         lambda: schema.validate("transactions", _transactions(amount=["12,50", "1.234,50", "3"]), decimal=","),
         answered(lambda out: out["amount"].tolist() == [12.5, 1234.5, 3.0])),
    Case("transactions: negative amounts kept by drop_returns=False get a working fix", "schema.clean",
         lambda: schema.clean("transactions", _transactions(amount=[1.0, -2.0, 3.0]), drop_returns=False),
         refused(NO_CLEAN + r".*drop_returns=True", mentions=("transactions", "amount")),
         targets=("table:transactions",)),
    Case("transactions: zero quantity dropped as a return", "schema.clean",
         lambda: schema.clean("transactions", _transactions(quantity=[1, 0, 2])),
         cleaned(r"zero or negative quantity", 1), targets=("table:transactions",)),
    Case("transactions: exact duplicate rows counted", "schema.clean",
         lambda: schema.clean("transactions", pd.concat([_transactions(), _transactions().iloc[:2]], ignore_index=True)),
         cleaned(r"exact duplicate row", 2), targets=("table:transactions",)),
    Case("transactions: zero amounts kept on request", "schema.validate",
         lambda: schema.validate("transactions", _transactions(amount=[0.0, 1.0, 2.0]), allow_zero_amounts=True),
         answered(lambda out: out["amount"].tolist() == [0.0, 1.0, 2.0])),
    # ------------------------------------------------------------ transactions: ids
    Case("transactions: float ids beyond 2**53 refused", "schema.validate",
         lambda: schema.validate("transactions", _transactions(customer_id=[12345678901234567890.0, 12345678901234567891.0, 7.0])),
         refused(r"2 of 3 rows are floating-point.*merged.*dtype=", mentions=("transactions", "customer_id")),
         targets=("table:transactions",)),
    Case("transactions: ids in scientific notation refused by clean", "schema.clean",
         lambda: schema.clean("transactions", _transactions(customer_id=["1.2345E+19", "1E5", "c"])),
         refused(NO_CLEAN + r".*scientific notation", mentions=("transactions", "customer_id")),
         targets=("table:transactions",)),
    Case("transactions: float-like ids made whole with a count", "schema.clean",
         lambda: schema.clean("transactions", _transactions(customer_id=[17850.0, 17851.0, "c"])),
         cleaned(r"float-like ids made whole", 2, changed=True), targets=("table:transactions",)),
    Case("transactions: blanks around ids stripped with a count", "schema.clean",
         lambda: schema.clean("transactions", _transactions(customer_id=[" a", "b ", "c"])),
         cleaned(r"customer_id whitespace stripped", 2, changed=True), targets=("table:transactions",)),
    Case("transactions: missing and blank ids dropped", "schema.clean",
         lambda: schema.clean("transactions", _transactions(customer_id=[None, "  ", "c"])),
         cleaned(r"missing customer_id", 2), targets=("table:transactions",)),
    # ------------------------------------------------------------ transactions: dates and time
    Case("transactions: ambiguous day/month order refused by validate", "schema.validate",
         lambda: schema.validate("transactions", _transactions(date=["03/04/2021", "05/06/2021", "01/02/2021"])),
         refused(r"3 of 3 rows are read differently day-first.*dayfirst=True.*dayfirst=False",
                 mentions=("transactions", "date")), targets=("table:transactions",)),
    Case("transactions: ambiguous day/month order refused by clean", "schema.clean",
         lambda: schema.clean("transactions", _transactions(date=["03/04/2021", "05/06/2021", "2021-01-02"])),
         refused(NO_CLEAN + r".*read differently day-first", mentions=("transactions", "date")),
         targets=("table:transactions",)),
    Case("transactions: dates that can only be day-first are read day-first", "schema.validate",
         lambda: schema.validate("transactions", _transactions(date=["31/01/2021", "05/06/2021", "13/02/2021"])),
         answered(lambda out: out["date"].iloc[1] == pd.Timestamp("2021-06-05"))),
    Case("transactions: time-zone conversion counted in the report", "schema.clean",
         lambda: schema.clean("transactions", _transactions(date=["2024-01-01T10:00+02:00", "2024-01-02T10:00Z", "2024-01-03"])),
         cleaned(r"converted from its time zone", 2, changed=True), targets=("table:transactions",)),
    Case("transactions: unreadable and missing dates dropped", "schema.clean",
         lambda: schema.clean("transactions", _transactions(date=["2024-01-01", "someday", None])),
         cleaned(r"unparseable date", 2), targets=("table:transactions",)),
    Case("transactions: no date readable with the given format", "schema.clean",
         lambda: schema.clean("transactions", _transactions(), date_format="%d.%m.%Y"),
         refused(NO_CLEAN + r".*date_format='%d.%m.%Y'.*3 of 3 rows", mentions=("transactions", "date")),
         targets=("table:transactions",)),
    Case("transactions: observation_end as a number refused", "schema.clean",
         lambda: schema.clean("transactions", _transactions(), observation_end=19980630),
         refused(r"observation_end=19980630.*found a int.*'1998-06-30'", mentions=("observation_end",)),
         targets=("schema.as_date",)),
    Case("transactions: rows after observation_end dropped", "schema.clean",
         lambda: schema.clean("transactions", _transactions(), observation_end="2024-01-02"),
         cleaned(r"after observation end", 1), targets=("table:transactions",)),
    # ------------------------------------------------------------ parameters and frame shapes
    Case("kind typo gets 'Did you mean'", "schema.validate",
         lambda: schema.validate("transaction", _transactions()),
         refused(r"Unknown table kind 'transaction'.*Did you mean 'transactions'", mentions=("customers",))),
    Case("MultiIndex columns refused with the flattening fix", "schema.validate",
         lambda: schema.validate("transactions", pd.concat({"x": _transactions()}, axis=1)),
         refused(r"MultiIndex.*'_'\.join", mentions=("transactions",)), targets=("table:transactions",)),
    Case("MultiIndex rows refused with reset_index", "schema.clean",
         lambda: schema.clean("transactions", _transactions().set_index(["customer_id", "date"], drop=False)),
         refused(r"row MultiIndex.*reset_index\(\)", mentions=("transactions",)), targets=("table:transactions",)),
    Case("two canonical columns mapped onto one client column", "schema.validate",
         lambda: schema.validate("transactions", _transactions(Kunde=["1", "2", "3"]),
                                 columns={"customer_id": "Kunde", "order_id": "Kunde"}),
         refused(r"'Kunde' is mapped to several canonical columns", mentions=("transactions", "customer_id", "order_id"))),
    Case("a mapping value that is not a column name", "schema.validate",
         lambda: schema.validate("transactions", _transactions(), columns={"customer_id": ["customer_id"]}),
         refused(r"columns= expected the name of one of your columns.*found list", mentions=("customer_id",))),
    Case("columns labelled 0, 1, 2 mapped by number or text", "schema.validate",
         lambda: schema.validate("transactions", _transactions().set_axis([0, 1, 2], axis=1),
                                 columns={"customer_id": "0", "date": 1, "amount": "2"}),
         answered(lambda out: out["customer_id"].tolist() == ["a", "b", "c"])),
    Case("dayfirst of the wrong type", "schema.validate",
         lambda: schema.validate("transactions", _transactions(), dayfirst="yes"),
         refused(r"dayfirst='yes': expected True.*found str", mentions=("dayfirst",), error=TypeError)),
    Case("date_format with a bad directive", "schema.validate",
         lambda: schema.validate("transactions", _transactions(), date_format="%Q"),
         refused(r"date_format='%Q' cannot be used.*strftime", mentions=("date_format",))),
    Case("decimal separator that is not '.' or ','", "schema.clean",
         lambda: schema.clean("transactions", _transactions(), decimal=";"),
         refused(r"decimal=';': expected '\.' .* or ','", mentions=("decimal",))),
    # ------------------------------------------------------------ as_date
    Case("as_date: a bool is not a date", "schema.as_date",
         lambda: schema.as_date(True, "calibration_end"),
         refused(r"calibration_end=True.*found a bool", mentions=("calibration_end",))),
    Case("as_date: a day-first string is not ISO", "schema.as_date",
         lambda: schema.as_date("30/06/1998"),
         refused(r"observation_end='30/06/1998': expected an ISO date", mentions=("observation_end",))),
    Case("as_date: a time-zone aware string becomes naive UTC", "schema.as_date",
         lambda: schema.as_date("1998-06-30T02:00+02:00"),
         answered(lambda end: end == pd.Timestamp("1998-06-30 00:00") and end.tz is None)),
    # ------------------------------------------------------------ customers
    Case("customers: repeated ids refused (an Identify decision)", "schema.clean",
         lambda: schema.clean("customers", pd.DataFrame({"customer_id": ["1", "1.0", "2"], "name": ["A", "A.", "B"]})),
         refused(NO_CLEAN + r".*2 of 3 rows.*Identify.*drop_duplicates", mentions=("customers", "customer_id")),
         targets=("table:customers",)),
    Case("customers: ambiguous optional signup dates refused", "schema.validate",
         lambda: schema.validate("customers", pd.DataFrame({"customer_id": ["1", "2"], "signup_date": ["03/04/2021", None]})),
         refused(r"read differently day-first", mentions=("customers", "signup_date")), targets=("table:customers",)),
    Case("customers: unreadable optional birth dates get a fix other than clean", "schema.clean",
         lambda: schema.clean("customers", pd.DataFrame({"customer_id": ["1", "2"], "birth_date": ["1990-01-01", "soon"]})),
         refused(NO_CLEAN + r".*blank them", mentions=("customers", "birth_date")), targets=("table:customers",)),
    Case("customers: missing ids dropped", "schema.clean",
         lambda: schema.clean("customers", pd.DataFrame({"customer_id": ["1", None, ""]})),
         cleaned(r"missing customer_id", 2), targets=("table:customers",)),
    # ------------------------------------------------------------ interactions
    Case("interactions: missing timestamps dropped", "schema.clean",
         lambda: schema.clean("interactions", _interactions(timestamp=["2024-01-01 10:00", None])),
         cleaned(r"unparseable timestamp", 1), targets=("table:interactions",)),
    Case("interactions: negative cost refused", "schema.validate",
         lambda: schema.validate("interactions", _interactions(cost=[1.0, -0.5])),
         refused(r"1 of 2 rows are not >= 0", mentions=("interactions", "cost")), targets=("table:interactions",)),
    Case("interactions: infinite cost refused", "schema.clean",
         lambda: schema.clean("interactions", _interactions(cost=[1.0, INF])),
         refused(NO_CLEAN + r".*infinite.*replace\(\[np\.inf", mentions=("interactions", "cost")),
         targets=("table:interactions",)),
    # ------------------------------------------------------------ campaign
    Case("campaign: treatment words refused", "schema.validate",
         lambda: schema.validate("campaign", _campaign(treatment=[1, "offer", 0])),
         refused(r"0/1.*1 of 3 rows.*'offer'", mentions=("campaign", "treatment")), targets=("table:campaign",)),
    Case("campaign: blank treatment in clean gets a dropna fix with the client's name", "schema.clean",
         lambda: schema.clean("campaign", _campaign(Gruppe=[1, " ", 0]).drop(columns="treatment"),
                              columns={"treatment": "Gruppe"}),
         refused(NO_CLEAN + r".*your column 'Gruppe'.*dropna\(subset=\['Gruppe'\]\)", mentions=("campaign", "treatment")),
         targets=("table:campaign",)),
    Case("campaign: infinite outcome refused", "schema.validate",
         lambda: schema.validate("campaign", _campaign(outcome=[1.0, -INF, 0.0])),
         refused(r"finite number.*1 of 3 rows are infinite", mentions=("campaign", "outcome")), targets=("table:campaign",)),
    # ------------------------------------------------------------ survey
    Case("survey: NPS of 11 refused", "schema.validate",
         lambda: schema.validate("survey", _survey(nps=[11, 9])),
         refused(r"0 to 10.*1 of 2 rows", mentions=("survey", "nps")), targets=("table:survey",)),
    Case("survey: infinite driver rating refused", "schema.validate",
         lambda: schema.validate("survey", _survey(ease=[3.0, INF])),
         refused(r"finite number \(one of your other columns", mentions=("survey", "ease")), targets=("table:survey",)),
    Case("survey: repeated respondents refused", "schema.clean",
         lambda: schema.clean("survey", _survey(respondent_id=["r1", "r1"])),
         refused(NO_CLEAN + r".*2 of 2 rows.*drop_duplicates", mentions=("survey", "respondent_id")),
         targets=("table:survey",)),
    # ------------------------------------------------------------ baskets
    Case("baskets: returned quantities dropped", "schema.clean",
         lambda: schema.clean("baskets", _baskets(quantity=[1, -1, 0])),
         cleaned(r"zero or negative quantity", 2), targets=("table:baskets",)),
    Case("baskets: missing order ids dropped", "schema.clean",
         lambda: schema.clean("baskets", _baskets(order_id=["o1", None, "o2"])),
         cleaned(r"missing order_id", 1), targets=("table:baskets",)),
    Case("baskets: zero quantity refused by validate with a working fix", "schema.validate",
         lambda: schema.validate("baskets", _baskets(quantity=[1, 0, 2])),
         refused(r"1 of 3 rows are not > 0.*Use clean\(", mentions=("baskets", "quantity")), targets=("table:baskets",)),
    # ------------------------------------------------------------ products
    Case("products: repeated product ids refused", "schema.validate",
         lambda: schema.validate("products", _products(product_id=["p1", " p1"])),
         refused(r"2 of 2 rows.*drop_duplicates", mentions=("products", "product_id")), targets=("table:products",)),
    Case("products: infinite list price refused", "schema.validate",
         lambda: schema.validate("products", _products(list_price=["9.99", "inf"])),
         refused(r"infinite", mentions=("products", "list_price")), targets=("table:products",)),
    # ------------------------------------------------------------ assessment
    Case("assessment: score outside 1-5 refused", "schema.validate",
         lambda: schema.validate("assessment", _assessment(score=[0, 6])),
         refused(r"1 to 5.*2 of 2 rows", mentions=("assessment", "score")), targets=("table:assessment",)),
    Case("assessment: the same item answered twice by one respondent", "schema.clean",
         lambda: schema.clean("assessment", _assessment(item_id=["Q1", "Q1"], respondent=["A", "A"])),
         refused(NO_CLEAN + r".*item_id \+ respondent", mentions=("assessment",)), targets=("table:assessment",)),
    # ------------------------------------------------------------ files
    Case("read_file: cp1252 export with pound signs", "schema.read_file",
         lambda: schema.read_file(_file("pounds.csv", "id,price\n1,£12\n", "cp1252")),
         answered(lambda df: df.loc[0, "price"] == "£12" and df.attrs["encoding"] == "cp1252")),
    Case("read_file: UTF-8 with BOM keeps a clean first header", "schema.read_file",
         lambda: schema.read_file(_file("bom.csv", b"\xef\xbb\xbfid,name\n1,Zo\xc3\xab\n")),
         answered(lambda df: df.columns.tolist() == ["id", "name"] and df.loc[0, "name"] == "Zoë")),
    Case("read_file: UTF-16 export", "schema.read_file",
         lambda: schema.read_file(_file("utf16.csv", "id;Stadt\n1;Köln\n", "utf-16")),
         answered(lambda df: df.loc[0, "Stadt"] == "Köln")),
    Case("read_file: the given encoding cannot decode the file", "schema.read_file",
         lambda: schema.read_file(_file("latin.csv", "id,city\n1,Zürich\n", "cp1252"), encoding="utf-8"),
         refused(r"latin\.csv.*could not be decoded with encoding='utf-8'.*encoding='cp1252'", mentions=("encoding",))),
    Case("read_file: an empty file", "schema.read_file",
         lambda: schema.read_file(_file("empty.csv", b"")),
         refused(r"empty\.csv.*empty \(0 bytes\)")),
    Case("read_file: a header without rows", "schema.read_file",
         lambda: schema.read_file(_file("header.csv", "customer_id,amount\n")),
         refused(r"header\.csv.*header .* but no rows")),
    Case("read_file: ragged rows", "schema.read_file",
         lambda: schema.read_file(_file("ragged.csv", "id,amount\n1,2\n2,3,50\n")),
         refused(r"ragged\.csv.*expected 2 fields.*line 3 has 3.*sep=")),
    Case("read_file: a header name twice", "schema.read_file",
         lambda: schema.read_file(_file("twice.csv", "id,amount,amount\n1,2,3\n")),
         refused(r"twice\.csv.*\['amount'\] appear more than once")),
    Case("read_file: a text file named .xlsx", "schema.read_file",
         lambda: schema.read_file(_file("fake.xlsx", "id,amount\n1,2\n")),
         refused(r"fake\.xlsx.*expected an Excel workbook.*rename it to \.csv")),
    Case("read_file: a zip that is not a workbook", "schema.read_file",
         lambda: schema.read_file(_zip("notbook.xlsx", {"a.txt": "hello"})),
         refused(r"notbook\.xlsx.*no xl/workbook\.xml")),
    Case("read_file: a corrupt parquet file", "schema.read_file",
         lambda: schema.read_file(_file("broken.parquet", b"PAR1 not really")),
         refused(r"broken\.parquet.*could not be read as a Parquet file")),
    Case("read_file: an unsupported extension", "schema.read_file",
         lambda: schema.read_file(_file("data.json", "{}")),
         refused(r"data\.json.*expected one of the extensions \.csv")),
    Case("read_table: data errors name the file", "schema.read_table",
         lambda: schema.read_table("transactions", _file("bad_amounts.csv", "customer_id,date,amount\n1,2024-01-01,abc\n")),
         refused(r"^File bad_amounts\.csv: Table 'transactions', column 'amount'", mentions=("amount",)),
         targets=("table:transactions",)),
    Case("read_table: an unknown clean option lists the valid ones", "schema.read_table",
         lambda: schema.read_table("transactions", _file("ok.csv", "customer_id,date,amount\n1,2024-01-01,3\n"),
                                   drop_retruns=False),
         refused(r"unknown option.*drop_retruns.*drop_cancellations.*drop_returns", error=TypeError)),
    Case("read_table: observation_end 0 is not read as 1970", "schema.read_table",
         lambda: schema.read_table("transactions", _file("ok2.csv", "customer_id,date,amount\n1,2024-01-01,3\n"),
                                   observation_end=0),
         refused(r"observation_end=0: expected an ISO date", mentions=("observation_end",))),
    # ------------------------------------------------------------ real exports: cancellations, non-product lines
    Case("clean: a C-invoice cancelling a whole earlier purchase leaves no spend", "schema.clean",
         lambda: schema.clean("transactions", _transactions(
             customer_id=["a", "a", "b"], order_id=["1", "C2", "3"], product_id=["p", "p", "q"],
             amount=[10.0, -10.0, 5.0])),
         cleaned(r"^purchase cancelled in full$", 1), targets=("table:transactions",)),
    Case("clean: a partial cancellation reduces the purchase", "schema.clean",
         lambda: schema.clean("transactions", _transactions(
             customer_id=["a", "a", "b"], order_id=["1", "C2", "3"], product_id=["p", "p", "q"],
             quantity=[6, -1, 1], unit_price=[2.0, 2.0, 5.0], amount=[12.0, -2.0, 5.0])),
         cleaned(r"^purchase reduced by a later cancellation$", 1, changed=True)),
    Case("clean: a cancellation before any purchase is counted, not netted", "schema.clean",
         lambda: schema.clean("transactions", _transactions(
             order_id=["C1", "2", "3"], product_id=["p", "p", "q"], amount=[-10.0, 20.0, 30.0])),
         cleaned(r"^cancellation without matching purchase$", 1)),
    Case("clean: postage and bank charges by code and description", "schema.clean",
         lambda: schema.clean("transactions", _transactions(
             product_id=["POST", "X9", "85123A"], description=["POSTAGE", "Bank Charges", "HEART"])),
         cleaned(r"^non-product line", 2)),
    Case("clean: the client's own non-product code", "schema.clean",
         lambda: schema.clean("baskets", _baskets(product_id=["milk", "GIFTWRAP", "milk"]),
                              non_product_codes=["giftwrap"]),
         cleaned(r"^non-product line", 1), targets=("table:baskets",)),
    Case("clean: non_product_codes as one string is refused", "schema.clean",
         lambda: schema.clean("transactions", _transactions(), non_product_codes="POST"),
         refused(r"non_product_codes='POST': expected a list of product codes", error=TypeError)),
    Case("clean: a cancellation flag that is not 0/1", "schema.clean",
         lambda: schema.clean("transactions", _transactions(order_id=["1", "2", "3"], cancellation=["no", "yes", "no"])),
         refused(NO_CLEAN + r".*column 'cancellation'.*0/1.*cancellation_prefix", mentions=("cancellation",))),
    Case("clean: cancellation_prefix that is not text", "schema.clean",
         lambda: schema.clean("transactions", _transactions(), cancellation_prefix=7),
         refused(r"cancellation_prefix=7: expected the text", error=TypeError)),
    Case("baskets: anonymous lines survive cleaning", "schema.clean",
         lambda: schema.clean("baskets", _baskets(customer_id=[None, "k", None])),
         answered(lambda result: result[0]["customer_id"].isna().sum() == 2 and result[1].total_dropped == 0)),
    Case("read_table: a cp1252 invoice export with '£', C-invoices and postage", "schema.read_table",
         lambda: schema.read_table(
             "transactions",
             _file("invoices.csv", "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID\n"
                   "536365,GIFT10,£10 GIFT VOUCHER,2,01/12/2010 08:26,8.51,17850\n"
                   "536365,POST,POSTAGE,1,01/12/2010 08:26,18.00,17850\n"
                   "C536366,GIFT10,£10 GIFT VOUCHER,-1,13/12/2010 09:00,8.51,17850\n", encoding="cp1252"),
             columns={"order_id": "InvoiceNo", "product_id": "StockCode", "description": "Description",
                      "quantity": "Quantity", "date": "InvoiceDate", "unit_price": "UnitPrice",
                      "customer_id": "CustomerID"}),
         answered(lambda result: result[0]["amount"].tolist() == [8.51]
                  and result[0]["description"].tolist() == ["£10 GIFT VOUCHER"]
                  and result[1].dropped["non-product line (postage, fees, adjustments)"] == 1)),
    Case("read_table: non_product_codes with clean_rows=False is refused", "schema.read_table",
         lambda: schema.read_table("transactions", _file("ok3.csv", "customer_id,date,amount\n1,2024-01-01,3\n"),
                                   clean_rows=False, non_product_codes=["POST"]),
         refused(r"\['non_product_codes'\] apply only with clean_rows=True")),
    # ------------------------------------------------------------ mappings and the catalogue
    Case("column mapping as JSON text", "schema.column_mapping",
         lambda: schema.column_mapping('{"customer_id": "Kunde"}'),
         answered(lambda m: m == {"customer_id": "Kunde"})),
    Case("column mapping with single quotes is not JSON", "schema.column_mapping",
         lambda: schema.column_mapping("{'customer_id': 'Kunde'}", parameter="transaction_columns"),
         refused(r"transaction_columns: expected a JSON object.*double quotes", mentions=("transaction_columns",))),
    Case("column mapping with a list value", "schema.column_mapping",
         lambda: schema.column_mapping({"customer_id": ["Kunde", "Nr"]}),
         refused(r"columns: expected each value to be one column name", mentions=("customer_id",))),
    Case("describe: a typo in the table kind", "schema.describe",
         lambda: schema.describe("survy"),
         refused(r"Unknown table kind 'survy'.*Did you mean 'survey'")),
    Case("list_tables: every listed table has a contract that describe shows", "schema.list_tables",
         lambda: {kind: schema.describe(kind) for kind in schema.list_tables()},
         answered(lambda tables: list(tables) == list(schema.TABLES)
                  and all(t["required"].any() for t in tables.values()))),
]


@parametrize(CASES)
def test_case(case: Case):
    run_case(case)
