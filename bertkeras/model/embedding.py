"""``BertEmbedding``: how BERT turns token ids into vectors.

Each input vector is the **sum of three learned embeddings**: the token's WordPiece, its segment
(sentence A or B) and its position (0 … max_sequence_length - 1). The sum goes through LayerNorm and
dropout before the first encoder block.
"""

from __future__ import annotations

import keras
from keras import ops


def bert_initializer(initializer_range: float = 0.02) -> keras.initializers.Initializer:
    """BERT initialises every weight matrix from a normal distribution truncated at 2 std."""
    return keras.initializers.TruncatedNormal(stddev=initializer_range)


@keras.saving.register_keras_serializable(package="bertkeras")
class BertEmbedding(keras.layers.Layer):
    """Token + segment + position embeddings, summed, then LayerNorm and dropout.

    Args:
        vocabulary_size: number of WordPieces.
        hidden_dim: width of each embedding vector (H).
        max_sequence_length: rows of the position table; longer inputs are an error.
        num_segments: rows of the segment table (2: sentence A and B).
        dropout: dropout rate applied after LayerNorm.
        layer_norm_epsilon: LayerNorm epsilon (BERT: 1e-12).
        initializer_range: std of the truncated-normal initialiser.
        **kwargs: passed to ``keras.layers.Layer`` (``name``, ``dtype``, ...).

    Call arguments:
        token_ids: int tensor (batch, seq).
        segment_ids: int tensor (batch, seq) of 0/1.
        training: whether dropout is active.
        return_parts: if True, return a dict with the three parts, their ``sum`` and the ``output``.

    Example:
        >>> import numpy as np
        >>> layer = BertEmbedding(vocabulary_size=100, hidden_dim=8, max_sequence_length=16)
        >>> token_ids = np.array([[2, 17, 42, 3, 0]])
        >>> segment_ids = np.zeros_like(token_ids)
        >>> tuple(layer(token_ids, segment_ids).shape)
        (1, 5, 8)
        >>> parts = layer(token_ids, segment_ids, return_parts=True)
        >>> sorted(parts)
        ['output', 'position', 'segment', 'sum', 'token']
        >>> tuple(parts["position"].shape)
        (1, 5, 8)
    """

    def __init__(
        self,
        vocabulary_size,
        hidden_dim,
        max_sequence_length=512,
        num_segments=2,
        dropout=0.1,
        layer_norm_epsilon=1e-12,
        initializer_range=0.02,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.vocabulary_size = vocabulary_size
        self.hidden_dim = hidden_dim
        self.max_sequence_length = max_sequence_length
        self.num_segments = num_segments
        self.dropout = dropout
        self.layer_norm_epsilon = layer_norm_epsilon
        self.initializer_range = initializer_range

    def build(self, token_ids_shape=None, segment_ids_shape=None):
        init = bert_initializer(self.initializer_range)
        self.token_embedding = keras.layers.Embedding(
            self.vocabulary_size, self.hidden_dim, embeddings_initializer=init, dtype=self.dtype_policy,
            name="token_embedding")
        self.segment_embedding = keras.layers.Embedding(
            self.num_segments, self.hidden_dim, embeddings_initializer=init, dtype=self.dtype_policy,
            name="segment_embedding")
        self.token_embedding.build((None, None))
        self.segment_embedding.build((None, None))
        # A plain (max_sequence_length, H) table: position p simply reads row p.
        self.position_embeddings = self.add_weight(
            name="position_embeddings", shape=(self.max_sequence_length, self.hidden_dim), initializer=init)
        # LayerNorm statistics are computed in float32 even under mixed precision.
        self.layer_norm = keras.layers.LayerNormalization(
            epsilon=self.layer_norm_epsilon, dtype="float32", name="layer_norm")
        self.layer_norm.build((None, None, self.hidden_dim))
        self.dropout_layer = keras.layers.Dropout(self.dropout, name="dropout")
        self.built = True

    def call(self, token_ids, segment_ids, training=None, return_parts=False):
        seq_len = ops.shape(token_ids)[1]
        if isinstance(seq_len, int) and seq_len > self.max_sequence_length:
            raise ValueError(
                f"input has {seq_len} tokens but max_sequence_length is {self.max_sequence_length}; "
                "truncate the input (tokenizer max_length) or build the model with a longer position table")
        token = self.token_embedding(token_ids)  # (B, T, H)
        segment = self.segment_embedding(segment_ids)  # (B, T, H)
        position = ops.cast(self.position_embeddings[:seq_len], token.dtype)  # (T, H)
        position = ops.broadcast_to(position[None], ops.shape(token))  # (B, T, H)
        summed = token + segment + position  # (B, T, H)
        output = self.dropout_layer(self.layer_norm(summed), training=training)  # (B, T, H) float32
        if return_parts:
            return {"token": token, "segment": segment, "position": position, "sum": summed, "output": output}
        return output

    def compute_output_spec(self, token_ids, segment_ids, training=None, return_parts=False):
        # Keras infers output shapes by tracing call(). JAX traces an unknown length T as a symbol and
        # cannot slice the position table to T rows (it cannot prove T <= max_sequence_length), so trace
        # at T = max_sequence_length and hand the outputs back their unknown T.
        if token_ids.shape[1] is not None or keras.backend.backend() != "jax":
            return super().compute_output_spec(token_ids, segment_ids, training=training, return_parts=return_parts)
        shape = (token_ids.shape[0], self.max_sequence_length)
        out = super().compute_output_spec(keras.KerasTensor(shape, token_ids.dtype),
                                          keras.KerasTensor(shape, segment_ids.dtype),
                                          training=training, return_parts=return_parts)
        return keras.tree.map_structure(
            lambda t: keras.KerasTensor((t.shape[0], None, *t.shape[2:]), t.dtype), out)

    def get_config(self):
        config = super().get_config()
        config.update({
            "vocabulary_size": self.vocabulary_size,
            "hidden_dim": self.hidden_dim,
            "max_sequence_length": self.max_sequence_length,
            "num_segments": self.num_segments,
            "dropout": self.dropout,
            "layer_norm_epsilon": self.layer_norm_epsilon,
            "initializer_range": self.initializer_range,
        })
        return config
