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


def task_entry(task: str, ours: float, scratch: float | None, *, train: int = 4000) -> dict:
    metric = finetune.METRICS[task]
    summary = {"pretrained": {metric: {"mean": ours, "std": 0.01, "min": ours - 0.01, "max": ours + 0.01}}}
    if scratch is not None:
        summary["random_init"] = {metric: {"mean": scratch, "std": 0.02, "min": scratch, "max": scratch}}
    return {"task": task, "metric": metric, "train": train, "test": 5000, "seeds": [0, 1, 2],
            "recipe": {"epochs": 2, "max_length": 128}, "summary": summary,
            "baselines": {"tfidf_logreg": {metric: 0.88}, "majority": {metric: 0.5}}}


def test_a_full_data_run_gets_its_own_row_beside_the_quick_one():
    results = {"model": "BERT L=2 H=128", "tasks": {
        "imdb": task_entry("imdb", 0.708, 0.630),
        finetune.entry_key("imdb", 0, 0): task_entry("imdb", 0.80, 0.79, train=22521)}}
    quick, full = finetune.summarize(results)
    assert "4,000 training texts" in quick["metric"] and "22,521 training texts" in full["metric"]
    assert "(pre-training adds +7.8 points)" in quick["note"]
    assert quick["met"] is True and full["met"] is False, "on a CPU the IMDB bar is the +2 points over random"
    assert "0.9" not in full["target"], "the 0.90 accuracy bar is the GPU recipe's"


def test_gpu_rows_carry_the_full_recipe_bars():
    results = {"model": "BERT L=4 H=256", "device": "gpu", "tasks": {
        "sms_spam": task_entry("sms_spam", 0.96, 0.95), "imdb": task_entry("imdb", 0.905, 0.87)}}
    spam, imdb = finetune.summarize(results)
    assert spam["target"] == "spam F1 ≥ 0.97" and spam["met"] is False, "0.95 is enough on a CPU, not on a GPU"
    assert imdb["target"].startswith("accuracy ≥ 0.9 and") and imdb["met"] is True


def test_a_run_without_random_init_reports_no_gain():
    row, = finetune.summarize({"model": "m", "tasks": {"imdb": task_entry("imdb", 0.7, None)}})
    assert "random weights" not in row["note"] and "target" not in row
