"""Fine-tuning runs on the course's tasks, and the ``bertkeras finetune / evaluate / predict`` commands.

A run directory is a saved :class:`~bertkeras.text_classifier.TextClassifier` plus the run's record,
written in one atomic rename (a crash never leaves a half-written run)::

    RUN_DIR/classifier.json  classifier.weights.h5  vocab.txt   the model (TextClassifier.load(RUN_DIR))
    RUN_DIR/metrics.json     task, validation + test metrics, baselines, settings, timings, versions
    RUN_DIR/history.json     the Keras training history (loss / accuracy per epoch)

``bertkeras finetune --search`` first runs BERT's hyper-parameter grid (:mod:`bertkeras.hparam_search`:
one fine-tuning run per learning rate x batch size x epochs, each scored on the validation split), keeps
the best trial's model and evaluates only that one on the test split; its run directory also holds::

    RUN_DIR/search/          keras-tuner's record (oracle.json, trial_*/trial.json)
    metrics.json["search"]   the objective, the grid, the best trial and a row per trial

Command-line errors (unknown task, missing model or data) print one ``error:`` line naming the fix and
exit with status 2, never a traceback.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

TASKS = {"sms_spam": "sms_spam", "imdb": "imdb", "tweets": "tweets", "bbc_topic": "bbc_news"}


class UsageError(Exception):
    """A problem the user fixes on the command line (exit status 2)."""


def load_task(task: str, *, seed: int = 42, max_train_examples: int | None = None):
    """The :class:`~bertkeras.datasets.TextDataset` of a task (``bbc_topic`` = BBC News topics).

    ``max_train_examples`` keeps a seeded random subset of the training split (quick runs).
    """
    from bertkeras import datasets
    from bertkeras.download import ChecksumError, DataUnavailableError

    name = TASKS.get(task, task if task in TASKS.values() else None)
    if name is None:
        raise UsageError(f"unknown task {task!r}; choose one of {sorted(TASKS)}")
    try:
        data = datasets.load(name, seed=seed)
    except (DataUnavailableError, ChecksumError) as exc:
        raise UsageError(f"the {name} data set is not available: {exc}\nfetch it with `bertkeras data fetch "
                         f"{name}` on a machine with internet access") from exc
    if max_train_examples and max_train_examples < len(data.train):
        keep = np.sort(np.random.default_rng(seed).permutation(len(data.train))[:max_train_examples])
        train = datasets.Split([data.train.texts[i] for i in keep], data.train.labels[keep])
        data = datasets.TextDataset(data.name, data.label_names, train, data.validation, data.test)
    return data


def load_pretrained_or_explain(path):
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
    from bertkeras.text_classifier import TextClassifier

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
    from bertkeras.finetuning import finetune

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
    from bertkeras.baselines import run_baselines
    from bertkeras.runtime import versions

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


def _summary(m: dict) -> str:
    return (f"accuracy {m['accuracy']:.3f}  {m['average']} F1 {m['f1']:.3f}  PR-AUC {m['pr_auc']:.3f}  "
            f"precision {m['precision']:.3f}  recall {m['recall']:.3f}  (n={m['num_examples']})")


def _run(command, args) -> int:
    try:
        return command(args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


FINETUNE_DEFAULTS = {"learning_rate": 5e-5, "batch_size": 32, "epochs": 3}  # the values --search replaces


def finetune_command(args) -> int:
    """``bertkeras finetune`` (and ``bertkeras finetune --search``)."""
    def run(args):
        common = dict(pretrained=args.pretrained, out=args.out, max_length=args.max_length, seed=args.seed,
                      feature_based=args.feature_based, from_scratch=args.from_scratch,
                      max_train_examples=args.max_train_examples, baselines=not args.no_baselines,
                      overwrite=args.overwrite, verbose=args.verbose,
                      command=" ".join(["bertkeras", *sys.argv[1:]]))
        from bertkeras import search_runs

        if args.search:
            run_dir, metrics = search_runs.search_from_args(args, **common)
        else:
            search_runs.refuse_search_options(args)
            chosen = {k: default if getattr(args, k) is None else getattr(args, k)
                      for k, default in FINETUNE_DEFAULTS.items()}
            run_dir, metrics = finetune_run(args.task, **common, **chosen)
        print(f"test        {_summary(metrics['test'])}")
        for name, result in metrics.get("baselines", {}).items():
            print(f"{name:12s}{_summary(result['test'])}")
        print(f"wrote {run_dir}")
        return 0

    return _run(run, args)


def evaluate_command(args) -> int:
    """``bertkeras evaluate``: metrics of a run's model on a task's split, as JSON on stdout."""
    def run(args):
        classifier = load_classifier_or_explain(args.model)
        task = args.task or classifier.info.get("task")
        if task is None:
            raise UsageError("this model does not record its task; pass --task")
        data = load_task(task, seed=args.seed if args.seed is not None else classifier.info.get("seed", 42))
        if tuple(data.label_names) != classifier.label_names:
            raise UsageError(f"the model predicts {list(classifier.label_names)} but task {task!r} has labels "
                             f"{list(data.label_names)}; evaluate it on the task it was fine-tuned for")
        split = getattr(data, args.split)
        metrics = classifier.evaluate(split.texts, split.labels)
        print(json.dumps({"task": task, "split": args.split, **metrics}, indent=2))
        return 0

    return _run(run, args)


def predict_command(args) -> int:
    """``bertkeras predict``: one line per text, ``label  probability  text`` (or JSON lines)."""
    def run(args):
        texts = list(args.texts) or [line.rstrip("\n") for line in sys.stdin if line.strip()]
        if not texts:
            raise UsageError('no texts: pass them as arguments (bertkeras predict --model RUN_DIR "text" ...) '
                             "or one per line on standard input")
        classifier = load_classifier_or_explain(args.model)
        labels, probs = classifier.predict(texts)
        for text, label, row in zip(texts, labels, probs, strict=True):
            name = classifier.label_names[label]
            if args.json:
                print(json.dumps({"text": text, "label": name, "probability": float(row[label]),
                                  "probabilities": dict(zip(classifier.label_names, map(float, row), strict=True))}))
            else:
                print(f"{name}\t{row[label]:.3f}\t{text}")
        return 0

    return _run(run, args)


def add_commands(sub) -> None:
    """Register ``finetune``, ``evaluate`` and ``predict`` on an argparse sub-parser collection."""
    ft = sub.add_parser("finetune", help="fine-tune a pretrained BERT on a classification task")
    ft.add_argument("--task", required=True, choices=sorted(TASKS), help="the task (bbc_topic = BBC News topics)")
    ft.add_argument("--from", dest="pretrained", metavar="PATH", default=None,
                    help="pretrained model directory (default: the tiny BERT shipped in the package)")
    ft.add_argument("--epochs", type=int, default=None, help="default: 3")
    ft.add_argument("--batch-size", type=int, default=None, help="default: 32")
    ft.add_argument("--learning-rate", type=float, default=None, help="default: 5e-5")
    ft.add_argument("--max-length", type=int, default=128, help="WordPieces per text, [CLS]/[SEP] included")
    ft.add_argument("--out", metavar="RUN_DIR", default=None, help="default: runs/finetune-TASK-TIMESTAMP")
    ft.add_argument("--seed", type=int, default=42)
    ft.add_argument("--feature-based", action="store_true", help="freeze the backbone, train the head only")
    ft.add_argument("--from-scratch", action="store_true", help="random initial weights (ablation)")
    ft.add_argument("--max-train-examples", type=int, default=None, help="train on a seeded subset (quick runs)")
    ft.add_argument("--no-baselines", action="store_true", help="skip the majority and TF-IDF baselines")
    ft.add_argument("--overwrite", action="store_true", help="replace an earlier run directory at --out")
    ft.add_argument("--verbose", type=int, default=2, choices=(0, 1, 2), help="Keras progress output")
    from bertkeras.search_runs import add_search_arguments

    add_search_arguments(ft)
    ft.set_defaults(func=finetune_command)

    ev = sub.add_parser("evaluate", help="metrics of a fine-tuned model on a task's split")
    ev.add_argument("--model", required=True, metavar="RUN_DIR")
    ev.add_argument("--task", choices=sorted(TASKS), default=None, help="default: the task it was trained on")
    ev.add_argument("--split", choices=("test", "validation", "train"), default="test")
    ev.add_argument("--seed", type=int, default=None, help="the data split's seed (default: the training run's)")
    ev.set_defaults(func=evaluate_command)

    pr = sub.add_parser("predict", help="classify texts with a fine-tuned model")
    pr.add_argument("--model", required=True, metavar="RUN_DIR")
    pr.add_argument("--json", action="store_true", help="one JSON object per line")
    pr.add_argument("texts", nargs="*", help="texts to classify (default: lines of standard input)")
    pr.set_defaults(func=predict_command)


__all__ = ["TASKS", "UsageError", "add_commands", "finetune_run", "history_json", "load_task", "run_metrics"]
