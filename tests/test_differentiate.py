"""idic_lab.differentiate: published CDNOW results, lifetimes equality, simulation, bad inputs, needs segments."""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes

from idic_lab import differentiate as dif
from idic_lab.datasets import load_dataset
from idic_lab.diagnostics import IdicLabWarning
from idic_lab.schema import SchemaError

CAL_END, OBS_END = "1997-09-30", "1998-06-30"


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return load_dataset("cdnow_sample")


@pytest.fixture(scope="module")
def split(sample) -> dif.CalibrationHoldout:
    return dif.calibration_holdout_split(sample, calibration_end=CAL_END, observation_end=OBS_END, time_unit="W")


@pytest.fixture(scope="module")
def models(split) -> dict:
    return {"BG/NBD": dif.BGNBDModel().fit(split.summary), "Pareto/NBD": dif.ParetoNBDModel().fit(split.summary)}


def _tiny() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "a", "b", "c", "c"],
            "date": pd.to_datetime(
                ["2024-01-01", "2024-01-01 15:00", "2024-01-15", "2024-01-29", "2024-01-08", "2024-01-22", "2024-02-05"],
                format="ISO8601",
            ),
            "amount": [10.0, 5.0, 20.0, 30.0, 7.0, 0.0, 12.0],
        }
    )


# --------------------------------------------------------------------------
# rfm_summary
# --------------------------------------------------------------------------


def test_btyd_summary_by_hand():
    s = dif.rfm_summary(_tiny(), observation_end="2024-02-05", time_unit="W")
    # a: occasions on Jan 1 (10 + 5 merged), Jan 15, Jan 29 -> 2 repeats of 20 and 30.
    assert s.loc["a"].to_dict() == {"frequency": 2.0, "recency": 4.0, "T": 5.0, "monetary_value": 25.0}
    assert s.loc["b"].to_dict() == {"frequency": 0.0, "recency": 0.0, "T": 4.0, "monetary_value": 0.0}
    # c: a zero-value first occasion still counts as the first purchase.
    assert s.loc["c"].to_dict() == {"frequency": 1.0, "recency": 2.0, "T": 2.0, "monetary_value": 12.0}
    assert list(s.index) == ["a", "b", "c"]


def test_rfm_definition_and_time_units_by_hand():
    s = dif.rfm_summary(_tiny(), observation_end="2024-02-05", time_unit="D", definition="rfm")
    assert s.loc["a", "recency"] == 7.0 and s.loc["a", "frequency"] == 3 and s.loc["a", "total_value"] == 65.0
    assert s.loc["a", "monetary_value"] == pytest.approx(65.0 / 3)
    months = dif.rfm_summary(_tiny(), observation_end="2024-02-05", time_unit="M")
    quarters = dif.rfm_summary(_tiny(), observation_end="2024-02-05", time_unit="Q")
    assert months.loc["a", "T"] == pytest.approx(35 / 30.4375)
    assert quarters.loc["a", "T"] == pytest.approx(35 / 91.3125)


@pytest.mark.parametrize("time_unit, multiplier", [("W", 7), ("D", 1)])
def test_summary_equals_lifetimes_on_cdnow(time_unit, multiplier):
    cdnow = load_dataset("cdnow")
    ours = dif.rfm_summary(cdnow, observation_end=OBS_END, time_unit=time_unit)
    dif._lifetimes()
    from lifetimes.utils import summary_data_from_transaction_data

    theirs = summary_data_from_transaction_data(
        cdnow, "customer_id", "date", monetary_value_col="amount", observation_period_end=OBS_END,
        freq="D", freq_multiplier=multiplier,
    )
    theirs.index = theirs.index.astype(str)
    theirs = theirs.sort_index()
    assert list(ours.index) == list(theirs.index)
    assert len(ours) == 23570
    for column in ("frequency", "recency", "T", "monetary_value"):
        np.testing.assert_allclose(ours[column].to_numpy(), theirs[column].to_numpy(), rtol=0, atol=1e-9)


def test_summary_does_not_mutate_input(sample):
    before = sample.copy(deep=True)
    dif.rfm_summary(sample, observation_end=OBS_END)
    dif.calibration_holdout_split(sample, calibration_end=CAL_END, observation_end=OBS_END)
    pd.testing.assert_frame_equal(sample, before)


# --------------------------------------------------------------------------
# calibration / holdout
# --------------------------------------------------------------------------


def test_calibration_holdout_by_hand():
    frame = pd.concat(
        [_tiny(), pd.DataFrame({"customer_id": ["d", "d"], "date": pd.to_datetime(["2024-02-20", "2024-02-21"]),
                                "amount": [3.0, 4.0]})]
    )
    split = dif.calibration_holdout_split(frame, calibration_end="2024-01-15", observation_end="2024-02-25", time_unit="D")
    s = split.summary
    assert list(s.index) == ["a", "b"]  # c and d started after the calibration end
    assert s.loc["a", ["frequency", "recency", "T", "monetary_value"]].tolist() == [1.0, 14.0, 14.0, 20.0]
    assert s.loc["a", "frequency_holdout"] == 1.0 and s.loc["a", "monetary_value_holdout"] == 30.0
    assert s.loc["b", "frequency_holdout"] == 0.0 and (s["duration_holdout"] == 41.0).all()
    assert sorted(split.new_in_holdout.index) == ["c", "d"]
    assert split.new_in_holdout.loc["d", "occasions"] == 2
    assert split.report()["new customers first seen in holdout (not modelled)"] == 2


def test_calibration_summary_equals_rfm_summary_of_calibration_period(sample, split):
    calibration = sample[sample["date"] <= CAL_END]
    alone = dif.rfm_summary(calibration, observation_end=CAL_END)
    pd.testing.assert_frame_equal(split.summary[alone.columns], alone, check_exact=False, rtol=0, atol=1e-12)
    assert split.report()["repeat buyers in calibration"] == 946


# --------------------------------------------------------------------------
# Fader, Hardie & Lee (2005) on the CDNOW sample, 39-week calibration, weeks
# --------------------------------------------------------------------------

PUBLISHED = {
    "BG/NBD": {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426},
    "Pareto/NBD": {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669},
}


@pytest.mark.parametrize("model_name", list(PUBLISHED))
def test_reproduces_fader_hardie_lee_2005(models, model_name):
    fitted = models[model_name].params_
    for name, value in PUBLISHED[model_name].items():
        assert fitted[name] == pytest.approx(value, rel=0.005), (model_name, name, fitted[name])


def test_reproduces_gamma_gamma_fader_hardie_2013(split):
    gg = dif.GammaGammaModel().fit(split.summary)
    assert gg.n_customers_ == 946 and gg.n_dropped_ == 2357 - 946
    for name, value in {"p": 6.25, "q": 3.74, "v": 15.44}.items():
        assert gg.params_[name] == pytest.approx(value, rel=0.005)
    assert abs(gg.correlation_) < 0.2  # Fader & Hardie report a weak correlation (0.11)


def test_expected_purchases_matches_published_example(models):
    # Fader, Hardie & Lee, "Implementing the BG/NBD model ... in Excel" (2005): a customer with
    # x = 2, t_x = 30.43, T = 38.86 is expected to make 1.226 purchases in the next 39 weeks.
    one = pd.DataFrame({"frequency": [2.0], "recency": [30.43], "T": [38.86]}, index=["example"])
    assert models["BG/NBD"].expected_purchases(one, 39).iloc[0] == pytest.approx(1.226, rel=0.005)


def test_parameter_recovery_from_simulated_bgnbd():
    truth = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    ages = np.random.default_rng(11).uniform(26, 39, size=20000)
    simulated = dif.simulate_bgnbd(20000, **truth, T=ages, seed=5)
    model = dif.BGNBDModel().fit(simulated)
    for name, value in truth.items():
        assert model.params_[name] == pytest.approx(value, rel=0.10), (name, model.params_[name])
    # The simulated mean frequency matches the fitted model's unconditional expectation E[X(T)].
    expected = model.expected_cumulative_purchases(ages).mean()
    assert simulated["frequency"].mean() == pytest.approx(expected, rel=0.05)


# --------------------------------------------------------------------------
# CLV, value table, holdout validation
# --------------------------------------------------------------------------


def test_clv_without_discount_is_expected_purchases_times_spend(split, models):
    gg = dif.GammaGammaModel().fit(split.summary)
    head = split.summary.head(50)
    clv0 = dif.customer_lifetime_value(models["BG/NBD"], gg, head, horizon=10, annual_discount_rate=0.0, time_unit="W")
    plain = models["BG/NBD"].expected_purchases(head, 10) * gg.expected_spend(head)
    np.testing.assert_allclose(clv0.to_numpy(), plain.to_numpy(), rtol=1e-9)
    clv10 = dif.customer_lifetime_value(models["BG/NBD"], gg, head, horizon=10, annual_discount_rate=0.1, time_unit="W")
    assert (clv10 <= clv0 + 1e-12).all() and (clv10 < clv0).any()
    with pytest.raises(ValueError, match="fitted in 'W'"):
        dif.customer_lifetime_value(models["BG/NBD"], gg, head, horizon=10, annual_discount_rate=0.1, time_unit="M")


def test_value_table_and_pyramid(sample, split, models):
    gg = dif.GammaGammaModel().fit(split.summary)
    calibration = sample[sample["date"] <= CAL_END]
    table = dif.customer_value_table(
        calibration, models["BG/NBD"], gg, split.summary, horizon=52, annual_discount_rate=0.1, time_unit="W"
    )
    assert table["past_value"].sum() == pytest.approx(calibration["amount"].sum())
    np.testing.assert_allclose(table["lifetime_value"], table["past_value"] + table["future_value"])
    assert (table["potential_value"] >= 0).all() and table["p_alive"].between(0, 1).all()
    pyramid = dif.value_pyramid(table)
    assert pyramid["customers"].sum() == len(table)
    assert pyramid.loc["Platinum", "customers"] == int(0.05 * len(table))
    assert pyramid["share_of_customers"].sum() == pytest.approx(1.0)
    # The top 5 % hold far more than 5 % of the predicted future value.
    assert pyramid.loc["Platinum", "share_of_future_value"] > 0.2


def test_holdout_validation_numbers(split, models):
    table = dif.holdout_validation(split, models)
    assert list(table.index) == ["BG/NBD", "Pareto/NBD", "naive"]
    actual = split.summary["frequency_holdout"]
    predicted = models["BG/NBD"].expected_purchases(split.summary, 39)
    assert table.loc["BG/NBD", "mae"] == pytest.approx((predicted - actual).abs().mean())
    assert table.loc["BG/NBD", "rmse"] == pytest.approx(np.sqrt(((predicted - actual) ** 2).mean()))
    assert table.loc["BG/NBD", "aggregate_error_pct"] == pytest.approx(100 * (predicted.sum() / actual.sum() - 1))
    # The models beat the naive "same rate as before" forecast on CDNOW.
    assert table.loc["BG/NBD", "mae"] < table.loc["naive", "mae"]
    assert table.loc["Pareto/NBD", "rmse"] < table.loc["naive", "rmse"]


def test_tracking_and_conditional_expectations(sample, split, models):
    tracking = dif.tracking_table(sample, split, models)
    assert len(tracking) == 78
    repeats = split.summary["frequency"].sum() + split.summary["frequency_holdout"].sum()
    assert tracking["actual"].iloc[-1] == repeats
    assert tracking["actual"].is_monotonic_increasing and tracking["BG/NBD"].is_monotonic_increasing
    assert tracking.loc[pd.Timestamp(CAL_END), "actual"] == split.summary["frequency"].sum()
    # In the calibration weeks the fitted model tracks the data within 5 % (the model is fitted to them).
    assert tracking.loc[pd.Timestamp(CAL_END), "BG/NBD"] == pytest.approx(split.summary["frequency"].sum(), rel=0.05)
    table = dif.conditional_expectations(split, models)
    assert table["customers"].sum() == len(split.summary)
    assert list(table.index)[-1] == "7+"


# --------------------------------------------------------------------------
# RFM scores and the Pareto view
# --------------------------------------------------------------------------


def test_rfm_segment_rules_cover_the_grid():
    for r in range(1, 6):
        for fm in range(1, 6):
            hits = [n for n, (rl, rh), (fl, fh) in dif.RFM_SEGMENT_RULES if rl <= r <= rh and fl <= fm <= fh]
            assert hits, (r, fm)


def test_rfm_scores(sample):
    scores = dif.rfm_scores(dif.rfm_summary(sample, observation_end=OBS_END, definition="rfm"))
    assert scores["segment"].notna().all()
    assert scores[["R", "F", "M"]].isin(range(1, 6)).all().all()
    champions = scores[scores["segment"] == "Champions"]
    assert champions["total_value"].mean() > scores["total_value"].mean()


def test_pareto_lorenz_gini_by_hand():
    assert dif.gini([1, 1, 1, 1]) == pytest.approx(0.0)
    assert dif.gini([0, 0, 0, 1]) == pytest.approx(0.75)
    assert dif.top_share([10, 1, 1, 1, 1, 1, 1, 1, 1, 1], 0.2) == pytest.approx(11 / 19)
    curve = dif.lorenz_curve([3, 1])
    assert curve["value_share"].tolist() == [0.0, 0.75, 1.0]
    with pytest.raises(ValueError, match="expected values >= 0"):
        dif.gini([1, -1])


# --------------------------------------------------------------------------
# Bad inputs
# --------------------------------------------------------------------------


def test_empty_data_is_refused():
    empty = pd.DataFrame({"customer_id": [], "date": pd.to_datetime([]), "amount": []})
    with pytest.raises(SchemaError, match=r"expected at least one purchase, found 0 rows"):
        dif.rfm_summary(empty, observation_end="2024-01-01")


def test_customer_with_only_returns_is_refused():
    frame = _tiny()
    returns = pd.DataFrame({"customer_id": ["z", "z"], "date": pd.to_datetime(["2024-01-03", "2024-01-04"]),
                            "amount": [-5.0, -7.0]})
    with pytest.raises(SchemaError, match=r"expected amounts >= 0.*found 2 of 9 rows.*1 customer\(s\) have only return lines"):
        dif.rfm_summary(pd.concat([frame, returns]), observation_end="2024-02-05")


def test_observation_end_before_first_purchase_is_refused():
    with pytest.raises(SchemaError, match=r"expected observation_end on or after the first purchase, found .*2023-12-01.*all 7 rows"):
        dif.rfm_summary(_tiny(), observation_end="2023-12-01")


def test_rows_after_observation_end_are_refused_or_counted():
    with pytest.raises(SchemaError, match=r"expected dates up to observation_end 2024-01-20, found 3 of 7 rows later"):
        dif.rfm_summary(_tiny(), observation_end="2024-01-20")
    dropped = dif.rfm_summary(_tiny(), observation_end="2024-01-20", after_end="drop")
    assert dropped.attrs["rows_after_observation_end"] == 3 and "c" not in dropped.index


def test_recency_greater_than_t_is_refused():
    bad = pd.DataFrame({"frequency": [1.0, 2.0], "recency": [5.0, 12.0], "T": [10.0, 10.0]}, index=["ok", "bad"])
    with pytest.raises(ValueError, match=r"expected recency <= T.*found recency > T in 1 of 2 rows.*bad"):
        dif.BGNBDModel().fit(bad)


def test_non_positive_spend_is_refused_by_gamma_gamma():
    summary = pd.DataFrame(
        {"frequency": [2.0, 1.0, 0.0], "recency": [5.0, 3.0, 0.0], "T": [10.0, 10.0, 10.0],
         "monetary_value": [20.0, 0.0, 0.0]}, index=["a", "b", "c"],
    )
    with pytest.raises(ValueError, match=r"expected monetary_value > 0 for repeat buyers.*found 1 of 2 rows <= 0.*b"):
        dif.GammaGammaModel().fit(summary)


def test_missing_columns_and_bad_units_are_refused():
    with pytest.raises(SchemaError, match=r"expected the columns customer_id, date and amount, found no amount"):
        dif.rfm_summary(_tiny().drop(columns="amount"), observation_end="2024-02-05")
    with pytest.raises(ValueError, match=r"time_unit='Y': expected one of"):
        dif.rfm_summary(_tiny(), observation_end="2024-02-05", time_unit="Y")


@pytest.mark.parametrize("model_class", [dif.BGNBDModel, dif.ParetoNBDModel])
def test_convergence_failure_gives_short_advice(split, model_class, capsys):
    with pytest.raises(dif.ModelFitError, match=r"did not converge.*penalizer.*coarser time unit") as info:
        model_class(max_iter=2).fit(split.summary)
    assert len(str(info.value)) < 400
    assert capsys.readouterr().out == ""  # no optimizer dump


def test_no_repeat_buyers_is_a_fit_error():
    summary = pd.DataFrame({"frequency": [0.0, 0.0], "recency": [0.0, 0.0], "T": [5.0, 6.0]})
    with pytest.raises(dif.ModelFitError, match=r"expected some repeat buyers.*found 0 of 2"):
        dif.BGNBDModel().fit(summary)


def test_lifetimes_import_restores_global_state():
    import warnings

    filters = list(warnings.filters)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        before = pd.get_option("mode.chained_assignment")
    dif._lifetimes()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert pd.get_option("mode.chained_assignment") == before
    assert list(warnings.filters) == filters


# --------------------------------------------------------------------------
# Needs-based segments on the synthetic world
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world_features():
    from idic_lab.schema import clean

    world = load_dataset("synthetic", n_customers=5000, seed=0)
    transactions, _ = clean("transactions", world.transactions, observation_end=world.observation_end)
    features = dif.needs_features(transactions, products=world.products, customer_map=world.truth.identity)
    return world, transactions, features


def test_needs_features_shape(world_features):
    world, _, features = world_features
    shares = features.filter(regex="^share_")
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)
    np.testing.assert_allclose(features.filter(like="channel_").sum(axis=1), 1.0)
    assert features.index.isin(world.truth.people.index).all()


def test_kmeans_recovers_planted_segments(world_features):
    world, _, features = world_features
    segmentation = dif.NeedsSegmentation().fit(features)
    assert segmentation.k_ == len(world.truth.segments)
    ari = dif.adjusted_rand(segmentation.labels_, world.truth.people["segment"])
    assert ari >= 0.8, ari
    stability = segmentation.stability(features, n_resamples=3)
    assert stability["ari"].min() > 0.9
    profiles = dif.segment_profiles(features, segmentation.labels_)
    assert profiles["customers"].sum() == len(features)
    assert set(profiles["name"]) == {"fashion / app", "home / store", "electronics / web", "sports / store"}


def test_gmm_segmentation_reports_bic(world_features):
    _, _, features = world_features
    small = features.iloc[:1500]
    segmentation = dif.NeedsSegmentation(method="gmm", n_init=1, k_range=(2, 5)).fit(small)
    assert {"bic", "silhouette"} <= set(segmentation.selection_.columns)
    assert segmentation.k_ == int(segmentation.selection_["bic"].idxmin())


def test_strategy_matrix(split, models):
    gg = dif.GammaGammaModel().fit(split.summary)
    table = dif.customer_value_table(
        load_dataset("cdnow_sample"), models["BG/NBD"], gg, split.summary, horizon=13, annual_discount_rate=0.1,
        time_unit="W",
    )
    segments = pd.Series(np.arange(len(table)) % 3, index=table.index)
    matrix = dif.strategy_matrix(table, segments)
    assert matrix["customers"].sum() == len(table)
    assert set(matrix["strategy"]) <= set(dif.STRATEGIES)
    assert (matrix.loc[matrix["tier"].isin(["Platinum", "Gold"]), "strategy"] == "retain").all()


# --------------------------------------------------------------------------
# Plots
# --------------------------------------------------------------------------


def test_plots_return_axes_and_leave_style_alone(sample, split, models):
    import matplotlib.pyplot as plt

    from idic_lab import plotting

    style = dict(matplotlib.rcParams)
    scores = dif.rfm_scores(dif.rfm_summary(sample, observation_end=OBS_END, definition="rfm"))
    values = scores["total_value"]
    axes = [
        plotting.plot_rfm_segments(dif.rfm_segment_table(scores)),
        plotting.plot_lorenz(dif.lorenz_curve(values), gini=dif.gini(values)),
        plotting.plot_tracking(dif.tracking_table(sample, split, models)),
        plotting.plot_conditional_expectations(dif.conditional_expectations(split, models)),
        plotting.plot_k_selection(pd.DataFrame({"silhouette": [0.2, 0.3], "bic": [5.0, 4.0]}, index=[2, 3]), chosen=3),
    ]
    assert all(isinstance(ax, Axes) for ax in axes)
    assert dict(matplotlib.rcParams) == style
    plt.close("all")


def test_segments_are_learned_from_customers_with_enough_orders():
    rng = np.random.default_rng(4)
    # two real needs groups among repeat buyers, and one-off buyers scattered between them
    repeat = pd.DataFrame({"share_a": np.r_[rng.uniform(0.8, 1, 40), rng.uniform(0, 0.2, 40)], "n_orders": 5})
    one_off = pd.DataFrame({"share_a": rng.uniform(0.4, 0.6, 30), "n_orders": 1})
    features = pd.concat([repeat, one_off], ignore_index=True)
    segmentation = dif.NeedsSegmentation(k_range=(2, 4)).fit(features)
    assert segmentation.n_fitted_ == 80
    assert segmentation.k_ == 2, "the one-off buyers must not form a segment of their own"
    assert segmentation.labels_.index.equals(features.index) and segmentation.labels_.between(1, 2).all()
    with pytest.raises(ValueError, match=r"at least min_orders=6 orders \(0 of 110\)"):
        dif.NeedsSegmentation(min_orders=6).fit(features)


def test_load_products_maps_client_columns_and_rejects_bad_files(tmp_path):
    good = tmp_path / "artikel.csv"
    pd.DataFrame({"Artikel": ["A1", "A2", "A1"], "Gruppe": ["Bücher", "Spiele", "Bücher"]}).to_csv(good, index=False)
    products = dif.load_products(str(good), columns='{"product_id": "Artikel", "category": "Gruppe"}')
    assert products.to_dict("list") == {"product_id": ["A1", "A2"], "category": ["Bücher", "Spiele"]}
    with pytest.raises(ValueError, match=r"File artikel.csv: Table 'products', column 'category': columns= maps it to 'Warengruppe'.*Did you mean 'Gruppe'"):
        dif.load_products(str(good), columns={"product_id": "Artikel", "category": "Warengruppe"})
    clash = tmp_path / "clash.csv"
    pd.DataFrame({"product_id": ["A1", "A1"], "category": ["x", "y"]}).to_csv(clash, index=False)
    with pytest.raises(ValueError, match=r"File clash.csv: Table 'products', column 'product_id': expected each product_id once.*'A1'"):
        dif.load_products(str(clash))
    blank = tmp_path / "blank.csv"
    pd.DataFrame({"product_id": ["A1", "A2"], "category": ["x", None]}).to_csv(blank, index=False)
    with pytest.raises(ValueError, match=r"File blank.csv: Table 'products', column 'category': expected a value in every row, but 1 of 2 rows are missing"):
        dif.load_products(str(blank))


def test_value_table_per_person_merges_the_records_of_one_person():
    from idic_lab.schema import clean

    world = load_dataset("synthetic", n_customers=600, seed=4)
    lines, _ = clean("transactions", world.transactions, observation_end=world.observation_end)
    options = dict(observation_end=str(world.observation_end.date()), horizon=26, annual_discount_rate=0.1)
    per_person = dif.value_table(lines, customer_map=world.truth.identity, **options)
    per_record = dif.value_table(lines, **options)
    assert len(per_person) == 600 < len(per_record)
    assert per_person["past_value"].sum() == pytest.approx(lines["amount"].sum())
    assert per_person.index.isin(world.truth.people.index).all()


# --------------------------------------------------------------------------
# Issue 8: units, degenerate statistics, non-finite values, dates, keywords, order
# --------------------------------------------------------------------------


def test_summaries_carry_unit_and_definition_through_usual_operations(sample):
    summary = dif.rfm_summary(sample, observation_end=OBS_END, time_unit="D")
    assert {"time_unit": "D", "definition": "btyd", "observation_end": OBS_END}.items() <= summary.attrs.items()
    for derived in (summary.head(10), summary.loc[summary["frequency"] > 0], summary.copy(),
                    summary.assign(x=1), summary.sort_values("T", kind="stable")):
        assert derived.attrs["time_unit"] == "D"
    assert dif.rfm_summary(sample, observation_end=OBS_END, definition="rfm").attrs["definition"] == "rfm"


def test_model_records_its_unit_and_refuses_a_summary_in_another(split, models):
    assert models["BG/NBD"].time_unit_ == "W" and models["Pareto/NBD"].time_unit_ == "W"
    days = dif.calibration_holdout_split(load_dataset("cdnow_sample"), calibration_end=CAL_END,
                                         observation_end=OBS_END, time_unit="D")
    for call in (lambda m: m.expected_purchases(days.summary, 39), lambda m: m.p_alive(days.summary)):
        with pytest.raises(ValueError, match=r"expected time_unit 'W'.*days \('D'\).*factor of about 7"):
            call(models["BG/NBD"])
    with pytest.raises(ValueError, match=r"time_unit='M': expected the summary to be in months.*weeks"):
        dif.BGNBDModel(time_unit="M").fit(split.summary)


def test_clv_refuses_a_summary_in_days_with_a_model_in_weeks(split, models):
    # The example: such a mix gave a CLV several times too small, silently.
    gg = dif.GammaGammaModel().fit(split.summary)
    days = dif.calibration_holdout_split(load_dataset("cdnow_sample"), calibration_end=CAL_END,
                                         observation_end=OBS_END, time_unit="D").summary
    with pytest.raises(ValueError, match=r"summary: expected time_unit 'W'.*days \('D'\)"):
        dif.customer_lifetime_value(models["BG/NBD"], gg, days, horizon=52, annual_discount_rate=0.1, time_unit="W")
    with pytest.raises(ValueError, match=r"models\['BG/NBD'\].*weeks \('W'\)"):
        dif.holdout_validation(dif.calibration_holdout_split(load_dataset("cdnow_sample"), calibration_end=CAL_END,
                                                             observation_end=OBS_END, time_unit="D"), models)


def test_a_summary_without_unit_is_taken_in_the_models_unit(split, models):
    plain = pd.DataFrame(split.summary[["frequency", "recency", "T"]].to_numpy(), index=split.summary.index,
                         columns=["frequency", "recency", "T"])
    assert plain.attrs == {}
    pd.testing.assert_series_equal(models["BG/NBD"].p_alive(plain), models["BG/NBD"].p_alive(split.summary))
    unknown = dif.BGNBDModel().fit(plain)
    assert unknown.time_unit_ is None
    unknown.p_alive(split.summary)  # an unknown unit on either side is accepted


def test_modelfiterror_is_a_valueerror():
    assert issubclass(dif.ModelFitError, ValueError) and issubclass(dif.ModelFitError, RuntimeError)


def test_rfm_scores_tie_rule():
    identical = pd.DataFrame({"customer_id": list("wxyz"), "date": pd.to_datetime(["2024-01-10"] * 4),
                              "amount": [25.0] * 4})
    summary = dif.rfm_summary(identical, observation_end="2024-02-05", definition="rfm")
    with pytest.raises(ValueError, match=r"all 4 with the same recency.*cannot rank them"):
        dif.rfm_scores(summary)
    varied = dif.rfm_summary(identical.assign(amount=[10.0, 20.0, 30.0, 40.0]), observation_end="2024-02-05",
                             definition="rfm")
    with pytest.warns(IdicLabWarning, match=r"recency has 1 different value.*frequency has 1.*monetary_value has 4"):
        scores = dif.rfm_scores(varied)
    assert (scores["R"] == 3).all() and (scores["F"] == 3).all()
    assert scores["M"].tolist() == [2, 3, 4, 5]
    assert "Champions" not in set(scores["segment"])
    with pytest.raises(ValueError, match=r"BTYD summary"):
        dif.rfm_scores(dif.rfm_summary(identical, observation_end="2024-02-05"))


def test_rfm_segment_table_has_no_empty_segments_and_no_nan(sample):
    table = dif.rfm_segment_table(dif.rfm_scores(dif.rfm_summary(sample, observation_end=OBS_END, definition="rfm")))
    assert (table["customers"] > 0).all() and table.notna().all().all()
    assert list(table.index) == [n for n, *_ in dif.RFM_SEGMENT_RULES if n in table.index]
    with pytest.raises(ValueError, match=r"value='clv'.*one of"):
        dif.rfm_segment_table(dif.rfm_scores(dif.rfm_summary(sample, observation_end=OBS_END, definition="rfm")),
                              value="clv")


def test_value_tiers_break_ties_by_customer_id_whatever_the_row_order():
    ids = [f"c{i:02d}" for i in range(20)]
    values = pd.Series([1.0] * 10 + [2.0] * 10, index=ids)
    tiers = dif.value_tiers(values)
    shuffled = dif.value_tiers(values.sample(frac=1, random_state=3))
    pd.testing.assert_series_equal(shuffled.reindex(ids), tiers)
    assert tiers["c10"] == "Platinum" and tiers[["c11", "c12", "c13"]].eq("Gold").all()
    with pytest.raises(ValueError, match=r"finite numbers, found 1 of 20"):
        dif.value_tiers(values.where(values.index != "c03"))


def test_value_pyramid_refuses_unknown_rank_by(split, models):
    gg = dif.GammaGammaModel().fit(split.summary)
    table = dif.customer_value_table(load_dataset("cdnow_sample"), models["BG/NBD"], gg, split.summary, horizon=13,
                                     annual_discount_rate=0.1, time_unit="W")
    assert table.attrs["rows_after_observation_end"] > 0  # holdout purchases are not current value
    with pytest.raises(ValueError, match=r"rank_by='clv': expected a numeric column.*'future_value'"):
        dif.value_pyramid(table, rank_by="clv")


def test_empty_holdout_is_refused_not_an_inf_error():
    split = dif.calibration_holdout_split(_tiny(), calibration_end="2024-02-05", observation_end="2024-03-31")
    assert split.summary["frequency_holdout"].sum() == 0
    with pytest.raises(ValueError, match=r"found 0 repeat occasions.*earlier calibration_end"):
        dif.holdout_validation(split, {})


@pytest.mark.parametrize("kwargs, message", [
    ({"calibration_end": "2024-03-01", "observation_end": "2024-02-05"}, r"before observation_end.*after"),
    ({"calibration_end": "2024-02-05", "observation_end": "2024-02-05"}, r"before observation_end.*on the"),
    ({"calibration_end": "2023-12-01", "observation_end": "2024-02-05"}, r"first purchase is 2024-01-01"),
    ({"calibration_end": 20240115, "observation_end": "2024-02-05"}, r"calibration_end=20240115.*ISO date"),
])
def test_bad_calibration_ends_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        dif.calibration_holdout_split(_tiny(), **kwargs)


@pytest.mark.parametrize("horizon, rate, message", [
    (0, 0.1, r"horizon=0"), (-4, 0.1, r"horizon=-4"), (2.5, 0.1, r"horizon=2.5"), (True, 0.1, r"horizon=True"),
    (4, -0.1, r"annual_discount_rate=-0.1"), (4, float("inf"), r"annual_discount_rate=inf"),
    (4, "10%", r"annual_discount_rate='10%'"),
])
def test_clv_refuses_bad_horizon_and_discount_rate(split, models, horizon, rate, message):
    gg = dif.GammaGammaModel().fit(split.summary)
    with pytest.raises((ValueError, TypeError), match=message):
        dif.customer_lifetime_value(models["BG/NBD"], gg, split.summary.head(5), horizon=horizon,
                                    annual_discount_rate=rate, time_unit="W")


def test_degenerate_fits_warn_and_are_flagged():
    rng = np.random.default_rng(0)
    ages = rng.uniform(20, 40, 150)
    counts = rng.poisson(rng.gamma(2, 1 / 2, 150) * ages)
    last = np.array([rng.uniform(0, t, x).max() if x else 0.0 for t, x in zip(ages, counts)])
    never_leave = pd.DataFrame({"frequency": counts.astype(float), "recency": last, "T": ages})
    with pytest.warns(IdicLabWarning, match=r"Pareto/NBD fitted on 150 customers, but s [=<>] .*unusable for P\(alive\)"):
        fitted, status = dif.fit_purchase_models(never_leave, names=["Pareto/NBD"])
    assert status["status"].tolist() == ["fitted, unusable"] and fitted["Pareto/NBD"].degenerate_


def test_cdnow_fits_are_not_degenerate(models, split):
    assert models["BG/NBD"].degenerate_ == "" and models["Pareto/NBD"].degenerate_ == ""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dif.GammaGammaModel().fit(split.summary)


def test_gamma_gamma_degenerate_inputs(split):
    repeat = split.summary[split.summary["frequency"] > 0]
    with pytest.raises(dif.ModelFitError, match=r"same monetary_value \(20\)"):
        dif.GammaGammaModel().fit(repeat.assign(monetary_value=20.0))
    with pytest.raises(ValueError, match=r"at least 3 repeat buyers.*found 2"):
        dif.GammaGammaModel().fit(repeat.head(2))
    with pytest.warns(IdicLabWarning, match=r"correlation is 0\.\d+ \(beyond \+-0.3\)"):
        dif.GammaGammaModel().fit(repeat.head(200).assign(monetary_value=lambda s: s["monetary_value"] * (1 + s["frequency"])))


def test_text_dates_are_refused_not_guessed():
    text = _tiny().assign(date=_tiny()["date"].dt.strftime("%d/%m/%Y"))
    with pytest.raises(SchemaError, match=r"Text dates are not guessed.*date_format='%d/%m/%Y'.*dayfirst=True"):
        dif.rfm_summary(text, observation_end="2024-02-05")
    with pytest.raises(SchemaError, match=r"float ids"):
        dif.rfm_summary(_tiny().assign(customer_id=[1.0, 1, 1, 1, 2, 3, 3]), observation_end="2024-02-05")
    with pytest.raises(SchemaError, match=r"1 of 7 rows missing or infinite \(0 missing, 1 infinite\)"):
        dif.rfm_summary(_tiny().assign(amount=[1.0, 2, 3, np.inf, 5, 6, 7]), observation_end="2024-02-05")


def test_needs_features_products_and_missing_values():
    lines = pd.DataFrame({
        "customer_id": ["b", "b", "a", "a"], "date": pd.to_datetime(["2024-01-02", "2024-01-05", "2024-01-01", "2024-01-09"]),
        "amount": [5.0, 8.0, 10.0, 20.0], "order_id": ["o3", None, "o1", "o2"], "product_id": ["p1", "p3", "p1", "p2"],
        "channel": ["web", "web", None, "store"],
    })
    products = pd.DataFrame({"product_id": ["p1", "p2", "p3", "p1"], "category": ["books", "games", "books", "books"]})
    features = dif.needs_features(lines, products=products)
    assert list(features.index) == ["a", "b"]  # sorted by customer id
    assert features.attrs == {"lines_without_order_id": 1, "lines_without_category": 0, "customers_without_category": 0,
                              "orders_without_channel": 1}
    assert features.loc["a", "channel_unknown"] == 0.5 and features.loc["b", "n_orders"] == 2
    with pytest.raises(ValueError, match=r"one category per product_id.*p1"):
        dif.needs_features(lines, products=pd.concat([products, products.iloc[[0]].assign(category="toys")]))


def test_segment_numbers_of_equal_sizes_follow_the_first_customer_id():
    features = pd.DataFrame({"share_a": [0.0, 0.0, 1.0, 1.0]}, index=["d", "c", "b", "a"])
    segmentation = dif.NeedsSegmentation(k=2, n_init=1).fit(features)
    assert segmentation.labels_.to_dict() == {"d": 2, "c": 2, "b": 1, "a": 1}
    with pytest.raises(ValueError, match=r"not fitted yet"):
        dif.NeedsSegmentation().predict(features)


def test_tracking_table_is_the_same_for_shuffled_transactions(sample, split, models):
    shuffled = sample.sample(frac=1, random_state=1)
    pd.testing.assert_frame_equal(dif.tracking_table(shuffled, split, models), dif.tracking_table(sample, split, models))


# --------------------------------------------------------------------------
# Issue 9: models that admit when they fail, left-censoring, client mode
# --------------------------------------------------------------------------


def _planted(dropout: bool, n: int = 2000) -> pd.DataFrame:
    ages = np.random.default_rng(0).uniform(30, 78, n)
    a, b = (1.0, 3.0) if dropout else (0.001, 1000.0)
    return dif.simulate_bgnbd(n, r=0.5, alpha=4.0, a=a, b=b, T=ages, seed=1, time_unit="W")


def test_no_dropout_in_the_data_is_named_for_every_model_the_old_way_used_silently():
    summary = _planted(False)
    with pytest.warns(IdicLabWarning):
        models, status = dif.fit_purchase_models(summary)
    checks = dif.check_purchase_models(models, status, summary)
    assert set(checks) == {"BG/NBD", "Pareto/NBD"}
    assert not any(check.usable for check in checks.values())  # the old notebook showed their CLV anyway
    assert all(check.problems and "What to do" in " ".join(check.problems) for check in checks.values())


def test_planted_dropout_passes_and_a_no_dropout_model_contradicts_recency():
    summary = _planted(True)
    honest = dif.check_purchase_model(dif.ParetoNBDModel().fit(summary), summary)
    assert honest.usable and honest.silent_mean_p_alive < 0.5
    blind = dif.BGNBDModel().fit(summary)
    blind.fitter_.params_ = blind.fitter_.params_.copy()
    blind.fitter_.params_["a"], blind.fitter_.params_["b"] = 1e-5, 50.0
    blind.params_ = blind.fitter_.params_.astype("float64")
    check = dif.check_purchase_model(blind, summary)
    assert not check.usable and check.silent_mean_p_alive > 0.9
    assert any("contradicts recency" in p for p in check.problems)


def test_silence_rule_holds_its_bound_without_dropout():
    silent, bound = dif.long_silent_customers(_planted(False))
    assert silent.sum() < 2 * bound  # the rule does not fire on planted "nobody leaves"
    silent, bound = dif.long_silent_customers(_planted(True))
    assert silent.sum() > 2 * bound


def test_clv_model_is_the_lowest_holdout_error_among_models_that_pass():
    ok = dif.PurchaseModelCheck("x", (), fitted=True)
    bad = dif.PurchaseModelCheck("x", ("broken",), fitted=True)
    errors = pd.DataFrame({"mae": [0.5, 0.4, 0.1]}, index=["BG/NBD", "Pareto/NBD", "naive"])
    assert dif.choose_clv_model(errors, {"BG/NBD": ok, "Pareto/NBD": ok})[0] == "Pareto/NBD"
    assert dif.choose_clv_model(errors, {"BG/NBD": ok, "Pareto/NBD": bad})[0] == "BG/NBD"
    name, sentence = dif.choose_clv_model(errors, {"BG/NBD": bad, "Pareto/NBD": bad})
    assert name is None and "not shown" in sentence


def _business(log_start: str, seed: int = 1) -> pd.DataFrame:
    """Customers acquired steadily since 2020, each buying until an exponential lifetime ends; the log from log_start."""
    rng = np.random.default_rng(seed)
    start, end = pd.Timestamp("2020-01-01"), pd.Timestamp("2024-12-31")
    rows = []
    for i, first in enumerate(start + pd.to_timedelta(rng.uniform(0, (end - start).days, 2000), unit="D")):
        day, rate, life = first, rng.gamma(1.0, 1 / 20), rng.exponential(700)
        while day < min(end, first + pd.Timedelta(days=life)):
            rows.append((f"c{i}", day.normalize(), 10.0))
            day = day + pd.Timedelta(days=min(float(rng.exponential(1 / rate)), 3650.0))
    frame = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    return frame.loc[frame["date"] >= log_start].reset_index(drop=True)


def test_left_censoring_found_when_planted_and_not_on_a_full_log_or_a_cohort():
    assert not dif.left_censoring(_business("2020-01-01")).detected
    late = dif.left_censoring(_business("2023-01-01"))
    assert late.detected and late.excess_customers > 200 and "left-censoring" in late.message
    assert not dif.left_censoring(load_dataset("cdnow_sample")).detected  # one acquisition cohort


def test_client_mode_never_loads_bundled_data():
    with pytest.raises(ValueError, match="transactions_file"):
        dif.load_inputs(mode="client", dataset="cdnow_sample")


@pytest.mark.notebook
def test_client_mode_notebook_records_problems_and_no_synthetic_content(tmp_path):
    import json
    import sys

    import nbformat

    from idic_lab.report import run_notebook

    sys.path.insert(0, str(Path(__file__).parent))
    from notebook_cases.c02_differentiate import _messy_client_export

    parameters = _messy_client_export(tmp_path)
    run = run_notebook(Path(__file__).parents[1] / "notebooks" / "02_differentiate.ipynb", tmp_path / "02.ipynb",
                       parameters=parameters)
    assert run.ok, run.error
    problems = " ".join(p["text"] for p in run.results["report.problems"])
    assert "left-censoring" in problems and "sees no customer leave" in problems
    assert run.results["differentiate.clv.model"] is None  # CLV shown as unreliable, not as a number
    assert "differentiate.clv.total_future_value" not in run.results
    assert run.results["report.data.transactions"]["file"] == "invoice_lines_cp1252.csv"
    outputs = json.dumps([c.get("outputs", []) for c in nbformat.read(run.executed, 4).cells
                          if c.cell_type == "code"])
    assert str(tmp_path) not in outputs  # no local paths on the page
    for word in ("cdnow", "synthetic", "planted"):
        assert word not in outputs.lower(), word


# --------------------------------------------------------------------------
# Value groups (MVC, MGC, BZ) and the value pyramid's drawing
# --------------------------------------------------------------------------


def _groups_table(n: int = 10) -> pd.DataFrame:
    index = pd.Index([f"v{i:02d}" for i in range(n)], name="customer_id")
    return pd.DataFrame({"past_value": np.arange(n, 0, -1) * 20.0, "future_value": np.arange(n, 0, -1) * 5.0,
                         "potential_value": np.arange(n) * 2.0, "p_alive": np.full(n, 0.5)}, index=index)


def test_value_groups_hand_example():
    groups = dif.value_groups(_groups_table())
    labels = groups.labels
    assert list(labels[labels == "most valuable"].index) == ["v00", "v01"]  # highest actual value
    assert list(labels[labels == "most growable"].index) == ["v08", "v09"]  # largest potential value
    assert not groups.cost_known and "need cost data" in groups.note
    assert list(groups.counts.index) == ["most valuable", "most growable", "migrator"]  # no BZ without costs
    assert groups.counts["customers"].tolist() == [2, 2, 6]
    assert groups.counts["share_of_customers"].sum() == pytest.approx(1.0)
    assert groups.counts.loc["most valuable", "share_of_future_value"] == pytest.approx(95 / 275)


def test_value_groups_below_zero_needs_a_cost_and_counts_actual_plus_potential():
    table = _groups_table()
    groups = dif.value_groups(table, cost_to_serve=30.0)
    net = table["future_value"] + table["potential_value"] - 30.0
    below = groups.labels == "below zero"
    assert set(below[below].index) == set(net[(net < 0)].index) - {"v08", "v09", "v00", "v01"}
    assert groups.counts.loc["below zero", "customers"] == int(below.sum()) > 0
    per_customer = pd.Series(0.0, index=table.index).where(table.index != "v05", 1000.0)
    assert dif.value_groups(table, cost_to_serve=per_customer).labels["v05"] == "below zero"


def test_plot_value_pyramid_reads_as_a_pyramid(split, models):
    import matplotlib.pyplot as plt

    from idic_lab.plotting import plot_value_pyramid

    summary = split.summary
    table = dif.customer_value_table(
        load_dataset("cdnow_sample").query("date <= @CAL_END"), models["BG/NBD"], dif.GammaGammaModel().fit(summary),
        summary, horizon=13, annual_discount_rate=0.1, time_unit="W")
    pyramid = dif.value_pyramid(table)
    ax = plot_value_pyramid(pyramid)
    polygons = [p for p in ax.patches if isinstance(p, plt.Polygon)]
    assert [p.get_label() for p in polygons] == list(pyramid.index)  # top tier first
    widths = [np.ptp(p.get_xy()[:, 0]) for p in polygons]
    bottoms = [p.get_xy()[:, 1].min() for p in polygons]
    assert all(a < b for a, b in zip(widths, widths[1:])), f"widths from the top {widths}"
    assert all(a > b for a, b in zip(bottoms, bottoms[1:])), "the top tier is drawn on top"
    first = polygons[0].get_xy()
    assert np.ptp(first[first[:, 1] == first[:, 1].max(), 0]) == 0  # the apex slice is a triangle
    figure = ax.figure
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    for text in ax.texts:
        box = text.get_window_extent(renderer)
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1, text.get_text()
    assert any("of actual value" in t.get_text() and "of potential value" in t.get_text() for t in ax.texts)
    plt.close("all")


def test_plot_lorenz_marks_the_pareto_rule(sample):
    import matplotlib.pyplot as plt

    from idic_lab.plotting import plot_lorenz

    values = dif.rfm_summary(sample, observation_end=OBS_END, definition="rfm")["total_value"]
    ax = plot_lorenz(dif.lorenz_curve(values))
    assert "Pareto rule: top 20% bring 80%" in [t.get_text() for t in ax.get_legend().get_texts()]
    plt.close("all")


# What 02's text says about its default output: tests/test_lessons_02_differentiate.py


# --------------------------------------------------------------------------
# The numpy BG/NBD, Gamma-Gamma and CLV against lifetimes (the oracle)
# --------------------------------------------------------------------------


def _lifetimes_quietly():
    lifetimes = dif._lifetimes()
    return lifetimes, warnings.catch_warnings()


@pytest.fixture(scope="module")
def cdnow_summaries() -> dict[str, pd.DataFrame]:
    full = load_dataset("cdnow")
    return {unit: dif.rfm_summary(full, observation_end=OBS_END, time_unit=unit) for unit in ("W", "D")}


def _simulated_summary(n: int = 3000, seed: int = 3) -> pd.DataFrame:
    ages = np.round(np.random.default_rng(seed).uniform(0, 300, size=n))  # days, some customers brand new
    summary = dif.simulate_bgnbd(n, r=0.9, alpha=20.0, a=0.8, b=5.0, T=ages, seed=seed, time_unit="D")
    summary["recency"] = np.round(summary["recency"])
    spend = np.random.default_rng(seed + 1).gamma(3.0, 20.0, size=n)
    return summary.assign(monetary_value=np.where(summary["frequency"] > 0, spend, 0.0))


@pytest.mark.parametrize("unit", ["W", "D"])
@pytest.mark.parametrize("penalizer", [0.0, 0.01])
def test_bgnbd_and_gamma_gamma_fits_equal_lifetimes_on_cdnow(cdnow_summaries, unit, penalizer):
    lifetimes = dif._lifetimes()
    summary = cdnow_summaries[unit]
    model = dif.BGNBDModel(penalizer=penalizer).fit(summary)
    patterns = dif._purchase._patterns(summary, ["frequency", "recency", "T"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bgf = lifetimes.BetaGeoFitter(penalizer_coef=penalizer).fit(
            patterns["frequency"], patterns["recency"], patterns["T"], weights=patterns["weights"])
    np.testing.assert_allclose(model.params_[["r", "alpha", "a", "b"]], bgf.params_[["r", "alpha", "a", "b"]],
                               rtol=1e-6)
    assert model.log_likelihood_ == pytest.approx(-bgf._negative_log_likelihood_ * len(summary), rel=1e-9)
    repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    spend_penalizer = penalizer / 10  # 0.01 pulls q below 1 on CDNOW, which GammaGammaModel refuses
    spend = dif.GammaGammaModel(penalizer=spend_penalizer).fit(repeat)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ggf = lifetimes.GammaGammaFitter(penalizer_coef=spend_penalizer).fit(repeat["frequency"],
                                                                            repeat["monetary_value"])
    np.testing.assert_allclose(spend.params_[["p", "q", "v"]], ggf.params_[["p", "q", "v"]], rtol=1e-6)


def test_bgnbd_fit_with_weights_equals_lifetimes_on_simulated_days():
    lifetimes = dif._lifetimes()
    summary = _simulated_summary()
    model = dif.BGNBDModel(penalizer=0.001).fit(summary)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bgf = lifetimes.BetaGeoFitter(penalizer_coef=0.001).fit(summary["frequency"], summary["recency"], summary["T"])
    np.testing.assert_allclose(model.params_.to_numpy(), bgf.params_.to_numpy(), rtol=1e-6)
    assert model.n_patterns_ < len(summary)  # fitted on weighted patterns, lifetimes on one row per customer


def test_bgnbd_predictions_and_fitter_equal_lifetimes(cdnow_summaries):
    summary = cdnow_summaries["W"]
    model = dif.BGNBDModel().fit(summary)
    fitter = model.fitter_  # a lifetimes BetaGeoFitter carrying the numpy fit's parameters
    assert type(fitter).__name__ == "BetaGeoFitter"
    x, tx, T = summary["frequency"], summary["recency"], summary["T"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_allclose(model.expected_purchases(summary, 39),
                                   fitter.conditional_expected_number_of_purchases_up_to_time(39, x, tx, T), rtol=1e-12)
        np.testing.assert_allclose(model.p_alive(summary), fitter.conditional_probability_alive(x, tx, T), rtol=1e-12)
        ages = np.array([1.0, 10.0, 78.0])
        np.testing.assert_allclose(model.expected_cumulative_purchases(ages),
                                   fitter.expected_number_of_purchases_up_to_time(ages), rtol=1e-12)


@pytest.mark.parametrize("unit, period, freq", [("D", 30, "D"), ("W", 4.345, "W")])
def test_clv_equals_lifetimes_with_the_month_matched(cdnow_summaries, unit, period, freq):
    # lifetimes steps 30 days (or 4.345 weeks) with a monthly discount rate; the same month here.
    lifetimes = dif._lifetimes()
    summary = cdnow_summaries[unit]
    summary = summary[(summary["frequency"] == 0) | (summary["monetary_value"] > 0)]
    model, spend = dif.BGNBDModel().fit(summary), dif.GammaGammaModel().fit(summary)
    clv = dif.customer_lifetime_value(model, spend, summary, horizon=12, period=period, time_unit=unit,
                                      annual_discount_rate=1.01 ** (365.25 / (period * dif.TIME_UNITS[unit])) - 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = spend.fitter_.customer_lifetime_value(
            model.fitter_, summary["frequency"], summary["recency"], summary["T"], summary["monetary_value"],
            time=12, discount_rate=0.01, freq=freq)
    np.testing.assert_allclose(clv.to_numpy(), theirs.to_numpy(), rtol=1e-6)


def test_clv_over_many_periods_equals_the_period_by_period_sum():
    summary = _simulated_summary(400, seed=8)
    model, spend = dif.BGNBDModel().fit(summary), dif.GammaGammaModel().fit(summary)
    rate = 0.1
    clv = dif.customer_lifetime_value(model, spend, summary, horizon=150, annual_discount_rate=rate, time_unit="D")
    d = (1 + rate) ** (1 / 365.25) - 1
    previous, total = 0.0, 0.0
    for k in range(1, 151):  # the definition, one period at a time (150 periods: interpolated, see _kernels)
        cumulative = model.expected_purchases(summary, k).to_numpy()
        total = total + (cumulative - previous) / (1 + d) ** k
        previous = cumulative
    np.testing.assert_allclose(clv.to_numpy(), total * spend.expected_spend(summary).to_numpy(), rtol=1e-9)
    weekly = dif.customer_lifetime_value(model, spend, summary, horizon=21, period=7, annual_discount_rate=rate,
                                         time_unit="D")
    assert (weekly < clv).all()  # 147 days are less than 150


def test_summary_on_integer_codes_equals_lifetimes_with_text_ids_and_several_lines_a_day():
    rng = np.random.default_rng(4)
    n = 4000
    log = pd.DataFrame({
        "customer_id": pd.array([f"K{i:03d}" for i in rng.integers(0, 300, n)], dtype="str"),
        "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 200, n), unit="D")
        + pd.to_timedelta(rng.integers(0, 24, n), unit="h"),
        "amount": np.round(rng.gamma(2.0, 15.0, n), 2),
    })
    ours = dif.rfm_summary(log, observation_end="2024-07-31", time_unit="D")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = dif._lifetimes().utils.summary_data_from_transaction_data(
            log, "customer_id", "date", monetary_value_col="amount", observation_period_end="2024-07-31", freq="D")
    theirs.index = theirs.index.astype("str")
    assert ours.index.equals(theirs.index.sort_values())
    columns = ["frequency", "recency", "T", "monetary_value"]
    np.testing.assert_allclose(ours[columns].to_numpy(), theirs.loc[ours.index, columns].to_numpy(), rtol=1e-12)


def _arrow_text(values, large=True, chunk=None):
    import pyarrow as pa

    kind = pa.large_string() if large else pa.string()
    array = pa.array(values, type=kind)
    if chunk is None:
        return pa.chunked_array([array])
    return pa.chunked_array([array.slice(i, chunk) for i in range(0, len(array), chunk)], type=kind)


@pytest.mark.parametrize("width", [1, 5, 8, 9, 16, 17, 36])
@pytest.mark.parametrize("large, chunk", [(True, None), (False, 7), (True, 50)])
def test_fixed_width_text_codes_equal_factorize_and_sort(width, large, chunk):
    from idic_lab.differentiate._kernels import fixed_width_text_codes

    rng = np.random.default_rng(width)
    pool = {"".join(rng.choice(list("ab0Z "), width)) for _ in range(40)}
    if width >= 2:  # é is two bytes in UTF-8: text of one byte length, not one number of characters
        pool |= {p[: width - 2] + "é" for p in list(pool)[:10]}
    pool = sorted(pool)
    values = [pool[i] for i in rng.integers(0, len(pool), 300)]
    codes, uniques, order, sorted_uniques = fixed_width_text_codes(_arrow_text(values, large, chunk))
    expected_codes, expected = pd.factorize(np.array(values, dtype=object))
    np.testing.assert_array_equal(codes, expected_codes)
    assert uniques.to_pylist() == list(expected)
    assert [expected[i] for i in order] == sorted(expected)  # Python's order of str is byte-wise in UTF-8
    assert sorted_uniques.to_pylist() == sorted(expected)


def test_fixed_width_text_codes_decline_what_they_cannot_do(monkeypatch):
    from idic_lab.differentiate import _kernels

    assert _kernels.fixed_width_text_codes(_arrow_text(["ab", "abc", "ab"])) is None  # two lengths
    assert _kernels.fixed_width_text_codes(_arrow_text(["ab", None, "ab"])) is None  # a missing id
    assert _kernels.fixed_width_text_codes(_arrow_text(["", ""])) is None
    # two different ids with one hash are never merged: with the multiplier 1 the hash of 16 bytes is the XOR
    # of its two halves, the same for an id and the id with its halves swapped
    monkeypatch.setattr(_kernels, "_WORD_MIX", np.uint64(1))
    assert _kernels.fixed_width_text_codes(_arrow_text(["AAAAAAAABBBBBBBB", "BBBBBBBBAAAAAAAA"])) is None
    assert _kernels.fixed_width_text_codes(_arrow_text(["AAAAAAAABBBBBBBB", "AAAAAAAABBBBBBBB"])) is not None
    assert len(_kernels.fixed_width_text_codes(_arrow_text(["AAAAAAAABBBBBBBB", "AAAAAAAACCCCCCCC"]))[1]) == 2


@pytest.mark.parametrize("bad", ["   ", None])
def test_summary_refuses_blank_or_missing_ids_of_one_width(bad):
    log = pd.DataFrame({
        "customer_id": pd.array(["C01", "C02", bad, "C01"], dtype="str"),
        "date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"]),
        "amount": [1.0, 2.0, 3.0, 4.0],
    })
    with pytest.raises(SchemaError, match=r"expected an id in every row, found 1 of 4 rows without one"):
        dif.rfm_summary(log, observation_end="2024-01-31")


def test_summary_is_the_same_for_arrow_and_object_ids():
    rng = np.random.default_rng(11)
    ids = [f"X{i:09d}" for i in rng.integers(0, 200, 3000)]
    dates = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, 3000), unit="D")
    amounts = np.round(rng.gamma(2.0, 15.0, 3000), 2)
    fast = dif.rfm_summary(pd.DataFrame({"customer_id": pd.array(ids, dtype="str"), "date": dates, "amount": amounts}),
                           observation_end="2024-12-31", time_unit="D")
    plain = dif.rfm_summary(pd.DataFrame({"customer_id": pd.Series(ids, dtype=object), "date": dates,
                                          "amount": amounts}), observation_end="2024-12-31", time_unit="D")
    pd.testing.assert_frame_equal(fast, plain)


@pytest.mark.parametrize("span", [700, 3_000_000])  # int32 keys, and int64 keys (days over 8,000 years)
def test_occasion_totals_equal_a_groupby(span):
    from idic_lab.differentiate._kernels import occasion_totals

    rng = np.random.default_rng(span)
    n, customers = 20_000, 3000
    codes = rng.integers(0, customers, n)
    days = rng.integers(-span // 2, span // 2, n) + 19_000
    days[7::7], codes[7::7] = days[6:-1:7], codes[6:-1:7]  # several lines of one customer on one day
    amounts = np.round(rng.gamma(2.0, 10.0, n), 2)
    totals = occasion_totals(codes, customers + 5, days, amounts)  # five codes without rows
    occasions = pd.DataFrame({"c": codes, "d": days, "a": amounts}).groupby(["c", "d"], sort=True)["a"].sum()
    by = occasions.reset_index().groupby("c")
    expected = pd.DataFrame({"first": by["d"].min(), "last": by["d"].max(), "count": by["d"].size(),
                             "total": by["a"].sum()}).reindex(range(customers + 5))
    for column in ("first", "last", "count"):
        np.testing.assert_array_equal(totals[column], expected[column].fillna(0).to_numpy(dtype="int64"))
    np.testing.assert_allclose(totals["total"], expected["total"].fillna(0.0), rtol=1e-12)
    first_day = occasions.reset_index().groupby("c")["d"].transform("min").to_numpy()
    repeat = occasions.reset_index()[occasions.reset_index()["d"].to_numpy() != first_day].groupby("c")["a"].sum()
    np.testing.assert_allclose(totals["repeat"], repeat.reindex(range(customers + 5)).fillna(0.0), rtol=1e-12)
