"""The small layers BERT puts on top of its encoder, one per task.

============================  =====================================  ==========================
head                          input                                  output
============================  =====================================  ==========================
``MaskedLMHead``              sequence_output, mask_positions        (B, P, vocabulary) logits
``NSPHead``                   pooled_output                          (B, 2) IsNext/NotNext logits
``ClassificationHead``        pooled_output ([CLS])                  (B, K) logits
``TokenTaggingHead``          sequence_output                        (B, T, K) logits
``SpanHead``                  sequence_output                        start, end logits (B, T)
============================  =====================================  ==========================

Every head returns float32 logits, even under mixed precision, so the losses are computed in float32.
``masked_lm_loss`` is the masked-LM head's loss: cross-entropy over the real predictions only.
"""

from __future__ import annotations

import keras
from keras import ops

from bertkeras.model.embedding import bert_initializer
from bertkeras.model.encoder import activation


@keras.saving.register_keras_serializable(package="bertkeras")
class MaskedLMHead(keras.layers.Layer):
    """Predict the original WordPiece at each masked position.

    Dense(H) + GELU + LayerNorm, then a decoder that reuses the token-embedding matrix (transposed) plus a
    per-token output bias, as in BERT. The logits are computed only at ``mask_positions``, which saves
    the (B, T, vocabulary) product for the ~85 % of tokens that are not predicted.

    Args:
        token_embedding: the backbone's ``keras.layers.Embedding`` (``backbone.token_embedding``).
        layer_norm_epsilon: LayerNorm epsilon.
        initializer_range: std of the truncated-normal initialiser.
        hidden_activation: the transform's GELU, ``"gelu_approximate"`` (tanh) or ``"gelu_exact"`` (erf);
            BERT uses the same one as its encoder.
        **kwargs: passed to ``keras.layers.Layer``.

    Call arguments:
        sequence_output: (B, T, H).
        mask_positions: (B, P) int indices of the tokens to predict.

    Example:
        >>> import numpy as np, keras
        >>> embedding = keras.layers.Embedding(50, 8); embedding.build((None,))
        >>> head = MaskedLMHead(embedding)
        >>> logits = head(np.zeros((2, 6, 8), "float32"), np.array([[1, 4], [2, 0]]))
        >>> tuple(logits.shape), keras.backend.standardize_dtype(logits.dtype)
        ((2, 2, 50), 'float32')
    """

    def __init__(self, token_embedding, layer_norm_epsilon=1e-12, initializer_range=0.02,
                 hidden_activation="gelu_approximate", **kwargs):
        super().__init__(**kwargs)
        activation(hidden_activation)  # a bad name fails here, not at build time
        self.token_embedding = token_embedding
        self.layer_norm_epsilon = layer_norm_epsilon
        self.initializer_range = initializer_range
        self.hidden_activation = hidden_activation

    def build(self, sequence_output_shape=None, mask_positions_shape=None):
        hidden_dim = self.token_embedding.output_dim
        self.transform = keras.layers.Dense(
            hidden_dim, activation=activation(self.hidden_activation),
            kernel_initializer=bert_initializer(self.initializer_range), dtype=self.dtype_policy, name="transform")
        self.transform.build((None, None, hidden_dim))
        self.layer_norm = keras.layers.LayerNormalization(epsilon=self.layer_norm_epsilon, dtype="float32",
                                                          name="layer_norm")
        self.layer_norm.build((None, None, hidden_dim))
        self.output_bias = self.add_weight(name="output_bias", shape=(self.token_embedding.input_dim,),
                                           initializer="zeros")
        self.built = True

    def call(self, sequence_output, mask_positions):
        positions = ops.cast(mask_positions, "int32")[:, :, None]  # (B, P, 1)
        x = ops.take_along_axis(sequence_output, positions, axis=1)  # (B, P, H): only the masked tokens
        x = self.layer_norm(self.transform(x))  # (B, P, H)
        matrix = ops.cast(self.token_embedding.embeddings, self.compute_dtype)  # (V, H), tied weights
        logits = ops.matmul(ops.cast(x, self.compute_dtype), ops.transpose(matrix))  # (B, P, V)
        return ops.cast(logits, "float32") + ops.cast(self.output_bias, "float32")

    def get_config(self):
        config = super().get_config()
        config.update({
            "token_embedding": keras.layers.serialize(self.token_embedding),
            "layer_norm_epsilon": self.layer_norm_epsilon,
            "initializer_range": self.initializer_range,
            "hidden_activation": self.hidden_activation,
        })
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["token_embedding"] = keras.layers.deserialize(config["token_embedding"])
        return cls(**config)


def masked_lm_loss(mask_ids, logits, mask_weights, epsilon: float = 1e-5):
    """Mean cross-entropy over the real predictions only: ``sum(w * ce) / max(sum(w), eps)``.

    A batch whose rows have nothing to predict (all weights 0) gives a loss of 0, not NaN.

    Example:
        >>> import keras
        >>> logits = keras.ops.zeros((1, 2, 4))  # uniform over 4 tokens -> cross-entropy log(4)
        >>> round(float(masked_lm_loss([[1, 0]], logits, [[1.0, 0.0]])), 4)
        1.3863
        >>> float(masked_lm_loss([[0, 0]], logits, [[0.0, 0.0]]))
        0.0
    """
    mask_ids = keras.ops.convert_to_tensor(mask_ids, "int32")
    mask_weights = keras.ops.cast(keras.ops.convert_to_tensor(mask_weights), "float32")
    per_token = keras.losses.sparse_categorical_crossentropy(mask_ids, logits, from_logits=True)
    total = keras.ops.sum(per_token * mask_weights)
    return total / keras.ops.maximum(keras.ops.sum(mask_weights), epsilon)


class _DenseHead(keras.layers.Layer):
    """Dropout then Dense(num_outputs) with BERT's initialiser; float32 logits."""

    def __init__(self, num_outputs, dropout=0.1, initializer_range=0.02, **kwargs):
        super().__init__(**kwargs)
        self.num_outputs = num_outputs
        self.dropout = dropout
        self.initializer_range = initializer_range

    def build(self, input_shape):
        self.dropout_layer = keras.layers.Dropout(self.dropout, name="dropout")
        self.dense = keras.layers.Dense(self.num_outputs, kernel_initializer=bert_initializer(
            self.initializer_range), dtype=self.dtype_policy, name="logits")
        self.dense.build(input_shape)
        self.built = True

    def call(self, x, training=None):
        return ops.cast(self.dense(self.dropout_layer(x, training=training)), "float32")

    def get_config(self):
        config = super().get_config()
        config.update({"num_outputs": self.num_outputs, "dropout": self.dropout,
                       "initializer_range": self.initializer_range})
        return config


@keras.saving.register_keras_serializable(package="bertkeras")
class NSPHead(_DenseHead):
    """Next-sentence prediction from the pooled ``[CLS]`` vector: logits for (IsNext, NotNext).

    Example:
        >>> import numpy as np
        >>> tuple(NSPHead()(np.zeros((3, 16), "float32")).shape)
        (3, 2)
    """

    def __init__(self, dropout=0.0, initializer_range=0.02, **kwargs):
        kwargs.pop("num_outputs", None)
        super().__init__(2, dropout, initializer_range, **kwargs)


@keras.saving.register_keras_serializable(package="bertkeras")
class ClassificationHead(_DenseHead):
    """Sequence classification: ``softmax(C·Wᵀ)`` where C is the pooled ``[CLS]`` vector.

    Args:
        num_outputs: K, the number of classes.
        dropout: dropout on C before the output layer (BERT: 0.1).

    Example:
        >>> import numpy as np
        >>> tuple(ClassificationHead(num_outputs=5)(np.zeros((3, 16), "float32")).shape)
        (3, 5)
    """


@keras.saving.register_keras_serializable(package="bertkeras")
class TokenTaggingHead(_DenseHead):
    """One label per token (e.g. named entities): (B, T, H) -> (B, T, K).

    Example:
        >>> import numpy as np
        >>> tuple(TokenTaggingHead(num_outputs=4)(np.zeros((2, 7, 16), "float32")).shape)
        (2, 7, 4)
    """


@keras.saving.register_keras_serializable(package="bertkeras")
class SpanHead(_DenseHead):
    """Extractive question answering: a start and an end logit for every token.

    Returns a dict ``{"start_logits": (B, T), "end_logits": (B, T)}``; with a ``padding_mask`` the
    logits of padding tokens are -1e9, so no span can start or end there.

    Example:
        >>> import numpy as np
        >>> out = SpanHead()(np.zeros((2, 7, 16), "float32"))
        >>> sorted(out), tuple(out["start_logits"].shape)
        (['end_logits', 'start_logits'], (2, 7))
    """

    def __init__(self, dropout=0.0, initializer_range=0.02, **kwargs):
        kwargs.pop("num_outputs", None)
        super().__init__(2, dropout, initializer_range, **kwargs)

    def call(self, x, padding_mask=None, training=None):
        logits = super().call(x, training=training)  # (B, T, 2)
        if padding_mask is not None:
            logits = ops.where(ops.cast(padding_mask, "bool")[..., None], logits, -1e9)
        return {"start_logits": logits[..., 0], "end_logits": logits[..., 1]}
