"""Baselines: the majority class and TF-IDF + logistic regression, seeded and scored like BERT."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import f1_score

from bertkeras.datasets import Split, TextDataset
from bertkeras.evaluation.baselines import (
    MajorityBaseline,
    TfidfLogisticBaseline,
    evaluate_model,
    run_baselines,
)

SPAM = ["win a free prize now", "free cash call now", "claim your free ringtone", "urgent prize claim txt"]
HAM = ["see you at lunch", "ok i am home", "sorry i will call later", "love you see you soon"]


def toy_dataset(seed=0, n=60, spam_share=0.2) -> TextDataset:
    rng = np.random.default_rng(seed)

    def split(k):
        labels = (rng.random(k) < spam_share).astype(np.int64)
        labels[:2] = [0, 1]  # both classes in every split
        texts = [rng.choice(SPAM if y else HAM) + f" {i}" for i, y in enumerate(labels)]
        return Split(texts, labels)

    return TextDataset("toy", ("ham", "spam"), split(n), split(n // 2), split(n // 2))


def test_majority_is_the_frequent_class_with_its_training_share():
    data = toy_dataset()
    model = MajorityBaseline(2).fit(data.train.texts, data.train.labels)
    share = data.train.labels.mean()
    np.testing.assert_allclose(model.predict_proba(["x"] * 3), [[1 - share, share]] * 3)
    result = evaluate_model(model, data, tune=False)["test"]
    assert result["accuracy"] == pytest.approx(1 - data.test.labels.mean())
    assert result["f1"] == 0.0 and result["recall"] == 0.0  # never finds a spam message
    assert result["pr_auc"] == pytest.approx(data.test.labels.mean())  # constant scores: AP = base rate
    with pytest.raises(RuntimeError, match="call fit"):
        MajorityBaseline().predict_proba(["x"])


def test_tfidf_logreg_separates_a_separable_task_and_is_seeded():
    data = toy_dataset()
    results = run_baselines(data, seed=3)
    assert results["tfidf_logreg"]["test"]["accuracy"] == 1.0
    assert results["tfidf_logreg"]["test"]["f1"] == 1.0
    assert results["majority"]["test"]["f1"] == 0.0
    assert set(results["tfidf_logreg"]) == {"validation", "test"}
    again = run_baselines(data, seed=3)
    assert again == results
    model = TfidfLogisticBaseline(seed=0).fit(data.train.texts, data.train.labels)
    assert f1_score(data.test.labels, model.predict(data.test.texts)) == 1.0


def test_tfidf_threshold_is_tuned_on_validation_and_multiclass_works():
    data = toy_dataset()
    tuned = run_baselines(data)["tfidf_logreg"]
    assert tuned["test"]["threshold"] == tuned["validation"]["threshold"] is not None
    texts = ["apple banana", "banana apple pie", "car bus", "bus train car", "red blue", "blue green red"] * 4
    labels = np.array([0, 0, 1, 1, 2, 2] * 4)
    three = TextDataset("t3", ("fruit", "vehicle", "colour"), Split(texts, labels), Split(texts, labels),
                        Split(texts, labels))
    result = run_baselines(three)["tfidf_logreg"]["test"]
    assert result["average"] == "macro" and result["accuracy"] == 1.0 and result["threshold"] is None
