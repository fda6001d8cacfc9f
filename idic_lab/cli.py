"""Command line: run the lab's notebooks on bundled or client data.

``idic-lab run`` executes every notebook in ``notebooks/`` into an output
folder and writes ``index.html``; with ``--params client.yaml`` the same
notebooks run on a client's files, and ``--hide-code`` gives the HTML pages a
client receives.

Exit codes: 0 every notebook ran (or was left out for a missing input), 1 a
notebook failed, 2 the parameter file was refused (nothing was run or
written), 130 interrupted with Ctrl-C (``index.html`` says what ran).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from idic_lab.report import run_all

__all__ = ["main"]

EXIT_FAILED, EXIT_REFUSED, EXIT_INTERRUPTED = 1, 2, 130


def _refuse(message: str) -> SystemExit:
    """A refusal of the parameter file: the message on stderr, exit code 2."""
    exc = SystemExit(f"idic-lab: {message}")
    exc.code = EXIT_REFUSED
    print(exc.args[0], file=sys.stderr)
    return exc


def _read_parameters(path: str | None) -> dict[str, dict[str, Any]]:
    if not path:
        return {}
    params_file = Path(path)
    if not params_file.is_file():
        raise _refuse(f"parameter file not found: {params_file.resolve()}")
    try:
        loaded = yaml.safe_load(params_file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}, column {where.column + 1}" if where else ""
        raise _refuse(f"{params_file} is not valid YAML{line}: {getattr(exc, 'problem', exc)}") from exc
    except UnicodeDecodeError as exc:
        raise _refuse(f"{params_file} is not UTF-8 text ({exc.reason}); save it as UTF-8.") from exc
    if not isinstance(loaded, dict) or not all(isinstance(v, dict) or v is None for v in loaded.values()):
        raise _refuse(
            f"{params_file} must map 'common' and/or notebook names "
            "(e.g. '02_differentiate') to parameter: value pairs"
        )
    # Relative paths in the file are relative to the file, not to the notebook folder or the caller.
    return {
        section: {key: _absolute_if_path(value, params_file.parent) for key, value in values.items()}
        for section, values in loaded.items()
        if values is not None
    }


# A relative value with one of these endings is a file, even if it does not exist yet
# (e.g. the results file of a notebook that runs earlier in the same run).
_FILE_ENDINGS = (".csv", ".tsv", ".txt", ".parquet", ".xlsx", ".xls", ".json", ".gz", ".zip", ".bz2", ".xz", ".zst")


def _absolute_if_path(value: Any, base: Path) -> Any:
    """Resolve file paths (also inside lists) relative to the parameter file's folder."""
    if isinstance(value, list):
        return [_absolute_if_path(item, base) for item in value]
    if not isinstance(value, str) or not value or Path(value).is_absolute():
        return value
    if (base / value).exists() or value.lower().endswith(_FILE_ENDINGS):
        return str((base / value).resolve())
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="idic-lab", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="execute the notebooks and write an HTML index")
    run.add_argument("--notebooks", default="notebooks", help="folder with the notebooks (default: notebooks)")
    run.add_argument("--out", default="reports/demo", help="output folder (default: reports/demo)")
    run.add_argument("--params", help="YAML file: {common: {...}, 02_differentiate: {...}}")
    run.add_argument("--only", default="*.ipynb", help="glob of notebooks to run, e.g. '02_*'")
    run.add_argument("--hide-code", action="store_true", help="leave code out of the HTML pages")
    run.add_argument("--title", default=None,
                     help="title of index.html (default: 'Customer management report' for a client run, "
                          "'IDIC lab — demo run' otherwise)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``idic-lab``; returns the process exit code."""
    args = _parser().parse_args(argv)
    pattern = args.only if args.only.endswith(".ipynb") else f"{args.only}.ipynb"
    parameters = _read_parameters(args.params)
    index = Path(args.out) / "index.html"
    try:
        runs = run_all(
            args.notebooks,
            args.out,
            parameters=parameters,
            pattern=pattern,
            hide_code=args.hide_code,
            title=args.title,
        )
    except (ValueError, FileNotFoundError) as exc:
        raise _refuse(str(exc)) from exc
    except KeyboardInterrupt:
        said = f"{index.resolve()} says what ran and what did not" if index.exists() else "nothing was written"
        print(f"idic-lab: interrupted; {said}.", file=sys.stderr)
        return EXIT_INTERRUPTED
    failed = [run for run in runs if run.status == "failed"]
    left_out = [run for run in runs if run.status == "not run"]
    ran = len(runs) - len(left_out)
    note = f" ({len(left_out)} left out: {', '.join(Path(r.notebook).stem for r in left_out)})" if left_out else ""
    print(f"\n{ran - len(failed)} of {ran} notebooks ok{note}; open {index.resolve()}")
    return EXIT_FAILED if failed else 0


if __name__ == "__main__":
    sys.exit(main())
