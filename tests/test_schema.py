"""Tests of the data contracts (idic_lab.schema)."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from idic_lab.schema import (
    TABLES,
    CleaningReport,
    SchemaError,
    TableSpec,
    clean,
    describe,
    list_tables,
    read_file,
    read_table,
    validate,
)


def transactions(**overrides) -> pd.DataFrame:
    data = {
        "customer_id": ["1", "2", "3"],
        "date": ["2020-01-01", "2020-01-02", "2020-01-03"],
        "amount": [10.0, 20.0, 30.0],
    }
    data.update(overrides)
    return pd.DataFrame(data)


def assert_message(error: pytest.ExceptionInfo, *parts: str) -> None:
    for part in parts:
        assert part in str(error.value), f"{part!r} not in: {error.value}"


# ---------------------------------------------------------------- the contracts


def test_every_table_is_described():
    assert list_tables() == [
        "transactions", "customers", "interactions", "campaign", "survey", "baskets", "products", "assessment",
    ]
    for kind in list_tables():
        spec = TABLES[kind]
        assert isinstance(spec, TableSpec)
        assert spec.id_column in spec.columns
        table = describe(kind)
        assert list(table.columns) == ["column", "required", "type", "meaning"]
        assert table.loc[table["required"], "column"].tolist() == list(spec.required)


def test_describe_shows_ranges():
    table = describe("survey").set_index("column")
    assert table.loc["nps", "type"] == "integer 0 to 10"
    assert describe("transactions").set_index("column").loc["amount", "type"] == "number > 0"


def test_table_spec_is_frozen():
    with pytest.raises(AttributeError):
        TABLES["transactions"].name = "x"


# ---------------------------------------------------------------- validate: good input


def test_mapping_client_columns_with_a_date_format():
    client = pd.DataFrame(
        {
            "Kundennr": ["K1", "K2"],
            "Datum": ["31.12.2020", "01.02.2021"],
            "Betrag": ["12.50", "3"],
            "Filiale": ["Nord", "Süd"],
        }
    )
    out = validate(
        "transactions",
        client,
        columns={"customer_id": "Kundennr", "date": "Datum", "amount": "Betrag"},
        date_format="%d.%m.%Y",
    )
    assert list(out.columns) == ["customer_id", "date", "amount", "Filiale"]
    assert out["date"].tolist() == [pd.Timestamp("2020-12-31"), pd.Timestamp("2021-02-01")]
    assert out["amount"].tolist() == [12.5, 3.0]
    assert out["Filiale"].tolist() == ["Nord", "Süd"]


def test_float_ids_become_integer_strings_and_leading_zeros_stay():
    out = validate("transactions", transactions(customer_id=[17850.0, "17850.0", " 00001 "]))
    assert out["customer_id"].tolist() == ["17850", "17850", "00001"]
    assert out["customer_id"].dtype == "str"


def test_canonical_columns_first_and_extra_columns_unchanged():
    df = transactions(channel=["web", "store", "web"], note=[1, 2, 3])
    df = df[["note", "amount", "channel", "date", "customer_id"]]
    out = validate("transactions", df)
    assert list(out.columns) == ["customer_id", "date", "amount", "channel", "note"]
    pd.testing.assert_series_equal(out["note"], df["note"])


def test_input_is_not_mutated():
    df = transactions(customer_id=[1.0, 2.0, 3.0])
    before = df.copy()
    validate("transactions", df)
    clean("transactions", df)
    pd.testing.assert_frame_equal(df, before)


@pytest.mark.parametrize(
    ("text", "dayfirst", "expected"),
    [
        ("03/04/2021", True, "2021-04-03"),
        ("03/04/2021", False, "2021-03-04"),
        ("03/04/2021 14:30", True, "2021-04-03 14:30"),
        ("03.04.2021", True, "2021-04-03"),
        ("2021-04-03T10:00:00+02:00", False, "2021-04-03 08:00"),  # to UTC, then naive
    ],
)
def test_date_formats(text, dayfirst, expected):
    out = validate("transactions", transactions(date=[text] * 3), dayfirst=dayfirst)
    assert out["date"].tolist() == [pd.Timestamp(expected)] * 3


def test_yyyymmdd_integers_are_dates():
    out = validate("transactions", transactions(date=[19970101, 19970102, 19971231]))
    assert out["date"].tolist() == [
        pd.Timestamp("1997-01-01"), pd.Timestamp("1997-01-02"), pd.Timestamp("1997-12-31")
    ]


def test_timezone_aware_dates_become_naive_utc():
    dates = pd.Series(pd.to_datetime(["2020-01-01 01:00"] * 3)).dt.tz_localize("Europe/Berlin")
    out = validate("transactions", transactions(date=dates))
    assert out["date"].tolist() == [pd.Timestamp("2020-01-01 00:00")] * 3


def test_treatment_accepts_booleans_and_strings():
    df = pd.DataFrame(
        {"customer_id": [1, 2, 3, 4], "treatment": [True, False, "1", "0"], "outcome": [0, 1, 0, 1]}
    )
    out = validate("campaign", df)
    assert out["treatment"].tolist() == [1, 0, 1, 0]
    assert out["treatment"].dtype == "int64"


def test_optional_columns_may_be_entirely_missing():
    df = transactions(quantity=[None, None, None], channel=[None, None, None])
    out = validate("transactions", df)
    assert out["quantity"].isna().all()


def test_assessment_without_respondent_is_unique_by_item():
    out = validate("assessment", pd.DataFrame({"item_id": ["a", "b"], "score": [1, 5]}))
    assert out["score"].tolist() == [1, 5]


MINIMAL = {
    "transactions": transactions(),
    "customers": pd.DataFrame({"customer_id": [1, 2], "signup_date": ["2020-01-01", None]}),
    "interactions": pd.DataFrame(
        {"customer_id": ["a"], "timestamp": ["2020-01-01 10:00"], "channel": ["email"], "cost": [0.5]}
    ),
    "campaign": pd.DataFrame({"customer_id": [1, 2], "treatment": [1, 0], "outcome": [12.5, 0]}),
    "survey": pd.DataFrame({"respondent_id": [1, 2], "overall": [4, 5], "nps": [9, None], "ease": [3, 4]}),
    "baskets": pd.DataFrame({"order_id": [1, 1, 2], "product_id": ["milk", "bread", "milk"]}),
    "assessment": pd.DataFrame({"item_id": ["Q1", "Q1"], "score": [3, 4], "respondent": ["A", "B"]}),
}


@pytest.mark.parametrize("kind", list(MINIMAL))
def test_validate_is_idempotent(kind):
    once = validate(kind, MINIMAL[kind])
    pd.testing.assert_frame_equal(validate(kind, once), once)


# ---------------------------------------------------------------- validate: bad input


def test_unknown_kind():
    with pytest.raises(SchemaError, match="Unknown table kind 'transaction'") as error:
        validate("transaction", transactions())
    assert_message(error, "Did you mean 'transactions'?", "customers")


def test_not_a_dataframe():
    with pytest.raises(SchemaError, match="expected a pandas DataFrame, found list"):
        validate("transactions", [1, 2, 3])
    with pytest.raises(SchemaError, match="columns= expected a dict"):
        validate("transactions", transactions(), columns=["customer_id"])


def test_empty_table():
    with pytest.raises(SchemaError, match="Table 'transactions' is empty") as error:
        validate("transactions", transactions().iloc[0:0])
    assert_message(error, "0 rows")


def test_missing_required_column():
    df = transactions().rename(columns={"amount": "Betrag"})
    with pytest.raises(SchemaError, match="Table 'transactions', column 'amount'") as error:
        validate("transactions", df)
    assert_message(error, "missing", "Columns found", "'Betrag'", "columns=")


def test_mapping_key_that_is_not_a_canonical_column():
    with pytest.raises(SchemaError, match="'Kundennr' is not a column of 'transactions'") as error:
        validate("transactions", transactions(), columns={"Kundennr": "customer_id"})
    assert_message(error, "Valid canonical columns", "did you mean {'customer_id': 'Kundennr'}")


def test_mapping_value_that_is_not_in_the_frame():
    df = transactions().rename(columns={"amount": "Betrag"})
    with pytest.raises(SchemaError, match="column 'amount'") as error:
        validate("transactions", df, columns={"amount": "Betrg"})
    assert_message(error, "Table 'transactions'", "no column 'Betrg'", "Did you mean 'Betrag'?")


def test_canonical_column_twice_after_mapping():
    df = transactions(Datum=["2020-01-01"] * 3)
    with pytest.raises(SchemaError, match="column 'date'.*twice"):
        validate("transactions", df, columns={"date": "Datum"})


def test_text_in_amount_is_a_wrong_type():
    with pytest.raises(SchemaError, match="Table 'transactions', column 'amount'") as error:
        validate("transactions", transactions(amount=["10", "abc", "12,50"]))
    assert_message(error, "wrong type", "2 of 3 rows", "row 1: 'abc'", "Decimal commas")
    assert error.value.n_bad == 2 and error.value.n_rows == 3


def test_unparseable_dates():
    with pytest.raises(SchemaError, match="Table 'transactions', column 'date'") as error:
        validate("transactions", transactions(date=["2020-01-01", "someday", "2020-01-03"]))
    assert_message(error, "1 of 3 rows", "'someday'", "date_format=")


def test_day_first_dates_with_dayfirst_false_suggest_it():
    with pytest.raises(SchemaError, match="column 'date'") as error:
        validate("transactions", transactions(date=["31/01/2020", "13/02/2020", "01/03/2020"]), dayfirst=False)
    assert_message(error, "2 of 3 rows", "dayfirst=True")


def test_dayfirst_not_given_reads_the_only_order_that_fits():
    # 31/01 can only be day-first, 01/31 only month-first: the data decides, nothing is guessed.
    out = validate("transactions", transactions(date=["31/01/2020", "13/02/2020", "01/03/2020"]))
    assert out["date"].tolist() == [pd.Timestamp("2020-01-31"), pd.Timestamp("2020-02-13"), pd.Timestamp("2020-03-01")]
    out = validate("transactions", transactions(date=["01/31/2020", "02/13/2020", "03/01/2020"]))
    assert out["date"].tolist() == [pd.Timestamp("2020-01-31"), pd.Timestamp("2020-02-13"), pd.Timestamp("2020-03-01")]


def test_dates_not_matching_the_given_format():
    with pytest.raises(SchemaError, match="date_format='%d.%m.%Y'") as error:
        validate("transactions", transactions(), date_format="%d.%m.%Y")
    assert_message(error, "column 'date'", "3 of 3 rows")


def test_missing_required_date():
    with pytest.raises(SchemaError, match="column 'date'.*1 of 3 rows are missing"):
        validate("transactions", transactions(date=["2020-01-01", None, "2020-01-03"]))


@pytest.mark.parametrize("bad", [-5.0, 0.0])
def test_amount_must_be_positive(bad):
    with pytest.raises(SchemaError, match="Table 'transactions', column 'amount'") as error:
        validate("transactions", transactions(amount=[10.0, bad, 30.0]))
    assert_message(error, "1 of 3 rows", "> 0", "clean(")


def test_quantity_and_unit_price_ranges():
    with pytest.raises(SchemaError, match="column 'quantity'.*1 of 3 rows"):
        validate("transactions", transactions(quantity=[1, 0, 2]))
    with pytest.raises(SchemaError, match="column 'unit_price'.*1 of 3 rows are not >= 0"):
        validate("transactions", transactions(unit_price=[1, -1, None]))


def test_missing_ids():
    with pytest.raises(SchemaError, match="Table 'transactions', column 'customer_id'") as error:
        validate("transactions", transactions(customer_id=["1", None, "  "]))
    assert_message(error, "2 of 3 rows are missing", "row 1: missing", "clean(")


def test_duplicated_customer_ids():
    df = pd.DataFrame({"customer_id": ["1", "2", "1.0", "3"], "name": ["A", "B", "A.", "C"]})
    with pytest.raises(SchemaError, match="Table 'customers', column 'customer_id'") as error:
        validate("customers", df)
    assert_message(error, "2 of 4 rows", "'1' (rows 0, 2)", "Identify")


def test_duplicated_respondents():
    df = pd.DataFrame({"respondent_id": ["r1", "r1"], "overall": [3, 4]})
    with pytest.raises(SchemaError, match="Table 'survey', column 'respondent_id'.*2 of 2 rows"):
        validate("survey", df)


def test_nps_out_of_range():
    df = pd.DataFrame({"respondent_id": ["a", "b", "c"], "overall": [3, 4, 5], "nps": [10, 11, -1]})
    with pytest.raises(SchemaError, match="Table 'survey', column 'nps'") as error:
        validate("survey", df)
    assert_message(error, "0 to 10", "2 of 3 rows", "row 1: 11")


def test_nps_must_be_whole():
    df = pd.DataFrame({"respondent_id": ["a", "b"], "overall": [3, 4], "nps": [7.5, 8]})
    with pytest.raises(SchemaError, match="column 'nps'.*1 of 2 rows are not whole numbers"):
        validate("survey", df)


def test_assessment_score_out_of_range():
    df = pd.DataFrame({"item_id": ["a", "b", "c"], "score": [1, 6, 0]})
    with pytest.raises(SchemaError, match="Table 'assessment', column 'score'") as error:
        validate("assessment", df)
    assert_message(error, "1 to 5", "2 of 3 rows")


def test_assessment_duplicate_answers():
    df = pd.DataFrame({"item_id": ["a", "a"], "score": [1, 2], "respondent": ["x", "x"]})
    with pytest.raises(SchemaError, match="Table 'assessment', column 'item_id \\+ respondent'"):
        validate("assessment", df)


def test_treatment_not_binary():
    df = pd.DataFrame({"customer_id": [1, 2, 3], "treatment": [1, 2, "offer"], "outcome": [0, 1, 0]})
    with pytest.raises(SchemaError, match="Table 'campaign', column 'treatment'") as error:
        validate("campaign", df)
    assert_message(error, "0/1", "2 of 3 rows", "'offer'")


def test_messages_name_the_client_column():
    df = pd.DataFrame({"Kunde": [1], "Datum": ["2020-01-01"], "Betrag": ["zehn"]})
    with pytest.raises(SchemaError, match="column 'amount' \\(your column 'Betrag'\\)"):
        validate("transactions", df, columns={"customer_id": "Kunde", "date": "Datum", "amount": "Betrag"})


# ---------------------------------------------------------------- clean


def one_problem_each() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["1", None, "1", "2", "3", "4", "5", "6", " 7", "8"],
            "order_id": ["10", "11", "10", "C12", "13", "14", "15", "16", "17", "CA-18"],
            "date": [
                "2020-01-05", "2020-01-06", "2020-01-05", "2020-01-07", "2020-01-08",
                "2020-01-09", "not a date", "2020-02-01", "2020-01-31 14:00", "2020-01-10",
            ],
            "amount": [10, 5, 10, -10, -5, 0, 3, 4, 6, 7],
        }
    )


def test_clean_counts_each_reason():
    out, report = clean("transactions", one_problem_each(), observation_end="2020-01-31")
    assert report.dropped == {
        "missing customer_id": 1,
        "exact duplicate row": 1,
        # customer 2 bought nothing before cancelling: nothing to net
        "purchase cancelled in full": 0,
        "cancellation netted against earlier purchases": 0,
        "cancellation without matching purchase": 1,
        "missing or non-finite amount": 0,
        "return (negative amount)": 1,
        "zero amount": 1,
        "unparseable date": 1,
        "after observation end": 1,
    }
    assert report.changed == {"purchase reduced by a later cancellation": 0, "customer_id whitespace stripped": 1}
    assert (report.rows_in, report.rows_out, report.total_dropped) == (10, 3, 7)
    # "CA-18" is not an Online Retail cancellation; 14:00 on the end day is inside.
    assert out["customer_id"].tolist() == ["1", "7", "8"]
    assert out.index.tolist() == [0, 8, 9]


def test_clean_options_switch_rules_off():
    _, report = clean("transactions", one_problem_each(), drop_cancellations=False)
    assert "cancellation without matching purchase" not in report.dropped
    assert "after observation end" not in report.dropped
    assert report.dropped["return (negative amount)"] == 2  # the cancellation is negative too
    with pytest.raises(SchemaError, match="column 'amount'.*1 of 5 rows are not > 0"):
        clean("transactions", one_problem_each(), drop_returns=False)


def test_clean_observation_end_with_a_time_is_exact():
    df = transactions(date=["2020-01-31 09:00", "2020-01-31 14:00", "2020-01-30"])
    _, report = clean("transactions", df, observation_end=pd.Timestamp("2020-01-31 12:00"))
    assert report.dropped["after observation end"] == 1


def test_clean_uses_the_majority_date_format():
    df = transactions(date=["31/01/2020", "2020-01-02", "15/02/2020"])
    out, report = clean("transactions", df, dayfirst=True)
    assert report.dropped["unparseable date"] == 1
    assert out["date"].tolist() == [pd.Timestamp("2020-01-31"), pd.Timestamp("2020-02-15")]
    assert "date read with format '%d/%m/%Y'" in report.notes


def test_clean_raises_when_no_date_can_be_read():
    with pytest.raises(SchemaError, match="column 'date'.*3 of 3 rows"):
        clean("transactions", transactions(), date_format="%d.%m.%Y")


def test_clean_leaves_wrong_types_to_validate():
    with pytest.raises(SchemaError, match="column 'amount'.*wrong type"):
        clean("transactions", transactions(amount=["1", "abc", "3"]))


def test_clean_does_not_merge_duplicate_customers():
    df = pd.DataFrame({"customer_id": ["1", "1", None], "name": ["A", "B", "C"]})
    with pytest.raises(SchemaError, match="Table 'customers', column 'customer_id'.*Identify"):
        clean("customers", df)


def test_clean_that_drops_everything_says_so():
    with pytest.raises(SchemaError, match="cleaning dropped all 3 rows"):
        clean("transactions", transactions(amount=[0, 0, 0]))


def test_cleaning_report_displays():
    report = CleaningReport("baskets", rows_in=5, rows_out=4, dropped={"missing order_id": 1},
                            changed={"order_id whitespace stripped": 2})
    assert report.total_dropped == 1
    assert report.to_frame().to_dict("list") == {
        "reason": ["missing order_id", "order_id whitespace stripped"],
        "action": ["dropped", "changed"],
        "rows": [1, 2],
    }
    assert "5 rows in, 4 rows out" in str(report)
    assert "<table" in report._repr_html_()


# ---------------------------------------------------------------- read_file


def test_read_csv_keeps_leading_zeros(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("Kundennr,Betrag\n00017,1.5\n00018,2\n", encoding="utf-8")
    df = read_file(path)
    assert df["Kundennr"].tolist() == ["00017", "00018"]
    out = validate("customers", df, columns={"customer_id": "Kundennr"})
    assert out["customer_id"].tolist() == ["00017", "00018"]


def test_read_tsv_and_semicolon_csv(tmp_path):
    (tmp_path / "a.tsv").write_text("a\tb\n1\t2\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text("a;b\n1;2\n", encoding="utf-8")
    assert read_file(tmp_path / "a.tsv").columns.tolist() == ["a", "b"]
    assert read_file(tmp_path / "b.csv", sep=";").columns.tolist() == ["a", "b"]


def test_read_parquet_round_trip(tmp_path):
    df = transactions(date=pd.to_datetime(["2020-01-01", "2020-01-02", "2020-01-03"]))
    df.to_parquet(tmp_path / "t.parquet")
    back = read_file(tmp_path / "t.parquet")
    pd.testing.assert_frame_equal(back, df)


def test_read_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=str(tmp_path / "nope.csv")):
        read_file(tmp_path / "nope.csv")


def test_read_unknown_extension(tmp_path):
    path = tmp_path / "data.json"
    path.write_text("{}", encoding="utf-8")
    with pytest.raises(ValueError, match="expected one of the extensions .csv"):
        read_file(path)


def test_peer_campaign_data_maps_onto_the_contract(shared_datasets):
    raw = read_file(shared_datasets / "hillstrom.csv")
    raw = raw.assign(
        customer=raw.index.astype(str), emailed=(raw["segment"] != "No E-Mail").astype(int)
    )
    out = validate(
        "campaign", raw, columns={"customer_id": "customer", "treatment": "emailed", "outcome": "conversion"}
    )
    assert len(out) == 64_000
    assert list(out.columns[:4]) == ["customer_id", "treatment", "outcome", "spend"]
    assert out["treatment"].mean() == pytest.approx(2 / 3, abs=0.01)
    assert set(out["outcome"].unique()) == {0, 1}


def test_zero_amounts_allowed_on_request_but_negative_still_refused():
    frame = pd.DataFrame({"customer_id": ["1", "2"], "date": ["2024-01-01", "2024-01-02"], "amount": [0.0, 5.0]})
    with pytest.raises(SchemaError, match="amount"):
        validate("transactions", frame)
    assert validate("transactions", frame, allow_zero_amounts=True)["amount"].tolist() == [0.0, 5.0]
    negative = frame.assign(amount=[-1.0, 5.0])
    with pytest.raises(SchemaError, match="amount"):
        validate("transactions", negative, allow_zero_amounts=True)
    with pytest.raises(SchemaError, match="transactions only"):
        validate("customers", pd.DataFrame({"customer_id": ["1"]}), allow_zero_amounts=True)


def test_order_line_export_without_amount_gets_quantity_times_unit_price():
    # An export in the style of Online Retail: invoice lines, "C" invoices are cancellations,
    # customer ids written as floats, month-first timestamps, no amount column.
    export = pd.DataFrame({
        "InvoiceNo": ["536365", "536365", "C536379", "536380"],
        "StockCode": ["85123A", "71053", "85123A", "22728"],
        "Quantity": ["6", "2", "-1", "3"],
        "InvoiceDate": ["12/1/2010 8:26", "12/1/2010 8:26", "12/1/2010 9:41", "12/2/2010 10:03"],
        "UnitPrice": ["2.55", "3.39", "2.55", "3.75"],
        "CustomerID": ["17850.0", "17850.0", "17850.0", None],
    })
    columns = {"customer_id": "CustomerID", "date": "InvoiceDate", "order_id": "InvoiceNo",
               "product_id": "StockCode", "quantity": "Quantity", "unit_price": "UnitPrice"}
    out, report = clean("transactions", export, columns=columns, dayfirst=False)
    # C536379 cancels one of the six 85123A bought earlier that morning: 5 × 2.55 remain
    assert out["amount"].tolist() == pytest.approx([12.75, 6.78])
    assert out["quantity"].tolist() == [5, 2]
    assert out["customer_id"].tolist() == ["17850", "17850"]
    assert report.dropped["cancellation netted against earlier purchases"] == 1
    assert report.changed["purchase reduced by a later cancellation"] == 1
    assert report.dropped["missing customer_id"] == 1
    assert "amount computed as Quantity × UnitPrice (no amount column)" in report.notes
    assert "amount" not in export.columns  # the client's frame is not changed
    broken = export.assign(UnitPrice=["2.55", "n/a", "2.55", "3.75"])
    with pytest.raises(SchemaError, match=r"column 'unit_price' \(your column 'UnitPrice'\).*'n/a'"):
        validate("transactions", broken.iloc[:2], columns=columns, dayfirst=False)
    gap = export.assign(UnitPrice=["2.55", None, "2.55", "3.75"])
    with pytest.raises(SchemaError, match=r"column 'amount' \(your column 'Quantity × UnitPrice'\).*missing.*clean"):
        validate("transactions", gap.iloc[:2], columns=columns, dayfirst=False)
    _, report = clean("transactions", gap, columns=columns, dayfirst=False)
    assert report.dropped["missing or non-finite amount"] == 1


def test_read_file_detects_the_separator_of_german_exports(tmp_path):
    (tmp_path / "umsatz.csv").write_text("Kunde;Datum;Betrag\nK1;01.02.2024;12,50\n", encoding="utf-8")
    frame = read_file(tmp_path / "umsatz.csv")
    assert frame.columns.tolist() == ["Kunde", "Datum", "Betrag"] and frame.loc[0, "Betrag"] == "12,50"
    import gzip

    with gzip.open(tmp_path / "export.csv.gz", "wt", encoding="utf-8") as handle:
        handle.write("id|amount\n1|3\n")
    assert read_file(tmp_path / "export.csv.gz").columns.tolist() == ["id", "amount"]
    (tmp_path / "plain.csv").write_text("id,name\n1,Berg; Anna\n", encoding="utf-8")
    assert read_file(tmp_path / "plain.csv").columns.tolist() == ["id", "name"]  # ';' in a value, not the header


# ---------------------------------------------------------------- read_file: encodings and damaged files


def write(path, data: bytes):
    path.write_bytes(data)
    return path


TEXT = "Kunde,Betrag,Stadt\nK1,£12.50,Zürich\nK2,€3,Köln\n"


@pytest.mark.parametrize(
    ("encoding", "prefix", "detected"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", b"\xef\xbb\xbf", "utf-8-sig"),
        ("cp1252", b"", "cp1252"),
        ("utf-16", b"", "utf-16"),  # Python writes a BOM
        ("utf-16-le", b"", "utf-16-le"),  # no BOM: detected by its NUL bytes
    ],
)
def test_read_file_detects_the_encoding(tmp_path, encoding, prefix, detected):
    path = write(tmp_path / "export.csv", prefix + TEXT.encode(encoding))
    frame = read_file(path)
    assert frame.columns.tolist() == ["Kunde", "Betrag", "Stadt"]  # no BOM left in the first name
    assert frame["Stadt"].tolist() == ["Zürich", "Köln"]
    assert frame.loc[0, "Betrag"] == "£12.50"
    assert frame.attrs["encoding"] == detected


def test_read_file_falls_back_to_latin_1_for_bytes_cp1252_leaves_undefined(tmp_path):
    path = write(tmp_path / "old.csv", b"id,name\n1,A\x81B\n")
    assert read_file(path).attrs["encoding"] == "latin-1"


def test_read_file_encoding_override_wins(tmp_path):
    path = write(tmp_path / "export.csv", TEXT.encode("utf-8"))
    frame = read_file(path, encoding="cp1252")  # wrong, but asked for: mojibake, not detection
    assert frame.loc[0, "Stadt"] == "ZÃ¼rich"
    assert frame.attrs["encoding"] == "cp1252"


def test_read_file_undecodable_with_the_given_encoding_names_file_and_encoding(tmp_path):
    path = write(tmp_path / "export.csv", TEXT.encode("cp1252"))
    with pytest.raises(SchemaError, match="export.csv") as error:
        read_file(path, encoding="utf-8")
    assert_message(error, "encoding='utf-8'", "encoding='cp1252'", "at byte")
    assert not isinstance(error.value, UnicodeDecodeError)


def test_read_file_a_late_byte_that_does_not_fit_the_detected_encoding(tmp_path, monkeypatch):
    import idic_lab.schema as schema

    monkeypatch.setattr(schema, "_SAMPLE_BYTES", 64)
    body = "id,name\n" + "".join(f"{i},plain\n" for i in range(40))
    path = write(tmp_path / "big.csv", body.encode("utf-8") + "41,£\n".encode("cp1252"))
    with pytest.raises(SchemaError, match="big.csv.*utf-8 \\(detected") as error:
        read_file(path)
    assert_message(error, "encoding='cp1252'")


def test_read_file_unknown_encoding_name(tmp_path):
    path = write(tmp_path / "export.csv", TEXT.encode("utf-8"))
    with pytest.raises(ValueError, match="encoding='utf-9' is not an encoding"):
        read_file(path, encoding="utf-9")
    with pytest.raises(TypeError, match="encoding=8"):
        read_file(path, encoding=8)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.csv", b"", "empty \\(0 bytes\\)"),
        ("blank.csv", b"\n\n\n", "no header line"),
        ("header.csv", b"id,amount\n", "header \\(columns \\['id', 'amount'\\]\\) but no rows"),
        ("ragged.csv", b"id,amount\n1,2\n3,4,5\n", "expected 2 fields per line.*line 3 has 3.*sep="),
        ("twice.csv", b"id,amount,amount\n1,2,3\n", "\\['amount'\\] appear more than once \\(columns \\{'amount': \\[2, 3\\]\\}\\)"),
        ("text.xlsx", b"id,amount\n1,2\n", "expected an Excel workbook.*not a workbook.*rename it to .csv"),
        ("zipped.xlsx", None, "no xl/workbook.xml"),
        ("broken.parquet", b"PAR1 garbage", "could not be read as a Parquet file"),
        ("broken.csv.gz", b"not gzip at all", "cannot be decompressed"),
        ("workbook.csv", b"PK\x03\x04\x14\x00rest", "is a zip archive"),
        ("binary.csv", b"id,amount\n\x00\x01\x02\x00\n", "binary file"),
    ],
)
def test_read_file_damaged_files_get_a_message_naming_the_file(tmp_path, name, data, message):
    path = tmp_path / name
    if data is None:
        import zipfile

        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("readme.txt", "not a workbook")
    else:
        path.write_bytes(data)
    with pytest.raises(SchemaError, match=message) as error:
        read_file(path)
    assert name in str(error.value)


def test_read_file_zip_with_several_files(tmp_path):
    import zipfile

    with zipfile.ZipFile(tmp_path / "export.csv.zip", "w") as archive:
        archive.writestr("a.csv", "id\n1\n")
        archive.writestr("b.csv", "id\n2\n")
    with pytest.raises(SchemaError, match="export.csv.zip.*holding one file, found 2"):
        read_file(tmp_path / "export.csv.zip")
    with zipfile.ZipFile(tmp_path / "one.csv.zip", "w") as archive:
        archive.writestr("a.csv", "id;name\n1;Ä\n")
    assert read_file(tmp_path / "one.csv.zip").columns.tolist() == ["id", "name"]


def test_read_file_multi_character_separator_and_bad_parameters(tmp_path):
    path = write(tmp_path / "export.txt", b"id::amount\n1::2\n")
    assert read_file(path, sep="::").columns.tolist() == ["id", "amount"]  # no ParserWarning
    with pytest.raises(TypeError, match="sep=5"):
        read_file(path, sep=5)
    with pytest.raises(TypeError, match="path=3"):
        read_file(3)


def test_read_table_names_the_file_and_notes_the_encoding(tmp_path):
    path = write(tmp_path / "umsatz.csv", "Kunde;Datum;Betrag\nK1;31.01.2024;12,50\nK2;01.02.2024;£3\n".encode("cp1252"))
    columns = {"customer_id": "Kunde", "date": "Datum", "amount": "Betrag"}
    with pytest.raises(SchemaError, match="^File umsatz.csv: Table 'transactions', column 'amount'") as error:
        read_table("transactions", path, columns=columns, decimal=",")
    assert_message(error, "'£3'", "Remove currency")
    path = write(tmp_path / "umsatz.csv", "Kunde;Datum;Betrag\nKöln;31.01.2024;12,50\nK2;01.02.2024;1.003,00\n".encode("cp1252"))
    out, report = read_table("transactions", path, columns=columns, decimal=",")
    assert out["amount"].tolist() == [12.5, 1003.0]
    assert report.notes[0] == "umsatz.csv read as cp1252 (detected)"


def test_read_table_parameters(tmp_path):
    path = write(tmp_path / "t.csv", b"customer_id,date,amount\n1,2024-01-01T10:00+02:00,3\n")
    with pytest.raises(TypeError, match="unknown option.*drop_retruns.*drop_returns"):
        read_table("transactions", path, drop_retruns=False)
    with pytest.raises(ValueError, match="observation_end.*only with clean_rows=True"):
        read_table("transactions", path, clean_rows=False, observation_end="2024-01-01")
    with pytest.raises(ValueError, match="observation_end=0: expected an ISO date"):
        read_table("transactions", path, observation_end=0)
    _, report = read_table("transactions", path, clean_rows=False)
    assert report.changed == {"date converted from its time zone to UTC (naive)": 1}
    _, report = read_table("transactions", path)
    assert report.changed == {"date converted from its time zone to UTC (naive)": 1}


# ---------------------------------------------------------------- non-finite numbers


def test_validate_refuses_infinite_amounts_and_clean_drops_them():
    df = transactions(amount=[10.0, float("inf"), -float("inf")])
    with pytest.raises(SchemaError, match="column 'amount': expected a finite number") as error:
        validate("transactions", df)
    assert_message(error, "2 of 3 rows", "row 1: inf", "clean(")
    out, report = clean("transactions", df.assign(amount=[10.0, float("inf"), None]))
    assert report.dropped["missing or non-finite amount"] == 2 and report.dropped["return (negative amount)"] == 0
    assert out["amount"].tolist() == [10.0]


def test_infinite_text_in_a_file_is_not_a_number_kept(tmp_path):
    path = write(tmp_path / "t.csv", b"customer_id,date,amount\n1,2024-01-01,inf\n2,2024-01-02,5\n3,2024-01-02,-Infinity\n")
    out, report = read_table("transactions", path)
    assert out["amount"].tolist() == [5.0] and report.dropped["missing or non-finite amount"] == 2


def test_derived_amount_with_infinite_or_missing_factors_is_counted():
    export = pd.DataFrame({"customer_id": ["1", "2", "3", "4"], "date": ["2024-01-01"] * 4,
                           "quantity": [2, float("inf"), None, float("inf")], "unit_price": [1.5, 2.0, 3.0, 0.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # inf × 0 must not raise a RuntimeWarning
        out, report = clean("transactions", export)
    assert out["amount"].tolist() == [3.0]
    assert report.dropped["missing or non-finite amount"] == 3


@pytest.mark.parametrize(
    ("kind", "frame", "column"),
    [
        ("transactions", transactions(quantity=[1, float("inf"), 2]), "quantity"),
        ("campaign", pd.DataFrame({"customer_id": [1, 2], "treatment": [1, 0], "outcome": [1.0, float("-inf")]}), "outcome"),
        ("survey", pd.DataFrame({"respondent_id": [1, 2], "overall": [3, 4], "ease": [1.0, float("inf")]}), "ease"),
        ("products", pd.DataFrame({"product_id": ["a"], "category": ["x"], "list_price": ["inf"]}), "list_price"),
    ],
)
def test_infinite_values_in_any_number_column_are_refused(kind, frame, column):
    with pytest.raises(SchemaError, match=f"column '{column}'.*finite number.*infinite") as error:
        validate(kind, frame)
    assert "clean(" not in str(error.value)


# ---------------------------------------------------------------- ids that lost digits


def test_float_ids_beyond_2_53_are_refused():
    df = transactions(customer_id=[12345678901234567890.0, 12345678901234567891.0, 17850.0])
    with pytest.raises(SchemaError, match="column 'customer_id'.*2 of 3 rows are floating-point") as error:
        validate("transactions", df)
    assert_message(error, "dtype={'customer_id': str}", "read_file")
    with pytest.raises(SchemaError, match="floating-point") as error:
        clean("transactions", df)
    assert "clean(" not in str(error.value)


@pytest.mark.parametrize("text", ["1.2345E+19", "1E5", "4.5e-3", " 1,2E+05 "[:-1].replace(",", ".")])
def test_ids_in_scientific_notation_are_refused(text):
    with pytest.raises(SchemaError, match="scientific notation"):
        validate("customers", pd.DataFrame({"customer_id": [text, "2"]}))


def test_whole_float_ids_and_large_integer_ids_stay_exact():
    out, report = clean("transactions", transactions(customer_id=[17850.0, 9007199254740993, "00017"]))
    assert out["customer_id"].tolist() == ["17850", "9007199254740993", "00017"]
    assert report.changed == {"customer_id float-like ids made whole (17850.0 -> '17850')": 1}


# ---------------------------------------------------------------- dates


def test_ambiguous_day_month_order_is_refused_when_dayfirst_is_not_given():
    df = transactions(date=["03/04/2021", "05/06/2021", "01/02/2021"])
    for call in (validate, clean):
        with pytest.raises(SchemaError, match="column 'date'.*read differently day-first") as error:
            call("transactions", df)
        assert_message(error, "3 of 3 rows", "3 April 2021 day-first but 4 March 2021 month-first", "dayfirst=True",
                       "dayfirst=False")
        assert "clean(" not in str(error.value)
    assert validate("transactions", df, dayfirst=True)["date"].iloc[0] == pd.Timestamp("2021-04-03")
    assert validate("transactions", df, dayfirst=False)["date"].iloc[0] == pd.Timestamp("2021-03-04")
    assert validate("transactions", df, date_format="%d/%m/%Y")["date"].iloc[0] == pd.Timestamp("2021-04-03")


def test_dates_equal_in_both_orders_are_not_ambiguous():
    out = validate("transactions", transactions(date=["01/01/2021", "02/02/2021", "03/03/2021"]))
    assert out["date"].iloc[2] == pd.Timestamp("2021-03-03")


def test_optional_dates_are_checked_for_ambiguity_too():
    df = pd.DataFrame({"customer_id": ["1", "2"], "signup_date": ["03/04/2021", None]})
    with pytest.raises(SchemaError, match="column 'signup_date'.*read differently"):
        validate("customers", df)


def test_dotted_dates_need_no_dayfirst():
    for dayfirst in (None, False, True):  # dotted dates are day-first wherever they are written
        out = validate("transactions", transactions(date=["03.04.2021", "05.06.2021", "01.02.2021"]), dayfirst=dayfirst)
        assert out["date"].iloc[0] == pd.Timestamp("2021-04-03")


def test_clean_counts_time_zone_conversions_of_text_dates():
    df = transactions(date=["2024-01-01T10:00:00+02:00", "2024-01-02 09:00Z", "2024-01-03"])
    out, report = clean("transactions", df)
    assert report.changed == {"date converted from its time zone to UTC (naive)": 2}
    assert out["date"].iloc[0] == pd.Timestamp("2024-01-01 08:00")


@pytest.mark.parametrize("end", [0, 19980630, 1.5, True, "30/06/1998", [1998]])
def test_observation_end_that_is_not_a_date_is_refused(end):
    with pytest.raises(ValueError, match="observation_end="):
        clean("transactions", transactions(), observation_end=end)


@pytest.mark.parametrize(
    ("option", "error", "message"),
    [
        ({"dayfirst": "yes"}, TypeError, "dayfirst='yes'"),
        ({"date_format": 5}, TypeError, "date_format=5"),
        ({"date_format": "dd.mm.yyyy"}, ValueError, "found no '%' code"),
        ({"date_format": "%Q"}, ValueError, "cannot be used to read dates"),
        ({"decimal": ";"}, ValueError, "decimal=';'"),
    ],
)
def test_reading_parameters_of_the_wrong_type_or_value(option, error, message):
    with pytest.raises(error, match=message):
        validate("transactions", transactions(), **option)


def test_clean_flags_must_be_booleans():
    with pytest.raises(TypeError, match="drop_returns='no'"):
        clean("transactions", transactions(), drop_returns="no")


# ---------------------------------------------------------------- advice that works


def test_clean_never_advises_clean():
    failing = [
        ("transactions", transactions(amount=["1", "x", "3"]), {}),
        ("transactions", transactions(amount=[1, -2, 3]), {"drop_returns": False}),
        ("transactions", transactions(quantity=[1, -2, 3]), {"drop_returns": False}),
        ("transactions", transactions(), {"date_format": "%d.%m.%Y"}),
        ("campaign", pd.DataFrame({"customer_id": [1, 2], "treatment": [1, " "], "outcome": [1, 0]}), {}),
        ("customers", pd.DataFrame({"customer_id": ["1", "2"], "birth_date": ["1990-01-01", "someday"]}), {}),
    ]
    for kind, frame, options in failing:
        with pytest.raises(SchemaError) as error:
            clean(kind, frame, **options)
        assert "clean(" not in str(error.value), str(error.value)


def test_advice_uses_the_clients_column_name_and_handles_blanks():
    df = pd.DataFrame({"Kunde": [1, 2], "Gruppe": [1, " "], "Kauf": [1, 0]})
    with pytest.raises(SchemaError, match="your column 'Gruppe'") as error:
        validate("campaign", df, columns={"customer_id": "Kunde", "treatment": "Gruppe", "outcome": "Kauf"})
    assert_message(error, "df['Gruppe'].replace(", "dropna(subset=['Gruppe'])")


def test_advised_fixes_work():
    # validate advises clean for negative amounts and zero quantities; clean then succeeds.
    df = transactions(amount=[10.0, -5.0, 3.0], quantity=[1, 1, 0])
    with pytest.raises(SchemaError, match="Use clean\\(\\.\\.\\.\\)"):
        validate("transactions", df)
    out, report = clean("transactions", df)
    assert len(out) == 1 and report.dropped["zero or negative quantity"] == 1
    # with drop_returns=False clean advises drop_returns=True, which works
    with pytest.raises(SchemaError, match="drop_returns=True"):
        clean("transactions", df, drop_returns=False)
    # decimal commas: the advised decimal=',' works
    commas = transactions(amount=["12,50", "1.003,10", "3"])
    with pytest.raises(SchemaError, match="decimal=','"):
        validate("transactions", commas)
    assert validate("transactions", commas, decimal=",")["amount"].tolist() == [12.5, 1003.1, 3.0]
    with pytest.raises(SchemaError, match="12.5 are unclear"):
        validate("transactions", transactions(amount=["12,50", "12.5", "3"]), decimal=",")


def test_baskets_clean_drops_returned_quantities():
    df = pd.DataFrame({"order_id": [1, 1, 2], "product_id": ["a", "b", "a"], "quantity": [1, -1, 0]})
    out, report = clean("baskets", df)
    assert report.dropped["zero or negative quantity"] == 2 and len(out) == 1


# ---------------------------------------------------------------- frame shapes and mappings


def test_multiindex_frames_are_refused_with_the_fix():
    flat = transactions()
    with pytest.raises(SchemaError, match="MultiIndex.*'_'.join"):
        validate("transactions", pd.concat({"x": flat}, axis=1))
    with pytest.raises(SchemaError, match="row MultiIndex.*reset_index"):
        clean("transactions", flat.set_index(["customer_id", "date"], drop=False))


def test_columns_labelled_by_numbers_can_be_mapped():
    headerless = transactions().set_axis([0, 1, 2], axis=1)
    for columns in ({"customer_id": 0, "date": 1, "amount": 2}, {"customer_id": "0", "date": "1", "amount": "2"},
                    '{"customer_id": 0, "date": 1, "amount": 2}'):
        assert validate("transactions", headerless, columns=columns)["amount"].tolist() == [10.0, 20.0, 30.0]


def test_mapping_values_must_be_column_names():
    with pytest.raises(SchemaError, match="column 'customer_id': columns= expected the name.*found list"):
        validate("transactions", transactions(), columns={"customer_id": ["customer_id"]})
    df = transactions(Kunde=["1", "2", "3"])
    with pytest.raises(SchemaError, match="'Kunde' is mapped to several canonical columns"):
        validate("transactions", df, columns={"customer_id": "Kunde", "order_id": "Kunde"})


def test_duplicate_index_labels_still_work():
    df = transactions(customer_id=["1", None, "3"]).set_axis([0, 0, 1])
    out, report = clean("transactions", df)
    assert report.rows_in == report.rows_out + report.total_dropped and len(out) == 2


def test_undecodable_file_names_the_offset_of_the_bad_byte_in_the_file(tmp_path):
    # The parser counts bytes from the start of its buffer; the message must count from the file's start.
    body = "id;name\n" + "".join(f"{i};Anna\n" for i in range(200_000)) + "7;José\n"
    path = tmp_path / "big.csv"
    path.write_bytes(body.encode("latin-1"))
    bad = body.encode("latin-1").index(b"\xe9")
    with pytest.raises(SchemaError, match=rf"big\.csv: could not be decoded with encoding='utf-8' \(as given\) at byte {bad} of the file"):
        read_file(path, encoding="utf-8")


def test_non_product_lines_dropped_by_code_description_and_client_codes():
    df = pd.DataFrame({
        "customer_id": ["1"] * 6,
        "date": ["2011-01-01"] * 6,
        "amount": [5.0, 3.0, 2.0, 1.0, 4.0, 7.0],
        "product_id": ["85123A", "POST", "X1", "FEE9", "M", "22423"],
        "description": ["HEART", "POSTAGE", "Bank Charges", "fee", None, "REGENCY CAKESTAND"],
    })
    out, report = clean("transactions", df, non_product_codes=["fee9"])
    assert report.dropped["non-product line (postage, fees, adjustments)"] == 4
    assert out["product_id"].tolist() == ["85123A", "22423"]
    assert "description" in out.columns


def test_non_product_codes_must_be_a_list():
    df = pd.DataFrame({"customer_id": ["1"], "date": ["2011-01-01"], "amount": [1.0]})
    with pytest.raises(TypeError, match=r"non_product_codes='POST': expected a list"):
        clean("transactions", df, non_product_codes="POST")


# ---------------------------------------------------------------- cancellations netted


def _lines(rows):
    return pd.DataFrame(rows, columns=["customer_id", "order_id", "product_id", "date", "quantity", "unit_price"])


def test_cancellation_nets_the_most_recent_earlier_purchase_first_and_partly():
    df = _lines([
        ["1", "100", "A", "2011-01-01 10:00", 5, 2.0],
        ["1", "101", "A", "2011-01-03 10:00", 3, 2.0],
        ["1", "C102", "A", "2011-01-04 10:00", -4, 2.0],  # takes 3 from 101, then 1 from 100
        ["1", "103", "A", "2011-01-05 10:00", 7, 2.0],  # later: not touched
        ["2", "C104", "A", "2011-01-05 10:00", -1, 2.0],  # customer 2 never bought A
    ])
    out, report = clean("transactions", df)
    assert out["order_id"].tolist() == ["100", "103"]
    assert out["quantity"].tolist() == [4, 7] and out["amount"].tolist() == pytest.approx([8.0, 14.0])
    assert report.dropped["purchase cancelled in full"] == 1
    assert report.dropped["cancellation netted against earlier purchases"] == 1
    assert report.dropped["cancellation without matching purchase"] == 1
    assert report.changed["purchase reduced by a later cancellation"] == 1
    assert report.rows_in == report.rows_out + report.total_dropped


def test_customer_whose_purchases_are_all_cancelled_has_no_spend_left():
    df = _lines([
        ["1", "100", "A", "2011-01-01 10:00", 80995, 2.08],
        ["1", "C101", "A", "2011-01-01 10:05", -80995, 2.08],
        ["2", "102", "B", "2011-01-02 10:00", 1, 3.0],
    ])
    out, report = clean("transactions", df)
    assert out["customer_id"].tolist() == ["2"]
    assert report.dropped["purchase cancelled in full"] == 1


def test_more_cancelled_than_bought_nets_what_there_is_and_says_so():
    df = _lines([["1", "100", "A", "2011-01-01", 2, 1.0], ["1", "C101", "A", "2011-01-02", -5, 1.0],
                 ["1", "102", "B", "2011-01-02", 1, 1.0]])
    out, report = clean("transactions", df)
    assert out["product_id"].tolist() == ["B"]
    assert report.dropped["cancellation netted against earlier purchases"] == 1
    assert any("cancelled more quantity" in note for note in report.notes)


def test_cancellation_flag_and_prefix_are_configurable():
    df = _lines([["1", "R100", "A", "2011-01-01", 2, 1.0], ["1", "R101", "A", "2011-01-02", -2, 1.0],
                 ["1", "R102", "B", "2011-01-02", 1, 1.0]])
    out, report = clean("transactions", df, cancellation_prefix="R-")
    assert report.dropped["cancellation netted against earlier purchases"] == 0  # R-101 would be one
    out, report = clean("transactions", df.assign(cancelled=[0, 1, 0]), columns={"cancellation": "cancelled"})
    assert report.dropped["purchase cancelled in full"] == 1 and out["product_id"].tolist() == ["B"]
    with pytest.raises(SchemaError, match=r"column 'cancellation' \(your column 'cancelled'\).*0/1"):
        clean("transactions", df.assign(cancelled=["no", "yes", "no"]), columns={"cancellation": "cancelled"})
    with pytest.raises(TypeError, match="cancellation_prefix=1: expected the text"):
        clean("transactions", df, cancellation_prefix=1)


def test_cancellations_without_order_numbers_are_not_looked_for():
    df = pd.DataFrame({"customer_id": ["1"], "date": ["2011-01-01"], "amount": [3.0]})
    _, report = clean("transactions", df)
    assert "cancellations not checked: no order_id (or cancellation flag) column" in report.notes


def test_baskets_net_cancellations_and_keep_anonymous_lines():
    df = pd.DataFrame({
        "order_id": ["1", "1", "2", "C3", "C4"],
        "product_id": ["A", "B", "A", "A", "B"],
        "customer_id": ["k", "k", None, "k", None],
        "date": ["2011-01-01", "2011-01-01", "2011-01-02", "2011-01-03", "2011-01-03"],
        "quantity": [2, 1, 4, -2, -1],
    })
    out, report = clean("baskets", df)
    assert out["order_id"].tolist() == ["1", "2"]  # k's A cancelled; the anonymous basket stays
    assert out["customer_id"].isna().tolist() == [False, True]
    assert report.dropped["purchase cancelled in full"] == 1
    assert report.dropped["cancellation without matching purchase"] == 1  # no customer to match with


def test_one_letter_codes_are_products_in_a_catalogue_of_letters():
    df = pd.DataFrame({"order_id": ["1", "1", "2"], "product_id": ["M", "B", "S"]})
    out, report = clean("baskets", df)
    assert len(out) == 3 and report.dropped["non-product line (postage, fees, adjustments)"] == 0
    described = pd.DataFrame({"order_id": ["1", "1", "2", "2", "2"], "product_id": ["M", "85123A", "S", "22423", "71053"],
                              "description": ["MEDIUM JAR", "HEART", None, "CAKESTAND", "LANTERN"]})
    out, report = clean("baskets", described)
    assert out["product_id"].tolist() == ["M", "85123A", "22423", "71053"]  # 'M' described as a product stays


def test_short_codes_are_products_in_a_catalogue_of_short_codes():
    """A shop whose products are A1 … C6 sells a real C2 (the carriage code of some exports)."""
    catalogue = [f"{letter}{digit}" for letter in "ABC" for digit in range(1, 7)]
    df = pd.DataFrame({"order_id": [str(i // 3) for i in range(len(catalogue))], "product_id": catalogue})
    out, report = clean("baskets", df)
    assert len(out) == len(catalogue) and report.dropped["non-product line (postage, fees, adjustments)"] == 0
    skus = pd.DataFrame({"order_id": ["1", "1", "2"], "product_id": ["85123A", "C2", "22423"]})
    out, report = clean("baskets", skus)
    assert out["product_id"].tolist() == ["85123A", "22423"]  # among real SKUs, C2 is carriage
