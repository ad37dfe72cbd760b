"""Embedding, attention and encoder block: the maths, the masks and mixed precision."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from bertkeras.model.attention import BertSelfAttention
from bertkeras.model.embedding import BertEmbedding
from bertkeras.model.encoder import TransformerEncoderBlock

RNG = np.random.default_rng(0)


def test_embedding_is_the_normalised_sum_of_three_parts():
    layer = BertEmbedding(vocabulary_size=30, hidden_dim=8, max_sequence_length=10, dropout=0.0)
    ids = np.array([[2, 5, 7, 3]])
    seg = np.array([[0, 0, 1, 1]])
    parts = {k: np.asarray(v) for k, v in layer(ids, seg, return_parts=True).items()}
    np.testing.assert_allclose(parts["token"][0], np.asarray(layer.token_embedding.embeddings)[ids[0]])
    np.testing.assert_allclose(parts["segment"][0], np.asarray(layer.segment_embedding.embeddings)[seg[0]])
    np.testing.assert_allclose(parts["position"][0], np.asarray(layer.position_embeddings)[:4])
    np.testing.assert_allclose(parts["sum"], parts["token"] + parts["segment"] + parts["position"], rtol=1e-6)
    s = parts["sum"]
    expected = (s - s.mean(-1, keepdims=True)) / np.sqrt(s.var(-1, keepdims=True) + 1e-12)
    np.testing.assert_allclose(parts["output"], expected, atol=1e-5)


def test_embedding_rejects_too_long_inputs():
    layer = BertEmbedding(vocabulary_size=30, hidden_dim=8, max_sequence_length=4)
    with pytest.raises(ValueError, match="max_sequence_length is 4"):
        layer(np.zeros((1, 5), "int32"), np.zeros((1, 5), "int32"))


def reference_attention(layer, x, mask):
    """Plain NumPy multi-head attention with the layer's own weights."""
    hidden = x.shape[-1]
    heads, d = layer.num_heads, hidden // layer.num_heads
    qkv = x @ np.asarray(layer.qkv_dense.kernel) + np.asarray(layer.qkv_dense.bias)
    q, k, v = (qkv[..., i * hidden:(i + 1) * hidden].reshape(*x.shape[:2], heads, d) for i in range(3))
    scores = np.einsum("bqhd,bkhd->bhqk", q, k) / np.sqrt(d)
    scores = np.where(mask[:, None, None, :].astype(bool), scores, -1e9)
    probs = np.exp(scores - scores.max(-1, keepdims=True))
    probs /= probs.sum(-1, keepdims=True)
    context = np.einsum("bhqk,bkhd->bqhd", probs, v).reshape(*x.shape[:2], hidden)
    return context @ np.asarray(layer.output_dense.kernel) + np.asarray(layer.output_dense.bias), probs


def test_attention_matches_numpy_and_both_paths_agree():
    layer = BertSelfAttention(num_heads=4, attention_dropout=0.1)
    x = RNG.normal(size=(3, 7, 16)).astype("float32")
    mask = np.array([[1] * 7, [1] * 4 + [0] * 3, [1] + [0] * 6])
    fused = np.asarray(layer(x, padding_mask=mask))
    explicit, probs = layer(x, padding_mask=mask, return_attention_scores=True)
    expected, expected_probs = reference_attention(layer, x, mask)
    np.testing.assert_allclose(np.asarray(explicit), expected, atol=1e-5)
    np.testing.assert_allclose(fused, expected, atol=1e-5)
    np.testing.assert_allclose(np.asarray(probs), expected_probs, atol=1e-6)
    assert np.asarray(probs)[1, :, :, 4:].max() == 0.0  # padded keys get no attention


def test_attention_dropout_only_in_training():
    layer = BertSelfAttention(num_heads=2, attention_dropout=0.5)
    x = RNG.normal(size=(2, 5, 8)).astype("float32")
    a = np.asarray(layer(x, training=False))
    b = np.asarray(layer(x, training=False))
    c = np.asarray(layer(x, training=True))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_encoder_block_is_post_ln_by_default_and_pre_ln_on_request():
    x = RNG.normal(size=(2, 5, 8)).astype("float32")
    mask = np.ones((2, 5))
    post = TransformerEncoderBlock(num_heads=2, intermediate_dim=16, dropout=0.0, attention_dropout=0.0)
    out = np.asarray(post(x, padding_mask=mask))
    att = np.asarray(post.attention(x, padding_mask=mask))
    h = np.asarray(post.attention_norm(x + att))
    ffn = np.asarray(post.ffn_out(post.ffn_in(h)))  # ffn_in applies the GELU itself
    np.testing.assert_allclose(out, np.asarray(post.ffn_norm(h + ffn)), atol=1e-5)
    np.testing.assert_allclose(out.mean(-1), 0, atol=1e-5)  # post-LN output is normalised
    pre = TransformerEncoderBlock(num_heads=2, intermediate_dim=16, dropout=0.0, normalize_first=True)
    assert not np.allclose(np.asarray(pre(x, padding_mask=mask)).mean(-1), 0, atol=1e-3)


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision_keeps_softmax_and_layernorm_in_float32(policy):
    keras.mixed_precision.set_global_policy(policy)
    try:
        block = TransformerEncoderBlock(num_heads=2, intermediate_dim=16)
        out, probs = block(RNG.normal(size=(2, 5, 8)).astype("float32"), padding_mask=np.ones((2, 5)),
                           return_attention_scores=True)
        assert keras.backend.standardize_dtype(probs.dtype) == "float32"
        assert keras.backend.standardize_dtype(out.dtype) == "float32"  # LayerNorm output
        assert keras.backend.standardize_dtype(block.ffn_in.compute_dtype) == policy.split("_")[1]
        np.testing.assert_allclose(np.asarray(probs).sum(-1), 1.0, atol=1e-5)
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_layers_round_trip_their_config():
    for layer in [BertEmbedding(50, 8, 16, dropout=0.2), BertSelfAttention(4, attention_dropout=0.0),
                  TransformerEncoderBlock(2, 32, normalize_first=True)]:
        clone = layer.__class__.from_config(layer.get_config())
        assert clone.get_config() == layer.get_config()
