"""Customize: basket rules, recommendations and next best offer."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from idic_lab import customize as cz
from idic_lab.diagnostics import IdicLabWarning
from idic_lab.datasets import load_dataset
from idic_lab.schema import SchemaError

# Five hand-built baskets:
#   o1: a b c   o2: a b   o3: a c   o4: b   o5: a b c
# support: a 4/5, b 4/5, c 3/5, ab 3/5, ac 3/5, bc 2/5, abc 2/5
BASKETS = pd.DataFrame(
    {
        "order_id": ["o1", "o1", "o1", "o2", "o2", "o3", "o3", "o4", "o5", "o5", "o5"],
        "product_id": ["a", "b", "c", "a", "b", "a", "c", "b", "a", "b", "c"],
    }
)


def _rule(rules: pd.DataFrame, antecedent: str, consequent: str) -> pd.Series:
    row = rules.loc[(rules["antecedent"] == antecedent) & (rules["consequent"] == consequent)]
    assert len(row) == 1, f"rule {antecedent} -> {consequent} not found once"
    return row.iloc[0]


# --------------------------------------------------------------------------
# itemsets and rules, by hand
# --------------------------------------------------------------------------


def test_basket_matrix_counts_a_product_once_per_basket():
    doubled = pd.concat([BASKETS, BASKETS.iloc[[0]]], ignore_index=True)
    bm = cz.basket_matrix(doubled)
    assert bm.matrix.shape == (5, 3)
    assert list(bm.products) == ["a", "b", "c"]
    assert bm.matrix.sum() == 11


def test_frequent_itemsets_hand_computed_supports():
    sets = cz.frequent_itemsets(BASKETS, min_support=0.4, max_size=3)
    support = dict(zip(sets["itemset"], sets["support"]))
    assert support == pytest.approx({("a",): 0.8, ("b",): 0.8, ("c",): 0.6, ("a", "b"): 0.6, ("a", "c"): 0.6,
                                     ("b", "c"): 0.4, ("a", "b", "c"): 0.4})
    assert sets.attrs["n_baskets"] == 5


def test_min_support_prunes_pairs_and_triples():
    sets = cz.frequent_itemsets(BASKETS, min_support=0.5, max_size=3)
    assert set(sets["itemset"]) == {("a",), ("b",), ("c",), ("a", "b"), ("a", "c")}


def test_rule_metrics_hand_computed():
    rules = cz.association_rules(BASKETS, min_support=0.4, min_confidence=0.0, min_lift=0.0, max_size=3)
    ab = _rule(rules, "a", "b")
    assert ab["support"] == pytest.approx(0.6)
    assert ab["confidence"] == pytest.approx(0.75)  # 3/4
    assert ab["lift"] == pytest.approx(0.75 / 0.8)
    assert ab["leverage"] == pytest.approx(0.6 - 0.64)
    assert ab["conviction"] == pytest.approx((1 - 0.8) / (1 - 0.75))
    ca = _rule(rules, "c", "a")
    assert ca["confidence"] == pytest.approx(1.0)
    assert math.isinf(ca["conviction"])
    triple = _rule(rules, "a + b", "c")
    assert triple["confidence"] == pytest.approx(0.4 / 0.6)
    assert triple["lift"] == pytest.approx((0.4 / 0.6) / 0.6)
    one_to_two = _rule(rules, "c", "a + b")
    assert one_to_two["confidence"] == pytest.approx(0.4 / 0.6)
    assert rules["lift"].is_monotonic_decreasing


def test_rule_filters_apply():
    rules = cz.association_rules(BASKETS, min_support=0.4, min_confidence=0.9, min_lift=1.0)
    assert set(zip(rules["antecedent"], rules["consequent"])) == {("c", "a")}


def test_inputs_are_not_mutated():
    before = BASKETS.copy()
    cz.association_rules(BASKETS, min_support=0.4, max_size=3)
    pd.testing.assert_frame_equal(BASKETS, before)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"min_support": 0}, r"min_support: expected a number from above 0 to 1, found 0"),
        ({"min_support": 1.5}, r"min_support: expected a number from above 0 to 1, found 1.5"),
        ({"min_confidence": -0.1}, r"min_confidence: expected a number from 0 to 1, found -0.1"),
        ({"min_lift": -1}, r"min_lift: expected a number >= 0, found -1"),
        ({"max_size": 4}, r"max_size: expected 2 \(pairs\) or 3 \(triples\), found 4"),
    ],
)
def test_rule_options_are_checked(kwargs, match):
    with pytest.raises(ValueError, match=match):
        cz.association_rules(BASKETS, **kwargs)


def test_baskets_missing_column_named():
    with pytest.raises(SchemaError, match=r"Table 'baskets': expected the columns order_id, product_id, found no "
                                          r"product_id among \['order_id', 'item'\] \(11 rows\)"):
        cz.basket_matrix(BASKETS.rename(columns={"product_id": "item"}))


def test_baskets_blank_ids_counted():
    bad = BASKETS.copy()
    bad.loc[[2, 4], "product_id"] = [None, "  "]
    with pytest.raises(SchemaError, match=r"Table 'baskets', column 'product_id': expected a value in every row, "
                                          r"found 2 of 11 rows without one, e.g. rows \[2, 4\]"):
        cz.basket_matrix(bad)


def test_empty_baskets_and_wrong_type():
    with pytest.raises(SchemaError, match=r"Table 'baskets': expected at least one row, found 0 rows"):
        cz.basket_matrix(BASKETS.iloc[:0])
    with pytest.raises(TypeError, match=r"baskets: expected a pandas DataFrame, found list"):
        cz.basket_matrix([1, 2])


# --------------------------------------------------------------------------
# one-basket-per-line files
# --------------------------------------------------------------------------


def test_read_basket_lines(tmp_path):
    path = tmp_path / "baskets.csv"
    path.write_text("milk, bread\n\nbeer,milk,beer\n  \nbread\n", encoding="utf-8")
    baskets = cz.read_basket_lines(path)
    assert list(baskets.columns) == ["order_id", "product_id", "quantity"]
    assert baskets.values.tolist() == [["1", "milk", 1], ["1", "bread", 1], ["3", "beer", 2], ["3", "milk", 1],
                                       ["5", "bread", 1]]


def test_read_basket_lines_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"read_basket_lines: no file at"):
        cz.read_basket_lines(tmp_path / "none.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("\n , \n", encoding="utf-8")
    with pytest.raises(SchemaError, match=r"Table 'baskets' read from .*expected lines of ','-separated items, "
                                          r"found no item"):
        cz.read_basket_lines(empty)


def test_groceries(shared_datasets):
    path = shared_datasets / "groceries.csv"
    if not path.exists():
        pytest.skip(f"{path} not found (optional robustness data)")
    lines = [line.rstrip("\n") for line in path.read_text(encoding="utf-8").splitlines()]
    sets = [set(i.strip() for i in line.split(",") if i.strip()) for line in lines if line.strip()]
    counts: dict[str, int] = {}
    for basket in sets:
        for item in basket:
            counts[item] = counts.get(item, 0) + 1
    top_item, top_count = max(counts.items(), key=lambda kv: kv[1])
    pair = sum(1 for b in sets if {"whole milk", "other vegetables"} <= b)

    baskets = cz.read_basket_lines(path)
    assert baskets["order_id"].nunique() == len(sets) == 9835
    assert baskets["product_id"].nunique() == len(counts) == 169
    sets_table = cz.frequent_itemsets(baskets, min_support=0.01, max_size=2)
    assert sets_table["itemset"].iloc[0] == (top_item,)
    assert sets_table["support"].iloc[0] == pytest.approx(top_count / len(sets))
    rules = cz.association_rules(baskets, min_support=0.001, min_confidence=0.5, max_size=3)
    veg_milk = _rule(cz.association_rules(baskets, min_support=0.01, min_confidence=0.0, min_lift=0.0),
                     "other vegetables", "whole milk")
    assert veg_milk["support"] == pytest.approx(pair / len(sets))
    assert (rules["confidence"] >= 0.5).all() and (rules["support"] >= 0.001 - 1e-12).all()


# --------------------------------------------------------------------------
# planted bundles on the synthetic world
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world():
    return load_dataset("synthetic", n_customers=2000, seed=0)


def test_planted_bundles_are_the_top_pair_rules(world):
    rules = cz.association_rules(world.baskets, min_support=0.002, min_confidence=0.1, max_size=3)
    recovery = cz.bundle_recovery(rules, world.truth.bundles)
    assert recovery.attrs["top"] == 24
    assert recovery.attrs["recall"] == 1.0
    assert recovery["confidence_error"].abs().max() < 0.12
    # confidence of a planted rule is the planted probability plus purchases of B on their own
    assert (recovery["confidence_error"] > -0.06).all()


def test_bundle_recovery_counts_misses():
    rules = cz.association_rules(BASKETS, min_support=0.4, min_confidence=0.0, min_lift=0.0)
    bundles = pd.DataFrame({"antecedent": ["c", "b"], "consequent": ["a", "x"], "probability": [0.9, 0.5]})
    out = cz.bundle_recovery(rules, bundles, top=6)
    assert out["in_top"].tolist() == [True, False]
    assert out.attrs["recall"] == 0.5
    assert out["confidence_error"].iloc[0] == pytest.approx(0.1)
    with pytest.raises(ValueError, match=r"top: expected a whole number >= 1, found 0"):
        cz.bundle_recovery(rules, bundles, top=0)


# --------------------------------------------------------------------------
# recommendations
# --------------------------------------------------------------------------

# Customers u1..u4 before the cut-off, purchases after it.
HISTORY = pd.DataFrame(
    {
        "customer_id": ["u1", "u1", "u2", "u2", "u3", "u3", "u4", "u1", "u3", "u4", "u4", "u5"],
        "product_id": ["a", "b", "a", "b", "a", "c", "c", "c", "b", "a", "c", "a"],
        "date": pd.to_datetime(["2024-01-01"] * 7 + ["2024-03-01"] * 5),
    }
)


def test_holdout_split_keeps_new_products_of_known_customers():
    split = cz.holdout_split(HISTORY, cutoff="2024-01-31")
    assert len(split.train) == 7
    # u1 c (new), u3 b (new), u4 a (new), u4 c (already bought: dropped), u5 (unknown: dropped)
    assert split.relevant.values.tolist() == [["u1", "c"], ["u3", "b"], ["u4", "a"]]
    every = cz.holdout_split(HISTORY, cutoff="2024-01-31", new_only=False)
    assert len(every.relevant) == 4
    assert split.report()["evaluated_customers"] == 3


def test_holdout_split_errors():
    with pytest.raises(ValueError, match=r"cutoff=2023-12-31: expected purchases on both sides, found 0 of 12 rows"):
        cz.holdout_split(HISTORY, cutoff="2023-12-31")
    with pytest.raises(ValueError, match=r"cutoff='soon': expected an ISO date"):
        cz.holdout_split(HISTORY, cutoff="soon")
    with pytest.raises(SchemaError, match=r"Table 'baskets': expected the columns customer_id, product_id, date, "
                                          r"found no date"):
        cz.holdout_split(HISTORY.drop(columns="date"), cutoff="2024-01-31")
    with pytest.raises(SchemaError, match=r"Table 'baskets', column 'date': expected datetime64 values, found dtype"):
        cz.holdout_split(HISTORY.assign(date=HISTORY["date"].astype(str)), cutoff="2024-01-31")


def test_item_knn_cosine_by_hand():
    train = cz.holdout_split(HISTORY, cutoff="2024-01-31").train
    model = cz.ItemKNNRecommender().fit(train)
    # columns: a = (u1, u2, u3), b = (u1, u2), c = (u3, u4)
    sim = pd.DataFrame(model.similarity_.toarray(), index=model.products_, columns=model.products_)
    assert sim.loc["a", "b"] == pytest.approx(2 / math.sqrt(3 * 2))
    assert sim.loc["a", "c"] == pytest.approx(1 / math.sqrt(3 * 2))
    assert sim.loc["b", "c"] == 0
    assert np.diag(sim).tolist() == [0, 0, 0]
    recs = model.recommend(k=2)
    # u1 owns a, b -> c scores sim(c,a) + sim(c,b) = 0.408; u4 owns c -> a (0.408), b scores 0 (not recommended)
    assert recs.loc[recs["customer_id"] == "u1", "product_id"].tolist() == ["c"]
    assert recs.loc[recs["customer_id"] == "u4", "product_id"].tolist() == ["a"]
    assert recs.loc[recs["customer_id"] == "u3", "product_id"].tolist() == ["b"]
    # without the exclusion u3 (owns a, c) gets b 0.816, then a and c at 0.408 each: a is more popular
    both = cz.ItemKNNRecommender(exclude_purchased=False).fit(train).recommend(["u3"], k=3)
    assert both["product_id"].tolist() == ["b", "a", "c"]


def test_popularity_and_metrics_by_hand():
    split = cz.holdout_split(HISTORY, cutoff="2024-01-31")
    popular = cz.PopularityRecommender().fit(split.train)
    recs = popular.recommend(k=1)
    # popularity: a 3 customers, b 2, c 2 (ties broken by product id)
    assert dict(zip(recs["customer_id"], recs["product_id"])) == {"u1": "c", "u2": "c", "u3": "b", "u4": "a"}
    metrics = cz.evaluate_recommendations(recs, split.relevant, k=1)
    # u1 c hit, u3 b hit, u4 a hit -> all three evaluated customers hit
    assert metrics.to_dict() == {"precision_at_k": 1.0, "recall_at_k": 1.0, "hit_rate": 1.0, "customers": 3}
    fake = pd.DataFrame({"customer_id": ["u1", "u1", "u3"], "rank": [1, 2, 1], "product_id": ["x", "c", "x"]})
    m = cz.evaluate_recommendations(fake, split.relevant, k=2)
    assert m["precision_at_k"] == pytest.approx((1 / 2 + 0 + 0) / 3)
    assert m["recall_at_k"] == pytest.approx((1 + 0 + 0) / 3)
    assert m["hit_rate"] == pytest.approx(1 / 3)
    assert cz.evaluate_recommendations(fake, split.relevant, k=1)["hit_rate"] == 0


def test_segment_popularity_by_hand():
    train = cz.holdout_split(HISTORY, cutoff="2024-01-31").train
    segments = pd.Series({"u1": "x", "u2": "x", "u3": "y", "u4": "y"})
    model = cz.SegmentPopularityRecommender(segments, exclude_purchased=False).fit(train)
    assert model.segment_popularity_.loc["y"].tolist() == [0.5, 0.0, 1.0]
    assert model.recommend(["u3"], k=1)["product_id"].tolist() == ["c"]
    with pytest.raises(TypeError, match=r"segments: expected a pandas Series"):
        cz.SegmentPopularityRecommender({"u1": "x"}).fit(train)


def test_recommender_errors():
    with pytest.raises(RuntimeError, match=r"ItemKNNRecommender: call fit\(interactions\) first"):
        cz.ItemKNNRecommender().recommend()
    model = cz.PopularityRecommender().fit(HISTORY)
    with pytest.raises(ValueError, match=r"1 of 2 customers were not seen in fit, e.g. \['nobody'\]"):
        model.recommend(["u1", "nobody"])
    with pytest.raises(ValueError, match=r"k: expected a whole number >= 1, found 0"):
        model.recommend(k=0)
    with pytest.raises(ValueError, match=r"n_neighbors: expected a whole number >= 1 or None, found 0"):
        cz.ItemKNNRecommender(n_neighbors=0).fit(HISTORY)
    with pytest.raises(SchemaError, match=r"Table 'interactions': expected the columns customer_id, product_id"):
        cz.ItemKNNRecommender().fit(HISTORY.drop(columns="customer_id"))
    with pytest.raises(SchemaError, match=r"Table 'recommendations': expected the columns customer_id, rank, "
                                          r"product_id, found no rank"):
        cz.evaluate_recommendations(HISTORY, HISTORY, k=1)


def test_item_knn_beats_popularity_on_the_synthetic_world(world):
    split = cz.holdout_split(world.baskets, cutoff="2025-03-31")
    table = cz.compare_recommenders(
        split, {"knn": cz.ItemKNNRecommender(), "pop": cz.PopularityRecommender()}, k=5
    )
    assert table.loc["knn", "hit_rate"] > table.loc["pop", "hit_rate"] + 0.1
    assert table.loc["knn", "recall_at_k"] > table.loc["pop", "recall_at_k"]
    again = cz.compare_recommenders(split, {"knn": cz.ItemKNNRecommender()}, k=5)
    assert again.loc["knn"].equals(table.loc["knn"])  # deterministic


# --------------------------------------------------------------------------
# next best offer
# --------------------------------------------------------------------------

CANDIDATES = pd.DataFrame(
    {
        "customer_id": ["u1", "u1", "u1", "u2", "u2", "u3"],
        "product_id": ["a", "b", "c", "a", "c", "b"],
        "p_accept": [0.5, 0.2, 0.4, 0.1, 0.3, 0.9],
    }
)
MARGINS = pd.Series({"a": 10.0, "b": 40.0, "c": 12.0})
CATEGORIES = pd.Series({"a": "food", "b": "tech", "c": "food"})


def test_next_best_offer_by_hand():
    offers = cz.next_best_offers(CANDIDATES, margins=MARGINS, categories=CATEGORIES)
    # u1: a 5, b 8, c 4.8 -> b; u2: a 1, c 3.6 -> c; u3: b 36
    assert offers[["customer_id", "product_id"]].values.tolist() == [["u3", "b"], ["u1", "b"], ["u2", "c"]]
    assert offers["expected_value"].tolist() == pytest.approx([36.0, 8.0, 3.6])
    assert offers["priority"].tolist() == [1, 2, 3]


def test_next_best_offer_constraints():
    two = cz.next_best_offers(CANDIDATES, margins=MARGINS, categories=CATEGORIES, offers_per_customer=2)
    # u1 may get only one food offer: b (8) then a (5), not c
    assert two.loc[two["customer_id"] == "u1", "product_id"].tolist() == ["b", "a"]
    two_food = cz.next_best_offers(CANDIDATES, margins=MARGINS, categories=CATEGORIES, offers_per_customer=3,
                                   max_per_category=2)
    assert two_food.loc[two_food["customer_id"] == "u1", "product_id"].tolist() == ["b", "a", "c"]
    bought = pd.DataFrame({"customer_id": ["u3"], "product_id": ["b"]})
    budget = cz.next_best_offers(CANDIDATES, margins=MARGINS, purchased=bought, budget=1, contact_cost=4.0)
    assert budget["customer_id"].tolist() == ["u1"]
    assert budget.attrs == {"eligible_customers": 1, "contacted_customers": 1}  # u2 (3.6) does not cover 4.0


def test_next_best_offer_errors():
    with pytest.raises(SchemaError, match=r"Table 'candidates', column 'p_accept': expected probabilities from 0 to 1, "
                                          r"found 1 of 6 rows otherwise, e.g. \[1.5\]"):
        cz.next_best_offers(CANDIDATES.assign(p_accept=[0.5, 0.2, 1.5, 0.1, 0.3, 0.9]), margins=MARGINS)
    with pytest.raises(SchemaError, match=r"Table 'candidates': expected the columns customer_id, product_id, p_accept"):
        cz.next_best_offers(CANDIDATES.drop(columns="p_accept"), margins=MARGINS)
    with pytest.raises(ValueError, match=r"budget: expected a whole number >= 1 or None, found 0"):
        cz.next_best_offers(CANDIDATES, margins=MARGINS, budget=0)
    with pytest.raises(ValueError, match=r"contact_cost: expected a number >= 0, found -1"):
        cz.next_best_offers(CANDIDATES, margins=MARGINS, contact_cost=-1)


def test_product_margins_and_acceptance():
    products = pd.DataFrame({"product_id": ["a", "b"], "list_price": [10.0, 20.0]})
    margins = cz.product_margins(products, margin_rate=0.25, margins={"b": 7.0})
    assert margins.to_dict() == {"a": 2.5, "b": 7.0}
    with pytest.raises(SchemaError, match=r"Table 'products', column 'list_price': expected prices >= 0, found 1 of 2"):
        cz.product_margins(products.assign(list_price=[10.0, -1.0]))
    with pytest.raises(ValueError, match=r"margin_rate: expected a number from 0 to 1, found 2"):
        cz.product_margins(products, margin_rate=2)
    recs = pd.DataFrame({"customer_id": ["u1", "u1", "u2", "u2"], "rank": [1, 2, 1, 2],
                         "product_id": ["a", "b", "b", "a"]})
    relevant = pd.DataFrame({"customer_id": ["u1", "u2"], "product_id": ["a", "a"]})
    assert cz.acceptance_by_rank(recs, relevant).to_dict() == {1: 0.5, 2: 0.5}
    rates = cz.acceptance_rates(recs, relevant, categories=pd.Series({"a": "x", "b": "y"}), prior_strength=2)
    # rank 1: rate 0.5; cell (1, x): 1 of 1 -> (1 + 2*0.5) / 3
    assert rates.set_index(["rank", "category"]).loc[(1, "x"), "p_accept"] == pytest.approx(2 / 3)
    cands = cz.offer_candidates(recs, rates, categories=pd.Series({"a": "x", "b": "y"}))
    assert cands["p_accept"].between(0, 1).all() and len(cands) == 4
    summary = cz.offer_summary(cz.next_best_offers(CANDIDATES, margins=MARGINS, categories=CATEGORIES))
    assert summary.loc["tech", "offers"] == 2 and summary.loc["tech", "expected_value"] == pytest.approx(44.0)


# --------------------------------------------------------------------------
# reliability: ties, unknown ids, degenerate inputs (issue 8)
# --------------------------------------------------------------------------


def test_symmetric_rules_tie_exactly_and_sort_by_confidence_then_support():
    rules = cz.association_rules(BASKETS, min_support=0.4, min_confidence=0.0, min_lift=0.0)
    ab, ba = _rule(rules, "a", "b"), _rule(rules, "b", "a")
    assert ab["lift"] == ba["lift"]  # bit for bit: computed from whole counts
    keys = list(zip(-rules["lift"], -rules["confidence"], -rules["support"], rules["antecedent"], rules["consequent"]))
    assert keys == sorted(keys)


def test_rules_from_identical_baskets_warn():
    same = pd.DataFrame({"order_id": ["1", "1", "2", "2"], "product_id": ["a", "b", "a", "b"]})
    with pytest.warns(IdicLabWarning, match=r"all 2 baskets hold the same products"):
        rules = cz.association_rules(same, min_support=0.1)
    assert (rules["lift"] == 1).all()


def test_float_ids_are_made_whole_or_refused():
    whole = cz.basket_matrix(pd.DataFrame({"order_id": [17850.0, 17851.0], "product_id": [1, 2]}))
    assert list(whole.rows) == ["17850", "17851"] and list(whole.products) == ["1", "2"]
    with pytest.raises(SchemaError, match=r"column 'order_id'.*2 of 2 rows stored as floats"):
        cz.basket_matrix(pd.DataFrame({"order_id": [2.0**60, 2.0**60 + 256], "product_id": ["a", "b"]}))


def test_recommend_for_unknown_customers_on_request():
    model = cz.PopularityRecommender().fit(HISTORY.loc[HISTORY["date"] < "2024-02-01"])
    skipped = model.recommend(["nobody", "u1"], k=2, unknown="skip")
    assert skipped["customer_id"].unique().tolist() == ["u1"] and skipped.attrs["unknown_customers"] == 1
    cold = model.recommend(["u1", "nobody"], k=2, unknown="popular")
    assert cold.loc[cold["customer_id"] == "nobody", "product_id"].tolist() == ["a", "b"]
    assert cold["customer_id"].unique().tolist() == ["u1", "nobody"]  # the order asked for


def test_recommend_takes_one_id_and_repeats_once():
    model = cz.PopularityRecommender().fit(HISTORY)
    assert model.recommend("u1", k=3).equals(model.recommend(["u1", "u1"], k=3))


def test_similar_products_skip_unrelated_and_warn_for_unknown():
    train = cz.holdout_split(HISTORY, cutoff="2024-01-31").train
    model = cz.ItemKNNRecommender().fit(train)
    assert model.similar_products("b").index.tolist() == ["a"]  # c was never bought with b: cosine 0, left out
    with pytest.warns(IdicLabWarning, match=r"product 'x' was not bought in the data passed to fit"):
        assert model.similar_products("x").empty


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_read_basket_lines_detects_the_encoding(tmp_path, encoding):
    path = tmp_path / "baskets.txt"
    path.write_bytes("Käse,Brot\nMüsli\n".encode(encoding))
    assert cz.read_basket_lines(path)["product_id"].tolist() == ["Käse", "Brot", "Müsli"]


def test_products_without_margin_are_counted():
    with pytest.warns(IdicLabWarning, match=r"1 of 6 candidates are products without a margin \(e.g. \['c'\]\)"):
        offers = cz.next_best_offers(CANDIDATES.assign(product_id=["a", "b", "a", "a", "b", "c"]),
                                     margins=MARGINS.drop("c"))
    assert "c" not in set(offers["product_id"])


def test_offer_summary_breaks_ties_by_category():
    offers = pd.DataFrame({"category": ["z", "a"], "p_accept": [0.5, 0.5], "expected_value": [1.0, 1.0]})
    assert cz.offer_summary(offers).index.tolist() == ["a", "z"]


def test_product_list_with_decimal_commas_and_dropped_rows_counted(tmp_path):
    path = tmp_path / "artikel.csv"
    path.write_text("Artikel,Gruppe,Preis\nA1,x,\"12,50\"\nA1,x,\"12,50\"\nB2,y,\"3,00\"\n", encoding="utf-8")
    mapping = {"product_id": "Artikel", "category": "Gruppe", "list_price": "Preis"}
    with pytest.warns(IdicLabWarning, match=r"1 of 3 rows of artikel.csv were dropped \(1 exact duplicate row\)"):
        products = cz.load_product_list(path, columns=mapping, decimal=",")
    assert products["list_price"].tolist() == [12.5, 3.0]
    with pytest.raises(SchemaError, match=r"artikel.csv.*decimal=','"):
        cz.load_product_list(path, columns=mapping)


# --------------------------------------------------------------------------
# late products, basket prices, and notebook 04 in client mode
# --------------------------------------------------------------------------


def test_holdout_split_counts_products_first_sold_after_the_cutoff():
    lines = pd.DataFrame({
        "customer_id": ["a", "a", "b", "b", "a", "b"],
        "product_id": ["P1", "P2", "P1", "P3", "NEW", "NEW"],
        "date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03", "2024-02-01", "2024-03-01", "2024-03-02"]),
    })
    split = cz.holdout_split(lines, cutoff="2024-02-15")
    assert split.late_products == 1 and split.late_pairs == 2
    assert split.report()[["late_products", "late_pairs"]].tolist() == [1, 2]
    knn = cz.ItemKNNRecommender().fit(split.train)
    scores = cz.compare_recommenders(split, {"item-kNN": knn, "popularity": cz.PopularityRecommender()}, k=2)
    assert (scores["recall_at_k"] == 0).all()  # nobody can recommend NEW: counted as misses, no KeyError


def test_basket_prices_median_of_positive_prices():
    lines = pd.DataFrame({"order_id": ["1", "2", "3", "4"], "product_id": ["A", "A", "A", "B"],
                          "UnitPrice": ["1,50", "2,50", "0", ""]})
    prices = cz.basket_prices(lines, "UnitPrice", decimal=",")
    assert prices.to_dict("list") == {"product_id": ["A"], "list_price": [2.0]}
    assert prices.attrs["unpriced_products"] == 1
    with pytest.raises(SchemaError, match=r"expected the price column 'Preis'"):
        cz.basket_prices(lines, "Preis")
    with pytest.raises(SchemaError, match=r"expected prices \(numbers\), found 2 of 4"):
        cz.basket_prices(lines, "UnitPrice")


NOTEBOOK_04 = Path(__file__).resolve().parents[1] / "notebooks" / "04_customize.ipynb"


@pytest.mark.notebook
def test_notebook_04_client_run_on_invoice_lines_with_a_late_product(tmp_path):
    import importlib.util
    import json

    import nbformat

    from idic_lab.report import run_notebook

    spec = importlib.util.spec_from_file_location("c04_cases", Path(__file__).parent / "notebook_cases" / "c04_customize.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    parameters = dict(module.CASES)["client_invoice_lines_late_product"](tmp_path)
    # mode="client": run_notebook executes the client copy (no teaching cells, no section without its input)
    run = run_notebook(NOTEBOOK_04, tmp_path / "out" / "04_customize.ipynb", parameters=parameters)
    assert run.ok, run.error
    assert not run.warnings, run.warnings
    results = run.results
    text = json.dumps(results).lower()
    assert "planted" not in text and "bundle" not in text and "segment" not in text
    assert results["report.data.baskets"]["file"] == "bonpositionen.csv"
    dropped = results["report.cleaning.baskets"]["dropped"]
    assert any("non-product" in reason and rows >= 1 for reason, rows in dropped.items())  # POST (and C2, see schema)
    assert not any("customer" in reason and rows for reason, rows in dropped.items())  # kept for basket rules
    findings = [f["text"] for f in results["report.findings"]]
    assert len(findings) == 3 and "EUR" in findings[2]
    executed = nbformat.read(tmp_path / "out" / "04_customize.ipynb", as_version=4)
    shown = "\n".join(c.source for c in executed.cells if c.cell_type == "markdown")
    shown += "\n".join(str(o.get("text", "")) + "".join(str(o.get("data", {}).get(kind, ""))
                                                        for kind in ("text/plain", "text/html", "text/markdown"))
                       for c in executed.cells for o in c.get("outputs", []))
    assert "products were first sold after the cut-off" in shown
    assert "synthetic" not in shown.lower() and "planted" not in shown.lower()
    assert "K0" not in shown  # customer ids pseudonymised in the offers table


# --- conjoint: planted part-worths recovered -----------------------------------------------------

from idic_lab.synth import make_conjoint_survey  # noqa: E402


@pytest.fixture(scope="module")
def conjoint_survey():
    return make_conjoint_survey(400, seed=0, world=load_dataset("synthetic", n_customers=2000, seed=0))


def test_conjoint_part_worths_recovered_within_the_noise(conjoint_survey):
    # ~100 respondents x 12 ratings per segment, noise sd 6 plus a leniency sd 6: the standard error of a
    # part-worth is about 0.7 rating points, so 3.5 points (5 standard errors) is a failure, not bad luck.
    estimated = cz.estimate_part_worths(conjoint_survey.ratings, conjoint_survey.attributes)
    merged = estimated.merge(conjoint_survey.part_worths, on=["segment", "attribute", "level"], suffixes=("", "_planted"))
    assert len(merged) == len(conjoint_survey.part_worths)
    assert estimated["std_error"].max() < 1.0
    assert (merged["part_worth"] - merged["part_worth_planted"]).abs().max() < 3.5


def test_conjoint_importance_ordering_and_bundles_recovered(conjoint_survey):
    estimated = cz.estimate_part_worths(conjoint_survey.ratings, conjoint_survey.attributes)
    importance = cz.attribute_importance(estimated)
    planted = conjoint_survey.importance()
    for segment in planted.index:
        assert list(importance.loc[segment].sort_values().index) == list(planted.loc[segment].sort_values().index)
    found = cz.preferred_bundle(estimated).astype(str).to_dict("index")
    assert found == conjoint_survey.best_bundle().astype(str).to_dict("index")


def test_shares_of_preference_sum_to_one(conjoint_survey):
    estimated = cz.estimate_part_worths(conjoint_survey.ratings, conjoint_survey.attributes)
    for rule in ("logit", "first-choice"):
        shares = cz.share_of_preference(estimated, cz.EXAMPLE_CONFIGURATIONS, rule=rule)
        assert abs(shares.sum() - 1) < 1e-12 and (shares >= 0).all()
    first = cz.share_of_preference(estimated, cz.EXAMPLE_CONFIGURATIONS, rule="first-choice")
    assert first.max() < 1  # four segments, different winners


def test_conjoint_survey_is_seeded_and_segmented(conjoint_survey):
    again = make_conjoint_survey(400, seed=0, world=load_dataset("synthetic", n_customers=2000, seed=0))
    pd.testing.assert_frame_equal(conjoint_survey.ratings, again.ratings)
    assert conjoint_survey.ratings["rating"].between(0, 100).all()
    assert conjoint_survey.ratings.groupby("respondent_id")["segment"].nunique().max() == 1
