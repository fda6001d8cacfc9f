"""The report's front page: an executive summary for a client, an overview for a teaching run."""

from __future__ import annotations

import html
import re
from pathlib import Path

from idic_lab.formatting import money, percent
from idic_lab.report import NotebookRun
from idic_lab.report_index import write_index


def make_run(out: Path, notebook: str, status: str = "ok", results: dict | None = None, *, seconds: float = 12.3,
             page: bool = True, **extra) -> NotebookRun:
    """A NotebookRun built by hand; ``extra`` sets fields the runner may add (needs, not_run, problem)."""
    stem = notebook.removesuffix(".ipynb")
    html_path = None
    if page and status != "not run":
        html_path = out / f"{stem}.html"
        html_path.parent.mkdir(parents=True, exist_ok=True)
        html_path.write_text(f"<!DOCTYPE html><html><head><title>{stem}</title></head><body><p>{stem}</p></body></html>")
    run = NotebookRun(notebook=notebook, status=status, seconds=seconds, executed=out / notebook,
                      error=extra.pop("error", None), html=html_path, results=results or {})
    for name, value in extra.items():
        setattr(run, name, value)
    return run


LORENZ = {  # most valuable customers first, as differentiate.lorenz_curve gives it
    "customer_share": [i / 20 for i in range(21)],
    "value_share": [round(1 - (1 - i / 20) ** 3.2, 4) for i in range(21)],
}


def client_runs(out: Path) -> list[NotebookRun]:
    """A client run with every kind of content the index shows."""
    cleaning = {
        "file": "online_retail.csv", "rows_in": 541_909, "rows_out": 392_692,
        "dropped": {"cancellation": 9_288, "non-product line (postage, fees)": 1_511, "missing customer_id": 135_080,
                    "return (negative amount)": 1_336, "exact duplicate row": 0},
        "changed": {"cancellation netted against its order": 3_212, "customer_id whitespace stripped": 0},
    }
    data = {"rows": 392_692, "customers": 4_338, "start": "2010-12-01", "end": "2011-12-09", "file": "online_retail.csv"}
    differentiate = {
        "report.client": "Acme & Sons <Retail>",
        "report.data.transactions": data,
        "report.cleaning.transactions": cleaning,
        "report.chart.value_concentration": LORENZ,
        "report.findings": [
            {"stage": "02_differentiate", "rank": 1,
             "text": f"The top 20 % of customers bring {percent(0.743)} of net revenue ({money(6_541_210.4, '£')})."},
            {"stage": "02_differentiate", "rank": 3, "text": "Customer lifetime value is taken from BG/NBD (lowest holdout error)."},
            {"stage": "02_differentiate", "rank": 6, "text": "Low-ranked finding that falls off the list."},
        ],
        "report.problems": [{"stage": "02_differentiate",
                             "text": "Pareto/NBD fitted a dropout rate of 0, so its lifetime values are not used."}],
        "differentiate.pareto_nbd.s": 0.0,
        "differentiate.gini": 28880.4,
    }
    interact = {
        "report.data.transactions": data,
        "report.cleaning.transactions": cleaning,
        "report.findings": [
            {"stage": "03_interact", "rank": 1, "text": "884 customers (20 %) are at risk of leaving."},
            {"stage": "03_interact", "rank": 2, "text": "Win-back value at stake: £128,400."},
            {"stage": "03_interact", "rank": 4, "text": "Half of the revenue comes from repeat buyers."},
            {"stage": "03_interact", "rank": 5, "text": "Finding five."},
            {"stage": "03_interact", "rank": 5, "text": "Finding six."},
            {"stage": "03_interact", "rank": 5, "text": "Finding seven."},
        ],
    }
    customize = {"report.data.baskets": {"rows": 541_909, "customers": None, "start": "2010-12-01", "end": "2011-12-09",
                                         "file": "online_retail.csv"}}
    return [
        make_run(out, "01_identify.ipynb", "not run", needs=["customer_files"], seconds=0.0),
        make_run(out, "02_differentiate.ipynb", "ok", differentiate, seconds=76.4),
        make_run(out, "03_interact.ipynb", "ok", interact, seconds=31.0,
                 not_run=[{"section": "Campaign uplift", "needs": ["campaign_file"]},
                          {"section": "Net Promoter Score", "needs": ["survey_file"]}]),
        make_run(out, "04_customize.ipynb", "failed", customize, seconds=4.2,
                 error="KeyError: similar_products: product '23556' not seen in fit /home/me/secret/path.py",
                 problem="Recommendations could not be evaluated: products first sold after the cut-off. "
                         "Set a later cut-off date and run again."),
        make_run(out, "06_maturity_assessment.ipynb", "interrupted", {}, seconds=2.0),
    ]


def text_of(page: str) -> str:
    """The visible text of a page (tags and the embedded images left out)."""
    body = re.sub(r"<style.*?</style>", "", page, flags=re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def assert_readable(page: str) -> None:
    text = text_of(page)
    assert not re.search(r"\de[+-]\d", text), "scientific notation on the page"
    assert "{'" not in text and "{&#x27;" not in text and "': " not in text, "a Python dict on the page"
    assert "report." not in text, "a raw report key on the page"
    assert "Traceback" not in page


def test_client_index_is_an_executive_summary(tmp_path):
    runs = client_runs(tmp_path)
    page = write_index(runs, tmp_path, title="Customer management report", client_run=True).read_text()
    text = " ".join(text_of(page).split())
    assert "Prepared for Acme & Sons <Retail>" in text
    assert "1 Dec 2010 to 9 Dec 2011" in text
    assert "392,692 rows, 4,338 customers" in text and "file online_retail.csv" in text
    # cleaning counts per reason, readable, with what was checked and found nothing
    assert "541,909 rows read, 392,692 kept (72.5 %)" in text
    assert "Missing customer id 135,080" in text and "Cancellation netted against its order 3,212" in text
    assert "Also checked, none found: Exact duplicate row, Customer id whitespace stripped." in text
    assert text.count("Data cleaning") == 1, "the same cleaning recorded by two stages is shown once"
    # problems in a visible box: recorded ones and the failed stage's own words, never its traceback
    box = re.search(r'<div class="box problems" role="alert">(.*?)</div>', page, re.DOTALL).group(1)
    assert "dropout rate of 0" in box and "Set a later cut-off date" in box
    assert "KeyError" not in page and "/home/me" not in page
    # findings: best rank first, stable by stage order, at most eight
    findings = re.findall(r"<li>(.*?) <span class=\"stage-tag\">", page)
    assert findings[:3] == ["The top 20 % of customers bring 74 % of net revenue (£6,541,210).",
                            "884 customers (20 %) are at risk of leaving.", "Win-back value at stake: £128,400."]
    assert len(findings) == 8 and "Low-ranked finding that falls off the list." not in findings
    # charts: embedded PNGs with size and alt text
    images = re.findall(r"<img [^>]*>", page)
    assert len(images) == 2
    for image in images:
        assert 'src="data:image/png;base64,' in image and re.search(r'width="\d+" height="\d+" alt="[^"]{20,}"', image)
    assert "bring 51 % of the value" in text
    # stages, and what was not run and why
    assert 'href="02_differentiate.html"' in page and 'href="01_identify.html"' not in page
    assert "Not run — needs: customer_files" in text
    assert "Identify — not run — needs: customer_files" in text
    assert "Interact: Campaign uplift — not run — needs: campaign_file" in text
    assert "Maturity assessment — interrupted" in text
    assert "1 min 16 s" in text
    assert_readable(page)
    # internals are not headline figures in a client summary
    assert "pareto" not in text.lower().replace("pareto/nbd fitted", "")


def test_client_index_says_what_was_interrupted(tmp_path):
    runs = client_runs(tmp_path)
    page = write_index(runs, tmp_path, title="Report", client_run=True,
                       interrupted="06_maturity_assessment.ipynb at cell 3 of 20").read_text()
    assert "This run was interrupted" in page and "06_maturity_assessment.ipynb at cell 3 of 20" in page


def test_client_index_without_recorded_figures_is_still_complete(tmp_path):
    runs = [make_run(tmp_path, "02_differentiate.ipynb", "ok", {}),
            make_run(tmp_path, "03_interact.ipynb", "failed", {}, error="ValueError: boom")]
    page = write_index(runs, tmp_path, title="Bare <report>", client_run=True).read_text()
    assert "<title>Bare &lt;report&gt;</title>" in page
    assert "No stage recorded a finding" in page and "<img" not in page
    assert "this stage could not be completed" in page and "ValueError" not in page
    assert_readable(page)


def test_index_is_a_pure_function_of_its_inputs(tmp_path):
    runs = client_runs(tmp_path)
    first = write_index(runs, tmp_path, title="R", client_run=True).read_text()
    second = write_index(client_runs(tmp_path), tmp_path, title="R", client_run=True).read_text()
    assert first == second
    assert not list(tmp_path.glob(".index*")), "no temporary file left behind"


def test_everything_recorded_is_escaped(tmp_path):
    evil = "<script>alert(1)</script>"
    results = {
        "report.client": evil,
        "report.findings": [{"stage": evil, "rank": 1, "text": evil}],
        "report.problems": [{"stage": "02_differentiate", "text": evil}],
        "report.data.<b>": {"rows": 3, "customers": 2, "start": None, "end": None, "file": evil},
        "report.cleaning.<b>": {"file": evil, "rows_in": 3, "rows_out": 2, "dropped": {evil: 1}, "changed": {}},
        "stage.<i>value</i>": evil,
    }
    runs = [make_run(tmp_path, "02_differentiate.ipynb", "ok", results),
            make_run(tmp_path, "03_<x>.ipynb", "not run", needs=[evil], not_run=[{"section": evil, "needs": [evil]}])]
    for client_run in (True, False):
        page = write_index(runs, tmp_path, title=evil, client_run=client_run).read_text()
        assert "<script>" not in page and "<b>" not in page and "<i>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_teaching_index_lists_notebooks_with_readable_figures(tmp_path):
    results = {
        "differentiate.n_customers": 23570,
        "differentiate.top20_share": 0.6749999,
        "differentiate.gini": 0.6553,
        "differentiate.clv.total_future_value": 28880.4,
        "differentiate.pareto_nbd.s": 0.0,
        "differentiate.pareto_nbd.alpha": 11.2,
        "interact.uplift.p_value": 3.2e-12,
        "interact.nps.ci": [12.5, 31.75],
        "interact.retention.status_counts": {"active": 1200, "at risk": 884, "lost": 50},
        "interact.channels.cost_per_customer_by_tier": {"gold": {"email": 1.0}, "silver": {"email": 2.0}},
        "start.first_date": "1997-01-01",
        "identify.febrl4.seconds": 12.3,
        "report.findings": [{"stage": "02_differentiate", "rank": 1, "text": "Top 20 % bring 67 % of value."}],
    }
    runs = [make_run(tmp_path, "02_differentiate.ipynb", "ok", results, seconds=5.04),
            make_run(tmp_path, "03_interact.ipynb", "failed", {}, error="RuntimeError: the data file is missing"),
            make_run(tmp_path, "04_customize.ipynb", "not run", needs=["baskets_file"]),
            make_run(tmp_path, "05_compare_models.ipynb", "ok", {f"compare.figure_{i}": i for i in range(10)})]
    page = write_index(runs, tmp_path, title="IDIC lab — demo run").read_text()
    text = " ".join(text_of(page).split())
    assert "2 of 4 notebooks ran without error" in text
    assert 'href="02_differentiate.html"' in page and "5.0 s" in text
    assert "Value share of the top 20 % of customers: 67.5 %" in text
    assert "Total future customer value: 28,880" in text
    assert "Customers: 23,570" in text and "Gini coefficient of customer value: 0.655" in text
    assert "Active 1,200; At risk 884; Lost 50" in text
    assert "CI: 12.50 to 31.75" in text
    assert "Uplift p-value: < 0.001" in text
    assert "First purchase: 1 Jan 1997" in text
    assert "failed: RuntimeError: the data file is missing" in text
    assert "not run — needs: baskets_file" in text
    assert "and 2 more on the notebook page" in text  # at most eight figures a row
    assert "Top 20 % bring 67 % of value." in text  # the findings section
    assert "Pareto" not in text and "alpha" not in text and "seconds" not in text.lower()  # internals hidden
    assert "cost per customer" not in text.lower()  # nested dicts left to the notebook page
    assert_readable(page)


def test_teaching_error_lines_lose_local_paths(tmp_path):
    runs = [make_run(tmp_path, "03_interact.ipynb", "failed", {},
                     error="FileNotFoundError: [Errno 2] No such file: '/home/alice/work/data/sales.csv'")]
    page = write_index(runs, tmp_path, title="T").read_text()
    assert "/home/alice" not in page and "sales.csv" in page


def test_client_index_leaves_out_teaching_notebooks_and_says_why_a_stage_did_not_run(tmp_path):
    runs = [make_run(tmp_path, "00_start_here.ipynb", "not run",
                     error="a teaching notebook, not part of a client report (add a section '00_start_here' ...)"),
            make_run(tmp_path, "02_differentiate.ipynb", "ok", {}),
            make_run(tmp_path, "03_interact.ipynb", "not run", error="not run: the run was interrupted before it")]
    page = write_index(runs, tmp_path, title="R", client_run=True).read_text()
    text = " ".join(text_of(page).split())
    assert "Start here" not in text and "teaching" not in text
    assert "Interact — not run — the run was interrupted before it" in text
    teaching = " ".join(text_of(write_index(runs, tmp_path, title="R").read_text()).split())
    assert "00_start_here.ipynb not run — a teaching notebook" in teaching


def test_teaching_index_labels_figures_in_words_without_repeats(tmp_path):
    results = {
        "identify.n_records": 3166,
        "identify.customers_before": 3166,  # the same count again: not shown twice
        "differentiate.summary.median_frequency": 0.0,
        "interact.channels.dearest_channel": "call_centre",
    }
    runs = [make_run(tmp_path, "01_identify.ipynb", "ok", results)]
    text = " ".join(text_of(write_index(runs, tmp_path, title="demo").read_text()).split())
    assert "Customer records: 3,166" in text and text.count("3,166") == 1
    assert "Median repeat purchases per customer: 0" in text and "Summary ·" not in text
    assert "Dearest channel per contact: call centre" in text and "call_centre" not in text
