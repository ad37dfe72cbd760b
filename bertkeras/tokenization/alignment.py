"""From words and character spans to WordPiece positions, and back: the bookkeeping of tags and answers.

BERT outputs one vector per WordPiece, but a tagging task labels *words* (NER) and a reading task marks
*characters* (SQuAD's answer is ``context[start:end]``). Two maps bridge the gap, as in the paper (§4.3, §5.3):

**Word labels to pieces** (:func:`align_word_labels`). A word's label goes on its first piece; its ``##``
continuations, ``[CLS]``, ``[SEP]`` and padding get label -1 and weight 0 (no loss, never scored), and at
prediction time a word's label is read from its first piece::

    words      blair  visited  wokingham
    pieces     blair  visited  wo  ##king  ##ham
    labels     1      0        1   -1      -1
    weights    1      1        1   0       0

**Character spans to pieces** (:func:`piece_offsets`, :func:`encode_span`). Each context piece remembers
the characters it came from, so an answer becomes (first piece overlapping its first character, last piece
overlapping its last character) in ``[CLS] question [SEP] context [SEP]``. A predicted piece span maps back
to characters the same way (:func:`best_span` picks it from the model's start and end logits).
"""

from __future__ import annotations

import numpy as np

from bertkeras.tokenization.normalization import (
    is_cjk_ideograph,
    is_control,
    is_punctuation,
    is_whitespace,
    strip_accents,
)
from bertkeras.tokenization.packing import pack
from bertkeras.tokenization.vocabulary import CONTINUATION

IGNORE = -1


def word_pieces(tokenizer, words) -> list[list[str]]:
    """The WordPieces of each word; a word with no piece left (only dropped characters) becomes ``[UNK]``."""
    return [tokenizer.tokenize(w) or ["[UNK]"] for w in words]


def align_word_labels(tokenizer, words, labels=None, *, max_length: int = 128) -> dict[str, list[int]]:
    """``[CLS] pieces [SEP]`` of one sentence's ``words``, with the word labels moved onto the pieces.

    Args:
        tokenizer: a :class:`~bertkeras.tokenization.wordpiece.WordPieceTokenizer`.
        words: the sentence's words (what ``pre_tokenize`` cuts).
        labels: one label per word (-1: none); default none.
        max_length: positions incl. ``[CLS]``/``[SEP]``; pieces beyond are cut, and so are their words.

    Returns:
        ``{"token_ids", "labels", "weights", "word_positions"}``: per piece its id, label (-1 but on the first
        piece of a labelled word) and weight (1 where the label counts); per word the index of its first
        piece, or -1 when truncation cut it.

    Example:
        >>> from bertkeras.tokenization.wordpiece import WordPieceTokenizer
        >>> tok = WordPieceTokenizer(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "blair", "visited", "wo",
        ...                           "##king", "##ham", "."])
        >>> out = align_word_labels(tok, ["blair", "visited", "wokingham", "."], [1, 0, 1, 0])
        >>> out["token_ids"], out["labels"]
        ([2, 5, 6, 7, 8, 9, 10, 3], [-1, 1, 0, 1, -1, -1, 0, -1])
        >>> out["weights"], out["word_positions"]
        ([0, 1, 1, 1, 0, 0, 1, 0], [1, 2, 3, 6])
        >>> cut = align_word_labels(tok, ["blair", "visited", "wokingham", "."], [1, 0, 1, 0], max_length=5)
        >>> cut["token_ids"], cut["labels"], cut["word_positions"]  # "wo" stays, "##king ##ham" and "." are cut
        ([2, 5, 6, 7, 3], [-1, 1, 0, 1, -1], [1, 2, 3, -1])
    """
    if labels is not None and len(labels) != len(words):
        raise ValueError(f"{len(words)} words but {len(labels)} labels; pass one label per word (-1 for none)")
    if max_length < 3:
        raise ValueError(f"max_length={max_length} leaves no room for a word between [CLS] and [SEP]; use >= 3")
    room = max_length - 2
    ids, piece_labels, positions = [tokenizer.cls_id], [IGNORE], []
    for i, pieces in enumerate(word_pieces(tokenizer, words)):
        if len(ids) - 1 >= room:
            positions.append(IGNORE)
            continue
        positions.append(len(ids))
        pieces = pieces[:room - (len(ids) - 1)]
        ids += tokenizer.convert_tokens_to_ids(pieces)
        label = IGNORE if labels is None else int(labels[i])
        piece_labels += [label] + [IGNORE] * (len(pieces) - 1)
    ids.append(tokenizer.sep_id)
    piece_labels.append(IGNORE)
    return {"token_ids": ids, "labels": piece_labels, "weights": [int(label != IGNORE) for label in piece_labels],
            "word_positions": positions}


def _words_with_characters(text: str) -> list[list[int]]:
    """The pre-tokenizer's words as lists of character indices into ``text`` (dropped characters skipped)."""
    words, current = [], []
    for i, ch in enumerate(text):
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or is_control(ch):
            continue
        if is_whitespace(ch) or is_punctuation(ch) or is_cjk_ideograph(cp):
            if current:
                words.append(current)
                current = []
            if not is_whitespace(ch):
                words.append([i])
            continue
        current.append(i)
    if current:
        words.append(current)
    return words


def piece_offsets(tokenizer, text: str) -> tuple[list[str], list[tuple[int, int]]]:
    """``tokenizer.tokenize(text)`` and, for each piece, the span ``(start, end)`` of ``text`` it came from.

    A piece of an ``[UNK]`` word, or of a word whose normalised form changed length, covers its whole word.

    Example:
        >>> from bertkeras.tokenization.wordpiece import WordPieceTokenizer
        >>> tok = WordPieceTokenizer(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "it", "paid", "£", "##5", "##m"])
        >>> piece_offsets(tok, "It paid £5m")  # £ is a currency sign, not punctuation: "£5m" is one word
        (['it', 'paid', '£', '##5', '##m'], [(0, 2), (3, 7), (8, 9), (9, 10), (10, 11)])
    """
    pieces, offsets = [], []
    for chars in _words_with_characters(text):
        word = "".join(text[i] for i in chars)
        word_pieces_ = tokenizer.tokenize(word)
        normalised = strip_accents(word.lower()) if tokenizer.lowercase else word
        exact = len(normalised) == len(chars) and word_pieces_ != ["[UNK]"]
        position = 0
        for piece in word_pieces_:
            size = len(piece) - (len(CONTINUATION) if piece.startswith(CONTINUATION) else 0)
            if exact:
                offsets.append((chars[position], chars[position + size - 1] + 1))
                position += size
            else:
                offsets.append((chars[0], chars[-1] + 1))
            pieces.append(piece)
    return pieces, offsets


def encode_span(tokenizer, question: str, context: str, answer_start: int | None = None,
                answer_end: int | None = None, *, max_length: int = 128) -> dict:
    """``[CLS] question [SEP] context [SEP]`` and the piece positions of the answer ``context[start:end]``.

    The question is kept whole; the context loses pieces from its end to fit ``max_length``. If that cuts
    any part of the answer, ``answer_truncated`` is True and both positions are -1: such an example cannot be
    trained on (the fine-tuning helpers drop it) and is scored as whatever the model answers from what is left.

    Returns:
        ``{"token_ids", "segment_ids", "offsets", "start_position", "end_position", "answer_truncated"}``;
        ``offsets`` gives each position's character span in the context, ``(-1, -1)`` outside it.

    Example:
        >>> from bertkeras.tokenization.wordpiece import WordPieceTokenizer
        >>> tok = WordPieceTokenizer(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "how", "much", "?", "it",
        ...                           "paid", "£", "##5", "##m", "."])
        >>> enc = encode_span(tok, "How much?", "It paid £5m.", 8, 11)
        >>> enc["token_ids"], enc["segment_ids"]
        ([2, 5, 6, 7, 3, 8, 9, 10, 11, 12, 13, 3], [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1])
        >>> enc["start_position"], enc["end_position"], enc["answer_truncated"]
        (7, 9, False)
        >>> cut = encode_span(tok, "How much?", "It paid £5m.", 8, 11, max_length=10)
        >>> cut["token_ids"], cut["start_position"], cut["end_position"], cut["answer_truncated"]
        ([2, 5, 6, 7, 3, 8, 9, 10, 11, 3], -1, -1, True)
    """
    question_ids = tokenizer.encode_ids(question)
    room = max_length - 3 - len(question_ids)
    if room < 1:
        raise ValueError(f"the question has {len(question_ids)} WordPieces, so max_length={max_length} leaves no "
                         "room for the context; shorten the question or raise max_length")
    all_pieces, all_offsets = piece_offsets(tokenizer, context)
    pieces, offsets = all_pieces[:room], all_offsets[:room]
    first = len(question_ids) + 2  # position of the first context piece
    token_ids, segment_ids = pack(question_ids, tokenizer.convert_tokens_to_ids(pieces), cls_id=tokenizer.cls_id,
                                  sep_id=tokenizer.sep_id)
    start = end = IGNORE
    truncated = False
    if answer_start is not None:
        if not 0 <= answer_start < answer_end <= len(context):
            raise ValueError(f"answer span ({answer_start}, {answer_end}) is not a non-empty span of a context of "
                             f"{len(context)} characters; pass 0 <= start < end <= len(context)")
        truncated = len(all_offsets) > room and all_offsets[room][0] < answer_end  # a cut piece is in it
        inside = [j for j, (s, e) in enumerate(offsets) if s < answer_end and e > answer_start]
        if not inside and not truncated:
            raise ValueError(f"the answer {context[answer_start:answer_end]!r} covers no WordPiece (only spaces "
                             "or dropped characters); pass a span that covers text")
        if not truncated:
            start, end = first + inside[0], first + inside[-1]
    return {"token_ids": token_ids, "segment_ids": segment_ids,
            "offsets": [(-1, -1)] * first + offsets + [(-1, -1)], "start_position": start, "end_position": end,
            "answer_truncated": truncated}


def best_span(start_logits, end_logits, allowed, max_answer_length: int = 30) -> tuple[int, int, float]:
    """The span ``(start, end, score)`` with the highest ``start_logit + end_logit`` that BERT's SQuAD rule allows.

    Allowed: ``start <= end``, at most ``max_answer_length`` pieces, both ends at positions where ``allowed``
    is true (the context's pieces: segment B without its ``[SEP]``).

    Example:
        >>> best_span([0, 5, 1, 9, 0], [0, 1, 8, 2, 0], allowed=[0, 1, 1, 1, 0])
        (1, 2, 13.0)
        >>> best_span([0, 5, 1, 9, 0], [0, 1, 8, 2, 0], allowed=[0, 0, 1, 1, 0])  # 3..2 would run backwards
        (3, 3, 11.0)
    """
    start_logits = np.asarray(start_logits, np.float64)
    end_logits = np.asarray(end_logits, np.float64)
    allowed = np.asarray(allowed, bool)
    if not allowed.any():
        raise ValueError("no allowed position: the context is empty (all pieces truncated?); pass a context")
    scores = start_logits[:, None] + end_logits[None, :]  # (T, T): row = start, column = end
    length = np.arange(len(end_logits))[None, :] - np.arange(len(start_logits))[:, None]
    valid = (length >= 0) & (length < max_answer_length) & allowed[:, None] & allowed[None, :]
    scores = np.where(valid, scores, -np.inf)
    start, end = np.unravel_index(int(np.argmax(scores)), scores.shape)
    return int(start), int(end), float(scores[start, end])


__all__ = ["IGNORE", "align_word_labels", "best_span", "encode_span", "piece_offsets", "word_pieces"]
