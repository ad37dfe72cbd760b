"""``BertBackbone``: embeddings, the encoder stack and the pooler, as one functional Keras model.

Reading top to bottom::

    token_ids, segment_ids ─► BertEmbedding ─► block 1 ─► … ─► block L ─► sequence_output (B, T, H)
                                                                        └─► [CLS] ─► Dense+tanh ─► pooled_output (B, H)

The same layer objects serve every way of calling the model, so the attention probabilities and hidden
states of a trained backbone are one method call away (:meth:`BertBackbone.internals`): no second model,
no rebuild, no copied weights.
"""

from __future__ import annotations

import keras
from keras import ops

from bertkeras.model.config import BertConfig
from bertkeras.model.embedding import BertEmbedding, bert_initializer
from bertkeras.model.encoder import TransformerEncoderBlock

INPUT_NAMES = ("token_ids", "segment_ids", "padding_mask")


@keras.saving.register_keras_serializable(package="bertkeras")
class BertBackbone(keras.Model):
    """The BERT encoder with keras-hub's argument and input names.

    Args:
        vocabulary_size: number of WordPieces.
        num_layers: L, encoder blocks.
        num_heads: A, attention heads per block.
        hidden_dim: H, width of the token vectors.
        intermediate_dim: feed-forward width (4·H in BERT).
        max_sequence_length: rows of the position table.
        num_segments: rows of the segment table.
        dropout: dropout on embeddings and block outputs.
        attention_dropout: dropout on attention probabilities.
        layer_norm_epsilon: LayerNorm epsilon.
        initializer_range: std of the truncated-normal initialiser.
        normalize_first: False for post-LN (BERT), True for pre-LN.
        hidden_activation: the feed-forward GELU, ``"gelu_approximate"`` (tanh; google-research/bert, the
            default) or ``"gelu_exact"`` (erf; Hugging Face's ``"gelu"``). See ``BertConfig``.
        return_hidden_states: also output ``hidden_states``, a list of L+1 tensors (B, T, H): the
            embedding output and each block's output.
        return_attention_scores: also output ``attention_scores``, a list of L tensors (B, A, T, T).
        **kwargs: passed to ``keras.Model`` (``name``, ``dtype``).

    Inputs: a dict with ``token_ids``, ``segment_ids`` and ``padding_mask`` (1 for real tokens), each
    (batch, seq) int.

    Outputs: a dict with ``sequence_output`` (B, T, H) and ``pooled_output`` (B, H), plus the optional
    ones above.

    Example:
        >>> import numpy as np
        >>> backbone = BertBackbone(vocabulary_size=100, num_layers=2, num_heads=2, hidden_dim=16,
        ...                         intermediate_dim=64, max_sequence_length=32)
        >>> inputs = {"token_ids": np.array([[2, 20, 21, 3, 0]]), "segment_ids": np.zeros((1, 5), "int32"),
        ...           "padding_mask": np.array([[1, 1, 1, 1, 0]])}
        >>> out = backbone(inputs)
        >>> tuple(out["sequence_output"].shape), tuple(out["pooled_output"].shape)
        ((1, 5, 16), (1, 16))
        >>> inner = backbone.internals(inputs)
        >>> len(inner["attention_scores"]), tuple(inner["attention_scores"][0].shape)
        (2, (1, 2, 5, 5))
        >>> len(inner["hidden_states"])
        3
    """

    def __init__(
        self,
        vocabulary_size,
        num_layers,
        num_heads,
        hidden_dim,
        intermediate_dim,
        max_sequence_length=512,
        num_segments=2,
        dropout=0.1,
        attention_dropout=0.1,
        layer_norm_epsilon=1e-12,
        initializer_range=0.02,
        normalize_first=False,
        hidden_activation="gelu_approximate",
        return_hidden_states=False,
        return_attention_scores=False,
        dtype=None,
        **kwargs,
    ):
        # Validate through the config so a bad size names its field.
        BertConfig(vocabulary_size, num_layers, num_heads, hidden_dim, intermediate_dim, max_sequence_length,
                   num_segments, dropout, attention_dropout, layer_norm_epsilon, initializer_range,
                   normalize_first, hidden_activation)
        # === Layers ===
        embedding = BertEmbedding(
            vocabulary_size, hidden_dim, max_sequence_length, num_segments, dropout, layer_norm_epsilon,
            initializer_range, dtype=dtype, name="embedding")
        blocks = [
            TransformerEncoderBlock(num_heads, intermediate_dim, dropout, attention_dropout, layer_norm_epsilon,
                                    normalize_first, initializer_range, hidden_activation, dtype=dtype,
                                    name=f"encoder_block_{i}")
            for i in range(num_layers)
        ]
        # Pre-LN stacks need a final LayerNorm: their residual stream is never normalised otherwise.
        final_norm = keras.layers.LayerNormalization(
            epsilon=layer_norm_epsilon, dtype="float32", name="final_layer_norm") if normalize_first else None
        pooler = keras.layers.Dense(hidden_dim, activation="tanh", kernel_initializer=bert_initializer(
            initializer_range), dtype=dtype, name="pooled_dense")

        # === Functional graph ===
        inputs = {name: keras.Input(shape=(None,), dtype="int32", name=name) for name in INPUT_NAMES}
        x = embedding(inputs["token_ids"], inputs["segment_ids"])  # (B, T, H)
        hidden_states, attention_scores = [x], []
        for block in blocks:
            if return_attention_scores:
                x, probs = block(x, padding_mask=inputs["padding_mask"], return_attention_scores=True)
                attention_scores.append(probs)  # (B, A, T, T)
            else:
                x = block(x, padding_mask=inputs["padding_mask"])
            hidden_states.append(x)
        if final_norm is not None:
            x = final_norm(x)
        pooled = pooler(x[:, 0, :])  # the [CLS] vector -> (B, H)
        outputs = {"sequence_output": x, "pooled_output": pooled}
        if return_hidden_states:
            outputs["hidden_states"] = hidden_states
        if return_attention_scores:
            outputs["attention_scores"] = attention_scores
        super().__init__(inputs=inputs, outputs=outputs, dtype=dtype, **kwargs)

        # === Config ===
        self.vocabulary_size = vocabulary_size
        self.num_layers = num_layers
        self.num_heads = num_heads
        self.hidden_dim = hidden_dim
        self.intermediate_dim = intermediate_dim
        self.max_sequence_length = max_sequence_length
        self.num_segments = num_segments
        self.dropout = dropout
        self.attention_dropout = attention_dropout
        self.layer_norm_epsilon = layer_norm_epsilon
        self.initializer_range = initializer_range
        self.normalize_first = normalize_first
        self.hidden_activation = hidden_activation
        self.return_hidden_states = return_hidden_states
        self.return_attention_scores = return_attention_scores
        self.embedding = embedding
        self.encoder_blocks = blocks
        self.final_layer_norm = final_norm
        self.pooler = pooler

    @classmethod
    def from_bert_config(cls, config: BertConfig, **kwargs) -> BertBackbone:
        """Build from a :class:`BertConfig` (``kwargs`` add e.g. ``return_attention_scores=True``)."""
        return cls(**config.backbone_kwargs(), **kwargs)

    @property
    def bert_config(self) -> BertConfig:
        return BertConfig(**{f: getattr(self, f) for f in BertConfig.__dataclass_fields__})

    @property
    def token_embedding(self) -> keras.layers.Embedding:
        """The WordPiece embedding layer; the masked-LM head ties its output matrix to this one."""
        return self.embedding.token_embedding

    def internals(self, inputs, training=False) -> dict:
        """Run the backbone and return everything inside it, whatever it was built to output.

        Returns:
            dict with ``embedding_parts`` (token / segment / position / sum / output), ``hidden_states``
            (L+1 tensors), ``attention_scores`` (L tensors of (B, A, T, T)), ``sequence_output`` and
            ``pooled_output``. Uses the same layers (and weights) as the model itself.
        """
        inputs = {k: ops.convert_to_tensor(inputs[k], "int32") for k in INPUT_NAMES}
        parts = self.embedding(inputs["token_ids"], inputs["segment_ids"], training=training, return_parts=True)
        x = parts["output"]
        hidden_states, attention_scores = [x], []
        for block in self.encoder_blocks:
            x, probs = block(x, padding_mask=inputs["padding_mask"], training=training,
                             return_attention_scores=True)
            hidden_states.append(x)
            attention_scores.append(probs)
        if self.final_layer_norm is not None:
            x = self.final_layer_norm(x)
        return {"embedding_parts": parts, "hidden_states": hidden_states, "attention_scores": attention_scores,
                "sequence_output": x, "pooled_output": self.pooler(x[:, 0, :])}

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": keras.saving.serialize_keras_object(self.dtype_policy),
            "vocabulary_size": self.vocabulary_size,
            "num_layers": self.num_layers,
            "num_heads": self.num_heads,
            "hidden_dim": self.hidden_dim,
            "intermediate_dim": self.intermediate_dim,
            "max_sequence_length": self.max_sequence_length,
            "num_segments": self.num_segments,
            "dropout": self.dropout,
            "attention_dropout": self.attention_dropout,
            "layer_norm_epsilon": self.layer_norm_epsilon,
            "initializer_range": self.initializer_range,
            "normalize_first": self.normalize_first,
            "hidden_activation": self.hidden_activation,
            "return_hidden_states": self.return_hidden_states,
            "return_attention_scores": self.return_attention_scores,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = keras.saving.deserialize_keras_object(config["dtype"])
        return cls(**config)
