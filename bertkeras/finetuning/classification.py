"""Fine-tune a pre-trained BERT on a text-classification data set: BERT's recipe in one function.

:func:`finetune` does what the paper's §3.5 / Appendix A.3 describe, with the course's data sets:

1. copy the pre-trained backbone (the original stays untouched, so one loaded model can be fine-tuned
   several ways) - or, for the ablation, build a randomly initialised one of the same size
   (``from_scratch=True``) - and put a :class:`~bertkeras.model.task_models.BertClassifier` head on ``[CLS]``;
2. train everything with :func:`~bertkeras.pretraining.optimization.bert_optimizer` (AdamW, 10 % warm-up then linear
   decay, clip 1.0) and a small peak rate (5e-5), a few epochs, in the precision
   :func:`~bertkeras.pretraining.optimization.training_precision` picks (mixed + XLA on a GPU, float32 on a CPU);
   ``feature_based=True`` freezes the backbone and trains the head only, on the pooled ``[CLS]`` vector or,
   with ``features=``, on the ``[CLS]`` vectors of other layers (``"last4_concat"``: the last four
   concatenated, the paper's best feature-based choice, §5.3);
3. weigh classes inversely to their frequency (``class_weight="balanced"``) on unbalanced data, stop
   early when the validation loss stops improving and keep the best epoch's weights;
4. for a binary task, tune the decision threshold on validation (max F1).

Example:
    >>> from bertkeras import load_pretrained, datasets
    >>> clf = finetune(load_pretrained(), None, datasets.load("sms_spam"), epochs=3)  # doctest: +SKIP
    >>> clf.predict(["WINNER! Claim your free prize now, txt WIN to 80086"]).labels  # doctest: +SKIP
    array([1])
"""

from __future__ import annotations

import time
from pathlib import Path

import keras
import numpy as np

from bertkeras.evaluation.metrics import classification_metrics, tune_threshold
from bertkeras.finetuning.text_classifier import TextClassifier
from bertkeras.finetuning.training import fit
from bertkeras.model.backbone import BertBackbone
from bertkeras.model.task_models import BertClassifier
from bertkeras.pretrained import load_pretrained
from bertkeras.pretraining.optimization import training_precision
from bertkeras.runtime import set_seed
from bertkeras.tokenization.packing import pad_batch, pair_segment_ids


def balanced_class_weights(labels, num_classes: int) -> np.ndarray:
    """``n / (classes * count_c)`` per class (scikit-learn's "balanced"); absent classes get 0.

    Example:
        >>> balanced_class_weights([0, 0, 0, 1], 2).tolist()
        [0.6666666666666666, 2.0]
    """
    counts = np.bincount(np.asarray(labels, np.int64), minlength=num_classes).astype(np.float64)
    return np.divide(counts.sum(), num_classes * counts, out=np.zeros_like(counts), where=counts > 0)


def resolve_backbone(pretrained_or_backbone, tokenizer, max_length: int | None = None):
    """(backbone, tokenizer) from a PretrainedBert, a directory path or a BertBackbone + tokenizer.

    Checks that the tokenizer fits the backbone and, if given, that ``max_length`` fits its positions.
    """
    source = pretrained_or_backbone
    if isinstance(source, str | Path):
        source = load_pretrained(source)
    if hasattr(source, "pretrainer") and hasattr(source, "backbone"):  # a PretrainedBert
        source, tokenizer = source.backbone, tokenizer or source.tokenizer
    elif tokenizer is None:
        raise ValueError("finetune got a bare backbone but no tokenizer; pass the tokenizer it was pre-trained "
                         "with, or pass load_pretrained(path) instead of its backbone")
    if max_length is not None and max_length > source.max_sequence_length:
        raise ValueError(f"max_length={max_length} exceeds the model's max_sequence_length="
                         f"{source.max_sequence_length}; pass max_length <= {source.max_sequence_length}")
    if tokenizer.vocabulary_size != source.vocabulary_size:
        raise ValueError(f"the tokenizer has {tokenizer.vocabulary_size} tokens but the backbone's vocabulary_size "
                         f"is {source.vocabulary_size}; use the tokenizer the backbone was pre-trained with")
    return source, tokenizer


def _feed(ids, labels, weights, tokenizer):
    """``(lengths, make_batch)`` for :func:`~bertkeras.finetuning.training.fit`: padded inputs, labels and
    per-example class weights; tokens after a row's first ``[SEP]`` get segment id 1 (sentence pairs)."""
    def make_batch(batch):
        y = labels[batch]
        rows = [ids[i] for i in batch]
        x = pad_batch(rows, tokenizer.pad_id, segment_ids=pair_segment_ids(rows, tokenizer.sep_id))
        return x, y.astype(np.int32), weights[y].astype(np.float32)

    return [len(row) for row in ids], make_batch


def _signature():
    import tensorflow as tf

    spec = tf.TensorSpec((None, None), tf.int32)
    return ({"token_ids": spec, "segment_ids": spec, "padding_mask": spec},
            tf.TensorSpec((None,), tf.int32), tf.TensorSpec((None,), tf.float32))


def finetune(pretrained_or_backbone, tokenizer, dataset, *, num_classes: int | None = None,
             learning_rate: float = 5e-5, batch_size: int = 32, epochs: int = 3, max_length: int = 128,
             class_weight: str | None = "balanced", feature_based: bool = False, features: str = "pooled",
             from_scratch: bool = False, seed: int = 42, patience: int = 1, warmup_fraction: float = 0.1,
             tune: bool = True, dropout: float = 0.1, max_steps_per_epoch: int | None = None, callbacks=None,
             verbose: int = 1) -> TextClassifier:
    """Fine-tune BERT for text classification and return a :class:`TextClassifier`.

    Args:
        pretrained_or_backbone: a :class:`~bertkeras.pretrained.PretrainedBert`, its directory, or a
            :class:`~bertkeras.model.backbone.BertBackbone` (then ``tokenizer`` is required). It is copied, not
            changed.
        tokenizer: the backbone's :class:`~bertkeras.tokenization.wordpiece.WordPieceTokenizer`; None takes the
            pretrained model's.
        dataset: a :class:`~bertkeras.datasets.TextDataset` (train and validation splits are used); its
            texts may be ``(text_a, text_b)`` pairs, packed ``[CLS] A [SEP] B [SEP]``.
        num_classes: default ``len(dataset.label_names)``.
        learning_rate: peak rate (BERT: 5e-5, 3e-5 or 2e-5; a frozen backbone wants ~1e-3).
        batch_size: examples per step.
        epochs: passes over the training split (fewer if early stopping triggers).
        max_length: WordPieces per text, ``[CLS]``/``[SEP]`` included (at most the model's positions).
        class_weight: ``"balanced"`` weighs each class's loss by ``n / (classes * count)``; None: all 1.
        feature_based: freeze the backbone; only the classification head learns.
        features: what the head reads (:data:`~bertkeras.model.task_models.FEATURES`): ``"pooled"`` (default),
            or the ``[CLS]`` vector of the ``"last"`` / ``"second_to_last"`` layer, or of the last four
            summed (``"last4_sum"``) or concatenated (``"last4_concat"``). Anything but ``"pooled"`` needs
            ``feature_based=True``: as in the paper, these are features of a frozen encoder.
        from_scratch: start from random weights of the same configuration (the no-pre-training ablation).
        seed: seeds weight initialisation, dropout (``keras.utils.set_random_seed``) and batch order.
        patience: epochs without a lower validation loss before stopping; the best weights are kept.
        warmup_fraction: share of the steps spent warming the learning rate up.
        tune: binary tasks: tune the decision threshold on validation (max F1) instead of 0.5.
        dropout: dropout before the classification layer.
        max_steps_per_epoch: cap the steps per epoch (quick runs).
        callbacks: extra Keras callbacks.
        verbose: 0 silent, 1 progress bar, 2 one line per epoch.

    Returns:
        The :class:`TextClassifier`; ``.history`` is the Keras ``History``, ``.info`` holds the run's facts
        (steps, seconds, precision policy, validation metrics).
    """
    source, tokenizer = resolve_backbone(pretrained_or_backbone, tokenizer, max_length)
    num_classes = num_classes or len(dataset.label_names)
    if len(dataset.label_names) != num_classes:
        raise ValueError(f"num_classes={num_classes} but the data set has {len(dataset.label_names)} label names")
    if class_weight not in ("balanced", None):
        raise ValueError(f"class_weight={class_weight!r}; use 'balanced' or None")
    train_labels = np.asarray(dataset.train.labels, np.int64)
    if train_labels.size == 0 or train_labels.max() >= num_classes:
        raise ValueError(f"training labels must be class ids in [0, {num_classes}); got "
                         f"{'none' if train_labels.size == 0 else train_labels.max()}")

    start = time.time()
    set_seed(seed)
    with training_precision() as precision:  # the caller's dtype policy comes back afterwards
        if features != "pooled" and not feature_based:
            raise ValueError(f"features={features!r} is the feature-based setup of BERT §5.3 (a frozen encoder); "
                             "pass feature_based=True, or features='pooled' to fine-tune the whole model")
        # built under the precision policy; hidden states add outputs, not weights, so set_weights still fits
        config = source.bert_config
        if feature_based:  # fixed features, as in §5.3: a frozen encoder runs without dropout
            config = config.replace(dropout=0.0, attention_dropout=0.0)
        backbone = BertBackbone.from_bert_config(config, return_hidden_states=features != "pooled")
        if not from_scratch:
            backbone.set_weights(source.get_weights())
        backbone.trainable = not feature_based
        model = BertClassifier(backbone, num_classes, dropout=dropout, features=features)
        classifier = TextClassifier(model, tokenizer, label_names=dataset.label_names, max_length=max_length)

        weights = (balanced_class_weights(train_labels, num_classes) if class_weight == "balanced"
                   else np.ones(num_classes))
        train_ids = classifier.encode(dataset.train.texts)
        val_ids = classifier.encode(dataset.validation.texts)
        val_labels = np.asarray(dataset.validation.labels, np.int64)
        history, fitted = fit(
            model, keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            train=_feed(train_ids, train_labels, weights, tokenizer),
            validation=_feed(val_ids, val_labels, np.ones(num_classes), tokenizer), signature=_signature(),
            learning_rate=learning_rate, batch_size=batch_size, epochs=epochs, seed=seed, patience=patience,
            warmup_fraction=warmup_fraction, max_steps_per_epoch=max_steps_per_epoch, callbacks=callbacks,
            verbose=verbose, jit_compile=precision["jit_compile"], weighted_metrics=["accuracy"])

        validation = None
        if len(val_ids):
            val_logits = classifier.logits_for_ids(val_ids)
            val_probs = np.exp(val_logits - val_logits.max(-1, keepdims=True))
            val_probs /= val_probs.sum(-1, keepdims=True)
            if tune and num_classes == 2:
                classifier.threshold = tune_threshold(val_labels, val_probs[:, 1])
            validation = classification_metrics(val_labels, val_probs, threshold=classifier.threshold)
    classifier.history = history
    classifier.info = {
        **fitted, "seconds": round(time.time() - start, 1), "learning_rate": learning_rate,
        "batch_size": batch_size, "max_length": max_length, "class_weight": class_weight,
        "class_weights": [float(w) for w in weights], "feature_based": feature_based, "features": features,
        "from_scratch": from_scratch, "seed": seed, "precision": precision["policy"],
        "jit_compile": precision["jit_compile"], "device": precision["device"], "validation": validation,
    }
    return classifier


__all__ = ["balanced_class_weights", "finetune", "resolve_backbone"]
