"""bertkeras.viz.inputs: attention shapes, token lists and segments, and their error messages."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from bertkeras.viz.inputs import attention_stack, check_tokens, example_attention, head_map, sentence_b_start


def random_attention(rng, *shape):
    logits = rng.normal(size=shape)
    weights = np.exp(logits)
    return (weights / weights.sum(-1, keepdims=True)).astype(np.float32)


def test_example_attention_picks_the_example_and_cuts_padding():
    rng = np.random.default_rng(0)
    batch = [random_attention(rng, 3, 2, 7, 7) for _ in range(4)]  # 4 layers, batch 3, 2 heads, T=7
    one = example_attention(batch, index=2, length=5)
    assert one.shape == (4, 2, 5, 5)
    np.testing.assert_array_equal(one[1], batch[1][2, :, :5, :5])
    np.testing.assert_array_equal(example_attention(batch, index=0)[3], batch[3][0])


def test_example_attention_errors_name_the_expected_input():
    with pytest.raises(ValueError, match=r"\(batch, heads, query, key\)"):
        example_attention([np.ones((2, 3, 3))])
    with pytest.raises(ValueError, match="padding_mask"):
        example_attention([np.ones((1, 2, 3, 3))], length=4)


def test_attention_stack_accepts_lists_batches_of_one_arrays_and_tensors():
    rng = np.random.default_rng(1)
    layers = [random_attention(rng, 2, 4, 4) for _ in range(3)]
    expected = np.stack(layers)
    np.testing.assert_array_equal(attention_stack(layers), expected)
    np.testing.assert_array_equal(attention_stack([a[None] for a in layers]), expected)  # (1, H, q, k) each
    np.testing.assert_array_equal(attention_stack(expected), expected)
    np.testing.assert_array_equal(attention_stack([tf.constant(a) for a in layers]), expected)
    assert attention_stack(expected.astype(np.float64)).dtype == np.float32


@pytest.mark.parametrize("bad", [np.ones((2, 4, 4)), np.ones((4, 4)), np.ones((1, 2, 3, 4, 4))])
def test_attention_stack_rejects_wrong_ranks_naming_the_shape(bad):
    with pytest.raises(ValueError, match=r"\(layers, heads, query, key\).*got shape"):
        attention_stack(bad)


def test_attention_stack_rejects_ragged_lists_batches_and_nan():
    with pytest.raises(ValueError, match="per-layer"):
        attention_stack([np.ones((2, 4, 4)), np.ones((2, 5, 5))])
    with pytest.raises(ValueError, match="example_attention"):
        attention_stack([np.ones((3, 2, 4, 4))])  # a batch of 3: pick one example first
    with pytest.raises(ValueError, match="NaN"):
        attention_stack(np.full((1, 1, 2, 2), np.nan))


def test_head_map_selects_and_checks_ranges():
    stack = np.arange(2 * 3 * 4 * 4, dtype=np.float32).reshape(2, 3, 4, 4)
    np.testing.assert_array_equal(head_map(stack, 1, 2), stack[1, 2])
    np.testing.assert_array_equal(head_map(stack[0], head=1), stack[0, 1])
    np.testing.assert_array_equal(head_map(stack[0, 0]), stack[0, 0])
    with pytest.raises(ValueError, match="pass head="):
        head_map(stack[0])
    with pytest.raises(ValueError, match="layer= and head="):
        head_map(stack, layer=0)
    with pytest.raises(ValueError, match="head=3 is out of range: the attention has 3 heads"):
        head_map(stack, 0, 3)


def test_check_tokens_needs_one_token_per_position():
    assert check_tokens(("a", "b"), (2, 2)) == ["a", "b"]
    with pytest.raises(ValueError, match=r"got 2 tokens for attention over 3 positions \(shape \(1, 1, 3, 3\)\)"):
        check_tokens(["a", "b"], (1, 1, 3, 3))
    with pytest.raises(ValueError, match="square"):
        check_tokens(["a", "b"], (2, 3))
    with pytest.raises(ValueError, match="not one string"):
        check_tokens("ab", (2, 2))


def test_sentence_b_start():
    assert sentence_b_start(["[CLS]", "a", "b", "[SEP]", "c", "[SEP]", "[PAD]"]) == 4
    assert sentence_b_start(["[CLS]", "a", "[SEP]", "[PAD]", "[PAD]"]) is None
    assert sentence_b_start(["a", "b"]) is None
