"""bertkeras.viz.attention: the one-head heat map and the layers x heads model view, rendered headless."""

from __future__ import annotations

import numpy as np
import pytest

import bertkeras
from bertkeras.viz import example_attention, figure_png
from bertkeras.viz.attention import attention_heatmap, model_view

TOKENS = ["[CLS]", "the", "cat", "sat", "[SEP]", "it", "purr", "##ed", "[SEP]"]


def random_attention(rng, *shape):
    weights = np.exp(rng.normal(size=shape))
    return (weights / weights.sum(-1, keepdims=True)).astype(np.float32)


def tick_texts(labels):
    return [label.get_text() for label in labels]


def test_heatmap_draws_the_chosen_head_with_tokens_on_both_axes():
    stack = random_attention(np.random.default_rng(0), 3, 4, 9, 9)
    fig = attention_heatmap(stack, TOKENS, layer=2, head=1)
    ax = fig.axes[0]
    assert len(fig.axes) == 2  # the map and its colour bar
    np.testing.assert_array_equal(ax.images[0].get_array(), stack[2, 1])
    assert tick_texts(ax.get_xticklabels()) == TOKENS
    assert tick_texts(ax.get_yticklabels()) == TOKENS
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("key (attended to)", "query (attending)",
                                                                   "layer 2, head 1")
    assert ax.images[0].get_clim() == (0.0, 1.0)  # one scale for every map, so maps drawn apart compare
    stretched = attention_heatmap(stack, TOKENS, layer=2, head=1, vmax=None).axes[0]
    assert stretched.images[0].get_clim() == (0.0, pytest.approx(float(stack[2, 1].max())))
    assert figure_png(fig).startswith(b"\x89PNG")


def test_heatmaps_of_a_sharp_and_a_uniform_head_share_one_colour_scale():
    sharp, uniform = np.eye(9), np.full((9, 9), 1 / 9)
    maps = [attention_heatmap(w, TOKENS).axes[0].images[0] for w in (sharp, uniform)]
    assert maps[0].get_clim() == maps[1].get_clim() == (0.0, 1.0)
    assert maps[1].norm(1 / 9) < 0.2  # near-uniform attention is drawn dark, not as bright as a sharp head


def test_heatmap_marks_the_segment_boundary():
    stack = random_attention(np.random.default_rng(1), 1, 1, 9, 9)
    ax = attention_heatmap(stack, TOKENS, layer=0, head=0).axes[0]
    boundaries = sorted((tuple(line.get_xdata()), tuple(line.get_ydata())) for line in ax.lines)
    assert boundaries == sorted([((0, 1), (4.5, 4.5)), ((4.5, 4.5), (0, 1))])  # after the first [SEP] (index 4)
    single = attention_heatmap(stack[0, 0, :5, :5], TOKENS[:5]).axes[0]
    assert len(single.lines) == 0 and single.get_title() == "attention"


def test_heatmap_annotates_every_weight():
    weights = np.array([[0.5, 0.5], [0.25, 0.75]])
    ax = attention_heatmap(weights, ["a", "b"], annotate=True, title="toy").axes[0]
    assert [t.get_text() for t in ax.texts] == ["0.50", "0.50", "0.25", "0.75"]
    assert ax.get_title() == "toy"


def test_heatmap_takes_a_heads_array_and_rejects_wrong_inputs():
    heads = random_attention(np.random.default_rng(2), 2, 3, 3)
    ax = attention_heatmap(heads, ["a", "b", "c"], head=1).axes[0]
    np.testing.assert_array_equal(ax.images[0].get_array(), heads[1])
    with pytest.raises(ValueError, match="got 2 tokens for attention over 3 positions"):
        attention_heatmap(heads, ["a", "b"], head=0)
    with pytest.raises(ValueError, match=r"\(layers, heads, query, key\)"):
        attention_heatmap(np.ones((1, 1, 1, 3, 3)), ["a", "b", "c"], layer=0, head=0)


def test_model_view_is_a_grid_of_every_layer_and_head():
    stack = random_attention(np.random.default_rng(3), 3, 4, 9, 9)
    fig = model_view(list(stack), TOKENS)  # a list of per-layer arrays
    assert len(fig.axes) == 13 and fig.axes[-1].get_ylabel() == "attention weight"  # 12 maps, one colour bar
    for index, ax in enumerate(fig.axes[:12]):
        layer, head = divmod(index, 4)
        np.testing.assert_array_equal(ax.images[0].get_array(), stack[layer, head])
        assert ax.images[0].get_clim() == (0.0, 1.0)
        assert ax.get_title() == (f"head {head}" if layer == 0 else "")
        assert ax.get_ylabel() == (f"layer {layer}" if head == 0 else "")
        assert tick_texts(ax.get_yticklabels()) == (TOKENS if head == 0 else [])
        assert tick_texts(ax.get_xticklabels()) == (TOKENS if layer == 2 else [])
    assert figure_png(fig).startswith(b"\x89PNG")


def test_model_view_subsets_and_hides_tokens():
    stack = random_attention(np.random.default_rng(4), 3, 4, 9, 9)
    fig = model_view(stack, TOKENS, layers=[2], heads=[3, 0], show_tokens=False)
    assert [ax.get_title() for ax in fig.axes[:2]] == ["head 3", "head 0"]
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), stack[2, 3])
    assert all(tick_texts(ax.get_xticklabels()) == [] for ax in fig.axes[:2])
    with pytest.raises(ValueError, match=r"layers \[3\] must be a non-empty list within 0..2"):
        model_view(stack, TOKENS, layers=[3])


def test_model_view_of_a_real_backbone():
    backbone = bertkeras.BertBackbone(vocabulary_size=50, num_layers=2, num_heads=2, hidden_dim=8, intermediate_dim=16,
                                      max_sequence_length=16, return_attention_scores=True)
    token_ids = np.array([[2, 10, 11, 12, 3, 13, 3, 0, 0, 0]])
    padding_mask = (token_ids != 0).astype("int32")
    outputs = backbone({"token_ids": token_ids, "segment_ids": np.zeros_like(token_ids), "padding_mask": padding_mask})
    attention = example_attention(outputs["attention_scores"], length=int(padding_mask.sum()))
    np.testing.assert_allclose(attention.sum(-1), 1.0, atol=1e-5)  # softmax rows over the real keys
    tokens = ["[CLS]", "a", "b", "c", "[SEP]", "d", "[SEP]"]
    fig = model_view(attention, tokens)
    assert len(fig.axes) == 5  # 2 x 2 maps and the colour bar
    np.testing.assert_array_equal(fig.axes[3].images[0].get_array(), attention[1, 1])


def test_model_view_labels_long_inputs_and_marks_the_segment_boundary_in_every_map():
    tokens = ["[CLS]", *[f"w{i}" for i in range(10)], "[SEP]", *[f"v{i}" for i in range(5)], "[SEP]"]  # 18 tokens
    stack = random_attention(np.random.default_rng(5), 2, 2, 18, 18)
    fig = model_view(stack, tokens)
    maps = fig.axes[:4]
    assert tick_texts(maps[0].get_yticklabels()) == tokens and tick_texts(maps[2].get_xticklabels()) == tokens
    for ax in maps:  # segment B starts at 12: a dashed line at 11.5 across and down
        assert sorted((tuple(line.get_xdata()), tuple(line.get_ydata())) for line in ax.lines) == sorted(
            [((0, 1), (11.5, 11.5)), ((11.5, 11.5), (0, 1))])
    assert "[SEP]" in fig.get_suptitle()
