"""bertkeras.viz.masking: what masking did to each token, and the model's guesses."""

from __future__ import annotations

import random

import numpy as np
import pytest
from matplotlib.colors import to_rgba

from bertkeras.pretraining.masking import mask_tokens
from bertkeras.viz import figure_png
from bertkeras.viz.masking import CATEGORY_COLOURS, CATEGORY_LABELS, mask_categories, masking_view

ORIGINAL = ["[CLS]", "the", "cat", "sat", "on", "the", "mat", "[SEP]", "[PAD]", "[PAD]"]
MASKED = ["[CLS]", "[MASK]", "cat", "dog", "on", "the", "[MASK]", "[SEP]", "[PAD]", "[PAD]"]
POSITIONS = [1, 2, 3, 6]


def texts(ax, gid):
    return [t for t in ax.texts if t.get_gid() == gid]


def test_categories():
    assert mask_categories(ORIGINAL, MASKED, POSITIONS) == {1: "mask", 2: "kept", 3: "random", 6: "mask"}
    with pytest.raises(ValueError, match="same length"):
        mask_categories(ORIGINAL, MASKED[:-1], POSITIONS)
    with pytest.raises(ValueError, match="outside the 10 tokens"):
        mask_categories(ORIGINAL, MASKED, [10])


def test_view_rows_and_colours():
    fig = masking_view(ORIGINAL, MASKED, POSITIONS)
    assert figure_png(fig).startswith(b"\x89PNG")  # renders headless (Agg)
    ax = fig.axes[0]
    assert [t.get_text() for t in texts(ax, "original")] == ORIGINAL[:8]  # trailing [PAD] left out
    inputs = texts(ax, "input")
    assert [t.get_text() for t in inputs] == MASKED[:8]
    category = mask_categories(ORIGINAL, MASKED, POSITIONS)
    for position, text in enumerate(inputs):
        box = text.get_bbox_patch()
        if position in category:
            assert box.get_facecolor() == pytest.approx(to_rgba(CATEGORY_COLOURS[category[position]], 0.35))
        else:
            assert box is None
    assert texts(ax, "guesses") == []
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(CATEGORY_LABELS.values())
    # the original row sits above the input row, each token in its own column
    assert all(o.get_position()[1] > i.get_position()[1] for o, i in zip(texts(ax, "original"), inputs, strict=True))
    xs = [t.get_position()[0] for t in inputs]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)


def test_guesses_sit_under_their_position_and_the_correct_one_is_bold():
    guesses = [["the", "a"], ["cat", "dog"], ["ran", "sat"], ["rug", "bed"]]
    ax = masking_view(ORIGINAL, MASKED, POSITIONS, guesses=guesses, hide_padding=False).axes[0]
    assert len(texts(ax, "input")) == 10
    drawn = texts(ax, "guesses")
    assert [t.get_text() for t in drawn] == [g for row in guesses for g in row]
    input_x = {i: t.get_position()[0] for i, t in enumerate(texts(ax, "input"))}
    for text, position in zip(drawn, [p for p in POSITIONS for _ in range(2)], strict=True):
        assert text.get_position()[0] == input_x[position]
    assert [t.get_text() for t in drawn if t.get_fontweight() == "bold"] == ["the", "cat", "sat"]
    with pytest.raises(ValueError, match="one list of top-k tokens per position"):
        masking_view(ORIGINAL, MASKED, POSITIONS, guesses=guesses[:3])


def test_long_sentences_wrap_and_keep_every_token_in_order():
    original = [f"t{i:02d}" for i in range(40)]  # each column 3 characters + a gap of 3
    ax = masking_view(original, original, [5, 30], line_width=60).axes[0]
    inputs = texts(ax, "input")
    assert [t.get_text() for t in inputs] == original
    assert len({t.get_position()[1] for t in inputs}) == 4  # 10 columns of 6 per 60-character line
    with pytest.raises(ValueError, match="no tokens"):
        masking_view(["[PAD]"], ["[PAD]"], [])


def test_view_of_the_library_masking():
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "sat", "on", "mat", "dog", "##s", "a"]
    ids = [2, 5, 6, 7, 8, 5, 9, 11, 3, 12, 10, 3, 0, 0]
    out = mask_tokens(ids, vocab, rng=random.Random(3), mask_rate=0.5, max_predictions_per_seq=8)
    positions = [p for p, w in zip(out["mask_positions"], out["mask_weights"], strict=True) if w > 0]
    original = [vocab[i] for i in ids]
    masked = [vocab[i] for i in out["token_ids"]]
    category = mask_categories(original, masked, positions)
    assert len(category) == len(positions) == 4  # 9 maskable tokens x 0.5 -> round(4.5) = 4
    assert all((masked[p] == "[MASK]") == (c == "mask") for p, c in category.items())
    ax = masking_view(original, masked, positions).axes[0]
    boxed = [t.get_text() for t in texts(ax, "input") if t.get_bbox_patch() is not None]
    assert boxed == [masked[p] for p in sorted(positions)]
    assert np.isin(sorted(positions), range(len(ids))).all()
