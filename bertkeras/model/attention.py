"""``BertSelfAttention``: multi-head scaled dot-product self-attention that can show its weights.

For every token, attention mixes the value vectors of all tokens with weights
``softmax(q·k / sqrt(d))``: how well the token's query matches each token's key. BERT runs A such
"heads" side by side on H/A-dimensional slices and concatenates them. Padding tokens are removed as
*keys* (nobody attends to them); their own rows are computed but ignored downstream.
"""

from __future__ import annotations

import math

import keras
from keras import ops

from bertkeras.model.embedding import bert_initializer

# Added to the scores of masked keys. Large enough that exp() underflows to 0 in float32.
MASK_VALUE = -1e9


@keras.saving.register_keras_serializable(package="bertkeras")
class BertSelfAttention(keras.layers.Layer):
    """Multi-head self-attention with a key padding mask.

    Two paths compute the same function. When the attention probabilities are requested, or attention
    dropout is active (training with ``attention_dropout > 0``), the scores are computed explicitly so
    they can be returned or dropped out. Otherwise the fused ``keras.ops.dot_product_attention`` runs,
    which uses flash attention on GPUs where the backend offers it.

    Args:
        num_heads: A, the number of heads.
        attention_dropout: dropout rate on the attention probabilities.
        initializer_range: std of the truncated-normal initialiser.
        **kwargs: passed to ``keras.layers.Layer``.

    Call arguments:
        x: (batch, seq, hidden) token vectors.
        padding_mask: optional (batch, seq), 1/True for real tokens, 0/False for padding.
        training: whether dropout is active.
        return_attention_scores: if True, return ``(output, probabilities)`` with probabilities of shape
            (batch, heads, query, key), in float32.

    Example:
        >>> import numpy as np
        >>> layer = BertSelfAttention(num_heads=2)
        >>> x = np.random.default_rng(0).normal(size=(1, 4, 8)).astype("float32")
        >>> mask = np.array([[1, 1, 1, 0]])
        >>> out, probs = layer(x, padding_mask=mask, return_attention_scores=True)
        >>> tuple(out.shape), tuple(probs.shape)
        ((1, 4, 8), (1, 2, 4, 4))
        >>> float(np.asarray(probs)[..., 3].max())  # nobody attends to the padded key
        0.0
        >>> bool(np.allclose(np.asarray(probs).sum(-1), 1.0))
        True
    """

    def __init__(self, num_heads, attention_dropout=0.1, initializer_range=0.02, **kwargs):
        super().__init__(**kwargs)
        self.num_heads = num_heads
        self.attention_dropout = attention_dropout
        self.initializer_range = initializer_range

    def build(self, input_shape):
        hidden_dim = input_shape[-1]
        if hidden_dim % self.num_heads:
            raise ValueError(f"hidden size {hidden_dim} is not divisible by num_heads={self.num_heads}")
        self.head_dim = hidden_dim // self.num_heads
        init = bert_initializer(self.initializer_range)
        # One matrix for Q, K and V together: one matmul instead of three.
        self.qkv_dense = keras.layers.Dense(3 * hidden_dim, kernel_initializer=init, dtype=self.dtype_policy,
                                            name="qkv")
        self.qkv_dense.build(input_shape)
        self.output_dense = keras.layers.Dense(hidden_dim, kernel_initializer=init, dtype=self.dtype_policy,
                                               name="attention_output")
        self.output_dense.build(input_shape)
        self.probs_dropout = keras.layers.Dropout(self.attention_dropout, name="attention_probs_dropout")
        self.built = True

    def call(self, x, padding_mask=None, training=None, return_attention_scores=False):
        batch, seq = ops.shape(x)[0], ops.shape(x)[1]
        qkv = self.qkv_dense(x)  # (B, T, 3H)
        qkv = ops.reshape(qkv, (batch, seq, 3, self.num_heads, self.head_dim))  # (B, T, 3, A, H/A)
        key_mask = None
        if padding_mask is not None:
            key_mask = ops.cast(padding_mask, "bool")[:, None, None, :]  # (B, 1, 1, T): broadcast over heads, queries

        explicit = return_attention_scores or (training and self.attention_dropout > 0)
        if explicit:
            # Heads first, once for Q, K and V together, so both products below are plain batched matmuls.
            # (unstack, not qkv[0]: the gradient of a slice writes a zero tensor of the full size per slice.)
            q, k, v = ops.unstack(ops.transpose(qkv, (2, 0, 3, 1, 4)), 3, axis=0)  # each (B, A, T, H/A)
            scores = ops.matmul(q, ops.swapaxes(k, -1, -2))  # (B, A, T, T)
            # Softmax in float32: in float16 the exponentials overflow and small weights underflow.
            scores = ops.cast(scores, "float32") / math.sqrt(self.head_dim)
            if key_mask is not None:
                scores = ops.where(key_mask, scores, MASK_VALUE)
            probs = ops.softmax(scores, axis=-1)  # (B, A, T, T) float32, rows sum to 1
            dropped = self.probs_dropout(probs, training=training)
            context = ops.matmul(ops.cast(dropped, v.dtype), v)  # (B, A, T, H/A)
            context = ops.transpose(context, (0, 2, 1, 3))  # (B, T, A, H/A)
        else:
            q, k, v = ops.unstack(qkv, 3, axis=2)  # each (B, T, A, H/A), the layout the fused op takes
            context = ops.dot_product_attention(q, k, v, mask=key_mask)  # (B, T, A, H/A)
        context = ops.reshape(context, (batch, seq, self.num_heads * self.head_dim))  # (B, T, H)
        output = self.output_dense(context)  # (B, T, H)
        return (output, probs) if return_attention_scores else output

    def get_config(self):
        config = super().get_config()
        config.update({
            "num_heads": self.num_heads,
            "attention_dropout": self.attention_dropout,
            "initializer_range": self.initializer_range,
        })
        return config
