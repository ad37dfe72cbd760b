"""Shared test configuration.

nbval compares every output stream of a checked cell, stderr included. TensorFlow writes C++ log
lines and deprecation warnings to stderr whenever it likes, so the notebook harness compares stdout
and rich outputs only: stderr outputs are removed from both the stored and the fresh outputs before
nbval's comparison.
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
    from nbval.plugin import IPyNbCell
except ImportError:  # nbval is a dev extra; unit tests run without it
    IPyNbCell = None


def _without_stderr(outputs):
    return [o for o in outputs if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]


if IPyNbCell is not None and not getattr(IPyNbCell, "_bertkeras_skip_stderr", False):
    _compare_outputs = IPyNbCell.compare_outputs

    def compare_outputs(self, test, ref, skip_compare=None):
        return _compare_outputs(self, _without_stderr(test), _without_stderr(ref), skip_compare)

    IPyNbCell.compare_outputs = compare_outputs
    IPyNbCell._bertkeras_skip_stderr = True


@pytest.fixture
def results_dir(tmp_path, monkeypatch):
    """An empty ``benchmarks/results`` for one test, on a machine called ``cpu-test``."""
    from benchmarks import record

    monkeypatch.setattr(record, "RESULTS_DIR", tmp_path)
    monkeypatch.setattr(record, "machine_name", lambda: "cpu-test")
    return tmp_path
