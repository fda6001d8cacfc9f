"""Bad inputs for the Customize stage (idic_lab.customize): basket rules, recommendations, next best offer."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from battery.harness import Case, answered, cleaned, parametrize, refused, run_case, warned
from idic_lab import customize as cz

# o1: a b c   o2: a b   o3: a c   o4: b   o5: a b c
BASKETS = pd.DataFrame({"order_id": ["o1", "o1", "o1", "o2", "o2", "o3", "o3", "o4", "o5", "o5", "o5"],
                        "product_id": ["a", "b", "c", "a", "b", "a", "c", "b", "a", "b", "c"]})

# u1..u4 buy before the cut-off (2024-01-31); u1, u3, u4 buy new products after it; u5 only after it.
HISTORY = pd.DataFrame({
    "customer_id": ["u1", "u1", "u2", "u2", "u3", "u3", "u4", "u1", "u3", "u4", "u4", "u5"],
    "product_id": ["a", "b", "a", "b", "a", "c", "c", "c", "b", "a", "c", "a"],
    "date": pd.to_datetime(["2024-01-01"] * 7 + ["2024-03-01"] * 5),
})
RECS = pd.DataFrame({"customer_id": ["u1", "u1", "u3", "u3"], "rank": [1, 2, 1, 2], "product_id": ["c", "a", "b", "a"]})
RELEVANT = pd.DataFrame({"customer_id": ["u1", "u3"], "product_id": ["c", "x"]})
CANDIDATES = pd.DataFrame({"customer_id": ["u1", "u1", "u2"], "product_id": ["a", "b", "a"],
                           "p_accept": [0.5, 0.2, 0.4]})
MARGINS = pd.Series({"a": 10.0, "b": 40.0})


def _split():
    return cz.holdout_split(HISTORY, cutoff="2024-01-31")


def _file(name: str, content: bytes) -> Path:
    path = Path(tempfile.mkdtemp(prefix="battery_customize_")) / name
    path.write_bytes(content)
    return path


def _cold_start():
    recs = cz.PopularityRecommender().fit(_split().train).recommend(["newcomer", "u2"], k=2, unknown="popular")
    # the newcomer gets the most popular products (a: 3 customers, then b before c by id), asked-for order kept
    assert recs["customer_id"].tolist()[:2] == ["newcomer", "newcomer"]
    assert recs.loc[recs["customer_id"] == "newcomer", "product_id"].tolist() == ["a", "b"]
    return recs.attrs["unknown_customers"] == 1


CASES = [
    Case("basket prices: text prices with a comma read, zero prices left out", "customize.basket_prices",
         lambda: cz.basket_prices(pd.DataFrame({"order_id": ["1", "2"], "product_id": ["A", "B"],
                                                "Preis": ["2,50", "0"]}), "Preis", decimal=","),
         answered(lambda t: t["list_price"].tolist() == [2.5] and t.attrs["unpriced_products"] == 1)),
    Case("basket prices: a price that is not a number refused", "customize.basket_prices",
         lambda: cz.basket_prices(pd.DataFrame({"order_id": ["1"], "product_id": ["A"], "Preis": ["zwei"]}), "Preis"),
         refused(r"expected prices \(numbers\), found 1 of 1", mentions=("baskets", "Preis"))),
    Case("basket prices: absent column refused", "customize.basket_prices",
         lambda: cz.basket_prices(pd.DataFrame({"order_id": ["1"], "product_id": ["A"]}), "UnitPrice"),
         refused(r"expected the price column 'UnitPrice'", mentions=("baskets", "UnitPrice"))),
    # ---- basket matrix, itemsets, rules -------------------------------------------------------
    Case("baskets: float order ids above 2^53 refused, never merged", "customize.basket_matrix",
         lambda: cz.basket_matrix(pd.DataFrame({"order_id": [1e17, 1e17 + 16], "product_id": ["a", "b"]})),
         refused(r"2\^53.*Read the ids as text", mentions=("baskets", "order_id"))),
    Case("baskets: ids in scientific notation refused", "customize.basket_matrix",
         lambda: cz.basket_matrix(pd.DataFrame({"order_id": ["1.2E+17", "1.2E+17"], "product_id": ["a", "b"]})),
         refused(r"2 of 2 rows written in scientific notation", mentions=("baskets", "order_id")), targets=("table:baskets",)),
    Case("baskets: a MultiIndex header is refused with a fix", "customize.basket_matrix",
         lambda: cz.basket_matrix(pd.DataFrame([["o1", "a"]], columns=pd.MultiIndex.from_tuples(
             [("order_id", "x"), ("product_id", "y")]))),
         refused(r"MultiIndex of 2 levels.*Flatten", mentions=("baskets",))),
    Case("baskets: a column name twice is refused", "customize.basket_matrix",
         lambda: cz.basket_matrix(pd.DataFrame([["o1", "a", "b"]], columns=["order_id", "product_id", "product_id"])),
         refused(r"more than once", mentions=("baskets", "product_id"))),
    Case("baskets: a missing product id points to clean('baskets')", "customize.frequent_itemsets",
         lambda: cz.frequent_itemsets(BASKETS.assign(product_id=["a", None] + BASKETS["product_id"].tolist()[2:])),
         refused(r"1 of 11 rows without one.*clean\('baskets', frame\)", mentions=("baskets", "product_id"))),
    Case("itemsets: max_size 2.0 (a float) refused", "customize.frequent_itemsets",
         lambda: cz.frequent_itemsets(BASKETS, max_size=2.0),
         refused(r"max_size: expected 1, 2 or 3, found 2.0", mentions=("max_size",))),
    Case("rules: min_support 0 refused", "customize.association_rules",
         lambda: cz.association_rules(BASKETS, min_support=0),
         refused(r"min_support: expected a number from above 0 to 1, found 0", mentions=("min_support",))),
    Case("rules: min_confidence above 1 refused", "customize.association_rules",
         lambda: cz.association_rules(BASKETS, min_confidence=1.5),
         refused(r"min_confidence: expected a number from 0 to 1, found 1.5", mentions=("min_confidence",))),
    Case("rules: NaN min_lift refused (used to give an empty table)", "customize.association_rules",
         lambda: cz.association_rules(BASKETS, min_lift=float("nan")),
         refused(r"min_lift: expected a number >= 0, found nan \(it must be finite\)", mentions=("min_lift",))),
    Case("rules: baskets of one product each warn why there are no rules", "customize.association_rules",
         lambda: cz.association_rules(pd.DataFrame({"order_id": ["1", "2", "3"], "product_id": ["a", "b", "a"]})),
         warned(r"all 3 baskets hold a single product", then=lambda rules: rules.empty)),
    Case("rules: identical baskets warn that every lift is 1", "customize.association_rules",
         lambda: cz.association_rules(pd.DataFrame({"order_id": list("112233"), "product_id": list("ababab")})),
         warned(r"all 3 baskets hold the same products, so every support is 1 and every lift is 1",
                then=lambda rules: (rules["lift"] == 1).all())),
    Case("rules: thresholds nothing passes warn with the reason", "customize.association_rules",
         lambda: cz.association_rules(BASKETS, min_support=0.9),
         warned(r"no rule found in 5 baskets: no pair of products reaches min_support=0.9",
                then=lambda rules: rules.empty)),
    Case("rules: A->B and B->A tie exactly and sort by confidence, support, then text", "customize.association_rules",
         lambda: cz.association_rules(BASKETS, min_support=0.4, min_confidence=0, min_lift=0),
         answered(lambda r: r.loc[(r["antecedent"] == "a") & (r["consequent"] == "b"), "lift"].iloc[0]
                  == r.loc[(r["antecedent"] == "b") & (r["consequent"] == "a"), "lift"].iloc[0]
                  and r[["lift", "confidence", "support"]].apply(tuple, axis=1).tolist()
                  == sorted(r[["lift", "confidence", "support"]].apply(tuple, axis=1).tolist(), reverse=True),
                  "lift is symmetric bit for bit; rows sorted by lift, confidence, support")),
    Case("bundles: text probability refused", "customize.bundle_recovery",
         lambda: cz.bundle_recovery(cz.association_rules(BASKETS, min_support=0.4, min_confidence=0, min_lift=0),
                                    pd.DataFrame({"antecedent": ["a"], "consequent": ["b"], "probability": ["high"]})),
         refused(r"expected probabilities from 0 to 1, found 1 of 1 rows", mentions=("bundles", "probability"))),
    Case("bundles: an empty rules table says how to get rules", "customize.bundle_recovery",
         lambda: cz.bundle_recovery(cz.association_rules(BASKETS, min_support=0.4).iloc[:0],
                                    pd.DataFrame({"antecedent": ["a"], "consequent": ["b"], "probability": [0.5]})),
         refused(r"found 0 rows\. association_rules found no rule: lower min_support", mentions=("rules",))),
    # ---- reading files -------------------------------------------------------------------------
    Case("basket lines: UTF-16 file read (byte-order mark)", "customize.read_basket_lines",
         lambda: cz.read_basket_lines(_file("groceries.txt", "milk,bread\nbutter\n".encode("utf-16"))),
         answered(lambda b: b["product_id"].tolist() == ["milk", "bread", "butter"], "three items read")),
    Case("basket lines: cp1252 text read without an encoding error", "customize.read_basket_lines",
         lambda: cz.read_basket_lines(_file("k.txt", "Käse,Brot\n".encode("cp1252"))),
         answered(lambda b: b["product_id"].tolist() == ["Käse", "Brot"], "umlaut kept")),
    Case("basket lines: wrong encoding named with the file", "customize.read_basket_lines",
         lambda: cz.read_basket_lines(_file("k.txt", "Käse,Brot\n".encode("cp1252")), encoding="utf-8"),
         refused(r"file k.txt is not utf-8 text.*encoding='cp1252'", mentions=("encoding",))),
    Case("basket lines: empty separator refused", "customize.read_basket_lines",
         lambda: cz.read_basket_lines(_file("b.txt", b"a,b\n"), sep=""),
         refused(r"sep must be the item separator", mentions=("sep",))),
    Case("baskets file: a mapped column the file lacks is named with the file", "customize.load_baskets",
         lambda: cz.load_baskets(_file("bons.csv", b"Bon,Artikel\n1,a\n1,b\n"),
                                 columns={"order_id": "Bon", "product_id": "Art"}),
         refused(r"bons\.csv", mentions=("product_id",))),
    Case("baskets file: an exact duplicate line is dropped with a count", "customize.load_baskets",
         lambda: cz.load_baskets(_file("bons.csv", b"Bon;Artikel\n1;a\n1;b\n1;b\n2;a\n"),
                                 columns={"order_id": "Bon", "product_id": "Artikel"}),
         cleaned(r"duplicate", 1)),
    Case("products file: text list_price refused, naming the file and the client column", "customize.load_product_list",
         lambda: cz.load_product_list(_file("artikel.csv", b"sku,cat,price\nA,x,1.5\nB,y,abc\n"),
                                      columns={"product_id": "sku", "category": "cat", "list_price": "price"}),
         refused(r"artikel\.csv.*1 of 2 rows", mentions=("products", "list_price", "price")), targets=("table:products",)),
    Case("products file: an infinite price refused", "customize.load_product_list",
         lambda: cz.load_product_list(_file("p.csv", b"product_id,category,list_price\nA,x,inf\nB,y,2\n")),
         refused(r"p\.csv.*1 of 2 rows", mentions=("products", "list_price"))),
    # ---- holdout and recommenders --------------------------------------------------------------
    Case("holdout: cut-off after the last purchase suggests one inside the range", "customize.holdout_split",
         lambda: cz.holdout_split(HISTORY, cutoff="2030-01-01"),
         refused(r"found 12 of 12 rows up to the cut-off.*dates run from 2024-01-01 to 2024-03-01.*cutoff='2024-",
                 mentions=("cutoff",))),
    Case("holdout: an int cut-off is refused, not read as 1970", "customize.holdout_split",
         lambda: cz.holdout_split(HISTORY, cutoff=20240131),
         refused(r"cutoff=20240131: expected an ISO date.*nanoseconds after 1970", mentions=("cutoff",))),
    Case("holdout: no new purchase after the cut-off warns of an empty holdout", "customize.holdout_split",
         lambda: cz.holdout_split(HISTORY.assign(product_id="a"), cutoff="2024-01-31"),
         warned(r"the holdout is empty.*Choose an earlier cut-off", then=lambda split: split.relevant.empty)),
    Case("recommend: an unknown customer is a clear error, not a KeyError", "customize.ItemKNNRecommender",
         lambda: cz.ItemKNNRecommender().fit(_split().train).recommend(["u1", "nobody"], k=2),
         refused(r"1 of 2 customers were not seen in fit, e.g. \['nobody'\].*unknown='popular'",
                 mentions=("recommend",))),
    Case("recommend: the cold-start fallback is stated and ordered", "customize.PopularityRecommender",
         _cold_start, answered(lambda ok: ok, "newcomer gets a, b; counted in attrs")),
    Case("recommend: an unknown value of unknown= lists the choices", "customize.PopularityRecommender",
         lambda: cz.PopularityRecommender().fit(_split().train).recommend(k=2, unknown="fallback"),
         refused(r"unknown: expected one of 'error', 'popular', 'skip', found 'fallback'", mentions=("unknown",))),
    Case("recommend: k=0 refused", "customize.ItemKNNRecommender",
         lambda: cz.ItemKNNRecommender().fit(_split().train).recommend(k=0),
         refused(r"k: expected a whole number >= 1, found 0", mentions=("k",))),
    Case("similar products: a product first sold after the cut-off warns and gives an empty list",
         "customize.ItemKNNRecommender",
         lambda: cz.ItemKNNRecommender().fit(_split().train.loc[lambda t: t["product_id"] != "c"]).similar_products("c"),
         warned(r"product 'c' was not bought in the data passed to fit", then=lambda s: s.empty)),
    Case("segments: a customer labelled twice refused", "customize.SegmentPopularityRecommender",
         lambda: cz.SegmentPopularityRecommender(pd.Series(["x", "y"], index=["u1", "u1"])).fit(_split().train),
         refused(r"one label per customer_id.*\['u1'\]", mentions=("segments",))),
    Case("evaluate: an empty holdout is refused, never a 0/0 figure", "customize.evaluate_recommendations",
         lambda: cz.evaluate_recommendations(RECS, RELEVANT.iloc[:0], k=2),
         refused(r"found 0 rows: precision@k and recall@k are undefined.*earlier cut-off", mentions=("relevant",))),
    Case("evaluate: text ranks refused", "customize.evaluate_recommendations",
         lambda: cz.evaluate_recommendations(RECS.assign(rank="first"), RELEVANT, k=2),
         refused(r"expected ranks >= 1, found 4 of 4 rows", mentions=("recommendations", "rank"))),
    Case("evaluate: a recommender that recommends nothing scores 0", "customize.evaluate_recommendations",
         lambda: cz.evaluate_recommendations(RECS.iloc[:0], RELEVANT, k=2),
         answered(lambda m: m["hit_rate"] == 0 and m["precision_at_k"] == 0 and m["customers"] == 2, "all zero")),
    Case("compare: models given as a list refused", "customize.compare_recommenders",
         lambda: cz.compare_recommenders(_split(), [cz.ItemKNNRecommender()], k=2),
         refused(r"models: expected a dict \{name: recommender\}", mentions=("models",))),
    Case("compare: an empty holdout refused before fitting", "customize.compare_recommenders",
         lambda: cz.compare_recommenders(cz.HoldoutSplit(_split().train, RELEVANT.iloc[:0], pd.Timestamp("2024-01-31")),
                                         {"pop": cz.PopularityRecommender()}, k=2),
         refused(r"precision@k and recall@k are undefined", mentions=("relevant",))),
    # ---- next best offer -----------------------------------------------------------------------
    Case("acceptance: recommendations of customers outside the holdout refused", "customize.acceptance_by_rank",
         lambda: cz.acceptance_by_rank(RECS.assign(customer_id="zz"), RELEVANT),
         refused(r"none of its 1 customers has a purchase in relevant", mentions=("recommendations", "relevant"))),
    Case("acceptance rates: an infinite prior_strength refused", "customize.acceptance_rates",
         lambda: cz.acceptance_rates(RECS, RELEVANT, prior_strength=float("inf")),
         refused(r"prior_strength: expected a number >= 0, found inf", mentions=("prior_strength",))),
    Case("acceptance rates: categories given as a list refused", "customize.acceptance_rates",
         lambda: cz.acceptance_rates(RECS, RELEVANT, categories=["x", "y"]),
         refused(r"categories: expected a pandas Series or dict indexed by product_id", mentions=("categories",))),
    Case("offer candidates: a probability above 1 in the rates refused", "customize.offer_candidates",
         lambda: cz.offer_candidates(RECS, pd.DataFrame({"rank": [1, 2], "category": ["(all)"] * 2,
                                                         "p_accept": [1.2, 0.1]})),
         refused(r"expected probabilities from 0 to 1, found 1 of 2 rows", mentions=("rates", "p_accept"))),
    Case("offer candidates: ranks without a rate are dropped with a count", "customize.offer_candidates",
         lambda: cz.offer_candidates(RECS, pd.DataFrame({"rank": [1], "category": ["(all)"], "p_accept": [0.3]})),
         warned(r"2 of 4 recommendations are at ranks without a rate \(rank 2\)",
                then=lambda c: c["rank"].eq(1).all() and c["p_accept"].eq(0.3).all())),
    Case("margins: a product listed twice refused", "customize.product_margins",
         lambda: cz.product_margins(pd.DataFrame({"product_id": ["a", "a"], "list_price": [1.0, 2.0]})),
         refused(r"expected each product once, found 1 of 2 rows", mentions=("products", "product_id"))),
    Case("margins: a NaN override refused (used to keep the computed margin silently)", "customize.product_margins",
         lambda: cz.product_margins(pd.DataFrame({"product_id": ["a"], "list_price": [10.0]}), margins={"a": np.nan}),
         refused(r"expected margins >= 0, found 1 of 1 rows.*finite", mentions=("margins", "margin"))),
    Case("offers: an infinite margin refused (used to give inf expected values)", "customize.next_best_offers",
         lambda: cz.next_best_offers(CANDIDATES, margins=pd.Series({"a": np.inf, "b": 40.0})),
         refused(r"expected margins >= 0, found 1 of 2 rows otherwise, e.g. \[inf\]", mentions=("margins", "margin"))),
    Case("offers: a negative margin refused with a fix", "customize.next_best_offers",
         lambda: cz.next_best_offers(CANDIDATES, margins=pd.Series({"a": -1.0, "b": 40.0})),
         refused(r"sold at a loss is never worth offering.*margins\[margins >= 0\]", mentions=("margins",))),
    Case("offers: NaN p_accept refused", "customize.next_best_offers",
         lambda: cz.next_best_offers(CANDIDATES.assign(p_accept=[0.5, np.nan, 0.4]), margins=MARGINS),
         refused(r"expected a value in every row, found 1 of 3 rows.*frame.dropna\(subset=\[.p_accept.\]\)",
                 mentions=("candidates", "p_accept"))),
    Case("offers: a contact budget of 0 refused", "customize.next_best_offers",
         lambda: cz.next_best_offers(CANDIDATES, margins=MARGINS, budget=0),
         refused(r"budget: expected a whole number >= 1 or None, found 0", mentions=("budget",))),
    Case("offers: a NaN contact cost refused (used to contact nobody silently)", "customize.next_best_offers",
         lambda: cz.next_best_offers(CANDIDATES, margins=MARGINS, contact_cost=float("nan")),
         refused(r"contact_cost: expected a number >= 0, found nan", mentions=("contact_cost",))),
    Case("offers: nobody worth the contact cost warns with the reason", "customize.next_best_offers",
         lambda: cz.next_best_offers(CANDIDATES, margins=MARGINS, contact_cost=100.0),
         warned(r"no customer qualifies.*does not exceed the contact cost of 100",
                then=lambda o: o.empty and o.attrs["eligible_customers"] == 0)),
    Case("offers: tied customers are ordered by id", "customize.next_best_offers",
         lambda: cz.next_best_offers(pd.DataFrame({"customer_id": ["u9", "u1"], "product_id": ["a", "a"],
                                                   "p_accept": [0.5, 0.5]}), margins=MARGINS),
         answered(lambda o: o["customer_id"].tolist() == ["u1", "u9"], "u1 before u9")),
    Case("offer summary: an empty offer list gives an empty summary", "customize.offer_summary",
         lambda: cz.offer_summary(cz.next_best_offers(CANDIDATES, margins=MARGINS, contact_cost=100.0)),
         warned(r"no customer qualifies", then=lambda s: s.empty and "expected_value_per_offer" in s.columns)),
    Case("offer summary: NaN expected values refused", "customize.offer_summary",
         lambda: cz.offer_summary(pd.DataFrame({"category": ["x"], "p_accept": [0.5], "expected_value": [np.inf]})),
         refused(r"expected expected values of any size, found 1 of 1 rows", mentions=("offers", "expected_value"))),
]

# --- conjoint and the tailored offer ---
ATTRS = {"price": ["full", "cut"], "service": ["basic", "plus"]}
RATINGS = pd.DataFrame({
    "respondent_id": ["r1"] * 4 + ["r2"] * 4, "customer_id": ["u1"] * 4 + ["u2"] * 4, "segment": ["s"] * 8,
    "price": ["full", "cut", "full", "cut"] * 2, "service": ["basic", "basic", "plus", "plus"] * 2,
    "rating": [40, 50, 60, 70, 42, 48, 62, 68],
})
PW = pd.DataFrame({"segment": ["s1"] * 7 + ["s2"] * 7,
                   "attribute": (["module"] * 2 + ["service"] * 3 + ["price"] * 2) * 2,
                   "level": ["m1", "m2", "standard delivery", "free next-day delivery", "personal advice", "full price",
                             "10 % off"] * 2,
                   "part_worth": [5, -5, -2, 0, 2, -1, 1, -3, 3, 1, 2, -3, -6, 6]})
PROFILE = pd.DataFrame({"tier": ["Gold", "Lead", "Lead"], "segment": ["s1", "s1", "s2"], "uplift": [0.1, 0.1, 0.0]},
                       index=["u1", "u2", "u3"])
CAMPAIGN = pd.DataFrame({"customer_id": ["u1", "u2", "u3", "u4"], "treatment": [1, 0, 1, 0], "outcome": [1, 0, 0, 0]})
CASES += [
    Case("basket overview: lines without a customer counted, sizes in words", "customize.basket_overview",
         lambda: cz.basket_overview(HISTORY.assign(order_id=[f"o{i // 2}" for i in range(12)],
                                                   customer_id=HISTORY["customer_id"].where(HISTORY.index < 10)),
                                    source="client file"),
         answered(lambda o: o.baskets == 6 and o.lines_without_customer == 2 and o.customers == 4
                  and "2 lines without a customer id" in o.sentence()
                  and o.size_table().loc["largest basket", "products per basket"] == 2, "6 baskets, 2 lines unowned")),
    Case("basket overview: no dates refused", "customize.basket_overview",
         lambda: cz.basket_overview(BASKETS, source="client file"),
         refused(r"expected the columns order_id, product_id, date", mentions=("baskets", "date"))),
    Case("basket overview: a source that is not text refused", "customize.basket_overview",
         lambda: cz.basket_overview(HISTORY.assign(order_id="o1"), source=None),
         refused(r"source: expected a short text", error=TypeError)),
    Case("cut-off: none given is 80 % into the dates", "customize.default_cutoff",
         lambda: cz.default_cutoff(HISTORY), answered(lambda c: c == "2024-02-18", "2024-02-18")),
    Case("part-worths: dummy coding recovers an additive design exactly", "customize.estimate_part_worths",
         lambda: cz.estimate_part_worths(RATINGS, ATTRS),
         answered(lambda p: abs(p.loc[p["level"] == "plus", "part_worth"].iloc[0] - 10.0) < 1e-9, "plus = +10")),
    Case("part-worths: a level never shown is refused", "customize.estimate_part_worths",
         lambda: cz.estimate_part_worths(RATINGS.assign(service="basic"), ATTRS),
         refused(r"cannot separate", mentions=("ratings",))),
    Case("part-worths: an unknown level is refused", "customize.estimate_part_worths",
         lambda: cz.estimate_part_worths(RATINGS.assign(price="free"), ATTRS),
         refused(r"levels not in attributes", mentions=("price",))),
    Case("part-worths: attributes that are not a dict refused", "customize.estimate_part_worths",
         lambda: cz.estimate_part_worths(RATINGS, ["price"]), refused(r"attributes: expected a dict", error=TypeError)),
    Case("importance: ranges over their sum, each row sums to 1", "customize.attribute_importance",
         lambda: cz.attribute_importance(PW), answered(lambda t: np.allclose(t.sum(axis=1), 1.0) and t.loc["s2", "price"] == 0.5)),
    Case("importance: all-equal part-worths refused", "customize.attribute_importance",
         lambda: cz.attribute_importance(PW.assign(part_worth=0.0)), refused(r"all equal", mentions=("part_worths",))),
    Case("bundle: best level per attribute", "customize.preferred_bundle",
         lambda: cz.preferred_bundle(PW), answered(lambda b: b.loc["s2", "module"] == "m2" and b.loc["s1", "price"] == "10 % off")),
    Case("bundle: a table without part_worth refused", "customize.preferred_bundle",
         lambda: cz.preferred_bundle(PW.drop(columns="part_worth")), refused(r"part_worth", mentions=("part_worths",))),
    Case("shares: logit shares sum to 1", "customize.share_of_preference",
         lambda: cz.share_of_preference(PW, {"a": {"module": "m1"}, "b": {"module": "m2"}}),
         answered(lambda s: abs(s.sum() - 1) < 1e-12 and abs(s["a"] - 0.5) < 1e-12)),
    Case("shares: first choice gives each segment to its best", "customize.share_of_preference",
         lambda: cz.share_of_preference(PW, {"a": {"module": "m1"}, "b": {"module": "m2"}}, rule="first-choice",
                                        weights={"s1": 3, "s2": 1}),
         answered(lambda s: s["a"] == 0.75)),
    Case("shares: an unknown rule refused", "customize.share_of_preference",
         lambda: cz.share_of_preference(PW, {"a": {"module": "m1"}, "b": {"module": "m2"}}, rule="max"),
         refused(r"rule: expected 'logit' or 'first-choice'")),
    Case("shares: a level the part-worths lack refused", "customize.share_of_preference",
         lambda: cz.share_of_preference(PW, {"a": {"module": "m9"}, "b": {"module": "m2"}}),
         refused(r"do not have", mentions=("configurations",))),
    Case("segment uplift: treated minus control rate", "customize.segment_uplift",
         lambda: cz.segment_uplift(CAMPAIGN, pd.Series({"u1": "x", "u2": "x", "u3": "y", "u4": "y"})),
         answered(lambda t: t.loc["x", "uplift"] == 1.0 and t.loc["y", "uplift"] == 0.0)),
    Case("segment uplift: no campaign customer with a segment refused", "customize.segment_uplift",
         lambda: cz.segment_uplift(CAMPAIGN, pd.Series({"z": "x"})), refused(r"none of the campaign", mentions=("segments",))),
    Case("customer value: quantity × list price, lines without a customer left out", "customize.customer_value",
         lambda: cz.customer_value(pd.DataFrame({"customer_id": ["u1", None, "u1"], "product_id": ["a", "a", "b"],
                                                 "quantity": [2, 1, 1]}),
                                   pd.DataFrame({"product_id": ["a", "b"], "list_price": [3.0, 4.0]})),
         answered(lambda v: v.to_dict() == {"u1": 10.0})),
    Case("customer value: not a table refused", "customize.customer_value",
         lambda: cz.customer_value([1, 2], pd.DataFrame({"product_id": ["a"], "list_price": [1.0]})),
         refused(r"baskets: expected a pandas DataFrame", error=TypeError)),
    Case("tailored offers: discount only where the segment responds; service by tier", "customize.tailored_offers",
         lambda: cz.tailored_offers(PROFILE, PW).set_index("customer_id"),
         answered(lambda o: o.loc["u3", "price"] == "full price" and o.loc["u1", "price"] == "10 % off"
                  and o.loc["u1", "service"] == "personal advice" and o.loc["u2", "service"] == "free next-day delivery"
                  and o.loc["u3", "reason"].startswith("low value, s2, does not respond"))),
    Case("tailored offers: a segment without part-worths refused", "customize.tailored_offers",
         lambda: cz.tailored_offers(PROFILE.assign(segment="s9"), PW), refused(r"has no part-worths", mentions=("customers",))),
    Case("tailored offers: missing columns refused", "customize.tailored_offers",
         lambda: cz.tailored_offers(PROFILE.drop(columns="uplift"), PW), refused(r"missing \['uplift'\]")),
    Case("conjoint study: respondents without a segment counted and left out", "customize.conjoint_study",
         lambda: cz.conjoint_study(RATINGS, ATTRS, segments=pd.Series({"u1": "s"})),
         answered(lambda s: s.left_out == 1 and s.respondents["s"] == 1)),
    Case("conjoint study: the ratings' own segment column", "customize.conjoint_study",
         lambda: cz.conjoint_study(RATINGS, ATTRS), answered(lambda s: s.left_out == 0 and s.respondents["s"] == 2)),
    Case("offer profile: value, tier, segment and uplift per customer", "customize.offer_profile",
         lambda: cz.offer_profile(pd.DataFrame({"customer_id": ["u1", "u2", "u3", "u4"], "product_id": ["a"] * 4}),
                                  pd.DataFrame({"product_id": ["a"], "list_price": [2.0]}),
                                  segments=pd.Series({"u1": "x", "u2": "x", "u3": "y", "u4": "y"}), campaign=CAMPAIGN),
         answered(lambda p: list(p.columns) == ["value", "tier", "segment", "uplift"] and p.loc["u1", "uplift"] == 1.0)),
    Case("named segments: not a world refused", "customize.named_needs_segments",
         lambda: cz.named_needs_segments(BASKETS), refused(r"world: expected the synthetic world", error=TypeError)),
    Case("planted check: not a study refused", "customize.compare_with_planted",
         lambda: cz.compare_with_planted(None, None, pd.Series(dtype="string")), refused(r".", error=(AttributeError, TypeError))),
    Case("tailored summary: customers per offer and reason", "customize.tailored_summary",
         lambda: cz.tailored_summary(cz.tailored_offers(PROFILE, PW), PROFILE), answered(lambda t: t["customers"].sum() == 3)),
    Case("tailored headline: distinct offers counted", "customize.tailored_headline",
         lambda: cz.tailored_headline(cz.tailored_offers(PROFILE, PW), PROFILE), answered(lambda h: h["distinct_offers"] == 3)),
    Case("product label: description with id, id alone without a list", "customize.product_label",
         lambda: (cz.product_label("a", pd.DataFrame({"product_id": ["a"], "name": ["apple"]})), cz.product_label("b", None)),
         answered(lambda r: r == ("apple (a)", "b"))),
    Case("with names: a table that is not a DataFrame refused", "customize.with_names",
         lambda: cz.with_names(pd.Series([1.0], index=["a"]), None), refused(r"table: expected a DataFrame", error=TypeError)),
]


@parametrize(CASES)
def test_case(case: Case):
    run_case(case)
