"""Small supervised tasks made from the BBC News articles, to train the heads other than classification.

The paper fine-tunes on sentence pairs (MNLI), token tags (CoNLL-2003 NER) and answer spans (SQuAD). Those
corpora are large and separately licensed, so the course derives small stand-ins from the 2,127 BBC articles
it already has. The labels are read off the text itself, so they are free and exact:

=========================  ===================================  ================================  ==================
task                       input                                label                             model
=========================  ===================================  ================================  ==================
:func:`continuation_pairs`  (sentence A, sentence B)            does B follow A? (like NSP)       BertClassifier
:func:`proper_noun_tagging` a lower-cased sentence              each word's original casing       BertTokenTagger
:func:`money_span_extraction` "How much money?" + a sentence    where the money amount is         BertSpanExtractor
=========================  ===================================  ================================  ==================

Every task keeps the article split of ``datasets.load("bbc_news", seed=seed)``: all sentences of an example
come from articles of its own split, so no article feeds two splits (each split records its source
articles). Headlines, each article's first line, are left out. One ``numpy.random.default_rng(seed)`` makes
every random choice, so a seed always gives the same examples. Sizes with ``seed=42`` (train / validation /
test), measured; building all three from a loaded data set takes about 2 s on a 2-core CPU:

* continuation pairs, 2 per article: 3,402 / 426 / 426, half of each split "continues";
* proper-noun tagging, 2 sentences per article: 3,402 / 426 / 426 sentences, 82,772 / 10,168 / 10,690 words;
* money spans, one-sentence contexts: 714 / 128 / 74.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from bertkeras.datasets import Split, TextDataset, load
from bertkeras.datasets.corpus import document_sentences
from bertkeras.tokenization.normalization import PreTokenizer

SPLITS = ("train", "validation", "test")
RANDOM, CONTINUES = 0, 1
PAIR_LABELS = ("random", "continues")
LOWER, CAPITALISED, ACRONYM, IGNORE = 0, 1, 2, -1
CASE_LABELS = ("lower", "capitalised", "acronym")
QUESTION = "How much money?"
QUOTES = ('"', "\u201c", "\u201d")

# A currency sign, a number ("20,000", "1.2", "300") and an optional size ("bn", "m", "k", " billion").
MONEY = re.compile(r"[£$€](?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:bn|m|k|\s?(?:billion|million|trillion|thousand))?"
                   r"(?!\w)")
# Money the pattern above misses; a sentence with one of these has no single answer, so it is left out.
OTHER_MONEY = re.compile(r"\b\d[\d,.]*\s?(?:p|pence|cents?|euros?|dollars?|pounds?|yen|yuan|rupees?|francs?|"
                         r"roubles?)\b|[¥₹]|\bUS\$", re.IGNORECASE)


@dataclass(frozen=True)
class PairSplit(Split):
    """A :class:`~bertkeras.datasets.Split` of ``(sentence_a, sentence_b)`` texts.

    ``sources[i]`` holds the indices of the articles A and B come from, in the BBC split of the same name.
    """

    sources: np.ndarray


@dataclass(frozen=True)
class TaggedSplit:
    """Sentences as lower-cased ``words[i]`` with one label per word in ``labels[i]`` (IGNORE = -1: no label).

    ``sentences[i]`` is the original sentence, ``articles[i]`` its article's index in the BBC split.
    """

    words: list[list[str]]
    labels: list[np.ndarray]
    sentences: list[str]
    articles: np.ndarray

    def __len__(self) -> int:
        return len(self.words)


@dataclass(frozen=True)
class TaggingDataset:
    """A token-tagging data set with its three splits."""

    name: str
    label_names: tuple[str, ...]
    train: TaggedSplit
    validation: TaggedSplit
    test: TaggedSplit

    def label_counts(self, split: str = "train") -> dict[str, int]:
        labels = np.concatenate(getattr(self, split).labels)
        return {n: int((labels == i).sum()) for i, n in enumerate(self.label_names)} | {
            "ignored": int((labels == IGNORE).sum())}


@dataclass(frozen=True)
class SpanSplit:
    """Questions and contexts; the answer is ``contexts[i][answer_starts[i]:answer_ends[i]]``."""

    questions: list[str]
    contexts: list[str]
    answer_starts: np.ndarray
    answer_ends: np.ndarray
    articles: np.ndarray

    @property
    def answers(self) -> list[str]:
        return [c[s:e] for c, s, e in zip(self.contexts, self.answer_starts, self.answer_ends, strict=True)]

    def __len__(self) -> int:
        return len(self.contexts)


@dataclass(frozen=True)
class SpanDataset:
    """An extractive question-answering data set with its three splits."""

    name: str
    train: SpanSplit
    validation: SpanSplit
    test: SpanSplit


def article_sentences(text: str) -> list[str]:
    """The sentences of one BBC article, without its headline (the first line).

    Example:
        >>> article_sentences("Shares rise\\n\\nShares rose 2% on Monday. Traders were pleased.")
        ['Shares rose 2% on Monday.', 'Traders were pleased.']
    """
    body = text.split("\n", 1)[1] if "\n" in text else ""
    return document_sentences(body)


def _articles(data, seed):
    data = data if data is not None else load("bbc_news", seed=seed)
    return {name: [article_sentences(t) for t in getattr(data, name).texts] for name in SPLITS}


# --- sentence pairs ------------------------------------------------------------------------------

def continuation_pairs(seed: int = 42, *, pairs_per_article: int = 2, data: TextDataset | None = None) -> TextDataset:
    """Sentence pairs labelled 1 "continues" (B is the sentence right after A) or 0 "random" (B is from
    another article of the same split), half and half, as BERT's next-sentence prediction.

    Each article gives up to ``pairs_per_article`` pairs, from distinct A sentences; the labels are then
    dealt at random so that each split is balanced (one more "random" pair when its size is odd).

    Args:
        seed: the BBC split's seed and the seed of every choice.
        pairs_per_article: pairs per article (fewer for articles of few sentences).
        data: the BBC data set to use (default: ``datasets.load("bbc_news", seed=seed)``).

    Returns:
        A :class:`~bertkeras.datasets.TextDataset` of :class:`PairSplit` splits, label names
        ``("random", "continues")``, for :func:`bertkeras.finetuning.classification.finetune`.
    """
    if pairs_per_article < 1:
        raise ValueError(f"pairs_per_article={pairs_per_article}; it must be >= 1")
    rng = np.random.default_rng(seed)
    splits = []
    for name, articles in _articles(data, seed).items():
        with_text = [j for j, sentences in enumerate(articles) if sentences]
        if len(with_text) < 2:
            raise ValueError(f"the {name} split has {len(with_text)} article(s) with text; random pairs need "
                             "at least 2: pass a larger data set")
        positions = []
        for a, sentences in enumerate(articles):
            if len(sentences) >= 2:
                chosen = rng.choice(len(sentences) - 1, min(pairs_per_article, len(sentences) - 1), replace=False)
                positions += [(a, int(i)) for i in np.sort(chosen)]
        labels = np.full(len(positions), RANDOM, np.int64)
        labels[rng.permutation(len(positions))[:len(positions) // 2]] = CONTINUES
        texts, sources = [], []
        for (a, i), label in zip(positions, labels, strict=True):
            b, sentence = a, articles[a][i + 1]
            while label == RANDOM and (b == a or sentence == articles[a][i + 1]):
                b = with_text[rng.integers(len(with_text))]
                sentence = articles[b][rng.integers(len(articles[b]))]
            texts.append((articles[a][i], sentence))
            sources.append((a, b))
        splits.append(PairSplit(texts, labels, np.array(sources, np.int64).reshape(-1, 2)))
    return TextDataset("bbc_continuation", PAIR_LABELS, *splits)


# --- token tagging ---------------------------------------------------------------------------------

def case_label(word: str) -> int:
    """0 "lower" (no capital first letter; also numbers and punctuation), 1 "capitalised" (first letter
    upper-case) or 2 "acronym" (two or more letters, all upper-case).

    Example:
        >>> [case_label(w) for w in ("shares", "Google", "BBC", "3G", "£", "iPod", "I")]
        [0, 1, 2, 1, 0, 0, 1]
    """
    letters = [c for c in word if c.isalpha()]
    if not letters:
        return LOWER
    if len(letters) >= 2 and all(c.isupper() for c in letters):
        return ACRONYM
    return CAPITALISED if letters[0].isupper() else LOWER


def case_labels(words: list[str]) -> list[int]:
    """:func:`case_label` of each word of a cased sentence, with IGNORE (-1) where a capital says nothing.

    The first word with a letter, and a word right after a double quote, are capitalised because of where
    they stand, not because they are names: a "capitalised" label there becomes IGNORE (no loss, not
    scored). Acronyms and lower-case words keep their label everywhere.

    Example:
        >>> from bertkeras.tokenization.normalization import pre_tokenize
        >>> words = pre_tokenize('The BBC said: "We met Tony Blair in London."', lowercase=False)
        >>> list(zip(words, case_labels(words)))[:9]  # doctest: +NORMALIZE_WHITESPACE
        [('The', -1), ('BBC', 2), ('said', 0), (':', 0), ('"', 0), ('We', -1), ('met', 0), ('Tony', 1),
         ('Blair', 1)]
    """
    labels = [case_label(w) for w in words]
    first = next((i for i, w in enumerate(words) if any(c.isalpha() for c in w)), None)
    positional = {first} | {i + 1 for i, w in enumerate(words[:-1]) if w in QUOTES}
    return [IGNORE if i in positional and label == CAPITALISED else label for i, label in enumerate(labels)]


def proper_noun_tagging(seed: int = 42, *, sentences_per_article: int | None = 2, min_words: int = 4,
                        data: TextDataset | None = None) -> TaggingDataset:
    """A stand-in for named-entity tagging: lower-cased BBC sentences, each word labelled by its casing.

    The model sees the sentence lower-cased (the words are returned lower-cased, so even a cased
    tokenizer cannot peek) and has to recover which words were written ``"capitalised"`` (names of people,
    places, firms: Blair, London, Google) or as an ``"acronym"`` (BBC, US, AOL), the rest being ``"lower"``.
    Labels follow :func:`case_labels`; a sentence-initial capital is not a label (IGNORE).

    Args:
        seed: the BBC split's seed and the seed of the sentence choice.
        sentences_per_article: sentences drawn per article (None: all of them).
        min_words: skip shorter sentences (words as the pre-tokenizer cuts them, punctuation included).
        data: the BBC data set to use (default: ``datasets.load("bbc_news", seed=seed)``).
    """
    if sentences_per_article is not None and sentences_per_article < 1:
        raise ValueError(f"sentences_per_article={sentences_per_article}; use >= 1, or None for all")
    rng = np.random.default_rng(seed)
    cut = PreTokenizer(lowercase=False)  # pre_tokenize with caches: the same words, several times faster
    splits = []
    for articles in _articles(data, seed).values():
        words, labels, sentences, sources = [], [], [], []
        for a, article in enumerate(articles):
            cased = [cut(s) for s in article]
            usable = [i for i, w in enumerate(cased) if len(w) >= min_words]
            if sentences_per_article is not None and len(usable) > sentences_per_article:
                usable = np.sort(rng.choice(usable, sentences_per_article, replace=False)).tolist()
            for i in usable:
                words.append([w.lower() for w in cased[i]])
                labels.append(np.array(case_labels(cased[i]), np.int64))
                sentences.append(article[i])
                sources.append(a)
        splits.append(TaggedSplit(words, labels, sentences, np.array(sources, np.int64)))
    return TaggingDataset("bbc_proper_nouns", CASE_LABELS, *splits)


# --- answer spans ------------------------------------------------------------------------------------

def money_amounts(text: str) -> list[tuple[int, int]]:
    """Character spans ``(start, end)`` of the money amounts written with £, $ or € in ``text``.

    Example:
        >>> text = "Profits hit $1.13bn (£600m), up from £20,000 and €4.5 billion."
        >>> [text[s:e] for s, e in money_amounts(text)]
        ['$1.13bn', '£600m', '£20,000', '€4.5 billion']
    """
    return [m.span() for m in MONEY.finditer(text)]


def money_span_extraction(seed: int = 42, *, question: str = QUESTION, context_sentences: int = 1,
                          data: TextDataset | None = None) -> SpanDataset:
    """Extractive QA in SQuAD's form: the question ``"How much money?"`` and a context of BBC text that
    holds exactly one money amount (:func:`money_amounts`); the answer is that amount's character span.

    Contexts with two or more amounts, or with money the pattern does not read (80p, 50 euros, ¥...), are
    left out, so every question has one right answer.

    Args:
        seed: the BBC split's seed.
        question: the question of every example (packed as segment A, the context as segment B).
        context_sentences: sentences per context, in non-overlapping runs of consecutive sentences.
        data: the BBC data set to use (default: ``datasets.load("bbc_news", seed=seed)``).
    """
    if context_sentences < 1:
        raise ValueError(f"context_sentences={context_sentences}; it must be >= 1")
    splits = []
    for articles in _articles(data, seed).values():
        contexts, starts, ends, sources = [], [], [], []
        for a, article in enumerate(articles):
            for i in range(0, len(article) - context_sentences + 1, context_sentences):
                context = " ".join(article[i:i + context_sentences])
                spans = money_amounts(context)
                if len(spans) != 1 or OTHER_MONEY.search(MONEY.sub(" ", context)):
                    continue
                contexts.append(context)
                starts.append(spans[0][0])
                ends.append(spans[0][1])
                sources.append(a)
        splits.append(SpanSplit([question] * len(contexts), contexts, np.array(starts, np.int64),
                                np.array(ends, np.int64), np.array(sources, np.int64)))
    return SpanDataset("bbc_money_spans", *splits)


__all__ = ["ACRONYM", "CAPITALISED", "CASE_LABELS", "CONTINUES", "IGNORE", "LOWER", "MONEY", "PAIR_LABELS",
           "QUESTION", "RANDOM", "PairSplit", "SpanDataset", "SpanSplit", "TaggedSplit", "TaggingDataset",
           "article_sentences", "case_label", "case_labels", "continuation_pairs", "money_amounts",
           "money_span_extraction", "proper_noun_tagging"]
