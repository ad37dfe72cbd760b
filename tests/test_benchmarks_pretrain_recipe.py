"""The pre-training quality benchmark: what it keeps of a run and how it judges the targets."""

from __future__ import annotations

import json

import pytest

from benchmarks import pretrain_recipe
from bertkeras.pretrained import SHIPPED_TINY

SHIPPED = SHIPPED_TINY / "metrics.json"


def shipped_metrics() -> dict:
    return json.loads(SHIPPED.read_text(encoding="utf-8"))


def test_shipped_tiny_model_row_meets_the_frequency_target():
    run = pretrain_recipe.entry(shipped_metrics())
    assert "history" not in run and run["command"].startswith("bertkeras pretrain")
    (row,) = pretrain_recipe.summarize({"tiny_16000steps_cpu": run})
    assert row["ours"].startswith("0.266 (perplexity 124); NSP 0.639")
    assert row["peer"] == "most frequent token 0.049; NSP majority class 0.599"
    assert row["ratio"] == pytest.approx(0.2663 / 0.0487, rel=1e-2)
    assert row["met"] is True and "3×" in row["target"]


def mini(device, minutes, accuracy):
    run = pretrain_recipe.entry(shipped_metrics())
    return {**run, "preset": "mini", "device": device, "seconds_this_run": minutes * 60,
            "held_out": {**run["held_out"], "mlm_accuracy": accuracy}}


@pytest.mark.parametrize(("device", "minutes", "accuracy", "met"), [
    ("gpu", 29, 0.46, True),
    ("gpu", 31, 0.46, False),  # too slow
    ("gpu", 20, 0.44, False),  # not accurate enough
    ("cpu", 20, 0.46, False),  # the target is a GPU target
])
def test_mini_target_needs_a_gpu_thirty_minutes_and_045(device, minutes, accuracy, met):
    (row,) = pretrain_recipe.summarize({"mini": mini(device, minutes, accuracy)})
    assert row["met"] is met
    assert ("CPU run" in row.get("note", "")) is (device == "cpu")


def test_not_a_metrics_file_is_named(tmp_path):
    with pytest.raises(ValueError, match="missing preset.*OUT/model/metrics.json"):
        pretrain_recipe.entry({"loss": 1.0})
    with pytest.raises(SystemExit):
        pretrain_recipe.main(["--record", str(tmp_path / "nope.json")])


def test_record_keeps_earlier_runs_and_replaces_the_same_one(tmp_path, monkeypatch):
    from benchmarks import record

    monkeypatch.setattr(record, "RESULTS_DIR", tmp_path / "results")
    other = {**shipped_metrics(), "preset": "mini", "steps": 2000}
    (tmp_path / "mini.json").write_text(json.dumps(other), encoding="utf-8")
    pretrain_recipe.main(["--record", str(SHIPPED)])
    pretrain_recipe.main(["--record", str(tmp_path / "mini.json")])
    pretrain_recipe.main(["--record", str(SHIPPED)])  # the same run again: replaced, not added
    (written,) = (tmp_path / "results").glob("pretrain_recipe_*.json")
    stored = json.loads(written.read_text(encoding="utf-8"))
    assert sorted(stored["results"]) == ["mini_2000steps_cpu", "tiny_16000steps_cpu"]
    assert len(stored["summary"]) == 2
