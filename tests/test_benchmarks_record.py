"""Results files: what a partial re-run keeps from the last full one, and with which date."""

from __future__ import annotations

import json
import re
import sys

from benchmarks import record, report


def test_a_fresh_machine_has_no_earlier_entries(results_dir):
    assert record.earlier_entries("model_step") == {}


def test_earlier_entries_carry_the_date_of_the_run_that_measured_them(results_dir):
    record.write_results("bench", {"xla": {"tokens_per_s": 5.0}, "count": 3})
    first = json.loads((results_dir / "bench_cpu-test.json").read_text())
    earlier = record.earlier_entries("bench")
    assert list(earlier) == ["xla"], "only entries (dicts) are carried, not scalar fields"
    assert earlier["xla"]["tokens_per_s"] == 5.0
    assert earlier["xla"]["measured"] == {k: first[k] for k in ("date", "command", "versions")}
    # Carried into a later file, the entry keeps its first stamp, not the later file's date.
    old_stamp = {"date": "2026-01-02 03:04 UTC", "command": "python -m benchmarks.x", "versions": {}}
    record.write_results("bench", {"xla": {**earlier["xla"], "measured": old_stamp}, "eager": {"t": 1}})
    again = record.earlier_entries("bench")
    assert again["xla"]["measured"] == old_stamp
    assert again["eager"]["measured"]["date"] != old_stamp["date"]


def test_earlier_entries_of_a_nested_field(results_dir):
    record.write_results("finetune", {"model": "BERT", "tasks": {"imdb": {"accuracy": 0.7}}})
    assert record.earlier_entries("finetune", "tasks")["imdb"]["accuracy"] == 0.7
    assert record.earlier_entries("finetune", "missing") == {}


def test_a_kept_row_shows_its_own_date(tmp_path):
    rows = [record.summary_row("kept", "1 s", date="2026-11-30 10:00 UTC"), record.summary_row("new", "2 s")]
    (tmp_path / "b_cpu.json").write_text(json.dumps(
        {"benchmark": "b", "machine": "cpu-2core", "date": "2026-12-06 12:00 UTC", "summary": rows}))
    lines = report.render(report.load_results(tmp_path)).splitlines()
    assert next(line for line in lines if line.startswith("| kept |")).endswith("| cpu-2core, 2026-11-30 |")
    assert next(line for line in lines if line.startswith("| new |")).endswith("| cpu-2core, 2026-12-06 |")


def test_recorded_results_name_no_path_of_the_machine_that_ran_them():
    # Commands and paths are recorded relative to the repository, so the files read the same on every clone.
    for path in sorted(record.RESULTS_DIR.glob("*.json")):
        text = path.read_text(encoding="utf-8")
        for value in re.findall(r'"((?:[^"\\]|\\.)*)"', text):
            assert not re.search(r"(^|\s)/(work|root|home|tmp|Users)/", value), f"{path.name}: {value}"


def test_write_results_records_the_command_as_typed_in_the_repository(results_dir, monkeypatch):
    monkeypatch.setattr(sys, "argv", [str(record.ROOT / "benchmarks" / "tokenizer.py"), "--quick"])
    written = json.loads(record.write_results("tokenizer", {"x": 1}).read_text())
    assert written["command"] == "python -m benchmarks.tokenizer --quick"
