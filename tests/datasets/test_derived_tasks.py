"""The tasks derived from BBC News: seeded, within the article split, balanced, labelled exactly as documented."""

from __future__ import annotations

import time

import numpy as np
import pytest

from bertkeras import datasets
from bertkeras.datasets import Split, TextDataset
from bertkeras.datasets import derived_tasks as dt

SPLITS = dt.SPLITS


@pytest.fixture(scope="module")
def bbc():
    return datasets.load("bbc_news", seed=42)


@pytest.fixture(scope="module")
def tasks(bbc):
    start = time.perf_counter()
    built = (dt.continuation_pairs(data=bbc), dt.proper_noun_tagging(data=bbc), dt.money_span_extraction(data=bbc))
    return built, time.perf_counter() - start


def article(bbc, split, index):
    return dt.article_sentences(getattr(bbc, split).texts[index])


def test_sizes_are_the_documented_ones_and_generation_is_fast(tasks):
    (pairs, tagging, spans), seconds = tasks
    assert seconds < 10
    assert [len(getattr(pairs, s)) for s in SPLITS] == [3402, 426, 426]
    assert [len(getattr(tagging, s)) for s in SPLITS] == [3402, 426, 426]
    assert [sum(map(len, getattr(tagging, s).words)) for s in SPLITS] == [82772, 10168, 10690]
    assert [len(getattr(spans, s)) for s in SPLITS] == [714, 128, 74]
    for name in ("continuation pairs, 2 per article: 3,402 / 426 / 426", "82,772 / 10,168 / 10,690 words",
                 "money spans, one-sentence contexts: 714 / 128 / 74"):
        assert name in dt.__doc__


def test_same_seed_same_examples_other_seed_other_examples(bbc, tasks):
    (pairs, tagging, spans), _ = tasks
    again = dt.continuation_pairs(data=bbc)
    assert again.train.texts == pairs.train.texts and np.array_equal(again.train.labels, pairs.train.labels)
    assert dt.continuation_pairs(data=bbc, seed=7).train.texts != pairs.train.texts
    assert dt.proper_noun_tagging(data=bbc).train.sentences == tagging.train.sentences
    assert dt.proper_noun_tagging(data=bbc, seed=7).train.sentences != tagging.train.sentences
    # without ``data`` the BBC split of the same seed is loaded: the same examples
    assert dt.money_span_extraction().test.contexts == spans.test.contexts


def test_no_article_feeds_two_splits(bbc, tasks):
    (pairs, tagging, spans), _ = tasks
    texts = [set(getattr(bbc, s).texts) for s in SPLITS]
    assert not (texts[0] & texts[1] or texts[0] & texts[2] or texts[1] & texts[2])
    for split in SPLITS:
        for (a, b), (source_a, source_b) in zip(getattr(pairs, split).texts, getattr(pairs, split).sources, strict=True):
            assert a in article(bbc, split, source_a) and b in article(bbc, split, source_b)
        for sentence, source in zip(getattr(tagging, split).sentences, getattr(tagging, split).articles, strict=True):
            assert sentence in article(bbc, split, source)
        for context, source in zip(getattr(spans, split).contexts, getattr(spans, split).articles, strict=True):
            assert context in article(bbc, split, source)


def test_pairs_are_balanced_and_continuations_are_true(bbc, tasks):
    (pairs, _, _), _ = tasks
    assert pairs.label_names == ("random", "continues")
    for split in SPLITS:
        counts = pairs.class_counts(split)
        assert abs(counts["random"] - counts["continues"]) <= 1
        part = getattr(pairs, split)
        for (a, b), label, (source_a, source_b) in zip(part.texts, part.labels, part.sources, strict=True):
            sentences = article(bbc, split, source_a)
            if label == dt.CONTINUES:
                assert source_a == source_b and sentences[sentences.index(a) + 1] == b
            else:
                assert source_a != source_b
        assert np.bincount(np.unique(part.sources[:, 0], return_counts=True)[1]).argmax() == 2  # 2 per article


def hand_made_bbc():
    train = ["Headline with $9m\n\nShares rose. Profits hit £5m in May. It paid $2bn and $3m. Fares rose 80p to £3.",
             "Other news\n\nA dog barked. The BBC said so. Then it rained."]
    other = ["Rates\n\nThe bank lent €4.5 billion to Tony Blair. Nothing else."] * 1 + ["Two\n\nOne. Two. Three."]
    return TextDataset("bbc_news", ("a", "b"), Split(train, np.array([0, 1])), Split(other, np.array([0, 1])),
                       Split(other[::-1], np.array([1, 0])))


def test_money_spans_keep_exactly_one_readable_amount():
    spans = dt.money_span_extraction(data=hand_made_bbc())
    assert spans.train.contexts == ["Profits hit £5m in May."]  # headline, two amounts, £3 beside 80p: left out
    assert spans.train.answers == ["£5m"] and spans.train.answer_starts.tolist() == [12]
    assert spans.train.questions == ["How much money?"] and spans.train.articles.tolist() == [0]
    assert spans.validation.answers == ["€4.5 billion"]
    two = dt.money_span_extraction(data=hand_made_bbc(), context_sentences=2, question="What amount?")
    assert two.train.contexts == ["Shares rose. Profits hit £5m in May."]  # sentences 1-2; 3-4 have three amounts
    assert two.validation.contexts == ["The bank lent €4.5 billion to Tony Blair. Nothing else."]
    assert two.validation.questions == ["What amount?"]
    assert dt.money_amounts("£20,000, then $1.4850 and £5.") == [(0, 7), (14, 21), (26, 28)]


def test_tagging_lower_cases_words_and_labels_their_original_casing():
    tagging = dt.proper_noun_tagging(data=hand_made_bbc(), sentences_per_article=None, min_words=5)
    assert tagging.train.sentences == ["Profits hit £5m in May.", "It paid $2bn and $3m.", "Fares rose 80p to £3.",
                                       "The BBC said so."]  # the others have fewer than 5 words
    assert tagging.train.words[3] == ["the", "bbc", "said", "so", "."]
    assert tagging.train.labels[3].tolist() == [dt.IGNORE, dt.ACRONYM, dt.LOWER, dt.LOWER, dt.LOWER]
    assert tagging.train.labels[0].tolist() == [-1, 0, 0, 0, 1, 0]  # "May" is capitalised mid-sentence
    assert tagging.validation.words[0][3:6] == ["€4", ".", "5"]  # "." is punctuation, "€" is not
    assert tagging.validation.labels[0].tolist() == [-1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0]
    assert tagging.label_names == ("lower", "capitalised", "acronym")
    assert tagging.label_counts("validation") == {"lower": 8, "capitalised": 2, "acronym": 0, "ignored": 1}
    one = dt.proper_noun_tagging(data=hand_made_bbc(), sentences_per_article=1, min_words=5)
    assert len(one.train) == 2 and one.train.articles.tolist() == [0, 1]


def test_case_labels_ignore_positional_capitals_only():
    words = ["Then", "\u201c", "Google", "met", "BBC", '"', "Why", "iPod", "?"]
    assert dt.case_labels(words) == [-1, 0, -1, 0, 2, 0, -1, 0, 0]
    assert dt.case_labels(["2004", "was", "Good", "US"]) == [0, 0, 1, 2]  # the first *lettered* word is "was"
    assert dt.case_labels(["BBC", "Sport"]) == [2, 1] and dt.case_labels([]) == []


def test_bad_arguments_name_the_fix():
    with pytest.raises(ValueError, match="pairs_per_article=0"):
        dt.continuation_pairs(pairs_per_article=0, data=hand_made_bbc())
    with pytest.raises(ValueError, match="or None for all"):
        dt.proper_noun_tagging(sentences_per_article=0, data=hand_made_bbc())
    with pytest.raises(ValueError, match="context_sentences=0"):
        dt.money_span_extraction(context_sentences=0, data=hand_made_bbc())
    lonely = TextDataset("bbc_news", ("a",), *(Split(["T\n\nOne. Two."], np.array([0])) for _ in range(3)))
    with pytest.raises(ValueError, match="random pairs need at least 2"):
        dt.continuation_pairs(data=lonely)
