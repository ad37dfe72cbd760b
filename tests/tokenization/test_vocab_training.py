"""Vocabulary training on real text: specials first, our normalisation, real subwords."""

from __future__ import annotations

import pytest

from bertkeras import WordPieceTokenizer, datasets, train_vocabulary
from bertkeras.tokenization.normalization import pre_tokenize


@pytest.fixture(scope="module")
def bbc_vocab():
    data = datasets.load("bbc_news")
    return train_vocabulary(data.train.texts, vocabulary_size=3000)


def test_specials_first_and_size(bbc_vocab):
    assert bbc_vocab[:5] == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    assert len(bbc_vocab) == 3000 and len(set(bbc_vocab)) == 3000


def test_uses_the_encoding_normalisation(bbc_vocab):
    words = {w for w in bbc_vocab if not w.startswith("##") and not w.startswith("[")}
    assert all(w == w.lower() for w in words), "an uncased vocabulary must not hold upper-case pieces"
    assert all(pre_tokenize(w) == [w] for w in list(words)[:500])
    assert any(w.startswith("##") for w in bbc_vocab) and "the" in words and "government" in words


def test_held_out_text_has_few_unknowns_and_short_pieces(bbc_vocab):
    tok = WordPieceTokenizer(bbc_vocab)
    held_out = datasets.load("imdb").test.texts[:300]
    ids = [i for t in held_out for i in tok.encode_ids(t)]
    words = sum(len(pre_tokenize(t)) for t in held_out)
    assert ids.count(tok.unk_id) / len(ids) < 0.005
    assert len(ids) / words < 1.6  # tokens per word


def test_too_small_vocabulary_is_an_error():
    with pytest.raises(ValueError, match="too small"):
        train_vocabulary(["a b"], vocabulary_size=3)


def test_common_characters_are_kept_even_when_the_corpus_lacks_them(bbc_vocab):
    # BBC News never uses these, but reviews and tweets do; both forms must exist.
    for char in ["_", "’", "–", "~", "^", "{"]:
        assert char in bbc_vocab and "##" + char in bbc_vocab, char
    assert len(bbc_vocab) == 3000
