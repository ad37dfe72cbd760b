"""Masked-language-model masking in plain Python: the reference the notebook teaches.

BERT hides about 15 % of the tokens and asks the model to recover them. Following google-research/bert
(``create_masked_lm_predictions``):

1. the candidates are the non-special tokens (the five specials [PAD] [UNK] [CLS] [SEP] [MASK] are never
   chosen); with ``whole_word=True`` a candidate is a whole word,
   a piece plus the ``##`` pieces that follow it, so a word is hidden all at once or not at all;
2. ``num_to_predict = min(max_predictions_per_seq, max(1, round(n * mask_rate)))`` where ``n`` is the
   number of candidate tokens (0 when there is nothing to mask);
3. candidates are taken in a random order until ``num_to_predict`` tokens are chosen (a word that would
   overshoot is skipped, as in BERT);
4. each chosen token becomes ``[MASK]`` with probability 0.8, a random non-special token with 0.1 and
   stays itself with 0.1, so the model cannot learn that only ``[MASK]`` positions matter.

The result uses keras-hub's ``MaskedLMMaskGenerator`` names: ``token_ids`` (masked), ``mask_positions``,
``mask_ids`` (the original ids there) and ``mask_weights`` (1.0 for a real prediction, 0.0 for padding),
all padded to ``max_predictions_per_seq``. The ``tf.data`` version in :mod:`bertkeras.pretraining.pipeline`
follows the same rules and is checked against this one statistically.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from bertkeras.tokenization.vocabulary import CONTINUATION, SPECIAL_TOKENS


def special_ids(vocabulary: Sequence[str]) -> list[int]:
    """Ids of the five special tokens in ``vocabulary`` (never masked, never drawn as random tokens).

    Example:
        >>> special_ids(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the"])
        [0, 1, 2, 3, 4]
    """
    index = {t: i for i, t in enumerate(vocabulary)}
    missing = [t for t in SPECIAL_TOKENS if t not in index]
    if missing:
        raise ValueError(f"vocabulary lacks the special tokens {missing}; add them (ids 0..4 in a trained "
                         f"vocabulary), e.g. with WordPieceTokenizer.train")
    return [index[t] for t in SPECIAL_TOKENS]


def word_groups(token_ids: Sequence[int], vocabulary: Sequence[str], whole_word: bool = True) -> list[list[int]]:
    """Positions that may be masked, grouped into words (or one token per group when not ``whole_word``).

    A group starts at a non-special piece that does not begin with ``##`` (or follows a special token)
    and takes every ``##`` piece right after it.

    Example:
        >>> vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "play", "##ing", "##s"]
        >>> word_groups([2, 5, 6, 7, 8, 3, 0], vocab)
        [[1], [2, 3, 4]]
        >>> word_groups([2, 5, 6, 7, 8, 3, 0], vocab, whole_word=False)
        [[1], [2], [3], [4]]
    """
    specials = set(special_ids(vocabulary))
    groups: list[list[int]] = []
    previous_maskable = False
    for position, token_id in enumerate(token_ids):
        if not 0 <= token_id < len(vocabulary):
            raise ValueError(f"token id {token_id} at position {position} is outside the vocabulary of "
                             f"{len(vocabulary)} tokens; encode with the same vocabulary you mask with")
        if token_id in specials:
            previous_maskable = False
            continue
        continues = whole_word and previous_maskable and vocabulary[token_id].startswith(CONTINUATION)
        if continues:
            groups[-1].append(position)
        else:
            groups.append([position])
        previous_maskable = True
    return groups


def num_to_predict(num_candidates: int, mask_rate: float, max_predictions_per_seq: int) -> int:
    """How many tokens to mask: ``round(n * rate)``, at least 1 (if anything is maskable), at most the cap.

    Example:
        >>> num_to_predict(100, 0.15, 20), num_to_predict(3, 0.15, 20), num_to_predict(0, 0.15, 20)
        (15, 1, 0)
    """
    if num_candidates == 0:
        return 0
    return min(max_predictions_per_seq, max(1, round(num_candidates * mask_rate)))


def mask_tokens(
    token_ids: Sequence[int],
    vocabulary: Sequence[str],
    *,
    rng: random.Random,
    mask_rate: float = 0.15,
    max_predictions_per_seq: int = 20,
    whole_word: bool = False,
    mask_token_rate: float = 0.8,
    random_token_rate: float = 0.1,
) -> dict[str, list]:
    """Mask one packed sequence the BERT way; the seeded ``rng`` is the only source of randomness.

    Args:
        token_ids: a packed sequence (``[CLS] A [SEP] B [SEP]`` and padding), ids into ``vocabulary``.
        vocabulary: the token list (to know the specials and the ``##`` pieces).
        rng: a ``random.Random``; the same seed gives the same masks.
        mask_rate: share of the maskable tokens to predict (BERT: 0.15).
        max_predictions_per_seq: cap on predictions; the outputs are padded to this length.
        whole_word: choose whole words (a piece and its ``##`` continuations) together.
        mask_token_rate: share of chosen tokens replaced by ``[MASK]`` (0.8).
        random_token_rate: share replaced by a random non-special token (0.1); the rest stay unchanged.

    Returns:
        dict with ``token_ids`` (masked copy), ``mask_positions``, ``mask_ids`` (original ids) and
        ``mask_weights`` (floats), the last three of length ``max_predictions_per_seq``; padding slots
        have position 0, id 0 and weight 0.0.

    Example:
        >>> vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "sat", "on", "mat", "##s"]
        >>> out = mask_tokens([2, 5, 6, 7, 8, 5, 9, 10, 3, 0], vocab, rng=random.Random(4),
        ...                   max_predictions_per_seq=3)
        >>> out["token_ids"], out["mask_positions"], out["mask_ids"], out["mask_weights"]
        ([2, 5, 6, 7, 8, 5, 4, 10, 3, 0], [6, 0, 0], [9, 0, 0], [1.0, 0.0, 0.0])
    """
    if not 0.0 <= mask_rate <= 1.0 or mask_token_rate + random_token_rate > 1.0 or min(mask_token_rate,
                                                                                         random_token_rate) < 0:
        raise ValueError(f"bad masking rates (mask_rate={mask_rate}, mask_token_rate={mask_token_rate}, "
                         f"random_token_rate={random_token_rate}); use rates in [0, 1] with "
                         f"mask_token_rate + random_token_rate <= 1 (BERT: 0.15, 0.8, 0.1)")
    if max_predictions_per_seq < 1:
        raise ValueError(f"max_predictions_per_seq={max_predictions_per_seq}; it must be >= 1 (BERT: 20 for "
                         f"128-token sequences)")
    specials = special_ids(vocabulary)
    mask_id = specials[SPECIAL_TOKENS.index("[MASK]")]
    specials_set = set(specials)
    groups = word_groups(token_ids, vocabulary, whole_word=whole_word)
    target = num_to_predict(sum(len(g) for g in groups), mask_rate, max_predictions_per_seq)

    rng.shuffle(groups)  # a random order over candidate words
    chosen: list[int] = []
    for group in groups:
        if len(chosen) >= target:
            break
        if len(chosen) + len(group) > target:  # this word would overshoot: skip it, as BERT does
            continue
        chosen.extend(group)
    chosen.sort()

    masked = list(token_ids)
    for position in chosen:
        draw = rng.random()
        if draw < mask_token_rate:
            masked[position] = mask_id
        elif draw < mask_token_rate + random_token_rate:
            # A random real token, never a special one (the model must not see [CLS] mid-sentence).
            while True:
                candidate = rng.randrange(len(vocabulary))
                if candidate not in specials_set:
                    break
            masked[position] = candidate
        # else: keep the original token, so the model also has to check tokens it can see

    pad = max_predictions_per_seq - len(chosen)
    return {
        "token_ids": masked,
        "mask_positions": chosen + [0] * pad,
        "mask_ids": [token_ids[p] for p in chosen] + [0] * pad,
        "mask_weights": [1.0] * len(chosen) + [0.0] * pad,
    }
