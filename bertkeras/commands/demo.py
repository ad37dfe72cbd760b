"""``bertkeras demo``: the course's main job - a tiny pre-trained BERT becomes an SMS spam filter.

Offline and on a laptop CPU in a few minutes: load the tiny BERT shipped in the package (L=2 H=128)
and the SMS Spam Collection, fine-tune (:func:`bertkeras.finetuning.classification.finetune`), then compare
the model with the majority-class and TF-IDF + logistic-regression baselines on the test split, show seeded
test messages with their predicted label and probability, list the words that move the spam score most on
the test split (:func:`bertkeras.evaluation.word_influence.word_influence`: what the filter relies on), and
write everything to ``runs/demo-<timestamp>/``::

    report.txt  metrics.json  history.json    the numbers (the report is also printed)
    pr_curve.png  confusion_matrix.png        the figures (bertkeras.viz)
    classifier.json  classifier.weights.h5  vocab.txt   the spam filter: bertkeras predict --model RUN_DIR "..."

``--quick`` trains briefly on a subset (a smoke test: the numbers are not meaningful); ``--full`` first
pre-trains a mini BERT (L=4 H=256) with :func:`bertkeras.pretraining.run.pretrain` - a GPU job - and then
fine-tunes that instead of the shipped model.
"""

from __future__ import annotations

import json
import shlex
import sys
import time
from pathlib import Path

import numpy as np

from bertkeras.commands.finetune_runs import UsageError, check_out_dir, load_pretrained_or_explain, load_task
from bertkeras.evaluation.baselines import run_baselines
from bertkeras.evaluation.metrics import classification_metrics, predict_labels
from bertkeras.evaluation.word_influence import word_influence

TOP_WORDS = 10  # words listed in the report as raising the spam score most
# The default fits in a few minutes of a 2-core CPU with the shipped L2/H128 model. Its learning rate was
# chosen on the validation split (3 epochs, seed 42: 1e-4 -> F1 0.946, 2e-4 -> 0.964, 5e-4 -> 0.973); a
# model this small and this briefly pre-trained wants a larger step than BERT-base's 2e-5..5e-5 (§3.5).
SETTINGS = {
    "default": {"epochs": 3, "learning_rate": 5e-4, "batch_size": 32, "max_length": 128,
                "max_train_examples": None, "max_steps_per_epoch": None},
    "quick": {"epochs": 1, "learning_rate": 1e-4, "batch_size": 32, "max_length": 64,
              "max_train_examples": 400, "max_steps_per_epoch": 8},
}


def pretrain_for_full_demo(out: Path, seed: int) -> Path:
    """Pre-train a mini BERT for ``--full``; returns its model directory."""
    try:
        from bertkeras.pretraining.run import pretrain
    except ImportError as exc:
        raise UsageError("--full needs `bertkeras pretrain` (bertkeras.pretraining.run), which this installation "
                         "lacks; run the default demo, or pre-train first and pass --from DIR") from exc
    pretrain(out, preset="mini", steps=10_000, batch_size=64, seed=seed, checkpoint_every=1000,
             resume=(out / "checkpoints").is_dir())
    return out / "model"


def example_rows(classifier, split, seed: int, per_class: int = 3) -> list[dict]:
    """``per_class`` seeded messages of each class from the held-out ``split``, with predictions.

    The picks depend on the seed alone, never on how the model does on them.
    """
    rng = np.random.default_rng(seed)
    picks = [int(i) for c in range(classifier.num_classes)
             for i in rng.permutation(np.flatnonzero(split.labels == c))[:per_class]]
    texts = [split.texts[i] for i in picks]
    labels, probs = classifier.predict(texts)
    return [{"text": t, "true": classifier.label_names[split.labels[i]], "predicted": classifier.label_names[p],
             "spam_probability": float(row[1])} for t, i, p, row in zip(texts, picks, labels, probs, strict=True)]


def spam_cues(classifier, texts, top: int = TOP_WORDS) -> list[dict]:
    """The ``top`` words whose removal lowers the spam probability most, on average over ``texts`` (the
    held-out messages the filter calls spam: in ham there is no spam score to lose)."""
    rows = word_influence(classifier, texts, positive_class=1, min_texts=3)
    return [{"word": r.key, "mean_change": round(r.mean_change, 4), "messages": r.texts} for r in rows[:top]]


def format_report(results: dict, rows: list[dict], info: dict, cues: list[dict] = ()) -> str:
    """The printed report: a metric table (model vs baselines), test messages and the spam cues."""
    lines = [f"SMS spam filter: fine-tuned {info['model']} ({info['mode']} demo, {info['train_examples']} training "
             f"messages, {info['epochs_run']} epoch(s), {info['seconds']:.0f} s on {info['device']})", "",
             f"{'test split':26s}{'F1 (spam)':>10s}{'PR-AUC':>9s}{'accuracy':>10s}{'precision':>11s}{'recall':>8s}"]
    for name, m in results.items():
        lines.append(f"{name:26s}{m['f1']:10.3f}{m['pr_auc']:9.3f}{m['accuracy']:10.3f}{m['precision']:11.3f}"
                     f"{m['recall']:8.3f}")
    lines += ["", f"decision threshold (tuned on validation): {info['threshold']:.3f}" if info["threshold"]
              is not None else "decision threshold: argmax", "", "examples (spam probability, predicted / true):"]
    for r in rows:
        text = r["text"] if len(r["text"]) <= 70 else r["text"][:67] + "..."
        lines.append(f"  {r['spam_probability']:.3f}  {r['predicted']:4s} / {r['true']:5s}  {text}")
    if cues:
        lines += ["", "what the filter relies on: the words whose removal lowers the spam probability most, on",
                  f"average over the {info['called_spam']} test messages it calls spam (words in 3 or more of them):"]
        lines += [f"  {c['mean_change']:+.3f}  {c['word']}  ({c['messages']} messages)" for c in cues]
        if info["mode"] == "quick":
            lines.append("(a quick smoke run: the model is barely trained, so these words mean little)")
    return "\n".join(lines) + "\n"


def run_demo(*, quick: bool = False, full: bool = False, pretrained=None, out=None, seed: int = 42,
             verbose: int = 2) -> tuple[Path, dict]:
    """Run the demo and write its run directory; returns ``(run_dir, metrics)``."""
    from bertkeras.finetuning.classification import finetune  # TensorFlow and matplotlib: only when it runs
    from bertkeras.viz import confusion_matrix_plot, figure_png, precision_recall_plot

    start = time.time()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = Path(out) if out is not None else Path("runs") / f"demo-{stamp}"
    check_out_dir(out, overwrite=False)
    mode = "quick" if quick else "full" if full else "default"
    settings = SETTINGS["quick" if quick else "default"]
    if full:
        pretrained = pretrain_for_full_demo(Path("runs") / f"demo-pretrain-{stamp}", seed)
    source = load_pretrained_or_explain(pretrained)
    data = load_task("sms_spam", seed=seed, max_train_examples=settings["max_train_examples"])
    baselines = run_baselines(data, seed=seed)
    classifier = finetune(source, None, data, learning_rate=settings["learning_rate"], epochs=settings["epochs"],
                          batch_size=settings["batch_size"], max_length=min(settings["max_length"],
                                                                             source.config.max_sequence_length),
                          max_steps_per_epoch=settings["max_steps_per_epoch"], seed=seed, verbose=verbose)
    test_probs = classifier.predict_proba(data.test.texts)
    predicted = predict_labels(test_probs, classifier.threshold)
    test = classification_metrics(data.test.labels, test_probs, threshold=classifier.threshold)
    config = source.config
    info = {"model": f"BERT L={config.num_layers} H={config.hidden_dim} A={config.num_heads}", "mode": mode,
            "train_examples": len(data.train), "epochs_run": classifier.info["epochs_run"],
            "seconds": time.time() - start, "device": classifier.info["device"], "threshold": classifier.threshold,
            "called_spam": int(np.sum(predicted == 1))}
    results = {"fine-tuned BERT": test, "TF-IDF + logistic regr.": baselines["tfidf_logreg"]["test"],
               "majority class (ham)": baselines["majority"]["test"]}
    rows = example_rows(classifier, data.test, seed)
    cues = spam_cues(classifier, [t for t, p in zip(data.test.texts, predicted, strict=True) if p == 1])
    report = format_report(results, rows, info, cues)
    classifier.info["task"] = "sms_spam"
    metrics = {"task": "sms_spam", "mode": mode, "pretrained": str(source.path), "test": test,
               "validation": classifier.info["validation"], "baselines": baselines, "examples": rows,
               "spam_cues": cues,
               "settings": {k: v for k, v in classifier.info.items() if k != "validation"},
               "seconds": round(time.time() - start, 1)}
    names = list(data.label_names)
    files = {"report.txt": report,
             "history.json": json.dumps({k: [float(x) for x in v] for k, v in classifier.history.history.items()}),
             "pr_curve.png": figure_png(precision_recall_plot(data.test.labels, test_probs, label_names=names)),
             "confusion_matrix.png": figure_png(confusion_matrix_plot(
                 data.test.labels, predicted, label_names=names))}
    run_dir = classifier.save(out, metrics=metrics, extra_files=files)
    # The suggestion is the first seeded spam message of the test split, whatever the model made of it.
    spam = next(r for r in rows if r["true"] == "spam")
    print(report + f"\nwrote {run_dir}/ (report.txt, metrics.json, pr_curve.png, confusion_matrix.png, the model)\n"
          f"try it on a held-out test message (spam probability {spam['spam_probability']:.3f} above):\n"
          f"  bertkeras predict --model {shlex.quote(str(run_dir))} {shlex.quote(spam['text'])}")
    return run_dir, metrics


def demo_command(args) -> int:
    """``bertkeras demo``; exit status 2 with a message when the model or data is missing."""
    if args.quick and args.full:
        print("error: --quick and --full exclude each other; pick one", file=sys.stderr)
        return 2
    try:
        run_demo(quick=args.quick, full=args.full, pretrained=args.pretrained, out=args.out, seed=args.seed,
                 verbose=args.verbose)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def add_command(sub) -> None:
    demo = sub.add_parser("demo", help="the main job: fine-tune the shipped tiny BERT on SMS spam")
    demo.add_argument("--quick", action="store_true", help="a short smoke run on a subset (seconds, not minutes)")
    demo.add_argument("--full", action="store_true", help="pre-train a mini BERT first (a GPU job), then fine-tune")
    demo.add_argument("--from", dest="pretrained", metavar="PATH", default=None,
                      help="pretrained model directory (default: the tiny BERT shipped in the package)")
    demo.add_argument("--out", metavar="RUN_DIR", default=None, help="default: runs/demo-TIMESTAMP")
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--verbose", type=int, default=2, choices=(0, 1, 2), help="Keras progress output")
    demo.set_defaults(func=demo_command)


__all__ = ["example_rows", "format_report", "run_demo", "spam_cues"]
