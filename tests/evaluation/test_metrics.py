"""Every metric of bertkeras.evaluation.metrics equals scikit-learn's, on binary and multi-class data, ties included."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from bertkeras.evaluation.metrics import (
    average_precision,
    classification_metrics,
    confusion_matrix,
    predict_labels,
    tune_threshold,
)


def softmax(logits):
    e = np.exp(logits - logits.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


@pytest.mark.parametrize("seed", range(5))
def test_binary_metrics_equal_sklearn(seed):
    rng = np.random.default_rng(seed)
    labels = (rng.random(300) < 0.15).astype(int)  # unbalanced, like SMS spam
    scores = np.clip(0.35 * labels + rng.random(300) * 0.7, 0, 1).round(2)  # rounding makes ties
    probs = np.stack([1 - scores, scores], 1)
    for threshold in (None, 0.3, 0.62):
        m = classification_metrics(labels, probs, threshold=threshold)
        pred = (scores >= threshold).astype(int) if threshold is not None else probs.argmax(1)
        assert m["accuracy"] == pytest.approx(skm.accuracy_score(labels, pred))
        assert m["precision"] == pytest.approx(skm.precision_score(labels, pred, zero_division=0))
        assert m["recall"] == pytest.approx(skm.recall_score(labels, pred))
        assert m["f1"] == pytest.approx(skm.f1_score(labels, pred))
        assert m["macro_f1"] == pytest.approx(skm.f1_score(labels, pred, average="macro"))
        assert m["pr_auc"] == pytest.approx(skm.average_precision_score(labels, scores))
        assert m["confusion_matrix"] == skm.confusion_matrix(labels, pred).tolist()
        assert m["average"] == "binary" and m["num_examples"] == 300
    # (n,) positive-class scores mean the same as the two-column form
    assert classification_metrics(labels, scores) == classification_metrics(labels, probs)


@pytest.mark.parametrize("seed", range(3))
def test_multiclass_metrics_equal_sklearn(seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 4, 200)
    probs = softmax(rng.normal(size=(200, 4)) + 1.5 * np.eye(4)[labels])
    pred = probs.argmax(1)
    m = classification_metrics(labels, probs)
    assert m["accuracy"] == pytest.approx(skm.accuracy_score(labels, pred))
    assert m["f1"] == m["macro_f1"] == pytest.approx(skm.f1_score(labels, pred, average="macro"))
    assert m["precision"] == pytest.approx(skm.precision_score(labels, pred, average="macro"))
    assert m["recall"] == pytest.approx(skm.recall_score(labels, pred, average="macro"))
    assert m["pr_auc"] == pytest.approx(skm.average_precision_score(np.eye(4)[labels], probs, average="macro"))
    assert m["confusion_matrix"] == skm.confusion_matrix(labels, pred).tolist()
    assert m["average"] == "macro"


def test_edge_cases_match_sklearn():
    # a model that never predicts the positive class: precision 0 by convention, as sklearn's zero_division=0
    m = classification_metrics([0, 0, 1], [[0.9, 0.1], [0.8, 0.2], [0.7, 0.3]])
    assert (m["precision"], m["recall"], m["f1"], m["accuracy"]) == (0.0, 0.0, 0.0, pytest.approx(2 / 3))
    # all scores tied: one threshold, AP = share of positives
    assert average_precision([1, 0, 0, 1], [0.5] * 4) == pytest.approx(
        skm.average_precision_score([1, 0, 0, 1], [0.5] * 4)) == 0.5
    assert np.isnan(average_precision([0, 0], [0.1, 0.2]))
    assert confusion_matrix([2, 2], [0, 2], 3).tolist() == [[0, 0, 0], [0, 0, 0], [1, 0, 1]]
    assert predict_labels([[0.6, 0.4]], threshold=0.4).tolist() == [1]


@pytest.mark.parametrize("seed", range(5))
def test_tuned_threshold_gives_the_best_f1_of_all_thresholds(seed):
    rng = np.random.default_rng(seed)
    labels = (rng.random(200) < 0.2).astype(int)
    scores = np.clip(0.3 * labels + rng.random(200) * 0.7, 0, 1).round(2)
    best = tune_threshold(labels, scores)
    precision, recall, thresholds = skm.precision_recall_curve(labels, scores)
    f1 = np.where(precision + recall > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-12), 0)[:-1]
    assert skm.f1_score(labels, scores >= best) == pytest.approx(f1.max())
    assert best == thresholds[f1 == f1.max()].max()  # ties go to the highest threshold
    assert tune_threshold(labels, np.stack([1 - scores, scores], 1)) == best
    assert tune_threshold([0, 0, 0], [0.2, 0.3, 0.9]) == 0.5  # no positives: keep the default


def test_bad_inputs_name_the_problem():
    with pytest.raises(ValueError, match="integer class ids"):
        classification_metrics([0.0, 1.0], [0.2, 0.9])
    with pytest.raises(ValueError, match="one column per class"):
        classification_metrics([0, 3], [[0.5, 0.5], [0.5, 0.5]])
    with pytest.raises(ValueError, match="n = 3"):
        classification_metrics([0, 1, 1], [0.2, 0.9])
    with pytest.raises(ValueError, match="only apply to binary"):
        classification_metrics([0, 1, 2], np.eye(3), threshold=0.5)
    with pytest.raises(ValueError, match="no examples"):
        classification_metrics(np.array([], int), np.zeros((0, 2)))
    with pytest.raises(ValueError, match="one score per label"):
        tune_threshold([0, 1], [0.1, 0.2, 0.3])
