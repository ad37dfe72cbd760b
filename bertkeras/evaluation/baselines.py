"""Baselines BERT has to beat: always predicting the majority class, and TF-IDF + logistic regression.

A fine-tuned BERT is only worth its cost if it beats the cheap models. Both baselines follow
scikit-learn's ``fit`` / ``predict_proba`` and are scored with the same metric dictionary as the
fine-tuned model (:func:`bertkeras.evaluation.metrics.classification_metrics`):

* :class:`MajorityBaseline` predicts the most frequent training class with its training share as
  probability: the accuracy any model gets for free (and an F1 of 0 on the minority class);
* :class:`TfidfLogisticBaseline` weighs word and word-pair counts by how rare they are (TF-IDF) and
  fits a logistic regression on them: the strong classical baseline for short-text classification.

:func:`run_baselines` fits both on the training split and reports validation and test metrics.
"""

from __future__ import annotations

import numpy as np

from bertkeras.evaluation.metrics import classification_metrics, tune_threshold


class MajorityBaseline:
    """Always predict the most frequent training class (ties: the lowest class id).

    Example:
        >>> model = MajorityBaseline().fit(["a", "b", "c"], [1, 0, 1])
        >>> model.predict_proba(["x", "y"]).round(3).tolist()
        [[0.333, 0.667], [0.333, 0.667]]
        >>> model.predict(["x"]).tolist()
        [1]
    """

    def __init__(self, num_classes: int | None = None):
        self.num_classes = num_classes
        self.priors_: np.ndarray | None = None

    def fit(self, texts, labels) -> MajorityBaseline:
        labels = np.asarray(labels, dtype=np.int64)
        if labels.size == 0:
            raise ValueError("MajorityBaseline.fit got no labels; pass the training split's labels")
        num_classes = self.num_classes or int(labels.max()) + 1
        self.priors_ = np.bincount(labels, minlength=num_classes) / labels.size
        return self

    def predict_proba(self, texts) -> np.ndarray:
        if self.priors_ is None:
            raise RuntimeError("MajorityBaseline is not fitted; call fit(texts, labels) first")
        return np.tile(self.priors_, (len(texts), 1))

    def predict(self, texts) -> np.ndarray:
        return np.full(len(texts), int(np.argmax(self.priors_)), dtype=np.int64)


class TfidfLogisticBaseline:
    """TF-IDF of word uni- and bigrams, then an L2-regularised logistic regression (scikit-learn).

    Args:
        seed: the solver's random state.
        max_features: keep the most frequent n-grams only.
        ngram_range: word n-gram sizes.
        C: inverse regularisation strength.
        class_weight: ``"balanced"`` weighs classes inversely to their frequency; None weighs all alike.

    Example:
        >>> texts = ["win a free prize", "free cash now", "see you at lunch", "lunch at noon?"]
        >>> model = TfidfLogisticBaseline(seed=0).fit(texts, [1, 1, 0, 0])
        >>> model.predict(["free prize inside", "lunch today?"]).tolist()
        [1, 0]
    """

    def __init__(self, *, seed: int = 42, max_features: int = 50_000, ngram_range=(1, 2), C: float = 10.0,
                 class_weight: str | None = None):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self.vectorizer = TfidfVectorizer(ngram_range=tuple(ngram_range), max_features=max_features,
                                          sublinear_tf=True, lowercase=True)
        self.classifier = LogisticRegression(C=C, max_iter=2000, class_weight=class_weight, random_state=seed)

    def fit(self, texts, labels) -> TfidfLogisticBaseline:
        self.classifier.fit(self.vectorizer.fit_transform(list(texts)), np.asarray(labels, dtype=np.int64))
        return self

    def predict_proba(self, texts) -> np.ndarray:
        return self.classifier.predict_proba(self.vectorizer.transform(list(texts)))

    def predict(self, texts) -> np.ndarray:
        return self.predict_proba(texts).argmax(-1)


def evaluate_model(model, dataset, *, tune: bool = True) -> dict:
    """Validation and test metrics of a fitted ``predict_proba`` model on a :class:`TextDataset`.

    For a binary task with ``tune=True`` the decision threshold is tuned on validation (max F1) and
    applied to test, exactly as :func:`bertkeras.finetuning.classification.finetune` does for BERT.

    Returns:
        ``{"validation": metrics, "test": metrics}``.
    """
    val_probs = model.predict_proba(dataset.validation.texts)
    threshold = None
    if tune and val_probs.shape[1] == 2:
        threshold = tune_threshold(dataset.validation.labels, val_probs[:, 1])
    return {"validation": classification_metrics(dataset.validation.labels, val_probs, threshold=threshold),
            "test": classification_metrics(dataset.test.labels, model.predict_proba(dataset.test.texts),
                                           threshold=threshold)}


def run_baselines(dataset, *, seed: int = 42) -> dict:
    """Fit the majority and TF-IDF + logistic-regression baselines on ``dataset.train``.

    Returns:
        ``{"majority": {"validation": ..., "test": ...}, "tfidf_logreg": {...}}`` with the metric dicts of
        :func:`bertkeras.evaluation.metrics.classification_metrics`. The majority baseline keeps the argmax
        (a tuned threshold would turn "always ham" into "always spam").
    """
    num_classes = len(dataset.label_names)
    majority = MajorityBaseline(num_classes).fit(dataset.train.texts, dataset.train.labels)
    tfidf = TfidfLogisticBaseline(seed=seed).fit(dataset.train.texts, dataset.train.labels)
    return {"majority": evaluate_model(majority, dataset, tune=False), "tfidf_logreg": evaluate_model(tfidf, dataset)}


__all__ = ["MajorityBaseline", "TfidfLogisticBaseline", "evaluate_model", "run_baselines"]
