"""``idic-lab run``: exit codes, refusals before anything is written, progress lines and Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from idic_lab.cli import main


def _notebook(path: Path, body: str, parameters: str = 'transactions_file = ""  # str\nfactor = 2  # int') -> Path:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(parameters)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {path.stem}"), cell, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    _notebook(notebooks / "01_quick.ipynb", "print(factor)")
    return notebooks


def test_a_parameter_file_naming_a_missing_file_is_refused_with_exit_2_and_nothing_written(folder, tmp_path, capsys):
    (tmp_path / "orders.csv").write_text("Kunde,Datum\n1,2024-01-01\n", encoding="utf-8")
    params = tmp_path / "client.yaml"
    params.write_text("common:\n  transactions_file: orders.csv\n  factr: 3\n"
                      "01_quick:\n  transactions_file: exports/missing.csv\n")
    out = tmp_path / "reports" / "acme"
    with pytest.raises(SystemExit) as caught:
        main(["run", "--notebooks", str(folder), "--out", str(out), "--params", str(params)])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "common.factr: no notebook of this run declares it (did you mean 'factor'?)" in err
    assert not (tmp_path / "reports").exists()


def test_absent_mapped_columns_are_refused_before_anything_runs(tmp_path, capsys):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    _notebook(notebooks / "02_value.ipynb", "print(1)",
              'transactions_file = ""  # str\ntransaction_columns = {}  # dict or JSON str')
    (tmp_path / "orders.csv").write_bytes("InvoiceNo,UnitPrice,CustomerID\n1,2.5,17850\n".encode("cp1252"))
    params = tmp_path / "client.yaml"
    params.write_text("common:\n  transactions_file: orders.csv\n"
                      "  transaction_columns: '{\"customer_id\": \"CustomerId\", \"order_id\": \"InvoiceNo\"}'\n")
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as caught:
        main(["run", "--notebooks", str(notebooks), "--out", str(out), "--params", str(params)])
    assert caught.value.code == 2
    assert ("common.transaction_columns: maps 'customer_id' to 'CustomerId', but orders.csv has no column "
            "'CustomerId' (did you mean 'CustomerID'?)") in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.notebook
def test_one_line_per_notebook_with_elapsed_time(folder, tmp_path, capsys):
    _notebook(folder / "02_broken.ipynb", "raise ValueError('bad input')")
    assert main(["run", "--notebooks", str(folder), "--out", str(tmp_path / "out")]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("[1/2] 01_quick.ipynb: ok in ") and lines[0].endswith(")")
    assert "(elapsed 0:0" in lines[0]
    assert lines[1].startswith("[2/2] 02_broken.ipynb: failed in ") and "ValueError: bad input" in lines[1]


@pytest.mark.notebook
def test_ctrl_c_leaves_no_half_written_files_and_an_index_saying_what_was_interrupted(folder, tmp_path):
    # The slow cell says when it has started (a marker file), so the interrupt lands inside it
    # however long the kernel takes to start on a loaded machine.
    started = tmp_path / "slow_cell_started"
    _notebook(folder / "02_slow.ipynb",
              f"import pathlib, time\npathlib.Path({str(started)!r}).touch()\nfor _ in range(600):\n    time.sleep(0.1)")
    _notebook(folder / "03_later.ipynb", "print('never')")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "idic_lab.cli", "run", "--notebooks", str(folder), "--out", str(out)]
    # Ctrl-C at a terminal interrupts the whole foreground process group (the runner and its kernel)
    # A job started in the background by a non-interactive shell (as CI scripts may start this suite) inherits
    # SIGINT as ignored, and Python then never raises KeyboardInterrupt; a terminal's foreground job has the
    # default disposition, so the runner gets it back here.
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while not started.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)
    assert started.exists(), "the slow cell never started"
    time.sleep(1)  # inside the slow cell
    os.killpg(process.pid, signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr
    assert "without encryption" not in stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == ["01_quick.html", "01_quick.ipynb", "index.html"], names
    for path in out.iterdir():
        assert path.stat().st_size > 0
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "02_slow" in index and "nterrupted" in index and "03_later" in index
