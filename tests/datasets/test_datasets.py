"""Loaders on the real offline copies: sizes, label balance, dedupe, stratification, no leakage."""

from __future__ import annotations

import numpy as np
import pytest

from bertkeras import datasets
from bertkeras.commands.cli import main as cli_main

SPLITS = ("train", "validation", "test")


@pytest.fixture(scope="module", params=datasets.CLASSIFICATION)
def dataset(request):
    return datasets.load(request.param)


def test_splits_are_disjoint_and_duplicate_free(dataset):
    seen: set[str] = set()
    for split in SPLITS:
        texts = getattr(dataset, split).texts
        assert len(set(texts)) == len(texts), f"{dataset.name}/{split} holds a duplicate text"
        overlap = seen & set(texts)
        assert not overlap, f"{dataset.name}: {len(overlap)} texts in two splits"
        seen |= set(texts)


def test_labels_are_valid_and_stratified(dataset):
    k = len(dataset.label_names)
    shares = []
    for split in SPLITS:
        s = getattr(dataset, split)
        assert len(s.texts) == len(s.labels) > 0
        assert s.labels.dtype == np.int64 and s.labels.min() >= 0 and s.labels.max() < k
        shares.append(np.bincount(s.labels, minlength=k) / len(s.labels))
    for other in shares[1:]:
        np.testing.assert_allclose(other, shares[0], atol=0.01)


def test_same_seed_same_split_other_seed_other_split():
    a, b = datasets.load("sms_spam", seed=1), datasets.load("sms_spam", seed=1)
    c = datasets.load("sms_spam", seed=2)
    assert a.test.texts == b.test.texts and (a.test.labels == b.test.labels).all()
    assert a.test.texts != c.test.texts


def test_sms_spam_is_deduplicated_before_splitting():
    records, _ = datasets.read_records("sms_spam")
    data = datasets.load("sms_spam")
    unique = {r["text"] for r in records}
    assert len(records) == 4862 and sum(r["label"] == "spam" for r in records) == 642
    assert sum(len(getattr(data, s)) for s in SPLITS) == len(unique) == 4534
    assert data.class_counts("train") == {"ham": 3178, "spam": 449}


def test_imdb_is_balanced_half_test_and_markup_free():
    data = datasets.load("imdb")
    total = sum(len(getattr(data, s)) for s in SPLITS)
    assert total == 49578  # 50,000 reviews less 422 that repeat another once markup is gone
    assert abs(len(data.test) / total - 0.5) < 0.01
    assert abs(data.test.labels.mean() - 0.5) < 0.01
    assert not any("<br" in t for t in data.train.texts[:5000])


def test_bbc_news_has_five_topics_of_real_articles():
    data = datasets.load("bbc_news")
    records, _ = datasets.read_records("bbc_news")
    assert len(records) == 2225
    assert data.label_names == ("business", "entertainment", "politics", "sport", "tech")
    assert all(count > 250 for count in data.class_counts("train").values())
    assert sum(len(t) for r in [records] for t in (x["text"] for x in r)) > 4_500_000  # about 5 MB of text


def test_tweets_have_three_classes():
    data = datasets.load("tweets")
    assert data.label_names == ("negative", "neutral", "positive")
    assert sum(len(getattr(data, s)) for s in SPLITS) > 37_000


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="unknown labelled data set 'spam'"):
        datasets.load("spam")
    with pytest.raises(ValueError, match="validation_fraction"):
        datasets.load("sms_spam", validation_fraction=0.7, test_fraction=0.5)


def test_tf_dataset_batches_text_and_labels():
    data = datasets.load("sms_spam")
    ds = datasets.to_tf_dataset(data.test.texts, data.test.labels, batch_size=32, shuffle=True, seed=0)
    texts, labels = next(iter(ds))
    assert texts.shape == (32,) and labels.shape == (32,)
    assert texts.dtype.name == "string"
    total = sum(int(b[1].shape[0]) for b in ds)
    assert total == len(data.test)


def test_cli_fetch_reports_and_rejects_unknown_names(capsys):
    assert cli_main(["data", "fetch", "sms_spam"]) == 0
    assert "sms_spam" in capsys.readouterr().out
    assert cli_main(["data", "fetch", "no_such_set"]) == 2
    assert "unknown data set" in capsys.readouterr().err
