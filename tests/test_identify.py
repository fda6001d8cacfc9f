"""Identify stage: audit, normalisation, linkage, single customer view, privacy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import idic_lab.identify as idf
from idic_lab.diagnostics import IdicLabWarning
from idic_lab.identify import (
    FEBRL_FIELDS,
    FellegiSunter,
    apply_crosswalk,
    audit_columns,
    audit_tables,
    blocking_summary,
    candidate_pairs,
    compare_pairs,
    completeness,
    consonant_skeleton,
    crosswalk,
    duplicate_impact,
    evaluate_links,
    golden_records,
    likely_duplicates,
    link_febrl,
    link_records,
    name_similarity,
    normalise_email,
    normalise_phone,
    normalise_text,
    precision_recall_table,
    privacy_view,
    pseudonymise,
    resolve_customers,
    source_quality,
    stack_sources,
    truth_links_from_identity,
)

SALT = "a-test-salt-1234"


def _customers() -> pd.DataFrame:
    """Seven records of four people: typos, Persian letter variants, transliteration, diacritics."""
    rows = [
        # person A: web sign-up and a store record with a typo and another e-mail format
        ("W1", "Anna Berg", "anna.berg@gmail.com", "+49 30 1234567", "Hauptstr. 5, Berlin", "1980-04-02", "web_signup", "2023-01-10", "A"),
        ("S1", "Berg Ana", "annaberg+shop@gmail.com", "030-1234567", "Hauptstrasse 5 Berlin", "1980-04-02", "store", "2023-06-01", "A"),
        # person B: Persian with Arabic yeh/kaf in one system, Persian letters in the other
        ("W2", "علي كريمي", None, "0912 345 6789", "تهران", "1975-11-20", "web_signup", "2022-03-03", "B"),
        ("L2", "علی کریمی", "ali.karimi@mail.ir", "09123456789", None, "1975-11-20", "purchased_list", "2023-09-09", "B"),
        # person C: Vietnamese with and without diacritics
        ("S3", "Nguyễn Thị Ánh", "anh.nguyen@example.vn", "0901 222 333", "12 Lê Lợi, Huế", "1990-07-15", "store", "2021-05-05", "C"),
        ("L3", "Nguyen Thi Anh", "anh.nguyen@example.vn", None, "12 Le Loi, Hue", None, "purchased_list", "2023-02-02", "C"),
        # person D: alone
        ("W4", "Mohammad Rezaei", "m.rezaei@example.com", "+98 21 5550000", "Shiraz", "1988-01-30", "web_signup", "2023-03-03", "D"),
    ]
    frame = pd.DataFrame(
        rows,
        columns=["customer_id", "name", "email", "phone", "address", "birth_date", "source", "signup_date", "person"],
    )
    frame["birth_date"] = pd.to_datetime(frame["birth_date"])
    frame["signup_date"] = pd.to_datetime(frame["signup_date"])
    return frame


# --- text normalisation ----------------------------------------------------


def test_normalise_text_handles_vietnamese_diacritics_and_d_bar():
    assert normalise_text("  Nguyễn   ĐỨC Thắng ") == "nguyen duc thang"
    assert normalise_text("Trần Thị Ánh") == normalise_text("Tran Thi Anh")


def test_normalise_text_unifies_persian_letter_variants_and_zwnj():
    assert normalise_text("علي") == normalise_text("علی")  # Arabic vs Persian yeh
    assert normalise_text("كريم") == normalise_text("کریم")  # Arabic vs Persian kaf
    assert normalise_text("عبد\u200cالله") == normalise_text("عبدالله")  # zero-width non-joiner
    assert normalise_text("۱۳۶۰") == "1360"  # Persian digits


def test_consonant_skeleton_matches_persian_and_latin():
    assert consonant_skeleton("محمد") == consonant_skeleton("Mohammad") == "mhmd"
    assert consonant_skeleton("حسین") == consonant_skeleton("Hossein")
    assert consonant_skeleton("محمد رضایی") == consonant_skeleton("Rezaei Mohammad")


def test_name_similarity_mixed_scripts_swaps_and_missing():
    same_cross_script = name_similarity(normalise_text("محمد رضایی"), normalise_text("Mohammad Rezaei"))
    different_cross_script = name_similarity(normalise_text("محمد رضایی"), normalise_text("Anna Berg"))
    assert same_cross_script >= 0.92 > different_cross_script
    assert name_similarity("anna berg", "berg anna") == 1.0
    assert np.isnan(name_similarity("", "anna"))


def test_normalise_email_and_phone_formats():
    emails = normalise_email(pd.Series(["Anna.Berg+x@GMail.com", "annaberg@googlemail.com", None, "  "]))
    assert emails.iloc[0] == emails.iloc[1] == "annaberg@gmail.com"
    assert emails.iloc[2:].isna().all()
    phones = normalise_phone(pd.Series(["+49 30 1234567", "0049301234567", "030-1234567", "12"]))
    assert phones.iloc[0] == phones.iloc[1] == phones.iloc[2]
    assert pd.isna(phones.iloc[3])


# --- audit -----------------------------------------------------------------


def test_audit_columns_counts_filled_and_valid():
    table = pd.DataFrame(
        {
            "customer_id": ["1", "2", "3", "4"],
            "email": ["a@b.com", "not an email", None, "c@d.org"],
            "phone": ["+49 30 123456", "12", "", None],
        }
    )
    audit = audit_columns(table)
    assert audit.loc["email", "filled"] == 0.75
    assert audit.loc["email", "valid"] == pytest.approx(2 / 3)
    assert audit.loc["email", "n_invalid"] == 1
    assert audit.loc["phone", "filled"] == 0.5
    assert audit.loc["phone", "n_invalid"] == 1
    assert np.isnan(audit.loc["customer_id", "valid"])


def test_audit_dates_in_future_are_invalid():
    table = pd.DataFrame({"signup_date": pd.to_datetime(["2020-01-01", "2031-01-01"])})
    assert audit_columns(table, observation_end="2024-12-31").loc["signup_date", "n_invalid"] == 1


def test_completeness_counts_an_absent_column_as_empty():
    table = pd.DataFrame({"customer_id": ["1", "2"], "name": ["A", None], "email": ["a@b.com", "b@c.com"]})
    # name 0.5, email 1.0, phone and address absent -> 0
    assert completeness(table) == pytest.approx(1.5 / 4)


def test_completeness_rejects_empty_table():
    with pytest.raises(ValueError, match="empty"):
        completeness(pd.DataFrame(columns=["customer_id", "name"]))


def test_likely_duplicates_on_normalised_keys():
    table = _customers()
    counts = likely_duplicates(table)
    assert counts.loc["same e-mail", "records"] == 4  # A (gmail variants) and C
    assert counts.loc["same phone", "records"] == 4  # A and B
    assert counts.loc["same name + birth date", "records"] == 2  # B after letter unification
    assert counts.loc["any rule", "records"] == 6


def test_audit_tables_reports_rows_ids_and_duplicates():
    customers = _customers()
    transactions = pd.DataFrame(
        {"customer_id": ["W1", "W1", "S1"], "date": pd.to_datetime(["2023-01-01"] * 2 + ["2023-02-01"]), "amount": [5.0, 5.0, 7.0]}
    )
    audit = audit_tables({"customers": customers, "transactions": transactions})
    assert audit.loc["customers", "rows"] == 7
    assert audit.loc["transactions", "customer_ids"] == 2
    assert audit.loc["transactions", "exact_duplicate_rows"] == 1
    assert audit.loc["transactions", "latest_date"] == pd.Timestamp("2023-02-01")
    with pytest.raises(ValueError, match="'customers' is empty"):
        audit_tables({"customers": customers.iloc[:0]})


# --- blocking, comparison, model ---------------------------------------------


def test_candidate_pairs_dedup_excludes_self_pairs_and_repeats():
    records = _customers().set_index("customer_id")
    pairs = candidate_pairs(records, blocking=[["birth_date"], ["email"]], kinds={"email": "email", "birth_date": "date"})
    # Each pair once, the smaller id first, sorted by id: the same whatever the row order.
    assert pairs.to_numpy().tolist() == [["L2", "W2"], ["L3", "S3"], ["S1", "W1"]]
    shuffled = candidate_pairs(records.iloc[::-1], blocking=[["birth_date"], ["email"]],
                               kinds={"email": "email", "birth_date": "date"})
    pd.testing.assert_frame_equal(shuffled, pairs)


def test_blocking_on_skeleton_links_persian_and_latin_records():
    left = pd.DataFrame({"name": ["محمد رضایی", "Anna Berg"]}, index=["p1", "p2"])
    right = pd.DataFrame({"name": ["Mohammad Rezaei", "Ali Karimi"]}, index=["q1", "q2"])
    pairs = candidate_pairs(left, right, blocking=[["name|skeleton"]])
    assert pairs.values.tolist() == [["p1", "q1"]]


def test_blocking_summary_reduction_ratio_and_pairs_completeness():
    records = _customers().set_index("customer_id")
    truth = truth_links_from_identity(records["person"])
    summary = blocking_summary(records, blocking=[["birth_date"]], kinds={"birth_date": "date"}, true_links=truth)
    union = summary.loc["any key (union)"]
    assert union["pairs"] == 2  # A and B share birth dates; C's second record has none
    assert union["reduction_ratio"] == pytest.approx(1 - 2 / 21)
    assert union["pairs_completeness"] == pytest.approx(2 / 3)


def test_compare_pairs_levels_and_missing():
    left = pd.DataFrame({"name": ["Anna Berg", "Ali"], "birth_date": ["19800402", None]}, index=["a", "b"])
    right = pd.DataFrame({"name": ["Ana Berg", "Zoe"], "birth_date": ["19800204", "19800402"]}, index=["x", "y"])
    pairs = pd.DataFrame({"id_1": ["a", "b"], "id_2": ["x", "y"]})
    levels = compare_pairs(left, right, pairs, fields={"name": "name", "birth_date": "date"})
    assert levels["name"].tolist() == [2, 0]
    assert levels["birth_date"].tolist() == [2, -1]  # day and month swapped; missing


def test_fellegi_sunter_learns_that_agreement_is_evidence():
    rng = np.random.default_rng(0)
    matches = pd.DataFrame({"a": rng.choice([0, 1], 200, p=[0.05, 0.95]), "b": rng.choice([0, 1], 200, p=[0.1, 0.9])})
    others = pd.DataFrame({"a": rng.choice([0, 1], 2000, p=[0.9, 0.1]), "b": rng.choice([0, 1], 2000, p=[0.8, 0.2])})
    model = FellegiSunter().fit(pd.concat([matches, others], ignore_index=True))
    assert model.match_share_ == pytest.approx(200 / 2200, abs=0.03)
    assert model.m_["a"][1] > 0.85 and model.u_["a"][1] < 0.15
    weights = model.match_weight(pd.DataFrame({"a": [1, 0, -1], "b": [1, 0, -1]}))
    assert weights[0] > 0 > weights[1]
    assert weights[2] == pytest.approx(np.log2(model.match_share_ / (1 - model.match_share_)))  # missing = no evidence


def test_evaluate_links_ignores_order_for_deduplication():
    links = pd.DataFrame({"id_1": ["b", "c"], "id_2": ["a", "d"]})
    truth = pd.DataFrame({"rec_id_1": ["a", "e"], "rec_id_2": ["b", "f"]})
    scores = evaluate_links(links, truth, task="deduplicate")
    assert (scores["precision"], scores["recall"], scores["f1"]) == (0.5, 0.5, 0.5)
    with pytest.raises(ValueError, match="task must be"):
        evaluate_links(links, truth, task="merge")


# --- bad inputs -----------------------------------------------------------------


def test_empty_source_is_rejected():
    records = _customers().set_index("customer_id")
    with pytest.raises(ValueError, match="right source is empty"):
        link_records(records, records.iloc[:0], fields={"name": "name"}, blocking=[["name"]])
    with pytest.raises(ValueError, match="source 'web' is empty"):
        stack_sources({"web": _customers().iloc[:0], "store": _customers()})


def test_two_sources_with_no_common_field_are_rejected():
    web = pd.DataFrame({"customer_id": ["1"], "email": ["a@b.com"]})
    store = pd.DataFrame({"customer_id": ["2"], "phone": ["0301234567"]})
    with pytest.raises(ValueError, match="no common field to match on"):
        stack_sources({"web": web, "store": store})


def test_a_column_that_is_entirely_missing_is_rejected_or_skipped():
    records = _customers().set_index("customer_id")
    records["email"] = pd.NA
    with pytest.raises(ValueError, match="'email' is entirely missing"):
        link_records(records, fields={"name": "name", "email": "email"}, blocking=[["name"]])
    resolution = resolve_customers(_customers().assign(email=None))
    assert "email" in resolution.skipped and "email" not in resolution.fields


def test_ids_that_collide_across_sources():
    web = _customers().iloc[:3]
    store = _customers().iloc[3:].assign(customer_id=["W1", "X2", "X3", "X4"])
    with pytest.raises(ValueError, match="occur in more than one source.*qualify_ids=True"):
        stack_sources({"web": web, "store": store})
    stacked = stack_sources({"web": web, "store": store}, qualify_ids=True)
    assert stacked["customer_id"].is_unique
    assert {"web:W1", "store:W1"} <= set(stacked["customer_id"])


def test_unknown_field_kind_blocking_and_threshold_are_rejected():
    records = _customers().set_index("customer_id")
    with pytest.raises(ValueError, match="unknown kind 'fuzzy'"):
        link_records(records, fields={"name": "fuzzy"}, blocking=[["name"]])
    with pytest.raises(ValueError, match="unknown transform 'nysiis'"):
        candidate_pairs(records, blocking=[["name|nysiis"]])
    with pytest.raises(ValueError, match="no column 'surname'"):  # was a bare KeyError (issue 8)
        candidate_pairs(records, blocking=[["surname"]])
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        link_records(records, fields={"name": "name"}, blocking=[["name"]], threshold=1.0)


def test_duplicate_record_ids_are_rejected():
    records = _customers().set_index("customer_id")
    doubled = pd.concat([records, records.iloc[:1]])
    with pytest.raises(ValueError, match="record ids .* must be unique"):
        candidate_pairs(doubled, blocking=[["name"]])


# --- resolution on mixed scripts -------------------------------------------------


def test_resolve_customers_finds_the_planted_duplicates():
    customers = _customers()
    resolution = resolve_customers(customers)
    truth = truth_links_from_identity(customers.set_index("customer_id")["person"])
    scores = evaluate_links(resolution.linkage.links, truth, task="deduplicate")
    assert scores["recall"] == 1.0 and scores["precision"] == 1.0
    assert resolution.n_customers == 4
    assert resolution.duplicate_rate == pytest.approx(3 / 7)


# --- single customer view ---------------------------------------------------------


def test_crosswalk_groups_connected_records_and_numbers_them_stably():
    links = pd.DataFrame({"id_1": ["b", "c"], "id_2": ["c", "d"]})
    walk = crosswalk(["a", "b", "c", "d", "e"], links)
    assert walk.set_index("record_id")["customer_key"].to_dict() == {
        "a": "C000001", "b": "C000002", "c": "C000002", "d": "C000002", "e": "C000003"
    }
    assert walk["n_records"].tolist() == [1, 3, 3, 3, 1]
    with pytest.raises(ValueError, match="not among record_ids"):
        crosswalk(["a"], links)


def test_crosswalk_applied_to_transactions():
    walk = crosswalk(["W1", "S1", "W2"], pd.DataFrame({"id_1": ["W1"], "id_2": ["S1"]}))
    transactions = pd.DataFrame({"customer_id": ["W1", "S1", "W2"], "amount": [1.0, 2.0, 3.0]})
    merged = apply_crosswalk(transactions, walk)
    assert merged.groupby("customer_id")["amount"].sum().to_dict() == {"C000001": 3.0, "C000002": 3.0}
    assert merged["record_id"].tolist() == ["W1", "S1", "W2"]
    assert transactions["customer_id"].tolist() == ["W1", "S1", "W2"]  # input untouched
    with pytest.raises(ValueError, match="1 of 2 rows have a customer_id the crosswalk does not know"):
        apply_crosswalk(pd.DataFrame({"customer_id": ["W1", "ZZ"]}), walk)
    kept = apply_crosswalk(pd.DataFrame({"customer_id": ["W1", "ZZ"]}), walk, unmapped="keep")
    assert kept["customer_id"].tolist() == ["C000001", "ZZ"]


def test_golden_record_survivorship_rules():
    customers = _customers()
    person_a = customers[customers["person"] == "A"]
    walk = crosswalk(person_a["customer_id"], pd.DataFrame({"id_1": ["W1"], "id_2": ["S1"]}))
    golden = golden_records(person_a, walk).iloc[0]
    assert golden["email"] == "annaberg+shop@gmail.com"  # most recent record (store, June)
    assert golden["source"] == "web_signup"  # acquired first through the web
    assert golden["signup_date"] == pd.Timestamp("2023-01-10")
    assert golden["n_records"] == 2 and golden["sources"] == "store+web_signup"
    trusted = golden_records(person_a, walk, rules={"email": "source_priority"}, source_priority=["web_signup"])
    assert trusted.iloc[0]["email"] == "anna.berg@gmail.com"
    with pytest.raises(ValueError, match="unknown survivorship rule"):
        golden_records(person_a, walk, rules={"email": "newest"})


def test_golden_record_falls_back_when_preferred_record_is_empty():
    customers = _customers()
    person_c = customers[customers["person"] == "C"]  # the newer record has no phone
    walk = crosswalk(person_c["customer_id"], pd.DataFrame({"id_1": ["S3"], "id_2": ["L3"]}))
    assert golden_records(person_c, walk).iloc[0]["phone"] == "0901 222 333"


def test_duplicate_impact_and_source_quality():
    customers = _customers()
    walk = resolve_customers(customers).crosswalk
    transactions = pd.DataFrame(
        {
            "customer_id": ["W1", "S1", "W2", "L2", "S3", "W4"],
            "date": pd.to_datetime(["2023-01-15", "2023-07-01", "2023-03-05", "2023-09-10", "2021-06-01", "2023-04-01"]),
            "amount": [10.0, 20.0, 5.0, 5.0, 50.0, 8.0],
        }
    )
    # Nobody who bought in the first half of this window bought again: retention 0, every CLV 0 (issue 8: said so).
    with pytest.warns(IdicLabWarning, match="CLV rows compare nothing"):
        impact = duplicate_impact(transactions, walk, observation_end="2023-12-31")
    assert impact.loc["customer records (all)", "before"] == 7 and impact.loc["customer records (all)", "after"] == 4
    assert impact.loc["buying customers", "before"] == 6 and impact.loc["buying customers", "after"] == 4
    assert impact.loc["repeat-buyer share", "after"] == 0.5
    quality = source_quality(customers, walk, transactions=transactions)
    assert quality.loc["purchased_list", "records"] == 2
    assert quality.loc["purchased_list", "duplicate_rate"] == 1.0
    assert quality.loc["web_signup", "customers_acquired"] == 3  # A, B and D signed up on the web first
    assert quality["customers_acquired"].sum() == 4
    assert quality.loc["purchased_list", "buyer_share"] == 0.5  # L2 bought, L3 did not


def test_duplicate_impact_with_truth_and_simple_clv():
    customers = _customers()
    walk = crosswalk(customers["customer_id"], pd.DataFrame({"id_1": [], "id_2": []}))  # nothing merged
    true_walk = idf.crosswalk_from_identity(customers.set_index("customer_id")["person"])
    assert true_walk["customer_key"].nunique() == 4 and true_walk["n_records"].max() == 2
    transactions = pd.DataFrame(
        {
            "customer_id": ["W1", "S1", "W1", "S3", "L3", "W4"],
            "date": pd.to_datetime(["2023-01-15", "2023-11-01", "2023-12-01", "2023-02-01", "2023-10-01", "2023-03-01"]),
            "amount": [10.0, 20.0, 30.0, 50.0, 50.0, 8.0],
        }
    )
    impact = duplicate_impact(transactions, walk, observation_end="2023-12-31", true_walk=true_walk)
    assert list(impact.columns) == ["before", "after", "truth", "change"]
    assert impact.loc["buying customers", "before"] == 5 and impact.loc["buying customers", "truth"] == 3
    # Persons A and C bought in both halves of the year; record-level only W1 did.
    assert impact.loc["yearly retention", "truth"] > impact.loc["yearly retention", "before"]
    assert impact.loc["simple CLV per buying customer", "truth"] > impact.loc["simple CLV per buying customer", "before"]
    clv, retention = idf.simple_clv(transactions, observation_end="2023-12-31", annual_discount_rate=0.1)
    days = 351  # 2023-01-15 .. 2023-12-31; halves of 175.5 days
    # Of W1, S3, W4 (buying in the first half) only W1 buys again: 1/3 per half, as a yearly rate.
    assert retention == pytest.approx((1 / 3) ** (365.25 / (days / 2)))
    assert clv.loc["W1"] == pytest.approx(40.0 / (days / 365.25) * retention / (1.1 - retention))
    with pytest.raises(ValueError, match="annual_discount_rate"):
        idf.simple_clv(transactions, observation_end="2023-12-31", annual_discount_rate=1.5)
    anonymous = transactions.assign(customer_id=transactions["customer_id"].where(transactions.index > 0))
    with pytest.raises(ValueError, match="1 of 6 transactions have no customer_id; clean them first"):
        duplicate_impact(anonymous, walk, observation_end="2023-12-31")
    with pytest.raises(ValueError, match="no person id"):
        idf.crosswalk_from_identity(pd.Series(["P1", None], index=["a", "b"]))


# --- privacy -----------------------------------------------------------------------


def test_pseudonyms_are_deterministic_per_salt_and_differ_across_salts():
    names = pd.Series(["Anna Berg", "anna  berg", None, "علي"])
    first = pseudonymise(names, salt=SALT)
    assert first.iloc[0] == first.iloc[1] == pseudonymise(names, salt=SALT).iloc[0]
    assert pd.isna(first.iloc[2])
    assert first.iloc[0] != pseudonymise(names, salt="another-salt-99").iloc[0]
    assert "anna" not in first.iloc[0].lower()
    with pytest.raises(ValueError, match="at least 8 characters"):
        pseudonymise(names, salt="short")


def test_privacy_view_hides_pii_by_default():
    customers = _customers()
    safe = privacy_view(customers, salt=SALT)
    text = safe.to_string()
    for secret in ("Anna", "anna.berg@gmail.com", "1234567", "علي"):
        assert secret not in text
    assert safe["customer_id"].tolist() == customers["customer_id"].tolist()
    assert privacy_view(customers, salt=SALT, show_pii=True).equals(customers)


def test_privacy_view_shows_a_missing_value_as_a_dash_not_nan():
    customers = _customers()
    customers.loc[customers.index[0], "email"] = None
    safe = privacy_view(customers, salt=SALT)
    missing = customers["email"].isna().to_numpy()
    assert missing[0] and not missing.all()
    assert (safe["email"].eq("—").to_numpy() == missing).all() and safe["email"].notna().all()
    assert "NaN" not in safe.to_html() and "<NA>" not in safe.to_html()


# --- published benchmarks (unsupervised; labels used only to score) ------------------


def test_febrl4_linking_reaches_target():
    # Speed is measured by benchmarks/bench_identify.py, not asserted here.
    data, result = link_febrl("febrl4")
    scores = evaluate_links(result.links, data.true_links, task="link")
    assert scores["f1"] >= 0.95, scores
    curve = precision_recall_table(result, data.true_links)
    assert curve["recall"].is_monotonic_increasing and curve["f1"].max() >= scores["f1"] - 1e-9


def test_febrl3_deduplication_reaches_target():
    data, result = link_febrl("febrl3")
    scores = evaluate_links(result.links, data.true_links, task="deduplicate")
    assert scores["f1"] >= 0.90, scores
    summary = blocking_summary(data.records, blocking=idf.FEBRL_BLOCKING, kinds=FEBRL_FIELDS, true_links=data.true_links)
    assert summary.loc["any key (union)", "pairs_completeness"] >= 0.99
    assert summary.loc["any key (union)", "reduction_ratio"] >= 0.99


def test_synthetic_world_resolution_against_its_truth():
    from idic_lab.synth import make_crm_world

    world = make_crm_world(n_customers=600, seed=3)
    customers = world.customers
    before = customers.copy()
    resolution = resolve_customers(customers)
    pd.testing.assert_frame_equal(customers, before)  # inputs are never changed
    truth = truth_links_from_identity(world.truth.identity)
    scores = evaluate_links(resolution.linkage.links, truth, task="deduplicate")
    # recall is capped by blocking: keys pairing a name with a second field (CUSTOMER_BLOCKING) miss the
    # duplicates that share only a name, which no model can tell from namesakes as the records grow
    assert scores["precision"] >= 0.9 and scores["recall"] >= 0.7, scores
    persons = world.truth.identity.nunique()
    assert abs(resolution.n_customers - persons) / persons < 0.1
    transactions = world.transactions.dropna(subset=["customer_id"])
    scv = idf.apply_crosswalk(transactions, resolution.crosswalk)
    assert scv["customer_id"].nunique() < transactions["customer_id"].nunique()
    assert len(scv) == len(transactions)


def test_link_febrl_rejects_other_names():
    with pytest.raises(ValueError, match="not a FEBRL data set"):
        link_febrl("cdnow")


# --- the notebook on a client's files: resolution and no personal data in the output ----------


@pytest.mark.notebook
def test_notebook_on_client_files_merges_duplicates_and_shows_no_pii(tmp_path):
    import importlib.util
    import json
    from pathlib import Path

    from idic_lab.report import run_notebook

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("c01_identify", root / "tests" / "notebook_cases" / "c01_identify.py")
    cases = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cases)
    run = run_notebook(root / "notebooks" / "01_identify.ipynb", tmp_path / "01.ipynb",
                       parameters=cases._client_files(tmp_path))
    assert run.ok, run.error
    # 8 people, 12 records: the 4 copies (typo, no diacritics, Arabic letters) are merged.
    assert run.results["identify.n_records"] == 12 and run.results["identify.n_customers"] == 8
    executed = json.loads(Path(run.executed).read_text(encoding="utf-8"))
    shown = json.dumps([cell.get("outputs", []) for cell in executed["cells"]], ensure_ascii=False)
    secrets = [p[0] for p in cases._PEOPLE] + [p[1] for p in cases._PEOPLE] + [p[2] for p in cases._PEOPLE]
    secrets += [c[0] for c in cases._COPIES] + [c[1] for c in cases._COPIES if c[1]]
    secrets += [f"K{n:04d}" for n in range(1, 9)] + [f"N{n:04d}" for n in range(1, 5)]  # client ids: pseudonymised
    leaked = [s for s in secrets if s in shown or s.lower() in shown.lower()]
    assert not leaked, f"personal data in the notebook's outputs: {leaked}"
    # Client mode: only the client's files, and the report's vocabulary.
    assert "synthetic" not in shown.lower()
    assert not [k for k in run.results if "synthetic" in k or "febrl" in k]
    assert run.results["report.data.customers"]["file"] == "kunden_shop.csv, newsletter.csv"
    assert run.results["report.cleaning.transactions"]["file"] == "umsaetze.csv"
    findings = [f["text"] for f in run.results["report.findings"]]
    assert "12 customer records belong to 8 customers: 33.3 % of the records are duplicates of another record." in findings
    assert len(findings) == 3 and not run.results.get("report.problems")


def _client_copy(notebook, parameters: dict, out):
    """The notebook as a client run executes it: teaching cells and cells needing an empty parameter removed."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    empty = {name for name, value in parameters.items() if value in ("", [], {}, None)}
    declared = {"transactions_file", "interactions_file", "responses_file"} - set(parameters)
    kept = []
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        needs = {t.split(":", 1)[1] for t in tags if t.startswith("needs:")}
        if "teaching" in tags or needs & (empty | declared):
            continue
        kept.append(cell)
    nb.cells = kept
    nbformat.write(nb, out)
    return out


@pytest.mark.notebook
def test_notebook_in_a_client_run_without_teaching_cells_or_transactions(tmp_path):
    """As the runner strips it: no kept cell depends on a teaching cell or on a section left out."""
    import importlib.util
    import json
    from pathlib import Path

    from idic_lab.report import run_notebook

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("c01_identify", root / "tests" / "notebook_cases" / "c01_identify.py")
    cases = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cases)
    parameters = cases._customers_only(tmp_path)
    copy = _client_copy(root / "notebooks" / "01_identify.ipynb", parameters, tmp_path / "client_01.ipynb")
    run = run_notebook(copy, tmp_path / "out" / "01.ipynb", parameters=parameters)
    assert run.ok, run.error
    executed = json.loads(Path(run.executed).read_text(encoding="utf-8"))
    shown = [cell["source"] if cell["cell_type"] == "markdown" else cell.get("outputs", []) for cell in executed["cells"]]
    text = json.dumps(shown, ensure_ascii=False)  # what a page shows with the code hidden
    for word in ("synthetic", "Learning objectives", "Exercise", "FEBRL", "Consultants"):
        assert word not in text, word
    assert run.results["identify.n_customers"] == 8 and "report.cleaning.transactions" not in run.results


# --- load_inputs: the notebook's data, from the synthetic world or a client's files ----------


def test_load_inputs_synthetic_default_has_identity_and_the_worlds_end():
    from idic_lab.datasets import load_dataset

    inputs = idf.load_inputs(synthetic_customers=200, seed=3)
    world = load_dataset("synthetic", n_customers=200, seed=3)
    assert isinstance(inputs, idf.IdentifyInputs)
    assert inputs.source == "synthetic world"
    assert inputs.identity is not None and len(inputs.identity) == len(inputs.customers)
    assert inputs.observation_end == str(world.observation_end.date())
    assert inputs.cleaning is not None and inputs.cleaning.rows_out == len(inputs.transactions)
    assert inputs.transactions["date"].max() <= world.observation_end
    assert inputs.interactions is not None and len(inputs.interactions) > 0
    assert inputs.summary().startswith(f"{len(inputs.customers):,} customer records from 3 source(s); ")
    assert inputs.summary().endswith(f"observation end {inputs.observation_end}")
    with pytest.raises(AttributeError):
        inputs.observation_end = "2020-01-01"  # frozen


def test_load_inputs_synthetic_observation_end_parameter_wins():
    inputs = idf.load_inputs(synthetic_customers=200, seed=3, observation_end="2024-06-30")
    assert inputs.observation_end == "2024-06-30"
    assert inputs.transactions["date"].max() <= pd.Timestamp("2024-06-30")
    assert inputs.cleaning.rows_in > inputs.cleaning.rows_out


def _client_exports(tmp_path):
    customers = pd.DataFrame({
        "Nr": ["K1", "K2", "K3"],
        "Name": ["Anna Berg", "Jonas Weber", "Ana Berg"],
        "Mail": ["anna@example.de", "jonas@example.de", "anna@example.de"],
        "Seit": ["01.02.2023", "03.04.2023", "05.06.2023"],
    })
    transactions = pd.DataFrame({
        "Nr": ["K1", "K2", "K3", "K1"],
        "Datum": ["03.02.2023", "05.03.2023", "10.03.2023", "20.07.2023"],
        "Betrag": ["19.90", "99.00", "12.50", "7.00"],
    })
    interactions = pd.DataFrame({
        "Nr": ["K1", "K2"],
        "Wann": ["04.02.2023", "06.03.2023"],
        "Kanal": ["email", "phone"],
    })
    paths = {name: tmp_path / f"{name}.csv" for name in ("kunden", "umsaetze", "kontakte")}
    customers.to_csv(paths["kunden"], index=False)
    transactions.to_csv(paths["umsaetze"], index=False)
    interactions.to_csv(paths["kontakte"], index=False)
    return paths


def _client_kwargs(paths):
    return dict(
        customer_files=[str(paths["kunden"])],
        customer_columns={"customer_id": "Nr", "name": "Name", "email": "Mail", "signup_date": "Seit"},
        transactions_file=str(paths["umsaetze"]),
        transaction_columns={"customer_id": "Nr", "date": "Datum", "amount": "Betrag"},
        interactions_file=str(paths["kontakte"]),
        interaction_columns={"customer_id": "Nr", "timestamp": "Wann", "channel": "Kanal"},
        date_format="%d.%m.%Y",
    )


def test_load_inputs_client_files_map_columns_and_end_at_the_last_transaction(tmp_path):
    import copy

    kwargs = _client_kwargs(_client_exports(tmp_path))
    given = copy.deepcopy(kwargs)
    inputs = idf.load_inputs(**kwargs)
    assert kwargs == given  # nothing given is changed
    assert inputs.identity is None
    assert inputs.source == "kunden.csv"
    assert list(inputs.customers["customer_id"]) == ["K1", "K2", "K3"]
    assert set(inputs.customers["source"]) == {"kunden"}
    assert inputs.customers["signup_date"].iloc[1] == pd.Timestamp("2023-04-03")
    assert list(inputs.transactions["amount"]) == [19.90, 99.00, 12.50, 7.00]
    assert inputs.observation_end == "2023-07-20"  # the last transaction date
    assert list(inputs.interactions["channel"]) == ["email", "phone"]
    assert inputs.summary() == ("3 customer records from 1 source(s); 4 clean transactions; 2 interactions; "
                                "observation end 2023-07-20")


def test_load_inputs_client_observation_end_parameter_drops_later_rows(tmp_path):
    kwargs = _client_kwargs(_client_exports(tmp_path))
    inputs = idf.load_inputs(**kwargs, observation_end="2023-06-30")
    assert inputs.observation_end == "2023-06-30"
    assert len(inputs.transactions) == 3 and inputs.cleaning.rows_in == 4


def test_load_inputs_client_without_transactions_has_no_end_or_cleaning(tmp_path):
    paths = _client_exports(tmp_path)
    inputs = idf.load_inputs(
        customer_files=[paths["kunden"]], customer_columns='{"customer_id": "Nr", "name": "Name"}',
    )
    assert inputs.transactions is None and inputs.interactions is None and inputs.cleaning is None
    assert inputs.observation_end is None and inputs.identity is None
    assert inputs.summary().endswith("0 clean transactions; 0 interactions; observation end None")


def test_load_inputs_rejects_bad_inputs(tmp_path):
    kwargs = _client_kwargs(_client_exports(tmp_path))
    with pytest.raises(ValueError, match="1 files but 2 source names"):
        idf.load_inputs(**kwargs | {"source_names": ["a", "b"]})
    with pytest.raises(ValueError, match=r"transaction_columns: expected a dict .* found list \['Nr', 'Datum'\]"):
        idf.load_inputs(**kwargs | {"transaction_columns": '["Nr", "Datum"]'})
    with pytest.raises(ValueError, match="Betrag_falsch"):
        idf.load_inputs(**kwargs | {"transaction_columns": {"customer_id": "Nr", "date": "Datum",
                                                            "amount": "Betrag_falsch"}})


# --- issue 8: degenerate inputs, clear errors, warnings, total order -----------------------------------


def test_one_record_and_no_candidate_pairs_give_the_right_answer():
    one = resolve_customers(_customers().iloc[:1])
    assert one.n_customers == 1 and one.linkage.links.empty and one.duplicate_rate == 0
    assert candidate_pairs(_customers().set_index("customer_id").iloc[:1], blocking=[["email"]]).empty
    distinct = _customers().assign(email=[f"p{n}@x.de" for n in range(7)]).drop(columns=["phone", "birth_date"])
    with pytest.warns(IdicLabWarning, match="blocking found no candidate pairs among 21 possible pairs"):
        alone = resolve_customers(distinct, blocking=[["email"]])
    assert alone.n_customers == 7
    with pytest.raises(ValueError, match="not fitted yet"):
        alone.linkage.model.weights_table()


def test_fellegi_sunter_warns_when_the_fit_cannot_be_trusted():
    with pytest.warns(IdicLabWarning, match="all 4 candidate pairs show the same agreement pattern"):
        FellegiSunter().fit(pd.DataFrame({"a": [1] * 4, "b": [2] * 4}))
    mixed = pd.DataFrame({"a": [1] * 30 + [0] * 700, "b": [1] * 30 + [0] * 500 + [1] * 200})
    with pytest.warns(IdicLabWarning, match="EM did not converge in max_iter=1"):
        model = FellegiSunter(max_iter=1).fit(mixed)
    assert not model.converged_
    assert FellegiSunter().fit(mixed).converged_
    household = pd.DataFrame([(1, 0, 0)] * 3000 + [(0, 1, 1)] * 300 + [(1, 1, 1)] * 10, columns=list("abc"))
    with pytest.warns(IdicLabWarning, match=r"agreement counts against a match .* on a \(full agreement -"):
        FellegiSunter().fit(household)


def test_fellegi_sunter_refuses_bad_levels_and_parameters():
    with pytest.raises(ValueError, match=r"level column 'a' .* 1 of 2 values are not \(e.g. \[nan\]\)"):
        FellegiSunter().fit(pd.DataFrame({"a": [1, np.nan]}))
    with pytest.raises(ValueError, match="level column 'a'"):
        FellegiSunter().fit(pd.DataFrame({"a": ["x", "y"]}))
    with pytest.raises(ValueError, match="initial_match_share must be a share strictly between 0 and 1"):
        FellegiSunter(initial_match_share=1.0).fit(pd.DataFrame({"a": [1, 0]}))
    with pytest.raises(ValueError, match="max_iter must be a whole number >= 1"):
        FellegiSunter(max_iter=0).fit(pd.DataFrame({"a": [1, 0]}))
    model = FellegiSunter().fit(pd.DataFrame({"a": [1, 0, 1, 0, 0], "b": [1, 0, 1, 1, 0]}))
    with pytest.raises(ValueError, match=r"level columns missing: \['b'\]"):
        model.predict_proba(pd.DataFrame({"a": [1]}))
    with pytest.raises(ValueError, match="not fitted yet"):
        FellegiSunter().match_weight(pd.DataFrame({"a": [1]}))


def test_link_records_refuses_far_more_matched_pairs_than_records_allow():
    names = ["Anna Berg", "Anne Berg", "Hanna Berg"]
    family = pd.DataFrame({"name": [names[i % 3] for i in range(12)], "email": ["berg@example.de"] * 12},
                          index=[f"r{i:02d}" for i in range(12)])
    with pytest.raises(ValueError, match=r"refused: the fitted model has collapsed"
                                         r".* 66 of the 66 candidate pairs .* more than twice the 12"):
        link_records(family, fields={"name": "name", "email": "email"}, blocking=[["email"]])


def test_text_dates_are_compared_year_first_and_never_guessed():
    left = pd.DataFrame({"birth_date": ["1980-4-2", "19800402", None]}, index=["a", "b", "c"])
    right = pd.DataFrame({"birth_date": ["1980-04-02", "1980-02-04", "1980-04-02"]}, index=["x", "y", "z"])
    pairs = pd.DataFrame({"id_1": ["a", "b", "c"], "id_2": ["x", "y", "z"]})
    levels = compare_pairs(left, right, pairs, fields={"birth_date": "date"})
    assert levels["birth_date"].tolist() == [3, 2, -1]  # same day; day and month swapped; missing
    dayfirst = left.assign(birth_date=["02/04/1980", "1980-04-02", "04.02.1980"])
    with pytest.raises(ValueError, match=r"'birth_date' \(kind 'date'\): 2 of 3 values .* not guessed"):
        compare_pairs(dayfirst, right, pairs, fields={"birth_date": "date"})
    with pytest.raises(ValueError, match="infinite"):
        candidate_pairs(pd.DataFrame({"postcode": [2000.0, np.inf]}, index=["a", "b"]), blocking=[["postcode"]],
                        kinds={"postcode": "code"})


def test_record_ids_are_text_checked_and_ordered():
    with pytest.raises(ValueError, match=r"column 'customer_id': 1 of 7 ids are missing"):
        resolve_customers(_customers().assign(customer_id=[None, "S1", "W2", "L2", "S3", "L3", "W4"]))
    with pytest.raises(ValueError, match=r"ids must be unique .* 2 of 7 rows"):
        resolve_customers(_customers().assign(customer_id=[1, "1", 2, 3, 4, 5, 6]))
    with pytest.raises(ValueError, match="index has 2 levels"):
        candidate_pairs(_customers().set_index(["source", "customer_id"]), blocking=[["email"]])
    as_floats = resolve_customers(_customers().assign(customer_id=[float(n) for n in range(10, 17)]))
    assert as_floats.crosswalk["record_id"].tolist() == [str(n) for n in range(10, 17)]
    with pytest.raises(ValueError, match="not usable as ids .* 2\\*\\*53"):
        stack_sources({"web": _customers().assign(customer_id=[2.0**60] + [float(n) for n in range(6)])})


def test_crosswalk_is_sorted_by_record_id_and_numbered_by_the_smallest():
    links = pd.DataFrame({"id_1": [100, 11], "id_2": [9, 2]})
    walk = crosswalk([100, 11, 9, 2, 10], links)
    assert walk["record_id"].tolist() == ["2", "9", "10", "11", "100"]  # digit ids in numeric order
    assert walk["customer_key"].tolist() == ["C000001", "C000002", "C000003", "C000001", "C000002"]
    pd.testing.assert_frame_equal(crosswalk([2, 10, 9, 100, 11], links), walk)
    with pytest.raises(ValueError, match="1 of 1 links contain record ids that are not among record_ids"):
        crosswalk(["a"], pd.DataFrame({"id_1": ["a"], "id_2": ["b"]}))
    with pytest.raises(ValueError, match="expected the columns id_1 and id_2"):
        crosswalk(["a"], pd.DataFrame({"left": ["a"]}))
    with pytest.raises(TypeError, match="single string"):
        crosswalk("abc", pd.DataFrame({"id_1": [], "id_2": []}))


def test_evaluate_links_says_when_precision_or_recall_is_undefined():
    links = pd.DataFrame({"id_1": ["a"], "id_2": ["b"]})
    no_truth = pd.DataFrame(columns=["rec_id_1", "rec_id_2"])
    with pytest.warns(IdicLabWarning, match=r"recall is undefined \(there are no true links\); reported as 0"):
        scores = evaluate_links(links, no_truth, task="deduplicate")
    assert scores["precision"] == 0.0 and scores["false_positives"] == 1
    with pytest.warns(IdicLabWarning, match="precision is undefined"):
        evaluate_links(links.iloc[:0], pd.DataFrame({"rec_id_1": ["a"], "rec_id_2": ["b"]}), task="link")
    numeric = evaluate_links(pd.DataFrame({"id_1": [2], "id_2": [1]}),
                             pd.DataFrame({"rec_id_1": ["1"], "rec_id_2": ["2"]}), task="deduplicate")
    assert numeric["f1"] == 1.0
    with pytest.raises(ValueError, match="true_links needs two columns"):
        evaluate_links(links, pd.DataFrame({"x": ["a"]}), task="link")
    with pytest.raises(ValueError, match="label_pairs: task must be"):
        idf.label_pairs(links, no_truth, task="dedup")


def test_apply_crosswalk_counts_unknown_ids_and_checks_the_walk():
    walk = crosswalk(["W1", "S1"], pd.DataFrame({"id_1": ["W1"], "id_2": ["S1"]}))
    table = pd.DataFrame({"customer_id": ["W1", "ZZ", "ZZ", "Q1"]})
    with pytest.raises(ValueError, match=r"3 of 4 rows .*\(2 distinct ids"):
        apply_crosswalk(table, walk)
    with pytest.raises(ValueError, match="1 of 2 ids are missing"):
        apply_crosswalk(pd.DataFrame({"customer_id": ["W1", None]}), walk, unmapped="keep")
    with pytest.raises(ValueError, match="walk.record_id: ids must be unique"):
        apply_crosswalk(table, pd.concat([walk, walk]))
    with pytest.raises(ValueError, match="already has a 'record_id' column"):
        apply_crosswalk(apply_crosswalk(table.iloc[:1], walk), walk)
    assert apply_crosswalk(pd.DataFrame({"customer_id": [1.0]}), crosswalk(["1"], links=pd.DataFrame(
        {"id_1": [], "id_2": []})))["customer_id"].tolist() == ["C000001"]


def test_golden_records_refuse_unknown_fields_and_text_dates_and_are_ordered():
    customers = _customers()
    walk = resolve_customers(customers).crosswalk
    with pytest.raises(ValueError, match=r"rules name field\(s\) \['emial'\]"):
        golden_records(customers, walk, rules={"emial": "most_recent"})
    with pytest.raises(TypeError, match="source_priority must be a list"):
        golden_records(customers, walk, source_priority="store")
    with pytest.raises(ValueError, match="signup_date must hold dates"):
        golden_records(customers.assign(signup_date=customers["signup_date"].dt.strftime("%d/%m/%Y")), walk)
    with pytest.raises(ValueError, match=r"1 of 7 customer records are not in the crosswalk"):
        golden_records(customers, walk.iloc[1:])
    golden = golden_records(customers, walk)
    assert golden.index.is_monotonic_increasing
    pd.testing.assert_frame_equal(golden_records(customers.iloc[::-1].set_axis(list("gfedcba")), walk), golden)


def test_rfm_and_clv_refuse_text_dates_and_non_finite_amounts():
    transactions = pd.DataFrame({"customer_id": ["a", "b", "a"], "amount": [1.0, 2.0, 3.0],
                                 "date": pd.to_datetime(["2023-01-01", "2023-06-01", "2023-09-01"])})
    with pytest.raises(ValueError, match="column 'date' must hold dates.* not guessed"):
        idf.rfm_segments(transactions.assign(date=["01/02/2023"] * 3), observation_end="2023-12-31")
    with pytest.raises(ValueError, match="1 of 3 transactions have a missing or infinite amount"):
        idf.simple_clv(transactions.assign(amount=[1.0, np.inf, 3.0]), observation_end="2023-12-31")
    with pytest.raises(ValueError, match="nanoseconds"):
        idf.rfm_segments(transactions, observation_end=20231231)
    with pytest.raises(ValueError, match="none of the 3 transactions is on or before observation_end=2020-01-01"):
        idf.rfm_segments(transactions, observation_end="2020-01-01")
    with pytest.raises(TypeError, match="annual_discount_rate must be a number"):
        idf.simple_clv(transactions, observation_end="2023-12-31", annual_discount_rate="0.1")
    assert idf.rfm_segments(transactions.assign(customer_id=[10, 9, 10]), observation_end="2023-12-31").index.tolist() == [9, 10]
    with pytest.warns(IdicLabWarning, match="retention is estimated as 0 and every CLV is 0"):
        idf.simple_clv(transactions.iloc[:1], observation_end="2023-12-31")
    with pytest.warns(IdicLabWarning, match="capped at 0.99"):
        idf.simple_clv(transactions.assign(customer_id="a"), observation_end="2023-09-30")


def test_source_quality_groups_records_without_source_and_has_no_undefined_values():
    customers = _customers().assign(source=["web_signup", None, "web_signup", " ", "store", "purchased_list", "web_signup"])
    walk = resolve_customers(customers).crosswalk
    transactions = pd.DataFrame({"customer_id": ["W1", "S1", "L3"], "amount": [10.0, 20.0, 5.0],
                                 "date": pd.to_datetime(["2023-01-01"] * 3)})
    quality = source_quality(customers, walk, transactions=transactions)
    assert list(quality.index) == ["(no source)", "purchased_list", "store", "web_signup"]
    assert quality["records"].sum() == 7 and quality.notna().all().all()
    assert quality.loc["purchased_list", "customers_acquired"] == 0
    assert quality.loc["purchased_list", "revenue_from_customers_acquired"] == 0.0
    assert quality["revenue_from_customers_acquired"].sum() == 35.0
    with pytest.raises(ValueError, match="no 'source' column"):
        source_quality(customers.drop(columns="source"), walk)


def test_likely_duplicates_joins_groups_across_rules():
    counts = likely_duplicates(_customers())
    assert counts.loc["any rule", "records"] == 6 and counts.loc["any rule", "groups"] == 3
    chain = pd.DataFrame({"email": ["a@x.de", "a@x.de", None], "phone": [None, "0301234567", "030 1234567"]})
    assert likely_duplicates(chain).loc["any rule"].tolist() == [3, 1]


def test_privacy_refuses_what_would_leak():
    customers = _customers()
    with pytest.raises(TypeError, match="show_pii must be True or False"):
        privacy_view(customers, salt=SALT, show_pii="no")
    with pytest.raises(ValueError, match=r"\['nmae'\] are not in the table"):
        idf.pseudonymise_table(customers, salt=SALT, columns=["nmae"])
    with pytest.raises(TypeError, match="columns must be a list"):
        idf.pseudonymise_table(customers, salt=SALT, columns="name")
    with pytest.raises(ValueError, match="found an empty string"):
        pseudonymise(customers["name"], salt="")
    with pytest.raises(ValueError, match="from 8 to 64"):
        pseudonymise(customers["name"], salt=SALT, length=0)
    blanks = pseudonymise(pd.Series(["", " ", None, "x"]), salt=SALT)
    assert blanks.iloc[:3].isna().all() and blanks.iloc[3] == pseudonymise(pd.Series(["X"]), salt=SALT).iloc[0]
    assert pseudonymise(pd.Series([1001.0]), salt=SALT).iloc[0] == pseudonymise(pd.Series([1001]), salt=SALT).iloc[0]


def test_text_functions_on_missing_and_wrong_input():
    assert normalise_text(np.nan) == normalise_text(None) == "" and consonant_skeleton(np.nan) == ""
    assert np.isnan(name_similarity(None, "anna"))
    with pytest.raises(TypeError, match="expected one text value"):
        normalise_text(["anna"])
    with pytest.raises(TypeError, match="normalise_text"):
        name_similarity(1.5, "anna")
    assert normalise_phone(pd.Series([4930123456.0])).iloc[0] == "930123456"
    with pytest.raises(ValueError, match="keep_last"):
        normalise_phone(pd.Series(["030 1234567"]), keep_last=2)


def test_load_customer_files_names_the_file_it_cannot_read(tmp_path):
    (tmp_path / "crm.parquet").write_bytes(b"not parquet")
    with pytest.raises(ValueError, match=r"crm\.parquet"):
        idf.load_customer_files([tmp_path / "crm.parquet"])
    with pytest.raises(ValueError, match=r"missing\.csv"):
        idf.load_customer_files([tmp_path / "missing.csv"])
    pd.DataFrame({"customer_id": ["1", "2"], "name": ["Anna", "Jonas"]}).to_csv(tmp_path / "crm.csv", index=False)
    single = idf.load_customer_files(str(tmp_path / "crm.csv"))  # one path, not a list of characters
    assert single["source"].tolist() == ["crm", "crm"]
    with pytest.raises(ValueError, match=r"source names \['x'\] occur more than once"):
        idf.load_customer_files([tmp_path / "crm.csv"] * 2, source_names=["x", "x"])


def test_load_inputs_refuses_client_parameters_without_customer_files():
    with pytest.raises(ValueError, match="transaction_columns, transactions_file are given but customer_files is empty"):
        idf.load_inputs(transactions_file="sales.csv", transaction_columns={"customer_id": "Nr"})
    with pytest.raises(ValueError, match="dayfirst is given"):
        idf.load_inputs(dayfirst=True)
    with pytest.raises(ValueError, match="observation_end='31/12/2023'"):
        idf.load_inputs(observation_end="31/12/2023")


# --- issue 9: client mode never draws the synthetic world; doubts are kept for the report --------------


def test_load_inputs_client_mode_reads_only_the_clients_files(tmp_path):
    paths = _client_exports(tmp_path)
    inputs = idf.load_inputs(mode="client", customer_files=[paths["kunden"]],
                             customer_columns={"customer_id": "Nr", "name": "Name"})
    assert inputs.source == "kunden.csv" and inputs.identity is None
    assert inputs.transactions is None and inputs.interactions is None  # not given: None, never synthetic
    full = idf.load_inputs(mode="client", **_client_kwargs(paths))
    assert list(full.customers["customer_id"]) == ["K1", "K2", "K3"] and len(full.transactions) == 4


def test_load_inputs_client_mode_without_customer_files_is_refused():
    with pytest.raises(ValueError, match=r"mode='client' but customer_files is empty.*never used instead"):
        idf.load_inputs(mode="client")
    with pytest.raises(ValueError, match=r"mode='client' but customer_files is empty"):
        idf.load_inputs(mode="client", synthetic_customers=200)
    with pytest.raises(ValueError, match=r"mode must be 'teaching' .* or 'client' .*got 'Client'"):
        idf.load_inputs(mode="Client")


def test_doubts_of_a_linkage_are_kept_for_the_report():
    assert resolve_customers(_customers()).doubts == ()
    distinct = _customers().assign(email=[f"p{n}@x.de" for n in range(7)]).drop(columns=["phone", "birth_date"])
    with pytest.warns(IdicLabWarning, match="blocking found no candidate pairs"):
        alone = resolve_customers(distinct, blocking=[["email"]])
    assert len(alone.doubts) == 1 and alone.doubts[0].startswith("blocking found no candidate pairs among 21")
    mixed = pd.DataFrame({"a": [1] * 30 + [0] * 700, "b": [1] * 30 + [0] * 500 + [1] * 200})
    with pytest.warns(IdicLabWarning, match="EM did not converge"):
        model = FellegiSunter(max_iter=1).fit(mixed)
    assert len(model.doubts_) == 1 and model.doubts_[0].startswith("EM did not converge in max_iter=1")
    assert FellegiSunter().fit(mixed).doubts_ == ()


def test_load_inputs_refuses_non_product_codes_that_are_not_a_list():
    with pytest.raises(TypeError, match=r"non_product_codes='POST': expected a list of product codes"):
        idf.load_inputs(non_product_codes="POST")


def test_precision_recall_plot_of_two_benchmarks_has_distinct_labels_and_zooms():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from idic_lab.plotting import plot_precision_recall

    curve_a = pd.DataFrame({"recall": [0.2, 0.95, 0.999, 0.999], "precision": [1.0, 1.0, 1.0, 0.3]})
    curve_b = pd.DataFrame({"recall": [0.1, 0.9, 0.995, 0.996], "precision": [1.0, 1.0, 1.0, 0.6]})
    ax = plot_precision_recall(curve_a, chosen={"recall": 0.999, "precision": 1.0}, label="FEBRL4", recall_from=0.99)
    plot_precision_recall(curve_b, chosen={"recall": 0.995, "precision": 1.0}, label="FEBRL3", ax=ax, recall_from=0.99)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert len(labels) == 4 and len(set(labels)) == 4, labels
    assert ax.get_xlim()[0] == 0.99  # zoomed to where the curves differ
    assert ax.get_ylim()[0] == pytest.approx(0.28)  # the lowest precision of both curves in the zoom, with a margin
    with pytest.raises(ValueError, match="recall_from"):
        plot_precision_recall(curve_a, recall_from=1.0)
    plt.close("all")


def test_compare_sources_adds_revenue_per_customer_acquired_and_names_the_worst_source():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from idic_lab.plotting import plot_source_quality

    customers = _customers()
    walk = resolve_customers(customers).crosswalk
    transactions = pd.DataFrame({"customer_id": ["W1", "S1", "W2", "L2", "S3", "W4"],
                                 "date": pd.to_datetime(["2023-01-15"] * 6),
                                 "amount": [10.0, 20.0, 5.0, 5.0, 50.0, 8.0]})
    sources = idf.compare_sources(customers, walk, transactions=transactions)
    table = sources.table
    expected = table["revenue_from_customers_acquired"] / table["customers_acquired"]
    pd.testing.assert_series_equal(table["revenue_per_customer_acquired"], expected, check_names=False)
    headline = sources.headline()
    assert headline["worst"]["completeness"] == table["completeness"].idxmin()
    assert headline["worst"]["duplicate_rate"] == table["duplicate_rate"].idxmax()
    assert set(headline["completeness"]) == set(table.index)
    ax = plot_source_quality(table)
    assert len(ax.figure.axes) == 2  # shares on the left, revenue per customer acquired on the right
    plt.close("all")
