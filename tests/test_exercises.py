"""Every notebook's exercises and questions: blank cells are harmless, hidden solutions are right.

Conventions (bertkeras/exercises.py): an exercise is a code cell whose first line is ``# EXERCISE``; it
leaves the learner's answers blank (``None`` or ``...``) and calls ``check(...)``. Its solution is the
next cell, a markdown cell holding ``<details><summary>Solution</summary>`` and one fenced python block:
the whole cell with the answers filled in. A self-check question is answered in a
``<details><summary>Answer</summary>`` block. nbval (make test) runs the notebooks as stored, blanks
included, and runs each hidden solution in the same kernel right after its blank cell (tests/conftest.py):
that item fails unless every ``check`` in the solution prints "correct.". The tests here check the
stored notebooks' structure, and that this harness passes a right solution and fails a wrong, blank or
missing one.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from bertkeras.exercises import CORRECT
from tests.notebook_tool import exercise_solutions, run_nbval

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
ANSWER = re.compile(r"<details>\s*<summary>\s*Answer\b", re.S)
BLANK = re.compile(r"=\s*(None|\.\.\.)\b|=\s*\.\.\.")
MIN_QUESTIONS = 3


def exercises(nb) -> list[tuple[int, str]]:
    """(cell index, solution code) for every exercise cell of ``nb``."""
    found = exercise_solutions(nb)
    for i, solution in found:
        assert solution is not None, (
            f"exercise cell {i}: the next cell must be a markdown <details> Solution with a python block")
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


EXERCISE = """# EXERCISE
from bertkeras.exercises import check
my_answer = {answer}
check("two plus two", my_answer, 4, hint="add them")
"""


def _solution_cell(answer: str) -> nbformat.NotebookNode:
    code = EXERCISE.format(answer=answer)
    return nbformat.v4.new_markdown_cell(f"<details><summary>Solution</summary>\n\n```python\n{code}```\n</details>")


def _notebook_with_exercise(tmp_path: Path, solution: nbformat.NotebookNode | None) -> Path:
    blank = nbformat.v4.new_code_cell(EXERCISE.format(answer="None"))
    blank.execution_count = 1
    blank.outputs = [nbformat.v4.new_output("stream", name="stdout",
                                            text="[two plus two] not answered yet. Hint: add them\n")]
    after = nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\nprint(my_answer)")  # the blank stays the learner's
    after.execution_count = 2
    after.outputs = [nbformat.v4.new_output("stream", name="stdout", text="None\n")]
    nb = nbformat.v4.new_notebook(cells=[blank, *([solution] if solution is not None else []), after])
    path = tmp_path / "exercise.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.mark.slow
def test_nbval_runs_each_solution_after_its_blank_cell(tmp_path):
    result = run_nbval(_notebook_with_exercise(tmp_path, _solution_cell("2 + 2")))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Cell 0: solution PASSED" in result.stdout and "3 passed" in result.stdout, result.stdout


@pytest.mark.slow
@pytest.mark.parametrize("answer, message", [
    ("5", "AssertionError: [two plus two] not yet: got 5"),
    ("None", f"printed 0 {CORRECT!r}"),
])
def test_nbval_fails_a_wrong_or_blank_solution(tmp_path, answer, message):
    result = run_nbval(_notebook_with_exercise(tmp_path, _solution_cell(answer)))
    assert result.returncode == 1 and "Cell 0: solution FAILED" in result.stdout, result.stdout + result.stderr
    assert message in result.stdout and "2 passed" in result.stdout, result.stdout


@pytest.mark.slow
def test_nbval_fails_an_exercise_without_solution(tmp_path):
    result = run_nbval(_notebook_with_exercise(tmp_path, None))
    assert result.returncode == 1 and "has no solution" in result.stdout, result.stdout + result.stderr
