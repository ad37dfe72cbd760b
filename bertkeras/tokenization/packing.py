"""Packing: ``[CLS] A [SEP]`` or ``[CLS] A [SEP] B [SEP]``, its segment ids, and the padding of a batch.

BERT reads one sequence; a sentence pair becomes one by packing (paper §3, Figure 2)::

    tokens    [CLS]  the  cat  sat  [SEP]  it  purred  [SEP]  [PAD]  [PAD]
    segment   0      0    0    0    0      1   1       1      0      0
    mask      1      1    1    1    1      1   1       1      0      0

Segment 0 covers ``[CLS]``, A and its ``[SEP]``; segment 1 covers B and the final ``[SEP]``. When a pair is too
long, BERT shortens it one token at a time from the longer side, and does so in two ways:

* fine-tuning (``run_classifier.py``) cuts from the *end* of the longer side (:func:`truncate_pair`);
* pre-training (``create_pretraining_data.py``'s ``truncate_seq_pair``) cuts from its front or its back at
  random, so the model sees both sentence starts and sentence ends cut off (:func:`truncate_seq_pair`).

:func:`pack` is the one packer: the tokenizer, the text classifier, the NSP pairs of pre-training and the
question + context of span extraction all build their sequences with it, and :func:`pad_batch` turns packed
rows into the padded int32 arrays a model takes.
"""

from __future__ import annotations

import random

import numpy as np

#: Padded batches are rounded up to a multiple of this many positions (fewer distinct shapes to trace).
PAD_MULTIPLE = 16


def truncate_pair(a: list, b: list, max_tokens: int) -> None:
    """Shorten ``a`` and ``b`` in place, one token at a time from the end of the longer one (BERT, fine-tuning).

    Ties cut ``b``. A single text is ``b = []``: it is cut from its end.

    Example:
        >>> a, b = [1, 2, 3, 4, 5], [6, 7, 8]
        >>> truncate_pair(a, b, 6); a, b
        ([1, 2, 3], [6, 7, 8])
    """
    while len(a) + len(b) > max_tokens:
        (a if len(a) > len(b) else b).pop()


def truncate_seq_pair(tokens_a: list, tokens_b: list, max_num_tokens: int, rng: random.Random) -> None:
    """Shorten the pair in place to ``max_num_tokens``: drop from the longer side, front or back at random
    (BERT, pre-training). One ``rng.random()`` is drawn per dropped token.

    Example:
        >>> a, b = list(range(6)), [10, 11]
        >>> truncate_seq_pair(a, b, 5, random.Random(0)); a, b
        ([1, 2, 3], [10, 11])
    """
    while len(tokens_a) + len(tokens_b) > max_num_tokens:
        longer = tokens_a if len(tokens_a) > len(tokens_b) else tokens_b
        # Random side so the model sees both sentence starts and sentence ends cut off.
        if rng.random() < 0.5:
            del longer[0]
        else:
            longer.pop()


def pack(tokens_a, tokens_b=None, *, cls_id: int, sep_id: int, max_length: int | None = None,
         rng: random.Random | None = None) -> tuple[list[int], list[int]]:
    """``[CLS] A [SEP]`` (or ``[CLS] A [SEP] B [SEP]``) and its segment ids.

    Args:
        tokens_a, tokens_b: token ids (or tokens) of the segment(s), without special tokens; not changed.
        cls_id, sep_id: the ids of ``[CLS]`` and ``[SEP]``.
        max_length: if given, the packed length is at most this: the segments are shortened first, longest
            side first, from the end (:func:`truncate_pair`) or, with ``rng``, from a random end
            (:func:`truncate_seq_pair`). None: no truncation.
        rng: a ``random.Random`` for pre-training's random-end truncation.

    Example:
        >>> pack([7, 8], [9], cls_id=2, sep_id=3)
        ([2, 7, 8, 3, 9, 3], [0, 0, 0, 0, 1, 1])
        >>> pack([7, 8, 9, 10], cls_id=2, sep_id=3, max_length=4)
        ([2, 7, 8, 3], [0, 0, 0, 0])
        >>> pack([7, 8, 9, 10], [11], cls_id=2, sep_id=3, max_length=5)
        ([2, 7, 3, 11, 3], [0, 0, 0, 1, 1])
    """
    a = list(tokens_a)
    b = None if tokens_b is None else list(tokens_b)
    if max_length is not None:
        specials = 2 if b is None else 3
        if max_length < specials:
            raise ValueError(f"max_length={max_length} leaves no room: [CLS] A [SEP]"
                             f"{' B [SEP]' if b is not None else ''} needs at least {specials} positions")
        if rng is None:
            truncate_pair(a, b if b is not None else [], max_length - specials)
        else:
            truncate_seq_pair(a, b if b is not None else [], max_length - specials, rng)
    token_ids = [cls_id, *a, sep_id]
    segment_ids = [0] * len(token_ids)
    if b is not None:
        token_ids += [*b, sep_id]
        segment_ids += [1] * (len(b) + 1)
    return token_ids, segment_ids


def pair_segment_ids(ids: list[list[int]], sep_id: int) -> list[list[int]]:
    """Segment ids of packed rows: 0 up to and including the first ``[SEP]``, 1 after it.

    The tokenizer never produces ``[SEP]`` from text, so the first one always ends segment A; a single
    text ``[CLS] A [SEP]`` is all 0.

    Example:
        >>> pair_segment_ids([[2, 7, 3, 8, 9, 3], [2, 7, 3]], sep_id=3)
        [[0, 0, 0, 1, 1, 1], [0, 0, 0]]
    """
    out = []
    for row in ids:
        end_a = row.index(sep_id) + 1 if sep_id in row else len(row)
        out.append([0] * end_a + [1] * (len(row) - end_a))
    return out


def pad_batch(ids: list[list[int]], pad_id: int, multiple: int = PAD_MULTIPLE,
              segment_ids: list[list[int]] | None = None, *, length: int | None = None) -> dict[str, np.ndarray]:
    """Pad packed id lists to the longest, rounded up to ``multiple`` (or to exactly ``length``).

    ``segment_ids`` gives one 0/1 list per row (sentence pairs: 0 for ``[CLS] A [SEP]``, 1 for ``B [SEP]``);
    without it every segment id is 0. Padding gets segment 0 and mask 0.

    Example:
        >>> batch = pad_batch([[2, 7, 3], [2, 3]], pad_id=0, multiple=4)
        >>> batch["token_ids"].tolist(), batch["padding_mask"].tolist()
        ([[2, 7, 3, 0], [2, 3, 0, 0]], [[1, 1, 1, 0], [1, 1, 0, 0]])
        >>> pad_batch([[2, 7, 3, 8, 3]], 0, 4, segment_ids=[[0, 0, 0, 1, 1]])["segment_ids"].tolist()
        [[0, 0, 0, 1, 1, 0, 0, 0]]
        >>> pad_batch([[2, 7, 3]], 0, length=5)["token_ids"].tolist()
        [[2, 7, 3, 0, 0]]
    """
    if segment_ids is not None and [len(r) for r in segment_ids] != [len(r) for r in ids]:
        raise ValueError("segment_ids must have one list per row of ids, each as long as its row; got row "
                         f"lengths {[len(r) for r in segment_ids][:8]} for ids of {[len(r) for r in ids][:8]}")
    if length is None:
        length = -(-max(len(row) for row in ids) // multiple) * multiple
    elif ids and max(len(row) for row in ids) > length:
        raise ValueError(f"a row of {max(len(row) for row in ids)} tokens does not fit length={length}")
    token_ids = np.full((len(ids), length), pad_id, np.int32)
    segments = np.zeros((len(ids), length), np.int32)
    mask = np.zeros((len(ids), length), np.int32)
    for i, row in enumerate(ids):
        token_ids[i, :len(row)] = row
        mask[i, :len(row)] = 1
        if segment_ids is not None:
            segments[i, :len(row)] = segment_ids[i]
    return {"token_ids": token_ids, "segment_ids": segments, "padding_mask": mask}


__all__ = ["PAD_MULTIPLE", "pack", "pad_batch", "pair_segment_ids", "truncate_pair", "truncate_seq_pair"]
