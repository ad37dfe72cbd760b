"""Pre-training documents: sentences, document boundaries and no IMDB test leakage."""

from __future__ import annotations

import pytest

from bertkeras import datasets
from bertkeras.datasets import corpus


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("One. Two! Three?", ["One.", "Two!", "Three?"]),
        ("Mr. Brown met Dr. Green. They talked.", ["Mr. Brown met Dr. Green.", "They talked."]),
        ('She said "No." Then left.', ['She said "No."', "Then left."]),
        ("Profits rose 2.5% to $1.1bn. Shares fell.", ["Profits rose 2.5% to $1.1bn.", "Shares fell."]),
        ("no capital after. so one sentence", ["no capital after. so one sentence"]),
        ("", []),
    ],
)
def test_split_sentences(text, sentences):
    assert corpus.split_sentences(text) == sentences


def test_documents_keep_boundaries_and_paragraphs():
    doc = corpus.document_sentences("Title line\n\nFirst sentence. Second one.\nThird here.")
    assert doc == ["Title line", "First sentence.", "Second one.", "Third here."]


def test_pretraining_documents_never_contain_imdb_test_reviews():
    docs = corpus.pretraining_documents(["imdb"])
    test = datasets.load("imdb").test.texts
    test_sentences = {s for t in test[:2000] for s in corpus.document_sentences(t) if len(s) > 80}
    train_sentences = {s for d in docs for s in d}
    # Long sentences are essentially unique to a review; a shared one would mean leakage.
    assert len(test_sentences & train_sentences) < 0.01 * len(test_sentences)
    assert len(docs) > 20_000 and all(len(d) >= 2 for d in docs)


def test_bbc_documents_and_limit():
    docs = corpus.pretraining_documents(["bbc_news"], limit=10)
    assert len(docs) == 10 and all(isinstance(s, str) and s for d in docs for s in d)
    assert docs[0][0] == "Ad sales boost Time Warner profit"
    with pytest.raises(ValueError, match="unknown pre-training source"):
        corpus.pretraining_documents(["wiki"])
