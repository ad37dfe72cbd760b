"""Scores for the tagging and span tasks: per-class F1 over words, and SQuAD's exact match and token F1.

**Tagging** is scored per word (the prediction read from the word's first WordPiece), leaving out words
labelled -1. It reports the classification dictionary of :func:`bertkeras.evaluation.metrics.classification_metrics`
(accuracy, macro precision / recall / F1, PR-AUC, confusion matrix) plus each class's precision, recall, F1
and support. Accuracy flatters a tagger as it flatters a spam filter: most words are "lower", so the
number to watch is the F1 of the rare classes and their macro average. (CoNLL NER scores whole entity
spans; here each word is its own unit.)

**Spans** are scored as SQuAD v1.1's ``evaluate-v1.1.py`` does. Both answers are normalised (lower-case,
punctuation and the articles a / an / the removed, spaces collapsed); **exact match** is 1 when they are then
equal; **F1** is the harmonic mean of the precision and recall of their shared words, so ``"$4.5"`` against
``"$4.5 billion"`` still earns 0.67.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from typing import NamedTuple

import numpy as np

from bertkeras.evaluation.metrics import classification_metrics

IGNORE = -1
_PUNCTUATION = set(string.punctuation)
_ARTICLES = re.compile(r"\b(a|an|the)\b")


class Answer(NamedTuple):
    """A predicted answer: its ``text`` = ``context[start:end]`` and the score it won with."""

    text: str
    start: int
    end: int
    score: float


def tagging_metrics(labels, probabilities, label_names) -> dict:
    """Word-level tagging metrics: :func:`~bertkeras.evaluation.metrics.classification_metrics` plus ``per_class``.

    Args:
        labels: (n,) word labels, -1 for words that are not scored.
        probabilities: (n, K) class probabilities per word.
        label_names: the K class names.

    Example:
        >>> probs = np.eye(3)[[0, 0, 1, 0, 0, 2]]  # one-hot predictions of six words
        >>> m = tagging_metrics([0, 0, 1, 1, -1, 2], probs, ("lower", "capitalised", "acronym"))
        >>> m["accuracy"], m["num_examples"], m["num_ignored"], round(m["macro_f1"], 4)
        (0.8, 5, 1, 0.8222)
        >>> m["per_class"]["capitalised"]
        {'precision': 1.0, 'recall': 0.5, 'f1': 0.6666666666666666, 'support': 2}
    """
    labels = np.asarray(labels, np.int64)
    probs = np.asarray(probabilities, np.float64)
    if probs.ndim != 2 or probs.shape != (labels.size, len(label_names)):
        raise ValueError(f"probabilities must be (words, classes) = ({labels.size}, {len(label_names)}); got "
                         f"{probs.shape}: pass one row per word and one column per label name")
    keep = labels != IGNORE
    metrics = classification_metrics(labels[keep], probs[keep])
    counts = np.asarray(metrics["confusion_matrix"], np.float64)
    tp, predicted, actual = np.diag(counts), counts.sum(0), counts.sum(1)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)
    f1 = np.divide(2 * precision * recall, precision + recall, out=np.zeros_like(tp), where=precision + recall > 0)
    metrics["per_class"] = {name: {"precision": float(precision[c]), "recall": float(recall[c]), "f1": float(f1[c]),
                                   "support": int(actual[c])} for c, name in enumerate(label_names)}
    metrics["num_ignored"] = int((~keep).sum())
    return metrics


def normalize_answer(text: str) -> str:
    """SQuAD's answer normalisation: lower-case, drop punctuation and articles, collapse whitespace.

    Example:
        >>> normalize_answer("The  £20,000 (fine).")
        '£20000 fine'
    """
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction: str, truth: str) -> float:
    """1.0 when the normalised answers are equal, else 0.0.

    Example:
        >>> exact_match("$300m.", "$300m"), exact_match("$300", "$300m")
        (1.0, 0.0)
    """
    return float(normalize_answer(prediction) == normalize_answer(truth))


def token_f1(prediction: str, truth: str) -> float:
    """The F1 of the words the normalised answers share (SQuAD v1.1: 0 when either has no word).

    Example:
        >>> round(token_f1("$4.5", "$4.5 billion"), 4), token_f1("in 2004", "$4.5 billion")
        (0.6667, 0.0)
    """
    predicted, true = normalize_answer(prediction).split(), normalize_answer(truth).split()
    shared = sum((Counter(predicted) & Counter(true)).values())
    if shared == 0:
        return 0.0
    precision, recall = shared / len(predicted), shared / len(true)
    return 2 * precision * recall / (precision + recall)


def span_metrics(predictions, answers) -> dict:
    """Mean exact match and token F1 of predicted answer texts against the true ones (fractions, not %).

    Example:
        >>> m = span_metrics(["$300m", "$4.5", "2004"], ["$300m", "$4.5 billion", "£5m"])
        >>> m["exact_match"], round(m["f1"], 4), m["num_examples"]
        (0.3333333333333333, 0.5556, 3)
    """
    predictions = [p.text if isinstance(p, Answer) else p for p in predictions]
    answers = list(answers)
    if len(predictions) != len(answers):
        raise ValueError(f"{len(predictions)} predictions for {len(answers)} answers; pass one prediction each")
    if not answers:
        raise ValueError("no examples: span metrics need at least one answer")
    return {"exact_match": float(np.mean([exact_match(p, t) for p, t in zip(predictions, answers, strict=True)])),
            "f1": float(np.mean([token_f1(p, t) for p, t in zip(predictions, answers, strict=True)])),
            "num_examples": len(answers)}


__all__ = ["Answer", "exact_match", "normalize_answer", "span_metrics", "tagging_metrics", "token_f1"]
