"""Run the lab's notebooks and publish them as HTML (all stages).

:func:`run_notebook` executes one notebook with papermill (kernel
``python3``), records its status, run time, warnings and the headline figures
it recorded through :mod:`idic_lab.results`. :func:`run_all` runs every
notebook of a folder, exports each executed notebook to HTML (optionally with
the code hidden, for a client) and writes an ``index.html`` linking them.

A **client run** (the parameter file gives a client's file, ``client_name``,
``stage_results`` or ``mode: client``; see :func:`is_client_run`) never
substitutes bundled or synthetic data for an input the client did not give:

* notebooks whose metadata ``idic_lab.audience`` is ``"teaching"`` are left
  out unless the parameter file has a section for them;
* a notebook none of whose ``idic_lab.needs_any`` parameters is given is not
  run, and is listed as "not run — needs: ...";
* cells tagged ``teaching``, and cells tagged ``needs:<parameter>`` whose
  parameter is empty, are removed before execution; each removed run of
  cells becomes one note "**<section>** — not run: needs `<parameter>`";
* every notebook that declares ``mode`` gets ``mode="client"``.

The parameter file is checked in full before anything is written
(:func:`check_parameters`): unknown sections and keys, files that do not
exist and mapped columns absent from a file's header.
"""

from __future__ import annotations

import ast
import copy
import difflib
import html
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from idic_lab.results import RESULTS_ENV_VAR, load_results, results_path_for

__all__ = [
    "NotebookRun",
    "check_parameters",
    "client_notebook",
    "client_page",
    "comparable_results",
    "export_html",
    "file_header",
    "is_client_run",
    "notebook_parameters",
    "run_all",
    "run_notebook",
    "write_index",
]

KERNEL_NAME = "python3"

# Cell tags and notebook metadata shared with the notebooks (see the notebooks' authoring rules).
TEACHING_TAG = "teaching"
NEEDS_TAG_PREFIX = "needs:"
LINES_TAG = "needs-lines"
"""Tag of a cell about a result that needs the individual invoice lines (a reading of the tracking
chart, say): removed when a warehouse ``engine`` (DuckDB, Spark) keeps the lines and the code cell
before it said so."""
METADATA_KEY = "idic_lab"
PAPERMILL_ERROR_TAG = "papermill-error-cell-tag"

STATUSES = ("ok", "failed", "not run", "interrupted")


@dataclass
class NotebookRun:
    """What happened when one notebook ran (or why it did not).

    ``status`` is one of "ok", "failed", "not run" and "interrupted".
    ``needs`` names the parameters a notebook that was not run lacks,
    ``not_run`` the sections left out of a notebook that ran
    (``[{"section": title, "needs": [parameter, ...]}]``) and ``problem`` a
    failure in words a client can read (no traceback, no paths); ``error``
    keeps the exception line for the consultant.
    """

    notebook: str
    status: str
    seconds: float
    executed: Path | None
    error: str | None = None
    html: Path | None = None
    warnings: list[str] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)
    needs: list[str] = field(default_factory=list)
    not_run: list[dict[str, Any]] = field(default_factory=list)
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def summary(self) -> str:
        """One line: status, time and the reason if it is not ok."""
        if self.status == "not run":
            reason = f"needs: {', '.join(self.needs)}" if self.needs else (self.error or "")
            return f"{self.notebook}: not run — {reason}".rstrip(" —")
        line = f"{self.notebook}: {self.status} in {self.seconds:.1f} s"
        if self.status == "failed":
            return f"{line} — {self.error}"
        if self.not_run:
            left = "; ".join(f"{s['section']} (needs {', '.join(s['needs'])})" for s in self.not_run)
            return f"{line}; left out: {left}"
        return line


# --------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------


def notebook_parameters(notebook: str | Path) -> dict[str, Any]:
    """The parameters a notebook declares (name -> default as written)."""
    import papermill

    inferred = papermill.inspect_notebook(str(notebook))
    return {name: spec["default"] for name, spec in inferred.items()}


def _default_value(text: Any) -> Any:
    """A declared default (source text) as a value; text that is no literal stays text."""
    if not isinstance(text, str):
        return text
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text


def _is_empty(value: Any) -> bool:
    """No input given: None, blank text, an empty list/dict, or a list of blanks."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip() or value.strip() in ("[]", "{}", '""', "''", "None")
    if isinstance(value, Mapping):
        return len(value) == 0
    if isinstance(value, (list, tuple)):
        return all(_is_empty(item) for item in value)
    return False


def _is_client_parameter(name: str) -> bool:
    # a client's table in a warehouse (transactions_table with engine "spark"/"duckdb") is a client input too
    return name.endswith(("_file", "_files", "_table")) or name in ("client_name", "stage_results")


def is_client_run(parameters: Mapping[str, Any] | None) -> bool:
    """True when the parameters give a client input or ask for ``mode: client``.

    A client input is a non-empty value of any parameter whose name ends in
    ``_file``, ``_files`` or ``_table`` (a warehouse table), or of
    ``client_name`` or ``stage_results``, in ``common`` or any notebook's
    section.
    """
    for values in (parameters or {}).values():
        if not isinstance(values, Mapping):
            continue
        for name, value in values.items():
            if name == "mode" and isinstance(value, str) and value.strip().lower() == "client":
                return True
            if _is_client_parameter(str(name)) and not _is_empty(value):
                return True
    return False


def _parameters_for(notebook: Path, parameters: Mapping[str, Mapping[str, Any]],
                    declared: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The values given for one notebook: ``common`` (declared names only), then its own section."""
    declared = notebook_parameters(notebook) if declared is None else declared
    common = {k: v for k, v in (parameters.get("common") or {}).items() if k in declared}
    return {**common, **(parameters.get(notebook.stem) or {})}


def _effective(declared: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    """Every parameter's value in the run: the given one, else the declared default."""
    return {**{k: _default_value(v) for k, v in declared.items()}, **given}


# Results whose key ends so are wall-clock times: reported, never compared.
TIMING_KEY_SUFFIX = ".seconds"


def comparable_results(results: Mapping[str, Any]) -> dict[str, Any]:
    """The recorded figures without wall-clock times (keys ending in ``.seconds``).

    Two runs of a notebook on the same data must agree on these exactly.
    """
    return {key: value for key, value in results.items() if not key.endswith(TIMING_KEY_SUFFIX)}


# --------------------------------------------------------------------------
# Checking a parameter set before anything runs
# --------------------------------------------------------------------------


def check_parameters(
    notebooks: Sequence[Path],
    parameters: Mapping[str, Any],
    *,
    out_dir: str | Path | None = None,
    check_files: bool = True,
) -> None:
    """Check a whole parameter set before anything runs (nothing is written).

    * Every section must be ``common`` or the stem of a notebook that runs,
      every key under ``common`` must be declared by at least one of them,
      and every key of a notebook's section by that notebook: a misspelled
      key would otherwise be ignored and the notebook would run on its
      defaults.
    * With ``check_files``: every file named by a ``*_file`` parameter, every
      element of a ``*_files`` or ``stage_results`` list must exist (a
      ``stage_results`` path that a notebook of this run writes into
      ``out_dir`` before the one reading it is fine), and every client column
      of a ``<stem>_columns`` mapping (``transactions_file`` ↔
      ``transaction_columns``, ``customer_files`` ↔ ``customer_columns`` …)
      must be in the header of its file(s). Only the header is read.

    Relative paths are read from the notebooks' folder (the notebooks'
    working directory).

    Raises
    ------
    ValueError
        One message listing every problem: unknown names with close matches
        and the valid names, missing files, absent columns.
    """
    notebooks = [Path(nb) for nb in notebooks]
    if not isinstance(parameters, Mapping):
        raise ValueError(f"parameters: expected a mapping of sections, found {type(parameters).__name__}.")
    declared = {nb.stem: notebook_parameters(nb) for nb in notebooks}
    problems = _name_problems(declared, parameters)
    if not problems:
        problems += _engine_problems(notebooks, declared, parameters)
    if check_files and not problems:
        problems += _file_problems(notebooks, declared, parameters, out_dir)
    if problems:
        raise ValueError(f"The parameters have {len(problems)} problem(s); nothing was run:\n  " + "\n  ".join(problems))


def _name_problems(declared: Mapping[str, Mapping[str, Any]], parameters: Mapping[str, Any]) -> list[str]:
    problems = []
    for section, values in parameters.items():
        if section != "common" and section not in declared:
            close = difflib.get_close_matches(str(section), list(declared), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"section {section!r} is not a notebook of this run{hint}; "
                            f"valid sections: 'common', {', '.join(map(repr, declared))}")
            continue
        if values is None:
            continue
        if not isinstance(values, Mapping):
            problems.append(f"section {section!r}: expected name: value pairs, found {type(values).__name__}")
            continue
        valid = set().union(*map(set, declared.values())) if section == "common" else set(declared[section])
        for key in values:
            if key not in valid:
                close = difflib.get_close_matches(str(key), sorted(valid), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                where = "no notebook of this run declares it" if section == "common" else f"{section} does not declare it"
                problems.append(f"{section}.{key}: {where}{hint}")
    return problems


_ENGINES = ("pandas", "duckdb", "spark")


def _engine_problems(
    notebooks: list[Path], declared: Mapping[str, Mapping[str, Any]], parameters: Mapping[str, Any]
) -> list[str]:
    """``engine``: a known one, with the source it reads (a file for DuckDB, a table for Spark)."""
    problems = []
    for notebook in notebooks:
        if "engine" not in declared[notebook.stem]:
            continue
        values = _effective(declared[notebook.stem], _parameters_for(notebook, parameters, declared[notebook.stem]))
        engine = values.get("engine")
        file, table = values.get("transactions_file"), values.get("transactions_table")
        where = notebook.stem
        if engine not in _ENGINES:
            problems.append(f"{where}.engine: expected one of {', '.join(map(repr, _ENGINES))}, found {engine!r}")
        elif engine == "pandas" and not _is_empty(table):
            problems.append(f"{where}.transactions_table: {table!r} is read by engine 'spark' or 'duckdb'; add "
                            "engine: spark (or give transactions_file with the default engine)")
        elif engine != "pandas" and _is_empty(file) == _is_empty(table):
            problems.append(f"{where}.engine: {engine!r} reads exactly one of transactions_file (a Parquet/CSV file "
                            f"DuckDB streams) and transactions_table (a table, e.g. sales.orders), found "
                            f"{'both' if not _is_empty(file) else 'neither'}")
        elif engine == "spark" and not _is_empty(file):
            problems.append(f"{where}.transactions_file: engine 'spark' reads a table of the Spark session; give "
                            "transactions_table (e.g. sales.orders), or use engine: duckdb for a file")
        elif engine != "pandas" and not _is_empty(values.get("products_file")):
            problems.append(f"{where}.products_file: the needs segments read every invoice line, which engine "
                            f"{engine!r} keeps in the engine; leave products_file empty or use engine: pandas")
    return problems


def _mapping_parameter(name: str, declared: Mapping[str, Any]) -> str | None:
    """``transactions_file`` -> ``transaction_columns`` (or ``transactions_columns``) if declared."""
    stem = re.sub(r"_files?$", "", name)
    for candidate in (f"{stem}_columns", f"{stem[:-1]}_columns" if stem.endswith("s") else None):
        if candidate and candidate in declared:
            return candidate
    return None


def _as_paths(value: Any) -> list[str]:
    if _is_empty(value):
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if not _is_empty(v)]
    return [str(value)]


def _file_problems(
    notebooks: list[Path],
    declared: Mapping[str, Mapping[str, Any]],
    parameters: Mapping[str, Any],
    out_dir: str | Path | None,
) -> list[str]:
    from idic_lab.schema import column_mapping

    problems: list[str] = []
    headers: dict[Path, list[str] | str] = {}
    reported: set[str] = set()
    written: set[Path] = set()  # results files of notebooks that run before the one being checked

    def add(problem: str) -> None:
        if problem not in reported:
            reported.add(problem)
            problems.append(problem)

    for notebook in notebooks:
        given = _parameters_for(notebook, parameters, declared[notebook.stem])
        base = notebook.parent
        for name, value in given.items():
            own = parameters.get(notebook.stem) or {}
            where = f"{notebook.stem}.{name}" if name in own else f"common.{name}"
            if name == "stage_results":
                for text in _as_paths(value):
                    path = _resolve(text, base)
                    if not path.is_file() and path not in written:
                        add(f"{where}: no file {text!r} (expected the results file of a stage notebook "
                            "that ran before, e.g. reports/acme/02_differentiate.results.json)")
                continue
            if not name.endswith(("_file", "_files")):
                continue
            mapping_name = _mapping_parameter(name, declared[notebook.stem])
            mapping_where = f"{notebook.stem if mapping_name in own else 'common'}.{mapping_name}"
            mapping: dict[str, str] = {}
            if mapping_name and not _is_empty(given.get(mapping_name)):
                try:
                    mapping = column_mapping(given[mapping_name], parameter=mapping_name)
                except (ValueError, TypeError) as exc:
                    add(f"{mapping_where}: {exc}")
            read: list[tuple[Path, list[str]]] = []
            for text in _as_paths(value):
                path = _resolve(text, base)
                if not path.is_file():
                    shown = path if Path(text).is_absolute() else f"{text} (read from {base.resolve()})"
                    add(f"{where}: no file {shown}")
                    continue
                if not mapping:
                    continue
                if path not in headers:
                    try:
                        headers[path] = file_header(path)
                    except Exception as exc:  # noqa: BLE001 - any reading problem is reported, not raised
                        headers[path] = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                header = headers[path]
                if isinstance(header, str):
                    add(f"{where}: {path.name} could not be read: {header}")
                    continue
                read.append((path, header))
            # One file must have every mapped column; of several files (each system exports
            # different fields) a mapped column must be in at least one.
            groups = [[entry] for entry in read] if name.endswith("_file") else ([read] if read else [])
            for group in groups:
                columns = [c for _, header in group for c in header]
                files = " or ".join(path.name for path, _ in group)
                for canonical, client in mapping.items():
                    if client in columns:
                        continue
                    close = difflib.get_close_matches(client, list(dict.fromkeys(columns)), n=1)
                    hint = f" (did you mean {close[0]!r}?)" if close else ""
                    listing = "; ".join(f"{path.name}: {', '.join(map(repr, header))}" for path, header in group)
                    add(f"{mapping_where}: maps {canonical!r} to {client!r}, but {files} has no column "
                        f"{client!r}{hint}; columns of {listing}")
        if out_dir is not None:
            written.add(_resolve(str(results_path_for(Path(out_dir) / notebook.name)), Path.cwd()))
    return problems


def _resolve(text: str, base: Path) -> Path:
    path = Path(text).expanduser()
    return (path if path.is_absolute() else base / path).resolve()


def file_header(path: str | Path) -> list[str]:
    """The column names of a client's export, reading only its header.

    Text files are decoded the way :func:`idic_lab.schema.read_file` decodes
    them (the same encoding detection and separator); Parquet files give
    their schema, Excel files their first row.
    """
    import pandas as pd

    from idic_lab import schema

    path = Path(path)
    reader = getattr(schema, "read_header", None)
    if reader is not None:
        return [str(c) for c in reader(path)]
    try:
        extension = schema._extension(path)
        if extension in schema._TEXT_SEPARATORS:
            encoding, _, sample = schema._text_encoding(path, None)
            sep = schema._sniff_separator(sample, encoding, default=schema._TEXT_SEPARATORS[extension])
            frame = pd.read_csv(path, sep=sep, encoding=encoding, dtype=str, nrows=0,
                                engine="python" if len(sep) > 1 else "c")
            return [str(c).lstrip("\ufeff") for c in frame.columns]
        if extension == ".parquet":
            import pyarrow.parquet as pq

            return [str(c) for c in pq.read_schema(path).names]
        if extension in schema._EXCEL:
            return [str(c) for c in pd.read_excel(path, nrows=0, dtype=str).columns]
    except AttributeError:  # schema's helpers moved: read the whole file the public way
        pass
    return [str(c) for c in schema.read_file(path).columns]


# --------------------------------------------------------------------------
# Client notebooks: leaving out, never substituting
# --------------------------------------------------------------------------


def _tags(cell: Any) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []) or [])


def _heading(cell: Any) -> str | None:
    if cell.get("cell_type") != "markdown":
        return None
    for line in cell.get("source", "").splitlines():
        found = re.match(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", line)
        if found:
            return re.sub(r"[*_`]", "", found.group(1)).strip()
    return None


def _is_section_heading(cell: Any) -> bool:
    """A markdown cell that starts with a level-2 heading (``## 3. Campaign test``): a numbered section."""
    return cell.get("cell_type") == "markdown" and bool(re.match(r"^\s{0,3}##\s", cell.get("source", "")))


def client_notebook(nb: Any, values: Mapping[str, Any]) -> tuple[Any, list[dict[str, Any]]]:
    """A copy of ``nb`` for a client run, and the sections left out.

    Cells tagged ``teaching`` are removed; so are cells tagged
    ``needs:<parameter>`` when that parameter is empty in ``values`` (the
    notebook's effective parameters), and cells tagged ``needs-lines`` when
    ``values["engine"]`` is a warehouse engine (the lines stay there). Each contiguous run of removed cells
    that held a ``needs:`` cell is replaced by one markdown note per
    section (a removed ``##`` heading starts a new one)
    "**<section>** — not run: needs `<parameter>`", where the section is the
    first heading among the removed cells (else the heading before them).

    Returns
    -------
    (notebook, not_run)
        ``not_run`` is ``[{"section": title, "needs": [parameter, ...]}]``.
    """
    nb = copy.deepcopy(nb)
    kept: list[Any] = []
    not_run: list[dict[str, Any]] = []
    removed: list[tuple[Any, list[str]]] = []  # the current run of removed cells and their missing inputs
    last_heading = None

    def close_run() -> None:
        needs: list[str] = []
        for _, missing in removed:
            needs += [p for p in missing if p not in needs]
        if needs:
            own = next((h for h in (_heading(c) for c, m in removed if m) if h), None)
            title = own or (f"Part of {last_heading}" if last_heading else "A section")
            note = nbformat.v4.new_markdown_cell(
                f"**{title}** — not run: needs {', '.join(f'`{p}`' for p in needs)}")
            note.metadata["tags"] = ["not-run"]
            kept.append(note)
            not_run.append({"section": title, "needs": needs})
        removed.clear()

    lines_elsewhere = values.get("engine") not in (None, "", "pandas")
    for cell in nb.cells:
        tags = _tags(cell)
        missing = [t[len(NEEDS_TAG_PREFIX):] for t in tags if t.startswith(NEEDS_TAG_PREFIX)]
        missing = [p for p in missing if _is_empty(values.get(p))]
        if TEACHING_TAG in tags or missing or (lines_elsewhere and LINES_TAG in tags):
            # a removed heading that needs an input opens a new section: one note per section
            if missing and _is_section_heading(cell) and any(m for _, m in removed):
                close_run()
            removed.append((cell, missing))
            continue
        if removed:
            close_run()
        kept.append(cell)
        last_heading = _heading(cell) or last_heading
    if removed:
        close_run()
    nb.cells = kept
    return nb, not_run


def _notebook_metadata(nb: Any) -> dict[str, Any]:
    meta = nb.metadata.get(METADATA_KEY) or {}
    return dict(meta) if isinstance(meta, Mapping) else {}


# --------------------------------------------------------------------------
# Client-readable failures
# --------------------------------------------------------------------------

# A local path: starts with / \ ~ or a drive letter, not inside a word, a number or a URL.
_PATH = re.compile(r"(?<![\w.:/\\-])(?:[A-Za-z]:[\\/]|~[\\/]|[\\/])(?:[^\s'\"()<>,;:\\/]+[\\/])*([^\s'\"()<>,;:\\/]+)")


def reduce_paths(text: str) -> str:
    """Local paths in ``text`` reduced to their file names (``/home/x/orders.csv`` -> ``orders.csv``)."""
    return _PATH.sub(lambda m: m.group(1), text)


def _advice(ename: str, message: str) -> str:
    if ename in ("FileNotFoundError", "IsADirectoryError", "PermissionError"):
        return "Check that the file named in the message exists and that the parameter file gives its right path."
    if ename in ("MemoryError",):
        return "The data did not fit into memory: run the report on a machine with more memory, or on a shorter period."
    if ename in ("DeadKernelError",):
        return "The computation stopped (often: not enough memory). Run the report again, or on a shorter period."
    if ename in ("CellTimeoutError", "TimeoutError"):
        return "A step took too long: run the report on a shorter period or with a longer time limit."
    if "column" in message.lower():
        return "Check the column named in the message: the file's header and the column mapping in the parameter file."
    return "Check the parameter or file named in the message, correct the parameter file and run the report again."


def client_problem(ename: str, evalue: str) -> str:
    """A failure in words a client can read: the error's first line without paths, and what to do."""
    first = next((line.strip() for line in str(evalue).splitlines() if line.strip()), "")
    first = reduce_paths(first)
    if len(first) > 300:
        first = first[:297].rstrip() + "…"
    what = f"{ename}: {first}" if first else ename
    return f"The step stopped with: {what} — {_advice(ename, first)}"


def _stage_title(nb: Any, fallback: str) -> str:
    for cell in nb.cells:
        heading = _heading(cell)
        if heading:
            return heading
    return fallback


def client_page(nb: Any, *, run: NotebookRun | None = None) -> Any:
    """A copy of an executed notebook fit for a client's page (the code is hidden at export).

    Removes cells tagged ``teaching`` and papermill's error banner; for a
    failed run, replaces every traceback by one short box at the top (which
    stage, the error's first line without paths, what to do) and ends the
    page at the failing cell (what follows never ran); warnings on
    stderr keep their message without file names and source lines.
    """
    nb = copy.deepcopy(nb)
    failed = run is not None and run.status in ("failed", "interrupted")
    cells = []
    stopped = False
    for cell in nb.cells:
        if stopped:  # the cells after the failing one never ran: their text would describe missing results
            cells.append(nbformat.v4.new_markdown_cell(
                "*The rest of this stage was not run because of the problem shown at the top of the page.*"))
            break
        tags = _tags(cell)
        if TEACHING_TAG in tags or PAPERMILL_ERROR_TAG in tags:
            continue
        if cell.get("cell_type") == "code":
            cell["source"] = ""  # hidden at export too; a client page carries no code at all
            outputs = []
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    stopped = failed
                    continue
                if output.get("output_type") == "stream" and output.get("name") == "stderr":
                    output["text"] = _clean_stderr(output.get("text", ""))
                    if not output["text"].strip():
                        continue
                outputs.append(output)
            cell["outputs"] = outputs
        cells.append(cell)
    if failed:
        stage = _stage_title(nb, Path(run.notebook).stem)
        box = nbformat.v4.new_markdown_cell(_failure_box(stage, run))
        box.metadata["tags"] = ["failure"]
        cells.insert(0, box)
    nb.cells = cells
    return nb


_WARNING_LINE = re.compile(r"^\S.*?:\d+: (\w*(?:Warning|Error)): (.*)$")


def _clean_stderr(text: str) -> str:
    """``/path/x.py:12: IdicLabWarning: msg`` + source line -> ``IdicLabWarning: msg``."""
    lines, skip_source = [], False
    for line in text.splitlines(keepends=True):
        found = _WARNING_LINE.match(line.rstrip("\n"))
        if found:
            lines.append(f"{found.group(1)}: {reduce_paths(found.group(2))}\n")
            skip_source = True
            continue
        if skip_source and line.startswith((" ", "\t")):
            continue
        skip_source = False
        lines.append(reduce_paths(line))
    return "".join(lines)


def _failure_box(stage: str, run: NotebookRun) -> str:
    if run.status == "interrupted":
        headline, text = "This stage was interrupted.", "The run was stopped before this stage finished; run the report again."
    else:
        headline, text = "This stage could not be completed.", run.problem or "Check its input file and parameters."
    return (
        '<div style="border: 2px solid #b00020; border-radius: 6px; padding: .8em 1.1em; '
        'background: #fff5f5; margin: .5em 0 1.5em;">'
        f"<strong>{html.escape(stage)}: {headline}</strong><br>{html.escape(text)}<br>"
        '<span style="color: #555; font-size: .9em;">The consultant has the full technical details '
        f"(in {html.escape(run.notebook)}).</span></div>"
    )


# --------------------------------------------------------------------------
# Running one notebook
# --------------------------------------------------------------------------


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


@contextmanager
def _kernel_config() -> Iterator[dict[str, Any]]:
    """Engine options that talk to the kernel over local sockets (IPC) where the OS has them.

    Over TCP, ipykernel prints "Kernel is running over TCP without encryption"
    on every run; IPC sockets are files readable by this user only, in a
    private temporary folder, so nothing travels over the network at all.
    """
    if os.name != "posix":
        yield {}
        return
    from traitlets.config import Config

    with tempfile.TemporaryDirectory(prefix="idic-kernel-") as folder:
        yield {"config": Config({"KernelManager": {"transport": "ipc", "ip": os.path.join(folder, "k")}})}


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C during a notebook; ``where`` says which notebook and cell."""

    def __init__(self, where: str) -> None:
        super().__init__(where)
        self.where = where


def _where_interrupted(partial: Path, name: str) -> str:
    try:
        nb = nbformat.read(str(partial), as_version=4)
    except Exception:  # noqa: BLE001 - a half-written file may not parse
        return name
    code = [c for c in nb.cells if c.get("cell_type") == "code"]
    done = sum(1 for c in code if c.get("metadata", {}).get("papermill", {}).get("status") == "completed")
    return f"{name}, at cell {min(done + 1, len(code))} of {len(code)}" if code else name


def run_notebook(
    notebook: str | Path,
    executed: str | Path,
    *,
    parameters: Mapping[str, Any] | None = None,
    timeout: int = 3600,
    progress_bar: bool = False,
    environment: Mapping[str, str] | None = None,
    source: Any = None,
) -> NotebookRun:
    """Execute one notebook with papermill and report what happened.

    Parameters
    ----------
    notebook : path
        The notebook to run (its folder is the working directory).
    executed : path
        Where the executed notebook is written (its recorded figures go to
        ``<executed stem>.results.json`` beside it). It is written to a
        temporary file first and renamed when complete: an interrupted run
        leaves no half-written notebook.
    parameters : mapping, optional
        Values for the notebook's ``parameters`` cell. Names the notebook
        does not declare raise a ValueError (a typo would otherwise be
        ignored silently).
    timeout : int
        Seconds a single cell may run.
    progress_bar : bool
        Show papermill's cell progress bar (tqdm) on stderr.
    environment : mapping, optional
        Extra environment variables for the kernel, e.g.
        ``{"PYTHONHASHSEED": "1"}``.
    source : NotebookNode, optional
        The cells to execute instead of the file's (e.g. a client copy from
        :func:`client_notebook`); ``notebook`` still names it and gives the
        working directory. Without it, ``mode="client"`` among the
        parameters executes the client copy of the notebook.

    Returns
    -------
    NotebookRun
        Never raises for an error inside the notebook: the status says
        ``"failed"``, ``error`` holds the exception line and ``problem`` the
        same in a client's words.

    Raises
    ------
    RunInterrupted
        (a KeyboardInterrupt) on Ctrl-C, after removing the partial file.
    """
    import papermill

    notebook, executed = Path(notebook), Path(executed)
    if not notebook.is_file():
        raise FileNotFoundError(f"notebook not found: {notebook.resolve()}")
    parameters = dict(parameters or {})
    declared = notebook_parameters(notebook)
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise ValueError(
            f"{notebook.name} has no parameter(s) {unknown}; "
            f"it declares: {sorted(declared)}"
        )
    not_run: list[dict[str, Any]] = []
    if source is None and parameters.get("mode") == "client":
        # A client run executes the client copy, wherever it is started from:
        # no teaching cells, no section whose input was not given.
        nb = nbformat.read(str(notebook), as_version=4)
        source, not_run = client_notebook(nb, _effective(declared, parameters))
    executed.parent.mkdir(parents=True, exist_ok=True)
    results_path = results_path_for(executed)
    results_path.unlink(missing_ok=True)
    partial = executed.with_name(f".{executed.stem}.partial.ipynb")
    staged = None
    if source is not None:
        staged = executed.with_name(f".{executed.stem}.input.ipynb")
        nbformat.write(source, str(staged))

    error = ename = evalue = None
    start = time.perf_counter()
    try:
        with _kernel_environment({**(environment or {}), RESULTS_ENV_VAR: str(results_path.resolve())}), \
                _kernel_config() as engine_options:
            try:
                papermill.execute_notebook(
                    str(staged or notebook),
                    str(partial),
                    parameters=parameters,
                    kernel_name=KERNEL_NAME,
                    cwd=str(notebook.parent),
                    progress_bar=progress_bar,
                    execution_timeout=timeout,
                    **engine_options,
                )
            except papermill.PapermillExecutionError as exc:
                ename, evalue = exc.ename, str(exc.evalue)
                if ename == "KeyboardInterrupt":
                    raise KeyboardInterrupt from exc
            except KeyboardInterrupt:
                raise
            except Exception as exc:  # noqa: BLE001 - a dead kernel or a timeout is a failed notebook, not a crash
                ename, evalue = type(exc).__name__, str(exc)
                if not partial.exists():
                    nbformat.write(source or nbformat.read(str(notebook), as_version=4), str(partial))
    except KeyboardInterrupt:
        where = _where_interrupted(partial, notebook.name)
        partial.unlink(missing_ok=True)
        raise RunInterrupted(where) from None
    finally:
        if staged is not None:
            staged.unlink(missing_ok=True)
    os.replace(partial, executed)
    seconds = time.perf_counter() - start
    if ename is not None:
        error = f"{ename}: {evalue}".splitlines()[0]
    return NotebookRun(
        notebook=notebook.name,
        status="failed" if error else "ok",
        seconds=seconds,
        executed=executed,
        error=error,
        warnings=executed_warnings(executed),
        results=load_results(results_path),
        problem=client_problem(ename, evalue) if error else None,
        not_run=not_run,
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


def export_html(executed: str | Path, html_path: str | Path, *, hide_code: bool = False,
                run: NotebookRun | None = None) -> Path:
    """Export an executed notebook to a self-contained HTML page.

    With ``hide_code=True`` the input cells and prompts are left out and the
    page is made for a client (:func:`client_page`): no teaching cells, no
    tracebacks, no paths. The page is written to a temporary file and renamed.
    """
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        exclude_input=hide_code,
        exclude_input_prompt=hide_code,
        exclude_output_prompt=hide_code,
        log=_export_log(),
    )
    nb = nbformat.read(str(executed), as_version=4)
    if hide_code:
        nb = client_page(nb, run=run)
    body, _ = exporter.from_notebook_node(nb)
    body = _without_remote_scripts(body)
    html_path = Path(html_path)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = html_path.with_name(f".{html_path.name}.tmp")
    tmp.write_text(body, encoding="utf-8")
    os.replace(tmp, html_path)
    return html_path


# nbconvert's page template loads require.js and MathJax from a CDN. No page of
# the lab needs them (no widgets, no maths), and a page must work offline and
# must not call out to a third party when a client opens it.
_REMOTE_SCRIPT = re.compile(r'<script[^>]*\bsrc="https?://[^"]*"[^>]*>\s*</script>\s*', re.IGNORECASE)


def _without_remote_scripts(body: str) -> str:
    return _REMOTE_SCRIPT.sub("", body)


def _export_log() -> Any:
    """nbconvert's logger without its per-page note on charts without alternative text (noise on every run)."""
    import logging

    log = logging.getLogger("idic_lab.report.export")
    if not log.filters:
        log.addFilter(lambda record: "Alternative text is missing" not in record.getMessage())
    return log


# --------------------------------------------------------------------------
# Running a folder
# --------------------------------------------------------------------------


@dataclass
class _Plan:
    notebook: Path
    values: dict[str, Any]  # what papermill gets
    skip: NotebookRun | None = None
    source: Any = None
    not_run: list[dict[str, Any]] = field(default_factory=list)


def _plan(notebooks: list[Path], parameters: Mapping[str, Any], out_dir: Path, client: bool) -> list[_Plan]:
    plans = []
    for notebook in notebooks:
        declared = notebook_parameters(notebook)
        values = _parameters_for(notebook, parameters, declared)
        plan = _Plan(notebook, values)
        plans.append(plan)
        if not client:
            continue
        nb = nbformat.read(str(notebook), as_version=4)
        meta = _notebook_metadata(nb)
        if "mode" in declared:
            values["mode"] = "client"
        # Defaults that fit only the teaching data (CDNOW's 1998 window, the synthetic
        # world's cut-off) are replaced by the notebook's client defaults (usually
        # "decide from the data") unless the parameter file sets them.
        for name, value in (meta.get("client_defaults") or {}).items():
            if name in declared:
                values.setdefault(name, value)
        effective = _effective(declared, values)
        if meta.get("audience") == "teaching" and notebook.stem not in parameters:
            plan.skip = NotebookRun(
                notebook.name, "not run", 0.0, None,
                error=f"a teaching notebook, not part of a client report (add a section "
                      f"'{notebook.stem}' to the parameter file to include it)")
            continue
        needs_any = [str(p) for p in meta.get("needs_any") or []]
        if needs_any and all(_is_empty(effective.get(p)) for p in needs_any):
            plan.skip = NotebookRun(notebook.name, "not run", 0.0, None, needs=needs_any,
                                    error=f"needs: {', '.join(needs_any)}")
            continue
        plan.source, plan.not_run = client_notebook(nb, effective)
    return plans


def _stage_results_for(plan: _Plan, runs: list[NotebookRun], out_dir: Path, client: bool) -> None:
    """Point ``stage_results`` at what this run measured: never at a stage that was not run."""
    declared = notebook_parameters(plan.notebook)
    if "stage_results" not in declared:
        return
    made = {(out_dir / Path(r.notebook).stem).resolve(): r for r in runs}
    given = plan.values.get("stage_results")
    if _is_empty(given):
        if client:  # the evidence measured by this run's stages on the client's data
            files = [results_path_for(r.executed) for r in runs if r.executed is not None]
            files = [str(f.resolve()) for f in files if f.is_file()]
            if files:
                plan.values["stage_results"] = files
        return
    kept = []
    for text in _as_paths(given):
        path = _resolve(text, plan.notebook.parent)
        run = made.get(path.with_name(path.name.removesuffix(".results.json")))
        if run is not None and run.status == "not run":
            continue
        kept.append(text)
    plan.values["stage_results"] = kept


TEACHING_TITLE = "IDIC lab — demo run"
CLIENT_TITLE = "Customer management report"


def run_all(
    notebooks_dir: str | Path = "notebooks",
    out_dir: str | Path = "reports/demo",
    *,
    parameters: Mapping[str, Mapping[str, Any]] | None = None,
    pattern: str = "*.ipynb",
    hide_code: bool = False,
    title: str | None = None,
    echo: bool = True,
    progress_bar: bool | None = None,
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
        notebook's own section overrides them. Checked in full first
        (:func:`check_parameters`); nothing is written when it fails. Client
        inputs make a client run (see the module's description).
    pattern : str
        Glob selecting notebooks (sorted by name, so 00… runs first).
    hide_code : bool
        Leave the code, teaching cells and tracebacks out of the HTML pages
        (client reports).
    echo : bool
        Print one line per notebook with its status and time.
    progress_bar : bool, optional
        papermill's cell progress bar; default: when stderr is a terminal.

    Raises
    ------
    RunInterrupted
        On Ctrl-C, after writing ``index.html`` saying what was interrupted
        and what was not run (no half-written notebook or page is left).
    """
    notebooks = sorted(Path(notebooks_dir).glob(pattern))
    if not notebooks:
        raise FileNotFoundError(f"no notebooks matching {pattern!r} in {Path(notebooks_dir).resolve()}")
    out_dir = Path(out_dir)
    parameters = parameters or {}
    check_parameters(notebooks, parameters, out_dir=out_dir)
    client = is_client_run(parameters)
    if title is None:
        title = CLIENT_TITLE if client else TEACHING_TITLE
    plans = _plan(notebooks, parameters, out_dir, client)
    if progress_bar is None:
        progress_bar = sys.stderr.isatty()
    out_dir.mkdir(parents=True, exist_ok=True)
    runs: list[NotebookRun] = []
    start = time.perf_counter()
    current, started = None, start
    try:
        for number, plan in enumerate(plans, start=1):
            current, started = plan, time.perf_counter()
            if plan.skip is not None:
                run = plan.skip
            else:
                _stage_results_for(plan, runs, out_dir, client)
                run = run_notebook(plan.notebook, out_dir / plan.notebook.name, parameters=plan.values,
                                   source=plan.source, progress_bar=progress_bar)
                run.not_run = plan.not_run
                run.html = export_html(run.executed, out_dir / f"{plan.notebook.stem}.html",
                                       hide_code=hide_code, run=run)
            runs.append(run)
            current = None
            if echo:
                total = time.perf_counter() - start
                print(f"[{number}/{len(plans)}] {run.summary()} (elapsed {_clock(total)})", flush=True)
    except KeyboardInterrupt as exc:
        where = getattr(exc, "where", None) or (current.notebook.name if current else "the run")
        done = {run.notebook for run in runs}
        for plan in plans:
            if plan.notebook.name in done:
                continue
            if plan is current:
                runs.append(NotebookRun(plan.notebook.name, "interrupted", time.perf_counter() - started, None,
                                        error=f"interrupted ({where})"))
            else:
                runs.append(plan.skip or NotebookRun(plan.notebook.name, "not run", 0.0, None,
                                                     error="not run: the run was interrupted before it"))
        write_index(runs, out_dir, title=title, client_run=client, interrupted=where)
        if echo:
            print(f"\nInterrupted: {where}. index.html lists what ran and what did not.", flush=True)
        raise RunInterrupted(where) from None
    write_index(runs, out_dir, title=title, client_run=client, interrupted=None)
    return runs


def _clock(seconds: float) -> str:
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"{minutes}:{rest:02d}"


# --------------------------------------------------------------------------
# The index page
# --------------------------------------------------------------------------


def _fallback_write_index(runs: list[NotebookRun], out_dir: str | Path, *, title: str,
                          client_run: bool = False, interrupted: str | None = None) -> Path:
    """A plain index (used only while :mod:`idic_lab.report_index` is not installed)."""
    out_dir = Path(out_dir)
    rows = []
    for run in runs:
        name = html.escape(run.notebook)
        link = f'<a href="{html.escape(run.html.relative_to(out_dir).as_posix())}">{name}</a>' if run.html else name
        if run.status == "not run":
            status = f"not run — needs: {', '.join(run.needs)}" if run.needs else f"not run — {run.error or ''}"
        elif run.status == "failed":
            status = f"failed: {run.problem if client_run else run.error}"
        else:
            status = run.status
        figures = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(str(v))}</dd>"
                          for k, v in list(run.results.items())[:12])
        rows.append(f'<tr><td>{link}</td><td class="{run.status}">{html.escape(status)}</td>'
                    f"<td>{run.seconds:.1f} s</td><td><dl>{figures}</dl></td></tr>")
    stopped = f"<p><strong>Interrupted:</strong> {html.escape(interrupted)}</p>" if interrupted else ""
    page = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"</head><body><h1>{html.escape(title)}</h1>{stopped}"
            f"<p>{sum(r.ok for r in runs)} of {len(runs)} notebooks ran without error.</p>"
            "<table><tbody>" + "\n".join(rows) + "</tbody></table></body></html>\n")
    out_dir.mkdir(parents=True, exist_ok=True)
    path, tmp = out_dir / "index.html", out_dir / ".index.html.tmp"
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, path)
    return path


try:
    from idic_lab.report_index import write_index
except ImportError:  # pragma: no cover - only before report_index exists
    write_index = _fallback_write_index
