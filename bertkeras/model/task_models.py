"""Ready-made fine-tuning models: a backbone plus one output layer, trainable with ``fit``.

BERT's recipe for every downstream task is the same: take the pre-trained encoder, add one small
output layer, train everything for a few epochs with a small learning rate. Setting
``backbone.trainable = False`` instead gives the *feature-based* approach: only the new layer learns.

The paper's feature-based experiments (§5.3, Table 7) also ask *which* layers to read. A
:class:`BertClassifier` reads the pooled ``[CLS]`` vector by default; ``features=`` picks the ``[CLS]``
vector of other encoder layers instead (:data:`FEATURES`). The best choice in the paper concatenates the
last four layers (``"last4_concat"``, 4·H wide)::

    hidden_states[-4][:, 0] ┐
    hidden_states[-3][:, 0] ├─► concatenate (B, 4·H) ─► dropout ─► Dense(K) ─► logits
    hidden_states[-2][:, 0] │
    hidden_states[-1][:, 0] ┘

The vectors come from the backbone's own ``hidden_states`` output (``return_hidden_states=True``), so
there is one encoder and one set of weights, and the model saves and loads like any other.
"""

from __future__ import annotations

import keras
from keras import ops

from bertkeras.model.backbone import INPUT_NAMES, BertBackbone
from bertkeras.model.heads import ClassificationHead, SpanHead, TokenTaggingHead

# ``[CLS]`` features a BertClassifier can classify from, named after the paper's Table 7 (CoNLL NER dev F1 of
# a frozen BERT-base: last hidden 94.9, second-to-last 95.6, weighted sum of the last four 95.9 - here a
# plain sum -, concatenation of the last four 96.1; fine-tuning everything 96.4). "pooled" is BERT's
# fine-tuning input, tanh(W·[CLS]) of the last layer; the others are [CLS] rows of encoder-block outputs:
# name -> (layers counted from the top, how to combine them).
CLS_LAYERS = {
    "last": ((-1,), "sum"),
    "second_to_last": ((-2,), "sum"),
    "last2_concat": ((-2, -1), "concat"),  # the paper's concatenation for a 2- or 3-layer model (e.g. tiny)
    "last4_sum": ((-4, -3, -2, -1), "sum"),
    "last4_concat": ((-4, -3, -2, -1), "concat"),
}
FEATURES = ("pooled", *CLS_LAYERS)


def _inputs() -> dict:
    return {name: keras.Input(shape=(None,), dtype="int32", name=name) for name in INPUT_NAMES}


def check_features(features: str, backbone) -> None:
    """Raise a ValueError naming the fix when ``backbone`` cannot provide the ``features`` a classifier reads.

    Example:
        >>> backbone = BertBackbone(vocabulary_size=50, num_layers=2, num_heads=2, hidden_dim=8,
        ...                         intermediate_dim=16, max_sequence_length=16, return_hidden_states=True)
        >>> check_features("last", backbone)  # fine: returns None
        >>> check_features("last4_concat", backbone)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: features='last4_concat' reads the [CLS] vectors of the last 4 encoder layers, but ...
    """
    if features not in FEATURES:
        raise ValueError(f"features={features!r}; choose one of {list(FEATURES)}")
    if features == "pooled":
        return
    needed = _layers_needed(features)
    if needed > backbone.num_layers:
        usable = [f for f in FEATURES if _layers_needed(f) <= backbone.num_layers]
        raise ValueError(f"features={features!r} reads the [CLS] vectors of the last {needed} encoder "
                         f"layers, but the backbone has {backbone.num_layers}; choose one of {usable}")
    if not backbone.return_hidden_states:
        raise ValueError(f"features={features!r} reads the backbone's hidden states, but it was built "
                         "without them; build it with return_hidden_states=True, e.g. BertBackbone."
                         "from_bert_config(config, return_hidden_states=True) (same weights: set_weights "
                         "copies them over)")


def _layers_needed(features: str) -> int:
    return 1 if features == "pooled" else max(-i for i in CLS_LAYERS[features][0])


def cls_features(hidden_states, features: str):
    """The ``[CLS]`` feature vector (B, H) or (B, 4·H) that ``features`` names, from the L+1 hidden states.

    Example:
        >>> import numpy as np
        >>> states = [np.full((1, 3, 2), float(i)) for i in range(5)]  # embeddings, then 4 blocks
        >>> np.asarray(cls_features(states, "last4_concat")).tolist()
        [[1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 4.0, 4.0]]
        >>> [np.asarray(cls_features(states, f)).tolist() for f in ("last4_sum", "second_to_last")]
        [[[10.0, 10.0]], [[3.0, 3.0]]]
    """
    layers, combine = CLS_LAYERS[features]
    vectors = [hidden_states[i][:, 0, :] for i in layers]  # each (B, H)
    if combine == "concat":
        return ops.concatenate(vectors, axis=-1)
    total = vectors[0]
    for vector in vectors[1:]:
        total = total + vector
    return total


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
    """Sequence (or sentence-pair) classification from the pooled ``[CLS]`` vector (or other layers').

    Args:
        backbone: a :class:`BertBackbone`; built with ``return_hidden_states=True`` for any ``features``
            but ``"pooled"``.
        num_classes: K.
        dropout: dropout before the output layer.
        features: what the output layer reads (:data:`FEATURES`): ``"pooled"`` (BERT's fine-tuning
            input), or the ``[CLS]`` vector of the ``"last"`` or ``"second_to_last"`` encoder layer, or of
            the last four summed (``"last4_sum"``) or concatenated (``"last4_concat"``, the paper's best
            feature-based choice, 4·H wide). They are block outputs as in ``hidden_states``: for a pre-LN
            backbone, before its final LayerNorm. Meant for a frozen backbone (BERT §5.3) but not
            restricted to one.
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
        >>> deep = BertBackbone(vocabulary_size=50, num_layers=4, num_heads=2, hidden_dim=8,
        ...                     intermediate_dim=16, max_sequence_length=16, return_hidden_states=True)
        >>> model = BertClassifier(deep, num_classes=3, features="last4_concat")
        >>> tuple(model(x).shape), tuple(model.head.dense.kernel.shape)
        ((4, 3), (32, 3))
    """

    def __init__(self, backbone, num_classes, dropout=0.1, features="pooled", **kwargs):
        check_features(features, backbone)
        inputs = _inputs()
        head = ClassificationHead(num_classes, dropout, backbone.initializer_range, name="classification_head")
        outputs = backbone(inputs)
        if features == "pooled":
            logits = head(outputs["pooled_output"])  # (B, K)
        else:
            logits = head(cls_features(outputs["hidden_states"], features))  # (B, K)
        super().__init__(inputs=inputs, outputs=logits, **kwargs)
        self.backbone = backbone
        self.num_classes = num_classes
        self.dropout = dropout
        self.features = features
        self.head = head

    def _task_config(self):
        return {"num_classes": self.num_classes, "dropout": self.dropout, "features": self.features}


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


__all__ = ["FEATURES", "BertBackbone", "BertClassifier", "BertSpanExtractor", "BertTokenTagger",
           "check_features", "cls_features"]
