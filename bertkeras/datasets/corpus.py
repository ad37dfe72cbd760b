"""Pre-training text: documents as lists of sentences, which is what next-sentence prediction needs.

BERT builds its NSP pairs from *documents* (a pair's second segment must be the true continuation or come
from another document), so the corpus keeps document boundaries and splits each document into sentences.

Sources: BBC News (all 2,225 articles), IMDB reviews (only the training half of the seeded split, so no
test review is ever seen during pre-training) and, with internet, WikiText-103.

Example:
    >>> split_sentences("Mr. Smith went to Washington. He met Dr. Jones! Did it rain? Yes.")
    ['Mr. Smith went to Washington.', 'He met Dr. Jones!', 'Did it rain?', 'Yes.']
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bertkeras.datasets import fetch, load

# A sentence ends at . ! or ? (optionally followed by a closing quote or bracket) before whitespace and
# an upper-case letter, digit or opening quote, unless the word before the dot is a common abbreviation.
_ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "vs", "etc", "inc", "ltd", "co", "no",
                  "gen", "gov", "sen", "rep", "mt", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
                  "sept", "oct", "nov", "dec", "u.s", "u.k", "e.g", "i.e"}
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[\"'(\[]?[A-Z0-9])")
SOURCES = ("bbc_news", "imdb", "wikitext103")


def split_sentences(text: str) -> list[str]:
    """Split one paragraph or document into sentences with a small, predictable rule."""
    sentences: list[str] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        end = m.start() + (1 if m.group(0)[0] in "\"')]" else 0)  # keep a closing quote or bracket
        sentence = text[start:end].strip()
        last_word = sentence.rsplit(None, 1)[-1].rstrip(".!?\"')]").lower()
        if sentence.endswith(".") and last_word in _ABBREVIATIONS:
            continue
        sentences.append(sentence)
        start = m.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return [s for s in sentences if s]


def document_sentences(text: str) -> list[str]:
    """Sentences of a document whose paragraphs are separated by blank lines or newlines."""
    out: list[str] = []
    for paragraph in re.split(r"\n\s*\n|\n", text):
        out.extend(split_sentences(" ".join(paragraph.split())))
    return out


def _wikitext_documents(path) -> Iterable[list[str]]:
    """Articles of ``wiki.train.raw``: a line `` = Title = `` starts a new article."""
    title = re.compile(r"^ = [^=].* = $")
    current: list[str] = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if title.match(line.rstrip("\n")):
                if current:
                    yield current
                current = []
            elif line.strip() and not line.lstrip().startswith("="):
                current.extend(split_sentences(line.strip()))
    if current:
        yield current


def pretraining_documents(
    sources: Iterable[str] = ("bbc_news", "imdb"), *, limit: int | None = None, seed: int = 42,
    min_sentences: int = 2,
) -> list[list[str]]:
    """Documents (lists of sentences) for pre-training, from the named sources in order.

    Args:
        sources: any of ``"bbc_news"``, ``"imdb"`` (training half only) and ``"wikitext103"`` (online).
        limit: keep at most this many documents per source (``None``: all).
        seed: the IMDB split seed; use the same one as the fine-tuning run so its test half stays unseen.
        min_sentences: drop documents shorter than this (a one-sentence document cannot give an
            ``IsNext`` pair).
    """
    documents: list[list[str]] = []
    for source in sources:
        if source not in SOURCES:
            raise ValueError(f"unknown pre-training source {source!r}; choose from {SOURCES}")
        if source == "wikitext103":
            docs: Iterable[list[str]] = _wikitext_documents(fetch("wikitext103") / "wiki.train.raw")
        else:
            data = load(source, seed=seed)
            texts = data.train.texts if source == "imdb" else (
                data.train.texts + data.validation.texts + data.test.texts)
            docs = (document_sentences(t) for t in texts)
        kept = 0
        for doc in docs:
            if len(doc) >= min_sentences:
                documents.append(doc)
                kept += 1
                if limit is not None and kept >= limit:
                    break
    return documents
