"""What notebook 04's text says about its default output, asserted on the recorded results (issue 10, item 1)."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.notebook


def _default_parameter(name: str):
    """A parameter's default value, read from the notebook's parameters cell."""
    notebook = nbformat.read(Path(__file__).parents[1] / "notebooks" / "04_customize.ipynb", as_version=4)
    cell = next(c for c in notebook.cells if "parameters" in c.metadata.get("tags", []))
    for node in ast.parse(cell.source).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == name:
            return ast.literal_eval(node.value)
    raise KeyError(name)


MIN_UPLIFT = _default_parameter("min_uplift")


@pytest.fixture(scope="module")
def results(default_run):
    run = default_run("04_customize")
    assert run.ok, run.error
    return run.results


def test_the_product_level_offer_sends_nearly_everyone_the_same_products(results):
    # "this product-level offer sends almost every contacted customer the same few products"
    assert results["customize.nbo.top_products_share"] > 0.5


def test_needs_segments_value_different_things(results):
    conjoint = results["customize.conjoint"]
    most = conjoint["most_important"]
    # "In the fashion and the electronics segment the product module carries the largest share of a rating;
    # in the home segment the service matters most; in the sports segment the price does."
    by_category = {name.split(" / ")[0]: attribute for name, attribute in most.items()}
    assert by_category == {"fashion": "module", "electronics": "module", "home": "service", "sports": "price"}
    # "every segment prefers a different module bundle"
    assert len(set(conjoint["bundles"].values())) == len(conjoint["bundles"])
    assert "free next-day delivery" in next(b for s, b in conjoint["bundles"].items() if s.startswith("home"))


def test_the_planted_part_worths_are_found(results):
    planted = results["customize.conjoint.planted"]
    # "The largest error per segment is a few rating points, small against part-worths of up to about 15 points"
    assert planted["max_abs_error"] < 4
    # "the preferred bundle is the planted best one in every segment"
    assert planted["bundles_match"]
    assert len(set(planted["matched"].values())) == len(planted["matched"])


def test_shares_of_preference(results):
    shares = results["customize.conjoint.shares"]
    assert abs(sum(shares.values()) - 1) < 1e-3  # "The shares sum to 1."
    assert max(shares.values()) < 0.5  # "no configuration takes the whole market"


def test_the_tailored_offer_differs_by_customer_for_the_stated_reasons(results):
    tailored = results["customize.tailored"]
    # "several different offers, none sent to as many as half of them, and each comes with its reason"
    assert tailored["distinct_offers"] >= 4
    assert tailored["largest_offer_share"] < 0.5
    assert tailored["with_reason"]
    uplift = tailored["segment_uplift"]
    segment = {name.split(" / ")[0]: name for name in tailored["segments_all"]}
    # "The electronics segment is not contacted: ... contacting its customers does not raise their response"
    assert segment["electronics"] not in tailored["segments_contacted"]
    assert uplift[segment["electronics"]] <= 0
    # "The fashion and sports segments respond, so they get a discount; the sports segment ... the deepest one"
    assert tailored["price_by_segment"][segment["fashion"]] == ["10 % off"]
    assert tailored["price_by_segment"][segment["sports"]] == ["20 % off"]
    assert min(uplift[segment["fashion"]], uplift[segment["sports"]]) >= MIN_UPLIFT
    # "The home segment responds too little to earn a discount ... still contacted ... at full price"
    assert 0 < uplift[segment["home"]] < MIN_UPLIFT
    assert segment["home"] in tailored["segments_contacted"]
    assert tailored["price_by_segment"][segment["home"]] == ["full price"]
    # "High-value customers get their segment's favourite service (personal advice for the fashion segment),
    # the others free next-day delivery."
    services = tailored["service_by_segment_tier"]
    assert services[f"{segment['fashion']} | high"] == ["personal advice"]
    assert all(v == ["free next-day delivery"] for k, v in services.items() if k.endswith("| other"))
    assert "high" in {k.split(" | ")[1] for k in services} and "other" in {k.split(" | ")[1] for k in services}
