"""The fine-tuning quality benchmark keeps the tasks a quick run does not repeat."""

from __future__ import annotations

from benchmarks import finetune, record

MODEL = {"steps": 16000, "held_out": {"mlm_accuracy": 0.266}, "baselines": {"frequency": 0.049}}


def test_a_quick_run_keeps_imdb_from_the_same_model(results_dir):
    record.write_results("finetune", {"pretraining": MODEL, "tasks": {"imdb": {"acc": 0.7}, "sms_spam": {"f1": 0.9}}})
    merged = finetune.keep_earlier_tasks({"pretraining": MODEL, "tasks": {"sms_spam": {"f1": 0.95}}})
    assert merged["tasks"]["sms_spam"] == {"f1": 0.95}, "the fresh measurement wins"
    assert merged["tasks"]["imdb"]["acc"] == 0.7
    assert "date" in merged["tasks"]["imdb"]["measured"]


def test_tasks_of_another_model_are_not_kept(results_dir):
    record.write_results("finetune", {"pretraining": MODEL, "tasks": {"imdb": {"acc": 0.7}}})
    other = {**MODEL, "steps": 32000}
    fresh = {"pretraining": other, "tasks": {"sms_spam": {"f1": 0.95}}}
    assert finetune.keep_earlier_tasks(fresh) == fresh
    assert finetune.keep_earlier_tasks(fresh) is fresh


def test_nothing_to_keep_on_a_new_machine(results_dir):
    fresh = {"pretraining": MODEL, "tasks": {}}
    assert finetune.keep_earlier_tasks(fresh) is fresh
