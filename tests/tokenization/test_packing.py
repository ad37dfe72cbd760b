"""One packer: ``[CLS] A [SEP] B [SEP]`` is built the same way by every part of the library."""

from __future__ import annotations

import random

import pytest

from bertkeras.pretraining.nsp_pairs import NSPPair, pack_pairs
from bertkeras.tokenization.alignment import encode_span
from bertkeras.tokenization.packing import pack, pad_batch, truncate_pair, truncate_seq_pair
from bertkeras.tokenization.wordpiece import WordPieceTokenizer

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "how", "much", "?", "it", "paid", "£", "##5", "##m", ".",
         "the", "cat", "sat"]


def test_the_tokenizer_packs_with_pack():
    tok = WordPieceTokenizer(VOCAB)
    a, b = tok.encode_ids("the cat sat the cat"), tok.encode_ids("it paid")
    enc = tok.encode("the cat sat the cat", "it paid", max_length=8, padding=None)
    assert (enc["token_ids"], enc["segment_ids"]) == pack(a, b, cls_id=2, sep_id=3, max_length=8)
    assert enc["token_ids"] == [2, 14, 15, 16, 3, 8, 9, 3]  # longest first, from the end: A lost "the cat"


def test_nsp_pairs_and_span_questions_pack_with_pack():
    arrays = pack_pairs([NSPPair((10, 11), (12,), True)], 8, cls_id=2, sep_id=3)
    ids, segments = pack([10, 11], [12], cls_id=2, sep_id=3)
    assert arrays["token_ids"][0, :len(ids)].tolist() == ids and arrays["segment_ids"][0, :len(ids)].tolist() == segments
    tok = WordPieceTokenizer(VOCAB)
    enc = encode_span(tok, "How much?", "It paid £5m.", 8, 11)
    assert (enc["token_ids"], enc["segment_ids"]) == pack(tok.encode_ids("How much?"), tok.encode_ids("It paid £5m."),
                                                          cls_id=2, sep_id=3)


def test_the_two_truncations():
    a, b = list(range(10)), [20, 21]
    truncate_pair(a, b, 6)
    assert (a, b) == ([0, 1, 2, 3], [20, 21])
    a, b = list(range(10)), [20, 21]
    truncate_seq_pair(a, b, 6, random.Random(1))
    assert len(a) == 4 and b == [20, 21] and a != [0, 1, 2, 3]  # cut from both ends, at random
    a2, b2 = list(range(10)), [20, 21]
    assert pack(a2, b2, cls_id=2, sep_id=3, max_length=9, rng=random.Random(1))[0] == [2, *a, 3, 20, 21, 3]
    assert (a2, b2) == (list(range(10)), [20, 21])  # pack never changes its arguments


def test_errors_name_the_fix():
    with pytest.raises(ValueError, match="needs at least 3 positions"):
        pack([5], [6], cls_id=2, sep_id=3, max_length=2)
    with pytest.raises(ValueError, match="does not fit length=2"):
        pad_batch([[2, 5, 3]], 0, length=2)
