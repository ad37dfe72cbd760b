"""Baselines for the tagging and span tasks: what a fine-tuned BERT has to beat to be worth it.

Each is scored with the same metrics as the BERT models (:mod:`bertkeras.evaluation.token_metrics`) and has the same
``evaluate(split)``:

* :class:`MajorityTagBaseline` tags every word with the most frequent training label ("lower"): high
  accuracy, an F1 of 0 on every other class;
* :class:`WordLookupTagBaseline` tags each word with the label it had most often in training (unknown
  words: the majority label). It memorises that "london" was capitalised, but cannot tag a name it never
  saw, nor tell "brown" the colour from Gordon Brown;
* :class:`FirstNumberSpanBaseline` answers "how much money?" with the first whitespace-separated chunk of
  the context that holds a digit, without the money pattern that made the data: right when the amount is
  the first number and has no size word ("£5m" yes, "$4.5 billion" half, a year before it: no).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from bertkeras.evaluation.token_metrics import IGNORE, Answer, span_metrics, tagging_metrics

_OPENERS, _CLOSERS = "([{\"'", ")]}\"'.,;:!?"


class MajorityTagBaseline:
    """Tag every word with the most frequent label of the training words (ties: the lowest label id).

    Example:
        >>> from bertkeras.datasets.derived_tasks import TaggedSplit
        >>> train = TaggedSplit([["tony", "blair", "spoke"]], [np.array([-1, 1, 0])], ["Tony Blair spoke"],
        ...                     np.array([0]))
        >>> MajorityTagBaseline(("lower", "capitalised")).fit(train).predict([["hello", "world"]])
        [array([0, 0])]
    """

    def __init__(self, label_names):
        self.label_names = tuple(label_names)
        self.priors_: np.ndarray | None = None

    def fit(self, split):
        labels = np.concatenate([np.asarray(y, np.int64).reshape(-1) for y in split.labels] or [np.zeros(0, int)])
        labels = labels[labels != IGNORE]
        if labels.size == 0:
            raise ValueError(f"{type(self).__name__}.fit got no labelled word; pass the training split")
        self.priors_ = np.bincount(labels, minlength=len(self.label_names)) / labels.size
        return self

    def _check_fitted(self):
        if self.priors_ is None:
            raise RuntimeError(f"{type(self).__name__} is not fitted; call fit(train_split) first")

    def word_probabilities(self, word_lists) -> list[np.ndarray]:
        self._check_fitted()
        return [np.tile(self.priors_, (len(words), 1)) for words in word_lists]

    def predict(self, word_lists) -> list[np.ndarray]:
        return [p.argmax(-1) for p in self.word_probabilities(word_lists)]

    def evaluate(self, split) -> dict:
        """:func:`~bertkeras.evaluation.token_metrics.tagging_metrics` on a :class:`~bertkeras.datasets.derived_tasks.TaggedSplit`."""
        if not len(split):
            raise ValueError("no sentences to evaluate: pass a non-empty TaggedSplit")
        probs = np.concatenate([p.reshape(-1, len(self.label_names)) for p in self.word_probabilities(split.words)])
        labels = np.concatenate([np.asarray(y, np.int64).reshape(-1) for y in split.labels])
        return tagging_metrics(labels, probs, self.label_names)


class WordLookupTagBaseline(MajorityTagBaseline):
    """Tag each word with its label distribution in the training split; unseen words get the overall one.

    Example:
        >>> from bertkeras.datasets.derived_tasks import TaggedSplit
        >>> train = TaggedSplit([["blair", "met", "brown"], ["brown", "shoes"]],
        ...                     [np.array([-1, 0, 1]), np.array([-1, 0])], ["", ""], np.array([0, 1]))
        >>> model = WordLookupTagBaseline(("lower", "capitalised")).fit(train)
        >>> model.predict([["brown", "met", "blair"]])  # "blair" was never labelled: majority
        [array([1, 0, 0])]
    """

    def fit(self, split):
        super().fit(split)
        counts: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(len(self.label_names)))
        for words, labels in zip(split.words, split.labels, strict=True):
            for word, label in zip(words, labels, strict=True):
                if label != IGNORE:
                    counts[word][label] += 1
        self.table_ = {w: c / c.sum() for w, c in counts.items()}
        return self

    def word_probabilities(self, word_lists) -> list[np.ndarray]:
        self._check_fitted()
        return [np.array([self.table_.get(w, self.priors_) for w in words]).reshape(-1, len(self.label_names))
                for words in word_lists]


def first_number(context: str) -> Answer:
    """The first whitespace-separated chunk holding a digit, without surrounding brackets, quotes and
    punctuation; an empty answer at 0 when there is none.

    Example:
        >>> first_number("Profits (£600m) rose in 2004.")
        Answer(text='£600m', start=9, end=14, score=0.0)
        >>> first_number("It rose 5% to $4.5 billion").text, first_number("no digits").text
        ('5%', '')
    """
    position = 0
    for chunk in context.split():
        begin = context.index(chunk, position)
        position = begin + len(chunk)
        if any(ch.isdigit() for ch in chunk):
            start, end = begin, position
            while context[start] in _OPENERS:
                start += 1
            while context[end - 1] in _CLOSERS and end - 1 > start:
                end -= 1
            return Answer(context[start:end], start, end, 0.0)
    return Answer("", 0, 0, 0.0)


class FirstNumberSpanBaseline:
    """Answer with :func:`first_number` of the context, whatever the question.

    Example:
        >>> from bertkeras.datasets.derived_tasks import SpanSplit
        >>> split = SpanSplit(["How much money?"] * 2, ["It paid £5m.", "In 2004 it paid $4.5 billion."],
        ...                   np.array([8, 16]), np.array([11, 28]), np.array([0, 1]))
        >>> FirstNumberSpanBaseline().evaluate(split)
        {'exact_match': 0.5, 'f1': 0.5, 'num_examples': 2}
    """

    def fit(self, split=None):
        return self  # nothing to learn

    def predict(self, contexts, questions=None) -> list[Answer]:
        contexts = [contexts] if isinstance(contexts, str) else list(contexts)
        return [first_number(c) for c in contexts]

    def evaluate(self, split) -> dict:
        """SQuAD exact match and F1 on a :class:`~bertkeras.datasets.derived_tasks.SpanSplit`."""
        return span_metrics(self.predict(split.contexts), split.answers)


__all__ = ["FirstNumberSpanBaseline", "MajorityTagBaseline", "WordLookupTagBaseline", "first_number"]
