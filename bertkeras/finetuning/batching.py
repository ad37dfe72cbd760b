"""Feeding fine-tuning: examples batched by length, as a ``tf.data`` pipeline.

Texts differ in length (SMS messages are 19 WordPieces long on median, reviews hundreds), so padding every
example to ``max_length`` wastes most of the compute. :func:`length_batches` groups examples of similar
length; each batch is then padded only to its own longest row (:func:`~bertkeras.tokenization.packing.pad_batch`).
:func:`length_batched_dataset` turns that into the ``tf.data`` stream every fine-tuning loop here trains on
(classification, tagging, span extraction): reshuffled on every pass when it repeats.
"""

from __future__ import annotations

import math

import numpy as np


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


__all__ = ["length_batched_dataset", "length_batches"]
