"""Classification metrics from true labels and predicted probabilities, written out in NumPy.

Accuracy hides what matters on unbalanced data: on SMS spam (12 % spam) a filter that never says
"spam" is 88 % accurate. So every model in the course, baselines included, is reported with the same
dictionary (:func:`classification_metrics`):

* **precision** = TP / (TP + FP): of the messages flagged, the share that really is spam;
* **recall** = TP / (TP + FN): of the spam, the share that was caught;
* **F1** = their harmonic mean, for the positive class (class 1) of a binary task and averaged over
  classes (macro-F1) for a multi-class one;
* **PR-AUC** (average precision) = sum over thresholds of (recall step) x precision: the whole
  precision-recall curve in one number, independent of any threshold;
* the **confusion matrix** (row = true class, column = predicted class).

A binary classifier's decision threshold need not be 0.5: :func:`tune_threshold` picks the one with the
best F1 on the *validation* split, which is then applied unchanged to the test split.
"""

from __future__ import annotations

import numpy as np


def _check(labels, probabilities) -> tuple[np.ndarray, np.ndarray]:
    labels = np.asarray(labels)
    probs = np.asarray(probabilities, dtype=np.float64)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be a 1-D array of integer class ids; got shape {labels.shape}, "
                         f"dtype {labels.dtype}")
    if probs.ndim == 1:  # scores of the positive class of a binary task
        probs = np.stack([1.0 - probs, probs], axis=1)
    if probs.ndim != 2 or probs.shape[0] != labels.shape[0] or probs.shape[1] < 2:
        raise ValueError(f"probabilities must be (n,) positive-class scores or (n, classes) with n = "
                         f"{labels.shape[0]} and at least 2 classes; got shape {np.shape(probabilities)}")
    if labels.size == 0:
        raise ValueError("no examples: metrics need at least one label")
    if labels.min() < 0 or labels.max() >= probs.shape[1]:
        raise ValueError(f"labels range over [{labels.min()}, {labels.max()}] but probabilities have "
                         f"{probs.shape[1]} columns; pass one column per class")
    return labels.astype(np.int64), probs


def average_precision(positive, scores) -> float:
    """Area under the precision-recall curve as scikit-learn defines it (step-wise, no interpolation).

    Args:
        positive: (n,) booleans, True for the positive class.
        scores: (n,) scores; higher means more likely positive. Tied scores form one threshold.

    Example:
        >>> average_precision([False, False, True, True], [0.1, 0.4, 0.35, 0.8])
        0.8333333333333333
    """
    positive = np.asarray(positive, dtype=bool)
    scores = np.asarray(scores, dtype=np.float64)
    if not positive.any():
        return float("nan")
    order = np.argsort(-scores, kind="mergesort")
    scores, positive = scores[order], positive[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(scores)), scores.size - 1]  # one threshold per distinct score
    tp = np.cumsum(positive)[last_of_tie]
    flagged = last_of_tie + 1
    precision = tp / flagged
    recall = tp / positive.sum()
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def confusion_matrix(labels, predictions, num_classes: int | None = None) -> np.ndarray:
    """(num_classes, num_classes) counts, row = true class, column = predicted class.

    ``num_classes`` defaults to one more than the largest class id seen.

    Example:
        >>> confusion_matrix([0, 1, 1, 2], [0, 1, 0, 2], 3).tolist()
        [[1, 0, 0], [1, 1, 0], [0, 0, 1]]
        >>> confusion_matrix([0, 0, 1, 1, 2], [0, 1, 1, 1, 0]).tolist()
        [[1, 1, 0], [0, 2, 0], [1, 0, 0]]
    """
    labels, predictions = check_class_ids(labels, "labels"), check_class_ids(predictions, "predictions")
    if labels.shape != predictions.shape:
        raise ValueError(f"labels has {labels.size} entries and predictions {predictions.size}; expected one "
                         f"prediction per example (use scores.argmax(-1) for class scores)")
    if num_classes is None:
        num_classes = int(max(labels.max(initial=0), predictions.max(initial=0))) + 1
    if labels.size and max(labels.max(), predictions.max()) >= num_classes:
        raise ValueError(f"labels go up to {max(labels.max(), predictions.max())} but num_classes={num_classes}")
    counts = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(counts, (labels, predictions), 1)
    return counts


def check_class_ids(values, name: str) -> np.ndarray:
    """``values`` as a 1-D int64 array of class ids; a ValueError naming ``name`` if they are not that."""
    array = np.asarray(values)
    if array.ndim != 1 or not (np.issubdtype(array.dtype, np.integer) or array.size == 0):
        raise ValueError(f"{name} must be a 1-D array of integer class ids; got shape {array.shape}, dtype "
                         f"{array.dtype}")
    if array.size and array.min() < 0:
        raise ValueError(f"{name} holds negative class ids ({array.min()}); class ids start at 0")
    return array.astype(np.int64)


def _precision_recall_f1(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-class precision, recall, F1 from a confusion matrix (0 where undefined, as scikit-learn)."""
    tp = np.diag(counts).astype(np.float64)
    predicted, actual = counts.sum(0), counts.sum(1)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)
    total = precision + recall
    f1 = np.divide(2 * precision * recall, total, out=np.zeros_like(tp), where=total > 0)
    return precision, recall, f1


def predict_labels(probabilities, threshold: float | None = None) -> np.ndarray:
    """Class ids: argmax, or for a binary task "class 1 when its probability >= ``threshold``".

    Example:
        >>> predict_labels([[0.7, 0.3], [0.2, 0.8]]).tolist(), predict_labels([[0.7, 0.3]], threshold=0.25).tolist()
        ([0, 1], [1])
    """
    probs = np.asarray(probabilities, dtype=np.float64)
    if threshold is None:
        return probs.argmax(-1)
    if probs.ndim != 2 or probs.shape[1] != 2:
        raise ValueError(f"a decision threshold only applies to two classes; got probabilities of shape "
                         f"{probs.shape}: pass threshold=None to take the argmax")
    return (probs[:, 1] >= threshold).astype(np.int64)


def classification_metrics(labels, probabilities, *, threshold: float | None = None) -> dict:
    """Accuracy, precision, recall, F1, macro-F1, PR-AUC and the confusion matrix, as plain Python values.

    Args:
        labels: (n,) true class ids.
        probabilities: (n, classes) class probabilities, or (n,) positive-class probabilities (binary).
        threshold: binary only: predict class 1 when its probability >= threshold (default: argmax,
            i.e. 0.5). Multi-class tasks always take the argmax.

    Returns:
        ``{"accuracy", "precision", "recall", "f1", "macro_f1", "pr_auc", "confusion_matrix",
        "num_examples", "average", "threshold"}``. ``average`` says what precision, recall, F1 and
        PR-AUC are: ``"binary"`` (of class 1) for two classes, ``"macro"`` (unweighted mean over classes,
        PR-AUC one-vs-rest) otherwise.

    Example:
        >>> m = classification_metrics([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9])
        >>> m["accuracy"], m["precision"], m["recall"], m["f1"], round(m["pr_auc"], 4)
        (0.5, 0.5, 0.5, 0.5, 0.8333)
        >>> m["confusion_matrix"]
        [[1, 1], [1, 1]]
        >>> classification_metrics([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9], threshold=0.35)["recall"]
        1.0
    """
    labels, probs = _check(labels, probabilities)
    num_classes = probs.shape[1]
    binary = num_classes == 2
    if threshold is not None and not binary:
        raise ValueError(f"threshold={threshold} given for a {num_classes}-class task; thresholds only apply "
                         "to binary tasks (pass threshold=None)")
    predictions = predict_labels(probs, threshold)
    counts = confusion_matrix(labels, predictions, num_classes)
    precision, recall, f1 = _precision_recall_f1(counts)
    ap = [average_precision(labels == c, probs[:, c]) for c in range(num_classes)]
    if binary:
        summary = {"precision": precision[1], "recall": recall[1], "f1": f1[1], "pr_auc": ap[1]}
    else:
        present = [a for a in ap if not np.isnan(a)]
        summary = {"precision": precision.mean(), "recall": recall.mean(), "f1": f1.mean(),
                   "pr_auc": float(np.mean(present)) if present else float("nan")}
    return {
        "accuracy": float(np.trace(counts) / labels.size),
        **{k: float(v) for k, v in summary.items()},
        "macro_f1": float(f1.mean()),
        "confusion_matrix": counts.tolist(),
        "num_examples": int(labels.size),
        "average": "binary" if binary else "macro",
        "threshold": None if threshold is None else float(threshold),
    }


def tune_threshold(labels, positive_probabilities) -> float:
    """The decision threshold with the highest F1 of class 1; use validation data, never test data.

    Every distinct score is a candidate threshold ("flag everything scoring at least this"). Ties in F1
    go to the highest threshold (fewest messages flagged). Returns 0.5 when there are no positives.

    Example:
        >>> tune_threshold([0, 0, 1, 1, 0], [0.1, 0.2, 0.3, 0.45, 0.6])
        0.3
    """
    labels = np.asarray(labels)
    scores = np.asarray(positive_probabilities, dtype=np.float64)
    if scores.ndim == 2:
        scores = scores[:, 1]
    if scores.shape != labels.shape:
        raise ValueError(f"{labels.shape[0]} labels but scores of shape {scores.shape}; pass one score per label")
    positive = labels == 1
    if not positive.any():
        return 0.5
    order = np.argsort(-scores, kind="mergesort")
    sorted_scores, sorted_positive = scores[order], positive[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(sorted_scores)), scores.size - 1]
    tp = np.cumsum(sorted_positive)[last_of_tie]
    flagged = last_of_tie + 1
    f1 = 2 * tp / (flagged + positive.sum())  # = 2PR / (P + R)
    best = int(np.argmax(f1))  # the first maximum = the highest threshold
    return float(sorted_scores[last_of_tie[best]])


__all__ = ["average_precision", "classification_metrics", "confusion_matrix", "predict_labels", "tune_threshold"]
