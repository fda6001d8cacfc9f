"""The commands the README and notebook 00 show a user are real: they name existing notebooks and parameters.

A documented ``papermill`` call is prepared with ``--prepare-only`` (parameters
injected, nothing executed) after checking that every ``-p`` name is declared
by the notebook: papermill itself would accept an unknown name and the
notebook would silently run on its defaults. A documented ``idic-lab``
command must parse with the command line's own parser and select notebooks.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from idic_lab.cli import _parser
from idic_lab.report import notebook_parameters

ROOT = Path(__file__).resolve().parents[1]


def _shell_blocks(markdown: str) -> list[str]:
    """Commands of the ```bash blocks: continuation lines joined, comments dropped."""
    commands = []
    for block in re.findall(r"```(?:bash|sh|shell)\n(.*?)```", markdown, flags=re.S):
        joined = re.sub(r"\\\n\s*", " ", block)
        for line in joined.splitlines():
            line = line.split(" #", 1)[0].strip()
            if line and not line.startswith("#"):
                commands.append(line)
    return commands


def _documented_commands() -> list[tuple[str, str]]:
    found = [("README.md", c) for c in _shell_blocks((ROOT / "README.md").read_text(encoding="utf-8"))]
    start = nbformat.read(ROOT / "notebooks" / "00_start_here.ipynb", as_version=4)
    for cell in start.cells:
        if cell.cell_type == "markdown":
            found += [("00_start_here", c) for c in _shell_blocks(cell.source)]
    return found


COMMANDS = _documented_commands()
PAPERMILL = [(where, c) for where, c in COMMANDS if "papermill " in c]
IDIC_LAB = [(where, c) for where, c in COMMANDS if "idic-lab " in c]


def test_the_documentation_shows_both_kinds_of_command():
    assert PAPERMILL and IDIC_LAB, COMMANDS
    assert any(where == "00_start_here" for where, _ in PAPERMILL + IDIC_LAB)


@pytest.mark.parametrize(("where", "command"), PAPERMILL, ids=[f"{w}: {c[:50]}" for w, c in PAPERMILL])
def test_a_documented_papermill_call_declares_only_existing_parameters(where, command, tmp_path):
    words = shlex.split(command)
    words = words[words.index(next(w for w in words if w.endswith("papermill"))) + 1:]
    notebook = ROOT / words[0]
    assert notebook.is_file(), f"{where}: {words[0]} does not exist"
    given = [words[i + 1] for i, w in enumerate(words) if w in ("-p", "--parameters")]
    declared = notebook_parameters(notebook)
    unknown = [name for name in given if name not in declared]
    assert not unknown, f"{where}: {notebook.name} declares no parameter {unknown}; it declares {sorted(declared)}"
    client_inputs = [name for name in given if name.endswith(("_file", "_files"))]
    assert not client_inputs, (
        f"{where}: a plain papermill call with {client_inputs} would run the teaching notebook (its 1998 defaults, "
        "its sections without input) on a client's file; document `idic-lab run --only <notebook> --params ...` "
        "for client files")
    options = [w for w in words[2:]]
    done = subprocess.run([sys.executable, "-m", "papermill", str(notebook), str(tmp_path / "out.ipynb"),
                           *options, "--prepare-only"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    injected = [c for c in nbformat.read(tmp_path / "out.ipynb", as_version=4).cells
                if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and all(name in injected[0].source for name in given)


@pytest.mark.parametrize(("where", "command"), IDIC_LAB, ids=[f"{w}: {c[:50]}" for w, c in IDIC_LAB])
def test_a_documented_idic_lab_command_parses_and_selects_notebooks(where, command):
    words = shlex.split(command)
    words = words[words.index(next(w for w in words if w.endswith("idic-lab"))) + 1:]
    args = _parser().parse_args(words)
    pattern = args.only if args.only.endswith(".ipynb") else f"{args.only}.ipynb"
    assert sorted((ROOT / args.notebooks).glob(pattern)), f"{where}: {command!r} selects no notebook"
