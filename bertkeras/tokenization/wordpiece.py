"""``WordPieceTokenizer``: BERT's tokenizer in plain Python, readable line by line.

Text → words (:mod:`bertkeras.tokenization.normalization`) → WordPieces by greedy longest-match-first:
take the longest vocabulary entry that starts the word, then the longest ``##`` piece that continues
it, and so on. A word that cannot be covered, or is longer than ``max_chars_per_word``, becomes
``[UNK]`` as a whole.

Example:
    >>> vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##aff", "##able", "the", "cat", ",", "!"]
    >>> tokenizer = WordPieceTokenizer(vocab)
    >>> tokenizer.tokenize("The unaffable cat!")
    ['the', 'un', '##aff', '##able', 'cat', '!']
    >>> tokenizer.tokenize("The dog")
    ['the', '[UNK]']
    >>> enc = tokenizer.encode("the cat", "unaffable!", max_length=10)
    >>> enc["token_ids"]
    [2, 8, 9, 3, 5, 6, 7, 11, 3, 0]
    >>> enc["segment_ids"]
    [0, 0, 0, 0, 1, 1, 1, 1, 1, 0]
    >>> enc["padding_mask"]
    [1, 1, 1, 1, 1, 1, 1, 1, 1, 0]
    >>> tokenizer.decode(enc["token_ids"])
    'the cat unaffable !'
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bertkeras.tokenization.normalization import PreTokenizer
from bertkeras.tokenization.packing import pack
from bertkeras.tokenization.vocab_training import train_vocabulary
from bertkeras.tokenization.vocabulary import (
    CONTINUATION,
    SPECIAL_TOKENS,
    load_vocabulary,
    save_vocabulary,
    validate_vocabulary,
)

PADDING = ("max_length", "longest", None)


def wordpiece(word: str, vocab: dict[str, int], max_chars_per_word: int = 200, unk: str = "[UNK]") -> list[str]:
    """Split one word greedily into the longest pieces in ``vocab`` (BERT's WordpieceTokenizer)."""
    if len(word) > max_chars_per_word:
        return [unk]
    pieces = []
    start = 0
    while start < len(word):
        end = len(word)
        piece = None
        while start < end:  # shrink from the right until the substring is in the vocabulary
            candidate = word[start:end] if start == 0 else CONTINUATION + word[start:end]
            if candidate in vocab:
                piece = candidate
                break
            end -= 1
        if piece is None:  # no piece fits here: the whole word is unknown
            return [unk]
        pieces.append(piece)
        start = end
    return pieces


class WordPieceTokenizer:
    """BERT's WordPiece tokenizer.

    Args:
        vocabulary: a list of tokens (id = position) or the path of a one-token-per-line ``vocab.txt``.
        lowercase: True for uncased models (lower-case + strip accents), False for cased ones.
        max_chars_per_word: longer words become ``[UNK]`` (BERT: 200).
    """

    def __init__(self, vocabulary: Sequence[str] | str | Path, *, lowercase: bool = True,
                 max_chars_per_word: int = 200):
        if isinstance(vocabulary, str | Path):
            tokens = load_vocabulary(vocabulary)
        else:
            tokens = validate_vocabulary(vocabulary)
        self.vocabulary = tokens
        self.lowercase = lowercase
        self.max_chars_per_word = max_chars_per_word
        self.token_to_id = {t: i for i, t in enumerate(tokens)}
        self.pad_id, self.unk_id, self.cls_id, self.sep_id, self.mask_id = (self.token_to_id[t] for t in SPECIAL_TOKENS)
        self.special_ids = frozenset((self.pad_id, self.unk_id, self.cls_id, self.sep_id, self.mask_id))
        self._pre_tokenize = PreTokenizer(lowercase)
        self._pieces: dict[str, list[str]] = {}

    @property
    def vocabulary_size(self) -> int:
        return len(self.vocabulary)

    @classmethod
    def train(cls, texts, vocabulary_size: int = 8000, *, lowercase: bool = True, **kwargs) -> WordPieceTokenizer:
        """Learn a vocabulary from ``texts`` (see :func:`bertkeras.train_vocabulary`) and wrap it."""
        return cls(train_vocabulary(texts, vocabulary_size, lowercase=lowercase, **kwargs), lowercase=lowercase)

    # --- text -> pieces -> ids -----------------------------------------------------------------------
    def tokenize(self, text: str | bytes) -> list[str]:
        """WordPiece tokens of ``text`` (no special tokens added); bytes are decoded as UTF-8, invalid
        sequences replaced (and then dropped, as BERT drops U+FFFD)."""
        if isinstance(text, bytes):
            text = text.decode("utf-8", errors="replace")
        out: list[str] = []
        for word in self._pre_tokenize(text):
            pieces = self._pieces.get(word)
            if pieces is None:
                pieces = wordpiece(word, self.token_to_id, self.max_chars_per_word)
                if len(self._pieces) < 1_000_000:
                    self._pieces[word] = pieces
            out.extend(pieces)
        return out

    def convert_tokens_to_ids(self, tokens: Sequence[str]) -> list[int]:
        return [self.token_to_id.get(t, self.unk_id) for t in tokens]

    def convert_ids_to_tokens(self, ids) -> list[str]:
        return [self.vocabulary[int(i)] for i in ids]

    def encode_ids(self, text: str) -> list[int]:
        return self.convert_tokens_to_ids(self.tokenize(text))

    def encode(self, text_a: str, text_b: str | None = None, *, max_length: int = 128,
               padding: str | None = "max_length", truncation: bool = True) -> dict[str, list[int]]:
        """``[CLS] A [SEP]`` or ``[CLS] A [SEP] B [SEP]`` with segment ids and padding mask.

        Args:
            text_a, text_b: the segment(s). Segment 0 covers ``[CLS]``, A and its ``[SEP]``; 1 covers B.
            max_length: the length after adding special tokens.
            padding: ``"max_length"`` pads with ``[PAD]`` to ``max_length``; ``"longest"`` or None does not
                pad a single example.
            truncation: shorten the longer segment first until it fits; if False, too long is an error.
        """
        return self._pack(self.encode_ids(text_a), None if text_b is None else self.encode_ids(text_b),
                          max_length, padding, truncation)

    def _pack(self, a, b, max_length, padding, truncation) -> dict[str, list[int]]:
        if padding not in PADDING:
            raise ValueError(f"padding must be one of {PADDING}, got {padding!r}")
        specials = 2 if b is None else 3
        if not truncation and max_length >= specials and len(a) + len(b or []) + specials > max_length:
            raise ValueError(f"input has {len(a) + len(b or []) + specials} tokens > max_length={max_length}; "
                             "raise max_length or pass truncation=True")
        token_ids, segment_ids = pack(a, b, cls_id=self.cls_id, sep_id=self.sep_id, max_length=max_length)
        mask = [1] * len(token_ids)
        if padding == "max_length":
            pad = max_length - len(token_ids)
            token_ids, segment_ids, mask = token_ids + [self.pad_id] * pad, segment_ids + [0] * pad, mask + [0] * pad
        return {"token_ids": token_ids, "segment_ids": segment_ids, "padding_mask": mask}

    def encode_batch(self, texts_a: Sequence[str], texts_b: Sequence[str] | None = None, *, max_length: int = 128,
                     padding: str = "max_length", truncation: bool = True) -> dict[str, np.ndarray]:
        """Encode many examples; returns int32 arrays (batch, length).

        ``padding="max_length"`` gives length ``max_length``; ``"longest"`` the batch's longest example.
        """
        if texts_b is not None and len(texts_b) != len(texts_a):
            raise ValueError(f"texts_a has {len(texts_a)} examples but texts_b has {len(texts_b)}")
        if padding is None:
            raise ValueError("encode_batch returns rectangular arrays: use padding='max_length' or 'longest'")
        rows = [self.encode(a, None if texts_b is None else texts_b[i], max_length=max_length,
                            padding=None, truncation=truncation) for i, a in enumerate(texts_a)]
        length = max_length if padding == "max_length" else max((len(r["token_ids"]) for r in rows), default=2)
        out = {k: np.zeros((len(rows), length), np.int32) for k in ("token_ids", "segment_ids", "padding_mask")}
        out["token_ids"][:] = self.pad_id
        for i, r in enumerate(rows):
            for k in out:
                out[k][i, :len(r[k])] = r[k]
        return out

    def __call__(self, texts_a, texts_b=None, **kwargs) -> dict[str, np.ndarray]:
        if isinstance(texts_a, str):
            return {k: np.asarray([v], np.int32) for k, v in self.encode(texts_a, texts_b, **kwargs).items()}
        return self.encode_batch(texts_a, texts_b, **kwargs)

    # --- ids -> text ---------------------------------------------------------------------------------
    def decode(self, ids, skip_special_tokens: bool = True) -> str:
        """Join pieces back into text: ``##`` pieces glue onto the previous piece."""
        words: list[str] = []
        for i in ids:
            i = int(i)
            if skip_special_tokens and i in self.special_ids and i != self.unk_id:
                continue
            token = self.vocabulary[i]
            if token.startswith(CONTINUATION) and words:
                words[-1] += token[len(CONTINUATION):]
            else:
                words.append(token)
        return " ".join(words)

    def save_vocabulary(self, path: str | Path) -> Path:
        """Write ``vocab.txt`` (one token per line, line n = id n)."""
        return save_vocabulary(self.vocabulary, path)

    def get_config(self) -> dict:
        return {"vocabulary": list(self.vocabulary), "lowercase": self.lowercase,
                "max_chars_per_word": self.max_chars_per_word}

    @classmethod
    def from_config(cls, config: dict) -> WordPieceTokenizer:
        return cls(config["vocabulary"], lowercase=config["lowercase"],
                   max_chars_per_word=config["max_chars_per_word"])

    def __repr__(self) -> str:
        return f"WordPieceTokenizer(vocabulary_size={self.vocabulary_size}, lowercase={self.lowercase})"
