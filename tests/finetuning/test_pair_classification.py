"""Sentence pairs in TextClassifier and finetune(): exact [CLS] A [SEP] B [SEP] packing and segment ids,
longest-first truncation, single texts unchanged, a toy task only a pair-aware model can solve, save/load."""

from __future__ import annotations

import numpy as np
import pytest

from bertkeras.datasets import Split, TextDataset
from bertkeras.finetuning.classification import finetune
from bertkeras.finetuning.text_classifier import TextClassifier
from bertkeras.pretrained import load_pretrained
from bertkeras.tokenization.packing import pad_batch, pair_segment_ids
from tests.tiny_pretrained import HAM_WORDS, SPAM_WORDS, make_tiny_pretrained

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", "c", "d", "e", "##x"]


def hand_made_classifier(max_length=16):
    from bertkeras import BertBackbone, BertClassifier, WordPieceTokenizer

    backbone = BertBackbone(vocabulary_size=len(VOCAB), num_layers=1, num_heads=2, hidden_dim=8, intermediate_dim=16,
                            max_sequence_length=16)
    return TextClassifier(BertClassifier(backbone, 2), WordPieceTokenizer(VOCAB), label_names=("no", "yes"),
                          max_length=max_length)


def test_pair_packing_and_segment_ids_are_exact():
    clf = hand_made_classifier()
    ids = clf.encode([("a b", "cx d"), "a b"])
    assert ids == [[2, 5, 6, 3, 7, 10, 8, 3], [2, 5, 6, 3]]
    x = clf.pad(ids)
    assert x["token_ids"].tolist()[0][:9] == [2, 5, 6, 3, 7, 10, 8, 3, 0]
    assert x["segment_ids"].tolist() == [[0, 0, 0, 0, 1, 1, 1, 1] + [0] * 8, [0] * 16]
    assert x["padding_mask"].tolist() == [[1] * 8 + [0] * 8, [1] * 4 + [0] * 12]
    # the same packing as the tokenizer's own pair encoding
    enc = clf.tokenizer.encode("a b", "cx d", padding=None)
    assert ids[0] == enc["token_ids"] and pair_segment_ids(ids[:1], 3)[0] == enc["segment_ids"]


def test_pairs_are_truncated_longest_first():
    clf = hand_made_classifier(max_length=8)  # room for 5 pieces between [CLS], [SEP] and [SEP]
    ids = clf.encode([("a b c d e", "a b"), ("a", "b c d e a b"), ("a b c", "d e a")])
    assert ids == [[2, 5, 6, 7, 3, 5, 6, 3],  # A (5) loses its end until A + B = 5
                   [2, 5, 3, 6, 7, 8, 9, 3],  # B (6) loses its end
                   [2, 5, 6, 7, 3, 8, 9, 3]]  # 3 + 3: ties cut B first (BERT's rule), then 3 + 2
    for (a, b), row in zip([("a b c d e", "a b"), ("a", "b c d e a b"), ("a b c", "d e a")], ids, strict=True):
        assert row == clf.tokenizer.encode(a, b, max_length=8, padding=None)["token_ids"]
    with pytest.raises(ValueError, match="max_length >= 3"):
        hand_made_classifier(max_length=2).encode([("a", "b")])


def test_single_texts_encode_and_pad_exactly_as_before():
    clf = hand_made_classifier(max_length=5)
    assert clf.encode(["a b c d e", "cx"]) == [[2, 5, 6, 7, 3], [2, 7, 10, 3]]  # cut to max_length - 2 pieces
    x = clf.pad(clf.encode(["a b c d e", "cx"]))
    old = pad_batch(clf.encode(["a b c d e", "cx"]), 0)  # the single-text call: segments all 0
    assert all(np.array_equal(x[k], old[k]) for k in old) and not x["segment_ids"].any()
    with pytest.raises(TypeError, match=r"\(text_a, text_b\) pair"):
        clf.encode([("a", "b", "c")])
    with pytest.raises(ValueError, match="segment_ids must have one list per row"):
        pad_batch([[2, 5, 3]], 0, segment_ids=[[0, 0]])


def toy_pairs(seed=0, sizes=(320, 40, 80)):
    """Label 1 when A is made of spam words (B is random, 1-7 words each): the same bag of words for
    (spam, ham) -> 1 and (ham, spam) -> 0, so a model blind to which side a word is on reaches 75 % at most."""
    rng = np.random.default_rng(seed)

    def words(spam):
        return " ".join(rng.choice(SPAM_WORDS if spam else HAM_WORDS, rng.integers(1, 8)))

    def split(n):
        a_spam, b_spam = rng.random(n) < 0.5, rng.random(n) < 0.5
        return Split([(words(x), words(y)) for x, y in zip(a_spam, b_spam, strict=True)], a_spam.astype(np.int64))

    return TextDataset("toy_pairs", ("a_ham", "a_spam"), *(split(n) for n in sizes))


@pytest.fixture(scope="module")
def pair_model(tmp_path_factory):
    pretrained = load_pretrained(make_tiny_pretrained(tmp_path_factory.mktemp("tiny") / "tiny_bert"))
    data = toy_pairs()
    clf = finetune(pretrained, None, data, learning_rate=1e-2, epochs=10, batch_size=16, seed=0, patience=None,
                   tune=False, dropout=0.0, verbose=0)
    return clf, data


def test_a_pair_only_task_is_learned(pair_model):
    clf, data = pair_model
    mixed = [i for i, (a, b) in enumerate(data.test.texts) if (a.split()[0] in SPAM_WORDS) != (b.split()[0] in SPAM_WORDS)]
    assert len(mixed) >= 10
    metrics = clf.evaluate(data.test.texts, data.test.labels)
    assert metrics["accuracy"] >= 0.95  # above the 75 % a segment-blind bag of words can reach
    labels, _ = clf.predict([data.test.texts[i] for i in mixed])
    aware = (labels == data.test.labels[mixed]).mean()
    assert aware >= 0.9  # the bag-of-words-ambiguous half, too
    # The model reads the segment ids it was trained with: given all 0 instead, it errs on the mixed pairs
    # (had training seen all-0 segments, as before pairs were supported, this would change nothing).
    ids = clf.encode([data.test.texts[i] for i in mixed])
    blind = np.asarray(clf.model.predict_on_batch(pad_batch(ids, clf.tokenizer.pad_id))).argmax(-1)
    assert (blind == data.test.labels[mixed]).mean() < aware - 0.1
    loss = clf.history.history["loss"]
    assert loss[-1] < 0.2 * loss[0]
    assert clf.predict([("free prize win claim", "ok home love later")]).labels.tolist() == [1]
    assert clf.predict([("ok home love later", "free prize win claim")]).labels.tolist() == [0]


def test_pair_classifier_save_load_round_trip(pair_model, tmp_path):
    clf, data = pair_model
    clone = TextClassifier.load(clf.save(tmp_path / "pairs"))
    np.testing.assert_allclose(clone.predict_proba(data.test.texts), clf.predict_proba(data.test.texts), atol=1e-6)
    assert clone.encode(data.test.texts[:3]) == clf.encode(data.test.texts[:3])
    assert clone.label_names == ("a_ham", "a_spam")
