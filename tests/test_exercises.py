"""Every notebook's exercises and questions: blank cells are harmless, hidden solutions are right.

Conventions (bertkeras/exercises.py): an exercise is a code cell whose first line is ``# EXERCISE``; it
leaves the learner's answers blank (``None`` or ``...``) and calls ``check(...)``. Its solution is the
next cell, a markdown cell holding ``<details><summary>Solution</summary>`` and one fenced python block:
the whole cell with the answers filled in. A self-check question is answered in a
``<details><summary>Answer</summary>`` block. nbval (make test) runs the notebooks as stored, blanks
included; ``test_every_solution_passes_its_check`` runs each notebook up to its last exercise with every
solution in place of its blank cell and requires each ``check`` to print "correct.".
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest

from bertkeras.exercises import CORRECT

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
SOLUTION = re.compile(r"<details>\s*<summary>\s*Solution\b.*?</summary>.*?```python\n(.*?)```.*?</details>", re.S)
ANSWER = re.compile(r"<details>\s*<summary>\s*Answer\b", re.S)
BLANK = re.compile(r"=\s*(None|\.\.\.)\b|=\s*\.\.\.")
MIN_QUESTIONS = 3


def exercises(nb) -> list[tuple[int, str]]:
    """(cell index, solution code) for every exercise cell of ``nb``."""
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and cell.source.lstrip().startswith("# EXERCISE"):
            after = nb.cells[i + 1] if i + 1 < len(nb.cells) else None
            match = SOLUTION.search(after.source) if after is not None and after.cell_type == "markdown" else None
            assert match, f"exercise cell {i}: the next cell must be a markdown <details> Solution with a python block"
            found.append((i, match.group(1)))
    return found


@pytest.fixture(params=NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def notebook(request):
    return request.param, nbformat.read(request.param, as_version=4)


def test_every_notebook_has_blank_exercises_that_print_a_hint(notebook):
    path, nb = notebook
    found = exercises(nb)
    assert found, f"{path.name}: no `# EXERCISE` cell"
    for i, solution in found:
        cell = nb.cells[i]
        assert "check(" in cell.source and BLANK.search(cell.source), f"{path.name} cell {i}: blanks and a check()"
        assert "check(" in solution and not BLANK.search(solution), f"{path.name} cell {i}: the solution fills in all"
        printed = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")
        assert "not answered yet" in printed and CORRECT not in printed, (
            f"{path.name} cell {i}: the stored output must be the blank cell's hint; re-run the notebook")


def test_every_notebook_asks_at_least_three_questions_with_hidden_answers(notebook):
    path, nb = notebook
    answers = sum(len(ANSWER.findall(c.source)) for c in nb.cells if c.cell_type == "markdown")
    assert answers >= MIN_QUESTIONS, f"{path.name}: {answers} self-check answers in <details>; at least {MIN_QUESTIONS}"


@pytest.mark.slow
def test_every_solution_passes_its_check(notebook, monkeypatch):
    from nbclient import NotebookClient

    path, nb = notebook
    found = exercises(nb)
    last = found[-1][0]
    cells = nb.cells[: last + 1]
    for i, solution in found:
        cells[i] = nbformat.v4.new_code_cell(solution)
    run = nbformat.v4.new_notebook(cells=cells, metadata=nb.metadata)
    monkeypatch.setenv("BERTKERAS_QUICK", os.environ.get("BERTKERAS_QUICK", "1"))  # the kernel inherits it
    NotebookClient(run, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK_DIR)}}).execute()
    for i, solution in found:
        printed = "".join(o.get("text", "") for o in run.cells[i].get("outputs", []) if o.get("output_type") == "stream")
        checks = len(re.findall(r"\bcheck\(", solution))
        assert printed.count(CORRECT) == checks, f"{path.name} cell {i}: {printed!r}"
