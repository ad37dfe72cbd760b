"""How a classifier errs: the confusion matrix and the precision-recall curve.

Both take plain arrays: true labels, and predicted labels or class scores (probabilities or logits,
e.g. ``BertClassifier.predict(...)``). The confusion matrix counts true class (rows) against predicted
class (columns); the precision-recall curve (scikit-learn) shows what a stricter or looser decision
threshold trades, which accuracy hides on unbalanced data such as SMS spam.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from sklearn.metrics import average_precision_score, precision_recall_curve

from bertkeras.evaluation.metrics import check_class_ids, confusion_matrix
from bertkeras.viz.style import OKABE_ITO, SEQUENTIAL_CMAP, new_figure


def confusion_matrix_plot(y_true, y_pred, *, label_names: Sequence[str] | None = None,
                          normalize: bool = False) -> Figure:
    """Heat map of the confusion matrix with the count (or row share) written in each cell.

    Args:
        y_true: true class ids.
        y_pred: predicted class ids, or (n, classes) scores (their argmax is taken).
        label_names: one name per class (also fixes the number of classes).
        normalize: show each row as shares of the true class (recall on the diagonal).

    Returns:
        The Figure: one axes whose image is the matrix, class names on both axes, and a colour bar.

    Example:
        >>> fig = confusion_matrix_plot([0, 1, 1, 1], [0, 1, 0, 1], label_names=["ham", "spam"])
        >>> ax = fig.axes[0]
        >>> ax.images[0].get_array().tolist(), [t.get_text() for t in ax.texts]
        ([[1, 0], [1, 2]], ['1', '0', '1', '2'])
    """
    y_pred = np.asarray(y_pred)
    if y_pred.ndim == 2:
        y_pred = y_pred.argmax(-1)
    counts = confusion_matrix(y_true, y_pred, None if label_names is None else len(label_names))
    n = counts.shape[0]
    names = [str(i) for i in range(n)] if label_names is None else [str(x) for x in label_names]
    values = counts / np.maximum(counts.sum(1, keepdims=True), 1) if normalize else counts
    fig, axes = new_figure(figsize=(1.8 + 0.7 * n, 1.4 + 0.6 * n))
    ax = axes[0, 0]
    image = ax.imshow(values, cmap=SEQUENTIAL_CMAP, vmin=0)
    threshold = 0.6 * float(values.max()) if values.size else 0.0
    for (i, j), value in np.ndenumerate(values):
        ax.text(j, i, f"{value:.2f}" if normalize else str(value), ha="center", va="center", fontsize=9,
                color="black" if value > threshold else "white")
    ax.set_xticks(range(n), names, rotation=45 if max(map(len, names)) > 5 else 0, ha="right" if
                  max(map(len, names)) > 5 else "center")
    ax.set_yticks(range(n), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(f"confusion matrix ({counts.sum()} examples, accuracy {np.trace(counts) / max(counts.sum(), 1):.3f})",
                 fontsize=9)
    fig.colorbar(image, ax=ax, shrink=0.8, label="share of true class" if normalize else "examples")
    return fig


def precision_recall_plot(y_true, scores, *, label_names: Sequence[str] | None = None) -> Figure:
    """Precision-recall curves: one for a binary classifier, one per class (one-vs-rest) otherwise.

    Args:
        y_true: true class ids.
        scores: (n,) scores of the positive class, or (n, classes) class scores; for two classes only
            class 1 (the positive one, e.g. spam) gets a curve.
        label_names: one name per class, for the legend.

    Returns:
        The Figure: one axes, one line per curve labelled with its class and average precision (AP), and
        one dotted line per curve at its share of positives; the legend sits below the axes, so it hides
        no part of either.

    Example:
        >>> fig = precision_recall_plot([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9])
        >>> line = fig.axes[0].lines[0]
        >>> line.get_label(), line.get_xdata().tolist(), line.get_ydata().round(3).tolist()
        ('class 1 (AP 0.833)', [1.0, 1.0, 0.5, 0.5, 0.0], [0.5, 0.667, 0.5, 1.0, 1.0])
    """
    y_true = check_class_ids(y_true, "y_true")
    scores = np.asarray(scores, dtype=np.float64)
    if scores.shape[0] != y_true.size or scores.ndim not in (1, 2):
        raise ValueError(f"scores must be (n,) or (n, classes) with n = {y_true.size} (one row per label); "
                         f"got shape {scores.shape}")
    if scores.ndim == 1 or scores.shape[1] == 2:
        curves = [(1, y_true == 1, scores if scores.ndim == 1 else scores[:, 1])]
    else:
        curves = [(c, y_true == c, scores[:, c]) for c in range(scores.shape[1])]
    fig, axes = new_figure(figsize=(5.4, 4.8))
    ax = axes[0, 0]
    for index, (c, positive, class_scores) in enumerate(curves):
        if not positive.any():
            raise ValueError(f"class {c} never occurs in y_true; a precision-recall curve needs positives")
        precision, recall, _ = precision_recall_curve(positive, class_scores)
        name = label_names[c] if label_names is not None else f"class {c}"
        ap = average_precision_score(positive, class_scores)
        ax.step(recall, precision, where="post", color=OKABE_ITO[index % len(OKABE_ITO)], label=f"{name} (AP {ap:.3f})")
        base_rate = positive.mean()
        ax.axhline(base_rate, color=OKABE_ITO[index % len(OKABE_ITO)], linestyle=":", linewidth=0.8,
                   label=f"{name}: share of positives {base_rate:.3f}")
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_xlim(0, 1.01)
    ax.set_ylim(0, 1.05)
    ax.set_title("precision-recall (dotted: share of positives)", fontsize=9)
    # below the axes, not inside: inside, the legend covered the low base-rate line and the curve's corner
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=1 if len(curves) == 1 else 2,
              frameon=False)
    return fig
