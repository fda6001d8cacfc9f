"""The report's pages in a real browser (headless Chromium): no console errors, every image loaded, no
horizontal overflow at 1,400 px.

The checks live in :mod:`idic_lab.report_index` (``check_pages``, ``screenshot``) so they can be run on a
real report folder too::

    .venv/bin/python -m idic_lab.report_index check reports/acme
    .venv/bin/python -m idic_lab.report_index screenshot reports/acme/index.html notebooks/images/client_report.png

Chromium is Debian's ``chromium`` package (``.ci/run`` installs it). Without it the tests are skipped
locally and fail in CI (``CI=true``).
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from idic_lab.report import export_html
from idic_lab.report_index import ChromiumNotFoundError, PageCheck, check_pages, find_chromium, screenshot, write_index
from test_report_index import client_runs, make_run

WIDTH = 1400


@pytest.fixture(scope="module")
def chromium() -> str:
    try:
        return find_chromium()
    except ChromiumNotFoundError as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must check the report in a browser, but {exc} (.ci/run installs it with apt-get).")
        pytest.skip(str(exc))


def save_screenshot(page: str | Path, png: str | Path, *, width: int = WIDTH, height: int | None = None) -> Path:
    """A PNG of ``page`` as Chromium shows it (the whole page unless ``height``); for the README and for looking."""
    return screenshot(page, png, width=width, height=height)


def assert_pages_pass(checks: list[PageCheck]) -> None:
    failures = {check.page.name: check.problems for check in checks if not check.ok}
    assert not failures, f"pages with problems in the browser: {failures}"


def long_client_runs(out: Path):
    """The client runs of the unit tests, plus a long cleaning table, long words and many findings."""
    runs = client_runs(out)
    results = runs[1].results
    results["report.cleaning.invoice_lines_with_a_rather_long_table_name"] = {
        "file": "export_" + "x" * 150 + ".csv", "rows_in": 1_000_000, "rows_out": 700_000,
        "dropped": {f"reason number {i} with a long explanation of what was wrong on the line " * (1 + i % 3): 1_000 * (i + 1)
                    for i in range(25)},
        "changed": {"whitespace stripped from customer_id": 12},
    }
    results["report.findings"] = [*results["report.findings"], {
        "stage": "02_differentiate", "rank": 1,
        "text": "An unbroken token that must wrap: " + "ABCDEFGHIJ" * 30 + "."}]
    return runs


def test_the_checker_sees_errors_missing_images_and_overflow(chromium, tmp_path):
    page = tmp_path / "bad.html"
    page.write_text(
        "<!DOCTYPE html><html><head><title>bad</title></head><body>"
        '<img src="missing.png" alt="not there"><div style="width: 1700px">too wide</div>'
        "<script>console.error('boom'); undefinedFunction();</script></body></html>")
    [check] = check_pages(page)
    problems = " | ".join(check.problems)
    assert "console error: boom" in problems and "undefinedFunction" in problems
    assert "image not loaded" in problems and "not there" in problems
    assert "horizontal overflow" in problems


def test_the_checker_passes_a_clean_page_with_an_image(chromium, tmp_path):
    png = save_screenshot_of_text(tmp_path)
    page = tmp_path / "good.html"
    data = base64.b64encode(png.read_bytes()).decode()
    page.write_text(f'<!DOCTYPE html><html><head><title>ok</title></head><body><img src="data:image/png;base64,{data}" '
                    f'alt="a picture" width="300" height="200"><img src="{png.name}" alt="beside it"></body></html>')
    [check] = check_pages(page)
    assert check.ok, check.problems
    assert [i["naturalWidth"] > 0 for i in check.images] == [True, True]


def save_screenshot_of_text(tmp_path: Path) -> Path:
    page = tmp_path / "text.html"
    page.write_text("<!DOCTYPE html><html><head><title>t</title></head><body><h1>hello</h1></body></html>")
    return save_screenshot(page, tmp_path / "text.png", width=300, height=200)


def test_client_index_in_the_browser(chromium, tmp_path):
    out = tmp_path / "report"
    index = write_index(long_client_runs(out), out, title="Customer management report", client_run=True)
    checks = check_pages(out)  # the index and the (small) stage pages beside it
    assert {c.page.name for c in checks} >= {"index.html", "02_differentiate.html"}
    assert_pages_pass(checks)
    [check] = [c for c in checks if c.page == index.resolve()]
    assert len(check.images) == 2 and all(i["naturalWidth"] > 0 and i["naturalHeight"] > 0 for i in check.images)
    assert check.scroll_width <= WIDTH
    shot = save_screenshot(index, tmp_path / "index.png")
    assert shot.stat().st_size > 10_000


def test_teaching_index_in_the_browser(chromium, tmp_path):
    results = {f"compare.a_rather_long_figure_name_number_{i}": 1234.5 * i for i in range(12)}
    results["report.findings"] = [{"stage": "05_compare_models", "rank": 2, "text": "A finding. " * 40}]
    runs = [make_run(tmp_path, "05_compare_models.ipynb", "ok", results),
            make_run(tmp_path, "03_interact.ipynb", "failed", {}, error="RuntimeError: " + "long " * 60),
            make_run(tmp_path, "04_customize.ipynb", "not run", needs=["baskets_file"])]
    index = write_index(runs, tmp_path, title="IDIC lab — demo run")
    assert_pages_pass(check_pages([index]))


def sample_notebook(path: Path) -> Path:
    """An executed notebook like a stage's: markdown, a wide table, a chart, printed text."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    fig, ax = plt.subplots(figsize=(6, 3))
    ax.plot([1, 2, 3], [3, 1, 2])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    wide = pd.DataFrame({f"a rather long column name {i}": [1234567.891 * i, 2.5] for i in range(30)})
    long = pd.DataFrame({"customer": [f"C{i:05d}" for i in range(300)], "value": range(300)})
    cells = [
        new_markdown_cell("# Differentiate\n\nWho brings the value, in the client's own data."),
        new_code_cell("wide", execution_count=1, outputs=[new_output(
            "execute_result", execution_count=1, data={"text/html": wide.to_html(), "text/plain": "wide"})]),
        new_code_cell("long", execution_count=2, outputs=[new_output(
            "execute_result", execution_count=2, data={"text/html": long.to_html(), "text/plain": "long"})]),
        new_code_cell("chart", execution_count=3, outputs=[new_output(
            "display_data", data={"image/png": base64.b64encode(buffer.getvalue()).decode(), "text/plain": "<Figure>"})]),
        new_code_cell("print", execution_count=4, outputs=[new_output("stream", name="stdout", text="x" * 400 + "\n")]),
    ]
    nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(nb, str(path))
    return path


@pytest.mark.parametrize("hide_code", [True, False], ids=["client", "teaching"])
def test_a_stage_page_in_the_browser(chromium, tmp_path, hide_code):
    page = export_html(sample_notebook(tmp_path / "02_differentiate.ipynb"), tmp_path / "02_differentiate.html",
                       hide_code=hide_code)
    [check] = check_pages(page)
    assert len(check.images) == 1 and check.images[0]["naturalWidth"] > 0
    assert check.scroll_width <= WIDTH
    assert_pages_pass([check])


def test_the_command_line_checks_a_report_folder(chromium, tmp_path, capsys):
    from idic_lab.report_index import main

    out = tmp_path / "report"
    write_index(client_runs(out), out, title="Customer management report", client_run=True)
    assert main(["check", str(out)]) == 0
    assert "ok     " in capsys.readouterr().out
    (out / "zz_bad.html").write_text('<!DOCTYPE html><html><head></head><body><img src="gone.png" alt="x"></body></html>')
    assert main(["check", str(out)]) == 1
    assert "image not loaded" in capsys.readouterr().out
    assert main(["screenshot", str(out / "index.html"), str(tmp_path / "shot.png"), "--height", "900"]) == 0
    assert (tmp_path / "shot.png").stat().st_size > 10_000
