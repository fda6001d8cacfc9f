"""Tests of the data contracts (idic_lab.schema)."""

from __future__ import annotations

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
        "cancellation": 1,
        "missing or non-finite amount": 0,
        "return (negative amount)": 1,
        "zero amount": 1,
        "unparseable date": 1,
        "after observation end": 1,
    }
    assert report.changed == {"customer_id whitespace stripped": 1}
    assert (report.rows_in, report.rows_out, report.total_dropped) == (10, 3, 7)
    # "CA-18" is not an Online Retail cancellation; 14:00 on the end day is inside.
    assert out["customer_id"].tolist() == ["1", "7", "8"]
    assert out.index.tolist() == [0, 8, 9]


def test_clean_options_switch_rules_off():
    _, report = clean("transactions", one_problem_each(), drop_cancellations=False)
    assert "cancellation" not in report.dropped
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
    assert out["amount"].tolist() == pytest.approx([15.30, 6.78])
    assert out["customer_id"].tolist() == ["17850", "17850"]
    assert report.dropped["cancellation"] == 1 and report.dropped["missing customer_id"] == 1
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
