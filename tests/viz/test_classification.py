"""bertkeras.viz.classification: confusion matrix and precision-recall curves against scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics

from bertkeras.viz import figure_png
from bertkeras.viz.classification import confusion_matrix, confusion_matrix_plot, precision_recall_plot


def test_confusion_matrix_equals_sklearn():
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 4, 200), rng.integers(0, 4, 200)
    np.testing.assert_array_equal(confusion_matrix(y_true, y_pred), metrics.confusion_matrix(y_true, y_pred))
    assert confusion_matrix([0, 0], [0, 0], num_classes=3).tolist() == [[2, 0, 0], [0, 0, 0], [0, 0, 0]]


def test_confusion_matrix_errors():
    with pytest.raises(ValueError, match="one prediction per example"):
        confusion_matrix([0, 1], [0])
    with pytest.raises(ValueError, match="integer class ids"):
        confusion_matrix([0.5, 1.0], [0, 1])
    with pytest.raises(ValueError, match="negative"):
        confusion_matrix([-1, 1], [0, 1])
    with pytest.raises(ValueError, match="num_classes=2"):
        confusion_matrix([0, 2], [0, 1], num_classes=2)


def test_confusion_plot_from_scores_with_names():
    rng = np.random.default_rng(1)
    y_true = rng.integers(0, 3, 60)
    scores = rng.random((60, 3)) + np.eye(3)[y_true]
    names = ["sport", "tech", "politics"]
    fig = confusion_matrix_plot(y_true, scores, label_names=names)
    assert figure_png(fig).startswith(b"\x89PNG")  # renders headless (Agg)
    ax = fig.axes[0]
    counts = metrics.confusion_matrix(y_true, scores.argmax(1))
    np.testing.assert_array_equal(ax.images[0].get_array(), counts)
    assert [t.get_text() for t in ax.texts] == [str(c) for c in counts.flat]
    assert [t.get_text() for t in ax.get_xticklabels()] == names
    assert [t.get_text() for t in ax.get_yticklabels()] == names
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("predicted class", "true class")
    assert ax.get_title() == f"confusion matrix (60 examples, accuracy {np.trace(counts) / 60:.3f})"
    assert len(fig.axes) == 2


def test_confusion_plot_normalized_rows_sum_to_one():
    ax = confusion_matrix_plot([0, 0, 0, 1], [0, 0, 1, 1], normalize=True).axes[0]
    np.testing.assert_allclose(ax.images[0].get_array(), [[2 / 3, 1 / 3], [0, 1]])
    assert [t.get_text() for t in ax.texts] == ["0.67", "0.33", "0.00", "1.00"]


def test_binary_precision_recall_equals_sklearn():
    rng = np.random.default_rng(2)
    y_true = rng.integers(0, 2, 100)
    probabilities = np.clip(0.3 * y_true + rng.random(100) * 0.7, 0, 1)
    for scores in (probabilities, np.stack([1 - probabilities, probabilities], axis=1)):
        fig = precision_recall_plot(y_true, scores, label_names=["ham", "spam"])
        assert figure_png(fig).startswith(b"\x89PNG")
        ax = fig.axes[0]
        precision, recall, _ = metrics.precision_recall_curve(y_true, probabilities)
        curve, base_rate = ax.lines
        np.testing.assert_allclose(curve.get_xdata(), recall)
        np.testing.assert_allclose(curve.get_ydata(), precision)
        ap = metrics.average_precision_score(y_true, probabilities)
        assert curve.get_label() == f"spam (AP {ap:.3f})"
        assert base_rate.get_ydata()[0] == pytest.approx(y_true.mean())
        assert (ax.get_xlabel(), ax.get_ylabel()) == ("recall", "precision")


def test_multiclass_precision_recall_one_curve_per_class():
    rng = np.random.default_rng(3)
    y_true = rng.integers(0, 3, 90)
    scores = rng.random((90, 3)) + 0.5 * np.eye(3)[y_true]
    ax = precision_recall_plot(y_true, scores).axes[0]
    curves = ax.lines[::2]
    assert [line.get_label().split(" (")[0] for line in curves] == ["class 0", "class 1", "class 2"]
    for c, line in enumerate(curves):
        precision, recall, _ = metrics.precision_recall_curve(y_true == c, scores[:, c])
        np.testing.assert_allclose(line.get_xdata(), recall)
        np.testing.assert_allclose(line.get_ydata(), precision)


def test_precision_recall_errors():
    with pytest.raises(ValueError, match=r"\(n,\) or \(n, classes\) with n = 3"):
        precision_recall_plot([0, 1, 1], [0.1, 0.9])
    with pytest.raises(ValueError, match="class 2 never occurs"):
        precision_recall_plot([0, 1, 1], np.full((3, 3), 1 / 3))


def test_precision_recall_legend_hides_no_data():
    """The legend sits below the axes: inside (lower left) it covered the spam base-rate line at 0.12."""
    rng = np.random.default_rng(4)
    y_true = (rng.random(400) < 0.12).astype(int)
    scores = np.clip(0.5 * y_true + rng.random(400) * 0.6, 0, 1)
    fig = precision_recall_plot(y_true, scores, label_names=["ham", "spam"])
    figure_png(fig)  # draw, so the layout is final
    ax = fig.axes[0]
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()][1] == f"spam: share of positives {y_true.mean():.3f}"
    renderer = fig.canvas.get_renderer()
    assert legend.get_window_extent(renderer).y1 <= ax.get_window_extent(renderer).y0
