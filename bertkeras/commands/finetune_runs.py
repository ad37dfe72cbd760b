"""Fine-tuning runs on the course's tasks: what ``bertkeras finetune / evaluate / predict`` run.

A run directory is a saved :class:`~bertkeras.finetuning.text_classifier.TextClassifier` plus the run's record,
written in one atomic rename (a crash never leaves a half-written run)::

    RUN_DIR/classifier.json  classifier.weights.h5  vocab.txt   the model (TextClassifier.load(RUN_DIR))
    RUN_DIR/metrics.json     task, validation + test metrics, baselines, settings, timings, versions
    RUN_DIR/history.json     the Keras training history (loss / accuracy per epoch)

``bertkeras finetune --search`` first runs BERT's hyper-parameter grid (:mod:`bertkeras.finetuning.hparam_search`:
one fine-tuning run per learning rate x batch size x epochs, each scored on the validation split), keeps
the best trial's model and evaluates only that one on the test split; its run directory also holds::

    RUN_DIR/search/          keras-tuner's record (oracle.json, trial_*/trial.json)
    metrics.json["search"]   the objective, the grid, the best trial and a row per trial

Command-line errors (unknown task, missing model or data) print one ``error:`` line naming the fix and
exit with status 2, never a traceback.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from bertkeras.datasets import Split, TextDataset, load
from bertkeras.datasets.download import ChecksumError, DataUnavailableError
from bertkeras.evaluation.baselines import run_baselines
from bertkeras.runtime import versions

TASKS = {"sms_spam": "sms_spam", "imdb": "imdb", "tweets": "tweets", "bbc_topic": "bbc_news"}


class UsageError(Exception):
    """A problem the user fixes on the command line (exit status 2)."""


def load_task(task: str, *, seed: int = 42, max_train_examples: int | None = None):
    """The :class:`~bertkeras.datasets.TextDataset` of a task (``bbc_topic`` = BBC News topics).

    ``max_train_examples`` keeps a seeded random subset of the training split (quick runs).
    """
    name = TASKS.get(task, task if task in TASKS.values() else None)
    if name is None:
        raise UsageError(f"unknown task {task!r}; choose one of {sorted(TASKS)}")
    try:
        data = load(name, seed=seed)
    except (DataUnavailableError, ChecksumError) as exc:
        raise UsageError(f"the {name} data set is not available: {exc}\nfetch it with `bertkeras data fetch "
                         f"{name}` on a machine with internet access") from exc
    if max_train_examples and max_train_examples < len(data.train):
        keep = np.sort(np.random.default_rng(seed).permutation(len(data.train))[:max_train_examples])
        train = Split([data.train.texts[i] for i in keep], data.train.labels[keep])
        data = TextDataset(data.name, data.label_names, train, data.validation, data.test)
    return data


def load_pretrained_or_explain(path):  # the model modules import Keras: only when a command runs
    """:func:`~bertkeras.pretrained.load_pretrained`, with a missing model turned into a :class:`UsageError`."""
    from bertkeras.pretrained import load_pretrained, shipped_model_dir

    try:
        if path is None:  # a damaged install: the error names the missing file and says to reinstall
            return load_pretrained(shipped_model_dir())
        target = Path(path).expanduser()
        if not target.is_dir():
            raise UsageError(f"no pretrained model at {target}; pass --from DIR with the `model/` directory that "
                             "`bertkeras pretrain --out` wrote, or leave --from out to use the shipped tiny BERT")
        return load_pretrained(target)
    except (FileNotFoundError, ValueError) as exc:
        raise UsageError(str(exc)) from exc


def load_classifier_or_explain(path):
    """:meth:`TextClassifier.load <bertkeras.finetuning.text_classifier.TextClassifier.load>`, errors as a
    :class:`UsageError`."""
    from bertkeras.finetuning.text_classifier import TextClassifier

    try:
        return TextClassifier.load(path)
    except (FileNotFoundError, ValueError) as exc:
        raise UsageError(str(exc)) from exc


def check_out_dir(out: Path, overwrite: bool) -> None:
    """Refuse to replace anything but an earlier run directory (and that only with ``overwrite``)."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        if not (overwrite and (out / "classifier.json").is_file()):
            raise UsageError(f"{out} already exists; choose a new --out directory"
                             + (" (or pass --overwrite to replace that run)" if (out / "classifier.json").is_file()
                                else " (it is not a run directory, so it is never replaced)"))


def finetune_run(task: str, *, pretrained=None, out=None, epochs: int = 3, batch_size: int = 32,
                 learning_rate: float = 5e-5, max_length: int = 128, seed: int = 42, feature_based: bool = False,
                 from_scratch: bool = False, max_train_examples: int | None = None, baselines: bool = True,
                 overwrite: bool = False, verbose: int = 1, command: str | None = None) -> tuple[Path, dict]:
    """Fine-tune on ``task``, evaluate on validation and test, and write the run directory.

    Returns:
        ``(run_dir, metrics)``; ``metrics`` is also ``run_dir/metrics.json``.
    """
    from bertkeras.finetuning.classification import finetune  # TensorFlow: only when a command runs

    out = Path(out) if out is not None else Path("runs") / f"finetune-{task}-{time.strftime('%Y%m%d-%H%M%S')}"
    check_out_dir(out, overwrite)
    data = load_task(task, seed=seed, max_train_examples=max_train_examples)
    source = load_pretrained_or_explain(pretrained)
    try:
        classifier = finetune(source, None, data, learning_rate=learning_rate, batch_size=batch_size, epochs=epochs,
                              max_length=max_length, feature_based=feature_based, from_scratch=from_scratch,
                              seed=seed, verbose=verbose)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    metrics = run_metrics(classifier, data, source, task, seed=seed, baselines=baselines, command=command)
    run_dir = classifier.save(out, metrics=metrics, extra_files={"history.json": history_json(classifier)})
    return run_dir, metrics


def run_metrics(classifier, data, source, task: str, *, seed: int, baselines: bool, command) -> dict:
    """Evaluate ``classifier`` on the test split (once) and assemble ``metrics.json``."""
    classifier.info["task"] = task
    t0 = time.time()
    test = classifier.evaluate(data.test.texts, data.test.labels)
    metrics = {"task": task, "label_names": list(data.label_names), "pretrained": str(source.path),
               "train_examples": len(data.train), "validation": classifier.info["validation"], "test": test,
               "test_seconds": round(time.time() - t0, 1),
               "settings": {k: v for k, v in classifier.info.items() if k != "validation"},
               "command": command, "versions": versions()}
    if baselines:
        metrics["baselines"] = run_baselines(data, seed=seed)
    return metrics


def history_json(classifier) -> str:
    """``history.json``: the Keras training history, loss / metric per epoch."""
    return json.dumps({k: [float(x) for x in v] for k, v in classifier.history.history.items()}, indent=2)


__all__ = ["TASKS", "UsageError", "check_out_dir", "finetune_run", "history_json", "load_task", "run_metrics"]
