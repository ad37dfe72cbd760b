"""``BertPretrainer``: the backbone with BERT's two pre-training heads and their joint loss.

    token_ids, segment_ids, padding_mask ──► BertBackbone ──► sequence_output ──► MaskedLMHead ──► mlm_logits
                                                         └──► pooled_output ([CLS]) ──► NSPHead ──► nsp_logits
    mask_positions ────────────────────────────────────────────────────────────┘ (which tokens to predict)

loss = masked-LM cross-entropy over the chosen positions only (padding slots have weight 0)
     + next-sentence cross-entropy on ``[CLS]``.

``use_nsp=False`` drops the NSP head and its loss (RoBERTa found NSP unnecessary); the data stay the
same, so the two can be compared on identical batches. The model consumes the ``(inputs, targets)``
batches of :func:`bertkeras.pretraining.pipeline.pretraining_dataset` directly: ``fit(dataset)``.
"""

from __future__ import annotations

import keras
from keras import ops

from bertkeras.model.backbone import INPUT_NAMES
from bertkeras.model.heads import MaskedLMHead, NSPHead, masked_lm_loss


def _share_of_replicas(loss):
    """``loss`` divided by the number of replicas in sync (1 without a ``tf.distribute`` strategy)."""
    if keras.backend.backend() != "tensorflow":  # other backends: no tf.distribute, nothing to divide
        return loss
    import tensorflow as tf  # the strategy API; the model itself stays in keras.ops

    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    return loss / replicas if replicas > 1 else loss


@keras.saving.register_keras_serializable(package="bertkeras")
class MaskedLMPerplexity(keras.metrics.Metric):
    """exp(mean masked-LM cross-entropy over all predicted tokens seen so far)."""

    def __init__(self, name="mlm_perplexity", **kwargs):
        super().__init__(name=name, **kwargs)
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")

    def update_state(self, mask_ids, logits, mask_weights):
        weights = ops.cast(mask_weights, "float32")
        ce = keras.losses.sparse_categorical_crossentropy(ops.cast(mask_ids, "int32"), logits, from_logits=True)
        self.total.assign_add(ops.sum(ce * weights))
        self.count.assign_add(ops.sum(weights))

    def result(self):
        return ops.exp(self.total / ops.maximum(self.count, 1e-5))


@keras.saving.register_keras_serializable(package="bertkeras")
class BertPretrainer(keras.Model):
    """Masked-LM (+ next-sentence) pre-training around a :class:`~bertkeras.model.backbone.BertBackbone`.

    Args:
        backbone: the encoder to pre-train; its token embedding is tied to the masked-LM decoder.
        use_nsp: add the NSP head and loss (BERT); False trains masked-LM only (RoBERTa).
        **kwargs: passed to ``keras.Model``.

    Inputs: the backbone's ``token_ids``, ``segment_ids``, ``padding_mask`` plus ``mask_positions``
    (B, P). Outputs: ``{"mlm_logits": (B, P, V), "nsp_logits": (B, 2)}`` (float32). ``fit`` expects the
    targets ``{"mask_ids", "mask_weights", "nsp_labels"}`` and reports ``loss``, ``mlm_loss``,
    ``mlm_accuracy``, ``mlm_perplexity`` and, with NSP, ``nsp_loss`` and ``nsp_accuracy``.

    Example:
        >>> import numpy as np
        >>> from bertkeras import BertBackbone
        >>> backbone = BertBackbone(vocabulary_size=30, num_layers=1, num_heads=2, hidden_dim=8,
        ...                         intermediate_dim=16, max_sequence_length=8)
        >>> model = BertPretrainer(backbone)
        >>> x = {"token_ids": np.full((2, 8), 5), "segment_ids": np.zeros((2, 8), "int32"),
        ...      "padding_mask": np.ones((2, 8), "int32"), "mask_positions": np.array([[1, 2], [3, 0]])}
        >>> y = {"mask_ids": np.array([[6, 7], [8, 0]]), "mask_weights": np.array([[1., 1.], [1., 0.]]),
        ...      "nsp_labels": np.array([0, 1])}
        >>> out = model(x)
        >>> tuple(out["mlm_logits"].shape), tuple(out["nsp_logits"].shape)
        ((2, 2, 30), (2, 2))
        >>> model.compile(optimizer="adam")
        >>> sorted(model.evaluate(x, y, verbose=0, return_dict=True))
        ['loss', 'mlm_accuracy', 'mlm_loss', 'mlm_perplexity', 'nsp_accuracy', 'nsp_loss']
    """

    def __init__(self, backbone, use_nsp=True, **kwargs):
        inputs = {name: keras.Input(shape=(None,), dtype="int32", name=name) for name in INPUT_NAMES}
        inputs["mask_positions"] = keras.Input(shape=(None,), dtype="int32", name="mask_positions")
        features = backbone({name: inputs[name] for name in INPUT_NAMES})
        mlm_head = MaskedLMHead(backbone.token_embedding, backbone.layer_norm_epsilon, backbone.initializer_range,
                                backbone.hidden_activation, dtype=backbone.dtype_policy, name="mlm_head")
        outputs = {"mlm_logits": mlm_head(features["sequence_output"], inputs["mask_positions"])}  # (B, P, V)
        nsp_head = None
        if use_nsp:
            nsp_head = NSPHead(initializer_range=backbone.initializer_range, dtype=backbone.dtype_policy,
                               name="nsp_head")
            outputs["nsp_logits"] = nsp_head(features["pooled_output"])  # (B, 2)
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        self.backbone = backbone
        self.use_nsp = use_nsp
        self.mlm_head = mlm_head
        self.nsp_head = nsp_head
        # Metrics assigned as attributes are tracked by Keras and reset at every epoch.
        self.mlm_loss_tracker = keras.metrics.Mean(name="mlm_loss")
        self.mlm_accuracy = keras.metrics.SparseCategoricalAccuracy(name="mlm_accuracy")
        self.mlm_perplexity = MaskedLMPerplexity()
        if use_nsp:
            self.nsp_loss_tracker = keras.metrics.Mean(name="nsp_loss")
            self.nsp_accuracy = keras.metrics.SparseCategoricalAccuracy(name="nsp_accuracy")

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        mlm = masked_lm_loss(y["mask_ids"], y_pred["mlm_logits"], y["mask_weights"])
        self.mlm_loss_tracker.update_state(mlm)
        total = mlm
        if self.use_nsp:
            nsp = ops.mean(keras.losses.sparse_categorical_crossentropy(
                ops.cast(y["nsp_labels"], "int32"), y_pred["nsp_logits"], from_logits=True))
            self.nsp_loss_tracker.update_state(nsp)
            total = total + nsp
        if self.losses:
            total = total + ops.sum(self.losses)
        # Under a tf.distribute strategy every replica computes the mean over its own share of the batch and
        # the gradients are summed across replicas, so each replica's loss is divided by their number (what
        # Keras does in its own compute_loss); without a strategy this is a no-op.
        return _share_of_replicas(total)

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        self.mlm_accuracy.update_state(y["mask_ids"], y_pred["mlm_logits"], sample_weight=y["mask_weights"])
        self.mlm_perplexity.update_state(y["mask_ids"], y_pred["mlm_logits"], y["mask_weights"])
        if self.use_nsp:
            self.nsp_accuracy.update_state(y["nsp_labels"], y_pred["nsp_logits"])
        return self.get_metrics_result()

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable,
                "backbone": keras.saving.serialize_keras_object(self.backbone), "use_nsp": self.use_nsp}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["backbone"] = keras.saving.deserialize_keras_object(config["backbone"])
        return cls(**config)
