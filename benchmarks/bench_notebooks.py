"""Benchmark of the notebooks: wall and CPU time of each one with its defaults (issue 12: at most 30 s each).

Run: ``.venv/bin/python benchmarks/bench_notebooks.py [glob]`` (default every
notebook, e.g. ``'0[2-5]_*'`` for some). Each notebook runs through papermill in
a fresh process, one after the other; the table gives its wall time, the CPU
time of papermill and its kernel together, and its slowest cell. On a busy
machine the wall time grows with the load while the CPU time does not: the
CPU time is the figure to compare with the 30 s target there.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 30.0


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _slowest_cell(executed: Path) -> tuple[float, str]:
    cells = [c for c in nbformat.read(executed, as_version=4).cells if c.cell_type == "code"]
    durations = [(c.metadata.get("papermill", {}).get("duration") or 0.0, c.source.splitlines()[0][:60] if c.source else "")
                 for c in cells]
    return max(durations)


def run(notebook: Path, out_dir: Path) -> dict:
    """Run one notebook with its defaults in a fresh papermill process; its times in seconds."""
    executed = out_dir / notebook.name
    cpu, start = _children_cpu(), time.perf_counter()
    subprocess.run([sys.executable, "-m", "papermill", "--no-progress-bar", str(notebook), str(executed),
                    "--cwd", str(notebook.parent)], check=True, capture_output=True)
    wall, cpu = time.perf_counter() - start, _children_cpu() - cpu
    seconds, cell = _slowest_cell(executed)
    return {"notebook": notebook.stem, "wall_s": wall, "cpu_s": cpu, "slowest_cell_s": seconds, "slowest_cell": cell}


def main(pattern: str = "*.ipynb") -> None:
    notebooks = sorted((ROOT / "notebooks").glob(pattern if pattern.endswith(".ipynb") else pattern + ".ipynb"))
    if not notebooks:
        raise SystemExit(f"no notebook matches {pattern!r} in {ROOT / 'notebooks'}")
    with tempfile.TemporaryDirectory() as tmp:
        for notebook in notebooks:
            row = run(notebook, Path(tmp))
            verdict = "ok" if row["cpu_s"] <= TARGET_SECONDS else f"over {TARGET_SECONDS:.0f} s"
            print(f"{row['notebook']:<24} wall {row['wall_s']:6.1f} s  cpu {row['cpu_s']:6.1f} s  {verdict:<8} "
                  f"slowest cell {row['slowest_cell_s']:5.1f} s: {row['slowest_cell']}", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:2])
