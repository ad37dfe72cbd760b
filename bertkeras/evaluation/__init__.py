"""Evaluation (notebooks 07-09): the numbers a fine-tuned model is judged by, and what it must beat.

``metrics`` (accuracy, precision / recall / F1, PR-AUC, the confusion matrix, threshold tuning),
``baselines`` (majority class, TF-IDF + logistic regression), ``token_metrics`` (word-level tagging scores,
SQuAD exact match and F1) and ``token_baselines`` (rule baselines for the token tasks). NumPy and
scikit-learn only.

``bertkeras.evaluation`` was once the module that ``metrics`` is now; its names
(``classification_metrics``, ``tune_threshold``, ...) are still found here.
"""

from bertkeras.evaluation.metrics import (  # noqa: F401  (the names of the former bertkeras.evaluation module)
    average_precision,
    classification_metrics,
    confusion_matrix,
    predict_labels,
    tune_threshold,
)
