"""WordPieceTokenizer: greedy longest match, pairs, truncation, padding, decode, hard inputs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bertkeras import WordPieceTokenizer
from bertkeras.tokenization.packing import truncate_pair
from bertkeras.tokenization.vocabulary import SPECIAL_TOKENS
from bertkeras.tokenization.wordpiece import wordpiece

VOCAB = list(SPECIAL_TOKENS) + ["un", "##aff", "##able", "the", "cat", "sat", "on", "mat", "##s", "a", "##b",
                                "##c", "b", "c", ",", ".", "!", "東", "京"]


@pytest.fixture(scope="module")
def tok():
    return WordPieceTokenizer(VOCAB)


def test_greedy_longest_match_first():
    vocab = {t: i for i, t in enumerate(VOCAB)}
    assert wordpiece("unaffable", vocab) == ["un", "##aff", "##able"]
    assert wordpiece("cats", vocab) == ["cat", "##s"]
    assert wordpiece("cab", vocab) == ["[UNK]"]  # no "##ab" and no "c"+"##a": the whole word is unknown
    assert wordpiece("abc", vocab) == ["a", "##b", "##c"]
    assert wordpiece("a" * 201, {"a": 0, "##a": 1}) == ["[UNK]"]  # longer than BERT's 200 characters
    assert wordpiece("a" * 200, {"a": 0, "##a": 1}) == ["a"] + ["##a"] * 199


def test_single_and_pair_encoding(tok):
    single = tok.encode("The cat sat.", max_length=8)
    assert tok.convert_ids_to_tokens(single["token_ids"]) == ["[CLS]", "the", "cat", "sat", ".", "[SEP]", "[PAD]", "[PAD]"]
    assert single["segment_ids"] == [0] * 8 and single["padding_mask"] == [1] * 6 + [0] * 2
    pair = tok.encode("the cat", "sat on the mat", padding=None)
    assert tok.convert_ids_to_tokens(pair["token_ids"]) == ["[CLS]", "the", "cat", "[SEP]", "sat", "on", "the", "mat", "[SEP]"]
    assert pair["segment_ids"] == [0, 0, 0, 0, 1, 1, 1, 1, 1]


def test_truncation_is_longest_first(tok):
    a, b = list(range(10)), list(range(3))
    truncate_pair(a, b, 8)
    assert (len(a), len(b)) == (5, 3)
    a, b = list(range(6)), list(range(6))
    truncate_pair(a, b, 7)
    assert (len(a), len(b)) == (3, 4) or (len(a), len(b)) == (4, 3)
    enc = tok.encode("the cat sat on the mat", "a b c", max_length=9)
    assert len(enc["token_ids"]) == 9 and tok.decode(enc["token_ids"]) == "the cat sat a b c"
    with pytest.raises(ValueError, match="truncation=True"):
        tok.encode("the cat sat on the mat", max_length=4, truncation=False)


def test_max_length_too_small_for_specials(tok):
    with pytest.raises(ValueError, match="needs at least 3 positions"):
        tok.encode("a", "b", max_length=2)
    with pytest.raises(ValueError, match="padding must be one of"):
        tok.encode("a", padding="max")


def test_batch_padding_longest_and_fixed(tok):
    batch = tok.encode_batch(["the cat", "the cat sat on the mat"], padding="longest")
    assert batch["token_ids"].shape == (2, 8) and batch["token_ids"].dtype == np.int32
    assert batch["padding_mask"].sum(1).tolist() == [4, 8]
    fixed = tok.encode_batch(["the cat"], ["mat"], max_length=16)
    assert fixed["token_ids"].shape == (1, 16) and fixed["segment_ids"][0, :6].tolist() == [0, 0, 0, 0, 1, 1]
    with pytest.raises(ValueError, match="texts_b has 1"):
        tok.encode_batch(["a", "b"], ["c"])


def test_decode_joins_pieces(tok):
    ids = tok.encode("Unaffable cats, 東京!")["token_ids"]
    assert tok.decode(ids) == "unaffable cats , 東 京 !"
    assert tok.decode(ids, skip_special_tokens=False).startswith("[CLS] unaffable")


def test_tokenizer_from_file_and_config(tmp_path, tok):
    tok.save_vocabulary(tmp_path / "vocab.txt")
    again = WordPieceTokenizer(tmp_path / "vocab.txt")
    assert again.vocabulary == VOCAB and (again.cls_id, again.sep_id, again.mask_id) == (2, 3, 4)
    clone = WordPieceTokenizer.from_config(tok.get_config())
    assert clone.encode("the cat") == tok.encode("the cat")


def test_hard_inputs(tok):
    for text in ["", "  \t\n", "x" * 1_000_000, "🙂 e\u0301 שלום \x00\u200b", "ab\ufffdc"]:
        enc = tok.encode(text, max_length=16)
        assert len(enc["token_ids"]) == 16
    assert tok.tokenize("x" * 1_000_000) == ["[UNK]"]
    assert tok.tokenize(b"caf\xff".decode("utf-8", errors="replace")) == ["[UNK]"]  # 'caf' + U+FFFD dropped


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=80), st.text(max_size=80), st.integers(3, 40))
def test_encoding_invariants(tok, a, b, max_length):
    enc = tok.encode(a, b, max_length=max_length)
    ids = enc["token_ids"]
    assert len(ids) == len(enc["segment_ids"]) == len(enc["padding_mask"]) == max_length
    n = sum(enc["padding_mask"])
    assert ids[0] == tok.cls_id and ids[:n].count(tok.sep_id) == 2 and ids[n - 1] == tok.sep_id
    assert all(i == tok.pad_id for i in ids[n:])
    first_sep = ids.index(tok.sep_id)
    assert enc["segment_ids"][:first_sep + 1] == [0] * (first_sep + 1)
    assert enc["segment_ids"][first_sep + 1:n] == [1] * (n - first_sep - 1)
