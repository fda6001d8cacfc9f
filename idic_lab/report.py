"""Run the lab's notebooks and publish them as HTML (all stages).

:func:`run_notebook` executes one notebook with papermill (kernel
``python3``), records its status, run time, warnings and the headline figures
it recorded through :mod:`idic_lab.results`. :func:`run_all` runs every
notebook of a folder, exports each executed notebook to HTML (optionally with
the code hidden, for a client) and writes an ``index.html`` linking them.
"""

from __future__ import annotations

import html
import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from idic_lab.results import RESULTS_ENV_VAR, load_results, results_path_for

__all__ = ["NotebookRun", "check_parameters", "comparable_results", "export_html", "notebook_parameters", "run_all", "run_notebook", "write_index"]

KERNEL_NAME = "python3"


@dataclass
class NotebookRun:
    """What happened when one notebook ran."""

    notebook: str
    status: str  # "ok" or "failed"
    seconds: float
    executed: Path
    error: str | None = None
    html: Path | None = None
    warnings: list[str] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def summary(self) -> str:
        """One line: status, time and the first error line if any."""
        line = f"{self.notebook}: {self.status} in {self.seconds:.1f} s"
        return line if self.ok else f"{line} — {self.error}"


def notebook_parameters(notebook: str | Path) -> dict[str, Any]:
    """The parameters a notebook declares (name -> default as written)."""
    import papermill

    inferred = papermill.inspect_notebook(str(notebook))
    return {name: spec["default"] for name, spec in inferred.items()}


# Results whose key ends so are wall-clock times: reported, never compared.
TIMING_KEY_SUFFIX = ".seconds"


def comparable_results(results: Mapping[str, Any]) -> dict[str, Any]:
    """The recorded figures without wall-clock times (keys ending in ``.seconds``).

    Two runs of a notebook on the same data must agree on these exactly.
    """
    return {key: value for key, value in results.items() if not key.endswith(TIMING_KEY_SUFFIX)}


@contextmanager
def _kernel_environment(variables: Mapping[str, str]) -> Iterator[None]:
    # The kernel inherits this process's environment: idic_lab.results reads
    # IDIC_LAB_RESULTS there, and tests set PYTHONHASHSEED.
    previous = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_notebook(
    notebook: str | Path,
    executed: str | Path,
    *,
    parameters: Mapping[str, Any] | None = None,
    timeout: int = 3600,
    progress_bar: bool = False,
    environment: Mapping[str, str] | None = None,
) -> NotebookRun:
    """Execute one notebook with papermill and report what happened.

    Parameters
    ----------
    notebook : path
        The notebook to run.
    executed : path
        Where the executed notebook is written (its recorded figures go to
        ``<executed stem>.results.json`` beside it).
    parameters : mapping, optional
        Values for the notebook's ``parameters`` cell. Names the notebook
        does not declare raise a ValueError (a typo would otherwise be
        ignored silently).
    timeout : int
        Seconds a single cell may run.
    environment : mapping, optional
        Extra environment variables for the kernel, e.g.
        ``{"PYTHONHASHSEED": "1"}``.

    Returns
    -------
    NotebookRun
        Never raises for an error inside the notebook: the status says
        ``"failed"`` and ``error`` holds the exception line.
    """
    import papermill

    notebook, executed = Path(notebook), Path(executed)
    if not notebook.is_file():
        raise FileNotFoundError(f"notebook not found: {notebook.resolve()}")
    parameters = dict(parameters or {})
    unknown = sorted(set(parameters) - set(notebook_parameters(notebook)))
    if unknown:
        raise ValueError(
            f"{notebook.name} has no parameter(s) {unknown}; "
            f"it declares: {sorted(notebook_parameters(notebook))}"
        )
    executed.parent.mkdir(parents=True, exist_ok=True)
    results_path = results_path_for(executed)
    results_path.unlink(missing_ok=True)

    error = None
    start = time.perf_counter()
    with _kernel_environment({**(environment or {}), RESULTS_ENV_VAR: str(results_path.resolve())}):
        try:
            papermill.execute_notebook(
                str(notebook),
                str(executed),
                parameters=parameters,
                kernel_name=KERNEL_NAME,
                cwd=str(notebook.parent),
                progress_bar=progress_bar,
                execution_timeout=timeout,
            )
        except papermill.PapermillExecutionError as exc:
            error = f"{exc.ename}: {exc.evalue}".splitlines()[0]
    seconds = time.perf_counter() - start
    return NotebookRun(
        notebook=notebook.name,
        status="failed" if error else "ok",
        seconds=seconds,
        executed=executed,
        error=error,
        warnings=executed_warnings(executed),
        results=load_results(results_path),
    )


def executed_warnings(executed: str | Path) -> list[str]:
    """Lines of stderr output in an executed notebook that mention a warning."""
    nb = nbformat.read(str(executed), as_version=4)
    found = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                found += [line for line in output.get("text", "").splitlines() if "Warning" in line]
    return found


def export_html(executed: str | Path, html_path: str | Path, *, hide_code: bool = False) -> Path:
    """Export an executed notebook to a self-contained HTML page.

    With ``hide_code=True`` the input cells and prompts are left out: the
    page a consultant hands to a client.
    """
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        exclude_input=hide_code,
        exclude_input_prompt=hide_code,
        exclude_output_prompt=hide_code,
    )
    body, _ = exporter.from_notebook_node(nbformat.read(str(executed), as_version=4))
    html_path = Path(html_path)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    html_path.write_text(body, encoding="utf-8")
    return html_path


def run_all(
    notebooks_dir: str | Path = "notebooks",
    out_dir: str | Path = "reports/demo",
    *,
    parameters: Mapping[str, Mapping[str, Any]] | None = None,
    pattern: str = "*.ipynb",
    hide_code: bool = False,
    title: str = "IDIC lab — demo run",
    echo: bool = True,
) -> list[NotebookRun]:
    """Run every notebook in a folder, export HTML and write ``index.html``.

    Parameters
    ----------
    notebooks_dir, out_dir : path
        Where the notebooks are and where executed notebooks, HTML pages,
        results files and the index go.
    parameters : mapping, optional
        ``{"common": {...}, "<notebook stem>": {...}}``: values under
        ``common`` go to every notebook that declares that parameter; a
        notebook's own section overrides them.
    pattern : str
        Glob selecting notebooks (sorted by name, so 00… runs first).
    hide_code : bool
        Leave the code out of the HTML pages (client reports).
    echo : bool
        Print one progress line per notebook.
    """
    notebooks = sorted(Path(notebooks_dir).glob(pattern))
    if not notebooks:
        raise FileNotFoundError(f"no notebooks matching {pattern!r} in {Path(notebooks_dir).resolve()}")
    out_dir = Path(out_dir)
    parameters = parameters or {}
    check_parameters(notebooks, parameters)
    runs = []
    for number, notebook in enumerate(notebooks, start=1):
        if echo:
            print(f"[{number}/{len(notebooks)}] {notebook.name} …", flush=True)
        values = _parameters_for(notebook, parameters)
        run = run_notebook(notebook, out_dir / notebook.name, parameters=values)
        run.html = export_html(run.executed, out_dir / f"{notebook.stem}.html", hide_code=hide_code)
        runs.append(run)
        if echo:
            print(f"    {run.summary()}", flush=True)
    write_index(runs, out_dir, title=title)
    return runs


def check_parameters(notebooks: list[Path], parameters: Mapping[str, Any]) -> None:
    """Check a whole parameter set before anything runs.

    Every section must be ``common`` or the stem of a notebook that runs,
    every key under ``common`` must be declared by at least one of them, and
    every key of a notebook's section by that notebook: a misspelled key
    would otherwise be ignored and the notebook would run on its defaults.

    Raises
    ------
    ValueError
        Naming every unknown section or key, with close matches and the
        valid names.
    """
    import difflib

    declared = {nb.stem: set(notebook_parameters(nb)) for nb in notebooks}
    problems = []
    if not isinstance(parameters, Mapping):
        raise ValueError(f"parameters: expected a mapping of sections, found {type(parameters).__name__}.")
    for section, values in parameters.items():
        if section != "common" and section not in declared:
            close = difflib.get_close_matches(str(section), list(declared), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"section {section!r} is not a notebook of this run{hint}; "
                            f"valid sections: 'common', {', '.join(map(repr, declared))}")
            continue
        if not isinstance(values, Mapping):
            problems.append(f"section {section!r}: expected name: value pairs, found {type(values).__name__}")
            continue
        valid = set().union(*declared.values()) if section == "common" else declared[section]
        for key in values:
            if key not in valid:
                close = difflib.get_close_matches(str(key), sorted(valid), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                where = "no notebook of this run declares it" if section == "common" else f"{section} does not declare it"
                problems.append(f"{section}.{key}: {where}{hint}")
    if problems:
        raise ValueError("Parameters not understood, nothing was run:\n  " + "\n  ".join(problems))


def _parameters_for(notebook: Path, parameters: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    declared = notebook_parameters(notebook)
    common = {k: v for k, v in parameters.get("common", {}).items() if k in declared}
    return {**common, **parameters.get(notebook.stem, {})}


def write_index(runs: list[NotebookRun], out_dir: str | Path, *, title: str) -> Path:
    """Write ``index.html``: one row per notebook with a link, status, time and figures."""
    out_dir = Path(out_dir)
    rows = "\n".join(_index_row(run, out_dir) for run in runs)
    n_ok = sum(run.ok for run in runs)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; max-width: 70em; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ border-bottom: 1px solid #ddd; padding: .4em .6em; text-align: left; vertical-align: top; }}
.ok {{ color: #1b7f3b; font-weight: bold; }} .failed {{ color: #b00020; font-weight: bold; }}
dl {{ margin: 0; font-size: .85em; display: grid; grid-template-columns: max-content auto; gap: 0 1em; }}
dd {{ margin: 0; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<p>{n_ok} of {len(runs)} notebooks ran without error.</p>
<table><thead><tr><th>Notebook</th><th>Status</th><th>Run time</th><th>Headline figures</th></tr></thead>
<tbody>
{rows}
</tbody></table>
</body></html>
"""
    path = out_dir / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


def _index_row(run: NotebookRun, out_dir: Path) -> str:
    name = html.escape(run.notebook)
    link = f'<a href="{html.escape(run.html.relative_to(out_dir).as_posix())}">{name}</a>' if run.html else name
    status = "ok" if run.ok else f"failed: {run.error}"
    figures = "".join(
        f"<dt>{html.escape(key)}</dt><dd>{html.escape(_format_value(value))}</dd>"
        for key, value in list(run.results.items())[:12]
    )
    return (
        f'<tr><td>{link}</td><td class="{run.status}">{html.escape(status)}</td>'
        f"<td>{run.seconds:.1f} s</td><td><dl>{figures}</dl></td></tr>"
    )


def _format_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
