"""Next-sentence-prediction pairs, made the way google-research/bert's ``create_pretraining_data.py`` does.

From documents (lists of sentences, already turned into token ids) to packed pairs
``[CLS] A [SEP] B [SEP]``:

* segments are filled sentence by sentence up to a target length, which is the full budget
  (``max_sequence_length - 3``, room for [CLS] and two [SEP]) except with probability
  ``short_seq_prob`` (0.1) where it is drawn shorter, so the model also sees short inputs;
* the sentences gathered so far are cut at a random point: the front is A; half the time B is the
  true continuation (``IsNext``, label 0), otherwise B comes from a random other document
  (``NotNext``, label 1) and the unused sentences of this document are put back for the next pair;
* a pair that is too long loses tokens from the longer side, at random from its front or back
  (BERT's ``truncate_seq_pair``, :func:`bertkeras.tokenization.packing.truncate_seq_pair`), so neither side
  always loses its ending;
* the whole corpus is walked ``dupe_factor`` times (each walk cuts differently) and the pairs shuffled.

One ``random.Random`` passed in drives every choice: the same seed gives the same pairs.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bertkeras.tokenization.packing import pack, pad_batch, truncate_seq_pair

IS_NEXT, NOT_NEXT = 0, 1


@dataclass(frozen=True)
class NSPPair:
    """One pre-training pair before packing: ``tokens_a``, ``tokens_b`` (ids) and whether B is random."""

    tokens_a: tuple[int, ...]
    tokens_b: tuple[int, ...]
    is_random_next: bool

    @property
    def nsp_label(self) -> int:
        """0 for ``IsNext`` (B follows A), 1 for ``NotNext`` (B from another document), as in BERT."""
        return NOT_NEXT if self.is_random_next else IS_NEXT


def pairs_from_document(
    documents: Sequence[Sequence[Sequence[int]]],
    document_index: int,
    *,
    max_sequence_length: int,
    short_seq_prob: float,
    rng: random.Random,
) -> list[NSPPair]:
    """All pairs one pass over ``documents[document_index]`` gives (BERT's ``create_instances_from_document``)."""
    document = documents[document_index]
    max_num_tokens = max_sequence_length - 3  # [CLS] A [SEP] B [SEP]
    target_seq_length = max_num_tokens
    if rng.random() < short_seq_prob:
        target_seq_length = rng.randint(2, max_num_tokens)

    pairs: list[NSPPair] = []
    chunk: list[Sequence[int]] = []
    chunk_length = 0
    i = 0
    while i < len(document):
        chunk.append(document[i])
        chunk_length += len(document[i])
        if i == len(document) - 1 or chunk_length >= target_seq_length:
            a_end = rng.randint(1, len(chunk) - 1) if len(chunk) >= 2 else 1  # how many sentences go to A
            tokens_a = [t for sentence in chunk[:a_end] for t in sentence]
            tokens_b: list[int] = []
            is_random_next = len(chunk) == 1 or rng.random() < 0.5
            if is_random_next:
                target_b_length = target_seq_length - len(tokens_a)
                for _ in range(10):  # BERT tries 10 times to find a different document
                    random_index = rng.randint(0, len(documents) - 1)
                    if random_index != document_index:
                        break
                random_document = documents[random_index]
                for sentence in random_document[rng.randint(0, len(random_document) - 1):]:
                    tokens_b.extend(sentence)
                    if len(tokens_b) >= target_b_length:
                        break
                i -= len(chunk) - a_end  # put the unused sentences back: they start the next pair
            else:
                for sentence in chunk[a_end:]:
                    tokens_b.extend(sentence)
            truncate_seq_pair(tokens_a, tokens_b, max_num_tokens, rng)
            pairs.append(NSPPair(tuple(tokens_a), tuple(tokens_b), is_random_next))
            chunk, chunk_length = [], 0
        i += 1
    return pairs


def create_nsp_pairs(
    documents: Sequence[Sequence[Sequence[int]]],
    *,
    rng: random.Random,
    max_sequence_length: int = 128,
    short_seq_prob: float = 0.1,
    dupe_factor: int = 1,
) -> list[NSPPair]:
    """Pairs for next-sentence prediction from tokenised documents (lists of sentences of token ids).

    Args:
        documents: each document a list of sentences, each sentence a list of token ids (no specials).
            Empty sentences and empty documents are dropped.
        rng: a ``random.Random``; every choice comes from it, so the same seed gives the same pairs.
        max_sequence_length: length of the packed sequence including [CLS] and the two [SEP].
        short_seq_prob: probability of a shorter target length for a document pass (BERT: 0.1).
        dupe_factor: how many passes over the corpus (each with different cuts and partners).

    Returns:
        the pairs, shuffled.

    Example:
        >>> docs = [[[10, 11], [12], [13, 14]], [[20, 21, 22], [23]], [[30], [31, 32]]]
        >>> [(p.tokens_a, p.tokens_b, p.nsp_label) for p in create_nsp_pairs(
        ...     docs, rng=random.Random(0), max_sequence_length=8)]
        [((30,), (13, 14), 1), ((10, 11, 12), (13, 14), 0), ((20, 21, 22), (23,), 0), ((31, 32), (12, 13, 14), 1)]
    """
    if max_sequence_length < 5:
        raise ValueError(f"max_sequence_length={max_sequence_length} leaves no room for two segments after "
                         f"[CLS] A [SEP] B [SEP]; use at least 5 (BERT: 128 or 512)")
    if dupe_factor < 1:
        raise ValueError(f"dupe_factor={dupe_factor}; it must be >= 1 (BERT used 10)")
    if not 0.0 <= short_seq_prob <= 1.0:
        raise ValueError(f"short_seq_prob={short_seq_prob} is not a probability; use a value in [0, 1] (BERT: 0.1)")
    cleaned = [[list(s) for s in doc if len(s) > 0] for doc in documents]
    cleaned = [doc for doc in cleaned if doc]
    if len(cleaned) < 2:
        raise ValueError(f"NSP needs at least 2 non-empty documents to draw NotNext partners from, got "
                         f"{len(cleaned)}; pass more documents (each a list of tokenised sentences)")
    rng.shuffle(cleaned)  # BERT shuffles the documents once before the passes

    pairs: list[NSPPair] = []
    for _ in range(dupe_factor):
        for document_index in range(len(cleaned)):
            pairs.extend(pairs_from_document(cleaned, document_index, max_sequence_length=max_sequence_length,
                                             short_seq_prob=short_seq_prob, rng=rng))
    rng.shuffle(pairs)
    return pairs


def tokenize_documents(documents: Sequence[Sequence[str]], tokenizer) -> list[list[list[int]]]:
    """Turn documents of sentence strings into documents of token-id lists with ``tokenizer``.

    ``tokenizer`` is anything with ``tokenize`` and ``convert_tokens_to_ids`` (a ``WordPieceTokenizer``).
    """
    if isinstance(documents, str) or (documents and isinstance(documents[0], str)):
        raise TypeError("documents must be a list of documents, each a list of sentence strings "
                        "(e.g. bertkeras.datasets.corpus.pretraining_documents()); got a flat list of strings — "
                        "wrap it: [sentences]")
    return [[tokenizer.convert_tokens_to_ids(tokenizer.tokenize(s)) for s in doc] for doc in documents]


def pack_pairs(
    pairs: Sequence[NSPPair], max_sequence_length: int, *, cls_id: int, sep_id: int, pad_id: int = 0
) -> dict[str, np.ndarray]:
    """Pack pairs into fixed-size arrays ``[CLS] A [SEP] B [SEP] [PAD]...`` with segment ids 0 / 1
    (:func:`~bertkeras.tokenization.packing.pack`, :func:`~bertkeras.tokenization.packing.pad_batch`).

    Returns:
        ``token_ids``, ``segment_ids``, ``padding_mask`` (int32, ``[n, max_sequence_length]``) and
        ``nsp_labels`` (int32, ``[n]``; 1 = NotNext).

    Example:
        >>> out = pack_pairs([NSPPair((10, 11), (12,), False)], 8, cls_id=2, sep_id=3)
        >>> out["token_ids"].tolist(), out["segment_ids"].tolist(), out["padding_mask"].tolist(), out["nsp_labels"]
        ([[2, 10, 11, 3, 12, 3, 0, 0]], [[0, 0, 0, 0, 1, 1, 0, 0]], [[1, 1, 1, 1, 1, 1, 0, 0]], array([0], dtype=int32))
    """
    rows, segments = [], []
    for row, pair in enumerate(pairs):
        ids, segment_ids = pack(pair.tokens_a, pair.tokens_b, cls_id=cls_id, sep_id=sep_id)
        if len(ids) > max_sequence_length:
            raise ValueError(f"pair {row} packs to {len(ids)} tokens > max_sequence_length={max_sequence_length}; "
                             f"create the pairs with the same max_sequence_length you pack with")
        rows.append(ids)
        segments.append(segment_ids)
    out = pad_batch(rows, pad_id, segment_ids=segments, length=max_sequence_length)
    out["nsp_labels"] = np.asarray([pair.nsp_label for pair in pairs], dtype=np.int32).reshape(len(pairs))
    return out
