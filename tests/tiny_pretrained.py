"""A tiny random "pretrained" BERT for fast tests: 1 layer, hidden 8, a vocabulary learned from SMS texts.

It is saved with :func:`bertkeras.pretrained.save_pretrained`, so it loads exactly like the shipped model,
and the fine-tuning tests do not depend on ``data/tiny_bert`` existing.
"""

from __future__ import annotations

import numpy as np

SPAM_WORDS = ["free", "prize", "win", "claim", "cash", "txt", "call", "now", "urgent", "mobile"]
HAM_WORDS = ["ok", "home", "love", "later", "sorry", "lunch", "see", "you", "going", "night"]


def sms_texts(n: int = 300) -> list[str]:
    from bertkeras import datasets

    return datasets.load("sms_spam").train.texts[:n]


def make_tiny_pretrained(directory, *, seed: int = 0, vocabulary_size: int = 400, max_sequence_length: int = 128):
    """Train a WordPiece vocabulary on 300 SMS texts and save a random 1-layer hidden-8 BERT with it."""
    import keras

    from bertkeras import BertBackbone, WordPieceTokenizer
    from bertkeras.model.pretrainer import BertPretrainer
    from bertkeras.pretrained import save_pretrained

    keras.utils.set_random_seed(seed)
    trained = WordPieceTokenizer.train(sms_texts(), vocabulary_size)
    # The trainer's token order varies with Python's hash seed (the set of tokens does not): sort the
    # learned tokens so the ids, and with them every test number, are the same in every process.
    tokens = trained.vocabulary
    tokenizer = WordPieceTokenizer(tokens[:5] + sorted(tokens[5:]))
    backbone = BertBackbone(vocabulary_size=tokenizer.vocabulary_size, num_layers=1, num_heads=2, hidden_dim=8,
                            intermediate_dim=16, max_sequence_length=max_sequence_length)
    return save_pretrained(directory, BertPretrainer(backbone), tokenizer)


def toy_spam_dataset(seed: int = 0, sizes=(160, 40, 40), spam_share: float = 0.25):
    """Trivially separable: spam texts use only SPAM_WORDS, ham texts only HAM_WORDS (3-8 words each)."""
    from bertkeras.datasets import Split, TextDataset

    rng = np.random.default_rng(seed)

    def split(n):
        labels = (rng.random(n) < spam_share).astype(np.int64)
        labels[:2] = [0, 1]
        texts = [" ".join(rng.choice(SPAM_WORDS if y else HAM_WORDS, rng.integers(3, 9))) for y in labels]
        return Split(texts, labels)

    return TextDataset("toy_spam", ("ham", "spam"), *(split(n) for n in sizes))
