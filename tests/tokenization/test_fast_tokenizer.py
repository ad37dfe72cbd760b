"""The in-graph tokenizer gives exactly the reference's ids: arbitrary Unicode, real corpora, tf.data."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

from bertkeras import FastWordPieceTokenizer, WordPieceTokenizer, datasets

ANY_TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=50)
ASCII_TEXT = st.text(alphabet=st.characters(max_codepoint=127), max_size=50)
MIXED = st.lists(st.one_of(ASCII_TEXT, ANY_TEXT, st.sampled_from(["Σ", "ΑΣ", "İ", "ﬁ", "e\u0301", "東京", "한국", "ᾯ"])),
                 max_size=4).map("".join)


@pytest.fixture(scope="module", params=[True, False], ids=["uncased", "cased"])
def pair(request):
    bbc = datasets.load("bbc_news")
    ref = WordPieceTokenizer.train(bbc.train.texts[:600], vocabulary_size=1500, lowercase=request.param)
    return ref, FastWordPieceTokenizer.from_reference(ref, sequence_length=48)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(ANY_TEXT, ASCII_TEXT, MIXED), min_size=1, max_size=12))
def test_identical_ids_on_arbitrary_unicode(pair, texts):
    ref, fast = pair
    assert fast.tokenize(texts).to_list() == [ref.encode_ids(t) for t in texts]


def test_identical_ids_on_the_real_corpora(pair):
    ref, fast = pair
    texts = (datasets.load("bbc_news").test.texts[:150] + datasets.load("imdb").test.texts[:600]
             + datasets.load("tweets").test.texts[:1500] + datasets.load("sms_spam").test.texts)
    got = fast.tokenize(texts).to_list()
    assert sum(g != ref.encode_ids(t) for g, t in zip(got, texts, strict=True)) == 0


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(MIXED, MIXED), min_size=1, max_size=6), st.integers(3, 20))
def test_packing_and_truncation_match(pair, rows, length):
    ref, _ = pair
    fast = FastWordPieceTokenizer.from_reference(ref, sequence_length=length)
    a, b = [r[0] for r in rows], [r[1] for r in rows]
    want = ref.encode_batch(a, b, max_length=length)
    got = fast((a, b))
    for key in want:
        np.testing.assert_array_equal(got[key].numpy(), want[key])
    single = fast(a)
    np.testing.assert_array_equal(single["token_ids"].numpy(), ref.encode_batch(a, max_length=length)["token_ids"])


def test_invalid_utf8_and_hard_inputs_in_eager_and_tf_data(pair):
    ref, fast = pair
    raw = [b"caf\xc3", b"ok \xff\xfe bytes", b"\xe2\x82A", b"", b"   ", b"a" * 300, "🙂 e\u0301 שלום \x00\u200b".encode()]
    expected = [ref.encode_ids(r) for r in raw]
    assert fast.tokenize(tf.constant(raw)).to_list() == expected
    ds = tf.data.Dataset.from_tensor_slices(raw).batch(3).map(fast.tokenize)
    assert [row for batch in ds for row in batch.to_list()] == expected
    big = fast.tokenize(["x" * 1_000_000]).to_list()
    assert big == [[ref.unk_id]]


def test_usable_in_dataset_map_and_serialisable(pair):
    ref, fast = pair
    texts = datasets.load("sms_spam").test.texts[:40]
    ds = tf.data.Dataset.from_tensor_slices(texts).batch(16).map(fast)
    ids = np.concatenate([batch["token_ids"].numpy() for batch in ds])
    np.testing.assert_array_equal(ids, ref.encode_batch(texts, max_length=48)["token_ids"])
    clone = FastWordPieceTokenizer.from_config(fast.get_config())
    np.testing.assert_array_equal(clone(texts)["token_ids"].numpy(), ids)


def test_bad_sequence_length():
    with pytest.raises(ValueError, match="too short"):
        FastWordPieceTokenizer(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"], sequence_length=2)


def test_final_sigma_matches_python_lower():
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    import unicodedata

    vocab = specials + [unicodedata.normalize("NFD", w) for w in ["ας", "ασ", "σα", "οδος", "οδοσ"]] + ["."]
    ref = WordPieceTokenizer(vocab)
    fast = FastWordPieceTokenizer.from_reference(ref)
    texts = ["ΑΣ", "ΣΑ", "ΟΔΟΣ.", "ΟΔΟΣ.ΑΣ", "Σ", "ασ ΑΣ"]
    assert fast.tokenize(texts).to_list() == [ref.encode_ids(t) for t in texts]
    assert ref.convert_ids_to_tokens(ref.encode_ids("ΑΣ")) == ["ας"]
