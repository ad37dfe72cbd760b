"""The README's results table is generated from benchmarks/results/*.json, and says met/missed right."""

from __future__ import annotations

import importlib
import json
import re

import pytest

from benchmarks import report, run
from benchmarks.record import speedup, summary_row


def write(directory, name, **record):
    (directory / name).write_text(json.dumps(record), encoding="utf-8")


def test_readme_block_is_what_the_results_files_render():
    text = report.README.read_text(encoding="utf-8")
    assert report.readme_block(text) == report.render(report.load_results()), (
        "README.md's results table is stale: run `python -m benchmarks.report --write`")


def test_stored_summaries_are_what_the_scripts_compute():
    records = report.load_results()
    assert {r["benchmark"] for r in records} >= {"tokenizer", "pretraining_pipeline", "model_step"}
    for record in records:
        module = importlib.import_module(f"benchmarks.{record['benchmark']}")
        if hasattr(module, "summarize"):
            assert json.loads(json.dumps(module.summarize(record["results"]))) == record["summary"], record["_file"]


def test_missed_target_is_said_with_its_gap():
    row = summary_row("step", "99 tokens/s", "100 tokens/s", ratio=0.99, ratio_min=0.8665, ratio_max=1.1624,
                      target=1.2)
    assert report.ratio_cell(row) == "0.99× (0.87–1.16×)"
    assert report.target_cell(row) == "≥ 1.20×: **missed** by 0.21× (needs 21% more)"
    near = summary_row("step", "", ratio=1.1987, target=1.2)
    assert report.target_cell(near) == "≥ 1.20×: **missed** by 0.001× (needs 0.1% more)"
    assert report.target_cell({**row, "ratio": 1.25}) == "≥ 1.20×: met"
    assert report.target_cell({**row, "ratio": 1.2}) == "≥ 1.20×: met"
    text = report.target_cell(summary_row("mem", "1 GiB", target="under 2 GiB", met=False, note="n"))
    assert text == "under 2 GiB: **missed**; n"


def test_ratio_formats_and_spread_from_timings():
    ours = {"median_s": 2.0, "min_s": 1.0, "max_s": 4.0}
    peer = {"median_s": 60.0, "min_s": 50.0, "max_s": 80.0}
    row = summary_row("m", "2 s", "60 s", **speedup(ours, peer))
    assert (row["ratio"], row["ratio_min"], row["ratio_max"]) == (30.0, 12.5, 80.0)
    assert report.ratio_cell(row) == "30× (12–80×)"
    assert report.ratio_cell({"ratio": 2.431}) == "2.4×"
    assert report.ratio_cell({"metric": "no ratio"}) == "—"


def test_render_takes_whatever_files_exist(tmp_path):
    assert "no results files yet" in report.render(report.load_results(tmp_path))
    write(tmp_path, "model_step_gpu.json", benchmark="model_step", machine="NVIDIA-H100", date="2027-01-02 03:04 UTC",
          summary=[summary_row("step | mini", "9 tokens/s", "keras-hub 10 tokens/s", ratio=0.9, target=1.2)])
    write(tmp_path, "tokenizer_cpu.json", benchmark="tokenizer", machine="cpu-2core", date="2026-11-23 04:32 UTC",
          summary=[summary_row("vocab", "2 s", "60 s", ratio=30.0)],
          published=[{"figure": "a peer figure", "value": "0.5", "source": "somewhere, Table 9"}])
    write(tmp_path, "zeta_new_benchmark_cpu.json", benchmark="zeta", machine="cpu-2core", date="2026-12-01")
    text = report.render(report.load_results(tmp_path))
    lines = text.splitlines()
    vocab = next(i for i, line in enumerate(lines) if line.startswith("| vocab |"))
    step = next(i for i, line in enumerate(lines) if line.startswith("| step \\| mini |"))
    extra = next(i for i, line in enumerate(lines) if "zeta: no summary, see `zeta_new_benchmark_cpu.json`" in line)
    assert vocab < step < extra, "known benchmarks first, in ORDER, then the rest"
    assert "| 0.90× | ≥ 1.20×: **missed** by 0.30× (needs 33% more) | NVIDIA-H100, 2027-01-02 |" in lines[step]
    assert "| a peer figure | 0.5 | somewhere, Table 9 |" in lines
    assert "| BERT-base parameters (L=12, H=768, A=12) | 110 M |" in text
    cells = [len(re.findall(r"(?<!\\)\|", line)) for line in lines[vocab:extra + 1]]
    assert cells == [7, 7, 7], "every table row has six cells (a | inside a cell is escaped)"


def test_write_replaces_only_the_block():
    text = "# x\n\nbefore\n<!-- results:start -->\nold\n<!-- results:end -->\nafter\n"
    new = report.replace_block(text, "new table\n")
    assert new == "# x\n\nbefore\n<!-- results:start -->\nnew table\n<!-- results:end -->\nafter\n"
    assert report.readme_block(new) == "new table\n"
    with pytest.raises(ValueError, match="results:start"):
        report.readme_block("no markers here")


def test_quick_bench_keeps_every_script_with_fewer_repeats():
    full, quick = run.plan("cpu", quick=False), run.plan("cpu", quick=True)
    assert [m[0] for m in quick] == [m[0] for m in full]
    assert quick[0][-2:] == ["--peer-training-repeats", "1"]
    # The full run also times XLA and bf16 mixed precision.
    assert quick[2][-6:] == ["--repeats", "3", "--jit-modes", "off", "--precisions", "fp32"]
    assert "bf16" in full[2][-1]
    assert "--quick" not in str(run.plan("gpu", quick=False))
