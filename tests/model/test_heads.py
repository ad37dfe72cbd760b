"""Heads: tied MLM decoder at chosen positions, NSP/classification/tagging/span shapes and dtypes."""

from __future__ import annotations

import keras
import numpy as np

from bertkeras import BertBackbone, MaskedLMHead, NSPHead, SpanHead

RNG = np.random.default_rng(1)


def test_mlm_head_ties_the_embedding_and_predicts_only_masked_positions():
    backbone = BertBackbone(vocabulary_size=40, num_layers=1, num_heads=2, hidden_dim=8, intermediate_dim=16,
                            max_sequence_length=16)
    head = MaskedLMHead(backbone.token_embedding)
    seq = RNG.normal(size=(2, 6, 8)).astype("float32")
    positions = np.array([[1, 3], [0, 5]])
    logits = np.asarray(head(seq, positions))
    assert logits.shape == (2, 2, 40)
    # The same computation by hand at each chosen position, with the embedding matrix as decoder.
    matrix = np.asarray(backbone.token_embedding.embeddings)
    for b in range(2):
        for p, pos in enumerate(positions[b]):
            h = np.asarray(head.layer_norm(head.transform(seq[b:b + 1, pos:pos + 1])))[0, 0]
            np.testing.assert_allclose(logits[b, p], h @ matrix.T + np.asarray(head.output_bias), atol=1e-5)
    # Tied: the head owns no copy of the (V, H) matrix, only its transform, LayerNorm and the bias.
    own = {v.path for v in head.weights} - {v.path for v in backbone.token_embedding.weights}
    assert sum(int(np.prod(v.shape)) for v in head.weights if v.path in own) == 8 * 8 + 8 + 2 * 8 + 40


def test_mlm_gradients_reach_the_shared_embedding():
    embedding = keras.layers.Embedding(20, 4)
    embedding.build((None,))
    head = MaskedLMHead(embedding)
    import tensorflow as tf

    seq = tf.constant(RNG.normal(size=(1, 3, 4)).astype("float32"))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(head(seq, np.array([[2]])))
    grad = tape.gradient(loss, embedding.embeddings)
    assert grad is not None and float(tf.reduce_sum(tf.abs(tf.convert_to_tensor(grad)))) > 0


def test_nsp_and_span_heads():
    assert tuple(NSPHead()(np.zeros((4, 8), "float32")).shape) == (4, 2)
    out = SpanHead()(RNG.normal(size=(2, 5, 8)).astype("float32"), padding_mask=np.array([[1, 1, 1, 0, 0]] * 2))
    assert np.asarray(out["start_logits"])[:, 3:].max() <= -1e8
    assert np.asarray(out["end_logits"])[:, :3].min() > -1e8


def test_heads_return_float32_under_mixed_precision():
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        embedding = keras.layers.Embedding(20, 8)
        embedding.build((None,))
        logits = MaskedLMHead(embedding)(np.zeros((1, 4, 8), "float16"), np.array([[0, 1]]))
        assert keras.backend.standardize_dtype(logits.dtype) == "float32"
        assert keras.backend.standardize_dtype(NSPHead()(np.zeros((2, 8), "float16")).dtype) == "float32"
    finally:
        keras.mixed_precision.set_global_policy("float32")
