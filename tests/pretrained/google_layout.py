"""A tiny vocabulary in Google's layout and one input batch, shared by the checkpoint tests (no torch here,
so the tests that need no transformers can use them too)."""

from __future__ import annotations

import numpy as np

WORDS = ["the", "cat", "sat", "on", "mat", "a", "dog", "ran", "##s", "##ing", "in", "park", ".", ",", "!"]
# Google's layout: [PAD] 0, [unused0..98] 1..99, [UNK] 100, [CLS] 101, [SEP] 102, [MASK] 103, then words.
VOCAB = ["[PAD]", *[f"[unused{i}]" for i in range(99)], "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]


def batch() -> dict[str, np.ndarray]:
    """Two rows, two segments each, the second padded: [CLS] a [SEP] b [SEP] [PAD]..."""
    rng = np.random.default_rng(1)
    words = rng.integers(104, len(VOCAB), size=(2, 12))
    token_ids = np.zeros((2, 12), np.int32)
    segment_ids = np.zeros((2, 12), np.int32)
    mask = np.zeros((2, 12), np.int32)
    for row, (length, split) in enumerate([(12, 5), (8, 3)]):
        ids = [101, *words[row, :split - 1], 102, *words[row, split:length - 1]]
        ids[-1] = 102
        token_ids[row, :length] = ids
        segment_ids[row, split:length] = 1
        mask[row, :length] = 1
    token_ids[1, 4] = 103  # a [MASK]
    return {"token_ids": token_ids, "segment_ids": segment_ids, "padding_mask": mask}
