"""bertkeras.viz.patterns: Clark et al.'s attention patterns and entropy, numbers first, then the plots."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.patches import Rectangle

from bertkeras.viz import figure_png
from bertkeras.viz.patterns import (
    PATTERNS,
    attention_entropy,
    attention_entropy_plot,
    attention_pattern_plot,
    attention_pattern_scores,
    best_head,
    mean_pattern_scores,
)

TOKENS = ["[CLS]", "the", "cat", ".", "it", "[SEP]", "sat", "[SEP]", "[PAD]", "[PAD]"]
REAL = 8


def pattern_heads() -> np.ndarray:
    """2 layers x 6 heads: layer 0 uniform, in layer 1 head h does exactly PATTERNS[h] on the real tokens."""
    n = len(TOKENS)
    heads = np.zeros((6, n, n))
    heads[0, :, 0] = 1.0  # [CLS]
    heads[1, :, 5] = heads[1, :, 7] = 0.5  # the two [SEP]s
    heads[2, :, 3] = 1.0  # "."
    for q in range(n):
        heads[3, q, max(q - 1, 0)] = 1.0  # previous (the first token: itself)
        heads[4, q, min(q + 1, REAL - 1)] = 1.0  # next (the last real token: itself)
        heads[5, q, q] = 1.0  # self
    uniform = np.full((6, n, n), 1 / n)
    return np.stack([uniform, heads])


def test_each_synthetic_head_scores_one_on_its_own_pattern():
    scores = attention_pattern_scores(pattern_heads(), TOKENS)
    assert tuple(scores) == PATTERNS
    for head, pattern in enumerate(PATTERNS):
        assert scores[pattern].shape == (2, 6)
        assert scores[pattern][1, head] == pytest.approx(1.0), pattern
        assert best_head(scores, pattern) == (1, head)
    # the uniform layer spreads 1/n over each key: two [SEP]s get 2/n, one previous token 1/n
    np.testing.assert_allclose(scores["sep"][0], 2 / 10)
    np.testing.assert_allclose(scores["previous"][0], 1 / 10)
    # previous-token head looks at itself from [CLS] only: 0 on "self" except that one of 8 queries
    assert scores["self"][1, 3] == pytest.approx(1 / 8)


def test_padding_queries_do_not_count():
    attention = pattern_heads()
    garbage = attention.copy()
    garbage[:, :, REAL:] = np.random.default_rng(0).random((2, 6, 2, 10))  # rows of the [PAD] queries
    clean, noisy = attention_pattern_scores(attention, TOKENS), attention_pattern_scores(garbage, TOKENS)
    for pattern in PATTERNS:
        np.testing.assert_array_equal(clean[pattern], noisy[pattern])
    np.testing.assert_array_equal(attention_entropy(attention, TOKENS), attention_entropy(garbage, TOKENS))
    with pytest.raises(ValueError, match="every token is"):
        attention_pattern_scores(np.ones((1, 1, 2, 2)), ["[PAD]", "[PAD]"])


def test_entropy_in_nats():
    n = 6
    uniform = np.full((n, n), 1 / n)
    half = np.zeros((n, n))
    half[:, :2] = 0.5
    entropy = attention_entropy(np.stack([uniform, np.eye(n), half])[None])
    np.testing.assert_allclose(entropy, [[np.log(n), 0.0, np.log(2)]], atol=1e-6)


def test_mean_pattern_scores_averages_examples():
    first = (pattern_heads(), TOKENS)
    second = (np.full((2, 6, 4, 4), 0.25), ["[CLS]", "a", "b", "[SEP]"])
    mean = mean_pattern_scores([first, second])
    expected = (attention_pattern_scores(*first)["cls"] + attention_pattern_scores(*second)["cls"]) / 2
    np.testing.assert_allclose(mean["cls"], expected)
    with pytest.raises(ValueError, match="no examples"):
        mean_pattern_scores([])


def test_best_head_errors():
    with pytest.raises(ValueError, match="choose one of"):
        best_head({"cls": np.zeros((1, 1))}, "nope")
    with pytest.raises(ValueError, match=r"\(layers, heads\)"):
        best_head(np.zeros(3))


def test_pattern_plot_draws_each_score_and_boxes_the_best_head():
    scores = attention_pattern_scores(pattern_heads(), TOKENS)
    fig = attention_pattern_plot(scores)
    assert figure_png(fig).startswith(b"\x89PNG")  # renders headless (Agg)
    panels = fig.axes[:6]
    assert len(fig.axes) == 7  # 6 panels + colour bar
    assert [ax.get_title() for ax in panels] == ["to [CLS]", "to [SEP]", "to . and ,", "to previous token",
                                                 "to next token", "to itself"]
    for head, (ax, pattern) in enumerate(zip(panels, PATTERNS, strict=True)):
        np.testing.assert_allclose(ax.images[0].get_array(), scores[pattern])
        (box,) = [p for p in ax.patches if isinstance(p, Rectangle)]
        assert box.get_xy() == (head - 0.5, 1 - 0.5)  # column = head, row = layer 1
        assert (ax.get_xlabel(), ax.get_ylabel()) == ("head", "layer")
    two = attention_pattern_plot(pattern_heads(), TOKENS, patterns=["next", "self"])
    assert [ax.get_title() for ax in two.axes[:2]] == ["to next token", "to itself"] and len(two.axes) == 3
    with pytest.raises(ValueError, match="not available"):
        attention_pattern_plot(scores, patterns=["nope"])
    with pytest.raises(ValueError, match="pass tokens"):
        attention_pattern_plot(pattern_heads())


def test_entropy_plot_shows_the_entropy_per_layer_and_head():
    fig = attention_entropy_plot(pattern_heads(), TOKENS)
    assert figure_png(fig).startswith(b"\x89PNG")
    ax = fig.axes[0]
    np.testing.assert_allclose(ax.images[0].get_array(), attention_entropy(pattern_heads(), TOKENS))
    assert ax.get_title() == f"attention entropy (nats)\nuniform over T = {REAL} tokens: ln {REAL} = {np.log(REAL):.2f}"
    assert ax.images[0].get_clim() == (0.0, pytest.approx(np.log(REAL)))
    entropy = attention_entropy(pattern_heads(), TOKENS)
    assert [t.get_text() for t in ax.texts] == [f"{v:.2f}" for v in entropy.ravel()]  # every value written
    assert fig.get_figwidth() >= 3 and fig.get_figheight() >= 2.5  # legible, not a thumbnail
    assert not any(isinstance(p, Rectangle) for p in ax.patches)
