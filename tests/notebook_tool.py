"""Re-execute notebooks in place and strip them, so stored outputs stay reviewable.

Usage (from the repository root; ``make notebook NB=...`` and ``make notebooks`` call this)::

    BERTKERAS_QUICK=1 python -m tests.notebook_tool notebooks/01_wordpiece_tokenization.ipynb

Each notebook runs top to bottom in a fresh kernel of the current environment (nbclient). Only when
every cell succeeds is the file replaced (temporary file, then rename), with
  * notebook and cell metadata and timings removed (nbstripout); execution counts stay, since nbval
    treats a cell without one as never run,
  * TensorFlow / absl C++ log lines removed from stderr streams (they vary by machine),
  * everything else kept: stdout, rich outputs and figures are what readers see on GitHub.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbstripout import strip_output

# C++ log lines from TensorFlow/absl/XLA, e.g. "2026-11-23 02:49:01.123: I tensorflow/..." or
# "I0000 00:00:1732.123 12345 cuda_executor.cc:1015] ..." and oneDNN's notice.
TF_LOG_LINE = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWEF] |[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+ |WARNING: All log messages"
    r"|To enable the following instructions|oneDNN custom operations|E0000 |W0000 |I0000 )"
)
# An exercise (bertkeras/exercises.py) is a code cell whose first line is ``# EXERCISE``; its solution is the
# next cell, a markdown cell holding ``<details><summary>Solution</summary>`` and one fenced python block.
EXERCISE_MARK = "# EXERCISE"
SOLUTION = re.compile(r"<details>\s*<summary>\s*Solution\b.*?</summary>.*?```python\n(.*?)```.*?</details>", re.S)
CHECK_CALL = re.compile(r"\bcheck\(")
KEPT_NOTEBOOK_METADATA = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def drop_tf_log_lines(nb: nbformat.NotebookNode) -> None:
    """Remove C++ log lines from stderr streams; drop a stderr output that becomes empty."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                lines = [ln for ln in out["text"].splitlines(keepends=True) if not TF_LOG_LINE.match(ln)]
                if not "".join(lines).strip():
                    continue
                out["text"] = "".join(lines)
            kept.append(out)
        cell["outputs"] = kept


def exercise_solutions(nb: nbformat.NotebookNode) -> list[tuple[int, str | None]]:
    """``(cell index, solution code)`` for every exercise cell of ``nb``; ``None`` where the solution is missing."""
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and cell.source.lstrip().startswith(EXERCISE_MARK):
            after = nb.cells[i + 1] if i + 1 < len(nb.cells) else None
            match = SOLUTION.search(after.source) if after is not None and after.cell_type == "markdown" else None
            found.append((i, match.group(1) if match else None))
    return found


def run_nbval(path: Path) -> subprocess.CompletedProcess:
    """Run nbval on one notebook in a subprocess, as ``make test`` does (this project's conftest included).

    ``stdout`` comes back without colour codes (the kernel colours its tracebacks regardless of ``--color``).
    """
    root = Path(__file__).resolve().parents[1]
    cmd = [sys.executable, "-m", "pytest", str(path), "-p", "tests.conftest", "--nbval-lax", "--nbval-current-env",
           "--nbval-sanitize-with", str(root / "tests/nbval_sanitize.cfg"), "-v", "--color=no",
           "-p", "no:cacheprovider", "--rootdir", str(path.parent)]
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=root, timeout=300)
    result.stdout = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)
    return result


def clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Strip metadata and noise; keep outputs (the stored outputs are what nbval compares)."""
    drop_tf_log_lines(nb)
    nb = strip_output(nb, keep_output=True, keep_count=True, keep_id=True)
    nb.metadata = nbformat.from_dict(KEPT_NOTEBOOK_METADATA)
    for cell in nb.cells:
        cell.metadata = nbformat.from_dict({})
    return nb


def execute(path: Path, timeout: int = 900) -> float:
    """Run ``path`` in a fresh kernel; replace it atomically only if every cell succeeded."""
    nb = nbformat.read(path, as_version=4)
    env_note = "quick" if os.environ.get("BERTKERAS_QUICK") == "1" else "FULL (set BERTKERAS_QUICK=1 for CI)"
    print(f"running {path} in {env_note} mode ...", flush=True)
    start = time.perf_counter()
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()
    elapsed = time.perf_counter() - start
    nb = clean(nb)
    tmp = path.with_suffix(".ipynb.tmp")
    nbformat.write(nb, tmp)
    tmp.replace(path)
    print(f"  ok: {elapsed:.0f} s", flush=True)
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--strip-only", action="store_true", help="clean without executing")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    args = parser.parse_args(argv)
    for path in args.notebooks:
        if not path.exists():
            print(f"error: {path} does not exist", file=sys.stderr)
            return 2
        if args.strip_only:
            nb = clean(nbformat.read(path, as_version=4))
            nbformat.write(nb, path)
            continue
        try:
            execute(path, timeout=args.timeout)
        except Exception as exc:  # noqa: BLE001 - report which notebook broke, keep the old file
            print(f"error: {path} failed; the stored notebook was left unchanged.\n{exc}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
