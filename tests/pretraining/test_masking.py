"""Reference MLM masking: BERT's 15 % / 80-10-10 rule, specials never chosen, whole words, padding."""

from __future__ import annotations

import random

import numpy as np
import pytest

from bertkeras.pretraining.masking import mask_tokens, num_to_predict, special_ids, word_groups

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
VOCAB = SPECIALS + [f"w{i}" for i in range(60)] + [f"##p{i}" for i in range(40)]
CONT_START = 5 + 60  # ids >= this are "##" pieces


def packed_rows(n_rows: int, seed: int = 0, length: int = 128) -> list[list[int]]:
    """[CLS] A [SEP] B [SEP] [PAD]... rows of random regular and ## tokens."""
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n_rows):
        n = int(rng.integers(12, length + 1))
        body = rng.integers(5, len(VOCAB), n).tolist()
        body[0], body[n // 2], body[n - 1] = 2, 3, 3
        rows.append(body + [0] * (length - n))
    return rows


def mask_all(rows, **kwargs):
    return [mask_tokens(r, VOCAB, rng=random.Random(i), **kwargs) for i, r in enumerate(rows)]


def proportions(rows, outs):
    chosen = replaced_mask = kept = rand = 0
    maskable = sum(t > 4 for r in rows for t in r)
    for row, out in zip(rows, outs, strict=True):
        for p, orig, w in zip(out["mask_positions"], out["mask_ids"], out["mask_weights"], strict=True):
            if w == 0:
                continue
            chosen += 1
            new = out["token_ids"][p]
            assert row[p] == orig
            if new == 4:
                replaced_mask += 1
            elif new == orig:
                kept += 1
            else:
                rand += 1
    return chosen / maskable, replaced_mask / chosen, rand / chosen, kept / chosen


@pytest.fixture(scope="module")
def rows_100k():
    rows = packed_rows(1600, seed=1)
    assert sum(t > 4 for r in rows for t in r) > 100_000
    return rows


@pytest.mark.parametrize("whole_word", [False, True])
def test_proportions_on_100k_tokens(rows_100k, whole_word):
    outs = mask_all(rows_100k, whole_word=whole_word)
    rate, to_mask, to_random, unchanged = proportions(rows_100k, outs)
    assert rate == pytest.approx(0.15, abs=0.005)
    assert to_mask == pytest.approx(0.8, abs=0.01)
    assert to_random == pytest.approx(0.1, abs=0.01)
    assert unchanged == pytest.approx(0.1, abs=0.01)


def test_specials_never_chosen_and_random_tokens_are_regular(rows_100k):
    for row, out in zip(rows_100k[:300], mask_all(rows_100k[:300]), strict=True):
        for p, w in zip(out["mask_positions"], out["mask_weights"], strict=True):
            if w:
                assert row[p] > 4, "a special token was chosen"
        # Outside the chosen positions nothing changes; no special appears where there was none.
        chosen = {p for p, w in zip(out["mask_positions"], out["mask_weights"], strict=True) if w}
        for p, (old, new) in enumerate(zip(row, out["token_ids"], strict=True)):
            if p not in chosen:
                assert old == new
            else:
                assert new == 4 or new > 4


def test_count_is_round_15_percent_with_min_one_and_cap():
    row = [2] + [5] * 40 + [3]
    out = mask_tokens(row, VOCAB, rng=random.Random(0), max_predictions_per_seq=20)
    assert sum(out["mask_weights"]) == 6  # round(40 * 0.15)
    out = mask_tokens([2, 5, 3], VOCAB, rng=random.Random(0))
    assert sum(out["mask_weights"]) == 1  # at least one
    out = mask_tokens([2] + [5] * 500 + [3], VOCAB, rng=random.Random(0), max_predictions_per_seq=20)
    assert sum(out["mask_weights"]) == 20 and len(out["mask_positions"]) == 20
    assert num_to_predict(10, 0.15, 20) == 2  # round-half-even like Python's round(): 1.5 -> 2
    assert num_to_predict(0, 0.15, 20) == 0


def test_nothing_maskable_gives_zero_weights():
    out = mask_tokens([2, 3, 3, 0, 0], VOCAB, rng=random.Random(0), max_predictions_per_seq=4)
    assert out == {"token_ids": [2, 3, 3, 0, 0], "mask_positions": [0] * 4, "mask_ids": [0] * 4,
                   "mask_weights": [0.0] * 4}


def test_outputs_sorted_and_padded():
    out = mask_tokens(packed_rows(1)[0], VOCAB, rng=random.Random(3), max_predictions_per_seq=30)
    k = int(sum(out["mask_weights"]))
    assert out["mask_positions"][:k] == sorted(out["mask_positions"][:k])
    assert out["mask_positions"][k:] == [0] * (30 - k) and out["mask_ids"][k:] == [0] * (30 - k)


def test_same_seed_same_masks_other_seed_other_masks():
    row = packed_rows(1, seed=5)[0]
    a = mask_tokens(row, VOCAB, rng=random.Random(7))
    b = mask_tokens(row, VOCAB, rng=random.Random(7))
    c = mask_tokens(row, VOCAB, rng=random.Random(8))
    assert a == b
    assert a["mask_positions"] != c["mask_positions"]


def test_word_groups_join_continuation_pieces():
    vocab = SPECIALS + ["un", "##believ", "##able", "cat"]
    #        CLS un ##b ##a cat SEP ##able(after SEP starts a new word) SEP
    ids = [2, 5, 6, 7, 8, 3, 7, 3]
    assert word_groups(ids, vocab) == [[1, 2, 3], [4], [6]]
    assert word_groups(ids, vocab, whole_word=False) == [[1], [2], [3], [4], [6]]


def test_whole_word_masks_whole_words(rows_100k):
    seen_multi_piece = 0
    for row, out in zip(rows_100k[:400], mask_all(rows_100k[:400], whole_word=True), strict=True):
        chosen = {p for p, w in zip(out["mask_positions"], out["mask_weights"], strict=True) if w}
        for group in word_groups(row, VOCAB):
            inside = [p in chosen for p in group]
            assert all(inside) or not any(inside), f"word {group} split by the mask {sorted(chosen)}"
            seen_multi_piece += all(inside) and len(group) > 1
    assert seen_multi_piece > 100


def test_token_level_masking_splits_words_sometimes(rows_100k):
    split = 0
    for row, out in zip(rows_100k[:200], mask_all(rows_100k[:200]), strict=True):
        chosen = {p for p, w in zip(out["mask_positions"], out["mask_weights"], strict=True) if w}
        split += sum(0 < sum(p in chosen for p in g) < len(g) for g in word_groups(row, VOCAB))
    assert split > 0


def test_errors_name_the_problem_and_fix():
    with pytest.raises(ValueError, match="special tokens.*WordPieceTokenizer.train"):
        special_ids(["a", "b"])
    with pytest.raises(ValueError, match="outside the vocabulary"):
        mask_tokens([2, 999, 3], VOCAB, rng=random.Random(0))
    with pytest.raises(ValueError, match="mask_token_rate \\+ random_token_rate <= 1"):
        mask_tokens([2, 5, 3], VOCAB, rng=random.Random(0), mask_token_rate=0.95, random_token_rate=0.1)
    with pytest.raises(ValueError, match="max_predictions_per_seq=0"):
        mask_tokens([2, 5, 3], VOCAB, rng=random.Random(0), max_predictions_per_seq=0)
