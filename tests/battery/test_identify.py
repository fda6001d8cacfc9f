"""Bad inputs for the Identify stage (idic_lab.identify): audit, linkage, single customer view, privacy, inputs.

Every input is a small hand-built frame (or a file in a fresh temporary
folder), so each case runs in well under a second. The degenerate cases of
issue 8 are here: one record to deduplicate, two identical records, no
candidate pairs, an EM fit that cannot be trusted, undefined precision or
recall, day-first text dates, ids that are missing, repeated or floats.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from battery.harness import Case, answered, cleaned, parametrize, refused, run_case, warned
from idic_lab import identify as idf

# --------------------------------------------------------------------------
# Inputs, built on demand
# --------------------------------------------------------------------------


def _customers(**overrides) -> pd.DataFrame:
    """Five records of three people: A twice (web, store), B twice (Arabic and Persian letters), C once."""
    base = {
        "customer_id": ["W1", "S1", "W2", "L2", "W3"],
        "name": ["Anna Berg", "Ana Berg", "علي كريمي", "علی کریمی", "Jonas Weber"],
        "email": ["anna.berg@gmail.com", "annaberg+shop@gmail.com", None, "ali.karimi@mail.ir", "jonas@example.de"],
        "phone": ["+49 30 1234567", "030-1234567", "0912 345 6789", "09123456789", "+49 40 7654321"],
        "birth_date": pd.to_datetime(["1980-04-02", "1980-04-02", "1975-11-20", "1975-11-20", "1972-08-15"]),
        "source": ["web", "store", "web", "list", "web"],
        "signup_date": pd.to_datetime(["2023-01-10", "2023-06-01", "2022-03-03", "2023-09-09", "2023-03-03"]),
    }
    return pd.DataFrame(base | overrides)


def _scripts() -> pd.DataFrame:
    """Names in every script: Vietnamese with and without diacritics, Arabic/Persian letters, Latin, blank, NaN."""
    return pd.DataFrame({
        "customer_id": ["v1", "v2", "p1", "p2", "l1", "l2", "e1", "n1"],
        "name": ["Nguyễn Thị Ánh", "Nguyen Thi Anh", "علي كريمي", "علی کریمی", "Anna Berg", "Jonas Weber", "", np.nan],
        "email": ["anh.nguyen@example.vn", "anh.nguyen@example.vn", None, "ali.karimi@mail.ir", "anna@example.de",
                  "jonas@example.de", "kim@example.com", "lee@example.com"],
        "phone": [None, "0901 222 333", "0912 345 6789", "09123456789", "+49 30 1234567", "+49 40 7654321", None, None],
        "birth_date": pd.to_datetime(["1990-07-15", None, "1975-11-20", "1975-11-20", "1980-04-02", "1972-08-15",
                                      "1999-01-01", "1985-05-05"]),
    })


def _records(**overrides) -> pd.DataFrame:
    """The customers as linkage records: indexed by id."""
    return _customers(**overrides).set_index("customer_id")


def _walk() -> pd.DataFrame:
    """A merges W1+S1, B merges W2+L2, C alone."""
    return idf.crosswalk(["W1", "S1", "W2", "L2", "W3"], pd.DataFrame({"id_1": ["W1", "W2"], "id_2": ["S1", "L2"]}))


def _tx(**overrides) -> pd.DataFrame:
    base = {
        "customer_id": ["W1", "S1", "W2", "L2", "W3", "W1"],
        "date": pd.to_datetime(["2023-01-15", "2023-07-01", "2023-03-05", "2023-09-10", "2023-04-01", "2023-11-20"]),
        "amount": [10.0, 20.0, 5.0, 5.0, 8.0, 12.0],
    }
    return pd.DataFrame(base | overrides)


def _family_email() -> pd.DataFrame:
    """Twelve family members sharing one mailbox, three spellings of similar names: a coarser grouping than persons."""
    names = ["Anna Berg", "Anne Berg", "Hanna Berg"]
    return pd.DataFrame({"name": [names[i % 3] for i in range(12)], "email": ["family.berg@example.de"] * 12},
                        index=[f"r{i:02d}" for i in range(12)])


def _levels(rows: list[tuple], columns: str = "abc") -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(columns))


def _linked_result() -> idf.LinkageResult:
    return idf.link_records(_scripts().set_index("customer_id"), fields={"name": "name", "email": "email"},
                            blocking=[["email"], ["name|skeleton"]])


def _folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="battery_identify_"))


def _client_inputs():
    """A client's customer and transaction exports; one sale is after the observation end."""
    folder = _folder()
    pd.DataFrame({"Nr": ["K1", "K2"], "Name": ["Anna Berg", "Jonas Weber"]}).to_csv(folder / "kunden.csv", index=False)
    pd.DataFrame({"Nr": ["K1", "K2", "K1"], "Datum": ["2023-02-03", "2023-03-05", "2023-08-01"],
                  "Betrag": ["19.90", "99.00", "7.00"]}).to_csv(folder / "umsaetze.csv", index=False)
    return idf.load_inputs(
        customer_files=[str(folder / "kunden.csv")], customer_columns={"customer_id": "Nr", "name": "Name"},
        transactions_file=str(folder / "umsaetze.csv"),
        transaction_columns={"customer_id": "Nr", "date": "Datum", "amount": "Betrag"},
        observation_end="2023-06-30",
    )


def _unreadable_file():
    folder = _folder()
    (folder / "crm.parquet").write_bytes(b"this is not a parquet file")
    return idf.load_customer_files([folder / "crm.parquet"])


def _empty_file():
    folder = _folder()
    (folder / "crm_export.csv").write_text("", encoding="utf-8")
    return idf.load_customer_files([folder / "crm_export.csv"])


def _customer_file(**columns) -> Path:
    folder = _folder()
    pd.DataFrame(columns).to_csv(folder / "kunden.csv", index=False)
    return folder / "kunden.csv"


def _same_golden_when_shuffled(golden: pd.DataFrame) -> bool:
    shuffled = idf.golden_records(_customers().iloc[[4, 2, 0, 3, 1]], _walk())
    pd.testing.assert_frame_equal(golden, shuffled)
    return golden.index.is_monotonic_increasing and list(golden["n_records"]) == [2, 2, 1]


# --------------------------------------------------------------------------
# The cases
# --------------------------------------------------------------------------

CASES = [
    # --- degenerate resolution: one record, two identical records, no pairs -----------------------------
    Case("one record to deduplicate: one customer, no links", "identify.resolve_customers",
         lambda: idf.resolve_customers(_customers().iloc[:1]),
         answered(lambda r: r.n_customers == 1 and r.linkage.links.empty, "one customer, zero links")),
    Case("one record: candidate_pairs has no pairs (not a ZeroDivisionError)", "identify.candidate_pairs",
         lambda: idf.candidate_pairs(_records().iloc[:1], blocking=[["email"]]),
         answered(lambda p: p.empty and list(p.columns) == ["id_1", "id_2"], "an empty pair table")),
    Case("two identical records: one customer, but the fit rests on one pair", "identify.resolve_customers",
         lambda: idf.resolve_customers(_customers().iloc[[0, 0]].assign(customer_id=["a", "b"])),
         warned(r"not trustworthy.*only one candidate pair", then=lambda r: r.n_customers == 1),
         targets=("identify.link_records",)),
    Case("no candidate pairs after blocking: every record its own customer", "identify.resolve_customers",
         lambda: idf.resolve_customers(_customers(email=["a@x.de", "b@x.de", "c@x.de", "d@x.de", "e@x.de"])
                                       .drop(columns=["phone", "birth_date"]), blocking=[["email"]]),
         warned(r"blocking found no candidate pairs", then=lambda r: r.n_customers == 5)),
    Case("all fields empty", "identify.resolve_customers",
         lambda: idf.resolve_customers(_customers(name=None, email=None, phone=None, birth_date=pd.NaT)),
         refused(r"none of the fields .* has any value", mentions=("resolve_customers", "name", "email"))),
    Case("a compared field present but entirely blank", "identify.link_records",
         lambda: idf.link_records(_records(email=["", " ", None, "", ""]), fields={"name": "name", "email": "email"},
                                  blocking=[["name|skeleton"]]),
         refused(r"entirely missing in the records \(5 rows\)", mentions=("email", "fields"))),
    Case("names in every script, blank and NaN: Persian and Vietnamese pairs merge, blanks stand alone",
         "identify.resolve_customers", lambda: idf.resolve_customers(_scripts()),
         answered(lambda r: r.n_customers == 6 and r.linkage.links[["id_1", "id_2"]].values.tolist()
                  == [["p1", "p2"], ["v1", "v2"]], "6 customers: p1+p2 and v1+v2")),
    # --- ids and indexes ------------------------------------------------------------------------
    Case("duplicated index labels in the records", "identify.candidate_pairs",
         lambda: idf.candidate_pairs(pd.concat([_records(), _records().iloc[:1]]), blocking=[["email"]]),
         refused(r"must be unique.*1 id\(s\) occur more than once", mentions=("records", "index"))),
    Case("a MultiIndex as record ids", "identify.compare_pairs",
         lambda: idf.compare_pairs(_customers().set_index(["source", "customer_id"]), None,
                                   pd.DataFrame({"id_1": [("web", "W1")], "id_2": [("store", "S1")]}),
                                   fields={"name": "name"}),
         refused(r"index has 2 levels", mentions=("records", "reset_index"))),
    Case("repeated customer ids (1 and '1' are one id)", "identify.resolve_customers",
         lambda: idf.resolve_customers(_customers(customer_id=[1, "1", 2, 3, 4])),
         refused(r"must be unique .* 2 of 5 rows", mentions=("customer_id",))),
    Case("a missing customer id is not the text 'nan'", "identify.resolve_customers",
         lambda: idf.resolve_customers(_customers(customer_id=["a", None, "c", "d", "e"])),
         refused(r"1 of 5 ids are missing", mentions=("customer_id", "dropna"))),
    Case("float ids with digits lost or a fraction", "identify.stack_sources",
         lambda: idf.stack_sources({"web": _customers(customer_id=[2.0**60, 1.5, 3.0, 4.0, 5.0])}),
         refused(r"2 of 5 ids are not usable", mentions=("web", "customer_id", "2**53"))),
    Case("ids that collide across sources", "identify.stack_sources",
         lambda: idf.stack_sources({"web": _customers().iloc[:2], "store": _customers().iloc[2:].assign(
             customer_id=["W1", "X2", "X3"])}),
         refused(r"occur in more than one source", mentions=("qualify_ids=True",))),
    Case("non-string ids: crosswalk numbers and sorts them numerically", "identify.crosswalk",
         lambda: idf.crosswalk([10, 9, 100], pd.DataFrame({"id_1": [100], "id_2": [9]})),
         answered(lambda w: w["record_id"].tolist() == ["9", "10", "100"]
                  and w["customer_key"].tolist() == ["C000001", "C000002", "C000001"], "keys by smallest id")),
    Case("crosswalk links naming unknown records", "identify.crosswalk",
         lambda: idf.crosswalk(["a", "b"], pd.DataFrame({"id_1": ["a"], "id_2": ["zz"]})),
         refused(r"1 of 1 links contain record ids that are not among", mentions=("record_ids",))),
    # --- parameters -------------------------------------------------------------------------------
    Case("threshold given as text", "identify.link_records",
         lambda: idf.link_records(_records(), fields={"name": "name"}, blocking=[["email"]], threshold="0.5"),
         refused(r"match probability strictly between 0 and 1", mentions=("threshold", "str"))),
    Case("threshold outside [0, 1]", "identify.resolve_customers",
         lambda: idf.resolve_customers(_customers(), threshold=1.5),
         refused(r"strictly between 0 and 1.*got 1.5", mentions=("threshold",))),
    Case("unknown field kind lists the kinds", "identify.link_records",
         lambda: idf.link_records(_records(), fields={"name": "fuzzy"}, blocking=[["email"]]),
         refused(r"unknown kind 'fuzzy'", mentions=("name", "email", "phone", "date"))),
    Case("unknown blocking transform lists the transforms", "identify.candidate_pairs",
         lambda: idf.candidate_pairs(_records(), blocking=[["name|nysiis"]]),
         refused(r"unknown transform 'nysiis'", mentions=("soundex", "skeleton"))),
    Case("a blocking key too coarse for the memory: refused, naming key, pair count and largest block",
         "identify.candidate_pairs",
         lambda: idf.candidate_pairs(_records(), blocking=[["email"], ["birth_date|year"]], max_pairs_per_key=1),
         refused(r"birth_date\|year would make 2 candidate pairs, more than the limit of 1 per key; its largest "
                 r"block \('1980'\) alone holds 2 records", mentions=("max_pairs_per_key", "finer"))),
    Case("SQL path on an engine it does not know", "identify.comparison_levels_sql",
         lambda: idf.comparison_levels_sql(_records(), fields={"name": "name"}, blocking=[["email"]], engine="sqlite"),
         refused(r"engine: one of \('duckdb', 'spark'\)", mentions=("sqlite",))),
    Case("SQL path (DuckDB): Persian letter variants agree, a typo'd mailbox is close, missing is -1",
         "identify.comparison_levels_sql",
         lambda: idf.comparison_levels_sql(_records(), fields={"name": "name", "email": "email"},
                                           blocking=[["birth_date"]]),
         answered(lambda t: t[["id_1", "id_2", "name", "email"]].values.tolist()
                  == [["L2", "W2", 3, -1], ["S1", "W1", 2, 3]], "W2/L2 one name; S1/W1 close names, one mailbox")),
    Case("SQL path with an unusable argument", "identify.comparison_levels_sql",
         lambda: idf.comparison_levels_sql(_records(), fields={"name": "name"}, blocking=[["email"]], aggregate="yes"),
         refused(r"aggregate: True \(one row per agreement pattern", mentions=("str", "False"), error=TypeError)),
    Case("blocking on a column that does not exist (no bare KeyError)", "identify.blocking_summary",
         lambda: idf.blocking_summary(_records(), blocking=[["surname"]]),
         refused(r"no column 'surname'", mentions=("blocking key", "email"))),
    Case("blocking summary of one record", "identify.blocking_summary",
         lambda: idf.blocking_summary(_records().iloc[:1], blocking=[["email"]]),
         refused(r"1 record.*at least 2 records", mentions=("blocking_summary",))),
    Case("pairs naming record ids that are not in the sources", "identify.compare_pairs",
         lambda: idf.compare_pairs(_records(), None, pd.DataFrame({"id_1": ["W1"], "id_2": ["ZZ"]}),
                                   fields={"name": "name"}),
         refused(r"1 of 1 pairs name record ids", mentions=("compare_pairs", "candidate_pairs"))),
    Case("day-first text birth dates are not read month-first", "identify.link_records",
         lambda: idf.link_records(_records(birth_date=["02/04/1980", "04/02/1980", None, None, None]),
                                  fields={"name": "name", "birth_date": "date"}, blocking=[["name|skeleton"]]),
         refused(r"2 of 5 values are dates written as text", mentions=("birth_date", "format="))),
    # --- Fellegi–Sunter: degenerate fits ---------------------------------------------------------------
    Case("FellegiSunter: one level only", "identify.FellegiSunter",
         lambda: idf.FellegiSunter().fit(_levels([(1,)] * 5, "a")),
         warned(r"not trustworthy: all 5 candidate pairs show the same agreement pattern")),
    Case("FellegiSunter: all pairs disagree", "identify.FellegiSunter",
         lambda: idf.FellegiSunter().fit(_levels([(0, 0, 0)] * 40)),
         warned(r"same agreement pattern", then=lambda m: m.match_share_ < 0.01)),
    Case("FellegiSunter: EM stopped before converging", "identify.FellegiSunter",
         lambda: idf.FellegiSunter(max_iter=1).fit(_levels([(1, 1, 1)] * 30 + [(0, 0, 1)] * 200 + [(0, 0, 0)] * 500)),
         warned(r"EM did not converge in max_iter=1")),
    Case("FellegiSunter: agreement weight with the wrong sign", "identify.FellegiSunter",
         lambda: idf.FellegiSunter().fit(_levels([(1, 0, 0)] * 3000 + [(0, 1, 1)] * 300 + [(1, 1, 1)] * 10)),
         warned(r"agreement counts against a match .* on a")),
    Case("FellegiSunter: NaN and fractional levels never reach the scores", "identify.FellegiSunter",
         lambda: idf.FellegiSunter().fit(_levels([(1.0,), (np.nan,), (0.5,)], "a")),
         refused(r"2 of 3 values are not", mentions=("level column 'a'", "compare_pairs"))),
    Case("FellegiSunter: scoring before fitting", "identify.FellegiSunter",
         lambda: idf.FellegiSunter().predict_proba(_levels([(1,)], "a")),
         refused(r"not fitted yet", mentions=("fit(levels)",))),
    Case("FellegiSunter: an initial match share of 0", "identify.FellegiSunter",
         lambda: idf.FellegiSunter(initial_match_share=0).fit(_levels([(1,), (0,)], "a")),
         refused(r"strictly between 0 and 1", mentions=("initial_match_share",))),
    Case("a match share far above plausible (a shared family mailbox)", "identify.link_records",
         lambda: idf.link_records(_family_email(), fields={"name": "name", "email": "email"}, blocking=[["email"]]),
         refused(r"refused: the fitted model has collapsed.* 66 of the 66 candidate pairs .* more than twice the 12 "
                 r"records", mentions=("blocking keys", "random_pairs"))),
    Case("shared mailboxes: EM on the candidate pairs collapses and is refused", "identify.shared_mailbox_records",
         lambda: idf.link_records(idf.shared_mailbox_records()[0], fields={"name": "name", "email": "email",
                                                                             "phone": "phone"},
                                  blocking=[["email"], ["phone"]], estimation="em"),
         refused(r"refused: the fitted model has collapsed.*exact agreement counts against a match on email",
                 mentions=("random_pairs",)), targets=("identify.link_records",)),
    Case("shared mailboxes: a family of one is not a family", "identify.shared_mailbox_records",
         lambda: idf.shared_mailbox_records(family_size=1),
         refused(r"family_size must be a whole number >= 2", mentions=("shared_mailbox_records",))),
    # --- evaluation -------------------------------------------------------------------------------
    Case("evaluate_links with no true links: recall undefined", "identify.evaluate_links",
         lambda: idf.evaluate_links(pd.DataFrame({"id_1": ["a"], "id_2": ["b"]}),
                                    pd.DataFrame(columns=["rec_id_1", "rec_id_2"]), task="deduplicate"),
         warned(r"recall is undefined \(there are no true links\)", then=lambda s: s["precision"] == 0.0)),
    Case("evaluate_links with no predicted links: precision undefined", "identify.evaluate_links",
         lambda: idf.evaluate_links(pd.DataFrame(columns=["id_1", "id_2"]),
                                    pd.DataFrame({"rec_id_1": ["a"], "rec_id_2": ["b"]}), task="deduplicate"),
         warned(r"precision is undefined \(there are no predicted links\)", then=lambda s: s["recall"] == 0.0)),
    Case("evaluate_links: integer predictions against text truth", "identify.evaluate_links",
         lambda: idf.evaluate_links(pd.DataFrame({"id_1": [2], "id_2": [1]}),
                                    pd.DataFrame({"rec_id_1": ["1"], "rec_id_2": ["2"]}), task="deduplicate"),
         answered(lambda s: s["precision"] == s["recall"] == 1.0, "ids compared as text")),
    Case("label_pairs with an unknown task lists the tasks", "identify.label_pairs",
         lambda: idf.label_pairs(pd.DataFrame({"id_1": ["a"], "id_2": ["b"]}),
                                 pd.DataFrame({"rec_id_1": ["a"], "rec_id_2": ["b"]}), task="dedup"),
         refused(r"task must be", mentions=("deduplicate", "link", "label_pairs"))),
    Case("precision_recall_table with no true links", "identify.precision_recall_table",
         lambda: idf.precision_recall_table(_linked_result(), pd.DataFrame(columns=["rec_id_1", "rec_id_2"])),
         warned(r"recall is undefined", then=lambda t: bool((t["recall"] == 0).all()))),
    Case("true links from an identity with missing persons (not one merged person)",
         "identify.truth_links_from_identity",
         lambda: idf.truth_links_from_identity(pd.Series(["P1", None, None], index=["a", "b", "c"])),
         refused(r"2 of 3 record\(s\) have no person id", mentions=("truth_links_from_identity",))),
    Case("true crosswalk from an identity with repeated record ids", "identify.crosswalk_from_identity",
         lambda: idf.crosswalk_from_identity(pd.Series(["P1", "P2"], index=["a", "a"])),
         refused(r"must be unique", mentions=("record ids",))),
    Case("febrl_benchmark with a threshold of 1.5", "identify.febrl_benchmark",
         lambda: idf.febrl_benchmark(threshold=1.5), refused(r"strictly between 0 and 1", mentions=("threshold",))),
    Case("link_febrl with another data set lists the FEBRL sets", "identify.link_febrl",
         lambda: idf.link_febrl("cdnow"), refused(r"not a FEBRL data set", mentions=("febrl1", "febrl4"))),
    # --- single customer view -----------------------------------------------------------------------
    Case("apply_crosswalk: ids not in the crosswalk are counted", "identify.apply_crosswalk",
         lambda: idf.apply_crosswalk(_tx(customer_id=["W1", "ZZ", "ZZ", "Q9", "W3", "W1"]), _walk()),
         refused(r"3 of 6 rows .*\(2 distinct ids", mentions=("customer_id", "unmapped='keep'"))),
    Case("apply_crosswalk: unknown unmapped lists the choices", "identify.apply_crosswalk",
         lambda: idf.apply_crosswalk(_tx(), _walk(), unmapped="drop"),
         refused(r"unmapped must be", mentions=("'raise'", "'keep'"))),
    Case("golden_records: unknown survivorship rule lists the rules", "identify.golden_records",
         lambda: idf.golden_records(_customers(), _walk(), rules={"email": "newest"}),
         refused(r"unknown survivorship rule", mentions=("most_recent", "source_priority"))),
    Case("golden_records: day-first text signup dates", "identify.golden_records",
         lambda: idf.golden_records(_customers(signup_date=["10/01/2023", "01/06/2023", None, None, None]), _walk()),
         refused(r"not guessed", mentions=("signup_date", "date_format"))),
    Case("golden_records: sorted by customer key, whatever the row order", "identify.golden_records",
         lambda: idf.golden_records(_customers(), _walk()),
         answered(_same_golden_when_shuffled, "same table for shuffled input, sorted by key")),
    Case("rfm_segments: day-first text dates", "identify.rfm_segments",
         lambda: idf.rfm_segments(_tx(date=["01/02/2023"] * 6), observation_end="2023-12-31"),
         refused(r"not guessed", mentions=("date", "rfm_segments"))),
    Case("rfm_segments: an infinite amount", "identify.rfm_segments",
         lambda: idf.rfm_segments(_tx(amount=[10.0, np.inf, 5.0, 5.0, 8.0, 12.0]), observation_end="2023-12-31"),
         refused(r"1 of 6 transactions have a missing or infinite amount", mentions=("amount",))),
    Case("simple_clv: one transaction, retention cannot be estimated", "identify.simple_clv",
         lambda: idf.simple_clv(_tx().iloc[:1], observation_end="2023-12-31"),
         warned(r"retention is estimated as 0 and every CLV is 0")),
    Case("duplicate_impact: observation_end as a number", "identify.duplicate_impact",
         lambda: idf.duplicate_impact(_tx(), _walk(), observation_end=20231231),
         refused(r"nanoseconds", mentions=("observation_end",))),
    Case("duplicate_impact: no amount column", "identify.duplicate_impact",
         lambda: idf.duplicate_impact(_tx().drop(columns="amount"), _walk(), observation_end="2023-12-31"),
         refused(r"expected the column\(s\) \['amount'\]", mentions=("duplicate_impact", "transactions"))),
    Case("duplicate_effect: merged records raise the repeat-buyer share; finding quotes both", "identify.duplicate_effect",
         lambda: idf.duplicate_effect(_tx(), _walk(), observation_end="2023-12-31"),
         answered(lambda r: r.headline() == {"customers_before": 5, "repeat_share_change": 0.4667,
                                             "clv_per_customer_change": 12.69}
                  and r.finding() == ("Counted by customer record, 20 % of buyers bought more than once; "
                                      "after merging duplicate records, 67 % did."), "the before/after figures"),
         targets=("identify.DuplicateImpact",)),
    Case("duplicate_effect: bad unmapped choice refused", "identify.duplicate_effect",
         lambda: idf.duplicate_effect(_tx(), _walk(), observation_end="2023-12-31", unmapped="drop"),
         refused(r"unmapped must be 'raise' or 'keep'", mentions=("unmapped",))),
    Case("source_quality without a source column", "identify.source_quality",
         lambda: idf.source_quality(_customers().drop(columns="source"), _walk()),
         refused(r"no 'source' column", mentions=("stack_sources",))),
    Case("source_quality: records without a source form their own group", "identify.source_quality",
         lambda: idf.source_quality(_customers(source=["web", None, "", "list", "web"]), _walk(), transactions=_tx()),
         answered(lambda q: list(q.index) == ["(no source)", "list", "web"] and q["records"].sum() == 5
                  and q.notna().all().all(), "a '(no source)' row, no NaN")),
    Case("compare_sources: sources that acquired nobody have no revenue per customer acquired",
         "identify.compare_sources",
         lambda: idf.compare_sources(_customers(), _walk(), transactions=_tx()),
         answered(lambda c: c.table["revenue_per_customer_acquired"].isna().tolist() == [True, True, False]
                  and c.worst()["revenue_per_customer_acquired"] == "web",
                  "NaN (not 0) where nobody was acquired; the worst source among the others")),
    Case("compare_sources without transactions compares completeness and duplicates only",
         "identify.compare_sources",
         lambda: idf.compare_sources(_customers(), _walk()),
         answered(lambda c: set(c.worst()) == {"completeness", "duplicate_rate"}
                  and "revenue_per_customer_acquired" not in c.table, "no value comparison")),
    Case("compare_sources without a source column", "identify.compare_sources",
         lambda: idf.compare_sources(_customers().drop(columns="source"), _walk()),
         refused(r"no 'source' column", mentions=("stack_sources",))),
    # --- audit -----------------------------------------------------------------------------------
    Case("audit_columns: time-zone aware dates against a plain observation end", "identify.audit_columns",
         lambda: idf.audit_columns(pd.DataFrame({"signup_date": pd.to_datetime(["2020-01-01", "2031-01-01"])
                                                 .tz_localize("UTC")}), observation_end="2024-12-31"),
         answered(lambda a: a.loc["signup_date", "n_invalid"] == 1, "the future date counted invalid")),
    Case("audit_columns: day-first observation end", "identify.audit_columns",
         lambda: idf.audit_columns(_customers(), observation_end="31/12/2023"),
         refused(r"expected an ISO date", mentions=("observation_end",))),
    Case("audit_tables given a list", "identify.audit_tables",
         lambda: idf.audit_tables([_customers()]),
         refused(r"must be a dict", mentions=("audit_tables", "customers"))),
    Case("completeness with fields as one string", "identify.completeness",
         lambda: idf.completeness(_customers(), fields="name"),
         refused(r"list of column names", mentions=("fields", "completeness"))),
    Case("likely_duplicates: groups joined through different rules", "identify.likely_duplicates",
         lambda: idf.likely_duplicates(pd.DataFrame({"email": ["a@x.de", "a@x.de", None],
                                                     "phone": [None, "0301234567", "030 1234567"]})),
         answered(lambda d: d.loc["any rule", "records"] == 3 and d.loc["any rule", "groups"] == 1,
                  "one group of three records")),
    # --- privacy ---------------------------------------------------------------------------------
    Case("pseudonymise with an empty salt", "identify.pseudonymise",
         lambda: idf.pseudonymise(pd.Series(["Anna Berg"]), salt=""),
         refused(r"at least 8 characters .*found an empty string", mentions=("salt",))),
    Case("pseudonymise: blank values stay missing (not one shared pseudonym)", "identify.pseudonymise",
         lambda: idf.pseudonymise(pd.Series(["", "  ", "Anna Berg", None]), salt="a-long-test-salt"),
         answered(lambda p: p.iloc[[0, 1, 3]].isna().all() and p.iloc[2] != "", "blanks missing")),
    Case("pseudonymise_table with a misspelt column would leak", "identify.pseudonymise_table",
         lambda: idf.pseudonymise_table(_customers(), salt="a-long-test-salt", columns=["nmae"]),
         refused(r"not in the table", mentions=("nmae", "clear text"))),
    Case("privacy_view with show_pii='no' (truthy text)", "identify.privacy_view",
         lambda: idf.privacy_view(_customers(), salt="a-long-test-salt", show_pii="no"),
         refused(r"True or False", mentions=("show_pii",))),
    # --- text ------------------------------------------------------------------------------------
    Case("normalise_text of NaN is blank, not 'nan'", "identify.normalise_text",
         lambda: (idf.normalise_text(np.nan), idf.normalise_text(None), idf.normalise_text("  Nguyễn   Đức ")),
         answered(lambda r: r == ("", "", "nguyen duc"), "'' for missing")),
    Case("normalise_text of a list", "identify.normalise_text",
         lambda: idf.normalise_text(["Anna", "Berg"]),
         refused(r"expected one text value", mentions=("normalise_name",))),
    Case("consonant_skeleton of missing names", "identify.consonant_skeleton",
         lambda: (idf.consonant_skeleton(np.nan), idf.consonant_skeleton("محمد"), idf.consonant_skeleton("Mohammad")),
         answered(lambda r: r == ("", "mhmd", "mhmd"), "'' for NaN, shared skeleton")),
    Case("has_arabic_script on NaN, Persian and Latin", "identify.has_arabic_script",
         lambda: (idf.has_arabic_script(np.nan), idf.has_arabic_script("علی"), idf.has_arabic_script("Ali")),
         answered(lambda r: r == (False, True, False), "False, True, False")),
    Case("name_similarity of a number", "identify.name_similarity",
         lambda: idf.name_similarity(12345, "anna berg"),
         refused(r"must be a normalised name", mentions=("left", "normalise_text"))),
    Case("normalise_phone of a float column (no extra '0' digit)", "identify.normalise_phone",
         lambda: idf.normalise_phone(pd.Series([4930123456.0, np.nan, np.inf])),
         answered(lambda p: p.iloc[0] == "930123456" and p.iloc[1:].isna().all(), "digits of the whole number")),
    Case("normalise_email given a list", "identify.normalise_email",
         lambda: idf.normalise_email(["Anna.Berg+x@GMail.com", None]),
         answered(lambda e: e.iloc[0] == "annaberg@gmail.com" and pd.isna(e.iloc[1]), "normalised, missing kept")),
    Case("normalise_address: street types abbreviated, blanks and missing stay missing", "identify.normalise_address",
         lambda: idf.normalise_address(pd.Series(["12 Mill Lane, Oakridge", "12 Mill Ln. Oakridge", "Hauptstraße 5",
                                                  " ", None, 7])),
         answered(lambda a: a.iloc[0] == a.iloc[1] == "12 mill ln oakridge" and a.iloc[2] == "hauptstr 5"
                  and a.iloc[3:5].isna().all() and a.iloc[5] == "7", "one address, one spelling")),
    Case("normalise_name: Vietnamese and Persian variants meet, blanks are missing", "identify.normalise_name",
         lambda: idf.normalise_name(pd.Series(["Trần Thị Ánh", "Tran Thi Anh", "علي", "علی", " ", None])),
         answered(lambda n: n.iloc[0] == n.iloc[1] and n.iloc[2] == n.iloc[3] and n.iloc[4:].isna().all(),
                  "variants equal")),
    # --- files and inputs -------------------------------------------------------------------------
    Case("load_customer_files: a corrupt Parquet file is named", "identify.load_customer_files",
         _unreadable_file, refused(r"crm\.parquet.*(corrupt|cannot read)", mentions=("crm.parquet",))),
    Case("load_customer_files: an empty file is named", "identify.load_customer_files",
         _empty_file, refused(r"crm_export\.csv.*empty")),
    Case("load_customer_files: a repeated id in one file", "identify.load_customer_files",
         lambda: idf.load_customer_files([_customer_file(Nr=["K1", "K1", "K2"], Name=["A", "B", "C"])],
                                         columns={"customer_id": "Nr", "name": "Name"}),
         refused(r"kunden\.csv.*customer_id.*more than once", mentions=("Nr",)), targets=("table:customers",)),
    Case("load_customer_files: dotted signup dates without a format are read day-first", "identify.load_customer_files",
         lambda: idf.load_customer_files([_customer_file(Nr=["K1", "K2"], Name=["A", "B"],
                                                         Seit=["01.02.2023", "02.03.2023"])],
                                         columns={"customer_id": "Nr", "name": "Name", "signup_date": "Seit"}),
         answered(lambda c: c["signup_date"].dt.strftime("%Y-%m-%d").tolist() == ["2023-02-01", "2023-03-02"],
                  "01.02.2023 is 1 February (dotted dates are day-first)"), targets=("table:customers",)),
    Case("load_customer_files: slashed dates that read either way are refused", "identify.load_customer_files",
         lambda: idf.load_customer_files([_customer_file(Nr=["K1", "K2"], Name=["A", "B"],
                                                         Seit=["01/02/2023", "02/03/2023"])],
                                         columns={"customer_id": "Nr", "name": "Name", "signup_date": "Seit"}),
         refused(r"kunden\.csv.*signup_date.*dayfirst", mentions=("Seit",)), targets=("table:customers",)),
    Case("load_inputs: client transactions without customer files", "identify.load_inputs",
         lambda: idf.load_inputs(transactions_file="sales.csv"),
         refused(r"given but customer_files is empty", mentions=("transactions_file", "synthetic"))),
    Case("load_inputs: client mode without customer files is refused, never synthetic", "identify.load_inputs",
         lambda: idf.load_inputs(mode="client"),
         refused(r"mode='client' but customer_files is empty", mentions=("customer_files", "synthetic"))),
    Case("load_inputs: sales after the observation end are dropped and counted", "identify.load_inputs",
         _client_inputs, cleaned(r"after observation end", 1, report=lambda inputs: inputs.cleaning)),
]


@parametrize(CASES)
def test_case(case: Case):
    run_case(case)
