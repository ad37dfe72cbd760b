"""``TransformerEncoderBlock``: one layer of BERT's encoder.

Post-LN, as in BERT::

    x = LayerNorm(x + Dropout(SelfAttention(x)))
    x = LayerNorm(x + Dropout(Dense_H(GELU(Dense_4H(x)))))

``normalize_first=True`` gives the pre-LN variant (``x + f(LayerNorm(x))``) that later, deeper models
prefer because it trains stably without warm-up tricks.
"""

from __future__ import annotations

import keras
from keras import ops

from bertkeras.model.attention import BertSelfAttention
from bertkeras.model.embedding import bert_initializer


def gelu(x):
    """GELU with the tanh approximation, as in google-research/bert and keras-hub's BERT."""
    return keras.activations.gelu(x, approximate=True)


def gelu_exact(x):
    """The exact GELU, x·Φ(x) with the erf: Hugging Face's ``"gelu"``."""
    return keras.activations.gelu(x, approximate=False)


def activation(name: str):
    """The GELU function a :class:`~bertkeras.model.config.BertConfig` ``hidden_activation`` names.

    Example:
        >>> import numpy as np
        >>> x = np.array([1.0], "float32")
        >>> [round(float(activation(n)(x)[0]), 5) for n in ("gelu_approximate", "gelu_exact")]
        [0.84119, 0.84134]
    """
    functions = {"gelu_approximate": gelu, "gelu_exact": gelu_exact}
    if name not in functions:
        raise ValueError(f"unknown hidden_activation {name!r}; choose one of {list(functions)}")
    return functions[name]


@keras.saving.register_keras_serializable(package="bertkeras")
class TransformerEncoderBlock(keras.layers.Layer):
    """Self-attention and a GELU feed-forward network, each wrapped in residual + LayerNorm.

    Args:
        num_heads: A, attention heads.
        intermediate_dim: width of the feed-forward layer (4·H in BERT).
        dropout: dropout on the attention and feed-forward outputs.
        attention_dropout: dropout on the attention probabilities.
        layer_norm_epsilon: LayerNorm epsilon.
        normalize_first: False for BERT's post-LN, True for pre-LN.
        initializer_range: std of the truncated-normal initialiser.
        hidden_activation: ``"gelu_approximate"`` (tanh, BERT's) or ``"gelu_exact"`` (erf) in the FFN.
        **kwargs: passed to ``keras.layers.Layer``.

    Call arguments:
        x: (batch, seq, hidden).
        padding_mask: optional (batch, seq), 1 for real tokens.
        training: whether dropout is active.
        return_attention_scores: if True, return ``(output, probabilities)``.

    Example:
        >>> import numpy as np
        >>> block = TransformerEncoderBlock(num_heads=2, intermediate_dim=32)
        >>> x = np.zeros((2, 6, 8), dtype="float32")
        >>> tuple(block(x, padding_mask=np.ones((2, 6))).shape)
        (2, 6, 8)
        >>> block.count_params()  # attention 4*(8*8+8) + LN 16 + FFN (8*32+32)+(32*8+8) + LN 16
        872
    """

    def __init__(
        self,
        num_heads,
        intermediate_dim,
        dropout=0.1,
        attention_dropout=0.1,
        layer_norm_epsilon=1e-12,
        normalize_first=False,
        initializer_range=0.02,
        hidden_activation="gelu_approximate",
        **kwargs,
    ):
        super().__init__(**kwargs)
        activation(hidden_activation)  # a bad name fails here, not at build time
        self.num_heads = num_heads
        self.intermediate_dim = intermediate_dim
        self.dropout = dropout
        self.attention_dropout = attention_dropout
        self.layer_norm_epsilon = layer_norm_epsilon
        self.normalize_first = normalize_first
        self.initializer_range = initializer_range
        self.hidden_activation = hidden_activation

    def build(self, input_shape):
        hidden_dim = input_shape[-1]
        init = bert_initializer(self.initializer_range)
        policy = self.dtype_policy
        self.attention = BertSelfAttention(self.num_heads, self.attention_dropout, self.initializer_range,
                                           dtype=policy, name="self_attention")
        self.attention.build(input_shape)
        self.attention_norm = keras.layers.LayerNormalization(
            epsilon=self.layer_norm_epsilon, dtype="float32", name="attention_layer_norm")
        self.attention_norm.build(input_shape)
        self.ffn_in = keras.layers.Dense(self.intermediate_dim, activation=activation(self.hidden_activation),
                                         kernel_initializer=init, dtype=policy, name="ffn_intermediate")
        self.ffn_in.build(input_shape)
        self.ffn_out = keras.layers.Dense(hidden_dim, kernel_initializer=init, dtype=policy, name="ffn_output")
        self.ffn_out.build((*input_shape[:-1], self.intermediate_dim))
        self.ffn_norm = keras.layers.LayerNormalization(
            epsilon=self.layer_norm_epsilon, dtype="float32", name="ffn_layer_norm")
        self.ffn_norm.build(input_shape)
        self.attention_output_dropout = keras.layers.Dropout(self.dropout, name="attention_output_dropout")
        self.ffn_dropout = keras.layers.Dropout(self.dropout, name="ffn_dropout")
        self.built = True

    def call(self, x, padding_mask=None, training=None, return_attention_scores=False):
        # --- self-attention sub-layer ---
        residual = x  # (B, T, H)
        h = self.attention_norm(x) if self.normalize_first else x
        attended = self.attention(h, padding_mask=padding_mask, training=training,
                                  return_attention_scores=return_attention_scores)
        if return_attention_scores:
            attended, probs = attended  # probs: (B, A, T, T)
        # ops.add promotes float16 + float32 to float32: under mixed precision the residual stream stays float32.
        x = ops.add(residual, self.attention_output_dropout(attended, training=training))
        if not self.normalize_first:
            x = self.attention_norm(x)  # post-LN: normalise the sum
        # --- feed-forward sub-layer ---
        residual = x
        h = self.ffn_norm(x) if self.normalize_first else x
        h = self.ffn_out(self.ffn_in(h))  # (B, T, 4H) -> (B, T, H)
        x = ops.add(residual, self.ffn_dropout(h, training=training))
        if not self.normalize_first:
            x = self.ffn_norm(x)
        return (x, probs) if return_attention_scores else x

    def get_config(self):
        config = super().get_config()
        config.update({
            "num_heads": self.num_heads,
            "intermediate_dim": self.intermediate_dim,
            "dropout": self.dropout,
            "attention_dropout": self.attention_dropout,
            "layer_norm_epsilon": self.layer_norm_epsilon,
            "normalize_first": self.normalize_first,
            "initializer_range": self.initializer_range,
            "hidden_activation": self.hidden_activation,
        })
        return config
