"""The report's front page (``index.html``) and its check in a real browser.

:func:`write_index` turns the runs of :func:`idic_lab.report.run_all` into
one page:

* a **client run** (``client_run=True``) gets an executive summary: the
  client, the period and volume of the data, the cleaning counts per reason,
  the problems the client must know, the best-ranked findings in sentences,
  one or two charts, then the stage pages with a one-line status each and
  what was not run (and which input it needs);
* a **teaching run** (``make run``) lists every notebook with its status,
  run time and a few headline figures in words, then the findings.

Everything on the page comes from the runs (their status and the figures
they recorded through :mod:`idic_lab.results`); numbers are written with
:mod:`idic_lab.formatting`, so a page never shows a raw key, a Python dict or
``2.888e+04``. The page is a pure function of its inputs (no clock, no
random), every text is HTML-escaped, the charts are embedded PNG images, and
it fits 1,400 px and prints to PDF.

:func:`check_pages` opens pages in headless Chromium and reports console
errors, images that did not load and horizontal overflow;
:func:`screenshot` saves a picture of a page. From a shell::

    python -m idic_lab.report_index check reports/acme
    python -m idic_lab.report_index screenshot reports/acme/index.html notebooks/images/client_report.png
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from idic_lab.formatting import count, number, percent
from idic_lab.results import CLEANING_KEY_PREFIX, DATA_KEY_PREFIX, FINDINGS_KEY, PROBLEMS_KEY

__all__ = [
    "ChromiumNotFoundError",
    "PageCheck",
    "check_pages",
    "find_chromium",
    "screenshot",
    "write_index",
]

CHART_KEY = "report.chart.value_concentration"
CLIENT_KEY = "report.client"
MAX_FINDINGS = 8
MAX_FIGURES = 8

_STAGE_NAMES = {
    "start_here": "Start here",
    "identify": "Identify",
    "differentiate": "Differentiate",
    "interact": "Interact",
    "customize": "Customize",
    "compare_models": "Compare models",
    "maturity_assessment": "Maturity assessment",
}

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# --- the page ----------------------------------------------------------------


def write_index(
    runs: Sequence[Any],
    out_dir: str | Path,
    *,
    title: str,
    client_run: bool = False,
    interrupted: str | None = None,
) -> Path:
    """Write ``<out_dir>/index.html`` for these runs and return its path.

    Parameters
    ----------
    runs : sequence of :class:`idic_lab.report.NotebookRun`
        In the order the stages ran. Read: ``notebook``, ``status`` ("ok",
        "failed", "not run", "interrupted"), ``seconds``, ``html``,
        ``results`` and, when present, ``needs`` (inputs a stage that was not
        run lacks), ``not_run`` (``[{"section": ..., "needs": [...]}]``,
        sections left out of a stage) and ``problem`` (a failure in the
        client's words).
    out_dir : path
        The report folder; links to stage pages are relative to it.
    title : str
        The page title.
    client_run : bool
        An executive summary for a client (True) or the teaching overview.
    interrupted : str, optional
        What was interrupted (e.g. "03_interact.ipynb, at cell 12 of 40"):
        the page says so at the top.
    """
    out_dir = Path(out_dir)
    runs = list(runs)
    body = _client_body(runs, out_dir, title, interrupted) if client_run else _teaching_body(runs, out_dir, title, interrupted)
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{_CSS}</style></head>\n<body>\n<main>\n{body}\n</main>\n</body></html>\n"
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "index.html"
    tmp = out_dir / ".index.html.tmp"
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)  # a reader (or Ctrl-C) never leaves half a page
    return path


_CSS = """
:root { --ink: #1d2430; --muted: #5b6575; --line: #d9dee6; --accent: #1f4e79; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: var(--ink); margin: 0; line-height: 1.45; background: #fff; }
main { max-width: 72em; margin: 0 auto; padding: 2em 2.5em 3em; overflow-wrap: anywhere; }
h1 { font-size: 1.9em; margin: 0 0 .2em; color: var(--accent); }
h2 { font-size: 1.3em; margin: 1.8em 0 .6em; border-bottom: 2px solid var(--line); padding-bottom: .2em; }
h3 { font-size: 1.05em; margin: 1.2em 0 .4em; }
.lead { color: var(--muted); margin: 0 0 1em; }
dl.facts { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .3em 1.5em; margin: 1em 0; }
dl.facts dt { font-weight: 600; color: var(--muted); }
dl.facts dd { margin: 0; }
table { border-collapse: collapse; width: 100%; margin: .4em 0 1.2em; }
caption { text-align: left; font-weight: 600; padding: .3em 0; }
th, td { border-bottom: 1px solid var(--line); padding: .4em .6em; text-align: left; vertical-align: top; }
th { background: #f3f5f8; white-space: nowrap; }
td.nb { white-space: nowrap; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.ok { color: #1b7f3b; font-weight: 600; }
.failed { color: #b00020; font-weight: 600; }
.not-run, .interrupted { color: #8a5a00; font-weight: 600; }
.box { border-radius: 6px; padding: .8em 1.2em; margin: 1em 0; }
.box h2 { border: 0; margin: 0 0 .4em; font-size: 1.15em; }
.box ul { margin: 0; padding-left: 1.2em; }
.problems { background: #fff4e5; border: 1px solid #f0b429; border-left: 6px solid #d97706; }
.interrupted-box { background: #fdecec; border: 1px solid #e8a3a3; border-left: 6px solid #b00020; }
ol.findings { padding-left: 1.6em; }
ol.findings li { margin: .45em 0; }
.stage-tag { color: var(--muted); font-size: .85em; white-space: nowrap; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 26em), 1fr)); gap: 1.5em; }
figure { margin: 0; break-inside: avoid; page-break-inside: avoid; }
figure img { display: block; max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: .9em; margin-top: .3em; }
ul.figures { list-style: none; margin: 0; padding: 0; font-size: .9em; }
ul.figures li { margin: .1em 0; }
ul.figures .label { color: var(--muted); }
.muted { color: var(--muted); font-size: .9em; }
code { font-size: .92em; background: #f3f5f8; padding: 0 .25em; border-radius: 3px; }
@page { size: A4; margin: 14mm; }
@media print {
  main { max-width: none; padding: 0; }
  body { font-size: 10.5pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  table { page-break-inside: auto; }
  tr, li, .box { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  .charts { display: block; }
  figure { margin-bottom: 1em; }
  figure img { max-width: 100% !important; }
  a { color: inherit; text-decoration: none; }
  th { background: none; }
}
"""


# --- client run ----------------------------------------------------------------


def _client_body(runs: list[Any], out_dir: Path, title: str, interrupted: str | None) -> str:
    runs = [run for run in runs if not _teaching_only(run)]
    results = _all_results(runs)
    client = _first(results, CLIENT_KEY)
    parts = [f"<h1>{_e(title)}</h1>"]
    if isinstance(client, str) and client.strip() and client.strip() != title:
        parts.append(f'<p class="lead">Prepared for <strong>{_e(client.strip())}</strong></p>')
    parts.append(_interrupted_box(runs, interrupted))
    parts.append(_facts(runs, client if isinstance(client, str) and client.strip() else title))
    parts.append(_problems_box(runs))
    findings = _findings(runs, out_dir)
    parts.append("<h2>Key findings</h2>" + (findings or '<p class="muted">No stage recorded a finding in this run.</p>'))
    parts.append(_charts(runs))
    parts.append(_cleaning_section(runs))
    parts.append(_stages_section(runs, out_dir))
    parts.append(_not_run_section(runs))
    return "\n".join(p for p in parts if p)


def _facts(runs: list[Any], client: str) -> str:
    data = _merged(runs, DATA_KEY_PREFIX)
    rows = [("Client", _e(client))]
    starts = [d.get("start") for _, d, _ in data if d.get("start")]
    ends = [d.get("end") for _, d, _ in data if d.get("end")]
    if starts and ends:
        rows.append(("Period", f"{_e(_date(min(starts)))} to {_e(_date(max(ends)))}"))
    for table, values, stages in data:
        pieces = []
        if _is_number(values.get("rows")):
            pieces.append(f"{count(values['rows'])} {'rows' if values['rows'] != 1 else 'row'}")
        if _is_number(values.get("customers")):
            pieces.append(f"{count(values['customers'])} customers")
        if values.get("start") and values.get("end"):
            pieces.append(f"{_date(values['start'])} to {_date(values['end'])}")
        text = ", ".join(pieces) or "used"
        if values.get("file"):
            text += f" — file {values['file']}"
        if [t for t, _, _ in data].count(table) > 1:
            text += f" (as used by {', '.join(stages)})"
        rows.append((f"Data: {_humanise(table)}", _e(text)))
    n_ok = sum(getattr(run, "status", "") == "ok" for run in runs)
    rows.append(("Stages", _e(f"{n_ok} of {len(runs)} complete")))
    items = "".join(f"<dt>{_e(k)}</dt><dd>{v}</dd>" for k, v in rows)
    return f'<dl class="facts">{items}</dl>'


def _interrupted_box(runs: list[Any], interrupted: str | None) -> str:
    stopped = [_stage_name(run.notebook) for run in runs if getattr(run, "status", "") == "interrupted"]
    if not interrupted and not stopped:
        return ""
    what = f" ({_e(interrupted)})" if interrupted else ""
    stages = f" Stage interrupted: {_e(', '.join(stopped))}." if stopped else ""
    return (
        '<div class="box interrupted-box" role="alert"><h2>This run was interrupted</h2>'
        f"<p>The run was stopped before it finished{what}.{stages} Figures from the stages after it are missing; "
        "run the report again to complete it.</p></div>"
    )


def _problems_box(runs: list[Any], *, failures: bool = True) -> str:
    items: list[str] = []
    for run in runs:
        name = _stage_name(run.notebook)
        for problem in _list_of_dicts(run.results.get(PROBLEMS_KEY)):
            text = str(problem.get("text", "")).strip()
            if text:
                items.append(f"<li><strong>{_e(_stage_name(problem.get('stage') or run.notebook))}:</strong> {_e(text)}</li>")
        if failures and getattr(run, "status", "") == "failed":
            items.append(f"<li><strong>{_e(name)}:</strong> {_e(_failure_text(run))}</li>")
    items = list(dict.fromkeys(items))
    if not items:
        return ""
    return ('<div class="box problems" role="alert"><h2>Problems to know about</h2>'
            f'<ul>{"".join(items)}</ul></div>')


def _failure_text(run: Any) -> str:
    problem = getattr(run, "problem", None)
    if isinstance(problem, str) and problem.strip():
        return f"this stage could not be completed. {problem.strip()}"
    return ("this stage could not be completed; its page says which step stopped. "
            "Check that stage's input file and parameters, then run the report again.")


def _findings(runs: list[Any], out_dir: Path) -> str:
    order = {_stem(run.notebook): i for i, run in enumerate(runs)}
    pages = {_stem(run.notebook): run for run in runs}
    found = []
    for position, run in enumerate(runs):
        for number_, item in enumerate(_list_of_dicts(run.results.get(FINDINGS_KEY))):
            text = str(item.get("text", "")).strip()
            if not text:
                continue
            stage = _stem(str(item.get("stage") or run.notebook))
            rank = item.get("rank") if _is_number(item.get("rank")) else 5
            found.append((rank, order.get(stage, position), position, number_, stage, text))
    found.sort(key=lambda f: f[:4])
    seen, items = set(), []
    for _, _, _, _, stage, text in found:
        if text in seen:
            continue
        seen.add(text)
        name = _e(_stage_name(stage))
        run = pages.get(stage)
        href = _href(run, out_dir) if run is not None else None
        tag = f'<a href="{href}">{name}</a>' if href else name
        items.append(f'<li>{_e(text)} <span class="stage-tag">({tag})</span></li>')
        if len(items) == MAX_FINDINGS:
            break
    return f'<ol class="findings">{"".join(items)}</ol>' if items else ""


def _charts(runs: list[Any]) -> str:
    figures = []
    curve = _first(_all_results(runs), CHART_KEY)
    lorenz = _lorenz_figure(curve) if isinstance(curve, Mapping) else ""
    if lorenz:
        figures.append(lorenz)
    cleaning = _cleaning_figure(_merged(runs, CLEANING_KEY_PREFIX))
    if cleaning:
        figures.append(cleaning)
    if not figures:
        return ""
    return '<h2>At a glance</h2><div class="charts">' + "".join(figures) + "</div>"


def _cleaning_section(runs: list[Any]) -> str:
    cleaning = _merged(runs, CLEANING_KEY_PREFIX)
    if not cleaning:
        return ""
    tables = []
    for table, values, stages in cleaning:
        rows_in, rows_out = values.get("rows_in"), values.get("rows_out")
        caption = _humanise(table)
        if values.get("file"):
            caption += f" — file {values['file']}"
        if _is_number(rows_in) and _is_number(rows_out):
            kept = f" ({percent(rows_out / rows_in, 1)})" if rows_in else ""
            caption += f": {count(rows_in)} rows read, {count(rows_out)} kept{kept}"
        if [t for t, _, _ in cleaning].count(table) > 1:
            caption += f" (as used by {', '.join(stages)})"
        body, quiet = [], []
        for action, label in (("dropped", "removed"), ("changed", "corrected")):
            for reason, n in _dict(values.get(action)).items():
                if not _is_number(n):
                    continue
                if n == 0:
                    quiet.append(_humanise(reason))
                    continue
                removed = count(n) if action == "dropped" else ""
                changed = count(n) if action == "changed" else ""
                body.append(f'<tr><td>{_e(_humanise(reason))}</td><td class="n">{removed}</td><td class="n">{changed}</td></tr>')
        if not body:
            body.append('<tr><td colspan="3">No row was removed or corrected.</td></tr>')
        note = (f'<p class="muted">Also checked, none found: {_e(", ".join(dict.fromkeys(quiet)))}.</p>' if quiet else "")
        tables.append(
            f"<table><caption>{_e(caption)}</caption><thead><tr><th>What was found</th>"
            f'<th class="n">Rows removed</th><th class="n">Rows corrected</th></tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>{note}'
        )
    return "<h2>Data cleaning</h2>" + "".join(tables)


def _stages_section(runs: list[Any], out_dir: Path) -> str:
    rows = []
    for run in runs:
        status = getattr(run, "status", "")
        href = _href(run, out_dir)
        name = _e(_stage_name(run.notebook))
        link = f'<a href="{href}">{name}</a>' if href else name
        if status == "ok":
            text, css = "Complete", "ok"
        elif status == "failed":
            text, css = "Could not be completed — see the problems above", "failed"
        elif status == "not run":
            needs = _needs(run)
            text, css = ("Not run — needs: " + ", ".join(needs)) if needs else "Not run — " + _not_run_reason(run), "not-run"
        elif status == "interrupted":
            text, css = "Interrupted — incomplete", "interrupted"
        else:
            text, css = str(status).capitalize() or "Unknown", "not-run"
        sections = _not_run_sections(run)
        if status == "ok" and sections:
            text += f" ({count(len(sections))} section{'s' if len(sections) != 1 else ''} left out, listed below)"
        rows.append(f'<tr><td>{link}</td><td class="{css}">{_e(text)}</td><td class="n">{_e(_duration(run))}</td></tr>')
    return ('<h2>Stage pages</h2><table><thead><tr><th>Stage</th><th>Status</th><th class="n">Run time</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def _not_run_reason(run: Any) -> str:
    reason = str(getattr(run, "error", "") or "").strip().splitlines()[:1]
    reason = re.sub(r"^not run\s*[:—-]\s*", "", reason[0]) if reason else ""
    return reason or "no input for it was given"


def _teaching_only(run: Any) -> bool:
    """A teaching notebook the runner left out of a client run: not part of the client's report at all."""
    return (getattr(run, "status", "") == "not run" and not _needs(run)
            and "teaching notebook" in str(getattr(run, "error", "") or ""))


def _not_run_section(runs: list[Any]) -> str:
    items = []
    for run in runs:
        name = _stage_name(run.notebook)
        status = getattr(run, "status", "")
        if status == "not run" and _needs(run):
            items.append(f"<li><strong>{_e(name)}</strong> — not run — needs: {_codes(_needs(run))}</li>")
        elif status == "not run":
            items.append(f"<li><strong>{_e(name)}</strong> — not run — {_e(_not_run_reason(run))}</li>")
        elif status == "interrupted":
            items.append(f"<li><strong>{_e(name)}</strong> — interrupted</li>")
        for section in _not_run_sections(run):
            title = _e(str(section.get("section") or "a section"))
            items.append(f"<li><strong>{_e(name)}:</strong> {title} — not run — needs: {_codes(_list_of_str(section.get('needs')))}</li>")
    if not items:
        return ""
    return ('<h2>Not in this report</h2><p class="muted">These parts need inputs that were not given '
            f'(the parameter is named in the parameter file), or were interrupted.</p><ul>{"".join(items)}</ul>')


# --- teaching run ----------------------------------------------------------------


def _teaching_body(runs: list[Any], out_dir: Path, title: str, interrupted: str | None) -> str:
    n_ok = sum(getattr(run, "status", "") == "ok" for run in runs)
    parts = [f"<h1>{_e(title)}</h1>", f'<p class="lead">{n_ok} of {len(runs)} notebooks ran without error.</p>',
             _interrupted_box(runs, interrupted)]
    rows = []
    for run in runs:
        status = getattr(run, "status", "")
        href = _href(run, out_dir)
        name = _e(run.notebook)
        link = f'<a href="{href}">{name}</a>' if href else name
        css = {"ok": "ok", "failed": "failed", "interrupted": "interrupted"}.get(status, "not-run")
        text = {"ok": "ok", "failed": "failed", "interrupted": "interrupted"}.get(status, str(status))
        if status == "failed":
            text = "failed: " + _teaching_error(run)
        elif status == "not run":
            text = "not run — " + (("needs: " + ", ".join(_needs(run))) if _needs(run) else _not_run_reason(run))
        rows.append(f'<tr><td class="nb">{link}</td><td class="{css}">{_e(text)}</td><td class="n">{_e(_duration(run))}</td>'
                    f"<td>{_figures(run.results)}</td></tr>")
    parts.append('<table><thead><tr><th>Notebook</th><th>Status</th><th class="n">Run time</th><th>Headline figures</th>'
                 f'</tr></thead><tbody>{"".join(rows)}</tbody></table>')
    parts.append(_problems_box(runs, failures=False))  # a failure is on its row already
    findings = _findings(runs, out_dir)
    if findings:
        parts.append("<h2>Findings</h2>" + findings)
    parts.append(_not_run_section(runs))
    return "\n".join(p for p in parts if p)


def _teaching_error(run: Any) -> str:
    problem = getattr(run, "problem", None)
    if isinstance(problem, str) and problem.strip():
        return problem.strip()
    error = str(getattr(run, "error", "") or "see the notebook page").strip().splitlines()[0]
    error = re.sub(r"(?:[A-Za-z]:)?(?:[\\/][^\\/\s'\"]+){2,}[\\/]([^\\/\s'\"]+)", r"\1", error)  # no local paths
    return error[:200] + ("…" if len(error) > 200 else "")


_LABELS = {
    "start.n_customers": "Customers",
    "start.n_transactions": "Transactions",
    "start.first_date": "First purchase",
    "start.last_date": "Last purchase",
    "start.synthetic_table_rows": "Rows per synthetic table",
    "identify.n_records": "Customer records",
    "identify.n_customers": "Customers after matching",
    "identify.duplicate_rate": "Duplicate rate",
    "identify.completeness": "Contact details complete",
    "identify.repeat_share_change": "Change in repeat-buyer share",
    "identify.clv_per_customer_change": "Change in CLV per customer",
    "differentiate.n_customers": "Customers",
    "differentiate.summary.median_frequency": "Median repeat purchases per customer",
    "differentiate.summary.share_one_time": "Customers who bought only once",
    "differentiate.top20_share": "Value share of the top 20 % of customers",
    "differentiate.top20_vs_pareto_rule": "Top 20 % share against the 80 % of the Pareto rule",
    "differentiate.top20_to_rest": "Value of the top 20 % per unit of the rest's",
    "differentiate.gini": "Gini coefficient of customer value",
    "differentiate.clv.total_future_value": "Total future customer value",
    "differentiate.needs.k": "Needs segments",
    "differentiate.needs.stability_ari_mean": "Segment stability (mean ARI)",
    "differentiate.needs.ari": "Segments vs planted truth (ARI)",
    "interact.channels.n_contacts": "Contacts",
    "interact.channels.total_cost": "Contact cost",
    "interact.channels.dearest_channel": "Dearest channel per contact",
    "interact.uplift.absolute_lift": "Campaign uplift (absolute)",
    "interact.uplift.relative_lift": "Campaign uplift (relative)",
    "interact.uplift.incremental_revenue": "Incremental revenue",
    "interact.uplift.p_value": "Uplift p-value",
    "interact.retention.share_at_risk": "Share of repeat buyers at risk",
    "interact.retention.period1_retention": "Retention after one period",
    "interact.nps.score": "Net Promoter Score",
    "interact.key_drivers.order": "Satisfaction drivers, strongest first",
    "customize.n_baskets": "Baskets",
    "customize.rules.n_rules": "Association rules",
    "customize.rules.bundle_recall": "Planted bundles found",
    "customize.nbo.contacted": "Customers with a next-best offer",
    "customize.nbo.expected_value": "Expected value of the offers",
    "compare.profile_first": "Model ranked first for this profile",
    "assessment.client": "Client",
    "assessment.n_items": "Questionnaire items",
    "assessment.n_answers": "Answers",
    "assessment.model_level": "Maturity level",
    "assessment.evidence_disagreements": "Answers the data contradicts",
}
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")
_SHARE_WORDS = ("share", "rate", "completeness", "retention", "recall", "precision", "lift", "coverage")
_NOT_SHARE_WORDS = ("relative_lift_ci",)
_MODEL_PARAMETERS = {"r", "alpha", "a", "b", "s", "beta", "gamma", "p", "q", "v", "delta"}
_MODELS = {"bg_nbd": "BG/NBD", "pareto_nbd": "Pareto/NBD", "gamma_gamma": "Gamma-Gamma", "mbg_nbd": "MBG/NBD"}
_TOKENS = {
    "nbd": "NBD", "bg": "BG", "clv": "CLV", "nps": "NPS", "ci": "CI", "auc": "AUC", "ari": "ARI", "r2": "R²",
    "mae": "MAE", "rmse": "RMSE", "nbo": "NBO", "febrl3": "FEBRL 3", "febrl4": "FEBRL 4", "idic": "IDIC",
    "qci": "QCi", "f1": "F1", "id": "ID", "ids": "IDs", "k": "k", "rfm": "RFM", "gg": "Gamma-Gamma",
}


def _figures(results: Mapping[str, Any]) -> str:
    """A short list of headline figures in words; internals and unreadable values are left out."""
    shown = []
    keys = [k for k in _LABELS if k in results] + [k for k in results if k not in _LABELS]
    for key in keys:
        if _hidden(key):
            continue
        text = _figure_text(key, results[key])
        if text is None:
            continue
        shown.append(f'<li><span class="label">{_e(_label(key))}:</span> {_e(text)}</li>')
    extra = ""
    if len(shown) > MAX_FIGURES:
        more = len(shown) - MAX_FIGURES
        shown = shown[:MAX_FIGURES]
        extra = f'<li class="muted">and {count(more)} more on the notebook page</li>'
    return f'<ul class="figures">{"".join(shown)}{extra}</ul>' if shown else ""


# Figures recorded for tests and exercises that repeat another headline on the same row.
_REPEATED = {"identify.customers_before", "differentiate.summary.one_time_monetary_max"}


def _hidden(key: str) -> bool:
    last = key.rsplit(".", 1)[-1]
    return key.startswith("report.") or key.endswith(".seconds") or last in _MODEL_PARAMETERS or key in _REPEATED


def _label(key: str) -> str:
    if key in _LABELS:
        return _LABELS[key]
    parts = key.split(".")
    parts = parts[1:] if len(parts) > 1 else parts  # the stage prefix says nothing on the stage's own row
    words = []
    for part in parts:
        tokens = [_TOKENS.get(t, t) for t in re.split(r"[_\s]+", _MODELS.get(part, part)) if t]
        words.append(" ".join(tokens))
    label = " · ".join(w for w in words if w) or key
    return label[:1].upper() + label[1:]


def _figure_text(key: str, value: Any, depth: int = 0) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return count(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return _float_text(key, value)
    if isinstance(value, str):
        text = _date(value) if _ISO_DATE.match(value) else value.strip()
        if _IDENTIFIER.match(text):  # a code such as call_centre reads as words
            text = text.replace("_", " ")
        return text if 0 < len(text) <= 120 else None
    if depth > 0:
        return None  # nested lists or dicts: on the notebook page, not here
    if isinstance(value, list):
        if not value or len(value) > 6:
            return None
        items = [_figure_text(key, v, depth + 1) for v in value]
        if any(i is None for i in items):
            return None
        if len(items) == 2 and key.rsplit(".", 1)[-1].endswith("ci"):
            return f"{items[0]} to {items[1]}"
        return ", ".join(items)
    if isinstance(value, Mapping):
        if not value or len(value) > 6:
            return None
        items = [(_label("x." + str(k)), _figure_text(key, v, depth + 1)) for k, v in value.items()]
        if any(v is None for _, v in items):
            return None
        return "; ".join(f"{k} {v}" for k, v in items)
    return None


def _float_text(key: str, value: float) -> str:
    last = key.rsplit(".", 1)[-1].lower()
    if value.is_integer() and abs(value) < 1e15 and not any(w in last for w in _SHARE_WORDS):
        return count(value)
    if any(w in last for w in _SHARE_WORDS) and last not in _NOT_SHARE_WORDS and -1.5 <= value <= 1.5:
        return percent(value, 1)
    size = abs(value)
    if size == 0:
        return "0"
    if size < 0.001:
        return "< 0.001" if value > 0 else "> -0.001"
    if size >= 100:
        return number(value, 0)
    if size >= 1:
        return number(value, 2)
    return number(value, 3)


# --- charts ----------------------------------------------------------------


def _lorenz_figure(curve: Mapping[str, Any]) -> str:
    x, y = curve.get("customer_share"), curve.get("value_share")
    if not isinstance(x, list) or not isinstance(y, list) or len(x) != len(y) or len(x) < 2:
        return ""
    if not all(_is_number(v) and 0 <= v <= 1.0000001 for v in [*x, *y]):
        return ""
    pairs = sorted(zip(x, y))
    x, y = [p[0] for p in pairs], [p[1] for p in pairs]
    best_first = sum(b - a for a, b in zip(x, y)) >= 0  # above the diagonal: customers sorted from the most valuable
    top20 = _interpolate(x, y, 0.2) if best_first else 1 - _interpolate(x, y, 0.8)
    fig, ax = _figure()
    ax.plot([0, 1], [0, 1], linestyle="--", color="#8b95a5", linewidth=1, label="Every customer worth the same")
    ax.plot(x, y, color="#1f4e79", linewidth=2.2, label="This client's customers")
    ax.fill_between(x, y, x, color="#1f4e79", alpha=0.12)
    if best_first:
        ax.plot([0.2, 0.2], [0, top20], color="#d97706", linewidth=1)
        ax.plot([0, 0.2], [top20, top20], color="#d97706", linewidth=1)
        ax.annotate(f"top 20 %: {percent(top20)} of value", (0.2, top20), xytext=(0.27, top20 - 0.12),
                    color="#8a4b00", fontsize=10, arrowprops={"arrowstyle": "-", "color": "#d97706"})
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("Share of customers" + (", most valuable first" if best_first else ", least valuable first"))
    ax.set_ylabel("Share of value")
    _percent_axes(ax)
    ax.set_title("Value concentration", loc="left", fontsize=12, fontweight="bold")
    ax.legend(loc="lower right", frameon=False, fontsize=9)
    sentence = f"The most valuable 20 % of customers bring {percent(top20)} of the value."
    return _figure_html(fig, f"Value concentration curve (Lorenz curve). {sentence}", sentence)


def _cleaning_figure(cleaning: list[tuple[str, dict, list[str]]]) -> str:
    bars = []
    several = len({table for table, _, _ in cleaning}) > 1
    for table, values, _ in cleaning:
        for reason, n in _dict(values.get("dropped")).items():
            if _is_number(n) and n > 0:
                label = _humanise(reason) + (f" ({_humanise(table).lower()})" if several else "")
                bars.append((label, n))
    if not bars:
        return ""
    bars = bars[:12]
    fig, ax = _figure(height=max(2.6, 0.9 + 0.42 * len(bars)))
    labels = [_shorten(label, 38) for label, _ in bars][::-1]
    values = [n for _, n in bars][::-1]
    ax.barh(range(len(values)), values, color="#1f4e79", height=0.6)
    ax.set_yticks(range(len(values)), labels, fontsize=9)
    top = max(values)
    for i, v in enumerate(values):
        ax.text(v + top * 0.01, i, count(v), va="center", fontsize=9, color="#1d2430")
    ax.set_xlim(0, top * 1.22)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    ax.xaxis.set_major_formatter(_thousands_formatter())
    ax.set_xlabel("Rows removed")
    fig.suptitle("Rows removed in cleaning, by reason", x=0.02, ha="left", fontsize=12, fontweight="bold")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    total = sum(n for _, n in bars)
    sentence = f"{count(total)} rows were removed in cleaning; the largest reason: {max(bars, key=lambda b: b[1])[0].lower()}."
    alt = "Bar chart of rows removed in cleaning: " + "; ".join(f"{label}: {count(n)}" for label, n in bars) + "."
    return _figure_html(fig, alt, sentence)


def _figure(height: float = 4.0):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, height), dpi=100)
    ax = fig.subplots()
    ax.tick_params(labelsize=9)
    return fig, ax


def _percent_axes(ax) -> None:
    from matplotlib.ticker import FuncFormatter

    formatter = FuncFormatter(lambda v, _: f"{100 * v:.0f} %")
    ax.xaxis.set_major_formatter(formatter)
    ax.yaxis.set_major_formatter(formatter)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.figure.tight_layout()


def _thousands_formatter():
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _: f"{v:,.0f}")


def _figure_html(fig, alt: str, caption: str) -> str:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    dpi = 150
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    width, height = (round(v) for v in fig.get_size_inches() * 100)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (f'<figure><img src="data:image/png;base64,{data}" width="{width}" height="{height}" alt="{_e(alt)}">'
            f"<figcaption>{_e(caption)}</figcaption></figure>")


def _interpolate(x: list[float], y: list[float], at: float) -> float:
    for (x0, y0), (x1, y1) in zip(zip(x, y), zip(x[1:], y[1:])):
        if x0 <= at <= x1:
            return y0 if x1 == x0 else y0 + (y1 - y0) * (at - x0) / (x1 - x0)
    return y[-1] if at > x[-1] else y[0]


# --- shared helpers ----------------------------------------------------------------

_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _stem(notebook: str) -> str:
    return Path(str(notebook)).name.removesuffix(".ipynb")


def _stage_name(notebook: str) -> str:
    stem = _stem(notebook)
    key = re.sub(r"^\d+[_\- ]*", "", stem)
    return _STAGE_NAMES.get(key) or (_humanise(key) if key else stem)


def _humanise(text: Any) -> str:
    text = re.sub(r"[_\s]+", " ", str(text)).strip()
    return text[:1].upper() + text[1:]


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _date(value: Any) -> str:
    match = _ISO_DATE.match(str(value))
    if not match:
        return str(value)
    year, month, day = (int(g) for g in match.groups())
    return f"{day} {_MONTHS[month - 1]} {year}" if 1 <= month <= 12 else str(value)


def _duration(run: Any) -> str:
    seconds = getattr(run, "seconds", None)
    if getattr(run, "status", "") == "not run" or not _is_number(seconds):
        return "—"
    if seconds < 60:
        return f"{number(seconds, 1)} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s"


def _href(run: Any, out_dir: Path) -> str | None:
    page = getattr(run, "html", None)
    if not page:
        return None
    page = Path(page)
    try:
        rel = page.relative_to(out_dir).as_posix()
    except ValueError:
        rel = Path(os.path.relpath(page.resolve(), out_dir.resolve())).as_posix()
    from urllib.parse import quote

    return _e(quote(rel))


def _needs(run: Any) -> list[str]:
    return _list_of_str(getattr(run, "needs", None))


def _not_run_sections(run: Any) -> list[dict]:
    return _list_of_dicts(getattr(run, "not_run", None))


def _codes(names: list[str]) -> str:
    return ", ".join(f"<code>{_e(n)}</code>" for n in names) if names else "an input that was not given"


def _list_of_dicts(value: Any) -> list[dict]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _list_of_str(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else []


def _dict(value: Any) -> dict:
    return dict(value) if isinstance(value, Mapping) else {}


def _all_results(runs: list[Any]) -> list[Mapping[str, Any]]:
    return [getattr(run, "results", None) or {} for run in runs]


def _first(results: list[Mapping[str, Any]], key: str) -> Any:
    for values in results:
        if values.get(key) is not None:
            return values[key]
    return None


def _merged(runs: list[Any], prefix: str) -> list[tuple[str, dict, list[str]]]:
    """``(table, values, stages)`` for each distinct value recorded under ``prefix<table>``, in run order."""
    merged: list[tuple[str, dict, list[str]]] = []
    for run in runs:
        for key, values in (getattr(run, "results", None) or {}).items():
            if not key.startswith(prefix) or not isinstance(values, Mapping):
                continue
            table = key[len(prefix):]
            for known_table, known, stages in merged:
                if known_table == table and known == values:
                    stages.append(_stage_name(run.notebook))
                    break
            else:
                merged.append((table, dict(values), [_stage_name(run.notebook)]))
    return merged


# --- the browser check ----------------------------------------------------------------


class ChromiumNotFoundError(FileNotFoundError):
    """Headless Chromium is not installed (Debian: ``apt-get install chromium``)."""


def find_chromium() -> str:
    """The Chromium binary: ``$IDIC_LAB_CHROMIUM``, else ``chromium`` (or ``chromium-browser``, ``google-chrome``) on PATH."""
    named = os.environ.get("IDIC_LAB_CHROMIUM")
    if named:
        if shutil.which(named):
            return shutil.which(named)
        raise ChromiumNotFoundError(f"IDIC_LAB_CHROMIUM={named!r} is not an executable.")
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    raise ChromiumNotFoundError("Chromium not found: install it (Debian/Ubuntu: `sudo apt-get install -y chromium`) "
                                "or set IDIC_LAB_CHROMIUM to its path.")


@dataclass
class PageCheck:
    """What headless Chromium saw on one page."""

    page: Path
    width: int
    errors: list[str] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)
    scroll_width: int = 0
    client_width: int = 0
    scroll_height: int = 0
    external: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        """Each problem in a sentence; empty when the page passes."""
        found = [f"console error: {e}" for e in self.errors]
        for image in self.images:
            if not image.get("complete") or not image.get("naturalWidth"):
                found.append(f"image not loaded: {image.get('src', '')[:80]} (alt {image.get('alt', '')[:60]!r})")
        if self.scroll_width > min(self.width, self.client_width or self.width):
            found.append(f"horizontal overflow: the page is {self.scroll_width} px wide in a {self.width} px window")
        found += [f"external resource (a report must work offline and not call out): {url}" for url in self.external]
        return found

    @property
    def ok(self) -> bool:
        return not self.problems


_PROBE = """<script>(function () {
  var errors = [];
  window.addEventListener("error", function (e) {
    var t = e.target;
    if (t && t !== window && (t.src || t.href)) { errors.push("could not load " + String(t.src || t.href).slice(0, 200)); }
    else { errors.push(String(e.message || "script error")); }
  }, true);
  window.addEventListener("unhandledrejection", function (e) { errors.push("unhandled rejection: " + String(e.reason)); });
  var original = console.error;
  console.error = function () {
    errors.push(Array.prototype.map.call(arguments, String).join(" "));
    return original.apply(console, arguments);
  };
  window.addEventListener("load", function () { setTimeout(function () {
    var d = document.documentElement;
    var images = Array.prototype.map.call(document.images, function (i) {
      return {src: String(i.currentSrc || i.src).slice(0, 120), alt: i.alt || "", complete: i.complete,
              naturalWidth: i.naturalWidth, naturalHeight: i.naturalHeight};
    });
    var result = {errors: errors, images: images, scrollWidth: Math.max(d.scrollWidth, document.body ? document.body.scrollWidth : 0),
                  clientWidth: d.clientWidth, scrollHeight: d.scrollHeight};
    var pre = document.createElement("pre");
    pre.id = "idic-check"; pre.style.display = "none";
    pre.textContent = JSON.stringify(result);
    document.body.appendChild(pre);
  }, 50); });
})();</script>"""

_EXTERNAL = re.compile(r"""<(?:script|img|link|iframe|source|video|audio)\b[^>]*?\b(?:src|href)\s*=\s*["']((?:https?:)?//[^"']+)""",
                       re.IGNORECASE)


def _chromium_command(binary: str, profile: str, width: int, height: int) -> list[str]:
    return [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-extensions", "--mute-audio", f"--user-data-dir={profile}",
            f"--window-size={width},{height}", "--virtual-time-budget=5000"]


def check_page(page: str | Path, *, width: int = 1400, height: int = 1000, timeout: float = 90) -> PageCheck:
    """Open one HTML page in headless Chromium at ``width`` px and report what it saw.

    The page is copied with a probe script first in its ``<head>`` (and a
    ``<base>`` pointing at the original folder, so relative links and images
    resolve as in the original); the probe records errors and console errors,
    then measures the images and the page width after ``load``.
    """
    page = Path(page).resolve()
    source = page.read_text(encoding="utf-8", errors="replace")
    external = sorted(set(_EXTERNAL.findall(source)))
    base = f'<base href="{_e(page.parent.as_uri())}/">'
    head = re.search(r"<head\b[^>]*>", source, re.IGNORECASE)
    probed = (source[: head.end()] + base + _PROBE + source[head.end():]) if head else (base + _PROBE + source)
    binary = find_chromium()
    with tempfile.TemporaryDirectory(prefix="idic-check-") as tmp:
        copy = Path(tmp) / "page.html"
        copy.write_text(probed, encoding="utf-8")
        command = [*_chromium_command(binary, str(Path(tmp) / "profile"), width, height), "--dump-dom", copy.as_uri()]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    match = re.search(r'<pre id="idic-check"[^>]*>(.*?)</pre>', done.stdout, re.DOTALL)
    if not match:
        raise RuntimeError(f"Chromium did not report on {page.name} (exit {done.returncode}); its last output: "
                           f"{done.stderr.strip().splitlines()[-1:] or done.stdout[-300:]}")
    seen = json.loads(html.unescape(match.group(1)))
    return PageCheck(page=page, width=width, errors=list(seen["errors"]), images=list(seen["images"]),
                     scroll_width=int(seen["scrollWidth"]), client_width=int(seen["clientWidth"]),
                     scroll_height=int(seen["scrollHeight"]), external=external)


def check_pages(pages: str | Path | Iterable[str | Path], *, width: int = 1400) -> list[PageCheck]:
    """Check a report folder (every ``*.html`` in it, sorted), one page or a list of pages.

    Returns one :class:`PageCheck` per page; ``[c for c in checks if not c.ok]``
    are the pages with problems, ``c.problems`` says what.
    """
    if isinstance(pages, (str, Path)):
        pages = Path(pages)
        pages = sorted(pages.glob("*.html")) if pages.is_dir() else [pages]
        if not pages:
            raise FileNotFoundError("no *.html page to check in that folder.")
    return [check_page(p, width=width) for p in pages]


def screenshot(page: str | Path, png: str | Path, *, width: int = 1400, height: int | None = None,
               timeout: float = 90) -> Path:
    """Save a PNG of ``page`` at ``width`` px; ``height`` None: the whole page (at most 8,000 px)."""
    page, png = Path(page).resolve(), Path(png).resolve()
    if height is None:
        height = min(max(check_page(page, width=width).scroll_height, 200), 8000)
    binary = find_chromium()
    png.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="idic-shot-") as tmp:
        command = [*_chromium_command(binary, str(Path(tmp) / "profile"), width, height), "--hide-scrollbars",
                   f"--screenshot={png}", page.as_uri()]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    if not png.is_file() or png.stat().st_size == 0:
        raise RuntimeError(f"Chromium wrote no screenshot of {page.name} (exit {done.returncode}).")
    return png


def main(argv: Sequence[str] | None = None) -> int:
    """``check <folder or page>…`` or ``screenshot <page> <png> [--width W] [--height H]``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m idic_lab.report_index",
                                     description="Check report pages in headless Chromium, or take a screenshot.")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="check every *.html of a report folder (or the pages given)")
    check.add_argument("paths", nargs="+")
    check.add_argument("--width", type=int, default=1400)
    shot = sub.add_parser("screenshot", help="save a PNG of a page")
    shot.add_argument("page")
    shot.add_argument("png")
    shot.add_argument("--width", type=int, default=1400)
    shot.add_argument("--height", type=int, default=None, help="pixels; default: the whole page")
    args = parser.parse_args(argv)
    if args.command == "screenshot":
        print(screenshot(args.page, args.png, width=args.width, height=args.height))
        return 0
    failed = 0
    for path in args.paths:
        for result in check_pages(path, width=args.width):
            print(f"{'ok    ' if result.ok else 'FAILED'} {result.page}")
            for problem in result.problems:
                print(f"       {problem}")
            failed += not result.ok
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
