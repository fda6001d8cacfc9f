"""What the text of 00_start_here says about its default output and about the lab's data, checked."""

from __future__ import annotations

import pytest

from idic_lab.frameworks import load_model

pytestmark = pytest.mark.notebook

STEM = "00_start_here"


@pytest.fixture(scope="module")
def results(default_run):
    run = default_run(STEM)
    assert run.ok, run.error
    return run.results


def test_about_three_purchases_per_customer(results):
    ratio = results["start.n_transactions"] / results["start.n_customers"]
    assert 2.5 <= ratio < 3.5, ratio


def test_one_day_buyers_are_by_far_the_largest_group(results):
    days = {int(k): v for k, v in results["start.purchase_days"].items()}
    assert max(days, key=days.get) == 1
    assert days[1] > 2 * max(v for k, v in days.items() if k != 1), "by far the tallest bar"
    total = sum(days.values())
    assert 0 < days[10] < 0.1 * total, "a small group bought on ten days or more"


def test_qci_is_a_house_of_eight_areas_with_eight_activities_inside_its_environment():
    qci = load_model("qci")
    areas = [c for c in qci.components if c.kind == "area" and c.id != "external_environment"]
    assert len(areas) == 8
    assert len(qci.children("customer_management_activity")) == 8


def test_clean_drops_mostly_zero_amounts_and_a_few_duplicates(results):
    dropped = {reason: n for reason, n in results["start.cleaning_dropped"].items() if n}
    assert max(dropped, key=dropped.get) == "zero amount"
    assert set(dropped) == {"zero amount", "exact duplicate row"}


def test_validate_stops_at_the_zero_amounts_and_names_the_forgotten_date_column(default_run):
    import nbformat

    from idic_lab.datasets import load_dataset
    from idic_lab.schema import SchemaError, validate

    printed = "".join(o.get("text", "") for c in nbformat.read(default_run(STEM).executed, as_version=4).cells
                      for o in c.get("outputs", []))
    assert "column 'date': expected the required column(s) ['date'], but they are missing" in printed
    export = load_dataset("cdnow_sample").head(1000)
    export["date"] = export["date"].dt.strftime("%d.%m.%Y")
    with pytest.raises(SchemaError, match="column 'amount'.*zero amounts"):
        validate("transactions", export, date_format="%d.%m.%Y")
