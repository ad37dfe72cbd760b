"""tf.data pre-training pipeline: output format, graph masking vs the reference, dynamic and fixed masks."""

from __future__ import annotations

import random

import numpy as np
import pytest
import tensorflow as tf

from bertkeras.pretraining.masking import mask_tokens, word_groups
from bertkeras.pretraining.nsp_pairs import NSPPair, pack_pairs
from bertkeras.pretraining.pipeline import (
    TFMasker,
    make_pretraining_arrays,
    masked_lm_loss,
    pretraining_dataset,
)
from tests.pretraining.test_masking import VOCAB, packed_rows


def random_arrays(n: int = 64, length: int = 32, seed: int = 0) -> dict[str, np.ndarray]:
    rng = random.Random(seed)
    pairs = []
    for _ in range(n):
        a = tuple(rng.randrange(5, len(VOCAB)) for _ in range(rng.randint(1, 12)))
        b = tuple(rng.randrange(5, len(VOCAB)) for _ in range(rng.randint(1, length - 3 - len(a))))
        pairs.append(NSPPair(a, b, rng.random() < 0.5))
    return pack_pairs(pairs, length, cls_id=2, sep_id=3, pad_id=0)


def collect(ds) -> dict[str, np.ndarray]:
    parts: dict[str, list] = {}
    for inputs, targets in ds:
        for k, v in {**inputs, **targets}.items():
            parts.setdefault(k, []).append(v.numpy())
    return {k: np.concatenate(v) for k, v in parts.items()}


def test_element_format():
    arrays = random_arrays(10, 32)
    ds = pretraining_dataset(arrays, VOCAB, batch_size=4, max_predictions_per_seq=6)
    assert ds.element_spec == (
        {"token_ids": tf.TensorSpec([None, 32], tf.int32), "segment_ids": tf.TensorSpec([None, 32], tf.int32),
         "padding_mask": tf.TensorSpec([None, 32], tf.int32), "mask_positions": tf.TensorSpec([None, 6], tf.int32)},
        {"mask_ids": tf.TensorSpec([None, 6], tf.int32), "mask_weights": tf.TensorSpec([None, 6], tf.float32),
         "nsp_labels": tf.TensorSpec([None], tf.int32)},
    )
    assert [int(x["token_ids"].shape[0]) for x, _ in ds] == [4, 4, 2]


def test_batches_are_consistent_with_the_pairs():
    arrays = random_arrays(40, 32)
    out = collect(pretraining_dataset(arrays, VOCAB, batch_size=8, training=False))
    np.testing.assert_array_equal(out["segment_ids"], arrays["segment_ids"])  # eval keeps the order
    np.testing.assert_array_equal(out["nsp_labels"], arrays["nsp_labels"])
    w = out["mask_weights"] > 0
    original = np.take_along_axis(arrays["token_ids"], out["mask_positions"], 1)
    np.testing.assert_array_equal(out["mask_ids"][w], original[w])
    assert (original[w] > 4).all()  # never a special token
    assert (out["mask_positions"][~w] == 0).all() and (out["mask_ids"][~w] == 0).all()
    changed = out["token_ids"] != arrays["token_ids"]
    rows, cols = np.nonzero(changed)
    for r, c in zip(rows, cols, strict=True):
        assert c in out["mask_positions"][r][w[r]]  # only chosen positions change


@pytest.fixture(scope="module")
def rows_100k():
    rows = np.array(packed_rows(1600, seed=2), dtype=np.int32)
    assert (rows > 4).sum() > 100_000
    return rows


def graph_proportions(rows, whole_word):
    out = {k: v.numpy() for k, v in TFMasker(VOCAB, whole_word=whole_word)(rows, tf.constant([5, 6], tf.int64)).items()}
    w = out["mask_weights"] > 0
    original = np.take_along_axis(rows, out["mask_positions"], 1)[w]
    new = np.take_along_axis(out["token_ids"], out["mask_positions"], 1)[w]
    assert (original > 4).all(), "a special token was chosen"
    assert (new != 0).all() and (new != 1).all() and (new != 2).all() and (new != 3).all()
    return out, w.sum() / (rows > 4).sum(), (new == 4).mean(), ((new != 4) & (new != original)).mean(), (new == original).mean()


@pytest.mark.parametrize("whole_word", [False, True])
def test_graph_masking_proportions_match_reference(rows_100k, whole_word):
    _, rate, to_mask, to_random, unchanged = graph_proportions(rows_100k, whole_word)
    assert rate == pytest.approx(0.15, abs=0.005)
    assert to_mask == pytest.approx(0.8, abs=0.01)
    assert to_random == pytest.approx(0.1, abs=0.01)
    assert unchanged == pytest.approx(0.1, abs=0.01)
    ref = [mask_tokens(list(r), VOCAB, rng=random.Random(i), whole_word=whole_word) for i, r in enumerate(rows_100k)]
    ref_rate = sum(sum(o["mask_weights"]) for o in ref) / (rows_100k > 4).sum()
    assert rate == pytest.approx(ref_rate, abs=0.002)


def test_graph_count_per_row_equals_reference_rule(rows_100k):
    out = TFMasker(VOCAB, max_predictions_per_seq=20)(rows_100k[:200], tf.constant([1, 1], tf.int64))
    counts = out["mask_weights"].numpy().sum(1)
    expected = [sum(mask_tokens(list(r), VOCAB, rng=random.Random(0))["mask_weights"]) for r in rows_100k[:200]]
    np.testing.assert_array_equal(counts, expected)  # token-level: count is exactly min(cap, max(1, round(.15 n)))


def test_graph_whole_word_masks_whole_words(rows_100k):
    out, *_ = graph_proportions(rows_100k[:400], whole_word=True)
    multi = 0
    for row, pos, w in zip(rows_100k[:400], out["mask_positions"], out["mask_weights"], strict=True):
        chosen = set(pos[w > 0].tolist())
        for group in word_groups(row.tolist(), VOCAB):
            inside = [p in chosen for p in group]
            assert all(inside) or not any(inside)
            multi += all(inside) and len(group) > 1
    assert multi > 100


def test_nothing_maskable_and_short_sequences():
    rows = tf.constant([[2, 3, 3, 0], [2, 7, 3, 0]])
    out = TFMasker(VOCAB, max_predictions_per_seq=6)(rows, tf.constant([0, 0], tf.int64))
    np.testing.assert_array_equal(out["mask_weights"].numpy(), [[0] * 6, [1, 0, 0, 0, 0, 0]])
    np.testing.assert_array_equal(out["mask_positions"].numpy(), [[0] * 6, [1, 0, 0, 0, 0, 0]])
    np.testing.assert_array_equal(out["mask_ids"].numpy(), [[0] * 6, [7, 0, 0, 0, 0, 0]])
    loss = masked_lm_loss(out["mask_ids"][:1], tf.random.normal([1, 6, len(VOCAB)]), out["mask_weights"][:1])
    assert float(loss) == 0.0


def test_training_masks_change_per_epoch_and_repeat_per_seed():
    arrays = random_arrays(48, 32)
    ds = pretraining_dataset(arrays, VOCAB, batch_size=16, seed=7)
    epoch1, epoch2 = collect(ds), collect(ds)
    assert not np.array_equal(epoch1["token_ids"], epoch2["token_ids"])  # new order / masks every epoch
    again = pretraining_dataset(arrays, VOCAB, batch_size=16, seed=7)
    np.testing.assert_equal(collect(again), epoch1)
    np.testing.assert_equal(collect(again), epoch2)  # the same seed gives the same stream of epochs
    other = collect(pretraining_dataset(arrays, VOCAB, batch_size=16, seed=8))
    assert not np.array_equal(other["token_ids"], epoch1["token_ids"])


def unmask(out):
    """Put the original ids back at the chosen positions: recovers the packed pairs exactly."""
    ids = out["token_ids"].copy()
    for r in range(len(ids)):
        w = out["mask_weights"][r] > 0
        ids[r, out["mask_positions"][r][w]] = out["mask_ids"][r][w]
    return ids


def test_same_pair_gets_new_masks_across_epochs():
    arrays = random_arrays(8, 32)
    ds = pretraining_dataset(arrays, VOCAB, batch_size=8, seed=3)
    masks_per_epoch = []
    for _ in range(2):
        out = collect(ds)
        ids = unmask(out)
        order = [next(i for i in range(8) if np.array_equal(ids[i], row)) for row in arrays["token_ids"]]
        np.testing.assert_array_equal(out["nsp_labels"][order], arrays["nsp_labels"])  # labels travel along
        masks_per_epoch.append(out["mask_positions"][order])
    assert not np.array_equal(*masks_per_epoch)


def test_evaluation_masks_are_fixed():
    arrays = random_arrays(40, 32)
    ds = pretraining_dataset(arrays, VOCAB, batch_size=16, training=False, seed=1)
    first = collect(ds)
    np.testing.assert_equal(collect(ds), first)
    np.testing.assert_equal(collect(pretraining_dataset(arrays, VOCAB, batch_size=16, training=False, seed=1)), first)


def test_from_documents_with_a_real_tokenizer():
    from bertkeras import WordPieceTokenizer

    rng = random.Random(0)
    words = ["the", "cat", "sat", "on", "a", "mat", "dog", "ran", "home", "quickly", "playing", "games"]
    docs = [[" ".join(rng.choice(words) for _ in range(rng.randint(4, 12))) + "." for _ in range(rng.randint(2, 8))]
            for _ in range(30)]
    tok = WordPieceTokenizer.train([s for d in docs for s in d], vocabulary_size=60)
    arrays = make_pretraining_arrays(docs, tok, seed=0, max_sequence_length=48)
    assert arrays["token_ids"].shape[1] == 48 and (arrays["token_ids"][:, 0] == tok.cls_id).all()
    again = make_pretraining_arrays(docs, tok, seed=0, max_sequence_length=48)
    np.testing.assert_equal(arrays, again)
    inputs, targets = next(iter(pretraining_dataset(arrays, tok.vocabulary, batch_size=4)))
    assert tok.decode(arrays["token_ids"][0]).strip()
    assert float(tf.reduce_sum(targets["mask_weights"])) > 0 and inputs["token_ids"].shape == (4, 48)


def test_masked_lm_loss_weights_only_real_predictions():
    logits = tf.constant([[[5.0, 0.0, 0.0], [0.0, 0.0, 9.0]]])
    full = float(masked_lm_loss([[0, 0]], logits, [[1.0, 1.0]]))
    only_first = float(masked_lm_loss([[0, 0]], logits, [[1.0, 0.0]]))
    assert only_first < 0.02 < full
    ce_first = -np.log(np.exp(5) / (np.exp(5) + 2))
    assert only_first == pytest.approx(ce_first, rel=1e-5)


def test_bad_inputs():
    with pytest.raises(ValueError, match="lack \\['nsp_labels'\\]"):
        pretraining_dataset({k: v for k, v in random_arrays(4).items() if k != "nsp_labels"}, VOCAB)
    with pytest.raises(ValueError, match="max_predictions_per_seq=0"):
        TFMasker(VOCAB, max_predictions_per_seq=0)
    with pytest.raises(ValueError, match="special tokens"):
        TFMasker(["a", "b"])
