"""The pre-training input pipeline: NSP pairs (Python, seeded) -> batched ``tf.data`` with MLM masking.

Pairs are made once in Python (:mod:`bertkeras.pretraining.nsp_pairs`) and kept as arrays; the masking runs in the
TensorFlow graph on each batch, following the same rules as the reference :func:`bertkeras.pretraining.masking.mask_tokens`
(15 % of non-special tokens, ``round(n * 0.15)`` at least 1 and at most ``max_predictions_per_seq``;
80 % ``[MASK]`` / 10 % random non-special token / 10 % unchanged; optional whole-word masking).

Training data is masked *dynamically*: every pass over the dataset draws new masks (RoBERTa's finding:
the model never sees the same masked copy twice). The randomness comes from stateless random ops whose
seeds are read from ``tf.data.Dataset.random(seed, rerandomize_each_iteration=True)``, so one ``seed``
fixes the whole stream: two runs with the same seed see the same masks in the same epoch. Evaluation data
is masked once with fixed seeds and cached, so validation numbers are comparable across runs and epochs.

Element format (what ``BertPretrainer`` consumes), each batch a tuple ``(inputs, targets)``:

``inputs`` (dict):
    * ``token_ids``       int32 ``[batch, max_sequence_length]``: ``[CLS] A [SEP] B [SEP] [PAD]...`` with
      the masked positions already replaced (``[MASK]``, a random token, or left as is);
    * ``segment_ids``     int32 ``[batch, max_sequence_length]``: 0 for ``[CLS] A [SEP]`` and padding,
      1 for ``B [SEP]``;
    * ``padding_mask``    int32 ``[batch, max_sequence_length]``: 1 for real tokens, 0 for padding;
    * ``mask_positions``  int32 ``[batch, max_predictions_per_seq]``: indices into the sequence of the
      tokens to predict, ascending, padded with 0.

``targets`` (dict):
    * ``mask_ids``        int32 ``[batch, max_predictions_per_seq]``: the original ids at ``mask_positions``
      (0 in padding slots);
    * ``mask_weights``    float32 ``[batch, max_predictions_per_seq]``: 1.0 for a real prediction, 0.0 for
      a padding slot (a row with nothing maskable is all zeros; normalise the MLM loss by
      ``max(sum(mask_weights), eps)``, see :func:`masked_lm_loss`);
    * ``nsp_labels``      int32 ``[batch]``: 0 = ``IsNext`` (B follows A), 1 = ``NotNext`` (B is random).

The names follow keras-hub's ``MaskedLMMaskGenerator`` (``mask_positions``, ``mask_ids``,
``mask_weights``) and BERT's ``next_sentence_labels`` convention.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import numpy as np
import tensorflow as tf

from bertkeras.model.heads import masked_lm_loss  # noqa: F401  (its loss, importable from here as before)
from bertkeras.pretraining.masking import special_ids
from bertkeras.pretraining.nsp_pairs import create_nsp_pairs, pack_pairs, tokenize_documents
from bertkeras.tokenization.fast_tokenizer import FastWordPieceTokenizer
from bertkeras.tokenization.vocabulary import CONTINUATION, SPECIAL_TOKENS


class TFMasker:
    """BERT masking for a batch of packed sequences in the TF graph, driven by a stateless seed.

    Args:
        vocabulary: the token list (specials and ``##`` pieces are read from it).
        mask_rate, max_predictions_per_seq, whole_word, mask_token_rate, random_token_rate: as in
            :func:`bertkeras.pretraining.masking.mask_tokens`.

    The selection is the reference's: words in a random order, each taken while it still fits
    ``num_to_predict`` (a ``tf.scan`` over the words); only the random numbers differ.

    Example:
        >>> vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "sat", "on", "mat", "##s"]
        >>> masker = TFMasker(vocab, max_predictions_per_seq=3)
        >>> out = masker(tf.constant([[2, 5, 6, 7, 8, 5, 9, 10, 3, 0]]), tf.constant([1, 2], tf.int64))
        >>> {k: v.shape.as_list() for k, v in out.items()}
        {'token_ids': [1, 10], 'mask_positions': [1, 3], 'mask_ids': [1, 3], 'mask_weights': [1, 3]}
        >>> float(tf.reduce_sum(out["mask_weights"]))  # round(7 * 0.15) = 1 token chosen
        1.0
    """

    def __init__(self, vocabulary: Sequence[str], *, mask_rate: float = 0.15, max_predictions_per_seq: int = 20,
                 whole_word: bool = False, mask_token_rate: float = 0.8, random_token_rate: float = 0.1):
        if max_predictions_per_seq < 1:
            raise ValueError(f"max_predictions_per_seq={max_predictions_per_seq}; it must be >= 1 (BERT: 20)")
        if not 0.0 <= mask_rate <= 1.0 or mask_token_rate + random_token_rate > 1.0:
            raise ValueError(f"bad masking rates (mask_rate={mask_rate}, mask_token_rate={mask_token_rate}, "
                             f"random_token_rate={random_token_rate}); use rates in [0, 1] with "
                             f"mask_token_rate + random_token_rate <= 1 (BERT: 0.15, 0.8, 0.1)")
        self.vocabulary = list(vocabulary)
        self.mask_rate = mask_rate
        self.max_predictions_per_seq = max_predictions_per_seq
        self.whole_word = whole_word
        self.mask_token_rate = mask_token_rate
        self.random_token_rate = random_token_rate
        specials = special_ids(self.vocabulary)
        self.mask_id = specials[SPECIAL_TOKENS.index("[MASK]")]
        is_special = np.zeros(len(self.vocabulary), dtype=bool)
        is_special[specials] = True
        is_continuation = np.array([t.startswith(CONTINUATION) for t in self.vocabulary], dtype=bool)
        self._is_special = tf.constant(is_special)
        self._is_continuation = tf.constant(is_continuation)
        self._regular_ids = tf.constant(np.flatnonzero(~is_special).astype(np.int32))  # random-token pool

    def __call__(self, token_ids: tf.Tensor, seed: tf.Tensor) -> dict[str, tf.Tensor]:
        """Mask ``token_ids`` (int ``[batch, seq]``) with the stateless ``seed`` (int ``[2]``)."""
        token_ids = tf.cast(token_ids, tf.int32)
        batch, length = tf.shape(token_ids)[0], tf.shape(token_ids)[1]
        seeds = tf.random.experimental.stateless_split(tf.cast(seed, tf.int64), num=4)
        positions = tf.broadcast_to(tf.range(length)[None, :], [batch, length])  # [B, L]

        maskable = ~tf.gather(self._is_special, token_ids)  # [B, L]
        if self.whole_word:
            previous = tf.pad(maskable[:, :-1], [[0, 0], [1, 0]])  # was the token before maskable?
            starts = maskable & ~(tf.gather(self._is_continuation, token_ids) & previous)
        else:
            starts = maskable
        word_id = tf.cumsum(tf.cast(starts, tf.int32), axis=1) - 1  # [B, L], word index within the row
        word_id = tf.maximum(word_id, 0)
        n_maskable = tf.reduce_sum(tf.cast(maskable, tf.float32), axis=1)  # [B]
        target = tf.minimum(float(self.max_predictions_per_seq),
                            tf.maximum(1.0, tf.round(n_maskable * self.mask_rate)))
        target = tf.cast(tf.where(n_maskable > 0, target, 0.0), tf.int32)  # [B]

        # Length of every word, indexed [row, word]; words past the last one have length 0.
        flat_word = word_id + tf.range(batch)[:, None] * length  # row-unique word ids
        word_len = tf.reshape(tf.math.unsorted_segment_sum(
            tf.cast(maskable, tf.int32), flat_word, batch * length), [batch, length])  # [B, W=L]
        # A random order of the words: sort random scores (non-words last).
        word_score = tf.where(word_len > 0, tf.random.stateless_uniform([batch, length], seeds[0]), 2.0)
        order = tf.argsort(word_score, axis=1, stable=True)  # [B, W]
        sorted_len = tf.gather(word_len, order, batch_dims=1)  # [B, W]

        if self.whole_word:
            # Walk the words in that order, taking a word when it still fits (BERT skips one that overshoots).
            def take(count, lengths):  # count [B]: tokens chosen so far; lengths [B]: this word's length
                fits = (lengths > 0) & (count + lengths <= target)
                return count + tf.where(fits, lengths, 0)

            counts = tf.scan(take, tf.transpose(sorted_len), initializer=tf.zeros([batch], tf.int32))  # [W, B]
            before = tf.concat([tf.zeros([1, batch], tf.int32), counts[:-1]], axis=0)
            sorted_taken = tf.transpose(counts > before)  # [B, W]: the count grew, so this word was taken
            word_taken = tf.gather(sorted_taken, tf.argsort(order, axis=1, stable=True), batch_dims=1)  # unsort
            chosen = maskable & tf.gather(word_taken, word_id, batch_dims=1)  # [B, L]
        else:  # every word is one token, so each fits until the count is reached: the first `target` words
            word_taken = tf.argsort(order, axis=1, stable=True) < target[:, None]  # rank < target
            chosen = maskable & tf.gather(word_taken, word_id, batch_dims=1)

        draw = tf.random.stateless_uniform([batch, length], seeds[1])
        random_ids = tf.gather(self._regular_ids, tf.random.stateless_uniform(
            [batch, length], seeds[2], maxval=tf.shape(self._regular_ids)[0], dtype=tf.int32))
        replacement = tf.where(draw < self.mask_token_rate, self.mask_id,
                               tf.where(draw < self.mask_token_rate + self.random_token_rate, random_ids, token_ids))
        masked = tf.where(chosen, replacement, token_ids)

        # Chosen positions first (ascending), then the rest; keep max_predictions_per_seq of them.
        k = self.max_predictions_per_seq
        key = tf.where(chosen, positions, positions + length)
        picked = tf.argsort(key, axis=1, stable=True)[:, :k]
        picked = tf.pad(picked, [[0, 0], [0, tf.maximum(0, k - length)]])  # sequences shorter than k
        weights = tf.cast(tf.gather(chosen, picked, batch_dims=1), tf.int32)
        weights = weights * tf.cast(tf.range(k)[None, :] < length, tf.int32)
        mask_positions = picked * weights
        mask_ids = tf.gather(token_ids, mask_positions, batch_dims=1) * weights
        return {
            "token_ids": masked,
            "mask_positions": tf.ensure_shape(mask_positions, [None, k]),
            "mask_ids": tf.ensure_shape(mask_ids, [None, k]),
            "mask_weights": tf.ensure_shape(tf.cast(weights, tf.float32), [None, k]),
        }


def tokenize_documents_fast(documents, tokenizer, batch_size: int = 4096) -> list[list[list[int]]]:
    """Token ids of every sentence, via the in-graph tokenizer (same ids as the reference, ~10x faster)."""
    fast = FastWordPieceTokenizer.from_reference(tokenizer)
    flat = [s for doc in documents for s in doc]
    ids: list[list[int]] = []
    for start in range(0, len(flat), batch_size):
        ids += fast.tokenize(flat[start:start + batch_size]).to_list()
    out, i = [], 0
    for doc in documents:
        out.append(ids[i:i + len(doc)])
        i += len(doc)
    return out


def make_pretraining_arrays(
    documents: Sequence[Sequence[str]],
    tokenizer,
    *,
    seed: int = 42,
    max_sequence_length: int = 128,
    short_seq_prob: float = 0.1,
    dupe_factor: int = 1,
    fast: bool = False,
) -> dict[str, np.ndarray]:
    """Documents of sentence strings -> packed NSP pairs as arrays (see :func:`bertkeras.pretraining.nsp_pairs.pack_pairs`).

    Cheap to save with ``np.savez`` and reuse: the pairs depend only on the documents, tokenizer and seed.
    ``fast=True`` tokenizes with :class:`~bertkeras.tokenization.fast_tokenizer.FastWordPieceTokenizer`
    (the same ids, ~10x faster; what ``pretrain`` uses on a whole corpus).
    """
    token_docs = (tokenize_documents_fast if fast else tokenize_documents)(documents, tokenizer)
    pairs = create_nsp_pairs(token_docs, rng=random.Random(seed), max_sequence_length=max_sequence_length,
                             short_seq_prob=short_seq_prob, dupe_factor=dupe_factor)
    return pack_pairs(pairs, max_sequence_length, cls_id=tokenizer.cls_id, sep_id=tokenizer.sep_id,
                      pad_id=tokenizer.pad_id)


def pretraining_dataset(
    arrays: dict[str, np.ndarray],
    vocabulary: Sequence[str],
    *,
    batch_size: int = 32,
    training: bool = True,
    seed: int = 42,
    max_predictions_per_seq: int = 20,
    mask_rate: float = 0.15,
    whole_word: bool = False,
    drop_remainder: bool = False,
) -> tf.data.Dataset:
    """Batched, masked ``tf.data.Dataset`` of ``(inputs, targets)`` from packed pair arrays.

    Args:
        arrays: ``token_ids``, ``segment_ids``, ``padding_mask``, ``nsp_labels`` from
            :func:`make_pretraining_arrays` / :func:`bertkeras.pretraining.nsp_pairs.pack_pairs`.
        vocabulary: the tokenizer's token list (``tokenizer.vocabulary``).
        batch_size: examples per batch.
        training: True shuffles every epoch and draws new masks every epoch; False keeps the order, masks
            once with fixed seeds and caches the result (comparable validation numbers).
        seed: the one seed for the shuffle order and the masks.
        max_predictions_per_seq, mask_rate, whole_word: masking options (see :class:`TFMasker`).
        drop_remainder: drop the last short batch (static batch size, e.g. for TPUs).

    Returns:
        a dataset of ``(inputs, targets)`` in the format the module docstring describes.
    """
    required = ("token_ids", "segment_ids", "padding_mask", "nsp_labels")
    missing = [k for k in required if k not in arrays]
    if missing:
        raise ValueError(f"pair arrays lack {missing}; build them with make_pretraining_arrays() or "
                         f"nsp_pairs.pack_pairs(), which return {required}")
    n = len(arrays["nsp_labels"])
    if n == 0:
        raise ValueError("no pre-training pairs to feed; pass more (or longer) documents")
    if batch_size < 1:
        raise ValueError(f"batch_size={batch_size}; it must be >= 1")
    masker = TFMasker(vocabulary, mask_rate=mask_rate, max_predictions_per_seq=max_predictions_per_seq,
                      whole_word=whole_word)

    ds = tf.data.Dataset.from_tensor_slices({k: np.asarray(arrays[k], dtype=np.int32) for k in required})
    if training:
        ds = ds.shuffle(n, seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    # Two int64 numbers per batch form the stateless seed; with rerandomize_each_iteration the stream
    # differs per epoch but is the same for the same seed.
    seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=training).batch(2)
    ds = tf.data.Dataset.zip((ds, seeds))

    def to_model_inputs(batch, batch_seed):
        masked = masker(batch["token_ids"], batch_seed)
        inputs = {"token_ids": masked["token_ids"], "segment_ids": batch["segment_ids"],
                  "padding_mask": batch["padding_mask"], "mask_positions": masked["mask_positions"]}
        targets = {"mask_ids": masked["mask_ids"], "mask_weights": masked["mask_weights"],
                   "nsp_labels": batch["nsp_labels"]}
        return inputs, targets

    ds = ds.map(to_model_inputs, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    if not training:
        ds = ds.cache()  # mask once: every evaluation pass sees exactly the same masks
    return ds.prefetch(tf.data.AUTOTUNE)
