"""Ready-made fine-tuning models: a backbone plus one output layer, trainable with ``fit``.

BERT's recipe for every downstream task is the same: take the pre-trained encoder, add one small
output layer, train everything for a few epochs with a small learning rate. Setting
``backbone.trainable = False`` instead gives the *feature-based* approach: only the new layer learns.
"""

from __future__ import annotations

import keras

from bertkeras.backbone import INPUT_NAMES, BertBackbone
from bertkeras.heads import ClassificationHead, SpanHead, TokenTaggingHead


def _inputs() -> dict:
    return {name: keras.Input(shape=(None,), dtype="int32", name=name) for name in INPUT_NAMES}


class _TaskModel(keras.Model):
    """A functional model around ``backbone``; serialises the backbone inside its own config."""

    def _task_config(self) -> dict:
        return {}

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable,
                "backbone": keras.saving.serialize_keras_object(self.backbone), **self._task_config()}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["backbone"] = keras.saving.deserialize_keras_object(config["backbone"])
        return cls(**config)


@keras.saving.register_keras_serializable(package="bertkeras")
class BertClassifier(_TaskModel):
    """Sequence (or sentence-pair) classification from the pooled ``[CLS]`` vector.

    Args:
        backbone: a :class:`BertBackbone`.
        num_classes: K.
        dropout: dropout before the output layer.
        **kwargs: passed to ``keras.Model``.

    Outputs (B, K) float32 logits; train with ``SparseCategoricalCrossentropy(from_logits=True)``.

    Example:
        >>> import numpy as np
        >>> backbone = BertBackbone(vocabulary_size=50, num_layers=1, num_heads=2, hidden_dim=8,
        ...                         intermediate_dim=16, max_sequence_length=16)
        >>> model = BertClassifier(backbone, num_classes=3)
        >>> x = {"token_ids": np.ones((4, 6), "int32"), "segment_ids": np.zeros((4, 6), "int32"),
        ...      "padding_mask": np.ones((4, 6), "int32")}
        >>> tuple(model(x).shape)
        (4, 3)
    """

    def __init__(self, backbone, num_classes, dropout=0.1, **kwargs):
        inputs = _inputs()
        head = ClassificationHead(num_classes, dropout, backbone.initializer_range, name="classification_head")
        logits = head(backbone(inputs)["pooled_output"])  # (B, K)
        super().__init__(inputs=inputs, outputs=logits, **kwargs)
        self.backbone = backbone
        self.num_classes = num_classes
        self.dropout = dropout
        self.head = head

    def _task_config(self):
        return {"num_classes": self.num_classes, "dropout": self.dropout}


@keras.saving.register_keras_serializable(package="bertkeras")
class BertTokenTagger(_TaskModel):
    """One label per token (named entities, part of speech, ...): (B, T, K) float32 logits.

    Weight the loss with ``padding_mask`` (``sample_weight``) so padding does not count.

    Example:
        >>> import numpy as np
        >>> backbone = BertBackbone(vocabulary_size=50, num_layers=1, num_heads=2, hidden_dim=8,
        ...                         intermediate_dim=16, max_sequence_length=16)
        >>> x = {"token_ids": np.ones((2, 5), "int32"), "segment_ids": np.zeros((2, 5), "int32"),
        ...      "padding_mask": np.ones((2, 5), "int32")}
        >>> tuple(BertTokenTagger(backbone, num_labels=4)(x).shape)
        (2, 5, 4)
    """

    def __init__(self, backbone, num_labels, dropout=0.1, **kwargs):
        inputs = _inputs()
        head = TokenTaggingHead(num_labels, dropout, backbone.initializer_range, name="token_tagging_head")
        logits = head(backbone(inputs)["sequence_output"])  # (B, T, K)
        super().__init__(inputs=inputs, outputs=logits, **kwargs)
        self.backbone = backbone
        self.num_labels = num_labels
        self.dropout = dropout
        self.head = head

    def _task_config(self):
        return {"num_labels": self.num_labels, "dropout": self.dropout}


@keras.saving.register_keras_serializable(package="bertkeras")
class BertSpanExtractor(_TaskModel):
    """Extractive QA: start and end logits over the tokens (padding pushed to -1e9).

    Outputs ``{"start_logits": (B, T), "end_logits": (B, T)}``; train each with sparse categorical
    cross-entropy against the answer's start and end token index.

    Example:
        >>> import numpy as np
        >>> backbone = BertBackbone(vocabulary_size=50, num_layers=1, num_heads=2, hidden_dim=8,
        ...                         intermediate_dim=16, max_sequence_length=16)
        >>> x = {"token_ids": np.ones((2, 5), "int32"), "segment_ids": np.zeros((2, 5), "int32"),
        ...      "padding_mask": np.array([[1, 1, 1, 0, 0]] * 2)}
        >>> out = BertSpanExtractor(backbone)(x)
        >>> tuple(out["start_logits"].shape), float(out["end_logits"][0, 4]) < -1e8
        ((2, 5), True)
    """

    def __init__(self, backbone, dropout=0.1, **kwargs):
        inputs = _inputs()
        head = SpanHead(dropout, backbone.initializer_range, name="span_head")
        outputs = head(backbone(inputs)["sequence_output"], padding_mask=inputs["padding_mask"])
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        self.backbone = backbone
        self.dropout = dropout
        self.head = head

    def _task_config(self):
        return {"dropout": self.dropout}


__all__ = ["BertBackbone", "BertClassifier", "BertSpanExtractor", "BertTokenTagger"]
