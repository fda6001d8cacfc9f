"""The bundled data sets load offline with the published sizes."""

from __future__ import annotations

import pandas as pd
import pytest

from idic_lab.datasets import LinkageData, list_datasets, load_dataset, package_data_file


def test_cdnow_master_has_published_size():
    cdnow = load_dataset("cdnow")
    assert len(cdnow) == 69_659
    assert cdnow["customer_id"].nunique() == 23_570
    assert cdnow["date"].min() == pd.Timestamp("1997-01-01")
    assert cdnow["date"].max() == pd.Timestamp("1998-06-30")
    assert list(cdnow.columns[:3]) == ["customer_id", "date", "amount"]


def test_cdnow_ids_are_strings_with_leading_zeros():
    ids = load_dataset("cdnow")["customer_id"]
    assert pd.api.types.is_string_dtype(ids)
    assert ids.iloc[0] == "00001"


def test_cdnow_sample_is_the_fhl_sample():
    sample = load_dataset("cdnow_sample")
    assert len(sample) == 6_919
    assert sample["customer_id"].nunique() == 2_357
    # every sampled customer is a customer of the master log, with the same purchases
    master = load_dataset("cdnow")
    joined = sample.merge(
        master, left_on=["master_customer_id", "date", "amount"], right_on=["customer_id", "date", "amount"]
    )
    assert joined["master_customer_id"].nunique() == 2_357


def test_loaders_return_copies():
    first = load_dataset("cdnow_sample")
    first.loc[0, "amount"] = -1.0
    assert load_dataset("cdnow_sample").loc[0, "amount"] != -1.0


@pytest.mark.parametrize(
    "name, n_records, n_links",
    [("febrl1", 1000, 500), ("febrl2", 5000, 1934), ("febrl3", 5000, 6538), ("febrl4", 5000, 5000)],
)
def test_febrl_sizes_and_true_links(name, n_records, n_links):
    data = load_dataset(name)
    assert isinstance(data, LinkageData)
    assert len(data.records) == n_records
    assert len(data.true_links) == n_links
    assert data.true_links.duplicated().sum() == 0
    assert data.true_links["rec_id_1"].isin(data.records.index).all()
    other = data.records if data.records_b is None else data.records_b
    assert data.true_links["rec_id_2"].isin(other.index).all()


def test_febrl_fields_keep_leading_zeros_and_missing_values():
    records = load_dataset("febrl1").records
    assert pd.api.types.is_string_dtype(records["postcode"])
    assert records["postcode"].str.len().max() >= 4
    assert records["given_name"].isna().any()  # blank fields are missing, not ""
    assert not (records["given_name"] == "").any()


def test_febrl4_links_pair_the_two_files():
    data = load_dataset("febrl4")
    assert data.task == "link"
    linked = data.true_links
    assert linked["rec_id_1"].str.endswith("-org").all()
    assert linked["rec_id_2"].str.contains("-dup-").all()


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match=r"unknown data set 'cdnow2'.*cdnow, cdnow_sample, febrl1"):
        load_dataset("cdnow2")


def test_options_only_for_synthetic():
    with pytest.raises(TypeError, match="takes no options"):
        load_dataset("cdnow", seed=1)


def test_synthetic_is_seeded():
    a = load_dataset("synthetic", n_customers=200, seed=3)
    b = load_dataset("synthetic", n_customers=200, seed=3)
    pd.testing.assert_frame_equal(a.transactions, b.transactions)


def test_list_datasets_names_every_entry():
    table = list_datasets()
    assert set(table["name"]) == {"cdnow", "cdnow_sample", "febrl1", "febrl2", "febrl3", "febrl4", "synthetic"}
    assert table["source"].str.len().gt(0).all()


def test_missing_package_file_gives_actionable_error():
    with pytest.raises(FileNotFoundError, match="not installed"):
        package_data_file("no_such_package_xyz", "data.csv")
    with pytest.raises(FileNotFoundError, match="not found inside"):
        package_data_file("lifetimes", "datasets/missing.txt")


@pytest.mark.parametrize(
    "name, match",
    [("CDNOW", r"Did you mean 'cdnow'\?"), ("febrl", r"Did you mean 'febrl\d'"), ("cdnow_sampel", r"'cdnow_sample'")],
)
def test_unknown_name_suggests_the_closest(name, match):
    with pytest.raises(ValueError, match=rf"unknown data set .*valid names are: cdnow, .*{match}"):
        load_dataset(name)


def test_name_must_be_text():
    with pytest.raises(TypeError, match=r"load_dataset: name must be text, one of cdnow, .* found int 3"):
        load_dataset(3)


@pytest.mark.parametrize(
    "options, error, match",
    [
        ({"n_customers": 0}, ValueError, r"n_customers must be >= 10 .*found 0"),
        ({"n_customers": -5}, ValueError, r"n_customers must be >= 10"),
        ({"n_customers": 100.0}, TypeError, r"n_customers must be a whole number, found float 100.0; write n_customers=100"),
        ({"seed": "1"}, TypeError, r"seed must be a whole number, found str '1'"),
        ({"seed": 1.5}, TypeError, r"seed must be a whole number, found float 1.5"),
        ({"seed": -1}, ValueError, r"seed must be >= 0"),
    ],
)
def test_synthetic_options_are_checked(options, error, match):
    with pytest.raises(error, match=rf"load_dataset\('synthetic'\): {match}"):
        load_dataset("synthetic", **options)
