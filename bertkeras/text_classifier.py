"""``TextClassifier``: a fine-tuned BERT you can hand raw text, save to a directory and load back.

It bundles what a trained classifier needs at prediction time: the tokenizer, the
:class:`~bertkeras.task_models.BertClassifier`, the class names, the maximum length and, for a binary
task, the decision threshold tuned on validation data. :func:`bertkeras.finetuning.finetune` returns one.

Texts are batched by length (:func:`length_batches`): each batch is padded only to its own longest
message (rounded up to a multiple of 16), not to ``max_length``. SMS messages are 19 WordPieces long
on median, so this makes training and prediction several times faster than padding everything to 128.

A saved classifier is one directory (written atomically)::

    classifier.json          {"format": "bertkeras-classifier", "bert_config": {...}, "label_names": [...],
                              "max_length": 128, "threshold": 0.43, "lowercase": true, ...}
    vocab.txt                the WordPiece vocabulary
    classifier.weights.h5    backbone + classification-head weights
    metrics.json             (optional) the numbers of the run that made it
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

import numpy as np

from bertkeras.evaluation import classification_metrics, predict_labels

FORMAT = "bertkeras-classifier"
CONFIG_FILE = "classifier.json"
WEIGHTS_FILE = "classifier.weights.h5"
PAD_MULTIPLE = 16


class Predictions(NamedTuple):
    """``labels`` (n,) class ids and ``probabilities`` (n, classes); unpacks as ``labels, probs = ...``."""

    labels: np.ndarray
    probabilities: np.ndarray


def length_batches(lengths, batch_size: int, rng: np.random.Generator | None = None,
                   pool_batches: int = 50) -> list[np.ndarray]:
    """Index batches of similar length, so little padding is needed.

    Without ``rng``: all examples sorted by length (prediction; order is restored afterwards). With
    ``rng``: shuffle, sort within pools of ``pool_batches`` batches, cut into batches, shuffle the batch
    order (training: every epoch differs, every batch is still homogeneous).

    Example:
        >>> [b.tolist() for b in length_batches([5, 1, 4, 2, 3], batch_size=2)]
        [[1, 3], [4, 2], [0]]
    """
    lengths = np.asarray(lengths)
    if batch_size < 1:
        raise ValueError(f"batch_size={batch_size}; it must be >= 1")
    if rng is None:
        order = np.argsort(lengths, kind="stable")
        return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    order = rng.permutation(len(lengths))
    pool = batch_size * pool_batches
    batches = []
    for start in range(0, len(order), pool):
        chunk = order[start:start + pool]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches += [chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def pad_batch(ids: list[list[int]], pad_id: int, multiple: int = PAD_MULTIPLE) -> dict[str, np.ndarray]:
    """Pad id lists (already with ``[CLS]``/``[SEP]``) to the longest, rounded up to ``multiple``.

    Example:
        >>> batch = pad_batch([[2, 7, 3], [2, 3]], pad_id=0, multiple=4)
        >>> batch["token_ids"].tolist(), batch["padding_mask"].tolist()
        ([[2, 7, 3, 0], [2, 3, 0, 0]], [[1, 1, 1, 0], [1, 1, 0, 0]])
    """
    length = -(-max(len(row) for row in ids) // multiple) * multiple
    token_ids = np.full((len(ids), length), pad_id, np.int32)
    mask = np.zeros((len(ids), length), np.int32)
    for i, row in enumerate(ids):
        token_ids[i, :len(row)] = row
        mask[i, :len(row)] = 1
    return {"token_ids": token_ids, "segment_ids": np.zeros_like(token_ids), "padding_mask": mask}


class TextClassifier:
    """Tokenizer + :class:`BertClassifier` + class names (+ binary threshold): text in, labels out.

    Args:
        model: a :class:`~bertkeras.task_models.BertClassifier`.
        tokenizer: the :class:`~bertkeras.tokenizer.WordPieceTokenizer` of its backbone.
        label_names: one name per class.
        max_length: texts are cut to this many WordPieces, ``[CLS]`` and ``[SEP]`` included.
        threshold: binary tasks: predict class 1 when its probability >= threshold; None = argmax.
        history: the Keras ``History`` of the fine-tuning run, if any.
        info: facts about the run (epochs, seconds, precision policy, ...).

    Example:
        >>> from bertkeras import BertBackbone, BertClassifier, WordPieceTokenizer
        >>> tokenizer = WordPieceTokenizer(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "free", "prize", "hi"])
        >>> backbone = BertBackbone(vocabulary_size=8, num_layers=1, num_heads=2, hidden_dim=8,
        ...                         intermediate_dim=16, max_sequence_length=16)
        >>> clf = TextClassifier(BertClassifier(backbone, 2), tokenizer, label_names=("ham", "spam"), max_length=16)
        >>> labels, probs = clf.predict(["free prize", "hi"])
        >>> labels.shape, probs.shape, bool(np.allclose(probs.sum(1), 1.0))
        ((2,), (2, 2), True)
    """

    def __init__(self, model, tokenizer, *, label_names, max_length: int = 128, threshold: float | None = None,
                 history=None, info: dict | None = None):
        if len(label_names) != model.num_classes:
            raise ValueError(f"{len(label_names)} label names for a model with {model.num_classes} classes; "
                             "pass one name per class")
        if max_length > model.backbone.max_sequence_length:
            raise ValueError(f"max_length={max_length} exceeds the backbone's max_sequence_length="
                             f"{model.backbone.max_sequence_length}; pass max_length <= that")
        self.model = model
        self.tokenizer = tokenizer
        self.label_names = tuple(label_names)
        self.max_length = max_length
        self.threshold = threshold
        self.history = history
        self.info = dict(info or {})

    @property
    def num_classes(self) -> int:
        return len(self.label_names)

    def encode(self, texts) -> list[list[int]]:
        """``[CLS] pieces [SEP]`` id lists, truncated to ``max_length``."""
        tok = self.tokenizer
        room = self.max_length - 2
        return [[tok.cls_id, *tok.encode_ids(t)[:room], tok.sep_id] for t in texts]

    def logits_for_ids(self, ids: list[list[int]], batch_size: int = 64) -> np.ndarray:
        """(n, classes) float64 logits of encoded texts, batched by length, in the input order."""
        out = np.zeros((len(ids), self.num_classes), np.float64)
        for batch in length_batches([len(row) for row in ids], batch_size):
            x = pad_batch([ids[i] for i in batch], self.tokenizer.pad_id)
            out[batch] = np.asarray(self.model.predict_on_batch(x), np.float64)
        return out

    def predict_proba(self, texts, batch_size: int = 64) -> np.ndarray:
        """(n, classes) class probabilities (softmax of the logits)."""
        texts = [texts] if isinstance(texts, str) else list(texts)
        if not texts:
            return np.zeros((0, self.num_classes))
        logits = self.logits_for_ids(self.encode(texts), batch_size)
        probs = np.exp(logits - logits.max(-1, keepdims=True))
        return probs / probs.sum(-1, keepdims=True)

    def predict(self, texts, batch_size: int = 64) -> Predictions:
        """Class ids (with the tuned threshold for a binary task) and the class probabilities."""
        probs = self.predict_proba(texts, batch_size)
        return Predictions(predict_labels(probs, self.threshold), probs)

    def evaluate(self, texts, labels, batch_size: int = 64) -> dict:
        """The metric dict of :func:`bertkeras.evaluation.classification_metrics` on ``texts``."""
        return classification_metrics(np.asarray(labels, np.int64), self.predict_proba(texts, batch_size),
                                      threshold=self.threshold)

    # --- saving ----------------------------------------------------------------------------------------
    def write(self, directory: Path) -> None:
        """Write the classifier's files into an existing ``directory`` (see :meth:`save`)."""
        directory = Path(directory)
        config = {"format": FORMAT, "version": 1,
                  "bert_config": json.loads(self.model.backbone.bert_config.to_json()),
                  "lowercase": self.tokenizer.lowercase, "num_classes": self.num_classes,
                  "label_names": list(self.label_names), "max_length": self.max_length,
                  "threshold": self.threshold, "dropout": self.model.dropout, "info": self.info}
        (directory / CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
        self.tokenizer.save_vocabulary(directory / "vocab.txt")
        self.model.save_weights(directory / WEIGHTS_FILE)

    def save(self, directory, *, metrics: dict | None = None, extra_files: dict | None = None) -> Path:
        """Write the classifier (+ ``metrics.json`` and ``{name: str | bytes}`` files) atomically."""
        from bertkeras.pretrained import atomic_directory

        def write(tmp: Path):
            self.write(tmp)
            if metrics is not None:
                (tmp / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
            for name, content in (extra_files or {}).items():
                path = tmp / name
                path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content, "utf-8")

        return atomic_directory(Path(directory), write)

    @classmethod
    def load(cls, directory) -> TextClassifier:
        """Load a directory written by :meth:`save` (e.g. a ``bertkeras finetune`` run directory)."""
        from bertkeras.backbone import BertBackbone
        from bertkeras.config import BertConfig
        from bertkeras.task_models import BertClassifier
        from bertkeras.tokenizer import WordPieceTokenizer

        directory = Path(directory).expanduser()
        if not directory.is_dir():
            raise FileNotFoundError(f"no fine-tuned model at {directory}: pass the run directory that "
                                    "`bertkeras finetune --out` wrote")
        missing = [n for n in (CONFIG_FILE, "vocab.txt", WEIGHTS_FILE) if not (directory / n).is_file()]
        if missing:
            raise FileNotFoundError(f"{directory} is not a complete fine-tuned model: {missing} missing; re-run "
                                    "`bertkeras finetune` (a pretrained model loads with load_pretrained instead)")
        config = json.loads((directory / CONFIG_FILE).read_text(encoding="utf-8"))
        if config.get("format") != FORMAT:
            raise ValueError(f"{directory / CONFIG_FILE} is not a bertkeras classifier config "
                             f"(format={config.get('format')!r})")
        bert_config = BertConfig.from_json(json.dumps(config["bert_config"]))
        model = BertClassifier(BertBackbone.from_bert_config(bert_config), config["num_classes"],
                               dropout=config.get("dropout", 0.1))
        model.load_weights(directory / WEIGHTS_FILE)
        tokenizer = WordPieceTokenizer(directory / "vocab.txt", lowercase=config.get("lowercase", True))
        return cls(model, tokenizer, label_names=config["label_names"], max_length=config["max_length"],
                   threshold=config.get("threshold"), info=config.get("info"))

    def __repr__(self) -> str:
        c = self.model.backbone.bert_config
        return (f"TextClassifier(classes={list(self.label_names)}, L={c.num_layers}, H={c.hidden_dim}, "
                f"max_length={self.max_length}, threshold={self.threshold})")


__all__ = ["Predictions", "TextClassifier", "length_batches", "pad_batch"]
