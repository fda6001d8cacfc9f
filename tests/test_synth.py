"""The synthetic CRM world: determinism, sizes, and that the planted truth is really in the data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from idic_lab.schema import clean, validate
from idic_lab.synth import CATEGORIES, DEFAULT_KNOBS, SEGMENTS, make_crm_world


@pytest.fixture(scope="module")
def world():
    return make_crm_world(n_customers=2000, seed=11)


@pytest.fixture(scope="module")
def clean_lines(world):
    lines, _ = clean("transactions", world.transactions, observation_end=world.observation_end)
    return lines.assign(person_id=lines["customer_id"].map(world.truth.identity))


def test_same_seed_same_world_other_seed_other_world():
    a, b = make_crm_world(300, seed=5), make_crm_world(300, seed=5)
    for name, table in a.tables().items():
        pd.testing.assert_frame_equal(table, b.tables()[name], obj=name)
    pd.testing.assert_series_equal(a.truth.identity, b.truth.identity)
    c = make_crm_world(300, seed=6)
    assert not a.transactions["amount"].equals(c.transactions["amount"])


def test_every_contract_table_validates(world):
    for kind in ("customers", "interactions", "campaign", "survey", "baskets"):
        validate(kind, getattr(world, kind))
    assert len(world.products) == 60


def test_sizes_follow_the_knobs(world):
    people = world.truth.people
    assert people["is_buyer"].sum() == 2000
    assert (~people["is_buyer"]).sum() == round(DEFAULT_KNOBS["list_prospect_share"] * 2000)
    # every buyer's first purchase falls before the campaign, so all are eligible
    assert len(world.campaign) == round(DEFAULT_KNOBS["campaign_share"] * 2000)
    assert world.campaign["customer_id"].is_unique
    assert len(world.survey) == round(DEFAULT_KNOBS["survey_share"] * 2000)
    buyers_with_lines = world.transactions["customer_id"].dropna().map(world.truth.identity).nunique()
    assert buyers_with_lines == 2000  # every buyer made at least the first purchase


def test_identity_map_covers_every_record_and_plants_duplicates(world):
    identity = world.truth.identity
    assert identity.index.is_unique
    assert set(identity.index) == set(world.customers["customer_id"])
    records_per_person = identity.value_counts()
    # about duplicate_identity_rate of the buyers have a record in a second system
    sources = world.customers.assign(person=world.customers["customer_id"].map(identity))
    systems = sources.groupby("person")["source"].nunique()
    buyers = world.truth.people.index[world.truth.people["is_buyer"]]
    in_two_systems = (systems.reindex(buyers) > 1).mean()
    assert in_two_systems == pytest.approx(DEFAULT_KNOBS["duplicate_identity_rate"], abs=0.03)
    assert records_per_person.max() == 3


def test_the_purchased_list_holds_people_twice_and_less_valuable_buyers(world):
    customers = world.customers.assign(person=world.customers["customer_id"].map(world.truth.identity))
    listed = customers[customers["source"] == "purchased_list"]
    twice = (listed.groupby("person").size() > 1).mean()
    assert 0.08 < twice < 0.3, "the vendor sells some people twice"
    elsewhere = customers[customers["source"] != "purchased_list"]["person"]
    assert listed["person"].isin(elsewhere).sum() > 0.1 * listed["person"].nunique(), "the list overlaps the firm's own"
    people = world.truth.people[world.truth.people["is_buyer"]]
    value = people["lam"] / people["nu"]  # purchase rate x mean spend (up to a constant)
    first_on_list = people["source"] == "purchased_list"
    assert value[first_on_list].median() < 0.7 * value[~first_on_list].median(), "list buyers are less valuable"
    filled = customers.groupby("source")[["email", "phone", "address"]].apply(lambda t: t.notna().mean().mean())
    assert filled.idxmin() == "purchased_list"


def test_duplicates_differ_from_their_primary_record(world):
    customers = world.customers.assign(person_id=world.customers["customer_id"].map(world.truth.identity))
    doubles = customers.groupby("person_id").filter(lambda g: len(g) > 1)
    same_name = doubles.groupby("person_id")["name"].nunique().eq(1).mean()
    assert same_name < 0.8, "copies should often be spelled differently"
    assert doubles["name"].str.contains(r"[\u0600-\u06FF]", regex=True).any(), "Persian names expected"
    assert doubles["name"].str.contains("ễ|ị|ầ|ơ|ư|ạ|ố|ồ|ạ|ả|ữ|ứ|ề|ậ|ợ|ắ|ẩ|ỳ|Đ|đ", regex=True).any()
    assert doubles["name"].str.contains("ي|ك", regex=True).any(), "Arabic letter variants of Persian names"


def test_source_completeness_differs_as_planted(world):
    filled = world.customers.groupby("source")["birth_date"].apply(lambda s: s.notna().mean())
    assert filled["purchased_list"] < filled["web_signup"] < filled["store"]
    list_buyers = world.truth.people.query("source == 'purchased_list'")["is_buyer"].mean()
    assert list_buyers < 0.6, "most purchased-list contacts never buy"


def test_messiness_is_exactly_what_clean_removes(world):
    _, report = clean("transactions", world.transactions, observation_end=world.observation_end)
    for reason, rows in world.truth.messiness.items():
        assert report.dropped[reason] == rows, reason
    assert all(rows > 0 for rows in world.truth.messiness.values())


def test_messiness_knobs_turn_it_off():
    tidy = make_crm_world(
        300, seed=2, cancellation_rate=0, return_rate=0, missing_id_rate=0, duplicate_row_rate=0, bad_date_rate=0
    )
    _, report = clean("transactions", tidy.transactions, observation_end=tidy.observation_end)
    assert report.total_dropped == 0
    validate("transactions", tidy.transactions)


def test_repeat_purchases_follow_the_planted_process(world, clean_lines):
    occasions = clean_lines.groupby(["person_id", "date"]).size().groupby("person_id").size() - 1
    planted = world.truth.people.loc[occasions.index, "n_repeat"].astype(int)
    # occasions on the same day merge into one, so observed can only be lower, and rarely is
    assert (occasions <= planted).all()
    assert (occasions == planted).mean() > 0.9
    # mean repeat purchases per week alive is close to r / alpha
    bg = world.truth.bgnbd
    assert world.truth.people["lam"].mean() == pytest.approx(bg["r"] / bg["alpha"], rel=0.1)


def test_spend_per_occasion_follows_gamma_gamma(world, clean_lines):
    gg = world.truth.gamma_gamma
    spend = clean_lines.groupby(["person_id", "date"])["amount"].sum()
    # E[z] = p * E[1/nu] = p * v / (q - 1)
    assert spend.mean() == pytest.approx(gg["p"] * gg["v"] / (gg["q"] - 1), rel=0.1)


def test_category_shares_follow_the_planted_segment(world, clean_lines):
    category = clean_lines["product_id"].map(world.products.set_index("product_id")["category"])
    segment = clean_lines["person_id"].map(world.truth.people["segment"])
    observed = pd.crosstab(segment, category, normalize="index")[CATEGORIES]
    planted = world.truth.segment_category_shares.loc[observed.index]
    # bundles add items from the same category, so shares move a little, not much
    assert np.abs(observed.to_numpy() - planted.to_numpy()).max() < 0.08
    assert set(world.truth.people["segment"].dropna()) == set(SEGMENTS)


def test_survey_overall_recovers_the_driver_weights(world):
    survey = world.survey
    drivers = world.truth.driver_weights.index
    x = np.column_stack([np.ones(len(survey)), survey[drivers].to_numpy(float)])
    coef, *_ = np.linalg.lstsq(x, survey["overall"].to_numpy(float), rcond=None)
    estimated = pd.Series(coef[1:], index=drivers)
    assert estimated.idxmax() == world.truth.driver_weights.idxmax()
    assert np.abs(estimated - world.truth.driver_weights).max() < 0.08


def test_campaign_is_randomized_and_uplift_is_planted(world):
    campaign = world.campaign
    assert campaign["treatment"].mean() == pytest.approx(0.5, abs=0.05)
    # randomized: pre-treatment features balanced between the arms
    means = campaign.groupby("treatment")[["frequency", "recency_weeks"]].mean()
    assert abs(means.loc[1, "recency_weeks"] - means.loc[0, "recency_weeks"]) < 3
    uplift = world.truth.uplift.reindex(campaign["customer_id"]).to_numpy()
    observed = campaign.loc[campaign.treatment == 1, "outcome"].mean() - campaign.loc[campaign.treatment == 0, "outcome"].mean()
    assert observed == pytest.approx(uplift.mean(), abs=0.04)
    assert (uplift < 0).any() and (uplift > 0.05).any(), "heterogeneous: some react, some are put off"


def test_bundles_are_in_the_baskets(world):
    baskets = world.baskets
    items = baskets.groupby("order_id")["product_id"].apply(set)
    antecedent, consequent, probability = world.truth.bundles.iloc[0]
    with_antecedent = items[items.apply(lambda s: antecedent in s)]
    confidence = with_antecedent.apply(lambda s: consequent in s).mean()
    assert confidence >= probability * 0.9


def test_record_truth_maps_people_to_records(world):
    segment = world.truth.record_truth("segment")
    assert segment.index.equals(world.truth.identity.index)
    with pytest.raises(KeyError, match="no column 'colour'"):
        world.truth.record_truth("colour")


def test_bad_knobs_get_clear_errors():
    with pytest.raises(TypeError, match="unknown knob.*'duplicate_rate'.*valid knobs"):
        make_crm_world(100, duplicate_rate=0.1)
    with pytest.raises(ValueError, match="return_rate must be between 0 and 1"):
        make_crm_world(100, return_rate=1.5)
    with pytest.raises(ValueError, match="n_customers must be a whole number >= 10"):
        make_crm_world(5)
    with pytest.raises(ValueError, match="bgnbd must give positive values"):
        make_crm_world(100, bgnbd={"r": 1, "alpha": -1, "a": 1, "b": 1})


def test_each_person_has_a_mailbox_of_their_own(world):
    primary = world.customers.assign(person_id=world.customers["customer_id"].map(world.truth.identity))
    by_email = primary.dropna(subset=["email"]).assign(email=lambda d: d["email"].str.lower())
    assert by_email.groupby("email")["person_id"].nunique().max() == 1


def test_needs_segments_lean_on_value_as_planted(world):
    people = world.truth.people.loc[world.truth.people["is_buyer"]]
    mean_spend = people.groupby("segment")["nu"].apply(lambda nu: (1 / nu).mean())
    rate = people.groupby("segment")["lam"].median()
    assert mean_spend.idxmax() == "Tech enthusiasts"
    assert rate["Home makers"] > rate["Tech enthusiasts"]


# ---------------------------------------------------------------- the messy invoice-lines export


@pytest.fixture(scope="module")
def export():
    from idic_lab.synth import make_invoice_export

    return make_invoice_export(n_customers=150, seed=3)


@pytest.fixture(scope="module")
def export_files(export, tmp_path_factory):
    folder = tmp_path_factory.mktemp("invoice_export")
    return {enc: export.to_csv(folder / f"export_{enc}.csv", encoding=enc) for enc in ("cp1252", "utf-8")}


def _read(kind, export, path):
    from idic_lab.schema import read_table

    return read_table(kind, path, columns=export.columns[kind])


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8"])
def test_invoice_export_cleaning_counts_are_exactly_the_truth(export, export_files, encoding):
    truth = export.truth
    lines, report = _read("transactions", export, export_files[encoding])
    assert report.dropped == truth.transactions_dropped
    assert report.changed["purchase reduced by a later cancellation"] == truth.transactions_changed[
        "purchase reduced by a later cancellation"]
    assert sum(report.changed.values()) == sum(truth.transactions_changed.values())  # nothing else changed
    assert report.rows_out == len(lines) == truth.transactions_rows
    assert report.rows_in == len(export.lines) == report.rows_out + report.total_dropped
    baskets, basket_report = _read("baskets", export, export_files[encoding])
    assert basket_report.dropped == truth.baskets_dropped
    assert basket_report.changed["purchase reduced by a later cancellation"] == truth.baskets_changed[
        "purchase reduced by a later cancellation"]
    assert len(baskets) == truth.baskets_rows
    assert f"export_{encoding}.csv read as {encoding} (detected)" in report.notes
    assert "date read with format '%d/%m/%Y %H:%M'" in report.notes


def test_invoice_export_has_every_defect(export):
    lines, truth = export.lines, export.truth
    assert list(lines.columns) == ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice",
                                   "CustomerID", "Country"]
    assert 0.2 < lines["CustomerID"].isna().mean() < 0.3
    assert lines["InvoiceNo"].str.startswith("C").sum() > 20
    assert (lines["Quantity"].lt(0) & ~lines["InvoiceNo"].str.startswith("C")).sum() > 5  # adjustments, returns
    assert {"POST", "DOT", "M", "BANK CHARGES", "AMAZONFEE", "D", "S", "B", "CRUK", "C2"} <= set(truth.non_product_lines)
    assert lines["Description"].str.contains("£", na=False).any()
    days = lines["InvoiceDate"].str.slice(0, 2).astype(int)
    assert (days > 12).any() and (days <= 12).any()
    assert lines["InvoiceDate"].str.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}").all()
    for name, count in truth.transactions_dropped.items():
        if name not in ("missing or non-finite amount", "zero or negative quantity", "unparseable date"):
            assert count > 0, name
    assert truth.transactions_changed["purchase reduced by a later cancellation"] > 0
    assert truth.baskets_dropped["cancellation without matching purchase"] > truth.transactions_dropped[
        "cancellation without matching purchase"]  # anonymous cancellations cannot be matched in baskets


def test_invoice_export_net_revenue_per_customer_is_the_truth(export, export_files):
    lines, _ = _read("transactions", export, export_files["cp1252"])
    net = lines.groupby("customer_id")["amount"].sum()
    truth = export.truth
    assert len(net) == truth.n_customers
    pd.testing.assert_series_equal(net.sort_index(), truth.net_revenue.sort_index(), check_names=False, rtol=1e-9)
    assert net[truth.tiny_customer] == pytest.approx(2.90)  # huge orders, all but £2.90 cancelled
    assert not set(truth.fully_cancelled) & set(net.index)  # nothing left: no spend, not the purchases


def test_invoice_export_baskets_keep_anonymous_lines(export, export_files):
    baskets, _ = _read("baskets", export, export_files["cp1252"])
    assert baskets["customer_id"].isna().mean() > 0.2
    assert baskets["quantity"].gt(0).all()
    assert not baskets["product_id"].isin(["POST", "DOT", "M", "AMAZONFEE"]).any()
    assert "£10 GIFT VOUCHER" in set(baskets["description"])


def test_invoice_export_late_products_are_first_sold_late(export, export_files):
    truth = export.truth
    late = truth.late_products
    assert len(late) >= 3
    cut = truth.start + 0.85 * (truth.end - truth.start)
    assert (late["first_sold"] >= cut).all() and (late["first_sold"] >= late["launch"]).all()
    lines, _ = _read("transactions", export, export_files["cp1252"])
    first = lines.groupby("product_id")["date"].min()
    assert (first.reindex(late["product_id"]).to_numpy() == late["first_sold"].to_numpy()).all()


def test_invoice_export_is_seeded():
    from idic_lab.synth import make_invoice_export

    a, b, c = (make_invoice_export(40, seed=s) for s in (1, 1, 2))
    pd.testing.assert_frame_equal(a.lines, b.lines)
    assert a.truth.transactions_dropped == b.truth.transactions_dropped
    assert not a.lines["Quantity"].equals(c.lines["Quantity"])
    with pytest.raises(ValueError, match="n_customers=5: expected a whole number >= 20"):
        make_invoice_export(5)


@pytest.mark.parametrize("seed", [0, 7])
def test_invoice_export_counts_hold_for_other_seeds(seed):
    from idic_lab.schema import clean
    from idic_lab.synth import make_invoice_export

    export = make_invoice_export(60, seed=seed)
    raw = export.lines.astype({"Quantity": str, "UnitPrice": str})  # as read from a file
    _, report = clean("transactions", raw, columns=export.columns["transactions"])
    assert report.dropped == export.truth.transactions_dropped
    _, report = clean("baskets", raw, columns=export.columns["baskets"])
    assert report.dropped == export.truth.baskets_dropped


def test_new_rules_leave_clean_data_alone(world):
    import idic_lab

    non_product = "non-product line (postage, fees, adjustments)"
    cdnow = idic_lab.load_dataset("cdnow_sample")
    out, report = clean("transactions", cdnow)
    old, _ = clean("transactions", cdnow, drop_cancellations=False)
    pd.testing.assert_frame_equal(out, old)
    new_rules = {non_product, "purchase cancelled in full", "cancellation netted against earlier purchases",
                 "cancellation without matching purchase"}
    assert not new_rules & set(report.dropped)  # not applicable: no product, description or order columns
    assert report.dropped == {"missing customer_id": 0, "exact duplicate row": 21, "unparseable date": 0,
                              "missing or non-finite amount": 0, "return (negative amount)": 0,
                              "zero amount": 8, "zero or negative quantity": 0}  # as before the new rules
    _, report = clean("transactions", world.transactions, observation_end=world.observation_end)
    assert report.dropped[non_product] == 0 and report.changed["purchase reduced by a later cancellation"] == 0
    _, report = clean("baskets", world.baskets)
    assert report.dropped[non_product] == 0 and report.total_dropped == 0
