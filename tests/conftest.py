"""Shared test configuration.

nbval compares every output stream of a checked cell, stderr included. TensorFlow writes C++ log
lines and deprecation warnings to stderr whenever it likes, so the notebook harness compares stdout
and rich outputs only: stderr outputs are removed from both the stored and the fresh outputs before
nbval's comparison.

Exercises (bertkeras/exercises.py) are checked in the same run: right after nbval runs an ``# EXERCISE`` cell
as stored (blank, so it prints a hint), the hidden solution from the markdown cell below it runs in the
same kernel as one more test item, ``Cell N: solution``. It fails unless it runs without error and every
``check(...)`` in it prints "correct.". The solution sees the state the learner's cell would see; it runs in
a copy of the kernel's namespace, so the cells after it still see the stored blanks. Each notebook is
executed once, not a second time to try the solutions.
"""

from __future__ import annotations

import os

import pytest

# tests/fixtures holds files saved by older code and the script that made them; `--doctest-modules` must not
# import (and so re-run) that script: it would overwrite the fixture with today's code.
collect_ignore_glob = ["fixtures/*"]

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

try:
    from nbval.plugin import IPyNbCell, IPyNbFile, NbCellError
except ImportError:  # nbval is a dev extra; unit tests run without it
    IPyNbCell = IPyNbFile = NbCellError = None


def _without_stderr(outputs):
    return [o for o in outputs if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]


if IPyNbCell is not None and not getattr(IPyNbCell, "_bertkeras_skip_stderr", False):
    _compare_outputs = IPyNbCell.compare_outputs

    def compare_outputs(self, test, ref, skip_compare=None):
        return _compare_outputs(self, _without_stderr(test), _without_stderr(ref), skip_compare)

    IPyNbCell.compare_outputs = compare_outputs
    IPyNbCell._bertkeras_skip_stderr = True


if IPyNbCell is not None and not getattr(IPyNbFile, "_bertkeras_solutions", False):
    from collections import defaultdict

    import nbformat

    from bertkeras.exercises import CORRECT
    from tests.notebook_tool import CHECK_CALL, exercise_solutions

    class ExerciseSolution(IPyNbCell):
        """The hidden solution of the exercise cell before it, run in that notebook's kernel.

        It runs in a copy of the kernel's namespace, so the cells after it see the learner's blanks, as stored.
        """

        def __init__(self, name, parent, cell_num, options, exercise_index, solution):
            runner = None if solution is None else nbformat.v4.new_code_cell(
                f"exec(compile({solution!r}, 'solution of notebook cell {exercise_index}', 'exec'), dict(globals()))")
            super().__init__(name, parent, cell_num, runner, options)
            self.exercise_index = exercise_index
            self.solution = solution

        def raise_cell_error(self, message, *args, **kwargs):
            raise NbCellError(self.cell_num, message, self.solution, *args, **kwargs)

        def reportinfo(self):
            return self.fspath, 0, f"{self.fspath.relto(self.config.rootdir)}::{self.name}"

        def runtest(self):
            if self.cell is None:
                pytest.fail(f"the exercise in notebook cell {self.exercise_index} has no solution: the next cell "
                            "must be a markdown <details><summary>Solution</summary> block with one ```python block",
                            pytrace=False)
            super().runtest()  # runs the solution; raises on an error in it (outputs are not compared)
            printed = "".join(o.get("text", "") for o in self.test_outputs
                              if o.get("output_type") == "stream" and o.get("name") == "stdout")
            expected = len(CHECK_CALL.findall(self.solution))
            if printed.count(CORRECT) != expected:
                self.raise_cell_error(
                    f"the solution's {expected} check(...) call(s) printed {printed.count(CORRECT)} "
                    f"{CORRECT!r}; it printed:\n{printed}")

    _collect = IPyNbFile.collect

    def collect(self):
        items = list(_collect(self))  # also reads self.nb
        code_cells = [i for i, c in enumerate(self.nb.cells) if c.cell_type == "code"]
        solutions = dict(exercise_solutions(self.nb))
        for item, index in zip(items, code_cells, strict=True):
            yield item
            if index in solutions:
                yield ExerciseSolution.from_parent(
                    self, name=f"{item.name}: solution", cell_num=item.cell_num,
                    options=defaultdict(bool, check=False), exercise_index=index, solution=solutions[index])

    IPyNbFile.collect = collect
    IPyNbFile._bertkeras_solutions = True


@pytest.fixture
def results_dir(tmp_path, monkeypatch):
    """An empty ``benchmarks/results`` for one test, on a machine called ``cpu-test``."""
    from benchmarks import record

    monkeypatch.setattr(record, "RESULTS_DIR", tmp_path)
    monkeypatch.setattr(record, "machine_name", lambda: "cpu-test")
    return tmp_path
