"""Property-based tests of the data-contract layer (idic_lab.schema).

For generated frames and files — random mixtures of valid rows, missing and
blank ids, ids with blanks or float artefacts, negative, zero, infinite and
missing amounts, text in number columns, unreadable and ambiguous dates,
duplicates, and files in several encodings — each public entry point either

* returns a valid canonical frame (required columns present and typed, no
  missing required values, finite numbers in range, amounts > 0 after
  ``clean``) in which every dropped row is counted
  (``rows_in == rows_out + total_dropped``), or
* raises :class:`SchemaError`.

Nothing else may escape: no other exception and no warning. The examples are
derandomized so that CI sees the same cases on every run.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from idic_lab.schema import TABLES, SchemaError, clean, read_file, validate

PROPERTY = settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# ------------------------------------------------------------------ values


def mostly(valid, bad):
    """Four in five values valid, so that frames pass as often as they are refused."""
    return st.integers(0, 4).flatmap(lambda k: bad if k == 4 else valid)  # hypothesis favours 0


IDS = mostly(
    st.one_of(st.sampled_from(["c1", "c2", "c3", "00017", "K-9"]), st.integers(1, 50),
              st.sampled_from([17850.0, 17851.0, 1.0])),  # float artefacts of gappy id columns
    st.sampled_from([" c1", "c2 ", "  ", "", None, float("nan"),  # blanks around ids, blank and missing ids
                     12345678901234567890.0, "1.2345E+19", "1E5"]),  # ids that lost digits
)
AMOUNTS = mostly(
    st.one_of(st.floats(min_value=0.01, max_value=1000), st.sampled_from(["12.5", "3", " 7 "])),
    st.one_of(st.floats(min_value=-100, max_value=0),
              st.sampled_from([0.0, -0.0, float("inf"), float("-inf"), float("nan"), None,
                               "", "abc", "12,50", "inf", "-Infinity", "1e400"])),
)
DATES = mostly(
    st.dates(min_value=pd.Timestamp("2019-01-01").date(), max_value=pd.Timestamp("2025-12-31").date()).map(str),
    st.sampled_from(["2024-02-30", "someday", "", None, "2024-01-01T10:00:00+02:00", "2024-03-01 09:00Z",
                     "03/04/2021", "31/01/2021", "01/31/2021", "12/1/2010 8:26", "31.12.2020", "20240105"]),
)
ORDER_IDS = mostly(st.integers(1, 9).map(str), st.sampled_from(["C1002", "c7", "CA-18", "", None]))
QUANTITIES = mostly(st.integers(1, 5), st.sampled_from([-2, 0, None, float("inf"), "x", "2"]))


def rows_of(**columns):
    return st.lists(st.fixed_dictionaries(columns), min_size=0, max_size=12)


def transactions_frames():
    optional = {"order_id": ORDER_IDS, "quantity": QUANTITIES}
    return st.tuples(rows_of(customer_id=IDS, date=DATES, amount=AMOUNTS),
                     st.sets(st.sampled_from(sorted(optional))), st.data()).map(
        lambda t: _with_optional(t[0], t[1], optional, t[2]))


def _with_optional(rows, names, strategies, data):
    frame = pd.DataFrame(rows, columns=["customer_id", "date", "amount"], dtype=object)
    for name in sorted(names):
        frame[name] = pd.Series([data.draw(strategies[name]) for _ in range(len(frame))], dtype=object)
    return frame


def numbers_for(col):
    """Values inside the column's range, and values outside it or not numbers at all."""
    low = 0.0 if col.low is None else float(col.low) + (0 if col.low_inclusive else 0.5)
    high = 100.0 if col.high is None else float(col.high)
    valid = st.integers(int(np.ceil(low)), int(high)) if col.kind == "integer" else st.floats(low, high)
    outside = [v for v in (low - 1, high + 1) if col.out_of_range(pd.Series([v])).any()]
    return mostly(st.one_of(valid, valid.map(str)),
                  st.sampled_from([*outside, 7.5 if col.kind == "integer" else 1.0, float("inf"), None, "x", ""]))


BY_KIND = {
    "id": lambda col: IDS,
    "date": lambda col: DATES,
    "number": numbers_for,
    "integer": numbers_for,
    "binary": lambda col: mostly(st.sampled_from([0, 1, True, False, "1", "0"]), st.sampled_from(["yes", None, 2])),
    "text": lambda col: st.sampled_from(["a", " b ", "", None, "Zürich"]),
    "category": lambda col: mostly(st.sampled_from(["web", "store"]), st.sampled_from(["", None])),
}


@st.composite
def contract_frames(draw):
    kind = draw(st.sampled_from(sorted(TABLES)))
    spec = TABLES[kind]
    optional = draw(st.lists(st.sampled_from(spec.optional), unique=True, max_size=3)) if spec.optional else []
    names = [*spec.required, *optional]
    n = draw(st.integers(0, 10))
    data = {name: [draw(BY_KIND[spec.kind(name)](spec.column(name))) for _ in range(n)] for name in names}
    if draw(st.booleans()):
        data["extra"] = [draw(mostly(st.floats(0, 5), st.sampled_from([None, float("inf"), "note"])))
                         for _ in range(n)]
    return kind, pd.DataFrame(data, columns=[*names, *(["extra"] if "extra" in data else [])], dtype=object)


OPTIONS = st.fixed_dictionaries(
    {},
    optional={
        "dayfirst": st.sampled_from([True, False, None]),
        "date_format": st.sampled_from(["%Y-%m-%d", "%d/%m/%Y"]),
        "decimal": st.sampled_from([".", ","]),
    },
)

# ------------------------------------------------------------------ the property


def assert_canonical(kind: str, out: pd.DataFrame, *, cleaned: bool) -> None:
    spec = TABLES[kind]
    assert list(out.columns[: len(spec.required)]) == list(spec.required)
    for name in (c for c in spec.columns if c in out.columns):
        values, col = out[name], spec.column(name)
        if name in spec.required:
            assert values.notna().all(), f"missing values left in required {name}"
        present = values.dropna()
        if col.kind == "id":
            assert all(isinstance(v, str) and v and v == v.strip() for v in present), name
        elif col.kind == "date":
            assert pd.api.types.is_datetime64_dtype(values) and getattr(values.dtype, "tz", None) is None, name
        elif col.kind in ("number", "integer", "binary"):
            assert pd.api.types.is_numeric_dtype(values), f"{name} is {values.dtype}"
            assert np.isfinite(present.to_numpy(dtype="float64")).all(), f"non-finite {name}"
            assert not col.out_of_range(values).any() or (kind == "transactions" and name == "amount" and not cleaned)
            if col.kind == "binary":
                assert set(present.unique()) <= {0, 1}
    for name in (c for c in out.columns if c not in spec.columns):
        if pd.api.types.is_numeric_dtype(out[name]) and not pd.api.types.is_bool_dtype(out[name]):
            assert not np.isinf(out[name].to_numpy(dtype="float64", na_value=np.nan)).any(), name
    if cleaned and kind == "transactions":
        assert (out["amount"] > 0).all()


def call_quietly(function, *args, **kwargs):
    """Run ``function``; any warning fails the property (pandas' or ours)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return function(*args, **kwargs)


# ------------------------------------------------------------------ validate and clean on frames


@PROPERTY
@given(frame=transactions_frames(), options=OPTIONS)
def test_clean_transactions_counts_every_row_or_refuses(frame, options):
    before = frame.copy()
    try:
        out, report = call_quietly(clean, "transactions", frame, **options)
    except SchemaError:
        pd.testing.assert_frame_equal(frame, before)
        return
    pd.testing.assert_frame_equal(frame, before)  # the input is never changed
    assert report.rows_in == len(frame)
    assert report.rows_in == report.rows_out + report.total_dropped, report
    assert len(out) == report.rows_out
    assert set(out.index) <= set(frame.index)
    assert_canonical("transactions", out, cleaned=True)


@PROPERTY
@given(frame=transactions_frames(), options=OPTIONS)
def test_validate_transactions_keeps_every_row_or_refuses(frame, options):
    try:
        out = call_quietly(validate, "transactions", frame, **options)
    except SchemaError:
        return
    assert out.index.equals(frame.index)
    assert_canonical("transactions", out, cleaned=False)
    assert (out["amount"] > 0).all()


@PROPERTY
@given(case=contract_frames(), options=OPTIONS)
def test_every_contract_table_is_canonical_or_refused(case, options):
    kind, frame = case
    try:
        out = call_quietly(validate, kind, frame, **options)
    except SchemaError:
        pass
    else:
        assert out.index.equals(frame.index)
        assert_canonical(kind, out, cleaned=False)
    try:
        out, report = call_quietly(clean, kind, frame, **options)
    except SchemaError:
        return
    assert report.rows_in == report.rows_out + report.total_dropped == len(frame)
    assert len(out) == report.rows_out
    assert_canonical(kind, out, cleaned=True)


@PROPERTY
@given(frame=transactions_frames())
def test_clean_is_idempotent_on_its_own_output(frame):
    try:
        out, _ = call_quietly(clean, "transactions", frame, dayfirst=True)
    except SchemaError:
        return
    again, report = call_quietly(clean, "transactions", out, dayfirst=True)
    assert report.total_dropped == 0
    pd.testing.assert_frame_equal(again, out)


# ------------------------------------------------------------------ read_file on generated files

HEADERS = ["Kunde", "Betrag £", "Straße", "city", "note", "id"]
CELL = st.text(alphabet="abcxyz019 £éüÖ€,;\"'.-", max_size=8)
ENCODINGS = ["utf-8", "utf-8-sig", "cp1252", "utf-16"]
NA_TEXT = {"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>",
           "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"}


@st.composite
def text_tables(draw):
    names = draw(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=4))  # may repeat a name
    rows = draw(st.lists(st.lists(CELL, min_size=len(names), max_size=len(names)), max_size=6))
    return names, rows


def _write(path, names, rows, encoding, sep):
    buffer = io.StringIO()
    pd.DataFrame(rows, columns=pd.Index(names, dtype=object), dtype=object).to_csv(buffer, sep=sep, index=False)
    raw = buffer.getvalue().encode(encoding)
    path.write_bytes(raw)
    return raw


@PROPERTY
@given(table=text_tables(), encoding=st.sampled_from(ENCODINGS), sep=st.sampled_from([",", ";", "\t"]))
def test_read_file_round_trips_text_or_refuses(tmp_path_factory, table, encoding, sep):
    names, rows = table
    path = tmp_path_factory.mktemp("files") / "export.csv"
    raw = _write(path, names, rows, encoding, sep)
    try:
        frame = call_quietly(read_file, path)
    except SchemaError as error:
        assert "export.csv" in str(error)
        assert len(set(names)) < len(names) or not rows, str(error)  # refused only for a reason
        return
    assert frame.columns.tolist() == names
    assert len(frame) == len(rows)
    # cp1252 bytes that happen to be valid UTF-8 are read as UTF-8: detection reads bytes, not minds.
    ambiguous = encoding == "cp1252" and _decodes(raw, "utf-8")
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            got = frame.iat[i, j]
            if cell in NA_TEXT:
                assert pd.isna(got), (cell, got)
            elif not ambiguous:
                assert got == cell, (cell, got)


def _decodes(raw: bytes, encoding: str) -> bool:
    try:
        raw.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


@PROPERTY
@given(raw=st.binary(max_size=200), suffix=st.sampled_from([".csv", ".tsv", ".csv.gz", ".parquet", ".xlsx"]))
def test_read_file_on_arbitrary_bytes_returns_a_frame_or_refuses(tmp_path_factory, raw, suffix):
    path = tmp_path_factory.mktemp("bytes") / f"export{suffix}"
    path.write_bytes(raw)
    try:
        frame = call_quietly(read_file, path)
    except SchemaError as error:
        assert path.name in str(error)
        return
    assert isinstance(frame, pd.DataFrame) and len(frame) > 0


@PROPERTY
@given(lines=st.lists(st.lists(st.sampled_from(["1", "a", "", "x y", "£"]), min_size=1, max_size=4),
                      min_size=1, max_size=6))
def test_ragged_files_are_read_or_refused_naming_the_file(tmp_path_factory, lines):
    path = tmp_path_factory.mktemp("ragged") / "ragged.csv"
    path.write_text("\n".join(",".join(line) for line in lines) + "\n", encoding="utf-8")
    try:
        frame = call_quietly(read_file, path)
    except SchemaError as error:
        assert "ragged.csv" in str(error)
        return
    header = next(line for line in lines if ",".join(line))  # blank lines are skipped
    assert len(frame.columns) == len(header)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_generated_contract_file_reads_cleanly_in_every_encoding(tmp_path, encoding):
    """One realistic export per encoding through read_file and clean."""
    path = tmp_path / "umsatz.csv"
    path.write_bytes("Kunde;Datum;Betrag;Filiale\nK1;31.01.2024;12,50;Köln\nK2;01.02.2024;£3;Zürich\n"
                     .replace("£", "").encode(encoding))
    out, report = clean("transactions", read_file(path), decimal=",",
                        columns={"customer_id": "Kunde", "date": "Datum", "amount": "Betrag"})
    assert out["amount"].tolist() == [12.5, 3.0] and out["Filiale"].tolist() == ["Köln", "Zürich"]
    assert report.rows_in == report.rows_out + report.total_dropped


# ------------------------------------------------------------------ cancellations netted

INVOICE_LINES = st.lists(
    st.tuples(
        st.sampled_from(["k1", "k2", None]),  # customer (None: anonymous)
        st.sampled_from(["A", "B"]),  # product
        st.integers(0, 9),  # day
        st.booleans(),  # a C-invoice?
        st.integers(1, 20),  # units
    ),
    min_size=1, max_size=25,
)


@PROPERTY
@given(rows=INVOICE_LINES, kind=st.sampled_from(["transactions", "baskets"]))
def test_netting_never_takes_more_than_was_bought_and_counts_every_row(rows, kind):
    frame = pd.DataFrame({
        "customer_id": [r[0] for r in rows],
        "product_id": [r[1] for r in rows],
        "date": [f"2011-01-{r[2] + 10:02d}" for r in rows],
        "order_id": [("C" if r[3] else "") + str(100 + i) for i, r in enumerate(rows)],
        "quantity": [-r[4] if r[3] else r[4] for r in rows],
        "unit_price": 1.5,
    })
    if kind == "baskets":
        frame = frame.drop(columns="unit_price")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out, report = clean(kind, frame)
    except SchemaError:
        return  # e.g. every row dropped
    assert report.rows_in == report.rows_out + report.total_dropped == len(frame)
    assert (out["quantity"] > 0).all()
    # Per customer and product: what is left is what was bought minus what was cancelled (never below 0)
    # when every cancellation comes after every purchase of that customer and product.
    named = frame[frame["customer_id"].notna()]
    for (who, what), lines in named.groupby(["customer_id", "product_id"]):
        bought = lines.loc[lines["quantity"] > 0]
        cancelled = lines.loc[lines["quantity"] < 0]
        if bought.empty or cancelled.empty or pd.to_datetime(cancelled["date"]).min() < pd.to_datetime(bought["date"]).max():
            continue
        left = out.loc[(out["customer_id"] == who) & (out["product_id"] == what), "quantity"].sum()
        assert left == pytest.approx(max(0, bought["quantity"].sum() + cancelled["quantity"].sum()))
