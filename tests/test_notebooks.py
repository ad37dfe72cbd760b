"""The notebook harness: every stored notebook is part of the course, clean and reviewable.

nbval itself (run by `make test` over notebooks/) re-executes each notebook in quick mode and compares
`# NBVAL_CHECK_OUTPUT` cells; these tests check what nbval does not: that a notebook is listed in the
sequence, that its stored outputs have no errors or metadata noise, that it follows the course's cell
conventions, and that the harness really fails on a changed output while ignoring stderr.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from tests.notebook_tool import KEPT_NOTEBOOK_METADATA, TF_LOG_LINE, run_nbval

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
NAME = re.compile(r"^\d\d_[a-z0-9_]+\.ipynb$")


def sequence_in(readme: Path) -> list[str]:
    """Notebook file names linked from a README, in order of first appearance."""
    names = re.findall(r"(\d\d_[a-z0-9_]+)\.ipynb", readme.read_text(encoding="utf-8"))
    return list(dict.fromkeys(f"{n}.ipynb" for n in names))


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ holds no .ipynb file"


@pytest.mark.parametrize("readme", ["notebooks/README.md", "README.md"])
def test_every_notebook_is_listed_in_the_sequence(readme):
    listed = sequence_in(ROOT / readme)
    for path in NOTEBOOKS:
        assert path.name in listed, f"{path.name} is in notebooks/ but not listed in {readme}"


def test_notebook_names_follow_the_numbering():
    numbers = []
    for path in NOTEBOOKS:
        assert NAME.match(path.name), f"{path.name}: name notebooks NN_topic.ipynb (lower case, underscores)"
        numbers.append(int(path.name[:2]))
    assert len(numbers) == len(set(numbers)), "two notebooks share a number"


@pytest.fixture(params=NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def notebook(request):
    return request.param, nbformat.read(request.param, as_version=4)


def test_stored_outputs_are_clean(notebook):
    path, nb = notebook
    assert dict(nb.metadata) == KEPT_NOTEBOOK_METADATA, f"{path.name}: run `make notebook NB={path}` to strip"
    counts = []
    for i, cell in enumerate(nb.cells):
        assert not cell.metadata, f"{path.name} cell {i}: cell metadata left; re-run the notebook tool"
        if cell.cell_type != "code":
            continue
        counts.append(cell.execution_count)
        for out in cell.outputs:
            assert out.output_type != "error", f"{path.name} cell {i} stored an error: {out.get('ename')}"
            if out.output_type == "stream":
                for line in out.text.splitlines():
                    assert not TF_LOG_LINE.match(line), f"{path.name} cell {i}: TF log line stored: {line}"
    assert counts == list(range(1, len(counts) + 1)), f"{path.name}: not executed top to bottom once"


def test_follows_the_course_conventions(notebook):
    path, nb = notebook
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    assert "colab-badge.svg" in first.source and f"notebooks/{path.name}" in first.source
    colab, setup = nb.cells[1].source, nb.cells[2].source
    assert colab.startswith("# NBVAL_SKIP") and '"google.colab" in sys.modules' in colab
    assert setup.index("TF_CPP_MIN_LOG_LEVEL") < setup.index("import bertkeras")
    assert "bertkeras.runtime.setup(" in setup
    text = "\n".join(c.source for c in nb.cells)
    assert "Check yourself" in text, f"{path.name}: add a 'Check yourself' exercise"
    check = next(i for i, c in enumerate(nb.cells) if "Check yourself" in c.source)
    assert any("assert " in c.source for c in nb.cells[check:] if c.cell_type == "code"), (
        f"{path.name}: the exercise's answer cell must assert"
    )
    assert "## Summary" in text, f"{path.name}: end with a summary"
    has_figure = any(
        "image/png" in out.get("data", {}) for c in nb.cells if c.cell_type == "code" for out in c.outputs
    )
    assert has_figure, f"{path.name}: at least one figure"
    for c in nb.cells:
        if c.cell_type == "code":
            assert not re.search(r"^\s*(class |def )\w*(Bert|WordPiece)", c.source, re.M), (
                f"{path.name}: import the library instead of redefining it"
            )


def test_harness_fails_on_changed_output_and_ignores_stderr(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\nimport sys\nprint('ok')\nprint('noise', file=sys.stderr)"),
    ]
    nb.cells[0].execution_count = 1
    nb.cells[0].outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="ok\n"),
        nbformat.v4.new_output("stream", name="stderr", text="different stderr from another machine\n"),
    ]
    good = tmp_path / "good.ipynb"
    nbformat.write(nb, good)
    result = run_nbval(good)
    assert result.returncode == 0, result.stdout + result.stderr

    nb.cells[0].outputs[0]["text"] = "not ok\n"
    bad = tmp_path / "bad.ipynb"
    nbformat.write(nb, bad)
    result = run_nbval(bad)
    assert result.returncode == 1 and "1 failed" in result.stdout, result.stdout
