"""bertkeras, learn BERT by building it: fetch the data, run the demo, pre-train, fine-tune, evaluate, predict.

This module defines the arguments and calls the code each command runs (:mod:`bertkeras.commands.finetune_runs`,
:mod:`~bertkeras.commands.search_runs`, :mod:`~bertkeras.commands.demo`, the library). Everything it imports
at module level is light (the standard library, NumPy), so ``bertkeras --help`` starts fast; TensorFlow,
Keras and matplotlib are imported only inside the command that needs them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bertkeras import runtime
from bertkeras.commands import demo, finetune_runs, search_runs
from bertkeras.datasets import fetch_command
from bertkeras.model.config import PRESETS


def _data_fetch(args: argparse.Namespace) -> int:
    return fetch_command(args.names)


def pretrain_summary(metrics: dict) -> str:
    """The line ``bertkeras pretrain`` ends with: each held-out accuracy next to the baseline it must beat.

    NSP is compared with the majority-class rate of the same held-out pairs (they are not 50/50: about 58-60 %
    are NotNext), never with 0.5.

    >>> print(pretrain_summary({"held_out": {"mlm_accuracy": 0.27, "nsp_accuracy": 0.64},
    ...                         "baselines": {"mlm_accuracy_most_frequent_token": 0.05, "nsp_accuracy_majority": 0.6}}))
    held-out MLM accuracy 0.270 (most-frequent-token baseline 0.050), NSP accuracy 0.640 (majority class of the held-out pairs 0.600)
    """
    held, base = metrics["held_out"], metrics["baselines"]
    line = (f"held-out MLM accuracy {held['mlm_accuracy']:.3f} (most-frequent-token baseline "
            f"{base['mlm_accuracy_most_frequent_token']:.3f})")
    if "nsp_accuracy" in held:
        line += (f", NSP accuracy {held['nsp_accuracy']:.3f} (majority class of the held-out pairs "
                 f"{base['nsp_accuracy_majority']:.3f})")
    return line


def _pretrain(args: argparse.Namespace) -> int:
    if args.config is None and args.preset not in PRESETS:
        print(f"bertkeras pretrain: unknown preset {args.preset!r}; choose from {', '.join(PRESETS)} "
              f"or pass --config CONFIG.json", file=sys.stderr)
        return 2
    from bertkeras.pretraining.run import pretrain  # TensorFlow: only when the command runs

    try:
        metrics = pretrain(
            args.out, preset=args.preset, config=args.config, corpus=args.corpus, steps=args.steps,
            batch_size=args.batch_size, max_sequence_length=args.max_length, vocabulary_size=args.vocabulary_size,
            vocab=args.vocab, learning_rate=args.learning_rate, warmup_steps=args.warmup_steps,
            checkpoint_every=args.checkpoint_every, keep=args.keep, resume=args.resume, seed=args.seed,
            use_nsp=not args.mlm_only, whole_word=args.whole_word, max_documents=args.max_documents,
            jit_compile={"auto": "auto", "on": True, "off": False}[args.jit_compile],
            verbose=args.verbose, command="bertkeras " + " ".join(sys.argv[1:]))
    except (FileNotFoundError, FileExistsError, ValueError) as error:
        print(f"bertkeras pretrain: {error}", file=sys.stderr)
        return 2
    print(pretrain_summary(metrics))
    print(f"model written to {args.out}/model  (load it with bertkeras.load_pretrained)")
    return 0


def _summary(m: dict) -> str:
    return (f"accuracy {m['accuracy']:.3f}  {m['average']} F1 {m['f1']:.3f}  PR-AUC {m['pr_auc']:.3f}  "
            f"precision {m['precision']:.3f}  recall {m['recall']:.3f}  (n={m['num_examples']})")


def _run(command, args) -> int:
    try:
        return command(args)
    except finetune_runs.UsageError as exc:
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
        if args.search:
            run_dir, metrics = search_runs.search_from_args(args, **common)
        else:
            search_runs.refuse_search_options(args)
            chosen = {k: default if getattr(args, k) is None else getattr(args, k)
                      for k, default in FINETUNE_DEFAULTS.items()}
            run_dir, metrics = finetune_runs.finetune_run(args.task, **common, **chosen)
        print(f"test        {_summary(metrics['test'])}")
        for name, result in metrics.get("baselines", {}).items():
            print(f"{name:12s}{_summary(result['test'])}")
        print(f"wrote {run_dir}")
        return 0

    return _run(run, args)


def evaluate_command(args) -> int:
    """``bertkeras evaluate``: metrics of a run's model on a task's split, as JSON on stdout."""
    def run(args):
        classifier = finetune_runs.load_classifier_or_explain(args.model)
        task = args.task or classifier.info.get("task")
        if task is None:
            raise finetune_runs.UsageError("this model does not record its task; pass --task")
        data = finetune_runs.load_task(task, seed=args.seed if args.seed is not None else classifier.info.get("seed", 42))
        if tuple(data.label_names) != classifier.label_names:
            raise finetune_runs.UsageError(f"the model predicts {list(classifier.label_names)} but task {task!r} has labels "
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
            raise finetune_runs.UsageError('no texts: pass them as arguments (bertkeras predict --model RUN_DIR "text" ...) '
                             "or one per line on standard input")
        classifier = finetune_runs.load_classifier_or_explain(args.model)
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


def add_finetune_commands(sub) -> None:
    """Register ``finetune``, ``evaluate`` and ``predict`` on an argparse sub-parser collection."""
    ft = sub.add_parser("finetune", help="fine-tune a pretrained BERT on a classification task")
    ft.add_argument("--task", required=True, choices=sorted(finetune_runs.TASKS), help="the task (bbc_topic = BBC News topics)")
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
    search_runs.add_search_arguments(ft)
    ft.set_defaults(func=finetune_command)

    ev = sub.add_parser("evaluate", help="metrics of a fine-tuned model on a task's split")
    ev.add_argument("--model", required=True, metavar="RUN_DIR")
    ev.add_argument("--task", choices=sorted(finetune_runs.TASKS), default=None, help="default: the task it was trained on")
    ev.add_argument("--split", choices=("test", "validation", "train"), default="test")
    ev.add_argument("--seed", type=int, default=None, help="the data split's seed (default: the training run's)")
    ev.set_defaults(func=evaluate_command)

    pr = sub.add_parser("predict", help="classify texts with a fine-tuned model")
    pr.add_argument("--model", required=True, metavar="RUN_DIR")
    pr.add_argument("--json", action="store_true", help="one JSON object per line")
    pr.add_argument("texts", nargs="*", help="texts to classify (default: lines of standard input)")
    pr.set_defaults(func=predict_command)


def export_command(args: argparse.Namespace) -> int:
    """``bertkeras export --model RUN --out DIR``."""
    from bertkeras.finetuning.export import SIGNATURE, export_classifier  # TensorFlow: only when it runs
    from bertkeras.finetuning.text_classifier import TextClassifier

    try:
        classifier = TextClassifier.load(args.model)
    except (FileNotFoundError, ValueError) as error:
        print(f"bertkeras export: error: {error}", file=sys.stderr)
        return 2
    out = Path(args.out)
    if out.exists() and not args.overwrite:
        print(f"bertkeras export: error: {out} exists; pass --overwrite to replace it or choose another --out",
              file=sys.stderr)
        return 2
    path = export_classifier(classifier, out)
    print(f"SavedModel written to {path}: signature {SIGNATURE!r}, input 'texts' (string [batch]), outputs "
          f"'probabilities' (float32 [batch, {classifier.num_classes}]) and 'labels' (int64 [batch])")
    return 0


def add_export_command(sub) -> None:
    """Register ``bertkeras export`` on an argparse sub-parser collection."""
    ex = sub.add_parser("export", help="write a fine-tuned model as a TensorFlow SavedModel (text in, "
                        "probabilities out) for TF Serving",
                        description="Export a fine-tuned run directory as a SavedModel whose serving_default "
                        "signature takes raw texts; loading it needs tensorflow and tensorflow_text only.")
    ex.add_argument("--model", required=True, metavar="RUN_DIR", help="a `bertkeras finetune` run directory")
    ex.add_argument("--out", required=True, metavar="DIR",
                    help="the SavedModel directory (for TF Serving: MODEL_BASE/NAME/1)")
    ex.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    ex.set_defaults(func=export_command)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bertkeras", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    data = sub.add_parser("data", help="download or locate the course data sets")
    data_sub = data.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    fetch = data_sub.add_parser("fetch", help="fetch data sets into the cache ahead of time")
    fetch.add_argument("names", nargs="*", default=["all"], help="data set names, or 'all' (default)")
    fetch.set_defaults(func=_data_fetch, needs_tensorflow=False)

    pre = sub.add_parser("pretrain", help="pre-train a BERT from scratch (MLM + NSP) with checkpoints",
                         description="Pre-train a BERT on raw text: trains a WordPiece vocabulary, builds NSP "
                         "pairs, masks dynamically, checkpoints atomically, resumes with --resume.")
    pre.add_argument("--out", required=True, help="run directory (checkpoints, logs, final model in OUT/model)")
    pre.add_argument("--preset", default="tiny", help="model size: tiny, mini, small, medium, base, large")
    pre.add_argument("--config", default=None, help="a BertConfig JSON file instead of a preset")
    pre.add_argument("--corpus", default="bbc,imdb",
                     help="comma-separated sources (bbc, imdb, wikitext) and/or text files (default: bbc,imdb)")
    pre.add_argument("--steps", type=int, default=1000, help="optimizer steps (a multiple of --checkpoint-every)")
    pre.add_argument("--batch-size", type=int, default=32)
    pre.add_argument("--max-length", type=int, default=128, help="tokens per packed pair")
    pre.add_argument("--vocabulary-size", type=int, default=16000, help="size of the trained vocabulary")
    pre.add_argument("--vocab", default=None, help="use this vocab.txt instead of training one")
    pre.add_argument("--learning-rate", type=float, default=5e-4, help="peak learning rate")
    pre.add_argument("--warmup-steps", type=int, default=None, help="default: 10%% of --steps")
    pre.add_argument("--checkpoint-every", type=int, default=100, help="steps between checkpoints")
    pre.add_argument("--keep", type=int, default=3, help="checkpoints to keep")
    pre.add_argument("--resume", action="store_true", help="continue from the newest checkpoint in --out")
    pre.add_argument("--seed", type=int, default=42)
    pre.add_argument("--mlm-only", action="store_true", help="no NSP head or loss (RoBERTa-style)")
    pre.add_argument("--whole-word", action="store_true", help="whole-word masking")
    pre.add_argument("--max-documents", type=int, default=None, help="at most this many documents per source")
    pre.add_argument("--jit-compile", default="auto", choices=("auto", "on", "off"),
                     help="XLA compilation: auto = on with a GPU; 'on' also speeds up a CPU run (~1.6x for tiny)")
    pre.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2), help="Keras progress output")
    pre.set_defaults(func=_pretrain)

    demo.add_command(sub)
    add_finetune_commands(sub)
    add_export_command(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "needs_tensorflow", True):
        try:  # now, quietly, rather than noisily or with a stack trace inside the command
            runtime.import_tensorflow()
        except runtime.TensorFlowMissingError as error:
            print(f"bertkeras {args.command}: {error}", file=sys.stderr)
            return 2
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
