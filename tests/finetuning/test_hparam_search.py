"""grid_search(): keras-tuner walks a grid of fine-tuning runs in order, the best validation score wins, the
test split is never read; ``bertkeras finetune --search`` writes a complete run, evaluates on test once and
refuses bad options with exit status 2; a missing keras-tuner names the pip command."""

from __future__ import annotations

import json
import sys
from types import SimpleNamespace

import numpy as np
import pytest

from bertkeras.commands import cli
from bertkeras.finetuning import classification
from bertkeras.finetuning.hparam_search import (
    INSTALL_HINT,
    PAPER_GRID,
    check_grid,
    format_trials,
    grid_combinations,
    grid_search,
)
from bertkeras.finetuning.text_classifier import TextClassifier
from bertkeras.pretrained import load_pretrained
from tests.tiny_pretrained import make_tiny_pretrained, toy_spam_dataset

GRID = {"learning_rate": [1e-6, 3e-2], "batch_size": [16], "epochs": [1]}  # 2 x 1 x 1: the second should win


class GuardedDataset:
    """A data set whose test split must not be read: reading it is counted and fails the search."""

    def __init__(self, data):
        self._data = data
        self.test_reads = 0

    def __getattr__(self, name):
        return getattr(self._data, name)

    @property
    def test(self):
        self.test_reads += 1
        raise AssertionError("the hyper-parameter search read the test split")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return make_tiny_pretrained(tmp_path_factory.mktemp("tiny") / "tiny_bert")


@pytest.fixture(scope="module")
def searched(tiny, tmp_path_factory):
    data = GuardedDataset(toy_spam_dataset())
    result = grid_search(load_pretrained(tiny), None, data, directory=tmp_path_factory.mktemp("run"), grid=GRID,
                         seed=0, verbose=0)
    return result, data


def test_a_two_point_grid_runs_two_trials_with_the_grid_values(searched):
    result, _ = searched
    assert [(t["learning_rate"], t["batch_size"], t["epochs"]) for t in result.trials] == [(1e-6, 16, 1), (3e-2, 16, 1)]
    assert [{k: t[k] for k in GRID} for t in result.trials] == grid_combinations(GRID)
    assert all(t["epochs_run"] == 1 and t["seconds"] > 0 for t in result.trials)
    records = sorted(result.project_dir.glob("trial_*/trial.json"))
    assert len(records) == 2 and (result.project_dir / "oracle.json").is_file()
    for row, record in zip(result.trials, records, strict=True):  # keras-tuner's record agrees with the table
        stored = json.loads(record.read_text())
        assert stored["trial_id"] == row["trial_id"] and stored["status"] == "COMPLETED"
        assert stored["hyperparameters"]["values"] == {k: row[k] for k in GRID}
        assert stored["score"] == pytest.approx(row["objective"])


def test_the_best_validation_trial_wins_and_its_classifier_is_kept(searched):
    result, _ = searched
    scores = [t["objective"] for t in result.trials]
    assert scores[1] > scores[0]  # the toy task is learnable at 3e-2 and not at 1e-6: a real choice
    best = result.trials[int(np.argmax(scores))]
    assert result.best_trial == best and result.best_hyperparameters == {k: best[k] for k in GRID}
    assert result.best_hyperparameters == {"learning_rate": 3e-2, "batch_size": 16, "epochs": 1}
    clf = result.classifier
    assert clf.info["learning_rate"] == 3e-2 and clf.info["validation"]["f1"] == pytest.approx(best["objective"])
    assert clf.info["search"] == {"objective": "val_f1", "best_trial": best["trial_id"], "trials": 2,
                                  "grid": GRID}
    assert format_trials(result.trials).splitlines()[2].startswith("*")  # the table marks the best row


def test_the_search_never_reads_the_test_split(searched):
    _, data = searched
    assert data.test_reads == 0


def fake_finetune(scores, calls):
    """A stand-in for finetune() that "scores" each learning rate from a table, in no time."""
    def finetune(source, tokenizer, dataset, *, learning_rate, batch_size, epochs, **kwargs):
        calls.append({"learning_rate": learning_rate, "batch_size": batch_size, "epochs": epochs, **kwargs})
        _ = dataset.train, dataset.validation  # what finetune reads
        return SimpleNamespace(info={"validation": {"f1": scores[learning_rate], "accuracy": 0.5},
                                     "epochs_run": epochs, "learning_rate": learning_rate})
    return finetune


def test_selection_takes_the_maximum_and_the_first_of_ties(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(classification, "finetune", fake_finetune({5e-5: 0.7, 3e-5: 0.9, 2e-5: 0.9}, calls))
    source = SimpleNamespace()  # never looked at by the fake
    result = grid_search(source, None, toy_spam_dataset(), directory=tmp_path, grid=PAPER_GRID, verbose=0)
    assert len(result.trials) == 18 and len(calls) == 18
    assert [{k: c[k] for k in PAPER_GRID} for c in calls] == grid_combinations("paper")
    assert all(c["patience"] is None and c["seed"] == 42 and c["verbose"] == 0 for c in calls)  # exact epochs
    assert result.best_hyperparameters == {"learning_rate": 3e-5, "batch_size": 16, "epochs": 2}
    capped = grid_search(source, None, toy_spam_dataset(), directory=tmp_path, grid="quick", max_trials=1,
                         objective="accuracy", overwrite=True, verbose=0)
    assert [t["learning_rate"] for t in capped.trials] == [5e-5] and capped.summary()["objective"] == "val_accuracy"


def test_bad_arguments_name_the_fix(monkeypatch, tmp_path, tiny):
    data = toy_spam_dataset()
    for grid, message in [("huge", "unknown grid 'huge'"), ({"learning_rate": [1e-5]}, "exactly the keys"),
                          ({**GRID, "learning_rate": [-1e-5]}, "numbers > 0"),
                          ({**GRID, "batch_size": [16, 16]}, "distinct whole numbers"),
                          ({**GRID, "epochs": [True]}, "whole numbers >= 1"), ({**GRID, "epochs": []}, "epochs=")]:
        with pytest.raises(ValueError, match=message):
            check_grid(grid)
    run = dict(directory=tmp_path, grid=GRID, verbose=0)
    with pytest.raises(ValueError, match="choose one of"):
        grid_search(tiny, None, data, objective="loss", **run)
    with pytest.raises(ValueError, match="max_trials=0"):
        grid_search(tiny, None, data, max_trials=0, **run)
    with pytest.raises(ValueError, match=r"\['epochs'\] cannot be passed through"):
        grid_search(tiny, None, data, epochs=3, **run)
    empty = SimpleNamespace(train=data.train, validation=SimpleNamespace(labels=np.zeros(0)))
    with pytest.raises(ValueError, match="validation split is empty"):
        grid_search(tiny, None, empty, **run)
    with pytest.raises(ValueError, match="max_length <= 128"):  # finetune's own error, not keras-tuner's wrapper
        grid_search(tiny, None, data, max_length=512, **run)
    monkeypatch.setattr(classification, "finetune", fake_finetune({1e-6: 0.1, 3e-2: 0.2}, []))
    with pytest.raises(FileExistsError, match="overwrite=True"):  # the failed search above left its record
        grid_search(tiny, None, data, **run)
    assert len(grid_search(tiny, None, data, overwrite=True, **run).trials) == 2

    def peeking(source, tokenizer, dataset, **kwargs):
        return dataset.test
    monkeypatch.setattr(classification, "finetune", peeking)
    with pytest.raises(RuntimeError, match="tried to read the test split"):
        grid_search(tiny, None, data, overwrite=True, **run)


def test_missing_keras_tuner_says_how_to_install_it(monkeypatch, tmp_path, tiny, capsys):
    monkeypatch.setitem(sys.modules, "keras_tuner", None)  # `import keras_tuner` now raises ImportError
    with pytest.raises(ImportError, match=r'pip install "bertkeras\[tune\]"'):
        grid_search(tiny, None, toy_spam_dataset(), directory=tmp_path, grid=GRID, verbose=0)
    assert cli.main(["finetune", "--task", "sms_spam", "--from", str(tiny), "--search", "--out",
                     str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and INSTALL_HINT in err and "Traceback" not in err
    assert not (tmp_path / "run").exists()


def test_cli_search_writes_a_run_and_evaluates_the_best_model_on_test_once(tiny, tmp_path, monkeypatch, capsys):
    evaluations, evaluate = [], TextClassifier.evaluate

    def counted(self, texts, labels, **kwargs):
        evaluations.append(len(texts))
        return evaluate(self, texts, labels, **kwargs)

    monkeypatch.setattr(TextClassifier, "evaluate", counted)
    out = tmp_path / "grid"
    assert cli.main(["finetune", "--task", "sms_spam", "--from", str(tiny), "--search", "--grid", "quick",
                     "--grid-epochs", "1", "--max-length", "32", "--max-train-examples", "64", "--no-baselines",
                     "--out", str(out), "--verbose", "0"]) == 0
    printed = capsys.readouterr().out
    assert {"classifier.json", "classifier.weights.h5", "vocab.txt", "metrics.json", "history.json",
            "search"} == {p.name for p in out.iterdir()}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging folder left behind
    assert len(list((out / "search").glob("trial_*/trial.json"))) == 2
    metrics = json.loads((out / "metrics.json").read_text())
    search = metrics["search"]
    assert search["grid"] == {"learning_rate": [5e-5, 2e-5], "batch_size": [32], "epochs": [1]}
    assert [t["learning_rate"] for t in search["trials"]] == [5e-5, 2e-5]
    assert search["best"] == max(search["trials"], key=lambda t: t["objective"])
    assert evaluations == [453] and metrics["test"]["num_examples"] == 453  # the test split, once, at the end
    assert metrics["settings"]["learning_rate"] == search["best"]["learning_rate"]
    assert "val_f1" in printed and "best trial" in printed and "test  " in printed
    assert TextClassifier.load(out).info["search"]["trials"] == 2


def test_cli_search_errors_exit_2_with_a_message(tiny, tmp_path, capsys):
    base = ["finetune", "--task", "sms_spam", "--from", str(tiny), "--max-train-examples", "8", "--out"]
    cases = [
        (["--search", "--epochs", "3"], "--epochs would be ignored; choose the values with --grid-epochs"),
        (["--grid", "quick"], "--grid: options of a hyper-parameter search, but --search is missing"),
        (["--max-trials", "2", "--objective", "accuracy"], "--max-trials, --objective: options of a"),
        (["--search", "--grid-learning-rates", "-1"], "learning_rate=[-1.0]: use distinct numbers > 0"),
        (["--search", "--grid-batch-sizes", "16", "16"], "distinct whole numbers"),
        (["--search", "--max-trials", "0"], "--max-trials 0: pass a whole number >= 1"),
        (["--search", "--grid", "quick", "--max-length", "999"], "max_length <= 128"),
    ]
    for i, (extra, message) in enumerate(cases):
        argv = [*base, str(tmp_path / f"run{i}"), *extra]
        assert cli.main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("error: ") and message in err and "Traceback" not in err, (argv, err)
    assert not list(tmp_path.iterdir())  # nothing written, not even a staging folder
