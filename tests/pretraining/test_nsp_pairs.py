"""NSP pairs: BERT's segment filling, 50/50 IsNext/NotNext, put-back, fair truncation, packing."""

from __future__ import annotations

import random

import numpy as np
import pytest

from bertkeras.pretraining.nsp_pairs import NSPPair, create_nsp_pairs, pack_pairs, tokenize_documents
from bertkeras.tokenization.packing import truncate_seq_pair


def synthetic_documents(n_docs: int = 60, seed: int = 0) -> list[list[list[int]]]:
    """Token id = doc * 10_000 + global token index in the doc, so each id tells where it came from."""
    rng = random.Random(seed)
    docs = []
    for d in range(n_docs):
        doc, next_id = [], 0
        for _ in range(rng.randint(2, 14)):
            n = rng.randint(3, 25)
            doc.append([d * 10_000 + next_id + k for k in range(n)])
            next_id += n
        docs.append(doc)
    return docs


def doc_of(token: int) -> int:
    return token // 10_000


def test_same_seed_same_pairs_other_seed_other_pairs():
    docs = synthetic_documents()
    a = create_nsp_pairs(docs, rng=random.Random(1), max_sequence_length=64)
    b = create_nsp_pairs(docs, rng=random.Random(1), max_sequence_length=64)
    c = create_nsp_pairs(docs, rng=random.Random(2), max_sequence_length=64)
    assert a == b and a != c


def test_labels_are_about_half_and_mean_what_they_say():
    docs = synthetic_documents(200)
    pairs = create_nsp_pairs(docs, rng=random.Random(0), max_sequence_length=64, dupe_factor=2)
    share_random = np.mean([p.is_random_next for p in pairs])
    # BERT's rule: 50 % random, plus forced random when a chunk holds one sentence -> a bit above 0.5.
    assert 0.45 < share_random < 0.65
    for p in pairs:
        assert p.tokens_a and p.tokens_b
        docs_a, docs_b = {doc_of(t) for t in p.tokens_a}, {doc_of(t) for t in p.tokens_b}
        assert len(docs_a) == 1 and len(docs_b) == 1
        if p.is_random_next:
            assert docs_a != docs_b and p.nsp_label == 1
        else:
            # B is the true continuation: same document, contiguous and right after A (when not truncated
            # at the joint, it starts exactly after A's last token).
            assert docs_a == docs_b and p.nsp_label == 0
            assert min(p.tokens_b) > max(p.tokens_a)
            assert list(p.tokens_a) == sorted(p.tokens_a) and list(p.tokens_b) == sorted(p.tokens_b)


def test_lengths_fit_and_short_sequences_appear():
    docs = synthetic_documents(200)
    pairs = create_nsp_pairs(docs, rng=random.Random(0), max_sequence_length=64)
    lengths = [len(p.tokens_a) + len(p.tokens_b) for p in pairs]
    assert max(lengths) <= 61
    assert sum(n == 61 for n in lengths) > len(pairs) * 0.3  # most fill the budget
    none_short = create_nsp_pairs(docs, rng=random.Random(0), max_sequence_length=64, short_seq_prob=0.0)
    many_short = create_nsp_pairs(docs, rng=random.Random(0), max_sequence_length=64, short_seq_prob=1.0)
    mean = lambda ps: np.mean([len(p.tokens_a) + len(p.tokens_b) for p in ps])  # noqa: E731
    assert mean(many_short) < mean(none_short) - 10


def test_unused_segments_are_put_back():
    """With no truncation, every sentence of every document shows up in a pair made from that document."""
    docs = synthetic_documents(80)
    pairs = create_nsp_pairs(docs, rng=random.Random(3), max_sequence_length=10_000, short_seq_prob=0.0)
    covered = set()
    for p in pairs:
        covered.update(p.tokens_a)  # A is always from the document being walked
        if not p.is_random_next:
            covered.update(p.tokens_b)
    everything = {t for doc in docs for s in doc for t in s}
    assert covered == everything


def test_dupe_factor_walks_the_corpus_again():
    docs = synthetic_documents(50)
    one = create_nsp_pairs(docs, rng=random.Random(0), max_sequence_length=64, dupe_factor=1)
    three = create_nsp_pairs(docs, rng=random.Random(0), max_sequence_length=64, dupe_factor=3)
    assert 2.5 * len(one) < len(three) < 3.5 * len(one)
    assert len(set(three)) > 2 * len(one)  # the passes cut differently


def test_truncate_removes_from_longer_side_front_and_back():
    fronts = backs = 0
    for seed in range(40):
        a, b = list(range(20)), list(range(100, 105))
        truncate_seq_pair(a, b, 15, random.Random(seed))
        assert len(a) == 10 and b == list(range(100, 105))
        assert a == list(range(a[0], a[0] + 10))  # a contiguous window
        fronts += a[0] > 0
        backs += a[-1] < 19
    assert fronts > 30 and backs > 30
    a, b = [1, 2, 3, 4], [5, 6, 7, 8, 9, 10]
    truncate_seq_pair(a, b, 6, random.Random(0))
    assert len(a) == 3 and len(b) == 3  # both sides shrink toward a fair split


def test_pack_pairs_layout():
    pairs = [NSPPair((10, 11, 12), (20,), True), NSPPair((10,), (20, 21), False)]
    out = pack_pairs(pairs, 8, cls_id=2, sep_id=3, pad_id=0)
    np.testing.assert_array_equal(out["token_ids"], [[2, 10, 11, 12, 3, 20, 3, 0], [2, 10, 3, 20, 21, 3, 0, 0]])
    np.testing.assert_array_equal(out["segment_ids"], [[0, 0, 0, 0, 0, 1, 1, 0], [0, 0, 0, 1, 1, 1, 0, 0]])
    np.testing.assert_array_equal(out["padding_mask"], [[1, 1, 1, 1, 1, 1, 1, 0], [1, 1, 1, 1, 1, 1, 0, 0]])
    np.testing.assert_array_equal(out["nsp_labels"], [1, 0])
    assert all(v.dtype == np.int32 for v in out.values())
    with pytest.raises(ValueError, match="same max_sequence_length"):
        pack_pairs(pairs, 5, cls_id=2, sep_id=3)


def test_tokenize_documents_uses_the_tokenizer():
    from bertkeras import WordPieceTokenizer

    tok = WordPieceTokenizer(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "sat", "##s"])
    assert tokenize_documents([["The cats sat.", "the cat"]], tok) == [[[5, 6, 8, 7, 1], [5, 6]]]
    with pytest.raises(TypeError, match="wrap it"):
        tokenize_documents(["a sentence", "another"], tok)


def test_bad_inputs_raise_with_a_fix():
    docs = synthetic_documents(5)
    with pytest.raises(ValueError, match="at least 2 non-empty documents"):
        create_nsp_pairs([docs[0], [[]], []], rng=random.Random(0))
    with pytest.raises(ValueError, match="at least 5"):
        create_nsp_pairs(docs, rng=random.Random(0), max_sequence_length=4)
    with pytest.raises(ValueError, match="dupe_factor=0"):
        create_nsp_pairs(docs, rng=random.Random(0), dupe_factor=0)
    with pytest.raises(ValueError, match="not a probability"):
        create_nsp_pairs(docs, rng=random.Random(0), short_seq_prob=1.5)
