"""How every fine-tuning run trains: examples batched by length, fed by ``tf.data``, one fit loop.

Texts differ in length (SMS messages are 19 WordPieces long on median, reviews hundreds), so padding every
example to ``max_length`` wastes most of the compute. :func:`length_batches` groups examples of similar
length; each batch is then padded only to its own longest row (:func:`~bertkeras.tokenization.packing.pad_batch`).
:func:`length_batched_dataset` turns that into a ``tf.data`` stream, reshuffled on every pass when it
repeats, and :func:`fit` is BERT's fine-tuning loop around it (§3.5: AdamW with warm-up and linear decay,
a few epochs, early stopping on the validation loss) that classification, tagging and span extraction share.
"""

from __future__ import annotations

import math

import keras
import numpy as np

from bertkeras.pretraining.optimization import bert_optimizer


def length_batches(lengths, batch_size: int, rng: np.random.Generator | None = None,
                   pool_batches: int = 50) -> list[np.ndarray]:
    """Index batches of similar length, so little padding is needed.

    Without ``rng``: all examples sorted by length (prediction; order is restored afterwards). With
    ``rng``: shuffle, sort within pools of ``pool_batches`` batches, cut into batches, shuffle the batch
    order (training: every epoch differs, every batch is still homogeneous).

    Example:
        >>> [b.tolist() for b in length_batches([5, 1, 4, 2, 3], batch_size=2)]
        [[1, 3], [4, 2], [0]]
    """
    lengths = np.asarray(lengths)
    if batch_size < 1:
        raise ValueError(f"batch_size={batch_size}; it must be >= 1")
    if rng is None:
        order = np.argsort(lengths, kind="stable")
        return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    order = rng.permutation(len(lengths))
    pool = batch_size * pool_batches
    batches = []
    for start in range(0, len(order), pool):
        chunk = order[start:start + pool]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches += [chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def length_batched_dataset(lengths, make_batch, signature, batch_size: int, rng: np.random.Generator | None,
                           repeat: bool):
    """A ``tf.data.Dataset`` of ``make_batch(indices)`` for the :func:`length_batches` of ``lengths``.

    Args:
        lengths: the length of each example (what batches are grouped by).
        make_batch: ``indices -> element`` (e.g. ``(inputs, labels, sample_weights)``) for one batch.
        signature: the ``tf.TensorSpec`` structure of an element.
        batch_size: examples per batch.
        rng: a NumPy generator: a new shuffle on every pass (training); None: sorted by length, in order.
        repeat: repeat endlessly (training, with ``steps_per_epoch``); otherwise one pass of known length.
    """
    import tensorflow as tf  # only here: fine-tuning's data helpers are plain NumPy until they are fed

    lengths = list(lengths)

    def generate():
        for batch in length_batches(lengths, batch_size, rng):
            yield make_batch(batch)

    ds = tf.data.Dataset.from_generator(generate, output_signature=signature)
    if repeat:
        return ds.repeat().prefetch(2)
    # a known length keeps Keras from warning that the (finite) validation data "ran out"
    return ds.apply(tf.data.experimental.assert_cardinality(math.ceil(len(lengths) / batch_size))).prefetch(2)


def fit(model, loss, *, train, validation, signature, learning_rate: float, batch_size: int, epochs: int, seed: int,
        patience: int | None, warmup_fraction: float, max_steps_per_epoch: int | None, callbacks, verbose: int,
        jit_compile: bool, **compile_kwargs):
    """Compile ``model`` with :func:`~bertkeras.pretraining.optimization.bert_optimizer` and fit it.

    Args:
        model, loss: the Keras model and its loss (``compile_kwargs`` go to ``compile`` too).
        train, validation: ``(lengths, make_batch)`` each (:func:`length_batched_dataset`); validation may be
            None. Training batches are reshuffled every epoch (seeded by ``seed``); validation batches are
            twice as large and in a fixed order.
        patience: stop after this many epochs without a lower validation loss and keep the best weights
            (None: no early stopping).
        max_steps_per_epoch: cap the steps per epoch (quick runs); the warm-up is ``warmup_fraction`` of all.

    Returns:
        ``(history, info)``, ``info`` with ``epochs_run``, ``steps_per_epoch`` and ``total_steps``.
    """
    train_lengths, make_train_batch = train
    steps_per_epoch = math.ceil(len(train_lengths) / batch_size)
    if max_steps_per_epoch:
        steps_per_epoch = min(steps_per_epoch, max_steps_per_epoch)
    total_steps = steps_per_epoch * epochs
    optimizer = bert_optimizer(learning_rate, total_steps=total_steps,
                               warmup_steps=int(round(warmup_fraction * total_steps)))
    model.compile(optimizer=optimizer, loss=loss, jit_compile=jit_compile, **compile_kwargs)
    rng = np.random.default_rng(seed)
    train_ds = length_batched_dataset(train_lengths, make_train_batch, signature, batch_size, rng, repeat=True)
    val_ds = None
    if validation is not None and len(validation[0]):
        val_ds = length_batched_dataset(*validation[:2], signature, batch_size * 2, None, repeat=False)
    cbs = list(callbacks or [])
    if val_ds is not None and patience is not None:
        cbs.append(keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True))
    history = model.fit(train_ds, epochs=epochs, steps_per_epoch=steps_per_epoch, validation_data=val_ds,
                        callbacks=cbs, verbose=verbose, shuffle=False)
    return history, {"epochs_run": len(history.history.get("loss", [])), "steps_per_epoch": steps_per_epoch,
                     "total_steps": total_steps}


__all__ = ["fit", "length_batched_dataset", "length_batches"]
