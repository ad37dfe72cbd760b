"""Which words move a classifier's score: remove one word at a time and watch the probability change.

Occlusion is the simplest honest answer to "what does this model rely on?": for every word of every
text, the text is scored again without that word, and the drop in the probability of the class of
interest is that word's influence in that text. Averaged over a held-out split, the words with the
largest mean drop are the cues the model learned; words seen only once or twice are left out, since
one message says little. Occlusion sees one word at a time, so cues that only work together are missed.

Example:
    >>> class Counter:  # a stand-in classifier: P(spam) = 0.1 + 0.4 per "free" in the text
    ...     def predict_proba(self, texts):
    ...         p = np.array([0.1 + 0.4 * [word_key(w) for w in t.split()].count("free") for t in texts])
    ...         return np.stack([1 - p, p], axis=1)
    >>> texts = ["free tickets now", "Free! call me", "see you at lunch"]
    >>> [(w.key, round(w.mean_change, 2), w.texts) for w in word_influence(Counter(), texts, min_texts=1)[:2]]
    [('free', 0.4, 2), ('at', 0.0, 1)]
    >>> round(word_influence(Counter(), texts, min_texts=1)[-1].mean_change, 2)  # no word lowers P(spam) here
    0.0
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

import numpy as np

LONG_NUMBER = "(a number of 5+ digits)"  # phone numbers and SMS short codes, pooled: each one is rare


def word_key(word: str) -> str:
    """The word as it is counted: lower case, outer punctuation removed, long numbers pooled.

    >>> [word_key(w) for w in ["FREE!!", "txt", "08712460324", "£1000", "..."]]
    ['free', 'txt', '(a number of 5+ digits)', '£1000', '']
    """
    key = word.lower().strip(string.punctuation + "“”‘’")
    return LONG_NUMBER if sum(c.isdigit() for c in key) >= 5 else key


@dataclass(frozen=True)
class WordInfluence:
    key: str  # the word (see word_key)
    mean_change: float  # mean of P(class | text) - P(class | text without the word), over the texts it is in
    texts: int  # how many texts it occurs in


def word_influence(classifier, texts, *, positive_class: int = 1, min_texts: int = 3) -> list[WordInfluence]:
    """Every word's mean influence on ``P(positive_class)`` over ``texts``, largest first.

    Args:
        classifier: anything with ``predict_proba(list_of_texts) -> (n, classes)``, e.g. a TextClassifier.
        texts: the texts to explain, e.g. a test split.
        positive_class: the class whose probability is watched (1 = spam for SMS spam).
        min_texts: report only words found in at least this many texts.
    """
    texts = list(texts)
    variants, owners, keys = [], [], []
    for i, text in enumerate(texts):
        words = re.findall(r"\S+", text)
        seen = set()
        for j, word in enumerate(words):
            key = word_key(word)
            if not key or key in seen:  # a word repeated in one text is removed (and counted) once
                continue
            seen.add(key)
            variants.append(" ".join(w for k, w in enumerate(words) if k != j or word_key(w) != key))
            owners.append(i)
            keys.append(key)
    if not variants:
        return []
    full = np.asarray(classifier.predict_proba(texts))[:, positive_class]
    without = np.asarray(classifier.predict_proba(variants))[:, positive_class]
    changes: dict[str, list[float]] = {}
    for owner, key, p in zip(owners, keys, without, strict=True):
        changes.setdefault(key, []).append(float(full[owner] - p))
    rows = [WordInfluence(key, float(np.mean(c)), len(c)) for key, c in changes.items() if len(c) >= min_texts]
    return sorted(rows, key=lambda r: (-r.mean_change, r.key))


__all__ = ["LONG_NUMBER", "WordInfluence", "word_influence", "word_key"]
